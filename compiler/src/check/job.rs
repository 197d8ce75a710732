//! Lowering jobs and their steps, matrix, services and container.

use crate::ast::{self, ExprKind as AstExpr, Item, ItemKind};
use crate::diagnostics::{Code, Diagnostic, closest};
use crate::ir::{self, ExprKind, Literal, Type};
use crate::span::Span;

use super::expr::{JobNames, NeedsInsertion, Position, Scope, StepDecl};
use super::pipeline::PipelineLowering;
use super::section::{Section, Setting, list_items};
use super::{Cx, values};

/// The runner a job gets when it names none.
const DEFAULT_RUNNER: &str = "ubuntu-latest";

impl PipelineLowering<'_> {
    pub(super) fn lower_job(
        &self,
        cx: &mut Cx,
        item: &Item,
        id: &ast::Ident,
        name: Option<&ast::StringLit>,
        body: &ast::Block,
    ) -> ir::Job {
        let mut section = Section::of(format!("job `{}`", id.name), body);
        let needs = section
            .value(cx, "needs")
            .map(|e| values::job_refs(cx, e, &self.names, "needs"))
            .unwrap_or_default();
        for need in &needs {
            if need.name == id.name {
                cx.report(
                    Diagnostic::new(
                        Code::DependencyCycle,
                        format!("job `{}` needs itself", id.name),
                        need.span,
                        "depends on itself",
                    )
                    .with_help("remove it from its own `needs`"),
                );
            }
        }
        let needs: Vec<ir::Named> = needs.into_iter().filter(|n| n.name != id.name).collect();

        let matrix_block = section.block(cx, "matrix");
        let job_env_block = env_names(body);
        let steps_ast = section.items(StepSource::of);
        let failure_block = section.block(cx, "on_failure");
        let mut failure_section = failure_block.map(|b| Section::of("`on_failure`", b));
        let failure_ast = failure_section
            .as_mut()
            .map(|s| s.items(StepSource::of))
            .unwrap_or_default();
        if let Some(s) = failure_section {
            s.finish(cx);
        }

        let mut job_names = JobNames {
            id: id.name.clone(),
            needs: needs.iter().map(|n| n.name.clone()).collect(),
            matrix: None,
            steps: declare_steps(cx, &self.names, steps_ast.iter().chain(&failure_ast)),
            steps_before: std::cell::Cell::new(0),
            env: job_env_block,
            add_need: Some(NeedsInsertion::of(cx, Some(body), id.span)),
        };
        let pipeline_scope = Scope {
            names: &self.names,
            job: None,
            step_env: &[],
            position: Position::Job,
        };
        let matrix = matrix_block.and_then(|block| lower_matrix(cx, &pipeline_scope, block));
        job_names.matrix = matrix.as_ref().map(matrix_key_types);

        let all_steps = job_names.steps.len();
        job_names.steps_before.set(all_steps);
        let scope = Scope {
            names: &self.names,
            job: Some(&job_names),
            step_env: &[],
            position: Position::Job,
        };
        let condition_scope = Scope {
            position: Position::JobCondition,
            ..scope_copy(&scope)
        };

        let condition = section
            .value(cx, "when")
            .map(|e| condition_scope.condition(cx, e));
        let call = self.call_job(cx, &scope, &mut section);
        let runs_on = match section.value(cx, "runs_on") {
            Some(expr) if call.is_some() => {
                cx.report(
                    Diagnostic::new(
                        Code::ConflictingSettings,
                        "a job that calls a pipeline has no runner of its own",
                        expr.span,
                        "not used",
                    )
                    .with_help("remove `runs_on`: the called pipeline's jobs choose their runners"),
                );
                Vec::new()
            }
            Some(expr) => list_items(expr)
                .into_iter()
                .map(|e| values::template(cx, &scope, e))
                .collect(),
            None if call.is_some() => Vec::new(),
            None => vec![ir::Template::text(DEFAULT_RUNNER, id.span)],
        };
        let environment = section
            .value(cx, "environment")
            .and_then(|e| self.job_environment(cx, &scope, e));
        let requires = section
            .value(cx, "requires")
            .map(|e| self.gate_refs(cx, e))
            .unwrap_or_default();
        let (timeout, continue_on_error) = values::failure_limits(cx, &mut section);
        let permissions = values::permissions(cx, &mut section);
        let concurrency = values::concurrency(cx, &scope, &mut section);
        let container = match section.setting(cx, "container") {
            Some(Setting::Value(key, expr)) => {
                Some(container_from_image(cx, &scope, key.span, expr))
            }
            Some(Setting::Block(key, block)) => {
                container(cx, &scope, key.span, block, "the container")
            }
            None => None,
        };
        let services = self.services(cx, &scope, &mut section);
        let env = values::env_block(cx, &scope, &mut section, "env");
        let defaults = values::run_defaults(cx, &scope, &mut section);
        let outputs = self.job_outputs(cx, &scope, &mut section);

        // Main steps, then failure handlers: each can read the outputs of all before it.
        let mut steps: Vec<ir::Step> = steps_ast
            .iter()
            .chain(&failure_ast)
            .enumerate()
            .map(|(index, source)| {
                job_names.steps_before.set(index);
                source.lower(cx, &self.names, &job_names)
            })
            .collect();
        let on_failure = steps.split_off(steps_ast.len());

        let body_kind = match call {
            Some(call) => {
                if let Some(item) = steps_ast.first().map(StepSource::item) {
                    cx.report(
                        Diagnostic::new(
                            Code::ConflictingSettings,
                            "a job that calls a pipeline cannot have steps",
                            item.span,
                            "a step",
                        )
                        .with_label(call.span, "the job calls a pipeline here")
                        .with_help("move the steps into a job of their own"),
                    );
                }
                ir::JobBody::Call(call)
            }
            None => {
                if steps.is_empty() {
                    cx.report(
                        Diagnostic::new(Code::MissingSetting, format!("job `{}` has no steps", id.name), id.span, "nothing to run")
                            .with_help("add a step: `step { run: \"make test\" }`, or call a pipeline with `uses:`"),
                    );
                }
                ir::JobBody::Steps { steps, on_failure }
            }
        };
        section.finish(cx);
        let job_name = name.map(|n| {
            let lowered = scope.lower(
                cx,
                &ast::Expr {
                    kind: AstExpr::String(n.clone()),
                    span: n.span,
                },
            );
            name_template(lowered)
        });
        ir::Job {
            id: id.name.clone(),
            name: job_name,
            span: item.span,
            runs_on,
            needs,
            condition,
            environment,
            requires,
            timeout,
            continue_on_error,
            permissions,
            concurrency,
            container,
            services,
            matrix,
            env,
            outputs,
            defaults,
            body: body_kind,
        }
    }

    /// `uses: "owner/repo/.github/workflows/x.yml@v1"` with `with` and `secrets`.
    fn call_job(
        &self,
        cx: &mut Cx,
        scope: &Scope<'_>,
        section: &mut Section<'_>,
    ) -> Option<ir::PipelineCall> {
        let uses_expr = section.value(cx, "uses");
        let with_block = section.block(cx, "with");
        let secrets = section.setting(cx, "secrets");
        let Some(uses_expr) = uses_expr else {
            if let Some(block) = with_block {
                cx.report(
                    Diagnostic::new(Code::ConflictingSettings, "`with` on a job only applies to a job that calls a pipeline", block.span, "nothing to pass it to")
                        .with_help("put `with` on the step that uses an action, or add `uses:` to call a reusable pipeline"),
                );
            }
            if let Some(Setting::Value(key, _) | Setting::Block(key, _)) = secrets {
                cx.report(
                    Diagnostic::new(
                        Code::ConflictingSettings,
                        "`secrets` on a job only applies to a job that calls a pipeline",
                        key.span,
                        "nothing to pass them to",
                    )
                    .with_help("pipelines list the secrets they use at the top: `secrets: [NAME]`"),
                );
            }
            return None;
        };
        let uses = values::constant_string(cx, scope, uses_expr, "the called pipeline")?;
        let local = uses.starts_with("./");
        let remote = uses.contains(".github/workflows/") && uses.contains('@');
        if !(local || remote)
            || !(uses.ends_with(".yml")
                || uses.ends_with(".yaml")
                || uses.contains(".yml@")
                || uses.contains(".yaml@"))
        {
            cx.report(
                Diagnostic::new(Code::InvalidValue, format!("`{uses}` is not a reusable workflow"), uses_expr.span, "not a workflow reference")
                    .with_help("write `owner/repo/.github/workflows/file.yml@ref` or `./.github/workflows/file.yml`"),
            );
        }
        let with = with_block
            .map(|block| with_values(cx, scope, block))
            .unwrap_or_default();
        let secrets = match secrets {
            None => ir::CallSecrets::None,
            Some(Setting::Value(_, expr)) => match &expr.kind {
                AstExpr::Name(ident) if ident.name == "inherit" => ir::CallSecrets::Inherit,
                _ => {
                    cx.report(
                        Diagnostic::new(Code::InvalidValue, "`secrets` of a call is `inherit` or a block", expr.span, "not allowed")
                            .with_help("pass all secrets with `secrets: inherit`, or some with `secrets { NAME: secrets.NAME }`"),
                    );
                    ir::CallSecrets::None
                }
            },
            Some(Setting::Block(_, block)) => {
                let mut inner = Section::of("`secrets`", block);
                let passed = inner
                    .remaining_values()
                    .into_iter()
                    .map(|(k, e)| (k.name.clone(), values::template(cx, scope, e)))
                    .collect();
                inner.finish(cx);
                ir::CallSecrets::Pass(passed)
            }
        };
        Some(ir::PipelineCall {
            uses,
            with,
            secrets,
            span: uses_expr.span,
        })
    }

    fn job_environment(
        &self,
        cx: &mut Cx,
        scope: &Scope<'_>,
        expr: &ast::Expr,
    ) -> Option<ir::JobEnvironment> {
        let declared = |name: &str| self.environments.iter().find(|e| e.name == name);
        let unknown = |cx: &mut Cx, name: &str, span: Span| {
            let mut diagnostic = Diagnostic::new(
                Code::UnknownEnvironment,
                format!("unknown environment `{name}`"),
                span,
                "not declared",
            );
            diagnostic = match closest(name, self.environments.iter().map(|e| e.name.as_str())) {
                Some(s) => {
                    let fix = cx.rewrite_literal(span, name, s);
                    diagnostic
                        .with_help(format!("did you mean `{s}`?"))
                        .with_fixes(fix)
                }
                None => diagnostic.with_help(format!(
                    "declare it in the pipeline: `environment {name} {{ url: \"...\" }}`"
                )),
            };
            cx.report(diagnostic);
        };
        let literal_name = match &expr.kind {
            AstExpr::Name(ident) if !self.names.lets.iter().any(|l| l.name == ident.name) => {
                Some(ident.name.clone())
            }
            AstExpr::String(lit) => lit.as_plain(),
            _ => None,
        };
        if let Some(name) = literal_name {
            let Some(environment) = declared(&name) else {
                unknown(cx, &name, expr.span);
                return None;
            };
            return Some(ir::JobEnvironment {
                name: ir::Template::text(name, expr.span),
                url: environment.url.clone(),
                span: expr.span,
            });
        }
        let lowered = scope.lower(cx, expr);
        if let Type::Enum(options) = &lowered.ty {
            for option in options {
                if declared(option).is_none() {
                    unknown(cx, option, expr.span);
                }
            }
        }
        let mut parts = Vec::new();
        scope.interpolate(cx, &mut parts, lowered);
        Some(ir::JobEnvironment {
            name: ir::Template {
                parts,
                span: expr.span,
            },
            url: None,
            span: expr.span,
        })
    }

    fn gate_refs(&self, cx: &mut Cx, expr: &ast::Expr) -> Vec<ir::Named> {
        let referent = values::Referent {
            kind: "gate",
            code: Code::UnknownGate,
            known: self.gates.iter().map(|(g, _)| g.as_str()).collect(),
            label: "not defined".into(),
            help: "define it in the pipeline: `gate {name} = [job, ...]`".into(),
        };
        values::references(cx, expr, &referent)
    }

    fn services(
        &self,
        cx: &mut Cx,
        scope: &Scope<'_>,
        section: &mut Section<'_>,
    ) -> Vec<ir::Service> {
        let items = section.items(|item| match &item.kind {
            ItemKind::Service { name, body } => Some((name, body)),
            _ => None,
        });
        let mut services: Vec<ir::Service> = Vec::new();
        for (name, body) in items {
            if let Some(previous) = services.iter().find(|s| s.name == name.name) {
                cx.duplicate(
                    format!("service `{}`", name.name),
                    "declared",
                    name.span,
                    previous.container.span,
                    "rename one of them",
                );
                continue;
            }
            if let Some(container) = container(
                cx,
                scope,
                name.span,
                body,
                &format!("service `{}`", name.name),
            ) {
                services.push(ir::Service {
                    name: name.name.clone(),
                    container,
                });
            }
        }
        services
    }

    fn job_outputs(
        &self,
        cx: &mut Cx,
        scope: &Scope<'_>,
        section: &mut Section<'_>,
    ) -> Vec<ir::JobOutput> {
        let items = section.items(|item| match &item.kind {
            ItemKind::Output { name, ty, value } => Some((name, ty, value)),
            _ => None,
        });
        let mut outputs: Vec<ir::JobOutput> = Vec::new();
        for (name, ty, value) in items {
            if outputs.iter().any(|o| o.name == name.name) {
                continue; // reported when the job was declared
            }
            let declared = ty
                .as_ref()
                .and_then(|t| values::type_ref(cx, t, false))
                .unwrap_or(Type::String);
            let Some(value) = values::output_value(cx, name, value.as_ref()) else {
                continue;
            };
            let lowered = scope.lower(cx, value);
            values::expect_type(cx, &lowered, &declared);
            let mut parts = Vec::new();
            scope.interpolate(cx, &mut parts, lowered);
            outputs.push(ir::JobOutput {
                name: name.name.clone(),
                ty: declared,
                value: ir::Template {
                    parts,
                    span: value.span,
                },
                span: name.span,
            });
        }
        outputs
    }
}

/// A scope identical to `scope` (scopes are small views; this keeps call sites short).
pub(super) fn scope_copy<'a>(scope: &Scope<'a>) -> Scope<'a> {
    Scope {
        names: scope.names,
        job: scope.job,
        step_env: scope.step_env,
        position: scope.position,
    }
}

fn name_template(lowered: ir::Expr) -> ir::Template {
    let span = lowered.span;
    match lowered.kind {
        ExprKind::Literal(lit) => ir::Template::text(lit.to_text(), span),
        ExprKind::Template(template) => template,
        _ => ir::Template {
            parts: Vec::new(),
            span,
        },
    }
}

/// The names a job's or step's `env { ... }` sets, known before its values are lowered.
pub(super) fn env_names(body: &ast::Block) -> Vec<String> {
    body.items
        .iter()
        .filter_map(|item| match &item.kind {
            ItemKind::KeyBlock { key, body } if key.name == "env" => Some(body),
            _ => None,
        })
        .flat_map(|block| block.items.iter())
        .filter_map(|item| match &item.kind {
            ItemKind::Property { key, .. } => Some(key.name.clone()),
            _ => None,
        })
        .collect()
}

/// A step as written in a job: plain, or a call of a step template.
pub(super) enum StepSource<'a> {
    Plain {
        item: &'a Item,
        id: Option<&'a ast::Ident>,
        name: Option<&'a ast::StringLit>,
        body: &'a ast::Block,
    },
    Call {
        item: &'a Item,
        id: Option<&'a ast::Ident>,
        name: Option<&'a ast::StringLit>,
        call: &'a ast::TemplateCall,
        body: Option<&'a ast::Block>,
    },
}

impl<'a> StepSource<'a> {
    fn of(item: &'a Item) -> Option<StepSource<'a>> {
        match &item.kind {
            ItemKind::Step { id, name, body } => Some(StepSource::Plain {
                item,
                id: id.as_ref(),
                name: name.as_ref(),
                body,
            }),
            ItemKind::StepCall {
                id,
                name,
                call,
                body,
            } => Some(StepSource::Call {
                item,
                id: id.as_ref(),
                name: name.as_ref(),
                call,
                body: body.as_ref(),
            }),
            _ => None,
        }
    }

    fn item(&self) -> &'a Item {
        match self {
            StepSource::Plain { item, .. } | StepSource::Call { item, .. } => item,
        }
    }

    fn id(&self) -> Option<&'a ast::Ident> {
        match self {
            StepSource::Plain { id, .. } | StepSource::Call { id, .. } => *id,
        }
    }

    fn lower(&self, cx: &mut Cx, names: &super::expr::PipelineNames, job: &JobNames) -> ir::Step {
        match *self {
            StepSource::Plain {
                item,
                id,
                name,
                body,
            } => lower_step(cx, names, job, item, id, name, body),
            StepSource::Call {
                item,
                id,
                name,
                call,
                body,
            } => super::templates::lower_step_call(cx, names, job, item, id, name, call, body),
        }
    }

    /// The outputs later steps may read: declared with `outputs: [...]`, or by the
    /// template; `None` for an action, which may set any.
    fn outputs(&self, names: &super::expr::PipelineNames) -> Option<Vec<(String, Type)>> {
        match self {
            StepSource::Plain { body, .. } => body.items.iter().find_map(|item| match &item.kind {
                ItemKind::Property { key, value } if key.name == "outputs" => Some(
                    list_items(value)
                        .into_iter()
                        .filter_map(|e| match &e.kind {
                            AstExpr::Name(ident) => Some(ident.name.clone()),
                            AstExpr::String(lit) => lit.as_plain(),
                            _ => None,
                        })
                        .map(|name| (name, Type::String))
                        .collect(),
                ),
                _ => None,
            }),
            StepSource::Call { call, .. } => names.file.template_quietly(call).map(|def| {
                def.outputs
                    .iter()
                    .map(|o| (o.name.clone(), o.ty.clone()))
                    .collect()
            }),
        }
    }
}

/// Every step id of a job (main steps, then failure handlers), with declared outputs.
fn declare_steps<'a>(
    cx: &mut Cx,
    names: &super::expr::PipelineNames,
    steps: impl Iterator<Item = &'a StepSource<'a>>,
) -> Vec<StepDecl> {
    let mut decls: Vec<StepDecl> = Vec::new();
    for source in steps {
        let Some(id) = source.id() else {
            decls.push(StepDecl {
                id: String::new(),
                span: source.item().span,
                outputs: None,
            });
            continue;
        };
        if let Some(previous) = decls.iter().find(|d| d.id == id.name) {
            cx.duplicate(
                format!("step `{}`", id.name),
                "defined",
                id.span,
                previous.span,
                "step ids must be unique within a job; rename one",
            );
        }
        decls.push(StepDecl {
            id: id.name.clone(),
            span: id.span,
            outputs: source.outputs(names),
        });
    }
    decls
}

pub(super) fn lower_step(
    cx: &mut Cx,
    names: &super::expr::PipelineNames,
    job: &JobNames,
    item: &Item,
    id: Option<&ast::Ident>,
    name: Option<&ast::StringLit>,
    body: &ast::Block,
) -> ir::Step {
    let what = match (id, name.and_then(|n| n.as_plain())) {
        (Some(id), _) => format!("step `{}`", id.name),
        (None, Some(name)) => format!("step \"{name}\""),
        (None, None) => "a step".to_string(),
    };
    let mut section = Section::of(what.clone(), body);
    let step_env = env_names(body);
    let scope = Scope {
        names,
        job: Some(job),
        step_env: &step_env,
        position: Position::Step,
    };
    let condition_scope = Scope {
        names,
        job: Some(job),
        step_env: &step_env,
        position: Position::StepCondition,
    };

    let condition = section
        .value(cx, "when")
        .map(|e| condition_scope.condition(cx, e));
    let run = section.value(cx, "run");
    let uses = section.value(cx, "uses");
    let with = section.block(cx, "with");
    let shell = section.value(cx, "shell");
    let working_directory = section.value(cx, "working_directory");
    let env = values::env_block(cx, &scope, &mut section, "env");
    let (timeout, continue_on_error) = values::failure_limits(cx, &mut section);
    if let Some(outputs) = section.value(cx, "outputs") {
        let declared = values::name_list(cx, outputs, "output");
        if id.is_none()
            && let Some(first) = declared.first()
        {
            cx.report(
                    Diagnostic::new(Code::MissingSetting, "a step with outputs needs an id", first.span, "nobody can read this")
                        .with_help("give the step an id: `step build \"Build\" { ... }`, then read `steps.build.outputs.<name>`"),
                );
        }
    }

    let action = match (run, uses) {
        (Some(run), Some(uses)) => {
            cx.report(
                Diagnostic::new(
                    Code::ConflictingSettings,
                    format!("{what} has both `run` and `uses`"),
                    uses.span,
                    "uses an action",
                )
                .with_label(run.span, "runs a script")
                .with_help("split it into two steps"),
            );
            None
        }
        (Some(run), None) => {
            if let Some(block) = with {
                cx.report(
                    Diagnostic::new(
                        Code::ConflictingSettings,
                        "`with` passes inputs to an action, but this step runs a script",
                        block.span,
                        "no action to pass them to",
                    )
                    .with_label(run.span, "runs a script")
                    .with_help("use `env { ... }` to pass values to a script"),
                );
            }
            let script = values::template(cx, &scope, run);
            let shell = shell.and_then(|e| values::shell(cx, &scope, e));
            let working_directory = working_directory.map(|e| values::template(cx, &scope, e));
            Some(ir::StepAction::Run {
                script,
                shell,
                working_directory,
                image: None,
            })
        }
        (None, Some(uses)) => {
            for (setting, key) in [(shell, "shell"), (working_directory, "working_directory")] {
                if let Some(expr) = setting {
                    cx.report(
                        Diagnostic::new(Code::ConflictingSettings, format!("`{key}` only applies to `run` steps"), expr.span, "not used by an action")
                            .with_label(uses.span, "this step uses an action")
                            .with_help(format!("remove `{key}`, or pass it to the action in `with` if it has such an input")),
                    );
                }
            }
            let action = values::constant_string(cx, &scope, uses, "the action")
                .filter(|a| valid_action(cx, a, uses.span))
                .unwrap_or_default();
            let with = with
                .map(|block| with_values(cx, &scope, block))
                .unwrap_or_default();
            Some(ir::StepAction::Uses { action, with })
        }
        // A step with an unreadable item already has a syntax error; the missing `run` is
        // most likely in it.
        (None, None) if body.items.iter().any(|i| matches!(i.kind, ItemKind::Error)) => None,
        (None, None) => {
            cx.report(
                Diagnostic::new(
                    Code::MissingSetting,
                    format!("{what} neither runs a script nor uses an action"),
                    item.span,
                    "does nothing",
                )
                .with_help("add `run: \"...\"` or `uses: \"owner/action@v1\"`"),
            );
            None
        }
    };
    section.finish(cx);
    let name = name.map(|n| {
        name_template(scope.lower(
            cx,
            &ast::Expr {
                kind: AstExpr::String(n.clone()),
                span: n.span,
            },
        ))
    });
    ir::Step {
        id: id.map(|i| i.name.clone()),
        name,
        span: item.span,
        action: action.unwrap_or(ir::StepAction::Run {
            script: ir::Template::text("", item.span),
            shell: None,
            working_directory: None,
            image: None,
        }),
        condition,
        env,
        timeout,
        continue_on_error,
    }
}

/// Whether `uses:` names an action the way GitHub accepts it.
fn valid_action(cx: &mut Cx, action: &str, span: Span) -> bool {
    let problem = if action.starts_with("./") {
        None
    } else if let Some(image) = action.strip_prefix("docker://") {
        (image.is_empty() || !image.contains(':') && !image.contains('@'))
            .then_some("a docker action needs a tag: `docker://image:tag`")
    } else {
        match action.split_once('@') {
            None => Some("an action needs a version: `owner/name@v1`"),
            Some((path, version)) => {
                let mut segments = path.split('/');
                let owner = segments.next().unwrap_or("");
                let repo = segments.next().unwrap_or("");
                if owner.is_empty() || repo.is_empty() {
                    Some("an action is `owner/name@version`")
                } else if version.is_empty() {
                    Some("the version after `@` is empty")
                } else {
                    None
                }
            }
        }
    };
    match problem {
        None => true,
        Some(problem) => {
            cx.report(
                Diagnostic::new(Code::InvalidValue, format!("`{action}` is not an action reference"), span, problem)
                    .with_help("write `owner/name@version` (e.g. `actions/checkout@v5`), `./path/to/action` or `docker://image:tag`"),
            );
            false
        }
    }
}

fn with_values(cx: &mut Cx, scope: &Scope<'_>, block: &ast::Block) -> Vec<(String, ir::Value)> {
    let mut inner = Section::of("`with`", block);
    let mut values_out: Vec<(String, ir::Value)> = Vec::new();
    let mut given: Vec<(&str, Span)> = Vec::new();
    for (key, expr) in inner.remaining_values() {
        if let Some((_, first)) = given.iter().find(|(k, _)| *k == key.name) {
            cx.duplicate(
                format!("input `{}`", key.name),
                "given",
                key.span,
                *first,
                "remove one of them",
            );
            continue;
        }
        given.push((key.name.as_str(), key.span));
        values_out.push((key.name.clone(), values::value(cx, scope, expr, true)));
    }
    inner.finish(cx);
    values_out
}

fn container_from_image(
    cx: &mut Cx,
    scope: &Scope<'_>,
    span: Span,
    image: &ast::Expr,
) -> ir::Container {
    ir::Container {
        image: values::template(cx, scope, image),
        env: Vec::new(),
        ports: Vec::new(),
        volumes: Vec::new(),
        options: None,
        credentials: None,
        span,
    }
}

/// The body of `container { ... }` or `service name { ... }`.
fn container(
    cx: &mut Cx,
    scope: &Scope<'_>,
    span: Span,
    block: &ast::Block,
    what: &str,
) -> Option<ir::Container> {
    let mut section = Section::of(what.to_string(), block);
    let image = section
        .value(cx, "image")
        .map(|e| values::template(cx, scope, e));
    let env = values::env_block(cx, scope, &mut section, "env");
    let ports = section
        .value(cx, "ports")
        .map(|e| {
            list_items(e)
                .into_iter()
                .map(|p| values::value(cx, scope, p, false))
                .collect()
        })
        .unwrap_or_default();
    let volumes = section
        .value(cx, "volumes")
        .map(|e| {
            list_items(e)
                .into_iter()
                .map(|v| values::template(cx, scope, v))
                .collect()
        })
        .unwrap_or_default();
    let options = section
        .value(cx, "options")
        .map(|e| values::template(cx, scope, e));
    let credentials = section.block(cx, "credentials").and_then(|block| {
        let mut inner = Section::of("`credentials`", block);
        let username = inner
            .value(cx, "username")
            .map(|e| values::template(cx, scope, e));
        let password = inner.value(cx, "password");
        if let Some(password) = password
            && matches!(&password.kind, AstExpr::String(lit) if lit.as_plain().is_some())
        {
            cx.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    "a registry password is written in the pipeline",
                    password.span,
                    "a secret in plain text",
                )
                .with_help("read it from a secret: `password: secrets.REGISTRY_PASSWORD`"),
            );
        }
        let password = password.map(|e| values::template(cx, scope, e));
        inner.finish(cx);
        username.zip(password)
    });
    section.finish(cx);
    let Some(image) = image else {
        cx.report(
            Diagnostic::new(
                Code::MissingSetting,
                format!("{what} needs an `image`"),
                span,
                "no image",
            )
            .with_help("name the image: `image: \"postgres:16\"`"),
        );
        return None;
    };
    Some(ir::Container {
        image,
        env,
        ports,
        volumes,
        options,
        credentials,
        span,
    })
}

/// `matrix { axis: [values], include { ... }, exclude { ... }, fail_fast, max_parallel }`.
fn lower_matrix(cx: &mut Cx, scope: &Scope<'_>, block: &ast::Block) -> Option<ir::Matrix> {
    let mut section = Section::of("`matrix`", block);
    let fail_fast = section
        .value(cx, "fail_fast")
        .and_then(|e| values::literal_bool(cx, e));
    let max_parallel = section
        .value(cx, "max_parallel")
        .and_then(|e| values::positive_int(cx, e, "max_parallel"));
    let include_blocks = section.blocks("include");
    let exclude_blocks = section.blocks("exclude");
    let mut axes: Vec<ir::MatrixAxis> = Vec::new();
    for (key, expr) in section.remaining_values() {
        let lowered = scope.lower(cx, expr);
        let Some(values_list) = constant_list(cx, &lowered) else {
            continue;
        };
        let mut seen: Vec<&Literal> = Vec::new();
        for value in &values_list {
            if seen.contains(&value) {
                cx.report(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        format!("matrix `{}` lists \"{}\" twice", key.name, value.to_text()),
                        expr.span,
                        "duplicate value",
                    )
                    .with_help("each value runs once; remove the duplicate"),
                );
            }
            seen.push(value);
        }
        axes.push(ir::MatrixAxis {
            name: key.name.clone(),
            values: values_list,
            span: key.span,
        });
    }
    let rows = |cx: &mut Cx, blocks: Vec<&ast::Block>| -> Vec<ir::MatrixRow> {
        blocks
            .into_iter()
            .map(|block| {
                let mut inner = Section::of("a matrix row", block);
                let values_row = inner
                    .remaining_values()
                    .into_iter()
                    .filter_map(|(key, expr)| {
                        let lowered = scope.lower(cx, expr);
                        match lowered.kind {
                            ExprKind::Literal(lit) => Some((key.name.clone(), lit)),
                            ExprKind::Invalid => None,
                            _ => {
                                cx.report(
                                    Diagnostic::new(
                                        Code::InvalidValue,
                                        "matrix values must be known when the pipeline is compiled",
                                        expr.span,
                                        "not a constant",
                                    )
                                    .with_help(
                                        "write the value out, or use a `let` that is a constant",
                                    ),
                                );
                                None
                            }
                        }
                    })
                    .collect();
                inner.finish(cx);
                ir::MatrixRow {
                    values: values_row,
                    span: block.span,
                }
            })
            .collect()
    };
    let include = rows(cx, include_blocks);
    let exclude = rows(cx, exclude_blocks);
    for row in &exclude {
        for (key, value) in &row.values {
            match axes.iter().find(|a| a.name == *key) {
                None => {
                    let mut diagnostic = Diagnostic::new(
                        Code::UnknownMatrixKey,
                        format!("`exclude` names `{key}`, which is not a matrix axis"),
                        row.span,
                        "unknown key",
                    );
                    diagnostic = match closest(key, axes.iter().map(|a| a.name.as_str())) {
                        Some(s) => diagnostic.with_help(format!("did you mean `{s}`?")),
                        None => diagnostic.with_help("exclude rows name axes of the matrix"),
                    };
                    cx.report(diagnostic);
                }
                Some(axis) if !axis.values.contains(value) => {
                    let shown: Vec<String> = axis.values.iter().map(Literal::to_text).collect();
                    let mut diagnostic = Diagnostic::new(
                        Code::InvalidValue,
                        format!(
                            "`exclude` names {key} \"{}\", which the matrix does not have",
                            value.to_text()
                        ),
                        row.span,
                        "never matches",
                    )
                    .with_label(axis.span, format!("`{key}` is defined here"));
                    diagnostic = match closest(&value.to_text(), shown.iter().map(String::as_str)) {
                        Some(s) => diagnostic.with_help(format!("did you mean \"{s}\"?")),
                        None => diagnostic
                            .with_help(format!("the values of `{key}` are: {}", shown.join(", "))),
                    };
                    cx.report(diagnostic);
                }
                Some(_) => {}
            }
        }
    }
    section.finish(cx);
    if axes.is_empty() && include.is_empty() {
        cx.report(
            Diagnostic::new(
                Code::MissingSetting,
                "the matrix has no axes",
                block.span,
                "empty matrix",
            )
            .with_help("add an axis: `matrix { os: [\"ubuntu-latest\", \"macos-latest\"] }`"),
        );
        return None;
    }
    Some(ir::Matrix {
        axes,
        include,
        exclude,
        fail_fast,
        max_parallel,
        span: block.span,
    })
}

/// The literal values of a list known at compile time.
fn constant_list(cx: &mut Cx, lowered: &ir::Expr) -> Option<Vec<Literal>> {
    let items = match &lowered.kind {
        ExprKind::List(items) => items.as_slice(),
        ExprKind::Invalid => return None,
        _ => std::slice::from_ref(lowered),
    };
    let mut values_out = Vec::new();
    for item in items {
        match &item.kind {
            ExprKind::Literal(lit) => values_out.push(lit.clone()),
            ExprKind::Invalid => return None,
            _ => {
                cx.report(
                    Diagnostic::new(
                        Code::InvalidValue,
                        "matrix values must be known when the pipeline is compiled",
                        item.span,
                        "not a constant",
                    )
                    .with_help("write the values out, or use a `let` list of constants"),
                );
                return None;
            }
        }
    }
    if values_out.is_empty() {
        cx.report(
            Diagnostic::new(
                Code::InvalidValue,
                "a matrix axis needs at least one value",
                lowered.span,
                "empty",
            )
            .with_help("list the values: `[\"a\", \"b\"]`"),
        );
        return None;
    }
    Some(values_out)
}

/// The type of each matrix key: the set of its strings when every value is a string.
fn matrix_key_types(matrix: &ir::Matrix) -> Vec<(String, Type)> {
    matrix
        .keys()
        .into_iter()
        .map(|key| {
            let values: Vec<&Literal> =
                matrix
                    .axes
                    .iter()
                    .filter(|a| a.name == key)
                    .flat_map(|a| a.values.iter())
                    .chain(matrix.include.iter().flat_map(|row| {
                        row.values.iter().filter(|(k, _)| k == key).map(|(_, v)| v)
                    }))
                    .collect();
            let ty = if values.iter().all(|v| matches!(v, Literal::String(_))) {
                let mut strings: Vec<String> = Vec::new();
                for v in values {
                    let text = v.to_text();
                    if !strings.contains(&text) {
                        strings.push(text);
                    }
                }
                Type::Enum(strings)
            } else if values.iter().all(|v| matches!(v, Literal::Number(_))) {
                Type::Number
            } else if values.iter().all(|v| matches!(v, Literal::Bool(_))) {
                Type::Bool
            } else {
                Type::Unknown
            };
            (key.to_string(), ty)
        })
        .collect()
}

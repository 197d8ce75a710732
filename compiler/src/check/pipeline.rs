//! Lowering a file: its `let`s and pipelines, and each pipeline's triggers, declarations
//! and pipeline-level settings. Jobs are lowered in `job.rs`.
//!
//! A pipeline is lowered in two passes so that names can be used before their
//! declaration: first every declaration (inputs, secrets, jobs with their outputs,
//! environments, gates) is collected, then every value is lowered against them.

use std::cell::Cell;
use std::rc::Rc;

use crate::ast::{self, ExprKind as AstExpr, Item, ItemKind};
use crate::diagnostics::{Code, Diagnostic, closest};
use crate::ir::{self, Type};
use crate::span::Span;

use super::expr::{JobDecl, LetBinding, OutputDecl, PipelineNames, Position, Scope};
use super::imports::{Exports, FileScope};
use super::section::Section;
use super::{Cx, events, literals, templates, values};

/// A pipeline being lowered, with the names jobs will resolve against.
pub(super) struct PipelineLowering<'a> {
    pub names: PipelineNames,
    pub environments: Vec<ir::Environment>,
    pub gates: Vec<(String, Span)>,
    pub body: &'a ast::Block,
}

/// Lowers one file: its `let`s, enums and templates (what it exports), then — unless
/// it is only imported — its pipelines.
pub(super) fn lower_file(
    cx: &mut Cx,
    file: &ast::File,
    scope: &Rc<FileScope>,
    compile_pipelines: bool,
    imported: bool,
) -> (Vec<ir::Pipeline>, Exports) {
    let mut section = Section::new("a file", &file.items);
    section.items(|item| matches!(item.kind, ItemKind::Import { .. }).then_some(()));
    let mut lets: Vec<Rc<LetBinding>> = scope.lets.clone();
    let let_items = section.items(|item| match &item.kind {
        ItemKind::Let { name, ty, value } => Some((name, ty, value)),
        _ => None,
    });
    let mut own_lets = Vec::new();
    for (name, ty, value) in let_items {
        let binding = Rc::new(lower_let(cx, scope, &lets, name, ty.as_ref(), value));
        lets.push(Rc::clone(&binding));
        own_lets.push(binding);
    }
    let mut exports = Exports {
        lets: own_lets.clone(),
        ..Exports::default()
    };
    for (item, name, body) in section.items(|item| match &item.kind {
        ItemKind::Enum { name, body } => Some((item, name, body)),
        _ => None,
    }) {
        if let Some(previous) = exports.enums.iter().find(|e| e.name == name.name) {
            cx.duplicate(
                format!("enum `{}`", name.name),
                "defined",
                name.span,
                previous.span,
                "rename one of them",
            );
            continue;
        }
        let def = Rc::new(templates::define_enum(cx, item, name, body));
        scope.enums.borrow_mut().push((Rc::clone(&def), None));
        exports.enums.push(def);
    }
    // Every signature first, so templates can call each other in any order.
    for template in section.items(|item| match &item.kind {
        ItemKind::Template {
            kind,
            name,
            params,
            body,
        } => Some(templates::TemplateItem {
            item,
            kind: *kind,
            name,
            params,
            body,
        }),
        _ => None,
    }) {
        let name = template.name;
        if let Some(previous) = exports.templates.iter().find(|t| t.name == name.name) {
            cx.duplicate(
                format!("template `{}`", name.name),
                "defined",
                name.span,
                previous.name_span,
                "rename one of them",
            );
            continue;
        }
        let def = Rc::new(templates::define_template(cx, scope, &lets, template));
        scope.templates.borrow_mut().push((Rc::clone(&def), None));
        exports.templates.push(def);
    }
    for def in &exports.templates {
        templates::check_template(cx, def, &[]);
    }
    let pipelines = section.items(|item| match &item.kind {
        ItemKind::Pipeline { id, name, body } => Some((item, id, name, body)),
        _ => None,
    });
    section.finish(cx);
    let mut lowered = Vec::new();
    if compile_pipelines {
        for (item, id, name, body) in pipelines {
            lowered.push(lower_pipeline(
                cx,
                scope,
                &lets,
                item,
                id,
                name.as_ref(),
                body,
            ));
        }
    }
    // A module's `let`s are there for the files that import it.
    if !imported {
        report_unused_lets(cx, &own_lets);
    }
    (lowered, exports)
}

/// A `let`: its value is lowered once, where it is declared, and inlined where it is used.
fn lower_let(
    cx: &mut Cx,
    scope: &Rc<FileScope>,
    visible: &[Rc<LetBinding>],
    name: &ast::Ident,
    ty: Option<&ast::TypeRef>,
    value: &ast::Expr,
) -> LetBinding {
    if let Some(previous) = visible.iter().find(|l| l.name == name.name) {
        cx.duplicate(
            format!("`{}`", name.name),
            "defined",
            name.span,
            previous.span,
            "rename one of them",
        );
    }
    let names = PipelineNames {
        lets: visible.to_vec(),
        file: Rc::clone(scope),
        ..PipelineNames::default()
    };
    let scope = Scope::pipeline(&names);
    let lowered = scope.lower(cx, value);
    if let Some(ty) = ty
        && let Some(declared) = values::type_ref(cx, ty, false)
    {
        values::expect_type(cx, &lowered, &declared);
    }
    cx.let_types.push((name.span, lowered.ty.clone()));
    LetBinding {
        name: name.name.clone(),
        span: name.span,
        value: lowered,
        used: Cell::new(false),
    }
}

fn report_unused_lets(cx: &mut Cx, lets: &[Rc<LetBinding>]) {
    for binding in lets {
        if !binding.used.get() && !binding.name.starts_with('_') {
            cx.report(
                Diagnostic::new(
                    Code::UnusedLet,
                    format!("`{}` is never used", binding.name),
                    binding.span,
                    "defined here",
                )
                .with_help(format!(
                    "remove it, or name it `_{}` to keep it",
                    binding.name
                )),
            );
        }
    }
}

fn lower_pipeline(
    cx: &mut Cx,
    file_scope: &Rc<FileScope>,
    file_lets: &[Rc<LetBinding>],
    item: &Item,
    id: &ast::Ident,
    name: Option<&ast::StringLit>,
    body: &ast::Block,
) -> ir::Pipeline {
    let what = format!("pipeline `{}`", id.name);
    let mut section = Section::of(what.clone(), body);
    let mut lowering = PipelineLowering {
        names: PipelineNames {
            lets: file_lets.to_vec(),
            file: Rc::clone(file_scope),
            ..Default::default()
        },
        environments: Vec::new(),
        gates: Vec::new(),
        body,
    };

    lowering.names.secrets = declared_names(cx, &mut section, "secrets", "secret");
    lowering.names.vars = declared_names(cx, &mut section, "vars", "variable");

    let let_items = section.items(|item| match &item.kind {
        ItemKind::Let { name, ty, value } => Some((name, ty, value)),
        _ => None,
    });
    let mut pipeline_lets = Vec::new();
    for (name, ty, value) in let_items {
        let binding = Rc::new(lower_let(
            cx,
            file_scope,
            &lowering.names.lets,
            name,
            ty.as_ref(),
            value,
        ));
        lowering.names.lets.push(Rc::clone(&binding));
        pipeline_lets.push(binding);
    }

    let trigger_items = section.items(|item| match &item.kind {
        ItemKind::Trigger { event, body } => Some((item, event, body.as_ref())),
        _ => None,
    });
    let mut triggers: Vec<ir::Trigger> = Vec::new();
    let mut call_outputs: Vec<&Item> = Vec::new();
    for (item, event, trigger_body) in trigger_items {
        if let Some(previous) = triggers.iter().find(|t| t.event() == event.name) {
            cx.duplicate(
                format!("`on {}`", event.name),
                "declared",
                event.span,
                previous.span,
                "merge the two into one trigger",
            );
            continue;
        }
        if let Some(trigger) = lower_trigger(
            cx,
            &mut lowering.names,
            item,
            event,
            trigger_body,
            &mut call_outputs,
        ) {
            triggers.push(trigger);
        }
    }
    // A pipeline whose body has unreadable items already has an error there; "no jobs" or
    // "no trigger" would only repeat it.
    let broken = body.items.iter().any(|item| match &item.kind {
        ItemKind::Error => true,
        ItemKind::KeyBlock { key, .. } => key.name == "job" || key.name == "on",
        // An unknown event has been reported as such.
        ItemKind::Trigger { event, .. } => !events::KNOWN_EVENTS.contains(&event.name.as_str()),
        _ => false,
    });
    if triggers.is_empty() && !broken {
        cx.report(
            Diagnostic::new(
                Code::MissingSetting,
                format!("{what} has no trigger"),
                id.span,
                "never starts",
            )
            .with_help("add a trigger, e.g. `on push { branches: [\"main\"] }`"),
        );
    }

    lowering.declare_jobs(cx);
    lowering.environments = lower_environments(cx, &mut section, &lowering.names);
    lowering.gates = Vec::new();
    let gates = lower_gates(cx, &mut section, &lowering.names);
    lowering.gates = gates.iter().map(|g| (g.name.clone(), g.span)).collect();
    let promotion = lower_promotion(cx, &mut section, &lowering.environments);

    let scope = Scope::pipeline(&lowering.names);
    let run_name = section
        .value(cx, "run_name")
        .map(|e| values::template(cx, &scope, e));
    let env = values::env_block(cx, &scope, &mut section, "env");
    lowering.names.env = env.iter().map(|e| e.name.clone()).collect();
    let scope = Scope::pipeline(&lowering.names);
    let permissions = values::permissions(cx, &mut section);
    let concurrency = values::concurrency(cx, &scope, &mut section);
    let defaults = values::run_defaults(cx, &scope, &mut section);

    let job_items = section.items(|item| match &item.kind {
        ItemKind::Job { .. } | ItemKind::JobCall { .. } => Some(item),
        _ => None,
    });
    let jobs: Vec<ir::Job> = job_items
        .into_iter()
        .filter_map(|item| match &item.kind {
            ItemKind::Job { id, name, body } => {
                Some(lowering.lower_job(cx, item, id, name.as_ref(), body))
            }
            ItemKind::JobCall {
                id,
                name,
                call,
                body,
            } => lowering.lower_job_call(cx, item, id, name.as_ref(), call, body.as_ref()),
            _ => None,
        })
        .collect();
    if jobs.is_empty() && !broken {
        cx.report(
            Diagnostic::new(
                Code::MissingSetting,
                format!("{what} has no jobs"),
                id.span,
                "nothing to run",
            )
            .with_help("add a job: `job build { step { run: \"make\" } }`"),
        );
    }

    // Outputs of a reusable pipeline read its jobs' outputs, so they come after the jobs.
    let outputs = lower_call_outputs(cx, &lowering.names, &call_outputs);
    if let Some(ir::Trigger {
        kind: ir::TriggerKind::Call { outputs: slot, .. },
        ..
    }) = triggers
        .iter_mut()
        .find(|t| matches!(t.kind, ir::TriggerKind::Call { .. }))
    {
        *slot = outputs;
    }

    section.finish(cx);
    report_unused_lets(cx, &pipeline_lets);
    report_unused_outputs(cx, &lowering.names);

    let display_name = name
        .and_then(|n| plain_text(cx, n, "a pipeline's name"))
        .unwrap_or_else(|| id.name.clone());
    ir::Pipeline {
        id: id.name.clone(),
        name: display_name,
        source_path: cx.path().to_string(),
        source_hash: cx.source_hash(),
        span: item.span,
        run_name,
        triggers,
        env,
        permissions,
        concurrency,
        defaults,
        jobs,
        gates,
        environments: lowering.environments,
        promotion,
    }
}

impl PipelineLowering<'_> {
    /// Collects every job's id and declared outputs, before any job is lowered.
    fn declare_jobs(&mut self, cx: &mut Cx) {
        for item in &self.body.items {
            let (id, body) = match &item.kind {
                ItemKind::Job { id, body, .. } => (id, body),
                ItemKind::JobCall { id, call, .. } => {
                    self.declare_job_call(cx, id, call);
                    continue;
                }
                _ => continue,
            };
            if let Some(previous) = self.names.jobs.iter().find(|j| j.id == id.name) {
                cx.duplicate(
                    format!("job `{}`", id.name),
                    "defined",
                    id.span,
                    previous.span,
                    "rename one of the jobs",
                );
                continue;
            }
            let mut outputs: Vec<OutputDecl> = Vec::new();
            for output in &body.items {
                let ItemKind::Output { name, ty, .. } = &output.kind else {
                    continue;
                };
                if let Some(previous) = outputs.iter().find(|o| o.name == name.name) {
                    cx.duplicate(
                        format!("output `{}`", name.name),
                        "defined",
                        name.span,
                        previous.span,
                        "rename one of the outputs",
                    );
                    continue;
                }
                let ty = ty
                    .as_ref()
                    .and_then(|t| values::type_ref(cx, t, false))
                    .unwrap_or(Type::String);
                outputs.push(OutputDecl {
                    name: name.name.clone(),
                    ty,
                    span: name.span,
                    used: Cell::new(false),
                });
            }
            self.names.jobs.push(JobDecl {
                id: id.name.clone(),
                span: id.span,
                outputs,
            });
        }
    }
}

impl PipelineLowering<'_> {
    /// A job made by a job template: its outputs are the template's. They count as used,
    /// since a template offers them to every caller whether it reads them or not.
    fn declare_job_call(&mut self, cx: &mut Cx, id: &ast::Ident, call: &ast::TemplateCall) {
        if let Some(previous) = self.names.jobs.iter().find(|j| j.id == id.name) {
            cx.duplicate(
                format!("job `{}`", id.name),
                "defined",
                id.span,
                previous.span,
                "rename one of the jobs",
            );
            return;
        }
        let outputs = self
            .names
            .file
            .template_quietly(call)
            .map(|def| {
                def.outputs
                    .iter()
                    .map(|o| OutputDecl {
                        name: o.name.clone(),
                        ty: o.ty.clone(),
                        span: o.span,
                        used: Cell::new(true),
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.names.jobs.push(JobDecl {
            id: id.name.clone(),
            span: id.span,
            outputs,
        });
    }
}

/// `secrets: [A, B]` / `vars: [A]`: names the pipeline may read.
fn declared_names(
    cx: &mut Cx,
    section: &mut Section<'_>,
    key: &'static str,
    kind: &str,
) -> Vec<(String, Span)> {
    let Some(value) = section.value(cx, key) else {
        return Vec::new();
    };
    let mut names: Vec<(String, Span)> = Vec::new();
    for named in values::name_list(cx, value, kind) {
        if let Some((_, first)) = names.iter().find(|(n, _)| *n == named.name) {
            cx.duplicate(
                format!("{kind} `{}`", named.name),
                "listed",
                named.span,
                *first,
                "remove one of them",
            );
            continue;
        }
        names.push((named.name, named.span));
    }
    names
}

fn lower_trigger<'a>(
    cx: &mut Cx,
    names: &mut PipelineNames,
    item: &'a Item,
    event: &ast::Ident,
    body: Option<&'a ast::Block>,
    call_outputs: &mut Vec<&'a Item>,
) -> Option<ir::Trigger> {
    let name = event.name.as_str();
    if !events::KNOWN_EVENTS.contains(&name) {
        let mut diagnostic = Diagnostic::new(
            Code::UnknownEvent,
            format!("unknown event `{name}`"),
            event.span,
            "no such event",
        );
        let alias = match name {
            "dispatch" | "manual" => Some("workflow_dispatch"),
            "call" => Some("workflow_call"),
            "tag" | "tags" => None,
            "pr" => Some("pull_request"),
            "cron" => Some("schedule"),
            _ => closest(name, events::KNOWN_EVENTS.iter().copied()),
        };
        diagnostic = match (name, alias) {
            ("tag" | "tags", _) => {
                diagnostic.with_help("tags are pushes: `on push { tags: [\"v*\"] }`")
            }
            (_, Some(s)) => diagnostic.with_suggestion(event.span, s),
            (_, None) => diagnostic.with_help("see docs/language.md for the list of events"),
        };
        cx.report(diagnostic);
        return None;
    }
    let items: &'a [Item] = body.map_or(&[], |b| b.items.as_slice());
    let mut section = Section::new(format!("`on {name}`"), items);
    // Filters, schedules and types are needed when the pipeline is compiled: they may use
    // `let`s, but nothing known only at run time.
    let scope_names = names.lets_only();
    let scope = Scope::pipeline(&scope_names);
    let kind = match name {
        "push" => ir::TriggerKind::Push {
            branches: filter(cx, &scope, &mut section, "branches", "branches_ignore"),
            tags: filter(cx, &scope, &mut section, "tags", "tags_ignore"),
            paths: filter(cx, &scope, &mut section, "paths", "paths_ignore"),
        },
        "pull_request" | "pull_request_target" => ir::TriggerKind::PullRequest {
            target: name == "pull_request_target",
            types: activity_types(cx, &scope, &mut section, name),
            branches: filter(cx, &scope, &mut section, "branches", "branches_ignore"),
            paths: filter(cx, &scope, &mut section, "paths", "paths_ignore"),
        },
        "schedule" => {
            let crons = schedule(cx, &scope, &mut section, event.span);
            ir::TriggerKind::Schedule { crons }
        }
        "workflow_dispatch" => ir::TriggerKind::Dispatch {
            inputs: lower_inputs(cx, names, &mut section),
        },
        "workflow_call" => {
            let inputs = lower_inputs(cx, names, &mut section);
            let secrets = lower_call_secrets(cx, names, &mut section);
            call_outputs.extend(
                section.items(|item| matches!(item.kind, ItemKind::Output { .. }).then_some(item)),
            );
            ir::TriggerKind::Call {
                inputs,
                secrets,
                outputs: Vec::new(),
            }
        }
        "workflow_run" => {
            let workflows = match section.value(cx, "workflows") {
                Some(value) => values::constant_strings(cx, &scope, value, "a pipeline name")
                    .into_iter()
                    .map(|(name, _)| name)
                    .collect(),
                None => {
                    cx.report(
                        Diagnostic::new(
                            Code::MissingSetting,
                            "`on workflow_run` needs `workflows`",
                            event.span,
                            "which pipelines?",
                        )
                        .with_help("name the pipelines to follow: `workflows: [\"CI\"]`"),
                    );
                    Vec::new()
                }
            };
            ir::TriggerKind::WorkflowRun {
                workflows,
                types: activity_types(cx, &scope, &mut section, name),
                branches: filter(cx, &scope, &mut section, "branches", "branches_ignore"),
            }
        }
        "repository_dispatch" => ir::TriggerKind::RepositoryDispatch {
            types: activity_types(cx, &scope, &mut section, name),
        },
        _ => ir::TriggerKind::Activity {
            event: name.to_string(),
            types: activity_types(cx, &scope, &mut section, name),
        },
    };
    section.finish(cx);
    Some(ir::Trigger {
        kind,
        span: item.span,
    })
}

/// `branches`/`branches_ignore` (and the same for tags and paths): one or the other.
fn filter(
    cx: &mut Cx,
    scope: &Scope<'_>,
    section: &mut Section<'_>,
    only_key: &'static str,
    ignore_key: &'static str,
) -> Option<ir::Filter> {
    let only = section.value(cx, only_key);
    let ignore = section.value(cx, ignore_key);
    match (only, ignore) {
        (Some(only), Some(ignore)) => {
            cx.report(
                Diagnostic::new(
                    Code::ConflictingSettings,
                    format!("`{only_key}` and `{ignore_key}` cannot be used together"),
                    ignore.span,
                    "second filter",
                )
                .with_label(only.span, "first filter")
                .with_help(format!(
                    "to exclude inside `{only_key}`, add a negated pattern such as \"!release/old\""
                )),
            );
            None
        }
        (Some(only), None) => Some(ir::Filter::Only(patterns(cx, scope, only, true))),
        (None, Some(ignore)) => Some(ir::Filter::Ignore(patterns(cx, scope, ignore, false))),
        (None, None) => None,
    }
}

fn patterns(
    cx: &mut Cx,
    scope: &Scope<'_>,
    value: &ast::Expr,
    negation_allowed: bool,
) -> Vec<String> {
    let mut patterns = Vec::new();
    for (text, span) in values::constant_strings(cx, scope, value, "a glob pattern") {
        let body = match text.strip_prefix('!') {
            Some(rest) if negation_allowed => rest,
            Some(_) => {
                cx.report(
                    Diagnostic::new(
                        Code::InvalidGlob,
                        format!("`{text}` is negated in an ignore list"),
                        span,
                        "negation not allowed here",
                    )
                    .with_help("an `_ignore` list already excludes; write the pattern without `!`"),
                );
                continue;
            }
            None => text.as_str(),
        };
        if literals::glob(cx, body, span) {
            patterns.push(text);
        }
    }
    patterns
}

fn activity_types(
    cx: &mut Cx,
    scope: &Scope<'_>,
    section: &mut Section<'_>,
    event: &str,
) -> Vec<String> {
    let Some(allowed) = events::activity_types(event) else {
        return Vec::new();
    };
    let Some(value) = section.value(cx, "types") else {
        return Vec::new();
    };
    let mut types = Vec::new();
    for (text, span) in values::constant_strings(cx, scope, value, "an activity type") {
        if !allowed.is_empty() && !allowed.contains(&text.as_str()) {
            let mut diagnostic = Diagnostic::new(
                Code::InvalidValue,
                format!("`{event}` has no activity type `{text}`"),
                span,
                "unknown type",
            );
            diagnostic = match closest(&text, allowed.iter().copied()) {
                Some(s) => {
                    let fix = cx.rewrite_literal(span, &text, s);
                    diagnostic
                        .with_help(format!("did you mean `{s}`?"))
                        .with_fixes(fix)
                }
                None => diagnostic.with_help(format!("the types are: {}", allowed.join(", "))),
            };
            cx.report(diagnostic);
            continue;
        }
        types.push(text);
    }
    types
}

fn schedule(cx: &mut Cx, scope: &Scope<'_>, section: &mut Section<'_>, at: Span) -> Vec<ir::Cron> {
    let timezone = section
        .value(cx, "timezone")
        .and_then(|e| values::constant_string(cx, scope, e, "a time zone"));
    let Some(value) = section.value(cx, "cron") else {
        cx.report(
            Diagnostic::new(
                Code::MissingSetting,
                "`on schedule` needs `cron`",
                at,
                "when?",
            )
            .with_help("give a cron expression: `cron: \"30 2 * * 1\"`"),
        );
        return Vec::new();
    };
    let mut crons = Vec::new();
    for (expression, span) in values::constant_strings(cx, scope, value, "a cron expression") {
        if literals::cron(cx, &expression, span) {
            crons.push(ir::Cron {
                expression,
                timezone: timezone.clone(),
                span,
            });
        }
    }
    crons
}

/// The `description` and `required` settings inputs and secrets share.
fn described(cx: &mut Cx, scope: &Scope<'_>, section: &mut Section<'_>) -> (Option<String>, bool) {
    let description = section
        .value(cx, "description")
        .and_then(|e| values::constant_string(cx, scope, e, "a description"));
    let required = section
        .value(cx, "required")
        .and_then(|e| values::literal_bool(cx, e))
        .unwrap_or(false);
    (description, required)
}

/// `input name: type { description, required, default }` of dispatch and call triggers.
fn lower_inputs(
    cx: &mut Cx,
    names: &mut PipelineNames,
    section: &mut Section<'_>,
) -> Vec<ir::Input> {
    let lets = names.lets_only();
    let scope = Scope::pipeline(&lets);
    let items = section.items(|item| match &item.kind {
        ItemKind::Input { name, ty, body } => Some((item, name, ty, body.as_ref())),
        _ => None,
    });
    let mut inputs: Vec<ir::Input> = Vec::new();
    for (item, name, ty, body) in items {
        if let Some(previous) = inputs.iter().find(|i| i.name == name.name) {
            cx.duplicate(
                format!("input `{}`", name.name),
                "declared",
                name.span,
                previous.span,
                "rename one of the inputs",
            );
            continue;
        }
        let Some(input_type) = values::input_type(cx, &scope, ty) else {
            continue;
        };
        let empty = ast::Block {
            items: Vec::new(),
            span: item.span,
        };
        let mut inner = Section::of(format!("input `{}`", name.name), body.unwrap_or(&empty));
        let (description, required) = described(cx, &scope, &mut inner);
        let default = inner
            .value(cx, "default")
            .and_then(|e| values::input_default(cx, &scope, e, &input_type));
        inner.finish(cx);
        let input = ir::Input {
            name: name.name.clone(),
            ty: input_type,
            description,
            required,
            default,
            span: name.span,
        };
        match names.inputs.iter().find(|i| i.name == input.name) {
            // workflow_dispatch and workflow_call may both declare an input; `inputs.x` then
            // means either, so they must agree on its type.
            Some(other) if other.ty != input.ty => cx.report(
                Diagnostic::new(
                    Code::DuplicateDefinition,
                    format!("input `{}` is declared with two types", input.name),
                    input.span,
                    "declared here",
                )
                .with_label(other.span, "and here")
                .with_help("give the input the same type in both triggers"),
            ),
            Some(_) => {}
            None => names.inputs.push(input.clone()),
        }
        inputs.push(input);
    }
    inputs
}

fn lower_call_secrets(
    cx: &mut Cx,
    names: &mut PipelineNames,
    section: &mut Section<'_>,
) -> Vec<ir::CallSecret> {
    let lets = names.lets_only();
    let scope = Scope::pipeline(&lets);
    let items = section.items(|item| match &item.kind {
        ItemKind::Secret { name, body } => Some((item, name, body.as_ref())),
        _ => None,
    });
    let mut secrets: Vec<ir::CallSecret> = Vec::new();
    for (item, name, body) in items {
        if let Some((_, first)) = names.secrets.iter().find(|(s, _)| *s == name.name) {
            cx.duplicate(
                format!("secret `{}`", name.name),
                "declared",
                name.span,
                *first,
                "remove one of them",
            );
            continue;
        }
        let empty = ast::Block {
            items: Vec::new(),
            span: item.span,
        };
        let mut inner = Section::of(format!("secret `{}`", name.name), body.unwrap_or(&empty));
        let (description, required) = described(cx, &scope, &mut inner);
        inner.finish(cx);
        names.secrets.push((name.name.clone(), name.span));
        secrets.push(ir::CallSecret {
            name: name.name.clone(),
            description,
            required,
            span: name.span,
        });
    }
    secrets
}

fn lower_call_outputs(cx: &mut Cx, names: &PipelineNames, items: &[&Item]) -> Vec<ir::CallOutput> {
    let scope = Scope {
        names,
        job: None,
        step_env: &[],
        position: Position::CallOutput,
    };
    let mut outputs: Vec<ir::CallOutput> = Vec::new();
    for item in items {
        let ItemKind::Output { name, value, .. } = &item.kind else {
            continue;
        };
        if let Some(previous) = outputs.iter().find(|o| o.name == name.name) {
            cx.duplicate(
                format!("output `{}`", name.name),
                "declared",
                name.span,
                previous.span,
                "rename one of the outputs",
            );
            continue;
        }
        let Some(value) = values::output_value(cx, name, value.as_ref()) else {
            continue;
        };
        let value = values::template(cx, &scope, value);
        outputs.push(ir::CallOutput {
            name: name.name.clone(),
            description: None,
            value,
            span: name.span,
        });
    }
    outputs
}

fn lower_environments(
    cx: &mut Cx,
    section: &mut Section<'_>,
    names: &PipelineNames,
) -> Vec<ir::Environment> {
    let items = section.items(|item| match &item.kind {
        ItemKind::Environment { name, body } => Some((item, name, body.as_ref())),
        _ => None,
    });
    let scope = Scope {
        names,
        job: None,
        step_env: &[],
        position: Position::Pipeline,
    };
    let mut environments: Vec<ir::Environment> = Vec::new();
    for (item, name, body) in items {
        if let Some(previous) = environments.iter().find(|e| e.name == name.name) {
            cx.duplicate(
                format!("environment `{}`", name.name),
                "declared",
                name.span,
                previous.span,
                "remove one of them",
            );
            continue;
        }
        let empty = ast::Block {
            items: Vec::new(),
            span: item.span,
        };
        let mut inner = Section::of(
            format!("environment `{}`", name.name),
            body.unwrap_or(&empty),
        );
        let url = inner
            .value(cx, "url")
            .map(|e| values::template(cx, &scope, e));
        let reviewers = inner
            .value(cx, "reviewers")
            .and_then(|e| values::positive_int(cx, e, "reviewers"));
        inner.finish(cx);
        environments.push(ir::Environment {
            name: name.name.clone(),
            url,
            reviewers,
            span: name.span,
        });
    }
    environments
}

fn lower_gates(cx: &mut Cx, section: &mut Section<'_>, names: &PipelineNames) -> Vec<ir::Gate> {
    let items = section.items(|item| match &item.kind {
        ItemKind::Gate { name, value } => Some((item, name, value)),
        _ => None,
    });
    let mut gates: Vec<ir::Gate> = Vec::new();
    for (item, name, value) in items {
        if let Some(previous) = gates.iter().find(|g| g.name == name.name) {
            cx.duplicate(
                format!("gate `{}`", name.name),
                "defined",
                name.span,
                previous.span,
                "rename one of the gates",
            );
            continue;
        }
        let jobs = values::job_refs(cx, value, names, "gate");
        if jobs.is_empty() && !matches!(value.kind, AstExpr::Error) {
            cx.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    format!("gate `{}` has no jobs", name.name),
                    value.span,
                    "empty",
                )
                .with_help(
                    "a gate is the list of jobs that must pass: `gate quality = [lint, test]`",
                ),
            );
        }
        gates.push(ir::Gate {
            name: name.name.clone(),
            jobs,
            span: item.span,
        });
    }
    gates
}

fn lower_promotion(
    cx: &mut Cx,
    section: &mut Section<'_>,
    environments: &[ir::Environment],
) -> Vec<ir::Named> {
    let items = section.items(|item| match &item.kind {
        ItemKind::Promotion { stages } => Some((item, stages)),
        _ => None,
    });
    let mut order = Vec::new();
    for (index, (item, stages)) in items.into_iter().enumerate() {
        if index > 0 {
            cx.report(
                Diagnostic::new(Code::DuplicateDefinition, "a pipeline has one promotion order", item.span, "second `promotion`")
                    .with_help("write the whole order in one line: `promotion development -> staging -> production`"),
            );
            continue;
        }
        for stage in stages {
            if order.iter().any(|n: &ir::Named| n.name == stage.name) {
                cx.report(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        format!("`{}` appears twice in the promotion order", stage.name),
                        stage.span,
                        "again here",
                    )
                    .with_help("each environment has one place in the order"),
                );
                continue;
            }
            if !environments.iter().any(|e| e.name == stage.name) {
                let mut diagnostic = Diagnostic::new(
                    Code::UnknownEnvironment,
                    format!("unknown environment `{}`", stage.name),
                    stage.span,
                    "not declared",
                );
                diagnostic =
                    match closest(&stage.name, environments.iter().map(|e| e.name.as_str())) {
                        Some(s) => diagnostic.with_suggestion(stage.span, s),
                        None => diagnostic
                            .with_help(format!("declare it: `environment {}`", stage.name)),
                    };
                cx.report(diagnostic);
                continue;
            }
            order.push(ir::Named {
                name: stage.name.clone(),
                span: stage.span,
            });
        }
    }
    order
}

fn report_unused_outputs(cx: &mut Cx, names: &PipelineNames) {
    for job in &names.jobs {
        for output in &job.outputs {
            if !output.used.get() {
                cx.report(
                    Diagnostic::new(
                        Code::UnusedOutput,
                        format!("output `{}` of job `{}` is never used", output.name, job.id),
                        output.span,
                        "declared here",
                    )
                    .with_help(format!(
                        "read it in a job that needs `{}` (`needs.{}.outputs.{}`), or remove it",
                        job.id, job.id, output.name
                    )),
                );
            }
        }
    }
}

/// The text of a string that must not interpolate anything.
pub(super) fn plain_text(cx: &mut Cx, lit: &ast::StringLit, what: &str) -> Option<String> {
    let text = lit.as_plain();
    if text.is_none() {
        cx.report(
            Diagnostic::new(
                Code::InvalidValue,
                format!("{what} cannot interpolate values"),
                lit.span,
                "interpolates",
            )
            .with_help("write it out as plain text"),
        );
    }
    text
}

//! Expressions: name resolution, availability and types, from `ast::Expr` to `ir::Expr`.
//!
//! Lowering always returns an expression: where something is wrong it reports once and
//! returns `ExprKind::Invalid` of type `Unknown`, which every later check treats as
//! "could be anything", so one mistake does not cascade into more diagnostics.

use std::cell::Cell;

use crate::ast::{self, BinaryOp as AstOp, StringPart};
use crate::diagnostics::{Code, Diagnostic, Fix, closest};
use crate::ir::{
    self, BinaryOp, Context, ExprKind, Function, Literal, StatusFunction, Template, TemplatePart,
    Type,
};
use crate::span::Span;

use super::Cx;
use super::literals;

/// Where an expression stands decides which names it may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Position {
    /// A `let` value, or a pipeline-level setting.
    Pipeline,
    JobCondition,
    /// A job setting other than its condition (runner, env, container, outputs ...).
    Job,
    StepCondition,
    Step,
    /// The `value` of a reusable pipeline's output.
    CallOutput,
}

impl Position {
    fn is_condition(self) -> bool {
        matches!(self, Position::JobCondition | Position::StepCondition)
    }
}

/// A `let` binding in scope.
pub(super) struct LetBinding {
    pub name: String,
    pub span: Span,
    pub value: ir::Expr,
    pub used: Cell<bool>,
}

/// A job as other jobs see it.
pub(super) struct JobDecl {
    pub id: String,
    pub span: Span,
    pub outputs: Vec<OutputDecl>,
}

pub(super) struct OutputDecl {
    pub name: String,
    pub ty: Type,
    pub span: Span,
    pub used: Cell<bool>,
}

/// A step as later steps of its job see it.
pub(super) struct StepDecl {
    pub id: String,
    pub span: Span,
    /// The outputs the step declares, typed; `None` when it does not say (actions), in
    /// which case any output name is accepted.
    pub outputs: Option<Vec<(String, Type)>>,
}

/// Names declared at the pipeline level (and the file's `let`s).
#[derive(Default)]
pub(super) struct PipelineNames {
    pub lets: Vec<std::rc::Rc<LetBinding>>,
    /// The file's imports, enums and templates.
    pub file: std::rc::Rc<super::imports::FileScope>,
    pub inputs: Vec<ir::Input>,
    pub secrets: Vec<(String, Span)>,
    pub vars: Vec<(String, Span)>,
    pub env: Vec<String>,
    pub jobs: Vec<JobDecl>,
}

impl PipelineNames {
    /// Only the `let`s: all that settings needed when the pipeline is compiled (filters,
    /// schedules, inputs) may use.
    pub(super) fn lets_only(&self) -> PipelineNames {
        PipelineNames {
            lets: self.lets.clone(),
            file: std::rc::Rc::clone(&self.file),
            ..PipelineNames::default()
        }
    }
}

/// What the job an expression is in makes available.
#[derive(Default)]
pub(super) struct JobNames {
    pub id: String,
    pub needs: Vec<String>,
    /// `None` when the job has no matrix.
    pub matrix: Option<Vec<(String, Type)>>,
    pub steps: Vec<StepDecl>,
    /// Steps `0..steps_before` have run when the expression is evaluated.
    pub steps_before: Cell<usize>,
    pub env: Vec<String>,
    /// Where the missing-dependency fix adds a job to `needs`; `None` for a template's
    /// own job, which the caller cannot edit.
    pub add_need: Option<NeedsInsertion>,
}

/// Where and how another job is written into a job's `needs`: `before`, the job's id and
/// `after` replace `at`.
pub(super) struct NeedsInsertion {
    at: Span,
    before: String,
    after: String,
}

impl NeedsInsertion {
    /// In a job's `needs` when it has one (after its last entry), else on a new line before
    /// the job's first setting; a job call without a block gets one. `end` is where the
    /// block would start: the end of the call.
    pub(super) fn of(cx: &Cx, body: Option<&ast::Block>, end: Span) -> NeedsInsertion {
        let Some(body) = body else {
            return NeedsInsertion {
                at: Span {
                    start: end.end,
                    ..end
                },
                before: " { needs: [".into(),
                after: "] }".into(),
            };
        };
        let needs = body.items.iter().find_map(|item| match &item.kind {
            ast::ItemKind::Property { key, value } if key.name == "needs" => Some(value),
            _ => None,
        });
        let (at, before, after) = match (needs, body.items.first()) {
            (Some(list), _) => match &list.kind {
                ast::ExprKind::List(items) => match items.last() {
                    Some(last) => (last.span.end, ", ".to_string(), String::new()),
                    None => (
                        list.span.end.saturating_sub(1),
                        String::new(),
                        String::new(),
                    ),
                },
                // `needs: lint` becomes a list.
                _ => {
                    return NeedsInsertion {
                        at: list.span,
                        before: format!("[{}, ", cx.slice(list.span)),
                        after: "]".into(),
                    };
                }
            },
            (None, Some(first)) => (
                first.span.start,
                "needs: [".into(),
                format!("]\n{}", cx.indentation(first.span)),
            ),
            (None, None) => (
                body.span.end.saturating_sub(1),
                " needs: [".into(),
                "] ".into(),
            ),
        };
        NeedsInsertion {
            at: Span {
                start: at,
                end: at,
                ..body.span
            },
            before,
            after,
        }
    }

    fn fix(&self, job: &str) -> Fix {
        Fix {
            title: format!("Add `{job}` to `needs`"),
            edits: vec![(self.at, format!("{}{job}{}", self.before, self.after))],
        }
    }
}

pub(super) struct Scope<'a> {
    pub names: &'a PipelineNames,
    pub job: Option<&'a JobNames>,
    pub step_env: &'a [String],
    pub position: Position,
}

/// GitHub's expression functions that pipec does not model, with the raw form to use.
const GITHUB_ONLY_FUNCTIONS: &[&str] = &["format", "toJSON", "fromJSON", "hashFiles"];

const BUILTIN_SECRETS: &[&str] = &["GITHUB_TOKEN"];

impl<'a> Scope<'a> {
    /// A scope at the pipeline level: no job, no step.
    pub(super) fn pipeline(names: &'a PipelineNames) -> Scope<'a> {
        Scope {
            names,
            job: None,
            step_env: &[],
            position: Position::Pipeline,
        }
    }
}

impl Scope<'_> {
    pub(super) fn lower(&self, cx: &mut Cx, expr: &ast::Expr) -> ir::Expr {
        let span = expr.span;
        match &expr.kind {
            ast::ExprKind::Bool(b) => literal(Literal::Bool(*b), Type::Bool, span),
            ast::ExprKind::Number(n) => literal(Literal::Number(n.clone()), Type::Number, span),
            ast::ExprKind::Duration(text) => match literals::duration(cx, text, span) {
                Some(seconds) => literal(Literal::Duration(seconds), Type::Duration, span),
                None => invalid(span),
            },
            ast::ExprKind::Percent(text) => match literals::percent(cx, text, span) {
                Some(()) => literal(Literal::Percent(text.clone()), Type::Percent, span),
                None => invalid(span),
            },
            ast::ExprKind::String(lit) => self.string(cx, lit),
            ast::ExprKind::Raw(text) => {
                if text.is_empty() {
                    cx.report(
                        Diagnostic::new(Code::InvalidValue, "empty raw expression", span, "nothing between the backticks")
                            .with_help("write a GitHub expression between the backticks, like `github.event.number`"),
                    );
                    return invalid(span);
                }
                ir::Expr {
                    kind: ExprKind::Raw(text.clone()),
                    ty: Type::Unknown,
                    span,
                }
            }
            ast::ExprKind::List(items) => {
                let items: Vec<ir::Expr> = items.iter().map(|item| self.lower(cx, item)).collect();
                let item_ty = common_type(items.iter().map(|i| &i.ty));
                ir::Expr {
                    kind: ExprKind::List(items),
                    ty: Type::List(Box::new(item_ty)),
                    span,
                }
            }
            ast::ExprKind::Name(ident) => self.name(cx, ident),
            ast::ExprKind::Member { .. } => self.path(cx, expr),
            ast::ExprKind::Index { base, .. } => {
                let shown = cx.slice(base.span).to_string();
                cx.report(
                    Diagnostic::new(Code::InvalidValue, "indexing is not supported", span, "indexed here")
                        .with_help(format!("name the field instead (`{shown}.name`), or use a raw GitHub expression in backticks")),
                );
                invalid(span)
            }
            ast::ExprKind::Call { function, args } => self.call(cx, function, args, span),
            ast::ExprKind::Unary { operand, .. } => {
                let operand = self.lower(cx, operand);
                self.expect_bool(cx, &operand, "the operand of `!`");
                ir::Expr {
                    kind: ExprKind::Not(Box::new(operand)),
                    ty: Type::Bool,
                    span,
                }
            }
            ast::ExprKind::Binary {
                op,
                op_span,
                lhs,
                rhs,
            } => {
                let lhs = self.lower(cx, lhs);
                let rhs = self.lower(cx, rhs);
                self.binary(cx, *op, *op_span, lhs, rhs, span)
            }
            ast::ExprKind::Error => invalid(span),
        }
    }

    /// Lowers a condition: it must be a bool.
    pub(super) fn condition(&self, cx: &mut Cx, expr: &ast::Expr) -> ir::Expr {
        let lowered = self.lower(cx, expr);
        if self.expect_bool(cx, &lowered, "a condition") {
            lowered
        } else {
            invalid(lowered.span)
        }
    }

    fn string(&self, cx: &mut Cx, lit: &ast::StringLit) -> ir::Expr {
        let mut parts = Vec::new();
        for part in &lit.parts {
            match part {
                StringPart::Text(text) => push_text(&mut parts, text),
                StringPart::Interpolation(inner) => {
                    let lowered = self.lower(cx, inner);
                    self.interpolate(cx, &mut parts, lowered);
                }
            }
        }
        template_expr(Template {
            parts,
            span: lit.span,
        })
    }

    /// Appends an interpolated value to template parts, folding constants into text.
    pub(super) fn interpolate(&self, cx: &mut Cx, parts: &mut Vec<TemplatePart>, value: ir::Expr) {
        match value.kind {
            ExprKind::Literal(lit) => push_text(parts, &lit.to_text()),
            ExprKind::Template(template) => {
                for part in template.parts {
                    match part {
                        TemplatePart::Text(text) => push_text(parts, &text),
                        TemplatePart::Expr(e) => parts.push(TemplatePart::Expr(e)),
                    }
                }
            }
            ExprKind::List(_) => cx.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    "a list cannot be interpolated into text",
                    value.span,
                    "this is a list",
                )
                .with_help(
                    "interpolate one value, or pass the list to a setting that takes a list",
                ),
            ),
            ExprKind::Status(_) | ExprKind::Invalid => {}
            _ => parts.push(TemplatePart::Expr(value)),
        }
    }

    fn name(&self, cx: &mut Cx, ident: &ast::Ident) -> ir::Expr {
        let span = ident.span;
        if let Some(binding) = self.names.lets.iter().rev().find(|l| l.name == ident.name) {
            binding.used.set(true);
            let mut value = binding.value.clone();
            value.span = span;
            return value;
        }
        if let Some(context) = Context::lookup(&ident.name) {
            let ty = match context {
                Context::Event => Type::Enum(
                    super::events::KNOWN_EVENTS
                        .iter()
                        .map(|e| (*e).to_string())
                        .collect(),
                ),
                Context::JobStatus => {
                    Type::Enum(vec!["success".into(), "failure".into(), "cancelled".into()])
                }
                Context::RunId | Context::RunNumber | Context::RunAttempt => Type::Number,
                _ => Type::String,
            };
            return ir::Expr {
                kind: ExprKind::Context(context),
                ty,
                span,
            };
        }
        if let Some(namespace) = self.names.file.namespace(&ident.name) {
            namespace.usage.used.set(true);
            cx.report(
                Diagnostic::new(
                    Code::UnknownName,
                    format!("`{}` is a module, not a value", ident.name),
                    span,
                    "a module",
                )
                .with_help(format!(
                    "name one of its values or templates: `{}.<name>`",
                    ident.name
                )),
            );
            return invalid(span);
        }
        let namespace_help = match ident.name.as_str() {
            "matrix" => Some("name the matrix key: `matrix.<key>`"),
            "inputs" => Some("name the input: `inputs.<name>`"),
            "secrets" => Some("name the secret: `secrets.<NAME>`"),
            "vars" => Some("name the variable: `vars.<NAME>`"),
            "env" => Some("name the variable: `env.<NAME>`"),
            "needs" => Some("name the job and output: `needs.<job>.outputs.<name>`"),
            "steps" => Some("name the step and output: `steps.<id>.outputs.<name>`"),
            "github" | "runner" | "job" | "strategy" => Some(
                "GitHub's own contexts are written as raw expressions in backticks, e.g. `github.event.number`; the portable names are `branch`, `tag`, `sha`, `event`, `repository`, `actor`, `job_status` ...",
            ),
            _ => None,
        };
        let mut diagnostic = Diagnostic::new(
            Code::UnknownName,
            format!("unknown name `{}`", ident.name),
            span,
            "not defined",
        );
        let candidates: Vec<&str> = self
            .names
            .lets
            .iter()
            .map(|l| l.name.as_str())
            .chain(Context::ALL.iter().map(|(n, _)| *n))
            .collect();
        diagnostic = match (namespace_help, closest(&ident.name, candidates)) {
            (Some(help), _) => diagnostic.with_help(help),
            (None, Some(suggestion)) => diagnostic.with_suggestion(span, suggestion),
            (None, None) => diagnostic.with_help(
                "names are `let` bindings, contexts (`branch`, `tag`, `event`, `sha` ...) or namespaces (`inputs.x`, `matrix.x`, `secrets.X`, `needs.job.outputs.x`)",
            ),
        };
        cx.report(diagnostic);
        invalid(span)
    }

    /// `a.b.c`: namespaces (`matrix.k`, `needs.j.outputs.o` ...).
    fn path(&self, cx: &mut Cx, expr: &ast::Expr) -> ir::Expr {
        let span = expr.span;
        let Some(segments) = path_segments(expr) else {
            cx.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    "fields can only be read from names",
                    span,
                    "not a name",
                )
                .with_help("write a path such as `needs.build.outputs.digest`"),
            );
            return invalid(span);
        };
        let Some((head, rest)) = segments.split_first() else {
            return invalid(span);
        };
        let names: Vec<&str> = rest.iter().map(|i| i.name.as_str()).collect();
        if let Some(namespace) = self.names.file.namespace(&head.name) {
            return self.module_value(cx, namespace, rest, span);
        }
        match (head.name.as_str(), names.as_slice()) {
            ("matrix", [key]) => self.matrix(cx, head, rest, key, span),
            ("inputs", [name]) => self.input(cx, rest, name, span),
            ("secrets", [name]) => self.secret(cx, rest, name, span),
            ("vars", [name]) => match self.names.vars.iter().find(|(v, _)| v == name) {
                Some(_) => ir::Expr {
                    kind: ExprKind::Var((*name).to_string()),
                    ty: Type::String,
                    span,
                },
                None => self.unknown(
                    cx,
                    Code::UnknownName,
                    "variable",
                    name,
                    last_span(rest, span),
                    self.names.vars.iter().map(|(v, _)| v.as_str()),
                    Some("declare it in the pipeline: `vars: [NAME]`"),
                ),
            },
            ("env", [name]) => self.env(cx, rest, name, span),
            ("needs", [job, "outputs", output]) => {
                self.job_output(cx, rest, job, Some(output), span)
            }
            ("needs", [job, "result"]) => self.job_output(cx, rest, job, None, span),
            ("jobs", [job, "outputs", output]) if self.position == Position::CallOutput => {
                self.job_output(cx, rest, job, Some(output), span)
            }
            ("steps", [step, "outputs", output]) => {
                self.step_output(cx, rest, step, Some(output), span)
            }
            ("steps", [step, "outcome"]) => self.step_output(cx, rest, step, None, span),
            ("job", ["status"]) => {
                cx.report(
                    Diagnostic::new(
                        Code::UnknownName,
                        "unknown name `job.status`",
                        span,
                        "not defined",
                    )
                    .with_help("the portable name is `job_status`"),
                );
                invalid(span)
            }
            ("github", _) => {
                let text = cx.slice(span).to_string();
                cx.report(
                    Diagnostic::new(Code::UnknownName, format!("`{text}` is a GitHub context"), span, "GitHub only")
                        .with_help(format!("write it as a raw expression, in backticks: `{text}`; or use a portable name such as `sha`, `branch`, `repository`")),
                );
                invalid(span)
            }
            _ => {
                let head_known = self.names.lets.iter().any(|l| l.name == head.name)
                    || Context::lookup(&head.name).is_some();
                let help = match head.name.as_str() {
                    "matrix" => "write `matrix.<key>`",
                    "inputs" => "write `inputs.<name>`",
                    "secrets" => "write `secrets.<NAME>`",
                    "needs" => "write `needs.<job>.outputs.<name>` or `needs.<job>.result`",
                    "jobs" => {
                        "outside a reusable pipeline's outputs, job outputs are read as `needs.<job>.outputs.<name>`"
                    }
                    "steps" => "write `steps.<id>.outputs.<name>`",
                    _ if head_known => "this value has no fields",
                    _ => "",
                };
                if head_known || !help.is_empty() {
                    cx.report(
                        Diagnostic::new(
                            Code::UnknownName,
                            format!("`{}` does not name a value", cx.slice(span)),
                            span,
                            "no such field",
                        )
                        .with_help(help),
                    );
                    invalid(span)
                } else {
                    self.name(cx, head)
                }
            }
        }
    }

    /// `common.services`: a `let` of an imported module.
    fn module_value(
        &self,
        cx: &mut Cx,
        namespace: &super::imports::Namespace,
        rest: &[&ast::Ident],
        span: Span,
    ) -> ir::Expr {
        namespace.usage.used.set(true);
        let found = match rest {
            [name] => namespace.exports.lets.iter().find(|l| l.name == name.name),
            _ => None,
        };
        match found {
            Some(binding) => {
                binding.used.set(true);
                let mut value = binding.value.clone();
                value.span = span;
                value
            }
            None if namespace.broken => invalid(span),
            None => {
                let name = rest.first().map_or("", |i| i.name.as_str());
                self.unknown(
                    cx,
                    Code::UnknownName,
                    &format!("value of module `{}`", namespace.alias),
                    name,
                    last_span(rest, span),
                    namespace.exports.lets.iter().map(|l| l.name.as_str()),
                    Some(&format!(
                        "a module's values are its top-level `let`s; `{}` is the module {}",
                        namespace.alias, namespace.path
                    )),
                )
            }
        }
    }

    fn matrix(
        &self,
        cx: &mut Cx,
        head: &ast::Ident,
        rest: &[&ast::Ident],
        key: &str,
        span: Span,
    ) -> ir::Expr {
        let Some(job) = self.job else {
            cx.report(
                Diagnostic::new(
                    Code::ContextUnavailable,
                    "`matrix` is only available inside a job",
                    head.span,
                    "no job here",
                )
                .with_help("move this into the job whose matrix it reads"),
            );
            return invalid(span);
        };
        let Some(keys) = &job.matrix else {
            cx.report(
                Diagnostic::new(
                    Code::UnknownMatrixKey,
                    format!("job `{}` has no matrix", job.id),
                    span,
                    "there is no matrix here",
                )
                .with_help("add `matrix { ... }` to the job, or remove this reference"),
            );
            return invalid(span);
        };
        if self.position == Position::JobCondition {
            cx.report(
                Diagnostic::new(Code::ContextUnavailable, "a job's condition cannot read its matrix", span, "decided before the matrix is expanded")
                    .with_help("put the condition on the steps instead, or narrow the matrix with `exclude { ... }`"),
            );
            return invalid(span);
        }
        match keys.iter().find(|(k, _)| k == key) {
            Some((_, ty)) => ir::Expr {
                kind: ExprKind::Matrix(key.to_string()),
                ty: ty.clone(),
                span,
            },
            None => self.unknown(
                cx,
                Code::UnknownMatrixKey,
                "matrix key",
                key,
                last_span(rest, span),
                keys.iter().map(|(k, _)| k.as_str()),
                None,
            ),
        }
    }

    fn input(&self, cx: &mut Cx, rest: &[&ast::Ident], name: &str, span: Span) -> ir::Expr {
        match self.names.inputs.iter().find(|i| i.name == name) {
            Some(input) => {
                let ty = match &input.ty {
                    ir::InputType::String | ir::InputType::Environment => Type::String,
                    ir::InputType::Boolean => Type::Bool,
                    ir::InputType::Number => Type::Number,
                    ir::InputType::Choice(options) => Type::Enum(options.clone()),
                };
                ir::Expr { kind: ExprKind::Input(name.to_string()), ty, span }
            }
            None => self.unknown(
                cx,
                Code::UnknownInput,
                "input",
                name,
                last_span(rest, span),
                self.names.inputs.iter().map(|i| i.name.as_str()),
                Some("inputs are declared in `on workflow_dispatch { input name: type }` or `on workflow_call { ... }`"),
            ),
        }
    }

    fn secret(&self, cx: &mut Cx, rest: &[&ast::Ident], name: &str, span: Span) -> ir::Expr {
        if self.position.is_condition() {
            cx.report(
                Diagnostic::new(Code::ContextUnavailable, "secrets cannot be read in a condition", span, "not available here")
                    .with_help("GitHub does not expose secrets to `if:`; copy the secret into `env` and test the variable in a step"),
            );
            return invalid(span);
        }
        let known =
            self.names.secrets.iter().any(|(s, _)| s == name) || BUILTIN_SECRETS.contains(&name);
        if known {
            ir::Expr {
                kind: ExprKind::Secret(name.to_string()),
                ty: Type::Secret,
                span,
            }
        } else {
            let candidates = self
                .names
                .secrets
                .iter()
                .map(|(s, _)| s.as_str())
                .chain(BUILTIN_SECRETS.iter().copied());
            self.unknown(
                cx,
                Code::UnknownSecret,
                "secret",
                name,
                last_span(rest, span),
                candidates,
                Some("declare the secrets a pipeline uses: `secrets: [NAME, ...]`"),
            )
        }
    }

    fn env(&self, cx: &mut Cx, rest: &[&ast::Ident], name: &str, span: Span) -> ir::Expr {
        if !matches!(self.position, Position::Step | Position::StepCondition) {
            cx.report(
                Diagnostic::new(
                    Code::ContextUnavailable,
                    "`env` can only be read inside steps",
                    span,
                    "not available here",
                )
                .with_help("use the value itself here (a `let` can share it)"),
            );
            return invalid(span);
        }
        let job_env = self.job.map(|j| j.env.as_slice()).unwrap_or_default();
        let all = || self.names.env.iter().chain(job_env).chain(self.step_env);
        if all().any(|e| e == name) {
            ir::Expr {
                kind: ExprKind::Env(name.to_string()),
                ty: Type::String,
                span,
            }
        } else {
            self.unknown(cx, Code::UnknownName, "environment variable", name, last_span(rest, span), all().map(String::as_str), Some("only variables set in an `env { ... }` block of this pipeline, job or step can be read"))
        }
    }

    fn job_output(
        &self,
        cx: &mut Cx,
        rest: &[&ast::Ident],
        job_id: &str,
        output: Option<&str>,
        span: Span,
    ) -> ir::Expr {
        let job_span = rest.first().map_or(span, |i| i.span);
        let Some(job) = self.names.jobs.iter().find(|j| j.id == job_id) else {
            return self.unknown(
                cx,
                Code::UnknownJob,
                "job",
                job_id,
                job_span,
                self.names.jobs.iter().map(|j| j.id.as_str()),
                None,
            );
        };
        // The output counts as used even when this read is an error: one mistake, one message.
        if let Some(decl) = output.and_then(|o| job.outputs.iter().find(|d| d.name == o)) {
            decl.used.set(true);
        }
        if self.position != Position::CallOutput {
            match self.job {
                Some(current) if current.needs.iter().any(|n| n == job_id) => {}
                Some(current) if current.id == job_id => {
                    cx.report(
                        Diagnostic::new(Code::MissingDependency, format!("job `{job_id}` reads its own outputs"), span, "its own output")
                            .with_help("inside a job, read the step output directly: `steps.<id>.outputs.<name>`"),
                    );
                    return invalid(span);
                }
                Some(current) => {
                    cx.report(
                        Diagnostic::new(
                            Code::MissingDependency,
                            format!(
                                "job `{}` uses an output of `{job_id}` without needing it",
                                current.id
                            ),
                            span,
                            format!("`{job_id}` may not have run yet"),
                        )
                        .with_label(job.span, format!("`{job_id}` is defined here"))
                        .with_help(format!("add `{job_id}` to the `needs` of `{}`", current.id))
                        .with_fixes(current.add_need.as_ref().map(|add| add.fix(job_id))),
                    );
                    return invalid(span);
                }
                None => {
                    cx.report(
                        Diagnostic::new(
                            Code::ContextUnavailable,
                            "job outputs are only available inside jobs",
                            span,
                            "not available here",
                        )
                        .with_help("read job outputs in the jobs that need them"),
                    );
                    return invalid(span);
                }
            }
        }
        let Some(output) = output else {
            let results = ["success", "failure", "cancelled", "skipped"]
                .map(String::from)
                .to_vec();
            return ir::Expr {
                kind: ExprKind::JobResult {
                    job: job_id.to_string(),
                },
                ty: Type::Enum(results),
                span,
            };
        };
        match job.outputs.iter().find(|o| o.name == output) {
            Some(decl) => {
                decl.used.set(true);
                ir::Expr {
                    kind: ExprKind::JobOutput {
                        job: job_id.to_string(),
                        output: output.to_string(),
                    },
                    ty: decl.ty.clone(),
                    span,
                }
            }
            None => self.unknown(
                cx,
                Code::UnknownOutput,
                &format!("output of job `{job_id}`"),
                output,
                last_span(rest, span),
                job.outputs.iter().map(|o| o.name.as_str()),
                Some(&format!(
                    "declare it in job `{job_id}`: `output {output} = steps.<id>.outputs.<name>`"
                )),
            ),
        }
    }

    fn step_output(
        &self,
        cx: &mut Cx,
        rest: &[&ast::Ident],
        step_id: &str,
        output: Option<&str>,
        span: Span,
    ) -> ir::Expr {
        let step_span = rest.first().map_or(span, |i| i.span);
        let Some(job) = self.job else {
            cx.report(
                Diagnostic::new(
                    Code::ContextUnavailable,
                    "step outputs are only available inside their job",
                    span,
                    "no job here",
                )
                .with_help(
                    "pass the value out as a job output: `output name = steps.<id>.outputs.<name>`",
                ),
            );
            return invalid(span);
        };
        let Some(index) = job.steps.iter().position(|s| s.id == step_id) else {
            return self.unknown(
                cx,
                Code::UnknownStep,
                "step",
                step_id,
                step_span,
                job.steps.iter().map(|s| s.id.as_str()),
                // Only when no step has an id is giving one the likely fix.
                job.steps
                    .iter()
                    .all(|s| s.id.is_empty())
                    .then_some("give the step an id: `step <id> \"Name\" { ... }`"),
            );
        };
        let Some(step) = job.steps.get(index) else {
            return invalid(span);
        };
        if self.position == Position::JobCondition || index >= job.steps_before.get() {
            cx.report(
                Diagnostic::new(
                    Code::StepOutputUnavailable,
                    format!("step `{step_id}` has not run yet here"),
                    span,
                    "read too early",
                )
                .with_label(step.span, format!("`{step_id}` runs here"))
                .with_help(
                    "a step can read the outputs of the steps before it; move this below that step",
                ),
            );
            return invalid(span);
        }
        // `steps.<id>.outcome`: how the step ended.
        let Some(output) = output else {
            let outcomes = ["success", "failure", "cancelled", "skipped"]
                .map(String::from)
                .to_vec();
            return ir::Expr {
                kind: ExprKind::StepOutcome {
                    step: step_id.to_string(),
                },
                ty: Type::Enum(outcomes),
                span,
            };
        };
        let mut ty = Type::String;
        if let Some(outputs) = &step.outputs {
            let Some((_, declared)) = outputs.iter().find(|(name, _)| name == output) else {
                return self.unknown(
                    cx,
                    Code::UnknownOutput,
                    &format!("output of step `{step_id}`"),
                    output,
                    last_span(rest, span),
                    outputs.iter().map(|(name, _)| name.as_str()),
                    outputs.is_empty().then_some(&format!(
                        "step `{step_id}` declares its outputs with `outputs: [...]`"
                    )),
                );
            };
            ty = declared.clone();
        }
        ir::Expr {
            kind: ExprKind::StepOutput {
                step: step_id.to_string(),
                output: output.to_string(),
            },
            ty,
            span,
        }
    }

    /// Reports an unknown name of some kind, with a suggestion.
    #[allow(clippy::too_many_arguments)]
    fn unknown<'c>(
        &self,
        cx: &mut Cx,
        code: Code,
        kind: &str,
        name: &str,
        span: Span,
        candidates: impl Iterator<Item = &'c str>,
        fallback_help: Option<&str>,
    ) -> ir::Expr {
        let candidates: Vec<&str> = candidates.filter(|c| !c.is_empty()).collect();
        let mut diagnostic = Diagnostic::new(
            code,
            // "unknown job `x`", or for an owned name "unknown output `x` of step `y`".
            match kind.split_once(" of ") {
                Some((what, owner)) => format!("unknown {what} `{name}` of {owner}"),
                None => format!("unknown {kind} `{name}`"),
            },
            span,
            "not defined",
        );
        let known = || {
            let shown: Vec<String> = candidates
                .iter()
                .take(8)
                .map(|c| format!("`{c}`"))
                .collect();
            let more = if candidates.len() > 8 { ", ..." } else { "" };
            format!("{}{more}", shown.join(", "))
        };
        diagnostic = match (closest(name, candidates.iter().copied()), fallback_help) {
            (Some(suggestion), _) => diagnostic.with_suggestion(span, suggestion),
            (None, Some(help)) if candidates.is_empty() => diagnostic.with_help(help),
            (None, Some(help)) => diagnostic.with_help(format!("{help} (known: {})", known())),
            (None, None) if candidates.is_empty() => diagnostic,
            (None, None) => diagnostic.with_help(format!("the known ones are {}", known())),
        };
        cx.report(diagnostic);
        invalid(span)
    }

    fn call(&self, cx: &mut Cx, function: &ast::Ident, args: &[ast::Expr], span: Span) -> ir::Expr {
        let status = match function.name.as_str() {
            "success" => Some(StatusFunction::Success),
            "failure" => Some(StatusFunction::Failure),
            "always" => Some(StatusFunction::Always),
            "cancelled" => Some(StatusFunction::Cancelled),
            _ => None,
        };
        if let Some(status) = status {
            if !args.is_empty() {
                cx.report(
                    Diagnostic::new(
                        Code::InvalidCall,
                        format!("`{}()` takes no arguments", function.name),
                        span,
                        "arguments given",
                    )
                    .with_help(format!("write `{}()`", function.name)),
                );
            }
            if !self.position.is_condition() {
                cx.report(
                    Diagnostic::new(
                        Code::ContextUnavailable,
                        format!("`{}()` can only be used in a condition", function.name),
                        span,
                        "not in a condition",
                    )
                    .with_help("status functions belong in `when: ...`"),
                );
                return invalid(span);
            }
            return ir::Expr {
                kind: ExprKind::Status(status),
                ty: Type::Bool,
                span,
            };
        }
        if function.name == "join" {
            return self.join(cx, args, span);
        }
        let function_kind = match function.name.as_str() {
            "contains" => Function::Contains,
            "startsWith" => Function::StartsWith,
            "endsWith" => Function::EndsWith,
            "matches" => Function::Matches,
            other => {
                let mut diagnostic = Diagnostic::new(
                    Code::InvalidCall,
                    format!("unknown function `{other}`"),
                    function.span,
                    "no such function",
                );
                diagnostic = if GITHUB_ONLY_FUNCTIONS.contains(&other) {
                    diagnostic.with_help(format!("`{other}` is a GitHub function: write the call as a raw expression in backticks, e.g. `{other}(...)`"))
                } else {
                    let known = [
                        "contains",
                        "startsWith",
                        "endsWith",
                        "matches",
                        "join",
                        "success",
                        "failure",
                        "always",
                        "cancelled",
                    ];
                    match closest(other, known) {
                        Some(s) => diagnostic.with_suggestion(function.span, s),
                        None => diagnostic.with_help("the functions are contains, startsWith, endsWith, matches, join, success, failure, always and cancelled"),
                    }
                };
                cx.report(diagnostic);
                return invalid(span);
            }
        };
        if args.len() != 2 {
            cx.report(
                Diagnostic::new(
                    Code::InvalidCall,
                    format!("`{}` takes 2 arguments, not {}", function.name, args.len()),
                    span,
                    "wrong number of arguments",
                )
                .with_help(format!(
                    "write `{}(text, {})`",
                    function.name,
                    if function_kind == Function::Matches {
                        "\"glob\""
                    } else {
                        "\"value\""
                    }
                )),
            );
            return invalid(span);
        }
        let lowered: Vec<ir::Expr> = args.iter().map(|a| self.lower(cx, a)).collect();
        let ok = match (function_kind, lowered.as_slice()) {
            (Function::Contains, [haystack, needle]) => {
                let haystack_ok = matches!(haystack.ty, Type::List(_)) || haystack.ty.is_textual();
                self.expect(cx, haystack, haystack_ok, "a list or text")
                    & self.expect_textual(cx, needle)
            }
            (Function::Matches, [text, pattern]) => {
                let text_ok = self.expect_textual(cx, text);
                text_ok & self.glob_pattern(cx, pattern)
            }
            (_, [a, b]) => self.expect_textual(cx, a) & self.expect_textual(cx, b),
            _ => false,
        };
        if !ok {
            return invalid(span);
        }
        ir::Expr {
            kind: ExprKind::Call {
                function: function_kind,
                args: lowered,
            },
            ty: Type::Bool,
            span,
        }
    }

    /// `join(list, "sep")`: the items as text, separated by `sep`. The list is one written
    /// in the pipeline (its items may be dynamic), so the result is plain interpolated text
    /// on every target.
    fn join(&self, cx: &mut Cx, args: &[ast::Expr], span: Span) -> ir::Expr {
        let [list, separator] = args else {
            cx.report(
                Diagnostic::new(
                    Code::InvalidCall,
                    format!("`join` takes 2 arguments, not {}", args.len()),
                    span,
                    "wrong number of arguments",
                )
                .with_help("write `join(list, \", \")`"),
            );
            return invalid(span);
        };
        let list = self.lower(cx, list);
        let separator = self.lower(cx, separator);
        let ExprKind::Literal(Literal::String(separator)) = separator.kind else {
            if !matches!(separator.kind, ExprKind::Invalid) {
                cx.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        "the separator of `join` must be a string literal",
                        separator.span,
                        "not a literal string",
                    )
                    .with_help("write the separator in quotes, e.g. `join(tags, \",\")`"),
                );
            }
            return invalid(span);
        };
        let items = match list.kind {
            ExprKind::List(items) => items,
            ExprKind::Invalid => return invalid(span),
            _ => {
                cx.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!("`join` needs a list, found a {}", list.ty.describe()),
                        list.span,
                        "not a list",
                    )
                    .with_help("pass a list such as `[\"a\", \"b\"]` or a list parameter"),
                );
                return invalid(span);
            }
        };
        let mut parts = Vec::new();
        for (index, item) in items.into_iter().enumerate() {
            if index > 0 {
                push_text(&mut parts, &separator);
            }
            self.interpolate(cx, &mut parts, item);
        }
        template_expr(Template { parts, span })
    }

    fn glob_pattern(&self, cx: &mut Cx, pattern: &ir::Expr) -> bool {
        let ExprKind::Literal(Literal::String(text)) = &pattern.kind else {
            cx.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    "the pattern of `matches` must be written out",
                    pattern.span,
                    "not a string literal",
                )
                .with_help("write the glob as a string, e.g. `matches(branch, \"release/**\")`"),
            );
            return false;
        };
        literals::glob(cx, text, pattern.span)
    }

    fn binary(
        &self,
        cx: &mut Cx,
        op: AstOp,
        op_span: Span,
        lhs: ir::Expr,
        rhs: ir::Expr,
        span: Span,
    ) -> ir::Expr {
        let ir_op = match op {
            AstOp::Or => BinaryOp::Or,
            AstOp::And => BinaryOp::And,
            AstOp::Eq => BinaryOp::Eq,
            AstOp::Ne => BinaryOp::Ne,
            AstOp::Lt => BinaryOp::Lt,
            AstOp::Le => BinaryOp::Le,
            AstOp::Gt => BinaryOp::Gt,
            AstOp::Ge => BinaryOp::Ge,
            AstOp::Concat => return concat(cx, op_span, lhs, rhs, span),
        };
        let ok = match ir_op {
            BinaryOp::Or | BinaryOp::And => {
                let what = format!("an operand of `{}`", ir_op.symbol());
                self.expect_bool(cx, &lhs, &what) & self.expect_bool(cx, &rhs, &what)
            }
            BinaryOp::Eq | BinaryOp::Ne => comparable(cx, ir_op, op_span, &lhs, &rhs),
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                ordered(cx, ir_op, op_span, &lhs, &rhs)
            }
        };
        if !ok {
            return invalid(span);
        }
        ir::Expr {
            kind: ExprKind::Binary {
                op: ir_op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            ty: Type::Bool,
            span,
        }
    }

    fn expect_bool(&self, cx: &mut Cx, expr: &ir::Expr, what: &str) -> bool {
        let ok = matches!(expr.ty, Type::Bool | Type::Unknown);
        if !ok {
            let shown = cx.slice(expr.span).to_string();
            let help = if expr.ty.is_textual() {
                format!("compare it with a value, e.g. `{shown} == \"true\"`")
            } else {
                "conditions are built from comparisons, functions such as `contains`, status functions and `&&`, `||`, `!`".to_string()
            };
            cx.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!("{what} must be a bool, not a {}", expr.ty.describe()),
                    expr.span,
                    format!("this is a {}", expr.ty.describe()),
                )
                .with_help(help),
            );
        }
        ok
    }

    fn expect_textual(&self, cx: &mut Cx, expr: &ir::Expr) -> bool {
        let ok = expr.ty.is_textual();
        self.expect(cx, expr, ok, "text")
    }

    fn expect(&self, cx: &mut Cx, expr: &ir::Expr, ok: bool, wanted: &str) -> bool {
        if !ok {
            cx.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!("expected {wanted}, found a {}", expr.ty.describe()),
                    expr.span,
                    format!("this is a {}", expr.ty.describe()),
                )
                .with_help(format!("pass {wanted} here")),
            );
        }
        ok
    }
}

/// The identifiers of a path `a.b.c`, or `None` when the base is not a name.
fn path_segments(expr: &ast::Expr) -> Option<Vec<&ast::Ident>> {
    match &expr.kind {
        ast::ExprKind::Name(ident) => Some(vec![ident]),
        ast::ExprKind::Member { base, name } => {
            let mut segments = path_segments(base)?;
            segments.push(name);
            Some(segments)
        }
        _ => None,
    }
}

fn last_span(rest: &[&ast::Ident], fallback: Span) -> Span {
    rest.last().map_or(fallback, |i| i.span)
}

pub(super) fn invalid(span: Span) -> ir::Expr {
    ir::Expr {
        kind: ExprKind::Invalid,
        ty: Type::Unknown,
        span,
    }
}

fn literal(literal: Literal, ty: Type, span: Span) -> ir::Expr {
    ir::Expr {
        kind: ExprKind::Literal(literal),
        ty,
        span,
    }
}

fn push_text(parts: &mut Vec<TemplatePart>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(TemplatePart::Text(last)) = parts.last_mut() {
        last.push_str(text);
    } else {
        parts.push(TemplatePart::Text(text.to_string()));
    }
}

/// A template as an expression: a plain string literal when nothing is interpolated.
pub(super) fn template_expr(template: Template) -> ir::Expr {
    let span = template.span;
    match template.as_plain() {
        Some(text) => literal(Literal::String(text), Type::String, span),
        None => ir::Expr {
            kind: ExprKind::Template(template),
            ty: Type::String,
            span,
        },
    }
}

fn common_type<'t>(mut types: impl Iterator<Item = &'t Type>) -> Type {
    let Some(first) = types.next() else {
        return Type::Unknown;
    };
    let textual = first.is_textual();
    let mut all_same = true;
    let mut all_textual = textual;
    for ty in types {
        all_same &= ty == first;
        all_textual &= ty.is_textual();
    }
    if all_same {
        first.clone()
    } else if all_textual {
        Type::String
    } else {
        Type::Unknown
    }
}

/// `+`: joins lists, or text. Constant operands are folded.
fn concat(cx: &mut Cx, op_span: Span, lhs: ir::Expr, rhs: ir::Expr, span: Span) -> ir::Expr {
    match (lhs.kind, rhs.kind) {
        (ExprKind::List(mut a), ExprKind::List(b)) => {
            a.extend(b);
            let ty = common_type(a.iter().map(|e| &e.ty));
            ir::Expr {
                kind: ExprKind::List(a),
                ty: Type::List(Box::new(ty)),
                span,
            }
        }
        (ExprKind::Invalid, _) | (_, ExprKind::Invalid) => invalid(span),
        (lk, rk)
            if lhs.ty.is_textual()
                && rhs.ty.is_textual()
                && !matches!(lk, ExprKind::List(_))
                && !matches!(rk, ExprKind::List(_)) =>
        {
            let mut parts = Vec::new();
            for (kind, ty, part_span) in [(lk, lhs.ty, lhs.span), (rk, rhs.ty, rhs.span)] {
                match kind {
                    ExprKind::Literal(lit) => push_text(&mut parts, &lit.to_text()),
                    ExprKind::Template(t) => {
                        for part in t.parts {
                            match part {
                                TemplatePart::Text(text) => push_text(&mut parts, &text),
                                TemplatePart::Expr(e) => parts.push(TemplatePart::Expr(e)),
                            }
                        }
                    }
                    other => parts.push(TemplatePart::Expr(ir::Expr {
                        kind: other,
                        ty,
                        span: part_span,
                    })),
                }
            }
            template_expr(Template { parts, span })
        }
        _ => {
            cx.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!(
                        "`+` joins two lists or two strings, not a {} and a {}",
                        lhs.ty.describe(),
                        rhs.ty.describe()
                    ),
                    op_span,
                    "cannot join these",
                )
                .with_label(lhs.span, format!("a {}", lhs.ty.describe()))
                .with_label(rhs.span, format!("a {}", rhs.ty.describe()))
                .with_help("make both sides lists (`[x]`) or both strings"),
            );
            invalid(span)
        }
    }
}

/// `==` and `!=`: the two sides must be able to be equal.
fn comparable(cx: &mut Cx, op: BinaryOp, op_span: Span, lhs: &ir::Expr, rhs: &ir::Expr) -> bool {
    let (l, r) = (&lhs.ty, &rhs.ty);
    if matches!(l, Type::Unknown) || matches!(r, Type::Unknown) {
        return true;
    }
    // A value of a known set compared with a literal outside it.
    for (side, other) in [(lhs, rhs), (rhs, lhs)] {
        if let (Type::Enum(values), ExprKind::Literal(Literal::String(text))) =
            (&side.ty, &other.kind)
        {
            if values.iter().any(|v| v == text) {
                return true;
            }
            let subject = cx.slice(side.span).to_string();
            let mut diagnostic = Diagnostic::new(
                Code::MismatchedComparison,
                format!("`{subject}` is never \"{text}\""),
                other.span,
                format!("not one of the values of `{subject}`"),
            )
            .with_label(side.span, format!("this is {}", side.ty.describe()));
            diagnostic = match closest(text, values.iter().map(String::as_str)) {
                Some(suggestion) => {
                    let fix = cx.rewrite_literal(other.span, text, suggestion);
                    diagnostic
                        .with_help(format!("did you mean \"{suggestion}\"?"))
                        .with_fixes(fix)
                }
                None => diagnostic.with_help(format!("`{subject}` is {}", side.ty.describe())),
            };
            cx.report(diagnostic);
            return false;
        }
    }
    let same_kind = match (l, r) {
        (a, b) if a.is_textual() && b.is_textual() => true,
        (Type::Bool, Type::Bool)
        | (Type::Number, Type::Number)
        | (Type::Duration, Type::Duration)
        | (Type::Percent, Type::Percent) => true,
        (Type::List(_), Type::List(_)) => true,
        _ => false,
    };
    if same_kind {
        return true;
    }
    let mut diagnostic = Diagnostic::new(
        Code::MismatchedComparison,
        format!(
            "`{}` compares a {} with a {}",
            op.symbol(),
            l.describe(),
            r.describe()
        ),
        op_span,
        "these can never be equal",
    )
    .with_label(lhs.span, format!("a {}", l.describe()))
    .with_label(rhs.span, format!("a {}", r.describe()));
    let bool_as_text =
        [(lhs, rhs), (rhs, lhs)]
            .into_iter()
            .find_map(|(b, t)| match (&b.ty, &t.kind) {
                (Type::Bool, ExprKind::Literal(Literal::String(s)))
                    if s == "true" || s == "false" =>
                {
                    Some(s.clone())
                }
                _ => None,
            });
    diagnostic = match bool_as_text {
        Some(word) => diagnostic.with_help(format!("this value is a bool: compare with `{word}` without quotes, or use it directly as the condition")),
        None => diagnostic.with_help("compare values of the same type"),
    };
    cx.report(diagnostic);
    false
}

/// `<`, `<=`, `>`, `>=`: numbers, durations or percentages of one kind.
fn ordered(cx: &mut Cx, op: BinaryOp, op_span: Span, lhs: &ir::Expr, rhs: &ir::Expr) -> bool {
    let orderable = |t: &Type| {
        matches!(
            t,
            Type::Number | Type::Duration | Type::Percent | Type::Unknown
        )
    };
    let ok = orderable(&lhs.ty)
        && orderable(&rhs.ty)
        && (lhs.ty == rhs.ty || matches!(lhs.ty, Type::Unknown) || matches!(rhs.ty, Type::Unknown));
    if !ok {
        cx.report(
            Diagnostic::new(
                Code::MismatchedComparison,
                format!(
                    "`{}` needs two numbers, durations or percentages",
                    op.symbol()
                ),
                op_span,
                format!("a {} and a {}", lhs.ty.describe(), rhs.ty.describe()),
            )
            .with_help("only values of the same numeric kind can be ordered"),
        );
    }
    ok
}

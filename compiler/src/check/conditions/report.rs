//! The diagnostics of condition analysis: what the user reads. Conditions are quoted from
//! the source; every condition taking part in a conflict gets a label, and so do the
//! triggers when they take part.

use super::lower::render;
use crate::diagnostics::{self, Code, Diagnostic};
use crate::ir::{self, BinaryOp, Expr, ExprKind, Filter, Function, Literal, Trigger, TriggerKind};
use crate::source::SourceDb;
use crate::span::Span;

/// What, besides the condition reported, makes it impossible.
pub(super) struct Conflict<'a> {
    /// The triggers take part.
    pub(super) triggers: bool,
    /// Upstream jobs whose conditions take part, each with the jobs in between.
    pub(super) upstream: Vec<(&'a ir::Job, Vec<&'a str>)>,
}

/// What else takes part in a step's conflict.
pub(super) struct StepConflict {
    /// The condition of the step's job.
    pub(super) job_condition: bool,
    /// The job's matrix combinations.
    pub(super) matrix: bool,
}

const UPSTREAM_HELP: &str = "a job is skipped when a job it needs is skipped; make the conditions agree, or use `always()` with an explicit result check if this job must run anyway";

/// How long a quoted condition may be before it is shortened.
const QUOTE_LIMIT: usize = 60;

pub(super) fn unreachable_job(
    db: &SourceDb,
    pipeline: &ir::Pipeline,
    job: &ir::Job,
    own_in_core: bool,
    conflict: &Conflict<'_>,
) -> Diagnostic {
    let message = format!("job `{}` can never run", job.id);
    let condition = job.condition.as_ref().filter(|_| own_in_core);
    let mut diagnostic = match condition {
        Some(condition) => Diagnostic::new(
            Code::UnreachableJob,
            message,
            condition.span,
            format!("runs only when {}", quote(db, condition)),
        ),
        None => {
            // No condition of its own: jobs it needs never run together.
            // The first of its needs, as written, that leads to a conflicting condition.
            let first_hops: Vec<&str> = conflict
                .upstream
                .iter()
                .map(|(provider, via)| via.first().copied().unwrap_or(provider.id.as_str()))
                .collect();
            let span = job
                .needs
                .iter()
                .find(|need| first_hops.contains(&need.name.as_str()))
                .map_or(job.span, |need| need.span);
            Diagnostic::new(
                Code::UnreachableJob,
                message,
                span,
                "needs jobs that never run together",
            )
        }
    };
    diagnostic = with_conflict_labels(diagnostic, db, pipeline, conflict);
    let general = if !conflict.upstream.is_empty() {
        UPSTREAM_HELP
    } else if conflict.triggers {
        "the condition can never hold on the events this pipeline runs on; change the condition or add a trigger"
    } else {
        "the condition contradicts itself; change it so that it can hold"
    };
    let hints = condition
        .map(|c| value_hints(c, pipeline, job))
        .unwrap_or_default();
    with_pull_request_note(
        finish(diagnostic, general, hints),
        pipeline,
        condition,
        conflict,
    )
}

pub(super) fn unreachable_step(
    db: &SourceDb,
    pipeline: &ir::Pipeline,
    job: &ir::Job,
    step: &ir::Step,
    name: &str,
    conflict: &Conflict<'_>,
    step_conflict: &StepConflict,
) -> Diagnostic {
    let message = format!("{name} of job `{}` can never run", job.id);
    let span = step.condition.as_ref().map_or(step.span, |c| c.span);
    let label = step
        .condition
        .as_ref()
        .map_or_else(String::new, |c| format!("runs only when {}", quote(db, c)));
    let mut diagnostic = Diagnostic::new(Code::UnreachableStep, message, span, label);
    if step_conflict.job_condition
        && let Some(condition) = &job.condition
    {
        diagnostic = diagnostic.with_label(
            condition.span,
            format!("the job runs only when {}", quote(db, condition)),
        );
    }
    diagnostic = with_conflict_labels(diagnostic, db, pipeline, conflict);
    let hints = step
        .condition
        .as_ref()
        .map(|c| value_hints(c, pipeline, job))
        .unwrap_or_default();
    if step_conflict.matrix
        && hints.is_empty()
        && let Some(matrix) = &job.matrix
    {
        diagnostic = diagnostic.with_label(
            matrix.span,
            "no combination of the matrix satisfies the condition",
        );
    }
    let general = if step_conflict.matrix {
        "the condition holds for no combination of the job's matrix; fix the value, or remove the step"
    } else if step_conflict.job_condition || !conflict.upstream.is_empty() {
        "a step runs only when its job runs; make the step's condition agree with the job's and with the jobs it needs"
    } else if conflict.triggers {
        "the condition can never hold on the events this pipeline runs on; change the condition or add a trigger"
    } else {
        "the condition contradicts itself; change it so that it can hold"
    };
    with_pull_request_note(
        finish(diagnostic, general, hints),
        pipeline,
        step.condition.as_ref(),
        conflict,
    )
}

pub(super) fn constant_condition(
    subject: &str,
    condition: &Expr,
    value: bool,
    kind: &str,
) -> Diagnostic {
    let message = format!("the condition of {subject} is always {value}");
    let diagnostic = Diagnostic::new(
        Code::ConstantCondition,
        message,
        condition.span,
        format!("this is always `{value}`"),
    );
    if value {
        diagnostic.with_help("remove the condition; it changes nothing")
    } else {
        diagnostic.with_help(format!(
            "remove the {kind}, or give it a condition that can hold"
        ))
    }
}

/// How messages name a step: by id, by its name when that is plain text, or by position (`step 2`, `failure step 1`).
pub(super) fn step_name(step: &ir::Step, ordinal: usize, failure_handler: bool) -> String {
    match (
        &step.id,
        step.name.as_ref().and_then(ir::Template::as_plain),
    ) {
        (Some(id), _) => format!("step `{id}`"),
        (None, Some(name)) => format!("step `{name}`"),
        (None, None) if failure_handler => format!("failure step {ordinal}"),
        (None, None) => format!("step {ordinal}"),
    }
}

fn with_conflict_labels(
    mut diagnostic: Diagnostic,
    db: &SourceDb,
    pipeline: &ir::Pipeline,
    conflict: &Conflict<'_>,
) -> Diagnostic {
    for (provider, via) in &conflict.upstream {
        let Some(condition) = &provider.condition else {
            continue;
        };
        let through = match via.as_slice() {
            [] => String::new(),
            [first, .., last] if via.len() > 3 => {
                format!(" (through {} jobs, `{first}` to `{last}`)", via.len())
            }
            _ => format!(
                " (through {})",
                via.iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        diagnostic = diagnostic.with_label(
            condition.span,
            format!(
                "needs `{}`{through}, which runs only when {}",
                provider.id,
                quote(db, condition)
            ),
        );
    }
    if conflict.triggers {
        let only = pipeline.triggers.len() == 1;
        for trigger in &pipeline.triggers {
            let text = if only {
                "the pipeline only runs on"
            } else {
                "the pipeline runs on"
            };
            diagnostic = diagnostic.with_label(
                first_line(db, trigger.span),
                format!("{text} {}", describe_trigger(trigger)),
            );
        }
    }
    diagnostic
}

/// A note for the most common trigger conflict: `branch` read on a pull request, where it
/// is empty.
fn with_pull_request_note(
    diagnostic: Diagnostic,
    pipeline: &ir::Pipeline,
    condition: Option<&Expr>,
    conflict: &Conflict<'_>,
) -> Diagnostic {
    let on_pull_requests = pipeline
        .triggers
        .iter()
        .any(|t| matches!(t.kind, TriggerKind::PullRequest { target: false, .. }));
    let mut reads_branch = false;
    if let Some(condition) = condition {
        condition.walk(&mut |e| {
            reads_branch |= matches!(e.kind, ExprKind::Context(ir::Context::Branch));
        });
    }
    if conflict.triggers && on_pull_requests && reads_branch {
        diagnostic.with_note(
            "on `pull_request`, `branch` is \"\"; the branch a pull request targets is `base_branch`",
        )
    } else {
        diagnostic
    }
}

/// The first line of a span (`on workflow_dispatch` of a block listing inputs), so that a
/// label points at a declaration's head rather than at all of it.
fn first_line(db: &SourceDb, span: Span) -> Span {
    let text = db.slice(span);
    match text.find('\n') {
        Some(end) => {
            let head = text
                .get(..end)
                .unwrap_or("")
                .trim_end()
                .trim_end_matches('{')
                .trim_end();
            let start = span.start as usize;
            Span::new(span.file, start..start + head.len())
        }
        None => span,
    }
}

/// The help: value hints when there are some (the likely fix), with the general advice as
/// a note; the general advice otherwise.
fn finish(mut diagnostic: Diagnostic, general: &str, hints: Vec<ValueHint>) -> Diagnostic {
    if hints.is_empty() {
        return diagnostic.with_help(general);
    }
    let helps: Vec<&str> = hints.iter().map(|hint| hint.help.as_str()).collect();
    let help = helps.join("; ");
    for hint in hints {
        diagnostic = diagnostic.with_label(hint.declaration, hint.label);
    }
    diagnostic.with_help(help).with_note(general)
}

/// The source text of a condition in backticks, on one line and shortened when long.
fn quote(db: &SourceDb, expr: &Expr) -> String {
    let source = db.slice(expr.span);
    let text = if source.is_empty() {
        render(expr)
    } else {
        source.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    if text.chars().count() <= QUOTE_LIMIT {
        format!("`{text}`")
    } else {
        let short: String = text.chars().take(QUOTE_LIMIT - 1).collect();
        format!("`{short}…`")
    }
}

fn describe_trigger(trigger: &Trigger) -> String {
    let event = format!("`{}`", trigger.event());
    match &trigger.kind {
        TriggerKind::Push { branches, tags, .. } => {
            let mut refs = Vec::new();
            if let Some(filter) = branches {
                refs.push(format!("branches {}", describe_filter(filter)));
            }
            if let Some(filter) = tags {
                refs.push(format!("tags {}", describe_filter(filter)));
            }
            if refs.is_empty() {
                event
            } else {
                format!("{event} to {}", refs.join(" or "))
            }
        }
        TriggerKind::PullRequest {
            branches: Some(filter),
            ..
        } => format!("{event} into {}", describe_filter(filter)),
        _ => event,
    }
}

fn describe_filter(filter: &Filter) -> String {
    let list = |patterns: &[String]| {
        patterns
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match filter {
        Filter::Only(patterns) => list(patterns),
        Filter::Ignore(patterns) => format!("other than {}", list(patterns)),
    }
}

/// A comparison with a value the variable never takes (a matrix value or a choice option
/// that does not exist), usually a typo.
struct ValueHint {
    help: String,
    /// Where the values are declared.
    declaration: Span,
    label: String,
}

fn value_hints(condition: &Expr, pipeline: &ir::Pipeline, job: &ir::Job) -> Vec<ValueHint> {
    let mut compared: Vec<(&Expr, &str)> = Vec::new();
    condition.walk(&mut |e| match &e.kind {
        ExprKind::Binary {
            op: BinaryOp::Eq | BinaryOp::Ne,
            lhs,
            rhs,
        } => match (&lhs.kind, &rhs.kind) {
            (_, ExprKind::Literal(Literal::String(value))) => compared.push((lhs, value)),
            (ExprKind::Literal(Literal::String(value)), _) => compared.push((rhs, value)),
            _ => {}
        },
        ExprKind::Call {
            function: Function::Contains,
            args,
        } => {
            if let [ExprKind::List(items), _] =
                args.iter().map(|a| &a.kind).collect::<Vec<_>>().as_slice()
                && let Some(variable) = args.get(1)
            {
                for item in items {
                    if let ExprKind::Literal(Literal::String(value)) = &item.kind {
                        compared.push((variable, value));
                    }
                }
            }
        }
        _ => {}
    });
    let mut hints: Vec<ValueHint> = Vec::new();
    for (variable, value) in compared {
        let Some(domain) = domain(variable, pipeline, job) else {
            continue;
        };
        // An optional input may be empty; that is no typo.
        if value.is_empty() || domain.values.iter().any(|v| v == value) {
            continue;
        }
        let shown = show_values(&domain.values);
        let help = match diagnostics::closest(value, domain.values.iter().map(String::as_str)) {
            Some(close) => format!(
                "`{}` is never \"{value}\"; did you mean \"{close}\"?",
                domain.name
            ),
            None => format!(
                "`{}` is never \"{value}\"; it is one of {shown}",
                domain.name
            ),
        };
        if hints.iter().any(|h| h.help == help) {
            continue;
        }
        hints.push(ValueHint {
            help,
            declaration: domain.declaration,
            label: format!("`{}` is one of {shown}", domain.name),
        });
    }
    hints
}

/// The values a variable takes, when the pipeline lists them all.
struct Domain {
    name: String,
    values: Vec<String>,
    declaration: Span,
}

fn domain(variable: &Expr, pipeline: &ir::Pipeline, job: &ir::Job) -> Option<Domain> {
    match &variable.kind {
        ExprKind::Matrix(key) => {
            let matrix = job.matrix.as_ref()?;
            let mut values: Vec<String> = Vec::new();
            for combination in matrix.combinations() {
                for (k, value) in combination {
                    if &k != key {
                        continue;
                    }
                    // Numbers and booleans compare by value, not text; no hint for them.
                    let Literal::String(text) = value else {
                        return None;
                    };
                    if !values.contains(&text) {
                        values.push(text);
                    }
                }
            }
            let declaration = matrix
                .axes
                .iter()
                .find(|axis| &axis.name == key)
                .map_or(matrix.span, |axis| axis.span);
            (!values.is_empty()).then(|| Domain {
                name: format!("matrix.{key}"),
                values,
                declaration,
            })
        }
        ExprKind::Input(name) => pipeline.inputs().find_map(|input| match &input.ty {
            ir::InputType::Choice(options) if &input.name == name => Some(Domain {
                name: format!("inputs.{name}"),
                values: options.clone(),
                declaration: input.span,
            }),
            _ => None,
        }),
        _ => None,
    }
}

fn show_values(values: &[String]) -> String {
    let shown: Vec<String> = values.iter().take(6).map(|v| format!("\"{v}\"")).collect();
    let more = if values.len() > 6 { ", ..." } else { "" };
    format!("{}{more}", shown.join(", "))
}

//! Tekton Pipelines v1: per pipeline a `Pipeline`, one `Task` per job and a `PipelineRun`.
//!
//! | plan | Tekton |
//! |---|---|
//! | job | `Task <pipeline>-<job>` (steps in one pod, sharing `/workspace`) and a pipeline task |
//! | needs | `runAfter`; conditions of upstream jobs are and-ed into `when` (a skipped task does not skip its dependants in Tekton) |
//! | condition on values | `when` `in`/`notin` entries; other conditions CEL with `--tekton-cel`, else E0701 |
//! | failure handler (`failure()`, `always()`) | a `finally` task, `when` on `$(tasks.<t>.status)` / `$(tasks.status)` |
//! | matrix | `matrix.params` (a plain product) or `matrix.include` (every combination) |
//! | outputs | Task `results`, read as `$(tasks.<t>.results.<r>)` |
//! | services | Task `sidecars` with a readiness probe from `--health-cmd` |
//! | timeout | pipeline task `timeout` (GitHub's 6 h by default); the run has no overall limit |
//! | approval | E0701: core Tekton has no approval |

use pipec_compiler::ir::{BinaryOp, Function, StatusFunction, Type};
use pipec_compiler::{Code, Diagnostic, Span};

use super::Options;
use super::render;
use crate::GeneratedFile;
use crate::plan::names;
use crate::plan::{
    Cond, Container, HealthCheck, JobPlan, Operand, Piece, Plan, Ref, SOURCE_DIR, Val,
};
use crate::yaml::{Map, Node};

/// Tekton's limit on the combinations of one matrix.
const MAX_COMBINATIONS: usize = 256;

pub(crate) fn render(
    plan: &Plan,
    options: &Options,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<GeneratedFile> {
    let mut renderer = Renderer {
        plan,
        cel: options.tekton_cel,
        diagnostics,
    };
    renderer.check();
    let pipeline = renderer.pipeline();
    let mut files = vec![render::file(plan, "pipeline.yaml", &pipeline, &[])];
    for job in &plan.jobs {
        let task = renderer.task(job);
        files.push(render::file(
            plan,
            &format!("task-{}.yaml", job.name),
            &task,
            &[],
        ));
    }
    let run = renderer.pipeline_run();
    files.push(render::file(
        plan,
        "run/pipelinerun.yaml",
        &run,
        &[render::RUN_NOTE],
    ));
    files
}

struct Renderer<'a, 'p> {
    plan: &'a Plan<'p>,
    cel: bool,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Renderer<'_, '_> {
    fn unsupported(&mut self, span: Span, what: &str, label: &str, help: &str) {
        self.diagnostics.push(
            Diagnostic::new(
                Code::UnsupportedByTarget,
                format!("the tekton target cannot express {what}"),
                span,
                label,
            )
            .with_help(help),
        );
    }

    fn task_name(&self, job: &JobPlan) -> String {
        names::joined(&[&self.plan.name, &job.name])
    }

    /// What only Tekton cannot express.
    fn check(&mut self) {
        let plan = self.plan;
        for job in &plan.jobs {
            if job.approval {
                self.unsupported(
                    job.job.environment.as_ref().map_or(job.job.span, |e| e.span),
                    &format!("the approval job `{}` needs before it deploys", job.job.id),
                    "this environment has reviewers",
                    "core Tekton has no manual approval: use the argo target (a suspend step), a Tekton approval task (openshift-pipelines manual-approval-gate) added by hand, or an environment without reviewers",
                );
            }
            if let Some(matrix) = &job.matrix {
                if matrix.rows.len() > MAX_COMBINATIONS {
                    self.unsupported(
                        matrix.span,
                        &format!("a matrix of {} combinations", matrix.rows.len()),
                        "this matrix",
                        "Tekton runs at most 256 combinations of one matrix: split the job",
                    );
                }
                if matrix.max_parallel.is_some() || matrix.fail_fast.is_some() {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::ApproximatedByTarget,
                            "on the tekton target, a matrix's `max_parallel` and `fail_fast` are left out",
                            matrix.span,
                            "every combination runs at once, and one failure does not cancel the others",
                        )
                        .with_help("limit parallel TaskRuns with the cluster's resource quotas if it matters"),
                    );
                }
            }
            for need in &job.needs {
                let Some(upstream) = plan.jobs.get(*need) else {
                    continue;
                };
                if upstream.handler.is_none() {
                    continue;
                }
                if job.handler.is_some() {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::ApproximatedByTarget,
                            format!(
                                "on the tekton target, `{}` runs at the same time as `{}`, not after it",
                                job.job.id, upstream.job.id
                            ),
                            job.job.span,
                            "both are `finally` tasks, which Tekton runs in parallel",
                        )
                        .with_help("merge the two jobs if the order matters"),
                    );
                } else {
                    self.unsupported(
                        job.job.span,
                        &format!(
                            "job `{}` needing the failure handler `{}`",
                            job.job.id, upstream.job.id
                        ),
                        "this job needs a job that runs on failure",
                        "a failure handler is a `finally` task, which no task can run after: merge the two jobs, or make this one a handler too",
                    );
                }
            }
        }
    }

    fn pipeline(&mut self) -> Map {
        let plan = self.plan;
        let mut spec = Map::new();
        spec.insert("description", plan.pipeline.name.as_str());
        if !plan.params.is_empty() {
            let params: Vec<Node> = plan
                .params
                .iter()
                .map(|param| {
                    let mut entry = Map::new();
                    entry.insert("name", param.name.as_str());
                    entry.insert("type", "string");
                    entry.insert("description", param.description.as_str());
                    entry.insert_some("default", param.default.as_deref());
                    Node::Map(entry)
                })
                .collect();
            spec.insert("params", params);
        }
        let mut tasks = Vec::new();
        let mut finally = Vec::new();
        for (index, job) in plan.jobs.iter().enumerate() {
            let task = self.pipeline_task(index, job);
            if job.handler.is_some() {
                finally.push(Node::Map(task));
            } else {
                tasks.push(Node::Map(task));
            }
        }
        spec.insert_separated("tasks", tasks);
        if !finally.is_empty() {
            spec.insert_separated("finally", finally);
        }
        let mut root = Map::new();
        root.insert("apiVersion", "tekton.dev/v1");
        root.insert("kind", "Pipeline");
        root.insert("metadata", render::metadata(plan, "name", &plan.name));
        root.insert_separated("spec", spec);
        root
    }

    fn pipeline_task(&mut self, index: usize, job: &JobPlan) -> Map {
        let plan = self.plan;
        let mut task = Map::new();
        task.insert("name", job.name.as_str());
        let mut reference = Map::new();
        reference.insert("name", self.task_name(job));
        task.insert("taskRef", reference);
        if job.handler.is_none() && !job.needs.is_empty() {
            let after: Vec<Node> = job
                .needs
                .iter()
                .filter_map(|n| plan.jobs.get(*n))
                .map(|j| Node::from(j.name.as_str()))
                .collect();
            task.insert("runAfter", after);
        }
        let when = self.when(index, job);
        if !when.is_empty() {
            task.insert("when", when);
        }
        let params: Vec<Node> = job
            .refs
            .iter()
            .filter(|r| !matches!(r, Ref::Matrix(_)))
            .map(|reference| {
                let mut param = Map::new();
                param.insert("name", reference.job_param(plan));
                param.insert("value", self.pipeline_ref(reference));
                Node::Map(param)
            })
            .collect();
        if !params.is_empty() {
            task.insert("params", params);
        }
        if let Some(matrix) = &job.matrix {
            let mut spec = Map::new();
            match &matrix.product {
                Some(axes) => {
                    let params: Vec<Node> = axes
                        .iter()
                        .map(|(key, values)| {
                            let mut param = Map::new();
                            param.insert("name", Ref::Matrix(key.clone()).job_param(plan));
                            param.insert(
                                "value",
                                values
                                    .iter()
                                    .map(|v| Node::from(v.as_str()))
                                    .collect::<Vec<_>>(),
                            );
                            Node::Map(param)
                        })
                        .collect();
                    spec.insert("params", params);
                }
                None => {
                    let include: Vec<Node> = matrix
                        .rows
                        .iter()
                        .enumerate()
                        .map(|(row_index, row)| {
                            let mut entry = Map::new();
                            entry.insert("name", format!("combination-{}", row_index + 1));
                            let params: Vec<Node> = matrix
                                .keys
                                .iter()
                                .map(|key| {
                                    let value = row
                                        .iter()
                                        .find(|(k, _)| k == key)
                                        .map_or("", |(_, v)| v.as_str());
                                    let mut param = Map::new();
                                    param.insert("name", Ref::Matrix(key.clone()).job_param(plan));
                                    param.insert("value", value);
                                    Node::Map(param)
                                })
                                .collect();
                            entry.insert("params", params);
                            Node::Map(entry)
                        })
                        .collect();
                    spec.insert("include", include);
                }
            }
            task.insert("matrix", spec);
        }
        task.insert("timeout", duration(job.timeout));
        task
    }

    /// A reference as the Pipeline passes it to a task.
    fn pipeline_ref(&self, reference: &Ref) -> String {
        match reference {
            Ref::Param(name) => format!("$(params.{name})"),
            Ref::Matrix(key) => format!(
                "$(params.{})",
                Ref::Matrix(key.clone()).job_param(self.plan)
            ),
            Ref::JobOutput { job, output } => {
                let job = self.plan.jobs.get(*job).map_or("", |j| j.name.as_str());
                format!("$(tasks.{job}.results.{output})")
            }
            Ref::RunUid => "$(context.pipelineRun.uid)".into(),
        }
    }

    fn pipeline_text(&self, pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.clone(),
                Piece::Ref(reference) => self.pipeline_ref(reference),
                Piece::Var(name) => render::dependent_var(name),
            })
            .collect()
    }

    /// The job's own value conditions, those of every job upstream it depends on for
    /// success (so a skipped job skips its dependants), and a handler's status test.
    fn when(&mut self, index: usize, job: &JobPlan) -> Vec<Node> {
        let plan = self.plan;
        let mut conditions: Vec<&Cond> = Vec::new();
        let mut visited = vec![index];
        let mut stack: Vec<usize> = vec![index];
        while let Some(current) = stack.pop() {
            let Some(current_job) = plan.jobs.get(current) else {
                continue;
            };
            for condition in &current_job.when {
                if !conditions.contains(&condition) {
                    conditions.push(condition);
                }
            }
            // A handler's upstream jobs may have been skipped or failed: it does not
            // inherit their conditions.
            if current_job.handler.is_some() {
                continue;
            }
            for need in &current_job.needs {
                if !visited.contains(need) {
                    visited.push(*need);
                    stack.push(*need);
                }
            }
        }
        let span = job.job.condition.as_ref().map_or(job.job.span, |c| c.span);
        let mut entries = Vec::new();
        let mut cel = Vec::new();
        for condition in conditions {
            match self.entries(condition) {
                Some(mut more) => entries.append(&mut more),
                None => cel.push(self.cel(condition)),
            }
        }
        if let Some(status) = &job.handler {
            match self.status_entries(job, status) {
                Some(mut more) => entries.append(&mut more),
                None => cel.push(self.status_cel(job, status)),
            }
        }
        if !cel.is_empty() && !self.cel {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::UnsupportedByTarget,
                    format!(
                        "the tekton target cannot express the condition of job `{}` without CEL",
                        job.job.id
                    ),
                    span,
                    "Tekton `when` only tests whether a value is in a list of values",
                )
                .with_help("pass `--tekton-cel` (the cluster needs the `enable-cel-in-whenexpression` feature flag), or write the condition as `==`/`!=` comparisons joined by `&&`"),
            );
        }
        if self.cel && cel.iter().any(|expression| expression.contains("$(")) {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::ApproximatedByTarget,
                    format!(
                        "on the tekton target, the CEL condition of job `{}` has the run's values substituted into its text",
                        job.job.id
                    ),
                    span,
                    "a value with a quote (a branch named `x'=='x'||'a`) can change what this condition means",
                )
                .with_help("only start runs of this pipeline with trusted values, or write the condition as `==`/`!=` comparisons joined by `&&` (compared, never evaluated)"),
            );
        }
        for expression in cel {
            let mut entry = Map::new();
            entry.insert("cel", expression);
            entries.push(Node::Map(entry));
        }
        entries
    }

    /// A condition as `input`/`operator`/`values` entries, when it is one.
    fn entries(&self, cond: &Cond) -> Option<Vec<Node>> {
        match cond {
            Cond::Const(true) => Some(Vec::new()),
            Cond::Const(false) => Some(vec![entry("false", "in", &["true".into()])]),
            Cond::And(items) => {
                let mut all = Vec::new();
                for item in items {
                    all.append(&mut self.entries(item)?);
                }
                Some(all)
            }
            _ => {
                let (input, operator, values) = self.membership(cond)?;
                Some(vec![entry(&input, operator, &values)])
            }
        }
    }

    /// `x == a`, `x != a`, `x == a || x == b`, `contains(["a", "b"], x)`, a bool, and their
    /// negations: one subject and a list of literal values.
    fn membership(&self, cond: &Cond) -> Option<(String, &'static str, Vec<String>)> {
        match cond {
            Cond::Compare {
                op: op @ (BinaryOp::Eq | BinaryOp::Ne),
                lhs,
                rhs,
            } => {
                let (subject, value) = match (lhs.literal(), rhs.literal()) {
                    (None, Some(value)) => (lhs, value),
                    (Some(value), None) => (rhs, value),
                    _ => return None,
                };
                let operator = if *op == BinaryOp::Eq { "in" } else { "notin" };
                Some((self.subject(subject)?, operator, vec![value]))
            }
            Cond::Truthy(operand @ Operand::Value { ty: Type::Bool, .. }) => {
                Some((self.subject(operand)?, "in", vec!["true".into()]))
            }
            Cond::Call {
                function: Function::Contains,
                args,
            } => match args.as_slice() {
                [Operand::List(items), subject] => {
                    let values: Option<Vec<String>> = items.iter().map(Operand::literal).collect();
                    Some((self.subject(subject)?, "in", values?))
                }
                _ => None,
            },
            Cond::Or(items) => {
                let mut subject = None;
                let mut values = Vec::new();
                for item in items {
                    let (input, operator, mut more) = self.membership(item)?;
                    if operator != "in" || subject.as_ref().is_some_and(|s| s != &input) {
                        return None;
                    }
                    subject = Some(input);
                    values.append(&mut more);
                }
                Some((subject?, "in", values))
            }
            Cond::Not(inner) => {
                let (input, operator, values) = self.membership(inner)?;
                let flipped = if operator == "in" { "notin" } else { "in" };
                Some((input, flipped, values))
            }
            _ => None,
        }
    }

    fn subject(&self, operand: &Operand) -> Option<String> {
        match operand {
            Operand::Value {
                val: Val::Pieces(pieces),
                ..
            } => Some(self.pipeline_text(pieces)),
            _ => None,
        }
    }

    fn cel(&self, cond: &Cond) -> String {
        match cond {
            Cond::Const(b) => b.to_string(),
            Cond::And(items) | Cond::Or(items) => {
                let joiner = if matches!(cond, Cond::And(_)) {
                    " && "
                } else {
                    " || "
                };
                let parts: Vec<String> =
                    items.iter().map(|i| format!("({})", self.cel(i))).collect();
                parts.join(joiner)
            }
            Cond::Not(inner) => format!("!({})", self.cel(inner)),
            Cond::Compare { op, lhs, rhs } => match op {
                BinaryOp::Eq | BinaryOp::Ne => {
                    format!(
                        "{} {} {}",
                        self.cel_operand(lhs),
                        op.symbol(),
                        self.cel_operand(rhs)
                    )
                }
                _ => format!(
                    "double({}) {} double({})",
                    self.cel_operand(lhs),
                    op.symbol(),
                    self.cel_operand(rhs)
                ),
            },
            Cond::Truthy(operand @ Operand::Value { ty: Type::Bool, .. }) => {
                format!("{} == 'true'", self.cel_operand(operand))
            }
            Cond::Truthy(operand) => format!("{} != ''", self.cel_operand(operand)),
            Cond::Call { function, args } => match (function, args.as_slice()) {
                (Function::Contains, [Operand::List(items), needle]) => {
                    let items: Vec<String> = items.iter().map(|i| self.cel_operand(i)).collect();
                    format!("{} in [{}]", self.cel_operand(needle), items.join(", "))
                }
                (Function::Matches, [subject, pattern]) => {
                    let glob = pattern.literal().unwrap_or_default();
                    format!(
                        "{}.matches({})",
                        self.cel_operand(subject),
                        render::quoted(&glob_regex(&glob))
                    )
                }
                // CEL's string methods are named like the functions: `a.startsWith(b)`.
                (function, [a, b]) => format!(
                    "{}.{}({})",
                    self.cel_operand(a),
                    function.name(),
                    self.cel_operand(b)
                ),
                _ => "false".into(),
            },
            Cond::Status(_) => "true".into(),
        }
    }

    fn cel_operand(&self, operand: &Operand) -> String {
        match operand {
            Operand::Value {
                val: Val::Pieces(pieces),
                ..
            } => render::quoted(&self.pipeline_text(pieces)),
            _ => "''".into(),
        }
    }

    /// The tasks whose status a handler's `success()` and `failure()` are about.
    fn upstream(&self, job: &JobPlan) -> Vec<String> {
        job.ancestors
            .iter()
            .filter_map(|a| self.plan.jobs.get(*a))
            .filter(|j| j.handler.is_none())
            .map(|j| j.name.clone())
            .collect()
    }

    fn covers_every_task(&self, upstream: &[String]) -> bool {
        let tasks = self
            .plan
            .jobs
            .iter()
            .filter(|j| j.handler.is_none())
            .count();
        upstream.len() == tasks
    }

    /// A handler's status test as entries, when it is a conjunction Tekton can state.
    fn status_entries(&self, job: &JobPlan, status: &Cond) -> Option<Vec<Node>> {
        let upstream = self.upstream(job);
        match status {
            Cond::Const(true) => Some(Vec::new()),
            Cond::Status(StatusFunction::Failure) if self.covers_every_task(&upstream) => {
                Some(vec![entry("$(tasks.status)", "in", &["Failed".into()])])
            }
            Cond::Status(StatusFunction::Failure) if upstream.len() == 1 => {
                let task = upstream.first()?;
                Some(vec![entry(
                    &format!("$(tasks.{task}.status)"),
                    "in",
                    &["Failed".into()],
                )])
            }
            Cond::Status(StatusFunction::Success) => Some(
                upstream
                    .iter()
                    .map(|t| entry(&format!("$(tasks.{t}.status)"), "in", &["Succeeded".into()]))
                    .collect(),
            ),
            Cond::And(items) => {
                let mut all = Vec::new();
                for item in items {
                    all.append(&mut self.status_entries(job, item)?);
                }
                Some(all)
            }
            _ => None,
        }
    }

    fn status_cel(&self, job: &JobPlan, status: &Cond) -> String {
        let upstream = self.upstream(job);
        match status {
            Cond::Const(b) => b.to_string(),
            Cond::Status(function) => {
                let (wanted, joiner) = match function {
                    StatusFunction::Failure => ("Failed", " || "),
                    _ => ("Succeeded", " && "),
                };
                if upstream.is_empty() {
                    return (*function != StatusFunction::Failure).to_string();
                }
                let tests: Vec<String> = upstream
                    .iter()
                    .map(|t| format!("'$(tasks.{t}.status)' == '{wanted}'"))
                    .collect();
                tests.join(joiner)
            }
            Cond::Not(inner) => format!("!({})", self.status_cel(job, inner)),
            Cond::And(items) | Cond::Or(items) => {
                let joiner = if matches!(status, Cond::And(_)) {
                    " && "
                } else {
                    " || "
                };
                let parts: Vec<String> = items
                    .iter()
                    .map(|i| format!("({})", self.status_cel(job, i)))
                    .collect();
                parts.join(joiner)
            }
            other => self.cel(other),
        }
    }

    fn task(&mut self, job: &JobPlan) -> Map {
        let plan = self.plan;
        let mut spec = Map::new();
        let description = job
            .job
            .name
            .as_ref()
            .and_then(|n| n.as_plain())
            .unwrap_or_else(|| job.job.id.clone());
        spec.insert("description", description);
        if !job.refs.is_empty() {
            let params = job.refs.iter().map(|reference| reference.job_param(plan));
            spec.insert("params", string_declarations(params));
        }
        if !job.outputs.is_empty() {
            spec.insert("results", string_declarations(job.outputs.iter().cloned()));
        }
        if !job.sidecars.is_empty() {
            let text = |pieces: &[Piece]| self.task_text(pieces);
            let sidecars: Vec<Node> = job
                .sidecars
                .iter()
                .map(|sidecar| {
                    let mut container = render::sidecar(plan, sidecar, &text);
                    if let Some(health) = &sidecar.health {
                        container.insert("readinessProbe", readiness_probe(health));
                    }
                    Node::Map(container)
                })
                .collect();
            spec.insert("sidecars", sidecars);
        }
        let steps: Vec<Node> = job
            .containers
            .iter()
            .map(|c| Node::Map(self.step(c)))
            .collect();
        spec.insert_separated("steps", steps);
        let mut root = Map::new();
        root.insert("apiVersion", "tekton.dev/v1");
        root.insert("kind", "Task");
        root.insert(
            "metadata",
            render::metadata(plan, "name", &self.task_name(job)),
        );
        root.insert_separated("spec", spec);
        root
    }

    /// A reference inside a Task: every value arrives as a Task parameter.
    fn task_text(&self, pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.clone(),
                Piece::Ref(reference) => format!("$(params.{})", reference.job_param(self.plan)),
                Piece::Var(name) => render::dependent_var(name),
            })
            .collect()
    }

    fn step(&self, container: &Container) -> Map {
        let mut step = Map::new();
        step.insert("name", container.name.as_str());
        step.insert("image", self.task_text(&container.image));
        step.insert("workingDir", SOURCE_DIR);
        let text = |pieces: &[Piece]| self.task_text(pieces);
        step.insert("env", render::env(self.plan, &container.env, &text));
        step.insert("script", container.script.as_str());
        step
    }

    fn pipeline_run(&self) -> Map {
        let plan = self.plan;
        let metadata = render::metadata(plan, "generateName", &format!("{}-", plan.name));
        let mut spec = Map::new();
        let mut reference = Map::new();
        reference.insert("name", plan.name.as_str());
        spec.insert("pipelineRef", reference);
        if !plan.params.is_empty() {
            spec.insert("params", render::run_params(plan));
        }
        // Each task has its own timeout (GitHub's 6 hours by default): the run has none, so
        // Tekton's one-hour default does not stop a run GitHub would finish.
        let mut timeouts = Map::new();
        timeouts.insert("pipeline", "0");
        spec.insert("timeouts", timeouts);
        let mut root = Map::new();
        root.insert("apiVersion", "tekton.dev/v1");
        root.insert("kind", "PipelineRun");
        root.insert("metadata", metadata);
        root.insert_separated("spec", spec);
        root
    }
}

/// Docker's health check as a probe; docker's defaults (30 s, 30 s, 3 tries) where the
/// service leaves a setting out.
fn readiness_probe(health: &HealthCheck) -> Map {
    let mut exec = Map::new();
    exec.insert(
        "command",
        vec![
            Node::from("/bin/sh"),
            Node::from("-c"),
            Node::from(health.command.as_str()),
        ],
    );
    let number = |n: u64| Node::Number(n.to_string());
    let mut probe = Map::new();
    probe.insert("exec", exec);
    probe.insert(
        "periodSeconds",
        number(health.interval_seconds.unwrap_or(30)),
    );
    probe.insert(
        "timeoutSeconds",
        number(health.timeout_seconds.unwrap_or(30)),
    );
    probe.insert(
        "failureThreshold",
        number(health.retries.unwrap_or(3).max(1)),
    );
    probe
}

/// Task params or results: each a `string` with its name.
fn string_declarations(names: impl Iterator<Item = String>) -> Vec<Node> {
    names
        .map(|name| {
            let mut declaration = Map::new();
            declaration.insert("name", name);
            declaration.insert("type", "string");
            Node::Map(declaration)
        })
        .collect()
}

fn entry(input: &str, operator: &str, values: &[String]) -> Node {
    let mut entry = Map::new();
    entry.insert("input", input);
    entry.insert("operator", operator);
    entry.insert(
        "values",
        values
            .iter()
            .map(|v| Node::from(v.as_str()))
            .collect::<Vec<_>>(),
    );
    Node::Map(entry)
}

/// A GitHub filter glob as an anchored RE2 regular expression.
pub(crate) fn glob_regex(glob: &str) -> String {
    let mut regex = String::from("^");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                regex.push_str(".*");
            }
            '*' => regex.push_str("[^/]*"),
            '?' => regex.push('.'),
            c if c.is_ascii_alphanumeric() || c == '/' || c == '-' || c == '_' => regex.push(c),
            c => {
                regex.push('\\');
                regex.push(c);
            }
        }
    }
    regex.push('$');
    regex
}

/// Seconds as a Go duration (`1h30m`, `20m`, `45s`).
fn duration(seconds: u64) -> String {
    let (hours, minutes, seconds) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    let mut text = String::new();
    if hours > 0 {
        text.push_str(&format!("{hours}h"));
    }
    if minutes > 0 {
        text.push_str(&format!("{minutes}m"));
    }
    if seconds > 0 || text.is_empty() {
        text.push_str(&format!("{seconds}s"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_go_durations() {
        assert_eq!(duration(21600), "6h");
        assert_eq!(duration(1200), "20m");
        assert_eq!(duration(5430), "1h30m30s");
        assert_eq!(duration(0), "0s");
    }

    #[test]
    fn globs_become_anchored_regular_expressions() {
        assert_eq!(glob_regex("release/**"), "^release/.*$");
        assert_eq!(glob_regex("v*.*"), "^v[^/]*\\.[^/]*$");
    }
}

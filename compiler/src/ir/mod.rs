//! The pipeline IR: what a checked `.pipe` program means, independent of any target.
//! Every target reads only this. Names are resolved (a job's `needs` are job ids that
//! exist), `let` bindings are inlined, values are typed, and every node keeps the span it
//! came from so a target can point back at the source.
//!
//! The meaning of a job's condition is GitHub's, made explicit: a job runs when its
//! condition holds, and unless the condition calls a status function other than
//! `success()`, only when every job upstream of it (transitively) succeeded.

mod expr;

pub use expr::{
    BinaryOp, Context, Expr, ExprKind, Function, Literal, StatusFunction, Template, TemplatePart,
    Type,
};

use crate::span::Span;

/// Every pipeline of every file that was analysed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    pub pipelines: Vec<Pipeline>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    /// The identifier after `pipeline`; also the output file's stem.
    pub id: String,
    /// The display name (`name:` of the workflow); the id when none is given.
    pub name: String,
    /// The path of the `.pipe` file, as the caller named it.
    pub source_path: String,
    /// A hash of the source text and the compiler version, for stale-output detection.
    pub source_hash: String,
    pub span: Span,
    pub run_name: Option<Template>,
    pub triggers: Vec<Trigger>,
    pub env: Vec<EnvVar>,
    pub permissions: Option<Permissions>,
    pub concurrency: Option<Concurrency>,
    pub defaults: RunDefaults,
    pub jobs: Vec<Job>,
    pub gates: Vec<Gate>,
    pub environments: Vec<Environment>,
    /// Environment names, earliest first, from `promotion a -> b -> c`.
    pub promotion: Vec<Named>,
}

impl Pipeline {
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|job| job.id == id)
    }

    /// The inputs of `workflow_dispatch` and `workflow_call` triggers.
    pub fn inputs(&self) -> impl Iterator<Item = &Input> {
        self.triggers
            .iter()
            .flat_map(|trigger| match &trigger.kind {
                TriggerKind::Dispatch { inputs } | TriggerKind::Call { inputs, .. } => {
                    inputs.as_slice()
                }
                _ => &[],
            })
    }
}

/// A name with the span where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    pub span: Span,
}

// ---------------------------------------------------------------------------------------
// Triggers

#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub kind: TriggerKind,
    pub span: Span,
}

impl Trigger {
    /// The event name, as GitHub spells it (`push`, `workflow_dispatch`).
    pub fn event(&self) -> &str {
        match &self.kind {
            TriggerKind::Push { .. } => "push",
            TriggerKind::PullRequest { target: false, .. } => "pull_request",
            TriggerKind::PullRequest { target: true, .. } => "pull_request_target",
            TriggerKind::Schedule { .. } => "schedule",
            TriggerKind::Dispatch { .. } => "workflow_dispatch",
            TriggerKind::Call { .. } => "workflow_call",
            TriggerKind::WorkflowRun { .. } => "workflow_run",
            TriggerKind::RepositoryDispatch { .. } => "repository_dispatch",
            TriggerKind::Activity { event, .. } => event,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum TriggerKind {
    Push {
        branches: Option<Filter>,
        tags: Option<Filter>,
        paths: Option<Filter>,
    },
    /// `pull_request`, or `pull_request_target` when `target` is set.
    PullRequest {
        target: bool,
        types: Vec<String>,
        branches: Option<Filter>,
        paths: Option<Filter>,
    },
    Schedule {
        crons: Vec<Cron>,
    },
    Dispatch {
        inputs: Vec<Input>,
    },
    Call {
        inputs: Vec<Input>,
        secrets: Vec<CallSecret>,
        outputs: Vec<CallOutput>,
    },
    WorkflowRun {
        workflows: Vec<String>,
        types: Vec<String>,
        branches: Option<Filter>,
    },
    RepositoryDispatch {
        types: Vec<String>,
    },
    /// Any other event that filters only by activity type (`release`, `merge_group`, ...).
    Activity {
        event: String,
        types: Vec<String>,
    },
}

/// Glob patterns filtering branches, tags or paths, with GitHub's meaning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    /// Matches what the patterns match; a later `!pattern` removes earlier matches.
    Only(Vec<String>),
    /// Matches everything except what the patterns match.
    Ignore(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    pub expression: String,
    pub timezone: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    pub name: String,
    pub ty: InputType,
    pub description: Option<String>,
    pub required: bool,
    pub default: Option<Literal>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputType {
    String,
    Boolean,
    Number,
    Choice(Vec<String>),
    /// The name of one of the repository's deployment environments.
    Environment,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CallSecret {
    pub name: String,
    pub description: Option<String>,
    pub required: bool,
    pub span: Span,
}

/// An output of a reusable pipeline (`workflow_call`), taken from one of its jobs.
#[derive(Clone, Debug, PartialEq)]
pub struct CallOutput {
    pub name: String,
    pub description: Option<String>,
    pub value: Template,
    pub span: Span,
}

// ---------------------------------------------------------------------------------------
// Settings shared by pipelines, jobs and steps

#[derive(Clone, Debug, PartialEq)]
pub struct EnvVar {
    pub name: String,
    pub value: Value,
    pub span: Span,
}

/// A setting's value: text (possibly with interpolated expressions), a bool or a number.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    String(Template),
    Bool(bool),
    /// As written, so `3.10` stays `3.10`.
    Number(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Permissions {
    ReadAll,
    WriteAll,
    /// No permissions at all (GitHub `permissions: {}`).
    None,
    Scopes(Vec<(String, PermissionLevel)>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PermissionLevel {
    Read,
    Write,
    None,
}

impl PermissionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionLevel::Read => "read",
            PermissionLevel::Write => "write",
            PermissionLevel::None => "none",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Concurrency {
    pub group: Template,
    pub cancel_in_progress: bool,
    pub span: Span,
}

/// Defaults for `run` steps.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunDefaults {
    pub shell: Option<String>,
    pub working_directory: Option<Template>,
}

impl RunDefaults {
    pub fn is_empty(&self) -> bool {
        self.shell.is_none() && self.working_directory.is_none()
    }
}

/// A length of time, in whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration {
    pub seconds: u64,
}

// ---------------------------------------------------------------------------------------
// Gates and environments

#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    pub name: String,
    pub jobs: Vec<Named>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Environment {
    pub name: String,
    pub url: Option<Template>,
    /// How many reviewers must approve a deployment (GitHub: configured on the
    /// environment in the repository settings; other targets: an approval step).
    pub reviewers: Option<u32>,
    pub span: Span,
}

// ---------------------------------------------------------------------------------------
// Jobs and steps

#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// The identifier after `job`, used verbatim as the generated job id.
    pub id: String,
    /// The display name, when one is given (it may interpolate matrix values).
    pub name: Option<Template>,
    pub span: Span,
    /// Runner labels; empty for a job that calls a reusable pipeline.
    pub runs_on: Vec<Template>,
    pub needs: Vec<Named>,
    pub condition: Option<Expr>,
    pub environment: Option<JobEnvironment>,
    /// Gates this job requires; checked, and their jobs are among `needs` (transitively).
    pub requires: Vec<Named>,
    pub timeout: Option<Duration>,
    pub continue_on_error: bool,
    pub permissions: Option<Permissions>,
    pub concurrency: Option<Concurrency>,
    pub container: Option<Container>,
    pub services: Vec<Service>,
    pub matrix: Option<Matrix>,
    pub env: Vec<EnvVar>,
    pub outputs: Vec<JobOutput>,
    pub defaults: RunDefaults,
    pub body: JobBody,
}

impl Job {
    pub fn steps(&self) -> &[Step] {
        match &self.body {
            JobBody::Steps { steps, .. } => steps,
            JobBody::Call(_) => &[],
        }
    }

    pub fn failure_steps(&self) -> &[Step] {
        match &self.body {
            JobBody::Steps { on_failure, .. } => on_failure,
            JobBody::Call(_) => &[],
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum JobBody {
    /// Steps run in order; `on_failure` steps run after them when any of them failed.
    Steps {
        steps: Vec<Step>,
        on_failure: Vec<Step>,
    },
    /// The job runs another (reusable) pipeline.
    Call(PipelineCall),
}

#[derive(Clone, Debug, PartialEq)]
pub struct PipelineCall {
    /// `owner/repo/.github/workflows/file.yml@ref` or `./.github/workflows/file.yml`.
    pub uses: String,
    pub with: Vec<(String, Value)>,
    pub secrets: CallSecrets,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CallSecrets {
    None,
    Inherit,
    Pass(Vec<(String, Template)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct JobEnvironment {
    /// The environment's name: a declared environment, or an expression over inputs.
    pub name: Template,
    pub url: Option<Template>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct JobOutput {
    pub name: String,
    pub ty: Type,
    pub value: Template,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Container {
    pub image: Template,
    pub env: Vec<EnvVar>,
    pub ports: Vec<Value>,
    pub volumes: Vec<Template>,
    pub options: Option<Template>,
    pub credentials: Option<(Template, Template)>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub name: String,
    pub container: Container,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    /// Axes in source order, each with its compile-time values.
    pub axes: Vec<MatrixAxis>,
    pub include: Vec<MatrixRow>,
    pub exclude: Vec<MatrixRow>,
    pub fail_fast: Option<bool>,
    pub max_parallel: Option<u32>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MatrixAxis {
    pub name: String,
    pub values: Vec<Literal>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MatrixRow {
    pub values: Vec<(String, Literal)>,
    pub span: Span,
}

impl Matrix {
    /// The combinations GitHub runs: the product of the axes, minus `exclude` rows, plus
    /// `include` rows (which extend a matching combination or add a new one).
    pub fn combinations(&self) -> Vec<Vec<(String, Literal)>> {
        let mut rows: Vec<Vec<(String, Literal)>> = vec![Vec::new()];
        for axis in &self.axes {
            rows = rows
                .into_iter()
                .flat_map(|row| {
                    axis.values.iter().map(move |value| {
                        let mut row = row.clone();
                        row.push((axis.name.clone(), value.clone()));
                        row
                    })
                })
                .collect();
        }
        if self.axes.is_empty() {
            rows.clear();
        }
        let matches = |row: &[(String, Literal)], pattern: &MatrixRow| {
            pattern
                .values
                .iter()
                .all(|(k, v)| row.iter().any(|(rk, rv)| rk == k && rv == v))
        };
        rows.retain(|row| !self.exclude.iter().any(|pattern| matches(row, pattern)));
        let axis_names: Vec<&str> = self.axes.iter().map(|a| a.name.as_str()).collect();
        for include in &self.include {
            let original: Vec<(String, Literal)> = include
                .values
                .iter()
                .filter(|(k, _)| axis_names.contains(&k.as_str()))
                .cloned()
                .collect();
            let mut extended = false;
            for row in rows.iter_mut() {
                let fits = original
                    .iter()
                    .all(|(k, v)| row.iter().any(|(rk, rv)| rk == k && rv == v));
                if fits {
                    for (k, v) in &include.values {
                        if !axis_names.contains(&k.as_str()) {
                            row.retain(|(rk, _)| rk != k);
                            row.push((k.clone(), v.clone()));
                        }
                    }
                    extended = true;
                }
            }
            if !extended {
                rows.push(include.values.clone());
            }
        }
        rows
    }

    /// Every key a row may have: the axes and the keys `include` rows add.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.axes.iter().map(|a| a.name.as_str()).collect();
        for row in &self.include {
            for (k, _) in &row.values {
                if !keys.contains(&k.as_str()) {
                    keys.push(k);
                }
            }
        }
        keys
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub id: Option<String>,
    pub name: Option<Template>,
    pub span: Span,
    pub action: StepAction,
    pub condition: Option<Expr>,
    pub env: Vec<EnvVar>,
    pub timeout: Option<Duration>,
    pub continue_on_error: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepAction {
    Run {
        script: Template,
        shell: Option<String>,
        working_directory: Option<Template>,
        /// The container image the script runs in on Kubernetes (given by templates'
        /// `kubernetes` bodies); other targets run it on the job's runner.
        image: Option<Template>,
    },
    /// A GitHub action (`owner/repo@ref`, `./path`, `docker://image`) with its inputs.
    Uses {
        action: String,
        with: Vec<(String, Value)>,
    },
    /// A call of a step template: the steps it stands for, per target.
    Template(TemplateStep),
}

/// The targets a template can give a body for; Tekton and Argo share `Kubernetes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetKind {
    Github,
    Shell,
    Kubernetes,
}

impl TargetKind {
    pub const ALL: [TargetKind; 3] = [
        TargetKind::Github,
        TargetKind::Shell,
        TargetKind::Kubernetes,
    ];

    /// The name of the target's body block in a template (`github { ... }`).
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Github => "github",
            TargetKind::Shell => "shell",
            TargetKind::Kubernetes => "kubernetes",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TemplateStep {
    /// The template's name as the call wrote it (`docker.build_push`).
    pub template: String,
    /// Where the template is defined (its name), for "defined here" labels.
    pub definition: Span,
    /// The bodies written for specific targets, then the shared body (`target: None`)
    /// when there is one. Their steps are plain (never templates themselves).
    pub implementations: Vec<Implementation>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Implementation {
    /// `None`: the shared body, for every target without a body of its own.
    pub target: Option<TargetKind>,
    pub steps: Vec<Step>,
}

impl TemplateStep {
    /// The body a target compiles: its own, else the shared one, unless the shared one
    /// uses GitHub actions, which only GitHub runs (such a template is GitHub-only, and
    /// calling it elsewhere is a missing body, not a step the target cannot run).
    pub fn implementation(&self, target: TargetKind) -> Option<&Implementation> {
        self.implementations
            .iter()
            .find(|i| i.target == Some(target))
            .or_else(|| {
                self.implementations.iter().find(|i| {
                    i.target.is_none()
                        && (target == TargetKind::Github
                            || !i
                                .steps
                                .iter()
                                .any(|s| matches!(s.action, StepAction::Uses { .. })))
                })
            })
    }

    /// The targets that have a body (all of them when there is a shared body).
    pub fn targets(&self) -> Vec<TargetKind> {
        TargetKind::ALL
            .into_iter()
            .filter(|t| self.implementation(*t).is_some())
            .collect()
    }
}

impl Step {
    /// The plain steps this step is on `target`: itself, or a template call's body for that
    /// target with the call's settings applied. `Err` holds a call whose template has no
    /// body for the target.
    pub fn for_target(&self, target: TargetKind) -> Result<Vec<Step>, &TemplateStep> {
        let StepAction::Template(call) = &self.action else {
            return Ok(vec![self.clone()]);
        };
        let implementation = call.implementation(target).ok_or(call)?;
        let single = implementation.steps.len() == 1;
        Ok(implementation
            .steps
            .iter()
            // A condition a call's constant arguments decide: the step is left out, or
            // runs without a condition.
            .filter(|inner| inner.condition.as_ref().and_then(Expr::constant_bool) != Some(false))
            .map(|inner| {
                let inner_condition = inner
                    .condition
                    .as_ref()
                    .filter(|c| c.constant_bool().is_none());
                let mut env = inner.env.clone();
                for var in &self.env {
                    env.retain(|v| v.name != var.name);
                    env.push(var.clone());
                }
                Step {
                    // Only a one-step body is the call's step (with its id and outputs).
                    id: if single { self.id.clone() } else { None },
                    name: if single {
                        self.name.clone().or_else(|| inner.name.clone())
                    } else {
                        inner.name.clone()
                    },
                    span: self.span,
                    action: inner.action.clone(),
                    condition: both(self.condition.as_ref(), inner_condition),
                    env,
                    timeout: self.timeout.or(inner.timeout),
                    continue_on_error: self.continue_on_error || inner.continue_on_error,
                }
            })
            .collect())
    }
}

/// `a && b` of two optional conditions.
fn both(a: Option<&Expr>, b: Option<&Expr>) -> Option<Expr> {
    match (a, b) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (Some(a), Some(b)) => Some(Expr {
            kind: ExprKind::Binary {
                op: BinaryOp::And,
                lhs: Box::new(a.clone()),
                rhs: Box::new(b.clone()),
            },
            ty: Type::Bool,
            span: a.span,
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::span::FileId;

    fn span() -> Span {
        Span::new(FileId(0), 0..1)
    }

    fn run(script: &str, condition: Option<Expr>) -> Step {
        Step {
            id: None,
            name: Some(Template::text(script, span())),
            span: span(),
            action: StepAction::Run {
                script: Template::text(script, span()),
                shell: None,
                working_directory: None,
                image: None,
            },
            condition,
            env: vec![EnvVar {
                name: "FROM".into(),
                value: Value::String(Template::text("template", span())),
                span: span(),
            }],
            timeout: None,
            continue_on_error: false,
        }
    }

    fn status(function: StatusFunction) -> Expr {
        Expr {
            kind: ExprKind::Status(function),
            ty: Type::Bool,
            span: span(),
        }
    }

    fn call(implementations: Vec<Implementation>) -> Step {
        Step {
            id: Some("build".into()),
            name: None,
            span: span(),
            action: StepAction::Template(TemplateStep {
                template: "docker.build".into(),
                definition: span(),
                implementations,
            }),
            condition: Some(status(StatusFunction::Success)),
            env: vec![EnvVar {
                name: "FROM".into(),
                value: Value::String(Template::text("caller", span())),
                span: span(),
            }],
            timeout: Some(Duration { seconds: 60 }),
            continue_on_error: true,
        }
    }

    #[test]
    fn a_one_step_body_becomes_the_calls_step() {
        let step = call(vec![Implementation {
            target: Some(TargetKind::Github),
            steps: vec![run("make", None)],
        }]);
        let plain = step.for_target(TargetKind::Github).unwrap();
        assert_eq!(plain.len(), 1);
        let only = &plain[0];
        assert_eq!(only.id.as_deref(), Some("build"));
        assert_eq!(only.name, Some(Template::text("make", span())));
        assert_eq!(only.condition, Some(status(StatusFunction::Success)));
        assert_eq!(only.timeout, Some(Duration { seconds: 60 }));
        assert!(only.continue_on_error);
        // The caller's env wins over the template's for the same name.
        assert_eq!(only.env.len(), 1);
        assert_eq!(
            only.env[0].value,
            Value::String(Template::text("caller", span()))
        );
    }

    #[test]
    fn several_steps_keep_their_own_conditions_under_the_calls() {
        let step = call(vec![Implementation {
            target: None,
            steps: vec![
                run("scan", None),
                run("upload", Some(status(StatusFunction::Always))),
            ],
        }]);
        let plain = step.for_target(TargetKind::Shell).unwrap();
        assert_eq!(plain.len(), 2);
        assert!(plain.iter().all(|s| s.id.is_none()));
        assert_eq!(plain[0].condition, Some(status(StatusFunction::Success)));
        let ExprKind::Binary { op, lhs, rhs } = &plain[1].condition.as_ref().unwrap().kind else {
            panic!("expected `success() && always()`");
        };
        assert_eq!(*op, BinaryOp::And);
        assert_eq!(**lhs, status(StatusFunction::Success));
        assert_eq!(**rhs, status(StatusFunction::Always));
    }

    #[test]
    fn inner_steps_whose_condition_the_arguments_decide_are_dropped_or_unconditional() {
        let literal = |text: &str| Expr {
            kind: ExprKind::Literal(Literal::String(text.into())),
            ty: Type::String,
            span: span(),
        };
        let compare = |a: &str, b: &str| Expr {
            kind: ExprKind::Binary {
                op: BinaryOp::Eq,
                lhs: Box::new(literal(a)),
                rhs: Box::new(literal(b)),
            },
            ty: Type::Bool,
            span: span(),
        };
        let mut step = call(vec![Implementation {
            target: None,
            steps: vec![
                run("build", Some(compare("", "manual"))),
                run("analyze", Some(compare("Manual", "manual"))),
            ],
        }]);
        step.condition = None;
        let plain = step.for_target(TargetKind::Github).unwrap();
        assert_eq!(plain.len(), 1);
        assert_eq!(plain[0].name, Some(Template::text("analyze", span())));
        assert_eq!(plain[0].condition, None);
    }

    #[test]
    fn a_target_without_a_body_uses_the_shared_one_or_has_none() {
        let own_and_shared = call(vec![
            Implementation {
                target: Some(TargetKind::Github),
                steps: vec![run("github", None)],
            },
            Implementation {
                target: None,
                steps: vec![run("shared", None)],
            },
        ]);
        let kubernetes = own_and_shared.for_target(TargetKind::Kubernetes).unwrap();
        assert_eq!(kubernetes[0].name, Some(Template::text("shared", span())));
        let github_only = call(vec![Implementation {
            target: Some(TargetKind::Github),
            steps: vec![run("github", None)],
        }]);
        let missing = github_only.for_target(TargetKind::Shell).unwrap_err();
        assert_eq!(missing.targets(), vec![TargetKind::Github]);
    }
}

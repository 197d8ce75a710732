//! The execution plan every target but GitHub shares: from one IR pipeline to a [`Plan`] of
//! named jobs whose steps are launcher scripts ([`launcher`]). The Kubernetes engines run
//! each step in a container; the shell target's script and `pipec run` run it on this
//! machine. Values the engine (or the local runner) fills in before a job starts are
//! [`Ref`]s, rendered by each in its own syntax; values only known while a job runs (step
//! outputs, `job_status`) are [`Runtime`] values the launcher scripts read. [`eval`]
//! decides a job's condition the way GitHub does, for the local runner.

use pipec_compiler::ir::{
    self, BinaryOp, Context, Expr, ExprKind, Function, Literal, StatusFunction, StepAction,
    TargetKind, Template, TemplatePart, Type, Value,
};
use pipec_compiler::{Code, Diagnostic, Span};

pub mod eval;
pub mod launcher;
pub(crate) mod names;

use crate::kubernetes::Engine;
use launcher::{StateDir, StepSpec};

/// The directory steps start in on Kubernetes: the checkout.
pub(crate) const SOURCE_DIR: &str = "/workspace/source";

/// What runs the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runner {
    Kubernetes(Engine),
    /// This machine: the shell target's script or `pipec run`.
    Local,
}

impl Runner {
    /// The target's name, as `--target` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Runner::Kubernetes(engine) => engine.name(),
            Runner::Local => "shell",
        }
    }

    fn state(self) -> StateDir {
        match self {
            Runner::Kubernetes(_) => StateDir::KUBERNETES,
            Runner::Local => StateDir::LOCAL,
        }
    }
}

/// How a pipeline is lowered.
#[derive(Clone, Copy, Debug)]
pub struct Settings<'a> {
    pub runner: Runner,
    /// Kubernetes: the image of `run` steps that name none.
    pub default_image: Option<&'a str>,
    /// Shell: a step that cannot run here is a warning and is skipped, not an error.
    pub skip_unsupported: bool,
}
/// GitHub's default job timeout, which both engines would otherwise not have.
const DEFAULT_JOB_TIMEOUT: u64 = 6 * 60 * 60;

pub struct Plan<'p> {
    pub pipeline: &'p ir::Pipeline,
    /// The pipeline's Kubernetes name.
    pub name: String,
    pub params: Vec<RunParam>,
    pub jobs: Vec<JobPlan<'p>>,
    /// The Secret holding the pipeline's secrets, one key per secret name.
    pub secrets: String,
    /// The ConfigMap holding the pipeline's `vars`.
    pub vars: String,
}

/// A parameter of the run: what GitHub knows about a run by itself, and dispatch inputs.
pub struct RunParam {
    pub name: String,
    pub description: String,
    pub default: Option<String>,
    /// The value the generated run object gives it.
    pub example: String,
}

/// A value the engine substitutes before a job starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ref {
    /// A run parameter, by name.
    Param(String),
    /// A matrix key of the job.
    Matrix(String),
    /// An output of another job, by job index and result name.
    JobOutput { job: usize, output: String },
    /// The engine's id of the run.
    RunUid,
}

impl Ref {
    /// The name of the job-level parameter that carries the value into a job.
    pub fn job_param(&self, plan: &Plan) -> String {
        match self {
            Ref::Param(name) => name.clone(),
            Ref::Matrix(key) => names::joined(&["matrix", key]),
            Ref::JobOutput { job, output } => {
                let job = plan.jobs.get(*job).map_or("job", |j| j.name.as_str());
                names::joined(&["needs", job, output])
            }
            Ref::RunUid => "run-id".into(),
        }
    }
}

/// Text the engine can complete: literal text and references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Ref(Ref),
    /// An environment variable defined earlier in the same container, which Kubernetes
    /// expands in env values (`$(NAME)`).
    Var(String),
}

/// A value as a container sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Pieces(Vec<Piece>),
    Secret(String),
    Var(String),
    /// An environment variable the container already has.
    Env(String),
    Runtime(Runtime),
}

/// Values only known while the job runs, read by the launcher from the job's files.
#[derive(Clone, Debug, PartialEq)]
pub enum Runtime {
    StepOutput {
        step: usize,
        output: String,
    },
    StepOutcome {
        step: usize,
    },
    JobStatus,
    /// How another job of a local run ended (`needs.<job>.result`), by its name.
    JobResult {
        job: String,
    },
    /// A condition used as a value: `true` or `false`, as GitHub writes it.
    Condition(Box<Cond>),
}

/// Text with values in it.
#[derive(Clone, Debug, PartialEq)]
pub enum TextPart {
    Text(String),
    Val(Val),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Value { val: Val, ty: Type },
    List(Vec<Operand>),
}

impl Operand {
    /// The text of a literal operand (one written in the pipeline, no reference in it).
    pub fn literal(&self) -> Option<String> {
        match self {
            Operand::Value {
                val: Val::Pieces(pieces),
                ..
            } => pieces
                .iter()
                .map(|p| match p {
                    Piece::Text(t) => Some(t.as_str()),
                    Piece::Ref(_) | Piece::Var(_) => None,
                })
                .collect(),
            Operand::Value { .. } | Operand::List(_) => None,
        }
    }
}

/// A condition, with GitHub's meaning; `Status` is `success()` or `failure()` only
/// (`always()` is true and `cancelled()` false on Kubernetes).
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    Const(bool),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Compare {
        op: BinaryOp,
        lhs: Operand,
        rhs: Operand,
    },
    Truthy(Operand),
    Call {
        function: Function,
        args: Vec<Operand>,
    },
    Status(StatusFunction),
}

impl Cond {
    fn mentions_status(&self) -> bool {
        match self {
            Cond::Status(_) => true,
            Cond::And(items) | Cond::Or(items) => items.iter().any(Cond::mentions_status),
            Cond::Not(inner) => inner.mentions_status(),
            _ => false,
        }
    }

    fn is_status_only(&self) -> bool {
        match self {
            Cond::Status(_) | Cond::Const(_) => true,
            Cond::And(items) | Cond::Or(items) => items.iter().all(Cond::is_status_only),
            Cond::Not(inner) => inner.is_status_only(),
            _ => false,
        }
    }

    /// A literal with upper-case letters that the condition compares with: engines compare
    /// exactly, GitHub ignoring case, so only such a literal can tell them apart.
    fn upper_case_literal(&self) -> Option<String> {
        let literal = |operand: &Operand| match operand {
            Operand::Value {
                val: Val::Pieces(pieces),
                ..
            } => pieces.iter().find_map(|piece| match piece {
                Piece::Text(text) if text.chars().any(char::is_uppercase) => Some(text.clone()),
                _ => None,
            }),
            Operand::Value { .. } | Operand::List(_) => None,
        };
        match self {
            Cond::And(items) | Cond::Or(items) => items.iter().find_map(Cond::upper_case_literal),
            Cond::Not(inner) => inner.upper_case_literal(),
            Cond::Compare { lhs, rhs, .. } => literal(lhs).or_else(|| literal(rhs)),
            Cond::Call { args, .. } => args.iter().find_map(|arg| match arg {
                Operand::List(items) => items.iter().find_map(literal),
                other => literal(other),
            }),
            Cond::Const(_) | Cond::Truthy(_) | Cond::Status(_) => None,
        }
    }

    /// The conjuncts of a top-level `&&`.
    fn conjuncts(self) -> Vec<Cond> {
        match self {
            Cond::And(items) => items.into_iter().flat_map(Cond::conjuncts).collect(),
            Cond::Const(true) => Vec::new(),
            other => vec![other],
        }
    }
}

pub struct JobPlan<'p> {
    pub job: &'p ir::Job,
    pub name: String,
    pub needs: Vec<usize>,
    /// Every job upstream, transitively, in pipeline order.
    pub ancestors: Vec<usize>,
    /// Conditions on values, all of which must hold.
    pub when: Vec<Cond>,
    /// For a job whose condition lifts the implicit "everything upstream succeeded": the
    /// condition on the status of the jobs upstream (`Const(true)` for `always()`).
    pub handler: Option<Cond>,
    pub matrix: Option<MatrixPlan>,
    pub containers: Vec<Container>,
    /// The titles of steps the runner skips because it cannot run them.
    pub skipped_steps: Vec<String>,
    /// Local runs: the job container's image, which the steps run in.
    pub image: Option<Vec<Piece>>,
    pub sidecars: Vec<Sidecar>,
    /// Result names, one per job output, in order.
    pub outputs: Vec<String>,
    pub timeout: u64,
    /// A deployment to an environment with reviewers: someone must approve it first.
    pub approval: bool,
    /// Every reference the job's containers use, in order of first use.
    pub refs: Vec<Ref>,
    /// Local runs with `--skip-unsupported`: why the job cannot run here, when it cannot.
    pub unsupported: Option<String>,
}

pub struct MatrixPlan {
    pub keys: Vec<String>,
    /// The axes, when the combinations are their plain product.
    pub product: Option<Vec<(String, Vec<String>)>>,
    pub rows: Vec<Vec<(String, String)>>,
    pub fail_fast: Option<bool>,
    pub max_parallel: Option<u32>,
    pub span: Span,
}

pub struct Container {
    pub name: String,
    pub image: Vec<Piece>,
    pub env: Vec<EnvEntry>,
    pub script: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvEntry {
    pub name: String,
    pub value: EnvValue,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvValue {
    Text(Vec<Piece>),
    Secret(String),
    Var(String),
}

/// `--health-cmd` and its `--health-interval`, `--health-timeout` and `--health-retries`.
#[derive(Debug, PartialEq, Eq)]
pub struct HealthCheck {
    pub command: String,
    pub interval_seconds: Option<u64>,
    pub timeout_seconds: Option<u64>,
    pub retries: Option<u64>,
}

pub struct Sidecar {
    pub name: String,
    pub image: Vec<Piece>,
    pub env: Vec<EnvEntry>,
    pub ports: Vec<u16>,
    /// The service's docker health check, which a readiness probe can run.
    pub health: Option<HealthCheck>,
}

/// Lowers one pipeline; errors in the diagnostics mean the plan must not be rendered.
pub fn lower<'p>(pipeline: &'p ir::Pipeline, settings: Settings) -> (Plan<'p>, Vec<Diagnostic>) {
    let mut lowering = Lowering {
        pipeline,
        runner: settings.runner,
        settings,
        diagnostics: Vec::new(),
        contexts: vec![Context::Repository, Context::Sha],
        inputs: Vec::new(),
        first_secret: None,
    };
    let name = names::label(&pipeline.id);
    let job_names = lowering.job_names();
    let jobs: Vec<JobPlan> = pipeline
        .jobs
        .iter()
        .enumerate()
        .map(|(index, job)| lowering.job(index, job, &job_names))
        .collect();
    lowering.pipeline_warnings();
    let plan = Plan {
        pipeline,
        params: lowering.params(),
        jobs,
        secrets: names::joined(&[&name, "secrets"]),
        vars: names::joined(&[&name, "vars"]),
        name,
    };
    (plan, lowering.diagnostics)
}

struct Lowering<'p, 'o> {
    pipeline: &'p ir::Pipeline,
    runner: Runner,
    settings: Settings<'o>,
    diagnostics: Vec<Diagnostic>,
    /// The contexts the pipeline reads, which become run parameters.
    contexts: Vec<Context>,
    inputs: Vec<String>,
    /// Where the pipeline first reads a secret.
    first_secret: Option<Span>,
}

/// What a value may be, by where it is used.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A job's condition: the engine evaluates it before the job starts.
    JobCondition,
    /// Anything inside a job's containers.
    Container,
}

/// What lowering a job collects as it goes.
#[derive(Default)]
struct JobScope {
    /// Step ids by container index.
    step_ids: Vec<(String, usize)>,
    refs: Vec<Ref>,
}

impl JobScope {
    fn record(&mut self, pieces: &[Piece]) {
        for piece in pieces {
            if let Piece::Ref(reference) = piece
                && !self.refs.contains(reference)
            {
                self.refs.push(reference.clone());
            }
        }
    }
}

impl<'p> Lowering<'p, '_> {
    fn unsupported(&mut self, span: Span, what: &str, label: &str, help: &str) {
        self.diagnostics.push(
            Diagnostic::new(
                Code::UnsupportedByTarget,
                format!("the {} target cannot express {what}", self.runner.name()),
                span,
                label,
            )
            .with_help(help),
        );
    }

    fn approximated(&mut self, span: Span, what: &str, label: &str, help: &str) {
        self.diagnostics.push(
            Diagnostic::new(
                Code::ApproximatedByTarget,
                format!("on the {} target, {what}", self.runner.name()),
                span,
                label,
            )
            .with_help(help),
        );
    }

    /// Kubernetes names of the jobs; two jobs whose names collide are an error.
    fn job_names(&mut self) -> Vec<String> {
        let names: Vec<String> = self
            .pipeline
            .jobs
            .iter()
            .map(|job| job_name(&job.id))
            .collect();
        for (index, name) in names.iter().enumerate() {
            if let Some(first) = names.iter().position(|other| other == name)
                && first < index
                && let (Some(job), Some(other)) =
                    (self.pipeline.jobs.get(index), self.pipeline.jobs.get(first))
            {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::UnsupportedByTarget,
                        format!(
                            "jobs `{}` and `{}` have the same Kubernetes name `{name}` on the {} target",
                            other.id,
                            job.id,
                            self.runner.name()
                        ),
                        job.span,
                        format!("this job's name becomes `{name}`"),
                    )
                    .with_label(other.span, "so does this one's")
                    .with_help("Kubernetes names are lower-case letters, digits and `-`: rename one of the jobs"),
                );
            }
        }
        names
    }

    /// What a Kubernetes engine does not do for a whole run; a local run has no such gaps
    /// (`pipec run` masks secrets, and runs are not queued).
    fn pipeline_warnings(&mut self) {
        if self.runner == Runner::Local {
            return;
        }
        let pipeline = self.pipeline;
        if let Some(span) = self.first_secret {
            self.approximated(
                span,
                "secrets are not masked in the logs of a run",
                "this secret (and any other) can be printed in clear",
                &format!(
                    "the secrets come from the Secret `{}-secrets`; make sure no step prints them",
                    names::label(&pipeline.id)
                ),
            );
        }
        let concurrency = pipeline.concurrency.as_ref().or_else(|| {
            pipeline
                .jobs
                .iter()
                .find_map(|job| job.concurrency.as_ref())
        });
        if let Some(concurrency) = concurrency {
            self.approximated(
                concurrency.span,
                "concurrency groups are not enforced: runs are not serialised",
                "this concurrency group is left out",
                "serialise runs where they are started (a trigger, an event sensor or a queue)",
            );
        }
    }

    fn params(&self) -> Vec<RunParam> {
        let mut params = Vec::new();
        for (name, context) in Context::ALL {
            if !self.contexts.contains(context) {
                continue;
            }
            let (description, default, example) = context_param(*context);
            params.push(RunParam {
                name: names::label(name),
                description,
                default,
                example,
            });
        }
        for input in self.pipeline.inputs() {
            if !self.inputs.contains(&input.name)
                || params
                    .iter()
                    .any(|p| p.name == names::joined(&["input", &input.name]))
            {
                continue;
            }
            // As on GitHub, an input is empty unless the run is a manual one, which passes
            // every input (the run object shows the dispatch defaults).
            let dispatch_default = input.default.as_ref().map(Literal::to_text);
            let description = input
                .description
                .clone()
                .unwrap_or_else(|| format!("the input `{}`", input.name));
            params.push(RunParam {
                name: names::joined(&["input", &input.name]),
                description: match &dispatch_default {
                    Some(value) => {
                        format!("{description} (manual runs: default {value:?}; empty otherwise)")
                    }
                    None => format!("{description} (manual runs; empty otherwise)"),
                },
                example: dispatch_default.unwrap_or_default(),
                default: Some(String::new()),
            });
        }
        params
    }

    fn job(&mut self, index: usize, job: &'p ir::Job, job_names: &[String]) -> JobPlan<'p> {
        let diagnostics_before = self.diagnostics.len();
        let name = job_names.get(index).cloned().unwrap_or_default();
        let needs: Vec<usize> = job
            .needs
            .iter()
            .filter_map(|need| self.pipeline.jobs.iter().position(|j| j.id == need.name))
            .collect();
        let mut scope = JobScope::default();
        let (when, handler) = self.job_condition(job, &mut scope);
        let matrix = job.matrix.as_ref().map(matrix_plan);
        // Every combination passes every key, so the job declares them all.
        for key in matrix.iter().flat_map(|m| &m.keys) {
            scope.record(&[Piece::Ref(Ref::Matrix(key.clone()))]);
        }
        if let ir::JobBody::Call(call) = &job.body {
            self.unsupported(
                call.span,
                "a call of a reusable GitHub workflow",
                "this job runs a GitHub workflow",
                "write the called workflow's jobs in this pipeline (or share them as templates)",
            );
        }
        let sidecars = job
            .services
            .iter()
            .map(|service| self.sidecar(service, &mut scope))
            .collect();
        if let Some(container) = &job.container {
            self.job_container_warnings(container);
        }
        let (steps, outputs) = self.containers(job, &name, &mut scope);
        JobPlan {
            job,
            name,
            ancestors: self.ancestors(index),
            needs,
            when,
            handler,
            matrix,
            containers: steps.containers,
            skipped_steps: steps.skipped,
            image: steps.image,
            sidecars,
            outputs,
            timeout: job.timeout.map_or(DEFAULT_JOB_TIMEOUT, |t| t.seconds),
            approval: self.needs_approval(job),
            refs: scope.refs,
            unsupported: self.skipped_job(job, diagnostics_before),
        }
    }

    /// With `--skip-unsupported`, a job whose own settings (condition, env, outputs) read
    /// what only GitHub has is skipped: its errors become one W0704, and the reason.
    fn skipped_job(&mut self, job: &ir::Job, diagnostics_before: usize) -> Option<String> {
        if !self.settings.skip_unsupported || self.runner != Runner::Local {
            return None;
        }
        let own = self
            .diagnostics
            .get(diagnostics_before..)
            .unwrap_or_default();
        let first = own.iter().find(|d| d.is_error())?.message.clone();
        let mut index = diagnostics_before;
        while index < self.diagnostics.len() {
            if self
                .diagnostics
                .get(index)
                .is_some_and(Diagnostic::is_error)
            {
                self.diagnostics.remove(index);
            } else {
                index += 1;
            }
        }
        let prefix = format!("the {} target cannot express ", self.runner.name());
        let why = first.replace(&prefix, "it uses ");
        self.diagnostics.push(
            Diagnostic::new(
                Code::SkippedByTarget,
                format!("on the {} target this job is skipped: {why}", self.runner.name()),
                job.span,
                "this job does not run, nor the jobs that need it",
            )
            .with_help("the run goes on without it (`--skip-unsupported`); use portable values (`pipec explain E0701`) to run it"),
        );
        Some(why)
    }

    fn ancestors(&self, index: usize) -> Vec<usize> {
        let jobs = &self.pipeline.jobs;
        let mut marked = vec![false; jobs.len()];
        let mut stack = vec![index];
        while let Some(current) = stack.pop() {
            let Some(job) = jobs.get(current) else {
                continue;
            };
            for need in &job.needs {
                if let Some(position) = jobs.iter().position(|j| j.id == need.name)
                    && let Some(slot) = marked.get_mut(position)
                    && !*slot
                {
                    *slot = true;
                    stack.push(position);
                }
            }
        }
        (0..jobs.len())
            .filter(|i| marked.get(*i) == Some(&true))
            .collect()
    }

    fn needs_approval(&self, job: &ir::Job) -> bool {
        let Some(environment) = &job.environment else {
            return false;
        };
        let reviewed = |name: &str| {
            self.pipeline
                .environments
                .iter()
                .any(|e| e.name == name && e.reviewers.is_some_and(|n| n > 0))
        };
        match environment.name.as_plain() {
            Some(name) => reviewed(&name),
            // Named by an input: ask whenever any environment it may be needs approval.
            None => self
                .pipeline
                .environments
                .iter()
                .any(|e| e.reviewers.is_some_and(|n| n > 0)),
        }
    }

    fn job_condition(&mut self, job: &ir::Job, scope: &mut JobScope) -> (Vec<Cond>, Option<Cond>) {
        let Some(condition) = &job.condition else {
            return (Vec::new(), None);
        };
        let Some(lowered) = self.cond(condition, scope, Place::JobCondition) else {
            return (Vec::new(), None);
        };
        // Argo's expressions lower both sides, as GitHub ignores case; Tekton compares exactly.
        if let Some(text) = lowered
            .upper_case_literal()
            .filter(|_| self.runner == Runner::Kubernetes(Engine::Tekton))
        {
            self.approximated(
                condition.span,
                &format!("the job condition compares with \"{text}\" case-sensitively"),
                "GitHub compares text ignoring case; the engine does not",
                "write the text the way the values are spelt (branch and event names are usually lower case)",
            );
        }
        let lifts = condition.overrides_status();
        let mut when = Vec::new();
        let mut status = Vec::new();
        for conjunct in lowered.conjuncts() {
            if conjunct.is_status_only() {
                status.push(conjunct);
            } else if conjunct.mentions_status() {
                self.unsupported(
                    condition.span,
                    "a job condition that mixes the status of upstream jobs with values in one `||` or `!`",
                    "this condition",
                    "split it: `failure() && <values>` (a status part and-ed with a value part) compiles",
                );
            } else {
                when.push(conjunct);
            }
        }
        let handler = lifts.then(|| match status.len() {
            0 => Cond::Const(true),
            1 => status.pop().unwrap_or(Cond::Const(true)),
            _ => Cond::And(status),
        });
        (when, handler)
    }

    fn matrix_job(&self, job: usize) -> bool {
        self.pipeline
            .jobs
            .get(job)
            .is_some_and(|j| j.matrix.is_some())
    }

    /// A value; `None` after reporting what the place cannot hold.
    fn val(&mut self, expr: &Expr, scope: &mut JobScope, place: Place) -> Option<Val> {
        let pieces = |pieces: Vec<Piece>| Some(Val::Pieces(pieces));
        match &expr.kind {
            ExprKind::Literal(literal) => pieces(vec![Piece::Text(literal.to_text())]),
            ExprKind::Template(template) => {
                let mut all = Vec::new();
                for part in self.text(template, scope, place)? {
                    match part {
                        TextPart::Text(text) => all.push(Piece::Text(text)),
                        TextPart::Val(Val::Pieces(inner)) => all.extend(inner),
                        TextPart::Val(_) => {
                            self.unsupported(
                                expr.span,
                                "a secret, variable or step value inside a text used as a value",
                                "this text",
                                "pass the value through `env` and use the variable in the script",
                            );
                            return None;
                        }
                    }
                }
                pieces(all)
            }
            ExprKind::Context(Context::JobStatus) if place == Place::Container => {
                Some(Val::Runtime(Runtime::JobStatus))
            }
            ExprKind::Context(Context::Workspace) => pieces(vec![self.workspace()]),
            ExprKind::Context(Context::RunId) => pieces(vec![Piece::Ref(Ref::RunUid)]),
            ExprKind::Context(Context::JobStatus) => {
                self.unsupported(
                    expr.span,
                    "`job_status` in a job condition",
                    "a job has no status before it starts",
                    "use `failure()` or `success()` for the status of the jobs upstream",
                );
                None
            }
            ExprKind::Context(context) => {
                if !self.contexts.contains(context) {
                    self.contexts.push(*context);
                }
                pieces(vec![Piece::Ref(Ref::Param(names::label(context.name())))])
            }
            ExprKind::Matrix(key) => pieces(vec![Piece::Ref(Ref::Matrix(key.clone()))]),
            ExprKind::Input(name) => {
                if !self.inputs.contains(name) {
                    self.inputs.push(name.clone());
                }
                pieces(vec![Piece::Ref(Ref::Param(names::joined(&[
                    "input", name,
                ])))])
            }
            ExprKind::JobOutput { job, output } => {
                let position = self.pipeline.jobs.iter().position(|j| &j.id == job)?;
                if self.matrix_job(position) {
                    self.unsupported(
                        expr.span,
                        "an output of a matrix job",
                        "this job has a matrix",
                        "give the output to a job without a matrix (one the matrix job feeds), or read it from an artifact",
                    );
                    return None;
                }
                pieces(vec![Piece::Ref(Ref::JobOutput {
                    job: position,
                    output: names::label(output),
                })])
            }
            ExprKind::Secret(_) | ExprKind::Var(_) | ExprKind::Env(_)
                if place == Place::JobCondition =>
            {
                self.unsupported(
                    expr.span,
                    "a secret, variable or environment value in a job condition",
                    "the engine decides the job's condition before any container runs",
                    "decide it in the job's first step (a `when` on the steps), or use an input",
                );
                None
            }
            ExprKind::Secret(name) => {
                self.first_secret.get_or_insert(expr.span);
                Some(Val::Secret(name.clone()))
            }
            ExprKind::Var(name) => Some(Val::Var(name.clone())),
            ExprKind::Env(name) => Some(Val::Env(name.clone())),
            ExprKind::StepOutput { step, output } => {
                let index = scope.step_index(step)?;
                Some(Val::Runtime(Runtime::StepOutput {
                    step: index,
                    output: output.clone(),
                }))
            }
            ExprKind::StepOutcome { step } => {
                let index = scope.step_index(step)?;
                Some(Val::Runtime(Runtime::StepOutcome { step: index }))
            }
            ExprKind::JobResult { job } if self.runner == Runner::Local => {
                let position = self.pipeline.jobs.iter().position(|j| &j.id == job)?;
                if self.matrix_job(position) {
                    self.unsupported(
                        expr.span,
                        &format!("`needs.{job}.result` of a matrix job"),
                        "this job has a matrix",
                        "use `failure()` / `success()` (the status of every job upstream) instead",
                    );
                    return None;
                }
                Some(Val::Runtime(Runtime::JobResult { job: job_name(job) }))
            }
            ExprKind::JobResult { job } => {
                self.unsupported(
                    expr.span,
                    &format!("`needs.{job}.result`"),
                    "a job's result by name",
                    "use `failure()` / `success()` (the status of every job upstream) instead",
                );
                None
            }
            ExprKind::Raw(text) => {
                self.unsupported(
                    expr.span,
                    &format!("the raw GitHub expression `{text}`"),
                    "only GitHub evaluates this",
                    "use a portable context, an input or a step output instead",
                );
                None
            }
            ExprKind::Binary { .. }
            | ExprKind::Not(_)
            | ExprKind::Call { .. }
            | ExprKind::Status(_)
                if place == Place::Container =>
            {
                let cond = self.cond(expr, scope, place)?;
                Some(Val::Runtime(Runtime::Condition(Box::new(cond))))
            }
            _ => {
                self.unsupported(
                    expr.span,
                    "a condition or list used as a value",
                    "this expression",
                    "compute the value in a step and read it as a step output",
                );
                None
            }
        }
    }

    fn text(
        &mut self,
        template: &Template,
        scope: &mut JobScope,
        place: Place,
    ) -> Option<Vec<TextPart>> {
        let mut parts = Vec::new();
        let mut ok = true;
        for part in &template.parts {
            match part {
                TemplatePart::Text(text) => {
                    if let Runner::Kubernetes(engine) = self.runner
                        && let Some(syntax) = engine_syntax(engine, text)
                    {
                        self.unsupported(
                            template.span,
                            &format!("the text `{syntax}`, which the engine would replace"),
                            "this text is not passed on as written",
                            match engine {
                                Engine::Tekton => "Tekton replaces `$(params.…)`, `$(context.…)`, `$(tasks.…)` and the like in every field: split the text (`$\"\"(params.x)` in a script), or use a `.pipe` value (`${{ ... }}`)",
                                Engine::Argo => "Argo replaces `{{workflow.…}}`, `{{inputs.…}}`, `{{item}}` and the like in every field: split the braces (`{\"\"{` in a script), or use a `.pipe` value (`${{ ... }}`)",
                            },
                        );
                        ok = false;
                    }
                    parts.push(TextPart::Text(text.clone()));
                }
                TemplatePart::Expr(expr) => match self.val(expr, scope, place) {
                    Some(Val::Pieces(pieces)) => {
                        for piece in pieces {
                            parts.push(match piece {
                                Piece::Text(text) => TextPart::Text(text),
                                reference => TextPart::Val(Val::Pieces(vec![reference])),
                            });
                        }
                    }
                    Some(other) => parts.push(TextPart::Val(other)),
                    None => ok = false,
                },
            }
        }
        ok.then_some(parts)
    }

    fn value(&mut self, value: &Value, scope: &mut JobScope) -> Option<Vec<TextPart>> {
        match value {
            Value::String(template) => self.text(template, scope, Place::Container),
            Value::Bool(b) => Some(vec![TextPart::Text(b.to_string())]),
            Value::Number(n) => Some(vec![TextPart::Text(n.clone())]),
        }
    }

    fn operand(&mut self, expr: &Expr, scope: &mut JobScope, place: Place) -> Option<Operand> {
        if let ExprKind::List(items) = &expr.kind {
            let items: Option<Vec<Operand>> = items
                .iter()
                .map(|item| self.operand(item, scope, place))
                .collect();
            return items.map(Operand::List);
        }
        let val = self.val(expr, scope, place)?;
        Some(Operand::Value {
            val,
            ty: expr.ty.clone(),
        })
    }

    fn cond(&mut self, expr: &Expr, scope: &mut JobScope, place: Place) -> Option<Cond> {
        Some(match &expr.kind {
            ExprKind::Status(StatusFunction::Always) => Cond::Const(true),
            ExprKind::Status(StatusFunction::Cancelled) => Cond::Const(false),
            ExprKind::Status(function) => Cond::Status(*function),
            ExprKind::Literal(Literal::Bool(b)) => Cond::Const(*b),
            ExprKind::Not(inner) => Cond::Not(Box::new(self.cond(inner, scope, place)?)),
            ExprKind::Binary {
                op: op @ (BinaryOp::And | BinaryOp::Or),
                lhs,
                rhs,
            } => {
                let lhs = self.cond(lhs, scope, place);
                let rhs = self.cond(rhs, scope, place);
                let (lhs, rhs) = (lhs?, rhs?);
                let mut items = Vec::new();
                for side in [lhs, rhs] {
                    match (op, side) {
                        (BinaryOp::And, Cond::And(inner)) | (BinaryOp::Or, Cond::Or(inner)) => {
                            items.extend(inner)
                        }
                        (_, other) => items.push(other),
                    }
                }
                if *op == BinaryOp::And {
                    Cond::And(items)
                } else {
                    Cond::Or(items)
                }
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let lhs = self.operand(lhs, scope, place);
                let rhs = self.operand(rhs, scope, place);
                Cond::Compare {
                    op: *op,
                    lhs: lhs?,
                    rhs: rhs?,
                }
            }
            ExprKind::Call { function, args } => {
                let args: Vec<Option<Operand>> = args
                    .iter()
                    .map(|arg| self.operand(arg, scope, place))
                    .collect();
                Cond::Call {
                    function: *function,
                    args: args.into_iter().collect::<Option<Vec<_>>>()?,
                }
            }
            _ => Cond::Truthy(self.operand(expr, scope, place)?),
        })
    }

    fn sidecar(&mut self, service: &ir::Service, scope: &mut JobScope) -> Sidecar {
        let container = &service.container;
        let image = self.image_pieces(&container.image, scope);
        let mut env = Vec::new();
        for var in &container.env {
            if let Some(parts) = self.value(&var.value, scope)
                && let Some(value) = self.plain_env(&parts, var.span)
            {
                if let EnvValue::Text(pieces) = &value {
                    scope.record(pieces);
                }
                env.push(EnvEntry {
                    name: var.name.clone(),
                    value,
                });
            }
        }
        let mut ports = Vec::new();
        for port in &container.ports {
            let text = match port {
                Value::Number(n) => Some(n.clone()),
                Value::String(t) => t.as_plain(),
                Value::Bool(_) => None,
            };
            match text.as_deref().and_then(parse_port) {
                Some(number) => ports.push(number),
                None => self.unsupported(
                    container.span,
                    &format!(
                        "the port mapping `{}` of service `{}`",
                        text.unwrap_or_default(),
                        service.name
                    ),
                    "sidecars share the pod's network: a port cannot be mapped to another",
                    "publish the port the service listens on (`5432`, or `5432:5432`)",
                ),
            }
        }
        let options = container.options.as_ref().and_then(Template::as_plain);
        let health = options.as_deref().and_then(health_check);
        if health.is_some() && self.runner == Runner::Kubernetes(Engine::Argo) {
            self.approximated(
                container.span,
                &format!(
                    "steps do not wait for service `{}` to be healthy",
                    service.name
                ),
                "this service has a health check",
                "Argo does not gate containers on a sidecar's readiness: wait for the service in the first step that uses it",
            );
        }
        Sidecar {
            name: names::label(&service.name),
            image,
            env,
            ports,
            health,
        }
    }

    fn job_container_warnings(&mut self, container: &ir::Container) {
        let local = self.runner == Runner::Local;
        if container.credentials.is_some() {
            self.unsupported(
                container.span,
                "registry credentials of a job container",
                "these credentials",
                if local {
                    "log in to the registry (`docker login`) before the run, and remove `credentials`"
                } else {
                    "give the pods' service account an image pull secret instead, and remove `credentials`"
                },
            );
        }
        if container.options.is_some()
            || !container.volumes.is_empty()
            || !container.ports.is_empty()
        {
            self.approximated(
                container.span,
                "a job container's `options`, `volumes` and `ports` are left out",
                "only the image and env of this container are used",
                if local {
                    "each step runs in `docker run --rm <image>` with the workspace mounted; start what else the job needs in a step"
                } else {
                    "configure the pod through the engine (pod templates) if the job needs them"
                },
            );
        }
    }

    fn image_pieces(&mut self, image: &Template, scope: &mut JobScope) -> Vec<Piece> {
        let mut pieces = Vec::new();
        for part in self
            .text(image, scope, Place::Container)
            .unwrap_or_default()
        {
            match part {
                TextPart::Text(text) => pieces.push(Piece::Text(text)),
                TextPart::Val(Val::Pieces(inner)) => pieces.extend(inner),
                TextPart::Val(_) => self.unsupported(
                    image.span,
                    "an image named by a secret, variable or step value",
                    "this image",
                    "name the image with literal text, inputs or matrix values",
                ),
            }
        }
        scope.record(&pieces);
        pieces
    }

    /// An env value that needs no launcher: text the engine completes, or one secret or
    /// variable.
    fn plain_env(&mut self, parts: &[TextPart], span: Span) -> Option<EnvValue> {
        match parts {
            [TextPart::Val(Val::Secret(name))] => return Some(EnvValue::Secret(name.clone())),
            [TextPart::Val(Val::Var(name))] => return Some(EnvValue::Var(name.clone())),
            _ => {}
        }
        let mut pieces = Vec::new();
        for part in parts {
            match part {
                TextPart::Text(text) => pieces.push(Piece::Text(text.clone())),
                TextPart::Val(Val::Pieces(inner)) => pieces.extend(inner.iter().cloned()),
                TextPart::Val(_) => {
                    self.unsupported(
                        span,
                        "a service environment value mixing text with a secret, variable or step value",
                        "this value",
                        "give the whole value as one secret or variable",
                    );
                    return None;
                }
            }
        }
        Some(EnvValue::Text(pieces))
    }

    fn default_image(&mut self, job: &ir::Job, scope: &mut JobScope) -> Option<Vec<Piece>> {
        if let Some(container) = &job.container {
            return Some(self.image_pieces(&container.image, scope));
        }
        self.settings
            .default_image
            .map(|image| vec![Piece::Text(image.to_string())])
    }

    /// The job's containers (one per step, then `finish`) and its result names.
    fn containers(
        &mut self,
        job: &ir::Job,
        job_name: &str,
        scope: &mut JobScope,
    ) -> (LoweredSteps, Vec<String>) {
        let target_kind = match self.runner {
            Runner::Kubernetes(_) => TargetKind::Kubernetes,
            Runner::Local => TargetKind::Shell,
        };
        let mut steps: Vec<(ir::Step, bool)> = Vec::new();
        for (step, on_failure) in job
            .steps()
            .iter()
            .map(|s| (s, false))
            .chain(job.failure_steps().iter().map(|s| (s, true)))
        {
            match step.for_target(target_kind) {
                Ok(plain) => steps.extend(plain.into_iter().map(|s| (s, on_failure))),
                // Kept as a step the job skips, so later steps keep their numbers.
                Err(call) if self.settings.skip_unsupported => {
                    self.skipped_step(
                        step,
                        &format!("template `{}` has no `shell` body", call.template),
                    );
                    steps.push((step.clone(), on_failure));
                }
                Err(call) => {
                    let mut diagnostic = crate::missing_target_body(step, call, target_kind);
                    if self.runner == Runner::Local {
                        diagnostic = diagnostic.with_note(self.skip_unsupported_note());
                    }
                    self.diagnostics.push(diagnostic);
                }
            }
        }
        scope.step_ids = steps
            .iter()
            .enumerate()
            .filter_map(|(index, (step, _))| step.id.clone().map(|id| (id, index)))
            .collect();

        let mut base_env = vec![
            ("CI".to_string(), vec![TextPart::Text("true".into())]),
            (
                "GITHUB_REPOSITORY".to_string(),
                vec![TextPart::Val(Val::Pieces(vec![Piece::Ref(Ref::Param(
                    "repository".into(),
                ))]))],
            ),
            (
                "GITHUB_SHA".to_string(),
                vec![TextPart::Val(Val::Pieces(vec![Piece::Ref(Ref::Param(
                    "sha".into(),
                ))]))],
            ),
            (
                "GITHUB_WORKSPACE".to_string(),
                vec![TextPart::Val(Val::Pieces(vec![self.workspace()]))],
            ),
        ];
        scope.record(&[
            Piece::Ref(Ref::Param("repository".into())),
            Piece::Ref(Ref::Param("sha".into())),
        ]);
        let container_env = job.container.as_ref().map_or(&[][..], |c| c.env.as_slice());
        for var in self
            .pipeline
            .env
            .iter()
            .chain(&job.env)
            .chain(container_env)
        {
            if let Some(parts) = self.value(&var.value, scope) {
                set_env(&mut base_env, &var.name, parts);
            }
        }
        let default_image = self.default_image(job, scope);
        let shell_default = job
            .defaults
            .shell
            .clone()
            .or_else(|| self.pipeline.defaults.shell.clone());
        let directory_default = job
            .defaults
            .working_directory
            .clone()
            .or_else(|| self.pipeline.defaults.working_directory.clone());

        let state = self.runner.state();
        let mut containers = Vec::new();
        let mut skipped = Vec::new();
        let mut missing_image = Vec::new();
        for (index, (step, on_failure)) in steps.iter().enumerate() {
            let title = step_title(step, index);
            let StepAction::Run {
                script,
                shell,
                working_directory,
                image,
            } = &step.action
            else {
                let action = match &step.action {
                    StepAction::Uses { action, .. } => Some(action),
                    _ => None,
                };
                if let Some(action) = action
                    && !self.settings.skip_unsupported
                {
                    let help = format!(
                        "use a standard library template with a `{}` body (`pipec doc`), or a `run` step",
                        target_kind.name()
                    );
                    self.unsupported(
                        step.span,
                        &format!("the GitHub action `{action}`"),
                        "only GitHub runs actions",
                        &help,
                    );
                    let note = self.skip_unsupported_note();
                    if self.runner == Runner::Local
                        && let Some(last) = self.diagnostics.last_mut()
                    {
                        *last = last.clone().with_note(note);
                    }
                    continue;
                }
                if let Some(action) = action {
                    self.skipped_step(
                        step,
                        &format!("the GitHub action `{action}` runs only on GitHub"),
                    );
                }
                containers.push(skipped_container(state, index, &title));
                skipped.push(title);
                continue;
            };
            let errors_before = self.diagnostics.len();
            let image = match (self.runner, image) {
                (Runner::Local, _) => Vec::new(),
                (_, Some(image)) => self.image_pieces(image, scope),
                (_, None) => match &default_image {
                    Some(image) => image.clone(),
                    None => {
                        missing_image.push(step.span);
                        continue;
                    }
                },
            };
            let mut env = base_env.clone();
            for var in &step.env {
                if let Some(parts) = self.value(&var.value, scope) {
                    set_env(&mut env, &var.name, parts);
                }
            }
            let condition = self.step_condition(step, *on_failure, scope);
            let script_parts = self.text(script, scope, Place::Container);
            let directory = match working_directory.as_ref().or(directory_default.as_ref()) {
                Some(dir) => self.text(dir, scope, Place::Container),
                None => Some(Vec::new()),
            };
            let (Some(condition), Some(script_parts), Some(directory)) =
                (condition, script_parts, directory)
            else {
                // A value only GitHub has: with --skip-unsupported the step is skipped, and
                // the reason is the first error its values gave.
                if self.settings.skip_unsupported && self.diagnostics.len() > errors_before {
                    let prefix = format!("the {} target cannot express ", self.runner.name());
                    let why = self
                        .diagnostics
                        .get(errors_before)
                        .map(|d| d.message.replace(&prefix, "it uses "))
                        .unwrap_or_default();
                    self.diagnostics.truncate(errors_before);
                    self.skipped_step(step, &why);
                    containers.push(skipped_container(state, index, &title));
                    skipped.push(title);
                }
                continue;
            };
            let label = step
                .name
                .as_ref()
                .and_then(Template::as_plain)
                .or_else(|| step.id.clone());
            let number = (index + 1).to_string();
            let spec = StepSpec {
                state,
                index,
                title: &title,
                env,
                condition,
                script: script_parts,
                shell: shell.clone().or_else(|| shell_default.clone()),
                working_directory: directory,
                timeout: step.timeout.map(|t| t.seconds),
                continue_on_error: step.continue_on_error,
            };
            match launcher::step(spec) {
                Ok((env, script)) => {
                    let name = match &label {
                        Some(label) => names::joined(&["step", &number, label]),
                        None => names::joined(&["step", &number]),
                    };
                    let name = names::label(name.get(..40).unwrap_or(&name));
                    for entry in &env {
                        if let EnvValue::Text(pieces) = &entry.value {
                            scope.record(pieces);
                        }
                    }
                    containers.push(Container {
                        name,
                        image,
                        env,
                        script,
                    });
                }
                Err(reason) => self.unsupported(
                    step.span,
                    &reason,
                    "this step",
                    "use `bash` or `sh` for scripts that interpolate values, or pass them through `env`",
                ),
            }
        }
        if let Some(first) = missing_image.first() {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::UnsupportedByTarget,
                    format!(
                        "the {} target needs an image for the {} step(s) of job `{}` that name none",
                        self.runner.name(),
                        missing_image.len(),
                        job.id
                    ),
                    *first,
                    "this step has no image",
                )
                .with_help("give the job a `container { image: ... }`, or pass `--image IMAGE` for every step that names none"),
            );
        }

        let mut outputs = Vec::new();
        let mut output_values = Vec::new();
        for output in &job.outputs {
            let name = names::label(&output.name);
            if let Some(parts) = self.text(&output.value, scope, Place::Container) {
                output_values.push((name.clone(), parts));
            }
            outputs.push(name);
        }
        let finish_image = match self.runner {
            Runner::Local => Some(Vec::new()),
            Runner::Kubernetes(_) => containers
                .last()
                .map(|c| c.image.clone())
                .or_else(|| default_image.clone()),
        };
        if let Some(image) = finish_image {
            let state = self.runner.state();
            let output_path = |name: &str| match self.runner {
                Runner::Kubernetes(Engine::Tekton) => format!("$(results.{name}.path)"),
                Runner::Kubernetes(Engine::Argo) | Runner::Local => state.output_file(name),
            };
            let (env, script) = launcher::finish(
                state,
                job_name,
                base_env,
                &output_values,
                &output_path,
                job.continue_on_error,
            );
            for entry in &env {
                if let EnvValue::Text(pieces) = &entry.value {
                    scope.record(pieces);
                }
            }
            containers.push(Container {
                name: match self.runner {
                    Runner::Kubernetes(Engine::Tekton) | Runner::Local => "finish".into(),
                    // Argo reads a container set's outputs from the container named `main`.
                    Runner::Kubernetes(Engine::Argo) => "main".into(),
                },
                image,
                env,
                script,
            });
        }
        (
            LoweredSteps {
                containers,
                skipped,
                image: match self.runner {
                    Runner::Local => default_image,
                    Runner::Kubernetes(_) => None,
                },
            },
            outputs,
        )
    }

    /// The warning for a step `--skip-unsupported` leaves out.
    fn skipped_step(&mut self, step: &ir::Step, why: &str) {
        self.diagnostics.push(
            Diagnostic::new(
                Code::SkippedByTarget,
                format!("on the {} target this step is skipped: {why}", self.runner.name()),
                step.span,
                "this step does not run",
            )
            .with_help("the run goes on without it (`--skip-unsupported`); to run it here, use a template with a `shell` body, or a `run` step"),
        );
    }

    fn skip_unsupported_note(&self) -> String {
        format!(
            "`--skip-unsupported` runs the rest of the pipeline and marks such steps skipped (the {} target)",
            self.runner.name()
        )
    }

    /// The checkout: where steps start and what `workspace` is.
    fn workspace(&self) -> Piece {
        match self.runner {
            Runner::Kubernetes(_) => Piece::Text(SOURCE_DIR.into()),
            Runner::Local => Piece::Ref(Ref::Param("workspace".into())),
        }
    }

    /// The step's condition with GitHub's implicit `success()`; `on_failure` steps run on
    /// `failure()`.
    fn step_condition(
        &mut self,
        step: &ir::Step,
        on_failure: bool,
        scope: &mut JobScope,
    ) -> Option<Cond> {
        let own = match &step.condition {
            Some(condition) => Some(self.cond(condition, scope, Place::Container)?),
            None => None,
        };
        let lifts = step.condition.as_ref().is_some_and(Expr::overrides_status);
        let status = if on_failure {
            Some(Cond::Status(StatusFunction::Failure))
        } else if lifts {
            None
        } else {
            Some(Cond::Status(StatusFunction::Success))
        };
        Some(match (status, own) {
            (None, None) => Cond::Const(true),
            (Some(one), None) | (None, Some(one)) => one,
            (Some(status), Some(own)) => Cond::And(vec![status, own]),
        })
    }
}

impl JobScope {
    fn step_index(&self, id: &str) -> Option<usize> {
        self.step_ids
            .iter()
            .find(|(step, _)| step == id)
            .map(|(_, index)| *index)
    }
}

/// A job's name in the plan: a DNS label that does not start with a digit (Argo and Tekton
/// task names must not), also the directory of its files in a local run.
fn job_name(id: &str) -> String {
    let name = names::label(id);
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        names::joined(&["job", &name])
    } else {
        name
    }
}

/// What lowering a job's steps gives besides its outputs.
struct LoweredSteps {
    containers: Vec<Container>,
    skipped: Vec<String>,
    image: Option<Vec<Piece>>,
}

/// The container of a step the runner skips (`--skip-unsupported`).
fn skipped_container(state: StateDir, index: usize, title: &str) -> Container {
    let (env, script) = launcher::skipped(state, index, title);
    Container {
        name: names::label(&format!("step-{}", index + 1)),
        image: Vec::new(),
        env,
        script,
    }
}

/// A step's title in logs: its name, else its id, else its number.
fn step_title(step: &ir::Step, index: usize) -> String {
    step.name
        .as_ref()
        .and_then(Template::as_plain)
        .or_else(|| step.id.clone())
        .unwrap_or_else(|| format!("step {}", index + 1))
}

/// Sets (or replaces, in place) an environment variable: later levels win, as on GitHub.
fn set_env(env: &mut Vec<(String, Vec<TextPart>)>, name: &str, parts: Vec<TextPart>) {
    match env.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = parts,
        None => env.push((name.to_string(), parts)),
    }
}

fn matrix_plan(matrix: &ir::Matrix) -> MatrixPlan {
    let rows: Vec<Vec<(String, String)>> = matrix
        .combinations()
        .into_iter()
        .map(|row| row.into_iter().map(|(k, v)| (k, v.to_text())).collect())
        .collect();
    let product = (matrix.include.is_empty() && matrix.exclude.is_empty()).then(|| {
        matrix
            .axes
            .iter()
            .map(|axis| {
                (
                    axis.name.clone(),
                    axis.values.iter().map(Literal::to_text).collect(),
                )
            })
            .collect()
    });
    MatrixPlan {
        keys: matrix.keys().into_iter().map(str::to_string).collect(),
        product,
        rows,
        fail_fast: matrix.fail_fast,
        max_parallel: matrix.max_parallel,
        span: matrix.span,
    }
}

/// The first piece of `text` that the engine reads as its own variable syntax.
fn engine_syntax(engine: Engine, text: &str) -> Option<String> {
    let (open, prefixes): (&str, &[&str]) = match engine {
        Engine::Tekton => (
            "$(",
            &[
                "params.",
                "context.",
                "tasks.",
                "results.",
                "steps.",
                "step.",
                "workspaces.",
            ],
        ),
        Engine::Argo => (
            "{{",
            &[
                "workflow.",
                "inputs.",
                "outputs.",
                "steps.",
                "tasks.",
                "item",
                "pod.",
                "node.",
                "=",
            ],
        ),
    };
    text.match_indices(open).find_map(|(at, _)| {
        let rest = text.get(at + open.len()..)?.trim_start();
        prefixes
            .iter()
            .any(|prefix| rest.starts_with(prefix))
            .then(|| {
                text.get(at..)
                    .unwrap_or_default()
                    .chars()
                    .take(30)
                    .collect()
            })
    })
}

/// `5432` or `5432:5432`: the port a sidecar listens on.
fn parse_port(text: &str) -> Option<u16> {
    let text = text.trim();
    let text = text.strip_suffix("/tcp").unwrap_or(text);
    match text.split_once(':') {
        Some((host, container)) if host == container => container.parse().ok(),
        Some(_) => None,
        None => text.parse().ok(),
    }
}

/// The health check in docker options, when they have a `--health-cmd`.
fn health_check(options: &str) -> Option<HealthCheck> {
    let seconds = |name: &str| {
        docker_option(options, name)
            .as_deref()
            .and_then(duration_seconds)
    };
    Some(HealthCheck {
        command: docker_option(options, "--health-cmd")?,
        interval_seconds: seconds("--health-interval"),
        timeout_seconds: seconds("--health-timeout"),
        retries: docker_option(options, "--health-retries").and_then(|n| n.parse().ok()),
    })
}

/// Docker's duration syntax (`10s`, `1m30s`, `500ms`) in whole seconds, at least 1.
fn duration_seconds(text: &str) -> Option<u64> {
    let mut total_ms: u64 = 0;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let value: u64 = number.parse().ok()?;
        number.clear();
        let unit_ms = match c {
            'h' => 3_600_000,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                1
            }
            'm' => 60_000,
            's' => 1_000,
            _ => return None,
        };
        total_ms = total_ms.checked_add(value.checked_mul(unit_ms)?)?;
    }
    if !number.is_empty() {
        return None;
    }
    Some(total_ms.div_ceil(1_000).max(1))
}

/// The value of `--name VALUE`, `--name=VALUE` or `--name "VALUE"` in docker options.
fn docker_option(options: &str, name: &str) -> Option<String> {
    let start = options.find(name)? + name.len();
    let rest = options.get(start..)?.trim_start_matches(['=', ' ']);
    let quote = rest.chars().next()?;
    if quote == '"' || quote == '\'' {
        let body = rest.get(1..)?;
        let end = body.find(quote)?;
        body.get(..end).map(str::to_string)
    } else {
        rest.split_whitespace().next().map(str::to_string)
    }
}

/// What the run parameter of a context means, its default and the run object's value.
fn context_param(context: Context) -> (String, Option<String>, String) {
    let (description, default, example): (&str, Option<&str>, &str) = match context {
        Context::Repository => (
            "owner/name of the repository to check out",
            None,
            "<owner>/<repository>",
        ),
        Context::Sha => ("the commit the run is for", None, "<commit sha>"),
        Context::Branch => (
            "the branch the run is for; empty for tags and pull requests",
            Some(""),
            "main",
        ),
        Context::Tag => ("the tag the run is for; empty otherwise", Some(""), ""),
        Context::Ref => (
            "the full git ref (refs/heads/main)",
            None,
            "refs/heads/main",
        ),
        Context::RefName => ("the short name of the ref", None, "main"),
        Context::Event => (
            "the event that started the run, named like the trigger (push, workflow_dispatch)",
            Some("push"),
            "push",
        ),
        Context::RepositoryOwner => ("the repository's owner", None, "<owner>"),
        Context::Actor => ("who started the run", None, "<user>"),
        Context::RunNumber => ("the run's number", Some("1"), "1"),
        Context::RunAttempt => ("the run's attempt", Some("1"), "1"),
        Context::BaseBranch => (
            "a pull request's target branch; empty otherwise",
            Some(""),
            "",
        ),
        Context::HeadBranch => (
            "a pull request's source branch; empty otherwise (untrusted)",
            Some(""),
            "",
        ),
        Context::RunId | Context::Workspace | Context::JobStatus => ("", None, ""),
    };
    (
        description.to_string(),
        default.map(str::to_string),
        example.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_variable_syntax_in_user_text_is_found() {
        assert_eq!(
            engine_syntax(Engine::Tekton, "echo $(params.sha) now").as_deref(),
            Some("$(params.sha) now")
        );
        assert_eq!(
            engine_syntax(Engine::Tekton, "echo $(date) {{workflow.name}}"),
            None
        );
        assert!(engine_syntax(Engine::Argo, "echo '{{ workflow.name }}'").is_some());
        assert!(engine_syntax(Engine::Argo, "echo {{item}}").is_some());
        assert_eq!(
            engine_syntax(Engine::Argo, "docker inspect -f '{{.Id}}' {{version}}"),
            None
        );
    }

    #[test]
    fn ports_and_health_commands_are_read_from_docker_options() {
        assert_eq!(parse_port("5432"), Some(5432));
        assert_eq!(parse_port("6379:6379"), Some(6379));
        assert_eq!(parse_port("8080:80"), None);
        assert_eq!(
            health_check("--health-cmd pg_isready --health-interval 10s --health-timeout 500ms"),
            Some(HealthCheck {
                command: "pg_isready".into(),
                interval_seconds: Some(10),
                timeout_seconds: Some(1),
                retries: None,
            })
        );
        assert_eq!(
            health_check("--health-cmd \"redis-cli ping\" --health-retries 5")
                .map(|h| (h.command, h.retries)),
            Some(("redis-cli ping".to_string(), Some(5)))
        );
        assert_eq!(health_check("--health-interval 10s"), None);
        assert_eq!(duration_seconds("1m30s"), Some(90));
        assert_eq!(duration_seconds("ten"), None);
    }
}

//! Jobs and steps of a GitHub workflow.
//!
//! Job keys come in this order: `name`, `needs`, `if`, `runs-on`, `environment`,
//! `permissions`, `concurrency`, `timeout-minutes`, `continue-on-error`, `strategy`,
//! `container`, `services`, `outputs`, `env`, `defaults`, then `steps`, or `uses`, `with`
//! and `secrets` for a job that calls a reusable workflow. Step keys: `name`, `id`, `if`,
//! `uses` and `with` or `run`, `shell` and `working-directory`, then `env`,
//! `timeout-minutes`, `continue-on-error`.
//!
//! Timeouts are rounded up to whole minutes, because shortening a timeout could fail a run
//! that the source allows. `on_failure` steps follow the other steps with `failure()`
//! added to their condition.

use pipec_compiler::ir::{
    self, BinaryOp, CallSecrets, Expr, ExprKind, JobBody, StatusFunction, StepAction, TargetKind,
    Type,
};

use pipec_compiler::{Code, Diagnostic, Span};

use super::{Workflow, literal_node, permissions_node};
use crate::yaml::{Map, Node};

impl Workflow<'_> {
    pub(super) fn jobs(&mut self) -> Map {
        let mut jobs = Map::new();
        for job in &self.pipeline.jobs {
            let node = self.job(job);
            jobs.insert_separated(job.id.as_str(), node);
        }
        jobs
    }

    fn job(&mut self, job: &ir::Job) -> Map {
        let mut map = Map::new();
        let name = job.name.as_ref().map(|name| self.text(name));
        map.insert_some("name", name);
        if !job.needs.is_empty() {
            map.insert(
                "needs",
                Node::Seq(
                    job.needs
                        .iter()
                        .map(|need| Node::from(need.name.as_str()))
                        .collect(),
                ),
            );
        }
        let condition = job
            .condition
            .as_ref()
            .map(|condition| super::expr::condition(condition, &mut self.diagnostics));
        map.insert_some("if", condition);
        let runs_on: Vec<Node> = job
            .runs_on
            .iter()
            .map(|label| Node::Str(self.text(label)))
            .collect();
        match <[Node; 1]>::try_from(runs_on) {
            Ok([label]) => map.insert("runs-on", label),
            Err(labels) if !labels.is_empty() => map.insert("runs-on", Node::Seq(labels)),
            Err(_) => {}
        }
        if let Some(environment) = &job.environment
            && self.allowed_on(job, "environment", environment.span)
        {
            let environment = self.environment(environment);
            map.insert("environment", environment);
        }
        map.insert_some(
            "permissions",
            job.permissions.as_ref().map(permissions_node),
        );
        if let Some(concurrency) = &job.concurrency {
            let concurrency = self.concurrency(concurrency);
            map.insert("concurrency", concurrency);
        }
        if let Some(timeout) = job.timeout
            && self.allowed_on(job, "timeout", job.span)
        {
            map.insert("timeout-minutes", timeout_minutes(timeout));
        }
        if job.continue_on_error && self.allowed_on(job, "continue_on_error", job.span) {
            map.insert("continue-on-error", true);
        }
        map.insert_some("strategy", job.matrix.as_ref().map(strategy));
        if let Some(container) = &job.container
            && self.allowed_on(job, "container", container.span)
        {
            let container = self.container(container);
            map.insert("container", container);
        }
        if let Some(first) = job.services.first()
            && self.allowed_on(job, "services", first.container.span)
        {
            let mut services = Map::new();
            for service in &job.services {
                let container = self.container(&service.container);
                services.insert(service.name.as_str(), container);
            }
            map.insert("services", services);
        }
        if let Some(first) = job.outputs.first()
            && self.allowed_on(job, "outputs", first.span)
        {
            let mut outputs = Map::new();
            for output in &job.outputs {
                let value = self.text(&output.value);
                outputs.insert(output.name.as_str(), value);
            }
            map.insert("outputs", outputs);
        }
        if let Some(first) = job.env.first()
            && self.allowed_on(job, "env", first.span)
        {
            map.insert_some("env", self.env(&job.env));
        }
        if !job.defaults.is_empty()
            && self.allowed_on(job, "shell` or `working_directory", job.span)
        {
            map.insert_some("defaults", self.defaults(&job.defaults));
        }
        match &job.body {
            JobBody::Steps { steps, on_failure } => {
                let main = steps.iter().map(|step| (step, false));
                let handlers = on_failure.iter().map(|step| (step, true));
                let mut all: Vec<Node> = Vec::new();
                for (step, after_failure) in main.chain(handlers) {
                    for plain in self.plain_steps(step) {
                        all.push(Node::Map(self.step(&plain, after_failure)));
                    }
                }
                map.insert("steps", all);
            }
            JobBody::Call(call) => {
                map.insert("uses", call.uses.as_str());
                let with =
                    self.values(call.with.iter().map(|(name, value)| (name.as_str(), value)));
                map.insert_some("with", with);
                match &call.secrets {
                    CallSecrets::None => {}
                    CallSecrets::Inherit => map.insert("secrets", "inherit"),
                    CallSecrets::Pass(secrets) => {
                        let mut passed = Map::new();
                        for (name, value) in secrets {
                            let value = self.text(value);
                            passed.insert(name.as_str(), value);
                        }
                        map.insert("secrets", passed);
                    }
                }
            }
        }
        map
    }

    /// Whether `setting` can be written on `job`: GitHub allows it on every job except one
    /// that calls a reusable workflow, where it is reported instead.
    fn allowed_on(&mut self, job: &ir::Job, setting: &str, span: Span) -> bool {
        if !matches!(job.body, JobBody::Call(_)) {
            return true;
        }
        self.diagnostics.push(
            Diagnostic::new(
                Code::UnsupportedByTarget,
                format!("the github target cannot set `{setting}` on job `{}`, which calls a reusable pipeline", job.id),
                span,
                "not allowed on a job with `uses:`",
            )
            .with_help("move the setting into the jobs of the called pipeline"),
        );
        false
    }

    /// A plain environment name, or `{name, url}` when the job or the pipeline's
    /// declaration of the environment gives a URL.
    fn environment(&mut self, environment: &ir::JobEnvironment) -> Node {
        let name = self.text(&environment.name);
        let declared = environment.name.as_plain().and_then(|plain| {
            self.pipeline
                .environments
                .iter()
                .find(|declared| declared.name == plain)
                .and_then(|d| d.url.as_ref())
        });
        match environment.url.as_ref().or(declared) {
            Some(url) => {
                let mut map = Map::new();
                map.insert("name", name);
                map.insert("url", self.text(url));
                Node::Map(map)
            }
            None => Node::Str(name),
        }
    }

    fn container(&mut self, container: &ir::Container) -> Map {
        let mut map = Map::new();
        map.insert("image", self.text(&container.image));
        map.insert_some("env", self.env(&container.env));
        if !container.ports.is_empty() {
            let ports: Vec<Node> = container
                .ports
                .iter()
                .map(|port| self.value(port))
                .collect();
            map.insert("ports", ports);
        }
        if !container.volumes.is_empty() {
            let volumes: Vec<Node> = container
                .volumes
                .iter()
                .map(|volume| Node::Str(self.text(volume)))
                .collect();
            map.insert("volumes", volumes);
        }
        let options = container.options.as_ref().map(|options| self.text(options));
        map.insert_some("options", options);
        if let Some((username, password)) = &container.credentials {
            let mut credentials = Map::new();
            credentials.insert("username", self.text(username));
            credentials.insert("password", self.text(password));
            map.insert("credentials", credentials);
        }
        map
    }

    /// A step as GitHub runs it: a template call becomes its `github` (or shared) body.
    fn plain_steps(&mut self, step: &ir::Step) -> Vec<ir::Step> {
        match step.for_target(TargetKind::Github) {
            Ok(steps) => steps,
            Err(call) => {
                self.diagnostics
                    .push(crate::missing_target_body(step, call, TargetKind::Github));
                Vec::new()
            }
        }
    }

    fn step(&mut self, step: &ir::Step, after_failure: bool) -> Map {
        let mut map = Map::new();
        let name = step.name.as_ref().map(|name| self.text(name));
        map.insert_some("name", name);
        map.insert_some("id", step.id.as_deref());
        let condition = match (&step.condition, after_failure) {
            (Some(condition), false) => {
                Some(super::expr::condition(condition, &mut self.diagnostics))
            }
            (None, false) => None,
            (own, true) => Some(super::expr::condition(
                &after_failure_condition(step, own.as_ref()),
                &mut self.diagnostics,
            )),
        };
        map.insert_some("if", condition);
        match &step.action {
            StepAction::Uses { action, with } => {
                map.insert("uses", action.as_str());
                let with = self.values(with.iter().map(|(name, value)| (name.as_str(), value)));
                map.insert_some("with", with);
            }
            StepAction::Run {
                script,
                shell,
                working_directory,
                image: _,
            } => {
                map.insert("run", self.text(script));
                map.insert_some("shell", shell.as_deref());
                let directory = working_directory.as_ref().map(|dir| self.text(dir));
                map.insert_some("working-directory", directory);
            }
            // `plain_steps` has replaced template calls by their bodies.
            StepAction::Template(_) => {}
        }
        map.insert_some("env", self.env(&step.env));
        map.insert_some("timeout-minutes", step.timeout.map(timeout_minutes));
        if step.continue_on_error {
            map.insert("continue-on-error", true);
        }
        map
    }
}

/// `failure()`, or `failure() && (own condition)` for an `on_failure` step.
fn after_failure_condition(step: &ir::Step, own: Option<&Expr>) -> Expr {
    let failure = Expr {
        kind: ExprKind::Status(StatusFunction::Failure),
        ty: Type::Bool,
        span: step.span,
    };
    match own {
        None => failure,
        Some(own) => Expr {
            kind: ExprKind::Binary {
                op: BinaryOp::And,
                lhs: Box::new(failure),
                rhs: Box::new(own.clone()),
            },
            ty: Type::Bool,
            span: own.span,
        },
    }
}

/// Whole minutes, rounded up.
fn timeout_minutes(timeout: ir::Duration) -> Node {
    Node::number_or_string(&timeout.seconds.div_ceil(60).to_string())
}

fn strategy(matrix: &ir::Matrix) -> Map {
    let mut strategy = Map::new();
    strategy.insert_some("fail-fast", matrix.fail_fast);
    strategy.insert_some(
        "max-parallel",
        matrix.max_parallel.map(|n| Node::Number(n.to_string())),
    );
    let mut axes = Map::new();
    for axis in &matrix.axes {
        axes.insert(
            axis.name.as_str(),
            Node::Seq(axis.values.iter().map(literal_node).collect()),
        );
    }
    let rows = |rows: &[ir::MatrixRow]| {
        let rows = rows.iter().map(|row| {
            let mut map = Map::new();
            for (key, value) in &row.values {
                map.insert(key.as_str(), literal_node(value));
            }
            Node::Map(map)
        });
        Node::Seq(rows.collect())
    };
    if !matrix.include.is_empty() {
        axes.insert("include", rows(&matrix.include));
    }
    if !matrix.exclude.is_empty() {
        axes.insert("exclude", rows(&matrix.exclude));
    }
    strategy.insert("matrix", axes);
    strategy
}

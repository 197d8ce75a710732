//! Argo Workflows: per pipeline a `WorkflowTemplate` (a DAG of jobs) and a `Workflow`
//! that runs it.
//!
//! | plan | Argo |
//! |---|---|
//! | job | a DAG task and a `containerSet` template (the steps in one pod, a shared `/workspace` volume) |
//! | needs | `depends: "a.Succeeded && b.Succeeded"`, so a skipped or failed job stops its dependants |
//! | condition on values | the task's `when` (govaluate) |
//! | failure handler | `depends` on `.Failed`/`.Errored` of the jobs upstream (`always()`: on any end); the DAG's `target` names every job, so a handler's success does not hide a failure |
//! | matrix | `withItems` of objects, passed as `matrix-<key>` inputs |
//! | outputs | template `outputs.parameters` read from the job's files, `{{tasks.<t>.outputs.parameters.<o>}}` |
//! | services | template `sidecars` |
//! | timeout | template `activeDeadlineSeconds` (GitHub's 6 h by default) |
//! | approval | a `suspend` task before the job (`argo resume`) |

use pipec_compiler::ir::{BinaryOp, Function, StatusFunction, Type};
use pipec_compiler::{Code, Diagnostic};

use super::render;
use super::tekton::glob_regex;
use crate::GeneratedFile;
use crate::plan::launcher::StateDir;
use crate::plan::{Cond, Container, JobPlan, Operand, Piece, Plan, Ref, SOURCE_DIR, Val, names};
use crate::yaml::{Map, Node};

const DAG: &str = "pipeline";
const APPROVAL: &str = "approve";

pub(crate) fn render(plan: &Plan, diagnostics: &mut Vec<Diagnostic>) -> Vec<GeneratedFile> {
    let mut renderer = Renderer { plan, diagnostics };
    renderer.check();
    let template = renderer.workflow_template();
    let run = renderer.workflow();
    vec![
        render::file(plan, "workflowtemplate.yaml", &template, &[]),
        render::file(plan, "run/workflow.yaml", &run, &[render::RUN_NOTE]),
    ]
}

struct Renderer<'a, 'p> {
    plan: &'a Plan<'p>,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Renderer<'_, '_> {
    fn check(&mut self) {
        for job in &self.plan.jobs {
            if let Some(matrix) = &job.matrix
                && (matrix.max_parallel.is_some() || matrix.fail_fast.is_some())
            {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::ApproximatedByTarget,
                        "on the argo target, a matrix's `max_parallel` and `fail_fast` are left out",
                        matrix.span,
                        "every combination runs at once, and one failure does not cancel the others",
                    )
                    .with_help("set `parallelism` on the workflow by hand if it matters"),
                );
            }
            if job.approval
                && let Some(environment) = &job.job.environment
            {
                let named = environment.name.as_plain();
                let reviewers = self
                    .plan
                    .pipeline
                    .environments
                    .iter()
                    .filter(|e| named.as_ref().is_none_or(|name| &e.name == name))
                    .filter_map(|e| e.reviewers)
                    .max()
                    .unwrap_or(1);
                if reviewers > 1 {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::ApproximatedByTarget,
                            format!("on the argo target, one person approves the deployment of job `{}`, not {reviewers}", job.job.id),
                            environment.span,
                            "the job waits in a suspend step until someone resumes it",
                        )
                        .with_help("who may resume (`argo resume`) is decided by RBAC on the workflow"),
                    );
                }
            }
        }
    }

    fn workflow_template(&mut self) -> Map {
        let plan = self.plan;
        let mut spec = Map::new();
        spec.insert("entrypoint", DAG);
        if !plan.params.is_empty() {
            let params: Vec<Node> = plan
                .params
                .iter()
                .map(|param| {
                    let mut entry = Map::new();
                    entry.insert("name", param.name.as_str());
                    entry.insert_some("value", param.default.as_deref());
                    entry.insert("description", param.description.as_str());
                    Node::Map(entry)
                })
                .collect();
            let mut arguments = Map::new();
            arguments.insert("parameters", params);
            spec.insert("arguments", arguments);
        }
        let mut templates = vec![Node::Map(self.dag())];
        if plan.jobs.iter().any(|j| j.approval) {
            let mut approve = Map::new();
            approve.insert("name", APPROVAL);
            approve.insert("suspend", Map::new());
            templates.push(Node::Map(approve));
        }
        for job in &plan.jobs {
            templates.push(Node::Map(self.job_template(job)));
        }
        spec.insert_separated("templates", templates);
        let mut root = Map::new();
        root.insert("apiVersion", "argoproj.io/v1alpha1");
        root.insert("kind", "WorkflowTemplate");
        root.insert("metadata", render::metadata(plan, "name", &plan.name));
        root.insert_separated("spec", spec);
        root
    }

    fn dag(&mut self) -> Map {
        let plan = self.plan;
        let mut tasks = Vec::new();
        for job in &plan.jobs {
            let depends = self.depends(job);
            let when = self.when(job);
            if job.approval {
                let name = approval_task(job);
                let mut approval = Map::new();
                approval.insert("name", name.as_str());
                approval.insert("template", APPROVAL);
                approval.insert_some("depends", depends.clone());
                approval.insert_some("when", when.clone());
                tasks.push(Node::Map(approval));
                tasks.push(Node::Map(self.task(
                    job,
                    Some(format!("{name}.Succeeded")),
                    when,
                )));
            } else {
                tasks.push(Node::Map(self.task(job, depends, when)));
            }
        }
        let mut dag = Map::new();
        if plan.jobs.iter().any(|j| j.handler.is_some()) {
            let targets: Vec<&str> = plan.jobs.iter().map(|j| j.name.as_str()).collect();
            dag.insert("target", targets.join(" "));
        }
        dag.insert("tasks", tasks);
        let mut template = Map::new();
        template.insert("name", DAG);
        template.insert("dag", dag);
        template
    }

    fn task(&self, job: &JobPlan, depends: Option<String>, when: Option<String>) -> Map {
        let plan = self.plan;
        let mut task = Map::new();
        task.insert("name", job.name.as_str());
        task.insert("template", job_template_name(job));
        task.insert_some("depends", depends);
        task.insert_some("when", when);
        let inputs: Vec<&Ref> = job.refs.iter().filter(|r| is_input(r)).collect();
        if !inputs.is_empty() {
            let params: Vec<Node> = inputs
                .iter()
                .map(|reference| {
                    let mut param = Map::new();
                    param.insert("name", reference.job_param(plan));
                    param.insert("value", self.dag_ref(reference));
                    Node::Map(param)
                })
                .collect();
            let mut arguments = Map::new();
            arguments.insert("parameters", params);
            task.insert("arguments", arguments);
        }
        if let Some(matrix) = &job.matrix {
            let items: Vec<Node> = matrix
                .rows
                .iter()
                .map(|row| {
                    let mut item = Map::new();
                    for key in &matrix.keys {
                        let value = row
                            .iter()
                            .find(|(k, _)| k == key)
                            .map_or("", |(_, v)| v.as_str());
                        item.insert(key.as_str(), value);
                    }
                    Node::Map(item)
                })
                .collect();
            task.insert("withItems", items);
        }
        task
    }

    /// A reference as the DAG passes it to a task.
    fn dag_ref(&self, reference: &Ref) -> String {
        match reference {
            Ref::Param(name) => format!("{{{{workflow.parameters.{name}}}}}"),
            Ref::Matrix(key) => format!("{{{{item.{key}}}}}"),
            Ref::JobOutput { job, output } => {
                let job = self.plan.jobs.get(*job).map_or("", |j| j.name.as_str());
                format!("{{{{tasks.{job}.outputs.parameters.{output}}}}}")
            }
            Ref::RunUid => "{{workflow.uid}}".into(),
        }
    }

    /// `depends` of a job: every job upstream succeeded, or a handler's status test.
    fn depends(&self, job: &JobPlan) -> Option<String> {
        let plan = self.plan;
        let name = |index: &usize| plan.jobs.get(*index).map(|j| j.name.clone());
        match &job.handler {
            None => {
                // A handler upstream may have run because something failed: then the
                // jobs above it must have succeeded too, as GitHub's implicit success()
                // covers every job upstream.
                let through_handler = job
                    .ancestors
                    .iter()
                    .any(|a| plan.jobs.get(*a).is_some_and(|j| j.handler.is_some()));
                let upstream = if through_handler {
                    &job.ancestors
                } else {
                    &job.needs
                };
                let tests: Vec<String> = upstream
                    .iter()
                    .filter_map(name)
                    .map(|n| format!("{n}.Succeeded"))
                    .collect();
                (!tests.is_empty()).then(|| tests.join(" && "))
            }
            Some(status) => {
                let upstream: Vec<String> = job.ancestors.iter().filter_map(name).collect();
                let needs: Vec<String> = job.needs.iter().filter_map(name).collect();
                if upstream.is_empty() {
                    return None;
                }
                Some(status_depends(status, &upstream, &needs))
            }
        }
    }

    /// The job's `when`: one expression tag (`{{=...}}`), so Argo evaluates the condition
    /// with the run's values bound as variables. A simple tag would paste them into the
    /// text Argo evaluates, and a branch named `x'=='x'||'a` would rewrite the condition.
    fn when(&self, job: &JobPlan) -> Option<String> {
        if job.when.is_empty() {
            return None;
        }
        let parts: Vec<String> = job
            .when
            .iter()
            .map(|c| self.expression(c, job.when.len() > 1))
            .collect();
        Some(format!("{{{{={}}}}}", parts.join(" && ")))
    }

    /// A condition in Argo's expression language (expr), with GitHub's meaning: text is
    /// compared ignoring case (`sprig.lower`).
    fn expression(&self, cond: &Cond, nested: bool) -> String {
        let text = match cond {
            Cond::Const(b) => b.to_string(),
            Cond::And(items) | Cond::Or(items) => {
                let joiner = if matches!(cond, Cond::And(_)) {
                    " && "
                } else {
                    " || "
                };
                let parts: Vec<String> = items.iter().map(|i| self.expression(i, true)).collect();
                parts.join(joiner)
            }
            Cond::Not(inner) => return format!("!({})", self.expression(inner, false)),
            Cond::Compare { op, lhs, rhs } => match op {
                BinaryOp::Eq | BinaryOp::Ne => {
                    format!(
                        "{} {} {}",
                        self.lowered(lhs),
                        op.symbol(),
                        self.lowered(rhs)
                    )
                }
                _ => format!(
                    "asFloat({}) {} asFloat({})",
                    self.operand(lhs),
                    op.symbol(),
                    self.operand(rhs)
                ),
            },
            Cond::Truthy(operand @ Operand::Value { ty: Type::Bool, .. }) => {
                format!("{} == 'true'", self.lowered(operand))
            }
            Cond::Truthy(operand) => format!("{} != ''", self.operand(operand)),
            Cond::Call { function, args } => self.call(*function, args),
            Cond::Status(_) => "true".into(),
        };
        if nested && matches!(cond, Cond::And(_) | Cond::Or(_) | Cond::Compare { .. }) {
            format!("({text})")
        } else {
            text
        }
    }

    fn call(&self, function: Function, args: &[Operand]) -> String {
        match (function, args) {
            (Function::Contains, [Operand::List(items), needle]) => {
                let items: Vec<String> = items.iter().map(|item| self.lowered(item)).collect();
                format!("{} in [{}]", self.lowered(needle), items.join(", "))
            }
            (Function::Matches, [subject, pattern]) => {
                let glob = pattern.literal().unwrap_or_default();
                format!(
                    "{} matches {}",
                    self.operand(subject),
                    render::quoted(&glob_regex(&glob))
                )
            }
            // expr's operators are named like the functions: `a startsWith b`.
            (function, [subject, text]) => format!(
                "{} {} {}",
                self.lowered(subject),
                function.name(),
                self.lowered(text)
            ),
            _ => "false".into(),
        }
    }

    fn lowered(&self, operand: &Operand) -> String {
        match operand.literal() {
            Some(text) => render::quoted(&text.to_lowercase()),
            None => format!("sprig.lower({})", self.operand(operand)),
        }
    }

    /// An operand as an expr value: literal text as a string, references as variables
    /// (`workflow.parameters['branch']`), text with references as a concatenation.
    fn operand(&self, operand: &Operand) -> String {
        let Operand::Value {
            val: Val::Pieces(pieces),
            ..
        } = operand
        else {
            return "''".into();
        };
        let parts: Vec<String> = pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) | Piece::Var(text) => render::quoted(text),
                Piece::Ref(reference) => self.variable(reference),
            })
            .collect();
        match parts.len() {
            0 => "''".into(),
            1 => parts.concat(),
            _ => format!("({})", parts.join(" + ")),
        }
    }

    fn variable(&self, reference: &Ref) -> String {
        match reference {
            Ref::Param(name) => format!("workflow.parameters[{}]", render::quoted(name)),
            Ref::Matrix(key) => format!("item[{}]", render::quoted(key)),
            Ref::JobOutput { job, output } => {
                let job = self.plan.jobs.get(*job).map_or("", |j| j.name.as_str());
                format!(
                    "tasks[{}].outputs.parameters[{}]",
                    render::quoted(job),
                    render::quoted(output)
                )
            }
            Ref::RunUid => "workflow.uid".into(),
        }
    }

    fn job_template(&self, job: &JobPlan) -> Map {
        let plan = self.plan;
        let mut template = Map::new();
        template.insert("name", job_template_name(job));
        let inputs: Vec<Node> = job
            .refs
            .iter()
            .filter(|r| is_input(r))
            .map(|reference| {
                let mut param = Map::new();
                param.insert("name", reference.job_param(plan));
                Node::Map(param)
            })
            .collect();
        if !inputs.is_empty() {
            let mut parameters = Map::new();
            parameters.insert("parameters", inputs);
            template.insert("inputs", parameters);
        }
        template.insert("activeDeadlineSeconds", job.timeout.to_string());
        let mut volume = Map::new();
        volume.insert("name", "workspace");
        volume.insert("emptyDir", Map::new());
        template.insert("volumes", vec![Node::Map(volume)]);
        if !job.sidecars.is_empty() {
            let text = |pieces: &[Piece]| self.template_text(pieces);
            let sidecars: Vec<Node> = job
                .sidecars
                .iter()
                .map(|sidecar| Node::Map(render::sidecar(plan, sidecar, &text)))
                .collect();
            template.insert("sidecars", sidecars);
        }
        let mut mount = Map::new();
        mount.insert("name", "workspace");
        mount.insert("mountPath", "/workspace");
        let mut containers = Vec::new();
        let mut previous: Option<&str> = None;
        for container in &job.containers {
            containers.push(Node::Map(self.container(container, previous)));
            previous = Some(container.name.as_str());
        }
        let mut set = Map::new();
        set.insert("volumeMounts", vec![Node::Map(mount)]);
        set.insert("containers", containers);
        template.insert("containerSet", set);
        if !job.outputs.is_empty() {
            let parameters: Vec<Node> = job
                .outputs
                .iter()
                .map(|name| {
                    let mut value_from = Map::new();
                    value_from.insert("path", StateDir::KUBERNETES.output_file(name));
                    // A skipped or failed job has no output: its dependants read "".
                    value_from.insert("default", "");
                    let mut parameter = Map::new();
                    parameter.insert("name", name.as_str());
                    parameter.insert("valueFrom", value_from);
                    Node::Map(parameter)
                })
                .collect();
            let mut outputs = Map::new();
            outputs.insert("parameters", parameters);
            template.insert("outputs", outputs);
        }
        template
    }

    /// A reference inside a job's template.
    fn template_text(&self, pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.clone(),
                Piece::Ref(reference @ (Ref::Matrix(_) | Ref::JobOutput { .. })) => {
                    format!(
                        "{{{{inputs.parameters.{}}}}}",
                        reference.job_param(self.plan)
                    )
                }
                Piece::Ref(reference) => self.dag_ref(reference),
                Piece::Var(name) => render::dependent_var(name),
            })
            .collect()
    }

    fn container(&self, container: &Container, after: Option<&str>) -> Map {
        let mut out = Map::new();
        out.insert("name", container.name.as_str());
        out.insert("image", self.template_text(&container.image));
        out.insert("workingDir", SOURCE_DIR);
        let text = |pieces: &[Piece]| self.template_text(pieces);
        out.insert("env", render::env(self.plan, &container.env, &text));
        out.insert("command", vec![Node::from("/bin/sh"), Node::from("-c")]);
        // Kubernetes expands `$(NAME)` in args too (not in Tekton's `script`).
        out.insert(
            "args",
            vec![Node::from(render::kubernetes_literal(&container.script))],
        );
        if let Some(after) = after {
            out.insert("dependencies", vec![Node::from(after)]);
        }
        out
    }

    fn workflow(&self) -> Map {
        let plan = self.plan;
        let metadata = render::metadata(plan, "generateName", &format!("{}-", plan.name));
        let mut spec = Map::new();
        let mut reference = Map::new();
        reference.insert("name", plan.name.as_str());
        spec.insert("workflowTemplateRef", reference);
        if !plan.params.is_empty() {
            let mut arguments = Map::new();
            arguments.insert("parameters", render::run_params(plan));
            spec.insert("arguments", arguments);
        }
        let mut root = Map::new();
        root.insert("apiVersion", "argoproj.io/v1alpha1");
        root.insert("kind", "Workflow");
        root.insert("metadata", metadata);
        root.insert_separated("spec", spec);
        root
    }
}

/// A handler's status test over the jobs upstream, as a `depends` expression.
fn status_depends(status: &Cond, upstream: &[String], needs: &[String]) -> String {
    match status {
        Cond::Const(true) | Cond::Const(false) => {
            let ended: Vec<String> = needs
                .iter()
                .map(|n| {
                    format!(
                        "({n}.Succeeded || {n}.Skipped || {n}.Failed || {n}.Errored || {n}.Omitted)"
                    )
                })
                .collect();
            ended.join(" && ")
        }
        Cond::Status(StatusFunction::Failure) => {
            let failed: Vec<String> = upstream
                .iter()
                .map(|n| format!("{n}.Failed || {n}.Errored"))
                .collect();
            format!("({})", failed.join(" || "))
        }
        Cond::Status(_) => {
            let succeeded: Vec<String> =
                upstream.iter().map(|n| format!("{n}.Succeeded")).collect();
            format!("({})", succeeded.join(" && "))
        }
        Cond::Not(inner) => format!("!{}", status_depends(inner, upstream, needs)),
        Cond::And(items) | Cond::Or(items) => {
            let joiner = if matches!(status, Cond::And(_)) {
                " && "
            } else {
                " || "
            };
            let parts: Vec<String> = items
                .iter()
                .map(|i| status_depends(i, upstream, needs))
                .collect();
            format!("({})", parts.join(joiner))
        }
        _ => String::new(),
    }
}

fn is_input(reference: &Ref) -> bool {
    matches!(reference, Ref::Matrix(_) | Ref::JobOutput { .. })
}

fn job_template_name(job: &JobPlan) -> String {
    names::joined(&["job", &job.name])
}

fn approval_task(job: &JobPlan) -> String {
    names::joined(&["approve", &job.name])
}

//! The GitHub Actions target: one workflow file (`<pipeline id>.yml`) per pipeline, read
//! only from the IR.
//!
//! Invariants: the output is byte-for-byte determined by the IR (keys in a fixed order,
//! lists in source order, nothing sorted or hashed); every file starts with the header
//! from [`crate::header_lines`]; it means on GitHub what the IR means (see [`expr`] for
//! conditions) and passes actionlint and the SchemaStore workflow schema. What GitHub
//! cannot express is reported as `unsupported-by-target`, never dropped silently.
//!
//! Keys come in the order people usually write them: workflow `name`, `run-name`, `on`,
//! `permissions`, `concurrency`, `env`, `defaults`, `jobs`; jobs and steps as in
//! [`jobs`]. Top-level sections and jobs are separated by blank lines.

mod expr;
mod jobs;
#[cfg(test)]
mod test_ir;
#[cfg(test)]
mod tests;

use pipec_compiler::Diagnostic;
use pipec_compiler::ir::{self, Filter, Input, InputType, Literal, Template, TriggerKind, Value};

use crate::yaml::{Map, Node, render_document};
use crate::{GeneratedFile, Output};
use expr::JobOutputs;

/// Generates one workflow file per pipeline.
pub fn generate(program: &ir::Program) -> Output {
    let mut output = Output::default();
    for pipeline in &program.pipelines {
        let mut workflow = Workflow {
            pipeline,
            diagnostics: Vec::new(),
        };
        let root = workflow.root();
        output.files.push(GeneratedFile {
            path: format!("{}.yml", pipeline.id),
            contents: render_document(&crate::header_lines(pipeline), &root),
            pipeline_id: pipeline.id.clone(),
            executable: false,
        });
        output.diagnostics.append(&mut workflow.diagnostics);
    }
    output
}

/// One pipeline being turned into a workflow, collecting diagnostics on the way.
struct Workflow<'p> {
    pipeline: &'p ir::Pipeline,
    diagnostics: Vec<Diagnostic>,
}

impl Workflow<'_> {
    fn root(&mut self) -> Map {
        let pipeline = self.pipeline;
        let mut root = Map::new();
        root.insert("name", pipeline.name.as_str());
        let run_name = pipeline
            .run_name
            .as_ref()
            .map(|template| self.text(template));
        root.insert_some("run-name", run_name);
        root.insert_separated("on", self.triggers());
        if let Some(permissions) = &pipeline.permissions {
            root.insert_separated("permissions", permissions_node(permissions));
        }
        if let Some(concurrency) = &pipeline.concurrency {
            let concurrency = self.concurrency(concurrency);
            root.insert_separated("concurrency", concurrency);
        }
        if let Some(env) = self.env(&pipeline.env) {
            root.insert_separated("env", env);
        }
        if let Some(defaults) = self.defaults(&pipeline.defaults) {
            root.insert_separated("defaults", defaults);
        }
        let jobs = self.jobs();
        root.insert_separated("jobs", jobs);
        root
    }

    // -----------------------------------------------------------------------------------
    // Triggers

    fn triggers(&mut self) -> Map {
        let mut on = Map::new();
        for trigger in &self.pipeline.triggers {
            let mut event = Map::new();
            match &trigger.kind {
                TriggerKind::Push {
                    branches,
                    tags,
                    paths,
                } => {
                    filter(&mut event, "branches", branches.as_ref());
                    filter(&mut event, "tags", tags.as_ref());
                    filter(&mut event, "paths", paths.as_ref());
                }
                TriggerKind::PullRequest {
                    types,
                    branches,
                    paths,
                    ..
                } => {
                    strings(&mut event, "types", types);
                    filter(&mut event, "branches", branches.as_ref());
                    filter(&mut event, "paths", paths.as_ref());
                }
                TriggerKind::Schedule { crons } => {
                    let crons = crons.iter().map(|cron| {
                        let mut entry = Map::new();
                        entry.insert("cron", cron.expression.as_str());
                        entry.insert_some("timezone", cron.timezone.as_deref());
                        Node::Map(entry)
                    });
                    on.insert(trigger.event(), Node::Seq(crons.collect()));
                    continue;
                }
                TriggerKind::Dispatch { inputs } => {
                    inputs_section(&mut event, inputs, InputTypes::Dispatch)
                }
                TriggerKind::Call {
                    inputs,
                    secrets,
                    outputs,
                } => {
                    inputs_section(&mut event, inputs, InputTypes::Call);
                    let mut declared = Map::new();
                    for secret in secrets {
                        let mut entry = Map::new();
                        entry.insert_some("description", secret.description.as_deref());
                        if secret.required {
                            entry.insert("required", true);
                        }
                        declared.insert(secret.name.as_str(), entry);
                    }
                    if !declared.is_empty() {
                        event.insert("secrets", declared);
                    }
                    let mut values = Map::new();
                    for output in outputs {
                        let mut entry = Map::new();
                        entry.insert_some("description", output.description.as_deref());
                        entry.insert(
                            "value",
                            expr::text(&output.value, JobOutputs::Jobs, &mut self.diagnostics),
                        );
                        values.insert(output.name.as_str(), entry);
                    }
                    if !values.is_empty() {
                        event.insert("outputs", values);
                    }
                }
                TriggerKind::WorkflowRun {
                    workflows,
                    types,
                    branches,
                } => {
                    strings(&mut event, "workflows", workflows);
                    strings(&mut event, "types", types);
                    filter(&mut event, "branches", branches.as_ref());
                }
                TriggerKind::RepositoryDispatch { types } | TriggerKind::Activity { types, .. } => {
                    strings(&mut event, "types", types);
                }
            }
            on.insert(
                trigger.event(),
                if event.is_empty() {
                    Node::Null
                } else {
                    Node::Map(event)
                },
            );
        }
        on
    }

    // -----------------------------------------------------------------------------------
    // Settings shared by the workflow, jobs and steps

    /// Text for YAML, with `${{ }}` around each interpolated expression.
    fn text(&mut self, template: &Template) -> String {
        expr::text(template, JobOutputs::Needs, &mut self.diagnostics)
    }

    fn value(&mut self, value: &Value) -> Node {
        match value {
            Value::String(template) => Node::Str(self.text(template)),
            Value::Bool(flag) => Node::Bool(*flag),
            Value::Number(text) => Node::number_or_string(text),
        }
    }

    /// `name: value` pairs as a map, or nothing when there are none.
    fn values<'v>(&mut self, pairs: impl IntoIterator<Item = (&'v str, &'v Value)>) -> Option<Map> {
        let mut map = Map::new();
        for (name, value) in pairs {
            let value = self.value(value);
            map.insert(name, value);
        }
        (!map.is_empty()).then_some(map)
    }

    fn env(&mut self, vars: &[ir::EnvVar]) -> Option<Map> {
        self.values(vars.iter().map(|var| (var.name.as_str(), &var.value)))
    }

    fn defaults(&mut self, defaults: &ir::RunDefaults) -> Option<Map> {
        if defaults.is_empty() {
            return None;
        }
        let mut run = Map::new();
        run.insert_some("shell", defaults.shell.as_deref());
        let directory = defaults
            .working_directory
            .as_ref()
            .map(|dir| self.text(dir));
        run.insert_some("working-directory", directory);
        let mut map = Map::new();
        map.insert("run", run);
        Some(map)
    }

    fn concurrency(&mut self, concurrency: &ir::Concurrency) -> Map {
        let mut map = Map::new();
        map.insert("group", self.text(&concurrency.group));
        if concurrency.cancel_in_progress {
            map.insert("cancel-in-progress", true);
        }
        map
    }
}

/// `branches:` for [`Filter::Only`], `branches-ignore:` for [`Filter::Ignore`].
fn filter(event: &mut Map, key: &str, filter: Option<&Filter>) {
    match filter {
        Some(Filter::Only(patterns)) => event.insert(key, string_list(patterns)),
        Some(Filter::Ignore(patterns)) => {
            event.insert(format!("{key}-ignore"), string_list(patterns))
        }
        None => {}
    }
}

/// A list of strings, left out when empty (GitHub reads an absent list as "any").
fn strings(event: &mut Map, key: &str, items: &[String]) {
    if !items.is_empty() {
        event.insert(key, string_list(items));
    }
}

fn string_list(items: &[String]) -> Node {
    Node::Seq(items.iter().map(|item| Node::from(item.as_str())).collect())
}

/// Which input types a trigger accepts: `workflow_call` has no `choice` or `environment`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum InputTypes {
    Dispatch,
    Call,
}

fn inputs_section(event: &mut Map, inputs: &[Input], types: InputTypes) {
    let mut map = Map::new();
    for input in inputs {
        let mut entry = Map::new();
        entry.insert_some("description", input.description.as_deref());
        if input.required {
            entry.insert("required", true);
        }
        entry.insert_some("default", input.default.as_ref().map(literal_node));
        let type_name = match (&input.ty, types) {
            (InputType::String, _) => "string",
            (InputType::Boolean, _) => "boolean",
            (InputType::Number, _) => "number",
            (InputType::Choice(_) | InputType::Environment, InputTypes::Call) => "string",
            (InputType::Choice(_), InputTypes::Dispatch) => "choice",
            (InputType::Environment, InputTypes::Dispatch) => "environment",
        };
        entry.insert("type", type_name);
        if let (InputType::Choice(options), InputTypes::Dispatch) = (&input.ty, types) {
            entry.insert("options", string_list(options));
        }
        map.insert(input.name.as_str(), entry);
    }
    if !map.is_empty() {
        event.insert("inputs", map);
    }
}

fn literal_node(literal: &Literal) -> Node {
    match literal {
        Literal::String(text) => Node::from(text.as_str()),
        Literal::Bool(flag) => Node::Bool(*flag),
        Literal::Number(_) | Literal::Percent(_) | Literal::Duration(_) => {
            Node::number_or_string(&literal.to_text())
        }
    }
}

fn permissions_node(permissions: &ir::Permissions) -> Node {
    match permissions {
        ir::Permissions::ReadAll => Node::from("read-all"),
        ir::Permissions::WriteAll => Node::from("write-all"),
        ir::Permissions::None => Node::Map(Map::new()),
        ir::Permissions::Scopes(scopes) => {
            let mut map = Map::new();
            for (scope, level) in scopes {
                map.insert(scope.as_str(), level.as_str());
            }
            Node::Map(map)
        }
    }
}

//! The shell target: run a pipeline on this machine. [`lower`] turns the shared execution
//! plan ([`crate::plan`]) into a [`LocalPlan`]: the job instances to run (one per matrix
//! combination), what each waits for and what decides whether it runs. Two runners read
//! that one plan: [`script`] renders it as a self-contained bash script (`pipec build
//! --target shell`), and `pipec run` executes it directly. Both run every step through the
//! same launcher scripts, so a step means the same in both, and the same as on Kubernetes.
//! `docs/design/shell-target.md` says why it is built this way.

mod script;

use pipec_compiler::Diagnostic;
use pipec_compiler::ir::{self, InputType, StatusFunction};

use crate::Output;
use crate::plan::{self, Cond, JobPlan, Plan, Runner, Settings, names};

pub use crate::plan::launcher::StateDir;

/// Settings of the shell target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Keep steps that cannot run here as skipped steps (a warning) instead of an error.
    pub skip_unsupported: bool,
}

/// One pipeline, ready to run locally.
pub struct LocalPlan<'p> {
    pub plan: Plan<'p>,
    /// The jobs to run, matrix combinations expanded, in pipeline order.
    pub instances: Vec<Instance>,
}

/// One job, or one combination of a matrix job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    /// The job in [`Plan::jobs`].
    pub job: usize,
    /// A file-name-safe identifier: the job's name, `-<n>` for the n-th combination.
    pub id: String,
    /// As GitHub shows it: the job's id, and a combination's values in brackets.
    pub title: String,
    pub matrix: Vec<(String, String)>,
    /// The instances it waits for (every combination of each job it needs).
    pub needs: Vec<usize>,
    /// Every instance upstream, transitively: what `success()` and `failure()` read.
    pub ancestors: Vec<usize>,
}

/// Why a job instance does not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// The implicit `success()`: a job upstream failed, was skipped or cancelled.
    Upstream,
    /// Its own condition (values, or a failure handler's status test) is false.
    Condition,
    /// It reads what only GitHub has (`--skip-unsupported`).
    Unsupported,
}

impl SkipReason {
    /// The note in the summary; the generated script prints the same words.
    pub fn note(self) -> &'static str {
        match self {
            SkipReason::Upstream => "a job it needs did not succeed",
            SkipReason::Condition => "its condition is false",
            SkipReason::Unsupported => "it cannot run here (--skip-unsupported)",
        }
    }
}

/// How a job instance ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobResult {
    Success,
    Failure,
    Skipped,
    Cancelled,
}

impl JobResult {
    pub fn name(self) -> &'static str {
        match self {
            JobResult::Success => "success",
            JobResult::Failure => "failure",
            JobResult::Skipped => "skipped",
            JobResult::Cancelled => "cancelled",
        }
    }
}

impl LocalPlan<'_> {
    /// Whether the instance's status conditions hold, given the results of the instances
    /// upstream; `Err` says why it is skipped. Its value conditions (`when`) are the
    /// caller's to evaluate, after this.
    pub fn upstream_allows(
        &self,
        instance: &Instance,
        result: &dyn Fn(usize) -> Option<JobResult>,
    ) -> Result<(), SkipReason> {
        let all_succeeded = instance
            .ancestors
            .iter()
            .all(|a| result(*a) == Some(JobResult::Success));
        let any_failed = instance
            .ancestors
            .iter()
            .any(|a| result(*a) == Some(JobResult::Failure));
        let Some(job) = self.plan.jobs.get(instance.job) else {
            return Err(SkipReason::Upstream);
        };
        if job.unsupported.is_some() {
            return Err(SkipReason::Unsupported);
        }
        match &job.handler {
            None if all_succeeded => Ok(()),
            None => Err(SkipReason::Upstream),
            Some(status) => {
                let holds = status_holds(status, all_succeeded, any_failed);
                if holds {
                    Ok(())
                } else {
                    Err(SkipReason::Condition)
                }
            }
        }
    }

    pub fn job(&self, instance: &Instance) -> Option<&JobPlan<'_>> {
        self.plan.jobs.get(instance.job)
    }
}

/// A failure handler's status test, `success()` meaning every job upstream succeeded and
/// `failure()` that one of them failed, as on GitHub.
pub fn status_holds(status: &Cond, all_succeeded: bool, any_failed: bool) -> bool {
    struct Upstream(bool, bool);
    impl plan::eval::Context for Upstream {
        fn value(&self, _: &plan::Val) -> Option<String> {
            None
        }
        fn status(&self, function: StatusFunction) -> Option<bool> {
            Some(match function {
                StatusFunction::Failure => self.1,
                _ => self.0,
            })
        }
    }
    plan::eval::eval(status, &Upstream(all_succeeded, any_failed)).unwrap_or(false)
}

/// The run parameter a context is read from (`ref_name` is `ref-name`).
pub fn context_param(name: &str) -> String {
    names::label(name)
}

/// The run parameter an input is read from.
pub fn input_param(name: &str) -> String {
    names::joined(&["input", name])
}

/// What `--input` accepts for an input, or why `value` is not one.
pub fn check_input(input: &ir::Input, value: &str) -> Result<(), String> {
    match &input.ty {
        InputType::Boolean if !matches!(value, "true" | "false") => Err(format!(
            "input `{}` is a boolean: true or false, not {value:?}",
            input.name
        )),
        InputType::Number if value.trim().parse::<f64>().is_err() => {
            Err(format!("input `{}` is a number, not {value:?}", input.name))
        }
        InputType::Choice(options) if !options.iter().any(|o| o == value) => Err(format!(
            "input `{}` is one of {}, not {value:?}",
            input.name,
            options
                .iter()
                .map(|o| format!("{o:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => Ok(()),
    }
}

/// The summary's note for a job with steps `--skip-unsupported` left out; `pipec run`
/// writes the same.
pub fn skipped_steps_note(job: &JobPlan) -> Option<String> {
    match job.skipped_steps.len() {
        0 => None,
        1 => Some("1 step skipped: it cannot run here".into()),
        n => Some(format!("{n} steps skipped: they cannot run here")),
    }
}

/// The secrets the plan's steps and services read, in order of first use: what a run
/// must mask.
pub fn used_secrets(plan: &Plan) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for job in &plan.jobs {
        let env = job
            .containers
            .iter()
            .flat_map(|c| &c.env)
            .chain(job.sidecars.iter().flat_map(|s| &s.env));
        for entry in env {
            if let plan::EnvValue::Secret(name) = &entry.value
                && !names.contains(name)
            {
                names.push(name.clone());
            }
        }
    }
    names
}

/// Lowers one pipeline for a local run; errors in the diagnostics mean it must not run.
pub fn lower<'p>(pipeline: &'p ir::Pipeline, options: Options) -> (LocalPlan<'p>, Vec<Diagnostic>) {
    let settings = Settings {
        runner: Runner::Local,
        default_image: None,
        skip_unsupported: options.skip_unsupported,
    };
    let (plan, diagnostics) = plan::lower(pipeline, settings);
    let instances = instances(&plan);
    (LocalPlan { plan, instances }, diagnostics)
}

fn instances(plan: &Plan) -> Vec<Instance> {
    let mut instances = Vec::new();
    // The instances of each job, by job index.
    let mut of_job: Vec<Vec<usize>> = Vec::new();
    for (index, job) in plan.jobs.iter().enumerate() {
        let rows = match &job.matrix {
            Some(matrix) => matrix.rows.clone(),
            None => vec![Vec::new()],
        };
        let many = job.matrix.is_some();
        let expand = |jobs: &[usize]| -> Vec<usize> {
            jobs.iter()
                .flat_map(|j| of_job.get(*j).cloned().unwrap_or_default())
                .collect()
        };
        let needs = expand(&job.needs);
        let ancestors = expand(&job.ancestors);
        let mut mine = Vec::new();
        for (number, row) in rows.into_iter().enumerate() {
            let (id, title) = if many {
                let values: Vec<&str> = row.iter().map(|(_, v)| v.as_str()).collect();
                (
                    format!("{}-{}", job.name, number + 1),
                    format!("{} ({})", job.job.id, values.join(", ")),
                )
            } else {
                (job.name.clone(), job.job.id.clone())
            };
            mine.push(instances.len());
            instances.push(Instance {
                job: index,
                id,
                title,
                matrix: row,
                needs: needs.clone(),
                ancestors: ancestors.clone(),
            });
        }
        of_job.push(mine);
    }
    instances
}

/// One bash script per pipeline, or the diagnostics that stop it.
pub fn generate(program: &ir::Program, options: Options) -> Output {
    let mut output = Output::default();
    for pipeline in &program.pipelines {
        let (local, mut diagnostics) = lower(pipeline, options);
        output.files.push(crate::GeneratedFile {
            path: format!("{}.sh", pipeline.id),
            contents: script::render(&local),
            pipeline_id: pipeline.id.clone(),
            executable: true,
        });
        output.diagnostics.append(&mut diagnostics);
    }
    output
}

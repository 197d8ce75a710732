//! The Kubernetes targets: Tekton Pipelines v1 and Argo Workflows, read only from the IR.
//!
//! Both engines run a job as one pod whose containers run the steps in order over a shared
//! `/workspace`, so everything they share is lowered once, into a [`crate::plan::Plan`] (the execution plan the shell target shares): names,
//! run parameters, each job's containers (image, environment, launcher script), its
//! condition, matrix, sidecars and outputs. [`tekton`] and [`argo`] render a plan to
//! documents and add the checks only one engine needs. `docs/design/kubernetes-targets.md`
//! says why the mapping is what it is; `docs/targets.md` is the user's table.
//!
//! Invariants: the output is determined by the IR and the options (nothing is sorted by
//! hash or time); every name is a DNS-1123 label; what an engine cannot express is an
//! `unsupported-by-target` error and what it expresses only approximately an
//! `approximated-by-target` warning, never a silent difference.

mod argo;
mod render;
mod tekton;

use pipec_compiler::ir;

use crate::Output;
use crate::plan::{self, Runner, Settings};

/// Settings of the Kubernetes targets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The image of `run` steps that name none (neither a template's `kubernetes` body nor
    /// the job's `container` gives one).
    pub default_image: Option<String>,
    /// Tekton: compile conditions that `when` expressions cannot express to CEL (the
    /// cluster needs the `enable-cel-in-whenexpression` feature flag).
    pub tekton_cel: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Tekton,
    Argo,
}

impl Engine {
    /// The target's name, as `--target` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Tekton => "tekton",
            Engine::Argo => "argo",
        }
    }
}

/// The files of every pipeline, or the diagnostics that stop it.
pub fn generate(program: &ir::Program, engine: Engine, options: &Options) -> Output {
    let mut output = Output::default();
    for pipeline in &program.pipelines {
        let settings = Settings {
            runner: Runner::Kubernetes(engine),
            default_image: options.default_image.as_deref(),
            skip_unsupported: false,
        };
        let (plan, mut diagnostics) = plan::lower(pipeline, settings);
        let mut files = match engine {
            Engine::Tekton => tekton::render(&plan, options, &mut diagnostics),
            Engine::Argo => argo::render(&plan, &mut diagnostics),
        };
        output.files.append(&mut files);
        output.diagnostics.append(&mut diagnostics);
    }
    output
}

//! What `check` and `build` share: analyse the sources, then run the chosen target on an
//! error-free program, so that a construct the target cannot express is reported by
//! `pipec check` too, not first by `pipec build`.

use pipec_compiler::{Diagnostic, SourceDb, analyze, diagnostics, ir};
use pipec_targets::GeneratedFile;

/// The `--target` flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// GitHub Actions workflows, one `<pipeline>.yml` per pipeline.
    Github,
    /// Tekton Pipelines v1: a Pipeline, one Task per job and a PipelineRun per pipeline.
    Tekton,
    /// Argo Workflows: a WorkflowTemplate and a Workflow that runs it, per pipeline.
    Argo,
    /// A bash script per pipeline that runs it on this machine (`pipec run` runs the same
    /// plan without writing it).
    Shell,
}

impl Target {
    /// Where `pipec build` writes when `--out` is not given.
    pub fn default_out(self) -> &'static str {
        match self {
            Target::Github => ".github/workflows",
            Target::Tekton => "tekton",
            Target::Argo => "argo",
            Target::Shell => "shell",
        }
    }
}

/// The target and its settings, as `check` and `build` take them.
#[derive(Clone, Debug)]
pub struct TargetOptions {
    pub target: Target,
    pub kubernetes: pipec_targets::kubernetes::Options,
    pub shell: pipec_targets::shell::Options,
}

pub struct Compiled {
    pub program: ir::Program,
    /// Empty when any diagnostic is an error.
    pub files: Vec<GeneratedFile>,
    /// The analysis' and the target's diagnostics, in reading order.
    pub diagnostics: Vec<Diagnostic>,
}

pub fn compile(db: &SourceDb, options: &TargetOptions) -> Compiled {
    let analysis = analyze(db);
    let mut all = analysis.diagnostics;
    // The target reads a complete IR only; with errors there is nothing sound to generate.
    if all.iter().any(Diagnostic::is_error) {
        return Compiled {
            program: analysis.program,
            files: Vec::new(),
            diagnostics: all,
        };
    }
    let program = &analysis.program;
    let generated = match options.target {
        Target::Github => pipec_targets::github::generate(program),
        Target::Tekton => pipec_targets::kubernetes::generate(
            program,
            pipec_targets::kubernetes::Engine::Tekton,
            &options.kubernetes,
        ),
        Target::Argo => pipec_targets::kubernetes::generate(
            program,
            pipec_targets::kubernetes::Engine::Argo,
            &options.kubernetes,
        ),
        Target::Shell => pipec_targets::shell::generate(program, options.shell),
    };
    all.extend(generated.diagnostics);
    diagnostics::sort(&mut all);
    let files = if all.iter().any(Diagnostic::is_error) {
        Vec::new()
    } else {
        generated.files
    };
    Compiled {
        program: analysis.program,
        files,
        diagnostics: all,
    }
}

//! The `pipec` command line. This file only declares the commands and flags (clap derive)
//! and dispatches to one module per command; reading files, rendering diagnostics and
//! writing outputs live in the modules below. Exit codes are the same for every command:
//! 0 success, 1 the sources have problems (or generated files are out of date), 2 the
//! command could not run (bad usage, unreadable or missing files).

mod build;
mod check;
mod compile;
mod doc;
mod explain;
mod files;
mod fmt;
mod output;
mod render;
mod run;
mod terminal;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::render::Format;
use crate::terminal::ColorChoice;

#[derive(Parser, Debug)]
#[command(
    name = "pipec",
    version,
    about = "Compile typed, declarative CI/CD pipelines (.pipe files) to GitHub Actions workflows, Tekton and Argo Workflows, or a bash script; or run them on this machine",
    max_term_width = 100,
    after_help = "\
Examples:
  pipec check                      Check every .pipe file under the current directory
  pipec build                      Write .github/workflows/*.yml from the .pipe files here
  pipec build --check              Fail if the committed workflows are out of date
  pipec build --target tekton      Write tekton/<pipeline>/*.yaml (Pipeline, Tasks, PipelineRun)
  pipec run ci.pipe --dry-run      Show which jobs a local run would run, and why not the others
  pipec fmt                        Rewrite every .pipe file here in the canonical layout
  pipec explain E0301              Explain a diagnostic code
  pipec doc docker.build_push      Show a standard library template's parameters and docs

Exit codes: 0 success, 1 problems found, 2 the command could not run."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// When to use colour in diagnostics and messages.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check .pipe files and report every problem found.
    #[command(
        after_help = "\
Examples:
  pipec check                            Check every .pipe file under the current directory
  pipec check ci.pipe deploy/            Check one file and a directory (recursively)
  pipec check --format github            Annotate a GitHub Actions run
  pipec check --format sarif > out.sarif Upload to code scanning

Exit codes: 0 no errors (warnings allowed unless --deny-warnings), 1 errors found,
2 the check could not run (bad usage, unreadable path, no .pipe files).",
        after_long_help = CHECK_LONG_HELP
    )]
    Check(CheckArgs),

    /// Check .pipe files and generate workflow files from them.
    #[command(after_help = "\
Examples:
  pipec build                                Write .github/workflows/<pipeline>.yml
  pipec build pipelines/ --out generated/    Choose the sources and the output directory
  pipec build --check                        Write nothing; fail if any file is out of date
  pipec build --target argo --image alpine:3.20
                                             Write argo/<pipeline>/*.yaml; run steps in alpine

Nothing is written when there is an error. Files are written atomically and files whose
contents did not change are left alone. With --check, each out-of-date file is shown as a
diff and said to be missing, stale (its .pipe source changed) or edited by hand.

Exit codes: 0 success (or, with --check, every file up to date), 1 errors found (or files
out of date), 2 the build could not run.")]
    Build(BuildArgs),

    /// Run a pipeline on this machine: its jobs in order, in parallel where they can be.
    #[command(after_help = "\
Examples:
  pipec run ci.pipe                          Run as a push to the current branch
  pipec run ci.pipe --dry-run                Show which jobs would run, and why others would not
  pipec run ci.pipe --job test -j 4          Run `test` and what it needs, 4 jobs at a time
  pipec run deploy.pipe --event dispatch --input environment=staging --secret DEPLOY_TOKEN
  pipec run ci.pipe --skip-unsupported       Skip the steps only GitHub can run

The event, branch and tag default to what the git repository says (a push to the current
branch, or of the tag at HEAD). Each job's log and files go to .pipe/runs/<run id>/ under
the repository root; secrets (--secret, --secret-file) are masked in everything printed
and logged. Services and job containers run with docker or podman. `pipec build --target
shell` writes the same run as a bash script.

Exit codes: 0 every job succeeded or was skipped, 1 the sources have errors or a job
failed, 2 the run could not start, 130 interrupted.")]
    Run(RunArgs),

    /// Rewrite .pipe files in the canonical layout, keeping every comment.
    #[command(after_help = "\
Examples:
  pipec fmt                        Format every .pipe file under the current directory
  pipec fmt ci.pipe deploy/        Format one file and a directory (recursively)
  pipec fmt --check                Write nothing; show a diff and fail if a file is not formatted
  pipec fmt - < ci.pipe            Format standard input to standard output (for editors)

The layout: two spaces a level, one item a line, at most one blank line, canonical spacing
and separators, `\"\"\"` scripts indented under their setting. What was written on one line
(a block, a list, a call) stays on one line; what was written across lines gets one element
a line. Formatting never changes what a file means, and formatting twice changes nothing.
A file with syntax errors is reported and left as it is; files are written atomically and
only when they change.

Exit codes: 0 success (or, with --check, every file formatted), 1 syntax errors (or, with
--check, files not formatted), 2 the command could not run.")]
    Fmt(FmtArgs),

    /// Run the language server on stdin and stdout (for editors; see docs/editors.md).
    #[command(after_help = "\
Editors start it themselves: configure the command `pipec lsp` for the `pipe` filetype.
It gives diagnostics as you type, the outline, hover, go to definition and completion.

Exit codes: 0 after the client's exit, 2 the server could not start.")]
    Lsp,

    /// Explain a diagnostic code, or list every code.
    #[command(after_help = "\
Examples:
  pipec explain E0301               By number
  pipec explain dependency-cycle    By name (any case)
  pipec explain --list              Every code with its severity and summary

Exit codes: 0 success, 2 unknown code.")]
    Explain(ExplainArgs),

    /// Show the documentation of the standard library, a module or one template.
    #[command(after_help = "\
Examples:
  pipec doc                        Every standard library module and its templates
  pipec doc std/docker             One module: its enums and templates, with parameters
  pipec doc docker.build_push      One template: signature, docs, parameters, outputs
  pipec doc ci/common.pipe         A local module's templates

The output is Markdown (the same text as docs/stdlib.md and the editor's hover).

Exit codes: 0 success, 2 unknown module or template.")]
    Doc(DocArgs),
}

#[derive(Args, Debug)]
struct DocArgs {
    /// `std/<module>`, `<module>.<template>`, or the path of a local `.pipe` module.
    #[arg(value_name = "NAME")]
    name: Option<String>,
}

/// The JSON output, documented where users look for it: `pipec check --help`.
const CHECK_LONG_HELP: &str = "\
Examples:
  pipec check                            Check every .pipe file under the current directory
  pipec check ci.pipe deploy/            Check one file and a directory (recursively)
  pipec check --format github            Annotate a GitHub Actions run
  pipec check --format sarif > out.sarif Upload to code scanning

Directories are searched recursively for *.pipe files, skipping target/, .git/ and
node_modules/. Paths in diagnostics are relative to the working directory, with `/`.

Formats: `human` goes to stderr; `json`, `github` (workflow commands) and `sarif` (SARIF
2.1.0) go to stdout. `human` and `github` end with a summary line on stderr.

JSON output (--format json):
  {
    \"version\": 1,
    \"diagnostics\": [
      {
        \"code\": \"E0301\", \"name\": \"dependency-cycle\", \"severity\": \"error\" | \"warning\",
        \"message\": string,
        \"file\": string, \"line\": int, \"column\": int, \"end_line\": int, \"end_column\": int,
        \"labels\": [ { \"primary\": bool, \"message\": string, \"file\": string,
                      \"line\": int, \"column\": int, \"end_line\": int, \"end_column\": int } ],
        \"help\": string | null,
        \"notes\": [string]
      }
    ],
    \"summary\": { \"errors\": int, \"warnings\": int, \"files\": int }
  }
  Lines and columns start at 1; columns count characters; the end is exclusive. The primary
  label comes first in `labels`. `files` is the number of files checked.

Exit codes: 0 no errors (warnings allowed unless --deny-warnings), 1 errors found,
2 the check could not run (bad usage, unreadable path, no .pipe files).";

/// How diagnostics are reported; shared by `check` and `build`.
#[derive(Args, Debug)]
struct DiagnosticArgs {
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// Treat warnings as errors (exit 1 when there are any).
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// Files or directories to check.
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<PathBuf>,

    #[command(flatten)]
    target: TargetArgs,

    #[command(flatten)]
    diagnostics: DiagnosticArgs,
}

#[derive(Args, Debug)]
struct TargetArgs {
    /// The platform to compile for (`check` also reports what it cannot express).
    #[arg(long, value_enum, default_value_t = compile::Target::Github)]
    target: compile::Target,

    /// Kubernetes targets: the image of `run` steps that name none (a template's
    /// `kubernetes` body or the job's `container` names one otherwise).
    #[arg(long, value_name = "IMAGE")]
    image: Option<String>,

    /// Tekton: compile conditions `when` cannot express as CEL (needs the
    /// `enable-cel-in-whenexpression` feature flag).
    #[arg(long)]
    tekton_cel: bool,

    /// Shell: keep steps that cannot run on this machine (GitHub actions, templates
    /// without a `shell` body) as skipped steps, with a warning, instead of an error.
    #[arg(long)]
    skip_unsupported: bool,
}

impl TargetArgs {
    fn options(self) -> compile::TargetOptions {
        compile::TargetOptions {
            target: self.target,
            kubernetes: pipec_targets::kubernetes::Options {
                default_image: self.image,
                tekton_cel: self.tekton_cel,
            },
            shell: pipec_targets::shell::Options {
                skip_unsupported: self.skip_unsupported,
            },
        }
    }
}

#[derive(Args, Debug)]
struct BuildArgs {
    /// Files or directories to build.
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<PathBuf>,

    #[command(flatten)]
    target: TargetArgs,

    /// The directory generated files are written to [default: .github/workflows for
    /// github, tekton/ for tekton, argo/ for argo, shell/ for shell].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// Write nothing; exit 1 with a diff when a file is missing, stale or edited by hand.
    #[arg(long)]
    check: bool,

    #[command(flatten)]
    diagnostics: DiagnosticArgs,
}

#[derive(Args, Debug)]
struct FmtArgs {
    /// Files or directories to format, or `-` for standard input.
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<PathBuf>,

    /// Write nothing; exit 1 with a diff when a file is not formatted.
    #[arg(long)]
    check: bool,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// The .pipe file (or directory) with the pipeline.
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<PathBuf>,

    /// The pipeline to run, when the sources define more than one.
    #[arg(long, value_name = "NAME")]
    pipeline: Option<String>,

    /// The event: push, pull_request (pr), workflow_dispatch (dispatch), schedule, tag, ...
    /// [default: push; workflow_dispatch when an --input is given]
    #[arg(long, value_name = "NAME")]
    event: Option<String>,

    /// The branch [default: the current git branch].
    #[arg(long, value_name = "NAME")]
    branch: Option<String>,

    /// The tag [default: the tag of HEAD, if any].
    #[arg(long, value_name = "NAME")]
    tag: Option<String>,

    /// A pull request's target branch (`--event pull_request`) [default: main].
    #[arg(long, value_name = "NAME")]
    base_branch: Option<String>,

    /// A dispatch input, checked against the pipeline's inputs and their types.
    #[arg(long = "input", value_name = "NAME=VALUE")]
    inputs: Vec<String>,

    /// A secret, read from the environment variable of the same name.
    #[arg(long = "secret", value_name = "NAME")]
    secrets: Vec<String>,

    /// A file of secrets, one NAME=VALUE per line (`#` comments; a dotenv file).
    #[arg(long = "secret-file", value_name = "FILE")]
    secret_files: Vec<PathBuf>,

    /// Run only this job and the jobs it needs (repeatable).
    #[arg(long = "job", value_name = "NAME")]
    jobs: Vec<String>,

    /// Print which jobs would run and why others would not; run nothing.
    #[arg(long)]
    dry_run: bool,

    /// Run at most N jobs at once [default: the number of cores].
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    parallel: Option<usize>,

    /// Skip the steps that cannot run here (GitHub actions, templates without a `shell`
    /// body), and the jobs whose settings read GitHub-only values, instead of refusing to
    /// run.
    #[arg(long)]
    skip_unsupported: bool,

    /// Run without services and job containers (when there is no docker or podman).
    #[arg(long)]
    no_services: bool,

    /// Where logs and job files go [default: .pipe/runs/<run id> in the repository].
    #[arg(long, value_name = "DIR")]
    run_dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("what").required(true))]
struct ExplainArgs {
    /// A code (`E0301`) or its name (`dependency-cycle`), in any case.
    #[arg(group = "what")]
    code: Option<String>,

    /// List every code with its severity and summary.
    #[arg(long, group = "what")]
    list: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let colour = terminal::colour_enabled(cli.color);
    let exit = match cli.command {
        Command::Check(args) => check::run(&check::Options {
            paths: args.paths,
            target: args.target.options(),
            format: args.diagnostics.format,
            deny_warnings: args.diagnostics.deny_warnings,
            colour,
        }),
        Command::Build(args) => build::run(&build::Options {
            out: args
                .out
                .unwrap_or_else(|| PathBuf::from(args.target.target.default_out())),
            check: check::Options {
                paths: args.paths,
                target: args.target.options(),
                format: args.diagnostics.format,
                deny_warnings: args.diagnostics.deny_warnings,
                colour,
            },
            check_only: args.check,
        }),
        Command::Run(args) => run::run(&run::Options {
            paths: args.paths,
            pipeline: args.pipeline,
            given: run::Given {
                event: args.event,
                branch: args.branch,
                tag: args.tag,
                base_branch: args.base_branch,
                has_inputs: false,
            },
            inputs: args.inputs,
            secrets: args.secrets,
            secret_files: args.secret_files,
            jobs: args.jobs,
            dry_run: args.dry_run,
            parallel: args.parallel,
            skip_unsupported: args.skip_unsupported,
            no_services: args.no_services,
            run_dir: args.run_dir,
            colour,
        }),
        Command::Fmt(args) => fmt::run(&fmt::Options {
            paths: args.paths,
            check: args.check,
            colour,
        }),
        Command::Lsp => match pipec_lsp::run_stdio() {
            Ok(()) => output::Exit::Success,
            Err(error) => output::usage_error(format!("cannot start the language server: {error}")),
        },
        Command::Doc(args) => doc::run(args.name.as_deref()),
        Command::Explain(args) => match args.code {
            Some(code) => explain::explain(&code),
            None => explain::list(),
        },
    };
    exit.into()
}

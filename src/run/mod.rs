//! `pipec run`: check a pipeline and run it on this machine, through the shell target's
//! plan (the same jobs, conditions and launchers `pipec build --target shell` writes as a
//! script), with nothing written but the run's logs and job files.
//!
//! Exit codes: 0 every job succeeded or was skipped, 1 the sources have errors or a job
//! failed, 2 the run could not start (bad options, no docker for services), 130
//! interrupted.

mod context;
mod display;
mod exec;
mod redact;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{SystemTime, UNIX_EPOCH};

use pipec_compiler::diagnostics::closest;
use pipec_compiler::{Diagnostic, analyze, diagnostics, ir};
use pipec_targets::plan::eval;
use pipec_targets::shell::{self, LocalPlan};

use crate::output::{self, Exit};
use crate::render::{self, Format};

pub struct Options {
    pub paths: Vec<PathBuf>,
    pub pipeline: Option<String>,
    pub given: context::Given,
    pub inputs: Vec<String>,
    pub secrets: Vec<String>,
    pub secret_files: Vec<PathBuf>,
    pub jobs: Vec<String>,
    pub dry_run: bool,
    pub parallel: Option<usize>,
    pub skip_unsupported: bool,
    pub no_services: bool,
    pub run_dir: Option<PathBuf>,
    pub colour: bool,
}

pub use context::Given;

pub fn run(options: &Options) -> Exit {
    match prepared(options) {
        Ok(exit) => exit,
        Err(exit) => exit,
    }
}

fn prepared(options: &Options) -> Result<Exit, Exit> {
    let db = crate::files::load(&options.paths).map_err(output::usage_error)?;
    let analysis = analyze(&db);
    let mut all = analysis.diagnostics;
    let program = analysis.program;
    let pipeline = if all.iter().any(Diagnostic::is_error) {
        None
    } else {
        Some(select(&program, options.pipeline.as_deref())?)
    };
    let lowered = pipeline.map(|pipeline| {
        let (local, target) = shell::lower(
            pipeline,
            shell::Options {
                skip_unsupported: options.skip_unsupported,
            },
        );
        all.extend(target);
        local
    });
    diagnostics::sort(&mut all);
    let summary = render::emit(Format::Human, &db, &all, false, options.colour);
    let local = match lowered {
        Some(local) if !summary.failed(false) => local,
        _ => return Err(Exit::Failure),
    };
    let settings = settings(options, &local)?;
    if options.dry_run {
        output::stdout(&dry_run(&local, &settings));
        return Ok(Exit::Success);
    }
    let interrupted = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&interrupted))
            .map_err(|e| output::usage_error(format!("cannot handle signals: {e}")))?;
    }
    let ended = exec::run(&local, &settings, &interrupted);
    let logs = settings.run_dir.join("logs");
    let summary = display::summary(
        &local.plan.pipeline.id,
        &ended.rows,
        ended.total,
        &logs.to_string_lossy(),
    );
    output::stdout(&settings.redactor.redact(&summary));
    write_record(&settings, &ended);
    Ok(if ended.interrupted {
        Exit::Interrupted
    } else if ended.failed() {
        Exit::Failure
    } else {
        Exit::Success
    })
}

/// The pipeline to run: the only one, or the one `--pipeline` names.
fn select<'p>(program: &'p ir::Program, name: Option<&str>) -> Result<&'p ir::Pipeline, Exit> {
    let ids: Vec<&str> = program.pipelines.iter().map(|p| p.id.as_str()).collect();
    match (name, program.pipelines.as_slice()) {
        (None, [only]) => Ok(only),
        (None, []) => Err(output::usage_error("the sources define no pipeline")),
        (None, _) => Err(output::usage_error(format!(
            "the sources define {} pipelines ({}): choose one with --pipeline NAME",
            ids.len(),
            ids.join(", ")
        ))),
        (Some(name), pipelines) => pipelines.iter().find(|p| p.id == name).ok_or_else(|| {
            let hint = closest(name, ids.iter().copied())
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            output::usage_error(format!("there is no pipeline `{name}`{hint}"))
        }),
    }
}

fn settings(options: &Options, local: &LocalPlan) -> Result<exec::RunSettings, Exit> {
    let pipeline = local.plan.pipeline;
    let mut given_inputs: BTreeMap<String, String> = BTreeMap::new();
    for text in &options.inputs {
        let Some((name, value)) = text.split_once('=') else {
            return Err(output::usage_error(format!(
                "--input takes NAME=VALUE, not {text:?}"
            )));
        };
        let Some(input) = pipeline.inputs().find(|i| i.name == name) else {
            let names: Vec<&str> = pipeline.inputs().map(|i| i.name.as_str()).collect();
            let hint = match closest(name, names.iter().copied()) {
                Some(c) => format!("; did you mean `{c}`?"),
                None if names.is_empty() => "; it has none".to_string(),
                None => format!("; it has {}", names.join(", ")),
            };
            return Err(output::usage_error(format!(
                "the pipeline has no input `{name}`{hint}"
            )));
        };
        shell::check_input(input, value).map_err(output::usage_error)?;
        given_inputs.insert(name.to_string(), value.to_string());
    }
    let given = context::Given {
        has_inputs: !given_inputs.is_empty(),
        ..options.given.clone()
    };
    let contexts = context::contexts(&given);
    let mut params = contexts.params.clone();
    let manual = contexts.event() == "workflow_dispatch";
    for input in pipeline.inputs() {
        let value = match (given_inputs.get(&input.name), &input.default) {
            (Some(value), _) => value.clone(),
            (None, _) if !manual => String::new(),
            (None, Some(default)) => default.to_text(),
            (None, None) if input.required => {
                return Err(output::usage_error(format!(
                    "input `{}` is required: pass --input {}=VALUE",
                    input.name, input.name
                )));
            }
            (None, None) => String::new(),
        };
        params.insert(shell::input_param(&input.name), value);
    }

    let secrets = secrets(options, local)?;
    let redactor = redact::Redactor::new(secrets.values().map(String::as_str));
    let selected = selected(options, local)?;
    let docker = docker(options, local)?;
    let run_id = format!("{}-{}", utc_stamp(SystemTime::now()), std::process::id());
    let run_dir = match &options.run_dir {
        Some(dir) if dir.is_absolute() => dir.clone(),
        Some(dir) => std::env::current_dir().unwrap_or_default().join(dir),
        None => contexts.workspace.join(".pipe").join("runs").join(&run_id),
    };
    if !options.dry_run {
        if options.run_dir.is_none() {
            keep_out_of_git(&contexts.workspace.join(".pipe"));
        }
        for dir in ["logs", "jobs"] {
            std::fs::create_dir_all(run_dir.join(dir)).map_err(|e| {
                output::usage_error(format!("cannot create {}: {e}", run_dir.display()))
            })?;
        }
    }
    let parallel = options
        .parallel
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    Ok(exec::RunSettings {
        params,
        secrets,
        workspace: contexts.workspace,
        run_dir,
        run_id,
        parallel,
        selected,
        docker,
        redactor,
    })
}

/// Runs are not sources: `.pipe/.gitignore` keeps them out of `git status`.
fn keep_out_of_git(dir: &std::path::Path) {
    let ignore = dir.join(".gitignore");
    if !ignore.exists() && std::fs::create_dir_all(dir).is_ok() {
        // Best effort: a run without it works the same.
        let _ = std::fs::write(
            ignore,
            "# Local runs of pipec (pipec run, shell scripts).\n*\n",
        );
    }
}

/// `--secret NAME` (from the environment) and `--secret-file FILE` (`NAME=VALUE` lines);
/// a secret the pipeline reads and nobody gave is empty, as on GitHub, and said so.
fn secrets(options: &Options, local: &LocalPlan) -> Result<BTreeMap<String, String>, Exit> {
    let mut secrets = BTreeMap::new();
    for file in &options.secret_files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| output::usage_error(format!("cannot read {}: {e}", file.display())))?;
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let line = line.strip_prefix("export ").unwrap_or(line);
            let Some((name, value)) = line.split_once('=') else {
                return Err(output::usage_error(format!(
                    "{}:{}: expected NAME=VALUE",
                    file.display(),
                    number + 1
                )));
            };
            let value = value.trim();
            let value = ['"', '\'']
                .iter()
                .find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q)))
                .unwrap_or(value);
            secrets.insert(name.trim().to_string(), value.to_string());
        }
    }
    for name in &options.secrets {
        let value = std::env::var(name).map_err(|_| {
            output::usage_error(format!(
                "--secret {name}: the environment has no variable {name} (set it, or use --secret-file)"
            ))
        })?;
        secrets.insert(name.clone(), value);
    }
    for name in shell::used_secrets(&local.plan) {
        if !secrets.contains_key(&name) {
            output::stderr(&format!(
                "pipec: secret {name} was not given (--secret {name}): it is empty in this run\n"
            ));
        }
    }
    Ok(secrets)
}

/// `--job NAME`: those jobs and every job they need, transitively.
fn selected(options: &Options, local: &LocalPlan) -> Result<Vec<bool>, Exit> {
    if options.jobs.is_empty() {
        return Ok(vec![true; local.instances.len()]);
    }
    let jobs = &local.plan.jobs;
    let mut wanted = vec![false; jobs.len()];
    for name in &options.jobs {
        let Some(index) = jobs.iter().position(|j| j.job.id == *name) else {
            let hint = closest(name, jobs.iter().map(|j| j.job.id.as_str()))
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            return Err(output::usage_error(format!(
                "there is no job `{name}`{hint}"
            )));
        };
        for job in jobs
            .get(index)
            .map_or(&[][..], |j| &j.ancestors)
            .iter()
            .chain([&index])
        {
            if let Some(slot) = wanted.get_mut(*job) {
                *slot = true;
            }
        }
    }
    Ok(local
        .instances
        .iter()
        .map(|i| wanted.get(i.job).copied().unwrap_or(false))
        .collect())
}

/// The container engine, when the pipeline needs one and `--no-services` is not given.
fn docker(options: &Options, local: &LocalPlan) -> Result<Option<String>, Exit> {
    let needed = local
        .plan
        .jobs
        .iter()
        .any(|job| job.image.is_some() || !job.sidecars.is_empty());
    if !needed || options.no_services || options.dry_run {
        return Ok(None);
    }
    for engine in ["docker", "podman"] {
        let running = std::process::Command::new(engine)
            .arg("info")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if running {
            return Ok(Some(engine.to_string()));
        }
    }
    Err(output::usage_error(
        "this pipeline has services or job containers, and neither docker nor podman is running here; start one, or pass --no-services to run without them",
    ))
}

/// `--dry-run`: which jobs would run, which would not and why, from what is known before
/// anything runs (every job upstream taken to succeed).
fn dry_run(local: &LocalPlan, settings: &exec::RunSettings) -> String {
    let params = &settings.params;
    let param = |name: &str| params.get(name).cloned().unwrap_or_default();
    let mut out = format!(
        "pipec: dry run of pipeline `{}`: event {}, {}, sha {}\n",
        local.plan.pipeline.id,
        param("event"),
        if param("tag").is_empty() {
            format!("branch {:?}", param("branch"))
        } else {
            format!("tag {:?}", param("tag"))
        },
        param("sha").get(..12).unwrap_or_default()
    );
    let width = local
        .instances
        .iter()
        .map(|i| i.title.chars().count())
        .max()
        .unwrap_or(0);
    // Instances the dry run already knows will not run.
    let mut skipped = vec![false; local.instances.len()];
    for (index, instance) in local.instances.iter().enumerate() {
        let Some(job) = local.job(instance) else {
            continue;
        };
        let upstream_skipped = instance
            .ancestors
            .iter()
            .any(|a| skipped.get(*a).copied().unwrap_or(false));
        let values = exec::Values {
            settings,
            instance,
            local,
            results: BTreeMap::new(),
        };
        let verdict = if !settings.selected.get(index).copied().unwrap_or(true) {
            "skipped: not selected (--job)".to_string()
        } else if let Some(why) = &job.unsupported {
            format!("skipped: {} ({why})", shell::SkipReason::Unsupported.note())
        } else if upstream_skipped && job.handler.is_none() {
            format!("skipped: {}", shell::SkipReason::Upstream.note())
        } else {
            let when: Vec<Option<bool>> = job.when.iter().map(|c| eval::eval(c, &values)).collect();
            let needs: Vec<&str> = instance
                .needs
                .iter()
                .filter_map(|n| local.instances.get(*n).map(|i| i.title.as_str()))
                .collect();
            let after = if needs.is_empty() {
                String::new()
            } else {
                format!(" after {}", needs.join(", "))
            };
            if when.contains(&Some(false)) {
                format!("skipped: {}", shell::SkipReason::Condition.note())
            } else if let Some(handler) = &job.handler {
                let on_success = shell::status_holds(handler, true, false);
                let on_failure = shell::status_holds(handler, false, true);
                match (on_success, on_failure) {
                    (true, true) => format!("runs{after}, whatever they end with"),
                    (false, true) => format!("runs{after} only if a job upstream fails"),
                    (true, false) => format!("runs{after}"),
                    (false, false) => format!("skipped: {}", shell::SkipReason::Condition.note()),
                }
            } else if when.contains(&None) {
                format!("runs{after} if its condition holds then (it reads their outputs)")
            } else {
                format!("runs{after}")
            }
        };
        let notes = pipec_targets::shell::skipped_steps_note(job)
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        if let Some(slot) = skipped.get_mut(index) {
            *slot = verdict.starts_with("skipped");
        }
        let padding = width.saturating_sub(instance.title.chars().count());
        out.push_str(&format!(
            "  {}{}  {verdict}{notes}\n",
            instance.title,
            " ".repeat(padding)
        ));
    }
    out
}

/// `run.json` in the run directory: how each job ended and how long the processes took.
fn write_record(settings: &exec::RunSettings, ended: &exec::Ended) {
    let jobs: Vec<serde_json::Value> = ended
        .rows
        .iter()
        .map(|row| {
            serde_json::json!({
                "job": row.title,
                "result": row.result.name(),
                "duration_ms": row.duration.map(|d| d.as_millis() as u64),
                "note": row.note,
            })
        })
        .collect();
    let record = serde_json::json!({
        "run_id": settings.run_id,
        "total_ms": ended.total.as_secs_f64() * 1000.0,
        "process_ms": ended.process_time.as_secs_f64() * 1000.0,
        "jobs": jobs,
    });
    let text = serde_json::to_string_pretty(&record).unwrap_or_default();
    let _ = std::fs::write(
        settings.run_dir.join("run.json"),
        settings.redactor.redact(&text),
    );
}

/// `YYYYmmdd-HHMMSS` in UTC, as the script's `date -u +%Y%m%d-%H%M%S`.
fn utc_stamp(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    let rest = seconds % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_start_with_the_utc_time() {
        let time = UNIX_EPOCH + std::time::Duration::from_secs(1_796_000_000);
        assert_eq!(utc_stamp(time), "20261130-005320");
        assert_eq!(utc_stamp(UNIX_EPOCH), "19700101-000000");
    }
}

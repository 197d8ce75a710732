//! A [`LocalPlan`] as one bash script: the pipeline's data (jobs, what they wait for,
//! timeouts), one function per job that runs its steps' launchers, one per job condition,
//! then the runner every script shares (`runtime.bash`). Values reach the launchers as
//! exported variables, never as script text.

use std::fmt::Write as _;

use pipec_compiler::ir::InputType;

use super::{Instance, LocalPlan};
use crate::plan::launcher::{self, StateDir};
use crate::plan::{Cond, Container, EnvEntry, EnvValue, JobPlan, Piece, Ref, Sidecar};

const RUNTIME: &str = include_str!("runtime.bash");

pub(super) fn render(local: &LocalPlan) -> String {
    let plan = &local.plan;
    let pipeline = plan.pipeline;
    let mut out = String::from("#!/usr/bin/env bash\n");
    for line in crate::header_lines(pipeline) {
        out.push_str(&line);
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "#\n# Runs the pipeline `{}` on this machine; `{} --help` says how. Needs bash 5.",
        pipeline.id,
        format_args!("./{}.sh", pipeline.id)
    );
    out.push_str("# Each step's variables are exported in a subshell of its own, on purpose, and not every\n# pipeline calls every function of the runner:\n# shellcheck disable=SC2030,SC2031,SC2317\nset -uo pipefail\n\n");
    out.push_str("if [ \"${BASH_VERSINFO[0]}\" -lt 5 ]; then\n  echo \"pipec: this script needs bash 5 or later (this is $BASH_VERSION)\" >&2\n  exit 2\nfi\n\n");

    out.push_str("# ---- The pipeline ----------------------------------------------------------------------\n\n");
    let _ = writeln!(out, "PIPEC_PIPELINE={}", quote(&pipeline.id));
    let uses_docker = plan
        .jobs
        .iter()
        .any(|job| job.image.is_some() || !job.sidecars.is_empty());
    let _ = writeln!(out, "PIPEC_USES_DOCKER={}", u8::from(uses_docker));
    let inputs: Vec<&pipec_compiler::ir::Input> = pipeline.inputs().collect();
    let input_names: Vec<String> = inputs.iter().map(|i| quote(&i.name)).collect();
    let _ = writeln!(out, "PIPEC_INPUTS=({})", input_names.join(" "));
    let secrets: Vec<String> = super::used_secrets(plan);
    let _ = writeln!(out, "PIPEC_SECRETS=({})", secrets.join(" "));
    let ids: Vec<String> = local.instances.iter().map(|i| i.id.clone()).collect();
    let _ = writeln!(out, "PIPEC_JOBS=({})", ids.join(" "));
    table(&mut out, "PIPEC_TITLE", local, |i| Some(quote(&i.title)));
    let ids_of = |list: &[usize]| {
        let names: Vec<&str> = list
            .iter()
            .filter_map(|n| local.instances.get(*n).map(|i| i.id.as_str()))
            .collect();
        (!names.is_empty()).then(|| quote(&names.join(" ")))
    };
    table(&mut out, "PIPEC_NEEDS", local, |i| ids_of(&i.needs));
    table(&mut out, "PIPEC_ANCESTORS", local, |i| ids_of(&i.ancestors));
    table(&mut out, "PIPEC_TIMEOUT", local, |i| {
        local.job(i).map(|job| job.timeout.to_string())
    });
    let siblings = |i: &Instance| -> Vec<usize> {
        (0..local.instances.len())
            .filter(|n| local.instances.get(*n).is_some_and(|o| o.job == i.job))
            .collect()
    };
    table(&mut out, "PIPEC_SIBLINGS", local, |i| {
        local
            .job(i)
            .and_then(|job| job.matrix.as_ref())
            .and_then(|_| ids_of(&siblings(i)))
    });
    table(&mut out, "PIPEC_FAIL_FAST", local, |i| {
        let matrix = local.job(i)?.matrix.as_ref()?;
        matrix.fail_fast.unwrap_or(true).then(|| "1".to_string())
    });
    table(&mut out, "PIPEC_MAX_PARALLEL", local, |i| {
        let matrix = local.job(i)?.matrix.as_ref()?;
        matrix.max_parallel.map(|n| n.to_string())
    });
    table(&mut out, "PIPEC_NOTE", local, |i| {
        super::skipped_steps_note(local.job(i)?).map(|note| quote(&note))
    });
    out.push('\n');

    inputs_functions(&mut out, &inputs);
    decide_function(&mut out, local);
    run_job_function(&mut out, local);
    let jobs: Vec<String> = plan.jobs.iter().map(|job| job.name.clone()).collect();
    for job in &plan.jobs {
        if !job.when.is_empty() {
            condition_function(&mut out, &jobs, job);
        }
    }
    for job in &plan.jobs {
        job_function(&mut out, &jobs, job);
    }
    out.push_str(RUNTIME);
    out.push_str("\npipec_main \"$@\"\n");
    out
}

/// `declare -A NAME=([id]=value ...)` over the instances that have a value.
fn table(
    out: &mut String,
    name: &str,
    local: &LocalPlan,
    value: impl Fn(&Instance) -> Option<String>,
) {
    let entries: Vec<String> = local
        .instances
        .iter()
        .filter_map(|i| value(i).map(|v| format!("  [{}]={v}\n", i.id)))
        .collect();
    if entries.is_empty() {
        let _ = writeln!(out, "declare -A {name}=()");
    } else {
        let _ = write!(out, "declare -A {name}=(\n{})\n", entries.concat());
    }
}

/// `pipec_input_param`, `pipec_check_input` and `pipec_input_default`: the dispatch inputs'
/// run parameters, types and defaults.
fn inputs_functions(out: &mut String, inputs: &[&pipec_compiler::ir::Input]) {
    out.push_str("# The run parameter of an input.\npipec_input_param() {\n  case $1 in\n");
    for input in inputs {
        let _ = writeln!(
            out,
            "    {}) printf '%s' {} ;;",
            quote(&input.name),
            quote(&super::input_param(&input.name))
        );
    }
    out.push_str("  esac\n}\n\n");

    out.push_str("# Whether --input NAME=VALUE names an input and gives it a value of its type.\npipec_check_input() {\n  case $1 in\n");
    for input in inputs {
        let check = match &input.ty {
            InputType::Boolean => "case $2 in true | false) ;; *) echo \"pipec: input \\`$1\\` is a boolean: true or false, not \\\"$2\\\"\" >&2; return 1 ;; esac".to_string(),
            InputType::Number => "[[ $2 =~ ^[[:space:]]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?[[:space:]]*$ ]] || { echo \"pipec: input \\`$1\\` is a number, not \\\"$2\\\"\" >&2; return 1; }".to_string(),
            InputType::Choice(options) => {
                let options_text: Vec<String> =
                    options.iter().map(|o| format!("\\\"{o}\\\"")).collect();
                let patterns: Vec<String> = options.iter().map(|o| quote(o)).collect();
                format!(
                    "case $2 in {}) ;; *) echo \"pipec: input \\`$1\\` is one of {}, not \\\"$2\\\"\" >&2; return 1 ;; esac",
                    patterns.join(" | "),
                    options_text
                        .join(", ")
                        .replace('`', "\\`")
                        .replace('$', "\\$")
                )
            }
            InputType::String | InputType::Environment => ":".to_string(),
        };
        let _ = writeln!(out, "    {}) {check} ;;", quote(&input.name));
    }
    let known: Vec<String> = inputs.iter().map(|i| format!("`{}`", i.name)).collect();
    let known = if known.is_empty() {
        "it has none".to_string()
    } else {
        format!("it has {}", known.join(", "))
    };
    let _ = writeln!(
        out,
        "    *)\n      echo \"pipec: the pipeline has no input \\`$1\\`: {}\" >&2\n      return 1\n      ;;\n  esac\n}}\n",
        known.replace('`', "\\`")
    );

    out.push_str("# A manual run gives every input its default; a required input without one must be given.\npipec_input_default() {\n  case $1 in\n");
    for input in inputs {
        let line = match (&input.default, input.required) {
            (Some(default), _) => format!(
                "PIPEC_PARAM[{}]={}",
                super::input_param(&input.name),
                quote(&default.to_text())
            ),
            (None, true) => format!(
                "echo \"pipec: input \\`{}\\` is required: pass --input {}=VALUE\" >&2; return 1",
                input.name, input.name
            ),
            (None, false) => format!("PIPEC_PARAM[{}]=''", super::input_param(&input.name)),
        };
        let _ = writeln!(out, "    {}) {line} ;;", quote(&input.name));
    }
    out.push_str("  esac\n}\n\n");
}

/// `pipec_decide ID`: whether a job runs once the jobs it needs have ended; when it does
/// not, `pipec_reason` says why.
fn decide_function(out: &mut String, local: &LocalPlan) {
    out.push_str("# Whether a job runs once the jobs it needs have ended; if not, pipec_reason says why.\npipec_decide() {\n  case $1 in\n");
    let upstream = super::SkipReason::Upstream.note();
    let condition = super::SkipReason::Condition.note();
    let unsupported = super::SkipReason::Unsupported.note();
    for instance in &local.instances {
        let Some(job) = local.job(instance) else {
            continue;
        };
        if job.unsupported.is_some() {
            let _ = writeln!(
                out,
                "    {}) pipec_reason='{unsupported}'; return 1 ;;",
                instance.id
            );
            continue;
        }
        if job.handler.is_none() && job.when.is_empty() {
            continue;
        }
        let mut lines = Vec::new();
        match &job.handler {
            None => lines.push(format!(
                "pipec_upstream_succeeded \"$1\" || {{ pipec_reason='{upstream}'; return 1; }}"
            )),
            Some(status) => lines.push(format!(
                "{} || {{ pipec_reason='{condition}'; return 1; }}",
                status_test(status)
            )),
        }
        if !job.when.is_empty() {
            lines.push(format!(
                "when_{} \"$1\" || {{ pipec_reason='{condition}'; return 1; }}",
                ident(&job.name)
            ));
        }
        let _ = writeln!(out, "    {})", instance.id);
        for line in lines {
            let _ = writeln!(out, "      {line}");
        }
        out.push_str("      ;;\n");
    }
    let _ = writeln!(
        out,
        "    *) pipec_upstream_succeeded \"$1\" || {{ pipec_reason='{upstream}'; return 1; }} ;;\n  esac\n}}\n"
    );
}

/// A failure handler's status test over the jobs upstream.
fn status_test(status: &Cond) -> String {
    use pipec_compiler::ir::StatusFunction;
    match status {
        Cond::Const(true) => "true".into(),
        Cond::Const(false) => "false".into(),
        Cond::Status(StatusFunction::Failure) => "pipec_upstream_failed \"$1\"".into(),
        Cond::Status(_) => "pipec_upstream_succeeded \"$1\"".into(),
        Cond::Not(inner) => format!("! {{ {}; }}", status_test(inner)),
        Cond::And(items) | Cond::Or(items) => {
            let joiner = if matches!(status, Cond::And(_)) {
                " && "
            } else {
                " || "
            };
            let tests: Vec<String> = items.iter().map(status_test).collect();
            format!("{{ {}; }}", tests.join(joiner))
        }
        // A status test has nothing else (the plan splits value conditions off).
        _ => "false".into(),
    }
}

/// `pipec_run_job ID`: runs an instance's job function with its matrix values.
fn run_job_function(out: &mut String, local: &LocalPlan) {
    out.push_str(
        "# Runs a job (a matrix combination: with its values).\npipec_run_job() {\n  case $1 in\n",
    );
    for instance in &local.instances {
        let Some(job) = local.job(instance) else {
            continue;
        };
        let mut call = format!("job_{}", ident(&job.name));
        for key in job.matrix.iter().flat_map(|m| &m.keys) {
            let value = instance
                .matrix
                .iter()
                .find(|(k, _)| k == key)
                .map_or("", |(_, v)| v.as_str());
            call.push(' ');
            call.push_str(&quote(value));
        }
        let _ = writeln!(out, "    {}) {call} ;;", instance.id);
    }
    out.push_str("  esac\n}\n\n");
}

/// `when_<job>`: the job's value conditions, tested by the launchers' `sh` code.
fn condition_function(out: &mut String, jobs: &[String], job: &JobPlan) {
    let (env, script) = launcher::condition(StateDir::LOCAL, &job.when);
    let _ = writeln!(
        out,
        "# The condition of job `{}`.\nwhen_{}() {{",
        job.job.id,
        ident(&job.name)
    );
    let mut body = String::new();
    job_outputs(&mut body, jobs, &env, "  ");
    body.push_str("  (\n    export PIPEC_STATE=\"$RUN_DIR/jobs/$1\"\n");
    exports(&mut body, jobs, &env, "    ");
    let delimiter = delimiter(&script, "PIPEC_CONDITION");
    let _ = write!(
        body,
        "    sh <<'{delimiter}'\n{script}{delimiter}\n  )\n}}\n\n"
    );
    out.push_str(&body);
}

/// `job_<job>`: starts the job's services, runs each step's launcher, then the launcher
/// that writes the outputs and decides the result.
fn job_function(out: &mut String, jobs: &[String], job: &JobPlan) {
    let name = ident(&job.name);
    let _ = writeln!(
        out,
        "# Job `{}`: {} step(s).\njob_{name}() {{",
        job.job.id,
        job.containers.len().saturating_sub(1)
    );
    if let Some(matrix) = &job.matrix {
        let entries: Vec<String> = matrix
            .keys
            .iter()
            .enumerate()
            .map(|(n, key)| format!("[{}]=\"${}\"", key, n + 1))
            .collect();
        let used = job.containers.iter().any(|c| {
            c.env.iter().any(|e| match &e.value {
                EnvValue::Text(pieces) => pieces
                    .iter()
                    .any(|p| matches!(p, Piece::Ref(Ref::Matrix(_)))),
                _ => false,
            })
        }) || job.sidecars.iter().any(|s| {
            s.image
                .iter()
                .chain(s.env.iter().flat_map(|e| match &e.value {
                    EnvValue::Text(pieces) => pieces.as_slice(),
                    _ => &[],
                }))
                .any(|p| matches!(p, Piece::Ref(Ref::Matrix(_))))
        }) || job
            .image
            .iter()
            .flatten()
            .any(|p| matches!(p, Piece::Ref(Ref::Matrix(_))));
        if used {
            let _ = writeln!(out, "  local -A matrix=({})", entries.join(" "));
        }
    }
    let all_env: Vec<EnvEntry> = job
        .containers
        .iter()
        .flat_map(|c| c.env.iter().cloned())
        .chain(job.sidecars.iter().flat_map(|s| s.env.iter().cloned()))
        .collect();
    job_outputs(out, jobs, &all_env, "  ");
    let docker = job.image.is_some() || !job.sidecars.is_empty();
    if docker {
        out.push_str("  if [ \"$pipec_services\" = 1 ]; then\n");
        let _ = writeln!(out, "    pipec_network_start {}", quote(&job.name));
        out.push_str("    trap 'exit 143' TERM\n    trap pipec_network_stop EXIT\n");
        for sidecar in &job.sidecars {
            service(out, jobs, sidecar);
        }
        if let Some(image) = &job.image {
            let _ = writeln!(out, "    PIPEC_JOB_IMAGE={}", word(jobs, image));
        }
        out.push_str("  fi\n");
    }
    // What every step has (the pipeline's and the job's env) is exported once, for the
    // job; each step's subshell adds its own.
    let shared: Vec<EnvEntry> = job
        .containers
        .first()
        .map(|first| {
            first
                .env
                .iter()
                .filter(|entry| job.containers.iter().all(|c| c.env.contains(entry)))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    exports(out, jobs, &shared, "  ");
    let count = job.containers.len();
    for (index, container) in job.containers.iter().enumerate() {
        let own: Vec<EnvEntry> = container
            .env
            .iter()
            .filter(|entry| !shared.contains(entry))
            .cloned()
            .collect();
        let last = index + 1 == count;
        let names: Vec<&str> = job
            .image
            .as_ref()
            .map(|_| container.env.iter().map(|e| e.name.as_str()).collect())
            .unwrap_or_default();
        step(out, jobs, container, &own, &names, index, last);
    }
    out.push_str("}\n\n");
}

fn service(out: &mut String, jobs: &[String], sidecar: &Sidecar) {
    let health = sidecar
        .health
        .as_ref()
        .map_or(String::new(), |h| h.command.clone());
    let mut args = vec![
        quote(&sidecar.name),
        word(jobs, &sidecar.image),
        quote(&health),
    ];
    args.extend(sidecar.ports.iter().map(u16::to_string));
    if !sidecar.env.is_empty() {
        args.push("--".into());
        args.extend(sidecar.env.iter().map(|e| e.name.clone()));
    }
    out.push_str("    (\n");
    exports(out, jobs, &sidecar.env, "      ");
    let _ = writeln!(out, "      pipec_service_start {}", args.join(" "));
    out.push_str("    ) || return\n");
}

fn step(
    out: &mut String,
    jobs: &[String],
    container: &Container,
    env: &[EnvEntry],
    container_env: &[&str],
    index: usize,
    last: bool,
) {
    let title = container
        .script
        .lines()
        .nth(1)
        .and_then(|line| line.strip_prefix("# pipec: "))
        .unwrap_or_default();
    let _ = writeln!(out, "  # {title}");
    out.push_str("  (\n");
    exports(out, jobs, env, "    ");
    let name = if last {
        "finish".to_string()
    } else {
        (index + 1).to_string()
    };
    // In a job container, the launcher gets the step's variables by name.
    let mut call = format!("pipec_launch {name}");
    for name in container_env {
        call.push(' ');
        call.push_str(name);
    }
    let delimiter = delimiter(&container.script, "PIPEC_LAUNCHER");
    let _ = write!(
        out,
        "    {call} <<'{delimiter}'\n{}{delimiter}\n  )",
        container.script
    );
    out.push_str(if last { "\n" } else { " || return\n" });
}

/// `needs[job.output]=...` for each job output the values read.
fn job_outputs(out: &mut String, jobs: &[String], env: &[EnvEntry], indent: &str) {
    let mut seen: Vec<String> = Vec::new();
    for entry in env {
        let EnvValue::Text(pieces) = &entry.value else {
            continue;
        };
        for piece in pieces {
            if let Piece::Ref(Ref::JobOutput { job, output }) = piece {
                let key = needs_key(jobs, *job, output);
                if !seen.contains(&key) {
                    seen.push(key);
                }
            }
        }
    }
    if seen.is_empty() {
        return;
    }
    let _ = writeln!(out, "{indent}local -A needs=()");
    for key in seen {
        let (job, output) = key.split_once('.').unwrap_or((&key, ""));
        let _ = writeln!(
            out,
            "{indent}needs[{key}]=$(pipec_output_of {} {})",
            quote(job),
            quote(output)
        );
    }
}

/// The key of a job output in `needs`: `<job>.<output>`, the job by its name (its state
/// directory).
fn needs_key(jobs: &[String], job: usize, output: &str) -> String {
    let job = jobs.get(job).map_or("", String::as_str);
    format!("{job}.{output}")
}

fn exports(out: &mut String, jobs: &[String], env: &[EnvEntry], indent: &str) {
    for entry in env {
        let value = match &entry.value {
            EnvValue::Text(pieces) => word(jobs, pieces),
            EnvValue::Secret(name) | EnvValue::Var(name) => format!("\"${{{name}-}}\""),
        };
        let _ = writeln!(out, "{indent}export {}={value}", entry.name);
    }
}

/// Pieces as one double-quoted bash word.
fn word(jobs: &[String], pieces: &[Piece]) -> String {
    let mut word = String::from("\"");
    for piece in pieces {
        match piece {
            Piece::Text(text) => launcher::push_double_quoted(&mut word, text),
            Piece::Ref(Ref::Param(name)) => {
                let _ = write!(word, "${{PIPEC_PARAM[{name}]}}");
            }
            Piece::Ref(Ref::Matrix(key)) => {
                let _ = write!(word, "${{matrix[{key}]}}");
            }
            Piece::Ref(Ref::JobOutput { job, output }) => {
                let _ = write!(word, "${{needs[{}]}}", needs_key(jobs, *job, output));
            }
            Piece::Ref(Ref::RunUid) => word.push_str("${PIPEC_RUN_ID}"),
            Piece::Var(name) => {
                let _ = write!(word, "${{{name}}}");
            }
        }
    }
    word.push('"');
    word
}

/// Text as one single-quoted bash word.
fn quote(text: &str) -> String {
    if !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@' | '+' | ',')
        })
    {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// A job name as part of a function name.
fn ident(name: &str) -> String {
    name.replace('-', "_")
}

/// A here-document delimiter that is no line of `text`.
fn delimiter(text: &str, base: &str) -> String {
    let mut delimiter = base.to_string();
    while text.lines().any(|line| line == delimiter) {
        delimiter.push('_');
    }
    delimiter
}

//! Running a [`LocalPlan`]: the scheduler (main thread) starts job instances once what they
//! need has ended and their conditions hold, at most `parallel` at once; each job runs on a
//! thread of its own, which runs the job's launchers one after another, each as a process
//! in the job's process group, with its output redacted into the job's log. A job's
//! timeout, a fail-fast cancellation and Ctrl-C kill that group. The generated script does
//! the same with bash's job control (`targets/src/shell/runtime.bash`).

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pipec_compiler::ir::StatusFunction;
use pipec_targets::plan::eval::{self, Context};
use pipec_targets::plan::{Container, EnvEntry, EnvValue, JobPlan, Piece, Ref, Runtime, Val};
use pipec_targets::shell::{Instance, JobResult, LocalPlan, SkipReason};

use super::display::{self, Display, Row};
use super::redact::Redactor;

/// Everything a run reads besides the plan.
pub struct RunSettings {
    pub params: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, String>,
    pub workspace: PathBuf,
    pub run_dir: PathBuf,
    pub run_id: String,
    pub parallel: usize,
    /// Instances left out by `--job`.
    pub selected: Vec<bool>,
    /// `docker` or `podman`, when services and job containers run.
    pub docker: Option<String>,
    pub redactor: Redactor,
}

/// How a run ended.
pub struct Ended {
    pub rows: Vec<Row>,
    pub interrupted: bool,
    /// The time spent in the steps' processes, from spawn to exit, over every job.
    pub process_time: Duration,
    pub total: Duration,
}

impl Ended {
    pub fn failed(&self) -> bool {
        self.rows.iter().any(|row| row.result == JobResult::Failure)
    }
}

/// How long a stopped job's processes have after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(5);

/// What the scheduler and a job's thread share about a running job.
#[derive(Default)]
struct Control {
    /// The job's process group, once its first process started.
    group: Mutex<Option<i32>>,
    /// Why the job is being stopped: its steps must not go on.
    stopped: Mutex<Option<Stop>>,
    /// When it was told to stop.
    stopped_at: Mutex<Option<Instant>>,
}

#[derive(Clone, Debug, PartialEq)]
enum Stop {
    TimedOut(u64),
    Cancelled(String),
}

impl Control {
    fn stop(&self, why: Stop) {
        if let Ok(mut stopped) = self.stopped.lock() {
            stopped.get_or_insert(why);
        }
        if let Ok(mut at) = self.stopped_at.lock() {
            at.get_or_insert_with(Instant::now);
        }
        if let Ok(group) = self.group.lock()
            && let Some(group) = *group
        {
            kill_group(group, libc::SIGTERM);
        }
    }

    /// Whether the job ignored SIGTERM for longer than [`GRACE`].
    fn overdue(&self) -> bool {
        self.stopped_at
            .lock()
            .ok()
            .and_then(|at| *at)
            .is_some_and(|at| at.elapsed() > GRACE)
    }

    fn stopped(&self) -> Option<Stop> {
        self.stopped.lock().ok().and_then(|s| s.clone())
    }
}

/// SIGTERM to what is left of a job's process group, SIGKILL to what is still there after
/// [`GRACE`].
fn end_group(group: i32, log: &Log) {
    kill_group(group, libc::SIGTERM);
    let deadline = Instant::now() + GRACE;
    while group_alive(group) {
        if Instant::now() > deadline {
            log.line(&format!(
                "pipec: the job did not stop within {}s of SIGTERM: SIGKILL",
                GRACE.as_secs()
            ));
            kill_group(group, libc::SIGKILL);
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether a process group has a live process. Zombies do not count: where nobody reaps
/// orphans (some containers' init), they would keep a finished group "alive".
fn group_alive(group: i32) -> bool {
    // SAFETY: signal 0 only checks that the group has a process; it touches no memory.
    let exists = unsafe { libc::kill(-group, 0) } == 0;
    if !exists {
        return false;
    }
    let Ok(entries) = fs::read_dir("/proc") else {
        return true;
    };
    entries.flatten().any(|entry| {
        let stat = fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // `pid (comm) state ppid pgrp ...`; comm may hold spaces and brackets.
        let fields: Vec<&str> = stat
            .rsplit_once(") ")
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        matches!(fields.as_slice(), [state, _, pgrp, ..] if *state != "Z" && pgrp.parse() == Ok(group))
    })
}

fn kill_group(group: i32, signal: libc::c_int) {
    // SAFETY: kill(2) with a negative pid signals a process group; it touches no memory.
    unsafe {
        libc::kill(-group, signal);
    }
}

enum State {
    Pending,
    Running {
        started: Instant,
        control: Arc<Control>,
    },
    Done {
        result: JobResult,
        duration: Option<Duration>,
        note: Option<String>,
    },
}

struct JobEnd {
    instance: usize,
    result: JobResult,
    note: Option<String>,
    process_time: Duration,
}

pub fn run(local: &LocalPlan, settings: &RunSettings, interrupted: &Arc<AtomicBool>) -> Ended {
    let started_run = Instant::now();
    let mut display = Display::new();
    let mut states: Vec<State> = local.instances.iter().map(|_| State::Pending).collect();
    let (sender, receiver) = mpsc::channel::<JobEnd>();
    let mut process_time = Duration::ZERO;
    let mut running = 0usize;
    let mut was_interrupted = false;
    let mut last_draw = Instant::now();
    display.line(&format!(
        "pipec: run {} of pipeline `{}`, logs in {}",
        settings.run_id,
        local.plan.pipeline.id,
        settings.run_dir.join("logs").display()
    ));
    std::thread::scope(|scope| {
        loop {
            if interrupted.load(Ordering::SeqCst) && !was_interrupted {
                was_interrupted = true;
                display.line(&format!(
                    "\npipec: interrupted: stopping {running} running job(s)"
                ));
                for state in &states {
                    if let State::Running { control, .. } = state {
                        control.stop(Stop::Cancelled("the run was interrupted".into()));
                    }
                }
            }
            let mut progress = false;
            for index in 0..states.len() {
                if !matches!(states.get(index), Some(State::Pending)) {
                    continue;
                }
                let Some(instance) = local.instances.get(index) else {
                    continue;
                };
                let result_of = |i: usize| match states.get(i) {
                    Some(State::Done { result, .. }) => Some(*result),
                    _ => None,
                };
                if !instance.needs.iter().all(|n| result_of(*n).is_some()) {
                    continue;
                }
                let decision = if !settings.selected.get(index).copied().unwrap_or(true) {
                    Some((JobResult::Skipped, Some("not selected (--job)".to_string())))
                } else if was_interrupted {
                    Some((
                        JobResult::Cancelled,
                        Some("the run was interrupted".to_string()),
                    ))
                } else {
                    match decide(local, settings, instance, &states) {
                        Err(reason) => Some((JobResult::Skipped, Some(reason.note().to_string()))),
                        Ok(()) => None,
                    }
                };
                if let Some((result, note)) = decision {
                    let outcome = Outcome {
                        result,
                        duration: None,
                        note,
                    };
                    end(&mut states, local, settings, index, outcome, &mut display);
                    progress = true;
                    continue;
                }
                if running >= settings.parallel || !group_has_room(local, instance, &states) {
                    continue;
                }
                let control = Arc::new(Control::default());
                if let Some(slot) = states.get_mut(index) {
                    *slot = State::Running {
                        started: Instant::now(),
                        control: Arc::clone(&control),
                    };
                }
                running += 1;
                progress = true;
                display.line(&format!("pipec: started {}", instance.title));
                let sender = sender.clone();
                let results: BTreeMap<String, JobResult> = done_results(local, &states);
                scope.spawn(move || {
                    let (result, note, time) = run_job(local, settings, index, &control, &results);
                    let _ = sender.send(JobEnd {
                        instance: index,
                        result,
                        note,
                        process_time: time,
                    });
                });
            }
            if progress {
                continue;
            }
            if running == 0 {
                break;
            }
            match receiver.recv_timeout(Duration::from_millis(100)) {
                Ok(ended) => {
                    running -= 1;
                    process_time += ended.process_time;
                    let duration = match states.get(ended.instance) {
                        Some(State::Running { started, .. }) => Some(started.elapsed()),
                        _ => None,
                    };
                    let outcome = Outcome {
                        result: ended.result,
                        duration,
                        note: ended.note,
                    };
                    end(
                        &mut states,
                        local,
                        settings,
                        ended.instance,
                        outcome,
                        &mut display,
                    );
                }
                Err(_) => {
                    if last_draw.elapsed() >= Duration::from_millis(200) {
                        last_draw = Instant::now();
                        let jobs: Vec<(String, Duration)> = states
                            .iter()
                            .zip(&local.instances)
                            .filter_map(|(state, instance)| match state {
                                State::Running { started, .. } => {
                                    Some((instance.title.clone(), started.elapsed()))
                                }
                                _ => None,
                            })
                            .collect();
                        display.running(&jobs);
                    }
                }
            }
        }
    });
    display.running(&[]);
    let rows = states
        .iter()
        .zip(&local.instances)
        .map(|(state, instance)| match state {
            State::Done {
                result,
                duration,
                note,
            } => Row {
                title: instance.title.clone(),
                result: *result,
                duration: *duration,
                note: note.clone(),
            },
            _ => Row {
                title: instance.title.clone(),
                result: JobResult::Cancelled,
                duration: None,
                note: None,
            },
        })
        .collect();
    Ended {
        rows,
        interrupted: was_interrupted,
        process_time,
        total: started_run.elapsed(),
    }
}

/// Records how a job ended, writes its `result` file (what `needs.<job>.result` reads),
/// and cancels the other combinations of a failed fail-fast matrix job.
fn end(
    states: &mut [State],
    local: &LocalPlan,
    settings: &RunSettings,
    index: usize,
    outcome: Outcome,
    display: &mut Display,
) {
    let Outcome {
        result,
        duration,
        note,
    } = outcome;
    let Some(instance) = local.instances.get(index) else {
        return;
    };
    write_result(settings, &instance.id, result);
    if let Some(duration) = duration {
        display.line(&format!(
            "pipec: {}: {} ({})",
            instance.title,
            result.name(),
            display::seconds(duration)
        ));
    }
    let note = note.or_else(|| {
        local
            .job(instance)
            .and_then(pipec_targets::shell::skipped_steps_note)
    });
    if let Some(slot) = states.get_mut(index) {
        *slot = State::Done {
            result,
            duration,
            note,
        };
    }
    let fail_fast = local
        .job(instance)
        .and_then(|job| job.matrix.as_ref())
        .is_some_and(|m| m.fail_fast.unwrap_or(true));
    if result != JobResult::Failure || !fail_fast {
        return;
    }
    let why = format!("{} failed (fail_fast)", instance.title);
    for (sibling, other) in local.instances.iter().enumerate() {
        if sibling == index || other.job != instance.job {
            continue;
        }
        match states.get_mut(sibling) {
            Some(State::Running { control, .. }) => {
                control.stop(Stop::Cancelled(format!("cancelled: {why}")));
            }
            Some(slot @ State::Pending) => {
                *slot = State::Done {
                    result: JobResult::Cancelled,
                    duration: None,
                    note: Some(why.clone()),
                };
                write_result(settings, &other.id, JobResult::Cancelled);
            }
            _ => {}
        }
    }
}

/// How a job ended, for `end`.
struct Outcome {
    result: JobResult,
    duration: Option<Duration>,
    note: Option<String>,
}

/// The `result` file `needs.<job>.result` reads in later launchers, as the script writes it.
fn write_result(settings: &RunSettings, id: &str, result: JobResult) {
    let dir = settings.run_dir.join("jobs").join(id);
    // Best effort: a launcher that finds no file reads `skipped`.
    if fs::create_dir_all(&dir).is_ok() {
        let _ = fs::write(dir.join("result"), format!("{}\n", result.name()));
    }
}

fn done_results(local: &LocalPlan, states: &[State]) -> BTreeMap<String, JobResult> {
    states
        .iter()
        .zip(&local.instances)
        .filter_map(|(state, instance)| match state {
            State::Done { result, .. } => Some((instance.id.clone(), *result)),
            _ => None,
        })
        .collect()
}

/// A matrix's `max_parallel`: no more of its combinations running at once.
fn group_has_room(local: &LocalPlan, instance: &Instance, states: &[State]) -> bool {
    let Some(limit) = local
        .job(instance)
        .and_then(|job| job.matrix.as_ref())
        .and_then(|m| m.max_parallel)
    else {
        return true;
    };
    let running = local
        .instances
        .iter()
        .zip(states)
        .filter(|(other, state)| {
            other.job == instance.job && matches!(state, State::Running { .. })
        })
        .count();
    running < usize::try_from(limit).unwrap_or(usize::MAX)
}

/// Whether an instance runs, once what it needs has ended.
fn decide(
    local: &LocalPlan,
    settings: &RunSettings,
    instance: &Instance,
    states: &[State],
) -> Result<(), SkipReason> {
    let result = |i: usize| match states.get(i) {
        Some(State::Done { result, .. }) => Some(*result),
        _ => None,
    };
    local.upstream_allows(instance, &result)?;
    let Some(job) = local.job(instance) else {
        return Err(SkipReason::Condition);
    };
    let values = Values {
        settings,
        instance,
        local,
        results: done_results(local, states),
    };
    for condition in &job.when {
        // Everything a job condition reads is known once what it needs has ended.
        if eval::eval(condition, &values) != Some(true) {
            return Err(SkipReason::Condition);
        }
    }
    Ok(())
}

/// The values a job reads, before and while it runs.
pub struct Values<'a> {
    pub settings: &'a RunSettings,
    pub instance: &'a Instance,
    pub local: &'a LocalPlan<'a>,
    /// How the instances that have ended ended, by id.
    pub results: BTreeMap<String, JobResult>,
}

impl Values<'_> {
    fn piece(&self, piece: &Piece, env: &[(String, String)]) -> Option<String> {
        match piece {
            Piece::Text(text) => Some(text.clone()),
            Piece::Ref(Ref::Param(name)) => {
                Some(self.settings.params.get(name).cloned().unwrap_or_default())
            }
            Piece::Ref(Ref::Matrix(key)) => Some(
                self.instance
                    .matrix
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            ),
            Piece::Ref(Ref::JobOutput { job, output }) => {
                let job = self.local.plan.jobs.get(*job)?;
                self.results.get(&job.name)?;
                Some(read_output(&self.settings.run_dir, &job.name, output))
            }
            Piece::Ref(Ref::RunUid) => Some(self.settings.run_id.clone()),
            Piece::Var(name) => Some(
                env.iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .or_else(|| std::env::var(name).ok())
                    .unwrap_or_default(),
            ),
        }
    }

    fn pieces(&self, pieces: &[Piece], env: &[(String, String)]) -> Option<String> {
        pieces.iter().map(|p| self.piece(p, env)).collect()
    }

    /// A launcher's environment, in order: later entries may read earlier ones.
    fn environment(&self, entries: &[EnvEntry], state: &Path) -> Vec<(String, String)> {
        let mut env = vec![(
            "PIPEC_STATE".to_string(),
            state.to_string_lossy().into_owned(),
        )];
        for entry in entries {
            let value = match &entry.value {
                EnvValue::Text(pieces) => self.pieces(pieces, &env).unwrap_or_default(),
                EnvValue::Secret(name) => {
                    self.settings.secrets.get(name).cloned().unwrap_or_default()
                }
                EnvValue::Var(name) => std::env::var(name).unwrap_or_default(),
            };
            env.push((entry.name.clone(), value));
        }
        env
    }
}

impl Context for Values<'_> {
    fn value(&self, val: &Val) -> Option<String> {
        match val {
            Val::Pieces(pieces) => self.pieces(pieces, &[]),
            Val::Secret(name) => Some(self.settings.secrets.get(name).cloned().unwrap_or_default()),
            Val::Var(name) | Val::Env(name) => Some(std::env::var(name).unwrap_or_default()),
            Val::Runtime(Runtime::JobResult { job }) => Some(
                self.results
                    .get(job)
                    .map_or("skipped", |r| r.name())
                    .to_string(),
            ),
            Val::Runtime(_) => None,
        }
    }

    fn status(&self, _: StatusFunction) -> Option<bool> {
        // The plan splits a job's status conditions off into its handler test.
        None
    }
}

/// A job output as the job's last launcher wrote it; `$(cat ...)` in the script drops
/// trailing newlines, and so does this.
fn read_output(run_dir: &Path, job: &str, output: &str) -> String {
    let text = fs::read_to_string(run_dir.join("jobs").join(job).join("outputs").join(output))
        .unwrap_or_default();
    text.trim_end_matches('\n').to_string()
}

/// Runs one job instance to its end: services, each launcher, then the services' removal.
fn run_job(
    local: &LocalPlan,
    settings: &RunSettings,
    index: usize,
    control: &Control,
    results: &BTreeMap<String, JobResult>,
) -> (JobResult, Option<String>, Duration) {
    let Some(instance) = local.instances.get(index) else {
        return (JobResult::Failure, None, Duration::ZERO);
    };
    let Some(job) = local.job(instance) else {
        return (JobResult::Failure, None, Duration::ZERO);
    };
    let state = settings.run_dir.join("jobs").join(&instance.id);
    let log = match open_log(settings, instance, &state) {
        Ok(log) => log,
        Err(error) => {
            return (
                JobResult::Failure,
                Some(format!("cannot write its files: {error}")),
                Duration::ZERO,
            );
        }
    };
    let values = Values {
        settings,
        instance,
        local,
        results: results.clone(),
    };
    let mut job_run = JobRun {
        settings,
        control,
        log: Arc::new(log),
        deadline: Instant::now() + Duration::from_secs(job.timeout),
        timeout_seconds: job.timeout,
        process_time: Duration::ZERO,
        network: None,
        image: None,
    };
    let outcome = job_run.steps(job, &values, &state);
    job_run.stop_services();
    let time = job_run.process_time;
    if let Some(group) = control.group.lock().ok().and_then(|g| *g) {
        // What the job left running (a server it started) goes with it.
        end_group(group, &job_run.log);
    }
    let (result, note) = match (control.stopped(), outcome) {
        (Some(Stop::TimedOut(seconds)), _) => (
            JobResult::Failure,
            Some(format!("timed out after {seconds}s")),
        ),
        (Some(Stop::Cancelled(why)), _) => (JobResult::Cancelled, Some(why)),
        (None, Ok(true)) => (JobResult::Success, None),
        (None, Ok(false)) => (JobResult::Failure, None),
        (None, Err(why)) => (JobResult::Failure, Some(why)),
    };
    (result, note, time)
}

fn open_log(settings: &RunSettings, instance: &Instance, state: &Path) -> std::io::Result<Log> {
    fs::create_dir_all(state.join("launch"))?;
    let file = fs::File::create(
        settings
            .run_dir
            .join("logs")
            .join(format!("{}.log", instance.id)),
    )?;
    Ok(Log {
        file: Mutex::new(file),
        redactor: settings.redactor.clone(),
    })
}

/// A job's log: every line redacted.
struct Log {
    file: Mutex<fs::File>,
    redactor: Redactor,
}

impl Log {
    fn line(&self, text: &str) {
        let text = self.redactor.redact(text);
        if let Ok(mut file) = self.file.lock() {
            let _ = writeln!(file, "{text}");
        }
    }
}

struct JobRun<'a> {
    settings: &'a RunSettings,
    control: &'a Control,
    log: Arc<Log>,
    deadline: Instant,
    timeout_seconds: u64,
    process_time: Duration,
    /// The job's docker network, while its services run.
    network: Option<String>,
    /// The job container's image, when its steps run in one.
    image: Option<String>,
}

impl JobRun<'_> {
    /// Runs the launchers; `Ok(false)` when the last one (the job's result) failed.
    fn steps(&mut self, job: &JobPlan, values: &Values, state: &Path) -> Result<bool, String> {
        if let Some(docker) = &self.settings.docker {
            self.start_services(docker, job, values, state)?;
        }
        let count = job.containers.len();
        for (index, container) in job.containers.iter().enumerate() {
            if self.control.stopped().is_some() {
                return Ok(false);
            }
            let name = if index + 1 == count {
                "finish".to_string()
            } else {
                (index + 1).to_string()
            };
            let status = self.launch(&name, container, values, state)?;
            if index + 1 == count {
                return Ok(status.success());
            }
            if !status.success() {
                return Err(format!("the launcher of step {} failed", index + 1));
            }
        }
        Ok(true)
    }

    fn launch(
        &mut self,
        name: &str,
        container: &Container,
        values: &Values,
        state: &Path,
    ) -> Result<ExitStatus, String> {
        let file = state.join("launch").join(format!("{name}.sh"));
        fs::write(&file, &container.script)
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        let env = values.environment(&container.env, state);
        let mut command = match (&self.settings.docker, &self.image, &self.network) {
            (Some(docker), Some(image), Some(network)) => {
                let workspace = self.settings.workspace.to_string_lossy().into_owned();
                let run_dir = self.settings.run_dir.to_string_lossy().into_owned();
                let mut command = Command::new(docker);
                command.args(["run", "--rm", "--network", network, "-v"]);
                command.arg(format!("{workspace}:{workspace}"));
                command.arg("-v").arg(format!("{run_dir}:{run_dir}"));
                command.arg("-w").arg(&workspace);
                command.args(["-e", "PIPEC_STATE"]);
                for (name, _) in env.iter().skip(1) {
                    command.arg("-e").arg(name);
                }
                command.arg(image).arg("sh").arg(&file);
                command
            }
            _ => {
                let mut command = Command::new("sh");
                command.arg(&file);
                command
            }
        };
        command.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.spawn_and_wait(command)
    }

    /// Runs a process in the job's group, its output into the log, until it ends or the
    /// job's time is up.
    fn spawn_and_wait(&mut self, mut command: Command) -> Result<ExitStatus, String> {
        let (reader, writer) = std::io::pipe().map_err(|e| format!("cannot make a pipe: {e}"))?;
        let writer_err = writer
            .try_clone()
            .map_err(|e| format!("cannot make a pipe: {e}"))?;
        command
            .current_dir(&self.settings.workspace)
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(writer_err);
        let group = self.control.group.lock().ok().and_then(|g| *g);
        let started = Instant::now();
        let (spawned, joined) = match group {
            Some(group) => match command.process_group(group).spawn() {
                Ok(child) => (Ok(child), true),
                // The group is gone once its last process ended: the job starts a new one.
                Err(_) => (command.process_group(0).spawn(), false),
            },
            None => (command.process_group(0).spawn(), false),
        };
        let mut child = spawned.map_err(|e| format!("cannot start a step: {e}"))?;
        // The Command holds the pipe's write ends: dropped, the reader sees the end.
        drop(command);
        if !joined {
            let pid = i32::try_from(child.id()).unwrap_or(0);
            if let Ok(mut slot) = self.control.group.lock() {
                *slot = Some(pid);
            }
            // Stopped while it started: it goes too.
            if self.control.stopped().is_some() {
                kill_group(pid, libc::SIGTERM);
            }
        }
        let (done_sender, done) = mpsc::channel::<()>();
        let log = Arc::clone(&self.log);
        std::thread::spawn(move || {
            for line in BufReader::new(reader).split(b'\n') {
                let Ok(line) = line else { break };
                log.line(String::from_utf8_lossy(&line).trim_end_matches('\r'));
            }
            let _ = done_sender.send(());
        });
        let (status_sender, status) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = status_sender.send(child.wait());
        });
        let mut killed = false;
        let result = loop {
            // A process that ends wakes this at once; the tick only notices a timeout, and
            // a stopped job that ignores SIGTERM.
            match status.recv_timeout(Duration::from_millis(100)) {
                Ok(result) => break result,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if Instant::now() >= self.deadline && self.control.stopped().is_none() {
                        self.control.stop(Stop::TimedOut(self.timeout_seconds));
                    }
                    if !killed && self.control.overdue() {
                        killed = true;
                        let group = self.control.group.lock().ok().and_then(|g| *g);
                        if let Some(group) = group {
                            self.log.line(&format!(
                                "pipec: the job did not stop within {}s of SIGTERM: SIGKILL",
                                GRACE.as_secs()
                            ));
                            kill_group(group, libc::SIGKILL);
                        }
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err("lost track of a step's process".into());
                }
            }
        };
        self.process_time += started.elapsed();
        // The output of a process that ended is in the pipe: let the log have it first.
        let _ = done.recv_timeout(Duration::from_millis(200));
        result.map_err(|e| format!("cannot wait for a step: {e}"))
    }

    fn start_services(
        &mut self,
        docker: &str,
        job: &JobPlan,
        values: &Values,
        state: &Path,
    ) -> Result<(), String> {
        if job.sidecars.is_empty() && job.image.is_none() {
            return Ok(());
        }
        let network = format!("pipec-{}-{}", self.settings.run_id, job.name);
        self.docker(docker, &["network", "create", &network], &[])?;
        self.network = Some(network.clone());
        for sidecar in &job.sidecars {
            let container = format!("{network}-{}", sidecar.name);
            let image = values.pieces(&sidecar.image, &[]).unwrap_or_default();
            let env = values.environment(&sidecar.env, state);
            let mut args: Vec<String> = [
                "run",
                "-d",
                "--name",
                &container,
                "--network",
                &network,
                "--network-alias",
                &sidecar.name,
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            for port in &sidecar.ports {
                args.push("-p".into());
                args.push(format!("{port}:{port}"));
            }
            for (name, _) in env.iter().skip(1) {
                args.push("-e".into());
                args.push(name.clone());
            }
            args.push(image.clone());
            self.log.line(&format!(
                "pipec: starting service {} ({image})",
                sidecar.name
            ));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            self.docker(docker, &args, &env)?;
            if let Some(health) = &sidecar.health {
                self.wait_healthy(docker, &container, &sidecar.name, &health.command)?;
            }
        }
        if let Some(image) = &job.image {
            self.image = values.pieces(image, &[]);
        }
        Ok(())
    }

    fn wait_healthy(
        &self,
        docker: &str,
        container: &str,
        name: &str,
        health: &str,
    ) -> Result<(), String> {
        for attempt in 1..=30 {
            if self
                .docker(docker, &["exec", container, "sh", "-c", health], &[])
                .is_ok()
            {
                return Ok(());
            }
            self.log.line(&format!(
                "pipec: waiting for service {name} to be healthy ({attempt})"
            ));
            std::thread::sleep(Duration::from_secs(2));
        }
        Err(format!("service {name} did not become healthy"))
    }

    fn stop_services(&mut self) {
        let (Some(docker), Some(network)) = (&self.settings.docker, self.network.take()) else {
            return;
        };
        let filter = format!("network={network}");
        if let Ok(output) = Command::new(docker)
            .args(["ps", "-aq", "--filter", &filter])
            .stdin(Stdio::null())
            .output()
        {
            let ids: Vec<String> = String::from_utf8_lossy(&output.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect();
            if !ids.is_empty() {
                let mut args = vec!["rm", "-f"];
                args.extend(ids.iter().map(String::as_str));
                let _ = self.docker(docker, &args, &[]);
            }
        }
        let _ = self.docker(docker, &["network", "rm", &network], &[]);
    }

    fn docker(&self, docker: &str, args: &[&str], env: &[(String, String)]) -> Result<(), String> {
        let output = Command::new(docker)
            .args(args)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {docker}: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            let stderr = String::from_utf8_lossy(&output.stderr);
            self.log.line(stderr.trim_end());
            Err(format!(
                "`{docker} {}` failed",
                args.first().copied().unwrap_or("")
            ))
        }
    }
}

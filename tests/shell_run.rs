//! The shell target and `pipec run`, run for real. Each pipeline of
//! `tests/fixtures/shell-run/` runs twice in a scratch git repository: through the script
//! `pipec build --target shell` writes, and through `pipec run`; both must show the same
//! observable result (each job's result and note, the exit code, what the jobs printed),
//! and the result GitHub would give. The step protocol itself is the Kubernetes targets'
//! (`tests/fixtures/kubernetes-run/steps.pipe` runs here unchanged).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Runner {
    Script,
    PipecRun,
}

const RUNNERS: [Runner; 2] = [Runner::Script, Runner::PipecRun];

/// A scratch git repository (branch `main`, one commit) holding one fixture.
struct Repo {
    dir: TempDir,
    fixture: String,
}

impl Repo {
    fn new(fixture: &str) -> Repo {
        let source = support::workspace().join(fixture);
        let name = source.file_name().unwrap().to_string_lossy().into_owned();
        let dir = tempfile::tempdir().unwrap();
        fs::copy(&source, dir.path().join(&name)).unwrap();
        for args in [
            &["init", "-q", "-b", "main"][..],
            &["add", "."],
            &[
                "-c",
                "user.email=test@example.invalid",
                "-c",
                "user.name=test",
                "commit",
                "-q",
                "-m",
                "fixture",
            ],
        ] {
            let status = Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .stdout(Stdio::null())
                .status()
                .expect("git runs");
            assert!(status.success(), "git {args:?} failed");
        }
        Repo { dir, fixture: name }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The generated script, written outside the repository's sources.
    fn script(&self) -> PathBuf {
        let out = self.path().join("out");
        let build = support::pipec(
            pipec_binary!(),
            self.path(),
            &[
                "build",
                &self.fixture,
                "--target",
                "shell",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(build.code, 0, "{}", build.stderr);
        let script = out.join(self.fixture.replace(".pipe", ".sh"));
        let shellcheck = support::run_tool("shellcheck", [script.as_os_str()], self.path());
        assert!(
            shellcheck.status.success(),
            "shellcheck found problems in {}:\n{}",
            self.fixture,
            String::from_utf8_lossy(&shellcheck.stdout)
        );
        script
    }

    fn command(&self, runner: Runner, args: &[&str]) -> Command {
        let mut command = match runner {
            Runner::Script => Command::new(self.script()),
            Runner::PipecRun => {
                let mut command = Command::new(pipec_binary!());
                command.args(["run", &self.fixture, "--color", "never"]);
                command
            }
        };
        command
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn run(&self, runner: Runner, args: &[&str], env: &[(&str, &str)]) -> Observed {
        let mut command = self.command(runner, args);
        command.envs(env.iter().copied());
        Observed::of(runner, command.spawn().unwrap())
    }
}

/// A row of the summary: job, result, note (the time differs from run to run).
type SummaryRow = (String, String, String);

/// What a run showed: its exit code, the summary's rows and each job's log.
#[derive(Debug)]
struct Observed {
    runner: Runner,
    code: i32,
    stdout: String,
    stderr: String,
    rows: Vec<SummaryRow>,
    logs: BTreeMap<String, String>,
    run_dir: PathBuf,
}

impl Observed {
    fn of(runner: Runner, child: Child) -> Observed {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        let code = output
            .status
            .code()
            .expect("the runner exits, it is not killed");
        let (rows, logs_dir) = summary(&stdout)
            .unwrap_or_else(|| panic!("{runner:?} printed no summary:\n{stdout}\n{stderr}"));
        let mut logs = BTreeMap::new();
        for entry in fs::read_dir(&logs_dir).unwrap() {
            let path = entry.unwrap().path();
            let job = path.file_stem().unwrap().to_string_lossy().into_owned();
            logs.insert(job, fs::read_to_string(&path).unwrap());
        }
        Observed {
            runner,
            code,
            stdout,
            stderr,
            rows,
            logs,
            run_dir: logs_dir.parent().unwrap().to_path_buf(),
        }
    }

    fn log(&self, job: &str) -> &str {
        self.logs
            .get(job)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{:?}: no log for {job}", self.runner))
    }
}

/// The rows of the summary table and the run's log directory.
fn summary(stdout: &str) -> Option<(Vec<SummaryRow>, PathBuf)> {
    let mut lines = stdout.lines().skip_while(|l| !l.starts_with("JOB "));
    let header = lines.next()?;
    let result_at = header.find("RESULT")?;
    let note_at = header.find("NOTE")?;
    let mut rows = Vec::new();
    for line in lines {
        if let Some(logs) = line.strip_prefix("logs: ") {
            return Some((rows, PathBuf::from(logs)));
        }
        let cut = |from: usize, to: usize| {
            line.get(from..to.min(line.len()))
                .unwrap_or_default()
                .trim()
                .to_string()
        };
        rows.push((
            cut(0, result_at),
            cut(result_at, result_at + 9),
            cut(note_at, line.len()),
        ));
    }
    None
}

/// Runs the fixture both ways, with the same options, and checks that both show the same
/// thing; the script's observation is returned.
fn both(fixture: &str, args: &[&str], env: &[(&str, &str)]) -> Observed {
    let repo = Repo::new(fixture);
    let [script, run] = RUNNERS.map(|runner| repo.run(runner, args, env));
    assert_eq!(script.rows, run.rows, "the script and pipec run disagree");
    assert_eq!(script.code, run.code, "{}\n{}", script.stderr, run.stderr);
    assert_eq!(script.logs, run.logs, "the jobs printed different things");
    script
}

fn rows(observed: &Observed) -> Vec<(&str, &str, &str)> {
    observed
        .rows
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect()
}

#[test]
fn the_kubernetes_step_fixture_behaves_as_on_github() {
    let observed = both(
        "tests/fixtures/kubernetes-run/steps.pipe",
        &["--secret", "API_TOKEN"],
        &[("API_TOKEN", "s3cret"), ("REGION", "eu-west-1")],
    );
    assert_eq!(observed.code, 1);
    assert_eq!(rows(&observed), [("work", "failure", "")]);
    assert_eq!(
        observed.log("work"),
        "single: 1.2.3\ndouble: 1.2.3 hello main from-env-file\ntoken length: 6 region: eu-west-1\n\
         compared case-insensitively\n\
         flaky\npipec: step 4 failed; continue_on_error\nflaky failed and the job went on\n\
         breaking\npipec: skipped step 7: its condition is false\n\
         always runs, job status failure\nrolling back\npipec: a step of job work failed\n"
    );
}

fn timestamp(repo: &Path, name: &str) -> u128 {
    fs::read_to_string(repo.join(name))
        .unwrap_or_else(|_| panic!("the job wrote no {name}"))
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn independent_jobs_run_at_the_same_time() {
    for runner in RUNNERS {
        let repo = Repo::new("tests/fixtures/shell-run/parallel.pipe");
        let observed = repo.run(runner, &["-j", "2"], &[]);
        assert_eq!(observed.code, 0, "{observed:?}");
        assert_eq!(
            rows(&observed),
            [
                ("left", "success", ""),
                ("right", "success", ""),
                ("join", "success", "")
            ]
        );
        let [left_start, left_end, right_start, right_end] =
            ["left.start", "left.end", "right.start", "right.end"]
                .map(|name| timestamp(repo.path(), name));
        assert!(
            left_start < right_end && right_start < left_end,
            "{runner:?}: the jobs did not overlap: left {left_start}..{left_end}, right {right_start}..{right_end}"
        );
    }
}

#[test]
fn one_at_a_time_with_j1() {
    let repo = Repo::new("tests/fixtures/shell-run/parallel.pipe");
    for runner in RUNNERS {
        let observed = repo.run(runner, &["-j", "1"], &[]);
        assert_eq!(observed.code, 0, "{observed:?}");
        let [left_start, left_end, right_start, right_end] =
            ["left.start", "left.end", "right.start", "right.end"]
                .map(|name| timestamp(repo.path(), name));
        assert!(
            left_end <= right_start || right_end <= left_start,
            "{runner:?}: -j 1 ran two jobs at once"
        );
    }
}

#[test]
fn a_matrix_runs_every_combination() {
    let observed = both("tests/fixtures/shell-run/matrix.pipe", &[], &[]);
    assert_eq!(observed.code, 0);
    assert_eq!(
        rows(&observed),
        [
            ("test (linux, 1)", "success", ""),
            ("test (linux, 2)", "success", ""),
            ("test (mac, 2)", "success", ""),
            ("test (bsd, 3)", "success", ""),
            ("report", "success", ""),
        ]
    );
    assert_eq!(observed.log("test-1"), "os=linux version=1\n");
    assert_eq!(observed.log("test-3"), "os=mac version=2\n");
    assert_eq!(observed.log("test-4"), "os=bsd version=3\n");
}

#[test]
fn outputs_flow_to_dependants() {
    let observed = both("tests/fixtures/shell-run/outputs.pipe", &[], &[]);
    assert_eq!(observed.code, 0);
    assert_eq!(observed.log("deploy"), "deploying 1.2.1\n");
}

#[test]
fn a_false_condition_skips_the_job_and_its_dependants() {
    let observed = both("tests/fixtures/shell-run/skips.pipe", &[], &[]);
    assert_eq!(observed.code, 0);
    assert_eq!(
        rows(&observed),
        [
            ("build", "success", ""),
            ("release", "skipped", "its condition is false"),
            ("publish", "skipped", "a job it needs did not succeed"),
            ("docs", "success", ""),
        ]
    );
    let release = both(
        "tests/fixtures/shell-run/skips.pipe",
        &["--branch", "release"],
        &[],
    );
    assert_eq!(
        rows(&release),
        [
            ("build", "success", ""),
            ("release", "success", ""),
            ("publish", "success", ""),
            ("docs", "skipped", "its condition is false"),
        ]
    );
}

#[test]
fn a_failing_deploy_runs_its_rollback_and_fails_the_run() {
    let observed = both("tests/fixtures/shell-run/rollback.pipe", &[], &[]);
    assert_eq!(observed.code, 1);
    assert_eq!(
        rows(&observed),
        [
            ("build", "success", ""),
            ("deploy", "failure", ""),
            ("rollback", "success", ""),
            ("announce", "skipped", "a job it needs did not succeed"),
        ]
    );
    assert_eq!(observed.log("rollback"), "rolling back\n");
}

/// Whether a process is gone (or a zombie nobody reaped yet), waiting a little for it.
fn gone(pid: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let state = fs::read_to_string(format!("/proc/{}/stat", pid.trim())).ok();
        let dead = match &state {
            None => true,
            Some(stat) => stat
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('Z')),
        };
        if dead {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_job_over_its_timeout_is_killed_with_its_children() {
    for runner in RUNNERS {
        let repo = Repo::new("tests/fixtures/shell-run/timeout.pipe");
        let started = Instant::now();
        let observed = repo.run(runner, &[], &[]);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{runner:?} took {:?}",
            started.elapsed()
        );
        assert_eq!(observed.code, 1);
        assert_eq!(rows(&observed), [("slow", "failure", "timed out after 2s")]);
        let child = fs::read_to_string(repo.path().join("slow.child")).unwrap();
        assert!(
            gone(&child),
            "{runner:?} left the step's child {child} running"
        );
    }
}

/// Starts a run, sends it SIGINT once the job has written `marker`, and returns what it
/// showed and how long it took to end after the signal.
fn interrupt_once_started(repo: &Repo, runner: Runner, marker: &str) -> (Observed, Duration) {
    let child = repo.command(runner, &[]).spawn().unwrap();
    let marker = repo.path().join(marker);
    let deadline = Instant::now() + Duration::from_secs(20);
    while fs::read_to_string(&marker).map_or(true, |s| s.trim().is_empty()) {
        assert!(
            Instant::now() < deadline,
            "{runner:?}: the job never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let interrupted = Instant::now();
    let pid = child.id().to_string();
    let kill = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(kill.success());
    let observed = Observed::of(runner, child);
    (observed, interrupted.elapsed())
}

#[test]
fn sigint_stops_every_job_and_leaves_no_process() {
    for runner in RUNNERS {
        let repo = Repo::new("tests/fixtures/shell-run/interrupt.pipe");
        let (observed, _) = interrupt_once_started(&repo, runner, "long.shell");
        assert_eq!(observed.code, 130, "{observed:?}");
        assert_eq!(
            rows(&observed),
            [
                ("long", "cancelled", "the run was interrupted"),
                ("after", "cancelled", "the run was interrupted"),
            ]
        );
        for file in ["long.shell", "long.child"] {
            let pid = fs::read_to_string(repo.path().join(file)).unwrap();
            assert!(
                gone(&pid),
                "{runner:?} left {file} ({}) running",
                pid.trim()
            );
        }
    }
}

#[test]
fn a_secret_never_reaches_a_log_or_the_terminal() {
    let secret = "hunter2-xyzzy";
    let observed = both(
        "tests/fixtures/shell-run/secrets.pipe",
        &["--secret", "API_TOKEN"],
        &[("API_TOKEN", secret)],
    );
    assert_eq!(observed.log("leak"), "the token is ***\nlength 13\n");
    for runner in RUNNERS {
        let repo = Repo::new("tests/fixtures/shell-run/secrets.pipe");
        let observed = repo.run(runner, &["--secret", "API_TOKEN"], &[("API_TOKEN", secret)]);
        assert_eq!(observed.code, 0, "{observed:?}");
        let mut everything = observed.stdout.clone() + &observed.stderr;
        for entry in walk(&observed.run_dir) {
            everything.push_str(&String::from_utf8_lossy(&fs::read(entry).unwrap()));
        }
        assert!(!everything.contains(secret), "{runner:?} wrote the secret");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.is_file() {
            files.push(path);
        }
    }
    files
}

/// PATH with the fake docker (and podman) first.
fn fake_docker_path() -> String {
    let fake = support::workspace().join("tests/support/fake-docker");
    format!(
        "{}:{}",
        fake.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn services_and_job_containers_run_with_docker() {
    let repo = Repo::new("tests/fixtures/shell-run/services.pipe");
    let path = fake_docker_path();
    let mut logs = Vec::new();
    for runner in RUNNERS {
        let log = repo.path().join(format!("docker-{runner:?}.log"));
        let observed = repo.run(
            runner,
            &[],
            &[
                ("PATH", path.as_str()),
                ("FAKE_DOCKER_LOG", log.to_str().unwrap()),
            ],
        );
        assert_eq!(observed.code, 0, "{observed:?}");
        assert_eq!(rows(&observed), [("integration", "success", "")]);
        assert!(
            observed
                .log("integration")
                .contains("testing against postgres\n"),
            "{runner:?}: {}",
            observed.log("integration")
        );
        let run_id = observed
            .run_dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let text = fs::read_to_string(&log)
            .unwrap()
            .replace(&run_id, "<run>")
            .replace(repo.path().to_str().unwrap(), "<repo>");
        logs.push(text);
    }
    assert_eq!(
        logs[0], logs[1],
        "the script and pipec run issued different docker commands"
    );
    let commands: Vec<&str> = logs[0].lines().collect();
    let network = "pipec-<run>-integration";
    assert_eq!(commands[0], "docker info");
    assert_eq!(commands[1], format!("docker network create {network}"));
    assert_eq!(
        commands[2],
        format!(
            "docker run -d --name {network}-postgres --network {network} --network-alias postgres -p 5432:5432 -e POSTGRES_PASSWORD postgres:16 [POSTGRES_PASSWORD=test]"
        )
    );
    assert_eq!(
        commands[3],
        format!("docker exec {network}-postgres sh -c pg_isready")
    );
    let state = "<repo>/.pipe/runs/<run>/jobs/integration";
    for (command, launcher) in commands[4..6].iter().zip(["1", "finish"]) {
        assert!(
            command.starts_with(&format!(
                "docker run --rm --network {network} -v <repo>:<repo> -v <repo>/.pipe/runs/<run>:<repo>/.pipe/runs/<run> -w <repo> -e PIPEC_STATE"
            )) && command.contains(&format!(" alpine:3.20 sh {state}/launch/{launcher}.sh ")),
            "{command}"
        );
    }
    assert_eq!(
        &commands[6..],
        [
            format!("docker ps -aq --filter network={network}"),
            "docker rm -f container-1".to_string(),
            format!("docker network rm {network}"),
        ]
    );
}

#[test]
fn without_a_running_docker_the_run_stops_before_starting_anything() {
    let repo = Repo::new("tests/fixtures/shell-run/services.pipe");
    let path = fake_docker_path();
    let log = repo.path().join("docker.log");
    let env = [
        ("PATH", path.as_str()),
        ("FAKE_DOCKER_LOG", log.to_str().unwrap()),
        ("FAKE_DOCKER_DOWN", "1"),
    ];
    for runner in RUNNERS {
        let mut command = repo.command(runner, &[]);
        command.envs(env);
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{runner:?}: {stderr}");
        assert!(
            stderr.contains("neither docker nor podman is running here")
                && stderr.contains("--no-services"),
            "{runner:?}: {stderr}"
        );
        assert!(
            !repo.path().join(".pipe/runs").exists()
                || walk(&repo.path().join(".pipe/runs")).is_empty(),
            "{runner:?} started something"
        );
    }
    for runner in RUNNERS {
        let observed = repo.run(runner, &["--no-services"], &env);
        assert_eq!(observed.code, 0, "{observed:?}");
        assert_eq!(observed.log("integration"), "testing against postgres\n");
    }
}

#[test]
fn inputs_are_typed_and_take_their_defaults_on_a_manual_run() {
    let manual = both(
        "tests/fixtures/shell-run/inputs.pipe",
        &["--event", "dispatch"],
        &[],
    );
    assert_eq!(
        rows(&manual),
        [
            ("deploy", "success", ""),
            ("smoke", "skipped", "its condition is false")
        ]
    );
    assert_eq!(
        manual.log("deploy"),
        "deploy to staging, 2 replicas, dry run: false\n"
    );
    let production = both(
        "tests/fixtures/shell-run/inputs.pipe",
        &[
            "--input",
            "environment=production",
            "--input",
            "dry_run=true",
        ],
        &[],
    );
    assert_eq!(
        rows(&production),
        [("deploy", "success", ""), ("smoke", "success", "")]
    );
    assert_eq!(
        production.log("deploy"),
        "deploy to production, 2 replicas, dry run: true\n"
    );
    let push = both("tests/fixtures/shell-run/inputs.pipe", &[], &[]);
    assert_eq!(
        rows(&push),
        [
            ("deploy", "skipped", "its condition is false"),
            ("smoke", "skipped", "a job it needs did not succeed")
        ]
    );
}

#[test]
fn a_bad_input_stops_the_run_before_it_starts() {
    let repo = Repo::new("tests/fixtures/shell-run/inputs.pipe");
    for (input, message) in [
        (
            "environment=prod",
            "input `environment` is one of \"staging\", \"production\", not \"prod\"",
        ),
        (
            "replicas=many",
            "input `replicas` is a number, not \"many\"",
        ),
        (
            "dry_run=yes",
            "input `dry_run` is a boolean: true or false, not \"yes\"",
        ),
        (
            "envirnoment=staging",
            "the pipeline has no input `envirnoment`",
        ),
    ] {
        for runner in RUNNERS {
            let output = repo.command(runner, &["--input", input]).output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{runner:?} {input}: {stderr}"
            );
            assert!(stderr.contains(message), "{runner:?} {input}: {stderr}");
        }
    }
    assert!(!repo.path().join(".pipe").exists(), "a run started");
}

fn pipec_run(repo: &Repo, args: &[&str]) -> support::Run {
    let mut all = vec!["run", repo.fixture.as_str()];
    all.extend(args);
    support::pipec(pipec_binary!(), repo.path(), &all)
}

#[test]
fn dry_run_says_which_jobs_would_run_and_why_others_would_not() {
    let repo = Repo::new("tests/fixtures/shell-run/skips.pipe");
    let run = pipec_run(&repo, &["--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            "  build    runs",
            "  release  skipped: its condition is false",
            "  publish  skipped: a job it needs did not succeed",
            "  docs     runs after build",
        ]
    );
    assert!(
        run.stdout
            .starts_with("pipec: dry run of pipeline `skips`: event push, branch \"main\""),
        "{}",
        run.stdout
    );
    assert!(
        !repo.path().join(".pipe").exists(),
        "a dry run ran something"
    );
    let rollback = Repo::new("tests/fixtures/shell-run/rollback.pipe");
    let run = pipec_run(&rollback, &["--dry-run"]);
    assert!(
        run.stdout
            .contains("  rollback  runs after deploy only if a job upstream fails"),
        "{}",
        run.stdout
    );
}

#[test]
fn job_runs_that_job_and_what_it_needs() {
    let repo = Repo::new("tests/fixtures/shell-run/rollback.pipe");
    let run = pipec_run(&repo, &["--job", "deploy"]);
    assert_eq!(run.code, 1);
    let (rows, _) = summary(&run.stdout).unwrap();
    let rows: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("build", "success", ""),
            ("deploy", "failure", ""),
            ("rollback", "skipped", "not selected (--job)"),
            ("announce", "skipped", "not selected (--job)"),
        ]
    );
    let unknown = pipec_run(&repo, &["--job", "deplyo"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains("there is no job `deplyo`; did you mean `deploy`?"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn a_pipeline_with_errors_does_not_run() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("broken.pipe"),
        "pipeline broken {\n  on push\n  job a {\n    needs: [b]\n    step { run: \"true\" }\n  }\n}\n",
    )
    .unwrap();
    let run = support::pipec(pipec_binary!(), dir.path(), &["run", "broken.pipe"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("E0201"), "{}", run.stderr);
    assert!(!dir.path().join(".pipe").exists());
}

#[test]
fn on_a_terminal_pipec_run_shows_the_running_jobs_live() {
    let repo = Repo::new("tests/fixtures/shell-run/parallel.pipe");
    // `script` gives the run a terminal, and prints what the terminal showed.
    let command = format!("{} run parallel.pipe -j 2", pipec_binary!().display());
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(repo.path())
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs");
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{screen}");
    for running in ["\u{25b8} left  0.", "\u{25b8} right  0."] {
        assert!(
            screen.contains(running),
            "no live line {running:?} in {screen:?}"
        );
    }
    // The live block is redrawn in place, and cleared before the summary.
    assert!(screen.contains("\x1b[2A\x1b[J"), "{screen:?}");
    assert!(
        screen.contains("pipec: pipeline `parallel`: 3 succeeded"),
        "{screen}"
    );
}

#[test]
fn secrets_can_come_from_a_file() {
    let repo = Repo::new("tests/fixtures/shell-run/secrets.pipe");
    fs::write(
        repo.path().join("secrets.env"),
        "# local secrets\nexport API_TOKEN=\"from-the-file\"\n",
    )
    .unwrap();
    let [script, run] =
        RUNNERS.map(|runner| repo.run(runner, &["--secret-file", "secrets.env"], &[]));
    for observed in [&script, &run] {
        assert_eq!(observed.code, 0, "{observed:?}");
        assert_eq!(
            observed.log("leak"),
            "the token is ***\nlength 13\n",
            "{:?}",
            observed.runner
        );
    }
    fs::write(repo.path().join("bad.env"), "API_TOKEN\n").unwrap();
    for runner in RUNNERS {
        let output = repo
            .command(runner, &["--secret-file", "bad.env"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{runner:?}: {stderr}");
        assert!(
            stderr.contains("bad.env:1: expected NAME=VALUE"),
            "{runner:?}: {stderr}"
        );
    }
}

#[test]
fn a_job_that_ignores_sigterm_is_killed_after_the_grace_time() {
    for runner in RUNNERS {
        let repo = Repo::new("tests/fixtures/shell-run/stubborn.pipe");
        let (observed, took) = interrupt_once_started(&repo, runner, "stubborn.shell");
        let shell = repo.path().join("stubborn.shell");
        assert_eq!(observed.code, 130, "{observed:?}");
        assert!(
            took >= Duration::from_secs(4) && took < Duration::from_secs(15),
            "{runner:?} ended {took:?} after SIGINT: the grace time is 5s"
        );
        let step = fs::read_to_string(&shell).unwrap();
        assert!(
            gone(&step),
            "{runner:?} left the step ({}) running",
            step.trim()
        );
        assert_eq!(
            rows(&observed),
            [("stubborn", "cancelled", "the run was interrupted")]
        );
    }
}

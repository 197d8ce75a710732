//! Job conditions mean on a local run exactly what they mean on GitHub. The jobs of
//! `tests/fixtures/shell-run/conditions.pipe` are decided, for each context of one table,
//! three ways: by `pipec run`'s evaluator (`plan::eval`, through `--dry-run`), by the
//! generated script (the launcher's `sh` tests, in a real run), and by GitHub's semantics
//! applied to the `if:` the github target writes for the same job
//! (`tests/support/github_expr.py`, which follows GitHub's expression engine). All three
//! must agree on every job and every context.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

const FIXTURE: &str = "tests/fixtures/shell-run/conditions.pipe";

/// One context: the options of a local run, and what GitHub's contexts hold for it.
struct Case {
    args: &'static [&'static str],
    github: Value,
    inputs: Value,
}

fn push(branch: &str) -> Value {
    json!({"event_name": "push", "ref": format!("refs/heads/{branch}"), "ref_name": branch,
           "ref_type": "branch", "head_ref": "", "base_ref": ""})
}

fn cases() -> Vec<Case> {
    let no_inputs = json!({});
    let dispatch = |inputs: Value| Case {
        args: &[],
        github: json!({"event_name": "workflow_dispatch", "ref": "refs/heads/main",
                       "ref_name": "main", "ref_type": "branch", "head_ref": "", "base_ref": ""}),
        inputs,
    };
    vec![
        Case {
            args: &[],
            github: push("main"),
            inputs: no_inputs.clone(),
        },
        Case {
            args: &["--branch", "feature/login"],
            github: push("feature/login"),
            inputs: no_inputs.clone(),
        },
        Case {
            args: &["--branch", "release/1.2"],
            github: push("release/1.2"),
            inputs: no_inputs.clone(),
        },
        Case {
            args: &["--branch", "urgent-hotfix"],
            github: push("urgent-hotfix"),
            inputs: no_inputs.clone(),
        },
        Case {
            args: &["--branch", "Main"],
            github: push("Main"),
            inputs: no_inputs.clone(),
        },
        Case {
            args: &["--event", "tag", "--tag", "v1.2.3"],
            github: json!({"event_name": "push", "ref": "refs/tags/v1.2.3", "ref_name": "v1.2.3",
                           "ref_type": "tag", "head_ref": "", "base_ref": ""}),
            inputs: no_inputs.clone(),
        },
        Case {
            args: &["--event", "tag", "--tag", "nightly"],
            github: json!({"event_name": "push", "ref": "refs/tags/nightly", "ref_name": "nightly",
                           "ref_type": "tag", "head_ref": "", "base_ref": ""}),
            inputs: no_inputs.clone(),
        },
        Case {
            args: &[
                "--event",
                "pull_request",
                "--branch",
                "feature/x",
                "--base-branch",
                "main",
            ],
            github: json!({"event_name": "pull_request", "ref": "refs/pull/0/merge",
                           "ref_name": "0/merge", "head_ref": "feature/x", "base_ref": "main"}),
            inputs: no_inputs.clone(),
        },
        Case {
            args: &[
                "--event",
                "pr",
                "--branch",
                "feature/x",
                "--base-branch",
                "develop",
            ],
            github: json!({"event_name": "pull_request", "ref": "refs/pull/0/merge",
                           "ref_name": "0/merge", "head_ref": "feature/x", "base_ref": "develop"}),
            inputs: no_inputs,
        },
        Case {
            args: &["--input", "environment=production"],
            ..dispatch(json!({"environment": "production", "force": false, "count": 1}))
        },
        Case {
            args: &["--input", "force=true", "--input", "count=5"],
            ..dispatch(json!({"environment": "staging", "force": true, "count": 5}))
        },
        Case {
            args: &["--event", "dispatch"],
            ..dispatch(json!({"environment": "staging", "force": false, "count": 1}))
        },
    ]
}

/// A scratch git repository on `main` holding a fixture as `conditions.pipe`.
fn repo(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        support::workspace().join(fixture),
        dir.path().join("conditions.pipe"),
    )
    .unwrap();
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "."],
        &[
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "user.name=t",
            "commit",
            "-q",
            "-m",
            "x",
        ],
    ] {
        assert!(
            Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .status()
                .unwrap()
                .success()
        );
    }
    dir
}

/// The `if:` of every job of the workflow the github target writes.
fn github_conditions(repo: &Path) -> BTreeMap<String, String> {
    let build = support::pipec(
        pipec_binary!(),
        repo,
        &["build", "conditions.pipe", "--out", "github"],
    );
    assert_eq!(build.code, 0, "{}", build.stderr);
    let output = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml\n\
             doc = yaml.safe_load(open(sys.argv[1]))\n\
             print(json.dumps({job: body.get('if', 'true') for job, body in doc['jobs'].items()}))",
        ])
        .arg(repo.join("github/conditions.yml"))
        .output()
        .expect("python3 with PyYAML (pip install pyyaml)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// GitHub's verdict for every (case, job), in one run of the evaluator.
fn github_verdicts(
    conditions: &BTreeMap<String, String>,
    cases: &[Case],
) -> Vec<BTreeMap<String, bool>> {
    let mut input = String::new();
    let mut keys = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        for (job, condition) in conditions {
            let context =
                json!({"github": case.github, "inputs": case.inputs, "status": "success"});
            input.push_str(
                &json!({"expr": condition, "context": context, "implicit_success": true})
                    .to_string(),
            );
            input.push('\n');
            keys.push((index, job.clone()));
        }
    }
    let mut child = Command::new("python3")
        .arg(support::workspace().join("tests/support/github_expr.py"))
        .arg("--batch")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let mut verdicts = vec![BTreeMap::new(); cases.len()];
    for ((index, job), line) in keys
        .into_iter()
        .zip(String::from_utf8(output.stdout).unwrap().lines())
    {
        let verdict = match line {
            "true" => true,
            "false" => false,
            other => panic!("GitHub's evaluator: {job}: {other}"),
        };
        verdicts[index].insert(job, verdict);
    }
    verdicts
}

/// `pipec run --dry-run`'s verdicts: its evaluator, without running anything.
fn evaluator_verdicts(repo: &Path, args: &[&str]) -> BTreeMap<String, bool> {
    let mut all = vec!["run", "conditions.pipe", "--dry-run"];
    all.extend(args);
    let run = support::pipec(pipec_binary!(), repo, &all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    verdicts(run.stdout.lines().skip(1), "runs", "skipped:")
}

/// Job and verdict from lines `<job> <word> ...`: `yes` runs, `no` does not.
fn verdicts<'a>(
    lines: impl Iterator<Item = &'a str>,
    yes: &str,
    no: &str,
) -> BTreeMap<String, bool> {
    lines
        .map(|line| {
            let mut words = line.split_whitespace();
            let job = words.next().unwrap().to_string();
            let word = words.next().unwrap();
            assert!(word == yes || word == no, "unexpected {word:?} in {line}");
            (job, word == yes)
        })
        .collect()
}

/// The shell target's script of the repository's `conditions.pipe`.
fn script(repo: &Path, pipeline: &str) -> std::path::PathBuf {
    let build = support::pipec(
        pipec_binary!(),
        repo,
        &[
            "build",
            "conditions.pipe",
            "--target",
            "shell",
            "--out",
            "shell",
        ],
    );
    assert_eq!(build.code, 0, "{}", build.stderr);
    repo.join(format!("shell/{pipeline}.sh"))
}

/// The script's verdicts: a real run, read from its summary.
fn script_verdicts(repo: &Path, script: &Path, args: &[&str]) -> BTreeMap<String, bool> {
    let output = Command::new(script)
        .args(args)
        .current_dir(repo)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = stdout
        .lines()
        .skip_while(|line| !line.starts_with("JOB "))
        .skip(1)
        .take_while(|line| !line.starts_with("logs: "));
    verdicts(rows, "success", "skipped")
}

#[test]
fn job_conditions_mean_what_they_mean_on_github() {
    let repo = repo(FIXTURE);
    let cases = cases();
    let github = github_verdicts(&github_conditions(repo.path()), &cases);
    let script = script(repo.path(), "conditions");
    let mut decided = 0;
    for (case, github) in cases.iter().zip(&github) {
        let evaluator = evaluator_verdicts(repo.path(), case.args);
        let shell = script_verdicts(repo.path(), &script, case.args);
        assert_eq!(
            &evaluator, github,
            "pipec run's evaluator and GitHub disagree for {:?}",
            case.args
        );
        assert_eq!(
            &shell, github,
            "the script's sh tests and GitHub disagree for {:?}",
            case.args
        );
        decided += github.len();
    }
    // Every job runs in some context and is skipped in another: the table decides.
    for job in github[0].keys() {
        let runs = github.iter().filter(|verdicts| verdicts[job]).count();
        assert!(
            runs > 0 && runs < github.len(),
            "job {job} is {} in every context: the table does not test it",
            if runs > 0 { "run" } else { "skipped" }
        );
    }
    assert_eq!(decided, 12 * 11);
}

/// Globs GitHub's expressions cannot express: the two local runners must still agree, and
/// agree with the compiler's glob semantics (checked here on chosen names).
#[test]
fn globs_match_the_same_names_in_both_runners() {
    let dir = repo("tests/fixtures/shell-run/globs.pipe");
    let script = script(dir.path(), "globs");
    let expected: &[(&[&str], &[&str])] = &[
        (&["--branch", "release/1"], &["one-level", "any-depth"]),
        (&["--branch", "release/1/2"], &["any-depth"]),
        (&["--branch", "feature-x"], &["optional-dash"]),
        (&["--branch", "featurex"], &["optional-dash"]),
        (&["--branch", "feature--x"], &[]),
        (&["--branch", "team/a/hotfix"], &["hotfix-anywhere"]),
        (&["--branch", "hotfix"], &["hotfix-anywhere"]),
        (&["--branch", "a*b"], &["literal-star"]),
        (&["--branch", "axb"], &[]),
        (&["--branch", "v1.x"], &["dotted"]),
        (&["--branch", "v1-x"], &[]),
        (&["--event", "tag", "--tag", "v1.22.3"], &["semver-tag"]),
        (&["--event", "tag", "--tag", "v1.2"], &[]),
        (&["--event", "tag", "--tag", "v1.2.3-rc"], &[]),
    ];
    for (args, runs) in expected {
        let evaluator = evaluator_verdicts(dir.path(), args);
        let shell = script_verdicts(dir.path(), &script, args);
        assert_eq!(evaluator, shell, "the runners disagree for {args:?}");
        let running: Vec<&str> = evaluator
            .iter()
            .filter(|(_, runs)| **runs)
            .map(|(job, _)| job.as_str())
            .collect();
        let mut want: Vec<&str> = runs.to_vec();
        want.sort_unstable();
        assert_eq!(running, want, "for {args:?}");
    }
}

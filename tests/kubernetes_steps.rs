//! The Kubernetes targets' launcher protocol, run for real: `tests/fixtures/kubernetes-run/`
//! is built for Tekton and for Argo, and the job's containers run in order on this machine
//! (`tests/support/run_job.py`, which stands in for the pod). Both engines must show the
//! same behaviour, the one GitHub would: outputs flow to later steps and to the job's
//! result, `continue_on_error` goes on, a failure skips the following steps but not
//! `always()` and `on_failure` steps, and the job fails at the end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::process::Command;

use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/kubernetes-run/steps.pipe";

fn run_job(target: &str) -> Value {
    let out = tempfile::tempdir().unwrap();
    let build = support::pipec(
        pipec_binary!(),
        support::workspace(),
        &[
            "build",
            FIXTURE,
            "--target",
            target,
            "--image",
            "docker.io/library/alpine:3.20",
            "--out",
            out.path().to_str().unwrap(),
        ],
    );
    assert_eq!(build.code, 0, "{}", build.stderr);
    let params = out.path().join("params.json");
    std::fs::write(
        &params,
        r#"{"repository": "acme/app", "sha": "abc123", "branch": "main",
            "secrets": {"API_TOKEN": "s3cret"}, "vars": {"REGION": "eu-west-1"}}"#,
    )
    .unwrap();
    let (document, template) = match target {
        "tekton" => (out.path().join("steps/task-work.yaml"), None),
        _ => (
            out.path().join("steps/workflowtemplate.yaml"),
            Some("job-work"),
        ),
    };
    let workspace = out.path().join("workspace");
    let mut command = Command::new("python3");
    command
        .arg(support::workspace().join("tests/support/run_job.py"))
        .arg(&document)
        .arg(&workspace)
        .arg(&params);
    command.args(template);
    let output = command.output().expect("python3 runs");
    assert!(
        output.status.success(),
        "run_job.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn steps(report: &Value) -> Vec<(String, i64, String)> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| {
            (
                step["name"].as_str().unwrap().to_string(),
                step["exit"].as_i64().unwrap(),
                step["output"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn expected(last: &str) -> Vec<(String, i64, String)> {
    [
        ("step-1-version", 0, ""),
        (
            "step-2-quote",
            0,
            "single: 1.2.3\ndouble: 1.2.3 hello main from-env-file\ntoken length: 6 region: eu-west-1\n",
        ),
        ("step-3-case-insensitive", 0, "compared case-insensitively\n"),
        ("step-4-flaky", 0, "flaky\npipec: step 4 failed; continue_on_error\n"),
        ("step-5-after-flaky", 0, "flaky failed and the job went on\n"),
        ("step-6-broken", 0, "breaking\n"),
        ("step-7-skipped", 0, "pipec: skipped step 7: its condition is false\n"),
        ("step-8-always", 0, "always runs, job status failure\n"),
        ("step-9-roll-back", 0, "rolling back\n"),
        (last, 1, "pipec: a step of job work failed\n"),
    ]
    .into_iter()
    .map(|(name, code, output)| (name.to_string(), code, output.to_string()))
    .collect()
}

#[test]
fn tekton_steps_behave_as_on_github() {
    let report = run_job("tekton");
    assert_eq!(steps(&report), expected("finish"));
    assert_eq!(report["results"]["version"], "1.2.3");
}

#[test]
fn argo_steps_behave_as_on_github() {
    let report = run_job("argo");
    // Argo reads a container set's outputs from the container named `main`.
    assert_eq!(steps(&report), expected("main"));
    assert_eq!(report["results"]["version"], "1.2.3");
}

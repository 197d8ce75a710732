//! The shell target's scripts as files: every example pipeline builds to a script that
//! shellcheck finds nothing in (with `--skip-unsupported`; without it, a build may only stop
//! with the documented capability diagnostics E0701 and E0702); the scripts of `tests/fixtures/shell-run/` are snapshotted (review them
//! as code: they are what users run); building twice gives the same bytes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::fs;
use std::path::{Path, PathBuf};

fn pipe_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "pipe"))
        .collect();
    files.sort();
    files
}

/// The error codes `pipec check --target shell` reports for a file.
fn error_codes(project: &Path, file: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["check", file, "--target", "shell", "--format", "json"];
    args.extend(extra);
    let check = support::pipec(pipec_binary!(), project, &args);
    let report: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_example_builds_to_a_clean_script_or_a_capability_diagnostic() {
    let examples = support::workspace().join("examples");
    let mut projects: Vec<PathBuf> = fs::read_dir(&examples)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    projects.sort();
    let (mut built, mut stopped, mut checked) = (0, 0, 0);
    for project in &projects {
        for file in pipe_files(project) {
            let name = file.file_name().unwrap().to_str().unwrap();
            let out = tempfile::tempdir().unwrap();
            let build = support::pipec(
                pipec_binary!(),
                project,
                &[
                    "build",
                    name,
                    "--target",
                    "shell",
                    "--skip-unsupported",
                    "--out",
                    out.path().to_str().unwrap(),
                ],
            );
            // Without --skip-unsupported, only capability diagnostics may stop a build.
            for code in error_codes(project, name, &[]) {
                assert!(
                    code == "E0701" || code == "E0702",
                    "{}/{name}: the shell target reports {code}, not a capability diagnostic",
                    project.display()
                );
            }
            assert_eq!(
                build.code,
                0,
                "{}/{name} does not build with --skip-unsupported: {}",
                project.display(),
                build.stderr
            );
            if !error_codes(project, name, &[]).is_empty() {
                stopped += 1;
            }
            built += 1;
            for script in pipe_files_with(out.path(), "sh") {
                let shellcheck = support::run_tool("shellcheck", [script.as_os_str()], out.path());
                assert!(
                    shellcheck.status.success(),
                    "shellcheck: {}/{name}:\n{}",
                    project.display(),
                    String::from_utf8_lossy(&shellcheck.stdout)
                );
                checked += 1;
            }
        }
    }
    println!(
        "{built} example files built with --skip-unsupported ({checked} scripts, shellcheck-clean); {stopped} of them stop with a capability diagnostic without it"
    );
}

fn pipe_files_with(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
}

fn build_fixtures(out: &Path) {
    let fixtures = support::workspace().join("tests/fixtures/shell-run");
    let mut args = vec!["build".to_string()];
    for file in pipe_files(&fixtures) {
        args.push(format!(
            "tests/fixtures/shell-run/{}",
            file.file_name().unwrap().to_str().unwrap()
        ));
    }
    args.extend([
        "--target".into(),
        "shell".into(),
        "--out".into(),
        out.to_str().unwrap().into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let build = support::pipec(pipec_binary!(), support::workspace(), &args);
    assert_eq!(build.code, 0, "{}", build.stderr);
}

#[test]
fn generated_scripts_are_clean_and_match_the_snapshots() {
    let out = tempfile::tempdir().unwrap();
    build_fixtures(out.path());
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(support::workspace().join("tests/snapshots/shell"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for script in pipe_files_with(out.path(), "sh") {
            let name = script.file_stem().unwrap().to_str().unwrap().to_string();
            let shellcheck = support::run_tool("shellcheck", [script.as_os_str()], out.path());
            assert!(
                shellcheck.status.success(),
                "shellcheck: {name}:\n{}",
                String::from_utf8_lossy(&shellcheck.stdout)
            );
            insta::assert_snapshot!(name, fs::read_to_string(&script).unwrap());
        }
    });
}

#[test]
fn building_twice_gives_identical_scripts() {
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    build_fixtures(first.path());
    build_fixtures(second.path());
    for script in pipe_files_with(first.path(), "sh") {
        let name = script.file_name().unwrap();
        assert_eq!(
            fs::read(&script).unwrap(),
            fs::read(second.path().join(name)).unwrap(),
            "{name:?} differs between two builds"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&script).unwrap().permissions().mode();
            assert_eq!(mode & 0o111, 0o111, "{name:?} is not executable");
        }
    }
}

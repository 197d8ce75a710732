//! The Kubernetes targets (`--target tekton`, `--target argo`) end to end. For every
//! fixture in `tests/fixtures/kubernetes/` (one per mapping row), every example and every
//! standard-library fixture (which together call every template):
//! - the build either succeeds, or fails with capability diagnostics only (E0701, E0702);
//!   a fixture says which codes it expects with a leading `# expect <target>: CODE...`;
//! - every generated document validates against its CRD schema (`shared/schemas/
//!   validate.py`) and passes `tests/support/k8s_references.py`, which checks what the
//!   schemas do not (references, matrix parameters, DNS-1123 names, Argo's CEL admission
//!   rules, headers, file layout and labels), and which tests itself (`--self-test`);
//! - every file, or the list of diagnostics, is a reviewed snapshot;
//! - a second build gives byte-identical files.
//!
//! A fixture's `# tekton-cel: --tekton-cel` line builds it once more with those arguments.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

const TARGETS: [&str; 2] = ["tekton", "argo"];
const IMAGE: &str = "docker.io/library/ubuntu:24.04";
const FIXTURES: &str = "tests/fixtures/kubernetes";

/// What one build produced.
struct Build {
    dir: TempDir,
    code: i32,
    /// `code file:line message`, in order.
    diagnostics: Vec<String>,
    /// Relative path and contents, sorted by path.
    files: Vec<(String, String)>,
}

fn build(source: &str, target: &str, extra: &[&str]) -> Build {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap().to_string();
    let mut args = vec![
        "build", source, "--target", target, "--image", IMAGE, "--out", &out, "--format", "json",
    ];
    args.extend(extra);
    let run = support::pipec(pipec_binary!(), support::workspace(), &args);
    let json: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|_| panic!("no JSON from pipec build {source}: {}", run.stderr));
    let diagnostics = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}:{} {}",
                d["code"].as_str().unwrap(),
                d["file"].as_str().unwrap(),
                d["line"],
                d["message"].as_str().unwrap()
            )
        })
        .collect();
    let files = read_tree(dir.path());
    Build {
        code: run.code,
        diagnostics,
        files,
        dir,
    }
}

fn read_tree(root: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .replace('\\', "/");
                files.push((relative, fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// The reference checker, the oracle of every build below.
fn reference_checker() -> PathBuf {
    support::workspace().join("tests/support/k8s_references.py")
}

fn python(script: &Path, args: &[&Path]) -> std::process::Output {
    Command::new(support::tool("python3"))
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs")
}

/// The CRD schemas and our own reference checks accept every generated document.
fn assert_valid(build: &Build, what: &str) {
    let paths: Vec<PathBuf> = build
        .files
        .iter()
        .map(|(relative, _)| build.dir.path().join(relative))
        .collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let schemas = python(&support::shared_file("schemas/validate.py"), &refs);
    assert!(
        schemas.status.success(),
        "{what}: validate.py rejects the output:\n{}{}",
        String::from_utf8_lossy(&schemas.stdout),
        String::from_utf8_lossy(&schemas.stderr)
    );
    let references = python(&reference_checker(), &[build.dir.path()]);
    assert!(
        references.status.success(),
        "{what}: broken references:\n{}{}",
        String::from_utf8_lossy(&references.stdout),
        String::from_utf8_lossy(&references.stderr)
    );
}

fn snapshot_files(prefix: &str, build: &Build) {
    for (relative, contents) in &build.files {
        let name = format!("{prefix}__{}", relative.replace('/', "__"));
        insta::assert_snapshot!(name, contents);
    }
}

/// Codes a fixture expects for a target, from `# expect <target>: CODE...`.
fn directive<'a>(source: &'a str, key: &str) -> Option<&'a str> {
    source
        .lines()
        .take_while(|line| line.starts_with('#'))
        .find_map(|line| line.strip_prefix(&format!("# {key}: ")))
}

fn fixtures() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = fs::read_dir(support::workspace().join(FIXTURES))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pipe"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no fixtures in {FIXTURES}");
    paths
}

fn codes(build: &Build) -> BTreeSet<String> {
    build
        .diagnostics
        .iter()
        .filter(|d| d.starts_with('E'))
        .map(|d| d.split(' ').next().unwrap().to_string())
        .collect()
}

fn check_build(prefix: &str, source: &str, target: &str, extra: &[&str], expected: Option<&str>) {
    let first = build(source, target, extra);
    match expected {
        Some(expected) => {
            let expected: BTreeSet<String> =
                expected.split_whitespace().map(String::from).collect();
            assert_eq!(first.code, 1, "{prefix}: the build must fail");
            assert!(
                first.files.is_empty(),
                "{prefix}: files were written despite errors"
            );
            assert_eq!(
                codes(&first),
                expected,
                "{prefix}: {:#?}",
                first.diagnostics
            );
            insta::assert_snapshot!(
                format!("{prefix}__diagnostics"),
                first.diagnostics.join("\n")
            );
        }
        None => {
            assert_eq!(first.code, 0, "{prefix}: {:#?}", first.diagnostics);
            assert_valid(&first, prefix);
            snapshot_files(prefix, &first);
            let second = build(source, target, extra);
            assert_eq!(
                first.files, second.files,
                "{prefix}: a second build differs"
            );
        }
    }
}

#[test]
fn fixtures_build_to_valid_manifests() {
    for path in fixtures() {
        let source = fs::read_to_string(&path).unwrap();
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let relative = format!("{FIXTURES}/{stem}.pipe");
        for target in TARGETS {
            let expected = directive(&source, &format!("expect {target}"));
            check_build(
                &format!("fixture__{stem}__{target}"),
                &relative,
                target,
                &[],
                expected,
            );
            if let Some(args) = directive(&source, &format!("{target}-cel")) {
                let args: Vec<&str> = args.split_whitespace().collect();
                check_build(
                    &format!("fixture__{stem}__{target}-cel"),
                    &relative,
                    target,
                    &args,
                    None,
                );
            }
        }
    }
}

/// Builds `source` for both targets: it compiles to valid manifests (snapshotted), or stops
/// with capability diagnostics only (their list snapshotted).
fn build_or_stop_with_capability_diagnostics(prefix: &str, source: &str) {
    for target in TARGETS {
        let prefix = format!("{prefix}__{target}");
        let built = build(source, target, &[]);
        if built.code == 0 {
            assert_valid(&built, &prefix);
            snapshot_files(&prefix, &built);
        } else {
            let other: Vec<&String> = built
                .diagnostics
                .iter()
                .filter(|d| {
                    d.starts_with('E') && !d.starts_with("E0701") && !d.starts_with("E0702")
                })
                .collect();
            assert!(
                other.is_empty(),
                "{prefix}: errors other than capability ones: {other:#?}"
            );
            assert!(
                built.files.is_empty(),
                "{prefix}: files were written despite errors"
            );
            insta::assert_snapshot!(
                format!("{prefix}__diagnostics"),
                built.diagnostics.join("\n")
            );
        }
    }
}

fn entries(dir: &str, keep: impl Fn(&Path) -> bool) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(support::workspace().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| keep(p))
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "nothing in {dir}");
    names
}

/// One `.pipe` file at a time, so the pipelines a target can run are built even when
/// another file of the same repository stops; `examples/README.md` lists which and why.
#[test]
fn examples_build_or_stop_with_a_capability_diagnostic() {
    for name in entries("examples", |p| p.is_dir()) {
        let dir = format!("examples/{name}");
        for file in entries(&dir, |p| p.extension().is_some_and(|e| e == "pipe")) {
            let stem = file.trim_end_matches(".pipe");
            build_or_stop_with_capability_diagnostics(
                &format!("example__{name}__{stem}"),
                &format!("{dir}/{file}"),
            );
        }
    }
}

/// Every standard-library template on the Kubernetes targets (the fixtures call them all).
#[test]
fn stdlib_fixtures_build_or_stop_with_a_capability_diagnostic() {
    for file in entries("tests/fixtures/stdlib", |p| {
        p.extension().is_some_and(|e| e == "pipe")
    }) {
        let module = file.trim_end_matches(".pipe");
        build_or_stop_with_capability_diagnostics(
            &format!("stdlib__{module}"),
            &format!("tests/fixtures/stdlib/{file}"),
        );
    }
}

/// The reference checker is a test's oracle: it must catch what it claims to.
#[test]
fn the_reference_checker_catches_broken_references() {
    let fixture = format!("{FIXTURES}/outputs.pipe");
    let breakages: [(&str, &str, &str, &str); 4] = [
        (
            "tekton",
            "outputs/pipeline.yaml",
            "runAfter: [version]",
            "runAfter: [versions]",
        ),
        (
            "tekton",
            "outputs/task-publish.yaml",
            "- name: needs-version-tag",
            "- name: needs-version-tags",
        ),
        (
            "argo",
            "outputs/workflowtemplate.yaml",
            "depends: version.Succeeded",
            "depends: versio.Succeeded",
        ),
        (
            "argo",
            "outputs/workflowtemplate.yaml",
            "outputs.parameters.tag}}",
            "outputs.parameters.tags}}",
        ),
    ];
    for (target, file, from, to) in breakages {
        let built = build(&fixture, target, &[]);
        assert_eq!(built.code, 0, "{:#?}", built.diagnostics);
        let path = built.dir.path().join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(from),
            "{file} no longer contains {from:?}: update this test"
        );
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let checked = python(&reference_checker(), &[built.dir.path()]);
        assert!(
            !checked.status.success(),
            "the checker accepted {file} with {from:?} changed to {to:?}"
        );
    }
}

/// The checker's own test: the hand-written examples in the shared schemas folder pass it,
/// and each of its list of deliberate breakages of them is reported.
#[test]
fn the_reference_checker_passes_its_self_test() {
    let examples = support::shared_dir().join("schemas/examples");
    let checked = python(&reference_checker(), &[Path::new("--self-test"), &examples]);
    assert!(
        checked.status.success(),
        "k8s_references.py --self-test failed:\n{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

//! The examples are tests. Every directory under `examples/` is one project (one repository's
//! pipelines); for each, the built `pipec` binary must:
//!
//! - check it with no error and no warning (`--deny-warnings`);
//! - build exactly the workflows `examples/seed-map.tsv` lists for it, each snapshotted;
//! - produce workflows that actionlint (with shellcheck) finds nothing in, and that are
//!   valid against SchemaStore's GitHub workflow schema;
//! - produce byte-identical files when built twice.
//!
//! And for every row of the seed map, `workflow-diff.py SEED GENERATED` must print exactly
//! the committed expected-diff file, so any change in how an example differs from its
//! seed shows up as a failing test (examples/README.md explains each remaining difference).
//! `PIPEC_UPDATE_SEED_DIFFS=1` rewrites the expected-diff files instead; review them.
//!
//! The external tools (actionlint, shellcheck, check-jsonschema, python3 with PyYAML) are
//! required: a missing one fails the test with an install hint.

// Helpers outside `#[test]` functions are test code too; a panic here is a failure report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

const SEED_MAP: &str = "examples/seed-map.tsv";

/// One row of `examples/seed-map.tsv`.
struct SeedMapRow {
    /// The line in the seed map, for messages.
    line: usize,
    /// The seed, relative to `shared/seeds/workflows/`.
    seed: String,
    /// `<example directory>/<file>`, e.g. `ma-platform/ci-cd.yml`.
    generated: String,
    /// The expected workflow-diff output, relative to `examples/`; `None` when the seed has
    /// no workflow to compare with (its workflows are described in prose).
    expected_diff: Option<String>,
}

fn examples_dir() -> PathBuf {
    support::workspace().join("examples")
}

fn seed_map() -> Vec<SeedMapRow> {
    let text = fs::read_to_string(support::workspace().join(SEED_MAP))
        .unwrap_or_else(|error| panic!("cannot read {SEED_MAP}: {error}"));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(index, line)| {
            let columns: Vec<&str> = line.split('\t').collect();
            assert!(
                columns.len() == 3 && columns.iter().all(|column| !column.trim().is_empty()),
                "{SEED_MAP}:{}: expected three tab-separated columns (seed, generated file, \
                 expected-diff file or -), found {line:?}",
                index + 1
            );
            SeedMapRow {
                line: index + 1,
                seed: columns[0].to_owned(),
                generated: columns[1].to_owned(),
                expected_diff: (columns[2] != "-").then(|| columns[2].to_owned()),
            }
        })
        .collect()
}

/// The example projects: the directories directly under `examples/`, sorted.
fn example_projects() -> Vec<String> {
    let mut projects: Vec<String> = fs::read_dir(examples_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|path| path.file_name().unwrap().to_str().unwrap().to_owned())
        .collect();
    projects.sort();
    assert!(!projects.is_empty(), "examples/ has no example directory");
    projects
}

/// Every file under `dir` whose name ends with `suffix`, recursively, sorted.
fn files_ending_with(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.to_str().unwrap().ends_with(suffix) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The workflows of every example project, built from the workspace root (so the header
/// names `examples/<project>/<file>.pipe`) into `<root>/<project>/.github/workflows/`, laid
/// out like a repository so actionlint treats each project as one.
struct Built {
    root: TempDir,
    /// `<project>/<file>` → contents, sorted.
    files: BTreeMap<String, String>,
}

impl Built {
    fn workflows_dir(&self, project: &str) -> PathBuf {
        self.root.path().join(project).join(".github/workflows")
    }

    fn path_of(&self, generated: &str) -> PathBuf {
        let (project, file) = generated.split_once('/').unwrap();
        self.workflows_dir(project).join(file)
    }
}

fn build_examples() -> Built {
    let root = tempfile::tempdir().unwrap();
    let mut files = BTreeMap::new();
    for project in example_projects() {
        let repository = root.path().join(&project);
        fs::create_dir_all(repository.join(".git")).unwrap();
        let out = repository.join(".github/workflows");
        let run = support::pipec(
            pipec_binary!(),
            support::workspace(),
            &[
                "build",
                &format!("examples/{project}"),
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(
            run.code, 0,
            "pipec build examples/{project} failed:\n{}",
            run.stderr
        );
        for path in files_ending_with(&out, "") {
            let name = path.file_name().unwrap().to_str().unwrap();
            files.insert(
                format!("{project}/{name}"),
                fs::read_to_string(&path).unwrap(),
            );
        }
    }
    Built { root, files }
}

#[test]
fn every_example_checks_without_errors_or_warnings() {
    let pipe_files = files_ending_with(&examples_dir(), ".pipe");
    assert!(!pipe_files.is_empty(), "examples/ has no .pipe file");
    for project in example_projects() {
        let run = support::pipec(
            pipec_binary!(),
            support::workspace(),
            &["check", "--deny-warnings", &format!("examples/{project}")],
        );
        assert!(
            run.code == 0 && !run.stderr.contains("warning"),
            "examples/{project} must check clean, but pipec check --deny-warnings printed:\n{}",
            run.stderr
        );
    }
    // Every .pipe file belongs to a project directory (none lies loose in examples/).
    for file in &pipe_files {
        let relative = file.strip_prefix(examples_dir()).unwrap();
        assert!(
            relative.components().count() >= 2,
            "{} is not inside an example directory",
            file.display()
        );
    }
}

#[test]
fn examples_build_exactly_the_files_of_the_seed_map() {
    let built = build_examples();
    let rows = seed_map();
    let expected: BTreeSet<&str> = rows.iter().map(|row| row.generated.as_str()).collect();
    let generated: BTreeSet<&str> = built.files.keys().map(String::as_str).collect();
    let unlisted: Vec<&&str> = generated.difference(&expected).collect();
    let missing: Vec<&&str> = expected.difference(&generated).collect();
    assert!(
        unlisted.is_empty() && missing.is_empty(),
        "the examples build files {SEED_MAP} does not list: {unlisted:?}; \
         and {SEED_MAP} lists files the examples do not build: {missing:?}"
    );
}

#[test]
fn generated_workflows_match_the_snapshots() {
    for (name, contents) in &build_examples().files {
        // `ma-platform/ci-cd.yml` → snapshot `examples__ma-platform__ci-cd.yml.snap`.
        insta::assert_snapshot!(name.replace('/', "__"), contents);
    }
}

#[test]
fn actionlint_finds_nothing_in_the_generated_workflows() {
    // actionlint checks `run:` scripts only when shellcheck is on PATH.
    support::tool("shellcheck");
    let built = build_examples();
    let mut findings = String::new();
    for project in example_projects() {
        let output = support::run_tool(
            "actionlint",
            ["-oneline"],
            &built.root.path().join(&project),
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() || !stdout.trim().is_empty() || !stderr.trim().is_empty() {
            findings.push_str(&format!("--- examples/{project}\n{stdout}{stderr}"));
        }
    }
    assert!(
        findings.is_empty(),
        "actionlint findings in the generated workflows:\n{findings}"
    );
}

#[test]
fn generated_workflows_are_valid_against_the_schemastore_schema() {
    let schema = support::shared_file("schemas/github-workflow.json");
    let built = build_examples();
    for name in built.files.keys() {
        support::assert_valid_against_schema(&schema, &built.path_of(name));
    }
}

#[test]
fn differences_from_the_seeds_are_the_expected_ones() {
    let update = std::env::var_os("PIPEC_UPDATE_SEED_DIFFS").is_some();
    let seeds = support::shared_dir().join("seeds/workflows");
    let diff_tool = support::shared_file("tools/workflow-diff.py");
    let built = build_examples();
    let rows = seed_map();
    let mut failures = Vec::new();
    for row in &rows {
        let seed = seeds.join(&row.seed);
        assert!(
            seed.is_file(),
            "{SEED_MAP}:{}: the seed {} does not exist",
            row.line,
            seed.display()
        );
        let Some(expected_diff) = &row.expected_diff else {
            continue;
        };
        let generated = built.path_of(&row.generated);
        let output = support::run_tool(
            "python3",
            [
                diff_tool.as_os_str(),
                seed.as_os_str(),
                generated.as_os_str(),
            ],
            support::workspace(),
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "workflow-diff.py could not compare {} with {} (it needs PyYAML: `pip install pyyaml`):\n{stderr}",
            row.seed,
            row.generated
        );
        let actual = String::from_utf8(output.stdout).unwrap();
        let path = examples_dir().join(expected_diff);
        if update {
            fs::write(&path, &actual).unwrap();
            continue;
        }
        let committed = fs::read_to_string(&path).unwrap_or_default();
        if committed != actual {
            failures.push(format!(
                "{} (row {} of {SEED_MAP}: {} vs {}) differs from workflow-diff's output \
                 (- committed, + now):\n{}",
                path.display(),
                row.line,
                row.seed,
                row.generated,
                similar::TextDiff::from_lines(&committed, &actual)
                    .unified_diff()
                    .context_radius(1)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\nIf the change is intended, regenerate the expected differences with\n\n    \
         PIPEC_UPDATE_SEED_DIFFS=1 cargo test --test examples differences_from_the_seeds\n\n\
         and explain every new line in examples/README.md.",
        failures.join("\n")
    );
    // Every expected-diff file is one the seed map names.
    let named: BTreeSet<PathBuf> = rows
        .iter()
        .filter_map(|row| row.expected_diff.as_ref())
        .map(|diff| examples_dir().join(diff))
        .collect();
    let orphans: Vec<PathBuf> = files_ending_with(&examples_dir(), ".seed-diff")
        .into_iter()
        .filter(|path| !named.contains(path))
        .collect();
    assert!(
        orphans.is_empty(),
        "expected-diff files no row of {SEED_MAP} names: {orphans:?}"
    );
}

#[test]
fn every_seed_workflow_is_in_the_seed_map() {
    let mapped: BTreeSet<String> = seed_map().into_iter().map(|row| row.seed).collect();
    let unmapped: Vec<String> = fs::read_dir(support::shared_dir().join("seeds/workflows"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_str().unwrap().to_owned())
        .filter(|name| name.ends_with(".yml") && !mapped.contains(name))
        .collect();
    assert!(
        unmapped.is_empty(),
        "seed workflows no example reproduces (add a row to {SEED_MAP}): {unmapped:?}"
    );
}

#[test]
fn building_twice_gives_identical_files() {
    let first = build_examples();
    let second = build_examples();
    assert_eq!(
        first.files.keys().collect::<Vec<_>>(),
        second.files.keys().collect::<Vec<_>>()
    );
    for (name, contents) in &first.files {
        assert!(
            second.files[name].as_bytes() == contents.as_bytes(),
            "{name} differs between two builds:\n{}",
            similar::TextDiff::from_lines(contents, &second.files[name]).unified_diff()
        );
    }
}

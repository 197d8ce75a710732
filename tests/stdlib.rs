//! The standard library as a test subject:
//! - every module checks clean on its own, and `docs/stdlib.md` is its current reference;
//! - every template, parameter and output is documented, and every action it uses is
//!   pinned to a full version tag that its doc names;
//! - `tests/fixtures/stdlib/<module>.pipe` calls every template of the module; each builds
//!   for GitHub to a reviewed snapshot that actionlint and the SchemaStore schema accept.
//!   actionlint validates action inputs only for major-version refs (`@v7`), so it also
//!   checks a copy of each workflow with the pins shortened to their major version.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use pipec_compiler::doc::{stdlib, stdlib_reference};

const REFERENCE: &str = "docs/stdlib.md";

fn fixtures_dir() -> PathBuf {
    support::workspace().join("tests/fixtures/stdlib")
}

#[test]
fn stdlib_checks_clean() {
    let analysis = stdlib();
    let problems: Vec<String> = analysis
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code.info().code, d.message))
        .collect();
    assert!(
        problems.is_empty(),
        "the standard library reports:\n{}",
        problems.join("\n")
    );
    assert!(!analysis.modules.is_empty(), "stdlib/ has no modules");
}

#[test]
fn stdlib_reference_is_up_to_date() {
    let path = support::workspace().join(REFERENCE);
    let expected = stdlib_reference();
    if std::env::var_os("PIPEC_UPDATE_DOCS").is_some() {
        fs::write(&path, &expected).unwrap();
    }
    let actual = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{REFERENCE} is out of date: run `PIPEC_UPDATE_DOCS=1 cargo test -p pipec --test stdlib`"
    );
}

#[test]
fn every_template_is_documented_and_pinned() {
    let mut problems = Vec::new();
    for module in stdlib().modules {
        let name = module.namespace();
        if module.doc.is_none() {
            problems.push(format!("std/{name} has no module doc"));
        }
        for template in &module.templates {
            let at = format!("{name}.{}", template.name);
            if template.doc.is_none() {
                problems.push(format!("{at} has no doc"));
            }
            for param in &template.params {
                if param.doc.is_none() {
                    problems.push(format!("{at}: parameter `{}` has no doc", param.name));
                }
            }
            for output in &template.outputs {
                if output.doc.is_none() {
                    problems.push(format!("{at}: output `{}` has no doc", output.name));
                }
            }
        }
        let text = pipec_compiler::modules::stdlib_text(&name).unwrap();
        for (action, version) in actions_used(text) {
            if !is_full_version(&version) {
                problems.push(format!(
                    "std/{name}: `{action}@{version}` is not pinned to a full version tag"
                ));
            }
            let named = format!("`{action}` {version}");
            if !text.contains(&named) {
                problems.push(format!("std/{name}: no doc says \"Targets {named}.\""));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The `uses: "owner/repo@version"` actions of a module's text.
fn actions_used(text: &str) -> BTreeSet<(String, String)> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("uses:"))
        .filter_map(|rest| rest.trim().strip_prefix('"')?.split('"').next())
        .filter_map(|reference| reference.split_once('@'))
        .map(|(action, version)| (action.to_string(), version.to_string()))
        .collect()
}

/// `v7.3.0`, `0.35.0`: three numeric parts.
fn is_full_version(version: &str) -> bool {
    let parts: Vec<&str> = version.trim_start_matches('v').split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// Every `tests/fixtures/stdlib/*.pipe`, built for GitHub into a scratch repository.
struct Built {
    root: tempfile::TempDir,
    /// Fixture stem → generated workflows (file name, contents).
    files: Vec<(String, String, String)>,
}

fn build_fixtures() -> Built {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join(".git")).unwrap();
    let out = root.path().join(".github/workflows");
    let mut files = Vec::new();
    let mut fixtures: Vec<PathBuf> = fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pipe"))
        .collect();
    fixtures.sort();
    for fixture in fixtures {
        let stem = fixture.file_stem().unwrap().to_str().unwrap().to_string();
        let relative = format!("tests/fixtures/stdlib/{stem}.pipe");
        let target = out.join(&stem);
        let run = support::pipec(
            pipec_binary!(),
            support::workspace(),
            &[
                "build",
                "--deny-warnings",
                &relative,
                "--out",
                target.to_str().unwrap(),
            ],
        );
        assert_eq!(
            run.code, 0,
            "pipec build {relative} failed:\n{}",
            run.stderr
        );
        let mut generated: Vec<PathBuf> = fs::read_dir(&target)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        generated.sort();
        for path in generated {
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            let contents = fs::read_to_string(&path).unwrap();
            // actionlint reads only .github/workflows itself, not its subdirectories.
            fs::write(out.join(format!("{stem}-{name}")), &contents).unwrap();
            files.push((stem.clone(), name, contents));
        }
        fs::remove_dir_all(&target).unwrap();
    }
    Built { root, files }
}

#[test]
fn every_template_is_called_by_a_fixture() {
    let mut missing = Vec::new();
    for module in stdlib().modules {
        let name = module.namespace();
        let fixture =
            fs::read_to_string(fixtures_dir().join(format!("{name}.pipe"))).unwrap_or_default();
        for template in &module.templates {
            if !fixture.contains(&format!("{name}.{}(", template.name)) {
                missing.push(format!(
                    "{name}.{} (in tests/fixtures/stdlib/{name}.pipe)",
                    template.name
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "templates no fixture calls:\n{}",
        missing.join("\n")
    );
}

#[test]
fn fixtures_build_to_the_snapshots() {
    for (stem, name, contents) in &build_fixtures().files {
        insta::assert_snapshot!(format!("stdlib__{stem}__{name}"), contents);
    }
}

#[test]
fn actionlint_finds_nothing_in_the_fixture_workflows() {
    support::tool("shellcheck");
    let built = build_fixtures();
    assert_actionlint_clean(built.root.path(), "as generated");
    // Pins shortened to their major version, so actionlint checks every action input.
    let workflows = built.root.path().join(".github/workflows");
    for entry in fs::read_dir(&workflows).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, major_pins(&text)).unwrap();
    }
    assert_actionlint_clean(built.root.path(), "with major-version pins");
}

fn assert_actionlint_clean(repository: &Path, what: &str) {
    let output = support::run_tool("actionlint", ["-oneline"], repository);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.trim().is_empty() && stderr.trim().is_empty(),
        "actionlint findings in the stdlib fixture workflows ({what}):\n{stdout}{stderr}"
    );
}

/// `uses: owner/repo@v7.3.0` → `uses: owner/repo@v7`.
fn major_pins(text: &str) -> String {
    text.lines()
        .map(|line| {
            let Some((head, reference)) = line.split_once("uses: ") else {
                return line.to_string();
            };
            match reference.split_once('@') {
                Some((action, version)) if is_full_version(version) => {
                    let major = version.split('.').next().unwrap_or(version);
                    format!("{head}uses: {action}@{major}")
                }
                _ => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn fixture_workflows_are_valid_against_the_schemastore_schema() {
    let schema = support::shared_file("schemas/github-workflow.json");
    let built = build_fixtures();
    for (stem, name, _) in &built.files {
        support::assert_valid_against_schema(
            &schema,
            &built
                .root
                .path()
                .join(".github/workflows")
                .join(format!("{stem}-{name}")),
        );
    }
}

#[test]
fn pipec_doc_shows_a_template() {
    let module = stdlib().modules.into_iter().next().unwrap();
    let template = module.templates.first().unwrap();
    let query = format!("{}.{}", module.namespace(), template.name);
    let run = support::pipec(pipec_binary!(), support::workspace(), &["doc", &query]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, template.markdown(&module.namespace()));
    let run = support::pipec(
        pipec_binary!(),
        support::workspace(),
        &["doc", "std/no-such-module"],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("pipec doc"), "{}", run.stderr);
}

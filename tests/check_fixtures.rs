//! The fixture harness: every `.pipe` file under `tests/fixtures/check/` (named
//! `<CODE>_<name>.pipe` after the code it exercises), `tests/fixtures/syntax/` (several
//! broken items per file, to show parse recovery) and `tests/fixtures/seeds/` (faithful
//! translations of seed workflows that contain real mistakes; `examples/` holds the fixed
//! versions) is checked by the built `pipec` binary, and what the user sees is
//! snapshotted: the numbered source, the human output and the exit code. Also here: every
//! registry code must have a fixture, and `docs/diagnostics.md` must match the registry.

// Helpers outside `#[test]` functions are test code too; a panic here is a failure report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use pipec_compiler::Code;

const WORKSPACE: &str = env!("CARGO_MANIFEST_DIR");
const CHECK_FIXTURES: &str = "tests/fixtures/check";

/// What `pipec check` showed for one fixture.
struct Checked {
    /// The snapshot document: numbered source, rendered diagnostics, exit code.
    document: String,
    /// The human output alone.
    output: String,
}

/// The one helper for this boundary: runs `pipec check --format <format>` on a fixture
/// from the workspace root, so paths print as `tests/fixtures/...`, without colour.
fn check_fixture(path: &Path, format: &str) -> Checked {
    let relative = path
        .strip_prefix(WORKSPACE)
        .unwrap()
        .to_str()
        .unwrap()
        .replace('\\', "/");
    let source = std::fs::read_to_string(path).unwrap();
    // A leading `# pipec check --target NAME` comment checks the fixture for that target.
    let target: Vec<&str> = source
        .lines()
        .take_while(|line| line.starts_with('#'))
        .find_map(|line| line.strip_prefix("# pipec check "))
        .map(|args| args.split_whitespace().collect())
        .unwrap_or_default();
    let mut args = vec!["check", "--format", format];
    args.extend(&target);
    args.push(&relative);
    let run = support::pipec(pipec_binary!(), Path::new(WORKSPACE), &args);
    let output = if format == "human" {
        run.stderr
    } else {
        run.stdout
    };
    let numbered: String = source
        .lines()
        .enumerate()
        .map(|(index, line)| format!("{:>3} | {line}\n", index + 1))
        .collect();
    let exit = run.code;
    let document = format!(
        "--- {relative}\n{numbered}\n--- pipec {}\n{output}\n--- exit code: {exit}\n",
        args.join(" ")
    );
    Checked { document, output }
}

/// insta's `glob!` counts failed assertions on one process-wide stack, so two globs running
/// at the same time (tests run on parallel threads) count each other's failures and report
/// them under the wrong test. Each glob test holds this lock while it runs.
fn one_glob_at_a_time() -> MutexGuard<'static, ()> {
    static GLOB: Mutex<()> = Mutex::new(());
    GLOB.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The code a check fixture is named after: `E0301` for `E0301_dependency-cycle.pipe`.
fn fixture_code(path: &Path) -> String {
    let name = path.file_name().unwrap().to_str().unwrap();
    name.split('_').next().unwrap().to_owned()
}

#[test]
fn check_fixtures() {
    let _glob = one_glob_at_a_time();
    insta::glob!("fixtures/check/*.pipe", |path| {
        let code = fixture_code(path);
        let checked = check_fixture(path, "human");
        assert!(
            checked.output.contains(&format!("[{code}]")),
            "{} should report {code}, but pipec printed:\n{}",
            path.display(),
            checked.output
        );
        insta::assert_snapshot!(checked.document);
    });
}

/// Syntax fixtures mark each broken line with `# expect: CODE`; every marked line must
/// get a diagnostic with that code, which shows that one error did not hide the next.
#[test]
fn syntax_fixtures() {
    let _glob = one_glob_at_a_time();
    insta::glob!("fixtures/syntax/*.pipe", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        let expected: Vec<(usize, String)> = source
            .lines()
            .enumerate()
            .filter_map(|(index, line)| {
                line.split_once("# expect: ")
                    .map(|(_, code)| (index + 1, code.trim().to_owned()))
            })
            .collect();
        assert!(
            expected.len() >= 2,
            "{} should mark several broken items with `# expect: CODE`",
            path.display()
        );
        let json: serde_json::Value =
            serde_json::from_str(&check_fixture(path, "json").output).unwrap();
        let reported: BTreeSet<(usize, String)> = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["line"].as_u64().unwrap() as usize,
                    d["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for (line, code) in &expected {
            assert!(
                reported.contains(&(*line, code.clone())),
                "{}:{line} should report {code}; reported {reported:?}",
                path.display()
            );
        }
        insta::assert_snapshot!(check_fixture(path, "human").document);
    });
}

/// Seed fixtures keep a seed workflow as it was written, mistakes included, so the
/// snapshot shows what pipec reports about it. They are not named after a code: one seed
/// may have several mistakes. Each must report something, or it has nothing to keep.
#[test]
fn seed_fixtures() {
    let _glob = one_glob_at_a_time();
    insta::glob!("fixtures/seeds/*.pipe", |path| {
        let checked = check_fixture(path, "human");
        assert!(
            checked.output.contains("error[") || checked.output.contains("warning["),
            "{} is kept for the mistakes pipec reports in it, but pipec reported none:\n{}",
            path.display(),
            checked.output
        );
        insta::assert_snapshot!(checked.document);
    });
}

#[test]
fn every_code_has_a_fixture() {
    let fixtures: BTreeSet<String> = std::fs::read_dir(Path::new(WORKSPACE).join(CHECK_FIXTURES))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "pipe")
        })
        .map(|path| fixture_code(&path))
        .collect();
    let known: BTreeSet<String> = Code::ALL
        .iter()
        .map(|code| code.info().code.to_owned())
        .collect();
    let unknown: Vec<&String> = fixtures.difference(&known).collect();
    assert!(
        unknown.is_empty(),
        "fixtures named after codes the registry does not have: {unknown:?}"
    );
    let missing: Vec<String> = Code::ALL
        .iter()
        .map(|code| code.info())
        .filter(|info| !fixtures.contains(info.code))
        .map(|info| format!("{CHECK_FIXTURES}/{}_{}.pipe", info.code, info.name))
        .collect();
    assert!(
        missing.is_empty(),
        "{} codes have no fixture; add:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn diagnostics_reference_is_up_to_date() {
    let path = Path::new(WORKSPACE).join("docs/diagnostics.md");
    let expected = Code::reference_markdown();
    if std::env::var_os("PIPEC_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/diagnostics.md is stale: it is generated from the code registry. Regenerate it with\n\
         \n    PIPEC_UPDATE_DOCS=1 cargo test -p pipec --test check_fixtures diagnostics_reference\n\n\
         and commit the result. Differences (- on disk, + generated):\n{}",
        similar::TextDiff::from_lines(&actual, &expected)
            .unified_diff()
            .context_radius(1)
    );
}

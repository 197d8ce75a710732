//! End-to-end runs of the built `pipec` binary: exit codes, every output format (SARIF is
//! validated against the SARIF 2.1.0 schema with check-jsonschema), `explain`, `--help`
//! and `--version`, and `build` (refusing to write with errors, writing atomically, and
//! `--check` telling missing, stale and edited-by-hand files apart).

// Helpers outside `#[test]` functions are test code too; a panic here is a failure report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::fs;
use std::path::Path;

use serde_json::Value;
use support::{Run, project};

const CLEAN: &str = "\
pipeline ci {
  on push
  job build {
    runs_on: \"ubuntu-latest\"
    step { run: \"make\" }
  }
}
";

/// Clean but for one unused `let` (W0220).
const WARNING: &str = "\
let unused = \"x\"
pipeline ci {
  on push
  job build {
    runs_on: \"ubuntu-latest\"
    step { run: \"make\" }
  }
}
";

/// A syntax error, an unclosed block (with a secondary label at the end of the file) and an
/// invalid escape after a non-ASCII character, whose column must count characters.
const BROKEN: &str = "\
pipeline ci {
  on push
  job build {
    runs_on \"ubuntu-latest\"
    step { run: \"é \\q\" }
  }
";

/// `text` with its pipeline `ci` renamed: pipeline ids are unique across all files.
fn renamed(text: &str, id: &str) -> String {
    text.replace("pipeline ci {", &format!("pipeline {id} {{"))
}

/// The one helper for this boundary: runs this crate's `pipec` in `dir` (see
/// [`support::pipec`]).
fn pipec(dir: &Path, args: &[&str]) -> Run {
    support::pipec(pipec_binary!(), dir, args)
}

// ---------------------------------------------------------------------------------------
// check: exit codes and file discovery

#[test]
fn a_clean_file_exits_0() {
    let dir = project(&[("ci.pipe", CLEAN)]);
    let run = pipec(dir.path(), &["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "ok: 1 file checked\n");
    assert_eq!(run.stdout, "");
}

#[test]
fn warnings_exit_0_unless_denied() {
    let dir = project(&[("ci.pipe", WARNING)]);
    let run = pipec(dir.path(), &["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("warning[W0220]"), "{}", run.stderr);
    assert!(
        run.stderr.ends_with("warning: 1 warning in 1 file\n"),
        "{}",
        run.stderr
    );
    let denied = pipec(dir.path(), &["check", "--deny-warnings"]);
    assert_eq!(denied.code, 1, "{}", denied.stderr);
    assert!(
        denied
            .stderr
            .ends_with("error: 1 warning in 1 file (warnings are denied)\n"),
        "{}",
        denied.stderr
    );
}

#[test]
fn errors_exit_1() {
    let dir = project(&[("ci.pipe", BROKEN)]);
    let run = pipec(dir.path(), &["check", "ci.pipe"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("error[E0101]"), "{}", run.stderr);
    assert!(run.stderr.contains("╭─[ci.pipe:4:13]"), "{}", run.stderr);
    // The column counts characters: `é` is two bytes but one column.
    assert!(run.stderr.contains("╭─[ci.pipe:5:20]"), "{}", run.stderr);
    assert!(
        run.stderr
            .lines()
            .last()
            .unwrap()
            .starts_with("error: 3 errors in 1 file"),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_and_io_errors_exit_2() {
    let dir = project(&[("notes/readme.txt", "not a pipeline")]);
    let missing = pipec(dir.path(), &["check", "nope.pipe"]);
    assert_eq!(
        (missing.code, missing.stderr.as_str()),
        (2, "error: nope.pipe: no such file or directory\n")
    );
    let empty = pipec(dir.path(), &["check", "notes"]);
    assert_eq!(
        (empty.code, empty.stderr.as_str()),
        (2, "error: no .pipe files found in notes\n")
    );
    let bad_flag = pipec(dir.path(), &["check", "--bogus"]);
    assert_eq!(bad_flag.code, 2);
    assert!(
        bad_flag.stderr.contains("unexpected argument '--bogus'"),
        "{}",
        bad_flag.stderr
    );
    let bad_format = pipec(dir.path(), &["check", "--format", "xml"]);
    assert_eq!(bad_format.code, 2, "{}", bad_format.stderr);
    fs::write(dir.path().join("latin1.pipe"), b"# caf\xe9\n").unwrap();
    let unreadable = pipec(dir.path(), &["check", "latin1.pipe"]);
    assert_eq!(unreadable.code, 2);
    assert_eq!(
        unreadable.stderr,
        "error: cannot read latin1.pipe: the file is not valid UTF-8\n"
    );
}

#[test]
fn directories_are_searched_recursively_in_a_stable_order() {
    let (a, x, deploy) = (
        renamed(WARNING, "a"),
        renamed(WARNING, "x"),
        renamed(WARNING, "deploy"),
    );
    let dir = project(&[
        ("b/deploy.pipe", &deploy),
        ("a.pipe", &a),
        ("b/a/x.pipe", &x),
        ("target/debug/broken.pipe", BROKEN),
        ("node_modules/pkg/broken.pipe", BROKEN),
        (".git/broken.pipe", BROKEN),
        ("b/notes.txt", BROKEN),
    ]);
    let run = pipec(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let files: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["a.pipe", "b/a/x.pipe", "b/deploy.pipe"]);
    assert_eq!(json["summary"]["files"], 3);
    // A file named twice, once through a directory, is checked once.
    let twice = pipec(dir.path(), &["check", "--format", "json", "./a.pipe", "."]);
    let json: Value = serde_json::from_str(&twice.stdout).unwrap();
    assert_eq!(json["summary"]["files"], 3);
}

// ---------------------------------------------------------------------------------------
// Formats

#[test]
fn json_has_the_documented_fields() {
    let dir = project(&[("ci.pipe", BROKEN)]);
    let run = pipec(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "", "machine formats print nothing else");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(
        json["summary"],
        serde_json::json!({ "errors": 3, "warnings": 0, "files": 1 })
    );
    let diagnostics = json["diagnostics"].as_array().unwrap();
    for diagnostic in diagnostics {
        let keys: Vec<&str> = diagnostic
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "code",
                "name",
                "severity",
                "message",
                "file",
                "line",
                "column",
                "end_line",
                "end_column",
                "labels",
                "help",
                "notes"
            ]
        );
        let labels = diagnostic["labels"].as_array().unwrap();
        assert_eq!(labels[0]["primary"], true);
        assert_eq!(labels[0]["line"], diagnostic["line"]);
        assert!(labels.iter().skip(1).all(|label| label["primary"] == false));
    }
    let escape = diagnostics
        .iter()
        .find(|d| d["code"] == "E0103")
        .expect("an invalid-escape diagnostic");
    assert_eq!(escape["name"], "invalid-escape");
    assert_eq!(escape["severity"], "error");
    assert_eq!(
        (escape["file"].as_str(), escape["line"].as_u64()),
        (Some("ci.pipe"), Some(5))
    );
    // `    step { run: "é \q" }`: the backslash is the 20th character (the 21st byte).
    assert_eq!(
        (escape["column"].as_u64(), escape["end_column"].as_u64()),
        (Some(20), Some(22))
    );
    let unclosed = diagnostics
        .iter()
        .find(|d| d["code"] == "E0102")
        .expect("an unclosed-delimiter diagnostic");
    assert_eq!(
        unclosed["labels"].as_array().unwrap().len(),
        2,
        "{unclosed:#}"
    );
}

#[test]
fn github_annotations_are_workflow_commands() {
    let dir = project(&[
        ("ci.pipe", BROKEN),
        ("warn.pipe", &renamed(WARNING, "warn")),
    ]);
    let run = pipec(dir.path(), &["check", "--format", "github"]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    for line in &lines {
        let (kind, rest) = line.strip_prefix("::").unwrap().split_once(' ').unwrap();
        assert!(kind == "error" || kind == "warning", "{line}");
        let (properties, message) = rest.split_once("::").unwrap();
        let names: Vec<&str> = properties
            .split(',')
            .map(|p| p.split_once('=').unwrap().0)
            .collect();
        assert_eq!(
            names,
            ["file", "line", "col", "endLine", "endColumn", "title"],
            "{line}"
        );
        assert!(!message.is_empty() && !message.contains('\n'), "{line}");
    }
    assert!(
        lines.contains(&"::warning file=warn.pipe,line=1,col=5,endLine=1,endColumn=11,title=W0220 unused-let::`unused` is never used%0Ahelp: remove it, or name it `_unused` to keep it"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .ends_with("error: 3 errors and 1 warning in 2 files\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn sarif_validates_against_the_schema() {
    let dir = project(&[
        ("ci.pipe", BROKEN),
        ("warn.pipe", &renamed(WARNING, "warn")),
    ]);
    let run = pipec(dir.path(), &["check", "--format", "sarif"]);
    assert_eq!(run.code, 1);
    let log: Value = serde_json::from_str(&run.stdout).unwrap();
    let sarif_run = &log["runs"][0];
    let driver = &sarif_run["tool"]["driver"];
    assert_eq!(
        (log["version"].as_str(), driver["name"].as_str()),
        (Some("2.1.0"), Some("pipec"))
    );
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), pipec_compiler::Code::ALL.len());
    for result in sarif_run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    let unclosed = sarif_run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "E0102")
        .unwrap();
    assert_eq!(
        unclosed["relatedLocations"][0]["message"]["text"],
        "the file ends before its `}`"
    );

    let path = dir.path().join("out.sarif");
    fs::write(&path, &run.stdout).unwrap();
    support::assert_valid_against_schema(&support::shared_file("schemas/sarif-2.1.0.json"), &path);
}

#[test]
fn colour_follows_the_flag() {
    let dir = project(&[("ci.pipe", BROKEN)]);
    assert!(
        pipec(dir.path(), &["--color", "always", "check"])
            .stderr
            .contains('\u{1b}')
    );
    assert!(
        !pipec(dir.path(), &["check", "--color", "never"])
            .stderr
            .contains('\u{1b}')
    );
    // Not a terminal: `auto` does not colour.
    assert!(!pipec(dir.path(), &["check"]).stderr.contains('\u{1b}'));
}

// ---------------------------------------------------------------------------------------
// explain, --version, --help

#[test]
fn explain_by_code_or_name_in_any_case() {
    let dir = project(&[]);
    let by_code = pipec(dir.path(), &["explain", "e0301"]);
    assert_eq!(by_code.code, 0);
    assert!(
        by_code.stdout.starts_with("# E0301 dependency-cycle\n"),
        "{}",
        by_code.stdout
    );
    let by_name = pipec(dir.path(), &["explain", "Dependency-Cycle"]);
    assert_eq!(by_name.stdout, by_code.stdout);
}

#[test]
fn explain_an_unknown_code_suggests_the_nearest() {
    let dir = project(&[]);
    let run = pipec(dir.path(), &["explain", "dependency-cylce"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: unknown diagnostic code `dependency-cylce`\n\
         help: did you mean `E0301` (dependency-cycle)?\n\
         help: `pipec explain --list` lists every code\n"
    );
    assert_eq!(
        pipec(dir.path(), &["explain"]).code,
        2,
        "a code or --list is required"
    );
}

#[test]
fn explain_list_has_every_code() {
    let dir = project(&[]);
    let run = pipec(dir.path(), &["explain", "--list"]);
    assert_eq!(run.code, 0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), pipec_compiler::Code::ALL.len());
    let cycle = lines.iter().find(|line| line.starts_with("E0301")).unwrap();
    let columns: Vec<&str> = cycle.split_whitespace().take(3).collect();
    assert_eq!(columns, ["E0301", "error", "dependency-cycle"]);
}

#[test]
fn version() {
    let run = pipec(support::workspace(), &["--version"]);
    assert_eq!(
        (run.code, run.stdout),
        (0, format!("pipec {}\n", env!("CARGO_PKG_VERSION")))
    );
}

#[test]
fn help_of_every_command() {
    for command in [
        &[][..],
        &["check"],
        &["build"],
        &["run"],
        &["lsp"],
        &["explain"],
    ] {
        let args: Vec<&str> = command.iter().copied().chain(["--help"]).collect();
        let run = pipec(support::workspace(), &args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let name = if command.is_empty() {
            "pipec".to_owned()
        } else {
            format!("pipec_{}", command.join("_"))
        };
        insta::assert_snapshot!(
            format!("help_{name}"),
            run.stdout,
            &format!("pipec {}", args.join(" "))
        );
    }
}

// ---------------------------------------------------------------------------------------
// build

const WORKFLOW: &str = ".github/workflows/ci.yml";

#[test]
fn build_writes_nothing_when_there_are_errors() {
    let dir = project(&[("ci.pipe", BROKEN)]);
    let run = pipec(dir.path(), &["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.ends_with("error: nothing was written\n"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join(".github").exists());
}

#[test]
fn build_writes_atomically_and_leaves_identical_files_alone() {
    let dir = project(&[("ci.pipe", CLEAN)]);
    let first = pipec(dir.path(), &["build"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains(&format!("wrote {WORKFLOW}\n")),
        "{}",
        first.stderr
    );
    let workflow = dir.path().join(WORKFLOW);
    let contents = fs::read_to_string(&workflow).unwrap();
    assert!(contents.contains("pipec-source-hash"), "{contents}");
    // Nothing but the workflow: no temporary file survives the rename.
    let names: Vec<_> = fs::read_dir(workflow.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["ci.yml"]);

    let modified = fs::metadata(&workflow).unwrap().modified().unwrap();
    let second = pipec(dir.path(), &["build"]);
    assert_eq!(second.code, 0);
    assert!(
        second.stderr.contains(&format!("unchanged {WORKFLOW}\n")),
        "{}",
        second.stderr
    );
    assert_eq!(
        fs::metadata(&workflow).unwrap().modified().unwrap(),
        modified
    );

    let elsewhere = pipec(
        dir.path(),
        &[
            "build",
            "ci.pipe",
            "--out",
            "generated",
            "--target",
            "github",
        ],
    );
    assert_eq!(elsewhere.code, 0, "{}", elsewhere.stderr);
    assert_eq!(
        fs::read_to_string(dir.path().join("generated/ci.yml")).unwrap(),
        contents
    );
}

#[test]
fn build_check_tells_missing_stale_and_edited_files_apart() {
    let dir = project(&[("ci.pipe", CLEAN)]);
    let workflow = dir.path().join(WORKFLOW);

    let missing = pipec(dir.path(), &["build", "--check"]);
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    assert!(
        missing.stderr.contains(&format!("{WORKFLOW} missing")),
        "{}",
        missing.stderr
    );
    assert!(
        missing
            .stderr
            .contains(&format!("+++ {WORKFLOW} (generated)")),
        "{}",
        missing.stderr
    );
    assert!(!workflow.exists(), "--check writes nothing");

    assert_eq!(pipec(dir.path(), &["build"]).code, 0);
    let up_to_date = pipec(dir.path(), &["build", "--check"]);
    assert_eq!(up_to_date.code, 0, "{}", up_to_date.stderr);
    assert!(
        up_to_date.stderr.ends_with("ok: 1 file up to date\n"),
        "{}",
        up_to_date.stderr
    );

    let generated = fs::read_to_string(&workflow).unwrap();
    fs::write(&workflow, format!("{generated}# a local change\n")).unwrap();
    let edited = pipec(dir.path(), &["build", "--check"]);
    assert_eq!(edited.code, 1, "{}", edited.stderr);
    assert!(
        edited
            .stderr
            .contains(&format!("{WORKFLOW} edited by hand")),
        "{}",
        edited.stderr
    );
    assert!(
        edited.stderr.contains("\n-# a local change\n"),
        "{}",
        edited.stderr
    );

    fs::write(&workflow, &generated).unwrap();
    fs::write(
        dir.path().join("ci.pipe"),
        CLEAN.replace("\"make\"", "\"make all\""),
    )
    .unwrap();
    let stale = pipec(dir.path(), &["build", "--check"]);
    assert_eq!(stale.code, 1, "{}", stale.stderr);
    assert!(
        stale.stderr.contains(&format!("{WORKFLOW} stale")),
        "{}",
        stale.stderr
    );
    assert!(
        stale.stderr.contains(&format!("--- {WORKFLOW} (on disk)")),
        "{}",
        stale.stderr
    );
    assert_eq!(
        fs::read_to_string(&workflow).unwrap(),
        generated,
        "--check writes nothing"
    );
}

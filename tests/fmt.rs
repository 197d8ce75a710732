//! `pipec fmt` never changes meaning: for every `.pipe` file of the repository (examples,
//! the standard library, every test fixture), the formatted file checks to the same IR and
//! the same diagnostics as the file as written, formatting it again changes nothing, and
//! every comment survives. Then the command itself: `--check`, writing, stdin, and files
//! it must leave alone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pipec_compiler::format::{FormatError, format};
use pipec_compiler::{FileId, SourceDb, analyze, modules};
use support::{Run, project, workspace};

fn pipec(dir: &Path, args: &[&str]) -> Run {
    support::pipec(pipec_binary!(), dir, args)
}

/// Every `.pipe` file under the directories that hold them, sorted.
fn pipe_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "pipe") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    for dir in ["examples", "stdlib", "tests/fixtures", "compiler/tests"] {
        walk(&workspace().join(dir), &mut found);
    }
    found.sort();
    found
}

/// Formats a text, or `None` when it has syntax errors (the formatter refuses those).
fn formatted(text: &str) -> Option<String> {
    match format(FileId::default(), text) {
        Ok(formatted) => Some(formatted),
        Err(FormatError::Syntax(_)) => None,
        Err(FormatError::Internal(message)) => panic!("the formatter failed itself: {message}"),
    }
}

/// What checking a file comes to, without positions (formatting moves text) and without
/// the source hash (it hashes the text): the IR, the template documentation and every
/// diagnostic's code, message, labels' texts and help. Imported files are read formatted
/// too when `format_imports` is set, so a whole program is compared with a whole program.
fn meaning(path: &Path, text: &str, format_imports: bool) -> String {
    let mut db = SourceDb::new();
    db.add(path.to_str().expect("a UTF-8 path"), text);
    modules::load_imports(&mut db, &mut |path| {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        Ok(match format_imports {
            true => formatted(&text).unwrap_or(text),
            false => text,
        })
    });
    let analysis = analyze(&db);
    let diagnostics: Vec<_> = analysis
        .diagnostics
        .iter()
        .map(|d| {
            let labels: Vec<_> = std::iter::once(&d.primary)
                .chain(&d.secondary)
                .map(|label| &label.message)
                .collect();
            format!(
                "{:?} {} {labels:?} {:?} {:?}",
                d.code, d.message, d.help, d.notes
            )
        })
        .collect();
    let mut program = analysis.program.clone();
    for pipeline in &mut program.pipelines {
        pipeline.source_hash.clear();
    }
    without_spans(&format!(
        "{program:#?}\n{:#?}\n{diagnostics:#?}\n{:#?}",
        analysis.modules, analysis.let_types
    ))
}

/// A `Debug` rendering with every `Span { .. }` removed (spans hold no braces).
fn without_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find("Span {") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').expect("a span's closing brace");
        out.push_str("Span");
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    out
}

/// The comments of a text, in order, as written (the formatter only moves them).
fn comments(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_script = false;
    for line in text.lines() {
        if line.matches("\"\"\"").count() % 2 == 1 {
            in_script = !in_script;
            continue;
        }
        if in_script {
            continue;
        }
        // A `#` inside a string is not a comment: strings on one line hold an even number
        // of unescaped quotes before a real comment.
        let mut quotes = 0;
        let mut escaped = false;
        for (at, c) in line.char_indices() {
            match c {
                '\\' if !escaped => {
                    escaped = true;
                    continue;
                }
                '"' if !escaped => quotes += 1,
                '#' if quotes % 2 == 0 => {
                    found.push(line[at..].trim_end().to_owned());
                    break;
                }
                _ => {}
            }
            escaped = false;
        }
    }
    found
}

#[test]
fn formatting_keeps_the_meaning_and_the_comments_of_every_file_and_is_idempotent() {
    let files = pipe_files();
    assert!(files.len() > 150, "only {} .pipe files found", files.len());
    let (mut compared, mut refused) = (0, Vec::new());
    for path in &files {
        let shown = path.strip_prefix(workspace()).unwrap_or(path).display();
        // Cursor-marker fixtures hold a `$0` that is not `.pipe` syntax.
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{shown}: {e}"))
            .replace("$0", "");
        let Some(once) = formatted(&text) else {
            refused.push(shown.to_string());
            continue;
        };
        assert_eq!(
            formatted(&once).as_deref(),
            Some(once.as_str()),
            "{shown}: formatting twice changes the text"
        );
        assert_eq!(
            comments(&once),
            comments(&text),
            "{shown}: a comment was lost or changed"
        );
        assert!(
            meaning(path, &once, true) == meaning(path, &text, false),
            "{shown}: the formatted file checks to something else"
        );
        compared += 1;
    }
    // Only files with syntax errors are refused: the syntax fixtures and mid-edit texts.
    assert!(
        refused.len() < 40,
        "{} files refused: {refused:#?}",
        refused.len()
    );
    assert!(compared > 150, "only {compared} files compared");
}

/// The comparison is not blind: it sees a changed value, and not a moved one.
#[test]
fn meaning_tells_a_changed_value_from_changed_layout() {
    let path = workspace().join("ci.pipe");
    let moved = MESSY
        .replace("        runs_on", "runs_on")
        .replace("\n\n\n", "\n");
    let changed = MESSY.replace("cargo test", "cargo test --all");
    assert_eq!(meaning(&path, &moved, false), meaning(&path, MESSY, false));
    assert_ne!(
        meaning(&path, &changed, false),
        meaning(&path, MESSY, false)
    );
    assert_ne!(
        comments(&MESSY.replace("# the main", "# a main")),
        comments(MESSY)
    );
}

#[test]
fn the_examples_are_formatted() {
    let run = pipec(workspace(), &["fmt", "--check", "examples", "stdlib"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

const MESSY: &str = "pipeline ci {\n  on push {branches:[\"main\"]}   # the main branch\n\n\n\n  job test {\n        runs_on: \"ubuntu-latest\"\n    step \"Test\" { run: \"cargo test\" }\n  }\n}\n";

const TIDY: &str = "pipeline ci {\n  on push { branches: [\"main\"] } # the main branch\n\n  job test {\n    runs_on: \"ubuntu-latest\"\n    step \"Test\" { run: \"cargo test\" }\n  }\n}\n";

#[test]
fn check_reports_unformatted_files_with_a_diff_and_exits_1_without_writing() {
    let dir = project(&[("ci.pipe", MESSY), ("tidy.pipe", TIDY)]);
    let run = pipec(dir.path(), &["fmt", "--check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("-  on push {branches:[\"main\"]}   # the main branch"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("+  on push { branches: [\"main\"] } # the main branch"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("1 of 2 files not formatted: ci.pipe"),
        "{}",
        run.stderr
    );
    let on_disk = std::fs::read_to_string(dir.path().join("ci.pipe")).expect("ci.pipe");
    assert_eq!(on_disk, MESSY, "--check wrote the file");
}

#[test]
fn fmt_rewrites_only_files_that_change_and_then_check_passes() {
    let dir = project(&[("ci.pipe", MESSY), ("tidy.pipe", TIDY)]);
    let tidy = dir.path().join("tidy.pipe");
    let before = std::fs::metadata(&tidy)
        .and_then(|m| m.modified())
        .expect("mtime");
    let run = pipec(dir.path(), &["fmt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("ci.pipe"), "{}", run.stderr);
    let written = std::fs::read_to_string(dir.path().join("ci.pipe")).expect("ci.pipe");
    assert_eq!(written, TIDY);
    let after = std::fs::metadata(&tidy)
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(before, after, "an already formatted file was rewritten");
    let again = pipec(dir.path(), &["fmt", "--check"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
}

#[test]
fn a_file_with_syntax_errors_is_reported_and_left_alone_while_the_others_are_formatted() {
    let broken = "pipeline ci {\n  job test {\n    step \"Test\" { run: }\n  }\n}\n";
    let dir = project(&[("broken.pipe", broken), ("ci.pipe", MESSY)]);
    let run = pipec(dir.path(), &["fmt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("broken.pipe:3:"), "{}", run.stderr);
    assert!(run.stderr.contains("error[E0"), "{}", run.stderr);
    let left = std::fs::read_to_string(dir.path().join("broken.pipe")).expect("broken.pipe");
    assert_eq!(left, broken);
    let written = std::fs::read_to_string(dir.path().join("ci.pipe")).expect("ci.pipe");
    assert_eq!(written, TIDY);
}

#[test]
fn a_dash_formats_standard_input_to_standard_output() {
    let mut child = Command::new(pipec_binary!())
        .args(["fmt", "-"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pipec runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(MESSY.as_bytes())
        .expect("stdin written");
    let output = child.wait_with_output().expect("pipec exits");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), TIDY);
}

#[test]
fn a_path_that_does_not_exist_is_a_usage_error() {
    let dir = project(&[("ci.pipe", TIDY)]);
    let run = pipec(dir.path(), &["fmt", "missing.pipe"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("missing.pipe"), "{}", run.stderr);
}

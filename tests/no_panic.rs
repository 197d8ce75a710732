//! Robustness: hundreds of broken variants of every example and fixture must be analysed
//! (and, when error-free, compiled) without a panic or a hang, and every diagnostic must
//! point inside the file it is about.
//!
//! Mutants are made deterministically (a fixed-seed generator) from each `.pipe` file under
//! `examples/`, `tests/fixtures/` and `stdlib/`: lines deleted, duplicated and swapped, the text cut at
//! many offsets, and stray tokens inserted at random places.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use pipec_compiler::{SourceDb, analyze};

/// How long one mutant may take before the test calls it a hang. Debug builds on a loaded
/// two-core machine are slow; real runs take milliseconds.
const HANG_LIMIT: Duration = Duration::from_secs(20);

const MUTANTS_PER_FILE: usize = 240;

const TOKENS: &[&str] = &[
    "{",
    "}",
    "\"",
    "\"\"\"",
    "${{",
    "}}",
    "(",
    ")",
    "[",
    "]",
    ":",
    "=",
    "->",
    ",",
    "job x {",
    "step {",
    "when:",
    "&&",
    "||",
    "!",
    "`",
    "#",
    "\n",
    "é",
    "\\",
    "needs: [",
    "matrix {",
    "on push",
    "let a =",
    "0",
    "5x",
    "100%",
    "\t",
    "\u{0}",
    "import \"std/git\"\n",
    "template step t(a: string?) {",
    "step git.checkout(",
    "job j git.checkout()",
    "enum e {",
    "list(",
    "?",
    "output o: string\n",
];

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn pipe_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            pipe_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "pipe") {
            found.push(path);
        }
    }
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn mutants(text: &str, seed: u64) -> Vec<String> {
    let mut rng = Rng(seed | 1);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    while out.len() < MUTANTS_PER_FILE {
        let mutant = match rng.below(5) {
            0 if !lines.is_empty() => {
                let mut l = lines.clone();
                l.remove(rng.below(l.len()));
                l.join("\n")
            }
            1 if !lines.is_empty() => {
                let mut l = lines.clone();
                let i = rng.below(l.len());
                l.insert(i, l.get(i).copied().unwrap_or_default());
                l.join("\n")
            }
            2 if lines.len() > 1 => {
                let mut l = lines.clone();
                let i = rng.below(l.len() - 1);
                l.swap(i, i + 1);
                l.join("\n")
            }
            3 => text[..floor_boundary(text, rng.below(text.len() + 1))].to_string(),
            _ => {
                let mut mutated = text.to_string();
                for _ in 0..1 + rng.below(3) {
                    let at = floor_boundary(&mutated, rng.below(mutated.len() + 1));
                    let token = TOKENS
                        .get(rng.below(TOKENS.len()))
                        .copied()
                        .unwrap_or_default();
                    mutated.insert_str(at, token);
                }
                mutated
            }
        };
        out.push(mutant);
    }
    out
}

/// Analyses (and, when clean, compiles) one text; returns a description of what is wrong.
fn check_one(name: &str, text: &str) -> Option<String> {
    let mut db = SourceDb::new();
    db.add(name, text);
    // Standard library imports are resolved (labels may point into them); local ones fail.
    pipec_compiler::modules::load_imports(&mut db, &mut |path| {
        Err(format!("{path} is not available in this test"))
    });
    let analysis = analyze(&db);
    for diagnostic in &analysis.diagnostics {
        for label in std::iter::once(&diagnostic.primary).chain(&diagnostic.secondary) {
            let span = label.span;
            let source = db.text(span.file);
            let inside = db.get(span.file).is_some()
                && (span.end as usize) <= source.len()
                && source.is_char_boundary(span.start as usize)
                && source.is_char_boundary(span.end as usize);
            if !inside {
                return Some(format!(
                    "{:?} ({}) points outside the file: {span:?}",
                    diagnostic.code, diagnostic.message
                ));
            }
        }
    }
    if !analysis.has_errors() {
        let _ = pipec_targets::github::generate(&analysis.program);
    }
    None
}

#[test]
fn mutants_of_every_example_and_fixture_never_panic_hang_or_point_outside_the_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    pipe_files(&root.join("examples"), &mut files);
    pipe_files(&root.join("tests/fixtures"), &mut files);
    pipe_files(&root.join("stdlib"), &mut files);
    assert!(
        files.len() >= 10,
        "expected the examples and fixtures to be found, got {files:?}"
    );

    let mut inputs: Vec<(String, String)> = Vec::new();
    for (index, path) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).expect("readable fixture");
        let name = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        for (n, mutant) in mutants(&text, 0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1))
            .into_iter()
            .enumerate()
        {
            inputs.push((format!("{name}#mutant{n}"), mutant));
        }
    }
    let total = inputs.len();

    // The work runs on a thread of its own so that a hang is seen (as silence on the
    // channel) instead of blocking the test forever. A bigger stack than the test
    // harness's default keeps deep (but legal) nesting from being mistaken for a bug.
    let (progress, done) = mpsc::channel::<(String, Result<Option<String>, String>)>();
    let worker = std::thread::Builder::new()
        .stack_size(16 * 1024 * 1024)
        .spawn(move || {
            for (name, text) in inputs {
                let outcome =
                    std::panic::catch_unwind(|| check_one(&name, &text)).map_err(|panic| {
                        let message = panic
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
                            .unwrap_or_default();
                        format!("panicked: {message}\n--- input ---\n{text}")
                    });
                let outcome =
                    outcome.map(|o| o.map(|problem| format!("{problem}\n--- input ---\n{text}")));
                if progress.send((name, outcome)).is_err() {
                    return;
                }
            }
        })
        .expect("spawn worker");

    let mut failures = Vec::new();
    for _ in 0..total {
        match done.recv_timeout(HANG_LIMIT) {
            Ok((_, Ok(None))) => {}
            Ok((name, Ok(Some(problem)))) | Ok((name, Err(problem))) => {
                failures.push(format!("{name}: {problem}"))
            }
            Err(_) => panic!(
                "a mutant took longer than {HANG_LIMIT:?}: the compiler hangs (the last input reported is before it)"
            ),
        }
    }
    worker.join().expect("worker finished");
    assert!(
        failures.is_empty(),
        "{} of {total} mutants failed:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn pathological_inputs_are_diagnosed_not_crashed() {
    let cases = [
        "(".repeat(100_000),
        "{".repeat(100_000),
        format!("let x = {}", "!".repeat(50_000)),
        format!("let x = a{}", " && a".repeat(10_000)),
        "\"".repeat(10_001),
        "\"\"\"".to_string(),
        "pipeline p {".repeat(1000),
        "}".repeat(1000),
        String::from_utf8_lossy(&[0xff, 0xfe, 0x00, 0x41]).into_owned(),
        String::new(),
    ];
    for text in cases {
        let preview: String = text.chars().take(40).collect();
        let problem = std::thread::Builder::new()
            .stack_size(16 * 1024 * 1024)
            .spawn(move || check_one("pathological.pipe", &text))
            .expect("spawn")
            .join()
            .unwrap_or_else(|_| Some(format!("panicked on {preview:?}")));
        assert_eq!(problem, None);
    }
}

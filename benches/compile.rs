//! Benchmarks of the whole compiler: check and build of the largest example and of
//! generated pipelines, in process (criterion) and as whole `pipec` processes.
//!
//! Targets (see the README's performance section): a 1,000-job pipeline checks and builds
//! in under 100 ms with under 100 MB peak memory; `pipec check` on a 300-line file runs as
//! a whole process in under 10 ms. `scripts/bench.sh` also measures peak memory.
//!
//! With `PIPEC_BENCH_INPUTS=DIR` the bench only writes its generated inputs to DIR (for
//! `scripts/bench.sh`) and exits.

// A benchmark whose setup fails must stop loudly, like a test.
#![allow(clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};
use pipec_compiler::{SourceDb, analyze};

fn compile(name: &str, text: &str) -> usize {
    let mut db = SourceDb::new();
    db.add(name, text);
    let analysis = analyze(&db);
    assert!(
        !analysis.has_errors(),
        "benchmark input {name} has errors: {:?}",
        analysis.diagnostics.first()
    );
    let output = pipec_targets::github::generate(&analysis.program);
    output.files.iter().map(|f| f.contents.len()).sum()
}

fn largest_example() -> (String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut largest = (String::new(), String::new());
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "pipe") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                if text.len() > largest.1.len() {
                    largest = (path.display().to_string(), text);
                }
            }
        }
    }
    largest
}

fn benches(c: &mut Criterion) {
    let big = support::generate::pipeline(1000);
    let medium = support::generate::pipeline(16);
    if let Some(dir) = std::env::var_os("PIPEC_BENCH_INPUTS") {
        let dir = Path::new(&dir);
        std::fs::create_dir_all(dir).expect("create the inputs directory");
        std::fs::write(dir.join("jobs-1000.pipe"), &big).expect("write");
        std::fs::write(dir.join("lines-300.pipe"), &medium).expect("write");
        return;
    }
    let (example_name, example) = largest_example();
    assert!(!example.is_empty(), "no example found under examples/");

    let mut group = c.benchmark_group("in-process");
    group.bench_function("check+build largest example", |b| {
        b.iter(|| compile(&example_name, &example))
    });
    group.bench_function("check+build 1000 jobs", |b| {
        b.iter(|| compile("jobs-1000.pipe", &big))
    });
    group.finish();

    let dir = std::env::temp_dir().join(format!("pipec-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let medium_path = dir.join("lines-300.pipe");
    std::fs::write(&medium_path, &medium).expect("write");
    let mut group = c.benchmark_group("process");
    group.bench_function(
        format!("pipec check ({} lines)", medium.lines().count()),
        |b| {
            b.iter(|| {
                let status = Command::new(env!("CARGO_BIN_EXE_pipec"))
                    .arg("check")
                    .arg(&medium_path)
                    .status()
                    .expect("run pipec");
                assert!(status.success());
            })
        },
    );
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(compile_benches, benches);
criterion_main!(compile_benches);

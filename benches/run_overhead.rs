//! The scheduling overhead of `pipec run`: a 200-job pipeline of `true` steps, run one job
//! at a time and with every core, as whole `pipec run` processes. The runner records in
//! `run.json` how long the steps' processes took, from spawn to exit (the launcher `sh`
//! and what it starts); what the run took beyond that is the runner's own cost: compiling,
//! scheduling, threads, pipes, logs. Target: under 2 ms per job (issue 5). The generated
//! script's time is printed for comparison.
//!
//! `cargo bench --bench run_overhead`; set `PIPEC_BENCH_JOBS` for another pipeline size.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn pipeline(jobs: usize) -> String {
    let mut text = String::from("pipeline many {\n  on push\n");
    for n in 0..jobs {
        // A chain every tenth job: the scheduler also waits for needs.
        let needs = if n % 10 == 0 || n == 0 {
            String::new()
        } else {
            format!("    needs: [job-{}]\n", n - 1)
        };
        let _ = write!(
            text,
            "  job job-{n} {{\n{needs}    step {{ run: \"true\" }}\n  }}\n"
        );
    }
    text.push_str("}\n");
    text
}

fn run(binary: &Path, dir: &Path, parallel: &str, run_dir: &str) -> (f64, f64) {
    let started = Instant::now();
    let status = Command::new(binary)
        .args(["run", "many.pipe", "-j", parallel, "--run-dir", run_dir])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("pipec runs");
    let wall = started.elapsed().as_secs_f64() * 1000.0;
    assert!(status.success(), "pipec run failed");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(run_dir).join("run.json")).unwrap())
            .unwrap();
    (wall, record["process_ms"].as_f64().unwrap())
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: then check the
    // bench runs at all, on a small pipeline.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let jobs: usize = std::env::var("PIPEC_BENCH_JOBS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if benchmarking { 200 } else { 10 });
    let binary = Path::new(env!("CARGO_BIN_EXE_pipec"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("many.pipe"), pipeline(jobs)).unwrap();
    let cores = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .to_string();
    for (label, parallel) in [("-j 1", "1"), ("-j cores", cores.as_str())] {
        let mut best: Option<(f64, f64)> = None;
        for attempt in 0..3 {
            let (wall, process) = run(
                binary,
                dir.path(),
                parallel,
                &format!("run-{parallel}-{attempt}"),
            );
            if best.is_none_or(|(w, p)| wall - process < w - p) {
                best = Some((wall, process));
            }
        }
        let (wall, process) = best.unwrap();
        if parallel == "1" {
            let overhead = wall - process;
            println!(
                "pipec run, {jobs} jobs, {label}: {wall:.0} ms wall, {process:.0} ms in step processes, \
                 overhead {overhead:.0} ms = {:.2} ms per job",
                overhead / jobs as f64
            );
        } else {
            // The processes overlap: only the wall time per job means something.
            println!(
                "pipec run, {jobs} jobs, {label} ({parallel}): {wall:.0} ms wall = {:.2} ms per job",
                wall / jobs as f64
            );
        }
    }
    let build = Command::new(binary)
        .args(["build", "many.pipe", "--target", "shell", "--out", "."])
        .current_dir(dir.path())
        .output()
        .expect("pipec builds");
    assert!(build.status.success());
    let started = Instant::now();
    let status = Command::new(dir.path().join("many.sh"))
        .args(["-j", "1", "--run-dir", "script-run"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("the script runs");
    assert!(status.success());
    println!(
        "generated script, {jobs} jobs, -j 1: {:.0} ms wall ({:.1} ms per job)",
        started.elapsed().as_secs_f64() * 1000.0,
        started.elapsed().as_secs_f64() * 1000.0 / jobs as f64
    );
}

//! The language server's latency on a generated 5,000-line pipeline (issue 6): the time
//! from a changed text to its diagnostics (the server-side analysis, no debounce), the
//! parse each change costs, and completion requests on that parse and on its analysis,
//! in process through the compiler's `ide` module that `pipec lsp` calls; then the same
//! change through the real server over stdio, didChange to publishDiagnostics (which
//! waits out the debounce first).
//! Aims: under 20 ms and 10 ms, server side.
//!
//! `cargo bench --bench lsp`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pipec_compiler::ide;

/// A generated pipeline of at least `lines` lines.
fn text(lines: usize) -> String {
    let mut jobs = 8;
    loop {
        let text = support::generate::pipeline(jobs);
        if text.lines().count() >= lines {
            return text;
        }
        jobs += 8;
    }
}

/// The best of `runs` timings of `f`: what the machine can do, without scheduler noise.
fn best(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .min()
        .unwrap()
}

/// The best of `runs` timings of `f` on a new document of `text` that has been parsed
/// but not analysed: a request right after a change, before its diagnostics.
fn best_on_new_parse(runs: usize, text: &str, mut f: impl FnMut(&ide::Document)) -> Duration {
    (0..runs)
        .map(|_| {
            let document = ide::Document::new("bench.pipe", text.to_owned());
            ide::symbols(&document);
            let started = Instant::now();
            f(&document);
            started.elapsed()
        })
        .min()
        .unwrap()
}

fn main() {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let runs = if benchmarking { 20 } else { 1 };
    let text = text(if benchmarking { 5_000 } else { 500 });
    let lines = text.lines().count();
    let mut read = |path: &str| Err(format!("{path}: not read in the benchmark"));
    let diagnostics = best(runs, || {
        let document = ide::Document::new("bench.pipe", text.clone());
        let found = ide::diagnostics(&document, &mut read);
        assert!(
            found.is_empty(),
            "the generated pipeline has problems: {found:?}"
        );
    });
    // The server parses a text once per change, then answers requests from that parse.
    let parse = best(runs, || {
        ide::symbols(&ide::Document::new("bench.pipe", text.clone()));
    });
    let document = ide::Document::new("bench.pipe", text.clone());
    ide::symbols(&document);
    // Completing a `needs` list: the job names of the pipeline, from the parse.
    let at = text.rfind("needs: [").unwrap() + "needs: [".len();
    let completion = best(runs, || {
        let items = ide::completion(&document, at, &mut read);
        assert!(!items.is_empty());
    });
    // Completing the template after `step`, which reads the templates' documentation
    // from the checker's analysis: first of a change (the request runs the analysis), then
    // once the change's diagnostics have made it.
    let imported = format!("import \"std/git\"\n{text}");
    let at = imported.find("    step {").unwrap() + "    step ".len();
    let templates = |document: &ide::Document, read: &mut dyn FnMut(&str) -> _| {
        let items = ide::completion(document, at, read);
        assert!(items.iter().any(|item| item.label == "git.checkout"));
    };
    let first_template_completion = best_on_new_parse(runs, &imported, |document| {
        templates(document, &mut read);
    });
    let analysed = ide::Document::new("bench.pipe", imported.clone());
    ide::symbols(&analysed);
    ide::diagnostics(&analysed, &mut read);
    let template_completion = best(runs, || templates(&analysed, &mut read));
    let symbols = best(runs, || {
        assert!(!ide::symbols(&document).is_empty());
    });
    // The whole-document requests an editor sends after each change.
    let tokens = best(runs, || {
        assert!(!ide::semantic_tokens(&document).is_empty());
    });
    let folding = best(runs, || {
        assert!(!ide::folding_ranges(&document).is_empty());
    });
    // Formatting a formatted document (format on save), then one with a blank line too
    // many between each item, which the formatter removes and then verifies.
    let formatting = best(runs, || {
        assert_eq!(ide::formatting(&document), Some(Vec::new()));
    });
    let loose = ide::Document::new("bench.pipe", text.replace("\n\n", "\n\n\n"));
    ide::symbols(&loose);
    let reformatting = best(runs, || {
        assert_eq!(ide::formatting(&loose).map(|edits| edits.len()), Some(1));
    });
    let everywhere = ide::Range {
        start: ide::Position::default(),
        end: ide::LineIndex::new(&text).position(text.len()),
    };
    // Hints read the analysis too: the first request after a change runs it.
    let hints = best_on_new_parse(runs, &text, |document| {
        ide::inlay_hints(document, everywhere, &mut read);
    });
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "ide, {lines} lines: diagnostics {:.1} ms, parse for requests {:.1} ms, completion in needs {:.2} ms, outline {:.2} ms",
        ms(diagnostics),
        ms(parse),
        ms(completion),
        ms(symbols)
    );
    println!(
        "ide, {lines} lines: semantic tokens {:.1} ms, folding {:.1} ms, formatting {:.1} ms ({:.1} ms with changes), inlay hints {:.1} ms",
        ms(tokens),
        ms(folding),
        ms(formatting),
        ms(reformatting),
        ms(hints)
    );
    println!(
        "ide, {lines} lines: completion of templates after `step` {:.1} ms on a change's first request, {:.3} ms after its diagnostics",
        ms(first_template_completion),
        ms(template_completion)
    );
    println!(
        "pipec lsp over stdio, {lines} lines: didChange -> publishDiagnostics {:.1} ms, of which {:.0} ms is the debounce",
        ms(over_stdio(&text, runs)),
        ms(pipec_lsp::DEBOUNCE)
    );
}

/// didChange to publishDiagnostics through the real server, best of `runs` changes.
fn over_stdio(text: &str, runs: usize) -> Duration {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pipec"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pipec lsp starts");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut send = |message: serde_json::Value| {
        let body = message.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    };
    let mut receive = || -> serde_json::Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    };
    let uri = "file:///bench/bench.pipe";
    send(
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"processId": null, "rootUri": null, "capabilities": {}}}),
    );
    while receive()["id"] != 1 {}
    send(
        serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params":
        {"textDocument": {"uri": uri, "languageId": "pipe", "version": 1, "text": text}}}),
    );
    let wait_for = |version: i64, receive: &mut dyn FnMut() -> serde_json::Value| loop {
        let message = receive();
        if message["method"] == "textDocument/publishDiagnostics"
            && message["params"]["version"] == version
        {
            return;
        }
    };
    wait_for(1, &mut receive);
    let mut fastest = Duration::MAX;
    for version in 2..2 + runs as i64 {
        let started = Instant::now();
        send(
            serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params":
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}}),
        );
        wait_for(version, &mut receive);
        fastest = fastest.min(started.elapsed());
    }
    let _ = child.kill();
    let _ = child.wait();
    fastest
}

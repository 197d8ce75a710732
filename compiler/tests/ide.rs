//! Cursor-marker snapshots of the editor requests (lsp-anchors.md §8, layer 1): every
//! `tests/ide/<request>/<name>.pipe` holds one `$0`, the cursor; the harness removes it,
//! asks the `ide` module the request the directory names at that place, and snapshots the
//! answer, with ranges drawn under the source lines they cover. A `.pipe` file without a
//! `$0` is a module the fixtures import, never a fixture.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fmt::Write as _;
use std::path::Path;

use pipec_compiler::ide::{self, Document, LineIndex, Range};

const CURSOR: &str = "$0";

/// A fixture: its path, its text without the marker and the marker's byte offset.
struct Fixture {
    path: String,
    text: String,
    offset: usize,
}

fn fixture(path: &Path) -> Option<Fixture> {
    let marked = std::fs::read_to_string(path).unwrap();
    let offset = marked.find(CURSOR)?;
    assert_eq!(
        marked.matches(CURSOR).count(),
        1,
        "{}: one cursor per fixture",
        path.display()
    );
    Some(Fixture {
        path: path.to_str().unwrap().to_owned(),
        text: marked.replacen(CURSOR, "", 1),
        offset,
    })
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

/// The source lines a set of ranges touch, each followed by a line of `^` under its
/// range and the range's label.
pub fn draw(text: &str, ranges: &[(Range, String)]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    for (range, label) in ranges {
        for line in range.start.line..=range.end.line {
            let Some(source) = lines.get(line as usize) else {
                continue;
            };
            let width = source.encode_utf16().count() as u32;
            let from = if line == range.start.line {
                range.start.character
            } else {
                0
            };
            let to = if line == range.end.line {
                range.end.character
            } else {
                width
            };
            writeln!(out, "{:>3} | {source}", line + 1).unwrap();
            let marks = "^".repeat(to.saturating_sub(from).max(1) as usize);
            let label = if line == range.end.line {
                format!(" {label}")
            } else {
                String::new()
            };
            writeln!(out, "    | {}{marks}{label}", " ".repeat(from as usize)).unwrap();
        }
    }
    out
}

/// The answer to the request a fixture's directory names, as the snapshot shows it.
fn answer(request: &str, fixture: &Fixture) -> String {
    let document = Document::new(fixture.text.clone());
    let mut read = read;
    match request {
        "hover" => ide::hover(&fixture.path, &document, fixture.offset, &mut read)
            .unwrap_or_else(|| "(no hover)".into()),
        "completion" => {
            let items = ide::completion(&fixture.path, &document, fixture.offset, &mut read);
            let mut out = String::new();
            for item in items {
                let detail = item.detail.map(|d| format!("  {d}")).unwrap_or_default();
                writeln!(out, "{:?} {}{detail}", item.kind, item.label).unwrap();
            }
            if out.is_empty() {
                out.push_str("(no completions)\n");
            }
            out
        }
        "definition" => match ide::definition(&document, fixture.offset) {
            Some(range) => draw(&fixture.text, &[(range, "definition".into())]),
            None => "(no definition)\n".into(),
        },
        other => panic!("tests/ide/{other}: no such request in the harness"),
    }
}

#[test]
fn cursor_fixtures() {
    insta::glob!("ide/*/*.pipe", |path| {
        let Some(fixture) = fixture(path) else {
            return;
        };
        let request = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        let index = LineIndex::new(&fixture.text);
        let cursor = index.position(fixture.offset);
        let header = draw(
            &fixture.text,
            &[(
                Range {
                    start: cursor,
                    end: cursor,
                },
                "cursor".into(),
            )],
        );
        insta::assert_snapshot!(format!("{header}\n{}", answer(request, &fixture)));
    });
}

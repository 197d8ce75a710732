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

/// A file as the requests read it: a fixture without its cursor, which a fixture that
/// renames a module's template imports.
fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map(|text| text.replacen(CURSOR, "", 1))
        .map_err(|e| e.to_string())
}

/// The workspace of a fixture: every `.pipe` file of its directory, sorted.
fn workspace(fixture: &Fixture) -> Vec<String> {
    let directory = Path::new(&fixture.path).parent().unwrap();
    let mut files: Vec<String> = std::fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "pipe"))
        .map(|path| path.to_str().unwrap().to_owned())
        .collect();
    files.sort();
    files
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
    let document = Document::new(fixture.path.clone(), fixture.text.clone());
    let mut read = read;
    match request {
        "hover" => {
            ide::hover(&document, fixture.offset, &mut read).unwrap_or_else(|| "(no hover)".into())
        }
        "completion" => {
            let items = ide::completion(&document, fixture.offset, &mut read);
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
        "definition" => match ide::definition(&document, fixture.offset, &mut read) {
            Some(location) => draw_locations(fixture, &[(location, "definition".into())]),
            None => "(no definition)\n".into(),
        },
        "references" => {
            let found = ide::references(
                &document,
                fixture.offset,
                true,
                &workspace(fixture),
                &mut read,
            );
            let labelled: Vec<_> = found.into_iter().map(|l| (l, "reference".into())).collect();
            if labelled.is_empty() {
                return "(no references)\n".into();
            }
            draw_locations(fixture, &labelled)
        }
        "links" => {
            let found: Vec<_> = ide::document_links(&document)
                .into_iter()
                .map(|link| {
                    let target = match link.target {
                        ide::LinkTarget::File(path) => format!("file {}", beside(fixture, &path)),
                        ide::LinkTarget::Url(url) => url,
                    };
                    (link.range, target)
                })
                .collect();
            draw(&fixture.text, &found)
        }
        "highlights" => {
            let found: Vec<_> = ide::document_highlights(&document, fixture.offset)
                .into_iter()
                .map(|(range, declaration)| {
                    let label = if declaration { "declaration" } else { "use" };
                    (range, label.to_string())
                })
                .collect();
            if found.is_empty() {
                return "(nothing to highlight)\n".into();
            }
            draw(&fixture.text, &found)
        }
        "rename" => rename(fixture, &document),
        // Whole-document requests: the cursor is left at the start and not read.
        "folding" => folding(&fixture.text, &document),
        "tokens" => tokens(&fixture.text, &document),
        "hints" => hints(fixture, &document),
        "signature" => signature(fixture, &document),
        other => panic!("tests/ide/{other}: no such request in the harness"),
    }
}

/// A file of the fixture's directory by its name there: snapshots do not hold the
/// machine's paths.
fn beside(fixture: &Fixture, path: &str) -> String {
    let directory = Path::new(&fixture.path).parent().unwrap();
    let name = Path::new(path).strip_prefix(directory).unwrap();
    name.display().to_string()
}

/// Ranges drawn under the lines of the files they are in, each file under its name
/// (relative to the fixture) unless it is the fixture itself.
fn draw_locations(fixture: &Fixture, locations: &[(ide::Location, String)]) -> String {
    let mut out = String::new();
    let mut shown = fixture.path.as_str();
    for (location, label) in locations {
        if location.path != shown {
            writeln!(out, "--- {}", beside(fixture, &location.path)).unwrap();
            shown = &location.path;
        }
        let text = if location.path == fixture.path {
            fixture.text.clone()
        } else {
            read(&location.path).unwrap()
        };
        out.push_str(&draw(&text, &[(location.range, label.clone())]));
    }
    out
}

/// Each fold as its 1-based lines and kind, with the source lines it starts and ends on.
fn folding(text: &str, document: &Document) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    for fold in ide::folding_ranges(document) {
        let (first, last) = (fold.start_line as usize, fold.end_line as usize);
        let kind = fold.kind.map(|k| format!(" {k:?}")).unwrap_or_default();
        writeln!(out, "lines {}-{}{kind}", first + 1, last + 1).unwrap();
        writeln!(out, "{:>3} | {}", first + 1, lines[first]).unwrap();
        writeln!(out, "{:>3} | {}", last + 1, lines[last]).unwrap();
    }
    if out.is_empty() {
        out.push_str("(no folds)\n");
    }
    out
}

/// Each source line, then its tokens: UTF-16 columns, type, modifiers and the text the
/// columns select (so a wrong column shows as wrong text).
fn tokens(text: &str, document: &Document) -> String {
    let index = LineIndex::new(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut shown = None;
    for token in ide::semantic_tokens(document) {
        if shown != Some(token.line) {
            let source = lines[token.line as usize];
            writeln!(out, "{:>3} | {source}", token.line + 1).unwrap();
            shown = Some(token.line);
        }
        let at = |character| ide::Position {
            line: token.line,
            character,
        };
        let end = token.start + token.length;
        let written = &text[index.offset(at(token.start))..index.offset(at(end))];
        let modifiers: Vec<&str> = ide::TOKEN_MODIFIERS
            .iter()
            .enumerate()
            .filter(|(bit, _)| token.modifiers & (1 << bit) != 0)
            .map(|(_, name)| *name)
            .collect();
        let modifiers = if modifiers.is_empty() {
            String::new()
        } else {
            format!(" [{}]", modifiers.join(", "))
        };
        writeln!(
            out,
            "      {}-{end} {}{modifiers} {written:?}",
            token.start,
            token.token_type.name()
        )
        .unwrap();
    }
    out
}

/// The whole document's inlay hints, each drawn at its position with its kind and label.
fn hints(fixture: &Fixture, document: &Document) -> String {
    let index = LineIndex::new(&fixture.text);
    let whole = Range {
        start: index.position(0),
        end: index.position(fixture.text.len()),
    };
    let mut read = read;
    let found = ide::inlay_hints(document, whole, &mut read);
    let drawn: Vec<_> = found
        .into_iter()
        .map(|hint| {
            let at = Range {
                start: hint.position,
                end: hint.position,
            };
            (at, format!("{:?} {:?}", hint.kind, hint.label))
        })
        .collect();
    if drawn.is_empty() {
        return "(no hints)\n".into();
    }
    draw(&fixture.text, &drawn)
}

/// The signature at the cursor: its label with the active parameter underlined, the
/// template's doc, then each parameter as its label range selects it, with its doc.
fn signature(fixture: &Fixture, document: &Document) -> String {
    let mut read = read;
    let Some(help) = ide::signature_help(document, fixture.offset, &mut read) else {
        return "(no signature help)\n".into();
    };
    let units: Vec<u16> = help.label.encode_utf16().collect();
    let selected = |(start, end): (u32, u32)| {
        String::from_utf16(&units[start as usize..end as usize]).unwrap()
    };
    let mut out = format!("{}\n", help.label);
    let active = help.active_parameter.and_then(|i| help.parameters.get(i));
    match active {
        Some(param) => {
            let (start, end) = param.label;
            let marks = "^".repeat((end - start) as usize);
            writeln!(out, "{}{marks} active", " ".repeat(start as usize)).unwrap();
        }
        None => writeln!(out, "(no active parameter)").unwrap(),
    }
    if let Some(doc) = &help.doc {
        writeln!(out, "\n{doc}").unwrap();
    }
    writeln!(out).unwrap();
    for param in &help.parameters {
        let doc = param
            .doc
            .as_deref()
            .map(|d| format!(" — {d}"))
            .unwrap_or_default();
        writeln!(out, "{}{doc}", selected(param.label)).unwrap();
    }
    out
}

/// A rename to the name the fixture's first line gives (`# rename: deploy_prod`): each
/// file the edits change with the edits applied (the fixture first, each other file under
/// its name), or why the rename is refused. `prepare_rename` names what would change.
fn rename(fixture: &Fixture, document: &Document) -> String {
    let first_line = fixture.text.lines().next().unwrap();
    let new_name = first_line
        .strip_prefix("# rename: ")
        .expect("a rename fixture starts with `# rename: <new name>`");
    let mut out = match ide::prepare_rename(document, fixture.offset) {
        Some(range) => draw(&fixture.text, &[(range, "renamed".into())]),
        None => "(nothing to rename here)\n".into(),
    };
    let mut read = read;
    let workspace = workspace(fixture);
    let edits = match ide::rename(document, fixture.offset, new_name, &workspace, &mut read) {
        Ok(edits) => edits,
        Err(message) => {
            writeln!(out, "\nrefused: {message}").unwrap();
            return out;
        }
    };
    writeln!(out, "\n{} edits:", edits.len()).unwrap();
    let mut files: Vec<&str> = edits.iter().map(|(l, _)| l.path.as_str()).collect();
    files.sort_by_key(|path| (*path != fixture.path, *path));
    files.dedup();
    for file in files {
        let mut renamed = if file == fixture.path {
            fixture.text.clone()
        } else {
            writeln!(out, "--- {}", beside(fixture, file)).unwrap();
            read(file).unwrap()
        };
        let index = LineIndex::new(&renamed);
        let mut offsets: Vec<_> = edits
            .iter()
            .filter(|(location, _)| location.path == file)
            .map(|(location, text)| {
                let start = index.offset(location.range.start);
                (start..index.offset(location.range.end), text)
            })
            .collect();
        offsets.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
        for (range, text) in offsets {
            renamed.replace_range(range, text);
        }
        writeln!(out, "{renamed}").unwrap();
    }
    out
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

/// Every cut of a file is a file being typed: the name requests answer at the start, the
/// middle and the end of each without panicking (the harness would stop here).
#[test]
fn name_requests_survive_every_cut_of_a_file() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ide/references/job-from-needs.pipe");
    let whole = std::fs::read_to_string(&path)
        .unwrap()
        .replacen(CURSOR, "", 1);
    let path = path.to_str().unwrap();
    let mut read = read;
    for cut in (0..=whole.len()).filter(|at| whole.is_char_boundary(*at)) {
        let document = Document::new(path, whole[..cut].to_owned());
        for offset in [0, cut / 2, cut] {
            ide::definition(&document, offset, &mut read);
            ide::references(&document, offset, true, &[], &mut read);
            ide::prepare_rename(&document, offset);
        }
        // A rename runs the checker twice: once per cut is enough.
        let _ = ide::rename(&document, cut / 2, "renamed", &[], &mut read);
    }
}

/// A workspace file that cannot be read may import the module: the rename is refused,
/// not done in the files that could be read.
#[test]
fn a_rename_is_refused_when_a_workspace_file_cannot_be_read() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ide/rename/lib.pipe");
    let path = path.to_str().unwrap();
    let document = Document::new(path, read(path).unwrap());
    let offset = document.text().find("step build").unwrap() + "step ".len();
    let missing = path.replace("lib.pipe", "missing.pipe");
    let mut read = read;
    let refused = ide::rename(&document, offset, "compile", &[missing], &mut read).unwrap_err();
    assert!(
        refused.starts_with("cannot read `./missing.pipe`, which may declare or use `build`: "),
        "{refused}"
    );
}

/// Every cut of a file is a file being typed: folding, semantic tokens and links answer
/// for each without panicking, and well formed; and for each module of the standard
/// library.
#[test]
fn whole_document_requests_survive_every_cut_of_a_file() {
    for fixture in [
        "tests/ide/tokens/pipeline.pipe",
        "tests/ide/folding/pipeline.pipe",
        "tests/ide/links/imports-and-actions.pipe",
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture);
        let whole = std::fs::read_to_string(&path)
            .unwrap()
            .replacen(CURSOR, "", 1);
        for cut in (0..=whole.len()).filter(|at| whole.is_char_boundary(*at)) {
            whole_document_answers(&format!("{fixture} cut at {cut}"), &whole[..cut]);
        }
    }
    for name in pipec_compiler::modules::stdlib_names() {
        let text = pipec_compiler::modules::stdlib_text(name).unwrap();
        whole_document_answers(&format!("std/{name}"), text);
    }
}

/// Tokens come in document order, apart, inside their line and never empty; folds are
/// inside the text, each over more than one line; links are inside their line.
fn whole_document_answers(label: &str, text: &str) {
    let document = Document::new(label, text.to_owned());
    let lines: Vec<&str> = text.split('\n').collect();
    let mut previous = (0, 0);
    for token in ide::semantic_tokens(&document) {
        let width = lines[token.line as usize].encode_utf16().count() as u32;
        let end = token.start + token.length;
        assert!(token.length > 0, "{label}: an empty token");
        assert!(end <= width, "{label}: {token:?} leaves its line");
        assert!(
            (token.line, token.start) >= previous,
            "{label}: {token:?} overlaps the token before it"
        );
        previous = (token.line, end);
    }
    for fold in ide::folding_ranges(&document) {
        assert!(fold.start_line < fold.end_line, "{label}: {fold:?}");
        assert!((fold.end_line as usize) < lines.len(), "{label}: {fold:?}");
    }
    for link in ide::document_links(&document) {
        let (start, end) = (link.range.start, link.range.end);
        assert!(start.line == end.line && start <= end, "{label}: {link:?}");
        let width = lines[end.line as usize].encode_utf16().count() as u32;
        assert!(end.character <= width, "{label}: {link:?} leaves its line");
    }
}

/// Every cut of a file is a call or a schedule being typed: signature help answers at the
/// start, the middle and the end of each cut, and the inlay hints of every fifth cut (they
/// run the checker), without panicking and within their text.
#[test]
fn signature_help_and_hints_survive_every_cut_of_a_file() {
    let mut read = read;
    for fixture in [
        "tests/ide/signature/unclosed-call.pipe",
        "tests/ide/signature/imported-template.pipe",
        "tests/ide/signature/stdlib-template.pipe",
        "tests/ide/hints/let-types.pipe",
        "tests/ide/hints/several-crons.pipe",
        "tests/ide/hints/non-ascii.pipe",
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture);
        let whole = std::fs::read_to_string(&path)
            .unwrap()
            .replacen(CURSOR, "", 1);
        let path = path.to_str().unwrap();
        let cuts: Vec<usize> = (0..=whole.len())
            .filter(|at| whole.is_char_boundary(*at))
            .collect();
        for (nth, &cut) in cuts.iter().enumerate() {
            let text = &whole[..cut];
            let document = Document::new(path, text.to_owned());
            for offset in [0, cut / 2, cut] {
                let Some(help) = ide::signature_help(&document, offset, &mut read) else {
                    continue;
                };
                let width = help.label.encode_utf16().count() as u32;
                assert!(
                    help.parameters
                        .iter()
                        .all(|p| p.label.0 <= p.label.1 && p.label.1 <= width),
                    "{fixture} cut at {cut}: {help:?}"
                );
                assert!(
                    help.active_parameter
                        .is_none_or(|i| i < help.parameters.len()),
                    "{fixture} cut at {cut}: {help:?}"
                );
            }
            if nth % 5 != 0 {
                continue;
            }
            let index = LineIndex::new(text);
            let whole_text = Range {
                start: index.position(0),
                end: index.position(text.len()),
            };
            let lines: Vec<&str> = text.split('\n').collect();
            for hint in ide::inlay_hints(&document, whole_text, &mut read) {
                let line = lines[hint.position.line as usize];
                assert!(
                    hint.position.character as usize <= line.encode_utf16().count(),
                    "{fixture} cut at {cut}: {hint:?}"
                );
            }
        }
    }
}

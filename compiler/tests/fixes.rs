//! Golden fix-it files (lsp-anchors.md §8, layer 2): every `tests/fixes/<name>.pipe` is
//! checked, the quick fixes its first line names (`# fix: <title>`), or its only one, are
//! applied, and the result must equal `<name>.golden.pipe` and check without the
//! diagnostics those fixes were for. `PIPEC_UPDATE_FIXES=1` writes the golden files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use pipec_compiler::ide::{self, LineIndex, Position, Range};

const GOLDEN: &str = ".golden.pipe";

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

/// The text with the fixes named by its first line applied, and the codes they fix.
fn apply_fixes(path: &str, text: &str) -> (String, Vec<&'static str>) {
    let everywhere = Range {
        start: Position::default(),
        end: LineIndex::new(text).position(text.len()),
    };
    let document = ide::Document::new(path, text.to_owned());
    let actions = ide::code_actions(&document, everywhere, &mut read);
    let chosen: Vec<_> = match text.lines().next().and_then(|l| l.strip_prefix("# fix: ")) {
        Some(title) => actions.iter().filter(|a| a.title == title).collect(),
        None => actions.iter().collect(),
    };
    let titles: Vec<&str> = actions.iter().map(|a| a.title.as_str()).collect();
    assert!(
        !chosen.is_empty() && (chosen.len() == 1 || text.starts_with("# fix: ")),
        "{path}: name one of the quick fixes with `# fix: <title>`; there are {titles:?}"
    );
    let index = LineIndex::new(text);
    let mut edits: Vec<(std::ops::Range<usize>, &str)> = chosen
        .iter()
        .flat_map(|action| &action.edits)
        .map(|(range, new_text)| {
            (
                index.offset(range.start)..index.offset(range.end),
                new_text.as_str(),
            )
        })
        .collect();
    edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    let mut fixed = text.to_owned();
    let mut end_of_next = usize::MAX;
    for (range, new_text) in edits {
        assert!(range.end <= end_of_next, "{path}: the fixes' edits overlap");
        end_of_next = range.start;
        fixed.replace_range(range, new_text);
    }
    let codes = chosen.iter().map(|action| action.diagnostic.code).collect();
    (fixed, codes)
}

#[test]
fn golden_fixes() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixes");
    let mut fixtures: Vec<_> = std::fs::read_dir(&directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.to_str().unwrap();
            name.ends_with(".pipe") && !name.ends_with(GOLDEN)
        })
        .collect();
    fixtures.sort();
    assert!(
        !fixtures.is_empty(),
        "no fixtures in {}",
        directory.display()
    );
    for fixture in fixtures {
        let path = fixture.to_str().unwrap();
        let text = read(path).unwrap();
        let (fixed, codes) = apply_fixes(path, &text);
        let golden_path = path.replace(".pipe", GOLDEN);
        if std::env::var_os("PIPEC_UPDATE_FIXES").is_some() {
            std::fs::write(&golden_path, &fixed).unwrap();
        }
        let golden = read(&golden_path)
            .unwrap_or_else(|e| panic!("{golden_path}: {e} (PIPEC_UPDATE_FIXES=1 writes it)"));
        assert_eq!(
            fixed, golden,
            "{path}: the fixed text differs from {golden_path}"
        );
        let remaining = ide::diagnostics(
            &ide::Document::new(golden_path.as_str(), golden.clone()),
            &mut read,
        );
        for code in codes {
            let still: Vec<&str> = remaining
                .iter()
                .filter(|d| d.code == code)
                .map(|d| d.message.as_str())
                .collect();
            assert!(still.is_empty(), "{golden_path}: still {code}: {still:?}");
        }
    }
}

//! The formatting request: `pipec fmt`'s layout as one edit that replaces only the lines
//! that change, so an editor keeps the cursor, the folds and the undo history of the rest.

use super::{Document, LineIndex, Range};
use crate::format::format_parsed;

/// The edit that formats the document: none when it is formatted already; `None` when
/// it has syntax errors (the formatter refuses those; the diagnostics say why).
pub fn formatting(document: &Document) -> Option<Vec<(Range, String)>> {
    let text = document.text();
    let formatted = format_parsed(document.parsed(), text).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    let (start, end, replacement) = changed_lines(text, &formatted);
    let index = LineIndex::new(text);
    Some(vec![(
        index.range(as_u32(start), as_u32(end)),
        replacement.to_owned(),
    )])
}

fn as_u32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// The byte range of `old` that differs from `new`, widened to whole lines, and the text
/// of `new` that replaces it.
fn changed_lines<'a>(old: &str, new: &'a str) -> (usize, usize, &'a str) {
    let prefix = common_line_prefix(old.as_bytes(), new.as_bytes());
    let suffix = common_line_suffix(
        old.as_bytes().get(prefix..).unwrap_or_default(),
        new.as_bytes().get(prefix..).unwrap_or_default(),
    );
    let replacement = new.get(prefix..new.len() - suffix).unwrap_or_default();
    (prefix, old.len() - suffix, replacement)
}

/// The length of the longest run of whole lines (each ending in `\n`) both texts start with.
fn common_line_prefix(old: &[u8], new: &[u8]) -> usize {
    let same = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    old.get(..same)
        .and_then(|common| common.iter().rposition(|&b| b == b'\n'))
        .map_or(0, |newline| newline + 1)
}

/// The length of the longest run of whole lines both texts end with, each preceded by a
/// `\n` of its own (so the prefix and the suffix never share a line).
fn common_line_suffix(old: &[u8], new: &[u8]) -> usize {
    let same = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (old_start, new_start) = (old.len() - same, new.len() - same);
    let common = old.get(old_start..).unwrap_or_default();
    // The suffix starts after a newline that both texts hold before it.
    let at_line_start =
        |text: &[u8], start: usize| start == 0 || text.get(start - 1) == Some(&b'\n');
    if at_line_start(old, old_start) && at_line_start(new, new_start) {
        return same;
    }
    common
        .iter()
        .position(|&b| b == b'\n')
        .map_or(0, |newline| same - newline - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::format;
    use crate::span::FileId;

    fn apply(text: &str) -> String {
        let document = Document::new("test.pipe", text.to_owned());
        let edits = formatting(&document).expect("formattable");
        let index = LineIndex::new(text);
        let mut out = text.to_owned();
        for (range, replacement) in edits.iter().rev() {
            out.replace_range(
                index.offset(range.start)..index.offset(range.end),
                replacement,
            );
        }
        out
    }

    #[test]
    fn the_edit_replaces_only_the_lines_that_change() {
        let text = "pipeline ci {\n  on push {}\n\n\n  job a {\n        runs_on: \"x\"\n  }\n}\n";
        let document = Document::new("test.pipe", text.to_owned());
        let edits = formatting(&document).expect("formattable");
        let [(range, replacement)] = edits.as_slice() else {
            panic!("one edit expected: {edits:?}");
        };
        // Line 2 is the blank line that stays; line 3, the one removed, starts the edit.
        assert_eq!((range.start.line, range.start.character), (3, 0));
        assert_eq!((range.end.line, range.end.character), (6, 0));
        assert_eq!(replacement, "  job a {\n    runs_on: \"x\"\n");
        assert_eq!(
            apply(text),
            format(FileId::default(), text).expect("formats")
        );
    }

    #[test]
    fn a_formatted_document_needs_no_edit_and_a_broken_one_gets_none() {
        let tidy = "pipeline ci {\n  on push {}\n}\n";
        assert_eq!(
            formatting(&Document::new("test.pipe", tidy.into())),
            Some(Vec::new())
        );
        assert_eq!(
            formatting(&Document::new("test.pipe", "pipeline ci {".into())),
            None
        );
    }

    #[test]
    fn changed_lines_handle_edits_at_either_end() {
        for (old, new) in [
            ("a\nb\n", "x\nb\n"),
            ("a\nb\n", "a\nx\n"),
            ("a\nb", "a\nb\n"),
            ("a\n\n\nb\n", "a\n\nb\n"),
            ("b\n", "a\nb\n"),
            ("é\n", "é\n\n"),
        ] {
            let (start, end, replacement) = changed_lines(old, new);
            let mut applied = old.to_owned();
            applied.replace_range(start..end, replacement);
            assert_eq!(applied, new, "{old:?} -> {new:?}");
            assert!(start == 0 || old.as_bytes()[start - 1] == b'\n', "{old:?}");
        }
    }
}

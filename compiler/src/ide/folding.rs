//! Folding ranges: every item, list, call and `"""` script written across lines, and runs
//! of comment lines and of imports, from the error-tolerant parse. Lines are 0-based; a
//! fold ends on the line of its closing brace, bracket or quotes, and a fold that would
//! start and end on one line is never made. An editor shows one fold per start line, so
//! where two start on one line (a template's parameters and its body) only the larger one
//! is kept.

use std::cmp::Reverse;

use crate::ast::{self, ExprKind, ItemKind};
use crate::format::{self, Kind};

use super::walk::{self, Visitor};
use super::{Document, LineIndex};

/// What a fold holds, when the editor treats it specially (folding all comments or the
/// imports at once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoldingKind {
    Comment,
    Imports,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FoldingRange {
    pub start_line: u32,
    pub end_line: u32,
    pub kind: Option<FoldingKind>,
    /// The last line holds only closing delimiters (`}`, `]`, `)`, `"""`): an editor that
    /// folds whole lines keeps it visible by ending the fold a line earlier.
    pub ends_with_closer: bool,
}

/// The document's folding ranges, ordered by their first line.
pub fn folding_ranges(document: &Document) -> Vec<FoldingRange> {
    let text = document.text();
    let index = LineIndex::new(text);
    let mut folds = Folds {
        text,
        index: &index,
        found: Vec::new(),
    };
    // Imports first: a lone import written across lines is then an imports fold, not a
    // plain one, when the two tie below.
    folds.imports(&document.file().items);
    folds.comments();
    walk::walk_items(&document.file().items, &mut folds);
    let mut found = folds.found;
    found.sort_by_key(|fold| (fold.start_line, Reverse(fold.end_line)));
    found.dedup_by_key(|fold| fold.start_line);
    found
}

struct Folds<'a> {
    text: &'a str,
    index: &'a LineIndex<'a>,
    found: Vec<FoldingRange>,
}

impl Folds<'_> {
    /// A fold over the bytes `start..end` if they cover more than one line. Trailing blank
    /// lines do not count: a block left open runs to the end of the file.
    fn span(&mut self, start: usize, end: usize, kind: Option<FoldingKind>) {
        let content = self.text.get(start..end).unwrap_or_default().trim_end();
        let last = start + content.len().saturating_sub(1);
        let start_line = self.index.position(start).line;
        let end_line = self.index.position(last).line;
        if end_line > start_line {
            let last_line = &content[content.rfind('\n').map_or(0, |at| at + 1)..];
            let ends_with_closer = last_line
                .trim()
                .chars()
                .all(|c| matches!(c, '}' | ']' | ')' | '"' | ','));
            self.found.push(FoldingRange {
                start_line,
                end_line,
                kind,
                ends_with_closer,
            });
        }
    }

    /// Each run of imports with no other item between them.
    fn imports(&mut self, items: &[ast::Item]) {
        let is_import = |item: &ast::Item| matches!(item.kind, ItemKind::Import { .. });
        for run in items.split(|item| !is_import(item)) {
            if let (Some(first), Some(last)) = (run.first(), run.last()) {
                self.span(
                    first.span.start as usize,
                    last.span.end as usize,
                    Some(FoldingKind::Imports),
                );
            }
        }
    }

    /// Each run of lines that hold only a comment. Comments are silent in the grammar, so
    /// they come from the formatter's lexer, which knows a `#` inside a string is none.
    fn comments(&mut self) {
        let mut run: Option<(u32, u32)> = None;
        let mut line_start = true;
        for token in format::lex(self.text, 0..self.text.len()) {
            let own_line = line_start;
            line_start = token.kind == Kind::Newline;
            if token.kind != Kind::Comment || !own_line {
                continue;
            }
            let line = self.index.position(token.start).line;
            run = match run {
                Some((first, last)) if last + 1 == line => Some((first, line)),
                previous => {
                    self.comment_run(previous);
                    Some((line, line))
                }
            };
        }
        self.comment_run(run);
    }

    fn comment_run(&mut self, run: Option<(u32, u32)>) {
        if let Some((start_line, end_line)) = run.filter(|(first, last)| last > first) {
            self.found.push(FoldingRange {
                start_line,
                end_line,
                kind: Some(FoldingKind::Comment),
                ends_with_closer: false,
            });
        }
    }
}

impl Visitor for Folds<'_> {
    fn item(&mut self, item: &ast::Item) {
        self.span(item.span.start as usize, item.span.end as usize, None);
    }

    fn expr(&mut self, expr: &ast::Expr) {
        if matches!(expr.kind, ExprKind::List(_) | ExprKind::Call { .. }) {
            self.span(expr.span.start as usize, expr.span.end as usize, None);
        }
    }

    fn string(&mut self, string: &ast::StringLit) {
        if string.multiline {
            self.span(string.span.start as usize, string.span.end as usize, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folds(text: &str) -> Vec<(u32, u32, Option<FoldingKind>)> {
        folding_ranges(&Document::new("test.pipe", text.to_owned()))
            .into_iter()
            .map(|f| (f.start_line, f.end_line, f.kind))
            .collect()
    }

    #[test]
    fn folds_know_whether_their_last_line_only_closes() {
        let text =
            "pipeline ci {\n  let s = \"\"\"\n    make\n    \"\"\"\n  when: a &&\n    b\n}\n";
        let closes: Vec<_> = folding_ranges(&Document::new("test.pipe", text.to_owned()))
            .into_iter()
            .map(|f| (f.start_line, f.ends_with_closer))
            .collect();
        assert_eq!(closes, vec![(0, true), (1, true), (4, false)]);
    }

    #[test]
    fn a_hash_in_a_script_is_no_comment() {
        let text = "let s = \"\"\"\n  # one\n  # two\n  \"\"\"\n";
        assert_eq!(folds(text), vec![(0, 3, None)]);
    }

    #[test]
    fn a_comment_after_code_does_not_join_a_run() {
        let text = "let a = 1 # one\n# two\nlet b = 2\n# three\n# four\n";
        assert_eq!(folds(text), vec![(3, 4, Some(FoldingKind::Comment))]);
    }

    #[test]
    fn a_block_left_open_folds_to_its_last_line_of_text() {
        let text = "pipeline ci {\n  job build {\n    step { run: \"make\" }\n\n\n";
        assert_eq!(folds(text), vec![(0, 2, None), (1, 2, None)]);
    }
}

//! String literals: escapes for `"..."`, and indentation removal for `"""..."""` scripts.

use pest::iterators::Pair;

use super::{Parser, Rule};
use crate::ast::{StringLit, StringPart};
use crate::diagnostics::{Code, Diagnostic};

/// Stands for an interpolation while a `"""` string's indentation is removed.
const PLACEHOLDER: char = '\u{E000}';

impl Parser<'_> {
    pub(super) fn string(&self, pair: Pair<'_, Rule>) -> StringLit {
        let span = self.pair_span(&pair);
        let multiline = pair.as_rule() == Rule::string_multi;
        let mut parts: Vec<StringPart> = Vec::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::string_text | Rule::multi_text => push_text(&mut parts, part.as_str()),
                Rule::escape => {
                    if let Some(c) = self.escape(&part) {
                        push_text(&mut parts, c.encode_utf8(&mut [0; 4]));
                    }
                }
                Rule::interpolation => {
                    let span = self.pair_span(&part);
                    let expr = part.into_inner().next().map_or(
                        crate::ast::Expr {
                            kind: crate::ast::ExprKind::Error,
                            span,
                        },
                        |e| self.expr(e),
                    );
                    parts.push(StringPart::Interpolation(expr));
                }
                _ => {}
            }
        }
        if multiline {
            parts = dedent(parts);
        }
        StringLit {
            parts,
            span,
            multiline,
        }
    }

    fn escape(&self, pair: &Pair<'_, Rule>) -> Option<char> {
        let text = pair.as_str();
        match text.get(1..) {
            Some("\"") => Some('"'),
            Some("\\") => Some('\\'),
            Some("n") => Some('\n'),
            Some("t") => Some('\t'),
            Some("r") => Some('\r'),
            Some("$") => Some('$'),
            _ => {
                self.report(
                    Diagnostic::new(
                        Code::InvalidEscape,
                        format!("unknown escape `{text}`"),
                        self.pair_span(pair),
                        "not an escape",
                    )
                    .with_help(
                        "the escapes are \\\" \\\\ \\n \\t \\r \\$; for scripts full of backslashes use a `\"\"\"` string, which keeps them as written",
                    ),
                );
                None
            }
        }
    }
}

fn push_text(parts: &mut Vec<StringPart>, text: &str) {
    if let Some(StringPart::Text(last)) = parts.last_mut() {
        last.push_str(text);
    } else {
        parts.push(StringPart::Text(text.to_string()));
    }
}

/// Removes the line after the opening `"""` and the closing line when they are blank, and
/// the indentation common to all non-blank lines. Interpolations count as text.
fn dedent(parts: Vec<StringPart>) -> Vec<StringPart> {
    let mut flat = String::new();
    let mut interpolations = Vec::new();
    for part in parts {
        match part {
            StringPart::Text(text) => flat.push_str(&text.replace(PLACEHOLDER, "")),
            StringPart::Interpolation(expr) => {
                flat.push(PLACEHOLDER);
                interpolations.push(expr);
            }
        }
    }
    let mut lines: Vec<&str> = flat.split('\n').collect();
    let ends_with_newline = lines.len() > 1 && lines.last().is_some_and(|l| l.trim().is_empty());
    if lines.len() > 1 && lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    if ends_with_newline {
        lines.pop();
    }
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.chars().take_while(|c| *c == ' ' || *c == '\t').count())
        .min()
        .unwrap_or(0);
    let mut text = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        let strip: usize = line
            .chars()
            .take(indent)
            .take_while(|c| *c == ' ' || *c == '\t')
            .map(char::len_utf8)
            .sum();
        text.push_str(line.get(strip..).unwrap_or(""));
    }
    if ends_with_newline {
        text.push('\n');
    }
    let mut result = Vec::new();
    let mut interpolations = interpolations.into_iter();
    for (i, piece) in text.split(PLACEHOLDER).enumerate() {
        if i > 0
            && let Some(expr) = interpolations.next()
        {
            result.push(StringPart::Interpolation(expr));
        }
        if !piece.is_empty() {
            push_text(&mut result, piece);
        }
    }
    result
}

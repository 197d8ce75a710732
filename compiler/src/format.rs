//! `pipec fmt`: one layout for every `.pipe` file, with every comment kept.
//!
//! The layout is canonical in what carries no choice — indentation (two spaces a level),
//! the spacing of tokens, one item per line in a block, at most one blank line, commas
//! and trailing commas in broken lists, the indentation of `"""` scripts — and keeps the
//! author's choice, as gofmt does, in what does: a block, list or call written on one line
//! stays on one line, one written across lines stays broken (one element per line), and a
//! line break inside an expression stays where it was, as a continuation line. So the
//! result does not depend on a width, and formatting twice gives what formatting once
//! gave.
//!
//! The item structure comes from the parse; inside an item, the printer works on the
//! item's tokens, so parentheses and the spelling of every literal are kept exactly.
//! Comments are silent in the grammar, so they are read from the text between items and
//! between tokens. A file with syntax errors is not formatted.

use std::collections::HashMap;
use std::ops::Range;

use crate::ast::{self, Item, ItemKind};
use crate::diagnostics::{Diagnostic, Severity};
use crate::parse;
use crate::source::Parsed;
use crate::span::FileId;

/// The indentation of one block level, and of the elements of a broken list.
const INDENT: usize = 2;
/// The extra indentation of a line that continues an expression.
const CONTINUATION: usize = 4;

#[derive(Debug)]
pub enum FormatError {
    /// The text does not parse; nothing was formatted.
    Syntax(Vec<Diagnostic>),
    /// The formatter would have changed the file's syntax or lost a comment: a bug in
    /// pipec, reported instead of writing a damaged file.
    Internal(String),
}

/// The text in the canonical layout.
pub fn format(file: FileId, text: &str) -> Result<String, FormatError> {
    format_parsed(&Parsed::of(file, text), text)
}

/// The text in the canonical layout, from its parse (an editor's document has one).
pub fn format_parsed(parsed: &Parsed, text: &str) -> Result<String, FormatError> {
    if parsed
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error)
    {
        return Err(FormatError::Syntax(parsed.diagnostics.clone()));
    }
    let mut printer = Printer {
        text,
        out: String::with_capacity(text.len() + text.len() / 8),
        line_indent: 0,
        groups: HashMap::new(),
    };
    printer.items(&parsed.ast.items, 0..text.len(), 0);
    let mut formatted = printer.out;
    if !formatted.is_empty() {
        formatted.push('\n');
    }
    // A text formatted already parses as it did: there is nothing to verify.
    if formatted != text {
        verify(parsed.file, text, &formatted)?;
    }
    Ok(formatted)
}

/// The formatter's own guard: the result parses, and differs from the original only in
/// whitespace, line breaks, separators and the indentation of scripts; comments included.
fn verify(file: FileId, original: &str, formatted: &str) -> Result<(), FormatError> {
    let (_, diagnostics) = parse::parse_file(file, formatted);
    if let Some(error) = diagnostics.iter().find(|d| d.severity == Severity::Error) {
        return Err(FormatError::Internal(format!(
            "the formatted text does not parse: {}",
            error.message
        )));
    }
    let significant = |text: &str| -> Vec<String> {
        lex(text, 0..text.len())
            .into_iter()
            .filter(|t| !matches!(t.kind, Kind::Newline | Kind::Comma))
            .map(|t| {
                let token = text.get(t.range()).unwrap_or_default();
                if token.starts_with("\"\"\"") {
                    reindent_script(token, 0)
                } else {
                    token.trim_end().to_owned()
                }
            })
            .filter(|token| token != ";")
            .collect()
    };
    if significant(original) != significant(formatted) {
        return Err(FormatError::Internal(
            "the formatted text would differ in more than its layout".into(),
        ));
    }
    Ok(())
}

/// How a broken list separates its elements.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Separator {
    /// `[a, b]`, `f(a, b)`: a comma after each element, the last one too.
    Comma,
    /// A template call's arguments, a template's parameters, imported names: one a line.
    Newline,
    /// `(expr)` and `x[expr]` hold one expression and take no comma.
    Single,
}

struct Printer<'t> {
    text: &'t str,
    out: String,
    /// The indentation of the line being written.
    line_indent: usize,
    /// Lists whose elements the parse knows (template arguments, parameters, imported
    /// names), by the offset of their opening bracket: each element's byte range.
    groups: HashMap<usize, Vec<Range<usize>>>,
}

impl<'t> Printer<'t> {
    fn slice(&self, range: Range<usize>) -> &'t str {
        self.text.get(range).unwrap_or_default()
    }

    fn newline(&mut self, indent: usize) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out.extend(std::iter::repeat_n(' ', indent));
        self.line_indent = indent;
    }

    fn blank_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// The items of a file or an expanded block, one a line, with the comments and blank
    /// lines of `region` around them.
    fn items(&mut self, items: &[Item], region: Range<usize>, indent: usize) {
        let mut cursor = region.start;
        let mut first = true;
        for item in items {
            let start = item.span.start as usize;
            if self.gap(cursor..start, indent, first, region.start == 0 && first) {
                self.blank_line();
            }
            self.newline(indent);
            self.item(item, indent);
            first = false;
            cursor = self.trailing_comment(item.span.end as usize);
        }
        self.gap(
            cursor..region.end,
            indent,
            first,
            region.start == 0 && first,
        );
    }

    /// Writes the comments between two items (or a block's edge and an item), each on its
    /// own line; whether a blank line goes between them and what follows (never at the
    /// start of a block). A comment on the line the gap starts on ends that line, unless
    /// the gap starts the file.
    fn gap(
        &mut self,
        range: Range<usize>,
        indent: usize,
        first: bool,
        at_file_start: bool,
    ) -> bool {
        let text = self.text;
        let gap = text.get(range).unwrap_or_default();
        let segments: Vec<&str> = gap.split('\n').collect();
        let last = segments.len().saturating_sub(1);
        let mut blank = false;
        let mut written = !first;
        for (n, segment) in segments.iter().enumerate() {
            let content = segment.trim_start_matches(is_filler).trim_end();
            if content.starts_with('#') {
                let comment = content;
                if n == 0 && !at_file_start {
                    self.out.push(' ');
                    self.out.push_str(comment);
                    continue;
                }
                if blank && written {
                    self.blank_line();
                }
                self.newline(indent);
                self.out.push_str(comment);
                written = true;
                blank = false;
            } else if n > 0 && n < last {
                blank = true;
            }
        }
        blank && written
    }

    /// Appends a comment that follows an item on its line; where the item's line ends.
    fn trailing_comment(&mut self, end: usize) -> usize {
        let rest = self.text.get(end..).unwrap_or_default();
        let line = rest.split('\n').next().unwrap_or_default();
        let content = line.trim_start_matches(is_filler);
        if content.starts_with('#') {
            self.out.push(' ');
            self.out.push_str(content.trim_end());
            end + line.len()
        } else {
            end
        }
    }

    fn item(&mut self, item: &Item, indent: usize) {
        let body = match &item.kind {
            ItemKind::Pipeline { body, .. }
            | ItemKind::Job { body, .. }
            | ItemKind::Step { body, .. }
            | ItemKind::Service { body, .. }
            | ItemKind::Template { body, .. }
            | ItemKind::Enum { body, .. }
            | ItemKind::KeyBlock { body, .. } => Some(body),
            ItemKind::Trigger { body, .. }
            | ItemKind::Input { body, .. }
            | ItemKind::Secret { body, .. }
            | ItemKind::Environment { body, .. }
            | ItemKind::StepCall { body, .. }
            | ItemKind::JobCall { body, .. } => body.as_ref(),
            _ => None,
        };
        self.remember_groups(item);
        let header_end = body.map_or(item.span.end, |body| body.span.start) as usize;
        let tokens = lex(self.text, item.span.start as usize..header_end);
        self.sequence(&tokens, indent);
        if let Some(body) = body {
            self.out.push(' ');
            self.block(body, indent);
        }
    }

    /// Records the lists of this item whose elements the parse knows.
    fn remember_groups(&mut self, item: &Item) {
        let mut remember = |after: usize, open: char, elements: Vec<Range<usize>>| {
            let rest = self.text.get(after..).unwrap_or_default();
            if let Some(at) = rest.find(open) {
                self.groups.insert(after + at, elements);
            }
        };
        match &item.kind {
            ItemKind::StepCall { call, .. } | ItemKind::JobCall { call, .. } => remember(
                call.name_span().end as usize,
                '(',
                call.args.iter().map(|a| a.span.range()).collect(),
            ),
            ItemKind::Template { name, params, .. } => remember(
                name.span.end as usize,
                '(',
                params.iter().map(|p| p.span.range()).collect(),
            ),
            ItemKind::Import {
                names: Some(names), ..
            } => remember(
                item.span.start as usize,
                '{',
                names.iter().map(|n| n.span.range()).collect(),
            ),
            _ => {}
        }
    }

    fn block(&mut self, block: &ast::Block, indent: usize) {
        let span = block.span.range();
        let inner = span.start + 1..span.end.saturating_sub(1);
        let source = self.slice(span.clone());
        let has_comment = lex(self.text, inner.clone())
            .iter()
            .any(|t| t.kind == Kind::Comment);
        if block.items.is_empty() && !has_comment {
            self.out.push_str("{}");
        } else if !source.contains('\n') {
            self.out.push_str("{ ");
            for (n, item) in block.items.iter().enumerate() {
                if n > 0 {
                    self.out.push_str(", ");
                }
                self.item(item, indent);
            }
            self.out.push_str(" }");
        } else {
            self.out.push('{');
            self.items(&block.items, inner, indent + INDENT);
            self.newline(indent);
            self.out.push('}');
        }
    }

    /// Writes the tokens of an item's header or of one list element: canonical spacing,
    /// lists laid out by [`Printer::group`], line breaks kept as continuation lines.
    fn sequence(&mut self, tokens: &[Token], indent: usize) {
        let mut previous: Option<Token> = None;
        let mut line_break = false;
        let mut at = 0;
        while let Some(&token) = tokens.get(at) {
            match token.kind {
                Kind::Newline => {
                    line_break = previous.is_some();
                    at += 1;
                    continue;
                }
                Kind::Comment => {
                    self.out.push(' ');
                    self.out.push_str(self.slice(token.range()).trim_end());
                    line_break = true;
                    at += 1;
                    continue;
                }
                _ => {}
            }
            if line_break {
                self.newline(indent + CONTINUATION);
                line_break = false;
            } else if previous.is_some_and(|p| self.spaced(p, token)) {
                self.out.push(' ');
            }
            if token.kind == Kind::Open {
                let close = matching_close(tokens, at);
                let inner = tokens.get(at + 1..close).unwrap_or_default();
                let closing = tokens.get(close).copied().unwrap_or(token);
                self.group(previous, token, inner, closing);
                previous = Some(closing);
                at = close + 1;
            } else {
                self.token(token);
                previous = Some(token);
                at += 1;
            }
        }
    }

    fn token(&mut self, token: Token) {
        let text = self.slice(token.range());
        if text.starts_with("\"\"\"") {
            let script = reindent_script(text, self.line_indent + INDENT);
            self.out.push_str(&script);
        } else {
            self.out.push_str(text);
        }
    }

    /// A bracketed list: on one line if it was written on one line, else one element a
    /// line, indented, with its comments on their lines.
    fn group(&mut self, before: Option<Token>, open: Token, inner: &[Token], close: Token) {
        let opening = self.slice(open.range());
        let (separator, elements) = match self.groups.get(&open.start) {
            Some(spans) => (
                Separator::Newline,
                spans
                    .iter()
                    .map(|span| token_range(inner, span.clone()))
                    .collect(),
            ),
            None => {
                let after_value =
                    before.is_some_and(|b| matches!(b.kind, Kind::Word | Kind::Close | Kind::Text));
                let separator = match (opening, after_value) {
                    ("(", true) | ("[", false) => Separator::Comma,
                    _ => Separator::Single,
                };
                (separator, split_at_commas(inner))
            }
        };
        let broken = inner
            .iter()
            .any(|t| matches!(t.kind, Kind::Newline | Kind::Comment));
        let braces = opening == "{";
        self.out.push_str(opening);
        if separator == Separator::Single {
            let indent = self.line_indent;
            self.sequence(inner, indent);
        } else if !broken {
            for (n, element) in elements.iter().enumerate() {
                self.out.push_str(match (n, braces) {
                    (0, true) => " ",
                    (0, false) => "",
                    _ => ", ",
                });
                let tokens = inner.get(element.clone()).unwrap_or_default();
                let indent = self.line_indent;
                self.sequence(tokens, indent);
            }
            if braces {
                self.out.push(' ');
            }
        } else {
            let outer = self.line_indent;
            let indent = outer + INDENT;
            let mut cursor = 0;
            for element in &elements {
                self.group_comments(inner.get(cursor..element.start).unwrap_or_default(), indent);
                self.newline(indent);
                self.sequence(inner.get(element.clone()).unwrap_or_default(), indent);
                if separator == Separator::Comma {
                    self.out.push(',');
                }
                cursor = element.end;
            }
            self.group_comments(inner.get(cursor..).unwrap_or_default(), indent);
            self.newline(outer);
        }
        self.out.push_str(self.slice(close.range()));
    }

    /// The comments between two elements of a broken list: one on the line of the element
    /// before it stays there; the others get lines of their own.
    fn group_comments(&mut self, tokens: &[Token], indent: usize) {
        let mut own_line = false;
        for token in tokens {
            match token.kind {
                Kind::Newline => own_line = true,
                Kind::Comment => {
                    if own_line {
                        self.newline(indent);
                    } else {
                        self.out.push(' ');
                    }
                    self.out.push_str(self.slice(token.range()).trim_end());
                }
                _ => {}
            }
        }
    }

    /// Whether one space separates two tokens on a line.
    fn spaced(&self, before: Token, after: Token) -> bool {
        let opening = |t: Token| self.slice(t.range());
        match (before.kind, after.kind) {
            (_, Kind::Comma | Kind::Colon | Kind::Question | Kind::Dot) => false,
            (Kind::Open, _) => opening(before) == "{",
            (_, Kind::Close) => opening(after) == "}",
            (Kind::Dot | Kind::Not, _) => false,
            (_, Kind::Open) => match opening(after) {
                "(" => before.kind != Kind::Word,
                "[" => !matches!(before.kind, Kind::Word | Kind::Close | Kind::Text),
                _ => true,
            },
            _ => true,
        }
    }
}

/// Whitespace and the separators of items, which the layout replaces.
fn is_filler(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | ';' | ',' | '\u{FEFF}')
}

/// The index range of the tokens inside a byte range.
fn token_range(tokens: &[Token], span: Range<usize>) -> Range<usize> {
    let start = tokens.partition_point(|t| t.start < span.start);
    let end = tokens.partition_point(|t| t.start < span.end);
    start..end.max(start)
}

/// The elements of a list between its brackets: the tokens between top-level commas, less
/// the line breaks and comments around each, which belong to the gaps.
fn split_at_commas(tokens: &[Token]) -> Vec<Range<usize>> {
    let mut elements = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let push = |range: Range<usize>, elements: &mut Vec<Range<usize>>| {
        let slice = tokens.get(range.clone()).unwrap_or_default();
        let is_gap = |t: &Token| matches!(t.kind, Kind::Newline | Kind::Comment);
        let lead = slice.iter().take_while(|t| is_gap(t)).count();
        let trail = slice.iter().rev().take_while(|t| is_gap(t)).count();
        if lead < slice.len() {
            elements.push(range.start + lead..range.end - trail);
        }
    };
    for (at, token) in tokens.iter().enumerate() {
        match token.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth = depth.saturating_sub(1),
            Kind::Comma if depth == 0 => {
                push(start..at, &mut elements);
                start = at + 1;
            }
            _ => {}
        }
    }
    push(start..tokens.len(), &mut elements);
    elements
}

/// The index of the token that closes the bracket opened at `open`.
fn matching_close(tokens: &[Token], open: usize) -> usize {
    let mut depth = 0usize;
    for (at, token) in tokens.iter().enumerate().skip(open) {
        match token.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return at;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// A `"""` script with its lines moved to `indent`, when its value cannot change: the
/// parser removes the indentation common to its lines, so moving every line by the same
/// amount keeps it. A script whose text starts on the `"""` line, ends before the closing
/// line, or has an interpolation across lines is kept as written.
fn reindent_script(raw: &str, indent: usize) -> String {
    let body = raw.get(3..raw.len().saturating_sub(3)).unwrap_or_default();
    let lines: Vec<&str> = body.split('\n').collect();
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
        return raw.to_owned();
    };
    if lines.len() < 2
        || !first.trim().is_empty()
        || !last.trim().is_empty()
        || interpolation_spans_lines(body)
    {
        return raw.to_owned();
    }
    let content = lines.get(1..lines.len() - 1).unwrap_or_default();
    let leading = |line: &str| line.chars().take_while(|c| *c == ' ' || *c == '\t').count();
    let common = content
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| leading(line))
        .min()
        .unwrap_or(0);
    let pad = " ".repeat(indent);
    let mut out = String::from("\"\"\"");
    for line in content {
        out.push('\n');
        // The indentation is spaces and tabs, one byte each, so `common` is a byte count
        // on every non-blank line.
        let kept = if line.trim().is_empty() {
            line.get(leading(line).min(common)..).unwrap_or_default()
        } else {
            line.get(common..).unwrap_or_default()
        };
        if !kept.is_empty() {
            out.push_str(&pad);
            out.push_str(kept);
        }
    }
    out.push('\n');
    out.push_str(&pad);
    out.push_str("\"\"\"");
    out
}

fn interpolation_spans_lines(body: &str) -> bool {
    let mut at = 0;
    while let Some(found) = body.get(at..).and_then(|rest| rest.find("${{")) {
        let start = at + found;
        let end = skip_interpolation(body, start + 3);
        if body.get(start..end).is_some_and(|text| text.contains('\n')) {
            return true;
        }
        at = end.max(start + 3);
    }
    false
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An identifier, keyword, number, duration or percentage.
    Word,
    /// A string, a script or a raw expression, kept as written.
    Text,
    Open,
    Close,
    Comma,
    Colon,
    Dot,
    Question,
    Not,
    Operator,
    Comment,
    Newline,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Token {
    pub(crate) fn range(self) -> Range<usize> {
        self.start..self.end
    }
}

/// The tokens of `range`: the grammar's, plus comments and line breaks. The editor's
/// semantic tokens and comment folds read it too, since comments are silent in the grammar.
pub(crate) fn lex(text: &str, range: Range<usize>) -> Vec<Token> {
    let bytes = text.as_bytes();
    let end = range.end.min(text.len());
    let mut tokens = Vec::new();
    let mut at = range.start;
    while at < end {
        let Some(&byte) = bytes.get(at) else { break };
        let rest = text.get(at..end).unwrap_or_default();
        let (kind, length) = match byte {
            b' ' | b'\t' | b'\r' => {
                at += 1;
                continue;
            }
            b'\n' => (Kind::Newline, 1),
            b'#' => (Kind::Comment, rest.find('\n').unwrap_or(rest.len())),
            b'"' => (Kind::Text, skip_string(text, at).min(end) - at),
            b'`' => (
                Kind::Text,
                rest.get(1..)
                    .and_then(|r| r.find('`'))
                    .map_or(rest.len(), |n| n + 2),
            ),
            b'(' | b'[' | b'{' => (Kind::Open, 1),
            b')' | b']' | b'}' => (Kind::Close, 1),
            b',' => (Kind::Comma, 1),
            b':' => (Kind::Colon, 1),
            b'.' => (Kind::Dot, 1),
            b'?' => (Kind::Question, 1),
            _ if ["||", "&&", "==", "!=", "<=", ">=", "->"]
                .iter()
                .any(|op| rest.starts_with(op)) =>
            {
                (Kind::Operator, 2)
            }
            b'!' => (Kind::Not, 1),
            b'<' | b'>' | b'+' | b'=' | b';' => (Kind::Operator, 1),
            _ if byte.is_ascii_alphanumeric() || byte == b'_' => (Kind::Word, word_length(rest)),
            _ => (Kind::Word, rest.chars().next().map_or(1, char::len_utf8)),
        };
        let length = length.max(1);
        tokens.push(Token {
            kind,
            start: at,
            end: at + length,
        });
        at += length;
    }
    tokens
}

/// An identifier (`lint-backend`), a number (`1.5`), a duration (`10m`) or a percentage.
fn word_length(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    let number = bytes.first().is_some_and(u8::is_ascii_digit);
    let mut length = 0;
    while let Some(&byte) = bytes.get(length) {
        let next_is_word = bytes
            .get(length + 1)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        let continues = byte.is_ascii_alphanumeric()
            || byte == b'_'
            || (byte == b'-' && !number && next_is_word)
            || (byte == b'.' && number && bytes.get(length + 1).is_some_and(u8::is_ascii_digit))
            || (byte == b'%' && number);
        if !continues {
            break;
        }
        length += 1;
    }
    length
}

/// The end of the string or `"""` script starting at `start`, interpolations included.
fn skip_string(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let script = text.get(start..).is_some_and(|r| r.starts_with("\"\"\""));
    let mut at = start + if script { 3 } else { 1 };
    while at < bytes.len() {
        let rest = text.get(at..).unwrap_or_default();
        if rest.starts_with("${{") {
            at = skip_interpolation(text, at + 3);
            continue;
        }
        match bytes.get(at) {
            Some(b'"') if script && rest.starts_with("\"\"\"") => return at + 3,
            Some(b'"') if !script => return at + 1,
            Some(b'\\') if !script => at += 2,
            Some(b'\n') if !script => return at,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// The end of an interpolation whose `${{` ends just before `at`: after its `}}`, past
/// the strings inside it.
fn skip_interpolation(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while at < bytes.len() {
        match bytes.get(at) {
            Some(b'}') if bytes.get(at + 1) == Some(&b'}') => return at + 2,
            Some(b'"') => at = skip_string(text, at),
            _ => at += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests;

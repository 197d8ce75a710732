//! A small deterministic YAML writer: a node model ([`Node`], [`Map`]) and
//! [`render_document`], which turns a header comment block and a root map into text.
//!
//! Why our own writer instead of a serde emitter: serde_yaml is deprecated, and it and all
//! its forks (yaml_serde, serde_yaml_ng, serde_norway) write strings that YAML 1.1 readers
//! misread as plain scalars (`on`, `yes`, `no`, `12:30`, `2024-01-01`, `=`, `<<`);
//! Kubernetes tooling and PyYAML read YAML 1.1. serde-saphyr quotes correctly but folds
//! long lines by default, cannot write comments or blank lines, and changes quickly. We
//! need a header comment, blank lines between jobs, flow lists for short scalar lists and
//! full control over quoting, and all of that is a few hundred lines.
//!
//! Invariants of the output:
//! - every string reads back as the same string under YAML 1.1 (PyYAML) and YAML 1.2: a
//!   string is plain only when no reader of either version can take it for anything but
//!   that string; otherwise it is quoted, or written as a block literal when it spans lines;
//! - lines are never folded, so a long command stays on one line;
//! - map entries keep insertion order (nothing is sorted), so the same input gives the
//!   same bytes;
//! - sequences under a key are indented (`steps:\n  - run: x`), as yamllint's default
//!   config wants, and the text ends with exactly one newline.

/// One YAML value.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// Written as nothing after a map key (`push:`), `null` elsewhere.
    Null,
    Bool(bool),
    /// Written verbatim; the caller guarantees it is a YAML number (see
    /// [`Node::number_or_string`]).
    Number(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Map),
}

impl Node {
    /// A plain number when every reader reads it back as the same number text (`18`,
    /// `3.9`, `-2`), a string otherwise (`3.10` would come back as 3.1, `012` as octal 10
    /// under YAML 1.1, `1e3` as a string under YAML 1.1 and a float under 1.2).
    pub fn number_or_string(text: &str) -> Node {
        if is_canonical_number(text) {
            Node::Number(text.to_owned())
        } else {
            Node::Str(text.to_owned())
        }
    }

    fn is_scalar(&self) -> bool {
        matches!(
            self,
            Node::Null | Node::Bool(_) | Node::Number(_) | Node::Str(_)
        )
    }
}

impl From<&str> for Node {
    fn from(text: &str) -> Node {
        Node::Str(text.to_owned())
    }
}

impl From<String> for Node {
    fn from(text: String) -> Node {
        Node::Str(text)
    }
}

impl From<bool> for Node {
    fn from(value: bool) -> Node {
        Node::Bool(value)
    }
}

impl From<Map> for Node {
    fn from(map: Map) -> Node {
        Node::Map(map)
    }
}

impl From<Vec<Node>> for Node {
    fn from(items: Vec<Node>) -> Node {
        Node::Seq(items)
    }
}

/// A mapping that keeps insertion order. An entry may ask for a blank line before it
/// (the writer ignores that for the first entry of a map).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Map {
    entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq)]
struct Entry {
    key: String,
    value: Node,
    blank_line_before: bool,
}

impl Map {
    pub fn new() -> Map {
        Map::default()
    }

    /// Appends an entry. A key that is already present keeps its place and gets the new
    /// value, because a YAML map cannot hold a key twice.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Node>) {
        self.insert_entry(key.into(), value.into(), false);
    }

    /// Appends an entry preceded by a blank line (used between jobs).
    pub fn insert_separated(&mut self, key: impl Into<String>, value: impl Into<Node>) {
        self.insert_entry(key.into(), value.into(), true);
    }

    /// Appends an entry only when there is a value, which keeps optional settings short.
    pub fn insert_some(&mut self, key: impl Into<String>, value: Option<impl Into<Node>>) {
        if let Some(value) = value {
            self.insert(key, value);
        }
    }

    fn insert_entry(&mut self, key: String, value: Node, blank_line_before: bool) {
        match self.entries.iter_mut().find(|entry| entry.key == key) {
            Some(entry) => entry.value = value,
            None => self.entries.push(Entry {
                key,
                value,
                blank_line_before,
            }),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Renders a document: the header lines as a comment block followed by a blank line, then
/// the root map. A header line that does not start with `#` gets `# ` in front, and a line
/// break inside a header line starts a new comment line, so the header is always a comment.
pub fn render_document(header: &[String], root: &Map) -> String {
    let mut writer = Writer { out: String::new() };
    for line in header.iter().flat_map(|line| line.split('\n')) {
        let line = line.trim_end();
        if !line.starts_with('#') {
            writer
                .out
                .push_str(if line.is_empty() { "#" } else { "# " });
        }
        writer.out.push_str(line);
        writer.out.push('\n');
    }
    if !header.is_empty() {
        writer.out.push('\n');
    }
    if root.is_empty() {
        writer.out.push_str("{}\n");
    } else {
        writer.map(root, 0, false, true);
    }
    writer.out
}

/// The widest line a flow list may make; yamllint's default line length.
const FLOW_LINE_LIMIT: usize = 80;

/// How a string scalar is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// A `|` block; only where a block node may stand (a map value or a sequence item).
    Literal,
}

/// Where a scalar stands, which decides what must be quoted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Position {
    /// A map key: one line, no block scalar.
    Key,
    /// A block map value or block sequence item; `at_end` is set when nothing follows it
    /// in the document, where a `|+` block would leave several newlines at the end.
    Block { at_end: bool },
    /// An item of a flow list (`[a, b]`), where `,[]{}` end a plain scalar.
    Flow,
}

struct Writer {
    out: String,
}

impl Writer {
    /// Writes the entries of a non-empty map at `indent`. With `inline_first`, the cursor
    /// already stands where the first key goes (after `- `).
    fn map(&mut self, map: &Map, indent: usize, inline_first: bool, at_end: bool) {
        let count = map.entries.len();
        for (index, entry) in map.entries.iter().enumerate() {
            // A `|+` block that just ended already shows as blank lines, and one more blank
            // line would become part of its text.
            if index > 0 && entry.blank_line_before && !self.out.ends_with("\n\n") {
                self.out.push('\n');
            }
            if index > 0 || !inline_first {
                self.indent(indent);
            }
            self.out.push_str(&inline_string(&entry.key, Position::Key));
            self.out.push(':');
            self.value(&entry.value, indent, at_end && index + 1 == count);
        }
    }

    /// Writes a non-empty block sequence at `indent`; `inline_first` as for [`Writer::map`].
    fn seq(&mut self, items: &[Node], indent: usize, inline_first: bool, at_end: bool) {
        let count = items.len();
        for (index, item) in items.iter().enumerate() {
            if index > 0 || !inline_first {
                self.indent(indent);
            }
            self.out.push('-');
            let last = at_end && index + 1 == count;
            match item {
                Node::Null => self.out.push_str(" null\n"),
                Node::Map(map) if !map.is_empty() => {
                    self.out.push(' ');
                    self.map(map, indent + 2, true, last);
                }
                Node::Seq(inner) if !inner.is_empty() && !self.fits_flow(inner, 1) => {
                    self.out.push(' ');
                    self.seq(inner, indent + 2, true, last);
                }
                _ => self.value(item, indent, last),
            }
        }
    }

    /// Writes what follows `key:` or `-`: a space and an inline value, a block literal, or a
    /// line break and a nested block indented under `indent`.
    fn value(&mut self, node: &Node, indent: usize, at_end: bool) {
        match node {
            Node::Null => self.out.push('\n'),
            Node::Bool(_) | Node::Number(_) => {
                self.out.push(' ');
                self.out
                    .push_str(&inline_scalar(node, Position::Block { at_end }));
                self.out.push('\n');
            }
            Node::Str(text) => self.string(text, indent, at_end),
            Node::Seq(items) if items.is_empty() => self.out.push_str(" []\n"),
            Node::Seq(items) if self.fits_flow(items, 1) => {
                self.out.push(' ');
                self.out.push_str(&flow_list(items));
                self.out.push('\n');
            }
            Node::Seq(items) => {
                self.out.push('\n');
                self.seq(items, indent + 2, false, at_end);
            }
            Node::Map(map) if map.is_empty() => self.out.push_str(" {}\n"),
            Node::Map(map) => {
                self.out.push('\n');
                self.map(map, indent + 2, false, at_end);
            }
        }
    }

    fn string(&mut self, text: &str, indent: usize, at_end: bool) {
        let position = Position::Block { at_end };
        if string_style(text, position) != Style::Literal {
            self.out.push(' ');
            self.out.push_str(&inline_string(text, position));
            self.out.push('\n');
            return;
        }
        // The content is indented two spaces under the key (or the `-`); an explicit
        // indentation indicator says so whenever the first line's own leading spaces (or
        // leading blank lines) would make a reader guess a deeper indentation.
        self.out.push_str(" |");
        if text.starts_with([' ', '\n']) {
            self.out.push('2');
        }
        let body = match text.strip_suffix('\n') {
            None => {
                self.out.push('-');
                text
            }
            Some(body) if body.ends_with('\n') => {
                self.out.push('+');
                body
            }
            Some(body) => body,
        };
        self.out.push('\n');
        for line in body.split('\n') {
            if !line.is_empty() {
                self.indent(indent + 2);
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
    }

    /// Whether `items` can be written as a flow list that keeps the current line within
    /// [`FLOW_LINE_LIMIT`]; `extra` counts what follows the cursor before the list (a space).
    fn fits_flow(&self, items: &[Node], extra: usize) -> bool {
        let column = self
            .out
            .rsplit('\n')
            .next()
            .map_or(0, |line| line.chars().count());
        items
            .iter()
            .all(|item| item.is_scalar() && !matches!(item, Node::Str(text) if text.contains('\n')))
            && column + extra + flow_list(items).chars().count() <= FLOW_LINE_LIMIT
    }

    fn indent(&mut self, indent: usize) {
        self.out.extend(std::iter::repeat_n(' ', indent));
    }
}

/// `[a, 'b c', 3]`; only called on lists of one-line scalars.
fn flow_list(items: &[Node]) -> String {
    let rendered: Vec<String> = items
        .iter()
        .map(|item| inline_scalar(item, Position::Flow))
        .collect();
    format!("[{}]", rendered.join(", "))
}

/// A scalar written on one line (never a block literal; callers make sure of that).
fn inline_scalar(node: &Node, position: Position) -> String {
    match node {
        Node::Bool(value) => value.to_string(),
        Node::Number(text) => text.clone(),
        Node::Str(text) => inline_string(text, position),
        Node::Null | Node::Seq(_) | Node::Map(_) => "null".to_owned(),
    }
}

fn inline_string(text: &str, position: Position) -> String {
    match string_style(text, position) {
        Style::Plain => text.to_owned(),
        Style::SingleQuoted => format!("'{}'", text.replace('\'', "''")),
        Style::DoubleQuoted | Style::Literal => double_quoted(text),
    }
}

fn string_style(text: &str, position: Position) -> Style {
    if text.contains('\n') {
        let block_safe = matches!(position, Position::Block { at_end } if !(at_end && text.ends_with("\n\n")))
            && text.chars().any(|c| !c.is_whitespace())
            && !text
                .chars()
                .any(|c| c != '\n' && c != '\t' && needs_escape(c));
        return if block_safe {
            Style::Literal
        } else {
            Style::DoubleQuoted
        };
    }
    if text.chars().any(|c| c == '\t' || needs_escape(c)) {
        Style::DoubleQuoted
    } else if is_plain_safe(text, position == Position::Flow) {
        Style::Plain
    } else if text.contains('\'') && !text.contains(['"', '\\']) {
        // `"it's"` reads better than `'it''s'`, and needs no escapes here.
        Style::DoubleQuoted
    } else {
        Style::SingleQuoted
    }
}

/// Characters that only a double-quoted scalar can carry: control characters (line breaks
/// included, tab excluded by the callers that accept it), the Unicode line and paragraph
/// separators that YAML 1.1 treats as line breaks, the byte-order mark and non-characters.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
}

/// Whether a one-line string can be written plain and read back as the same string by
/// YAML 1.1 and 1.2 readers. Deliberately conservative: the string starts with a letter,
/// `$`, `/`, `_`, `./` or `../` (so no number, date, time, indicator, `=` or `<<` can
/// start), nothing
/// ends the scalar early (`: `, ` #`, a trailing `:`), and the whole string is not one of
/// the YAML 1.1 bool or null words in any case.
fn is_plain_safe(text: &str, flow: bool) -> bool {
    const RESERVED: [&str; 10] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
    ];
    let first_ok = text
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || matches!(c, '$' | '/' | '_'))
        || text.starts_with("./")
        || text.starts_with("../");
    let chars_ok = text.chars().all(|c| {
        (c.is_ascii() && !c.is_ascii_control())
            || (!c.is_ascii() && c.is_alphanumeric() && !needs_escape(c))
    });
    let flow_ok = !flow || !text.contains([',', '[', ']', '{', '}', ':', '#']);
    first_ok
        && chars_ok
        && flow_ok
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && !text.contains(" #")
        && !RESERVED.iter().any(|word| text.eq_ignore_ascii_case(word))
}

fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if needs_escape(c) && u32::from(c) <= 0xff => {
                out.push_str(&format!("\\x{:02X}", u32::from(c)))
            }
            c if needs_escape(c) => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Decimal integers and decimals without redundant digits (no leading zeros, no trailing
/// fractional zeros, no `+`, no exponent, no `_`), with at most 15 significant digits so a
/// double (JavaScript, Python) holds them exactly, and no more than three zeros right after
/// the point, beyond which readers print an exponent.
fn is_canonical_number(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let integer_ok = digits(integer) && (integer == "0" || !integer.starts_with('0'));
    let fraction_ok = fraction.is_none_or(|fraction| {
        digits(fraction)
            && !fraction.ends_with('0')
            && (integer != "0" || fraction.bytes().take_while(|b| *b == b'0').count() <= 3)
    });
    let significant = integer.trim_start_matches('0').len() + fraction.map_or(0, str::len);
    integer_ok && fraction_ok && significant <= 15 && text != "-0"
}

#[cfg(test)]
mod tests;

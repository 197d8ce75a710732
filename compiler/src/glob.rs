//! GitHub filter-pattern globs, as GitHub's "filter pattern cheat sheet" defines them:
//!
//! - `*` matches zero or more characters, but not `/`;
//! - `**` matches zero or more of any character, and `**/` matches zero or more whole
//!   directories (so `docs/**/*.md` matches `docs/README.md`, and `**/README.md` matches
//!   `README.md`);
//! - `?` matches zero or one of the preceding character (or `[...]`);
//! - `+` matches one or more of the preceding character (or `[...]`);
//! - `[abc]`, `[0-9]`, `[a-z]` match one character listed or in a range;
//! - `\` escapes one of the special characters `[ ] ? * + \ !`; before any other
//!   character it is an ordinary backslash (file paths may contain one);
//! - a leading `!` negates a pattern in a filter list; callers strip it before parsing,
//!   so [`parse`] rejects it.
//!
//! A pattern compiles to a small nondeterministic automaton over Unicode scalar values
//! ([`Nfa`]). [`Glob::matches`] runs it, and the condition checker
//! (`check::conditions`) intersects several of them to decide whether a set of
//! constraints on a branch name can hold; both read the same automaton, so a pattern means
//! the same thing to the checker as to every target that matches at run time.
//!
//! Invariants: a [`Glob`] always comes from a pattern [`parse`] accepted (or from literal
//! text, see [`Glob::from_text`]); its automaton has a single start state (0) and a single
//! accepting state, and only moves forward except for the self-loops of `*`, `**` and `+`.

use std::fmt;
use std::hash::{Hash, Hasher};

/// A parsed glob pattern.
#[derive(Clone, Debug)]
pub struct Glob {
    /// The pattern as written; it identifies the glob (two globs are equal when their
    /// sources are).
    source: String,
    pieces: Vec<Piece>,
    nfa: Nfa,
}

/// Why a pattern is not a valid glob; `offset` is in bytes into the pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for GlobError {}

/// What a glob matches, for targets that can only compare text exactly or by prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimpleGlob {
    /// The pattern has no wildcard: it matches exactly this text.
    Exact(String),
    /// The pattern is literal text followed by `**`: it matches text that starts with this.
    Prefix(String),
}

/// How a literal text must sit in a string, for globs built from a comparison rather than
/// parsed from a pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Anchoring {
    /// The string starts with the text.
    Prefix,
    /// The string ends with the text.
    Suffix,
    /// The string contains the text.
    Substring,
}

/// One element of a pattern: what it matches once, and how often.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Piece {
    atom: Atom,
    repeat: Repeat,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Atom {
    /// One character from this set (a literal character is a set of one).
    Set(CharSet),
    /// `*`: any run of characters without `/`.
    Star,
    /// `**` (not followed by `/`): any run of characters.
    AnyRun,
    /// `**/`: nothing, or any run of characters that ends with `/`.
    Directories,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Repeat {
    Once,
    /// `?` after the atom.
    Optional,
    /// `+` after the atom.
    OneOrMore,
}

/// The characters that `\` escapes; anywhere else they have a meaning of their own.
const SPECIAL: &[char] = &['[', ']', '?', '*', '+', '\\', '!'];

/// Escapes that only make sense in a regular expression (`\d`, `\w`, `\.`...).
const REGEX_ESCAPES: &[char] = &['d', 'D', 'w', 'W', 's', 'S', 'b', 'B', '.'];

const REGEX_MESSAGE: &str = "this looks like a regular expression; globs use `*`";

/// Parses a GitHub filter pattern (without a leading `!`).
pub fn parse(pattern: &str) -> Result<Glob, GlobError> {
    let pieces = Parser {
        pattern,
        chars: pattern.char_indices().collect(),
        next: 0,
    }
    .pieces()?;
    Ok(Glob::from_pieces(pattern.to_string(), pieces))
}

impl Glob {
    /// The pattern as written (or, for a glob built from text, an equivalent pattern).
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the whole of `text` matches the pattern.
    pub fn matches(&self, text: &str) -> bool {
        let mut states = self.nfa.start();
        for c in text.chars() {
            states = self.nfa.step(&states, u32::from(c));
            if states.is_empty() {
                return false;
            }
        }
        self.nfa.accepts(&states)
    }

    /// The pattern as an anchored POSIX extended regular expression (what `awk`'s `~`
    /// takes), for targets that match in a shell. Literal characters that ERE gives a
    /// meaning are escaped with `\`; pass the expression through the environment, not
    /// `awk -v`, which would read the escapes itself.
    pub fn to_ere(&self) -> String {
        let mut ere = String::from("^");
        for piece in &self.pieces {
            match &piece.atom {
                Atom::Set(set) => ere.push_str(&set.to_ere()),
                Atom::Star => ere.push_str("[^/]*"),
                Atom::AnyRun => ere.push_str(".*"),
                Atom::Directories => ere.push_str("(.*/)?"),
            }
            match piece.repeat {
                Repeat::Once => {}
                Repeat::Optional => ere.push('?'),
                Repeat::OneOrMore => ere.push('+'),
            }
        }
        ere.push('$');
        ere
    }

    /// The pattern as an exact text or a prefix, when it is one of those; targets without
    /// glob matching compile such patterns to `==` or `startsWith`.
    pub fn simple_form(&self) -> Option<SimpleGlob> {
        let mut text = String::new();
        let mut pieces = self.pieces.iter().peekable();
        while let Some(piece) = pieces.next() {
            match (&piece.atom, piece.repeat) {
                (Atom::Set(set), Repeat::Once) => text.push(set.only_char()?),
                (Atom::AnyRun, Repeat::Once) if pieces.peek().is_none() => {
                    return Some(SimpleGlob::Prefix(text));
                }
                _ => return None,
            }
        }
        Some(SimpleGlob::Exact(text))
    }

    /// A glob matching strings that hold `text` as `anchoring` says (`Prefix` is
    /// `text` followed by `**`, and so on). Every character of `text` is literal.
    pub(crate) fn from_text(text: &str, anchoring: Anchoring) -> Glob {
        let any = || Piece {
            atom: Atom::AnyRun,
            repeat: Repeat::Once,
        };
        let mut pieces = Vec::new();
        let mut source = String::new();
        if matches!(anchoring, Anchoring::Suffix | Anchoring::Substring) {
            pieces.push(any());
            source.push_str("**");
        }
        for c in text.chars() {
            pieces.push(Piece {
                atom: Atom::Set(CharSet::single(c)),
                repeat: Repeat::Once,
            });
            if SPECIAL.contains(&c) {
                source.push('\\');
            }
            source.push(c);
        }
        if matches!(anchoring, Anchoring::Prefix | Anchoring::Substring) {
            pieces.push(any());
            source.push_str("**");
        }
        Glob::from_pieces(source, pieces)
    }

    /// Whether the pattern means the same when compared case-insensitively as when
    /// compared after lowercasing the text: no literal character or range has an
    /// uppercase form to fold. The condition checker only reasons case-insensitively
    /// about globs for which this holds.
    pub(crate) fn is_case_neutral(&self) -> bool {
        self.pieces.iter().all(|piece| match &piece.atom {
            Atom::Set(set) => set.is_case_neutral(),
            Atom::Star | Atom::AnyRun | Atom::Directories => true,
        })
    }

    /// The automaton the pattern compiles to.
    pub(crate) fn nfa(&self) -> &Nfa {
        &self.nfa
    }

    fn from_pieces(source: String, pieces: Vec<Piece>) -> Glob {
        let nfa = Nfa::compile(&pieces);
        Glob {
            source,
            pieces,
            nfa,
        }
    }
}

impl PartialEq for Glob {
    fn eq(&self, other: &Glob) -> bool {
        self.source == other.source
    }
}

impl Eq for Glob {}

impl Hash for Glob {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.source.hash(state);
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

// ---------------------------------------------------------------------------------------
// Parsing

struct Parser<'a> {
    pattern: &'a str,
    chars: Vec<(usize, char)>,
    next: usize,
}

impl Parser<'_> {
    fn pieces(mut self) -> Result<Vec<Piece>, GlobError> {
        if self.pattern.is_empty() {
            return Err(error(0, "the pattern is empty; `**` matches everything"));
        }
        if self.pattern.starts_with('!') {
            return Err(error(
                0,
                "a leading `!` negates a pattern in a filter list; it is not part of the pattern",
            ));
        }
        if self.pattern.starts_with('^') {
            return Err(error(0, REGEX_MESSAGE));
        }
        let mut pieces: Vec<Piece> = Vec::new();
        while let Some((offset, c)) = self.bump() {
            let atom = match c {
                '\\' => self.escaped(offset)?,
                '*' => self.stars(),
                '[' => Atom::Set(self.class(offset)?),
                '?' | '+' => {
                    Self::repeat(&mut pieces, c, offset)?;
                    continue;
                }
                '$' if self.peek().is_none() => return Err(error(offset, REGEX_MESSAGE)),
                '\n' | '\r' => return Err(error(offset, "a pattern cannot contain a line break")),
                _ => Atom::Set(CharSet::single(c)),
            };
            pieces.push(Piece {
                atom,
                repeat: Repeat::Once,
            });
        }
        Ok(pieces)
    }

    fn bump(&mut self) -> Option<(usize, char)> {
        let item = self.chars.get(self.next).copied();
        if item.is_some() {
            self.next += 1;
        }
        item
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.next).map(|&(_, c)| c)
    }

    fn peek_second(&self) -> Option<char> {
        self.chars.get(self.next + 1).map(|&(_, c)| c)
    }

    /// After a `\`: an escaped special character, a regular-expression escape (rejected),
    /// or an ordinary backslash.
    fn escaped(&mut self, offset: usize) -> Result<Atom, GlobError> {
        match self.peek() {
            Some(c) if SPECIAL.contains(&c) => {
                self.bump();
                Ok(Atom::Set(CharSet::single(c)))
            }
            Some(c) if REGEX_ESCAPES.contains(&c) => Err(error(offset, REGEX_MESSAGE)),
            _ => Ok(Atom::Set(CharSet::single('\\'))),
        }
    }

    /// After a `*`: `*`, `**` or `**/`.
    fn stars(&mut self) -> Atom {
        if self.peek() != Some('*') {
            return Atom::Star;
        }
        self.bump();
        // `**/` is a run of directories unless a `?` or `+` applies to the `/` itself.
        if self.peek() == Some('/') && !matches!(self.peek_second(), Some('?' | '+')) {
            self.bump();
            return Atom::Directories;
        }
        Atom::AnyRun
    }

    /// Applies `?` or `+` to the piece before it, which must be a single character or
    /// `[...]` that is not repeated already.
    fn repeat(pieces: &mut [Piece], c: char, offset: usize) -> Result<(), GlobError> {
        let what = if c == '?' {
            "makes the character before it optional"
        } else {
            "repeats the character before it"
        };
        let Some(last) = pieces.last_mut() else {
            return Err(error(
                offset,
                format!("`{c}` {what}, but nothing comes before it"),
            ));
        };
        if last.repeat != Repeat::Once || !matches!(last.atom, Atom::Set(_)) {
            return Err(error(
                offset,
                format!(
                    "`{c}` {what}, so it cannot follow `*`, `?` or `+`; write `\\{c}` for a literal `{c}`"
                ),
            ));
        }
        last.repeat = if c == '?' {
            Repeat::Optional
        } else {
            Repeat::OneOrMore
        };
        Ok(())
    }

    /// After a `[` at `open`: the listed characters and ranges up to the closing `]`.
    fn class(&mut self, open: usize) -> Result<CharSet, GlobError> {
        if matches!(self.peek(), Some('^' | '!')) {
            return Err(error(
                open,
                "GitHub patterns have no negated `[...]`; list the characters that may appear",
            ));
        }
        let mut ranges = Vec::new();
        loop {
            let Some((offset, c)) = self.bump() else {
                return Err(error(
                    open,
                    "`[` is never closed; add `]`, or write `\\[` for a literal `[`",
                ));
            };
            let low = match c {
                ']' if ranges.is_empty() => {
                    return Err(error(
                        open,
                        "`[]` lists no character, so it matches nothing",
                    ));
                }
                ']' => return Ok(CharSet::from_ranges(ranges)),
                '\\' => self.bump().map_or('\\', |(_, escaped)| escaped),
                _ => c,
            };
            if self.peek() != Some('-') || self.peek_second().is_none() {
                ranges.push((u32::from(low), u32::from(low)));
                continue;
            }
            let dash = self.bump().map_or(offset, |(dash, _)| dash);
            let high = match self.bump() {
                Some((_, ']')) => {
                    return Err(error(dash, format!("the range `{low}-` has no end")));
                }
                Some((_, '\\')) => self.bump().map_or('\\', |(_, escaped)| escaped),
                Some((_, high)) => high,
                None => {
                    return Err(error(
                        open,
                        "`[` is never closed; add `]`, or write `\\[` for a literal `[`",
                    ));
                }
            };
            if low > high {
                return Err(error(
                    offset,
                    format!("the range `{low}-{high}` is reversed; write `{high}-{low}`"),
                ));
            }
            ranges.push((u32::from(low), u32::from(high)));
        }
    }
}

fn error(offset: usize, message: impl Into<String>) -> GlobError {
    GlobError {
        offset,
        message: message.into(),
    }
}

// ---------------------------------------------------------------------------------------
// Character sets and the automaton

/// The largest Unicode scalar value, as a `u32`.
const MAX_CHAR: u32 = char::MAX as u32;

/// A set of characters as sorted, disjoint, inclusive ranges of scalar values.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct CharSet {
    ranges: Vec<(u32, u32)>,
}

impl CharSet {
    /// The set as ERE: a literal character (escaped when ERE gives it a meaning) or a
    /// bracket expression (`]` first and `-` last, where they are literal).
    fn to_ere(&self) -> String {
        let char_of = |code: u32| char::from_u32(code).unwrap_or('?');
        if let Some(c) = self.only_char() {
            return if ".[]()*+?{}|^$\\".contains(c) {
                format!("\\{c}")
            } else {
                c.to_string()
            };
        }
        let (mut first, mut middle, mut last) = (String::new(), String::new(), String::new());
        for &(low, high) in &self.ranges {
            let (low_char, high_char) = (char_of(low), char_of(high));
            if low == high {
                match low_char {
                    ']' => first.push(']'),
                    '-' => last.push('-'),
                    c => middle.push(c),
                }
            } else {
                middle.push(low_char);
                middle.push('-');
                middle.push(high_char);
            }
        }
        // A lone `^` first would negate the set.
        if middle.starts_with('^') && first.is_empty() {
            middle = middle.chars().skip(1).chain(['^']).collect();
        }
        format!("[{first}{middle}{last}]")
    }

    fn single(c: char) -> CharSet {
        CharSet {
            ranges: vec![(u32::from(c), u32::from(c))],
        }
    }

    fn any() -> CharSet {
        CharSet {
            ranges: vec![(0, MAX_CHAR)],
        }
    }

    fn except_slash() -> CharSet {
        let slash = u32::from('/');
        CharSet {
            ranges: vec![(0, slash - 1), (slash + 1, MAX_CHAR)],
        }
    }

    fn from_ranges(mut ranges: Vec<(u32, u32)>) -> CharSet {
        ranges.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
        for (low, high) in ranges {
            match merged.last_mut() {
                Some(last) if low <= last.1.saturating_add(1) => last.1 = last.1.max(high),
                _ => merged.push((low, high)),
            }
        }
        CharSet { ranges: merged }
    }

    fn contains(&self, c: u32) -> bool {
        self.ranges.iter().any(|&(low, high)| low <= c && c <= high)
    }

    /// The one character of a set of one.
    fn only_char(&self) -> Option<char> {
        match self.ranges.as_slice() {
            [(low, high)] if low == high => char::from_u32(*low),
            _ => None,
        }
    }

    fn is_case_neutral(&self) -> bool {
        self.ranges.iter().all(|&(low, high)| {
            if high < 0x80 {
                // ASCII: neutral unless the range holds an uppercase letter.
                high < u32::from('A') || low > u32::from('Z')
            } else {
                low == high
                    && char::from_u32(low).is_some_and(|c| c.to_lowercase().eq(std::iter::once(c)))
            }
        })
    }
}

/// A nondeterministic finite automaton over Unicode scalar values. State 0 is the start;
/// `accept` is the only accepting state. Sets of states ([`Nfa::start`], [`Nfa::step`])
/// are sorted, free of duplicates and closed under empty moves.
#[derive(Clone, Debug)]
pub(crate) struct Nfa {
    states: Vec<NfaState>,
    accept: u32,
}

#[derive(Clone, Debug, Default)]
struct NfaState {
    /// Moves that read nothing.
    empty: Vec<u32>,
    /// Moves that read one character of the set.
    moves: Vec<(CharSet, u32)>,
}

impl Nfa {
    /// Thompson's construction, one or two fresh states per piece, so that the self-loop
    /// of one piece is never shared with another piece.
    fn compile(pieces: &[Piece]) -> Nfa {
        let mut nfa = Nfa {
            states: vec![NfaState::default()],
            accept: 0,
        };
        let mut current = 0;
        for piece in pieces {
            let next = nfa.add_state();
            match (&piece.atom, piece.repeat) {
                (Atom::Set(set), repeat) => {
                    nfa.add_move(current, set.clone(), next);
                    match repeat {
                        Repeat::Once => {}
                        Repeat::Optional => nfa.add_empty(current, next),
                        Repeat::OneOrMore => nfa.add_move(next, set.clone(), next),
                    }
                }
                (Atom::Star | Atom::AnyRun, _) => {
                    let set = if piece.atom == Atom::Star {
                        CharSet::except_slash()
                    } else {
                        CharSet::any()
                    };
                    nfa.add_empty(current, next);
                    nfa.add_move(next, set, next);
                }
                (Atom::Directories, _) => {
                    let inside = nfa.add_state();
                    nfa.add_empty(current, next);
                    nfa.add_empty(current, inside);
                    nfa.add_move(inside, CharSet::any(), inside);
                    nfa.add_move(inside, CharSet::single('/'), next);
                }
            }
            current = next;
        }
        nfa.accept = current;
        nfa
    }

    /// An automaton accepting exactly the given words: a trie, whose word ends lead to
    /// the accepting state by empty moves. Many excluded values (`branch != "a"`, `branch
    /// != "b"`...) become one automaton instead of one each.
    pub(crate) fn words<'w>(words: impl IntoIterator<Item = &'w str>) -> Nfa {
        let mut nfa = Nfa {
            states: vec![NfaState::default()],
            accept: 0,
        };
        let mut ends = Vec::new();
        for word in words {
            let mut current = 0;
            for c in word.chars() {
                let existing = nfa.states.get(current as usize).and_then(|state| {
                    state
                        .moves
                        .iter()
                        .find(|(set, _)| set.only_char() == Some(c))
                        .map(|&(_, to)| to)
                });
                current = match existing {
                    Some(next) => next,
                    None => {
                        let next = nfa.add_state();
                        nfa.add_move(current, CharSet::single(c), next);
                        next
                    }
                };
            }
            ends.push(current);
        }
        nfa.accept = nfa.add_state();
        for end in ends {
            nfa.add_empty(end, nfa.accept);
        }
        nfa
    }

    fn add_state(&mut self) -> u32 {
        self.states.push(NfaState::default());
        u32::try_from(self.states.len() - 1).unwrap_or(u32::MAX)
    }

    fn add_move(&mut self, from: u32, set: CharSet, to: u32) {
        if let Some(state) = self.states.get_mut(from as usize) {
            state.moves.push((set, to));
        }
    }

    fn add_empty(&mut self, from: u32, to: u32) {
        if let Some(state) = self.states.get_mut(from as usize) {
            state.empty.push(to);
        }
    }

    /// The states the automaton is in before reading anything.
    pub(crate) fn start(&self) -> Vec<u32> {
        self.closure(vec![0])
    }

    /// The states reachable from `states` by reading the character `c`.
    pub(crate) fn step(&self, states: &[u32], c: u32) -> Vec<u32> {
        let targets = states
            .iter()
            .filter_map(|&s| self.states.get(s as usize))
            .flat_map(|state| {
                state
                    .moves
                    .iter()
                    .filter(|(set, _)| set.contains(c))
                    .map(|&(_, to)| to)
            })
            .collect();
        self.closure(targets)
    }

    /// Whether a set of states includes the accepting one.
    pub(crate) fn accepts(&self, states: &[u32]) -> bool {
        states.binary_search(&self.accept).is_ok()
    }

    /// Every point where some character set of the automaton starts or stops: characters
    /// between two consecutive boundaries behave alike in every state.
    pub(crate) fn boundaries(&self) -> impl Iterator<Item = u32> + '_ {
        self.states
            .iter()
            .flat_map(|state| state.moves.iter())
            .flat_map(|(set, _)| set.ranges.iter().flat_map(|&(low, high)| [low, high + 1]))
    }

    fn closure(&self, mut pending: Vec<u32>) -> Vec<u32> {
        let mut seen = vec![false; self.states.len()];
        let mut result = Vec::new();
        while let Some(state) = pending.pop() {
            match seen.get_mut(state as usize) {
                Some(flag) if !*flag => *flag = true,
                _ => continue,
            }
            result.push(state);
            if let Some(node) = self.states.get(state as usize) {
                pending.extend(node.empty.iter().copied());
            }
        }
        result.sort_unstable();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_become_anchored_extended_regular_expressions() {
        let ere = |pattern: &str| parse(pattern).unwrap().to_ere();
        assert_eq!(ere("release/*"), "^release/[^/]*$");
        assert_eq!(ere("release/**"), "^release/.*$");
        assert_eq!(ere("**/hotfix"), "^(.*/)?hotfix$");
        assert_eq!(ere("v[0-9]+.x"), "^v[0-9]+\\.x$");
        assert_eq!(ere("feature-?x"), "^feature-?x$");
        assert_eq!(ere("a\\*b(c)"), "^a\\*b\\(c\\)$");
        assert_eq!(ere("[-a]"), "^[a-]$");
    }

    fn glob(pattern: &str) -> Glob {
        match parse(pattern) {
            Ok(glob) => glob,
            Err(error) => panic!("`{pattern}` should parse: {error}"),
        }
    }

    fn assert_matches(pattern: &str, yes: &[&str], no: &[&str]) {
        let glob = glob(pattern);
        for text in yes {
            assert!(glob.matches(text), "`{pattern}` should match `{text}`");
        }
        for text in no {
            assert!(!glob.matches(text), "`{pattern}` should not match `{text}`");
        }
    }

    fn rejects(pattern: &str) -> GlobError {
        match parse(pattern) {
            Ok(_) => panic!("`{pattern}` should be rejected"),
            Err(error) => error,
        }
    }

    #[test]
    fn cheat_sheet_branch_and_tag_patterns() {
        assert_matches(
            "feature/*",
            &["feature/my-branch", "feature/your-branch", "feature/"],
            &["feature/a/b", "feature"],
        );
        assert_matches(
            "feature/**",
            &[
                "feature/beta-a/my-branch",
                "feature/your-branch",
                "feature/mona/the/octocat",
            ],
            &["feature", "features/x"],
        );
        assert_matches("main", &["main"], &["main2", "mai", "Main"]);
        assert_matches(
            "releases/mona-the-octocat",
            &["releases/mona-the-octocat"],
            &["releases/mona"],
        );
        assert_matches("*", &["main", "releases", "v1.0"], &["releases/x"]);
        assert_matches("**", &["all/branches/and/tags", "", "x"], &[]);
        assert_matches(
            "*feature",
            &["mona-feature", "feature", "ver-10-feature"],
            &["a/feature", "feature-x"],
        );
        assert_matches("v2*", &["v2", "v2.0", "v2.9"], &["v1", "v2/x"]);
        assert_matches(
            "v[12].[0-9]+.[0-9]+",
            &["v1.10.1", "v2.0.0", "v1.0.99"],
            &["v3.0.0", "v1..0", "v1.0", "v1.a.0"],
        );
        assert_matches(
            "v*.*.*",
            &["v1.2.3", "v10.0.0-rc1", "v..."],
            &["v1.2", "v1/2.3.4"],
        );
    }

    #[test]
    fn cheat_sheet_path_patterns() {
        assert_matches(
            "*.jsx?",
            &["page.js", "page.jsx"],
            &["page.jsxx", "page.ts", "dir/page.js"],
        );
        assert_matches("*.js", &["app.js", "index.js"], &["js/index.js"]);
        assert_matches(
            "**.js",
            &["index.js", "js/index.js", "src/js/app.js"],
            &["index.ts"],
        );
        assert_matches(
            "**/*.js",
            &["index.js", "js/index.js", "src/js/app.js"],
            &["index.jsx"],
        );
        assert_matches(
            "docs/*",
            &["docs/README.md", "docs/file.txt"],
            &["docs/a/b.md"],
        );
        assert_matches(
            "docs/**",
            &["docs/README.md", "docs/mona/octocat.txt"],
            &["doc/x"],
        );
        assert_matches(
            "docs/**/*.md",
            &[
                "docs/README.md",
                "docs/mona/hello-world.md",
                "docs/a/markdown/file.md",
            ],
            &["docs/a.txt", "README.md"],
        );
        assert_matches(
            "**/docs/**",
            &[
                "docs/hello.md",
                "dir/docs/my-file.txt",
                "space/docs/plan/space.doc",
            ],
            &["mydocs/x"],
        );
        assert_matches(
            "**/README.md",
            &["README.md", "js/README.md"],
            &["README.mdx"],
        );
        assert_matches(
            "**/*src/**",
            &["a/src/app.js", "my-src/code/js/app.js"],
            &["a/src"],
        );
        assert_matches(
            "**/*-post.md",
            &["my-post.md", "path/their-post.md"],
            &["post.md"],
        );
        assert_matches(
            "**/migrate-*.sql",
            &[
                "migrate-10909.sql",
                "db/migrate-v1.0.sql",
                "db/sept/migrate-v1.sql",
            ],
            &["migrate.sql"],
        );
    }

    #[test]
    fn repetition_applies_to_the_preceding_character_or_class() {
        assert_matches("ab+c", &["abc", "abbbc"], &["ac"]);
        assert_matches("ab?c", &["abc", "ac"], &["abbc"]);
        assert_matches("[0-9]+x", &["1x", "123x"], &["x", "1ax"]);
        assert_matches("a+b*", &["ab", "aabXYZ", "abab"], &["b", "a/"]);
        assert_matches("\\*+", &["*", "***"], &["", "a"]);
    }

    #[test]
    fn escapes_make_special_characters_literal() {
        assert_matches("a\\*b", &["a*b"], &["axb"]);
        assert_matches("\\[x]", &["[x]"], &["x"]);
        assert_matches("\\!important", &["!important"], &["important"]);
        assert_matches("a\\c", &["a\\c"], &["ac"]);
        assert_matches("[\\]a]", &["]", "a"], &["\\"]);
    }

    #[test]
    fn classes_list_characters_and_ranges() {
        assert_matches("[abc]", &["a", "c"], &["d", "ab", ""]);
        assert_matches("[a-cx]", &["b", "x"], &["d"]);
        assert_matches("[-a]", &["-", "a"], &["b"]);
        assert_matches("é[ü-ÿ]", &["éü", "éÿ"], &["éa"]);
    }

    #[test]
    fn rejects_malformed_patterns() {
        assert_eq!(rejects("").offset, 0);
        assert_eq!(rejects("!main").offset, 0);
        assert_eq!(rejects("release/[0-9").offset, 8);
        let reversed = rejects("v[9-1]");
        assert_eq!(reversed.offset, 2);
        assert!(
            reversed.message.contains("`9-1` is reversed"),
            "{}",
            reversed.message
        );
        assert_eq!(rejects("?abc").offset, 0);
        assert_eq!(rejects("+abc").offset, 0);
        assert_eq!(rejects("a*+").offset, 2);
        assert_eq!(rejects("a??").offset, 2);
        assert_eq!(rejects("x[]").offset, 1);
        assert_eq!(rejects("[a-]").offset, 2);
        assert_eq!(rejects("[^a]").offset, 0);
        assert_eq!(rejects("a\nb").offset, 1);
    }

    #[test]
    fn rejects_regular_expressions_with_a_hint() {
        for pattern in ["^v\\d+", "v\\d+", "release\\.x", "main$"] {
            let error = rejects(pattern);
            assert!(
                error.message.contains("regular expression"),
                "{pattern}: {}",
                error.message
            );
        }
        assert_eq!(rejects("v\\d+").offset, 1);
        assert_eq!(rejects("main$").offset, 4);
    }

    #[test]
    fn simple_forms() {
        assert_eq!(
            glob("main").simple_form(),
            Some(SimpleGlob::Exact("main".into()))
        );
        assert_eq!(
            glob("release/**").simple_form(),
            Some(SimpleGlob::Prefix("release/".into()))
        );
        assert_eq!(
            glob("**").simple_form(),
            Some(SimpleGlob::Prefix(String::new()))
        );
        assert_eq!(
            glob("a\\*b").simple_form(),
            Some(SimpleGlob::Exact("a*b".into()))
        );
        assert_eq!(glob("release/*").simple_form(), None);
        assert_eq!(glob("release/**/x").simple_form(), None);
        assert_eq!(glob("v[12]").simple_form(), None);
        assert_eq!(glob("ma?in").simple_form(), None);
    }

    #[test]
    fn globs_from_text_are_literal() {
        let prefix = Glob::from_text("a*[", Anchoring::Prefix);
        assert!(prefix.matches("a*[xyz"));
        assert!(!prefix.matches("ab["));
        assert_eq!(prefix, glob(prefix.as_str()));
        assert!(Glob::from_text("mid", Anchoring::Substring).matches("a/mid/b"));
        assert!(Glob::from_text(".md", Anchoring::Suffix).matches("x/y.md"));
        assert!(Glob::from_text("", Anchoring::Prefix).matches(""));
        assert!(!Glob::from_text("ab", Anchoring::Suffix).matches("b"));
    }

    #[test]
    fn word_automata_accept_exactly_their_words() {
        let nfa = Nfa::words(["main", "ma", "dev", ""]);
        let accepts = |text: &str| {
            let end = text
                .chars()
                .fold(nfa.start(), |states, c| nfa.step(&states, u32::from(c)));
            nfa.accepts(&end)
        };
        for word in ["main", "ma", "dev", ""] {
            assert!(accepts(word), "{word}");
        }
        for other in ["m", "mai", "mains", "de"] {
            assert!(!accepts(other), "{other}");
        }
    }

    #[test]
    fn case_neutrality() {
        assert!(glob("release/*-[0-9]").is_case_neutral());
        assert!(!glob("Release/*").is_case_neutral());
        assert!(!glob("[A-z]").is_case_neutral());
        assert!(!glob("É").is_case_neutral());
    }
}

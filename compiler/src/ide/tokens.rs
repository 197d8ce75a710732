//! Semantic tokens: what each word, string, number, operator and comment of a document
//! is, for the editor to colour. Tokens come in document order, never overlap and never
//! span lines: a `"""` script is one string token per line, and a string with `${{ expr }}`
//! is its text pieces with the expression's own tokens between them.
//!
//! The text is cut into tokens by the formatter's lexer, which also finds the comments
//! the grammar skips. Each word is then classified by what the parse says stands there,
//! and names that refer to something (jobs, `let`s, parameters, templates, gates) by the
//! name index, so a name is coloured as what references and rename take it for. A word
//! the parse has nothing for is a keyword if the grammar has it as one, and is left
//! uncoloured otherwise (the rest of a line the parser could not read).

use std::collections::HashMap;

use crate::ast::{self, ExprKind, ItemKind};
use crate::format::{self, Kind};
use crate::ir::Context;
use crate::modules;
use crate::span::Span;

use super::names::{self, NameIndex, NameKind, Origin, Scope};
use super::walk::{self, Visitor};
use super::{Document, LineIndex};

/// The token types, in the order of [`TokenType`]: the legend a client is told, whose
/// indices the protocol sends. They are the protocol's predefined types, which editors
/// colour without configuration.
pub const TOKEN_TYPES: &[&str] = &[
    "keyword",
    "comment",
    "string",
    "number",
    "operator",
    "namespace",
    "class",
    "method",
    "function",
    "parameter",
    "variable",
    "property",
    "enum",
    "enumMember",
    "type",
    "event",
    "interface",
    "struct",
];

/// The token modifiers, in the order of [`TokenModifier`]: bit `i` of
/// [`SemanticToken::modifiers`] is `TOKEN_MODIFIERS[i]`.
pub const TOKEN_MODIFIERS: &[&str] =
    &["declaration", "readonly", "defaultLibrary", "documentation"];

/// What a token is. Where `.pipe` has no protocol type of its own, it takes the one the
/// outline's symbol kind suggests (a job is a class there and here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenType {
    /// Declaration keywords, `from`, `as`, the kind of a template, `true` and `false`.
    Keyword,
    Comment,
    /// Strings, scripts and raw GitHub expressions.
    String,
    /// Numbers, durations and percentages.
    Number,
    Operator,
    /// Pipelines, environments and module namespaces (`docker` in `docker.build_push`).
    Namespace,
    /// Jobs.
    Class,
    /// Steps.
    Method,
    /// Templates and the built-in functions of conditions.
    Function,
    /// A template's parameters, and the arguments of a call that name them.
    Parameter,
    /// `let`s and contexts (`branch`, `needs`, `inputs` ...).
    Variable,
    /// Keys of settings and blocks, members of paths, inputs, secrets and outputs.
    Property,
    Enum,
    /// An enum's members, the bare words an enum parameter takes and permission levels.
    EnumMember,
    /// Types in type annotations.
    Type,
    /// The events of triggers (`push` in `on push`).
    Event,
    /// Gates.
    Interface,
    /// Services.
    Struct,
}

impl TokenType {
    /// Its name in [`TOKEN_TYPES`].
    pub fn name(self) -> &'static str {
        TOKEN_TYPES.get(self as usize).copied().unwrap_or_default()
    }

    /// Its index in [`TOKEN_TYPES`], which the protocol sends.
    pub fn index(self) -> u32 {
        self as u32
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenModifier {
    /// Where a name is declared.
    Declaration,
    /// A `let`, which cannot change.
    Readonly,
    /// Contexts, built-in functions and the standard library's templates.
    DefaultLibrary,
    /// A `##` comment, which documents what follows it.
    Documentation,
}

impl TokenModifier {
    pub const fn bit(self) -> u32 {
        1 << self as u32
    }
}

/// One token, at a 0-based line and a UTF-16 column, as long as its UTF-16 code units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemanticToken {
    pub line: u32,
    pub start: u32,
    pub length: u32,
    pub token_type: TokenType,
    /// A set of [`TokenModifier::bit`]s.
    pub modifiers: u32,
}

const DECLARATION: u32 = TokenModifier::Declaration.bit();
const READONLY: u32 = TokenModifier::Readonly.bit();
const DEFAULT_LIBRARY: u32 = TokenModifier::DefaultLibrary.bit();

/// The document's tokens, in document order.
pub fn semantic_tokens(document: &Document) -> Vec<SemanticToken> {
    let text = document.text();
    let mut roles = Roles {
        text,
        by_start: HashMap::new(),
        interpolations: HashMap::new(),
        namespaces: namespaces(document.file()),
    };
    walk::walk_items(&document.file().items, &mut roles);
    roles.names(&NameIndex::of(document));
    let mut tokens = Tokens {
        roles: &roles,
        index: LineIndex::new(text),
        out: Vec::new(),
    };
    tokens.range(0, text.len());
    tokens.out
}

/// The namespaces the file's imports make: their aliases, or the modules' file stems.
fn namespaces(file: &ast::File) -> Vec<String> {
    file.items
        .iter()
        .filter_map(|item| match &item.kind {
            ItemKind::Import {
                path,
                names: None,
                alias,
            } => Some(alias.as_ref().map_or_else(
                || modules::default_alias(&path.as_plain().unwrap_or_default()),
                |alias| alias.name.clone(),
            )),
            _ => None,
        })
        .collect()
}

/// What stands at a byte offset, as far as the end of the word it is.
#[derive(Clone, Copy)]
struct Role {
    end: usize,
    token_type: TokenType,
    modifiers: u32,
}

/// What the parse and the name index say of the document's words.
struct Roles<'a> {
    text: &'a str,
    by_start: HashMap<usize, Role>,
    /// The spans of the expressions interpolated in each string, by the string's start.
    interpolations: HashMap<usize, Vec<Span>>,
    namespaces: Vec<String>,
}

impl Roles<'_> {
    /// Says what stands at `span` unless something more specific already did: the walk
    /// visits a parent before its children, and the parent knows more (an enum's keys are
    /// its members; a path's root is a namespace).
    fn offer(&mut self, span: Span, token_type: TokenType, modifiers: u32) {
        if span.start < span.end {
            self.by_start.entry(span.start as usize).or_insert(Role {
                end: span.end as usize,
                token_type,
                modifiers,
            });
        }
    }

    /// A dotted name (`docker.platform`, `docker.build_push`): its last segment is the
    /// thing, the ones before it namespaces. The parse's span of a type's name can take
    /// the blanks after it, so each segment is trimmed.
    fn path(&mut self, span: Span, token_type: TokenType, modifiers: u32, replace: bool) {
        let written = self.text.get(span.range()).unwrap_or_default();
        let mut segment_start = span.start as usize;
        let mut segments = written.split('.').peekable();
        while let Some(segment) = segments.next() {
            let (token_type, modifiers) = match segments.peek() {
                Some(_) => (TokenType::Namespace, 0),
                None => (token_type, modifiers),
            };
            let start = segment_start + (segment.len() - segment.trim_start().len());
            let role = Role {
                end: start + segment.trim().len(),
                token_type,
                modifiers,
            };
            if replace {
                self.by_start.insert(start, role);
            } else {
                self.by_start.entry(start).or_insert(role);
            }
            segment_start += segment.len() + 1;
        }
    }

    fn ident(&mut self, ident: &ast::Ident, token_type: TokenType, modifiers: u32) {
        self.offer(ident.span, token_type, modifiers);
    }

    /// A type's name, and the item type of `list(platform)` or `list(docker.platform)`.
    fn type_ref(&mut self, ty: &ast::TypeRef) {
        self.path(ty.name.span, TokenType::Type, 0, false);
        for arg in ty.args.iter().flatten() {
            if let ExprKind::Name(name) | ExprKind::Member { name, .. } = &arg.kind {
                self.ident(name, TokenType::Type, 0);
            }
        }
    }

    /// A bare word where an enum's member is wanted: a template's argument or each item of
    /// a list given as one. A context or a namespace stays what it is, as the checker reads
    /// it; a `let` the name index says is one.
    fn members(&mut self, value: &ast::Expr) {
        let items = match &value.kind {
            ExprKind::List(items) => items.iter().collect(),
            _ => vec![value],
        };
        for item in items {
            if let ExprKind::Name(name) = &item.kind
                && Context::lookup(&name.name).is_none()
                && !self.namespaces.contains(&name.name)
            {
                self.ident(name, TokenType::EnumMember, 0);
            }
        }
    }

    /// What a name in an expression is when it is no `let`: a context or a namespace.
    fn bare_name(&mut self, name: &ast::Ident) {
        if self.namespaces.contains(&name.name) {
            self.ident(name, TokenType::Namespace, 0);
        } else if Context::lookup(&name.name).is_some() {
            self.ident(name, TokenType::Variable, DEFAULT_LIBRARY);
        } else {
            self.ident(name, TokenType::Variable, 0);
        }
    }

    /// The names the index resolved, as references and rename see them; they override
    /// what the walk guessed.
    fn names(&mut self, index: &NameIndex) {
        for (occurrence, binding) in index.occurrences() {
            let (token_type, modifiers) = match (binding.kind, binding.scope) {
                (NameKind::Job, _) => (TokenType::Class, 0),
                (NameKind::Gate, _) => (TokenType::Interface, 0),
                (NameKind::Let, Scope::Template(_)) => (TokenType::Parameter, 0),
                (NameKind::Let, _) => (TokenType::Variable, READONLY),
                (NameKind::Template, _) => (TokenType::Function, library(&binding.origin)),
                (NameKind::Enum, _) => (TokenType::Enum, library(&binding.origin)),
                // A module is named by its import's path, a string.
                (NameKind::Module, _) => continue,
            };
            let declaration = if occurrence.declaration {
                DECLARATION
            } else {
                0
            };
            self.path(occurrence.span, token_type, modifiers | declaration, true);
        }
    }
}

/// Whether a template or an enum comes from the standard library.
fn library(origin: &Origin) -> u32 {
    match origin {
        Origin::Imported { spec }
            if modules::resolve_import("", spec).is_ok_and(|path| names::is_stdlib(&path)) =>
        {
            DEFAULT_LIBRARY
        }
        _ => 0,
    }
}

impl Visitor for Roles<'_> {
    fn item(&mut self, item: &ast::Item) {
        match &item.kind {
            ItemKind::Pipeline { id, .. } => self.ident(id, TokenType::Namespace, DECLARATION),
            ItemKind::Job { id, .. } => self.ident(id, TokenType::Class, DECLARATION),
            ItemKind::JobCall { id, call, .. } => {
                self.ident(id, TokenType::Class, DECLARATION);
                self.call(call);
            }
            ItemKind::Step { id, .. } => {
                if let Some(id) = id {
                    self.ident(id, TokenType::Method, DECLARATION);
                }
            }
            ItemKind::StepCall { id, call, .. } => {
                if let Some(id) = id {
                    self.ident(id, TokenType::Method, DECLARATION);
                }
                self.call(call);
            }
            ItemKind::Trigger { event, .. } => self.ident(event, TokenType::Event, 0),
            ItemKind::Let { name, ty, .. } => {
                self.ident(name, TokenType::Variable, DECLARATION | READONLY);
                if let Some(ty) = ty {
                    self.type_ref(ty);
                }
            }
            ItemKind::Gate { name, .. } => self.ident(name, TokenType::Interface, DECLARATION),
            ItemKind::Service { name, .. } => self.ident(name, TokenType::Struct, DECLARATION),
            ItemKind::Input { name, ty, .. } => {
                self.ident(name, TokenType::Property, DECLARATION);
                self.type_ref(ty);
            }
            ItemKind::Secret { name, .. } => self.ident(name, TokenType::Property, DECLARATION),
            ItemKind::Output { name, ty, .. } => {
                self.ident(name, TokenType::Property, DECLARATION);
                if let Some(ty) = ty {
                    self.type_ref(ty);
                }
            }
            ItemKind::Environment { name, .. } => {
                self.ident(name, TokenType::Namespace, DECLARATION);
            }
            ItemKind::Promotion { stages } => {
                for stage in stages {
                    self.ident(stage, TokenType::Namespace, 0);
                }
            }
            ItemKind::Template { name, params, .. } => {
                self.ident(name, TokenType::Function, DECLARATION);
                for param in params {
                    self.ident(&param.name, TokenType::Parameter, DECLARATION);
                    self.type_ref(&param.ty);
                }
            }
            ItemKind::Import { names, alias, .. } => {
                for name in names.iter().flatten() {
                    self.ident(name, TokenType::Function, 0);
                }
                if let Some(alias) = alias {
                    self.ident(alias, TokenType::Namespace, DECLARATION);
                }
            }
            ItemKind::Enum { name, body } => {
                self.ident(name, TokenType::Enum, DECLARATION);
                for member in &body.items {
                    if let ItemKind::Property { key, .. } = &member.kind {
                        self.offer(key.span, TokenType::EnumMember, DECLARATION);
                    }
                }
            }
            ItemKind::KeyBlock { key, body } => {
                self.offer(key.span, TokenType::Property, 0);
                if key.name == "permissions" {
                    for permission in &body.items {
                        if let ItemKind::Property { value, .. } = &permission.kind {
                            self.members(value);
                        }
                    }
                }
            }
            ItemKind::Property { key, value } => {
                self.offer(key.span, TokenType::Property, 0);
                if let (true, ExprKind::Name(environment)) =
                    (key.name == "environment", &value.kind)
                {
                    self.ident(environment, TokenType::Namespace, 0);
                }
            }
            ItemKind::Error => {}
        }
    }

    fn expr(&mut self, expr: &ast::Expr) {
        match &expr.kind {
            ExprKind::Name(name) => self.bare_name(name),
            ExprKind::Member { base, name } => {
                // `steps.<id>` names a step of the job, declared as a method.
                let step = matches!(&base.kind, ExprKind::Name(root) if root.name == "steps");
                let role = if step {
                    TokenType::Method
                } else {
                    TokenType::Property
                };
                self.ident(name, role, 0);
                // The root of a path is a namespace or a context, never a `let`.
                if let ExprKind::Name(root) = &base.kind {
                    if self.namespaces.contains(&root.name) {
                        self.ident(root, TokenType::Namespace, 0);
                    } else {
                        self.ident(root, TokenType::Variable, DEFAULT_LIBRARY);
                    }
                }
            }
            ExprKind::Call { function, .. } => {
                self.ident(function, TokenType::Function, DEFAULT_LIBRARY);
            }
            _ => {}
        }
    }

    fn string(&mut self, string: &ast::StringLit) {
        let interpolated: Vec<Span> = string
            .parts
            .iter()
            .filter_map(|part| match part {
                ast::StringPart::Interpolation(expr) => Some(expr.span),
                ast::StringPart::Text(_) => None,
            })
            .collect();
        if !interpolated.is_empty() {
            self.interpolations
                .insert(string.span.start as usize, interpolated);
        }
    }
}

impl Roles<'_> {
    fn call(&mut self, call: &ast::TemplateCall) {
        self.path(call.name_span(), TokenType::Function, 0, false);
        for argument in &call.args {
            self.ident(&argument.name, TokenType::Parameter, 0);
            self.members(&argument.value);
        }
    }
}

struct Tokens<'a> {
    roles: &'a Roles<'a>,
    index: LineIndex<'a>,
    out: Vec<SemanticToken>,
}

impl Tokens<'_> {
    /// The tokens of the bytes `start..end`.
    fn range(&mut self, start: usize, end: usize) {
        let text = self.roles.text;
        for token in format::lex(text, start..end) {
            let written = text.get(token.range()).unwrap_or_default();
            match token.kind {
                Kind::Comment => {
                    let documentation = if written.starts_with("##") {
                        TokenModifier::Documentation.bit()
                    } else {
                        0
                    };
                    let end = token.start + written.trim_end().len();
                    self.push(token.start, end, TokenType::Comment, documentation);
                }
                Kind::Operator if written == ";" => {}
                Kind::Operator | Kind::Not | Kind::Question => {
                    self.push(token.start, token.end, TokenType::Operator, 0);
                }
                Kind::Text => self.text(token.start, token.end),
                Kind::Word => self.word(token.start, token.end, written),
                Kind::Open
                | Kind::Close
                | Kind::Comma
                | Kind::Colon
                | Kind::Dot
                | Kind::Newline => {}
            }
        }
    }

    fn role(&self, start: usize, end: usize) -> Option<Role> {
        self.roles
            .by_start
            .get(&start)
            .copied()
            .filter(|role| role.end == end)
    }

    fn word(&mut self, start: usize, end: usize, written: &str) {
        if let Some(role) = self.role(start, end) {
            self.push(start, end, role.token_type, role.modifiers);
        } else if written.starts_with(|c: char| c.is_ascii_digit()) {
            self.push(start, end, TokenType::Number, 0);
        } else if names::KEYWORDS.contains(&written) {
            self.push(start, end, TokenType::Keyword, 0);
        }
    }

    /// A string, a script or a raw expression: a quoted key or job name is what it names;
    /// otherwise its text pieces are strings and its interpolations are expressions.
    fn text(&mut self, start: usize, end: usize) {
        let written = self.roles.text.get(start..end).unwrap_or_default();
        let named = self
            .role(start, end)
            .or_else(|| self.role(start + 1, end.saturating_sub(1)));
        if let Some(role) = named.filter(|_| !written.contains('\n')) {
            self.push(start, end, role.token_type, role.modifiers);
            return;
        }
        let mut cursor = start;
        let roles = self.roles;
        for expr in roles.interpolations.get(&start).into_iter().flatten() {
            let (expr_start, expr_end) = (expr.start as usize, expr.end as usize);
            if expr_start <= cursor || expr_end > end {
                continue;
            }
            let before = self.roles.text.get(cursor..expr_start).unwrap_or_default();
            let open = before.rfind("${{").map_or(expr_start, |at| cursor + at);
            self.string(cursor, open);
            self.range(expr_start, expr_end);
            let after = self.roles.text.get(expr_end..end).unwrap_or_default();
            cursor = after.find("}}").map_or(expr_end, |at| expr_end + at + 2);
        }
        self.string(cursor, end);
    }

    /// String text, one token per line; lines after the first start at their text, not
    /// their indentation.
    fn string(&mut self, start: usize, end: usize) {
        let text = self.roles.text.get(start..end).unwrap_or_default();
        let mut line_start = start;
        for (n, line) in text.split('\n').enumerate() {
            let content = line.trim_end_matches('\r');
            let indent = if n == 0 {
                0
            } else {
                content.len() - content.trim_start().len()
            };
            self.push(
                line_start + indent,
                line_start + content.len(),
                TokenType::String,
                0,
            );
            line_start += line.len() + 1;
        }
    }

    fn push(&mut self, start: usize, end: usize, token_type: TokenType, modifiers: u32) {
        let Some(written) = self.roles.text.get(start..end).filter(|w| !w.is_empty()) else {
            return;
        };
        let position = self.index.position(start);
        self.out.push(SemanticToken {
            line: position.line,
            start: position.character,
            length: u32::try_from(written.encode_utf16().count()).unwrap_or(u32::MAX),
            token_type,
            modifiers,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_follows_the_enum() {
        let all = [
            TokenType::Keyword,
            TokenType::Comment,
            TokenType::String,
            TokenType::Number,
            TokenType::Operator,
            TokenType::Namespace,
            TokenType::Class,
            TokenType::Method,
            TokenType::Function,
            TokenType::Parameter,
            TokenType::Variable,
            TokenType::Property,
            TokenType::Enum,
            TokenType::EnumMember,
            TokenType::Type,
            TokenType::Event,
            TokenType::Interface,
            TokenType::Struct,
        ];
        assert_eq!(all.len(), TOKEN_TYPES.len());
        for token_type in all {
            // The legend names are the variants' names in lower camel case.
            let variant = format!("{token_type:?}");
            let (first, rest) = variant.split_at(1);
            assert_eq!(
                token_type.name(),
                format!("{}{rest}", first.to_lowercase()),
                "{variant}"
            );
        }
        let modifiers = [
            TokenModifier::Declaration,
            TokenModifier::Readonly,
            TokenModifier::DefaultLibrary,
            TokenModifier::Documentation,
        ];
        for (n, modifier) in modifiers.into_iter().enumerate() {
            let variant = format!("{modifier:?}");
            let (first, rest) = variant.split_at(1);
            assert_eq!(
                TOKEN_MODIFIERS.get(n).copied(),
                Some(format!("{}{rest}", first.to_lowercase()).as_str())
            );
            assert_eq!(modifier.bit(), 1 << n);
        }
    }

    #[test]
    fn a_crlf_line_end_is_not_in_a_token() {
        let document = Document::new("test.pipe", "# note\r\nlet a = \"x\"\r\n".to_owned());
        let lengths: Vec<(u32, u32)> = semantic_tokens(&document)
            .iter()
            .map(|t| (t.line, t.length))
            .collect();
        assert_eq!(lengths, vec![(0, 6), (1, 3), (1, 1), (1, 1), (1, 3)]);
    }
}

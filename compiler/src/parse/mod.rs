//! Parsing: text in, [`ast::File`] plus diagnostics out. It never fails: broken items
//! become [`ast::ItemKind::Error`] after a syntax diagnostic, and parsing carries on with
//! the next item. pest is private to this module; only the AST leaves it.

mod expr;
mod strings;

use std::cell::RefCell;

use pest::Parser as _;
use pest::iterators::Pair;

use crate::ast::{self, Block, Ident, Item, ItemKind, Key, TemplateKind, TypeRef};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{FileId, Span};

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/pipe.pest"]
struct PipeGrammar;

/// Deeper nesting than this is refused before pest sees the text, so neither pest nor the
/// recursive passes after it can exhaust the stack.
const MAX_NESTING: usize = 64;

/// Parses one file. The returned file holds everything that could be read.
pub fn parse_file(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    let parser = Parser {
        file,
        text,
        diagnostics: RefCell::new(Vec::new()),
    };
    let parsed = parser.parse();
    (parsed, parser.diagnostics.into_inner())
}

struct Parser<'t> {
    file: FileId,
    text: &'t str,
    diagnostics: RefCell<Vec<Diagnostic>>,
}

impl<'t> Parser<'t> {
    fn parse(&self) -> ast::File {
        if let Some(offset) = nesting_limit_exceeded(self.text) {
            self.report(
                Diagnostic::new(
                    Code::SyntaxError,
                    format!("brackets are nested more than {MAX_NESTING} levels deep"),
                    self.span(offset..offset + 1),
                    "too deep",
                )
                .with_help("split the expression or block into smaller pieces"),
            );
            return ast::File { items: Vec::new() };
        }
        match PipeGrammar::parse(Rule::file, self.text) {
            Ok(mut pairs) => {
                let items = pairs
                    .next()
                    .map(|file| self.items(file))
                    .unwrap_or_default();
                ast::File { items }
            }
            // The grammar accepts every input through its recovery rules, so this is reached
            // only when pest's resource limits stop it.
            Err(error) => {
                let offset = match error.location {
                    pest::error::InputLocation::Pos(p) => p,
                    pest::error::InputLocation::Span((s, _)) => s,
                };
                self.report(Diagnostic::new(
                    Code::SyntaxError,
                    "the file is too complex to parse",
                    self.span(offset..offset),
                    error.variant.message().to_string(),
                ));
                ast::File { items: Vec::new() }
            }
        }
    }

    fn span(&self, range: std::ops::Range<usize>) -> Span {
        let end = range.end.min(self.text.len());
        Span::new(self.file, range.start.min(end)..end)
    }

    fn pair_span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        self.span(s.start()..s.end())
    }

    fn report(&self, diagnostic: Diagnostic) {
        self.diagnostics.borrow_mut().push(diagnostic);
    }

    /// The items of a `file` or `block` pair.
    fn items(&self, parent: Pair<'_, Rule>) -> Vec<Item> {
        parent
            .into_inner()
            .filter_map(|pair| match pair.as_rule() {
                Rule::stray_close => {
                    self.report(
                        Diagnostic::new(
                            Code::SyntaxError,
                            "unexpected `}`",
                            self.pair_span(&pair),
                            "no block is open here",
                        )
                        .with_help("remove this `}` or add the `{` it was meant to close"),
                    );
                    None
                }
                Rule::recover => {
                    self.recover(&pair);
                    Some(Item {
                        kind: ItemKind::Error,
                        span: self.pair_span(&pair),
                    })
                }
                Rule::block_close | Rule::EOI => None,
                _ => Some(self.item(pair)),
            })
            .collect()
    }

    fn item(&self, pair: Pair<'_, Rule>) -> Item {
        let span = self.pair_span(&pair);
        let rule = pair.as_rule();
        let mut inner = Children::new(pair);
        let kind = match rule {
            Rule::pipeline_decl => {
                inner.skip(Rule::kw_pipeline);
                let id = self.ident_or_missing(inner.take(Rule::ident), span);
                let name = inner.take(Rule::string).map(|p| self.string(p));
                ItemKind::Pipeline {
                    id,
                    name,
                    body: self.block_or_empty(inner.take(Rule::block), span),
                }
            }
            Rule::job_decl => {
                inner.skip(Rule::kw_job);
                let id = self.ident_or_missing(inner.take(Rule::ident), span);
                let name = inner.take(Rule::string).map(|p| self.string(p));
                ItemKind::Job {
                    id,
                    name,
                    body: self.block_or_empty(inner.take(Rule::block), span),
                }
            }
            Rule::step_decl => {
                inner.skip(Rule::kw_step);
                let id = inner.take(Rule::ident).map(|p| self.ident(p));
                let name = inner.take(Rule::string).map(|p| self.string(p));
                ItemKind::Step {
                    id,
                    name,
                    body: self.block_or_empty(inner.take(Rule::block), span),
                }
            }
            Rule::trigger_decl => {
                inner.skip(Rule::kw_on);
                let event = self.ident_or_missing(inner.take(Rule::ident), span);
                ItemKind::Trigger {
                    event,
                    body: inner.take(Rule::block).map(|p| self.block(p)),
                }
            }
            Rule::let_decl => {
                inner.skip(Rule::kw_let);
                let name = self.ident_or_missing(inner.take(Rule::ident), span);
                let ty = inner.take(Rule::type_ref).map(|p| self.type_ref(p));
                ItemKind::Let {
                    name,
                    ty,
                    value: self.expr_or_error(inner.take(Rule::expr), span),
                }
            }
            Rule::gate_decl => {
                inner.skip(Rule::kw_gate);
                let name = self.ident_or_missing(inner.take(Rule::ident), span);
                ItemKind::Gate {
                    name,
                    value: self.expr_or_error(inner.take(Rule::expr), span),
                }
            }
            Rule::service_decl => {
                inner.skip(Rule::kw_service);
                let name = self.ident_or_missing(inner.take(Rule::ident), span);
                ItemKind::Service {
                    name,
                    body: self.block_or_empty(inner.take(Rule::block), span),
                }
            }
            Rule::input_decl => {
                inner.skip(Rule::kw_input);
                let name = self.ident_or_missing(inner.take(Rule::ident), span);
                let ty = inner
                    .take(Rule::type_ref)
                    .map(|p| self.type_ref(p))
                    .unwrap_or_else(|| TypeRef {
                        name: Ident {
                            name: String::new(),
                            span,
                        },
                        args: None,
                        optional: false,
                        span,
                    });
                ItemKind::Input {
                    name,
                    ty,
                    body: inner.take(Rule::block).map(|p| self.block(p)),
                }
            }
            Rule::secret_decl => {
                inner.skip(Rule::kw_secret);
                let name = self.ident_or_missing(inner.take(Rule::ident), span);
                ItemKind::Secret {
                    name,
                    body: inner.take(Rule::block).map(|p| self.block(p)),
                }
            }
            Rule::output_decl => {
                inner.skip(Rule::kw_output);
                let name = self.ident_or_missing(inner.take(Rule::ident), span);
                let ty = inner.take(Rule::type_ref).map(|p| self.type_ref(p));
                ItemKind::Output {
                    name,
                    ty,
                    value: inner.take(Rule::expr).map(|p| self.expr(p)),
                }
            }
            Rule::step_call => {
                inner.skip(Rule::kw_step);
                let id = inner.take(Rule::ident).map(|p| self.ident(p));
                let name = inner.take(Rule::string).map(|p| self.string(p));
                let call = self.template_call(inner.take(Rule::template_call), span);
                ItemKind::StepCall {
                    id,
                    name,
                    call,
                    body: inner.take(Rule::block).map(|p| self.block(p)),
                }
            }
            Rule::job_call => {
                inner.skip(Rule::kw_job);
                let id = self.ident_or_missing(inner.take(Rule::ident), span);
                let name = inner.take(Rule::string).map(|p| self.string(p));
                let call = self.template_call(inner.take(Rule::template_call), span);
                ItemKind::JobCall {
                    id,
                    name,
                    call,
                    body: inner.take(Rule::block).map(|p| self.block(p)),
                }
            }
            Rule::template_decl => {
                inner.skip(Rule::kw_template);
                let kind = match inner.take(Rule::template_kind).map(|p| p.as_str()) {
                    Some("job") => TemplateKind::Job,
                    _ => TemplateKind::Step,
                };
                let name = self.ident_or_missing(inner.take(Rule::ident), span);
                let params = inner
                    .take(Rule::parameters)
                    .map(|p| p.into_inner().map(|p| self.param(p)).collect())
                    .unwrap_or_default();
                ItemKind::Template {
                    kind,
                    name,
                    params,
                    body: self.block_or_empty(inner.take(Rule::block), span),
                }
            }
            Rule::import_decl => {
                inner.skip(Rule::kw_import);
                let names = inner
                    .take(Rule::import_names)
                    .map(|p| p.into_inner().map(|p| self.ident(p)).collect());
                inner.skip(Rule::kw_from);
                let path = match inner.take(Rule::string) {
                    Some(p) => self.string(p),
                    None => ast::StringLit {
                        parts: Vec::new(),
                        span,
                        multiline: false,
                    },
                };
                inner.skip(Rule::kw_as);
                let alias = inner.take(Rule::ident).map(|p| self.ident(p));
                ItemKind::Import { path, names, alias }
            }
            Rule::enum_decl => {
                inner.skip(Rule::kw_enum);
                let name = self.ident_or_missing(inner.take(Rule::ident), span);
                ItemKind::Enum {
                    name,
                    body: self.block_or_empty(inner.take(Rule::block), span),
                }
            }
            Rule::environment_decl => {
                inner.skip(Rule::kw_environment);
                let name = self.ident_or_missing(inner.take(Rule::ident), span);
                ItemKind::Environment {
                    name,
                    body: inner.take(Rule::block).map(|p| self.block(p)),
                }
            }
            Rule::promotion_decl => {
                inner.skip(Rule::kw_promotion);
                let stages = inner
                    .rest()
                    .filter(|p| p.as_rule() == Rule::ident)
                    .map(|p| self.ident(p))
                    .collect();
                ItemKind::Promotion { stages }
            }
            Rule::key_block => {
                let key = self.key_or_missing(inner.take(Rule::key), span);
                ItemKind::KeyBlock {
                    key,
                    body: self.block_or_empty(inner.take(Rule::block), span),
                }
            }
            Rule::property => {
                let key = self.key_or_missing(inner.take(Rule::key), span);
                ItemKind::Property {
                    key,
                    value: self.expr_or_error(inner.take(Rule::expr), span),
                }
            }
            _ => ItemKind::Error,
        };
        Item { kind, span }
    }

    fn block(&self, pair: Pair<'_, Rule>) -> Block {
        let span = self.pair_span(&pair);
        let closed = pair
            .clone()
            .into_inner()
            .any(|p| p.as_rule() == Rule::block_close && !p.as_str().is_empty());
        if !closed {
            let open = self.span(span.start as usize..span.start as usize + 1);
            self.report(
                Diagnostic::new(
                    Code::UnclosedDelimiter,
                    "this `{` is never closed",
                    open,
                    "opened here",
                )
                .with_label(
                    self.span(self.text.len()..self.text.len()),
                    "the file ends before its `}`",
                )
                .with_help("add the missing `}`"),
            );
        }
        Block {
            items: self.items(pair),
            span,
        }
    }

    fn block_or_empty(&self, pair: Option<Pair<'_, Rule>>, at: Span) -> Block {
        pair.map(|p| self.block(p)).unwrap_or(Block {
            items: Vec::new(),
            span: at,
        })
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.pair_span(&pair),
        }
    }

    fn ident_or_missing(&self, pair: Option<Pair<'_, Rule>>, at: Span) -> Ident {
        pair.map(|p| self.ident(p)).unwrap_or(Ident {
            name: String::new(),
            span: at,
        })
    }

    fn key_or_missing(&self, pair: Option<Pair<'_, Rule>>, at: Span) -> Key {
        let Some(pair) = pair else {
            return Key {
                name: String::new(),
                span: at,
                quoted: false,
            };
        };
        let span = self.pair_span(&pair);
        match pair.into_inner().next() {
            Some(inner) if inner.as_rule() == Rule::string => {
                let lit = self.string(inner);
                Key {
                    name: lit.as_plain().unwrap_or_default(),
                    span,
                    quoted: true,
                }
            }
            Some(inner) => Key {
                name: inner.as_str().to_string(),
                span,
                quoted: false,
            },
            None => Key {
                name: String::new(),
                span,
                quoted: false,
            },
        }
    }

    fn type_ref(&self, pair: Pair<'_, Rule>) -> TypeRef {
        let span = self.pair_span(&pair);
        let mut inner = Children::new(pair);
        let name = match inner.take(Rule::path) {
            Some(path) => Ident {
                name: path.as_str().split_whitespace().collect(),
                span: self.pair_span(&path),
            },
            None => self.ident_or_missing(None, span),
        };
        let args = inner
            .take(Rule::type_args)
            .map(|args| args.into_inner().map(|p| self.expr(p)).collect());
        let optional = inner.take(Rule::optional).is_some();
        TypeRef {
            name,
            args,
            optional,
            span,
        }
    }

    fn param(&self, pair: Pair<'_, Rule>) -> ast::Param {
        let span = self.pair_span(&pair);
        let mut inner = Children::new(pair);
        let name = self.ident_or_missing(inner.take(Rule::ident), span);
        let ty = match inner.take(Rule::type_ref) {
            Some(p) => self.type_ref(p),
            None => TypeRef {
                name: self.ident_or_missing(None, span),
                args: None,
                optional: false,
                span,
            },
        };
        let default = inner.take(Rule::expr).map(|p| self.expr(p));
        ast::Param {
            name,
            ty,
            default,
            span,
        }
    }

    fn template_call(&self, pair: Option<Pair<'_, Rule>>, at: Span) -> ast::TemplateCall {
        let Some(pair) = pair else {
            return ast::TemplateCall {
                path: Vec::new(),
                args: Vec::new(),
                span: at,
            };
        };
        let span = self.pair_span(&pair);
        let mut inner = Children::new(pair);
        let path = inner
            .take(Rule::path)
            .map(|p| p.into_inner().map(|p| self.ident(p)).collect())
            .unwrap_or_default();
        let args = inner
            .rest()
            .filter(|p| p.as_rule() == Rule::argument)
            .map(|p| {
                let arg_span = self.pair_span(&p);
                let mut parts = Children::new(p);
                let name = self.ident_or_missing(parts.take(Rule::ident), arg_span);
                ast::Argument {
                    name,
                    value: self.expr_or_error(parts.take(Rule::expr), arg_span),
                    span: arg_span,
                }
            })
            .collect();
        ast::TemplateCall { path, args, span }
    }

    fn expr_or_error(&self, pair: Option<Pair<'_, Rule>>, at: Span) -> ast::Expr {
        pair.map(|p| self.expr(p)).unwrap_or(ast::Expr {
            kind: ast::ExprKind::Error,
            span: at,
        })
    }

    /// Reports a `recover` region: re-parses one item at its start with pest's error detail
    /// on, to say which tokens would have been accepted where the item went wrong.
    fn recover(&self, pair: &Pair<'_, Rule>) {
        let start = pair.as_span().start();
        let region = pair.as_str();
        if let Some(quote) = unclosed_quote(region) {
            self.report(
                Diagnostic::new(
                    Code::UnclosedDelimiter,
                    "this string is never closed",
                    self.span(start + quote..start + quote + 1),
                    "the string starts here",
                )
                .with_help(
                    "add the closing `\"`; for text over several lines use a `\"\"\"` string",
                ),
            );
            return;
        }
        let rest = self.text.get(start..).unwrap_or("");
        pest::set_error_detail(true);
        let (offset, expected) = match PipeGrammar::parse(Rule::item_probe, rest) {
            Ok(_) => (0, Vec::new()),
            Err(error) => {
                let location = match error.location {
                    pest::error::InputLocation::Pos(p) => p,
                    pest::error::InputLocation::Span((s, _)) => s,
                };
                let attempts = error.parse_attempts();
                // The expected tokens belong to the farthest position pest reached, which can
                // lie past the error's own location when a rule looked ahead across a line.
                let offset = attempts
                    .as_ref()
                    .map_or(location, |a| a.max_position.max(location));
                // pest does not export the attempts' types, so they are read through Display.
                let expected = attempts
                    .map(|attempts| {
                        let tokens: Vec<String> = attempts
                            .expected_tokens()
                            .iter()
                            .map(ToString::to_string)
                            .collect();
                        let rules: Vec<Rule> = attempts
                            .call_stacks()
                            .iter()
                            .filter_map(|s| s.deepest.get_rule().copied())
                            .collect();
                        describe_expected(&tokens, &rules)
                    })
                    .unwrap_or_default();
                (offset, expected)
            }
        };
        // The probe may run past the recovered region (into the next line); clamp to it.
        let offset = start + offset.min(region.len());
        let found = token_at(self.text, offset);
        let message = match found {
            Some(token) => format!("unexpected `{token}`"),
            None if offset >= self.text.len() => "unexpected end of file".to_string(),
            None => "unexpected end of line".to_string(),
        };
        let width = found.map_or(0, str::len);
        let label = if expected.is_empty() {
            "not valid here".to_string()
        } else {
            format!("expected {}", or_list(&expected))
        };
        let mut diagnostic = Diagnostic::new(
            Code::SyntaxError,
            message,
            self.span(offset..offset + width),
            label,
        );
        if offset > start {
            diagnostic = diagnostic.with_label(self.span(start..offset), "while reading this item");
        }
        diagnostic = diagnostic.with_help(help_for(region, found, &expected));
        self.report(diagnostic);
    }
}

/// The doc comment of the item starting at `offset`: the `##` lines directly above its
/// line, without the `##` and one following space; none for an item that does not start
/// its line (a parameter after `template step name(` has the template's lines above it,
/// not its own). Docs are comments to the grammar, so they are read from the text here
/// rather than kept in the tree.
pub fn doc_comment(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    if !before.get(line_start..)?.trim().is_empty() {
        return None;
    }
    let mut lines: Vec<&str> = Vec::new();
    for line in text.get(..line_start)?.lines().rev() {
        match line.trim().strip_prefix("##") {
            Some(doc) => lines.push(doc.strip_prefix(' ').unwrap_or(doc)),
            None => break,
        }
    }
    lines.reverse();
    let doc = lines.join("\n").trim().to_string();
    (!doc.is_empty()).then_some(doc)
}

/// A module's doc: the `##` lines the file starts with, when a blank line separates them
/// from the first item (otherwise they document that item).
pub fn module_doc(text: &str) -> Option<String> {
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines() {
        match line.trim().strip_prefix("##") {
            Some(doc) => lines.push(doc.strip_prefix(' ').unwrap_or(doc)),
            None if line.trim().is_empty() && !lines.is_empty() => {
                let doc = lines.join("\n").trim().to_string();
                return (!doc.is_empty()).then_some(doc);
            }
            None => return None,
        }
    }
    None
}

/// Iterates over the children of a pair, taking them by rule in order.
struct Children<'i> {
    pairs: std::iter::Peekable<pest::iterators::Pairs<'i, Rule>>,
}

impl<'i> Children<'i> {
    fn new(pair: Pair<'i, Rule>) -> Children<'i> {
        Children {
            pairs: pair.into_inner().peekable(),
        }
    }

    fn take(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        if self.pairs.peek().is_some_and(|p| p.as_rule() == rule) {
            self.pairs.next()
        } else {
            None
        }
    }

    fn skip(&mut self, rule: Rule) {
        let _ = self.take(rule);
    }

    fn rest(self) -> impl Iterator<Item = Pair<'i, Rule>> {
        self.pairs
    }
}

/// The byte offset at which bracket nesting first exceeds [`MAX_NESTING`], ignoring strings.
fn nesting_limit_exceeded(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' | '\n' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' | '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(offset);
                }
            }
            '}' | ']' | ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The offset of a `"` in `region` (one line, possibly with balanced braces) that opens a
/// string which the line never closes; `"""` strings are left to the grammar.
fn unclosed_quote(region: &str) -> Option<usize> {
    if region.contains("\"\"\"") {
        return None;
    }
    let mut open: Option<usize> = None;
    let mut escaped = false;
    for (offset, c) in region.char_indices() {
        match (open, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some(_), '\\') => escaped = true,
            (Some(_), '"') => open = None,
            (Some(_), '\n') => return open,
            (None, '"') => open = Some(offset),
            _ => {}
        }
    }
    open
}

/// The token starting at `offset`: a word, a string's quote, or one punctuation character.
fn token_at(text: &str, offset: usize) -> Option<&str> {
    let rest = text.get(offset..)?;
    let first = rest.chars().next()?;
    if first == '\n' || first == '\r' {
        return None;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    let end = if is_word(first) {
        rest.char_indices()
            .find(|&(_, c)| !is_word(c))
            .map_or(rest.len(), |(i, _)| i)
    } else {
        let two = rest.get(..2).unwrap_or("");
        if ["==", "!=", "<=", ">=", "&&", "||", "->", "${"].contains(&two) {
            2
        } else {
            first.len_utf8()
        }
    };
    rest.get(..end)
}

fn describe_expected(tokens: &[String], rules: &[Rule]) -> Vec<String> {
    // Includes the single characters the grammar peeks at before trying an operator.
    const OPERATORS: &[&str] = &[
        "!=", "&&", "+", ".", "<=", "<", "==", ">=", ">", "[", "||", "(", "!", "&", "=", "|",
    ];
    const KEYWORDS: &[&str] = &[
        "environment",
        "gate",
        "input",
        "job",
        "let",
        "on",
        "output",
        "pipeline",
        "promotion",
        "secret",
        "service",
        "step",
        "import",
        "template",
        "enum",
    ];
    let mut names: Vec<String> = Vec::new();
    let mut operator = false;
    let mut keywords = 0;
    for token in tokens {
        // pest shows a range token as `a..z`. The grammar's one-character ranges are
        // characters; `<..>` is the operator lookahead; other ranges are the letters and
        // digits of names and numbers, which the rule names already cover.
        let token = match range_bounds(token) {
            Some((first, last)) if first == last => first.to_string(),
            Some(('<', '>')) => {
                operator = true;
                continue;
            }
            Some(_) => continue,
            None => token.clone(),
        };
        if OPERATORS.contains(&token.as_str()) {
            operator = true;
        } else if KEYWORDS.contains(&token.as_str()) {
            keywords += 1;
        } else if token != "_" && token != "\"" {
            names.extend(token_name(&token));
        }
    }
    names.extend(
        rules
            .iter()
            .filter_map(|rule| rule_name(*rule))
            .map(str::to_string),
    );
    if tokens.iter().any(|t| t == "\"") && !names.iter().any(|n| n == "a string" || n == "a value")
    {
        names.push("a string".into());
    }
    // `true` and `false` are values; listing them beside "a value" says nothing.
    if names.iter().any(|n| n == "a value") {
        names.retain(|n| n != "`true`" && n != "`false`");
    }
    if names.iter().any(|n| n == "`{`") {
        names.retain(|n| n != "a `{ ... }` block");
    }
    if keywords > 0 {
        names.retain(|n| n != "a name" && n != "a string");
        names.push("a setting (`name: value`) or a declaration such as `job` or `step`".into());
    }
    if operator {
        names.push("an operator".into());
    }
    names.sort();
    names.dedup();
    names
}

/// Tokens as users think of them; whitespace, comment and separator tokens are left out,
/// since "expected a newline" helps nobody.
/// The bounds of a range token as pest displays it (`a..z`).
fn range_bounds(token: &str) -> Option<(char, char)> {
    let mut chars = token.chars();
    match (
        chars.next(),
        chars.next(),
        chars.next(),
        chars.next(),
        chars.next(),
    ) {
        (Some(first), Some('.'), Some('.'), Some(last), None) => Some((first, last)),
        _ => None,
    }
}

fn token_name(token: &str) -> Option<String> {
    match token {
        "\n" | "\r\n" | "\r" | " " | "\t" | "\u{FEFF}" | "#" | ";" | "BUILTIN_RULE" => None,
        _ if range_bounds(token).is_some() => None,
        "\"\"\"" => Some("`\"\"\"`".into()),
        "`" => Some("a raw expression in backticks".into()),
        "${{" => Some("`${{`".into()),
        _ => Some(format!("`{token}`")),
    }
}

fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::ident => "a name",
        Rule::expr => "a value",
        Rule::string => "a string",
        Rule::block => "a `{ ... }` block",
        Rule::type_ref => "a type",
        Rule::number => "a number",
        _ => return None,
    })
}

fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// A hint for the commonest slips: `=` for `:`, and YAML's `key: value` lists.
fn help_for(region: &str, found: Option<&str>, expected: &[String]) -> String {
    if found == Some("'") {
        return "strings are written in double quotes: \"text\"".into();
    }
    let trimmed = region.trim_start();
    if trimmed.starts_with("- ") {
        return "lists are written in brackets: `[a, b]`".into();
    }
    if expected.iter().any(|e| e == "`:`") && region.contains('=') {
        return "settings are written `name: value`".into();
    }
    "see docs/language.md for the syntax of each item".into()
}

#[cfg(test)]
mod tests;

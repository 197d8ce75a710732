//! What an editor asks about one document, answered by the same parser and checker as
//! `pipec check` (house rule: no second analysis). Positions are LSP's: 0-based lines and
//! UTF-16 code units, so the language server only converts types. Nothing here panics on
//! broken text: a document mid-edit still gets diagnostics and an outline.

use crate::ast::{self, ItemKind};
use crate::diagnostics::{self, Severity};
use crate::source::SourceDb;
use crate::span::FileId;
use crate::{analyze, modules, parse};

/// A position in a document: a 0-based line and a UTF-16 column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

/// Byte offsets to LSP positions and back, for one text.
pub struct LineIndex<'a> {
    text: &'a str,
    /// The byte offset each line starts at.
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        LineIndex { text, starts }
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|start| *start <= offset) - 1;
        let start = self.starts.get(line).copied().unwrap_or(0);
        let character = self
            .text
            .get(start..offset)
            .map_or(0, |prefix| prefix.encode_utf16().count());
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            character: u32::try_from(character).unwrap_or(u32::MAX),
        }
    }

    /// The byte offset of a position; a column past the end of its line is the line's end.
    pub fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.text.len();
        };
        let line = self.text.get(start..).unwrap_or_default();
        let line = line.split('\n').next().unwrap_or_default();
        let mut units = 0;
        for (at, c) in line.char_indices() {
            if units >= position.character as usize {
                return start + at;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }

    pub fn range(&self, start: u32, end: u32) -> Range {
        Range {
            start: self.position(start as usize),
            end: self.position(end as usize),
        }
    }
}

/// A diagnostic as an editor shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdeDiagnostic {
    pub range: Range,
    pub severity: Severity,
    /// `E0301`.
    pub code: &'static str,
    /// `dependency-cycle`.
    pub name: &'static str,
    /// The message, then the primary label, the help and the notes, one per line.
    pub message: String,
    /// Secondary labels in the same document.
    pub related: Vec<(Range, String)>,
}

/// What the outline shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Pipeline,
    Job,
    Step,
    Template,
    Let,
    Gate,
    Environment,
    Input,
    Service,
    Enum,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The whole item.
    pub range: Range,
    /// Its name.
    pub selection: Range,
    pub children: Vec<Symbol>,
}

/// A document's text with its error-tolerant parse: what every request but diagnostics
/// reads, parsed once per version of the text.
pub struct Document {
    text: String,
    file: ast::File,
}

impl Document {
    pub fn new(text: String) -> Document {
        let (file, _) = parse::parse_file(FileId::default(), &text);
        Document { text, file }
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The checker's analysis of the document at `path` with the modules it imports, which
/// `read` supplies (an editor's open buffers first, then the disk); and the document's id.
fn analysis(
    path: &str,
    text: &str,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> (FileId, crate::Analysis) {
    let mut db = SourceDb::new();
    let file = db.add(path, text);
    modules::load_imports(&mut db, read);
    (file, analyze(&db))
}

/// Diagnostics of the document at `path`, checked with the modules it imports.
pub fn diagnostics(
    path: &str,
    text: &str,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Vec<IdeDiagnostic> {
    let (file, analysis) = analysis(path, text, read);
    let mut all = analysis.diagnostics;
    diagnostics::sort(&mut all);
    let index = LineIndex::new(text);
    all.iter()
        .filter(|d| d.primary.span.file == file)
        .map(|d| {
            let info = d.code.info();
            let mut message = d.message.clone();
            if !d.primary.message.is_empty() {
                message.push_str(&format!("\n{}", d.primary.message));
            }
            if let Some(help) = &d.help {
                message.push_str(&format!("\nhelp: {help}"));
            }
            for note in &d.notes {
                message.push_str(&format!("\nnote: {note}"));
            }
            IdeDiagnostic {
                range: index.range(d.primary.span.start, d.primary.span.end),
                severity: d.severity,
                code: info.code,
                name: info.name,
                message,
                related: d
                    .secondary
                    .iter()
                    .filter(|label| label.span.file == file)
                    .map(|label| {
                        (
                            index.range(label.span.start, label.span.end),
                            label.message.clone(),
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The outline of a document: pipelines with their jobs and steps, templates, lets,
/// gates, environments, inputs, services and enums, from the error-tolerant parse.
pub fn symbols(document: &Document) -> Vec<Symbol> {
    let (text, file) = (document.text.as_str(), &document.file);
    let index = LineIndex::new(text);
    file.items
        .iter()
        .filter_map(|item| symbol(item, &index))
        .collect()
}

fn symbol(item: &ast::Item, index: &LineIndex) -> Option<Symbol> {
    let (name, kind, body, selection) = match &item.kind {
        ItemKind::Pipeline { id, body, .. } => {
            (id.name.clone(), SymbolKind::Pipeline, Some(body), id.span)
        }
        ItemKind::Job { id, body, .. } => (id.name.clone(), SymbolKind::Job, Some(body), id.span),
        ItemKind::JobCall { id, body, .. } => {
            (id.name.clone(), SymbolKind::Job, body.as_ref(), id.span)
        }
        ItemKind::Step { id, name, body } => {
            let label = step_label(id.as_ref(), name.as_ref())?;
            (label.0, SymbolKind::Step, Some(body), label.1)
        }
        ItemKind::StepCall {
            id,
            name,
            call,
            body,
        } => {
            let label = step_label(id.as_ref(), name.as_ref())
                .unwrap_or_else(|| (call.name(), call.name_span()));
            (label.0, SymbolKind::Step, body.as_ref(), label.1)
        }
        ItemKind::Template { name, body, .. } => (
            name.name.clone(),
            SymbolKind::Template,
            Some(body),
            name.span,
        ),
        ItemKind::Let { name, .. } => (name.name.clone(), SymbolKind::Let, None, name.span),
        ItemKind::Gate { name, .. } => (name.name.clone(), SymbolKind::Gate, None, name.span),
        ItemKind::Environment { name, .. } => {
            (name.name.clone(), SymbolKind::Environment, None, name.span)
        }
        ItemKind::Input { name, .. } => (name.name.clone(), SymbolKind::Input, None, name.span),
        ItemKind::Service { name, .. } => (name.name.clone(), SymbolKind::Service, None, name.span),
        ItemKind::Enum { name, .. } => (name.name.clone(), SymbolKind::Enum, None, name.span),
        _ => return None,
    };
    let children = body.map_or_else(Vec::new, |body| {
        body.items
            .iter()
            .flat_map(|i| match &i.kind {
                // A manual trigger's inputs belong to the pipeline's outline.
                ItemKind::Trigger {
                    body: Some(trigger),
                    ..
                } => trigger
                    .items
                    .iter()
                    .filter_map(|i| symbol(i, index))
                    .collect::<Vec<_>>(),
                _ => symbol(i, index).into_iter().collect(),
            })
            .collect()
    });
    Some(Symbol {
        name,
        kind,
        range: index.range(item.span.start, item.span.end),
        selection: index.range(selection.start, selection.end),
        children,
    })
}

/// A step's name in the outline: its title, else its id.
fn step_label(
    id: Option<&ast::Ident>,
    name: Option<&ast::StringLit>,
) -> Option<(String, crate::span::Span)> {
    if let Some(title) = name.and_then(|name| name.as_plain().map(|t| (t, name.span))) {
        return Some(title);
    }
    id.map(|id| (id.name.clone(), id.span))
}

/// The name under the cursor, as the outline's items know it.
enum Target<'a> {
    /// A job, by its id (its declaration or a reference in `needs` or `needs.<job>`).
    Job(&'a str),
    /// A template, by the name a call gives it (`docker.build_push`, `smoke`).
    Template(String),
}

/// Where the job or template named at `offset` is declared, in the same document.
pub fn definition(document: &Document, offset: usize) -> Option<Range> {
    let (text, file) = (document.text.as_str(), &document.file);
    let index = LineIndex::new(text);
    let span = match target_at(file, offset)? {
        Target::Job(name) => job_items(file).find(|(id, _)| id.name == name)?.0.span,
        Target::Template(name) => file.items.iter().find_map(|item| match &item.kind {
            ItemKind::Template { name: id, .. } if id.name == name => Some(id.span),
            _ => None,
        })?,
    };
    Some(index.range(span.start, span.end))
}

/// Markdown for the name at `offset`: a job's summary (needs, condition, environment,
/// gates, runner, steps), or a template's signature and documentation, as `pipec doc`
/// prints it. Templates of imported modules need them: `read` supplies them.
pub fn hover(
    path: &str,
    document: &Document,
    offset: usize,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Option<String> {
    let (text, file) = (document.text.as_str(), &document.file);
    match target_at(file, offset)? {
        Target::Job(name) => {
            let (id, item) = job_items(file).find(|(id, _)| id.name == name)?;
            Some(job_summary(text, id, item))
        }
        Target::Template(name) => {
            let (_, analysis) = analysis(path, text, read);
            analysis.modules.iter().find_map(|module| {
                let namespace = module.namespace();
                module.templates.iter().find_map(|template| {
                    let qualified = format!("{namespace}.{}", template.name);
                    (qualified == name || template.name == name).then(|| {
                        let shown = if qualified == name {
                            namespace.as_str()
                        } else {
                            ""
                        };
                        template.markdown(shown)
                    })
                })
            })
        }
    }
}

/// Every job declaration of the file: its id and its item.
fn job_items(file: &ast::File) -> impl Iterator<Item = (&ast::Ident, &ast::Item)> {
    file.items
        .iter()
        .filter_map(|item| match &item.kind {
            ItemKind::Pipeline { body, .. } => Some(body.items.iter()),
            _ => None,
        })
        .flatten()
        .filter_map(|item| match &item.kind {
            ItemKind::Job { id, .. } | ItemKind::JobCall { id, .. } => Some((id, item)),
            _ => None,
        })
}

fn target_at(file: &ast::File, offset: usize) -> Option<Target<'_>> {
    let within =
        |span: crate::span::Span| (span.start as usize) <= offset && offset <= span.end as usize;
    for (id, item) in job_items(file) {
        if within(id.span) {
            return Some(Target::Job(&id.name));
        }
        if !within(item.span) {
            continue;
        }
        let body = match &item.kind {
            ItemKind::Job { body, .. } => Some(body),
            ItemKind::JobCall { body, call, .. } => {
                if within(call.name_span()) {
                    return Some(Target::Template(call.name()));
                }
                body.as_ref()
            }
            _ => None,
        };
        for inner in body.iter().flat_map(|b| b.items.iter()) {
            if !within(inner.span) {
                continue;
            }
            match &inner.kind {
                ItemKind::Property { key, value } if key.name == "needs" => {
                    if let ast::ExprKind::List(items) = &value.kind {
                        for need in items {
                            if let ast::ExprKind::Name(name) = &need.kind
                                && within(name.span)
                            {
                                return Some(Target::Job(&name.name));
                            }
                        }
                    }
                }
                ItemKind::StepCall { call, .. } if within(call.name_span()) => {
                    return Some(Target::Template(call.name()));
                }
                _ => {}
            }
            if let Some(job) = needs_reference(inner, offset) {
                return Some(Target::Job(job));
            }
        }
    }
    None
}

/// `needs.<job>` in any expression of an item, when the cursor is on the job's name.
fn needs_reference(item: &ast::Item, offset: usize) -> Option<&str> {
    fn walk(expr: &ast::Expr, offset: usize) -> Option<&str> {
        let within = |span: crate::span::Span| {
            (span.start as usize) <= offset && offset <= span.end as usize
        };
        if !within(expr.span) {
            return None;
        }
        match &expr.kind {
            ast::ExprKind::Member { base, name } => {
                if let ast::ExprKind::Name(root) = &base.kind
                    && root.name == "needs"
                    && within(name.span)
                {
                    return Some(&name.name);
                }
                walk(base, offset)
            }
            ast::ExprKind::Index { base, index } => {
                walk(base, offset).or_else(|| walk(index, offset))
            }
            ast::ExprKind::Call { args, .. } | ast::ExprKind::List(args) => {
                args.iter().find_map(|a| walk(a, offset))
            }
            ast::ExprKind::Unary { operand, .. } => walk(operand, offset),
            ast::ExprKind::Binary { lhs, rhs, .. } => {
                walk(lhs, offset).or_else(|| walk(rhs, offset))
            }
            ast::ExprKind::String(text) => text.parts.iter().find_map(|part| match part {
                ast::StringPart::Interpolation(inner) => walk(inner, offset),
                ast::StringPart::Text(_) => None,
            }),
            _ => None,
        }
    }
    match &item.kind {
        ItemKind::Property { value, .. } => walk(value, offset),
        ItemKind::Output {
            value: Some(value), ..
        } => walk(value, offset),
        ItemKind::KeyBlock { body, .. } | ItemKind::Step { body, .. } => body
            .items
            .iter()
            .find_map(|inner| needs_reference(inner, offset)),
        _ => None,
    }
}

/// A job's summary: the settings that decide when and where it runs, as written.
fn job_summary(text: &str, id: &ast::Ident, item: &ast::Item) -> String {
    let slice = |span: crate::span::Span| {
        text.get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    };
    let (title, body) = match &item.kind {
        ItemKind::Job { name, body, .. } => (name.as_ref(), Some(body)),
        ItemKind::JobCall { name, body, .. } => (name.as_ref(), body.as_ref()),
        _ => (None, None),
    };
    let mut out = format!("**job `{}`**", id.name);
    if let Some(title) = title.and_then(ast::StringLit::as_plain) {
        out.push_str(&format!(" — {title}"));
    }
    out.push('\n');
    let mut steps = 0;
    for inner in body.iter().flat_map(|b| b.items.iter()) {
        match &inner.kind {
            ItemKind::Property { key, value } => {
                let label = match key.name.as_str() {
                    "needs" => "needs",
                    "when" => "when",
                    "environment" => "environment",
                    "requires" => "requires gates",
                    "runs_on" => "runs on",
                    "timeout" => "timeout",
                    _ => continue,
                };
                out.push_str(&format!("\n- {label}: `{}`", slice(value.span)));
            }
            ItemKind::Step { .. } | ItemKind::StepCall { .. } => steps += 1,
            _ => {}
        }
    }
    out.push_str(&format!("\n- steps: {steps}"));
    out
}

/// What completion offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Keyword,
    Job,
    Template,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    /// A job's title, a template's signature.
    pub detail: Option<String>,
}

/// Settings and blocks a pipeline's body takes.
const PIPELINE_KEYWORDS: &[&str] = &[
    "job",
    "on",
    "env",
    "let",
    "gate",
    "environment",
    "promotion",
    "secrets",
    "vars",
    "concurrency",
    "permissions",
    "defaults",
    "run_name",
];
/// Settings and blocks a job's body takes.
const JOB_KEYWORDS: &[&str] = &[
    "step",
    "needs",
    "when",
    "runs_on",
    "environment",
    "requires",
    "timeout",
    "continue_on_error",
    "env",
    "output",
    "matrix",
    "service",
    "container",
    "on_failure",
    "permissions",
    "concurrency",
    "shell",
    "working_directory",
];
/// What a file holds at its top level.
const FILE_KEYWORDS: &[&str] = &["pipeline", "import", "template", "let", "enum"];

/// Completions at `offset`, from the text before it on its line and the items around it:
/// job names in `needs: [...]` and after `needs.`, templates after `step` (the document's
/// and its imports', which `read` supplies), and the keywords of the enclosing block.
/// Broken text still completes: the parse recovers around it.
pub fn completion(
    path: &str,
    document: &Document,
    offset: usize,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Vec<Completion> {
    let (text, file) = (document.text.as_str(), &document.file);
    let offset = offset.min(text.len());
    let line_start = text
        .get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |at| at + 1);
    let before = text.get(line_start..offset).unwrap_or_default();
    let word_start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
        .map_or(0, |at| at + 1);
    let word = before.get(word_start..).unwrap_or_default();
    let ahead = before.get(..word_start).unwrap_or_default().trim_end();
    let jobs = || -> Vec<Completion> {
        job_items(file)
            .filter(|(_, item)| {
                !((item.span.start as usize) <= offset && offset <= item.span.end as usize)
            })
            .map(|(id, item)| Completion {
                label: id.name.clone(),
                kind: CompletionKind::Job,
                detail: match &item.kind {
                    ItemKind::Job { name, .. } | ItemKind::JobCall { name, .. } => {
                        name.as_ref().and_then(ast::StringLit::as_plain)
                    }
                    _ => None,
                },
            })
            .collect()
    };
    let in_needs_list = ahead.rfind("needs:").is_some_and(|at| {
        let rest = ahead.get(at + "needs:".len()..).unwrap_or_default();
        rest.trim_start().starts_with('[') && !rest.contains(']')
    });
    let mut items = if in_needs_list {
        jobs()
    } else if let Some(partial) = word.strip_prefix("needs.") {
        jobs()
            .into_iter()
            .filter(|job| job.label.starts_with(partial))
            .collect()
    } else if ahead == "step" || ahead.ends_with(" step") {
        templates(path, text, read)
    } else if ahead.is_empty() {
        let keywords = match enclosing(file, offset) {
            Some(Enclosing::Job) => JOB_KEYWORDS,
            Some(Enclosing::Pipeline) => PIPELINE_KEYWORDS,
            None => FILE_KEYWORDS,
        };
        keywords
            .iter()
            .map(|keyword| Completion {
                label: (*keyword).to_string(),
                kind: CompletionKind::Keyword,
                detail: None,
            })
            .collect()
    } else {
        Vec::new()
    };
    if !word.contains('.') {
        items.retain(|item| item.label.starts_with(word));
    }
    items
}

enum Enclosing {
    Pipeline,
    Job,
}

/// The innermost pipeline or job whose braces hold `offset`.
fn enclosing(file: &ast::File, offset: usize) -> Option<Enclosing> {
    let inside = |block: &ast::Block| {
        (block.span.start as usize) < offset && offset < block.span.end as usize
    };
    for item in &file.items {
        if let ItemKind::Pipeline { body, .. } = &item.kind
            && inside(body)
        {
            for inner in &body.items {
                if let ItemKind::Job { body: job, .. } = &inner.kind
                    && inside(job)
                {
                    return Some(Enclosing::Job);
                }
            }
            return Some(Enclosing::Pipeline);
        }
    }
    None
}

/// Every step template the document can call: its own and its imports'.
fn templates(
    path: &str,
    text: &str,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Vec<Completion> {
    let (_, analysis) = analysis(path, text, read);
    let mut items = Vec::new();
    for module in &analysis.modules {
        let namespace = if module.path == path {
            String::new()
        } else {
            module.namespace()
        };
        for template in module.templates.iter().filter(|t| t.kind == "step") {
            let label = if namespace.is_empty() {
                template.name.clone()
            } else {
                format!("{namespace}.{}", template.name)
            };
            items.push(Completion {
                detail: Some(template.signature(&namespace)),
                label,
                kind: CompletionKind::Template,
            });
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_code_units() {
        let text = "ab\n\u{e9}\u{1f600}x\n";
        let index = LineIndex::new(text);
        assert_eq!(
            index.position(0),
            Position {
                line: 0,
                character: 0
            }
        );
        assert_eq!(
            index.position(3),
            Position {
                line: 1,
                character: 0
            }
        );
        // é is 2 bytes and 1 unit; 😀 is 4 bytes and 2 units.
        let x = text.find('x').unwrap_or(0);
        assert_eq!(
            index.position(x),
            Position {
                line: 1,
                character: 3
            }
        );
        assert_eq!(
            index.position(text.len()),
            Position {
                line: 2,
                character: 0
            }
        );
    }
}

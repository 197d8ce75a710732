//! What an editor asks about one document, answered by the same parser and checker as
//! `pipec check` (house rule: no second analysis). Positions are LSP's: 0-based lines and
//! UTF-16 code units, so the language server only converts types. Nothing here panics on
//! broken text: a document mid-edit still gets diagnostics and an outline.

use std::sync::{Arc, OnceLock};

use crate::ast::{self, ItemKind};
use crate::diagnostics::{self, Severity};
use crate::source::{Parsed, SourceDb};
use crate::span::FileId;
use crate::{analyze, modules};

mod actions;
mod completion;
mod folding;
mod formatting;
mod hints;
mod links;
mod names;
mod signature;
mod tokens;
mod walk;

pub use actions::{CodeAction, CodeActionKind, DocumentFix, code_actions};
pub use completion::{Completion, CompletionKind, completion};
pub use folding::{FoldingKind, FoldingRange, folding_ranges};
pub use formatting::formatting;
pub use hints::{InlayHint, InlayHintKind, inlay_hints};
pub use links::{DocumentLink, LinkTarget, document_links};
pub use names::{definition, document_highlights, prepare_rename, references, rename};
pub use signature::{ParameterHelp, SignatureHelp, signature_help};
pub use tokens::{
    SemanticToken, TOKEN_MODIFIERS, TOKEN_TYPES, TokenModifier, TokenType, semantic_tokens,
};

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

/// A range in some document: a definition can be in another file than the question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The path the compiler knows the document by, as `read` is asked for it.
    pub path: String,
    pub range: Range,
}

/// Byte offsets to LSP positions and back, for one text.
pub struct LineIndex<'a> {
    text: &'a str,
    lines: crate::span::LineIndex,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        LineIndex {
            text,
            lines: crate::span::LineIndex::new(text),
        }
    }

    pub fn position(&self, offset: usize) -> Position {
        let (line, character) = self.lines.line_utf16(self.text, offset);
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            character: u32::try_from(character).unwrap_or(u32::MAX),
        }
    }

    /// The byte offset of a position; a column past the end of its line is the line's end.
    pub fn offset(&self, position: Position) -> usize {
        let Some(start) = self.lines.line_start(position.line as usize) else {
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
    /// The checker's fixes that edit only this document.
    pub fixes: Vec<DocumentFix>,
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

/// A document at a path, with what requests read of it, each made once per version of
/// the text by the first request that needs it: the error-tolerant parse, and the
/// checker's analysis with the modules it imports. Diagnostics, quick fixes, hover,
/// completion, signature help and hints share that one analysis.
pub struct Document {
    path: String,
    text: Arc<String>,
    parsed: Arc<OnceLock<Arc<Parsed>>>,
    analysed: OnceLock<Analysed>,
}

/// The checker's analysis of a document, with the files it read: the document, as
/// `file`, and the modules it imports.
struct Analysed {
    db: SourceDb,
    file: FileId,
    analysis: crate::Analysis,
}

impl Document {
    pub fn new(path: impl Into<String>, text: String) -> Document {
        Document {
            path: path.into(),
            text: Arc::new(text),
            parsed: Arc::default(),
            analysed: OnceLock::new(),
        }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether its analysis read the file at `path`, or tried to: whether a change of that
    /// file can change what the checker says of this document. `None` before the
    /// analysis is made.
    pub fn analysis_read(&self, path: &str) -> Option<bool> {
        let db = &self.analysed.get()?.db;
        Some(db.find(path).is_some() || db.read_failure(path).is_some())
    }

    /// The same text and parse, to be analysed again: the modules it imports changed.
    pub fn reanalysed(&self) -> Document {
        Document {
            path: self.path.clone(),
            text: Arc::clone(&self.text),
            parsed: Arc::clone(&self.parsed),
            analysed: OnceLock::new(),
        }
    }

    fn parsed(&self) -> &Arc<Parsed> {
        self.parsed
            .get_or_init(|| Arc::new(Parsed::of(FileId::default(), &self.text)))
    }

    fn file(&self) -> &ast::File {
        &self.parsed().ast
    }

    /// The checker's analysis of the document with the modules it imports, which `read`
    /// supplies (an editor's open buffers first, then the disk) the first time; and the
    /// document's id in it.
    fn analysis(
        &self,
        read: &mut dyn FnMut(&str) -> Result<String, String>,
    ) -> (FileId, &crate::Analysis) {
        let analysed = self.analysed.get_or_init(|| {
            let mut db = SourceDb::new();
            let parsed = Arc::clone(self.parsed());
            let file = db.add_parsed(self.path.as_str(), self.text.as_str(), parsed);
            modules::load_imports(&mut db, read);
            let analysis = analyze(&db);
            Analysed { db, file, analysis }
        });
        (analysed.file, &analysed.analysis)
    }
}

/// Diagnostics of the document, checked with the modules it imports.
pub fn diagnostics(
    document: &Document,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Vec<IdeDiagnostic> {
    let (file, analysis) = document.analysis(read);
    let mut all: Vec<&crate::Diagnostic> = analysis.diagnostics.iter().collect();
    diagnostics::sort(&mut all);
    let index = LineIndex::new(document.text());
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
                fixes: actions::document_fixes(d, file, &index),
            }
        })
        .collect()
}

/// The outline of a document: pipelines with their jobs and steps, templates, lets,
/// gates, environments, inputs, services and enums, from the error-tolerant parse.
pub fn symbols(document: &Document) -> Vec<Symbol> {
    let (text, file) = (document.text(), document.file());
    let index = LineIndex::new(text);
    file.items
        .iter()
        .filter_map(|item| symbol(item, &index))
        .collect()
}

/// A named declaration of some file of the workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceSymbol {
    pub name: String,
    pub kind: SymbolKind,
    /// Its name in its file.
    pub location: Location,
    /// The declaration it is in (a job's pipeline), if any.
    pub container: Option<String>,
}

/// The declarations of the `workspace`'s files (paths `read` is asked for) whose name
/// holds the letters of `query` in order, ignoring case; steps are left out. In the
/// files' order, then the outline's.
pub fn workspace_symbols(
    query: &str,
    workspace: &[String],
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Vec<WorkspaceSymbol> {
    fn collect(
        path: &str,
        symbols: &[Symbol],
        container: Option<&str>,
        query: &str,
        found: &mut Vec<WorkspaceSymbol>,
    ) {
        for symbol in symbols.iter().filter(|s| s.kind != SymbolKind::Step) {
            if matches_in_order(&symbol.name, query) {
                found.push(WorkspaceSymbol {
                    name: symbol.name.clone(),
                    kind: symbol.kind,
                    location: Location {
                        path: path.to_owned(),
                        range: symbol.selection,
                    },
                    container: container.map(str::to_owned),
                });
            }
            collect(path, &symbol.children, Some(&symbol.name), query, found);
        }
    }
    let mut found = Vec::new();
    for path in workspace {
        if let Ok(text) = read(path) {
            let symbols = symbols(&Document::new(path.as_str(), text));
            collect(path, &symbols, None, query, &mut found);
        }
    }
    found
}

/// Whether the characters of `query` appear in `name` in order, ignoring case: `dpl`
/// finds `deploy-production`.
fn matches_in_order(name: &str, query: &str) -> bool {
    let mut name = name.chars().flat_map(char::to_lowercase);
    query
        .chars()
        .flat_map(char::to_lowercase)
        .all(|wanted| name.any(|c| c == wanted))
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

/// Markdown for the name at `offset`: a job's summary (needs, condition, environment,
/// gates, runner, steps), or a template's signature and documentation, as `pipec doc`
/// prints it. Templates of imported modules need them: `read` supplies them.
pub fn hover(
    document: &Document,
    offset: usize,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Option<String> {
    let path = document.path();
    let (text, file) = (document.text(), document.file());
    let index = names::NameIndex::of(document);
    let (occurrence, binding) = index.at(offset)?;
    match (binding.kind, &binding.origin) {
        (names::NameKind::Job, names::Origin::Local(declared)) => {
            let (id, item) = job_items(file).find(|(id, _)| id.span == *declared)?;
            Some(job_summary(text, id, item))
        }
        (names::NameKind::Let, names::Origin::Local(declared))
            if matches!(binding.scope, names::Scope::Template(_)) =>
        {
            parameter_hover(document, binding, *declared, read)
        }
        (names::NameKind::Let | names::NameKind::Gate, names::Origin::Local(declared)) => {
            let mut found = Declared {
                name: *declared,
                item: None,
            };
            walk::walk_items(&file.items, &mut found);
            let slice = |span: crate::span::Span| text.get(span.range()).unwrap_or_default();
            match found.item? {
                ItemKind::Let { name, ty, value } => {
                    // The type as written, else as the checker inferred it.
                    let ty = match ty {
                        Some(ty) => Some(slice(ty.span).trim_end().to_owned()),
                        None => {
                            let (_, analysis) = document.analysis(read);
                            analysis
                                .let_types
                                .iter()
                                .find(|(span, _)| {
                                    (span.start, span.end) == (name.span.start, name.span.end)
                                })
                                .and_then(|(_, ty)| ty.written())
                        }
                    };
                    let ty = ty.map(|ty| format!(": {ty}")).unwrap_or_default();
                    Some(format!(
                        "```pipe\nlet {}{ty} = {}\n```",
                        name.name,
                        slice(value.span)
                    ))
                }
                ItemKind::Gate { name, value } => Some(format!(
                    "**gate `{}`**: passes when these jobs succeed\n\n```pipe\ngate {} = {}\n```",
                    name.name,
                    name.name,
                    slice(value.span)
                )),
                _ => None,
            }
        }
        (names::NameKind::Let, names::Origin::Imported { .. }) => {
            // As the module declares it.
            let declared = names::definition(document, offset, read)?;
            let module = Document::new(declared.path.as_str(), read(&declared.path).ok()?);
            let at = LineIndex::new(module.text()).offset(declared.range.start);
            hover(&module, at, read)
        }
        (names::NameKind::Enum, origin) => {
            let written = text.get(occurrence.span.range()).unwrap_or_default();
            let (_, analysis) = document.analysis(read);
            let documented = module_doc(path, origin, &analysis.modules)?
                .enums
                .iter()
                .find(|e| e.name == binding.name)?;
            Some(format!(
                "```pipe\nenum {written}\n```\n\n{}",
                documented.markdown()
            ))
        }
        (names::NameKind::Template, origin) => {
            // The namespace as the call writes it: `docker` in `docker.build_push`.
            let written = text.get(occurrence.span.range()).unwrap_or_default();
            let namespace = written
                .rsplit_once('.')
                .map_or("", |(namespace, _)| namespace);
            let (_, analysis) = document.analysis(read);
            template_doc(path, origin, &binding.name, &analysis.modules)
                .map(|t| t.markdown(namespace))
        }
        _ => None,
    }
}

/// A template's parameter: as its signature writes it, and its documentation.
fn parameter_hover(
    document: &Document,
    binding: &names::Binding,
    declared: crate::span::Span,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Option<String> {
    let names::Scope::Template(position) = binding.scope else {
        return None;
    };
    let ItemKind::Template { name, params, .. } = &document.file().items.get(position)?.kind else {
        return None;
    };
    let param = params.iter().find(|p| p.name.span == declared)?;
    let written = document.text().get(param.span.range())?.trim_end();
    let mut out = format!(
        "```pipe\n{written}\n```\n\nA parameter of the template `{}`.",
        name.name
    );
    let (_, analysis) = document.analysis(read);
    let doc = template_doc(
        document.path(),
        &binding.origin,
        &name.name,
        &analysis.modules,
    )
    .and_then(|template| template.params.iter().find(|p| p.name == param.name.name))
    .and_then(|documented| documented.doc.as_deref());
    if let Some(doc) = doc {
        out.push_str(&format!("\n\n{doc}"));
    }
    Some(out)
}

/// The documentation of the template `name` declared at `origin` (the document at `path`
/// or the module an import names), among the checker's module documentation.
fn template_doc<'m>(
    path: &str,
    origin: &names::Origin,
    name: &str,
    documented: &'m [crate::doc::ModuleDoc],
) -> Option<&'m crate::doc::TemplateDoc> {
    module_doc(path, origin, documented)?
        .templates
        .iter()
        .find(|t| t.name == name)
}

/// The documentation of the module that declares a name at `origin` (the document at
/// `path`, or the module an import names).
fn module_doc<'m>(
    path: &str,
    origin: &names::Origin,
    documented: &'m [crate::doc::ModuleDoc],
) -> Option<&'m crate::doc::ModuleDoc> {
    let module_path = match origin {
        names::Origin::Local(_) => path.to_string(),
        names::Origin::Imported { spec } => modules::resolve_import(path, spec).ok()?,
    };
    documented
        .iter()
        // The standard library's documentation names a module without `.pipe`.
        .find(|m| m.path == module_path || format!("{}.pipe", m.path) == module_path)
}

/// Finds the `let` or gate item that declares the name at a span.
struct Declared {
    name: crate::span::Span,
    item: Option<ItemKind>,
}

impl walk::Visitor for Declared {
    fn item(&mut self, item: &ast::Item) {
        match &item.kind {
            ItemKind::Let { name, .. } | ItemKind::Gate { name, .. } if name.span == self.name => {
                self.item = Some(item.kind.clone());
            }
            _ => {}
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

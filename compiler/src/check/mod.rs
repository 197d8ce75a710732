//! Checking: from syntax trees to the IR, with every diagnostic found on the way.
//!
//! Per file: parse, then lower (`pipeline.rs`, `job.rs`: names, types, settings). Per
//! pipeline, on the IR: the job graph (`graph.rs`), gates and promotion (`gates.rs`) and
//! conditions (`conditions/`). Across files: pipeline ids must be unique, since each
//! names an output file.

pub mod conditions;
mod events;
mod expr;
mod gates;
mod graph;
mod imports;
mod job;
mod literals;
mod pipeline;
mod section;
mod templates;
mod values;

pub use literals::cron_in_words;
pub(crate) use templates::PARAMETER_TYPES;

use std::collections::HashMap;
use std::rc::Rc;

use crate::diagnostics::{self, Code, Diagnostic, Fix};
use crate::ir;
use crate::source::SourceDb;
use crate::span::{FileId, Span};

/// The result of analysing a set of sources: the IR that could be built (complete when
/// there are no errors) and every diagnostic, sorted by file and position.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    pub program: ir::Program,
    pub diagnostics: Vec<Diagnostic>,
    /// The documentation of every file that defines templates or enums, in file order.
    pub modules: Vec<crate::doc::ModuleDoc>,
    /// The type of every `let`'s value, by the span of the `let`'s name: what an editor
    /// shows beside a `let` written without a type.
    pub let_types: Vec<(Span, ir::Type)>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and checks every file of `db`. Never panics and never fails. Modules are checked
/// before the files that import them; pipelines of files that are only imported are not
/// compiled.
pub fn analyze(db: &SourceDb) -> Analysis {
    let mut diagnostics = Vec::new();
    let parsed: Vec<(FileId, &crate::ast::File)> = db
        .files()
        .filter_map(|(file, _)| {
            let parsed = db.parsed(file)?;
            diagnostics.extend(parsed.diagnostics.iter().cloned());
            Some((file, &parsed.ast))
        })
        .collect();
    let imports = imports::resolve(db, &parsed, &mut diagnostics);
    let order = imports::order(&parsed, &imports, &mut diagnostics);
    let imported: Vec<FileId> = imports
        .values()
        .flatten()
        .filter_map(|import| import.target)
        .collect();
    let mut exports: HashMap<FileId, Rc<imports::Exports>> = HashMap::new();
    let mut pipelines: Vec<(FileId, ir::Pipeline)> = Vec::new();
    let mut modules: Vec<(FileId, crate::doc::ModuleDoc)> = Vec::new();
    let mut let_types = Vec::new();
    for file in order {
        let Some((_, ast)) = parsed.iter().find(|(f, _)| *f == file) else {
            continue;
        };
        let file_imports = imports.get(&file).map(Vec::as_slice).unwrap_or_default();
        let mut cx = Cx {
            db,
            file,
            dependencies: imports::closure(file, &imports),
            diagnostics: Vec::new(),
            let_types: Vec::new(),
        };
        let scope = Rc::new(imports::file_scope(&mut cx, file_imports, &exports));
        let only_imported = db.get(file).is_some_and(|f| f.imported);
        let (lowered, file_exports) = pipeline::lower_file(
            &mut cx,
            ast,
            &scope,
            !only_imported,
            only_imported || imported.contains(&file),
        );
        imports::report_unused(&mut cx, &scope);
        if !file_exports.templates.is_empty() || !file_exports.enums.is_empty() {
            modules.push((file, module_doc(db, file, &file_exports)));
        }
        exports.insert(file, Rc::new(file_exports));
        for pipeline in lowered {
            if let Some((_, previous)) = pipelines.iter().find(|(_, p)| p.id == pipeline.id) {
                let here = id_span(db, &pipeline);
                cx.report(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        format!("pipeline `{}` is defined twice", pipeline.id),
                        here,
                        "defined again here",
                    )
                    .with_label(id_span(db, previous), "first defined here")
                    .with_help(format!(
                        "each pipeline becomes the file `{}.yml`; rename one of them",
                        pipeline.id
                    )),
                );
                continue;
            }
            graph::check(&mut cx, &pipeline);
            gates::check(&mut cx, &pipeline);
            cx.diagnostics
                .extend(conditions::check_pipeline(&pipeline, db));
            pipelines.push((file, pipeline));
        }
        diagnostics.extend(cx.diagnostics);
        let_types.extend(cx.let_types);
    }
    // Modules are checked first; the pipelines keep the order of their files.
    pipelines.sort_by_key(|(file, _)| *file);
    modules.sort_by_key(|(file, _)| *file);
    diagnostics::sort(&mut diagnostics);
    diagnostics.dedup();
    Analysis {
        program: ir::Program {
            pipelines: pipelines.into_iter().map(|(_, p)| p).collect(),
        },
        diagnostics,
        modules: modules.into_iter().map(|(_, m)| m).collect(),
        let_types,
    }
}

fn module_doc(db: &SourceDb, file: FileId, exports: &imports::Exports) -> crate::doc::ModuleDoc {
    let path = db.path(file);
    let stdlib = db.get(file).is_some_and(|f| f.imported) && path.starts_with("std/");
    crate::doc::ModuleDoc {
        path: if stdlib {
            path.trim_end_matches(".pipe").to_string()
        } else {
            path.to_string()
        },
        doc: crate::parse::module_doc(db.text(file)),
        enums: exports.enums.iter().map(|e| e.documentation()).collect(),
        templates: exports
            .templates
            .iter()
            .map(|t| t.documentation())
            .collect(),
    }
}

/// The span of a pipeline's id: the word after `pipeline`.
fn id_span(db: &SourceDb, pipeline: &ir::Pipeline) -> Span {
    let text = db.slice(pipeline.span);
    match text.find(&pipeline.id) {
        Some(offset) => {
            let start = pipeline.span.start as usize + offset;
            Span::new(pipeline.span.file, start..start + pipeline.id.len())
        }
        None => pipeline.span.shrink_to_start(),
    }
}

/// What the checking passes of one file share: the sources (for quoting them in messages)
/// and the diagnostics found so far.
pub(crate) struct Cx<'db> {
    db: &'db SourceDb,
    file: FileId,
    /// The modules the file imports, transitively: its output depends on them too.
    dependencies: Vec<FileId>,
    diagnostics: Vec<Diagnostic>,
    let_types: Vec<(Span, ir::Type)>,
}

impl Cx<'_> {
    pub(crate) fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Reports a name defined twice in one scope: `subject` says what ("job `build`"),
    /// `verb` how it was given ("defined", "set", "listed").
    pub(crate) fn duplicate(
        &mut self,
        subject: impl std::fmt::Display,
        verb: &str,
        span: Span,
        first: Span,
        help: impl Into<String>,
    ) {
        self.report(
            Diagnostic::new(
                Code::DuplicateDefinition,
                format!("{subject} is {verb} twice"),
                span,
                format!("{verb} again here"),
            )
            .with_label(first, format!("first {verb} here"))
            .with_help(help),
        );
    }

    /// The source text of a span, for quoting it in a message.
    pub(crate) fn slice(&self, span: Span) -> &str {
        self.db.slice(span)
    }

    /// The fix that writes `suggestion` over the value `written` at `span`, quoted if it is
    /// quoted there; none when the value comes from elsewhere (a `let`, an expression), as
    /// rewriting the reference would not be the fix.
    pub(crate) fn rewrite_literal(
        &self,
        span: Span,
        written: &str,
        suggestion: &str,
    ) -> Option<Fix> {
        let source = self.slice(span);
        if source == format!("\"{written}\"") {
            Some(Fix::replace(span, format!("\"{suggestion}\"")))
        } else if source == written {
            Some(Fix::replace(span, suggestion))
        } else {
            None
        }
    }

    /// The whitespace that indents the line `span` starts on: what a fix that adds a line
    /// next to it writes first.
    pub(crate) fn indentation(&self, span: Span) -> &str {
        let before = self.db.slice(Span {
            start: 0,
            ..span.shrink_to_start()
        });
        let line = before.rsplit('\n').next().unwrap_or_default();
        let width = line.len() - line.trim_start().len();
        line.get(..width).unwrap_or_default()
    }

    fn path(&self) -> &str {
        self.db.path(self.file)
    }

    /// A hash of what the output of this file depends on: the compiler version, the path and
    /// the text of the file and of every module it imports. FNV-1a is enough here: it
    /// detects change, it does not defend against anyone.
    fn source_hash(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let version = concat!("pipec ", env!("CARGO_PKG_VERSION"), "\n");
        let sources = std::iter::once(self.file)
            .chain(self.dependencies.iter().copied())
            .flat_map(|file| {
                self.db
                    .path(file)
                    .bytes()
                    .chain([0])
                    .chain(self.db.text(file).bytes())
            });
        for byte in version.bytes().chain(sources) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }
}

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
mod job;
mod literals;
mod pipeline;
mod section;
mod values;

use crate::diagnostics::{self, Code, Diagnostic};
use crate::ir;
use crate::source::SourceDb;
use crate::span::{FileId, Span};

/// The result of analysing a set of sources: the IR that could be built (complete when
/// there are no errors) and every diagnostic, sorted by file and position.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    pub program: ir::Program,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and checks every file of `db`. Never panics and never fails.
pub fn analyze(db: &SourceDb) -> Analysis {
    let mut diagnostics = Vec::new();
    let mut pipelines: Vec<ir::Pipeline> = Vec::new();
    for (file, source) in db.files() {
        let (ast, parse_diagnostics) = crate::parse::parse_file(file, &source.text);
        diagnostics.extend(parse_diagnostics);
        let mut cx = Cx {
            db,
            file,
            diagnostics: Vec::new(),
        };
        for pipeline in pipeline::lower_file(&mut cx, &ast) {
            if let Some(previous) = pipelines.iter().find(|p| p.id == pipeline.id) {
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
            pipelines.push(pipeline);
        }
        diagnostics.extend(cx.diagnostics);
    }
    diagnostics::sort(&mut diagnostics);
    diagnostics.dedup();
    Analysis {
        program: ir::Program { pipelines },
        diagnostics,
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
    diagnostics: Vec<Diagnostic>,
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

    fn path(&self) -> &str {
        self.db.path(self.file)
    }

    /// A hash of what the output of this file depends on: the compiler version, the path and
    /// the text. FNV-1a is enough here: it detects change, it does not defend against anyone.
    fn source_hash(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let version = concat!("pipec ", env!("CARGO_PKG_VERSION"), "\n");
        for byte in version
            .bytes()
            .chain(self.path().bytes())
            .chain([0])
            .chain(self.db.text(self.file).bytes())
        {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }
}

//! Checking: from syntax trees to the IR, with every diagnostic found on the way.

pub mod conditions;

use crate::diagnostics::{self, Diagnostic};
use crate::ir;
use crate::source::SourceDb;

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
    for (file, source) in db.files() {
        let (_ast, parse_diagnostics) = crate::parse::parse_file(file, &source.text);
        diagnostics.extend(parse_diagnostics);
    }
    diagnostics::sort(&mut diagnostics);
    Analysis { program: ir::Program::default(), diagnostics }
}

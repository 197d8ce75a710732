//! placeholder: condition analysis (unreachable jobs and steps, constant conditions).

use crate::diagnostics::Diagnostic;
use crate::ir;
use crate::source::SourceDb;

/// Finds jobs and steps that can never run, and constant conditions, in one pipeline.
pub fn check_pipeline(pipeline: &ir::Pipeline, db: &SourceDb) -> Vec<Diagnostic> {
    let _ = (pipeline, db);
    Vec::new()
}

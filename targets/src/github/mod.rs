//! placeholder: the GitHub Actions target.

use pipec_compiler::ir;

/// Generates one workflow file per pipeline.
pub fn generate(program: &ir::Program) -> crate::Output {
    let _ = program;
    crate::Output::default()
}

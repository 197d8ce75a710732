//! The JSON format: one document, `version` 1, with every diagnostic and a summary. The
//! shape is documented in `pipec check --help`; a change to it is a new `version`.

use pipec_compiler::diagnostics::Label;
use pipec_compiler::{Diagnostic, SourceDb};
use serde_json::{Value, json};

use super::{Location, Report};

pub fn render(report: &Report<'_>) -> String {
    let diagnostics: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|diagnostic| diagnostic_json(report.db, diagnostic))
        .collect();
    let document = json!({
        "version": 1,
        "diagnostics": diagnostics,
        "summary": {
            "errors": report.summary.errors,
            "warnings": report.summary.warnings,
            "files": report.summary.files,
        },
    });
    format!("{document:#}\n")
}

fn diagnostic_json(db: &SourceDb, diagnostic: &Diagnostic) -> Value {
    let info = diagnostic.code.info();
    let at = Location::of(db, diagnostic.primary.span);
    let labels: Vec<Value> = std::iter::once((true, &diagnostic.primary))
        .chain(diagnostic.secondary.iter().map(|label| (false, label)))
        .map(|(primary, label)| label_json(db, primary, label))
        .collect();
    json!({
        "code": info.code,
        "name": info.name,
        "severity": diagnostic.severity.as_str(),
        "message": diagnostic.message,
        "file": at.file,
        "line": at.line,
        "column": at.column,
        "end_line": at.end_line,
        "end_column": at.end_column,
        "labels": labels,
        "help": diagnostic.help,
        "notes": diagnostic.notes,
    })
}

fn label_json(db: &SourceDb, primary: bool, label: &Label) -> Value {
    let at = Location::of(db, label.span);
    json!({
        "primary": primary,
        "message": label.message,
        "file": at.file,
        "line": at.line,
        "column": at.column,
        "end_line": at.end_line,
        "end_column": at.end_column,
    })
}

//! The SARIF format: a SARIF 2.1.0 log with one run whose driver lists every code of the
//! registry as a rule, and one result per diagnostic. Secondary labels become related
//! locations. Columns count Unicode code points (`columnKind`), as everywhere in pipec.

use pipec_compiler::diagnostics::Label;
use pipec_compiler::{Code, Diagnostic, Severity, SourceDb};
use serde_json::{Value, json};

use super::{Location, Report, message_with_help};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn render(report: &Report<'_>) -> String {
    let rules: Vec<Value> = Code::ALL.iter().map(|code| rule(*code)).collect();
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|diagnostic| result(report.db, diagnostic))
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "pipec",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    format!("{log:#}\n")
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule(code: Code) -> Value {
    let info = code.info();
    json!({
        "id": info.code,
        "name": info.name,
        "shortDescription": { "text": info.summary },
        "fullDescription": { "text": first_paragraph(info.explanation).unwrap_or(info.summary) },
        "help": { "text": info.explanation, "markdown": info.explanation },
        "defaultConfiguration": { "level": level(info.severity) },
    })
}

/// The first paragraph of an explanation's prose, after its `# CODE name` title.
fn first_paragraph(explanation: &str) -> Option<&str> {
    explanation.split("\n\n").map(str::trim).find(|paragraph| {
        !paragraph.is_empty() && !paragraph.starts_with('#') && !paragraph.starts_with("```")
    })
}

fn result(db: &SourceDb, diagnostic: &Diagnostic) -> Value {
    let rule_index = Code::ALL
        .iter()
        .position(|code| *code == diagnostic.code)
        .unwrap_or_default();
    let related: Vec<Value> = diagnostic
        .secondary
        .iter()
        .enumerate()
        .map(|(id, label)| {
            json!({
                "id": id,
                "physicalLocation": physical_location(db, label),
                "message": { "text": label.message },
            })
        })
        .collect();
    json!({
        "ruleId": diagnostic.code.info().code,
        "ruleIndex": rule_index,
        "level": level(diagnostic.severity),
        "message": { "text": message_with_help(diagnostic) },
        "locations": [{ "physicalLocation": physical_location(db, &diagnostic.primary) }],
        "relatedLocations": related,
    })
}

fn physical_location(db: &SourceDb, label: &Label) -> Value {
    let at = Location::of(db, label.span);
    json!({
            "artifactLocation": { "uri": uri_reference(at.file) },
            "region": {
                "startLine": at.line,
                "startColumn": at.column,
                "endLine": at.end_line,
                "endColumn": at.end_column,
            },
    })
}

/// A displayed path as a relative URI reference: every byte outside the unreserved set
/// and `/` is percent-encoded, so spaces and `:` cannot change its meaning.
fn uri_reference(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri_reference("ci/a b:c.pipe"), "ci/a%20b%3Ac.pipe");
        assert_eq!(uri_reference("é.pipe"), "%C3%A9.pipe");
    }

    #[test]
    fn full_descriptions_skip_the_title() {
        assert_eq!(
            first_paragraph("# E1 x\n\nWhat it is.\nMore.\n\n## Example\n"),
            Some("What it is.\nMore.")
        );
        assert_eq!(first_paragraph("# E1 x\n"), None);
    }
}

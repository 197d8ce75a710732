//! Renders diagnostics at the edge, once, from the one [`Diagnostic`] struct: `human`
//! (miette, to stderr), `json`, `github` (workflow commands) and `sarif` (to stdout).
//! Line and column numbers are computed here and nowhere else, from
//! [`SourceDb::line_col`]: 1-based, columns count characters, and ends are exclusive.

mod github;
mod human;
mod json;
mod sarif;

pub use human::plural;

use pipec_compiler::{Diagnostic, SourceDb, Span};

use crate::output;

/// The `--format` flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable reports with source snippets, on stderr.
    Human,
    /// One JSON document on stdout (see `pipec check --help`).
    Json,
    /// GitHub Actions workflow commands (`::error file=...::message`) on stdout.
    Github,
    /// A SARIF 2.1.0 log on stdout, for code scanning.
    Sarif,
}

/// How many problems were found, in how many files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub files: usize,
}

impl Summary {
    pub fn of(diagnostics: &[Diagnostic], files: usize) -> Summary {
        let errors = diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .count();
        Summary {
            errors,
            warnings: diagnostics.len() - errors,
            files,
        }
    }

    /// Whether the command must fail because of these diagnostics.
    pub fn failed(&self, deny_warnings: bool) -> bool {
        self.errors > 0 || (deny_warnings && self.warnings > 0)
    }
}

/// A span as users count: file path, 1-based line and column of its start and its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location<'a> {
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl<'a> Location<'a> {
    pub fn of(db: &'a SourceDb, span: Span) -> Location<'a> {
        let start = db.line_col(span.file, span.start as usize);
        let end = db.line_col(span.file, span.end as usize);
        Location {
            file: db.path(span.file),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        }
    }
}

/// The message followed by the help and the notes, one per line, for the formats that
/// have a single text field (GitHub annotations, SARIF results).
fn message_with_help(diagnostic: &Diagnostic) -> String {
    let mut message = diagnostic.message.clone();
    for (prefix, text) in diagnostic
        .help
        .iter()
        .map(|help| ("help", help))
        .chain(diagnostic.notes.iter().map(|note| ("note", note)))
    {
        message.push_str(&format!("\n{prefix}: {text}"));
    }
    message
}

/// Everything a renderer needs to know about one run.
pub struct Report<'a> {
    pub db: &'a SourceDb,
    pub diagnostics: &'a [Diagnostic],
    pub summary: Summary,
    pub deny_warnings: bool,
    pub colour: bool,
}

/// Renders the report in `format` to where that format goes, and returns its summary.
pub fn emit(
    format: Format,
    db: &SourceDb,
    diagnostics: &[Diagnostic],
    deny_warnings: bool,
    colour: bool,
) -> Summary {
    let summary = Summary::of(diagnostics, db.files().count());
    let report = Report {
        db,
        diagnostics,
        summary,
        deny_warnings,
        colour,
    };
    match format {
        Format::Human => {
            output::stderr(&human::render(&report, crate::terminal::width()));
            output::stderr(&human::summary_line(&report));
        }
        Format::Json => output::stdout(&json::render(&report)),
        Format::Github => {
            output::stdout(&github::render(&report));
            output::stderr(&human::summary_line(&report));
        }
        Format::Sarif => output::stdout(&sarif::render(&report)),
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipec_compiler::Code;

    #[test]
    fn warnings_fail_only_when_denied() {
        let mut db = SourceDb::new();
        let file = db.add("a.pipe", "let x = 1\n");
        let warning = Diagnostic::new(
            Code::UnusedLet,
            "`x` is never used",
            Span::new(file, 4..5),
            "unused",
        );
        let summary = Summary::of(&[warning], 1);
        assert_eq!(
            summary,
            Summary {
                errors: 0,
                warnings: 1,
                files: 1
            }
        );
        assert!(!summary.failed(false));
        assert!(summary.failed(true));
    }

    #[test]
    fn locations_count_characters_and_end_exclusively() {
        let mut db = SourceDb::new();
        let file = db.add("a.pipe", "name: \"é\" x\n");
        let x = "name: \"é\" ".len();
        let location = Location::of(&db, Span::new(file, x..x + 1));
        assert_eq!(
            (
                location.line,
                location.column,
                location.end_line,
                location.end_column
            ),
            (1, 11, 1, 12)
        );
    }
}

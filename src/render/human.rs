//! The human format: each diagnostic as a miette report (header with severity, code and
//! message, a snippet headed `file:line:col` with the primary and secondary labels, help,
//! then `note:` lines), followed by a one-line summary. Labels in another file than the
//! primary one cannot share its snippet, so they become notes naming their location.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use pipec_compiler::source::SourceFile;
use pipec_compiler::{Diagnostic, Severity};

use super::{Location, Report};
use crate::terminal::{Style, paint};

/// Renders every diagnostic of `report`, wrapped at `width` columns.
pub fn render(report: &Report<'_>, width: usize) -> String {
    let theme = if report.colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let mut rendered = String::new();
    for diagnostic in report.diagnostics {
        let snippet = Snippet::new(report, diagnostic);
        let mut text = String::new();
        if handler.render_report(&mut text, &snippet).is_err() {
            // A formatter error cannot come from a String; keep the plain message anyway.
            text = format!("{snippet}\n");
        }
        rendered.push_str(&text);
        for note in snippet.notes {
            rendered.push_str(&format!("  note: {note}\n"));
        }
        rendered.push('\n');
    }
    rendered
}

/// `error: 2 errors and 1 warning in 3 files` or `ok: 3 files checked`.
pub fn summary_line(report: &Report<'_>) -> String {
    let summary = report.summary;
    let files = plural(summary.files, "file");
    let problems = match (summary.errors, summary.warnings) {
        (0, 0) => {
            return format!(
                "{}: {files} checked\n",
                paint("ok", Style::Ok, report.colour)
            );
        }
        (errors, 0) => plural(errors, "error"),
        (0, warnings) => plural(warnings, "warning"),
        (errors, warnings) => format!(
            "{} and {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        ),
    };
    let (prefix, style, denied) = if summary.errors > 0 {
        ("error", Style::Error, "")
    } else if report.deny_warnings {
        ("error", Style::Error, " (warnings are denied)")
    } else {
        ("warning", Style::Warning, "")
    };
    format!(
        "{}: {problems} in {files}{denied}\n",
        paint(prefix, style, report.colour)
    )
}

pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// miette draws no label on the empty line after a file's final newline, so a span at the
/// very end of the file is shown at the end of the last line instead.
fn visible_range(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let end_of_last_line = text.len().saturating_sub(1);
    if range.start >= text.len() && text.ends_with('\n') {
        end_of_last_line..end_of_last_line
    } else {
        range
    }
}

/// A source file as miette reads it, named by its path. miette counts the column in the
/// snippet header (`file:line:col`) in bytes; pipec counts characters everywhere, so the
/// column is taken from the source database instead.
struct PipeSource<'a> {
    file: &'a SourceFile,
}

impl SourceCode for PipeSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let contents =
            self.file
                .text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        // miette 7.6 returns as `line_count` the index of the snippet's last line, but decides
        // whether two snippets overlap as if it were the number of lines in the snippet, so
        // far down a file every label would be merged into one long snippet. Give it the
        // number of lines.
        let lines_in_snippet = contents.data().split(|b| *b == b'\n').count();
        // miette reports a column only for reads without context lines (the header's).
        let column = if context_lines_before == 0 {
            self.file.line_col(span.offset()).column.saturating_sub(1)
        } else {
            contents.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.path.clone(),
            contents.data(),
            *contents.span(),
            contents.line(),
            column,
            lines_in_snippet,
        )))
    }
}

/// One diagnostic in the shape miette renders.
struct Snippet<'a> {
    header: String,
    severity: miette::Severity,
    source: Option<PipeSource<'a>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    notes: Vec<String>,
}

impl<'a> Snippet<'a> {
    fn new(report: &Report<'a>, diagnostic: &Diagnostic) -> Snippet<'a> {
        let db = report.db;
        let file = diagnostic.primary.span.file;
        let (severity, word) = match diagnostic.severity {
            Severity::Error => (miette::Severity::Error, "error"),
            Severity::Warning => (miette::Severity::Warning, "warning"),
        };
        let label_text = |message: &str| (!message.is_empty()).then(|| message.to_owned());
        let text = db.text(file);
        let span_of = |span: pipec_compiler::Span| {
            miette::SourceSpan::from(visible_range(text, span.range()))
        };
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            label_text(&diagnostic.primary.message),
            span_of(diagnostic.primary.span),
        )];
        let mut notes = Vec::new();
        for label in &diagnostic.secondary {
            if label.span.file == file {
                labels.push(LabeledSpan::new_with_span(
                    label_text(&label.message),
                    span_of(label.span),
                ));
            } else {
                let at = Location::of(db, label.span);
                notes.push(format!(
                    "{}: {}:{}:{}",
                    label.message, at.file, at.line, at.column
                ));
            }
        }
        notes.extend(diagnostic.notes.iter().cloned());
        Snippet {
            header: format!(
                "{word}[{}]: {}",
                diagnostic.code.info().code,
                diagnostic.message
            ),
            severity,
            source: db.get(file).map(|file| PipeSource { file }),
            labels,
            help: diagnostic.help.clone(),
            notes,
        }
    }
}

impl fmt::Display for Snippet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header)
    }
}

impl fmt::Debug for Snippet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header)
    }
}

impl std::error::Error for Snippet<'_> {}

impl miette::Diagnostic for Snippet<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Summary;
    use pipec_compiler::{Code, SourceDb, Span};

    #[test]
    fn notes_and_labels_in_other_files_follow_the_snippet() {
        let mut db = SourceDb::new();
        let first = db.add("a.pipe", "pipeline ci {\n}\n");
        let second = db.add("dir/b.pipe", "\npipeline ci {\n}\n");
        let diagnostic = Diagnostic::new(
            Code::DuplicateDefinition,
            "pipeline `ci` is defined twice",
            Span::new(second, 10..12),
            "again",
        )
        .with_label(Span::new(first, 9..11), "first defined here")
        .with_note("pipeline ids name the generated files");
        let diagnostics = [diagnostic];
        let report = Report {
            db: &db,
            diagnostics: &diagnostics,
            summary: Summary::of(&diagnostics, 2),
            deny_warnings: false,
            colour: false,
        };
        let text = render(&report, 100);
        assert!(
            text.starts_with("  × error[E0212]: pipeline `ci` is defined twice\n"),
            "{text}"
        );
        assert!(text.contains("╭─[dir/b.pipe:2:10]"), "{text}");
        assert!(
            text.ends_with("  note: first defined here: a.pipe:1:10\n  note: pipeline ids name the generated files\n\n"),
            "{text}"
        );
        assert_eq!(summary_line(&report), "error: 1 error in 2 files\n");
    }

    #[test]
    fn labels_far_apart_get_snippets_of_their_own_even_deep_in_a_file() {
        let mut db = SourceDb::new();
        let text: String = (1..=400).map(|n| format!("line {n}\n")).collect();
        let offset = |line: usize| text.find(&format!("line {line}\n")).unwrap_or(0);
        let file = db.add("long.pipe", text.clone());
        let diagnostic = Diagnostic::new(
            Code::UnreachableJob,
            "job `b` can never run",
            Span::new(file, offset(330)..offset(330) + 8),
            "here",
        )
        .with_label(Span::new(file, offset(300)..offset(300) + 8), "and there");
        let diagnostics = [diagnostic];
        let report = Report {
            db: &db,
            diagnostics: &diagnostics,
            summary: Summary::of(&diagnostics, 1),
            deny_warnings: false,
            colour: false,
        };
        let rendered = render(&report, 100);
        assert_eq!(rendered.matches("╭─[").count(), 2, "{rendered}");
        assert!(!rendered.contains("line 315"), "{rendered}");
    }
}

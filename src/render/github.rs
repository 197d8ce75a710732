//! The GitHub format: one workflow command per diagnostic,
//! `::error file=F,line=L,col=C,endLine=L,endColumn=C,title=E0301 dependency-cycle::message`,
//! which the Actions runner turns into an annotation on the file. Help and notes follow
//! the message on their own lines. Data and property values are escaped as the runner
//! expects, so a message cannot end the command early or forge another one.

use pipec_compiler::{Diagnostic, Severity};

use super::{Location, Report, message_with_help};

pub fn render(report: &Report<'_>) -> String {
    report
        .diagnostics
        .iter()
        .map(|diagnostic| command(report, diagnostic))
        .collect()
}

fn command(report: &Report<'_>, diagnostic: &Diagnostic) -> String {
    let info = diagnostic.code.info();
    let at = Location::of(report.db, diagnostic.primary.span);
    let kind = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    format!(
        "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
        escape_property(at.file),
        at.line,
        at.column,
        at.end_line,
        at.end_column,
        escape_property(&format!("{} {}", info.code, info.name)),
        escape_data(&message_with_help(diagnostic)),
    )
}

/// Escapes a command's message, as the runner's `escapeData` does.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value, as the runner's `escapeProperty` does.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_a_command_on_one_line() {
        assert_eq!(escape_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}

//! `pipec fmt`: rewrites `.pipe` files in the canonical layout of the compiler's
//! [`pipec_compiler::format`], the same formatter the language server uses. A file with
//! syntax errors is reported and left alone; the others are still formatted.

use std::io::Read;
use std::path::PathBuf;

use pipec_compiler::format::{FormatError, format};
use pipec_compiler::{Diagnostic, FileId, SourceDb};

use crate::build::{coloured_diff, write_atomically};
use crate::output::{self, Exit};
use crate::render::{self, Format, plural};

pub struct Options {
    /// Files and directories; `-` alone formats standard input to standard output.
    pub paths: Vec<PathBuf>,
    pub check: bool,
    pub colour: bool,
}

/// What formatting one file came to.
enum Outcome {
    Unchanged,
    Changed(String),
    /// Syntax errors: reported with the others, the file left as it is.
    Unparsable,
}

pub fn run(options: &Options) -> Exit {
    if options.paths.len() == 1 && options.paths.first().is_some_and(|p| p.as_os_str() == "-") {
        return standard_input(options);
    }
    let found = match crate::files::find(&options.paths) {
        Ok(found) => found,
        Err(error) => return output::usage_error(error),
    };
    let mut db = SourceDb::new();
    let mut files = Vec::new();
    for (shown, path) in found {
        match std::fs::read_to_string(&path) {
            Ok(text) => files.push((db.add(shown, text), path)),
            Err(error) => return output::usage_error(format!("cannot read {shown}: {error}")),
        }
    }
    let mut diagnostics = Vec::new();
    let mut changed = Vec::new();
    let mut failed = false;
    for (file, path) in &files {
        let shown = db.path(*file).to_owned();
        let text = db.text(*file);
        match format_one(*file, &shown, text, &mut diagnostics) {
            Outcome::Unchanged => {}
            Outcome::Unparsable => failed = true,
            Outcome::Changed(formatted) if options.check => {
                output::stderr(&coloured_diff(
                    text,
                    &formatted,
                    &format!("{shown} (as written)"),
                    &format!("{shown} (formatted)"),
                    options.colour,
                ));
                changed.push(shown);
            }
            Outcome::Changed(formatted) => match write_atomically(path, &formatted, false) {
                Ok(()) => changed.push(shown),
                Err(error) => {
                    return output::usage_error(format!("cannot write {shown}: {error}"));
                }
            },
        }
    }
    if !diagnostics.is_empty() {
        render::emit(Format::Human, &db, &diagnostics, false, options.colour);
    }
    let total = files.len();
    let message = match (options.check, changed.len()) {
        (true, 0) => format!("{} already formatted", plural(total, "file")),
        (true, n) => format!(
            "{n} of {} not formatted: {} (run `pipec fmt` to fix)",
            plural(total, "file"),
            changed.join(", ")
        ),
        (false, 0) => format!("{} already formatted", plural(total, "file")),
        (false, n) => format!(
            "formatted {}: {}; {} already formatted",
            plural(n, "file"),
            changed.join(", "),
            total - n
        ),
    };
    output::stderr(&format!("{message}\n"));
    if failed || (options.check && !changed.is_empty()) {
        Exit::Failure
    } else {
        Exit::Success
    }
}

fn format_one(file: FileId, shown: &str, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Outcome {
    match format(file, text) {
        Ok(formatted) if formatted == text => Outcome::Unchanged,
        Ok(formatted) => Outcome::Changed(formatted),
        Err(FormatError::Syntax(errors)) => {
            diagnostics.extend(errors);
            Outcome::Unparsable
        }
        Err(FormatError::Internal(reason)) => {
            output::stderr(&format!(
                "error: {shown}: left as it is, because formatting it went wrong: {reason} \
                 (a bug in pipec; please report it with the file)\n"
            ));
            Outcome::Unparsable
        }
    }
}

/// `pipec fmt -`: standard input, formatted, to standard output (for editors' format
/// commands); with `--check`, nothing is printed but the diff.
fn standard_input(options: &Options) -> Exit {
    let mut text = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut text) {
        return output::usage_error(format!("cannot read standard input: {error}"));
    }
    let mut db = SourceDb::new();
    let file = db.add("<stdin>", text);
    let text = db.text(file);
    let mut diagnostics = Vec::new();
    let outcome = format_one(file, "<stdin>", text, &mut diagnostics);
    if !diagnostics.is_empty() {
        render::emit(Format::Human, &db, &diagnostics, false, options.colour);
    }
    match outcome {
        Outcome::Unparsable => Exit::Failure,
        Outcome::Unchanged if !options.check => {
            output::stdout(text);
            Exit::Success
        }
        Outcome::Unchanged => Exit::Success,
        Outcome::Changed(formatted) if options.check => {
            output::stderr(&coloured_diff(
                text,
                &formatted,
                "<stdin> (as written)",
                "<stdin> (formatted)",
                options.colour,
            ));
            Exit::Failure
        }
        Outcome::Changed(formatted) => {
            output::stdout(&formatted);
            Exit::Success
        }
    }
}

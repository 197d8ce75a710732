//! `pipec check`: load the sources, analyse them, report every diagnostic.

use std::path::PathBuf;

use crate::compile::{Target, compile};
use crate::output::{self, Exit};
use crate::render::{self, Format};

pub struct Options {
    pub paths: Vec<PathBuf>,
    pub target: Target,
    pub format: Format,
    pub deny_warnings: bool,
    pub colour: bool,
}

pub fn run(options: &Options) -> Exit {
    let db = match crate::files::load(&options.paths) {
        Ok(db) => db,
        Err(error) => return output::usage_error(error),
    };
    let compiled = compile(&db, options.target);
    let summary = render::emit(
        options.format,
        &db,
        &compiled.diagnostics,
        options.deny_warnings,
        options.colour,
    );
    if summary.failed(options.deny_warnings) {
        Exit::Failure
    } else {
        Exit::Success
    }
}

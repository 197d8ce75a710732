//! `pipec check`: load the sources, analyse them, report every diagnostic.

use std::path::PathBuf;

use pipec_compiler::SourceDb;

use crate::compile::{Compiled, TargetOptions, compile};
use crate::output::{self, Exit};
use crate::render::{self, Format};

pub struct Options {
    pub paths: Vec<PathBuf>,
    pub target: TargetOptions,
    pub format: Format,
    pub deny_warnings: bool,
    pub colour: bool,
}

pub fn run(options: &Options) -> Exit {
    match checked(options) {
        Ok(_) => Exit::Success,
        Err(exit) => exit,
    }
}

/// Loads, compiles and reports every diagnostic: all of `check`, and the first half of
/// `build`. `Err` is the exit when the sources could not be read or have failed the check.
pub fn checked(options: &Options) -> Result<(SourceDb, Compiled), Exit> {
    let db = match crate::files::load(&options.paths) {
        Ok(db) => db,
        Err(error) => return Err(output::usage_error(error)),
    };
    let compiled = compile(&db, &options.target);
    let summary = render::emit(
        options.format,
        &db,
        &compiled.diagnostics,
        options.deny_warnings,
        options.colour,
    );
    if summary.failed(options.deny_warnings) {
        Err(Exit::Failure)
    } else {
        Ok((db, compiled))
    }
}

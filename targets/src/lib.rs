//! pipec's code generators. Each target reads only the IR ([`pipec_compiler::ir`]) and
//! returns files as data; writing them to disk is the caller's business.

pub mod github;
pub mod yaml;

use pipec_compiler::Diagnostic;

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative to the output directory, with `/` separators (`ci.yml`).
    pub path: String,
    pub contents: String,
    /// The pipeline the file was generated from.
    pub pipeline_id: String,
}

/// Everything a target produced: files, and diagnostics for constructs it cannot express.
/// When `diagnostics` has an error, `files` must not be written.
#[derive(Clone, Debug, Default)]
pub struct Output {
    pub files: Vec<GeneratedFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The first line of the header every generated file starts with, and the prefix of the
/// line that records the source hash, so `pipec build --check` can tell a stale file from
/// one edited by hand.
pub const HASH_LINE_PREFIX: &str = "# pipec-source-hash: ";

/// The source hash recorded in a generated file's header, if it has one.
pub fn recorded_source_hash(contents: &str) -> Option<&str> {
    contents.lines().take(5).find_map(|line| line.strip_prefix(HASH_LINE_PREFIX)).map(str::trim)
}

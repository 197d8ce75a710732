//! placeholder: GitHub filter-pattern globs (being written; the API below is the agreed one).

/// A parsed glob pattern.
pub struct Glob;

/// Why a pattern is not a valid glob; `offset` is in bytes into the pattern.
pub struct GlobError {
    pub offset: usize,
    pub message: String,
}

/// Parses a GitHub filter pattern (without a leading `!`).
pub fn parse(pattern: &str) -> Result<Glob, GlobError> {
    if pattern.is_empty() {
        return Err(GlobError {
            offset: 0,
            message: "empty pattern".into(),
        });
    }
    Ok(Glob)
}

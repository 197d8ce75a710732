//! The source database: every file the compiler sees, by [`FileId`]. The compiler never
//! reads files itself; the CLI and the language server fill a `SourceDb` and hand it over.

use std::sync::{Arc, OnceLock};

use crate::ast;
use crate::diagnostics::Diagnostic;
use crate::span::{FileId, LineCol, LineIndex, Span};

/// A file's parse: the syntax tree of everything that could be read, and the syntax
/// errors.
#[derive(Debug)]
pub struct Parsed {
    /// The file whose spans the tree carries.
    pub file: FileId,
    pub ast: ast::File,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    pub fn of(file: FileId, text: &str) -> Parsed {
        let (ast, diagnostics) = crate::parse::parse_file(file, text);
        Parsed {
            file,
            ast,
            diagnostics,
        }
    }
}

/// One source file: the path shown to users (relative to the working directory, as the
/// caller chose it) and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
    /// Added because another file imports it, not named by the caller: its pipelines are
    /// not compiled, only its templates, enums and `let`s are used.
    pub imported: bool,
    line_index: LineIndex,
    /// Made by the first pass that reads the tree; the others share it.
    parsed: OnceLock<Arc<Parsed>>,
}

impl SourceFile {
    pub fn line_col(&self, offset: usize) -> LineCol {
        self.line_index.line_col(&self.text, offset)
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.line_index
    }

    /// The source text a span covers ("" for a span that does not fit this file).
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

#[derive(Clone, Debug, Default)]
pub struct SourceDb {
    files: Vec<SourceFile>,
    /// Modules that could not be read, with the reason, for the checker to report.
    read_failures: Vec<(String, String)>,
}

impl SourceDb {
    pub fn new() -> SourceDb {
        SourceDb::default()
    }

    /// Adds a file the caller wants compiled.
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        self.push(path.into(), text.into(), false)
    }

    /// Adds a file the caller wants compiled with a parse of `text` it already has (an
    /// editor's document, parsed for its requests), which the checker then reuses. A parse
    /// made for another file id than the one added is not used: its spans would be wrong.
    pub fn add_parsed(
        &mut self,
        path: impl Into<String>,
        text: impl Into<String>,
        parsed: Arc<Parsed>,
    ) -> FileId {
        let id = self.add(path, text);
        if let Some(source) = self.files.get(id.0 as usize).filter(|_| parsed.file == id) {
            let _ = source.parsed.set(parsed);
        }
        id
    }

    /// Adds a module that another file imports (see [`crate::modules::load_imports`]).
    pub fn add_module(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        self.push(path.into(), text.into(), true)
    }

    fn push(&mut self, path: String, text: String, imported: bool) -> FileId {
        let line_index = LineIndex::new(&text);
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            path,
            text,
            imported,
            line_index,
            parsed: OnceLock::new(),
        });
        id
    }

    pub fn add_read_failure(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.read_failures.push((path.into(), reason.into()));
    }

    /// Why the module at `path` could not be read, if it could not.
    pub fn read_failure(&self, path: &str) -> Option<&str> {
        self.read_failures
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, reason)| reason.as_str())
    }

    /// The file with this path.
    pub fn find(&self, path: &str) -> Option<FileId> {
        self.files()
            .find(|(_, file)| file.path == path)
            .map(|(id, _)| id)
    }

    pub fn get(&self, file: FileId) -> Option<&SourceFile> {
        self.files.get(file.0 as usize)
    }

    /// The parse of a file, made the first time it is asked for.
    pub fn parsed(&self, file: FileId) -> Option<&Parsed> {
        let source = self.get(file)?;
        Some(
            source
                .parsed
                .get_or_init(|| Arc::new(Parsed::of(file, &source.text))),
        )
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX)), f))
    }

    pub fn path(&self, file: FileId) -> &str {
        self.get(file).map_or("<unknown>", |f| f.path.as_str())
    }

    pub fn text(&self, file: FileId) -> &str {
        self.get(file).map_or("", |f| f.text.as_str())
    }

    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file).map_or("", |f| f.slice(span))
    }

    pub fn line_col(&self, file: FileId, offset: usize) -> LineCol {
        self.get(file)
            .map_or(LineCol { line: 1, column: 1 }, |f| f.line_col(offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_given_with_a_file_is_reused_only_for_the_file_it_was_made_for() {
        let text = "let a = \"x\"\n";
        let mut db = SourceDb::new();
        let given = Arc::new(Parsed::of(FileId(0), text));
        let first = db.add_parsed("a.pipe", text, Arc::clone(&given));
        assert!(std::ptr::eq(db.parsed(first).unwrap(), &*given));
        // Made for file 0, given with file 1: its spans would name the wrong file.
        let second = db.add_parsed("b.pipe", text, Arc::clone(&given));
        let parsed = db.parsed(second).unwrap();
        assert!(!std::ptr::eq(parsed, &*given));
        assert_eq!(parsed.file, second);
        assert_eq!(parsed.ast.items[0].span.file, second);
    }
}

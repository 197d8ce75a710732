//! Code actions: the checker's own fixes (house rule: no second analysis) of the
//! diagnostics at a range, as edits of the document. A fix that would edit another file
//! (an imported module) is left out: an editor applies quick fixes to the document it shows.

use super::{Document, IdeDiagnostic, LineIndex, Range, diagnostics};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::FileId;

/// A fix of a diagnostic, in the document's positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentFix {
    pub title: String,
    /// Replacements of ranges by text, none overlapping another.
    pub edits: Vec<(Range, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeActionKind {
    QuickFix,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeAction {
    pub title: String,
    pub kind: CodeActionKind,
    /// The diagnostic the action resolves.
    pub diagnostic: IdeDiagnostic,
    pub edits: Vec<(Range, String)>,
    /// The one fix of its diagnostic, which an editor may apply without asking.
    pub preferred: bool,
}

/// The fixes of a checker diagnostic that edit only `file`, in its positions.
pub(super) fn document_fixes(
    diagnostic: &Diagnostic,
    file: FileId,
    index: &LineIndex,
) -> Vec<DocumentFix> {
    diagnostic
        .fixes
        .iter()
        .filter(|fix| fix.edits.iter().all(|(span, _)| span.file == file))
        .map(|fix| DocumentFix {
            title: fix.title.clone(),
            edits: fix
                .edits
                .iter()
                .map(|(span, text)| (index.range(span.start, span.end), text.clone()))
                .collect(),
        })
        .collect()
}

/// The quick fixes of the document's diagnostics that touch `range`; a fix that several
/// diagnostics share (one call missing two arguments) is offered once.
pub fn code_actions(
    document: &Document,
    range: Range,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Vec<CodeAction> {
    let mut actions: Vec<CodeAction> = Vec::new();
    for diagnostic in diagnostics(document, read) {
        let touches = diagnostic.range.start <= range.end && range.start <= diagnostic.range.end;
        if !touches {
            continue;
        }
        // Placeholder arguments are for the user to fill in, never to be applied unasked.
        let preferred =
            diagnostic.fixes.len() == 1 && diagnostic.code != Code::MissingArgument.info().code;
        for fix in &diagnostic.fixes {
            let offered = actions
                .iter()
                .any(|action| action.title == fix.title && action.edits == fix.edits);
            if offered {
                continue;
            }
            actions.push(CodeAction {
                title: fix.title.clone(),
                kind: CodeActionKind::QuickFix,
                diagnostic: diagnostic.clone(),
                edits: fix.edits.clone(),
                preferred,
            });
        }
    }
    actions
}

//! Inlay hints: what the checker knows that the text does not say. A cron schedule in
//! words after its string, and the type of a `let` written without one after its name.
//! Both come from the checker's analysis of the document, so a schedule it rejects gets no
//! words and a `let` whose value it could not type gets no type.

use super::walk::{Visitor, walk_items};
use super::{Document, LineIndex, Position, Range};
use crate::ast::{self, ItemKind};
use crate::check::cron_in_words;
use crate::ir;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    /// Where the hint is drawn: after the text it describes.
    pub position: Position,
    pub label: String,
    pub kind: InlayHintKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InlayHintKind {
    /// `: list(string)` after a `let`'s name.
    Type,
    /// A cron schedule in words, after its string.
    Schedule,
}

/// The hints of the document at `path` whose position is in `range`, checked with the
/// modules it imports (which `read` supplies), in the order of their positions.
pub fn inlay_hints(
    document: &Document,
    range: Range,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Vec<InlayHint> {
    let text = document.text();
    let (file, analysis) = document.analysis(read);
    let index = LineIndex::new(text);
    let mut hints = Vec::new();
    let crons = analysis
        .program
        .pipelines
        .iter()
        .flat_map(|pipeline| &pipeline.triggers)
        .flat_map(|trigger| match &trigger.kind {
            ir::TriggerKind::Schedule { crons } => crons.as_slice(),
            _ => &[],
        })
        .filter(|cron| cron.span.file == file);
    for cron in crons {
        if let Some(words) = cron_in_words(&cron.expression, cron.timezone.as_deref()) {
            hints.push(InlayHint {
                position: index.position(cron.span.end as usize),
                label: words,
                kind: InlayHintKind::Schedule,
            });
        }
    }
    let mut untyped = UntypedLets::default();
    walk_items(&document.file().items, &mut untyped);
    for (span, ty) in &analysis.let_types {
        let unwritten = untyped
            .names
            .iter()
            .any(|name| (name.start, name.end) == (span.start, span.end));
        if span.file != file || !unwritten {
            continue;
        }
        let Some(written) = ty.written() else {
            continue;
        };
        hints.push(InlayHint {
            position: index.position(span.end as usize),
            label: format!(": {written}"),
            kind: InlayHintKind::Type,
        });
    }
    hints.retain(|hint| range.start <= hint.position && hint.position <= range.end);
    hints.sort_by_key(|hint| hint.position);
    hints
}

/// The name spans of the `let`s written without a type.
#[derive(Default)]
struct UntypedLets {
    names: Vec<crate::span::Span>,
}

impl Visitor for UntypedLets {
    fn item(&mut self, item: &ast::Item) {
        if let ItemKind::Let { name, ty: None, .. } = &item.kind {
            self.names.push(name.span);
        }
    }
}

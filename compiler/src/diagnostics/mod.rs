//! Diagnostics are data: one [`Diagnostic`] struct that every edge (terminal, JSON, SARIF,
//! GitHub annotations, the language server) renders in its own way. Every diagnostic has a
//! stable [`Code`] from the registry in [`codes`], a primary labelled span, optional
//! secondary labels and a help line.

mod codes;

pub use codes::{Code, CodeInfo};

use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A span with a short text saying what is there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A change that resolves a diagnostic, precise enough for an editor to apply it: the
/// help says it in words, the fix in edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What applying it does, as a menu shows it: "Change to `build`".
    pub title: String,
    /// Replacements of spans by text, in one file, none overlapping another.
    pub edits: Vec<(Span, String)>,
}

impl Fix {
    /// Writes `replacement` (source text: a name, or a quoted string) over `span`.
    pub fn replace(span: Span, replacement: impl Into<String>) -> Fix {
        let replacement = replacement.into();
        let shown = if replacement.starts_with('"') {
            replacement.clone()
        } else {
            format!("`{replacement}`")
        };
        Fix {
            title: format!("Change to {shown}"),
            edits: vec![(span, replacement)],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    pub notes: Vec<String>,
    /// Machine-applicable fixes, for editors; the terminal shows only the help.
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.info().severity,
            message: message.into(),
            primary: Label {
                span,
                message: label.into(),
            },
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
            fixes: Vec::new(),
        }
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Adds the fixes given: `Option<Fix>` for one that may not apply.
    pub fn with_fixes(mut self, fixes: impl IntoIterator<Item = Fix>) -> Diagnostic {
        self.fixes.extend(fixes);
        self
    }

    /// A did-you-mean: the help naming `suggestion` and the fix writing it over `span`.
    pub fn with_suggestion(self, span: Span, suggestion: &str) -> Diagnostic {
        self.with_help(format!("did you mean `{suggestion}`?"))
            .with_fixes([Fix::replace(span, suggestion)])
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics into the order users read them: by file, position, then code.
pub fn sort<D: std::borrow::Borrow<Diagnostic>>(diagnostics: &mut [D]) {
    diagnostics.sort_by(|a, b| {
        let (a, b) = (a.borrow(), b.borrow());
        (
            a.primary.span.file,
            a.primary.span.start,
            a.code.info().code,
            &a.message,
        )
            .cmp(&(
                b.primary.span.file,
                b.primary.span.start,
                b.code.info().code,
                &b.message,
            ))
    });
}

/// "Did you mean" support: the closest candidate by edit distance, if it is close enough to
/// be a plausible typo (distance at most a third of the longer name, and at least 1 edit).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    // A quarter of the longer name: "runson" → "runs_on", but not "NPM_TOKEN" → "SNYK_TOKEN".
    let limit = |candidate: &str| (name.chars().count().max(candidate.chars().count()) / 4).max(1);
    // An abbreviation of three or more characters: "prod" → "production".
    let abbreviates = |candidate: &str| {
        lower.chars().count() >= 3 && candidate.to_lowercase().starts_with(&lower)
    };
    candidates
        .into_iter()
        .filter(|candidate| *candidate != name)
        .filter_map(|candidate| {
            let distance = edit_distance(&lower, &candidate.to_lowercase());
            if distance <= limit(candidate) {
                Some((distance, candidate))
            } else if abbreviates(candidate) {
                Some((usize::MAX / 2, candidate))
            } else {
                None
            }
        })
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance where swapping two neighbouring characters also costs one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 0..=a.len() {
        if let Some(cell) = table.get_mut(at(i, 0)) {
            *cell = i;
        }
    }
    for j in 0..=b.len() {
        if let Some(cell) = table.get_mut(at(0, j)) {
            *cell = j;
        }
    }
    for (i, ca) in a.iter().enumerate() {
        for (j, cb) in b.iter().enumerate() {
            let (i1, j1) = (i + 1, j + 1);
            let get = |x: usize, y: usize| table.get(at(x, y)).copied().unwrap_or(usize::MAX / 2);
            let substitution = get(i, j) + usize::from(ca != cb);
            let mut best = substitution.min(get(i, j1) + 1).min(get(i1, j) + 1);
            let swapped = i > 0 && j > 0 && a.get(i - 1) == Some(cb) && b.get(j - 1) == Some(ca);
            if swapped {
                best = best.min(get(i - 1, j - 1) + 1);
            }
            if let Some(cell) = table.get_mut(at(i1, j1)) {
                *cell = best;
            }
        }
    }
    table
        .get(at(a.len(), b.len()))
        .copied()
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let names = ["runs_on", "needs", "timeout"];
        assert_eq!(closest("runson", names), Some("runs_on"));
        assert_eq!(closest("neds", names), Some("needs"));
        assert_eq!(closest("tiemout", names), Some("timeout"));
        assert_eq!(closest("services", names), None);
        assert_eq!(closest("NPM_TOKEN", ["SNYK_TOKEN"]), None);
        assert_eq!(
            closest("prod", ["staging", "production"]),
            Some("production")
        );
    }

    #[test]
    fn transposition_is_one_edit() {
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}

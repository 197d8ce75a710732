//! Document links: an import's path opens the module's file, and the action a step
//! `uses` opens its repository on GitHub at the version the step pins.

use super::names::is_stdlib;
use super::walk::{self, Visitor};
use super::{Document, LineIndex, Range};
use crate::ast::{self, ExprKind, ItemKind};
use crate::modules;

/// Where a link leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkTarget {
    /// A file, by the path the compiler knows it by.
    File(String),
    Url(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentLink {
    /// The text between the quotes.
    pub range: Range,
    pub target: LinkTarget,
}

/// The links of the document, in source order. The standard library's modules are
/// embedded in pipec and have no file; local actions (`./path`) and docker images have no
/// page to open.
pub fn document_links(document: &Document) -> Vec<DocumentLink> {
    let mut links = Links {
        document,
        lines: LineIndex::new(document.text()),
        found: Vec::new(),
    };
    walk::walk_items(&document.file().items, &mut links);
    links.found
}

struct Links<'d> {
    document: &'d Document,
    lines: LineIndex<'d>,
    found: Vec<DocumentLink>,
}

impl Links<'_> {
    fn link(&mut self, string: &ast::StringLit, target: LinkTarget) {
        let (start, end) = (string.span.start + 1, string.span.end.saturating_sub(1));
        if string.multiline || start > end {
            return;
        }
        self.found.push(DocumentLink {
            range: self.lines.range(start, end),
            target,
        });
    }
}

impl Visitor for Links<'_> {
    fn item(&mut self, item: &ast::Item) {
        match &item.kind {
            ItemKind::Import { path, .. } => {
                let module = path
                    .as_plain()
                    .and_then(|spec| modules::resolve_import(self.document.path(), &spec).ok())
                    .filter(|module| !is_stdlib(module));
                if let Some(module) = module {
                    self.link(path, LinkTarget::File(module));
                }
            }
            ItemKind::Property { key, value } if key.name == "uses" => {
                if let ExprKind::String(action) = &value.kind
                    && let Some(url) = action.as_plain().as_deref().and_then(action_page)
                {
                    self.link(action, LinkTarget::Url(url));
                }
            }
            _ => {}
        }
    }
}

/// The page of an action `owner/repo[/path]@ref` on GitHub: its tree at that ref.
fn action_page(action: &str) -> Option<String> {
    let (path, version) = action.split_once('@')?;
    let mut segments = path.splitn(3, '/');
    let (owner, repo) = (segments.next()?, segments.next()?);
    let inside = segments
        .next()
        .map(|rest| format!("/{rest}"))
        .unwrap_or_default();
    let plain = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    };
    (plain(owner) && plain(repo) && plain(version) && !owner.starts_with('.'))
        .then(|| format!("https://github.com/{owner}/{repo}/tree/{version}{inside}"))
}

#[cfg(test)]
mod tests {
    use super::action_page;

    #[test]
    fn an_action_opens_its_tree_at_the_pinned_version() {
        assert_eq!(
            action_page("actions/checkout@v5").as_deref(),
            Some("https://github.com/actions/checkout/tree/v5")
        );
        assert_eq!(
            action_page("github/codeql-action/init@v3").as_deref(),
            Some("https://github.com/github/codeql-action/tree/v3/init")
        );
        let pinned = "actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020";
        assert_eq!(
            action_page(pinned).as_deref(),
            Some(
                "https://github.com/actions/setup-node/tree/49933ea5288caeca8642d1e84afbd3f7d6820020"
            )
        );
        for no_page in [
            "./.github/actions/setup",
            "docker://alpine:3.20",
            "actions/checkout",
            "checkout@v5",
            "actions/checkout@",
            "actions/check out@v5",
        ] {
            assert_eq!(action_page(no_page), None, "{no_page}");
        }
    }
}

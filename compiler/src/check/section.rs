//! Reading one block of the generic syntax as a known kind of thing ("a job", "a step").
//!
//! The lowering code asks a [`Section`] for each setting it understands; every key asked
//! for becomes part of the section's schema. When the section is finished, whatever was
//! not claimed is reported: unknown settings with a suggestion drawn from that schema,
//! declarations that do not belong here as misplaced. So the schema of each block is
//! exactly what its lowering code reads, and cannot drift from it.

use crate::ast::{self, Block, Expr, Item, ItemKind, Key};
use crate::diagnostics::{Code, Diagnostic, closest};

use super::Cx;

pub(super) struct Section<'a> {
    /// What the block is, for messages: "a job", "the `on push` trigger".
    what: String,
    items: &'a [Item],
    claimed: Vec<bool>,
    known: Vec<&'static str>,
}

/// A setting written either as `key: value` or as `key { ... }`.
pub(super) enum Setting<'a> {
    Value(&'a Key, &'a Expr),
    Block(&'a Key, &'a Block),
}

impl<'a> Section<'a> {
    pub(super) fn new(what: impl Into<String>, items: &'a [Item]) -> Section<'a> {
        Section {
            what: what.into(),
            items,
            claimed: vec![false; items.len()],
            known: Vec::new(),
        }
    }

    pub(super) fn of(what: impl Into<String>, block: &'a Block) -> Section<'a> {
        Section::new(what, &block.items)
    }

    /// The setting `key`, in either form. A second occurrence is a duplicate.
    pub(super) fn setting(&mut self, cx: &mut Cx, key: &'static str) -> Option<Setting<'a>> {
        self.known.push(key);
        let mut found: Option<(Setting<'a>, &'a Key)> = None;
        for (index, item) in self.items.iter().enumerate() {
            let setting = match &item.kind {
                ItemKind::Property { key: k, value } if k.name == key => Setting::Value(k, value),
                ItemKind::KeyBlock { key: k, body } if k.name == key => Setting::Block(k, body),
                _ => continue,
            };
            if let Some(flag) = self.claimed.get_mut(index) {
                *flag = true;
            }
            let this_key = match &setting {
                Setting::Value(k, _) | Setting::Block(k, _) => *k,
            };
            match &found {
                Some((_, first)) => cx.report(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        format!("`{key}` is set twice in {}", self.what),
                        this_key.span,
                        "set again here",
                    )
                    .with_label(first.span, "first set here")
                    .with_help("remove one of them"),
                ),
                None => found = Some((setting, this_key)),
            }
        }
        found.map(|(setting, _)| setting)
    }

    /// The setting `key` written as `key: value`; the block form is reported.
    pub(super) fn value(&mut self, cx: &mut Cx, key: &'static str) -> Option<&'a Expr> {
        match self.setting(cx, key)? {
            Setting::Value(_, value) => Some(value),
            Setting::Block(k, _) => {
                cx.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!("`{key}` takes a value, not a block"),
                        k.span,
                        "written as a block",
                    )
                    .with_help(format!("write `{key}: <value>`")),
                );
                None
            }
        }
    }

    /// The setting `key` written as `key { ... }`; the value form is reported.
    pub(super) fn block(&mut self, cx: &mut Cx, key: &'static str) -> Option<&'a Block> {
        match self.setting(cx, key)? {
            Setting::Block(_, block) => Some(block),
            Setting::Value(k, _) => {
                cx.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!("`{key}` is a block, not a value"),
                        k.span,
                        "written as a value",
                    )
                    .with_help(format!("write `{key} {{ ... }}`")),
                );
                None
            }
        }
    }

    /// Every `key { ... }` block with this key (for repeatable blocks like `include`).
    pub(super) fn blocks(&mut self, key: &'static str) -> Vec<&'a Block> {
        self.known.push(key);
        let mut blocks = Vec::new();
        for (index, item) in self.items.iter().enumerate() {
            if let ItemKind::KeyBlock { key: k, body } = &item.kind
                && k.name == key
            {
                if let Some(flag) = self.claimed.get_mut(index) {
                    *flag = true;
                }
                blocks.push(body);
            }
        }
        blocks
    }

    /// Claims every item `select` accepts (declarations such as jobs or steps), in order.
    pub(super) fn items<T>(&mut self, mut select: impl FnMut(&'a Item) -> Option<T>) -> Vec<T> {
        let mut selected = Vec::new();
        for (index, item) in self.items.iter().enumerate() {
            if let Some(value) = select(item) {
                if let Some(flag) = self.claimed.get_mut(index) {
                    *flag = true;
                }
                selected.push(value);
            }
        }
        selected
    }

    /// Claims every remaining `key: value` property (for open-ended maps such as `env`).
    pub(super) fn remaining_values(&mut self) -> Vec<(&'a Key, &'a Expr)> {
        let mut values = Vec::new();
        for (index, item) in self.items.iter().enumerate() {
            if self.claimed.get(index).copied().unwrap_or(true) {
                continue;
            }
            if let ItemKind::Property { key, value } = &item.kind {
                if let Some(flag) = self.claimed.get_mut(index) {
                    *flag = true;
                }
                values.push((key, value));
            }
        }
        values
    }

    /// Reports everything not claimed.
    pub(super) fn finish(self, cx: &mut Cx) {
        for (item, claimed) in self.items.iter().zip(&self.claimed) {
            if *claimed {
                continue;
            }
            match &item.kind {
                ItemKind::Error => {}
                ItemKind::KeyBlock { key, .. }
                    if !key.quoted && unnamed_declaration(&key.name).is_some() =>
                {
                    let example = unnamed_declaration(&key.name).unwrap_or_default();
                    cx.report(
                        Diagnostic::new(
                            Code::SyntaxError,
                            format!("`{}` needs a name", key.name),
                            key.span,
                            "no name after this keyword",
                        )
                        .with_help(format!("write `{example}`")),
                    );
                }
                ItemKind::Property { key, .. } | ItemKind::KeyBlock { key, .. } => {
                    cx.report(unknown_setting(&self.what, key, &self.known));
                }
                other => cx.report(
                    Diagnostic::new(
                        Code::MisplacedItem,
                        format!("{} cannot appear in {}", other.describe(), self.what),
                        item_head_span(item),
                        "not allowed here",
                    )
                    .with_help(placement_help(other)),
                ),
            }
        }
    }
}

/// For declaration keywords written without their name (`job { ... }`), an example of the
/// full form; the grammar then reads them as a block setting named after the keyword.
fn unnamed_declaration(keyword: &str) -> Option<&'static str> {
    Some(match keyword {
        "pipeline" => "pipeline ci \"CI\" { ... }",
        "job" => "job build \"Build\" { ... }",
        "service" => "service postgres { image: \"postgres:16\" }",
        "environment" => "environment production { url: \"...\" }",
        "secret" => "secret DEPLOY_KEY { required: true }",
        "input" => "input version: string { ... }",
        "on" => "on push { branches: [\"main\"] }",
        _ => return None,
    })
}

fn unknown_setting(what: &str, key: &Key, known: &[&'static str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::UnknownSetting,
        format!("unknown setting `{}` in {what}", key.name),
        key.span,
        "not a setting here",
    );
    // Settings from GitHub Actions YAML that pipec spells differently.
    let renamed = match key.name.as_str() {
        "if" => Some("conditions are written `when: <condition>`".to_string()),
        "name" | "id" => Some(format!(
            "ids and display names go in the header: `job build \"Build\" {{ ... }}`, `step test \"Run tests\" {{ ... }}`; the setting does not exist in {what}"
        )),
        "steps" => {
            Some("steps are declared one by one: `step \"Name\" { run: \"...\" }`".to_string())
        }
        "services" => Some(
            "services are declared one by one: `service postgres { image: \"postgres:16\" }`"
                .to_string(),
        ),
        "strategy" => Some("write the matrix directly: `matrix { os: [...] }`".to_string()),
        "outputs" if !known.contains(&"outputs") => Some(
            "job outputs are declared one by one: `output name = steps.x.outputs.y`".to_string(),
        ),
        _ => None,
    };
    let normalised = key.name.replace('-', "_");
    let suggestion = known
        .iter()
        .find(|k| **k == normalised)
        .copied()
        .or_else(|| closest(&key.name, known.iter().copied()));
    match (renamed, suggestion) {
        (Some(help), _) => diagnostic.with_help(help),
        (None, Some(suggestion)) => diagnostic.with_suggestion(key.span, suggestion),
        (None, None) if known.is_empty() => {
            diagnostic.with_help(format!("{what} takes no settings"))
        }
        (None, None) => {
            let mut sorted: Vec<&str> = known.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            diagnostic.with_help(format!(
                "{what} accepts: {}",
                sorted
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    }
}

/// Where each kind of declaration belongs.
fn placement_help(kind: &ItemKind) -> String {
    match kind {
        ItemKind::Pipeline { .. } => "pipelines are declared at the top of a file".into(),
        ItemKind::Job { .. } | ItemKind::JobCall { .. } | ItemKind::Trigger { .. } | ItemKind::Gate { .. } | ItemKind::Environment { .. } | ItemKind::Promotion { .. } => {
            "this belongs directly inside a `pipeline { ... }`".into()
        }
        ItemKind::Step { .. } | ItemKind::StepCall { .. } => "steps belong inside a `job { ... }` or its `on_failure { ... }` block".into(),
        ItemKind::Service { .. } => "services belong inside a `job { ... }`".into(),
        ItemKind::Input { .. } => "inputs belong inside `on workflow_dispatch { ... }` or `on workflow_call { ... }`".into(),
        ItemKind::Secret { .. } => {
            "`secret` declares a secret of `on workflow_call { ... }`; a pipeline lists the secrets it uses with `secrets: [NAME, ...]`".into()
        }
        ItemKind::Output { .. } => "outputs belong inside a `job { ... }` or `on workflow_call { ... }`".into(),
        ItemKind::Let { .. } => "`let` belongs at the top of a file or directly inside a pipeline".into(),
        ItemKind::Template { .. } | ItemKind::Import { .. } | ItemKind::Enum { .. } => {
            "this belongs at the top level of a file".into()
        }
        ItemKind::KeyBlock { .. } | ItemKind::Property { .. } | ItemKind::Error => String::new(),
    }
}

/// The span of a declaration's first line, so a misplaced block is not underlined whole.
fn item_head_span(item: &Item) -> crate::span::Span {
    let end = match &item.kind {
        ItemKind::Pipeline { body, .. }
        | ItemKind::Job { body, .. }
        | ItemKind::Step { body, .. }
        | ItemKind::Service { body, .. } => body.span.start,
        ItemKind::Trigger {
            body: Some(body), ..
        }
        | ItemKind::Environment {
            body: Some(body), ..
        }
        | ItemKind::Input {
            body: Some(body), ..
        }
        | ItemKind::Secret {
            body: Some(body), ..
        } => body.span.start,
        _ => item.span.end,
    };
    crate::span::Span {
        end: end.max(item.span.start),
        ..item.span
    }
}

/// Every value of a list expression, or the expression itself when it is not a list.
pub(super) fn list_items(expr: &Expr) -> Vec<&Expr> {
    match &expr.kind {
        ast::ExprKind::List(items) => items.iter().collect(),
        _ => vec![expr],
    }
}

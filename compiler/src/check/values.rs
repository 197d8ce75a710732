//! Reading settings' values: literals of a given kind, text, lists of names, environment
//! blocks, permissions, concurrency. Each reader reports what is wrong and returns `None`
//! (or skips the bad element) so lowering carries on.

use crate::ast::{self, ExprKind as AstExpr};
use crate::diagnostics::{Code, Diagnostic, closest};
use crate::ir::{self, ExprKind, Literal, Template, TemplatePart, Type};
use crate::span::Span;

use super::expr::{PipelineNames, Scope};
use super::section::{Section, Setting, list_items};
use super::{Cx, literals};

/// A text setting: any textual expression, interpolations included.
pub(super) fn template(cx: &mut Cx, scope: &Scope<'_>, expr: &ast::Expr) -> Template {
    let lowered = scope.lower(cx, expr);
    as_template(cx, scope, lowered, "text")
}

fn as_template(cx: &mut Cx, scope: &Scope<'_>, lowered: ir::Expr, wanted: &str) -> Template {
    let span = lowered.span;
    match lowered.kind {
        ExprKind::Literal(Literal::String(text)) => Template::text(text, span),
        ExprKind::Template(template) => template,
        ExprKind::Invalid => Template {
            parts: Vec::new(),
            span,
        },
        _ if lowered.ty.is_textual() || matches!(lowered.ty, Type::Number | Type::Bool) => {
            let mut parts = Vec::new();
            scope.interpolate(cx, &mut parts, lowered);
            Template { parts, span }
        }
        _ => {
            cx.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!("expected {wanted}, found a {}", lowered.ty.describe()),
                    span,
                    format!("a {}", lowered.ty.describe()),
                )
                .with_help("write a string here, e.g. \"...\""),
            );
            Template {
                parts: Vec::new(),
                span,
            }
        }
    }
}

/// A setting's value (`env`, `with`): text, a bool, a number; a list of text is joined
/// with newlines, the way multi-value action inputs are written.
pub(super) fn value(
    cx: &mut Cx,
    scope: &Scope<'_>,
    expr: &ast::Expr,
    allow_list: bool,
) -> ir::Value {
    let lowered = scope.lower(cx, expr);
    let span = lowered.span;
    match lowered.kind {
        ExprKind::Literal(Literal::Bool(b)) => ir::Value::Bool(b),
        ExprKind::Literal(Literal::Number(n)) => ir::Value::Number(n),
        // A duration passed on (a template's `timeout` parameter in `env`) is its seconds,
        // as when it is interpolated.
        ExprKind::Literal(Literal::Duration(seconds)) => ir::Value::Number(seconds.to_string()),
        ExprKind::List(items) if allow_list => {
            let mut parts: Vec<TemplatePart> = Vec::new();
            for (index, item) in items.into_iter().enumerate() {
                if index > 0 {
                    parts.push(TemplatePart::Text("\n".into()));
                }
                let piece = as_template(cx, scope, item, "text");
                parts.extend(piece.parts);
            }
            parts.push(TemplatePart::Text("\n".into()));
            let mut merged = Vec::new();
            for part in parts {
                match (merged.last_mut(), part) {
                    (Some(TemplatePart::Text(last)), TemplatePart::Text(text)) => {
                        last.push_str(&text)
                    }
                    (_, part) => merged.push(part),
                }
            }
            ir::Value::String(Template {
                parts: merged,
                span,
            })
        }
        kind => ir::Value::String(as_template(
            cx,
            scope,
            ir::Expr {
                kind,
                ty: lowered.ty,
                span,
            },
            "text, a bool or a number",
        )),
    }
}

/// `env { NAME: value }`: names must be valid environment variable names.
pub(super) fn env_block(
    cx: &mut Cx,
    scope: &Scope<'_>,
    section: &mut Section<'_>,
    key: &'static str,
) -> Vec<ir::EnvVar> {
    let Some(block) = section.block(cx, key) else {
        return Vec::new();
    };
    let mut inner = Section::of("`env`", block);
    let mut vars: Vec<ir::EnvVar> = Vec::new();
    for (name, expr) in inner.remaining_values() {
        let valid = name
            .name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            cx.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    format!("`{}` is not a valid environment variable name", name.name),
                    name.span,
                    "invalid name",
                )
                .with_help(
                    "use letters, digits and `_`, not starting with a digit, e.g. `DATABASE_URL`",
                ),
            );
            continue;
        }
        if let Some(previous) = vars.iter().find(|v| v.name == name.name) {
            cx.duplicate(
                format!("`{}`", name.name),
                "set",
                name.span,
                previous.span,
                "remove one of them",
            );
            continue;
        }
        let value = value(cx, scope, expr, false);
        vars.push(ir::EnvVar {
            name: name.name.clone(),
            value,
            span: name.span,
        });
    }
    inner.finish(cx);
    vars
}

/// `permissions: read_all | write_all | none`, or `permissions { contents: read }`.
pub(super) fn permissions(cx: &mut Cx, section: &mut Section<'_>) -> Option<ir::Permissions> {
    const SCOPES: &[&str] = &[
        "actions",
        "attestations",
        "checks",
        "contents",
        "deployments",
        "discussions",
        "id-token",
        "issues",
        "models",
        "packages",
        "pages",
        "pull-requests",
        "repository-projects",
        "security-events",
        "statuses",
    ];
    match section.setting(cx, "permissions")? {
        Setting::Value(_, expr) => {
            let word = match &expr.kind {
                AstExpr::Name(ident) => Some(ident.name.as_str()),
                _ => None,
            };
            match word {
                Some("read_all") => Some(ir::Permissions::ReadAll),
                Some("write_all") => Some(ir::Permissions::WriteAll),
                Some("none") => Some(ir::Permissions::None),
                _ => {
                    cx.report(
                        Diagnostic::new(Code::InvalidValue, "permissions are `read_all`, `write_all`, `none` or a block", expr.span, "not a permission set")
                            .with_help("list scopes in a block: `permissions { contents: read, packages: write }`"),
                    );
                    None
                }
            }
        }
        Setting::Block(_, block) => {
            let mut inner = Section::of("`permissions`", block);
            let mut scopes: Vec<(String, ir::PermissionLevel)> = Vec::new();
            for (key, expr) in inner.remaining_values() {
                if !SCOPES.contains(&key.name.as_str()) {
                    let mut diagnostic = Diagnostic::new(
                        Code::UnknownSetting,
                        format!("unknown permission `{}`", key.name),
                        key.span,
                        "no such permission",
                    );
                    diagnostic = match closest(&key.name, SCOPES.iter().copied()) {
                        Some(s) => diagnostic.with_suggestion(key.span, s),
                        None => diagnostic
                            .with_help(format!("the permissions are: {}", SCOPES.join(", "))),
                    };
                    cx.report(diagnostic);
                    continue;
                }
                let level = match &expr.kind {
                    AstExpr::Name(ident) if ident.name == "read" => Some(ir::PermissionLevel::Read),
                    AstExpr::Name(ident) if ident.name == "write" => {
                        Some(ir::PermissionLevel::Write)
                    }
                    AstExpr::Name(ident) if ident.name == "none" => Some(ir::PermissionLevel::None),
                    _ => None,
                };
                match level {
                    Some(level) => scopes.push((key.name.clone(), level)),
                    None => cx.report(
                        Diagnostic::new(
                            Code::InvalidValue,
                            format!("`{}` is not a permission level", cx.slice(expr.span)),
                            expr.span,
                            "not a level",
                        )
                        .with_help("the levels are `read`, `write` and `none`"),
                    ),
                }
            }
            inner.finish(cx);
            Some(if scopes.is_empty() {
                ir::Permissions::None
            } else {
                ir::Permissions::Scopes(scopes)
            })
        }
    }
}

/// `concurrency: "group"` or `concurrency { group: ..., cancel_in_progress: true }`.
pub(super) fn concurrency(
    cx: &mut Cx,
    scope: &Scope<'_>,
    section: &mut Section<'_>,
) -> Option<ir::Concurrency> {
    match section.setting(cx, "concurrency")? {
        Setting::Value(key, expr) => Some(ir::Concurrency {
            group: template(cx, scope, expr),
            cancel_in_progress: false,
            span: key.span,
        }),
        Setting::Block(key, block) => {
            let mut inner = Section::of("`concurrency`", block);
            let group = inner.value(cx, "group").map(|e| template(cx, scope, e));
            let cancel_in_progress = inner
                .value(cx, "cancel_in_progress")
                .and_then(|e| literal_bool(cx, e))
                .unwrap_or(false);
            inner.finish(cx);
            match group {
                Some(group) => Some(ir::Concurrency {
                    group,
                    cancel_in_progress,
                    span: key.span,
                }),
                None => {
                    cx.report(
                        Diagnostic::new(
                            Code::MissingSetting,
                            "`concurrency` needs a `group`",
                            key.span,
                            "no group",
                        )
                        .with_help("name the group: `group: \"deploy-${{ branch }}\"`"),
                    );
                    None
                }
            }
        }
    }
}

/// `timeout` and `continue_on_error`, which jobs and steps both have.
pub(super) fn failure_limits(
    cx: &mut Cx,
    section: &mut Section<'_>,
) -> (Option<ir::Duration>, bool) {
    let timeout = section.value(cx, "timeout").and_then(|e| duration(cx, e));
    let continue_on_error = section
        .value(cx, "continue_on_error")
        .and_then(|e| literal_bool(cx, e))
        .unwrap_or(false);
    (timeout, continue_on_error)
}

/// `shell` and `working_directory`: defaults for `run` steps.
pub(super) fn run_defaults(
    cx: &mut Cx,
    scope: &Scope<'_>,
    section: &mut Section<'_>,
) -> ir::RunDefaults {
    let shell = section.value(cx, "shell").and_then(|e| shell(cx, scope, e));
    let working_directory = section
        .value(cx, "working_directory")
        .map(|e| template(cx, scope, e));
    ir::RunDefaults {
        shell,
        working_directory,
    }
}

pub(super) fn shell(cx: &mut Cx, scope: &Scope<'_>, expr: &ast::Expr) -> Option<String> {
    const SHELLS: &[&str] = &["bash", "sh", "pwsh", "powershell", "cmd", "python"];
    let text = constant_string(cx, scope, expr, "a shell")?;
    let program = text.split_whitespace().next().unwrap_or("");
    if SHELLS.contains(&program) {
        return Some(text);
    }
    let mut diagnostic = Diagnostic::new(
        Code::InvalidValue,
        format!("unknown shell `{program}`"),
        expr.span,
        "not a shell GitHub knows",
    );
    diagnostic = match closest(program, SHELLS.iter().copied()) {
        Some(s) => {
            let fix = cx.rewrite_literal(expr.span, program, s);
            diagnostic
                .with_help(format!("did you mean `{s}`?"))
                .with_fixes(fix)
        }
        None => diagnostic.with_help(format!("the shells are: {}", SHELLS.join(", "))),
    };
    cx.report(diagnostic);
    None
}

/// A list of names written as bare identifiers or strings: `[lint, "unit-tests"]`.
pub(super) fn name_list(cx: &mut Cx, expr: &ast::Expr, kind: &str) -> Vec<ir::Named> {
    let mut names = Vec::new();
    for item in list_items(expr) {
        match &item.kind {
            AstExpr::Name(ident) => names.push(ir::Named {
                name: ident.name.clone(),
                span: ident.span,
            }),
            AstExpr::String(lit) if lit.as_plain().is_some() => {
                names.push(ir::Named {
                    name: lit.as_plain().unwrap_or_default(),
                    span: item.span,
                });
            }
            AstExpr::Error => {}
            _ => cx.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!("expected the name of a {kind}"),
                    item.span,
                    "not a name",
                )
                .with_help(format!("write {kind} names in a list: `[a, b]`")),
            ),
        }
    }
    names
}

/// What a list of references refers to, for [`references`].
pub(super) struct Referent<'a> {
    /// "job", "gate".
    pub kind: &'a str,
    pub code: Code,
    pub known: Vec<&'a str>,
    /// The label on an unknown name.
    pub label: String,
    /// The help when no known name is close.
    pub help: String,
}

/// Names that must refer to something declared (`needs: [...]`, a gate's jobs,
/// `requires: [...]`): unknown ones are reported with a suggestion, repeated ones as
/// duplicates, and both are left out.
pub(super) fn references(cx: &mut Cx, expr: &ast::Expr, referent: &Referent<'_>) -> Vec<ir::Named> {
    let mut refs: Vec<ir::Named> = Vec::new();
    for named in name_list(cx, expr, referent.kind) {
        if !referent.known.contains(&named.name.as_str()) {
            let diagnostic = Diagnostic::new(
                referent.code,
                format!("unknown {} `{}`", referent.kind, named.name),
                named.span,
                referent.label.clone(),
            );
            cx.report(match closest(&named.name, referent.known.iter().copied()) {
                Some(s) => diagnostic.with_suggestion(named.span, s),
                None => diagnostic.with_help(referent.help.replace("{name}", &named.name)),
            });
            continue;
        }
        if let Some(previous) = refs.iter().find(|r| r.name == named.name) {
            cx.duplicate(
                format!("{} `{}`", referent.kind, named.name),
                "listed",
                named.span,
                previous.span,
                "remove one of them",
            );
            continue;
        }
        refs.push(named);
    }
    refs
}

/// Job names that must exist: `needs`, gates.
pub(super) fn job_refs(
    cx: &mut Cx,
    expr: &ast::Expr,
    names: &PipelineNames,
    context: &str,
) -> Vec<ir::Named> {
    let referent = Referent {
        kind: "job",
        code: Code::UnknownJob,
        known: names.jobs.iter().map(|j| j.id.as_str()).collect(),
        label: format!("not a job of this pipeline ({context})"),
        help: "name a job declared with `job <name> { ... }` in this pipeline".into(),
    };
    references(cx, expr, &referent)
}

/// Strings known when the pipeline is compiled (written out, or `let`s bound to them), each
/// with its span; a list gives one per element.
pub(super) fn constant_strings(
    cx: &mut Cx,
    scope: &Scope<'_>,
    expr: &ast::Expr,
    what: &str,
) -> Vec<(String, Span)> {
    let lowered = scope.lower(cx, expr);
    let items = match lowered.kind {
        ExprKind::List(items) => items,
        kind => vec![ir::Expr {
            kind,
            ty: lowered.ty,
            span: lowered.span,
        }],
    };
    items
        .into_iter()
        .filter_map(|item| constant_text(cx, item, what))
        .collect()
}

/// One string known when the pipeline is compiled (written out, or a `let` bound to one).
pub(super) fn constant_string(
    cx: &mut Cx,
    scope: &Scope<'_>,
    expr: &ast::Expr,
    what: &str,
) -> Option<String> {
    let lowered = scope.lower(cx, expr);
    constant_text(cx, lowered, what).map(|(text, _)| text)
}

fn constant_text(cx: &mut Cx, item: ir::Expr, what: &str) -> Option<(String, Span)> {
    match item.kind {
        ExprKind::Literal(Literal::String(text)) => Some((text, item.span)),
        ExprKind::Invalid => None,
        ExprKind::Template(_) => {
            cx.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    format!("{what} cannot interpolate values"),
                    item.span,
                    "interpolates",
                )
                .with_help(
                    "it is needed when the pipeline is compiled: write it out as plain text",
                ),
            );
            None
        }
        _ => {
            cx.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!(
                        "expected {what} as a string, found a {}",
                        item.ty.describe()
                    ),
                    item.span,
                    "not a string",
                )
                .with_help("write it in quotes: \"...\""),
            );
            None
        }
    }
}

pub(super) fn literal_bool(cx: &mut Cx, expr: &ast::Expr) -> Option<bool> {
    match &expr.kind {
        AstExpr::Bool(b) => Some(*b),
        AstExpr::Error => None,
        AstExpr::String(lit) if matches!(lit.as_plain().as_deref(), Some("true" | "false")) => {
            let word = lit.as_plain().unwrap_or_default();
            cx.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    "expected a bool, found a string",
                    expr.span,
                    "a string",
                )
                .with_help(format!("write `{word}` without quotes")),
            );
            None
        }
        _ => {
            cx.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    "expected `true` or `false`",
                    expr.span,
                    "not a bool",
                )
                .with_help("write `true` or `false`"),
            );
            None
        }
    }
}

pub(super) fn positive_int(cx: &mut Cx, expr: &ast::Expr, what: &str) -> Option<u32> {
    match &expr.kind {
        AstExpr::Number(text) => match text.parse::<u32>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                cx.report(
                    Diagnostic::new(
                        Code::InvalidValue,
                        format!("{what} must be a whole number above zero"),
                        expr.span,
                        "not allowed",
                    )
                    .with_help("write a number such as `2`"),
                );
                None
            }
        },
        AstExpr::Error => None,
        _ => {
            cx.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!("{what} must be a number"),
                    expr.span,
                    "not a number",
                )
                .with_help("write a number such as `2`"),
            );
            None
        }
    }
}

/// A duration setting such as `timeout: 30m`.
pub(super) fn duration(cx: &mut Cx, expr: &ast::Expr) -> Option<ir::Duration> {
    match &expr.kind {
        AstExpr::Duration(text) => {
            literals::duration(cx, text, expr.span).map(|seconds| ir::Duration { seconds })
        }
        AstExpr::Error => None,
        AstExpr::Number(n) => {
            cx.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    "expected a duration, found a number",
                    expr.span,
                    "no unit",
                )
                .with_help(format!(
                    "add a unit: `{n}m` for minutes, `{n}s` for seconds"
                )),
            );
            None
        }
        _ => {
            cx.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    "expected a duration",
                    expr.span,
                    "not a duration",
                )
                .with_help("write a duration such as `30m` or `1h30m`, without quotes"),
            );
            None
        }
    }
}

/// The value of a job's or pipeline's output; only a step template's outputs go without.
pub(super) fn output_value<'e>(
    cx: &mut Cx,
    name: &ast::Ident,
    value: Option<&'e ast::Expr>,
) -> Option<&'e ast::Expr> {
    if value.is_none() {
        cx.report(
            Diagnostic::new(
                Code::MissingSetting,
                format!("output `{}` has no value", name.name),
                name.span,
                "no value",
            )
            .with_help(format!(
                "say where it comes from: `output {}: string = steps.<id>.outputs.<name>`",
                name.name
            )),
        );
    }
    value
}

/// A type written in a declaration: `string`, `bool`, `number`.
pub(super) fn type_ref(cx: &mut Cx, ty: &ast::TypeRef, _allow_args: bool) -> Option<Type> {
    const TYPES: &[&str] = &["string", "bool", "number", "duration", "percent"];
    if ty.args.is_some() {
        cx.report(
            Diagnostic::new(
                Code::InvalidValue,
                format!("`{}` takes no arguments here", ty.name.name),
                ty.span,
                "arguments given",
            )
            .with_help("choices are for inputs; outputs and lets are `string`, `bool` or `number`"),
        );
        return None;
    }
    Some(match ty.name.name.as_str() {
        "string" => Type::String,
        "bool" | "boolean" => Type::Bool,
        "number" => Type::Number,
        "duration" => Type::Duration,
        "percent" => Type::Percent,
        other => {
            unknown_type(cx, other, ty, TYPES);
            return None;
        }
    })
}

fn unknown_type(cx: &mut Cx, name: &str, ty: &ast::TypeRef, known: &[&str]) {
    let mut diagnostic = Diagnostic::new(
        Code::UnknownName,
        format!("unknown type `{name}`"),
        ty.name.span,
        "not a type",
    );
    diagnostic = match closest(name, known.iter().copied()) {
        Some(s) => diagnostic.with_suggestion(ty.name.span, s),
        None => diagnostic.with_help(format!("the types are: {}", known.join(", "))),
    };
    cx.report(diagnostic);
}

/// The type of a dispatch or call input.
pub(super) fn input_type(
    cx: &mut Cx,
    scope: &Scope<'_>,
    ty: &ast::TypeRef,
) -> Option<ir::InputType> {
    const TYPES: &[&str] = &["string", "bool", "number", "choice", "environment"];
    let name = ty.name.name.as_str();
    if name == "choice" {
        let Some(args) = &ty.args else {
            cx.report(
                Diagnostic::new(
                    Code::MissingSetting,
                    "a `choice` needs its options",
                    ty.span,
                    "no options",
                )
                .with_help("list them: `choice(\"staging\", \"production\")`"),
            );
            return None;
        };
        let mut options: Vec<String> = Vec::new();
        for arg in args {
            let Some(option) = constant_string(cx, scope, arg, "an option") else {
                continue;
            };
            if options.contains(&option) {
                cx.report(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        format!("option \"{option}\" is listed twice"),
                        arg.span,
                        "again here",
                    )
                    .with_help("remove one of them"),
                );
                continue;
            }
            options.push(option);
        }
        if options.is_empty() {
            cx.report(
                Diagnostic::new(
                    Code::MissingSetting,
                    "a `choice` needs at least one option",
                    ty.span,
                    "no options",
                )
                .with_help("list them: `choice(\"a\", \"b\")`"),
            );
            return None;
        }
        return Some(ir::InputType::Choice(options));
    }
    if ty.args.is_some() {
        cx.report(
            Diagnostic::new(
                Code::InvalidValue,
                format!("`{name}` takes no arguments"),
                ty.span,
                "arguments given",
            )
            .with_help("only `choice(...)` lists options"),
        );
        return None;
    }
    Some(match name {
        "string" => ir::InputType::String,
        "bool" | "boolean" => ir::InputType::Boolean,
        "number" => ir::InputType::Number,
        "environment" => ir::InputType::Environment,
        _ => {
            unknown_type(cx, name, ty, TYPES);
            return None;
        }
    })
}

/// An input's default, which must fit the input's type.
pub(super) fn input_default(
    cx: &mut Cx,
    scope: &Scope<'_>,
    expr: &ast::Expr,
    ty: &ir::InputType,
) -> Option<Literal> {
    let lowered = scope.lower(cx, expr);
    let literal = match (lowered.kind, ty) {
        (ExprKind::Literal(lit @ Literal::Bool(_)), ir::InputType::Boolean)
        | (ExprKind::Literal(lit @ Literal::Number(_)), ir::InputType::Number)
        | (
            ExprKind::Literal(lit @ Literal::String(_)),
            ir::InputType::String | ir::InputType::Environment | ir::InputType::Choice(_),
        ) => lit,
        (ExprKind::Invalid, _) => return None,
        _ => {
            let wanted = match ty {
                ir::InputType::Boolean => "`true` or `false`",
                ir::InputType::Number => "a number",
                _ => "a string",
            };
            cx.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!("the default must be {wanted}"),
                    expr.span,
                    "wrong type",
                )
                .with_help(format!("give a default of the input's type: {wanted}")),
            );
            return None;
        }
    };
    if let (ir::InputType::Choice(options), Literal::String(text)) = (ty, &literal)
        && !options.contains(text)
    {
        let mut diagnostic = Diagnostic::new(
            Code::InvalidValue,
            format!("the default \"{text}\" is not one of the options"),
            expr.span,
            "not an option",
        );
        diagnostic = match closest(text, options.iter().map(String::as_str)) {
            Some(s) => {
                let fix = cx.rewrite_literal(expr.span, text, s);
                diagnostic
                    .with_help(format!("did you mean \"{s}\"?"))
                    .with_fixes(fix)
            }
            None => diagnostic.with_help(format!("the options are: {}", options.join(", "))),
        };
        cx.report(diagnostic);
        return None;
    }
    Some(literal)
}

/// Checks that a value fits a declared type (`let x: number = ...`, `output y: bool = ...`).
pub(super) fn expect_type(cx: &mut Cx, value: &ir::Expr, declared: &Type) {
    let fits = match (&value.ty, declared) {
        (Type::Unknown, _) => true,
        (actual, Type::String) => {
            actual.is_textual() || matches!(actual, Type::Number | Type::Bool)
        }
        (actual, wanted) if actual.is_textual() && value_is_dynamic(value) => {
            // Outputs are text at run time; a step output can carry a bool or a number.
            matches!(wanted, Type::Bool | Type::Number)
        }
        (actual, wanted) => actual == wanted,
    };
    if !fits {
        cx.report(
            Diagnostic::new(
                Code::TypeMismatch,
                format!(
                    "expected a {}, found a {}",
                    declared.describe(),
                    value.ty.describe()
                ),
                value.span,
                format!("a {}", value.ty.describe()),
            )
            .with_help(format!(
                "give a {} value, or change the declared type",
                declared.describe()
            )),
        );
    }
}

fn value_is_dynamic(value: &ir::Expr) -> bool {
    !matches!(
        value.kind,
        ExprKind::Literal(_) | ExprKind::Template(_) | ExprKind::List(_)
    )
}

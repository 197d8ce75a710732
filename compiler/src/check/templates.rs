//! Templates and enums: their definitions (typed parameters and outputs, doc comments),
//! the check of a template's body, and calls — arguments checked against the
//! parameters, then the body lowered with each parameter bound to its argument.
//!
//! A template's body is lowered like the code it stands for, in a scope that has only its
//! parameters, its module's names and the portable contexts: it cannot see the caller's
//! matrix, jobs or secrets, which callers pass as arguments. The body is checked once on
//! its own, with each parameter an unknown value of its type, so a mistake in it is
//! reported even when nothing calls it; a call lowers it again with the real arguments,
//! which is what lets constants fold (`join(platforms, ",")` becomes text).

use std::cell::Cell;
use std::rc::{Rc, Weak};

use crate::ast::{self, ExprKind as AstExpr, Item, ItemKind};
use crate::diagnostics::{Code, Diagnostic, Fix, closest};
use crate::ir::{self, ExprKind, Literal, TargetKind, Type};
use crate::span::Span;

use super::expr::{JobNames, LetBinding, NeedsInsertion, PipelineNames, Position, Scope};
use super::imports::FileScope;
use super::pipeline::PipelineLowering;
use super::section::Section;
use super::{Cx, values};

/// Names a parameter cannot have: they start the namespaces of expressions.
const RESERVED: &[&str] = &[
    "matrix", "inputs", "secrets", "vars", "env", "needs", "steps", "jobs",
];

pub(super) struct EnumDef {
    pub name: String,
    pub span: Span,
    pub doc: Option<String>,
    pub members: Vec<EnumMember>,
}

pub(super) struct EnumMember {
    pub name: String,
    pub value: String,
    pub doc: Option<String>,
}

impl EnumDef {
    fn ty(&self) -> Type {
        Type::Enum(self.members.iter().map(|m| m.value.clone()).collect())
    }
}

pub(super) struct TemplateDef {
    pub name: String,
    pub kind: ast::TemplateKind,
    pub name_span: Span,
    pub doc: Option<String>,
    pub params: Vec<ParamDef>,
    pub outputs: Vec<OutputDef>,
    pub body: ast::Block,
    /// The defining file's `let`s and scope: a body resolves names where it was written.
    pub lets: Vec<Rc<LetBinding>>,
    pub scope: Weak<FileScope>,
}

pub(super) struct ParamDef {
    pub name: String,
    pub span: Span,
    pub ty: Type,
    /// The enum the parameter (or its list items) takes, whose member names the caller may
    /// write bare: `platforms: [linux_amd64]`.
    pub enum_def: Option<Rc<EnumDef>>,
    /// Written `type?`: the caller may leave it out, and the body omits what uses it.
    pub optional: bool,
    pub default: Option<ir::Expr>,
    pub doc: Option<String>,
    /// The type and default as written, for documentation.
    pub ty_text: String,
    pub default_text: Option<String>,
}

pub(super) struct OutputDef {
    pub name: String,
    pub ty: Type,
    pub span: Span,
    pub doc: Option<String>,
    pub ty_text: String,
}

/// `enum platform { linux_amd64: "linux/amd64" }`
pub(super) fn define_enum(
    cx: &mut Cx,
    item: &Item,
    name: &ast::Ident,
    body: &ast::Block,
) -> EnumDef {
    let mut members: Vec<EnumMember> = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    let mut section = Section::of(format!("enum `{}`", name.name), body);
    for (key, value) in section.remaining_values() {
        if let Some(index) = members.iter().position(|m| m.name == key.name) {
            let first = spans.get(index).copied().unwrap_or(key.span);
            cx.duplicate(
                format!("member `{}`", key.name),
                "defined",
                key.span,
                first,
                "rename one of them",
            );
            continue;
        }
        let text = match &value.kind {
            AstExpr::String(lit) => lit.as_plain(),
            _ => None,
        };
        let Some(text) = text else {
            cx.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    format!("the value of `{}` must be a plain string", key.name),
                    value.span,
                    "not a plain string",
                )
                .with_help(format!("write `{}: \"{}\"`", key.name, key.name)),
            );
            continue;
        };
        members.push(EnumMember {
            name: key.name.clone(),
            value: text,
            doc: crate::parse::doc_comment(cx.db.text(cx.file), key.span.start as usize),
        });
        spans.push(key.span);
    }
    section.finish(cx);
    if members.is_empty() {
        cx.report(
            Diagnostic::new(
                Code::MissingSetting,
                format!("enum `{}` has no members", name.name),
                name.span,
                "empty",
            )
            .with_help("list its members: `enum level { low: \"low\", high: \"high\" }`"),
        );
    }
    EnumDef {
        name: name.name.clone(),
        span: name.span,
        doc: crate::parse::doc_comment(cx.db.text(cx.file), item.span.start as usize),
        members,
    }
}

/// A `template` item as written.
#[derive(Clone, Copy)]
pub(super) struct TemplateItem<'a> {
    pub item: &'a Item,
    pub kind: ast::TemplateKind,
    pub name: &'a ast::Ident,
    pub params: &'a [ast::Param],
    pub body: &'a ast::Block,
}

/// A template's signature; its body is checked by [`check_template`].
pub(super) fn define_template(
    cx: &mut Cx,
    scope: &Rc<FileScope>,
    lets: &[Rc<LetBinding>],
    template: TemplateItem<'_>,
) -> TemplateDef {
    let TemplateItem {
        item,
        kind,
        name,
        params,
        body,
    } = template;
    let text = cx.db.text(cx.file);
    let doc = crate::parse::doc_comment(text, item.span.start as usize);
    let names = PipelineNames {
        lets: lets.to_vec(),
        file: Rc::clone(scope),
        ..PipelineNames::default()
    };
    let default_scope = Scope::pipeline(&names);
    let mut defs: Vec<ParamDef> = Vec::new();
    for param in params {
        if let Some(previous) = defs.iter().find(|p| p.name == param.name.name) {
            cx.duplicate(
                format!("parameter `{}`", param.name.name),
                "declared",
                param.name.span,
                previous.span,
                "rename one of them",
            );
            continue;
        }
        if RESERVED.contains(&param.name.name.as_str()) {
            cx.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    format!("a parameter cannot be called `{}`", param.name.name),
                    param.name.span,
                    "a reserved name",
                )
                .with_help(format!(
                    "`{}.x` already means something in expressions; choose another name",
                    param.name.name
                )),
            );
        }
        let Some((ty, enum_def)) = param_type(cx, scope, &param.ty) else {
            continue;
        };
        let mut def = ParamDef {
            name: param.name.name.clone(),
            span: param.name.span,
            ty,
            enum_def,
            optional: param.ty.optional,
            default: None,
            doc: crate::parse::doc_comment(text, param.span.start as usize),
            ty_text: cx.slice(param.ty.span).trim().to_string(),
            default_text: param
                .default
                .as_ref()
                .map(|d| cx.slice(d.span).trim().to_string()),
        };
        if let Some(default) = &param.default {
            if def.optional {
                cx.report(
                    Diagnostic::new(
                        Code::ConflictingSettings,
                        format!("parameter `{}` is optional and has a default", def.name),
                        param.ty.span,
                        "optional",
                    )
                    .with_label(default.span, "default")
                    .with_help("a default already makes the argument optional: remove the `?`"),
                );
            }
            let value = lower_argument(cx, &default_scope, &def, default);
            if check_argument(cx, &def, &value) {
                def.default = Some(value);
            }
        }
        defs.push(def);
    }
    let outputs = template_outputs(cx, &names, kind, body);
    TemplateDef {
        name: name.name.clone(),
        kind,
        name_span: name.span,
        doc,
        params: defs,
        outputs,
        body: body.clone(),
        lets: lets.to_vec(),
        scope: Rc::downgrade(scope),
    }
}

/// The outputs a template declares: a step template's have no value (its body sets them),
/// a job template's are job outputs with a value.
fn template_outputs(
    cx: &mut Cx,
    names: &PipelineNames,
    kind: ast::TemplateKind,
    body: &ast::Block,
) -> Vec<OutputDef> {
    let mut outputs: Vec<OutputDef> = Vec::new();
    for item in &body.items {
        let ItemKind::Output { name, ty, value } = &item.kind else {
            continue;
        };
        if let Some(previous) = outputs.iter().find(|o| o.name == name.name) {
            cx.duplicate(
                format!("output `{}`", name.name),
                "declared",
                name.span,
                previous.span,
                "rename one of them",
            );
            continue;
        }
        if kind == ast::TemplateKind::Step
            && let Some(value) = value
        {
            cx.report(
                Diagnostic::new(
                    Code::ConflictingSettings,
                    format!("output `{}` of a step template has a value", name.name),
                    value.span,
                    "a value",
                )
                .with_help(format!(
                    "the step's body sets its outputs (an action's outputs, or `echo \"{}=...\" >> \"$GITHUB_OUTPUT\"`): declare it as `output {}: string`",
                    name.name, name.name
                )),
            );
        }
        let ty_text = ty.as_ref().map(|t| cx.slice(t.span).trim().to_string());
        let ty = ty
            .as_ref()
            .and_then(|t| param_type(cx, &names.file, t).map(|(ty, _)| ty))
            .unwrap_or(Type::String);
        outputs.push(OutputDef {
            name: name.name.clone(),
            ty,
            ty_text: ty_text.unwrap_or_else(|| "string".into()),
            span: name.span,
            doc: crate::parse::doc_comment(cx.db.text(cx.file), item.span.start as usize),
        });
    }
    outputs
}

impl TemplateDef {
    /// The targets the template has a body for (a job template: none of its own).
    fn targets(&self) -> Vec<TargetKind> {
        if self.kind == ast::TemplateKind::Job {
            return Vec::new();
        }
        let mut shared = false;
        // A shared body of GitHub actions serves GitHub only (see `ir::TemplateStep`).
        let mut uses_actions = false;
        let mut own = Vec::new();
        for item in &self.body.items {
            match &item.kind {
                ItemKind::KeyBlock { key, .. } => {
                    match TargetKind::ALL.into_iter().find(|t| t.name() == key.name) {
                        Some(target) => own.push(target),
                        None => shared = true,
                    }
                }
                ItemKind::Property { key, .. } if key.name == "name" => {}
                ItemKind::Property { key, .. } if key.name == "uses" => {
                    shared = true;
                    uses_actions = true;
                }
                ItemKind::Output { .. } => {}
                ItemKind::Step { body, .. } => {
                    shared = true;
                    uses_actions |= body.items.iter().any(|inner| {
                        matches!(&inner.kind, ItemKind::Property { key, .. } if key.name == "uses")
                    });
                }
                _ => shared = true,
            }
        }
        TargetKind::ALL
            .into_iter()
            .filter(|t| own.contains(t) || (shared && (*t == TargetKind::Github || !uses_actions)))
            .collect()
    }

    pub(super) fn documentation(&self) -> crate::doc::TemplateDoc {
        crate::doc::TemplateDoc {
            name: self.name.clone(),
            kind: match self.kind {
                ast::TemplateKind::Step => "step",
                ast::TemplateKind::Job => "job",
            },
            doc: self.doc.clone(),
            params: self
                .params
                .iter()
                .map(|p| crate::doc::ParamDoc {
                    name: p.name.clone(),
                    ty: p.ty_text.clone(),
                    default: p.default_text.clone(),
                    required: !p.optional && p.default_text.is_none(),
                    doc: p.doc.clone(),
                })
                .collect(),
            outputs: self
                .outputs
                .iter()
                .map(|o| crate::doc::OutputDoc {
                    name: o.name.clone(),
                    ty: o.ty_text.clone(),
                    doc: o.doc.clone(),
                })
                .collect(),
            targets: self.targets(),
        }
    }
}

impl EnumDef {
    pub(super) fn documentation(&self) -> crate::doc::EnumDoc {
        crate::doc::EnumDoc {
            name: self.name.clone(),
            doc: self.doc.clone(),
            members: self
                .members
                .iter()
                .map(|m| (m.name.clone(), m.value.clone(), m.doc.clone()))
                .collect(),
        }
    }
}

/// The types a parameter can have besides enums, which they win over.
pub(crate) const PARAMETER_TYPES: &[&str] = &[
    "string", "number", "int", "bool", "duration", "percent", "secret", "list", "choice",
];

/// A parameter's type, and the enum whose members it takes.
fn param_type(
    cx: &mut Cx,
    scope: &FileScope,
    ty: &ast::TypeRef,
) -> Option<(Type, Option<Rc<EnumDef>>)> {
    let name = ty.name.name.as_str();
    let args = ty.args.as_deref().unwrap_or(&[]);
    let takes_args = matches!(name, "list" | "choice");
    if takes_args == ty.args.is_none() {
        let help = if takes_args {
            format!("write `{name}(...)`: `list(string)`, `choice(\"a\", \"b\")`")
        } else {
            format!("write `{name}` alone")
        };
        cx.report(
            Diagnostic::new(
                Code::InvalidValue,
                format!("wrong type arguments for `{name}`"),
                ty.span,
                "here",
            )
            .with_help(help),
        );
        return None;
    }
    let ty = match name {
        "string" => Type::String,
        "number" | "int" => Type::Number,
        "bool" => Type::Bool,
        "duration" => Type::Duration,
        "percent" => Type::Percent,
        "secret" => Type::Secret,
        "choice" => {
            let mut options = Vec::new();
            for arg in args {
                match &arg.kind {
                    AstExpr::String(lit) if lit.as_plain().is_some() => {
                        options.extend(lit.as_plain());
                    }
                    _ => cx.report(
                        Diagnostic::new(
                            Code::InvalidValue,
                            "a choice lists plain strings",
                            arg.span,
                            "not a plain string",
                        )
                        .with_help("write `choice(\"a\", \"b\")`"),
                    ),
                }
            }
            Type::Enum(options)
        }
        "list" => {
            let [item] = args else {
                cx.report(
                    Diagnostic::new(
                        Code::InvalidValue,
                        "a list type names one item type",
                        ty.span,
                        "here",
                    )
                    .with_help("write `list(string)`"),
                );
                return None;
            };
            let item_ref = type_ref_of(item)?;
            let (item_ty, enum_def) = param_type(cx, scope, &item_ref)?;
            return Some((Type::List(Box::new(item_ty)), enum_def));
        }
        other => match scope.enum_named(other) {
            Some(enum_def) => return Some((enum_def.ty(), Some(enum_def))),
            // Imported from a module that could not be read (already reported).
            None if scope.broken_names.iter().any(|n| n == other) => return None,
            None => {
                let mut known: Vec<String> =
                    PARAMETER_TYPES.iter().map(|t| (*t).to_string()).collect();
                known.extend(scope.enum_names());
                let diagnostic = Diagnostic::new(
                    Code::UnknownName,
                    format!("unknown type `{other}`"),
                    ty.name.span,
                    "not a type",
                );
                cx.report(match closest(other, known.iter().map(String::as_str)) {
                    Some(s) => diagnostic.with_suggestion(ty.name.span, s),
                    None => diagnostic.with_help(format!(
                        "the types are {} and the enums in scope",
                        PARAMETER_TYPES.join(", ")
                    )),
                });
                return None;
            }
        },
    };
    Some((ty, None))
}

/// A type written as an argument of `list(...)`: `string`, `docker.platform`, `choice(...)`.
fn type_ref_of(expr: &ast::Expr) -> Option<ast::TypeRef> {
    fn dotted(expr: &ast::Expr) -> Option<String> {
        match &expr.kind {
            AstExpr::Name(ident) => Some(ident.name.clone()),
            AstExpr::Member { base, name } => Some(format!("{}.{}", dotted(base)?, name.name)),
            _ => None,
        }
    }
    let (name, args) = match &expr.kind {
        AstExpr::Call { function, args } => (function.name.clone(), Some(args.clone())),
        _ => (dotted(expr)?, None),
    };
    Some(ast::TypeRef {
        name: ast::Ident {
            name,
            span: expr.span,
        },
        args,
        optional: false,
        span: expr.span,
    })
}

/// An argument (or default), lowered in the caller's scope; a bare enum member name is
/// the member's value.
fn lower_argument(cx: &mut Cx, scope: &Scope<'_>, param: &ParamDef, expr: &ast::Expr) -> ir::Expr {
    let Some(enum_def) = &param.enum_def else {
        return scope.lower(cx, expr);
    };
    let member = |cx: &mut Cx, expr: &ast::Expr| -> ir::Expr {
        let AstExpr::Name(ident) = &expr.kind else {
            return scope.lower(cx, expr);
        };
        if let Some(member) = enum_def.members.iter().find(|m| m.name == ident.name) {
            return ir::Expr {
                kind: ExprKind::Literal(Literal::String(member.value.clone())),
                ty: enum_def.ty(),
                span: expr.span,
            };
        }
        // A bare name that is no `let`, context or module was meant as a member: say so,
        // rather than "unknown name".
        let known = scope.names.lets.iter().any(|l| l.name == ident.name)
            || ir::Context::lookup(&ident.name).is_some()
            || scope.names.file.namespace(&ident.name).is_some();
        if known {
            return scope.lower(cx, expr);
        }
        let members = enum_def.members.iter().map(|m| m.name.as_str());
        let diagnostic = Diagnostic::new(
            Code::InvalidValue,
            format!(
                "`{}` is not a member of enum `{}`",
                ident.name, enum_def.name
            ),
            expr.span,
            format!("not a value of parameter `{}`", param.name),
        )
        .with_label(enum_def.span, "the enum is defined here");
        cx.report(match closest(&ident.name, members.clone()) {
            Some(s) => diagnostic.with_suggestion(expr.span, s),
            None => diagnostic.with_help(format!(
                "the members are: {}",
                members.collect::<Vec<_>>().join(", ")
            )),
        });
        super::expr::invalid(expr.span)
    };
    match (&param.ty, &expr.kind) {
        (Type::List(item_ty), AstExpr::List(items)) => {
            let lowered = items.iter().map(|item| member(cx, item)).collect();
            ir::Expr {
                kind: ExprKind::List(lowered),
                ty: Type::List(item_ty.clone()),
                span: expr.span,
            }
        }
        _ => member(cx, expr),
    }
}

/// Whether a lowered argument fits its parameter; reports it when not.
fn check_argument(cx: &mut Cx, param: &ParamDef, value: &ir::Expr) -> bool {
    fits(cx, param, &param.ty, value)
}

fn fits(cx: &mut Cx, param: &ParamDef, wanted: &Type, value: &ir::Expr) -> bool {
    if matches!(value.kind, ExprKind::Invalid) || value.ty == Type::Unknown {
        return true;
    }
    let mismatch = |cx: &mut Cx, help: String| {
        cx.report(
            Diagnostic::new(
                Code::TypeMismatch,
                format!(
                    "parameter `{}` takes a {}, not a {}",
                    param.name,
                    wanted.describe(),
                    value.ty.describe()
                ),
                value.span,
                format!("a {}", value.ty.describe()),
            )
            .with_label(param.span, "declared here")
            .with_help(help),
        );
        false
    };
    match wanted {
        Type::List(item_ty) => match &value.kind {
            // Every item is checked, so each one that does not fit is reported.
            ExprKind::List(items) => {
                items
                    .iter()
                    .filter(|item| !fits(cx, param, item_ty, item))
                    .count()
                    == 0
            }
            _ => mismatch(cx, "write a list: `[a, b]`".into()),
        },
        Type::Enum(options) => match &value.kind {
            ExprKind::Literal(Literal::String(text)) if !options.contains(text) => {
                let members: Vec<&str> = param
                    .enum_def
                    .as_ref()
                    .map(|e| e.members.iter().map(|m| m.name.as_str()).collect())
                    .unwrap_or_default();
                let candidates = options
                    .iter()
                    .map(String::as_str)
                    .chain(members.iter().copied());
                let shown = if members.is_empty() {
                    options
                        .iter()
                        .map(|o| format!("\"{o}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                } else {
                    members.join(", ")
                };
                let diagnostic = Diagnostic::new(
                    Code::InvalidValue,
                    format!("\"{text}\" is not a value of parameter `{}`", param.name),
                    value.span,
                    "not one of its values",
                )
                .with_label(param.span, "declared here");
                let diagnostic = match closest(text, candidates) {
                    Some(s) => {
                        // A member is suggested by name; the literal gets its value.
                        let value_of_s = param
                            .enum_def
                            .as_ref()
                            .and_then(|e| e.members.iter().find(|m| m.name == s))
                            .map_or(s, |m| m.value.as_str());
                        let fix = cx.rewrite_literal(value.span, text, value_of_s);
                        diagnostic
                            .with_help(format!("did you mean `{s}`?"))
                            .with_fixes(fix)
                    }
                    None => diagnostic.with_help(format!("the values are: {shown}")),
                };
                cx.report(diagnostic);
                false
            }
            _ if value.ty.is_textual() => true,
            _ => mismatch(cx, format!("give one of: {}", wanted.describe())),
        },
        Type::Secret => match value.ty {
            Type::Secret => true,
            _ => mismatch(
                cx,
                "pass a secret: `secrets.NAME`, declared with `secrets: [NAME]` in the pipeline"
                    .into(),
            ),
        },
        Type::String => {
            value.ty.is_textual()
                || matches!(value.ty, Type::Number | Type::Bool)
                || mismatch(cx, "give text, e.g. \"...\"".into())
        }
        _ if value.ty == *wanted => true,
        // Outputs and inputs are text at run time and may carry a number or a bool.
        _ if value.ty.is_textual() && !matches!(value.kind, ExprKind::Literal(_)) => true,
        _ => mismatch(cx, format!("give a {}", wanted.describe())),
    }
}

/// Arguments bound to parameters: what a call's body is lowered with.
struct Bindings {
    lets: Vec<Rc<LetBinding>>,
    /// Parameters with no value: optional ones the call left out, and empty lists (an action
    /// input or an environment variable given an empty list is the same as one not set).
    absent: Vec<String>,
}

fn arguments(
    cx: &mut Cx,
    scope: &Scope<'_>,
    def: &TemplateDef,
    call: &ast::TemplateCall,
) -> Bindings {
    let mut given: Vec<(&ast::Argument, ir::Expr)> = Vec::new();
    // Parameters an unknown argument was probably meant for: they are not also missing.
    let mut suggested: Vec<&str> = Vec::new();
    for (index, arg) in call.args.iter().enumerate() {
        // The first of the same name, even when its value was wrong.
        let earlier = call.args.get(..index).unwrap_or_default();
        if let Some(first) = earlier.iter().find(|a| a.name.name == arg.name.name) {
            cx.duplicate(
                format!("argument `{}`", arg.name.name),
                "given",
                arg.name.span,
                first.name.span,
                "remove one of them",
            );
            continue;
        }
        let Some(param) = def.params.iter().find(|p| p.name == arg.name.name) else {
            let diagnostic = Diagnostic::new(
                Code::UnknownArgument,
                format!(
                    "template `{}` has no parameter `{}`",
                    call.name(),
                    arg.name.name
                ),
                arg.name.span,
                "unknown argument",
            )
            .with_label(def.name_span, "the template is defined here");
            cx.report(
                match closest(&arg.name.name, def.params.iter().map(|p| p.name.as_str())) {
                    Some(s) => {
                        suggested.push(s);
                        diagnostic.with_suggestion(arg.name.span, s)
                    }
                    None if def.params.is_empty() => {
                        diagnostic.with_help(format!("`{}` takes no arguments", def.name))
                    }
                    None => diagnostic.with_help(format!(
                        "`{}` takes: {}",
                        def.name,
                        def.params
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                },
            );
            continue;
        };
        let value = lower_argument(cx, scope, param, &arg.value);
        if !check_argument(cx, param, &value) {
            continue;
        }
        given.push((arg, value));
    }
    // Parameters the call must still give, reported one by one but added by one fix.
    let missing: Vec<&ParamDef> = def
        .params
        .iter()
        .filter(|p| p.default.is_none() && !p.optional)
        .filter(|p| !call.args.iter().any(|a| a.name.name == p.name))
        .filter(|p| !suggested.contains(&p.name.as_str()))
        .collect();
    let add_missing = add_arguments(cx, call, &missing);
    let mut lets = Vec::new();
    let mut absent = Vec::new();
    for param in &def.params {
        let value = match given.iter().find(|(a, _)| a.name.name == param.name) {
            Some((_, value)) => value.clone(),
            None => match (&param.default, param.optional) {
                (Some(default), _) => {
                    let mut value = default.clone();
                    value.span = call.span;
                    value
                }
                (None, true) => {
                    absent.push(param.name.clone());
                    ir::Expr {
                        kind: ExprKind::Literal(Literal::String(String::new())),
                        ty: param.ty.clone(),
                        span: call.span,
                    }
                }
                (None, false) => {
                    // Said once per call, even when the argument's own checks failed, and
                    // not when a misspelt argument was already reported for it.
                    if missing.iter().any(|p| p.name == param.name) {
                        let mut diagnostic = Diagnostic::new(
                            Code::MissingArgument,
                            format!(
                                "template `{}` needs the argument `{}`",
                                call.name(),
                                param.name
                            ),
                            call.name_span(),
                            format!("`{}` is missing", param.name),
                        )
                        .with_label(
                            param.span,
                            format!("declared as a {} with no default", param.ty.describe()),
                        )
                        .with_help(format!(
                            "pass it: `{}({}: ...)`",
                            call.name(),
                            param.name
                        ));
                        diagnostic.fixes.extend(add_missing.clone());
                        cx.report(diagnostic);
                    }
                    super::expr::invalid(call.span)
                }
            },
        };
        if matches!(&value.kind, ExprKind::List(items) if items.is_empty()) {
            absent.push(param.name.clone());
        }
        lets.push(Rc::new(LetBinding {
            name: param.name.clone(),
            span: param.span,
            value,
            used: Cell::new(false),
        }));
    }
    Bindings { lets, absent }
}

/// The fix that gives `missing` parameters placeholder values in `call`, in the call's
/// style: after the last argument, on a line of its own when the arguments are one a line.
fn add_arguments(cx: &Cx, call: &ast::TemplateCall, missing: &[&ParamDef]) -> Option<Fix> {
    let names: Vec<String> = missing.iter().map(|p| format!("`{}`", p.name)).collect();
    let title = match names.as_slice() {
        [] => return None,
        [one] => format!("Add the missing argument {one}"),
        _ => format!("Add the missing arguments {}", names.join(", ")),
    };
    let arguments = missing
        .iter()
        .map(|p| format!("{}: {}", p.name, placeholder(p)));
    let closing = Span {
        start: call.span.end.saturating_sub(1),
        ..call.span
    };
    let edit = match call.args.last() {
        None => (
            closing.shrink_to_start(),
            arguments.collect::<Vec<_>>().join(", "),
        ),
        Some(last) => {
            let after_last = Span {
                start: last.span.end,
                ..closing
            };
            let separator = if cx.slice(after_last).contains('\n') {
                format!("\n{}", cx.indentation(last.span))
            } else {
                ", ".to_string()
            };
            let text: String = arguments.map(|a| format!("{separator}{a}")).collect();
            (after_last.shrink_to_start(), text)
        }
    };
    Some(Fix {
        title,
        edits: vec![edit],
    })
}

/// A value of the parameter's type for the user to replace: the empty or zero value, the
/// first member of an enum.
fn placeholder(param: &ParamDef) -> String {
    match (&param.ty, &param.enum_def) {
        (Type::Bool, _) => "false".into(),
        (Type::Number, _) => "0".into(),
        (Type::Duration, _) => "1m".into(),
        (Type::Percent, _) => "0%".into(),
        (Type::List(_), _) => "[]".into(),
        (Type::Enum(_), Some(enum_def)) => enum_def
            .members
            .first()
            .map_or_else(|| "\"\"".into(), |m| m.name.clone()),
        (Type::Enum(options), None) => {
            format!("\"{}\"", options.first().map_or("", String::as_str))
        }
        (Type::String | Type::Secret | Type::Unknown, _) => "\"\"".into(),
    }
}

/// Each parameter as an unknown value of its type: how a body is checked on its own.
fn abstract_bindings(def: &TemplateDef) -> Bindings {
    let lets = def
        .params
        .iter()
        .map(|param| {
            Rc::new(LetBinding {
                name: param.name.clone(),
                span: param.span,
                value: ir::Expr {
                    kind: ExprKind::Invalid,
                    ty: param.ty.clone(),
                    span: param.span,
                },
                used: Cell::new(false),
            })
        })
        .collect();
    Bindings {
        lets,
        absent: Vec::new(),
    }
}

/// Checks a template's body once, on its own; reports parameters it never uses.
pub(super) fn check_template(cx: &mut Cx, def: &TemplateDef, environments: &[ir::Environment]) {
    let bindings = abstract_bindings(def);
    match def.kind {
        ast::TemplateKind::Step => {
            expand_step(cx, def, &bindings, "");
        }
        ast::TemplateKind::Job => {
            for item in &def.body.items {
                if let ItemKind::Property { key, .. } = &item.kind
                    && matches!(key.name.as_str(), "needs" | "requires")
                {
                    cx.report(
                        Diagnostic::new(
                            Code::MisplacedItem,
                            format!("a job template cannot set `{}`", key.name),
                            key.span,
                            "the caller's to give",
                        )
                        .with_help(format!(
                            "the pipeline that calls the template says what the job {}: `job deploy {}(...) {{ {}: [...] }}`",
                            if key.name == "needs" { "needs" } else { "requires" },
                            def.name,
                            key.name
                        )),
                    );
                }
            }
            let ident = ast::Ident {
                name: def.name.clone(),
                span: def.name_span,
            };
            job_lowering(def, &bindings, environments).lower_job(
                cx,
                &template_item(def),
                &ident,
                None,
                &def.body,
            );
        }
    }
    for binding in &bindings.lets {
        if !binding.used.get() && !binding.name.starts_with('_') {
            cx.report(
                Diagnostic::new(
                    Code::UnusedParameter,
                    format!("parameter `{}` is never used", binding.name),
                    binding.span,
                    "declared here",
                )
                .with_help(
                    "use it in the body, or remove it (and the arguments callers pass for it)",
                ),
            );
        }
    }
}

fn template_item(def: &TemplateDef) -> Item {
    Item {
        kind: ItemKind::Error,
        span: def.name_span,
    }
}

fn template_names(def: &TemplateDef, bindings: &Bindings) -> PipelineNames {
    let mut lets = def.lets.clone();
    lets.extend(bindings.lets.iter().cloned());
    PipelineNames {
        lets,
        file: def.scope.upgrade().unwrap_or_default(),
        ..PipelineNames::default()
    }
}

fn job_lowering<'d>(
    def: &'d TemplateDef,
    bindings: &Bindings,
    environments: &[ir::Environment],
) -> PipelineLowering<'d> {
    PipelineLowering {
        names: template_names(def, bindings),
        environments: environments.to_vec(),
        gates: Vec::new(),
        body: &def.body,
    }
}

/// One step of a template's body, before lowering.
struct InnerStep<'a> {
    item: &'a Item,
    name: Option<&'a ast::StringLit>,
    items: Vec<&'a Item>,
    span: Span,
}

/// The steps of a step template's bodies, by the target each is for (`None`: every target).
type TargetBodies<'a> = Vec<(Option<TargetKind>, Vec<InnerStep<'a>>)>;

/// A step template's bodies: the per-target ones, then the shared one.
fn step_bodies<'a>(cx: &mut Cx, def: &'a TemplateDef) -> (Option<&'a ast::Expr>, TargetBodies<'a>) {
    let mut display_name = None;
    let mut shared: Vec<&Item> = Vec::new();
    let mut bodies: TargetBodies<'a> = Vec::new();
    let mut seen: Vec<(TargetKind, Span)> = Vec::new();
    for item in &def.body.items {
        match &item.kind {
            ItemKind::Property { key, value } if key.name == "name" => display_name = Some(value),
            ItemKind::Output { .. } => {}
            ItemKind::KeyBlock { key, body } => {
                match TargetKind::ALL.into_iter().find(|t| t.name() == key.name) {
                    Some(target) => {
                        if let Some((_, first)) = seen.iter().find(|(t, _)| *t == target) {
                            cx.duplicate(
                                format!("the `{}` body", key.name),
                                "written",
                                key.span,
                                *first,
                                "merge them",
                            );
                            continue;
                        }
                        seen.push((target, key.span));
                        bodies.push((Some(target), inner_steps(cx, def, &body.items, body.span)));
                    }
                    None => shared.push(item),
                }
            }
            _ => shared.push(item),
        }
    }
    if !shared.is_empty() {
        let span = shared
            .iter()
            .fold(shared.first().map_or(def.body.span, |i| i.span), |s, i| {
                s.to(i.span)
            });
        let owned: Vec<Item> = Vec::new();
        let _ = owned;
        bodies.push((None, inner_steps_of(cx, def, shared, span)));
    }
    if bodies.is_empty() {
        cx.report(
            Diagnostic::new(
                Code::MissingSetting,
                format!("template `{}` has no body", def.name),
                def.name_span,
                "does nothing",
            )
            .with_help("give it a body: `run: \"...\"` for every target, or `github { uses: ... }`, `shell { run: ... }`, `kubernetes { image: ..., run: ... }`"),
        );
    }
    (display_name, bodies)
}

fn inner_steps<'a>(
    cx: &mut Cx,
    def: &TemplateDef,
    items: &'a [Item],
    span: Span,
) -> Vec<InnerStep<'a>> {
    inner_steps_of(cx, def, items.iter().collect(), span)
}

/// A body is one step's settings, or several `step { ... }` items.
fn inner_steps_of<'a>(
    cx: &mut Cx,
    def: &TemplateDef,
    items: Vec<&'a Item>,
    span: Span,
) -> Vec<InnerStep<'a>> {
    for item in &items {
        if let ItemKind::StepCall { call, .. } = &item.kind {
            cx.report(
                Diagnostic::new(
                    Code::MisplacedItem,
                    "a step template cannot call another template",
                    call.name_span(),
                    "a template call",
                )
                .with_help("write the steps out in this template, or make it a job template, which can call step templates"),
            );
        }
    }
    if !items
        .iter()
        .any(|i| matches!(i.kind, ItemKind::Step { .. }))
    {
        let single: Vec<&Item> = items
            .into_iter()
            .filter(|i| !matches!(i.kind, ItemKind::StepCall { .. }))
            .collect();
        let item = single.first().copied();
        return match item {
            Some(item) => vec![InnerStep {
                item,
                name: None,
                items: single,
                span,
            }],
            None => Vec::new(),
        };
    }
    if !def.outputs.is_empty() {
        cx.report(
            Diagnostic::new(
                Code::ConflictingSettings,
                format!(
                    "template `{}` declares outputs but its body has several steps",
                    def.name
                ),
                span,
                "several steps",
            )
            .with_help("a template with outputs has one step per body, the one that sets them"),
        );
    }
    let mut steps = Vec::new();
    for item in items {
        match &item.kind {
            ItemKind::Step { id, name, body } => {
                if let Some(id) = id {
                    cx.report(
                        Diagnostic::new(
                            Code::InvalidValue,
                            "a step inside a template has no id",
                            id.span,
                            "an id",
                        )
                        .with_help("remove the id; the caller names the template's step (`step build docker.build_push(...)`)"),
                    );
                }
                steps.push(InnerStep {
                    item,
                    name: name.as_ref(),
                    items: body.items.iter().collect(),
                    span: body.span,
                });
            }
            ItemKind::StepCall { .. } => {}
            _ => cx.report(
                Diagnostic::new(
                    Code::MisplacedItem,
                    format!("{} beside `step`s in a template body", item.kind.describe()),
                    item.span,
                    "outside every step",
                )
                .with_help("in a body with several steps, settings go inside each `step { ... }`"),
            ),
        }
    }
    steps
}

/// A step template's body for every target it has one for, lowered with `bindings`; the
/// display name it gives the step, if any.
fn expand_step(
    cx: &mut Cx,
    def: &TemplateDef,
    bindings: &Bindings,
    job_id: &str,
) -> (Option<ir::Template>, Vec<ir::Implementation>) {
    let names = template_names(def, bindings);
    let job = JobNames {
        id: job_id.to_string(),
        ..JobNames::default()
    };
    let scope = Scope {
        names: &names,
        job: Some(&job),
        step_env: &[],
        position: Position::Step,
    };
    let (display_name, bodies) = step_bodies(cx, def);
    let display_name = display_name.map(|e| values::template(cx, &scope, e));
    let mut implementations = Vec::new();
    for (target, inner) in bodies {
        let mut steps = Vec::new();
        for step in inner {
            steps.push(lower_inner_step(
                cx,
                &names,
                &job,
                &scope,
                &step,
                &bindings.absent,
            ));
        }
        implementations.push(ir::Implementation { target, steps });
    }
    (display_name, implementations)
}

fn lower_inner_step(
    cx: &mut Cx,
    names: &PipelineNames,
    job: &JobNames,
    scope: &Scope<'_>,
    step: &InnerStep<'_>,
    absent: &[String],
) -> ir::Step {
    let mut image = None;
    let mut items: Vec<Item> = Vec::new();
    for item in &step.items {
        match &item.kind {
            ItemKind::Property { key, value } if key.name == "image" => {
                image = Some(values::template(cx, scope, value));
            }
            ItemKind::KeyBlock { key, body } if matches!(key.name.as_str(), "with" | "env") => {
                // An entry whose value is a parameter with no value is omitted, so the
                // action's (or the tool's) own default applies.
                let kept = body
                    .items
                    .iter()
                    .filter(|entry| {
                        !matches!(&entry.kind, ItemKind::Property { value, .. }
                            if has_no_value(value, absent))
                    })
                    .cloned()
                    .collect();
                items.push(Item {
                    kind: ItemKind::KeyBlock {
                        key: key.clone(),
                        body: ast::Block {
                            items: kept,
                            span: body.span,
                        },
                    },
                    span: item.span,
                });
            }
            _ => items.push((*item).clone()),
        }
    }
    let block = ast::Block {
        items,
        span: step.span,
    };
    let mut lowered = super::job::lower_step(cx, names, job, step.item, None, step.name, &block);
    if let ir::StepAction::Run { image: slot, .. } = &mut lowered.action {
        *slot = image;
    } else if let Some(image) = image {
        cx.report(
            Diagnostic::new(
                Code::ConflictingSettings,
                "`image` applies to `run` steps",
                image.span,
                "not used by an action",
            )
            .with_help("`image` names the container a `run` script runs in on Kubernetes"),
        );
    }
    lowered
}

/// Whether an entry's value is a parameter with no value, or that list joined.
fn has_no_value(value: &ast::Expr, absent: &[String]) -> bool {
    match &value.kind {
        AstExpr::Name(name) => absent.contains(&name.name),
        AstExpr::Call { function, args } if function.name == "join" => {
            args.first().is_some_and(|list| has_no_value(list, absent))
        }
        _ => false,
    }
}

/// `step build docker.build_push(...) { when: ... }` in a job.
#[allow(clippy::too_many_arguments)]
pub(super) fn lower_step_call(
    cx: &mut Cx,
    names: &PipelineNames,
    job: &JobNames,
    item: &Item,
    id: Option<&ast::Ident>,
    name: Option<&ast::StringLit>,
    call: &ast::TemplateCall,
    body: Option<&ast::Block>,
) -> ir::Step {
    let step_env = body.map(super::job::env_names).unwrap_or_default();
    let scope = Scope {
        names,
        job: Some(job),
        step_env: &step_env,
        position: Position::Step,
    };
    let condition_scope = Scope {
        position: Position::StepCondition,
        ..super::job::scope_copy(&scope)
    };
    let empty = ast::Block {
        items: Vec::new(),
        span: item.span,
    };
    let mut section = Section::of(
        format!("the call of `{}`", call.name()),
        body.unwrap_or(&empty),
    );
    let condition = section
        .value(cx, "when")
        .map(|e| condition_scope.condition(cx, e));
    let env = values::env_block(cx, &scope, &mut section, "env");
    let (timeout, continue_on_error) = values::failure_limits(cx, &mut section);
    section.finish(cx);
    let given_name = name.map(|n| {
        values::template(
            cx,
            &scope,
            &ast::Expr {
                kind: AstExpr::String(n.clone()),
                span: n.span,
            },
        )
    });

    let (template, display_name, implementations, definition) = match names.file.template(cx, call)
    {
        Some(def) if def.kind == ast::TemplateKind::Step => {
            let bindings = arguments(cx, &scope, &def, call);
            let (display_name, implementations) = expand_step(cx, &def, &bindings, &job.id);
            (call.name(), display_name, implementations, def.name_span)
        }
        Some(def) => {
            cx.report(
                Diagnostic::new(
                    Code::MisplacedItem,
                    format!("`{}` is a job template", call.name()),
                    call.name_span(),
                    "called as a step",
                )
                .with_label(def.name_span, "defined as `template job`")
                .with_help(format!(
                    "call it as a job of the pipeline: `job <id> {}(...)`",
                    call.name()
                )),
            );
            (call.name(), None, Vec::new(), def.name_span)
        }
        None => (call.name(), None, Vec::new(), call.span),
    };
    ir::Step {
        id: id.map(|i| i.name.clone()),
        name: given_name.or(display_name),
        span: item.span,
        action: ir::StepAction::Template(ir::TemplateStep {
            template,
            definition,
            implementations,
        }),
        condition,
        env,
        timeout,
        continue_on_error,
    }
}

impl PipelineLowering<'_> {
    /// `job deploy k8s.rolling(...) { needs: [build] }`: the template's job, with the
    /// caller's settings (dependencies, condition, gates ...) applied.
    pub(super) fn lower_job_call(
        &self,
        cx: &mut Cx,
        item: &Item,
        id: &ast::Ident,
        name: Option<&ast::StringLit>,
        call: &ast::TemplateCall,
        body: Option<&ast::Block>,
    ) -> Option<ir::Job> {
        let def = self.names.file.template(cx, call)?;
        if def.kind != ast::TemplateKind::Job {
            cx.report(
                Diagnostic::new(
                    Code::MisplacedItem,
                    format!("`{}` is a step template", call.name()),
                    call.name_span(),
                    "called as a job",
                )
                .with_label(def.name_span, "defined as `template step`")
                .with_help(format!(
                    "call it as a step inside a job: `step {}(...)`",
                    call.name()
                )),
            );
            return None;
        }
        let empty = ast::Block {
            items: Vec::new(),
            span: item.span,
        };
        let block = body.unwrap_or(&empty);
        for item in &block.items {
            let misplaced = match &item.kind {
                ItemKind::Step { .. }
                | ItemKind::StepCall { .. }
                | ItemKind::Output { .. }
                | ItemKind::Service { .. } => true,
                ItemKind::KeyBlock { key, .. } | ItemKind::Property { key, .. } => {
                    matches!(
                        key.name.as_str(),
                        "on_failure" | "matrix" | "container" | "defaults"
                    )
                }
                _ => false,
            };
            if misplaced {
                cx.report(
                    Diagnostic::new(
                        Code::MisplacedItem,
                        format!("{} in the call of job template `{}`", item.kind.describe(), call.name()),
                        item.span,
                        "the template's to give",
                    )
                    .with_label(def.name_span, "the template is defined here")
                    .with_help("a call gives the job's place in the pipeline (`needs`, `when`, `requires`, `environment`, `runs_on`, `timeout`, `env` ...); its steps, outputs and services come from the template"),
                );
            }
        }
        // Arguments may read the outputs of the jobs the call needs.
        let needs = block
            .items
            .iter()
            .find_map(|item| match &item.kind {
                ItemKind::Property { key, value } if key.name == "needs" => {
                    Some(super::section::list_items(value))
                }
                _ => None,
            })
            .unwrap_or_default()
            .into_iter()
            .filter_map(|e| match &e.kind {
                AstExpr::Name(n) => Some(n.name.clone()),
                _ => None,
            })
            .collect();
        let job_names = JobNames {
            id: id.name.clone(),
            needs,
            add_need: Some(NeedsInsertion::of(cx, body, call.span)),
            ..JobNames::default()
        };
        let scope = Scope {
            names: &self.names,
            job: Some(&job_names),
            step_env: &[],
            position: Position::Job,
        };
        let bindings = arguments(cx, &scope, &def, call);
        let mut job = job_lowering(&def, &bindings, &self.environments)
            .lower_job(cx, item, id, None, &def.body);

        let overrides = self.lower_job(cx, item, id, name, &with_placeholder_step(block));
        job.name = overrides.name;
        job.needs = overrides.needs;
        job.requires = overrides.requires;
        job.condition = match (job.condition.take(), overrides.condition) {
            (Some(own), Some(caller)) => Some(ir::Expr {
                kind: ExprKind::Binary {
                    op: ir::BinaryOp::And,
                    lhs: Box::new(caller),
                    rhs: Box::new(own),
                },
                ty: Type::Bool,
                span: call.span,
            }),
            (own, caller) => caller.or(own),
        };
        let given = |key: &str| {
            block.items.iter().any(|i| matches!(&i.kind, ItemKind::Property { key: k, .. } | ItemKind::KeyBlock { key: k, .. } if k.name == key))
        };
        if given("environment") {
            job.environment = overrides.environment;
        }
        if given("runs_on") {
            job.runs_on = overrides.runs_on;
        }
        if given("timeout") {
            job.timeout = overrides.timeout;
        }
        job.continue_on_error |= overrides.continue_on_error;
        if given("concurrency") {
            job.concurrency = overrides.concurrency;
        }
        if given("permissions") {
            job.permissions = overrides.permissions;
        }
        for var in overrides.env {
            job.env.retain(|v| v.name != var.name);
            job.env.push(var);
        }
        job.span = item.span;
        Some(job)
    }
}

/// The caller's block of a job call, lowered as a job of its own to read its settings; the
/// placeholder step keeps "a job has no steps" from being reported for it.
fn with_placeholder_step(block: &ast::Block) -> ast::Block {
    let mut items = block.items.clone();
    items.push(Item {
        kind: ItemKind::Step {
            id: None,
            name: None,
            body: ast::Block {
                items: vec![Item {
                    kind: ItemKind::Property {
                        key: ast::Key {
                            name: "run".into(),
                            span: block.span,
                            quoted: false,
                        },
                        value: ast::Expr {
                            kind: AstExpr::String(ast::StringLit {
                                parts: Vec::new(),
                                span: block.span,
                                multiline: false,
                            }),
                            span: block.span,
                        },
                    },
                    span: block.span,
                }],
                span: block.span,
            },
        },
        span: block.span,
    });
    ast::Block {
        items,
        span: block.span,
    }
}

//! Short constructors for hand-built IR in tests, so a test reads like the pipeline it
//! stands for. `tpl("deploy ${{ matrix.service }}")` understands the namespaces of the
//! language (`matrix.`, `inputs.`, `secrets.`, `vars.`, `env.`, `steps.s.outputs.`,
//! `needs.j.outputs.`, `jobs.j.outputs.`, `needs.j.result`) and the context names.

use pipec_compiler::Span;
use pipec_compiler::ir::{
    BinaryOp, Context, Expr, ExprKind, Function, Literal, StatusFunction, Template, TemplatePart,
    Type,
};

pub(crate) fn span() -> Span {
    Span::default()
}

pub(crate) fn expr(kind: ExprKind, ty: Type) -> Expr {
    Expr {
        kind,
        ty,
        span: span(),
    }
}

pub(crate) fn string(text: &str) -> Expr {
    expr(
        ExprKind::Literal(Literal::String(text.into())),
        Type::String,
    )
}

pub(crate) fn boolean(value: bool) -> Expr {
    expr(ExprKind::Literal(Literal::Bool(value)), Type::Bool)
}

pub(crate) fn number(text: &str) -> Expr {
    expr(
        ExprKind::Literal(Literal::Number(text.into())),
        Type::Number,
    )
}

pub(crate) fn list(items: Vec<Expr>) -> Expr {
    expr(ExprKind::List(items), Type::List(Box::new(Type::String)))
}

pub(crate) fn context(name: &str) -> Expr {
    let context = Context::lookup(name).unwrap_or_else(|| panic!("no context `{name}`"));
    expr(ExprKind::Context(context), Type::String)
}

pub(crate) fn status(function: StatusFunction) -> Expr {
    expr(ExprKind::Status(function), Type::Bool)
}

pub(crate) fn raw(text: &str) -> Expr {
    expr(ExprKind::Raw(text.into()), Type::Unknown)
}

pub(crate) fn binary(op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
    expr(
        ExprKind::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        Type::Bool,
    )
}

pub(crate) fn and(lhs: Expr, rhs: Expr) -> Expr {
    binary(BinaryOp::And, lhs, rhs)
}

pub(crate) fn or(lhs: Expr, rhs: Expr) -> Expr {
    binary(BinaryOp::Or, lhs, rhs)
}

pub(crate) fn eq(lhs: Expr, rhs: Expr) -> Expr {
    binary(BinaryOp::Eq, lhs, rhs)
}

pub(crate) fn ne(lhs: Expr, rhs: Expr) -> Expr {
    binary(BinaryOp::Ne, lhs, rhs)
}

pub(crate) fn not(inner: Expr) -> Expr {
    expr(ExprKind::Not(Box::new(inner)), Type::Bool)
}

pub(crate) fn call(function: Function, args: Vec<Expr>) -> Expr {
    expr(ExprKind::Call { function, args }, Type::Bool)
}

/// A reference such as `needs.build.outputs.flag` or `branch`, typed `ty`.
pub(crate) fn reference(path: &str, ty: Type) -> Expr {
    let parts: Vec<&str> = path.split('.').collect();
    let kind = match parts.as_slice() {
        ["matrix", key] => ExprKind::Matrix((*key).into()),
        ["inputs", name] => ExprKind::Input((*name).into()),
        ["secrets", name] => ExprKind::Secret((*name).into()),
        ["vars", name] => ExprKind::Var((*name).into()),
        ["env", name] => ExprKind::Env((*name).into()),
        ["steps", step, "outputs", output] => ExprKind::StepOutput {
            step: (*step).into(),
            output: (*output).into(),
        },
        ["needs" | "jobs", job, "outputs", output] => ExprKind::JobOutput {
            job: (*job).into(),
            output: (*output).into(),
        },
        ["needs", job, "result"] => ExprKind::JobResult { job: (*job).into() },
        ["steps", step, "outcome"] => ExprKind::StepOutcome {
            step: (*step).into(),
        },
        [name] => return expr(context(name).kind, ty),
        _ => panic!("test_ir cannot read `{path}`"),
    };
    expr(kind, ty)
}

pub(crate) fn template(parts: Vec<TemplatePart>) -> Template {
    Template {
        parts,
        span: span(),
    }
}

/// Text with `${{ reference }}` interpolations (references as in [`reference`], typed
/// string).
pub(crate) fn tpl(text: &str) -> Template {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        let (before, after) = rest.split_at(start);
        if !before.is_empty() {
            parts.push(TemplatePart::Text(before.into()));
        }
        let end = after
            .find("}}")
            .unwrap_or_else(|| panic!("unclosed interpolation in `{text}`"));
        parts.push(TemplatePart::Expr(reference(
            after[3..end].trim(),
            Type::String,
        )));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        parts.push(TemplatePart::Text(rest.into()));
    }
    template(parts)
}

//! A walk over every node of a parsed file, for the editor queries that look at all of a
//! document (semantic tokens, folding): each item, expression and string literal is
//! handed to a [`Visitor`] once, parents before children. The parser bounds nesting, so
//! the recursion is bounded too.

use crate::ast::{self, ItemKind};

/// What a walk calls; every method defaults to doing nothing.
pub(super) trait Visitor {
    fn item(&mut self, _item: &ast::Item) {}
    fn expr(&mut self, _expr: &ast::Expr) {}
    /// Every string literal: values, titles, quoted keys' strings and import paths.
    fn string(&mut self, _string: &ast::StringLit) {}
}

pub(super) fn walk_items(items: &[ast::Item], visitor: &mut impl Visitor) {
    for item in items {
        walk_item(item, visitor);
    }
}

fn walk_item(item: &ast::Item, visitor: &mut impl Visitor) {
    visitor.item(item);
    let block = |block: &ast::Block, visitor: &mut _| walk_items(&block.items, visitor);
    match &item.kind {
        ItemKind::Pipeline { name, body, .. }
        | ItemKind::Job { name, body, .. }
        | ItemKind::Step { name, body, .. } => {
            walk_optional_string(name.as_ref(), visitor);
            block(body, visitor);
        }
        ItemKind::StepCall {
            name, call, body, ..
        }
        | ItemKind::JobCall {
            name, call, body, ..
        } => {
            walk_optional_string(name.as_ref(), visitor);
            for argument in &call.args {
                walk_expr(&argument.value, visitor);
            }
            if let Some(body) = body {
                block(body, visitor);
            }
        }
        ItemKind::Trigger { body, .. }
        | ItemKind::Secret { body, .. }
        | ItemKind::Environment { body, .. } => {
            if let Some(body) = body {
                block(body, visitor);
            }
        }
        ItemKind::Let { ty, value, .. } => {
            if let Some(ty) = ty {
                walk_type(ty, visitor);
            }
            walk_expr(value, visitor);
        }
        ItemKind::Gate { value, .. } | ItemKind::Property { value, .. } => {
            walk_expr(value, visitor);
        }
        ItemKind::Service { body, .. }
        | ItemKind::Enum { body, .. }
        | ItemKind::KeyBlock { body, .. } => block(body, visitor),
        ItemKind::Input { ty, body, .. } => {
            walk_type(ty, visitor);
            if let Some(body) = body {
                block(body, visitor);
            }
        }
        ItemKind::Output { ty, value, .. } => {
            if let Some(ty) = ty {
                walk_type(ty, visitor);
            }
            if let Some(value) = value {
                walk_expr(value, visitor);
            }
        }
        ItemKind::Template { params, body, .. } => {
            for param in params {
                walk_type(&param.ty, visitor);
                if let Some(default) = &param.default {
                    walk_expr(default, visitor);
                }
            }
            block(body, visitor);
        }
        ItemKind::Import { path, .. } => walk_string(path, visitor),
        ItemKind::Promotion { .. } | ItemKind::Error => {}
    }
}

fn walk_type(ty: &ast::TypeRef, visitor: &mut impl Visitor) {
    for arg in ty.args.iter().flatten() {
        walk_expr(arg, visitor);
    }
}

fn walk_optional_string(string: Option<&ast::StringLit>, visitor: &mut impl Visitor) {
    if let Some(string) = string {
        walk_string(string, visitor);
    }
}

fn walk_string(string: &ast::StringLit, visitor: &mut impl Visitor) {
    visitor.string(string);
    for part in &string.parts {
        if let ast::StringPart::Interpolation(inner) = part {
            walk_expr(inner, visitor);
        }
    }
}

fn walk_expr(expr: &ast::Expr, visitor: &mut impl Visitor) {
    visitor.expr(expr);
    match &expr.kind {
        ast::ExprKind::String(string) => walk_string(string, visitor),
        ast::ExprKind::List(items) | ast::ExprKind::Call { args: items, .. } => {
            for inner in items {
                walk_expr(inner, visitor);
            }
        }
        ast::ExprKind::Member { base, .. } => walk_expr(base, visitor),
        ast::ExprKind::Index { base, index } => {
            walk_expr(base, visitor);
            walk_expr(index, visitor);
        }
        ast::ExprKind::Unary { operand, .. } => walk_expr(operand, visitor),
        ast::ExprKind::Binary { lhs, rhs, .. } => {
            walk_expr(lhs, visitor);
            walk_expr(rhs, visitor);
        }
        ast::ExprKind::Bool(_)
        | ast::ExprKind::Number(_)
        | ast::ExprKind::Duration(_)
        | ast::ExprKind::Percent(_)
        | ast::ExprKind::Raw(_)
        | ast::ExprKind::Name(_)
        | ast::ExprKind::Error => {}
    }
}

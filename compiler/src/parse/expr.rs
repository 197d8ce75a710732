//! Expressions: operator precedence through pest's `PrattParser`, so that every operator
//! node gets its own span.

use std::sync::LazyLock;

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::{Parser, Rule};
use crate::ast::{BinaryOp, Expr, ExprKind, UnaryOp};
use crate::diagnostics::{Code, Diagnostic};

/// Longer operator chains are refused: later passes walk expressions recursively.
const MAX_OPERATORS: usize = 256;

/// Lowest precedence first.
static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or_op, Assoc::Left))
        .op(Op::infix(Rule::and_op, Assoc::Left))
        .op(Op::infix(Rule::eq_op, Assoc::Left) | Op::infix(Rule::ne_op, Assoc::Left))
        .op(Op::infix(Rule::lt_op, Assoc::Left)
            | Op::infix(Rule::le_op, Assoc::Left)
            | Op::infix(Rule::gt_op, Assoc::Left)
            | Op::infix(Rule::ge_op, Assoc::Left))
        .op(Op::infix(Rule::concat_op, Assoc::Left))
        .op(Op::prefix(Rule::not_op))
        .op(Op::postfix(Rule::member) | Op::postfix(Rule::index))
});

impl Parser<'_> {
    pub(super) fn expr(&self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.pair_span(&pair);
        let operators = pair
            .clone()
            .into_inner()
            .filter(|p| is_operator(p.as_rule()))
            .count();
        if operators > MAX_OPERATORS {
            self.report(
                Diagnostic::new(
                    Code::SyntaxError,
                    format!("this expression has more than {MAX_OPERATORS} operators"),
                    span,
                    "too long",
                )
                .with_help("split it into `let` bindings"),
            );
            return Expr {
                kind: ExprKind::Error,
                span,
            };
        }
        self.pratt(pair.into_inner())
    }

    fn pratt(&self, pairs: Pairs<'_, Rule>) -> Expr {
        PRATT
            .map_primary(|primary| self.primary(primary))
            .map_prefix(|op, operand| {
                let span = self.pair_span(&op).to(operand.span);
                Expr {
                    kind: ExprKind::Unary {
                        op: UnaryOp::Not,
                        operand: Box::new(operand),
                    },
                    span,
                }
            })
            .map_postfix(|base, op| {
                let span = base.span.to(self.pair_span(&op));
                let kind = match op.as_rule() {
                    Rule::member => {
                        let name = op.into_inner().next().map(|p| self.ident(p));
                        match name {
                            Some(name) => ExprKind::Member {
                                base: Box::new(base),
                                name,
                            },
                            None => ExprKind::Error,
                        }
                    }
                    _ => match op.into_inner().next() {
                        Some(index) => ExprKind::Index {
                            base: Box::new(base),
                            index: Box::new(self.expr(index)),
                        },
                        None => ExprKind::Error,
                    },
                };
                Expr { kind, span }
            })
            .map_infix(|lhs, op, rhs| {
                let op_span = self.pair_span(&op);
                let op = match op.as_rule() {
                    Rule::or_op => BinaryOp::Or,
                    Rule::and_op => BinaryOp::And,
                    Rule::eq_op => BinaryOp::Eq,
                    Rule::ne_op => BinaryOp::Ne,
                    Rule::lt_op => BinaryOp::Lt,
                    Rule::le_op => BinaryOp::Le,
                    Rule::gt_op => BinaryOp::Gt,
                    Rule::ge_op => BinaryOp::Ge,
                    _ => BinaryOp::Concat,
                };
                let span = lhs.span.to(rhs.span);
                Expr {
                    kind: ExprKind::Binary {
                        op,
                        op_span,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                    span,
                }
            })
            .parse(pairs)
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.pair_span(&pair);
        let kind = match pair.as_rule() {
            Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
            Rule::number => ExprKind::Number(pair.as_str().to_string()),
            Rule::duration => ExprKind::Duration(pair.as_str().to_string()),
            Rule::percent => ExprKind::Percent(pair.as_str().trim_end_matches('%').to_string()),
            Rule::string | Rule::string_multi => ExprKind::String(self.string(pair)),
            Rule::raw_expr => {
                let text = pair.as_str();
                ExprKind::Raw(
                    text.get(1..text.len().saturating_sub(1))
                        .unwrap_or("")
                        .trim()
                        .to_string(),
                )
            }
            Rule::list => ExprKind::List(pair.into_inner().map(|p| self.expr(p)).collect()),
            Rule::call => {
                let mut inner = pair.into_inner();
                match inner.next() {
                    Some(function) => ExprKind::Call {
                        function: self.ident(function),
                        args: inner.map(|p| self.expr(p)).collect(),
                    },
                    None => ExprKind::Error,
                }
            }
            Rule::ident => ExprKind::Name(self.ident(pair)),
            Rule::expr => return self.expr(pair),
            _ => ExprKind::Error,
        };
        Expr { kind, span }
    }
}

fn is_operator(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::or_op
            | Rule::and_op
            | Rule::eq_op
            | Rule::ne_op
            | Rule::lt_op
            | Rule::le_op
            | Rule::gt_op
            | Rule::ge_op
            | Rule::concat_op
            | Rule::not_op
            | Rule::member
            | Rule::index
    )
}

//! From a condition expression to a [`Formula`].
//!
//! What is decided exactly: `==`/`!=` between a run variable (`event`, `branch`, `tag`,
//! `base_branch`, `head_branch`, a string or choice input) and a text literal;
//! `startsWith`, `endsWith`, `contains(text, literal)`, `contains([literals], variable)`,
//! `matches(variable, "glob")`, and any of those compared with `true`/`false`; boolean
//! inputs bare or compared with `true`/`false`; `ref`
//! compared with `refs/heads/…` or `refs/tags/…` (rewritten to `branch`/`tag`); a bare
//! string variable (true when not empty); comparisons of literals, folded. Status functions
//! are `true`/`false` when the scope assumes everything upstream succeeded.
//!
//! Everything else becomes an opaque atom keyed by its canonical text, so equal facts
//! written twice are one atom. Facts that can differ between jobs or steps (matrix values,
//! `env`, step outputs, raw expressions, status functions...) are keyed together with
//! their scope, so the same text in two jobs makes two independent atoms.
//!
//! Text literal comparisons are folded only when case does not matter to the result,
//! since GitHub compares strings case-insensitively and other targets may not.

use std::collections::HashMap;

use super::formula::{Atom, Atoms, Formula, Lit, StrTest, StrVar};
use crate::glob::{self, Anchoring};
use crate::ir::{self, BinaryOp, Context, Expr, ExprKind, Function, Literal, StatusFunction};

/// What a status function means where a condition is evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StatusMode {
    /// Everything upstream (or every earlier step) succeeded: `success()` and `always()`
    /// are true, `failure()` and `cancelled()` false.
    AssumeSuccess,
    /// Status functions are opaque facts of the scope.
    Opaque,
}

/// Where a condition is evaluated.
#[derive(Clone, Copy, Debug)]
pub(super) struct Scope<'a> {
    /// Names the job or step, to key facts that belong to it (`job build`).
    pub(super) name: &'a str,
    pub(super) status: StatusMode,
    /// The values of one matrix combination; `None` leaves `matrix.*` opaque.
    pub(super) matrix_row: Option<&'a [(String, Literal)]>,
}

/// How the checker sees an input's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum InputKind {
    /// `boolean`: a free boolean.
    Flag,
    /// `string`, `choice`, `environment`: a string variable.
    Text,
    /// `number`, or declared twice with different types: opaque.
    Other,
}

/// Every input of the pipeline by name.
pub(super) fn input_kinds(pipeline: &ir::Pipeline) -> HashMap<String, InputKind> {
    let mut kinds: HashMap<String, InputKind> = HashMap::new();
    for input in pipeline.inputs() {
        let kind = match input.ty {
            ir::InputType::Boolean => InputKind::Flag,
            ir::InputType::String | ir::InputType::Choice(_) | ir::InputType::Environment => {
                InputKind::Text
            }
            ir::InputType::Number => InputKind::Other,
        };
        kinds
            .entry(input.name.clone())
            .and_modify(|existing| {
                if *existing != kind {
                    *existing = InputKind::Other;
                }
            })
            .or_insert(kind);
    }
    kinds
}

/// Whether the condition lifts the implicit "everything upstream succeeded" requirement:
/// a status function other than `success()`, `success()` used other than positively
/// (`!success()` runs after a failure), or a raw expression that calls a status function
/// (GitHub sees it, whatever the IR makes of it).
pub(super) fn overrides_status(expr: &Expr) -> bool {
    expr.overrides_status() || success_used_negatively(expr, false) || raw_calls_status(expr)
}

fn raw_calls_status(expr: &Expr) -> bool {
    let mut found = false;
    expr.walk(&mut |e| {
        if let ExprKind::Raw(raw) = &e.kind {
            // GitHub's function names are case-insensitive.
            let raw = raw.to_lowercase();
            found |= ["success(", "failure(", "always(", "cancelled("]
                .iter()
                .any(|call| raw.contains(call));
        }
    });
    found
}

fn success_used_negatively(expr: &Expr, negated: bool) -> bool {
    match &expr.kind {
        ExprKind::Status(StatusFunction::Success) => negated,
        ExprKind::Not(inner) => success_used_negatively(inner, !negated),
        ExprKind::Binary {
            op: BinaryOp::And | BinaryOp::Or,
            lhs,
            rhs,
        } => success_used_negatively(lhs, negated) || success_used_negatively(rhs, negated),
        // Inside a comparison or a call, `success()` is not a plain guard.
        _ => {
            let mut found = false;
            expr.walk(&mut |e| {
                found |= matches!(e.kind, ExprKind::Status(StatusFunction::Success))
            });
            found
        }
    }
}

/// Whether the expression reads nothing: only literals, combined.
pub(super) fn reads_nothing(expr: &Expr) -> bool {
    let mut pure = true;
    expr.walk(&mut |e| {
        pure &= matches!(
            e.kind,
            ExprKind::Literal(_)
                | ExprKind::List(_)
                | ExprKind::Template(_)
                | ExprKind::Not(_)
                | ExprKind::Binary { .. }
                | ExprKind::Call { .. }
        );
    });
    pure
}

/// The matrix keys the expression reads.
pub(super) fn matrix_keys(expr: &Expr) -> Vec<&str> {
    let mut keys = Vec::new();
    expr.walk(&mut |e| {
        if let ExprKind::Matrix(key) = &e.kind
            && !keys.contains(&key.as_str())
        {
            keys.push(key.as_str());
        }
    });
    keys
}

pub(super) struct Lowerer<'a> {
    pub(super) atoms: &'a mut Atoms,
    pub(super) inputs: &'a HashMap<String, InputKind>,
}

/// An operand as the checker sees it.
enum Operand {
    Text(String),
    Bool(bool),
    Number(f64),
    /// A list of text literals.
    Texts(Vec<String>),
    Var(StrVar),
    Flag(String),
    Ref,
    Other,
}

impl Lowerer<'_> {
    /// The formula that holds exactly when the condition is true.
    pub(super) fn condition(&mut self, expr: &Expr, scope: &Scope<'_>) -> Formula {
        match &expr.kind {
            ExprKind::Not(inner) => self.condition(inner, scope).negate(),
            ExprKind::Binary {
                op: BinaryOp::And,
                lhs,
                rhs,
            } => Formula::and([self.condition(lhs, scope), self.condition(rhs, scope)]),
            ExprKind::Binary {
                op: BinaryOp::Or,
                lhs,
                rhs,
            } => Formula::or([self.condition(lhs, scope), self.condition(rhs, scope)]),
            ExprKind::Binary {
                op: BinaryOp::Eq,
                lhs,
                rhs,
            } => self.equality(lhs, rhs, scope),
            ExprKind::Binary {
                op: BinaryOp::Ne,
                lhs,
                rhs,
            } => self.equality(lhs, rhs, scope).negate(),
            ExprKind::Binary { op, lhs, rhs } => self.ordering(*op, lhs, rhs, scope),
            ExprKind::Call { function, args } => self.call(*function, args, expr, scope),
            ExprKind::Status(status) => match scope.status {
                StatusMode::AssumeSuccess => Formula::Const(matches!(
                    status,
                    StatusFunction::Success | StatusFunction::Always
                )),
                StatusMode::Opaque => self.opaque(render(expr), false, scope),
            },
            _ => self.truthy(expr, scope),
        }
    }

    fn operand(&self, expr: &Expr, scope: &Scope<'_>) -> Operand {
        match &expr.kind {
            ExprKind::Literal(literal) => literal_operand(literal),
            ExprKind::Template(template) => {
                template.as_plain().map_or(Operand::Other, Operand::Text)
            }
            ExprKind::Context(context) => match context {
                Context::Event => Operand::Var(StrVar::Event),
                Context::Branch => Operand::Var(StrVar::Branch),
                Context::Tag => Operand::Var(StrVar::Tag),
                Context::BaseBranch => Operand::Var(StrVar::BaseBranch),
                Context::HeadBranch => Operand::Var(StrVar::HeadBranch),
                Context::Ref => Operand::Ref,
                _ => Operand::Other,
            },
            ExprKind::Input(name) => match self.inputs.get(name) {
                Some(InputKind::Text) => Operand::Var(StrVar::Input(name.clone())),
                Some(InputKind::Flag) => Operand::Flag(name.clone()),
                Some(InputKind::Other) | None => Operand::Other,
            },
            ExprKind::Matrix(key) => scope
                .matrix_row
                .and_then(|row| row.iter().find(|(k, _)| k == key))
                .map_or(Operand::Other, |(_, value)| literal_operand(value)),
            ExprKind::List(items) => {
                let texts: Option<Vec<String>> = items
                    .iter()
                    .map(|item| match self.operand(item, scope) {
                        Operand::Text(text) => Some(text),
                        _ => None,
                    })
                    .collect();
                texts.map_or(Operand::Other, Operand::Texts)
            }
            _ => Operand::Other,
        }
    }

    /// `lhs == rhs`.
    fn equality(&mut self, lhs: &Expr, rhs: &Expr, scope: &Scope<'_>) -> Formula {
        if let Some((test, value)) = compared_with_bool(lhs, rhs) {
            let holds = self.condition(test, scope);
            return if value { holds } else { holds.negate() };
        }
        match (self.operand(lhs, scope), self.operand(rhs, scope)) {
            (Operand::Text(a), Operand::Text(b)) => self.fold(
                a == b,
                a.to_lowercase() == b.to_lowercase(),
                || format!("{} == {}", render(lhs), render(rhs)),
                scope,
            ),
            (Operand::Bool(a), Operand::Bool(b)) => Formula::Const(a == b),
            (Operand::Number(a), Operand::Number(b)) => Formula::Const(a == b),
            (Operand::Var(var), Operand::Text(text)) | (Operand::Text(text), Operand::Var(var)) => {
                self.string(var, StrTest::OneOf(vec![text]))
            }
            (Operand::Flag(name), Operand::Bool(value))
            | (Operand::Bool(value), Operand::Flag(name)) => {
                let flag = self.flag(name);
                if value { flag } else { flag.negate() }
            }
            (Operand::Ref, Operand::Text(text)) | (Operand::Text(text), Operand::Ref) => {
                match ref_name(&text) {
                    Some((var, name)) if !name.is_empty() => {
                        self.string(var, StrTest::OneOf(vec![name.to_string()]))
                    }
                    _ => self.opaque_comparison(BinaryOp::Eq, lhs, rhs, scope),
                }
            }
            _ => self.opaque_comparison(BinaryOp::Eq, lhs, rhs, scope),
        }
    }

    /// `<`, `<=`, `>`, `>=`: folded between numbers, opaque otherwise.
    fn ordering(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr, scope: &Scope<'_>) -> Formula {
        match (self.operand(lhs, scope), self.operand(rhs, scope)) {
            (Operand::Number(a), Operand::Number(b)) => Formula::Const(match op {
                BinaryOp::Lt => a < b,
                BinaryOp::Le => a <= b,
                BinaryOp::Gt => a > b,
                _ => a >= b,
            }),
            _ => self.opaque_comparison(op, lhs, rhs, scope),
        }
    }

    fn call(
        &mut self,
        function: Function,
        args: &[Expr],
        expr: &Expr,
        scope: &Scope<'_>,
    ) -> Formula {
        let [first, second] = args else {
            return self.opaque(render(expr), is_run_wide(expr), scope);
        };
        let key = || render(expr);
        match (
            function,
            self.operand(first, scope),
            self.operand(second, scope),
        ) {
            (Function::StartsWith, Operand::Var(var), Operand::Text(text)) => {
                self.string(var, StrTest::Text(Anchoring::Prefix, text))
            }
            (Function::EndsWith, Operand::Var(var), Operand::Text(text)) => {
                self.string(var, StrTest::Text(Anchoring::Suffix, text))
            }
            (Function::Contains, Operand::Var(var), Operand::Text(text)) => {
                self.string(var, StrTest::Text(Anchoring::Substring, text))
            }
            (Function::Contains, Operand::Texts(mut values), Operand::Var(var)) => {
                if values.is_empty() {
                    return Formula::Const(false);
                }
                values.sort();
                values.dedup();
                self.string(var, StrTest::OneOf(values))
            }
            (Function::StartsWith, Operand::Ref, Operand::Text(text)) => match ref_name(&text) {
                Some((var, "")) => self
                    .string(var, StrTest::OneOf(vec![String::new()]))
                    .negate(),
                Some((var, prefix)) => {
                    self.string(var, StrTest::Text(Anchoring::Prefix, prefix.to_string()))
                }
                None => self.opaque(key(), is_run_wide(expr), scope),
            },
            (Function::Matches, Operand::Var(var), Operand::Text(pattern)) => {
                match glob::parse(&pattern) {
                    Ok(glob) => self.string(var, StrTest::Glob(glob)),
                    Err(_) => self.opaque(key(), is_run_wide(expr), scope),
                }
            }
            (Function::StartsWith, Operand::Text(a), Operand::Text(b)) => self.fold(
                a.starts_with(&b),
                a.to_lowercase().starts_with(&b.to_lowercase()),
                key,
                scope,
            ),
            (Function::EndsWith, Operand::Text(a), Operand::Text(b)) => self.fold(
                a.ends_with(&b),
                a.to_lowercase().ends_with(&b.to_lowercase()),
                key,
                scope,
            ),
            (Function::Contains, Operand::Text(a), Operand::Text(b)) => self.fold(
                a.contains(&b),
                a.to_lowercase().contains(&b.to_lowercase()),
                key,
                scope,
            ),
            (Function::Contains, Operand::Texts(values), Operand::Text(item)) => {
                let exact = values.contains(&item);
                let folded = values
                    .iter()
                    .any(|v| v.to_lowercase() == item.to_lowercase());
                self.fold(exact, folded, key, scope)
            }
            (Function::Matches, Operand::Text(text), Operand::Text(pattern)) => {
                match glob::parse(&pattern) {
                    Ok(glob) if glob.is_case_neutral() => self.fold(
                        glob.matches(&text),
                        glob.matches(&text.to_lowercase()),
                        key,
                        scope,
                    ),
                    _ => self.opaque(key(), true, scope),
                }
            }
            _ => self.opaque(key(), is_run_wide(expr), scope),
        }
    }

    /// A value used as a condition: true when it is truthy.
    fn truthy(&mut self, expr: &Expr, scope: &Scope<'_>) -> Formula {
        match self.operand(expr, scope) {
            Operand::Text(text) => Formula::Const(!text.is_empty()),
            Operand::Bool(value) => Formula::Const(value),
            Operand::Number(value) => Formula::Const(value != 0.0 && !value.is_nan()),
            Operand::Var(var) => self
                .string(var, StrTest::OneOf(vec![String::new()]))
                .negate(),
            Operand::Flag(name) => self.flag(name),
            Operand::Texts(_) | Operand::Ref | Operand::Other => {
                self.opaque(render(expr), is_run_wide(expr), scope)
            }
        }
    }

    /// A comparison between literals: its value when case does not change it, else an
    /// opaque fact (the targets disagree about it).
    fn fold(
        &mut self,
        exact: bool,
        ignoring_case: bool,
        key: impl FnOnce() -> String,
        scope: &Scope<'_>,
    ) -> Formula {
        if exact == ignoring_case {
            Formula::Const(exact)
        } else {
            self.opaque(key(), true, scope)
        }
    }

    /// An opaque comparison, keyed as `lhs == rhs` for both `==` and `!=` so that
    /// `x == "a" && x != "a"` is recognised as a contradiction.
    fn opaque_comparison(
        &mut self,
        op: BinaryOp,
        lhs: &Expr,
        rhs: &Expr,
        scope: &Scope<'_>,
    ) -> Formula {
        let key = format!("{} {} {}", render(lhs), op.symbol(), render(rhs));
        self.opaque(key, is_run_wide(lhs) && is_run_wide(rhs), scope)
    }

    fn opaque(&mut self, key: String, run_wide: bool, scope: &Scope<'_>) -> Formula {
        let key = if run_wide {
            key
        } else {
            format!("{}: {key}", scope.name)
        };
        Formula::atom(self.atoms.intern(Atom::Opaque(key)))
    }

    fn string(&mut self, var: StrVar, test: StrTest) -> Formula {
        Formula::atom(self.atoms.intern(Atom::Str(var, test)))
    }

    fn flag(&mut self, name: String) -> Formula {
        Formula::Lit(Lit {
            atom: self.atoms.intern(Atom::Flag(name)),
            positive: true,
        })
    }
}

/// A test compared with `true` or `false` (`contains(x, "a") == false`): the test, and
/// the literal. Only expressions whose value is a real boolean qualify (`&&` and `||`
/// yield one of their operands, not a boolean).
fn compared_with_bool<'e>(lhs: &'e Expr, rhs: &'e Expr) -> Option<(&'e Expr, bool)> {
    let is_test = |e: &Expr| {
        matches!(
            e.kind,
            ExprKind::Call { .. }
                | ExprKind::Not(_)
                | ExprKind::Status(_)
                | ExprKind::Binary {
                    op: BinaryOp::Eq
                        | BinaryOp::Ne
                        | BinaryOp::Lt
                        | BinaryOp::Le
                        | BinaryOp::Gt
                        | BinaryOp::Ge,
                    ..
                }
        )
    };
    match (&lhs.kind, &rhs.kind) {
        (ExprKind::Literal(Literal::Bool(value)), _) if is_test(rhs) => Some((rhs, *value)),
        (_, ExprKind::Literal(Literal::Bool(value))) if is_test(lhs) => Some((lhs, *value)),
        _ => None,
    }
}

fn literal_operand(literal: &Literal) -> Operand {
    match literal {
        Literal::String(text) => Operand::Text(text.clone()),
        Literal::Bool(value) => Operand::Bool(*value),
        Literal::Number(number) => number.parse().map_or(Operand::Other, Operand::Number),
        Literal::Duration(_) | Literal::Percent(_) => Operand::Other,
    }
}

/// `refs/heads/x` is the branch `x`, `refs/tags/x` the tag `x`.
fn ref_name(text: &str) -> Option<(StrVar, &str)> {
    if let Some(name) = text.strip_prefix("refs/heads/") {
        Some((StrVar::Branch, name))
    } else {
        text.strip_prefix("refs/tags/")
            .map(|name| (StrVar::Tag, name))
    }
}

/// Whether the value is the same for every job and step of one run (contexts of the run,
/// inputs, secrets, variables, other jobs' outputs and results), so that equal text means
/// an equal fact wherever it is written.
fn is_run_wide(expr: &Expr) -> bool {
    let mut run_wide = true;
    expr.walk(&mut |e| {
        run_wide &= match &e.kind {
            ExprKind::Context(context) => {
                !matches!(context, Context::JobStatus | Context::Workspace)
            }
            ExprKind::Matrix(_)
            | ExprKind::Env(_)
            | ExprKind::StepOutput { .. }
            | ExprKind::StepOutcome { .. }
            | ExprKind::Raw(_)
            | ExprKind::Status(_) => false,
            ExprKind::Invalid => false,
            _ => true,
        };
    });
    run_wide
}

/// The canonical text of an expression: equal for equal expressions wherever they are
/// written, and readable in messages.
pub(super) fn render(expr: &Expr) -> String {
    let mut out = String::new();
    render_into(expr, &mut out);
    out
}

fn render_into(expr: &Expr, out: &mut String) {
    match &expr.kind {
        ExprKind::Literal(literal) => render_literal(literal, out),
        ExprKind::Template(template) => {
            out.push('"');
            for part in &template.parts {
                match part {
                    ir::TemplatePart::Text(text) => out.push_str(&text.escape_debug().to_string()),
                    ir::TemplatePart::Expr(inner) => {
                        out.push_str("${{ ");
                        render_into(inner, out);
                        out.push_str(" }}");
                    }
                }
            }
            out.push('"');
        }
        ExprKind::Context(context) => out.push_str(context.name()),
        ExprKind::Matrix(key) => out.push_str(&format!("matrix.{key}")),
        ExprKind::Input(name) => out.push_str(&format!("inputs.{name}")),
        ExprKind::Secret(name) => out.push_str(&format!("secrets.{name}")),
        ExprKind::Var(name) => out.push_str(&format!("vars.{name}")),
        ExprKind::Env(name) => out.push_str(&format!("env.{name}")),
        ExprKind::JobOutput { job, output } => {
            out.push_str(&format!("needs.{job}.outputs.{output}"))
        }
        ExprKind::JobResult { job } => out.push_str(&format!("needs.{job}.result")),
        ExprKind::StepOutput { step, output } => {
            out.push_str(&format!("steps.{step}.outputs.{output}"))
        }
        ExprKind::StepOutcome { step } => out.push_str(&format!("steps.{step}.outcome")),
        ExprKind::Raw(raw) => out.push_str(&format!("`{raw}`")),
        ExprKind::Status(status) => out.push_str(&format!("{}()", status.name())),
        ExprKind::Call { function, args } => {
            out.push_str(function.name());
            out.push('(');
            render_list(args, out);
            out.push(')');
        }
        ExprKind::Not(inner) => {
            out.push_str("!(");
            render_into(inner, out);
            out.push(')');
        }
        ExprKind::Binary { op, lhs, rhs } => {
            out.push('(');
            render_into(lhs, out);
            out.push_str(&format!(" {} ", op.symbol()));
            render_into(rhs, out);
            out.push(')');
        }
        ExprKind::List(items) => {
            out.push('[');
            render_list(items, out);
            out.push(']');
        }
        // Each invalid expression is its own unknown fact.
        ExprKind::Invalid => out.push_str(&format!("<invalid {:?}>", expr.span)),
    }
}

fn render_list(items: &[Expr], out: &mut String) {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        render_into(item, out);
    }
}

fn render_literal(literal: &Literal, out: &mut String) {
    match literal {
        Literal::String(text) => out.push_str(&format!("{text:?}")),
        Literal::Bool(value) => out.push_str(&value.to_string()),
        Literal::Number(number) => out.push_str(number),
        Literal::Duration(seconds) => out.push_str(&format!("{seconds}s")),
        Literal::Percent(percent) => out.push_str(&format!("{percent}%")),
    }
}

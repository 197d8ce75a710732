//! GitHub's meaning of a plan [`Cond`], for a runner that decides conditions itself
//! (`pipec run`): text compares ignoring case, `<` and friends compare numbers, a value is
//! truthy by its type, `matches` is a GitHub filter glob. The launcher scripts test the same
//! conditions in `sh`; `tests/shell_conditions.rs` holds both, and GitHub's own expression
//! for the same condition, to one table of contexts.

use pipec_compiler::glob;
use pipec_compiler::ir::{BinaryOp, Function, StatusFunction, Type};

use super::{Cond, Operand, Val};

/// What a condition reads: values, and the status of the jobs upstream. `None` is "not
/// known yet" (a job output before the job ran); the condition is then undecided unless
/// the known parts decide it.
pub trait Context {
    fn value(&self, val: &Val) -> Option<String>;
    fn status(&self, function: StatusFunction) -> Option<bool>;
}

/// The condition's value, `None` when it depends on something not known yet.
pub fn eval(cond: &Cond, context: &dyn Context) -> Option<bool> {
    match cond {
        Cond::Const(value) => Some(*value),
        Cond::And(items) => {
            let mut known = true;
            for item in items {
                match eval(item, context) {
                    Some(false) => return Some(false),
                    Some(true) => {}
                    None => known = false,
                }
            }
            known.then_some(true)
        }
        Cond::Or(items) => {
            let mut known = true;
            for item in items {
                match eval(item, context) {
                    Some(true) => return Some(true),
                    Some(false) => {}
                    None => known = false,
                }
            }
            known.then_some(false)
        }
        Cond::Not(inner) => eval(inner, context).map(|value| !value),
        Cond::Status(function) => context.status(*function),
        Cond::Compare { op, lhs, rhs } => {
            let (lhs, rhs) = (text(lhs, context)?, text(rhs, context)?);
            Some(match op {
                BinaryOp::Eq => equal(&lhs, &rhs),
                BinaryOp::Ne => !equal(&lhs, &rhs),
                op => compare_numbers(*op, &lhs, &rhs),
            })
        }
        Cond::Truthy(operand) => {
            let value = text(operand, context)?;
            Some(match operand {
                Operand::Value { ty: Type::Bool, .. } => equal(&value, "true"),
                Operand::Value {
                    ty: Type::Number, ..
                } => number(&value).is_some_and(|n| n != 0.0),
                _ => !value.is_empty(),
            })
        }
        Cond::Call { function, args } => call(*function, args, context),
    }
}

fn call(function: Function, args: &[Operand], context: &dyn Context) -> Option<bool> {
    match (function, args) {
        (Function::Contains, [Operand::List(items), needle]) => {
            let needle = text(needle, context)?;
            let mut known = true;
            for item in items {
                match text(item, context) {
                    Some(item) if equal(&item, &needle) => return Some(true),
                    Some(_) => {}
                    None => known = false,
                }
            }
            known.then_some(false)
        }
        (Function::Matches, [subject, pattern]) => {
            let (subject, pattern) = (text(subject, context)?, text(pattern, context)?);
            Some(glob::parse(&pattern).is_ok_and(|glob| glob.matches(&subject)))
        }
        (function, [a, b]) => {
            let (a, b) = (
                text(a, context)?.to_lowercase(),
                text(b, context)?.to_lowercase(),
            );
            Some(match function {
                Function::StartsWith => a.starts_with(&b),
                Function::EndsWith => a.ends_with(&b),
                Function::Contains | Function::Matches => a.contains(&b),
            })
        }
        _ => Some(false),
    }
}

fn text(operand: &Operand, context: &dyn Context) -> Option<String> {
    match operand {
        Operand::Value { val, .. } => context.value(val),
        // A list is no value of its own: as text it is empty, as the launcher has it.
        Operand::List(_) => Some(String::new()),
    }
}

/// GitHub's `==` on text: ignoring case.
fn equal(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// GitHub converts text to a number for `<` and friends: empty is 0, anything that is not
/// a number is NaN, which compares false.
fn compare_numbers(op: BinaryOp, a: &str, b: &str) -> bool {
    let (Some(a), Some(b)) = (number(a), number(b)) else {
        return false;
    };
    match op {
        BinaryOp::Lt => a < b,
        BinaryOp::Le => a <= b,
        BinaryOp::Gt => a > b,
        BinaryOp::Ge => a >= b,
        BinaryOp::Eq => a == b,
        BinaryOp::Ne => a != b,
        BinaryOp::And | BinaryOp::Or => false,
    }
}

fn number(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return Some(0.0);
    }
    text.parse::<f64>().ok().filter(|n| !n.is_nan())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Piece;

    struct Values;

    impl Context for Values {
        fn value(&self, val: &Val) -> Option<String> {
            match val {
                Val::Pieces(pieces) => pieces
                    .iter()
                    .map(|piece| match piece {
                        Piece::Text(text) => Some(text.clone()),
                        Piece::Ref(_) | Piece::Var(_) => None,
                    })
                    .collect(),
                _ => None,
            }
        }

        fn status(&self, function: StatusFunction) -> Option<bool> {
            Some(function == StatusFunction::Success)
        }
    }

    fn text_operand(text: &str) -> Operand {
        Operand::Value {
            val: Val::Pieces(vec![Piece::Text(text.into())]),
            ty: Type::String,
        }
    }

    fn unknown() -> Operand {
        Operand::Value {
            val: Val::Env("UNSET".into()),
            ty: Type::String,
        }
    }

    fn compare(op: BinaryOp, a: Operand, b: Operand) -> Cond {
        Cond::Compare { op, lhs: a, rhs: b }
    }

    #[test]
    fn text_compares_ignoring_case_and_numbers_as_numbers() {
        let eq = compare(BinaryOp::Eq, text_operand("Main"), text_operand("main"));
        assert_eq!(eval(&eq, &Values), Some(true));
        let lt = compare(BinaryOp::Lt, text_operand("9"), text_operand("10"));
        assert_eq!(eval(&lt, &Values), Some(true));
        let nan = compare(BinaryOp::Lt, text_operand("a"), text_operand("10"));
        assert_eq!(eval(&nan, &Values), Some(false));
    }

    #[test]
    fn unknown_values_leave_a_condition_undecided_unless_the_rest_decides_it() {
        let undecided = compare(BinaryOp::Eq, unknown(), text_operand("x"));
        assert_eq!(eval(&undecided, &Values), None);
        let decided = Cond::And(vec![undecided.clone(), Cond::Const(false)]);
        assert_eq!(eval(&decided, &Values), Some(false));
        let either = Cond::Or(vec![undecided, Cond::Const(true)]);
        assert_eq!(eval(&either, &Values), Some(true));
    }

    #[test]
    fn matches_is_a_github_filter_glob() {
        let glob = |subject: &str, pattern: &str| {
            eval(
                &Cond::Call {
                    function: Function::Matches,
                    args: vec![text_operand(subject), text_operand(pattern)],
                },
                &Values,
            )
        };
        assert_eq!(glob("release/1.2", "release/*"), Some(true));
        assert_eq!(glob("release/1/2", "release/*"), Some(false));
        assert_eq!(glob("release/1/2", "release/**"), Some(true));
    }
}

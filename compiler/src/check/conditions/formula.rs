//! Propositional formulas over interned atoms, and their disjunctive normal form.
//!
//! An atom is one fact the checker can decide or must leave open: a constraint on one
//! string variable (`branch == "main"`, `startsWith(tag, "v")`), a boolean input, or an
//! opaque fact identified by a canonical key. Formulas are kept in negation normal form:
//! negation lives only on literals ([`Lit`]), so [`Formula::negate`] pushes it inwards.
//!
//! Invariants: equal atoms get equal ids (the [`Atoms`] table interns them), and every
//! conjunct of a DNF is sorted, free of duplicates and free of an atom together with its
//! negation.

use std::collections::HashMap;

use crate::glob::{Anchoring, Glob};

pub(super) type AtomId = u32;

/// A string-valued variable whose value is shared by every job of one run.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum StrVar {
    Event,
    Branch,
    Tag,
    BaseBranch,
    HeadBranch,
    /// A string, choice or environment input of the pipeline.
    Input(String),
}

/// A regular property of a string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum StrTest {
    /// The string is one of these values (sorted, without duplicates). `x == "a"` is the
    /// one-value case; `contains(["a", "b"], x)` the general one.
    OneOf(Vec<String>),
    /// The string starts with, ends with or contains the text.
    Text(Anchoring, String),
    /// The string matches the glob (`matches(x, "glob")`, which targets compare like
    /// other text tests).
    Glob(Glob),
    /// A trigger filter's glob matches the string. GitHub may match filters exactly while
    /// it compares text ignoring case, so the case-insensitive check treats these apart.
    Filter(Glob),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Atom {
    Str(StrVar, StrTest),
    /// A boolean input (`inputs.dry_run`).
    Flag(String),
    /// A fact the checker does not see into; equal keys mean the same fact.
    Opaque(String),
}

/// Interns atoms, so that a formula compares and hashes cheaply, and numbers the string
/// variables they constrain, so that the solver can index by variable.
#[derive(Debug, Default)]
pub(super) struct Atoms {
    list: Vec<Atom>,
    ids: HashMap<Atom, AtomId>,
    /// The number of the variable each atom constrains, if it is a string atom.
    variable_of: Vec<Option<u32>>,
    variable_ids: HashMap<StrVar, u32>,
}

impl Atoms {
    pub(super) fn intern(&mut self, atom: Atom) -> AtomId {
        if let Some(&id) = self.ids.get(&atom) {
            return id;
        }
        let id = AtomId::try_from(self.list.len()).unwrap_or(AtomId::MAX);
        let variable = match &atom {
            Atom::Str(var, _) => {
                let next = u32::try_from(self.variable_ids.len()).unwrap_or(u32::MAX);
                Some(*self.variable_ids.entry(var.clone()).or_insert(next))
            }
            Atom::Flag(_) | Atom::Opaque(_) => None,
        };
        self.variable_of.push(variable);
        self.list.push(atom.clone());
        self.ids.insert(atom, id);
        id
    }

    pub(super) fn get(&self, id: AtomId) -> Option<&Atom> {
        self.list.get(id as usize)
    }

    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    /// The number of the string variable an atom constrains, below [`Atoms::variables`].
    pub(super) fn variable_of(&self, id: AtomId) -> Option<u32> {
        self.variable_of.get(id as usize).copied().flatten()
    }

    /// How many string variables the atoms constrain.
    pub(super) fn variables(&self) -> usize {
        self.variable_ids.len()
    }
}

/// An atom or its negation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Lit {
    pub(super) atom: AtomId,
    pub(super) positive: bool,
}

/// A conjunction of literals: sorted, no duplicates, no complementary pair.
pub(super) type Conjunct = Vec<Lit>;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Formula {
    Const(bool),
    Lit(Lit),
    And(Vec<Formula>),
    Or(Vec<Formula>),
}

impl Formula {
    pub(super) fn atom(atom: AtomId) -> Formula {
        Formula::Lit(Lit {
            atom,
            positive: true,
        })
    }

    /// The conjunction, flattened and with constants folded away.
    pub(super) fn and(parts: impl IntoIterator<Item = Formula>) -> Formula {
        Formula::junction(parts, true)
    }

    /// The disjunction, flattened and with constants folded away.
    pub(super) fn or(parts: impl IntoIterator<Item = Formula>) -> Formula {
        Formula::junction(parts, false)
    }

    /// `and` when `conjunction`, else `or`: the neutral constant disappears, the absorbing
    /// one absorbs everything.
    fn junction(parts: impl IntoIterator<Item = Formula>, conjunction: bool) -> Formula {
        let mut flat = Vec::new();
        for part in parts {
            match part {
                Formula::Const(value) if value == conjunction => {}
                Formula::Const(_) => return Formula::Const(!conjunction),
                Formula::And(inner) if conjunction => flat.extend(inner),
                Formula::Or(inner) if !conjunction => flat.extend(inner),
                other => flat.push(other),
            }
        }
        match flat.len() {
            0 => Formula::Const(conjunction),
            1 => flat.pop().unwrap_or(Formula::Const(conjunction)),
            _ if conjunction => Formula::And(flat),
            _ => Formula::Or(flat),
        }
    }

    /// The negation, in negation normal form (De Morgan).
    pub(super) fn negate(self) -> Formula {
        match self {
            Formula::Const(value) => Formula::Const(!value),
            Formula::Lit(lit) => Formula::Lit(Lit {
                positive: !lit.positive,
                ..lit
            }),
            Formula::And(parts) => Formula::or(parts.into_iter().map(Formula::negate)),
            Formula::Or(parts) => Formula::and(parts.into_iter().map(Formula::negate)),
        }
    }

    /// The value of a formula that is a constant.
    pub(super) fn is_const(&self) -> Option<bool> {
        match self {
            Formula::Const(value) => Some(*value),
            _ => None,
        }
    }

    /// The disjunctive normal form: a list of conjuncts, none of them trivially
    /// contradictory. `None` when it would have more than `cap` conjuncts.
    pub(super) fn to_dnf(&self, cap: usize) -> Option<Vec<Conjunct>> {
        let dnf = match self {
            Formula::Const(true) => vec![Vec::new()],
            Formula::Const(false) => Vec::new(),
            Formula::Lit(lit) => vec![vec![*lit]],
            Formula::Or(parts) => {
                let mut all = Vec::new();
                for part in parts {
                    all.extend(part.to_dnf(cap)?);
                    if all.len() > cap {
                        return None;
                    }
                }
                all
            }
            Formula::And(parts) => {
                let mut product: Vec<Conjunct> = vec![Vec::new()];
                for part in parts {
                    let factor = part.to_dnf(cap)?;
                    let mut next = Vec::new();
                    for left in &product {
                        for right in &factor {
                            if let Some(merged) = merge(left, right) {
                                next.push(merged);
                            }
                        }
                        if next.len() > cap {
                            return None;
                        }
                    }
                    product = next;
                }
                product
            }
        };
        let mut dnf = dnf;
        dnf.sort();
        dnf.dedup();
        Some(dnf)
    }
}

/// The union of two conjuncts, or `None` when it holds an atom and its negation.
pub(super) fn merge(left: &[Lit], right: &[Lit]) -> Option<Conjunct> {
    let mut merged: Conjunct = left.iter().chain(right).copied().collect();
    merged.sort_unstable();
    merged.dedup();
    // Sorting puts the two literals of one atom next to each other.
    if merged
        .windows(2)
        .any(|pair| matches!(pair, [a, b] if a.atom == b.atom))
    {
        return None;
    }
    Some(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(atom: AtomId, positive: bool) -> Formula {
        Formula::Lit(Lit { atom, positive })
    }

    #[test]
    fn constants_fold_and_junctions_flatten() {
        assert_eq!(
            Formula::and([Formula::Const(true), lit(0, true)]),
            lit(0, true)
        );
        assert_eq!(
            Formula::and([Formula::Const(false), lit(0, true)]),
            Formula::Const(false)
        );
        assert_eq!(
            Formula::or([Formula::Const(true), lit(0, true)]),
            Formula::Const(true)
        );
        assert_eq!(
            Formula::and([Formula::and([lit(0, true), lit(1, true)]), lit(2, true)]),
            Formula::And(vec![lit(0, true), lit(1, true), lit(2, true)])
        );
    }

    #[test]
    fn negation_follows_de_morgan() {
        let formula = Formula::or([lit(0, true), Formula::and([lit(1, true), lit(2, false)])]);
        let expected = Formula::and([lit(0, false), Formula::or([lit(1, false), lit(2, true)])]);
        assert_eq!(formula.negate(), expected);
    }

    #[test]
    fn dnf_drops_contradictions_and_respects_the_cap() {
        // (a || b) && !a  ==>  b && !a
        let formula = Formula::and([Formula::or([lit(0, true), lit(1, true)]), lit(0, false)]);
        let dnf = formula.to_dnf(16);
        assert_eq!(
            dnf,
            Some(vec![vec![
                Lit {
                    atom: 0,
                    positive: false
                },
                Lit {
                    atom: 1,
                    positive: true
                }
            ]])
        );
        // (a0 || b0) && ... && (a5 || b5) has 64 conjuncts.
        let wide =
            Formula::and((0..6).map(|i| Formula::or([lit(2 * i, true), lit(2 * i + 1, true)])));
        assert_eq!(wide.to_dnf(64).map(|d| d.len()), Some(64));
        assert_eq!(wide.to_dnf(63), None);
    }
}

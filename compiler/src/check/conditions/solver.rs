//! Satisfiability of a conjunction of pieces, each piece a formula in DNF.
//!
//! The search picks one conjunct from every piece (depth first, smallest pieces first),
//! keeps the chosen literals consistent (never an atom and its negation) and, whenever a
//! string variable gains a constraint, checks it: against the value known to satisfy the
//! variable's earlier constraints when there is one (cheap), else by deciding all of them
//! with [`strings::decide`]. Boolean inputs and opaque atoms are free booleans, so the only
//! conflicts they cause are direct contradictions. Pieces with a single conjunct are
//! merged up front, which keeps long chains of simple conditions linear.
//!
//! The search can start from literals already known to hold together (the satisfying
//! choice found for a job's parent), so that checking a long chain of jobs costs one
//! extension per job rather than one search over the whole chain.
//!
//! The search is bounded: past a budget of chosen conjuncts it answers
//! [`Verdict::Unknown`], which callers treat like "satisfiable" (no diagnostic).
//! Per-variable verdicts are memoised for the whole pipeline.

use std::collections::HashMap;
use std::rc::Rc;

use super::formula::{Atom, Atoms, Conjunct, Lit, StrTest};
use super::strings::{self, Decision};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    Sat,
    Unsat,
    /// The search gave up; nothing is known.
    Unknown,
}

/// A verdict, and when satisfiable, the literals chosen (which hold together and satisfy
/// every piece).
#[derive(Debug)]
pub(super) struct Outcome {
    pub(super) verdict: Verdict,
    pub(super) witness: Vec<Lit>,
}

#[derive(Debug, Default)]
pub(super) struct Solver {
    /// Decisions for the sorted literals of one string variable.
    string_decisions: HashMap<Vec<Lit>, Decision>,
}

/// A literal on a string variable, with a value satisfying it and every literal on the
/// same variable before it (`None` when none is known).
struct Constraint {
    lit: Lit,
    witness: Option<Rc<str>>,
}

/// The state of one search: the literals chosen so far.
struct Search<'a> {
    atoms: &'a Atoms,
    /// The value chosen for each atom, by atom id.
    assignment: Vec<Option<bool>>,
    /// Chosen literals in order, to undo them on backtracking.
    trail: Vec<Lit>,
    /// The chosen literals on each string variable, by variable number, in the order
    /// chosen.
    by_variable: Vec<Vec<Constraint>>,
    /// Conjuncts tried so far.
    steps: usize,
    budget: usize,
}

impl Solver {
    /// How many conjuncts a full search may try.
    pub(super) const BUDGET: usize = 4096;

    /// Whether `base` and one conjunct of every piece can hold together. An inconsistent
    /// `base` makes the answer `Unsat` without saying anything about the pieces.
    pub(super) fn satisfiable(
        &mut self,
        atoms: &Atoms,
        base: &[Lit],
        pieces: &[&[Conjunct]],
        budget: usize,
    ) -> Outcome {
        let unsat = Outcome {
            verdict: Verdict::Unsat,
            witness: Vec::new(),
        };
        let mut search = Search {
            atoms,
            assignment: vec![None; atoms.len()],
            trail: Vec::new(),
            by_variable: (0..atoms.variables()).map(|_| Vec::new()).collect(),
            steps: 0,
            budget,
        };
        if !search.assume(self, base) {
            return unsat;
        }
        let mut choices: Vec<&[Conjunct]> = Vec::new();
        for piece in pieces {
            match piece {
                [] => return unsat,
                [only] => {
                    if !search.assume(self, only) {
                        return unsat;
                    }
                }
                _ => choices.push(piece),
            }
        }
        choices.sort_by_key(|piece| piece.len());
        let verdict = search.choose(self, &choices);
        let witness = if verdict == Verdict::Sat {
            search.trail
        } else {
            Vec::new()
        };
        Outcome { verdict, witness }
    }

    fn decide_variable(&mut self, atoms: &Atoms, literals: &[Lit]) -> Decision {
        let mut key = literals.to_vec();
        key.sort_unstable();
        if let Some(decision) = self.string_decisions.get(&key) {
            return decision.clone();
        }
        let tests: Vec<(&StrTest, bool)> = key
            .iter()
            .filter_map(|lit| match atoms.get(lit.atom) {
                Some(Atom::Str(_, test)) => Some((test, lit.positive)),
                _ => None,
            })
            .collect();
        let decision = strings::decide(&tests);
        self.string_decisions.insert(key, decision.clone());
        decision
    }
}

impl<'a> Search<'a> {
    /// Tries every conjunct of the first remaining piece, then the rest.
    fn choose(&mut self, solver: &mut Solver, pieces: &[&[Conjunct]]) -> Verdict {
        let Some((first, rest)) = pieces.split_first() else {
            return Verdict::Sat;
        };
        let mut gave_up = false;
        for conjunct in *first {
            self.steps += 1;
            if self.steps > self.budget {
                return Verdict::Unknown;
            }
            let mark = self.trail.len();
            if self.assume(solver, conjunct) {
                match self.choose(solver, rest) {
                    Verdict::Sat => return Verdict::Sat,
                    Verdict::Unknown if self.steps > self.budget => return Verdict::Unknown,
                    Verdict::Unknown => gave_up = true,
                    Verdict::Unsat => {}
                }
            }
            self.undo(mark);
        }
        if gave_up {
            Verdict::Unknown
        } else {
            Verdict::Unsat
        }
    }

    /// Adds the literals of a conjunct; `false` when they contradict what is chosen.
    /// On `false` the caller undoes the partial additions.
    fn assume(&mut self, solver: &mut Solver, conjunct: &[Lit]) -> bool {
        for &lit in conjunct {
            let Some(slot) = self.assignment.get_mut(lit.atom as usize) else {
                continue;
            };
            match *slot {
                Some(value) if value != lit.positive => return false,
                Some(_) => continue,
                None => *slot = Some(lit.positive),
            }
            self.trail.push(lit);
            if let Some(Atom::Str(_, test)) = self.atoms.get(lit.atom)
                && !self.constrain(solver, test, lit)
            {
                return false;
            }
        }
        true
    }

    /// Adds a literal on a string variable; `false` when the variable's literals can no
    /// longer hold together. An unknown verdict cannot refute anything.
    fn constrain(&mut self, solver: &mut Solver, test: &StrTest, lit: Lit) -> bool {
        let Some(constraints) = self
            .atoms
            .variable_of(lit.atom)
            .and_then(|v| self.by_variable.get_mut(v as usize))
        else {
            return true;
        };
        let known: Option<Rc<str>> = match constraints.last() {
            None => Some(Rc::from("")),
            Some(last) => last.witness.clone(),
        };
        if let Some(value) = known
            && strings::holds(test, &value) == lit.positive
        {
            constraints.push(Constraint {
                lit,
                witness: Some(value),
            });
            return true;
        }
        let literals: Vec<Lit> = constraints.iter().map(|c| c.lit).chain([lit]).collect();
        let decision = solver.decide_variable(self.atoms, &literals);
        constraints.push(Constraint {
            lit,
            witness: decision.witness.as_deref().map(Rc::from),
        });
        decision.verdict != Verdict::Unsat
    }

    fn undo(&mut self, mark: usize) {
        while self.trail.len() > mark {
            let Some(lit) = self.trail.pop() else { break };
            if let Some(slot) = self.assignment.get_mut(lit.atom as usize) {
                *slot = None;
            }
            if let Some(constraints) = self
                .atoms
                .variable_of(lit.atom)
                .and_then(|v| self.by_variable.get_mut(v as usize))
            {
                constraints.pop();
            }
        }
    }
}

/// A minimal subset of `items` that is still unsatisfiable, by QuickXplain (Junker,
/// 2004): it needs a number of checks logarithmic in the number of items for a small
/// core, and prefers items that come first. `unsatisfiable(items)` must hold on entry;
/// no item can be removed from the result without making it satisfiable.
pub(super) fn minimal_core<T: Copy + PartialEq>(
    items: &[T],
    unsatisfiable: &mut dyn FnMut(&[T]) -> bool,
) -> Vec<T> {
    if items.is_empty() || unsatisfiable(&[]) {
        return Vec::new();
    }
    explain(&[], false, items, unsatisfiable)
}

/// The core of `items` given `background`, which is satisfiable on its own unless
/// `background_changed` and a check says otherwise.
fn explain<T: Copy + PartialEq>(
    background: &[T],
    background_changed: bool,
    items: &[T],
    unsatisfiable: &mut dyn FnMut(&[T]) -> bool,
) -> Vec<T> {
    if background_changed && unsatisfiable(background) {
        return Vec::new();
    }
    if let [single] = items {
        return vec![*single];
    }
    let (first, second) = items.split_at(items.len() / 2);
    let with_first: Vec<T> = background.iter().chain(first).copied().collect();
    let core_second = explain(&with_first, !first.is_empty(), second, unsatisfiable);
    let with_core_second: Vec<T> = background.iter().chain(&core_second).copied().collect();
    let core_first = explain(
        &with_core_second,
        !core_second.is_empty(),
        first,
        unsatisfiable,
    );
    core_first.into_iter().chain(core_second).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::conditions::formula::{Formula, StrTest, StrVar};

    fn branch_is(atoms: &mut Atoms, value: &str) -> Formula {
        Formula::atom(atoms.intern(Atom::Str(
            StrVar::Branch,
            StrTest::OneOf(vec![value.to_string()]),
        )))
    }

    fn opaque(atoms: &mut Atoms, key: &str) -> Formula {
        Formula::atom(atoms.intern(Atom::Opaque(key.to_string())))
    }

    fn solve(atoms: &Atoms, formulas: &[Formula], budget: usize) -> Verdict {
        let dnfs: Vec<Vec<Conjunct>> = formulas.iter().map(|f| f.to_dnf(4096).unwrap()).collect();
        let pieces: Vec<&[Conjunct]> = dnfs.iter().map(Vec::as_slice).collect();
        Solver::default()
            .satisfiable(atoms, &[], &pieces, budget)
            .verdict
    }

    #[test]
    fn theory_conflicts_across_pieces() {
        let mut atoms = Atoms::default();
        let main = branch_is(&mut atoms, "main");
        let develop = branch_is(&mut atoms, "develop");
        let x = opaque(&mut atoms, "x");
        let either = Formula::or([main.clone(), develop.clone()]);
        assert_eq!(
            solve(&atoms, &[either.clone(), main.clone()], 100),
            Verdict::Sat
        );
        assert_eq!(
            solve(&atoms, &[main.clone(), develop.clone()], 100),
            Verdict::Unsat
        );
        let guarded = Formula::or([
            Formula::and([main.clone(), x.clone()]),
            Formula::and([develop.clone(), x.clone().negate()]),
        ]);
        assert_eq!(
            solve(&atoms, &[guarded.clone(), x.clone(), develop.clone()], 100),
            Verdict::Unsat
        );
        assert_eq!(solve(&atoms, &[guarded, x], 100), Verdict::Sat);
    }

    #[test]
    fn the_budget_gives_up_silently() {
        // Eight free choices before a conflict that only the last two pieces reveal: the
        // search must try every combination of the first pieces to refute it.
        let mut atoms = Atoms::default();
        let mut formulas: Vec<Formula> = (0..8)
            .map(|i| {
                Formula::or([
                    opaque(&mut atoms, &format!("a{i}")),
                    opaque(&mut atoms, &format!("b{i}")),
                ])
            })
            .collect();
        formulas.push(Formula::or([
            branch_is(&mut atoms, "p"),
            branch_is(&mut atoms, "q"),
        ]));
        formulas.push(Formula::or([
            branch_is(&mut atoms, "r"),
            branch_is(&mut atoms, "s"),
        ]));
        assert_eq!(solve(&atoms, &formulas, 100_000), Verdict::Unsat);
        assert_eq!(solve(&atoms, &formulas, 10), Verdict::Unknown);
    }

    #[test]
    fn minimal_core_keeps_only_what_conflicts() {
        let conflict = |items: &[u32]| items.contains(&2) && items.contains(&5);
        assert_eq!(
            minimal_core(&[1, 2, 3, 5, 8], &mut |items| conflict(items)),
            vec![2, 5]
        );
        // With two cores, the one made of earlier items is preferred.
        let either =
            |items: &[u32]| (items.contains(&1) && items.contains(&3)) || items.contains(&8);
        assert_eq!(
            minimal_core(&[1, 2, 3, 5, 8], &mut |items| either(items)),
            vec![1, 3]
        );
        let many: Vec<u32> = (0..1000).collect();
        let mut checks = 0;
        let core = minimal_core(&many, &mut |items| {
            checks += 1;
            items.contains(&17) && items.contains(&980)
        });
        assert_eq!(core, vec![17, 980]);
        assert!(checks < 60, "{checks} checks");
    }

    #[test]
    fn a_search_can_start_from_known_literals() {
        let mut atoms = Atoms::default();
        let main = branch_is(&mut atoms, "main");
        let base = main.to_dnf(4).unwrap().remove(0);
        let develop = branch_is(&mut atoms, "develop").to_dnf(4).unwrap();
        let mut solver = Solver::default();
        assert_eq!(
            solver.satisfiable(&atoms, &base, &[&develop], 10).verdict,
            Verdict::Unsat
        );
        let either = Formula::or([main, branch_is(&mut atoms, "develop")])
            .to_dnf(4)
            .unwrap();
        let outcome = solver.satisfiable(&atoms, &base, &[&either], 10);
        assert_eq!((outcome.verdict, outcome.witness), (Verdict::Sat, base));
    }
}

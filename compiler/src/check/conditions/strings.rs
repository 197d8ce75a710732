//! Deciding whether constraints on one string variable can hold together.
//!
//! Every constraint is a regular language: one of a few values, a prefix, a suffix, a
//! substring or a glob, or the complement of one of those. When some constraint lists the
//! possible values, the candidates are tested one by one. Otherwise the constraints become
//! automata ([`crate::glob::Nfa`]; all excluded values together make one) and their
//! product is explored breadth-first, one
//! symbol per class of characters that every automaton treats alike, until a state that
//! all of them accept is found (satisfiable) or none is left (unsatisfiable).
//!
//! GitHub compares strings without regard to case, other targets may not, and trigger
//! filters may be matched exactly even where comparisons ignore case. A verdict of
//! "unsatisfiable" is therefore given only when it holds both for the constraints as
//! written and for a case-insensitive relaxation: constants lowercased (a case-insensitive
//! match of a string is an exact match of its lowercased form), globs that are not
//! case-neutral dropped, and filters kept only where they require a match (lowercasing a
//! name a neutral glob matches gives a name it matches; lowercasing a name it does not
//! match may give one it does). Dropping constraints only makes the check more
//! permissive.

use std::borrow::Cow;
use std::collections::{HashSet, VecDeque};

use super::formula::StrTest;
use super::solver::Verdict;
use crate::glob::{Anchoring, Glob, Nfa};

/// How many product states the search may visit before giving up.
const STATE_LIMIT: usize = 10_000;

/// A verdict on one variable's constraints, with a value satisfying them all (as written)
/// when one was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Decision {
    pub(super) verdict: Verdict,
    pub(super) witness: Option<String>,
}

/// Whether a string exists that satisfies every test (`true`) or fails it (`false`).
pub(super) fn decide(tests: &[(&StrTest, bool)]) -> Decision {
    let exact = decide_folded(tests, false);
    if exact.verdict != Verdict::Unsat
        || tests
            .iter()
            .all(|(test, positive)| is_case_neutral(test, *positive))
    {
        return exact;
    }
    // A value found ignoring case is no witness for the tests as written.
    Decision {
        verdict: decide_folded(tests, true).verdict,
        witness: None,
    }
}

/// Whether the value passes the test, compared exactly.
pub(super) fn holds(test: &StrTest, value: &str) -> bool {
    match test {
        StrTest::OneOf(values) => values.iter().any(|v| v == value),
        StrTest::Text(Anchoring::Prefix, text) => value.starts_with(text.as_str()),
        StrTest::Text(Anchoring::Suffix, text) => value.ends_with(text.as_str()),
        StrTest::Text(Anchoring::Substring, text) => value.contains(text.as_str()),
        StrTest::Glob(glob) | StrTest::Filter(glob) => glob.matches(value),
    }
}

/// Whether the case-insensitive relaxation leaves the test as it is.
fn is_case_neutral(test: &StrTest, positive: bool) -> bool {
    let lower = |text: &str| text.to_lowercase() == text;
    match test {
        StrTest::OneOf(values) => values.iter().all(|v| lower(v)),
        StrTest::Text(_, text) => lower(text),
        StrTest::Glob(glob) => glob.is_case_neutral(),
        StrTest::Filter(glob) => positive && glob.is_case_neutral(),
    }
}

/// Decides the tests, lowercasing every constant when `fold` is set.
fn decide_folded(tests: &[(&StrTest, bool)], fold: bool) -> Decision {
    let text = |value: &str| {
        if fold {
            value.to_lowercase()
        } else {
            value.to_string()
        }
    };
    let mut candidates: Option<Vec<String>> = None;
    let mut excluded: Vec<String> = Vec::new();
    let mut languages: Vec<(Cow<'_, Glob>, bool)> = Vec::new();
    for &(test, positive) in tests {
        match test {
            StrTest::OneOf(values) => {
                let values: Vec<String> = values.iter().map(|v| text(v)).collect();
                if !positive {
                    excluded.extend(values);
                } else if let Some(current) = &mut candidates {
                    current.retain(|c| values.contains(c));
                } else {
                    candidates = Some(values);
                }
            }
            StrTest::Text(anchoring, value) => {
                languages.push((
                    Cow::Owned(Glob::from_text(&text(value), *anchoring)),
                    positive,
                ));
            }
            StrTest::Glob(glob) | StrTest::Filter(glob)
                if fold && !is_case_neutral(test, positive) => {}
            StrTest::Glob(glob) | StrTest::Filter(glob) => {
                languages.push((Cow::Borrowed(glob), positive))
            }
        }
    }
    if let Some(candidates) = candidates {
        let fits = |c: &&String| {
            !excluded.contains(c)
                && languages
                    .iter()
                    .all(|(glob, positive)| glob.matches(c) == *positive)
        };
        return match candidates.iter().find(fits) {
            Some(found) => Decision {
                verdict: Verdict::Sat,
                witness: Some(found.clone()),
            },
            None => Decision {
                verdict: Verdict::Unsat,
                witness: None,
            },
        };
    }
    let mut automata: Vec<(&Nfa, bool)> = languages
        .iter()
        .map(|(glob, positive)| (glob.nfa(), *positive))
        .collect();
    let excluded_words = Nfa::words(excluded.iter().map(String::as_str));
    if !excluded.is_empty() {
        automata.push((&excluded_words, false));
    }
    product_search(&automata)
}

/// Explores the product of the automata breadth first: the shortest string accepted by
/// every positive one and by no negative one, if any.
fn product_search(automata: &[(&Nfa, bool)]) -> Decision {
    let mut boundaries: Vec<u32> = automata
        .iter()
        .flat_map(|(nfa, _)| nfa.boundaries())
        .collect();
    boundaries.push(0);
    boundaries.retain(|&c| c <= char::MAX as u32);
    boundaries.sort_unstable();
    boundaries.dedup();
    // One character per class of characters between two boundaries; a class holding
    // only surrogate code points has none.
    let alphabet: Vec<char> = boundaries
        .iter()
        .enumerate()
        .filter_map(|(i, &low)| {
            let high = boundaries
                .get(i + 1)
                .copied()
                .unwrap_or(char::MAX as u32 + 1);
            char::from_u32(low).or_else(|| (high > 0xE000).then_some('\u{E000}'))
        })
        .collect();

    let start: Vec<Vec<u32>> = automata.iter().map(|(nfa, _)| nfa.start()).collect();
    let mut seen: HashSet<Vec<Vec<u32>>> = HashSet::from([start.clone()]);
    let mut queue = VecDeque::from([(start, String::new())]);
    while let Some((state, text)) = queue.pop_front() {
        let accepted = automata
            .iter()
            .zip(&state)
            .all(|((nfa, positive), set)| nfa.accepts(set) == *positive);
        if accepted {
            return Decision {
                verdict: Verdict::Sat,
                witness: Some(text),
            };
        }
        for &symbol in &alphabet {
            let next: Vec<Vec<u32>> = automata
                .iter()
                .zip(&state)
                .map(|((nfa, _), set)| nfa.step(set, u32::from(symbol)))
                .collect();
            // A positive automaton with no state left can never accept again.
            let dead = automata
                .iter()
                .zip(&next)
                .any(|((_, positive), set)| *positive && set.is_empty());
            if dead || seen.contains(&next) {
                continue;
            }
            if seen.len() >= STATE_LIMIT {
                return Decision {
                    verdict: Verdict::Unknown,
                    witness: None,
                };
            }
            seen.insert(next.clone());
            let mut longer = text.clone();
            longer.push(symbol);
            queue.push_back((next, longer));
        }
    }
    Decision {
        verdict: Verdict::Unsat,
        witness: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_of(values: &[&str]) -> StrTest {
        StrTest::OneOf(values.iter().map(|v| v.to_string()).collect())
    }

    fn glob(pattern: &str) -> StrTest {
        StrTest::Glob(crate::glob::parse(pattern).unwrap())
    }

    fn text(anchoring: Anchoring, value: &str) -> StrTest {
        StrTest::Text(anchoring, value.to_string())
    }

    fn verdict(tests: &[(StrTest, bool)]) -> Verdict {
        let borrowed: Vec<(&StrTest, bool)> = tests.iter().map(|(t, p)| (t, *p)).collect();
        let decision = decide(&borrowed);
        if let Some(witness) = &decision.witness {
            assert!(
                tests
                    .iter()
                    .all(|(test, positive)| holds(test, witness) == *positive),
                "bad witness {witness:?}"
            );
        }
        decision.verdict
    }

    #[test]
    fn candidates_are_checked_against_every_test() {
        assert_eq!(
            verdict(&[(one_of(&["main"]), true), (one_of(&["develop"]), true)]),
            Verdict::Unsat
        );
        assert_eq!(
            verdict(&[(one_of(&["main", "dev"]), true), (one_of(&["main"]), false)]),
            Verdict::Sat
        );
        assert_eq!(
            verdict(&[(one_of(&["release/a/b"]), true), (glob("release/*"), true)]),
            Verdict::Unsat
        );
        assert_eq!(
            verdict(&[(one_of(&["release/a/b"]), true), (glob("release/**"), true)]),
            Verdict::Sat
        );
    }

    #[test]
    fn languages_intersect_through_the_product() {
        let prefix = text(Anchoring::Prefix, "release/");
        assert_eq!(
            verdict(&[(prefix.clone(), true), (glob("release/**"), false)]),
            Verdict::Unsat
        );
        assert_eq!(
            verdict(&[(prefix.clone(), true), (glob("release/*"), false)]),
            Verdict::Sat
        );
        assert_eq!(
            verdict(&[
                (prefix.clone(), true),
                (text(Anchoring::Prefix, "rel"), false)
            ]),
            Verdict::Unsat
        );
        assert_eq!(
            verdict(&[
                (glob("v[0-9]+"), true),
                (text(Anchoring::Substring, "x"), true)
            ]),
            Verdict::Unsat
        );
        assert_eq!(
            verdict(&[
                (glob("v*"), true),
                (one_of(&["v", "v1"]), false),
                (glob("v[0-9]"), false)
            ]),
            Verdict::Sat
        );
        assert_eq!(
            verdict(&[(glob("v[01]"), true), (one_of(&["v0", "v1"]), false)]),
            Verdict::Unsat
        );
    }

    #[test]
    fn empty_and_non_empty() {
        assert_eq!(
            verdict(&[(one_of(&[""]), false), (glob("**"), true)]),
            Verdict::Sat
        );
        assert_eq!(
            verdict(&[
                (one_of(&[""]), false),
                (glob("a?"), true),
                (one_of(&["a"]), false)
            ]),
            Verdict::Unsat
        );
    }

    #[test]
    fn unsatisfiable_only_if_also_so_ignoring_case() {
        // GitHub: `branch == "Main"` holds on branch `main`.
        assert_eq!(
            verdict(&[(one_of(&["main"]), true), (one_of(&["Main"]), true)]),
            Verdict::Sat
        );
        assert_eq!(
            verdict(&[(glob("main"), true), (one_of(&["Main"]), true)]),
            Verdict::Sat
        );
        assert_eq!(
            verdict(&[(one_of(&["main"]), true), (one_of(&["Develop"]), true)]),
            Verdict::Unsat
        );
    }
}

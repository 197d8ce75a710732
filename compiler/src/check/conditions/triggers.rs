//! What the triggers say about a run: the formula `Trig`, a disjunction over the
//! pipeline's triggers of "the event is this trigger's event, and the branch, tag, base
//! and head branch and inputs are as this event sets them".
//!
//! Per event (see the module documentation of `conditions` for the reasons):
//! - `push`: a branch push (`tag == ""`, `branch != ""`, branch filter) or a tag push
//!   (`branch == ""`, `tag != ""`, tag filter); only branch pushes when only `branches`
//!   is given, only tag pushes when only `tags` is given, either otherwise;
//! - `pull_request`: `branch == ""`; `pull_request_target`: `branch != ""`; both:
//!   `tag == ""`, the branch filter on `base_branch`, `head_branch != ""`;
//! - `schedule`, `workflow_run`, `repository_dispatch`: `branch != ""`, `tag == ""`;
//! - `workflow_dispatch`: exactly one of `branch` and `tag` is non-empty; a `choice`
//!   input is one of its options (or empty when optional without a default);
//! - `workflow_call`: anything (the run inherits its caller's context);
//! - `release`: `tag != ""`, `branch == ""`; `merge_group`: `branch` starts with
//!   `gh-readonly-queue/`, `tag == ""`; any other event: unconstrained.
//!
//! Every event but the pull request ones has empty `base_branch` and `head_branch`, and
//! inputs are empty (`""`, `false`) on events that do not provide them.

use std::collections::HashMap;

use super::formula::{Atom, Atoms, Formula, StrTest, StrVar};
use super::lower::InputKind;
use crate::glob::{self, Anchoring};
use crate::ir::{Filter, Input, InputType, Pipeline, Trigger, TriggerKind};

/// `Trig`: the disjunction of what each trigger says about a run.
pub(super) fn trigger_formula(
    pipeline: &Pipeline,
    atoms: &mut Atoms,
    inputs: &HashMap<String, InputKind>,
) -> Formula {
    if pipeline.triggers.is_empty() {
        return Formula::Const(true);
    }
    let mut builder = Builder { atoms, inputs };
    Formula::or(
        pipeline
            .triggers
            .iter()
            .map(|trigger| builder.trigger(trigger))
            .collect::<Vec<_>>(),
    )
}

struct Builder<'a> {
    atoms: &'a mut Atoms,
    inputs: &'a HashMap<String, InputKind>,
}

impl Builder<'_> {
    fn trigger(&mut self, trigger: &Trigger) -> Formula {
        let event = self.is(StrVar::Event, trigger.event());
        let facts = match &trigger.kind {
            TriggerKind::Push { branches, tags, .. } => {
                let branch_push = Formula::and([
                    self.is(StrVar::Tag, ""),
                    self.non_empty(StrVar::Branch),
                    self.filter(StrVar::Branch, branches.as_ref()),
                ]);
                let tag_push = Formula::and([
                    self.is(StrVar::Branch, ""),
                    self.non_empty(StrVar::Tag),
                    self.filter(StrVar::Tag, tags.as_ref()),
                ]);
                let pushes = match (branches.is_some(), tags.is_some()) {
                    (true, false) => branch_push,
                    (false, true) => tag_push,
                    _ => Formula::or([branch_push, tag_push]),
                };
                Formula::and([pushes, self.no_pull_request(), self.inputs_absent(&[])])
            }
            TriggerKind::PullRequest {
                target, branches, ..
            } => {
                let branch = if *target {
                    self.non_empty(StrVar::Branch)
                } else {
                    self.is(StrVar::Branch, "")
                };
                Formula::and([
                    branch,
                    self.is(StrVar::Tag, ""),
                    self.non_empty(StrVar::BaseBranch),
                    self.filter(StrVar::BaseBranch, branches.as_ref()),
                    self.non_empty(StrVar::HeadBranch),
                    self.inputs_absent(&[]),
                ])
            }
            TriggerKind::Schedule { .. }
            | TriggerKind::WorkflowRun { .. }
            | TriggerKind::RepositoryDispatch { .. } => Formula::and([
                self.non_empty(StrVar::Branch),
                self.is(StrVar::Tag, ""),
                self.no_pull_request(),
                self.inputs_absent(&[]),
            ]),
            TriggerKind::Dispatch { inputs } => {
                let on_branch =
                    Formula::and([self.non_empty(StrVar::Branch), self.is(StrVar::Tag, "")]);
                let on_tag =
                    Formula::and([self.is(StrVar::Branch, ""), self.non_empty(StrVar::Tag)]);
                Formula::and([
                    Formula::or([on_branch, on_tag]),
                    self.no_pull_request(),
                    self.inputs_absent(inputs),
                    self.choices(inputs),
                ])
            }
            TriggerKind::Call { .. } => return Formula::Const(true),
            TriggerKind::Activity { event, .. } => match event.as_str() {
                "release" => Formula::and([
                    self.non_empty(StrVar::Tag),
                    self.is(StrVar::Branch, ""),
                    self.no_pull_request(),
                    self.inputs_absent(&[]),
                ]),
                "merge_group" => {
                    let queue = self.string(
                        StrVar::Branch,
                        StrTest::Text(Anchoring::Prefix, "gh-readonly-queue/".into()),
                    );
                    Formula::and([
                        queue,
                        self.is(StrVar::Tag, ""),
                        self.no_pull_request(),
                        self.inputs_absent(&[]),
                    ])
                }
                _ => Formula::and([self.no_pull_request(), self.inputs_absent(&[])]),
            },
        };
        Formula::and([event, facts])
    }

    /// A filter on one variable: `Only` keeps what the last matching pattern keeps
    /// (`!pattern` removes), `Ignore` keeps what no pattern matches. A filter with a
    /// malformed pattern (reported by the checker) constrains nothing.
    fn filter(&mut self, var: StrVar, filter: Option<&Filter>) -> Formula {
        let (patterns, only) = match filter {
            None => return Formula::Const(true),
            Some(Filter::Only(patterns)) => (patterns, true),
            Some(Filter::Ignore(patterns)) => (patterns, false),
        };
        let mut parsed = Vec::new();
        for pattern in patterns {
            let (negated, body) = pattern
                .strip_prefix('!')
                .map_or((false, pattern.as_str()), |body| (true, body));
            let Ok(glob) = glob::parse(body) else {
                return Formula::Const(true);
            };
            parsed.push((negated, self.string(var.clone(), StrTest::Filter(glob))));
        }
        if !only {
            // A `!` has no meaning in an ignore list; such patterns are left out.
            return Formula::and(
                parsed
                    .into_iter()
                    .filter(|(negated, _)| !negated)
                    .map(|(_, matches)| matches.negate())
                    .collect::<Vec<_>>(),
            );
        }
        let mut kept = Vec::new();
        for (index, (negated, matches)) in parsed.iter().enumerate() {
            if *negated {
                continue;
            }
            let later_exclusions = parsed
                .iter()
                .skip(index + 1)
                .filter(|(negated, _)| *negated)
                .map(|(_, excluded)| excluded.clone().negate());
            kept.push(Formula::and(
                std::iter::once(matches.clone())
                    .chain(later_exclusions)
                    .collect::<Vec<_>>(),
            ));
        }
        Formula::or(kept)
    }

    fn no_pull_request(&mut self) -> Formula {
        Formula::and([
            self.is(StrVar::BaseBranch, ""),
            self.is(StrVar::HeadBranch, ""),
        ])
    }

    /// Inputs that this event does not provide are empty: `""`, or `false`.
    fn inputs_absent(&mut self, provided: &[Input]) -> Formula {
        let mut names: Vec<(&String, InputKind)> = self
            .inputs
            .iter()
            .map(|(name, kind)| (name, *kind))
            .collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        let mut facts = Vec::new();
        for (name, kind) in names {
            if provided.iter().any(|input| &input.name == name) {
                continue;
            }
            match kind {
                InputKind::Text => facts.push(Formula::atom(self.atoms.intern(Atom::Str(
                    StrVar::Input(name.clone()),
                    StrTest::OneOf(vec![String::new()]),
                )))),
                InputKind::Flag => {
                    facts.push(Formula::atom(self.atoms.intern(Atom::Flag(name.clone()))).negate())
                }
                InputKind::Other => {}
            }
        }
        Formula::and(facts)
    }

    /// A `choice` input of a dispatch is one of its options, or empty when it may be left
    /// out and has no default.
    fn choices(&mut self, inputs: &[Input]) -> Formula {
        let mut facts = Vec::new();
        for input in inputs {
            let InputType::Choice(options) = &input.ty else {
                continue;
            };
            if self.inputs.get(&input.name) != Some(&InputKind::Text) {
                continue;
            }
            let mut values = options.clone();
            if !input.required && input.default.is_none() {
                values.push(String::new());
            }
            values.sort();
            values.dedup();
            facts.push(self.string(StrVar::Input(input.name.clone()), StrTest::OneOf(values)));
        }
        Formula::and(facts)
    }

    fn is(&mut self, var: StrVar, value: &str) -> Formula {
        self.string(var, StrTest::OneOf(vec![value.to_string()]))
    }

    fn non_empty(&mut self, var: StrVar) -> Formula {
        self.is(var, "").negate()
    }

    fn string(&mut self, var: StrVar, test: StrTest) -> Formula {
        Formula::atom(self.atoms.intern(Atom::Str(var, test)))
    }
}

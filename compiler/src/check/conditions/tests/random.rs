//! No false alarms, tested against brute force: random triggers and random conditions on
//! two chained jobs. Whenever the analysis says a job can never run, no assignment of the
//! run's values from a finite universe may make it run, whether strings compare exactly or
//! ignoring case (as GitHub compares them). The evaluator here is independent of the
//! analysis: it reads the expressions and triggers directly.

use super::builder::{PipelineBuilder, only};
use super::check_pipeline;
use crate::diagnostics::Code;
use crate::glob;
use crate::ir::{BinaryOp, Context, Expr, ExprKind, Filter, Function, Literal, TriggerKind};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const EVENTS: &[&str] = &[
    "push",
    "pull_request",
    "workflow_dispatch",
    "schedule",
    "release",
];
const NAMES: &[&str] = &[
    "",
    "main",
    "develop",
    "release/a",
    "release/a/b",
    "v1",
    "v1.2",
    "Main",
    "rel",
    "zz",
];
const PR_NAMES: &[&str] = &["", "main", "develop", "zz"];
const LITERALS: &[&str] = &[
    "",
    "main",
    "develop",
    "release/",
    "release/a",
    "v",
    "v1",
    "Main",
    "rel",
    "a",
];
const GLOBS: &[&str] = &[
    "release/*",
    "release/**",
    "v*",
    "main",
    "*",
    "v[0-9]*",
    "**/a",
];
const VARIABLES: &[&str] = &["branch", "tag", "base_branch", "head_branch"];

/// The values of one run.
#[derive(Clone, Copy)]
struct Run<'a> {
    event: &'a str,
    branch: &'a str,
    tag: &'a str,
    base: &'a str,
    head: &'a str,
    /// Values of the opaque facts `needs.a.outputs.o0`, `o1`.
    outputs: [bool; 2],
    ignore_case: bool,
}

fn random_atom(rng: &mut Rng) -> String {
    let var = *rng.pick(VARIABLES);
    let lit = *rng.pick(LITERALS);
    match rng.next() % 11 {
        0 => format!(r#"{var} == "{lit}""#),
        1 => format!(r#"{var} != "{lit}""#),
        2 => format!(r#"startsWith({var}, "{lit}")"#),
        3 => format!(r#"endsWith({var}, "{lit}")"#),
        4 => format!(r#"contains({var}, "{lit}")"#),
        5 => format!(r#"contains(["{lit}", "{}"], {var})"#, rng.pick(LITERALS)),
        6 => format!(r#"matches({var}, "{}")"#, rng.pick(GLOBS)),
        7 => format!(r#"event == "{}""#, rng.pick(EVENTS)),
        8 => format!(r#"needs.a.outputs.o{} == "1""#, rng.next() % 2),
        9 => format!(r#"ref == "refs/heads/{lit}""#),
        _ => format!(r#"startsWith(ref, "refs/tags/{lit}")"#),
    }
}

fn random_condition(rng: &mut Rng, depth: u32) -> String {
    if depth == 0 || rng.chance(35) {
        return random_atom(rng);
    }
    match rng.next() % 3 {
        0 => format!("!({})", random_condition(rng, depth - 1)),
        1 => format!(
            "({}) && ({})",
            random_condition(rng, depth - 1),
            random_condition(rng, depth - 1)
        ),
        _ => format!(
            "({}) || ({})",
            random_condition(rng, depth - 1),
            random_condition(rng, depth - 1)
        ),
    }
}

fn random_filter(rng: &mut Rng) -> Option<Filter> {
    match rng.next() % 4 {
        0 => None,
        1 => Some(only(&[*rng.pick(GLOBS), *rng.pick(GLOBS)])),
        2 => Some(Filter::Only(vec![
            rng.pick(GLOBS).to_string(),
            format!("!{}", rng.pick(GLOBS)),
        ])),
        _ => Some(Filter::Ignore(vec![rng.pick(GLOBS).to_string()])),
    }
}

fn random_triggers(rng: &mut Rng) -> Vec<TriggerKind> {
    let mut triggers = Vec::new();
    while triggers.is_empty() {
        if rng.chance(60) {
            triggers.push(TriggerKind::Push {
                branches: random_filter(rng),
                tags: random_filter(rng),
                paths: None,
            });
        }
        if rng.chance(40) {
            triggers.push(TriggerKind::PullRequest {
                target: false,
                types: Vec::new(),
                branches: random_filter(rng),
                paths: None,
            });
        }
        if rng.chance(20) {
            triggers.push(TriggerKind::Dispatch { inputs: Vec::new() });
        }
        if rng.chance(15) {
            triggers.push(TriggerKind::Schedule { crons: Vec::new() });
        }
        if rng.chance(10) {
            triggers.push(TriggerKind::Activity {
                event: "release".into(),
                types: Vec::new(),
            });
        }
    }
    triggers
}

/// `pattern` matches `name`; patterns are parsed once.
fn glob_matches(pattern: &str, name: &str) -> bool {
    thread_local! {
        static GLOBS: std::cell::RefCell<std::collections::HashMap<String, glob::Glob>> = Default::default();
    }
    GLOBS.with(|globs| {
        globs
            .borrow_mut()
            .entry(pattern.to_string())
            .or_insert_with(|| glob::parse(pattern).unwrap())
            .matches(name)
    })
}

/// Whether a filter keeps a name: the last matching pattern decides (`!` excludes).
fn filter_keeps(filter: &Option<Filter>, name: &str) -> bool {
    match filter {
        None => true,
        Some(Filter::Only(patterns)) => {
            let mut kept = false;
            for pattern in patterns {
                let (negated, body) = pattern
                    .strip_prefix('!')
                    .map_or((false, pattern.as_str()), |b| (true, b));
                if glob_matches(body, name) {
                    kept = !negated;
                }
            }
            kept
        }
        Some(Filter::Ignore(patterns)) => !patterns.iter().any(|p| glob_matches(p, name)),
    }
}

/// Whether a trigger starts this run, by the documented meaning of each event.
fn triggered(trigger: &TriggerKind, run: &Run<'_>) -> bool {
    let no_pr = run.base.is_empty() && run.head.is_empty();
    match trigger {
        TriggerKind::Push { branches, tags, .. } => {
            let branch_push =
                run.tag.is_empty() && !run.branch.is_empty() && filter_keeps(branches, run.branch);
            let tag_push =
                run.branch.is_empty() && !run.tag.is_empty() && filter_keeps(tags, run.tag);
            let pushed = match (branches.is_some(), tags.is_some()) {
                (true, false) => branch_push,
                (false, true) => tag_push,
                _ => branch_push || tag_push,
            };
            run.event == "push" && pushed && no_pr
        }
        TriggerKind::PullRequest { branches, .. } => {
            run.event == "pull_request"
                && run.branch.is_empty()
                && run.tag.is_empty()
                && !run.base.is_empty()
                && filter_keeps(branches, run.base)
                && !run.head.is_empty()
        }
        TriggerKind::Dispatch { .. } => {
            run.event == "workflow_dispatch"
                && (run.branch.is_empty() != run.tag.is_empty())
                && no_pr
        }
        TriggerKind::Schedule { .. } => {
            run.event == "schedule" && !run.branch.is_empty() && run.tag.is_empty() && no_pr
        }
        TriggerKind::Activity { .. } => {
            run.event == "release" && run.branch.is_empty() && !run.tag.is_empty() && no_pr
        }
        _ => unreachable!(),
    }
}

fn text<'a>(expr: &'a Expr, run: &'a Run<'_>) -> String {
    let value = match &expr.kind {
        ExprKind::Literal(Literal::String(s)) => s.clone(),
        ExprKind::Context(Context::Branch) => run.branch.to_string(),
        ExprKind::Context(Context::Tag) => run.tag.to_string(),
        ExprKind::Context(Context::BaseBranch) => run.base.to_string(),
        ExprKind::Context(Context::HeadBranch) => run.head.to_string(),
        ExprKind::Context(Context::Event) => run.event.to_string(),
        ExprKind::Context(Context::Ref) if !run.branch.is_empty() => {
            format!("refs/heads/{}", run.branch)
        }
        ExprKind::Context(Context::Ref) if !run.tag.is_empty() => format!("refs/tags/{}", run.tag),
        ExprKind::Context(Context::Ref) => "refs/pull/1/merge".to_string(),
        ExprKind::JobOutput { output, .. } => {
            let set = if output == "o0" {
                run.outputs[0]
            } else {
                run.outputs[1]
            };
            if set { "1".into() } else { "0".into() }
        }
        other => panic!("no text for {other:?}"),
    };
    if run.ignore_case {
        value.to_lowercase()
    } else {
        value
    }
}

fn holds(expr: &Expr, run: &Run<'_>) -> bool {
    match &expr.kind {
        ExprKind::Not(inner) => !holds(inner, run),
        ExprKind::Binary {
            op: BinaryOp::And,
            lhs,
            rhs,
        } => holds(lhs, run) && holds(rhs, run),
        ExprKind::Binary {
            op: BinaryOp::Or,
            lhs,
            rhs,
        } => holds(lhs, run) || holds(rhs, run),
        ExprKind::Binary {
            op: BinaryOp::Eq,
            lhs,
            rhs,
        } => text(lhs, run) == text(rhs, run),
        ExprKind::Binary {
            op: BinaryOp::Ne,
            lhs,
            rhs,
        } => text(lhs, run) != text(rhs, run),
        ExprKind::Call { function, args } => match (function, &args[0].kind) {
            (Function::Contains, ExprKind::List(items)) => {
                let value = text(&args[1], run);
                items.iter().any(|item| text(item, run) == value)
            }
            (Function::Contains, _) => text(&args[0], run).contains(&text(&args[1], run)),
            (Function::StartsWith, _) => text(&args[0], run).starts_with(&text(&args[1], run)),
            (Function::EndsWith, _) => text(&args[0], run).ends_with(&text(&args[1], run)),
            (Function::Matches, _) => {
                let pattern = text(&args[1], run);
                glob_matches(&pattern, &text(&args[0], run))
            }
        },
        other => panic!("cannot evaluate {other:?}"),
    }
}

/// Every run from the universe that the triggers start (triggers read neither the
/// opaque outputs nor the comparison mode, so those vary last).
fn triggered_runs(triggers: &[TriggerKind]) -> Vec<Run<'static>> {
    let mut runs = Vec::new();
    for event in EVENTS {
        for branch in NAMES {
            for tag in NAMES {
                for base in PR_NAMES {
                    for head in PR_NAMES {
                        let run = Run {
                            event,
                            branch,
                            tag,
                            base,
                            head,
                            outputs: [false; 2],
                            ignore_case: false,
                        };
                        if !triggers.iter().any(|t| triggered(t, &run)) {
                            continue;
                        }
                        for ignore_case in [false, true] {
                            for outputs in
                                [[false, false], [false, true], [true, false], [true, true]]
                            {
                                runs.push(Run {
                                    outputs,
                                    ignore_case,
                                    ..run
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    runs
}

fn describe(run: &Run<'_>) -> String {
    format!(
        "event={} branch={:?} tag={:?} base={:?} head={:?} outputs={:?} ignore_case={}",
        run.event, run.branch, run.tag, run.base, run.head, run.outputs, run.ignore_case
    )
}

#[test]
fn reported_jobs_never_run_in_any_sampled_run() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut reported = 0;
    for case in 0..300 {
        let triggers = random_triggers(&mut rng);
        let first = random_condition(&mut rng, 3);
        let second = random_condition(&mut rng, 2);
        let mut builder = PipelineBuilder::new();
        for (i, trigger) in triggers.iter().enumerate() {
            builder = builder.trigger(&format!("trigger {i}"), trigger.clone());
        }
        builder = builder
            .job("a", &[], Some(&first))
            .job("b", &["a"], Some(&second));
        let (pipeline, db) = builder.build();
        let diagnostics = check_pipeline(&pipeline, &db);
        let a = pipeline.jobs[0].condition.as_ref().unwrap();
        let b = pipeline.jobs[1].condition.as_ref().unwrap();
        for diagnostic in diagnostics
            .iter()
            .filter(|d| d.code == Code::UnreachableJob)
        {
            reported += 1;
            let conditions: Vec<&Expr> = if diagnostic.message.contains("`a`") {
                vec![a]
            } else {
                vec![a, b]
            };
            let runs = triggered_runs(&triggers);
            if let Some(run) = runs
                .iter()
                .find(|run| conditions.iter().all(|c| holds(c, run)))
            {
                panic!(
                    "case {case}: {} but it runs with {}\ntriggers: {triggers:?}\na: {first}\nb: {second}",
                    diagnostic.message,
                    describe(run)
                );
            }
        }
    }
    // The sample must exercise reports, or it proves nothing.
    assert!(reported > 20, "only {reported} reports");
}

//! Gates and promotion order.
//!
//! A gate is a set of jobs that must pass before a job that requires it may run. That
//! holds when the requiring job runs after every gate job (it is downstream of it), no
//! gate job is non-blocking (`continue_on_error`), and the requiring job's condition does
//! not let it run after a gate job failed. Because a job's implicit `success()` covers every
//! job upstream of it, only the requiring job's own condition can open that door.
//!
//! Environments in a promotion order (`development -> staging -> production`) must be
//! deployed to in that order: a job deploying to one environment runs after a job
//! deploying to the nearest earlier environment the pipeline deploys to, and never after a
//! job deploying to a later one.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, BinaryOp, ExprKind, Literal, StatusFunction};

use super::Cx;

pub(super) fn check(cx: &mut Cx, pipeline: &ir::Pipeline) {
    let needs_gates = !pipeline.gates.is_empty() || !pipeline.promotion.is_empty();
    if !needs_gates {
        return;
    }
    let upstream = Upstream::new(pipeline);
    check_gates(cx, pipeline, &upstream);
    check_promotion(cx, pipeline, &upstream);
}

/// Which jobs are upstream of which (transitively through `needs`). Only the jobs asked
/// about (those requiring gates or deploying) get their set computed, once each.
struct Upstream<'p> {
    index: HashMap<&'p str, usize>,
    direct: Vec<Vec<usize>>,
    sets: RefCell<HashMap<usize, Vec<bool>>>,
}

impl<'p> Upstream<'p> {
    fn new(pipeline: &'p ir::Pipeline) -> Upstream<'p> {
        let index: HashMap<&str, usize> = pipeline
            .jobs
            .iter()
            .enumerate()
            .map(|(i, j)| (j.id.as_str(), i))
            .collect();
        let direct = pipeline
            .jobs
            .iter()
            .map(|j| {
                j.needs
                    .iter()
                    .filter_map(|n| index.get(n.name.as_str()).copied())
                    .collect()
            })
            .collect();
        Upstream {
            index,
            direct,
            sets: RefCell::new(HashMap::new()),
        }
    }

    /// Whether `ancestor` runs before `job`, through some chain of `needs`.
    fn is_upstream(&self, ancestor: &str, job: &str) -> bool {
        let (Some(&a), Some(&j)) = (self.index.get(ancestor), self.index.get(job)) else {
            return false;
        };
        let mut sets = self.sets.borrow_mut();
        let set = sets.entry(j).or_insert_with(|| {
            let mut seen = vec![false; self.direct.len()];
            let mut stack: Vec<usize> = self.direct.get(j).cloned().unwrap_or_default();
            while let Some(next) = stack.pop() {
                if let Some(flag) = seen.get_mut(next)
                    && !*flag
                {
                    *flag = true;
                    stack.extend(self.direct.get(next).into_iter().flatten().copied());
                }
            }
            seen
        });
        set.get(a).copied().unwrap_or(false)
    }
}

fn check_gates(cx: &mut Cx, pipeline: &ir::Pipeline, upstream: &Upstream<'_>) {
    for gate in &pipeline.gates {
        for member in &gate.jobs {
            let Some(job) = pipeline.job(&member.name) else {
                continue;
            };
            if job.continue_on_error {
                cx.report(
                    Diagnostic::new(
                        Code::NonBlockingGate,
                        format!(
                            "gate `{}` contains `{}`, whose failure does not stop anything",
                            gate.name, job.id
                        ),
                        member.span,
                        "in the gate",
                    )
                    .with_label(
                        job.span.shrink_to_start(),
                        format!("`{}` has `continue_on_error: true`", job.id),
                    )
                    .with_help(format!(
                        "remove `continue_on_error` from `{}`, or take it out of the gate",
                        job.id
                    )),
                );
            }
        }
    }
    for job in &pipeline.jobs {
        for required in &job.requires {
            let Some(gate) = pipeline.gates.iter().find(|g| g.name == required.name) else {
                continue;
            };
            for member in &gate.jobs {
                if member.name == job.id {
                    cx.report(
                        Diagnostic::new(Code::UngatedJob, format!("job `{}` requires gate `{}`, which contains it", job.id, gate.name), required.span, "requires itself")
                            .with_label(member.span, "the gate lists the job itself")
                            .with_help("a job cannot wait for itself; take it out of the gate or stop requiring the gate"),
                    );
                } else if !upstream.is_upstream(&member.name, &job.id) {
                    cx.report(
                        Diagnostic::new(
                            Code::UngatedJob,
                            format!(
                                "job `{}` requires gate `{}` but does not run after `{}`",
                                job.id, gate.name, member.name
                            ),
                            required.span,
                            format!("requires `{}`", gate.name),
                        )
                        .with_label(
                            member.span,
                            format!("`{}` is part of the gate", member.name),
                        )
                        .with_help(format!(
                            "add `{}` to the `needs` of `{}` (or of a job it needs)",
                            member.name, job.id
                        )),
                    );
                } else if let Some(condition) =
                    job.condition.as_ref().filter(|c| c.overrides_status())
                {
                    // What `needs.<job>.result` is known to be once the gate job failed: the
                    // gate job failed, and jobs downstream of it that do not override their
                    // status were skipped.
                    let result_of = |id: &str| -> Option<&'static str> {
                        if id == member.name {
                            return Some("failure");
                        }
                        let overrides = pipeline
                            .job(id)
                            .and_then(|j| j.condition.as_ref())
                            .is_some_and(ir::Expr::overrides_status);
                        (upstream.is_upstream(&member.name, id) && !overrides).then_some("skipped")
                    };
                    if evaluate(condition, &result_of) == Truth::False {
                        continue;
                    }
                    let guard = job
                        .needs
                        .iter()
                        .find(|n| {
                            n.name == member.name || upstream.is_upstream(&member.name, &n.name)
                        })
                        .map_or(member.name.as_str(), |n| n.name.as_str());
                    cx.report(
                        Diagnostic::new(
                            Code::GateBypassed,
                            format!(
                                "job `{}` can run after `{}` failed, bypassing gate `{}`",
                                job.id, member.name, gate.name
                            ),
                            condition.span,
                            format!("still true when `{}` fails", member.name),
                        )
                        .with_label(member.span, format!("`{}` is part of gate `{}`", member.name, gate.name))
                        .with_label(required.span, "the gate is required here")
                        .with_help(format!(
                            "the condition's status function (`always()`, `failure()` or `!cancelled()`) lets the job run after a failure upstream; remove it, or also require `needs.{guard}.result == \"success\"`"
                        )),
                    );
                }
            }
        }
    }
}

/// Three-valued truth: what a condition can be when some facts are unknown.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// What a condition can be when a job upstream has failed: status functions are then known
/// (`success()` and `cancelled()` false, `failure()` and `always()` true), and so are the
/// results `result_of` knows; everything else may be anything.
fn evaluate(expr: &ir::Expr, result_of: &dyn Fn(&str) -> Option<&'static str>) -> Truth {
    match &expr.kind {
        ExprKind::Status(StatusFunction::Success) | ExprKind::Status(StatusFunction::Cancelled) => {
            Truth::False
        }
        ExprKind::Status(StatusFunction::Failure) | ExprKind::Status(StatusFunction::Always) => {
            Truth::True
        }
        ExprKind::Literal(Literal::Bool(b)) => {
            if *b {
                Truth::True
            } else {
                Truth::False
            }
        }
        ExprKind::Not(inner) => evaluate(inner, result_of).not(),
        ExprKind::Binary {
            op: BinaryOp::And,
            lhs,
            rhs,
        } => match (evaluate(lhs, result_of), evaluate(rhs, result_of)) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        },
        ExprKind::Binary {
            op: BinaryOp::Or,
            lhs,
            rhs,
        } => match (evaluate(lhs, result_of), evaluate(rhs, result_of)) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        },
        ExprKind::Binary {
            op: op @ (BinaryOp::Eq | BinaryOp::Ne),
            lhs,
            rhs,
        } => {
            let known_result = |e: &ir::Expr| match &e.kind {
                ExprKind::JobResult { job } => result_of(job),
                _ => None,
            };
            fn literal(e: &ir::Expr) -> Option<&str> {
                match &e.kind {
                    ExprKind::Literal(Literal::String(s)) => Some(s.as_str()),
                    _ => None,
                }
            }
            let pair = known_result(lhs)
                .zip(literal(rhs))
                .or_else(|| known_result(rhs).zip(literal(lhs)));
            match pair {
                Some((actual, compared)) => {
                    if (*op == BinaryOp::Eq) == (actual == compared) {
                        Truth::True
                    } else {
                        Truth::False
                    }
                }
                None => Truth::Unknown,
            }
        }
        _ => Truth::Unknown,
    }
}

fn check_promotion(cx: &mut Cx, pipeline: &ir::Pipeline, upstream: &Upstream<'_>) {
    let rank = |name: &str| pipeline.promotion.iter().position(|n| n.name == name);
    let order: Vec<&str> = pipeline.promotion.iter().map(|n| n.name.as_str()).collect();
    let order_text = order.join(" → ");
    // (job, environment rank, span of the job's `environment` setting)
    let deployments: Vec<(&ir::Job, usize, crate::span::Span)> = pipeline
        .jobs
        .iter()
        .filter_map(|job| {
            let environment = job.environment.as_ref()?;
            let name = environment.name.as_plain()?;
            Some((job, rank(&name)?, environment.span))
        })
        .collect();
    for (job, rank_of_job, span) in &deployments {
        for (other, rank_of_other, other_span) in &deployments {
            if rank_of_other > rank_of_job && upstream.is_upstream(&other.id, &job.id) {
                let (here, there) = (
                    order.get(*rank_of_job).copied().unwrap_or(""),
                    order.get(*rank_of_other).copied().unwrap_or(""),
                );
                cx.report(
                    Diagnostic::new(
                        Code::PromotionOrderViolated,
                        format!(
                            "job `{}` deploys to `{here}` after `{}` deployed to `{there}`",
                            job.id, other.id
                        ),
                        *span,
                        format!("deploys to `{here}`"),
                    )
                    .with_label(
                        *other_span,
                        format!("`{}` deploys to `{there}` first", other.id),
                    )
                    .with_help(format!(
                        "the promotion order is {order_text}; reverse the dependency"
                    )),
                );
            }
        }
        let earlier = deployments
            .iter()
            .filter(|(_, r, _)| r < rank_of_job)
            .map(|(_, r, _)| *r)
            .max();
        let Some(earlier) = earlier else { continue };
        let feeders: Vec<&(&ir::Job, usize, crate::span::Span)> = deployments
            .iter()
            .filter(|(_, r, _)| *r == earlier)
            .collect();
        // Fed by an earlier deployment: fine. Downstream of it: reversed, and reported above.
        if feeders.iter().any(|(other, _, _)| {
            upstream.is_upstream(&other.id, &job.id) || upstream.is_upstream(&job.id, &other.id)
        }) {
            continue;
        }
        let (here, before) = (
            order.get(*rank_of_job).copied().unwrap_or(""),
            order.get(earlier).copied().unwrap_or(""),
        );
        let mut diagnostic = Diagnostic::new(
            Code::PromotionOrderViolated,
            format!(
                "job `{}` deploys to `{here}` without a deployment to `{before}` before it",
                job.id
            ),
            *span,
            format!("deploys to `{here}`"),
        );
        for (other, _, other_span) in feeders.iter().take(3) {
            diagnostic =
                diagnostic.with_label(*other_span, format!("`{}` deploys to `{before}`", other.id));
        }
        let first = feeders
            .first()
            .map(|(other, _, _)| other.id.as_str())
            .unwrap_or("");
        cx.report(diagnostic.with_help(format!(
            "the promotion order is {order_text}; add `{first}` to the `needs` of `{}`",
            job.id
        )));
    }
}

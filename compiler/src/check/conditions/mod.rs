//! Condition analysis: jobs and steps that can never run (E0501 `unreachable-job`,
//! W0502 `unreachable-step`) and conditions that are constants (W0503
//! `constant-condition`).
//!
//! # What "can never run" means
//!
//! Within one run the context values are shared by every job: `event`, `branch`, `tag`,
//! `ref`, `base_branch`, `head_branch` and every `inputs.*`. Matrix values belong to one
//! combination of one job's matrix.
//!
//! A job J runs when `Trig ∧ C_J ∧ C_X…` holds, where `Trig` says what the triggers allow
//! (see [`triggers`]), `C_J` is J's condition and the `C_X` are the conditions of every
//! job upstream of J, transitively through `needs`. The upstream conditions take part
//! because of GitHub's implicit job-level `success()`: it requires every job upstream to
//! have succeeded, so a skipped job skips everything below it, however many hops away
//! (actions/runner#491; btclib-org/btclib#1470 shows a job two hops below a failed job
//! skipped). In those conditions status functions mean what they mean when everything
//! upstream succeeded: `success()` and `always()` are true, `failure()` and `cancelled()`
//! false. When J's own condition overrides the status (it calls `always()`, `failure()` or
//! `cancelled()`, or negates `success()`), the upstream conditions are dropped and status
//! functions are unknown facts.
//!
//! A step runs when its job runs and its condition holds, for some combination of the
//! job's matrix (`matrix.*` takes that combination's values). Step status functions are
//! unknown, except a positive `success()` in a step that does not override the status,
//! which is true (the step does not run otherwise). Failure handlers assume nothing.
//!
//! # What is decided, and how
//!
//! [`lower`] turns a condition into a formula over atoms: constraints on string variables
//! (equality, membership, prefix, suffix, substring, glob), boolean inputs, and opaque
//! facts (job and step outputs, raw expressions, secrets, variables, numbers...). Each
//! distinct opaque fact is an independent boolean, so a condition is reported only when
//! it is impossible whatever those facts are: there are no false alarms. The formulas are
//! put in DNF ([`formula`], with a size cap) and [`solver`] looks for one conjunct per
//! conjoined part that holds, deciding string variables exactly with automata
//! ([`strings`]). Past the caps the analysis gives up silently.
//!
//! Case: GitHub compares text ignoring case (`branch == "Main"` holds on `main`) and may
//! match trigger filters exactly; other targets may compare exactly. A conflict is
//! reported only when it holds under each reading, so a branch whose name differs from a
//! filter or a literal only by case never makes a job "unreachable" by mistake (the price:
//! `branches_ignore: ["main"]` with `when: branch == "main"` is not reported, since a push
//! to `MAIN` would run it).
//!
//! When J can never run, a minimal set of conflicting parts (triggers, J's condition,
//! upstream conditions) explains it. J is reported unless a job upstream of it already
//! can never run: then that job is the root cause and is reported itself, and J's
//! dependants are not reported again. A job without a condition of its own is reported
//! when two jobs it needs can never run in the same run. [`report`] writes the messages.
//!
//! The analysis keeps to the IR: it never fails, and a pipeline with errors (unknown
//! jobs, cycles, malformed globs) gets no diagnostics about what it cannot see.

mod analysis;
mod formula;
mod lower;
mod report;
mod solver;
mod strings;
mod triggers;

#[cfg(test)]
mod tests;

use crate::diagnostics::Diagnostic;
use crate::ir;
use crate::source::SourceDb;

/// Finds jobs and steps that can never run, and constant conditions, in one pipeline.
pub fn check_pipeline(pipeline: &ir::Pipeline, db: &SourceDb) -> Vec<Diagnostic> {
    analysis::Analysis::new(pipeline, db).run()
}

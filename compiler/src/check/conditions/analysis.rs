//! The analysis of one pipeline: jobs in dependency order, then their steps.
//!
//! Each distinct condition (after lowering) becomes a *piece* with its DNF computed once;
//! a job's requirement is the set of pieces of itself and everything upstream, shared
//! (`Rc`) down chains of jobs without conditions of their own, and verdicts are memoised
//! per set. A job that can run keeps a *witness*, literals satisfying `Trig` and its
//! requirement; a dependant first tries to extend its parents' witnesses with its own
//! condition, and searches from scratch only when that fails, so a long chain costs one
//! small extension per job. A job behind an unreachable job is not checked again: its
//! conflict is the upstream job's, which is reported once, where it starts.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::rc::Rc;

use super::formula::{self, Atoms, Conjunct, Formula, Lit};
use super::lower::{self, InputKind, Lowerer, Scope, StatusMode};
use super::report::{self, Conflict, StepConflict};
use super::solver::{self, Solver, Verdict};
use super::triggers;
use crate::diagnostics::Diagnostic;
use crate::ir::{self, Expr, Literal};
use crate::source::SourceDb;

/// DNFs with more conjuncts than this are not expanded; the condition is then left out of
/// the checks, which can hide a conflict but never invent one.
const DNF_CAP: usize = 4096;

type PieceId = u32;

/// How many conjuncts extending a witness may try before a full search takes over.
const EXTENSION_BUDGET: usize = 64;

/// Literals that hold together and satisfy `Trig` and some set of pieces.
type Witness = Rc<Vec<Lit>>;

/// What a check found.
#[derive(Clone, Debug)]
enum Check {
    /// The parts can never hold together.
    Never,
    /// They can, or nothing could be proved; with a witness when one was found.
    Holds(Option<Witness>),
}

/// One conjoined part of a requirement, for explanations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Triggers,
    Condition(PieceId),
    /// The step's matrix combinations (`matrix.*` takes their values, not any value).
    Matrix,
    /// The step's own condition.
    Step,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JobState {
    /// Can run, or nothing could be proved.
    Runs,
    /// Never runs, and this was reported (or its condition is the constant `false`).
    Unreachable,
    /// Never runs because a job upstream never runs.
    BehindUnreachable,
}

struct JobFacts {
    /// The condition with status functions assumed to report success: how the job's
    /// dependants see it, and how the job sees itself unless it overrides the status.
    assumed: Option<PieceId>,
    /// The condition the job's own run depends on: `assumed`, or for a job that
    /// overrides the status, its condition with status functions left opaque.
    own: Option<PieceId>,
    overriding: bool,
    /// The assumed pieces of this job and of every job upstream of it.
    closure: Rc<BTreeSet<PieceId>>,
    /// Satisfies `Trig` and every piece of `closure`, when one is known.
    witness: Option<Witness>,
    state: JobState,
}

pub(super) struct Analysis<'p> {
    pipeline: &'p ir::Pipeline,
    db: &'p SourceDb,
    atoms: Atoms,
    inputs: HashMap<String, InputKind>,
    solver: Solver,
    /// The DNF of each distinct condition; `None` when beyond [`DNF_CAP`].
    pieces: Vec<Option<Vec<Conjunct>>>,
    piece_ids: HashMap<Formula, PieceId>,
    /// The DNF of `Trig`; `None` when beyond [`DNF_CAP`].
    triggers: Option<Vec<Conjunct>>,
    /// Checks of `Trig` and a set of pieces, per sorted set.
    memo: HashMap<Vec<PieceId>, Check>,
    job_index: HashMap<&'p str, usize>,
    diagnostics: Vec<Diagnostic>,
}

impl<'p> Analysis<'p> {
    pub(super) fn new(pipeline: &'p ir::Pipeline, db: &'p SourceDb) -> Analysis<'p> {
        let mut atoms = Atoms::default();
        let inputs = lower::input_kinds(pipeline);
        let triggers = triggers::trigger_formula(pipeline, &mut atoms, &inputs).to_dnf(DNF_CAP);
        let job_index = pipeline
            .jobs
            .iter()
            .enumerate()
            .map(|(i, job)| (job.id.as_str(), i))
            .collect();
        Analysis {
            pipeline,
            db,
            atoms,
            inputs,
            solver: Solver::default(),
            pieces: Vec::new(),
            piece_ids: HashMap::new(),
            triggers,
            memo: HashMap::new(),
            job_index,
            diagnostics: Vec::new(),
        }
    }

    pub(super) fn run(mut self) -> Vec<Diagnostic> {
        self.constant_conditions();
        // When the triggers alone can never hold, the pipeline never runs; that is a
        // trigger problem, not one of any job.
        let triggers = self.check(true, &[]);
        let active = !matches!(triggers, Check::Never);
        let trigger_witness = match triggers {
            Check::Holds(witness) => witness,
            Check::Never => None,
        };
        let order = topological_order(self.pipeline, &self.job_index);
        let mut facts: Vec<Option<JobFacts>> = self.pipeline.jobs.iter().map(|_| None).collect();
        for &index in &order {
            let job_facts = self.job(index, &facts, active, trigger_witness.as_ref());
            if let Some(slot) = facts.get_mut(index) {
                *slot = Some(job_facts);
            }
        }
        if active {
            for &index in &order {
                if let Some(Some(job_facts)) = facts.get(index)
                    && job_facts.state == JobState::Runs
                {
                    self.steps(index, job_facts, &facts);
                }
            }
        }
        self.diagnostics
    }

    /// W0503 on every job and step condition that is a constant.
    fn constant_conditions(&mut self) {
        let pipeline = self.pipeline;
        for job in &pipeline.jobs {
            if let Some(condition) = &job.condition
                && let Some(value) = self.constant(condition)
            {
                let subject = format!("job `{}`", job.id);
                self.diagnostics.push(report::constant_condition(
                    &subject, condition, value, "job",
                ));
            }
            for (step, name) in steps_with_names(job) {
                if let Some(condition) = &step.condition
                    && let Some(value) = self.constant(condition)
                {
                    let subject = format!("{name} of job `{}`", job.id);
                    self.diagnostics.push(report::constant_condition(
                        &subject, condition, value, "step",
                    ));
                }
            }
        }
    }

    /// The value of a condition that reads nothing (`true`, `"a" == "a"`).
    fn constant(&mut self, condition: &Expr) -> Option<bool> {
        if !lower::reads_nothing(condition) {
            return None;
        }
        let scope = Scope {
            name: "constant",
            status: StatusMode::Opaque,
            matrix_row: None,
        };
        self.lower(condition, &scope).is_const()
    }

    fn job(
        &mut self,
        index: usize,
        facts: &[Option<JobFacts>],
        active: bool,
        trigger_witness: Option<&Witness>,
    ) -> JobFacts {
        let pipeline = self.pipeline;
        let Some(job) = pipeline.jobs.get(index) else {
            return JobFacts {
                assumed: None,
                own: None,
                overriding: false,
                closure: Rc::default(),
                witness: None,
                state: JobState::Runs,
            };
        };
        let parents: Vec<&JobFacts> = self
            .parents(job)
            .into_iter()
            .filter_map(|p| facts.get(p).and_then(Option::as_ref))
            .collect();
        let condition = job.condition.as_ref();
        let overriding = condition.is_some_and(lower::overrides_status);
        let scope_name = format!("job {}", job.id);
        let assumed_scope = Scope {
            name: &scope_name,
            status: StatusMode::AssumeSuccess,
            matrix_row: None,
        };
        let assumed = condition.and_then(|c| self.piece(c, &assumed_scope));
        let own = if overriding {
            let opaque_scope = Scope {
                status: StatusMode::Opaque,
                ..assumed_scope
            };
            condition.and_then(|c| self.piece(c, &opaque_scope))
        } else {
            assumed
        };
        let closure = match (parents.as_slice(), assumed) {
            ([parent], None) => Rc::clone(&parent.closure),
            _ => Rc::new(
                parents
                    .iter()
                    .flat_map(|p| p.closure.iter().copied())
                    .chain(assumed)
                    .collect(),
            ),
        };
        let behind = parents.iter().any(|p| p.state != JobState::Runs);
        let mut job_facts = JobFacts {
            assumed,
            own,
            overriding,
            closure,
            witness: None,
            state: JobState::Runs,
        };

        if condition.and_then(|c| self.constant(c)) == Some(false) {
            // Reported as a constant condition; its dependants are behind it.
            job_facts.state = JobState::Unreachable;
            return job_facts;
        }
        if !active {
            return job_facts;
        }
        if behind && !overriding {
            job_facts.state = JobState::BehindUnreachable;
            return job_facts;
        }
        // What the job's dependants build on: its parents' witnesses extended with its
        // assumed condition.
        let parents_witness = match parents.as_slice() {
            [] => trigger_witness.cloned(),
            [parent] => parent.witness.clone(),
            _ => merge_witnesses(&parents),
        };
        let added: Vec<PieceId> = assumed.into_iter().collect();
        job_facts.witness = match parents_witness {
            // One parent's witness needs no check; the union of several does.
            Some(base) if added.is_empty() && parents.len() <= 1 => Some(base),
            Some(base) => self.extend(&base, &added),
            None => None,
        };
        if job_facts.witness.is_none() {
            let closure: Vec<PieceId> = job_facts.closure.iter().copied().collect();
            match self.check(true, &closure) {
                Check::Holds(witness) => job_facts.witness = witness,
                Check::Never if !overriding => {
                    self.report_job(index, own, &closure, facts);
                    job_facts.state = JobState::Unreachable;
                    return job_facts;
                }
                // An overriding job's own run does not depend on the jobs upstream.
                Check::Never => {}
            }
        }
        if overriding
            && let Some(own) = own
            && self.never(true, &[own])
        {
            self.report_job(index, Some(own), &[own], facts);
            job_facts.state = JobState::Unreachable;
        }
        job_facts
    }

    /// Extends a witness with one conjunct of each piece, within a small budget.
    fn extend(&mut self, base: &[Lit], pieces: &[PieceId]) -> Option<Witness> {
        let dnfs: Vec<&[Conjunct]> = pieces
            .iter()
            .filter_map(|&piece| self.pieces.get(piece as usize).and_then(Option::as_deref))
            .collect();
        let outcome = self
            .solver
            .satisfiable(&self.atoms, base, &dnfs, EXTENSION_BUDGET);
        (outcome.verdict == Verdict::Sat).then(|| Rc::new(outcome.witness))
    }

    /// Whether `Trig` (when `triggers`) and the pieces can never hold together. A check
    /// that gives up counts as "can hold".
    fn never(&mut self, triggers: bool, pieces: &[PieceId]) -> bool {
        matches!(self.check(triggers, pieces), Check::Never)
    }

    /// Checks `Trig` (when `triggers`) and the pieces together, memoised with `Trig`.
    fn check(&mut self, triggers: bool, pieces: &[PieceId]) -> Check {
        let mut key: Vec<PieceId> = pieces.to_vec();
        key.sort_unstable();
        key.dedup();
        if triggers && let Some(known) = self.memo.get(&key) {
            return known.clone();
        }
        let mut dnfs: Vec<&[Conjunct]> = Vec::new();
        if triggers && let Some(trig) = &self.triggers {
            dnfs.push(trig);
        }
        dnfs.extend(
            key.iter()
                .filter_map(|&piece| self.pieces.get(piece as usize).and_then(Option::as_deref)),
        );
        let outcome = self
            .solver
            .satisfiable(&self.atoms, &[], &dnfs, Solver::BUDGET);
        let check = match outcome.verdict {
            Verdict::Unsat => Check::Never,
            // Without `Trig` the witness would not be one for a job.
            Verdict::Sat if triggers => Check::Holds(Some(Rc::new(outcome.witness))),
            Verdict::Sat | Verdict::Unknown => Check::Holds(None),
        };
        if triggers {
            self.memo.insert(key, check.clone());
        }
        check
    }

    /// [`Analysis::never`] for parts made of the triggers and conditions only.
    fn never_parts(&mut self, parts: &[Part]) -> bool {
        let pieces: Vec<PieceId> = parts
            .iter()
            .filter_map(|part| {
                if let Part::Condition(p) = part {
                    Some(*p)
                } else {
                    None
                }
            })
            .collect();
        self.never(parts.contains(&Part::Triggers), &pieces)
    }

    fn lower(&mut self, condition: &Expr, scope: &Scope<'_>) -> Formula {
        Lowerer {
            atoms: &mut self.atoms,
            inputs: &self.inputs,
        }
        .condition(condition, scope)
    }

    /// The piece of a lowered condition; `None` when it is the constant `true`.
    fn piece(&mut self, condition: &Expr, scope: &Scope<'_>) -> Option<PieceId> {
        let formula = self.lower(condition, scope);
        if formula == Formula::Const(true) {
            return None;
        }
        if let Some(&id) = self.piece_ids.get(&formula) {
            return Some(id);
        }
        let id = PieceId::try_from(self.pieces.len()).unwrap_or(PieceId::MAX);
        self.pieces.push(formula.to_dnf(DNF_CAP));
        self.piece_ids.insert(formula, id);
        Some(id)
    }

    /// The indices of the jobs a job needs (unknown names are reported elsewhere).
    fn parents(&self, job: &ir::Job) -> Vec<usize> {
        job.needs
            .iter()
            .filter_map(|need| self.job_index.get(need.name.as_str()).copied())
            .collect()
    }

    /// The nearest job upstream of `from` (breadth first through `needs`) whose assumed
    /// condition is `piece`, with the jobs in between.
    fn provider(
        &self,
        from: usize,
        piece: PieceId,
        facts: &[Option<JobFacts>],
    ) -> Option<(usize, Vec<usize>)> {
        let mut came_from: HashMap<usize, usize> = HashMap::new();
        let mut queue = VecDeque::from([from]);
        while let Some(current) = queue.pop_front() {
            let job = self.pipeline.jobs.get(current)?;
            for parent in self.parents(job) {
                if parent == from || came_from.contains_key(&parent) {
                    continue;
                }
                came_from.insert(parent, current);
                let matches = facts
                    .get(parent)
                    .and_then(Option::as_ref)
                    .is_some_and(|f| f.assumed == Some(piece));
                if matches {
                    let mut between = Vec::new();
                    let mut step = current;
                    while step != from {
                        between.push(step);
                        step = came_from.get(&step).copied().unwrap_or(from);
                    }
                    between.reverse();
                    return Some((parent, between));
                }
                queue.push_back(parent);
            }
        }
        None
    }

    /// The upstream jobs whose conditions are in a core, except `own`.
    fn upstream_in_core(
        &self,
        index: usize,
        own: Option<PieceId>,
        core: &[Part],
        facts: &[Option<JobFacts>],
    ) -> Vec<(&'p ir::Job, Vec<&'p str>)> {
        let pipeline = self.pipeline;
        core.iter()
            .filter_map(|part| match part {
                Part::Condition(piece) if Some(*piece) != own => {
                    self.provider(index, *piece, facts)
                }
                _ => None,
            })
            .filter_map(|(provider, between)| {
                let via = between
                    .iter()
                    .filter_map(|&i| pipeline.jobs.get(i).map(|j| j.id.as_str()))
                    .collect();
                pipeline.jobs.get(provider).map(|job| (job, via))
            })
            .collect()
    }

    /// Reports a job whose requirement (`Trig` and `required`, which holds `own` when the
    /// job has a condition) can never hold, with a minimal explanation.
    fn report_job(
        &mut self,
        index: usize,
        own: Option<PieceId>,
        required: &[PieceId],
        facts: &[Option<JobFacts>],
    ) {
        let Some(job) = self.pipeline.jobs.get(index) else {
            return;
        };
        // Preferred first: the job's own condition, then the nearest upstream conditions
        // (created last), then the triggers.
        let mut parts: Vec<Part> = own.map(Part::Condition).into_iter().collect();
        parts.extend(
            required
                .iter()
                .rev()
                .filter(|&&piece| Some(piece) != own)
                .map(|&piece| Part::Condition(piece)),
        );
        parts.push(Part::Triggers);
        let core = solver::minimal_core(&parts, &mut |subset| self.never_parts(subset));
        let conflict = Conflict {
            triggers: core.contains(&Part::Triggers),
            upstream: self.upstream_in_core(index, own, &core, facts),
        };
        let own_in_core = own.is_some_and(|own| core.contains(&Part::Condition(own)));
        self.diagnostics.push(report::unreachable_job(
            self.db,
            self.pipeline,
            job,
            own_in_core,
            &conflict,
        ));
    }

    /// W0502 on the steps of a job that can run.
    fn steps(&mut self, index: usize, job_facts: &JobFacts, facts: &[Option<JobFacts>]) {
        let pipeline = self.pipeline;
        let Some(job) = pipeline.jobs.get(index) else {
            return;
        };
        let job_pieces: Vec<PieceId> = if job_facts.overriding {
            job_facts.own.into_iter().collect()
        } else {
            job_facts.closure.iter().copied().collect()
        };
        let failure_steps = job.steps().len();
        for (position, (step, name)) in steps_with_names(job).enumerate() {
            let Some(condition) = &step.condition else {
                continue;
            };
            if lower::reads_nothing(condition) {
                continue;
            }
            // Failure handlers run after a failure, so no status is assumed for them.
            let status = if position >= failure_steps || lower::overrides_status(condition) {
                StatusMode::Opaque
            } else {
                StatusMode::AssumeSuccess
            };
            let scope_name = format!("job {} step {position}", job.id);
            let rows = matrix_rows(job, condition);
            let per_row: Vec<Option<PieceId>> = rows
                .iter()
                .map(|row| {
                    self.piece(
                        condition,
                        &Scope {
                            name: &scope_name,
                            status,
                            matrix_row: row.as_deref(),
                        },
                    )
                })
                .collect();
            let without_matrix = self.piece(
                condition,
                &Scope {
                    name: &scope_name,
                    status,
                    matrix_row: None,
                },
            );
            // Quick path: the job's witness extended by the step's condition for some row.
            if let Some(base) = &job_facts.witness {
                let runs = per_row.iter().any(|piece| match piece {
                    None => true,
                    Some(piece) => self.extend(base, &[*piece]).is_some(),
                });
                if runs {
                    continue;
                }
            }
            let step_check = StepCheck {
                per_row,
                without_matrix,
            };
            let mut parts: Vec<Part> = vec![Part::Step];
            if rows.iter().any(Option::is_some) {
                parts.push(Part::Matrix);
            }
            parts.extend(job_pieces.iter().rev().map(|&piece| Part::Condition(piece)));
            parts.push(Part::Triggers);
            if !self.never_step(&parts, &step_check) {
                continue;
            }
            let core =
                solver::minimal_core(&parts, &mut |subset| self.never_step(subset, &step_check));
            if !core.contains(&Part::Step) {
                continue;
            }
            let conflict = Conflict {
                triggers: core.contains(&Part::Triggers),
                upstream: self.upstream_in_core(index, job_facts.own, &core, facts),
            };
            let job_condition = job_facts
                .own
                .is_some_and(|own| core.contains(&Part::Condition(own)));
            let step_conflict = StepConflict {
                job_condition,
                matrix: core.contains(&Part::Matrix),
            };
            self.diagnostics.push(report::unreachable_step(
                self.db,
                pipeline,
                job,
                step,
                &name,
                &conflict,
                &step_conflict,
            ));
        }
    }

    /// Whether the parts can never hold together; with the matrix, for no combination.
    fn never_step(&mut self, parts: &[Part], step: &StepCheck) -> bool {
        let triggers = parts.contains(&Part::Triggers);
        let pieces: Vec<PieceId> = parts
            .iter()
            .filter_map(|part| {
                if let Part::Condition(p) = part {
                    Some(*p)
                } else {
                    None
                }
            })
            .collect();
        if !parts.contains(&Part::Step) {
            return self.never(triggers, &pieces);
        }
        let variants: &[Option<PieceId>] = if parts.contains(&Part::Matrix) {
            &step.per_row
        } else {
            std::slice::from_ref(&step.without_matrix)
        };
        variants.iter().all(|variant| {
            let mut all = pieces.clone();
            all.extend(*variant);
            self.never(triggers, &all)
        })
    }
}

/// The union of the parents' witnesses, when each has one and no literal contradicts
/// another; whether the union holds is for [`Analysis::extend`] to check.
fn merge_witnesses(parents: &[&JobFacts]) -> Option<Witness> {
    let mut merged: Vec<Lit> = Vec::new();
    for parent in parents {
        merged = formula::merge(&merged, parent.witness.as_deref()?)?;
    }
    Some(Rc::new(merged))
}

/// The step's condition lowered for each matrix combination, and with `matrix.*` opaque.
struct StepCheck {
    per_row: Vec<Option<PieceId>>,
    without_matrix: Option<PieceId>,
}

/// The distinct values of the matrix keys the condition reads, one row per combination of
/// the job's matrix; `[None]` when the condition reads no matrix key or the job has no
/// matrix.
fn matrix_rows(job: &ir::Job, condition: &Expr) -> Vec<Option<Vec<(String, Literal)>>> {
    let keys = lower::matrix_keys(condition);
    let Some(matrix) = &job.matrix else {
        return vec![None];
    };
    if keys.is_empty() {
        return vec![None];
    }
    let mut rows: Vec<Option<Vec<(String, Literal)>>> = Vec::new();
    for combination in matrix.combinations() {
        let row: Vec<(String, Literal)> = combination
            .into_iter()
            .filter(|(key, _)| keys.contains(&key.as_str()))
            .collect();
        if !rows.iter().any(|known| known.as_ref() == Some(&row)) {
            rows.push(Some(row));
        }
    }
    if rows.is_empty() { vec![None] } else { rows }
}

/// Every step of a job (its steps, then its failure handlers) with the name messages use.
fn steps_with_names(job: &ir::Job) -> impl Iterator<Item = (&ir::Step, String)> {
    let steps = job
        .steps()
        .iter()
        .enumerate()
        .map(|(i, step)| (step, report::step_name(step, i + 1, false)));
    let failure = job
        .failure_steps()
        .iter()
        .enumerate()
        .map(|(i, step)| (step, report::step_name(step, i + 1, true)));
    steps.chain(failure)
}

/// Job indices, every job after the jobs it needs. Jobs on a dependency cycle (reported
/// elsewhere) and jobs behind one are left out.
fn topological_order(pipeline: &ir::Pipeline, index: &HashMap<&str, usize>) -> Vec<usize> {
    let count = pipeline.jobs.len();
    let mut waiting: Vec<usize> = vec![0; count];
    let mut dependants: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (i, job) in pipeline.jobs.iter().enumerate() {
        for need in &job.needs {
            if let Some(&parent) = index.get(need.name.as_str()) {
                if let Some(w) = waiting.get_mut(i) {
                    *w += 1;
                }
                if let Some(d) = dependants.get_mut(parent) {
                    d.push(i);
                }
            }
        }
    }
    let mut ready: VecDeque<usize> = (0..count).filter(|&i| waiting.get(i) == Some(&0)).collect();
    let mut order = Vec::with_capacity(count);
    while let Some(next) = ready.pop_front() {
        order.push(next);
        for &dependant in dependants.get(next).map_or(&[][..], Vec::as_slice) {
            if let Some(w) = waiting.get_mut(dependant) {
                *w -= 1;
                if *w == 0 {
                    ready.push_back(dependant);
                }
            }
        }
    }
    order
}

//! The job graph: `needs` must not form a cycle. Each cycle is reported once, as the full
//! path, with a label on every edge.

use crate::diagnostics::{Code, Diagnostic};
use crate::ir;

use super::Cx;

pub(super) fn check(cx: &mut Cx, pipeline: &ir::Pipeline) {
    let positions: std::collections::HashMap<&str, usize> = pipeline
        .jobs
        .iter()
        .enumerate()
        .map(|(i, j)| (j.id.as_str(), i))
        .collect();
    let index = |id: &str| positions.get(id).copied();
    // Colours of a depth-first search: 0 = unvisited, 1 = on the current path, 2 = done.
    let mut colour = vec![0u8; pipeline.jobs.len()];
    let mut reported: Vec<Vec<usize>> = Vec::new();
    for start in 0..pipeline.jobs.len() {
        if colour.get(start) != Some(&0) {
            continue;
        }
        // An explicit stack of (job, next need to look at) keeps deep graphs off the call stack.
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        if let Some(c) = colour.get_mut(start) {
            *c = 1;
        }
        while let Some((job, next)) = stack.last().copied() {
            let needs = pipeline
                .jobs
                .get(job)
                .map(|j| j.needs.as_slice())
                .unwrap_or_default();
            let Some(need) = needs.get(next) else {
                if let Some(c) = colour.get_mut(job) {
                    *c = 2;
                }
                stack.pop();
                continue;
            };
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            let Some(target) = index(&need.name) else {
                continue;
            };
            match colour.get(target).copied() {
                Some(0) => {
                    if let Some(c) = colour.get_mut(target) {
                        *c = 1;
                    }
                    stack.push((target, 0));
                }
                Some(1) => {
                    let from = stack.iter().position(|(j, _)| *j == target).unwrap_or(0);
                    let cycle: Vec<usize> = stack.iter().skip(from).map(|(j, _)| *j).collect();
                    let mut key = cycle.clone();
                    key.sort_unstable();
                    if !reported.contains(&key) {
                        report_cycle(cx, pipeline, &cycle);
                        reported.push(key);
                    }
                }
                _ => {}
            }
        }
    }
}

/// `cycle` lists jobs in order; each needs the next, and the last needs the first.
fn report_cycle(cx: &mut Cx, pipeline: &ir::Pipeline, cycle: &[usize]) {
    let jobs: Vec<&ir::Job> = cycle.iter().filter_map(|i| pipeline.jobs.get(*i)).collect();
    let Some(first) = jobs.first() else { return };
    let path: Vec<String> = jobs
        .iter()
        .map(|j| format!("`{}`", j.id))
        .chain([format!("`{}`", first.id)])
        .collect();
    let edge =
        |from: &ir::Job, to: &ir::Job| from.needs.iter().find(|n| n.name == to.id).map(|n| n.span);
    let mut edges = Vec::new();
    for (position, job) in jobs.iter().enumerate() {
        let next = jobs.get(position + 1).unwrap_or(first);
        if let Some(span) = edge(job, next) {
            edges.push((span, format!("`{}` needs `{}`", job.id, next.id)));
        }
    }
    let mut edges = edges.into_iter();
    let Some((span, label)) = edges.next() else {
        return;
    };
    let mut diagnostic = Diagnostic::new(
        Code::DependencyCycle,
        format!("jobs depend on each other in a cycle: {}", path.join(" → ")),
        span,
        label,
    );
    for (span, label) in edges {
        diagnostic = diagnostic.with_label(span, label);
    }
    cx.report(
        diagnostic.with_help(
            "none of these jobs can start; remove one of the `needs` to break the cycle",
        ),
    );
}

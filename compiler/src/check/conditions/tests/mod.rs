//! Condition analysis on hand-built pipelines: what must be reported, with which
//! explanation, and what must not be reported.

mod builder;
mod random;

use builder::{PipelineBuilder, only};

use super::check_pipeline;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Filter, InputType, TriggerKind};
use crate::source::SourceDb;

fn check(builder: PipelineBuilder) -> (Vec<Diagnostic>, SourceDb) {
    let (pipeline, db) = builder.build();
    (check_pipeline(&pipeline, &db), db)
}

fn messages(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code.info().code, d.message))
        .collect()
}

fn secondary(diagnostic: &Diagnostic) -> Vec<&str> {
    diagnostic
        .secondary
        .iter()
        .map(|label| label.message.as_str())
        .collect()
}

fn only_one(diagnostics: &[Diagnostic]) -> &Diagnostic {
    assert_eq!(diagnostics.len(), 1, "{:#?}", messages(diagnostics));
    &diagnostics[0]
}

/// The pipeline of the seed: push and pull requests on main and develop, a chain of jobs.
fn seed_pipeline() -> PipelineBuilder {
    PipelineBuilder::new()
        .on_push(&["main", "develop"])
        .on_pull_request(&["main", "develop"])
        .job("lint", &[], None)
        .job("unit-tests", &["lint"], None)
        .job("integration-tests", &["unit-tests"], None)
        .job(
            "deploy-staging",
            &["integration-tests"],
            Some(r#"branch == "develop""#),
        )
        .job(
            "e2e-tests",
            &["deploy-staging"],
            Some(r#"branch == "develop""#),
        )
        .job(
            "deploy-production",
            &["e2e-tests"],
            Some(r#"branch == "main""#),
        )
}

#[test]
fn seed_production_deploy_behind_develop_only_tests() {
    let (diagnostics, db) = check(seed_pipeline());
    let diagnostic = only_one(&diagnostics);
    assert_eq!(diagnostic.code, Code::UnreachableJob);
    assert_eq!(diagnostic.message, "job `deploy-production` can never run");
    assert_eq!(db.slice(diagnostic.primary.span), r#"branch == "main""#);
    assert_eq!(
        diagnostic.primary.message,
        r#"runs only when `branch == "main"`"#
    );
    assert_eq!(
        secondary(diagnostic),
        vec![r#"needs `e2e-tests`, which runs only when `branch == "develop"`"#]
    );
    assert!(
        diagnostic
            .help
            .as_deref()
            .is_some_and(|h| h.contains("a job is skipped when a job it needs is skipped"))
    );
}

#[test]
fn conflict_two_hops_up_names_the_path() {
    let builder = PipelineBuilder::new()
        .on_push(&["main", "develop"])
        .job("staging", &[], Some(r#"branch == "develop""#))
        .job("smoke", &["staging"], None)
        .job("production", &["smoke"], Some(r#"branch == "main""#));
    let (diagnostics, _) = check(builder);
    let diagnostic = only_one(&diagnostics);
    assert_eq!(
        secondary(diagnostic),
        vec![r#"needs `staging` (through `smoke`), which runs only when `branch == "develop"`"#]
    );
}

#[test]
fn only_the_first_unreachable_job_is_reported() {
    let builder = seed_pipeline()
        .job("announce", &["deploy-production"], None)
        .job("verify", &["announce"], Some(r#"branch == "main""#));
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec!["E0501: job `deploy-production` can never run"]
    );
}

#[test]
fn condition_against_the_triggers() {
    let builder = PipelineBuilder::new().on_pull_request(&["main"]).job(
        "publish",
        &[],
        Some(r#"event == "push""#),
    );
    let (diagnostics, _) = check(builder);
    let diagnostic = only_one(&diagnostics);
    assert_eq!(diagnostic.message, "job `publish` can never run");
    assert_eq!(
        secondary(diagnostic),
        vec!["the pipeline only runs on `pull_request` into `main`"]
    );
    assert!(
        diagnostic
            .help
            .as_deref()
            .is_some_and(|h| h.contains("add a trigger"))
    );
}

#[test]
fn a_push_is_a_branch_push_or_a_tag_push() {
    let push = TriggerKind::Push {
        branches: Some(only(&["main"])),
        tags: Some(only(&["v*"])),
        paths: None,
    };
    let builder = PipelineBuilder::new()
        .trigger("on push", push)
        .job("both", &[], Some(r#"branch == "main" && tag != """#))
        .job("either", &[], Some(r#"branch == "main" || tag != """#))
        .job("release", &[], Some(r#"startsWith(tag, "v")"#))
        .job("wrong-tag", &[], Some(r#"startsWith(tag, "release-")"#));
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec![
            "E0501: job `both` can never run",
            "E0501: job `wrong-tag` can never run"
        ]
    );
}

#[test]
fn globs_against_equality_and_prefixes() {
    let builder = PipelineBuilder::new()
        .on_push(&["**"])
        .job(
            "one-level",
            &[],
            Some(r#"matches(branch, "release/*") && branch == "release/a/b""#),
        )
        .job(
            "any-depth",
            &[],
            Some(r#"matches(branch, "release/**") && branch == "release/a/b""#),
        )
        .job(
            "prefix-not-shorter",
            &[],
            Some(r#"startsWith(branch, "release/") && !startsWith(branch, "rel")"#),
        )
        .job(
            "shorter-not-prefix",
            &[],
            Some(r#"startsWith(branch, "rel") && !startsWith(branch, "release/")"#),
        )
        .job(
            "suffix",
            &[],
            Some(r#"endsWith(branch, "-hotfix") && contains(branch, "fix") == false"#),
        );
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec![
            "E0501: job `one-level` can never run",
            "E0501: job `prefix-not-shorter` can never run",
            "E0501: job `suffix` can never run"
        ]
    );
    assert!(
        diagnostics[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("contradicts itself"))
    );
}

#[test]
fn branch_filters_constrain_the_branch() {
    let builder = PipelineBuilder::new()
        .on_push(&["release/**", "!release/old/**"])
        .job("old", &[], Some(r#"startsWith(branch, "release/old/")"#))
        .job("main", &[], Some(r#"branch == "main""#))
        .job("new", &[], Some(r#"startsWith(branch, "release/new")"#));
    let (diagnostics, _) = check(builder);
    // `old` is not reported: GitHub may match `!release/old/**` exactly, so a branch
    // `release/OLD/x` passes the filter, and `startsWith` ignores case there.
    assert_eq!(
        messages(&diagnostics),
        vec!["E0501: job `main` can never run"]
    );
}

#[test]
fn ignored_branches_are_not_conflicts_when_case_differs() {
    // GitHub may match `branches_ignore` exactly and compare `branch == "main"` ignoring
    // case, so a push to `MAIN` would run this job: nothing is reported.
    let push = TriggerKind::Push {
        branches: Some(Filter::Ignore(vec!["main".into()])),
        tags: None,
        paths: None,
    };
    let builder = PipelineBuilder::new()
        .trigger("on push", push)
        .job("main", &[], Some(r#"branch == "main""#))
        .job("tag", &[], Some(r#"tag != """#));
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec!["E0501: job `tag` can never run"]
    );
}

#[test]
fn ref_comparisons_become_branch_and_tag() {
    let tags_only = TriggerKind::Push {
        branches: None,
        tags: Some(only(&["v*"])),
        paths: None,
    };
    let builder = PipelineBuilder::new()
        .trigger("on push tags", tags_only)
        .job("on-main", &[], Some(r#"ref == "refs/heads/main""#))
        .job("on-tag", &[], Some(r#"startsWith(ref, "refs/tags/v")"#))
        .job("other-ref", &[], Some(r#"ref == "refs/pull/1/merge""#));
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec!["E0501: job `on-main` can never run"]
    );
}

#[test]
fn pull_request_filters_constrain_the_base_branch() {
    let builder = PipelineBuilder::new()
        .on_pull_request(&["main"])
        .job("into-develop", &[], Some(r#"base_branch == "develop""#))
        .job("from-anywhere", &[], Some(r#"head_branch != "main""#))
        .job("no-branch", &[], Some(r#"branch != """#));
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec![
            "E0501: job `into-develop` can never run",
            "E0501: job `no-branch` can never run"
        ]
    );
    let note =
        "on `pull_request`, `branch` is \"\"; the branch a pull request targets is `base_branch`";
    assert_eq!(diagnostics[1].notes, vec![note]);
    assert!(diagnostics[0].notes.is_empty());
}

#[test]
fn choice_inputs_take_only_their_options() {
    let environments = InputType::Choice(vec!["dev".into(), "staging".into(), "production".into()]);
    let builder = PipelineBuilder::new()
        .on_push(&["main"])
        .on_dispatch(&[("environment", environments)])
        .job("typo", &[], Some(r#"inputs.environment == "prodution""#))
        .job("fine", &[], Some(r#"inputs.environment == "production""#))
        .job(
            "membership",
            &[],
            Some(r#"contains(["qa", "preview"], inputs.environment)"#),
        );
    let (diagnostics, db) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec![
            "E0501: job `typo` can never run",
            "E0501: job `membership` can never run"
        ]
    );
    let typo = &diagnostics[0];
    assert_eq!(
        typo.help.as_deref(),
        Some(r#"`inputs.environment` is never "prodution"; did you mean "production"?"#)
    );
    let declaration = typo
        .secondary
        .iter()
        .find(|l| l.message.starts_with("`inputs.environment` is one of"))
        .unwrap();
    assert_eq!(db.slice(declaration.span), "input environment");
}

#[test]
fn boolean_inputs() {
    let builder = PipelineBuilder::new()
        .on_dispatch(&[("deploy", InputType::Boolean)])
        .job("build", &[], Some("inputs.deploy"))
        .job("skip-deploy", &["build"], Some("inputs.deploy == false"))
        .job("deploy", &["build"], Some("inputs.deploy == true"));
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec!["E0501: job `skip-deploy` can never run"]
    );
}

#[test]
fn inputs_are_empty_on_events_that_do_not_provide_them() {
    let builder = PipelineBuilder::new()
        .on_push(&["main"])
        .on_dispatch(&[("deploy", InputType::Boolean)])
        .job(
            "manual-push",
            &[],
            Some(r#"inputs.deploy && event == "push""#),
        )
        .job(
            "manual",
            &[],
            Some(r#"inputs.deploy && event == "workflow_dispatch""#),
        );
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec!["E0501: job `manual-push` can never run"]
    );
}

#[test]
fn opaque_facts_are_free_but_equal_facts_are_one() {
    let builder = PipelineBuilder::new()
        .on_push(&["main"])
        .job(
            "two-values",
            &[],
            Some(r#"needs.x.outputs.y == "a" && needs.x.outputs.y == "b""#),
        )
        .job(
            "raw",
            &[],
            Some(r#"`github.event.pull_request.draft` && !`github.event.pull_request.merged`"#),
        )
        .job(
            "numbers",
            &[],
            Some("vars.replicas > 2 && vars.replicas < 1"),
        )
        .job(
            "same-fact",
            &[],
            Some(r#"needs.x.outputs.y == "a" && needs.x.outputs.y != "a""#),
        );
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec!["E0501: job `same-fact` can never run"]
    );
}

#[test]
fn jobs_that_override_the_status_are_not_held_back() {
    let builder = PipelineBuilder::new()
        .on_push(&["main", "develop"])
        .job("staging", &[], Some(r#"branch == "develop""#))
        .job(
            "report",
            &["staging"],
            Some(r#"always() && branch == "main""#),
        )
        .job(
            "cleanup",
            &["staging"],
            Some(r#"!success() && branch == "main""#),
        )
        .job(
            "production",
            &["staging"],
            Some(r#"success() && branch == "main""#),
        )
        .job("after-report", &["report"], Some(r#"branch == "main""#))
        .job(
            "raw-always",
            &["staging"],
            Some(r#"`Always()` && branch == "main""#),
        );
    let (diagnostics, _) = check(builder);
    // `after-report` needs `report`, which runs, but also (transitively) `staging`.
    assert_eq!(
        messages(&diagnostics),
        vec![
            "E0501: job `production` can never run",
            "E0501: job `after-report` can never run"
        ]
    );
    assert_eq!(
        secondary(&diagnostics[1]),
        vec![r#"needs `staging` (through `report`), which runs only when `branch == "develop"`"#]
    );
}

#[test]
fn a_job_that_overrides_the_status_is_checked_against_the_triggers() {
    let builder = PipelineBuilder::new().on_pull_request(&["main"]).job(
        "notify",
        &[],
        Some(r#"always() && event == "schedule""#),
    );
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec!["E0501: job `notify` can never run"]
    );
}

#[test]
fn jobs_needed_together_that_never_run_together() {
    let builder = PipelineBuilder::new()
        .on_push(&["main", "develop"])
        .job("a", &[], Some(r#"branch == "main""#))
        .job("b", &[], Some(r#"branch == "develop""#))
        .job("c", &["a", "b"], None);
    let (diagnostics, db) = check(builder);
    let diagnostic = only_one(&diagnostics);
    assert_eq!(diagnostic.message, "job `c` can never run");
    assert_eq!(db.slice(diagnostic.primary.span), "a");
    assert_eq!(secondary(diagnostic).len(), 2);
}

#[test]
fn steps_against_their_job() {
    let builder = PipelineBuilder::new()
        .on_push(&["main", "develop"])
        .job_with("deploy", &[], Some(r#"branch == "main""#), |job| {
            job.step("announce", Some(r#"branch == "develop""#))
                .step("report", Some(r#"failure() && branch == "main""#))
                .step("tag", Some(r#"tag != """#))
                .on_failure("rollback", Some(r#"branch == "main""#))
        });
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec![
            "W0502: step `announce` of job `deploy` can never run",
            "W0502: step `tag` of job `deploy` can never run"
        ]
    );
    assert_eq!(
        secondary(&diagnostics[0]),
        vec![r#"the job runs only when `branch == "main"`"#]
    );
}

#[test]
fn matrix_step_with_a_value_the_matrix_never_takes() {
    let builder = PipelineBuilder::new()
        .on_push(&["main"])
        .job_with("test", &[], None, |job| {
            job.matrix(&[("service", &["frontend", "backend"])])
                .step("lint-frontend", Some(r#"matrix.service == "frontnd""#))
                .step("test-frontend", Some(r#"matrix.service == "frontend""#))
                .step(
                    "any",
                    Some(r#"matrix.service != "frontend" && matrix.service != "backend""#),
                )
        });
    let (diagnostics, db) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec![
            "W0502: step `lint-frontend` of job `test` can never run",
            "W0502: step `any` of job `test` can never run"
        ]
    );
    let typo = &diagnostics[0];
    assert_eq!(
        typo.help.as_deref(),
        Some(r#"`matrix.service` is never "frontnd"; did you mean "frontend"?"#)
    );
    assert_eq!(
        db.slice(typo.secondary[0].span),
        r#"service: ["frontend", "backend"]"#
    );
}

#[test]
fn steps_of_unreachable_jobs_are_not_reported() {
    let builder = seed_pipeline().job_with("smoke", &["deploy-production"], None, |job| {
        job.step("check", Some(r#"branch == "develop""#))
    });
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec!["E0501: job `deploy-production` can never run"]
    );
}

#[test]
fn constant_conditions() {
    let builder = PipelineBuilder::new()
        .on_push(&["main"])
        .job("disabled", &[], Some("false"))
        .job(
            "behind-disabled",
            &["disabled"],
            Some(r#"branch == "main""#),
        )
        .job_with("always", &[], Some("true"), |job| {
            job.step("same", Some(r#""a" == "a""#))
                .step("case", Some(r#""a" == "A""#))
        });
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec![
            "W0503: the condition of job `disabled` is always false",
            "W0503: the condition of job `always` is always true",
            "W0503: the condition of step `same` of job `always` is always true"
        ]
    );
    assert_eq!(
        diagnostics[0].help.as_deref(),
        Some("remove the job, or give it a condition that can hold")
    );
}

#[test]
fn case_differences_are_not_conflicts() {
    let builder =
        PipelineBuilder::new()
            .on_push(&["main"])
            .job("shouting", &[], Some(r#"branch == "Main""#));
    let (diagnostics, _) = check(builder);
    assert_eq!(messages(&diagnostics), Vec::<String>::new());
}

#[test]
fn reusable_pipelines_inherit_any_context() {
    let call = TriggerKind::Call {
        inputs: Vec::new(),
        secrets: Vec::new(),
        outputs: Vec::new(),
    };
    let builder = PipelineBuilder::new()
        .on_pull_request(&["main"])
        .trigger("on workflow_call", call)
        .job("on-push", &[], Some(r#"event == "push""#))
        .job(
            "impossible",
            &[],
            Some(r#"event == "push" && event == "schedule""#),
        );
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec!["E0501: job `impossible` can never run"]
    );
}

#[test]
fn releases_and_merge_queues() {
    let release = TriggerKind::Activity {
        event: "release".into(),
        types: vec!["published".into()],
    };
    let queue = TriggerKind::Activity {
        event: "merge_group".into(),
        types: Vec::new(),
    };
    let builder = PipelineBuilder::new()
        .trigger("on release", release)
        .trigger("on merge_group", queue)
        .job("main-only", &[], Some(r#"branch == "main""#))
        .job(
            "queued",
            &[],
            Some(r#"startsWith(branch, "gh-readonly-queue/main/")"#),
        )
        .job("published", &[], Some(r#"tag != "" && event == "release""#));
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec!["E0501: job `main-only` can never run"]
    );
}

#[test]
fn the_dnf_cap_gives_up_silently() {
    // Thirteen independent choices make 8192 conjuncts, beyond the cap: the contradiction
    // at the end is not looked for. Ten make 1024, within it.
    let condition = |choices: usize| {
        let ors: Vec<String> = (0..choices)
            .map(|i| format!("(needs.a.outputs.x{i} == \"1\" || needs.a.outputs.y{i} == \"1\")"))
            .collect();
        format!(
            r#"{} && branch == "main" && branch == "develop""#,
            ors.join(" && ")
        )
    };
    let builder = PipelineBuilder::new()
        .on_push(&["main", "develop"])
        .job("wide", &[], Some(&condition(13)))
        .job("narrow", &[], Some(&condition(10)));
    let (diagnostics, _) = check(builder);
    assert_eq!(
        messages(&diagnostics),
        vec!["E0501: job `narrow` can never run"]
    );
}

#[test]
fn a_long_chain_is_checked_once_per_distinct_requirement() {
    let mut builder = PipelineBuilder::new().on_push(&["main", "develop"]).job(
        "job0",
        &[],
        Some(r#"branch == "develop""#),
    );
    for i in 1..1000 {
        let condition = match i {
            500 => Some(r#"event == "push""#),
            999 => Some(r#"branch == "main""#),
            _ => None,
        };
        builder = builder.job_with(
            &format!("job{i}"),
            &[&format!("job{}", i - 1)],
            condition,
            |job| job.step("s", Some("success()")),
        );
    }
    let start = std::time::Instant::now();
    let (diagnostics, _) = check(builder);
    let elapsed = start.elapsed();
    assert_eq!(
        messages(&diagnostics),
        vec!["E0501: job `job999` can never run"]
    );
    assert_eq!(secondary(&diagnostics[0]).len(), 1);
    eprintln!("1000-job chain: {elapsed:?}");
}

#[test]
fn a_long_chain_where_every_job_has_its_own_condition() {
    let mut builder = PipelineBuilder::new()
        .on_push(&["**"])
        .job("job0", &[], None);
    for i in 1..1000 {
        let condition = if i == 999 {
            r#"branch == "b500""#.to_string()
        } else {
            format!(r#"branch != "b{i}" || event != "push""#)
        };
        builder = builder.job(
            &format!("job{i}"),
            &[&format!("job{}", i - 1)],
            Some(&condition),
        );
    }
    let start = std::time::Instant::now();
    let (diagnostics, _) = check(builder);
    let elapsed = start.elapsed();
    assert_eq!(
        messages(&diagnostics),
        vec!["E0501: job `job999` can never run"]
    );
    eprintln!("1000-job chain, a condition each: {elapsed:?}");
}

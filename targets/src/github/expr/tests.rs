//! One test per row of the compilation table in `expr.rs`.

use super::*;
use crate::github::test_ir::*;
use pipec_compiler::ir::StatusFunction;

fn cond(expr: Expr) -> String {
    let mut diagnostics = Vec::new();
    let text = condition(&expr, &mut diagnostics);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    text
}

fn value_text(template: Template) -> String {
    let mut diagnostics = Vec::new();
    let text = text(&template, JobOutputs::Needs, &mut diagnostics);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    text
}

fn interpolated(expr: Expr) -> String {
    value_text(template(vec![TemplatePart::Expr(expr)]))
}

fn flag(path: &str) -> Expr {
    reference(path, Type::Bool)
}

#[test]
fn string_literals_are_single_quoted_with_doubled_quotes() {
    assert_eq!(
        cond(eq(reference("inputs.name", Type::String), string("it's"))),
        "inputs.name == 'it''s'"
    );
}

#[test]
fn numbers_bools_durations_and_percentages_are_verbatim() {
    let input = || reference("inputs.n", Type::Number);
    assert_eq!(
        cond(binary(BinaryOp::Ge, input(), number("3.10"))),
        "inputs.n >= 3.10"
    );
    assert_eq!(
        cond(eq(reference("inputs.b", Type::Bool), boolean(false))),
        "inputs.b == false"
    );
    let duration = expr(ExprKind::Literal(Literal::Duration(90)), Type::Duration);
    assert_eq!(
        cond(binary(BinaryOp::Lt, input(), duration)),
        "inputs.n < 90"
    );
    let percent = expr(
        ExprKind::Literal(Literal::Percent("80".into())),
        Type::Percent,
    );
    assert_eq!(
        cond(binary(BinaryOp::Gt, input(), percent)),
        "inputs.n > 80"
    );
}

#[test]
fn templates_used_as_values_become_format_calls() {
    let release = expr(
        ExprKind::Template(tpl("release/{x}/${{ inputs.v }}")),
        Type::String,
    );
    assert_eq!(
        cond(eq(reference("inputs.target", Type::String), release)),
        "inputs.target == format('release/{{x}}/{0}', inputs.v)"
    );
    let plain = expr(ExprKind::Template(tpl("it's {plain}")), Type::String);
    assert_eq!(
        cond(eq(reference("inputs.target", Type::String), plain)),
        "inputs.target == 'it''s {plain}'"
    );
}

#[test]
fn contexts_map_to_github_names() {
    let table = [
        ("sha", "github.sha"),
        ("ref", "github.ref"),
        ("ref_name", "github.ref_name"),
        ("event", "github.event_name"),
        ("repository", "github.repository"),
        ("repository_owner", "github.repository_owner"),
        ("actor", "github.actor"),
        ("run_id", "github.run_id"),
        ("run_number", "github.run_number"),
        ("run_attempt", "github.run_attempt"),
        ("workspace", "github.workspace"),
        ("base_branch", "github.base_ref"),
        ("head_branch", "github.head_ref"),
        ("job_status", "job.status"),
    ];
    for (name, github) in table {
        assert_eq!(
            interpolated(context(name)),
            format!("${{{{ {github} }}}}"),
            "{name}"
        );
    }
}

#[test]
fn branch_and_tag_compare_exactly_against_the_ref() {
    assert_eq!(
        cond(eq(context("branch"), string("main"))),
        "github.ref == 'refs/heads/main'"
    );
    assert_eq!(
        cond(ne(string("main"), context("branch"))),
        "github.ref != 'refs/heads/main'"
    );
    assert_eq!(
        cond(eq(context("tag"), string("v1"))),
        "github.ref == 'refs/tags/v1'"
    );
    assert_eq!(
        cond(eq(context("branch"), string(""))),
        "!startsWith(github.ref, 'refs/heads/')"
    );
    assert_eq!(
        cond(ne(context("tag"), string(""))),
        "startsWith(github.ref, 'refs/tags/')"
    );
}

#[test]
fn starts_with_on_branch_and_tag_tests_the_ref() {
    let starts = |subject: &str, prefix: &str| {
        cond(call(
            Function::StartsWith,
            vec![context(subject), string(prefix)],
        ))
    };
    assert_eq!(
        starts("branch", "rel/"),
        "startsWith(github.ref, 'refs/heads/rel/')"
    );
    assert_eq!(starts("tag", "v"), "startsWith(github.ref, 'refs/tags/v')");
    assert_eq!(starts("branch", ""), "true");
}

#[test]
fn branch_and_tag_elsewhere_are_the_short_name_under_their_prefix() {
    assert_eq!(
        interpolated(context("branch")),
        "${{ (startsWith(github.ref, 'refs/heads/') && github.ref_name || '') }}"
    );
    assert_eq!(
        cond(eq(context("tag"), reference("inputs.tag", Type::String))),
        "(startsWith(github.ref, 'refs/tags/') && github.ref_name || '') == inputs.tag"
    );
    assert_eq!(
        cond(call(
            Function::EndsWith,
            vec![context("branch"), string("-hotfix")]
        )),
        "endsWith((startsWith(github.ref, 'refs/heads/') && github.ref_name || ''), '-hotfix')"
    );
}

#[test]
fn namespaces_map_to_github_contexts() {
    let table = [
        ("matrix.service", "matrix.service"),
        ("inputs.version", "inputs.version"),
        ("secrets.TOKEN", "secrets.TOKEN"),
        ("vars.REGION", "vars.REGION"),
        ("env.HOME_DIR", "env.HOME_DIR"),
        ("needs.build.outputs.tag", "needs.build.outputs.tag"),
        ("needs.build.result", "needs.build.result"),
        ("steps.meta.outputs.tag", "steps.meta.outputs.tag"),
        ("steps.scan.outcome", "steps.scan.outcome"),
    ];
    for (path, github) in table {
        assert_eq!(
            interpolated(reference(path, Type::String)),
            format!("${{{{ {github} }}}}"),
            "{path}"
        );
    }
    let odd = expr(ExprKind::Matrix("node version".into()), Type::String);
    assert_eq!(interpolated(odd), "${{ matrix['node version'] }}");
}

#[test]
fn job_outputs_of_reusable_workflows_read_from_jobs() {
    let mut diagnostics = Vec::new();
    let value = text(
        &tpl("${{ jobs.publish.outputs.url }}"),
        JobOutputs::Jobs,
        &mut diagnostics,
    );
    assert_eq!(value, "${{ jobs.publish.outputs.url }}");
}

#[test]
fn raw_text_is_verbatim_and_parenthesised_as_an_operand() {
    assert_eq!(cond(raw("github.event.forced")), "github.event.forced");
    assert_eq!(
        cond(raw("${{ github.event.forced }}")),
        "github.event.forced"
    );
    assert_eq!(
        cond(not(raw("github.event.forced"))),
        "!github.event.forced"
    );
    assert_eq!(
        cond(and(
            raw("github.event_name == 'push'"),
            status(StatusFunction::Success)
        )),
        "(github.event_name == 'push') && success()"
    );
    assert_eq!(cond(raw("a || b")), "a || b");
}

#[test]
fn status_functions_are_calls() {
    assert_eq!(cond(status(StatusFunction::Success)), "success()");
    assert_eq!(cond(status(StatusFunction::Failure)), "failure()");
    assert_eq!(cond(status(StatusFunction::Always)), "always()");
    assert_eq!(cond(status(StatusFunction::Cancelled)), "cancelled()");
}

#[test]
fn text_functions_are_github_calls() {
    let subject = || reference("inputs.name", Type::String);
    assert_eq!(
        cond(call(Function::Contains, vec![subject(), string("x")])),
        "contains(inputs.name, 'x')"
    );
    assert_eq!(
        cond(call(Function::StartsWith, vec![subject(), string("x")])),
        "startsWith(inputs.name, 'x')"
    );
    assert_eq!(
        cond(call(Function::EndsWith, vec![subject(), string("x")])),
        "endsWith(inputs.name, 'x')"
    );
}

#[test]
fn contains_on_a_list_literal_is_a_chain_of_equalities() {
    let members = |items: Vec<Expr>| {
        cond(call(
            Function::Contains,
            vec![list(items), context("branch")],
        ))
    };
    assert_eq!(
        members(vec![string("main"), string("develop")]),
        "github.ref == 'refs/heads/main' || github.ref == 'refs/heads/develop'"
    );
    assert_eq!(
        members(vec![string("main")]),
        "github.ref == 'refs/heads/main'"
    );
    assert_eq!(members(vec![]), "false");
    let in_and = and(
        call(
            Function::Contains,
            vec![
                list(vec![string("a"), string("b")]),
                reference("inputs.x", Type::String),
            ],
        ),
        boolean(true),
    );
    assert_eq!(cond(in_and), "(inputs.x == 'a' || inputs.x == 'b') && true");
}

#[test]
fn a_list_elsewhere_is_unsupported() {
    let mut diagnostics = Vec::new();
    condition(
        &call(Function::StartsWith, vec![list(vec![]), string("x")]),
        &mut diagnostics,
    );
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].code, Code::UnsupportedByTarget);
}

#[test]
fn matches_compiles_literal_and_prefix_globs_exactly() {
    let matches =
        |subject: Expr, glob: &str| cond(call(Function::Matches, vec![subject, string(glob)]));
    assert_eq!(
        matches(context("branch"), "main"),
        "github.ref == 'refs/heads/main'"
    );
    assert_eq!(
        matches(context("branch"), "release/**"),
        "startsWith(github.ref, 'refs/heads/release/')"
    );
    assert_eq!(
        matches(context("tag"), "v**"),
        "startsWith(github.ref, 'refs/tags/v')"
    );
    assert_eq!(matches(context("branch"), "**"), "true");
    assert_eq!(
        matches(reference("inputs.path", Type::String), "src/**"),
        "startsWith(inputs.path, 'src/')"
    );
    assert_eq!(
        matches(reference("inputs.path", Type::String), "README.md"),
        "inputs.path == 'README.md'"
    );
}

#[test]
fn other_globs_are_reported_as_unsupported_by_github() {
    for glob in [
        "release/*",
        "v[0-9]*",
        "**/docs",
        "a?",
        "!main",
        "a+",
        "x\\*",
    ] {
        let mut diagnostics = Vec::new();
        condition(
            &call(Function::Matches, vec![context("branch"), string(glob)]),
            &mut diagnostics,
        );
        assert_eq!(diagnostics.len(), 1, "{glob}");
        let diagnostic = &diagnostics[0];
        assert_eq!(diagnostic.code, Code::UnsupportedByTarget);
        assert!(
            diagnostic.message.contains("github") && diagnostic.message.contains("matches"),
            "{}",
            diagnostic.message
        );
        assert!(
            diagnostic
                .help
                .as_deref()
                .is_some_and(|help| help.contains("startsWith") && help.contains("**"))
        );
    }
    let mut diagnostics = Vec::new();
    condition(
        &call(
            Function::Matches,
            vec![context("branch"), reference("inputs.glob", Type::String)],
        ),
        &mut diagnostics,
    );
    assert!(diagnostics[0].message.contains("not a string literal"));
}

#[test]
fn not_and_binary_use_minimal_parentheses() {
    let a = || reference("inputs.a", Type::Bool);
    let b = || reference("inputs.b", Type::Bool);
    let c = || reference("inputs.c", Type::Bool);
    assert_eq!(cond(not(a())), "!inputs.a");
    assert_eq!(cond(not(and(a(), b()))), "!(inputs.a && inputs.b)");
    assert_eq!(cond(not(not(a()))), "!!inputs.a");
    assert_eq!(
        cond(and(or(a(), b()), c())),
        "(inputs.a || inputs.b) && inputs.c"
    );
    assert_eq!(
        cond(or(and(a(), b()), c())),
        "inputs.a && inputs.b || inputs.c"
    );
    assert_eq!(
        cond(and(a(), and(b(), c()))),
        "inputs.a && inputs.b && inputs.c"
    );
    assert_eq!(
        cond(or(a(), or(b(), c()))),
        "inputs.a || inputs.b || inputs.c"
    );
    assert_eq!(
        cond(eq(eq(a(), b()), c())),
        "(inputs.a == inputs.b) == inputs.c"
    );
    assert_eq!(cond(eq(not(a()), b())), "!inputs.a == inputs.b");
    assert_eq!(
        cond(and(
            eq(context("event"), string("push")),
            not(eq(context("branch"), string("main")))
        )),
        "github.event_name == 'push' && !(github.ref == 'refs/heads/main')"
    );
}

#[test]
fn string_encoded_bools_are_compared_as_conditions() {
    assert_eq!(
        cond(flag("needs.changes.outputs.frontend")),
        "needs.changes.outputs.frontend == 'true'"
    );
    assert_eq!(
        cond(flag("steps.check.outputs.changed")),
        "steps.check.outputs.changed == 'true'"
    );
    assert_eq!(cond(flag("env.DEPLOY")), "env.DEPLOY == 'true'");
    assert_eq!(cond(flag("vars.ENABLED")), "vars.ENABLED == 'true'");
    assert_eq!(
        cond(not(flag("steps.check.outputs.changed"))),
        "steps.check.outputs.changed != 'true'"
    );
    assert_eq!(
        cond(or(
            flag("needs.a.outputs.x"),
            eq(context("branch"), string("main"))
        )),
        "needs.a.outputs.x == 'true' || github.ref == 'refs/heads/main'"
    );
    // Dispatch and call inputs are real booleans.
    assert_eq!(cond(flag("inputs.dry_run")), "inputs.dry_run");
    // In text they stay text.
    assert_eq!(
        interpolated(flag("needs.a.outputs.x")),
        "${{ needs.a.outputs.x }}"
    );
}

#[test]
fn comparing_string_encoded_bools_with_bools() {
    assert_eq!(
        cond(eq(flag("needs.a.outputs.x"), boolean(true))),
        "needs.a.outputs.x == 'true'"
    );
    assert_eq!(
        cond(ne(boolean(false), flag("needs.a.outputs.x"))),
        "'false' != needs.a.outputs.x"
    );
    assert_eq!(
        cond(eq(flag("needs.a.outputs.x"), flag("steps.s.outputs.y"))),
        "needs.a.outputs.x == steps.s.outputs.y"
    );
    assert_eq!(
        cond(eq(flag("needs.a.outputs.x"), flag("inputs.dry_run"))),
        "(needs.a.outputs.x == 'true') == inputs.dry_run"
    );
}

#[test]
fn text_escapes_literal_interpolation_markers_and_inlines_literals() {
    let parts = vec![
        TemplatePart::Text("echo '${{ not an expression }}' ".into()),
        TemplatePart::Expr(number("3")),
        TemplatePart::Text(" ".into()),
        TemplatePart::Expr(reference("sha", Type::String)),
    ];
    assert_eq!(
        value_text(template(parts)),
        "echo '${{ '${{' }} not an expression }}' 3 ${{ github.sha }}"
    );
}

#[test]
fn invalid_compiles_to_an_empty_string() {
    assert_eq!(cond(expr(ExprKind::Invalid, Type::Unknown)), "''");
}

use super::*;
use crate::ast::{ExprKind, StringPart};

fn parse(text: &str) -> (ast::File, Vec<Diagnostic>) {
    parse_file(FileId(0), text)
}

#[test]
fn parses_a_small_pipeline_without_diagnostics() {
    let (file, diagnostics) = parse(
        "pipeline ci \"CI\" {\n  on push { branches: [\"main\"] }\n  job build {\n    runs_on: \"ubuntu-latest\"\n    step { run: \"make\" }\n  }\n}\n",
    );
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let [
        Item {
            kind: ItemKind::Pipeline { id, body, .. },
            ..
        },
    ] = file.items.as_slice()
    else {
        panic!("expected one pipeline, got {:?}", file.items);
    };
    assert_eq!(id.name, "ci");
    assert_eq!(body.items.len(), 2);
}

#[test]
fn recovers_and_reports_every_broken_line() {
    let (file, diagnostics) = parse(
        "pipeline p {\n  job a {\n    runs_on \"x\"\n    needs: [\n  }\n  job b { timeout: 5m }\n}\n",
    );
    let codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.len() >= 2, "{diagnostics:#?}");
    let [
        Item {
            kind: ItemKind::Pipeline { body, .. },
            ..
        },
    ] = file.items.as_slice()
    else {
        panic!("pipeline lost: {:?}", file.items);
    };
    assert!(
        body.items
            .iter()
            .any(|i| matches!(&i.kind, ItemKind::Job { id, .. } if id.name == "b"))
    );
}

#[test]
fn reports_expected_tokens() {
    let (_, diagnostics) = parse("pipeline p {\n  runs_on \"x\"\n}\n");
    let first = diagnostics
        .first()
        .map(|d| d.primary.message.clone())
        .unwrap_or_default();
    assert!(first.contains("`:`"), "{diagnostics:#?}");
}

#[test]
fn multiline_strings_lose_common_indentation_and_keep_interpolations() {
    let (file, diagnostics) =
        parse("let s = \"\"\"\n    cd ${{ x }}\n      make \\\n    done\n    \"\"\"\n");
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let Some(Item {
        kind: ItemKind::Let { value, .. },
        ..
    }) = file.items.first()
    else {
        panic!()
    };
    let ExprKind::String(lit) = &value.kind else {
        panic!()
    };
    assert!(
        matches!(lit.parts.as_slice(), [StringPart::Text(a), StringPart::Interpolation(_), StringPart::Text(b)]
        if a == "cd " && b == "\n  make \\\ndone\n"),
        "{:?}",
        lit.parts
    );
}

#[test]
fn unclosed_string_and_block_are_reported() {
    let (_, diagnostics) = parse("pipeline p {\n  name: \"abc\n");
    let codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&Code::UnclosedDelimiter), "{diagnostics:#?}");
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let text = format!("let x = {}1{}", "(".repeat(100_000), ")".repeat(100_000));
    let (_, diagnostics) = parse(&text);
    assert_eq!(diagnostics.len(), 1);
}

#[test]
fn hyphenated_names_and_operators() {
    let (file, diagnostics) =
        parse("let x = needs.detect-changes.outputs.frontend == \"true\" && !cancelled()\n");
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let Some(Item {
        kind: ItemKind::Let { value, .. },
        ..
    }) = file.items.first()
    else {
        panic!()
    };
    assert!(matches!(
        &value.kind,
        ExprKind::Binary {
            op: crate::ast::BinaryOp::And,
            ..
        }
    ));
}

#[test]
fn doc_comments_are_the_hash_hash_lines_directly_above() {
    let text =
        "## Module doc.\n\n# plain comment\n## First line.\n##\n## Second.\ntemplate step x() {}\n";
    let offset = text.find("template").unwrap_or(0);
    assert_eq!(
        super::doc_comment(text, offset).as_deref(),
        Some("First line.\n\nSecond.")
    );
    assert_eq!(super::module_doc(text).as_deref(), Some("Module doc."));
    let undocumented = "# plain\ntemplate step x() {}\n";
    assert_eq!(super::doc_comment(undocumented, 8), None);
    assert_eq!(super::module_doc("## Doc of the item.\nenum e {}\n"), None);
    let parameter = text.find("x()").unwrap_or(0) + 2;
    assert_eq!(
        super::doc_comment(text, parameter),
        None,
        "not its own line"
    );
}

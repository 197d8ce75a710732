//! Unit tests for the YAML writer: one per quoting and layout rule, and a round trip of
//! tricky strings through PyYAML (YAML 1.1 rules), which must be installed.

use super::*;
use std::io::Write as _;
use std::process::{Command, Stdio};

fn doc(entries: Vec<(&str, Node)>) -> String {
    let mut map = Map::new();
    for (key, value) in entries {
        map.insert(key, value);
    }
    render_document(&[], &map)
}

fn value(node: Node) -> String {
    doc(vec![("k", node)])
}

fn s(text: &str) -> Node {
    Node::Str(text.to_owned())
}

#[test]
fn plain_strings_stay_plain() {
    for text in [
        "main",
        "ubuntu-latest",
        "${{ github.sha }}",
        "/usr/bin/env",
        "_x",
        "a:b",
        "a#b",
        "it's",
        "Ünïcode",
        "./run.sh",
        "../up",
    ] {
        assert_eq!(value(s(text)), format!("k: {text}\n"), "{text}");
    }
}

#[test]
fn yaml_1_1_words_are_quoted_in_any_case() {
    for text in [
        "y", "N", "yes", "No", "ON", "off", "True", "false", "NULL", "~",
    ] {
        assert_eq!(value(s(text)), format!("k: '{text}'\n"), "{text}");
    }
}

#[test]
fn strings_that_could_be_other_types_or_indicators_are_quoted() {
    for text in [
        "",
        "18",
        "3.10",
        "12:30",
        "2024-01-01",
        "=",
        "<<",
        "- item",
        "#x",
        "*x",
        "&x",
        "!x",
        "%x",
        "@x",
        "`x`",
        "|",
        ">",
        "{a}",
        "[a]",
        "?x",
        ".5",
        ".inf",
        "...",
        ".",
        ".x",
    ] {
        assert_eq!(value(s(text)), format!("k: '{text}'\n"), "{text}");
    }
}

#[test]
fn colon_space_hash_and_edge_spaces_force_quotes() {
    for text in ["a: b", "a #b", "a:", " a", "a "] {
        assert_eq!(value(s(text)), format!("k: '{text}'\n"), "{text}");
    }
}

#[test]
fn single_quotes_are_doubled_unless_double_quotes_read_better() {
    assert_eq!(value(s("'x'")), "k: \"'x'\"\n");
    assert_eq!(
        value(s("!startsWith(github.ref, 'refs/heads/')")),
        "k: \"!startsWith(github.ref, 'refs/heads/')\"\n"
    );
    assert_eq!(value(s("'a\" b")), "k: '''a\" b'\n");
}

#[test]
fn control_characters_are_escaped_in_double_quotes() {
    assert_eq!(value(s("a\tb")), "k: \"a\\tb\"\n");
    assert_eq!(value(s("bell\u{7}")), "k: \"bell\\a\"\n");
    assert_eq!(value(s("a\u{1}b\u{2028}")), "k: \"a\\x01b\\L\"\n");
    assert_eq!(value(s("a\r\nb\n")), "k: \"a\\r\\nb\\n\"\n");
}

#[test]
fn multi_line_strings_are_block_literals_with_the_right_chomping() {
    assert_eq!(value(s("a\nb\n")), "k: |\n  a\n  b\n");
    assert_eq!(value(s("a\nb")), "k: |-\n  a\n  b\n");
    assert_eq!(
        doc(vec![("k", s("a\n\n")), ("z", s("z"))]),
        "k: |+\n  a\n\nz: z\n"
    );
    assert_eq!(value(s("  a\nb\n")), "k: |2\n    a\n  b\n");
    assert_eq!(value(s("\n  a\n")), "k: |2\n\n    a\n");
}

#[test]
fn a_keep_block_at_the_end_of_the_document_is_double_quoted() {
    let mut map = Map::new();
    map.insert("k", s("a\n\n"));
    map.insert("z", s("z"));
    assert_eq!(render_document(&[], &map), "k: |+\n  a\n\nz: z\n");
    let mut last = Map::new();
    last.insert("z", s("z"));
    last.insert("k", s("a\n\n"));
    assert_eq!(render_document(&[], &last), "z: z\nk: \"a\\n\\n\"\n");
}

#[test]
fn whitespace_only_multi_line_strings_are_double_quoted() {
    assert_eq!(value(s("\n")), "k: \"\\n\"\n");
    assert_eq!(value(s("  \n ")), "k: \"  \\n \"\n");
}

#[test]
fn keys_are_quoted_by_the_same_rule() {
    assert_eq!(
        doc(vec![
            ("on", Node::Null),
            ("a b", s("x")),
            ("1", s("z")),
            ("a: b", s("z"))
        ]),
        "'on':\na b: x\n'1': z\n'a: b': z\n"
    );
    assert_eq!(doc(vec![("a\nb", s("x"))]), "\"a\\nb\": x\n");
}

#[test]
fn null_is_nothing_after_the_colon_and_empty_collections_are_flow() {
    assert_eq!(
        doc(vec![
            ("push", Node::Null),
            ("a", Node::Seq(vec![])),
            ("b", Node::Map(Map::new()))
        ]),
        "push:\na: []\nb: {}\n"
    );
}

#[test]
fn bools_and_numbers_are_plain() {
    assert_eq!(
        doc(vec![
            ("a", Node::Bool(true)),
            ("b", Node::Number("18".into()))
        ]),
        "a: true\nb: 18\n"
    );
}

#[test]
fn numbers_are_plain_only_when_they_read_back_as_written() {
    for text in ["0", "18", "-2", "3.9", "0.25", "0.0001", "123456789012345"] {
        assert_eq!(
            Node::number_or_string(text),
            Node::Number(text.into()),
            "{text}"
        );
    }
    for text in [
        "3.10",
        "012",
        "1e3",
        ".5",
        "5.",
        "+5",
        "-0",
        "1_000",
        "0x1F",
        "0.00001",
        "1234567890123456",
        "",
        "-",
        "1.2.3",
        "nan",
    ] {
        assert_eq!(
            Node::number_or_string(text),
            Node::Str(text.into()),
            "{text}"
        );
    }
}

#[test]
fn short_scalar_lists_are_flow_and_quote_flow_indicators() {
    let list = Node::Seq(vec![
        s("main"),
        s("release/**"),
        s("**"),
        s("a,b"),
        s("x:y"),
        Node::Number("3".into()),
        Node::Bool(false),
    ]);
    assert_eq!(
        value(list),
        "k: [main, release/**, '**', 'a,b', 'x:y', 3, false]\n"
    );
    assert_eq!(
        value(Node::Seq(vec![s("${{ matrix.os }}")])),
        "k: ['${{ matrix.os }}']\n"
    );
}

#[test]
fn long_or_nested_lists_are_block_and_indented() {
    let long: Vec<Node> = (0..12).map(|i| s(&format!("item-number-{i}"))).collect();
    let rendered = value(Node::Seq(long));
    assert!(
        rendered.starts_with("k:\n  - item-number-0\n  - item-number-1\n"),
        "{rendered}"
    );
    let mut step = Map::new();
    step.insert("name", s("Build"));
    step.insert("run", s("make\nmake test\n"));
    let steps = Node::Seq(vec![Node::Map(step), s("x\n")]);
    assert_eq!(
        value(steps),
        "k:\n  - name: Build\n    run: |\n      make\n      make test\n  - |\n    x\n"
    );
    let nested = Node::Seq(vec![Node::Seq(vec![s("a\nb")]), Node::Seq(vec![s("c")])]);
    assert_eq!(value(nested), "k:\n  - - |-\n      a\n      b\n  - [c]\n");
}

#[test]
fn a_flow_list_is_used_only_while_the_line_fits_in_80_columns() {
    let items = |n: usize| Node::Seq((0..n).map(|_| s("abcdefghi")).collect());
    // "k: [" + n * 9 + (n - 1) * 2 + "]": 7 items make 80 columns, 8 make 91.
    assert!(value(items(7)).starts_with("k: ["));
    assert!(value(items(8)).starts_with("k:\n  - "));
}

#[test]
fn blank_lines_separate_entries_that_ask_for_them_but_never_the_first() {
    let mut jobs = Map::new();
    jobs.insert_separated("a", s("x"));
    jobs.insert_separated("b", s("z"));
    let mut root = Map::new();
    root.insert("jobs", jobs);
    assert_eq!(render_document(&[], &root), "jobs:\n  a: x\n\n  b: z\n");
}

#[test]
fn inserting_a_key_again_replaces_its_value_in_place() {
    let mut map = Map::new();
    map.insert("a", s("1"));
    map.insert("b", s("2"));
    map.insert("a", s("3"));
    assert_eq!(render_document(&[], &map), "a: '3'\nb: '2'\n");
}

#[test]
fn the_header_is_a_comment_block_and_the_output_ends_with_one_newline() {
    let mut map = Map::new();
    map.insert("a", s("b"));
    let header = vec!["# one".to_owned(), "two\nthree".to_owned(), String::new()];
    assert_eq!(
        render_document(&header, &map),
        "# one\n# two\n# three\n#\n\na: b\n"
    );
    assert_eq!(render_document(&[], &Map::new()), "{}\n");
}

/// Runs PyYAML (YAML 1.1 rules) on `text` and returns the document as JSON. Fails the test,
/// never skips it, when python3 or PyYAML is missing.
fn pyyaml_load(text: &str) -> serde_json::Value {
    let script = "import yaml,json,sys; print(json.dumps(yaml.safe_load(sys.stdin)))";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("python3 is needed for the YAML 1.1 round trip ({e}); install python3 and `pip install pyyaml`"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("No module named 'yaml'"),
        "PyYAML is needed for the YAML 1.1 round trip: `pip install pyyaml`\n{stderr}"
    );
    assert!(
        output.status.success(),
        "PyYAML rejected the document:\n{stderr}\n---\n{text}"
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

const TRICKY: &[&str] = &[
    "on",
    "off",
    "yes",
    "no",
    "y",
    "n",
    "Y",
    "N",
    "NO",
    "True",
    "FALSE",
    "null",
    "Null",
    "~",
    "",
    "1_000",
    "12:30",
    "190:20:30",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "=",
    "<<",
    "0x1F",
    "012",
    "0o17",
    "0b101",
    "3.10",
    "1e3",
    ".5",
    ".inf",
    "-.inf",
    ".NaN",
    "+1",
    "-1",
    "- item",
    "-",
    "#hash",
    "a: b",
    "a #b",
    "a:",
    "*x",
    "&x",
    "!x",
    "!!str",
    "%x",
    "@x",
    "`x`",
    "|",
    ">",
    "{a}",
    "[a]",
    "?",
    "? x",
    " lead",
    "trail ",
    "\ttab",
    "tab\t",
    "naïve café ☕ 日本",
    "${{ github.sha }}",
    "it's",
    "say \"hi\"",
    "back\\slash",
    "'quoted'",
    "a,b",
    "---",
    "...",
    "./scripts/run.sh",
    "../up",
    "./",
    ".",
    "\u{85}next-line",
    "line\u{2028}sep",
    "bom\u{feff}",
    "nul\u{0}",
    "cr\rlf",
    "set -euo pipefail\necho \"building $GITHUB_SHA\"\ncargo test --all\n",
    "line one\nline two",
    "  indented first line\nsecond\n",
    "trailing spaces   \nnext\n",
    "several\nfinal newlines\n\n\n",
    "\n\nleading blank lines\n",
    "\n  leading blank then indented\n",
    "tab\tinside\n\tand first\n",
    "a\n  \n",
    "a\n\t\nb",
    "# not a comment\n--- not a document\n",
    "x\n  ",
    "ends with keep\n\n",
];

#[test]
fn tricky_strings_round_trip_through_a_yaml_1_1_reader() {
    let mut map = Map::new();
    map.insert("on", s("push"));
    for (index, text) in TRICKY.iter().enumerate() {
        map.insert(format!("v{index}"), s(text));
    }
    // The same strings as list items, in flow and block lists, and as keys.
    map.insert(
        "flow",
        Node::Seq(TRICKY.iter().take(20).map(|t| s(t)).collect()),
    );
    map.insert("block", Node::Seq(TRICKY.iter().map(|t| s(t)).collect()));
    let mut keys = Map::new();
    for (index, text) in TRICKY.iter().enumerate() {
        keys.insert(*text, Node::Number(index.to_string()));
    }
    map.insert("keys", keys);
    let text = render_document(&["# header".to_owned()], &map);
    assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "{text}");
    let loaded = pyyaml_load(&text);
    let object = loaded.as_object().unwrap();
    assert_eq!(
        object.get("on"),
        Some(&serde_json::json!("push")),
        "the key `on` must stay a string:\n{text}"
    );
    for (index, expected) in TRICKY.iter().enumerate() {
        let got = object.get(&format!("v{index}")).unwrap();
        assert_eq!(
            got.as_str(),
            Some(*expected),
            "value v{index} came back as {got}:\n{text}"
        );
        assert_eq!(
            loaded["block"][index].as_str(),
            Some(*expected),
            "block item {index}:\n{text}"
        );
        assert_eq!(
            loaded["keys"][*expected],
            serde_json::json!(index),
            "key {expected:?}:\n{text}"
        );
    }
    for (index, expected) in TRICKY.iter().take(20).enumerate() {
        assert_eq!(
            loaded["flow"][index].as_str(),
            Some(*expected),
            "flow item {index}:\n{text}"
        );
    }
}

#[test]
fn a_keep_block_in_the_last_list_item_round_trips() {
    let mut map = Map::new();
    map.insert("steps", Node::Seq(vec![s("a"), s("x\n\n")]));
    let text = render_document(&[], &map);
    assert_eq!(
        pyyaml_load(&text)["steps"][1],
        serde_json::json!("x\n\n"),
        "{text}"
    );
}

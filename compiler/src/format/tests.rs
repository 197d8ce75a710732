use super::*;

fn formatted(text: &str) -> String {
    match format(FileId::default(), text) {
        Ok(text) => text,
        Err(error) => panic!("{error:?}"),
    }
}

#[track_caller]
fn assert_formats(input: &str, expected: &str) {
    let once = formatted(input);
    assert_eq!(once, expected, "\n--- got ---\n{once}");
    assert_eq!(formatted(&once), once, "formatting twice changed the text");
}

#[test]
fn indents_blocks_and_spaces_tokens() {
    assert_formats(
        "pipeline ci{\n    job build   \"Build\"{\nneeds:[a,b]\n  when :branch==\"main\"&&!(x||y)\n}\n}",
        "pipeline ci {\n  job build \"Build\" {\n    needs: [a, b]\n    when: branch == \"main\" && !(x || y)\n  }\n}\n",
    );
}

#[test]
fn keeps_one_line_blocks_on_one_line() {
    assert_formats(
        "pipeline ci {\n  on push {branches:[\"main\"];tags:[\"v*\"]}\n  job a { step {run: \"x\"} }\n}\n",
        "pipeline ci {\n  on push { branches: [\"main\"], tags: [\"v*\"] }\n  job a { step { run: \"x\" } }\n}\n",
    );
}

#[test]
fn keeps_comments_and_at_most_one_blank_line() {
    assert_formats(
        "# head\n\n\n\nlet a = 1 # why\n# before b\n\n\nlet b = 2\n\n# tail\n",
        "# head\n\nlet a = 1 # why\n# before b\n\nlet b = 2\n\n# tail\n",
    );
    assert_formats(
        "pipeline ci { # the pipeline\n\n  # first\n  on push\n\n}\n",
        "pipeline ci { # the pipeline\n  # first\n  on push\n}\n",
    );
}

#[test]
fn breaks_a_list_written_across_lines_one_element_a_line() {
    assert_formats(
        "let xs = [\"a\", # first\n  \"b\"\n  # last\n]\n",
        "let xs = [\n  \"a\", # first\n  \"b\",\n  # last\n]\n",
    );
    assert_formats("let xs = [\"a\",\"b\",]\n", "let xs = [\"a\", \"b\"]\n");
}

#[test]
fn template_arguments_take_a_line_each_without_commas() {
    assert_formats(
        "pipeline p {\n on push\n job j {\n step docker.build(image: \"a\",\n   push: true, tags: [\"x\"])\n }\n}\n",
        "pipeline p {\n  on push\n  job j {\n    step docker.build(\n      image: \"a\"\n      push: true\n      tags: [\"x\"]\n    )\n  }\n}\n",
    );
}

#[test]
fn keeps_a_line_break_in_an_expression_as_a_continuation() {
    assert_formats(
        "let ok = a &&\nb   ||\n   c\n",
        "let ok = a &&\n    b ||\n    c\n",
    );
}

#[test]
fn moves_a_script_with_its_block_without_changing_its_value() {
    assert_formats(
        "pipeline p {\non push\njob j {\nstep {\nrun: \"\"\"\n      echo a\n        nested\n\n      echo ${{ b }}\n   \"\"\"\n}\n}\n}\n",
        "pipeline p {\n  on push\n  job j {\n    step {\n      run: \"\"\"\n        echo a\n          nested\n\n        echo ${{ b }}\n        \"\"\"\n    }\n  }\n}\n",
    );
    // Text on the opening line: kept as written.
    assert_formats(
        "let s = \"\"\"a\n  b\"\"\"\n",
        "let s = \"\"\"a\n  b\"\"\"\n",
    );
}

#[test]
fn strings_with_interpolations_are_kept_as_written() {
    assert_formats(
        "let s = \"x ${{ a == \"q\" }} ${{ format(\"}\") }}\"  # c\n",
        "let s = \"x ${{ a == \"q\" }} ${{ format(\"}\") }}\" # c\n",
    );
}

#[test]
fn refuses_a_file_with_syntax_errors() {
    assert!(matches!(
        format(FileId::default(), "pipeline ci {\n  job = \n}\n"),
        Err(FormatError::Syntax(_))
    ));
}

#[test]
fn an_empty_file_stays_empty() {
    assert_formats("", "");
    assert_formats("\n\n", "");
    assert_formats("# only\n", "# only\n");
}

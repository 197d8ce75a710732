//! The launcher scripts of a job's containers (POSIX sh, run as `/bin/sh -c`), the same on
//! both engines.
//!
//! Every step container: reads what earlier steps left (`GITHUB_ENV`, `GITHUB_PATH`),
//! evaluates the step's condition against the job's status file, writes the user's script
//! verbatim to a file through a quoted here-document, runs it (bash when the image has it,
//! else sh, or the step's `shell`; under `timeout` when the step has one), records the
//! outcome and exits 0. The last container (`finish`) writes the job's outputs and fails
//! when a step failed. Expressions never become script text: each is an environment
//! variable `PIPEC_<n>` (filled by the engine or Kubernetes) or a prelude assignment
//! (values of earlier steps), and the script refers to it by name.

use std::collections::BTreeSet;

use pipec_compiler::glob;
use pipec_compiler::ir::{BinaryOp, Function, StatusFunction, Type};

use super::{Cond, EnvEntry, EnvValue, Operand, Piece, Runtime, TextPart, Val};

/// Where a job keeps its own files: status, step outcomes and outputs, the scripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateDir {
    /// A fixed path: the pod's shared volume.
    Fixed(&'static str),
    /// The directory named by an environment variable every step has (a local run's
    /// `$RUN_DIR/jobs/<job>`).
    Variable(&'static str),
}

impl StateDir {
    /// The directory on Kubernetes.
    pub const KUBERNETES: StateDir = StateDir::Fixed("/workspace/.pipec");
    /// The directory of a local run.
    pub const LOCAL: StateDir = StateDir::Variable("PIPEC_STATE");

    /// The directory in a double-quoted shell word.
    fn shell(self) -> String {
        match self {
            StateDir::Fixed(path) => path.to_string(),
            StateDir::Variable(name) => format!("${{{name}}}"),
        }
    }

    /// A path under the directory as an environment value.
    fn pieces(self, path: &str) -> Vec<Piece> {
        match self {
            StateDir::Fixed(dir) => vec![Piece::Text(format!("{dir}/{path}"))],
            StateDir::Variable(name) => {
                vec![
                    Piece::Var(name.to_string()),
                    Piece::Text(format!("/{path}")),
                ]
            }
        }
    }

    /// Where the last container writes a job output for an engine (or runner) to read it.
    pub fn output_file(self, name: &str) -> String {
        format!("{}/outputs/{name}", self.shell())
    }
}

pub(crate) struct StepSpec<'a> {
    pub state: StateDir,
    pub index: usize,
    pub title: &'a str,
    pub env: Vec<(String, Vec<TextPart>)>,
    pub condition: Cond,
    pub script: Vec<TextPart>,
    pub shell: Option<String>,
    pub working_directory: Vec<TextPart>,
    pub timeout: Option<u64>,
    pub continue_on_error: bool,
}

/// The container env and script of one step, or why its script cannot be launched.
pub(crate) fn step(spec: StepSpec) -> Result<(Vec<EnvEntry>, String), String> {
    let mut launcher = Launcher::new(spec.state);
    let state = spec.state.shell();
    let number = spec.index + 1;
    for (name, path) in [
        ("GITHUB_OUTPUT", format!("steps/{number}.out")),
        ("GITHUB_ENV", "env".to_string()),
        ("GITHUB_PATH", "path".to_string()),
        ("GITHUB_STEP_SUMMARY", "summary.md".to_string()),
    ] {
        launcher.env.push(EnvEntry {
            name: name.into(),
            value: EnvValue::Text(spec.state.pieces(&path)),
        });
    }
    for (name, parts) in &spec.env {
        launcher.set(name, parts);
    }
    let test = launcher.test(&spec.condition);
    let (runner, posix) = runner(spec.shell.as_deref());
    let script = if posix {
        launcher.script(&spec.script)
    } else if spec
        .script
        .iter()
        .all(|part| matches!(part, TextPart::Text(_)))
    {
        spec.script
            .iter()
            .map(|part| match part {
                TextPart::Text(text) => text.as_str(),
                TextPart::Val(_) => "",
            })
            .collect()
    } else {
        return Err(format!(
            "values interpolated into a `{}` script",
            spec.shell.unwrap_or_default()
        ));
    };
    let directory = (!spec.working_directory.is_empty())
        .then(|| launcher.double_quoted(&spec.working_directory));

    let mut out = Vec::new();
    out.push("#!/bin/sh".to_string());
    out.push(format!("# pipec: step {number}, {}", one_line(spec.title)));
    out.push("set -e".into());
    out.extend(launcher.preamble());
    out.push(format!("if {test}; then :; else"));
    out.push(format!(
        "  echo skipped > \"{state}/steps/{number}.outcome\""
    ));
    out.push(format!(
        "  echo \"pipec: skipped step {number}: its condition is false\""
    ));
    out.push("  exit 0".into());
    out.push("fi".into());
    let delimiter = delimiter(&script);
    out.push(format!(
        "cat > \"{state}/steps/{number}.sh\" <<'{delimiter}'"
    ));
    out.push(script.trim_end_matches('\n').to_string());
    out.push(delimiter);
    if let Some(directory) = directory {
        out.push(format!("cd {directory}"));
    }
    out.push(runner);
    if let Some(seconds) = spec.timeout {
        out.push(format!(
            "if command -v timeout >/dev/null 2>&1; then set -- timeout {seconds} \"$@\"; else echo \"pipec: this image has no timeout command: the step's {seconds}s limit is not enforced\" >&2; fi"
        ));
    }
    out.push(format!(
        "if \"$@\" \"{state}/steps/{number}.sh\"; then outcome=success; else outcome=failure; fi"
    ));
    out.push(format!(
        "echo \"$outcome\" > \"{state}/steps/{number}.outcome\""
    ));
    if spec.continue_on_error {
        out.push(format!(
            "if [ \"$outcome\" = failure ]; then echo \"pipec: step {number} failed; continue_on_error\"; fi"
        ));
    } else {
        out.push(format!(
            "if [ \"$outcome\" = failure ]; then echo failure > \"{state}/status\"; fi"
        ));
    }
    Ok((launcher.env, join(out)))
}

/// A script that exits 0 when a job's conditions hold, for a runner that tests them in
/// `sh` (the shell target's script), with the variables its values come from.
pub(crate) fn condition(state: StateDir, conditions: &[Cond]) -> (Vec<EnvEntry>, String) {
    let mut launcher = Launcher::new(state);
    let tests: Vec<String> = conditions.iter().map(|c| launcher.test(c)).collect();
    let mut out = Vec::new();
    out.extend(launcher.helpers.iter().map(|h| h.definition().to_string()));
    out.extend(launcher.assignments.iter().cloned());
    out.push(if tests.is_empty() {
        "true".to_string()
    } else {
        tests.join(" && ")
    });
    (launcher.env, join(out))
}

/// The launcher of a step the runner cannot run (`--skip-unsupported`): it records the
/// step as skipped, so its outcome reads `skipped` as for a false condition.
pub(crate) fn skipped(state: StateDir, index: usize, title: &str) -> (Vec<EnvEntry>, String) {
    let launcher = Launcher::new(state);
    let state = state.shell();
    let number = index + 1;
    let mut out = vec![
        "#!/bin/sh".to_string(),
        format!("# pipec: step {number}, {}", one_line(title)),
        "set -e".into(),
    ];
    out.extend(launcher.preamble());
    out.push(format!("echo skipped > \"{state}/steps/{number}.outcome\""));
    out.push(format!(
        "echo \"pipec: skipped step {number}: this target cannot run it (--skip-unsupported)\""
    ));
    (launcher.env, join(out))
}

/// The last container of a job: writes the job's outputs, then exits 1 when a step
/// failed (0 for a `continue_on_error` job).
pub(crate) fn finish(
    state: StateDir,
    job: &str,
    env: Vec<(String, Vec<TextPart>)>,
    outputs: &[(String, Vec<TextPart>)],
    output_path: &dyn Fn(&str) -> String,
    continue_on_error: bool,
) -> (Vec<EnvEntry>, String) {
    let mut launcher = Launcher::new(state);
    let state = state.shell();
    for (name, parts) in &env {
        launcher.set(name, parts);
    }
    let writes: Vec<String> = outputs
        .iter()
        .map(|(name, parts)| {
            let value = launcher.double_quoted(parts);
            format!("printf '%s' {value} > \"{}\"", output_path(name))
        })
        .collect();
    let mut out = vec![
        "#!/bin/sh".to_string(),
        format!("# pipec: finish job {job}: outputs and result"),
        "set -e".into(),
    ];
    out.extend(launcher.preamble());
    if !outputs.is_empty() {
        out.push(format!("mkdir -p \"{state}/outputs\""));
    }
    out.extend(writes);
    out.push(format!(
        "if [ \"$(cat \"{state}/status\")\" = failure ]; then"
    ));
    if continue_on_error {
        out.push(format!(
            "  echo \"pipec: a step of job {job} failed; the job has continue_on_error\""
        ));
    } else {
        out.push(format!("  echo \"pipec: a step of job {job} failed\" >&2"));
        out.push("  exit 1".into());
    }
    out.push("fi".into());
    (launcher.env, join(out))
}

fn join(lines: Vec<String>) -> String {
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

fn one_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

/// The `set -- ...` line choosing the interpreter, and whether it is a POSIX shell.
fn runner(shell: Option<&str>) -> (String, bool) {
    match shell.map(str::trim) {
        None => (
            "set -- sh -e\nif command -v bash >/dev/null 2>&1; then set -- bash -e; fi".into(),
            true,
        ),
        Some("bash") => ("set -- bash --noprofile --norc -eo pipefail".into(), true),
        Some("sh") => ("set -- sh -e".into(), true),
        Some("python") => ("set -- python".into(), false),
        Some(other) => {
            let words: Vec<&str> = other
                .split_whitespace()
                .filter(|word| *word != "{0}")
                .collect();
            let posix = matches!(words.first(), Some(&"bash" | &"sh"));
            (format!("set -- {}", words.join(" ")), posix)
        }
    }
}

/// A here-document delimiter that is no line of the script.
fn delimiter(script: &str) -> String {
    let mut delimiter = "PIPEC_SCRIPT".to_string();
    while script.lines().any(|line| line == delimiter) {
        delimiter.push('_');
    }
    delimiter
}

struct Launcher {
    state: StateDir,
    env: Vec<EnvEntry>,
    /// Assignments of run-time values, in order.
    assignments: Vec<String>,
    /// Values already given a variable.
    vars: Vec<(Val, String)>,
    helpers: BTreeSet<Helper>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Helper {
    Lower,
    Equal,
    StartsWith,
    EndsWith,
    Contains,
    Compare,
    Matches,
    Output,
}

impl Helper {
    fn definition(self) -> &'static str {
        match self {
            Helper::Lower => "pipec_lower() { printf '%s' \"$1\" | tr '[:upper:]' '[:lower:]'; }",
            Helper::Equal => {
                "pipec_equal() { [ \"$(pipec_lower \"$1\")\" = \"$(pipec_lower \"$2\")\" ]; }"
            }
            Helper::StartsWith => {
                "pipec_starts_with() { case \"$(pipec_lower \"$1\")\" in \"$(pipec_lower \"$2\")\"*) return 0 ;; esac; return 1; }"
            }
            Helper::EndsWith => {
                "pipec_ends_with() { case \"$(pipec_lower \"$1\")\" in *\"$(pipec_lower \"$2\")\") return 0 ;; esac; return 1; }"
            }
            Helper::Contains => {
                "pipec_contains() { case \"$(pipec_lower \"$1\")\" in *\"$(pipec_lower \"$2\")\"*) return 0 ;; esac; return 1; }"
            }
            Helper::Compare => {
                "pipec_compare() { awk -v a=\"$1\" -v op=\"$2\" -v b=\"$3\" 'BEGIN { a += 0; b += 0; if (op == \"<\") r = a < b; else if (op == \"<=\") r = a <= b; else if (op == \">\") r = a > b; else r = a >= b; exit !r }'; }"
            }
            // GitHub's filter globs, as the ERE `Glob::to_ere` writes; both values go
            // through the environment, where awk reads no escapes.
            Helper::Matches => {
                "pipec_matches() { PIPEC_SUBJECT=\"$1\" PIPEC_ERE=\"$2\" awk 'BEGIN { exit !(ENVIRON[\"PIPEC_SUBJECT\"] ~ ENVIRON[\"PIPEC_ERE\"]) }'; }"
            }
            Helper::Output => {
                "pipec_output() {\n  [ -f \"$1\" ] || return 0\n  awk -v name=\"$2\" '\n    index($0, name \"<<\") == 1 {\n      delimiter = substr($0, length(name) + 3); value = \"\"; first = 1\n      while ((getline line) > 0 && line != delimiter) { value = value (first ? \"\" : \"\\n\") line; first = 0 }\n      next\n    }\n    index($0, name \"=\") == 1 { value = substr($0, length(name) + 2) }\n    END { printf \"%s\", value }' \"$1\"\n}"
            }
        }
    }

    fn needs(self) -> &'static [Helper] {
        match self {
            Helper::Equal | Helper::StartsWith | Helper::EndsWith | Helper::Contains => {
                &[Helper::Lower]
            }
            _ => &[],
        }
    }
}

impl Launcher {
    fn new(state: StateDir) -> Self {
        Launcher {
            state,
            env: Vec::new(),
            assignments: Vec::new(),
            vars: Vec::new(),
            helpers: BTreeSet::new(),
        }
    }

    fn helper(&mut self, helper: Helper) {
        for needed in helper.needs() {
            self.helpers.insert(*needed);
        }
        self.helpers.insert(helper);
    }

    /// The lines every launcher starts with after `set -e`.
    fn preamble(&self) -> Vec<String> {
        let state = self.state.shell();
        let mut lines = vec![
            format!("mkdir -p \"{state}/steps\""),
            format!("[ -f \"{state}/status\" ] || echo success > \"{state}/status\""),
            format!(
                "if [ -f \"{state}/path\" ]; then while IFS= read -r dir; do PATH=\"$dir:$PATH\"; done < \"{state}/path\"; export PATH; fi"
            ),
            format!(
                "if [ -f \"{state}/env\" ]; then while IFS= read -r line; do case \"$line\" in *=*) export \"$line\" ;; esac; done < \"{state}/env\"; fi"
            ),
        ];
        lines.extend(self.helpers.iter().map(|h| h.definition().to_string()));
        lines.extend(self.assignments.iter().cloned());
        lines
    }

    /// The name of the shell variable holding `val`.
    fn var(&mut self, val: &Val) -> String {
        if let Val::Env(name) = val {
            return name.clone();
        }
        if let Some((_, name)) = self.vars.iter().find(|(v, _)| v == val) {
            return name.clone();
        }
        // A condition's test may need variables of its own: they get their numbers first.
        let test = match val {
            Val::Runtime(Runtime::Condition(cond)) => Some(self.test(cond)),
            _ => None,
        };
        let name = format!("PIPEC_{}", self.vars.len() + 1);
        match val {
            Val::Pieces(pieces) => self.env.push(EnvEntry {
                name: name.clone(),
                value: EnvValue::Text(pieces.clone()),
            }),
            Val::Secret(secret) => self.env.push(EnvEntry {
                name: name.clone(),
                value: EnvValue::Secret(secret.clone()),
            }),
            Val::Var(var) => self.env.push(EnvEntry {
                name: name.clone(),
                value: EnvValue::Var(var.clone()),
            }),
            Val::Runtime(runtime) => {
                let state = self.state.shell();
                let value = match runtime {
                    Runtime::StepOutput { step, output } => {
                        self.helper(Helper::Output);
                        format!(
                            "\"$(pipec_output \"{state}/steps/{}.out\" '{}')\"",
                            step + 1,
                            output.replace('\'', "")
                        )
                    }
                    Runtime::StepOutcome { step } => format!(
                        "\"$(cat \"{state}/steps/{}.outcome\" 2>/dev/null || echo skipped)\"",
                        step + 1
                    ),
                    Runtime::JobStatus => format!("\"$(cat \"{state}/status\")\""),
                    // Local runs only: every job's files are in one directory.
                    Runtime::JobResult { job } => format!(
                        "\"$(cat \"{state}/../{job}/result\" 2>/dev/null || echo skipped)\""
                    ),
                    Runtime::Condition(_) => format!(
                        "\"$(if {}; then echo true; else echo false; fi)\"",
                        test.clone().unwrap_or_default()
                    ),
                };
                // The script runs in a child process: it sees exported variables only.
                self.assignments.push(format!("{name}={value}"));
                self.assignments.push(format!("export {name}"));
            }
            Val::Env(_) => {}
        }
        self.vars.push((val.clone(), name.clone()));
        name
    }

    /// Sets a container variable: engine text, one secret or variable, Kubernetes'
    /// `$(VAR)` for secrets inside text, or a prelude assignment for run-time values.
    fn set(&mut self, name: &str, parts: &[TextPart]) {
        let value = match parts {
            [TextPart::Val(Val::Secret(secret))] => EnvValue::Secret(secret.clone()),
            [TextPart::Val(Val::Var(var))] => EnvValue::Var(var.clone()),
            _ if parts
                .iter()
                .any(|p| matches!(p, TextPart::Val(Val::Runtime(_)))) =>
            {
                let value = self.double_quoted(parts);
                self.assignments.push(format!("{name}={value}"));
                self.assignments.push(format!("export {name}"));
                return;
            }
            _ => {
                let mut pieces = Vec::new();
                for part in parts {
                    match part {
                        TextPart::Text(text) => pieces.push(Piece::Text(text.clone())),
                        TextPart::Val(Val::Pieces(inner)) => pieces.extend(inner.iter().cloned()),
                        TextPart::Val(val) => {
                            let var = self.var(val);
                            pieces.push(Piece::Var(var));
                        }
                    }
                }
                EnvValue::Text(pieces)
            }
        };
        match self.env.iter_mut().find(|entry| entry.name == name) {
            Some(entry) => entry.value = value,
            None => self.env.push(EnvEntry {
                name: name.to_string(),
                value,
            }),
        }
    }

    /// Text as one double-quoted shell word.
    fn double_quoted(&mut self, parts: &[TextPart]) -> String {
        let mut word = String::from("\"");
        for part in parts {
            match part {
                TextPart::Text(text) => push_double_quoted(&mut word, text),
                TextPart::Val(val) => {
                    let var = self.var(val);
                    word.push_str(&format!("${{{var}}}"));
                }
            }
        }
        word.push('"');
        word
    }

    /// The user's script with each value as a variable reference that means, where it
    /// stands, what GitHub's splice of the value would mean (`'"${V}"'` inside single
    /// quotes).
    fn script(&mut self, parts: &[TextPart]) -> String {
        #[derive(PartialEq)]
        enum Quote {
            None,
            Single,
            Double,
        }
        let mut quote = Quote::None;
        let mut out = String::new();
        for part in parts {
            match part {
                TextPart::Text(text) => {
                    let mut escaped = false;
                    for c in text.chars() {
                        out.push(c);
                        if escaped {
                            escaped = false;
                            continue;
                        }
                        match (&quote, c) {
                            (Quote::None | Quote::Double, '\\') => escaped = true,
                            (Quote::None, '\'') => quote = Quote::Single,
                            (Quote::None, '"') => quote = Quote::Double,
                            (Quote::Single, '\'') | (Quote::Double, '"') => quote = Quote::None,
                            _ => {}
                        }
                    }
                }
                TextPart::Val(val) => {
                    let var = self.var(val);
                    if quote == Quote::Single {
                        out.push_str(&format!("'\"${{{var}}}\"'"));
                    } else {
                        out.push_str(&format!("${{{var}}}"));
                    }
                }
            }
        }
        out
    }

    fn operand(&mut self, operand: &Operand) -> String {
        match operand {
            Operand::Value {
                val: Val::Pieces(pieces),
                ..
            } if pieces.iter().all(|p| matches!(p, Piece::Text(_))) => {
                let text: String = pieces
                    .iter()
                    .map(|p| match p {
                        Piece::Text(t) => t.as_str(),
                        Piece::Ref(_) | Piece::Var(_) => "",
                    })
                    .collect();
                single_quoted(&text)
            }
            Operand::Value { val, .. } => format!("\"${{{}}}\"", self.var(val)),
            Operand::List(_) => "''".into(),
        }
    }

    /// A shell command that succeeds when the condition holds.
    fn test(&mut self, cond: &Cond) -> String {
        let state = self.state.shell();
        match cond {
            Cond::Const(true) => "true".into(),
            Cond::Const(false) => "false".into(),
            Cond::And(items) | Cond::Or(items) => {
                let joiner = if matches!(cond, Cond::And(_)) {
                    " && "
                } else {
                    " || "
                };
                let tests: Vec<String> = items.iter().map(|item| self.test(item)).collect();
                format!("{{ {}; }}", tests.join(joiner))
            }
            Cond::Not(inner) => format!("! {}", self.group(inner)),
            Cond::Status(StatusFunction::Failure) => {
                format!("[ \"$(cat \"{state}/status\")\" = failure ]")
            }
            Cond::Status(_) => format!("[ \"$(cat \"{state}/status\")\" = success ]"),
            Cond::Compare { op, lhs, rhs } => {
                let (a, b) = (self.operand(lhs), self.operand(rhs));
                match op {
                    BinaryOp::Eq | BinaryOp::Ne => {
                        self.helper(Helper::Equal);
                        let test = format!("pipec_equal {a} {b}");
                        if *op == BinaryOp::Ne {
                            format!("! {test}")
                        } else {
                            test
                        }
                    }
                    _ => {
                        self.helper(Helper::Compare);
                        format!("pipec_compare {a} '{}' {b}", op.symbol())
                    }
                }
            }
            Cond::Truthy(operand) => {
                let word = self.operand(operand);
                match operand {
                    Operand::Value { ty: Type::Bool, .. } => {
                        self.helper(Helper::Equal);
                        format!("pipec_equal {word} true")
                    }
                    Operand::Value {
                        ty: Type::Number, ..
                    } => format!("[ {word} != 0 ]"),
                    _ => format!("[ -n {word} ]"),
                }
            }
            Cond::Call { function, args } => self.call(*function, args),
        }
    }

    fn group(&mut self, cond: &Cond) -> String {
        let test = self.test(cond);
        if test.starts_with('{') {
            test
        } else {
            format!("{{ {test}; }}")
        }
    }

    fn call(&mut self, function: Function, args: &[Operand]) -> String {
        match (function, args) {
            (Function::Contains, [Operand::List(items), needle]) => {
                let tests: Vec<Cond> = items
                    .iter()
                    .map(|item| Cond::Compare {
                        op: BinaryOp::Eq,
                        lhs: needle.clone(),
                        rhs: item.clone(),
                    })
                    .collect();
                self.test(&Cond::Or(tests))
            }
            (Function::Matches, [subject, pattern]) => {
                let subject = self.operand(subject);
                // The checker has parsed the pattern (E0404); it is literal text.
                let glob = pattern.literal();
                match glob.as_deref().map(glob::parse) {
                    Some(Ok(glob)) => {
                        self.helper(Helper::Matches);
                        format!("pipec_matches {subject} {}", single_quoted(&glob.to_ere()))
                    }
                    _ => "false".into(),
                }
            }
            (function, [a, b]) => {
                let helper = match function {
                    Function::StartsWith => Helper::StartsWith,
                    Function::EndsWith => Helper::EndsWith,
                    _ => Helper::Contains,
                };
                self.helper(helper);
                let (a, b) = (self.operand(a), self.operand(b));
                let name = match helper {
                    Helper::StartsWith => "pipec_starts_with",
                    Helper::EndsWith => "pipec_ends_with",
                    _ => "pipec_contains",
                };
                format!("{name} {a} {b}")
            }
            _ => "false".into(),
        }
    }
}

/// Appends text to a double-quoted shell word, escaping what the shell would expand.
pub(crate) fn push_double_quoted(word: &mut String, text: &str) {
    for c in text.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            word.push('\\');
        }
        word.push(c);
    }
}

fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(val: Val) -> TextPart {
        TextPart::Val(val)
    }

    #[test]
    fn values_in_single_quotes_are_expanded_outside_them() {
        let mut launcher = Launcher::new(StateDir::KUBERNETES);
        let branch = Val::Pieces(vec![Piece::Ref(super::super::Ref::Param("branch".into()))]);
        let script = launcher.script(&[
            TextPart::Text("echo '".into()),
            value(branch.clone()),
            TextPart::Text("' \"".into()),
            value(branch.clone()),
            TextPart::Text("\" ".into()),
            value(branch),
            TextPart::Text(" it\\'s".into()),
        ]);
        assert_eq!(
            script,
            "echo ''\"${PIPEC_1}\"'' \"${PIPEC_1}\" ${PIPEC_1} it\\'s"
        );
        assert_eq!(launcher.env.len(), 1);
    }

    #[test]
    fn the_delimiter_is_no_line_of_the_script() {
        assert_eq!(delimiter("echo hi"), "PIPEC_SCRIPT");
        assert_eq!(delimiter("PIPEC_SCRIPT\nx"), "PIPEC_SCRIPT_");
    }
}

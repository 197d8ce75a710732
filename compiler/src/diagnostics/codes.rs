//! The registry of diagnostic codes. A code is stable once released: its number and name
//! never change meaning. Each code has a one-line summary and a long explanation in
//! `explain/<CODE>.md`, which `pipec explain` prints and `docs/diagnostics.md` collects.

use super::Severity;

/// Everything the registry knows about one code.
#[derive(Debug)]
pub struct CodeInfo {
    /// `E0301`: E for codes that are errors by default, W for warnings.
    pub code: &'static str,
    /// `dependency-cycle`: names the problem, never the fix.
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// Markdown: what the problem is, why it matters, an example and the fix.
    pub explanation: &'static str,
}

macro_rules! define_codes {
    ($($variant:ident = $code:literal, $name:literal, $severity:ident, $summary:literal;)*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn info(self) -> &'static CodeInfo {
                match self {
                    $(Code::$variant => &CodeInfo {
                        code: $code,
                        name: $name,
                        severity: Severity::$severity,
                        summary: $summary,
                        explanation: include_str!(concat!("explain/", $code, ".md")),
                    },)*
                }
            }
        }
    };
}

define_codes! {
    SyntaxError = "E0101", "syntax-error", Error, "The text is not valid .pipe syntax.";
    UnclosedDelimiter = "E0102", "unclosed-delimiter", Error, "A `{`, `[`, `(` or string is opened but never closed.";
    InvalidEscape = "E0103", "invalid-escape", Error, "A string contains an escape sequence that does not exist.";
    MisplacedItem = "E0104", "misplaced-item", Error, "A declaration appears somewhere it is not allowed.";
    UnknownJob = "E0201", "unknown-job", Error, "A job is referenced that the pipeline does not define.";
    UnknownStep = "E0202", "unknown-step", Error, "A step id is referenced that the job does not define.";
    UnknownOutput = "E0203", "unknown-output", Error, "An output is referenced that the job or step does not declare.";
    UnknownMatrixKey = "E0204", "unknown-matrix-key", Error, "A matrix key is referenced that the job's matrix does not define.";
    UnknownInput = "E0205", "unknown-input", Error, "An input is referenced that the pipeline does not declare.";
    UnknownSecret = "E0206", "unknown-secret", Error, "A secret is referenced that the pipeline does not declare.";
    UnknownName = "E0207", "unknown-name", Error, "A name is used that is not a `let`, a context or a declared variable.";
    UnknownSetting = "E0208", "unknown-setting", Error, "A setting or block is not one this place accepts.";
    UnknownEnvironment = "E0209", "unknown-environment", Error, "A job deploys to an environment the pipeline does not declare.";
    UnknownGate = "E0210", "unknown-gate", Error, "A job requires a gate the pipeline does not define.";
    UnknownEvent = "E0211", "unknown-event", Error, "A trigger names an event that does not exist.";
    DuplicateDefinition = "E0212", "duplicate-definition", Error, "The same name is defined twice in one scope.";
    MissingSetting = "E0213", "missing-setting", Error, "A required setting is missing.";
    ConflictingSettings = "E0214", "conflicting-settings", Error, "Two settings are given that exclude each other.";
    UnknownTemplate = "E0215", "unknown-template", Error, "A call names a template that is not defined or imported.";
    UnknownModule = "E0216", "unknown-module", Error, "An import names a module that does not exist or cannot be read.";
    MissingArgument = "E0217", "missing-argument", Error, "A template call leaves out a parameter that has no default.";
    UnknownArgument = "E0218", "unknown-argument", Error, "A template call passes an argument the template has no parameter for.";
    UnusedLet = "W0220", "unused-let", Warning, "A `let` binding is never used.";
    UnusedOutput = "W0221", "unused-output", Warning, "A job output is never used by another job or by the pipeline.";
    UnusedImport = "W0222", "unused-import", Warning, "An imported module or name is never used.";
    UnusedParameter = "W0223", "unused-parameter", Warning, "A template parameter is never used by the template's body.";
    DependencyCycle = "E0301", "dependency-cycle", Error, "Jobs depend on each other in a cycle, so none of them can start.";
    MissingDependency = "E0302", "missing-dependency", Error, "A job uses another job's outputs without needing that job.";
    StepOutputUnavailable = "E0303", "step-output-unavailable", Error, "A step output is used where that step has not run yet.";
    ImportCycle = "E0304", "import-cycle", Error, "Modules import each other in a cycle.";
    TypeMismatch = "E0401", "type-mismatch", Error, "A value has the wrong type for where it is used.";
    MismatchedComparison = "E0402", "mismatched-comparison", Error, "A comparison between values that can never be equal.";
    InvalidCron = "E0403", "invalid-cron", Error, "A schedule is not a valid five-field cron expression.";
    InvalidGlob = "E0404", "invalid-glob", Error, "A glob pattern is malformed.";
    InvalidDuration = "E0405", "invalid-duration", Error, "A duration is malformed or out of range.";
    InvalidPercentage = "E0406", "invalid-percentage", Error, "A percentage is outside 0% to 100%.";
    InvalidCall = "E0407", "invalid-call", Error, "A function is unknown or called with the wrong number of arguments.";
    ContextUnavailable = "E0408", "context-unavailable", Error, "A context or function is used where it has no value.";
    InvalidValue = "E0409", "invalid-value", Error, "A value has the right type but is not allowed here.";
    UnreachableJob = "E0501", "unreachable-job", Error, "A job can never run: its condition contradicts its triggers or the jobs it needs.";
    UnreachableStep = "W0502", "unreachable-step", Warning, "A step can never run: its condition contradicts the job's condition, triggers or matrix.";
    ConstantCondition = "W0503", "constant-condition", Warning, "A condition is always true or always false.";
    UngatedJob = "E0601", "ungated-job", Error, "A job that requires a gate does not run after every job of the gate.";
    NonBlockingGate = "E0602", "non-blocking-gate", Error, "A gate contains a job whose failure does not stop anything.";
    GateBypassed = "E0603", "gate-bypassed", Error, "A job that requires a gate can run after a gate job failed.";
    PromotionOrderViolated = "E0604", "promotion-order-violated", Error, "A deployment skips or reverses the declared environment promotion order.";
    UnsupportedByTarget = "E0701", "unsupported-by-target", Error, "The selected target cannot express a construct the pipeline uses.";
    MissingTargetBody = "E0702", "missing-target-body", Error, "A template is called for a target it has no body for.";
    ApproximatedByTarget = "W0703", "approximated-by-target", Warning, "The selected target expresses a construct only approximately.";
    SkippedByTarget = "W0704", "skipped-by-target", Warning, "A step the selected target cannot run is skipped (`--skip-unsupported`).";
}

impl Code {
    /// Looks a code up by its number (`E0301`) or its name (`dependency-cycle`), ignoring case.
    pub fn lookup(text: &str) -> Option<Code> {
        let text = text.trim();
        Code::ALL.iter().copied().find(|code| {
            let info = code.info();
            info.code.eq_ignore_ascii_case(text) || info.name.eq_ignore_ascii_case(text)
        })
    }
}

/// How `docs/diagnostics.md` says it was made and how to remake it.
const REFERENCE_PREAMBLE: &str = "\
# Diagnostics reference

<!-- Generated from the code registry (compiler/src/diagnostics/codes.rs and explain/*.md).
     Do not edit: run `PIPEC_UPDATE_DOCS=1 cargo test -p pipec --test check_fixtures`. -->

Every problem pipec reports has a stable code and a name that says what is wrong. A code
starting with `E` is an error (the build writes nothing); one starting with `W` is a
warning. `pipec explain CODE` (by number or name) prints the same explanations as below.
";

impl Code {
    /// The diagnostics reference (`docs/diagnostics.md`): a table of every code, then each
    /// explanation with its headings moved one level down, under its own heading.
    pub fn reference_markdown() -> String {
        let mut markdown = String::from(REFERENCE_PREAMBLE);
        markdown.push_str("\n| Code | Name | Severity | Summary |\n| --- | --- | --- | --- |\n");
        for code in Code::ALL {
            let info = code.info();
            let anchor = format!("{}-{}", info.code, info.name).to_lowercase();
            let summary = info.summary.replace('|', "\\|");
            let severity = info.severity.as_str();
            markdown.push_str(&format!(
                "| [{}](#{anchor}) | `{}` | {severity} | {summary} |\n",
                info.code, info.name
            ));
        }
        for code in Code::ALL {
            markdown.push('\n');
            let mut in_fence = false;
            for line in code.info().explanation.trim_end().lines() {
                if line.trim_start().starts_with("```") {
                    in_fence = !in_fence;
                }
                if !in_fence && line.starts_with('#') {
                    markdown.push('#');
                }
                markdown.push_str(line);
                markdown.push('\n');
            }
        }
        markdown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let info = code.info();
            assert!(seen.insert(info.code), "duplicate code {}", info.code);
            assert!(seen.insert(info.name), "duplicate name {}", info.name);
            let prefix = if info.severity == Severity::Error {
                'E'
            } else {
                'W'
            };
            assert!(
                info.code.starts_with(prefix),
                "{} has the wrong severity letter",
                info.code
            );
            assert!(
                info.explanation
                    .starts_with(&format!("# {} {}", info.code, info.name)),
                "{} explanation title",
                info.code
            );
            for section in ["## Example", "## How to fix it"] {
                assert!(
                    info.explanation.contains(section),
                    "{}: the explanation has no `{section}`",
                    info.code
                );
            }
            assert!(
                !info.explanation.contains("TODO"),
                "{}: the explanation is unfinished",
                info.code
            );
        }
    }

    #[test]
    fn reference_lists_every_code_and_nests_explanations() {
        let markdown = Code::reference_markdown();
        for code in Code::ALL {
            let info = code.info();
            let row = format!(
                "| [{}](#{}-{}) |",
                info.code,
                info.code.to_lowercase(),
                info.name
            );
            assert!(markdown.contains(&row), "{} row", info.code);
            assert!(
                markdown.contains(&format!("\n## {} {}\n", info.code, info.name)),
                "{} heading",
                info.code
            );
        }
    }

    #[test]
    fn lookup_accepts_number_or_name() {
        assert_eq!(Code::lookup("e0301"), Some(Code::DependencyCycle));
        assert_eq!(
            Code::lookup("dependency-cycle"),
            Some(Code::DependencyCycle)
        );
        assert_eq!(Code::lookup("nope"), None);
    }
}

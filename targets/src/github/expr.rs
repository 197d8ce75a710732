//! Compiles IR expressions to GitHub Actions expressions: bare for `if:` conditions,
//! inside `${{ }}` for interpolated text.
//!
//! | IR | GitHub |
//! |---|---|
//! | `Literal::String("it's")` | `'it''s'` |
//! | `Literal::Number`, `Literal::Percent` | the number as written (`3.10`, `80`) |
//! | `Literal::Bool`, `Literal::Duration` | `true` / `false`, whole seconds |
//! | `Template` as a value | `format('release/{0}', inputs.v)` (`{` `}` doubled), `'text'` without interpolation |
//! | `Context::Sha`, `Ref`, `RefName`, `Repository`, `RepositoryOwner`, `Actor`, `Workspace` | `github.sha`, `github.ref`, ... |
//! | `Context::Event`, `RunId`, `RunNumber`, `RunAttempt` | `github.event_name`, `github.run_id`, ... |
//! | `Context::BaseBranch`, `HeadBranch`, `JobStatus` | `github.base_ref`, `github.head_ref`, `job.status` |
//! | `branch == "main"` / `!=` | `github.ref == 'refs/heads/main'` / `!=` |
//! | `branch == ""` / `!=` | `!startsWith(github.ref, 'refs/heads/')` / `startsWith(...)` |
//! | `startsWith(branch, "rel/")` | `startsWith(github.ref, 'refs/heads/rel/')` (`true` for `""`) |
//! | `branch` anywhere else | `(startsWith(github.ref, 'refs/heads/') && github.ref_name \|\| '')` |
//! | `tag` | as `branch`, with `refs/tags/` |
//! | `Matrix(k)`, `Input(x)`, `Secret(X)`, `Var(X)`, `Env(X)` | `matrix.k`, `inputs.x`, `secrets.X`, `vars.X`, `env.X` (`matrix['a b']` for odd names) |
//! | `JobOutput`, `JobResult`, `StepOutput`, `StepOutcome` | `needs.j.outputs.o` (`jobs.j.outputs.o` in `workflow_call` outputs), `needs.j.result`, `steps.s.outputs.o`, `steps.s.outcome` |
//! | `Raw(text)` | the text, in parentheses when it is an operand and has spaces or operators |
//! | `Status(f)` | `success()`, `failure()`, `always()`, `cancelled()` |
//! | `Call{Contains, StartsWith, EndsWith}` | `contains(a, b)`, `startsWith(a, b)`, `endsWith(a, b)` |
//! | `contains(["a", "b"], x)` | `x == 'a' \|\| x == 'b'` (GitHub has no list literals; `false` for `[]`) |
//! | `matches(x, "main")` / `matches(x, "rel/**")` | `x == 'main'` / `startsWith(x, 'rel/')`, other globs: error E0701 |
//! | `Not`, `Binary` | `!x`, `a && b`, ... with parentheses only where GitHub's precedence needs them |
//! | a `bool` job/step output, `env` or `vars` value used as a condition | `needs.j.outputs.flag == 'true'` (they are strings on GitHub) |
//! | such a value `== true` | `needs.j.outputs.flag == 'true'` |
//! | `Invalid` | `''` (never reached: targets only run on error-free programs) |
//!
//! Invariants: the result means on GitHub what the IR means (in particular `branch` and
//! `tag` are exact on every event, unlike `github.ref_name`); parentheses are minimal
//! under GitHub's precedence `!` > `<` `<=` `>` `>=` > `==` `!=` > `&&` > `||`, except that
//! an operand of a comparison is parenthesised whenever it is not atomic, for clarity.
//! Constructs GitHub cannot express add an `unsupported-by-target` diagnostic.

use pipec_compiler::ir::{
    BinaryOp, Context, Expr, ExprKind, Function, Literal, Template, TemplatePart, Type,
};
use pipec_compiler::{Code, Diagnostic};

/// Where job outputs are read from: `needs.<job>` inside jobs, `jobs.<job>` in the
/// `outputs` of a `workflow_call` trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JobOutputs {
    Needs,
    Jobs,
}

/// A bare expression for `if:`.
pub(crate) fn condition(expr: &Expr, diagnostics: &mut Vec<Diagnostic>) -> String {
    Compiler {
        job_outputs: JobOutputs::Needs,
        diagnostics,
    }
    .compile(expr, true)
    .text
}

/// Text for a YAML value: literal text, with `${{ expr }}` for each interpolation.
/// Literal text that contains `${{` is escaped as `${{ '${{' }}` so GitHub leaves it alone.
pub(crate) fn text(
    template: &Template,
    job_outputs: JobOutputs,
    diagnostics: &mut Vec<Diagnostic>,
) -> String {
    let mut compiler = Compiler {
        job_outputs,
        diagnostics,
    };
    let mut out = String::new();
    let mut literal = String::new();
    for part in &template.parts {
        match part {
            TemplatePart::Text(text) => literal.push_str(text),
            TemplatePart::Expr(Expr {
                kind: ExprKind::Literal(value),
                ..
            }) => literal.push_str(&value.to_text()),
            TemplatePart::Expr(expr) => {
                out.push_str(&escape_interpolation(&std::mem::take(&mut literal)));
                out.push_str("${{ ");
                out.push_str(&compiler.compile(expr, false).text);
                out.push_str(" }}");
            }
        }
    }
    out.push_str(&escape_interpolation(&literal));
    out
}

fn escape_interpolation(text: &str) -> String {
    text.replace("${{", "${{ '${{' }}")
}

/// How tightly an expression binds; an operand is parenthesised when it binds more loosely
/// than its operator needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Precedence {
    /// Raw text that may contain any operator.
    Loose,
    Or,
    And,
    Equality,
    Comparison,
    Not,
    Atom,
}

struct Compiled {
    text: String,
    precedence: Precedence,
}

impl Compiled {
    fn new(text: impl Into<String>, precedence: Precedence) -> Compiled {
        Compiled {
            text: text.into(),
            precedence,
        }
    }

    fn atom(text: impl Into<String>) -> Compiled {
        Compiled::new(text, Precedence::Atom)
    }

    /// The text as an operand that needs at least `needed`.
    fn operand(self, needed: Precedence) -> String {
        if self.precedence < needed {
            format!("({})", self.text)
        } else {
            self.text
        }
    }
}

struct Compiler<'d> {
    job_outputs: JobOutputs,
    diagnostics: &'d mut Vec<Diagnostic>,
}

impl Compiler<'_> {
    /// `as_condition` is set where GitHub tests truthiness (a condition, an operand of
    /// `&&`, `||` or `!`), which is where a string-encoded bool must be compared.
    fn compile(&mut self, expr: &Expr, as_condition: bool) -> Compiled {
        if as_condition && is_string_bool(expr) {
            let value = self.compile(expr, false);
            return Compiled::new(
                format!("{} == 'true'", value.operand(Precedence::Not)),
                Precedence::Equality,
            );
        }
        match &expr.kind {
            ExprKind::Literal(literal) => Compiled::atom(literal_text(literal)),
            ExprKind::Template(template) => self.format(template),
            ExprKind::Context(context) => context_value(*context),
            ExprKind::Matrix(key) => Compiled::atom(property("matrix", key)),
            ExprKind::Input(name) => Compiled::atom(property("inputs", name)),
            ExprKind::Secret(name) => Compiled::atom(property("secrets", name)),
            ExprKind::Var(name) => Compiled::atom(property("vars", name)),
            ExprKind::Env(name) => Compiled::atom(property("env", name)),
            ExprKind::JobOutput { job, output } => {
                let root = match self.job_outputs {
                    JobOutputs::Needs => "needs",
                    JobOutputs::Jobs => "jobs",
                };
                Compiled::atom(property(&property(&property(root, job), "outputs"), output))
            }
            ExprKind::JobResult { job } => {
                Compiled::atom(property(&property("needs", job), "result"))
            }
            ExprKind::StepOutput { step, output } => Compiled::atom(property(
                &property(&property("steps", step), "outputs"),
                output,
            )),
            ExprKind::StepOutcome { step } => {
                Compiled::atom(property(&property("steps", step), "outcome"))
            }
            ExprKind::Raw(text) => raw_text(text),
            ExprKind::Status(function) => Compiled::atom(format!("{}()", function.name())),
            ExprKind::Call { function, args } => self.call(expr, *function, args),
            ExprKind::Not(inner) if is_string_bool(inner) => {
                let value = self.compile(inner, false);
                Compiled::new(
                    format!("{} != 'true'", value.operand(Precedence::Not)),
                    Precedence::Equality,
                )
            }
            ExprKind::Not(inner) => {
                let inner = self.compile(inner, true);
                Compiled::new(
                    format!("!{}", inner.operand(Precedence::Not)),
                    Precedence::Not,
                )
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs),
            ExprKind::List(_) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::UnsupportedByTarget,
                        "the github target cannot use a list here",
                        expr.span,
                        "GitHub expressions have no list values",
                    )
                    .with_help("use the list as the first argument of `contains(...)`, which compiles to a chain of `==`"),
                );
                Compiled::atom("''")
            }
            ExprKind::Invalid => Compiled::atom("''"),
        }
    }

    fn binary(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Compiled {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let (lhs, rhs) = (self.compile(lhs, true), self.compile(rhs, true));
                combine(op, lhs, rhs)
            }
            BinaryOp::Eq | BinaryOp::Ne => self.equality(op, lhs, rhs),
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let (lhs, rhs) = (self.compile(lhs, false), self.compile(rhs, false));
                combine(op, lhs, rhs)
            }
        }
    }

    fn equality(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Compiled {
        if ref_prefix(lhs).is_some()
            && let Some(literal) = literal_string(rhs)
        {
            return self.equals_literal(op, lhs, &literal);
        }
        if ref_prefix(rhs).is_some()
            && let Some(literal) = literal_string(lhs)
        {
            return self.equals_literal(op, rhs, &literal);
        }
        // A string-encoded bool compares with a bool literal as text (`== 'true'`), with a
        // real bool as a condition (`(x == 'true') == inputs.flag`), and with another
        // string-encoded bool as it is.
        let mixed = is_string_bool(lhs) != is_string_bool(rhs);
        let side = |this: &mut Self, expr: &Expr, other: &Expr| match &expr.kind {
            ExprKind::Literal(Literal::Bool(value)) if is_string_bool(other) => {
                Compiled::atom(format!("'{value}'"))
            }
            _ => {
                let other_is_literal = matches!(other.kind, ExprKind::Literal(Literal::Bool(_)));
                this.compile(expr, mixed && is_string_bool(expr) && !other_is_literal)
            }
        };
        let lhs_compiled = side(self, lhs, rhs);
        let rhs_compiled = side(self, rhs, lhs);
        combine(op, lhs_compiled, rhs_compiled)
    }

    /// `subject == "literal"` (or `!=`), exact against the ref for `branch` and `tag`.
    fn equals_literal(&mut self, op: BinaryOp, subject: &Expr, literal: &str) -> Compiled {
        match ref_prefix(subject) {
            Some(prefix) if literal.is_empty() => {
                let on_ref = format!("startsWith(github.ref, {})", quote(prefix));
                if op == BinaryOp::Eq {
                    Compiled::new(format!("!{on_ref}"), Precedence::Not)
                } else {
                    Compiled::atom(on_ref)
                }
            }
            Some(prefix) => combine(
                op,
                Compiled::atom("github.ref"),
                Compiled::atom(quote(&format!("{prefix}{literal}"))),
            ),
            None => {
                let subject = self.compile(subject, false);
                combine(op, subject, Compiled::atom(quote(literal)))
            }
        }
    }

    /// `startsWith(subject, "prefix")`, exact against the ref for `branch` and `tag`.
    fn starts_with_literal(&mut self, subject: &Expr, prefix: &str) -> Compiled {
        match ref_prefix(subject) {
            // Every text starts with "", including the "" of a run that is not on a branch.
            Some(_) if prefix.is_empty() => Compiled::atom("true"),
            Some(ref_prefix) => Compiled::atom(format!(
                "startsWith(github.ref, {})",
                quote(&format!("{ref_prefix}{prefix}"))
            )),
            None => {
                let subject = self.compile(subject, false).text;
                Compiled::atom(format!("startsWith({subject}, {})", quote(prefix)))
            }
        }
    }

    fn call(&mut self, call: &Expr, function: Function, args: &[Expr]) -> Compiled {
        match (function, args) {
            (
                Function::Contains,
                [
                    Expr {
                        kind: ExprKind::List(items),
                        ..
                    },
                    needle,
                ],
            ) => {
                let tests: Vec<Compiled> = items
                    .iter()
                    .map(|item| self.equality(BinaryOp::Eq, needle, item))
                    .collect();
                tests
                    .into_iter()
                    .reduce(|all, test| combine(BinaryOp::Or, all, test))
                    .unwrap_or_else(|| Compiled::atom("false"))
            }
            (Function::StartsWith, [subject, prefix]) if ref_prefix(subject).is_some() => {
                match literal_string(prefix) {
                    Some(prefix) => self.starts_with_literal(subject, &prefix),
                    None => self.generic_call(function, args),
                }
            }
            (Function::Matches, [subject, pattern]) => self.matches(subject, pattern),
            (Function::Matches, _) => {
                self.unsupported_glob(call, &format!("{} arguments", args.len()))
            }
            _ => self.generic_call(function, args),
        }
    }

    fn generic_call(&mut self, function: Function, args: &[Expr]) -> Compiled {
        let args: Vec<String> = args
            .iter()
            .map(|arg| self.compile(arg, false).text)
            .collect();
        Compiled::atom(format!("{}({})", function.name(), args.join(", ")))
    }

    /// GitHub expressions have no glob function; the two forms that mean a plain
    /// comparison compile exactly, and anything else is reported.
    fn matches(&mut self, subject: &Expr, pattern: &Expr) -> Compiled {
        let Some(glob) = literal_string(pattern) else {
            return self.unsupported_glob(pattern, "a pattern that is not a string literal");
        };
        match exact_glob(&glob) {
            Some(ExactGlob::Literal(text)) => self.equals_literal(BinaryOp::Eq, subject, text),
            Some(ExactGlob::Prefix(prefix)) => self.starts_with_literal(subject, prefix),
            None => self.unsupported_glob(pattern, &format!("the pattern \"{glob}\"")),
        }
    }

    fn unsupported_glob(&mut self, at: &Expr, what: &str) -> Compiled {
        self.diagnostics.push(
            Diagnostic::new(
                Code::UnsupportedByTarget,
                format!("the github target cannot compile `matches` with {what}"),
                at.span,
                "GitHub expressions have no glob matching",
            )
            .with_help(
                "use `==` or `startsWith(...)`, or a literal pattern, or a literal prefix followed by a final \
                 `**` (like \"release/**\"): those compile exactly",
            ),
        );
        Compiled::atom("false")
    }

    /// A template used as a value inside an expression.
    fn format(&mut self, template: &Template) -> Compiled {
        let mut plain = String::new();
        let mut pattern = String::new();
        let mut args = Vec::new();
        for part in &template.parts {
            let text = match part {
                TemplatePart::Text(text) => text.clone(),
                TemplatePart::Expr(Expr {
                    kind: ExprKind::Literal(value),
                    ..
                }) => value.to_text(),
                TemplatePart::Expr(expr) => {
                    pattern.push_str(&format!("{{{}}}", args.len()));
                    args.push(self.compile(expr, false).text);
                    continue;
                }
            };
            plain.push_str(&text);
            pattern.push_str(&text.replace('{', "{{").replace('}', "}}"));
        }
        if args.is_empty() {
            Compiled::atom(quote(&plain))
        } else {
            Compiled::atom(format!("format({}, {})", quote(&pattern), args.join(", ")))
        }
    }
}

/// Joins two operands with a binary operator, parenthesising each only as needed.
fn combine(op: BinaryOp, lhs: Compiled, rhs: Compiled) -> Compiled {
    let (precedence, needed) = match op {
        BinaryOp::Or => (Precedence::Or, Precedence::Or),
        BinaryOp::And => (Precedence::And, Precedence::And),
        BinaryOp::Eq | BinaryOp::Ne => (Precedence::Equality, Precedence::Not),
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            (Precedence::Comparison, Precedence::Not)
        }
    };
    Compiled::new(
        format!(
            "{} {} {}",
            lhs.operand(needed),
            op.symbol(),
            rhs.operand(needed)
        ),
        precedence,
    )
}

/// A bool that GitHub holds as the text `'true'`/`'false'`: job and step outputs,
/// environment variables and repository variables are always strings there.
fn is_string_bool(expr: &Expr) -> bool {
    expr.ty == Type::Bool
        && matches!(
            expr.kind,
            ExprKind::JobOutput { .. }
                | ExprKind::StepOutput { .. }
                | ExprKind::Env(_)
                | ExprKind::Var(_)
        )
}

/// The ref prefix `branch` and `tag` stand for.
fn ref_prefix(expr: &Expr) -> Option<&'static str> {
    match expr.kind {
        ExprKind::Context(context) => context_ref_prefix(context),
        _ => None,
    }
}

const BRANCH_REFS: &str = "refs/heads/";
const TAG_REFS: &str = "refs/tags/";

/// The short name of the ref when it is under `prefix`, `''` otherwise: what `branch` and
/// `tag` mean where they cannot be compared with the ref directly.
fn short_ref_name(prefix: &str) -> Compiled {
    Compiled::atom(format!(
        "(startsWith(github.ref, {}) && github.ref_name || '')",
        quote(prefix)
    ))
}

fn context_ref_prefix(context: Context) -> Option<&'static str> {
    match context {
        Context::Branch => Some(BRANCH_REFS),
        Context::Tag => Some(TAG_REFS),
        _ => None,
    }
}

/// The text of a string literal, or of a template without interpolations.
fn literal_string(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Literal(Literal::String(text)) => Some(text.clone()),
        ExprKind::Template(template) => template.as_plain(),
        _ => None,
    }
}

fn context_value(context: Context) -> Compiled {
    let name = match context {
        Context::Branch => return short_ref_name(BRANCH_REFS),
        Context::Tag => return short_ref_name(TAG_REFS),
        Context::Ref => "github.ref",
        Context::RefName => "github.ref_name",
        Context::Sha => "github.sha",
        Context::Event => "github.event_name",
        Context::Repository => "github.repository",
        Context::RepositoryOwner => "github.repository_owner",
        Context::Actor => "github.actor",
        Context::RunId => "github.run_id",
        Context::RunNumber => "github.run_number",
        Context::RunAttempt => "github.run_attempt",
        Context::Workspace => "github.workspace",
        Context::BaseBranch => "github.base_ref",
        Context::HeadBranch => "github.head_ref",
        Context::JobStatus => "job.status",
    };
    Compiled::atom(name)
}

/// Raw GitHub text is used as written (a `${{ }}` around it is dropped, since expressions
/// do not nest); it binds loosely when it could contain an operator.
fn raw_text(text: &str) -> Compiled {
    let trimmed = text.trim();
    let inner = trimmed
        .strip_prefix("${{")
        .and_then(|t| t.strip_suffix("}}"))
        .map_or(trimmed, str::trim);
    let loose = inner
        .chars()
        .any(|c| c.is_whitespace() || "|&=!<>".contains(c));
    Compiled::new(
        inner,
        if loose {
            Precedence::Loose
        } else {
            Precedence::Atom
        },
    )
}

fn literal_text(literal: &Literal) -> String {
    match literal {
        Literal::String(text) => quote(text),
        Literal::Bool(_) | Literal::Number(_) | Literal::Percent(_) | Literal::Duration(_) => {
            literal.to_text()
        }
    }
}

/// A GitHub string literal.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `base.name`, or `base['name']` when the name is not a GitHub identifier.
fn property(base: &str, name: &str) -> String {
    let identifier = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if identifier {
        format!("{base}.{name}")
    } else {
        format!("{base}[{}]", quote(name))
    }
}

enum ExactGlob<'g> {
    /// No metacharacters: the glob matches exactly this text.
    Literal(&'g str),
    /// A literal prefix followed by a final `**`: anything starting with the prefix.
    Prefix(&'g str),
}

/// Recognises the globs that mean a plain comparison. Until `pipec_compiler::glob` can
/// say this, a glob is literal when it has none of GitHub's filter metacharacters.
fn exact_glob(glob: &str) -> Option<ExactGlob<'_>> {
    let literal =
        |text: &str| !text.starts_with('!') && !text.contains(['*', '?', '+', '[', ']', '\\']);
    if literal(glob) {
        Some(ExactGlob::Literal(glob))
    } else {
        glob.strip_suffix("**")
            .filter(|prefix| literal(prefix))
            .map(ExactGlob::Prefix)
    }
}

#[cfg(test)]
mod tests;

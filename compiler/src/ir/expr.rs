//! Typed expressions and interpolated text.

use crate::span::Span;

/// The static type of an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    String,
    Bool,
    Number,
    Duration,
    Percent,
    /// A secret: text that targets keep out of logs.
    Secret,
    /// A string known to be one of these values (`event`, a `choice` input, a matrix key).
    Enum(Vec<String>),
    List(Box<Type>),
    /// Anything: raw expressions and values the checker cannot see into.
    Unknown,
}

impl Type {
    /// How the type is named in messages.
    pub fn describe(&self) -> String {
        match self {
            Type::String => "string".into(),
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::Duration => "duration".into(),
            Type::Percent => "percentage".into(),
            Type::Secret => "secret".into(),
            Type::Enum(values) => {
                let shown: Vec<String> =
                    values.iter().take(6).map(|v| format!("\"{v}\"")).collect();
                let more = if values.len() > 6 { ", ..." } else { "" };
                format!("one of {}{more}", shown.join(", "))
            }
            Type::List(item) => format!("list of {}", item.describe()),
            Type::Unknown => "unknown".into(),
        }
    }

    /// The type as a template's signature writes it (`list(string)`), which an editor shows
    /// beside a `let` written without a type; `describe` is for sentences. A long choice
    /// ends in `...`. `None` for `Unknown`, which has no syntax.
    pub fn written(&self) -> Option<String> {
        Some(match self {
            Type::String => "string".into(),
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::Duration => "duration".into(),
            Type::Percent => "percent".into(),
            Type::Secret => "secret".into(),
            Type::Enum(values) => {
                let mut shown: Vec<String> =
                    values.iter().take(6).map(|v| format!("\"{v}\"")).collect();
                if values.len() > 6 {
                    shown.push("...".into());
                }
                format!("choice({})", shown.join(", "))
            }
            Type::List(item) => format!("list({})", item.written()?),
            Type::Unknown => return None,
        })
    }

    /// Whether a value of this type is text (can be interpolated and compared with text).
    pub fn is_textual(&self) -> bool {
        matches!(
            self,
            Type::String | Type::Secret | Type::Enum(_) | Type::Unknown
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    /// Text with interpolations used as a value (`"release/${{ inputs.version }}"`).
    Template(Template),
    Context(Context),
    /// `matrix.<key>` of the job the expression is in.
    Matrix(String),
    Input(String),
    Secret(String),
    /// A repository or organisation variable (`vars.NAME`).
    Var(String),
    /// An environment variable set by the pipeline, job or step (`env.NAME`).
    Env(String),
    /// `needs.<job>.outputs.<output>`.
    JobOutput {
        job: String,
        output: String,
    },
    /// `needs.<job>.result`: `success`, `failure`, `cancelled` or `skipped`.
    JobResult {
        job: String,
    },
    /// `steps.<step>.outputs.<output>` of an earlier step of the same job.
    StepOutput {
        step: String,
        output: String,
    },
    /// `steps.<step>.outcome` of an earlier step: `success`, `failure`, `cancelled` or
    /// `skipped`, before `continue_on_error` is applied.
    StepOutcome {
        step: String,
    },
    /// A raw GitHub expression, verbatim.
    Raw(String),
    Status(StatusFunction),
    Call {
        function: Function,
        args: Vec<Expr>,
    },
    Not(Box<Expr>),
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    List(Vec<Expr>),
    /// Stands where an expression had an error that was reported; never reaches a target,
    /// since targets only run on programs without errors.
    Invalid,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    String(String),
    Bool(bool),
    /// As written.
    Number(String),
    Duration(u64),
    /// As written, without the `%`.
    Percent(String),
}

impl Literal {
    /// The literal as text, the way it is interpolated into a string.
    pub fn to_text(&self) -> String {
        match self {
            Literal::String(s) => s.clone(),
            Literal::Bool(b) => b.to_string(),
            Literal::Number(n) | Literal::Percent(n) => n.clone(),
            Literal::Duration(seconds) => seconds.to_string(),
        }
    }
}

/// Values that mean the same on every target; `docs/language.md` defines each one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Context {
    /// The branch that was pushed or that the run is on; "" for tags and pull requests.
    Branch,
    /// The tag that was pushed or that the run is on; "" otherwise.
    Tag,
    /// The full git ref (`refs/heads/main`, `refs/tags/v1`, `refs/pull/7/merge`).
    Ref,
    /// The short name of `ref`.
    RefName,
    /// The commit the run is for.
    Sha,
    /// The event that started the run, named like the trigger (`push`, `workflow_dispatch`).
    Event,
    /// `owner/name` of the repository.
    Repository,
    RepositoryOwner,
    /// Who started the run.
    Actor,
    RunId,
    RunNumber,
    RunAttempt,
    /// The directory the job's steps start in.
    Workspace,
    /// The pull request's target branch; "" for other events.
    BaseBranch,
    /// The pull request's source branch; "" for other events. Untrusted input.
    HeadBranch,
    /// The current job's status so far: `success`, `failure` or `cancelled`.
    JobStatus,
}

impl Context {
    pub const ALL: &'static [(&'static str, Context)] = &[
        ("branch", Context::Branch),
        ("tag", Context::Tag),
        ("ref", Context::Ref),
        ("ref_name", Context::RefName),
        ("sha", Context::Sha),
        ("event", Context::Event),
        ("repository", Context::Repository),
        ("repository_owner", Context::RepositoryOwner),
        ("actor", Context::Actor),
        ("run_id", Context::RunId),
        ("run_number", Context::RunNumber),
        ("run_attempt", Context::RunAttempt),
        ("workspace", Context::Workspace),
        ("base_branch", Context::BaseBranch),
        ("head_branch", Context::HeadBranch),
        ("job_status", Context::JobStatus),
    ];

    pub fn name(self) -> &'static str {
        Context::ALL
            .iter()
            .find(|(_, c)| *c == self)
            .map_or("?", |(n, _)| n)
    }

    pub fn lookup(name: &str) -> Option<Context> {
        Context::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| *c)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusFunction {
    /// Every job upstream (for a job) or every earlier step (for a step) succeeded.
    Success,
    /// Some job upstream, or some earlier step, failed.
    Failure,
    Always,
    Cancelled,
}

impl StatusFunction {
    pub fn name(self) -> &'static str {
        match self {
            StatusFunction::Success => "success",
            StatusFunction::Failure => "failure",
            StatusFunction::Always => "always",
            StatusFunction::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Function {
    /// `contains(list_or_text, item)`.
    Contains,
    StartsWith,
    EndsWith,
    /// `matches(text, "glob")`: GitHub filter-pattern glob match.
    Matches,
}

impl Function {
    pub fn name(self) -> &'static str {
        match self {
            Function::Contains => "contains",
            Function::StartsWith => "startsWith",
            Function::EndsWith => "endsWith",
            Function::Matches => "matches",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
        }
    }
}

/// Text with interpolated expressions: `"cd services/${{ matrix.service }}"`.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TemplatePart {
    Text(String),
    Expr(Expr),
}

impl Template {
    pub fn text(text: impl Into<String>, span: Span) -> Template {
        Template {
            parts: vec![TemplatePart::Text(text.into())],
            span,
        }
    }

    /// The text when nothing is interpolated.
    pub fn as_plain(&self) -> Option<String> {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                TemplatePart::Text(t) => text.push_str(t),
                TemplatePart::Expr(_) => return None,
            }
        }
        Some(text)
    }

    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        self.parts.iter().filter_map(|part| match part {
            TemplatePart::Expr(expr) => Some(expr),
            TemplatePart::Text(_) => None,
        })
    }
}

impl Expr {
    /// Calls `visit` on this expression and every expression inside it, parents first.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&'a Expr)) {
        visit(self);
        match &self.kind {
            ExprKind::Template(template) => template.exprs().for_each(|e| e.walk(visit)),
            ExprKind::Call { args, .. } | ExprKind::List(args) => {
                args.iter().for_each(|e| e.walk(visit))
            }
            ExprKind::Not(inner) => inner.walk(visit),
            ExprKind::Binary { lhs, rhs, .. } => {
                lhs.walk(visit);
                rhs.walk(visit);
            }
            _ => {}
        }
    }

    /// Whether the condition lifts the implicit "everything upstream succeeded". GitHub adds
    /// `success() &&` to a condition unless it calls a status function itself; only a
    /// `success()` that is simply and-ed in means the same as the implicit one, so any other
    /// status function, a `success()` under `!`, `||` or a comparison, or a raw expression
    /// calling one, lifts it.
    /// The value of a condition made only of literals (`"" == "manual"` after a template's
    /// parameters were bound to constants), if it is one.
    pub fn constant_bool(&self) -> Option<bool> {
        match &self.kind {
            ExprKind::Literal(Literal::Bool(b)) => Some(*b),
            ExprKind::Not(inner) => inner.constant_bool().map(|b| !b),
            ExprKind::Binary {
                op: BinaryOp::And,
                lhs,
                rhs,
            } => match (lhs.constant_bool(), rhs.constant_bool()) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            ExprKind::Binary {
                op: BinaryOp::Or,
                lhs,
                rhs,
            } => match (lhs.constant_bool(), rhs.constant_bool()) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            ExprKind::Binary {
                op: op @ (BinaryOp::Eq | BinaryOp::Ne),
                lhs,
                rhs,
            } => match (&lhs.kind, &rhs.kind) {
                (ExprKind::Literal(a), ExprKind::Literal(b)) => {
                    // GitHub compares strings case-insensitively.
                    let equal = a.to_text().to_lowercase() == b.to_text().to_lowercase();
                    Some(equal == (*op == BinaryOp::Eq))
                }
                _ => None,
            },
            _ => None,
        }
    }

    pub fn overrides_status(&self) -> bool {
        fn lifts(expr: &Expr, and_chain: bool) -> bool {
            match &expr.kind {
                ExprKind::Status(StatusFunction::Success) => !and_chain,
                ExprKind::Status(_) => true,
                ExprKind::Raw(text) => ["success(", "failure(", "always(", "cancelled("]
                    .iter()
                    .any(|f| text.contains(f)),
                ExprKind::Binary {
                    op: BinaryOp::And,
                    lhs,
                    rhs,
                } => lifts(lhs, and_chain) || lifts(rhs, and_chain),
                ExprKind::Binary { lhs, rhs, .. } => lifts(lhs, false) || lifts(rhs, false),
                ExprKind::Not(inner) => lifts(inner, false),
                ExprKind::Call { args, .. } | ExprKind::List(args) => {
                    args.iter().any(|a| lifts(a, false))
                }
                ExprKind::Template(template) => template.exprs().any(|a| lifts(a, false)),
                _ => false,
            }
        }
        lifts(self, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(kind: ExprKind) -> Expr {
        Expr {
            kind,
            ty: Type::Bool,
            span: Span::default(),
        }
    }

    fn status(f: StatusFunction) -> Expr {
        expr(ExprKind::Status(f))
    }

    fn binary(op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
        expr(ExprKind::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        })
    }

    #[test]
    fn only_an_and_ed_success_keeps_the_implicit_success() {
        let other = || expr(ExprKind::Raw("github.event.forced".into()));
        assert!(
            !binary(BinaryOp::And, status(StatusFunction::Success), other()).overrides_status()
        );
        assert!(!other().overrides_status());
        assert!(binary(BinaryOp::Or, status(StatusFunction::Success), other()).overrides_status());
        assert!(expr(ExprKind::Not(Box::new(status(StatusFunction::Success)))).overrides_status());
        assert!(
            expr(ExprKind::Not(Box::new(status(StatusFunction::Cancelled)))).overrides_status()
        );
        assert!(binary(BinaryOp::And, status(StatusFunction::Always), other()).overrides_status());
        assert!(expr(ExprKind::Raw("always() && x".into())).overrides_status());
    }
}

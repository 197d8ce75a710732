//! A terse way to build pipeline IR for tests. Conditions are written as text in the
//! language's expression syntax and parsed by a small parser here; every expression,
//! trigger and matrix axis gets a span into a generated source file, so diagnostics can
//! be checked against the quoted text.

use crate::ir::{
    self, BinaryOp, Context, Expr, ExprKind, Filter, Function, Input, InputType, Literal, Matrix,
    MatrixAxis, StatusFunction, Trigger, TriggerKind, Type,
};
use crate::source::SourceDb;
use crate::span::{FileId, Span};

pub(super) struct PipelineBuilder {
    text: String,
    pipeline: ir::Pipeline,
}

pub(super) struct JobBuilder<'a> {
    builder: &'a mut PipelineBuilder,
    job: ir::Job,
}

impl PipelineBuilder {
    pub(super) fn new() -> PipelineBuilder {
        PipelineBuilder {
            text: String::new(),
            pipeline: ir::Pipeline {
                id: "ci".into(),
                name: "ci".into(),
                source_path: "ci.pipe".into(),
                source_hash: String::new(),
                span: Span::default(),
                run_name: None,
                triggers: Vec::new(),
                env: Vec::new(),
                permissions: None,
                concurrency: None,
                defaults: ir::RunDefaults::default(),
                jobs: Vec::new(),
                gates: Vec::new(),
                environments: Vec::new(),
                promotion: Vec::new(),
            },
        }
    }

    /// Appends a line to the generated source and returns its span.
    fn span(&mut self, text: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(text);
        let span = Span::new(FileId(0), start..self.text.len());
        self.text.push('\n');
        span
    }

    pub(super) fn trigger(mut self, text: &str, kind: TriggerKind) -> PipelineBuilder {
        let span = self.span(text);
        self.pipeline.triggers.push(Trigger { kind, span });
        self
    }

    pub(super) fn on_push(self, branches: &[&str]) -> PipelineBuilder {
        let kind = TriggerKind::Push {
            branches: Some(only(branches)),
            tags: None,
            paths: None,
        };
        self.trigger(&format!("on push {{ branches: {branches:?} }}"), kind)
    }

    pub(super) fn on_pull_request(self, branches: &[&str]) -> PipelineBuilder {
        let kind = TriggerKind::PullRequest {
            target: false,
            types: Vec::new(),
            branches: Some(only(branches)),
            paths: None,
        };
        self.trigger(
            &format!("on pull_request {{ branches: {branches:?} }}"),
            kind,
        )
    }

    pub(super) fn on_dispatch(mut self, inputs: &[(&str, InputType)]) -> PipelineBuilder {
        let inputs = inputs
            .iter()
            .map(|(name, ty)| {
                let span = self.span(&format!("input {name}"));
                Input {
                    name: name.to_string(),
                    ty: ty.clone(),
                    description: None,
                    required: true,
                    default: None,
                    span,
                }
            })
            .collect();
        self.trigger("on workflow_dispatch", TriggerKind::Dispatch { inputs })
    }

    /// A job: `id`, the jobs it needs, and its condition.
    pub(super) fn job(self, id: &str, needs: &[&str], condition: Option<&str>) -> PipelineBuilder {
        self.job_with(id, needs, condition, |job| job)
    }

    pub(super) fn job_with(
        mut self,
        id: &str,
        needs: &[&str],
        condition: Option<&str>,
        configure: impl FnOnce(JobBuilder<'_>) -> JobBuilder<'_>,
    ) -> PipelineBuilder {
        let span = self.span(&format!("job {id}"));
        let needs = needs
            .iter()
            .map(|need| {
                let span = self.span(need);
                ir::Named {
                    name: need.to_string(),
                    span,
                }
            })
            .collect();
        let condition = condition.map(|text| self.expr(text));
        let job = ir::Job {
            id: id.into(),
            name: None,
            span,
            runs_on: Vec::new(),
            needs,
            condition,
            environment: None,
            requires: Vec::new(),
            timeout: None,
            continue_on_error: false,
            permissions: None,
            concurrency: None,
            container: None,
            services: Vec::new(),
            matrix: None,
            env: Vec::new(),
            outputs: Vec::new(),
            defaults: ir::RunDefaults::default(),
            body: ir::JobBody::Steps {
                steps: Vec::new(),
                on_failure: Vec::new(),
            },
        };
        let job = configure(JobBuilder {
            builder: &mut self,
            job,
        })
        .job;
        self.pipeline.jobs.push(job);
        self
    }

    /// Parses a condition written in the expression syntax, with spans into the source.
    pub(super) fn expr(&mut self, text: &str) -> Expr {
        let span = self.span(text);
        let tokens = tokenize(text, span.start as usize);
        let mut parser = ExprParser { tokens, next: 0 };
        let expr = parser.or();
        assert!(
            parser.next == parser.tokens.len(),
            "trailing input in `{text}`"
        );
        expr
    }

    pub(super) fn build(self) -> (ir::Pipeline, SourceDb) {
        let mut db = SourceDb::new();
        db.add("ci.pipe", self.text);
        (self.pipeline, db)
    }
}

impl JobBuilder<'_> {
    pub(super) fn step(mut self, id: &str, condition: Option<&str>) -> Self {
        let span = self.builder.span(&format!("step {id}"));
        let condition = condition.map(|text| self.builder.expr(text));
        let step = step(id, span, condition);
        if let ir::JobBody::Steps { steps, .. } = &mut self.job.body {
            steps.push(step);
        }
        self
    }

    pub(super) fn on_failure(mut self, id: &str, condition: Option<&str>) -> Self {
        let span = self.builder.span(&format!("on_failure step {id}"));
        let condition = condition.map(|text| self.builder.expr(text));
        let step = step(id, span, condition);
        if let ir::JobBody::Steps { on_failure, .. } = &mut self.job.body {
            on_failure.push(step);
        }
        self
    }

    /// A matrix with string values: `[("service", &["frontend", "backend"])]`.
    pub(super) fn matrix(mut self, axes: &[(&str, &[&str])]) -> Self {
        let span = self.builder.span("matrix");
        let axes = axes
            .iter()
            .map(|(name, values)| MatrixAxis {
                name: name.to_string(),
                values: values
                    .iter()
                    .map(|v| Literal::String(v.to_string()))
                    .collect(),
                span: self.builder.span(&format!("{name}: {values:?}")),
            })
            .collect();
        self.job.matrix = Some(Matrix {
            axes,
            include: Vec::new(),
            exclude: Vec::new(),
            fail_fast: None,
            max_parallel: None,
            span,
        });
        self
    }
}

fn step(id: &str, span: Span, condition: Option<Expr>) -> ir::Step {
    ir::Step {
        id: Some(id.into()),
        name: None,
        span,
        action: ir::StepAction::Run {
            script: ir::Template::text("true", span),
            shell: None,
            working_directory: None,
            image: None,
        },
        condition,
        env: Vec::new(),
        timeout: None,
        continue_on_error: false,
    }
}

pub(super) fn only(patterns: &[&str]) -> Filter {
    Filter::Only(patterns.iter().map(|p| p.to_string()).collect())
}

// ---------------------------------------------------------------------------------------
// A small parser for the expression syntax used in tests.

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Name(String),
    Text(String),
    Number(String),
    Raw(String),
    Symbol(&'static str),
}

const SYMBOLS: &[&str] = &[
    "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", "[", "]", ",",
];

fn tokenize(text: &str, base: usize) -> Vec<(Token, Span)> {
    let mut tokens = Vec::new();
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    // Byte offsets of every character, for spans.
    let offsets: Vec<usize> = text
        .char_indices()
        .map(|(offset, _)| offset)
        .chain([text.len()])
        .collect();
    let span =
        |start: usize, end: usize| Span::new(FileId(0), base + offsets[start]..base + offsets[end]);
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' || c == '`' {
            i += 1;
            let mut value = String::new();
            while bytes[i] != c {
                value.push(bytes[i]);
                i += 1;
            }
            i += 1;
            let token = if c == '"' {
                Token::Text(value)
            } else {
                Token::Raw(value)
            };
            tokens.push((token, span(start, i)));
        } else if c.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == '.') {
                i += 1;
            }
            tokens.push((
                Token::Number(bytes[start..i].iter().collect()),
                span(start, i),
            ));
        } else if c.is_alphabetic() || c == '_' {
            while i < bytes.len() && (bytes[i].is_alphanumeric() || "_-.".contains(bytes[i])) {
                i += 1;
            }
            tokens.push((
                Token::Name(bytes[start..i].iter().collect()),
                span(start, i),
            ));
        } else {
            let rest: String = bytes[i..].iter().collect();
            let symbol = SYMBOLS
                .iter()
                .find(|s| rest.starts_with(**s))
                .unwrap_or_else(|| panic!("unexpected `{c}`"));
            i += symbol.len();
            tokens.push((Token::Symbol(symbol), span(start, i)));
        }
    }
    tokens
}

struct ExprParser {
    tokens: Vec<(Token, Span)>,
    next: usize,
}

impl ExprParser {
    fn peek_symbol(&self, symbol: &str) -> bool {
        matches!(self.tokens.get(self.next), Some((Token::Symbol(s), _)) if *s == symbol)
    }

    fn bump(&mut self) -> (Token, Span) {
        let token = self.tokens[self.next].clone();
        self.next += 1;
        token
    }

    fn expect(&mut self, symbol: &str) -> Span {
        let (token, span) = self.bump();
        assert_eq!(
            token,
            Token::Symbol(SYMBOLS.iter().find(|s| **s == symbol).unwrap())
        );
        span
    }

    fn binary(op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
        let span = lhs.span.to(rhs.span);
        Expr {
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            ty: Type::Unknown,
            span,
        }
    }

    fn or(&mut self) -> Expr {
        let mut lhs = self.and();
        while self.peek_symbol("||") {
            self.bump();
            let rhs = self.and();
            lhs = Self::binary(BinaryOp::Or, lhs, rhs);
        }
        lhs
    }

    fn and(&mut self) -> Expr {
        let mut lhs = self.comparison();
        while self.peek_symbol("&&") {
            self.bump();
            let rhs = self.comparison();
            lhs = Self::binary(BinaryOp::And, lhs, rhs);
        }
        lhs
    }

    fn comparison(&mut self) -> Expr {
        let lhs = self.unary();
        let ops = [
            ("==", BinaryOp::Eq),
            ("!=", BinaryOp::Ne),
            ("<=", BinaryOp::Le),
            (">=", BinaryOp::Ge),
            ("<", BinaryOp::Lt),
            (">", BinaryOp::Gt),
        ];
        for (symbol, op) in ops {
            if self.peek_symbol(symbol) {
                self.bump();
                let rhs = self.unary();
                return Self::binary(op, lhs, rhs);
            }
        }
        lhs
    }

    fn unary(&mut self) -> Expr {
        if self.peek_symbol("!") {
            let start = self.expect("!");
            let inner = self.unary();
            let span = start.to(inner.span);
            return Expr {
                kind: ExprKind::Not(Box::new(inner)),
                ty: Type::Bool,
                span,
            };
        }
        self.primary()
    }

    fn primary(&mut self) -> Expr {
        let (token, span) = self.bump();
        let expr = |kind: ExprKind, span: Span| Expr {
            kind,
            ty: Type::Unknown,
            span,
        };
        match token {
            Token::Symbol("(") => {
                let inner = self.or();
                let end = self.expect(")");
                Expr {
                    span: span.to(end),
                    ..inner
                }
            }
            Token::Symbol("[") => {
                let mut items = Vec::new();
                while !self.peek_symbol("]") {
                    items.push(self.or());
                    if self.peek_symbol(",") {
                        self.bump();
                    }
                }
                let end = self.expect("]");
                expr(ExprKind::List(items), span.to(end))
            }
            Token::Text(text) => expr(ExprKind::Literal(Literal::String(text)), span),
            Token::Number(number) => expr(ExprKind::Literal(Literal::Number(number)), span),
            Token::Raw(raw) => expr(ExprKind::Raw(raw), span),
            Token::Name(name) if self.peek_symbol("(") => {
                self.bump();
                let mut args = Vec::new();
                while !self.peek_symbol(")") {
                    args.push(self.or());
                    if self.peek_symbol(",") {
                        self.bump();
                    }
                }
                let end = self.expect(")");
                let kind = match name.as_str() {
                    "success" => ExprKind::Status(StatusFunction::Success),
                    "failure" => ExprKind::Status(StatusFunction::Failure),
                    "always" => ExprKind::Status(StatusFunction::Always),
                    "cancelled" => ExprKind::Status(StatusFunction::Cancelled),
                    "contains" => ExprKind::Call {
                        function: Function::Contains,
                        args,
                    },
                    "startsWith" => ExprKind::Call {
                        function: Function::StartsWith,
                        args,
                    },
                    "endsWith" => ExprKind::Call {
                        function: Function::EndsWith,
                        args,
                    },
                    "matches" => ExprKind::Call {
                        function: Function::Matches,
                        args,
                    },
                    other => panic!("unknown function {other}"),
                };
                expr(kind, span.to(end))
            }
            Token::Name(name) => expr(name_kind(&name), span),
            other => panic!("unexpected token {other:?}"),
        }
    }
}

fn name_kind(name: &str) -> ExprKind {
    let parts: Vec<&str> = name.split('.').collect();
    match parts.as_slice() {
        ["true"] => ExprKind::Literal(Literal::Bool(true)),
        ["false"] => ExprKind::Literal(Literal::Bool(false)),
        [context] => ExprKind::Context(
            Context::lookup(context).unwrap_or_else(|| panic!("unknown context {context}")),
        ),
        ["inputs", input] => ExprKind::Input(input.to_string()),
        ["matrix", key] => ExprKind::Matrix(key.to_string()),
        ["secrets", secret] => ExprKind::Secret(secret.to_string()),
        ["vars", var] => ExprKind::Var(var.to_string()),
        ["env", var] => ExprKind::Env(var.to_string()),
        ["needs", job, "result"] => ExprKind::JobResult {
            job: job.to_string(),
        },
        ["needs", job, "outputs", output] => ExprKind::JobOutput {
            job: job.to_string(),
            output: output.to_string(),
        },
        ["steps", step, "outputs", output] => ExprKind::StepOutput {
            step: step.to_string(),
            output: output.to_string(),
        },
        _ => panic!("unknown name {name}"),
    }
}

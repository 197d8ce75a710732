//! The syntax tree: plain values with spans, no types and no back-pointers. The syntax is
//! generic (see `grammar/README.md`), so the tree is too: a block is a list of [`Item`]s and
//! the checker decides what each one means where it stands.

use crate::span::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub items: Vec<Item>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    /// `pipeline ci "CI" { ... }`
    Pipeline {
        id: Ident,
        name: Option<StringLit>,
        body: Block,
    },
    /// `job build "Build" { ... }`
    Job {
        id: Ident,
        name: Option<StringLit>,
        body: Block,
    },
    /// `step id "Name" { ... }`; id and name are optional.
    Step {
        id: Option<Ident>,
        name: Option<StringLit>,
        body: Block,
    },
    /// `on push { ... }`
    Trigger { event: Ident, body: Option<Block> },
    /// `let name: type = value`
    Let {
        name: Ident,
        ty: Option<TypeRef>,
        value: Expr,
    },
    /// `gate quality = [lint, test]`
    Gate { name: Ident, value: Expr },
    /// `service postgres { ... }`
    Service { name: Ident, body: Block },
    /// `input version: string { ... }`
    Input {
        name: Ident,
        ty: TypeRef,
        body: Option<Block>,
    },
    /// `secret DEPLOY_KEY { ... }`
    Secret { name: Ident, body: Option<Block> },
    /// `output digest: string = expr`; a step template declares its outputs without a value.
    Output {
        name: Ident,
        ty: Option<TypeRef>,
        value: Option<Expr>,
    },
    /// `environment production { ... }`
    Environment { name: Ident, body: Option<Block> },
    /// `promotion development -> staging -> production`
    Promotion { stages: Vec<Ident> },
    /// `step id "Name" docker.build_push(context: "api") { when: ... }`
    StepCall {
        id: Option<Ident>,
        name: Option<StringLit>,
        call: TemplateCall,
        body: Option<Block>,
    },
    /// `job deploy "Deploy" k8s.rolling(image: "...") { needs: [build] }`
    JobCall {
        id: Ident,
        name: Option<StringLit>,
        call: TemplateCall,
        body: Option<Block>,
    },
    /// `template step name(params) { ... }`
    Template {
        kind: TemplateKind,
        name: Ident,
        params: Vec<Param>,
        body: Block,
    },
    /// `import "std/docker"`, `import "./common.pipe" as common`,
    /// `import { checkout } from "std/git"`
    Import {
        path: StringLit,
        names: Option<Vec<Ident>>,
        alias: Option<Ident>,
    },
    /// `enum platform { linux_amd64: "linux/amd64" }`
    Enum { name: Ident, body: Block },
    /// `env { ... }`, `with { ... }`, `matrix { ... }` ...
    KeyBlock { key: Key, body: Block },
    /// `runs_on: "ubuntu-latest"`
    Property { key: Key, value: Expr },
    /// Text that could not be parsed; the parser has reported it.
    Error,
}

impl ItemKind {
    /// How the item is called in messages ("a `job` declaration").
    pub fn describe(&self) -> String {
        match self {
            ItemKind::Pipeline { .. } => "a `pipeline`".into(),
            ItemKind::Job { .. } => "a `job`".into(),
            ItemKind::Step { .. } => "a `step`".into(),
            ItemKind::Trigger { .. } => "a trigger (`on ...`)".into(),
            ItemKind::Let { .. } => "a `let`".into(),
            ItemKind::Gate { .. } => "a `gate`".into(),
            ItemKind::Service { .. } => "a `service`".into(),
            ItemKind::Input { .. } => "an `input`".into(),
            ItemKind::Secret { .. } => "a `secret`".into(),
            ItemKind::Output { .. } => "an `output`".into(),
            ItemKind::Environment { .. } => "an `environment`".into(),
            ItemKind::Promotion { .. } => "a `promotion`".into(),
            ItemKind::StepCall { .. } => "a template step".into(),
            ItemKind::JobCall { .. } => "a template job".into(),
            ItemKind::Template { .. } => "a `template`".into(),
            ItemKind::Import { .. } => "an `import`".into(),
            ItemKind::Enum { .. } => "an `enum`".into(),
            ItemKind::KeyBlock { key, .. } => format!("a `{} {{ ... }}` block", key.name),
            ItemKind::Property { key, .. } => format!("the setting `{}`", key.name),
            ItemKind::Error => "an unreadable item".into(),
        }
    }
}

/// The key of a property or block: an identifier or a quoted string.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub name: String,
    pub span: Span,
    pub quoted: bool,
}

/// `string`, `choice("a", "b")`, `list(docker.platform)`, `string?`.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeRef {
    /// The type's name; a dotted name (`docker.platform`) is one identifier here.
    pub name: Ident,
    pub args: Option<Vec<Expr>>,
    /// Written with a trailing `?`: the value may be left out.
    pub optional: bool,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateKind {
    Step,
    Job,
}

/// `name: type = default` in a template's parameter list.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeRef,
    pub default: Option<Expr>,
    pub span: Span,
}

/// `docker.build_push(context: "api", push: true)`
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateCall {
    /// The template's name, one identifier per dotted segment.
    pub path: Vec<Ident>,
    pub args: Vec<Argument>,
    pub span: Span,
}

impl TemplateCall {
    /// The name as written: `docker.build_push`.
    pub fn name(&self) -> String {
        let segments: Vec<&str> = self.path.iter().map(|i| i.name.as_str()).collect();
        segments.join(".")
    }

    /// The span of the name (all its segments).
    pub fn name_span(&self) -> Span {
        match (self.path.first(), self.path.last()) {
            (Some(first), Some(last)) => first.span.to(last.span),
            _ => self.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Argument {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Bool(bool),
    /// A number as written (`18`, `3.10`): the text is kept so `3.10` stays `3.10`.
    Number(String),
    /// `30m`, `1h30m`, as written; the checker validates it.
    Duration(String),
    /// `80%`, the number before the `%` as written.
    Percent(String),
    String(StringLit),
    /// A raw GitHub expression between backticks, without the backticks.
    Raw(String),
    List(Vec<Expr>),
    Name(Ident),
    Member {
        base: Box<Expr>,
        name: Ident,
    },
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    Call {
        function: Ident,
        args: Vec<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// An expression that could not be parsed; the parser has reported it.
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Concat,
}

/// A string literal: text and `${{ expr }}` parts, escapes already resolved and, for
/// `"""` strings, the common indentation already removed.
#[derive(Clone, Debug, PartialEq)]
pub struct StringLit {
    pub parts: Vec<StringPart>,
    pub span: Span,
    pub multiline: bool,
}

impl StringLit {
    /// The text if the string has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                StringPart::Text(t) => text.push_str(t),
                StringPart::Interpolation(_) => return None,
            }
        }
        Some(text)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StringPart {
    Text(String),
    Interpolation(Expr),
}

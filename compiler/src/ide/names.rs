//! The names of one document: every declaration of a job, `let`, template, gate and
//! imported module, and every reference to one, with spans; and the editor questions that
//! are lookups in them (definition, references, rename).
//!
//! The index is built from the error-tolerant parse alone and resolves names as the
//! checker does (`check/pipeline.rs`, `check/templates.rs`, `check/imports.rs`): jobs and
//! gates per pipeline, the first of two declarations winning; `let`s in order, each seeing
//! the ones before it, a pipeline's after the file's and a template's parameters after
//! both, the innermost (latest) one winning; templates by a bare name (imported by name
//! first, then the file's own) or as `namespace.name` of an imported module. Declarations
//! in another file are found by parsing the module an import names, never by guessing;
//! the uses of a module's template or `let` in other files, by the index of each workspace
//! file whose import resolves to that module.

use crate::ast::{self, ExprKind, ItemKind};
use crate::modules;
use crate::span::Span;

use super::{Document, LineIndex, Location, Range};

/// What a name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameKind {
    Job,
    Let,
    Template,
    Gate,
    /// An enum, named where a type is written (`platform`, `list(docker.platform)`).
    Enum,
    /// An imported module, named by its import's path.
    Module,
}

impl NameKind {
    fn describe(self) -> &'static str {
        match self {
            NameKind::Job => "a job",
            NameKind::Let => "a `let`",
            NameKind::Template => "a template",
            NameKind::Gate => "a gate",
            NameKind::Enum => "an enum",
            NameKind::Module => "a module",
        }
    }

    /// Whether a name of this kind may stand for a module's export of kind `exported`.
    /// An import by name says only the name: the importer knows a `let` by its use as a
    /// value and an enum by its use as a type, so an import it never uses may be either
    /// though indexed as a template.
    fn may_be(self, exported: NameKind) -> bool {
        let exportable = |kind| matches!(kind, NameKind::Template | NameKind::Let | NameKind::Enum);
        self == exported || (exportable(self) && exportable(exported))
    }
}

/// Where names of one kind are declared together: two of them clash within a scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    File,
    /// A pipeline, by its position among the file's items.
    Pipeline(usize),
    /// A template's parameters, by the template's position among the file's items.
    Template(usize),
    /// Templates reached through a module's namespace (`docker.build_push`).
    Namespace,
}

impl Scope {
    /// Whether a name declared in `self` and one in `other` could hide each other: the
    /// same scope, or (for `let`s) one of them the file's, which every other scope sees.
    fn meets(self, other: Scope, kind: NameKind) -> bool {
        self == other || (kind == NameKind::Let && (self == Scope::File || other == Scope::File))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Declared in the document: the span of the declared name.
    Local(Span),
    /// Declared by the module an import names: the import's path as written.
    Imported { spec: String },
}

/// Something names refer to.
#[derive(Clone, Debug)]
pub(crate) struct Binding {
    pub kind: NameKind,
    pub name: String,
    pub origin: Origin,
    pub scope: Scope,
}

/// A name in the text that declares or refers to a binding.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Occurrence {
    /// An index into [`NameIndex::bindings`].
    pub binding: usize,
    /// The name as written: what an edit replaces (inside the quotes of a string).
    pub span: Span,
    pub declaration: bool,
}

pub(crate) struct NameIndex {
    bindings: Vec<Binding>,
    /// In source order.
    occurrences: Vec<Occurrence>,
    /// Bare names in expressions that are no `let` (contexts such as `branch`, enum
    /// members): a `let` renamed to one of them would capture it.
    unresolved: Vec<ast::Ident>,
    /// Templates callable by a bare name, in the checker's lookup order.
    callable: Vec<(String, usize)>,
    /// Module namespaces: the alias and the import's path.
    namespaces: Vec<(String, String)>,
}

impl NameIndex {
    pub fn of(document: &Document) -> NameIndex {
        let mut builder = Builder {
            text: document.text(),
            index: NameIndex {
                bindings: Vec::new(),
                occurrences: Vec::new(),
                unresolved: Vec::new(),
                callable: Vec::new(),
                namespaces: Vec::new(),
            },
            templates: Vec::new(),
            enums: Vec::new(),
            parameters: Vec::new(),
            namespaces: Vec::new(),
            jobs: Vec::new(),
            gates: Vec::new(),
            lets: Vec::new(),
            in_call_outputs: false,
        };
        builder.file(document.file());
        let mut index = builder.index;
        index.callable = builder.templates;
        index.namespaces = builder.namespaces;
        index
            .occurrences
            .sort_by_key(|o| (o.span.start, o.span.end));
        index
    }

    /// The name at `offset`; a cursor just after a name is still on it.
    pub fn at(&self, offset: usize) -> Option<(&Occurrence, &Binding)> {
        self.occurrences
            .iter()
            .find(|o| (o.span.start as usize) <= offset && offset <= o.span.end as usize)
            .and_then(|o| Some((o, self.bindings.get(o.binding)?)))
    }

    /// Every name with what it stands for, in source order.
    pub fn occurrences(&self) -> impl Iterator<Item = (&Occurrence, &Binding)> {
        self.occurrences
            .iter()
            .filter_map(|o| Some((o, self.bindings.get(o.binding)?)))
    }

    /// The template a call names as written (`deploy`, `docker.build_push`), resolved as
    /// a parsed call is, with its name: for a call too broken to parse, being typed.
    pub fn template(&self, written: &str) -> Option<(String, Origin)> {
        match written.split('.').collect::<Vec<_>>().as_slice() {
            [name] => {
                let binding = self.bindings.get(lookup(&self.callable, name)?)?;
                Some((binding.name.clone(), binding.origin.clone()))
            }
            [namespace, name] => {
                let spec = module_of(&self.namespaces, namespace)?;
                Some((name.to_string(), Origin::Imported { spec }))
            }
            _ => None,
        }
    }

    /// The file-level binding of this module that a name imported as `wanted` stands
    /// for, among those `also` accepts: one of its kind, else one of a kind an import by
    /// name may be (see [`NameKind::may_be`]).
    fn export_for(&self, wanted: &Binding, also: impl Fn(&Binding) -> bool) -> Option<usize> {
        let candidates = || {
            self.bindings
                .iter()
                .enumerate()
                .filter(|(_, b)| b.name == wanted.name && b.scope == Scope::File && also(b))
        };
        candidates()
            .find(|(_, b)| b.kind == wanted.kind)
            .or_else(|| candidates().find(|(_, b)| wanted.kind.may_be(b.kind)))
            .map(|(position, _)| position)
    }

    /// Another binding of the same kind called `name` where `binding` would meet it.
    fn clash(&self, binding: usize, name: &str) -> Option<&Binding> {
        let renamed = self.bindings.get(binding)?;
        self.bindings.iter().enumerate().find_map(|(id, other)| {
            (id != binding
                && other.kind == renamed.kind
                && other.name == name
                && renamed.scope.meets(other.scope, renamed.kind))
            .then_some(other)
        })
    }
}

struct Builder<'a> {
    text: &'a str,
    index: NameIndex,
    /// Templates callable by a bare name, in the checker's lookup order.
    templates: Vec<(String, usize)>,
    /// Enums a type can name without a namespace: the file's and those imported by name.
    enums: Vec<(String, usize)>,
    /// The parameters of each template of the file, by the template's binding: `let`s in
    /// its body, and what the arguments of a call name.
    parameters: Vec<(usize, Vec<(String, usize)>)>,
    /// Module namespaces: the alias and the import's path.
    namespaces: Vec<(String, String)>,
    /// The jobs and gates of the pipeline being walked; empty outside one.
    jobs: Vec<(String, usize)>,
    gates: Vec<(String, usize)>,
    /// The `let`s in scope, the innermost last.
    lets: Vec<(String, usize)>,
    /// Inside the `output`s of `on call`, where `jobs.<job>` names a job too.
    in_call_outputs: bool,
}

impl Builder<'_> {
    fn declare(&mut self, kind: NameKind, name: &ast::Ident, scope: Scope) -> usize {
        let binding = self.index.bindings.len();
        self.index.bindings.push(Binding {
            kind,
            name: name.name.clone(),
            origin: Origin::Local(name.span),
            scope,
        });
        self.index.occurrences.push(Occurrence {
            binding,
            span: name.span,
            declaration: true,
        });
        binding
    }

    /// The binding of an imported module's name, made by its first occurrence.
    fn imported(&mut self, kind: NameKind, name: &str, spec: &str, scope: Scope) -> usize {
        let existing = self.index.bindings.iter().position(|b| {
            b.kind == kind
                && b.name == name
                && b.scope == scope
                && matches!(&b.origin, Origin::Imported { spec: s } if s == spec)
        });
        existing.unwrap_or_else(|| {
            self.index.bindings.push(Binding {
                kind,
                name: name.to_string(),
                origin: Origin::Imported {
                    spec: spec.to_string(),
                },
                scope,
            });
            self.index.bindings.len() - 1
        })
    }

    /// The parameters of a template of the file; none for an imported one.
    fn parameters_of(&self, template: usize) -> &[(String, usize)] {
        self.parameters
            .iter()
            .find(|(t, _)| *t == template)
            .map_or(&[], |(_, params)| params.as_slice())
    }

    /// A name imported by name is what its use shows: a `let` where it is a value, an
    /// enum where it is a type. The file's own names are what they declare.
    fn used_as(&mut self, binding: usize, kind: NameKind) {
        if let Some(imported) = self
            .index
            .bindings
            .get_mut(binding)
            .filter(|b| matches!(b.origin, Origin::Imported { .. }))
        {
            imported.kind = kind;
        }
    }

    fn refer(&mut self, binding: usize, span: Span) {
        self.index.occurrences.push(Occurrence {
            binding,
            span,
            declaration: false,
        });
    }

    fn file(&mut self, file: &ast::File) {
        for item in &file.items {
            if let ItemKind::Import { path, names, alias } = &item.kind {
                self.import(path, names.as_deref(), alias.as_ref());
            }
        }
        for item in &file.items {
            if let ItemKind::Enum { name, .. } = &item.kind {
                let binding = self.declare(NameKind::Enum, name, Scope::File);
                first_wins(&mut self.enums, name, binding);
            }
        }
        // Every template before any body: templates call each other in any order.
        for (position, item) in file.items.iter().enumerate() {
            if let ItemKind::Template { name, params, .. } = &item.kind {
                let template = self.declare(NameKind::Template, name, Scope::File);
                first_wins(&mut self.templates, name, template);
                let mut declared = Vec::new();
                for param in params {
                    let binding =
                        self.declare(NameKind::Let, &param.name, Scope::Template(position));
                    first_wins(&mut declared, &param.name, binding);
                }
                self.parameters.push((template, declared));
            }
        }
        for item in &file.items {
            if let ItemKind::Let { name, ty, value } = &item.kind {
                self.type_ref(ty.as_ref());
                self.expr(value);
                let binding = self.declare(NameKind::Let, name, Scope::File);
                self.lets.push((name.name.clone(), binding));
            }
        }
        for (position, item) in file.items.iter().enumerate() {
            match &item.kind {
                ItemKind::Template {
                    name, params, body, ..
                } => self.template(name, params, body),
                ItemKind::Pipeline { body, .. } => self.pipeline(position, body),
                _ => {}
            }
        }
    }

    fn import(
        &mut self,
        path: &ast::StringLit,
        names: Option<&[ast::Ident]>,
        alias: Option<&ast::Ident>,
    ) {
        let Some(spec) = path.as_plain() else {
            return;
        };
        let module = self.imported(NameKind::Module, &spec, &spec, Scope::File);
        self.refer(module, path.span);
        match names {
            Some(names) => {
                // A template, a `let` or an enum of the module: a template until used
                // as a value or a type.
                for name in names {
                    let binding = self.imported(NameKind::Template, &name.name, &spec, Scope::File);
                    self.refer(binding, name.span);
                    first_wins(&mut self.templates, name, binding);
                    first_wins(&mut self.enums, name, binding);
                    self.lets.push((name.name.clone(), binding));
                }
            }
            None => {
                let alias = alias.map_or_else(|| modules::default_alias(&spec), |a| a.name.clone());
                self.namespaces.push((alias, spec));
            }
        }
    }

    /// A template's parameters are `let`s in its body; their defaults see only the file's.
    fn template(&mut self, name: &ast::Ident, params: &[ast::Param], body: &ast::Block) {
        let outer = self.lets.len();
        for param in params {
            self.type_ref(Some(&param.ty));
        }
        for default in params.iter().filter_map(|p| p.default.as_ref()) {
            self.expr(default);
        }
        let declared = Origin::Local(name.span);
        let template = self
            .index
            .bindings
            .iter()
            .position(|b| b.origin == declared);
        if let Some(template) = template {
            let params = self.parameters_of(template).to_vec();
            self.lets.extend(params);
        }
        self.block(body);
        self.lets.truncate(outer);
    }

    fn pipeline(&mut self, position: usize, body: &ast::Block) {
        let scope = Scope::Pipeline(position);
        for item in &body.items {
            match &item.kind {
                ItemKind::Job { id, .. } | ItemKind::JobCall { id, .. } => {
                    let binding = self.declare(NameKind::Job, id, scope);
                    first_wins(&mut self.jobs, id, binding);
                }
                ItemKind::Gate { name, .. } => {
                    let binding = self.declare(NameKind::Gate, name, scope);
                    first_wins(&mut self.gates, name, binding);
                }
                _ => {}
            }
        }
        let outer = self.lets.len();
        for item in &body.items {
            if let ItemKind::Let { name, ty, value } = &item.kind {
                self.type_ref(ty.as_ref());
                self.expr(value);
                let binding = self.declare(NameKind::Let, name, scope);
                self.lets.push((name.name.clone(), binding));
            }
        }
        for item in &body.items {
            if !matches!(item.kind, ItemKind::Let { .. }) {
                self.item(item);
            }
        }
        self.lets.truncate(outer);
        self.jobs.clear();
        self.gates.clear();
    }

    fn block(&mut self, block: &ast::Block) {
        for item in &block.items {
            self.item(item);
        }
    }

    fn item(&mut self, item: &ast::Item) {
        match &item.kind {
            ItemKind::Job { body, .. }
            | ItemKind::Step { body, .. }
            | ItemKind::Service { body, .. }
            | ItemKind::Enum { body, .. } => self.block(body),
            ItemKind::JobCall { call, body, .. } | ItemKind::StepCall { call, body, .. } => {
                self.call(call);
                if let Some(body) = body {
                    self.block(body);
                }
            }
            ItemKind::Trigger {
                event,
                body: Some(body),
            } => {
                self.in_call_outputs = event.name == "call";
                self.block(body);
                self.in_call_outputs = false;
            }
            ItemKind::Input { ty, body, .. } => {
                self.type_ref(Some(ty));
                if let Some(body) = body {
                    self.block(body);
                }
            }
            ItemKind::Output { ty, value, .. } => {
                self.type_ref(ty.as_ref());
                if let Some(value) = value {
                    self.expr(value);
                }
            }
            ItemKind::Secret {
                body: Some(body), ..
            }
            | ItemKind::Environment {
                body: Some(body), ..
            } => self.block(body),
            // Permission levels are words, not values.
            ItemKind::KeyBlock { key, body } if key.name != "permissions" => self.block(body),
            ItemKind::Let { ty, value, .. } => {
                self.type_ref(ty.as_ref());
                self.expr(value);
            }
            // A gate is the list of jobs that must pass.
            ItemKind::Gate { value, .. } => self.name_list(value, NameKind::Job),
            ItemKind::Property { key, value } => match key.name.as_str() {
                "needs" => self.name_list(value, NameKind::Job),
                "requires" => self.name_list(value, NameKind::Gate),
                // Lists of names the setting declares, and permission words.
                "outputs" | "secrets" | "vars" | "permissions" => {}
                _ => self.expr(value),
            },
            _ => {}
        }
    }

    /// The enums a written type names: itself (`platform`, `docker.platform`), or the
    /// items of a list (`list(platform)`).
    fn type_ref(&mut self, ty: Option<&ast::TypeRef>) {
        let Some(ty) = ty else {
            return;
        };
        self.enum_name(&ty.name.name, ty.name.span);
        for arg in ty.args.iter().flatten() {
            self.type_arg(arg);
        }
    }

    fn type_arg(&mut self, arg: &ast::Expr) {
        match &arg.kind {
            ExprKind::Name(name) => self.enum_name(&name.name, name.span),
            ExprKind::Member { base, name } => {
                if let ExprKind::Name(namespace) = &base.kind {
                    let written = format!("{}.{}", namespace.name, name.name);
                    self.enum_name(&written, arg.span);
                }
            }
            ExprKind::Call { args, .. } => {
                for arg in args {
                    self.type_arg(arg);
                }
            }
            _ => {}
        }
    }

    /// An enum named as a type, as written (`platform`, `docker.platform`) at `span`.
    fn enum_name(&mut self, written: &str, span: Span) {
        // A type's path holds the blanks after it.
        let width = self
            .text
            .get(span.range())
            .map_or(0, |t| t.trim_end().len());
        let span = Span {
            end: span.start.saturating_add(u32::try_from(width).unwrap_or(0)),
            ..span
        };
        match written.split_once('.') {
            None => {
                if let Some(binding) = lookup(&self.enums, written) {
                    self.used_as(binding, NameKind::Enum);
                    self.refer(binding, span);
                }
            }
            Some((namespace, name)) => {
                if let Some(spec) = module_of(&self.namespaces, namespace) {
                    let binding = self.imported(NameKind::Enum, name, &spec, Scope::Namespace);
                    self.refer(binding, span);
                }
            }
        }
    }

    fn call(&mut self, call: &ast::TemplateCall) {
        match call.path.as_slice() {
            [name] => {
                if let Some(template) = lookup(&self.templates, &name.name) {
                    self.refer(template, name.span);
                    // An argument names a parameter of the template.
                    let arguments: Vec<(usize, Span)> = call
                        .args
                        .iter()
                        .filter_map(|a| {
                            Some((
                                lookup(self.parameters_of(template), &a.name.name)?,
                                a.name.span,
                            ))
                        })
                        .collect();
                    for (param, span) in arguments {
                        self.refer(param, span);
                    }
                }
            }
            [namespace, name] => {
                if let Some(spec) = module_of(&self.namespaces, &namespace.name) {
                    let binding =
                        self.imported(NameKind::Template, &name.name, &spec, Scope::Namespace);
                    self.refer(binding, call.name_span());
                }
            }
            _ => {}
        }
        for argument in &call.args {
            self.expr(&argument.value);
        }
    }

    /// `[lint, "unit-tests"]`, or one name: jobs (`needs`, gates) or gates (`requires`).
    fn name_list(&mut self, value: &ast::Expr, kind: NameKind) {
        let items = match &value.kind {
            ExprKind::List(items) => items.iter().collect(),
            _ => vec![value],
        };
        for item in items {
            let (name, span) = match &item.kind {
                ExprKind::Name(ident) => (ident.name.clone(), ident.span),
                ExprKind::String(text) => {
                    let Some((name, span)) = self.string_contents(text) else {
                        continue;
                    };
                    (name, span)
                }
                _ => continue,
            };
            let table = if kind == NameKind::Job {
                &self.jobs
            } else {
                &self.gates
            };
            if let Some(binding) = lookup(table, &name) {
                self.refer(binding, span);
            }
        }
    }

    /// A one-line string's text and the span between its quotes, when it is written
    /// without escapes (so the span holds exactly the text).
    fn string_contents(&self, text: &ast::StringLit) -> Option<(String, Span)> {
        let name = text.as_plain()?;
        let inner = Span {
            start: text.span.start.checked_add(1)?,
            end: text.span.end.checked_sub(1)?,
            ..text.span
        };
        (!text.multiline && self.text.get(inner.range()) == Some(name.as_str()))
            .then_some((name, inner))
    }

    fn expr(&mut self, expr: &ast::Expr) {
        match &expr.kind {
            ExprKind::Name(ident) => match lookup(&self.lets, &ident.name) {
                Some(binding) => {
                    self.used_as(binding, NameKind::Let);
                    self.refer(binding, ident.span);
                }
                None => self.index.unresolved.push(ident.clone()),
            },
            ExprKind::Member { base, name } => match &base.kind {
                // The root of a path is a namespace (`needs`, `matrix`, a module), never a
                // `let`: the checker reads `a.b` as a path.
                ExprKind::Name(root) => {
                    let names_job =
                        root.name == "needs" || (self.in_call_outputs && root.name == "jobs");
                    if let Some(binding) = lookup(&self.jobs, &name.name).filter(|_| names_job) {
                        self.refer(binding, name.span);
                    }
                }
                _ => self.expr(base),
            },
            ExprKind::Index { base, index } => {
                self.expr(base);
                self.expr(index);
            }
            ExprKind::Call { args: items, .. } | ExprKind::List(items) => {
                for item in items {
                    self.expr(item);
                }
            }
            ExprKind::Unary { operand, .. } => self.expr(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::String(text) => {
                for part in &text.parts {
                    if let ast::StringPart::Interpolation(inner) = part {
                        self.expr(inner);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Adds a declaration to a lookup table unless the name is already in it: the checker
/// keeps the first of two declarations and reports the second.
fn first_wins(table: &mut Vec<(String, usize)>, name: &ast::Ident, binding: usize) {
    if lookup(table, &name.name).is_none() {
        table.push((name.name.clone(), binding));
    }
}

/// The import path of the module a namespace (`docker` in `docker.build_push`) names.
fn module_of(namespaces: &[(String, String)], alias: &str) -> Option<String> {
    namespaces
        .iter()
        .find(|(written, _)| written == alias)
        .map(|(_, spec)| spec.clone())
}

/// The binding a name refers to: the last one of that name in the table.
fn lookup(table: &[(String, usize)], name: &str) -> Option<usize> {
    table
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, binding)| *binding)
}

/// Where the job, `let`, template, gate or module named at `offset` is declared: in the
/// document, or in the module file an import names (the file's start for the module
/// itself). `read` supplies the modules. Standard library modules are embedded in pipec
/// and have no file an editor could open, so their templates have no definition here.
pub fn definition(
    document: &Document,
    offset: usize,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Option<Location> {
    let index = NameIndex::of(document);
    let (_, binding) = index.at(offset)?;
    declaration(document, binding, read)
}

fn declaration(
    document: &Document,
    binding: &Binding,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Option<Location> {
    let path = document.path();
    let spec = match &binding.origin {
        Origin::Local(span) => {
            return Some(Location {
                path: path.to_string(),
                range: LineIndex::new(document.text()).range(span.start, span.end),
            });
        }
        Origin::Imported { spec } => spec,
    };
    let module_path = modules::resolve_import(path, spec).ok()?;
    if is_stdlib(&module_path) {
        return None;
    }
    let text = read(&module_path).ok()?;
    if binding.kind == NameKind::Module {
        return Some(Location {
            path: module_path,
            range: Range::default(),
        });
    }
    let module = Document::new(module_path.as_str(), text);
    let index = NameIndex::of(&module);
    let declared = index.bindings.get(index.export_for(binding, |_| true)?)?;
    declaration(&module, declared, read)
}

/// Whether a module path is the standard library's, as [`modules::resolve_import`] makes it.
pub(super) fn is_stdlib(module_path: &str) -> bool {
    modules::stdlib_names().any(|name| modules::stdlib_path(name) == module_path)
}

/// One file a name is declared or used in, with the names of the file.
struct FileUses {
    path: String,
    text: String,
    index: NameIndex,
    /// The name's bindings here: its declaration in the file that declares it; in a file
    /// importing that one, what the imports make of it (by name, through a namespace).
    bindings: Vec<usize>,
}

impl FileUses {
    fn occurrences(&self) -> impl Iterator<Item = (&Occurrence, &Binding)> {
        self.index
            .occurrences()
            .filter(|(o, _)| self.bindings.contains(&o.binding))
    }

    /// The 1-based line a span starts on, as messages name it.
    fn line_of(&self, span: Span) -> u32 {
        LineIndex::new(&self.text)
            .position(span.start as usize)
            .line
            + 1
    }

    fn locations(&self, spans: impl Iterator<Item = Span>) -> Vec<Location> {
        let lines = LineIndex::new(&self.text);
        spans
            .map(|span| Location {
                path: self.path.clone(),
                range: lines.range(span.start, span.end),
            })
            .collect()
    }
}

/// The files a name is declared or used in, and the files that could not be read to tell
/// whether they use it, with the reason.
struct Uses {
    files: Vec<FileUses>,
    unreadable: Vec<(String, String)>,
}

/// The module file that declares a name other files can import (a template, an enum or a
/// file-level `let`), as the checker's exports are: `None` for a name only its document
/// can use, and for the standard library's, which no workspace file declares.
fn declaring_module(path: &str, binding: &Binding) -> Option<String> {
    if !matches!(
        binding.kind,
        NameKind::Template | NameKind::Let | NameKind::Enum
    ) {
        return None;
    }
    match &binding.origin {
        Origin::Local(_) => (binding.scope == Scope::File).then(|| path.to_string()),
        Origin::Imported { spec } => modules::resolve_import(path, spec)
            .ok()
            .filter(|module| !is_stdlib(module)),
    }
}

/// Where the name of `binding` (the binding `id` of the document, whose `index` is given)
/// is declared and used: the document alone, or for a name a module declares, the module
/// and every file of `workspace` (and the document) with an import that resolves to the
/// module. Each file is read with `read` but the document, and named by its own index:
/// there is no second resolver.
fn uses(
    document: &Document,
    index: NameIndex,
    id: usize,
    binding: &Binding,
    workspace: &[String],
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Uses {
    let path = document.path();
    let mut uses = Uses {
        files: Vec::new(),
        unreadable: Vec::new(),
    };
    let Some(module) = declaring_module(path, binding) else {
        uses.files.push(FileUses {
            path: path.to_string(),
            text: document.text().to_owned(),
            index,
            bindings: vec![id],
        });
        return uses;
    };
    let mut own_index = Some(index);
    let mut candidates: Vec<&str> = vec![module.as_str()];
    for candidate in std::iter::once(path).chain(workspace.iter().map(String::as_str)) {
        if !candidates.contains(&candidate) {
            candidates.push(candidate);
        }
    }
    for candidate in candidates {
        let text = if candidate == path {
            document.text().to_owned()
        } else {
            match read(candidate) {
                Ok(text) => text,
                Err(reason) => {
                    uses.unreadable.push((candidate.to_string(), reason));
                    continue;
                }
            }
        };
        // Most files import nothing: they are not parsed.
        if candidate != module && !text.contains("import") {
            continue;
        }
        let own = if candidate == path {
            own_index.take()
        } else {
            None
        };
        let index = own.unwrap_or_else(|| NameIndex::of(&Document::new(candidate, text.clone())));
        let bindings = if candidate != module {
            let imported = |b: &Binding| match &b.origin {
                Origin::Imported { spec } => {
                    modules::resolve_import(candidate, spec).is_ok_and(|p| p == module)
                }
                Origin::Local(_) => false,
            };
            if !index
                .bindings
                .iter()
                .any(|b| b.kind == NameKind::Module && imported(b))
            {
                continue;
            }
            (0..index.bindings.len())
                .filter(|&other| {
                    index.bindings.get(other).is_some_and(|b| {
                        let by_name = b.scope == Scope::File && b.kind.may_be(binding.kind);
                        (b.kind == binding.kind || by_name) && b.name == binding.name && imported(b)
                    })
                })
                .collect()
        } else if candidate == path {
            vec![id]
        } else {
            // The checker exports the first of two declarations.
            index
                .export_for(binding, |b| matches!(b.origin, Origin::Local(_)))
                .into_iter()
                .collect()
        };
        uses.files.push(FileUses {
            path: candidate.to_string(),
            text,
            index,
            bindings,
        });
    }
    uses
}

/// The places of the document that name what the name at `offset` names, each with
/// whether it is the declaration: what an editor highlights while the cursor is on it.
pub fn document_highlights(document: &Document, offset: usize) -> Vec<(Range, bool)> {
    let index = NameIndex::of(document);
    let Some((at, _)) = index.at(offset) else {
        return Vec::new();
    };
    let lines = LineIndex::new(document.text());
    index
        .occurrences
        .iter()
        .filter(|o| o.binding == at.binding)
        .map(|o| (lines.range(o.span.start, o.span.end), o.declaration))
        .collect()
}

/// Every place the name at `offset` is used, with its declaration when
/// `include_declaration`: in the document, and for a template or file-level `let` of a
/// module, in the module and in every file of `workspace` (paths `read` is asked for) that
/// imports it.
pub fn references(
    document: &Document,
    offset: usize,
    include_declaration: bool,
    workspace: &[String],
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Vec<Location> {
    let index = NameIndex::of(document);
    let Some((occurrence, binding)) = index.at(offset) else {
        return Vec::new();
    };
    let (id, binding) = (occurrence.binding, binding.clone());
    let uses = uses(document, index, id, &binding, workspace, read);
    uses.files
        .iter()
        .flat_map(|file| {
            file.locations(
                file.occurrences()
                    .filter(|(o, _)| include_declaration || !o.declaration)
                    .map(|(o, _)| o.span),
            )
        })
        .collect()
}

/// Why no rename can change the name a binding stands for, whatever the new name: a
/// module is named by its file, and the standard library is not the user's to edit.
fn unrenamable(path: &str, binding: &Binding) -> Option<String> {
    let Origin::Imported { spec } = &binding.origin else {
        return None;
    };
    if binding.kind == NameKind::Module {
        return Some("a module is named by its file; to call it something else here, write `import \"...\" as name`".into());
    }
    modules::resolve_import(path, spec)
        .is_ok_and(|p| is_stdlib(&p))
        .then(|| {
            format!(
                "`{}` is {} of the standard library module `{spec}`, which cannot be renamed",
                binding.name,
                binding.kind.describe()
            )
        })
}

/// The part of an occurrence a rename replaces: a call through a namespace (`lib.build`)
/// keeps its namespace, which is the import's alias.
fn renamed_part(text: &str, occurrence: &Occurrence, binding: &Binding) -> Span {
    if binding.scope != Scope::Namespace {
        return occurrence.span;
    }
    let written = text.get(occurrence.span.range()).unwrap_or_default();
    let name = written.rsplit('.').next().unwrap_or(written).trim_start();
    let namespace = u32::try_from(written.len() - name.len()).unwrap_or(0);
    Span {
        start: occurrence.span.start.saturating_add(namespace),
        ..occurrence.span
    }
}

/// The name a rename at `offset` would change; `None` where there is nothing to rename,
/// or a name no rename can change (a module, a standard library template), so that the
/// editor does not ask for a new name. [`rename`] says why to clients that skip this.
pub fn prepare_rename(document: &Document, offset: usize) -> Option<Range> {
    let path = document.path();
    let index = NameIndex::of(document);
    let (occurrence, binding) = index.at(offset)?;
    if unrenamable(path, binding).is_some() {
        return None;
    }
    let span = renamed_part(document.text(), occurrence, binding);
    Some(LineIndex::new(document.text()).range(span.start, span.end))
}

/// The grammar's keywords (`grammar/pipe.pest`: `declaration_keyword`, `kw_from`, `kw_as`,
/// `boolean`): the grammar would read a name spelt like one as the keyword.
pub(super) const KEYWORDS: &[&str] = &[
    "pipeline",
    "job",
    "step",
    "on",
    "let",
    "gate",
    "service",
    "input",
    "secret",
    "output",
    "environment",
    "promotion",
    "import",
    "template",
    "enum",
    "from",
    "as",
    "true",
    "false",
];

/// A file as messages about the document at `path` name it: from the document's
/// directory when it is under it.
fn shown(path: &str, file: &str) -> String {
    let directory = path.rfind('/').and_then(|slash| path.get(..=slash));
    match directory.and_then(|directory| file.strip_prefix(directory)) {
        Some(relative) => format!("./{relative}"),
        None => file.to_string(),
    }
}

/// The edits that rename the job, `let`, template, gate or enum at `offset` to
/// `new_name`: its declaration and every reference, in every file that uses it (for a
/// template, enum or file-level `let` of a module: the module and the files of
/// `workspace` importing it, from its declaration or any use alike). Refused, with the
/// reason, for a name that is not an identifier or is a keyword (or a built-in type, for
/// an enum), that another name of the same kind already has where the two would meet in
/// any of those files, for a module or a standard library template or enum, when a
/// workspace file cannot be read, and when any of those files would have an error
/// the checker (run with the renamed texts, and the other modules `read` supplies) did not
/// report before.
pub fn rename(
    document: &Document,
    offset: usize,
    new_name: &str,
    workspace: &[String],
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<Vec<(Location, String)>, String> {
    let path = document.path();
    let index = NameIndex::of(document);
    let Some((occurrence, binding)) = index.at(offset) else {
        return Err("there is no job, `let`, template, gate or enum here to rename".into());
    };
    if let Some(reason) = unrenamable(path, binding) {
        return Err(reason);
    }
    if !is_identifier(new_name) {
        return Err(format!(
            "`{new_name}` is not a name: a name starts with a letter or `_` and goes on with letters, digits, `_` and single `-`s between them"
        ));
    }
    if KEYWORDS.contains(&new_name) {
        return Err(format!("`{new_name}` is a keyword"));
    }
    if binding.kind == NameKind::Enum && crate::check::PARAMETER_TYPES.contains(&new_name) {
        return Err(format!(
            "`{new_name}` is a built-in type, which a type of that name would always mean"
        ));
    }
    let (id, binding) = (occurrence.binding, binding.clone());
    let uses = uses(document, index, id, &binding, workspace, read);
    if let Some((file, reason)) = uses.unreadable.first() {
        return Err(format!(
            "cannot read `{}`, which may declare or use `{}`: {reason}",
            shown(path, file),
            binding.name
        ));
    }
    // "line 3", or "line 3 of `./other.pipe`" for another file than the document.
    let place = |file: &FileUses, what: String| match file.path == path {
        true => what,
        false => format!("{what} of `{}`", shown(path, &file.path)),
    };
    for file in &uses.files {
        for &renamed in &file.bindings {
            let Some(this) = file.index.bindings.get(renamed) else {
                continue;
            };
            // Calls through namespaces of different modules never meet: whether the
            // module already has the name is its own declaration's clash.
            if this.scope == Scope::Namespace {
                continue;
            }
            if let Some(other) = file.index.clash(renamed, new_name) {
                let at = match other.origin {
                    Origin::Local(span) => format!("line {}", file.line_of(span)),
                    Origin::Imported { .. } => "an import".into(),
                };
                return Err(format!(
                    "{} called `{new_name}` already exists ({})",
                    binding.kind.describe(),
                    place(file, at)
                ));
            }
            if this.kind == NameKind::Let
                && let Some(captured) = file.index.unresolved.iter().find(|i| i.name == new_name)
            {
                return Err(format!(
                    "`{new_name}` already means something else on {}; a `let` of that name would hide it",
                    place(file, format!("line {}", file.line_of(captured.span)))
                ));
            }
        }
    }
    let edits: Vec<Vec<Span>> = uses
        .files
        .iter()
        .map(|file| {
            file.occurrences()
                .map(|(o, b)| renamed_part(&file.text, o, b))
                .collect()
        })
        .collect();
    let renamed: Vec<(&str, String)> = uses
        .files
        .iter()
        .zip(&edits)
        .map(|(file, spans)| (file.path.as_str(), replaced(&file.text, spans, new_name)))
        .collect();
    for (file, (_, after)) in uses.files.iter().zip(&renamed) {
        // The document has its analysis already; the other files are checked here.
        let before = if file.path == path {
            errors(document, read)
        } else {
            errors(&Document::new(file.path.as_str(), file.text.clone()), read)
        };
        // Each file is checked with the others as the rename leaves them.
        let mut read_renamed = |module: &str| match renamed.iter().find(|(p, _)| *p == module) {
            Some((_, text)) => Ok(text.clone()),
            None => read(module),
        };
        let after = errors(
            &Document::new(file.path.as_str(), after.clone()),
            &mut read_renamed,
        );
        if let Some(new_error) = new_error(&before, &after) {
            let what = match file.path == path {
                true => "the file".to_string(),
                false => format!("`{}`", shown(path, &file.path)),
            };
            return Err(format!(
                "renaming `{}` to `{new_name}` would break {what}: {new_error}",
                binding.name
            ));
        }
    }
    Ok(uses
        .files
        .iter()
        .zip(&edits)
        .flat_map(|(file, spans)| file.locations(spans.iter().copied()))
        .map(|location| (location, new_name.to_string()))
        .collect())
}

/// Whether `name` is one identifier of the grammar: the parser, asked to read it as the
/// name of a `let`, reads exactly it.
fn is_identifier(name: &str) -> bool {
    let probe = format!("let {name} = 0");
    let (file, problems) = crate::parse::parse_file(crate::span::FileId::default(), &probe);
    problems.is_empty()
        && matches!(file.items.as_slice(), [item] if matches!(&item.kind, ItemKind::Let { name: declared, .. } if declared.name == name))
}

/// `text` with every span (sorted, apart) replaced by `with`.
fn replaced(text: &str, spans: &[Span], with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for span in spans {
        out.push_str(text.get(copied..span.start as usize).unwrap_or_default());
        out.push_str(with);
        copied = span.end as usize;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

/// Each error the checker reports in the document: its code and the first line of its
/// message.
fn errors(
    document: &Document,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Vec<(&'static str, String)> {
    super::diagnostics(document, read)
        .into_iter()
        .filter(|d| d.severity == crate::Severity::Error)
        .map(|d| {
            (
                d.code,
                d.message.lines().next().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// An error of `after` that `before` did not have. Codes are counted rather than messages
/// compared, since a message that quotes the renamed name changes with it.
fn new_error(before: &[(&str, String)], after: &[(&str, String)]) -> Option<String> {
    let count =
        |errors: &[(&str, String)], code: &str| errors.iter().filter(|(c, _)| *c == code).count();
    let (code, _) = after
        .iter()
        .find(|(code, _)| count(after, code) > count(before, code))?;
    after
        .iter()
        .filter(|(c, _)| c == code)
        .find(|(_, message)| !before.iter().any(|(_, m)| m == message))
        .map(|(_, message)| message.clone())
}

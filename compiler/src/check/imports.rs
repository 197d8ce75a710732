//! Imports: the order files are checked in (a module before the files that import it),
//! cycles between modules, and each file's view of what it imports — namespaces
//! (`docker.build_push`) and names imported one by one (`import { checkout } from ...`).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use crate::ast::{self, ItemKind};
use crate::diagnostics::{Code, Diagnostic, closest};
use crate::modules;
use crate::source::SourceDb;
use crate::span::{FileId, Span};

use super::expr::LetBinding;
use super::templates::{EnumDef, TemplateDef};

/// What a file offers the files that import it: its top-level `let`s, enums and templates.
#[derive(Default)]
pub(super) struct Exports {
    pub lets: Vec<Rc<LetBinding>>,
    pub enums: Vec<Rc<EnumDef>>,
    pub templates: Vec<Rc<TemplateDef>>,
}

/// One import (or one name of an import list), and whether anything used it.
pub(super) struct ImportUse {
    /// "`std/docker`", "`checkout`": how the warning names it.
    pub what: String,
    pub span: Span,
    pub used: Cell<bool>,
}

pub(super) struct Namespace {
    pub alias: String,
    /// The module could not be read (already reported): names in it are not reported.
    pub broken: bool,
    /// The module as the import wrote it (`std/docker`).
    pub path: String,
    pub exports: Rc<Exports>,
    pub usage: Rc<ImportUse>,
}

/// Definitions a file can use, each with the import that brought it (none for the file's
/// own).
pub(super) type Visible<T> = RefCell<Vec<(Rc<T>, Option<Rc<ImportUse>>)>>;

/// The names a file can use besides its own `let`s. Its own enums and templates are added
/// as they are defined, so templates can call each other in any order.
#[derive(Default)]
pub(super) struct FileScope {
    pub namespaces: Vec<Namespace>,
    pub enums: Visible<EnumDef>,
    pub templates: Visible<TemplateDef>,
    /// `let`s imported by name; they join the file's own.
    pub lets: Vec<Rc<LetBinding>>,
    pub imports: Vec<Rc<ImportUse>>,
    /// Names imported one by one from a module that could not be read (already reported):
    /// using them reports nothing more.
    pub broken_names: Vec<String>,
}

impl FileScope {
    pub(super) fn namespace(&self, alias: &str) -> Option<&Namespace> {
        self.namespaces.iter().find(|n| n.alias == alias)
    }

    /// An enum by its name as written in a type: `platform` or `docker.platform`.
    pub(super) fn enum_named(&self, name: &str) -> Option<Rc<EnumDef>> {
        if let Some((alias, member)) = name.split_once('.') {
            let namespace = self.namespace(alias)?;
            namespace.usage.used.set(true);
            return namespace
                .exports
                .enums
                .iter()
                .find(|e| e.name == member)
                .cloned();
        }
        let enums = self.enums.borrow();
        let (found, usage) = enums.iter().find(|(e, _)| e.name == name)?;
        if let Some(usage) = usage {
            usage.used.set(true);
        }
        Some(Rc::clone(found))
    }

    /// The names of the enums a type may name here, for suggestions.
    pub(super) fn enum_names(&self) -> Vec<String> {
        let own = self.enums.borrow();
        let mut names: Vec<String> = own.iter().map(|(e, _)| e.name.clone()).collect();
        for namespace in &self.namespaces {
            for e in &namespace.exports.enums {
                names.push(format!("{}.{}", namespace.alias, e.name));
            }
        }
        names
    }

    /// The template a call names, if it names one; nothing is reported.
    pub(super) fn template_quietly(&self, call: &ast::TemplateCall) -> Option<Rc<TemplateDef>> {
        match call.path.as_slice() {
            [name] => self
                .templates
                .borrow()
                .iter()
                .find(|(t, _)| t.name == name.name)
                .map(|(t, _)| Rc::clone(t)),
            [alias, name] => self
                .namespace(&alias.name)?
                .exports
                .templates
                .iter()
                .find(|t| t.name == name.name)
                .cloned(),
            _ => None,
        }
    }

    /// The template a call names, or a reported `unknown-template`.
    pub(super) fn template(
        &self,
        cx: &mut super::Cx,
        call: &ast::TemplateCall,
    ) -> Option<Rc<TemplateDef>> {
        let span = call.name_span();
        match call.path.as_slice() {
            [name] => {
                let templates = self.templates.borrow();
                if let Some((found, usage)) = templates.iter().find(|(t, _)| t.name == name.name) {
                    if let Some(usage) = usage {
                        usage.used.set(true);
                    }
                    return Some(Rc::clone(found));
                }
                if self.broken_names.contains(&name.name) {
                    return None;
                }
                let known: Vec<&str> = templates.iter().map(|(t, _)| t.name.as_str()).collect();
                let diagnostic = Diagnostic::new(
                    Code::UnknownTemplate,
                    format!("unknown template `{}`", name.name),
                    span,
                    "not defined or imported",
                );
                cx.report(match closest(&name.name, known.iter().copied()) {
                    Some(s) => diagnostic.with_suggestion(name.span, s),
                    None => diagnostic.with_help(match stdlib_modules_with(&name.name).first() {
                        Some(module) => format!(
                            "the standard library has it: add `import \"std/{module}\"` and call `{module}.{}`",
                            name.name
                        ),
                        None => "define it with `template step <name>(...) { ... }`, or import the module that has it".into(),
                    }),
                });
                None
            }
            [alias, name] => {
                let Some(namespace) = self.namespace(&alias.name) else {
                    let aliases: Vec<&str> =
                        self.namespaces.iter().map(|n| n.alias.as_str()).collect();
                    let diagnostic = Diagnostic::new(
                        Code::UnknownTemplate,
                        format!("module `{}` is not imported", alias.name),
                        alias.span,
                        format!("so `{}` is unknown", call.name()),
                    );
                    cx.report(match closest(&alias.name, aliases.iter().copied()) {
                        Some(s) => diagnostic.with_suggestion(alias.span, s),
                        None if modules::stdlib_text(&alias.name).is_some() => diagnostic
                            .with_help(format!("import it first: `import \"std/{}\"`", alias.name)),
                        None => diagnostic.with_help(format!(
                            "import the module first, e.g. `import \"./{}.pipe\"`",
                            alias.name
                        )),
                    });
                    return None;
                };
                namespace.usage.used.set(true);
                if namespace.broken {
                    return None;
                }
                if let Some(found) = namespace
                    .exports
                    .templates
                    .iter()
                    .find(|t| t.name == name.name)
                {
                    return Some(Rc::clone(found));
                }
                let known = namespace.exports.templates.iter().map(|t| t.name.as_str());
                let diagnostic = Diagnostic::new(
                    Code::UnknownTemplate,
                    format!("module `{}` has no template `{}`", alias.name, name.name),
                    name.span,
                    "no such template",
                );
                cx.report(match closest(&name.name, known) {
                    Some(s) => diagnostic.with_suggestion(span, &format!("{}.{s}", alias.name)),
                    None => diagnostic.with_help(format!(
                        "`pipec doc {}` lists the templates of {}",
                        namespace.path, namespace.path
                    )),
                });
                None
            }
            _ => {
                cx.report(
                    Diagnostic::new(
                        Code::UnknownTemplate,
                        format!("`{}` does not name a template", call.name()),
                        span,
                        "not a template name",
                    )
                    .with_help("a template is `name` or `module.name`"),
                );
                None
            }
        }
    }
}

/// The standard library modules that define a template called `name` (read from their
/// text: they need not be imported to be suggested).
fn stdlib_modules_with(name: &str) -> Vec<&'static str> {
    modules::stdlib_names()
        .filter(|module| {
            modules::stdlib_text(module).is_some_and(|text| {
                text.contains(&format!("template step {name}("))
                    || text.contains(&format!("template job {name}("))
            })
        })
        .collect()
}

/// One `import` of a file, resolved to a file of the source database.
pub(super) struct Import<'a> {
    pub item: &'a ast::Item,
    pub spec: String,
    pub spec_span: Span,
    pub target: Option<FileId>,
    pub names: Option<&'a [ast::Ident]>,
    pub alias: Option<&'a ast::Ident>,
}

/// Every file's imports, resolved; unknown modules are reported.
pub(super) fn resolve<'a>(
    db: &SourceDb,
    files: &[(FileId, &'a ast::File)],
    diagnostics: &mut Vec<Diagnostic>,
) -> HashMap<FileId, Vec<Import<'a>>> {
    let mut all = HashMap::new();
    for (file, ast) in files {
        let importer = db.path(*file);
        let mut imports = Vec::new();
        for item in &ast.items {
            let ItemKind::Import { path, names, alias } = &item.kind else {
                continue;
            };
            let Some(spec) = path.as_plain() else {
                diagnostics.push(
                    Diagnostic::new(
                        Code::UnknownModule,
                        "a module path cannot interpolate values",
                        path.span,
                        "not a plain string",
                    )
                    .with_help("write the path as plain text: `import \"std/docker\"`"),
                );
                continue;
            };
            let target = match modules::resolve_import(importer, &spec) {
                Ok(resolved) => {
                    match db.find(&resolved) {
                        Some(target) => Some(target),
                        None => {
                            let reason = db
                                .read_failure(&resolved)
                                // The reader's reason without the OS's error number:
                                // "No such file or directory (os error 2)".
                                .map_or_else(
                                    || "it was not loaded".to_string(),
                                    |reason| {
                                        reason
                                            .split(" (os error ")
                                            .next()
                                            .unwrap_or(reason)
                                            .to_string()
                                    },
                                );
                            diagnostics.push(
                            Diagnostic::new(
                                Code::UnknownModule,
                                format!("cannot read module `{spec}`"),
                                path.span,
                                format!("{resolved}: {reason}"),
                            )
                            .with_help("a relative module path starts from the importing file's directory"),
                        );
                            None
                        }
                    }
                }
                Err(problem) => {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::UnknownModule,
                            format!("unknown module `{spec}`"),
                            path.span,
                            "no such module",
                        )
                        .with_help(problem),
                    );
                    None
                }
            };
            imports.push(Import {
                item,
                spec,
                spec_span: path.span,
                target,
                names: names.as_deref(),
                alias: alias.as_ref(),
            });
        }
        all.insert(*file, imports);
    }
    all
}

/// The files in checking order: every module before the files importing it, otherwise in
/// the database's order. An import that closes a cycle is reported and ignored.
pub(super) fn order(
    files: &[(FileId, &ast::File)],
    imports: &HashMap<FileId, Vec<Import<'_>>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<FileId> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Open,
        Done,
    }
    fn visit(
        file: FileId,
        imports: &HashMap<FileId, Vec<Import<'_>>>,
        states: &mut HashMap<FileId, State>,
        path: &mut Vec<(FileId, Span, String)>,
        order: &mut Vec<FileId>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        states.insert(file, State::Open);
        for import in imports.get(&file).into_iter().flatten() {
            let Some(target) = import.target else {
                continue;
            };
            match states.get(&target).copied().unwrap_or(State::New) {
                State::Done => {}
                State::Open => {
                    // The cycle is the part of the path from `target` on, closed by this import
                    // (none of it when a module imports itself). Modules are named as their
                    // namespaces are: `docker` for `std/docker`, `common` for `./ci/common.pipe`.
                    let start = path
                        .iter()
                        .position(|(f, _, _)| *f == target)
                        .unwrap_or(path.len());
                    let cycle = path.get(start..).unwrap_or_default();
                    let first = modules::default_alias(&import.spec);
                    let mut names = vec![first.clone()];
                    names.extend(
                        cycle
                            .iter()
                            .map(|(_, _, spec)| modules::default_alias(spec)),
                    );
                    let last = names.last().cloned().unwrap_or_default();
                    let (message, label) = if cycle.is_empty() {
                        (
                            format!("module `{first}` imports itself"),
                            "imports the module it is in".to_string(),
                        )
                    } else {
                        (
                            format!(
                                "modules import each other in a cycle: {} → `{first}`",
                                names
                                    .iter()
                                    .map(|n| format!("`{n}`"))
                                    .collect::<Vec<_>>()
                                    .join(" → ")
                            ),
                            format!("`{last}` imports `{first}`, which closes the cycle"),
                        )
                    };
                    let mut diagnostic =
                        Diagnostic::new(Code::ImportCycle, message, import.spec_span, label);
                    for (index, (_, span, spec)) in cycle.iter().enumerate() {
                        let importer = names.get(index).cloned().unwrap_or_default();
                        let imported = modules::default_alias(spec);
                        diagnostic = diagnostic
                            .with_label(*span, format!("`{importer}` imports `{imported}`"));
                    }
                    diagnostics.push(diagnostic.with_help(if cycle.is_empty() {
                        "remove the import: a module's own templates, enums and `let`s are in scope without it"
                    } else {
                        "move what the modules share into a module of its own that imports neither"
                    }));
                }
                State::New => {
                    path.push((file, import.spec_span, import.spec.clone()));
                    visit(target, imports, states, path, order, diagnostics);
                    path.pop();
                }
            }
        }
        states.insert(file, State::Done);
        order.push(file);
    }
    let mut states = HashMap::new();
    let mut order = Vec::new();
    for (file, _) in files {
        if states.get(file).copied().unwrap_or(State::New) == State::New {
            visit(
                *file,
                imports,
                &mut states,
                &mut Vec::new(),
                &mut order,
                diagnostics,
            );
        }
    }
    order
}

/// The files `file` depends on (its imports, transitively), in a stable order.
pub(super) fn closure(file: FileId, imports: &HashMap<FileId, Vec<Import<'_>>>) -> Vec<FileId> {
    let mut seen = vec![file];
    let mut next = 0;
    while let Some(current) = seen.get(next).copied() {
        next += 1;
        for import in imports.get(&current).into_iter().flatten() {
            if let Some(target) = import.target
                && !seen.contains(&target)
            {
                seen.push(target);
            }
        }
    }
    seen.remove(0);
    seen
}

/// The scope a file's imports make, from the exports of the modules already checked.
pub(super) fn file_scope(
    cx: &mut super::Cx,
    imports: &[Import<'_>],
    exports: &HashMap<FileId, Rc<Exports>>,
) -> FileScope {
    let mut scope = FileScope::default();
    let unreadable = Rc::new(Exports::default());
    for import in imports {
        let module = import.target.and_then(|t| exports.get(&t));
        let broken = module.is_none();
        let module = module.unwrap_or(&unreadable);
        match import.names {
            Some(names) if broken => {
                for name in names {
                    scope.broken_names.push(name.name.clone());
                    // A value of that name is unknown, not undefined: expressions that read
                    // it stay quiet.
                    scope.lets.push(Rc::new(LetBinding {
                        name: name.name.clone(),
                        span: name.span,
                        value: super::expr::invalid(name.span),
                        used: Cell::new(true),
                    }));
                }
            }
            None => {
                let alias = import
                    .alias
                    .map_or_else(|| modules::default_alias(&import.spec), |a| a.name.clone());
                let span = import.alias.map_or(import.spec_span, |a| a.span);
                if let Some(previous) = scope.namespaces.iter().find(|n| n.alias == alias) {
                    let first = previous.usage.span;
                    cx.duplicate(
                        format!("the module name `{alias}`"),
                        "imported",
                        span,
                        first,
                        "give one of them another name: `import \"...\" as other`",
                    );
                    continue;
                }
                let usage = Rc::new(ImportUse {
                    what: format!("module `{}`", import.spec),
                    span: import.item.span,
                    used: Cell::new(false),
                });
                scope.imports.push(Rc::clone(&usage));
                usage.used.set(broken);
                scope.namespaces.push(Namespace {
                    alias,
                    broken,
                    path: import.spec.clone(),
                    exports: Rc::clone(module),
                    usage,
                });
            }
            Some(names) => {
                for name in names {
                    let usage = Rc::new(ImportUse {
                        what: format!("`{}`", name.name),
                        span: name.span,
                        used: Cell::new(false),
                    });
                    let template = module.templates.iter().find(|t| t.name == name.name);
                    let enum_def = module.enums.iter().find(|e| e.name == name.name);
                    let binding = module.lets.iter().find(|l| l.name == name.name);
                    match (template, enum_def, binding) {
                        (Some(template), _, _) => scope
                            .templates
                            .borrow_mut()
                            .push((Rc::clone(template), Some(Rc::clone(&usage)))),
                        (None, Some(enum_def), _) => scope
                            .enums
                            .borrow_mut()
                            .push((Rc::clone(enum_def), Some(Rc::clone(&usage)))),
                        (None, None, Some(binding)) => {
                            // The importing file gets its own binding, so an unused one is
                            // reported there; the module's counts as used.
                            binding.used.set(true);
                            scope.lets.push(Rc::new(LetBinding {
                                name: binding.name.clone(),
                                span: name.span,
                                value: binding.value.clone(),
                                used: Cell::new(false),
                            }));
                            scope.imports.push(usage);
                            continue;
                        }
                        (None, None, None) => {
                            let known = module
                                .templates
                                .iter()
                                .map(|t| t.name.as_str())
                                .chain(module.enums.iter().map(|e| e.name.as_str()))
                                .chain(module.lets.iter().map(|l| l.name.as_str()));
                            let diagnostic = Diagnostic::new(
                                Code::UnknownName,
                                format!("module `{}` has no `{}`", import.spec, name.name),
                                name.span,
                                "not in the module",
                            );
                            cx.report(match closest(&name.name, known) {
                                Some(s) => diagnostic.with_suggestion(name.span, s),
                                None => diagnostic.with_help(format!(
                                    "`pipec doc {}` lists what it has",
                                    import.spec
                                )),
                            });
                            continue;
                        }
                    }
                    scope.imports.push(usage);
                }
            }
        }
    }
    scope
}

/// Reports the imports of a file that nothing used.
pub(super) fn report_unused(cx: &mut super::Cx, scope: &FileScope) {
    for import in &scope.imports {
        let used = import.used.get()
            || scope
                .lets
                .iter()
                .any(|l| l.span == import.span && l.used.get());
        if !used {
            cx.report(
                Diagnostic::new(
                    Code::UnusedImport,
                    format!("{} is imported but never used", import.what),
                    import.span,
                    "unused",
                )
                .with_help("remove the import"),
            );
        }
    }
}

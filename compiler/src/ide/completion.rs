//! Completion: what may be written at the cursor, from the text before it and the
//! error-tolerant parse around it, so a file mid-edit still completes. The text decides
//! the context (after `matrix.`, inside a call's parentheses, in `needs: [...]` ...); the
//! parse, or the checker's module documentation for templates, supplies the names.

use super::{Document, job_items};
use crate::ast::{self, ItemKind};
use crate::doc::{ModuleDoc, TemplateDoc};

/// What completion offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Keyword,
    Job,
    Template,
    /// A template parameter, inside a call's parentheses.
    Parameter,
    MatrixKey,
    Input,
    Secret,
    /// A job's or a step's output.
    Output,
    /// A value of an enum or a `choice`, or `true`/`false`.
    Value,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    /// A job's title, a template's signature, a parameter's type and default, a type.
    pub detail: Option<String>,
}

impl Completion {
    fn new(label: impl Into<String>, kind: CompletionKind, detail: Option<String>) -> Completion {
        Completion {
            label: label.into(),
            kind,
            detail,
        }
    }
}

/// Settings and blocks a pipeline's body takes.
const PIPELINE_KEYWORDS: &[&str] = &[
    "job",
    "on",
    "env",
    "let",
    "gate",
    "environment",
    "promotion",
    "secrets",
    "vars",
    "concurrency",
    "permissions",
    "defaults",
    "run_name",
];
/// Settings and blocks a job's body takes.
const JOB_KEYWORDS: &[&str] = &[
    "step",
    "needs",
    "when",
    "runs_on",
    "environment",
    "requires",
    "timeout",
    "continue_on_error",
    "env",
    "output",
    "matrix",
    "service",
    "container",
    "on_failure",
    "permissions",
    "concurrency",
    "shell",
    "working_directory",
];
/// What a file holds at its top level.
const FILE_KEYWORDS: &[&str] = &["pipeline", "import", "template", "let", "enum"];

/// Completions at `offset`: members after `matrix.`, `inputs.`, `secrets.`, `needs.<job>.`
/// and `steps.<id>.outputs.`; a template call's parameters and their values inside its
/// parentheses; the values of a `choice` input compared with `==`; the jobs not yet in
/// `needs: [...]`; templates after `step` (the document's and its imports', which `read`
/// supplies); and the keywords of the enclosing block.
pub fn completion(
    document: &Document,
    offset: usize,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Vec<Completion> {
    let path = document.path();
    let (text, file) = (document.text(), document.file());
    let offset = offset.min(text.len());
    let line_start = text
        .get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |at| at + 1);
    let before = text.get(line_start..offset).unwrap_or_default();
    let word_start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
        .map_or(0, |at| at + 1);
    let word = before.get(word_start..).unwrap_or_default();
    let ahead = before.get(..word_start).unwrap_or_default().trim_end();
    let (namespace, partial) = word.rsplit_once('.').unwrap_or(("", word));
    let open = open_brackets(text, offset);
    // The checker runs only for completions that need templates.
    let mut modules = || document.analysis(read).1.modules.as_slice();
    let items = if let Some(members) = members(document, offset, namespace, &mut modules) {
        members
    } else if let Some(arguments) = arguments(text, &open, offset, path, &mut modules) {
        arguments
    } else if let Some(values) = compared_input_values(file, offset, ahead) {
        values
    } else if let Some(listed) = needs_list(text, &open, offset) {
        jobs(file, offset)
            .into_iter()
            .filter(|job| !listed.contains(&job.label.as_str()))
            .collect()
    } else if ahead == "step" || ahead.ends_with(" step") {
        templates(path, modules())
    } else if ahead.is_empty() && word == partial {
        let keywords = match enclosing(file, offset) {
            Some(Enclosing::Job) => JOB_KEYWORDS,
            Some(Enclosing::Pipeline) => PIPELINE_KEYWORDS,
            None => FILE_KEYWORDS,
        };
        keywords
            .iter()
            .map(|keyword| Completion::new(*keyword, CompletionKind::Keyword, None))
            .collect()
    } else {
        Vec::new()
    };
    // After a quote the user typed, a quoted value is offered without its quotes.
    let in_string = before.get(..word_start).is_some_and(|t| t.ends_with('"'));
    items
        .into_iter()
        .map(|mut item| {
            if in_string && item.kind == CompletionKind::Value {
                item.label = item.label.trim_matches('"').to_string();
            }
            item
        })
        .filter(|item| {
            // A template's label is qualified (`git.checkout`): all the word is its prefix.
            let typed = match item.kind {
                CompletionKind::Template => word,
                _ => partial,
            };
            item.label.trim_start_matches('"').starts_with(typed)
        })
        .collect()
}

/// The jobs a job at `offset` may name: every other job, with its title.
fn jobs(file: &ast::File, offset: usize) -> Vec<Completion> {
    job_items(file)
        .filter(|(_, item)| !item.span.contains(offset) && item.span.end as usize != offset)
        .map(|(id, item)| {
            let title = match &item.kind {
                ItemKind::Job { name, .. } | ItemKind::JobCall { name, .. } => {
                    name.as_ref().and_then(ast::StringLit::as_plain)
                }
                _ => None,
            };
            Completion::new(id.name.clone(), CompletionKind::Job, title)
        })
        .collect()
}

/// The members of the namespace written before the last `.` of the word at the cursor;
/// `None` when that is no namespace completion knows.
fn members<'m>(
    document: &Document,
    offset: usize,
    namespace: &str,
    modules: &mut dyn FnMut() -> &'m [ModuleDoc],
) -> Option<Vec<Completion>> {
    let (text, file) = (document.text(), document.file());
    let segments: Vec<&str> = namespace.split('.').collect();
    let items = match segments.as_slice() {
        ["matrix"] => matrix_keys(enclosing_job(file, offset)?),
        ["inputs"] => pipeline_inputs(enclosing_pipeline(file, offset)?)
            .map(|(name, ty)| {
                let written = text.get(ty.span.range()).unwrap_or(&ty.name.name).trim();
                Completion::new(name, CompletionKind::Input, Some(written.to_string()))
            })
            .collect(),
        ["secrets"] => secrets(enclosing_pipeline(file, offset)?),
        ["needs"] => jobs(file, offset),
        ["needs", _] => ["outputs", "result"]
            .iter()
            .map(|member| Completion::new(*member, CompletionKind::Keyword, None))
            .collect(),
        ["needs", job, "outputs"] => {
            let (_, item) = job_items(file).find(|(id, _)| id.name == *job)?;
            job_outputs(item, modules())
        }
        ["steps", step, "outputs"] => {
            let step = job_steps(enclosing_job(file, offset)?)
                .find(|(id, _)| id.name == *step)?
                .1;
            step_outputs(step, modules())
        }
        _ => return None,
    };
    Some(items)
}

/// A job's matrix keys: its axes and the keys its `include` rows add.
fn matrix_keys(job: &ast::Item) -> Vec<Completion> {
    let matrix = job_body(job)
        .flat_map(|item| match &item.kind {
            ItemKind::KeyBlock { key, body } if key.name == "matrix" => body.items.as_slice(),
            _ => &[],
        })
        .flat_map(|item| match &item.kind {
            ItemKind::KeyBlock { key, body } if key.name == "include" => {
                body.items.iter().collect()
            }
            _ => vec![item],
        });
    let mut keys: Vec<Completion> = Vec::new();
    for item in matrix {
        if let ItemKind::Property { key, .. } = &item.kind
            && !keys.iter().any(|k| k.label == key.name)
        {
            keys.push(Completion::new(
                key.name.clone(),
                CompletionKind::MatrixKey,
                None,
            ));
        }
    }
    keys
}

/// The inputs of a pipeline's manual and call triggers, with their types.
fn pipeline_inputs(pipeline: &ast::Item) -> impl Iterator<Item = (&str, &ast::TypeRef)> {
    trigger_items(pipeline).filter_map(|item| match &item.kind {
        ItemKind::Input { name, ty, .. } => Some((name.name.as_str(), ty)),
        _ => None,
    })
}

/// The items of a pipeline's trigger blocks (`on workflow_dispatch { input ... }`).
fn trigger_items(pipeline: &ast::Item) -> impl Iterator<Item = &ast::Item> {
    pipeline_body(pipeline)
        .filter_map(|item| match &item.kind {
            ItemKind::Trigger {
                body: Some(body), ..
            } => Some(body.items.iter()),
            _ => None,
        })
        .flatten()
}

/// The secrets a pipeline declares (`secrets: [...]`, a call trigger's `secret`s) and the
/// one every run has.
fn secrets(pipeline: &ast::Item) -> Vec<Completion> {
    let listed = pipeline_body(pipeline)
        .filter_map(|item| match &item.kind {
            ItemKind::Property { key, value } if key.name == "secrets" => Some(value),
            _ => None,
        })
        .flat_map(|value| match &value.kind {
            ast::ExprKind::List(items) => items.iter().collect(),
            _ => vec![value],
        })
        .filter_map(|item| match &item.kind {
            ast::ExprKind::Name(name) => Some(name.name.clone()),
            ast::ExprKind::String(text) => text.as_plain(),
            _ => None,
        });
    let received = trigger_items(pipeline).filter_map(|item| match &item.kind {
        ItemKind::Secret { name, .. } => Some(name.name.clone()),
        _ => None,
    });
    listed
        .chain(received)
        .map(|name| Completion::new(name, CompletionKind::Secret, None))
        .chain([Completion::new(
            "GITHUB_TOKEN",
            CompletionKind::Secret,
            Some("given to every run".into()),
        )])
        .collect()
}

/// A job's outputs: its `output` declarations, or for a job call the template's.
fn job_outputs(job: &ast::Item, modules: &[ModuleDoc]) -> Vec<Completion> {
    if let ItemKind::JobCall { call, .. } = &job.kind {
        return template_outputs(modules, &call.name());
    }
    job_body(job)
        .filter_map(|item| match &item.kind {
            ItemKind::Output { name, ty, .. } => Some(Completion::new(
                name.name.clone(),
                CompletionKind::Output,
                ty.as_ref().map(|ty| ty.name.name.clone()),
            )),
            _ => None,
        })
        .collect()
}

/// A step's outputs: its `outputs: [...]`, or for a template step the template's.
fn step_outputs(step: &ast::Item, modules: &[ModuleDoc]) -> Vec<Completion> {
    match &step.kind {
        ItemKind::StepCall { call, .. } => template_outputs(modules, &call.name()),
        ItemKind::Step { body, .. } => body
            .items
            .iter()
            .filter_map(|item| match &item.kind {
                ItemKind::Property { key, value } if key.name == "outputs" => Some(value),
                _ => None,
            })
            .flat_map(|value| match &value.kind {
                ast::ExprKind::List(items) => items.as_slice(),
                _ => std::slice::from_ref(value),
            })
            .filter_map(|item| match &item.kind {
                ast::ExprKind::Name(name) => Some(Completion::new(
                    name.name.clone(),
                    CompletionKind::Output,
                    None,
                )),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn template_outputs(modules: &[ModuleDoc], name: &str) -> Vec<Completion> {
    find_template(modules, None, name).map_or_else(Vec::new, |(_, template)| {
        template
            .outputs
            .iter()
            .map(|output| {
                Completion::new(
                    output.name.clone(),
                    CompletionKind::Output,
                    Some(output.ty.clone()),
                )
            })
            .collect()
    })
}

/// The template a call names (`docker.build_push`, or `smoke` of the document at `path`
/// or imported by name), with its module.
fn find_template<'m>(
    modules: &'m [ModuleDoc],
    path: Option<&str>,
    name: &str,
) -> Option<(&'m ModuleDoc, &'m TemplateDoc)> {
    modules.iter().find_map(|module| {
        let template = module.templates.iter().find(|template| {
            format!("{}.{}", module.namespace(), template.name) == name
                || (template.name == name && path.is_none_or(|path| path == module.path))
        })?;
        Some((module, template))
    })
}

/// Inside a template call's parentheses: the parameters not given yet (required ones
/// first) where an argument's name goes, the parameter's values after `name:`.
fn arguments<'m>(
    text: &str,
    open: &[Open],
    offset: usize,
    path: &str,
    modules: &mut dyn FnMut() -> &'m [ModuleDoc],
) -> Option<Vec<Completion>> {
    // A list value of an argument (`platforms: [linux_amd64, $0]`) is inside the call too.
    let (list, call) = match open {
        [.., call, list] if call.delimiter == b'(' && list.delimiter == b'[' => (Some(list), call),
        [.., call] if call.delimiter == b'(' => (None, call),
        _ => return None,
    };
    let name = text.get(..call.at)?.trim_end();
    let name_start = name
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .map_or(0, |at| at + 1);
    let name = name.get(name_start..)?;
    let modules = modules();
    let (module, template) = find_template(modules, Some(path), name)?;
    let entry = text.get(call.entry..list.map_or(offset, |list| list.at))?;
    if let Some((param, _)) = entry.split_once(':') {
        let param = template.params.iter().find(|p| p.name == param.trim())?;
        let listed = list
            .map(|list| entries(text, list.at).0)
            .unwrap_or_default();
        return Some(
            values(&param.ty, module, modules)
                .into_iter()
                .filter(|value| !listed.iter().any(|given| given.trim() == value.label))
                .collect(),
        );
    }
    if !is_one_word(entry) {
        return None;
    }
    let given: Vec<&str> = entries(text, call.at)
        .0
        .iter()
        .filter_map(|entry| entry.split_once(':'))
        .map(|(name, _)| name.trim())
        .collect();
    let mut params: Vec<_> = template
        .params
        .iter()
        .filter(|p| !given.contains(&p.name.as_str()))
        .collect();
    params.sort_by_key(|p| !p.required);
    Some(
        params
            .into_iter()
            .map(|p| {
                let detail = match &p.default {
                    Some(default) => format!("{} = {default}", p.ty),
                    None => p.ty.clone(),
                };
                Completion::new(p.name.clone(), CompletionKind::Parameter, Some(detail))
            })
            .collect(),
    )
}

/// The values of a type as written in a signature: a `choice`'s quoted options, an enum's
/// member names (the enum looked up in the template's module, or by its qualified name),
/// `true` and `false`; the item type's for a list.
fn values(ty: &str, module: &ModuleDoc, modules: &[ModuleDoc]) -> Vec<Completion> {
    let ty = ty.trim_end_matches('?');
    let ty = ty
        .strip_prefix("list(")
        .and_then(|item| item.strip_suffix(')'))
        .unwrap_or(ty);
    if let Some(options) = ty.strip_prefix("choice(") {
        return quoted_strings(options)
            .map(|option| Completion::new(option, CompletionKind::Value, None))
            .collect();
    }
    if ty == "bool" {
        return ["true", "false"]
            .iter()
            .map(|value| Completion::new(*value, CompletionKind::Value, None))
            .collect();
    }
    let (owner, name) = match ty.rsplit_once('.') {
        Some((namespace, name)) => (modules.iter().find(|m| m.namespace() == namespace), name),
        None => (Some(module), ty),
    };
    let Some(enum_doc) = owner.and_then(|m| m.enums.iter().find(|e| e.name == name)) else {
        return Vec::new();
    };
    enum_doc
        .members
        .iter()
        .map(|(member, value, _)| {
            Completion::new(
                member.clone(),
                CompletionKind::Value,
                Some(format!("\"{value}\"")),
            )
        })
        .collect()
}

/// The string literals in a text, quotes included: `"a", "b"` of `choice("a", "b")`.
fn quoted_strings(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(|inner| format!("\"{inner}\""))
}

/// After `inputs.<name> ==` (or `!=`): the options of that `choice` input, quoted.
fn compared_input_values(file: &ast::File, offset: usize, ahead: &str) -> Option<Vec<Completion>> {
    let compared = ahead.trim_end_matches('"').trim_end();
    let compared = compared
        .strip_suffix("==")
        .or_else(|| compared.strip_suffix("!="))?
        .trim_end();
    let input = compared
        .rsplit(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
        .next()?
        .strip_prefix("inputs.")?;
    let pipeline = enclosing_pipeline(file, offset)?;
    let ty = trigger_items(pipeline).find_map(|item| match &item.kind {
        ItemKind::Input { name, ty, .. } if name.name == input => Some(ty),
        _ => None,
    })?;
    let options = ty.args.as_deref().unwrap_or_default();
    Some(
        options
            .iter()
            .filter_map(|option| match &option.kind {
                ast::ExprKind::String(text) => text.as_plain(),
                _ => None,
            })
            .map(|option| Completion::new(format!("\"{option}\""), CompletionKind::Value, None))
            .collect(),
    )
}

/// In `needs: [...]`: the names already listed, less the one the cursor is in, which is
/// being typed or replaced.
fn needs_list<'t>(text: &'t str, open: &[Open], offset: usize) -> Option<Vec<&'t str>> {
    let (list, key_start) = match open {
        [.., parent, list] => (list, parent.entry),
        [list] => (list, 0),
        [] => return None,
    };
    if !is_one_word(text.get(list.entry..offset)?) {
        return None;
    }
    let key = text.get(key_start..list.at)?.trim().strip_suffix(':')?;
    (list.delimiter == b'[' && key.trim_end() == "needs").then(|| {
        entries(text, list.at)
            .0
            .into_iter()
            .filter(|entry| {
                // Each entry is a slice of `text`, so its offset is its distance from the start.
                let start = entry.as_ptr() as usize - text.as_ptr() as usize;
                !(start..=start + entry.len()).contains(&offset)
            })
            .map(str::trim)
            .collect()
    })
}

/// Whether an entry of a list or call is at most one word: where a name is being typed.
/// More is the next item after a bracket left open while typing (`needs: [b` then
/// `step ...` on the next line), which the parser also ends at the line.
fn is_one_word(entry: &str) -> bool {
    !entry.trim().contains(char::is_whitespace)
}

/// A bracket open at the cursor.
pub(super) struct Open {
    /// `(`, `[` or `{`.
    pub(super) delimiter: u8,
    pub(super) at: usize,
    /// Where its entry at the cursor starts: after the bracket, or after its last `,` or
    /// line break.
    pub(super) entry: usize,
}

/// The brackets open at `offset`, innermost last.
pub(super) fn open_brackets(text: &str, offset: usize) -> Vec<Open> {
    let mut open: Vec<Open> = Vec::new();
    for (at, byte) in structure(text.get(..offset).unwrap_or_default(), 0) {
        match byte {
            b'(' | b'[' | b'{' => open.push(Open {
                delimiter: byte,
                at,
                entry: at + 1,
            }),
            b')' | b']' | b'}' => {
                open.pop();
            }
            _ => {
                if let Some(innermost) = open.last_mut() {
                    innermost.entry = at + 1;
                }
            }
        }
    }
    // A list or call left open on an earlier line after an entry (`needs: [b`, then more
    // lines) is text being typed, which the parser ends at its line: the cursor is no
    // longer inside it. One whose bracket ends its line is written one entry a line.
    let line_start = text
        .get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |at| at + 1);
    let abandoned = open.iter().position(|bracket| {
        let ends_its_line = text
            .get(bracket.at + 1..)
            .and_then(|rest| rest.split('\n').next())
            .is_some_and(|rest| rest.trim().is_empty());
        bracket.delimiter != b'{'
            && bracket.at < line_start
            && !ends_its_line
            && !entries(text, bracket.at).1
    });
    if let Some(abandoned) = abandoned {
        open.truncate(abandoned);
    }
    open
}

/// The entries of the bracket at `at`, up to its closing bracket; in broken text, up to the
/// end of the block around it. With them, whether the bracket is closed.
pub(super) fn entries(text: &str, at: usize) -> (Vec<&str>, bool) {
    let closing = match text.as_bytes().get(at) {
        Some(b'(') => b')',
        Some(b'[') => b']',
        _ => b'}',
    };
    let mut entries = Vec::new();
    let mut start = at + 1;
    let mut depth = 0usize;
    for (at, byte) in structure(text, at + 1) {
        match byte {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth > 0 => depth -= 1,
            b')' | b']' | b'}' => {
                entries.extend(text.get(start..at));
                return (entries, byte == closing);
            }
            _ if depth == 0 => {
                entries.extend(text.get(start..at));
                start = at + 1;
            }
            _ => {}
        }
    }
    entries.extend(text.get(start..));
    (entries, false)
}

/// The brackets, commas and line breaks of `text` from `from` on, with their offsets,
/// outside strings, raw expressions and comments. A string left open ends with its line,
/// as the parser's recovery does.
fn structure(text: &str, from: usize) -> Vec<(usize, u8)> {
    let bytes = text.as_bytes();
    let past = |at: usize, end: &str| {
        text.get(at..)
            .and_then(|rest| rest.find(end))
            .map_or(text.len(), |found| at + found + end.len())
    };
    let mut found = Vec::new();
    let mut at = from;
    while let Some(&byte) = bytes.get(at) {
        at = match byte {
            b'"' if text
                .get(at..)
                .is_some_and(|rest| rest.starts_with("\"\"\"")) =>
            {
                past(at + 3, "\"\"\"")
            }
            b'"' => string_end(bytes, at + 1),
            b'`' => past(at + 1, "`"),
            // The line break after a comment still separates entries.
            b'#' => past(at, "\n").saturating_sub(1).max(at + 1),
            b'(' | b'[' | b'{' | b')' | b']' | b'}' | b',' | b'\n' => {
                found.push((at, byte));
                at + 1
            }
            _ => at + 1,
        };
    }
    found
}

/// Where a string whose text starts at `at` ends: after its closing quote, or at its line's
/// end when it has none.
fn string_end(bytes: &[u8], mut at: usize) -> usize {
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'\\' => at += 2,
            b'"' => return at + 1,
            b'\n' => return at,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// The pipeline around `offset`; in text too broken for that, the file's first.
fn enclosing_pipeline(file: &ast::File, offset: usize) -> Option<&ast::Item> {
    let pipelines = || {
        file.items
            .iter()
            .filter(|item| matches!(item.kind, ItemKind::Pipeline { .. }))
    };
    pipelines()
        .find(|item| item.span.contains(offset))
        .or_else(|| pipelines().next())
}

fn enclosing_job(file: &ast::File, offset: usize) -> Option<&ast::Item> {
    job_items(file)
        .map(|(_, item)| item)
        .find(|item| item.span.contains(offset))
}

fn pipeline_body(pipeline: &ast::Item) -> std::slice::Iter<'_, ast::Item> {
    match &pipeline.kind {
        ItemKind::Pipeline { body, .. } => body.items.iter(),
        _ => [].iter(),
    }
}

fn job_body(job: &ast::Item) -> std::slice::Iter<'_, ast::Item> {
    match &job.kind {
        ItemKind::Job { body, .. }
        | ItemKind::JobCall {
            body: Some(body), ..
        } => body.items.iter(),
        _ => [].iter(),
    }
}

/// A job's steps that have an id, its failure handlers' included.
fn job_steps(job: &ast::Item) -> impl Iterator<Item = (&ast::Ident, &ast::Item)> {
    job_body(job)
        .flat_map(|item| match &item.kind {
            ItemKind::KeyBlock { key, body } if key.name == "on_failure" => {
                body.items.iter().collect()
            }
            _ => vec![item],
        })
        .filter_map(|item| match &item.kind {
            ItemKind::Step { id: Some(id), .. } | ItemKind::StepCall { id: Some(id), .. } => {
                Some((id, item))
            }
            _ => None,
        })
}

enum Enclosing {
    Pipeline,
    Job,
}

/// The innermost pipeline or job whose braces hold `offset`.
fn enclosing(file: &ast::File, offset: usize) -> Option<Enclosing> {
    let inside = |block: &ast::Block| {
        (block.span.start as usize) < offset && offset < block.span.end as usize
    };
    for item in &file.items {
        if let ItemKind::Pipeline { body, .. } = &item.kind
            && inside(body)
        {
            for inner in &body.items {
                if let ItemKind::Job { body: job, .. } = &inner.kind
                    && inside(job)
                {
                    return Some(Enclosing::Job);
                }
            }
            return Some(Enclosing::Pipeline);
        }
    }
    None
}

/// Every step template the document at `path` can call: its own and its imports'.
fn templates(path: &str, modules: &[ModuleDoc]) -> Vec<Completion> {
    let mut items = Vec::new();
    for module in modules {
        let namespace = if module.path == path {
            String::new()
        } else {
            module.namespace()
        };
        for template in module.templates.iter().filter(|t| t.kind == "step") {
            let label = if namespace.is_empty() {
                template.name.clone()
            } else {
                format!("{namespace}.{}", template.name)
            };
            items.push(Completion::new(
                label,
                CompletionKind::Template,
                Some(template.signature(&namespace)),
            ));
        }
    }
    items
}

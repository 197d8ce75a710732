//! Signature help: inside a template call's parentheses, the template's signature with
//! the parameter the argument at the cursor gives. A call being typed does not parse (the
//! parser's recovery makes it an error item), so the call is found in the text with the
//! bracket scan completion uses, and its name resolved as the name index resolves a parsed
//! call's; the signature and docs are the checker's module documentation, as hover shows.

use super::completion::{Open, entries, open_brackets};
use super::{Document, names, template_doc};

/// The signature of the template called around the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureHelp {
    /// `step docker.build_push(context: string = ".", tags: list(string))`, the namespace
    /// as the call writes it.
    pub label: String,
    /// The template's documentation.
    pub doc: Option<String>,
    pub parameters: Vec<ParameterHelp>,
    /// The index of the parameter the argument at the cursor gives; `None` for an argument
    /// naming no parameter of the template.
    pub active_parameter: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterHelp {
    /// Where the parameter is in the label: its start and end in UTF-16 code units, as
    /// the LSP counts them.
    pub label: (u32, u32),
    pub doc: Option<String>,
}

/// Signature help at `offset` inside the parentheses of `step <template>(...)` or
/// `job <id> <template>(...)`: the document's templates, those of its imports (which
/// `read` supplies) and the standard library's. Arguments are named, so the active
/// parameter is the one the argument at the cursor names; while its name is still being
/// typed, the first parameter not given yet whose name starts with what is typed.
pub fn signature_help(
    document: &Document,
    offset: usize,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Option<SignatureHelp> {
    let path = document.path();
    let text = document.text();
    let offset = offset.min(text.len());
    let open = open_brackets(text, offset);
    let (call, written) = open
        .iter()
        .rev()
        // A template call holds no block: the cursor in one is outside any call.
        .take_while(|bracket| bracket.delimiter != b'{')
        .filter(|bracket| bracket.delimiter == b'(')
        .find_map(|bracket| Some((bracket, called_template(text, bracket.at)?)))?;
    let (name, origin) = names::NameIndex::of(document).template(written)?;
    let (_, analysis) = document.analysis(read);
    let template = template_doc(path, &origin, &name, &analysis.modules)?;
    let namespace = written
        .rsplit_once('.')
        .map_or("", |(namespace, _)| namespace);
    let (label, ranges) = template.signature_with_parameters(namespace);
    let utf16 = |byte: usize| {
        let units = label
            .get(..byte)
            .map_or(0, |prefix| prefix.encode_utf16().count());
        u32::try_from(units).unwrap_or(u32::MAX)
    };
    let parameters = template
        .params
        .iter()
        .zip(&ranges)
        .map(|(param, range)| ParameterHelp {
            label: (utf16(range.start), utf16(range.end)),
            doc: param.doc.clone(),
        })
        .collect();
    let names: Vec<&str> = template.params.iter().map(|p| p.name.as_str()).collect();
    Some(SignatureHelp {
        active_parameter: active_parameter(text, call, offset, &names),
        label,
        doc: template.doc.clone(),
        parameters,
    })
}

/// The template name written before the call's `(` at `at`, when the line calls a
/// template as a step or a job (not when it declares one, or calls a function in an
/// expression).
fn called_template(text: &str, at: usize) -> Option<&str> {
    let before = text.get(..at)?.trim_end();
    let name_start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .map_or(0, |at| at + 1);
    let name = before.get(name_start..)?;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let keyword = before
        .get(line_start..name_start)?
        .split_whitespace()
        .next()?;
    (matches!(keyword, "step" | "job") && !name.is_empty()).then_some(name)
}

/// The index among `params` of the parameter the argument at the cursor gives.
fn active_parameter(text: &str, call: &Open, offset: usize, params: &[&str]) -> Option<usize> {
    let start_of = |entry: &str| entry.as_ptr() as usize - text.as_ptr() as usize;
    let (arguments, _) = entries(text, call.at);
    let current = arguments
        .iter()
        .find(|argument| start_of(argument) == call.entry)
        .copied()
        .or_else(|| text.get(call.entry..offset))?;
    if let Some((name, _)) = current.split_once(':') {
        return params.iter().position(|param| *param == name.trim());
    }
    let given: Vec<&str> = arguments
        .iter()
        .filter(|argument| start_of(argument) != call.entry)
        .filter_map(|argument| argument.split_once(':'))
        .map(|(name, _)| name.trim())
        .collect();
    let typed = text.get(call.entry..offset)?.trim();
    params
        .iter()
        .position(|param| !given.contains(param) && param.starts_with(typed))
}

//! Documentation of modules: what `pipec doc` prints and `docs/stdlib.md` collects, taken
//! from the templates' and enums' signatures and their `##` doc comments. The checker
//! fills it ([`crate::Analysis::modules`]); this module only renders it.

use std::fmt::Write as _;

use crate::ir::TargetKind;

#[derive(Clone, Debug, PartialEq)]
pub struct ModuleDoc {
    /// The module's path as imported (`std/docker`) or as given (`ci/common.pipe`).
    pub path: String,
    pub doc: Option<String>,
    pub enums: Vec<EnumDoc>,
    pub templates: Vec<TemplateDoc>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumDoc {
    pub name: String,
    pub doc: Option<String>,
    /// Member name, value, doc.
    pub members: Vec<(String, String, Option<String>)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TemplateDoc {
    pub name: String,
    /// `step` or `job`.
    pub kind: &'static str,
    pub doc: Option<String>,
    pub params: Vec<ParamDoc>,
    pub outputs: Vec<OutputDoc>,
    /// The targets it has a body for; empty for a job template, which runs wherever its
    /// steps do.
    pub targets: Vec<TargetKind>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParamDoc {
    pub name: String,
    /// As written in the signature: `list(platform)`, `string?`.
    pub ty: String,
    /// The default as written, if there is one.
    pub default: Option<String>,
    pub required: bool,
    pub doc: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OutputDoc {
    pub name: String,
    pub ty: String,
    pub doc: Option<String>,
}

impl EnumDoc {
    /// Its documentation and a table of its members, as under its heading in `pipec doc`.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        if let Some(doc) = &self.doc {
            let _ = writeln!(out, "{doc}\n");
        }
        out.push_str("| member | value | |\n|---|---|---|\n");
        for (name, value, doc) in &self.members {
            let _ = writeln!(
                out,
                "| `{name}` | `\"{value}\"` | {} |",
                one_line(doc.as_deref())
            );
        }
        out.push('\n');
        out
    }
}

impl TemplateDoc {
    /// `step docker.build_push(context: string = ".", tags: list(string))`
    pub fn signature(&self, namespace: &str) -> String {
        self.signature_with_parameters(namespace).0
    }

    /// The signature and the byte range of each parameter in it, in order: what signature
    /// help highlights while a call is typed.
    pub fn signature_with_parameters(
        &self,
        namespace: &str,
    ) -> (String, Vec<std::ops::Range<usize>>) {
        let prefix = if namespace.is_empty() {
            String::new()
        } else {
            format!("{namespace}.")
        };
        let mut signature = format!("{} {prefix}{}(", self.kind, self.name);
        let mut ranges = Vec::new();
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                signature.push_str(", ");
            }
            let start = signature.len();
            match &p.default {
                Some(default) => {
                    let _ = write!(signature, "{}: {} = {default}", p.name, p.ty);
                }
                None => {
                    let _ = write!(signature, "{}: {}", p.name, p.ty);
                }
            }
            ranges.push(start..signature.len());
        }
        signature.push(')');
        (signature, ranges)
    }

    /// The template as Markdown: signature, doc, parameters, outputs, targets. It is the
    /// hover text of a call and a section of `docs/stdlib.md`.
    pub fn markdown(&self, namespace: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "```pipe\n{}\n```\n", self.signature(namespace));
        if let Some(doc) = &self.doc {
            let _ = writeln!(out, "{doc}\n");
        }
        if !self.targets.is_empty() {
            let targets: Vec<&str> = self.targets.iter().map(|t| t.name()).collect();
            let _ = writeln!(out, "Targets: {}.\n", targets.join(", "));
        }
        if !self.params.is_empty() {
            out.push_str("| parameter | type | default | |\n|---|---|---|---|\n");
            for p in &self.params {
                let default = match (&p.default, p.required) {
                    (Some(d), _) => format!("`{}`", d.replace('|', "\\|")),
                    (None, true) => "required".to_string(),
                    (None, false) => "—".to_string(),
                };
                let _ = writeln!(
                    out,
                    "| `{}` | `{}` | {default} | {} |",
                    p.name,
                    p.ty,
                    one_line(p.doc.as_deref())
                );
            }
            out.push('\n');
        }
        if !self.outputs.is_empty() {
            out.push_str("| output | type | |\n|---|---|---|\n");
            for o in &self.outputs {
                let _ = writeln!(
                    out,
                    "| `{}` | `{}` | {} |",
                    o.name,
                    o.ty,
                    one_line(o.doc.as_deref())
                );
            }
            out.push('\n');
        }
        out
    }
}

impl ModuleDoc {
    /// The namespace the module gets when imported without `as`.
    pub fn namespace(&self) -> String {
        crate::modules::default_alias(&self.path)
    }

    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "## `{}`\n", self.path);
        if let Some(doc) = &self.doc {
            let _ = writeln!(out, "{doc}\n");
        }
        if self.path.starts_with("std/") {
            let _ = writeln!(out, "```pipe\nimport \"{}\"\n```\n", self.path);
        }
        let namespace = self.namespace();
        for e in &self.enums {
            let _ = writeln!(out, "### enum `{namespace}.{}`\n", e.name);
            out.push_str(&e.markdown());
        }
        for t in &self.templates {
            let _ = writeln!(out, "### `{namespace}.{}`\n", t.name);
            out.push_str(&t.markdown(&namespace));
        }
        out
    }
}

/// The standard library checked on its own: every module's documentation, and whatever
/// it reports (nothing, which a test holds it to).
pub fn stdlib() -> crate::Analysis {
    let mut db = crate::SourceDb::new();
    for name in crate::modules::stdlib_names() {
        if let Some(text) = crate::modules::stdlib_text(name) {
            db.add_module(crate::modules::stdlib_path(name), text);
        }
    }
    crate::analyze(&db)
}

/// `docs/stdlib.md`: every standard library module, from its doc comments.
pub fn stdlib_reference() -> String {
    let mut out = String::from(
        "# Standard library reference\n\n\
<!-- Generated from the doc comments of stdlib/*.pipe. Do not edit: run\n     \
`PIPEC_UPDATE_DOCS=1 cargo test -p pipec --test stdlib`. -->\n\n\
The standard library is a set of `.pipe` modules built into pipec. Import one with\n\
`import \"std/<module>\"` and call its templates as `<module>.<template>(...)`;\n\
`pipec doc std/<module>` shows the same reference in the terminal. Each template lists the\n\
targets it has a body for; calling it for another target is error E0702.\n\n",
    );
    for module in stdlib().modules {
        out.push_str(&module.markdown());
    }
    out
}

/// A doc as one table cell: its lines joined, pipes escaped.
fn one_line(doc: Option<&str>) -> String {
    doc.unwrap_or("")
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

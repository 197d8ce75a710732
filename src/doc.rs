//! `pipec doc`: the reference of a module or one template, from its `##` doc comments —
//! the standard library's (`std/docker`, `docker.build_push`) or a local module's.

use std::path::PathBuf;

use pipec_compiler::diagnostics::closest;
use pipec_compiler::doc::{ModuleDoc, stdlib};

use crate::files;
use crate::output::{self, Exit};

/// Prints the list of standard library modules (no query), a module, or one template.
pub fn run(query: Option<&str>) -> Exit {
    let Some(query) = query else {
        return list();
    };
    let modules = if query.ends_with(".pipe") {
        match local_module(query) {
            Ok(modules) => modules,
            Err(exit) => return exit,
        }
    } else {
        stdlib().modules
    };
    // `std/docker`, `docker`, `./ci/common.pipe`: a module.
    let module_name = query.strip_prefix("std/").unwrap_or(query);
    if let Some(module) = modules
        .iter()
        .find(|m| m.path == query || m.namespace() == module_name || query.ends_with(".pipe"))
    {
        output::stdout(&module.markdown());
        return Exit::Success;
    }
    // `docker.build_push`, `std/docker.build_push`: a template or an enum of a module.
    if let Some((namespace, name)) = module_name.rsplit_once('.')
        && let Some(module) = modules.iter().find(|m| m.namespace() == namespace)
    {
        if let Some(template) = module.templates.iter().find(|t| t.name == name) {
            output::stdout(&template.markdown(namespace));
            return Exit::Success;
        }
        let names = module.templates.iter().map(|t| t.name.as_str());
        return not_found(
            &format!("module `std/{namespace}` has no template `{name}`"),
            closest(name, names).map(|s| format!("{namespace}.{s}")),
        );
    }
    let names: Vec<String> = modules
        .iter()
        .flat_map(|m| {
            let namespace = m.namespace();
            std::iter::once(namespace.clone()).chain(
                m.templates
                    .iter()
                    .map(move |t| format!("{namespace}.{}", t.name)),
            )
        })
        .collect();
    not_found(
        &format!("no module or template `{query}` in the standard library"),
        closest(query, names.iter().map(String::as_str)).map(str::to_string),
    )
}

fn not_found(message: &str, suggestion: Option<String>) -> Exit {
    let mut text = format!("error: {message}\n");
    if let Some(suggestion) = suggestion {
        text.push_str(&format!("help: did you mean `{suggestion}`?\n"));
    }
    text.push_str("help: `pipec doc` lists the standard library's modules and templates\n");
    output::stderr(&text);
    Exit::Usage
}

/// Every standard library module with a one-line summary of each template.
fn list() -> Exit {
    let mut text = String::from(
        "The standard library (import \"std/<module>\"; `pipec doc <module>` for details):\n",
    );
    for module in stdlib().modules {
        let summary = first_line(module.doc.as_deref());
        text.push_str(&format!("\nstd/{:<12} {summary}\n", module.namespace()));
        for template in &module.templates {
            text.push_str(&format!(
                "  {:<28} {}\n",
                format!("{}.{}", module.namespace(), template.name),
                first_line(template.doc.as_deref())
            ));
        }
    }
    output::stdout(&text);
    Exit::Success
}

fn first_line(doc: Option<&str>) -> &str {
    doc.and_then(|d| d.lines().next()).unwrap_or("")
}

/// The documentation of a local module file.
fn local_module(path: &str) -> Result<Vec<ModuleDoc>, Exit> {
    let db = files::load(&[PathBuf::from(path)]).map_err(output::usage_error)?;
    let analysis = pipec_compiler::analyze(&db);
    let shown = db
        .files()
        .next()
        .map(|(_, f)| f.path.clone())
        .unwrap_or_default();
    let modules: Vec<ModuleDoc> = analysis
        .modules
        .into_iter()
        .filter(|m| m.path == shown)
        .collect();
    if modules.is_empty() {
        return Err(output::usage_error(format!(
            "{shown} defines no templates or enums"
        )));
    }
    Ok(modules)
}

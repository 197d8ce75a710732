//! Modules: where an import's text comes from. `std/<name>` is the standard library,
//! embedded in the binary; `./x.pipe` and `../x.pipe` are files relative to the importing
//! file. The compiler does no I/O, so [`load_imports`] asks its caller for local files;
//! the checker then resolves every import against the files of the [`SourceDb`].

use crate::ast::{ItemKind, StringPart};
use crate::source::SourceDb;

include!(concat!(env!("OUT_DIR"), "/stdlib_modules.rs"));

/// The path a `std/` module has in the source database and in messages.
const STDLIB_PREFIX: &str = "std/";

/// The names of the standard library's modules (`docker`, `k8s` ...), sorted.
pub fn stdlib_names() -> impl Iterator<Item = &'static str> {
    STDLIB_MODULES.iter().map(|(name, _)| *name)
}

/// The text of the standard library module `name` (`docker` for `std/docker`).
pub fn stdlib_text(name: &str) -> Option<&'static str> {
    STDLIB_MODULES
        .iter()
        .find(|(module, _)| *module == name)
        .map(|(_, text)| *text)
}

/// The path of a standard library module in the source database (`std/docker.pipe`).
pub fn stdlib_path(name: &str) -> String {
    format!("{STDLIB_PREFIX}{name}.pipe")
}

/// Where an import points: the path its file has in the source database.
pub fn resolve_import(importer: &str, spec: &str) -> Result<String, String> {
    if let Some(name) = spec.strip_prefix(STDLIB_PREFIX) {
        let name = name.strip_suffix(".pipe").unwrap_or(name);
        return match stdlib_text(name) {
            Some(_) => Ok(stdlib_path(name)),
            None => Err(format!(
                "the standard library has no module `{name}`; it has: {}",
                stdlib_names().collect::<Vec<_>>().join(", ")
            )),
        };
    }
    if !(spec.starts_with("./") || spec.starts_with("../")) {
        return Err(
            "a module path starts with `std/` (the standard library), `./` or `../` (a file next to this one)"
                .into(),
        );
    }
    // A std module's relative imports stay inside the standard library.
    let directory = match importer.rfind('/') {
        Some(slash) => importer.get(..slash).unwrap_or(""),
        None => "",
    };
    let joined = if directory.is_empty() {
        spec.to_string()
    } else {
        format!("{directory}/{spec}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let mut path = parts.join("/");
    if joined.starts_with('/') {
        path.insert(0, '/');
    }
    if !path.ends_with(".pipe") {
        path.push_str(".pipe");
    }
    Ok(path)
}

/// The namespace an import gets without `as`: the module's file stem (`docker`).
pub fn default_alias(spec: &str) -> String {
    let stem = spec.rsplit('/').next().unwrap_or(spec);
    stem.strip_suffix(".pipe").unwrap_or(stem).to_string()
}

/// Adds every module the files of `db` import, transitively: standard library modules
/// from the binary, local ones through `read` (path in, text or the reason it could not be
/// read out). Imports that cannot be resolved are left for the checker to report.
pub fn load_imports(db: &mut SourceDb, read: &mut dyn FnMut(&str) -> Result<String, String>) {
    let mut next = 0u32;
    loop {
        let file = crate::span::FileId(next);
        next += 1;
        let (Some(source), Some(parsed)) = (db.get(file), db.parsed(file)) else {
            break;
        };
        let resolved: Vec<(String, String)> = parsed
            .ast
            .items
            .iter()
            .filter_map(|item| match &item.kind {
                ItemKind::Import { path, .. } => plain(path),
                _ => None,
            })
            .filter_map(|spec| {
                let path = resolve_import(&source.path, &spec).ok()?;
                Some((spec, path))
            })
            .collect();
        for (spec, path) in resolved {
            if db.find(&path).is_some() || db.read_failure(&path).is_some() {
                continue;
            }
            let text = match spec.strip_prefix(STDLIB_PREFIX) {
                Some(name) => Ok(stdlib_text(name.strip_suffix(".pipe").unwrap_or(name))
                    .unwrap_or_default()
                    .to_string()),
                None => read(&path),
            };
            match text {
                Ok(text) => {
                    db.add_module(path, text);
                }
                Err(reason) => db.add_read_failure(path, reason),
            }
        }
    }
}

fn plain(path: &crate::ast::StringLit) -> Option<String> {
    let mut text = String::new();
    for part in &path.parts {
        match part {
            StringPart::Text(t) => text.push_str(t),
            StringPart::Interpolation(_) => return None,
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_imports_resolve_against_the_importing_file() {
        assert_eq!(
            resolve_import("ci/main.pipe", "./lib/common.pipe"),
            Ok("ci/lib/common.pipe".into())
        );
        assert_eq!(
            resolve_import("ci/main.pipe", "../shared"),
            Ok("shared.pipe".into())
        );
        assert_eq!(resolve_import("main.pipe", "./a.pipe"), Ok("a.pipe".into()));
        assert_eq!(
            resolve_import("../x/main.pipe", "../../y.pipe"),
            Ok("../../y.pipe".into())
        );
        assert_eq!(
            resolve_import("/ci/main.pipe", "./a"),
            Ok("/ci/a.pipe".into())
        );
        assert!(resolve_import("main.pipe", "lib/a.pipe").is_err());
    }

    #[test]
    fn stdlib_imports_name_embedded_modules() {
        assert!(resolve_import("main.pipe", "std/no-such-module").is_err());
        for name in stdlib_names() {
            assert_eq!(
                resolve_import("main.pipe", &format!("std/{name}")),
                Ok(format!("std/{name}.pipe"))
            );
        }
    }
}

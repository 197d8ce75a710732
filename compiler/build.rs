//! Embeds the standard library: every `stdlib/*.pipe` becomes an entry of `STDLIB_MODULES`
//! (name, text), so `import "std/<name>"` needs no files at run time and a new module
//! needs no change to the Rust code.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../stdlib");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut modules: Vec<(String, String)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "pipe")
                && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
            {
                println!("cargo::rerun-if-changed={}", path.display());
                modules.push((stem.to_string(), path.display().to_string()));
            }
        }
    }
    modules.sort();
    let mut code = String::from("pub(crate) const STDLIB_MODULES: &[(&str, &str)] = &[\n");
    for (name, path) in &modules {
        let _ = writeln!(code, "    ({name:?}, include_str!({path:?})),");
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("stdlib_modules.rs");
    if let Err(error) = std::fs::write(&out, code) {
        panic!("cannot write {}: {error}", out.display());
    }
}

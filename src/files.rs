//! Finding and reading `.pipe` files: the command line's paths become a [`SourceDb`].
//! Directories are searched recursively for `*.pipe` (never inside `target/`, `.git/` or
//! `node_modules/`, and never through a symlinked directory, which could loop); a file
//! named on the command line is taken whatever its extension. Files are added in the order
//! of their displayed paths, so output never depends on the order the OS lists them in.
//! Displayed paths are relative to the working directory and use `/`.

use std::fmt;
use std::fs;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use pipec_compiler::SourceDb;

/// Directories that hold build output, VCS data or dependencies, never sources.
const SKIPPED_DIRECTORIES: &[&str] = &["target", ".git", "node_modules"];

const EXTENSION: &str = "pipe";

/// Why the sources could not be loaded; every case ends the command with exit code 2.
#[derive(Debug)]
pub enum LoadError {
    NotFound { path: String },
    Unreadable { path: String, error: std::io::Error },
    NoPipeFiles { paths: Vec<String> },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotFound { path } => write!(f, "{path}: no such file or directory"),
            LoadError::Unreadable { path, error } if error.kind() == ErrorKind::InvalidData => {
                write!(f, "cannot read {path}: the file is not valid UTF-8")
            }
            LoadError::Unreadable { path, error } => write!(f, "cannot read {path}: {error}"),
            LoadError::NoPipeFiles { paths } => {
                write!(f, "no .pipe files found in {}", paths.join(", "))
            }
        }
    }
}

/// Finds every `.pipe` file under `paths` and reads it.
pub fn load(paths: &[PathBuf]) -> Result<SourceDb, LoadError> {
    let found = find(paths)?;
    let mut db = SourceDb::new();
    for (shown, path) in found {
        let text = fs::read_to_string(&path).map_err(|error| LoadError::Unreadable {
            path: shown.clone(),
            error,
        })?;
        db.add(shown, text);
    }
    // Imported modules are read relative to the working directory, like the paths shown.
    pipec_compiler::modules::load_imports(&mut db, &mut |path| {
        fs::read_to_string(path).map_err(|error| error.to_string())
    });
    Ok(db)
}

/// Every `.pipe` file under `paths`: its displayed path and its path, in displayed order.
pub fn find(paths: &[PathBuf]) -> Result<Vec<(String, PathBuf)>, LoadError> {
    let cwd = std::env::current_dir().ok();
    let mut found = Vec::new();
    for path in paths {
        collect(path, &mut found)?;
    }
    let mut found: Vec<(String, PathBuf)> = found
        .into_iter()
        .map(|path| (display_path(&path, cwd.as_deref()), path))
        .collect();
    found.sort();
    found.dedup_by(|a, b| a.0 == b.0);
    if found.is_empty() {
        let paths = paths
            .iter()
            .map(|path| display_path(path, cwd.as_deref()))
            .collect();
        return Err(LoadError::NoPipeFiles { paths });
    }
    Ok(found)
}

fn collect(path: &Path, found: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let metadata = fs::metadata(path).map_err(|error| io_error(path, error))?;
    if metadata.is_dir() {
        walk(path, found)
    } else {
        found.push(path.to_path_buf());
        Ok(())
    }
}

fn walk(directory: &Path, found: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = fs::read_dir(directory).map_err(|error| io_error(directory, error))?;
    for entry in entries {
        let entry = entry.map_err(|error| io_error(directory, error))?;
        let path = entry.path();
        // `file_type` does not follow symlinks, so a symlinked directory is never entered.
        let file_type = entry.file_type().map_err(|error| io_error(&path, error))?;
        if file_type.is_dir() {
            let skipped = SKIPPED_DIRECTORIES
                .iter()
                .any(|name| entry.file_name() == **name);
            if !skipped {
                walk(&path, found)?;
            }
        } else if path
            .extension()
            .is_some_and(|extension| extension == EXTENSION)
            && (file_type.is_file() || path.is_file())
        {
            found.push(path);
        }
    }
    Ok(())
}

fn io_error(path: &Path, error: std::io::Error) -> LoadError {
    let path = display_path(path, None);
    if error.kind() == ErrorKind::NotFound {
        LoadError::NotFound { path }
    } else {
        LoadError::Unreadable { path, error }
    }
}

/// `path` as users should see it: relative to `cwd` when it is inside it, without `./`,
/// with `/` separators.
pub fn display_path(path: &Path, cwd: Option<&Path>) -> String {
    let path = cwd
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .unwrap_or(path);
    let mut shown = String::new();
    for component in path.components() {
        match component {
            Component::Prefix(prefix) => shown.push_str(&prefix.as_os_str().to_string_lossy()),
            Component::RootDir => shown.push('/'),
            Component::CurDir => {}
            Component::ParentDir | Component::Normal(_) => {
                if !shown.is_empty() && !shown.ends_with('/') {
                    shown.push('/');
                }
                shown.push_str(&component.as_os_str().to_string_lossy());
            }
        }
    }
    if shown.is_empty() {
        ".".to_owned()
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displayed_paths_are_relative_and_use_slashes() {
        let cwd = Path::new("/work/repo");
        assert_eq!(display_path(Path::new("./ci.pipe"), Some(cwd)), "ci.pipe");
        assert_eq!(
            display_path(Path::new("/work/repo/a/b.pipe"), Some(cwd)),
            "a/b.pipe"
        );
        assert_eq!(
            display_path(Path::new("/elsewhere/b.pipe"), Some(cwd)),
            "/elsewhere/b.pipe"
        );
        assert_eq!(
            display_path(Path::new("../x/./y.pipe"), Some(cwd)),
            "../x/y.pipe"
        );
        assert_eq!(display_path(Path::new("."), Some(cwd)), ".");
    }
}

//! `pipec build`: analyse the sources, run the target, then write the generated files, or
//! with `--check` compare them with what is on disk. Nothing is written unless analysis
//! and the target both succeed. Each file is written atomically (a temporary file in the
//! same directory, then a rename), and a file whose contents would not change is left
//! alone, so its modification time stays meaningful.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Component, Path, PathBuf};

use pipec_compiler::ir;
use pipec_targets::{GeneratedFile, recorded_source_hash};

use crate::files::display_path;
use crate::output::{self, Exit};
use crate::render::plural;
use crate::terminal::{Style, paint};

pub struct Options {
    /// What to compile and how to report it, as for `pipec check`.
    pub check: crate::check::Options,
    pub out: PathBuf,
    pub check_only: bool,
}

pub fn run(options: &Options) -> Exit {
    let colour = options.check.colour;
    let (_, compiled) = match crate::check::checked(&options.check) {
        Ok(checked) => checked,
        Err(Exit::Failure) => {
            output::stderr(&format!(
                "{}: nothing was written\n",
                paint("error", Style::Error, colour)
            ));
            return Exit::Failure;
        }
        Err(exit) => return exit,
    };
    let cwd = std::env::current_dir().ok();
    let mut outputs = Vec::with_capacity(compiled.files.len());
    for file in &compiled.files {
        let Some(path) = output_path(&options.out, &file.path) else {
            return output::usage_error(format!(
                "the target produced an unsafe file path `{}`",
                file.path
            ));
        };
        let shown = display_path(&path, cwd.as_deref());
        outputs.push(Output { file, path, shown });
    }
    if options.check_only {
        check_files(&outputs, &compiled.program, colour)
    } else {
        write_files(&outputs, colour)
    }
}

/// One generated file and where it goes.
struct Output<'a> {
    file: &'a GeneratedFile,
    path: PathBuf,
    shown: String,
}

/// `out` joined with a target's relative path, refusing anything that could escape `out`.
fn output_path(out: &Path, relative: &str) -> Option<PathBuf> {
    let relative = Path::new(relative);
    let plain = relative
        .components()
        .all(|component| matches!(component, Component::Normal(_)));
    (plain && relative.file_name().is_some()).then(|| out.join(relative))
}

fn write_files(outputs: &[Output<'_>], colour: bool) -> Exit {
    let (mut written, mut unchanged) = (0, 0);
    for output in outputs {
        match read_existing(&output.path) {
            Ok(Some(existing)) if existing == output.file.contents => {
                unchanged += 1;
                output::stderr(&format!("unchanged {}\n", output.shown));
            }
            Ok(_) => {
                if let Err(error) =
                    write_atomically(&output.path, &output.file.contents, output.file.executable)
                {
                    return output::usage_error(format!("cannot write {}: {error}", output.shown));
                }
                written += 1;
                output::stderr(&format!("wrote {}\n", output.shown));
            }
            Err(error) => {
                return output::usage_error(format!("cannot read {}: {error}", output.shown));
            }
        }
    }
    let written = plural(written, "file");
    output::stderr(&format!(
        "{}: {written} written, {unchanged} unchanged\n",
        paint("ok", Style::Ok, colour)
    ));
    Exit::Success
}

/// The contents of `path`, or `None` when there is no such file.
fn read_existing(path: &Path) -> std::io::Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// Writes `contents` to a temporary file next to `path`, then renames it over `path`, so a
/// reader sees either the old file or the new one, never half of it.
pub fn write_atomically(path: &Path, contents: &str, executable: bool) -> std::io::Result<()> {
    let directory = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(directory)?;
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = directory.join(format!(".{name}.{}.pipec-tmp", std::process::id()));
    let result = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(contents.as_bytes())?;
            if executable {
                set_executable(&file)?;
            }
            file.sync_all()?;
            fs::rename(&temporary, path)
        });
    if result.is_err() {
        // Best effort: the error being returned matters more than a leftover temporary.
        let _ = fs::remove_file(&temporary);
    }
    result
}

#[cfg(unix)]
fn set_executable(file: &fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn set_executable(_: &fs::File) -> std::io::Result<()> {
    Ok(())
}

/// How a file on disk compares with the one the build would write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Freshness {
    UpToDate,
    Missing,
    /// The recorded source hash differs: the `.pipe` source changed since generation.
    Stale,
    /// The recorded source hash matches but the contents differ: someone edited the file.
    EditedByHand,
}

fn freshness(on_disk: Option<&str>, generated: &str, source_hash: &str) -> Freshness {
    match on_disk {
        None => Freshness::Missing,
        Some(existing) if existing == generated => Freshness::UpToDate,
        Some(existing) if recorded_source_hash(existing) == Some(source_hash) => {
            Freshness::EditedByHand
        }
        Some(_) => Freshness::Stale,
    }
}

fn check_files(outputs: &[Output<'_>], program: &ir::Program, colour: bool) -> Exit {
    let mut out_of_date = 0;
    for output in outputs {
        let on_disk = match read_existing(&output.path) {
            Ok(on_disk) => on_disk,
            Err(error) => {
                return output::usage_error(format!("cannot read {}: {error}", output.shown));
            }
        };
        // The pipeline's hash is the truth; the generated header records the same value.
        let source_hash = program
            .pipelines
            .iter()
            .find(|pipeline| pipeline.id == output.file.pipeline_id)
            .map(|pipeline| pipeline.source_hash.as_str())
            .or_else(|| recorded_source_hash(&output.file.contents))
            .unwrap_or_default();
        let state = freshness(on_disk.as_deref(), &output.file.contents, source_hash);
        let why = match state {
            Freshness::UpToDate => {
                output::stderr(&format!("up to date {}\n", output.shown));
                continue;
            }
            Freshness::Missing => "missing: it has not been generated yet",
            Freshness::Stale => "stale: its .pipe source changed since it was generated",
            Freshness::EditedByHand => {
                "edited by hand: it differs from what its unchanged source generates"
            }
        };
        out_of_date += 1;
        output::stderr(&format!(
            "{} {}\n",
            paint(&output.shown, Style::Error, colour),
            why
        ));
        output::stderr(&unified_diff(output, on_disk.as_deref(), colour));
    }
    if out_of_date == 0 {
        let files = plural(outputs.len(), "file");
        output::stderr(&format!(
            "{}: {files} up to date\n",
            paint("ok", Style::Ok, colour)
        ));
        return Exit::Success;
    }
    output::stderr(&format!(
        "{}: {out_of_date} of {} out of date; run `pipec build` to regenerate\n",
        paint("error", Style::Error, colour),
        plural(outputs.len(), "generated file"),
    ));
    Exit::Failure
}

/// The change `pipec build` would make to the file on disk.
fn unified_diff(output: &Output<'_>, on_disk: Option<&str>, colour: bool) -> String {
    let old_header = if on_disk.is_some() {
        format!("{} (on disk)", output.shown)
    } else {
        "/dev/null".to_owned()
    };
    let new_header = format!("{} (generated)", output.shown);
    let old = on_disk.unwrap_or("");
    coloured_diff(old, &output.file.contents, &old_header, &new_header, colour)
}

/// A unified diff from `old` to `new`, with removed and added lines coloured.
pub fn coloured_diff(
    old: &str,
    new: &str,
    old_header: &str,
    new_header: &str,
    colour: bool,
) -> String {
    let diff = similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_header, new_header)
        .to_string();
    let mut text = String::with_capacity(diff.len());
    for line in diff.split_inclusive('\n') {
        let style = match line.as_bytes().first() {
            Some(b'-') if !line.starts_with("---") => Some(Style::Removed),
            Some(b'+') if !line.starts_with("+++") => Some(Style::Added),
            _ => None,
        };
        match style {
            Some(style) => text.push_str(&paint(line.trim_end_matches('\n'), style, colour)),
            None => text.push_str(line.trim_end_matches('\n')),
        }
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENERATED: &str =
        "# generated by pipec from ci.pipe\n# pipec-source-hash: abc\nname: ci\n";

    #[test]
    fn freshness_tells_stale_from_edited_by_hand() {
        assert_eq!(freshness(None, GENERATED, "abc"), Freshness::Missing);
        assert_eq!(
            freshness(Some(GENERATED), GENERATED, "abc"),
            Freshness::UpToDate
        );
        let edited = format!("{GENERATED}extra: true\n");
        assert_eq!(
            freshness(Some(&edited), GENERATED, "abc"),
            Freshness::EditedByHand
        );
        let old = GENERATED.replace("abc", "old");
        assert_eq!(freshness(Some(&old), GENERATED, "abc"), Freshness::Stale);
        assert_eq!(
            freshness(Some("name: ci\n"), GENERATED, "abc"),
            Freshness::Stale
        );
    }

    #[test]
    fn output_paths_stay_inside_the_output_directory() {
        let out = Path::new("out");
        assert_eq!(
            output_path(out, "ci.yml"),
            Some(PathBuf::from("out/ci.yml"))
        );
        assert_eq!(output_path(out, "../ci.yml"), None);
        assert_eq!(output_path(out, "/etc/ci.yml"), None);
        assert_eq!(output_path(out, ""), None);
    }

    #[test]
    fn atomic_writes_replace_the_file_and_leave_no_temporary() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("nested/ci.yml");
        write_atomically(&path, "one\n", false).unwrap();
        write_atomically(&path, "two\n", true).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two\n");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("ci.yml")]);
    }
}

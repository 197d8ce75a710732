//! Where output goes and how the process ends. Human text goes to stderr, machine formats
//! to stdout; a closed pipe (`pipec check --format json | head`) is not an error worth a
//! panic, so write failures are ignored here, in one place.

use std::io::Write;
use std::process::ExitCode;

/// How a command ended; the process exit code is the same for every command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: nothing to report, or only warnings that are allowed.
    Success,
    /// 1: the sources have errors (or denied warnings), or generated files are out of date.
    Failure,
    /// 2: the command could not run: bad usage, a missing or unreadable path.
    Usage,
    /// 130: `pipec run` was interrupted (Ctrl-C), as a shell reports SIGINT.
    Interrupted,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        match exit {
            Exit::Success => ExitCode::SUCCESS,
            Exit::Failure => ExitCode::from(1),
            Exit::Usage => ExitCode::from(2),
            Exit::Interrupted => ExitCode::from(130),
        }
    }
}

pub fn stdout(text: &str) {
    // Ignored on purpose: the reader went away, and nobody is left to tell.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

pub fn stderr(text: &str) {
    // Ignored on purpose, as for stdout.
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Reports why a command could not run and returns the matching exit.
pub fn usage_error(message: impl std::fmt::Display) -> Exit {
    stderr(&format!("error: {message}\n"));
    Exit::Usage
}

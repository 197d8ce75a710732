//! What `pipec run` prints while it runs, on stderr: one line when a job starts or ends
//! (the generated script prints the same lines), and on a terminal a block below them with
//! one line per running job and its elapsed time, redrawn in place. The summary table at
//! the end goes to stdout, in the script's format.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use pipec_targets::shell::JobResult;

pub struct Display {
    live: bool,
    /// Lines of the live block now on the screen.
    drawn: usize,
}

impl Display {
    pub fn new() -> Display {
        Display {
            live: std::io::stderr().is_terminal()
                && std::env::var_os("TERM").is_some_and(|t| t != "dumb"),
            drawn: 0,
        }
    }

    /// A line that stays.
    pub fn line(&mut self, text: &str) {
        let mut err = std::io::stderr().lock();
        if self.live {
            let _ = write!(err, "{}", clear(self.drawn));
            self.drawn = 0;
        }
        let _ = writeln!(err, "{text}");
    }

    /// Redraws the running jobs (a terminal only).
    pub fn running(&mut self, jobs: &[(String, Duration)]) {
        if !self.live {
            return;
        }
        let mut block = clear(self.drawn);
        for (title, elapsed) in jobs {
            block.push_str(&format!("  \u{25b8} {title}  {}\n", seconds(*elapsed)));
        }
        self.drawn = jobs.len();
        let _ = std::io::stderr().lock().write_all(block.as_bytes());
    }
}

/// Moves up over `lines` lines and clears them.
fn clear(lines: usize) -> String {
    if lines == 0 {
        String::new()
    } else {
        format!("\x1b[{lines}A\x1b[J")
    }
}

/// A duration as the summary shows it (tenths, cut, not rounded: the script's arithmetic).
pub fn seconds(duration: Duration) -> String {
    let ms = duration.as_millis();
    format!("{}.{}s", ms / 1000, ms % 1000 / 100)
}

/// One row of the summary.
pub struct Row {
    pub title: String,
    pub result: JobResult,
    pub duration: Option<Duration>,
    pub note: Option<String>,
}

/// The summary table, byte for byte what the generated script prints.
pub fn summary(pipeline: &str, rows: &[Row], total: Duration, logs: &str) -> String {
    let width = rows
        .iter()
        .map(|r| r.title.chars().count())
        .max()
        .unwrap_or(0)
        .max(3);
    let count = |result: JobResult| rows.iter().filter(|r| r.result == result).count();
    let mut out = format!(
        "\npipec: pipeline `{pipeline}`: {} succeeded, {} failed, {} skipped, {} cancelled in {}\n",
        count(JobResult::Success),
        count(JobResult::Failure),
        count(JobResult::Skipped),
        count(JobResult::Cancelled),
        seconds(total)
    );
    let row = |title: &str, result: &str, time: &str, note: &str| {
        let padding = width.saturating_sub(title.chars().count());
        let line = format!(
            "{title}{}  {result:<9}  {time:>7}  {note}",
            " ".repeat(padding)
        );
        format!("{}\n", line.trim_end())
    };
    out.push_str(&row("JOB", "RESULT", "TIME", "NOTE"));
    for r in rows {
        let time = r.duration.map_or("-".to_string(), seconds);
        out.push_str(&row(
            &r.title,
            r.result.name(),
            &time,
            r.note.as_deref().unwrap_or(""),
        ));
    }
    out.push_str(&format!("logs: {logs}\n"));
    out
}

//! What the terminal can do: whether to colour, and how wide to wrap. Output that is not a
//! terminal gets no colour and a fixed width of 100, so snapshots and logs are stable.

use std::io::IsTerminal;

/// The `--color` flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Only when stderr is a terminal and NO_COLOR is unset.
    Auto,
    /// Even when the output is a file or a pipe.
    Always,
    /// Plain text.
    Never,
}

/// The width used when stderr is not a terminal.
const FIXED_WIDTH: usize = 100;

pub fn colour_enabled(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        // https://no-color.org: any non-empty value disables colour.
        ColorChoice::Auto => {
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        }
    }
}

/// The width to wrap human output at: the terminal's when stderr is one, else fixed.
pub fn width() -> usize {
    if !std::io::stderr().is_terminal() {
        return FIXED_WIDTH;
    }
    terminal_size::terminal_size_of(std::io::stderr())
        .map_or(FIXED_WIDTH, |(terminal_size::Width(width), _)| {
            usize::from(width)
        })
}

/// The few styles the CLI's own lines use (miette styles the diagnostics themselves).
#[derive(Clone, Copy, Debug)]
pub enum Style {
    Error,
    Warning,
    Ok,
    Removed,
    Added,
}

/// `text` in `style` when `colour` is on, else unchanged.
pub fn paint(text: &str, style: Style, colour: bool) -> String {
    if !colour {
        return text.to_owned();
    }
    let code = match style {
        Style::Error => "1;31",
        Style::Warning => "1;33",
        Style::Ok => "1;32",
        Style::Removed => "31",
        Style::Added => "32",
    };
    format!("\u{1b}[{code}m{text}\u{1b}[0m")
}

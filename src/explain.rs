//! `pipec explain`: the long explanation of one diagnostic code, or the list of all codes,
//! straight from the registry (the same text `docs/diagnostics.md` collects).

use pipec_compiler::Code;
use pipec_compiler::diagnostics::closest;

use crate::output::{self, Exit};

/// Prints the explanation of `query`, a code number or name in any case.
pub fn explain(query: &str) -> Exit {
    let Some(code) = Code::lookup(query) else {
        let candidates = Code::ALL
            .iter()
            .flat_map(|code| [code.info().code, code.info().name]);
        let mut message = format!("error: unknown diagnostic code `{}`\n", query.trim());
        if let Some(near) = closest(query.trim(), candidates).and_then(Code::lookup) {
            let info = near.info();
            message.push_str(&format!(
                "help: did you mean `{}` ({})?\n",
                info.code, info.name
            ));
        }
        message.push_str("help: `pipec explain --list` lists every code\n");
        output::stderr(&message);
        return Exit::Usage;
    };
    let explanation = code.info().explanation;
    output::stdout(explanation);
    if !explanation.ends_with('\n') {
        output::stdout("\n");
    }
    Exit::Success
}

/// Prints one line per code: number, severity, name and summary, in aligned columns.
pub fn list() -> Exit {
    let name_width = Code::ALL
        .iter()
        .map(|code| code.info().name.len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for code in Code::ALL {
        let info = code.info();
        text.push_str(&format!(
            "{}  {:<7}  {:<name_width$}  {}\n",
            info.code,
            info.severity.as_str(),
            info.name,
            info.summary
        ));
    }
    output::stdout(&text);
    Exit::Success
}

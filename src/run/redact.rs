//! Secret values never reach a log or the terminal: every line written is passed through
//! [`Redactor::redact`] first, as GitHub masks secrets in its logs.

/// What replaces a secret.
const MASK: &str = "***";

#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is masked whole.
    values: Vec<String>,
}

impl Redactor {
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Redactor {
        let mut values: Vec<String> = Vec::new();
        for secret in secrets {
            // A multi-line secret is masked line by line, as logs are written by line.
            for part in std::iter::once(secret).chain(secret.lines()) {
                let part = part.trim_end_matches('\r');
                if !part.trim().is_empty() && !values.iter().any(|v| v == part) {
                    values.push(part.to_string());
                }
            }
        }
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        Redactor { values }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_string();
        for value in &self.values {
            if text.contains(value.as_str()) {
                text = text.replace(value.as_str(), MASK);
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_secret_and_every_line_of_one_is_masked() {
        let redactor = Redactor::new(["hunter2", "line one\nline two", ""]);
        assert_eq!(redactor.redact("pw=hunter2!"), "pw=***!");
        assert_eq!(redactor.redact("got line two"), "got ***");
        assert_eq!(redactor.redact("nothing here"), "nothing here");
    }

    #[test]
    fn a_secret_containing_another_is_masked_whole() {
        let redactor = Redactor::new(["abc", "xabcx"]);
        assert_eq!(redactor.redact("xabcx abc"), "*** ***");
    }
}

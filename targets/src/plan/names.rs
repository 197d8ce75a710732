//! Kubernetes names: DNS-1123 labels (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63
//! characters), made from `.pipe` identifiers.

const MAX: usize = 63;

/// `text` as a DNS-1123 label: lower-cased, every other character `-`, runs of `-`
/// collapsed, no `-` at either end. A label longer than 63 characters is cut to 54 and
/// ends with `-` and 8 hex digits of a hash of the whole text, so two long names that
/// share a beginning stay apart.
pub(crate) fn label(text: &str) -> String {
    let mut name = String::with_capacity(text.len());
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_matches('-');
    let name = if name.is_empty() { "x" } else { name };
    if name.len() <= MAX {
        return name.to_string();
    }
    let head = name.get(..MAX - 9).unwrap_or(name).trim_end_matches('-');
    format!("{head}-{:08x}", fnv1a(text))
}

/// `parts` joined with `-`, as one label.
pub(crate) fn joined(parts: &[&str]) -> String {
    label(&parts.join("-"))
}

/// 32-bit FNV-1a: small, stable across platforms and releases (unlike `DefaultHasher`).
fn fnv1a(text: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_label(name: &str) -> bool {
        !name.is_empty()
            && name.len() <= MAX
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !name.starts_with('-')
            && !name.ends_with('-')
    }

    #[test]
    fn identifiers_become_labels() {
        assert_eq!(label("build"), "build");
        assert_eq!(label("lint_and_test"), "lint-and-test");
        assert_eq!(label("Deploy__Prod"), "deploy-prod");
        assert_eq!(label("-x-"), "x");
        assert_eq!(label("ünïcode"), "n-code");
        assert_eq!(label("___"), "x");
        assert_eq!(joined(&["ci", "build"]), "ci-build");
    }

    #[test]
    fn long_names_are_cut_with_a_hash_that_keeps_them_apart() {
        let a = label(&format!("{}a", "x".repeat(80)));
        let b = label(&format!("{}b", "x".repeat(80)));
        assert!(is_label(&a) && is_label(&b), "{a} {b}");
        assert_eq!(a.len(), MAX);
        assert_ne!(a, b);
        assert_eq!(a, label(&format!("{}a", "x".repeat(80))));
    }
}

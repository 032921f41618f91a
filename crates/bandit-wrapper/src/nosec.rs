//! `# nosec` comments, read the way Bandit reads them.
//!
//! Bandit is run with `--ignore-nosec` so that it reports every finding once; the wrapper then
//! finds the `# nosec` comment on the finding's lines itself and records an `inSource`
//! suppression, so that suppressed findings stay visible in the report. Bandit's rules
//! (`bandit/core/utils.py`, 1.9): `#\s*nosec:?\s*(tests)?` where tests is a comma or space separated
//! list of test ids (`B301`) or test names (`yaml_load`); an empty list suppresses every test on the
//! line; a list that does not name the finding's test does not suppress it.

use std::sync::LazyLock;

use regex::Regex;

#[allow(clippy::unwrap_used)] // a constant pattern, checked by the tests
static NOSEC: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"#\s*nosec:?\s*(?P<tests>[^#]+)?#?").unwrap());

/// A `# nosec` comment on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nosec {
    /// The test ids or names it lists; empty for a blanket `# nosec`.
    pub tests: Vec<String>,
    /// The comment as written (for the justification).
    pub text: String,
}

impl Nosec {
    /// Whether it suppresses a finding of test `id` (`B301`) named `name` (`blacklist`).
    pub fn covers(&self, id: &str, name: &str) -> bool {
        self.tests.is_empty() || self.tests.iter().any(|t| t.eq_ignore_ascii_case(id) || t == name)
    }
}

/// The `# nosec` comment of a source line, if any.
pub fn parse(line: &str) -> Option<Nosec> {
    let c = NOSEC.captures(line)?;
    let tests = c
        .name("tests")
        .map(|m| {
            m.as_str()
                .split(|ch: char| ch == ',' || ch.is_whitespace())
                .filter(|t| !t.is_empty())
                // Bandit only takes identifiers; anything else ends the list (free text after it).
                .take_while(|t| t.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_'))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Some(Nosec { tests, text: c[0].trim().to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanket_by_id_by_name_and_wrong_id() {
        let b = parse("x = pickle.load(fh)  # nosec").unwrap();
        assert!(b.tests.is_empty() && b.covers("B301", "blacklist"));
        let id = parse("pickle.load(fh)  # nosec B301").unwrap();
        assert!(id.covers("B301", "blacklist") && !id.covers("B602", "subprocess_popen_with_shell_equals_true"));
        let name = parse("yaml.load(t)  # nosec: yaml_load").unwrap();
        assert!(name.covers("B506", "yaml_load") && !name.covers("B301", "blacklist"));
        let many = parse("x  # nosec B301, B403").unwrap();
        assert_eq!(many.tests, ["B301", "B403"]);
        assert!(parse("x = 1  # nothing here").is_none());
    }
}

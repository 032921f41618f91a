//! `.trivyignore`: the text format Trivy reads (`ID [exp:YYYY-MM-DD]` per line, `#` comments).
//!
//! Applied by the wrapper (not passed to Trivy) so that ignored findings stay in the report as
//! external suppressions, with their expiry: an expired entry no longer suppresses, as in Trivy.
//! Hand-written: the format is a few lines of text, no crate parses it.

use std::path::Path;

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// A vulnerability, misconfiguration (also `AVD-` aliases), secret rule or license id.
    pub id: String,
    /// Expiry (`exp:`), after which the entry no longer applies.
    pub expires: Option<time::Date>,
    /// `file:line`, for the justification.
    pub source: String,
}

/// A line that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct IgnoreError {
    /// File.
    pub file: String,
    /// Line.
    pub line: usize,
    /// What.
    pub message: String,
}

/// Parse `.trivyignore` text.
pub fn parse(text: &str, file: &Path) -> Result<Vec<IgnoreEntry>, IgnoreError> {
    let name = file.display().to_string();
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut fields = line.split_whitespace();
        let Some(id) = fields.next() else { continue };
        let mut expires = None;
        for f in fields {
            if let Some(d) = f.strip_prefix("exp:") {
                let fmt = time::macros::format_description!("[year]-[month]-[day]");
                expires = Some(time::Date::parse(d, &fmt).map_err(|_| IgnoreError {
                    file: name.clone(),
                    line: i + 1,
                    message: format!("`exp:{d}` is not a YYYY-MM-DD date"),
                })?);
            }
            // Other `key:value` fields are accepted and ignored, as Trivy does.
        }
        out.push(IgnoreEntry { id: id.to_owned(), expires, source: format!("{name}:{}", i + 1) });
    }
    Ok(out)
}

/// Whether `entry` names `id` (or one of its aliases: `AVD-DS-0002`, `DS002`, `DS-0002`).
pub fn matches(entry: &IgnoreEntry, ids: &[&str]) -> bool {
    ids.iter().any(|i| !i.is_empty() && i.eq_ignore_ascii_case(&entry.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_comments_and_expiry() {
        let text = "# vulns\nCVE-2019-0001\nCVE-2019-0004 exp:2020-01-01\nCVE-2019-0006 exp:9999-01-01 key2:value2\n\nID300 # trailing\n";
        let e = parse(text, Path::new(".trivyignore")).unwrap();
        assert_eq!(
            e.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
            ["CVE-2019-0001", "CVE-2019-0004", "CVE-2019-0006", "ID300"]
        );
        assert_eq!(e[1].expires, Some(time::macros::date!(2020 - 01 - 01)));
        assert_eq!(e[3].source, ".trivyignore:6");
        let bad = parse("CVE-1 exp:tomorrow\n", Path::new("x")).unwrap_err();
        assert_eq!(bad.to_string(), "x:1: `exp:tomorrow` is not a YYYY-MM-DD date");
    }
}

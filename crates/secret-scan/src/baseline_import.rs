//! `--baseline FILE` in the three formats users migrate from, told apart by content:
//!
//! - our SARIF (a previous `--output`): findings are marked `new`/`unchanged` by the content
//!   fingerprint (`mlsec_findings::baseline`);
//! - a detect-secrets `.secrets.baseline` (`{"results": {"path": [{"hashed_secret": sha1, ...}]}}`):
//!   a finding matches an entry of the same file whose `hashed_secret` is the SHA-1 of the value
//!   we found (the SHA-1 is computed in memory and never written anywhere);
//! - a gitleaks JSON report (`[{"RuleID", "File", "StartLine", "Fingerprint", "Secret", ...}]`), or a
//!   betterleaks 2 one (`{"findings": [{"rule_id", "match", "location"}]}`, read the same way): a
//!   finding matches an entry with the same value (when the report has `Secret`, i.e. was not
//!   written with `--redact`; compared by hash, never printed), or with the same file and line (and
//!   commit, when both have one), whatever the rule id (our default rules' ids differ from
//!   gitleaks').
//!
//! Matched findings of the foreign formats are accepted as those tools do: `unchanged` plus an
//! `external` suppression naming the baseline file, so they stay visible in the SARIF but do not
//! fail the gate. A detect-secrets entry audited as a real secret (`is_secret: true`) is marked
//! `unchanged` but not suppressed. Everything else is `new`.

use std::path::{Path, PathBuf};

use mlsec_findings::{BaselineState, Finding, FindingsFile, Suppression, fingerprint, sarif};
use serde_json::Value;

use crate::Report;

/// Largest baseline read.
const MAX_BYTES: u64 = 256 << 20;

/// A loaded baseline.
#[derive(Debug)]
pub enum Baseline {
    /// Our own SARIF.
    Sarif(FindingsFile),
    /// A detect-secrets `.secrets.baseline`.
    DetectSecrets(Vec<DetectSecretsEntry>),
    /// A gitleaks JSON report.
    Gitleaks(Vec<GitleaksEntry>),
}

/// One detect-secrets result.
#[derive(Debug, Clone)]
pub struct DetectSecretsEntry {
    /// The file, as detect-secrets wrote it (repository-relative).
    pub file: String,
    /// SHA-1 of the secret, hex.
    pub hashed_secret: String,
    /// `is_secret` after `detect-secrets audit`, if audited.
    pub is_secret: Option<bool>,
}

/// One gitleaks finding.
#[derive(Debug, Clone)]
pub struct GitleaksEntry {
    /// The file.
    pub file: String,
    /// The 1-based start line.
    pub line: u32,
    /// The commit, if the report came from a git scan.
    pub commit: Option<String>,
    /// [`fingerprint::secret_value_hash`] of `Secret`, when the report has it (never the value).
    pub value_hash: Option<String>,
}

/// Why a baseline could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Reading failed.
    #[error("cannot read the baseline {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not one of the three formats.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl BaselineError {
    /// A hint for the user.
    pub fn hint(&self) -> &'static str {
        "--baseline takes a SARIF file written by `secret-scan --output`, a detect-secrets .secrets.baseline, or a gitleaks/betterleaks JSON report"
    }
}

fn format_err(path: &Path, message: impl Into<String>) -> BaselineError {
    BaselineError::Format { path: path.to_owned(), message: message.into() }
}

/// Loads a baseline, detecting its format from its content.
pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
    let len = std::fs::metadata(path).map_err(|source| BaselineError::Read { path: path.to_owned(), source })?.len();
    if len > MAX_BYTES {
        return Err(format_err(path, format!("{} MiB is larger than the {} MiB limit", len >> 20, MAX_BYTES >> 20)));
    }
    let bytes = std::fs::read(path).map_err(|source| BaselineError::Read { path: path.to_owned(), source })?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        // serde_json's message names the position, never the content.
        format_err(path, format!("not JSON (line {}, column {}): {:?} error", e.line(), e.column(), e.classify()))
    })?;
    match &value {
        Value::Object(o) if o.contains_key("runs") => {
            let file = sarif::read_file(path, MAX_BYTES)
                .map_err(|e| format_err(path, format!("not a usable SARIF file: {e}")))?;
            Ok(Baseline::Sarif(file))
        }
        Value::Object(o) if o.get("results").is_some_and(Value::is_object) => {
            let mut out = Vec::new();
            for (file, entries) in o["results"].as_object().into_iter().flatten() {
                for e in entries.as_array().map(Vec::as_slice).unwrap_or_default() {
                    let Some(hashed) = e.get("hashed_secret").and_then(Value::as_str) else {
                        return Err(format_err(path, format!("results[{file:?}]: an entry has no hashed_secret")));
                    };
                    out.push(DetectSecretsEntry {
                        file: mlsec_findings::model::normalise_path(
                            e.get("filename").and_then(Value::as_str).unwrap_or(file),
                        ),
                        hashed_secret: hashed.to_ascii_lowercase(),
                        is_secret: e.get("is_secret").and_then(Value::as_bool),
                    });
                }
            }
            Ok(Baseline::DetectSecrets(out))
        }
        Value::Array(items) if items.iter().all(|i| i.get("RuleID").is_some()) => {
            let mut out = Vec::new();
            for (n, item) in items.iter().enumerate() {
                let s = |k: &str| item.get(k).and_then(Value::as_str).unwrap_or_default();
                let mut file = s("File").to_owned();
                let mut line = item.get("StartLine").and_then(Value::as_u64).and_then(|l| u32::try_from(l).ok());
                let mut commit = Some(s("Commit")).filter(|c| !c.is_empty()).map(str::to_ascii_lowercase);
                let fp = s("Fingerprint");
                if (file.is_empty() || line.is_none()) && !fp.is_empty() {
                    let mut parts = fp.rsplitn(3, ':');
                    if let (Some(l), Some(_rule), Some(rest)) = (parts.next(), parts.next(), parts.next()) {
                        line = l.parse().ok();
                        file = match rest.split_once(':') {
                            Some((c, f)) if c.len() >= 7 && c.bytes().all(|b| b.is_ascii_hexdigit()) => {
                                commit = Some(c.to_ascii_lowercase());
                                f.to_owned()
                            }
                            _ => rest.to_owned(),
                        };
                    }
                }
                let Some(line) = line else {
                    return Err(format_err(path, format!("finding {n}: no StartLine or Fingerprint")));
                };
                let secret = s("Secret");
                out.push(GitleaksEntry {
                    file: mlsec_findings::model::normalise_path(&file.replace('\\', "/")),
                    line,
                    commit,
                    value_hash: (!secret.is_empty() && secret != "REDACTED")
                        .then(|| fingerprint::secret_value_hash(secret.as_bytes())),
                });
            }
            Ok(Baseline::Gitleaks(out))
        }
        // betterleaks 2: {"findings": [{"rule_id", "match": {"value"}, "location": {"path", "start_line"}}]}
        Value::Object(o)
            if o.get("findings")
                .and_then(Value::as_array)
                .is_some_and(|f| f.iter().all(|i| i.get("rule_id").is_some())) =>
        {
            let mut out = Vec::new();
            for item in o["findings"].as_array().into_iter().flatten() {
                let loc = &item["location"];
                let file = loc.get("path").and_then(Value::as_str).unwrap_or_default();
                let file = file.strip_prefix("./").unwrap_or(file);
                let secret = item.pointer("/match/value").and_then(Value::as_str).unwrap_or_default();
                out.push(GitleaksEntry {
                    file: mlsec_findings::model::normalise_path(&file.replace('\\', "/")),
                    line: loc
                        .get("start_line")
                        .and_then(Value::as_u64)
                        .and_then(|l| u32::try_from(l).ok())
                        .unwrap_or(0),
                    commit: loc
                        .get("commit")
                        .and_then(Value::as_str)
                        .filter(|c| !c.is_empty())
                        .map(str::to_ascii_lowercase),
                    value_hash: (!secret.is_empty() && !secret.contains("REDACTED"))
                        .then(|| fingerprint::secret_value_hash(secret.as_bytes())),
                });
            }
            Ok(Baseline::Gitleaks(out))
        }
        _ => Err(format_err(path, "not a SARIF file, a detect-secrets baseline or a gitleaks/betterleaks JSON report")),
    }
}

/// Applies a detect-secrets or gitleaks baseline to the report (see the [module docs](self));
/// `label` names the baseline in suppressions. Returns how many findings matched. A SARIF
/// baseline is left to `mlsec_findings::baseline::apply` (returns 0 here).
pub fn apply_foreign(report: &mut Report, baseline: &Baseline, label: &str) -> usize {
    let Some(run) = report.findings.runs.first_mut() else { return 0 };
    let mut matched = 0;
    for (i, f) in run.findings.iter_mut().enumerate() {
        let Some((value_hash, value_sha1)) = report.values.get(i) else { continue };
        let (hit, suppress) = match baseline {
            Baseline::Sarif(_) => return 0,
            Baseline::DetectSecrets(entries) => {
                let uri = uri_of(f);
                match entries.iter().find(|e| e.hashed_secret == *value_sha1 && e.file == uri) {
                    Some(e) => (true, e.is_secret != Some(true)),
                    None => (false, false),
                }
            }
            Baseline::Gitleaks(entries) => {
                let uri = uri_of(f);
                let line = f.primary_location().and_then(|l| l.start_line).unwrap_or(0);
                let commit = f.properties.get("commit").and_then(Value::as_str).map(str::to_owned);
                let found = entries.iter().any(|e| {
                    e.value_hash.as_deref() == Some(value_hash.as_str())
                        || (e.file == uri
                            && e.line == line
                            && match (&e.commit, &commit) {
                                (Some(a), Some(b)) => b.starts_with(a.as_str()) || a.starts_with(b.as_str()),
                                _ => true,
                            })
                });
                (found, found)
            }
        };
        if hit {
            matched += 1;
            f.baseline_state = Some(BaselineState::Unchanged);
            if suppress && !f.suppressions.iter().any(|s| s.source.as_deref() == Some(label)) {
                f.suppressions.push(Suppression::external(label, Some(format!("in the baseline {label}"))));
            }
        } else {
            f.baseline_state = Some(BaselineState::New);
        }
    }
    matched
}

fn uri_of(f: &Finding) -> String {
    f.primary_location().map(|l| l.uri.clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Baseline, BaselineError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.json");
        std::fs::write(&p, text).unwrap();
        load(&p)
    }

    #[test]
    fn formats_are_told_apart_by_content() {
        let ds = r#"{"version": "1.5.0", "results": {"a.py": [{"type": "AWS Access Key", "filename": "a.py",
            "hashed_secret": "ABCDEF0123", "is_verified": false, "line_number": 1}]}}"#;
        let Ok(Baseline::DetectSecrets(e)) = load_text(ds) else { panic!("not detect-secrets") };
        assert_eq!((e[0].file.as_str(), e[0].hashed_secret.as_str(), e[0].is_secret), ("a.py", "abcdef0123", None));

        let gl = r#"[{"RuleID": "x", "File": "", "StartLine": 0, "Secret": "REDACTED",
            "Fingerprint": "0123456789abcdef0123456789abcdef01234567:src/a.py:x:7"}]"#;
        let Ok(Baseline::Gitleaks(e)) = load_text(gl) else { panic!("not gitleaks") };
        assert_eq!((e[0].file.as_str(), e[0].line), ("src/a.py", 7));
        assert_eq!(e[0].commit.as_deref(), Some("0123456789abcdef0123456789abcdef01234567"));
        assert!(e[0].value_hash.is_none());

        // betterleaks 2.0's report shape (as written by `betterleaks -o report.json`).
        let bl = r#"{"schema_version": "1", "findings": [{"rule_id": "github-pat", "match": {"full": "g", "value": "ghp_x",
            "fingerprint": "c6"}, "location": {"path": "./a.py", "start_line": 3}}], "scan": {}}"#;
        let Ok(Baseline::Gitleaks(e)) = load_text(bl) else { panic!("not betterleaks") };
        assert_eq!((e[0].file.as_str(), e[0].line), ("a.py", 3));
        assert_eq!(e[0].value_hash.as_deref(), Some(fingerprint::secret_value_hash(b"ghp_x").as_str()));

        assert!(matches!(load_text("{\"hello\": 1}"), Err(BaselineError::Format { .. })));
        let err = load_text("{oops").unwrap_err().to_string();
        assert!(err.contains("not JSON (line 1"), "{err}");
    }
}

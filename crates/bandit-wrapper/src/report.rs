//! Bandit's JSON report (`-f json`), read defensively: every field is optional except what a
//! result cannot do without (`test_id`, `filename`), and unknown fields are ignored.

use serde::Deserialize;

/// The whole report.
#[derive(Debug, Default, Deserialize)]
pub struct Report {
    /// Files Bandit could not scan (syntax errors, missing targets).
    #[serde(default)]
    pub errors: Vec<ReportError>,
    /// The findings.
    #[serde(default)]
    pub results: Option<Vec<Issue>>,
    /// Metrics (`_totals.nosec` etc.).
    #[serde(default)]
    pub metrics: Option<serde_json::Value>,
}

/// One entry of `errors[]`.
#[derive(Debug, Default, Deserialize)]
pub struct ReportError {
    /// The file.
    #[serde(default)]
    pub filename: String,
    /// Why.
    #[serde(default)]
    pub reason: String,
}

/// `issue_cwe`.
#[derive(Debug, Default, Deserialize)]
pub struct Cwe {
    /// The CWE number (0 or absent: none).
    #[serde(default)]
    pub id: Option<u32>,
}

/// One result.
#[derive(Debug, Deserialize)]
pub struct Issue {
    /// `B301`.
    pub test_id: String,
    /// `blacklist`.
    #[serde(default)]
    pub test_name: String,
    /// The file, as Bandit was given it.
    pub filename: String,
    /// 1-based line.
    #[serde(default)]
    pub line_number: Option<u32>,
    /// Lines of the node.
    #[serde(default)]
    pub line_range: Vec<u32>,
    /// 0-based column.
    #[serde(default)]
    pub col_offset: Option<u32>,
    /// 0-based end column.
    #[serde(default)]
    pub end_col_offset: Option<u32>,
    /// LOW / MEDIUM / HIGH.
    #[serde(default)]
    pub issue_severity: String,
    /// LOW / MEDIUM / HIGH.
    #[serde(default)]
    pub issue_confidence: String,
    /// The message.
    #[serde(default)]
    pub issue_text: String,
    /// CWE.
    #[serde(default)]
    pub issue_cwe: Option<Cwe>,
    /// Documentation link.
    #[serde(default)]
    pub more_info: Option<String>,
    /// Numbered source lines around the finding (`"12 x = 1\n"`).
    #[serde(default)]
    pub code: Option<String>,
}

impl Issue {
    /// The source of line `n` from the `code` excerpt, if it is there.
    pub fn code_line(&self, n: u32) -> Option<&str> {
        let prefix = format!("{n} ");
        self.code.as_deref()?.lines().find_map(|l| l.strip_prefix(prefix.as_str()))
    }
}

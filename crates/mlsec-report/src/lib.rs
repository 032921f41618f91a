//! Renderers: one findings model, one file per output format (the ruff habit), each
//! snapshot-tested on the realistic sample set of `mlsec_findings::sample`.
//!
//! Every renderer reads messages and snippets through `mlsec_findings::redact`, so no format can
//! print a secret value.
#![deny(missing_docs)]

pub mod annotations;
pub mod codequality;
pub mod gitlab;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod sarif;
mod summary;
#[cfg(test)]
pub(crate) mod testing;
pub mod text;

pub use summary::Summary;

use mlsec_findings::gate::{GateOutcome, GatePolicy};
use mlsec_findings::{FindingsFile, Severity};

/// Options shared by the renderers (from `[report]` in `mlsec.toml` and CLI flags).
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Largest Markdown body, in characters (a PR comment holds 65,536; a step summary 1 MiB).
    pub markdown_max_chars: usize,
    /// Workflow-command annotations per level (GitHub shows 10 per level per step).
    pub annotations_per_level: usize,
    /// Rows in the "top findings" tables.
    pub top_findings: usize,
    /// Title of the HTML report.
    pub html_title: String,
    /// When the report was made: GitLab `scan.start_time`/`end_time`, HTML footer. Fixed in tests.
    pub generated_at: time::OffsetDateTime,
    /// mlsec's version, for the GitLab `scanner.version` and footers.
    pub mlsec_version: String,
    /// A link to the full report (the job or artifact URL), used in truncation pointers.
    pub details_url: Option<String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            markdown_max_chars: 65_536,
            annotations_per_level: 10,
            top_findings: 20,
            html_title: "mlsec report".to_owned(),
            generated_at: time::OffsetDateTime::UNIX_EPOCH,
            mlsec_version: env!("CARGO_PKG_VERSION").to_owned(),
            details_url: None,
        }
    }
}

/// What every renderer gets.
#[derive(Debug)]
pub struct RenderContext<'a> {
    /// The findings (merged, baseline and suppressions applied).
    pub file: &'a FindingsFile,
    /// The gate policy in force (threshold, new-only, today's date for expiry).
    pub policy: GatePolicy,
    /// The gate's outcome on `file` under `policy`.
    pub outcome: GateOutcome,
    /// Options.
    pub options: ReportOptions,
}

impl<'a> RenderContext<'a> {
    /// Evaluate the gate and build the context.
    pub fn new(file: &'a FindingsFile, policy: GatePolicy, options: ReportOptions) -> Self {
        let outcome = mlsec_findings::gate::evaluate(file, &policy);
        RenderContext { file, policy, outcome, options }
    }

    /// The threshold, if any.
    pub fn fail_on(&self) -> Option<Severity> {
        self.policy.fail_on
    }
}

/// Compact JSON text of a value plus a final newline, serialized straight into a byte buffer of
/// `capacity` bytes (an estimate of the output's size: growing a buffer of tens of megabytes
/// copies it and touches every page again).
pub(crate) fn json_text<T: serde::Serialize + ?Sized>(value: &T, capacity: usize) -> String {
    let mut buf = Vec::with_capacity(capacity);
    // Cannot fail: the renderers' types have string keys, and there is no I/O.
    if serde_json::to_writer(&mut buf, value).is_err() {
        buf.clear();
    }
    buf.push(b'\n');
    String::from_utf8(buf).unwrap_or_default()
}

/// A renderer could not produce its output.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Serialization failed.
    #[error("could not serialize the {format} report: {message}")]
    Serialize {
        /// Which format.
        format: &'static str,
        /// Why.
        message: String,
    },
}

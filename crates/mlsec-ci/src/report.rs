//! The report as the publishers send it: built once from a render context, so the publishers
//! only move bytes.

use std::io::Write as _;

use base64::Engine as _;
use mlsec_findings::gate::{self, Verdict};
use mlsec_findings::{FindingsFile, Severity, redact};
use mlsec_report::{RenderContext, ReportOptions};

use crate::PublishError;

/// GitHub's limit on a check run's `output.summary` and `output.text`.
pub const CHECK_TEXT_MAX: usize = 65_535;
/// GitHub's limit on an issue comment body.
pub const COMMENT_MAX: usize = 65_536;
/// GitHub's limit on a step summary.
pub const STEP_SUMMARY_MAX: usize = 1024 * 1024;
/// GitHub's limit on a gzipped SARIF upload.
pub const SARIF_GZIP_MAX: usize = 10 * 1000 * 1000;

/// A check run's conclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conclusion {
    /// The gate passed.
    Success,
    /// The gate failed (or a tool failed).
    Failure,
    /// The gate would fail but runs report-only (`--exit-zero`, `--fail-on none`).
    Neutral,
}

impl Conclusion {
    /// The API's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Success => "success",
            Conclusion::Failure => "failure",
            Conclusion::Neutral => "neutral",
        }
    }
}

/// One check-run annotation (GitHub's `output.annotations[]` object).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Annotation {
    /// Repository-relative path.
    pub path: String,
    /// First line (1-based).
    pub start_line: u32,
    /// Last line.
    pub end_line: u32,
    /// `failure`, `warning` or `notice`.
    pub annotation_level: &'static str,
    /// The finding's message (redacted).
    pub message: String,
    /// Tool, rule and severity.
    pub title: String,
}

/// One SARIF upload: the runs of one automation id (one code-scanning category).
#[derive(Debug, Clone)]
pub struct SarifUpload {
    /// The category (`run.automationDetails.id`).
    pub category: String,
    /// gzip + base64 of the SARIF JSON.
    pub payload: String,
    /// The gzipped size.
    pub gzip_bytes: usize,
}

/// Everything the publishers send.
#[derive(Debug, Clone)]
pub struct Report {
    /// The gate's verdict.
    pub verdict: Verdict,
    /// The check run's conclusion / commit status.
    pub conclusion: Conclusion,
    /// One line: verdict and counts.
    pub headline: String,
    /// The Markdown body for comments and the check run (at most 65,535 characters).
    pub markdown: String,
    /// The Markdown body for the step summary (at most 1 MiB).
    pub step_summary: String,
    /// Check-run annotations, most severe first.
    pub annotations: Vec<Annotation>,
    /// Considered findings without a file location (not annotatable).
    pub not_annotatable: usize,
    /// Workflow-command annotations (for degraded mode; capped per level).
    pub workflow_commands: String,
    /// Considered findings.
    pub considered: usize,
    /// The findings, split per automation id for code scanning.
    pub sarif: Vec<SarifUpload>,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "failure",
        Severity::Medium | Severity::Unknown => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

impl Report {
    /// Build from a render context. `report_only` turns a failing gate into a neutral check.
    pub fn build(ctx: &RenderContext<'_>, report_only: bool) -> Result<Report, PublishError> {
        let verdict = ctx.outcome.verdict;
        let conclusion = match verdict {
            Verdict::Pass => Conclusion::Success,
            Verdict::Fail if report_only => Conclusion::Neutral,
            Verdict::Fail | Verdict::ToolError => Conclusion::Failure,
        };
        let render = |max: usize| {
            let options = ReportOptions { markdown_max_chars: max, ..ctx.options.clone() };
            mlsec_report::markdown::render(&RenderContext::new(ctx.file, ctx.policy, options))
        };
        let markdown = render(CHECK_TEXT_MAX);
        let step_summary = render(STEP_SUMMARY_MAX);

        let mut ranked: Vec<_> = ctx.file.findings().filter(|(_, f)| gate::considered(f, &ctx.policy)).collect();
        ranked.sort_by_key(|(_, f)| std::cmp::Reverse(f.severity));
        let considered = ranked.len();
        let mut annotations = Vec::new();
        let mut not_annotatable = 0;
        for (run, f) in ranked {
            let Some(loc) = f.primary_location().filter(|l| l.is_repo_file() && !l.uri.is_empty()) else {
                not_annotatable += 1;
                continue;
            };
            let start = loc.start_line.unwrap_or(1).max(1);
            let end = loc.end_line.filter(|&e| e >= start).unwrap_or(start);
            let message = crate::truncate_chars(&redact::redact_message(&f.message), 16_000, " …");
            let title = format!("mlsec {}: {} ({})", run.short_name(), f.display_id(), f.severity);
            annotations.push(Annotation {
                path: loc.uri.clone(),
                start_line: start,
                end_line: end,
                annotation_level: level(f.severity),
                message,
                title: crate::truncate_chars(&title, 255, "…"),
            });
        }
        let headline = match verdict {
            Verdict::Pass => format!("mlsec: pass ({considered} finding(s) considered)"),
            Verdict::Fail => format!(
                "mlsec: {} finding(s) at or above {}",
                ctx.outcome.at_or_above,
                ctx.policy.fail_on.map_or("the threshold", Severity::as_str)
            ),
            Verdict::ToolError => format!("mlsec: {} tool(s) failed", ctx.outcome.tool_errors.len()),
        };

        let mut sarif = Vec::new();
        let mut ids: Vec<&str> = Vec::new();
        for run in &ctx.file.runs {
            if !ids.contains(&run.automation_id.as_str()) {
                ids.push(&run.automation_id);
            }
        }
        for id in ids {
            let runs = ctx.file.runs.iter().filter(|r| r.automation_id == id).cloned().collect();
            let json = mlsec_findings::sarif::to_json(&FindingsFile { runs });
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            let gzipped = gz
                .write_all(json.as_bytes())
                .and_then(|()| gz.finish())
                .map_err(|source| PublishError::Io { path: std::path::PathBuf::from("<gzip>"), source })?;
            sarif.push(SarifUpload {
                category: id.to_owned(),
                gzip_bytes: gzipped.len(),
                payload: base64::engine::general_purpose::STANDARD.encode(&gzipped),
            });
        }
        Ok(Report {
            verdict,
            conclusion,
            headline,
            markdown,
            step_summary,
            annotations,
            not_annotatable,
            workflow_commands: mlsec_report::annotations::render(ctx),
            considered,
            sarif,
        })
    }

    /// Whether there is something to comment about.
    pub fn has_findings(&self) -> bool {
        self.considered > 0 || self.verdict == Verdict::ToolError
    }
}

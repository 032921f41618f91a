//! Report writers: JSON, SARIF (mlsec profile), JUnit XML, Markdown. All written atomically.

use std::fmt::Write as _;
use std::path::Path;

use mlsec_findings::fingerprint;
use mlsec_findings::model::{Category, Finding, FindingsFile, Location, Measurement, Rule, Run};
use mlsec_findings::severity::{Confidence, Severity};

use crate::{Judged, Report, Verdict};

/// Errors writing an output.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {message}")]
pub struct OutputError {
    /// The output path.
    pub path: String,
    /// Why.
    pub message: String,
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    mlsec_findings::sarif::write_atomic(path, bytes)
        .map_err(|e| OutputError { path: path.display().to_string(), message: e.to_string() })
}

/// Every (grouping label, metric) pair in report order, Theil last.
pub fn all_metrics(report: &Report) -> Vec<(String, &Judged)> {
    let mut out = Vec::new();
    for g in &report.groupings {
        let label = g.features.join("|");
        for m in &g.metrics {
            out.push((label.clone(), m));
        }
    }
    out.push(("all rows".to_owned(), &report.theil_index));
    out
}

fn fmt_value(v: Option<f64>) -> String {
    v.map_or_else(|| "undefined".to_owned(), |v| format!("{v:.4}"))
}

fn fmt_limit(j: &Judged) -> String {
    match &j.limit {
        None => "none".into(),
        Some(l) => match (l.min, l.max) {
            (Some(a), Some(b)) => format!("{a} <= x <= {b}"),
            (Some(a), None) => format!(">= {a}"),
            (None, Some(b)) => format!("<= {b}"),
            (None, None) => "none".into(),
        },
    }
}

/// The JSON report.
pub fn write_json(path: &Path, report: &Report) -> Result<(), OutputError> {
    let mut s = serde_json::to_string_pretty(report)
        .map_err(|e| OutputError { path: path.display().to_string(), message: e.to_string() })?;
    s.push('\n');
    write(path, s.as_bytes())
}

fn rule_id(metric: &str) -> String {
    metric.replace('_', "-")
}

/// The input as a SARIF location: repo-relative when it is under the working directory (the
/// repository root in CI), else an absolute `file://` artifact URI.
fn input_location(input: &str) -> Location {
    let path = Path::new(input);
    let cwd = std::env::current_dir().ok();
    let rel = if path.is_absolute() {
        cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()).map(Path::to_path_buf)
    } else {
        Some(path.to_path_buf())
    };
    match rel {
        Some(r) if !r.components().any(|c| matches!(c, std::path::Component::ParentDir)) => {
            Location::file(r.to_string_lossy().replace('\\', "/"), None)
        }
        _ => {
            let abs = cwd.map_or_else(|| path.to_path_buf(), |c| c.join(path));
            Location::artifact(format!("file://{}", abs.to_string_lossy().replace('\\', "/")), "dataset")
        }
    }
}

/// The findings: one per failed metric × grouping, under the mlsec SARIF profile.
pub fn findings(report: &Report) -> FindingsFile {
    let mut run = Run::new("fairness-gate", crate::VERSION, &report.input);
    let digest = format!("sha256:{}", report.input_sha256);
    for (grouping, j) in all_metrics(report) {
        if j.verdict != Verdict::Fail {
            continue;
        }
        let id = rule_id(&j.value.metric);
        if !run.rules.iter().any(|r| r.id == id) {
            let mut r = Rule::new(&id, Category::Fairness, format!("{} outside its limit", j.value.metric));
            r.help_uri = Some(format!("{}/blob/main/docs/fairness-gate.md#metrics", mlsec_findings::PROJECT_URL));
            r.help_markdown = Some(format!(
                "`{}` ({}) is outside the configured limit for a grouping. Inspect the per-group table in the JSON or Markdown report.",
                j.value.metric, j.family
            ));
            run.rules.push(r);
        }
        let msg = format!(
            "{} for {} is {} (limit {}){}",
            j.value.metric,
            grouping,
            fmt_value(j.value.value),
            fmt_limit(j),
            if j.value.groups.is_empty() { String::new() } else { format!(": groups {}", j.value.groups.join(" vs ")) }
        );
        let mut f = Finding::new(&id, Category::Fairness, Severity::High, msg);
        f.confidence = Confidence::High;
        f.locations.push(input_location(&report.input));
        f.measurement = Some(Measurement {
            metric: j.value.metric.clone(),
            value: j.value.value,
            min: j.limit.as_ref().and_then(|l| l.min),
            max: j.limit.as_ref().and_then(|l| l.max),
            grouping: Some(grouping.clone()),
            groups: j.value.groups.clone(),
        });
        f.fingerprints.insert(
            fingerprint::MODEL_V1.into(),
            fingerprint::model(&id, &digest, &format!("{grouping}/{}", j.value.metric)),
        );
        run.findings.push(f);
    }
    FindingsFile { runs: vec![run] }
}

/// The SARIF file.
pub fn write_sarif(path: &Path, report: &Report) -> Result<(), OutputError> {
    mlsec_findings::sarif::write_file(path, &findings(report))
        .map_err(|e| OutputError { path: path.display().to_string(), message: e.to_string() })
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// JUnit XML: one test case per metric × grouping (hand-written: a dozen lines of fixed XML).
pub fn junit(report: &Report) -> String {
    let all = all_metrics(report);
    let failures = all.iter().filter(|(_, j)| j.verdict == Verdict::Fail).count();
    let skipped = all.iter().filter(|(_, j)| j.verdict == Verdict::Skipped).count();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<testsuites name=\"fairness-gate\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
        all.len()
    );
    let _ = writeln!(
        s,
        "  <testsuite name=\"fairness-gate {}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
        xml(&report.input),
        all.len()
    );
    for (grouping, j) in &all {
        let name = xml(&format!("{} [{}]", j.value.metric, grouping));
        let _ = write!(s, "    <testcase classname=\"fairness.{}\" name=\"{name}\"", xml(grouping));
        let detail = xml(&format!(
            "value {} limit {}{}",
            fmt_value(j.value.value),
            fmt_limit(j),
            if j.value.groups.is_empty() { String::new() } else { format!(" groups {}", j.value.groups.join(" vs ")) }
        ));
        match j.verdict {
            Verdict::Fail => {
                let _ = writeln!(s, ">\n      <failure message=\"{detail}\"/>\n    </testcase>");
            }
            Verdict::Skipped => {
                let _ = writeln!(s, ">\n      <skipped message=\"undefined: {detail}\"/>\n    </testcase>");
            }
            Verdict::Pass | Verdict::NoLimit => {
                let _ = writeln!(s, "/>");
            }
        }
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

/// Write the JUnit file.
pub fn write_junit(path: &Path, report: &Report) -> Result<(), OutputError> {
    write(path, junit(report).as_bytes())
}

fn md(s: &str) -> String {
    s.replace('|', "\\|")
}

/// Markdown for a job summary: metrics table, then per grouping a per-group table with a bar chart
/// of selection rates.
pub fn markdown(report: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## fairness-gate: {}\n\n{} rows, sha256 `{}`\n",
        if report.failed { "failed" } else { "passed" },
        report.rows_read,
        &report.input_sha256
    );
    s.push_str("| grouping | metric | value | limit | verdict | groups |\n|---|---|---|---|---|---|\n");
    for (grouping, j) in all_metrics(report) {
        let verdict = match j.verdict {
            Verdict::Pass => "pass",
            Verdict::Fail => "**FAIL**",
            Verdict::NoLimit => "no limit",
            Verdict::Skipped => "skipped",
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {verdict} | {} |",
            md(&grouping),
            j.value.metric,
            fmt_value(j.value.value),
            fmt_limit(j),
            md(&j.value.groups.join(" vs "))
        );
    }
    for g in &report.groupings {
        let _ = writeln!(
            s,
            "\n### {}\n\n| group | n | selection rate | TPR | FPR | accuracy | |\n|---|---|---|---|---|---|---|",
            md(&g.features.join(" × "))
        );
        for gr in &g.groups {
            let bar = gr.rates.selection_rate.map_or(0, |r| (r * 20.0).round() as usize);
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | `{}` |",
                md(&gr.key.join(" × ")),
                gr.counts.n,
                fmt_value(gr.rates.selection_rate),
                fmt_value(gr.rates.true_positive_rate),
                fmt_value(gr.rates.false_positive_rate),
                fmt_value(gr.rates.accuracy),
                "█".repeat(bar.min(20))
            );
        }
        if !g.empty_intersections.is_empty() {
            let list: Vec<String> = g.empty_intersections.iter().map(|k| md(&k.join(" × "))).collect();
            let _ = writeln!(s, "\nEmpty intersections: {}", list.join(", "));
        }
    }
    s
}

/// Write the Markdown file.
pub fn write_markdown(path: &Path, report: &Report) -> Result<(), OutputError> {
    write(path, markdown(report).as_bytes())
}

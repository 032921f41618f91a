//! GitHub workflow-command annotations (`::error file=...,line=...,title=...::message`), printed on
//! stdout by `mlsec report --format annotations`. They work without any token (also on fork PRs).
//!
//! GitHub shows at most 10 annotations per level (error, warning, notice) per step and 50 per job,
//! so the most severe considered findings are annotated, at most
//! [`ReportOptions::annotations_per_level`](crate::ReportOptions::annotations_per_level) (capped at
//! 10) per level, and one final notice says how many were left out. Suppressed findings are never
//! annotated.

use std::fmt::Write as _;

use mlsec_findings::redact;
use mlsec_findings::{Finding, Run, Severity};

use crate::RenderContext;
use crate::summary::ranked;

/// GitHub's per-step limit for each annotation level.
pub const GITHUB_PER_LEVEL: usize = 10;

/// The three annotation levels, most severe first.
const LEVELS: [&str; 3] = ["error", "warning", "notice"];

/// Index into [`LEVELS`]: critical/high -> error, medium/unknown -> warning, low/info -> notice.
const fn level_index(s: Severity) -> usize {
    match s {
        Severity::Critical | Severity::High => 0,
        Severity::Medium | Severity::Unknown => 1,
        Severity::Low | Severity::Info => 2,
    }
}

/// The workflow-command level of a severity (`error`, `warning`, `notice`).
pub const fn level(s: Severity) -> &'static str {
    LEVELS[level_index(s)]
}

/// Escape a command's data part (GitHub toolkit `escapeData`).
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escape a command property value (GitHub toolkit `escapeProperty`).
pub fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

/// One annotation line (without the trailing newline).
fn annotation(run: &Run, f: &Finding) -> String {
    let mut props: Vec<(&str, String)> = Vec::new();
    let loc = f.primary_location();
    if let Some(l) = loc.filter(|l| l.is_repo_file() && !l.uri.is_empty()) {
        props.push(("file", l.uri.clone()));
        if let Some(line) = l.start_line {
            props.push(("line", line.to_string()));
            if let Some(end) = l.end_line.filter(|&e| e >= line) {
                props.push(("endLine", end.to_string()));
            }
            if let Some(col) = l.start_column {
                props.push(("col", col.to_string()));
                if let Some(end) = l.end_column.filter(|&e| e >= col) {
                    props.push(("endColumn", end.to_string()));
                }
            }
        }
    }
    props.push(("title", format!("mlsec {}: {} ({})", run.short_name(), f.display_id(), f.severity)));

    let mut message = redact::redact_message(&f.message).into_owned();
    if let Some(p) = &f.package
        && let Some(fixed) = &p.fixed_version
        && !message.contains(&format!("(fixed in {fixed})"))
    {
        // trivy-wrapper's messages already end with it; other tools' do not.
        let _ = write!(message, " (fixed in {fixed})");
    }
    if let Some(l) = loc.filter(|l| !l.is_repo_file() && !l.uri.is_empty()) {
        let _ = write!(message, " [{}]", redact::redact_message(&l.uri));
    }

    let mut line = format!("::{}", level(f.severity));
    for (i, (k, v)) in props.iter().enumerate() {
        line.push(if i == 0 { ' ' } else { ',' });
        line.push_str(k);
        line.push('=');
        line.push_str(&escape_property(v));
    }
    line.push_str("::");
    line.push_str(&escape_data(&message));
    line
}

/// The annotation lines to print on stdout (each ends with a newline; empty when nothing is
/// considered).
pub fn render(ctx: &RenderContext<'_>) -> String {
    let findings = ranked(ctx);
    let cap = ctx.options.annotations_per_level.min(GITHUB_PER_LEVEL);
    let mut per_level = [0usize; 3];
    for (_, f) in &findings {
        per_level[level_index(f.severity)] += 1;
    }
    let mut caps = per_level.map(|n| n.min(cap));
    let mut left_out = findings.len() - caps.iter().sum::<usize>();
    // The "N more" line is a notice too: keep a notice slot free for it.
    if left_out > 0 && caps[2] == GITHUB_PER_LEVEL {
        caps[2] -= 1;
        left_out += 1;
    }

    let mut out = String::new();
    let mut taken = [0usize; 3];
    for (run, f) in &findings {
        let i = level_index(f.severity);
        if taken[i] < caps[i] {
            taken[i] += 1;
            out.push_str(&annotation(run, f));
            out.push('\n');
        }
    }
    if left_out > 0 {
        let noun = if left_out == 1 { "finding" } else { "findings" };
        let _ = writeln!(out, "::notice title=mlsec::{left_out} more {noun} not annotated; see the job summary");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportOptions;
    use mlsec_findings::sample::{self, FAKE_AWS_KEY, FAKE_DB_PASSWORD, FAKE_HF_TOKEN};
    use mlsec_findings::{Category, FindingsFile, Location};

    use crate::testing::{options, policy};

    fn render_file(file: &FindingsFile, options: ReportOptions) -> String {
        render(&RenderContext::new(file, policy(), options))
    }

    fn count(out: &str, prefix: &str) -> usize {
        out.lines().filter(|l| l.starts_with(prefix)).count()
    }

    #[test]
    fn sample_snapshot() {
        let out = render_file(&sample::sample(), options());
        insta::assert_snapshot!(out);
    }

    #[test]
    fn the_fixed_version_is_said_once_even_when_the_message_has_it() {
        let mut file = sample::sample();
        let mut fixed = None;
        for run in &mut file.runs {
            for f in &mut run.findings {
                if let Some(v) = f.package.as_ref().and_then(|p| p.fixed_version.clone()) {
                    f.message = format!("{} (fixed in {v})", f.message);
                    fixed = Some(v);
                }
            }
        }
        let v = fixed.expect("the sample has a finding with a fixed version");
        let out = render_file(&file, options());
        let needle = format!("(fixed in {v})");
        let lines: Vec<&str> = out.lines().filter(|l| l.contains(&needle)).collect();
        assert!(!lines.is_empty(), "{out}");
        for l in lines {
            assert_eq!(l.matches(&needle).count(), 1, "{l}");
        }
    }

    #[test]
    fn caps_per_level_and_one_more_notice() {
        let file = sample::scaled(30);
        let out = render_file(&file, options());
        assert_eq!(count(&out, "::error "), 10, "{out}");
        assert!(count(&out, "::warning ") <= 10, "{out}");
        let notices = count(&out, "::notice ");
        assert!(notices <= 10, "{out}");
        let last = out.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("::notice title=mlsec::")
                && last.ends_with("more findings not annotated; see the job summary")
        );
        assert_eq!(out.lines().filter(|l| l.contains("not annotated")).count(), 1);
        // Annotated + left out = considered.
        let considered = RenderContext::new(&file, policy(), options()).outcome.by_severity.values().sum::<usize>();
        let n: usize = last
            .trim_start_matches("::notice title=mlsec::")
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_default();
        assert_eq!(out.lines().count() - 1 + n, considered);
        assert!(out.lines().count() <= 50);
        // Most severe first: no warning before the last error.
        let lines: Vec<&str> = out.lines().collect();
        let first_warning = lines.iter().position(|l| l.starts_with("::warning"));
        let last_error = lines.iter().rposition(|l| l.starts_with("::error"));
        assert!(first_warning > last_error);
    }

    #[test]
    fn option_lowers_but_never_raises_the_cap() {
        let file = sample::scaled(30);
        let out = render_file(&file, ReportOptions { annotations_per_level: 3, ..options() });
        assert_eq!((count(&out, "::error "), count(&out, "::warning ")), (3, 3));
        let out = render_file(&file, ReportOptions { annotations_per_level: 500, ..options() });
        assert_eq!(count(&out, "::error "), 10);
        assert!(out.lines().count() <= 31);
    }

    #[test]
    fn nothing_left_out_means_no_notice() {
        let out = render_file(&sample::sample(), options());
        assert!(!out.contains("not annotated"), "{out}");
        assert_eq!(out.lines().count(), 14);
        assert!(render_file(&FindingsFile::default(), options()).is_empty());
    }

    #[test]
    fn escapes_data_and_properties() {
        let mut file = FindingsFile::default();
        let mut run = Run::new("bandit-wrapper", "0", ".");
        let mut f = Finding::new("R,1:x", Category::Sast, Severity::High, "100% bad\r\nline two: a, b\n::error::x");
        f.locations.push(Location::file("dir,a/b:c%.py", Some(3)));
        run.findings.push(f);
        file.runs.push(run);
        let out = render_file(&file, options());
        assert_eq!(
            out,
            "::error file=dir%2Ca/b%3Ac%25.py,line=3,title=mlsec bandit-wrapper%3A R%2C1%3Ax (high)\
             ::100%25 bad%0D%0Aline two: a, b%0A::error::x\n"
        );
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("a:b,c%\r"), "a:b,c%25%0D");
    }

    #[test]
    fn non_file_findings_get_no_file_property() {
        let mut file = FindingsFile::default();
        let mut run = Run::new("trivy-wrapper", "0", ".");
        let mut f = Finding::new("CVE-1", Category::Vulnerability, Severity::Medium, "x");
        f.locations.push(Location::artifact("pkg:pypi/torch@2.5.1", "package"));
        run.findings.push(f);
        file.runs.push(run);
        let out = render_file(&file, options());
        assert_eq!(out, "::warning title=mlsec trivy-wrapper%3A CVE-1 (medium)::x [pkg:pypi/torch@2.5.1]\n");
    }

    #[test]
    fn no_secret_values() {
        let out = render_file(&sample::sample(), options());
        for s in [FAKE_AWS_KEY, FAKE_HF_TOKEN, FAKE_DB_PASSWORD] {
            assert!(!out.contains(s), "{s} leaked");
        }
        // Even when a tool put a secret into a message.
        let mut file = sample::sample();
        file.runs[0].findings[0].message = format!("token {FAKE_HF_TOKEN} found");
        assert!(!render_file(&file, options()).contains(FAKE_HF_TOKEN));
    }
}

//! The one-screen plain-text summary `mlsec gate` prints on stderr. No colour codes: it must read
//! the same in a CI log, a terminal and a pipe (NO_COLOR is honoured by having none).

use std::fmt::Write as _;

use mlsec_findings::Severity;
use mlsec_findings::gate::Verdict;
use mlsec_findings::redact;

use crate::RenderContext;
use crate::summary::{Summary, ranked};

const COLUMNS: [Severity; 6] = Severity::ALL_DESC;

fn shorten(s: &str, max: usize) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// Render the summary; `top` findings at most are listed.
pub fn render(ctx: &RenderContext<'_>, top: usize) -> String {
    let sum = Summary::new(ctx);
    let o = &ctx.outcome;
    let threshold = ctx.fail_on().map_or_else(|| "none (report only)".to_owned(), |s| s.to_string());
    let mut out = String::new();
    let headline = match o.verdict {
        Verdict::ToolError => {
            format!("mlsec gate: ERROR: {} tool(s) did not complete; findings may be missing", o.tool_errors.len())
        }
        Verdict::Fail => format!("mlsec gate: FAIL: {} finding(s) at or above {threshold}", o.at_or_above),
        Verdict::Pass if sum.total == 0 => "mlsec gate: PASS: no findings".to_owned(),
        Verdict::Pass => format!(
            "mlsec gate: PASS: {} finding(s), {} at or above the threshold ({threshold})",
            sum.total, o.at_or_above
        ),
    };
    let _ = writeln!(out, "{headline}");
    if sum.total > 0 {
        let width = sum.by_tool.keys().map(String::len).max().unwrap_or(4).max(5);
        let _ = write!(out, "  {:<width$}", "tool");
        for s in COLUMNS {
            let _ = write!(out, " {:>8}", s.as_str());
        }
        let _ = writeln!(out, " {:>7}", "total");
        for (tool, counts) in &sum.by_tool {
            let _ = write!(out, "  {tool:<width$}");
            for s in COLUMNS {
                let _ = write!(out, " {:>8}", counts.get(&s).copied().unwrap_or(0));
            }
            let _ = writeln!(out, " {:>7}", counts.values().sum::<usize>());
        }
    }
    let mut notes = Vec::new();
    if o.suppressed > 0 {
        notes.push(format!("{} suppressed", o.suppressed));
    }
    if o.expired_suppressions > 0 {
        notes.push(format!("{} with an expired suppression (counted again)", o.expired_suppressions));
    }
    if o.not_new > 0 {
        notes.push(format!("{} unchanged since the baseline (not counted)", o.not_new));
    }
    if !notes.is_empty() {
        let _ = writeln!(out, "  {}", notes.join("; "));
    }
    let listed: Vec<_> = ranked(ctx).into_iter().take(top).collect();
    if !listed.is_empty() {
        let _ = writeln!(out, "  top findings:");
        for (run, f) in &listed {
            let loc = f.primary_location().map(|l| l.display()).unwrap_or_default();
            let msg = redact::redact_message(&f.message);
            let _ = writeln!(
                out,
                "    {:<8} {:<15} {:<28} {} {}",
                f.severity.as_str(),
                shorten(run.short_name(), 15),
                shorten(f.display_id(), 28),
                loc,
                shorten(&msg, 80)
            );
        }
        let rest = sum.total.saturating_sub(listed.len());
        if rest > 0 {
            let _ = writeln!(out, "    … and {rest} more (see the report)");
        }
    }
    for (tool, msgs) in &o.tool_errors {
        for m in msgs.iter().take(5) {
            let _ = writeln!(out, "  error: {tool}: {}", shorten(&redact::mask_secrets(m), 200));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportOptions;
    use mlsec_findings::gate::GatePolicy;
    use time::macros::date;

    fn policy() -> GatePolicy {
        GatePolicy { fail_on: Some(Severity::High), new_only: false, max_findings: None, today: date!(2026 - 12 - 02) }
    }

    #[test]
    fn summary_of_the_sample() {
        let file = mlsec_findings::sample::sample();
        let ctx = RenderContext::new(&file, policy(), ReportOptions::default());
        let out = render(&ctx, 10);
        insta::assert_snapshot!(out);
        assert!(out.starts_with("mlsec gate: FAIL: 8 finding(s) at or above high"), "{out}");
        assert!(out.contains("2 suppressed"));
        for secret in [mlsec_findings::sample::FAKE_AWS_KEY, mlsec_findings::sample::FAKE_HF_TOKEN] {
            assert!(!out.contains(secret));
        }
    }

    #[test]
    fn quiet_when_clean_and_loud_on_tool_errors() {
        let mut file = mlsec_findings::FindingsFile::default();
        let mut run = mlsec_findings::Run::new("bandit-wrapper", "0.1.0", ".");
        let ctx = RenderContext::new(&file, policy(), ReportOptions::default());
        assert_eq!(render(&ctx, 10), "mlsec gate: PASS: no findings\n");
        run.invocation.successful = false;
        run.invocation.errors.push("src/broken.py: syntax error".into());
        file.runs.push(run);
        let ctx = RenderContext::new(&file, policy(), ReportOptions::default());
        let out = render(&ctx, 10);
        assert!(out.starts_with("mlsec gate: ERROR"), "{out}");
        assert!(out.contains("error: bandit-wrapper: src/broken.py: syntax error"), "{out}");
    }
}

//! Counts shared by the human-facing renderers (Markdown, HTML, the gate's stderr summary).

use std::collections::BTreeMap;

use mlsec_findings::gate;
use mlsec_findings::{Category, Finding, Run, Severity};

use crate::RenderContext;

/// Counts of the findings the gate considers (unsuppressed, not absent, new-only applied).
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// By severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// By tool short name, then severity.
    pub by_tool: BTreeMap<String, BTreeMap<Severity, usize>>,
    /// By category.
    pub by_category: BTreeMap<Category, usize>,
    /// Considered findings.
    pub total: usize,
    /// Suppressed findings (effective suppressions).
    pub suppressed: usize,
}

impl Summary {
    /// Count the context's findings.
    pub fn new(ctx: &RenderContext<'_>) -> Summary {
        let mut s = Summary::default();
        for run in &ctx.file.runs {
            s.by_tool.entry(run.short_name().to_owned()).or_default();
        }
        for (run, f) in ctx.file.findings() {
            if f.is_suppressed(ctx.policy.today) {
                s.suppressed += 1;
                continue;
            }
            if !gate::considered(f, &ctx.policy) {
                continue;
            }
            s.total += 1;
            *s.by_severity.entry(f.severity).or_default() += 1;
            *s.by_tool.entry(run.short_name().to_owned()).or_default().entry(f.severity).or_default() += 1;
            *s.by_category.entry(f.category).or_default() += 1;
        }
        s
    }
}

/// The considered findings, most severe first (stable within a severity: file order).
pub(crate) fn ranked<'a>(ctx: &'a RenderContext<'_>) -> Vec<(&'a Run, &'a Finding)> {
    let mut v: Vec<_> = ctx.file.findings().filter(|(_, f)| gate::considered(f, &ctx.policy)).collect();
    v.sort_by_key(|(_, f)| std::cmp::Reverse(f.severity));
    v
}

// Text helpers shared by the Markdown and HTML renderers (they return plain, unescaped text:
// each renderer escapes for its own format).

/// `s` on one line (whitespace runs collapsed) and at most `max` characters, with `…` when cut.
pub(crate) fn one_line(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    for (i, word) in s.split_whitespace().enumerate() {
        let sep = usize::from(i > 0);
        let len = word.chars().count();
        if n + sep + len > max {
            let room = max.saturating_sub(n + sep + 1);
            if sep == 1 && room > 0 {
                out.push(' ');
            }
            out.extend(word.chars().take(room));
            out.push('…');
            return out;
        }
        if sep == 1 {
            out.push(' ');
        }
        out.push_str(word);
        n += sep + len;
    }
    out
}

/// `torch 2.5.1 → 2.6.0` / `mlflow 2.9.2 (no fix yet)` for dependency findings.
pub(crate) fn package_text(f: &Finding) -> Option<String> {
    let p = f.package.as_ref()?;
    let mut s = p.name.clone();
    if let Some(v) = &p.version {
        s.push(' ');
        s.push_str(v);
    }
    match &p.fixed_version {
        Some(fixed) => {
            s.push_str(" → ");
            s.push_str(fixed);
        }
        None => s.push_str(" (no fix yet)"),
    }
    Some(s)
}

/// `0.1946 (allowed ≤ 0.1)` for metric findings.
pub(crate) fn measurement_text(f: &Finding) -> Option<String> {
    let m = f.measurement.as_ref()?;
    let value = m.value.map_or_else(|| "undefined".to_owned(), |v| v.to_string());
    let band = match (m.min, m.max) {
        (Some(lo), Some(hi)) => format!(" (allowed {lo} to {hi})"),
        (Some(lo), None) => format!(" (allowed ≥ {lo})"),
        (None, Some(hi)) => format!(" (allowed ≤ {hi})"),
        (None, None) => String::new(),
    };
    Some(format!("{}: {value}{band}", m.metric))
}

/// RFC 3339 (`2026-12-01T12:00:00Z`).
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| t.to_string())
}

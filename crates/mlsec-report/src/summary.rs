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

//! The gate: which findings count, and the exit code they lead to (DESIGN.md §3).

use std::collections::BTreeMap;

use crate::model::{BaselineState, Finding, FindingsFile};
use crate::severity::Severity;

/// What the gate counts and when it fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatePolicy {
    /// Findings at or above this fail the gate; `None` never fails on findings (report-only).
    pub fail_on: Option<Severity>,
    /// Count only findings that are new (or updated) against the baseline.
    pub new_only: bool,
    /// Tolerate up to this many findings at or above the threshold.
    pub max_findings: Option<u64>,
    /// The day suppression expiry is judged on.
    pub today: time::Date,
}

/// The gate's verdict, one of the three exit classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing at or above the threshold (exit 0).
    Pass,
    /// Findings at or above the threshold (exit 1).
    Fail,
    /// A tool could not do its job (exit 2): its findings cannot be trusted to be complete.
    ToolError,
}

impl Verdict {
    /// The process exit code.
    pub const fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
            Verdict::ToolError => 2,
        }
    }
}

/// Everything the summary needs.
#[derive(Debug, Clone, PartialEq)]
pub struct GateOutcome {
    /// The verdict.
    pub verdict: Verdict,
    /// Unsuppressed findings considered (after new-only), by severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// How many of them are at or above the threshold.
    pub at_or_above: usize,
    /// Findings with an effective suppression.
    pub suppressed: usize,
    /// Findings whose suppression has expired (counted again).
    pub expired_suppressions: usize,
    /// Findings left out by new-only (unchanged against the baseline) or absent.
    pub not_new: usize,
    /// `(tool, messages)` of runs that did not complete.
    pub tool_errors: Vec<(String, Vec<String>)>,
    /// `(run index, finding index)` of the counted findings at or above the threshold, most
    /// severe first.
    pub failing: Vec<(usize, usize)>,
}

/// Whether a finding is considered by the gate at all (not suppressed, not absent, new if asked).
pub fn considered(f: &Finding, policy: &GatePolicy) -> bool {
    !f.is_suppressed(policy.today)
        && f.baseline_state != Some(BaselineState::Absent)
        && (!policy.new_only || !matches!(f.baseline_state, Some(BaselineState::Unchanged)))
}

/// Evaluate the gate.
pub fn evaluate(file: &FindingsFile, policy: &GatePolicy) -> GateOutcome {
    let mut out = GateOutcome {
        verdict: Verdict::Pass,
        by_severity: BTreeMap::new(),
        at_or_above: 0,
        suppressed: 0,
        expired_suppressions: 0,
        not_new: 0,
        tool_errors: Vec::new(),
        failing: Vec::new(),
    };
    for (ri, run) in file.runs.iter().enumerate() {
        if !run.invocation.successful {
            let mut msgs = run.invocation.errors.clone();
            if msgs.is_empty() {
                msgs.push(format!(
                    "exit code {}",
                    run.invocation.exit_code.map_or("unknown".to_owned(), |c| c.to_string())
                ));
            }
            out.tool_errors.push((run.short_name().to_owned(), msgs));
        }
        for (fi, f) in run.findings.iter().enumerate() {
            if f.is_suppressed(policy.today) {
                out.suppressed += 1;
                continue;
            }
            if f.suppressions.iter().any(|s| s.is_expired(policy.today)) {
                out.expired_suppressions += 1;
            }
            if !considered(f, policy) {
                out.not_new += 1;
                continue;
            }
            *out.by_severity.entry(f.severity).or_default() += 1;
            if policy.fail_on.is_some_and(|t| f.severity >= t) {
                out.failing.push((ri, fi));
            }
        }
    }
    out.failing.sort_by_key(|&(r, f)| std::cmp::Reverse(file.runs[r].findings[f].severity));
    out.at_or_above = out.failing.len();
    let over_budget = match policy.max_findings {
        Some(n) => out.at_or_above as u64 > n,
        None => out.at_or_above > 0,
    };
    out.verdict = if !out.tool_errors.is_empty() {
        Verdict::ToolError
    } else if over_budget {
        Verdict::Fail
    } else {
        Verdict::Pass
    };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Run, Suppression};
    use time::macros::date;

    fn file(sevs: &[Severity]) -> FindingsFile {
        let mut r = Run::new("bandit-wrapper", "0", ".");
        r.findings = sevs.iter().map(|&s| Finding::new("R", Category::Sast, s, "m")).collect();
        FindingsFile { runs: vec![r] }
    }

    fn policy(fail_on: Option<Severity>) -> GatePolicy {
        GatePolicy { fail_on, new_only: false, max_findings: None, today: date!(2026 - 12 - 02) }
    }

    #[test]
    fn threshold_and_budget() {
        let f = file(&[Severity::Low, Severity::Unknown, Severity::High]);
        assert_eq!(evaluate(&f, &policy(Some(Severity::Critical))).verdict, Verdict::Pass);
        let o = evaluate(&f, &policy(Some(Severity::High)));
        assert_eq!((o.verdict, o.at_or_above), (Verdict::Fail, 1));
        // Unknown counts at `low`, not at `medium`.
        assert_eq!(evaluate(&f, &policy(Some(Severity::Low))).at_or_above, 3);
        assert_eq!(evaluate(&f, &policy(Some(Severity::Medium))).at_or_above, 1);
        let budget = GatePolicy { max_findings: Some(1), ..policy(Some(Severity::High)) };
        assert_eq!(evaluate(&f, &budget).verdict, Verdict::Pass);
        assert_eq!(evaluate(&f, &policy(None)).verdict, Verdict::Pass);
    }

    #[test]
    fn tool_errors_are_never_folded() {
        let mut f = file(&[]);
        f.runs[0].invocation.successful = false;
        f.runs[0].invocation.errors.push("bandit: 2 files failed to parse".into());
        let o = evaluate(&f, &policy(None));
        assert_eq!(o.verdict, Verdict::ToolError);
        assert_eq!(o.verdict.exit_code(), 2);
    }

    #[test]
    fn suppressed_expired_and_new_only() {
        let mut f = file(&[Severity::High, Severity::High, Severity::High]);
        let mut s = Suppression::external("mlsec.toml", Some("accepted risk".into()));
        f.runs[0].findings[0].suppressions.push(s.clone());
        s.expires = Some(date!(2026 - 11 - 30));
        f.runs[0].findings[1].suppressions.push(s);
        f.runs[0].findings[2].baseline_state = Some(BaselineState::Unchanged);
        let o = evaluate(&f, &GatePolicy { new_only: true, ..policy(Some(Severity::High)) });
        assert_eq!((o.suppressed, o.expired_suppressions, o.not_new, o.at_or_above), (1, 1, 1, 1));
        assert_eq!(o.verdict, Verdict::Fail);
    }
}

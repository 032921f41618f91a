//! What the renderers' tests share: the policy and options the snapshots are made with.

use mlsec_findings::Severity;
use mlsec_findings::gate::GatePolicy;
use time::macros::{date, datetime};

use crate::ReportOptions;

/// Fail on high, judged on 2026-12-02.
pub(crate) fn policy() -> GatePolicy {
    GatePolicy { fail_on: Some(Severity::High), new_only: false, max_findings: None, today: date!(2026 - 12 - 02) }
}

/// Fixed time and version, so snapshots do not change with the clock or a release.
pub(crate) fn options() -> ReportOptions {
    ReportOptions {
        generated_at: datetime!(2026-12-01 12:00 UTC),
        mlsec_version: "0.1.0".into(),
        ..ReportOptions::default()
    }
}

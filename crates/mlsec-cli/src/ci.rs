//! What every binary reads from the CI environment.

use crate::WithHint;

/// Today's date (UTC), used to judge suppression expiry. `MLSEC_TODAY=YYYY-MM-DD` pins it, for
/// reproducible reports and tests; an invalid value is an error, never silently ignored.
pub fn today() -> anyhow::Result<time::Date> {
    match std::env::var("MLSEC_TODAY") {
        Ok(s) if !s.is_empty() => mlsec_findings::sarif::parse_date(&s).ok_or_else(|| {
            anyhow::Error::new(WithHint::new(
                format!("MLSEC_TODAY={s:?} is not a YYYY-MM-DD date"),
                "unset MLSEC_TODAY or give a date like 2026-12-31",
            ))
        }),
        _ => Ok(time::OffsetDateTime::now_utc().date()),
    }
}

/// Whether this is a pull-request (GitHub) or merge-request (GitLab) pipeline, where a gate with a
/// baseline defaults to new findings only.
pub fn in_pull_request() -> bool {
    std::env::var("GITHUB_EVENT_NAME").is_ok_and(|e| e.starts_with("pull_request"))
        || std::env::var("CI_MERGE_REQUEST_IID").is_ok_and(|v| !v.is_empty())
}

//! `sbom`: CycloneDX 1.6 / SPDX 2.3 SBOMs with ML-BOM components (issue #5).
//!
//! This crate is a placeholder laid out by the foundation issue: the job itself lands with its own
//! issue. The binary exists so that packaging, docs and `mlsec scan` can name it today; it exits
//! with code 2 ("could not do its job") and says so, never pretending to have scanned anything.
#![deny(missing_docs)]

/// The issue that implements this tool.
pub const TRACKING_ISSUE: &str = "issue #5)";

/// What the placeholder binary says before it exits 2.
pub fn not_implemented_message() -> String {
    format!(
        "error: `sbom` is not implemented yet ({}\nhint: use `mlsec merge|gate|report|validate` on findings from other tools meanwhile",
        TRACKING_ISSUE
    )
}

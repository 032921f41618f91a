//! The mlsec findings contract: one [`Finding`] model, the SARIF 2.1.0 "mlsec profile v1" that
//! carries it between CI jobs, and the operations every mlsec tool shares on it.
//!
//! - [`severity`]: the severity/confidence scales and normalisation from Trivy, Bandit, gitleaks,
//!   CVSS and SARIF levels.
//! - [`model`]: [`FindingsFile`], [`Run`], [`Rule`], [`Finding`] and their parts.
//! - [`fingerprint`]: the versioned fingerprint recipes of DESIGN.md §4.5.
//! - [`redact`]: the one place that decides what of a snippet or message may be shown.
//! - [`sarif`]: lossless writer and reader of the profile, and import of foreign SARIF.
//! - [`profile`]: the validator behind `mlsec validate`.
//! - [`merge`], [`baseline`], [`suppress`], [`gate`]: what `mlsec merge|gate|report` do.
#![deny(missing_docs)]

/// Where the project lives; used for `helpUri` and `informationUri` links.
pub const PROJECT_URL: &str = "https://github.com/mlsec-dev/mlsec";

pub mod baseline;
pub mod error;
pub mod fingerprint;
pub mod gate;
pub mod merge;
pub mod model;
pub mod profile;
pub mod redact;
pub mod sample;
pub mod sarif;
pub mod severity;
pub mod suppress;

pub use error::FindingsError;
pub use model::{
    BaselineState, Category, Engine, Finding, FindingsFile, Invocation, Location, LogicalLocation, Measurement,
    Package, Rule, Run, Suppression, SuppressionKind, SuppressionStatus, Tool, Vulnerability,
};
pub use severity::{Confidence, Severity};

//! The serde model of `mlsec.toml` as written, before validation.
//!
//! Spans are kept where validation needs to point at a line after deserialization succeeded.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use crate::FailOn;

/// A whole `mlsec.toml` / `.mlsec.toml`, or the `[tool.mlsec]` table of a `pyproject.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawConfig {
    pub(super) fail_on: Option<FailOn>,
    pub(super) new_only: Option<bool>,
    pub(super) max_findings: Option<u64>,
    pub(super) baseline: Option<PathBuf>,
    #[serde(default)]
    pub(super) report: RawReport,
    #[serde(default)]
    pub(super) suppress: Vec<Spanned<RawSuppress>>,
    pub(super) secret_scan: Option<toml::Table>,
    pub(super) sbom: Option<toml::Table>,
    pub(super) trivy: Option<toml::Table>,
    pub(super) bandit: Option<toml::Table>,
    pub(super) fairness: Option<toml::Table>,
    pub(super) model_sign: Option<toml::Table>,
    pub(super) model_scan: Option<toml::Table>,
}

/// `[report]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawReport {
    pub(super) markdown_max_chars: Option<Spanned<u64>>,
    pub(super) annotations_per_level: Option<Spanned<u64>>,
    pub(super) top_findings: Option<u64>,
    pub(super) html_title: Option<String>,
}

/// One `[[suppress]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawSuppress {
    pub(super) rule: Option<String>,
    pub(super) fingerprint: Option<String>,
    pub(super) path: Option<Spanned<String>>,
    pub(super) reason: Spanned<String>,
    /// A TOML local date (`2025-06-30`) or a string (`"2025-06-30"`).
    pub(super) expires: Option<Spanned<toml::Value>>,
}

/// A `pyproject.toml`: everything but `[tool.mlsec]` is ignored.
#[derive(Debug, Deserialize)]
pub(super) struct RawPyProject {
    pub(super) tool: Option<RawTool>,
}

/// The `[tool]` table of a `pyproject.toml`.
#[derive(Debug, Deserialize)]
pub(super) struct RawTool {
    pub(super) mlsec: Option<RawConfig>,
}

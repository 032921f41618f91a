//! Trivy's JSON report (`--format json`, SchemaVersion 2), read defensively: nearly every field is
//! optional and the shape drifts within SchemaVersion 2 (v0.50: no `Trivy`, misconfiguration
//! `ID: DS002` + `AVDID`; v0.69+: `Trivy.Version`, `ID: DS-0002`, `Fingerprint`, `AnalyzedBy`).
//! Unknown fields are ignored; `null` is read as absent.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

/// `null` or absent -> default.
fn nullable<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The report.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Report {
    /// Must be 2.
    #[serde(default)]
    pub schema_version: Option<u32>,
    /// What was scanned.
    #[serde(default, deserialize_with = "nullable")]
    pub artifact_name: String,
    /// `container_image`, `repository`, `filesystem`, ...
    #[serde(default, deserialize_with = "nullable")]
    pub artifact_type: String,
    /// Absent on a report without findings in some versions: `None` is distinguished.
    #[serde(default)]
    pub results: Option<Vec<TrivyResult>>,
    /// `Trivy.Version` (v0.69+).
    #[serde(default)]
    pub trivy: Option<TrivyInfo>,
    /// Image metadata (digests).
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
}

/// `Trivy`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrivyInfo {
    /// Version.
    #[serde(default)]
    pub version: Option<String>,
}

/// One `Results[]` entry (a lockfile, an OS, a config file, a secret-bearing file).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrivyResult {
    /// Path or description.
    #[serde(default, deserialize_with = "nullable")]
    pub target: String,
    /// `os-pkgs`, `lang-pkgs`, `config`, `secret`, `license`, `license-file`.
    #[serde(default, deserialize_with = "nullable")]
    pub class: String,
    /// `pip`, `alpine`, `dockerfile`, ...
    #[serde(default, deserialize_with = "nullable")]
    pub r#type: String,
    /// Packages (for lockfile lines).
    #[serde(default, deserialize_with = "nullable")]
    pub packages: Vec<Package>,
    /// Vulnerabilities.
    #[serde(default, deserialize_with = "nullable")]
    pub vulnerabilities: Vec<Vuln>,
    /// Misconfigurations.
    #[serde(default, deserialize_with = "nullable")]
    pub misconfigurations: Vec<Misconf>,
    /// Secrets.
    #[serde(default, deserialize_with = "nullable")]
    pub secrets: Vec<Secret>,
    /// Licenses.
    #[serde(default, deserialize_with = "nullable")]
    pub licenses: Vec<License>,
    /// Findings that a VEX document (or, with `--show-suppressed`, an ignore file) suppressed.
    #[serde(default, rename = "ExperimentalModifiedFindings", deserialize_with = "nullable")]
    pub modified_findings: Vec<ModifiedFinding>,
}

/// `ExperimentalModifiedFindings[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifiedFinding {
    /// `vulnerability`, `misconfiguration`, `secret`, `license`.
    #[serde(default, deserialize_with = "nullable")]
    pub r#type: String,
    /// `not_affected`, `fixed`, `ignored`, ...
    #[serde(default)]
    pub status: Option<String>,
    /// The VEX statement (justification).
    #[serde(default)]
    pub statement: Option<String>,
    /// Where the suppression came from (`CycloneDX VEX`, `OpenVEX`, `.trivyignore.yaml`, ...).
    #[serde(default)]
    pub source: Option<String>,
    /// The finding itself, in the shape of its type (a `Vulnerabilities[]` entry for vulnerabilities).
    #[serde(default)]
    pub finding: Option<serde_json::Value>,
}

/// `PkgIdentifier` / `Identifier`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PkgIdentifier {
    /// Package URL.
    #[serde(default, rename = "PURL")]
    pub purl: Option<String>,
    /// Trivy's package uid.
    #[serde(default, rename = "UID")]
    pub uid: Option<String>,
}

/// A line range in a lockfile.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PkgLocation {
    /// First line.
    #[serde(default)]
    pub start_line: Option<u32>,
    /// Last line.
    #[serde(default)]
    pub end_line: Option<u32>,
}

/// `Packages[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Package {
    /// Name.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// Version.
    #[serde(default, deserialize_with = "nullable")]
    pub version: String,
    /// Identifier.
    #[serde(default)]
    pub identifier: Option<PkgIdentifier>,
    /// Lines in the lockfile.
    #[serde(default, deserialize_with = "nullable")]
    pub locations: Vec<PkgLocation>,
}

/// One vendor's CVSS.
#[derive(Debug, Default, Deserialize)]
pub struct Cvss {
    /// CVSS v3 base score.
    #[serde(default, rename = "V3Score")]
    pub v3_score: Option<f64>,
    /// CVSS v3 vector.
    #[serde(default, rename = "V3Vector")]
    pub v3_vector: Option<String>,
    /// CVSS v4 score (newer Trivy).
    #[serde(default, rename = "V40Score")]
    pub v40_score: Option<f64>,
}

/// `Vulnerabilities[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Vuln {
    /// CVE/GHSA id.
    #[serde(default, rename = "VulnerabilityID", deserialize_with = "nullable")]
    pub vulnerability_id: String,
    /// Package name.
    #[serde(default, deserialize_with = "nullable")]
    pub pkg_name: String,
    /// Package identifier.
    #[serde(default)]
    pub pkg_identifier: Option<PkgIdentifier>,
    /// Installed version.
    #[serde(default, deserialize_with = "nullable")]
    pub installed_version: String,
    /// Where the package is inside the artifact (a jar, a `site-packages` dir), when Trivy says.
    #[serde(default)]
    pub pkg_path: Option<String>,
    /// Fixed version(s).
    #[serde(default)]
    pub fixed_version: Option<String>,
    /// `fixed`, `affected`, `will_not_fix`, `fix_deferred`, `end_of_life`, ...
    #[serde(default)]
    pub status: Option<String>,
    /// Where the severity comes from.
    #[serde(default)]
    pub severity_source: Option<String>,
    /// Advisory page.
    #[serde(default, rename = "PrimaryURL")]
    pub primary_url: Option<String>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// CRITICAL/HIGH/MEDIUM/LOW/UNKNOWN.
    #[serde(default, deserialize_with = "nullable")]
    pub severity: String,
    /// CWEs.
    #[serde(default, rename = "CweIDs", deserialize_with = "nullable")]
    pub cwe_ids: Vec<String>,
    /// CVSS by vendor.
    #[serde(default, rename = "CVSS", deserialize_with = "nullable")]
    pub cvss: BTreeMap<String, Cvss>,
    /// References.
    #[serde(default, deserialize_with = "nullable")]
    pub references: Vec<String>,
}

/// `CauseMetadata`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Cause {
    /// Resource.
    #[serde(default)]
    pub resource: Option<String>,
    /// First line.
    #[serde(default)]
    pub start_line: Option<u32>,
    /// Last line.
    #[serde(default)]
    pub end_line: Option<u32>,
}

/// `Misconfigurations[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Misconf {
    /// `DS-0002` (v0.69+) or `DS002` (v0.50).
    #[serde(default, rename = "ID", deserialize_with = "nullable")]
    pub id: String,
    /// `AVD-DS-0002` (v0.50).
    #[serde(default, rename = "AVDID")]
    pub avd_id: Option<String>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Message.
    #[serde(default)]
    pub message: Option<String>,
    /// Resolution.
    #[serde(default)]
    pub resolution: Option<String>,
    /// Severity.
    #[serde(default, deserialize_with = "nullable")]
    pub severity: String,
    /// Link.
    #[serde(default, rename = "PrimaryURL")]
    pub primary_url: Option<String>,
    /// `FAIL`, `PASS`, `EXCEPTION`.
    #[serde(default)]
    pub status: Option<String>,
    /// Where.
    #[serde(default)]
    pub cause_metadata: Option<Cause>,
}

/// `Secrets[]`. `Match` and `Code` hold the line with the secret (Trivy masks it, but the
/// wrapper never relies on that: they are redacted again and never copied raw).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Secret {
    /// Rule id.
    #[serde(default, rename = "RuleID", deserialize_with = "nullable")]
    pub rule_id: String,
    /// Category (AWS, GitHub, ...).
    #[serde(default)]
    pub category: Option<String>,
    /// Severity.
    #[serde(default, deserialize_with = "nullable")]
    pub severity: String,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// First line.
    #[serde(default)]
    pub start_line: Option<u32>,
    /// Last line.
    #[serde(default)]
    pub end_line: Option<u32>,
    /// The matching line.
    #[serde(default, rename = "Match")]
    pub matched: Option<String>,
}

/// `Licenses[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct License {
    /// Severity.
    #[serde(default, deserialize_with = "nullable")]
    pub severity: String,
    /// `forbidden`, `restricted`, `reciprocal`, ...
    #[serde(default)]
    pub category: Option<String>,
    /// Package.
    #[serde(default)]
    pub pkg_name: Option<String>,
    /// File (license-file class).
    #[serde(default)]
    pub file_path: Option<String>,
    /// SPDX id.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// Link.
    #[serde(default)]
    pub link: Option<String>,
}

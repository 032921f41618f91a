//! Trivy's JSON report (`--format json`, SchemaVersion 2), read defensively: nearly every field is
//! optional and the shape drifts within SchemaVersion 2 (v0.50: no `Trivy`, misconfiguration
//! `ID: DS002` + `AVDID`; v0.69+: `Trivy.Version`, `ID: DS-0002`, `Fingerprint`, `AnalyzedBy`).
//! Unknown fields are ignored; `null` is read as absent.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};

/// A string of the report, borrowed from its bytes when it has no escapes (nearly all do), owned
/// otherwise. A 5,000-vulnerability report has about 100,000 strings; copying each into its own
/// allocation was a visible part of the wrapper's time. (serde's `#[serde(borrow)]` borrows a
/// `Cow<str>` field only when it is not wrapped in `Option` or read with `deserialize_with`.)
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Str<'a>(pub Cow<'a, str>);

impl Str<'_> {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Str<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Str<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Str<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E>(self, v: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// `null` or absent -> default.
fn nullable<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `CVSS` (an object keyed by vendor, or `null`) as a list: a map of two or three entries per
/// vulnerability does not need a B-tree node (about 1 kB) of its own.
fn vendor_list<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Vec<(Str<'a>, Cvss<'a>)>, D::Error> {
    struct V<'a>(std::marker::PhantomData<&'a ()>);
    impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
        type Value = Vec<(Str<'a>, Cvss<'a>)>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of CVSS scores by vendor")
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(m.size_hint().unwrap_or(2));
            while let Some(entry) = m.next_entry()? {
                out.push(entry);
            }
            Ok(out)
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

/// The report.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Report<'a> {
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
    #[serde(default, borrow)]
    pub results: Option<Vec<TrivyResult<'a>>>,
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
pub struct TrivyResult<'a> {
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
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub packages: Vec<Package<'a>>,
    /// Vulnerabilities.
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub vulnerabilities: Vec<Vuln<'a>>,
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
pub struct PkgIdentifier<'a> {
    /// Package URL.
    #[serde(default, borrow, rename = "PURL")]
    pub purl: Option<Str<'a>>,
    /// Trivy's package uid.
    #[serde(default, borrow, rename = "UID")]
    pub uid: Option<Str<'a>>,
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
pub struct Package<'a> {
    /// Name.
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub name: Str<'a>,
    /// Version.
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub version: Str<'a>,
    /// Identifier.
    #[serde(default, borrow)]
    pub identifier: Option<PkgIdentifier<'a>>,
    /// Lines in the lockfile.
    #[serde(default, deserialize_with = "nullable")]
    pub locations: Vec<PkgLocation>,
}

/// One vendor's CVSS.
#[derive(Debug, Default, Deserialize)]
pub struct Cvss<'a> {
    /// CVSS v3 base score.
    #[serde(default, rename = "V3Score")]
    pub v3_score: Option<f64>,
    /// CVSS v3 vector.
    #[serde(default, borrow, rename = "V3Vector")]
    pub v3_vector: Option<Str<'a>>,
    /// CVSS v4 score (newer Trivy).
    #[serde(default, rename = "V40Score")]
    pub v40_score: Option<f64>,
}

/// `Vulnerabilities[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Vuln<'a> {
    /// CVE/GHSA id.
    #[serde(default, borrow, rename = "VulnerabilityID", deserialize_with = "nullable")]
    pub vulnerability_id: Str<'a>,
    /// Package name.
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub pkg_name: Str<'a>,
    /// Package identifier.
    #[serde(default, borrow)]
    pub pkg_identifier: Option<PkgIdentifier<'a>>,
    /// Installed version.
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub installed_version: Str<'a>,
    /// Where the package is inside the artifact (a jar, a `site-packages` dir), when Trivy says.
    #[serde(default, borrow)]
    pub pkg_path: Option<Str<'a>>,
    /// Fixed version(s).
    #[serde(default, borrow)]
    pub fixed_version: Option<Str<'a>>,
    /// `fixed`, `affected`, `will_not_fix`, `fix_deferred`, `end_of_life`, ...
    #[serde(default, borrow)]
    pub status: Option<Str<'a>>,
    /// Where the severity comes from.
    #[serde(default, borrow)]
    pub severity_source: Option<Str<'a>>,
    /// Advisory page.
    #[serde(default, borrow, rename = "PrimaryURL")]
    pub primary_url: Option<Str<'a>>,
    /// Title.
    #[serde(default, borrow)]
    pub title: Option<Str<'a>>,
    /// Description.
    #[serde(default, borrow)]
    pub description: Option<Str<'a>>,
    /// CRITICAL/HIGH/MEDIUM/LOW/UNKNOWN.
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub severity: Str<'a>,
    /// CWEs.
    #[serde(default, borrow, rename = "CweIDs", deserialize_with = "nullable")]
    pub cwe_ids: Vec<Str<'a>>,
    /// CVSS by vendor.
    #[serde(default, borrow, rename = "CVSS", deserialize_with = "vendor_list")]
    pub cvss: Vec<(Str<'a>, Cvss<'a>)>,
    /// References.
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub references: Vec<Str<'a>>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_borrow_when_they_can_and_escapes_still_decode() {
        let json = br#"{"VulnerabilityID": "CVE-1", "Title": "a \"quoted\" \u00e9 title", "PkgName": null,
                        "CweIDs": ["CWE-1"], "References": null, "Unknown": {"x": 1}}"#;
        let v: Vuln<'_> = serde_json::from_slice(json).unwrap();
        assert!(matches!(v.vulnerability_id.0, Cow::Borrowed("CVE-1")));
        assert_eq!(v.title.as_deref(), Some("a \"quoted\" é title"));
        assert!(matches!(v.title.as_ref().map(|t| &t.0), Some(Cow::Owned(_))));
        assert_eq!(v.pkg_name.as_str(), "");
        assert_eq!(v.cwe_ids, [Str(Cow::Borrowed("CWE-1"))]);
        assert!(v.references.is_empty());
        // From a parsed value (ExperimentalModifiedFindings) too.
        let value: serde_json::Value = serde_json::from_slice(json).unwrap();
        let v = Vuln::deserialize(&value).unwrap();
        assert_eq!(v.vulnerability_id.as_str(), "CVE-1");
        assert!(serde_json::from_slice::<Vuln<'_>>(br#"{"VulnerabilityID": 3}"#).is_err());
        // CVSS: an object by vendor (kept in the report's order), `null`, or absent.
        let v: Vuln<'_> = serde_json::from_slice(
            br#"{"CVSS": {"nvd": {"V3Score": 5.5, "V2Score": 4}, "ghsa": {"V3Vector": "CVSS:3.1/AV:N", "V3Score": 7.5}}}"#,
        )
        .unwrap();
        let vendors: Vec<(&str, Option<f64>)> = v.cvss.iter().map(|(k, c)| (k.as_str(), c.v3_score)).collect();
        assert_eq!(vendors, [("nvd", Some(5.5)), ("ghsa", Some(7.5))]);
        assert_eq!(v.cvss[1].1.v3_vector.as_deref(), Some("CVSS:3.1/AV:N"));
        assert!(serde_json::from_slice::<Vuln<'_>>(br#"{"CVSS": null}"#).unwrap().cvss.is_empty());
        assert!(serde_json::from_slice::<Vuln<'_>>(br#"{"CVSS": [1]}"#).is_err());
    }
}

//! The in-memory findings model. Every tool builds these; the SARIF profile is their wire format
//! ([`crate::sarif`]), and the mapping is lossless in both directions.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::severity::{Confidence, ParseScaleError, Severity};

/// What kind of problem a finding is. Carried in rule tags and in `mlsec/category`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// A leaked credential.
    Secret,
    /// A static-analysis finding in source code.
    Sast,
    /// A known vulnerability in a dependency or image.
    Vulnerability,
    /// An insecure configuration (IaC, Dockerfile, CI file).
    Misconfiguration,
    /// A license policy finding.
    License,
    /// Something an SBOM reveals (unpinned requirement, missing license).
    Sbom,
    /// A fairness metric past its threshold.
    Fairness,
    /// A signature or provenance failure.
    Provenance,
    /// An unsafe or malformed serialized model.
    Model,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 9] = [
        Category::Secret,
        Category::Sast,
        Category::Vulnerability,
        Category::Misconfiguration,
        Category::License,
        Category::Sbom,
        Category::Fairness,
        Category::Provenance,
        Category::Model,
    ];

    /// The profile's spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::Secret => "secret",
            Category::Sast => "sast",
            Category::Vulnerability => "vulnerability",
            Category::Misconfiguration => "misconfiguration",
            Category::License => "license",
            Category::Sbom => "sbom",
            Category::Fairness => "fairness",
            Category::Provenance => "provenance",
            Category::Model => "model",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = ParseScaleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL.into_iter().find(|c| c.as_str().eq_ignore_ascii_case(s.trim())).ok_or_else(|| {
            ParseScaleError::new(
                "category",
                s,
                "secret, sast, vulnerability, misconfiguration, license, sbom, fairness, provenance, model",
            )
        })
    }
}

/// A findings file: one SARIF log with one run per tool invocation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindingsFile {
    /// The runs, in file order.
    pub runs: Vec<Run>,
}

impl FindingsFile {
    /// All findings of all runs with the run they belong to.
    pub fn findings(&self) -> impl Iterator<Item = (&Run, &Finding)> {
        self.runs.iter().flat_map(|r| r.findings.iter().map(move |f| (r, f)))
    }

    /// Number of findings over all runs.
    pub fn len(&self) -> usize {
        self.runs.iter().map(|r| r.findings.len()).sum()
    }

    /// Whether there are no findings at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One tool invocation and what it found.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The mlsec tool (`mlsec-secret-scan`, ...), or the foreign tool for imported SARIF.
    pub tool: Tool,
    /// Wrapped engines (trivy, bandit) with their versions and DB dates.
    pub engines: Vec<Engine>,
    /// `automationDetails.id`, `mlsec/<tool>/<target>/`: unique per file (GitHub's category).
    pub automation_id: String,
    /// Whether the tool did its job, kept apart from what it found.
    pub invocation: Invocation,
    /// `originalUriBaseIds.SRCROOT`, when the tool knew the checkout root as a URI.
    pub srcroot: Option<String>,
    /// The rules that findings refer to.
    pub rules: Vec<Rule>,
    /// The findings.
    pub findings: Vec<Finding>,
    /// Whether this run was written under the mlsec profile (false for imported foreign SARIF).
    pub mlsec_profile: bool,
}

impl Run {
    /// A run of an mlsec tool (`tool` without the `mlsec-` prefix) on `target`.
    pub fn new(tool: &str, version: &str, target: &str) -> Run {
        Run {
            tool: Tool {
                name: format!("mlsec-{tool}"),
                version: Some(version.to_owned()),
                information_uri: Some(format!("{}/blob/main/docs/{tool}.md", crate::PROJECT_URL)),
            },
            engines: Vec::new(),
            automation_id: automation_id(tool, target),
            invocation: Invocation::default(),
            srcroot: None,
            rules: Vec::new(),
            findings: Vec::new(),
            mlsec_profile: true,
        }
    }

    /// The tool's short name: `secret-scan` for `mlsec-secret-scan`, the driver name otherwise.
    pub fn short_name(&self) -> &str {
        self.tool.name.strip_prefix("mlsec-").unwrap_or(&self.tool.name)
    }

    /// The rule with this id, if declared.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// `mlsec/<tool>/<target>/` with the target made path-like and stable.
pub fn automation_id(tool: &str, target: &str) -> String {
    let t = target.trim().trim_start_matches("./").trim_matches('/');
    let t = if t.is_empty() || t == "." { "." } else { t };
    format!("mlsec/{tool}/{t}/")
}

/// The tool that produced a run (`tool.driver`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tool {
    /// `mlsec-<tool>` for our tools.
    pub name: String,
    /// Tool version.
    pub version: Option<String>,
    /// Where to read about the tool.
    pub information_uri: Option<String>,
}

/// A wrapped engine (`tool.extensions[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engine {
    /// Engine name (`trivy`, `bandit`).
    pub name: String,
    /// Engine version.
    pub version: Option<String>,
    /// Extra facts (`db-updated-at`, ...), kept as strings.
    pub properties: BTreeMap<String, String>,
}

/// Whether the tool did its job (`invocations[0]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// False when the tool could not do its job (the gate then exits 2).
    pub successful: bool,
    /// The tool's exit code, when known.
    pub exit_code: Option<i32>,
    /// Tool errors (`toolExecutionNotifications` at level error).
    pub errors: Vec<String>,
    /// Tool warnings (level warning): skipped files, missing blobs.
    pub warnings: Vec<String>,
}

impl Default for Invocation {
    fn default() -> Self {
        Invocation { successful: true, exit_code: Some(0), errors: Vec::new(), warnings: Vec::new() }
    }
}

/// A rule (`tool.driver.rules[]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Stable id, used as SARIF `ruleId` and the GitLab primary identifier.
    pub id: String,
    /// Human name (PascalCase or kebab in SARIF terms).
    pub name: Option<String>,
    /// One line.
    pub short_description: String,
    /// Longer text.
    pub full_description: Option<String>,
    /// Link to the rule's documentation.
    pub help_uri: Option<String>,
    /// Help in Markdown (what it means, how to fix).
    pub help_markdown: Option<String>,
    /// The category (first tag in SARIF).
    pub category: Category,
    /// Further tags (CWE ids, `ml`, ...).
    pub tags: Vec<String>,
    /// Severity the rule has unless a finding says otherwise.
    pub default_severity: Option<Severity>,
}

impl Rule {
    /// A rule with the required parts.
    pub fn new(id: impl Into<String>, category: Category, short_description: impl Into<String>) -> Rule {
        Rule {
            id: id.into(),
            name: None,
            short_description: short_description.into(),
            full_description: None,
            help_uri: None,
            help_markdown: None,
            category,
            tags: Vec::new(),
            default_severity: None,
        }
    }
}

/// One finding (`result`).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The rule that fired.
    pub rule_id: String,
    /// Its category.
    pub category: Category,
    /// Normalised severity.
    pub severity: Severity,
    /// How sure the tool is.
    pub confidence: Confidence,
    /// CVSS base score when known (`security-severity`); else the severity's default is written.
    pub cvss_score: Option<f64>,
    /// What is wrong, in one or two sentences. Never contains a secret value.
    pub message: String,
    /// Where. The first is the primary location.
    pub locations: Vec<Location>,
    /// The affected package, for dependency findings.
    pub package: Option<Package>,
    /// The vulnerability, for advisory findings.
    pub vulnerability: Option<Vulnerability>,
    /// A measured value, for metric findings (fairness).
    pub measurement: Option<Measurement>,
    /// Namespaced, versioned fingerprints (`mlsec/code/v1`, ...). Always set by our tools.
    pub fingerprints: BTreeMap<String, String>,
    /// Suppressions (inline ignores, ignore files, baseline, allowlists); kept, not counted.
    pub suppressions: Vec<Suppression>,
    /// Relation to a baseline, when one was given.
    pub baseline_state: Option<BaselineState>,
    /// The tools that reported this finding (more than one after a cross-tool dedupe).
    pub reported_by: Vec<String>,
    /// Free tags (`ml`, `cwe-502`, ...).
    pub tags: Vec<String>,
    /// Other result properties, preserved as they are.
    pub properties: BTreeMap<String, serde_json::Value>,
}

impl Finding {
    /// A finding with the required parts; everything else empty.
    pub fn new(
        rule_id: impl Into<String>,
        category: Category,
        severity: Severity,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule_id: rule_id.into(),
            category,
            severity,
            confidence: Confidence::Unknown,
            cvss_score: None,
            message: message.into(),
            locations: Vec::new(),
            package: None,
            vulnerability: None,
            measurement: None,
            fingerprints: BTreeMap::new(),
            suppressions: Vec::new(),
            baseline_state: None,
            reported_by: Vec::new(),
            tags: Vec::new(),
            properties: BTreeMap::new(),
        }
    }

    /// The primary location, if any.
    pub fn primary_location(&self) -> Option<&Location> {
        self.locations.first()
    }

    /// The `security-severity` score: CVSS when known, else the severity's default.
    pub fn security_severity(&self) -> f64 {
        self.cvss_score.unwrap_or_else(|| self.severity.default_score())
    }

    /// The primary fingerprint: the first `mlsec/*` key, else any key, as `(key, value)`.
    pub fn primary_fingerprint(&self) -> Option<(&str, &str)> {
        self.fingerprints
            .iter()
            .find(|(k, _)| k.starts_with("mlsec/"))
            .or_else(|| {
                self.fingerprints.iter().find(|(k, _)| k.as_str() != crate::fingerprint::PRIMARY_LOCATION_LINE_HASH)
            })
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether an effective (accepted, unexpired on `today`) suppression applies.
    pub fn is_suppressed(&self, today: time::Date) -> bool {
        self.suppressions.iter().any(|s| s.is_effective(today))
    }

    /// The identifier humans know this by: the advisory id, else the rule id.
    pub fn display_id(&self) -> &str {
        self.vulnerability.as_ref().map_or(self.rule_id.as_str(), |v| v.id.as_str())
    }
}

/// A place (`locations[]`): a file region, or an artifact with a logical name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// Repo-relative path (forward slashes) when `uri_base` is `SRCROOT`; else an artifact URI
    /// (`pkg:pypi/torch@2.1.0`, `oci://...`).
    pub uri: String,
    /// `SRCROOT` for files of the repository; `None` for artifact URIs.
    pub uri_base: Option<String>,
    /// 1-based start line.
    pub start_line: Option<u32>,
    /// 1-based start column.
    pub start_column: Option<u32>,
    /// 1-based end line.
    pub end_line: Option<u32>,
    /// 1-based end column (exclusive, as SARIF).
    pub end_column: Option<u32>,
    /// 0-based byte offset in the file (`region.byteOffset`), for binary artifacts such as
    /// serialized models.
    pub byte_offset: Option<u64>,
    /// A short excerpt; always redacted before it is written anywhere.
    pub snippet: Option<String>,
    /// Logical locations (package, image, model group).
    pub logical: Vec<LogicalLocation>,
}

impl Location {
    /// A repository file location.
    pub fn file(path: impl Into<String>, start_line: Option<u32>) -> Location {
        Location {
            uri: normalise_path(&path.into()),
            uri_base: Some(crate::sarif::SRCROOT.to_owned()),
            start_line,
            ..Location::default()
        }
    }

    /// A non-file artifact (purl, image reference, model URI) with a logical location.
    pub fn artifact(uri: impl Into<String>, logical_kind: &str) -> Location {
        let uri = uri.into();
        Location {
            logical: vec![LogicalLocation { name: uri.clone(), kind: Some(logical_kind.to_owned()) }],
            uri,
            ..Location::default()
        }
    }

    /// A local file named as the user gave it (a model path on the command line): a repository file
    /// location when `path` is relative without climbing out (`../x`) or, resolved, under the
    /// working directory; else an absolute, percent-encoded `file://` artifact of `logical_kind`.
    pub fn local_file(path: &str, logical_kind: &str) -> Location {
        let p = std::path::Path::new(path);
        let climbs = p.components().any(|c| matches!(c, std::path::Component::ParentDir));
        if p.is_relative() && !climbs {
            return Location::file(path, None);
        }
        let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let normalised = lexical(&abs);
        if let Some(rel) =
            std::env::current_dir().ok().and_then(|cwd| normalised.strip_prefix(cwd).ok().map(|r| r.to_owned()))
        {
            return Location::file(rel.to_string_lossy(), None);
        }
        // Hand-written percent-encoding: a few lines, no URL crate for one use.
        let mut uri = String::from("file://");
        for b in normalised.to_string_lossy().bytes() {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                uri.push(char::from(b));
            } else {
                uri.push_str(&format!("%{b:02X}"));
            }
        }
        Location::artifact(uri, logical_kind)
    }

    /// Whether any region field (lines, columns, byte offset, snippet) is set: SARIF then gets a
    /// `region`.
    pub fn has_region(&self) -> bool {
        self.start_line.is_some()
            || self.start_column.is_some()
            || self.end_line.is_some()
            || self.end_column.is_some()
            || self.byte_offset.is_some()
            || self.snippet.is_some()
    }

    /// Whether this is a file of the repository.
    pub fn is_repo_file(&self) -> bool {
        self.uri_base.as_deref() == Some(crate::sarif::SRCROOT)
    }

    /// `path:line` for humans.
    pub fn display(&self) -> String {
        match self.start_line {
            Some(l) => format!("{}:{l}", self.uri),
            None => self.uri.clone(),
        }
    }
}

/// `path` without `.` and `..` components, resolved lexically (no file system access: the file may
/// be gone, and a symlink keeps the name it was given).
pub fn lexical(path: &std::path::Path) -> std::path::PathBuf {
    path.components().fold(std::path::PathBuf::new(), |mut acc, c| {
        match c {
            std::path::Component::ParentDir => {
                acc.pop();
            }
            std::path::Component::CurDir => {}
            other => acc.push(other),
        }
        acc
    })
}

/// Repo-relative, forward slashes, no leading `./`.
pub fn normalise_path(p: &str) -> String {
    let s = p.replace('\\', "/");
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_owned()
}

/// A logical location (`logicalLocations[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalLocation {
    /// Fully qualified name.
    pub name: String,
    /// `package`, `image`, `model`, `group`, ...
    pub kind: Option<String>,
}

/// The package a dependency finding is about (`mlsec/package`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Package {
    /// Name as the ecosystem spells it.
    pub name: String,
    /// Installed version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Package URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Ecosystem (`pypi`, `cargo`, `npm`, `alpine`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
    /// First version that fixes the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    /// The manifest or lockfile that pins it (repo-relative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
}

/// The vulnerability a finding is about (`mlsec/vulnerability`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Vulnerability {
    /// Canonical advisory id (CVE, GHSA, PYSEC...).
    pub id: String,
    /// Other ids of the same advisory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// CVSS vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_vector: Option<String>,
    /// CWE ids (`CWE-79`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwes: Vec<String>,
    /// Reference links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Title of the advisory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A measured value against a threshold (`mlsec/measurement`), for metric gates.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Measurement {
    /// Metric name (`demographic_parity_difference`).
    pub metric: String,
    /// The value; `None` when undefined (reported, never a silent 0).
    #[serde(default)]
    pub value: Option<f64>,
    /// Lower bound of the accepted band.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Upper bound of the accepted band.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The grouping (`sex`, `sex,race`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grouping: Option<String>,
    /// The groups behind the value (the pair for a difference).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// A suppression kept in the file (`suppressions[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// In the source (`# nosec`, `gitleaks:allow`) or external (ignore file, baseline, config).
    pub kind: SuppressionKind,
    /// Accepted suppressions suppress; under review and rejected ones do not.
    pub status: SuppressionStatus,
    /// Why.
    pub justification: Option<String>,
    /// The day the suppression stops applying (exclusive, UTC): it suppresses up to the day
    /// before, like Trivy's `exp:` and the `expires` of `mlsec.toml`.
    pub expires: Option<time::Date>,
    /// Where it came from (`mlsec.toml`, `.trivyignore`, `nosec`, `baseline`).
    pub source: Option<String>,
}

impl Suppression {
    /// An accepted external suppression from `source`.
    pub fn external(source: &str, justification: Option<String>) -> Suppression {
        Suppression {
            kind: SuppressionKind::External,
            status: SuppressionStatus::Accepted,
            justification,
            expires: None,
            source: Some(source.to_owned()),
        }
    }

    /// Whether this suppression applies on `today`.
    pub fn is_effective(&self, today: time::Date) -> bool {
        self.status == SuppressionStatus::Accepted && self.expires.is_none_or(|d| today < d)
    }

    /// Whether it has an expiry that has passed on `today`.
    pub fn is_expired(&self, today: time::Date) -> bool {
        self.expires.is_some_and(|d| today >= d)
    }
}

/// SARIF suppression kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionKind {
    /// In the source code.
    InSource,
    /// Outside the source (ignore file, config, baseline).
    External,
}

impl SuppressionKind {
    /// SARIF spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::InSource => "inSource",
            SuppressionKind::External => "external",
        }
    }
}

/// SARIF suppression status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionStatus {
    /// In force.
    Accepted,
    /// Proposed, not in force.
    UnderReview,
    /// Refused, not in force.
    Rejected,
}

impl SuppressionStatus {
    /// SARIF spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            SuppressionStatus::Accepted => "accepted",
            SuppressionStatus::UnderReview => "underReview",
            SuppressionStatus::Rejected => "rejected",
        }
    }
}

/// `baselineState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaselineState {
    /// Not in the baseline.
    New,
    /// In the baseline, unchanged.
    Unchanged,
    /// In the baseline, changed (e.g. severity).
    Updated,
    /// In the baseline, gone now.
    Absent,
}

impl BaselineState {
    /// SARIF spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
            BaselineState::Updated => "updated",
            BaselineState::Absent => "absent",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_files_are_repo_relative_when_they_can_be() {
        let rel = Location::local_file("./models/a.bin", "model-file");
        assert!(rel.is_repo_file());
        assert_eq!(rel.uri, "models/a.bin");
        let cwd = std::env::current_dir().expect("cwd");
        let inside = Location::local_file(&cwd.join("models/../models/b.bin").to_string_lossy(), "model-file");
        assert!(inside.is_repo_file());
        assert_eq!(inside.uri, "models/b.bin");
        let outside = Location::local_file("/definitely-not-the-cwd/x y/c.bin", "model-file");
        assert!(!outside.is_repo_file());
        assert_eq!(outside.uri, "file:///definitely-not-the-cwd/x%20y/c.bin");
        assert_eq!(outside.logical[0].kind.as_deref(), Some("model-file"));
        assert_eq!(lexical(std::path::Path::new("/a/./b/../c")), std::path::PathBuf::from("/a/c"));
    }
}

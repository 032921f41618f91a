//! GitLab security reports, schema 15.x (15.2.4): `gl-secret-detection-report.json`,
//! `gl-sast-report.json`, `gl-dependency-scanning-report.json` and
//! `gl-container-scanning-report.json`, for `artifacts:reports` (DESIGN.md §5).
//!
//! # Which finding goes to which report
//!
//! | category | report |
//! |---|---|
//! | `secret` | secret detection |
//! | `vulnerability`, `license`, `sbom` about an image | container scanning |
//! | `vulnerability`, `license`, `sbom` naming a package | dependency scanning |
//! | `sast`, `misconfiguration`, `fairness`, `provenance`, `model`, and dependency findings that name no package | SAST |
//!
//! - A finding is "about an image" when a location has a logical location of kind `image`, or a
//!   non-`SRCROOT` artifact URI starting with `oci://`, or its run's automation id contains
//!   `/image/` (`mlsec/trivy-wrapper/image/app/`).
//! - A finding "names a package" when it carries `mlsec/package`, or a location (or logical
//!   location) is a purl (`pkg:...`). The dependency scanning schema requires
//!   `location.dependency.package.name`; a dependency-type finding without one (the sample's
//!   "unpinned requirement" at `requirements.txt:11`) is a finding about a line of a manifest, and
//!   the SAST shape (file, line) says that exactly, so it goes to SAST rather than into a
//!   dependency scanning entry with a made-up package.
//! - Misconfiguration, fairness, provenance and model findings are about files of the
//!   repository (an IaC file, a predictions file, a model file): GitLab has no report type of its
//!   own for them, and SAST is the only one whose location is a plain file and line, shown in the
//!   MR widget and the vulnerability report with a link to the file. Non-file locations (a model
//!   URI) are written as the SAST `file` as they are.
//!
//! # What is left out
//!
//! - Findings with an effective suppression: GitLab reports have no suppression state, and a
//!   suppressed finding written there would show as a live vulnerability. They stay in the SARIF
//!   file, the HTML report and the JUnit report (as skipped).
//! - Findings whose baseline state is `absent`: they are gone from this scan. New-only does not
//!   filter: GitLab compares the MR's report with the target branch's itself, so it needs every
//!   present finding.
//! - No empty files: a report exists only for a kind with at least one finding.
//! - The `cve` field and top-level `dependency_files`: schema 15 removed both.
//! - `raw_source_code_extract` (declared as *unsanitized*): the redacted snippet goes into
//!   `details` as a code block instead; a secret's snippet is never written in any form that is
//!   not redacted.
//!
//! # Fields
//!
//! - `id`: a UUID (version 5 layout) derived from the finding's primary fingerprint (SHA-256,
//!   see `mlsec_findings::fingerprint`) and its occurrence among findings with the same
//!   fingerprint in the file, so it is stable across pipelines and unique within one.
//! - `identifiers`: the primary identifier first, and stable: the advisory id (CVE, GHSA,
//!   PYSEC...) for vulnerabilities, else our rule id (`mlsec_rule_id`); then advisory aliases,
//!   then CWE identifiers parsed from the finding's and rule's tags and the advisory's CWE list,
//!   then the rule id if the advisory id is not it.
//! - `scan`: analyzer and scanner are both `mlsec` (id, name and vendor stable across pipelines:
//!   GitLab tracks a vulnerability by scanner, primary identifier and location); the contributing
//!   tools, their engines and versions are listed in `scan.messages`. `start_time`/`end_time`
//!   are `ReportOptions::generated_at` in UTC. `status` is `failure` when a contributing run did
//!   not complete, with its errors as `fatal` messages.
//! - Secret detection requires `location.commit.sha`: mlsec scans the work tree, not the
//!   history, so it writes `0000000`, as GitLab's own analyzer does for a non-historic scan.
//! - Container scanning requires `location.operating_system`: taken from the finding's
//!   `mlsec/os` (or `os`) property, else an engine property `os`, else an OS-like package
//!   ecosystem (`alpine`, `debian`...), else `unknown`. Its required `dependency` is the
//!   finding's package, or `unknown` (version empty) when an image finding names none.
//! - Messages, snippets and tool errors go through `mlsec_findings::redact`.

use std::collections::{BTreeSet, HashMap};

use mlsec_findings::redact::{redact_message, redact_snippet};
use mlsec_findings::{BaselineState, Category, Finding, FindingsFile, Location, Run, Severity};
use serde_json::{Map, Value, json};

use crate::RenderContext;

/// The schema version the reports conform to.
pub const SCHEMA_VERSION: &str = "15.2.4";

/// The commit sha written for secrets found in the work tree (no history scan).
pub const WORK_TREE_COMMIT: &str = "0000000";

/// A GitLab security report type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReportKind {
    /// `gl-secret-detection-report.json`.
    SecretDetection,
    /// `gl-sast-report.json`.
    Sast,
    /// `gl-dependency-scanning-report.json`.
    DependencyScanning,
    /// `gl-container-scanning-report.json`.
    ContainerScanning,
}

impl ReportKind {
    /// Every kind, in the order reports are returned.
    pub const ALL: [ReportKind; 4] =
        [ReportKind::SecretDetection, ReportKind::Sast, ReportKind::DependencyScanning, ReportKind::ContainerScanning];

    /// `scan.type` in the report.
    pub const fn scan_type(self) -> &'static str {
        match self {
            ReportKind::SecretDetection => "secret_detection",
            ReportKind::Sast => "sast",
            ReportKind::DependencyScanning => "dependency_scanning",
            ReportKind::ContainerScanning => "container_scanning",
        }
    }

    /// The name of the schema file (`sast-report-format.json`).
    pub const fn schema_name(self) -> &'static str {
        match self {
            ReportKind::SecretDetection => "secret-detection-report-format.json",
            ReportKind::Sast => "sast-report-format.json",
            ReportKind::DependencyScanning => "dependency-scanning-report-format.json",
            ReportKind::ContainerScanning => "container-scanning-report-format.json",
        }
    }
}

/// The artifact file name GitLab's `artifacts:reports` keyword expects by convention.
pub const fn file_name(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::SecretDetection => "gl-secret-detection-report.json",
        ReportKind::Sast => "gl-sast-report.json",
        ReportKind::DependencyScanning => "gl-dependency-scanning-report.json",
        ReportKind::ContainerScanning => "gl-container-scanning-report.json",
    }
}

/// One rendered report file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitlabReport {
    /// File name to write it under (`gl-sast-report.json`).
    pub file_name: &'static str,
    /// Its kind.
    pub kind: ReportKind,
    /// The report, pretty-printed JSON.
    pub json: String,
}

/// The reports for the context's findings: one per kind that has at least one finding, in
/// [`ReportKind::ALL`] order. Suppressed and baseline-absent findings are left out.
pub fn render(ctx: &RenderContext<'_>) -> Vec<GitlabReport> {
    let ids = stable_ids(ctx.file, "mlsec/gitlab/vulnerability-id");
    let mut per_kind: HashMap<ReportKind, Vec<Value>> = HashMap::new();
    for (ri, run) in ctx.file.runs.iter().enumerate() {
        for (fi, f) in run.findings.iter().enumerate() {
            if !included(ctx, f) {
                continue;
            }
            let kind = route(run, f);
            per_kind.entry(kind).or_default().push(vulnerability(kind, run, f, &ids[ri][fi]));
        }
    }
    ReportKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let vulns = per_kind.remove(&kind)?;
            let report = json!({
                "version": SCHEMA_VERSION,
                "schema": format!(
                    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v{SCHEMA_VERSION}/dist/{}",
                    kind.schema_name()
                ),
                "scan": scan(ctx, kind),
                "vulnerabilities": vulns,
            });
            Some(GitlabReport { file_name: file_name(kind), kind, json: format!("{report:#}\n") })
        })
        .collect()
}

/// Whether a finding is written to GitLab reports: not suppressed, not absent from this scan.
fn included(ctx: &RenderContext<'_>, f: &Finding) -> bool {
    !f.is_suppressed(ctx.policy.today) && f.baseline_state != Some(BaselineState::Absent)
}

/// The report a finding of `run` goes to (see the module docs).
pub fn route(run: &Run, f: &Finding) -> ReportKind {
    match f.category {
        Category::Secret => ReportKind::SecretDetection,
        Category::Vulnerability | Category::License | Category::Sbom => {
            if image_of(run, f).is_some() {
                ReportKind::ContainerScanning
            } else if package_of(f).is_some() {
                ReportKind::DependencyScanning
            } else {
                ReportKind::Sast
            }
        }
        Category::Sast | Category::Misconfiguration | Category::Fairness | Category::Provenance | Category::Model => {
            ReportKind::Sast
        }
    }
}

/// The image a finding is about, if any.
fn image_of(run: &Run, f: &Finding) -> Option<String> {
    for l in &f.locations {
        if let Some(ll) = l.logical.iter().find(|ll| ll.kind.as_deref() == Some("image")) {
            return Some(strip_oci(&ll.name).to_owned());
        }
        if !l.is_repo_file() && l.uri.starts_with("oci://") {
            return Some(strip_oci(&l.uri).to_owned());
        }
    }
    let (_, target) = run.automation_id.split_once("/image/")?;
    let target = target.trim_matches('/');
    (!target.is_empty()).then(|| format!("image/{target}"))
}

fn strip_oci(s: &str) -> &str {
    s.strip_prefix("oci://").unwrap_or(s)
}

/// `(name, version)` of the package a finding is about.
fn package_of(f: &Finding) -> Option<(String, String)> {
    if let Some(p) = &f.package {
        return Some((p.name.clone(), p.version.clone().unwrap_or_default()));
    }
    f.locations
        .iter()
        .flat_map(|l| std::iter::once(l.uri.as_str()).chain(l.logical.iter().map(|ll| ll.name.as_str())))
        .find_map(parse_purl)
}

/// Name and version of a purl (`pkg:pypi/torch@2.1.0` -> `("torch", "2.1.0")`).
fn parse_purl(purl: &str) -> Option<(String, String)> {
    let rest = purl.strip_prefix("pkg:")?;
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let (_ty, path) = rest[..end].split_once('/')?;
    let (name, version) = match path.rfind('@') {
        Some(at) => (&path[..at], &path[at + 1..]),
        None => (path, ""),
    };
    let name = name.replace("%40", "@");
    (!name.is_empty()).then(|| (name, version.to_owned()))
}

/// One vulnerability object.
fn vulnerability(kind: ReportKind, run: &Run, f: &Finding, id_hash: &str) -> Value {
    let rule = run.rule(&f.rule_id);
    let name = f
        .vulnerability
        .as_ref()
        .and_then(|v| v.title.clone())
        .or_else(|| rule.map(|r| r.short_description.clone()))
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| f.rule_id.clone());
    let mut description = redact_message(&f.message).into_owned();
    if let Some(full) = rule.and_then(|r| r.full_description.as_deref()) {
        description.push_str("\n\n");
        description.push_str(&redact_message(full));
    }
    let mut v = Map::new();
    v.insert("id".into(), Value::String(uuid_from_hex(id_hash)));
    v.insert("name".into(), Value::String(truncate(&redact_message(&name), 255)));
    v.insert("description".into(), Value::String(truncate(&description, 1_000_000)));
    v.insert("severity".into(), Value::String(f.severity.label().into()));
    if let Some(s) = solution(f, rule) {
        v.insert("solution".into(), Value::String(truncate(&s, 7000)));
    }
    v.insert("identifiers".into(), Value::Array(identifiers(f, rule)));
    let links = links(f, rule);
    if !links.is_empty() {
        v.insert("links".into(), Value::Array(links));
    }
    v.insert("details".into(), Value::Object(details(run, f)));
    v.insert("location".into(), location(kind, run, f));
    Value::Object(v)
}

fn solution(f: &Finding, rule: Option<&mlsec_findings::Rule>) -> Option<String> {
    if let Some(p) = &f.package {
        if let Some(fixed) = &p.fixed_version {
            return Some(format!("Upgrade {} to {fixed}.", p.name));
        }
        if f.category == Category::Vulnerability {
            return Some(format!("No fixed version of {} is known yet.", p.name));
        }
    }
    rule.and_then(|r| r.help_markdown.as_deref()).map(|h| redact_message(h).into_owned())
}

fn is_url(s: &str) -> bool {
    ["https://", "http://", "ftp://"].iter().any(|p| s.starts_with(p) && s.len() > p.len())
}

/// An identifier; empty parts (foreign SARIF without a rule id) become `unknown`, as the schema
/// requires non-empty strings.
fn identifier(ty: &str, name: &str, value: &str, url: Option<String>) -> Value {
    let nz = |s: &str| Value::String(if s.trim().is_empty() { "unknown".to_owned() } else { s.to_owned() });
    let mut m = Map::new();
    m.insert("type".into(), nz(ty));
    m.insert("name".into(), nz(name));
    m.insert("value".into(), nz(value));
    if let Some(u) = url.filter(|u| is_url(u)) {
        m.insert("url".into(), Value::String(u));
    }
    Value::Object(m)
}

/// `(type, url)` of an advisory id.
fn advisory_identifier(id: &str) -> Value {
    let upper = id.to_ascii_uppercase();
    let (ty, url) = if upper.starts_with("CVE-") {
        ("cve".to_owned(), Some(format!("https://nvd.nist.gov/vuln/detail/{id}")))
    } else if upper.starts_with("GHSA-") {
        ("ghsa".to_owned(), Some(format!("https://github.com/advisories/{id}")))
    } else if let Some((prefix, _)) = id.split_once('-') {
        (prefix.to_ascii_lowercase(), Some(format!("https://osv.dev/vulnerability/{id}")))
    } else {
        ("advisory".to_owned(), None)
    };
    identifier(&ty, id, id, url)
}

fn rule_identifier(f: &Finding, rule: Option<&mlsec_findings::Rule>) -> Value {
    identifier("mlsec_rule_id", &f.rule_id, &f.rule_id, rule.and_then(|r| r.help_uri.clone()))
}

/// The CWE numbers named in `tags` (`CWE-502`, `cwe-79`, `external/cwe/cwe-22`).
fn cwe_numbers<'a>(tags: impl Iterator<Item = &'a str>) -> Vec<u32> {
    let mut out = Vec::new();
    for tag in tags {
        let lower = tag.to_ascii_lowercase();
        let Some(pos) = lower.rfind("cwe-") else { continue };
        if pos > 0 && !lower[..pos].ends_with('/') {
            continue;
        }
        if let Ok(n) = lower[pos + 4..].parse::<u32>()
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
    out
}

fn identifiers(f: &Finding, rule: Option<&mlsec_findings::Rule>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    if let Some(v) = &f.vulnerability {
        let primary = mlsec_findings::fingerprint::canonical_advisory_id(&v.id);
        seen.insert(primary.clone());
        out.push(advisory_identifier(&primary));
        for alias in &v.aliases {
            let a = mlsec_findings::fingerprint::canonical_advisory_id(alias);
            if seen.insert(a.clone()) {
                out.push(advisory_identifier(&a));
            }
        }
    } else {
        out.push(rule_identifier(f, rule));
    }
    let tags = f
        .tags
        .iter()
        .chain(rule.map(|r| r.tags.as_slice()).unwrap_or_default())
        .chain(f.vulnerability.as_ref().map(|v| v.cwes.as_slice()).unwrap_or_default())
        .map(String::as_str);
    for n in cwe_numbers(tags) {
        out.push(identifier(
            "cwe",
            &format!("CWE-{n}"),
            &n.to_string(),
            Some(format!("https://cwe.mitre.org/data/definitions/{n}.html")),
        ));
    }
    if f.vulnerability.is_some() && !seen.contains(&mlsec_findings::fingerprint::canonical_advisory_id(&f.rule_id)) {
        out.push(rule_identifier(f, rule));
    }
    out
}

fn links(f: &Finding, rule: Option<&mlsec_findings::Rule>) -> Vec<Value> {
    let mut urls: Vec<&str> = Vec::new();
    if let Some(v) = &f.vulnerability {
        urls.extend(v.references.iter().map(String::as_str));
    }
    if let Some(h) = rule.and_then(|r| r.help_uri.as_deref()) {
        urls.push(h);
    }
    let mut seen = BTreeSet::new();
    urls.into_iter().filter(|u| is_url(u) && seen.insert(*u)).map(|u| json!({ "url": u })).collect()
}

fn text_detail(name: &str, value: String) -> Value {
    json!({ "name": name, "type": "text", "value": value })
}

fn details(run: &Run, f: &Finding) -> Map<String, Value> {
    let mut d = Map::new();
    d.insert("tool".into(), text_detail("Tool", tool_label(run)));
    if let Some((key, value)) = f.primary_fingerprint() {
        d.insert("fingerprint".into(), text_detail("Fingerprint", format!("{key}:{value}")));
    }
    d.insert("confidence".into(), text_detail("Confidence", f.confidence.as_str().into()));
    if let Some(score) = f.cvss_score.filter(|s| s.is_finite()) {
        d.insert("cvss_score".into(), json!({ "name": "CVSS score", "type": "value", "value": score }));
    }
    if let Some(vector) = f.vulnerability.as_ref().and_then(|v| v.cvss_vector.clone()) {
        d.insert("cvss_vector".into(), text_detail("CVSS vector", vector));
    }
    if let Some(p) = &f.package {
        let mut s = p.name.clone();
        if let Some(v) = &p.version {
            s.push(' ');
            s.push_str(v);
        }
        if let Some(purl) = &p.purl {
            s.push_str(&format!(" ({purl})"));
        }
        d.insert("package".into(), text_detail("Package", s));
        if let Some(fixed) = &p.fixed_version {
            d.insert("fixed_version".into(), text_detail("Fixed version", fixed.clone()));
        }
    }
    if let Some(m) = &f.measurement {
        d.insert("measurement".into(), text_detail("Measurement", measurement_text(m)));
    }
    if let Some(snippet) = f.primary_location().and_then(|l| l.snippet.as_deref()) {
        d.insert(
            "snippet".into(),
            json!({ "name": "Snippet (redacted)", "type": "code", "value": redact_snippet(f.category, snippet) }),
        );
    }
    if let Some(b) = f.baseline_state {
        d.insert("baseline_state".into(), text_detail("Baseline state", b.as_str().into()));
    }
    if f.reported_by.len() > 1 {
        d.insert("reported_by".into(), text_detail("Reported by", f.reported_by.join(", ")));
    }
    d
}

/// `demographic_parity_difference = 0.1946 (max 0.1), grouping sex: Female, Male`.
pub(crate) fn measurement_text(m: &mlsec_findings::Measurement) -> String {
    let mut s = format!("{} = {}", m.metric, m.value.map_or_else(|| "undefined".to_owned(), |v| v.to_string()));
    match (m.min, m.max) {
        (Some(lo), Some(hi)) => s.push_str(&format!(" (accepted {lo}..{hi})")),
        (Some(lo), None) => s.push_str(&format!(" (min {lo})")),
        (None, Some(hi)) => s.push_str(&format!(" (max {hi})")),
        (None, None) => {}
    }
    if let Some(g) = &m.grouping {
        s.push_str(&format!(", grouping {g}"));
        if !m.groups.is_empty() {
            s.push_str(&format!(": {}", m.groups.join(", ")));
        }
    }
    s
}

/// `bandit-wrapper 0.1.0 (bandit 1.8.6)`.
fn tool_label(run: &Run) -> String {
    let mut s = run.short_name().to_owned();
    if let Some(v) = &run.tool.version {
        s.push(' ');
        s.push_str(v);
    }
    if !run.engines.is_empty() {
        let engines: Vec<String> = run
            .engines
            .iter()
            .map(|e| {
                let mut t = e.name.clone();
                if let Some(v) = &e.version {
                    t.push(' ');
                    t.push_str(v);
                }
                if let Some(db) = e.properties.get("db-updated-at") {
                    t.push_str(&format!(", DB {db}"));
                }
                t
            })
            .collect();
        s.push_str(&format!(" ({})", engines.join("; ")));
    }
    s
}

/// The file a finding is reported at: its repo file, else the package manifest, else its URI.
fn file_of(f: &Finding) -> Option<String> {
    let primary = f.primary_location();
    primary
        .filter(|l| l.is_repo_file())
        .map(|l| l.uri.clone())
        .or_else(|| f.package.as_ref().and_then(|p| p.manifest.clone()))
        .or_else(|| primary.map(|l| l.uri.clone()))
        .filter(|s| !s.is_empty())
}

fn line_fields(m: &mut Map<String, Value>, l: Option<&Location>) {
    if let Some(start) = l.and_then(|l| l.start_line) {
        m.insert("start_line".into(), Value::from(start));
        let end = l.and_then(|l| l.end_line).filter(|&e| e >= start).unwrap_or(start);
        m.insert("end_line".into(), Value::from(end));
    }
}

fn dependency(f: &Finding) -> Value {
    let (name, version) = package_of(f).unwrap_or_else(|| ("unknown".to_owned(), String::new()));
    json!({ "package": { "name": name }, "version": version })
}

const OS_ECOSYSTEMS: [&str; 16] = [
    "alpine",
    "debian",
    "ubuntu",
    "redhat",
    "rhel",
    "centos",
    "rocky",
    "alma",
    "almalinux",
    "amazon",
    "wolfi",
    "chainguard",
    "suse",
    "photon",
    "mariner",
    "oracle",
];

fn operating_system(run: &Run, f: &Finding) -> String {
    ["mlsec/os", "os"]
        .iter()
        .find_map(|k| f.properties.get(*k).and_then(Value::as_str).map(str::to_owned))
        .or_else(|| run.engines.iter().find_map(|e| e.properties.get("os").cloned()))
        .or_else(|| {
            f.package
                .as_ref()
                .and_then(|p| p.ecosystem.as_deref())
                .filter(|e| OS_ECOSYSTEMS.iter().any(|os| e.eq_ignore_ascii_case(os)))
                .map(str::to_owned)
        })
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn location(kind: ReportKind, run: &Run, f: &Finding) -> Value {
    let mut m = Map::new();
    let primary = f.primary_location();
    match kind {
        ReportKind::Sast => {
            if let Some(file) = file_of(f) {
                m.insert("file".into(), Value::String(file));
            }
            line_fields(&mut m, primary);
        }
        ReportKind::SecretDetection => {
            if let Some(file) = file_of(f) {
                m.insert("file".into(), Value::String(file));
            }
            line_fields(&mut m, primary);
            m.insert("commit".into(), json!({ "sha": WORK_TREE_COMMIT }));
        }
        ReportKind::DependencyScanning => {
            let file = f
                .package
                .as_ref()
                .and_then(|p| p.manifest.clone())
                .or_else(|| file_of(f))
                .unwrap_or_else(|| f.display_id().to_owned());
            m.insert("file".into(), Value::String(file));
            m.insert("dependency".into(), dependency(f));
        }
        ReportKind::ContainerScanning => {
            m.insert("dependency".into(), dependency(f));
            m.insert("operating_system".into(), Value::String(operating_system(run, f)));
            let image = image_of(run, f).unwrap_or_else(|| "unknown".to_owned());
            m.insert("image".into(), Value::String(image));
        }
    }
    Value::Object(m)
}

/// The `scan` object of one report.
fn scan(ctx: &RenderContext<'_>, kind: ReportKind) -> Value {
    let time = gitlab_time(ctx.options.generated_at);
    let mut messages = Vec::new();
    let mut failed = false;
    for run in ctx.file.runs.iter().filter(|r| contributes(r, kind)) {
        messages.push(json!({ "level": "info", "value": format!("mlsec {}", tool_label(run)) }));
        if !run.invocation.successful {
            failed = true;
            let mut errors: Vec<String> = run.invocation.errors.clone();
            if errors.is_empty() {
                errors.push(format!(
                    "did not complete (exit code {})",
                    run.invocation.exit_code.map_or_else(|| "unknown".to_owned(), |c| c.to_string())
                ));
            }
            for e in errors {
                messages.push(
                    json!({ "level": "fatal", "value": format!("{}: {}", run.short_name(), redact_message(&e)) }),
                );
            }
        }
        for w in &run.invocation.warnings {
            messages.push(json!({ "level": "warn", "value": format!("{}: {}", run.short_name(), redact_message(w)) }));
        }
    }
    let mlsec = json!({
        "id": "mlsec",
        "name": "mlsec",
        "url": mlsec_findings::PROJECT_URL,
        "version": non_empty(&ctx.options.mlsec_version),
        "vendor": { "name": "mlsec" },
    });
    json!({
        "analyzer": mlsec.clone(),
        "scanner": mlsec,
        "type": kind.scan_type(),
        "start_time": time,
        "end_time": time,
        "status": if failed { "failure" } else { "success" },
        "messages": messages,
    })
}

fn non_empty(s: &str) -> &str {
    if s.trim().is_empty() { "unknown" } else { s }
}

/// Whether `run` is one of the runs behind the `kind` report: one of its findings goes there,
/// or (for a run that found nothing) one of its rules' categories does.
fn contributes(run: &Run, kind: ReportKind) -> bool {
    if !run.findings.is_empty() {
        return run.findings.iter().any(|f| route(run, f) == kind);
    }
    let image_run = run.automation_id.contains("/image/");
    run.rules.iter().any(|r| {
        let k = match r.category {
            Category::Secret => ReportKind::SecretDetection,
            Category::Vulnerability | Category::License | Category::Sbom if image_run => ReportKind::ContainerScanning,
            Category::Vulnerability | Category::License | Category::Sbom => ReportKind::DependencyScanning,
            _ => ReportKind::Sast,
        };
        k == kind
    })
}

/// `YYYY-MM-DDTHH:MM:SS` in UTC, the schema's pattern.
pub(crate) fn gitlab_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// What identifies a finding across pipelines: its primary fingerprint, else (foreign SARIF
/// without fingerprints) its tool, rule and primary location.
fn identity(run: &Run, f: &Finding) -> (String, String) {
    match f.primary_fingerprint() {
        Some((k, v)) => (k.to_owned(), v.to_owned()),
        None => (
            "fallback".to_owned(),
            format!(
                "{}\n{}\n{}",
                run.tool.name,
                f.rule_id,
                f.primary_location().map(Location::display).unwrap_or_default()
            ),
        ),
    }
}

/// A 32-hex-digit hash per finding (`[run][finding]`), from its identity and its occurrence
/// among findings of the same identity in file order, under `domain`: stable across pipelines,
/// unique within the file.
pub(crate) fn stable_ids(file: &FindingsFile, domain: &str) -> Vec<Vec<String>> {
    let mut seen: HashMap<(String, String), u32> = HashMap::new();
    file.runs
        .iter()
        .map(|run| {
            run.findings
                .iter()
                .map(|f| {
                    let (key, value) = identity(run, f);
                    let n = seen.entry((key.clone(), value.clone())).or_insert(0);
                    let occurrence = *n;
                    *n += 1;
                    mlsec_findings::fingerprint::model(domain, &key, &format!("{value}\n{occurrence}"))
                })
                .collect()
        })
        .collect()
}

/// Format 32 hex digits as a UUID with the version-5 and RFC 4122 variant bits set.
fn uuid_from_hex(hex: &str) -> String {
    let mut h: Vec<char> = hex.chars().filter(char::is_ascii_hexdigit).map(|c| c.to_ascii_lowercase()).collect();
    h.resize(32, '0');
    h[12] = '5';
    let variant = h[16].to_digit(16).unwrap_or(0);
    h[16] = char::from_digit((variant & 0x3) | 0x8, 16).unwrap_or('8');
    let s: String = h.into_iter().collect();
    format!("{}-{}-{}-{}-{}", &s[..8], &s[8..12], &s[12..16], &s[16..20], &s[20..32])
}

/// GitLab's severity for ours: the same six values, capitalised.
pub fn severity(s: Severity) -> &'static str {
    s.label()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportOptions;
    use mlsec_findings::gate::GatePolicy;
    use mlsec_findings::sample::{FAKE_AWS_KEY, FAKE_DB_PASSWORD, FAKE_HF_TOKEN, sample};
    use mlsec_findings::{LogicalLocation, Package, Vulnerability};
    use time::macros::{date, datetime};

    fn ctx(file: &FindingsFile) -> RenderContext<'_> {
        let policy = GatePolicy {
            fail_on: Some(Severity::High),
            new_only: false,
            max_findings: None,
            today: date!(2026 - 12 - 02),
        };
        let options = ReportOptions {
            generated_at: datetime!(2026-12-01 12:00 UTC),
            mlsec_version: "0.1.0".into(),
            ..ReportOptions::default()
        };
        RenderContext::new(file, policy, options)
    }

    fn parse(r: &GitlabReport) -> Value {
        serde_json::from_str(&r.json).expect("valid JSON")
    }

    fn image_run() -> Run {
        let mut run = Run::new("trivy-wrapper", "0.1.0", "image/registry.example.com/ml/serve:1.2");
        let mut f = Finding::new("CVE-2024-45490", Category::Vulnerability, Severity::High, "libexpat 2.6.2: overflow");
        f.package = Some(Package {
            name: "libexpat".into(),
            version: Some("2.6.2-r0".into()),
            purl: Some("pkg:apk/alpine/libexpat@2.6.2-r0".into()),
            ecosystem: Some("alpine".into()),
            fixed_version: Some("2.6.3-r0".into()),
            manifest: None,
        });
        f.vulnerability = Some(Vulnerability {
            id: "cve-2024-45490".into(),
            aliases: vec!["GHSA-ABCD-1234-wxyz".into()],
            cwes: vec!["CWE-611".into()],
            ..Default::default()
        });
        f.locations.push(Location::artifact("oci://registry.example.com/ml/serve:1.2", "image"));
        f.fingerprints.insert(
            mlsec_findings::fingerprint::VULN_V1.into(),
            mlsec_findings::fingerprint::vuln("CVE-2024-45490", "pkg:apk/alpine/libexpat@2.6.2-r0", "image"),
        );
        run.findings.push(f);
        run.invocation.successful = false;
        run.invocation.errors.push("trivy: layer 3 could not be read".into());
        run
    }

    /// Odd but possible findings: a foreign run without fingerprints or rules, findings without
    /// locations, a NaN score, a dependency finding without a package, control characters.
    fn edge_run() -> Run {
        let mut run = Run::new("imported", "", ".");
        run.mlsec_profile = false;
        run.tool.version = None;
        for cat in Category::ALL {
            let mut f = Finding::new(format!("{cat}-rule"), cat, Severity::Info, format!("bare {cat}\u{7}"));
            f.cvss_score = Some(f64::NAN);
            run.findings.push(f);
        }
        let mut f = Finding::new("GHSA-xxxx", Category::Vulnerability, Severity::Low, "image, no package");
        f.locations.push(Location::artifact("oci://ghcr.io/a/b@sha256:00", "image"));
        f.vulnerability = Some(Vulnerability { id: "ghsa-XXXX-yyyy-zzzz".into(), ..Default::default() });
        run.findings.push(f);
        run.findings.push(Finding::new("", Category::Sast, Severity::Unknown, ""));
        let mut f = Finding::new("gpl", Category::License, Severity::Medium, "GPL-3.0 in a proprietary model server");
        f.locations.push(Location::artifact("pkg:pypi/left-pad", "package"));
        run.findings.push(f);
        run
    }

    #[test]
    fn edge_cases_keep_required_fields() {
        let mut file = FindingsFile::default();
        file.runs.push(edge_run());
        let reports = render(&ctx(&file));
        assert_eq!(reports.len(), 4);
        for r in &reports {
            let v = parse(r);
            for vuln in v["vulnerabilities"].as_array().expect("array") {
                let loc = &vuln["location"];
                match r.kind {
                    ReportKind::SecretDetection => assert_eq!(loc["commit"]["sha"], WORK_TREE_COMMIT),
                    ReportKind::DependencyScanning => {
                        assert!(loc["file"].is_string() && loc["dependency"]["package"]["name"].is_string())
                    }
                    ReportKind::ContainerScanning => {
                        assert_eq!(loc["image"], "ghcr.io/a/b@sha256:00");
                        assert_eq!(loc["operating_system"], "unknown");
                        assert_eq!(loc["dependency"], json!({"package": {"name": "unknown"}, "version": ""}));
                        assert_eq!(vuln["identifiers"][0]["value"], "GHSA-xxxx-yyyy-zzzz");
                    }
                    ReportKind::Sast => {}
                }
                assert!(vuln["details"].get("cvss_score").is_none(), "NaN is not written");
                assert!(!vuln["identifiers"].as_array().expect("ids").is_empty());
            }
        }
        let dep = parse(reports.iter().find(|r| r.kind == ReportKind::DependencyScanning).expect("dependency report"));
        assert_eq!(
            dep["vulnerabilities"][0]["location"],
            json!({"file": "pkg:pypi/left-pad", "dependency": {"package": {"name": "left-pad"}, "version": ""}})
        );
    }

    #[test]
    fn sample_snapshot() {
        let file = sample();
        for r in render(&ctx(&file)) {
            insta::assert_snapshot!(r.file_name, r.json);
        }
    }

    #[test]
    fn one_file_per_kind_present() {
        let file = sample();
        let reports = render(&ctx(&file));
        let names: Vec<_> = reports.iter().map(|r| r.file_name).collect();
        assert_eq!(
            names,
            ["gl-secret-detection-report.json", "gl-sast-report.json", "gl-dependency-scanning-report.json"]
        );
        for r in &reports {
            assert_eq!(r.file_name, file_name(r.kind));
            let v = parse(r);
            assert_eq!(v["scan"]["type"], r.kind.scan_type());
            assert_eq!(v["version"], SCHEMA_VERSION);
            assert!(!v["vulnerabilities"].as_array().expect("array").is_empty());
        }
        // Counts: 2 unsuppressed secrets; 3 bandit + fairness + provenance + unpinned requirement;
        // 6 vulnerabilities.
        let counts: Vec<_> =
            reports.iter().map(|r| parse(r)["vulnerabilities"].as_array().map_or(0, Vec::len)).collect();
        assert_eq!(counts, [2, 6, 6]);
        // Empty input: no files at all.
        assert!(render(&ctx(&FindingsFile::default())).is_empty());
    }

    #[test]
    fn container_findings_go_to_container_scanning() {
        let mut file = sample();
        file.runs.push(image_run());
        let reports = render(&ctx(&file));
        let cs = reports.iter().find(|r| r.kind == ReportKind::ContainerScanning).expect("container report");
        assert_eq!(cs.file_name, "gl-container-scanning-report.json");
        let v = parse(cs);
        assert_eq!(v["scan"]["status"], "failure");
        assert!(cs.json.contains("layer 3 could not be read"));
        let vuln = &v["vulnerabilities"][0];
        assert_eq!(vuln["location"]["image"], "registry.example.com/ml/serve:1.2");
        assert_eq!(vuln["location"]["operating_system"], "alpine");
        assert_eq!(vuln["location"]["dependency"]["package"]["name"], "libexpat");
        assert_eq!(vuln["solution"], "Upgrade libexpat to 2.6.3-r0.");
        let ids: Vec<_> = vuln["identifiers"].as_array().expect("ids").iter().map(|i| i["value"].clone()).collect();
        assert_eq!(ids, [json!("CVE-2024-45490"), json!("GHSA-abcd-1234-wxyz"), json!("611")]);
        // The other reports are unaffected by the failed image run.
        for r in reports.iter().filter(|r| r.kind != ReportKind::ContainerScanning) {
            assert_eq!(parse(r)["scan"]["status"], "success", "{}", r.file_name);
        }
        // Automation id alone also routes to container scanning.
        let mut run = image_run();
        run.findings[0].locations = vec![Location::file("requirements.txt", Some(3))];
        assert_eq!(route(&run, &run.findings[0]), ReportKind::ContainerScanning);
        assert_eq!(image_of(&run, &run.findings[0]).as_deref(), Some("image/registry.example.com/ml/serve:1.2"));
        let mut l = Location::artifact("x", "package");
        l.logical.push(LogicalLocation { name: "oci://ghcr.io/a/b:1".into(), kind: Some("image".into()) });
        let mut f = Finding::new("CVE-1", Category::Vulnerability, Severity::Low, "m");
        f.locations.push(l);
        assert_eq!(image_of(&Run::new("trivy-wrapper", "0", "."), &f).as_deref(), Some("ghcr.io/a/b:1"));
    }

    #[test]
    fn routing_by_category() {
        let run = Run::new("x", "0", ".");
        for (cat, kind) in [
            (Category::Secret, ReportKind::SecretDetection),
            (Category::Sast, ReportKind::Sast),
            (Category::Misconfiguration, ReportKind::Sast),
            (Category::Fairness, ReportKind::Sast),
            (Category::Provenance, ReportKind::Sast),
            (Category::Model, ReportKind::Sast),
            // No package named: a manifest line finding.
            (Category::Sbom, ReportKind::Sast),
        ] {
            let f = Finding::new("r", cat, Severity::Low, "m");
            assert_eq!(route(&run, &f), kind, "{cat}");
        }
        for cat in [Category::Vulnerability, Category::License, Category::Sbom] {
            let mut f = Finding::new("r", cat, Severity::Low, "m");
            f.locations.push(Location::artifact("pkg:npm/%40scope/left-pad@1.0.0", "package"));
            assert_eq!(route(&run, &f), ReportKind::DependencyScanning, "{cat}");
            assert_eq!(package_of(&f), Some(("@scope/left-pad".into(), "1.0.0".into())));
        }
    }

    #[test]
    fn primary_identifier_first_and_stable() {
        let file = sample();
        let reports = render(&ctx(&file));
        let again = render(&ctx(&file));
        assert_eq!(reports, again, "deterministic");
        let sast = parse(&reports[1]);
        let torch = &sast["vulnerabilities"][0];
        assert_eq!(
            torch["identifiers"][0],
            json!({"type": "mlsec_rule_id", "name": "B614", "value": "B614", "url": "https://github.com/mlsec-dev/mlsec/blob/main/docs/rules.md#b614"})
        );
        assert_eq!(torch["identifiers"][1]["type"], "cwe");
        assert_eq!(torch["identifiers"][1]["value"], "502");
        assert_eq!(torch["identifiers"].as_array().map(Vec::len), Some(2), "CWE from tag and rule deduped");
        let ds = parse(&reports[2]);
        for v in ds["vulnerabilities"].as_array().expect("array") {
            assert_eq!(v["identifiers"][0]["type"], "cve");
            assert!(v["identifiers"][0]["value"].as_str().is_some_and(|s| s.starts_with("CVE-")));
            assert_eq!(v["location"]["file"], "requirements.txt");
        }
        // ids: UUID-shaped, version 5, unique across all reports.
        let mut ids = BTreeSet::new();
        for r in &reports {
            for v in parse(r)["vulnerabilities"].as_array().expect("array") {
                let id = v["id"].as_str().expect("id").to_owned();
                assert_eq!(id.len(), 36);
                assert_eq!(&id[14..15], "5");
                assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
                assert!(ids.insert(id));
            }
        }
        assert_eq!(ids.len(), 14);
        assert_eq!(cwe_numbers(["CWE-79", "external/cwe/cwe-22", "cwe-79", "notcwe-1", "CWE-x"].into_iter()), [79, 22]);
    }

    #[test]
    fn duplicate_fingerprints_get_distinct_ids() {
        let mut file = sample();
        let dup = file.runs[1].clone();
        file.runs.push(dup);
        let reports = render(&ctx(&file));
        let sast = parse(&reports[1]);
        let ids: BTreeSet<_> =
            sast["vulnerabilities"].as_array().expect("array").iter().map(|v| v["id"].to_string()).collect();
        assert_eq!(ids.len(), sast["vulnerabilities"].as_array().map_or(0, Vec::len));
    }

    #[test]
    fn severity_mapping_and_exclusions() {
        let file = sample();
        let reports = render(&ctx(&file));
        let all: Vec<Value> =
            reports.iter().flat_map(|r| parse(r)["vulnerabilities"].as_array().cloned().unwrap_or_default()).collect();
        let sev = |name: &str| {
            all.iter()
                .find(|v| v["description"].as_str().is_some_and(|d| d.contains(name)))
                .map(|v| v["severity"].clone())
        };
        assert_eq!(sev("AWS access key"), Some(json!("Critical")));
        assert_eq!(sev("Hugging Face token"), Some(json!("High")));
        assert_eq!(sev("TfidfVectorizer"), Some(json!("Medium")));
        assert_eq!(sev("without a severity"), Some(json!("Unknown")));
        assert_eq!(sev("not pinned"), Some(json!("Low")));
        // Suppressed ones are left out.
        assert_eq!(sev("PostgreSQL URL"), None);
        assert_eq!(sev("hardcoded password"), None);
        // Baseline-absent ones too.
        let mut file = sample();
        file.runs[0].findings[0].baseline_state = Some(BaselineState::Absent);
        let secrets = parse(&render(&ctx(&file))[0]);
        assert_eq!(secrets["vulnerabilities"].as_array().map(Vec::len), Some(1));
        // All suppressed: no secret report at all.
        let mut file = sample();
        file.runs[0].findings.retain(|f| !f.suppressions.is_empty());
        assert!(render(&ctx(&file)).iter().all(|r| r.kind != ReportKind::SecretDetection));
    }

    #[test]
    fn shapes_required_by_the_schemas() {
        let file = sample();
        let reports = render(&ctx(&file));
        let secrets = parse(&reports[0]);
        let s = &secrets["scan"];
        assert_eq!(s["start_time"], "2026-12-01T12:00:00");
        assert_eq!(s["end_time"], "2026-12-01T12:00:00");
        assert_eq!(s["status"], "success");
        for key in ["id", "name", "version", "vendor"] {
            assert!(s["analyzer"].get(key).is_some() && s["scanner"].get(key).is_some(), "{key}");
        }
        let hf = &secrets["vulnerabilities"][0];
        assert_eq!(
            hf["location"],
            json!({"file": "notebooks/train.ipynb", "start_line": 42, "end_line": 42, "commit": {"sha": "0000000"}})
        );
        assert!(hf.get("raw_source_code_extract").is_none());
        let ds = parse(&reports[2]);
        let torch = &ds["vulnerabilities"][0];
        assert_eq!(torch["location"]["dependency"], json!({"package": {"name": "torch"}, "version": "2.5.1"}));
        assert_eq!(torch["solution"], "Upgrade torch to 2.6.0.");
        assert!(torch.get("cve").is_none());
        assert_eq!(gitlab_time(datetime!(2026-12-01 23:30:05 -02:00)), "2026-12-02T01:30:05");
    }

    #[test]
    fn no_secret_value_in_any_report() {
        let mut file = sample();
        file.runs.push(image_run());
        // A secret in a tool error too.
        file.runs[0].invocation.warnings.push(format!("skipped a file with {FAKE_HF_TOKEN}"));
        for r in render(&ctx(&file)) {
            for secret in [FAKE_AWS_KEY, FAKE_HF_TOKEN, FAKE_DB_PASSWORD] {
                assert!(!r.json.contains(secret), "{} leaks {secret}", r.file_name);
            }
        }
    }

    #[test]
    fn uuid_layout() {
        assert_eq!(uuid_from_hex("0123456789abcdef0123456789abcdef"), "01234567-89ab-5def-8123-456789abcdef");
        assert_eq!(uuid_from_hex("ffffffffffffffffffffffffffffffff"), "ffffffff-ffff-5fff-bfff-ffffffffffff");
    }

    /// Writes the reports (sample plus an image run) to `$MLSEC_DUMP_DIR` when set, for checking
    /// against the GitLab schemas with an external validator.
    #[test]
    fn dump_for_schema_check() {
        let Some(dir) = std::env::var_os("MLSEC_DUMP_DIR") else { return };
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("dump dir");
        let mut file = sample();
        file.runs.push(image_run());
        for r in render(&ctx(&file)) {
            std::fs::write(dir.join(r.file_name), &r.json).expect("write report");
        }
        let edge = FindingsFile { runs: vec![edge_run()] };
        for r in render(&ctx(&edge)) {
            std::fs::write(dir.join(format!("edge-{}", r.file_name)), &r.json).expect("write report");
        }
        std::fs::write(dir.join("gl-code-quality-report.json"), crate::codequality::render(&ctx(&file)))
            .expect("write code quality");
        std::fs::write(dir.join("junit.xml"), crate::junit::render(&ctx(&file))).expect("write junit");
    }
}

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

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::fmt;

use mlsec_findings::redact::{redact_message, redact_snippet};
use mlsec_findings::{BaselineState, Category, Finding, FindingsFile, Location, Package, Rule, Run, Severity};
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use serde_json::Value;

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
    /// The report, compact JSON with a final newline.
    pub json: String,
}

/// The domain of the vulnerability ids (see [`stable_id`]).
const ID_DOMAIN: &str = "mlsec/gitlab/vulnerability-id";

/// A finding that goes into a report: where it is, and its occurrence among findings of the same
/// identity (for its id).
#[derive(Debug, Clone, Copy)]
struct Member {
    run: usize,
    finding: usize,
    occurrence: u32,
}

/// The reports for the context's findings: one per kind that has at least one finding, in
/// [`ReportKind::ALL`] order. Suppressed and baseline-absent findings are left out.
///
/// The reports are serialized from typed structs that borrow from the findings, one vulnerability
/// at a time, straight into a pre-sized buffer: no intermediate `serde_json::Value` tree.
pub fn render(ctx: &RenderContext<'_>) -> Vec<GitlabReport> {
    let file = ctx.file;
    let mut occurrences = Occurrences::new(file);
    let mut members: [Vec<Member>; 4] = Default::default();
    // Which reports each run contributes to (bit `kind as u8`), for `scan.messages`.
    let mut contributes = vec![0u8; file.runs.len()];
    for (ri, run) in file.runs.iter().enumerate() {
        if run.findings.is_empty() {
            contributes[ri] = rule_kinds(run);
        }
        for (fi, f) in run.findings.iter().enumerate() {
            // Every finding counts for the occurrence numbers, written or not.
            let occurrence = occurrences.next(run, f);
            let kind = route(run, f);
            contributes[ri] |= kind.bit();
            if included(ctx, f) {
                members[kind as usize].push(Member { run: ri, finding: fi, occurrence });
            }
        }
    }
    let runs: Vec<RunInfo<'_>> = file.runs.iter().map(RunInfo::new).collect();
    let time = gitlab_time(ctx.options.generated_at);
    ReportKind::ALL
        .into_iter()
        .zip(members)
        .filter(|(_, members)| !members.is_empty())
        .map(|(kind, members)| {
            let report = Report {
                version: SCHEMA_VERSION,
                schema: format!(
                    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v{SCHEMA_VERSION}/dist/{}",
                    kind.schema_name()
                ),
                scan: scan(ctx, kind, &contributes, &runs, &time),
                vulnerabilities: Vulnerabilities { kind, runs: &runs, members: &members },
            };
            let capacity = 4096 + members.len() * bytes_per_vulnerability(kind);
            GitlabReport { file_name: file_name(kind), kind, json: crate::json_text(&report, capacity) }
        })
        .collect()
}

/// About what one vulnerability takes, compact (the sample set's average is 950-1,200 bytes,
/// rounded up), to size the output buffer once.
const fn bytes_per_vulnerability(kind: ReportKind) -> usize {
    match kind {
        ReportKind::SecretDetection | ReportKind::Sast => 1280,
        ReportKind::DependencyScanning | ReportKind::ContainerScanning => 1536,
    }
}

impl ReportKind {
    /// This kind's bit in a set of kinds.
    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The kinds of reports a run without findings stands behind: those of its rules' categories.
fn rule_kinds(run: &Run) -> u8 {
    let image_run = run.automation_id.contains("/image/");
    run.rules
        .iter()
        .map(|r| match r.category {
            Category::Secret => ReportKind::SecretDetection,
            Category::Vulnerability | Category::License | Category::Sbom if image_run => ReportKind::ContainerScanning,
            Category::Vulnerability | Category::License | Category::Sbom => ReportKind::DependencyScanning,
            _ => ReportKind::Sast,
        })
        .fold(0, |bits, k| bits | k.bit())
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

/// The image a finding is about: a name from a location, or the run's target (`image/<target>`).
#[derive(Debug, Clone, Copy)]
enum Image<'a> {
    Named(&'a str),
    Target(&'a str),
}

impl fmt::Display for Image<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Image::Named(name) => f.write_str(name),
            Image::Target(target) => write!(f, "image/{target}"),
        }
    }
}

impl Serialize for Image<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The image a finding is about, if any.
fn image_of<'a>(run: &'a Run, f: &'a Finding) -> Option<Image<'a>> {
    for l in &f.locations {
        if let Some(ll) = l.logical.iter().find(|ll| ll.kind.as_deref() == Some("image")) {
            return Some(Image::Named(strip_oci(&ll.name)));
        }
        if !l.is_repo_file() && l.uri.starts_with("oci://") {
            return Some(Image::Named(strip_oci(&l.uri)));
        }
    }
    let (_, target) = run.automation_id.split_once("/image/")?;
    let target = target.trim_matches('/');
    (!target.is_empty()).then_some(Image::Target(target))
}

fn strip_oci(s: &str) -> &str {
    s.strip_prefix("oci://").unwrap_or(s)
}

/// `(name, version)` of the package a finding is about.
fn package_of(f: &Finding) -> Option<(Cow<'_, str>, &str)> {
    if let Some(p) = &f.package {
        return Some((Cow::Borrowed(p.name.as_str()), p.version.as_deref().unwrap_or_default()));
    }
    f.locations
        .iter()
        .flat_map(|l| std::iter::once(l.uri.as_str()).chain(l.logical.iter().map(|ll| ll.name.as_str())))
        .find_map(parse_purl)
}

/// Name and version of a purl (`pkg:pypi/torch@2.1.0` -> `("torch", "2.1.0")`).
fn parse_purl(purl: &str) -> Option<(Cow<'_, str>, &str)> {
    let rest = purl.strip_prefix("pkg:")?;
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let (_ty, path) = rest[..end].split_once('/')?;
    let (name, version) = match path.rfind('@') {
        Some(at) => (&path[..at], &path[at + 1..]),
        None => (path, ""),
    };
    let name = if name.contains("%40") { Cow::Owned(name.replace("%40", "@")) } else { Cow::Borrowed(name) };
    (!name.is_empty()).then_some((name, version))
}

/// What the vulnerabilities of a run share: its tool label, and its rules' texts, redacted once
/// (on first use) rather than for every finding.
struct RunInfo<'a> {
    run: &'a Run,
    label: String,
    rule_texts: Vec<OnceCell<RuleTexts<'a>>>,
}

/// A rule's texts, redacted.
struct RuleTexts<'a> {
    short_description: Cow<'a, str>,
    full_description: Option<Cow<'a, str>>,
    help_markdown: Option<Cow<'a, str>>,
}

impl<'a> RunInfo<'a> {
    fn new(run: &'a Run) -> Self {
        RunInfo { run, label: tool_label(run), rule_texts: run.rules.iter().map(|_| OnceCell::new()).collect() }
    }

    /// The rule of `f` (the first with its id, as `Run::rule`) and its redacted texts.
    fn rule(&self, f: &Finding) -> Option<(&'a Rule, &RuleTexts<'a>)> {
        let i = self.run.rules.iter().position(|r| r.id == f.rule_id)?;
        let rule = &self.run.rules[i];
        let texts = self.rule_texts[i].get_or_init(|| RuleTexts {
            short_description: redact_message(&rule.short_description),
            full_description: rule.full_description.as_deref().map(redact_message),
            help_markdown: rule.help_markdown.as_deref().map(redact_message),
        });
        Some((rule, texts))
    }
}

/// A report file.
#[derive(Serialize)]
struct Report<'r, 'a> {
    version: &'static str,
    schema: String,
    scan: Scan<'r>,
    vulnerabilities: Vulnerabilities<'r, 'a>,
}

/// The vulnerabilities of one report, each built from its finding as it is serialized.
struct Vulnerabilities<'r, 'a> {
    kind: ReportKind,
    runs: &'r [RunInfo<'a>],
    members: &'r [Member],
}

impl Serialize for Vulnerabilities<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.members.iter().map(|m| {
            let info = &self.runs[m.run];
            vulnerability(self.kind, info, &info.run.findings[m.finding], m.occurrence)
        }))
    }
}

/// One vulnerability object.
#[derive(Serialize)]
struct Vulnerability<'a> {
    id: Uuid,
    name: Cow<'a, str>,
    description: Cow<'a, str>,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    solution: Option<Cow<'a, str>>,
    identifiers: Vec<Identifier<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link<'a>>,
    details: Details<'a>,
    location: GitlabLocation<'a>,
}

fn vulnerability<'r>(kind: ReportKind, info: &'r RunInfo<'_>, f: &'r Finding, occurrence: u32) -> Vulnerability<'r> {
    let run = info.run;
    let (rule, texts) = info.rule(f).unzip();
    let title = f.vulnerability.as_ref().and_then(|v| v.title.as_deref());
    // The advisory's title, else the rule's short description, else the rule id (the rule's
    // text is redacted already).
    let name = match (title, rule) {
        (Some(t), _) if !t.trim().is_empty() => redact_message(t),
        (None, Some(r)) if !r.short_description.trim().is_empty() => {
            texts.map_or_else(|| redact_message(&r.short_description), |t| Cow::Borrowed(&*t.short_description))
        }
        _ => redact_message(&f.rule_id),
    };
    let message = redact_message(&f.message);
    let description = match texts.and_then(|t| t.full_description.as_deref()) {
        Some(full) => {
            let mut d = String::with_capacity(message.len() + 2 + full.len());
            d.push_str(&message);
            d.push_str("\n\n");
            d.push_str(full);
            Cow::Owned(d)
        }
        None => message,
    };
    Vulnerability {
        id: uuid_from_hex(&stable_id(ID_DOMAIN, run, f, occurrence)),
        name: truncate(name, 255),
        description: truncate(description, 1_000_000),
        severity: f.severity.label(),
        solution: solution(f, texts).map(|s| truncate(s, 7000)),
        identifiers: identifiers(f, rule),
        links: links(f, rule),
        details: details(&info.label, f),
        location: location(kind, run, f),
    }
}

fn solution<'r>(f: &'r Finding, texts: Option<&'r RuleTexts<'_>>) -> Option<Cow<'r, str>> {
    if let Some(p) = &f.package {
        if let Some(fixed) = &p.fixed_version {
            return Some(Cow::Owned(format!("Upgrade {} to {fixed}.", p.name)));
        }
        if f.category == Category::Vulnerability {
            return Some(Cow::Owned(format!("No fixed version of {} is known yet.", p.name)));
        }
    }
    texts.and_then(|t| t.help_markdown.as_deref()).map(Cow::Borrowed)
}

fn is_url(s: &str) -> bool {
    ["https://", "http://", "ftp://"].iter().any(|p| s.starts_with(p) && s.len() > p.len())
}

/// Text made by a formatting closure, serialized as a JSON string without an intermediate
/// `String` (serde_json escapes the fragments as they are written).
struct Text<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result>(F);

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> fmt::Display for Text<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> Serialize for Text<F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An entry of `identifiers`.
#[derive(Debug)]
enum Identifier<'a> {
    /// An advisory, by its canonical id (`CVE-2024-1234`, `GHSA-xxxx-...`, `PYSEC-...`).
    Advisory(String),
    /// Our rule id, with the rule's help URL.
    Rule { id: &'a str, help: Option<&'a str> },
    /// A CWE number.
    Cwe(u32),
}

/// A required string of an identifier: empty parts (foreign SARIF without a rule id) become
/// `unknown`, as the schema requires non-empty strings.
fn non_blank(s: &str) -> &str {
    if s.trim().is_empty() { "unknown" } else { s }
}

/// Writes one identifier object (`type`, `name`, `value`, and `url` when there is one).
fn write_identifier<S, T, N, V, U>(s: S, ty: T, name: N, value: V, url: Option<U>) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: Serialize,
    N: Serialize,
    V: Serialize,
    U: Serialize,
{
    let mut m = s.serialize_struct("Identifier", 3 + usize::from(url.is_some()))?;
    m.serialize_field("type", &ty)?;
    m.serialize_field("name", &name)?;
    m.serialize_field("value", &value)?;
    if let Some(url) = url {
        m.serialize_field("url", &url)?;
    }
    m.end()
}

/// Whether `s` starts with `prefix`, ignoring ASCII case.
fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.as_bytes().get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

impl Serialize for Identifier<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Identifier::Advisory(id) => {
                let name = non_blank(id);
                let url = |base: &'static str| Some(Text(move |f| write!(f, "{base}{id}")));
                if starts_with_ignore_case(id, "CVE-") {
                    write_identifier(s, "cve", name, name, url("https://nvd.nist.gov/vuln/detail/"))
                } else if starts_with_ignore_case(id, "GHSA-") {
                    write_identifier(s, "ghsa", name, name, url("https://github.com/advisories/"))
                } else if let Some((prefix, _)) = id.split_once('-') {
                    if prefix.trim().is_empty() {
                        write_identifier(s, "unknown", name, name, url("https://osv.dev/vulnerability/"))
                    } else {
                        let ty = Text(move |f| {
                            prefix.chars().try_for_each(|c| fmt::Write::write_char(f, c.to_ascii_lowercase()))
                        });
                        write_identifier(s, ty, name, name, url("https://osv.dev/vulnerability/"))
                    }
                } else {
                    write_identifier(s, "advisory", name, name, None::<&str>)
                }
            }
            Identifier::Rule { id, help } => {
                let id = non_blank(id);
                write_identifier(s, "mlsec_rule_id", id, id, help.filter(|u| is_url(u)))
            }
            Identifier::Cwe(n) => write_identifier(
                s,
                "cwe",
                Text(|f| write!(f, "CWE-{n}")),
                Text(|f| write!(f, "{n}")),
                Some(Text(|f| write!(f, "https://cwe.mitre.org/data/definitions/{n}.html"))),
            ),
        }
    }
}

/// The CWE numbers named in `tags` (`CWE-502`, `cwe-79`, `external/cwe/cwe-22`).
fn cwe_numbers<'a>(tags: impl Iterator<Item = &'a str>) -> Vec<u32> {
    let mut out = Vec::new();
    for tag in tags {
        // The last `cwe-`, any case (ASCII case folding keeps byte offsets).
        let bytes = tag.as_bytes();
        let Some(pos) =
            (0..bytes.len().saturating_sub(3)).rev().find(|&i| bytes[i..i + 4].eq_ignore_ascii_case(b"cwe-"))
        else {
            continue;
        };
        if pos > 0 && !tag[..pos].ends_with('/') {
            continue;
        }
        if let Ok(n) = tag[pos + 4..].parse::<u32>()
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
    out
}

fn identifiers<'a>(f: &'a Finding, rule: Option<&'a Rule>) -> Vec<Identifier<'a>> {
    let rule_identifier = || Identifier::Rule { id: &f.rule_id, help: rule.and_then(|r| r.help_uri.as_deref()) };
    let is_advisory =
        |out: &[Identifier<'_>], id: &str| out.iter().any(|i| matches!(i, Identifier::Advisory(a) if a == id));
    let mut out = Vec::with_capacity(4);
    if let Some(v) = &f.vulnerability {
        out.push(Identifier::Advisory(mlsec_findings::fingerprint::canonical_advisory_id(&v.id)));
        for alias in &v.aliases {
            let a = mlsec_findings::fingerprint::canonical_advisory_id(alias);
            if !is_advisory(&out, &a) {
                out.push(Identifier::Advisory(a));
            }
        }
    } else {
        out.push(rule_identifier());
    }
    let tags = f
        .tags
        .iter()
        .chain(rule.map(|r| r.tags.as_slice()).unwrap_or_default())
        .chain(f.vulnerability.as_ref().map(|v| v.cwes.as_slice()).unwrap_or_default())
        .map(String::as_str);
    out.extend(cwe_numbers(tags).into_iter().map(Identifier::Cwe));
    if f.vulnerability.is_some() && !is_advisory(&out, &mlsec_findings::fingerprint::canonical_advisory_id(&f.rule_id))
    {
        out.push(rule_identifier());
    }
    out
}

/// An entry of `links`.
#[derive(Debug, Serialize)]
struct Link<'a> {
    url: &'a str,
}

fn links<'a>(f: &'a Finding, rule: Option<&'a Rule>) -> Vec<Link<'a>> {
    let references = f.vulnerability.iter().flat_map(|v| v.references.iter().map(String::as_str));
    let mut out: Vec<Link<'a>> = Vec::new();
    for url in references.chain(rule.and_then(|r| r.help_uri.as_deref())) {
        if is_url(url) && !out.iter().any(|l| l.url == url) {
            out.push(Link { url });
        }
    }
    out
}

/// One entry of `details`: `{ "name", "type", "value" }`.
#[derive(Serialize)]
struct Detail<V> {
    name: &'static str,
    #[serde(rename = "type")]
    ty: &'static str,
    value: V,
}

fn text<V: Serialize>(name: &'static str, value: V) -> Option<Detail<V>> {
    Some(Detail { name, ty: "text", value })
}

/// `details`, in this order, each when known.
#[derive(Serialize)]
struct Details<'a> {
    tool: Detail<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<Detail<FingerprintText<'a>>>,
    confidence: Detail<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cvss_score: Option<Detail<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cvss_vector: Option<Detail<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<Detail<PackageText<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed_version: Option<Detail<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    measurement: Option<Detail<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Detail<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<Detail<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reported_by: Option<Detail<String>>,
}

/// `<key>:<value>` of a fingerprint.
struct FingerprintText<'a>(&'a str, &'a str);

impl Serialize for FingerprintText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let FingerprintText(key, value) = self;
        s.collect_str(&Text(|f| write!(f, "{key}:{value}")))
    }
}

/// `<name>[ <version>][ (<purl>)]` of a package.
struct PackageText<'a>(&'a Package);

impl Serialize for PackageText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        s.collect_str(&Text(|f| {
            f.write_str(&p.name)?;
            if let Some(v) = &p.version {
                write!(f, " {v}")?;
            }
            if let Some(purl) = &p.purl {
                write!(f, " ({purl})")?;
            }
            Ok(())
        }))
    }
}

fn details<'a>(label: &'a str, f: &'a Finding) -> Details<'a> {
    Details {
        tool: Detail { name: "Tool", ty: "text", value: label },
        fingerprint: f.primary_fingerprint().and_then(|(k, v)| text("Fingerprint", FingerprintText(k, v))),
        confidence: Detail { name: "Confidence", ty: "text", value: f.confidence.as_str() },
        cvss_score: f.cvss_score.filter(|s| s.is_finite()).map(|value| Detail {
            name: "CVSS score",
            ty: "value",
            value,
        }),
        cvss_vector: f
            .vulnerability
            .as_ref()
            .and_then(|v| v.cvss_vector.as_deref())
            .and_then(|v| text("CVSS vector", v)),
        package: f.package.as_ref().and_then(|p| text("Package", PackageText(p))),
        fixed_version: f
            .package
            .as_ref()
            .and_then(|p| p.fixed_version.as_deref())
            .and_then(|v| text("Fixed version", v)),
        measurement: f.measurement.as_ref().and_then(|m| text("Measurement", measurement_text(m))),
        snippet: f.primary_location().and_then(|l| l.snippet.as_deref()).map(|snippet| Detail {
            name: "Snippet (redacted)",
            ty: "code",
            value: redact_snippet(f.category, snippet),
        }),
        baseline_state: f.baseline_state.and_then(|b| text("Baseline state", b.as_str())),
        reported_by: (f.reported_by.len() > 1).then(|| f.reported_by.join(", ")).and_then(|r| text("Reported by", r)),
    }
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
fn file_of(f: &Finding) -> Option<&str> {
    let primary = f.primary_location();
    primary
        .filter(|l| l.is_repo_file())
        .map(|l| l.uri.as_str())
        .or_else(|| f.package.as_ref().and_then(|p| p.manifest.as_deref()))
        .or_else(|| primary.map(|l| l.uri.as_str()))
        .filter(|s| !s.is_empty())
}

/// `location`: the fields of the report's kind (see [`location`]), in the schemas' order.
#[derive(Default, Serialize)]
struct GitlabLocation<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<Commit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dependency: Option<Dependency<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operating_system: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<Image<'a>>,
}

#[derive(Serialize)]
struct Commit {
    sha: &'static str,
}

#[derive(Serialize)]
struct Dependency<'a> {
    package: DependencyPackage<'a>,
    version: &'a str,
}

#[derive(Serialize)]
struct DependencyPackage<'a> {
    name: Cow<'a, str>,
}

/// `start_line` and `end_line` (never before the start), when the start is known.
fn with_lines<'a>(mut m: GitlabLocation<'a>, l: Option<&Location>) -> GitlabLocation<'a> {
    if let Some(l) = l
        && let Some(start) = l.start_line
    {
        m.start_line = Some(start);
        m.end_line = Some(l.end_line.filter(|&e| e >= start).unwrap_or(start));
    }
    m
}

fn dependency(f: &Finding) -> Dependency<'_> {
    let (name, version) = package_of(f).unwrap_or((Cow::Borrowed("unknown"), ""));
    Dependency { package: DependencyPackage { name }, version }
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

fn operating_system<'a>(run: &'a Run, f: &'a Finding) -> &'a str {
    ["mlsec/os", "os"]
        .iter()
        .find_map(|k| f.properties.get(*k).and_then(Value::as_str))
        .or_else(|| run.engines.iter().find_map(|e| e.properties.get("os").map(String::as_str)))
        .or_else(|| {
            f.package
                .as_ref()
                .and_then(|p| p.ecosystem.as_deref())
                .filter(|e| OS_ECOSYSTEMS.iter().any(|os| e.eq_ignore_ascii_case(os)))
        })
        .filter(|s| !s.trim().is_empty())
        .unwrap_or("unknown")
}

fn location<'a>(kind: ReportKind, run: &'a Run, f: &'a Finding) -> GitlabLocation<'a> {
    let primary = f.primary_location();
    match kind {
        ReportKind::Sast => with_lines(GitlabLocation { file: file_of(f), ..GitlabLocation::default() }, primary),
        ReportKind::SecretDetection => with_lines(
            GitlabLocation {
                file: file_of(f),
                commit: Some(Commit { sha: WORK_TREE_COMMIT }),
                ..GitlabLocation::default()
            },
            primary,
        ),
        ReportKind::DependencyScanning => {
            let file = f
                .package
                .as_ref()
                .and_then(|p| p.manifest.as_deref())
                .or_else(|| file_of(f))
                .unwrap_or_else(|| f.display_id());
            GitlabLocation { file: Some(file), dependency: Some(dependency(f)), ..GitlabLocation::default() }
        }
        ReportKind::ContainerScanning => GitlabLocation {
            dependency: Some(dependency(f)),
            operating_system: Some(operating_system(run, f)),
            image: Some(image_of(run, f).unwrap_or(Image::Named("unknown"))),
            ..GitlabLocation::default()
        },
    }
}

/// The `scan` object of one report.
#[derive(Serialize)]
struct Scan<'a> {
    analyzer: Analyzer<'a>,
    scanner: Analyzer<'a>,
    #[serde(rename = "type")]
    scan_type: &'static str,
    start_time: &'a str,
    end_time: &'a str,
    status: &'static str,
    messages: Vec<Message>,
}

/// `scan.analyzer` and `scan.scanner`: both mlsec.
#[derive(Clone, Copy, Serialize)]
struct Analyzer<'a> {
    id: &'static str,
    name: &'static str,
    url: &'static str,
    version: &'a str,
    vendor: Vendor,
}

#[derive(Clone, Copy, Serialize)]
struct Vendor {
    name: &'static str,
}

#[derive(Serialize)]
struct Message {
    level: &'static str,
    value: String,
}

fn scan<'a>(
    ctx: &'a RenderContext<'_>,
    kind: ReportKind,
    contributes: &[u8],
    runs: &[RunInfo<'_>],
    time: &'a str,
) -> Scan<'a> {
    let mut messages = Vec::new();
    let mut failed = false;
    for (info, _) in runs.iter().zip(contributes).filter(|(_, bits)| *bits & kind.bit() != 0) {
        let run = info.run;
        messages.push(Message { level: "info", value: format!("mlsec {}", info.label) });
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
                messages
                    .push(Message { level: "fatal", value: format!("{}: {}", run.short_name(), redact_message(&e)) });
            }
        }
        for w in &run.invocation.warnings {
            messages.push(Message { level: "warn", value: format!("{}: {}", run.short_name(), redact_message(w)) });
        }
    }
    let mlsec = Analyzer {
        id: "mlsec",
        name: "mlsec",
        url: mlsec_findings::PROJECT_URL,
        version: non_blank(&ctx.options.mlsec_version),
        vendor: Vendor { name: "mlsec" },
    };
    Scan {
        analyzer: mlsec,
        scanner: mlsec,
        scan_type: kind.scan_type(),
        start_time: time,
        end_time: time,
        status: if failed { "failure" } else { "success" },
        messages,
    }
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

/// At most `max_chars` characters, the last one `…` when cut.
fn truncate(s: Cow<'_, str>, max_chars: usize) -> Cow<'_, str> {
    // A string has at least as many bytes as characters: most need no counting.
    if s.len() <= max_chars || s.chars().count() <= max_chars {
        return s;
    }
    let mut out: String = s.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    Cow::Owned(out)
}

/// What identifies a finding across pipelines: its primary fingerprint, else (foreign SARIF
/// without fingerprints) its tool, rule and primary location.
fn identity<'a>(run: &'a Run, f: &'a Finding) -> (&'a str, Cow<'a, str>) {
    match f.primary_fingerprint() {
        Some((k, v)) => (k, Cow::Borrowed(v)),
        None => (
            "fallback",
            Cow::Owned(format!(
                "{}\n{}\n{}",
                run.tool.name,
                f.rule_id,
                f.primary_location().map(Location::display).unwrap_or_default()
            )),
        ),
    }
}

/// Occurrence numbers of findings among findings of the same identity, counted in file order.
#[derive(Debug)]
pub(crate) struct Occurrences<'a> {
    seen: HashMap<(&'a str, Cow<'a, str>), u32>,
}

impl<'a> Occurrences<'a> {
    /// Ready to count the findings of `file`.
    pub(crate) fn new(file: &FindingsFile) -> Self {
        Occurrences { seen: HashMap::with_capacity(file.len()) }
    }

    /// The occurrence of `f` (0 for the first of its identity); call for every finding of the
    /// file, in order.
    pub(crate) fn next(&mut self, run: &'a Run, f: &'a Finding) -> u32 {
        let n = self.seen.entry(identity(run, f)).or_insert(0);
        let occurrence = *n;
        *n += 1;
        occurrence
    }
}

/// A 32-hex-digit hash of a finding, from its identity and its occurrence (see [`Occurrences`])
/// under `domain`: stable across pipelines, unique within the file.
pub(crate) fn stable_id(domain: &str, run: &Run, f: &Finding, occurrence: u32) -> String {
    let (key, value) = identity(run, f);
    mlsec_findings::fingerprint::model(domain, key, &format!("{value}\n{occurrence}"))
}

/// A UUID, as its 36 ASCII characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Uuid([u8; 36]);

impl Uuid {
    fn as_str(&self) -> &str {
        // Hex digits and dashes only.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl Serialize for Uuid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Format 32 hex digits as a UUID with the version-5 and RFC 4122 variant bits set.
fn uuid_from_hex(hex: &str) -> Uuid {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut h = [b'0'; 32];
    for (slot, c) in h.iter_mut().zip(hex.bytes().filter(u8::is_ascii_hexdigit)) {
        *slot = c.to_ascii_lowercase();
    }
    h[12] = b'5';
    let variant = char::from(h[16]).to_digit(16).unwrap_or(0);
    h[16] = DIGITS[((variant & 0x3) | 0x8) as usize];
    let mut out = [b'-'; 36];
    let mut j = 0;
    for (i, &c) in h.iter().enumerate() {
        if matches!(i, 8 | 12 | 16 | 20) {
            j += 1;
        }
        out[j] = c;
        j += 1;
    }
    Uuid(out)
}

/// GitLab's severity for ours: the same six values, capitalised.
pub fn severity(s: Severity) -> &'static str {
    s.label()
}

/// Compact JSON re-indented the way `serde_json::to_string_pretty` writes it (two spaces,
/// `": "`), keeping the key order: the snapshots stay readable.
#[cfg(test)]
pub(crate) fn pretty_json(compact: &str) -> String {
    fn newline(out: &mut String, indent: usize) {
        out.push('\n');
        for _ in 0..indent {
            out.push_str("  ");
        }
    }
    let mut out = String::with_capacity(compact.len() * 2);
    let mut indent = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    out.push(close);
                    chars.next();
                } else {
                    indent += 1;
                    newline(&mut out, indent);
                }
            }
            '}' | ']' => {
                indent = indent.saturating_sub(1);
                newline(&mut out, indent);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, indent);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportOptions;
    use mlsec_findings::gate::GatePolicy;
    use mlsec_findings::sample::{FAKE_AWS_KEY, FAKE_DB_PASSWORD, FAKE_HF_TOKEN, sample};
    use mlsec_findings::{LogicalLocation, Vulnerability};
    use serde_json::json;
    use std::collections::BTreeSet;
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
            insta::assert_snapshot!(r.file_name, pretty_json(&r.json));
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
        assert_eq!(
            image_of(&run, &run.findings[0]).map(|i| i.to_string()).as_deref(),
            Some("image/registry.example.com/ml/serve:1.2")
        );
        let mut l = Location::artifact("x", "package");
        l.logical.push(LogicalLocation { name: "oci://ghcr.io/a/b:1".into(), kind: Some("image".into()) });
        let mut f = Finding::new("CVE-1", Category::Vulnerability, Severity::Low, "m");
        f.locations.push(l);
        assert_eq!(
            image_of(&Run::new("trivy-wrapper", "0", "."), &f).map(|i| i.to_string()).as_deref(),
            Some("ghcr.io/a/b:1")
        );
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
            assert_eq!(package_of(&f), Some(("@scope/left-pad".into(), "1.0.0")));
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
        assert_eq!(uuid_from_hex("0123456789abcdef0123456789abcdef").as_str(), "01234567-89ab-5def-8123-456789abcdef");
        assert_eq!(uuid_from_hex("ffffffffffffffffffffffffffffffff").as_str(), "ffffffff-ffff-5fff-bfff-ffffffffffff");
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

//! GitLab Code Quality JSON (the Code Climate subset GitLab reads, available on the Free tier):
//! an array of issues with `description`, `check_name`, `fingerprint`, `severity` and
//! `location.path` / `location.lines.begin` (plus Code Climate's `type: "issue"` and
//! `engine_name`, which GitLab ignores).
//!
//! - Every finding of every category is an issue, except those with an effective suppression
//!   (Code Quality has no suppression state) and those absent from this scan (baseline state
//!   `absent`). New-only does not filter: GitLab compares the MR's report with the target
//!   branch's report by fingerprint itself.
//! - `fingerprint`: 32 hex digits (MD5-sized, which is what GitLab expects) derived with SHA-256
//!   from the finding's primary fingerprint and its occurrence among identical ones in the file:
//!   stable across pipelines, unique per issue. Never the fingerprint itself, never a value.
//! - `severity` (Code Climate's `info | minor | major | critical | blocker`):
//!   critical -> `blocker`, high -> `critical`, medium -> `major`, unknown -> `major`,
//!   low -> `minor`, info -> `info`. Unknown maps like medium: a finding whose tool gave no
//!   severity must not hide under the noise (DESIGN.md §4.4, where unknown also scores 5.5 and has
//!   SARIF level `warning` like medium).
//! - `location.path`: the repository file; for findings without one, the package's manifest,
//!   else the location's URI (`pkg:...`, `oci://...`), else the run's target; line 1 when no
//!   line is known.
//! - `description`: `"<id>: <message>"` with the advisory id for vulnerabilities, the rule id
//!   otherwise; the message goes through `mlsec_findings::redact`.

use std::borrow::Cow;

use mlsec_findings::redact::redact_message;
use mlsec_findings::{BaselineState, Finding, Run, Severity};
use serde::{Serialize, Serializer};

use crate::RenderContext;
use crate::gitlab::{Occurrences, stable_id};

/// The domain of the issue fingerprints.
const FINGERPRINT_DOMAIN: &str = "mlsec/codequality/fingerprint";

/// About what one issue takes, compact (the sample set's are 250-330 bytes), to size the output
/// buffer once.
const BYTES_PER_ISSUE: usize = 384;

/// Code Climate's severity for ours (see the module docs).
pub const fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "blocker",
        Severity::High => "critical",
        Severity::Medium | Severity::Unknown => "major",
        Severity::Low => "minor",
        Severity::Info => "info",
    }
}

/// The Code Quality report (a compact JSON array and a final newline; `[]` when there is nothing
/// to report), serialized issue by issue from typed structs that borrow from the findings.
pub fn render(ctx: &RenderContext<'_>) -> String {
    crate::json_text(&Issues(ctx), 2 + ctx.file.len() * BYTES_PER_ISSUE)
}

/// The issues of the context's findings, each built as it is serialized.
struct Issues<'c, 'a>(&'c RenderContext<'a>);

impl Serialize for Issues<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ctx = self.0;
        let mut occurrences = Occurrences::new(ctx.file);
        let findings = ctx.file.runs.iter().flat_map(|run| run.findings.iter().map(move |f| (run, f)));
        s.collect_seq(findings.filter_map(|(run, f)| {
            // Every finding counts for the occurrence numbers, reported or not.
            let occurrence = occurrences.next(run, f);
            if f.is_suppressed(ctx.policy.today) || f.baseline_state == Some(BaselineState::Absent) {
                return None;
            }
            let (path, begin) = path_and_line(run, f);
            Some(Issue {
                kind: "issue",
                engine_name: run.short_name(),
                check_name: &f.rule_id,
                description: Description(f),
                fingerprint: stable_id(FINGERPRINT_DOMAIN, run, f, occurrence),
                severity: severity(f.severity),
                location: IssueLocation { path, lines: Lines { begin } },
            })
        }))
    }
}

/// One issue.
#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    engine_name: &'a str,
    check_name: &'a str,
    description: Description<'a>,
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation<'a>,
}

/// `"<id>: <redacted message>"`, written without an intermediate `String`.
struct Description<'a>(&'a Finding);

impl Serialize for Description<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        s.collect_str(&format_args!("{}: {}", f.display_id(), redact_message(&f.message)))
    }
}

#[derive(Serialize)]
struct IssueLocation<'a> {
    path: Cow<'a, str>,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// Where the issue is shown: see the module docs.
fn path_and_line<'a>(run: &'a Run, f: &'a Finding) -> (Cow<'a, str>, u32) {
    let primary = f.primary_location();
    let line = primary.and_then(|l| l.start_line).filter(|&l| l > 0).unwrap_or(1);
    if let Some(l) = primary.filter(|l| l.is_repo_file() && !l.uri.is_empty()) {
        return (Cow::Borrowed(&l.uri), line);
    }
    if let Some(manifest) = f.package.as_ref().and_then(|p| p.manifest.as_deref()).filter(|m| !m.is_empty()) {
        return (Cow::Borrowed(manifest), 1);
    }
    if let Some(l) = primary.filter(|l| !l.uri.is_empty()) {
        return (Cow::Borrowed(&l.uri), line);
    }
    let target = run.automation_id.split('/').skip(2).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("/");
    (if target.is_empty() { Cow::Borrowed(".") } else { Cow::Owned(target) }, 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportOptions;
    use mlsec_findings::gate::GatePolicy;
    use mlsec_findings::sample::{FAKE_AWS_KEY, FAKE_DB_PASSWORD, FAKE_HF_TOKEN, sample};
    use mlsec_findings::{Category, FindingsFile, Location, Package};
    use serde_json::{Value, json};
    use std::collections::BTreeSet;
    use time::macros::{date, datetime};

    fn ctx(file: &FindingsFile) -> RenderContext<'_> {
        let policy = GatePolicy {
            fail_on: Some(Severity::High),
            new_only: false,
            max_findings: None,
            today: date!(2026 - 12 - 02),
        };
        let options = ReportOptions { generated_at: datetime!(2026-12-01 12:00 UTC), ..ReportOptions::default() };
        RenderContext::new(file, policy, options)
    }

    fn issues(file: &FindingsFile) -> Vec<Value> {
        let out = render(&ctx(file));
        serde_json::from_str::<Value>(&out).expect("valid JSON").as_array().cloned().expect("an array")
    }

    #[test]
    fn sample_snapshot() {
        insta::assert_snapshot!(crate::gitlab::pretty_json(&render(&ctx(&sample()))));
    }

    #[test]
    fn suppressed_are_left_out_and_fingerprints_unique() {
        let file = sample();
        let v = issues(&file);
        // 16 findings, 2 suppressed.
        assert_eq!(v.len(), 14);
        assert!(!v.iter().any(|i| i["check_name"] == "database-url-password" || i["check_name"] == "B105"));
        let fps: BTreeSet<_> = v.iter().map(|i| i["fingerprint"].as_str().expect("str").to_owned()).collect();
        assert_eq!(fps.len(), 14);
        assert!(fps.iter().all(|f| f.len() == 32 && f.chars().all(|c| c.is_ascii_hexdigit())));
        // Not our raw fingerprints.
        for (_, f) in file.findings() {
            if let Some((_, raw)) = f.primary_fingerprint() {
                assert!(!fps.contains(raw));
            }
        }
        // Stable across renders, and duplicates of a run stay distinct.
        assert_eq!(issues(&file), v);
        let mut twice = sample();
        twice.runs.push(twice.runs[1].clone());
        let fps: BTreeSet<_> = issues(&twice).iter().map(|i| i["fingerprint"].to_string()).collect();
        assert_eq!(fps.len(), 17);
        assert_eq!(render(&ctx(&FindingsFile::default())), "[]\n");
    }

    #[test]
    fn severity_mapping() {
        assert_eq!(severity(Severity::Critical), "blocker");
        assert_eq!(severity(Severity::High), "critical");
        assert_eq!(severity(Severity::Medium), "major");
        assert_eq!(severity(Severity::Unknown), "major");
        assert_eq!(severity(Severity::Low), "minor");
        assert_eq!(severity(Severity::Info), "info");
        let v = issues(&sample());
        let sev = |check: &str| v.iter().find(|i| i["check_name"] == check).map(|i| i["severity"].clone());
        assert_eq!(sev("aws-access-key-id"), Some(json!("blocker")));
        assert_eq!(sev("huggingface-token"), Some(json!("critical")));
        assert_eq!(sev("CVE-2024-0000"), Some(json!("major")));
        assert_eq!(sev("unpinned-requirement"), Some(json!("minor")));
    }

    #[test]
    fn locations_fall_back() {
        let v = issues(&sample());
        let loc = |check: &str| v.iter().find(|i| i["check_name"] == check).map(|i| i["location"].clone());
        assert_eq!(loc("B614"), Some(json!({"path": "src/serve.py", "lines": {"begin": 18}})));
        // A file without a line: line 1.
        assert_eq!(
            loc("demographic-parity-difference"),
            Some(json!({"path": "data/predictions.csv", "lines": {"begin": 1}}))
        );
        let mut run = Run::new("trivy-wrapper", "0", "image/app");
        let mut f = Finding::new("CVE-1", Category::Vulnerability, Severity::Low, "m");
        f.locations.push(Location::artifact("pkg:pypi/torch@2.1.0", "package"));
        assert_eq!(path_and_line(&run, &f), ("pkg:pypi/torch@2.1.0".into(), 1));
        f.package = Some(Package { name: "torch".into(), manifest: Some("uv.lock".into()), ..Package::default() });
        assert_eq!(path_and_line(&run, &f), ("uv.lock".into(), 1));
        f.package = None;
        f.locations.clear();
        assert_eq!(path_and_line(&run, &f), ("image/app".into(), 1));
        run.automation_id = mlsec_findings::model::automation_id("x", ".");
        assert_eq!(path_and_line(&run, &f), (".".into(), 1));
    }

    #[test]
    fn no_secret_value() {
        let out = render(&ctx(&sample()));
        for secret in [FAKE_AWS_KEY, FAKE_HF_TOKEN, FAKE_DB_PASSWORD] {
            assert!(!out.contains(secret), "leaks {secret}");
        }
    }
}

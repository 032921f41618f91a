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

use mlsec_findings::redact::redact_message;
use mlsec_findings::{BaselineState, Finding, Run, Severity};
use serde_json::{Value, json};

use crate::RenderContext;

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

/// The Code Quality report (a JSON array, pretty-printed; `[]` when there is nothing to report).
pub fn render(ctx: &RenderContext<'_>) -> String {
    let ids = crate::gitlab::stable_ids(ctx.file, "mlsec/codequality/fingerprint");
    let mut issues = Vec::new();
    for (ri, run) in ctx.file.runs.iter().enumerate() {
        for (fi, f) in run.findings.iter().enumerate() {
            if f.is_suppressed(ctx.policy.today) || f.baseline_state == Some(BaselineState::Absent) {
                continue;
            }
            let (path, line) = path_and_line(run, f);
            issues.push(json!({
                "type": "issue",
                "engine_name": run.short_name(),
                "check_name": f.rule_id,
                "description": format!("{}: {}", f.display_id(), redact_message(&f.message)),
                "fingerprint": ids[ri][fi],
                "severity": severity(f.severity),
                "location": { "path": path, "lines": { "begin": line } },
            }));
        }
    }
    format!("{:#}\n", Value::Array(issues))
}

/// Where the issue is shown: see the module docs.
fn path_and_line(run: &Run, f: &Finding) -> (String, u32) {
    let primary = f.primary_location();
    let line = primary.and_then(|l| l.start_line).filter(|&l| l > 0).unwrap_or(1);
    if let Some(l) = primary.filter(|l| l.is_repo_file() && !l.uri.is_empty()) {
        return (l.uri.clone(), line);
    }
    if let Some(manifest) = f.package.as_ref().and_then(|p| p.manifest.clone()).filter(|m| !m.is_empty()) {
        return (manifest, 1);
    }
    if let Some(l) = primary.filter(|l| !l.uri.is_empty()) {
        return (l.uri.clone(), line);
    }
    let target = run.automation_id.split('/').skip(2).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("/");
    (if target.is_empty() { ".".to_owned() } else { target }, 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportOptions;
    use mlsec_findings::gate::GatePolicy;
    use mlsec_findings::sample::{FAKE_AWS_KEY, FAKE_DB_PASSWORD, FAKE_HF_TOKEN, sample};
    use mlsec_findings::{Category, FindingsFile, Location, Package};
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
        insta::assert_snapshot!(render(&ctx(&sample())));
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
        assert_eq!(path_and_line(&run, &f), ("pkg:pypi/torch@2.1.0".to_owned(), 1));
        f.package = Some(Package { name: "torch".into(), manifest: Some("uv.lock".into()), ..Package::default() });
        assert_eq!(path_and_line(&run, &f), ("uv.lock".to_owned(), 1));
        f.package = None;
        f.locations.clear();
        assert_eq!(path_and_line(&run, &f), ("image/app".to_owned(), 1));
        run.automation_id = mlsec_findings::model::automation_id("x", ".");
        assert_eq!(path_and_line(&run, &f), (".".to_owned(), 1));
    }

    #[test]
    fn no_secret_value() {
        let out = render(&ctx(&sample()));
        for secret in [FAKE_AWS_KEY, FAKE_HF_TOKEN, FAKE_DB_PASSWORD] {
            assert!(!out.contains(secret), "leaks {secret}");
        }
    }
}

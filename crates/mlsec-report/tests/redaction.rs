//! No secret value can appear in any rendered output: findings whose snippets and messages hold
//! raw secrets (as a careless tool or a foreign SARIF would write them) go through every renderer.

use mlsec_findings::gate::GatePolicy;
use mlsec_findings::model::{Category, Finding, Location};
use mlsec_findings::sample::{FAKE_AWS_KEY, FAKE_DB_PASSWORD, FAKE_HF_TOKEN};
use mlsec_findings::{Severity, fingerprint};
use mlsec_report::{RenderContext, ReportOptions};

const GH_TOKEN: &str = "ghp_R8bUvT3kq9XcWm2ZpL5nY7sD4fG6hJ1aQe0r";
const GENERIC: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const PRIVATE_KEY_LINE: &str = "MIIEowIBAAKCAQEA7bqR2mNx";

fn leaky() -> mlsec_findings::FindingsFile {
    let mut file = mlsec_findings::sample::sample();
    let run = &mut file.runs[0];
    // Raw secrets placed straight into the model, bypassing import-time redaction.
    let mut a = Finding::new("github-pat", Category::Secret, Severity::Critical, format!("token {GH_TOKEN} found"));
    let mut l = Location::file("scripts/deploy.sh", Some(3));
    l.snippet = Some(format!("export GH_TOKEN={GH_TOKEN}"));
    a.locations.push(l);
    a.fingerprints.insert(fingerprint::SECRET_V1.into(), fingerprint::secret("github", "x"));
    let mut b = Finding::new("wandb-api-key", Category::Secret, Severity::High, "W&B key in .netrc");
    let mut l = Location::file(".netrc", Some(2));
    l.snippet = Some(format!("  password {GENERIC}"));
    b.locations.push(l);
    b.fingerprints.insert(fingerprint::SECRET_V1.into(), fingerprint::secret("wandb", "y"));
    // A non-secret category whose tool put secrets in its message and snippet (Bandit B105/B106).
    let mut c = Finding::new(
        "B106",
        Category::Sast,
        Severity::Medium,
        format!("Possible hardcoded password: 'password={FAKE_DB_PASSWORD}' near {FAKE_AWS_KEY}"),
    );
    let mut l = Location::file("src/db.py", Some(5));
    l.snippet = Some(format!(
        "connect(url=\"postgres://u:{FAKE_DB_PASSWORD}@h/db\", key=\"{FAKE_HF_TOKEN}\")\n-----BEGIN RSA PRIVATE KEY-----\n{PRIVATE_KEY_LINE}"
    ));
    c.locations.push(l);
    c.fingerprints.insert(fingerprint::CODE_V1.into(), fingerprint::code("B106", "src/db.py", "x", 0));
    run.findings.extend([a, b, c]);
    file
}

#[test]
fn every_format_redacts_every_secret() {
    let file = leaky();
    let policy = GatePolicy {
        fail_on: Some(Severity::Low),
        new_only: false,
        max_findings: None,
        today: time::macros::date!(2026 - 12 - 02),
    };
    let ctx = RenderContext::new(&file, policy, ReportOptions::default());
    let mut outputs: Vec<(String, String)> = vec![
        ("sarif".into(), mlsec_report::sarif::render(&ctx)),
        ("codequality".into(), mlsec_report::codequality::render(&ctx)),
        ("junit".into(), mlsec_report::junit::render(&ctx)),
        ("markdown".into(), mlsec_report::markdown::render(&ctx)),
        ("html".into(), mlsec_report::html::render(&ctx)),
        ("annotations".into(), mlsec_report::annotations::render(&ctx)),
        ("text".into(), mlsec_report::text::render(&ctx, 100)),
    ];
    for r in mlsec_report::gitlab::render(&ctx) {
        outputs.push((r.file_name.to_owned(), r.json));
    }
    assert!(outputs.len() >= 9, "every format rendered");
    for (name, out) in &outputs {
        assert!(!out.is_empty(), "{name} is empty");
        for secret in [FAKE_AWS_KEY, FAKE_HF_TOKEN, FAKE_DB_PASSWORD, GH_TOKEN, GENERIC, PRIVATE_KEY_LINE] {
            assert!(!out.contains(secret), "{name} leaks {}…", &secret[..4]);
        }
    }
    // The findings are still there, just masked.
    let md = &outputs[3].1;
    assert!(md.contains("github-pat") && md.contains("B106"), "findings missing from markdown");
}

//! A realistic multi-tool findings set: what a real ML repository's scan looks like (secrets in
//! a notebook and a `.env`, Bandit findings, Trivy vulnerabilities, a fairness metric, a failed
//! model signature, an SBOM finding). Used by snapshot tests, benchmarks and the docs examples.
//!
//! The secret values below are fake but shaped like real ones, so that the redaction tests prove
//! something: every writer must mask them.

use time::macros::date;

use crate::fingerprint;
use crate::model::{
    Category, Engine, Finding, FindingsFile, Location, Measurement, Package, Rule, Run, Suppression, SuppressionKind,
    SuppressionStatus, Vulnerability,
};
use crate::severity::{Confidence, Severity};

/// A fake AWS access key id that appears in [`sample`]'s snippets.
pub const FAKE_AWS_KEY: &str = "AKIAQYLPMN5HFIQR7XYZ";
/// A fake Hugging Face token that appears in [`sample`]'s snippets.
pub const FAKE_HF_TOKEN: &str = "hf_kTzQpLmNvBcXwErTyUiOpAsDfGhJkLzXcVbN";
/// A fake database password that appears in [`sample`]'s snippets.
pub const FAKE_DB_PASSWORD: &str = "Tr0ub4dor-and-3";

fn help(rule: &mut Rule, md: &str) {
    rule.help_uri = Some(format!("{}/blob/main/docs/rules.md#{}", crate::PROJECT_URL, rule.id.to_ascii_lowercase()));
    rule.help_markdown = Some(md.to_owned());
}

fn secrets_run() -> Run {
    let mut run = Run::new("secret-scan", "0.1.0", ".");
    let mut r1 = Rule::new("huggingface-token", Category::Secret, "Hugging Face access token");
    help(&mut r1, "Revoke the token at huggingface.co/settings/tokens and read it from `HF_TOKEN` instead.");
    r1.tags.push("ml".into());
    let mut r2 = Rule::new("aws-access-key-id", Category::Secret, "AWS access key id");
    help(&mut r2, "Deactivate the key in IAM, then use OIDC or a CI secret.");
    let mut r3 = Rule::new("database-url-password", Category::Secret, "Database URL with a password");
    help(&mut r3, "Move the password to a secret store; rotate it.");
    run.rules = vec![r1, r2, r3];

    let mut hf =
        Finding::new("huggingface-token", Category::Secret, Severity::High, "Hugging Face token in a notebook cell");
    hf.confidence = Confidence::High;
    let mut l = Location::file("notebooks/train.ipynb", Some(42));
    l.start_column = Some(13);
    l.end_column = Some(50);
    l.snippet = Some(format!("login(token=\"{FAKE_HF_TOKEN}\")"));
    hf.locations.push(l);
    hf.fingerprints.insert(
        fingerprint::SECRET_V1.into(),
        fingerprint::secret("huggingface", &fingerprint::secret_value_hash(FAKE_HF_TOKEN.as_bytes())),
    );
    hf.tags.push("ml".into());

    let mut aws = Finding::new(
        "aws-access-key-id",
        Category::Secret,
        Severity::Critical,
        "AWS access key id in a DVC remote config",
    );
    aws.confidence = Confidence::High;
    let mut l = Location::file(".dvc/config", Some(7));
    l.snippet = Some(format!("    access_key_id = {FAKE_AWS_KEY}"));
    aws.locations.push(l);
    aws.fingerprints.insert(
        fingerprint::SECRET_V1.into(),
        fingerprint::secret("aws", &fingerprint::secret_value_hash(FAKE_AWS_KEY.as_bytes())),
    );

    let mut db = Finding::new(
        "database-url-password",
        Category::Secret,
        Severity::High,
        "PostgreSQL URL with a password in .env",
    );
    db.confidence = Confidence::Medium;
    let mut l = Location::file(".env", Some(3));
    l.snippet = Some(format!("MLFLOW_BACKEND_STORE_URI=postgresql://mlflow:{FAKE_DB_PASSWORD}@db:5432/mlflow"));
    db.locations.push(l);
    db.fingerprints.insert(
        fingerprint::SECRET_V1.into(),
        fingerprint::secret("database-url", &fingerprint::secret_value_hash(FAKE_DB_PASSWORD.as_bytes())),
    );
    db.suppressions.push(Suppression {
        kind: SuppressionKind::External,
        status: SuppressionStatus::Accepted,
        justification: Some("local docker-compose credentials, not used outside dev".into()),
        expires: Some(date!(2027 - 03 - 31)),
        source: Some("mlsec.toml".into()),
    });
    run.findings = vec![hf, aws, db];
    run
}

fn code_finding(rule: &str, path: &str, line: u32, src: &str, sev: Severity, conf: Confidence, msg: &str) -> Finding {
    let mut f = Finding::new(rule, Category::Sast, sev, msg);
    f.confidence = conf;
    let mut l = Location::file(path, Some(line));
    l.snippet = Some(src.to_owned());
    f.locations.push(l);
    f.fingerprints.insert(fingerprint::CODE_V1.into(), fingerprint::code(rule, path, src, 0));
    f
}

fn bandit_run() -> Run {
    let mut run = Run::new("bandit-wrapper", "0.1.0", "src");
    run.engines.push(Engine { name: "bandit".into(), version: Some("1.8.6".into()), properties: Default::default() });
    for (id, short, md, cwe) in [
        (
            "B614",
            "Unsafe PyTorch load",
            "`torch.load` unpickles: pass `weights_only=True` or use safetensors.",
            "CWE-502",
        ),
        ("B301", "Pickle deserialization", "Loading a pickle runs code. Use a safe format.", "CWE-502"),
        ("B615", "Unpinned Hugging Face download", "Pin `revision=` to a commit hash.", "CWE-494"),
        ("B105", "Hard-coded password string", "Read it from the environment.", "CWE-259"),
    ] {
        let mut r = Rule::new(id, Category::Sast, short);
        help(&mut r, md);
        r.tags.push(cwe.to_owned());
        run.rules.push(r);
    }
    let mut torch = code_finding(
        "B614",
        "src/serve.py",
        18,
        "model = torch.load(path)",
        Severity::Medium,
        Confidence::High,
        "Use of unsafe PyTorch load",
    );
    torch.tags.push("CWE-502".into());
    let pickle = code_finding(
        "B301",
        "src/train.py",
        64,
        "clf = pickle.load(open(\"model.pkl\", \"rb\"))",
        Severity::Medium,
        Confidence::High,
        "Pickle and modules that wrap it can be unsafe when used to deserialize untrusted data",
    );
    let hf = code_finding(
        "B615",
        "src/train.py",
        12,
        "tok = AutoTokenizer.from_pretrained(\"bert-base-uncased\")",
        Severity::Medium,
        Confidence::High,
        "Unsafe Hugging Face Hub download without revision pinning in from_pretrained()",
    );
    let mut pw = code_finding(
        "B105",
        "src/settings.py",
        9,
        "DB_PASSWORD = \"hunter2-but-longer\"",
        Severity::Low,
        Confidence::Medium,
        "Possible hardcoded password: '****'",
    );
    pw.suppressions.push(Suppression {
        kind: SuppressionKind::InSource,
        status: SuppressionStatus::Accepted,
        justification: Some("# nosec B105".into()),
        expires: None,
        source: Some("nosec".into()),
    });
    run.findings = vec![torch, pickle, hf, pw];
    run
}

#[allow(clippy::too_many_arguments)] // a table of realistic advisories reads best flat
fn vuln(
    id: &str,
    pkg: &str,
    ver: &str,
    fixed: Option<&str>,
    sev: Severity,
    cvss: Option<f64>,
    title: &str,
    line: u32,
) -> Finding {
    let purl = format!("pkg:pypi/{pkg}@{ver}");
    let mut f = Finding::new(id, Category::Vulnerability, sev, format!("{pkg} {ver}: {title}"));
    f.cvss_score = cvss;
    f.confidence = Confidence::High;
    f.locations.push(Location::file("requirements.txt", Some(line)));
    f.package = Some(Package {
        name: pkg.into(),
        version: Some(ver.into()),
        purl: Some(purl.clone()),
        ecosystem: Some("pypi".into()),
        fixed_version: fixed.map(str::to_owned),
        manifest: Some("requirements.txt".into()),
    });
    f.vulnerability = Some(Vulnerability {
        id: id.into(),
        title: Some(title.into()),
        cwes: vec!["CWE-502".into()],
        references: vec![format!("https://avd.aquasec.com/nvd/{}", id.to_ascii_lowercase())],
        ..Default::default()
    });
    f.fingerprints.insert(fingerprint::VULN_V1.into(), fingerprint::vuln(id, &purl, "requirements.txt"));
    f
}

fn trivy_run() -> Run {
    let mut run = Run::new("trivy-wrapper", "0.1.0", ".");
    run.engines.push(Engine {
        name: "trivy".into(),
        version: Some("0.69.1".into()),
        properties: [("db-updated-at".to_owned(), "2026-12-01T06:13:24Z".to_owned())].into_iter().collect(),
    });
    run.findings = vec![
        vuln(
            "CVE-2025-32434",
            "torch",
            "2.5.1",
            Some("2.6.0"),
            Severity::Critical,
            Some(9.3),
            "torch.load with weights_only=True still allows remote code execution",
            4,
        ),
        vuln(
            "CVE-2024-34359",
            "llama-cpp-python",
            "0.2.70",
            Some("0.2.72"),
            Severity::Critical,
            Some(9.6),
            "Remote code execution via Jinja2 template injection in GGUF metadata",
            9,
        ),
        vuln(
            "CVE-2024-3568",
            "transformers",
            "4.37.2",
            Some("4.38.0"),
            Severity::High,
            Some(8.8),
            "Deserialization of untrusted data in TFAutoModel checkpoints",
            5,
        ),
        vuln(
            "CVE-2024-11392",
            "transformers",
            "4.37.2",
            Some("4.48.0"),
            Severity::High,
            None,
            "MobileViTV2 configuration deserialization",
            5,
        ),
        vuln(
            "CVE-2024-5206",
            "scikit-learn",
            "1.4.0",
            Some("1.5.0"),
            Severity::Medium,
            Some(5.3),
            "Sensitive data leakage in TfidfVectorizer",
            6,
        ),
        vuln("CVE-2024-0000", "mlflow", "2.9.2", None, Severity::Unknown, None, "Advisory without a severity yet", 7),
    ];
    for f in &mut run.findings {
        let id = f.rule_id.clone();
        if run.rules.iter().all(|r| r.id != id) {
            let mut r = Rule::new(id.clone(), Category::Vulnerability, f.message.clone());
            r.help_uri = Some(format!("https://avd.aquasec.com/nvd/{}", id.to_ascii_lowercase()));
            r.help_markdown = Some(format!(
                "Upgrade the package to a fixed version. See [{id}]({}).",
                r.help_uri.clone().unwrap_or_default()
            ));
            run.rules.push(r);
        }
    }
    run
}

fn fairness_run() -> Run {
    let mut run = Run::new("fairness-gate", "0.1.0", "data/predictions.csv");
    let mut r =
        Rule::new("demographic-parity-difference", Category::Fairness, "Demographic parity difference above threshold");
    help(&mut r, "Selection rates differ between groups by more than the threshold. Inspect the per-group table.");
    run.rules.push(r);
    let mut f = Finding::new(
        "demographic-parity-difference",
        Category::Fairness,
        Severity::High,
        "demographic_parity_difference for sex is 0.1946 (threshold <= 0.1): Female 0.1095 vs Male 0.3041",
    );
    f.confidence = Confidence::High;
    f.locations.push(Location::file("data/predictions.csv", None));
    f.measurement = Some(Measurement {
        metric: "demographic_parity_difference".into(),
        value: Some(0.1946),
        min: None,
        max: Some(0.1),
        grouping: Some("sex".into()),
        groups: vec!["Female".into(), "Male".into()],
    });
    f.fingerprints.insert(
        fingerprint::MODEL_V1.into(),
        fingerprint::model("demographic-parity-difference", "sha256:5d1f0c", "sex/demographic_parity_difference"),
    );
    run.findings.push(f);
    run
}

fn model_sign_run() -> Run {
    let mut run = Run::new("model-sign", "0.1.0", "models/classifier");
    let mut r = Rule::new("signature-mismatch", Category::Provenance, "Model files do not match their signature");
    help(&mut r, "A file changed after signing. Re-sign in the training pipeline or find out who changed it.");
    run.rules.push(r);
    let mut f = Finding::new(
        "signature-mismatch",
        Category::Provenance,
        Severity::Critical,
        "models/classifier/model.safetensors: sha256 differs from the signed manifest",
    );
    f.confidence = Confidence::High;
    f.locations.push(Location::file("models/classifier/model.safetensors", None));
    f.fingerprints.insert(
        fingerprint::MODEL_V1.into(),
        fingerprint::model("signature-mismatch", "sha256:9a7c1e", "model.safetensors"),
    );
    run.findings.push(f);
    run
}

fn sbom_run() -> Run {
    let mut run = Run::new("sbom", "0.1.0", ".");
    let mut r = Rule::new("unpinned-requirement", Category::Sbom, "Requirement without an exact version");
    help(&mut r, "Pin with `==` (and `--hash`) or use a lockfile.");
    run.rules.push(r);
    let mut f = Finding::new("unpinned-requirement", Category::Sbom, Severity::Low, "`accelerate>=0.20` is not pinned");
    f.confidence = Confidence::High;
    let mut l = Location::file("requirements.txt", Some(11));
    l.snippet = Some("accelerate>=0.20".into());
    f.locations.push(l);
    f.fingerprints.insert(
        fingerprint::CODE_V1.into(),
        fingerprint::code("unpinned-requirement", "requirements.txt", "accelerate>=0.20", 0),
    );
    run.findings.push(f);
    run
}

/// The realistic multi-tool set: 6 runs (secret-scan, bandit-wrapper, trivy-wrapper,
/// fairness-gate, model-sign, sbom), 16 findings of every severity, with suppressions.
pub fn sample() -> FindingsFile {
    FindingsFile { runs: vec![secrets_run(), bandit_run(), trivy_run(), fairness_run(), model_sign_run(), sbom_run()] }
}

/// A large set for benchmarks: 7 runs (the six tools plus a second Trivy target) of `per_run`
/// findings each, cycled from the sample's findings with distinct locations and fingerprints.
pub fn scaled(per_run: usize) -> FindingsFile {
    let mut runs = sample().runs;
    let mut image = trivy_run();
    image.automation_id = crate::model::automation_id("trivy-wrapper", "image/app");
    runs.push(image);
    for (ri, run) in runs.iter_mut().enumerate() {
        let base = std::mem::take(&mut run.findings);
        run.findings = (0..per_run)
            .map(|i| {
                let mut f = base[i % base.len()].clone();
                if let Some(l) = f.locations.first_mut() {
                    l.uri = format!("pkg{}/{}", i / 50, l.uri);
                    l.start_line = Some(u32::try_from(i % 5000).unwrap_or(0) + 1);
                }
                for v in f.fingerprints.values_mut() {
                    *v = format!("{v}{ri:02x}{i:08x}");
                }
                f
            })
            .collect();
    }
    FindingsFile { runs }
}

/// The sample split as the tools write it: `(tool short name, one-run findings file)`.
pub fn per_tool() -> Vec<(String, FindingsFile)> {
    sample().runs.into_iter().map(|r| (r.short_name().to_owned(), FindingsFile { runs: vec![r] })).collect()
}

//! Black-box tests of the `secret-scan` binary on small repositories built in temp dirs.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use assert_cmd::Command;

/// Fake but well-formed values (random strings of the right shape, made for these tests).
const HF: &str = "hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL";
const AWS_ID: &str = "AKIAN73U55XTPLPFT7V4";
const AWS_SECRET: &str = "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";
const WANDB: &str = "eb26c57d21fa5d328263dfe574de739988b886e7";
const DB_PW: &str = "Tr0ub4dor-and-3";

fn bin() -> Command {
    let mut c = Command::cargo_bin("secret-scan").unwrap();
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("MLSEC_") {
            c.env_remove(k);
        }
    }
    c
}

fn write(root: &Path, rel: &str, content: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

fn repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "train.py", format!("from huggingface_hub import login\nlogin(token=\"{HF}\")\n").as_bytes());
    write(
        r,
        ".dvc/config",
        format!("['remote \"s3\"']\n    url = s3://bucket/data\n    access_key_id = {AWS_ID}\n    secret_access_key = {AWS_SECRET}\n")
            .as_bytes(),
    );
    write(r, ".netrc", format!("machine api.wandb.ai\n  login user\n  password {WANDB}\n").as_bytes());
    write(r, ".env", format!("MLFLOW_BACKEND_STORE_URI=postgresql://mlflow:{DB_PW}@db:5432/mlflow\n").as_bytes());
    write(
        r,
        "clean.py",
        b"tokenizer = AutoTokenizer.from_pretrained(\"bert-base-uncased\")\napi_key = os.environ[\"API_KEY\"]\n",
    );
    write(r, "ignored/secret.txt", format!("HF_TOKEN={HF}\n").as_bytes());
    write(r, ".gitignore", b"ignored/\n");
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(format!("HF_TOKEN={HF}").as_bytes());
    write(r, "image.png", &png);
    d
}

fn sarif(dir: &Path, out: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let o = bin().arg(dir).arg("--output").arg(out).args(extra).output().unwrap();
    let v = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    (o.status.code().unwrap(), v, String::from_utf8_lossy(&o.stderr).into_owned())
}

fn rule_ids(v: &serde_json::Value) -> Vec<(String, String, u64)> {
    let mut ids: Vec<_> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                loc["artifactLocation"]["uri"].as_str().unwrap().to_owned(),
                loc["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn finds_ml_secrets_respects_gitignore_and_skips_binaries() {
    let d = repo();
    let out = d.path().join("../out-ss-1.sarif");
    let (code, v, stderr) = sarif(d.path(), &out, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        rule_ids(&v),
        [
            ("aws-access-key-id".into(), ".dvc/config".into(), 3),
            ("aws-secret-access-key".into(), ".dvc/config".into(), 4),
            ("database-url-password".into(), ".env".into(), 1),
            ("huggingface-token".into(), "train.py".into(), 2),
            ("wandb-api-key".into(), ".netrc".into(), 3),
        ]
    );
    assert!(stderr.contains("1 binary files skipped"), "{stderr}");
    // The SARIF follows the mlsec profile.
    let violations = mlsec_findings::profile::validate_bytes(&std::fs::read(&out).unwrap(), &out).unwrap();
    assert!(violations.is_empty(), "{violations:?}");
    std::fs::remove_file(out).unwrap();
}

#[test]
fn no_ignore_scans_ignored_files() {
    let d = repo();
    let out = d.path().join("../out-ss-2.sarif");
    let (_, v, _) = sarif(d.path(), &out, &["--no-ignore"]);
    assert!(rule_ids(&v).iter().any(|(_, p, _)| p == "ignored/secret.txt"));
    std::fs::remove_file(out).unwrap();
}

#[test]
fn secret_values_never_appear_in_any_output() {
    let d = repo();
    let out = d.path().join("../out-ss-3.sarif");
    let o = bin().arg(d.path()).arg("--output").arg(&out).arg("-vv").output().unwrap();
    let sarif = std::fs::read_to_string(&out).unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    let stdout = String::from_utf8_lossy(&o.stdout);
    for secret in [HF, AWS_ID, AWS_SECRET, WANDB, DB_PW] {
        // Any 12-character piece of the value would be a leak too.
        for piece in secret.as_bytes().windows(12) {
            let piece = std::str::from_utf8(piece).unwrap();
            assert!(!sarif.contains(piece), "SARIF leaks {piece}");
            assert!(!stderr.contains(piece), "stderr leaks {piece}: {stderr}");
            assert!(!stdout.contains(piece), "stdout leaks {piece}");
        }
    }
    assert!(stderr.contains("huggingface-token"), "{stderr}");
    std::fs::remove_file(out).unwrap();
}

#[test]
fn inline_suppressions_are_recorded_and_not_gated() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.py", format!("token = \"{HF}\"  # gitleaks:allow\nx = 1\n").as_bytes());
    write(d.path(), "b.py", format!("HF_TOKEN={HF}  # pragma: allowlist secret\n").as_bytes());
    let out = d.path().join("out.sarif");
    let (code, v, _) = sarif(d.path(), &out, &[]);
    assert_eq!(code, 0);
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for r in results {
        assert_eq!(r["suppressions"][0]["kind"], "inSource", "{r}");
    }
}

#[test]
fn baseline_marks_known_findings_and_new_only_passes() {
    let d = repo();
    let base = d.path().join("../out-ss-base.sarif");
    sarif(d.path(), &base, &["--fail-on", "none"]);
    // Same secret moved to another file and line: same content fingerprint, still not new.
    std::fs::rename(d.path().join("train.py"), d.path().join("notebooks_train.py")).unwrap();
    let out = d.path().join("../out-ss-4.sarif");
    let (code, v, stderr) = sarif(d.path(), &out, &["--baseline", base.to_str().unwrap(), "--new-only"]);
    assert_eq!(code, 0, "{stderr}");
    for r in v["runs"][0]["results"].as_array().unwrap() {
        assert_eq!(r["baselineState"], "unchanged", "{r}");
    }
    std::fs::remove_file(out).unwrap();
    std::fs::remove_file(base).unwrap();
}

#[test]
fn stdin_is_scanned() {
    let o = bin().arg("-").write_stdin(format!("export GROQ=ok\nHF_TOKEN={HF}\n")).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("huggingface-token") && stderr.contains("-:2"), "{stderr}");
}

#[test]
fn exit_codes_follow_the_threshold_and_errors_are_2() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.txt", b"jwt = eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.NOaeCtL31Ugq_DfcgaTMnTC0MrAU8urbFt5misIZHbh\n");
    // A medium finding passes the default (high) threshold and fails --fail-on medium.
    assert_eq!(bin().arg(d.path()).output().unwrap().status.code(), Some(0));
    assert_eq!(bin().arg(d.path()).args(["--fail-on", "medium"]).output().unwrap().status.code(), Some(1));
    assert_eq!(
        bin().arg(d.path()).args(["--fail-on", "medium", "--exit-zero"]).output().unwrap().status.code(),
        Some(0)
    );
    let o = bin().arg(d.path().join("missing")).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("hint:"));
}

#[cfg(unix)]
#[test]
fn symlink_loops_unreadable_and_oversized_files_are_warnings() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "sub/a.py", format!("HF_TOKEN={HF}\n").as_bytes());
    std::os::unix::fs::symlink("..", r.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink("self", r.join("self")).unwrap();
    write(r, "locked.env", b"x=1\n");
    std::fs::set_permissions(r.join("locked.env"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let big = std::fs::File::create(r.join("big.log")).unwrap();
    big.set_len(3 << 20).unwrap();
    let o = bin().arg(r).args(["--max-file-mib", "2"]).output().unwrap();
    std::fs::set_permissions(r.join("locked.env"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("big.log: skipped, 3 MiB is over --max-file-mib 2"), "{stderr}");
    // Running as root can read a 000 file; otherwise it must be a warning, not an error.
    let root = std::fs::read(r.join("locked.env")).is_ok() && unsafe_is_root();
    assert!(root || stderr.contains("locked.env: skipped, cannot open"), "{stderr}");
    assert_eq!(stderr.matches("huggingface-token").count(), 1, "{stderr}");
}

#[cfg(unix)]
fn unsafe_is_root() -> bool {
    std::env::var("USER").is_ok_and(|u| u == "root")
        || std::fs::read_to_string("/proc/self/status")
            .is_ok_and(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0")))
}

#[test]
fn gitleaksignore_entries_suppress_by_path_line_or_content_fingerprint() {
    let d = repo();
    let out = d.path().join("../out-ss-5.sarif");
    let (_, v, _) = sarif(d.path(), &out, &["--fail-on", "none"]);
    let wandb_fp = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "wandb-api-key")
        .map(|r| r["partialFingerprints"]["mlsec/secret/v1"].as_str().unwrap().to_owned())
        .unwrap();
    write(
        d.path(),
        ".gitleaksignore",
        format!(
            "# known\n0123456789abcdef0123456789abcdef01234567:train.py:huggingface-access-token:2\n.dvc/config:aws-access-token:3\n.dvc/config:generic:4\n.env:x:1\n{wandb_fp}\n"
        )
        .as_bytes(),
    );
    let (code, v, stderr) = sarif(d.path(), &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    for r in v["runs"][0]["results"].as_array().unwrap() {
        assert_eq!(r["suppressions"][0]["kind"], "external", "{r}");
    }
    std::fs::remove_file(out).unwrap();
}

/// docs/secret-scan.md and `--help` name the same long flags: every flag of `--help` is documented,
/// and every flag the page names is ours or one of the other tools' flags listed here.
#[test]
fn help_and_docs_name_the_same_flags() {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/secret-scan.md")).unwrap();
    let out = bin().arg("--help").assert().success();
    let help = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    // Flags of other tools named in the page (outside code blocks).
    let in_docs = [
        "--example",          // cargo's: `cargo run --example export_rule_examples` (accuracy bench)
        "--filter",           // git's: partial clones (`--filter=blob:none`) whose missing blobs are skipped
        "--gitlab-dir",       // `mlsec report --gitlab-dir`, which turns the SARIF into GitLab's report
        "--max-decode-depth", // gitleaks': the decoding secret-scan does not do
        "--redact",           // gitleaks': its redacted JSON reports, accepted as --baseline
        "--report-format",    // gitleaks': `--report-format json`, the reports accepted as --baseline
        "--reverse",          // git's `--reverse --topo-order`: the order --history visits commits in
        "--topo-order",
    ];
    let in_help: [&str; 0] = [];
    if let Err(e) = mlsec_cli::args::docs_match_help("docs/secret-scan.md", &docs, &[&help], &in_docs, &in_help, 15) {
        panic!("{e}");
    }
}

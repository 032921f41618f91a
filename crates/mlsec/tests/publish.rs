//! `mlsec publish` end to end: the binary against a local HTTP server standing in for GitHub.
#![allow(clippy::unwrap_used)]

#[path = "../../mlsec-ci/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{Server, json};
use predicates::prelude::*;
use predicates::str::contains;
use serde_json::json as j;

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/findings");
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sarif"))
        .collect();
    v.sort();
    v
}

/// The binary in `dir` with a GitHub Actions pull_request environment (fork or not) whose API is
/// `api`; nothing leaks in from the host.
fn mlsec(dir: &Path, api: &str, fork: bool) -> Command {
    let mut cmd = match std::env::var_os("MLSEC_TEST_PROGRAM") {
        Some(p) => Command::new(p),
        None => Command::cargo_bin("mlsec").unwrap(),
    };
    cmd.current_dir(dir);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("MLSEC_") || k.starts_with("GITHUB_") || k.starts_with("CI_") || k.starts_with("GITLAB") {
            cmd.env_remove(&k);
        }
    }
    let head = if fork { "someone/fork" } else { "acme/ml" };
    let event = j!({"pull_request": {"number": 3, "head": {"sha": "head3", "repo": {"full_name": head}},
        "base": {"repo": {"full_name": "acme/ml"}}}});
    std::fs::write(dir.join("event.json"), event.to_string()).unwrap();
    cmd.env("MLSEC_TODAY", "2026-12-02")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "acme/ml")
        .env("GITHUB_SHA", "merge3")
        .env("GITHUB_REF", "refs/pull/3/merge")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", dir.join("event.json"))
        .env("GITHUB_STEP_SUMMARY", dir.join("summary.md"))
        .env("GITHUB_API_URL", api)
        .env("GITHUB_TOKEN", "ghs_cli_token");
    cmd
}

#[test]
fn publishes_and_exits_with_the_gate_verdict() {
    let d = tempfile::tempdir().unwrap();
    let server = Server::start(|r, _| match (r.method.as_str(), r.path.split('?').next().unwrap()) {
        ("POST", "/repos/acme/ml/check-runs") => json(201, j!({"id": 5})),
        ("GET", "/repos/acme/ml/issues/3/comments") => json(200, j!([])),
        ("POST", "/repos/acme/ml/issues/3/comments") => json(201, j!({"id": 6})),
        ("POST", "/repos/acme/ml/code-scanning/sarifs") => json(202, j!({"id": "s"})),
        _ => json(404, j!({"message": "Not Found"})),
    });
    mlsec(d.path(), &server.url, false)
        .arg("publish")
        .args(examples())
        .args(["--fail-on", "high", "--sarif-upload"])
        .assert()
        .code(1)
        .stderr(contains("check run \"mlsec\" (failure)"))
        .stderr(contains("sticky comment 6 posted on PR #3"));
    let reqs = server.requests();
    assert_eq!(reqs.iter().filter(|r| r.path.ends_with("/code-scanning/sarifs")).count(), 6);
    assert!(reqs.iter().all(|r| r.header("authorization") == Some("Bearer ghs_cli_token")));
    assert!(d.path().join("mlsec-out/report.md").is_file() && d.path().join("mlsec-out/findings.sarif").is_file());
    assert!(std::fs::read_to_string(d.path().join("summary.md")).unwrap().starts_with("<!-- mlsec-report -->"));
    // Report-only: the same findings exit 0 and the check is neutral.
    mlsec(d.path(), &server.url, false).arg("publish").args(examples()).arg("--exit-zero").assert().code(0);
    let last_check = server.requests().into_iter().rfind(|r| r.path == "/repos/acme/ml/check-runs").unwrap();
    assert_eq!(last_check.json()["conclusion"], "neutral");
}

#[test]
fn a_failed_publish_is_exit_2_but_the_report_is_on_disk_and_the_verdict_shown() {
    let d = tempfile::tempdir().unwrap();
    let server = Server::start(|_, _| json(500, j!({"message": "boom"})));
    mlsec(d.path(), &server.url, false)
        .arg("publish")
        .args(examples())
        .args(["--attempts", "2", "--comment", "never"])
        .assert()
        .code(2)
        .stderr(contains("HTTP 500: boom"))
        .stderr(contains("the gate's verdict was exit 1"))
        .stderr(contains("hint: "))
        .stderr(predicates::str::contains("ghs_cli_token").not());
    assert_eq!(server.requests().len(), 2, "bounded retries");
    assert!(d.path().join("mlsec-out/report.md").is_file());
}

/// TLS trusts the system's CA roots (reqwest 0.13 + rustls-platform-verifier): without any, the
/// client cannot be built; that is exit 2 with a hint to install them, and nothing is sent.
#[test]
fn no_system_ca_certificates_is_exit_2_with_a_hint() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("empty.pem"), "").unwrap();
    let server = Server::start(|_, _| json(201, j!({"id": 1})));
    mlsec(d.path(), &server.url, false)
        .env("SSL_CERT_FILE", d.path().join("empty.pem"))
        .env_remove("SSL_CERT_DIR")
        .arg("publish")
        .args(examples())
        .assert()
        .code(2)
        .stderr(contains("No CA certificates were loaded from the system"))
        .stderr(contains("hint: install the system's CA certificates"))
        .stderr(predicates::str::contains("ghs_cli_token").not());
    assert!(server.requests().is_empty());
}

#[test]
fn fork_pr_prints_annotations_and_sends_nothing() {
    let d = tempfile::tempdir().unwrap();
    let server = Server::start(|_, _| json(500, j!({})));
    mlsec(d.path(), &server.url, true)
        .arg("publish")
        .args(examples())
        .assert()
        .code(1)
        .stdout(contains("::error file="))
        .stdout(contains("::notice title=mlsec::this pull request comes from a fork (someone/fork)"));
    assert!(server.requests().is_empty());
}

#[test]
fn dry_run_sends_nothing_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let server = Server::start(|_, _| json(500, j!({})));
    mlsec(d.path(), &server.url, false)
        .arg("publish")
        .args(examples())
        .args(["--dry-run", "--sarif-upload"])
        .assert()
        .code(1)
        .stderr(contains("would create check run \"mlsec\" on head3"))
        .stderr(contains("would upload SARIF category mlsec/secret-scan/./"));
    assert!(server.requests().is_empty());
    assert!(!d.path().join("mlsec-out").exists() && !d.path().join("summary.md").exists());
}

//! Black-box tests of the `mlsec` binary: exit codes, outputs, config precedence, bad input.
//! `MLSEC_TEST_PROGRAM` runs the same suite against another build (e.g. the release binary).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/findings");
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/findings")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sarif"))
        .collect();
    v.sort();
    assert_eq!(v.len(), 6, "six example tools");
    v
}

/// A command in a clean temp dir, with no CI or MLSEC_ variables leaking in from the host.
fn mlsec(dir: &Path) -> Command {
    let mut cmd = match std::env::var_os("MLSEC_TEST_PROGRAM") {
        Some(p) => Command::new(p),
        None => Command::cargo_bin("mlsec").expect("binary"),
    };
    cmd.current_dir(dir);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("MLSEC_") || k.starts_with("GITHUB_") || k.starts_with("CI_") || k == "NO_COLOR" {
            cmd.env_remove(&k);
        }
    }
    cmd.env("MLSEC_TODAY", "2026-12-02");
    cmd
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json")
}

#[test]
fn merge_writes_one_valid_file_with_every_run() {
    let d = tmp();
    let out = d.path().join("all.sarif");
    mlsec(d.path())
        .arg("merge")
        .args(examples())
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stderr(contains("6 run(s), 16 finding(s) -> 16"));
    let v = read_json(&out);
    assert_eq!(v["runs"].as_array().map(Vec::len), Some(6));
    mlsec(d.path()).arg("validate").arg(&out).assert().success().stderr(contains("ok (SARIF 2.1.0, mlsec profile v1)"));
}

#[test]
fn gate_exit_codes_follow_the_threshold() {
    let d = tmp();
    mlsec(d.path())
        .arg("gate")
        .args(examples())
        .args(["--fail-on", "high"])
        .assert()
        .code(1)
        .stderr(contains("mlsec gate: FAIL: 8 finding(s) at or above high"))
        .stderr(contains("2 suppressed"));
    mlsec(d.path()).arg("gate").args(examples()).args(["--fail-on", "none"]).assert().code(0);
    mlsec(d.path()).arg("gate").args(examples()).arg("--exit-zero").assert().code(0);
    // The budget: the 4 criticals are tolerated by a budget of 4, not of 3.
    mlsec(d.path())
        .arg("gate")
        .args(examples())
        .args(["--fail-on", "critical", "--max-findings", "4"])
        .assert()
        .code(0);
    mlsec(d.path())
        .arg("gate")
        .args(examples())
        .args(["--fail-on", "critical", "--max-findings", "3"])
        .assert()
        .code(1)
        .stderr(contains("FAIL: 4 finding(s) at or above critical"));
    mlsec(d.path()).arg("gate").args(examples()).args(["--fail-on", "bogus"]).assert().code(2);
}

#[test]
fn a_failed_tool_run_is_exit_2_even_report_only() {
    let d = tmp();
    let text = std::fs::read_to_string(&examples()[0]).expect("read");
    let broken = text.replacen("\"executionSuccessful\": true", "\"executionSuccessful\": false", 1);
    assert_ne!(broken, text);
    let p = d.path().join("broken.sarif");
    std::fs::write(&p, broken).expect("write");
    mlsec(d.path()).arg("gate").arg(&p).arg("--exit-zero").assert().code(2).stderr(contains("did not complete"));
}

#[test]
fn baseline_and_new_only() {
    let d = tmp();
    let ex = examples();
    let base = d.path().join("base.sarif");
    mlsec(d.path()).arg("merge").args(&ex).arg("-o").arg(&base).assert().success();
    mlsec(d.path())
        .arg("gate")
        .args(&ex)
        .arg("--baseline")
        .arg(&base)
        .arg("--new-only")
        .assert()
        .code(0)
        .stderr(contains("0 new, 16 unchanged"));
    // Without new-only the same findings still fail.
    mlsec(d.path()).arg("gate").args(&ex).arg("--baseline").arg(&base).assert().code(1);
    // A pull request defaults to new-only when a baseline is given.
    mlsec(d.path())
        .arg("gate")
        .args(&ex)
        .arg("--baseline")
        .arg(&base)
        .env("GITHUB_EVENT_NAME", "pull_request")
        .assert()
        .code(0);
    mlsec(d.path()).arg("gate").args(&ex).arg("--new-only").assert().code(2).stderr(contains("hint: pass --baseline"));
}

#[test]
fn config_suppressions_precedence_and_errors() {
    let d = tmp();
    let ex = examples();
    std::fs::write(
        d.path().join("mlsec.toml"),
        "fail-on = \"critical\"\n\n[[suppress]]\nrule = \"CVE-2025-32434\"\nreason = \"fixed in the next image\"\nexpires = \"2027-01-01\"\n\n[[suppress]]\nrule = \"CVE-2024-34359\"\nreason = \"not used\"\n\n[[suppress]]\npath = \"models/**\"\nreason = \"re-signed nightly\"\nexpires = \"2026-06-01\"\n",
    )
    .expect("write config");
    // File: critical; two criticals suppressed, the third's suppression expired.
    mlsec(d.path())
        .arg("gate")
        .args(&ex)
        .assert()
        .code(1)
        .stderr(contains("FAIL: 2 finding(s) at or above critical"))
        .stderr(contains("1 with an expired suppression"));
    // Env beats the file, the flag beats env.
    mlsec(d.path()).arg("gate").args(&ex).env("MLSEC_FAIL_ON", "none").assert().code(0);
    mlsec(d.path()).arg("gate").args(&ex).env("MLSEC_FAIL_ON", "none").args(["--fail-on", "high"]).assert().code(1);
    // An unknown key is an error naming the file and line.
    std::fs::write(d.path().join("mlsec.toml"), "fail-on = \"high\"\nfail_onn = \"low\"\n").expect("write");
    mlsec(d.path())
        .arg("gate")
        .args(&ex)
        .assert()
        .code(2)
        .stderr(contains("mlsec.toml:2"))
        .stderr(contains("fail_onn"));
}

#[test]
fn report_writes_every_format_without_secrets() {
    let d = tmp();
    let o = d.path();
    mlsec(o)
        .arg("report")
        .args(examples())
        .arg("--sarif")
        .arg(o.join("all.sarif"))
        .arg("--gitlab-dir")
        .arg(o.join("gl"))
        .arg("--codequality")
        .arg(o.join("cq.json"))
        .arg("--junit")
        .arg(o.join("junit.xml"))
        .arg("--markdown")
        .arg(o.join("summary.md"))
        .arg("--html")
        .arg(o.join("report.html"))
        .assert()
        .code(0)
        .stderr(contains("mlsec report: wrote"));
    let mut files = vec!["all.sarif", "cq.json", "junit.xml", "summary.md", "report.html"]
        .into_iter()
        .map(|f| o.join(f))
        .collect::<Vec<_>>();
    for f in ["gl-secret-detection-report.json", "gl-sast-report.json", "gl-dependency-scanning-report.json"] {
        files.push(o.join("gl").join(f));
    }
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for secret in ["AKIAQYLPMN5HFIQR7XYZ", "hf_kTzQpLmNvBcXwErTyUiOpAsDfGhJkLzXcVbN", "Tr0ub4dor-and-3"] {
            assert!(!text.contains(secret), "{} leaks a secret", f.display());
        }
    }
    let ann = mlsec(o).arg("report").args(examples()).arg("--github-annotations").assert().success();
    let stdout = String::from_utf8_lossy(&ann.get_output().stdout).into_owned();
    assert!(stdout.lines().all(|l| l.starts_with("::")), "{stdout}");
    assert!(stdout.lines().filter(|l| l.starts_with("::error")).count() <= 10);
}

#[test]
fn report_refuses_to_overwrite_an_input_and_needs_an_output() {
    let d = tmp();
    let p = d.path().join("in.sarif");
    std::fs::copy(&examples()[0], &p).expect("copy");
    let before = std::fs::read(&p).expect("read");
    mlsec(d.path())
        .arg("report")
        .arg(&p)
        .arg("--sarif")
        .arg(&p)
        .assert()
        .code(2)
        .stderr(contains("hint: write elsewhere"));
    assert_eq!(std::fs::read(&p).expect("read"), before);
    mlsec(d.path()).arg("merge").arg(&p).arg("-o").arg(&p).assert().code(2);
    mlsec(d.path()).arg("report").arg(&p).assert().code(2).stderr(contains("no output asked for"));
}

#[test]
fn bad_inputs_exit_2_with_where_and_a_hint() {
    let d = tmp();
    let w = |name: &str, body: &[u8]| {
        let p = d.path().join(name);
        std::fs::write(&p, body).expect("write");
        p
    };
    let truncated = w("truncated.sarif", b"{\"version\": \"2.1.0\",\n \"runs\": [{\"tool\":");
    let not_sarif = w("trivy.json", br#"{"SchemaVersion": 2, "ArtifactName": ".", "Results": []}"#);
    let binary = w("model.pt", b"\x80\x02}q\x00(X\x01\x00\x00\x00a\xff\xfe");
    for (p, want) in [
        (&truncated, "truncated.sarif:2"),
        (&not_sarif, "trivy-wrapper"),
        (&binary, "not valid JSON"),
        (&d.path().join("missing.sarif"), "missing.sarif"),
    ] {
        for sub in ["gate", "validate"] {
            mlsec(d.path()).arg(sub).arg(p).assert().code(2).stderr(contains(want)).stderr(contains("panicked").not());
        }
    }
    let huge = d.path().join("huge.sarif");
    std::fs::File::create(&huge).expect("create").set_len(200 * 1024 * 1024).expect("sparse");
    mlsec(d.path()).arg("gate").arg(&huge).assert().code(2).stderr(contains("limit")).stderr(contains("hint:"));
}

#[test]
fn merge_refuses_more_than_twenty_runs() {
    let d = tmp();
    let text = std::fs::read_to_string(&examples()[0]).expect("read");
    let files: Vec<PathBuf> = (0..21)
        .map(|i| {
            let p = d.path().join(format!("r{i}.sarif"));
            std::fs::write(&p, text.replace("mlsec/bandit-wrapper/src/", &format!("mlsec/bandit-wrapper/t{i}/")))
                .expect("write");
            p
        })
        .collect();
    mlsec(d.path())
        .arg("merge")
        .args(&files)
        .arg("-o")
        .arg(d.path().join("o.sarif"))
        .assert()
        .code(2)
        .stderr(contains("at most 20"));
}

#[test]
fn examples_are_what_the_sample_writer_makes() {
    let paths = examples();
    for (name, file) in mlsec_findings::sample::per_tool() {
        let path = paths.iter().find(|p| p.file_stem().and_then(|s| s.to_str()) == Some(name.as_str())).expect(&name);
        let on_disk = std::fs::read_to_string(path).expect("read");
        assert!(
            on_disk == mlsec_findings::sarif::to_json(&file),
            "{} is stale: cargo run -p mlsec-findings --example write_sample -- examples/findings",
            path.display()
        );
    }
}

#[test]
fn help_names_every_subcommand() {
    let d = tmp();
    let out = mlsec(d.path()).arg("--help").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for sub in ["merge", "gate", "report", "validate", "publish", "scan"] {
        assert!(text.contains(sub), "{sub} missing from --help");
    }
}

/// docs/cli.md and `--help` name the same flags: every long flag of every subcommand's help is
/// documented, and every flag the page documents exists.
#[test]
fn help_and_docs_name_the_same_flags() {
    let d = tmp();
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli.md")).expect("docs");
    let mut helps = Vec::new();
    for sub in ["merge", "gate", "report", "validate", "publish", "scan"] {
        let out = mlsec(d.path()).args([sub, "--help"]).assert().success();
        helps.push(String::from_utf8_lossy(&out.get_output().stdout).into_owned());
    }
    let helps: Vec<&str> = helps.iter().map(String::as_str).collect();
    if let Err(e) = mlsec_cli::args::docs_match_help("docs/cli.md", &docs, &helps, &[], &[], 30) {
        panic!("{e}");
    }
}

/// The actions' step outputs come from `mlsec report --github-output`: a suppression counts only
/// until its expiry (the jq count the actions used before took any accepted suppression).
#[test]
fn github_output_counts_as_the_gate_and_respects_suppression_expiry() {
    let d = tmp();
    let src = examples().into_iter().find(|p| p.ends_with("secret-scan.sarif")).expect("secret-scan example");
    let outputs = d.path().join("github_output");
    std::fs::write(&outputs, "earlier=1\n").expect("write");
    // 3 secrets: critical, high, and a high one suppressed until 2027-03-31.
    mlsec(d.path()).arg("report").arg(&src).arg("--github-output").arg(&outputs).assert().success();
    assert_eq!(
        std::fs::read_to_string(&outputs).expect("read"),
        "earlier=1\nfindings=2\nmax-severity=critical\n",
        "appended, the suppressed finding not counted"
    );
    // The same file on 2027-04-01: the suppression has expired, the finding counts again.
    std::fs::remove_file(&outputs).expect("rm");
    mlsec(d.path())
        .env("MLSEC_TODAY", "2027-04-01")
        .arg("report")
        .arg(&src)
        .arg("--github-output")
        .arg(&outputs)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&outputs).expect("read"), "findings=3\nmax-severity=critical\n");
    // No findings: `none`.
    let fg = examples().into_iter().find(|p| p.ends_with("model-sign.sarif")).expect("model-sign example");
    let v = read_json(&fg);
    let mut empty = v.clone();
    for run in empty["runs"].as_array_mut().expect("runs") {
        run["results"] = serde_json::json!([]);
    }
    let empty_file = d.path().join("empty.sarif");
    std::fs::write(&empty_file, serde_json::to_vec(&empty).expect("json")).expect("write");
    std::fs::remove_file(&outputs).expect("rm");
    mlsec(d.path()).arg("report").arg(&empty_file).arg("--github-output").arg(&outputs).assert().success();
    assert_eq!(std::fs::read_to_string(&outputs).expect("read"), "findings=0\nmax-severity=none\n");
}

/// `--path-prefix` (merge; scan uses the same code): repository paths of a tool that ran on a
/// subdirectory become relative to the repository root; artifact URIs stay; bad prefixes are
/// refused with a hint.
#[test]
fn merge_path_prefix_rebases_repository_paths_only() {
    let d = tmp();
    let mut ex = examples();
    // One finding located by a purl (an artifact, not a repository file).
    let trivy = ex.iter().position(|p| p.ends_with("trivy-wrapper.sarif")).expect("trivy example");
    let mut v = read_json(&ex[trivy]);
    v["runs"][0]["results"][0]["locations"][0] = serde_json::json!({
        "physicalLocation": {"artifactLocation": {"uri": "pkg:pypi/torch@2.1.0"}},
        "logicalLocations": [{"name": "pkg:pypi/torch@2.1.0", "kind": "package"}]
    });
    ex[trivy] = d.path().join("trivy-purl.sarif");
    std::fs::write(&ex[trivy], serde_json::to_vec(&v).expect("json")).expect("write");
    let out = d.path().join("all.sarif");
    mlsec(d.path())
        .arg("merge")
        .args(&ex)
        .args(["--path-prefix", "./services/model/", "-o"])
        .arg(&out)
        .assert()
        .success();
    let v = read_json(&out);
    let mut files = 0;
    let mut artifacts = 0;
    for r in v["runs"].as_array().expect("runs") {
        for f in r["results"].as_array().into_iter().flatten() {
            for l in f["locations"].as_array().into_iter().flatten() {
                let a = &l["physicalLocation"]["artifactLocation"];
                let uri = a["uri"].as_str().unwrap_or_default();
                if a["uriBaseId"] == "SRCROOT" {
                    files += 1;
                    assert!(uri.starts_with("services/model/"), "not rebased: {uri}");
                    assert!(!uri.starts_with("services/model/services/"), "rebased twice: {uri}");
                } else if !uri.is_empty() {
                    artifacts += 1;
                    assert!(!uri.starts_with("services/"), "an artifact URI was rebased: {uri}");
                }
            }
        }
    }
    assert!(files >= 8 && artifacts == 1, "{files} file and {artifacts} artifact locations");
    mlsec(d.path()).arg("validate").arg(&out).assert().success();
    // `.` is the root: nothing changes.
    let same = d.path().join("same.sarif");
    mlsec(d.path()).arg("merge").args(&ex).args(["--path-prefix", ".", "-o"]).arg(&same).assert().success();
    let plain = d.path().join("plain2.sarif");
    mlsec(d.path()).arg("merge").args(&ex).arg("-o").arg(&plain).assert().success();
    assert_eq!(read_json(&same), read_json(&plain));
    for bad in ["../up", "/abs", "a/../../b"] {
        mlsec(d.path())
            .arg("merge")
            .args(&ex)
            .args(["--path-prefix", bad, "-o"])
            .arg(d.path().join("x.sarif"))
            .assert()
            .code(2)
            .stderr(contains("--path-prefix"))
            .stderr(contains("hint:"));
    }
}

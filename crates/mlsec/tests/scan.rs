//! `mlsec scan` end to end: the real scanner binaries of this workspace (found next to `mlsec`,
//! as in a release archive) and the real Bandit from `.tools/venv`, on a small repository written
//! by the test. The failure paths use a stand-in script for the one scanner that must fail.
//!
//! The scanner binaries are built by `cargo test --workspace` (what `scripts/test` runs); after
//! `cargo test -p mlsec` alone, build them first:
//! `cargo build -p secret-scan -p sbom -p bandit-wrapper -p trivy-wrapper`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

/// Fake but well-formed Hugging Face token (a random string of the right shape).
const HF: &str = "hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL";

const TOOLS: [&str; 4] = ["secret-scan", "bandit-wrapper", "trivy-wrapper", "sbom"];

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_mlsec")).parent().expect("target dir").to_path_buf()
}

fn bandit() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin/bandit");
    assert!(p.is_file(), "{} is missing: run scripts/install-test-tools", p.display());
    p
}

/// A scratch dir inside the target dir (same file system, so `mlsec` can be hard-linked).
fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("scan-").tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir")
}

/// A bin dir holding `mlsec` (hard link or copy: `current_exe` resolves symlinks) and the named
/// scanners (symlinks to the workspace's builds).
fn bin_dir(root: &Path, tools: &[&str]) -> PathBuf {
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let mlsec = Path::new(env!("CARGO_BIN_EXE_mlsec"));
    if std::fs::hard_link(mlsec, bin.join("mlsec")).is_err() {
        std::fs::copy(mlsec, bin.join("mlsec")).expect("copy mlsec");
    }
    for t in tools {
        let built = target_dir().join(t);
        assert!(
            built.is_file(),
            "{} is not built: run `cargo build -p secret-scan -p sbom -p bandit-wrapper -p trivy-wrapper` \
             (cargo test --workspace builds it)",
            built.display()
        );
        std::os::unix::fs::symlink(&built, bin.join(t)).expect("symlink");
    }
    bin
}

/// A PATH dir holding only the given programs (so `trivy` is never found by accident).
fn path_dir(root: &Path, programs: &[&Path]) -> PathBuf {
    let dir = root.join("path");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for p in programs {
        std::os::unix::fs::symlink(p, dir.join(p.file_name().expect("name"))).expect("symlink");
    }
    dir
}

/// Replace a scanner with a shell script.
fn script(bin: &Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let p = bin.join(name);
    let _ = std::fs::remove_file(&p);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A small ML repository: a planted token, a pickle load, a shell call, an unpinned requirement.
fn repo(root: &Path) -> PathBuf {
    let r = root.join("repo");
    std::fs::create_dir_all(&r).expect("mkdir");
    std::fs::write(
        r.join("train.py"),
        "import pickle\nimport subprocess\n\n\ndef load(path):\n    with open(path, \"rb\") as f:\n        return pickle.load(f)\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n",
    )
    .expect("write");
    std::fs::write(r.join(".env"), format!("HF_TOKEN={HF}\n")).expect("write");
    std::fs::write(r.join("requirements.txt"), "numpy\nscikit-learn==1.5.2\n").expect("write");
    r
}

fn scan(root: &Path, bin: &Path, path: &Path) -> Command {
    let mut cmd = Command::new(bin.join("mlsec"));
    cmd.current_dir(root);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("MLSEC_") || k.starts_with("GITHUB_") || k.starts_with("CI_") {
            cmd.env_remove(&k);
        }
    }
    cmd.env("PATH", path).env("MLSEC_TODAY", "2026-12-02").arg("scan");
    cmd
}

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).expect("json")
}

fn tools_in(v: &serde_json::Value) -> Vec<String> {
    let mut t: Vec<String> = v["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| r["tool"]["driver"]["name"].as_str().expect("name").to_owned())
        .collect();
    t.sort();
    t
}

#[test]
fn scan_runs_every_available_scanner_merges_reports_and_gates() {
    let d = scratch();
    let bin = bin_dir(d.path(), &TOOLS);
    let path = path_dir(d.path(), &[&bandit()]);
    let r = repo(d.path());
    let out = scan(d.path(), &bin, &path)
        .arg(&r)
        .assert()
        .code(1)
        .stderr(contains("secret-scan  ran      1 finding(s)"))
        .stderr(contains("bandit       ran"))
        .stderr(contains("trivy        skipped  `trivy` not on PATH"))
        .stderr(contains("hint: install Trivy"))
        .stderr(contains("sbom         ran      1 finding(s)"))
        .stderr(contains("mlsec gate: FAIL: 2 finding(s) at or above high"))
        .stderr(contains("B602"))
        .stderr(contains("huggingface-token"));
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(!stderr.contains(HF), "the token leaked into the summary");

    let o = d.path().join("mlsec-out");
    for f in
        ["secret-scan.sarif", "bandit.sarif", "sbom.sarif", "sbom.cdx.json", "all.sarif", "report.md", "report.html"]
    {
        assert!(o.join(f).is_file(), "{f} not written");
    }
    assert!(!o.join("trivy.sarif").exists(), "a skipped scanner wrote output");
    let all = read_json(&o.join("all.sarif"));
    assert_eq!(tools_in(&all), ["mlsec-bandit-wrapper", "mlsec-sbom", "mlsec-secret-scan"]);
    let findings: usize =
        all["runs"].as_array().expect("runs").iter().map(|r| r["results"].as_array().map_or(0, Vec::len)).sum();
    assert_eq!(findings, 6, "1 secret + 4 bandit + 1 sbom");
    // Every scanner reports paths relative to the scanned repository, the same way.
    let mut uris: Vec<&str> = all["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .flat_map(|r| r["results"].as_array().into_iter().flatten())
        .map(|f| f["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().expect("uri"))
        .collect();
    uris.sort_unstable();
    uris.dedup();
    assert_eq!(uris, [".env", "requirements.txt", "train.py"]);
    assert_eq!(read_json(&o.join("sbom.cdx.json"))["bomFormat"], "CycloneDX");
    let md = std::fs::read_to_string(o.join("report.md")).expect("md");
    assert!(md.contains("B602") && md.contains("huggingface-token"), "report.md lacks findings:\n{md}");
    for f in ["all.sarif", "report.md", "report.html"] {
        assert!(!std::fs::read_to_string(o.join(f)).expect("read").contains(HF), "the token leaked into {f}");
    }
    Command::new(bin.join("mlsec"))
        .current_dir(d.path())
        .env_remove("MLSEC_TODAY")
        .arg("validate")
        .arg(o.join("all.sarif"))
        .assert()
        .success()
        .stderr(contains("ok (SARIF 2.1.0, mlsec profile v1)"));
}

#[test]
fn gate_options_and_skip_apply() {
    let d = scratch();
    let bin = bin_dir(d.path(), &TOOLS);
    let path = path_dir(d.path(), &[&bandit()]);
    let r = repo(d.path());
    scan(d.path(), &bin, &path).arg(&r).args(["--fail-on", "none"]).assert().code(0);
    scan(d.path(), &bin, &path).arg(&r).arg("--exit-zero").assert().code(0);
    scan(d.path(), &bin, &path).arg(&r).args(["--fail-on", "critical"]).assert().code(0);
    // Without bandit and secret-scan only the low unpinned requirement is left: passes at medium.
    scan(d.path(), &bin, &path)
        .arg(&r)
        .args(["--skip", "bandit,secret-scan", "--fail-on", "medium", "--out-dir", "other"])
        .assert()
        .code(0)
        .stderr(contains("bandit       skipped  --skip"))
        .stderr(contains("secret-scan  skipped  --skip"));
    assert_eq!(tools_in(&read_json(&d.path().join("other/all.sarif"))), ["mlsec-sbom"]);
    scan(d.path(), &bin, &path)
        .arg(&r)
        .args(["--skip", "bandit,secret-scan", "--fail-on", "low", "--out-dir", "other"])
        .assert()
        .code(1);
}

#[test]
fn missing_scanners_are_reported_as_skipped_with_how_to_enable_them() {
    let d = scratch();
    let bin = bin_dir(d.path(), &["secret-scan"]);
    let path = path_dir(d.path(), &[]);
    let r = repo(d.path());
    scan(d.path(), &bin, &path)
        .arg(&r)
        .assert()
        .code(1)
        .stderr(contains("bandit       skipped  `bandit-wrapper` not found next to mlsec or on PATH"))
        .stderr(contains("sbom         skipped  `sbom` not found next to mlsec or on PATH"))
        .stderr(contains("hint: build it (`cargo build --release -p sbom`)"))
        .stderr(contains("secret-scan  ran      1 finding(s)"));
    // The wrapper is there but the tool it drives is not.
    let d = scratch();
    let bin = bin_dir(d.path(), &TOOLS);
    let path = path_dir(d.path(), &[]);
    let r = repo(d.path());
    scan(d.path(), &bin, &path)
        .arg(&r)
        .assert()
        .stderr(contains("bandit       skipped  `bandit` not on PATH"))
        .stderr(contains("hint: `pip install bandit` (or set MLSEC_BANDIT to its path)"));
    // MLSEC_BANDIT names it instead of PATH.
    scan(d.path(), &bin, &path).env("MLSEC_BANDIT", bandit()).arg(&r).assert().stderr(contains("bandit       ran"));
}

#[test]
fn a_placeholder_scanner_is_skipped_not_clean() {
    let d = scratch();
    let bin = bin_dir(d.path(), &["secret-scan", "sbom"]);
    script(
        &bin,
        "sbom",
        "echo 'error: `sbom` is not implemented yet (issue #5)' >&2\necho 'hint: use `mlsec merge` meanwhile' >&2\nexit 2",
    );
    let path = path_dir(d.path(), &[]);
    let r = repo(d.path());
    scan(d.path(), &bin, &path)
        .arg(&r)
        .assert()
        .code(1)
        .stderr(contains("sbom         skipped  `sbom` in this build is a placeholder (not implemented yet)"));
    assert_eq!(tools_in(&read_json(&d.path().join("mlsec-out/all.sarif"))), ["mlsec-secret-scan"]);
}

#[test]
fn a_failing_scanner_exits_2_after_writing_the_rest() {
    let d = scratch();
    let bin = bin_dir(d.path(), &["secret-scan", "sbom"]);
    script(&bin, "sbom", "echo 'error: cannot read requirements.txt: boom' >&2\nexit 2");
    let path = path_dir(d.path(), &[]);
    let r = repo(d.path());
    scan(d.path(), &bin, &path)
        .arg(&r)
        .arg("--exit-zero")
        .assert()
        .code(2)
        .stderr(contains("sbom         ERROR    exit 2:"))
        .stderr(contains("cannot read requirements.txt: boom"))
        .stderr(contains("1 scanner(s) could not do their job"));
    let o = d.path().join("mlsec-out");
    assert_eq!(tools_in(&read_json(&o.join("all.sarif"))), ["mlsec-secret-scan"]);
    assert!(o.join("report.md").is_file());

    // Exit 0 without the promised SARIF is a failure too, never a clean pass.
    script(&bin, "sbom", "exit 0");
    scan(d.path(), &bin, &path)
        .arg(&r)
        .assert()
        .code(2)
        .stderr(contains("sbom         ERROR    it exited 0 without writing"));
}

#[test]
fn nothing_to_scan_or_nothing_ran_is_exit_2() {
    let d = scratch();
    let bin = bin_dir(d.path(), &[]);
    let path = path_dir(d.path(), &[]);
    scan(d.path(), &bin, &path)
        .arg(d.path().join("nope"))
        .assert()
        .code(2)
        .stderr(contains("no such file or directory"))
        .stderr(contains("hint:"));
    let r = repo(d.path());
    scan(d.path(), &bin, &path)
        .arg(&r)
        .assert()
        .code(2)
        .stderr(contains("no scanner ran"))
        .stderr(contains("secret-scan  skipped"));
    assert!(predicate::path::missing().eval(&d.path().join("mlsec-out/all.sarif")));
}

/// model-scan is run like the others when its binary is there, with the interface
/// `model-scan PATH --output FILE --fail-on none` in the scanned directory, and skipped with a
/// hint when it is not. (A stand-in script here: this test must not depend on the model-scan
/// crate being built; it checks the contract, and the script hands back a real SARIF file.)
#[test]
fn model_scan_runs_with_its_interface_or_is_skipped() {
    let d = scratch();
    let bin = bin_dir(d.path(), &["secret-scan"]);
    let path = path_dir(d.path(), &[]);
    let r = repo(d.path());
    scan(d.path(), &bin, &path)
        .arg(&r)
        .assert()
        .code(1)
        .stderr(contains("model-scan   skipped  `model-scan` not found next to mlsec or on PATH"))
        .stderr(contains("hint: build it (`cargo build --release -p model-scan`)"));
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/findings/model-sign.sarif");
    script(
        &bin,
        "model-scan",
        &format!(
            "echo \"$(pwd) $*\" > '{}'\nout=\"\"; prev=\"\"\nfor a in \"$@\"; do [ \"$prev\" = --output ] && out=\"$a\"; prev=\"$a\"; done\n/bin/cp '{}' \"$out\"",
            d.path().join("model-scan.args").display(),
            sample.display()
        ),
    );
    scan(d.path(), &bin, &path)
        .arg(&r)
        .arg("--skip")
        .arg("sbom")
        .assert()
        .code(1)
        .stderr(contains("model-scan   ran      1 finding(s) -> mlsec-out/model-scan.sarif"));
    let args = std::fs::read_to_string(d.path().join("model-scan.args")).expect("the stand-in ran");
    let out = d.path().join("mlsec-out").canonicalize().expect("out dir");
    assert_eq!(
        args.trim(),
        format!(
            "{} . --output {}/model-scan.sarif --fail-on none",
            r.canonicalize().expect("repo").display(),
            out.display()
        )
    );
    let all = read_json(&d.path().join("mlsec-out/all.sarif"));
    assert!(tools_in(&all).contains(&"mlsec-model-sign".to_owned()), "{:?}", tools_in(&all));
    // --skip model-scan.
    scan(d.path(), &bin, &path)
        .arg(&r)
        .args(["--skip", "model-scan"])
        .assert()
        .stderr(contains("model-scan   skipped  --skip"));
}

/// `--path-prefix`: the merged findings name files from the repository root; the per-scanner
/// files keep the scanner's own (scanned-directory) paths.
#[test]
fn path_prefix_makes_merged_paths_repository_relative() {
    let d = scratch();
    let bin = bin_dir(d.path(), &["secret-scan", "sbom"]);
    let path = path_dir(d.path(), &[]);
    let r = repo(d.path());
    scan(d.path(), &bin, &path)
        .arg(&r)
        .args(["--path-prefix", "repo"])
        .assert()
        .code(1)
        .stderr(contains("repo/.env:1"));
    let uris = |v: &serde_json::Value| -> Vec<String> {
        let mut u: Vec<String> = v["runs"]
            .as_array()
            .expect("runs")
            .iter()
            .flat_map(|r| r["results"].as_array().into_iter().flatten())
            .map(|f| f["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().expect("uri").to_owned())
            .collect();
        u.sort();
        u
    };
    let o = d.path().join("mlsec-out");
    assert_eq!(uris(&read_json(&o.join("all.sarif"))), ["repo/.env", "repo/requirements.txt"]);
    assert_eq!(uris(&read_json(&o.join("secret-scan.sarif"))), [".env"]);
    let md = std::fs::read_to_string(o.join("report.md")).expect("md");
    assert!(md.contains("repo/.env:1"), "report.md lacks the rebased path");
    scan(d.path(), &bin, &path)
        .arg(&r)
        .args(["--path-prefix", "../x"])
        .assert()
        .code(2)
        .stderr(contains("--path-prefix"));
}

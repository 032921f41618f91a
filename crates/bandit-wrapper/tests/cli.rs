//! Black-box tests of `bandit-wrapper`: the real Bandit (pinned in scripts/test-tools.d/bandit.sh)
//! on the deliberately vulnerable project under tests/fixtures, and stand-in `bandit` executables
//! for the failures real Bandit cannot be made to produce on demand (crash, hang, bad output).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use mlsec_findings::{FindingsFile, SuppressionKind, sarif};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn real_bandit() -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.tools/venv/bin/bandit"));
    assert!(p.is_file(), "{} is missing: run scripts/install-test-tools", p.display());
    p
}

fn wrapper(cwd: &Path) -> Command {
    let mut c = Command::cargo_bin("bandit-wrapper").unwrap();
    c.current_dir(cwd);
    for var in ["MLSEC_FAIL_ON", "MLSEC_BASELINE", "MLSEC_NEW_ONLY", "MLSEC_EXIT_ZERO", "MLSEC_MAX_FINDINGS"] {
        c.env_remove(var);
    }
    c.env_remove("GITHUB_EVENT_NAME").env_remove("CI_MERGE_REQUEST_IID").env("MLSEC_TODAY", "2026-12-02");
    c
}

fn read(path: &Path) -> FindingsFile {
    let bytes = std::fs::read(path).unwrap();
    let violations = mlsec_findings::profile::validate_bytes(&bytes, path).unwrap();
    assert!(violations.is_empty(), "profile violations: {violations:?}");
    sarif::read_file(path, 1 << 30).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scan_ml_app(out: &Path, extra: &[&str]) -> Output {
    let bandit = real_bandit();
    let mut c = wrapper(&fixtures().join("ml_app"));
    c.arg("pipeline").arg("--bandit").arg(&bandit).arg("-o").arg(out).args(extra);
    c.output().unwrap()
}

#[test]
fn real_bandit_on_ml_project_reports_everything_with_ml_rules() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bandit.sarif");
    let o = scan_ml_app(&out, &["--fail-on", "high"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let file = read(&out);
    let run = &file.runs[0];
    assert_eq!(run.tool.name, "mlsec-bandit-wrapper");
    assert_eq!(run.engines[0].name, "bandit");
    assert_eq!(run.engines[0].version.as_deref(), Some(bandit_wrapper::PINNED_BANDIT));
    assert!(run.invocation.successful);
    // pyproject.toml [tool.bandit] skips B101 (the assert in train.py): found and passed with -c.
    assert!(run.findings.iter().all(|f| f.rule_id != "B101"));
    assert_eq!(run.engines[0].properties.get("config").map(String::as_str), Some("pyproject.toml"));
    // Low-severity findings are listed: no -l/-i filter.
    assert!(run.findings.iter().any(|f| f.rule_id == "B105" && f.severity == mlsec_findings::Severity::Low));
    assert_eq!(run.findings.len(), 18);

    let torch = run.findings.iter().find(|f| f.rule_id == "B614").unwrap();
    let loc = torch.primary_location().unwrap();
    assert_eq!((loc.uri.as_str(), loc.start_line, loc.start_column), ("pipeline/train.py", Some(12), Some(12)));
    assert_eq!(loc.snippet.as_deref(), Some("    return torch.load(path)"));
    assert!(torch.tags.contains(&"CWE-502".to_owned()));
    assert!(torch.fingerprints.contains_key("mlsec/code/v1"));
    let b614 = run.rule("B614").unwrap();
    assert!(b614.help_markdown.as_deref().unwrap().contains("weights_only=True"));
    assert!(b614.tags.contains(&"CWE-502".to_owned()));
    let b615 = run.rule("B615").unwrap();
    assert!(b615.help_markdown.as_deref().unwrap().contains("revision="));
    assert_eq!(run.findings.iter().filter(|f| f.rule_id == "B615").count(), 2);

    // The fake password never appears in the output.
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains("hunter2-not-real"));
}

#[test]
fn nosec_comments_are_visible_suppressions_and_a_wrong_id_does_not_suppress() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bandit.sarif");
    let o = scan_ml_app(&out, &["--fail-on", "low"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let file = read(&out);
    let nosec: Vec<_> = file.runs[0]
        .findings
        .iter()
        .filter(|f| f.primary_location().unwrap().uri == "pipeline/nosec_cases.py")
        .map(|f| (f.rule_id.as_str(), f.primary_location().unwrap().start_line.unwrap(), f.suppressions.first()))
        .collect();
    let suppressed: Vec<_> = nosec.iter().filter(|(_, _, s)| s.is_some()).map(|(r, l, _)| (*r, *l)).collect();
    assert_eq!(suppressed, [("B403", 2), ("B404", 3), ("B301", 10), ("B301", 15), ("B506", 19)]);
    for (_, _, s) in nosec.iter().filter(|(_, _, s)| s.is_some()) {
        assert_eq!(s.unwrap().kind, SuppressionKind::InSource);
    }
    // `# nosec B301` on a B602 line: reported and counted, as Bandit does.
    assert!(nosec.contains(&("B602", 23, None)));
}

#[test]
fn same_report_whatever_the_threshold_and_the_gate_decides_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut counts = Vec::new();
    for (fail_on, want) in [("low", 1), ("medium", 1), ("high", 1), ("critical", 0), ("none", 0)] {
        let out = dir.path().join(format!("{fail_on}.sarif"));
        let o = scan_ml_app(&out, &["--fail-on", fail_on]);
        assert_eq!(o.status.code(), Some(want), "--fail-on {fail_on}: {}", stderr(&o));
        counts.push(read(&out).runs[0].findings.len());
    }
    assert!(counts.iter().all(|&c| c == 18), "{counts:?}");
    let out = dir.path().join("ez.sarif");
    let o = scan_ml_app(&out, &["--fail-on", "low", "--exit-zero"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn baseline_by_our_fingerprints_survives_moved_lines_and_flags_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("proj");
    copy_dir(&fixtures().join("ml_app"), &project);
    let base = dir.path().join("base.sarif");
    let bandit = real_bandit();
    let o = wrapper(&project).arg("pipeline").arg("--bandit").arg(&bandit).arg("-o").arg(&base).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));

    // Shift every line of train.py down by three and add one new unsafe load.
    let train = project.join("pipeline/train.py");
    let text = std::fs::read_to_string(&train).unwrap();
    let changed = text.replacen("import pickle\n", "import pickle\n\n\n\n", 1)
        + "\n\ndef load_other(path):\n    return torch.load(path, weights_only=False)\n";
    std::fs::write(&train, changed).unwrap();

    let out = dir.path().join("now.sarif");
    let o = wrapper(&project)
        .arg("pipeline")
        .arg("--bandit")
        .arg(&bandit)
        .args(["-o"])
        .arg(&out)
        .arg("--baseline")
        .arg(&base)
        .args(["--new-only", "--fail-on", "low"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let file = read(&out);
    let new: Vec<_> = file.runs[0]
        .findings
        .iter()
        .filter(|f| f.baseline_state == Some(mlsec_findings::BaselineState::New))
        .map(|f| (f.rule_id.as_str(), f.primary_location().unwrap().start_line.unwrap()))
        .collect();
    assert_eq!(new, [("B614", 40)]);
    assert_eq!(file.runs[0].findings.len(), 19);

    // The same run with the new finding's severity below the threshold passes with --new-only.
    let o = wrapper(&project)
        .arg("pipeline")
        .arg("--bandit")
        .arg(&bandit)
        .arg("-o")
        .arg(&out)
        .arg("--baseline")
        .arg(&base)
        .args(["--new-only", "--fail-on", "high"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_file_bandit_cannot_parse_is_exit_2_naming_it_with_findings_still_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b.sarif");
    let bandit = real_bandit();
    let o = wrapper(&fixtures())
        .args(["broken", "clean", "--fail-on", "none", "--bandit"])
        .arg(&bandit)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("broken/bad_syntax.py"), "{}", stderr(&o));
    let file = read(&out);
    assert!(!file.runs[0].invocation.successful);
    assert!(file.runs[0].invocation.errors.iter().any(|e| e.contains("broken/bad_syntax.py")));
}

#[test]
fn clean_code_passes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.sarif");
    let o = wrapper(&fixtures()).args(["clean", "--bandit"]).arg(real_bandit()).arg("-o").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(read(&out).runs[0].findings.is_empty());
}

#[test]
fn config_is_banditsconfig_and_mlsec_config_picks_mlsec_toml() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bandit.yaml");
    std::fs::write(&cfg, "skips: ['B301', 'B403', 'B101']\n").unwrap();
    let strict = dir.path().join("strict.toml");
    std::fs::write(&strict, "fail-on = \"low\"\n").unwrap();
    let lax = dir.path().join("lax.toml");
    std::fs::write(&lax, "fail-on = \"none\"\n").unwrap();
    let out = dir.path().join("c.sarif");
    let no_b301 = |file: &FindingsFile| {
        assert!(file.runs[0].findings.iter().all(|f| f.rule_id != "B301" && f.rule_id != "B403"));
        assert!(file.runs[0].findings.iter().any(|f| f.rule_id == "B614"));
    };
    // --config is Bandit's (the issue's interface); --mlsec-config is mlsec.toml (fail-on = low).
    let o = scan_ml_app(&out, &["--config", cfg.to_str().unwrap(), "--mlsec-config", strict.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    no_b301(&read(&out));
    // --bandit-config is an alias; MLSEC_CONFIG picks mlsec.toml too (fail-on = none).
    let bandit = real_bandit();
    let o = wrapper(&fixtures().join("ml_app"))
        .arg("pipeline")
        .arg("--bandit")
        .arg(&bandit)
        .arg("-o")
        .arg(&out)
        .arg("--bandit-config")
        .arg(&cfg)
        .env("MLSEC_CONFIG", &lax)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    no_b301(&read(&out));
}

#[test]
fn a_missing_target_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = wrapper(&fixtures())
        .args(["does_not_exist", "--bandit"])
        .arg(real_bandit())
        .arg("-o")
        .arg(dir.path().join("x.sarif"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("target does_not_exist does not exist"), "{}", stderr(&o));
    assert!(!dir.path().join("x.sarif").exists());
}

#[test]
fn a_missing_bandit_is_exit_2_with_an_install_hint() {
    let dir = tempfile::tempdir().unwrap();
    let o = wrapper(&fixtures())
        .args(["clean", "--bandit"])
        .arg(dir.path().join("no-bandit"))
        .arg("-o")
        .arg(dir.path().join("x.sarif"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("pip install bandit=="), "{}", stderr(&o));
    let o = wrapper(&fixtures())
        .args(["clean", "-o"])
        .arg(dir.path().join("x.sarif"))
        .env("PATH", dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bandit executable not found"), "{}", stderr(&o));
}

/// A stand-in `bandit`: answers `--version` like Bandit, then runs `body` for the scan.
fn stand_in(dir: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join("bandit");
    let script = format!(
        "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'bandit 1.9.4'; echo '  python version = 3.11'; exit 0; fi\n{body}\n"
    );
    std::fs::write(&p, script).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn run_stand_in(body: &str, extra: &[&str]) -> (Output, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let bandit = stand_in(dir.path(), body);
    let out = dir.path().join("o.sarif");
    let o = wrapper(&fixtures())
        .args(["clean", "--fail-on", "high", "--bandit"])
        .arg(&bandit)
        .arg("-o")
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    (o, out, dir)
}

#[test]
fn a_crashing_bandit_is_exit_2_with_its_traceback() {
    let (o, out, _d) =
        run_stand_in("echo 'Traceback (most recent call last):' >&2; echo 'KeyError: test_id' >&2; exit 1", &[]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("bandit failed (exit code 1)") && e.contains("KeyError: test_id"), "{e}");
    assert!(!out.exists());
}

#[test]
fn truncated_json_is_exit_2() {
    let (o, _, _d) = run_stand_in("printf '{\"errors\": [], \"results\": [{\"test_id\": \"B1'; exit 1", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("JSON report is unreadable"), "{}", stderr(&o));
}

#[test]
fn a_report_without_results_is_exit_2() {
    let (o, _, _d) = run_stand_in("echo '{\"errors\": [], \"metrics\": {}}'; exit 0", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no `results` array"), "{}", stderr(&o));
}

#[test]
fn unknown_fields_are_ignored_and_stderr_errors_fail_the_run() {
    let report = r#"{"errors": [], "new_field": {"x": 1}, "results": [{"test_id": "B999", "test_name": "future_check", "filename": "clean/ok.py", "line_number": 4, "line_range": [4], "issue_severity": "HIGH", "issue_confidence": "LOW", "issue_text": "A future check", "issue_cwe": {"id": 0}, "extra": true}]}"#;
    let (o, out, _d) = run_stand_in(&format!("echo '{report}'; exit 1"), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let file = read(&out);
    let f = &file.runs[0].findings[0];
    assert_eq!((f.rule_id.as_str(), f.severity), ("B999", mlsec_findings::Severity::High));
    assert_eq!(file.runs[0].rule("B999").unwrap().short_description, "Future check");

    let (o, out, _d) =
        run_stand_in(&format!("echo '[main]\tERROR\tplugin failed to load' >&2; echo '{report}'; exit 1"), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("plugin failed to load"), "{}", stderr(&o));
    assert!(!read(&out).runs[0].invocation.successful);
}

#[test]
fn a_hanging_bandit_is_stopped_at_the_timeout() {
    let start = std::time::Instant::now();
    let (o, _, _d) = run_stand_in("sleep 30", &["--timeout", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did not finish within 1 s"), "{}", stderr(&o));
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn a_bandit_that_is_not_bandit_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("bandit");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(&fake, "#!/bin/sh\necho 'something else 2.0'\n").unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let o = wrapper(&fixtures())
        .args(["clean", "--bandit"])
        .arg(&fake)
        .arg("-o")
        .arg(dir.path().join("x.sarif"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--version` failed"), "{}", stderr(&o));
}

#[test]
fn absolute_targets_give_repo_relative_locations_and_the_same_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    let rel = dir.path().join("rel.sarif");
    let o = scan_ml_app(&rel, &["--fail-on", "none"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let abs_target = fixtures().join("ml_app/pipeline");
    assert!(abs_target.is_absolute());
    let abs = dir.path().join("abs.sarif");
    let o = wrapper(&fixtures().join("ml_app"))
        .arg(&abs_target)
        .arg("--bandit")
        .arg(real_bandit())
        .arg("-o")
        .arg(&abs)
        .args(["--fail-on", "none"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // `read` validates the profile: repo-relative SRCROOT paths, never absolute ones.
    let (r, a) = (read(&rel), read(&abs));
    let key = |f: &FindingsFile| -> Vec<(String, String)> {
        f.runs[0]
            .findings
            .iter()
            .map(|x| (x.primary_location().unwrap().uri.clone(), x.fingerprints["mlsec/code/v1"].clone()))
            .collect()
    };
    assert_eq!(key(&a), key(&r));
    assert!(key(&a).iter().all(|(uri, _)| uri.starts_with("pipeline/")), "{:?}", key(&a));
    assert_eq!(a.runs[0].automation_id, r.runs[0].automation_id);

    // A target outside the working directory: absolute file:// artifact URIs, still valid.
    let out = dir.path().join("outside.sarif");
    let o = wrapper(dir.path())
        .arg(&abs_target)
        .arg("--bandit")
        .arg(real_bandit())
        .arg("-o")
        .arg(&out)
        .args(["--fail-on", "none"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let file = read(&out);
    let loc = file.runs[0].findings[0].primary_location().unwrap();
    assert!(loc.uri.starts_with("file:///") && loc.uri.contains("/ml_app/pipeline/"), "{}", loc.uri);
    assert!(!loc.is_repo_file());
}

#[test]
fn same_verdict_and_bytes_whether_written_to_a_file_or_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let today = sarif::parse_date("2026-12-02").unwrap();
    for (fail_on, sev, want) in [("high", Some(mlsec_findings::Severity::High), 1), ("critical", None, 0)] {
        let out = dir.path().join(format!("{fail_on}.sarif"));
        let file_run = scan_ml_app(&out, &["--fail-on", fail_on]);
        let stdout_run = wrapper(&fixtures().join("ml_app"))
            .arg("pipeline")
            .arg("--bandit")
            .arg(real_bandit())
            .args(["-o", "-", "--fail-on", fail_on])
            .output()
            .unwrap();
        assert_eq!(file_run.status.code(), Some(want), "{}", stderr(&file_run));
        assert_eq!(stdout_run.status.code(), Some(want), "{}", stderr(&stdout_run));
        assert_eq!(std::fs::read(&out).unwrap(), stdout_run.stdout, "stdout and file SARIF differ");
        // The gate run on the written SARIF (what `mlsec gate` does) agrees with the exit code.
        let policy = mlsec_findings::gate::GatePolicy {
            fail_on: sev.or(Some(mlsec_findings::Severity::Critical)),
            new_only: false,
            max_findings: None,
            today,
        };
        let verdict = mlsec_findings::gate::evaluate(&read(&out), &policy).verdict;
        let expected =
            if want == 1 { mlsec_findings::gate::Verdict::Fail } else { mlsec_findings::gate::Verdict::Pass };
        assert_eq!(verdict, expected);
    }
}

#[test]
fn an_output_in_a_missing_directory_is_exit_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("no-such-dir/bandit.sarif");
    let o = scan_ml_app(&out, &["--fail-on", "none"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("no-such-dir") && e.contains("does not exist") && e.contains("hint: create it first"), "{e}");
    assert!(!dir.path().join("no-such-dir").exists());
}

/// docs/bandit-wrapper.md and `--help` name the same long flags: every flag of `--help` is
/// documented, and every flag the page names is ours or one of Bandit's (or mlsec's) listed here.
#[test]
fn help_and_docs_name_the_same_flags() {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/bandit-wrapper.md")).unwrap();
    let out = wrapper(&fixtures()).arg("--help").assert().success();
    let help = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    // Flags of other tools named in the page (outside code blocks).
    let in_docs = [
        "--gitlab-dir",   // `mlsec report --gitlab-dir`, which turns the SARIF into GitLab's report
        "--ignore-nosec", // Bandit's: how the wrapper runs it, to keep `# nosec` findings visible
        "--ini",          // Bandit's: how an INI configuration (`.bandit`) is passed to it
    ];
    // Bandit's flags, named in --help's description of how Bandit is run.
    let in_help = ["--ignore-nosec", "--ini"];
    if let Err(e) = mlsec_cli::args::docs_match_help("docs/bandit-wrapper.md", &docs, &[&help], &in_docs, &in_help, 10)
    {
        panic!("{e}");
    }
}

//! Black-box tests of `trivy-wrapper` through a stand-in `trivy` executable (a shell script the
//! test writes) that replays a recorded report, stderr and exit code, and logs its arguments: the
//! process handling, exit-code mapping, stderr classification, DB fallback and timeouts are real.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use mlsec_findings::{Category, FindingsFile, Severity, SuppressionKind, sarif};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// A temp project with a stand-in `trivy`. `scan` is the shell body run for a scan, with `$out`
/// set to the --output path and every argument appended to `args.log`.
struct Bed {
    dir: tempfile::TempDir,
}

impl Bed {
    fn new(scan: &str) -> Bed {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("proj")).unwrap();
        let script = format!(
            "#!/bin/sh\nhere=$(dirname \"$0\")\nif [ \"$1\" = --version ]; then printf 'Version: 0.69.1\\nVulnerability DB:\\n  Version: 2\\n'; exit 0; fi\n\
             echo \"$@\" >> \"$here/args.log\"\nout=\"\"\nprev=\"\"\nfor a in \"$@\"; do [ \"$prev\" = --output ] && out=\"$a\"; prev=\"$a\"; done\n{scan}\n"
        );
        let p = dir.path().join("trivy");
        std::fs::write(&p, script).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        Bed { dir }
    }

    fn replay(report: &Path) -> Bed {
        Bed::new(&format!("cp '{}' \"$out\"; exit 0", report.display()))
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_to(&self.out(), args)
    }

    /// `fs proj` with the stand-in, writing to `out` (`-`: stdout).
    fn run_to(&self, out: &Path, args: &[&str]) -> Output {
        let mut c = Command::cargo_bin("trivy-wrapper").unwrap();
        c.current_dir(self.path());
        for v in ["MLSEC_FAIL_ON", "MLSEC_BASELINE", "MLSEC_NEW_ONLY", "MLSEC_EXIT_ZERO", "MLSEC_MAX_FINDINGS"] {
            c.env_remove(v);
        }
        c.env("MLSEC_TODAY", "2026-12-02").env("HOME", self.path()).env_remove("TRIVY_CACHE_DIR");
        c.env_remove("XDG_CACHE_HOME");
        c.arg("fs").arg("proj").arg("--trivy").arg(self.path().join("trivy")).arg("-o").arg(out).args(args);
        c.output().unwrap()
    }

    fn out(&self) -> PathBuf {
        self.path().join("out.sarif")
    }

    fn read(&self) -> FindingsFile {
        let bytes = std::fs::read(self.out()).unwrap();
        let v = mlsec_findings::profile::validate_bytes(&bytes, &self.out()).unwrap();
        assert!(v.is_empty(), "profile violations: {v:?}");
        sarif::read_file(&self.out(), 1 << 30).unwrap()
    }

    fn args_log(&self) -> String {
        std::fs::read_to_string(self.path().join("args.log")).unwrap_or_default()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn v069_report_converts_every_category_and_runs_trivy_once_with_full_json() {
    let bed = Bed::replay(&fixture("v069-ml.json"));
    let o = bed.run(&["--fail-on", "critical"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let args = bed.args_log();
    assert_eq!(args.lines().count(), 1, "trivy ran more than once: {args}");
    assert!(args.starts_with("fs --format json --output ") && args.trim_end().ends_with("-- proj"), "{args}");
    // Trivy is given an empty ignore file: it must not drop what `.trivyignore` lists (the wrapper
    // lists those as suppressed).
    let ignorefile = args.split(' ').skip_while(|a| *a != "--ignorefile").nth(1).unwrap_or_default();
    assert!(ignorefile.ends_with("none.trivyignore"), "{args}");
    assert!(!args.contains("--exit-code") && !args.contains("--severity"), "{args}");

    let file = bed.read();
    let run = &file.runs[0];
    assert_eq!(run.engines[0].name, "trivy");
    assert_eq!(run.engines[0].version.as_deref(), Some("0.69.1"));
    let cats: Vec<Category> = run.findings.iter().map(|f| f.category).collect();
    assert_eq!(
        cats,
        [
            Category::Vulnerability,
            Category::Vulnerability,
            Category::Vulnerability,
            Category::Misconfiguration,
            Category::Secret,
            Category::License
        ]
    );
    let torch = &run.findings[0];
    assert_eq!(torch.severity, Severity::Critical);
    assert_eq!(torch.cvss_score, Some(9.8));
    let loc = torch.primary_location().unwrap();
    assert_eq!((loc.uri.as_str(), loc.start_line), ("requirements.txt", Some(3)));
    let pkg = torch.package.as_ref().unwrap();
    assert_eq!(pkg.purl.as_deref(), Some("pkg:pypi/torch@2.5.1"));
    assert_eq!(pkg.fixed_version.as_deref(), Some("2.6.0"));
    assert!(torch.tags.contains(&"CWE-502".to_owned()));
    assert!(torch.fingerprints.contains_key("mlsec/vuln/v1"));
    // Unfixed: marked, not suppressed without --ignore-unfixed.
    let unfixed = &run.findings[1];
    assert_eq!(unfixed.properties.get("mlsec/unfixed"), Some(&serde_json::Value::Bool(true)));
    assert!(unfixed.suppressions.is_empty());
    assert_eq!(run.findings[2].cvss_score, Some(3.1));
    assert_eq!(run.findings[3].rule_id, "DS-0002");
    assert_eq!(run.findings[3].primary_location().unwrap().uri, "Dockerfile");
    assert!(run.findings[4].fingerprints.contains_key("mlsec/secret/v1"));
    // The secret value Trivy left unmasked never reaches the output.
    let text = std::fs::read_to_string(bed.out()).unwrap();
    assert!(!text.contains("hf_kTzQpLmNvBcXwErTyUiOpAsDfGhJkLzXcVbN"), "secret leaked");
}

#[test]
fn v050_legacy_report_with_image_packages_and_old_misconfig_ids() {
    let bed = Bed::replay(&fixture("v050-legacy.json"));
    std::fs::write(bed.path().join(".trivyignore"), "AVD-DS-0002\n").unwrap();
    let o = bed.run(&["--fail-on", "high"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let file = bed.read();
    let run = &file.runs[0];
    assert_eq!(run.findings.len(), 3);
    let libc = &run.findings[0];
    assert_eq!(libc.cvss_score, Some(7.8));
    let loc = libc.primary_location().unwrap();
    assert!(loc.uri.starts_with("pkg:deb/debian/libc6@"), "{}", loc.uri);
    // No purl: a generic one.
    assert_eq!(run.findings[1].primary_location().unwrap().uri, "pkg:generic/apt@2.6.1");
    // The AVD alias in .trivyignore suppresses the v0.50 `DS002` id, visibly.
    let ds = &run.findings[2];
    assert_eq!(ds.rule_id, "DS002");
    assert_eq!(ds.suppressions[0].kind, SuppressionKind::External);
}

#[test]
fn the_gate_not_trivy_decides_and_the_report_never_shrinks() {
    let bed = Bed::replay(&fixture("v069-ml.json"));
    for (fail_on, want) in [("low", 1), ("high", 1), ("critical", 1), ("none", 0)] {
        let o = bed.run(&["--fail-on", fail_on]);
        assert_eq!(o.status.code(), Some(want), "--fail-on {fail_on}: {}", stderr(&o));
        assert_eq!(bed.read().runs[0].findings.len(), 6);
    }
}

#[test]
fn ignore_unfixed_and_trivyignore_with_expiry_are_visible_suppressions() {
    let bed = Bed::replay(&fixture("v069-ml.json"));
    std::fs::write(
        bed.path().join(".trivyignore"),
        "# accepted\nCVE-2025-32434 exp:2030-01-01\nhuggingface-access-token exp:2020-01-01\nDS-0002\nGPL-3.0-only\n",
    )
    .unwrap();
    let o = bed.run(&["--fail-on", "high", "--ignore-unfixed"]);
    // torch ignored (not expired), transformers unfixed, DS-0002 and the license ignored; the
    // secret's entry expired in 2020, so it still fails the gate.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let file = bed.read();
    let f = &file.runs[0].findings;
    assert_eq!(f[0].suppressions[0].justification.as_deref(), Some("listed in .trivyignore:2"));
    assert_eq!(f[1].suppressions[0].source.as_deref(), Some("ignore-unfixed"));
    assert!(f[4].suppressions[0].is_expired(time::macros::date!(2026 - 12 - 02)));
    assert_eq!(f.len(), 6);

    std::fs::write(bed.path().join(".trivyignore"), "huggingface-access-token\n").unwrap();
    let o = bed.run(&["--fail-on", "high", "--ignore-unfixed"]);
    assert_eq!(o.status.code(), Some(1), "torch still counts: {}", stderr(&o));
    std::fs::write(
        bed.path().join(".trivyignore"),
        "huggingface-access-token\nCVE-2025-32434\nDS-0002\nGPL-3.0-only\n",
    )
    .unwrap();
    let o = bed.run(&["--fail-on", "high", "--ignore-unfixed"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn trivyignore_yaml_entries_match_by_section_path_purl_and_expire() {
    let bed = Bed::replay(&fixture("v069-ml.json"));
    std::fs::write(
        bed.path().join(".trivyignore.yaml"),
        "vulnerabilities:\n  - id: CVE-2025-32434\n    purls: [pkg:pypi/torch]\n    statement: weights_only=True everywhere\n    expired_at: 2030-01-01\n  - id: CVE-2024-11392\n    purls: [pkg:pypi/transformers@9.9.9]\n  - id: CVE-2099-0001\n    paths: [\"**/requirements*.txt\"]\nmisconfigurations:\n  - id: AVD-DS-0002\n    paths: [docker/Dockerfile]\nsecrets:\n  - id: huggingface-access-token\n    paths: [\"notebooks/**\"]\n    expired_at: 2020-01-01\nlicenses:\n  - id: DS-0002\n",
    )
    .unwrap();
    let o = bed.run(&["--fail-on", "low"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let file = bed.read();
    let f = &file.runs[0].findings;
    // torch: a versionless purl matches; the statement is the justification.
    assert_eq!(f[0].suppressions.len(), 1);
    assert_eq!(
        f[0].suppressions[0].justification.as_deref(),
        Some("weights_only=True everywhere (listed in .trivyignore.yaml:2 (vulnerabilities[0]))")
    );
    assert_eq!(f[0].suppressions[0].source.as_deref(), Some(".trivyignore.yaml"));
    assert_eq!(f[0].suppressions[0].expires, Some(time::macros::date!(2030 - 01 - 01)));
    // transformers 4.37.2 is not the listed version; the path glob matches requirements.txt.
    assert!(f[1].suppressions.is_empty());
    assert_eq!(f[2].suppressions.len(), 1);
    // DS-0002 is in ./Dockerfile, not docker/Dockerfile; a license entry does not apply to it.
    assert!(f[3].suppressions.is_empty());
    // The secret's entry matches but expired: visible, and it no longer suppresses.
    assert!(f[4].suppressions[0].is_expired(time::macros::date!(2026 - 12 - 02)));

    // Malformed: exit 2, the file, line and entry named, with a hint.
    std::fs::write(bed.path().join(".trivyignore.yaml"), "vulnerabilities:\n  - id: CVE-1\n    expires: 2030-01-01\n")
        .unwrap();
    let o = bed.run(&["--fail-on", "low"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains(".trivyignore.yaml:3: vulnerabilities[0]: unknown key `expires`") && e.contains("hint:"), "{e}");
}

#[test]
fn vex_suppressed_vulnerabilities_are_listed_as_suppressed() {
    let bed = Bed::replay(&fixture("v069-vex.json"));
    // The CRITICAL onnx finding is VEX-suppressed: only the HIGH pillow one gates.
    let o = bed.run(&["--fail-on", "critical"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = bed.run(&["--fail-on", "high"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let file = bed.read();
    let f = &file.runs[0].findings;
    assert_eq!(f.len(), 5, "{f:#?}");
    assert!(f[0].suppressions.is_empty());
    assert_eq!(f[1].rule_id, "CVE-2099-2222");
    assert_eq!(f[1].severity, Severity::Critical);
    assert_eq!(f[1].locations[0].start_line, Some(5));
    let s = &f[1].suppressions[0];
    assert_eq!(s.kind, SuppressionKind::External);
    assert_eq!(s.source.as_deref(), Some("vex: CycloneDX VEX"));
    assert_eq!(s.justification.as_deref(), Some("not_affected: vulnerable_code_not_in_execute_path"));
    // Every type of suppressed finding is listed, suppressed, with its statement and source.
    let by_rule = |id: &str| f.iter().find(|x| x.rule_id == id).unwrap_or_else(|| panic!("{id} missing: {f:#?}"));
    let m = by_rule("DS-0002");
    assert_eq!((m.category, m.severity), (Category::Misconfiguration, Severity::High));
    assert_eq!(m.locations[0].uri, "Dockerfile");
    assert_eq!(
        m.suppressions[0].justification.as_deref(),
        Some("not_affected: the image runs as a non-root user set by the platform")
    );
    assert_eq!(m.suppressions[0].source.as_deref(), Some("vex: OpenVEX"));
    let sec = by_rule("huggingface-access-token");
    assert_eq!((sec.category, sec.severity), (Category::Secret, Severity::Critical));
    assert_eq!(sec.locations[0].start_line, Some(4));
    assert_eq!(sec.suppressions[0].justification.as_deref(), Some("ignored"));
    assert_eq!(sec.suppressions[0].source.as_deref(), Some("trivy: .trivyignore"));
    let lic = by_rule("license/GPL-3.0-only");
    assert_eq!(lic.category, Category::License);
    assert_eq!(lic.suppressions[0].justification.as_deref(), Some("not_affected: internal tool, not distributed"));
    assert!(f.iter().all(|x| x.rule_id == "CVE-2099-1111" || x.suppressions.len() == 1), "{f:#?}");
    // What could not be read is said, not dropped silently.
    let warnings = &file.runs[0].invocation.warnings;
    assert!(warnings.iter().any(|w| w.contains("unknown type \"sbom-component\"")), "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("LICENSE: a suppressed license could not be read")), "{warnings:?}");
}

#[test]
fn db_rate_limit_tries_the_next_repository_then_fails_with_a_hint() {
    let rate = "echo '2026-12-01T10:00:00Z\tFATAL\tinit error: DB error: failed to download vulnerability DB: OCI artifact error: GET https://ghcr.io/v2/aquasecurity/trivy-db/manifests/2: TOOMANYREQUESTS: retry-after: 1.2ms' >&2; exit 1";
    let body = format!(
        "case \"$*\" in *'--db-repository mirror.example/trivy-db'*) cp '{}' \"$out\"; exit 0;; *) {rate};; esac",
        fixture("v069-ml.json").display()
    );
    let bed = Bed::new(&body);
    let o = bed.run(&["--fail-on", "none", "--db-repository", "ghcr.io/aquasecurity/trivy-db,mirror.example/trivy-db"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(bed.args_log().lines().count(), 2);
    assert!(stderr(&o).contains("DB download failed from ghcr.io/aquasecurity/trivy-db; used mirror.example/trivy-db"));

    let bed = Bed::new(rate);
    let o = bed.run(&["--fail-on", "none", "--db-repository", "a.example/db", "--db-repository", "b.example/db"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("could not download its vulnerability DB (tried: a.example/db, b.example/db)"), "{e}");
    assert!(e.contains("TOOMANYREQUESTS") && e.contains("hint:"), "{e}");
}

#[test]
fn other_trivy_errors_are_exit_2_and_not_retried() {
    let bed = Bed::new("echo 'FATAL\tscan error: unable to initialize a scanner: no such file' >&2; exit 1");
    let o = bed.run(&["--db-repository", "a.example/db,b.example/db"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("trivy failed (exit code 1)") && stderr(&o).contains("unable to initialize"));
    assert_eq!(bed.args_log().lines().count(), 1);
}

#[test]
fn fresh_cached_db_skips_the_update() {
    let bed = Bed::replay(&fixture("v069-ml.json"));
    let cache = bed.path().join("cache");
    std::fs::create_dir_all(cache.join("db")).unwrap();
    let next = (time::OffsetDateTime::now_utc() + time::Duration::hours(6))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    std::fs::write(
        cache.join("db/metadata.json"),
        format!(r#"{{"Version":2,"NextUpdate":"{next}","UpdatedAt":"2026-12-01T06:00:00Z"}}"#),
    )
    .unwrap();
    let o = bed.run(&["--fail-on", "none", "--cache-dir", cache.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(bed.args_log().contains("--skip-db-update"), "{}", bed.args_log());
    assert_eq!(
        bed.read().runs[0].engines[0].properties.get("db-updated-at").map(String::as_str),
        Some("2026-12-01T06:00:00Z")
    );

    std::fs::write(cache.join("db/metadata.json"), r#"{"Version":2,"NextUpdate":"2020-01-01T00:00:00Z"}"#).unwrap();
    std::fs::remove_file(bed.path().join("args.log")).unwrap();
    let o = bed.run(&["--fail-on", "none", "--cache-dir", cache.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!bed.args_log().contains("--skip-db-update"));
}

#[test]
fn truncated_json_unknown_shapes_and_missing_results_are_exit_2() {
    let bed = Bed::new("printf '{\"SchemaVersion\": 2, \"Results\": [{\"Target\": \"req' > \"$out\"; exit 0");
    let o = bed.run(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("JSON report is unreadable"), "{}", stderr(&o));

    let bed = Bed::new(
        "echo '{\"SchemaVersion\": 2, \"ArtifactName\": \".\", \"ArtifactType\": \"filesystem\"}' > \"$out\"; exit 0",
    );
    let o = bed.run(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no `Results`"), "{}", stderr(&o));

    let bed = Bed::new("echo '{\"SchemaVersion\": 3, \"Results\": []}' > \"$out\"; exit 0");
    let o = bed.run(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("SchemaVersion 3"), "{}", stderr(&o));

    let bed = Bed::new("exit 0");
    let o = bed.run(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("wrote no report"), "{}", stderr(&o));
}

#[test]
fn an_empty_results_array_passes() {
    let bed = Bed::new("echo '{\"SchemaVersion\": 2, \"ArtifactName\": \".\", \"Results\": []}' > \"$out\"; exit 0");
    let o = bed.run(&["--fail-on", "low"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(bed.read().runs[0].findings.is_empty());
}

#[test]
fn a_hanging_trivy_is_stopped_at_the_timeout() {
    let bed = Bed::new("sleep 30");
    let start = std::time::Instant::now();
    let o = bed.run(&["--timeout", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did not finish within 1 s"), "{}", stderr(&o));
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn missing_trivy_and_missing_target_are_exit_2() {
    let bed = Bed::replay(&fixture("v069-ml.json"));
    let mut c = Command::cargo_bin("trivy-wrapper").unwrap();
    let o = c
        .current_dir(bed.path())
        .args(["fs", "proj", "-o", "x.sarif", "--trivy"])
        .arg(bed.path().join("nope/trivy"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("trivy executable not found") && stderr(&o).contains("install Trivy"));

    let mut c = Command::cargo_bin("trivy-wrapper").unwrap();
    let o = c
        .current_dir(bed.path())
        .args(["fs", "missing-dir", "-o", "x.sarif", "--trivy"])
        .arg(bed.path().join("trivy"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("target missing-dir does not exist"), "{}", stderr(&o));
    assert!(bed.args_log().is_empty());
}

#[test]
fn subcommand_and_scanners_are_passed_through() {
    let bed = Bed::replay(&fixture("v069-ml.json"));
    let mut c = Command::cargo_bin("trivy-wrapper").unwrap();
    let o = c
        .current_dir(bed.path())
        .env("HOME", bed.path())
        .args([
            "image",
            "registry.example/ml/serve:1.0",
            "--scanners",
            "vuln,secret",
            "--fail-on",
            "none",
            "-o",
            "x.sarif",
        ])
        .arg("--trivy")
        .arg(bed.path().join("trivy"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let args = bed.args_log();
    assert!(args.starts_with("image --format json") && args.contains("--scanners vuln,secret"), "{args}");
    assert!(args.trim_end().ends_with("-- registry.example/ml/serve:1.0"), "{args}");
}

#[test]
fn same_verdict_and_bytes_whether_written_to_a_file_or_stdout() {
    let bed = Bed::replay(&fixture("v069-ml.json"));
    for (fail_on, want) in [("high", 1), ("none", 0)] {
        let o = bed.run(&["--fail-on", fail_on]);
        assert_eq!(o.status.code(), Some(want), "{}", stderr(&o));
        let on_disk = std::fs::read(bed.out()).unwrap();
        let s = bed.run_to(Path::new("-"), &["--fail-on", fail_on]);
        assert_eq!(s.status.code(), Some(want), "{}", stderr(&s));
        assert_eq!(s.stdout, on_disk, "stdout and file SARIF differ");
    }
    // The gate on the written SARIF (what `mlsec gate` does) agrees with the wrapper's exit code.
    let o = bed.run(&["--fail-on", "high"]);
    assert_eq!(o.status.code(), Some(1));
    let policy = mlsec_findings::gate::GatePolicy {
        fail_on: Some(Severity::High),
        new_only: false,
        max_findings: None,
        today: time::macros::date!(2026 - 12 - 02),
    };
    assert_eq!(mlsec_findings::gate::evaluate(&bed.read(), &policy).verdict, mlsec_findings::gate::Verdict::Fail);
}

#[test]
fn an_output_in_a_missing_directory_is_exit_2_naming_it() {
    let bed = Bed::replay(&fixture("v069-ml.json"));
    let o = bed.run_to(Path::new("missing/out.sarif"), &["--fail-on", "none"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("missing") && e.contains("does not exist") && e.contains("hint: create it first"), "{e}");
    assert!(!bed.path().join("missing").exists());
}

#[test]
fn mlsec_toml_suppress_entries_apply_as_in_mlsec_gate() {
    let bed = Bed::replay(&fixture("v069-ml.json"));
    // The two CRITICAL findings fail --fail-on critical.
    assert_eq!(bed.run(&["--fail-on", "critical"]).status.code(), Some(1));
    std::fs::write(
        bed.path().join("mlsec.toml"),
        "[[suppress]]\nrule = \"CVE-2025-32434\"\nreason = \"weights_only=True everywhere\"\n\n\
         [[suppress]]\npath = \"notebooks/**\"\nreason = \"revoked test token\"\nexpires = 2030-01-01\n",
    )
    .unwrap();
    let o = bed.run(&["--fail-on", "critical"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let file = bed.read();
    let f = file.runs[0].findings.iter().find(|f| f.rule_id == "CVE-2025-32434").unwrap();
    assert_eq!(f.suppressions[0].justification.as_deref(), Some("weights_only=True everywhere"));
    assert_eq!(f.suppressions[0].source.as_deref(), Some("mlsec.toml"));
    // Still reported; HIGH findings still fail a HIGH gate.
    assert_eq!(file.runs[0].findings.len(), 6);
    assert_eq!(bed.run(&["--fail-on", "high"]).status.code(), Some(1));
    // A bad glob in an entry is exit 2 naming the file, line and column.
    std::fs::write(bed.path().join("mlsec.toml"), "[[suppress]]\npath = \"[x\"\nreason = \"r\"\n").unwrap();
    let o = bed.run(&["--fail-on", "critical"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("mlsec.toml:2:8: invalid value for `path`"), "{}", stderr(&o));
}

/// docs/trivy-wrapper.md and `--help` name the same long flags: every flag of `--help` is
/// documented, and every flag the page names is ours or one of Trivy's (or mlsec's) listed here.
#[test]
fn help_and_docs_name_the_same_flags() {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/trivy-wrapper.md")).unwrap();
    let out = Command::cargo_bin("trivy-wrapper").unwrap().arg("--help").assert().success();
    let help = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    // Flags of other tools named in the page (outside code blocks).
    let in_docs = [
        "--exit-code",       // Trivy's: not passed, so Trivy's exit code means error or not
        "--format",          // Trivy's: `--format json`, how the wrapper runs it
        "--gitlab-dir",      // `mlsec report --gitlab-dir`, which turns the SARIF into GitLab's report
        "--severity",        // Trivy's: not passed, so the report lists every severity
        "--show-suppressed", // Trivy's: set in trivy.yaml, it adds entries the wrapper keeps visible
        "--skip-db-update",  // Trivy's: passed when the cached DB is fresh (see --no-skip-fresh-db)
        "--version",         // `trivy --version`: where the wrapper reads Trivy's version
    ];
    // Trivy's flags, named in --help's description of how Trivy is run.
    let in_help = ["--format", "--exit-code"];
    if let Err(e) = mlsec_cli::args::docs_match_help("docs/trivy-wrapper.md", &docs, &[&help], &in_docs, &in_help, 15) {
        panic!("{e}");
    }
}

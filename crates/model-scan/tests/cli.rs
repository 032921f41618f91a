//! Black-box tests of the `model-scan` binary on small model directories built in temp dirs.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use assert_cmd::Command;

const EVIL: &[u8] = b"cos\nsystem\n(S'echo hi'\ntR.";
const BENIGN: &[u8] =
    b"\x80\x04\x95\x1f\x00\x00\x00\x00\x00\x00\x00\x8c\x0bcollections\x94\x8c\x0bOrderedDict\x94\x93\x94)R\x94.";

fn bin() -> Command {
    let mut c = Command::cargo_bin("model-scan").unwrap();
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

#[test]
fn malicious_model_fails_and_writes_valid_sarif() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "models/clean.pkl", BENIGN);
    write(d.path(), "models/weights.unknown-ext", EVIL);
    write(d.path(), "README.md", b"# not a model\n");
    let out = bin()
        .current_dir(d.path())
        .args(["models", "--output", "out.sarif", "--json", "out.json"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("critical") && stderr.contains("pickle-dangerous-global"), "{stderr}");
    assert!(stderr.contains("models/weights.unknown-ext"), "{stderr}");
    let sarif = std::fs::read(d.path().join("out.sarif")).unwrap();
    let violations = mlsec_findings::profile::validate_bytes(&sarif, Path::new("out.sarif")).unwrap();
    assert!(violations.is_empty(), "{violations:?}");
    let file = mlsec_findings::sarif::read_file(&d.path().join("out.sarif"), 1 << 20).unwrap();
    let findings: Vec<_> = file.findings().map(|(_, f)| f).collect();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule_id, "pickle-dangerous-global");
    assert_eq!(findings[0].category, mlsec_findings::Category::Model);
    assert_eq!(findings[0].locations[0].uri, "models/weights.unknown-ext");
    assert!(findings[0].fingerprints.contains_key("mlsec/model/v1"));
    assert_eq!(findings[0].locations[0].byte_offset, Some(0));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(d.path().join("out.json")).unwrap()).unwrap();
    assert_eq!(json["files"].as_array().unwrap().len(), 2, "{json}");
}

#[test]
fn clean_models_pass_and_fail_on_is_honoured() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "m/clean.pkl", BENIGN);
    bin().current_dir(d.path()).arg("m").assert().code(0);
    // An unknown global is medium: passes at --fail-on high, fails at medium.
    write(d.path(), "m/custom.pkl", b"cmypkg.models\nNet\n)R.");
    bin().current_dir(d.path()).args(["m", "--fail-on", "high"]).assert().code(0);
    bin().current_dir(d.path()).args(["m", "--fail-on", "medium"]).assert().code(1);
    bin().current_dir(d.path()).args(["m", "--fail-on", "medium", "--exit-zero"]).assert().code(0);
}

#[test]
fn missing_path_and_unwritable_output_exit_2() {
    let d = tempfile::tempdir().unwrap();
    let out = bin().current_dir(d.path()).arg("nope").assert().code(2).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("hint:"));
    write(d.path(), "m.pkl", EVIL);
    bin().current_dir(d.path()).args(["m.pkl", "--output", "no/such/dir/out.sarif"]).assert().code(2);
}

#[test]
fn config_section_is_read() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "mlsec.toml", b"[model-scan]\nmax-file-mib = 1\n");
    let mut big = EVIL[..EVIL.len() - 1].to_vec();
    big.extend(std::iter::repeat_n(b'N', 2 << 20));
    big.push(b'.');
    write(d.path(), "big.pkl", &big);
    let out = bin().current_dir(d.path()).arg(".").assert().code(0).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("over --max-file-mib"));
    // An extra allowlist entry trusts the project's own class (never a denylisted one).
    write(d.path(), "m/custom.pkl", b"cmypkg.models\nNet\n)R.");
    bin().current_dir(d.path()).args(["m", "--fail-on", "medium"]).assert().code(1);
    write(d.path(), "mlsec.toml", b"[model-scan]\nmax-file-mib = 1\nallow = [\"mypkg.models.*\"]\n");
    bin().current_dir(d.path()).args(["m", "--fail-on", "medium"]).assert().code(0);
    write(d.path(), "mlsec.toml", b"[model-scan]\nmax-file-mb = 1\n");
    let out = bin().current_dir(d.path()).arg(".").assert().code(2).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("mlsec.toml"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn suppress_entries_and_baseline_apply() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "m/evil.pkl", EVIL);
    bin().current_dir(d.path()).args(["m", "--output", "base.sarif"]).assert().code(1);
    // The same finding in the baseline: unchanged, not new.
    bin().current_dir(d.path()).args(["m", "--baseline", "base.sarif", "--new-only"]).assert().code(0);
    write(
        d.path(),
        "mlsec.toml",
        b"[[suppress]]\nrule = \"pickle-dangerous-global\"\npath = \"m/evil.pkl\"\nreason = \"test fixture\"\n",
    );
    let out = bin().current_dir(d.path()).args(["m", "--output", "s.sarif"]).assert().code(0).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("(suppressed)"), "{}", String::from_utf8_lossy(&out.stderr));
    let file = mlsec_findings::sarif::read_file(&d.path().join("s.sarif"), 1 << 20).unwrap();
    assert_eq!(file.findings().filter(|(_, f)| !f.suppressions.is_empty()).count(), 1);
}

#[test]
fn help_lists_the_flags() {
    let out = bin().arg("--help").assert().success().get_output().clone();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in ["--output", "--json", "--max-file-mib", "--fail-on", "--baseline", "--config"] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
}

/// docs/model-scan.md and `--help` name the same long flags: every flag of `--help` is documented,
/// and every flag the page names is ours or one of the other tools' flags listed here.
#[test]
fn help_and_docs_name_the_same_flags() {
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/model-scan.md")).unwrap();
    let out = bin().arg("--help").assert().success();
    let help = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    // Flags of other tools named in the page (outside code blocks).
    let in_docs = [
        "--bins", // cargo's, with --release and --target: how the fuzz targets were built
        "--release",
        "--target",
        "--cfg",       // rustc's `--cfg fuzzing`, in the RUSTFLAGS of that build
        "--local-dir", // huggingface-cli's: `huggingface-cli download … --local-dir`, then scan it
    ];
    let in_help: [&str; 0] = [];
    if let Err(e) = mlsec_cli::args::docs_match_help("docs/model-scan.md", &docs, &[&help], &in_docs, &in_help, 10) {
        panic!("{e}");
    }
}

//! The labelled corpus (tests/corpus/gen_corpus.py, written with the pinned numpy/joblib/h5py of
//! .tools/venv): every malicious file has a finding at medium or above, every benign file none,
//! and stress files finish.

use std::path::{Path, PathBuf};
use std::process::Command;

use mlsec_findings::Severity;

fn python() -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.tools/venv/bin/python"));
    assert!(p.exists(), "{} is missing: run scripts/install-test-tools", p.display());
    p
}

fn generate(out: &Path) {
    let status = Command::new(python())
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/gen_corpus.py"))
        .arg(out)
        .status()
        .expect("running gen_corpus.py (run scripts/install-test-tools)");
    assert!(status.success(), "gen_corpus.py failed (run scripts/install-test-tools)");
}

#[test]
fn corpus_full_detection_no_false_positives() {
    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).expect("manifest")).expect("json");
    let settings = model_scan::Settings::default();
    let mut misses = Vec::new();
    let mut checked = 0;
    for f in manifest["files"].as_array().expect("files") {
        let rel = f["path"].as_str().expect("path");
        let path = dir.path().join(rel);
        let report = if path.is_dir() {
            let s = model_scan::Settings { paths: vec![path.clone()], ..model_scan::Settings::default() };
            let r = model_scan::run(&s).expect("scan");
            r.files.into_iter().flat_map(|f| f.issues).collect::<Vec<_>>()
        } else {
            model_scan::scan_file(&path, &settings).expect("scan").map(|r| r.issues).unwrap_or_default()
        };
        let serious: Vec<String> = report
            .iter()
            .filter(|i| i.severity.rank() >= Severity::Medium.rank())
            .map(|i| format!("{} {} {}", i.severity.as_str(), i.check.id(), i.message))
            .collect();
        checked += 1;
        match f["malicious"].as_bool() {
            Some(true) if serious.is_empty() => {
                misses.push(format!("MISSED {rel} ({}): {:?}", f["technique"], report));
            }
            Some(false) if !report.is_empty() => {
                misses.push(format!("FALSE POSITIVE {rel} ({}): {report:?}", f["technique"]));
            }
            _ => {}
        }
    }
    assert!(checked > 100, "the corpus has {checked} files");
    assert!(misses.is_empty(), "{} of {checked} files wrong:\n{}", misses.len(), misses.join("\n"));
}

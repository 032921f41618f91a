//! The accuracy suites under `tests/fixtures/accuracy/` (our own files): every `pos-*` file is
//! flagged, no `neg-*` file is, and notebook findings point at the `.ipynb` file's line and column.
//! `bench/secret-scan-accuracy.sh` runs the anchors on the same files.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;

const SUITES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/accuracy");

/// Per file name: the (rule, line, column) of its findings.
type ByFile = BTreeMap<String, Vec<(String, u64, Option<u64>)>>;

/// Runs the binary on `suite` and returns, per file name, the (rule, line, column) of its findings.
fn scan(suite: &str) -> ByFile {
    let dir = Path::new(SUITES).join(suite);
    let out = tempfile::tempdir().unwrap();
    let sarif = out.path().join("r.sarif");
    let o = Command::cargo_bin("secret-scan")
        .unwrap()
        .arg(&dir)
        .args(["--fail-on", "none", "-q", "--output"])
        .arg(&sarif)
        .env_remove("MLSEC_FAIL_ON")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let mut by_file = ByFile::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        by_file.insert(entry.unwrap().file_name().to_string_lossy().into_owned(), Vec::new());
    }
    for r in v["runs"][0]["results"].as_array().unwrap() {
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        let name = uri.rsplit('/').next().unwrap().to_owned();
        by_file.get_mut(&name).unwrap().push((
            r["ruleId"].as_str().unwrap().to_owned(),
            loc["region"]["startLine"].as_u64().unwrap(),
            loc["region"]["startColumn"].as_u64(),
        ));
    }
    by_file
}

fn check_labels(by_file: &ByFile) {
    let mut wrong = Vec::new();
    for (name, hits) in by_file {
        if name.starts_with("pos-") && hits.is_empty() {
            wrong.push(format!("missed {name}"));
        }
        if name.starts_with("neg-") && !hits.is_empty() {
            wrong.push(format!("false positive {name}: {hits:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn notebook_suite_is_classified_exactly() {
    let by_file = scan("notebooks");
    assert!(by_file.keys().filter(|k| k.starts_with("pos-")).count() >= 8);
    check_labels(&by_file);
}

#[test]
fn notebook_findings_carry_the_files_line_and_column() {
    let by_file = scan("notebooks");
    for (name, hits) in &by_file {
        let raw = std::fs::read_to_string(Path::new(SUITES).join("notebooks").join(name)).unwrap();
        for (rule, line, col) in hits {
            let col = col.unwrap_or_else(|| panic!("{name}: {rule} has no column"));
            let text = raw.lines().nth(usize::try_from(*line).unwrap() - 1).unwrap();
            // The value starts at the column: the text before it is the JSON-escaped cell line up
            // to the value (a `"`, `=`, `:`, ` ` or `(`), never in the middle of a token.
            let at = usize::try_from(col).unwrap() - 1;
            assert!(at < text.len(), "{name}:{line}:{col} {rule}: beyond the line");
            let before = text.as_bytes()[at - 1];
            assert!(matches!(before, b'"' | b'=' | b':' | b' ' | b'(' | b'\''), "{name}:{line}:{col} {rule}");
            assert!(text.as_bytes()[at].is_ascii_alphanumeric(), "{name}:{line}:{col} {rule}");
        }
    }
}

#[test]
fn ml_negatives_suite_has_no_finding() {
    let by_file = scan("ml-negatives");
    assert!(by_file.len() >= 10);
    check_labels(&by_file);
}

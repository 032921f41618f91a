//! Parquet input: the same report as the CSV written from the same pandas DataFrame, for every
//! codec and column type pandas/pyarrow write; bad Parquet input exits 2 naming the column and row.
//! The files are written by the real pyarrow (tests/parquet_cases.py, pinned by
//! scripts/test-tools.d/fairness.sh).
#![cfg(feature = "parquet")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn python() -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.tools/venv/bin/python"));
    assert!(p.exists(), "{} is missing: run scripts/install-test-tools", p.display());
    p
}

/// Writes the cases into a temp dir (the `types` frame, the given fixtures, the bad inputs).
fn cases(fixtures: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(python())
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parquet_cases.py"))
        .arg(dir.path())
        .args(fixtures.iter().map(|f| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(f)))
        .output()
        .expect("run parquet_cases.py");
    assert!(
        out.status.success(),
        "parquet_cases.py failed (run scripts/install-test-tools): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn gate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fairness-gate"))
        .args(args)
        .env_remove("MLSEC_FAIL_ON")
        .env_remove("MLSEC_CONFIG")
        .output()
        .expect("run")
}

/// The report without the input's name and hash.
fn report(file: &Path, args: &[&str]) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("r.json");
    let mut all = vec![file.to_str().expect("utf8"), "--fail-on", "none", "-q", "--json", json.to_str().expect("utf8")];
    all.extend_from_slice(args);
    let out = gate(&all);
    assert_eq!(out.status.code(), Some(0), "{}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    let mut r: Value = serde_json::from_slice(&std::fs::read(&json).expect("report")).expect("json");
    let o = r.as_object_mut().expect("object");
    o.remove("input");
    o.remove("input_sha256");
    r
}

const CODECS: [&str; 6] = ["snappy", "zstd", "gzip", "lz4", "none", "zstd-v2"];

#[test]
fn parquet_reports_equal_csv_reports_for_every_codec_and_column_type() {
    let dir = cases(&["basic.csv", "strings.csv"]);
    let d = dir.path();
    let runs: [(&str, &[&str]); 6] = [
        // Every group column type: categorical, uint32, int16, bool, floats with exponent and -0.0,
        // a float column with NaN (missing), strings with nulls; an intersection; many row groups.
        (
            "types",
            &[
                "--label",
                "label",
                "--score",
                "score",
                "--threshold",
                "0.5",
                "--sensitive",
                "sex",
                "region",
                "band",
                "flag",
                "ratio",
                "ageband",
                "race",
                "--intersect",
                "sex,race",
                "--intersect",
                "flag,band",
                "--missing-sensitive",
                "group",
            ],
        ),
        // A float32 score (compared as the decimal pandas writes), weights (one worker, file order),
        // rows dropped for a missing value, bootstrap intervals.
        (
            "types",
            &[
                "--label",
                "label",
                "--score",
                "score32",
                "--threshold",
                "0.353",
                "--sensitive",
                "race",
                "--weight",
                "weight",
                "--missing-sensitive",
                "drop",
                "--bootstrap",
                "50",
                "--seed",
                "3",
            ],
        ),
        // String labels, an int8 label used as a group, a bool as a group, privileged group.
        (
            "types",
            &[
                "--label",
                "outcome",
                "--prediction",
                "verdict",
                "--pos-label",
                "granted",
                "--sensitive",
                "label",
                "flag",
                "--privileged",
                "flag=True",
            ],
        ),
        // Integer predictions and a boolean label (`True` as the positive label, as pandas writes it).
        ("types", &["--label", "flag", "--prediction", "flag", "--pos-label", "True", "--sensitive", "sex"]),
        (
            "basic",
            &[
                "--label",
                "label",
                "--prediction",
                "pred",
                "--sensitive",
                "sex",
                "race",
                "--intersect",
                "sex,race",
                "--weight",
                "weight",
                "--privileged",
                "sex=male",
            ],
        ),
        (
            "strings",
            &["--label", "outcome", "--prediction", "predicted", "--pos-label", "approved", "--sensitive", "group"],
        ),
    ];
    for (case, args) in runs {
        let csv = report(&d.join(format!("{case}.csv")), args);
        assert!(csv["rows_read"].as_u64().expect("rows") > 0);
        for codec in CODECS {
            let pq = report(&d.join(format!("{case}.{codec}.parquet")), args);
            assert_eq!(pq, csv, "{case} {codec} {args:?}");
        }
    }
    // The cases really exercise what they claim: floats rendered like Python, NaN as missing.
    let r = report(
        &d.join("types.snappy.parquet"),
        &[
            "--label",
            "label",
            "--prediction",
            "pred",
            "--sensitive",
            "ratio",
            "ageband",
            "region",
            "--missing-sensitive",
            "group",
        ],
    );
    let keys = |g: usize| -> Vec<String> {
        r["groupings"][g]["groups"]
            .as_array()
            .expect("g")
            .iter()
            .map(|g| g["key"][0].as_str().expect("s").to_owned())
            .collect()
    };
    assert_eq!(keys(0), ["-0.0", "0.1", "0.5", "1.0", "1e-05", "2.5e+16"]);
    assert_eq!(keys(1), ["1.0", "2.0", "3.0", "<missing>"]);
    assert_eq!(keys(2), ["0", "1000000000", "2000000000", "3000000000"]);
}

#[test]
fn parquet_is_detected_by_its_magic_without_the_extension() {
    let dir = cases(&[]);
    let d = dir.path();
    let plain = d.join("types-parquet.data");
    std::fs::copy(d.join("types.zstd.parquet"), &plain).expect("copy");
    let args = ["--label", "label", "--prediction", "pred", "--sensitive", "sex"];
    assert_eq!(report(&plain, &args), report(&d.join("types.csv"), &args));
}

fn bad(file: &Path, args: &[&str], needle: &str) {
    let mut all = vec![file.to_str().expect("utf8")];
    all.extend_from_slice(args);
    let out = gate(&all);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
}

#[test]
fn bad_parquet_input_exits_2_naming_the_column_and_row() {
    let dir = cases(&[]);
    let d = dir.path();
    let score = ["--label", "label", "--score", "score", "--threshold", "0.5"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> { score.iter().chain(extra).copied().collect() };
    // pandas writes NaN as null: data row 70 is in the second row group (64 rows each).
    bad(
        &d.join("bad-nan-score.parquet"),
        &with(&["--sensitive", "sex"]),
        "data row 70: column `score`: score is missing (null)",
    );
    bad(
        &d.join("bad-real-nan.parquet"),
        &with(&["--sensitive", "sex"]),
        "data row 3: column `score`: score is NaN: `NaN`",
    );
    bad(
        &d.join("bad-null-sensitive.parquet"),
        &with(&["--sensitive", "race"]),
        "data row 25: column `race`: sensitive value is missing",
    );
    bad(
        &d.join("bad-timestamp.parquet"),
        &with(&["--sensitive", "when"]),
        "column `when` has Parquet type INT64 (Timestamp",
    );
    bad(&d.join("bad-nested.parquet"), &with(&["--sensitive", "tags"]), "column `tags` is nested");
    bad(&d.join("bad-empty.parquet"), &with(&["--sensitive", "sex"]), "the file has no data rows");
    bad(
        &d.join("types.snappy.parquet"),
        &with(&["--sensitive", "nope"]),
        "column `nope` (from --sensitive) is not in the header",
    );
    bad(
        &d.join("types.snappy.parquet"),
        &["--label", "outcome", "--prediction", "pred", "--sensitive", "sex"],
        "data row 1: column `outcome`: label is not 0/1: `denied`",
    );
    let corrupt = d.join("corrupt.parquet");
    std::fs::write(&corrupt, b"PAR1 not really parquet PAR1").expect("write");
    bad(&corrupt, &with(&["--sensitive", "sex"]), "cannot read Parquet");
}

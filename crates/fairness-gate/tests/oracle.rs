//! fairness-gate against the real fairlearn 0.15.0 and AIF360 0.6.1 (tests/oracle.py), to 1e-9,
//! on small prediction files of our own (tests/fixtures), as CSV and as Parquet (each fixture read
//! by pandas and written by pyarrow, tests/parquet_cases.py).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const TOL: f64 = 1e-9;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn python() -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.tools/venv/bin/python"));
    assert!(p.exists(), "{} is missing: run scripts/install-test-tools", p.display());
    p
}

fn gate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fairness-gate")).args(args).env_remove("MLSEC_FAIL_ON").output().expect("run")
}

/// Runs the gate with `--json` into a temp dir; returns the report.
fn report(file: &Path, args: &[&str]) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("r.json");
    let mut all = vec![file.to_str().expect("utf8"), "--fail-on", "none", "--json", json.to_str().expect("utf8")];
    all.extend_from_slice(args);
    let out = gate(&all);
    assert_eq!(out.status.code(), Some(0), "gate failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&std::fs::read(&json).expect("report")).expect("json")
}

fn oracle(file: &Path, args: &[&str]) -> Value {
    let out = Command::new(python())
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle.py"))
        .arg(file)
        .args(args)
        .output()
        .expect("run oracle");
    assert!(
        out.status.success(),
        "oracle failed (run scripts/install-test-tools): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("oracle json")
}

fn close(ours: &Value, theirs: &Value, what: &str) {
    match (ours.as_f64(), theirs.as_f64()) {
        (Some(a), Some(b)) => assert!((a - b).abs() <= TOL, "{what}: ours {a} vs oracle {b}"),
        (None, None) => {}
        _ => panic!("{what}: ours {ours} vs oracle {theirs}"),
    }
}

/// Metrics of each grouping of our report by name.
fn our_metrics(r: &Value) -> BTreeMap<String, BTreeMap<String, Value>> {
    let mut out = BTreeMap::new();
    for g in r["groupings"].as_array().expect("groupings") {
        let label =
            g["features"].as_array().expect("features").iter().map(|v| v.as_str().expect("s")).collect::<Vec<_>>();
        let m = g["metrics"]
            .as_array()
            .expect("m")
            .iter()
            .map(|m| (m["metric"].as_str().expect("s").to_owned(), m["value"].clone()));
        out.insert(label.join("|"), m.collect());
    }
    out
}

/// Compare every fairlearn metric, every group's rates, and (when asked) AIF360's metrics and Theil,
/// on the CSV fixture and on the same rows as Parquet.
fn compare(file: &str, gate_args: &[&str], oracle_args: &[&str]) -> (Value, Value) {
    let f = fixture(file);
    let result = compare_files(file, &f, &f, gate_args, oracle_args);
    if !cfg!(feature = "parquet") {
        return result;
    }
    // The same rows as Parquet: pandas reads the fixture, writes it back as CSV and as Parquet
    // (snappy, row groups of 16 rows); the oracle reads that CSV.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(python())
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parquet_cases.py"))
        .arg(dir.path())
        .arg(&f)
        .output()
        .expect("run parquet_cases.py");
    assert!(out.status.success(), "parquet_cases.py failed: {}", String::from_utf8_lossy(&out.stderr));
    let stem = file.trim_end_matches(".csv");
    let (csv, pq) = (dir.path().join(format!("{stem}.csv")), dir.path().join(format!("{stem}.snappy.parquet")));
    let (ours_pq, _) = compare_files(&format!("{file} as Parquet"), &pq, &csv, gate_args, oracle_args);
    let mut ours_csv = report(&csv, gate_args);
    let mut ours_pq = ours_pq;
    for r in [&mut ours_csv, &mut ours_pq] {
        let o = r.as_object_mut().expect("object");
        o.remove("input");
        o.remove("input_sha256");
    }
    assert_eq!(ours_pq, ours_csv, "{file}: the Parquet report equals the CSV report");
    result
}

fn compare_files(
    what: &str,
    gate_file: &Path,
    oracle_file: &Path,
    gate_args: &[&str],
    oracle_args: &[&str],
) -> (Value, Value) {
    let file = what;
    let ours = report(gate_file, gate_args);
    let theirs = oracle(oracle_file, oracle_args);
    let ours_m = our_metrics(&ours);
    let groupings = theirs["groupings"].as_object().expect("oracle groupings");
    assert_eq!(ours_m.len(), groupings.len(), "same groupings");
    for (label, t) in groupings {
        let o = &ours_m[label];
        for (metric, v) in t["metrics"].as_object().expect("metrics") {
            close(&o[metric], v, &format!("{file} {label} {metric}"));
        }
        let og = ours["groupings"]
            .as_array()
            .expect("g")
            .iter()
            .find(|g| {
                g["features"]
                    .as_array()
                    .expect("f")
                    .iter()
                    .map(|v| v.as_str().expect("s"))
                    .collect::<Vec<_>>()
                    .join("|")
                    == *label
            })
            .expect("grouping");
        let groups = og["groups"].as_array().expect("groups");
        let tg = t["groups"].as_object().expect("groups");
        assert_eq!(groups.len(), tg.len(), "{file} {label}: same observed groups");
        for g in groups {
            let key =
                g["key"].as_array().expect("k").iter().map(|v| v.as_str().expect("s")).collect::<Vec<_>>().join("|");
            for rate in ["selection_rate", "true_positive_rate", "false_positive_rate", "accuracy"] {
                // A 0/0 rate is null in our report; fairlearn reports 0 (sklearn's nan_to_num).
                let ours_v = if g["rates"][rate].is_null() { Value::from(0.0) } else { g["rates"][rate].clone() };
                close(&ours_v, &tg[&key][rate], &format!("{file} {label} {key} {rate}"));
            }
        }
    }
    close(&ours["theil_index"]["value"], &theirs["theil_index"], &format!("{file} theil (formula)"));
    if theirs.get("aif360").is_some() {
        assert_eq!(
            theirs["aif360_source"], "aif360",
            "the real AIF360 must be installed: run scripts/install-test-tools"
        );
        close(&ours["theil_index"]["value"], &theirs["theil_index_real"], &format!("{file} theil (aif360)"));
        let (col, _) = oracle_args[oracle_args.iter().position(|a| *a == "--privileged").expect("p") + 1]
            .split_once('=')
            .expect("=");
        for (metric, v) in theirs["aif360_real"].as_object().expect("aif") {
            close(&ours_m[col][metric], v, &format!("{file} aif360 {metric}"));
            close(&ours_m[col][metric], &theirs["aif360"][metric], &format!("{file} aif360 formula {metric}"));
        }
    }
    (ours, theirs)
}

const BASIC: &[&str] = &["--label", "label", "--sensitive", "sex", "race", "--intersect", "sex,race"];

fn with<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<&'a str> {
    a.iter().chain(b).copied().collect()
}

#[test]
fn weighted_predictions_with_intersection_and_privileged_group_match_fairlearn_and_aif360() {
    let common = with(BASIC, &["--prediction", "pred", "--weight", "weight", "--privileged", "sex=male"]);
    let (ours, _) = compare("basic.csv", &with(&common, &["--undefined", "zero"]), &common);
    // race=C has no positive labels; race=D is a one-row group; (male, D) is an empty intersection.
    let inter = &ours["groupings"][2];
    assert_eq!(inter["empty_intersections"], serde_json::json!([["male", "D"]]));
    let d = ours["groupings"][1]["groups"].as_array().expect("g").iter().find(|g| g["key"][0] == "D").expect("D");
    assert_eq!(d["counts"]["n"], 1);
}

#[test]
fn scores_with_threshold_to_overall_and_mean_agg_match_fairlearn() {
    let common = with(BASIC, &["--score", "score", "--threshold", "0.5", "--method", "to_overall", "--agg", "mean"]);
    compare(
        "basic.csv",
        &with(&common, &["--undefined", "zero", "--privileged", "race=A"]),
        &with(&common, &["--privileged", "race=A"]),
    );
}

#[test]
fn unweighted_to_overall_worst_case_matches_fairlearn() {
    let common = with(BASIC, &["--prediction", "pred", "--method", "to_overall"]);
    compare("basic.csv", &with(&common, &["--undefined", "zero"]), &common);
}

#[test]
fn missing_sensitive_values_grouped_or_dropped_match_fairlearn() {
    let base = ["--label", "label", "--prediction", "pred", "--sensitive", "sex", "--undefined", "zero"];
    let (ours, _) = compare(
        "missing.csv",
        &with(&base, &["--missing-sensitive", "group"]),
        &["--label", "label", "--prediction", "pred", "--sensitive", "sex", "--missing", "group"],
    );
    assert!(ours["groupings"][0]["groups"].as_array().expect("g").iter().any(|g| g["key"][0] == "<missing>"));
    let (ours, _) = compare(
        "missing.csv",
        &with(&base, &["--missing-sensitive", "drop"]),
        &["--label", "label", "--prediction", "pred", "--sensitive", "sex", "--missing", "drop"],
    );
    assert_eq!(ours["rows_dropped_missing_sensitive"], 4);
    assert_eq!(ours["rows_read"], 30);
}

#[test]
fn missing_sensitive_value_is_an_error_by_default_naming_row_and_column() {
    let out = gate(&[
        fixture("missing.csv").to_str().expect("p"),
        "--label",
        "label",
        "--prediction",
        "pred",
        "--sensitive",
        "sex",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing.csv:5: column `sex`: sensitive value is missing"), "{err}");
}

#[test]
fn all_negative_predictions_match_fairlearn_including_undefined_ratios() {
    let common = ["--label", "label", "--prediction", "pred", "--sensitive", "sex", "race", "--privileged", "sex=male"];
    let (ours, theirs) = compare("allneg.csv", &with(&common, &["--undefined", "zero"]), &common);
    // Selection rates are all 0: fairlearn's ratio is 0/0 = NaN; ours is undefined, verdict skipped.
    assert!(theirs["groupings"]["sex"]["metrics"]["demographic_parity_ratio"].is_null());
    let m = &ours["groupings"][0]["metrics"][1];
    assert_eq!(m["metric"], "demographic_parity_ratio");
    assert!(m["value"].is_null());
    assert_eq!(m["verdict"], "skipped");
}

#[test]
fn string_labels_with_pos_label_match_fairlearn() {
    let common = ["--label", "outcome", "--prediction", "predicted", "--pos-label", "approved", "--sensitive", "group"];
    compare("strings.csv", &with(&common, &["--undefined", "zero"]), &common);
}

#[test]
fn undefined_skip_leaves_out_the_group_without_positives_and_says_why() {
    let f = fixture("basic.csv");
    let ours = report(&f, &["--label", "label", "--prediction", "pred", "--sensitive", "race"]);
    let eod = &ours["groupings"][0]["metrics"][4];
    assert_eq!(eod["metric"], "equal_opportunity_difference");
    let excluded = eod["excluded"].as_array().expect("excluded");
    assert_eq!(excluded.len(), 1);
    assert_eq!(excluded[0]["group"], "C");
    assert!(excluded[0]["reason"].as_str().expect("s").contains("0/0"));
    // The same value fairlearn gives on the rows of the other groups.
    let dir = tempfile::tempdir().expect("tmp");
    let filtered = dir.path().join("no-c.csv");
    let text = std::fs::read_to_string(&f).expect("read");
    let kept: Vec<&str> = text.lines().filter(|l| !l.contains(",C,")).collect();
    std::fs::write(&filtered, kept.join("\n") + "\n").expect("write");
    let theirs = oracle(&filtered, &["--label", "label", "--prediction", "pred", "--sensitive", "race"]);
    close(&eod["value"], &theirs["groupings"]["race"]["metrics"]["equal_opportunity_difference"], "skip eod");
    // Selection-rate metrics still include C.
    assert!(ours["groupings"][0]["metrics"][0]["excluded"].as_array().expect("e").is_empty());
}

#[test]
fn undefined_fail_fails_the_metric_and_the_gate() {
    let out = gate(&[
        fixture("basic.csv").to_str().expect("p"),
        "--label",
        "label",
        "--prediction",
        "pred",
        "--sensitive",
        "race",
        "--undefined",
        "fail",
        "--limit",
        "equal_opportunity_difference <= 1",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn min_group_rows_excludes_the_one_row_group() {
    let ours = report(
        &fixture("basic.csv"),
        &["--label", "label", "--prediction", "pred", "--sensitive", "race", "--min-group-rows", "2"],
    );
    let dpd = &ours["groupings"][0]["metrics"][0];
    assert_eq!(dpd["excluded"][0]["group"], "D");
    assert!(dpd["excluded"][0]["reason"].as_str().expect("s").contains("1 rows < min_group_rows 2"));
    assert!(!dpd["groups"].as_array().expect("g").iter().any(|g| g == "D"));
}

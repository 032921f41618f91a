//! The binary's contract: bad input exits 2 naming the column/row; limits, config and
//! `--fail-on` decide 0/1; SARIF, JUnit and Markdown outputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name).display().to_string()
}

fn gate_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fairness-gate"))
        .args(args)
        .current_dir(dir)
        .env_remove("MLSEC_FAIL_ON")
        .env_remove("MLSEC_CONFIG")
        .output()
        .expect("run")
}

fn gate(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("tmp");
    gate_in(dir.path(), args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn bad(args: &[&str], needle: &str) {
    let out = gate(args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(needle), "expected `{needle}` in: {}", stderr(&out));
}

#[test]
fn missing_column_exits_2_naming_it_and_the_flag() {
    bad(
        &[&fixture("basic.csv"), "--label", "label", "--prediction", "nope", "--sensitive", "sex"],
        "column `nope` (from --prediction) is not in the header",
    );
}

#[test]
fn non_binary_labels_without_pos_label_exit_2_naming_row_and_column() {
    bad(
        &[&fixture("nonbinary.csv"), "--label", "label", "--prediction", "pred", "--sensitive", "sex"],
        "nonbinary.csv:2: column `label`: label is not 0/1: `yes`",
    );
}

#[test]
fn nan_score_exits_2_naming_row_and_column() {
    bad(
        &[
            &fixture("nan-score.csv"),
            "--label",
            "label",
            "--score",
            "score",
            "--threshold",
            "0.5",
            "--sensitive",
            "sex",
        ],
        "nan-score.csv:3: column `score`: score is NaN",
    );
}

#[test]
fn ragged_csv_exits_2_naming_the_line() {
    bad(&[&fixture("ragged.csv"), "--label", "label", "--prediction", "pred", "--sensitive", "sex"], "line: 3");
}

#[test]
fn empty_file_and_header_only_file_exit_2() {
    for f in ["empty.csv", "header-only.csv"] {
        bad(&[&fixture(f), "--label", "label", "--prediction", "pred", "--sensitive", "sex"], "no data rows");
    }
}

#[test]
fn unknown_privileged_value_exits_2() {
    bad(
        &[
            &fixture("basic.csv"),
            "--label",
            "label",
            "--prediction",
            "pred",
            "--sensitive",
            "sex",
            "--privileged",
            "sex=Male",
        ],
        "no row has `sex` equal to `Male`",
    );
}

const PASSING: &[&str] = &["--label", "label", "--prediction", "pred", "--sensitive", "sex"];

#[test]
fn default_limits_fail_and_fail_on_none_only_reports() {
    let f = fixture("basic.csv");
    // sex, weighted: demographic_parity_difference is 0.151, above the default limit 0.1.
    let out = gate(&[&f, "--label", "label", "--prediction", "pred", "--sensitive", "sex", "--weight", "weight"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let mut args = vec![f.as_str()];
    args.extend_from_slice(PASSING);
    args.extend_from_slice(&["--weight", "weight", "--fail-on", "none"]);
    assert_eq!(gate(&args).status.code(), Some(0));
}

#[test]
fn limits_from_flags_and_from_config_decide_the_verdict() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = fixture("basic.csv");
    let loose = [
        f.as_str(),
        "--label",
        "label",
        "--prediction",
        "pred",
        "--sensitive",
        "sex",
        "--weight",
        "weight",
        "--limit",
        "demographic_parity_difference <= 0.2",
    ];
    assert_eq!(gate_in(dir.path(), &loose).status.code(), Some(0));
    // A two-sided band from mlsec.toml: disparate impact 1.36 is above 1.25.
    std::fs::write(
        dir.path().join("mlsec.toml"),
        "[fairness]\nlimits = [\"disparate_impact >= 0.8\", \"disparate_impact <= 1.25\"]\n",
    )
    .expect("write");
    let banded = [&loose[..9], &["--privileged", "sex=male"]].concat();
    let out = gate_in(dir.path(), &banded);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("disparate_impact [sex]"), "{}", stderr(&out));
    // An unknown key in the section is a config error naming the file.
    std::fs::write(dir.path().join("mlsec.toml"), "[fairness]\nlimitz = []\n").expect("write");
    let out = gate_in(dir.path(), &banded);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("mlsec.toml"), "{}", stderr(&out));
}

#[test]
fn sarif_junit_markdown_and_json_are_written() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = |n: &str| -> PathBuf { dir.path().join(n) };
    let (sarif, junit, md, json) = (p("f.sarif"), p("f.xml"), p("f.md"), p("f.json"));
    let f = fixture("basic.csv");
    let out = gate(&[
        &f,
        "--label",
        "label",
        "--prediction",
        "pred",
        "--sensitive",
        "sex",
        "race",
        "--privileged",
        "sex=male",
        "--output",
        sarif.to_str().expect("p"),
        "--junit",
        junit.to_str().expect("p"),
        "--markdown",
        md.to_str().expect("p"),
        "--json",
        json.to_str().expect("p"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("parse");
    let failed = report["groupings"]
        .as_array()
        .expect("g")
        .iter()
        .flat_map(|g| g["metrics"].as_array().expect("m").iter())
        .chain(std::iter::once(&report["theil_index"]))
        .filter(|m| m["verdict"] == "fail")
        .count();
    assert!(failed > 0);
    assert_eq!(report["input_sha256"].as_str().expect("sha").len(), 64);
    let sarif_file = mlsec_findings_read(&sarif);
    assert_eq!(sarif_file["runs"][0]["results"].as_array().expect("results").len(), failed);
    let r0 = &sarif_file["runs"][0]["results"][0];
    assert!(r0["partialFingerprints"].get("mlsec/model/v1").is_some(), "{r0}");
    assert!(r0["properties"].get("mlsec/measurement").is_some(), "{r0}");
    let xml = std::fs::read_to_string(&junit).expect("junit");
    // sex: 6 fairlearn + 5 aif360; race: 6 fairlearn; theil: 1.
    assert_eq!(xml.matches("<testcase ").count(), 18);
    assert_eq!(xml.matches("<failure ").count(), failed);
    let md = std::fs::read_to_string(&md).expect("md");
    assert!(md.contains("| sex | demographic_parity_difference |"), "{md}");
    assert!(md.contains("### race"), "{md}");
}

fn mlsec_findings_read(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("sarif")).expect("sarif json")
}

#[test]
fn pos_label_matching_no_prediction_warns_in_stderr_and_json() {
    let dir = tempfile::tempdir().expect("tmp");
    let json = dir.path().join("r.json");
    let f = fixture("pred-encoding.csv");
    let j = json.to_str().expect("utf8");
    // Labels are yes/no, predictions 0/1: --pos-label yes matches 3 labels and no prediction.
    let args = ["--label", "outcome", "--prediction", "pred", "--pos-label", "yes", "--sensitive", "group"];
    let out = gate_in(dir.path(), &[&[f.as_str()][..], &args, &["--fail-on", "none", "-q", "--json", j]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: no `pred` value equals --pos-label `yes` while 3 label(s) do"),
        "{}",
        stderr(&out)
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("parse");
    assert_eq!(report["warnings"].as_array().map(Vec::len), Some(1), "{report}");
    // Consistent encodings: no warning.
    let s = fixture("strings.csv");
    let args = ["--label", "outcome", "--prediction", "predicted", "--pos-label", "approved", "--sensitive", "group"];
    let out = gate_in(dir.path(), &[&[s.as_str()][..], &args, &["--fail-on", "none", "-q", "--json", j]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("parse");
    assert_eq!(report["warnings"], serde_json::json!([]));
}

fn ci_run(dir: &Path, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let json = dir.join("ci.json");
    let f = fixture("basic.csv");
    let base =
        [f.as_str(), "--label", "label", "--prediction", "pred", "--sensitive", "sex", "-q", "--bootstrap", "300"];
    let out = gate_in(dir, &[&base[..], extra, &["--json", json.to_str().expect("utf8")]].concat());
    let report = serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("parse");
    (out.status.code(), report)
}

fn dpd(report: &serde_json::Value) -> &serde_json::Value {
    report["groupings"][0]["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["metric"] == "demographic_parity_difference")
        .expect("dpd")
}

#[test]
fn bootstrap_intervals_are_seeded_and_gate_with_fail_if_ci_excludes() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_, a) = ci_run(dir.path(), &["--seed", "7", "--fail-on", "none"]);
    let (_, b) = ci_run(dir.path(), &["--seed", "7", "--fail-on", "none"]);
    let (_, c) = ci_run(dir.path(), &["--seed", "8", "--fail-on", "none"]);
    let ci = &dpd(&a)["ci"];
    assert_eq!(ci, &dpd(&b)["ci"], "same seed, same interval");
    assert_ne!(ci, &dpd(&c)["ci"], "another seed, another interval");
    assert_eq!(ci["replicates"], 300);
    assert_eq!(ci["confidence"], 0.95);
    let (v, low, high) =
        (dpd(&a)["value"].as_f64().expect("v"), ci["low"].as_f64().expect("l"), ci["high"].as_f64().expect("h"));
    assert!(0.0 <= low && low < v && v < high && high <= 1.0, "{low} {v} {high}");
    // A limit between the interval's low end and the value: the point estimate fails it, the
    // interval does not exclude it.
    let limit = format!("demographic_parity_difference <= {}", (low + v) / 2.0);
    let (code, r) = ci_run(dir.path(), &["--seed", "7", "--limit", &limit]);
    assert_eq!((code, &dpd(&r)["verdict"]), (Some(1), &serde_json::json!("fail")));
    let (code, r) = ci_run(dir.path(), &["--seed", "7", "--limit", &limit, "--fail-if-ci-excludes"]);
    assert_eq!((code, &dpd(&r)["verdict"]), (Some(0), &serde_json::json!("pass")));
    // Below the whole interval: fails even with --fail-if-ci-excludes.
    let limit = format!("demographic_parity_difference <= {}", low / 2.0);
    let (code, r) = ci_run(dir.path(), &["--seed", "7", "--limit", &limit, "--fail-if-ci-excludes"]);
    assert_eq!((code, &dpd(&r)["verdict"]), (Some(1), &serde_json::json!("fail")));
    // Weighted input: intervals around the weighted value, seeded.
    let (code, w1) = ci_run(dir.path(), &["--seed", "7", "--weight", "weight", "--fail-on", "none"]);
    assert_eq!(code, Some(0));
    let (_, w2) = ci_run(dir.path(), &["--seed", "7", "--weight", "weight", "--fail-on", "none"]);
    let wci = &dpd(&w1)["ci"];
    assert_eq!(wci, &dpd(&w2)["ci"], "same seed, same weighted interval");
    let (wv, wlow, whigh) =
        (dpd(&w1)["value"].as_f64().expect("v"), wci["low"].as_f64().expect("l"), wci["high"].as_f64().expect("h"));
    assert_ne!(wv, v, "the weighted value differs from the unweighted one");
    assert!(wlow < wv && wv < whigh, "{wlow} {wv} {whigh}");
}

/// Runs basic.csv (grouped by sex) in `dir`, whose mlsec.toml is `config`; the exit code, stderr and
/// the JSON report (when written).
fn config_run(dir: &Path, config: &str, extra: &[&str]) -> (Option<i32>, String, Option<serde_json::Value>) {
    std::fs::write(dir.join("mlsec.toml"), config).expect("write config");
    let json = dir.join("cfg.json");
    let _ = std::fs::remove_file(&json);
    let f = fixture("basic.csv");
    let base = [f.as_str(), "--label", "label", "--prediction", "pred", "--sensitive", "sex", "-q"];
    let out = gate_in(dir, &[&base[..], extra, &["--json", json.to_str().expect("utf8")]].concat());
    let report = std::fs::read(&json).ok().map(|b| serde_json::from_slice(&b).expect("parse"));
    (out.status.code(), stderr(&out), report)
}

#[test]
fn bootstrap_keys_in_the_config_file_give_the_same_intervals_as_the_flags() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let none = ["--fail-on", "none"];
    // No bootstrap anywhere: no interval.
    let (_, _, plain) = config_run(d, "[fairness]\n", &none);
    let plain = plain.expect("report");
    assert!(dpd(&plain).get("ci").is_none(), "{}", dpd(&plain));
    // Every key from the file only: intervals with the file's replicates, seed and confidence,
    // equal to the ones the flags give.
    let (code, err, from_file) = config_run(d, "[fairness]\nbootstrap = 120\nseed = 11\nconfidence = 0.8\n", &none);
    assert_eq!(code, Some(0), "{err}");
    let from_file = from_file.expect("report");
    let ci = &dpd(&from_file)["ci"];
    assert_eq!((&ci["replicates"], &ci["seed"], &ci["confidence"]), (&120.into(), &11.into(), &0.8.into()), "{ci}");
    let (_, _, from_flags) = config_run(
        d,
        "[fairness]\n",
        &["--bootstrap", "120", "--seed", "11", "--confidence", "0.8", "--fail-on", "none"],
    );
    assert_eq!(ci, &dpd(&from_flags.expect("report"))["ci"]);
    // The seed and the level really move the interval.
    let (_, _, seed12) = config_run(d, "[fairness]\nbootstrap = 120\nseed = 12\nconfidence = 0.8\n", &none);
    assert_ne!(ci, &dpd(&seed12.expect("report"))["ci"]);
    let (_, _, wide) = config_run(d, "[fairness]\nbootstrap = 120\nseed = 11\nconfidence = 0.99\n", &none);
    let wide = wide.expect("report");
    let width = |c: &serde_json::Value| c["high"].as_f64().expect("h") - c["low"].as_f64().expect("l");
    assert!(width(&dpd(&wide)["ci"]) > width(ci), "{} vs {ci}", dpd(&wide)["ci"]);
    // Defaults when only `bootstrap` is set: seed 0, confidence 0.95.
    let (_, _, defaults) = config_run(d, "[fairness]\nbootstrap = 50\n", &none);
    let defaults = defaults.expect("report");
    assert_eq!((&dpd(&defaults)["ci"]["seed"], &dpd(&defaults)["ci"]["confidence"]), (&0.into(), &0.95.into()));
    // Flags win over the file.
    let (_, _, flag_wins) = config_run(
        d,
        "[fairness]\nbootstrap = 120\nseed = 11\nconfidence = 0.8\n",
        &["--seed", "5", "--fail-on", "none"],
    );
    let flag_wins = flag_wins.expect("report");
    assert_eq!((&dpd(&flag_wins)["ci"]["seed"], &dpd(&flag_wins)["ci"]["replicates"]), (&5.into(), &120.into()));
}

#[test]
fn fail_if_ci_excludes_in_the_config_file_flips_the_verdict() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let (_, _, r) = config_run(d, "[fairness]\nbootstrap = 300\nseed = 7\n", &["--fail-on", "none"]);
    let r = r.expect("report");
    let (v, low) = (dpd(&r)["value"].as_f64().expect("v"), dpd(&r)["ci"]["low"].as_f64().expect("low"));
    assert!(low < v, "{low} {v}");
    // A limit between the interval's low end and the value: the point value fails it.
    let limit = format!("limits = [\"demographic_parity_difference <= {}\"]\n", (low + v) / 2.0);
    let base = format!("[fairness]\nbootstrap = 300\nseed = 7\n{limit}");
    let (code, err, r) = config_run(d, &base, &[]);
    let r = r.expect("report");
    assert_eq!((code, &dpd(&r)["verdict"]), (Some(1), &serde_json::json!("fail")), "{err}");
    assert_eq!(r["policy"]["fail_if_ci_excludes"], false);
    // The same limit with `fail-if-ci-excludes = true` in the file: the interval reaches below the
    // limit, so the metric passes (and the report says which rule applied).
    let (code, err, r) = config_run(d, &format!("{base}fail-if-ci-excludes = true\n"), &[]);
    let r = r.expect("report");
    assert_eq!((code, &dpd(&r)["verdict"]), (Some(0), &serde_json::json!("pass")), "{err}");
    assert_eq!(r["policy"]["fail_if_ci_excludes"], true);
    // snake_case is accepted like the other keys; the flag can turn it off again.
    let (code, _, _) = config_run(d, &format!("{base}fail_if_ci_excludes = true\n"), &[]);
    assert_eq!(code, Some(0));
    let (code, err, r) =
        config_run(d, &format!("{base}fail-if-ci-excludes = true\n"), &["--fail-if-ci-excludes=false"]);
    assert_eq!((code, &dpd(&r.expect("report"))["verdict"]), (Some(1), &serde_json::json!("fail")), "{err}");
}

#[test]
fn bad_bootstrap_config_exits_2_naming_the_file_and_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    for (config, needle) in [
        ("[fairness]\nseed = 1\nbootstrap = 0\n", "mlsec.toml:3"),
        ("[fairness]\nbootstrap = 10\nconfidence = 1.5\n", "mlsec.toml:3"),
        ("[fairness]\nbootstrap = 10\nconfidence = 1.5\n", "between 0 and 1"),
        ("[fairness]\nbootstrap = 10\n\nbootstrap-seed = 3\n", "mlsec.toml:4"),
        ("[fairness]\nbootstrap = \"many\"\n", "mlsec.toml:2"),
    ] {
        let (code, err, report) = config_run(d, config, &[]);
        assert_eq!(code, Some(2), "{config}: {err}");
        assert!(err.contains(needle), "{config}: expected `{needle}` in: {err}");
        assert!(report.is_none());
    }
    // Asking for an interval-based verdict with no intervals is an error, not a silent no-op.
    let (code, err, _) = config_run(d, "[fairness]\nfail-if-ci-excludes = true\n", &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("`fail-if-ci-excludes = true` in [fairness] needs bootstrap intervals"), "{err}");
    for flag in ["--seed=3", "--confidence=0.9", "--fail-if-ci-excludes"] {
        let (code, err, _) = config_run(d, "[fairness]\n", &[flag]);
        assert_eq!(code, Some(2), "{flag}: {err}");
        assert!(err.contains("needs bootstrap intervals"), "{flag}: {err}");
    }
    // The file's seed and confidence alone are defaults for a later --bootstrap, not an error.
    let (code, err, _) = config_run(d, "[fairness]\nseed = 3\nconfidence = 0.9\n", &["--fail-on", "none"]);
    assert_eq!(code, Some(0), "{err}");
}

/// docs/fairness-gate.md and `--help` name the same flags: every long flag of `--help` is documented,
/// and every flag the page names exists.
#[test]
fn help_and_docs_name_the_same_flags() {
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/fairness-gate.md"))
        .expect("docs");
    let out = gate(&["--help"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let help = String::from_utf8_lossy(&out.stdout);
    // Cargo's flag, named where the docs say how to build without Parquet support.
    let in_docs = ["--no-default-features"];
    if let Err(e) = mlsec_cli::args::docs_match_help("docs/fairness-gate.md", &docs, &[&help], &in_docs, &[], 25) {
        panic!("{e}");
    }
}

/// A pipe (`/dev/stdin`, or `<(zcat predictions.csv.gz)` in a shell) is read once, by the streaming
/// reader: the same report as the file, input hash included.
#[cfg(unix)]
#[test]
fn a_pipe_gives_the_same_report_as_the_file() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tmp");
    let args = ["--label", "label", "--score", "score", "--threshold", "0.5", "--sensitive", "sex", "race"];
    let file = fixture("basic.csv");
    let from_file = dir.path().join("file.json");
    let out = gate(
        &[&[file.as_str()][..], &args, &["--fail-on", "none", "--json", &from_file.display().to_string()]].concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let from_pipe = dir.path().join("pipe.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_fairness-gate"))
        .args([&["/dev/stdin"][..], &args, &["--fail-on", "none", "--json", &from_pipe.display().to_string()]].concat())
        .env_remove("MLSEC_FAIL_ON")
        .env_remove("MLSEC_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let bytes = std::fs::read(&file).expect("fixture");
    child.stdin.take().expect("stdin").write_all(&bytes).expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let read = |p: &Path| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).expect("report")).expect("json");
        v.as_object_mut().expect("object").remove("input");
        v
    };
    let (a, b) = (read(&from_file), read(&from_pipe));
    assert!(a["input_sha256"].as_str().is_some_and(|h| h.len() == 64), "{a}");
    assert_eq!(a, b);
}

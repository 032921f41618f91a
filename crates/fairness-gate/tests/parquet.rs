//! Parquet input: the same report as the CSV written from the same pandas DataFrame, for every
//! codec and column type pandas/pyarrow write; bad Parquet input exits 2 naming the column and row.
//! The files are written by the real pyarrow (tests/parquet_cases.py, pinned by
//! scripts/test-tools.d/fairness.sh).
#![cfg(feature = "parquet")]

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
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

/// The files parquet_cases.py writes per case, and the codec each really has in its footer
/// (pyarrow's `lz4` is the LZ4_RAW codec).
const CODECS: [(&str, &str); 7] = [
    ("snappy", "SNAPPY"),
    ("zstd", "ZSTD"),
    ("gzip", "GZIP"),
    ("brotli", "BROTLI"),
    ("lz4", "LZ4_RAW"),
    ("none", "UNCOMPRESSED"),
    ("zstd-v2", "ZSTD"),
];

/// The codecs of every column chunk of a Parquet file (`ZSTD(ZstdLevel(1))` -> `ZSTD`).
fn codecs_in(file: &Path) -> BTreeSet<String> {
    let r = SerializedFileReader::new(File::open(file).expect("open")).expect("parquet footer");
    let md = r.metadata();
    (0..md.num_row_groups())
        .flat_map(|g| md.row_group(g).columns().iter().map(|c| format!("{:?}", c.compression())).collect::<Vec<_>>())
        .map(|c| c.split('(').next().unwrap_or_default().to_owned())
        .collect()
}

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
        for (codec, in_footer) in CODECS {
            let file = d.join(format!("{case}.{codec}.parquet"));
            assert_eq!(codecs_in(&file), BTreeSet::from([in_footer.to_owned()]), "{case} {codec}");
            let pq = report(&file, args);
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
    bad(&d.join("bad-empty.parquet"), &with(&["--sensitive", "sex"]), "the Parquet file has no data rows");
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

#[test]
fn empty_parquet_exits_2_with_a_parquet_hint() {
    let dir = cases(&[]);
    let d = dir.path();
    let args = ["--label", "label", "--score", "score", "--threshold", "0.5", "--sensitive", "sex"];
    // One row group of 0 rows (an empty DataFrame's to_parquet), and no row group at all.
    for name in ["bad-empty.parquet", "bad-no-row-groups.parquet"] {
        let file = d.join(name);
        let out = gate(&[&[file.to_str().expect("utf8")][..], &args].concat());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(&format!("{}: the Parquet file has no data rows", file.display())), "{name}: {err}");
        let hint = err.split("hint:").nth(1).unwrap_or_else(|| panic!("{name}: no hint in: {err}"));
        assert!(hint.contains("an empty DataFrame written with `to_parquet`"), "{name}: {err}");
        assert!(!err.contains("header"), "{name}: a CSV hint for a Parquet file: {err}");
    }
    // A missing column is still named first: the schema is read before the rows are counted.
    let file = d.join("bad-no-row-groups.parquet");
    bad(&file, &["--label", "nope", "--prediction", "pred", "--sensitive", "sex"], "column `nope` (from --label)");
}

/// The rows of tests/fixtures/basic.csv (a plain CSV: no quotes), by column name.
fn basic_rows() -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/basic.csv")).expect("read");
    let mut lines = text.lines().map(|l| l.split(',').map(str::to_owned).collect::<Vec<_>>());
    let header = lines.next().expect("header");
    (header, lines.collect())
}

/// Writes basic.csv with the parquet crate and the given codec: label/pred int64, score/weight
/// double, sex/race UTF8; row groups of 16 rows.
fn write_basic(path: &Path, codec: Compression) {
    let (header, rows) = basic_rows();
    assert_eq!(header, ["label", "pred", "score", "sex", "race", "weight"]);
    let schema = "message m { required int64 label; required int64 pred; required double score; \
                  required binary sex (UTF8); required binary race (UTF8); required double weight; }";
    let props = WriterProperties::builder().set_compression(codec).set_max_row_group_row_count(Some(16)).build();
    let schema = Arc::new(parse_message_type(schema).expect("schema"));
    let mut w = SerializedFileWriter::new(File::create(path).expect("create"), schema, Arc::new(props)).expect("w");
    for chunk in rows.chunks(16) {
        let mut rg = w.next_row_group().expect("row group");
        for (i, name) in header.iter().enumerate() {
            let mut col = rg.next_column().expect("column").expect(name);
            let cells = chunk.iter().map(|r| r[i].as_str());
            match name.as_str() {
                "label" | "pred" => {
                    let v: Vec<i64> = cells.map(|c| c.parse().expect("int")).collect();
                    col.typed::<Int64Type>().write_batch(&v, None, None).expect("write");
                }
                "score" | "weight" => {
                    let v: Vec<f64> = cells.map(|c| c.parse().expect("float")).collect();
                    col.typed::<DoubleType>().write_batch(&v, None, None).expect("write");
                }
                _ => {
                    let v: Vec<ByteArray> = cells.map(ByteArray::from).collect();
                    col.typed::<ByteArrayType>().write_batch(&v, None, None).expect("write");
                }
            }
            col.close().expect("close");
        }
        rg.close().expect("close");
    }
    w.close().expect("close");
}

/// The Hadoop-framed LZ4 codec (deprecated, but what parquet-mr/Spark and the parquet crate write
/// for `LZ4`), which pyarrow cannot write, and every other codec, from the parquet crate's writer: the
/// same report as the CSV; pyarrow reads the LZ4 file back to the same table (a real, portable file).
#[test]
fn parquet_crate_files_with_every_codec_including_hadoop_lz4_equal_the_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/basic.csv"));
    let args = [
        "--label",
        "label",
        "--score",
        "score",
        "--threshold",
        "0.5",
        "--sensitive",
        "sex",
        "race",
        "--intersect",
        "sex,race",
        "--weight",
        "weight",
        "--privileged",
        "sex=male",
    ];
    let expected = report(&csv, &args);
    let codecs = [
        (Compression::LZ4, "LZ4"),
        (Compression::LZ4_RAW, "LZ4_RAW"),
        (Compression::BROTLI(Default::default()), "BROTLI"),
        (Compression::GZIP(Default::default()), "GZIP"),
        (Compression::ZSTD(Default::default()), "ZSTD"),
        (Compression::SNAPPY, "SNAPPY"),
        (Compression::UNCOMPRESSED, "UNCOMPRESSED"),
    ];
    for (codec, name) in codecs {
        let file = dir.path().join(format!("basic.{name}.parquet"));
        write_basic(&file, codec);
        assert_eq!(codecs_in(&file), BTreeSet::from([name.to_owned()]));
        assert_eq!(report(&file, &args), expected, "{name}");
    }
    let lz4 = dir.path().join("basic.LZ4.parquet");
    let out = Command::new(python())
        .args(["-c", "import sys, pandas as pd; sys.stdout.write(pd.read_parquet(sys.argv[1]).to_csv(index=False))"])
        .arg(&lz4)
        .output()
        .expect("run python");
    assert!(out.status.success(), "pyarrow cannot read {}: {}", lz4.display(), String::from_utf8_lossy(&out.stderr));
    // Line by line: basic.csv has CRLF line ends, pandas writes LF.
    let (csv_text, back) = (std::fs::read_to_string(&csv).expect("read"), String::from_utf8_lossy(&out.stdout));
    assert_eq!(back.lines().collect::<Vec<_>>(), csv_text.lines().collect::<Vec<_>>(), "pyarrow reads back basic.csv");
}

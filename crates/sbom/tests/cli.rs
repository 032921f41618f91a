//! Black-box tests of the `sbom` binary on a fixture project with every supported lockfile,
//! with the official validators (cyclonedx-python-lib, pyspdxtools) on every document.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/project");
const VENV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.tools/venv/bin");

fn tool(name: &str) -> PathBuf {
    let p = Path::new(VENV).join(name);
    assert!(p.exists(), "{} missing: run scripts/install-test-tools", p.display());
    p
}

fn sbom(args: &[&str]) -> std::process::Output {
    let mut cmd = Command::cargo_bin("sbom").expect("binary");
    cmd.env("SOURCE_DATE_EPOCH", "1700000000").env_remove("MLSEC_FAIL_ON").args(args);
    cmd.output().expect("run sbom")
}

fn run_ok(args: &[&str]) -> std::process::Output {
    let out = sbom(args);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json")
}

const EXPECTED: &[&str] = &[
    "pkg:cargo/router@0.1.0",
    "pkg:cargo/serde@1.0.200",
    "pkg:conda/numpy@1.26.4?build=py311h64a7726_0&channel=conda-forge",
    "pkg:conda/pip",
    "pkg:docker/python@3.11-slim",
    "pkg:docker/pytorch/pytorch@2.3.0-cuda12.1-cudnn8-runtime",
    "pkg:npm/%40tensorflow/tfjs@4.17.0",
    "pkg:npm/is-number@7.0.0",
    "pkg:npm/left-pad@1.3.0",
    "pkg:npm/long@4.0.0",
    "pkg:pypi/certifi@2024.2.2",
    "pkg:pypi/jinja2@3.1.4",
    "pkg:pypi/markupsafe@2.1.5",
    "pkg:pypi/numpy@1.26.4",
    "pkg:pypi/pillow@10.2.0",
    "pkg:pypi/pygments@2.18.0",
    "pkg:pypi/pytest@8.1.1",
    "pkg:pypi/rich@13.7.1",
    "pkg:pypi/safetensors@0.4.3",
    "pkg:pypi/scikit-learn@1.4.0",
    "pkg:pypi/torch",
    "pkg:pypi/tqdm@4.66.4",
    "pkg:pypi/trainer@0.1.0",
    "pkg:pypi/transformers@4.41.2",
    "pkg:pypi/zope-interface@6.1",
];

#[test]
fn fixture_project_gives_exact_components_and_graph() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("bom.json");
    let res = run_ok(&[FIXTURE, "-o", out.to_str().expect("utf8")]);
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(stderr.contains("warning: broken/uv.lock: skipped"), "{stderr}");
    let bom = read_json(&out);
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
    // The only pyproject.toml's PEP 639 `license` is the project's.
    assert_eq!(bom["metadata"]["component"]["licenses"], serde_json::json!([{"expression": "MIT OR Apache-2.0"}]));
    let refs: Vec<&str> =
        bom["components"].as_array().expect("components").iter().map(|c| c["bom-ref"].as_str().expect("ref")).collect();
    assert_eq!(refs, EXPECTED);
    // -c pins numpy but its other pins are not components; --hash kept.
    let sk = bom["components"].as_array().expect("c").iter().find(|c| c["name"] == "scikit-learn").expect("sklearn");
    assert_eq!(sk["hashes"].as_array().expect("hashes").len(), 2);
    let deps = bom["dependencies"].as_array().expect("deps");
    let on = |r: &str| -> Vec<String> {
        deps.iter().find(|d| d["ref"] == r).expect(r)["dependsOn"]
            .as_array()
            .expect("on")
            .iter()
            .map(|v| v.as_str().expect("s").to_string())
            .collect()
    };
    assert_eq!(on("pkg:pypi/scikit-learn@1.4.0"), ["pkg:pypi/numpy@1.26.4"], "pip-compile # via edge");
    assert_eq!(on("pkg:pypi/transformers@4.41.2"), ["pkg:pypi/safetensors@0.4.3"]);
    assert_eq!(on("pkg:pypi/jinja2@3.1.4"), ["pkg:pypi/markupsafe@2.1.5"]);
    assert_eq!(on("pkg:pypi/rich@13.7.1"), ["pkg:pypi/pygments@2.18.0"]);
    assert_eq!(on("pkg:cargo/router@0.1.0"), ["pkg:cargo/serde@1.0.200"]);
    assert_eq!(on("pkg:npm/%40tensorflow/tfjs@4.17.0"), ["pkg:npm/long@4.0.0"]);
}

#[test]
fn output_is_deterministic_and_has_no_absolute_paths() {
    let dir = tempfile::tempdir().expect("tmp");
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    run_ok(&[FIXTURE, "-o", a.to_str().expect("utf8")]);
    run_ok(&[FIXTURE, "-o", b.to_str().expect("utf8")]);
    let (ta, tb) = (std::fs::read_to_string(&a).expect("a"), std::fs::read_to_string(&b).expect("b"));
    assert_eq!(ta, tb);
    assert!(!ta.contains(env!("CARGO_MANIFEST_DIR")), "absolute path leaked");
    assert!(ta.contains("\"requirements.txt:8\""), "repo-relative source with line");
    let serial = read_json(&a)["serialNumber"].as_str().expect("serial").to_string();
    assert!(serial.starts_with("urn:uuid:") && serial.len() == 45, "{serial}");
}

fn cyclonedx_validate(version: &str, file: &Path) {
    let script = "import sys\nfrom cyclonedx.schema import SchemaVersion\nfrom cyclonedx.validation.json import JsonStrictValidator\n\
v = {'1.6': SchemaVersion.V1_6, '1.5': SchemaVersion.V1_5}[sys.argv[1]]\n\
e = JsonStrictValidator(v).validate_str(open(sys.argv[2]).read())\n\
if e: print(e); sys.exit(1)\n";
    let out = Command::new(tool("python")).args(["-c", script, version]).arg(file).output().expect("python");
    assert!(
        out.status.success(),
        "cyclonedx {version}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn cyclonedx_16_and_15_pass_the_official_validator() {
    let dir = tempfile::tempdir().expect("tmp");
    for v in ["1.6", "1.5"] {
        let out = dir.path().join(format!("bom-{v}.json"));
        run_ok(&[FIXTURE, "-o", out.to_str().expect("utf8"), "--spec-version", v]);
        assert_eq!(read_json(&out)["specVersion"], v);
        cyclonedx_validate(v, &out);
    }
}

#[test]
fn spdx_passes_pyspdxtools() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("bom.spdx.json");
    run_ok(&[FIXTURE, "-o", out.to_str().expect("utf8"), "--format", "spdx-json"]);
    let doc = read_json(&out);
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(doc["packages"].as_array().expect("packages").len(), EXPECTED.len() + 1);
    assert_eq!(doc["packages"][0]["licenseDeclared"], "MIT OR Apache-2.0");
    let res = Command::new(tool("pyspdxtools")).arg("-i").arg(&out).output().expect("pyspdxtools");
    assert!(res.status.success(), "{}{}", String::from_utf8_lossy(&res.stdout), String::from_utf8_lossy(&res.stderr));
    let text = String::from_utf8_lossy(&res.stdout).to_string() + &String::from_utf8_lossy(&res.stderr);
    assert!(!text.to_lowercase().contains("invalid"), "{text}");
}

#[test]
fn findings_follow_the_profile_and_drive_the_gate() {
    let dir = tempfile::tempdir().expect("tmp");
    let (out, sarif) = (dir.path().join("bom.json"), dir.path().join("f.sarif"));
    let (o, s) = (out.to_str().expect("utf8"), sarif.to_str().expect("utf8"));
    run_ok(&[FIXTURE, "-o", o, "--findings", s]);
    let bytes = std::fs::read(&sarif).expect("sarif");
    let violations = mlsec_findings::profile::validate_bytes(&bytes, &sarif).expect("parse");
    assert!(violations.is_empty(), "{violations:?}");
    let doc: Value = serde_json::from_slice(&bytes).expect("json");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    let rules: Vec<&str> = results.iter().map(|r| r["ruleId"].as_str().expect("id")).collect();
    // Only torch is unpinned (numpy is pinned by -c); only `long` has no license in the npm lockfile.
    assert_eq!(rules, ["unpinned-requirement", "missing-license"]);
    assert_eq!(results[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 12);
    assert_eq!(results[1]["message"]["text"], "`pkg:npm/long@4.0.0` declares no license");
    assert_eq!(results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "web/package-lock.json");
    let gated = sbom(&[FIXTURE, "-o", o, "--findings", s, "--fail-on", "low"]);
    assert_eq!(gated.status.code(), Some(1));
    // The same findings as baseline: nothing is new, so --new-only passes.
    let again = dir.path().join("g.sarif");
    let res = sbom(&[
        FIXTURE,
        "-o",
        o,
        "--findings",
        again.to_str().expect("utf8"),
        "--fail-on",
        "low",
        "--baseline",
        s,
        "--new-only",
    ]);
    assert_eq!(res.status.code(), Some(0), "{}", String::from_utf8_lossy(&res.stderr));
    let g: Value = read_json(&again);
    assert!(g["runs"][0]["results"].as_array().expect("r").iter().all(|r| r["baselineState"] == "unchanged"));
    let res = sbom(&[FIXTURE, "-o", o, "--fail-on", "low", "--new-only"]);
    assert_eq!(res.status.code(), Some(2), "--new-only without a baseline is an error");
}

#[test]
fn bad_targets_and_outputs_exit_2() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("bom.json");
    let res = sbom(&["/nonexistent/project", "-o", out.to_str().expect("utf8")]);
    assert_eq!(res.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&res.stderr).contains("hint:"));
    // A regular file where the output's directory should be.
    let blocked = format!("{FIXTURE}/requirements.txt/bom.json");
    let res = sbom(&[FIXTURE, "-o", &blocked]);
    assert_eq!(res.status.code(), Some(2));
    let res = sbom(&[FIXTURE, "-o", out.to_str().expect("utf8"), "--spec-version", "1.4"]);
    assert_eq!(res.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_unreadable_files_are_skipped_with_warnings() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let dir = tempfile::tempdir().expect("tmp");
    let proj = dir.path().join("p");
    std::fs::create_dir_all(proj.join("sub")).expect("mkdir");
    symlink(&proj, proj.join("sub/loop")).expect("symlink");
    symlink("/etc/passwd", proj.join("requirements-escape.txt")).expect("symlink");
    std::fs::write(proj.join("requirements.txt"), "six==1.16.0\n-r requirements-locked.txt\n").expect("write");
    let locked = proj.join("requirements-locked.txt");
    std::fs::write(&locked, "idna==3.6\n").expect("write");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let readable = std::fs::read(&locked).is_ok(); // root can read it anyway
    let out = dir.path().join("bom.json");
    let res = run_ok(&[proj.to_str().expect("utf8"), "-o", out.to_str().expect("utf8")]);
    let refs: Vec<String> = read_json(&out)["components"]
        .as_array()
        .expect("c")
        .iter()
        .map(|c| c["bom-ref"].as_str().expect("r").to_string())
        .collect();
    if readable {
        assert_eq!(refs, ["pkg:pypi/idna@3.6", "pkg:pypi/six@1.16.0"]);
    } else {
        assert_eq!(refs, ["pkg:pypi/six@1.16.0"]);
        assert!(String::from_utf8_lossy(&res.stderr).contains("warning: requirements-locked.txt"));
    }
}

#[test]
fn model_files_become_ml_components_and_pickles_are_findings() {
    let dir = tempfile::tempdir().expect("tmp");
    let proj = dir.path().join("models-project");
    std::fs::create_dir_all(proj.join("models")).expect("mkdir");
    let header = br#"{"__metadata__":{}}"#;
    let st = [(header.len() as u64).to_le_bytes().as_slice(), header].concat();
    std::fs::write(proj.join("models/model.safetensors"), &st).expect("write");
    std::fs::write(proj.join("models/tiny.gguf"), [b"GGUF".as_slice(), &[3, 0, 0, 0, 0, 0, 0, 0]].concat()).expect("w");
    std::fs::write(proj.join("models/clf.pkl"), b"\x80\x04K\x01.").expect("write");
    std::fs::write(proj.join("models/weights.h5"), b"\x89HDF\r\n\x1a\n\0\0\0\0").expect("write");
    std::fs::write(proj.join("models/readme.bin"), b"text").expect("write");
    std::fs::write(proj.join("requirements.txt"), "joblib==1.4.2\n").expect("write");
    let (out, sarif, spdx) =
        (dir.path().join("bom.json"), dir.path().join("f.sarif"), dir.path().join("bom.spdx.json"));
    let (o, s) = (out.to_str().expect("utf8"), sarif.to_str().expect("utf8"));
    run_ok(&[proj.to_str().expect("utf8"), "-o", o, "--findings", s]);
    let bom = read_json(&out);
    let models: Vec<(String, String)> = bom["components"]
        .as_array()
        .expect("c")
        .iter()
        .filter(|c| c["type"] == "machine-learning-model")
        .map(|c| {
            (c["name"].as_str().expect("n").to_string(), c["hashes"][0]["content"].as_str().expect("h").to_string())
        })
        .collect();
    let names: Vec<&str> = models.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["models/clf.pkl", "models/model.safetensors", "models/tiny.gguf", "models/weights.h5"]);
    assert!(models.iter().all(|(_, h)| h.len() == 64));
    cyclonedx_validate("1.6", &out);
    let findings = read_json(&sarif);
    let rules: Vec<&str> = findings["runs"][0]["results"]
        .as_array()
        .expect("r")
        .iter()
        .map(|r| r["ruleId"].as_str().expect("id"))
        .collect();
    assert_eq!(rules, ["pickle-model"]);
    let violations = mlsec_findings::profile::validate_bytes(&std::fs::read(&sarif).expect("read"), &sarif).expect("p");
    assert!(violations.is_empty(), "{violations:?}");
    assert_eq!(
        sbom(&[proj.to_str().expect("utf8"), "-o", o, "--findings", s, "--fail-on", "medium"]).status.code(),
        Some(1)
    );
    run_ok(&[proj.to_str().expect("utf8"), "-o", spdx.to_str().expect("utf8"), "--format", "spdx-json"]);
    let res = Command::new(tool("pyspdxtools")).arg("-i").arg(&spdx).output().expect("pyspdxtools");
    assert!(res.status.success(), "{}{}", String::from_utf8_lossy(&res.stdout), String::from_utf8_lossy(&res.stderr));
}

const CARD: &str = "---
license: apache-2.0
language: en
datasets:
  - imdb
  - stanfordnlp/sst2
metrics: [accuracy]
pipeline_tag: text-classification
base_model: distilbert/distilbert-base-uncased
model-index:
  - name: sentiment-distilbert
    results:
      - task: {type: text-classification, name: Text Classification}
        dataset: {name: IMDB, type: imdb, split: test}
        metrics:
          - {type: accuracy, value: 0.931, name: Accuracy}
          - {type: f1, value: 0.93}
---
# sentiment-distilbert

## Intended uses & limitations

English movie reviews, binary sentiment.

## Limitations

Not evaluated outside film reviews.

## Bias, Risks, and Limitations

[More Information Needed]
";

/// A project with a Hugging Face fine-tune (config, card, tokenizer, weights), a vendored hub
/// snapshot (config only), data files of each format, a DVC file, and decoys that must not count.
fn ml_project(root: &Path) {
    let w = |rel: &str, bytes: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
    };
    let header = br#"{"__metadata__":{}}"#;
    let st = [(header.len() as u64).to_le_bytes().as_slice(), header].concat();
    w("models/sentiment/model.safetensors", &st);
    w(
        "models/sentiment/config.json",
        br#"{"_name_or_path": "distilbert/distilbert-base-uncased", "architectures": ["DistilBertForSequenceClassification"], "model_type": "distilbert"}"#,
    );
    w("models/sentiment/README.md", CARD.as_bytes());
    w("models/sentiment/tokenizer.json", b"{}");
    w("models/sentiment/tokenizer_config.json", b"{}");
    w("models/sentiment/vocab.txt", b"[PAD]\n");
    w("vendor/bert/config.json", br#"{"_name_or_path": "google-bert/bert-base-uncased", "model_type": "bert"}"#);
    w("vendor/bert/pytorch_model.bin", b"\x80\x02}q\x00.");
    w(".vscode/config.json", b"// not json\n{}");
    w("docs/README.md", b"---\ntitle: docs\n---\n# Docs\n");
    w("data/train.csv", b"text,label\ngreat,1\n");
    w("data/eval.jsonl", b"{\"text\": \"bad\", \"label\": 0}\n");
    w("data/part-0.parquet", b"PAR1\0\0\0\0\0\0\0\0PAR1");
    w("data/cache.arrow", b"ARROW1\0\0");
    w("data/fake.parquet", b"not parquet");
    w("data/binary.csv", b"\0\x01\x02");
    w(
        "data/raw.dvc",
        b"outs:\n- md5: 0123456789abcdef0123456789abcdef\n  size: 1048576\n  hash: md5\n  path: raw.tar\n",
    );
    w("data/train.csv.dvc", b"outs:\n- md5: fedcba9876543210fedcba9876543210\n  size: 20\n  path: train.csv\n");
    w("data/images.dvc", b"outs:\n- md5: 00112233445566778899aabbccddeeff.dir\n  nfiles: 3\n  path: images\n");
}

#[test]
fn hugging_face_layouts_and_datasets_become_the_ml_bom() {
    let dir = tempfile::tempdir().expect("tmp");
    let proj = dir.path().join("ml");
    ml_project(&proj);
    let (out, spdx) = (dir.path().join("bom.json"), dir.path().join("bom.spdx.json"));
    let res = run_ok(&[proj.to_str().expect("utf8"), "-o", out.to_str().expect("utf8")]);
    assert!(!String::from_utf8_lossy(&res.stderr).contains("warning"), "{}", String::from_utf8_lossy(&res.stderr));
    let bom = read_json(&out);
    let comps = bom["components"].as_array().expect("c");
    let refs: Vec<(&str, &str)> =
        comps.iter().map(|c| (c["type"].as_str().expect("t"), c["bom-ref"].as_str().expect("r"))).collect();
    assert_eq!(
        refs,
        [
            ("machine-learning-model", "model:models/sentiment/model.safetensors"),
            ("machine-learning-model", "model:vendor/bert/pytorch_model.bin"),
            ("machine-learning-model", "hf-model:models/sentiment"),
            ("machine-learning-model", "hf-model:vendor/bert"),
            ("machine-learning-model", "pkg:huggingface/distilbert/distilbert-base-uncased"),
            ("data", "hf-dataset:imdb"),
            ("data", "hf-dataset:stanfordnlp/sst2"),
            ("data", "data:data/cache.arrow"),
            ("data", "data:data/eval.jsonl"),
            ("data", "data:data/images"),
            ("data", "data:data/part-0.parquet"),
            ("data", "data:data/raw.tar"),
            ("data", "data:data/train.csv"),
        ]
    );
    let by = |r: &str| comps.iter().find(|c| c["bom-ref"] == r).expect(r);
    let ft = by("hf-model:models/sentiment");
    // `_name_or_path` equals the card's base model: it is not this model's id.
    assert_eq!(ft["name"], "models/sentiment");
    assert!(ft.get("purl").is_none());
    assert_eq!(ft["licenses"][0]["license"]["id"], "Apache-2.0");
    let card = &ft["modelCard"];
    assert_eq!(card["modelParameters"]["task"], "text-classification");
    assert_eq!(card["modelParameters"]["architectureFamily"], "distilbert");
    assert_eq!(card["modelParameters"]["modelArchitecture"], "DistilBertForSequenceClassification");
    assert_eq!(
        card["modelParameters"]["datasets"],
        serde_json::json!([{"ref": "hf-dataset:imdb"}, {"ref": "hf-dataset:stanfordnlp/sst2"}])
    );
    assert_eq!(
        card["quantitativeAnalysis"]["performanceMetrics"],
        serde_json::json!([
            {"type": "accuracy", "value": "0.931", "slice": "IMDB / test"},
            {"type": "f1", "value": "0.93", "slice": "IMDB / test"},
        ])
    );
    assert_eq!(
        card["considerations"]["technicalLimitations"],
        serde_json::json!(["Not evaluated outside film reviews."])
    );
    assert_eq!(card["considerations"]["useCases"], serde_json::json!(["English movie reviews, binary sentiment."]));
    assert!(card["considerations"].get("ethicalConsiderations").is_none(), "placeholder text is dropped");
    let tok: Vec<&str> = ft["properties"]
        .as_array()
        .expect("p")
        .iter()
        .filter(|p| p["name"] == "mlsec:tokenizer")
        .map(|p| p["value"].as_str().expect("v"))
        .collect();
    assert_eq!(
        tok,
        ["models/sentiment/tokenizer.json", "models/sentiment/tokenizer_config.json", "models/sentiment/vocab.txt"]
    );
    let vendored = by("hf-model:vendor/bert");
    assert_eq!(vendored["name"], "google-bert/bert-base-uncased");
    assert_eq!(vendored["purl"], "pkg:huggingface/google-bert/bert-base-uncased");
    let deps = bom["dependencies"].as_array().expect("deps");
    let on = |r: &str| deps.iter().find(|d| d["ref"] == r).expect(r)["dependsOn"].clone();
    assert_eq!(
        on("hf-model:models/sentiment"),
        serde_json::json!([
            "model:models/sentiment/model.safetensors",
            "pkg:huggingface/distilbert/distilbert-base-uncased"
        ])
    );
    assert_eq!(on("hf-model:vendor/bert"), serde_json::json!(["model:vendor/bert/pytorch_model.bin"]));
    // A present file tracked by DVC carries both hashes; a DVC directory output carries none.
    let train = by("data:data/train.csv");
    let algs: Vec<&str> =
        train["hashes"].as_array().expect("h").iter().map(|h| h["alg"].as_str().expect("a")).collect();
    assert_eq!(algs, ["SHA-256", "MD5"]);
    assert_eq!(by("data:data/raw.tar")["hashes"][0]["content"], "0123456789abcdef0123456789abcdef");
    assert!(by("data:data/images").get("hashes").is_none());
    for v in ["1.6", "1.5"] {
        let f = dir.path().join(format!("bom-{v}.json"));
        run_ok(&[proj.to_str().expect("utf8"), "-o", f.to_str().expect("utf8"), "--spec-version", v]);
        cyclonedx_validate(v, &f);
    }
    run_ok(&[proj.to_str().expect("utf8"), "-o", spdx.to_str().expect("utf8"), "--format", "spdx-json"]);
    let res = Command::new(tool("pyspdxtools")).arg("-i").arg(&spdx).output().expect("pyspdxtools");
    assert!(res.status.success(), "{}{}", String::from_utf8_lossy(&res.stdout), String::from_utf8_lossy(&res.stderr));
    let doc = read_json(&spdx);
    let ft = doc["packages"].as_array().expect("p").iter().find(|p| p["name"] == "models/sentiment").expect("ft");
    assert_eq!(ft["licenseDeclared"], "Apache-2.0");
    assert_eq!(ft["primaryPackagePurpose"], "OTHER");
    assert!(ft["comment"].as_str().expect("c").contains("task text-classification"));
}

#[test]
fn malformed_cards_and_dvc_files_warn_and_do_not_stop_the_run() {
    let dir = tempfile::tempdir().expect("tmp");
    let proj = dir.path().join("bad");
    std::fs::create_dir_all(proj.join("m")).expect("mkdir");
    std::fs::write(proj.join("m/config.json"), br#"{"model_type": "gpt2"}"#).expect("w");
    std::fs::write(proj.join("m/README.md"), b"---\nlicense: [unclosed\n---\n").expect("w");
    std::fs::write(proj.join("data.dvc"), b"outs: {{{\n").expect("w");
    let out = dir.path().join("bom.json");
    let res = run_ok(&[proj.to_str().expect("utf8"), "-o", out.to_str().expect("utf8")]);
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(err.contains("warning: m/README.md: model card skipped: invalid YAML"), "{err}");
    assert!(err.contains("warning: data.dvc: skipped: invalid YAML"), "{err}");
    let bom = read_json(&out);
    let m = bom["components"].as_array().expect("c").iter().find(|c| c["bom-ref"] == "hf-model:m").expect("model");
    assert_eq!(m["modelCard"]["modelParameters"]["architectureFamily"], "gpt2");
}

#[test]
fn installed_environments_npm_licenses_and_integrity() {
    let dir = tempfile::tempdir().expect("tmp");
    let sp = dir.path().join("env/lib/python3.12/site-packages");
    // sha256 of b"" as RECORD writes it (urlsafe base64, no padding).
    let empty = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";
    let dist = |name: &str, meta: &str| {
        let d = sp.join(name);
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(d.join("METADATA"), meta).expect("w");
        let pkg = name.split('-').next().expect("name").to_lowercase();
        std::fs::write(d.join("RECORD"), format!("{pkg}/__init__.py,sha256={empty},0\n{name}/RECORD,,\n")).expect("w");
    };
    dist(
        "requests-2.32.3.dist-info",
        "Metadata-Version: 2.1\nName: requests\nVersion: 2.32.3\nLicense: Apache-2.0\nRequires-Dist: Jinja2>=3\n\
         Requires-Dist: six; extra == \"old\"\n\nbody\n",
    );
    // A setuptools egg-info directory and a distutils egg-info file.
    let egg = sp.join("six.egg-info");
    std::fs::create_dir_all(&egg).expect("mkdir");
    std::fs::write(egg.join("PKG-INFO"), "Metadata-Version: 1.1\nName: six\nVersion: 1.16.0\nLicense: MIT\n")
        .expect("w");
    std::fs::write(egg.join("requires.txt"), "\n[tests]\npytest\n").expect("w");
    std::fs::write(
        sp.join("legacy-0.9-py3.12.egg-info"),
        "Metadata-Version: 1.0\nName: legacy\nVersion: 0.9\nLicense: MIT\nRequires-Dist: six\n",
    )
    .expect("w");
    dist(
        "Jinja2-3.1.4.dist-info",
        "Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.4\nClassifier: License :: OSI Approved :: BSD License\n",
    );
    dist(
        "uv-0.4.0.dist-info",
        "Metadata-Version: 2.4\nName: uv\nVersion: 0.4.0\nLicense-Expression: MIT OR Apache-2.0\n",
    );
    dist("mystery-0.1.dist-info", "Metadata-Version: 2.1\nName: mystery\nVersion: 0.1\nLicense: UNKNOWN\n");
    let env = dir.path().join("env");
    let (out, sarif, spdx) = (dir.path().join("b.json"), dir.path().join("f.sarif"), dir.path().join("b.spdx.json"));
    run_ok(&[env.to_str().expect("u"), "-o", out.to_str().expect("u"), "--findings", sarif.to_str().expect("u")]);
    let bom = read_json(&out);
    let lic: Vec<(String, Value)> = bom["components"]
        .as_array()
        .expect("c")
        .iter()
        .map(|c| (c["bom-ref"].as_str().expect("r").to_string(), c.get("licenses").cloned().unwrap_or(Value::Null)))
        .collect();
    assert_eq!(
        lic,
        [
            ("pkg:pypi/jinja2@3.1.4".to_string(), serde_json::json!([{"license": {"name": "BSD License"}}])),
            ("pkg:pypi/legacy@0.9".to_string(), serde_json::json!([{"license": {"id": "MIT"}}])),
            ("pkg:pypi/mystery@0.1".to_string(), Value::Null),
            ("pkg:pypi/requests@2.32.3".to_string(), serde_json::json!([{"license": {"id": "Apache-2.0"}}])),
            ("pkg:pypi/six@1.16.0".to_string(), serde_json::json!([{"license": {"id": "MIT"}}])),
            ("pkg:pypi/uv@0.4.0".to_string(), serde_json::json!([{"expression": "MIT OR Apache-2.0"}])),
        ]
    );
    // RECORD files are the evidence of where each distribution is installed, with their SHA-256.
    let requests =
        bom["components"].as_array().expect("c").iter().find(|c| c["name"] == "requests").expect("requests").clone();
    assert_eq!(
        requests["evidence"]["occurrences"],
        serde_json::json!([
            {"location": "lib/python3.12/site-packages/requests-2.32.3.dist-info/RECORD"},
            {"location": "lib/python3.12/site-packages/requests/__init__.py",
             "additionalContext": "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        ])
    );
    // Requires-Dist becomes edges between installed distributions (an extra's requirement does not).
    let deps = bom["dependencies"].as_array().expect("deps");
    let on = |r: &str| deps.iter().find(|d| d["ref"] == r).expect(r)["dependsOn"].clone();
    assert_eq!(on("pkg:pypi/requests@2.32.3"), serde_json::json!(["pkg:pypi/jinja2@3.1.4"]));
    assert_eq!(on("pkg:pypi/legacy@0.9"), serde_json::json!(["pkg:pypi/six@1.16.0"]));
    assert_eq!(on("pkg:pypi/six@1.16.0"), serde_json::json!([]));
    let v15 = dir.path().join("b15.json");
    run_ok(&[env.to_str().expect("u"), "-o", v15.to_str().expect("u"), "--spec-version", "1.5"]);
    cyclonedx_validate("1.5", &v15);
    let b15 = read_json(&v15);
    let occ15 = &b15["components"].as_array().expect("c").iter().find(|c| c["name"] == "requests").expect("r")["evidence"]
        ["occurrences"];
    assert!(occ15.as_array().expect("o").iter().all(|o| o.get("additionalContext").is_none()), "1.6-only field");
    let f = read_json(&sarif);
    let r = &f["runs"][0]["results"];
    assert_eq!(r.as_array().expect("r").len(), 1);
    assert_eq!(r[0]["ruleId"], "missing-license");
    assert_eq!(
        r[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "lib/python3.12/site-packages/mystery-0.1.dist-info/METADATA"
    );
    let v = mlsec_findings::profile::validate_bytes(&std::fs::read(&sarif).expect("r"), &sarif).expect("p");
    assert!(v.is_empty(), "{v:?}");
    cyclonedx_validate("1.6", &out);
    run_ok(&[env.to_str().expect("u"), "-o", spdx.to_str().expect("u"), "--format", "spdx-json"]);
    let res = Command::new(tool("pyspdxtools")).arg("-i").arg(&spdx).output().expect("pyspdxtools");
    assert!(res.status.success(), "{}{}", String::from_utf8_lossy(&res.stdout), String::from_utf8_lossy(&res.stderr));
    let doc = read_json(&spdx);
    let declared: Vec<&str> =
        doc["packages"].as_array().expect("p").iter().map(|p| p["licenseDeclared"].as_str().expect("l")).collect();
    assert_eq!(
        declared,
        ["NOASSERTION", "NOASSERTION", "MIT", "NOASSERTION", "Apache-2.0", "MIT", "MIT OR Apache-2.0"]
    );
    // npm `integrity` (SRI base64) becomes a hex hash; the fixture's truncated one is dropped.
    let bom = dir.path().join("p.json");
    run_ok(&[&format!("{FIXTURE}/web"), "-o", bom.to_str().expect("u")]);
    let b = read_json(&bom);
    let long = b["components"].as_array().expect("c").iter().find(|c| c["name"] == "long").expect("long");
    assert_eq!(
        long["hashes"],
        serde_json::json!([{"alg": "SHA-512", "content": "6d1718ccac3e2c54c9eedf7676913cca079d707d591b8096dc8b37dcf5edb18850e63013759d25d10f0ba88908264a23284aaf455acb1e295c9a6ffac891d2bb"}])
    );
    let tfjs = b["components"].as_array().expect("c").iter().find(|c| c["name"] == "@tensorflow/tfjs").expect("t");
    assert!(tfjs.get("hashes").is_none());
    assert_eq!(tfjs["licenses"][0]["license"]["id"], "Apache-2.0");
}

#[test]
fn sbom_section_of_mlsec_toml_excludes_paths_sets_version_and_rules() {
    let dir = tempfile::tempdir().expect("tmp");
    let proj = dir.path().join("p");
    std::fs::create_dir_all(proj.join("vendor/x")).expect("mkdir");
    std::fs::write(proj.join("requirements.txt"), "torch>=2\nsix==1.16.0\n").expect("w");
    std::fs::write(proj.join("vendor/x/requirements.txt"), "idna==3.6\n").expect("w");
    std::fs::write(proj.join("model.pkl"), b"\x80\x04K\x01.").expect("w");
    let toml = "[sbom]\nexclude = [\"vendor\"]\nspec-version = \"1.5\"\nrules = [\"pickle-model\"]\n";
    std::fs::write(proj.join("mlsec.toml"), toml).expect("w");
    let (out, sarif) = (dir.path().join("b.json"), dir.path().join("f.sarif"));
    let (o, s) = (out.to_str().expect("u"), sarif.to_str().expect("u"));
    run_ok(&[proj.to_str().expect("u"), "-o", o, "--findings", s]);
    let bom = read_json(&out);
    assert_eq!(bom["specVersion"], "1.5");
    let refs: Vec<&str> =
        bom["components"].as_array().expect("c").iter().map(|c| c["bom-ref"].as_str().expect("r")).collect();
    assert_eq!(refs, ["pkg:pypi/six@1.16.0", "pkg:pypi/torch", "model:model.pkl"]);
    let f = read_json(&sarif);
    let rules: Vec<&str> =
        f["runs"][0]["results"].as_array().expect("r").iter().map(|r| r["ruleId"].as_str().expect("id")).collect();
    assert_eq!(rules, ["pickle-model"], "unpinned-requirement is not emitted");
    // The command line wins over the file.
    run_ok(&[proj.to_str().expect("u"), "-o", o, "--spec-version", "1.6"]);
    assert_eq!(read_json(&out)["specVersion"], "1.6");
    for (bad, expect) in [
        ("[sbom]\nrules = [\"nope\"]\n", "unknown rule \"nope\""),
        ("[sbom]\nspec-version = \"1.4\"\n", "spec-version = \"1.4\""),
        ("[sbom]\nexclude = [\"a[\"]\n", "[sbom] exclude"),
        ("[sbom]\nexlcude = []\n", "mlsec.toml:2"),
    ] {
        std::fs::write(proj.join("mlsec.toml"), bad).expect("w");
        let res = sbom(&[proj.to_str().expect("u"), "-o", o]);
        let err = String::from_utf8_lossy(&res.stderr);
        assert_eq!(res.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains(expect) && err.contains("hint:"), "{bad}: {err}");
    }
}

const DVC_LOCK: &str = "schema: '2.0'
stages:
  prepare:
    cmd: python src/prepare.py data/raw.tar
    deps:
    - path: data/raw.tar
      hash: md5
      md5: 0123456789abcdef0123456789abcdef
      size: 1048576
    - path: src/prepare.py
      hash: md5
      md5: 11111111111111111111111111111111
      size: 300
    params:
      params.yaml:
        prepare.split: 0.2
    outs:
    - path: data/prepared
      hash: md5
      md5: 22222222222222222222222222222222.dir
      size: 4000
      nfiles: 2
  train:
    cmd: python src/train.py
    deps:
    - path: data/prepared
      hash: md5
      md5: 22222222222222222222222222222222.dir
      size: 4000
      nfiles: 2
    - path: src/train.py
      hash: md5
      md5: 33333333333333333333333333333333
      size: 200
    outs:
    - path: metrics.json
      hash: md5
      md5: 55555555555555555555555555555555
      size: 40
    - path: models/clf.pkl
      hash: md5
      md5: 44444444444444444444444444444444
      size: 5
";

#[test]
fn dvc_lock_stages_become_data_components_with_lineage() {
    let dir = tempfile::tempdir().expect("tmp");
    let proj = dir.path().join("pipeline");
    let w = |rel: &str, bytes: &[u8]| {
        let p = proj.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
    };
    w("dvc.lock", DVC_LOCK.as_bytes());
    w("models/clf.pkl", b"\x80\x04K\x01.");
    w("src/prepare.py", b"print()\n");
    // A 1.x lockfile (stages at the top level) in a subdirectory: paths are relative to it.
    w(
        "legacy/dvc.lock",
        b"featurize:\n  cmd: python featurize.py\n  deps:\n  - path: ../data/raw.tar\n    md5: 0123456789abcdef0123456789abcdef\n  - path: featurize.py\n    md5: 66666666666666666666666666666666\n  outs:\n  - path: features.parquet\n    md5: 77777777777777777777777777777777\n",
    );
    w("broken/dvc.lock", b"stages: [unclosed\n");
    let out = dir.path().join("bom.json");
    let res = run_ok(&[proj.to_str().expect("u"), "-o", out.to_str().expect("u")]);
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(err.contains("warning: broken/dvc.lock: skipped: invalid YAML"), "{err}");
    let bom = read_json(&out);
    let comps = bom["components"].as_array().expect("c");
    let refs: Vec<&str> = comps.iter().map(|c| c["bom-ref"].as_str().expect("r")).collect();
    // Code (src/*.py), parameters and metrics files are not artifacts; the present model keeps its
    // content-detected component.
    assert_eq!(
        refs,
        ["model:models/clf.pkl", "data:data/prepared", "data:data/raw.tar", "data:legacy/features.parquet"]
    );
    let by = |r: &str| comps.iter().find(|c| c["bom-ref"] == r).expect(r);
    assert_eq!(
        by("data:data/raw.tar")["hashes"],
        serde_json::json!([{"alg": "MD5", "content": "0123456789abcdef0123456789abcdef"}])
    );
    assert!(by("data:data/prepared").get("hashes").is_none(), "a .dir listing hash is not a file hash");
    let props = |r: &str| -> Vec<(String, String)> {
        by(r)["properties"]
            .as_array()
            .expect("p")
            .iter()
            .map(|p| (p["name"].as_str().expect("n").to_string(), p["value"].as_str().expect("v").to_string()))
            .collect()
    };
    assert!(props("data:data/prepared").contains(&("mlsec:dvc-stage".to_string(), "prepare".to_string())));
    assert!(props("data:data/raw.tar").contains(&("mlsec:size".to_string(), "1048576".to_string())));
    let deps = bom["dependencies"].as_array().expect("deps");
    let on = |r: &str| deps.iter().find(|d| d["ref"] == r).expect(r)["dependsOn"].clone();
    assert_eq!(on("model:models/clf.pkl"), serde_json::json!(["data:data/prepared"]));
    assert_eq!(on("data:data/prepared"), serde_json::json!(["data:data/raw.tar"]));
    assert_eq!(on("data:legacy/features.parquet"), serde_json::json!(["data:data/raw.tar"]));
    for v in ["1.6", "1.5"] {
        let f = dir.path().join(format!("bom-{v}.json"));
        run_ok(&[proj.to_str().expect("u"), "-o", f.to_str().expect("u"), "--spec-version", v]);
        cyclonedx_validate(v, &f);
    }
    let spdx = dir.path().join("bom.spdx.json");
    run_ok(&[proj.to_str().expect("u"), "-o", spdx.to_str().expect("u"), "--format", "spdx-json"]);
    let res = Command::new(tool("pyspdxtools")).arg("-i").arg(&spdx).output().expect("pyspdxtools");
    assert!(res.status.success(), "{}{}", String::from_utf8_lossy(&res.stdout), String::from_utf8_lossy(&res.stderr));
    let doc = read_json(&spdx);
    let generated = doc["relationships"]
        .as_array()
        .expect("r")
        .iter()
        .filter(|r| r["relationshipType"] == "GENERATED_FROM")
        .count();
    assert_eq!(generated, 3);
}

/// A 2 GiB (sparse) model file is hashed streaming: the process's peak resident memory, sampled
/// from /proc while it runs, stays far below the file's size.
#[cfg(target_os = "linux")]
#[test]
fn two_gib_model_file_is_hashed_with_flat_memory() {
    let dir = tempfile::tempdir().expect("tmp");
    let proj = dir.path().join("big");
    std::fs::create_dir_all(&proj).expect("mkdir");
    let header = br#"{"__metadata__":{}}"#;
    let path = proj.join("model.safetensors");
    let mut f = std::fs::File::create(&path).expect("create");
    std::io::Write::write_all(&mut f, &[(header.len() as u64).to_le_bytes().as_slice(), header].concat()).expect("w");
    let size: u64 = 2 << 30;
    f.set_len(size).expect("sparse");
    drop(f);
    let out = dir.path().join("bom.json");
    let mut child = Command::cargo_bin("sbom")
        .expect("binary")
        .args([proj.to_str().expect("u"), "-q", "-o", out.to_str().expect("u")])
        .spawn()
        .expect("spawn");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kib) = text.lines().find_map(|l| l.strip_prefix("VmHWM:"))
        {
            peak_kib = peak_kib.max(kib.trim().trim_end_matches("kB").trim().parse().unwrap_or(0));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    assert!(peak_kib > 0, "no /proc sample taken");
    assert!(peak_kib < 64 * 1024, "peak RSS {peak_kib} KiB for a 2 GiB file");
    let bom = read_json(&out);
    let m = &bom["components"][0];
    assert_eq!(m["bom-ref"], "model:model.safetensors");
    let p = m["properties"].as_array().expect("p");
    assert!(p.contains(&serde_json::json!({"name": "mlsec:size", "value": size.to_string()})));
    // sha256 of the 27-byte header followed by zeros up to 2 GiB (computed with sha256sum).
    assert_eq!(m["hashes"][0]["content"], BIG_SHA256);
}

#[cfg(target_os = "linux")]
const BIG_SHA256: &str = "d573d17de916578d8a24c6f53180dc6f45841426947dd5e0399ca9093c929786";

/// Every file name sbom parses, filled with broken syntax and then with bytes that are not
/// UTF-8: the run finishes (exit 0, no panic) and names each skipped file in a warning.
#[test]
fn malformed_files_of_every_format_are_skipped_with_a_warning_each() {
    let names = [
        // (a project-root pyproject.toml is also read for `[tool.mlsec]` settings: see below)
        "app/pyproject.toml",
        "uv.lock",
        "poetry.lock",
        "Pipfile.lock",
        "pdm.lock",
        "pylock.toml",
        "Cargo.lock",
        "package-lock.json",
        "pnpm-lock.yaml",
        "environment.yml",
        "kernels.lock",
        "dvc.lock",
        "data.dvc",
        "site-packages/x-1.dist-info/METADATA",
        "site-packages/y.egg-info/PKG-INFO",
    ];
    let dir = tempfile::tempdir().expect("tmp");
    for (case, body) in [
        ("syntax", b"name = [\"unclosed\n{ \"a\": ]\n  - : :\n\t- x: [".as_slice()),
        ("bytes", b"\xff\xfe\x00garbage\x80"),
    ] {
        let proj = dir.path().join(case);
        for n in names {
            let p = proj.join(n);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, body).expect("write");
        }
        let out = dir.path().join(format!("{case}.json"));
        let res = run_ok(&[proj.to_str().expect("u"), "-o", out.to_str().expect("u")]);
        let err = String::from_utf8_lossy(&res.stderr);
        for n in names {
            assert!(err.contains(&format!("warning: {n}: skipped:")), "{case}: no warning for {n}:\n{err}");
        }
        assert!(!err.contains("panicked"), "{err}");
        cyclonedx_validate("1.6", &out);
    }
    // The root pyproject.toml may hold the run's settings (`[tool.mlsec]`): when it cannot be read
    // the run cannot know its settings, so it stops with exit 2 naming the file.
    let proj = dir.path().join("bytes");
    std::fs::write(proj.join("pyproject.toml"), b"\xff\xfe").expect("w");
    let res = sbom(&[proj.to_str().expect("u"), "-o", dir.path().join("x.json").to_str().expect("u")]);
    assert_eq!(res.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&res.stderr).contains("pyproject.toml"));
}

#[test]
fn a_hub_repo_both_locked_and_named_as_base_model_is_one_component() {
    let dir = tempfile::tempdir().expect("tmp");
    let proj = dir.path().join("p");
    std::fs::create_dir_all(proj.join("m")).expect("mkdir");
    std::fs::write(proj.join("kernels.lock"), br#"[{"repo_id": "acme/base"}]"#).expect("w");
    std::fs::write(proj.join("m/README.md"), b"---\nbase_model: acme/base\npipeline_tag: text-generation\n---\n")
        .expect("w");
    std::fs::write(proj.join("m/config.json"), br#"{"model_type": "gpt2"}"#).expect("w");
    let (out, spdx) = (dir.path().join("b.json"), dir.path().join("b.spdx.json"));
    run_ok(&[proj.to_str().expect("u"), "-o", out.to_str().expect("u")]);
    let bom = read_json(&out);
    let refs: Vec<&str> =
        bom["components"].as_array().expect("c").iter().map(|c| c["bom-ref"].as_str().expect("r")).collect();
    assert_eq!(refs, ["pkg:huggingface/acme/base", "hf-model:m"]);
    let deps = bom["dependencies"].as_array().expect("d");
    let on = deps.iter().find(|d| d["ref"] == "hf-model:m").expect("m")["dependsOn"].clone();
    assert_eq!(on, serde_json::json!(["pkg:huggingface/acme/base"]));
    cyclonedx_validate("1.6", &out);
    run_ok(&[proj.to_str().expect("u"), "-o", spdx.to_str().expect("u"), "--format", "spdx-json"]);
    let res = Command::new(tool("pyspdxtools")).arg("-i").arg(&spdx).output().expect("pyspdxtools");
    assert!(res.status.success(), "{}{}", String::from_utf8_lossy(&res.stdout), String::from_utf8_lossy(&res.stderr));
}

/// docs/sbom.md and `--help` name the same long flags: every flag of `--help` is documented, and
/// every flag the page names is ours or one of the other tools' flags listed here.
#[test]
fn help_and_docs_name_the_same_flags() {
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/sbom.md")).unwrap();
    let help = String::from_utf8_lossy(&run_ok(&["--help"]).stdout).into_owned();
    // Flags of other tools named in the page (outside code blocks).
    let in_docs = [
        "--hash",      // pip's: requirement hashes (`--hash=alg:hex`) read from requirements files
        "--index-url", // pip's: an option line of requirements files, skipped
    ];
    // pip's `--hash`, named in --help's description ("--hash kept").
    let in_help = ["--hash"];
    if let Err(e) = mlsec_cli::args::docs_match_help("docs/sbom.md", &docs, &[&help], &in_docs, &in_help, 10) {
        panic!("{e}");
    }
}

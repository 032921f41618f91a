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
    "pkg:docker/python@3.11-slim",
    "pkg:docker/pytorch/pytorch@2.3.0-cuda12.1-cudnn8-runtime",
    "pkg:npm/%40tensorflow/tfjs@4.17.0",
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
    assert_eq!(results.len(), 1, "only torch is unpinned (numpy is pinned by -c)");
    assert_eq!(results[0]["ruleId"], "unpinned-requirement");
    assert_eq!(results[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 12);
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
    assert_eq!(g["runs"][0]["results"][0]["baselineState"], "unchanged");
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

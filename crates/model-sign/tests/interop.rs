//! Black-box tests of the `model-sign` binary, and interop both ways with the real reference CLI
//! `model_signing` 1.1.1 (installed by `scripts/install-test-tools`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_model-sign");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn reference_cli() -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.tools/venv/bin/model_signing"));
    assert!(p.exists(), "{} is missing: run scripts/install-test-tools", p.display());
    p
}

/// Deterministic pseudo-random bytes (xorshift64*).
fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

/// A small model: nested dirs, random weights, an empty file, names that sort differently by
/// string and by path components, and git files that are ignored by default.
fn make_model(root: &Path) -> PathBuf {
    let m = root.join("my-model");
    for d in ["weights/sub", "tok", "a", ".git", ".github"] {
        std::fs::create_dir_all(m.join(d)).expect("mkdir");
    }
    let files: [(&str, Vec<u8>); 10] = [
        ("config.json", b"{\"hidden\": 64}\n".to_vec()),
        ("weights/model-00001.safetensors", bytes(1, 700_000)),
        ("weights/model-00002.safetensors", bytes(2, 300_001)),
        ("weights/sub/adapter.bin", bytes(3, 12_345)),
        ("tok/vocab.txt", b"a\nb\nc\n".to_vec()),
        ("empty.txt", Vec::new()),
        ("a.b", b"dot".to_vec()),
        ("a/x", b"nested".to_vec()),
        (".git/HEAD", b"ref: refs/heads/main\n".to_vec()),
        (".gitattributes", b"# nothing\n".to_vec()),
    ];
    for (p, b) in files {
        std::fs::write(m.join(p), b).expect("write");
    }
    std::fs::write(m.join(".github/ci.yml"), "on: push\n").expect("write");
    m
}

fn ours(args: &[&str], cwd: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("MODEL_SIGN_KEY_PASSWORD")
        .output()
        .expect("run model-sign")
}

fn theirs(args: &[&str], cwd: &Path) -> Output {
    Command::new(reference_cli()).args(args).current_dir(cwd).output().expect("run model_signing")
}

fn python(script: &str, args: &[&str], cwd: &Path) -> Output {
    let py = reference_cli().with_file_name("python");
    Command::new(py).arg("-c").arg(script).args(args).current_dir(cwd).output().expect("run python")
}

/// Verifies with the reference's Python API, which guesses the serialization from the signature.
fn python_api_verify(model: &Path, sig: &Path, public: &Path, cwd: &Path) -> Output {
    let script = "import sys, pathlib\nfrom model_signing import verifying\n\
verifying.Config().use_elliptic_key_verifier(public_key=sys.argv[3])\
.verify(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))\n";
    python(script, &[s(model), s(sig), s(public)], cwd)
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", text(o)))
}

fn status_of(report: &serde_json::Value, name: &str) -> String {
    report["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in report: {report}"))["status"]
        .as_str()
        .expect("status")
        .to_owned()
}

fn sign_ours_verify_theirs(curve: &str) {
    let t = tempfile::tempdir().expect("tempdir");
    let m = make_model(t.path());
    let key = fixture(&format!("test-only-{curve}.pem"));
    let public = fixture(&format!("{curve}.pub.pem"));
    let o = ours(&["sign", s(&m), "--key", s(&key), "--json"], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(json(&o)["resources"], 8, "git files are ignored, the rest is signed");
    let o = theirs(&["verify", "key", s(&m), "--signature", "model.sig", "--public_key", s(&public)], t.path());
    assert_eq!(code(&o), 0, "model_signing rejected our signature: {}", text(&o));
    let o = ours(&["verify", s(&m), "--key", s(&public)], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
}

#[test]
fn p256_signature_made_by_us_verifies_with_model_signing() {
    sign_ours_verify_theirs("p256");
}

#[test]
fn p384_signature_made_by_us_verifies_with_model_signing() {
    sign_ours_verify_theirs("p384");
}

#[test]
fn signature_made_by_model_signing_verifies_with_us_and_payload_matches() {
    for curve in ["p256", "p384"] {
        let t = tempfile::tempdir().expect("tempdir");
        let m = make_model(t.path());
        let key = fixture(&format!("test-only-{curve}.pem"));
        let public = fixture(&format!("{curve}.pub.pem"));
        let o = theirs(&["sign", "key", s(&m), "--private_key", s(&key), "--signature", "theirs.sig"], t.path());
        assert_eq!(code(&o), 0, "{}", text(&o));
        let o = ours(&["verify", s(&m), "--signature", "theirs.sig", "--key", s(&public), "--json"], t.path());
        assert_eq!(code(&o), 0, "{}", text(&o));
        let theirs_report = json(&o);
        assert_eq!(theirs_report["verified"], true);
        // Our signature over the same model names the same subject digest and the same key hint.
        let o = ours(&["sign", s(&m), "--signature", "ours.sig", "--key", s(&key), "--json"], t.path());
        assert_eq!(code(&o), 0, "{}", text(&o));
        let signed = json(&o);
        assert_eq!(signed["subject_digest"], theirs_report["subject_digest"]);
        assert_eq!(signed["signer"]["key_hint"], theirs_report["signer"]["key_hint"]);
        let a: serde_json::Value =
            serde_json::from_slice(&std::fs::read(t.path().join("ours.sig")).expect("read")).expect("json");
        let b: serde_json::Value =
            serde_json::from_slice(&std::fs::read(t.path().join("theirs.sig")).expect("read")).expect("json");
        assert_eq!(a["verificationMaterial"], b["verificationMaterial"]);
        assert_eq!(a["mediaType"], b["mediaType"]);
        assert_eq!(a["dsseEnvelope"]["payloadType"], b["dsseEnvelope"]["payloadType"]);
    }
}

/// What a case does to the model, the file it touches and the status expected.
type Case = (&'static str, fn(&Path), &'static str, &'static str);

/// Tampered, missing and extra files fail on both sides, and we name the file and its state.
#[test]
fn tampered_missing_and_extra_files_fail_on_both_sides() {
    let cases: [Case; 3] = [
        (
            "tampered",
            |m| std::fs::write(m.join("weights/model-00002.safetensors"), bytes(9, 300_001)).expect("w"),
            "weights/model-00002.safetensors",
            "modified",
        ),
        ("missing", |m| std::fs::remove_file(m.join("a/x")).expect("rm"), "a/x", "missing"),
        ("extra", |m| std::fs::write(m.join("tok/new.txt"), b"new").expect("w"), "tok/new.txt", "extra"),
    ];
    let key = fixture("test-only-p256.pem");
    let public = fixture("p256.pub.pem");
    for (what, change, file, status) in cases {
        for signer in ["ours", "theirs"] {
            let t = tempfile::tempdir().expect("tempdir");
            let m = make_model(t.path());
            let o = if signer == "ours" {
                ours(&["sign", s(&m), "--key", s(&key)], t.path())
            } else {
                theirs(&["sign", "key", s(&m), "--private_key", s(&key), "--signature", "model.sig"], t.path())
            };
            assert_eq!(code(&o), 0, "{}", text(&o));
            change(&m);
            let o = ours(&["verify", s(&m), "--key", s(&public), "--json"], t.path());
            assert_eq!(code(&o), 1, "{what} signed by {signer}: we must fail: {}", text(&o));
            let r = json(&o);
            assert_eq!(r["verified"], false);
            assert_eq!(status_of(&r, file), status, "{what}: {r}");
            let bad = r["files"].as_array().expect("files").iter().filter(|f| f["status"] != "ok").count();
            assert_eq!(bad, 1, "{what}: only the changed file is reported: {r}");
            let o = theirs(&["verify", "key", s(&m), "--signature", "model.sig", "--public_key", s(&public)], t.path());
            assert_ne!(code(&o), 0, "{what} signed by {signer}: model_signing must fail too: {}", text(&o));
        }
    }
}

#[test]
fn sharded_signature_interoperates_both_ways() {
    let t = tempfile::tempdir().expect("tempdir");
    let m = make_model(t.path());
    let key = fixture("test-only-p256.pem");
    let public = fixture("p256.pub.pem");
    let o = ours(&["sign", s(&m), "--key", s(&key), "--shard-size", "262144", "--json"], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    // 700000 -> 3 shards, 300001 -> 2, the 5 small files 1 each, the empty file none.
    assert_eq!(json(&o)["resources"], 3 + 2 + 5);
    // The reference CLI always verifies with `files` serialization; its API guesses the method
    // from the signature, so the sharded interop goes through the API.
    let o = python_api_verify(&m, &t.path().join("model.sig"), &public, t.path());
    assert_eq!(code(&o), 0, "model_signing rejected our sharded signature: {}", text(&o));
    // And the other way: a sharded signature made by model_signing (it writes shard_size as a float).
    let script = "import sys, pathlib\nfrom model_signing import hashing, signing\n\
hc = hashing.Config().use_shard_serialization(hashing_algorithm='sha256', shard_size=262144)\n\
signing.Config().use_elliptic_key_signer(private_key=sys.argv[3]).set_hashing_config(hc)\
.sign(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))\n";
    let o = python(script, &[s(&m), "theirs.sig", s(&key)], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = ours(&["verify", s(&m), "--signature", "theirs.sig", "--key", s(&public), "--json"], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(json(&o)["method"], "shards(262144)");
    std::fs::write(m.join("weights/model-00001.safetensors"), bytes(7, 700_000)).expect("w");
    let o = ours(&["verify", s(&m), "--key", s(&public), "--json"], t.path());
    assert_eq!(code(&o), 1, "{}", text(&o));
    let r = json(&o);
    assert_eq!(status_of(&r, "weights/model-00001.safetensors:0:262144"), "modified");
    assert_eq!(status_of(&r, "weights/model-00001.safetensors:524288:700000"), "modified");
}

#[test]
fn encrypted_and_sec1_keys_sign_and_verify_with_model_signing() {
    let t = tempfile::tempdir().expect("tempdir");
    let m = make_model(t.path());
    let public = fixture("p256.pub.pem");
    let enc = fixture("test-only-p256-encrypted.pem");
    let o = ours(&["sign", s(&m), "--key", s(&enc)], t.path());
    assert_eq!(code(&o), 2, "no password: {}", text(&o));
    assert!(text(&o).contains("encrypted"), "{}", text(&o));
    let o = Command::new(BIN)
        .args(["sign", s(&m), "--key", s(&enc)])
        .current_dir(t.path())
        .env("MODEL_SIGN_KEY_PASSWORD", "wrong")
        .output()
        .expect("run");
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("wrong password"), "{}", text(&o));
    assert!(!text(&o).contains("wrong\n"), "the password is never printed");
    let o = Command::new(BIN)
        .args(["sign", s(&m), "--key", s(&enc), "--password-env", "MY_PW"])
        .current_dir(t.path())
        .env("MY_PW", "test-only-password")
        .output()
        .expect("run");
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = theirs(&["verify", "key", s(&m), "--signature", "model.sig", "--public_key", s(&public)], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o =
        ours(&["sign", s(&m), "--key", s(&fixture("test-only-p256-sec1.pem")), "--signature", "sec1.sig"], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = ours(&["verify", s(&m), "--signature", "sec1.sig", "--key", s(&public)], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
}

#[test]
fn symlinks_are_refused_by_default_and_escaping_ones_always() {
    let t = tempfile::tempdir().expect("tempdir");
    let m = make_model(t.path());
    let key = fixture("test-only-p256.pem");
    let public = fixture("p256.pub.pem");
    std::os::unix::fs::symlink("config.json", m.join("link.json")).expect("symlink");
    let o = ours(&["sign", s(&m), "--key", s(&key)], t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("link.json: is a symlink"), "{}", text(&o));
    let o = theirs(&["sign", "key", s(&m), "--private_key", s(&key), "--signature", "model.sig"], t.path());
    assert_ne!(code(&o), 0, "model_signing refuses symlinks by default too: {}", text(&o));
    // Allowed: the target's content is signed under the link's name; model_signing agrees.
    let o = ours(&["sign", s(&m), "--key", s(&key), "--allow-symlinks"], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = theirs(
        &["verify", "key", s(&m), "--signature", "model.sig", "--public_key", s(&public), "--allow_symlinks"],
        t.path(),
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    // A link out of the model is refused even when symlinks are allowed.
    std::fs::write(t.path().join("outside.txt"), b"secret").expect("w");
    std::os::unix::fs::symlink(t.path().join("outside.txt"), m.join("escape")).expect("symlink");
    let o = ours(&["sign", s(&m), "--key", s(&key), "--allow-symlinks", "--signature", "x.sig"], t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("escapes the model directory"), "{}", text(&o));
}

#[test]
fn bad_inputs_exit_2_or_1_with_a_precise_message() {
    let t = tempfile::tempdir().expect("tempdir");
    let m = make_model(t.path());
    let key = fixture("test-only-p256.pem");
    let public = fixture("p256.pub.pem");
    let o = ours(&["sign", s(&m), "--key", s(&key)], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    let sig = std::fs::read(t.path().join("model.sig")).expect("read");
    // Truncated bundle: error.
    std::fs::write(t.path().join("trunc.sig"), &sig[..sig.len() / 2]).expect("w");
    let o = ours(&["verify", s(&m), "--signature", "trunc.sig", "--key", s(&public)], t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("trunc.sig: not JSON"), "{}", text(&o));
    // Not a bundle.
    std::fs::write(t.path().join("other.sig"), b"{\"mediaType\": \"x\"}").expect("w");
    let o = ours(&["verify", s(&m), "--signature", "other.sig", "--key", s(&public)], t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
    // Wrong key type.
    let o = ours(&["verify", s(&m), "--key", s(&fixture("ed25519.pub.pem"))], t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("not an ECDSA P-256 or P-384 public key"), "{}", text(&o));
    let o = ours(&["sign", s(&m), "--key", s(&fixture("test-only-ed25519.pem")), "--signature", "e.sig"], t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
    // Another key: verification failure.
    let o = ours(&["verify", s(&m), "--key", s(&fixture("p384.pub.pem"))], t.path());
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("key mismatch"), "{}", text(&o));
    // A signature for another model: every file differs.
    let other = t.path().join("other");
    std::fs::create_dir_all(&other).expect("mkdir");
    std::fs::write(other.join("w.bin"), bytes(5, 1000)).expect("w");
    let o = ours(&["verify", s(&other), "--key", s(&public), "--json"], t.path());
    assert_eq!(code(&o), 1, "{}", text(&o));
    let r = json(&o);
    assert_eq!(status_of(&r, "w.bin"), "extra");
    assert_eq!(status_of(&r, "config.json"), "missing");
    // Tampered payload with the signature kept: DSSE failure.
    let mut v: serde_json::Value = serde_json::from_slice(&sig).expect("json");
    let p = v["dsseEnvelope"]["payload"].as_str().expect("payload").to_owned();
    let mut chars: Vec<char> = p.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    v["dsseEnvelope"]["payload"] = chars.into_iter().collect::<String>().into();
    std::fs::write(t.path().join("tampered.sig"), v.to_string()).expect("w");
    let o = ours(&["verify", s(&m), "--signature", "tampered.sig", "--key", s(&public)], t.path());
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("DSSE signature is invalid"), "{}", text(&o));
    // Missing model: error.
    let o = ours(&["verify", "nope", "--key", s(&public)], t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
}

#[test]
fn unreadable_file_is_an_error_not_a_pass() {
    let t = tempfile::tempdir().expect("tempdir");
    let m = make_model(t.path());
    let key = fixture("test-only-p256.pem");
    std::fs::create_dir(m.join("sock")).expect("mkdir");
    let _l = std::os::unix::net::UnixListener::bind(m.join("sock/s")).expect("bind");
    let o = ours(&["sign", s(&m), "--key", s(&key)], t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("not a regular file or directory"), "{}", text(&o));
}

#[test]
fn ignore_paths_and_signature_inside_the_model_match_model_signing() {
    let t = tempfile::tempdir().expect("tempdir");
    let m = make_model(t.path());
    let key = fixture("test-only-p256.pem");
    let public = fixture("p256.pub.pem");
    let sig = m.join("model.sig");
    let o =
        ours(&["sign", s(&m), "--key", s(&key), "--signature", s(&sig), "--ignore-paths", "my-model/tok"], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    std::fs::write(m.join("tok/vocab.txt"), b"changed").expect("w");
    let o = theirs(&["verify", "key", s(&m), "--signature", s(&sig), "--public_key", s(&public)], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = ours(&["verify", s(&m), "--signature", s(&sig), "--key", s(&public), "--json"], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(json(&o)["files"].as_array().expect("files").len(), 7);
}

#[test]
fn single_file_model_interoperates() {
    let t = tempfile::tempdir().expect("tempdir");
    let f = t.path().join("model.safetensors");
    std::fs::write(&f, bytes(11, 50_000)).expect("w");
    let key = fixture("test-only-p384.pem");
    let public = fixture("p384.pub.pem");
    let o = ours(&["sign", s(&f), "--key", s(&key)], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = theirs(&["verify", "key", s(&f), "--signature", "model.sig", "--public_key", s(&public)], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    std::fs::write(&f, bytes(12, 50_000)).expect("w");
    let o = ours(&["verify", s(&f), "--key", s(&public), "--json"], t.path());
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert_eq!(status_of(&json(&o), "."), "modified");
}

#[test]
fn failures_are_written_as_mlsec_sarif_with_model_fingerprints() {
    let t = tempfile::tempdir().expect("tempdir");
    let m = make_model(t.path());
    let key = fixture("test-only-p256.pem");
    let public = fixture("p256.pub.pem");
    let o = ours(&["sign", s(&m), "--key", s(&key)], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    std::fs::write(m.join("config.json"), b"{}").expect("w");
    let out = t.path().join("out.sarif");
    let o = ours(&["verify", s(&m), "--key", s(&public), "--output", s(&out)], t.path());
    assert_eq!(code(&o), 1, "{}", text(&o));
    let bytes = std::fs::read(&out).expect("sarif written");
    let violations = mlsec_findings::profile::validate_bytes(&bytes, &out).expect("parse");
    assert!(violations.is_empty(), "{violations:?}");
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    let results = v["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "signature-mismatch");
    assert!(results[0]["partialFingerprints"]["mlsec/model/v1"].is_string());
    assert!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri")
            .ends_with("my-model/config.json")
    );
}

fn make_pki(dir: &Path) {
    let o = python(include_str!("make_ca.py"), &[s(dir)], dir);
    assert_eq!(code(&o), 0, "making the test PKI: {}", text(&o));
}

#[test]
fn certificate_method_interoperates_both_ways() {
    let t = tempfile::tempdir().expect("tempdir");
    let m = make_model(t.path());
    make_pki(t.path());
    let (leaf, inter, root, key) = ("leaf.pem", "inter.pem", "root.pem", "leaf-key.pem");
    // Ours signs, theirs verifies against the root.
    let o =
        ours(&["sign", s(&m), "--key", key, "--certificate", leaf, "--certificate-chain", inter, "--json"], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(json(&o)["signer"]["method"], "certificate");
    let o =
        theirs(&["verify", "certificate", s(&m), "--signature", "model.sig", "--certificate_chain", root], t.path());
    assert_eq!(code(&o), 0, "model_signing rejected our certificate signature: {}", text(&o));
    let o = ours(&["verify", s(&m), "--certificate-chain", root, "--json"], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(json(&o)["signer"]["identity"].as_str().expect("identity").contains("email:signer@example.test"));
    // Theirs signs, ours verifies.
    let o = theirs(
        &[
            "sign",
            "certificate",
            s(&m),
            "--private_key",
            key,
            "--signing_certificate",
            leaf,
            "--certificate_chain",
            inter,
            "--signature",
            "theirs.sig",
        ],
        t.path(),
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = ours(&["verify", s(&m), "--signature", "theirs.sig", "--certificate-chain", root], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    // An unrelated CA: both refuse.
    let o = ours(&["verify", s(&m), "--signature", "theirs.sig", "--certificate-chain", "other-root.pem"], t.path());
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("certificate chain not trusted"), "{}", text(&o));
    let o = theirs(
        &["verify", "certificate", s(&m), "--signature", "theirs.sig", "--certificate_chain", "other-root.pem"],
        t.path(),
    );
    assert_ne!(code(&o), 0, "{}", text(&o));
    // The intermediate alone is not a trust anchor (as with OpenSSL's default store).
    let o = ours(&["verify", s(&m), "--signature", "theirs.sig", "--certificate-chain", inter], t.path());
    assert_eq!(code(&o), 1, "{}", text(&o));
    // Tampered model: both fail.
    std::fs::write(m.join("a.b"), b"changed").expect("w");
    let o = ours(&["verify", s(&m), "--signature", "theirs.sig", "--certificate-chain", root, "--json"], t.path());
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert_eq!(status_of(&json(&o), "a.b"), "modified");
    let o =
        theirs(&["verify", "certificate", s(&m), "--signature", "model.sig", "--certificate_chain", root], t.path());
    assert_ne!(code(&o), 0, "{}", text(&o));
}

#[test]
fn certificate_without_signing_usage_or_with_another_key_is_refused() {
    let t = tempfile::tempdir().expect("tempdir");
    let m = make_model(t.path());
    make_pki(t.path());
    let o = ours(
        &[
            "sign",
            s(&m),
            "--key",
            "leaf-key.pem",
            "--certificate",
            "leaf-nousage.pem",
            "--certificate-chain",
            "inter.pem",
        ],
        t.path(),
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = ours(&["verify", s(&m), "--certificate-chain", "root.pem"], t.path());
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("neither digitalSignature nor codeSigning"), "{}", text(&o));
    let o = ours(
        &[
            "sign",
            s(&m),
            "--key",
            s(&fixture("test-only-p256.pem")),
            "--certificate",
            "leaf.pem",
            "--signature",
            "x.sig",
        ],
        t.path(),
    );
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("does not match the private key"), "{}", text(&o));
    // A certificate bundle checked with --key is a usage error.
    let o = ours(&["verify", s(&m), "--key", s(&fixture("p256.pub.pem"))], t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
}

/// Keyless verification on bundles we can make offline: a Fulcio-shaped bundle whose certificate
/// comes from our own CA and whose Rekor entry is made up must be refused (exit 1), and the method
/// mix-ups are errors (exit 2). The real keyless vectors are checked in scripts/conformance.d.
#[test]
fn keyless_refuses_untrusted_certificates_and_method_mixups() {
    let t = tempfile::tempdir().expect("tempdir");
    let m = make_model(t.path());
    make_pki(t.path());
    let o =
        ours(&["sign", s(&m), "--key", "leaf-key.pem", "--certificate", "leaf.pem", "--signature", "c.sig"], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path().join("c.sig")).expect("read")).expect("json");
    let leaf = v["verificationMaterial"]["x509CertificateChain"]["certificates"][0].clone();
    let body = serde_json::json!({"apiVersion": "0.0.1", "kind": "dsse", "spec": {}}).to_string();
    v["verificationMaterial"] = serde_json::json!({
        "certificate": leaf,
        "tlogEntries": [{
            "logIndex": "1",
            "logId": {"keyId": "wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0="},
            "kindVersion": {"kind": "dsse", "version": "0.0.1"},
            "integratedTime": "1760062340",
            "inclusionPromise": {"signedEntryTimestamp": "MEUCIQDzZ4lDNXXoC6n4CeLrIiTKhEHWwV0XwTBMNZMpjMOKBgIgPUFJUO0+Zx5E4O5vmDjwuD2s3wZTHPj1GoJxBgA9s7I="},
            "canonicalizedBody": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, body.as_bytes()),
        }],
    });
    std::fs::write(t.path().join("keyless.sig"), v.to_string()).expect("w");
    let keyless = ["--keyless", "--identity", "signer@example.test", "--issuer", "https://issuer.example.test"];
    let mut args = vec!["verify", s(&m), "--signature", "keyless.sig"];
    args.extend(keyless);
    let o = ours(&args, t.path());
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("keyless signature not trusted"), "{}", text(&o));
    // A keyless bundle verified with a key, and a key bundle verified keyless: usage errors.
    let o = ours(&["verify", s(&m), "--signature", "keyless.sig", "--key", s(&fixture("p256.pub.pem"))], t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("verify it with --keyless"), "{}", text(&o));
    let o = ours(&["sign", s(&m), "--key", s(&fixture("test-only-p256.pem")), "--signature", "k.sig"], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    let mut args = vec!["verify", s(&m), "--signature", "k.sig"];
    args.extend(keyless);
    let o = ours(&args, t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("no Fulcio certificate and Rekor entry"), "{}", text(&o));
    // A malformed trusted root: error, not a failure or a pass.
    std::fs::write(t.path().join("root.json"), b"{\"tlogs\": 3}").expect("w");
    let mut args = vec!["verify", s(&m), "--signature", "keyless.sig", "--trust-root", "root.json"];
    args.extend(keyless);
    let o = ours(&args, t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("root.json: trusted root"), "{}", text(&o));
    // --keyless needs both the identity and the issuer.
    let o = ours(&["verify", s(&m), "--signature", "keyless.sig", "--keyless", "--identity", "x"], t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
}

/// A corrupt bundle exits 2 (the tool could not verify) and is still written as a SARIF
/// `signature-invalid` finding, so a CI report shows it.
#[test]
fn malformed_bundle_exits_2_and_is_still_a_sarif_finding() {
    let t = tempfile::tempdir().expect("tempdir");
    let m = make_model(t.path());
    std::fs::write(t.path().join("bad.sig"), b"{\"mediaType\": \"application/vnd.dev.sigstore.bundle.v0.3+json\"")
        .expect("w");
    let out = t.path().join("out.sarif");
    let public = fixture("p256.pub.pem");
    let o = ours(&["verify", s(&m), "--signature", "bad.sig", "--key", s(&public), "--output", s(&out)], t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
    let bytes = std::fs::read(&out).expect("sarif written");
    let violations = mlsec_findings::profile::validate_bytes(&bytes, &out).expect("parse");
    assert!(violations.is_empty(), "{violations:?}");
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    let results = v["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "signature-invalid");
    assert!(results[0]["message"]["text"].as_str().expect("text").contains("not JSON"), "{}", results[0]);
    // A missing signature file is not a finding about the model: no SARIF.
    let out2 = t.path().join("out2.sarif");
    let o = ours(&["verify", s(&m), "--signature", "nope.sig", "--key", s(&public), "--output", s(&out2)], t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(!out2.exists());
}

/// `[model-sign]` in mlsec.toml supplies the method, signature path and ignore paths (relative to
/// the config file) when the flags are absent; flags win; unknown keys are errors with a line.
#[test]
fn model_sign_section_of_mlsec_toml_sets_defaults() {
    let t = tempfile::tempdir().expect("tempdir");
    let m = make_model(t.path());
    std::fs::copy(fixture("test-only-p256.pem"), t.path().join("k.pem")).expect("cp");
    std::fs::copy(fixture("p256.pub.pem"), t.path().join("k.pub.pem")).expect("cp");
    std::fs::write(m.join("notes.log"), b"scratch").expect("w");
    std::fs::write(
        t.path().join("mlsec.toml"),
        "[model-sign]\nsignature = \"sigs/m.sig\"\nignore-paths = [\"my-model/notes.log\"]\nsign-key = \"k.pem\"\nverify-key = \"k.pub.pem\"\nthreads = 1\n",
    )
    .expect("w");
    std::fs::create_dir_all(t.path().join("sigs")).expect("mkdir");
    let sub = t.path().join("sub");
    std::fs::create_dir_all(&sub).expect("mkdir");
    let o = ours(&["sign", s(&m), "--json"], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(json(&o)["resources"], 8, "notes.log must be ignored: {}", text(&o));
    assert!(t.path().join("sigs/m.sig").exists());
    // From a subdirectory: the config is found upwards, its paths resolve against its directory.
    let o = ours(&["verify", s(&m), "--json"], &sub);
    assert_eq!(code(&o), 0, "{}", text(&o));
    // A flag wins over the section: another key fails.
    let o = ours(&["verify", s(&m), "--key", s(&fixture("p384.pub.pem"))], &sub);
    assert_eq!(code(&o), 1, "{}", text(&o));
    std::fs::write(t.path().join("mlsec.toml"), "[model-sign]\nkeyles = true\n").expect("w");
    let o = ours(&["verify", s(&m), "--key", "k.pub.pem"], t.path());
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("mlsec.toml:2"), "{}", text(&o));
}

/// `--hash blake3`: the reference's Python API (with its blake3 hashing config) verifies our
/// signature and we verify its; a changed file fails on both sides. (The reference CLI 1.1.1 always
/// recomputes with sha256, so it cannot verify blake3 signatures, its own included.)
#[test]
fn blake3_signatures_interoperate_with_the_reference_api() {
    hash_interop("blake3", "blake3");
}

/// `--hash blake2b` (the reference API's `hashing_algorithm="blake2"`, recorded as `blake2b`): the
/// same both-ways check as blake3, with 64-byte digests.
#[test]
fn blake2b_signatures_interoperate_with_the_reference_api() {
    hash_interop("blake2b", "blake2");
}

fn hash_interop(ours_name: &str, api_name: &str) {
    let t = tempfile::tempdir().expect("tempdir");
    let m = make_model(t.path());
    let key = fixture("test-only-p256.pem");
    let public = fixture("p256.pub.pem");
    let api_verify = "import sys, pathlib\nfrom model_signing import hashing, verifying\n\
hc = hashing.Config().use_file_serialization(hashing_algorithm=sys.argv[4])\n\
verifying.Config().use_elliptic_key_verifier(public_key=sys.argv[3]).set_hashing_config(hc)\
.verify(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))\n";
    let api_sign = "import sys, pathlib\nfrom model_signing import hashing, signing\n\
hc = hashing.Config().use_file_serialization(hashing_algorithm=sys.argv[4])\n\
signing.Config().use_elliptic_key_signer(private_key=sys.argv[3]).set_hashing_config(hc)\
.sign(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))\n";
    let o = ours(&["sign", s(&m), "--key", s(&key), "--hash", ours_name], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    let sig: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path().join("model.sig")).expect("sig")).expect("bundle JSON");
    let payload = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        sig["dsseEnvelope"]["payload"].as_str().expect("payload"),
    )
    .expect("base64 payload");
    let st: serde_json::Value = serde_json::from_slice(&payload).expect("statement");
    assert_eq!(st["predicate"]["serialization"]["hash_type"], ours_name);
    assert_eq!(st["predicate"]["resources"][0]["algorithm"], ours_name);
    let o = python(api_verify, &[s(&m), "model.sig", s(&public), api_name], t.path());
    assert_eq!(code(&o), 0, "the reference API rejected our {ours_name} signature: {}", text(&o));
    let o = python(api_sign, &[s(&m), "theirs.sig", s(&key), api_name], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = ours(&["verify", s(&m), "--signature", "theirs.sig", "--key", s(&public), "--json"], t.path());
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(json(&o)["files"].as_array().expect("files").len(), 8);
    std::fs::write(m.join("a.b"), b"changed").expect("w");
    let o = ours(&["verify", s(&m), "--signature", "theirs.sig", "--key", s(&public), "--json"], t.path());
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert_eq!(status_of(&json(&o), "a.b"), "modified");
    let o = python(api_verify, &[s(&m), "model.sig", s(&public), api_name], t.path());
    assert_ne!(code(&o), 0, "{}", text(&o));
}

/// Every flag of the fixed interface exists exactly as written (the behaviour of each is
/// tested above and in `keyless_sign.rs`), and the methods exclude one another.
#[test]
fn the_fixed_interface_flags_exist_as_written() {
    let t = tempfile::tempdir().expect("tempdir");
    let help = |sub: &str| text(&ours(&[sub, "--help"], t.path()));
    let sign = help("sign");
    for flag in [
        "--signature <PATH>",
        "--key <PRIVATE.pem>",
        "--certificate <LEAF.pem>",
        "--certificate-chain <CA.pem>...",
        "--keyless",
        "--identity-token <TOKEN>",
        "--ignore-paths <P>...",
    ] {
        assert!(sign.contains(flag), "sign --help lacks {flag}: {sign}");
    }
    let verify = help("verify");
    for flag in [
        "--signature <PATH>",
        "--key <PUBLIC.pem>",
        "--certificate-chain <ROOT.pem>...",
        "--keyless",
        "--identity <ID>",
        "--issuer <URL>",
        "--trust-root <FILE>",
        "--ignore-paths <P>...",
    ] {
        assert!(verify.contains(flag), "verify --help lacks {flag}: {verify}");
    }
    let m = make_model(t.path());
    let key = fixture("test-only-p256.pem");
    let public = fixture("p256.pub.pem");
    for args in [
        vec!["verify", s(&m), "--key", s(&public), "--keyless", "--identity", "a", "--issuer", "b"],
        vec!["verify", s(&m), "--key", s(&public), "--certificate-chain", s(&public)],
        vec!["sign", s(&m), "--key", s(&key), "--keyless"],
        vec!["sign", s(&m), "--keyless", "--certificate", s(&public)],
    ] {
        let o = ours(&args, t.path());
        assert_eq!(code(&o), 2, "{args:?} must be a usage error: {}", text(&o));
    }
}

/// docs/model-sign.md and `--help` (the top level's, `sign`'s and `verify`'s) name the same long
/// flags: every flag of the help is documented, and every flag the page names is ours or one of the
/// other tools' flags listed here.
#[test]
fn help_and_docs_name_the_same_flags() {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/model-sign.md")).expect("docs");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut helps = Vec::new();
    for args in [&["--help"][..], &["sign", "--help"], &["verify", "--help"]] {
        let out = ours(args, dir.path());
        assert_eq!(code(&out), 0, "{args:?}: {}", text(&out));
        helps.push(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let helps: Vec<&str> = helps.iter().map(String::as_str).collect();
    // Flags of other tools named in the page (outside code blocks).
    let in_docs = [
        "--no-default-features", // cargo's: how to build without the `keyless` feature
        "--oidc-issuer",         // named to say model-sign has none (no interactive OIDC login)
        "--public",              // model_signing's `--public_key` (long_flags stops at the `_`)
    ];
    if let Err(e) = mlsec_cli::args::docs_match_help("docs/model-sign.md", &docs, &helps, &in_docs, &[], 20) {
        panic!("{e}");
    }
}

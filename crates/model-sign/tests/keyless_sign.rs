//! Keyless signing end to end against a local test double of the OIDC token endpoint (GitHub
//! Actions style), Fulcio and Rekor (`tests/sigstore_double.py`, run with the test-tools Python and
//! its `cryptography`), then verification of the bundle by model-sign with a trusted root for the
//! double's CA and log keys, and by the real `model_signing` CLI; and the reverse (a keyless
//! signature made by `model_signing` against the same double verifies with model-sign).
#![cfg(feature = "keyless")]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_model-sign");
const IDENTITY: &str = "https://github.com/acme/models/.github/workflows/train.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

fn venv_bin(name: &str) -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.tools/venv/bin")).join(name);
    assert!(p.exists(), "{} is missing: run scripts/install-test-tools", p.display());
    p
}

/// The running double; killed (it is our child) when dropped.
struct Double {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Double {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Double {
    fn start() -> Double {
        let dir = tempfile::tempdir().expect("tempdir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sigstore_double.py");
        let mut child = Command::new(venv_bin("python"))
            .arg(&script)
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the Sigstore test double");
        let mut line = Vec::new();
        let mut out = child.stdout.take().expect("stdout");
        let mut b = [0u8; 1];
        while out.read(&mut b).expect("read the double's port") == 1 && b[0] != b'\n' {
            line.push(b[0]);
        }
        let v: serde_json::Value = serde_json::from_slice(&line)
            .unwrap_or_else(|e| panic!("the double did not start ({e}): {}", String::from_utf8_lossy(&line)));
        let port = u16::try_from(v["port"].as_u64().expect("port")).expect("port");
        Double { child, port, dir }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn trusted_root(&self) -> PathBuf {
        self.dir.path().join("trusted_root.json")
    }

    fn get(&self, path_and_query: &str, bearer: &str) -> (u16, serde_json::Value) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to the double");
        write!(s, "GET {path_and_query} HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: bearer {bearer}\r\n\r\n")
            .expect("request");
        let mut resp = String::new();
        s.read_to_string(&mut resp).expect("response");
        let status = resp.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("status");
        let body = resp.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
        (status, serde_json::from_str(body).unwrap_or(serde_json::Value::Null))
    }

    /// A token as the GitHub endpoint hands it out.
    fn token(&self) -> String {
        let (status, v) = self.get("/token?audience=sigstore", "test-request-token");
        assert_eq!(status, 200, "token endpoint: {v}");
        v["value"].as_str().expect("token").to_owned()
    }

    /// The requests the double saw, and the checks that failed.
    fn log(&self) -> (Vec<String>, Vec<String>) {
        let (_, v) = self.get("/_log", "");
        let list = |k: &str| v[k].as_array().expect(k).iter().map(|x| x.as_str().unwrap_or("").to_owned()).collect();
        (list("seen"), list("failures"))
    }

    /// `model-sign ARGS` in `cwd` with no CI token variables, plus `env`.
    fn run(&self, args: &[&str], cwd: &Path, env: &[(&str, String)]) -> Output {
        let mut c = Command::new(BIN);
        c.args(args).current_dir(cwd);
        for v in [
            "GITHUB_ACTIONS",
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            "GITLAB_CI",
            "SIGSTORE_ID_TOKEN",
            "BUILDKITE",
            "CIRCLECI",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
        ] {
            c.env_remove(v);
        }
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("run model-sign")
    }

    fn github_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("GITHUB_ACTIONS", "true".into()),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", format!("{}/token", self.url())),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "test-request-token".into()),
        ]
    }

    fn sign_args<'a>(&'a self, urls: &'a [String; 2], sig: &'a str) -> Vec<&'a str> {
        vec!["sign", "model", "--keyless", "--fulcio-url", &urls[0], "--rekor-url", &urls[1], "--signature", sig]
    }

    fn verify(&self, cwd: &Path, sig: &str, identity: &str, issuer: &str) -> Output {
        let root = self.trusted_root();
        let root = root.to_str().expect("utf-8");
        self.run(
            &[
                "verify",
                "model",
                "--signature",
                sig,
                "--keyless",
                "--identity",
                identity,
                "--issuer",
                issuer,
                "--trust-root",
                root,
            ],
            cwd,
            &[],
        )
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn make_model(dir: &Path) {
    let m = dir.join("model");
    std::fs::create_dir_all(m.join("weights")).expect("mkdir");
    std::fs::write(m.join("config.json"), "{\"hidden\": 64}\n").expect("write");
    std::fs::write(m.join("weights/model.safetensors"), vec![7u8; 300_000]).expect("write");
    std::fs::write(m.join("README.md"), "# model\n").expect("write");
}

#[test]
fn keyless_sign_with_the_github_ambient_token_verifies_with_us_and_with_model_signing() {
    let d = Double::start();
    let work = tempfile::tempdir().expect("tempdir");
    make_model(work.path());
    let urls = [d.url(), d.url()];
    let mut args = d.sign_args(&urls, "model.sig");
    args.push("--json");
    let o = d.run(&args, work.path(), &d.github_env());
    assert_eq!(code(&o), 0, "keyless sign failed: {}", text(&o));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).expect("--json output");
    assert_eq!(out["signer"]["method"], "keyless");
    assert_eq!(out["signer"]["identity"], IDENTITY);
    assert_eq!(out["signer"]["issuer"], ISSUER);
    // Every request was the expected one, in order, and passed the double's checks (token
    // endpoint: bearer + audience sigstore; Fulcio: JWT + proof of possession; Rekor: DSSE entry
    // whose signature verifies with the issued certificate).
    let (seen, failures) = d.log();
    assert_eq!(seen, ["oidc", "fulcio", "rekor"], "requests: {seen:?}, failures: {failures:?}");
    assert!(failures.is_empty(), "{failures:?}");

    // The bundle has the shape model_signing writes for keyless: v0.3, a Fulcio leaf, one Rekor
    // dsse 0.0.1 entry with its inclusion promise and an inclusion proof with a checkpoint.
    let b: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.path().join("model.sig")).expect("model.sig")).expect("JSON");
    assert_eq!(b["mediaType"], "application/vnd.dev.sigstore.bundle.v0.3+json");
    let vm = &b["verificationMaterial"];
    assert!(vm["certificate"]["rawBytes"].is_string(), "{vm}");
    let entry = &vm["tlogEntries"][0];
    assert_eq!(entry["kindVersion"]["kind"], "dsse");
    assert_eq!(entry["kindVersion"]["version"], "0.0.1");
    assert!(entry["inclusionPromise"]["signedEntryTimestamp"].is_string(), "{entry}");
    assert!(entry["inclusionProof"]["checkpoint"]["envelope"].is_string(), "{entry}");
    assert_eq!(entry["inclusionProof"]["hashes"].as_array().map(Vec::len), Some(2), "leaf 3 of 4: a 2-hash path");
    assert_eq!(b["dsseEnvelope"]["payloadType"], "application/vnd.in-toto+json");

    let o = d.verify(work.path(), "model.sig", IDENTITY, ISSUER);
    assert_eq!(code(&o), 0, "our keyless signature does not verify with us: {}", text(&o));
    // Another identity or issuer: not trusted (exit 1), with the reason.
    let other = "https://github.com/evil/models/.github/workflows/train.yml@refs/heads/main";
    let o = d.verify(work.path(), "model.sig", other, ISSUER);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("identity mismatch"), "{}", text(&o));
    let o = d.verify(work.path(), "model.sig", IDENTITY, "https://gitlab.com");
    assert_eq!(code(&o), 1, "{}", text(&o));
    // The public-good trusted root does not know the test CA.
    let o = d.run(
        &["verify", "model", "--signature", "model.sig", "--keyless", "--identity", IDENTITY, "--issuer", ISSUER],
        work.path(),
        &[],
    );
    assert_eq!(code(&o), 1, "{}", text(&o));

    // The reference verifies it too, with a client trust config for the double.
    let tc = d.dir.path().join("client_trust_config.json");
    let o = Command::new(venv_bin("model_signing"))
        .args(["verify", "sigstore", "model", "--signature", "model.sig", "--identity", IDENTITY])
        .args(["--identity_provider", ISSUER, "--trust_config", tc.to_str().expect("utf-8")])
        .current_dir(work.path())
        .output()
        .expect("run model_signing");
    assert_eq!(code(&o), 0, "model_signing rejected our keyless signature: {}", text(&o));

    // A modified file fails (exit 1) after the signature checks out.
    std::fs::write(work.path().join("model/README.md"), "# changed\n").expect("write");
    let o = d.verify(work.path(), "model.sig", IDENTITY, ISSUER);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("modified: README.md"), "{}", text(&o));
}

#[test]
fn keyless_sign_with_identity_token_flag_or_gitlab_token_and_model_signing_keyless_verifies_with_us() {
    let d = Double::start();
    let work = tempfile::tempdir().expect("tempdir");
    make_model(work.path());
    let urls = [d.url(), d.url()];

    // --identity-token: no token endpoint involved.
    let token = d.token();
    let mut args = d.sign_args(&urls, "flag.sig");
    args.extend(["--identity-token", &token]);
    let o = d.run(&args, work.path(), &[]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(!text(&o).contains(&token), "the token must never be printed");
    assert_eq!(code(&d.verify(work.path(), "flag.sig", IDENTITY, ISSUER)), 0);

    // GitLab CI: the token is in SIGSTORE_ID_TOKEN (`id_tokens:` with aud sigstore).
    let o = d.run(
        &d.sign_args(&urls, "gitlab.sig"),
        work.path(),
        &[("GITLAB_CI", "true".into()), ("SIGSTORE_ID_TOKEN", token.clone())],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(code(&d.verify(work.path(), "gitlab.sig", IDENTITY, ISSUER)), 0);

    // The reference signs keyless against the same double; we verify its bundle.
    let tc = d.dir.path().join("client_trust_config.json");
    let o = Command::new(venv_bin("model_signing"))
        .args(["sign", "sigstore", "model", "--signature", "theirs.sig", "--identity_token", &token])
        .args(["--trust_config", tc.to_str().expect("utf-8")])
        .current_dir(work.path())
        .output()
        .expect("run model_signing");
    assert_eq!(code(&o), 0, "model_signing keyless sign against the double: {}", text(&o));
    let o = d.verify(work.path(), "theirs.sig", IDENTITY, ISSUER);
    assert_eq!(code(&o), 0, "model_signing's keyless signature does not verify with us: {}", text(&o));
    let (_, failures) = d.log();
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn keyless_sign_without_a_usable_token_or_service_is_exit_2_with_the_reason() {
    let d = Double::start();
    let work = tempfile::tempdir().expect("tempdir");
    make_model(work.path());
    let urls = [d.url(), d.url()];
    let sig = work.path().join("model.sig");

    // Not in CI, no --identity-token.
    let o = d.run(&d.sign_args(&urls, "model.sig"), work.path(), &[]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("no OIDC identity token"), "{}", text(&o));
    assert!(text(&o).contains("id-token: write"), "the hint names the GitHub permission: {}", text(&o));

    // A wrong ACTIONS_ID_TOKEN_REQUEST_TOKEN: the token endpoint refuses.
    let mut env = d.github_env();
    env[2].1 = "wrong".into();
    let o = d.run(&d.sign_args(&urls, "model.sig"), work.path(), &env);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("CI OIDC token"), "{}", text(&o));

    // Not a JWT.
    let o = d.run(&[d.sign_args(&urls, "model.sig"), vec!["--identity-token", "not-a-jwt"]].concat(), work.path(), &[]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("not a JWT"), "{}", text(&o));

    // A token Fulcio does not accept: its JWT signature is broken.
    let token = d.token();
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let first = if parts[2].starts_with('A') { "B" } else { "A" };
    parts[2].replace_range(0..1, first);
    let forged = parts.join(".");
    let o = d.run(&[d.sign_args(&urls, "model.sig"), vec!["--identity-token", &forged]].concat(), work.path(), &[]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("Fulcio"), "{}", text(&o));

    // Rekor unreachable (a closed port).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let urls2 = [d.url(), dead];
    let o = d.run(&[d.sign_args(&urls2, "model.sig"), vec!["--identity-token", &token]].concat(), work.path(), &[]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("Rekor"), "{}", text(&o));
    assert!(!sig.exists(), "no signature is written when signing fails");

    // Flags of other methods do not mix with --keyless.
    let o = d.run(&["sign", "model", "--keyless", "--key", "k.pem"], work.path(), &[]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    let o = d.run(&["sign", "model", "--identity-token", "x", "--key", "k.pem"], work.path(), &[]);
    assert_eq!(code(&o), 2, "--identity-token needs --keyless: {}", text(&o));
}

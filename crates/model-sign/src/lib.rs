//! `model-sign`: sign and verify model directories in the OpenSSF model signing (OMS v1.0) format,
//! byte-compatible with PyPI `model-signing` 1.x: a Sigstore bundle v0.3 holding a DSSE envelope
//! with an in-toto Statement v1 whose predicate lists per-file sha256 digests.
//!
//! Implemented: the key method (ECDSA P-256/P-384) and the certificate method for signing and
//! verifying, `files` and `shards` serialization with sha256, blake3 or blake2b, and keyless
//! signing (Fulcio + Rekor) and offline keyless verification (module `keyless`, feature
//! `keyless`). See `docs/model-sign.md` for what is not done.
#![deny(missing_docs)]

pub mod bundle;
pub mod cert;
#[cfg(feature = "keyless")]
pub mod keyless;
pub mod serialize;
mod sha256_mb;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mlsec_findings::{Category, Confidence, Finding, FindingsFile, Location, Rule, Run, Severity, fingerprint};
use serde::Serialize;
use x509_cert::der::Decode as _;

use crate::bundle::{Bundle, Material, Serialization, SigningKey, Statement, VerifyingKey, hex, pae};
use crate::serialize::{DEFAULT_IGNORES, HashAlg, Method, Resource, components};

/// Largest signature file read.
const MAX_BUNDLE: u64 = 64 << 20;

/// Why `model-sign` could not do its job (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An I/O error on a path.
    #[error("{0}: {1}")]
    Io(PathBuf, String),
    /// A symlink in the model while symlinks are not allowed.
    #[error("{0}: is a symlink; symlinks are not signed unless --allow-symlinks is given")]
    Symlink(PathBuf),
    /// A symlink pointing outside the model.
    #[error("{0}: symlink escapes the model directory (points to {1})")]
    SymlinkEscapes(PathBuf, PathBuf),
    /// Neither file nor directory.
    #[error("{0}: not a regular file or directory (special file, broken symlink or missing)")]
    NotFileOrDir(PathBuf),
    /// A file name that is not UTF-8.
    #[error("{0}: file name is not valid UTF-8; it cannot be named in the manifest")]
    NonUtf8(PathBuf),
    /// A key problem.
    #[error("key: {0}")]
    Key(String),
    /// A malformed signature bundle.
    #[error("signature bundle: {0}")]
    BadBundle(String),
    /// A manifest whose subject digest does not match its resources.
    #[error("signature bundle: {0}")]
    Inconsistent(String),
    /// A feature of the format this tool does not implement.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The wrong verification method for this signature.
    #[error("{0}")]
    Usage(String),
    /// Keyless signing failed (no OIDC token, Fulcio or Rekor refused or unreachable).
    #[error("keyless signing: {0}")]
    Keyless(String),
    /// A bug.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub(crate) fn io(p: &Path, e: std::io::Error) -> Error {
        Error::Io(p.to_path_buf(), e.to_string())
    }

    /// What to do next.
    pub fn hint(&self) -> &'static str {
        match self {
            Error::Io(..) => "check that the path exists and is readable",
            Error::Symlink(_) => "remove the symlink, or pass --allow-symlinks to sign the file it points to",
            Error::SymlinkEscapes(..) => "a model must be self-contained: copy the target into the model directory",
            Error::NotFileOrDir(_) => "remove special files (sockets, FIFOs, broken symlinks) from the model",
            Error::NonUtf8(_) => "rename the file to a UTF-8 name",
            Error::Key(_) => {
                "use an ECDSA P-256 or P-384 key in PEM (PKCS#8, or SEC1); for an encrypted key set the password variable"
            }
            Error::BadBundle(_) | Error::Inconsistent(_) => {
                "the signature file is corrupt or not a model signature; re-sign the model"
            }
            Error::Unsupported(_) => "re-sign with the default settings (files, sha256) or use `model_signing`",
            Error::Usage(_) => "see `model-sign verify --help`",
            Error::Keyless(_) => {
                "in GitHub Actions grant `permissions: id-token: write`; in GitLab CI add `id_tokens: SIGSTORE_ID_TOKEN: aud: sigstore`; else pass --identity-token; check --fulcio-url and --rekor-url"
            }
            Error::Internal(_) => "please report this bug",
        }
    }
}

/// Settings for `sign`.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// The model directory or file.
    pub model: PathBuf,
    /// Where to write the bundle.
    pub signature: PathBuf,
    /// The private key PEM (key and certificate methods; `None` with `keyless`).
    pub key: Option<PathBuf>,
    /// Keyless method (Fulcio + Rekor); excludes `key`.
    #[cfg(feature = "keyless")]
    pub keyless: Option<keyless::SignConfig>,
    /// Certificate method: the signing certificate (PEM) matching `key`.
    pub certificate: Option<PathBuf>,
    /// Certificate method: intermediate/CA certificates put in the bundle after the leaf.
    pub certificate_chain: Vec<PathBuf>,
    /// The password for an encrypted key.
    pub password: Option<String>,
    /// Extra paths to ignore (relative to the working directory, as the reference CLI resolves them).
    pub ignore_paths: Vec<PathBuf>,
    /// Do not ignore `.git`, `.gitattributes`, `.github`, `.gitignore`.
    pub include_git_paths: bool,
    /// Follow symlinks to files inside the model.
    pub allow_symlinks: bool,
    /// `files` or `shards`.
    pub method: Method,
    /// The per-file digest.
    pub hash: HashAlg,
    /// Hashing threads.
    pub threads: usize,
}

/// What `sign` did.
#[derive(Debug, Clone, Serialize)]
pub struct SignOutcome {
    /// The subject name.
    pub subject: String,
    /// The subject sha256 (hex).
    pub subject_digest: String,
    /// Number of resources signed.
    pub resources: usize,
    /// The signer.
    pub signer: Signer,
    /// Where the bundle was written.
    pub signature: String,
}

/// The signer identity as far as the bundle tells it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Signer {
    /// `key`, `certificate` or `keyless`.
    pub method: String,
    /// The curve.
    pub curve: String,
    /// sha256 of the public key PEM (`publicKey.hint`).
    pub key_hint: String,
    /// Certificate method: the leaf's subject and subject alternative names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Keyless method: the OIDC issuer in the Fulcio certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Keyless method: the Rekor integrated time (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
}

/// Resolves user ignore paths like the reference CLI: relative to the working directory, kept only
/// when inside the model; returned relative to the model.
fn resolve_ignores(model: &Path, paths: &[PathBuf]) -> Result<Vec<String>, Error> {
    let root = std::fs::canonicalize(model).map_err(|e| Error::io(model, e))?;
    let cwd = std::env::current_dir().map_err(|e| Error::io(Path::new("."), e))?;
    let mut out = Vec::new();
    for p in paths {
        let abs = if p.is_absolute() { p.clone() } else { cwd.join(p) };
        // The path may not exist (a signature about to be written): canonicalize its parent.
        let resolved = match std::fs::canonicalize(&abs) {
            Ok(r) => r,
            Err(_) => match (abs.parent().and_then(|d| std::fs::canonicalize(d).ok()), abs.file_name()) {
                (Some(d), Some(n)) => d.join(n),
                _ => continue,
            },
        };
        if let Ok(rel) = resolved.strip_prefix(&root) {
            let s = rel.to_string_lossy().replace('\\', "/");
            if !s.is_empty() {
                out.push(s);
            }
        }
    }
    Ok(out)
}

fn model_name(model: &Path) -> String {
    match model.file_name().and_then(|n| n.to_str()) {
        Some(n) if n != ".." => n.to_owned(),
        _ => std::fs::canonicalize(model)
            .ok()
            .and_then(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned))
            .unwrap_or_default(),
    }
}

pub(crate) fn read_limited(path: &Path, what: &str) -> Result<Vec<u8>, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::Io(path.to_path_buf(), format!("{what}: {e}")))?;
    if meta.len() > MAX_BUNDLE {
        return Err(Error::Io(path.to_path_buf(), format!("{what} is larger than {MAX_BUNDLE} bytes")));
    }
    std::fs::read(path).map_err(|e| Error::Io(path.to_path_buf(), format!("{what}: {e}")))
}

/// Signs `opts.model` with a private key and writes the bundle atomically.
pub fn sign(opts: &SignOptions) -> Result<SignOutcome, Error> {
    // Load the key first: a bad key or password fails before hashing gigabytes.
    let key = match &opts.key {
        Some(path) => {
            let pem = String::from_utf8(read_limited(path, "private key")?)
                .map_err(|_| Error::Key(format!("{}: not a PEM file", path.display())))?;
            Some(SigningKey::from_pem(&pem, opts.password.as_deref())?)
        }
        None => None,
    };
    let mut ignore_paths: Vec<String> =
        if opts.include_git_paths { Vec::new() } else { DEFAULT_IGNORES.iter().map(|s| (*s).to_owned()).collect() };
    let mut user = opts.ignore_paths.clone();
    user.push(opts.signature.clone());
    let is_dir = std::fs::metadata(&opts.model).map_err(|e| Error::io(&opts.model, e))?.is_dir();
    if is_dir {
        for p in resolve_ignores(&opts.model, &user)? {
            if !ignore_paths.contains(&p) {
                ignore_paths.push(p);
            }
        }
    } else {
        // A single-file model ignores nothing (as the reference).
        ignore_paths.clear();
    }
    let ignores: Vec<Vec<String>> = ignore_paths.iter().map(|p| components(p)).collect();
    let files = serialize::enumerate(&opts.model, &ignores, opts.allow_symlinks)?;
    let resources = serialize::hash(&opts.model, files, opts.method, opts.hash, opts.threads)?;
    let root = serialize::root_digest(&resources);
    let statement = Statement {
        name: model_name(&opts.model),
        root: root.clone(),
        resources,
        serialization: Serialization {
            method: opts.method,
            hash_type: opts.hash.name().into(),
            allow_symlinks: opts.allow_symlinks,
            ignore_paths,
        },
    };
    let payload = statement.to_payload();
    let outcome = |signer: Signer| SignOutcome {
        subject: statement.name.clone(),
        subject_digest: hex(&root),
        resources: statement.resources.len(),
        signer,
        signature: opts.signature.display().to_string(),
    };
    let Some(key) = key else {
        #[cfg(feature = "keyless")]
        if let Some(cfg) = &opts.keyless {
            let signed = keyless::sign(&payload, cfg)?;
            mlsec_findings::sarif::write_atomic(&opts.signature, signed.bundle_json.as_bytes())
                .map_err(|e| Error::Io(opts.signature.clone(), e.to_string()))?;
            return Ok(outcome(Signer {
                method: "keyless".into(),
                curve: "P-256".into(),
                identity: Some(signed.who.identity),
                issuer: Some(signed.who.issuer),
                signed_at: signed.who.signed_at,
                ..Signer::default()
            }));
        }
        return Err(Error::Usage("sign needs --key PRIVATE.pem or --keyless".into()));
    };
    let sig = key.sign(&pae(&payload));
    let vk = key.verifying_key();
    let mut identity = None;
    let json = match &opts.certificate {
        None => bundle::key_bundle(&payload, &sig, &vk.hint()),
        Some(leaf_path) => {
            let leaf =
                cert::load_pem_chain(&read_limited(leaf_path, "certificate")?, &leaf_path.display().to_string())?;
            let leaf = &leaf[0];
            if cert::public_key(leaf)?.to_spki_der() != vk.to_spki_der() {
                return Err(Error::Key(format!(
                    "{}: the certificate's public key does not match the private key",
                    leaf_path.display()
                )));
            }
            identity = Some(cert::identity(leaf));
            let mut chain = vec![cert::to_der(leaf)?];
            for p in &opts.certificate_chain {
                for c in cert::load_pem_chain(&read_limited(p, "certificate chain")?, &p.display().to_string())? {
                    chain.push(cert::to_der(&c)?);
                }
            }
            bundle::cert_bundle(&payload, &sig, &chain)
        }
    };
    mlsec_findings::sarif::write_atomic(&opts.signature, json.as_bytes())
        .map_err(|e| Error::Io(opts.signature.clone(), e.to_string()))?;
    Ok(outcome(Signer {
        method: if identity.is_some() { "certificate" } else { "key" }.into(),
        curve: vk.curve().into(),
        key_hint: vk.hint(),
        identity,
        ..Signer::default()
    }))
}

/// Settings for `verify`.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The model directory or file.
    pub model: PathBuf,
    /// The bundle.
    pub signature: PathBuf,
    /// Key method: the public key PEM.
    pub key: Option<PathBuf>,
    /// Certificate method: trusted CA certificates (PEM).
    pub certificate_chain: Vec<PathBuf>,
    /// Extra paths to ignore.
    pub ignore_paths: Vec<PathBuf>,
    /// Only hash the files the signature lists (extra files are not reported).
    pub ignore_unsigned_files: bool,
    /// Keyless method: the identity, issuer and trusted root to verify against.
    pub keyless: Option<KeylessPolicy>,
    /// Hashing threads.
    pub threads: usize,
}

/// What a keyless signature must prove.
#[derive(Debug, Clone)]
pub struct KeylessPolicy {
    /// The expected certificate identity (the SAN: an e-mail, or a workflow URI).
    pub identity: String,
    /// The expected OIDC issuer (Fulcio extension 1.3.6.1.4.1.57264.1.8, or .1.1).
    pub issuer: String,
    /// A `trusted_root.json`; `None` uses the Sigstore public-good snapshot compiled in.
    pub trust_root: Option<PathBuf>,
}

/// The state of one resource after verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Digest matches.
    Ok,
    /// Digest differs.
    Modified,
    /// Listed in the signature, absent from the model.
    Missing,
    /// In the model, not in the signature.
    Extra,
}

/// One resource's verification result.
#[derive(Debug, Clone, Serialize)]
pub struct FileResult {
    /// The resource identifier.
    pub name: String,
    /// Its status.
    pub status: FileStatus,
    /// The signed digest (hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The digest computed now (hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
}

/// The verification report.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// True when the signature is valid and every file matches.
    pub verified: bool,
    /// The model path.
    pub model: String,
    /// The signature path.
    pub signature: String,
    /// Whether the DSSE signature checked out with the given key.
    pub signature_valid: bool,
    /// Why verification failed, when it did at the signature level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The signer.
    pub signer: Signer,
    /// The subject name (when the signature was valid).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The subject sha256 (hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_digest: Option<String>,
    /// The serialization method signed (`files`, `shards`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Per-resource results, in manifest order, extras last.
    pub files: Vec<FileResult>,
}

impl VerifyReport {
    /// Counts of modified, missing and extra resources.
    pub fn counts(&self) -> (usize, usize, usize) {
        let c = |s| self.files.iter().filter(|f| f.status == s).count();
        (c(FileStatus::Modified), c(FileStatus::Missing), c(FileStatus::Extra))
    }
}

/// For an error that means "this signature is malformed" (a corrupt or truncated bundle, an
/// inconsistent manifest), the report to write as SARIF: not verified, the error as its problem.
/// Other errors (a missing model, a bad key file, usage) are not findings about the model.
pub fn malformed_report(opts: &VerifyOptions, e: &Error) -> Option<VerifyReport> {
    match e {
        Error::BadBundle(_) | Error::Inconsistent(_) => Some(VerifyReport {
            verified: false,
            model: opts.model.display().to_string(),
            signature: opts.signature.display().to_string(),
            signature_valid: false,
            problem: Some(e.to_string()),
            signer: Signer::default(),
            subject: None,
            subject_digest: None,
            method: None,
            files: Vec::new(),
        }),
        _ => None,
    }
}

/// Verifies `opts.model` against the bundle with a public key. `Err` means the tool could not do
/// its job (exit 2); a report with `verified == false` is a verification failure (exit 1).
pub fn verify(opts: &VerifyOptions) -> Result<VerifyReport, Error> {
    let raw = read_limited(&opts.signature, "signature")?;
    let b = Bundle::parse(&raw).map_err(|e| match e {
        Error::BadBundle(m) => Error::BadBundle(format!("{}: {m}", opts.signature.display())),
        other => other,
    })?;
    let mut report = VerifyReport {
        verified: false,
        model: opts.model.display().to_string(),
        signature: opts.signature.display().to_string(),
        signature_valid: false,
        problem: None,
        signer: Signer::default(),
        subject: None,
        subject_digest: None,
        method: None,
        files: Vec::new(),
    };
    if let Some(policy) = &opts.keyless {
        if b.tlog_entries == 0 || !matches!(b.material, Material::Certificates(_)) {
            return Err(Error::Usage(
                "--keyless: this signature has no Fulcio certificate and Rekor entry; verify it with --key or --certificate-chain".into(),
            ));
        }
        return verify_keyless(opts, policy, &raw, &b, report);
    }
    if b.tlog_entries > 0 {
        return Err(Error::Usage(
            "this is a keyless Sigstore signature (Fulcio certificate + Rekor entry): verify it with --keyless --identity ID --issuer URL".into(),
        ));
    }
    let key = match (&opts.key, &b.material) {
        (Some(key_path), Material::PublicKey(hint)) => {
            let pem = String::from_utf8(read_limited(key_path, "public key")?)
                .map_err(|_| Error::Key(format!("{}: not a PEM file", key_path.display())))?;
            let key = VerifyingKey::from_pem(&pem).map_err(|e| match e {
                Error::Key(m) => Error::Key(format!("{}: {m}", key_path.display())),
                other => other,
            })?;
            report.signer =
                Signer { method: "key".into(), curve: key.curve().into(), key_hint: key.hint(), ..Signer::default() };
            if !hint.is_empty() && *hint != key.hint() {
                report.problem = Some(format!(
                    "key mismatch: the signature names public key {hint} (sha256 of its PEM), the given key is {}",
                    key.hint()
                ));
                return Ok(report);
            }
            key
        }
        (None, Material::Certificates(chain)) if !opts.certificate_chain.is_empty() => {
            let mut trusted = Vec::new();
            for p in &opts.certificate_chain {
                trusted.extend(cert::load_pem_chain(&read_limited(p, "CA certificates")?, &p.display().to_string())?);
            }
            if let Ok(leaf) = x509_cert::Certificate::from_der(&chain[0]) {
                report.signer.identity = Some(cert::identity(&leaf));
            }
            match cert::verify_chain(chain, &trusted)? {
                Ok(key) => {
                    report.signer.method = "certificate".into();
                    report.signer.curve = key.curve().into();
                    report.signer.key_hint = key.hint();
                    key
                }
                Err(reason) => {
                    report.signer.method = "certificate".into();
                    report.problem = Some(format!("certificate chain not trusted: {reason}"));
                    return Ok(report);
                }
            }
        }
        (Some(_), Material::Certificates(_)) => {
            return Err(Error::Usage(
                "this signature was made with the certificate method: verify it with --certificate-chain CA.pem".into(),
            ));
        }
        (None, Material::PublicKey(_)) => {
            return Err(Error::Usage("this signature was made with a key: verify it with --key PUBLIC.pem".into()));
        }
        (None, Material::Certificates(_)) => {
            return Err(Error::Usage("give --key PUBLIC.pem or --certificate-chain CA.pem".into()));
        }
    };
    if b.payload_type != bundle::PAYLOAD_TYPE {
        return Err(Error::BadBundle(format!("DSSE payloadType {:?} is not {}", b.payload_type, bundle::PAYLOAD_TYPE)));
    }
    if !key.verify(&pae(&b.payload), &b.sig) {
        report.problem = Some(
            "DSSE signature is invalid for this key: the signed manifest was altered or signed by another key".into(),
        );
        return Ok(report);
    }
    report.signature_valid = true;
    check_files(opts, &b.payload, report)
}

/// Keyless: the Sigstore checks (through `keyless::verify`), then the same file checks.
#[cfg(feature = "keyless")]
fn verify_keyless(
    opts: &VerifyOptions,
    policy: &KeylessPolicy,
    raw: &[u8],
    b: &Bundle,
    mut report: VerifyReport,
) -> Result<VerifyReport, Error> {
    report.signer.method = "keyless".into();
    if b.payload_type != bundle::PAYLOAD_TYPE {
        return Err(Error::BadBundle(format!("DSSE payloadType {:?} is not {}", b.payload_type, bundle::PAYLOAD_TYPE)));
    }
    // The subject digest the signature must bind; `check_files` then proves that it is the digest
    // of the listed resources and that the files match them.
    let subject = match Statement::from_payload(&b.payload) {
        Ok(st) => st.root,
        Err(Error::Inconsistent(m)) => {
            report.problem = Some(m);
            return Ok(report);
        }
        Err(e) => return Err(e),
    };
    match keyless::verify(raw, &subject, policy)? {
        Ok(v) => {
            report.signer.identity = Some(v.identity);
            report.signer.issuer = Some(v.issuer);
            report.signer.signed_at = v.signed_at;
        }
        Err(reason) => {
            report.problem = Some(format!("keyless signature not trusted: {reason}"));
            return Ok(report);
        }
    }
    report.signature_valid = true;
    check_files(opts, &b.payload, report)
}

#[cfg(not(feature = "keyless"))]
fn verify_keyless(
    _: &VerifyOptions,
    _: &KeylessPolicy,
    _: &[u8],
    _: &Bundle,
    _: VerifyReport,
) -> Result<VerifyReport, Error> {
    Err(Error::Unsupported("keyless verification: this build has no `keyless` feature".into()))
}

/// Checks the statement's manifest against the model's files (the signature is already trusted).
fn check_files(opts: &VerifyOptions, payload: &[u8], mut report: VerifyReport) -> Result<VerifyReport, Error> {
    let st = match Statement::from_payload(payload) {
        Ok(st) => st,
        Err(Error::Inconsistent(m)) => {
            report.problem = Some(m);
            return Ok(report);
        }
        Err(e) => return Err(e),
    };
    report.subject = Some(st.name.clone());
    report.subject_digest = Some(hex(&st.root));
    report.method = Some(match st.serialization.method {
        Method::Files => "files".into(),
        Method::Shards(n) => format!("shards({n})"),
    });
    let Some(alg) = HashAlg::from_name(&st.serialization.hash_type) else {
        return Err(Error::Unsupported(format!(
            "hash algorithm `{}` (this tool computes sha256 and blake3)",
            st.serialization.hash_type
        )));
    };
    let is_dir = std::fs::metadata(&opts.model).map_err(|e| Error::io(&opts.model, e))?.is_dir();
    let mut ignore_paths: Vec<String> = DEFAULT_IGNORES.iter().map(|s| (*s).to_owned()).collect();
    ignore_paths.extend(st.serialization.ignore_paths.iter().cloned());
    if is_dir {
        let mut user = opts.ignore_paths.clone();
        user.push(opts.signature.clone());
        ignore_paths.extend(resolve_ignores(&opts.model, &user)?);
    } else {
        ignore_paths.clear();
    }
    let ignores: Vec<Vec<String>> = ignore_paths.iter().map(|p| components(p)).collect();
    let mut files = serialize::enumerate(&opts.model, &ignores, st.serialization.allow_symlinks)?;
    if opts.ignore_unsigned_files {
        let listed: std::collections::HashSet<Vec<String>> =
            st.resources.iter().map(|r| components(resource_file(&r.name, st.serialization.method))).collect();
        files.retain(|f| listed.contains(f));
    }
    let actual = serialize::hash(&opts.model, files, st.serialization.method, alg, opts.threads)?;
    report.files = compare(&st.resources, &actual);
    report.verified = report.files.iter().all(|f| f.status == FileStatus::Ok);
    Ok(report)
}

/// The file a resource identifier names (`path` or `path:start:end`).
fn resource_file(name: &str, method: Method) -> &str {
    match method {
        Method::Files => name,
        Method::Shards(_) => {
            let mut it = name.rsplitn(3, ':');
            let (_, _, p) = (it.next(), it.next(), it.next());
            p.unwrap_or(name)
        }
    }
}

fn compare(expected: &[Resource], actual: &[Resource]) -> Vec<FileResult> {
    let act: BTreeMap<&str, &[u8]> = actual.iter().map(|r| (r.name.as_str(), r.digest.as_slice())).collect();
    let exp: BTreeMap<&str, &[u8]> = expected.iter().map(|r| (r.name.as_str(), r.digest.as_slice())).collect();
    let mut out = Vec::new();
    for r in expected {
        let e = Some(hex(&r.digest));
        out.push(match act.get(r.name.as_str()) {
            Some(a) if *a == r.digest.as_slice() => {
                FileResult { name: r.name.clone(), status: FileStatus::Ok, expected: e, actual: Some(hex(a)) }
            }
            Some(a) => {
                FileResult { name: r.name.clone(), status: FileStatus::Modified, expected: e, actual: Some(hex(a)) }
            }
            None => FileResult { name: r.name.clone(), status: FileStatus::Missing, expected: e, actual: None },
        });
    }
    for r in actual {
        if !exp.contains_key(r.name.as_str()) {
            out.push(FileResult {
                name: r.name.clone(),
                status: FileStatus::Extra,
                expected: None,
                actual: Some(hex(&r.digest)),
            });
        }
    }
    out
}

/// Where a model path given on the command line is, for a finding (repo-relative when it can be).
fn location(path: &str) -> Location {
    Location::local_file(path, "model-file")
}

/// The SARIF run for a verification: one finding per problem, in the provenance category.
pub fn findings(report: &VerifyReport, version: &str) -> FindingsFile {
    let target = mlsec_findings::model::normalise_path(&report.model);
    let mut run = Run::new("model-sign", version, &target);
    let help_uri = format!("{}/blob/main/docs/model-sign.md", mlsec_findings::PROJECT_URL);
    let rules = [
        (
            "signature-invalid",
            "The model signature does not verify",
            "The signature bundle does not verify with the given key, or its manifest is inconsistent. Do not deploy this model: re-sign it in the training pipeline or find out who changed the signature.",
        ),
        (
            "signature-mismatch",
            "A model file differs from its signed digest",
            "A file changed after signing. Do not deploy: re-sign in the training pipeline or find out who changed it.",
        ),
        (
            "file-missing",
            "A signed model file is missing",
            "A file listed in the signature is not in the model. Restore it, or re-sign if its removal was intended.",
        ),
        (
            "file-extra",
            "A model file is not covered by the signature",
            "A file in the model is not listed in the signature. Remove it, re-sign, or ignore it with --ignore-paths if it is not part of the model.",
        ),
    ];
    for (id, short, md) in rules {
        let mut r = Rule::new(id, Category::Provenance, short);
        r.help_uri = Some(format!("{help_uri}#{id}"));
        r.help_markdown = Some(md.to_owned());
        run.rules.push(r);
    }
    let digest = format!("sha256:{}", report.subject_digest.as_deref().unwrap_or("unknown"));
    let mut push = |id: &str, sev: Severity, msg: String, path: String, group: &str| {
        let mut f = Finding::new(id, Category::Provenance, sev, msg);
        f.confidence = Confidence::High;
        f.locations.push(location(&path));
        f.fingerprints.insert(fingerprint::MODEL_V1.into(), fingerprint::model(id, &digest, group));
        run.findings.push(f);
    };
    if let Some(p) = &report.problem {
        push(
            "signature-invalid",
            Severity::Critical,
            format!("{}: {p}", report.signature),
            report.signature.clone(),
            "",
        );
    }
    for f in &report.files {
        let path = if f.name == "." { report.model.clone() } else { format!("{}/{}", report.model, f.name) };
        let (id, sev, msg) = match f.status {
            FileStatus::Ok => continue,
            FileStatus::Modified => (
                "signature-mismatch",
                Severity::Critical,
                format!(
                    "{}: sha256 {} differs from the signed {}",
                    f.name,
                    f.actual.as_deref().unwrap_or(""),
                    f.expected.as_deref().unwrap_or("")
                ),
            ),
            FileStatus::Missing => {
                ("file-missing", Severity::High, format!("{}: signed but missing from the model", f.name))
            }
            FileStatus::Extra => {
                ("file-extra", Severity::High, format!("{}: in the model but not in the signature", f.name))
            }
        };
        push(id, sev, msg, path, &f.name);
    }
    FindingsFile { runs: vec![run] }
}

#[cfg(test)]
mod location_tests {
    use super::location;

    #[test]
    fn paths_outside_the_working_directory_are_artifacts_not_repo_paths() {
        let inside = location("models/a.safetensors");
        assert!(inside.is_repo_file());
        assert_eq!(inside.uri, "models/a.safetensors");
        let outside = location("../elsewhere/model/w.bin");
        assert!(!outside.is_repo_file(), "{outside:?}");
        assert!(outside.uri.starts_with("file:///") && !outside.uri.contains(".."), "{}", outside.uri);
        assert!(outside.uri.ends_with("/elsewhere/model/w.bin"), "{}", outside.uri);
    }
}

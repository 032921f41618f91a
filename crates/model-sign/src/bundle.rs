//! The in-toto Statement v1 (OMS v1.0 predicate), DSSE envelope + PAE, the Sigstore bundle v0.3
//! JSON, and ECDSA keys (P-256 + SHA-256, P-384 + SHA-384) on RustCrypto.
//!
//! The Sigstore crates cannot sign or verify key-based bundles (they reject bundles without a
//! transparency-log entry), so this layer is our own code, kept byte-compatible with `model_signing`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::Error;
use crate::serialize::{Method, Resource};

/// The in-toto payload type signed in the DSSE envelope.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The OMS v1.0 predicate type.
pub const PREDICATE_TYPE: &str = "https://model_signing/signature/v1.0";
/// The Sigstore bundle media type written.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// DSSE v1 pre-authentication encoding.
pub fn pae(payload: &[u8]) -> Vec<u8> {
    let mut v = format!("DSSEv1 {} {} {} ", PAYLOAD_TYPE.len(), PAYLOAD_TYPE, payload.len()).into_bytes();
    v.extend_from_slice(payload);
    v
}

/// The serialization settings recorded in the predicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serialization {
    /// files or shards(size).
    pub method: Method,
    /// `sha256` (the only hash this tool computes).
    pub hash_type: String,
    /// Whether symlinks were followed.
    pub allow_symlinks: bool,
    /// Ignored paths relative to the model.
    pub ignore_paths: Vec<String>,
}

/// A parsed OMS statement.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The subject name (the model directory's name).
    pub name: String,
    /// The subject sha256 digest.
    pub root: Vec<u8>,
    /// Resources as signed.
    pub resources: Vec<Resource>,
    /// Serialization settings as signed.
    pub serialization: Serialization,
}

#[derive(Serialize)]
struct JStatement<'a> {
    #[serde(rename = "_type")]
    ty: &'a str,
    subject: [JSubject<'a>; 1],
    #[serde(rename = "predicateType")]
    predicate_type: &'a str,
    predicate: JPredicate<'a>,
}
#[derive(Serialize)]
struct JSubject<'a> {
    name: &'a str,
    digest: JDigest,
}
#[derive(Serialize)]
struct JDigest {
    sha256: String,
}
#[derive(Serialize)]
struct JPredicate<'a> {
    resources: Vec<JResource<'a>>,
    serialization: JSer<'a>,
}
#[derive(Serialize)]
struct JResource<'a> {
    name: &'a str,
    algorithm: &'a str,
    digest: String,
}
#[derive(Serialize)]
struct JSer<'a> {
    method: &'a str,
    hash_type: &'a str,
    allow_symlinks: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    shard_size: Option<u64>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    ignore_paths: &'a [String],
}

impl Statement {
    /// The payload bytes as the reference writes them (protobuf `MessageToJson`: 2-space indent,
    /// non-ASCII escaped as `\uXXXX`).
    pub fn to_payload(&self) -> Vec<u8> {
        let algorithm = match self.serialization.method {
            Method::Files => self.serialization.hash_type.clone(),
            Method::Shards(n) => format!("{}-sharded-{n}", self.serialization.hash_type),
        };
        let js = JStatement {
            ty: STATEMENT_TYPE,
            subject: [JSubject { name: &self.name, digest: JDigest { sha256: hex(&self.root) } }],
            predicate_type: PREDICATE_TYPE,
            predicate: JPredicate {
                resources: self
                    .resources
                    .iter()
                    .map(|r| JResource { name: &r.name, algorithm: &algorithm, digest: hex(&r.digest) })
                    .collect(),
                serialization: JSer {
                    method: match self.serialization.method {
                        Method::Files => "files",
                        Method::Shards(_) => "shards",
                    },
                    hash_type: &self.serialization.hash_type,
                    allow_symlinks: self.serialization.allow_symlinks,
                    shard_size: match self.serialization.method {
                        Method::Files => None,
                        Method::Shards(n) => Some(n),
                    },
                    ignore_paths: &self.serialization.ignore_paths,
                },
            },
        };
        let pretty = serde_json::to_string_pretty(&js).unwrap_or_default();
        ascii_escape(&pretty).into_bytes()
    }

    /// Parses and checks a payload: statement type, predicate type, subject digest consistent
    /// with the resources.
    pub fn from_payload(payload: &[u8]) -> Result<Statement, Error> {
        let bad = |m: &str| Error::BadBundle(format!("DSSE payload: {m}"));
        let v: Value = serde_json::from_slice(payload).map_err(|e| bad(&format!("not JSON ({e})")))?;
        if v["_type"] != STATEMENT_TYPE {
            return Err(bad("`_type` is not an in-toto Statement v1"));
        }
        if v["predicateType"] != PREDICATE_TYPE {
            return Err(bad(&format!("predicateType {} is not {PREDICATE_TYPE}", v["predicateType"])));
        }
        let subj = v["subject"].as_array().and_then(|a| a.first()).ok_or_else(|| bad("no subject"))?;
        let name = subj["name"].as_str().unwrap_or_default().to_owned();
        let root = subj["digest"]["sha256"].as_str().and_then(unhex).ok_or_else(|| bad("subject has no sha256"))?;
        let pred = &v["predicate"];
        let ser = &pred["serialization"];
        let hash_type = ser["hash_type"].as_str().ok_or_else(|| bad("serialization.hash_type missing"))?.to_owned();
        let method = match ser["method"].as_str() {
            Some("files") => Method::Files,
            Some("shards") => {
                let n = ser["shard_size"].as_f64().ok_or_else(|| bad("shard_size missing"))?;
                if !(n >= 1.0 && n.fract() == 0.0 && n < 9.0e15) {
                    return Err(bad("shard_size is not a positive integer"));
                }
                // Checked above: a positive integer below 2^53, exactly representable.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                Method::Shards(n as u64)
            }
            other => return Err(bad(&format!("unsupported serialization method {other:?}"))),
        };
        let allow_symlinks = ser["allow_symlinks"].as_bool().unwrap_or(false);
        let ignore_paths = ser["ignore_paths"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        let mut resources = Vec::new();
        for r in pred["resources"].as_array().ok_or_else(|| bad("predicate.resources missing"))? {
            let name = r["name"].as_str().ok_or_else(|| bad("resource without name"))?.to_owned();
            let digest = r["digest"].as_str().and_then(unhex).ok_or_else(|| bad("resource digest is not hex"))?;
            resources.push(Resource { name, digest });
        }
        if crate::serialize::root_digest(&resources) != root {
            return Err(Error::Inconsistent(
                "the subject digest does not match the listed resources (the manifest was altered)".into(),
            ));
        }
        Ok(Statement {
            name,
            root,
            resources,
            serialization: Serialization { method, hash_type, allow_symlinks, ignore_paths },
        })
    }
}

/// Python's `json.dumps(ensure_ascii=True)` escaping applied to serde_json output: non-ASCII and
/// DEL become `\uXXXX` (UTF-16 surrogate pairs above the BMP). Outside strings all is ASCII.
fn ascii_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() && c != '\u{7f}' {
            out.push(c);
        } else {
            let mut b = [0u16; 2];
            for u in c.encode_utf16(&mut b) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

/// A private key for signing.
#[derive(Debug)]
pub enum SigningKey {
    /// NIST P-256, signs with SHA-256.
    P256(p256::ecdsa::SigningKey),
    /// NIST P-384, signs with SHA-384.
    P384(p384::ecdsa::SigningKey),
}

/// A public key for verification.
#[derive(Debug, Clone)]
pub enum VerifyingKey {
    /// NIST P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// NIST P-384.
    P384(p384::ecdsa::VerifyingKey),
}

impl SigningKey {
    /// Loads a PEM private key: PKCS#8 (`PRIVATE KEY`), encrypted PKCS#8 (`ENCRYPTED PRIVATE KEY`,
    /// needs `password`) or SEC1 (`EC PRIVATE KEY`).
    pub fn from_pem(pem: &str, password: Option<&str>) -> Result<SigningKey, Error> {
        use p256::pkcs8::DecodePrivateKey;
        let (label, doc) =
            pkcs8::SecretDocument::from_pem(pem).map_err(|e| Error::Key(format!("not a PEM key ({e})")))?;
        let der = match label {
            "PRIVATE KEY" => doc,
            "ENCRYPTED PRIVATE KEY" => {
                let pw = password.ok_or_else(|| Error::Key("the key is encrypted and no password was given".into()))?;
                let enc = pkcs8::EncryptedPrivateKeyInfo::try_from(doc.as_bytes())
                    .map_err(|e| Error::Key(format!("bad encrypted key ({e})")))?;
                enc.decrypt(pw).map_err(|_| Error::Key("could not decrypt the key (wrong password?)".into()))?
            }
            "EC PRIVATE KEY" => {
                if let Ok(k) = p256::SecretKey::from_sec1_der(doc.as_bytes()) {
                    return Ok(SigningKey::P256(k.into()));
                }
                if let Ok(k) = p384::SecretKey::from_sec1_der(doc.as_bytes()) {
                    return Ok(SigningKey::P384(k.into()));
                }
                return Err(Error::Key("unsupported EC key: only P-256 and P-384".into()));
            }
            other => return Err(Error::Key(format!("unsupported PEM label `{other}`"))),
        };
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(der.as_bytes()) {
            return Ok(SigningKey::P256(k));
        }
        if let Ok(k) = p384::ecdsa::SigningKey::from_pkcs8_der(der.as_bytes()) {
            return Ok(SigningKey::P384(k));
        }
        Err(Error::Key("unsupported private key: only ECDSA P-256 and P-384".into()))
    }

    /// The matching public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        match self {
            SigningKey::P256(k) => VerifyingKey::P256(*k.verifying_key()),
            SigningKey::P384(k) => VerifyingKey::P384(*k.verifying_key()),
        }
    }

    /// ECDSA signature (DER) over `msg` (deterministic, RFC 6979).
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        use p256::ecdsa::signature::Signer;
        match self {
            SigningKey::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
            SigningKey::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
        }
    }
}

impl VerifyingKey {
    /// Loads a PEM `PUBLIC KEY` (SPKI).
    pub fn from_pem(pem: &str) -> Result<VerifyingKey, Error> {
        use p256::pkcs8::DecodePublicKey;
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_pem(pem) {
            return Ok(VerifyingKey::P256(k));
        }
        if let Ok(k) = p384::ecdsa::VerifyingKey::from_public_key_pem(pem) {
            return Ok(VerifyingKey::P384(k));
        }
        Err(Error::Key("not an ECDSA P-256 or P-384 public key in PEM (SubjectPublicKeyInfo)".into()))
    }

    /// Loads a key from SPKI DER.
    pub fn from_spki_der(der: &[u8]) -> Result<VerifyingKey, Error> {
        use p256::pkcs8::DecodePublicKey;
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_der(der) {
            return Ok(VerifyingKey::P256(k));
        }
        if let Ok(k) = p384::ecdsa::VerifyingKey::from_public_key_der(der) {
            return Ok(VerifyingKey::P384(k));
        }
        Err(Error::Key("certificate key is not ECDSA P-256 or P-384".into()))
    }

    /// The canonical SPKI PEM (LF line endings), as Python's `cryptography` writes it.
    pub fn to_pem(&self) -> String {
        use p256::pkcs8::EncodePublicKey;
        let r = match self {
            VerifyingKey::P256(k) => k.to_public_key_pem(pkcs8::LineEnding::LF),
            VerifyingKey::P384(k) => k.to_public_key_pem(pkcs8::LineEnding::LF),
        };
        r.unwrap_or_default()
    }

    /// The bundle's `publicKey.hint`: sha256 of the PEM text, hex.
    pub fn hint(&self) -> String {
        hex(&Sha256::digest(self.to_pem().as_bytes()))
    }

    /// The curve's name.
    pub fn curve(&self) -> &'static str {
        match self {
            VerifyingKey::P256(_) => "P-256",
            VerifyingKey::P384(_) => "P-384",
        }
    }

    /// Checks an ECDSA DER signature over a message digest of any length (certificates).
    pub fn verify_prehash(&self, prehash: &[u8], sig_der: &[u8]) -> bool {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        match self {
            VerifyingKey::P256(k) => {
                p256::ecdsa::Signature::from_der(sig_der).is_ok_and(|s| k.verify_prehash(prehash, &s).is_ok())
            }
            VerifyingKey::P384(k) => {
                p384::ecdsa::Signature::from_der(sig_der).is_ok_and(|s| k.verify_prehash(prehash, &s).is_ok())
            }
        }
    }

    /// The SPKI DER.
    pub fn to_spki_der(&self) -> Vec<u8> {
        use p256::pkcs8::EncodePublicKey;
        let r = match self {
            VerifyingKey::P256(k) => k.to_public_key_der(),
            VerifyingKey::P384(k) => k.to_public_key_der(),
        };
        r.map(|d| d.as_bytes().to_vec()).unwrap_or_default()
    }

    /// Checks an ECDSA DER signature over `msg`.
    pub fn verify(&self, msg: &[u8], sig_der: &[u8]) -> bool {
        use p256::ecdsa::signature::Verifier;
        match self {
            VerifyingKey::P256(k) => p256::ecdsa::Signature::from_der(sig_der).is_ok_and(|s| k.verify(msg, &s).is_ok()),
            VerifyingKey::P384(k) => p384::ecdsa::Signature::from_der(sig_der).is_ok_and(|s| k.verify(msg, &s).is_ok()),
        }
    }
}

/// The bundle JSON for the key method, compact, in the reference's field order.
pub fn key_bundle(payload: &[u8], sig: &[u8], hint: &str) -> String {
    format!(
        "{{\"mediaType\":{},\"verificationMaterial\":{{\"publicKey\":{{\"hint\":{}}},\"tlogEntries\":[]}},\"dsseEnvelope\":{{\"payload\":{},\"payloadType\":{},\"signatures\":[{{\"sig\":{},\"keyid\":\"\"}}]}}}}",
        jstr(BUNDLE_MEDIA_TYPE),
        jstr(hint),
        jstr(&B64.encode(payload)),
        jstr(PAYLOAD_TYPE),
        jstr(&B64.encode(sig)),
    )
}

/// The bundle JSON for the certificate method: `x509CertificateChain` (leaf first).
pub fn cert_bundle(payload: &[u8], sig: &[u8], chain_der: &[Vec<u8>]) -> String {
    let certs: Vec<String> = chain_der.iter().map(|c| format!("{{\"rawBytes\":{}}}", jstr(&B64.encode(c)))).collect();
    format!(
        "{{\"mediaType\":{},\"verificationMaterial\":{{\"x509CertificateChain\":{{\"certificates\":[{}]}},\"tlogEntries\":[]}},\"dsseEnvelope\":{{\"payload\":{},\"payloadType\":{},\"signatures\":[{{\"sig\":{},\"keyid\":\"\"}}]}}}}",
        jstr(BUNDLE_MEDIA_TYPE),
        certs.join(","),
        jstr(&B64.encode(payload)),
        jstr(PAYLOAD_TYPE),
        jstr(&B64.encode(sig)),
    )
}

fn jstr(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// What a bundle says about its signer.
#[derive(Debug, Clone)]
pub enum Material {
    /// `publicKey.hint` (may be empty in old bundles).
    PublicKey(String),
    /// `x509CertificateChain.certificates` or `certificate` (DER, leaf first).
    Certificates(Vec<Vec<u8>>),
}

/// A parsed bundle: the DSSE payload, its signature, and the verification material.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The raw DSSE payload.
    pub payload: Vec<u8>,
    /// The DSSE payload type.
    pub payload_type: String,
    /// The first DSSE signature (DER).
    pub sig: Vec<u8>,
    /// Verification material.
    pub material: Material,
    /// Number of transparency log entries.
    pub tlog_entries: usize,
}

impl Bundle {
    /// Parses a Sigstore bundle (v0.2/v0.3 JSON) holding a DSSE envelope.
    pub fn parse(bytes: &[u8]) -> Result<Bundle, Error> {
        let bad = |m: String| Error::BadBundle(m);
        let v: Value = serde_json::from_slice(bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
        let mt = v["mediaType"].as_str().unwrap_or_default();
        if !mt.starts_with("application/vnd.dev.sigstore.bundle") {
            return Err(bad(format!("mediaType {mt:?} is not a Sigstore bundle")));
        }
        let env = &v["dsseEnvelope"];
        if !env.is_object() {
            return Err(bad("no dsseEnvelope (only DSSE bundles are model signatures)".into()));
        }
        let payload = env["payload"]
            .as_str()
            .and_then(|s| B64.decode(s).ok())
            .ok_or_else(|| bad("dsseEnvelope.payload is not base64".into()))?;
        let payload_type = env["payloadType"].as_str().unwrap_or_default().to_owned();
        let sig = env["signatures"]
            .as_array()
            .and_then(|a| a.first())
            .and_then(|s| s["sig"].as_str())
            .and_then(|s| B64.decode(s).ok())
            .ok_or_else(|| bad("dsseEnvelope.signatures[0].sig missing or not base64".into()))?;
        let vm = &v["verificationMaterial"];
        let certs = |arr: &[Value]| -> Result<Vec<Vec<u8>>, Error> {
            arr.iter()
                .map(|c| {
                    c["rawBytes"]
                        .as_str()
                        .and_then(|s| B64.decode(s).ok())
                        .ok_or_else(|| bad("certificate rawBytes not base64".into()))
                })
                .collect()
        };
        let material = if let Some(pk) = vm.get("publicKey") {
            Material::PublicKey(pk["hint"].as_str().unwrap_or_default().to_owned())
        } else if let Some(chain) = vm["x509CertificateChain"]["certificates"].as_array() {
            Material::Certificates(certs(chain)?)
        } else if vm.get("certificate").is_some() {
            Material::Certificates(certs(std::slice::from_ref(&vm["certificate"]))?)
        } else {
            return Err(bad("verificationMaterial has no publicKey or certificate".into()));
        };
        let tlog_entries = vm["tlogEntries"].as_array().map_or(0, Vec::len);
        Ok(Bundle { payload, payload_type, sig, material, tlog_entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_is_dsse_v1() {
        assert_eq!(pae(b"{}"), b"DSSEv1 28 application/vnd.in-toto+json 2 {}".to_vec());
    }

    #[test]
    fn payload_escapes_non_ascii_like_python_and_round_trips() {
        let resources = vec![
            Resource { name: "\u{e4}.txt".into(), digest: vec![1; 32] },
            Resource { name: "\u{1f600}\u{7f}".into(), digest: vec![2; 32] },
        ];
        let st = Statement {
            name: "m".into(),
            root: crate::serialize::root_digest(&resources),
            resources,
            serialization: Serialization {
                method: Method::Files,
                hash_type: "sha256".into(),
                allow_symlinks: false,
                ignore_paths: vec![".git".into()],
            },
        };
        let p = String::from_utf8(st.to_payload()).expect("utf-8");
        assert!(p.is_ascii());
        assert!(p.contains("\"name\": \"\\u00e4.txt\""), "{p}");
        assert!(p.contains("\"\\ud83d\\ude00\\u007f\""), "{p}");
        assert!(p.starts_with("{\n  \"_type\": \"https://in-toto.io/Statement/v1\",\n  \"subject\": [\n    {\n"));
        let back = Statement::from_payload(p.as_bytes()).expect("parse");
        assert_eq!(back.resources, st.resources);
        assert_eq!(back.serialization, st.serialization);
    }

    #[test]
    fn a_manifest_whose_subject_does_not_match_is_inconsistent() {
        let st = Statement {
            name: "m".into(),
            root: vec![0; 32],
            resources: vec![Resource { name: "a".into(), digest: vec![1; 32] }],
            serialization: Serialization {
                method: Method::Shards(10),
                hash_type: "sha256".into(),
                allow_symlinks: false,
                ignore_paths: Vec::new(),
            },
        };
        assert!(matches!(Statement::from_payload(&st.to_payload()), Err(Error::Inconsistent(_))));
    }
}

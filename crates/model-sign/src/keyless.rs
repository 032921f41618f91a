//! Keyless (Sigstore public-good or private Fulcio + Rekor) verification, offline, through the
//! sigstore-rust crates (`sigstore-verify`): the Fulcio leaf chains to a CA of the trusted root
//! valid at signing time, the embedded SCT, the Rekor entry (inclusion proof + signed checkpoint
//! and/or signed entry timestamp against the log key of the trusted root), the integrated time
//! inside the leaf's validity, the DSSE signature by the leaf key, the binding of the in-toto
//! subject to the recomputed manifest digest, and the expected identity (SAN) and OIDC issuer.
//!
//! No TUF and no network: the trusted root is a file, or the snapshot embedded in
//! `sigstore-trust-root` (Sigstore public-good instance).
//!
//! Keyless signing ([`sign`]) goes through `sigstore-sign`: an OIDC identity token (given, or the
//! CI's ambient token: GitHub Actions `ACTIONS_ID_TOKEN_REQUEST_URL`/`_TOKEN` with audience
//! `sigstore`, GitLab `SIGSTORE_ID_TOKEN`), an ephemeral P-256 key, a Fulcio certificate
//! (`/api/v2/signingCert` with a proof of possession over the token's e-mail or subject), the DSSE
//! signature over our OMS statement bytes, a Rekor v1 `dsse` 0.0.1 entry (SET, inclusion proof and
//! checkpoint), and a bundle v0.3, as `model_signing` (sigstore-python) writes it.

use std::path::Path;

use sigstore_trust_root::{SIGSTORE_PRODUCTION_TRUSTED_ROOT, TrustedRoot};
use sigstore_types::{Artifact, Bundle, Sha256Hash};
use sigstore_verify::{VerificationPolicy, Verifier};

use crate::{Error, KeylessPolicy};

/// The public-good Fulcio instance.
pub const PUBLIC_GOOD_FULCIO: &str = "https://fulcio.sigstore.dev";
/// The public-good Rekor (v1) instance.
pub const PUBLIC_GOOD_REKOR: &str = "https://rekor.sigstore.dev";

/// Where and as whom to sign keyless.
#[derive(Clone)]
pub struct SignConfig {
    /// An OIDC identity token (JWT); `None` takes the CI's ambient token.
    pub identity_token: Option<String>,
    /// Fulcio base URL.
    pub fulcio_url: String,
    /// Rekor (v1 API) base URL.
    pub rekor_url: String,
}

impl std::fmt::Debug for SignConfig {
    // Never print the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignConfig")
            .field("identity_token", &self.identity_token.as_ref().map(|_| "<redacted>"))
            .field("fulcio_url", &self.fulcio_url)
            .field("rekor_url", &self.rekor_url)
            .finish()
    }
}

/// A keyless signature: the bundle JSON and who signed.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The Sigstore bundle v0.3 JSON.
    pub bundle_json: String,
    /// Verified's fields, read from the Fulcio certificate and the Rekor entry.
    pub who: Verified,
}

/// Signs `payload` (the in-toto statement bytes, used as they are) keyless. Every failure is
/// [`Error::Keyless`] (exit 2): no token, an expired token, a Fulcio or Rekor error.
pub fn sign(payload: &[u8], cfg: &SignConfig) -> Result<Signed, Error> {
    use sigstore_sign::oidc::IdentityToken;
    use sigstore_sign::{SigningContext, SigningServices};

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("async runtime: {e}")))?;
    rt.block_on(async {
        let token = match &cfg.identity_token {
            Some(t) => IdentityToken::from_jwt(t.trim())
                .map_err(|e| Error::Keyless(format!("--identity-token is not a JWT ({e})")))?,
            None => IdentityToken::detect_ambient()
                .await
                .map_err(|e| Error::Keyless(format!("CI OIDC token: {e}")))?
                .ok_or_else(|| {
                    Error::Keyless(
                        "no OIDC identity token: not in GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL) or GitLab CI (SIGSTORE_ID_TOKEN), and no --identity-token".into(),
                    )
                })?,
        };
        if token.is_expired() {
            return Err(Error::Keyless(format!("the OIDC identity token expired at {}", token.expiration())));
        }
        let services = SigningServices::new(cfg.fulcio_url.trim_end_matches('/'), cfg.rekor_url.trim_end_matches('/'));
        let signer = SigningContext::new(services).signer(token);
        let bundle = signer.sign_raw_statement(payload).await.map_err(|e| Error::Keyless(e.to_string()))?;
        let bundle_json = bundle.to_json().map_err(|e| Error::Internal(format!("bundle JSON: {e}")))?;
        let cert = bundle
            .signing_certificate()
            .ok_or_else(|| Error::Internal("keyless bundle without a certificate".into()))?;
        let who = signer_of(cert.as_bytes(), bundle.verification_material.tlog_entries.first());
        Ok(Signed { bundle_json, who })
    })
}

/// The SAN and Fulcio issuer of a Fulcio certificate, and the Rekor integrated time (for the
/// report; the verification path checks them, this only reads them).
fn signer_of(cert_der: &[u8], entry: Option<&sigstore_types::TransparencyLogEntry>) -> Verified {
    use x509_cert::der::Decode as _;
    use x509_cert::ext::pkix::SubjectAltName;
    use x509_cert::ext::pkix::name::GeneralName;
    let mut identity = String::new();
    let mut issuer = String::new();
    if let Ok(c) = x509_cert::Certificate::from_der(cert_der) {
        if let Ok(Some((_, san))) = c.tbs_certificate.get::<SubjectAltName>() {
            for n in san.0 {
                match n {
                    GeneralName::Rfc822Name(s) if identity.is_empty() => identity = s.as_str().to_owned(),
                    GeneralName::UniformResourceIdentifier(s) if identity.is_empty() => {
                        identity = s.as_str().to_owned();
                    }
                    _ => {}
                }
            }
        }
        for ext in c.tbs_certificate.extensions.iter().flatten() {
            // 1.3.6.1.4.1.57264.1.8: the issuer as a DER UTF8String (the legacy .1.1 is raw text).
            if ext.extn_id.to_string() == "1.3.6.1.4.1.57264.1.8"
                && let Ok(s) = x509_cert::der::asn1::Utf8StringRef::from_der(ext.extn_value.as_bytes())
            {
                issuer = s.as_str().to_owned();
            }
        }
    }
    Verified { identity, issuer, signed_at: entry.and_then(|e| e.integrated_time).map(|t| t.to_string()) }
}

/// A successful keyless verification of the bundle (not yet of the files).
#[derive(Debug, Clone)]
pub struct Verified {
    /// The certificate identity (SAN).
    pub identity: String,
    /// The OIDC issuer in the certificate.
    pub issuer: String,
    /// The Rekor integrated time (RFC 3339).
    pub signed_at: Option<String>,
}

/// Loads the trusted root: `path`, or the embedded public-good snapshot.
pub fn trusted_root(path: Option<&Path>) -> Result<TrustedRoot, Error> {
    match path {
        Some(p) => {
            let raw = crate::read_limited(p, "trusted root")?;
            let text = String::from_utf8(raw)
                .map_err(|_| Error::Io(p.to_path_buf(), "trusted root is not UTF-8 JSON".into()))?;
            TrustedRoot::from_json(&text).map_err(|e| Error::Io(p.to_path_buf(), format!("trusted root: {e}")))
        }
        None => TrustedRoot::from_json(SIGSTORE_PRODUCTION_TRUSTED_ROOT)
            .map_err(|e| Error::Internal(format!("embedded trusted root: {e}"))),
    }
}

/// Verifies a keyless bundle whose in-toto subject must be `subject_sha256`. `Err` is "could not
/// verify" (exit 2: unreadable trust root, malformed bundle); `Ok(Err(reason))` is a verification
/// failure (exit 1).
pub fn verify(
    bundle_json: &[u8],
    subject_sha256: &[u8],
    policy: &KeylessPolicy,
) -> Result<Result<Verified, String>, Error> {
    let root = trusted_root(policy.trust_root.as_deref())?;
    let text = std::str::from_utf8(bundle_json).map_err(|_| Error::BadBundle("not UTF-8".into()))?;
    let bundle = Bundle::from_json(text).map_err(|e| Error::BadBundle(format!("Sigstore bundle: {e}")))?;
    let digest =
        Sha256Hash::from_hex(&crate::bundle::hex(subject_sha256)).map_err(|e| Error::Internal(e.to_string()))?;
    let verifier = Verifier::new(&root).map_err(|e| Error::Internal(format!("trusted root unusable: {e}")))?;
    let pol = VerificationPolicy::any_identity()
        .require_identity(policy.identity.as_str())
        .require_issuer(policy.issuer.as_str());
    match verifier.verify(Artifact::from_digest(digest), &bundle, &pol) {
        Ok(r) => Ok(Ok(Verified {
            identity: r.identity().map(ToString::to_string).unwrap_or_default(),
            issuer: r.issuer().unwrap_or_default().to_owned(),
            signed_at: r.integrated_time().map(|t| t.to_string()),
        })),
        Err(sigstore_verify::Error::InvalidBundle(m)) => Err(Error::BadBundle(m)),
        Err(sigstore_verify::Error::InvalidTrustRoot(m)) => Err(Error::Usage(format!("trusted root: {m}"))),
        Err(e) => Ok(Err(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_public_good_root_loads_and_has_fulcio_and_rekor() {
        let root = trusted_root(None).expect("embedded root");
        assert!(!root.certificate_authorities.is_empty(), "no Fulcio CA in the embedded trusted root");
        assert!(!root.tlogs.is_empty(), "no Rekor log in the embedded trusted root");
        Verifier::new(&root).expect("verifier");
    }

    #[test]
    fn a_bundle_that_is_not_sigstore_json_is_an_error_not_a_failure() {
        let policy = KeylessPolicy { identity: "a@b".into(), issuer: "https://i".into(), trust_root: None };
        let r = verify(b"{\"mediaType\": 1}", &[0; 32], &policy);
        assert!(matches!(r, Err(Error::BadBundle(_))), "{r:?}");
    }
}

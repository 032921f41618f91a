//! Keyless (Sigstore public-good or private Fulcio + Rekor) verification, offline, through the
//! sigstore-rust crates (`sigstore-verify`): the Fulcio leaf chains to a CA of the trusted root
//! valid at signing time, the embedded SCT, the Rekor entry (inclusion proof + signed checkpoint
//! and/or signed entry timestamp against the log key of the trusted root), the integrated time
//! inside the leaf's validity, the DSSE signature by the leaf key, the binding of the in-toto
//! subject to the recomputed manifest digest, and the expected identity (SAN) and OIDC issuer.
//!
//! No TUF and no network: the trusted root is a file, or the snapshot embedded in
//! `sigstore-trust-root` (Sigstore public-good instance).

use std::path::Path;

use sigstore_trust_root::{SIGSTORE_PRODUCTION_TRUSTED_ROOT, TrustedRoot};
use sigstore_types::{Artifact, Bundle, Sha256Hash};
use sigstore_verify::{VerificationPolicy, Verifier};

use crate::{Error, KeylessPolicy};

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

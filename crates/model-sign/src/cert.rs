//! The certificate method: a leaf certificate (+ intermediates) in the bundle's
//! `x509CertificateChain`, verified against trusted CA certificates as `model_signing` does with
//! OpenSSL: the chain must reach a self-signed trusted certificate, every certificate valid at the
//! leaf's `notBefore` (the signing time), CAs with `basicConstraints cA`, and the leaf usable for
//! signing (key usage digitalSignature or extended key usage codeSigning).
//!
//! Chain building is hand-written (a short loop) because no well-kept pure-Rust crate offers
//! generic X.509 path validation for non-WebPKI chains; parsing uses `x509-cert`.

use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName};

use crate::Error;
use crate::bundle::VerifyingKey;

const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
const ECDSA_SHA512: &str = "1.2.840.10045.4.3.4";
const CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";

/// Parses every certificate in a PEM file.
pub fn load_pem_chain(pem: &[u8], what: &str) -> Result<Vec<Certificate>, Error> {
    let certs =
        Certificate::load_pem_chain(pem).map_err(|e| Error::Key(format!("{what}: not PEM certificates ({e})")))?;
    if certs.is_empty() {
        return Err(Error::Key(format!("{what}: no certificate found")));
    }
    Ok(certs)
}

/// DER of a certificate.
pub fn to_der(c: &Certificate) -> Result<Vec<u8>, Error> {
    c.to_der().map_err(|e| Error::Internal(format!("certificate encoding: {e}")))
}

/// The certificate's public key, when ECDSA P-256/P-384.
pub fn public_key(c: &Certificate) -> Result<VerifyingKey, Error> {
    let spki = c.tbs_certificate.subject_public_key_info.to_der().map_err(|e| Error::Key(e.to_string()))?;
    VerifyingKey::from_spki_der(&spki)
}

/// The signer's identity for reports: subject and SAN entries.
pub fn identity(c: &Certificate) -> String {
    let mut out = c.tbs_certificate.subject.to_string();
    if let Ok(Some((_, san))) = c.tbs_certificate.get::<SubjectAltName>() {
        for n in san.0 {
            match n {
                GeneralName::Rfc822Name(s) => out.push_str(&format!(", email:{}", s.as_str())),
                GeneralName::UniformResourceIdentifier(s) => out.push_str(&format!(", URI:{}", s.as_str())),
                GeneralName::DnsName(s) => out.push_str(&format!(", DNS:{}", s.as_str())),
                _ => {}
            }
        }
    }
    out
}

fn unix(t: x509_cert::time::Time) -> u64 {
    t.to_unix_duration().as_secs()
}

/// Whether `issuer`'s key made `cert`'s signature.
fn signed_by(cert: &Certificate, issuer: &Certificate) -> bool {
    let Ok(key) = public_key(issuer) else { return false };
    let Ok(tbs) = cert.tbs_certificate.to_der() else { return false };
    let prehash: Vec<u8> = match cert.signature_algorithm.oid.to_string().as_str() {
        ECDSA_SHA256 => Sha256::digest(&tbs).to_vec(),
        ECDSA_SHA384 => Sha384::digest(&tbs).to_vec(),
        ECDSA_SHA512 => Sha512::digest(&tbs).to_vec(),
        _ => return false,
    };
    let Some(sig) = cert.signature.as_bytes() else { return false };
    key.verify_prehash(&prehash, sig)
}

fn is_ca(c: &Certificate) -> bool {
    matches!(c.tbs_certificate.get::<BasicConstraints>(), Ok(Some((_, bc))) if bc.ca)
}

fn valid_at(c: &Certificate, t: u64) -> bool {
    let v = &c.tbs_certificate.validity;
    unix(v.not_before) <= t && t <= unix(v.not_after)
}

/// Verifies the bundle chain (`chain[0]` is the leaf) against `trusted` and returns the leaf's key.
/// `Ok(Err(reason))` is a verification failure (exit 1); `Err` an unusable input (exit 2).
pub fn verify_chain(chain_der: &[Vec<u8>], trusted: &[Certificate]) -> Result<Result<VerifyingKey, String>, Error> {
    let chain: Vec<Certificate> = chain_der
        .iter()
        .map(|d| Certificate::from_der(d).map_err(|e| Error::BadBundle(format!("certificate in the bundle: {e}"))))
        .collect::<Result<_, _>>()?;
    let Some(leaf) = chain.first() else {
        return Err(Error::BadBundle("x509CertificateChain is empty".into()));
    };
    let t = unix(leaf.tbs_certificate.validity.not_before);
    let mut current = leaf.clone();
    for _ in 0..16 {
        if !valid_at(&current, t) {
            return Ok(Err(format!(
                "certificate `{}` is not valid at the signing time",
                current.tbs_certificate.subject
            )));
        }
        let trusted_self = trusted.iter().any(|c| c == &current)
            && current.tbs_certificate.issuer == current.tbs_certificate.subject
            && signed_by(&current, &current);
        if trusted_self {
            return Ok(leaf_usable(leaf));
        }
        let issuer = trusted
            .iter()
            .chain(chain.iter().skip(1))
            .find(|c| c.tbs_certificate.subject == current.tbs_certificate.issuer && signed_by(&current, c));
        match issuer {
            Some(i) if i == &current => break,
            Some(i) if !is_ca(i) => {
                return Ok(Err(format!("issuer `{}` is not a CA (basicConstraints)", i.tbs_certificate.subject)));
            }
            Some(i) => current = i.clone(),
            None => {
                return Ok(Err(format!(
                    "no trusted issuer for `{}` (issuer `{}`): the chain does not lead to the given CA",
                    current.tbs_certificate.subject, current.tbs_certificate.issuer
                )));
            }
        }
    }
    Ok(Err("the certificate chain does not reach a trusted self-signed CA".into()))
}

fn leaf_usable(leaf: &Certificate) -> Result<VerifyingKey, String> {
    let ku =
        matches!(leaf.tbs_certificate.get::<KeyUsage>(), Ok(Some((_, k))) if k.0.contains(KeyUsages::DigitalSignature));
    let eku = matches!(leaf.tbs_certificate.get::<ExtendedKeyUsage>(),
        Ok(Some((_, e))) if e.0.iter().any(|o| o.to_string() == CODE_SIGNING));
    if !ku && !eku {
        return Err("the signing certificate allows neither digitalSignature nor codeSigning".into());
    }
    public_key(leaf).map_err(|e| e.to_string())
}

//! Fingerprint recipes (DESIGN.md §4.5). Namespaced and versioned, so a recipe can change without
//! silently breaking baselines: a new recipe gets a new key (`.../v2`) and both can be written
//! during a transition.
//!
//! Every recipe is SHA-256 over length-prefixed fields (so `("ab","c")` and `("a","bc")` differ),
//! truncated to 128 bits (32 hex digits). A secret's value is hashed first and only its hash enters
//! the fingerprint: the raw value never leaves the scanner.

use sha2::{Digest, Sha256};

/// Key of the secret recipe.
pub const SECRET_V1: &str = "mlsec/secret/v1";
/// Key of the vulnerability recipe.
pub const VULN_V1: &str = "mlsec/vuln/v1";
/// Key of the source-code recipe.
pub const CODE_V1: &str = "mlsec/code/v1";
/// Key of the model/artifact recipe.
pub const MODEL_V1: &str = "mlsec/model/v1";
/// The key GitHub code scanning reads to track alerts across commits.
pub const PRIMARY_LOCATION_LINE_HASH: &str = "primaryLocationLineHash";

fn hash_fields(domain: &str, fields: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    h.update(domain.as_bytes());
    for f in fields {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f);
    }
    hex(&h.finalize()[..16])
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// Full SHA-256 hex of a secret value. This is what a scanner keeps instead of the value.
pub fn secret_value_hash(value: &[u8]) -> String {
    hex(&Sha256::digest(value))
}

/// `mlsec/secret/v1` = hash(rule family, hash(secret value)).
///
/// `value_hash` is [`secret_value_hash`] of the value. The location is deliberately not part of
/// it: the same key committed in two files is one leak, and moving a file does not make it new.
pub fn secret(rule_family: &str, value_hash: &str) -> String {
    hash_fields(SECRET_V1, &[rule_family.as_bytes(), value_hash.as_bytes()])
}

/// Canonical spelling of an advisory id: `CVE-`, `GHSA-`, `PYSEC-`... prefixes upper-case,
/// GHSA bodies lower-case (as GitHub writes them), surrounding space trimmed.
pub fn canonical_advisory_id(id: &str) -> String {
    let id = id.trim();
    match id.split_once('-') {
        Some((prefix, rest)) if prefix.eq_ignore_ascii_case("ghsa") => format!("GHSA-{}", rest.to_ascii_lowercase()),
        Some((prefix, rest)) => format!("{}-{}", prefix.to_ascii_uppercase(), rest.to_ascii_uppercase()),
        None => id.to_ascii_uppercase(),
    }
}

/// A purl without its version, qualifiers and subpath: `pkg:pypi/torch@2.1.0?x=y` -> `pkg:pypi/torch`.
pub fn purl_without_version(purl: &str) -> &str {
    let end = purl.find(['?', '#']).unwrap_or(purl.len());
    let p = &purl[..end];
    // The version separator is the last '@' after the type: names may be scoped (`%40scope`
    // is percent-encoded in purls, but be lenient with a literal '@' in the namespace).
    match p.rfind('@') {
        Some(at) if p[..at].contains('/') => &p[..at],
        _ => p,
    }
}

/// `mlsec/vuln/v1` = hash(canonical advisory id, purl without version, manifest path).
///
/// Upgrading the package to another vulnerable version keeps the fingerprint: it is the same
/// unresolved advisory.
pub fn vuln(advisory_id: &str, purl: &str, manifest: &str) -> String {
    hash_fields(
        VULN_V1,
        &[
            canonical_advisory_id(advisory_id).as_bytes(),
            purl_without_version(purl).as_bytes(),
            crate::model::normalise_path(manifest).as_bytes(),
        ],
    )
}

/// Whitespace-insensitive form of a source line: trimmed, inner runs of white space folded to one
/// space. Re-indenting code does not make its findings new.
pub fn normalise_line(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `mlsec/code/v1` = hash(rule id, path, normalised source line, occurrence index).
///
/// `occurrence` is the 0-based index of this (rule, path, normalised line) among identical ones in
/// the file, so two identical lines stay two findings and inserting lines above keeps both.
pub fn code(rule_id: &str, path: &str, source_line: &str, occurrence: u32) -> String {
    hash_fields(
        CODE_V1,
        &[
            rule_id.as_bytes(),
            crate::model::normalise_path(path).as_bytes(),
            normalise_line(source_line).as_bytes(),
            &occurrence.to_be_bytes(),
        ],
    )
}

/// `mlsec/model/v1` = hash(check id, artifact digest, group or metric).
pub fn model(check_id: &str, artifact_digest: &str, group_or_metric: &str) -> String {
    hash_fields(MODEL_V1, &[check_id.as_bytes(), artifact_digest.as_bytes(), group_or_metric.as_bytes()])
}

/// The `primaryLocationLineHash` value GitHub expects: 16 hex digits, `:`, a 1-based occurrence.
pub fn primary_location_line_hash(fingerprint: &str, occurrence: u32) -> String {
    let head: String = fingerprint.chars().filter(char::is_ascii_hexdigit).take(16).collect();
    let head = if head.len() == 16 { head } else { hash_fields("plh", &[fingerprint.as_bytes()])[..16].to_owned() };
    format!("{head}:{}", occurrence.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn recipes_are_stable() {
        // Pinned values: changing a recipe breaks every user's baseline, so it must be a new key.
        assert_eq!(
            code("B301", "src/train.py", "  x = pickle.load(f)", 0),
            code("B301", "./src/train.py", "x =   pickle.load(f)", 0)
        );
        assert_ne!(
            code("B301", "src/train.py", "x = pickle.load(f)", 0),
            code("B301", "src/train.py", "x = pickle.load(f)", 1)
        );
        assert_eq!(code("B301", "a", "b", 0).len(), 32);
        assert_eq!(secret_value_hash(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn vuln_ignores_version_and_id_case() {
        let a = vuln("cve-2023-1234", "pkg:pypi/torch@2.0.0", "requirements.txt");
        let b = vuln("CVE-2023-1234", "pkg:pypi/torch@2.1.1?os=linux", "./requirements.txt");
        assert_eq!(a, b);
        assert_ne!(a, vuln("CVE-2023-1234", "pkg:pypi/torch@2.0.0", "sub/requirements.txt"));
        assert_eq!(canonical_advisory_id(" ghsa-ABCD-efgh-1234 "), "GHSA-abcd-efgh-1234");
        assert_eq!(purl_without_version("pkg:npm/%40scope/name@1.0.0"), "pkg:npm/%40scope/name");
        assert_eq!(purl_without_version("pkg:pypi/torch"), "pkg:pypi/torch");
    }

    #[test]
    fn fields_are_length_prefixed() {
        assert_ne!(model("ab", "c", ""), model("a", "bc", ""));
        assert_ne!(secret("aws", "x"), secret("aw", "sx"));
    }

    #[test]
    fn line_hash_shape() {
        let f = code("B301", "a.py", "x", 2);
        let h = primary_location_line_hash(&f, 2);
        assert_eq!(h, format!("{}:3", &f[..16]));
        assert_eq!(primary_location_line_hash("not-hex", 0).len(), 18);
    }

    proptest! {
        #[test]
        fn secret_fingerprint_never_contains_the_value(v in "[A-Za-z0-9]{12,40}") {
            let fp = secret("generic", &secret_value_hash(v.as_bytes()));
            prop_assert!(!fp.contains(&v));
            prop_assert_eq!(fp.len(), 32);
        }

        #[test]
        fn normalise_line_is_idempotent(s in "\\PC{0,60}") {
            let once = normalise_line(&s);
            prop_assert_eq!(normalise_line(&once), once.clone());
        }
    }
}

//! What of a snippet or message may be shown. Every writer (SARIF, every renderer, annotations,
//! logs) goes through here, so "never print a secret value" is enforced in one place.
//!
//! Two layers:
//! - [`mask_secrets`] masks values that look like credentials anywhere (known token formats,
//!   private key blocks, passwords in URLs, `password = "..."` assignments). It runs on every
//!   message and snippet of every category: a Bandit B105 snippet holds a password too.
//! - [`redact_snippet`] additionally masks every value-like token in the snippet of a
//!   [`Category::Secret`] finding, whatever its shape: the scanner said it is a secret.
//!
//! A masked value keeps at most a 4-character prefix (`AKIA****`), never its length.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::model::Category;

/// What replaces the masked part of a value.
pub const MASK: &str = "****";

static KNOWN: LazyLock<Regex> = LazyLock::new(|| {
    let parts = [
        // Private key blocks, whole (also when truncated: up to the end of the text).
        r"-----BEGIN[A-Z ]{0,30}PRIVATE KEY(?: BLOCK)?-----(?s:.*?)(?:-----END[A-Z ]{0,30}PRIVATE KEY(?: BLOCK)?-----|\z)",
        // Cloud and SaaS token formats with a recognisable prefix.
        r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b",
        r"\bgh[pousr]_[A-Za-z0-9]{30,}\b",
        r"\bgithub_pat_[A-Za-z0-9_]{30,}\b",
        r"\bglpat-[A-Za-z0-9_\-]{20,}\b",
        r"\b(?:hf|api_org)_[A-Za-z0-9]{30,}\b",
        r"\bsk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}\b",
        r"\bxox[abposr]-[A-Za-z0-9\-]{10,}\b",
        r"\bAIza[0-9A-Za-z_\-]{35}\b",
        r"\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}\b",
        r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{5,}",
        r"\bnpm_[A-Za-z0-9]{36}\b",
        r"\bpypi-[A-Za-z0-9_\-]{50,}",
        r"\br8_[A-Za-z0-9]{37}\b",
        r"\bgsk_[A-Za-z0-9]{40,}\b",
        r"(?i)\bAccountKey=[A-Za-z0-9+/=]{20,}",
    ];
    Regex::new(&parts.join("|")).expect("static regex")
});

/// `scheme://user:password@host`: the password part.
static URL_PASSWORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b[a-z][a-z0-9+.\-]*://[^\s:/@]*:([^\s@/]{3,})@").expect("static regex"));

/// `password = "value"`, `"api_key": "value"`, `TOKEN=value`: the value part.
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?:pass(?:word|wd)?|pwd|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key|client[_\-]?secret|auth|credential)s?[A-Za-z0-9_\-]*["']?\]?\s*(?:=|:|=>)\s*[bru]?["']?([^\s"',;)}\]]{6,})"#,
    )
    .expect("static regex")
});

/// Value-like tokens: what a secret snippet's values look like.
static VALUE_TOKEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/=_\-.~]{8,}").expect("static regex"));

/// Mask one value, keeping at most a 4-character prefix.
pub fn mask_value(value: &str) -> String {
    let keep = (value.chars().count() / 4).min(4);
    let prefix: String = value.chars().take(keep).collect();
    format!("{prefix}{MASK}")
}

fn replace_group(text: &str, re: &Regex) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut changed = false;
    for caps in re.captures_iter(text) {
        let m = caps.get(1).or_else(|| caps.get(0))?;
        if m.as_str().contains(MASK) {
            continue;
        }
        out.push_str(&text[last..m.start()]);
        out.push_str(&mask_value(m.as_str()));
        last = m.end();
        changed = true;
    }
    if !changed {
        return None;
    }
    out.push_str(&text[last..]);
    Some(out)
}

/// Mask anything in `text` that looks like a credential value. Cheap when there is nothing to
/// mask (one scan per pattern family, no allocation).
pub fn mask_secrets(text: &str) -> Cow<'_, str> {
    let mut cur: Cow<'_, str> = Cow::Borrowed(text);
    for re in [&*KNOWN, &*URL_PASSWORD, &*ASSIGNMENT] {
        // `is_match` runs the lazy DFA with literal prefilters; capture groups (the slow engines)
        // are only resolved on the rare text that has something to mask.
        if !re.is_match(&cur) {
            continue;
        }
        if let Some(s) = replace_group(&cur, re) {
            cur = Cow::Owned(s);
        }
    }
    cur
}

/// The snippet as it may be shown for a finding of `category`.
pub fn redact_snippet(category: Category, snippet: &str) -> String {
    let masked = mask_secrets(snippet);
    if category != Category::Secret {
        return masked.into_owned();
    }
    VALUE_TOKEN
        .replace_all(&masked, |c: &regex::Captures<'_>| {
            let tok = &c[0];
            let looks_like_value = tok.chars().any(|ch| ch.is_ascii_digit()) || tok.len() >= 16;
            if looks_like_value && !tok.contains(MASK) { mask_value(tok) } else { tok.to_owned() }
        })
        .into_owned()
}

/// The message as it may be shown.
pub fn redact_message(message: &str) -> Cow<'_, str> {
    mask_secrets(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWS: &str = "AKIAQYLPMN5HFIQR7XYZ";
    const GH: &str = "ghp_R8bUvT3kq9XcWm2ZpL5nY7sD4fG6hJ1aQe0r";

    #[test]
    fn known_formats_are_masked_everywhere() {
        for (text, secret) in [
            (format!("aws_access_key_id = {AWS}"), AWS),
            (format!("token: {GH}"), GH),
            ("postgres://admin:s3cr3t-Pa55@db:5432/x".to_owned(), "s3cr3t-Pa55"),
            ("PASSWORD=\"correct-horse-battery\"".to_owned(), "correct-horse-battery"),
            ("config[\"api_key\"]: 'abcd1234efgh5678'".to_owned(), "abcd1234efgh5678"),
        ] {
            let out = mask_secrets(&text);
            assert!(!out.contains(secret), "{out}");
            assert!(out.contains(MASK), "{out}");
        }
    }

    #[test]
    fn private_key_blocks_are_masked_whole() {
        let pk = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq\nabcdef\n-----END RSA PRIVATE KEY-----";
        let out = mask_secrets(pk);
        assert!(!out.contains("MIIEowIBAAKCAQEA7bq"), "{out}");
        let truncated = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0";
        assert!(!mask_secrets(truncated).contains("MIIEvQIBADANBgkq"));
    }

    #[test]
    fn secret_snippets_mask_any_value() {
        let s = redact_snippet(Category::Secret, "WANDB_KEY=9f8e7d6c5b4a39281706f5e4d3c2b1a0");
        assert!(!s.contains("9f8e7d6c5b4a39281706f5e4d3c2b1a0"), "{s}");
        // Ordinary words stay readable.
        assert!(redact_snippet(Category::Secret, "login with user").contains("login with user"));
    }

    #[test]
    fn plain_text_is_untouched_and_not_copied() {
        assert!(matches!(mask_secrets("Use of pickle.load on untrusted data"), Cow::Borrowed(_)));
        assert_eq!(redact_snippet(Category::Sast, "x = pickle.load(f)"), "x = pickle.load(f)");
    }

    #[test]
    fn masking_is_idempotent() {
        let once = mask_secrets(&format!("k={AWS} p=password: hunter2hunter2")).into_owned();
        assert_eq!(mask_secrets(&once), once);
        assert_eq!(mask_value("AKIAQYLPMN5HFIQR7XYZ"), "AKIA****");
        assert_eq!(mask_value("abc"), "****");
    }
}

//! Package URLs (purl) for the ecosystems `sbom` reads.
//!
//! Hand-written rather than the `packageurl` crate: we only ever *build* purls for six types
//! (pypi, cargo, npm, docker, conda, huggingface) and need exactly the spec's percent-encoding and PEP 503 normalisation; the
//! crate would add a parser and a second percent-encoding dependency for ~40 lines of code.

/// The package ecosystem of a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ecosystem {
    /// Python packages (PyPI).
    Pypi,
    /// Rust crates (crates.io).
    Cargo,
    /// JavaScript packages (npm).
    Npm,
    /// Container images (Dockerfile `FROM`).
    Docker,
    /// Conda packages (`environment.yml`).
    Conda,
    /// Hugging Face Hub repositories (`kernels.lock` kernel repos), version = commit id.
    Huggingface,
}

impl Ecosystem {
    /// The purl type.
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Pypi => "pypi",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Npm => "npm",
            Ecosystem::Docker => "docker",
            Ecosystem::Conda => "conda",
            Ecosystem::Huggingface => "huggingface",
        }
    }
}

/// PEP 503 normalised name: lower case, runs of `-`, `_`, `.` become one `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Percent-encode one purl segment: everything but `A-Za-z0-9.-_~` is encoded (purl spec).
pub fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The name of a package as the ecosystem canonicalises it (PEP 503 for PyPI, as-is otherwise).
pub fn canonical_name(eco: Ecosystem, name: &str) -> String {
    match eco {
        Ecosystem::Pypi => pep503(name),
        // conda package names are lower case by rule; the purl spec lower-cases them.
        Ecosystem::Conda => name.trim().to_ascii_lowercase(),
        Ecosystem::Cargo | Ecosystem::Npm | Ecosystem::Docker | Ecosystem::Huggingface => name.trim().to_string(),
    }
}

/// Build the purl of a package; `version` None gives a versionless purl.
pub fn purl(eco: Ecosystem, name: &str, version: Option<&str>) -> String {
    let name = canonical_name(eco, name);
    let path = match (eco, name.split_once('/')) {
        // npm scopes are the purl namespace: `@scope/x` -> `%40scope/x`.
        (Ecosystem::Npm, Some((scope, base))) if scope.starts_with('@') => {
            format!("{}/{}", encode(scope), encode(base))
        }
        // Hub ids: `namespace/name`; the purl spec lower-cases the commit id (the version).
        (Ecosystem::Huggingface, Some((ns, base))) => {
            let path = format!("{}/{}", encode(ns), encode(base));
            return match version {
                Some(v) => format!("pkg:huggingface/{path}@{}", encode(&v.to_ascii_lowercase())),
                None => format!("pkg:huggingface/{path}"),
            };
        }
        // docker: `[registry/]namespace/name`; the registry goes to `repository_url`.
        (Ecosystem::Docker, _) => {
            let (registry, path) = match name.split_once('/') {
                Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                    (Some(first), rest)
                }
                _ => (None, name.as_str()),
            };
            let path = path.split('/').map(encode).collect::<Vec<_>>().join("/");
            let v = version.map(|v| format!("@{}", encode(v))).unwrap_or_default();
            let q = registry.map(|r| format!("?repository_url={}", encode(r))).unwrap_or_default();
            return format!("pkg:docker/{path}{v}{q}");
        }
        _ => encode(&name),
    };
    match version {
        Some(v) => format!("pkg:{}/{}@{}", eco.purl_type(), path, encode(v)),
        None => format!("pkg:{}/{}", eco.purl_type(), path),
    }
}

/// Append purl qualifiers (`?k=v&k2=v2`, keys sorted as the spec's canonical form asks, values
/// percent-encoded, empty values left out) to a purl that has none yet.
pub fn with_qualifiers(mut purl: String, qualifiers: &std::collections::BTreeMap<String, String>) -> String {
    let mut sep = if purl.contains('?') { '&' } else { '?' };
    for (k, v) in qualifiers.iter().filter(|(_, v)| !v.is_empty()) {
        purl.push(sep);
        purl.push_str(&k.to_ascii_lowercase());
        purl.push('=');
        purl.push_str(&encode(v));
        sep = '&';
    }
    purl
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_normalises_runs_and_case() {
        assert_eq!(pep503("Foo__Bar.baz"), "foo-bar-baz");
        assert_eq!(pep503("PyYAML"), "pyyaml");
        assert_eq!(pep503("zope.interface"), "zope-interface");
        assert_eq!(pep503("a-_.-b"), "a-b");
    }

    #[test]
    fn purls_follow_the_spec() {
        assert_eq!(purl(Ecosystem::Pypi, "Django_Rest", Some("3.0")), "pkg:pypi/django-rest@3.0");
        assert_eq!(purl(Ecosystem::Npm, "@types/node", Some("20.1.0")), "pkg:npm/%40types/node@20.1.0");
        assert_eq!(purl(Ecosystem::Npm, "left-pad", None), "pkg:npm/left-pad");
        assert_eq!(purl(Ecosystem::Cargo, "serde", Some("1.0.0+build")), "pkg:cargo/serde@1.0.0%2Bbuild");
        assert_eq!(purl(Ecosystem::Pypi, "torch", Some("2.1.0+cu121")), "pkg:pypi/torch@2.1.0%2Bcu121");
        assert_eq!(purl(Ecosystem::Docker, "python", Some("3.11-slim")), "pkg:docker/python@3.11-slim");
        assert_eq!(
            purl(Ecosystem::Docker, "ghcr.io/org/img", Some("sha256:ab")),
            "pkg:docker/org/img@sha256%3Aab?repository_url=ghcr.io"
        );
        assert_eq!(
            purl(Ecosystem::Huggingface, "kernels-community/moe", Some("ABC123")),
            "pkg:huggingface/kernels-community/moe@abc123"
        );
        let q: std::collections::BTreeMap<String, String> =
            [("subdir", "linux-64"), ("build", "py311h_0"), ("channel", "conda-forge"), ("type", "")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        assert_eq!(
            with_qualifiers(purl(Ecosystem::Conda, "NumPy", Some("1.26.4")), &q),
            "pkg:conda/numpy@1.26.4?build=py311h_0&channel=conda-forge&subdir=linux-64"
        );
    }
}

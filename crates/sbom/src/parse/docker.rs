//! Dockerfile / Containerfile `FROM` lines: base images as `container` components. Stage
//! aliases (`FROM x AS build` then `FROM build`) are resolved and not reported as images; `ARG`
//! defaults declared before use are substituted; `scratch` is not an image.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Component, Inventory};
use crate::purl::Ecosystem;

/// Is this file name a Dockerfile?
pub fn is_dockerfile(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name == "Dockerfile"
        || name == "Containerfile"
        || name.starts_with("Dockerfile.")
        || name.starts_with("Dockerfile_")
        || name.ends_with(".Dockerfile")
        || name.ends_with(".dockerfile")
}

/// Substitute `$NAME` / `${NAME}` / `${NAME:-default}` from `args`; None when a variable is unknown.
fn substitute(s: &str, args: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (var, len) = if let Some(body) = after.strip_prefix('{') {
            let end = body.find('}')?;
            (&body[..end], end + 2)
        } else {
            let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            (&after[..end], end)
        };
        let (name, default) = match var.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (var, None),
        };
        match args.get(name).filter(|v| !v.is_empty()).map(String::as_str).or(default) {
            Some(v) => out.push_str(v),
            None => return None,
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    Some(out)
}

/// Split an image reference into (name, version): the digest wins over the tag.
fn split_image(image: &str) -> (String, Option<String>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d.to_string())),
        None => (image, None),
    };
    // A tag is after the last ':' that comes after the last '/' (a registry port is not a tag).
    let slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
    let (name, tag) = match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
        None => (rest, None),
    };
    (name.to_string(), digest.or(tag))
}

/// Parse a Dockerfile.
pub fn parse(rel: &str, text: &str) -> Inventory {
    let mut inv = Inventory::default();
    let mut args: BTreeMap<String, String> = BTreeMap::new();
    let mut stages: BTreeSet<String> = BTreeSet::new();
    let mut joined = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if joined.is_empty() {
            start = i + 1;
        }
        let line = raw.trim();
        if line.starts_with('#') && joined.is_empty() {
            continue;
        }
        if let Some(s) = line.strip_suffix('\\') {
            joined.push_str(s);
            joined.push(' ');
            continue;
        }
        joined.push_str(line);
        let instr = std::mem::take(&mut joined);
        let mut words = instr.split_whitespace();
        let Some(kw) = words.next() else { continue };
        if kw.eq_ignore_ascii_case("ARG") {
            for w in words {
                let (k, v) = w.split_once('=').unwrap_or((w, ""));
                let v = v.trim_matches('"').trim_matches('\'');
                if !v.is_empty() || !args.contains_key(k) {
                    args.insert(k.to_string(), v.to_string());
                }
            }
        } else if kw.eq_ignore_ascii_case("FROM") {
            let rest: Vec<&str> = words.filter(|w| !w.starts_with("--")).collect();
            let Some(image) = rest.first() else { continue };
            if let [_, as_kw, alias, ..] = rest.as_slice()
                && as_kw.eq_ignore_ascii_case("AS")
            {
                stages.insert(alias.to_ascii_lowercase());
            }
            let Some(image) = substitute(image, &args) else {
                inv.warnings.push(format!("{rel}:{start}: FROM {image}: unresolved build argument, skipped"));
                continue;
            };
            if image.eq_ignore_ascii_case("scratch")
                || stages.contains(&image.to_ascii_lowercase()) && !image.contains(':')
            {
                continue;
            }
            let (name, version) = split_image(&image);
            if stages.contains(&name.to_ascii_lowercase()) && version.is_none() {
                continue;
            }
            let c = Component::new(Ecosystem::Docker, &name, version.as_deref()).with_source(format!("{rel}:{start}"));
            inv.add(c);
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_lines_args_and_stage_aliases() {
        let text = "ARG CUDA=12.1.0\nARG BASE\nFROM --platform=$BUILDPLATFORM nvidia/cuda:${CUDA}-devel-ubuntu22.04 AS builder\n\
RUN make\nFROM builder AS tester\nFROM python:3.11-slim@sha256:abcd AS runtime\nCOPY --from=builder /x /x\n\
FROM ghcr.io/org/img:1.0\nFROM localhost:5000/tool\nFROM scratch\nFROM $BASE\n";
        let inv = parse("Dockerfile", text);
        let keys: Vec<&str> = inv.components.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "pkg:docker/nvidia/cuda@12.1.0-devel-ubuntu22.04",
                "pkg:docker/org/img@1.0?repository_url=ghcr.io",
                "pkg:docker/python@sha256%3Aabcd",
                "pkg:docker/tool?repository_url=localhost%3A5000",
            ]
        );
        assert_eq!(inv.warnings.len(), 1, "{:?}", inv.warnings);
        assert!(inv.warnings[0].starts_with("Dockerfile:11:"));
        let cuda = &inv.components["pkg:docker/nvidia/cuda@12.1.0-devel-ubuntu22.04"];
        assert_eq!(cuda.sources.iter().next().map(String::as_str), Some("Dockerfile:3"));
    }

    #[test]
    fn dockerfile_names() {
        assert!(is_dockerfile("Dockerfile"));
        assert!(is_dockerfile("docker/Dockerfile_amd"));
        assert!(is_dockerfile("Dockerfile.rocm"));
        assert!(is_dockerfile("gpu.Dockerfile"));
        assert!(!is_dockerfile("docker-compose.yml"));
    }
}

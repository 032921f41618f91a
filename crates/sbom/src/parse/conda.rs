//! conda `environment.yml`: conda packages (`name=version=build`, `channel::name==version`) and
//! the `pip:` section (requirement strings, as PyPI components).
//!
//! purls follow the purl spec's conda type: `pkg:conda/numpy@1.26.4?build=py311h64a7726_0&channel=conda-forge`
//! (`build` only with an exact version and a build string without wildcards; `channel` and
//! `subdir` only when the spec names them, since conda may take a package from any listed channel).

use std::collections::BTreeMap;

use yaml_rust2::Yaml;

use crate::model::{Component, Inventory};
use crate::parse::requirements::parse_requirement;
use crate::purl::Ecosystem;

/// Is this file name a conda environment file?
pub fn is_environment_file(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.starts_with("environment") || n.ends_with(".environment") || n == "conda.yml" || n == "conda.yaml")
        && (n.ends_with(".yml") || n.ends_with(".yaml"))
}

/// A conda match spec, parsed.
#[derive(Debug, PartialEq, Eq)]
struct MatchSpec {
    name: String,
    /// Exact version: `==X`, or `=X=build` (conda's `=X` alone is a prefix match: `python=3.11`
    /// accepts 3.11.9).
    version: Option<String>,
    /// The version part as written (for the unpinned finding).
    specifier: String,
    /// purl qualifiers: `build` (from `=X=build`), `channel` and `subdir` (from `channel[/subdir]::name`).
    qualifiers: BTreeMap<String, String>,
}

/// conda platform subdirectories (`conda-forge/linux-64::numpy` names one).
const SUBDIRS: &[&str] = &[
    "noarch",
    "linux-64",
    "linux-32",
    "linux-aarch64",
    "linux-ppc64le",
    "linux-s390x",
    "linux-armv7l",
    "osx-64",
    "osx-arm64",
    "win-64",
    "win-32",
    "win-arm64",
];

fn match_spec(spec: &str) -> Option<MatchSpec> {
    let s = spec.split('#').next().unwrap_or(spec).trim();
    let mut qualifiers = BTreeMap::new();
    let s = match s.rsplit_once("::") {
        Some((channel, n)) => {
            let channel = channel.trim().trim_end_matches('/');
            let (channel, subdir) = match channel.rsplit_once('/') {
                Some((c, sd)) if SUBDIRS.contains(&sd) => (c, Some(sd)),
                _ => (channel, None),
            };
            if !channel.is_empty() {
                qualifiers.insert("channel".to_string(), channel.to_string());
            }
            if let Some(sd) = subdir {
                qualifiers.insert("subdir".to_string(), sd.to_string());
            }
            n.trim()
        }
        None => s,
    };
    let end = s.find(['=', '<', '>', '!', '~', ' ', '[']).unwrap_or(s.len());
    let (name, rest) = s.split_at(end);
    if name.is_empty() {
        return None;
    }
    let rest = rest.trim();
    let (exact, build) = if let Some(v) = rest.strip_prefix("==") {
        match v.split_once('=') {
            Some((v, b)) => (Some(v.trim()), Some(b.trim())),
            None => (Some(v.trim()), None),
        }
    } else if let Some(v) = rest.strip_prefix('=') {
        match v.split_once('=') {
            Some((v, b)) => (Some(v.trim()), Some(b.trim())),
            None => (None, None),
        }
    } else {
        (None, None)
    };
    let exact = exact.filter(|v| !v.is_empty() && !v.contains(['*', ',', '|', '<', '>']));
    // A build string with a wildcard (`=1.26.4=py311*`) matches several builds: not recorded.
    if let Some(b) = build.filter(|b| exact.is_some() && !b.is_empty() && !b.contains(['*', ' ', ',', '|'])) {
        qualifiers.insert("build".to_string(), b.to_string());
    }
    Some(MatchSpec {
        name: name.to_string(),
        version: exact.map(str::to_string),
        specifier: rest.to_string(),
        qualifiers,
    })
}

fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

/// Parse an environment file.
pub fn parse(rel: &str, text: &str) -> Result<Inventory, String> {
    let doc = crate::yaml::load(text)?;
    let deps = doc["dependencies"].as_vec().ok_or("no `dependencies` list")?;
    let mut inv = Inventory::default();
    let at = |needle: &str| match line_of(text, needle) {
        Some(n) => format!("{rel}:{n}"),
        None => rel.to_string(),
    };
    for d in deps {
        match d {
            Yaml::String(spec) => {
                let Some(m) = match_spec(spec) else { continue };
                let mut c = Component::new(Ecosystem::Conda, &m.name, m.version.as_deref()).with_source(at(spec));
                if m.version.is_none() && !m.specifier.is_empty() {
                    c.specifier = Some(m.specifier);
                }
                c.qualifiers = m.qualifiers;
                inv.add(c);
            }
            Yaml::Hash(_) => {
                for spec in d["pip"].as_vec().into_iter().flatten().filter_map(Yaml::as_str) {
                    // `-r file` / `--index-url` lines are pip options, not requirements.
                    if spec.trim_start().starts_with('-') {
                        continue;
                    }
                    let Some(r) = parse_requirement(spec) else { continue };
                    let mut c = Component::new(Ecosystem::Pypi, &r.name, r.version.as_deref()).with_source(at(spec));
                    if r.version.is_none() {
                        c.specifier = Some(r.specifier);
                    }
                    for h in &r.hashes {
                        c.add_hash(h);
                    }
                    inv.add(c);
                }
            }
            _ => {}
        }
    }
    Ok(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conda_specs_and_pip_section() {
        let text = "name: train\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - conda-forge::numpy=1.26.4=py311h64a7726_0\n  - PyTorch==2.3.0\n  - cudatoolkit>=11.8\n  - pip\n  - conda-forge/linux-64::libblas=3.9.0=20_linux64_openblas\n  - scipy=1.13.0=py311*\n  - nvidia::cuda-nvcc==12.1.105\n  - pip:\n    - transformers==4.41.2\n    - accelerate>=0.30\n    - -r requirements.txt\n";
        assert!(is_environment_file("environment.yml") && is_environment_file("environment-gpu.yaml"));
        assert!(!is_environment_file("docker-compose.yml"));
        let inv = parse("environment.yml", text).expect("parse");
        let keys: Vec<&str> = inv.components.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "pkg:conda/cuda-nvcc@12.1.105?channel=nvidia",
                "pkg:conda/cudatoolkit",
                "pkg:conda/libblas@3.9.0?build=20_linux64_openblas&channel=conda-forge&subdir=linux-64",
                "pkg:conda/numpy@1.26.4?build=py311h64a7726_0&channel=conda-forge",
                "pkg:conda/pip",
                "pkg:conda/python",
                "pkg:conda/pytorch@2.3.0",
                "pkg:conda/scipy@1.13.0",
                "pkg:pypi/accelerate",
                "pkg:pypi/transformers@4.41.2",
            ]
        );
        assert_eq!(inv.components["pkg:conda/python"].specifier.as_deref(), Some("=3.11"));
        assert!(
            inv.components["pkg:conda/numpy@1.26.4?build=py311h64a7726_0&channel=conda-forge"]
                .sources
                .contains("environment.yml:5")
        );
        assert!(parse("environment.yml", "name: x\n").is_err());
        assert!(parse("environment.yml", "dependencies: [unclosed\n").is_err());
    }
}

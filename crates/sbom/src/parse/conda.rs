//! conda `environment.yml`: conda packages (`name=version=build`, `channel::name==version`) and
//! the `pip:` section (requirement strings).

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

/// A conda match spec -> (name, exact version, specifier as written). Exact only for `==X` or
/// `=X=build` (conda's `=X` alone is a prefix match: `python=3.11` accepts 3.11.9).
fn match_spec(spec: &str) -> Option<(String, Option<String>, String)> {
    let s = spec.split('#').next().unwrap_or(spec).trim();
    let s = s.rsplit_once("::").map_or(s, |(_, n)| n).trim();
    let end = s.find(['=', '<', '>', '!', '~', ' ', '[']).unwrap_or(s.len());
    let (name, rest) = s.split_at(end);
    if name.is_empty() {
        return None;
    }
    let rest = rest.trim();
    let exact = if let Some(v) = rest.strip_prefix("==") {
        Some(v.trim())
    } else if let Some(v) = rest.strip_prefix('=') {
        v.split_once('=').map(|(v, _build)| v.trim())
    } else {
        None
    };
    let exact = exact.filter(|v| !v.is_empty() && !v.contains(['*', ',', '|', '<', '>']));
    Some((name.to_string(), exact.map(str::to_string), rest.to_string()))
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
                let Some((name, version, rest)) = match_spec(spec) else { continue };
                let mut c = Component::new(Ecosystem::Conda, &name, version.as_deref()).with_source(at(spec));
                if version.is_none() && !rest.is_empty() {
                    c.specifier = Some(rest);
                }
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
        let text = "name: train\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - conda-forge::numpy=1.26.4=py311h64a7726_0\n  - PyTorch==2.3.0\n  - cudatoolkit>=11.8\n  - pip\n  - pip:\n    - transformers==4.41.2\n    - accelerate>=0.30\n    - -r requirements.txt\n";
        assert!(is_environment_file("environment.yml") && is_environment_file("environment-gpu.yaml"));
        assert!(!is_environment_file("docker-compose.yml"));
        let inv = parse("environment.yml", text).expect("parse");
        let keys: Vec<&str> = inv.components.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "pkg:conda/cudatoolkit",
                "pkg:conda/numpy@1.26.4",
                "pkg:conda/pip",
                "pkg:conda/python",
                "pkg:conda/pytorch@2.3.0",
                "pkg:pypi/accelerate",
                "pkg:pypi/transformers@4.41.2",
            ]
        );
        assert_eq!(inv.components["pkg:conda/python"].specifier.as_deref(), Some("=3.11"));
        assert!(inv.components["pkg:conda/numpy@1.26.4"].sources.contains("environment.yml:5"));
        assert!(parse("environment.yml", "name: x\n").is_err());
        assert!(parse("environment.yml", "dependencies: [unclosed\n").is_err());
    }
}

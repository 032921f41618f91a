//! JavaScript lockfiles beyond npm v2/v3: `yarn.lock` (v1 and berry), `pnpm-lock.yaml` (v5, v6,
//! v9) and `package-lock.json` v1.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use yaml_rust2::Yaml;

use crate::model::{Component, Inventory};
use crate::purl::Ecosystem;

/// `name@range` -> (name, range); the `@` of a scope is not a separator.
fn split_descriptor(d: &str) -> Option<(&str, &str)> {
    let d = d.trim().trim_matches('"');
    let at = d[1..].find('@')? + 1;
    Some((&d[..at], &d[at + 1..]))
}

fn unquote(s: &str) -> &str {
    s.trim().trim_matches('"')
}

/// `yarn.lock`: v1 (yarn's own format, not YAML) or berry (YAML with `__metadata`).
pub fn yarn_lock(rel: &str, text: &str) -> Result<Inventory, String> {
    if text.lines().any(|l| l.starts_with("__metadata:")) {
        return yarn_berry(rel, text);
    }
    if !text.contains("yarn lockfile v1") {
        return Err("neither a yarn v1 lockfile (no `# yarn lockfile v1` header) nor a berry one".into());
    }
    // Hand-written: the v1 format is yarn's own indentation-based syntax (not YAML, not JSON),
    // with only three shapes of line.
    struct Entry {
        descriptors: Vec<String>,
        version: Option<String>,
        integrity: Option<String>,
        deps: Vec<String>,
        line: usize,
    }
    let mut entries: Vec<Entry> = Vec::new();
    let mut in_deps = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let l = line.trim();
        if indent == 0 {
            let head = l.strip_suffix(':').ok_or_else(|| format!("line {}: expected `descriptor:`", i + 1))?;
            let descriptors = head.split(", ").map(|d| unquote(d).to_string()).collect();
            entries.push(Entry { descriptors, version: None, integrity: None, deps: Vec::new(), line: i + 1 });
            in_deps = false;
            continue;
        }
        let Some(e) = entries.last_mut() else { return Err(format!("line {}: field outside an entry", i + 1)) };
        if indent <= 2 {
            in_deps = matches!(l, "dependencies:" | "optionalDependencies:");
            if let Some((k, v)) = l.split_once(' ') {
                match k {
                    "version" => e.version = Some(unquote(v).to_string()),
                    "integrity" => e.integrity = Some(unquote(v).to_string()),
                    _ => {}
                }
            }
        } else if in_deps && let Some((k, v)) = l.split_once(' ') {
            e.deps.push(format!("{}@{}", unquote(k), unquote(v)));
        }
    }
    let mut inv = Inventory::default();
    let mut by_desc: BTreeMap<String, String> = BTreeMap::new();
    for e in &entries {
        let Some((name, _)) = e.descriptors.first().and_then(|d| split_descriptor(d)) else { continue };
        let mut c = Component::new(Ecosystem::Npm, name, e.version.as_deref()).with_source(format!("{rel}:{}", e.line));
        if let Some(i) = &e.integrity {
            c.add_integrity(i);
        }
        let key = inv.add(c);
        for d in &e.descriptors {
            by_desc.insert(d.clone(), key.clone());
        }
    }
    for e in &entries {
        let Some(from) = e.descriptors.first().and_then(|d| by_desc.get(d)).cloned() else { continue };
        for d in &e.deps {
            if let Some(to) = by_desc.get(d) {
                inv.edge(&from, to);
            }
        }
    }
    Ok(inv)
}

fn yaml_doc(text: &str) -> Result<Yaml, String> {
    crate::yaml::load(text)
}

fn ystr(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

/// yarn berry (v2+): only `@npm:` resolutions are packages (workspaces, patches, links are not).
/// Its `checksum` hashes yarn's cache zip, not the npm tarball, so it is not a component hash.
fn yarn_berry(rel: &str, text: &str) -> Result<Inventory, String> {
    let doc = yaml_doc(text)?;
    let map = doc.as_hash().ok_or("not a mapping")?;
    let mut inv = Inventory::default();
    let mut by_desc: BTreeMap<String, String> = BTreeMap::new();
    let mut deps: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in map {
        let (Some(keys), Some(resolution)) = (ystr(k), ystr(&v["resolution"])) else { continue };
        let Some((name, res)) = split_descriptor(&resolution) else { continue };
        let Some(version) = res.strip_prefix("npm:") else { continue };
        let c = Component::new(Ecosystem::Npm, name, Some(version)).with_source(rel.to_string());
        let key = inv.add(c);
        for d in keys.split(',') {
            by_desc.insert(d.trim().to_string(), key.clone());
        }
        let mut ds = Vec::new();
        for (dn, range) in v["dependencies"].as_hash().into_iter().flatten() {
            let (Some(dn), Some(range)) = (ystr(dn), ystr(range)) else { continue };
            let range = if range.contains(':') { range } else { format!("npm:{range}") };
            ds.push(format!("{dn}@{range}"));
        }
        deps.push((key, ds));
    }
    for (from, ds) in deps {
        for d in ds {
            if let Some(to) = by_desc.get(&d) {
                inv.edge(&from, to);
            }
        }
    }
    Ok(inv)
}

/// A pnpm package key -> (name, version): `/name/1.0.0_peer` (v5), `/name@1.0.0(peer)` (v6),
/// `name@1.0.0(peer)` (v9).
fn pnpm_key(key: &str) -> Option<(String, String)> {
    let k = key.strip_prefix('/').unwrap_or(key);
    let k = k.split('(').next().unwrap_or(k);
    // v5: the last path segment is the version (semver starts with a digit); peers follow `_`.
    if let Some((name, version)) = k.rsplit_once('/')
        && version.starts_with(|c: char| c.is_ascii_digit())
    {
        let version = version.split('_').next().unwrap_or(version);
        return (!name.is_empty()).then(|| (name.to_string(), version.to_string()));
    }
    split_descriptor(k).map(|(name, version)| (name.to_string(), version.to_string()))
}

/// `pnpm-lock.yaml`: `packages` (components, `resolution.integrity`, v5/v6 `dev`), dependency
/// edges from `packages` (v5/v6) or `snapshots` (v9).
pub fn pnpm_lock(rel: &str, text: &str) -> Result<Inventory, String> {
    let doc = yaml_doc(text)?;
    let pkgs = doc["packages"].as_hash();
    if pkgs.is_none() && doc["lockfileVersion"].is_badvalue() {
        return Err("no `lockfileVersion` and no `packages`".into());
    }
    let mut inv = Inventory::default();
    let mut by_nv: BTreeMap<(String, String), String> = BTreeMap::new();
    for (k, v) in pkgs.into_iter().flatten() {
        let Some((name, version)) = ystr(k).as_deref().and_then(pnpm_key) else { continue };
        if version.starts_with("link:") || version.starts_with("file:") {
            continue;
        }
        let name = ystr(&v["name"]).unwrap_or(name);
        let version = ystr(&v["version"]).unwrap_or(version);
        let mut c = Component::new(Ecosystem::Npm, &name, Some(&version)).with_source(rel.to_string());
        if let Some(i) = ystr(&v["resolution"]["integrity"]) {
            c.add_integrity(&i);
        }
        c.dev = v["dev"].as_bool() == Some(true);
        by_nv.insert((name, version), inv.add(c));
    }
    let graph = if doc["snapshots"].as_hash().is_some() { &doc["snapshots"] } else { &doc["packages"] };
    for (k, v) in graph.as_hash().into_iter().flatten() {
        let Some(from) = ystr(k).as_deref().and_then(pnpm_key).and_then(|nv| by_nv.get(&nv).cloned()) else {
            continue;
        };
        for field in ["dependencies", "optionalDependencies"] {
            for (dn, dv) in v[field].as_hash().into_iter().flatten() {
                let (Some(dn), Some(dv)) = (ystr(dn), ystr(dv)) else { continue };
                let ver = dv.split('(').next().unwrap_or(&dv);
                // v5 peers: `1.0.0_react@18.0.0`; an alias or path (`/x/1.0.0`, `npm:x@1`) is a key.
                let ver = ver.split('_').next().unwrap_or(ver);
                let target = by_nv.get(&(dn.clone(), ver.to_string())).cloned().or_else(|| {
                    pnpm_key(ver.strip_prefix("npm:").unwrap_or(ver)).and_then(|nv| by_nv.get(&nv).cloned())
                });
                if let Some(to) = target {
                    inv.edge(&from, &to);
                }
            }
        }
    }
    Ok(inv)
}

/// `package-lock.json` v1: the nested `dependencies` tree; `requires` resolved like Node does
/// (the nearest enclosing scope that has the name).
pub fn package_lock_v1(rel: &str, j: &Json) -> Result<Inventory, String> {
    type Scope = BTreeMap<String, String>;
    fn scope(rel: &str, deps: &serde_json::Map<String, Json>, inv: &mut Inventory) -> Scope {
        let mut s = Scope::new();
        for (name, d) in deps {
            let version = d.get("version").and_then(Json::as_str);
            if version.is_some_and(|v| v.starts_with("file:")) {
                continue;
            }
            let mut c = Component::new(Ecosystem::Npm, name, version).with_source(rel.to_string());
            if let Some(i) = d.get("integrity").and_then(Json::as_str) {
                c.add_integrity(i);
            }
            c.dev = d.get("dev").and_then(Json::as_bool) == Some(true);
            s.insert(name.clone(), inv.add(c));
        }
        s
    }
    // `stack` ends with the scope of `deps`.
    fn walk(rel: &str, deps: &serde_json::Map<String, Json>, inv: &mut Inventory, stack: &mut Vec<Scope>) {
        if stack.len() > 64 {
            return;
        }
        for (name, d) in deps {
            let Some(from) = stack.last().and_then(|s| s.get(name)).cloned() else { continue };
            let nested = d.get("dependencies").and_then(Json::as_object);
            if let Some(n) = nested {
                let s = scope(rel, n, inv);
                stack.push(s);
            }
            for req in d.get("requires").and_then(Json::as_object).into_iter().flat_map(|r| r.keys()) {
                if let Some(to) = stack.iter().rev().find_map(|s| s.get(req)).cloned() {
                    inv.edge(&from, &to);
                }
            }
            if let Some(n) = nested {
                walk(rel, n, inv, stack);
                stack.pop();
            }
        }
    }
    let deps = j.get("dependencies").and_then(Json::as_object).ok_or("no \"dependencies\"")?;
    let mut inv = Inventory::default();
    let top = scope(rel, deps, &mut inv);
    walk(rel, deps, &mut inv, &mut vec![top]);
    Ok(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(inv: &Inventory) -> Vec<&str> {
        inv.components.keys().map(String::as_str).collect()
    }

    fn deps<'a>(inv: &'a Inventory, from: &str) -> Vec<&'a str> {
        inv.dependencies.get(from).map(|s| s.iter().map(String::as_str).collect()).unwrap_or_default()
    }

    #[test]
    fn yarn_v1_entries_integrity_and_graph() {
        let text = r#"# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@babel/highlight@^7.10.4", "@babel/highlight@^7.12.13":
  version "7.24.7"
  resolved "https://registry.yarnpkg.com/@babel/highlight/-/highlight-7.24.7.tgz#abc"
  integrity sha1-qqqqqqqqqqqqqqqqqqqqqqqqqqo=
  dependencies:
    js-tokens "^4.0.0"

js-tokens@^4.0.0:
  version "4.0.0"
  integrity sha512-AAAA
"#;
        let inv = yarn_lock("yarn.lock", text).expect("parse");
        assert_eq!(keys(&inv), ["pkg:npm/%40babel/highlight@7.24.7", "pkg:npm/js-tokens@4.0.0"]);
        assert_eq!(deps(&inv, "pkg:npm/%40babel/highlight@7.24.7"), ["pkg:npm/js-tokens@4.0.0"]);
        let h = &inv.components["pkg:npm/%40babel/highlight@7.24.7"].hashes;
        assert_eq!(
            h.iter().next().map(|(a, x)| (a.as_str(), x.as_str())),
            Some(("SHA-1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
        );
        assert!(inv.components["pkg:npm/js-tokens@4.0.0"].sources.contains("yarn.lock:12"));
        assert!(yarn_lock("yarn.lock", "not a lockfile").is_err());
        assert!(yarn_lock("yarn.lock", "# yarn lockfile v1\n  version \"1\"\n").is_err());
    }

    #[test]
    fn yarn_berry_npm_resolutions_only() {
        let text = r#"__metadata:
  version: 8
  cacheKey: 10c0

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    "@scope/a": "npm:^1.0.0"
  languageName: unknown
  linkType: soft

"@scope/a@npm:^1.0.0":
  version: 1.2.0
  resolution: "@scope/a@npm:1.2.0"
  dependencies:
    b: ^2.0.0
  checksum: 10c0/ffff
  languageName: node
  linkType: hard

"b@npm:^2.0.0, b@npm:^2.1.0":
  version: 2.1.0
  resolution: "b@npm:2.1.0"
  languageName: node
  linkType: hard
"#;
        let inv = yarn_lock("yarn.lock", text).expect("parse");
        assert_eq!(keys(&inv), ["pkg:npm/%40scope/a@1.2.0", "pkg:npm/b@2.1.0"]);
        assert_eq!(deps(&inv, "pkg:npm/%40scope/a@1.2.0"), ["pkg:npm/b@2.1.0"]);
        assert!(inv.components["pkg:npm/b@2.1.0"].hashes.is_empty(), "berry checksums hash the cache zip");
    }

    #[test]
    fn pnpm_v6_and_v9() {
        let v6 = r#"lockfileVersion: '6.0'
importers: {}
packages:
  /@scope/a@1.0.0(react@18.2.0):
    resolution: {integrity: sha1-qqqqqqqqqqqqqqqqqqqqqqqqqqo=}
    dependencies:
      b: 2.0.0
    dev: false
  /b@2.0.0:
    resolution: {integrity: sha512-AAAA}
    dev: true
"#;
        let inv = pnpm_lock("pnpm-lock.yaml", v6).expect("v6");
        assert_eq!(keys(&inv), ["pkg:npm/%40scope/a@1.0.0", "pkg:npm/b@2.0.0"]);
        assert_eq!(deps(&inv, "pkg:npm/%40scope/a@1.0.0"), ["pkg:npm/b@2.0.0"]);
        assert!(inv.components["pkg:npm/b@2.0.0"].dev);
        assert_eq!(inv.components["pkg:npm/%40scope/a@1.0.0"].hashes.len(), 1);
        let v9 = r#"lockfileVersion: '9.0'
packages:
  '@scope/a@1.0.0':
    resolution: {integrity: sha512-AAAA}
  b@2.0.0:
    resolution: {integrity: sha512-AAAA}
  c@3.0.0:
    resolution: {integrity: sha512-AAAA}
snapshots:
  '@scope/a@1.0.0(react@18.2.0)':
    dependencies:
      b: 2.0.0
      c-alias: c@3.0.0
  b@2.0.0: {}
  c@3.0.0: {}
"#;
        let inv = pnpm_lock("pnpm-lock.yaml", v9).expect("v9");
        assert_eq!(keys(&inv), ["pkg:npm/%40scope/a@1.0.0", "pkg:npm/b@2.0.0", "pkg:npm/c@3.0.0"]);
        assert_eq!(deps(&inv, "pkg:npm/%40scope/a@1.0.0"), ["pkg:npm/b@2.0.0", "pkg:npm/c@3.0.0"]);
        let v5 = "lockfileVersion: 5.4\npackages:\n  /a/1.0.0_react@18.2.0:\n    dependencies:\n      b: 2.0.0\n  /b/2.0.0:\n    dev: true\n";
        let inv = pnpm_lock("pnpm-lock.yaml", v5).expect("v5");
        assert_eq!(keys(&inv), ["pkg:npm/a@1.0.0", "pkg:npm/b@2.0.0"]);
        assert_eq!(deps(&inv, "pkg:npm/a@1.0.0"), ["pkg:npm/b@2.0.0"]);
        assert!(pnpm_lock("pnpm-lock.yaml", "packages: [unclosed\n").is_err());
        assert!(pnpm_lock("pnpm-lock.yaml", "foo: 1\n").is_err());
    }

    #[test]
    fn package_lock_v1_nested_scopes() {
        let text = r#"{"lockfileVersion": 1, "dependencies": {
            "a": {"version": "1.0.0", "integrity": "sha1-qqqqqqqqqqqqqqqqqqqqqqqqqqo=", "requires": {"b": "^2.0.0", "c": "1"},
                  "dependencies": {"b": {"version": "2.0.0"}}},
            "b": {"version": "1.0.0", "dev": true},
            "c": {"version": "1.0.0", "requires": {"b": "^1.0.0"}},
            "local": {"version": "file:../local"}
        }}"#;
        let inv = crate::parse::locks::package_lock("package-lock.json", text).expect("v1");
        assert_eq!(keys(&inv), ["pkg:npm/a@1.0.0", "pkg:npm/b@1.0.0", "pkg:npm/b@2.0.0", "pkg:npm/c@1.0.0"]);
        assert_eq!(deps(&inv, "pkg:npm/a@1.0.0"), ["pkg:npm/b@2.0.0", "pkg:npm/c@1.0.0"]);
        assert_eq!(deps(&inv, "pkg:npm/c@1.0.0"), ["pkg:npm/b@1.0.0"]);
        assert!(inv.components["pkg:npm/b@1.0.0"].dev);
        assert_eq!(inv.components["pkg:npm/a@1.0.0"].hashes.len(), 1);
    }
}

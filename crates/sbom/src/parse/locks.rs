//! Lockfiles and manifests other than requirements files: `pyproject.toml` (PEP 621), `uv.lock`,
//! `poetry.lock`, `Pipfile.lock`, `Cargo.lock`, `package-lock.json` (v2/v3).
//!
//! Each parser takes the file's repo-relative path and text and returns an [`Inventory`] or an
//! error message (the caller turns it into a warning naming the file).

use std::collections::BTreeMap;

use serde_json::Value as Json;
use toml::{Table, Value};

use crate::model::{Component, Inventory};
use crate::parse::requirements::parse_requirement;
use crate::purl::Ecosystem;

fn toml_table(text: &str) -> Result<Table, String> {
    toml::from_str::<Table>(text).map_err(|e| e.to_string().lines().next().unwrap_or("invalid TOML").to_string())
}

fn str_of<'a>(t: &'a Table, k: &str) -> Option<&'a str> {
    t.get(k).and_then(Value::as_str)
}

fn array_of<'a>(t: &'a Table, k: &str) -> &'a [Value] {
    t.get(k).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

/// Resolve edges given by name (and optionally version) among the packages of one lockfile.
struct ByName(BTreeMap<String, Vec<(Option<String>, String)>>);

impl ByName {
    fn new() -> Self {
        ByName(BTreeMap::new())
    }
    fn insert(&mut self, name: &str, version: Option<&str>, key: &str) {
        self.0.entry(name.to_string()).or_default().push((version.map(String::from), key.to_string()));
    }
    /// The bom-ref of `name` (at `version` when several versions are locked).
    fn get(&self, name: &str, version: Option<&str>) -> Option<&str> {
        let all = self.0.get(name)?;
        match (all.as_slice(), version) {
            ([one], _) => Some(&one.1),
            (_, Some(v)) => all.iter().find(|(ver, _)| ver.as_deref() == Some(v)).map(|(_, k)| k.as_str()),
            _ => None,
        }
    }
}

/// The 1-based line of the first line of `text` containing `needle` (for finding locations).
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

/// `rel:line` when the line is known, else `rel`.
fn at(rel: &str, line: Option<usize>) -> String {
    match line {
        Some(n) => format!("{rel}:{n}"),
        None => rel.to_string(),
    }
}

/// `pyproject.toml`: the PEP 621 `[project]` dependencies and optional dependencies (usually
/// ranges, so usually versionless), plus poetry's `[tool.poetry.dependencies]`.
pub fn pyproject(rel: &str, text: &str) -> Result<Inventory, String> {
    let t = toml_table(text)?;
    let mut inv = Inventory::default();
    // The project's own license (PEP 639 expression string, PEP 621 `{text = ...}`, poetry's
    // `license`); `{file = ...}` names a file, not a license, and is not read.
    let project_license = t
        .get("project")
        .and_then(|p| p.get("license"))
        .and_then(|l| l.as_str().or_else(|| l.get("text").and_then(Value::as_str)))
        .or_else(|| t.get("tool").and_then(|v| v.get("poetry")).and_then(|p| p.get("license")).and_then(Value::as_str))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains('\n') && l.len() <= 200);
    if let Some(l) = project_license {
        inv.project_licenses.insert(rel.to_string(), l.to_string());
    }
    let mut add = |spec: &str, dev: bool| {
        if let Some(r) = parse_requirement(spec) {
            let src = at(rel, line_of(text, &format!("\"{spec}\"")).or_else(|| line_of(text, spec)));
            let mut c = Component::new(Ecosystem::Pypi, &r.name, r.version.as_deref()).with_source(src);
            if r.version.is_none() {
                c.specifier = Some(r.specifier);
            }
            c.dev = dev;
            inv.add(c);
        }
    };
    if let Some(p) = t.get("project").and_then(Value::as_table) {
        for d in array_of(p, "dependencies").iter().filter_map(Value::as_str) {
            add(d, false);
        }
        if let Some(opt) = p.get("optional-dependencies").and_then(Value::as_table) {
            for d in opt.values().filter_map(Value::as_array).flatten().filter_map(Value::as_str) {
                add(d, false);
            }
        }
    }
    if let Some(groups) = t.get("dependency-groups").and_then(Value::as_table) {
        for d in groups.values().filter_map(Value::as_array).flatten().filter_map(Value::as_str) {
            add(d, true);
        }
    }
    if let Some(poetry) = t.get("tool").and_then(|v| v.get("poetry")).and_then(Value::as_table) {
        for (name, spec) in poetry.get("dependencies").and_then(Value::as_table).into_iter().flatten() {
            if name.eq_ignore_ascii_case("python") {
                continue;
            }
            let v = spec.as_str().or_else(|| spec.get("version").and_then(Value::as_str)).unwrap_or("");
            // Poetry: a bare version "1.2.3" is an exact pin.
            let pinned = v.trim_start_matches("==");
            let exact = !pinned.is_empty()
                && pinned.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '+' || c == '-');
            let line = text.lines().position(|l| {
                let l = l.trim_start();
                l.starts_with(name.as_str()) && l[name.len()..].trim_start().starts_with('=')
            });
            let src = at(rel, line.map(|i| i + 1));
            let mut c = Component::new(Ecosystem::Pypi, name, exact.then_some(pinned)).with_source(src);
            if !exact {
                c.specifier = Some(v.to_string());
            }
            inv.add(c);
        }
    }
    Ok(inv)
}

/// A dependency as a lockfile names it: (name, version when the lockfile says which one).
type Dep = (String, Option<String>);

/// What differs between the TOML lockfiles with one table per package (uv, poetry, pdm, pylock,
/// Cargo): where the tables are, what a package adds to its component (hashes, dev flag), and how
/// it names its dependencies.
struct TomlLock {
    /// Array of package tables: `package` (`[[package]]`) or `packages` (PEP 751).
    array: &'static str,
    ecosystem: Ecosystem,
    /// Fill in hashes (and the dev flag) from the package table.
    detail: fn(&Table, &mut Component),
    /// The package's dependencies as (name, version when the lockfile says which one).
    deps: fn(&Table) -> Vec<Dep>,
}

impl TomlLock {
    /// One component per package table, then the edges: a dependency resolves to the only locked
    /// package of that name, or to the locked version it names.
    fn read(&self, rel: &str, text: &str) -> Result<Inventory, String> {
        let t = toml_table(text)?;
        let mut inv = Inventory::default();
        let mut names = ByName::new();
        let canon = |n: &str| crate::purl::canonical_name(self.ecosystem, n);
        let pkgs: Vec<&Table> = array_of(&t, self.array).iter().filter_map(Value::as_table).collect();
        for p in &pkgs {
            let (Some(name), version) = (str_of(p, "name"), str_of(p, "version")) else { continue };
            let mut c = Component::new(self.ecosystem, name, version).with_source(rel.to_string());
            (self.detail)(p, &mut c);
            let key = inv.add(c);
            names.insert(&canon(name), version, &key);
        }
        for p in &pkgs {
            let Some(name) = str_of(p, "name") else { continue };
            let Some(from) = names.get(&canon(name), str_of(p, "version")).map(String::from) else { continue };
            for (dn, dv) in (self.deps)(p) {
                if let Some(to) = names.get(&canon(&dn), dv.as_deref()) {
                    inv.edge(&from, to);
                }
            }
        }
        Ok(inv)
    }
}

/// `[{ name, version? }]` dependency tables (uv, pylock).
fn named_deps<'a>(list: impl IntoIterator<Item = &'a Value>) -> Vec<Dep> {
    list.into_iter()
        .filter_map(|d| {
            let name = d.get("name")?.as_str()?.to_string();
            Some((name, d.get("version").and_then(Value::as_str).map(String::from)))
        })
        .collect()
}

/// `hash = "sha256:..."` of each file table.
fn file_hashes<'a>(c: &mut Component, files: impl IntoIterator<Item = &'a Value>) {
    for h in files.into_iter().filter_map(|f| f.get("hash")?.as_str()) {
        c.add_hash(h);
    }
}

/// `uv.lock`: `[[package]]` with `dependencies = [{ name, version? }]` (also optional and dev
/// groups) and sdist/wheel hashes.
pub fn uv_lock(rel: &str, text: &str) -> Result<Inventory, String> {
    TomlLock {
        array: "package",
        ecosystem: Ecosystem::Pypi,
        detail: |p, c| file_hashes(c, array_of(p, "wheels").iter().chain(p.get("sdist"))),
        deps: |p| {
            let mut deps: Vec<&Value> = array_of(p, "dependencies").iter().collect();
            for group in ["optional-dependencies", "dev-dependencies"] {
                if let Some(g) = p.get(group).and_then(Value::as_table) {
                    deps.extend(g.values().filter_map(Value::as_array).flatten());
                }
            }
            named_deps(deps)
        },
    }
    .read(rel, text)
}

/// `poetry.lock`: `[[package]]` with `[package.dependencies]` and `files = [{ hash }]`.
pub fn poetry_lock(rel: &str, text: &str) -> Result<Inventory, String> {
    TomlLock {
        array: "package",
        ecosystem: Ecosystem::Pypi,
        detail: |p, c| {
            file_hashes(c, array_of(p, "files"));
            c.dev = str_of(p, "category") == Some("dev");
        },
        deps: |p| {
            let deps = p.get("dependencies").and_then(Value::as_table);
            deps.into_iter().flat_map(|d| d.keys()).map(|n| (n.clone(), None)).collect()
        },
    }
    .read(rel, text)
}

/// `pdm.lock`: `[[package]]` with `dependencies = ["name>=x ; marker", ...]` and
/// `files = [{ hash }]`.
pub fn pdm_lock(rel: &str, text: &str) -> Result<Inventory, String> {
    TomlLock {
        array: "package",
        ecosystem: Ecosystem::Pypi,
        detail: |p, c| file_hashes(c, array_of(p, "files")),
        deps: |p| {
            let reqs = array_of(p, "dependencies").iter().filter_map(Value::as_str).filter_map(parse_requirement);
            reqs.map(|r| (r.name, None)).collect()
        },
    }
    .read(rel, text)
}

/// `pylock.toml` (PEP 751): `[[packages]]` with `name`, `version`, `dependencies = [{ name }]`
/// and `wheels`/`sdist` hashes (`hashes = { sha256 = "..." }`).
pub fn pylock(rel: &str, text: &str) -> Result<Inventory, String> {
    TomlLock {
        array: "packages",
        ecosystem: Ecosystem::Pypi,
        detail: |p, c| {
            let files = array_of(p, "wheels").iter().chain(p.get("sdist"));
            for hashes in files.filter_map(|f| f.get("hashes")?.as_table()) {
                for (alg, hex) in hashes.iter().filter_map(|(a, h)| Some((a, h.as_str()?))) {
                    c.add_hash(&format!("{alg}:{hex}"));
                }
            }
        },
        deps: |p| named_deps(array_of(p, "dependencies")),
    }
    .read(rel, text)
}

/// `Pipfile.lock`: `default` and `develop` sections, `version: "==x"`, `hashes`.
pub fn pipfile_lock(rel: &str, text: &str) -> Result<Inventory, String> {
    let j: Json = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut inv = Inventory::default();
    for (section, dev) in [("default", false), ("develop", true)] {
        for (name, spec) in j.get(section).and_then(Json::as_object).into_iter().flatten() {
            let version = spec
                .get("version")
                .and_then(Json::as_str)
                .and_then(|v| v.strip_prefix("===").or_else(|| v.strip_prefix("==")));
            let mut c = Component::new(Ecosystem::Pypi, name, version).with_source(rel.to_string());
            for h in spec.get("hashes").and_then(Json::as_array).into_iter().flatten().filter_map(Json::as_str) {
                c.add_hash(h);
            }
            c.dev = dev;
            inv.add(c);
        }
    }
    Ok(inv)
}

/// `Cargo.lock`: `[[package]]` with `checksum` and `dependencies = ["name", "name version",
/// "name version (source)"]`.
pub fn cargo_lock(rel: &str, text: &str) -> Result<Inventory, String> {
    TomlLock {
        array: "package",
        ecosystem: Ecosystem::Cargo,
        detail: |p, c| {
            if let Some(sum) = str_of(p, "checksum") {
                c.add_hash(&format!("sha256:{sum}"));
            }
        },
        deps: |p| {
            let specs = array_of(p, "dependencies").iter().filter_map(Value::as_str);
            specs
                .map(|d| {
                    let mut parts = d.split_whitespace();
                    (parts.next().unwrap_or("").to_string(), parts.next().map(String::from))
                })
                .collect()
        },
    }
    .read(rel, text)
}

/// Hugging Face `kernels.lock` (the `kernels` package's lockfile): a JSON array of
/// `{repo_id, sha, variants: {build: {hash, hash_type}}}`, compiled kernels that are fetched from
/// the Hub at run time. Each is a `pkg:huggingface/<repo>@<commit>` component; the variant hashes
/// are git-LFS listing hashes of whole build directories, not file hashes, so they are not
/// component hashes: the variant names (platform builds) are kept as a property.
pub fn kernels_lock(rel: &str, text: &str) -> Result<Inventory, String> {
    let j: Json = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let entries = j.as_array().ok_or("not a JSON array of kernels")?;
    let mut inv = Inventory::default();
    for (i, k) in entries.iter().enumerate() {
        let Some(repo) = k.get("repo_id").and_then(Json::as_str).and_then(crate::mlmeta::hub_id) else {
            inv.warnings.push(format!("{rel}: entry {i}: no Hub `repo_id`; skipped"));
            continue;
        };
        let sha =
            k.get("sha").and_then(Json::as_str).filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()));
        let line = line_of(text, &format!("\"{repo}\""));
        let mut c = Component::new(Ecosystem::Huggingface, &repo, sha).with_source(at(rel, line));
        if let Some(v) = k.get("variants").and_then(Json::as_object) {
            let names: Vec<&str> = v.keys().map(String::as_str).collect();
            c.properties.insert(("mlsec:kernel-variants".to_string(), names.join(", ")));
        }
        inv.add(c);
    }
    Ok(inv)
}

/// `package-lock.json` v2/v3: the `packages` map keyed by `node_modules/...` paths; dependencies
/// resolved the way Node does (nearest `node_modules` up the path).
pub fn package_lock(rel: &str, text: &str) -> Result<Inventory, String> {
    let j: Json = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let version = j.get("lockfileVersion").and_then(Json::as_u64).unwrap_or(0);
    let Some(pkgs) = j.get("packages").and_then(Json::as_object) else {
        if version <= 1 && j.get("dependencies").is_some() {
            return crate::parse::js::package_lock_v1(rel, &j);
        }
        return Err(format!("lockfileVersion {version} has neither \"packages\" (v2/v3) nor \"dependencies\" (v1)"));
    };
    let mut inv = Inventory::default();
    let mut keys: BTreeMap<&str, String> = BTreeMap::new();
    for (path, p) in pkgs {
        if path.is_empty() || p.get("link").and_then(Json::as_bool) == Some(true) {
            continue;
        }
        let Some(idx) = path.rfind("node_modules/") else { continue }; // workspace folders
        let name = p.get("name").and_then(Json::as_str).unwrap_or(&path[idx + "node_modules/".len()..]);
        let mut c =
            Component::new(Ecosystem::Npm, name, p.get("version").and_then(Json::as_str)).with_source(rel.to_string());
        c.dev = p.get("dev").and_then(Json::as_bool) == Some(true);
        if let Some(i) = p.get("integrity").and_then(Json::as_str) {
            c.add_integrity(i);
        }
        // npm copies `license` from package.json (a string; very old packages: {"type": ...}).
        c.license = p
            .get("license")
            .and_then(|l| l.as_str().or_else(|| l.get("type").and_then(Json::as_str)))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string);
        c.license_expected = true;
        keys.insert(path.as_str(), inv.add(c));
    }
    for (path, p) in pkgs {
        let Some(from) = keys.get(path.as_str()).cloned() else { continue };
        for field in ["dependencies", "optionalDependencies", "peerDependencies"] {
            for dn in p.get(field).and_then(Json::as_object).into_iter().flat_map(|d| d.keys()) {
                // Node resolution: <path>/node_modules/<dn>, then each ancestor's node_modules.
                let mut base = path.as_str();
                loop {
                    let cand = if base.is_empty() {
                        format!("node_modules/{dn}")
                    } else {
                        format!("{base}/node_modules/{dn}")
                    };
                    if let Some(to) = keys.get(cand.as_str()) {
                        inv.edge(&from, to);
                        break;
                    }
                    if base.is_empty() {
                        break;
                    }
                    base = base.rfind("/node_modules/").map(|i| &base[..i]).unwrap_or("");
                }
            }
        }
    }
    Ok(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(inv: &Inventory) -> Vec<&str> {
        inv.components.keys().map(String::as_str).collect()
    }

    #[test]
    fn uv_lock_components_hashes_and_graph() {
        let text = r#"version = 1
requires-python = ">=3.10"

[[package]]
name = "my-app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "Requests" }]

[[package]]
name = "requests"
version = "2.31.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "idna" }]
sdist = { url = "https://x/requests-2.31.0.tar.gz", hash = "sha256:8909cde2f411a84e86e7a39c8a3916b7cda6a9d977778030b6f6a491401400bc", size = 1 }
wheels = [{ url = "https://x/requests.whl", hash = "sha256:65a5c76a2342442a13543b06e568c885ab0cba6762bf4e41dba8512e3989905e", size = 1 }]

[[package]]
name = "idna"
version = "3.6"
source = { registry = "https://pypi.org/simple" }
"#;
        let inv = uv_lock("uv.lock", text).unwrap();
        assert_eq!(keys(&inv), ["pkg:pypi/idna@3.6", "pkg:pypi/my-app@0.1.0", "pkg:pypi/requests@2.31.0"]);
        assert_eq!(inv.components["pkg:pypi/requests@2.31.0"].hashes.len(), 2);
        assert!(inv.dependencies["pkg:pypi/my-app@0.1.0"].contains("pkg:pypi/requests@2.31.0"));
        assert!(inv.dependencies["pkg:pypi/requests@2.31.0"].contains("pkg:pypi/idna@3.6"));
    }

    #[test]
    fn poetry_lock_components_and_graph() {
        let text = r#"[[package]]
name = "Flask"
version = "3.0.0"
description = ""
optional = false
python-versions = ">=3.8"
files = [{file = "flask-3.0.0.whl", hash = "sha256:88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589"}]

[package.dependencies]
Werkzeug = ">=3.0.0"

[[package]]
name = "werkzeug"
version = "3.0.1"
files = []

[metadata]
lock-version = "2.0"
"#;
        let inv = poetry_lock("poetry.lock", text).unwrap();
        assert_eq!(keys(&inv), ["pkg:pypi/flask@3.0.0", "pkg:pypi/werkzeug@3.0.1"]);
        assert!(inv.dependencies["pkg:pypi/flask@3.0.0"].contains("pkg:pypi/werkzeug@3.0.1"));
    }

    #[test]
    fn pdm_lock_components_hashes_and_graph() {
        let text = format!(
            r#"[metadata]
lock_version = "4.4"

[[package]]
name = "httpx"
version = "0.27.0"
dependencies = ["anyio", "sniffio ; python_version >= '3.8'"]
files = [{{file = "httpx-0.27.0.whl", hash = "sha256:{h}"}}]

[[package]]
name = "anyio"
version = "4.3.0"

[[package]]
name = "Sniffio"
version = "1.3.1"
"#,
            h = "a".repeat(64)
        );
        let inv = pdm_lock("pdm.lock", &text).unwrap();
        assert_eq!(keys(&inv), ["pkg:pypi/anyio@4.3.0", "pkg:pypi/httpx@0.27.0", "pkg:pypi/sniffio@1.3.1"]);
        let deps: Vec<&str> = inv.dependencies["pkg:pypi/httpx@0.27.0"].iter().map(String::as_str).collect();
        assert_eq!(deps, ["pkg:pypi/anyio@4.3.0", "pkg:pypi/sniffio@1.3.1"]);
        assert_eq!(inv.components["pkg:pypi/httpx@0.27.0"].hashes.len(), 1);
    }

    #[test]
    fn pylock_components_hashes_and_graph() {
        let text = format!(
            r#"lock-version = "1.0"
created-by = "uv"

[[packages]]
name = "numpy"
version = "2.0.0"
wheels = [{{ name = "numpy-2.0.0-cp312.whl", url = "https://x/numpy.whl", hashes = {{ sha256 = "{h}" }} }}]

[[packages]]
name = "pandas"
version = "2.2.2"
dependencies = [{{ name = "numpy" }}]
sdist = {{ name = "pandas-2.2.2.tar.gz", hashes = {{ sha256 = "{h}" }} }}
"#,
            h = "b".repeat(64)
        );
        let inv = pylock("pylock.toml", &text).unwrap();
        assert_eq!(keys(&inv), ["pkg:pypi/numpy@2.0.0", "pkg:pypi/pandas@2.2.2"]);
        assert!(inv.dependencies["pkg:pypi/pandas@2.2.2"].contains("pkg:pypi/numpy@2.0.0"));
        assert_eq!(inv.components["pkg:pypi/pandas@2.2.2"].hashes.len(), 1);
        assert_eq!(inv.components["pkg:pypi/numpy@2.0.0"].hashes.len(), 1);
    }

    #[test]
    fn pipfile_lock_sections() {
        let text = r#"{"_meta": {}, "default": {"six": {"version": "==1.16.0", "hashes": ["sha256:cef21dcba1879e6dc5aa275d966ec29060f914bf867714311e522cfcdc533bbc"]}},
                       "develop": {"pytest": {"version": "==8.0.0"}, "local": {"path": "."}}}"#;
        let inv = pipfile_lock("Pipfile.lock", text).unwrap();
        assert_eq!(keys(&inv), ["pkg:pypi/local", "pkg:pypi/pytest@8.0.0", "pkg:pypi/six@1.16.0"]);
        assert!(inv.components["pkg:pypi/pytest@8.0.0"].dev);
    }

    #[test]
    fn cargo_lock_resolves_versioned_dependencies() {
        let text = r#"version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["syn 2.0.1", "quote"]

[[package]]
name = "quote"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "961b6dd3ede3cb8ecbaacbd68de040cd78eb2ed5889130cceb4c49268ea4d506"

[[package]]
name = "syn"
version = "1.0.109"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "syn"
version = "2.0.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
        let inv = cargo_lock("Cargo.lock", text).unwrap();
        assert_eq!(
            keys(&inv),
            ["pkg:cargo/app@0.1.0", "pkg:cargo/quote@1.0.0", "pkg:cargo/syn@1.0.109", "pkg:cargo/syn@2.0.1"]
        );
        let deps: Vec<&str> = inv.dependencies["pkg:cargo/app@0.1.0"].iter().map(String::as_str).collect();
        assert_eq!(deps, ["pkg:cargo/quote@1.0.0", "pkg:cargo/syn@2.0.1"]);
        assert_eq!(inv.components["pkg:cargo/quote@1.0.0"].hashes.len(), 1);
    }

    #[test]
    fn package_lock_v3_scopes_nesting_and_links() {
        let text = r#"{"name": "web", "lockfileVersion": 3, "packages": {
            "": {"name": "web", "dependencies": {"@scope/a": "^1"}},
            "node_modules/@scope/a": {"version": "1.0.0", "dependencies": {"b": "^2"}},
            "node_modules/@scope/a/node_modules/b": {"version": "2.0.0"},
            "node_modules/b": {"version": "1.0.0", "dev": true},
            "node_modules/ws": {"resolved": "packages/ws", "link": true},
            "packages/ws": {"name": "ws", "version": "0.0.1"}
        }}"#;
        let inv = package_lock("package-lock.json", text).unwrap();
        assert_eq!(keys(&inv), ["pkg:npm/%40scope/a@1.0.0", "pkg:npm/b@1.0.0", "pkg:npm/b@2.0.0"]);
        let deps: Vec<&str> = inv.dependencies["pkg:npm/%40scope/a@1.0.0"].iter().map(String::as_str).collect();
        assert_eq!(deps, ["pkg:npm/b@2.0.0"]);
        assert!(inv.components["pkg:npm/b@1.0.0"].dev);
        assert!(package_lock("p", r#"{"lockfileVersion": 1}"#).is_err());
    }

    #[test]
    fn pyproject_pep621_and_poetry() {
        let text = r#"[project]
name = "app"
dependencies = ["numpy>=1.24", "Pillow==10.0.0 ; sys_platform != 'win32'"]
[project.optional-dependencies]
gpu = ["triton==2.1.0"]
[tool.poetry.dependencies]
python = "^3.10"
tokenizers = "0.15.0"
torch = { version = "^2.1" }
"#;
        let inv = pyproject("pyproject.toml", text).unwrap();
        assert_eq!(
            keys(&inv),
            [
                "pkg:pypi/numpy",
                "pkg:pypi/pillow@10.0.0",
                "pkg:pypi/tokenizers@0.15.0",
                "pkg:pypi/torch",
                "pkg:pypi/triton@2.1.0"
            ]
        );
        let src = |k: &str| inv.components[k].sources.iter().next().cloned().unwrap_or_default();
        assert_eq!(src("pkg:pypi/numpy"), "pyproject.toml:3");
        assert_eq!(src("pkg:pypi/triton@2.1.0"), "pyproject.toml:5");
        assert_eq!(src("pkg:pypi/torch"), "pyproject.toml:9");
    }

    #[test]
    fn kernels_lock_entries_are_hub_repos_at_a_commit() {
        let text = r#"[
  {"repo_id": "kernels-community/paged-attention", "sha": "1E0A9708f0fe47009a3d292226c5492474353258",
   "variants": {"torch25-cxx11-cu118-x86_64-linux": {"hash": "sha256-99", "hash_type": "git_lfs_concat"},
                "torch26-cxx11-cu124-x86_64-linux": {"hash": "sha256-54", "hash_type": "git_lfs_concat"}}},
  {"repo_id": "kernels-community/moe"},
  {"repo_id": "../../etc", "sha": "ab"}
]"#;
        let inv = kernels_lock("server/kernels.lock", text).unwrap();
        assert_eq!(
            keys(&inv),
            [
                "pkg:huggingface/kernels-community/moe",
                "pkg:huggingface/kernels-community/paged-attention@1e0a9708f0fe47009a3d292226c5492474353258"
            ]
        );
        let c = &inv.components["pkg:huggingface/kernels-community/paged-attention@1e0a9708f0fe47009a3d292226c5492474353258"];
        assert!(c.sources.contains("server/kernels.lock:2"));
        assert!(c.hashes.is_empty(), "git-LFS listing hashes are not file hashes");
        assert_eq!(
            c.properties.iter().next().map(|(n, v)| (n.as_str(), v.as_str())),
            Some(("mlsec:kernel-variants", "torch25-cxx11-cu118-x86_64-linux, torch26-cxx11-cu124-x86_64-linux"))
        );
        assert_eq!(inv.warnings, ["server/kernels.lock: entry 2: no Hub `repo_id`; skipped"]);
        assert!(kernels_lock("kernels.lock", "{}").is_err());
    }

    #[test]
    fn malformed_lockfiles_are_errors_not_panics() {
        assert!(uv_lock("uv.lock", "[[package]\nname=").is_err());
        assert!(cargo_lock("Cargo.lock", "\u{0}").is_err());
        assert!(pipfile_lock("Pipfile.lock", "{").is_err());
        assert!(package_lock("package-lock.json", "[]").is_err());
    }
}

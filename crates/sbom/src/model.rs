//! The inventory: components found in a project and the dependency edges between them.

use std::collections::{BTreeMap, BTreeSet};

use crate::purl::{self, Ecosystem};

/// One package found in a manifest or lockfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Ecosystem.
    pub ecosystem: Ecosystem,
    /// Canonical name (PEP 503 for PyPI).
    pub name: String,
    /// Exact version when the manifest pins one (`==`/`===` for requirements), else None.
    pub version: Option<String>,
    /// The version specifier as written when not pinned (e.g. `>=1.0`), for findings.
    pub specifier: Option<String>,
    /// Hashes as (CycloneDX algorithm name, lower-case hex).
    pub hashes: BTreeSet<(String, String)>,
    /// Repo-relative manifest paths (with `:line` where known) that declare it.
    pub sources: BTreeSet<String>,
    /// Development-only dependency (npm `dev`, poetry group `dev`, Pipfile `develop`).
    pub dev: bool,
    /// Declared license (an SPDX id or expression, or a name as written), when the source records one.
    pub license: Option<String>,
    /// The source usually records a license (installed `METADATA`, npm lockfile v2/v3), so a
    /// missing one is worth a `missing-license` finding.
    pub license_expected: bool,
    /// purl qualifiers (conda `build`, `channel`, `subdir`), part of the purl and so of the bom-ref.
    pub qualifiers: BTreeMap<String, String>,
    /// Installed files (repo-relative path -> lower-case hex SHA-256 when the `RECORD` gives one),
    /// from an installed distribution's `RECORD`.
    pub files: BTreeMap<String, Option<String>>,
    /// Extra `(name, value)` properties (`mlsec:kernel-variants`).
    pub properties: BTreeSet<(String, String)>,
}

impl Component {
    /// A component with no hashes and no sources yet.
    pub fn new(ecosystem: Ecosystem, name: &str, version: Option<&str>) -> Self {
        Component {
            ecosystem,
            name: purl::canonical_name(ecosystem, name),
            version: version.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()),
            specifier: None,
            hashes: BTreeSet::new(),
            sources: BTreeSet::new(),
            dev: false,
            license: None,
            license_expected: false,
            qualifiers: BTreeMap::new(),
            files: BTreeMap::new(),
            properties: BTreeSet::new(),
        }
    }

    /// The purl (versionless when no version is pinned), with its qualifiers.
    pub fn purl(&self) -> String {
        let base = purl::purl(self.ecosystem, &self.name, self.version.as_deref());
        purl::with_qualifiers(base, &self.qualifiers)
    }

    /// Add a source path.
    pub fn with_source(mut self, source: String) -> Self {
        self.sources.insert(source);
        self
    }

    /// Add an npm/SRI `integrity` value (`sha512-<base64>`, space-separated alternatives).
    pub fn add_integrity(&mut self, sri: &str) {
        use base64::Engine as _;
        for part in sri.split_whitespace() {
            let Some((alg, b64)) = part.split_once('-') else { continue };
            let b64 = b64.split('?').next().unwrap_or(b64);
            if let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64) {
                let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
                self.add_hash(&format!("{alg}:{hex}"));
            }
        }
    }

    /// Add a hash written as `alg:hex` (pip, uv, poetry) when the algorithm is known.
    pub fn add_hash(&mut self, spec: &str) {
        let Some((alg, hex)) = spec.trim().split_once(':') else { return };
        let (alg, len) = match alg.to_ascii_lowercase().as_str() {
            "sha256" => ("SHA-256", 64),
            "sha384" => ("SHA-384", 96),
            "sha512" => ("SHA-512", 128),
            "sha1" => ("SHA-1", 40),
            "md5" => ("MD5", 32),
            _ => return,
        };
        // A truncated or mistyped digest is dropped rather than written into an invalid SBOM.
        if hex.len() == len && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            self.hashes.insert((alg.to_string(), hex.to_ascii_lowercase()));
        }
    }
}

/// Components keyed by bom-ref (their purl) and dependency edges between bom-refs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    /// Components by bom-ref.
    pub components: BTreeMap<String, Component>,
    /// Edges `from -> {to}` by bom-ref.
    pub dependencies: BTreeMap<String, BTreeSet<String>>,
    /// Model files detected by content, by repo-relative path.
    pub models: BTreeMap<String, crate::models::ModelFile>,
    /// Hugging Face model directories, by repo-relative directory.
    pub hf_models: BTreeMap<String, crate::mlmeta::HfModel>,
    /// Dataset files (present or DVC-tracked), by repo-relative path.
    pub datasets: BTreeMap<String, crate::mlmeta::DataFile>,
    /// ML lineage from DVC pipelines: bom-ref of an output (`data:`/`model:`) -> the bom-refs of
    /// the data/model inputs its stage read.
    pub lineage: BTreeMap<String, BTreeSet<String>>,
    /// Licenses the project declares about itself, by manifest (`pyproject.toml` `license`).
    pub project_licenses: BTreeMap<String, String>,
    /// Files that could not be read or parsed (repo-relative path, reason).
    pub warnings: Vec<String>,
}

impl Inventory {
    /// Add a component, merging with one of the same bom-ref; returns its bom-ref.
    pub fn add(&mut self, c: Component) -> String {
        let key = c.purl();
        match self.components.get_mut(&key) {
            Some(existing) => {
                existing.hashes.extend(c.hashes);
                existing.sources.extend(c.sources);
                existing.dev &= c.dev;
                if existing.specifier.is_none() {
                    existing.specifier = c.specifier;
                }
                if existing.license.is_none() {
                    existing.license = c.license;
                }
                existing.license_expected |= c.license_expected;
                existing.files.extend(c.files);
                existing.properties.extend(c.properties);
            }
            None => {
                self.components.insert(key.clone(), c);
            }
        }
        key
    }

    /// Add a dependency edge (self-edges are dropped).
    pub fn edge(&mut self, from: &str, to: &str) {
        if from != to {
            self.dependencies.entry(from.to_string()).or_default().insert(to.to_string());
        }
    }

    /// Merge another inventory into this one.
    pub fn extend(&mut self, other: Inventory) {
        for (_, c) in other.components {
            self.add(c);
        }
        for (from, tos) in other.dependencies {
            self.dependencies.entry(from).or_default().extend(tos);
        }
        self.models.extend(other.models);
        self.hf_models.extend(other.hf_models);
        self.datasets.extend(other.datasets);
        for (from, tos) in other.lineage {
            self.lineage.entry(from).or_default().extend(tos);
        }
        self.project_licenses.extend(other.project_licenses);
        self.warnings.extend(other.warnings);
    }

    /// Drop a versionless PyPI/npm/cargo component when the same package is also found pinned
    /// (a `pyproject.toml` range next to its lockfile's exact version); edges are re-pointed.
    pub fn fold_unpinned(&mut self) {
        let mut pinned: BTreeMap<(Ecosystem, String), Vec<String>> = BTreeMap::new();
        for (k, c) in &self.components {
            if c.version.is_some() {
                pinned.entry((c.ecosystem, c.name.clone())).or_default().push(k.clone());
            }
        }
        let mut redirect: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let keys: Vec<String> =
            self.components.iter().filter(|(_, c)| c.version.is_none()).map(|(k, _)| k.clone()).collect();
        for k in keys {
            let Some(c) = self.components.get(&k) else { continue };
            if let Some(targets) = pinned.get(&(c.ecosystem, c.name.clone())) {
                let sources = c.sources.clone();
                for t in targets {
                    if let Some(p) = self.components.get_mut(t) {
                        p.sources.extend(sources.iter().cloned());
                    }
                }
                redirect.insert(k.clone(), targets.clone());
                self.components.remove(&k);
            }
        }
        if redirect.is_empty() {
            return;
        }
        let old = std::mem::take(&mut self.dependencies);
        for (from, tos) in old {
            let froms = redirect.get(&from).cloned().unwrap_or_else(|| vec![from.clone()]);
            for f in &froms {
                for t in &tos {
                    for t2 in redirect.get(t).cloned().unwrap_or_else(|| vec![t.clone()]) {
                        self.edge(f, &t2);
                    }
                }
            }
        }
    }
}

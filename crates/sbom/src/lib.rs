//! `sbom`: CycloneDX 1.6/1.5 and SPDX 2.3 JSON SBOMs of a project, built by parsing its
//! manifests, lockfiles and Dockerfiles natively (no package manager is run, nothing is fetched), plus
//! findings in the mlsec SARIF profile for what the SBOM reveals (unpinned requirements).
//!
//! The binary is a thin shell over [`run`].
#![deny(missing_docs)]

pub mod cli;
pub mod license;
pub mod mlmeta;
pub mod model;
pub mod models;
pub mod output;
pub mod parse;
pub mod purl;
pub mod scan;
pub mod yaml;

use std::io::Write;
use std::path::{Path, PathBuf};

use mlsec_findings::{Category, Confidence, Finding, FindingsFile, Location, Rule, Run, Severity, fingerprint};
use thiserror::Error;

pub use model::{Component, Inventory};
pub use output::{DocInfo, SpecVersion};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CycloneDX JSON (default).
    CycloneDxJson,
    /// SPDX 2.3 JSON.
    SpdxJson,
}

/// Validated settings of one run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Project directory (or a single manifest file).
    pub target: PathBuf,
    /// Where to write the SBOM (`-` for stdout).
    pub output: PathBuf,
    /// Output format.
    pub format: Format,
    /// CycloneDX spec version.
    pub spec_version: SpecVersion,
    /// Where to write findings (SARIF), if asked.
    pub findings: Option<PathBuf>,
    /// Creation time of the documents (RFC 3339 UTC).
    pub timestamp: String,
    /// Baseline findings (SARIF): findings already in it are marked unchanged.
    pub baseline: Option<PathBuf>,
    /// Paths (relative to the target) not scanned: a matching directory prunes its subtree.
    pub exclude: globset::GlobSet,
    /// Rule ids to emit (`[sbom] rules`); None emits every rule.
    pub rules: Option<std::collections::BTreeSet<String>>,
}

/// Every rule id `sbom` can emit.
pub const RULES: &[&str] = &[RULE_UNPINNED, RULE_PICKLE, RULE_MISSING_LICENSE];

/// Compile `[sbom] exclude` globs (`tests/fixtures`, `**/*.csv`); `*` does not cross `/`.
pub fn exclude_set(patterns: &[String]) -> Result<globset::GlobSet, globset::Error> {
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        let p = p.trim().trim_start_matches("./").trim_end_matches('/');
        b.add(globset::GlobBuilder::new(p).literal_separator(true).build()?);
    }
    b.build()
}

/// What can stop `sbom` from doing its job (exit 2).
#[derive(Debug, Error)]
pub enum SbomError {
    /// The target does not exist or cannot be read.
    #[error("{path}: cannot scan: {source}")]
    Target {
        /// The target.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An output could not be written.
    #[error("{path}: cannot write: {message}")]
    Write {
        /// The output.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The baseline could not be read.
    #[error("{path}: cannot read the baseline: {message}")]
    Baseline {
        /// The baseline file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// `SOURCE_DATE_EPOCH` is not a Unix timestamp.
    #[error("SOURCE_DATE_EPOCH={0:?} is not a Unix timestamp in seconds")]
    SourceDateEpoch(String),
}

/// The document timestamp: `SOURCE_DATE_EPOCH` (reproducible builds) when given, else now.
pub fn timestamp(source_date_epoch: Option<&str>) -> Result<String, SbomError> {
    let t = match source_date_epoch.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s
            .parse::<i64>()
            .ok()
            .and_then(|n| time::OffsetDateTime::from_unix_timestamp(n).ok())
            .ok_or_else(|| SbomError::SourceDateEpoch(s.to_string()))?,
        None => time::OffsetDateTime::now_utc(),
    };
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&f).map_err(|_| SbomError::SourceDateEpoch(format!("{t}")))
}

/// The project name used in the documents: the target directory's name (never its full path).
pub fn project_name(target: &Path) -> String {
    let abs = std::path::absolute(target).unwrap_or_else(|_| target.to_path_buf());
    let dir = if abs.is_file() { abs.parent().map(Path::to_path_buf).unwrap_or_default() } else { abs };
    let mut name = dir.components().filter_map(|c| match c {
        std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
        _ => None,
    });
    name.next_back().filter(|n| !n.is_empty()).unwrap_or_else(|| "project".to_string())
}

/// Render the SBOM document.
pub fn render(inv: &Inventory, info: &DocInfo, format: Format, spec: SpecVersion) -> Vec<u8> {
    let doc = match format {
        Format::CycloneDxJson => output::cyclonedx(inv, info, spec),
        Format::SpdxJson => output::spdx(inv, info),
    };
    let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Rule id of the unpinned-requirement finding.
pub const RULE_UNPINNED: &str = "unpinned-requirement";

/// Rule id of the pickle-format model finding.
pub const RULE_PICKLE: &str = "pickle-model";

/// Rule id of the missing-license finding.
pub const RULE_MISSING_LICENSE: &str = "missing-license";

/// Findings for what the inventory reveals: Python requirements without an exact version, and
/// model files in pickle-based formats.
pub fn findings(inv: &Inventory) -> FindingsFile {
    let mut run = Run::new("sbom", env!("CARGO_PKG_VERSION"), ".");
    let mut rule = Rule::new(RULE_UNPINNED, Category::Sbom, "Requirement without an exact version");
    rule.help_uri = Some(format!("{}/blob/main/docs/sbom.md#unpinned-requirement", mlsec_findings::PROJECT_URL));
    rule.help_markdown = Some(
        "A requirement without `==` resolves to whatever version is newest at install time, so the SBOM \
         cannot say what runs. Pin it with `==` (and `--hash`), or install from a lockfile (uv.lock, poetry.lock)."
            .to_string(),
    );
    run.rules.push(rule);
    for c in inv.components.values().filter(|c| c.version.is_none() && c.ecosystem == purl::Ecosystem::Pypi) {
        let spec = c.specifier.clone().unwrap_or_default();
        let shown = format!("{}{}", c.name, spec);
        for src in &c.sources {
            let (path, line) = match src.rsplit_once(':') {
                Some((p, l)) if l.bytes().all(|b| b.is_ascii_digit()) => (p.to_string(), l.parse::<u32>().ok()),
                _ => (src.clone(), None),
            };
            let mut f = Finding::new(
                RULE_UNPINNED,
                Category::Sbom,
                Severity::Low,
                format!("`{shown}` is not pinned to an exact version"),
            );
            f.confidence = Confidence::High;
            let mut l = Location::file(path.clone(), line);
            if line.is_some() {
                // A region needs a start line (SARIF 2.1.0); without one the snippet is left out.
                l.snippet = Some(shown.clone());
            }
            f.locations.push(l);
            f.fingerprints.insert(fingerprint::CODE_V1.into(), fingerprint::code(RULE_UNPINNED, &path, &shown, 0));
            run.findings.push(f);
        }
    }
    let mut pickle = Rule::new(RULE_PICKLE, Category::Model, "Model stored in a pickle-based format");
    pickle.help_uri = Some(format!("{}/blob/main/docs/sbom.md#pickle-model", mlsec_findings::PROJECT_URL));
    pickle.help_markdown = Some(
        "Loading a pickle (raw pickle, joblib, legacy or zip `torch.save`) runs code chosen by whoever \
         wrote the file. Convert the weights to safetensors (or ONNX/GGUF), or load with \
         `torch.load(..., weights_only=True)` and verify the file's signature first."
            .to_string(),
    );
    let mut any_pickle = false;
    for m in inv.models.values().filter(|m| m.format.is_pickle()) {
        any_pickle = true;
        let mut f = Finding::new(
            RULE_PICKLE,
            Category::Model,
            Severity::Medium,
            format!("`{}` is a {} model: loading it can execute arbitrary code", m.path, m.format.as_str()),
        );
        f.confidence = Confidence::High;
        f.locations.push(Location::file(m.path.clone(), None));
        f.fingerprints
            .insert(fingerprint::MODEL_V1.into(), fingerprint::model(RULE_PICKLE, &m.sha256, m.format.as_str()));
        run.findings.push(f);
    }
    if any_pickle {
        run.rules.push(pickle);
    }
    let mut lic = Rule::new(RULE_MISSING_LICENSE, Category::Sbom, "Component without a declared license");
    lic.help_uri = Some(format!("{}/blob/main/docs/sbom.md#missing-license", mlsec_findings::PROJECT_URL));
    lic.help_markdown = Some(
        "The package's metadata (installed `METADATA`, npm lockfile entry) declares no license, so it cannot \
         be cleared for use or redistribution. Check the upstream project's license and record it, or replace \
         the package."
            .to_string(),
    );
    let mut any_lic = false;
    for (key, c) in inv.components.iter().filter(|(_, c)| c.license_expected && c.license.is_none()) {
        any_lic = true;
        let src = c.sources.iter().next().cloned().unwrap_or_default();
        let mut f =
            Finding::new(RULE_MISSING_LICENSE, Category::Sbom, Severity::Low, format!("`{key}` declares no license"));
        f.confidence = Confidence::High;
        f.locations.push(Location::file(src.clone(), None));
        f.fingerprints.insert(fingerprint::CODE_V1.into(), fingerprint::code(RULE_MISSING_LICENSE, &src, key, 0));
        run.findings.push(f);
    }
    if any_lic {
        run.rules.push(lic);
    }
    run.invocation.warnings = inv.warnings.clone();
    FindingsFile { runs: vec![run] }
}

/// What one run produced.
#[derive(Debug)]
pub struct Outcome {
    /// The inventory.
    pub inventory: Inventory,
    /// The findings (written when `--findings` is given).
    pub findings: FindingsFile,
}

fn write_out(path: &Path, bytes: &[u8]) -> Result<(), SbomError> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(bytes)
            .and_then(|()| out.flush())
            .map_err(|e| SbomError::Write { path: path.into(), message: e.to_string() });
    }
    mlsec_findings::sarif::write_atomic(path, bytes)
        .map_err(|e| SbomError::Write { path: path.into(), message: e.to_string() })
}

/// Scan, write the SBOM (and findings), return what was found.
pub fn run(settings: &Settings) -> Result<Outcome, SbomError> {
    std::fs::metadata(&settings.target).map_err(|e| SbomError::Target { path: settings.target.clone(), source: e })?;
    let inventory = scan::scan(&settings.target, &settings.exclude);
    let info = DocInfo { name: project_name(&settings.target), timestamp: settings.timestamp.clone() };
    write_out(&settings.output, &render(&inventory, &info, settings.format, settings.spec_version))?;
    let mut findings = findings(&inventory);
    if let Some(keep) = &settings.rules {
        for r in &mut findings.runs {
            r.findings.retain(|f| keep.contains(&f.rule_id));
            r.rules.retain(|x| keep.contains(&x.id));
        }
    }
    if let Some(path) = &settings.baseline {
        let base = mlsec_findings::sarif::read_file(path, 128 * 1024 * 1024)
            .map_err(|e| SbomError::Baseline { path: path.clone(), message: e.to_string() })?;
        mlsec_findings::baseline::apply(&mut findings, &base, false);
    }
    if let Some(path) = &settings.findings {
        write_out(path, mlsec_findings::sarif::to_json(&findings).as_bytes())?;
    }
    Ok(Outcome { inventory, findings })
}

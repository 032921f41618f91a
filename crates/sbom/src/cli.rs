//! Command-line interface of `sbom` (clap types only).

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use mlsec_cli::{GateArgs, GlobalArgs};

/// Write a CycloneDX 1.6 (or 1.5) or SPDX 2.3 JSON SBOM of a project by parsing its manifests and
/// lockfiles natively: requirements*.txt (-r followed, -c as constraints, --hash kept),
/// pyproject.toml, uv.lock, poetry.lock, Pipfile.lock, pdm.lock, pylock.toml, installed
/// distributions (*.dist-info METADATA + RECORD, *.egg-info), conda environment.yml, Cargo.lock,
/// package-lock.json v1-v3, yarn.lock (v1, berry), pnpm-lock.yaml, Hugging Face kernels.lock,
/// Dockerfile FROM. The ML-BOM: model files (safetensors, GGUF, ONNX, PyTorch, pickle/joblib,
/// Keras, NumPy) detected by content and hashed; Hugging Face models (config.json, model card,
/// tokenizer) with a modelCard; datasets (CSV, TSV, Parquet, JSON Lines, Arrow, .dvc outputs) and
/// dvc.lock pipeline lineage. No package manager is run, nothing is fetched, nothing is loaded or
/// unpickled. mlsec.toml [sbom]: exclude, spec-version, rules.
///
/// Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it (pickle-format models
/// are medium, unpinned requirements and missing licenses low); 2 sbom could not do its job
/// (target missing, output not writable, bad [sbom] section). Files that cannot be parsed are
/// skipped with a warning on stderr.
#[derive(Debug, Parser)]
#[command(name = "sbom", version, max_term_width = 100)]
pub struct Cli {
    /// Project directory (or a single manifest/lockfile)
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,

    /// Where to write the SBOM (`-` for stdout)
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,

    /// SBOM format
    #[arg(long, value_enum, default_value_t = FormatArg::CyclonedxJson, env = "MLSEC_SBOM_FORMAT")]
    pub format: FormatArg,

    /// CycloneDX spec version (ignored for SPDX); when not given, `[sbom] spec-version` of mlsec.toml
    #[arg(long, value_enum, default_value_t = SpecArg::V1_6)]
    pub spec_version: SpecArg,

    /// Also write findings (pickle-format models, unpinned requirements, missing licenses) as SARIF
    /// 2.1.0 under the mlsec profile
    #[arg(long, value_name = "FILE.sarif")]
    pub findings: Option<PathBuf>,

    /// Gate options.
    #[command(flatten)]
    pub gate: GateArgs,

    /// Options of every mlsec tool.
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// CycloneDX JSON
    CyclonedxJson,
    /// SPDX 2.3 JSON
    SpdxJson,
}

/// `--spec-version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SpecArg {
    /// CycloneDX 1.6
    #[value(name = "1.6")]
    V1_6,
    /// CycloneDX 1.5
    #[value(name = "1.5")]
    V1_5,
}

//! Thin binary for `model-scan`: parse, scan (the library), gate, write, exit 0/1/2.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Parser;
use mlsec_cli::config::ToolSection;
use mlsec_cli::{Config, ExitStatus, GateArgs, GateSettings, GlobalArgs, HintExt, Verbosity};
use mlsec_findings::gate;
use mlsec_findings::sarif;

/// Find code that runs when a serialized model is loaded, and malformed model headers, without
/// loading anything.
///
/// Every file under PATH is recognised by its content (extensions do not matter): pickle
/// (protocols 0-5) and joblib (also zlib/gzip/bz2/xz/lzma-compressed), PyTorch zip and legacy
/// tar/pickle files, numpy .npy/.npz, Keras .keras/.h5, TensorFlow SavedModel, ONNX, safetensors
/// and GGUF. Pickles run through a symbolic machine that never imports or calls anything.
///
/// Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 the scan could not
/// be done (missing PATH, unreadable file or baseline, output not writable).
#[derive(Debug, Parser)]
#[command(name = "model-scan", version, max_term_width = 100)]
struct Cli {
    /// Files or directories to scan (directories are walked, .gitignore is not applied)
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<PathBuf>,

    /// Write findings as SARIF 2.1.0 (mlsec profile) to FILE
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Write a JSON report per model file (formats, issues with entry and byte offset) to FILE
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,

    /// Skip (with a warning) files larger than this many MiB; 0 scans every size (memory stays
    /// bounded: files are streamed) [default: 0, or `max-file-mib` in [model-scan]]
    #[arg(long, value_name = "MIB", env = "MLSEC_MODEL_SCAN_MAX_FILE_MIB")]
    max_file_mib: Option<u64>,

    #[command(flatten)]
    global: GlobalArgs,

    #[command(flatten)]
    gate: GateArgs,
}

/// `[model-scan]` in mlsec.toml.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Section {
    max_file_mib: Option<u64>,
    /// Extra trusted globals (`module.name` or `module.*`).
    #[serde(default)]
    allow: Vec<String>,
}

fn main() -> std::process::ExitCode {
    let (cli, matches) = mlsec_cli::args::parse::<Cli>();
    mlsec_cli::exit::finish(run(&cli, &matches))
}

fn config_dir(path: &Path) -> PathBuf {
    if path.is_file() {
        path.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    } else {
        path.to_path_buf()
    }
}

fn run(cli: &Cli, matches: &clap::ArgMatches) -> Result<ExitStatus> {
    let first = cli.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let config = Config::load(cli.global.config.as_deref(), &config_dir(&first))?;
    let section: Section = config.tool_section(ToolSection::ModelScan)?.unwrap_or_default();
    let gate_settings = GateSettings::resolve_with_matches(&cli.gate, matches, &config);
    let mib = cli.max_file_mib.or(section.max_file_mib).unwrap_or(0);
    let settings = model_scan::Settings {
        paths: cli.paths.clone(),
        max_file_bytes: (mib > 0).then(|| mib.saturating_mul(1 << 20)),
        limits: model_scan::Limits { allow: section.allow, ..model_scan::Limits::default() },
        ..model_scan::Settings::default()
    };
    let mut report = model_scan::run(&settings).hint("check that every PATH exists and is readable")?;

    // mlsec.toml's [[suppress]], the baseline and the policy, as `mlsec gate` applies them.
    let today = time::OffsetDateTime::now_utc().date();
    let prepared = mlsec_cli::gating::prepare(&mut report.findings, &config, &gate_settings, 256 << 20, today)?;
    let outcome = gate::evaluate(&report.findings, &prepared.policy);

    if let Some(out) = &cli.output {
        sarif::write_file(out, &report.findings)
            .with_context(|| format!("writing {}", out.display()))
            .hint("check that the output directory exists and is writable")?;
    }
    if let Some(out) = &cli.json {
        let body = serde_json::to_vec_pretty(&serde_json::json!({ "files": report.files }))?;
        sarif::write_atomic(out, &body)
            .with_context(|| format!("writing {}", out.display()))
            .hint("check that the output directory exists and is writable")?;
    }

    if cli.global.verbosity() >= Verbosity::Normal {
        summary(&report, &outcome)?;
    }
    Ok(mlsec_cli::gating::exit_status(outcome.verdict, &gate_settings))
}

/// The human summary on stderr.
fn summary(report: &model_scan::Report, outcome: &gate::GateOutcome) -> Result<()> {
    let stderr = std::io::stderr();
    let mut w = stderr.lock();
    let run = &report.findings.runs[0];
    for warning in &run.invocation.warnings {
        writeln!(w, "warning: {warning}")?;
    }
    for f in &run.findings {
        let loc = f.primary_location().map(|l| l.display()).unwrap_or_default();
        let state = if f.suppressions.is_empty() { "" } else { " (suppressed)" };
        writeln!(w, "{:<8} {:<26} {loc}{state}: {}", f.severity.as_str(), f.rule_id, f.message)?;
    }
    writeln!(
        w,
        "model-scan: {} findings ({} suppressed, {} at or above the threshold) in {} model files ({} MiB) of {} files",
        run.findings.len(),
        outcome.suppressed,
        outcome.at_or_above,
        report.files.len(),
        report.bytes_scanned >> 20,
        report.files_seen
    )?;
    Ok(())
}

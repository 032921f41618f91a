//! Thin binary for `secret-scan`: parse, scan (the library), gate, write, exit 0/1/2.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Parser;
use mlsec_cli::{Config, ExitStatus, GateArgs, GateSettings, GlobalArgs, HintExt, Verbosity};
use mlsec_findings::gate::{self, GatePolicy, Verdict};
use mlsec_findings::{baseline, sarif};

/// Find credentials (cloud, VCS, payment, database and ML-platform keys) in a working tree or in
/// git history.
///
/// Scans every text file under PATH (gitignore-aware; binary files skipped), or stdin with `-`;
/// with --history, --diff or --staged, the blobs of the git repository at PATH instead.
/// Findings never contain the secret: the snippet is masked and the fingerprint is a hash.
///
/// Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 the scan could not
/// be done (bad target, not a git repository, unknown revision, unreadable baseline, output not
/// writable).
#[derive(Debug, Parser)]
#[command(name = "secret-scan", version, max_term_width = 100)]
struct Cli {
    /// File or directory to scan, or `-` for stdin
    #[arg(value_name = "PATH", default_value = ".")]
    path: PathBuf,

    /// Write findings as SARIF 2.1.0 (mlsec profile) to FILE; without it, only the summary is
    /// printed on stderr
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Also scan files excluded by .gitignore, .ignore and .git/info/exclude
    #[arg(long)]
    no_ignore: bool,

    /// Skip (with a warning) files larger than this many MiB; 0 scans every size (memory stays
    /// bounded: files are read in 1 MiB chunks)
    #[arg(long, value_name = "MIB", default_value_t = 256, env = "MLSEC_SECRET_SCAN_MAX_FILE_MIB")]
    max_file_mib: u64,

    /// Scan every blob reachable from any reference or HEAD of the git repository at PATH, once
    /// each; findings name the commit, author and date that introduced them
    #[arg(long, group = "git_mode")]
    history: bool,

    /// Scan only blobs added by the commits in BASE..HEAD (PR mode), e.g. origin/main..HEAD
    #[arg(long, value_name = "BASE..HEAD", group = "git_mode")]
    diff: Option<String>,

    /// Scan the blobs staged in the index that are not in HEAD (pre-commit)
    #[arg(long, group = "git_mode")]
    staged: bool,

    /// In git modes, do not read or update the scanned-blob cache (.git/mlsec-cache)
    #[arg(long)]
    no_cache: bool,

    /// Worker threads (0: one per CPU)
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,

    #[command(flatten)]
    global: GlobalArgs,

    #[command(flatten)]
    gate: GateArgs,
}

fn main() -> std::process::ExitCode {
    let (cli, matches) = mlsec_cli::args::parse::<Cli>();
    mlsec_cli::exit::finish(run(&cli, &matches))
}

fn config_dir(path: &Path) -> PathBuf {
    if path.as_os_str() == "-" || path.is_file() {
        path.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    } else {
        path.to_path_buf()
    }
}

fn run(cli: &Cli, matches: &clap::ArgMatches) -> Result<ExitStatus> {
    let config = Config::load(cli.global.config.as_deref(), &config_dir(&cli.path))?;
    let gate_settings = GateSettings::resolve_with_matches(&cli.gate, matches, &config);
    let git = if cli.history {
        Some(secret_scan::history::GitMode::History)
    } else if let Some(range) = &cli.diff {
        Some(secret_scan::history::GitMode::diff(range).ok_or_else(|| {
            anyhow::Error::new(mlsec_cli::WithHint::new(
                format!("--diff {range:?}: not a BASE..HEAD range"),
                "give two revisions separated by `..`, e.g. --diff origin/main..HEAD",
            ))
        })?)
    } else if cli.staged {
        Some(secret_scan::history::GitMode::Staged)
    } else {
        None
    };
    let settings = secret_scan::Settings {
        git,
        cache: !cli.no_cache,
        target: cli.path.clone(),
        no_ignore: cli.no_ignore,
        max_file_bytes: (cli.max_file_mib > 0).then(|| cli.max_file_mib.saturating_mul(1 << 20)),
        threads: cli.threads,
    };
    let hint = if settings.git.is_some() {
        "PATH must be inside a git repository, and --diff revisions must exist (fetch the base branch in CI)"
    } else {
        "check that PATH exists and is readable; use `-` to scan stdin"
    };
    let mut report = secret_scan::run(&settings).hint(hint)?;

    if let Some(base) = &gate_settings.baseline {
        let base_file = sarif::read_file(base, 256 << 20)
            .with_context(|| format!("reading the baseline {}", base.display()))
            .hint("the baseline is a SARIF file written by `secret-scan --output`")?;
        baseline::apply(&mut report.findings, &base_file, false);
    } else if gate_settings.new_only {
        return Err(anyhow::Error::new(mlsec_cli::WithHint::new(
            "--new-only needs a baseline to compare against",
            "pass --baseline FILE (the findings of the default branch), or drop --new-only",
        )));
    }

    let policy = GatePolicy {
        fail_on: gate_settings.fail_on.threshold(),
        new_only: gate_settings.new_only,
        max_findings: gate_settings.max_findings,
        today: time::OffsetDateTime::now_utc().date(),
    };
    let outcome = gate::evaluate(&report.findings, &policy);

    if let Some(out) = &cli.output {
        sarif::write_file(out, &report.findings)
            .with_context(|| format!("writing {}", out.display()))
            .hint("check that the output directory exists and is writable")?;
    }

    if cli.global.verbosity() >= Verbosity::Normal {
        summary(&report, &outcome, cli.global.verbosity())?;
    }
    let failed = match outcome.verdict {
        Verdict::ToolError => return Ok(ExitStatus::Error),
        Verdict::Fail => true,
        Verdict::Pass => false,
    };
    let at_or_above = if failed { u64::try_from(outcome.at_or_above).unwrap_or(u64::MAX) } else { 0 };
    Ok(gate_settings.exit_status(at_or_above))
}

/// The human summary on stderr: never a secret (snippets are already masked).
fn summary(report: &secret_scan::Report, outcome: &gate::GateOutcome, verbosity: Verbosity) -> Result<()> {
    let stderr = std::io::stderr();
    let mut w = stderr.lock();
    let run = &report.findings.runs[0];
    for warning in &run.invocation.warnings {
        writeln!(w, "warning: {warning}")?;
    }
    for f in &run.findings {
        let loc = f.primary_location().map(|l| l.display()).unwrap_or_default();
        let state = if f.suppressions.is_empty() { "" } else { " (suppressed)" };
        writeln!(w, "{:<8} {:<30} {loc}{state}", f.severity.as_str(), f.rule_id)?;
        if verbosity >= Verbosity::Verbose
            && let Some(s) = f.primary_location().and_then(|l| l.snippet.as_deref())
        {
            writeln!(w, "         {s}")?;
        }
    }
    if let Some(g) = &report.git {
        writeln!(
            w,
            "secret-scan: {} commits, {} unique blobs ({} from the cache, {} missing, {} LFS pointers)",
            g.commits, g.unique_blobs, g.cached, g.missing, g.lfs_pointers
        )?;
    }
    writeln!(
        w,
        "secret-scan: {} findings ({} suppressed, {} at or above the threshold) in {} files ({} MiB); {} binary files skipped",
        run.findings.len(),
        outcome.suppressed,
        outcome.at_or_above,
        report.files_scanned,
        report.bytes_scanned >> 20,
        report.binary_skipped
    )?;
    Ok(())
}

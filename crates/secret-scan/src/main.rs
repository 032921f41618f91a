//! Thin binary for `secret-scan`: parse, scan (the library), gate, write, exit 0/1/2.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Parser;
use mlsec_cli::{Config, ExitStatus, GateArgs, GateSettings, GlobalArgs, HintExt, Verbosity};
use mlsec_findings::gate::{self, GatePolicy};
use mlsec_findings::{baseline, sarif};

/// Find credentials (cloud, VCS, payment, database and ML-platform keys) in a working tree or in
/// git history.
///
/// Scans every text file under PATH (gitignore-aware; binary files skipped), or stdin with `-`;
/// with --history, --diff or --staged, the blobs of the git repository at PATH instead.
/// Findings never contain the secret: the snippet is masked and the fingerprint is a hash.
///
/// --config takes an mlsec.toml or a gitleaks/betterleaks TOML config (told apart by content);
/// without one, [secret-scan] gitleaks-config, GITLEAKS_CONFIG, or .gitleaks.toml /
/// .betterleaks.toml at PATH is used when present. --baseline takes our SARIF, a detect-secrets
/// .secrets.baseline or a gitleaks/betterleaks JSON report.
///
/// Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 the scan could not
/// be done (bad target, not a git repository, unknown revision, invalid config or regex,
/// unreadable baseline, output not writable).
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

    /// Do not pick up .gitleaks.toml / .betterleaks.toml at PATH (a gitleaks config given with
    /// --config, [secret-scan] gitleaks-config or GITLEAKS_CONFIG is still used)
    #[arg(long)]
    no_gitleaks_config: bool,

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

/// `[secret-scan]` in mlsec.toml.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Section {
    /// A gitleaks/betterleaks config, relative to the mlsec.toml.
    gitleaks_config: Option<PathBuf>,
    /// Globs: only matching files are scanned.
    #[serde(default)]
    paths: Vec<String>,
    /// Globs: matching files (and directories, with a trailing `/`) are not scanned.
    #[serde(default)]
    exclude: Vec<String>,
    max_file_mib: Option<u64>,
    no_ignore: Option<bool>,
    threads: Option<usize>,
    rules: Option<RulesSection>,
    allowlist: Option<AllowlistSection>,
}

/// `[secret-scan.rules]`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RulesSection {
    #[serde(default)]
    disable: Vec<String>,
}

/// `[secret-scan.allowlist]`: like a gitleaks global allowlist.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct AllowlistSection {
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
}

fn explicit(matches: &clap::ArgMatches, id: &str) -> bool {
    matches.value_source(id).is_some_and(|s| s != clap::parser::ValueSource::DefaultValue)
}

/// Which gitleaks config to use: `--config` when it is one, else `[secret-scan] gitleaks-config`,
/// else `GITLEAKS_CONFIG` / `BETTERLEAKS_CONFIG` (a path, as gitleaks and betterleaks read them),
/// else `.gitleaks.toml` / `.betterleaks.toml` at PATH (a directory).
fn gitleaks_config_path(cli: &Cli, from_flag: Option<&Path>, config: &Config, section: &Section) -> Option<PathBuf> {
    if let Some(p) = from_flag {
        return Some(p.to_path_buf());
    }
    if let Some(p) = &section.gitleaks_config {
        let dir = config.file.as_ref().map_or_else(|| Path::new("."), |f| f.dir());
        return Some(dir.join(p));
    }
    for var in ["GITLEAKS_CONFIG", "BETTERLEAKS_CONFIG"] {
        if let Some(p) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            return Some(PathBuf::from(p));
        }
    }
    if cli.no_gitleaks_config || !cli.path.is_dir() {
        return None;
    }
    secret_scan::gitleaks::DISCOVERED_NAMES.iter().map(|n| cli.path.join(n)).find(|p| p.is_file())
}

fn run(cli: &Cli, matches: &clap::ArgMatches) -> Result<ExitStatus> {
    // --config is the global mlsec.toml flag; a gitleaks/betterleaks config given there is told
    // apart by its content (see docs/secret-scan.md#gitleaks-and-betterleaks-configs).
    let flag_config = cli.global.config.as_deref();
    let gitleaks_flag =
        flag_config.filter(|p| std::fs::read_to_string(p).is_ok_and(|t| secret_scan::gitleaks::is_gitleaks_config(&t)));
    let config = Config::load(if gitleaks_flag.is_some() { None } else { flag_config }, &config_dir(&cli.path))?;
    let section: Section = config.tool_section(mlsec_cli::config::ToolSection::SecretScan)?.unwrap_or_default();
    let overlay = secret_scan::gitleaks::Overlay {
        disable: section.rules.as_ref().map(|r| r.disable.clone()).unwrap_or_default(),
        regexes: section.allowlist.as_ref().map(|a| a.regexes.clone()).unwrap_or_default(),
        paths: section.allowlist.as_ref().map(|a| a.paths.clone()).unwrap_or_default(),
        stopwords: section.allowlist.as_ref().map(|a| a.stopwords.clone()).unwrap_or_default(),
    };
    let gitleaks_path = gitleaks_config_path(cli, gitleaks_flag, &config, &section);
    let gitleaks = if gitleaks_path.is_some() || !overlay.is_empty() {
        let g = secret_scan::gitleaks::GitleaksConfig::load(gitleaks_path.as_deref(), &overlay).map_err(|e| {
            let hint = e.hint();
            anyhow::Error::new(mlsec_cli::WithHint::new(e, hint))
        })?;
        Some(std::sync::Arc::new(g))
    } else {
        None
    };
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
    let max_file_mib = if explicit(matches, "max_file_mib") {
        cli.max_file_mib
    } else {
        section.max_file_mib.unwrap_or(cli.max_file_mib)
    };
    let settings = secret_scan::Settings {
        git,
        cache: !cli.no_cache,
        target: cli.path.clone(),
        no_ignore: cli.no_ignore || section.no_ignore.unwrap_or(false),
        max_file_bytes: (max_file_mib > 0).then(|| max_file_mib.saturating_mul(1 << 20)),
        threads: if explicit(matches, "threads") { cli.threads } else { section.threads.unwrap_or(cli.threads) },
        gitleaks,
        filter: secret_scan::filter::PathFilter::new(&section.paths, &section.exclude).map_err(|e| {
            anyhow::Error::new(mlsec_cli::WithHint::new(
                e,
                "globs use `*`, `**`, `?`, `[...]` over repository-relative paths, e.g. exclude = [\"tests/fixtures/\"]",
            ))
        })?,
    };
    let hint = if settings.git.is_some() {
        "PATH must be inside a git repository, and --diff revisions must exist (fetch the base branch in CI)"
    } else {
        "check that PATH exists and is readable; use `-` to scan stdin"
    };
    let mut report = secret_scan::run(&settings).hint(hint)?;

    if let Some(base) = &gate_settings.baseline {
        let loaded = secret_scan::baseline_import::load(base).map_err(|e| {
            let hint = e.hint();
            anyhow::Error::new(mlsec_cli::WithHint::new(e, hint))
        })?;
        match &loaded {
            secret_scan::baseline_import::Baseline::Sarif(base_file) => {
                baseline::apply(&mut report.findings, base_file, false);
            }
            foreign => {
                let label =
                    base.file_name().map_or_else(|| base.display().to_string(), |n| n.to_string_lossy().into_owned());
                secret_scan::baseline_import::apply_foreign(&mut report, foreign, &label);
            }
        }
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
    Ok(mlsec_cli::gating::exit_status(outcome.verdict, &gate_settings))
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

//! Thin binary for `bandit-wrapper`; see the library crate.

use mlsec_cli::exit::hinted;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use bandit_wrapper::{BanditConfig, Settings};
use clap::{ArgMatches, Parser};
use mlsec_cli::config::{Config, GateSettings, ToolSection};
use mlsec_cli::{ColorChoice, ExitStatus, GateArgs, Verbosity};
use mlsec_findings::gate::Verdict;
use mlsec_findings::sarif;
use serde::Deserialize;

/// Run Bandit once on Python code and write its findings as SARIF (mlsec profile v1).
///
/// Bandit runs with `-f json -r --ignore-nosec` and no severity or confidence filter: the report
/// lists everything, the gate (--fail-on) decides the exit code. `# nosec` comments are kept as
/// in-source suppressions (visible, not counted). A target that does not exist, a file Bandit could
/// not parse, a crash, a hang or an unreadable report exit 2, never 0.
///
/// Bandit's configuration: --config FILE (alias --bandit-config), else `.bandit` (INI) or
/// `pyproject.toml` with `[tool.bandit]` in the current directory. mlsec's own settings file is
/// chosen with --mlsec-config or MLSEC_CONFIG here (the only mlsec binary where --config is not
/// mlsec.toml: issue #4's fixed interface gives it to Bandit).
///
/// Exit codes: 0 nothing at or above the threshold; 1 findings at or above it; 2 Bandit could not
/// do its job (missing, crashed, timed out, errors[] in its report, bad arguments).
#[derive(Debug, Parser)]
#[command(name = "bandit-wrapper", version, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    global: Global,

    /// Files or directories to scan [default: `targets` in [bandit] of mlsec.toml, else `.`]
    #[arg(value_name = "TARGET")]
    targets: Vec<PathBuf>,

    /// The Bandit executable [default: `bandit` on PATH]
    #[arg(long, value_name = "PATH", env = "MLSEC_BANDIT")]
    bandit: Option<PathBuf>,

    /// Bandit's configuration: YAML or TOML (`[tool.bandit]`) passed with `-c`; `.bandit`/`*.ini`/`*.cfg`
    /// passed with `--ini` [default: `.bandit`, else pyproject.toml with [tool.bandit]]
    #[arg(long = "config", visible_alias = "bandit-config", value_name = "FILE")]
    bandit_config: Option<PathBuf>,

    /// Where to write the SARIF findings (`-` for stdout)
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,

    /// Stop Bandit after this many seconds (exit 2) [default: 600]
    #[arg(long, value_name = "SECS", env = "MLSEC_BANDIT_TIMEOUT")]
    timeout: Option<u64>,

    #[command(flatten)]
    gate: GateArgs,
}

/// The global options of this binary: those of `mlsec_cli::GlobalArgs` except that mlsec's settings
/// file is `--mlsec-config` (`--config` is Bandit's, per the fixed interface).
#[derive(Debug, clap::Args)]
struct Global {
    /// Read mlsec's settings from FILE instead of discovering mlsec.toml, .mlsec.toml or
    /// pyproject.toml ([tool.mlsec]) in the current directory and its parents
    #[arg(long = "mlsec-config", value_name = "FILE", env = "MLSEC_CONFIG", global = true)]
    mlsec_config: Option<PathBuf>,

    /// Print nothing on stderr but errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,

    /// Print more on stderr where the tool has more to say (`mlsec scan`: each tool's stderr;
    /// secret-scan: masked snippets); elsewhere accepted and the same as the default
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    /// When to colour terminal output (accepted by every mlsec binary; none colours its output
    /// yet; `auto` would colour a terminal unless NO_COLOR is set) [default: auto]
    #[arg(long, value_name = "WHEN", value_enum, global = true)]
    // Accepted as in every mlsec binary; this wrapper's stderr summary is plain text.
    #[allow(dead_code)]
    color: Option<ColorChoice>,
}

impl Global {
    fn verbosity(&self) -> Verbosity {
        Verbosity::from_flags(self.quiet, self.verbose)
    }
}

/// `[bandit]` in mlsec.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Section {
    targets: Option<Vec<PathBuf>>,
    config: Option<PathBuf>,
    timeout: Option<u64>,
    bandit: Option<PathBuf>,
}

fn lib_err(e: bandit_wrapper::Error) -> anyhow::Error {
    let hint = e.hint();
    hinted(e, hint)
}

fn findings_err(e: mlsec_findings::FindingsError) -> anyhow::Error {
    let hint = e.hint();
    hinted(e, hint)
}

fn run(cli: &Cli, matches: &ArgMatches) -> Result<ExitStatus> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let config = Config::load(cli.global.mlsec_config.as_deref(), &cwd)?;
    let section: Section = config.tool_section(ToolSection::Bandit)?.unwrap_or_default();
    let config_dir = config.file.as_ref().map(|f| f.dir().to_path_buf()).unwrap_or_else(|| cwd.clone());
    let gate = GateSettings::resolve_with_matches(&cli.gate, matches, &config);

    let targets = if !cli.targets.is_empty() {
        cli.targets.clone()
    } else if let Some(t) = &section.targets {
        t.iter().map(|p| config_dir.join(p)).collect()
    } else {
        vec![PathBuf::from(".")]
    };
    let bandit_config = match (&cli.bandit_config, &section.config) {
        (Some(p), _) => Some(BanditConfig::from_path(p.clone())),
        (None, Some(p)) => Some(BanditConfig::from_path(config_dir.join(p))),
        (None, None) => BanditConfig::discover(&cwd).map_err(lib_err)?,
    };
    let settings = Settings {
        targets,
        bandit: cli.bandit.clone().or(section.bandit.clone()).unwrap_or_else(|| PathBuf::from("bandit")),
        config: bandit_config,
        timeout: Duration::from_secs(cli.timeout.or(section.timeout).unwrap_or(600).max(1)),
        workdir: cwd,
    };
    let today = mlsec_cli::ci::today()?;

    let mut file = bandit_wrapper::run(&settings).map_err(lib_err)?;

    // mlsec.toml's [[suppress]], the baseline and the policy, as `mlsec gate` applies them.
    let prepared = mlsec_cli::gating::prepare(&mut file, &config, &gate, 256 * 1024 * 1024, today)?;
    if let Some((base, stats)) = &prepared.baseline {
        note(
            &cli.global,
            &format!("bandit-wrapper: baseline {}: {} new, {} unchanged", base.display(), stats.new, stats.unchanged),
        );
    }

    write_output(&cli.output, &file)?;

    let ctx = mlsec_report::RenderContext::new(&file, prepared.policy, mlsec_report::ReportOptions::default());
    note(&cli.global, mlsec_report::text::render(&ctx, 10).trim_end());
    if ctx.outcome.verdict == Verdict::ToolError {
        let msgs: Vec<String> = file.runs[0].invocation.errors.iter().map(|e| format!("  {e}")).collect();
        let _ = writeln!(
            std::io::stderr().lock(),
            "error: bandit could not scan everything (findings written, but incomplete):\n{}\nhint: fix the files named above (Bandit skips files it cannot parse)",
            msgs.join("\n")
        );
    }
    Ok(mlsec_cli::gating::exit_status(ctx.outcome.verdict, &gate))
}

fn note(global: &Global, text: &str) {
    if global.verbosity() != Verbosity::Quiet {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

/// Write the SARIF: `-` to stdout, else atomically; streamed from the model through a buffer.
fn write_output(path: &Path, file: &mlsec_findings::FindingsFile) -> Result<()> {
    if path == Path::new("-") {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        sarif::write_to(&mut out, file).context("writing to stdout")?;
        return out.flush().context("writing to stdout");
    }
    sarif::write_file(path, file).map_err(findings_err)
}

// mimalloc: converting and writing thousands of findings is allocation-bound.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let (cli, matches) = mlsec_cli::args::parse::<Cli>();
    mlsec_cli::exit::finish(run(&cli, &matches))
}

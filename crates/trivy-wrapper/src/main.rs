//! Thin binary for `trivy-wrapper`; see the library crate.

use mlsec_cli::exit::hinted;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{ArgMatches, Parser};
use mlsec_cli::config::{Config, GateSettings, ToolSection};
use mlsec_cli::{ExitStatus, GateArgs, GlobalArgs, Verbosity};
use mlsec_findings::sarif;
use serde::Deserialize;
use trivy_wrapper::{Settings, Subcommand, convert::ConvertOptions, ignore};

/// Run Trivy once and write its findings as SARIF (mlsec profile v1).
///
/// Trivy runs with `--format json`, every severity and no `--exit-code`: the report lists
/// everything (vulnerabilities, misconfigurations, secrets, licenses), the gate (--fail-on)
/// decides the exit code. `.trivyignore` entries and --ignore-unfixed become visible
/// suppressions. A DB download failure (TOOMANYREQUESTS, 5xx) is retried with the next
/// --db-repository; Trivy errors, a hang or an unreadable report exit 2.
///
/// Exit codes: 0 nothing at or above the threshold; 1 findings at or above it; 2 Trivy could not
/// do its job.
#[derive(Debug, Parser)]
#[command(name = "trivy-wrapper", version, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,

    /// Trivy's scan subcommand
    #[arg(value_enum)]
    command: Subcommand,

    /// What to scan: a path (fs, config, sbom), an image reference (image), a repository URL (repo)
    #[arg(value_name = "TARGET")]
    target: String,

    /// The Trivy executable [default: `trivy` on PATH]
    #[arg(long, value_name = "PATH", env = "MLSEC_TRIVY")]
    trivy: Option<PathBuf>,

    /// Trivy's --scanners (vuln,misconfig,secret,license) [default: Trivy's]
    #[arg(long, value_name = "LIST")]
    scanners: Option<String>,

    /// Trivy's cache directory (the vulnerability DB lives there; cache it between CI runs)
    #[arg(long, value_name = "DIR", env = "MLSEC_TRIVY_CACHE_DIR")]
    cache_dir: Option<PathBuf>,

    /// DB repository to download the vulnerability DB from; repeat (or separate with commas) to
    /// try mirrors in order when one fails with a rate limit or server error
    #[arg(long, value_name = "REPO", value_delimiter = ',')]
    db_repository: Vec<String>,

    /// Always update the DB, even when metadata.json in the cache says it is still fresh
    #[arg(long)]
    no_skip_fresh_db: bool,

    /// List vulnerabilities without a fixed version but do not gate on them
    #[arg(long)]
    ignore_unfixed: bool,

    /// Trivy ignore file, `.trivyignore` text or `.trivyignore.yaml` [default: .trivyignore and
    /// .trivyignore.yaml in the current directory, if present]
    #[arg(long, value_name = "FILE")]
    ignorefile: Option<PathBuf>,

    /// Where to write the SARIF findings (`-` for stdout)
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,

    /// Stop Trivy after this many seconds (exit 2) [default: 900]
    #[arg(long, value_name = "SECS", env = "MLSEC_TRIVY_TIMEOUT")]
    timeout: Option<u64>,

    #[command(flatten)]
    gate: GateArgs,
}

/// `[trivy]` in mlsec.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Section {
    trivy: Option<PathBuf>,
    scanners: Option<String>,
    cache_dir: Option<PathBuf>,
    db_repositories: Option<Vec<String>>,
    ignore_unfixed: Option<bool>,
    ignorefile: Option<PathBuf>,
    timeout: Option<u64>,
}

/// The ignore files: `--ignorefile` (or `[trivy] ignorefile`), else `.trivyignore` and
/// `.trivyignore.yaml` (or `.yml`) in the current directory, each when present.
fn load_ignores(explicit: Option<PathBuf>, cwd: &Path) -> Result<Vec<ignore::IgnoreEntry>> {
    let paths = match explicit {
        Some(p) => vec![p],
        None => [".trivyignore", ".trivyignore.yaml", ".trivyignore.yml"]
            .into_iter()
            .map(PathBuf::from)
            .filter(|p| cwd.join(p).is_file())
            .collect(),
    };
    let mut out = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(cwd.join(&path)).with_context(|| format!("reading {}", path.display()))?;
        let yaml = matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"));
        let hint = if yaml {
            "entries are `- id: ...` under vulnerabilities/misconfigurations/secrets/licenses, with optional \
             paths, purls, statement, expired_at: YYYY-MM-DD"
        } else {
            "each line is `ID [exp:YYYY-MM-DD]`"
        };
        out.extend(ignore::parse_file(&text, &path).map_err(|e| hinted(e, Some(hint.to_owned())))?);
    }
    Ok(out)
}

fn run(cli: &Cli, matches: &ArgMatches) -> Result<ExitStatus> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let config = Config::load(cli.global.config.as_deref(), &cwd)?;
    let section: Section = config.tool_section(ToolSection::Trivy)?.unwrap_or_default();
    let config_dir = config.file.as_ref().map(|f| f.dir().to_path_buf()).unwrap_or_else(|| cwd.clone());
    let gate = GateSettings::resolve_with_matches(&cli.gate, matches, &config);
    let today = mlsec_cli::ci::today()?;

    let ignores = load_ignores(cli.ignorefile.clone().or(section.ignorefile.map(|p| config_dir.join(p))), &cwd)?;
    let settings = Settings {
        command: cli.command,
        target: cli.target.clone(),
        trivy: cli.trivy.clone().or(section.trivy).unwrap_or_else(|| PathBuf::from("trivy")),
        scanners: cli.scanners.clone().or(section.scanners),
        cache_dir: cli.cache_dir.clone().or(section.cache_dir.map(|p| config_dir.join(p))),
        db_repositories: if cli.db_repository.is_empty() {
            section.db_repositories.unwrap_or_default()
        } else {
            cli.db_repository.clone()
        },
        skip_fresh_db: !cli.no_skip_fresh_db,
        timeout: Duration::from_secs(cli.timeout.or(section.timeout).unwrap_or(900).max(1)),
        extra_args: Vec::new(),
        convert: ConvertOptions {
            ignore_unfixed: cli.ignore_unfixed || section.ignore_unfixed.unwrap_or(false),
            ignores,
        },
        workdir: cwd,
    };

    let (mut file, info) = trivy_wrapper::run(&settings).map_err(|e| {
        let h = e.hint();
        hinted(e, h)
    })?;
    if !info.failed_repositories.is_empty() {
        note(
            &cli.global,
            &format!(
                "trivy-wrapper: DB download failed from {}; used {}",
                info.failed_repositories.join(", "),
                info.db_repository.as_deref().unwrap_or("(default)")
            ),
        );
    }
    if info.skipped_db_update {
        note(&cli.global, "trivy-wrapper: the cached vulnerability DB is fresh; skipped its update");
    }

    // mlsec.toml's [[suppress]], the baseline and the policy, as `mlsec gate` applies them.
    let prepared = mlsec_cli::gating::prepare(&mut file, &config, &gate, 256 * 1024 * 1024, today)?;
    if let Some((_, stats)) = &prepared.baseline {
        note(&cli.global, &format!("trivy-wrapper: baseline: {} new, {} unchanged", stats.new, stats.unchanged));
    }

    write_output(&cli.output, &file)?;
    let ctx = mlsec_report::RenderContext::new(&file, prepared.policy, mlsec_report::ReportOptions::default());
    note(&cli.global, mlsec_report::text::render(&ctx, 10).trim_end());
    Ok(mlsec_cli::gating::exit_status(ctx.outcome.verdict, &gate))
}

fn note(global: &GlobalArgs, text: &str) {
    if global.verbosity() != Verbosity::Quiet {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

/// Write the SARIF: `-` to stdout, else atomically (a temp file beside it, then a rename). Both
/// stream from the model through a buffer (`sarif::write_to`): a 5,000-finding report is 13 MB of
/// pretty JSON, never built as one string.
fn write_output(path: &Path, file: &mlsec_findings::FindingsFile) -> Result<()> {
    if path == Path::new("-") {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        sarif::write_to(&mut out, file).context("writing to stdout")?;
        return out.flush().context("writing to stdout");
    }
    sarif::write_file(path, file).map_err(|e| {
        let h = e.hint();
        hinted(e, h)
    })
}

// mimalloc: converting and writing thousands of findings is allocation-bound.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let (cli, matches) = mlsec_cli::args::parse::<Cli>();
    mlsec_cli::exit::finish(run(&cli, &matches))
}

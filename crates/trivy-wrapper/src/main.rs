//! Thin binary for `trivy-wrapper`; see the library crate.

use mlsec_cli::exit::{fail, hinted};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{ArgMatches, Parser};
use mlsec_cli::config::{Config, GateSettings, Source, ToolSection};
use mlsec_cli::{ExitStatus, FailOn, GateArgs, GlobalArgs, Verbosity};
use mlsec_findings::gate::{GatePolicy, Verdict};
use mlsec_findings::{baseline, sarif};
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

    let mut new_only = gate.new_only;
    if let Some(base) = &gate.baseline {
        let base_file = sarif::read_file(base, 256 * 1024 * 1024)
            .map_err(|e| {
                let h = e.hint();
                hinted(e, h)
            })
            .context("reading the baseline")?;
        let stats = baseline::apply(&mut file, &base_file, false);
        if gate.sources.new_only == Source::Default && mlsec_cli::ci::in_pull_request() {
            new_only = true;
        }
        note(&cli.global, &format!("trivy-wrapper: baseline: {} new, {} unchanged", stats.new, stats.unchanged));
    } else if gate.new_only {
        return fail("--new-only needs a baseline to compare against".to_owned(), "pass --baseline FILE");
    }

    write_output(&cli.output, &file)?;
    let fail_on = match gate.fail_on {
        FailOn::Severity(s) => Some(s),
        FailOn::None => None,
    };
    let policy = GatePolicy { fail_on, new_only, max_findings: gate.max_findings, today };
    let ctx = mlsec_report::RenderContext::new(&file, policy, mlsec_report::ReportOptions::default());
    note(&cli.global, mlsec_report::text::render(&ctx, 10).trim_end());
    Ok(match ctx.outcome.verdict {
        Verdict::ToolError => ExitStatus::Error,
        Verdict::Fail => gate.exit_status(u64::try_from(ctx.outcome.at_or_above).unwrap_or(u64::MAX)),
        Verdict::Pass => ExitStatus::Success,
    })
}

fn note(global: &GlobalArgs, text: &str) {
    if global.verbosity() != Verbosity::Quiet {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

/// Write the SARIF: `-` to stdout, else atomically (a temp file beside it, then a rename), as
/// `sarif::write_atomic` does. Streamed from `sarif::to_sarif` through a buffer rather than built
/// as one string with `sarif::to_json` (same bytes): a 5,000-finding report is 13 MB of pretty JSON,
/// and building that string (and growing it past its estimate) touches 40 MB of fresh memory.
fn write_output(path: &Path, file: &mlsec_findings::FindingsFile) -> Result<()> {
    let sarif = sarif::to_sarif(file);
    if path == Path::new("-") {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        serde_json::to_writer_pretty(&mut out, &sarif).context("writing to stdout")?;
        return out.flush().context("writing to stdout");
    }
    let ctx = || format!("writing {}", path.display());
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(ctx)?;
    let tmp = tempfile::NamedTempFile::new_in(dir).with_context(ctx)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, tmp);
    serde_json::to_writer_pretty(&mut w, &sarif).with_context(ctx)?;
    let tmp = w.into_inner().map_err(|e| e.into_error()).with_context(ctx)?;
    // A temp file is created 0600; a report is an ordinary file (keep an existing file's mode).
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(mode)).with_context(ctx)?;
    }
    tmp.persist(path).map_err(|e| e.error).with_context(ctx)?;
    Ok(())
}

// mimalloc: converting and writing thousands of findings is allocation-bound.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let (cli, matches) = mlsec_cli::args::parse::<Cli>();
    mlsec_cli::exit::finish(run(&cli, &matches))
}

//! `trivy-wrapper`: runs Trivy once (`--format json`, every severity, no `--exit-code`) and
//! converts its report to one SARIF run under the mlsec profile; the gate and `.trivyignore` are
//! applied in Rust so that the report always lists everything.
//!
//! Trivy's exit code without `--exit-code` is 0 for a completed scan and non-zero for an error;
//! its stderr is classified so that a vulnerability-DB download failure (`TOOMANYREQUESTS`, 5xx)
//! is retried with the next `--db-repository` and, when none works, reported as such (exit 2).
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod convert;
pub mod ignore;
use mlsec_cli::process;
pub mod report;

use std::path::{Path, PathBuf};
use std::time::Duration;

use mlsec_findings::{Engine, FindingsFile, Run, redact};

/// The Trivy version whose JSON shape the fixtures follow (v0.50 and v0.69+ are both read).
pub const TESTED_TRIVY: &str = "0.69.1";

/// How to install Trivy, for hints.
pub const INSTALL_HINT: &str =
    "install Trivy (https://trivy.dev/latest/getting-started/installation/) or pass --trivy PATH";

/// Trivy's scan subcommands the wrapper passes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Subcommand {
    /// A local filesystem.
    Fs,
    /// A container image.
    Image,
    /// IaC configuration files.
    Config,
    /// An SBOM.
    Sbom,
    /// A remote repository.
    Repo,
}

impl Subcommand {
    /// Trivy's spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Subcommand::Fs => "fs",
            Subcommand::Image => "image",
            Subcommand::Config => "config",
            Subcommand::Sbom => "sbom",
            Subcommand::Repo => "repo",
        }
    }

    /// Whether the target is a local path that must exist.
    pub const fn is_local(self) -> bool {
        matches!(self, Subcommand::Fs | Subcommand::Config | Subcommand::Sbom)
    }

    /// Whether the scan needs the vulnerability DB (`config` does not).
    pub const fn needs_db(self) -> bool {
        !matches!(self, Subcommand::Config)
    }
}

/// Validated settings of one run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The subcommand.
    pub command: Subcommand,
    /// What to scan.
    pub target: String,
    /// The Trivy executable.
    pub trivy: PathBuf,
    /// `--scanners` (passed through when set).
    pub scanners: Option<String>,
    /// `--cache-dir`.
    pub cache_dir: Option<PathBuf>,
    /// DB repositories to try in order on a DB download failure (empty: Trivy's default).
    pub db_repositories: Vec<String>,
    /// Skip the DB update when `metadata.json` in the cache says the DB is still fresh.
    pub skip_fresh_db: bool,
    /// Kill Trivy after this long (per attempt).
    pub timeout: Duration,
    /// Extra arguments passed to Trivy before the target.
    pub extra_args: Vec<String>,
    /// Conversion options.
    pub convert: convert::ConvertOptions,
    /// Where Trivy runs.
    pub workdir: PathBuf,
}

/// Why the wrapper could not do its job (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Trivy is not installed.
    #[error("trivy executable not found: {}", .0.display())]
    NotFound(PathBuf),
    /// Trivy could not be started.
    #[error("could not run {}: {source}", .path.display())]
    Spawn {
        /// Executable.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A local target does not exist.
    #[error("target {0} does not exist")]
    MissingTarget(String),
    /// `trivy --version` failed.
    #[error("`{} --version` failed{}", .path.display(), tail(.stderr))]
    Version {
        /// Executable.
        path: PathBuf,
        /// Output.
        stderr: String,
    },
    /// Trivy ran past the timeout.
    #[error("trivy did not finish within {secs} s and was stopped{}", tail(.stderr))]
    Timeout {
        /// Seconds.
        secs: u64,
        /// Stderr so far.
        stderr: String,
    },
    /// The vulnerability DB could not be downloaded from any repository.
    #[error("trivy could not download its vulnerability DB (tried: {tried}){}", tail(.stderr))]
    DbDownload {
        /// Repositories tried.
        tried: String,
        /// Last stderr.
        stderr: String,
    },
    /// Trivy failed for another reason.
    #[error("trivy failed (exit code {}){}", .code.map_or("none (killed by a signal)".to_owned(), |c| c.to_string()), tail(.stderr))]
    Failed {
        /// Exit code.
        code: Option<i32>,
        /// Stderr.
        stderr: String,
    },
    /// The report is not Trivy JSON.
    #[error("trivy's JSON report is unreadable: {0}")]
    BadReport(String),
    /// `.trivyignore` is malformed.
    #[error(transparent)]
    Ignore(#[from] ignore::IgnoreError),
    /// A file could not be read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

impl Error {
    /// What to do next.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Error::NotFound(_) | Error::Spawn { .. } | Error::Version { .. } => INSTALL_HINT.to_owned(),
            Error::MissingTarget(_) => "check the path (relative to the current directory)".to_owned(),
            Error::Timeout { .. } => {
                "raise --timeout; on a first run the DB download alone can take minutes".to_owned()
            }
            Error::DbDownload { .. } => {
                "the registry rate-limits anonymous pulls (TOOMANYREQUESTS): add a mirror with \
                 --db-repository (tried in order), cache --cache-dir between CI runs, or retry later"
                    .to_owned()
            }
            Error::Failed { .. } | Error::BadReport(_) => {
                format!("run the trivy command by hand to see the failure; mlsec reads Trivy {TESTED_TRIVY}'s JSON")
            }
            Error::Ignore(_) => "`.trivyignore`: each line is `ID [exp:YYYY-MM-DD]`; `.trivyignore.yaml`: `- id:` entries with paths, purls, statement, expired_at".to_owned(),
            Error::Io { .. } => return None,
        })
    }
}

fn tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(8)..]
        .iter()
        .map(|l| format!("\n  stderr: {}", redact::redact_message(l)))
        .collect()
}

/// What a failed Trivy run's stderr says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StderrClass {
    /// The DB could not be downloaded (rate limit, server error, network): try another repository.
    DbDownload,
    /// Anything else.
    Other,
}

/// Classify a failed run's stderr.
pub fn classify_stderr(stderr: &str) -> StderrClass {
    let s = stderr.to_ascii_lowercase();
    let db = s.contains("db error")
        || s.contains("failed to download vulnerability db")
        || s.contains("failed to download artifact")
        || s.contains("oci artifact error")
        || s.contains("db download")
        || s.contains("download db");
    // A rate limit or server error on the DB pull is what another repository can fix.
    if db || s.contains("toomanyrequests") { StderrClass::DbDownload } else { StderrClass::Other }
}

/// Resolve an executable: a path with a separator as is, a bare name on `PATH`.
pub fn find_executable(name: &Path) -> Option<PathBuf> {
    if name.components().count() > 1 || name.is_absolute() {
        return name.is_file().then(|| name.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Whether the DB in `cache_dir` is fresh: `db/metadata.json`'s `NextUpdate` is in the future.
pub fn db_is_fresh(cache_dir: &Path, now: time::OffsetDateTime) -> bool {
    db_metadata(cache_dir)
        .and_then(|m| m.get("NextUpdate").and_then(|v| v.as_str()).map(str::to_owned))
        .and_then(|s| time::OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339).ok())
        .is_some_and(|next| next > now)
}

fn db_metadata(cache_dir: &Path) -> Option<serde_json::Value> {
    let bytes = std::fs::read(cache_dir.join("db").join("metadata.json")).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The default cache directory Trivy uses.
pub fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("TRIVY_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("trivy")))
        .or_else(|| std::env::var_os("HOME").map(|d| PathBuf::from(d).join(".cache").join("trivy")))
}

/// The arguments of one Trivy run writing JSON to `output`. `no_ignores` is an empty file given
/// to Trivy as `--ignorefile`: Trivy would otherwise read `.trivyignore` in the working directory
/// itself and drop those findings from the report, where the wrapper lists them as suppressed.
pub fn trivy_args(
    settings: &Settings,
    output: &Path,
    no_ignores: &Path,
    db_repository: Option<&str>,
    skip_update: bool,
) -> Vec<String> {
    let mut a = vec![
        settings.command.as_str().to_owned(),
        "--format".to_owned(),
        "json".to_owned(),
        "--output".to_owned(),
        output.display().to_string(),
        "--ignorefile".to_owned(),
        no_ignores.display().to_string(),
        "--quiet".to_owned(),
    ];
    if let Some(s) = &settings.scanners {
        a.extend(["--scanners".to_owned(), s.clone()]);
    }
    if let Some(d) = &settings.cache_dir {
        a.extend(["--cache-dir".to_owned(), d.display().to_string()]);
    }
    if let Some(r) = db_repository {
        a.extend(["--db-repository".to_owned(), r.to_owned()]);
    }
    if skip_update {
        a.push("--skip-db-update".to_owned());
    }
    a.extend(settings.extra_args.iter().cloned());
    a.push("--".to_owned());
    a.push(settings.target.clone());
    a
}

/// What one run produced besides the findings.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// The repository that worked, if one was given.
    pub db_repository: Option<String>,
    /// Whether the DB update was skipped because the cache was fresh.
    pub skipped_db_update: bool,
    /// DB repositories that failed before it.
    pub failed_repositories: Vec<String>,
}

/// Run Trivy (once, or once per DB repository while the DB download fails) and convert.
pub fn run(settings: &Settings) -> Result<(FindingsFile, RunInfo), Error> {
    let trivy = find_executable(&settings.trivy).ok_or_else(|| Error::NotFound(settings.trivy.clone()))?;
    if settings.command.is_local() && !settings.workdir.join(&settings.target).exists() {
        return Err(Error::MissingTarget(settings.target.clone()));
    }
    let version = trivy_version(&trivy, &settings.workdir, settings.timeout)?;
    let cache = settings.cache_dir.clone().or_else(default_cache_dir);
    let skip_update = settings.skip_fresh_db
        && settings.command.needs_db()
        && cache.as_deref().is_some_and(|c| db_is_fresh(c, time::OffsetDateTime::now_utc()));
    let tmp = tempfile::tempdir().map_err(|source| Error::Io { path: std::env::temp_dir(), source })?;
    let out = tmp.path().join("trivy.json");
    let no_ignores = tmp.path().join("none.trivyignore");
    std::fs::write(&no_ignores, b"").map_err(|source| Error::Io { path: no_ignores.clone(), source })?;

    let repos: Vec<Option<&str>> = if settings.db_repositories.is_empty() || skip_update {
        vec![None]
    } else {
        settings.db_repositories.iter().map(|r| Some(r.as_str())).collect()
    };
    let mut info = RunInfo { skipped_db_update: skip_update, ..Default::default() };
    let mut last_stderr = String::new();
    for repo in &repos {
        let args = trivy_args(settings, &out, &no_ignores, *repo, skip_update);
        let c = process::run(&trivy, &args, &settings.workdir, settings.timeout).map_err(|e| match e {
            process::RunError::Spawn(source) => Error::Spawn { path: trivy.clone(), source },
            process::RunError::Timeout(stderr) => Error::Timeout { secs: settings.timeout.as_secs(), stderr },
        })?;
        if c.code == Some(0) {
            info.db_repository = repo.map(str::to_owned);
            let bytes = std::fs::read(&out)
                .map_err(|_| Error::BadReport(format!("trivy exited 0 but wrote no report to {}", out.display())))?;
            let file = convert_bytes(&bytes, &version, settings, cache.as_deref(), &c.stderr)?;
            return Ok((file, info));
        }
        if classify_stderr(&c.stderr) != StderrClass::DbDownload {
            return Err(Error::Failed { code: c.code, stderr: c.stderr });
        }
        info.failed_repositories.push(repo.unwrap_or("(trivy's default)").to_owned());
        last_stderr = c.stderr;
    }
    Err(Error::DbDownload { tried: info.failed_repositories.join(", "), stderr: last_stderr })
}

/// Parse and convert Trivy's JSON.
pub fn convert_bytes(
    bytes: &[u8],
    version: &str,
    settings: &Settings,
    cache: Option<&Path>,
    stderr: &str,
) -> Result<FindingsFile, Error> {
    let report: report::Report<'_> = serde_json::from_slice(bytes).map_err(|e| Error::BadReport(e.to_string()))?;
    if report.schema_version.is_some_and(|v| v != 2) {
        return Err(Error::BadReport(format!(
            "SchemaVersion {} (mlsec reads SchemaVersion 2)",
            report.schema_version.unwrap_or(0)
        )));
    }
    if report.results.is_none() {
        return Err(Error::BadReport(if report.schema_version.is_none() {
            "neither SchemaVersion nor Results: not a Trivy JSON report".to_owned()
        } else {
            "the report has no `Results`: Trivy found nothing it could scan in the target (no lockfile, OS, \
             config or file for the scanners asked); check the target and --scanners"
                .to_owned()
        }));
    }
    let mut run = Run::new(
        "trivy-wrapper",
        env!("CARGO_PKG_VERSION"),
        &format!("{}:{}", settings.command.as_str(), settings.target),
    );
    let mut engine =
        Engine { name: "trivy".to_owned(), version: Some(version.to_owned()), properties: Default::default() };
    if let Some(m) = cache.and_then(db_metadata)
        && let Some(u) = m.get("UpdatedAt").and_then(|v| v.as_str())
    {
        engine.properties.insert("db-updated-at".to_owned(), u.to_owned());
    }
    if let Some(v) = report.trivy.as_ref().and_then(|t| t.version.clone()) {
        engine.properties.insert("report-version".to_owned(), v);
    }
    run.engines.push(engine);
    run.invocation.successful = true;
    run.invocation.exit_code = Some(0);
    run.invocation.warnings = stderr
        .lines()
        .filter(|l| l.contains("WARN"))
        .map(|l| redact::redact_message(l.trim()).into_owned())
        .take(50)
        .collect();
    convert::convert(&report, &mut run, &settings.convert);
    Ok(FindingsFile { runs: vec![run] })
}

fn trivy_version(trivy: &Path, cwd: &Path, timeout: Duration) -> Result<String, Error> {
    let c = process::run(trivy, &["--version".to_owned()], cwd, timeout).map_err(|e| match e {
        process::RunError::Spawn(source) => Error::Spawn { path: trivy.to_path_buf(), source },
        process::RunError::Timeout(stderr) => Error::Timeout { secs: timeout.as_secs(), stderr },
    })?;
    let out = String::from_utf8_lossy(&c.stdout);
    let v = out.lines().find_map(|l| l.trim().strip_prefix("Version:")).map(|v| v.trim().to_owned());
    match v {
        Some(v) if c.code == Some(0) && !v.is_empty() => Ok(v),
        _ => Err(Error::Version { path: trivy.to_path_buf(), stderr: format!("{out}{}", c.stderr) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_classification() {
        let rate = "2026-12-01T10:00:00Z\tFATAL\tFatal error\tinit error: DB error: failed to download vulnerability DB: OCI artifact error: GET https://ghcr.io/v2/...: TOOMANYREQUESTS: retry-after: 1.2ms";
        assert_eq!(classify_stderr(rate), StderrClass::DbDownload);
        assert_eq!(classify_stderr("FATAL\tscan error: unable to open image: no such image"), StderrClass::Other);
    }

    #[test]
    fn fresh_db_from_metadata() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("db")).unwrap();
        let now = time::macros::datetime!(2026-12-02 00:00 UTC);
        assert!(!db_is_fresh(d.path(), now));
        std::fs::write(
            d.path().join("db/metadata.json"),
            r#"{"Version":2,"NextUpdate":"2026-12-02T06:00:00Z","UpdatedAt":"2026-12-01T06:00:00Z"}"#,
        )
        .unwrap();
        assert!(db_is_fresh(d.path(), now));
        assert!(!db_is_fresh(d.path(), time::macros::datetime!(2026-12-03 00:00 UTC)));
    }
}

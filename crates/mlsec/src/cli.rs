//! Command-line interface of `mlsec` (clap types only; validated into settings in `commands`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use mlsec_cli::{GateArgs, GlobalArgs};

/// Merge, gate, report and validate findings of the mlsec tools.
///
/// Every mlsec tool writes one SARIF 2.1.0 file under the mlsec profile. `mlsec` merges them,
/// decides the job's exit code, and turns them into the reports CI systems read.
///
/// Exit codes: 0 nothing at or above the threshold; 1 findings at or above it; 2 mlsec or a tool
/// could not do its job (bad input, bad config, a tool run that failed).
#[derive(Debug, Parser)]
#[command(name = "mlsec", version, max_term_width = 100)]
pub struct Cli {
    /// Options of every subcommand.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Merge findings files into one SARIF file (at most 20 runs; findings that share a
    /// fingerprint across tools are folded into one)
    Merge(MergeArgs),
    /// Decide the exit code from findings: 0 pass, 1 findings at or above --fail-on, 2 a tool
    /// failed; prints a one-screen summary on stderr
    Gate(GateCmd),
    /// Render findings as SARIF, GitLab security reports, Code Quality, JUnit, Markdown, HTML or
    /// GitHub annotations
    Report(ReportCmd),
    /// Check findings files against SARIF 2.1.0 and the mlsec profile v1
    Validate(ValidateArgs),
    /// Publish findings to GitHub (check run + annotations, sticky PR comment, SARIF upload, step
    /// summary) or GitLab (sticky MR note, commit status); exit code as `gate`, or 2 when
    /// publishing failed
    Publish(PublishCmd),
    /// Run the available scanners on a repository (secret-scan, bandit-wrapper, trivy-wrapper fs,
    /// sbom, model-scan), then merge, report and gate: one SARIF per tool, all.sarif, report.md and
    /// report.html in --out-dir; scanners that are missing are listed as skipped
    Scan(ScanCmd),
}

/// Findings files to read.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Findings files (SARIF 2.1.0; SARIF from other tools is imported)
    #[arg(required = true, value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    /// Refuse input files larger than this many MiB
    #[arg(long, value_name = "MIB", default_value_t = 128, env = "MLSEC_MAX_INPUT_MIB")]
    pub max_input_mib: u64,
}

/// `mlsec merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,

    /// Where to write the merged SARIF (`-` for stdout)
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,

    /// Allow the output to overwrite one of the inputs
    #[arg(long)]
    pub force: bool,

    /// Prefix the findings' repository paths with DIR: for files of tools that ran on DIR, a
    /// subdirectory of the repository, so that paths are relative to the repository root again
    #[arg(long, value_name = "DIR")]
    pub path_prefix: Option<String>,
}

/// `mlsec gate`.
#[derive(Debug, Args)]
pub struct GateCmd {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,

    /// Gate options.
    #[command(flatten)]
    pub gate: GateArgs,

    /// Findings listed in the summary
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
}

/// `mlsec report`.
#[derive(Debug, Args)]
pub struct ReportCmd {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,

    /// Gate options (the threshold decides what the reports mark as failing).
    #[command(flatten)]
    pub gate: GateArgs,

    /// Write the merged findings as SARIF (for code scanning upload; `-` for stdout)
    #[arg(long, value_name = "FILE", help_heading = "Outputs")]
    pub sarif: Option<PathBuf>,

    /// Write GitLab security reports (schema 15.x) into DIR: one file per category present
    /// (gl-secret-detection-report.json, gl-sast-report.json, gl-dependency-scanning-report.json,
    /// gl-container-scanning-report.json)
    #[arg(long, value_name = "DIR", help_heading = "Outputs")]
    pub gitlab_dir: Option<PathBuf>,

    /// Write a GitLab Code Quality report
    #[arg(long, value_name = "FILE", help_heading = "Outputs")]
    pub codequality: Option<PathBuf>,

    /// Write JUnit XML (one test case per finding, for GitLab's test widget)
    #[arg(long, value_name = "FILE", help_heading = "Outputs")]
    pub junit: Option<PathBuf>,

    /// Write the Markdown summary (job summary / PR comment body; `-` for stdout). Truncated to
    /// fit 65,536 characters and 1 MiB, with a pointer to the full report
    #[arg(long, value_name = "FILE", help_heading = "Outputs")]
    pub markdown: Option<PathBuf>,

    /// Write one self-contained HTML report (opens offline)
    #[arg(long, value_name = "FILE", help_heading = "Outputs")]
    pub html: Option<PathBuf>,

    /// Print GitHub workflow-command annotations on stdout (at most 10 per level, most severe
    /// first, then one notice "N more")
    #[arg(long, help_heading = "Outputs")]
    pub github_annotations: bool,

    /// Append the step outputs `findings=N` (findings the gate considers: not suppressed, present)
    /// and `max-severity=S` (or `none`) to FILE, e.g. $GITHUB_OUTPUT
    #[arg(long, value_name = "FILE", help_heading = "Outputs")]
    pub github_output: Option<PathBuf>,

    /// Link to the full report, used in truncation notes (e.g. the job URL)
    #[arg(long, value_name = "URL", env = "MLSEC_DETAILS_URL", help_heading = "Outputs")]
    pub details_url: Option<String>,

    /// Allow an output to overwrite one of the inputs
    #[arg(long)]
    pub force: bool,
}

/// `mlsec validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,

    /// Violations listed per file
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_violations: usize,
}

/// Where `mlsec publish` publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlatformArg {
    /// GitHub Actions when GITHUB_ACTIONS=true, GitLab CI when GITLAB_CI=true
    Auto,
    /// GitHub
    Github,
    /// GitLab
    Gitlab,
}

/// When to post the sticky PR/MR comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CommentArg {
    /// On every pull/merge request
    Always,
    /// When there are findings (an existing comment is always updated)
    OnFindings,
    /// Never
    Never,
}

/// `mlsec publish`.
#[derive(Debug, Args)]
pub struct PublishCmd {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,

    /// Gate options (the check run's conclusion and the exit code).
    #[command(flatten)]
    pub gate: GateArgs,

    /// Platform to publish to
    #[arg(
        long,
        value_enum,
        value_name = "NAME",
        default_value = "auto",
        env = "MLSEC_PLATFORM",
        help_heading = "Publishing"
    )]
    pub platform: PlatformArg,

    /// Name of the check run (GitHub) or commit status (GitLab)
    #[arg(long, value_name = "NAME", default_value = "mlsec", env = "MLSEC_CHECK_NAME", help_heading = "Publishing")]
    pub check_name: String,

    /// Sticky PR/MR comment, found by its hidden marker and edited in place
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value = "on-findings",
        env = "MLSEC_COMMENT",
        help_heading = "Publishing"
    )]
    pub comment: CommentArg,

    /// Upload the findings to GitHub code scanning (one category per tool run)
    #[arg(long, env = "MLSEC_SARIF_UPLOAD", help_heading = "Publishing")]
    pub sarif_upload: bool,

    /// API token (default: GITHUB_TOKEN; on GitLab MLSEC_GITLAB_TOKEN, then CI_JOB_TOKEN)
    #[arg(long, value_name = "TOKEN", env = "MLSEC_TOKEN", hide_env_values = true, help_heading = "Publishing")]
    pub token: Option<String>,

    /// API base URL (default: GITHUB_API_URL or CI_API_V4_URL)
    #[arg(long, value_name = "URL", env = "MLSEC_API_URL", help_heading = "Publishing")]
    pub api_url: Option<String>,

    /// Pull/merge request number (for the workflow_run pattern; default: from the event)
    #[arg(long, value_name = "N", env = "MLSEC_PR", help_heading = "Publishing")]
    pub pr: Option<u64>,

    /// Commit to publish for (default: the PR head / CI commit)
    #[arg(long, value_name = "SHA", env = "MLSEC_SHA", help_heading = "Publishing")]
    pub sha: Option<String>,

    /// Directory the report (report.md, findings.sarif) is written to before any network call
    #[arg(
        long,
        value_name = "DIR",
        default_value = "mlsec-out",
        env = "MLSEC_REPORT_DIR",
        help_heading = "Publishing"
    )]
    pub report_dir: PathBuf,

    /// Seconds per HTTP request
    #[arg(long, value_name = "SECS", default_value_t = 30, env = "MLSEC_HTTP_TIMEOUT", help_heading = "Publishing")]
    pub timeout: u64,

    /// Attempts per HTTP request (retries on 429, 403 rate limits and 5xx)
    #[arg(long, value_name = "N", default_value_t = 4, env = "MLSEC_HTTP_ATTEMPTS", help_heading = "Publishing")]
    pub attempts: u32,

    /// Print what would be published; no network call
    #[arg(long, help_heading = "Publishing")]
    pub dry_run: bool,
}

/// A scanner `mlsec scan` can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanTool {
    /// secret-scan: credentials in the working tree
    SecretScan,
    /// bandit-wrapper: Python SAST (needs `bandit`)
    Bandit,
    /// trivy-wrapper fs: vulnerable dependencies, misconfigurations (needs `trivy`)
    Trivy,
    /// sbom: CycloneDX SBOM, pickle-format models, unpinned requirements
    Sbom,
    /// model-scan: unsafe code in model files (pickle opcodes, Keras Lambda layers, ...)
    ModelScan,
}

/// `mlsec scan`.
#[derive(Debug, Args)]
pub struct ScanCmd {
    /// Repository (directory) to scan
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,

    /// Gate options (applied to the merged findings).
    #[command(flatten)]
    pub gate: GateArgs,

    /// Directory for the outputs: <tool>.sarif per scanner, sbom.cdx.json, all.sarif, report.md,
    /// report.html
    #[arg(long, value_name = "DIR", default_value = "mlsec-out", env = "MLSEC_OUT_DIR")]
    pub out_dir: PathBuf,

    /// Scanners not to run (comma-separated or repeated)
    #[arg(long, value_enum, value_name = "TOOL", value_delimiter = ',', env = "MLSEC_SKIP")]
    pub skip: Vec<ScanTool>,

    /// Findings listed in the summary
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,

    /// Prefix the merged findings' paths with DIR (the scanners report paths relative to PATH): set
    /// it to PATH's location in the repository when PATH is a subdirectory, so that annotations,
    /// code scanning and the reports point at the right files
    #[arg(long, value_name = "DIR")]
    pub path_prefix: Option<String>,
}

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

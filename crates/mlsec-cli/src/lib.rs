//! Shared command-line plumbing for the mlsec binaries.
//!
//! Every mlsec tool is a thin binary over a library (DESIGN.md §2): it parses its arguments, loads
//! `mlsec.toml`, resolves validated settings, calls the library and maps the outcome to an exit
//! code. This crate holds the parts of that edge that all tools share, so that every binary behaves
//! the same way:
//!
//! - [`exit`]: the exit-code contract ([`ExitStatus`]: 0 clean, 1 findings at or above the
//!   threshold, 2 could not do its job), error reporting with `caused by:` and `hint:` lines
//!   ([`exit::report_error`], [`WithHint`]), broken-pipe handling, and the placeholder `main` of
//!   tools that are not implemented yet.
//! - [`args`]: clap argument groups to `#[command(flatten)]` into a binary's parser
//!   ([`GlobalArgs`], [`GateArgs`]) and the parse helpers that treat empty `MLSEC_*` variables as
//!   unset.
//! - [`config`]: the `mlsec.toml` model, its discovery (walking up from the target) and loading
//!   with errors that point at `file:line:column`, and the resolution of settings with the
//!   precedence CLI > `MLSEC_*` env > config file > built-in defaults ([`GateSettings`],
//!   [`ReportSettings`]).
//!
//! A binary built on it looks like this:
//!
//! ```no_run
//! use clap::Parser;
//! use mlsec_cli::{Config, ExitStatus, GateArgs, GateSettings, GlobalArgs};
//!
//! /// Scan something.
//! #[derive(Debug, Parser)]
//! struct Cli {
//!     #[command(flatten)]
//!     global: GlobalArgs,
//!     #[command(flatten)]
//!     gate: GateArgs,
//! }
//!
//! fn run(cli: &Cli, matches: &clap::ArgMatches) -> anyhow::Result<ExitStatus> {
//!     let config = Config::load(cli.global.config.as_deref(), std::path::Path::new("."))?;
//!     let gate = GateSettings::resolve_with_matches(&cli.gate, matches, &config);
//!     let findings_at_or_above_threshold = 0; // the tool's library does the real work
//!     Ok(gate.exit_status(findings_at_or_above_threshold))
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     let (cli, matches) = mlsec_cli::args::parse::<Cli>();
//!     mlsec_cli::exit::finish(run(&cli, &matches))
//! }
//! ```
#![deny(missing_docs)]

pub mod args;
pub mod config;
pub mod exit;
mod fail_on;

pub use args::{ColorChoice, GateArgs, GlobalArgs, Verbosity};
pub use config::{
    Config, ConfigError, ConfigFile, ConfigFormat, GateSettings, GateSources, ReportConfig,
    ReportSettings, ReportSources, Source, SuppressionEntry, ToolSection,
};
pub use exit::{ExitStatus, HintExt, WithHint};
pub use fail_on::{FailOn, ParseFailOnError};
pub use mlsec_findings::Severity;

// TEMPORARY stand-in while mlsec-findings is being written; removed once it compiles.
#[allow(missing_docs, unreachable_pub, dead_code)]
mod mlsec_findings {
    use std::fmt;
    use std::str::FromStr;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
    #[serde(rename_all = "lowercase")]
    pub enum Severity {
        Info,
        Low,
        Unknown,
        Medium,
        High,
        Critical,
    }
    impl Severity {
        pub const ALL_DESC: [Severity; 6] = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Unknown,
            Severity::Low,
            Severity::Info,
        ];
        pub const fn as_str(self) -> &'static str {
            match self {
                Severity::Info => "info",
                Severity::Low => "low",
                Severity::Unknown => "unknown",
                Severity::Medium => "medium",
                Severity::High => "high",
                Severity::Critical => "critical",
            }
        }
    }
    impl fmt::Display for Severity {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.as_str())
        }
    }
    #[derive(Debug)]
    pub struct ParseScaleError;
    impl fmt::Display for ParseScaleError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("unknown severity")
        }
    }
    impl std::error::Error for ParseScaleError {}
    impl FromStr for Severity {
        type Err = ParseScaleError;
        fn from_str(s: &str) -> Result<Self, Self::Err> {
            Ok(match s.trim().to_ascii_lowercase().as_str() {
                "critical" => Severity::Critical,
                "high" => Severity::High,
                "medium" => Severity::Medium,
                "low" => Severity::Low,
                "info" | "informational" | "none" | "note" => Severity::Info,
                "unknown" => Severity::Unknown,
                _ => return Err(ParseScaleError),
            })
        }
    }
}

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
//! - [`process`]: running a wrapped tool once with a timeout, capturing its stdout and stderr.
//! - [`gating`]: what a tool does before gating its findings (mlsec.toml's `[[suppress]]`, the
//!   baseline, the pull-request default of `--new-only`), as `mlsec gate` does.
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
// Tests may unwrap: a panic is how they fail.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod args;
pub mod ci;
pub mod config;
pub mod exit;
mod fail_on;
pub mod gating;
pub mod process;

pub use args::{ColorChoice, GateArgs, GlobalArgs, Verbosity};
pub use config::{
    Config, ConfigError, ConfigFile, ConfigFormat, GateSettings, GateSources, ReportConfig, ReportSettings,
    ReportSources, Source, SuppressionEntry, ToolSection,
};
pub use exit::{ExitStatus, HintExt, WithHint};
pub use fail_on::{FailOn, ParseFailOnError};
pub use mlsec_findings::Severity;

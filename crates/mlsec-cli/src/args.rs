//! clap argument groups shared by the mlsec binaries, and the parse helpers to use with them.
//!
//! Binaries `#[command(flatten)]` the groups they need into their own parser:
//!
//! - [`GlobalArgs`]: `--config`, `-q/--quiet`, `-v/--verbose`, `--color` ("Global options").
//! - [`GateArgs`]: `--fail-on`, `--exit-zero`, `--baseline`, `--new-only`, `--max-findings`
//!   ("Gate options").
//!
//! Every setting that `mlsec.toml` can also set is an `Option` here, so that an absent flag lets
//! the file or the built-in default apply (see [`GateSettings`](crate::GateSettings)). Each has an
//! `MLSEC_*` environment fallback, which is how the GitHub and GitLab wrappers pass their inputs.
//!
//! Parse with [`parse`] or [`try_parse_from`] rather than `Parser::parse`: they treat an `MLSEC_*`
//! variable that is set but empty as unset (a CI input left blank arrives as an empty variable)
//! and hand back the [`ArgMatches`] so that settings can tell a flag from an environment variable.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::builder::{BoolishValueParser, Resettable};
use clap::{ArgAction, ArgMatches, Command, CommandFactory, FromArgMatches};

use crate::FailOn;

/// Options every mlsec binary takes.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
// `about = None`: this doc comment must not become the `--help` text of a binary without one.
#[command(next_help_heading = "Global options", about = None, long_about = None)]
pub struct GlobalArgs {
    /// Read settings from FILE instead of discovering mlsec.toml, .mlsec.toml or pyproject.toml
    /// ([tool.mlsec]) in the target directory and its parents
    #[arg(long, value_name = "FILE", env = "MLSEC_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// Print nothing on stderr but errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more on stderr where the tool has more to say (`mlsec scan`: each tool's stderr;
    /// secret-scan: masked snippets); elsewhere accepted and the same as the default
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,

    /// When to colour terminal output (accepted by every mlsec binary; none colours its output
    /// yet; `auto` would colour a terminal unless NO_COLOR is set) [default: auto]
    #[arg(long, value_name = "WHEN", value_enum, global = true)]
    pub color: Option<ColorChoice>,
}

impl GlobalArgs {
    /// The verbosity the flags ask for.
    pub fn verbosity(&self) -> Verbosity {
        Verbosity::from_flags(self.quiet, self.verbose)
    }

    /// The colour choice (`auto` when `--color` was not given).
    pub fn color_choice(&self) -> ColorChoice {
        self.color.unwrap_or_default()
    }

    /// Whether to colour what goes to stderr (logs, errors), reading `NO_COLOR` and `TERM`.
    pub fn color_stderr(&self) -> bool {
        self.color_choice().resolve(std::io::stderr().is_terminal(), |k| std::env::var_os(k))
    }

    /// Whether to colour what goes to stdout, reading `NO_COLOR` and `TERM`.
    pub fn color_stdout(&self) -> bool {
        self.color_choice().resolve(std::io::stdout().is_terminal(), |k| std::env::var_os(k))
    }
}

/// How much a tool prints on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Verbosity {
    /// `-q`: errors only.
    Quiet,
    /// The default: warnings, a summary, progress on a terminal.
    #[default]
    Normal,
    /// `-v`: what is being done, step by step.
    Verbose,
    /// `-vv`: details useful to debug the tool.
    Debug,
    /// `-vvv` or more: everything.
    Trace,
}

impl Verbosity {
    /// Verbosity from `--quiet` and the number of `-v`.
    pub const fn from_flags(quiet: bool, verbose: u8) -> Self {
        match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, 1) => Verbosity::Verbose,
            (false, 2) => Verbosity::Debug,
            (false, _) => Verbosity::Trace,
        }
    }
}

/// `--color`: when to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal, unless `NO_COLOR` is set or `TERM=dumb`.
    #[default]
    Auto,
    /// Always colour, even when `NO_COLOR` is set (an explicit flag wins, as no-color.org allows).
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Decides whether to colour a stream. `is_terminal` says whether the stream is a terminal;
    /// `env` looks up environment variables (`NO_COLOR`, `TERM`). A set but empty `NO_COLOR` is
    /// ignored, as <https://no-color.org> says.
    pub fn resolve(self, is_terminal: bool, env: impl Fn(&str) -> Option<OsString>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let no_color = env("NO_COLOR").is_some_and(|v| !v.is_empty());
                let dumb = env("TERM").is_some_and(|v| v == "dumb");
                is_terminal && !no_color && !dumb
            }
        }
    }
}

/// The gate: when a run fails because of its findings ("Gate options" in `--help`).
///
/// Resolve it against `mlsec.toml` with [`GateSettings::resolve`](crate::GateSettings::resolve).
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
#[command(next_help_heading = "Gate options", about = None, long_about = None)]
pub struct GateArgs {
    /// Exit 1 when a finding has this severity or a higher one; `none` only reports
    /// [default: `fail-on` in mlsec.toml, else high]
    #[arg(long, value_name = "SEVERITY", env = "MLSEC_FAIL_ON", value_enum, ignore_case = true)]
    pub fail_on: Option<FailOn>,

    /// Report findings but exit 0 whatever they are; errors still exit 2
    #[arg(
        long,
        value_name = "BOOL",
        env = "MLSEC_EXIT_ZERO",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = BoolishValueParser::new()
    )]
    pub exit_zero: Option<bool>,

    /// Baseline findings file (SARIF): findings already in it are marked unchanged
    /// [default: `baseline` in mlsec.toml]
    #[arg(long, value_name = "FILE", env = "MLSEC_BASELINE")]
    pub baseline: Option<PathBuf>,

    /// Fail only on findings that are not in the baseline
    /// [default: `new-only` in mlsec.toml, else false]
    #[arg(
        long,
        value_name = "BOOL",
        env = "MLSEC_NEW_ONLY",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = BoolishValueParser::new()
    )]
    pub new_only: Option<bool>,

    /// Tolerate up to N findings at or above the threshold before failing
    /// [default: `max-findings` in mlsec.toml, else 0]
    #[arg(long, value_name = "N", env = "MLSEC_MAX_FINDINGS")]
    pub max_findings: Option<u64>,
}

/// The argument ids of [`GateArgs`] (clap derives them from the field names).
pub(crate) mod ids {
    pub(crate) const FAIL_ON: &str = "fail_on";
    pub(crate) const EXIT_ZERO: &str = "exit_zero";
    pub(crate) const BASELINE: &str = "baseline";
    pub(crate) const NEW_ONLY: &str = "new_only";
    pub(crate) const MAX_FINDINGS: &str = "max_findings";
}

/// `C`'s command with environment fallbacks that are set but empty ignored (see
/// [`ignore_empty_env`]).
pub fn command<C: CommandFactory>() -> Command {
    ignore_empty_env(C::command())
}

/// Drops the environment fallback of every argument (in `cmd` and its subcommands) whose variable
/// is set but empty, so that it counts as unset instead of failing to parse or overriding
/// `mlsec.toml` with an empty value.
///
/// CI wrappers pass every input as an environment variable, and an input left blank arrives as
/// an empty one; clap would otherwise read `MLSEC_FAIL_ON=` as the invalid value `""`.
pub fn ignore_empty_env(cmd: Command) -> Command {
    cmd.mut_args(|arg| {
        let empty = arg.get_env().and_then(std::env::var_os).is_some_and(|value| value.is_empty());
        if empty { arg.env(Resettable::Reset) } else { arg }
    })
    .mut_subcommands(ignore_empty_env)
}

/// Parses the process arguments into `C` and its [`ArgMatches`]; on `--help`, `--version` or a
/// usage error, prints clap's message and exits (0 for help and version, 2 for usage errors).
pub fn parse<C: CommandFactory + FromArgMatches>() -> (C, ArgMatches) {
    match try_parse_from::<C, _, _>(std::env::args_os()) {
        Ok(parsed) => parsed,
        Err(err) => err.exit(),
    }
}

/// Parses `args` (the first one is the program name) into `C` and its [`ArgMatches`], with empty
/// environment fallbacks ignored.
pub fn try_parse_from<C, I, T>(args: I) -> Result<(C, ArgMatches), clap::Error>
where
    C: CommandFactory + FromArgMatches,
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut cmd = command::<C>();
    let matches = cmd.try_get_matches_from_mut(args)?;
    let parsed = C::from_arg_matches(&matches).map_err(|err| err.format(&mut cmd))?;
    Ok((parsed, matches))
}

/// The `--long-flag` tokens of a text (a `--help` output, or a docs page with its code blocks
/// removed), for the tests that check each binary's `--help` and its docs page name the same flags.
/// Hand-written: one pattern does not earn a regex dependency.
pub fn long_flags(text: &str) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i + 2 < b.len() {
        let starts = b[i] == b'-'
            && b[i + 1] == b'-'
            && b[i + 2].is_ascii_lowercase()
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'-');
        if starts {
            let mut j = i + 2;
            while j < b.len() && (b[j].is_ascii_lowercase() || b[j] == b'-') {
                j += 1;
            }
            out.insert(text[i..j].trim_end_matches('-').to_owned());
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// For the test each binary has that keeps its docs page and its `--help` in step: the long flags
/// of the `--help` texts must be exactly those the page (`docs`, read from `page`) names outside its
/// code blocks (which hold recipes and sessions that quote other tools), less the flags of other
/// tools that the page names (`foreign_in_docs`) or the help's prose names (`foreign_in_help`).
/// Every listed foreign flag must still be there, so that the lists cannot rot; more than `min`
/// flags must remain in the help, so that a broken help text cannot pass. `Err` lists every problem.
pub fn docs_match_help(
    page: &str,
    docs: &str,
    helps: &[&str],
    foreign_in_docs: &[&str],
    foreign_in_help: &[&str],
    min: usize,
) -> Result<(), String> {
    let prose: String = docs.split("```").step_by(2).collect::<Vec<_>>().join("\n");
    let mut documented = long_flags(&prose);
    let mut in_help: std::collections::BTreeSet<String> = helps.iter().flat_map(|h| long_flags(h)).collect();
    let mut problems = Vec::new();
    for f in foreign_in_docs {
        if !documented.remove(*f) {
            problems.push(format!("{page} no longer names {f}: drop it from the list of other tools' flags"));
        }
    }
    for f in foreign_in_help {
        if !in_help.remove(*f) {
            problems.push(format!("--help no longer names {f}: drop it from the list of other tools' flags"));
        }
    }
    documented.remove("--help");
    in_help.remove("--help");
    in_help.remove("--version");
    if in_help.len() <= min {
        problems.push(format!("only {} flags in --help (expected more than {min}): {in_help:?}", in_help.len()));
    }
    let undocumented: Vec<_> = in_help.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&in_help).collect();
    if !undocumented.is_empty() {
        problems.push(format!("flags missing from {page}: {undocumented:?}"));
    }
    if !phantom.is_empty() {
        problems.push(format!("{page} names flags that do not exist: {phantom:?}"));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn docs_match_help_reports_each_kind_of_drift() {
        let help = "  --fail-on <LEVEL>  fail at LEVEL\n  --json  write JSON (like gitleaks --redact)\n  --help";
        let docs = "Flags: `--fail-on`, `--json`. Unlike trivy's --severity.\n```sh\ntool --not-a-flag\n```";
        assert_eq!(super::docs_match_help("p.md", docs, &[help], &["--severity"], &["--redact"], 1), Ok(()));
        let err = super::docs_match_help("p.md", "only `--json` and --bogus", &[help], &["--gone"], &["--redact"], 5)
            .expect_err("drift");
        for want in ["no longer names --gone", "only 2 flags", "missing from p.md: [\"--fail-on\"]", "[\"--bogus\"]"] {
            assert!(err.contains(want), "{want} not in {err}");
        }
    }
    #[test]
    fn long_flags_finds_flags_not_dashes_in_words() {
        let got = super::long_flags("use --fail-on high, not x--y or ---z; --json. `--out-dir=DIR` -q --");
        let want: Vec<&str> = vec!["--fail-on", "--json", "--out-dir"];
        assert_eq!(got.iter().map(String::as_str).collect::<Vec<_>>(), want);
    }
    use clap::Parser;

    use super::*;
    use crate::Severity;

    #[derive(Debug, Parser)]
    #[command(name = "tool")]
    struct Cli {
        #[command(flatten)]
        global: GlobalArgs,
        #[command(flatten)]
        gate: GateArgs,
        /// What to scan.
        paths: Vec<PathBuf>,
    }

    /// Parses with every environment fallback removed, so that the caller's environment cannot
    /// change the outcome (environment handling is tested in `tests/env.rs`, in child processes).
    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let mut cmd = Cli::command().mut_args(|a| a.env(Resettable::Reset));
        let matches = cmd.try_get_matches_from_mut(args)?;
        Cli::from_arg_matches(&matches)
    }

    #[test]
    fn command_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn nothing_given_means_nothing_set() {
        let cli = parse(&["tool"]).unwrap();
        assert_eq!(cli.gate, GateArgs::default());
        assert_eq!(cli.global, GlobalArgs::default());
        assert_eq!(cli.global.verbosity(), Verbosity::Normal);
        assert_eq!(cli.global.color_choice(), ColorChoice::Auto);
    }

    #[test]
    fn gate_flags_parse() {
        let cli = parse(&[
            "tool",
            "--fail-on",
            "MEDIUM",
            "--exit-zero",
            "--baseline",
            "base.sarif",
            "--new-only",
            "--max-findings",
            "3",
            "src",
        ])
        .unwrap();
        assert_eq!(
            cli.gate,
            GateArgs {
                fail_on: Some(FailOn::Severity(Severity::Medium)),
                exit_zero: Some(true),
                baseline: Some(PathBuf::from("base.sarif")),
                new_only: Some(true),
                max_findings: Some(3),
            }
        );
        // `--new-only` takes no separate value: `src` stays a positional argument.
        assert_eq!(cli.paths, [PathBuf::from("src")]);
    }

    #[test]
    fn boolean_flags_can_be_turned_off_explicitly() {
        let cli = parse(&["tool", "--new-only=false", "--exit-zero=no"]).unwrap();
        assert_eq!(cli.gate.new_only, Some(false));
        assert_eq!(cli.gate.exit_zero, Some(false));
        assert!(parse(&["tool", "--new-only=maybe"]).is_err());
    }

    #[test]
    fn fail_on_none_and_off() {
        assert_eq!(parse(&["tool", "--fail-on", "none"]).unwrap().gate.fail_on, Some(FailOn::None));
        assert_eq!(parse(&["tool", "--fail-on=off"]).unwrap().gate.fail_on, Some(FailOn::None));
        let err = parse(&["tool", "--fail-on", "severe"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
        assert!(err.to_string().contains("critical, high, medium, unknown, low, info, none"), "{err}");
        assert!(parse(&["tool", "--max-findings", "-1"]).is_err());
    }

    #[test]
    fn global_flags_parse() {
        let cli = parse(&["tool", "-vv", "--color", "never", "--config", "ci/mlsec.toml"]).unwrap();
        assert_eq!(cli.global.verbosity(), Verbosity::Debug);
        assert_eq!(cli.global.color_choice(), ColorChoice::Never);
        assert_eq!(cli.global.config, Some(PathBuf::from("ci/mlsec.toml")));
        assert_eq!(parse(&["tool", "-q"]).unwrap().global.verbosity(), Verbosity::Quiet);
        assert!(parse(&["tool", "-q", "-v"]).is_err());
    }

    #[test]
    fn help_has_headings_and_env_names() {
        let help = Cli::command().render_long_help().to_string();
        // The groups' own doc comments are not the command's description.
        assert!(!help.contains("The gate:"), "{help}");
        assert!(!help.contains("Options every mlsec binary takes"), "{help}");
        for needle in [
            "Global options:",
            "Gate options:",
            "--fail-on <SEVERITY>",
            "MLSEC_FAIL_ON",
            "MLSEC_EXIT_ZERO",
            "MLSEC_BASELINE",
            "MLSEC_NEW_ONLY",
            "MLSEC_MAX_FINDINGS",
            "MLSEC_CONFIG",
        ] {
            assert!(help.contains(needle), "missing {needle:?} in\n{help}");
        }
    }

    #[test]
    fn verbosity_levels() {
        assert_eq!(Verbosity::from_flags(false, 1), Verbosity::Verbose);
        assert_eq!(Verbosity::from_flags(false, 3), Verbosity::Trace);
        assert_eq!(Verbosity::from_flags(true, 0), Verbosity::Quiet);
        assert!(Verbosity::Quiet < Verbosity::Normal);
    }

    #[test]
    fn color_honours_no_color_and_terminal() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(name, _)| *name == k).map(|(_, v)| OsString::from(v))
        };
        assert!(ColorChoice::Auto.resolve(true, env(&[])));
        assert!(!ColorChoice::Auto.resolve(false, env(&[])));
        assert!(!ColorChoice::Auto.resolve(true, env(&[("NO_COLOR", "1")])));
        // An empty NO_COLOR does not count.
        assert!(ColorChoice::Auto.resolve(true, env(&[("NO_COLOR", "")])));
        assert!(!ColorChoice::Auto.resolve(true, env(&[("TERM", "dumb")])));
        assert!(ColorChoice::Always.resolve(false, env(&[("NO_COLOR", "1")])));
        assert!(!ColorChoice::Never.resolve(true, env(&[])));
    }
}

//! Effective settings: CLI flag > `MLSEC_*` environment > config file > built-in default.

use std::fmt;
use std::path::PathBuf;

use clap::ArgMatches;
use clap::parser::ValueSource;

use super::{Config, MAX_ANNOTATIONS_PER_LEVEL};
use crate::args::ids;
use crate::{ExitStatus, FailOn, GateArgs};

/// Where the value of a setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// A command-line flag.
    Cli,
    /// An `MLSEC_*` environment variable.
    Env,
    /// The config file ([`Config::file`]).
    File,
    /// The built-in default.
    Default,
}

impl Source {
    /// A short label: `cli`, `env`, `file`, `default`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Cli => "cli",
            Source::Env => "env",
            Source::File => "file",
            Source::Default => "default",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Picks the first layer that has a value: the CLI/env value (with its source), the file's, else
/// the default.
fn layer<T>(cli: Option<T>, cli_source: Source, file: Option<T>, default: T) -> (T, Source) {
    match (cli, file) {
        (Some(v), _) => (v, cli_source),
        (None, Some(v)) => (v, Source::File),
        (None, None) => (default, Source::Default),
    }
}

/// The effective gate settings of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GateSettings {
    /// The threshold: findings at or above it fail the run.
    pub fail_on: FailOn,
    /// Report-only: findings never fail the run (errors still do).
    pub exit_zero: bool,
    /// The baseline findings file, if any (a file's value is relative to the file's directory).
    pub baseline: Option<PathBuf>,
    /// Gate only on findings that are new relative to the baseline.
    pub new_only: bool,
    /// Findings at or above the threshold tolerated before the run fails (`None`: none tolerated).
    pub max_findings: Option<u64>,
    /// Where each value came from.
    pub sources: GateSources,
}

/// Where each [`GateSettings`] value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GateSources {
    /// Source of `fail_on`.
    pub fail_on: Source,
    /// Source of `exit_zero`.
    pub exit_zero: Source,
    /// Source of `baseline`.
    pub baseline: Source,
    /// Source of `new_only`.
    pub new_only: Source,
    /// Source of `max_findings`.
    pub max_findings: Source,
}

impl GateSettings {
    /// Resolves the settings from parsed arguments and a loaded config. Values in `args` are
    /// reported as [`Source::Cli`]; use [`resolve_with_matches`](Self::resolve_with_matches) to
    /// tell flags from environment variables.
    pub fn resolve(args: &GateArgs, config: &Config) -> GateSettings {
        GateSettings::resolve_inner(args, config, |_| Source::Cli)
    }

    /// Like [`resolve`](Self::resolve), reading from `matches` (the matches of the command or
    /// subcommand that flattens `args`) whether each value came from a flag or the environment.
    pub fn resolve_with_matches(args: &GateArgs, matches: &ArgMatches, config: &Config) -> GateSettings {
        GateSettings::resolve_inner(args, config, |id| {
            // `try_contains_id` does not panic on an id the command does not have.
            match matches.try_contains_id(id) {
                Ok(true) if matches.value_source(id) == Some(ValueSource::EnvVariable) => Source::Env,
                _ => Source::Cli,
            }
        })
    }

    fn resolve_inner(args: &GateArgs, config: &Config, source_of: impl Fn(&str) -> Source) -> GateSettings {
        let (fail_on, fail_on_source) = layer(args.fail_on, source_of(ids::FAIL_ON), config.fail_on, FailOn::DEFAULT);
        let (exit_zero, exit_zero_source) = layer(args.exit_zero, source_of(ids::EXIT_ZERO), None, false);
        let (baseline, baseline_source) =
            layer(args.baseline.clone().map(Some), source_of(ids::BASELINE), config.baseline.clone().map(Some), None);
        let (new_only, new_only_source) = layer(args.new_only, source_of(ids::NEW_ONLY), config.new_only, false);
        let (max_findings, max_findings_source) =
            layer(args.max_findings.map(Some), source_of(ids::MAX_FINDINGS), config.max_findings.map(Some), None);
        GateSettings {
            fail_on,
            exit_zero,
            baseline,
            new_only,
            max_findings,
            sources: GateSources {
                fail_on: fail_on_source,
                exit_zero: exit_zero_source,
                baseline: baseline_source,
                new_only: new_only_source,
                max_findings: max_findings_source,
            },
        }
    }

    /// Whether findings can never fail the run (`--exit-zero` or `fail-on = "none"`).
    pub fn is_report_only(&self) -> bool {
        self.exit_zero || self.fail_on == FailOn::None
    }

    /// The exit status for a run that completed with `at_or_above` gating findings (at or above
    /// the threshold, not suppressed, and new when `new_only`): [`ExitStatus::Findings`] when there
    /// are more than `max_findings` (default 0) and the gate is not report-only.
    pub fn exit_status(&self, at_or_above: u64) -> ExitStatus {
        let tolerated = self.max_findings.unwrap_or(0);
        ExitStatus::from_gate(!self.is_report_only() && at_or_above > tolerated)
    }
}

/// The effective report settings (the `[report]` table, else defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportSettings {
    /// Cap on a Markdown summary or PR comment, in characters.
    pub markdown_max_chars: usize,
    /// Annotations emitted per level (error, warning, notice); at most 10.
    pub annotations_per_level: u8,
    /// Findings listed in summaries.
    pub top_findings: usize,
    /// Title of the HTML report (`None`: the renderer's own).
    pub html_title: Option<String>,
    /// Where each value came from.
    pub sources: ReportSources,
}

/// Where each [`ReportSettings`] value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportSources {
    /// Source of `markdown_max_chars`.
    pub markdown_max_chars: Source,
    /// Source of `annotations_per_level`.
    pub annotations_per_level: Source,
    /// Source of `top_findings`.
    pub top_findings: Source,
    /// Source of `html_title`.
    pub html_title: Source,
}

impl ReportSettings {
    /// Default `markdown-max-chars`: 65,536, the size of a GitHub PR comment.
    pub const DEFAULT_MARKDOWN_MAX_CHARS: usize = 65_536;
    /// Default `annotations-per-level`: 10, what GitHub shows per level in one step.
    pub const DEFAULT_ANNOTATIONS_PER_LEVEL: u8 = MAX_ANNOTATIONS_PER_LEVEL;
    /// Default `top-findings`.
    pub const DEFAULT_TOP_FINDINGS: usize = 20;

    /// Resolves the report settings from a loaded config.
    pub fn resolve(config: &Config) -> ReportSettings {
        let report = &config.report;
        let (markdown_max_chars, markdown_source) =
            layer(None, Source::Cli, report.markdown_max_chars, Self::DEFAULT_MARKDOWN_MAX_CHARS);
        let (annotations_per_level, annotations_source) =
            layer(None, Source::Cli, report.annotations_per_level, Self::DEFAULT_ANNOTATIONS_PER_LEVEL);
        let (top_findings, top_source) = layer(None, Source::Cli, report.top_findings, Self::DEFAULT_TOP_FINDINGS);
        let (html_title, title_source) = layer(None, Source::Cli, report.html_title.clone().map(Some), None);
        ReportSettings {
            markdown_max_chars,
            annotations_per_level,
            top_findings,
            html_title,
            sources: ReportSources {
                markdown_max_chars: markdown_source,
                annotations_per_level: annotations_source,
                top_findings: top_source,
                html_title: title_source,
            },
        }
    }
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings::resolve(&Config::default())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::Severity;
    use crate::config::ConfigFile;

    fn config(text: &str) -> Config {
        Config::from_toml(text, ConfigFile::new("/repo/mlsec.toml")).unwrap()
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        let gate = GateSettings::resolve(&GateArgs::default(), &Config::default());
        assert_eq!(gate.fail_on, FailOn::Severity(Severity::High));
        assert!(!gate.exit_zero);
        assert_eq!(gate.baseline, None);
        assert!(!gate.new_only);
        assert_eq!(gate.max_findings, None);
        assert_eq!(
            gate.sources,
            GateSources {
                fail_on: Source::Default,
                exit_zero: Source::Default,
                baseline: Source::Default,
                new_only: Source::Default,
                max_findings: Source::Default,
            }
        );
    }

    #[test]
    fn file_beats_defaults() {
        let config = config("fail-on = \"medium\"\nnew-only = true\nmax-findings = 4\nbaseline = \"ci/base.sarif\"\n");
        let gate = GateSettings::resolve(&GateArgs::default(), &config);
        assert_eq!(gate.fail_on, FailOn::Severity(Severity::Medium));
        assert!(gate.new_only);
        assert_eq!(gate.max_findings, Some(4));
        assert_eq!(gate.baseline.as_deref(), Some(Path::new("/repo/ci/base.sarif")));
        assert_eq!(gate.sources.fail_on, Source::File);
        assert_eq!(gate.sources.new_only, Source::File);
        assert_eq!(gate.sources.baseline, Source::File);
        assert_eq!(gate.sources.exit_zero, Source::Default);
    }

    #[test]
    fn cli_beats_file() {
        let config = config("fail-on = \"medium\"\nnew-only = true\nmax-findings = 4\n");
        let args = GateArgs {
            fail_on: Some(FailOn::None),
            new_only: Some(false),
            max_findings: Some(0),
            baseline: Some(PathBuf::from("other.sarif")),
            exit_zero: Some(true),
        };
        let gate = GateSettings::resolve(&args, &config);
        assert_eq!(gate.fail_on, FailOn::None);
        assert!(!gate.new_only, "an explicit --new-only=false overrides the file");
        assert_eq!(gate.max_findings, Some(0));
        // A CLI path stays relative to the current directory.
        assert_eq!(gate.baseline.as_deref(), Some(Path::new("other.sarif")));
        assert!(gate.exit_zero);
        assert_eq!(gate.sources.fail_on, Source::Cli);
        assert_eq!(gate.sources.new_only, Source::Cli);
    }

    #[test]
    fn exit_status_applies_threshold_budget_and_report_only() {
        let mut gate = GateSettings::resolve(&GateArgs::default(), &Config::default());
        assert_eq!(gate.exit_status(0), ExitStatus::Success);
        assert_eq!(gate.exit_status(1), ExitStatus::Findings);
        gate.max_findings = Some(2);
        assert_eq!(gate.exit_status(2), ExitStatus::Success);
        assert_eq!(gate.exit_status(3), ExitStatus::Findings);
        gate.exit_zero = true;
        assert!(gate.is_report_only());
        assert_eq!(gate.exit_status(100), ExitStatus::Success);
        gate.exit_zero = false;
        gate.fail_on = FailOn::None;
        assert_eq!(gate.exit_status(100), ExitStatus::Success);
    }

    #[test]
    fn report_defaults_and_file_values() {
        let defaults = ReportSettings::default();
        assert_eq!(defaults.markdown_max_chars, 65_536);
        assert_eq!(defaults.annotations_per_level, 10);
        assert_eq!(defaults.top_findings, 20);
        assert_eq!(defaults.html_title, None);
        assert_eq!(defaults.sources.top_findings, Source::Default);

        let set = ReportSettings::resolve(&config(
            "[report]\nmarkdown-max-chars = 1000\nannotations-per-level = 3\ntop-findings = 5\nhtml-title = \"Titanic\"\n",
        ));
        assert_eq!(set.markdown_max_chars, 1000);
        assert_eq!(set.annotations_per_level, 3);
        assert_eq!(set.top_findings, 5);
        assert_eq!(set.html_title.as_deref(), Some("Titanic"));
        assert_eq!(set.sources.html_title, Source::File);
        assert_eq!(set.sources.markdown_max_chars, Source::File);
    }

    #[test]
    fn matches_tell_cli_from_env_without_panicking_on_foreign_matches() {
        use clap::{CommandFactory, FromArgMatches, Parser};

        #[derive(Debug, Parser)]
        struct Cli {
            #[command(flatten)]
            gate: GateArgs,
        }
        let matches = Cli::command()
            .mut_args(|a| a.env(clap::builder::Resettable::Reset))
            .try_get_matches_from(["tool", "--fail-on", "low"])
            .unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        let gate = GateSettings::resolve_with_matches(&cli.gate, &matches, &Config::default());
        assert_eq!(gate.sources.fail_on, Source::Cli);
        assert_eq!(gate.sources.new_only, Source::Default);

        // Matches of a command without the gate arguments: no panic, flags count as CLI.
        let other = clap::Command::new("other").try_get_matches_from(["other"]).unwrap();
        let gate = GateSettings::resolve_with_matches(&cli.gate, &other, &Config::default());
        assert_eq!(gate.sources.fail_on, Source::Cli);
    }
}

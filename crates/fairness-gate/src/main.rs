//! Thin binary for `fairness-gate`; see the library crate.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use fairness_gate::{Agg, InputSpec, Limit, Method, MissingSensitive, Policy, PredSource, Settings, Undefined, output};
use mlsec_cli::config::{Config, ToolSection};
use mlsec_cli::{ExitStatus, FailOn, GlobalArgs};

/// Fairness metrics from a predictions file (CSV or Parquet) as a CI gate: fairlearn's disparity metrics and
/// AIF360's reference-group metrics from one streaming pass, with limits and a verdict.
#[derive(Debug, Parser)]
#[command(name = "fairness-gate", version)]
struct Cli {
    /// The predictions file: CSV with a header row, or Parquet (named *.parquet / *.pq, or starting
    /// with PAR1); Parquet values are compared as the text pandas would write to CSV
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Column with the true label
    #[arg(long, value_name = "COL")]
    label: String,
    /// Column with the predicted label (same encoding as the label)
    #[arg(long, value_name = "COL", required_unless_present = "score", conflicts_with = "score")]
    prediction: Option<String>,
    /// Column with a score; predicted positive when score >= --threshold
    #[arg(long, value_name = "COL", requires = "threshold")]
    score: Option<String>,
    /// Decision threshold for --score (rule: score >= T)
    #[arg(long, value_name = "T", requires = "score")]
    threshold: Option<f64>,
    /// The positive label (required when labels are not 0/1); compared as text
    #[arg(long, value_name = "V")]
    pos_label: Option<String>,
    /// Sensitive column; each is its own grouping (repeat, or list several)
    #[arg(long, value_name = "COL", required = true, num_args = 1..)]
    sensitive: Vec<String>,
    /// An intersection of sensitive columns, e.g. sex,race (repeatable)
    #[arg(long, value_name = "A,B")]
    intersect: Vec<String>,
    /// Column with sample weights (finite, >= 0)
    #[arg(long, value_name = "COL")]
    weight: Option<String>,
    /// Reference-group mode for AIF360's metrics: COL=V is privileged, other groups are not
    #[arg(long, value_name = "COL=V")]
    privileged: Option<String>,
    /// A limit `METRIC <= V` or `METRIC >= V` (repeatable; replaces config and default limits)
    #[arg(long = "limit", value_name = "EXPR")]
    limits: Vec<String>,
    /// fairlearn `method` [default: between_groups]
    #[arg(long, value_name = "M", value_parser = ["between_groups", "to_overall"])]
    method: Option<String>,
    /// fairlearn `agg` for the equalized-odds metrics [default: worst_case]
    #[arg(long, value_name = "A", value_parser = ["worst_case", "mean"])]
    agg: Option<String>,
    /// 0/0 rates: skip the group, fail the metric, or use 0 like fairlearn [default: skip]
    #[arg(long, value_name = "P", value_parser = ["skip", "fail", "zero"])]
    undefined: Option<String>,
    /// Empty sensitive values: error, drop the row, or group them as `<missing>` [default: error]
    #[arg(long, value_name = "P", value_parser = ["error", "drop", "group"])]
    missing_sensitive: Option<String>,
    /// Exclude groups with fewer rows from every metric [default: 1]
    #[arg(long, value_name = "N")]
    min_group_rows: Option<u64>,
    /// Exclude groups with fewer positive labels from TPR-based metrics [default: 0]
    #[arg(long, value_name = "N")]
    min_group_positives: Option<u64>,
    /// Exclude groups with fewer negative labels from FPR-based metrics [default: 0]
    #[arg(long, value_name = "N")]
    min_group_negatives: Option<u64>,
    /// Bootstrap confidence intervals with N replicates (multinomial over the cell counts; with
    /// --weight, each resampled cell weighs its count times the cell's mean weight)
    /// [default: `bootstrap` in mlsec.toml, else none]
    #[arg(long, value_name = "N")]
    bootstrap: Option<u32>,
    /// Seed for --bootstrap (same seed, same intervals) [default: `seed` in mlsec.toml, else 0]
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Confidence level for --bootstrap, between 0 and 1 [default: `confidence` in mlsec.toml, else 0.95]
    #[arg(long, value_name = "C")]
    confidence: Option<f64>,
    /// With --bootstrap: a metric fails only when its whole interval is outside its limit
    /// [default: `fail-if-ci-excludes` in mlsec.toml, else false]
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    fail_if_ci_excludes: Option<bool>,
    /// Write the JSON report here
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write findings (SARIF, mlsec profile) here
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write JUnit XML here (one test case per metric x grouping)
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write a Markdown summary here
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Exit 1 when a failed metric's severity (high) is at or above this; `none` only reports
    #[arg(long, value_name = "LEVEL", env = "MLSEC_FAIL_ON", default_value = "high")]
    fail_on: FailOn,
    #[command(flatten)]
    global: GlobalArgs,
}

/// `[fairness]` in mlsec.toml.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FairnessSection {
    #[serde(alias = "limits")]
    limit: Option<Vec<String>>,
    method: Option<Method>,
    agg: Option<Agg>,
    undefined: Option<Undefined>,
    #[serde(alias = "missing_sensitive")]
    missing_sensitive: Option<MissingSensitive>,
    #[serde(alias = "min_group_rows")]
    min_group_rows: Option<u64>,
    #[serde(alias = "min_group_positives")]
    min_group_positives: Option<u64>,
    #[serde(alias = "min_group_negatives")]
    min_group_negatives: Option<u64>,
    /// `--bootstrap N`; at least 1.
    bootstrap: Option<std::num::NonZeroU32>,
    /// `--seed S` (used when bootstrapping).
    seed: Option<u64>,
    /// `--confidence C`, checked while parsing so that a bad value points at its line.
    confidence: Option<Confidence>,
    #[serde(alias = "fail_if_ci_excludes")]
    fail_if_ci_excludes: Option<bool>,
}

/// A confidence level strictly between 0 and 1.
#[derive(Debug, Clone, Copy)]
struct Confidence(f64);

impl<'de> serde::Deserialize<'de> for Confidence {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let c = f64::deserialize(d)?;
        if c > 0.0 && c < 1.0 {
            Ok(Confidence(c))
        } else {
            Err(serde::de::Error::custom(format!("confidence wants a level between 0 and 1 (e.g. 0.95), got {c}")))
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(v: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(v.to_owned())).with_context(|| format!("bad value `{v}`"))
}

fn settings(cli: &Cli) -> Result<Settings> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let config = Config::load(cli.global.config.as_deref(), &cwd)?;
    let sec: FairnessSection = config.tool_section(ToolSection::Fairness)?.unwrap_or_default();
    let pred = match (&cli.prediction, &cli.score, cli.threshold) {
        (Some(p), None, _) => PredSource::Prediction(p.clone()),
        (None, Some(s), Some(t)) if t.is_finite() => PredSource::Score { column: s.clone(), threshold: t },
        _ => anyhow::bail!("give --prediction COL, or --score COL with a finite --threshold T"),
    };
    let intersect: Vec<Vec<String>> =
        cli.intersect.iter().map(|s| s.split(',').map(|c| c.trim().to_owned()).collect()).collect();
    let privileged = match &cli.privileged {
        None => None,
        Some(s) => match s.split_once('=') {
            Some((c, v)) if !c.is_empty() => Some((c.to_owned(), v.to_owned())),
            _ => anyhow::bail!("--privileged wants COL=VALUE, got `{s}`"),
        },
    };
    let limit_src: Vec<String> =
        if !cli.limits.is_empty() { cli.limits.clone() } else { sec.limit.clone().unwrap_or_default() };
    let mut limits = Vec::new();
    for l in &limit_src {
        limits.push(Limit::parse(l)?);
    }
    let limits = if limit_src.is_empty() { fairness_gate::default_limits() } else { limits };
    let d = Policy::default();
    let policy = Policy {
        min_group_rows: cli.min_group_rows.or(sec.min_group_rows).unwrap_or(d.min_group_rows),
        min_group_positives: cli.min_group_positives.or(sec.min_group_positives).unwrap_or(d.min_group_positives),
        min_group_negatives: cli.min_group_negatives.or(sec.min_group_negatives).unwrap_or(d.min_group_negatives),
        undefined: cli.undefined.as_deref().map(parse).transpose()?.or(sec.undefined).unwrap_or(d.undefined),
        method: cli.method.as_deref().map(parse).transpose()?.or(sec.method).unwrap_or(d.method),
        agg: cli.agg.as_deref().map(parse).transpose()?.or(sec.agg).unwrap_or(d.agg),
    };
    let missing_sensitive = cli
        .missing_sensitive
        .as_deref()
        .map(parse)
        .transpose()?
        .or(sec.missing_sensitive)
        .unwrap_or(MissingSensitive::Error);
    let (bootstrap, fail_if_ci_excludes) = bootstrap_settings(cli, &sec)?;
    Ok(Settings {
        input: InputSpec {
            path: cli.file.clone(),
            label: cli.label.clone(),
            pred,
            pos_label: cli.pos_label.clone(),
            sensitive: cli.sensitive.clone(),
            intersect,
            weight: cli.weight.clone(),
            missing_sensitive,
        },
        policy,
        privileged,
        limits: fairness_gate::merge_limits(&limits),
        bootstrap,
        fail_if_ci_excludes,
    })
}

/// The bootstrap settings: each from its flag, else `[fairness]` in mlsec.toml, else the default.
/// The file's `seed` and `confidence` are defaults for when bootstrapping is on; flags and a file's
/// `fail-if-ci-excludes = true` without any `bootstrap` are errors (they would silently do nothing).
fn bootstrap_settings(cli: &Cli, sec: &FairnessSection) -> Result<(Option<fairness_gate::bootstrap::Bootstrap>, bool)> {
    let replicates = match cli.bootstrap {
        Some(0) => anyhow::bail!("--bootstrap wants at least 1 replicate"),
        Some(n) => Some(n),
        None => sec.bootstrap.map(std::num::NonZeroU32::get),
    };
    let fail_if_ci_excludes = cli.fail_if_ci_excludes.or(sec.fail_if_ci_excludes).unwrap_or(false);
    let Some(replicates) = replicates else {
        let stray = [
            (cli.seed.is_some(), "--seed"),
            (cli.confidence.is_some(), "--confidence"),
            (cli.fail_if_ci_excludes == Some(true), "--fail-if-ci-excludes"),
            (
                cli.fail_if_ci_excludes.is_none() && sec.fail_if_ci_excludes == Some(true),
                "`fail-if-ci-excludes = true` in [fairness]",
            ),
        ];
        if let Some((_, what)) = stray.iter().find(|(given, _)| *given) {
            anyhow::bail!(
                "{what} needs bootstrap intervals, and none were asked for\nhint: pass --bootstrap N, or set \
                 `bootstrap = N` in the [fairness] section of mlsec.toml"
            );
        }
        return Ok((None, false));
    };
    let confidence = match cli.confidence {
        Some(c) if c > 0.0 && c < 1.0 => c,
        Some(c) => anyhow::bail!("--confidence wants a level between 0 and 1, got {c}"),
        None => sec.confidence.map_or(0.95, |c| c.0),
    };
    let seed = cli.seed.or(sec.seed).unwrap_or(0);
    Ok((Some(fairness_gate::bootstrap::Bootstrap { replicates, seed, confidence }), fail_if_ci_excludes))
}

fn run(cli: &Cli) -> Result<ExitStatus> {
    let settings = settings(cli)?;
    let report = fairness_gate::run(&settings)?;
    if let Some(p) = &cli.json {
        output::write_json(p, &report)?;
    }
    if let Some(p) = &cli.output {
        output::write_sarif(p, &report)?;
    }
    if let Some(p) = &cli.junit {
        output::write_junit(p, &report)?;
    }
    if let Some(p) = &cli.markdown {
        output::write_markdown(p, &report)?;
    }
    let failed: Vec<_> = output::all_metrics(&report)
        .into_iter()
        .filter(|(_, j)| j.verdict == fairness_gate::Verdict::Fail)
        .map(|(g, j)| {
            format!("{} [{g}] = {}", j.value.metric, j.value.value.map_or("undefined".into(), |v| format!("{v:.4}")))
        })
        .collect();
    let mut err = std::io::stderr().lock();
    // Warnings are printed even with -q: they say the numbers may not mean what the flags suggest.
    for w in &report.warnings {
        writeln!(err, "warning: {w}")?;
    }
    if !cli.global.quiet {
        writeln!(err, "fairness-gate: {} rows, {} metric(s) failed their limit", report.rows_read, failed.len())?;
        for f in &failed {
            writeln!(err, "  {f}")?;
        }
    }
    Ok(ExitStatus::from_gate(!failed.is_empty() && cli.fail_on.fails_on(mlsec_cli::Severity::High)))
}

fn main() -> ExitCode {
    let (cli, _matches) = mlsec_cli::args::parse::<Cli>();
    mlsec_cli::exit::finish(run(&cli))
}

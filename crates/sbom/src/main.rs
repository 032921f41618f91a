//! Thin binary for `sbom`: parse, validate settings, run the library, map to an exit code.

use mlsec_cli::exit::fail;
use std::io::Write;

use anyhow::Result;
use mlsec_cli::config::{Config, GateSettings, ToolSection};
use mlsec_cli::{ExitStatus, FailOn, Verbosity};
use mlsec_findings::gate::{GatePolicy, Verdict, evaluate};
use sbom::cli::{Cli, FormatArg, SpecArg};

/// `[sbom]` in mlsec.toml.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Section {
    /// Paths (relative to the scanned directory) to leave out.
    exclude: Option<Vec<String>>,
    /// Default CycloneDX version when `--spec-version` is not given.
    spec_version: Option<String>,
    /// Rule ids to emit (default: all).
    rules: Option<Vec<String>>,
}

fn main() -> std::process::ExitCode {
    let (cli, matches) = mlsec_cli::args::parse::<Cli>();
    mlsec_cli::exit::finish(run(&cli, &matches))
}

fn run(cli: &Cli, matches: &clap::ArgMatches) -> Result<ExitStatus> {
    let start =
        if cli.path.is_dir() { cli.path.clone() } else { cli.path.parent().map(Into::into).unwrap_or_default() };
    let config = Config::load(cli.global.config.as_deref(), &start)?;
    let gate = GateSettings::resolve_with_matches(&cli.gate, matches, &config);
    let section: Section = config.tool_section(ToolSection::Sbom)?.unwrap_or_default();
    let where_ = config.file.as_ref().map(|f| f.path.display().to_string()).unwrap_or_else(|| "mlsec.toml".into());
    let from_cli = matches.value_source("spec_version") == Some(clap::parser::ValueSource::CommandLine);
    let spec_version = match (from_cli, section.spec_version.as_deref()) {
        (false, Some("1.6")) => SpecArg::V1_6,
        (false, Some("1.5")) => SpecArg::V1_5,
        (false, Some(other)) => {
            return fail(
                format!("{where_}: [sbom] spec-version = {other:?} is not supported"),
                "use \"1.6\" or \"1.5\"",
            );
        }
        _ => cli.spec_version,
    };
    let exclude = sbom::exclude_set(section.exclude.as_deref().unwrap_or_default()).map_err(|e| {
        mlsec_cli::WithHint::new(
            format!("{where_}: [sbom] exclude: {e}"),
            "write globs like \"tests/fixtures\" or \"**/*.csv\"",
        )
    })?;
    let rules = match &section.rules {
        None => None,
        Some(list) => {
            if let Some(bad) = list.iter().find(|r| !sbom::RULES.contains(&r.as_str())) {
                return fail(
                    format!("{where_}: [sbom] rules: unknown rule {bad:?}"),
                    format!("known rules: {}", sbom::RULES.join(", ")),
                );
            }
            Some(list.iter().cloned().collect())
        }
    };
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    let settings = sbom::Settings {
        target: cli.path.clone(),
        output: cli.output.clone(),
        format: match cli.format {
            FormatArg::CyclonedxJson => sbom::Format::CycloneDxJson,
            FormatArg::SpdxJson => sbom::Format::SpdxJson,
        },
        spec_version: match spec_version {
            SpecArg::V1_6 => sbom::SpecVersion::V1_6,
            SpecArg::V1_5 => sbom::SpecVersion::V1_5,
        },
        findings: cli.findings.clone(),
        exclude,
        rules,
        baseline: gate.baseline.clone(),
        timestamp: sbom::timestamp(epoch.as_deref())
            .map_err(|e| mlsec_cli::WithHint::new(e, "unset it or give seconds since 1970-01-01 UTC"))?,
    };
    let outcome = sbom::run(&settings).map_err(|e| {
        let hint = match &e {
            sbom::SbomError::Target { .. } => "give a project directory or a lockfile",
            sbom::SbomError::Baseline { .. } => "pass the findings file (SARIF) of an earlier sbom run as --baseline",
            _ => "check the output path and its directory's permissions",
        };
        mlsec_cli::WithHint::new(e, hint)
    })?;
    let quiet = cli.global.verbosity() == Verbosity::Quiet;
    let mut err = std::io::stderr().lock();
    if !quiet {
        for w in &outcome.inventory.warnings {
            writeln!(err, "warning: {w}")?;
        }
        writeln!(
            err,
            "sbom: {} components, {} model/dataset components, {} dependency edges, {} findings",
            outcome.inventory.components.len(),
            outcome.inventory.models.len() + outcome.inventory.hf_models.len() + outcome.inventory.datasets.len(),
            outcome.inventory.dependencies.values().map(|s| s.len()).sum::<usize>(),
            outcome.findings.runs.iter().map(|r| r.findings.len()).sum::<usize>()
        )?;
    }
    let today = time::OffsetDateTime::now_utc().date();
    let fail_on = match gate.fail_on {
        FailOn::Severity(s) => Some(s),
        FailOn::None => None,
    };
    if gate.new_only && gate.baseline.is_none() {
        return Err(anyhow::Error::new(mlsec_cli::WithHint::new(
            "--new-only needs a baseline to compare against".to_string(),
            "pass --baseline FILE (the findings of the default branch), or drop --new-only",
        )));
    }
    let policy = GatePolicy { fail_on, new_only: gate.new_only, max_findings: gate.max_findings, today };
    Ok(match evaluate(&outcome.findings, &policy).verdict {
        Verdict::Pass => ExitStatus::Success,
        Verdict::Fail if gate.is_report_only() => ExitStatus::Success,
        Verdict::Fail => ExitStatus::Findings,
        Verdict::ToolError => ExitStatus::Error,
    })
}

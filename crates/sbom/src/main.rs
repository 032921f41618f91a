//! Thin binary for `sbom`: parse, validate settings, run the library, map to an exit code.

use std::io::Write;

use anyhow::Result;
use mlsec_cli::config::{Config, GateSettings};
use mlsec_cli::{ExitStatus, FailOn, Verbosity};
use mlsec_findings::gate::{GatePolicy, Verdict, evaluate};
use sbom::cli::{Cli, FormatArg, SpecArg};

fn main() -> std::process::ExitCode {
    let (cli, matches) = mlsec_cli::args::parse::<Cli>();
    mlsec_cli::exit::finish(run(&cli, &matches))
}

fn run(cli: &Cli, matches: &clap::ArgMatches) -> Result<ExitStatus> {
    let start =
        if cli.path.is_dir() { cli.path.clone() } else { cli.path.parent().map(Into::into).unwrap_or_default() };
    let config = Config::load(cli.global.config.as_deref(), &start)?;
    let gate = GateSettings::resolve_with_matches(&cli.gate, matches, &config);
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    let settings = sbom::Settings {
        target: cli.path.clone(),
        output: cli.output.clone(),
        format: match cli.format {
            FormatArg::CyclonedxJson => sbom::Format::CycloneDxJson,
            FormatArg::SpdxJson => sbom::Format::SpdxJson,
        },
        spec_version: match cli.spec_version {
            SpecArg::V1_6 => sbom::SpecVersion::V1_6,
            SpecArg::V1_5 => sbom::SpecVersion::V1_5,
        },
        findings: cli.findings.clone(),
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
            "sbom: {} components, {} dependency edges, {} findings",
            outcome.inventory.components.len(),
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

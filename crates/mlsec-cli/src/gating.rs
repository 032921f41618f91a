//! What a tool binary does between "the findings are in" and "write them and gate": the
//! `[[suppress]]` entries of mlsec.toml, the baseline (`--baseline`, with the pull-request default
//! of `--new-only`), and the gate policy. `mlsec gate` does the same on merged files, so a tool's
//! exit code and `mlsec gate` on the tool's SARIF agree.

use std::path::PathBuf;

use anyhow::Context;
use mlsec_findings::baseline::{self, BaselineStats};
use mlsec_findings::gate::{GatePolicy, Verdict};
use mlsec_findings::suppress::{self, SuppressRule};
use mlsec_findings::{FindingsFile, sarif};

use crate::config::{Config, GateSettings, Source};
use crate::exit::{ExitStatus, fail, hinted};
use crate::fail_on::FailOn;

/// What [`prepare`] did, for the caller's own stderr lines.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The policy to evaluate the findings with.
    pub policy: GatePolicy,
    /// How many findings `[[suppress]]` entries suppressed.
    pub suppressed_by_config: usize,
    /// The baseline file and the comparison's counts, when `--baseline` was given.
    pub baseline: Option<(PathBuf, BaselineStats)>,
}

/// Apply mlsec.toml's `[[suppress]]` entries to `file`, then compare it with the baseline (when
/// `settings` has one; read with `baseline_limit` bytes at most), and build the gate policy for
/// `today`. In a pull request (`GITHUB_EVENT_NAME`/`CI_MERGE_REQUEST_IID`) with a baseline and no
/// explicit `--new-only` setting, only new findings count (DESIGN.md §4.6).
///
/// Errors (exit 2): a `[[suppress]]` entry with a bad glob (named by file and line), an unreadable
/// baseline, `--new-only` without a baseline.
pub fn prepare(
    file: &mut FindingsFile,
    config: &Config,
    settings: &GateSettings,
    baseline_limit: u64,
    today: time::Date,
) -> anyhow::Result<Prepared> {
    let rules = config
        .suppressions()
        .iter()
        .map(|s| {
            SuppressRule::new(s.rule.clone(), s.fingerprint.clone(), s.path.as_deref(), s.reason.clone(), s.expires)
                .with_context(|| {
                    let file =
                        config.file.as_ref().map_or_else(|| "config".to_owned(), |f| f.path.display().to_string());
                    format!("{file}:{}: [[suppress]]", s.line.unwrap_or(0))
                })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut suppressed_by_config = 0;
    if !rules.is_empty() {
        let source = config.file.as_ref().map_or_else(
            || "mlsec.toml".to_owned(),
            |f| f.path.file_name().map_or_else(|| "mlsec.toml".to_owned(), |n| n.to_string_lossy().into_owned()),
        );
        suppressed_by_config = suppress::apply(file, &rules, &source);
    }

    let mut new_only = settings.new_only;
    let mut compared = None;
    if let Some(base) = &settings.baseline {
        let base_file = sarif::read_file(base, baseline_limit)
            .map_err(|e| {
                let h = e.hint();
                hinted(e, h)
            })
            .context("reading the baseline")?;
        let stats = baseline::apply(file, &base_file, false);
        if settings.sources.new_only == Source::Default && crate::ci::in_pull_request() {
            new_only = true;
        }
        compared = Some((base.clone(), stats));
    } else if settings.new_only {
        return fail(
            "--new-only needs a baseline to compare against",
            "pass --baseline FILE (e.g. the findings of the default branch), or drop --new-only",
        );
    }

    let fail_on = match settings.fail_on {
        FailOn::Severity(s) => Some(s),
        FailOn::None => None,
    };
    let policy = GatePolicy { fail_on, new_only, max_findings: settings.max_findings, today };
    Ok(Prepared { policy, suppressed_by_config, baseline: compared })
}

/// The exit status of the gate's verdict: a tool error is always 2; failing findings are 1 unless
/// the gate is report-only (`--fail-on none`, `--exit-zero`).
pub fn exit_status(verdict: Verdict, settings: &GateSettings) -> ExitStatus {
    match verdict {
        Verdict::ToolError => ExitStatus::Error,
        Verdict::Fail if settings.is_report_only() => ExitStatus::Success,
        Verdict::Fail => ExitStatus::Findings,
        Verdict::Pass => ExitStatus::Success,
    }
}

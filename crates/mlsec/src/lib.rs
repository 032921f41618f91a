//! `mlsec`: merge, gate, report and validate findings of the mlsec tools.
//!
//! The binary is a thin shell over [`run`]; each subcommand lives in its own function here and
//! does only orchestration: reading, the findings library's operations, the renderers, writing.
#![deny(missing_docs)]

pub mod cli;
mod scan;

use mlsec_cli::exit::fail;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::ArgMatches;
use mlsec_cli::config::{Config, GateSettings, ReportSettings};
use mlsec_cli::{ExitStatus, GlobalArgs, Verbosity};
use mlsec_findings::gate::{GatePolicy, Verdict};
use mlsec_findings::{FindingsError, FindingsFile, merge, profile, sarif};
use mlsec_report::{RenderContext, ReportOptions};

use crate::cli::{
    Cli, Command, CommentArg, GateCmd, InputArgs, MergeArgs, PlatformArg, PublishCmd, ReportCmd, ValidateArgs,
};

/// Run the command line; the exit status on success, an error (exit 2) otherwise.
pub fn run(cli: &Cli, matches: &ArgMatches) -> Result<ExitStatus> {
    let sub = matches.subcommand().map(|(_, m)| m).unwrap_or(matches);
    match &cli.command {
        Command::Merge(a) => merge_cmd(&cli.global, a),
        Command::Gate(a) => gate_cmd(&cli.global, a, sub),
        Command::Report(a) => report_cmd(&cli.global, a, sub),
        Command::Validate(a) => validate_cmd(&cli.global, a),
        Command::Publish(a) => publish_cmd(&cli.global, a, sub),
        Command::Scan(a) => scan::scan_cmd(&cli.global, a, sub),
    }
}

/// Attach the findings library's hint to its error.
fn findings_err(e: FindingsError) -> anyhow::Error {
    let hint = e.hint();
    mlsec_cli::exit::hinted(e, hint)
}

fn read_inputs(input: &InputArgs) -> Result<Vec<FindingsFile>> {
    let limit = input.max_input_mib.saturating_mul(1024 * 1024);
    input.inputs.iter().map(|p| sarif::read_file(p, limit).map_err(findings_err)).collect()
}

fn stderr_line(global: &GlobalArgs, text: &str) {
    if global.verbosity() != Verbosity::Quiet {
        let _ = writeln!(io::stderr().lock(), "{text}");
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn check_not_input(out: &Path, inputs: &[PathBuf], force: bool) -> Result<()> {
    if !force && out != Path::new("-") && inputs.iter().any(|i| same_file(out, i)) {
        return fail(
            format!("output {} is also an input; refusing to overwrite it", out.display()),
            "write elsewhere, or pass --force to overwrite the input",
        );
    }
    Ok(())
}

/// Write to a file atomically, or to stdout for `-`.
fn write_output(path: &Path, content: &str) -> Result<()> {
    if path == Path::new("-") {
        let mut out = io::stdout().lock();
        out.write_all(content.as_bytes()).context("writing to stdout")?;
        return out.flush().context("writing to stdout");
    }
    sarif::write_atomic(path, content.as_bytes()).map_err(findings_err)
}

/// A `--path-prefix`, checked and normalised: relative, forward slashes, no `.`/`..` components,
/// no trailing slash; `None` for the repository root itself (`.` or empty).
fn path_prefix(raw: Option<&str>) -> Result<Option<String>> {
    let Some(raw) = raw else { return Ok(None) };
    let norm = mlsec_findings::model::normalise_path(raw);
    let parts: Vec<&str> = norm.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    if norm.starts_with('/') || Path::new(raw).is_absolute() || parts.contains(&"..") {
        return fail(
            format!("--path-prefix {raw:?}: must be a relative path inside the repository, without `..`"),
            "give the scanned directory relative to the repository root, e.g. --path-prefix services/model",
        );
    }
    Ok(if parts.is_empty() { None } else { Some(parts.join("/")) })
}

/// Prefix every repository-file location with `prefix` (see [`path_prefix`]): the tools ran on a
/// subdirectory and reported paths relative to it. Artifact locations (purls, image references)
/// are not paths and stay as they are. `originalUriBaseIds.SRCROOT`, which named the
/// subdirectory's URI, no longer applies and is dropped.
fn rebase(file: &mut FindingsFile, prefix: &str) {
    for run in &mut file.runs {
        run.srcroot = None;
        for f in &mut run.findings {
            for l in f.locations.iter_mut().filter(|l| l.is_repo_file() && !l.uri.is_empty()) {
                l.uri = format!("{prefix}/{}", l.uri);
            }
        }
    }
}

fn merge_cmd(global: &GlobalArgs, a: &MergeArgs) -> Result<ExitStatus> {
    check_not_input(&a.output, &a.input.inputs, a.force)?;
    let prefix = path_prefix(a.path_prefix.as_deref())?;
    let files = read_inputs(&a.input)?;
    let (mut merged, stats) = merge::merge(files).map_err(findings_err)?;
    if let Some(p) = &prefix {
        rebase(&mut merged, p);
    }
    write_output(&a.output, &sarif::to_json(&merged))?;
    stderr_line(
        global,
        &format!(
            "mlsec merge: {} file(s), {} run(s), {} finding(s) -> {} ({} duplicate(s) folded)",
            a.input.inputs.len(),
            stats.runs,
            stats.findings_in,
            stats.findings_out,
            stats.duplicates
        ),
    );
    Ok(ExitStatus::Success)
}

/// What gate and report share: config, merged findings with suppressions and baseline applied,
/// and the gate policy.
struct Prepared {
    file: FindingsFile,
    settings: GateSettings,
    config: Config,
    policy: GatePolicy,
}

fn prepare(
    global: &GlobalArgs,
    input: &InputArgs,
    gate: &mlsec_cli::GateArgs,
    matches: &ArgMatches,
    path_prefix: Option<&str>,
) -> Result<Prepared> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let config = Config::load(global.config.as_deref(), &cwd)?;
    let settings = GateSettings::resolve_with_matches(gate, matches, &config);
    let today = mlsec_cli::ci::today()?;

    let files = read_inputs(input)?;
    let (mut file, _) = merge::merge(files).map_err(findings_err)?;
    // Before the suppressions: their path globs are relative to the repository root.
    if let Some(prefix) = path_prefix {
        rebase(&mut file, prefix);
    }

    // The same suppressions, baseline and policy as every tool binary (mlsec_cli::gating), so a
    // tool's exit code and `mlsec gate` on its SARIF agree.
    let limit = input.max_input_mib.saturating_mul(1024 * 1024);
    let prepared = mlsec_cli::gating::prepare(&mut file, &config, &settings, limit, today)?;
    if let Some((base, stats)) = &prepared.baseline {
        stderr_line(
            global,
            &format!(
                "mlsec: baseline {}: {} new, {} unchanged, {} updated, {} gone",
                base.display(),
                stats.new,
                stats.unchanged,
                stats.updated,
                stats.absent
            ),
        );
    }
    let policy = prepared.policy;
    Ok(Prepared { file, settings, config, policy })
}

fn report_options(config: &Config, details_url: Option<String>) -> ReportOptions {
    let rs = ReportSettings::resolve(config);
    let defaults = ReportOptions::default();
    ReportOptions {
        markdown_max_chars: rs.markdown_max_chars,
        annotations_per_level: usize::from(rs.annotations_per_level),
        top_findings: rs.top_findings,
        html_title: rs.html_title.unwrap_or(defaults.html_title),
        generated_at: time::OffsetDateTime::now_utc(),
        details_url,
        ..defaults
    }
}

fn gate_cmd(global: &GlobalArgs, a: &GateCmd, matches: &ArgMatches) -> Result<ExitStatus> {
    let p = prepare(global, &a.input, &a.gate, matches, None)?;
    let ctx = RenderContext::new(&p.file, p.policy, report_options(&p.config, None));
    stderr_line(global, mlsec_report::text::render(&ctx, a.top).trim_end());
    Ok(mlsec_cli::gating::exit_status(ctx.outcome.verdict, &p.settings))
}

fn report_cmd(global: &GlobalArgs, a: &ReportCmd, matches: &ArgMatches) -> Result<ExitStatus> {
    let outputs = [&a.sarif, &a.codequality, &a.junit, &a.markdown, &a.html, &a.github_output];
    for out in outputs.into_iter().flatten() {
        check_not_input(out, &a.input.inputs, a.force)?;
    }
    let stdout_users = [&a.sarif, &a.markdown].into_iter().flatten().filter(|p| p.as_path() == Path::new("-")).count()
        + usize::from(a.github_annotations);
    if stdout_users > 1 {
        bail!("only one output can go to stdout (got {stdout_users}: `-` outputs and --github-annotations)");
    }
    if outputs.iter().all(|o| o.is_none()) && a.gitlab_dir.is_none() && !a.github_annotations {
        return fail(
            "no output asked for".to_owned(),
            "add one or more of --sarif, --gitlab-dir, --codequality, --junit, --markdown, --html, --github-annotations, --github-output",
        );
    }
    let p = prepare(global, &a.input, &a.gate, matches, None)?;
    let ctx = RenderContext::new(&p.file, p.policy, report_options(&p.config, a.details_url.clone()));

    let mut written = Vec::new();
    if let Some(path) = &a.sarif {
        write_output(path, &mlsec_report::sarif::render(&ctx))?;
        written.push(path.display().to_string());
    }
    if let Some(dir) = &a.gitlab_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for r in mlsec_report::gitlab::render(&ctx) {
            let path = dir.join(r.file_name);
            write_output(&path, &r.json)?;
            written.push(path.display().to_string());
        }
    }
    if let Some(path) = &a.codequality {
        write_output(path, &mlsec_report::codequality::render(&ctx))?;
        written.push(path.display().to_string());
    }
    if let Some(path) = &a.junit {
        write_output(path, &mlsec_report::junit::render(&ctx))?;
        written.push(path.display().to_string());
    }
    if let Some(path) = &a.markdown {
        write_output(path, &mlsec_report::markdown::render(&ctx))?;
        written.push(path.display().to_string());
    }
    if let Some(path) = &a.html {
        write_output(path, &mlsec_report::html::render(&ctx))?;
        written.push(path.display().to_string());
    }
    if a.github_annotations {
        write_output(Path::new("-"), &mlsec_report::annotations::render(&ctx))?;
    }
    if let Some(path) = &a.github_output {
        append_step_outputs(path, &ctx)?;
        written.push(path.display().to_string());
    }
    let files: Vec<_> = written.iter().filter(|w| w.as_str() != "-").cloned().collect();
    if !files.is_empty() {
        stderr_line(global, &format!("mlsec report: wrote {}", files.join(", ")));
    }
    // Rendering succeeded; the gate is `mlsec gate`'s job, but a tool error is never hidden.
    Ok(if ctx.outcome.verdict == Verdict::ToolError { ExitStatus::Error } else { ExitStatus::Success })
}

/// `findings=N` and `max-severity=S` (`none` without findings) of the findings the gate considers
/// (an expired suppression no longer suppresses), appended to a GitHub step-outputs file.
fn step_outputs(ctx: &RenderContext<'_>) -> String {
    let by = &ctx.outcome.by_severity;
    let findings: usize = by.values().sum();
    let max = by.iter().filter(|(_, n)| **n > 0).map(|(s, _)| *s).max().map_or("none", |s| s.as_str());
    format!("findings={findings}\nmax-severity={max}\n")
}

fn append_step_outputs(path: &Path, ctx: &RenderContext<'_>) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {} to append the step outputs", path.display()))?;
    f.write_all(step_outputs(ctx).as_bytes()).with_context(|| format!("writing {}", path.display()))
}

fn validate_cmd(global: &GlobalArgs, a: &ValidateArgs) -> Result<ExitStatus> {
    let limit = a.input.max_input_mib.saturating_mul(1024 * 1024);
    let mut failed = 0usize;
    let mut err = io::stderr().lock();
    for path in &a.input.inputs {
        let checked = std::fs::metadata(path)
            .map_err(|source| FindingsError::Io { path: path.clone(), source })
            .and_then(|m| {
                if m.len() > limit {
                    Err(FindingsError::TooLarge { path: path.clone(), size: m.len(), limit })
                } else {
                    std::fs::read(path).map_err(|source| FindingsError::Io { path: path.clone(), source })
                }
            })
            .and_then(|bytes| profile::validate_bytes(&bytes, path));
        match checked {
            Err(e) => {
                failed += 1;
                let _ = writeln!(err, "error: {e}");
                if let Some(h) = e.hint() {
                    let _ = writeln!(err, "hint: {h}");
                }
            }
            Ok(v) if v.is_empty() => {
                if global.verbosity() != Verbosity::Quiet {
                    let _ = writeln!(err, "{}: ok (SARIF 2.1.0, mlsec profile v1)", path.display());
                }
            }
            Ok(v) => {
                failed += 1;
                let _ = writeln!(err, "error: {}: {} profile violation(s)", path.display(), v.len());
                for violation in v.iter().take(a.max_violations) {
                    let _ = writeln!(err, "  {violation}");
                }
                if v.len() > a.max_violations {
                    let _ = writeln!(err, "  … and {} more", v.len() - a.max_violations);
                }
            }
        }
    }
    if failed > 0 {
        let _ = writeln!(
            err,
            "hint: the mlsec profile is described in docs/findings-format.md; SARIF from other tools can still be merged and reported"
        );
        return Ok(ExitStatus::Error);
    }
    Ok(ExitStatus::Success)
}

fn publish_cmd(global: &GlobalArgs, a: &PublishCmd, matches: &ArgMatches) -> Result<ExitStatus> {
    use mlsec_ci::{CommentMode, Overrides, PlatformChoice, PublishOptions, RetryPolicy};
    let overrides = Overrides { token: a.token.clone(), api_url: a.api_url.clone(), pr: a.pr, sha: a.sha.clone() };
    let choice = match a.platform {
        PlatformArg::Auto => PlatformChoice::Auto,
        PlatformArg::Github => PlatformChoice::GitHub,
        PlatformArg::Gitlab => PlatformChoice::GitLab,
    };
    let p = prepare(global, &a.input, &a.gate, matches, None)?;
    let target = mlsec_ci::detect(choice, &overrides, &|k| std::env::var(k).ok()).map_err(ci_err)?;
    let run_url = match &target {
        mlsec_ci::Target::GitHub(t) => t.run_url.clone(),
        mlsec_ci::Target::GitLab(t) => t.job_url.clone(),
    };
    let ctx = RenderContext::new(&p.file, p.policy, report_options(&p.config, run_url));
    let exit = mlsec_cli::gating::exit_status(ctx.outcome.verdict, &p.settings);
    let report = mlsec_ci::Report::build(&ctx, p.settings.is_report_only()).map_err(ci_err)?;

    // The report is on disk before any network call: a failed publish never loses it.
    let options = PublishOptions {
        check_name: a.check_name.clone(),
        comment: match a.comment {
            CommentArg::Always => CommentMode::Always,
            CommentArg::OnFindings => CommentMode::OnFindings,
            CommentArg::Never => CommentMode::Never,
        },
        sarif_upload: a.sarif_upload,
        timeout: std::time::Duration::from_secs(a.timeout.max(1)),
        retry: RetryPolicy { attempts: a.attempts.max(1), ..RetryPolicy::default() },
        dry_run: a.dry_run,
    };
    if !a.dry_run {
        std::fs::create_dir_all(&a.report_dir)
            .with_context(|| format!("creating the report directory {}", a.report_dir.display()))?;
        write_output(&a.report_dir.join("report.md"), &report.step_summary)?;
        write_output(&a.report_dir.join("findings.sarif"), &mlsec_report::sarif::render(&ctx))?;
        stderr_line(global, &format!("mlsec publish: report written to {}", a.report_dir.display()));
    }
    let outcome = mlsec_ci::publish(&target, &report, &options).map_err(ci_err);
    stderr_line(global, &format!("mlsec publish: {}", report.headline));
    let outcome = outcome?;
    if !outcome.workflow_commands.is_empty() {
        write_output(Path::new("-"), &outcome.workflow_commands)?;
    }
    for line in &outcome.done {
        stderr_line(global, &format!("mlsec publish: {line}"));
    }
    for n in &outcome.notices {
        stderr_line(global, &format!("mlsec publish: notice: {n}"));
    }
    if let Some(first) = outcome.errors.first() {
        let mut err = io::stderr().lock();
        for e in &outcome.errors {
            let _ = writeln!(err, "error: publishing: {e}");
        }
        let _ = writeln!(err, "mlsec publish: the gate's verdict was exit {} ({})", exit.code(), report.headline);
        return fail(format!("{} publishing step(s) failed", outcome.errors.len()), first.hint());
    }
    Ok(exit)
}

fn ci_err(e: mlsec_ci::PublishError) -> anyhow::Error {
    let hint = e.hint();
    anyhow::Error::new(mlsec_cli::WithHint::new(e, hint))
}

//! `mlsec scan`: run the scanners as child processes, then merge, report and gate in-process.
//!
//! Each scanner is a separate binary (the same ones CI jobs run on their own), so a crash or hang
//! of one is contained and reported as that tool's error. A scanner is looked up next to the
//! running `mlsec` first (a release archive or `target/release` holds them all), then on PATH. A
//! scanner that is missing, whose external tool (Bandit, Trivy) is missing, or whose binary is
//! still the "not implemented" placeholder is *skipped* with how to enable it, never counted as
//! clean. The scanners report paths relative to the scanned directory; `--path-prefix` makes the
//! merged findings relative to the repository root when that directory is a subdirectory. A
//! scanner that fails (exit 2, or no SARIF written) makes the scan exit 2 after
//! everything else is still written.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};
use clap::ArgMatches;
use mlsec_cli::{ExitStatus, GlobalArgs, Verbosity};
use mlsec_findings::sarif;
use mlsec_report::RenderContext;

use crate::cli::{InputArgs, ScanCmd, ScanTool};
use crate::{fail, findings_err, prepare, report_options, stderr_line, write_output};

/// Input size limit for the scanners' SARIF files (as `--max-input-mib`'s default).
const MAX_INPUT_MIB: u64 = 128;

/// How one scanner is run.
struct Spec {
    tool: ScanTool,
    /// Name in the summary and of its SARIF file (`<name>.sarif`).
    name: &'static str,
    /// The mlsec binary.
    binary: &'static str,
    /// The external program it drives (on PATH, or the env variable naming it), if any.
    needs: Option<(&'static str, &'static str)>,
    /// How to get the external program.
    needs_hint: &'static str,
}

const SPECS: [Spec; 5] = [
    Spec { tool: ScanTool::SecretScan, name: "secret-scan", binary: "secret-scan", needs: None, needs_hint: "" },
    Spec {
        tool: ScanTool::Bandit,
        name: "bandit",
        binary: "bandit-wrapper",
        needs: Some(("bandit", "MLSEC_BANDIT")),
        needs_hint: "`pip install bandit` (or set MLSEC_BANDIT to its path) to add Python SAST",
    },
    Spec {
        tool: ScanTool::Trivy,
        name: "trivy",
        binary: "trivy-wrapper",
        needs: Some(("trivy", "MLSEC_TRIVY")),
        needs_hint: "install Trivy (or set MLSEC_TRIVY to its path) to add dependency scanning; see docs/trivy-wrapper.md",
    },
    Spec { tool: ScanTool::Sbom, name: "sbom", binary: "sbom", needs: None, needs_hint: "" },
    Spec { tool: ScanTool::ModelScan, name: "model-scan", binary: "model-scan", needs: None, needs_hint: "" },
];

/// What became of one scanner.
enum Outcome {
    /// It ran; its findings file and finding count.
    Ran { sarif: PathBuf, findings: usize },
    /// It was not run: why, and how to enable it.
    Skipped { why: String, hint: String },
    /// It could not do its job.
    Failed { why: String },
}

/// Where a program is: next to the running executable first, then on PATH.
fn locate(binary: &str) -> Option<PathBuf> {
    let exe_dir = std::env::current_exe().ok().and_then(|p| p.parent().map(Path::to_path_buf));
    exe_dir.into_iter().map(|d| d.join(binary)).find(|p| is_executable(p)).or_else(|| on_path(binary))
}

fn on_path(binary: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(binary)).find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// The arguments of one scanner: `--output`/`--findings` into `out`, `--fail-on none` (the scan
/// gates the merged findings once).
///
/// The mlsec.toml goes to the scanners through `MLSEC_CONFIG` (see `run_one`), not `--config`:
/// bandit-wrapper's `--config` is Bandit's own config file (the interface of issue #4).
fn args_for(spec: &Spec, target: &Path, out: &Path) -> Vec<OsString> {
    let mut a: Vec<OsString> = Vec::new();
    let sarif = out.join(format!("{}.sarif", spec.name));
    match spec.tool {
        ScanTool::Trivy => a.push("fs".into()),
        ScanTool::SecretScan | ScanTool::Bandit | ScanTool::Sbom | ScanTool::ModelScan => {}
    }
    a.push(target.into());
    if spec.tool == ScanTool::Sbom {
        a.push("--output".into());
        a.push(out.join("sbom.cdx.json").into());
        a.push("--findings".into());
    } else {
        a.push("--output".into());
    }
    a.push(sarif.into());
    a.push("--fail-on".into());
    a.push("none".into());
    a
}

/// The last `n` lines of a tool's stderr, indented, for an error message.
fn tail(stderr: &str, n: usize) -> String {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].iter().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

fn run_one(spec: &Spec, target: &Path, out: &Path, global: &GlobalArgs) -> (Outcome, String) {
    let Some(binary) = locate(spec.binary) else {
        return (
            Outcome::Skipped {
                why: format!("`{}` not found next to mlsec or on PATH", spec.binary),
                hint: format!(
                    "build it (`cargo build --release -p {}`) or install the mlsec release binaries",
                    spec.binary
                ),
            },
            String::new(),
        );
    };
    if let Some((program, env)) = spec.needs {
        let set = std::env::var_os(env).is_some_and(|v| !v.is_empty());
        if !set && on_path(program).is_none() {
            return (
                Outcome::Skipped { why: format!("`{program}` not on PATH"), hint: spec.needs_hint.to_owned() },
                String::new(),
            );
        }
    }
    let sarif = out.join(format!("{}.sarif", spec.name));
    // A stale file from an earlier scan must not pass for this run's output.
    let _ = std::fs::remove_file(&sarif);
    // Each scanner runs in the scanned directory on `.`, so that every tool reports the same
    // repo-relative paths (and Bandit finds the repository's own `.bandit`).
    let (cwd, arg) = if target.is_dir() { (target, Path::new(".")) } else { (Path::new("."), target) };
    let mut cmd = Command::new(&binary);
    if let Some(c) = &global.config {
        cmd.env("MLSEC_CONFIG", c);
    }
    let output = cmd
        .current_dir(cwd)
        .args(args_for(spec, arg, out))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            return (Outcome::Failed { why: format!("could not start {}: {e}", binary.display()) }, String::new());
        }
    };
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code();
    if code == Some(2) && stderr.contains("not implemented") {
        return (
            Outcome::Skipped {
                why: format!("`{}` in this build is a placeholder (not implemented yet)", spec.binary),
                hint: format!("use a release of mlsec that ships {}", spec.binary),
            },
            stderr,
        );
    }
    let outcome = match code {
        Some(0 | 1) if sarif.is_file() => match sarif::read_file(&sarif, MAX_INPUT_MIB * 1024 * 1024) {
            Ok(f) => Outcome::Ran { findings: f.len(), sarif },
            Err(e) => Outcome::Failed { why: format!("its findings file is unreadable: {e}") },
        },
        Some(0 | 1) => {
            Outcome::Failed { why: format!("it exited {} without writing {}", code.unwrap_or(0), sarif.display()) }
        }
        Some(c) => Outcome::Failed { why: format!("exit {c}:\n{}", tail(&stderr, 8)) },
        None => Outcome::Failed { why: format!("killed by a signal:\n{}", tail(&stderr, 8)) },
    };
    (outcome, stderr)
}

/// `mlsec scan`.
pub(crate) fn scan_cmd(global: &GlobalArgs, a: &ScanCmd, matches: &ArgMatches) -> Result<ExitStatus> {
    if !a.path.exists() {
        return fail(
            format!("{}: no such file or directory", a.path.display()),
            "give the repository to scan, e.g. `mlsec scan .`",
        );
    }
    let prefix = crate::path_prefix(a.path_prefix.as_deref())?;
    std::fs::create_dir_all(&a.out_dir)
        .with_context(|| format!("creating the output directory {}", a.out_dir.display()))?;
    // The scanners run in the target directory: give them absolute output and config paths.
    let abs_out = std::path::absolute(&a.out_dir).context("resolving --out-dir")?;
    let mut child_global = global.clone();
    if let Some(c) = &global.config {
        child_global.config = Some(std::path::absolute(c).context("resolving --config")?);
    }

    let specs: Vec<&Spec> = SPECS.iter().filter(|s| !a.skip.contains(&s.tool)).collect();
    // The scanners are independent processes: run them side by side.
    let results: Vec<(Outcome, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            specs.iter().map(|s| scope.spawn(|| run_one(s, &a.path, &abs_out, &child_global))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| (Outcome::Failed { why: "internal error".to_owned() }, String::new())))
            .collect()
    });

    let mut err = io::stderr().lock();
    let loud = global.verbosity() != Verbosity::Quiet;
    if loud {
        let _ = writeln!(err, "mlsec scan: {}", a.path.display());
    }
    let mut inputs = Vec::new();
    let mut failed = 0usize;
    for (spec, (outcome, stderr)) in specs.iter().zip(&results) {
        if global.verbosity() >= Verbosity::Verbose && !stderr.trim().is_empty() {
            let _ = writeln!(err, "--- {} stderr ---\n{}", spec.name, stderr.trim_end());
        }
        let line = match outcome {
            Outcome::Ran { sarif, findings } => {
                inputs.push(sarif.clone());
                let shown = a.out_dir.join(format!("{}.sarif", spec.name));
                format!("  {:<12} ran      {findings} finding(s) -> {}", spec.name, shown.display())
            }
            Outcome::Skipped { why, hint } => {
                format!("  {:<12} skipped  {why}\n  {:<12}          hint: {hint}", spec.name, "")
            }
            Outcome::Failed { why } => {
                failed += 1;
                format!("  {:<12} ERROR    {why}", spec.name)
            }
        };
        // Errors are shown even with --quiet.
        if loud || matches!(outcome, Outcome::Failed { .. }) {
            let _ = writeln!(err, "{line}");
        }
    }
    for skipped in a.skip.iter().filter_map(|t| SPECS.iter().find(|s| s.tool == *t)) {
        if loud {
            let _ = writeln!(err, "  {:<12} skipped  --skip", skipped.name);
        }
    }
    drop(err);

    if inputs.is_empty() {
        return fail(
            format!("no scanner ran on {} ({failed} failed, the others were skipped)", a.path.display()),
            "build the scanners next to mlsec (`cargo build --release --workspace`) or put them on PATH",
        );
    }

    let input = InputArgs { inputs, max_input_mib: MAX_INPUT_MIB };
    let p = prepare(global, &input, &a.gate, matches, prefix.as_deref())?;
    let ctx = RenderContext::new(&p.file, p.policy, report_options(&p.config, None));
    let all = a.out_dir.join("all.sarif");
    write_output(&all, &mlsec_report::sarif::render(&ctx))?;
    let md = a.out_dir.join("report.md");
    write_output(&md, &mlsec_report::markdown::render(&ctx))?;
    let html = a.out_dir.join("report.html");
    write_output(&html, &mlsec_report::html::render(&ctx))?;
    // Sanity: what was just written reads back (a truncated write would fail here, not in CI).
    sarif::read_file(&all, MAX_INPUT_MIB * 1024 * 1024).map_err(findings_err)?;

    stderr_line(global, mlsec_report::text::render(&ctx, a.top).trim_end());
    stderr_line(global, &format!("mlsec scan: wrote {}, {}, {}", all.display(), md.display(), html.display()));
    if failed > 0 {
        let _ = writeln!(
            io::stderr().lock(),
            "error: {failed} scanner(s) could not do their job; the findings above are incomplete\nhint: see the scanner's message above; rerun with -v for its full output"
        );
        return Ok(ExitStatus::Error);
    }
    Ok(mlsec_cli::gating::exit_status(ctx.outcome.verdict, &p.settings))
}

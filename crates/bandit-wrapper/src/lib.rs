//! `bandit-wrapper`: runs Bandit once (`-f json`, every severity and confidence, `--ignore-nosec`)
//! and converts its report to one SARIF run under the mlsec profile.
//!
//! What Bandit's own exit code hides is made explicit: a target that does not exist, a file that
//! does not parse (`errors[]`), a crash, a hang or unreadable output make the run unsuccessful
//! (`executionSuccessful: false`, exit 2) instead of a quiet exit 0. `# nosec` comments are read by
//! the wrapper (see [`nosec`]) and recorded as `inSource` suppressions, so they stay visible.
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod nosec;
use mlsec_cli::process;
pub mod report;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mlsec_findings::model::normalise_path;
use mlsec_findings::{
    Category, Confidence, Engine, Finding, FindingsFile, Location, Rule, Run, Severity, Suppression, SuppressionKind,
    SuppressionStatus, fingerprint, redact,
};

/// The Bandit version the tests and the Docker image pin.
pub const PINNED_BANDIT: &str = "1.9.4";

/// How to install Bandit, for hints.
pub const INSTALL_HINT: &str = "install Bandit (`pip install bandit==1.9.4`) or pass --bandit PATH to the executable";

/// Validated settings of one run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Files or directories to scan (relative to `workdir` unless absolute).
    pub targets: Vec<PathBuf>,
    /// The Bandit executable (a path, or a name looked up on `PATH`).
    pub bandit: PathBuf,
    /// The Bandit configuration, if any.
    pub config: Option<BanditConfig>,
    /// Kill Bandit after this long.
    pub timeout: Duration,
    /// Where Bandit runs; paths in the report are relative to it.
    pub workdir: PathBuf,
}

/// A Bandit configuration file and how to pass it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BanditConfig {
    /// YAML or TOML (`[tool.bandit]`), passed with `-c`.
    Config(PathBuf),
    /// INI (`.bandit`, `[bandit]` section), passed with `--ini`.
    Ini(PathBuf),
}

impl BanditConfig {
    /// Classify an explicit file by its name: `.bandit`, `*.ini`, `*.cfg` are INI; the rest `-c`.
    pub fn from_path(path: PathBuf) -> BanditConfig {
        let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        if name == ".bandit" || name.ends_with(".ini") || name.ends_with(".cfg") {
            BanditConfig::Ini(path)
        } else {
            BanditConfig::Config(path)
        }
    }

    /// Find a configuration in `dir`: `.bandit`, else a `pyproject.toml` with `[tool.bandit]`.
    pub fn discover(dir: &Path) -> Result<Option<BanditConfig>, Error> {
        let dot = dir.join(".bandit");
        if dot.is_file() {
            return Ok(Some(BanditConfig::Ini(dot)));
        }
        let py = dir.join("pyproject.toml");
        if py.is_file() {
            let text = std::fs::read_to_string(&py).map_err(|e| Error::Io { path: py.clone(), source: e })?;
            let doc: toml::Table = toml::from_str(&text)
                .map_err(|e| Error::BadConfig { path: py.clone(), message: e.message().to_owned() })?;
            let has = doc.get("tool").and_then(|t| t.as_table()).is_some_and(|t| t.contains_key("bandit"));
            if has {
                return Ok(Some(BanditConfig::Config(py)));
            }
        }
        Ok(None)
    }

    fn path(&self) -> &Path {
        match self {
            BanditConfig::Config(p) | BanditConfig::Ini(p) => p,
        }
    }
}

/// Why the wrapper could not do its job (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bandit is not installed or not where it was said to be.
    #[error("bandit executable not found: {}", .0.display())]
    NotFound(PathBuf),
    /// Bandit could not be started.
    #[error("could not run {}: {source}", .path.display())]
    Spawn {
        /// The executable.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A target does not exist.
    #[error("target {} does not exist", .0.display())]
    MissingTarget(PathBuf),
    /// A file could not be read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A configuration file is invalid.
    #[error("{}: {message}", .path.display())]
    BadConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Bandit ran past the timeout.
    #[error("bandit did not finish within {secs} s and was stopped{}", stderr_tail(.stderr))]
    Timeout {
        /// The timeout.
        secs: u64,
        /// Its stderr so far.
        stderr: String,
    },
    /// `bandit --version` did not answer as expected.
    #[error("`{} --version` failed{}", .path.display(), stderr_tail(.stderr))]
    Version {
        /// The executable.
        path: PathBuf,
        /// What it said.
        stderr: String,
    },
    /// Bandit crashed or was given bad arguments: no usable report.
    #[error("bandit failed (exit code {}){}", .code.map_or("none (killed by a signal)".to_owned(), |c| c.to_string()), stderr_tail(.stderr))]
    Crashed {
        /// Its exit code.
        code: Option<i32>,
        /// Its stderr.
        stderr: String,
    },
    /// Bandit's output is not a JSON report.
    #[error("bandit's JSON report is unreadable: {message} (exit code {})", .code.map_or("none".to_owned(), |c| c.to_string()))]
    BadReport {
        /// The parse error.
        message: String,
        /// Bandit's exit code.
        code: Option<i32>,
    },
}

impl Error {
    /// What to do next.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Error::NotFound(_) | Error::Spawn { .. } | Error::Version { .. } => INSTALL_HINT.to_owned(),
            Error::MissingTarget(_) => "check the path (targets are relative to the current directory)".to_owned(),
            Error::BadConfig { .. } => "fix the TOML syntax, or pass another file with --config".to_owned(),
            Error::Timeout { .. } => "raise --timeout, or narrow the targets (exclude vendored code)".to_owned(),
            Error::Crashed { .. } | Error::BadReport { .. } => {
                format!(
                    "run the bandit command by hand to see the failure; mlsec is tested with bandit {PINNED_BANDIT}"
                )
            }
            Error::Io { .. } => return None,
        })
    }
}

/// The last lines of a tool's stderr, for an error message (`\n  stderr: ...`).
fn stderr_tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return String::new();
    }
    let tail = &lines[lines.len().saturating_sub(8)..];
    tail.iter().map(|l| format!("\n  stderr: {}", redact::redact_message(l))).collect()
}

/// Stderr lines that say something went wrong (Bandit logs `[main]\tINFO` chatter otherwise).
pub fn classify_stderr(stderr: &str) -> (Vec<String>, Vec<String>) {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for line in stderr.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let line = redact::redact_message(line).into_owned();
        if line.contains("ERROR") || line.starts_with("Traceback") || line.contains("Error:") {
            errors.push(line);
        } else if line.contains("WARNING") {
            warnings.push(line);
        }
    }
    (errors, warnings)
}

/// Resolve an executable: a path with a separator as is, a bare name on `PATH`.
pub fn find_executable(name: &Path) -> Option<PathBuf> {
    if name.components().count() > 1 || name.is_absolute() {
        return name.is_file().then(|| name.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// The arguments of the one Bandit run.
pub fn bandit_args(settings: &Settings) -> Vec<String> {
    let mut args: Vec<String> = ["-f", "json", "-r", "--ignore-nosec"].into_iter().map(str::to_owned).collect();
    match &settings.config {
        Some(BanditConfig::Config(p)) => args.extend(["-c".to_owned(), p.display().to_string()]),
        Some(BanditConfig::Ini(p)) => args.extend(["--ini".to_owned(), p.display().to_string()]),
        None => {}
    }
    args.push("--".to_owned());
    args.extend(settings.targets.iter().map(|t| t.display().to_string()));
    args
}

/// Run Bandit once and convert its report. Bandit's `errors[]` and stderr errors make the run
/// unsuccessful in the returned file (the gate turns that into exit 2); a run that produced no
/// usable report is an [`Error`].
pub fn run(settings: &Settings) -> Result<FindingsFile, Error> {
    let bandit = find_executable(&settings.bandit).ok_or_else(|| Error::NotFound(settings.bandit.clone()))?;
    for t in &settings.targets {
        if !settings.workdir.join(t).exists() {
            return Err(Error::MissingTarget(t.clone()));
        }
    }
    if let Some(c) = &settings.config
        && !settings.workdir.join(c.path()).is_file()
    {
        return Err(Error::Io {
            path: c.path().to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "configuration file not found"),
        });
    }
    let version = bandit_version(&bandit, &settings.workdir, settings.timeout)?;
    let captured = process::run(&bandit, &bandit_args(settings), &settings.workdir, settings.timeout)
        .map_err(|e| run_error(e, &bandit, settings.timeout))?;
    // Bandit exits 0 (no issues) or 1 (issues) with a report; anything else, or no report, is a
    // failure. A Python traceback also exits 1, so the report decides.
    let parsed: Result<report::Report, _> = serde_json::from_slice(&captured.stdout);
    let report = match parsed {
        Ok(r) if matches!(captured.code, Some(0 | 1)) => r,
        Ok(_) => return Err(Error::Crashed { code: captured.code, stderr: captured.stderr }),
        Err(_) if captured.stdout.iter().all(u8::is_ascii_whitespace) => {
            return Err(Error::Crashed { code: captured.code, stderr: captured.stderr });
        }
        Err(e) => return Err(Error::BadReport { message: e.to_string(), code: captured.code }),
    };
    if report.results.is_none() {
        return Err(Error::BadReport { message: "no `results` array".to_owned(), code: captured.code });
    }
    let mut file = convert(&report, &version, settings);
    let run = &mut file.runs[0];
    run.invocation.exit_code = captured.code;
    let (errs, warns) = classify_stderr(&captured.stderr);
    run.invocation.warnings.extend(warns);
    run.invocation.errors.extend(errs);
    if !run.invocation.errors.is_empty() {
        run.invocation.successful = false;
    }
    Ok(file)
}

fn run_error(e: process::RunError, bandit: &Path, timeout: Duration) -> Error {
    match e {
        process::RunError::Spawn(source) => Error::Spawn { path: bandit.to_path_buf(), source },
        process::RunError::Timeout(stderr) => Error::Timeout { secs: timeout.as_secs(), stderr },
    }
}

/// `bandit --version` -> `1.9.4`.
fn bandit_version(bandit: &Path, cwd: &Path, timeout: Duration) -> Result<String, Error> {
    let c = process::run(bandit, &["--version".to_owned()], cwd, timeout).map_err(|e| run_error(e, bandit, timeout))?;
    let out = String::from_utf8_lossy(&c.stdout);
    let first = out.lines().next().unwrap_or("");
    match first.strip_prefix("bandit ") {
        Some(v) if c.code == Some(0) && !v.trim().is_empty() => Ok(v.trim().to_owned()),
        _ => Err(Error::Version { path: bandit.to_path_buf(), stderr: format!("{}{}", out, c.stderr) }),
    }
}

/// A short description and help for the rules mlsec documents itself (the ML ones first).
fn known_rule(id: &str) -> Option<(&'static str, &'static str)> {
    Some(match id {
        "B614" => (
            "Unsafe PyTorch load",
            "`torch.load` unpickles the file: a malicious checkpoint runs code when it is loaded.\n\n\
             **Fix:** pass `weights_only=True` (the default from PyTorch 2.6), or store weights as \
             safetensors and load them with `safetensors.torch.load_file`. Never load checkpoints \
             from an untrusted source with `weights_only=False`.",
        ),
        "B615" => (
            "Unpinned Hugging Face Hub download",
            "`from_pretrained`/`hf_hub_download` without `revision=` fetches whatever the repository \
             holds today: a compromised or changed model lands in your pipeline silently.\n\n\
             **Fix:** pin `revision=` to a full commit hash (`revision=\"3f1c...\"`), not a branch or tag, \
             and prefer `use_safetensors=True`.",
        ),
        "B301" => (
            "Pickle deserialization",
            "Loading a pickle runs code chosen by whoever wrote the file. Model and feature files are \
             a common vector.\n\n**Fix:** use a data-only format (safetensors, JSON, Parquet, ONNX), or \
             verify the file's signature (`model-sign verify`) before loading it.",
        ),
        "B506" => (
            "Unsafe YAML load",
            "`yaml.load` without a safe loader can build arbitrary Python objects.\n\n**Fix:** use \
             `yaml.safe_load` (or `Loader=yaml.SafeLoader`).",
        ),
        _ => return None,
    })
}

fn humanise(name: &str) -> String {
    let s = name.replace('_', " ");
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

fn make_rule(issue: &report::Issue, cwe: Option<&str>) -> Rule {
    let (short, help) = match known_rule(&issue.test_id) {
        Some((s, h)) => (s.to_owned(), h.to_owned()),
        None => {
            let short = if issue.test_name.is_empty() || issue.test_name == "blacklist" {
                issue.issue_text.split(['.', ':']).next().unwrap_or("").trim().to_owned()
            } else {
                humanise(&issue.test_name)
            };
            let short = if short.is_empty() { format!("Bandit {}", issue.test_id) } else { short };
            (
                short,
                format!("{}\n\nSee Bandit's documentation for this test.", redact::redact_message(&issue.issue_text)),
            )
        }
    };
    let mut rule = Rule::new(issue.test_id.clone(), Category::Sast, short);
    if !issue.test_name.is_empty() {
        rule.name = Some(issue.test_name.clone());
    }
    let uri = issue
        .more_info
        .clone()
        .filter(|u| u.starts_with("https://"))
        .unwrap_or_else(|| format!("https://bandit.readthedocs.io/en/{PINNED_BANDIT}/plugins/index.html"));
    rule.help_markdown = Some(format!("{help}\n\n[Bandit documentation]({uri})"));
    rule.help_uri = Some(uri);
    rule.tags.push("security".to_owned());
    if let Some(c) = cwe {
        rule.tags.push(c.to_owned());
    }
    rule
}

/// Lines of the scanned files, read once each (never executed).
#[derive(Default)]
struct Sources {
    files: HashMap<String, Option<Vec<String>>>,
}

impl Sources {
    fn line(&mut self, base: &Path, file: &str, n: u32) -> Option<&str> {
        let lines = self.files.entry(file.to_owned()).or_insert_with(|| {
            let bytes = std::fs::read(base.join(file)).ok()?;
            Some(String::from_utf8_lossy(&bytes).lines().map(str::to_owned).collect())
        });
        lines.as_ref()?.get(usize::try_from(n).ok()?.checked_sub(1)?).map(String::as_str)
    }
}

/// Where a file Bandit names is, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilePlace {
    /// Under the working directory: the repo-relative path the profile requires (`SRCROOT`).
    Repo(String),
    /// Outside it: an absolute `file://` URI.
    Outside(String),
}

/// Place `file` (as Bandit printed it: relative to `workdir`, or absolute when the target was
/// given as an absolute path) relative to `workdir` when it is under it.
pub fn place(workdir: &Path, file: &str) -> FilePlace {
    let p = Path::new(file);
    let climbs = p.components().any(|c| matches!(c, std::path::Component::ParentDir));
    if p.is_relative() && !climbs {
        return FilePlace::Repo(normalise_path(file));
    }
    let workdir = std::path::absolute(workdir).unwrap_or_else(|_| workdir.to_path_buf());
    let abs = mlsec_findings::model::lexical(&workdir.join(p));
    // The working directory as given, then resolved (a temp dir reached through a symlink).
    let bases = [Some(mlsec_findings::model::lexical(&workdir)), workdir.canonicalize().ok()];
    for base in bases.iter().flatten() {
        if let Ok(rel) = abs.strip_prefix(base)
            && !rel.as_os_str().is_empty()
        {
            return FilePlace::Repo(normalise_path(&rel.to_string_lossy()));
        }
    }
    if let (Ok(real), Some(base)) = (abs.canonicalize(), &bases[1])
        && let Ok(rel) = real.strip_prefix(base)
        && !rel.as_os_str().is_empty()
    {
        return FilePlace::Repo(normalise_path(&rel.to_string_lossy()));
    }
    // Percent-encoded by hand: a few bytes, no URL crate needed.
    let mut uri = String::from("file://");
    for b in abs.to_string_lossy().replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    FilePlace::Outside(uri)
}

impl FilePlace {
    /// The path or URI, for messages, fingerprints and the automation id.
    pub fn as_str(&self) -> &str {
        match self {
            FilePlace::Repo(p) | FilePlace::Outside(p) => p,
        }
    }

    fn location(&self, line: Option<u32>) -> Location {
        match self {
            FilePlace::Repo(p) => Location::file(p.clone(), line),
            FilePlace::Outside(uri) => {
                let mut l = Location::artifact(uri.clone(), "file");
                l.start_line = line;
                l
            }
        }
    }
}

/// Convert a parsed Bandit report (paths relative to `settings.workdir`, or absolute: see
/// [`place`]).
pub fn convert(report: &report::Report, version: &str, settings: &Settings) -> FindingsFile {
    let target = settings
        .targets
        .iter()
        .map(|t| place(&settings.workdir, &t.display().to_string()).as_str().to_owned())
        .collect::<Vec<_>>()
        .join(",");
    let mut run = Run::new("bandit-wrapper", env!("CARGO_PKG_VERSION"), &target);
    run.srcroot = None;
    let mut engine =
        Engine { name: "bandit".to_owned(), version: Some(version.to_owned()), properties: Default::default() };
    if let Some(c) = &settings.config {
        let shown = c.path().strip_prefix(&settings.workdir).unwrap_or(c.path());
        engine.properties.insert("config".to_owned(), normalise_path(&shown.display().to_string()));
    }
    run.engines.push(engine);
    run.invocation.successful = report.errors.is_empty();
    for e in &report.errors {
        run.invocation.errors.push(format!(
            "{}: {}",
            place(&settings.workdir, &e.filename).as_str(),
            if e.reason.is_empty() { "bandit could not scan this file" } else { &e.reason }
        ));
    }

    let mut sources = Sources::default();
    let mut occurrences: HashMap<(String, String, String), u32> = HashMap::new();
    let mut issues: Vec<&report::Issue> = report.results.iter().flatten().collect();
    // Bandit's order depends on `-a`; the occurrence index must not.
    issues.sort_by(|a, b| (&a.filename, a.line_number, a.col_offset).cmp(&(&b.filename, b.line_number, b.col_offset)));
    for issue in issues {
        let placed = place(&settings.workdir, &issue.filename);
        let path = placed.as_str().to_owned();
        let line_no = issue.line_number.or_else(|| issue.line_range.first().copied());
        let source_line = line_no
            .and_then(|n| sources.line(&settings.workdir, &issue.filename, n).map(str::to_owned))
            .or_else(|| line_no.and_then(|n| issue.code_line(n).map(str::to_owned)))
            .unwrap_or_default();
        let cwe = issue.issue_cwe.as_ref().and_then(|c| c.id).filter(|&id| id > 0).map(|id| format!("CWE-{id}"));
        if run.rule(&issue.test_id).is_none() {
            run.rules.push(make_rule(issue, cwe.as_deref()));
        }
        let mut f = Finding::new(
            issue.test_id.clone(),
            Category::Sast,
            Severity::from_bandit(&issue.issue_severity),
            redact::redact_message(&issue.issue_text).into_owned(),
        );
        f.confidence = Confidence::from_bandit(&issue.issue_confidence);
        let mut loc = placed.location(line_no);
        loc.start_column = issue.col_offset.map(|c| c + 1);
        let end_line = issue.line_range.iter().copied().max().filter(|&e| Some(e) > line_no);
        loc.end_line = end_line;
        if let Some(end) = issue.end_col_offset.filter(|&e| e > 0) {
            // SARIF's endColumn is exclusive and 1-based, Bandit's end_col_offset 0-based exclusive.
            if end_line.is_some() || issue.col_offset.is_none_or(|c| end > c) {
                loc.end_column = Some(end + 1);
            }
        }
        if !source_line.is_empty() {
            loc.snippet = Some(redact::redact_snippet(Category::Sast, source_line.trim_end()));
        }
        f.locations.push(loc);
        if let Some(c) = &cwe {
            f.tags.push(c.clone());
        }
        let key = (issue.test_id.clone(), path.clone(), fingerprint::normalise_line(&source_line));
        let occ = occurrences.entry(key).or_insert(0);
        f.fingerprints
            .insert(fingerprint::CODE_V1.to_owned(), fingerprint::code(&issue.test_id, &path, &source_line, *occ));
        *occ += 1;

        // `# nosec` on any line of the node, as Bandit checks it.
        let mut lines: Vec<u32> = issue.line_range.clone();
        if let Some(n) = line_no
            && !lines.contains(&n)
        {
            lines.insert(0, n);
        }
        let nosec = lines.iter().find_map(|&n| {
            sources
                .line(&settings.workdir, &issue.filename, n)
                .map(str::to_owned)
                .or_else(|| issue.code_line(n).map(str::to_owned))
                .and_then(|l| nosec::parse(&l))
        });
        if let Some(n) = nosec {
            if n.covers(&issue.test_id, &issue.test_name) {
                f.suppressions.push(Suppression {
                    kind: SuppressionKind::InSource,
                    status: SuppressionStatus::Accepted,
                    justification: Some(n.text),
                    expires: None,
                    source: Some("nosec".to_owned()),
                });
            } else {
                f.properties.insert(
                    "mlsec/nosec-mismatch".to_owned(),
                    serde_json::Value::String(format!("`{}` does not name {}", n.text, issue.test_id)),
                );
            }
        }
        run.findings.push(f);
    }
    FindingsFile { runs: vec![run] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_placed_relative_to_the_working_directory() {
        let wd = Path::new("/work/repo");
        let repo = |s: &str| FilePlace::Repo(s.to_owned());
        assert_eq!(place(wd, "src/a.py"), repo("src/a.py"));
        assert_eq!(place(wd, "./src/a.py"), repo("src/a.py"));
        assert_eq!(place(wd, "/work/repo/src/a.py"), repo("src/a.py"));
        assert_eq!(place(wd, "/work/repo/./src/../src/a.py"), repo("src/a.py"));
        assert_eq!(place(wd, "src/../../repo/src/a.py"), repo("src/a.py"));
        // Outside: an absolute, percent-encoded file:// URI, never a `..` path.
        assert_eq!(place(wd, "../other/a b.py"), FilePlace::Outside("file:///work/other/a%20b.py".to_owned()));
        assert_eq!(place(wd, "/elsewhere/x.py"), FilePlace::Outside("file:///elsewhere/x.py".to_owned()));
        // A sibling whose name starts like the working directory is outside.
        assert_eq!(place(wd, "/work/repo2/x.py"), FilePlace::Outside("file:///work/repo2/x.py".to_owned()));
    }
}

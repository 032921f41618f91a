//! `secret-scan`: finds credentials in the working tree of an ML repository.
//!
//! The library walks the target (gitignore-aware, in parallel), scans each text file in bounded
//! chunks with the [`engine`] and the default [`rules`], and turns hits into findings under the
//! mlsec SARIF profile. A secret's value never leaves the engine: findings carry its hash
//! (`mlsec/secret/v1`) and a masked snippet.
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod baseline_import;
pub mod engine;
pub mod filter;
pub mod gitleaks;
pub mod history;
pub mod notebook;
pub mod rules;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use mlsec_findings::{
    Category, Confidence, Finding, FindingsFile, Location, Rule, Run, Suppression, SuppressionKind, SuppressionStatus,
    fingerprint,
};

use crate::engine::{Hit, Scanner};

/// The tool's name in the findings file.
pub const TOOL: &str = "secret-scan";
/// Bytes looked at to decide whether a file is binary (a NUL byte in them).
pub(crate) const SNIFF: usize = 8 << 10;
/// Notebooks up to this size are parsed as JSON; larger ones are streamed as text.
const NOTEBOOK_MAX: u64 = 64 << 20;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A file or directory, or `-` for stdin.
    pub target: PathBuf,
    /// Scan files that .gitignore and friends exclude.
    pub no_ignore: bool,
    /// Files larger than this are skipped with a warning (`None`: no limit; memory is bounded
    /// either way).
    pub max_file_bytes: Option<u64>,
    /// Worker threads (0: one per CPU).
    pub threads: usize,
    /// Scan the git repository at the target instead of its files (`--history`, `--diff`,
    /// `--staged`).
    pub git: Option<history::GitMode>,
    /// In git modes, use and update the persistent scanned-blob cache under `.git/mlsec-cache`.
    pub cache: bool,
    /// A gitleaks/betterleaks config (and mlsec.toml's `[secret-scan]` allowlist) to scan with;
    /// `None`: the default rules.
    pub gitleaks: Option<std::sync::Arc<gitleaks::GitleaksConfig>>,
    /// `[secret-scan] paths` / `exclude`: which files are scanned.
    pub filter: filter::PathFilter,
}

/// Errors that stop the scan.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The target does not exist or cannot be read.
    #[error("cannot read target {path}: {source}")]
    Target {
        /// The target.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The target is not in a git repository, or a revision did not resolve.
    #[error("git: {path}: {message}")]
    Git {
        /// The target.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Reading stdin failed.
    #[error("cannot read stdin: {0}")]
    Stdin(std::io::Error),
    /// The rules did not compile.
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
}

/// The outcome of a scan.
#[derive(Debug)]
pub struct Report {
    /// One run under the mlsec profile.
    pub findings: FindingsFile,
    /// Text files scanned.
    pub files_scanned: u64,
    /// Bytes scanned.
    pub bytes_scanned: u64,
    /// Binary files skipped.
    pub binary_skipped: u64,
    /// Git modes: commits walked, unique blobs, blobs answered by the cache, missing blobs.
    pub git: Option<GitStats>,
    /// Per finding (same order): the value's SHA-256 and SHA-1, in memory only, for matching
    /// foreign baselines ([`baseline_import`]). Never serialised.
    values: Vec<(String, String)>,
}

/// Counts of a git-mode scan.
#[derive(Debug, Clone, Copy, Default)]
pub struct GitStats {
    /// Commits walked.
    pub commits: u64,
    /// Unique blobs considered (scanned, cached, binary, missing or LFS).
    pub unique_blobs: u64,
    /// Blobs answered by the persistent cache.
    pub cached: u64,
    /// Blobs missing from the object database.
    pub missing: u64,
    /// Git LFS pointers skipped.
    pub lfs_pointers: u64,
}

struct FileResult {
    rel: String,
    hits: Vec<Hit>,
    /// Columns refer to decoded cell lines, not to the file: left out of locations.
    notebook: bool,
}

#[derive(Default)]
struct Acc {
    results: Vec<FileResult>,
    warnings: Vec<String>,
    files: u64,
    bytes: u64,
    binary: u64,
}

/// Scans the target.
pub fn run(settings: &Settings) -> Result<Report, ScanError> {
    let scanner = match &settings.gitleaks {
        Some(g) => Scanner::new(g.default_rules())?.with_gitleaks(std::sync::Arc::clone(g)),
        None => Scanner::new(rules::RULES)?,
    };
    if let Some(mode) = &settings.git {
        return run_git(&scanner, settings, mode);
    }
    let mut acc = Acc::default();
    acc.warnings.extend(scanner.gitleaks().map(|g| g.warnings().to_vec()).unwrap_or_default());
    let target_label;
    if settings.target.as_os_str() == "-" {
        target_label = "stdin".to_owned();
        let stdin = std::io::stdin();
        let (hits, err) = scanner.scan_reader("-", stdin.lock());
        if let Some(e) = err {
            return Err(ScanError::Stdin(e));
        }
        acc.files = 1;
        acc.results.push(FileResult { rel: "-".into(), hits, notebook: false });
    } else {
        let meta = std::fs::metadata(&settings.target)
            .map_err(|source| ScanError::Target { path: settings.target.clone(), source })?;
        target_label = settings.target.display().to_string();
        if meta.is_file() {
            let rel = settings.target.file_name().map_or_else(|| target_label.clone(), |n| n.to_string_lossy().into());
            scan_file(&scanner, settings, &settings.target, &rel, &Mutex::new(&mut acc));
        } else {
            walk(&scanner, settings, &mut acc);
        }
    }
    acc.results.sort_by(|a, b| a.rel.cmp(&b.rel));
    acc.warnings.sort();
    let mut run = Run::new(TOOL, env!("CARGO_PKG_VERSION"), &target_label);
    run.rules = sarif_rules(&scanner);
    let mut values = Vec::new();
    for fr in &acc.results {
        for h in &fr.hits {
            run.findings.push(finding(&fr.rel, h, fr.notebook));
            values.push((h.value_hash.clone(), h.value_sha1.clone()));
        }
    }
    if settings.target.is_dir() {
        apply_gitleaksignore(&settings.target.join(".gitleaksignore"), &mut run.findings, &mut acc.warnings);
    }
    run.invocation.warnings = acc.warnings;
    Ok(Report {
        findings: FindingsFile { runs: vec![run] },
        files_scanned: acc.files,
        bytes_scanned: acc.bytes,
        binary_skipped: acc.binary,
        git: None,
        values,
    })
}

fn run_git(scanner: &Scanner, settings: &Settings, mode: &history::GitMode) -> Result<Report, ScanError> {
    let scan =
        history::scan(scanner, &settings.target, mode, settings.max_file_bytes, settings.threads, settings.cache)?;
    let mut run =
        Run::new(TOOL, env!("CARGO_PKG_VERSION"), &format!("{} ({})", settings.target.display(), mode.label()));
    run.rules = sarif_rules(scanner);
    // One finding per (credential, path): the same secret carried into later versions of a file
    // stays with the commit that introduced it (results are oldest first).
    let mut seen = std::collections::HashSet::new();
    let mut values = Vec::new();
    for br in &scan.results {
        let origin = &scan.origins[br.origin];
        for h in &br.hits {
            if !seen.insert((h.rule.family, h.value_hash.clone(), br.path.clone())) {
                continue;
            }
            if let (Some(g), Some(c)) = (scanner.gitleaks(), &origin.commit)
                && g.commit_allowed(h.rule.id, c)
            {
                continue;
            }
            if !settings.filter.allows_file(&br.path) {
                continue;
            }
            let mut f = finding(&br.path, h, br.notebook);
            values.push((h.value_hash.clone(), h.value_sha1.clone()));
            if let Some(c) = &origin.commit {
                f.properties.insert("commit".into(), c.clone().into());
                f.properties.insert("author".into(), origin.author.clone().into());
                f.properties.insert("date".into(), origin.date.clone().into());
                f.message = format!("{} (commit {})", f.message, &c[..c.len().min(12)]);
            } else {
                f.properties.insert("staged".into(), true.into());
            }
            run.findings.push(f);
        }
    }
    let mut warnings = scan.warnings;
    warnings.extend(scanner.gitleaks().map(|g| g.warnings().to_vec()).unwrap_or_default());
    // `.gitleaksignore` at the repository's top level (or at PATH), as gitleaks reads it.
    let workdir = gix::discover(&settings.target).ok().and_then(|r| r.workdir().map(Path::to_path_buf));
    let ignore_file = std::iter::once(settings.target.join(".gitleaksignore"))
        .chain(workdir.map(|w| w.join(".gitleaksignore")))
        .find(|p| p.is_file());
    if let Some(p) = ignore_file {
        apply_gitleaksignore(&p, &mut run.findings, &mut warnings);
    }
    run.invocation.warnings = warnings;
    Ok(Report {
        findings: FindingsFile { runs: vec![run] },
        files_scanned: scan.blobs_scanned,
        bytes_scanned: scan.bytes_scanned,
        binary_skipped: scan.binary_skipped,
        git: Some(GitStats {
            commits: scan.commits,
            unique_blobs: scan.blobs_scanned + scan.cached + scan.binary_skipped + scan.missing + scan.lfs_pointers,
            cached: scan.cached,
            missing: scan.missing,
            lfs_pointers: scan.lfs_pointers,
        }),
        values,
    })
}

fn walk(scanner: &Scanner, settings: &Settings, acc: &mut Acc) {
    let root = settings.target.clone();
    let mut builder = ignore::WalkBuilder::new(&root);
    let (filter, filter_root) = (settings.filter.clone(), root.clone());
    builder.hidden(false).follow_links(false).threads(settings.threads).filter_entry(move |e| {
        e.file_name() != ".git"
            && (filter.is_empty()
                || !e.file_type().is_some_and(|t| t.is_dir())
                || !filter.excludes_dir(&mlsec_findings::model::normalise_path(
                    &e.path().strip_prefix(&filter_root).unwrap_or(e.path()).to_string_lossy(),
                )))
    });
    if settings.no_ignore {
        builder.git_ignore(false).git_global(false).git_exclude(false).ignore(false).parents(false);
    } else {
        // Honour .gitignore even outside a git checkout (a fetched snapshot, a tarball).
        builder.require_git(false);
    }
    let shared = Mutex::new(acc);
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            match entry {
                Err(e) => warn(&shared, format!("skipped: {e}")),
                Ok(e) => {
                    if e.file_type().is_some_and(|t| t.is_file())
                        && !settings.gitleaks.as_ref().is_some_and(|g| g.is_config_file(e.path()))
                    {
                        let rel = e.path().strip_prefix(&root).unwrap_or(e.path());
                        let rel = mlsec_findings::model::normalise_path(&rel.to_string_lossy());
                        if settings.filter.allows_file(&rel) {
                            scan_file(scanner, settings, e.path(), &rel, &shared);
                        }
                    }
                }
            }
            ignore::WalkState::Continue
        })
    });
}

fn warn(acc: &Mutex<&mut Acc>, msg: String) {
    if let Ok(mut a) = acc.lock() {
        a.warnings.push(msg);
    }
}

fn scan_file(scanner: &Scanner, settings: &Settings, path: &Path, rel: &str, acc: &Mutex<&mut Acc>) {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return warn(acc, format!("{rel}: skipped, cannot open: {e}")),
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if let Some(max) = settings.max_file_bytes
        && len > max
    {
        return warn(acc, format!("{rel}: skipped, {} MiB is over --max-file-mib {}", len >> 20, max >> 20));
    }
    let mut reader = BufReader::with_capacity(64 << 10, file);
    let mut head = vec![0u8; SNIFF];
    let n = match read_up_to(&mut reader, &mut head) {
        Ok(n) => n,
        Err(e) => return warn(acc, format!("{rel}: skipped, cannot read: {e}")),
    };
    head.truncate(n);
    if head.contains(&0) {
        if let Ok(mut a) = acc.lock() {
            a.binary += 1;
        }
        return;
    }
    if rel.ends_with(".ipynb") && len <= NOTEBOOK_MAX {
        let mut raw = head;
        if let Err(e) = reader.read_to_end(&mut raw) {
            return warn(acc, format!("{rel}: skipped, cannot read: {e}"));
        }
        match notebook::scan(scanner, rel, &raw) {
            Ok(hits) => {
                if let Ok(mut a) = acc.lock() {
                    a.files += 1;
                    a.bytes += len;
                    if !hits.is_empty() {
                        a.results.push(FileResult { rel: rel.to_owned(), hits, notebook: true });
                    }
                }
                return;
            }
            Err(e) => {
                // Scan it as text instead: a broken notebook can still hold a secret.
                warn(acc, format!("{rel}: {e}; scanned as plain text"));
                let (hits, _) = scanner.scan_reader(rel, &raw[..]);
                if let Ok(mut a) = acc.lock() {
                    a.files += 1;
                    a.bytes += len;
                    if !hits.is_empty() {
                        a.results.push(FileResult { rel: rel.to_owned(), hits, notebook: false });
                    }
                }
                return;
            }
        }
    }
    let (hits, err) = scanner.scan_reader(rel, std::io::Cursor::new(head).chain(reader));
    if let Ok(mut a) = acc.lock() {
        if let Some(e) = err {
            a.warnings.push(format!("{rel}: read error after {} findings, rest of the file skipped: {e}", hits.len()));
        }
        a.files += 1;
        a.bytes += len;
        if !hits.is_empty() {
            a.results.push(FileResult { rel: rel.to_owned(), hits, notebook: false });
        }
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The SARIF rule list: the default rules that run, then a gitleaks config's own rules.
fn sarif_rules(scanner: &Scanner) -> Vec<Rule> {
    let mut out: Vec<Rule> = scanner.rules().iter().map(sarif_rule).collect();
    if let Some(g) = scanner.gitleaks() {
        out.extend(g.config_rules().map(|r| {
            let mut rule = sarif_rule(r);
            rule.tags.push("gitleaks-config".into());
            rule
        }));
    }
    out
}

fn sarif_rule(r: &rules::RuleDef) -> Rule {
    let mut rule = Rule::new(r.id, Category::Secret, r.description);
    rule.help_uri = Some(format!("{}/blob/main/docs/secret-scan.md#rules", mlsec_findings::PROJECT_URL));
    rule.help_markdown = Some(format!("**{}**\n\n{}", r.description, r.remediation));
    rule.default_severity = Some(r.severity);
    if r.ml {
        rule.tags.push("ml".into());
    }
    rule.tags.push("cwe-798".into());
    rule
}

fn finding(rel: &str, h: &Hit, notebook: bool) -> Finding {
    let r = h.rule;
    let mut f = Finding::new(r.id, Category::Secret, r.severity, format!("{} in {rel}", r.description));
    f.confidence = if r.id == "generic-secret-assignment" { Confidence::Medium } else { Confidence::High };
    // Line 0: a gitleaks path-only rule (the file itself is the finding).
    let mut loc = Location::file(rel, (h.line > 0).then_some(h.line));
    // Notebook hits carry the file's column when their cell line was found verbatim, 0 otherwise.
    if h.line > 0 && (!notebook || h.column > 0) {
        loc.start_column = Some(h.column);
        loc.end_column = Some(h.end_column);
    }
    loc.snippet = (!h.snippet.is_empty()).then(|| h.snippet.clone());
    f.locations.push(loc);
    f.fingerprints.insert(fingerprint::SECRET_V1.into(), fingerprint::secret(r.family, &h.value_hash));
    if r.ml {
        f.tags.push("ml".into());
    }
    if let Some(marker) = h.inline_suppression {
        f.suppressions.push(Suppression {
            kind: SuppressionKind::InSource,
            status: SuppressionStatus::Accepted,
            justification: Some(format!("inline `{marker}`")),
            expires: None,
            source: Some(marker.to_owned()),
        });
    }
    f
}

/// `.gitleaksignore` at the target's root: gitleaks fingerprints (`path:rule:line`, optionally
/// prefixed by a commit) match a finding at that path and line whatever the rule id (ours differ
/// from gitleaks'); a bare `mlsec/secret/v1` fingerprint (32 hex digits) matches by content.
fn apply_gitleaksignore(path: &Path, findings: &mut [Finding], warnings: &mut Vec<String>) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => return warnings.push(format!(".gitleaksignore: not read: {e}")),
    };
    for (i, raw) in text.lines().enumerate() {
        let entry = raw.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        let matched = if entry.len() == 32 && entry.bytes().all(|b| b.is_ascii_hexdigit()) {
            let fp = entry.to_ascii_lowercase();
            mark(findings, |f| f.fingerprints.get(fingerprint::SECRET_V1).is_some_and(|v| *v == fp))
        } else {
            let mut parts = entry.rsplitn(3, ':');
            let (Some(line), Some(_rule), Some(mut file)) = (parts.next(), parts.next(), parts.next()) else {
                warnings.push(format!(".gitleaksignore:{}: not a fingerprint, ignored", i + 1));
                continue;
            };
            let Ok(line) = line.parse::<u32>() else {
                warnings.push(format!(".gitleaksignore:{}: no line number, ignored", i + 1));
                continue;
            };
            let mut commit = None;
            if let Some((c, rest)) = file.split_once(':')
                && c.len() >= 7
                && c.bytes().all(|b| b.is_ascii_hexdigit())
            {
                file = rest;
                commit = Some(c.to_ascii_lowercase());
            }
            let file = mlsec_findings::model::normalise_path(&file.replace('\\', "/"));
            // A commit fingerprint matches the finding of that commit only; a working-tree
            // finding (no commit) is matched by path and line alone.
            mark(findings, |f| {
                let same_commit = match (&commit, f.properties.get("commit").and_then(|v| v.as_str())) {
                    (Some(want), Some(have)) => have.starts_with(want.as_str()),
                    _ => true,
                };
                same_commit && f.primary_location().is_some_and(|l| l.uri == file && l.start_line.unwrap_or(0) == line)
            })
        };
        if matched == 0 {
            warnings.push(format!(".gitleaksignore:{}: matches no finding (stale entry?)", i + 1));
        }
    }
}

fn mark(findings: &mut [Finding], pred: impl Fn(&Finding) -> bool) -> usize {
    let mut n = 0;
    for f in findings.iter_mut().filter(|f| pred(f)) {
        if !f.suppressions.iter().any(|s| s.source.as_deref() == Some(".gitleaksignore")) {
            f.suppressions.push(Suppression::external(".gitleaksignore", None));
        }
        n += 1;
    }
    n
}

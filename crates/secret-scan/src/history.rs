//! Git modes: `--history` (every reachable commit), `--diff BASE..HEAD` (blobs added in a range)
//! and `--staged` (the index against HEAD), read with `gix` (no `git` process, no checkout).
//!
//! Every unique blob is scanned once. Commits are visited parents first (the reverse of
//! `git rev-list --topo-order`), and a tree already seen is not descended again, so a blob is
//! attributed to the first commit, in that order, that contains it, at the path it had there:
//! the commit that introduced it. A rename keeps the blob id, so it is not scanned again and the
//! finding stays with the commit that added the content. Blobs missing from the object database
//! (shallow or partial clones) and Git LFS pointers are skipped with a warning.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use gix::ObjectId;
use gix::revision::walk::Sorting;

use crate::engine::{Hit, Scanner};
use crate::{ScanError, notebook};

/// Which blobs of a repository to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitMode {
    /// Every blob reachable from any reference or HEAD.
    History,
    /// Blobs added by the commits in `BASE..HEAD` (reachable from HEAD, not from BASE) that are not
    /// in BASE's tree.
    Diff {
        /// The base revision (anything `git rev-parse` understands that `gix` does).
        base: String,
        /// The head revision.
        head: String,
    },
    /// Blobs in the index that are not in HEAD's tree (what `git commit` would add).
    Staged,
}

impl GitMode {
    /// Parses `BASE..HEAD` (`...` is refused: it means a merge-base range in git, which we do not
    /// emulate).
    pub fn diff(range: &str) -> Option<GitMode> {
        if range.contains("...") {
            return None;
        }
        let (base, head) = range.split_once("..")?;
        let head = if head.is_empty() { "HEAD" } else { head };
        (!base.is_empty()).then(|| GitMode::Diff { base: base.to_owned(), head: head.to_owned() })
    }

    /// A label for the run's target.
    pub fn label(&self) -> String {
        match self {
            GitMode::History => "history".into(),
            GitMode::Diff { base, head } => format!("diff {base}..{head}"),
            GitMode::Staged => "staged".into(),
        }
    }
}

/// The commit that introduced a blob (or the index, for `--staged`).
#[derive(Debug, Clone)]
pub struct Origin {
    /// Full commit id; `None` for staged blobs.
    pub commit: Option<String>,
    /// `Name <email>` of the author.
    pub author: String,
    /// Author date, RFC 3339.
    pub date: String,
}

/// One blob's findings.
#[derive(Debug)]
pub struct BlobResult {
    /// Path of the blob in the introducing commit.
    pub path: String,
    /// Index into [`GitScan::origins`].
    pub origin: usize,
    /// The hits.
    pub hits: Vec<Hit>,
    /// Whether it was scanned as a notebook (columns refer to cell lines).
    pub notebook: bool,
}

/// What a git-mode scan found.
#[derive(Debug, Default)]
pub struct GitScan {
    /// Commits (or the index) that introduced scanned blobs.
    pub origins: Vec<Origin>,
    /// Blobs with hits, in introduction order (oldest first).
    pub results: Vec<BlobResult>,
    /// Warnings (missing blobs, LFS pointers, oversized blobs).
    pub warnings: Vec<String>,
    /// Commits walked.
    pub commits: u64,
    /// Unique blobs scanned as text.
    pub blobs_scanned: u64,
    /// Bytes scanned.
    pub bytes_scanned: u64,
    /// Unique binary blobs skipped.
    pub binary_skipped: u64,
    /// Blobs missing from the object database.
    pub missing: u64,
    /// Git LFS pointers skipped.
    pub lfs_pointers: u64,
    /// Blobs whose result came from the persistent cache (not scanned again).
    pub cached: u64,
}

/// A blob to scan.
struct Job {
    id: ObjectId,
    path: String,
    origin: usize,
}

/// How many individual warnings of one kind are listed before they are only counted.
const WARN_LIST: usize = 20;
const LFS_HEADER: &[u8] = b"version https://git-lfs.github.com/spec/v1";

fn git_err(path: &Path, e: impl std::fmt::Display) -> ScanError {
    ScanError::Git { path: path.to_path_buf(), message: e.to_string() }
}

/// Scans a repository in `mode`. With `use_cache`, blobs recorded in the persistent cache (blob
/// ids known to hold no finding under this rule set, see [`cache_path`]) are not read again, and
/// the blobs found clean are added to it.
pub fn scan(
    scanner: &Scanner,
    target: &Path,
    mode: &GitMode,
    max_blob_bytes: Option<u64>,
    threads: usize,
    use_cache: bool,
) -> Result<GitScan, ScanError> {
    let repo = gix::discover(target).map_err(|e| git_err(target, e))?;
    let mut out = GitScan::default();
    let cache_file = use_cache.then(|| cache_path(repo.git_dir(), &ruleset_hash(scanner)));
    let mut cache = match &cache_file {
        Some(path) => load_cache(path, &mut out.warnings),
        None => HashSet::new(),
    };
    let cache_len = cache.len();
    let mut seen_trees: HashSet<ObjectId> = HashSet::new();
    let mut seen_blobs: HashSet<ObjectId> = HashSet::new();
    let mut jobs: Vec<Job> = Vec::new();
    let mut missing_trees = 0u64;

    match mode {
        GitMode::Staged => {
            if let Ok(tree) = repo.head_tree_id() {
                collect_tree(&repo, tree.detach(), "", usize::MAX, &mut seen_trees, &mut seen_blobs, None, &mut 0);
            }
            let index = repo.open_index().map_err(|e| git_err(target, e))?;
            let origin = out.origins.len();
            out.origins.push(Origin { commit: None, author: String::new(), date: String::new() });
            for entry in index.entries() {
                let kind = entry.mode;
                if kind == gix::index::entry::Mode::COMMIT || kind == gix::index::entry::Mode::SYMLINK {
                    continue;
                }
                if seen_blobs.insert(entry.id) {
                    let path = entry.path(&index).to_string();
                    jobs.push(Job { id: entry.id, path, origin });
                }
            }
        }
        GitMode::History | GitMode::Diff { .. } => {
            let (tips, hidden) = match mode {
                GitMode::Diff { base, head } => {
                    let base_id = peel_commit(&repo, base).map_err(|e| git_err(target, e))?;
                    let head_id = peel_commit(&repo, head).map_err(|e| git_err(target, e))?;
                    // Everything in BASE's tree counts as already there.
                    if let Ok(commit) = repo.find_commit(base_id)
                        && let Ok(tree) = commit.tree_id()
                    {
                        collect_tree(
                            &repo,
                            tree.detach(),
                            "",
                            usize::MAX,
                            &mut seen_trees,
                            &mut seen_blobs,
                            None,
                            &mut 0,
                        );
                    }
                    (vec![head_id], vec![base_id])
                }
                _ => (all_tips(&repo), Vec::new()),
            };
            let walk = repo
                .rev_walk(tips)
                .sorting(Sorting::TopoOrder)
                .with_hidden(hidden)
                .all()
                .map_err(|e| git_err(target, e))?;
            let mut commits = Vec::new();
            for info in walk {
                match info {
                    Ok(info) => commits.push(info.id),
                    Err(e) => out.warnings.push(format!("history walk stopped early: {e}")),
                }
            }
            commits.reverse();
            out.commits = commits.len() as u64;
            for id in commits {
                let Ok(commit) = repo.find_commit(id) else {
                    out.warnings.push(format!("commit {id}: missing, skipped"));
                    continue;
                };
                let Ok(tree) = commit.tree_id() else {
                    out.warnings.push(format!("commit {id}: unreadable tree, skipped"));
                    continue;
                };
                let origin = out.origins.len();
                let (author, date) = match commit.author() {
                    Ok(sig) => {
                        let date = commit.time().ok().and_then(|t| rfc3339(t.seconds, t.offset)).unwrap_or_default();
                        (format!("{} <{}>", sig.name, sig.email), date)
                    }
                    Err(_) => (String::new(), String::new()),
                };
                let before = jobs.len();
                collect_tree(
                    &repo,
                    tree.detach(),
                    "",
                    origin,
                    &mut seen_trees,
                    &mut seen_blobs,
                    Some(&mut jobs),
                    &mut missing_trees,
                );
                // Only commits that introduce a blob get an origin (keeps `origins` small).
                if jobs.len() > before {
                    out.origins.push(Origin { commit: Some(id.to_string()), author, date });
                }
            }
        }
    }
    if missing_trees > 0 {
        out.warnings.push(format!(
            "{missing_trees} trees missing from the object database (shallow or partial clone?), their blobs skipped"
        ));
    }
    scan_jobs(scanner, &repo, jobs, max_blob_bytes, threads, &mut cache, &mut out);
    if let Some(path) = &cache_file
        && cache.len() != cache_len
        && let Err(e) = save_cache(path, &cache)
    {
        out.warnings.push(format!("blob cache {}: not written: {e}", path.display()));
    }
    Ok(out)
}

/// A hash of everything that decides what a blob's scan finds: the tool version, the engine
/// revision, the rules and the engine's window sizes. A cache written under another hash is ignored.
pub fn ruleset_hash(scanner: &Scanner) -> String {
    let mut text = format!(
        "{} r{} {} {} {}\n",
        env!("CARGO_PKG_VERSION"),
        crate::engine::ENGINE_REVISION,
        crate::engine::CHUNK,
        crate::engine::OVERLAP,
        crate::engine::INLINE_MARKERS.join(",")
    );
    for r in scanner.rules() {
        text.push_str(&format!(
            "{}\0{}\0{}\0{:?}\0{}\0{}\0{}\n",
            r.id,
            r.family,
            r.regex,
            r.keywords,
            r.min_entropy,
            r.allowlist,
            r.severity.as_str()
        ));
    }
    if let Some(g) = scanner.gitleaks() {
        text.push_str(g.cache_key());
    }
    mlsec_findings::fingerprint::secret_value_hash(text.as_bytes())
}

/// The cache file: `$XDG_CACHE_HOME`/`~/.cache` is not used, so that the cache lives and dies
/// with the repository: `<git dir>/mlsec-cache/secret-scan-<ruleset hash>.ids`.
pub fn cache_path(git_dir: &Path, ruleset: &str) -> PathBuf {
    git_dir.join("mlsec-cache").join(format!("secret-scan-{}.ids", &ruleset[..ruleset.len().min(16)]))
}

const CACHE_MAGIC: &[u8] = b"mlsec-secret-scan-blob-cache-v1\n";

/// Reads the cache: a magic line, then raw 20-byte SHA-1 blob ids. A bad file is ignored with a
/// warning (and rewritten at the end of the scan).
fn load_cache(path: &Path, warnings: &mut Vec<String>) -> HashSet<ObjectId> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return HashSet::new(),
        Err(e) => {
            warnings.push(format!("blob cache {}: not read: {e}", path.display()));
            return HashSet::new();
        }
    };
    let Some(body) = bytes.strip_prefix(CACHE_MAGIC).filter(|b| b.len() % 20 == 0) else {
        warnings.push(format!("blob cache {}: not a cache file, ignored", path.display()));
        return HashSet::new();
    };
    body.chunks_exact(20).filter_map(|c| ObjectId::try_from(c).ok()).collect()
}

fn save_cache(path: &Path, cache: &HashSet<ObjectId>) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut ids: Vec<&ObjectId> = cache.iter().filter(|id| id.as_bytes().len() == 20).collect();
    ids.sort();
    let mut bytes = Vec::with_capacity(CACHE_MAGIC.len() + ids.len() * 20);
    bytes.extend_from_slice(CACHE_MAGIC);
    for id in ids {
        bytes.extend_from_slice(id.as_bytes());
    }
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        std::process::id()
    ));
    std::fs::write(&tmp, &bytes)?;
    std::fs::rename(&tmp, path)
}

/// Tips of a full-history walk: every reference that peels to a commit, and HEAD.
fn all_tips(repo: &gix::Repository) -> Vec<ObjectId> {
    let mut tips = Vec::new();
    if let Ok(head) = repo.head_id() {
        tips.push(head.detach());
    }
    if let Ok(refs) = repo.references()
        && let Ok(all) = refs.all()
    {
        for mut r in all.flatten() {
            if let Ok(c) = r.peel_to_commit() {
                tips.push(c.id);
            }
        }
    }
    tips.sort();
    tips.dedup();
    tips
}

fn peel_commit(repo: &gix::Repository, spec: &str) -> Result<ObjectId, String> {
    let id = repo.rev_parse_single(spec).map_err(|e| format!("cannot resolve {spec:?}: {e}"))?;
    let commit =
        id.object().map_err(|e| format!("{spec}: {e}"))?.peel_to_commit().map_err(|e| format!("{spec}: {e}"))?;
    Ok(commit.id)
}

/// Walks a tree depth-first, skipping trees already seen; new blobs become jobs (when `jobs` is
/// given) or are only marked seen.
#[allow(clippy::too_many_arguments)]
fn collect_tree(
    repo: &gix::Repository,
    root: ObjectId,
    prefix: &str,
    origin: usize,
    seen_trees: &mut HashSet<ObjectId>,
    seen_blobs: &mut HashSet<ObjectId>,
    mut jobs: Option<&mut Vec<Job>>,
    missing: &mut u64,
) {
    let mut stack = vec![(root, prefix.to_owned())];
    while let Some((id, dir)) = stack.pop() {
        if !seen_trees.insert(id) {
            continue;
        }
        let Ok(Some(obj)) = repo.try_find_object(id) else {
            *missing += 1;
            continue;
        };
        let Ok(tree) = obj.try_into_tree() else { continue };
        let Ok(decoded) = tree.decode() else { continue };
        for e in &decoded.entries {
            let name = e.filename.to_string();
            let path = if dir.is_empty() { name } else { format!("{dir}/{name}") };
            if e.mode.is_tree() {
                stack.push((e.oid.to_owned(), path));
            } else if e.mode.is_blob()
                && seen_blobs.insert(e.oid.to_owned())
                && let Some(jobs) = jobs.as_deref_mut()
            {
                jobs.push(Job { id: e.oid.to_owned(), path, origin });
            }
            // Submodule commits and symlinks hold no content of this repository.
        }
    }
}

fn rfc3339(seconds: i64, offset: i32) -> Option<String> {
    let offset = time::UtcOffset::from_whole_seconds(offset).ok()?;
    let t = time::OffsetDateTime::from_unix_timestamp(seconds).ok()?.to_offset(offset);
    t.format(&time::format_description::well_known::Rfc3339).ok()
}

enum Outcome {
    Hits(BlobResult, u64),
    Clean { bytes: u64 },
    Binary,
    Missing(String),
    Lfs(String),
    TooLarge(String),
}

fn scan_jobs(
    scanner: &Scanner,
    repo: &gix::Repository,
    jobs: Vec<Job>,
    max_blob_bytes: Option<u64>,
    threads: usize,
    cache: &mut HashSet<ObjectId>,
    out: &mut GitScan,
) {
    let todo: Vec<&Job> = jobs.iter().filter(|j| !cache.contains(&j.id)).collect();
    out.cached = (jobs.len() - todo.len()) as u64;
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
    let threads = threads.clamp(1, todo.len().max(1));
    let sync = repo.clone().into_sync();
    let next = AtomicUsize::new(0);
    let mut outcomes: Vec<(usize, Outcome)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let sync = &sync;
                let next = &next;
                let todo = &todo;
                s.spawn(move || {
                    let repo = sync.to_thread_local();
                    let mut local = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = todo.get(i) else { break };
                        local.push((i, scan_blob(scanner, &repo, job, max_blob_bytes)));
                    }
                    local
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    outcomes.sort_by_key(|(i, _)| *i);
    let (mut missing_list, mut lfs_list, mut large_list) = (Vec::new(), Vec::new(), Vec::new());
    for (i, o) in outcomes {
        match o {
            Outcome::Hits(r, bytes) => {
                out.blobs_scanned += 1;
                out.bytes_scanned += bytes;
                out.results.push(r);
            }
            Outcome::Clean { bytes } => {
                out.blobs_scanned += 1;
                out.bytes_scanned += bytes;
                cache.insert(todo[i].id);
            }
            Outcome::Binary => {
                out.binary_skipped += 1;
                cache.insert(todo[i].id);
            }
            Outcome::Missing(w) => {
                out.missing += 1;
                missing_list.push(w);
            }
            Outcome::Lfs(w) => {
                out.lfs_pointers += 1;
                lfs_list.push(w);
            }
            Outcome::TooLarge(w) => large_list.push(w),
        }
    }
    for (list, what) in [
        (missing_list, "blobs missing from the object database (shallow or partial clone?), skipped"),
        (lfs_list, "Git LFS pointers skipped (the content is not in the repository)"),
        (large_list, "blobs over --max-file-mib skipped"),
    ] {
        if list.is_empty() {
            continue;
        }
        let n = list.len();
        for w in list.into_iter().take(WARN_LIST) {
            out.warnings.push(w);
        }
        if n > WARN_LIST {
            out.warnings.push(format!("{n} {what} in all ({} not listed)", n - WARN_LIST));
        }
    }
}

fn scan_blob(scanner: &Scanner, repo: &gix::Repository, job: &Job, max: Option<u64>) -> Outcome {
    let origin_label = || format!("{} (blob {})", job.path, job.id);
    if let Some(max) = max
        && let Ok(Some(h)) = repo.try_find_header(job.id)
        && h.size() > max
    {
        return Outcome::TooLarge(format!(
            "{}: skipped, {} MiB is over --max-file-mib",
            origin_label(),
            h.size() >> 20
        ));
    }
    let obj = match repo.try_find_object(job.id) {
        Ok(Some(o)) => o,
        Ok(None) => {
            return Outcome::Missing(format!("{}: missing (shallow or partial clone?), skipped", origin_label()));
        }
        Err(e) => return Outcome::Missing(format!("{}: unreadable ({e}), skipped", origin_label())),
    };
    let data = &obj.data;
    if data.starts_with(LFS_HEADER) {
        return Outcome::Lfs(format!("{}: Git LFS pointer, content not in the repository, skipped", origin_label()));
    }
    if data[..data.len().min(crate::SNIFF)].contains(&0) {
        return Outcome::Binary;
    }
    let mut notebook_scan = false;
    let hits = if job.path.ends_with(".ipynb") {
        match notebook::scan(scanner, &job.path, data) {
            Ok(h) => {
                notebook_scan = true;
                h
            }
            Err(_) => scanner.scan_text(&job.path, data),
        }
    } else {
        scanner.scan_text(&job.path, data)
    };
    if hits.is_empty() {
        Outcome::Clean { bytes: data.len() as u64 }
    } else {
        Outcome::Hits(
            BlobResult { path: job.path.clone(), origin: job.origin, hits, notebook: notebook_scan },
            data.len() as u64,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_ranges_parse_and_three_dot_ranges_are_refused() {
        assert_eq!(
            GitMode::diff("origin/main..HEAD"),
            Some(GitMode::Diff { base: "origin/main".into(), head: "HEAD".into() })
        );
        assert_eq!(GitMode::diff("main.."), Some(GitMode::Diff { base: "main".into(), head: "HEAD".into() }));
        assert_eq!(GitMode::diff("main...feature"), None);
        assert_eq!(GitMode::diff("..HEAD"), None);
        assert_eq!(GitMode::diff("main"), None);
    }

    #[test]
    fn the_ruleset_hash_changes_with_the_rules() {
        let all = Scanner::new(crate::rules::RULES).unwrap();
        let fewer = Scanner::new(&crate::rules::RULES[1..]).unwrap();
        assert_eq!(ruleset_hash(&all), ruleset_hash(&Scanner::new(crate::rules::RULES).unwrap()));
        assert_ne!(ruleset_hash(&all), ruleset_hash(&fewer));
        let p = cache_path(Path::new("/r/.git"), &ruleset_hash(&all));
        assert!(p.starts_with("/r/.git/mlsec-cache"));
    }

    #[test]
    fn the_cache_file_round_trips_and_rejects_garbage() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("mlsec-cache/secret-scan-x.ids");
        let ids: HashSet<ObjectId> =
            ["e69de29bb2d1d6434b8b29ae775ad8c2e48c5391", "5716ca5987cbf97d6bb54920bea6adde242d87e6"]
                .iter()
                .map(|h| ObjectId::from_hex(h.as_bytes()).unwrap())
                .collect();
        save_cache(&path, &ids).unwrap();
        let mut warnings = Vec::new();
        assert_eq!(load_cache(&path, &mut warnings), ids);
        assert!(warnings.is_empty());
        std::fs::write(&path, b"mlsec-secret-scan-blob-cache-v1\nshort").unwrap();
        assert!(load_cache(&path, &mut warnings).is_empty());
        assert_eq!(warnings.len(), 1);
    }
}

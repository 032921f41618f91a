//! Model serialization as `model_signing` 1.x does it: file enumeration, ignore rules, symlink
//! policy, per-file (or per-shard) sha256, and the manifest's resource order.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use crate::Error;

/// Paths `model_signing` ignores by default (relative to the model root).
pub const DEFAULT_IGNORES: [&str; 4] = [".git", ".gitattributes", ".github", ".gitignore"];

/// Read buffer size for hashing: large sequential reads.
const BUF: usize = 4 << 20;

/// How a model is cut into resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// One resource per file (`method: files`).
    Files,
    /// One resource per shard of `shard_size` bytes (`method: shards`); empty files have none.
    Shards(u64),
}

/// One resource of a manifest: its identifier (`path` or `path:start:end`) and its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// The identifier as written in the predicate.
    pub name: String,
    /// The raw digest bytes.
    pub digest: Vec<u8>,
}

/// A worker's result for one item.
type HashResult = Result<Vec<u8>, Error>;

/// A file to hash, with its path components relative to the model (the sort key).
#[derive(Debug, Clone)]
struct Item {
    parts: Vec<String>,
    path: PathBuf,
    start: u64,
    end: u64,
}

/// The relative identifier of a file: `/`-joined components, or `.` for a single-file model.
fn ident(parts: &[String]) -> String {
    if parts.is_empty() { ".".to_owned() } else { parts.join("/") }
}

/// Whether `rel` (components) is at or under one of the ignored relative paths.
fn ignored(rel: &[String], ignores: &[Vec<String>]) -> bool {
    ignores.iter().any(|ig| !ig.is_empty() && rel.len() >= ig.len() && rel[..ig.len()] == ig[..])
}

/// Splits a relative path string into normal components (`./a//b` -> `a`, `b`).
pub fn components(p: &str) -> Vec<String> {
    p.split('/').filter(|c| !c.is_empty() && *c != ".").map(str::to_owned).collect()
}

/// Enumerates the model's files as the reference does (`glob("**/*")` without descending into
/// symlinked directories), applying the ignore list. Symlinks are an error unless allowed.
pub fn enumerate(model: &Path, ignores: &[Vec<String>], allow_symlinks: bool) -> Result<Vec<Vec<String>>, Error> {
    let meta = std::fs::symlink_metadata(model).map_err(|e| Error::io(model, e))?;
    if meta.file_type().is_symlink() && !allow_symlinks {
        return Err(Error::Symlink(model.to_path_buf()));
    }
    let meta = std::fs::metadata(model).map_err(|e| Error::io(model, e))?;
    if meta.is_file() {
        return Ok(vec![Vec::new()]);
    }
    if !meta.is_dir() {
        return Err(Error::NotFileOrDir(model.to_path_buf()));
    }
    let mut out = Vec::new();
    let mut stack: Vec<Vec<String>> = vec![Vec::new()];
    while let Some(dir_parts) = stack.pop() {
        let dir = dir_parts.iter().fold(model.to_path_buf(), |p, c| p.join(c));
        let rd = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        for entry in rd {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let name = entry.file_name().into_string().map_err(|_| Error::NonUtf8(entry.path()))?;
            let mut parts = dir_parts.clone();
            parts.push(name);
            let path = entry.path();
            let ft = entry.file_type().map_err(|e| Error::io(&path, e))?;
            let (is_file, is_dir) = if ft.is_symlink() {
                if !allow_symlinks {
                    return Err(Error::Symlink(path));
                }
                // Followed for files; a symlinked directory is not descended (like Python's glob).
                let m = std::fs::metadata(&path).map_err(|_| Error::NotFileOrDir(path.clone()))?;
                if m.is_file() {
                    let target = std::fs::canonicalize(&path).map_err(|e| Error::io(&path, e))?;
                    let root = std::fs::canonicalize(model).map_err(|e| Error::io(model, e))?;
                    if !target.starts_with(&root) {
                        return Err(Error::SymlinkEscapes(path, target));
                    }
                }
                (m.is_file(), false)
            } else {
                (ft.is_file(), ft.is_dir())
            };
            if !is_file && !is_dir && !ft.is_symlink() {
                return Err(Error::NotFileOrDir(path));
            }
            if is_dir {
                stack.push(parts);
            } else if is_file && !ignored(&parts, ignores) {
                out.push(parts);
            }
        }
    }
    Ok(out)
}

/// Hashes the given files (relative component lists) of `model` with `method`, in parallel on
/// `threads` threads, and returns the resources in the reference's manifest order.
pub fn hash(model: &Path, files: Vec<Vec<String>>, method: Method, threads: usize) -> Result<Vec<Resource>, Error> {
    let mut items = Vec::with_capacity(files.len());
    for parts in files {
        let path = parts.iter().fold(model.to_path_buf(), |p, c| p.join(c));
        match method {
            Method::Files => items.push(Item { parts, path, start: 0, end: u64::MAX }),
            Method::Shards(size) => {
                let len = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?.len();
                let mut start = 0;
                while start < len {
                    let end = (start + size).min(len);
                    items.push(Item { parts: parts.clone(), path: path.clone(), start, end });
                    start = end;
                }
            }
        }
    }
    // Python sorts PurePath keys by their components (code point order = UTF-8 byte order), then
    // shards by (start, end).
    items.sort_by(|a, b| a.parts.cmp(&b.parts).then(a.start.cmp(&b.start)).then(a.end.cmp(&b.end)));
    // Largest first for load balance; results are put back in order by index.
    let mut order: Vec<usize> = (0..items.len()).collect();
    let sizes: Vec<u64> =
        items
            .iter()
            .map(|i| {
                if i.end == u64::MAX {
                    std::fs::metadata(&i.path).map(|m| m.len()).unwrap_or(0)
                } else {
                    i.end - i.start
                }
            })
            .collect();
    order.sort_by(|a, b| sizes[*b].cmp(&sizes[*a]));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<HashResult>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let threads = threads.clamp(1, items.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut buf = vec![0u8; BUF];
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&idx) = order.get(k) else { break };
                    let r = hash_range(&items[idx], &mut buf);
                    let failed = r.is_err();
                    if let Ok(mut g) = results.lock() {
                        g[idx] = Some(r);
                    }
                    if failed {
                        next.store(order.len(), Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let results = results.into_inner().map_err(|_| Error::Internal("hash worker panicked".into()))?;
    let mut out = Vec::with_capacity(items.len());
    for (item, r) in items.iter().zip(results) {
        let digest = match r {
            Some(r) => r?,
            None => return Err(Error::Internal(format!("{} was not hashed", item.path.display()))),
        };
        let name = match method {
            Method::Files => ident(&item.parts),
            Method::Shards(_) => format!("{}:{}:{}", ident(&item.parts), item.start, item.end),
        };
        out.push(Resource { name, digest });
    }
    Ok(out)
}

fn hash_range(item: &Item, buf: &mut [u8]) -> Result<Vec<u8>, Error> {
    use std::io::Seek;
    let mut f = File::open(&item.path).map_err(|e| Error::io(&item.path, e))?;
    let mut h = Sha256::new();
    if item.start > 0 {
        f.seek(std::io::SeekFrom::Start(item.start)).map_err(|e| Error::io(&item.path, e))?;
    }
    let mut left = item.end - item.start;
    while left > 0 {
        let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        let n = f.read(&mut buf[..want]).map_err(|e| Error::io(&item.path, e))?;
        if n == 0 {
            if item.end != u64::MAX {
                return Err(Error::Io(item.path.clone(), "file shrank while hashing".into()));
            }
            break;
        }
        h.update(&buf[..n]);
        left -= n as u64;
    }
    Ok(h.finalize().to_vec())
}

/// The subject digest: sha256 over the concatenated raw resource digests, in manifest order.
pub fn root_digest(resources: &[Resource]) -> Vec<u8> {
    let mut h = Sha256::new();
    for r in resources {
        h.update(&r.digest);
    }
    h.finalize().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_by_path_components_like_python_purepath() {
        let t = tempfile::tempdir().expect("tempdir");
        for p in ["a/b/c", "a b.txt", "a-b/c", "a.b", "a0/z", "\u{e4}.txt", "Z", "B.txt", ".hidden", ".git/HEAD"] {
            let f = t.path().join(p);
            std::fs::create_dir_all(f.parent().expect("parent")).expect("mkdir");
            std::fs::write(&f, p).expect("write");
        }
        let ignores = vec![components(".git")];
        let files = enumerate(t.path(), &ignores, false).expect("enumerate");
        let names: Vec<String> =
            hash(t.path(), files, Method::Files, 2).expect("hash").into_iter().map(|r| r.name).collect();
        assert_eq!(names, [".hidden", "B.txt", "Z", "a/b/c", "a b.txt", "a-b/c", "a.b", "a0/z", "\u{e4}.txt"]);
    }

    #[test]
    fn shards_cover_the_file_and_skip_empty_files() {
        let t = tempfile::tempdir().expect("tempdir");
        std::fs::write(t.path().join("w"), vec![7u8; 25]).expect("write");
        std::fs::write(t.path().join("e"), b"").expect("write");
        let files = enumerate(t.path(), &[], false).expect("enumerate");
        let r = hash(t.path(), files, Method::Shards(10), 1).expect("hash");
        let names: Vec<&str> = r.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["w:0:10", "w:10:20", "w:20:25"]);
        assert_eq!(r[2].digest, Sha256::digest([7u8; 5]).to_vec());
    }
}

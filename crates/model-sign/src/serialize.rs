//! Model serialization as `model_signing` 1.x does it: file enumeration, ignore rules, symlink
//! policy, per-file (or per-shard) sha256, and the manifest's resource order.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use crate::Error;
use crate::sha256_mb;

/// Paths `model_signing` ignores by default (relative to the model root).
pub const DEFAULT_IGNORES: [&str; 4] = [".git", ".gitattributes", ".github", ".gitignore"];

/// Read buffer size for hashing: large sequential reads, yet small enough that the data the kernel
/// just copied is still in cache when sha256 reads it. Measured on the 2-core EPYC build machine
/// (warm page cache, `--threads 2`): 8 MiB buffers cost ~14% more user CPU than 1-2 MiB on one
/// 1 GiB file through the read thread, and ~5% more on 20 MB files; 256 KiB costs more syscalls.
const BUF: usize = 2 << 20;

/// Read buffer of each lane of the multi-buffer sha256 path: up to four per thread stay within
/// Zen 4's 1 MiB L2 together, so sha256 reads what the kernel just copied from cache.
const LANE_BUF: usize = 128 << 10;

/// Ranges at least this long are read on a separate thread while the previous buffer is hashed
/// (see `hash_pipelined`).
const PIPELINE_MIN: u64 = 64 << 20;

/// The per-resource digest (`serialization.hash_type`). The subject digest is sha256 either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    /// sha256 (the default, and what every OMS verifier supports).
    Sha256,
    /// BLAKE3 (32-byte digests; `model_signing` 1.x signs and verifies it).
    Blake3,
    /// BLAKE2b-512 (64-byte digests; `model_signing` 1.x `hashing_algorithm="blake2"`, recorded as
    /// `blake2b`, Python's `hashlib.blake2b()` with its default digest size).
    Blake2b,
}

impl HashAlg {
    /// The name in `hash_type` and in each resource's `algorithm`.
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha256",
            HashAlg::Blake3 => "blake3",
            HashAlg::Blake2b => "blake2b",
        }
    }

    /// From `hash_type`; `None` for algorithms not implemented here.
    pub fn from_name(name: &str) -> Option<HashAlg> {
        match name {
            "sha256" => Some(HashAlg::Sha256),
            "blake3" => Some(HashAlg::Blake3),
            "blake2b" => Some(HashAlg::Blake2b),
            _ => None,
        }
    }

    fn hasher(self) -> Hasher {
        match self {
            HashAlg::Sha256 => Hasher::Sha256(Sha256::new()),
            HashAlg::Blake3 => Hasher::Blake3(Box::new(blake3::Hasher::new())),
            HashAlg::Blake2b => Hasher::Blake2b(Box::default()),
        }
    }
}

enum Hasher {
    Sha256(Sha256),
    Blake3(Box<blake3::Hasher>),
    Blake2b(Box<blake2::Blake2b512>),
}

impl Hasher {
    fn update(&mut self, b: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(b),
            Hasher::Blake3(h) => {
                h.update(b);
            }
            Hasher::Blake2b(h) => blake2::Digest::update(h.as_mut(), b),
        }
    }

    fn finalize(self) -> Vec<u8> {
        match self {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Blake3(h) => h.finalize().as_bytes().to_vec(),
            Hasher::Blake2b(h) => blake2::Digest::finalize(*h).to_vec(),
        }
    }
}

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
pub fn hash(
    model: &Path,
    files: Vec<Vec<String>>,
    method: Method,
    alg: HashAlg,
    threads: usize,
) -> Result<Vec<Resource>, Error> {
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
    let threads = threads.clamp(1, items.len().max(1));
    // sha256 with SHA-NI: each thread hashes up to `lanes` ranges at once (`sha256_mb`), which
    // nearly doubles what a core hashes. A range big enough for the read thread and more than one
    // thread's share of all the bytes (one big file with a few small ones) is hashed alone instead:
    // it is the critical path, and the read thread is what shortens it (one stream cannot be split).
    // So is everything when there are no more ranges than threads.
    let total: u64 = sizes.iter().sum();
    let alone = |i: usize| sizes[i] >= PIPELINE_MIN && sizes[i].saturating_mul(threads as u64) > total;
    let lanes = if alg == HashAlg::Sha256 && sha256_mb::available() {
        (0..items.len()).filter(|&i| !alone(i)).count().div_ceil(threads).min(sha256_mb::MAX_LANES)
    } else {
        1
    };
    let solo = |i: usize| lanes < 2 || alone(i);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<HashResult>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    // Stores a result; on an error, stops every worker. Returns whether to go on.
    let record = |idx: usize, r: HashResult| -> bool {
        let ok = r.is_ok();
        if let Ok(mut g) = results.lock() {
            g[idx] = Some(r);
        }
        if !ok {
            failed.store(true, Ordering::Relaxed);
            next.store(order.len(), Ordering::Relaxed);
        }
        ok
    };
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut buf = vec![0u8; BUF];
                let mut active: Vec<LaneJob<'_>> = Vec::with_capacity(lanes);
                let mut spare: Vec<Vec<u8>> = Vec::new();
                while !failed.load(Ordering::Relaxed) {
                    while active.len() < lanes.max(1) {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&idx) = order.get(k) else { break };
                        if solo(idx) {
                            if !record(idx, hash_range(&items[idx], alg, &mut buf)) {
                                return;
                            }
                            continue;
                        }
                        let lane_buf = spare.pop().unwrap_or_else(|| vec![0u8; LANE_BUF]);
                        match LaneJob::open(idx, &items[idx], lane_buf) {
                            Ok(j) => active.push(j),
                            Err(e) => {
                                record(idx, Err(e));
                                return;
                            }
                        }
                    }
                    if active.is_empty() {
                        break;
                    }
                    let mut i = 0;
                    while i < active.len() {
                        if let Err(e) = active[i].fill() {
                            record(active[i].idx, Err(e));
                            return;
                        }
                        if active[i].blocks() > 0 {
                            i += 1;
                            continue;
                        }
                        let j = active.swap_remove(i);
                        record(j.idx, Ok(j.lane.finalize(&j.buf[j.pos..j.end])));
                        spare.push(j.buf);
                    }
                    let Some(n) = active.iter().map(LaneJob::blocks).min() else { continue };
                    let n = n * 64;
                    let mut ls = Vec::with_capacity(active.len());
                    let mut data = Vec::with_capacity(active.len());
                    for j in &mut active {
                        ls.push(&mut j.lane);
                        data.push(&j.buf[j.pos..j.pos + n]);
                    }
                    sha256_mb::compress(&mut ls, &data);
                    for j in &mut active {
                        j.pos += n;
                    }
                }
            });
        }
    });
    let mut results = results.into_inner().map_err(|_| Error::Internal("hash worker panicked".into()))?;
    // After an error the workers stop and leave later ranges unhashed: report the error itself.
    if let Some(i) = results.iter().position(|r| matches!(r, Some(Err(_))))
        && let Some(Some(Err(e))) = results.get_mut(i).map(Option::take)
    {
        return Err(e);
    }
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

/// A range being hashed in one lane of the multi-buffer path: the open file, its read buffer
/// (`buf[pos..end]` not yet hashed) and the sha256 state.
struct LaneJob<'a> {
    idx: usize,
    item: &'a Item,
    file: File,
    left: u64,
    eof: bool,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    lane: sha256_mb::Lane,
}

impl<'a> LaneJob<'a> {
    fn open(idx: usize, item: &'a Item, buf: Vec<u8>) -> Result<LaneJob<'a>, Error> {
        use std::io::Seek;
        let mut file = File::open(&item.path).map_err(|e| Error::io(&item.path, e))?;
        if item.start > 0 {
            file.seek(std::io::SeekFrom::Start(item.start)).map_err(|e| Error::io(&item.path, e))?;
        }
        let left = item.end - item.start;
        Ok(LaneJob { idx, item, file, left, eof: left == 0, buf, pos: 0, end: 0, lane: sha256_mb::Lane::new() })
    }

    /// Buffers at least one whole block, unless the range has ended.
    fn fill(&mut self) -> Result<(), Error> {
        if self.end - self.pos >= 64 || self.eof {
            return Ok(());
        }
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        while self.end < 64 && !self.eof {
            let n = read_chunk(&mut self.file, self.item, self.left, &mut self.buf[self.end..])?;
            self.end += n;
            self.left -= n as u64;
            self.eof = n == 0 || self.left == 0;
        }
        Ok(())
    }

    /// Whole blocks buffered.
    fn blocks(&self) -> usize {
        (self.end - self.pos) / 64
    }
}

fn hash_range(item: &Item, alg: HashAlg, buf: &mut [u8]) -> Result<Vec<u8>, Error> {
    use std::io::Seek;
    let mut f = File::open(&item.path).map_err(|e| Error::io(&item.path, e))?;
    if item.start > 0 {
        f.seek(std::io::SeekFrom::Start(item.start)).map_err(|e| Error::io(&item.path, e))?;
    }
    let left = item.end - item.start;
    let len = f.metadata().map_err(|e| Error::io(&item.path, e))?.len();
    if left.min(len.saturating_sub(item.start)) >= PIPELINE_MIN {
        return hash_pipelined(f, item, alg, left);
    }
    let mut h = alg.hasher();
    let mut left = left;
    while left > 0 {
        let n = read_chunk(&mut f, item, left, buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        left -= n as u64;
    }
    Ok(h.finalize())
}

/// Reads up to `min(left, buf.len())` bytes (filling the buffer unless at end of file). 0 means end
/// of file, an error when the range should have gone on (`item.end` known).
fn read_chunk(f: &mut File, item: &Item, left: u64, buf: &mut [u8]) -> Result<usize, Error> {
    let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
    let mut got = 0;
    while got < want {
        match f.read(&mut buf[got..want]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(&item.path, e)),
        }
    }
    if got == 0 && item.end != u64::MAX {
        return Err(Error::Io(item.path.clone(), "file shrank while hashing".into()));
    }
    Ok(got)
}

/// Hashes a large range with reads on a second thread: the kernel's copy into the next buffer (and
/// any wait for the disk) overlaps with sha256 of the previous one, so one big file uses both cores
/// instead of alternating between reading and hashing. Three `BUF` buffers circulate between the two
/// threads; plain `read` (no mmap: a file truncated while mapped would kill the process).
fn hash_pipelined(f: File, item: &Item, alg: HashAlg, left: u64) -> Result<Vec<u8>, Error> {
    use std::sync::mpsc::sync_channel;
    const BUFFERS: usize = 3;
    let (full_tx, full_rx) = sync_channel::<(Vec<u8>, usize)>(BUFFERS);
    let (empty_tx, empty_rx) = sync_channel::<Vec<u8>>(BUFFERS);
    for _ in 0..BUFFERS {
        empty_tx.send(vec![0u8; BUF]).map_err(|_| Error::Internal("buffer channel closed".into()))?;
    }
    std::thread::scope(|s| {
        let reader = s.spawn(move || -> Result<(), Error> {
            let mut f = f;
            let mut left = left;
            while left > 0 {
                // The hasher hung up (cannot happen before the end): stop quietly.
                let Ok(mut buf) = empty_rx.recv() else { return Ok(()) };
                let n = read_chunk(&mut f, item, left, &mut buf)?;
                if n == 0 {
                    break;
                }
                left -= n as u64;
                if full_tx.send((buf, n)).is_err() {
                    return Ok(());
                }
            }
            Ok(())
        });
        let mut h = alg.hasher();
        for (buf, n) in &full_rx {
            h.update(&buf[..n]);
            // Capacity equals the number of buffers: never blocks; the reader may have finished.
            let _ = empty_tx.send(buf);
        }
        reader.join().map_err(|_| Error::Internal("read thread panicked".into()))??;
        Ok(h.finalize())
    })
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
        let names: Vec<String> = hash(t.path(), files, Method::Files, HashAlg::Sha256, 2)
            .expect("hash")
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, [".hidden", "B.txt", "Z", "a/b/c", "a b.txt", "a-b/c", "a.b", "a0/z", "\u{e4}.txt"]);
    }

    #[test]
    fn shards_cover_the_file_and_skip_empty_files() {
        let t = tempfile::tempdir().expect("tempdir");
        std::fs::write(t.path().join("w"), vec![7u8; 25]).expect("write");
        std::fs::write(t.path().join("e"), b"").expect("write");
        let files = enumerate(t.path(), &[], false).expect("enumerate");
        let r = hash(t.path(), files, Method::Shards(10), HashAlg::Sha256, 1).expect("hash");
        let names: Vec<&str> = r.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["w:0:10", "w:10:20", "w:20:25"]);
        assert_eq!(r[2].digest, Sha256::digest([7u8; 5]).to_vec());
    }

    /// Many files of sizes around block, padding and lane-buffer boundaries (enough of them that
    /// each thread hashes several at once on SHA-NI machines), by file and by shard, on 1-3
    /// threads: every digest matches `sha2` and the order is the manifest order.
    #[test]
    fn many_files_hash_the_same_through_the_multi_buffer_lanes() {
        let t = tempfile::tempdir().expect("tempdir");
        let sizes = [0, 1, 55, 56, 63, 64, 65, 127, 1000, LANE_BUF - 1, LANE_BUF, LANE_BUF + 1, 3 * LANE_BUF + 100, 77];
        let mut want = Vec::new();
        for (i, &n) in sizes.iter().enumerate() {
            let data: Vec<u8> = (0..n).map(|j| (j * 7 + i * 13 + j / 251) as u8).collect();
            let name = format!("f{i:02}");
            std::fs::write(t.path().join(&name), &data).expect("write");
            want.push((name, data));
        }
        let files = enumerate(t.path(), &[], false).expect("enumerate");
        for threads in 1..=3 {
            let r = hash(t.path(), files.clone(), Method::Files, HashAlg::Sha256, threads).expect("hash");
            let got: Vec<(String, Vec<u8>)> = r.into_iter().map(|r| (r.name, r.digest)).collect();
            let exp: Vec<(String, Vec<u8>)> =
                want.iter().map(|(n, d)| (n.clone(), Sha256::digest(d).to_vec())).collect();
            assert_eq!(got, exp, "{threads} threads");
            let shard = 1000;
            let r = hash(t.path(), files.clone(), Method::Shards(shard), HashAlg::Sha256, threads).expect("hash");
            let exp: Vec<(String, Vec<u8>)> = want
                .iter()
                .flat_map(|(n, d)| {
                    d.chunks(1000).enumerate().map(move |(k, c)| {
                        (format!("{n}:{}:{}", k * 1000, k * 1000 + c.len()), Sha256::digest(c).to_vec())
                    })
                })
                .collect();
            let got: Vec<(String, Vec<u8>)> = r.into_iter().map(|r| (r.name, r.digest)).collect();
            assert_eq!(got, exp, "shards, {threads} threads");
        }
    }

    /// One big file (hashed alone through the read thread) next to small ones (hashed in lanes):
    /// both paths in the same run give `sha2`'s digests in manifest order.
    #[test]
    fn a_big_file_next_to_small_ones_hashes_the_same() {
        let t = tempfile::tempdir().expect("tempdir");
        let big_len = usize::try_from(PIPELINE_MIN).expect("usize") + 4099;
        let mut want = Vec::new();
        for (name, n) in [("a", 300usize), ("b", 70_000), ("big", big_len), ("c", 64), ("d", 0), ("e", 129)] {
            let data: Vec<u8> = (0..n).map(|j| (j % 253) as u8 ^ name.len() as u8).collect();
            std::fs::write(t.path().join(name), &data).expect("write");
            want.push((name.to_owned(), Sha256::digest(&data).to_vec()));
        }
        let files = enumerate(t.path(), &[], false).expect("enumerate");
        let r = hash(t.path(), files, Method::Files, HashAlg::Sha256, 2).expect("hash");
        let got: Vec<(String, Vec<u8>)> = r.into_iter().map(|r| (r.name, r.digest)).collect();
        assert_eq!(got, want);
    }

    /// A read error on the first file hashed (the largest, last in manifest order) is the error
    /// reported, not "was not hashed" for the files the stopped workers left.
    #[test]
    fn a_read_error_is_reported_for_the_file_that_failed() {
        let t = tempfile::tempdir().expect("tempdir");
        for name in ["a", "b", "c", "d", "e", "zz"] {
            std::fs::write(t.path().join(name), b"x").expect("write");
        }
        let files = enumerate(t.path(), &[], false).expect("enumerate");
        // Replaced by a directory after enumeration: it opens, but reading it fails (EISDIR).
        std::fs::remove_file(t.path().join("zz")).expect("rm");
        std::fs::create_dir(t.path().join("zz")).expect("mkdir");
        for threads in [1, 2] {
            let e = hash(t.path(), files.clone(), Method::Files, HashAlg::Sha256, threads).expect_err("must fail");
            let msg = e.to_string();
            assert!(matches!(e, Error::Io(..)) && msg.contains("zz"), "{threads} threads: {msg}");
        }
    }

    #[test]
    fn large_ranges_hash_the_same_through_the_read_thread() {
        let t = tempfile::tempdir().expect("tempdir");
        let len = usize::try_from(2 * PIPELINE_MIN).expect("usize") + BUF / 2 + 3;
        let block: Vec<u8> = (0..1usize << 20).map(|i| (i % 251) as u8).collect();
        let mut data = Vec::with_capacity(len);
        while data.len() < len {
            let n = (len - data.len()).min(block.len());
            data.push((data.len() >> 20) as u8);
            data.extend_from_slice(&block[1..n]);
        }
        std::fs::write(t.path().join("big"), &data).expect("write");
        let files = enumerate(t.path(), &[], false).expect("enumerate");
        let r = hash(t.path(), files.clone(), Method::Files, HashAlg::Sha256, 2).expect("hash");
        assert_eq!(r[0].digest, Sha256::digest(&data).to_vec());
        // Shards of PIPELINE_MIN + 1: the first two go through the read thread, one from an offset.
        let size = PIPELINE_MIN + 1;
        let r = hash(t.path(), files, Method::Shards(size), HashAlg::Sha256, 2).expect("hash");
        let size = usize::try_from(size).expect("usize");
        let want: Vec<Vec<u8>> = data.chunks(size).map(|c| Sha256::digest(c).to_vec()).collect();
        assert_eq!(r.iter().map(|r| r.digest.clone()).collect::<Vec<_>>(), want);
        assert_eq!(r.len(), 3);
        let files = enumerate(t.path(), &[], false).expect("enumerate");
        let r = hash(t.path(), files.clone(), Method::Files, HashAlg::Blake3, 2).expect("hash");
        assert_eq!(r[0].digest, blake3::hash(&data).as_bytes().to_vec());
        let r = hash(t.path(), files, Method::Files, HashAlg::Blake2b, 2).expect("hash");
        assert_eq!(r[0].digest, <blake2::Blake2b512 as blake2::Digest>::digest(&data).to_vec());
    }
}

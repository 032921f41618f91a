//! Format detection by content and the per-format scanners. Every scanner reads through a
//! bounded stream ([`Input`]) or a bounded prefix; none loads a whole model file.

use std::io::{self, Read, Seek};

use mlsec_findings::Severity;

use crate::input::Input;
use crate::pickle::{self, HitKind, Limits};
use crate::{Check, Issue};

pub use model_format::{Codec, Format};

/// Detect the format of `head` (the first bytes of a file or entry), `len` its full size and
/// `name` its file name: the shared sniffer ([`model_format::sniff`], which takes a name's claim
/// too, so a malformed `.pkl` or `.onnx` is scanned and reported), then a trial run of the pickle
/// machine for protocol 0/1 pickles under any name.
pub fn sniff(head: &[u8], len: u64, name: &str) -> Option<Format> {
    model_format::sniff(head, len, name).or_else(|| looks_like_pickle(head).then_some(Format::Pickle))
}

/// A protocol 0/1 pickle under an unknown extension: a trial run of the machine on the head must
/// reach STOP (or the end of the head) without a structural error, and import something.
fn looks_like_pickle(head: &[u8]) -> bool {
    if !matches!(head.first(), Some(b'c' | b'(' | b'}' | b']' | b')' | b'N' | b'I' | b'S' | b'V' | b'X' | b'U' | b'q'))
    {
        return false;
    }
    let limits = Limits { max_nesting: 0, ..Limits::default() };
    let mut input = Input::new(head);
    let Ok(o) = pickle::scan(&mut input, &limits) else { return false };
    let structural = o.hits.iter().any(|h| h.kind == HitKind::Malformed && !h.message.contains("truncated"));
    !structural && (o.complete || o.ops > 16) && !o.globals.is_empty()
}

/// Limits on decompression and archives (zip bombs).
#[derive(Debug, Clone)]
pub struct ArchiveLimits {
    /// Decompressed bytes per entry or stream.
    pub max_entry_bytes: u64,
    /// Decompressed bytes per file, all entries together.
    pub max_total_bytes: u64,
    /// Decompressed / compressed ratio beyond which an entry is a bomb (once past 1 MiB).
    pub max_ratio: u64,
    /// Entries per archive.
    pub max_entries: usize,
    /// Archives nested in archives.
    pub max_depth: u32,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_entry_bytes: 4 << 30,
            max_total_bytes: 16 << 30,
            max_ratio: 200,
            max_entries: 100_000,
            max_depth: 4,
        }
    }
}

/// The scan context of one file.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// Pickle limits.
    pub limits: &'a Limits,
    /// Archive limits.
    pub archive: &'a ArchiveLimits,
    /// What was found.
    pub issues: Vec<Issue>,
    /// Formats seen (for the summary).
    pub formats: Vec<&'static str>,
    /// Decompressed bytes so far.
    pub inflated: u64,
}

impl Ctx<'_> {
    fn issue(
        &mut self,
        check: Check,
        severity: Severity,
        entry: &str,
        offset: Option<u64>,
        subject: &str,
        message: String,
    ) {
        self.issues.push(Issue {
            check,
            severity,
            entry: entry.to_owned(),
            offset,
            subject: subject.to_owned(),
            message,
        });
    }

    fn seen(&mut self, f: Format) {
        if !self.formats.contains(&f.name()) {
            self.formats.push(f.name());
        }
    }
}

/// A reader that fails after `limit` bytes (decompression bombs) and counts what it gave.
struct Capped<R> {
    inner: R,
    left: u64,
    read: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // Probe: is there more than the cap?
            let mut one = [0u8; 1];
            return match self.inner.read(&mut one)? {
                0 => Ok(0),
                _ => Err(io::Error::other(BOMB)),
            };
        }
        let n = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let got = self.inner.read(&mut buf[..n])?;
        self.left -= got as u64;
        self.read += got as u64;
        Ok(got)
    }
}

const BOMB: &str = "decompressed size over the limit";

fn is_bomb(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::Other && e.to_string() == BOMB
}

/// Scan a stream of a detected format. `entry` names the archive member ("" for the file itself);
/// `name` is its file name; `len` its size when known. `depth` counts archive nesting.
pub fn scan_stream<Rd: Read>(
    ctx: &mut Ctx<'_>,
    fmt: Format,
    reader: Rd,
    entry: &str,
    len: u64,
    depth: u32,
) -> io::Result<()> {
    ctx.seen(fmt);
    match fmt {
        Format::Pickle => scan_pickles(ctx, Input::new(reader), entry, 0),
        Format::Compressed(codec) => scan_compressed(ctx, codec, reader, entry, len, depth),
        Format::Npy => scan_npy(ctx, Input::new(reader), entry, len),
        Format::Safetensors => scan_safetensors(ctx, Input::new(reader), entry, len),
        Format::Gguf => scan_gguf(ctx, Input::new(reader), entry, len),
        Format::Hdf5 => scan_hdf5(ctx, reader, entry),
        Format::KerasConfig => {
            let mut buf = Vec::new();
            reader.take(64 << 20).read_to_end(&mut buf)?;
            scan_keras_config(ctx, &buf, entry, 0);
            Ok(())
        }
        Format::SavedModel => crate::protobuf::scan_saved_model(ctx, Input::new(reader), entry, len),
        Format::Onnx => crate::protobuf::scan_onnx(ctx, Input::new(reader), entry, len),
        Format::Tar => scan_tar(ctx, Input::new(reader), entry, depth),
        Format::Zip => {
            // A zip inside a stream (an archive member): buffer it, bounded.
            let mut buf = Vec::new();
            let cap = ctx.archive.max_entry_bytes.min(1 << 30);
            reader.take(cap + 1).read_to_end(&mut buf)?;
            if buf.len() as u64 > cap {
                ctx.issue(
                    Check::ArchiveLimit,
                    Severity::Medium,
                    entry,
                    None,
                    "zip",
                    format!("nested zip larger than {cap} bytes not scanned"),
                );
                return Ok(());
            }
            scan_zip(ctx, io::Cursor::new(buf), entry, depth + 1)
        }
    }
}

fn join(entry: &str, inner: &str) -> String {
    if entry.is_empty() { inner.to_owned() } else { format!("{entry}!/{inner}") }
}

/// Run a sequence of pickles (legacy torch files are five in a row; joblib object arrays are
/// nested inside the stream).
fn scan_pickles<Rd: Read>(ctx: &mut Ctx<'_>, mut input: Input<Rd>, entry: &str, nesting: u32) -> io::Result<()> {
    let mut legacy_left: Option<u32> = None;
    for index in 0..64u32 {
        let o = pickle::scan(&mut input, ctx.limits)?;
        let first_failed = index > 0 && !o.complete && o.ops <= 1;
        if !first_failed {
            record_pickle(ctx, &o, entry, nesting)?;
        }
        if index == 0 && o.torch_magic {
            legacy_left = Some(4);
        }
        if !o.complete {
            break;
        }
        match &mut legacy_left {
            Some(0) => break,
            Some(n) => *n -= 1,
            None => {}
        }
        // Further pickles: only when the next bytes start one (PROTO), so trailing data is not
        // parsed as opcodes.
        match input.peek()? {
            Some(0x80) if legacy_left.is_some() || index < 63 => {}
            _ => break,
        }
    }
    Ok(())
}

fn record_pickle(ctx: &mut Ctx<'_>, o: &pickle::Outcome, entry: &str, nesting: u32) -> io::Result<()> {
    for h in &o.hits {
        let check = match h.kind {
            HitKind::DangerousGlobal => Check::DangerousGlobal,
            HitKind::UnknownGlobal => Check::UnknownGlobal,
            HitKind::UnknownExtension => Check::UnknownExtension,
            HitKind::DynamicGlobal | HitKind::DynamicCall => Check::DynamicCall,
            HitKind::Malformed => Check::Malformed,
            HitKind::Limit => Check::Limit,
        };
        let times = if h.count > 1 { format!(" ({} times)", h.count) } else { String::new() };
        ctx.issue(check, h.severity, entry, Some(h.offset), &h.subject, format!("{}{times}", h.message));
    }
    for n in &o.nested {
        let where_ = join(entry, &format!("@{}:{}", n.offset, n.via));
        if nesting >= ctx.limits.max_nesting {
            ctx.issue(
                Check::Limit,
                Severity::High,
                entry,
                Some(n.offset),
                "nesting",
                "pickles nested too deep to scan".to_owned(),
            );
            continue;
        }
        if n.truncated {
            ctx.issue(
                Check::Limit,
                Severity::Medium,
                &where_,
                Some(n.offset),
                "nested",
                format!("the payload of {} is larger than the kept prefix; only the prefix was scanned", n.via),
            );
        }
        let head = &n.data[..n.data.len().min(512)];
        match sniff(head, n.data.len() as u64, "nested.pkl") {
            Some(Format::Pickle) | None => scan_pickles(ctx, Input::new(&n.data[..]), &where_, nesting + 1)?,
            Some(Format::Zip) => scan_zip(ctx, io::Cursor::new(&n.data[..]), &where_, nesting + 1)?,
            Some(f) => scan_stream(ctx, f, &n.data[..], &where_, n.data.len() as u64, nesting + 1)?,
        }
    }
    Ok(())
}

fn scan_compressed<Rd: Read>(
    ctx: &mut Ctx<'_>,
    codec: Codec,
    reader: Rd,
    entry: &str,
    len: u64,
    depth: u32,
) -> io::Result<()> {
    let mut input = Input::new(reader);
    if codec == Codec::Zlib && input.peek()? == Some(b'Z') {
        input.skip(21)?;
    }
    let left = ctx.archive.max_entry_bytes.min(ctx.archive.max_total_bytes.saturating_sub(ctx.inflated));
    let left = left.min(len.saturating_mul(ctx.archive.max_ratio).max(1 << 20));
    let decoder: Box<dyn Read + '_> = match codec {
        Codec::Zlib => Box::new(flate2::read::ZlibDecoder::new(input)),
        Codec::Gzip => Box::new(flate2::read::MultiGzDecoder::new(input)),
        Codec::Bz2 => Box::new(bzip2::read::MultiBzDecoder::new(input)),
        Codec::Xz => Box::new(lzma_rust2::XzReader::new(input, true)),
        Codec::Lzma => match lzma_rust2::LzmaReader::new_mem_limit(input, 1 << 30, None) {
            Ok(r) => Box::new(r),
            Err(e) => {
                ctx.issue(
                    Check::Malformed,
                    Severity::High,
                    entry,
                    Some(0),
                    "lzma",
                    format!("not a valid lzma stream: {e}"),
                );
                return Ok(());
            }
        },
    };
    let mut capped = Capped { inner: decoder, left, read: 0 };
    let mut head = Vec::with_capacity(512);
    (&mut capped).take(512).read_to_end(&mut head).or_else(|e| decode_error(ctx, codec, entry, &e).map(|()| 0))?;
    let chained = io::Cursor::new(head.clone()).chain(&mut capped);
    let inner_entry = join(entry, &format!("<{}>", codec.name()));
    // By content only: a compressed file is a joblib dump only if it decompresses to a pickle (or
    // another model format), not because of its name.
    let sniffed = sniff(&head, u64::MAX, "");
    let result = match sniffed {
        Some(Format::Compressed(_)) if depth >= ctx.archive.max_depth => Ok(()),
        Some(f) => scan_stream(ctx, f, chained, &inner_entry, u64::MAX, depth + 1),
        None => Ok(()),
    };
    ctx.inflated += capped.read;
    match result {
        Err(e) => decode_error(ctx, codec, entry, &e),
        Ok(()) => Ok(()),
    }
}

fn decode_error(ctx: &mut Ctx<'_>, codec: Codec, entry: &str, e: &io::Error) -> io::Result<()> {
    if is_bomb(e) {
        ctx.issue(
            Check::ArchiveLimit,
            Severity::High,
            entry,
            None,
            codec.name(),
            format!(
                "{} stream decompresses past the size or ratio limit (a decompression bomb?): scanning stopped",
                codec.name()
            ),
        );
    } else {
        ctx.issue(
            Check::Malformed,
            Severity::High,
            entry,
            None,
            codec.name(),
            format!("corrupt {} stream: {e}", codec.name()),
        );
    }
    Ok(())
}

/// Zip archives: PyTorch (`*/data.pkl` under any top directory), `.keras`, `.npz`, anything.
/// Entries are found through the central directory (zip64 included) by the `zip` crate; each
/// entry's decompressed size is capped.
pub fn scan_zip<Rs: Read + Seek>(ctx: &mut Ctx<'_>, reader: Rs, entry: &str, depth: u32) -> io::Result<()> {
    ctx.seen(Format::Zip);
    if depth > ctx.archive.max_depth {
        ctx.issue(Check::ArchiveLimit, Severity::Medium, entry, None, "zip", "archives nested too deep".to_owned());
        return Ok(());
    }
    let mut zip = match zip::ZipArchive::new(reader) {
        Ok(z) => z,
        Err(e) => {
            ctx.issue(Check::Malformed, Severity::High, entry, None, "zip", format!("not a readable zip archive: {e}"));
            return Ok(());
        }
    };
    if zip.len() > ctx.archive.max_entries {
        ctx.issue(
            Check::ArchiveLimit,
            Severity::Medium,
            entry,
            None,
            "zip",
            format!("{} entries; only the first {} scanned", zip.len(), ctx.archive.max_entries),
        );
    }
    let n = zip.len().min(ctx.archive.max_entries);
    for i in 0..n {
        let mut file = match zip.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                ctx.issue(Check::Malformed, Severity::High, entry, None, "zip", format!("entry {i}: {e}"));
                continue;
            }
        };
        if file.is_dir() {
            continue;
        }
        let name = file
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| String::from_utf8_lossy(file.name_raw()).into_owned());
        let member = join(entry, &name);
        let (size, compressed) = (file.size(), file.compressed_size());
        // Tensor storages of torch archives (`*/data/<n>`) are raw numbers, never unpickled.
        let storage = name.rsplit('/').nth(1) == Some("data")
            && name.rsplit('/').next().is_some_and(|b| b.bytes().all(|c| c.is_ascii_digit()));
        if storage {
            continue;
        }
        let budget = ctx.archive.max_entry_bytes.min(ctx.archive.max_total_bytes.saturating_sub(ctx.inflated));
        if size > budget || (size > 1 << 20 && compressed > 0 && size / compressed > ctx.archive.max_ratio) {
            ctx.issue(
                Check::ArchiveLimit,
                Severity::High,
                &member,
                None,
                "zip",
                format!("entry declares {size} bytes from {compressed} compressed (a zip bomb?): not decompressed"),
            );
            continue;
        }
        let mut capped = Capped { inner: &mut file, left: size.min(budget), read: 0 };
        let mut head = Vec::with_capacity(512);
        if let Err(e) = (&mut capped).take(512).read_to_end(&mut head) {
            ctx.issue(Check::Malformed, Severity::High, &member, None, "zip", format!("cannot read entry: {e}"));
            continue;
        }
        let base = name.rsplit('/').next().unwrap_or(&name);
        let fmt = sniff(&head, size, base);
        let fmt = match fmt {
            // `.pkl` entries are pickles whatever their first byte (a malformed one is a finding).
            None if base.ends_with(".pkl") || base.ends_with(".pickle") => Some(Format::Pickle),
            f => f,
        };
        let Some(fmt) = fmt else { continue };
        let chained = io::Cursor::new(head.clone()).chain(&mut capped);
        let r = scan_stream(ctx, fmt, chained, &member, size, depth + 1);
        ctx.inflated += capped.read + head.len() as u64;
        if let Err(e) = r {
            if is_bomb(&e) {
                ctx.issue(
                    Check::ArchiveLimit,
                    Severity::High,
                    &member,
                    None,
                    "zip",
                    "entry decompresses past its declared size or the limit (a zip bomb?)".to_owned(),
                );
            } else {
                ctx.issue(Check::Malformed, Severity::High, &member, None, "zip", format!("corrupt entry: {e}"));
            }
        }
    }
    Ok(())
}

/// POSIX tar (PyTorch's legacy tar format: `sys_info`, `pickle`, `storages`, `tensors`).
/// Hand-written: 512-byte headers with octal sizes are a few lines, and a streaming walk does not
/// need the `tar` crate's extraction machinery.
fn scan_tar<Rd: Read>(ctx: &mut Ctx<'_>, input: Input<Rd>, entry: &str, depth: u32) -> io::Result<()> {
    let mut input = input;
    match tar_members(ctx, &mut input, entry, depth) {
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            let at = input.pos();
            ctx.issue(
                Check::Malformed,
                Severity::High,
                entry,
                Some(at),
                "tar",
                "truncated tar archive: a member runs past the end".to_owned(),
            );
            Ok(())
        }
        r => r,
    }
}

fn tar_members<Rd: Read>(ctx: &mut Ctx<'_>, input: &mut Input<Rd>, entry: &str, depth: u32) -> io::Result<()> {
    for _ in 0..ctx.archive.max_entries {
        let header: [u8; 512] = match input.array::<512>() {
            Ok(h) => h,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        };
        if header.iter().all(|&b| b == 0) {
            return Ok(());
        }
        let name_end = header[..100].iter().position(|&b| b == 0).unwrap_or(100);
        let name = String::from_utf8_lossy(&header[..name_end]).into_owned();
        let size_field = String::from_utf8_lossy(&header[124..136]);
        let Ok(size) = u64::from_str_radix(size_field.trim_matches(|c: char| c == '\0' || c == ' '), 8) else {
            ctx.issue(
                Check::Malformed,
                Severity::High,
                entry,
                Some(input.pos()),
                "tar",
                format!("tar header of {name:?} has a bad size field"),
            );
            return Ok(());
        };
        let padded = size.div_ceil(512) * 512;
        let typeflag = header[156];
        let member = join(entry, &name);
        let base = name.rsplit('/').next().unwrap_or(&name);
        if (typeflag == b'0' || typeflag == 0)
            && size > 0
            && (base == "pickle" || base == "tensors" || base == "storages" || base.ends_with(".pkl"))
        {
            let start = input.pos();
            let mut sub = Vec::new();
            {
                let keep = size.min(64 << 20);
                sub.extend(input.read_prefix(keep, usize::try_from(keep).unwrap_or(usize::MAX))?);
            }
            let fmt = if base == "pickle" || base.ends_with(".pkl") {
                Format::Pickle
            } else {
                sniff(&sub[..sub.len().min(512)], size, base).unwrap_or(Format::Pickle)
            };
            if base == "pickle" || base.ends_with(".pkl") || fmt == Format::Pickle {
                // `storages` and `tensors` start with a pickle and continue with raw data.
                let mut o = Input::new(&sub[..]);
                let out = pickle::scan(&mut o, ctx.limits)?;
                record_pickle(ctx, &out, &member, 0)?;
            } else {
                scan_stream(ctx, fmt, &sub[..], &member, size, depth + 1)?;
            }
            let consumed = input.pos() - start;
            input.skip(padded - consumed)?;
        } else {
            input.skip(padded)?;
        }
    }
    Ok(())
}

/// numpy `.npy`: the header dict; an object dtype means a pickle follows the header.
fn scan_npy<Rd: Read>(ctx: &mut Ctx<'_>, mut input: Input<Rd>, entry: &str, file_len: u64) -> io::Result<()> {
    let header = input.array::<8>();
    let Ok(h) = header else {
        ctx.issue(Check::Malformed, Severity::Medium, entry, Some(0), "npy", "truncated .npy header".to_owned());
        return Ok(());
    };
    let len = match h[6] {
        1 => match input.array::<2>() {
            Ok(b) => u64::from(u16::from_le_bytes(b)),
            Err(_) => 0,
        },
        2 | 3 => match input.array::<4>() {
            Ok(b) => u64::from(u32::from_le_bytes(b)),
            Err(_) => 0,
        },
        v => {
            ctx.issue(Check::Malformed, Severity::Medium, entry, Some(6), "npy", format!("unknown .npy version {v}"));
            return Ok(());
        }
    };
    if len == 0 || len > 1 << 20 {
        ctx.issue(
            Check::Malformed,
            Severity::Medium,
            entry,
            Some(8),
            "npy",
            format!(".npy header length {len} out of bounds"),
        );
        return Ok(());
    }
    let text = match input.read_prefix(len, 1 << 20) {
        Ok(t) => String::from_utf8_lossy(&t).into_owned(),
        Err(_) => {
            ctx.issue(Check::Malformed, Severity::Medium, entry, Some(8), "npy", "truncated .npy header".to_owned());
            return Ok(());
        }
    };
    let descr = text.split("'descr':").nth(1).map(|s| s.trim_start()).unwrap_or("");
    if !text.trim_start().starts_with('{') || descr.is_empty() {
        ctx.issue(
            Check::Malformed,
            Severity::Medium,
            entry,
            Some(8),
            "npy",
            "the .npy header is not a dict with a descr".to_owned(),
        );
        return Ok(());
    }
    // 'O' dtypes (also inside structured dtypes) are pickled object arrays.
    let object = descr.starts_with("'|O'")
        || descr.starts_with("'O'")
        || (descr.starts_with('[') && descr.contains("'|O'") || descr.contains("'O'"));
    if object {
        return scan_pickles(ctx, input, entry, 0);
    }
    // Plain arrays: the data must be there (shape × itemsize bytes after the header).
    if file_len != u64::MAX
        && let Some(need) = npy_data_len(&text)
        && input.pos().checked_add(need).is_none_or(|end| end > file_len)
    {
        ctx.issue(
            Check::MalformedHeader,
            Severity::Medium,
            entry,
            Some(input.pos()),
            "npy",
            format!(
                "the header promises {need} bytes of array data; the file has {}",
                file_len.saturating_sub(input.pos())
            ),
        );
    }
    Ok(())
}

/// Bytes of array data an `.npy` header describes (`None` when it cannot tell).
fn npy_data_len(header: &str) -> Option<u64> {
    let descr = header.split("'descr':").nth(1)?.trim_start().strip_prefix('\'')?;
    let descr = &descr[..descr.find('\'')?];
    let kind = descr.trim_start_matches(['<', '>', '|', '=']);
    let digits: String = kind.chars().skip(1).take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().ok()?;
    let itemsize = if kind.starts_with('U') { n * 4 } else { n };
    let shape = header.split("'shape':").nth(1)?.trim_start().strip_prefix('(')?;
    let shape = &shape[..shape.find(')')?];
    shape
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .try_fold(1u64, |acc, d| acc.checked_mul(d.parse::<u64>().ok()?))?
        .checked_mul(itemsize)
}

/// safetensors: 8-byte little-endian header length, JSON header of `name: {dtype, shape,
/// data_offsets}` (and `__metadata__`); offsets must be consistent, non-overlapping and inside
/// the file.
fn scan_safetensors<Rd: Read>(ctx: &mut Ctx<'_>, mut input: Input<Rd>, entry: &str, len: u64) -> io::Result<()> {
    let bad = |ctx: &mut Ctx<'_>, msg: String| {
        ctx.issue(Check::MalformedHeader, Severity::Medium, entry, Some(0), "safetensors", msg);
    };
    let n = u64::from_le_bytes(input.array::<8>()?);
    if n > 100 << 20 || n > len.saturating_sub(8) {
        bad(ctx, format!("header length {n} exceeds the file or 100 MiB"));
        return Ok(());
    }
    let Ok(raw) = input.read_prefix(n, usize::try_from(n).unwrap_or(0)) else {
        bad(ctx, "truncated header".to_owned());
        return Ok(());
    };
    let header: serde_json::Value = match serde_json::from_slice(&raw) {
        Ok(v) => v,
        Err(e) => {
            bad(ctx, format!("header is not JSON: {e}"));
            return Ok(());
        }
    };
    let Some(map) = header.as_object() else {
        bad(ctx, "header is not a JSON object".to_owned());
        return Ok(());
    };
    let data_len = len.saturating_sub(8 + n);
    let mut spans = Vec::new();
    for (name, t) in map {
        if name == "__metadata__" {
            if !t.as_object().is_some_and(|m| m.values().all(serde_json::Value::is_string)) {
                bad(ctx, "__metadata__ must map strings to strings".to_owned());
            }
            continue;
        }
        let dtype = t.get("dtype").and_then(|d| d.as_str()).unwrap_or("");
        let size = match dtype {
            "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 1,
            "U16" | "I16" | "F16" | "BF16" => 2,
            "U32" | "I32" | "F32" => 4,
            "U64" | "I64" | "F64" | "C64" => 8,
            "F4" | "F6_E2M3" | "F6_E3M2" => 0,
            _ => {
                bad(ctx, format!("tensor {name:?}: unknown dtype {dtype:?}"));
                continue;
            }
        };
        let shape: Option<Vec<u64>> =
            t.get("shape").and_then(|s| s.as_array()).and_then(|a| a.iter().map(serde_json::Value::as_u64).collect());
        let offsets: Option<Vec<u64>> = t
            .get("data_offsets")
            .and_then(|s| s.as_array())
            .and_then(|a| a.iter().map(serde_json::Value::as_u64).collect());
        let (Some(shape), Some(off)) = (shape, offsets) else {
            bad(ctx, format!("tensor {name:?}: shape or data_offsets missing or not integers"));
            continue;
        };
        if off.len() != 2 || off[0] > off[1] || off[1] > data_len {
            bad(ctx, format!("tensor {name:?}: data_offsets {off:?} outside the {data_len}-byte data section"));
            continue;
        }
        let count = shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d));
        if size > 0 && count.and_then(|c| c.checked_mul(size)) != Some(off[1] - off[0]) {
            bad(ctx, format!("tensor {name:?}: shape {shape:?} × {dtype} does not match {} bytes", off[1] - off[0]));
        }
        spans.push((off[0], off[1], name.clone()));
    }
    spans.sort();
    for w in spans.windows(2) {
        if w[1].0 < w[0].1 {
            bad(ctx, format!("tensors {:?} and {:?} overlap", w[0].2, w[1].2));
        }
    }
    Ok(())
}

/// GGUF: magic, version, tensor and key/value counts bounded by the file size, string and array
/// lengths bounded by what is left of the file.
fn scan_gguf<Rd: Read>(ctx: &mut Ctx<'_>, mut input: Input<Rd>, entry: &str, len: u64) -> io::Result<()> {
    let r: Result<(), String> = (|| {
        let e = |e: io::Error| format!("truncated header: {e}");
        input.array::<4>().map_err(e)?;
        let version = u32::from_le_bytes(input.array::<4>().map_err(e)?);
        if !(1..=3).contains(&version) {
            return Err(format!("unsupported version {version}"));
        }
        let tensors = u64::from_le_bytes(input.array::<8>().map_err(e)?);
        let kvs = u64::from_le_bytes(input.array::<8>().map_err(e)?);
        if tensors > len / 8 || kvs > len / 8 {
            return Err(format!("{tensors} tensors / {kvs} key-value pairs cannot fit in {len} bytes"));
        }
        let string = |input: &mut Input<Rd>| -> Result<(), String> {
            let n = u64::from_le_bytes(input.array::<8>().map_err(e)?);
            if n > len.saturating_sub(input.pos()) || n > 1 << 30 {
                return Err(format!("string length {n} at offset {} runs past the file", input.pos() - 8));
            }
            input.skip(n).map_err(e)
        };
        fn scalar(t: u32) -> Option<u64> {
            Some(match t {
                0 | 1 | 7 => 1,
                2 | 3 => 2,
                4..=6 => 4,
                10..=12 => 8,
                _ => return None,
            })
        }
        for _ in 0..kvs {
            string(&mut input)?;
            let t = u32::from_le_bytes(input.array::<4>().map_err(e)?);
            match t {
                8 => string(&mut input)?,
                9 => {
                    let et = u32::from_le_bytes(input.array::<4>().map_err(e)?);
                    let n = u64::from_le_bytes(input.array::<8>().map_err(e)?);
                    if n > len {
                        return Err(format!("array of {n} items cannot fit in the file"));
                    }
                    if et == 8 {
                        for _ in 0..n {
                            string(&mut input)?;
                        }
                    } else if let Some(sz) = scalar(et) {
                        let bytes = n.checked_mul(sz).filter(|&b| b <= len).ok_or("array runs past the file")?;
                        input.skip(bytes).map_err(e)?;
                    } else {
                        return Err(format!("array of unsupported type {et}"));
                    }
                }
                t => {
                    let sz = scalar(t).ok_or(format!("unknown value type {t}"))?;
                    input.skip(sz).map_err(e)?;
                }
            }
        }
        for _ in 0..tensors {
            string(&mut input)?;
            let dims = u32::from_le_bytes(input.array::<4>().map_err(e)?);
            if dims > 8 {
                return Err(format!("tensor with {dims} dimensions"));
            }
            input.skip(u64::from(dims) * 8 + 4 + 8).map_err(e)?;
        }
        Ok(())
    })();
    if let Err(msg) = r {
        ctx.issue(Check::MalformedHeader, Severity::Medium, entry, Some(input.pos()), "gguf", msg);
    }
    Ok(())
}

/// HDF5 (Keras `.h5`): without a full HDF5 parser, find the `model_config` JSON text by a bounded
/// scan for `{"class_name"` and check it like a `.keras` config. Limitation: a config stored
/// compressed or split across chunks is not found (reported as nothing to check).
fn scan_hdf5<Rd: Read>(ctx: &mut Ctx<'_>, mut reader: Rd, entry: &str) -> io::Result<()> {
    const NEEDLE: &[u8] = b"{\"class_name\"";
    let mut window: Vec<u8> = Vec::new();
    let mut offset = 0u64;
    let mut chunk = vec![0u8; 1 << 20];
    let mut scanned = 0u64;
    loop {
        let n = reader.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        window.extend_from_slice(&chunk[..n]);
        scanned += n as u64;
        let mut start = 0;
        while let Some(p) = find(&window[start..], NEEDLE) {
            let at = start + p;
            // Read more until the JSON closes (bounded at 64 MiB).
            while json_end(&window[at..]).is_none() && window.len() - at < 64 << 20 {
                let n = reader.read(&mut chunk)?;
                if n == 0 {
                    break;
                }
                window.extend_from_slice(&chunk[..n]);
                scanned += n as u64;
            }
            let Some(end) = json_end(&window[at..]) else { break };
            scan_keras_config(ctx, &window[at..at + end], entry, offset + at as u64);
            start = at + end;
        }
        let keep = window.len().saturating_sub(NEEDLE.len());
        offset += keep as u64;
        window.drain(..keep);
        if scanned > 64 << 30 {
            break;
        }
    }
    Ok(())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// Length of the JSON object at the start of `b` (brace matching outside strings).
fn json_end(b: &[u8]) -> Option<usize> {
    let (mut depth, mut in_str, mut esc) = (0u32, false, false);
    for (i, &c) in b.iter().enumerate() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

const KERAS_MODULES: &[&str] = &["keras", "tf_keras", "tensorflow", "keras_nlp", "keras_hub", "keras_cv"];

/// A Keras model config (`.keras` config.json, `.h5` model_config): Lambda layers carry
/// marshalled Python bytecode (critical); custom objects from non-Keras modules are imported at
/// load time (medium).
pub fn scan_keras_config(ctx: &mut Ctx<'_>, json: &[u8], entry: &str, offset: u64) {
    let v: serde_json::Value = match serde_json::from_slice(json) {
        Ok(v) => v,
        Err(e) => {
            // A stray config.json of something else is none of our business; inside a model
            // archive (`.keras`) or an HDF5 attribute it is a broken model.
            if !entry.is_empty() || offset > 0 {
                ctx.issue(
                    Check::Malformed,
                    Severity::Medium,
                    entry,
                    Some(offset),
                    "keras",
                    format!("model config is not JSON: {e}"),
                );
            }
            return;
        }
    };
    let mut stack = vec![(&v, 0u32)];
    while let Some((node, depth)) = stack.pop() {
        if depth > 512 {
            ctx.issue(
                Check::Limit,
                Severity::Medium,
                entry,
                Some(offset),
                "keras",
                "model config nested too deep".to_owned(),
            );
            break;
        }
        match node {
            serde_json::Value::Object(m) => {
                let class = m.get("class_name").and_then(|c| c.as_str()).unwrap_or("");
                if class == "Lambda" || class == "__lambda__" {
                    // (The Keras 3 `__lambda__` function object sits inside the Lambda's config:
                    // one finding per layer, so the Lambda's subtree is not walked further.)
                    let cfg = m.get("config");
                    let code =
                        cfg.and_then(|c| c.get("function")).or(cfg.and_then(|c| c.get("code"))).or(m.get("function"));
                    let name = cfg.and_then(|c| c.get("name")).and_then(|n| n.as_str()).unwrap_or("?");
                    if code.is_some() || class == "__lambda__" {
                        ctx.issue(Check::KerasLambda, Severity::Critical, entry, Some(offset), name, format!("Lambda layer {name:?} carries serialized Python code that runs when the model is loaded (safe_mode=False) or called"));
                        continue;
                    }
                }
                if let Some(module) = m.get("module").and_then(|x| x.as_str()) {
                    let top = module.split('.').next().unwrap_or(module);
                    if !KERAS_MODULES.contains(&top)
                        && !module.is_empty()
                        && m.contains_key("class_name")
                        && !crate::pickle::allowed(&ctx.limits.allow, module, class)
                    {
                        let reg = m.get("registered_name").and_then(|x| x.as_str()).unwrap_or(class);
                        let subject = format!("{module}.{reg}");
                        let severity = match crate::globals::classify(module, class, 4) {
                            crate::globals::Verdict::Dangerous(s, _) => s,
                            _ => Severity::Medium,
                        };
                        ctx.issue(
                            Check::KerasCustomObject,
                            severity,
                            entry,
                            Some(offset),
                            &subject,
                            format!(
                                "custom object {subject} is imported from module {module:?} when the model is loaded"
                            ),
                        );
                    }
                }
                stack.extend(m.values().map(|x| (x, depth + 1)));
            }
            serde_json::Value::Array(a) => stack.extend(a.iter().map(|x| (x, depth + 1))),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;

//! Which serialized-model format a file, an archive member or a decompressed stream holds, told
//! from its first bytes: the one sniffer of the workspace, used by model-scan (to choose the
//! scanner) and by sbom (to list model files in the ML-BOM).
//!
//! Nothing here loads, decompresses, executes or unpickles anything: [`sniff`] looks at a head of
//! at most [`HEAD_LEN`] bytes, and the zip helpers read a zip's end record and central directory
//! (entry names only). No dependencies: magic numbers, a protobuf first-field check and a zip
//! directory walk are a few lines each, and the crates that would do them bring decompressors.
#![deny(missing_docs)]

use std::io::{self, Read, Seek, SeekFrom};

/// How many leading bytes [`sniff`] uses (tar's `ustar` magic sits at offset 257).
pub const HEAD_LEN: usize = 512;

/// A model format (or a container that may hold one), as detected from the first bytes and, for
/// the protobuf formats that have no magic, the file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A pickle stream (protocols 0–5), incl. joblib files and legacy torch files.
    Pickle,
    /// A zip archive: PyTorch, `.keras`, `.npz`, or any other ([`zip_kind`] tells which).
    Zip,
    /// A POSIX tar archive (PyTorch's legacy tar format).
    Tar,
    /// A compressed stream (joblib's zlib/gzip/bz2/xz/lzma compressors).
    Compressed(Codec),
    /// numpy `.npy`.
    Npy,
    /// HDF5 (Keras `.h5`).
    Hdf5,
    /// safetensors.
    Safetensors,
    /// GGUF.
    Gguf,
    /// TensorFlow SavedModel protobuf.
    SavedModel,
    /// ONNX ModelProto.
    Onnx,
    /// A Keras JSON config (`config.json` of a `.keras` archive).
    KerasConfig,
}

impl Format {
    /// Lower-case name used in messages and reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Pickle => "pickle",
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::Compressed(c) => c.name(),
            Format::Npy => "npy",
            Format::Hdf5 => "hdf5",
            Format::Safetensors => "safetensors",
            Format::Gguf => "gguf",
            Format::SavedModel => "saved-model",
            Format::Onnx => "onnx",
            Format::KerasConfig => "keras-config",
        }
    }
}

/// A compression codec joblib writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// zlib (joblib `zlib`, and the pre-0.10 `ZF` header).
    Zlib,
    /// gzip.
    Gzip,
    /// bzip2.
    Bz2,
    /// xz.
    Xz,
    /// lzma "alone".
    Lzma,
}

impl Codec {
    /// Lower-case name used in messages and reports.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Zlib => "zlib",
            Codec::Gzip => "gzip",
            Codec::Bz2 => "bz2",
            Codec::Xz => "xz",
            Codec::Lzma => "lzma",
        }
    }
}

/// Extensions that only ever hold pickles: [`sniff`] takes a file with one for a pickle whatever
/// its first byte (a scanner then reports a malformed one).
const PICKLE_EXTS: &[&str] = &["pkl", "pickle", "joblib", "jbl", "p", "pck", "pcl"];
/// Extensions of compressed joblib dumps and generic model containers (lzma "alone" streams have
/// no magic of their own).
const COMPRESSED_EXTS: &[&str] = &[
    "pkl", "pickle", "joblib", "jbl", "sav", "lzma", "xz", "z", "gz", "bz2", "pt", "pth", "bin", "ckpt", "dat", "model",
];

/// The format of `head` (the first bytes of a file or entry, [`HEAD_LEN`] are enough), `len` its
/// full size and `name` its file name. The name decides only what content cannot: the protobuf
/// formats (no magic), lzma streams (a weak magic), and, as a claim a scanner must check, any
/// `.onnx` file, a `saved_model.pb`, and a pickle extension ([`sniff_content`] ignores such
/// claims).
pub fn sniff(head: &[u8], len: u64, name: &str) -> Option<Format> {
    detect(head, len, name, true)
}

/// Like [`sniff`], but a file name alone never decides: a `.onnx` file must start like a
/// protobuf, a `.pkl` file like a pickle. For inventories, where a file is listed as a model only
/// when its content says so.
pub fn sniff_content(head: &[u8], len: u64, name: &str) -> Option<Format> {
    detect(head, len, name, false)
}

fn detect(head: &[u8], len: u64, name: &str, name_claims: bool) -> Option<Format> {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Some(Format::Zip);
    }
    if head.starts_with(b"\x93NUMPY") {
        return Some(Format::Npy);
    }
    if head.starts_with(b"\x89HDF\r\n\x1a\n") {
        return Some(Format::Hdf5);
    }
    if head.starts_with(b"GGUF") {
        return Some(Format::Gguf);
    }
    if head.len() >= 262 && &head[257..262] == b"ustar" {
        return Some(Format::Tar);
    }
    if head.starts_with(b"\x1f\x8b") {
        return Some(Format::Compressed(Codec::Gzip));
    }
    if head.starts_with(b"BZh") {
        return Some(Format::Compressed(Codec::Bz2));
    }
    if head.starts_with(b"\xfd7zXZ\x00") {
        return Some(Format::Compressed(Codec::Xz));
    }
    if head.starts_with(b"ZF") && head.len() > 21 && head[21] == 0x78 {
        return Some(Format::Compressed(Codec::Zlib));
    }
    if head.len() >= 13 && head[0] == 0x5d && head[1] == 0 && head[2] == 0 && COMPRESSED_EXTS.contains(&ext) {
        return Some(Format::Compressed(Codec::Lzma));
    }
    if head.len() >= 2 && head[0] == 0x78 && (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0 {
        return Some(Format::Compressed(Codec::Zlib));
    }
    // safetensors: an 8-byte little-endian header length, then the JSON header. Any length below
    // 2^48 (eight bytes of text never give one); one past the end of the file is still
    // safetensors, a malformed one, for the scanner to report.
    if head.len() >= 9 && head[8] == b'{' {
        let n = u64::from_le_bytes(head[..8].try_into().unwrap_or([0; 8]));
        let _ = len;
        if (2..1 << 48).contains(&n) {
            return Some(Format::Safetensors);
        }
    }
    if (name_claims && lower.ends_with("saved_model.pb")) || (ext == "pb" && head.first() == Some(&0x08)) {
        return Some(Format::SavedModel);
    }
    // ONNX under its own extension: a ModelProto starts with ir_version (field 1, a varint).
    if ext == "onnx" && (name_claims || (head.len() >= 2 && head[0] == 0x08 && (1..0x40).contains(&head[1]))) {
        return Some(Format::Onnx);
    }
    // Under any other name: protobuf has no magic, but writers emit fields in number order. A
    // SavedModel starts with saved_model_schema_version 1 then meta_graphs (field 2); an ONNX
    // ModelProto with ir_version (field 1, 3..=12 in every released opset) then one of fields 2..8.
    if head.len() >= 3 && head[0] == 0x08 {
        if head[1] == 0x01 && head[2] == 0x12 {
            return Some(Format::SavedModel);
        }
        if (3..=12).contains(&head[1]) && matches!(head[2], 0x12 | 0x1a | 0x22 | 0x28 | 0x32 | 0x3a | 0x42) {
            return Some(Format::Onnx);
        }
    }
    if lower.ends_with("config.json") && head.iter().take(64).any(|&b| b == b'{') {
        return Some(Format::KerasConfig);
    }
    // Pickle protocol 2-5 starts with PROTO (0x80) and the protocol number (0 and 1 are legal too).
    if head.len() >= 2 && head[0] == 0x80 && head[1] <= 5 {
        return Some(Format::Pickle);
    }
    if name_claims && PICKLE_EXTS.contains(&ext) && !head.is_empty() {
        return Some(Format::Pickle);
    }
    None
}

/// What a zip archive holds, told from its entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZipKind {
    /// A PyTorch archive (`torch.save`): `data.pkl` under any top directory; a pickle.
    PyTorch,
    /// A Keras v3 `.keras` archive: `config.json` and the `.h5` weights.
    Keras,
    /// A numpy `.npz`: `.npy` entries only.
    Npz,
    /// Any other zip.
    Other,
}

/// Which model archive a zip with these entry names is.
pub fn zip_kind<S: AsRef<str>>(names: &[S]) -> ZipKind {
    let all = || names.iter().map(AsRef::as_ref);
    if all().any(|n| n == "data.pkl" || n.ends_with("/data.pkl")) {
        ZipKind::PyTorch
    } else if all().any(|n| n == "config.json") && all().any(|n| n.ends_with(".h5")) {
        ZipKind::Keras
    } else if !names.is_empty() && all().all(|n| n.ends_with(".npy")) {
        ZipKind::Npz
    } else {
        ZipKind::Other
    }
}

/// The end-of-central-directory record is 22 bytes plus a comment of at most 65,535.
const MAX_END_RECORD: u64 = 22 + 65_535;

/// The last bytes of `r` (`len` long), where a zip's end record lives.
fn tail<R: Read + Seek>(r: &mut R, len: u64) -> io::Result<Vec<u8>> {
    let tail_len = len.min(MAX_END_RECORD);
    r.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = Vec::new();
    r.take(tail_len).read_to_end(&mut tail)?;
    Ok(tail)
}

/// Whether `r` (`len` bytes) ends with a zip end-of-central-directory record: the record (22
/// bytes and its comment) must end exactly at the end. Finds zips with data prepended
/// (self-extracting style), which [`sniff`] cannot see from the head.
pub fn has_zip_end_record<R: Read + Seek>(r: &mut R, len: u64) -> io::Result<bool> {
    if len < 22 {
        return Ok(false);
    }
    let tail = tail(r, len)?;
    Ok((0..tail.len().saturating_sub(21)).any(|p| {
        tail[p..].starts_with(b"PK\x05\x06")
            && usize::from(u16::from_le_bytes([tail[p + 20], tail[p + 21]])) == tail.len() - p - 22
    }))
}

/// Names of the entries of the zip archive `r` (`len` bytes), from its central directory (at most
/// 10,000; nothing is decompressed). zip64 archives (PyTorch writes them past 4 GiB) and data
/// prepended to the archive are handled as Python's `zipfile` does: the directory is the
/// `size` bytes before the end record(s), whatever offset the record states. `None` when there is
/// no readable directory.
pub fn zip_entry_names<R: Read + Seek>(r: &mut R, len: u64) -> Option<Vec<String>> {
    let u16_at = |b: &[u8], at: usize| Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |b: &[u8], at: usize| Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?));
    let u64_at = |b: &[u8], at: usize| Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?));
    let tail = tail(r, len).ok()?;
    let eocd = tail.windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let rec = tail.get(eocd..eocd + 22)?;
    let (mut entries, mut cd_size) = (u64::from(u16_at(rec, 10)?), u64::from(u32_at(rec, 12)?));
    let mut cd_end = (len - tail.len() as u64) + eocd as u64;
    // zip64: a 20-byte locator right before the end record, the 56-byte zip64 end record before it.
    if eocd >= 20 && tail[eocd - 20..].starts_with(b"PK\x06\x07") {
        cd_end = cd_end.checked_sub(20 + 56)?;
        r.seek(SeekFrom::Start(cd_end)).ok()?;
        let mut rec64 = [0u8; 56];
        r.read_exact(&mut rec64).ok()?;
        if !rec64.starts_with(b"PK\x06\x06") {
            return None;
        }
        (entries, cd_size) = (u64_at(&rec64, 32)?, u64_at(&rec64, 40)?);
    }
    if cd_size > 64 * 1024 * 1024 {
        return None;
    }
    r.seek(SeekFrom::Start(cd_end.checked_sub(cd_size)?)).ok()?;
    let mut cd = vec![0u8; usize::try_from(cd_size).ok()?];
    r.read_exact(&mut cd).ok()?;
    let mut names = Vec::new();
    let mut i = 0usize;
    for _ in 0..entries.min(10_000) {
        let h = cd.get(i..i + 46)?;
        if &h[..4] != b"PK\x01\x02" {
            break;
        }
        let n = usize::from(u16_at(h, 28)?);
        let extra = usize::from(u16_at(h, 30)?);
        let comment = usize::from(u16_at(h, 32)?);
        names.push(String::from_utf8_lossy(cd.get(i + 46..i + 46 + n)?).into_owned());
        i += 46 + n + extra + comment;
    }
    Some(names)
}

/// Small model files for tests (of this crate and of its users, through the `testdata` feature).
#[cfg(any(test, feature = "testdata"))]
pub mod testdata {
    /// A stored (uncompressed) zip with the given entries; CRCs are left zero (never checked by
    /// the sniffer). Entries past the 16/32-bit zip limits are a caller's bug: sizes saturate.
    pub fn stored_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let small32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let small16 = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in entries {
            let (off, len, nlen) = (small32(out.len()), small32(data.len()), small16(name.len()));
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&nlen.to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&len.to_le_bytes());
            central.extend_from_slice(&len.to_le_bytes());
            central.extend_from_slice(&nlen.to_le_bytes());
            central.extend_from_slice(&[0; 12]);
            central.extend_from_slice(&off.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let (cd_off, cd_len, count) = (small32(out.len()), small32(central.len()), small16(entries.len()));
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&cd_len.to_le_bytes());
        out.extend_from_slice(&cd_off.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    /// [`stored_zip`] with a zip64 end record and locator, and the plain end record's counts,
    /// size and offset set to 0xFFFF.. as zip64 writers leave them.
    pub fn stored_zip64(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = stored_zip(entries);
        let end = out.split_off(out.len() - 22);
        let count = u64::from(u16::from_le_bytes([end[8], end[9]]));
        let cd_len = u64::from(u32::from_le_bytes([end[12], end[13], end[14], end[15]]));
        let cd_off = u64::from(u32::from_le_bytes([end[16], end[17], end[18], end[19]]));
        let rec64_off = out.len() as u64;
        out.extend_from_slice(b"PK\x06\x06");
        out.extend_from_slice(&44u64.to_le_bytes());
        out.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        for v in [count, count, cd_len, cd_off] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(b"PK\x06\x07\0\0\0\0");
        out.extend_from_slice(&rec64_off.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0");
        out
    }
}

#[cfg(test)]
mod tests;

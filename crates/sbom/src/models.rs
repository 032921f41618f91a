//! Model files detected by content (magic bytes and headers; nothing is loaded, executed or
//! unpickled), hashed with a streamed SHA-256 (flat memory whatever the size).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};

/// Serialisation format of a model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ModelFormat {
    /// safetensors (8-byte header length + JSON header).
    Safetensors,
    /// GGUF (llama.cpp).
    Gguf,
    /// ONNX protobuf.
    Onnx,
    /// PyTorch zip archive (`*/data.pkl` inside; a pickle).
    PytorchZip,
    /// A raw pickle stream (legacy `torch.save`, joblib, `pickle.dump`).
    Pickle,
    /// Keras / HDF5 (`.h5`).
    Hdf5,
    /// Keras v3 zip (`config.json` + `model.weights.h5`).
    KerasZip,
    /// NumPy `.npz` (zip of `.npy`) or `.npy`.
    Numpy,
}

impl ModelFormat {
    /// Short name used in properties and findings.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelFormat::Safetensors => "safetensors",
            ModelFormat::Gguf => "gguf",
            ModelFormat::Onnx => "onnx",
            ModelFormat::PytorchZip => "pytorch-zip",
            ModelFormat::Pickle => "pickle",
            ModelFormat::Hdf5 => "hdf5",
            ModelFormat::KerasZip => "keras",
            ModelFormat::Numpy => "numpy",
        }
    }

    /// Loading it runs pickle (arbitrary code execution).
    pub fn is_pickle(self) -> bool {
        matches!(self, ModelFormat::PytorchZip | ModelFormat::Pickle)
    }
}

/// A detected model file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFile {
    /// Repo-relative path.
    pub path: String,
    /// Format, from content.
    pub format: ModelFormat,
    /// Lower-case hex SHA-256 of the whole file.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// Extensions whose files are sniffed (the content decides the format).
const CANDIDATE_EXT: &[&str] = &[
    "safetensors",
    "gguf",
    "onnx",
    "pt",
    "pth",
    "bin",
    "ckpt",
    "pkl",
    "pickle",
    "joblib",
    "h5",
    "hdf5",
    "keras",
    "npz",
    "npy",
    "model",
];

/// Should this path be sniffed?
pub fn is_candidate(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.').is_some_and(|(_, ext)| CANDIDATE_EXT.contains(&ext.to_ascii_lowercase().as_str()))
}

/// Names of the entries of a zip archive, read from its central directory (at most 10,000;
/// nothing is decompressed). Hand-written: only the names are needed, and a zip crate would
/// bring decompression code we must not run on untrusted archives anyway.
fn zip_names(f: &mut File, size: u64) -> Option<Vec<String>> {
    let tail_len = size.min(65_557);
    f.seek(SeekFrom::Start(size - tail_len)).ok()?;
    let mut tail = vec![0u8; usize::try_from(tail_len).ok()?];
    f.read_exact(&mut tail).ok()?;
    let eocd = tail.windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let rec = tail.get(eocd..eocd + 22)?;
    let entries = u16::from_le_bytes([rec[10], rec[11]]).min(10_000);
    let cd_size = u32::from_le_bytes([rec[12], rec[13], rec[14], rec[15]]);
    let cd_off = u32::from_le_bytes([rec[16], rec[17], rec[18], rec[19]]);
    if u64::from(cd_off) + u64::from(cd_size) > size || cd_size > 64 * 1024 * 1024 {
        return None;
    }
    f.seek(SeekFrom::Start(u64::from(cd_off))).ok()?;
    let mut cd = vec![0u8; cd_size as usize];
    f.read_exact(&mut cd).ok()?;
    let mut names = Vec::new();
    let mut i = 0usize;
    for _ in 0..entries {
        let h = cd.get(i..i + 46)?;
        if &h[..4] != b"PK\x01\x02" {
            break;
        }
        let n = usize::from(u16::from_le_bytes([h[28], h[29]]));
        let extra = usize::from(u16::from_le_bytes([h[30], h[31]]));
        let comment = usize::from(u16::from_le_bytes([h[32], h[33]]));
        names.push(String::from_utf8_lossy(cd.get(i + 46..i + 46 + n)?).into_owned());
        i += 46 + n + extra + comment;
    }
    Some(names)
}

/// Detect the format of the file at `path` from its first bytes (and a zip's entry names).
pub fn sniff(path: &Path, rel: &str) -> std::io::Result<Option<ModelFormat>> {
    let mut f = File::open(path)?;
    let size = f.metadata()?.len();
    let mut head = [0u8; 16];
    let n = f.read(&mut head)?;
    let head = &head[..n];
    let ext = rel.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if head.starts_with(b"GGUF") {
        return Ok(Some(ModelFormat::Gguf));
    }
    if head.starts_with(b"\x89HDF\r\n\x1a\n") {
        return Ok(Some(ModelFormat::Hdf5));
    }
    if head.starts_with(b"\x93NUMPY") {
        return Ok(Some(ModelFormat::Numpy));
    }
    if n >= 9 {
        let len = u64::from_le_bytes([head[0], head[1], head[2], head[3], head[4], head[5], head[6], head[7]]);
        if head[8] == b'{' && len >= 2 && len.saturating_add(8) <= size {
            return Ok(Some(ModelFormat::Safetensors));
        }
    }
    if head.starts_with(b"PK\x03\x04") {
        let names = zip_names(&mut f, size).unwrap_or_default();
        if names.iter().any(|n| n == "data.pkl" || n.ends_with("/data.pkl")) {
            return Ok(Some(ModelFormat::PytorchZip));
        }
        if names.iter().any(|n| n == "config.json") && names.iter().any(|n| n.ends_with(".h5")) {
            return Ok(Some(ModelFormat::KerasZip));
        }
        if !names.is_empty() && names.iter().all(|n| n.ends_with(".npy")) {
            return Ok(Some(ModelFormat::Numpy));
        }
        return Ok(None);
    }
    // Pickle protocol 2-5 starts with PROTO (0x80) and the protocol number.
    if n >= 2 && head[0] == 0x80 && (2..=5).contains(&head[1]) {
        return Ok(Some(ModelFormat::Pickle));
    }
    // ONNX ModelProto: field 1 (ir_version, varint) first. Weak alone, so only with .onnx.
    if ext == "onnx" && n >= 2 && head[0] == 0x08 && head[1] > 0 && head[1] < 0x40 {
        return Ok(Some(ModelFormat::Onnx));
    }
    Ok(None)
}

/// Streamed SHA-256 (64 KiB buffer) and size.
pub fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&buf[..n]);
    }
    Ok((h.finalize().iter().map(|b| format!("{b:02x}")).collect(), total))
}

/// Sniff and hash one candidate; Ok(None) when it is not a model we recognise.
pub fn detect(path: &Path, rel: &str) -> std::io::Result<Option<ModelFile>> {
    let Some(format) = sniff(path, rel)? else { return Ok(None) };
    let (sha256, size) = sha256_file(path)?;
    Ok(Some(ModelFile { path: rel.to_string(), format, sha256, size }))
}

/// Test helpers: build small model files of every format.
#[cfg(test)]
pub(crate) mod testdata {
    /// A stored (uncompressed) zip with the given entries; CRCs are left zero (never checked here).
    pub(crate) fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in entries {
            let off = u32::try_from(out.len()).unwrap_or(0);
            let len = u32::try_from(data.len()).unwrap_or(0);
            let nlen = u16::try_from(name.len()).unwrap_or(0);
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
        let cd_off = u32::try_from(out.len()).unwrap_or(0);
        let cd_len = u32::try_from(central.len()).unwrap_or(0);
        let count = u16::try_from(entries.len()).unwrap_or(0);
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&cd_len.to_le_bytes());
        out.extend_from_slice(&cd_off.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    /// `(file name, bytes, expected format name or None)` for every format.
    pub(crate) fn files() -> Vec<(&'static str, Vec<u8>, Option<&'static str>)> {
        let header = br#"{"__metadata__":{"format":"pt"}}"#;
        let mut st = (header.len() as u64).to_le_bytes().to_vec();
        st.extend_from_slice(header);
        vec![
            ("model.safetensors", st, Some("safetensors")),
            ("tiny.gguf", [b"GGUF".as_slice(), &3u32.to_le_bytes(), &[0u8; 16]].concat(), Some("gguf")),
            ("net.onnx", vec![0x08, 0x07, 0x12, 0x04, b't', b'e', b's', b't'], Some("onnx")),
            (
                "pytorch_model.bin",
                zip(&[("archive/data.pkl", b"\x80\x02}q\x00."), ("archive/version", b"3\n")]),
                Some("pytorch-zip"),
            ),
            ("legacy.pt", b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.".to_vec(), Some("pickle")),
            ("clf.joblib", b"\x80\x04K\x01.".to_vec(), Some("pickle")),
            ("weights.h5", [b"\x89HDF\r\n\x1a\n".as_slice(), &[0u8; 8]].concat(), Some("hdf5")),
            ("model.keras", zip(&[("config.json", b"{}"), ("model.weights.h5", b"\x89HDF\r\n\x1a\n")]), Some("keras")),
            ("arrays.npz", zip(&[("a.npy", b"\x93NUMPY\x01\x00")]), Some("numpy")),
            ("notes.bin", b"just some text, not a model".to_vec(), None),
            ("other.onnx", b"not protobuf".to_vec(), None),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_detected_by_content() {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes, want) in testdata::files() {
            let p = dir.path().join(name);
            std::fs::write(&p, &bytes).unwrap();
            assert!(is_candidate(name), "{name}");
            let got = detect(&p, name).unwrap();
            assert_eq!(got.as_ref().map(|m| m.format.as_str()), want, "{name}");
            if let Some(m) = got {
                assert_eq!(m.size, bytes.len() as u64);
                let expect: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
                assert_eq!(m.sha256, expect);
            }
        }
    }

    #[test]
    fn extension_does_not_decide_the_format() {
        let dir = tempfile::tempdir().unwrap();
        // A pickle named .safetensors is a pickle; a safetensors named .bin is safetensors.
        let p = dir.path().join("fake.safetensors");
        std::fs::write(&p, b"\x80\x04K\x01.").unwrap();
        assert_eq!(detect(&p, "fake.safetensors").unwrap().map(|m| m.format), Some(ModelFormat::Pickle));
        let (_, st, _) = testdata::files().remove(0);
        let q = dir.path().join("weights.bin");
        std::fs::write(&q, st).unwrap();
        assert_eq!(detect(&q, "weights.bin").unwrap().map(|m| m.format), Some(ModelFormat::Safetensors));
    }

    #[test]
    fn truncated_and_bogus_zips_do_not_panic() {
        let dir = tempfile::tempdir().unwrap();
        let mut z = testdata::zip(&[("archive/data.pkl", b"x")]);
        z.truncate(z.len() - 5);
        for (i, bytes) in [
            z,
            b"PK\x03\x04".to_vec(),
            b"PK\x03\x04PK\x05\x06\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff".to_vec(),
        ]
        .into_iter()
        .enumerate()
        {
            let p = dir.path().join(format!("m{i}.pt"));
            std::fs::write(&p, bytes).unwrap();
            assert_eq!(detect(&p, "m.pt").unwrap(), None);
        }
    }
}

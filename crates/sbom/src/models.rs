//! Model files detected by content (magic bytes and headers; nothing is loaded, executed or
//! unpickled), hashed with a streamed SHA-256 (flat memory whatever the size).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use model_format::{Format, ZipKind};
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
    /// TensorFlow SavedModel protobuf (`saved_model.pb`).
    SavedModel,
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
            ModelFormat::SavedModel => "saved-model",
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
    "pb",
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

/// Detect the format of the file at `path` by content, with the workspace's one sniffer
/// ([`model_format::sniff_content`]: a name alone never makes a model here) and, for a zip, the
/// names in its central directory.
pub fn sniff(path: &Path, rel: &str) -> std::io::Result<Option<ModelFormat>> {
    let mut f = File::open(path)?;
    let size = f.metadata()?.len();
    let mut head = Vec::with_capacity(model_format::HEAD_LEN);
    (&mut f).take(model_format::HEAD_LEN as u64).read_to_end(&mut head)?;
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let format = match model_format::sniff_content(&head, size, name) {
        Some(format) => format,
        // A zip with data prepended is found by its end record.
        None if model_format::has_zip_end_record(&mut f, size)? => Format::Zip,
        None => return Ok(None),
    };
    Ok(match format {
        Format::Safetensors => Some(ModelFormat::Safetensors),
        Format::Gguf => Some(ModelFormat::Gguf),
        Format::Onnx => Some(ModelFormat::Onnx),
        Format::SavedModel => Some(ModelFormat::SavedModel),
        Format::Pickle => Some(ModelFormat::Pickle),
        Format::Hdf5 => Some(ModelFormat::Hdf5),
        Format::Npy => Some(ModelFormat::Numpy),
        Format::Zip => match model_format::zip_kind(&model_format::zip_entry_names(&mut f, size).unwrap_or_default()) {
            ZipKind::PyTorch => Some(ModelFormat::PytorchZip),
            ZipKind::Keras => Some(ModelFormat::KerasZip),
            ZipKind::Npz => Some(ModelFormat::Numpy),
            ZipKind::Other => None,
        },
        // A tar, a compressed stream or a JSON config may hold anything: what is inside is
        // model-scan's to open, not the inventory's.
        Format::Tar | Format::Compressed(_) | Format::KerasConfig => None,
    })
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
    pub(crate) use model_format::testdata::stored_zip as zip;

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

    /// Formats the shared sniffer (`model_format`) brought from model-scan's: a TF SavedModel, a
    /// pickle with PROTO 0/1, a zip with data prepended (found by its end record), an empty
    /// safetensors header; and a pickle named `.onnx` is a pickle.
    #[test]
    fn formats_from_the_shared_sniffer() {
        let dir = tempfile::tempdir().unwrap();
        let torch = testdata::zip(&[("archive/data.pkl", b"\x80\x02}q\x00.")]);
        let sfx = [b"#!/bin/sh\nexit 0\n".as_slice(), &torch].concat();
        let cases: [(&str, &[u8], Option<ModelFormat>); 6] = [
            ("export/saved_model.pb", b"\x08\x01\x12\x05\x0a\x03abc", Some(ModelFormat::SavedModel)),
            ("proto1.pkl", b"\x80\x01K\x01.", Some(ModelFormat::Pickle)),
            ("model.bin", &sfx, Some(ModelFormat::PytorchZip)),
            ("empty.safetensors", b"\x02\0\0\0\0\0\0\0{}", Some(ModelFormat::Safetensors)),
            ("fake.onnx", b"\x80\x04K\x01.", Some(ModelFormat::Pickle)),
            ("frozen.pb", b"\x0a\x03abc", None),
        ];
        for (rel, bytes, want) in cases {
            let p = dir.path().join(rel.replace('/', "_"));
            std::fs::write(&p, bytes).unwrap();
            assert!(is_candidate(rel), "{rel}");
            assert_eq!(detect(&p, rel).unwrap().map(|m| m.format), want, "{rel}");
        }
        assert_eq!(ModelFormat::SavedModel.as_str(), "saved-model");
        assert!(!ModelFormat::SavedModel.is_pickle());
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

use std::io::Cursor;

use super::testdata::{self, stored_zip as zip};
use super::*;

fn both(head: &[u8], name: &str) -> (Option<Format>, Option<Format>) {
    let head = &head[..head.len().min(HEAD_LEN)];
    (sniff(head, head.len() as u64, name), sniff_content(head, head.len() as u64, name))
}

#[test]
fn every_format_is_told_by_its_content() {
    let header = br#"{"__metadata__":{"format":"pt"}}"#;
    let st = [(header.len() as u64).to_le_bytes().as_slice(), header].concat();
    let mut tar = vec![0u8; 1024];
    tar[..6].copy_from_slice(b"pickle");
    tar[257..262].copy_from_slice(b"ustar");
    let mut lzma = vec![0x5d, 0, 0, 0x80, 0];
    lzma.extend([0xff; 8]);
    let joblib_zf = [b"ZF0x00000000000000000".as_slice(), &[0x78, 0x9c]].concat();
    let cases: &[(&str, &[u8], Format)] = &[
        ("model.safetensors", &st, Format::Safetensors),
        ("tiny.gguf", b"GGUF\x03\0\0\0", Format::Gguf),
        ("weights.h5", b"\x89HDF\r\n\x1a\n\0\0", Format::Hdf5),
        ("a.npy", b"\x93NUMPY\x01\x00", Format::Npy),
        ("pytorch_model.bin", b"PK\x03\x04\x14\0", Format::Zip),
        ("empty.zip", b"PK\x05\x06\0\0", Format::Zip),
        ("legacy.pt", &tar, Format::Tar),
        ("clf.joblib", b"\x80\x04K\x01.", Format::Pickle),
        ("proto1.bin", b"\x80\x01K\x01.", Format::Pickle),
        ("m.joblib", b"\x1f\x8b\x08\0", Format::Compressed(Codec::Gzip)),
        ("m.joblib", b"BZh91AY", Format::Compressed(Codec::Bz2)),
        ("m.joblib", b"\xfd7zXZ\x00\x00", Format::Compressed(Codec::Xz)),
        ("m.joblib", &lzma, Format::Compressed(Codec::Lzma)),
        ("m.joblib", b"\x78\x9c\x01\x02", Format::Compressed(Codec::Zlib)),
        ("old.pkl", &joblib_zf, Format::Compressed(Codec::Zlib)),
        ("net.onnx", b"\x08\x07\x12\x04test", Format::Onnx),
        ("net.bin", b"\x08\x08\x12\x05", Format::Onnx),
        ("saved_model.pb", b"\x08\x01\x12\x05", Format::SavedModel),
        ("graph.dat", b"\x08\x01\x12\x05", Format::SavedModel),
        ("config.json", br#"{"class_name": "Functional"}"#, Format::KerasConfig),
    ];
    for (name, bytes, want) in cases {
        assert_eq!(both(bytes, name), (Some(*want), Some(*want)), "{name} {bytes:?}");
    }
}

#[test]
fn safetensors_accepts_any_json_header_start() {
    // `{}` (no tensors) and `{ "` are safetensors too; a length past the file still says so (the
    // scanner reports it), text never gives a length below 2^48.
    assert_eq!(both(b"\x02\0\0\0\0\0\0\0{}", "empty.safetensors").1, Some(Format::Safetensors));
    assert_eq!(both(b"\x05\0\0\0\0\0\0\0{ \"a\"", "x.bin").1, Some(Format::Safetensors));
    assert_eq!(both(b"\xff\xff\0\0\0\0\0\0{\"a\"", "x.bin").1, Some(Format::Safetensors));
    assert_eq!(both(b"abcdefgh{\"a\": 1}", "x.safetensors"), (None, None));
    assert_eq!(both(b"\x01\0\0\0\0\0\0\0{", "x.safetensors"), (None, None));
}

#[test]
fn a_name_alone_is_a_claim_only_sniff_accepts() {
    // A scanner scans what claims to be a model; an inventory lists what is one.
    assert_eq!(both(b"not protobuf", "other.onnx"), (Some(Format::Onnx), None));
    assert_eq!(both(b"garbage", "model.pkl"), (Some(Format::Pickle), None));
    assert_eq!(both(b"\x0a\x03abc", "saved_model.pb"), (Some(Format::SavedModel), None));
    // Content beats a misleading name in both.
    assert_eq!(both(b"\x80\x04K\x01.", "fake.safetensors"), (Some(Format::Pickle), Some(Format::Pickle)));
    assert_eq!(both(b"\x80\x04K\x01.", "fake.onnx").1, Some(Format::Pickle));
}

#[test]
fn text_and_weak_protobuf_starts_are_nothing() {
    for (name, bytes) in [
        ("notes.bin", &b"just some text, not a model"[..]),
        ("readme.bin", b"text"),
        ("notes.txt", b"(1, 2)\n"),
        ("x.bin", b"\x08\x96\x01\x12"),
        ("x.bin", b"\x08\x03\x0a\x00"),
        ("tokenizer.model", b"\x0a\x03foo"),
        ("lzma.txt", b"\x5d\0\0\x80\0\xff\xff\xff\xff\xff\xff\xff\xff"),
        ("empty.pkl", b""),
    ] {
        assert_eq!(both(bytes, name).1, None, "{name}");
    }
    assert_eq!(sniff(b"", 0, "empty.pkl"), None);
}

/// Zip entries: (name, bytes).
type Entries<'a> = &'a [(&'a str, &'a [u8])];

#[test]
fn zip_kinds_come_from_the_entry_names() {
    let cases: &[(Entries<'_>, ZipKind)] = &[
        (&[("archive/data.pkl", b"\x80\x02}q\x00."), ("archive/version", b"3\n")], ZipKind::PyTorch),
        (&[("data.pkl", b"\x80\x02.")], ZipKind::PyTorch),
        (&[("config.json", b"{}"), ("model.weights.h5", b"\x89HDF\r\n\x1a\n")], ZipKind::Keras),
        (&[("a.npy", b"\x93NUMPY\x01\x00"), ("b.npy", b"\x93NUMPY\x01\x00")], ZipKind::Npz),
        (&[("a.npy", b""), ("notes.txt", b"")], ZipKind::Other),
        (&[], ZipKind::Other),
    ];
    for (entries, want) in cases {
        let bytes = zip(entries);
        assert_eq!(sniff(&bytes, bytes.len() as u64, "m.bin"), Some(Format::Zip));
        let names = zip_entry_names(&mut Cursor::new(&bytes), bytes.len() as u64).expect("a directory");
        assert_eq!(names, entries.iter().map(|(n, _)| *n).collect::<Vec<_>>());
        assert_eq!(zip_kind(&names), *want, "{names:?}");
        assert!(has_zip_end_record(&mut Cursor::new(&bytes), bytes.len() as u64).expect("in memory"));
    }
}

#[test]
fn a_zip_with_data_prepended_is_found_by_its_end_record() {
    let z = zip(&[("archive/data.pkl", b"\x80\x02.")]);
    // Offsets inside stay relative to the zip's own start, as a self-extracting archive keeps them
    // only when rewritten: the end record alone says "zip".
    let sfx = [b"#!/bin/sh\nexit 0\n".as_slice(), &z].concat();
    assert_eq!(sniff(&sfx, sfx.len() as u64, "model.bin"), None);
    assert!(has_zip_end_record(&mut Cursor::new(&sfx), sfx.len() as u64).expect("in memory"));
    // Trailing bytes after the record: not a zip end.
    let trailing = [z.as_slice(), b"junk"].concat();
    assert!(!has_zip_end_record(&mut Cursor::new(&trailing), trailing.len() as u64).expect("in memory"));
    assert!(!has_zip_end_record(&mut Cursor::new(b"short"), 5).expect("in memory"));
}

#[test]
fn zip64_and_prepended_zips_give_their_names() {
    let entries: Entries<'_> = &[("big/data.pkl", b"\x80\x02."), ("big/data/0", b"")];
    let z64 = testdata::stored_zip64(entries);
    let sfx = [b"#!/bin/sh\nexit 0\n".as_slice(), &testdata::stored_zip(entries)].concat();
    let sfx64 = [b"prefix".as_slice(), &z64].concat();
    for bytes in [z64, sfx, sfx64] {
        let names = zip_entry_names(&mut Cursor::new(&bytes), bytes.len() as u64).expect("a directory");
        assert_eq!(names, ["big/data.pkl", "big/data/0"]);
        assert_eq!(zip_kind(&names), ZipKind::PyTorch);
        assert!(has_zip_end_record(&mut Cursor::new(&bytes), bytes.len() as u64).expect("in memory"));
    }
}

#[test]
fn truncated_and_bogus_zips_give_no_names() {
    let mut z = zip(&[("archive/data.pkl", b"x")]);
    z.truncate(z.len() - 5);
    for bytes in [
        z,
        b"PK\x03\x04".to_vec(),
        b"PK\x03\x04PK\x05\x06\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff".to_vec(),
    ] {
        let names = zip_entry_names(&mut Cursor::new(&bytes), bytes.len() as u64).unwrap_or_default();
        assert_eq!(zip_kind(&names), ZipKind::Other, "{bytes:?}");
    }
}

#[test]
fn names_of_formats() {
    assert_eq!(Format::Compressed(Codec::Lzma).name(), "lzma");
    assert_eq!(Format::SavedModel.name(), "saved-model");
    assert_eq!(Format::KerasConfig.name(), "keras-config");
}

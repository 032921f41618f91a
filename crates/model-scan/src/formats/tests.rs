use std::io::Write;

use super::*;

const OS_SYSTEM: &[u8] = b"cos\nsystem\n(S'id'\ntR.";

fn scan(bytes: &[u8], name: &str) -> Vec<Issue> {
    scan_with(bytes, name, &ArchiveLimits::default())
}

fn scan_with(bytes: &[u8], name: &str, archive: &ArchiveLimits) -> Vec<Issue> {
    let limits = Limits::default();
    let mut ctx = Ctx { limits: &limits, archive, issues: Vec::new(), formats: Vec::new(), inflated: 0 };
    let fmt = sniff(&bytes[..bytes.len().min(512)], bytes.len() as u64, name).expect("a model format");
    if fmt == Format::Zip {
        scan_zip(&mut ctx, io::Cursor::new(bytes), "", 0).expect("in memory");
    } else {
        scan_stream(&mut ctx, fmt, bytes, "", bytes.len() as u64, 0).expect("in memory");
    }
    ctx.issues
}

fn checks(issues: &[Issue]) -> Vec<Check> {
    issues.iter().map(|i| i.check).collect()
}

fn zip_of(entries: &[(&str, &[u8])], deflate: bool) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let method = if deflate { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
    let opts = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, data) in entries {
        w.start_file(*name, opts).expect("start");
        w.write_all(data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

#[test]
fn sniffing_is_by_content() {
    assert_eq!(sniff(b"\x80\x04\x95", 3, "weights.whatever"), Some(Format::Pickle));
    assert_eq!(sniff(OS_SYSTEM, 20, "no_extension"), Some(Format::Pickle));
    assert_eq!(sniff(b"PK\x03\x04", 4, "x.txt"), Some(Format::Zip));
    assert_eq!(sniff(b"\x93NUMPY\x01\x00", 8, "x"), Some(Format::Npy));
    assert_eq!(sniff(b"GGUF\x03\x00\x00\x00", 8, "x"), Some(Format::Gguf));
    assert_eq!(sniff(b"\x1f\x8b\x08", 3, "x"), Some(Format::Compressed(Codec::Gzip)));
    assert_eq!(sniff(b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":1}", 24, "x"), Some(Format::Safetensors));
    // Text and source files are not pickles, whatever their first letter.
    for text in [&b"cargo build --release\nthen run\n"[..], b"# README\n", b"import os\nos.system('x')\n", b"(1, 2)\n"]
    {
        assert_eq!(sniff(text, text.len() as u64, "notes.txt"), None, "{:?}", String::from_utf8_lossy(text));
    }
    // A pickle extension forces the pickle scan (a broken one is then a finding).
    assert_eq!(sniff(b"garbage", 7, "model.pkl"), Some(Format::Pickle));
}

#[test]
fn torch_zip_with_any_prefix_and_deflate() {
    let zip = zip_of(&[("my model v2/data.pkl", OS_SYSTEM), ("my model v2/data/0", b"cos\nsystem\n")], true);
    let issues = scan(&zip, "model.bin");
    assert_eq!(checks(&issues), vec![Check::DangerousGlobal], "{issues:?}");
    assert_eq!(issues[0].entry, "my model v2/data.pkl");
    assert_eq!(issues[0].subject, "os.system");
}

#[test]
fn npz_with_object_array_is_scanned() {
    let header = b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }";
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    npy.extend(u16::try_from(header.len()).expect("short").to_le_bytes());
    npy.extend(header);
    npy.extend(OS_SYSTEM);
    let zip = zip_of(&[("arr_0.npy", &npy)], false);
    let issues = scan(&zip, "data.npz");
    assert_eq!(checks(&issues), vec![Check::DangerousGlobal]);
    assert_eq!(issues[0].entry, "arr_0.npy");
    // The same header with float data that is too short: a malformed header.
    let header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (10, 2), }";
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    npy.extend(u16::try_from(header.len()).expect("short").to_le_bytes());
    npy.extend(header);
    npy.extend([0u8; 100]);
    assert_eq!(checks(&scan(&npy, "a.npy")), vec![Check::MalformedHeader]);
    npy.extend([0u8; 60]);
    assert!(scan(&npy, "a.npy").is_empty());
}

#[test]
fn compressed_pickles_are_decompressed() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"\x80\x02").expect("gz");
    gz.write_all(OS_SYSTEM).expect("gz");
    let gz = gz.finish().expect("gz");
    let issues = scan(&gz, "model.joblib");
    assert_eq!(checks(&issues), vec![Check::DangerousGlobal], "{issues:?}");
    assert_eq!(issues[0].entry, "<gzip>");
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(b"\x80\x02").expect("z");
    z.write_all(OS_SYSTEM).expect("z");
    assert_eq!(checks(&scan(&z.finish().expect("z"), "x")), vec![Check::DangerousGlobal]);
}

#[test]
fn decompression_bombs_are_bounded() {
    // 64 MiB of NONE/POP opcodes compress to ~64 KiB: past the ratio limit of a small limit.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(b"\x80\x02").expect("z");
    let chunk = b"N0".repeat(1 << 15);
    for _ in 0..1024 {
        z.write_all(&chunk).expect("z");
    }
    z.write_all(b"N.").expect("z");
    let bomb = z.finish().expect("z");
    let limits = ArchiveLimits { max_entry_bytes: 8 << 20, ..ArchiveLimits::default() };
    let issues = scan_with(&bomb, "x.joblib", &limits);
    assert!(issues.iter().any(|i| i.check == Check::ArchiveLimit && i.severity == Severity::High), "{issues:?}");
    // A zip entry declaring a huge ratio is not decompressed at all.
    let zip = zip_of(&[("archive/data.pkl", &b"N0".repeat(4 << 20))], true);
    let issues = scan(&zip, "bomb.pt");
    assert_eq!(checks(&issues), vec![Check::ArchiveLimit], "{issues:?}");
}

#[test]
fn safetensors_header_validation() {
    fn st(header: &str, data: usize) -> Vec<u8> {
        let mut v = (header.len() as u64).to_le_bytes().to_vec();
        v.extend(header.as_bytes());
        v.extend(vec![0u8; data]);
        v
    }
    let good = st(r#"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#, 16);
    assert!(scan(&good, "m.safetensors").is_empty());
    for bad in [
        st(r#"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#, 8),
        st(r#"{"w":{"dtype":"F32","shape":[3,2],"data_offsets":[0,16]}}"#, 16),
        st(
            r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
            16,
        ),
        st(r#"{"w":{"dtype":"X9","shape":[2],"data_offsets":[0,8]}}"#, 8),
        st(r#"{"w": nope"#, 8),
    ] {
        assert_eq!(
            checks(&scan(&bad, "m.safetensors")),
            vec![Check::MalformedHeader],
            "{}",
            String::from_utf8_lossy(&bad)
        );
    }
    let mut huge = (1u64 << 40).to_le_bytes().to_vec();
    huge.extend(b"{\"a\":1}");
    assert_eq!(checks(&scan(&huge, "m.safetensors")), vec![Check::MalformedHeader]);
}

/// Headers the shared sniffer (`model_format`) brought from sbom's: any JSON object start, not
/// only `{"` (an empty `{}` header, pretty-printed JSON). Both are scanned and validated.
#[test]
fn safetensors_with_an_empty_or_spaced_header() {
    let empty = [2u64.to_le_bytes().as_slice(), b"{}"].concat();
    assert_eq!(sniff(&empty, empty.len() as u64, "empty.bin"), Some(Format::Safetensors));
    assert!(scan(&empty, "empty.bin").is_empty());
    let spaced = r#"{ "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 9]} }"#;
    let mut bad = (spaced.len() as u64).to_le_bytes().to_vec();
    bad.extend(spaced.as_bytes());
    bad.extend([0u8; 9]);
    assert_eq!(sniff(&bad[..bad.len().min(512)], bad.len() as u64, "w.bin"), Some(Format::Safetensors));
    assert_eq!(checks(&scan(&bad, "w.bin")), vec![Check::MalformedHeader]);
}

#[test]
fn gguf_header_validation() {
    fn gguf(version: u32, tensors: u64, kvs: u64, rest: &[u8]) -> Vec<u8> {
        let mut v = b"GGUF".to_vec();
        v.extend(version.to_le_bytes());
        v.extend(tensors.to_le_bytes());
        v.extend(kvs.to_le_bytes());
        v.extend(rest);
        v
    }
    // One kv: key "a" (string), type u32 (4), value 7.
    let mut kv = 1u64.to_le_bytes().to_vec();
    kv.extend(b"a");
    kv.extend(4u32.to_le_bytes());
    kv.extend(7u32.to_le_bytes());
    assert!(scan(&gguf(3, 0, 1, &kv), "m.gguf").is_empty());
    assert_eq!(checks(&scan(&gguf(99, 0, 1, &kv), "m.gguf")), vec![Check::MalformedHeader]);
    assert_eq!(checks(&scan(&gguf(3, 1 << 60, 1, &kv), "m.gguf")), vec![Check::MalformedHeader]);
    let mut long = (1u64 << 50).to_le_bytes().to_vec();
    long.extend(b"a");
    assert_eq!(checks(&scan(&gguf(3, 0, 1, &long), "m.gguf")), vec![Check::MalformedHeader]);
}

#[test]
fn keras_lambda_and_custom_objects() {
    let cfg = br#"{"class_name": "Sequential", "config": {"layers": [
        {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d"}},
        {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "l", "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAA"}}}},
        {"module": "my_layers", "class_name": "Fancy", "registered_name": "Custom>Fancy", "config": {}}]}}"#;
    let zip = zip_of(&[("config.json", cfg), ("metadata.json", b"{}")], true);
    let mut issues = scan(&zip, "m.keras");
    issues.sort_by_key(|i| i.check);
    assert_eq!(checks(&issues), vec![Check::KerasLambda, Check::KerasCustomObject], "{issues:?}");
    assert_eq!(issues[0].severity, Severity::Critical);
    assert_eq!(issues[1].subject, "my_layers.Custom>Fancy");
    // HDF5: the model_config attribute found by a bounded scan.
    let mut h5 = b"\x89HDF\r\n\x1a\n".to_vec();
    h5.extend([0u8; 3000]);
    h5.extend(br#"{"class_name": "Functional", "config": {"layers": [{"class_name": "Lambda", "config": {"name": "x", "function": ["4wEAAAAA", null, null], "function_type": "lambda"}}]}}"#);
    h5.extend([0u8; 100]);
    assert_eq!(checks(&scan(&h5, "m.h5")), vec![Check::KerasLambda]);
}

/// Protobuf encoding helpers for hand-built SavedModel / ONNX messages.
fn field(n: u64, bytes: &[u8]) -> Vec<u8> {
    let mut v = varint(n << 3 | 2);
    v.extend(varint(bytes.len() as u64));
    v.extend(bytes);
    v
}

fn varint(mut x: u64) -> Vec<u8> {
    let mut v = Vec::new();
    loop {
        let b = (x & 0x7f) as u8;
        x >>= 7;
        if x == 0 {
            v.push(b);
            return v;
        }
        v.push(b | 0x80);
    }
}

#[test]
fn saved_model_unsafe_ops() {
    let node = |name: &str, op: &str| [field(1, name.as_bytes()), field(2, op.as_bytes())].concat();
    let graph = [field(1, &node("x", "Const")), field(1, &node("leak", "ReadFile"))].concat();
    // FunctionDef: signature (OpDef name) + node_def
    let function = [field(1, &field(1, b"__inference__traced_save_42")), field(3, &node("SaveV2", "SaveV2"))].concat();
    let graph = [graph, field(2, &field(1, &function))].concat();
    let saved = [vec![0x08, 0x01], field(2, &field(2, &graph))].concat();
    let issues = scan(&saved, "saved_model.pb");
    assert_eq!(checks(&issues), vec![Check::UnsafeOp], "{issues:?}");
    assert_eq!(issues[0].subject, "ReadFile");
    // Truncated protobuf: a malformed header, not silence.
    assert_eq!(checks(&scan(&saved[..saved.len() - 3], "saved_model.pb")), vec![Check::MalformedHeader]);
}

#[test]
fn onnx_external_data_paths() {
    let entry = |k: &str, v: &str| field(13, &[field(1, k.as_bytes()), field(2, v.as_bytes())].concat());
    let tensor = |loc: &str| [field(8, b"W"), entry("location", loc), vec![0x70, 0x01]].concat();
    for (loc, bad) in
        [("weights.bin", false), ("sub/w.bin", false), ("/etc/passwd", true), ("../../x", true), ("C:\\x", true)]
    {
        let model = [vec![0x08, 0x07], field(7, &field(5, &tensor(loc)))].concat();
        let issues = scan(&model, "model.onnx");
        assert_eq!(!issues.is_empty(), bad, "{loc}: {issues:?}");
        // The same model under a name that says nothing: found by its first fields.
        assert_eq!(!scan(&model, "weights.bin").is_empty(), bad, "{loc} as weights.bin");
    }
}

#[test]
fn protobuf_models_are_sniffed_by_their_leading_fields() {
    assert_eq!(sniff(&[0x08, 0x08, 0x12, 0x05], 4, "model.bin"), Some(Format::Onnx));
    assert_eq!(sniff(&[0x08, 0x01, 0x12, 0x05], 4, "graph.dat"), Some(Format::SavedModel));
    // Other protobufs and binaries with a leading 0x08 are not taken for models.
    assert_eq!(sniff(&[0x08, 0x96, 0x01, 0x12], 4, "x.bin"), None);
    assert_eq!(sniff(&[0x08, 0x03, 0x0a, 0x00], 4, "x.bin"), None);
    assert_eq!(sniff(&[0x0a, 0x03, 0x66, 0x6f, 0x6f], 5, "tokenizer.model"), None);
}

#[test]
fn legacy_torch_tar_and_stream() {
    // tar with a `pickle` member
    let mut tar = Vec::new();
    let mut header = [0u8; 512];
    header[..6].copy_from_slice(b"pickle");
    header[124..135].copy_from_slice(format!("{:011o}", OS_SYSTEM.len()).as_bytes());
    header[156] = b'0';
    header[257..262].copy_from_slice(b"ustar");
    tar.extend(header);
    tar.extend(OS_SYSTEM);
    tar.extend(vec![0u8; 512 - OS_SYSTEM.len() + 1024]);
    let issues = scan(&tar, "model.tar");
    assert_eq!(checks(&issues), vec![Check::DangerousGlobal], "{issues:?}");
    assert_eq!(issues[0].entry, "pickle");
    // Cut inside the member (found by cargo-fuzz): a finding, not an error.
    let issues = scan(&tar[..600], "model.tar");
    assert_eq!(checks(&issues), vec![Check::DangerousGlobal, Check::Malformed], "{issues:?}");
    let cut = [&tar[..512], &tar[512..530]].concat();
    assert!(scan(&cut, "model.tar").iter().any(|i| i.check == Check::Malformed));
    // legacy stream: magic, protocol, sys_info, then the payload pickle, then raw storage bytes
    let mut s = vec![0x80, 2, 0x8a, 10];
    s.extend(crate::pickle::TORCH_MAGIC);
    s.push(b'.');
    s.extend(b"\x80\x02M\xe9\x03.\x80\x02}q\x00.\x80\x02");
    s.extend(OS_SYSTEM);
    s.extend(b"\x80\x02]q\x00.");
    s.extend([0x63u8, 0x0a, 0xff, 0x00, 0x12]);
    let issues = scan(&s, "old.pt");
    assert_eq!(checks(&issues), vec![Check::DangerousGlobal], "{issues:?}");
}

#[test]
fn joblib_array_payload_is_skipped() {
    // NumpyArrayWrapper BUILD with shape (4,) float64 and alignment: 1 pad byte + pad + 32 bytes
    // of array data that would be garbage opcodes, then the rest of the pickle.
    let mut p =
        b"\x80\x04cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}(\x8c\x05shape\x4b\x04\x85\x8c\x05dtype".to_vec();
    p.extend(b"cnumpy\ndtype\n\x8c\x02f8\x89\x88\x87R(K\x03\x8c\x01<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb");
    p.extend(b"\x8c\x1bnumpy_array_alignment_bytesK\x10ub");
    p.push(3);
    p.extend([0xffu8; 3]);
    p.extend([0xffu8; 32]);
    p.extend(b"0cos\nsystem\n(S'id'\ntR.");
    let issues = scan(&p, "m.joblib");
    assert_eq!(checks(&issues), vec![Check::DangerousGlobal], "{issues:?}");
}

//! Random and mutated-valid inputs: the pickle machine and the format scanners never panic, and
//! their work is bounded by the input (every opcode consumes at least one byte). This is the
//! `cargo test` counterpart of the cargo-fuzz targets in `fuzz/`.

use std::io::Cursor;

use model_scan::formats::{self, ArchiveLimits, Ctx, Format};
use model_scan::input::Input;
use model_scan::pickle::{self, Limits};
use proptest::prelude::*;

const SEEDS: &[&[u8]] = &[
    b"cos\nsystem\n(S'id'\ntR.",
    b"\x80\x04\x95\x1f\x00\x00\x00\x00\x00\x00\x00\x8c\x0bcollections\x94\x8c\x0bOrderedDict\x94\x93\x94)R\x94.",
    b"\x80\x02}q\x00(X\x01\x00\x00\x00aq\x01]q\x02(K\x01K\x02K\x03eX\x01\x00\x00\x00bq\x03G?\xf8\x00\x00\x00\x00\x00\x00N\x88\x87q\x04u.",
    b"\x80\x04\x8c\x02os\x94\x8c\x06system\x94h\x00h\x01\x93\x8c\x02id\x85R.",
    b"\x80\x02c_pickle\nloads\nc_codecs\nencode\nX\x02\x00\x00\x00N.X\x06\x00\x00\x00latin1\x86R\x85R.",
    b"\x80\x05\x95\x05\x00\x00\x00\x00\x00\x00\x00\x97\x98N0.",
];

fn limits() -> Limits {
    Limits { max_stack: 4096, max_memo: 4096, max_nodes: 4096, max_items: 16384, ..Limits::default() }
}

fn run_pickle(bytes: &[u8]) {
    let mut input = Input::new(bytes);
    let o = pickle::scan(&mut input, &limits()).expect("in-memory reads do not fail");
    assert!(o.ops <= bytes.len() as u64, "{} ops from {} bytes", o.ops, bytes.len());
    assert!(o.end <= bytes.len() as u64);
}

fn run_formats(bytes: &[u8], name: &str) {
    let limits = limits();
    let archive = ArchiveLimits { max_entry_bytes: 1 << 20, max_total_bytes: 4 << 20, ..ArchiveLimits::default() };
    let mut ctx = Ctx { limits: &limits, archive: &archive, issues: Vec::new(), formats: Vec::new(), inflated: 0 };
    let head = &bytes[..bytes.len().min(512)];
    let r = match formats::sniff(head, bytes.len() as u64, name) {
        Some(Format::Zip) => formats::scan_zip(&mut ctx, Cursor::new(bytes), "", 0),
        Some(f) => formats::scan_stream(&mut ctx, f, bytes, "", bytes.len() as u64, 0),
        None => Ok(()),
    };
    r.expect("in-memory reads do not fail");
    assert!(ctx.inflated <= 4 << 20);
}

fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (0..SEEDS.len(), proptest::collection::vec((any::<u16>(), any::<u8>(), 0u8..4), 1..8)).prop_map(|(i, edits)| {
        let mut v = SEEDS[i].to_vec();
        for (pos, byte, kind) in edits {
            if v.is_empty() {
                v.push(byte);
                continue;
            }
            let p = usize::from(pos) % v.len();
            match kind {
                0 => v[p] = byte,
                1 => v.insert(p, byte),
                2 => {
                    v.remove(p);
                }
                _ => v.truncate(p),
            }
        }
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        run_pickle(&bytes);
        for name in ["x.pkl", "x.npy", "x.safetensors", "saved_model.pb", "x.onnx", "config.json", "x"] {
            run_formats(&bytes, name);
        }
    }

    #[test]
    fn mutated_pickles_never_panic(bytes in mutated()) {
        run_pickle(&bytes);
        run_formats(&bytes, "x.pkl");
    }

    #[test]
    fn magic_prefixed_garbage_never_panics(
        magic in prop::sample::select(vec![
            &b"PK\x03\x04"[..], b"PK\x05\x06", b"\x93NUMPY\x01\x00", b"\x93NUMPY\x02\x00", b"GGUF\x03\x00\x00\x00",
            b"\x89HDF\r\n\x1a\n{\"class_name\"", b"\x1f\x8b\x08\x00", b"BZh9", b"\xfd7zXZ\x00", b"\x78\x9c",
            b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.",
        ]),
        tail in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut bytes = magic.to_vec();
        bytes.extend(tail);
        run_formats(&bytes, "x");
    }
}

/// Inputs cargo-fuzz found (tests/fixtures/fuzz-*), replayed as the `sniff` target runs them: the
/// first byte picks the file name, the rest is the content.
#[test]
fn fuzz_regressions_replay() {
    const NAMES: [&str; 8] = ["x", "x.pkl", "x.npy", "saved_model.pb", "x.onnx", "config.json", "x.joblib", "x.h5"];
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        if !path.file_name().is_some_and(|f| f.to_string_lossy().starts_with("fuzz-")) {
            continue;
        }
        let data = std::fs::read(&path).expect("read");
        let Some((&pick, bytes)) = data.split_first() else { continue };
        run_formats(bytes, NAMES[usize::from(pick) % NAMES.len()]);
        run_pickle(&data);
        n += 1;
    }
    assert!(n >= 1, "no fuzz regression fixtures in {}", dir.display());
}

//! Format detection and every format scanner on arbitrary bytes (the first byte picks a name, so
//! the name-dependent formats are reached too): no panic, bounded decompression.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use model_scan::formats::{self, ArchiveLimits, Ctx, Format};
use model_scan::pickle::Limits;

const NAMES: [&str; 8] = ["x", "x.pkl", "x.npy", "saved_model.pb", "x.onnx", "config.json", "x.joblib", "x.h5"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let limits = Limits { max_stack: 4096, max_memo: 4096, max_nodes: 4096, max_items: 16384, ..Limits::default() };
    let archive = ArchiveLimits { max_entry_bytes: 1 << 20, max_total_bytes: 4 << 20, ..ArchiveLimits::default() };
    let mut ctx = Ctx { limits: &limits, archive: &archive, issues: Vec::new(), formats: Vec::new(), inflated: 0 };
    let head = &bytes[..bytes.len().min(512)];
    let r = match formats::sniff(head, bytes.len() as u64, name) {
        Some(Format::Zip) => formats::scan_zip(&mut ctx, Cursor::new(bytes), "", 0),
        Some(f) => formats::scan_stream(&mut ctx, f, bytes, "", bytes.len() as u64, 0),
        None => Ok(()),
    };
    r.expect("in-memory reads do not fail");
});

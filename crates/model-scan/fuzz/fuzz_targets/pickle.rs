//! The pickle machine on arbitrary bytes: no panic, work bounded by the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model_scan::input::Input;
use model_scan::pickle::{self, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_stack: 4096, max_memo: 4096, max_nodes: 4096, max_items: 16384, ..Limits::default() };
    let mut input = Input::new(data);
    let o = pickle::scan(&mut input, &limits).expect("in-memory reads do not fail");
    assert!(o.ops <= data.len() as u64);
});

//! Pickle machine throughput on a large generated pickle, and joblib array skipping.
//!
//! `cargo bench -p model-scan --bench model_scan`

use divan::Bencher;
use model_scan::input::Input;
use model_scan::pickle::{self, Limits};

fn main() {
    divan::main();
}

/// A protocol-4 pickle of a dict of `n` string keys to small lists of ints and floats, with memo
/// traffic and a few allowlisted globals: what a tokenizer or a state dict's metadata looks like.
fn big_pickle(n: u32) -> Vec<u8> {
    let mut p = vec![0x80, 4];
    p.extend(b"\x8c\x0bcollections\x94\x8c\x0bOrderedDict\x94\x93\x94)R\x94(");
    for i in 0..n {
        // Batches of 1000 items, as pickle writes them.
        if i > 0 && i % 500 == 0 {
            p.extend(b"u(");
        }
        let key = format!("layer{i}.weight");
        p.push(0x8c);
        p.push(u8::try_from(key.len()).unwrap_or(255));
        p.extend(key.as_bytes());
        p.push(0x94);
        p.extend(b"](");
        for j in 0..8u8 {
            p.extend([b'K', j]);
            p.push(b'G');
            p.extend(1.5f64.to_be_bytes());
        }
        p.extend(b"e\x94");
    }
    p.extend(b"u.");
    p
}

/// A joblib dump of one float64 array of `mib` MiB (wrapper, alignment padding, raw data).
fn joblib_array(mib: u64) -> Vec<u8> {
    let count = mib * (1 << 20) / 8;
    let mut p = b"\x80\x04cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}(\x8c\x05shape\x8a\x08".to_vec();
    p.extend(count.to_le_bytes());
    p.extend(b"\x85\x8c\x05dtypecnumpy\ndtype\n\x8c\x02f8\x89\x88\x87R(K\x03\x8c\x01<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb");
    p.extend(b"\x8c\x1bnumpy_array_alignment_bytesK\x10ub\x00");
    p.resize(p.len() + usize::try_from(count * 8).unwrap_or(0), 0x3f);
    p.push(b'.');
    p
}

#[divan::bench(args = [200_000])]
fn vm_throughput(bencher: Bencher<'_, '_>, n: u32) {
    let data = big_pickle(n);
    let limits = Limits::default();
    bencher.counter(divan::counter::BytesCount::new(data.len())).bench(|| {
        let mut input = Input::new(&data[..]);
        let o = pickle::scan(&mut input, &limits).unwrap_or_default();
        assert!(o.complete && o.hits.is_empty(), "{:?}", o.hits);
        o.ops
    });
}

#[divan::bench(args = [256])]
fn joblib_skip(bencher: Bencher<'_, '_>, mib: u64) {
    let data = joblib_array(mib);
    let limits = Limits::default();
    bencher.counter(divan::counter::BytesCount::new(data.len())).bench(|| {
        let mut input = Input::new(&data[..]);
        let o = pickle::scan(&mut input, &limits).unwrap_or_default();
        assert!(o.complete && o.hits.is_empty(), "{:?}", o.hits);
        o.skipped_array_bytes
    });
}

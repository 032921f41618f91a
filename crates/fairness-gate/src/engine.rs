//! The streaming pass: one read of the CSV, per-group confusion counts for every grouping.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use rustc_hash::FxHashMap;

use sha2::{Digest, Sha256};

use crate::FairnessError;

#[cfg(feature = "parquet")]
mod pq;

/// Where the predicted label comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum PredSource {
    /// A column holding the predicted label (same encoding as the label column).
    Prediction(String),
    /// A score column; predicted positive when `score >= threshold`.
    Score {
        /// The column.
        column: String,
        /// The decision threshold (rule `>=`).
        threshold: f64,
    },
}

/// What to do with a row whose sensitive value is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissingSensitive {
    /// Exit 2 naming the row and column (the default).
    Error,
    /// Drop the row from every grouping and from the overall counts; the number dropped is reported.
    Drop,
    /// Keep the row; the empty value becomes its own group, keyed `<missing>`.
    Group,
}

/// The group key used for an empty sensitive value under [`MissingSensitive::Group`].
pub const MISSING_KEY: &str = "<missing>";

/// The columns and encodings of one input.
#[derive(Debug, Clone)]
pub struct InputSpec {
    /// The predictions file (CSV with a header row).
    pub path: PathBuf,
    /// The true label column.
    pub label: String,
    /// The predicted label or score column.
    pub pred: PredSource,
    /// The positive label as text; `None` means labels must be `0`/`1`.
    pub pos_label: Option<String>,
    /// Sensitive columns, each its own grouping.
    pub sensitive: Vec<String>,
    /// Intersections: each a list of sensitive columns grouped together.
    pub intersect: Vec<Vec<String>>,
    /// Optional sample-weight column.
    pub weight: Option<String>,
    /// Missing sensitive value policy.
    pub missing_sensitive: MissingSensitive,
}

/// Confusion counts, unweighted (`n*`) and weighted (`w*`). Index: `[tn, fp, fn, tp]` (sklearn's
/// `confusion_matrix(...).ravel()` order).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Cells {
    /// Unweighted tn, fp, fn, tp.
    pub n: [u64; 4],
    /// Weighted tn, fp, fn, tp (equal to `n` when there is no weight column).
    pub w: [f64; 4],
}

impl Cells {
    #[inline]
    fn add(&mut self, y: bool, p: bool, w: f64) {
        let i = (usize::from(y) << 1) | usize::from(p);
        self.n[i] += 1;
        self.w[i] += w;
    }
    /// Adds an unweighted row (the weights are filled from the counts at the end).
    #[inline]
    fn add_unweighted(&mut self, y: bool, p: bool) {
        self.n[(usize::from(y) << 1) | usize::from(p)] += 1;
    }
    fn fill_unit_weights(&mut self) {
        self.w = self.n.map(|n| n as f64);
    }
    /// Total unweighted rows.
    pub fn rows(&self) -> u64 {
        self.n.iter().sum()
    }
    /// Unweighted true positives (label positive).
    pub fn positives(&self) -> u64 {
        self.n[2] + self.n[3]
    }
    /// Unweighted true negatives (label negative).
    pub fn negatives(&self) -> u64 {
        self.n[0] + self.n[1]
    }
    fn merge(&mut self, o: &Cells) {
        for i in 0..4 {
            self.n[i] += o.n[i];
            self.w[i] += o.w[i];
        }
    }
}

/// One grouping's result: its columns and each observed group's counts.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupingCounts {
    /// The columns (one for a single sensitive feature, several for an intersection).
    pub columns: Vec<String>,
    /// Observed groups, key parts in column order, sorted by key.
    pub groups: Vec<(Vec<String>, Cells)>,
    /// Combinations of observed per-column values with no row (intersections only).
    pub empty_intersections: Vec<Vec<String>>,
}

/// Everything the pass produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Counts {
    /// All kept rows.
    pub overall: Cells,
    /// Per grouping, in the order: each `--sensitive`, then each `--intersect`.
    pub groupings: Vec<GroupingCounts>,
    /// Rows read (data rows, header excluded).
    pub rows_read: u64,
    /// Rows dropped for a missing sensitive value.
    pub rows_dropped_missing: u64,
    /// sha256 of the input bytes.
    pub input_sha256: String,
}

/// A reader that hashes what passes through it.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

fn col_index(headers: &csv::ByteRecord, name: &str, flag: &str, path: &Path) -> Result<usize, FairnessError> {
    headers.iter().position(|h| h == name.as_bytes()).ok_or_else(|| FairnessError::MissingColumn {
        path: path.to_owned(),
        column: name.to_owned(),
        flag: flag.to_owned(),
        available: headers.iter().map(|h| String::from_utf8_lossy(h).into_owned()).collect::<Vec<_>>().join(", "),
    })
}

fn field(rec: &csv::ByteRecord, i: usize) -> &[u8] {
    rec.get(i).unwrap_or(b"")
}

/// Interns one column's values: raw bytes -> dense id. Sensitive columns usually hold a handful of
/// values, so a linear scan over them beats hashing; past [`Interner::SCAN`] values an FxHash map
/// (no SipHash: the keys are not attacker-chosen in a way that matters for a one-shot CI tool) takes over.
#[derive(Default, Clone)]
pub(crate) struct Interner {
    ids: FxHashMap<Box<[u8]>, u32>,
    values: Vec<Box<[u8]>>,
    /// `values` packed for the scan: values of at most 8 bytes as (bytes as an integer, length).
    packed: Vec<(u64, usize)>,
}

/// A value of at most 8 bytes as an integer (zero padded; the length disambiguates).
#[inline(always)]
fn pack(v: &[u8]) -> Option<u64> {
    if v.len() > 8 {
        return None;
    }
    // A byte loop, not `copy_from_slice` (a variable-length memcpy call in the hot loop).
    let mut x = 0u64;
    for (i, &c) in v.iter().enumerate() {
        x |= u64::from(c) << (8 * i);
    }
    Some(x)
}

impl Interner {
    const SCAN: usize = 16;

    #[inline]
    fn id(&mut self, v: &[u8]) -> u32 {
        self.id_packed(v, None)
    }

    /// [`Interner::id`] with the value already packed by the caller (see [`pack`]), when it could.
    #[inline(always)]
    fn id_packed(&mut self, v: &[u8], packed: Option<u64>) -> u32 {
        if self.values.len() <= Self::SCAN {
            // Integer compares instead of a memcmp call per candidate (long values never match a packed one).
            let found = match packed.or_else(|| pack(v)) {
                Some(x) => {
                    // Branch-free scan of all candidates: group values arrive in random order, so an
                    // early exit would mispredict.
                    let mut found = None;
                    for (i, &(p, l)) in self.packed.iter().enumerate() {
                        if p == x && l == v.len() {
                            found = Some(i);
                        }
                    }
                    found
                }
                None => self.values.iter().position(|x| **x == *v),
            };
            if let Some(i) = found {
                return i as u32;
            }
        } else if let Some(&id) = self.ids.get(v) {
            return id;
        }
        let id = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        self.values.push(v.into());
        // Long values get an entry no packed value can equal (length 9+).
        self.packed.push(pack(v).map_or((u64::MAX, usize::MAX), |x| (x, v.len())));
        if self.values.len() > Self::SCAN {
            if self.ids.is_empty() {
                for (i, x) in self.values.iter().enumerate() {
                    self.ids.insert(x.clone(), i as u32);
                }
            } else {
                self.ids.insert(v.into(), id);
            }
        }
        id
    }

    fn name(&self, id: usize) -> String {
        let v = &self.values[id];
        if v.is_empty() { MISSING_KEY.to_owned() } else { String::from_utf8_lossy(v).into_owned() }
    }
}

#[inline(always)]
fn binary(v: &[u8], pos: Option<&[u8]>) -> Option<bool> {
    match pos {
        Some(p) => Some(v == p),
        None => match v {
            // One byte, `0` or `1`: the verdict without a branch on the value (labels are random).
            &[b] => (b & !1 == b'0').then_some(b & 1 == 1),
            b"1.0" => Some(true),
            b"0.0" => Some(false),
            _ => None,
        },
    }
}

/// Exact powers of ten (all representable in an f64).
const POW10: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/// Parses a decimal number from raw bytes, with exactly the result of `str::trim().parse::<f64>()`.
///
/// Hand-written because this is the hot loop: the common form `[+-]digits[.digits]` with at most 15
/// digits is Clinger's fast path (the digits as an integer below 2^53 divided by an exact power of ten:
/// one correctly rounded IEEE division, hence the same value as the correctly rounded std parser).
/// Everything else (exponents, `inf`, `NaN`, whitespace, more digits) goes to the std parser.
#[inline(always)]
pub(crate) fn parse_f64(b: &[u8]) -> Option<f64> {
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    match decimal(digits) {
        Some((m, frac)) => {
            let v = m as f64 / POW10[frac];
            Some(if neg { -v } else { v })
        }
        None => parse_f64_std(b),
    }
}

/// An unsigned plain decimal `digits[.digits]` with 1 to 15 digits as (digits as an integer, digits
/// after the point); `None` for anything else.
#[inline(always)]
fn decimal(b: &[u8]) -> Option<(u64, usize)> {
    let mut m: u64 = 0;
    let mut nd = 0usize;
    let mut frac = 0usize;
    let mut dot = false;
    for &c in b {
        match c {
            b'0'..=b'9' => {
                m = m.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
                nd += 1;
                frac += usize::from(dot);
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if nd == 0 || nd > 15 { None } else { Some((m, frac)) }
}

/// For each count of decimals `k`, the smallest integer `m` below 10^15 with `m / 10^k >= t` (as
/// parsed, i.e. after correct rounding), or `u64::MAX` if there is none.
///
/// `score >= t` is then `m >= cut[k]` for a plain decimal, exactly: the correctly rounded quotient
/// is monotone in `m`, so the set of `m` that pass is an interval found by bisection. This takes the
/// division out of the hot loop.
fn cuts(t: f64) -> [u64; 16] {
    let mut out = [u64::MAX; 16];
    for (k, slot) in out.iter_mut().enumerate() {
        let pass = |m: u64| m as f64 / POW10[k] >= t;
        let (mut lo, mut hi) = (0u64, 999_999_999_999_999u64);
        if !pass(hi) {
            continue;
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pass(mid) { hi = mid } else { lo = mid + 1 }
        }
        *slot = lo;
    }
    out
}

/// `score >= t` for a score field, or `None` when it is not a number (or NaN).
#[inline(always)]
fn score_passes(b: &[u8], t: f64, cut: &[u64; 16]) -> Option<bool> {
    if let Some((m, frac)) = decimal(b) {
        return Some(m >= cut[frac]);
    }
    let s = parse_f64(b)?;
    if s.is_nan() { None } else { Some(s >= t) }
}

fn parse_f64_std(b: &[u8]) -> Option<f64> {
    std::str::from_utf8(b).ok().and_then(|s| s.trim().parse().ok())
}

/// The resolved column indices of one input.
#[derive(Debug, Clone)]
pub(crate) struct Cols {
    ncols: usize,
    label: usize,
    pred: usize,
    threshold: Option<f64>,
    /// [`cuts`] of the threshold.
    cut: [u64; 16],
    weight: Option<usize>,
    sens: Vec<usize>,
    /// Each intersection as indices into `sens`.
    inter: Vec<Vec<usize>>,
}

fn resolve(spec: &InputSpec, headers: &csv::ByteRecord) -> Result<Cols, FairnessError> {
    let path = &spec.path;
    let label = col_index(headers, &spec.label, "--label", path)?;
    let (pred, threshold) = match &spec.pred {
        PredSource::Prediction(c) => (col_index(headers, c, "--prediction", path)?, None),
        PredSource::Score { column, threshold } => (col_index(headers, column, "--score", path)?, Some(*threshold)),
    };
    let weight = spec.weight.as_deref().map(|w| col_index(headers, w, "--weight", path)).transpose()?;
    let sens: Vec<usize> =
        spec.sensitive.iter().map(|c| col_index(headers, c, "--sensitive", path)).collect::<Result<_, _>>()?;
    let mut inter: Vec<Vec<usize>> = Vec::new();
    for combo in &spec.intersect {
        let mut idx = Vec::new();
        for c in combo {
            match spec.sensitive.iter().position(|s| s == c) {
                Some(i) => idx.push(i),
                None => {
                    // An intersection column must exist in the file; it is not required in --sensitive.
                    col_index(headers, c, "--intersect", path)?;
                    return Err(FairnessError::Usage(format!(
                        "--intersect column `{c}` is not one of the --sensitive columns (add `--sensitive {c}`)"
                    )));
                }
            }
        }
        inter.push(idx);
    }
    let cut = cuts(threshold.unwrap_or(0.0));
    Ok(Cols { ncols: headers.len(), label, pred, threshold, cut, weight, sens, inter })
}

/// Accumulated counts of (part of) the input, with group values interned per column.
#[derive(Clone)]
pub(crate) struct Acc {
    interners: Vec<Interner>,
    single: Vec<Vec<Cells>>,
    inter: Vec<FxHashMap<Box<[u32]>, Cells>>,
    overall: Cells,
    rows_read: u64,
    dropped: u64,
    ids: Vec<u32>,
    key: Vec<u32>,
}

impl Acc {
    fn new(cols: &Cols) -> Acc {
        Acc {
            interners: cols.sens.iter().map(|_| Interner::default()).collect(),
            single: cols.sens.iter().map(|_| Vec::new()).collect(),
            inter: cols.inter.iter().map(|_| FxHashMap::default()).collect(),
            overall: Cells::default(),
            rows_read: 0,
            dropped: 0,
            ids: vec![0; cols.sens.len()],
            key: Vec::new(),
        }
    }

    /// Adds one kept row whose group ids are in `self.ids`.
    #[inline(always)]
    fn add(&mut self, cols: &Cols, y: bool, p: bool, w: f64) {
        let weighted = cols.weight.is_some();
        let put = |c: &mut Cells| if weighted { c.add(y, p, w) } else { c.add_unweighted(y, p) };
        put(&mut self.overall);
        for (k, &id) in self.ids.iter().enumerate() {
            let groups = &mut self.single[k];
            let slot = id as usize;
            if groups.len() <= slot {
                groups.resize(slot + 1, Cells::default());
            }
            put(&mut groups[slot]);
        }
        for (g, combo) in cols.inter.iter().enumerate() {
            self.key.clear();
            self.key.extend(combo.iter().map(|&k| self.ids[k]));
            match self.inter[g].get_mut(self.key.as_slice()) {
                Some(c) => put(c),
                None => {
                    let mut c = Cells::default();
                    put(&mut c);
                    self.inter[g].insert(self.key.clone().into_boxed_slice(), c);
                }
            }
        }
    }

    /// Adds `n` unweighted rows with the same label, prediction and group ids (in `self.ids`).
    pub(crate) fn add_count(&mut self, cols: &Cols, y: bool, p: bool, n: u64) {
        let i = (usize::from(y) << 1) | usize::from(p);
        self.overall.n[i] += n;
        for (k, &id) in self.ids.iter().enumerate() {
            let groups = &mut self.single[k];
            let slot = id as usize;
            if groups.len() <= slot {
                groups.resize(slot + 1, Cells::default());
            }
            groups[slot].n[i] += n;
        }
        for (g, combo) in cols.inter.iter().enumerate() {
            self.key.clear();
            self.key.extend(combo.iter().map(|&k| self.ids[k]));
            match self.inter[g].get_mut(self.key.as_slice()) {
                Some(c) => c.n[i] += n,
                None => {
                    let mut c = Cells::default();
                    c.n[i] = n;
                    self.inter[g].insert(self.key.clone().into_boxed_slice(), c);
                }
            }
        }
    }

    /// Folds another accumulator (another worker's share of the rows) into this one.
    fn merge(&mut self, cols: &Cols, o: Acc) {
        let maps: Vec<Vec<u32>> = o
            .interners
            .iter()
            .enumerate()
            .map(|(k, int)| int.values.iter().map(|v| self.interners[k].id(v)).collect())
            .collect();
        for (k, groups) in o.single.iter().enumerate() {
            for (id, c) in groups.iter().enumerate() {
                let slot = maps[k][id] as usize;
                let mine = &mut self.single[k];
                if mine.len() <= slot {
                    mine.resize(slot + 1, Cells::default());
                }
                mine[slot].merge(c);
            }
        }
        for (g, map) in o.inter.into_iter().enumerate() {
            let combo = &cols.inter[g];
            for (key, c) in map {
                // Key parts are ids of the sensitive columns in combo order: remap each to our ids.
                let key: Box<[u32]> = key.iter().zip(combo).map(|(&id, &k)| maps[k][id as usize]).collect();
                self.inter[g].entry(key).or_default().merge(&c);
            }
        }
        self.overall.merge(&o.overall);
        self.rows_read += o.rows_read;
        self.dropped += o.dropped;
    }
}

/// Why the fast path gave up on a chunk (the careful path then re-reads the file and reports precisely).
#[derive(Debug)]
struct Fallback;

/// A value the row decoder refused: which column, the raw value, why, and a hint.
pub(crate) struct RowError<'s, 'r> {
    pub(crate) column: &'s str,
    pub(crate) value: &'r [u8],
    pub(crate) why: &'static str,
    pub(crate) hint: &'static str,
}

/// Why a value was refused, and how to fix it.
pub(crate) type Why = (&'static str, &'static str);

/// A label (or predicted label) as positive/negative: `pos` compared as text, else `0`/`1`.
#[inline(always)]
pub(crate) fn label_value(v: &[u8], pos: Option<&[u8]>, why: &'static str) -> Result<bool, Why> {
    binary(v, pos).ok_or((why, "pass --pos-label VALUE to name the positive label"))
}

/// `score >= t` for a score written as text.
#[inline(always)]
pub(crate) fn score_value(v: &[u8], t: f64, cut: &[u64; 16]) -> Result<bool, Why> {
    if let Some(p) = score_passes(v, t, cut) {
        return Ok(p);
    }
    let s = parse_f64(v).ok_or(("score is not a number", "scores must be decimal numbers"))?;
    if s.is_nan() {
        return Err(("score is NaN", "fill or drop rows without a score"));
    }
    Ok(s >= t)
}

/// A weight written as text: finite and >= 0.
#[inline(always)]
pub(crate) fn weight_value(v: &[u8]) -> Result<f64, Why> {
    checked_weight(parse_f64(v).unwrap_or(f64::NAN))
}

/// A weight: finite and >= 0.
#[inline(always)]
pub(crate) fn checked_weight(w: f64) -> Result<f64, Why> {
    if !w.is_finite() || w < 0.0 {
        return Err(("weight is not a finite number >= 0", "fix the weight column"));
    }
    Ok(w)
}

/// Decodes one row (fields by column index through `get`) into `acc`. Shared by both CSV paths so
/// that their semantics cannot drift; the Parquet reader uses the same value helpers and
/// [`finish_row`].
#[inline]
fn decode_row<'s, 'r>(
    spec: &'s InputSpec,
    cols: &Cols,
    pos: Option<&[u8]>,
    acc: &mut Acc,
    get: impl Fn(usize) -> &'r [u8],
    packed: impl Fn(usize) -> Option<u64>,
) -> Result<(), RowError<'s, 'r>> {
    acc.rows_read += 1;
    let err = |column: &'s str, value: &'r [u8]| move |(why, hint): Why| RowError { column, value, why, hint };
    let lv = get(cols.label);
    let y = label_value(lv, pos, "label is not 0/1").map_err(err(&spec.label, lv))?;
    let pv = get(cols.pred);
    let p = match cols.threshold {
        None => label_value(pv, pos, "prediction is not 0/1"),
        Some(t) => score_value(pv, t, &cols.cut),
    }
    .map_err(err(spec.pred_column(), pv))?;
    let w = match cols.weight {
        None => 1.0,
        Some(i) => {
            let wv = get(i);
            weight_value(wv).map_err(err(spec.weight.as_deref().unwrap_or("weight"), wv))?
        }
    };
    finish_row(spec, cols, acc, y, p, w, |k| get(cols.sens[k]), |k| packed(cols.sens[k]))
}

/// The sensitive values of a row (by position in `--sensitive`): applies the missing-value policy,
/// interns the values and counts the row.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn finish_row<'s, 'r>(
    spec: &'s InputSpec,
    cols: &Cols,
    acc: &mut Acc,
    y: bool,
    p: bool,
    w: f64,
    sens: impl Fn(usize) -> &'r [u8],
    packed: impl Fn(usize) -> Option<u64>,
) -> Result<(), RowError<'s, 'r>> {
    for k in 0..cols.sens.len() {
        let v = sens(k);
        if v.is_empty() {
            match spec.missing_sensitive {
                MissingSensitive::Error => {
                    return Err(RowError {
                        column: &spec.sensitive[k],
                        value: v,
                        why: "sensitive value is missing",
                        hint: "set missing_sensitive = \"drop\" or \"group\" (--missing-sensitive) to handle it",
                    });
                }
                MissingSensitive::Drop => {
                    acc.dropped += 1;
                    return Ok(());
                }
                MissingSensitive::Group => acc.ids[k] = acc.interners[k].id(b""),
            }
        } else {
            acc.ids[k] = acc.interners[k].id_packed(v, packed(k));
        }
    }
    acc.add(cols, y, p, w);
    Ok(())
}

/// True for a Parquet input: a `.parquet` / `.pq` name, or a file starting with the magic `PAR1`.
pub fn is_parquet(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if matches!(ext.as_deref(), Some("parquet" | "pq")) {
        return true;
    }
    // Only a regular file is sniffed: reading a pipe (`/dev/stdin`, `<(zcat x.csv.gz)`) would
    // consume what the CSV reader needs (and Parquet, with its footer at the end, needs a file).
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| {
            if !f.metadata()?.is_file() {
                return Err(std::io::ErrorKind::Unsupported.into());
            }
            f.read_exact(&mut magic)
        })
        .is_ok()
        && &magic == b"PAR1"
}

/// Which reader to use (tests compare them; [`count`] picks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The fast path when it applies, else the careful one (what the tool uses).
    Auto,
    /// Always the csv crate, single-threaded, with exact row/column errors.
    Careful,
}

/// Run the streaming pass.
pub fn count(spec: &InputSpec) -> Result<Counts, FairnessError> {
    count_with(spec, Reader::Auto)
}

/// Run the streaming pass with a chosen reader.
///
/// The fast path splits the file into chunks at newline boundaries and counts them on all cores,
/// each worker with its own accumulator, merged at the end. It applies to plain comma-separated files
/// and gives up (the careful csv-crate path then re-reads the file) on anything it does not handle
/// itself: a `"` anywhere (quoted fields may hold commas and newlines), a `\r` (CRLF line ends), a
/// UTF-8 BOM, a ragged row, or any value the decoder refuses (so errors always come from the careful
/// path, with their row and column).
pub fn count_with(spec: &InputSpec, reader: Reader) -> Result<Counts, FairnessError> {
    if is_parquet(&spec.path) {
        #[cfg(feature = "parquet")]
        return pq::count(spec);
        #[cfg(not(feature = "parquet"))]
        return Err(FairnessError::Usage(format!(
            "{} is a Parquet file, and this fairness-gate was built without Parquet support\nhint: build with \
             the default `parquet` feature, or convert the file to CSV",
            spec.path.display()
        )));
    }
    if reader == Reader::Auto
        && let Some((cols, acc, sha)) = count_fast(spec)?
    {
        return Ok(assemble(spec, &cols, acc, sha));
    }
    count_careful(spec)
}

fn count_careful(spec: &InputSpec) -> Result<Counts, FairnessError> {
    let path = &spec.path;
    let file = File::open(path).map_err(|source| FairnessError::Io { path: path.clone(), source })?;
    let hashing = HashingReader { inner: file, hasher: Sha256::new() };
    let mut rdr =
        csv::ReaderBuilder::new().has_headers(true).flexible(false).buffer_capacity(1 << 20).from_reader(hashing);
    let csv_err = |e: csv::Error| FairnessError::Csv { path: path.clone(), message: e.to_string() };
    let headers = rdr.byte_headers().map_err(csv_err)?.clone();
    if headers.is_empty() || (headers.len() == 1 && headers.get(0) == Some(b"")) {
        return Err(FairnessError::Empty { path: path.clone() });
    }
    let cols = resolve(spec, &headers)?;
    let pos = spec.pos_label.as_deref().map(str::as_bytes);
    let mut acc = Acc::new(&cols);
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_err(e)),
        }
        let row = acc.rows_read + 1;
        if let Err(e) = decode_row(spec, &cols, pos, &mut acc, |i| field(&rec, i), |_| None) {
            // 1-based file line of this record (header is line 1). The csv crate reports the previous
            // line for CRLF files; a record starts no earlier than line row + 1, which is exact when no
            // quoted field spans lines.
            let line = rec.position().map_or(row + 1, |p| p.line().max(row + 1));
            return Err(FairnessError::BadValue(Box::new(crate::BadValue {
                path: path.clone(),
                line,
                column: e.column.to_owned(),
                value: String::from_utf8_lossy(e.value).chars().take(40).collect(),
                why: e.why.to_owned(),
                hint: e.hint.to_owned(),
            })));
        }
    }
    if acc.rows_read == 0 {
        return Err(FairnessError::Empty { path: path.clone() });
    }
    let sha = hex(&rdr.into_inner().hasher.finalize());
    Ok(assemble(spec, &cols, acc, sha))
}

/// Bytes per chunk handed to a worker.
const CHUNK: usize = 1 << 20;

/// Reads from `r` until `buf` holds at least `target` bytes or the input ends; true at end of input.
fn fill(r: &mut impl Read, buf: &mut Vec<u8>, target: usize) -> std::io::Result<bool> {
    while buf.len() < target {
        let want = (target - buf.len()) as u64;
        if r.by_ref().take(want).read_to_end(buf)? == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Bytes that stop the fast path: quotes (fields may then hold commas and newlines) and CR.
fn unusual(bytes: &[u8]) -> bool {
    memchr::memchr2(b'"', b'\r', bytes).is_some()
}

/// The fast path; `Ok(None)` means "not for this file, use the careful path".
fn count_fast(spec: &InputSpec) -> Result<Option<(Cols, Acc, String)>, FairnessError> {
    count_fast_with(spec, CHUNK)
}

/// Reads from `f` at `offset` until `buf` holds `n` more bytes or the file ends; false at a short read.
fn read_at(f: &mut File, offset: u64, buf: &mut Vec<u8>, n: usize) -> std::io::Result<bool> {
    use std::io::{Seek, SeekFrom};
    f.seek(SeekFrom::Start(offset))?;
    let target = buf.len() + n;
    fill(f, buf, target)?;
    Ok(buf.len() == target)
}

/// [`count_fast`] with blocks of `chunk` bytes (tests use small ones to cut lines everywhere).
///
/// After the header, the file is cut into fixed blocks. Each worker takes the next block, reads it
/// itself (its own file handle) and counts the lines that start in it, reading past its end to
/// finish the last one; it hands the block's bytes to the hashing thread before counting, and that
/// thread feeds them to sha256 in file order. So the one sequential job (sha256) has a core of its
/// own and nothing else, and reading is spread over the workers.
fn count_fast_with(spec: &InputSpec, chunk: usize) -> Result<Option<(Cols, Acc, String)>, FairnessError> {
    let path = &spec.path;
    let io = |source| FairnessError::Io { path: path.clone(), source };
    let mut file = File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        // A pipe cannot be read twice, nor in blocks: the careful path streams it, once.
        return Ok(None);
    }
    let size = meta.len();
    // The header line.
    let mut first = Vec::with_capacity(1 << 16);
    let mut eof = fill(&mut file, &mut first, 1 << 16).map_err(io)?;
    while !eof && memchr::memchr(b'\n', &first).is_none() {
        let target = first.len() * 2;
        eof = fill(&mut file, &mut first, target).map_err(io)?;
    }
    if first.starts_with(b"\xEF\xBB\xBF") {
        return Ok(None);
    }
    let Some(nl) = memchr::memchr(b'\n', &first) else { return Ok(None) };
    if nl == 0 || unusual(&first[..=nl]) {
        return Ok(None);
    }
    let headers: csv::ByteRecord = first[..nl].split(|&b| b == b',').collect();
    // Column errors are reported by the careful path (same message).
    let Ok(cols) = resolve(spec, &headers) else { return Ok(None) };
    first.truncate(nl + 1);
    let header = first;
    drop(file);
    let data_start = header.len() as u64;
    let chunk = chunk.max(1);
    let blocks = usize::try_from(size.saturating_sub(data_start).div_ceil(chunk as u64)).unwrap_or(usize::MAX);
    if blocks == 0 {
        return Ok(None);
    }
    let pos = spec.pos_label.as_deref().map(str::as_bytes);
    // Weighted sums are floating point: one worker keeps them in file order, bit-identical to the
    // careful path and from run to run (unweighted counts are integers, exact in any order).
    let workers = if cols.weight.is_some() {
        1
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, 8)
    };
    let next = AtomicUsize::new(0);
    let bail = AtomicBool::new(false);
    // Block buffers, reused: whichever of the worker and the hashing thread is done with a block
    // last puts its buffer back.
    let pool: &Mutex<Vec<Vec<u8>>> = &Mutex::new(Vec::new());
    let recycle = |pool: &Mutex<Vec<Vec<u8>>>, buf: Arc<Vec<u8>>| {
        if let (Some(b), Ok(mut p)) = (Arc::into_inner(buf), pool.lock()) {
            p.push(b);
        }
    };
    // (block index, its bytes, where the block starts in them, its length).
    type Block = (usize, Arc<Vec<u8>>, usize, usize);
    let (tx, rx) = mpsc::sync_channel::<Block>(workers * 2);
    let (sha, accs) = std::thread::scope(|s| {
        let hashing = s.spawn(move || -> Option<String> {
            let mut hasher = Sha256::new();
            hasher.update(&header);
            let mut waiting: std::collections::BTreeMap<usize, (Arc<Vec<u8>>, usize, usize)> = Default::default();
            let mut want = 0usize;
            for (i, buf, at, len) in rx {
                waiting.insert(i, (buf, at, len));
                while let Some((buf, at, len)) = waiting.remove(&want) {
                    hasher.update(&buf[at..at + len]);
                    recycle(pool, buf);
                    want += 1;
                }
            }
            (want == blocks).then(|| hex(&hasher.finalize()))
        });
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let tx = tx.clone();
                let (next, bail, cols) = (&next, &bail, &cols);
                s.spawn(move || -> std::io::Result<Option<Acc>> {
                    let mut f = File::open(path)?;
                    let mut acc = Acc::new(cols);
                    let mut spans = vec![(0usize, 0usize); cols.ncols];
                    loop {
                        if bail.load(Ordering::Relaxed) {
                            return Ok(None);
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= blocks {
                            return Ok(Some(acc));
                        }
                        let start = data_start + (i * chunk) as u64;
                        let len = usize::try_from((size - start).min(chunk as u64)).unwrap_or(chunk);
                        // The byte before the block too: a line starts at the block's first byte
                        // when that byte follows a newline (the header's, for block 0).
                        let mut buf = pool.lock().ok().and_then(|mut p| p.pop()).unwrap_or_default();
                        buf.clear();
                        buf.reserve(len + 1 + (1 << 11));
                        if !read_at(&mut f, start - 1, &mut buf, len + 1)? {
                            bail.store(true, Ordering::Relaxed);
                            return Ok(None);
                        }
                        let end = len + 1;
                        // The first line that starts in the block (none: a line spans all of it).
                        let own = match memchr::memchr(b'\n', &buf[..end - 1]) {
                            Some(p) => p + 1,
                            None => end,
                        };
                        // Finish the last line past the block's end (not past the end of the file).
                        let mut stop = end;
                        if own < end && buf[end - 1] != b'\n' {
                            let mut more = 1 << 10;
                            loop {
                                let at = buf.len();
                                more = (more * 2).min(1 << 20);
                                read_at(&mut f, start - 1 + at as u64, &mut buf, more)?;
                                if let Some(p) = memchr::memchr(b'\n', &buf[at..]) {
                                    stop = at + p + 1;
                                    break;
                                }
                                if buf.len() < at + more {
                                    stop = buf.len();
                                    break;
                                }
                            }
                        }
                        let buf = Arc::new(buf);
                        if tx.send((i, Arc::clone(&buf), 1, len)).is_err() {
                            return Ok(None);
                        }
                        let lines = &buf[own..stop.max(own)];
                        if unusual(lines) || parse_chunk(lines, spec, cols, pos, &mut acc, &mut spans).is_err() {
                            bail.store(true, Ordering::Relaxed);
                            return Ok(None);
                        }
                        recycle(pool, buf);
                    }
                })
            })
            .collect();
        drop(tx);
        let accs: Vec<std::io::Result<Option<Acc>>> =
            handles.into_iter().map(|h| h.join().unwrap_or(Ok(None))).collect();
        (hashing.join().ok().flatten(), accs)
    });
    let mut merged: Option<Acc> = None;
    for acc in accs {
        let Some(acc) = acc.map_err(io)? else { return Ok(None) };
        match &mut merged {
            None => merged = Some(acc),
            Some(m) => m.merge(&cols, acc),
        }
    }
    let (Some(acc), Some(sha)) = (merged, sha) else { return Ok(None) };
    if acc.rows_read == 0 || bail.load(Ordering::Relaxed) {
        return Ok(None);
    }
    Ok(Some((cols, acc, sha)))
}

/// Marks the bytes of `x` equal to zero: the high bit of each such byte, exactly (no false positives:
/// the additions cannot carry across bytes).
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// Packs the high bit of each byte of `m` (as [`zero_bytes`] leaves them) into the low 8 bits, byte
/// `k` to bit `k` (one multiply: the partial products land on distinct bits, so nothing carries).
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline(always)]
fn gather(m: u64) -> u64 {
    ((m >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// Bitmasks of the separators (`,` or `\n`) and of the newlines among the 64 bytes of `buf` from
/// `base` (bit `j` is byte `base + j`; bytes past the end are neither).
#[inline(always)]
fn block_masks(buf: &[u8], base: usize) -> (u64, u64) {
    match buf.get(base..base + 64).and_then(|b| <&[u8; 64]>::try_from(b).ok()) {
        Some(block) => masks64(block),
        None => {
            let (mut sep, mut nl) = (0u64, 0u64);
            for (j, &b) in buf.get(base..).unwrap_or(&[]).iter().enumerate() {
                sep |= u64::from(b == b',' || b == b'\n') << j;
                nl |= u64::from(b == b'\n') << j;
            }
            (sep, nl)
        }
    }
}

/// [`block_masks`] of a whole block: SSE2 compares and byte masks, 16 bytes at a time (safe
/// wrappers from `safe_arch`; SSE2 is part of every x86_64 CPU).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn masks64(block: &[u8; 64]) -> (u64, u64) {
    use safe_arch::{bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i, set_splat_i8_m128i};
    let comma = set_splat_i8_m128i(b',' as i8);
    let newline = set_splat_i8_m128i(b'\n' as i8);
    let (mut sep, mut nl) = (0u64, 0u64);
    for (j, part) in block.chunks_exact(16).enumerate() {
        let Ok(part) = <&[u8; 16]>::try_from(part) else { continue };
        let v = load_unaligned_m128i(part);
        let n = cmp_eq_mask_i8_m128i(v, newline);
        let c = cmp_eq_mask_i8_m128i(v, comma);
        sep |= u64::from(move_mask_i8_m128i(bitor_m128i(n, c)) as u16) << (16 * j);
        nl |= u64::from(move_mask_i8_m128i(n) as u16) << (16 * j);
    }
    (sep, nl)
}

/// [`block_masks`] of a whole block where SSE2 is not available.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
fn masks64(block: &[u8; 64]) -> (u64, u64) {
    masks64_swar(block)
}

/// [`block_masks`] of a whole block, portable: 8 bytes at a time (SWAR). On x86_64 only the tests
/// use it (to check the SSE2 version against it).
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline(always)]
fn masks64_swar(block: &[u8; 64]) -> (u64, u64) {
    const COMMA: u64 = 0x2c2c_2c2c_2c2c_2c2c;
    const NL: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    let (mut sep, mut nl) = (0u64, 0u64);
    for (j, c) in block.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let n = zero_bytes(x ^ NL);
        sep |= gather(n | zero_bytes(x ^ COMMA)) << (8 * j);
        nl |= gather(n) << (8 * j);
    }
    (sep, nl)
}

/// `score >= t` for a plain decimal score (`digits[.digits]`, at most 8 bytes) given as its bytes
/// `x` (little endian, zero padded) and length; `None` for any other text (the caller then uses
/// [`score_value`]). The same verdict as [`score_passes`], without a loop over the bytes: the dot
/// is found and removed, the digits checked and converted eight at a time (SWAR).
#[inline(always)]
fn score8(x: u64, len: usize, cut: &[u64; 16]) -> Option<bool> {
    const DOT: u64 = 0x2e2e_2e2e_2e2e_2e2e;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    if len == 0 || len > 8 {
        return None;
    }
    let low = |k: usize| if k >= 8 { u64::MAX } else { (1u64 << (8 * k)) - 1 };
    // Padding bytes are 0, never a dot.
    let dots = zero_bytes(x ^ DOT);
    // (Not `count_ones`: baseline x86_64 has no popcnt instruction.)
    let (digits, n, frac) = if dots == 0 {
        (x, len, 0)
    } else if dots & (dots - 1) == 0 {
        let d = (dots.trailing_zeros() / 8) as usize;
        ((x & low(d)) | ((x >> 8) & !low(d)), len - 1, len - 1 - d)
    } else {
        return None;
    };
    if n == 0 {
        return None;
    }
    // The n digits moved to the top bytes (the least significant end), '0' above them.
    let y = (digits << (8 * (8 - n))) | (ZEROS & low(8 - n));
    // Every byte an ASCII digit.
    if (y & 0xf0f0_f0f0_f0f0_f0f0) | (((y.wrapping_add(0x0606_0606_0606_0606)) & 0xf0f0_f0f0_f0f0_f0f0) >> 4)
        != 0x3333_3333_3333_3333
    {
        return None;
    }
    // Eight digits to an integer, first byte most significant.
    let v = y - ZEROS;
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    let v = ((v & 0x0000_00ff_0000_00ff)
        .wrapping_mul(100 + (1_000_000 << 32))
        .wrapping_add(((v >> 16) & 0x0000_00ff_0000_00ff).wrapping_mul(1 + (10_000 << 32))))
        >> 32;
    Some(v >= cut[frac])
}

/// Counts every row of a chunk of whole lines (no quotes, no CR: checked by the reader).
///
/// Hand-written scanner (safe code) because the separators are dense (a field every few bytes) and
/// the csv crate's general state machine was the hot spot: separator positions come 64 bytes at a
/// time as bitmasks (SWAR), and each row takes exactly `ncols` of them (a loop the branch predictor
/// learns), checking that only the last one is a newline (else the row is ragged: fall back).
fn parse_chunk(
    buf: &[u8],
    spec: &InputSpec,
    cols: &Cols,
    pos: Option<&[u8]>,
    acc: &mut Acc,
    spans: &mut [(usize, usize)],
) -> Result<(), Fallback> {
    let n = cols.ncols;
    let len = buf.len();
    let mut base = 0usize;
    let (mut sep, mut nl) = block_masks(buf, 0);
    let mut start = 0usize;
    // Values of up to 8 bytes packed by one unaligned load and a mask (branch-free, unlike a loop
    // over a value of random length), when 8 bytes remain in the chunk.
    let packed = |(s, e): (usize, usize)| -> Option<u64> {
        let len = e - s;
        let w = buf.get(s..s + 8)?;
        if len > 8 {
            return None;
        }
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        Some(if len == 8 { x } else { x & ((1u64 << (8 * len)) - 1) })
    };
    // Per sensitive column: 64 slots of (packed value, length, id); length 0 never matches a value
    // that takes this path (empty values do not).
    let mut caches = vec![[(0u64, 0u8, 0u32); 64]; cols.sens.len()];
    // Unweighted rows whose group ids are all below 16, with at most 3 sensitive columns, are
    // counted in a histogram of (label, prediction, ids) codes, expanded into the groupings (and
    // intersections) once per chunk: one increment per row instead of one per grouping.
    let hist_bits = 2 + 4 * cols.sens.len();
    let mut hist = if cols.weight.is_none() && cols.sens.len() <= 3 { vec![0u32; 1 << hist_bits] } else { Vec::new() };
    'rows: while start < len {
        let line_start = start;
        for (f, span) in spans.iter_mut().enumerate().take(n) {
            while sep == 0 {
                base += 64;
                if base >= len {
                    break;
                }
                (sep, nl) = block_masks(buf, base);
            }
            // No separator left: the chunk's last line has no newline (the end of the file).
            let (p, at_nl) = if sep == 0 {
                (len, true)
            } else {
                let t = sep.trailing_zeros();
                sep &= sep - 1;
                (base + t as usize, (nl >> t) & 1 == 1)
            };
            *span = (start, p);
            start = p + 1;
            if at_nl != (f + 1 == n) {
                if f == 0 && at_nl && p == line_start {
                    // An empty line (skipped, as the csv crate does).
                    continue 'rows;
                }
                return Err(Fallback);
            }
        }
        let sp: &[(usize, usize)] = spans;
        if cols.weight.is_none() {
            // The common shape (no weight), with a score judged by `score8`.
            let lv = &buf[sp[cols.label].0..sp[cols.label].1];
            let y = label_value(lv, pos, "").map_err(|_| Fallback)?;
            let ps = sp[cols.pred];
            let p = match cols.threshold {
                Some(t) => match packed(ps).and_then(|x| score8(x, ps.1 - ps.0, &cols.cut)) {
                    Some(p) => p,
                    None => score_value(&buf[ps.0..ps.1], t, &cols.cut).map_err(|_| Fallback)?,
                },
                None => label_value(&buf[ps.0..ps.1], pos, "").map_err(|_| Fallback)?,
            };
            acc.rows_read += 1;
            // Group ids through a small direct-mapped cache per column (packed value -> id), in
            // front of the interner; an empty value takes the general path (the missing policy).
            let mut general = false;
            let mut code = (usize::from(y) << 1) | usize::from(p);
            let mut small = !hist.is_empty();
            for (k, cache) in caches.iter_mut().enumerate() {
                let s = sp[cols.sens[k]];
                let (Some(x), false) = (packed(s), s.0 == s.1) else {
                    general = true;
                    break;
                };
                let len = (s.1 - s.0) as u8;
                let slot = &mut cache[(x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58) as usize];
                let id = if slot.0 == x && slot.1 == len {
                    slot.2
                } else {
                    let id = acc.interners[k].id_packed(&buf[s.0..s.1], Some(x));
                    *slot = (x, len, id);
                    id
                };
                acc.ids[k] = id;
                small &= id < 16;
                code |= ((id & 15) as usize) << (2 + 4 * k);
            }
            if general {
                acc.rows_read -= 1;
                slow_row(buf, sp, spec, cols, pos, acc)?;
            } else if small {
                hist[code] += 1;
            } else {
                acc.add(cols, y, p, 1.0);
            }
        } else {
            slow_row(buf, sp, spec, cols, pos, acc)?;
        }
    }
    for (code, &n) in hist.iter().enumerate() {
        if n > 0 {
            for k in 0..cols.sens.len() {
                acc.ids[k] = ((code >> (2 + 4 * k)) & 15) as u32;
            }
            acc.add_count(cols, code & 2 != 0, code & 1 != 0, u64::from(n));
        }
    }
    Ok(())
}

/// A row of [`parse_chunk`] outside its common shape (a weight column, an empty sensitive value),
/// decoded by the general [`decode_row`] (kept out of line so that the hot loop keeps its registers).
#[inline(never)]
fn slow_row(
    buf: &[u8],
    sp: &[(usize, usize)],
    spec: &InputSpec,
    cols: &Cols,
    pos: Option<&[u8]>,
    acc: &mut Acc,
) -> Result<(), Fallback> {
    decode_row(spec, cols, pos, acc, |i| &buf[sp[i].0..sp[i].1], |_| None).map_err(|_| Fallback)
}

/// Turns interned counts into the sorted, named result.
fn assemble(spec: &InputSpec, cols: &Cols, acc: Acc, input_sha256: String) -> Counts {
    let Acc { interners, mut single, mut inter, mut overall, rows_read, dropped, .. } = acc;
    if cols.weight.is_none() {
        // Unweighted rows were counted only in `n`; each weight is 1.
        overall.fill_unit_weights();
        single.iter_mut().flatten().for_each(Cells::fill_unit_weights);
        inter.iter_mut().flat_map(|m| m.values_mut()).for_each(Cells::fill_unit_weights);
    }
    let mut groupings = Vec::new();
    for (k, col) in spec.sensitive.iter().enumerate() {
        let mut groups: Vec<(Vec<String>, Cells)> = Vec::new();
        for (id, c) in single[k].iter().enumerate() {
            if c.rows() > 0 {
                groups.push((vec![interners[k].name(id)], *c));
            }
        }
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        groupings.push(GroupingCounts { columns: vec![col.clone()], groups, empty_intersections: Vec::new() });
    }
    for (g, combo) in cols.inter.iter().enumerate() {
        let mut groups: Vec<(Vec<String>, Cells)> = inter[g]
            .iter()
            .map(|(key, c)| (key.iter().zip(combo).map(|(&id, &k)| interners[k].name(id as usize)).collect(), *c))
            .collect();
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        // Empty intersections: the cartesian product of each column's observed values minus observed keys.
        let per_col: Vec<Vec<String>> = combo
            .iter()
            .map(|&k| {
                let mut v: Vec<String> = single[k]
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.rows() > 0)
                    .map(|(id, _)| interners[k].name(id))
                    .collect();
                v.sort();
                v
            })
            .collect();
        let observed: std::collections::HashSet<&Vec<String>> = groups.iter().map(|(k, _)| k).collect();
        let mut empty = Vec::new();
        let total: usize = per_col.iter().map(Vec::len).product();
        if total <= 100_000 {
            let mut idx = vec![0usize; per_col.len()];
            for _ in 0..total {
                let k: Vec<String> = idx.iter().zip(&per_col).map(|(&i, vals)| vals[i].clone()).collect();
                if !observed.contains(&k) {
                    empty.push(k);
                }
                for d in (0..idx.len()).rev() {
                    idx[d] += 1;
                    if idx[d] < per_col[d].len() {
                        break;
                    }
                    idx[d] = 0;
                }
            }
        }
        let columns = combo.iter().map(|&k| spec.sensitive[k].clone()).collect();
        groupings.push(GroupingCounts { columns, groups, empty_intersections: empty });
    }
    Counts { overall, groupings, rows_read, rows_dropped_missing: dropped, input_sha256 }
}

impl InputSpec {
    fn pred_column(&self) -> &str {
        match &self.pred {
            PredSource::Prediction(c) => c,
            PredSource::Score { column, .. } => column,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Merge counts of several groups (used for the reference-group mode's complement).
pub fn sum<'a>(cells: impl Iterator<Item = &'a Cells>) -> Cells {
    let mut out = Cells::default();
    for c in cells {
        out.merge(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn spec(path: &Path, pred: PredSource, weight: bool, missing: MissingSensitive) -> InputSpec {
        InputSpec {
            path: path.to_owned(),
            label: "y".into(),
            pred,
            pos_label: None,
            sensitive: vec!["a".into(), "b".into()],
            intersect: vec![vec!["a".into(), "b".into()]],
            weight: weight.then(|| "w".into()),
            missing_sensitive: missing,
        }
    }

    /// A deterministic pseudo-random file of `rows` rows (xorshift), with scores in several spellings,
    /// many group values (past the interner's scan limit), empty sensitive values, and an empty line.
    fn write_file(dir: &Path, rows: usize, eol: &str, quote: bool) -> PathBuf {
        let path = dir.join(format!("d{rows}{}{quote}.csv", eol.len()));
        let mut f = std::io::BufWriter::new(File::create(&path).expect("create"));
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        write!(f, "y,s,p,a,b,w{eol}").expect("write");
        let spellings = ["0.5", "0.4999", "5e-1", ".5", "1", "0", "-0.25", "+0.75", " 0.6", "0.50000000000000001"];
        for i in 0..rows {
            let r = next();
            let y = r & 1;
            let p = (r >> 1) & 1;
            let s = if r % 7 == 0 {
                spellings[(r >> 8) as usize % spellings.len()].to_owned()
            } else {
                format!("{}.{:04}", (r >> 3) % 2, (r >> 9) % 10_000)
            };
            let a = if r % 101 == 0 { String::new() } else { format!("g{}", (r >> 20) % 40) };
            let b = ["x", "yy", "a-rather-long-group-name"][((r >> 30) % 3) as usize];
            let b = if quote && i == rows / 2 { "\"q,uoted\"" } else { b };
            let w = format!("{}.{}", (r >> 40) % 5, (r >> 44) % 10);
            write!(f, "{y},{s},{p},{a},{b},{w}{eol}").expect("write");
            if i == 10 {
                write!(f, "{eol}").expect("write");
            }
        }
        drop(f);
        path
    }

    fn both(sp: &InputSpec) -> (Counts, Counts) {
        (count_with(sp, Reader::Auto).expect("auto"), count_with(sp, Reader::Careful).expect("careful"))
    }

    #[test]
    fn fast_path_equals_the_csv_crate_path_over_many_chunks() {
        let dir = tempfile::tempdir().expect("tempdir");
        // ~6 MB: more than one chunk, so several workers and a merge.
        let path = write_file(dir.path(), 300_000, "\n", false);
        for (pred, weight, missing) in [
            (PredSource::Score { column: "s".into(), threshold: 0.5 }, false, MissingSensitive::Group),
            (PredSource::Score { column: "s".into(), threshold: 0.1 }, true, MissingSensitive::Drop),
            (PredSource::Prediction("p".into()), false, MissingSensitive::Drop),
        ] {
            let sp = spec(&path, pred, weight, missing);
            assert!(count_fast(&sp).expect("fast").is_some(), "the fast path applies to a plain file");
            let (auto, careful) = both(&sp);
            assert_eq!(auto, careful);
            assert_eq!(auto.rows_read, 300_000);
            assert!(auto.groupings[0].groups.len() > Interner::SCAN, "exercises the hashed interner");
        }
    }

    #[test]
    fn blocks_of_any_size_count_every_line_once_and_hash_the_whole_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_file(dir.path(), 2_000, "\n", false);
        // The same rows without the final newline.
        let trimmed = dir.path().join("trimmed.csv");
        let bytes = std::fs::read(&path).expect("read");
        std::fs::write(&trimmed, &bytes[..bytes.len() - 1]).expect("write");
        for p in [&path, &trimmed] {
            for (weight, missing) in [(false, MissingSensitive::Group), (true, MissingSensitive::Drop)] {
                let sp = spec(p, PredSource::Score { column: "s".into(), threshold: 0.5 }, weight, missing);
                let careful = count_with(&sp, Reader::Careful).expect("careful");
                for chunk in [1, 2, 3, 7, 16, 63, 64, 65, 1000, CHUNK] {
                    let (cols, acc, sha) = count_fast_with(&sp, chunk).expect("fast").expect("the fast path applies");
                    assert_eq!(assemble(&sp, &cols, acc, sha), careful, "{} in blocks of {chunk}", p.display());
                }
            }
        }
    }

    /// Differential test: random small files (odd labels, scores in many spellings, empty and long
    /// group values, bad weights, ragged rows, blank lines, with and without a final newline), cut
    /// into blocks of several sizes: whenever the fast path answers, it answers exactly what the
    /// careful path does (counts and sha256, or the careful path's error means it must not answer).
    #[test]
    fn random_files_count_the_same_on_both_paths() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut x: u64 = 0x853c_49e6_748f_ea9b;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // Values that every path accepts, and (rarely, so that many files have none) values that
        // some policy refuses.
        let labels = (["0", "1", "1", "0", "1.0", "0.0"], ["2", "", "yes"]);
        let scores = (
            [
                "0.5",
                "0.4999",
                "1",
                "0",
                ".5",
                "5.",
                "12345678",
                "123456789",
                "0.123456789012345678",
                " 0.3",
                "1e-3",
                "-0.5",
                "+.5",
                "0.49999999",
                "0.50000001",
            ],
            ["", "nan", "NaN", "0.5.1", "..", "0x1"],
        );
        let groups = (["a", "b", "b", "ccccccccc", "dd", "\u{e9}", "a b", "12345678"], [""]);
        let weights = (["1", "0.5", "2.25", "3", "0"], ["", "-1", "abc"]);
        fn pick<const G: usize, const B: usize>(
            r: u64,
            (good, bad): ([&'static str; G], [&'static str; B]),
        ) -> &'static str {
            if r.is_multiple_of(300) { bad[(r >> 9) as usize % B] } else { good[(r >> 9) as usize % G] }
        }
        let path = dir.path().join("r.csv");
        let mut fast_answers = 0;
        for case in 0..400 {
            let mut text = String::from("y,s,p,a,b,w\n");
            for _ in 0..1 + next() % 40 {
                let r = next();
                if r % 37 == 0 {
                    text.push('\n');
                    continue;
                }
                let score = if r % 3 == 0 {
                    format!("{}.{:0w$}", (r >> 8) % 3, (r >> 12) % 10_000, w = 1 + ((r >> 30) % 6) as usize)
                } else {
                    pick(next(), scores).to_owned()
                };
                let mut fields = vec![
                    pick(next(), labels).to_owned(),
                    score,
                    pick(next(), labels).to_owned(),
                    pick(next(), groups).to_owned(),
                    pick(next(), groups).to_owned(),
                    pick(next(), weights).to_owned(),
                ];
                match r % 401 {
                    0 => {
                        fields.pop();
                    }
                    1 => fields.push("extra".into()),
                    _ => {}
                }
                text.push_str(&fields.join(","));
                text.push('\n');
            }
            if case % 2 == 0 {
                text.pop();
            }
            std::fs::write(&path, &text).expect("write");
            for (pred, weight, missing) in [
                (PredSource::Score { column: "s".into(), threshold: 0.5 }, false, MissingSensitive::Group),
                (PredSource::Score { column: "s".into(), threshold: 0.5 }, false, MissingSensitive::Error),
                (PredSource::Score { column: "s".into(), threshold: 0.3 }, true, MissingSensitive::Drop),
                (PredSource::Prediction("p".into()), false, MissingSensitive::Drop),
            ] {
                let sp = spec(&path, pred, weight, missing);
                let careful = count_with(&sp, Reader::Careful).map_err(|e| e.to_string());
                let auto = count_with(&sp, Reader::Auto).map_err(|e| e.to_string());
                assert_eq!(auto, careful, "case {case}:\n{text}");
                for chunk in [1, 5, 64, CHUNK] {
                    match count_fast_with(&sp, chunk) {
                        Ok(Some((cols, acc, sha))) => {
                            fast_answers += 1;
                            let fast = Ok(assemble(&sp, &cols, acc, sha));
                            assert_eq!(fast, careful, "case {case}, blocks of {chunk}:\n{text}");
                        }
                        Ok(None) => {}
                        Err(e) => panic!("case {case}: the fast path failed: {e}"),
                    }
                }
            }
        }
        // Not a vacuous test: the fast path answered for many of the files.
        assert!(fast_answers > 400, "the fast path answered only {fast_answers} times");
    }

    #[test]
    fn quotes_crlf_and_bad_values_fall_back_to_the_careful_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let score = || PredSource::Score { column: "s".into(), threshold: 0.5 };
        for path in [write_file(dir.path(), 5_000, "\r\n", false), write_file(dir.path(), 5_000, "\n", true)] {
            let sp = spec(&path, score(), false, MissingSensitive::Group);
            assert!(count_fast(&sp).expect("fast").is_none(), "{} must not take the fast path", path.display());
            let (auto, careful) = both(&sp);
            assert_eq!(auto, careful);
        }
        // A missing sensitive value under the default policy: the error (with its line) comes from
        // the careful path either way.
        let path = write_file(dir.path(), 5_000, "\n", false);
        let sp = spec(&path, score(), false, MissingSensitive::Error);
        let auto = count_with(&sp, Reader::Auto).expect_err("missing value").to_string();
        let careful = count_with(&sp, Reader::Careful).expect_err("missing value").to_string();
        assert_eq!(auto, careful);
        assert!(auto.contains("column `a`: sensitive value is missing"), "{auto}");
    }

    #[test]
    fn separator_masks_equal_a_byte_loop() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..2_000 {
            let mut block = [0u8; 64];
            for b in &mut block {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = [b',', b'\n', b'a', b'0', b'.', 0x8a, 0xac, b'"'][(x % 8) as usize];
            }
            let (mut sep, mut nl) = (0u64, 0u64);
            for (j, &b) in block.iter().enumerate() {
                sep |= u64::from(b == b',' || b == b'\n') << j;
                nl |= u64::from(b == b'\n') << j;
            }
            assert_eq!(masks64(&block), (sep, nl), "{block:?}");
            assert_eq!(masks64_swar(&block), (sep, nl), "{block:?}");
            // A short tail (the end of a chunk) goes through the byte loop.
            assert_eq!(block_masks(&block[..40], 0), (sep & ((1 << 40) - 1), nl & ((1 << 40) - 1)));
        }
    }

    #[test]
    fn swar_scores_judge_like_the_byte_parser() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let alphabet = b"0123456789..-+e x";
        for t in [0.5, 0.1, 1.0 / 3.0, 0.0, 0.99999, 12.5, 1e-7] {
            let cut = cuts(t);
            for i in 0..200_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let len = 1 + (x % 8) as usize;
                // Mostly digits and one dot; sometimes anything from the alphabet.
                let text: Vec<u8> = (0..len)
                    .map(|j| {
                        let r = (x >> (8 + 6 * j)) as usize;
                        if i % 4 == 0 { alphabet[r % alphabet.len()] } else { alphabet[r % 11] }
                    })
                    .collect();
                let mut padded = [0u8; 8];
                padded[..len].copy_from_slice(&text);
                let packed = u64::from_le_bytes(padded);
                if let Some(v) = score8(packed, len, &cut) {
                    let s = String::from_utf8_lossy(&text);
                    assert_eq!(Some(v), score_passes(&text, t, &cut), "{s} >= {t}");
                    let std: f64 = s.parse().expect("score8 accepted only numbers");
                    assert_eq!(v, std >= t, "{s} >= {t}");
                }
            }
            // The plain forms are always taken by score8.
            for text in ["0.5", "0.4999", "1", "0", ".5", "5.", "12345678", "0.000001", "1.000000"] {
                let mut padded = [0u8; 8];
                padded[..text.len()].copy_from_slice(text.as_bytes());
                let got = score8(u64::from_le_bytes(padded), text.len(), &cut);
                assert_eq!(got, Some(text.parse::<f64>().expect("number") >= t), "{text} >= {t}");
            }
        }
    }

    #[test]
    fn decimal_scores_compare_to_the_threshold_exactly_as_parsed() {
        for t in [0.5, 0.1, 0.3, 1.0 / 3.0, 0.0, -1.0, 0.7000000000000001, 1e-300] {
            let cut = cuts(t);
            for text in [
                "0.1",
                "0.3",
                "0.30000000000000004",
                "0.333333333333333",
                "0.3333333333333333",
                "0.7",
                "0.5",
                "0.4999999",
                "1",
                "0",
                "123456789012345",
                "0.000000000000001",
                "-0.1",
                "1e-1",
            ] {
                let std: f64 = text.parse().expect("number");
                assert_eq!(score_passes(text.as_bytes(), t, &cut), Some(std >= t), "{text} >= {t}");
                assert_eq!(parse_f64(text.as_bytes()), Some(std), "{text}");
            }
        }
        assert_eq!(score_passes(b"NaN", 0.5, &cuts(0.5)), None);
    }
}

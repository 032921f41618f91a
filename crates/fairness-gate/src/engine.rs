//! The streaming pass: one read of the CSV, per-group confusion counts for every grouping.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::FairnessError;

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
#[derive(Debug, Clone)]
pub struct GroupingCounts {
    /// The columns (one for a single sensitive feature, several for an intersection).
    pub columns: Vec<String>,
    /// Observed groups, key parts in column order, sorted by key.
    pub groups: Vec<(Vec<String>, Cells)>,
    /// Combinations of observed per-column values with no row (intersections only).
    pub empty_intersections: Vec<Vec<String>>,
}

/// Everything the pass produced.
#[derive(Debug, Clone)]
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

/// Interns one column's values.
#[derive(Default)]
struct Interner {
    ids: HashMap<Box<[u8]>, u32>,
    values: Vec<String>,
}

impl Interner {
    #[inline]
    fn id(&mut self, v: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(v) {
            return id;
        }
        let id = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        self.ids.insert(v.into(), id);
        self.values.push(String::from_utf8_lossy(v).into_owned());
        id
    }
}

fn binary(v: &[u8], pos: Option<&[u8]>) -> Option<bool> {
    match pos {
        Some(p) => Some(v == p),
        None => match v {
            b"1" | b"1.0" => Some(true),
            b"0" | b"0.0" => Some(false),
            _ => None,
        },
    }
}

/// Run the streaming pass.
pub fn count(spec: &InputSpec) -> Result<Counts, FairnessError> {
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
    let label_i = col_index(&headers, &spec.label, "--label", path)?;
    let (pred_i, threshold) = match &spec.pred {
        PredSource::Prediction(c) => (col_index(&headers, c, "--prediction", path)?, None),
        PredSource::Score { column, threshold } => (col_index(&headers, column, "--score", path)?, Some(*threshold)),
    };
    let weight_i = spec.weight.as_deref().map(|w| col_index(&headers, w, "--weight", path)).transpose()?;
    let sens_i: Vec<usize> =
        spec.sensitive.iter().map(|c| col_index(&headers, c, "--sensitive", path)).collect::<Result<_, _>>()?;
    // Each intersection as indices into `spec.sensitive`.
    let mut inter_i: Vec<Vec<usize>> = Vec::new();
    for combo in &spec.intersect {
        let mut idx = Vec::new();
        for c in combo {
            match spec.sensitive.iter().position(|s| s == c) {
                Some(i) => idx.push(i),
                None => {
                    // An intersection column must exist in the file; it is not required in --sensitive.
                    col_index(&headers, c, "--intersect", path)?;
                    return Err(FairnessError::Usage(format!(
                        "--intersect column `{c}` is not one of the --sensitive columns (add `--sensitive {c}`)"
                    )));
                }
            }
        }
        inter_i.push(idx);
    }
    let pos = spec.pos_label.as_deref().map(str::as_bytes);

    let mut interners: Vec<Interner> = sens_i.iter().map(|_| Interner::default()).collect();
    let mut single: Vec<Vec<Cells>> = sens_i.iter().map(|_| Vec::new()).collect();
    let mut inter: Vec<HashMap<Box<[u32]>, Cells>> = inter_i.iter().map(|_| HashMap::new()).collect();
    let mut overall = Cells::default();
    let mut ids: Vec<u32> = vec![0; sens_i.len()];
    let mut key: Vec<u32> = Vec::new();
    let mut rec = csv::ByteRecord::new();
    let mut rows_read = 0u64;
    let mut dropped = 0u64;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_err(e)),
        }
        rows_read += 1;
        // 1-based file line of this record (header is line 1).
        // The csv crate reports the previous line for CRLF files; a record starts no earlier than
        // line rows_read + 1, which is exact when no quoted field spans lines.
        let line = rec.position().map_or(rows_read + 1, |p| p.line().max(rows_read + 1));
        let bad = |column: &str, value: &[u8], why: &str, hint: &str| {
            FairnessError::BadValue(Box::new(crate::BadValue {
                path: path.clone(),
                line,
                column: column.to_owned(),
                value: String::from_utf8_lossy(value).chars().take(40).collect(),
                why: why.to_owned(),
                hint: hint.to_owned(),
            }))
        };
        let lv = field(&rec, label_i);
        let y = binary(lv, pos).ok_or_else(|| {
            bad(&spec.label, lv, "label is not 0/1", "pass --pos-label VALUE to name the positive label")
        })?;
        let pv = field(&rec, pred_i);
        let p = match threshold {
            None => binary(pv, pos).ok_or_else(|| {
                bad(
                    spec.pred_column(),
                    pv,
                    "prediction is not 0/1",
                    "pass --pos-label VALUE to name the positive label",
                )
            })?,
            Some(t) => {
                let s: f64 = std::str::from_utf8(pv).ok().and_then(|s| s.trim().parse().ok()).ok_or_else(|| {
                    bad(spec.pred_column(), pv, "score is not a number", "scores must be decimal numbers")
                })?;
                if s.is_nan() {
                    return Err(bad(spec.pred_column(), pv, "score is NaN", "fill or drop rows without a score"));
                }
                s >= t
            }
        };
        let w = match weight_i {
            None => 1.0,
            Some(i) => {
                let wv = field(&rec, i);
                let w: f64 = std::str::from_utf8(wv).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(f64::NAN);
                if !w.is_finite() || w < 0.0 {
                    let col = spec.weight.as_deref().unwrap_or("weight");
                    return Err(bad(col, wv, "weight is not a finite number >= 0", "fix the weight column"));
                }
                w
            }
        };
        let mut drop_row = false;
        for (k, &ci) in sens_i.iter().enumerate() {
            let v = field(&rec, ci);
            if v.is_empty() {
                match spec.missing_sensitive {
                    MissingSensitive::Error => {
                        return Err(bad(
                            &spec.sensitive[k],
                            v,
                            "sensitive value is missing",
                            "set missing_sensitive = \"drop\" or \"group\" (--missing-sensitive) to handle it",
                        ));
                    }
                    MissingSensitive::Drop => {
                        drop_row = true;
                        break;
                    }
                    MissingSensitive::Group => ids[k] = interners[k].id(b""),
                }
            } else {
                ids[k] = interners[k].id(v);
            }
        }
        if drop_row {
            dropped += 1;
            continue;
        }
        overall.add(y, p, w);
        for (k, &id) in ids.iter().enumerate() {
            let groups = &mut single[k];
            let slot = id as usize;
            if groups.len() <= slot {
                groups.resize(slot + 1, Cells::default());
            }
            groups[slot].add(y, p, w);
        }
        for (g, combo) in inter_i.iter().enumerate() {
            key.clear();
            key.extend(combo.iter().map(|&k| ids[k]));
            match inter[g].get_mut(key.as_slice()) {
                Some(c) => c.add(y, p, w),
                None => {
                    let mut c = Cells::default();
                    c.add(y, p, w);
                    inter[g].insert(key.clone().into_boxed_slice(), c);
                }
            }
        }
    }
    if rows_read == 0 {
        return Err(FairnessError::Empty { path: path.clone() });
    }
    let hashing = rdr.into_inner();
    let input_sha256 = hex(&hashing.hasher.finalize());

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
    for (g, combo) in inter_i.iter().enumerate() {
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
    Ok(Counts { overall, groupings, rows_read, rows_dropped_missing: dropped, input_sha256 })
}

impl Interner {
    fn name(&self, id: usize) -> String {
        let v = &self.values[id];
        if v.is_empty() { MISSING_KEY.to_owned() } else { v.clone() }
    }
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

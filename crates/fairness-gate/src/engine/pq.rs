//! Parquet input: the same counts as the CSV path, from the `parquet` crate's low-level column
//! readers (no Arrow), one row group at a time (memory bounded by a batch and a page per column).
//!
//! Every value is judged as the text the CSV path would see in the file pandas writes for the same
//! column (`DataFrame.to_csv`), so a Parquet file and the CSV written from the same frame give the
//! same report:
//! - strings (`BYTE_ARRAY`, `FIXED_LEN_BYTE_ARRAY`; dictionary-encoded or not): their bytes;
//! - integers (any width, signed or unsigned): decimal, e.g. `1`, `-3`;
//! - booleans: `True` / `False` (so a boolean label needs `--pos-label True`);
//! - floats: Python's `repr`: shortest round-trip digits, `1.0` for an integral value, exponent form
//!   below 1e-4 and from 1e16 (`1e-05`, `1e+16`), `nan`, `inf`;
//! - null: the empty string (a missing sensitive value, like an empty CSV field; a null label,
//!   score or weight is refused like an empty CSV field).
//!
//! Scores and weights stored as doubles or integers are used as numbers directly (the CSV path parses
//! the shortest round-trip text back to the same double); float32 ones go through their text, like CSV.
//! Other types (dates, timestamps, decimals, INT96, nested columns) are refused with the column's name.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use parquet::basic::{ConvertedType, LogicalType, Type as Physical};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{ByteArray, DataType, FixedLenByteArray};
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::SerializedFileReader;
use sha2::{Digest, Sha256};

use super::{
    Acc, Cols, Counts, FairnessError, InputSpec, PredSource, RowError, Why, assemble, checked_weight, finish_row, hex,
    label_value, resolve, score_value, weight_value,
};

/// Rows decoded per column per step.
const BATCH: usize = 16 * 1024;

/// How a column's values become text (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
    Bytes,
    Fixed,
}

fn kind_of(d: &parquet::schema::types::ColumnDescriptor) -> Result<Kind, String> {
    let logical = d.logical_type_ref();
    let converted = d.converted_type();
    let plain_int = |unsigned: ConvertedType| match (logical, converted) {
        (None | Some(LogicalType::Unknown), ConvertedType::NONE) => Some(false),
        (Some(LogicalType::Integer(i)), _) => Some(!i.is_signed),
        (None, c) if c == unsigned => Some(true),
        (None, ConvertedType::INT_8 | ConvertedType::INT_16 | ConvertedType::INT_32 | ConvertedType::INT_64) => {
            Some(false)
        }
        (None, ConvertedType::UINT_8 | ConvertedType::UINT_16) => Some(true),
        _ => None,
    };
    let kind = match d.physical_type() {
        Physical::BOOLEAN => Some(Kind::Bool),
        Physical::INT32 => plain_int(ConvertedType::UINT_32).map(|u| if u { Kind::U32 } else { Kind::I32 }),
        Physical::INT64 => plain_int(ConvertedType::UINT_64).map(|u| if u { Kind::U64 } else { Kind::I64 }),
        Physical::FLOAT => Some(Kind::F32),
        Physical::DOUBLE => Some(Kind::F64),
        Physical::BYTE_ARRAY => match logical {
            None | Some(LogicalType::String | LogicalType::Enum | LogicalType::Json | LogicalType::Unknown) => {
                matches!(
                    converted,
                    ConvertedType::NONE | ConvertedType::UTF8 | ConvertedType::ENUM | ConvertedType::JSON
                )
                .then_some(Kind::Bytes)
            }
            _ => None,
        },
        Physical::FIXED_LEN_BYTE_ARRAY => {
            (logical.is_none() && converted == ConvertedType::NONE).then_some(Kind::Fixed)
        }
        Physical::INT96 => None,
    };
    kind.ok_or_else(|| {
        let what = logical.map_or_else(|| format!("{converted}"), |l| format!("{l:?}"));
        format!("type {} ({what})", d.physical_type())
    })
}

/// One batch of a column: definition levels and the non-null values.
enum Vals {
    Bool(Vec<bool>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Bytes(Vec<ByteArray>),
    Fixed(Vec<FixedLenByteArray>),
}

/// A needed column in the current row group.
struct Col {
    kind: Kind,
    max_def: i16,
    reader: Option<ColumnReader>,
    def: Vec<i16>,
    vals: Vals,
    /// Index of the next non-null value of the batch.
    cursor: usize,
}

/// A cell: its value index in the batch, or `None` for null.
type Cell = Option<usize>;

impl Col {
    fn new(kind: Kind, max_def: i16) -> Col {
        let vals = match kind {
            Kind::Bool => Vals::Bool(Vec::new()),
            Kind::I32 | Kind::U32 => Vals::I32(Vec::new()),
            Kind::I64 | Kind::U64 => Vals::I64(Vec::new()),
            Kind::F32 => Vals::F32(Vec::new()),
            Kind::F64 => Vals::F64(Vec::new()),
            Kind::Bytes => Vals::Bytes(Vec::new()),
            Kind::Fixed => Vals::Fixed(Vec::new()),
        };
        Col { kind, max_def, reader: None, def: Vec::new(), vals, cursor: 0 }
    }

    /// Decodes the next `want` rows of the row group; returns how many there were.
    fn next_batch(&mut self, want: usize) -> parquet::errors::Result<usize> {
        fn fill<T: DataType>(
            r: &mut ColumnReaderImpl<T>,
            want: usize,
            def: &mut Vec<i16>,
            vals: &mut Vec<T::T>,
        ) -> parquet::errors::Result<usize> {
            vals.clear();
            let mut got = 0;
            while got < want {
                let (records, _, _) = r.read_records(want - got, Some(def), None, vals)?;
                if records == 0 {
                    break;
                }
                got += records;
            }
            Ok(got)
        }
        self.def.clear();
        self.cursor = 0;
        let def = &mut self.def;
        let Some(reader) = self.reader.as_mut() else { return Ok(0) };
        match (reader, &mut self.vals) {
            (ColumnReader::BoolColumnReader(r), Vals::Bool(v)) => fill(r, want, def, v),
            (ColumnReader::Int32ColumnReader(r), Vals::I32(v)) => fill(r, want, def, v),
            (ColumnReader::Int64ColumnReader(r), Vals::I64(v)) => fill(r, want, def, v),
            (ColumnReader::FloatColumnReader(r), Vals::F32(v)) => fill(r, want, def, v),
            (ColumnReader::DoubleColumnReader(r), Vals::F64(v)) => fill(r, want, def, v),
            (ColumnReader::ByteArrayColumnReader(r), Vals::Bytes(v)) => fill(r, want, def, v),
            (ColumnReader::FixedLenByteArrayColumnReader(r), Vals::Fixed(v)) => fill(r, want, def, v),
            _ => Err(parquet::errors::ParquetError::General("column reader of an unexpected type".into())),
        }
    }

    /// The cell of batch row `r` (rows must be visited in order).
    #[inline(always)]
    fn advance(&mut self, r: usize) -> Cell {
        if self.max_def == 0 || self.def[r] == self.max_def {
            self.cursor += 1;
            Some(self.cursor - 1)
        } else {
            None
        }
    }

    /// Renders the cell into `buf` as the text the CSV path would see (see the module docs), for
    /// the kinds that are not stored as text; [`Col::view`] then reads it.
    #[inline(always)]
    fn render(&self, cell: Cell, buf: &mut Vec<u8>) {
        let Some(i) = cell else { return };
        buf.clear();
        match &self.vals {
            Vals::Bytes(_) | Vals::Fixed(_) | Vals::Bool(_) => {}
            Vals::I32(v) if self.kind == Kind::U32 => int(buf, u64::from(v[i] as u32), false),
            Vals::I32(v) => int(buf, v[i].unsigned_abs().into(), v[i] < 0),
            Vals::I64(v) if self.kind == Kind::U64 => int(buf, v[i] as u64, false),
            Vals::I64(v) => int(buf, v[i].unsigned_abs(), v[i] < 0),
            // pandas writes NaN as an empty field.
            Vals::F32(v) if v[i].is_nan() => {}
            Vals::F64(v) if v[i].is_nan() => {}
            Vals::F32(v) => py_repr(buf, &format!("{:e}", v[i]), v[i].is_finite(), v[i] < 0.0),
            Vals::F64(v) => py_repr(buf, &format!("{:e}", v[i]), v[i].is_finite(), v[i] < 0.0),
        }
    }

    /// The cell's text: stored bytes, or what [`Col::render`] left in `buf`.
    #[inline(always)]
    fn view<'a>(&'a self, cell: Cell, buf: &'a [u8]) -> &'a [u8] {
        let Some(i) = cell else { return b"" };
        match &self.vals {
            Vals::Bytes(v) => v[i].data(),
            Vals::Fixed(v) => v[i].data(),
            Vals::Bool(v) => {
                if v[i] {
                    b"True"
                } else {
                    b"False"
                }
            }
            _ => buf,
        }
    }

    /// The cell as a number when it is stored as one the CSV path would parse back exactly
    /// (doubles, integers); `None` means "use its text".
    #[inline(always)]
    fn number(&self, cell: Cell) -> Option<f64> {
        let i = cell?;
        match (&self.vals, self.kind) {
            (Vals::F64(v), _) => Some(v[i]),
            // `as` rounds to nearest, ties to even: the correctly rounded value a parser gives.
            (Vals::I32(v), Kind::U32) => Some(f64::from(v[i] as u32)),
            (Vals::I32(v), _) => Some(f64::from(v[i])),
            (Vals::I64(v), Kind::U64) => Some(v[i] as u64 as f64),
            (Vals::I64(v), _) => Some(v[i] as f64),
            _ => None,
        }
    }
}

/// Writes an integer in decimal.
#[inline(always)]
fn int(buf: &mut Vec<u8>, mut x: u64, neg: bool) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (x % 10) as u8;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    if neg {
        buf.push(b'-');
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Python's `repr` of a float from Rust's shortest round-trip `{:e}` form (`d[.ddd]e[-]x`): fixed
/// notation for exponents -4..=15 (with `.0` when integral), else `d[.ddd]e[+-]xx`.
fn py_repr(buf: &mut Vec<u8>, sci: &str, finite: bool, negative: bool) {
    if !finite {
        buf.extend_from_slice(match (sci.contains("NaN"), negative) {
            (true, _) => b"nan".as_slice(),
            (false, true) => b"-inf",
            (false, false) => b"inf",
        });
        return;
    }
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    buf.extend_from_slice(sign.as_bytes());
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        if point <= 0 {
            buf.extend_from_slice(b"0.");
            buf.extend(std::iter::repeat_n(b'0', (-point) as usize));
            buf.extend_from_slice(digits.as_bytes());
        } else {
            let point = point as usize;
            if digits.len() <= point {
                buf.extend_from_slice(digits.as_bytes());
                buf.extend(std::iter::repeat_n(b'0', point - digits.len()));
                buf.extend_from_slice(b".0");
            } else {
                buf.extend_from_slice(&digits.as_bytes()[..point]);
                buf.push(b'.');
                buf.extend_from_slice(&digits.as_bytes()[point..]);
            }
        }
    } else {
        buf.extend_from_slice(&digits.as_bytes()[..1]);
        if digits.len() > 1 {
            buf.push(b'.');
            buf.extend_from_slice(&digits.as_bytes()[1..]);
        }
        buf.push(b'e');
        buf.push(if exp < 0 { b'-' } else { b'+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            buf.push(b'0');
        }
        int(buf, u64::from(e), false);
    }
}

fn parquet_err(path: &Path, e: impl std::fmt::Display) -> FairnessError {
    FairnessError::Parquet { path: path.to_owned(), message: e.to_string() }
}

/// A refused value with its 1-based data row.
struct Refused {
    row: u64,
    column: String,
    value: String,
    why: &'static str,
    hint: &'static str,
}

impl Refused {
    fn new(row: u64, e: RowError<'_, '_>) -> Refused {
        Refused {
            row,
            column: e.column.to_owned(),
            value: String::from_utf8_lossy(e.value).chars().take(40).collect(),
            why: e.why,
            hint: e.hint,
        }
    }
}

/// Counts a Parquet file (see the module docs).
pub(crate) fn count(spec: &InputSpec) -> Result<Counts, FairnessError> {
    count_stats(spec).map(|(c, _)| c)
}

/// [`count`], and how many row groups the dictionary fast path counted.
fn count_stats(spec: &InputSpec) -> Result<(Counts, usize), FairnessError> {
    let path = &spec.path;
    let open = || -> Result<SerializedFileReader<File>, FairnessError> {
        let file = File::open(path).map_err(|source| FairnessError::Io { path: path.clone(), source })?;
        SerializedFileReader::new(file).map_err(|e| parquet_err(path, e))
    };
    let reader = open()?;
    let meta = reader.metadata();
    let schema = meta.file_metadata().schema_descr();
    let headers: csv::ByteRecord = schema.columns().iter().map(|c| c.path().string()).collect();
    // A nested column (list, struct, map) has only dotted leaf paths: name it as such.
    let named = [Some(spec.label.as_str()), Some(spec.pred_column()), spec.weight.as_deref()]
        .into_iter()
        .flatten()
        .chain(spec.sensitive.iter().map(String::as_str));
    for name in named {
        let nested = schema.columns().iter().any(|c| c.path().parts().len() > 1 && c.path().parts()[0] == name);
        if nested && !headers.iter().any(|h| h == name.as_bytes()) {
            return Err(FairnessError::Usage(format!(
                "{}: column `{name}` is nested (a list, struct or map)\nhint: name a top-level column of strings, \
                 integers, booleans or floats",
                path.display()
            )));
        }
    }
    let cols = resolve(spec, &headers)?;
    // The leaf columns the counts need (label, prediction, weight, sensitive), each read once.
    let mut needed: Vec<usize> = vec![cols.label, cols.pred];
    needed.extend(cols.weight);
    needed.extend(&cols.sens);
    needed.sort_unstable();
    needed.dedup();
    let mut kinds = Vec::new();
    for &c in &needed {
        let d = schema.column(c);
        let name = d.path().string();
        if d.max_rep_level() > 0 || d.path().parts().len() > 1 {
            return Err(FairnessError::Usage(format!(
                "{}: column `{name}` is nested (a list or struct field)\nhint: name a top-level column",
                path.display()
            )));
        }
        let kind = kind_of(&d).map_err(|t| {
            FairnessError::Usage(format!(
                "{}: column `{name}` has Parquet {t}, which fairness-gate does not read\nhint: store it as a \
                 string, integer, boolean or float column",
                path.display()
            ))
        })?;
        kinds.push((kind, d.max_def_level()));
    }
    let groups = reader.num_row_groups();
    let starts: Vec<u64> = (0..groups)
        .scan(0u64, |acc, g| {
            let s = *acc;
            *acc += meta.row_group(g).num_rows().max(0) as u64;
            Some(s)
        })
        .collect();
    let total: u64 = (0..groups).map(|g| meta.row_group(g).num_rows().max(0) as u64).sum();
    if total == 0 {
        return Err(FairnessError::EmptyParquet { path: path.clone() });
    }
    // Weighted sums are floating point: one worker keeps them in file order (bit-identical to the
    // CSV path); unweighted counts are integers, exact in any order, so row groups go to all cores.
    let workers = if cols.weight.is_some() {
        1
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, 8).min(groups.max(1))
    };
    let job = Job { spec, cols: &cols, needed: &needed, kinds: &kinds, starts: &starts, fast: Default::default() };
    let (sha, results) = std::thread::scope(|s| {
        let hashing = s.spawn(|| -> std::io::Result<String> {
            let mut f = File::open(path)?;
            let mut h = Sha256::new();
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    return Ok(hex(&h.finalize()));
                }
                h.update(&buf[..n]);
            }
        });
        let handles: Vec<_> = (1..workers)
            .map(|w| {
                let job = &job;
                s.spawn(move || {
                    let r = open()?;
                    job.run(&r, (w..groups).step_by(workers))
                })
            })
            .collect();
        let mine = job.run(&reader, (0..groups).step_by(workers));
        let mut results = vec![mine];
        results.extend(handles.into_iter().map(|h| {
            h.join().unwrap_or_else(|_| Err(FairnessError::Usage("a Parquet reader thread panicked".into())))
        }));
        (hashing.join(), results)
    });
    let sha = match sha {
        Ok(Ok(s)) => s,
        Ok(Err(source)) => return Err(FairnessError::Io { path: path.clone(), source }),
        Err(_) => return Err(FairnessError::Usage("the hashing thread panicked".into())),
    };
    // The first refused value in file order wins (each worker stops at its first).
    let mut accs = Vec::new();
    let mut first: Option<Refused> = None;
    for r in results {
        match r? {
            Ok(acc) => accs.push(acc),
            Err(e) => {
                if first.as_ref().is_none_or(|f| e.row < f.row) {
                    first = Some(e);
                }
            }
        }
    }
    if let Some(e) = first {
        return Err(FairnessError::BadRow(Box::new(crate::BadValue {
            path: path.clone(),
            line: e.row,
            column: e.column,
            value: e.value,
            why: e.why.to_owned(),
            hint: e.hint.to_owned(),
        })));
    }
    let mut merged: Option<Acc> = None;
    for acc in accs {
        match &mut merged {
            None => merged = Some(acc),
            Some(m) => m.merge(&cols, acc),
        }
    }
    let acc = merged.ok_or_else(|| FairnessError::EmptyParquet { path: path.clone() })?;
    Ok((assemble(spec, &cols, acc, sha), job.fast.into_inner()))
}

/// What every worker shares.
struct Job<'a> {
    spec: &'a InputSpec,
    cols: &'a Cols,
    /// Leaf column indices read.
    needed: &'a [usize],
    /// Per needed column: kind and max definition level.
    kinds: &'a [(Kind, i16)],
    /// First data row (0-based) of each row group.
    starts: &'a [u64],
    /// Row groups counted by the dictionary fast path.
    fast: std::sync::atomic::AtomicUsize,
}

impl Job<'_> {
    /// Counts the given row groups in order; stops at the first refused value.
    fn run(
        &self,
        reader: &SerializedFileReader<File>,
        groups: impl Iterator<Item = usize>,
    ) -> Result<Result<Acc, Refused>, FairnessError> {
        let (spec, cols) = (self.spec, self.cols);
        let path = &spec.path;
        let slot = |c: usize| self.needed.iter().position(|&n| n == c).unwrap_or(0);
        let threshold = match &spec.pred {
            PredSource::Score { threshold, .. } => Some(*threshold),
            PredSource::Prediction(_) => None,
        };
        let mut roles = Roles {
            label: slot(cols.label),
            pred: slot(cols.pred),
            weight: cols.weight.map(slot),
            sens: cols.sens.iter().map(|&c| slot(c)).collect(),
            pos: spec.pos_label.as_deref().map(str::as_bytes),
            threshold,
            text: Vec::new(),
        };
        let numeric = |i: usize| matches!(self.kinds[i].0, Kind::F64 | Kind::I32 | Kind::U32 | Kind::I64 | Kind::U64);
        roles.text = (0..self.needed.len())
            .map(|i| {
                i == roles.label
                    || roles.sens.contains(&i)
                    || (i == roles.pred && (threshold.is_none() || !numeric(i)))
                    || (Some(i) == roles.weight && !numeric(i))
            })
            .collect();
        let mut acc = Acc::new(cols);
        let mut columns: Vec<Col> = self.kinds.iter().map(|&(k, d)| Col::new(k, d)).collect();
        let mut cells: Vec<Cell> = vec![None; columns.len()];
        let mut bufs: Vec<Vec<u8>> = vec![Vec::new(); columns.len()];
        for g in groups {
            let rg = reader.get_row_group(g).map_err(|e| parquet_err(path, e))?;
            let rows = rg.metadata().num_rows().max(0) as usize;
            // Dictionary-encoded chunks (what pyarrow writes by default) are counted from their
            // indices; anything else, and any value the fast path would refuse, goes through the
            // column readers (from a snapshot of the counts, so the row group is counted once).
            let snapshot = acc.clone();
            if self.fast_group(&*rg, rows, &mut acc, &roles) {
                self.fast.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                continue;
            }
            acc = snapshot;
            for (col, &c) in columns.iter_mut().zip(self.needed) {
                col.reader = Some(rg.get_column_reader(c).map_err(|e| parquet_err(path, e))?);
            }
            let mut done = 0usize;
            while done < rows {
                let want = BATCH.min(rows - done);
                for col in &mut columns {
                    let got = col.next_batch(want).map_err(|e| parquet_err(path, e))?;
                    if got != want {
                        return Err(parquet_err(
                            path,
                            format!("row group {g} has {rows} rows but a column chunk ended after {}", done + got),
                        ));
                    }
                }
                for r in 0..want {
                    let row = self.starts[g] + (done + r) as u64 + 1;
                    for (cell, col) in cells.iter_mut().zip(columns.iter_mut()) {
                        *cell = col.advance(r);
                    }
                    if let Err(e) = self.row(&mut acc, &columns, &cells, &mut bufs, &roles) {
                        return Ok(Err(Refused::new(row, e)));
                    }
                }
                done += want;
            }
        }
        Ok(Ok(acc))
    }

    /// Counts a row group from dictionary indices: each dictionary entry is judged once (with the
    /// same helpers as [`Job::row`]), each row is table look-ups. False (counts untouched but for
    /// interned values) when a chunk is not dictionary-encoded or a row would be refused.
    fn fast_group(
        &self,
        rg: &dyn parquet::file::reader::RowGroupReader,
        rows: usize,
        acc: &mut Acc,
        roles: &Roles<'_>,
    ) -> bool {
        const BAIL: u8 = 2;
        const MISSING: u32 = u32::MAX;
        let (spec, cols) = (self.spec, self.cols);
        let mut dcols = Vec::with_capacity(self.needed.len());
        for (&leaf, &(kind, max_def)) in self.needed.iter().zip(self.kinds) {
            match DictCol::open(rg, leaf, kind, max_def) {
                Some(d) => dcols.push(d),
                None => return false,
            }
        }
        let mut buf = Vec::new();
        // Per entry (and one more for null, the last index) of a column: its text.
        let texts = |d: &DictCol, buf: &mut Vec<u8>| -> Vec<Vec<u8>> {
            let mut out: Vec<Vec<u8>> = (0..d.dict.len())
                .map(|e| {
                    d.dict.render(Some(e), buf);
                    d.dict.view(Some(e), buf).to_vec()
                })
                .collect();
            out.push(Vec::new());
            out
        };
        let binary = |d: &DictCol, buf: &mut Vec<u8>, why| -> Vec<u8> {
            texts(d, buf).iter().map(|t| label_value(t, roles.pos, why).map_or(BAIL, u8::from)).collect()
        };
        let ytab = binary(&dcols[roles.label], &mut buf, "label is not 0/1");
        let ptab: Vec<u8> = match roles.threshold {
            None => binary(&dcols[roles.pred], &mut buf, "prediction is not 0/1"),
            Some(th) => {
                let d = &dcols[roles.pred];
                // Numeric entries are compared as numbers; only the others are rendered as text
                // (rendering a float like Python's repr costs more than the comparison).
                let mut t: Vec<u8> = (0..=d.dict.len())
                    .map(|e| match d.dict.number(Some(e).filter(|&e| e < d.dict.len())) {
                        Some(s) if s.is_nan() => BAIL,
                        Some(s) => u8::from(s >= th),
                        None if e < d.dict.len() => {
                            d.dict.render(Some(e), &mut buf);
                            score_value(d.dict.view(Some(e), &buf), th, &cols.cut).map_or(BAIL, u8::from)
                        }
                        None => BAIL,
                    })
                    .collect();
                // A null score is refused.
                if let Some(last) = t.last_mut() {
                    *last = BAIL;
                }
                t
            }
        };
        let wtab: Option<Vec<f64>> = roles.weight.map(|wi| {
            let d = &dcols[wi];
            let mut t: Vec<f64> = texts(d, &mut buf)
                .iter()
                .enumerate()
                .map(|(e, text)| {
                    let w = match d.dict.number(Some(e).filter(|&e| e < d.dict.len())) {
                        Some(w) => checked_weight(w),
                        None => weight_value(text),
                    };
                    w.unwrap_or(f64::NAN)
                })
                .collect();
            if let Some(last) = t.last_mut() {
                *last = f64::NAN;
            }
            t
        });
        let stabs: Vec<Vec<u32>> = roles
            .sens
            .iter()
            .enumerate()
            .map(|(k, &si)| {
                texts(&dcols[si], &mut buf)
                    .iter()
                    .map(|t| if t.is_empty() { MISSING } else { acc.interners[k].id(t) })
                    .collect()
            })
            .collect();
        let missing_id: Vec<u32> = (0..roles.sens.len())
            .map(|k| match spec.missing_sensitive {
                super::MissingSensitive::Group => acc.interners[k].id(b""),
                _ => MISSING,
            })
            .collect();
        let mut idx: Vec<Vec<u32>> = vec![Vec::with_capacity(BATCH); dcols.len()];
        // Unweighted, with few combinations of entries: a histogram over (label entry's verdict,
        // prediction entry's verdict, sensitive entries), judged per combination at the end.
        let radix: Vec<usize> = roles.sens.iter().map(|&si| dcols[si].dict.len() + 1).collect();
        let combos = radix.iter().try_fold(9usize, |a, &r| a.checked_mul(r)).unwrap_or(usize::MAX);
        if roles.weight.is_none() && combos <= 1 << 16 {
            let mut hist = vec![0u64; combos];
            let mut codes: Vec<u32> = Vec::with_capacity(BATCH);
            let mut done = 0usize;
            while done < rows {
                let want = BATCH.min(rows - done);
                for (d, out) in dcols.iter_mut().zip(idx.iter_mut()) {
                    out.clear();
                    if d.read(want, out).is_err() {
                        return false;
                    }
                }
                // The combination code of each row, one column at a time (contiguous loops):
                // cell + 9 * (s0 + r0 * (s1 + r1 * ...)).
                codes.clear();
                codes.extend(
                    idx[roles.label][..want]
                        .iter()
                        .zip(&idx[roles.pred][..want])
                        .map(|(&l, &p)| 3 * u32::from(ytab[l as usize]) + u32::from(ptab[p as usize])),
                );
                let mut stride = 9u32;
                for (k, &si) in roles.sens.iter().enumerate() {
                    for (c, &e) in codes.iter_mut().zip(&idx[si][..want]) {
                        *c += e * stride;
                    }
                    stride *= radix[k] as u32;
                }
                for &c in &codes {
                    hist[c as usize] += 1;
                }
                done += want;
            }
            'combos: for (code, &n) in hist.iter().enumerate() {
                if n == 0 {
                    continue;
                }
                let (y, p) = ((code % 9) / 3, code % 3);
                if y == usize::from(BAIL) || p == usize::from(BAIL) {
                    return false;
                }
                acc.rows_read += n;
                let mut rest = code / 9;
                for (k, &r) in radix.iter().enumerate() {
                    let mut id = stabs[k][rest % r];
                    rest /= r;
                    if id == MISSING {
                        match spec.missing_sensitive {
                            super::MissingSensitive::Error => return false,
                            super::MissingSensitive::Drop => {
                                acc.dropped += n;
                                continue 'combos;
                            }
                            super::MissingSensitive::Group => id = missing_id[k],
                        }
                    }
                    acc.ids[k] = id;
                }
                acc.add_count(cols, y == 1, p == 1, n);
            }
            return true;
        }
        let mut done = 0usize;
        while done < rows {
            let want = BATCH.min(rows - done);
            for (d, out) in dcols.iter_mut().zip(idx.iter_mut()) {
                out.clear();
                if d.read(want, out).is_err() {
                    return false;
                }
            }
            'rows: for r in 0..want {
                let y = ytab[idx[roles.label][r] as usize];
                let p = ptab[idx[roles.pred][r] as usize];
                if y == BAIL || p == BAIL {
                    return false;
                }
                let w = match (&wtab, roles.weight) {
                    (Some(t), Some(wi)) => {
                        let w = t[idx[wi][r] as usize];
                        if w.is_nan() {
                            return false;
                        }
                        w
                    }
                    _ => 1.0,
                };
                acc.rows_read += 1;
                for (k, &si) in roles.sens.iter().enumerate() {
                    let mut id = stabs[k][idx[si][r] as usize];
                    if id == MISSING {
                        match spec.missing_sensitive {
                            super::MissingSensitive::Error => return false,
                            super::MissingSensitive::Drop => {
                                acc.dropped += 1;
                                continue 'rows;
                            }
                            super::MissingSensitive::Group => id = missing_id[k],
                        }
                    }
                    acc.ids[k] = id;
                }
                acc.add(cols, y == 1, p == 1, w);
            }
            done += want;
        }
        true
    }

    /// One row: the same decisions as the CSV path's `decode_row`, in the same order.
    #[inline(always)]
    fn row<'s, 'r>(
        &'s self,
        acc: &mut Acc,
        columns: &'r [Col],
        cells: &[Cell],
        bufs: &'r mut [Vec<u8>],
        roles: &Roles<'_>,
    ) -> Result<(), RowError<'s, 'r>> {
        let (spec, cols) = (self.spec, self.cols);
        let (label, pred, weight) = (roles.label, roles.pred, roles.weight);
        acc.rows_read += 1;
        let score = roles.threshold.and_then(|_| columns[pred].number(cells[pred]));
        let w = weight.and_then(|w| columns[w].number(cells[w]));
        for (i, (col, buf)) in columns.iter().zip(bufs.iter_mut()).enumerate() {
            // Numbers used as numbers are rendered only for an error message.
            let bad_number = (i == pred && score.is_some_and(f64::is_nan))
                || (Some(i) == weight && w.is_some_and(|w| checked_weight(w).is_err()));
            if roles.text[i] || bad_number {
                col.render(cells[i], buf);
            }
        }
        let bufs: &'r [Vec<u8>] = bufs;
        let t = |i: usize| columns[i].view(cells[i], &bufs[i]);
        let err = |column: &'s str, value: &'r [u8]| move |(why, hint): Why| RowError { column, value, why, hint };
        let y = label_value(t(label), roles.pos, "label is not 0/1").map_err(err(&spec.label, t(label)))?;
        let p = match (roles.threshold, score) {
            (None, _) => label_value(t(pred), roles.pos, "prediction is not 0/1"),
            (Some(_), _) if cells[pred].is_none() => {
                Err(("score is missing (null)", "fill or drop rows without a score"))
            }
            (Some(_), Some(s)) if s.is_nan() => Err(("score is NaN", "fill or drop rows without a score")),
            (Some(th), Some(s)) => Ok(s >= th),
            (Some(th), None) => score_value(t(pred), th, &cols.cut),
        }
        .map_err(|e| {
            // A NaN double renders like pandas writes it (empty); name it in the message.
            let v = t(pred);
            err(spec.pred_column(), if v.is_empty() && score.is_some() { b"NaN" } else { v })(e)
        })?;
        let w = match weight {
            None => 1.0,
            Some(wi) => {
                let name = spec.weight.as_deref().unwrap_or("weight");
                let v = t(wi);
                match w {
                    Some(w) => checked_weight(w).map_err(err(name, if v.is_empty() { b"NaN" } else { v })),
                    None => weight_value(v).map_err(err(name, v)),
                }?
            }
        };
        finish_row(spec, cols, acc, y, p, w, |k| t(roles.sens[k]), |_| None)
    }
}

/// Which needed column plays which part, and which are read as text.
struct Roles<'a> {
    label: usize,
    pred: usize,
    weight: Option<usize>,
    sens: Vec<usize>,
    pos: Option<&'a [u8]>,
    threshold: Option<f64>,
    /// Per needed column: its cells are used as text (label, prediction, sensitive, or a score or
    /// weight not stored as a number).
    text: Vec<bool>,
}

/// The RLE / bit-packed hybrid encoding of Parquet levels and dictionary indices.
///
/// Hand-written (about 50 lines) because the `parquet` crate keeps its decoder private
/// (`experimental` feature only) and its public column readers materialise every dictionary value
/// (an atomic reference-count per string), which was most of the time of the Parquet path.
struct Rle<'a> {
    buf: &'a [u8],
    pos: usize,
    width: u32,
    /// Values left in the current RLE run.
    run: usize,
    run_value: u32,
    /// Values left in the current bit-packed run, and its next bit offset.
    packed: usize,
    bit: usize,
}

impl<'a> Rle<'a> {
    fn new(buf: &'a [u8], width: u32) -> Rle<'a> {
        Rle { buf, pos: 0, width, run: 0, run_value: 0, packed: 0, bit: 0 }
    }

    fn varint(&mut self) -> Option<usize> {
        let mut v = 0usize;
        for shift in (0..35).step_by(7) {
            let b = *self.buf.get(self.pos)?;
            self.pos += 1;
            v |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    /// Starts the next run; `None` when the data ends early or is malformed.
    fn header(&mut self) -> Option<()> {
        let header = self.varint()?;
        if header & 1 == 0 {
            let bytes = self.width.div_ceil(8) as usize;
            let raw = self.buf.get(self.pos..self.pos + bytes)?;
            self.pos += bytes;
            self.run_value = raw.iter().rev().fold(0u32, |v, &b| (v << 8) | u32::from(b));
            self.run = header >> 1;
        } else {
            self.packed = (header >> 1) * 8;
            self.bit = self.pos * 8;
            self.pos += (header >> 1) * self.width as usize;
        }
        (self.run > 0 || self.packed > 0).then_some(())
    }

    /// Appends the next `n` values to `out`; `None` when the data ends early or is malformed.
    fn read(&mut self, n: usize, out: &mut Vec<u32>) -> Option<()> {
        let mut need = n;
        while need > 0 {
            if self.run > 0 {
                let k = need.min(self.run);
                out.extend(std::iter::repeat_n(self.run_value, k));
                self.run -= k;
                need -= k;
            } else if self.packed > 0 {
                let k = need.min(self.packed);
                let w = self.width as usize;
                let mask = (1u64 << w) - 1;
                // Bits of the packed values end before `self.pos * 8`.
                if (self.bit + k * w).div_ceil(8) > self.buf.len() {
                    return None;
                }
                let mut k8 = 0;
                if (1..=16).contains(&w) && self.bit.is_multiple_of(8) {
                    // Whole groups of 8 values (w bytes each, byte aligned), unpacked by a loop
                    // specialised for the width (constant shifts) straight into the output.
                    let groups = (k / 8).min(self.buf.len().saturating_sub(self.bit / 8 + 16) / w);
                    let start = out.len();
                    out.resize(start + 8 * groups, 0);
                    let src = &self.buf[self.bit / 8..];
                    let dst = &mut out[start..];
                    match w {
                        1 => unpack::<1>(src, dst),
                        2 => unpack::<2>(src, dst),
                        3 => unpack::<3>(src, dst),
                        4 => unpack::<4>(src, dst),
                        5 => unpack::<5>(src, dst),
                        6 => unpack::<6>(src, dst),
                        7 => unpack::<7>(src, dst),
                        8 => unpack::<8>(src, dst),
                        9 => unpack::<9>(src, dst),
                        10 => unpack::<10>(src, dst),
                        11 => unpack::<11>(src, dst),
                        12 => unpack::<12>(src, dst),
                        13 => unpack::<13>(src, dst),
                        14 => unpack::<14>(src, dst),
                        15 => unpack::<15>(src, dst),
                        _ => unpack::<16>(src, dst),
                    }
                    self.bit += 8 * w * groups;
                    k8 = 8 * groups;
                }
                for _ in k8..k {
                    let (byte, shift) = (self.bit / 8, self.bit % 8);
                    // One unaligned 8-byte load when 8 bytes remain (w <= 32, so w + 7 bits fit).
                    let word = match self.buf.get(byte..byte + 8) {
                        Some(b) => u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
                        None => self.buf[byte..].iter().rev().fold(0u64, |v, &b| (v << 8) | u64::from(b)),
                    };
                    out.push(((word >> shift) & mask) as u32);
                    self.bit += w;
                }
                self.packed -= k;
                need -= k;
            } else {
                self.header()?;
            }
        }
        Some(())
    }
}

/// Unpacks groups of 8 `W`-bit values (`W` bytes per group, little-endian bit order) from `src` into
/// `dst` (a multiple of 8 long); `src` holds at least 16 bytes past the last group's start.
#[inline(always)]
fn unpack<const W: usize>(src: &[u8], dst: &mut [u32]) {
    let mask = (1u64 << W) - 1;
    for (g, out) in dst.chunks_exact_mut(8).enumerate() {
        let Some(b) = src.get(g * W..g * W + 16) else { return };
        let x = u128::from_le_bytes(b.try_into().unwrap_or([0; 16]));
        for (j, v) in out.iter_mut().enumerate() {
            *v = ((x >> (j * W)) as u64 & mask) as u32;
        }
    }
}

/// Bit width of levels up to `max`.
fn level_width(max: i16) -> u32 {
    16 - (max as u16).leading_zeros()
}

/// A column chunk read as dictionary indices, page by page (the fast path).
struct DictCol {
    pages: Box<dyn parquet::column::page::PageReader>,
    max_def: i16,
    /// The dictionary's entries.
    dict: Col,
    /// The current data page and where its level and index streams start.
    page: Option<parquet::column::page::Page>,
    levels: (usize, usize),
    indices: (usize, u32),
    /// Rows of the current page not read yet, and the positions reached in its streams.
    left: usize,
    level_state: (usize, usize, u32, usize, usize),
    index_state: (usize, usize, u32, usize, usize),
    /// Levels of the current batch.
    scratch: Vec<u32>,
}

/// Where a fast-path decode gave up (the row group is then re-read by the column readers).
struct NotDict;

impl DictCol {
    /// Opens a column chunk whose first page is a dictionary page of a kind it can decode.
    fn open(rg: &dyn parquet::file::reader::RowGroupReader, leaf: usize, kind: Kind, max_def: i16) -> Option<DictCol> {
        use parquet::basic::Encoding;
        use parquet::column::page::Page;
        let mut pages = rg.get_column_page_reader(leaf).ok()?;
        let Ok(Some(Page::DictionaryPage { buf, num_values, encoding, .. })) = pages.get_next_page() else {
            return None;
        };
        if !matches!(encoding, Encoding::PLAIN | Encoding::PLAIN_DICTIONARY) {
            return None;
        }
        let n = num_values as usize;
        let mut dict = Col::new(kind, 0);
        let fixed = |width: usize| (buf.len() >= n * width).then(|| buf[..n * width].chunks_exact(width));
        match &mut dict.vals {
            Vals::I32(v) => v.extend(fixed(4)?.map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
            Vals::I64(v) => v.extend(fixed(8)?.map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])))),
            Vals::F32(v) => v.extend(fixed(4)?.map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
            Vals::F64(v) => v.extend(fixed(8)?.map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))),
            Vals::Bytes(v) => {
                let mut pos = 0usize;
                for _ in 0..n {
                    let len = buf.get(pos..pos + 4)?;
                    let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
                    v.push(ByteArray::from(buf.get(pos + 4..pos + 4 + len)?.to_vec()));
                    pos += 4 + len;
                }
            }
            Vals::Bool(_) | Vals::Fixed(_) => return None,
        }
        Some(DictCol {
            pages,
            max_def,
            dict,
            page: None,
            levels: (0, 0),
            indices: (0, 0),
            left: 0,
            level_state: (0, 0, 0, 0, 0),
            index_state: (0, 0, 0, 0, 0),
            scratch: Vec::new(),
        })
    }

    /// Moves to the next data page; `Err` when it is not dictionary-encoded (or malformed).
    fn next_page(&mut self) -> Result<bool, NotDict> {
        use parquet::basic::Encoding;
        use parquet::column::page::Page;
        let page = match self.pages.get_next_page() {
            Ok(Some(p)) => p,
            Ok(None) => return Ok(false),
            Err(_) => return Err(NotDict),
        };
        let (rows, levels_len, levels_at, values_at, encoding) = match &page {
            Page::DataPage { buf, num_values, encoding, def_level_encoding, .. } => {
                if self.max_def == 0 {
                    (*num_values as usize, 0, 0, 0, *encoding)
                } else {
                    if *def_level_encoding != Encoding::RLE {
                        return Err(NotDict);
                    }
                    let l = buf.get(0..4).ok_or(NotDict)?;
                    let len = u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize;
                    (*num_values as usize, len, 4, 4 + len, *encoding)
                }
            }
            Page::DataPageV2 { num_values, encoding, def_levels_byte_len, rep_levels_byte_len, .. } => {
                let (r, d) = (*rep_levels_byte_len as usize, *def_levels_byte_len as usize);
                (*num_values as usize, d, r, r + d, *encoding)
            }
            Page::DictionaryPage { .. } => return Err(NotDict),
        };
        if !matches!(encoding, Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY) {
            return Err(NotDict);
        }
        let buf = page.buffer();
        let width = u32::from(*buf.get(values_at).ok_or(NotDict)?);
        if width > 32 || buf.len() < levels_at + levels_len {
            return Err(NotDict);
        }
        self.levels = (levels_at, levels_at + levels_len);
        self.indices = (values_at + 1, width);
        self.left = rows;
        self.level_state = (levels_at, 0, 0, 0, 0);
        self.index_state = (values_at + 1, 0, 0, 0, 0);
        self.page = Some(page);
        Ok(true)
    }

    /// Appends the next `want` rows' dictionary indices to `out` (`dict_len` for a null).
    fn read(&mut self, want: usize, out: &mut Vec<u32>) -> Result<(), NotDict> {
        fn restore(s: (usize, usize, u32, usize, usize), buf: &[u8], end: usize, width: u32) -> Rle<'_> {
            let mut r = Rle::new(buf.get(..end).unwrap_or(&[]), width);
            (r.pos, r.run, r.run_value, r.packed, r.bit) = s;
            r
        }
        let nulls = u32::try_from(self.dict.len()).map_err(|_| NotDict)?;
        let mut need = want;
        while need > 0 {
            if self.left == 0 && !self.next_page()? {
                return Err(NotDict);
            }
            let page = self.page.as_ref().ok_or(NotDict)?;
            let buf: &[u8] = page.buffer();
            let take = need.min(self.left);
            let mut idx = restore(self.index_state, buf, buf.len(), self.indices.1);
            let start = out.len();
            if self.max_def == 0 {
                idx.read(take, out).ok_or(NotDict)?;
            } else {
                let mut lv = restore(self.level_state, buf, self.levels.1, level_width(self.max_def));
                let max = self.max_def as u32;
                if lv.run == 0 && lv.packed == 0 {
                    lv.header().ok_or(NotDict)?;
                }
                let present = if lv.run >= take && lv.run_value == max {
                    // No null among these rows (one run of "defined" levels): no level buffer.
                    lv.run -= take;
                    self.scratch.clear();
                    take
                } else {
                    self.scratch.clear();
                    lv.read(take, &mut self.scratch).ok_or(NotDict)?;
                    self.scratch.iter().filter(|&&d| d == max).count()
                };
                idx.read(present, out).ok_or(NotDict)?;
                if out[start..].iter().any(|&i| i >= nulls) {
                    return Err(NotDict);
                }
                if present < take {
                    // Spread the values over the rows, nulls in between (back to front, in place).
                    out.resize(start + take, nulls);
                    let mut v = start + present;
                    for r in (0..take).rev() {
                        if self.scratch[r] == max {
                            v -= 1;
                            out[start + r] = out[v];
                        } else {
                            out[start + r] = nulls;
                        }
                    }
                }
                self.level_state = (lv.pos, lv.run, lv.run_value, lv.packed, lv.bit);
            }
            if self.max_def == 0 && out[start..].iter().any(|&i| i >= nulls) {
                return Err(NotDict);
            }
            self.index_state = (idx.pos, idx.run, idx.run_value, idx.packed, idx.bit);
            self.left -= take;
            need -= take;
        }
        Ok(())
    }
}

impl Col {
    /// Entries in the values (the dictionary size for a dictionary).
    fn len(&self) -> usize {
        match &self.vals {
            Vals::Bool(v) => v.len(),
            Vals::I32(v) => v.len(),
            Vals::I64(v) => v.len(),
            Vals::F32(v) => v.len(),
            Vals::F64(v) => v.len(),
            Vals::Bytes(v) => v.len(),
            Vals::Fixed(v) => v.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::MissingSensitive;
    use parquet::data_type::{ByteArrayType, DoubleType, Int32Type, Int64Type};
    use parquet::file::properties::{WriterProperties, WriterVersion};
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    use std::io::Write;
    use std::sync::Arc;

    /// Deterministic rows: (label, score, group or null, int group).
    fn rows(n: usize) -> Vec<(i32, f64, Option<String>, i64)> {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let g = (!x.is_multiple_of(37)).then(|| format!("g{}", (x >> 20) % 40));
                ((x & 1) as i32, ((x >> 1) % 1000) as f64 / 1000.0, g, ((x >> 30) % 5) as i64 - 2)
            })
            .collect()
    }

    /// Writes the rows with the parquet crate: row groups of 3,000 rows, pages of 500.
    fn write_parquet(path: &Path, data: &[(i32, f64, Option<String>, i64)], dictionary: bool, v2: bool) {
        let schema = Arc::new(
            parse_message_type(
                "message m { required int32 y; required double s; optional binary g (UTF8); required int64 h; }",
            )
            .expect("schema"),
        );
        let props = WriterProperties::builder()
            .set_dictionary_enabled(dictionary)
            .set_writer_version(if v2 { WriterVersion::PARQUET_2_0 } else { WriterVersion::PARQUET_1_0 })
            .set_max_row_group_row_count(Some(3000))
            .set_data_page_row_count_limit(500)
            .set_write_batch_size(100)
            .build();
        let mut w =
            SerializedFileWriter::new(File::create(path).expect("create"), schema, Arc::new(props)).expect("writer");
        for chunk in data.chunks(3000) {
            let mut rg = w.next_row_group().expect("row group");
            let mut col = rg.next_column().expect("col").expect("y");
            let y: Vec<i32> = chunk.iter().map(|r| r.0).collect();
            col.typed::<Int32Type>().write_batch(&y, None, None).expect("write");
            col.close().expect("close");
            let mut col = rg.next_column().expect("col").expect("s");
            let s: Vec<f64> = chunk.iter().map(|r| r.1).collect();
            col.typed::<DoubleType>().write_batch(&s, None, None).expect("write");
            col.close().expect("close");
            let mut col = rg.next_column().expect("col").expect("g");
            let def: Vec<i16> = chunk.iter().map(|r| i16::from(r.2.is_some())).collect();
            let g: Vec<ByteArray> = chunk.iter().filter_map(|r| r.2.as_deref()).map(ByteArray::from).collect();
            col.typed::<ByteArrayType>().write_batch(&g, Some(&def), None).expect("write");
            col.close().expect("close");
            let mut col = rg.next_column().expect("col").expect("h");
            let h: Vec<i64> = chunk.iter().map(|r| r.3).collect();
            col.typed::<Int64Type>().write_batch(&h, None, None).expect("write");
            col.close().expect("close");
            rg.close().expect("close");
        }
        w.close().expect("close");
    }

    fn write_csv(path: &Path, data: &[(i32, f64, Option<String>, i64)]) {
        let mut f = std::io::BufWriter::new(File::create(path).expect("create"));
        writeln!(f, "y,s,g,h").expect("write");
        for (y, s, g, h) in data {
            writeln!(f, "{y},{s:?},{},{h}", g.as_deref().unwrap_or("")).expect("write");
        }
    }

    fn spec(path: &Path, missing: MissingSensitive) -> InputSpec {
        InputSpec {
            path: path.to_owned(),
            label: "y".into(),
            pred: PredSource::Score { column: "s".into(), threshold: 0.5 },
            pos_label: None,
            sensitive: vec!["g".into(), "h".into()],
            intersect: vec![vec!["g".into(), "h".into()]],
            weight: None,
            missing_sensitive: missing,
        }
    }

    fn same(a: &Counts, b: &Counts) {
        assert_eq!(
            (&a.overall, &a.groupings, a.rows_read, a.rows_dropped_missing),
            (&b.overall, &b.groupings, b.rows_read, b.rows_dropped_missing)
        );
    }

    #[test]
    fn dictionary_fast_path_equals_the_column_readers_and_the_csv_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = rows(10_000);
        let csv = dir.path().join("d.csv");
        write_csv(&csv, &data);
        let plain = dir.path().join("plain.parquet");
        write_parquet(&plain, &data, false, false);
        // Unweighted (the histogram), and weighted by the score column (the row loop).
        for (missing, weight) in
            [(MissingSensitive::Group, false), (MissingSensitive::Drop, false), (MissingSensitive::Group, true)]
        {
            let sp = |p: &Path| InputSpec { weight: weight.then(|| "s".into()), ..spec(p, missing) };
            let expected = super::super::count_with(&sp(&csv), super::super::Reader::Careful).expect("csv");
            let (from_plain, fast) = count_stats(&sp(&plain)).expect("plain");
            assert_eq!(fast, 0, "plain-encoded chunks take the column readers");
            same(&from_plain, &expected);
            for v2 in [false, true] {
                let p = dir.path().join(format!("dict{v2}.parquet"));
                write_parquet(&p, &data, true, v2);
                let (got, fast) = count_stats(&sp(&p)).expect("dict");
                assert_eq!(fast, 4, "every row group through the dictionary path (v2: {v2})");
                same(&got, &expected);
            }
        }
        // A missing value under the default policy: the fast path gives way, the error names the row.
        let p = dir.path().join("dictfalse.parquet");
        let first_null = data.iter().position(|r| r.2.is_none()).expect("a null") + 1;
        let err = count(&spec(&p, MissingSensitive::Error)).expect_err("missing").to_string();
        assert!(err.contains(&format!("data row {first_null}: column `g`: sensitive value is missing")), "{err}");
    }

    #[test]
    fn floats_render_like_python_repr() {
        let cases: [(f64, &str); 10] = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (123456789012345.6, "123456789012345.6"),
            (2.5e-300, "2.5e-300"),
            (f64::INFINITY, "inf"),
            (1.5e100, "1.5e+100"),
        ];
        for (x, want) in cases {
            let mut buf = Vec::new();
            py_repr(&mut buf, &format!("{x:e}"), x.is_finite(), x < 0.0);
            assert_eq!(String::from_utf8_lossy(&buf), want, "{x}");
        }
    }
}

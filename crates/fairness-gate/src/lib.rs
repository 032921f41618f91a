//! `fairness-gate`: fairness metrics from a predictions file as a CI gate (issue #6).
//!
//! One streaming pass over a CSV accumulates, per group of every grouping, unweighted and weighted
//! confusion counts ([`engine`]); every metric derives from those counts ([`metrics`]): fairlearn's
//! disparity metrics with fairlearn's semantics, and AIF360's reference-group metrics. Limits turn
//! values into verdicts; the report goes to JSON, SARIF (mlsec profile), JUnit and Markdown
//! ([`output`]).
#![deny(missing_docs)]

pub mod bootstrap;
pub mod engine;
pub mod metrics;
pub mod output;

use std::path::PathBuf;

use serde::Serialize;

pub use engine::{InputSpec, MissingSensitive, PredSource};
pub use metrics::{Agg, Method, Policy, Undefined};

/// This tool's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything that can stop the tool from doing its job (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum FairnessError {
    /// Reading a file failed.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Malformed CSV (ragged row, bad quoting, invalid UTF-8 in a header).
    #[error("{}: malformed CSV: {message}\nhint: every row needs as many fields as the header", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The csv crate's message (names the record and line).
        message: String,
    },
    /// A CSV file with no header or no data rows.
    #[error("{}: the file has no data rows\nhint: the first line must be a header, followed by one row per prediction", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A Parquet file with a schema but no rows (no row groups, or only empty ones).
    #[error("{}: the Parquet file has no data rows (its schema has the columns, but no row group holds a row)\nhint: write at least one prediction; an empty DataFrame written with `to_parquet` gives such a file", path.display())]
    EmptyParquet {
        /// The file.
        path: PathBuf,
    },
    /// A named column is not in the header.
    #[error("{}: column `{column}` (from {flag}) is not in the header\nhint: the header has: {available}", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The missing column.
        column: String,
        /// The flag that named it.
        flag: String,
        /// The header's columns.
        available: String,
    },
    /// A value that cannot be used (boxed: keeps `Result`s small).
    #[error("{0}")]
    BadValue(Box<BadValue>),
    /// A value that cannot be used in a Parquet file (`line` is the 1-based data row).
    #[error("{}: data row {}: column `{}`: {}: `{}`\nhint: {}", .0.path.display(), .0.line, .0.column, .0.why, .0.value, .0.hint)]
    BadRow(Box<BadValue>),
    /// A Parquet file that cannot be read.
    #[error("{}: cannot read Parquet: {message}\nhint: the file must be a valid Parquet file (uncompressed, or snappy, gzip, brotli, lz4, lz4_raw or zstd; not LZO)", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The parquet crate's message.
        message: String,
    },
    /// Inconsistent settings.
    #[error("{0}")]
    Usage(String),
}

/// A value that cannot be used: where, what and how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}: column `{column}`: {why}: `{value}`\nhint: {hint}", path.display())]
pub struct BadValue {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: u64,
    /// The column.
    pub column: String,
    /// The value (first 40 characters).
    pub value: String,
    /// What is wrong.
    pub why: String,
    /// How to fix it.
    pub hint: String,
}

/// A bound on a metric: `NAME <= V` or `NAME >= V`; two of them make a two-sided band.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limit {
    /// The metric name.
    pub metric: String,
    /// Lower bound (inclusive).
    pub min: Option<f64>,
    /// Upper bound (inclusive).
    pub max: Option<f64>,
}

impl Limit {
    /// Parse `NAME <= V` / `NAME >= V` (spaces optional).
    pub fn parse(s: &str) -> Result<Limit, FairnessError> {
        let bad = || {
            FairnessError::Usage(format!(
                "cannot parse limit `{s}`\nhint: write `METRIC <= VALUE` or `METRIC >= VALUE`, e.g. `demographic_parity_difference <= 0.1`"
            ))
        };
        let (name, op, v) = if let Some((a, b)) = s.split_once("<=") {
            (a, "<=", b)
        } else if let Some((a, b)) = s.split_once(">=") {
            (a, ">=", b)
        } else {
            return Err(bad());
        };
        let v: f64 = v.trim().parse().map_err(|_| bad())?;
        let name = name.trim();
        if !v.is_finite() || !metric_names().contains(&name) {
            return Err(bad());
        }
        Ok(Limit { metric: name.to_owned(), min: (op == ">=").then_some(v), max: (op == "<=").then_some(v) })
    }
}

/// All metric names a limit may name.
pub fn metric_names() -> [&'static str; 12] {
    [
        "demographic_parity_difference",
        "demographic_parity_ratio",
        "equalized_odds_difference",
        "equalized_odds_ratio",
        "equal_opportunity_difference",
        "equal_opportunity_ratio",
        "statistical_parity_difference",
        "disparate_impact",
        "average_odds_difference",
        "average_abs_odds_difference",
        "false_discovery_rate_difference",
        "theil_index",
    ]
}

/// The limits used when neither flags nor config give any.
pub fn default_limits() -> Vec<Limit> {
    [
        "demographic_parity_difference <= 0.1",
        "demographic_parity_ratio >= 0.8",
        "equalized_odds_difference <= 0.1",
        "equalized_odds_ratio >= 0.8",
        "equal_opportunity_difference <= 0.1",
        "equal_opportunity_ratio >= 0.8",
        "statistical_parity_difference >= -0.1",
        "statistical_parity_difference <= 0.1",
        "disparate_impact >= 0.8",
        "disparate_impact <= 1.25",
        "average_odds_difference >= -0.1",
        "average_odds_difference <= 0.1",
        "average_abs_odds_difference <= 0.1",
        "false_discovery_rate_difference >= -0.1",
        "false_discovery_rate_difference <= 0.1",
    ]
    .iter()
    .filter_map(|s| Limit::parse(s).ok())
    .collect()
}

/// Merge limits per metric (two one-sided limits make a band).
pub fn merge_limits(limits: &[Limit]) -> Vec<Limit> {
    let mut out: Vec<Limit> = Vec::new();
    for l in limits {
        match out.iter_mut().find(|o| o.metric == l.metric) {
            Some(o) => {
                o.min = l.min.or(o.min);
                o.max = l.max.or(o.max);
            }
            None => out.push(l.clone()),
        }
    }
    out
}

/// Validated settings for one run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Input columns and encodings.
    pub input: InputSpec,
    /// Group policies and fairlearn method/agg.
    pub policy: Policy,
    /// `--privileged COL=V`.
    pub privileged: Option<(String, String)>,
    /// Limits (merged per metric).
    pub limits: Vec<Limit>,
    /// Bootstrap confidence intervals (`--bootstrap N --seed S --confidence C`).
    pub bootstrap: Option<bootstrap::Bootstrap>,
    /// `--fail-if-ci-excludes`: a metric fails only when its whole interval is outside its limit.
    pub fail_if_ci_excludes: bool,
}

/// A metric's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Within its limit.
    Pass,
    /// Outside its limit, or undefined under `undefined = "fail"`.
    Fail,
    /// No limit for this metric: reported only.
    NoLimit,
    /// Undefined (no eligible groups, 0/0) under `undefined = "skip"|"zero"`.
    Skipped,
}

/// A metric with its limit and verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judged {
    /// The computed value and the groups behind it.
    #[serde(flatten)]
    pub value: metrics::MetricValue,
    /// `"fairlearn"` or `"aif360"`.
    pub family: &'static str,
    /// The limit that applied.
    pub limit: Option<Limit>,
    /// The verdict.
    pub verdict: Verdict,
    /// The bootstrap interval, with `--bootstrap`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci: Option<bootstrap::Interval>,
}

/// One group in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupReport {
    /// Key parts (one per grouping column).
    pub key: Vec<String>,
    /// Unweighted counts.
    pub counts: CountsReport<u64>,
    /// Weighted counts (equal to `counts` without `--weight`).
    pub weighted: CountsReport<f64>,
    /// Weighted rates; `null` for 0/0.
    pub rates: metrics::Rates,
}

/// tp/fp/tn/fn/n.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CountsReport<T> {
    /// Rows.
    pub n: T,
    /// True positives.
    pub tp: T,
    /// False positives.
    pub fp: T,
    /// True negatives.
    pub tn: T,
    /// False negatives.
    pub r#fn: T,
}

fn counts_report(c: &engine::Cells) -> (CountsReport<u64>, CountsReport<f64>) {
    let [tn, fp, fnn, tp] = c.n;
    let [wtn, wfp, wfn, wtp] = c.w;
    (
        CountsReport { n: tn + fp + fnn + tp, tp, fp, tn, r#fn: fnn },
        CountsReport { n: wtn + wfp + wfn + wtp, tp: wtp, fp: wfp, tn: wtn, r#fn: wfn },
    )
}

/// One grouping in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupingReport {
    /// Its columns.
    pub features: Vec<String>,
    /// Observed groups.
    pub groups: Vec<GroupReport>,
    /// Intersections with no rows.
    pub empty_intersections: Vec<Vec<String>>,
    /// Metrics with verdicts.
    pub metrics: Vec<Judged>,
}

/// The whole report (`--json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// `fairness-gate`.
    pub tool: &'static str,
    /// Tool version.
    pub version: &'static str,
    /// The input file as given.
    pub input: String,
    /// sha256 of the input bytes.
    pub input_sha256: String,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows dropped under `missing_sensitive = "drop"`.
    pub rows_dropped_missing_sensitive: u64,
    /// Policies applied.
    pub policy: PolicyReport,
    /// All kept rows.
    pub overall: GroupReport,
    /// AIF360's Theil index over all kept rows.
    pub theil_index: Judged,
    /// Per grouping.
    pub groupings: Vec<GroupingReport>,
    /// True when any metric failed its limit.
    pub failed: bool,
    /// Warnings about the input that did not stop the run (also printed to stderr unless `-q`).
    pub warnings: Vec<String>,
}

/// The policies as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyReport {
    /// Eligibility, undefined policy, method, agg.
    #[serde(flatten)]
    pub policy: Policy,
    /// Missing sensitive value policy.
    pub missing_sensitive: MissingSensitive,
    /// `--privileged`.
    pub privileged: Option<String>,
    /// `--pos-label`.
    pub pos_label: Option<String>,
    /// `--threshold` for scores.
    pub score_threshold: Option<f64>,
    /// `--weight`.
    pub weight: Option<String>,
    /// `--fail-if-ci-excludes` (only ever true with bootstrap intervals).
    pub fail_if_ci_excludes: bool,
}

fn judge(
    value: metrics::MetricValue,
    family: &'static str,
    ci: Option<bootstrap::Interval>,
    settings: &Settings,
) -> Judged {
    let (limits, policy) = (&settings.limits, &settings.policy);
    let limit = limits.iter().find(|l| l.metric == value.metric).cloned();
    let verdict = if value.undefined_failure {
        Verdict::Fail
    } else {
        match (value.value, &limit) {
            (None, _) if policy.undefined == Undefined::Fail => Verdict::Fail,
            (None, _) => Verdict::Skipped,
            (Some(_), None) => Verdict::NoLimit,
            (Some(v), Some(l)) => {
                let ok = match &ci {
                    // Fail only when the whole interval lies outside the allowed band.
                    Some(ci) if settings.fail_if_ci_excludes => {
                        l.min.is_none_or(|m| ci.high >= m) && l.max.is_none_or(|m| ci.low <= m)
                    }
                    _ => l.min.is_none_or(|m| v >= m) && l.max.is_none_or(|m| v <= m),
                };
                if ok { Verdict::Pass } else { Verdict::Fail }
            }
        }
    };
    Judged { value, family, limit, verdict, ci }
}

fn group_report(key: Vec<String>, c: &engine::Cells) -> GroupReport {
    let (counts, weighted) = counts_report(c);
    GroupReport { key, counts, weighted, rates: metrics::Rates::of(c) }
}

/// Run the gate: read, count, compute, judge.
pub fn run(settings: &Settings) -> Result<Report, FairnessError> {
    if let Some((col, _)) = &settings.privileged
        && !settings.input.sensitive.contains(col)
    {
        return Err(FairnessError::Usage(format!(
            "--privileged names `{col}`, which is not a --sensitive column\nhint: add `--sensitive {col}`"
        )));
    }
    let counts = engine::count(&settings.input)?;
    let priv_ref = settings.privileged.as_ref().map(|(c, v)| (c.as_str(), v.as_str()));
    let computed = metrics::compute(&counts, &settings.policy, priv_ref);
    if let Some((col, v)) = priv_ref {
        let g = counts.groupings.iter().find(|g| g.columns.len() == 1 && g.columns[0] == col);
        if g.is_none_or(|g| !g.groups.iter().any(|(k, _)| k[0] == v)) {
            return Err(FairnessError::Usage(format!(
                "--privileged {col}={v}: no row has `{col}` equal to `{v}`\nhint: group values are compared as text, exactly"
            )));
        }
    }
    let (mut cis, theil_ci) = match &settings.bootstrap {
        Some(b) => {
            let (g, t) = bootstrap::intervals(&counts, &settings.policy, priv_ref, b);
            (g, t)
        }
        None => (Vec::new(), None),
    };
    let mut failed = false;
    let mut groupings = Vec::new();
    for (gi, (g, m)) in counts.groupings.iter().zip(computed).enumerate() {
        let mut ci = cis.get_mut(gi).map(std::mem::take).unwrap_or_default().into_iter();
        let mut judged: Vec<Judged> = Vec::new();
        for (v, family) in m
            .fairlearn
            .into_iter()
            .map(|v| (v, "fairlearn"))
            .chain(m.aif360.into_iter().flatten().map(|v| (v, "aif360")))
        {
            judged.push(judge(v, family, ci.next().flatten(), settings));
        }
        failed |= judged.iter().any(|j| j.verdict == Verdict::Fail);
        groupings.push(GroupingReport {
            features: g.columns.clone(),
            groups: g.groups.iter().map(|(k, c)| group_report(k.clone(), c)).collect(),
            empty_intersections: g.empty_intersections.clone(),
            metrics: judged,
        });
    }
    let theil = metrics::MetricValue {
        metric: "theil_index".into(),
        value: metrics::theil_index(&counts.overall),
        groups: Vec::new(),
        excluded: Vec::new(),
        undefined_failure: false,
    };
    let theil = judge(theil, "aif360", theil_ci, settings);
    failed |= theil.verdict == Verdict::Fail;
    let threshold = match &settings.input.pred {
        PredSource::Score { threshold, .. } => Some(*threshold),
        PredSource::Prediction(_) => None,
    };
    let mut warnings = Vec::new();
    let o = &counts.overall;
    if let (Some(pos), PredSource::Prediction(col)) = (&settings.input.pos_label, &settings.input.pred)
        && o.positives() > 0
        && o.n[1] + o.n[3] == 0
    {
        // --pos-label applies to the prediction column too; a prediction column encoded differently
        // from the labels (0/1 next to string labels) silently becomes "all negative".
        warnings.push(format!(
            "no `{col}` value equals --pos-label `{pos}` while {} label(s) do: every prediction counts as \
             negative; if `{col}` is encoded differently from the labels, recode it to the label values",
            o.positives()
        ));
    }
    Ok(Report {
        tool: "fairness-gate",
        version: VERSION,
        input: settings.input.path.display().to_string(),
        input_sha256: counts.input_sha256.clone(),
        rows_read: counts.rows_read,
        rows_dropped_missing_sensitive: counts.rows_dropped_missing,
        policy: PolicyReport {
            policy: settings.policy,
            missing_sensitive: settings.input.missing_sensitive,
            privileged: settings.privileged.as_ref().map(|(c, v)| format!("{c}={v}")),
            pos_label: settings.input.pos_label.clone(),
            score_threshold: threshold,
            weight: settings.input.weight.clone(),
            fail_if_ci_excludes: settings.fail_if_ci_excludes && settings.bootstrap.is_some(),
        },
        overall: group_report(Vec::new(), &counts.overall),
        theil_index: theil,
        groupings,
        failed,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_and_merge_into_bands() {
        let a = Limit::parse("disparate_impact >= 0.8").expect("parse");
        let b = Limit::parse("disparate_impact<=1.25").expect("parse");
        assert_eq!(
            merge_limits(&[a, b]),
            vec![Limit { metric: "disparate_impact".into(), min: Some(0.8), max: Some(1.25) }]
        );
        assert!(Limit::parse("no_such_metric <= 1").is_err());
        assert!(Limit::parse("disparate_impact = 1").is_err());
        assert!(Limit::parse("disparate_impact <= NaN").is_err());
    }

    #[test]
    fn theil_index_from_counts_equals_the_row_formula() {
        // Rows: (y, yhat) = TP, TP, FP, FN, TN, TN, FP.
        let rows = [(1, 1), (1, 1), (0, 1), (1, 0), (0, 0), (0, 0), (0, 1)];
        let b: Vec<f64> = rows.iter().map(|&(y, p)| f64::from(p) - f64::from(y) + 1.0).collect();
        let mu = b.iter().sum::<f64>() / b.len() as f64;
        let direct =
            b.iter().map(|&b| if b == 0.0 { 0.0 } else { (b / mu) * (b / mu).ln() }).sum::<f64>() / b.len() as f64;
        let c = engine::Cells { n: [2, 2, 1, 2], ..Default::default() };
        let from_counts = metrics::theil_index(&c).expect("defined");
        assert!((direct - from_counts).abs() < 1e-12, "{direct} vs {from_counts}");
    }
}

//! Metrics derived from the per-group counts: fairlearn's disparity metrics and AIF360's
//! reference-group metrics. Every value here is a function of [`Cells`]; nothing re-reads rows.

use serde::{Deserialize, Serialize};

use crate::engine::{Cells, Counts, GroupingCounts};

/// What to do when a rate is 0/0 (e.g. TPR of a group without positive labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Undefined {
    /// Leave the group out of that metric and list it under `excluded` (the default).
    Skip,
    /// The metric's verdict is `fail`.
    Fail,
    /// Use 0, as fairlearn does (sklearn's `confusion_matrix(normalize="true")` turns 0/0 into 0).
    Zero,
}

/// fairlearn's `method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// `group_max - group_min` / `group_min / group_max`.
    BetweenGroups,
    /// Largest `|group - overall|` / smallest `min(group/overall, overall/group)`.
    ToOverall,
}

/// fairlearn's `agg` for the equalized-odds metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Agg {
    /// The worse of the TPR and FPR disparities.
    WorstCase,
    /// Their mean.
    Mean,
}

/// Group-eligibility and undefined-value policies.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Policy {
    /// Groups with fewer rows are excluded from every metric.
    pub min_group_rows: u64,
    /// Groups with fewer positive labels are excluded from TPR-based metrics.
    pub min_group_positives: u64,
    /// Groups with fewer negative labels are excluded from FPR-based metrics.
    pub min_group_negatives: u64,
    /// 0/0 rates.
    pub undefined: Undefined,
    /// fairlearn `method`.
    pub method: Method,
    /// fairlearn `agg`.
    pub agg: Agg,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            min_group_rows: 1,
            min_group_positives: 0,
            min_group_negatives: 0,
            undefined: Undefined::Skip,
            method: Method::BetweenGroups,
            agg: Agg::WorstCase,
        }
    }
}

/// Weighted rates of one set of cells; `None` for 0/0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rates {
    /// P(yhat = 1).
    pub selection_rate: Option<f64>,
    /// P(yhat = 1 | y = 1).
    pub true_positive_rate: Option<f64>,
    /// P(yhat = 1 | y = 0).
    pub false_positive_rate: Option<f64>,
    /// P(yhat = y).
    pub accuracy: Option<f64>,
    /// P(y = 0 | yhat = 1) (AIF360's FDR).
    pub false_discovery_rate: Option<f64>,
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    if den == 0.0 { None } else { Some(num / den) }
}

impl Rates {
    /// Rates from weighted cells (`[tn, fp, fn, tp]`).
    pub fn of(c: &Cells) -> Rates {
        let [tn, fp, fnn, tp] = c.w;
        let total = tn + fp + fnn + tp;
        Rates {
            selection_rate: ratio(fp + tp, total),
            true_positive_rate: ratio(tp, tp + fnn),
            false_positive_rate: ratio(fp, fp + tn),
            accuracy: ratio(tp + tn, total),
            false_discovery_rate: ratio(fp, fp + tp),
        }
    }
}

/// Which per-group rate a disparity is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rate {
    Selection,
    Tpr,
    Fpr,
}

impl Rate {
    fn get(self, r: &Rates) -> Option<f64> {
        match self {
            Rate::Selection => r.selection_rate,
            Rate::Tpr => r.true_positive_rate,
            Rate::Fpr => r.false_positive_rate,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Rate::Selection => "selection_rate",
            Rate::Tpr => "true_positive_rate",
            Rate::Fpr => "false_positive_rate",
        }
    }
}

/// A group left out of a metric, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exclusion {
    /// The group key (`a|b` for intersections).
    pub group: String,
    /// The rate it was left out of.
    pub rate: String,
    /// Why.
    pub reason: String,
}

/// One computed metric on one grouping.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricValue {
    /// fairlearn / AIF360 name.
    pub metric: String,
    /// `None` when undefined (see `undefined`).
    pub value: Option<f64>,
    /// The groups behind the value (e.g. min and max group; for `to_overall` the farthest group).
    pub groups: Vec<String>,
    /// Groups left out.
    pub excluded: Vec<Exclusion>,
    /// True when an undefined rate made the metric fail under `undefined = "fail"`.
    pub undefined_failure: bool,
}

/// One grouping's per-group rates after policies.
#[derive(Debug)]
struct Prepared<'a> {
    keys: Vec<String>,
    cells: Vec<&'a Cells>,
    rates: Vec<Rates>,
}

/// The key of a group, parts joined by `|`.
pub fn key_string(parts: &[String]) -> String {
    parts.join("|")
}

fn prepare<'a>(g: &'a GroupingCounts) -> Prepared<'a> {
    Prepared {
        keys: g.groups.iter().map(|(k, _)| key_string(k)).collect(),
        cells: g.groups.iter().map(|(_, c)| c).collect(),
        rates: g.groups.iter().map(|(_, c)| Rates::of(c)).collect(),
    }
}

/// Per-group values of one rate after eligibility and the undefined policy.
fn values(p: &Prepared<'_>, rate: Rate, policy: &Policy, excluded: &mut Vec<Exclusion>) -> (Vec<(usize, f64)>, bool) {
    let mut out = Vec::new();
    let mut undefined_failure = false;
    for i in 0..p.keys.len() {
        let c = p.cells[i];
        let ex = |reason: String| Exclusion { group: p.keys[i].clone(), rate: rate.name().to_owned(), reason };
        if c.rows() < policy.min_group_rows {
            excluded.push(ex(format!("{} rows < min_group_rows {}", c.rows(), policy.min_group_rows)));
            continue;
        }
        if rate == Rate::Tpr && c.positives() < policy.min_group_positives {
            excluded.push(ex(format!(
                "{} positives < min_group_positives {}",
                c.positives(),
                policy.min_group_positives
            )));
            continue;
        }
        if rate == Rate::Fpr && c.negatives() < policy.min_group_negatives {
            excluded.push(ex(format!(
                "{} negatives < min_group_negatives {}",
                c.negatives(),
                policy.min_group_negatives
            )));
            continue;
        }
        match rate.get(&p.rates[i]) {
            Some(v) => out.push((i, v)),
            None => match policy.undefined {
                Undefined::Skip => excluded.push(ex("rate is 0/0 (undefined = skip)".into())),
                Undefined::Zero => out.push((i, 0.0)),
                Undefined::Fail => {
                    excluded.push(ex("rate is 0/0 (undefined = fail)".into()));
                    undefined_failure = true;
                }
            },
        }
    }
    (out, undefined_failure)
}

/// Overall rate for `to_overall` (all kept rows), under the undefined policy.
fn overall_value(overall: &Cells, rate: Rate, policy: &Policy) -> Option<f64> {
    match rate.get(&Rates::of(overall)) {
        Some(v) => Some(v),
        None if policy.undefined == Undefined::Zero => Some(0.0),
        None => None,
    }
}

/// A disparity (difference or ratio) of one rate: value and the groups behind it.
fn disparity(
    p: &Prepared<'_>,
    vals: &[(usize, f64)],
    overall: Option<f64>,
    method: Method,
    is_ratio: bool,
) -> (Option<f64>, Vec<String>) {
    if vals.is_empty() {
        return (None, Vec::new());
    }
    match method {
        Method::BetweenGroups => {
            // First minimum / first maximum in key order (pandas idxmin/idxmax semantics).
            let (mut lo, mut hi) = (vals[0], vals[0]);
            for &v in &vals[1..] {
                if v.1 < lo.1 {
                    lo = v;
                }
                if v.1 > hi.1 {
                    hi = v;
                }
            }
            let groups = vec![p.keys[lo.0].clone(), p.keys[hi.0].clone()];
            let value = if is_ratio { if hi.1 == 0.0 { None } else { Some(lo.1 / hi.1) } } else { Some(hi.1 - lo.1) };
            (value, groups)
        }
        Method::ToOverall => {
            let Some(o) = overall else { return (None, Vec::new()) };
            let mut best: Option<(usize, f64)> = None;
            for &(i, v) in vals {
                let d = if is_ratio {
                    if o == 0.0 {
                        // 0/0 is NaN in pandas and skipped by min(); v > 0 cannot happen with o = 0.
                        continue;
                    }
                    let r = v / o;
                    if r > 1.0 { 1.0 / r } else { r }
                } else {
                    (v - o).abs()
                };
                let better = match best {
                    None => true,
                    Some((_, b)) => {
                        if is_ratio {
                            d < b
                        } else {
                            d > b
                        }
                    }
                };
                if better {
                    best = Some((i, d));
                }
            }
            match best {
                Some((i, d)) => (Some(d), vec![p.keys[i].clone()]),
                None => (None, Vec::new()),
            }
        }
    }
}

fn single_rate_metric(
    name: &str,
    p: &Prepared<'_>,
    overall: &Cells,
    rate: Rate,
    is_ratio: bool,
    policy: &Policy,
) -> MetricValue {
    let mut excluded = Vec::new();
    let (vals, undefined_failure) = values(p, rate, policy, &mut excluded);
    let (value, groups) = disparity(p, &vals, overall_value(overall, rate, policy), policy.method, is_ratio);
    MetricValue { metric: name.to_owned(), value, groups, excluded, undefined_failure }
}

fn equalized_odds(name: &str, p: &Prepared<'_>, overall: &Cells, is_ratio: bool, policy: &Policy) -> MetricValue {
    let mut excluded = Vec::new();
    let (tv, tf) = values(p, Rate::Tpr, policy, &mut excluded);
    let (fv, ff) = values(p, Rate::Fpr, policy, &mut excluded);
    let (t, tg) = disparity(p, &tv, overall_value(overall, Rate::Tpr, policy), policy.method, is_ratio);
    let (f, fg) = disparity(p, &fv, overall_value(overall, Rate::Fpr, policy), policy.method, is_ratio);
    let (value, groups) = match (t, f) {
        (Some(t), Some(f)) => match policy.agg {
            Agg::WorstCase => {
                // fairlearn: max(differences) / min(ratios); ties go to the TPR side.
                let pick_t = if is_ratio { t <= f } else { t >= f };
                if pick_t { (Some(t), tg) } else { (Some(f), fg) }
            }
            Agg::Mean => (Some((t + f) / 2.0), tg.into_iter().chain(fg).collect()),
        },
        // pandas' max()/min()/mean() skip NaN: one defined side is the answer.
        (Some(t), None) => (Some(t), tg),
        (None, Some(f)) => (Some(f), fg),
        (None, None) => (None, Vec::new()),
    };
    MetricValue { metric: name.to_owned(), value, groups, excluded, undefined_failure: tf || ff }
}

/// fairlearn's six disparity metrics on one grouping.
pub fn fairlearn_metrics(g: &GroupingCounts, overall: &Cells, policy: &Policy) -> Vec<MetricValue> {
    let p = prepare(g);
    vec![
        single_rate_metric("demographic_parity_difference", &p, overall, Rate::Selection, false, policy),
        single_rate_metric("demographic_parity_ratio", &p, overall, Rate::Selection, true, policy),
        equalized_odds("equalized_odds_difference", &p, overall, false, policy),
        equalized_odds("equalized_odds_ratio", &p, overall, true, policy),
        single_rate_metric("equal_opportunity_difference", &p, overall, Rate::Tpr, false, policy),
        single_rate_metric("equal_opportunity_ratio", &p, overall, Rate::Tpr, true, policy),
    ]
}

/// AIF360's reference-group metrics for one single-column grouping: `privileged` is the
/// privileged value; every other group of the grouping is unprivileged (AIF360's
/// `unprivileged_groups` = the complement). Weighted like AIF360 (instance weights).
pub fn aif360_metrics(g: &GroupingCounts, privileged: &str, policy: &Policy) -> Option<Vec<MetricValue>> {
    let priv_cells = g.groups.iter().find(|(k, _)| k.len() == 1 && k[0] == privileged).map(|(_, c)| *c)?;
    let unpriv =
        crate::engine::sum(g.groups.iter().filter(|(k, _)| !(k.len() == 1 && k[0] == privileged)).map(|(_, c)| c));
    let (rp, ru) = (Rates::of(&priv_cells), Rates::of(&unpriv));
    let groups = vec![format!("{} != {privileged}", g.columns.join("|")), privileged.to_owned()];
    let zero = policy.undefined == Undefined::Zero;
    let fix = |v: Option<f64>| if zero { Some(v.unwrap_or(0.0)) } else { v };
    let diff = |a: Option<f64>, b: Option<f64>| Some(fix(a)? - fix(b)?);
    let mk = |name: &str, value: Option<f64>| MetricValue {
        metric: name.to_owned(),
        value,
        groups: groups.clone(),
        excluded: Vec::new(),
        undefined_failure: value.is_none() && policy.undefined == Undefined::Fail,
    };
    let di = match (fix(ru.selection_rate), fix(rp.selection_rate)) {
        (Some(u), Some(p)) if p != 0.0 => Some(u / p),
        _ => None,
    };
    let tprd = diff(ru.true_positive_rate, rp.true_positive_rate);
    let fprd = diff(ru.false_positive_rate, rp.false_positive_rate);
    let aod = tprd.zip(fprd).map(|(t, f)| 0.5 * (f + t));
    let aaod = tprd.zip(fprd).map(|(t, f)| 0.5 * (f.abs() + t.abs()));
    Some(vec![
        mk("statistical_parity_difference", diff(ru.selection_rate, rp.selection_rate)),
        mk("disparate_impact", di),
        mk("average_odds_difference", aod),
        mk("average_abs_odds_difference", aaod),
        mk("false_discovery_rate_difference", diff(ru.false_discovery_rate, rp.false_discovery_rate)),
    ])
}

/// AIF360's `theil_index()` (generalized entropy index, alpha = 1) over all kept rows, with
/// `b_i = yhat_i - y_i + 1`. b only takes the values 0 (FN), 1 (TP, TN) and 2 (FP), so the
/// unweighted overall counts determine it exactly: with mu = (TP + TN + 2 FP) / n,
/// `theil = [ (TP+TN) (1/mu) ln(1/mu) + FP (2/mu) ln(2/mu) ] / n` (0 ln 0 = 0 for FN rows).
/// AIF360 ignores instance weights here; so does this.
pub fn theil_index(overall: &Cells) -> Option<f64> {
    let [tn, fp, fnn, tp] = overall.n.map(|v| v as f64);
    let n = tn + fp + fnn + tp;
    if n == 0.0 {
        return None;
    }
    let mu = (tp + tn + 2.0 * fp) / n;
    if mu == 0.0 {
        // Every row is a false negative: AIF360 divides 0 by 0 (NaN).
        return None;
    }
    let term = |b: f64| if b == 0.0 { 0.0 } else { (b / mu) * (b / mu).ln() };
    Some(((tp + tn) * term(1.0) + fp * term(2.0)) / n)
}

/// Everything for one grouping, used by the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupingMetrics {
    /// fairlearn metrics.
    pub fairlearn: Vec<MetricValue>,
    /// AIF360 metrics when `--privileged` names this grouping's column.
    pub aif360: Option<Vec<MetricValue>>,
}

/// Compute every metric for every grouping.
pub fn compute(counts: &Counts, policy: &Policy, privileged: Option<(&str, &str)>) -> Vec<GroupingMetrics> {
    counts
        .groupings
        .iter()
        .map(|g| GroupingMetrics {
            fairlearn: fairlearn_metrics(g, &counts.overall, policy),
            aif360: match privileged {
                Some((col, v)) if g.columns.len() == 1 && g.columns[0] == col => aif360_metrics(g, v, policy),
                _ => None,
            },
        })
        .collect()
}

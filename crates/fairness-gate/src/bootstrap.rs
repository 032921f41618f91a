//! Bootstrap confidence intervals: seeded multinomial resampling of the confusion cells.
//!
//! Resampling N rows with replacement and re-counting is the same distribution as drawing the table
//! of (group × cell) counts from a multinomial with the observed proportions, so each replicate draws
//! that table (as a chain of conditional binomials, O(cells) per replicate, not O(rows)) and recomputes
//! every metric from it. Each grouping is resampled on its own table (its overall cells are the sum of
//! its groups); the Theil index on the overall cells. Intervals are percentile intervals (numpy's
//! linear interpolation).
//!
//! With `--weight`, the row counts are resampled as above and each cell's weighted count is its
//! resampled row count times the cell's mean weight (observed weighted count / observed rows). This
//! is the row bootstrap's expected weighted count given the resampled counts: it keeps the
//! sampling variability of the counts and of the weighted proportions between cells, but not the
//! spread of the weights within a cell (a cell whose rows carry very unequal weights gets an interval
//! somewhat narrower than a full row bootstrap would give). Without weights every mean weight is
//! exactly 1 and this is the plain multinomial bootstrap.

use rand_core::SeedableRng;
use rand_distr::{Binomial, Distribution};
use rand_pcg::Pcg64;
use serde::Serialize;

use crate::engine::{Cells, Counts, GroupingCounts};
use crate::metrics::{self, Policy};

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    /// Number of replicates (at least 1).
    pub replicates: u32,
    /// Seed of the PCG64 stream (the same seed gives the same intervals).
    pub seed: u64,
    /// Confidence level in (0, 1), e.g. 0.95.
    pub confidence: f64,
}

/// A metric's interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    /// Lower end (quantile (1 - confidence) / 2 of the defined replicate values).
    pub low: f64,
    /// Upper end (quantile (1 + confidence) / 2).
    pub high: f64,
    /// The confidence level.
    pub confidence: f64,
    /// Replicates drawn.
    pub replicates: u32,
    /// Replicates in which the metric was undefined (left out of the quantiles).
    pub undefined_replicates: u32,
    /// The seed.
    pub seed: u64,
    /// `"percentile"`.
    pub method: &'static str,
}

/// Draws a multinomial sample of as many rows as `n` sums to, over categories with proportions
/// `n / sum(n)`.
fn multinomial(rng: &mut Pcg64, n: &[u64], out: &mut Vec<u64>) {
    multinomial_of(rng, n, n.iter().sum(), out);
}

/// Draws `draws` rows over categories with proportions `n / sum(n)`.
fn multinomial_of(rng: &mut Pcg64, n: &[u64], draws: u64, out: &mut Vec<u64>) {
    out.clear();
    let mut rows_left: u64 = n.iter().sum();
    let mut draws_left = draws;
    for &k in n {
        let x = if draws_left == 0 || k == 0 {
            0
        } else if k >= rows_left {
            draws_left
        } else {
            // Conditional on the draws so far: Binomial(draws left, k / rows left).
            Binomial::new(draws_left, k as f64 / rows_left as f64).map_or(0, |b| b.sample(rng))
        };
        out.push(x);
        rows_left -= k;
        draws_left -= x;
    }
}

#[cfg(test)]
fn cells_from(n: &[u64]) -> Cells {
    let n = [n[0], n[1], n[2], n[3]];
    Cells { n, w: n.map(|x| x as f64) }
}

/// Each cell's mean weight (weighted / unweighted count; 0 for an empty cell, which stays empty).
fn mean_weights(c: &Cells) -> [f64; 4] {
    std::array::from_fn(|i| if c.n[i] == 0 { 0.0 } else { c.w[i] / c.n[i] as f64 })
}

/// A replicate's cells: resampled counts, weighted by the observed cells' mean weights.
fn weighted_cells(n: &[u64], mean: &[f64; 4]) -> Cells {
    let n = [n[0], n[1], n[2], n[3]];
    Cells { n, w: std::array::from_fn(|i| n[i] as f64 * mean[i]) }
}

/// numpy's default (linear) quantile of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn interval(mut values: Vec<f64>, b: &Bootstrap) -> Option<Interval> {
    let undefined = b.replicates - values.len() as u32;
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let a = (1.0 - b.confidence) / 2.0;
    Some(Interval {
        low: quantile(&values, a),
        high: quantile(&values, 1.0 - a),
        confidence: b.confidence,
        replicates: b.replicates,
        undefined_replicates: undefined,
        seed: b.seed,
        method: "percentile",
    })
}

/// Intervals per grouping (in `counts.groupings` order), each a list parallel to the metrics of
/// [`metrics::compute`] for that grouping (fairlearn's, then AIF360's), plus the Theil index's.
pub fn intervals(
    counts: &Counts,
    policy: &Policy,
    privileged: Option<(&str, &str)>,
    b: &Bootstrap,
) -> (Vec<Vec<Option<Interval>>>, Option<Interval>) {
    let mut rng = Pcg64::seed_from_u64(b.seed);
    let mut draw = Vec::new();
    let mut per_grouping = Vec::new();
    for g in &counts.groupings {
        let table: Vec<u64> = g.groups.iter().flat_map(|(_, c)| c.n).collect();
        let means: Vec<[f64; 4]> = g.groups.iter().map(|(_, c)| mean_weights(c)).collect();
        let mut values: Vec<Vec<f64>> = Vec::new();
        for _ in 0..b.replicates {
            multinomial(&mut rng, &table, &mut draw);
            let groups: Vec<(Vec<String>, Cells)> = g
                .groups
                .iter()
                .zip(draw.chunks_exact(4))
                .zip(&means)
                .map(|(((k, _), n), mean)| (k.clone(), weighted_cells(n, mean)))
                .collect();
            let overall = crate::engine::sum(groups.iter().map(|(_, c)| c));
            let replicate = Counts {
                overall,
                groupings: vec![GroupingCounts { columns: g.columns.clone(), groups, empty_intersections: Vec::new() }],
                rows_read: 0,
                rows_dropped_missing: 0,
                input_sha256: String::new(),
            };
            let m = metrics::compute(&replicate, policy, privileged).into_iter().next();
            let all: Vec<Option<f64>> = m
                .map(|m| m.fairlearn.into_iter().chain(m.aif360.into_iter().flatten()).map(|v| v.value).collect())
                .unwrap_or_default();
            values.resize(values.len().max(all.len()), Vec::new());
            for (slot, v) in values.iter_mut().zip(all) {
                if let Some(v) = v.filter(|v| v.is_finite()) {
                    slot.push(v);
                }
            }
        }
        per_grouping.push(values.into_iter().map(|v| interval(v, b)).collect());
    }
    let mut theil = Vec::new();
    let mean = mean_weights(&counts.overall);
    for _ in 0..b.replicates {
        multinomial(&mut rng, &counts.overall.n, &mut draw);
        if let Some(v) = metrics::theil_index(&weighted_cells(&draw, &mean)).filter(|v| v.is_finite()) {
            theil.push(v);
        }
    }
    (per_grouping, interval(theil, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts of one grouping `g` with groups `A` and `B` (2,000 rows, as the tests draw).
    fn two_groups(a: Cells, b: Cells) -> Counts {
        let groups = vec![(vec!["A".to_owned()], a), (vec!["B".to_owned()], b)];
        Counts {
            overall: crate::engine::sum(groups.iter().map(|(_, c)| c)),
            groupings: vec![GroupingCounts { columns: vec!["g".into()], groups, empty_intersections: Vec::new() }],
            rows_read: 2_000,
            rows_dropped_missing: 0,
            input_sha256: String::new(),
        }
    }

    #[test]
    fn multinomial_draws_keep_the_total_and_empty_cells_stay_empty() {
        let mut rng = Pcg64::seed_from_u64(1);
        let mut out = Vec::new();
        for _ in 0..200 {
            multinomial(&mut rng, &[5, 0, 1_000_000, 3, 0, 42], &mut out);
            assert_eq!(out.iter().sum::<u64>(), 1_000_050);
            assert_eq!((out[1], out[4]), (0, 0));
        }
    }

    /// Coverage sanity: datasets of 2,000 rows drawn from a population whose demographic parity
    /// difference is known (selection rates 0.30 and 0.40: 0.10); the 90% interval should contain
    /// 0.10 in roughly 90% of them.
    #[test]
    fn intervals_cover_the_population_value_about_as_often_as_their_level() {
        // Population cells per group, [tn, fp, fn, tp] in thousandths: A selects 30%, B 40%.
        let population = [500u64, 100, 200, 200, 400, 150, 200, 250];
        let b = Bootstrap { replicates: 300, seed: 11, confidence: 0.9 };
        let mut rng = Pcg64::seed_from_u64(99);
        let mut draw = Vec::new();
        let (mut covered, trials) = (0, 150);
        for _ in 0..trials {
            multinomial_of(&mut rng, &population, 2_000, &mut draw);
            let counts = two_groups(cells_from(&draw[..4]), cells_from(&draw[4..]));
            let names: Vec<String> = metrics::compute(&counts, &Policy::default(), None)[0]
                .fairlearn
                .iter()
                .map(|m| m.metric.clone())
                .collect();
            let dpd = names.iter().position(|n| n == "demographic_parity_difference").expect("dpd");
            let (cis, _) = intervals(&counts, &Policy::default(), None, &b);
            let ci = cis[0][dpd].clone().expect("defined");
            assert!(ci.low <= ci.high);
            if ci.low <= 0.1 && 0.1 <= ci.high {
                covered += 1;
            }
        }
        let rate = f64::from(covered) / f64::from(trials);
        assert!((0.8..=0.97).contains(&rate), "90% intervals covered the true value in {rate} of datasets");
    }

    /// Coverage sanity with weights: rows carry weights that differ by cell (predicted positives
    /// of group A weigh 2 on average) and vary within a cell (uniform ±20%). Population weighted
    /// selection rates: A (100·2 + 200·2) / 1300 = 6/13, B 400 / 1000 = 0.4.
    #[test]
    fn weighted_intervals_cover_the_population_value_about_as_often_as_their_level() {
        use rand_distr::Uniform;
        let population = [500u64, 100, 200, 200, 400, 150, 200, 250];
        let mean = [1.0, 2.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0];
        let truth = 6.0 / 13.0 - 0.4;
        let b = Bootstrap { replicates: 300, seed: 5, confidence: 0.9 };
        let mut rng = Pcg64::seed_from_u64(2024);
        let jitter = Uniform::new(0.8, 1.2).expect("range");
        let mut draw = Vec::new();
        let (mut covered, trials) = (0, 150);
        let mut first: Option<Interval> = None;
        for trial in 0..trials {
            multinomial_of(&mut rng, &population, 2_000, &mut draw);
            let cell = |g: usize, rng: &mut Pcg64| {
                let n: [u64; 4] = std::array::from_fn(|i| draw[4 * g + i]);
                let w = std::array::from_fn(|i| (0..n[i]).map(|_| mean[4 * g + i] * jitter.sample(rng)).sum());
                Cells { n, w }
            };
            let counts = two_groups(cell(0, &mut rng), cell(1, &mut rng));
            let m = &metrics::compute(&counts, &Policy::default(), None)[0].fairlearn;
            let dpd = m.iter().position(|m| m.metric == "demographic_parity_difference").expect("dpd");
            let (cis, _) = intervals(&counts, &Policy::default(), None, &b);
            let ci = cis[0][dpd].clone().expect("defined");
            let value = m[dpd].value.expect("value");
            assert!(ci.low <= value && value <= ci.high, "{ci:?} around {value}");
            if trial == 0 {
                // Seeded: the same counts and seed give the same interval.
                assert_eq!(intervals(&counts, &Policy::default(), None, &b).0[0][dpd], Some(ci.clone()));
                first = Some(ci.clone());
            }
            if ci.low <= truth && truth <= ci.high {
                covered += 1;
            }
        }
        assert!(first.is_some());
        let rate = f64::from(covered) / f64::from(trials);
        assert!((0.8..=0.97).contains(&rate), "90% weighted intervals covered the true value in {rate} of datasets");
    }

    #[test]
    fn unweighted_cells_keep_unit_mean_weights() {
        let c = cells_from(&[3, 0, 7, 1_000_001]);
        assert_eq!(mean_weights(&c), [1.0, 0.0, 1.0, 1.0]);
        assert_eq!(weighted_cells(&[5, 0, 2, 9], &mean_weights(&c)), cells_from(&[5, 0, 2, 9]));
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert!((quantile(&v, 0.025) - 1.075).abs() < 1e-12);
        assert_eq!(quantile(&v, 1.0), 4.0);
    }
}

//! `mlsec merge`: concatenate runs, combine re-merged runs, dedupe across tools by fingerprint.

use std::collections::HashMap;

use crate::error::FindingsError;
use crate::model::{Finding, FindingsFile, Run};

/// GitHub accepts at most this many runs in one uploaded SARIF file.
pub const MAX_RUNS: usize = 20;
/// GitHub keeps at most this many results per run.
pub const MAX_RESULTS_PER_RUN: usize = 25_000;
/// GitHub keeps at most this many locations per result.
pub const MAX_LOCATIONS: usize = 1_000;

/// What a merge did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeStats {
    /// Runs in the output.
    pub runs: usize,
    /// Findings read.
    pub findings_in: usize,
    /// Findings in the output.
    pub findings_out: usize,
    /// Findings folded into another with the same fingerprint.
    pub duplicates: usize,
    /// Runs of the same tool and automation id that were combined into one.
    pub combined_runs: usize,
}

/// Merge findings files into one.
///
/// - Runs with the same automation id *and* the same tool are combined (re-merging a merged
///   file is harmless); the same automation id from two different tools is an error, since
///   GitHub rejects two runs with one category.
/// - Findings that share an `mlsec/*` fingerprint are one finding: the first kept, its severity
///   raised to the highest, the other locations appended (up to 1,000), and every tool that
///   reported it listed in `mlsec/reported-by`.
/// - More than [`MAX_RUNS`] runs is an error.
pub fn merge(files: Vec<FindingsFile>) -> Result<(FindingsFile, MergeStats), FindingsError> {
    let mut stats = MergeStats::default();
    let mut runs: Vec<Run> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for run in files.into_iter().flat_map(|f| f.runs) {
        stats.findings_in += run.findings.len();
        match by_id.get(&run.automation_id) {
            Some(&i) if runs[i].tool.name == run.tool.name => {
                combine(&mut runs[i], run);
                stats.combined_runs += 1;
            }
            Some(&i) => {
                return Err(FindingsError::Limit(format!(
                    "two runs use the automation id `{}` ({} and {}); GitHub rejects two runs with one category",
                    run.automation_id, runs[i].tool.name, run.tool.name
                )));
            }
            None => {
                by_id.insert(run.automation_id.clone(), runs.len());
                runs.push(run);
            }
        }
    }
    if runs.len() > MAX_RUNS {
        return Err(FindingsError::Limit(format!(
            "{} runs to merge; a SARIF file for GitHub holds at most {MAX_RUNS}",
            runs.len()
        )));
    }
    stats.duplicates = dedupe(&mut runs);
    stats.runs = runs.len();
    stats.findings_out = runs.iter().map(|r| r.findings.len()).sum();
    Ok((FindingsFile { runs }, stats))
}

fn combine(into: &mut Run, other: Run) {
    for rule in other.rules {
        if into.rule(&rule.id).is_none() {
            into.rules.push(rule);
        }
    }
    for e in other.engines {
        if !into.engines.contains(&e) {
            into.engines.push(e);
        }
    }
    let inv = &mut into.invocation;
    inv.successful &= other.invocation.successful;
    if inv.exit_code.unwrap_or(0) == 0 {
        inv.exit_code = other.invocation.exit_code.or(inv.exit_code);
    }
    inv.errors.extend(other.invocation.errors);
    inv.warnings.extend(other.invocation.warnings);
    into.findings.extend(other.findings);
}

/// Fold findings sharing an `mlsec/*` fingerprint; returns how many were folded.
fn dedupe(runs: &mut [Run]) -> usize {
    // (key, value) -> (run, finding) of the kept finding.
    let mut seen: HashMap<(String, String), (usize, usize)> = HashMap::new();
    let mut folded = 0;
    for ri in 0..runs.len() {
        let tool = runs[ri].short_name().to_owned();
        let findings = std::mem::take(&mut runs[ri].findings);
        let mut kept: Vec<Finding> = Vec::with_capacity(findings.len());
        for mut f in findings {
            if !f.reported_by.contains(&tool) {
                f.reported_by.push(tool.clone());
            }
            let keys: Vec<(String, String)> = f
                .fingerprints
                .iter()
                .filter(|(k, _)| k.starts_with("mlsec/"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let hit = keys.iter().find_map(|k| seen.get(k).copied());
            match hit {
                Some((kr, kf)) => {
                    let target = if kr == ri { &mut kept[kf] } else { &mut runs[kr].findings[kf] };
                    fold(target, f);
                    folded += 1;
                }
                None => {
                    for k in keys {
                        seen.insert(k, (ri, kept.len()));
                    }
                    kept.push(f);
                }
            }
        }
        runs[ri].findings = kept;
    }
    folded
}

fn fold(kept: &mut Finding, dup: Finding) {
    kept.severity = kept.severity.max(dup.severity);
    kept.cvss_score = match (kept.cvss_score, dup.cvss_score) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    for t in dup.reported_by {
        if !kept.reported_by.contains(&t) {
            kept.reported_by.push(t);
        }
    }
    for l in dup.locations {
        if kept.locations.len() >= MAX_LOCATIONS {
            break;
        }
        if !kept.locations.contains(&l) {
            kept.locations.push(l);
        }
    }
    for (k, v) in dup.fingerprints {
        kept.fingerprints.entry(k).or_insert(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Location};
    use crate::{Severity, fingerprint};

    fn secret_finding(path: &str, sev: Severity) -> Finding {
        let mut f = Finding::new("aws-access-key", Category::Secret, sev, "AWS access key");
        f.locations.push(Location::file(path, Some(3)));
        f.fingerprints.insert(
            fingerprint::SECRET_V1.into(),
            fingerprint::secret("aws", &fingerprint::secret_value_hash(b"AKIA...")),
        );
        f
    }

    fn run(tool: &str, findings: Vec<Finding>) -> Run {
        let mut r = Run::new(tool, "0.1.0", ".");
        r.findings = findings;
        r
    }

    #[test]
    fn cross_tool_duplicates_fold_into_the_first() {
        let a = FindingsFile { runs: vec![run("secret-scan", vec![secret_finding("a.env", Severity::High)])] };
        let b = FindingsFile { runs: vec![run("trivy", vec![secret_finding("b.env", Severity::Critical)])] };
        let (m, st) = merge(vec![a, b]).expect("merge");
        assert_eq!(st.duplicates, 1);
        assert_eq!(m.runs.len(), 2);
        assert_eq!(m.runs[1].findings.len(), 0);
        let kept = &m.runs[0].findings[0];
        assert_eq!(kept.severity, Severity::Critical);
        assert_eq!(kept.reported_by, ["secret-scan", "trivy"]);
        assert_eq!(kept.locations.len(), 2);
    }

    #[test]
    fn same_id_same_tool_combines_and_other_tool_is_an_error() {
        let a = FindingsFile { runs: vec![run("bandit", vec![])] };
        let (m, st) = merge(vec![a.clone(), a.clone()]).expect("merge");
        assert_eq!((m.runs.len(), st.combined_runs), (1, 1));
        let mut other = run("sbom", vec![]);
        other.automation_id = a.runs[0].automation_id.clone();
        let err = merge(vec![a, FindingsFile { runs: vec![other] }]).unwrap_err();
        assert!(err.to_string().contains("automation id"), "{err}");
    }

    #[test]
    fn more_than_twenty_runs_is_an_error() {
        let files: Vec<_> = (0..21)
            .map(|i| {
                let mut r = run("bandit", vec![]);
                r.automation_id = format!("mlsec/bandit/t{i}/");
                FindingsFile { runs: vec![r] }
            })
            .collect();
        assert!(matches!(merge(files), Err(FindingsError::Limit(_))));
    }
}

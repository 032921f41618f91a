//! Baseline comparison: mark each finding new, unchanged or updated against an earlier findings
//! file (e.g. the default branch's), by fingerprint, never by `file:line`.

use std::collections::{HashMap, HashSet};

use crate::model::{BaselineState, Finding, FindingsFile};

/// Counts after a comparison.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BaselineStats {
    /// Not in the baseline.
    pub new: usize,
    /// In both, same severity.
    pub unchanged: usize,
    /// In both, severity changed.
    pub updated: usize,
    /// In the baseline only.
    pub absent: usize,
}

fn keys(f: &Finding) -> impl Iterator<Item = (&str, &str)> {
    f.fingerprints
        .iter()
        .filter(|(k, _)| k.as_str() != crate::fingerprint::PRIMARY_LOCATION_LINE_HASH)
        .map(|(k, v)| (k.as_str(), v.as_str()))
}

/// Set `baselineState` on every finding of `current`. With `include_absent`, findings of the
/// baseline that are gone are appended to the run of the same automation id (or the first run of
/// the same tool) as `absent`, as SARIF prescribes; the gate never counts them.
pub fn apply(current: &mut FindingsFile, baseline: &FindingsFile, include_absent: bool) -> BaselineStats {
    let mut index: HashMap<(&str, &str), (usize, usize)> = HashMap::new();
    for (ri, run) in baseline.runs.iter().enumerate() {
        for (fi, f) in run.findings.iter().enumerate() {
            if f.baseline_state == Some(BaselineState::Absent) {
                continue;
            }
            for k in keys(f) {
                index.entry(k).or_insert((ri, fi));
            }
        }
    }
    let mut matched: HashSet<(usize, usize)> = HashSet::new();
    let mut stats = BaselineStats::default();
    for run in &mut current.runs {
        for f in &mut run.findings {
            let hit = keys(f).find_map(|k| index.get(&k).copied());
            let state = match hit {
                Some(pos) => {
                    matched.insert(pos);
                    let old = &baseline.runs[pos.0].findings[pos.1];
                    if old.severity == f.severity { BaselineState::Unchanged } else { BaselineState::Updated }
                }
                None => BaselineState::New,
            };
            match state {
                BaselineState::New => stats.new += 1,
                BaselineState::Unchanged => stats.unchanged += 1,
                BaselineState::Updated => stats.updated += 1,
                BaselineState::Absent => {}
            }
            f.baseline_state = Some(state);
        }
    }
    for (ri, run) in baseline.runs.iter().enumerate() {
        for (fi, f) in run.findings.iter().enumerate() {
            if matched.contains(&(ri, fi)) || f.baseline_state == Some(BaselineState::Absent) {
                continue;
            }
            stats.absent += 1;
            if !include_absent {
                continue;
            }
            let target = current
                .runs
                .iter()
                .position(|r| r.automation_id == run.automation_id)
                .or_else(|| current.runs.iter().position(|r| r.tool.name == run.tool.name));
            if let Some(t) = target {
                let mut gone = f.clone();
                gone.baseline_state = Some(BaselineState::Absent);
                current.runs[t].findings.push(gone);
            }
        }
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Location, Run};
    use crate::{Severity, fingerprint};

    fn code(line: &str, sev: Severity) -> Finding {
        let mut f = Finding::new("B301", Category::Sast, sev, "pickle");
        f.locations.push(Location::file("train.py", Some(10)));
        f.fingerprints.insert(fingerprint::CODE_V1.into(), fingerprint::code("B301", "train.py", line, 0));
        f
    }

    fn file(f: Vec<Finding>) -> FindingsFile {
        let mut r = Run::new("bandit-wrapper", "0.1.0", ".");
        r.findings = f;
        FindingsFile { runs: vec![r] }
    }

    #[test]
    fn states_by_fingerprint_not_line() {
        let base =
            file(vec![code("a()", Severity::Medium), code("b()", Severity::Low), code("gone()", Severity::High)]);
        let mut moved = code("a()", Severity::Medium);
        moved.locations[0].start_line = Some(99);
        let mut cur = file(vec![moved, code("b()", Severity::High), code("c()", Severity::Low)]);
        let st = apply(&mut cur, &base, true);
        assert_eq!(st, BaselineStats { new: 1, unchanged: 1, updated: 1, absent: 1 });
        let states: Vec<_> = cur.runs[0].findings.iter().map(|f| f.baseline_state).collect();
        assert_eq!(
            states,
            [
                Some(BaselineState::Unchanged),
                Some(BaselineState::Updated),
                Some(BaselineState::New),
                Some(BaselineState::Absent)
            ]
        );
    }
}

//! Suppressions from configuration (`[[suppress]]` in `mlsec.toml`): matched by rule, fingerprint
//! and path glob, recorded on the finding as an external suppression with its expiry. An expired
//! suppression stays in the file (so the report can say it expired) but no longer suppresses.

use globset::{GlobBuilder, GlobMatcher};

use crate::model::{Finding, FindingsFile, Suppression, SuppressionKind, SuppressionStatus};

/// One suppression rule. Every given criterion must match; at least one must be given.
#[derive(Debug, Clone)]
pub struct SuppressRule {
    /// Rule id (or advisory id) to match exactly.
    pub rule: Option<String>,
    /// A fingerprint value (any key) to match exactly.
    pub fingerprint: Option<String>,
    /// A glob over the primary location's path (`tests/**`).
    pub path: Option<GlobMatcher>,
    /// Why; required.
    pub reason: String,
    /// The day it stops applying (exclusive).
    pub expires: Option<time::Date>,
}

/// A glob that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("invalid path glob `{glob}`: {message}")]
pub struct GlobError {
    glob: String,
    message: String,
}

impl SuppressRule {
    /// Build a rule; `path` is a glob (`*` within a segment, `**` across segments).
    pub fn new(
        rule: Option<String>,
        fingerprint: Option<String>,
        path: Option<&str>,
        reason: String,
        expires: Option<time::Date>,
    ) -> Result<SuppressRule, GlobError> {
        let path = path
            .map(|g| {
                GlobBuilder::new(g)
                    .literal_separator(true)
                    .build()
                    .map(|g| g.compile_matcher())
                    .map_err(|e| GlobError { glob: g.to_owned(), message: e.kind().to_string() })
            })
            .transpose()?;
        Ok(SuppressRule { rule, fingerprint, path, reason, expires })
    }

    /// Whether this rule covers `f`.
    pub fn matches(&self, f: &Finding) -> bool {
        if self.rule.is_none() && self.fingerprint.is_none() && self.path.is_none() {
            return false;
        }
        self.rule.as_ref().is_none_or(|r| {
            *r == f.rule_id || f.vulnerability.as_ref().is_some_and(|v| v.id == *r || v.aliases.contains(r))
        }) && self.fingerprint.as_ref().is_none_or(|fp| f.fingerprints.values().any(|v| v == fp))
            && self.path.as_ref().is_none_or(|g| f.primary_location().is_some_and(|l| g.is_match(&l.uri)))
    }
}

/// Record every matching rule on the findings of `file`; returns how many findings matched.
pub fn apply(file: &mut FindingsFile, rules: &[SuppressRule], source: &str) -> usize {
    let mut n = 0;
    for run in &mut file.runs {
        for f in &mut run.findings {
            let matching: Vec<&SuppressRule> = rules.iter().filter(|r| r.matches(f)).collect();
            let hit = !matching.is_empty();
            for r in matching {
                let sp = Suppression {
                    kind: SuppressionKind::External,
                    status: SuppressionStatus::Accepted,
                    justification: Some(r.reason.clone()),
                    expires: r.expires,
                    source: Some(source.to_owned()),
                };
                if !f.suppressions.contains(&sp) {
                    f.suppressions.push(sp);
                }
            }
            n += usize::from(hit);
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Severity;
    use crate::model::{Category, Location, Run};
    use time::macros::date;

    #[test]
    fn rule_path_and_expiry() {
        let mut f = Finding::new("B301", Category::Sast, Severity::High, "pickle");
        f.locations.push(Location::file("tests/unit/test_io.py", Some(1)));
        let mut g = f.clone();
        g.locations[0] = Location::file("src/io.py", Some(1));
        let mut r = Run::new("bandit-wrapper", "0", ".");
        r.findings = vec![f, g];
        let mut file = FindingsFile { runs: vec![r] };
        let rule = SuppressRule::new(
            Some("B301".into()),
            None,
            Some("tests/**"),
            "fixtures".into(),
            Some(date!(2026 - 01 - 31)),
        )
        .expect("glob");
        assert_eq!(apply(&mut file, &[rule], "mlsec.toml"), 1);
        let fs = &file.runs[0].findings;
        assert!(fs[0].is_suppressed(date!(2026 - 01 - 30)));
        assert!(!fs[0].is_suppressed(date!(2026 - 01 - 31)), "expires on the day given");
        assert!(!fs[1].is_suppressed(date!(2026 - 01 - 01)));
        assert!(SuppressRule::new(None, None, Some("a[b"), "x".into(), None).is_err());
        let one_level = SuppressRule::new(None, None, Some("tests/*.py"), "x".into(), None).expect("glob");
        assert!(!one_level.matches(&fs[0]), "`*` stays within one path segment");
    }
}

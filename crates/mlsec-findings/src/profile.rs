//! The profile validator behind `mlsec validate`: the SARIF structure (via the `serde-sarif`
//! types) plus the rules of the mlsec profile v1 (DESIGN.md §4), each violation with a JSON
//! pointer. The full SARIF JSON schema is checked by the conformance script with
//! check-jsonschema; embedding a JSON-schema engine here would cost more than it adds.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use crate::error::FindingsError;
use crate::fingerprint;
use crate::merge::{MAX_LOCATIONS, MAX_RESULTS_PER_RUN, MAX_RUNS};
use crate::model::Category;
use crate::redact;
use crate::sarif::{self, PROFILE_KEY, PROFILE_VERSION, SRCROOT, keys};
use crate::severity::{Confidence, Severity};

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer to the offending value.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// Validate a findings file's bytes. `Err` when it is not SARIF at all (not JSON, truncated,
/// wrong shape); `Ok(violations)` otherwise, empty when the file follows the profile.
pub fn validate_bytes(bytes: &[u8], path: &Path) -> Result<Vec<Violation>, FindingsError> {
    let v = sarif::parse_json(bytes, path)?;
    // Structure first: this fails with a clear error for non-SARIF input.
    sarif::sarif_from_value(v.clone(), path)?;
    Ok(validate_value(&v))
}

struct Ctx {
    out: Vec<Violation>,
}

impl Ctx {
    fn err(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.out.push(Violation { pointer: pointer.into(), message: message.into() });
    }
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Validate a parsed SARIF value against the profile rules.
pub fn validate_value(v: &Value) -> Vec<Violation> {
    let mut c = Ctx { out: Vec::new() };
    let runs = v.get("runs").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if runs.len() > MAX_RUNS {
        c.err("/runs", format!("{} runs; GitHub accepts at most {MAX_RUNS} per file", runs.len()));
    }
    let mut ids = HashSet::new();
    for (ri, run) in runs.iter().enumerate() {
        let rp = format!("/runs/{ri}");
        validate_run(&mut c, run, &rp, &mut ids);
    }
    c.out
}

fn validate_run(c: &mut Ctx, run: &Value, rp: &str, ids: &mut HashSet<String>) {
    if run.pointer(&format!("/properties/{}", PROFILE_KEY.replace('/', "~1"))).and_then(Value::as_str)
        != Some(PROFILE_VERSION)
    {
        c.err(
            format!("{rp}/properties"),
            format!("`{PROFILE_KEY}` is not \"{PROFILE_VERSION}\": not written under the mlsec profile"),
        );
    }
    let driver = run.pointer("/tool/driver").cloned().unwrap_or(Value::Null);
    let name = s(&driver, "name").unwrap_or_default();
    let Some(tool) = name.strip_prefix("mlsec-") else {
        c.err(format!("{rp}/tool/driver/name"), format!("{name:?} does not start with `mlsec-`"));
        return;
    };
    if s(&driver, "version").is_none_or(str::is_empty) {
        c.err(format!("{rp}/tool/driver/version"), "missing tool version");
    }
    match run.pointer("/automationDetails/id").and_then(Value::as_str) {
        Some(id) => {
            if !id.starts_with(&format!("mlsec/{tool}/")) || !id.ends_with('/') {
                c.err(format!("{rp}/automationDetails/id"), format!("{id:?} is not `mlsec/{tool}/<target>/`"));
            }
            if !ids.insert(id.to_owned()) {
                c.err(
                    format!("{rp}/automationDetails/id"),
                    format!("{id:?} is used by an earlier run; GitHub rejects two runs with one category"),
                );
            }
        }
        None => c.err(format!("{rp}/automationDetails"), "missing automationDetails.id"),
    }
    if run.pointer("/invocations/0/executionSuccessful").and_then(Value::as_bool).is_none() {
        c.err(format!("{rp}/invocations"), "missing invocations[0].executionSuccessful");
    }

    let rules = driver.get("rules").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut rule_cat: Vec<Option<Category>> = Vec::with_capacity(rules.len());
    for (i, r) in rules.iter().enumerate() {
        let p = format!("{rp}/tool/driver/rules/{i}");
        if r.pointer("/shortDescription/text").and_then(Value::as_str).is_none_or(str::is_empty) {
            c.err(&p, "rule has no shortDescription");
        }
        if s(r, "helpUri").is_none() {
            c.err(&p, "rule has no helpUri");
        }
        if r.pointer("/help/markdown").and_then(Value::as_str).is_none() {
            c.err(&p, "rule has no help.markdown");
        }
        let cat = r
            .pointer("/properties/tags")
            .and_then(Value::as_array)
            .and_then(|t| t.iter().filter_map(Value::as_str).find_map(|t| t.parse::<Category>().ok()));
        if cat.is_none() {
            c.err(
                format!("{p}/properties/tags"),
                "no category tag (secret|sast|vulnerability|misconfiguration|license|sbom|fairness|provenance|model)",
            );
        }
        rule_cat.push(cat);
    }

    let results = run.get("results").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if results.len() > MAX_RESULTS_PER_RUN {
        c.err(
            format!("{rp}/results"),
            format!("{} results; GitHub keeps at most {MAX_RESULTS_PER_RUN} per run", results.len()),
        );
    }
    for (i, res) in results.iter().enumerate() {
        validate_result(c, res, &format!("{rp}/results/{i}"), rules, &rule_cat);
    }
}

fn validate_result(c: &mut Ctx, res: &Value, p: &str, rules: &[Value], rule_cat: &[Option<Category>]) {
    let rule_id = s(res, "ruleId");
    let idx = res.get("ruleIndex").and_then(Value::as_u64).and_then(|i| usize::try_from(i).ok());
    let rule_pos = match (rule_id, idx) {
        (Some(id), Some(i)) if rules.get(i).and_then(|r| s(r, "id")) == Some(id) => Some(i),
        (Some(id), Some(_)) => {
            c.err(format!("{p}/ruleIndex"), format!("ruleIndex does not point at rule {id:?}"));
            None
        }
        (Some(id), None) => {
            let pos = rules.iter().position(|r| s(r, "id") == Some(id));
            if pos.is_none() {
                c.err(format!("{p}/ruleId"), format!("rule {id:?} is not declared in tool.driver.rules"));
            }
            pos
        }
        (None, _) => {
            c.err(p, "result has no ruleId");
            None
        }
    };
    let props = res.get("properties").cloned().unwrap_or(Value::Null);
    let sev = s(&props, keys::SEVERITY).and_then(|v| v.parse::<Severity>().ok());
    match sev {
        Some(sv) => {
            if s(res, "level") != Some(sv.sarif_level()) {
                c.err(format!("{p}/level"), format!("level must be {:?} for severity {sv}", sv.sarif_level()));
            }
        }
        None => c.err(
            format!("{p}/properties"),
            format!("`{}` missing or not critical|high|medium|low|info|unknown", keys::SEVERITY),
        ),
    }
    if s(&props, keys::CONFIDENCE).and_then(|v| v.parse::<Confidence>().ok()).is_none() {
        c.err(format!("{p}/properties"), format!("`{}` missing or not high|medium|low|unknown", keys::CONFIDENCE));
    }
    match s(&props, keys::SECURITY_SEVERITY).map(|v| v.parse::<f64>()) {
        Some(Ok(x)) if (0.0..=10.0).contains(&x) => {}
        _ => c.err(
            format!("{p}/properties"),
            format!("`{}` missing or not a string \"0.0\"..\"10.0\"", keys::SECURITY_SEVERITY),
        ),
    }
    let cat = s(&props, keys::CATEGORY).and_then(|v| v.parse::<Category>().ok());
    match (cat, rule_pos.and_then(|i| rule_cat.get(i).copied().flatten())) {
        (None, _) => c.err(format!("{p}/properties"), format!("`{}` missing or not a category", keys::CATEGORY)),
        (Some(a), Some(b)) if a != b => {
            c.err(format!("{p}/properties"), format!("category {a} differs from its rule's {b}"))
        }
        _ => {}
    }

    let fps = res.get("partialFingerprints").and_then(Value::as_object);
    let known = [fingerprint::SECRET_V1, fingerprint::VULN_V1, fingerprint::CODE_V1, fingerprint::MODEL_V1];
    match fps {
        Some(m) => {
            if !m.keys().any(|k| known.contains(&k.as_str())) {
                c.err(format!("{p}/partialFingerprints"), "no mlsec fingerprint (mlsec/secret|vuln|code|model/v1)");
            }
            if !m.contains_key(fingerprint::PRIMARY_LOCATION_LINE_HASH) {
                c.err(format!("{p}/partialFingerprints"), "no primaryLocationLineHash (the key GitHub reads)");
            }
            if cat == Some(Category::Secret) && !m.contains_key(fingerprint::SECRET_V1) {
                c.err(format!("{p}/partialFingerprints"), "a secret finding needs mlsec/secret/v1");
            }
        }
        None => c.err(p, "no partialFingerprints"),
    }

    let locs = res.get("locations").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if locs.len() > MAX_LOCATIONS {
        c.err(format!("{p}/locations"), format!("{} locations; GitHub keeps at most {MAX_LOCATIONS}", locs.len()));
    }
    for (li, l) in locs.iter().enumerate() {
        let lp = format!("{p}/locations/{li}");
        let art = l.pointer("/physicalLocation/artifactLocation");
        let uri = art.and_then(|a| s(a, "uri")).unwrap_or_default();
        match art.and_then(|a| s(a, "uriBaseId")) {
            Some(SRCROOT) => {
                if uri.is_empty()
                    || uri.starts_with('/')
                    || uri.contains("://")
                    || uri.split('/').any(|seg| seg == "..")
                    || uri.contains('\\')
                {
                    c.err(
                        format!("{lp}/physicalLocation/artifactLocation/uri"),
                        format!("{uri:?} is not a repo-relative path"),
                    );
                }
            }
            Some(other) => c.err(
                format!("{lp}/physicalLocation/artifactLocation/uriBaseId"),
                format!("{other:?}: repository files use SRCROOT"),
            ),
            None => {
                let has_scheme = uri.split_once(':').is_some_and(|(scheme, _)| {
                    !scheme.is_empty() && scheme.chars().all(|ch| ch.is_ascii_alphanumeric() || "+.-".contains(ch))
                });
                if !has_scheme {
                    c.err(
                        format!("{lp}/physicalLocation/artifactLocation"),
                        format!("{uri:?}: a file needs uriBaseId SRCROOT; an artifact needs an absolute URI"),
                    );
                } else if l.get("logicalLocations").and_then(Value::as_array).is_none_or(Vec::is_empty) {
                    c.err(&lp, "an artifact location needs logicalLocations");
                }
            }
        }
        if let Some(snip) = l.pointer("/physicalLocation/region/snippet/text").and_then(Value::as_str) {
            let clean = match cat {
                Some(Category::Secret) => redact::redact_snippet(Category::Secret, snip) == snip,
                _ => redact::mask_secrets(snip) == snip,
            };
            if !clean {
                c.err(format!("{lp}/physicalLocation/region/snippet"), "snippet holds an unredacted secret value");
            }
        }
    }
    if let Some(msg) = res.pointer("/message/text").and_then(Value::as_str)
        && redact::mask_secrets(msg) != msg
    {
        c.err(format!("{p}/message"), "message holds an unredacted secret value");
    }
    for (si, sp) in
        res.get("suppressions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default().iter().enumerate()
    {
        if let Some(d) = sp.pointer(&format!("/properties/{}", keys::EXPIRES.replace('/', "~1")))
            && d.as_str().and_then(sarif::parse_date).is_none()
        {
            c.err(
                format!("{p}/suppressions/{si}/properties"),
                format!("`{}` {d} is not a YYYY-MM-DD date", keys::EXPIRES),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_sarif_is_flagged_not_rejected() {
        let v: Value = serde_json::json!({
            "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "Bandit"}}, "results": []}]
        });
        let out = validate_value(&v);
        assert!(out.iter().any(|v| v.message.contains("mlsec profile")), "{out:?}");
        assert!(out.iter().any(|v| v.message.contains("mlsec-")), "{out:?}");
    }

    #[test]
    fn non_sarif_is_an_error() {
        let err = validate_bytes(br#"{"SchemaVersion": 2, "Results": []}"#, Path::new("t.json")).unwrap_err();
        assert!(err.hint().unwrap_or_default().contains("trivy-wrapper"), "{err}");
        let err = validate_bytes(br#"{"version": "2.1.0", "runs": [{"tool""#, Path::new("t.json")).unwrap_err();
        assert!(matches!(err, FindingsError::Json { line: 1, .. }), "{err}");
    }
}

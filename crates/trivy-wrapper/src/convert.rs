//! Trivy's JSON report -> one mlsec run.

use std::collections::{HashMap, HashSet};

use mlsec_findings::model::normalise_path;
use mlsec_findings::{
    Category, Confidence, Finding, Location, Package, Rule, Run, Severity, Suppression, SuppressionKind,
    SuppressionStatus, Vulnerability, fingerprint, redact,
};

use crate::ignore::{self, IgnoreEntry, Kind, Subject};
use crate::report::{self, Report, TrivyResult};

/// Conversion options.
#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    /// `--ignore-unfixed`: unfixed vulnerabilities are listed but not gated on.
    pub ignore_unfixed: bool,
    /// `.trivyignore` entries.
    pub ignores: Vec<IgnoreEntry>,
}

/// Whether a Target is a file of the scanned tree (lockfile, config file) rather than an image's
/// OS description such as `alpine:3.10 (alpine 3.10.2)`.
fn is_file_target(r: &TrivyResult<'_>) -> bool {
    r.class != "os-pkgs" && !r.target.is_empty() && !r.target.contains(" (")
}

/// The CVSS score: NVD, then GHSA, then the severity source's vendor, then any vendor (v3, else v4).
fn cvss_score(v: &report::Vuln<'_>) -> (Option<f64>, Option<String>) {
    let order = ["nvd", "ghsa"].into_iter().chain(v.severity_source.as_deref());
    for vendor in order {
        if let Some((_, c)) = v.cvss.iter().find(|(name, _)| name.as_str() == vendor)
            && let Some(s) = c.v3_score.filter(|s| (0.0..=10.0).contains(s))
        {
            return (Some(s), c.v3_vector.as_deref().map(str::to_owned));
        }
    }
    // Any other vendor, in name order (as Trivy's map is read).
    let mut rest: Vec<&(report::Str<'_>, report::Cvss<'_>)> = v.cvss.iter().collect();
    rest.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    for (_, c) in rest {
        if let Some(s) = c.v3_score.or(c.v40_score).filter(|s| (0.0..=10.0).contains(s)) {
            return (Some(s), c.v3_vector.as_deref().map(str::to_owned));
        }
    }
    (None, None)
}

fn suppress_for(entries: &[IgnoreEntry], subject: Subject<'_>) -> Option<Suppression> {
    let e = entries.iter().find(|e| ignore::matches(e, &subject))?;
    Some(Suppression {
        kind: SuppressionKind::External,
        status: SuppressionStatus::Accepted,
        justification: Some(match &e.statement {
            Some(s) => format!("{} (listed in {})", redact::redact_message(s), e.source),
            None => format!("listed in {}", e.source),
        }),
        expires: e.expires,
        source: Some(if e.kind.is_some() { ".trivyignore.yaml" } else { ".trivyignore" }.to_owned()),
    })
}

fn rule_help(rule: &mut Rule, uri: Option<&str>, markdown: String) {
    let uri = uri.filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    rule.help_uri = Some(uri.map_or_else(|| "https://avd.aquasec.com/".to_owned(), str::to_owned));
    rule.help_markdown = Some(markdown);
}

fn one_line(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 200 { s.chars().take(199).collect::<String>() + "…" } else { s }
}

/// Convert the report into `run` (which carries the tool and engine already).
pub fn convert(report: &Report<'_>, run: &mut Run, opts: &ConvertOptions) {
    let artifact = if report.artifact_name.is_empty() { "target".to_owned() } else { report.artifact_name.clone() };
    // Rule-level texts (help, redacted description) are built once per rule id: an advisory that
    // hits many packages, or a check that fails in many files, shares its rule.
    let mut rules: HashSet<String> =
        HashSet::with_capacity(report.results.iter().flatten().map(|r| r.vulnerabilities.len()).sum());
    let mut add_rule = |run: &mut Run, id: &str, build: &dyn Fn() -> Rule| {
        if !rules.contains(id) {
            rules.insert(id.to_owned());
            run.rules.push(build());
        }
    };
    let total: usize = report
        .results
        .iter()
        .flatten()
        .map(|r| {
            r.vulnerabilities.len()
                + r.modified_findings.len()
                + r.misconfigurations.len()
                + r.secrets.len()
                + r.licenses.len()
        })
        .sum();
    run.findings.reserve(total);
    run.rules.reserve(total);
    let mut occurrences: HashMap<String, u32> = HashMap::new();
    for r in report.results.iter().flatten() {
        let file_target = is_file_target(r);
        let target_path = normalise_path(&r.target);
        // Files of the scanned tree get a SRCROOT location; anything else (an image's OS
        // packages, files inside an image) an absolute artifact URI: the package's purl when there
        // is one, else a URN naming the artifact and target.
        let location = |line: Option<u32>, end: Option<u32>, purl: Option<&str>| -> Location {
            if file_target {
                let mut l = Location::file(target_path.clone(), line);
                l.end_line = end.filter(|&e| Some(e) > line);
                l
            } else {
                let uri = match purl {
                    Some(p) => p.to_owned(),
                    None => format!("urn:mlsec:artifact:{}", urn_escape(&format!("{artifact}/{}", r.target))),
                };
                let mut l = Location::artifact(uri, "package");
                l.logical
                    .push(mlsec_findings::LogicalLocation { name: artifact.clone(), kind: Some("artifact".into()) });
                if !r.target.is_empty() && r.target != artifact {
                    l.logical
                        .push(mlsec_findings::LogicalLocation { name: r.target.clone(), kind: Some("target".into()) });
                }
                l
            }
        };

        // Index the packages once: a large image has thousands of vulnerabilities and packages.
        let mut by_uid: HashMap<&str, usize> = HashMap::new();
        let mut by_name: HashMap<(&str, &str), usize> = HashMap::new();
        for (i, p) in r.packages.iter().enumerate() {
            if let Some(u) = p.identifier.as_ref().and_then(|id| id.uid.as_deref()) {
                by_uid.entry(u).or_insert(i);
            }
            by_name.entry((p.name.as_str(), p.version.as_str())).or_insert(i);
        }
        // Findings that Trivy moved to `ExperimentalModifiedFindings` (a VEX statement, or an ignore
        // file with `--show-suppressed`) are listed too, each with its statement as an external
        // suppression: `Finding` has the shape of its type's entry in `Results[]`.
        let vex_vulns: Vec<(report::Vuln<'_>, &report::ModifiedFinding)> = modified(r, "vulnerability", run);
        let vex_misconfs: Vec<(report::Misconf, &report::ModifiedFinding)> = modified(r, "misconfiguration", run);
        let vex_secrets: Vec<(report::Secret, &report::ModifiedFinding)> = modified(r, "secret", run);
        let vex_licenses: Vec<(report::License, &report::ModifiedFinding)> = modified(r, "license", run);
        for m in &r.modified_findings {
            if !["vulnerability", "misconfiguration", "secret", "license"]
                .iter()
                .any(|t| m.r#type.eq_ignore_ascii_case(t))
            {
                run.invocation
                    .warnings
                    .push(format!("{}: a suppressed finding of unknown type {:?} is not listed", r.target, m.r#type));
            }
        }
        let all = r.vulnerabilities.iter().map(|v| (v, None)).chain(vex_vulns.iter().map(|(v, m)| (v, Some(*m))));
        for (v, modified) in all {
            if v.vulnerability_id.is_empty() {
                continue;
            }
            let id = v.vulnerability_id.as_str().to_owned();
            let purl = v.pkg_identifier.as_ref().and_then(|p| p.purl.as_deref()).map(str::to_owned);
            let uid = v.pkg_identifier.as_ref().and_then(|p| p.uid.as_deref());
            // The lockfile line lives on the package (matched by uid, else name + version).
            let pkg = uid
                .and_then(|u| by_uid.get(u))
                .or_else(|| by_name.get(&(v.pkg_name.as_str(), v.installed_version.as_str())))
                .map(|&i| &r.packages[i]);
            let line = pkg.and_then(|p| p.locations.first()).and_then(|l| l.start_line);
            let end = pkg.and_then(|p| p.locations.first()).and_then(|l| l.end_line);
            let purl = purl
                .or_else(|| pkg.and_then(|p| p.identifier.as_ref()).and_then(|i| i.purl.as_deref()).map(str::to_owned));
            let (score, vector) = cvss_score(v);
            let title = v.title.as_deref().filter(|t| !t.is_empty()).map(str::to_owned);
            add_rule(run, &id, &|| {
                let mut rule =
                    Rule::new(id.clone(), Category::Vulnerability, one_line(title.as_deref().unwrap_or(&id)));
                let desc = v.description.as_deref().map(redact::redact_message).unwrap_or_default();
                rule_help(
                    &mut rule,
                    v.primary_url.as_deref(),
                    format!("**{id}**{}\n\n{desc}", title.as_deref().map(|t| format!(": {t}")).unwrap_or_default()),
                );
                rule.tags.extend(v.cwe_ids.iter().map(|c| c.as_str().to_owned()));
                rule
            });

            let fixed = v.fixed_version.as_deref().filter(|f| !f.is_empty()).map(str::to_owned);
            let sev = Severity::from_trivy(&v.severity);
            let msg = format!(
                "{} {}: {}{}",
                v.pkg_name,
                v.installed_version,
                title.as_deref().map(one_line).unwrap_or_else(|| id.clone()),
                fixed.as_deref().map_or_else(|| " (no fix yet)".to_owned(), |f| format!(" (fixed in {f})")),
            );
            let mut f = Finding::new(id.clone(), Category::Vulnerability, sev, msg);
            f.cvss_score = score;
            f.confidence = Confidence::High;
            let generic;
            let uri = match purl.as_deref() {
                Some(p) => p,
                None => {
                    generic = format!("pkg:generic/{}@{}", urn_escape(&v.pkg_name), urn_escape(&v.installed_version));
                    &generic
                }
            };
            f.locations.push(location(line, end, Some(uri)));
            let manifest = if file_target { Some(target_path.clone()) } else { None };
            let purl_key = purl.clone().unwrap_or_else(|| format!("pkg:generic/{}", v.pkg_name));
            f.fingerprints.insert(
                fingerprint::VULN_V1.to_owned(),
                fingerprint::vuln(&id, &purl_key, manifest.as_deref().unwrap_or(&artifact)),
            );
            f.package = Some(Package {
                name: v.pkg_name.as_str().to_owned(),
                version: Some(v.installed_version.as_str().to_owned()).filter(|s| !s.is_empty()),
                purl,
                ecosystem: Some(r.r#type.clone()).filter(|s| !s.is_empty()),
                fixed_version: fixed.clone(),
                manifest,
            });
            f.vulnerability = Some(Vulnerability {
                id: id.clone(),
                cvss_vector: vector,
                cwes: v.cwe_ids.iter().map(|c| c.as_str().to_owned()).collect(),
                references: v.references.iter().take(20).map(|r| r.as_str().to_owned()).collect(),
                title,
                ..Default::default()
            });
            f.tags.extend(v.cwe_ids.iter().map(|c| c.as_str().to_owned()));
            if let Some(s) = &v.status {
                f.properties.insert("trivy/status".to_owned(), serde_json::Value::String(s.as_str().to_owned()));
            }
            if fixed.is_none() {
                f.properties.insert("mlsec/unfixed".to_owned(), serde_json::Value::Bool(true));
                if opts.ignore_unfixed {
                    f.suppressions.push(Suppression {
                        kind: SuppressionKind::External,
                        status: SuppressionStatus::Accepted,
                        justification: Some("no fixed version yet (--ignore-unfixed)".to_owned()),
                        expires: None,
                        source: Some("ignore-unfixed".to_owned()),
                    });
                }
            }
            let paths = [r.target.as_str(), v.pkg_path.as_deref().unwrap_or("")];
            let subject = Subject {
                kind: Kind::Vulnerability,
                ids: &[&id],
                paths: &paths,
                purl: f.package.as_ref().and_then(|p| p.purl.as_deref()),
            };
            if let Some(s) = suppress_for(&opts.ignores, subject) {
                f.suppressions.push(s);
            }
            if let Some(m) = modified {
                apply_modified(&mut f, m);
            }
            run.findings.push(f);
        }

        let misconfs =
            r.misconfigurations.iter().map(|m| (m, None)).chain(vex_misconfs.iter().map(|(x, m)| (x, Some(*m))));
        for (m, modified) in misconfs {
            if m.id.is_empty() || m.status.as_deref().is_some_and(|s| s != "FAIL") {
                continue;
            }
            let title = m.title.clone().unwrap_or_else(|| m.id.clone());
            add_rule(run, &m.id, &|| {
                let mut rule = Rule::new(m.id.clone(), Category::Misconfiguration, one_line(&title));
                rule_help(
                    &mut rule,
                    m.primary_url.as_deref(),
                    format!(
                        "{}\n\n**Fix:** {}",
                        m.description.as_deref().unwrap_or(&title),
                        m.resolution.as_deref().unwrap_or("see the link")
                    ),
                );
                rule
            });
            let cause = m.cause_metadata.as_ref();
            let line = cause.and_then(|c| c.start_line).filter(|&l| l > 0);
            let msg = m.message.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| title.clone());
            let mut f = Finding::new(m.id.clone(), Category::Misconfiguration, Severity::from_trivy(&m.severity), msg);
            f.confidence = Confidence::High;
            f.locations.push(location(line, cause.and_then(|c| c.end_line), None));
            let resource = cause.and_then(|c| c.resource.clone()).unwrap_or_default();
            let key = format!("{}\0{}\0{}", m.id, target_path, resource);
            let occ = occurrences.entry(key).or_insert(0);
            f.fingerprints
                .insert(fingerprint::CODE_V1.to_owned(), fingerprint::code(&m.id, &target_path, &resource, *occ));
            *occ += 1;
            let legacy = m.id.replace('-', "");
            let mut ids = vec![m.id.as_str(), legacy.as_str()];
            ids.extend(m.avd_id.as_deref());
            let subject = Subject { kind: Kind::Misconfiguration, ids: &ids, paths: &[r.target.as_str()], purl: None };
            if let Some(s) = suppress_for(&opts.ignores, subject) {
                f.suppressions.push(s);
            }
            if let Some(m) = modified {
                apply_modified(&mut f, m);
            }
            run.findings.push(f);
        }

        let secrets = r.secrets.iter().map(|s| (s, None)).chain(vex_secrets.iter().map(|(x, m)| (x, Some(*m))));
        for (s, modified) in secrets {
            if s.rule_id.is_empty() {
                continue;
            }
            let title = s.title.clone().unwrap_or_else(|| s.rule_id.clone());
            add_rule(run, &s.rule_id, &|| {
                let mut rule = Rule::new(s.rule_id.clone(), Category::Secret, one_line(&title));
                rule_help(
                    &mut rule,
                    None,
                    format!(
                        "A {title} is committed. Revoke it at its issuer, then remove it from the history and read it from a CI secret."
                    ),
                );
                rule
            });
            let mut f = Finding::new(
                s.rule_id.clone(),
                Category::Secret,
                Severity::from_trivy(&s.severity),
                format!("{title} in {}", r.target),
            );
            f.confidence = Confidence::High;
            let mut loc = location(s.start_line, s.end_line, None);
            // Trivy masks the value in `Match`, but the wrapper does not rely on it: the snippet is
            // redacted again and the fingerprint is a hash.
            let matched = s.matched.clone().unwrap_or_default();
            if !matched.is_empty() {
                loc.snippet = Some(redact::redact_snippet(Category::Secret, &one_line(&matched)));
            }
            f.locations.push(loc);
            let value = format!("{}\0{}\0{}", target_path, s.start_line.unwrap_or(0), matched);
            f.fingerprints.insert(
                fingerprint::SECRET_V1.to_owned(),
                fingerprint::secret(&s.rule_id, &fingerprint::secret_value_hash(value.as_bytes())),
            );
            let subject = Subject { kind: Kind::Secret, ids: &[&s.rule_id], paths: &[r.target.as_str()], purl: None };
            if let Some(sup) = suppress_for(&opts.ignores, subject) {
                f.suppressions.push(sup);
            }
            if let Some(m) = modified {
                apply_modified(&mut f, m);
            }
            run.findings.push(f);
        }

        let licenses = r.licenses.iter().map(|l| (l, None)).chain(vex_licenses.iter().map(|(x, m)| (x, Some(*m))));
        for (l, modified) in licenses {
            if l.name.is_empty() {
                continue;
            }
            let id = format!("license/{}", l.name);
            add_rule(run, &id, &|| {
                let mut rule = Rule::new(id.clone(), Category::License, format!("License {}", l.name));
                rule_help(
                    &mut rule,
                    l.link.as_deref().filter(|s| !s.is_empty()),
                    format!(
                        "Trivy classifies {} as **{}**. Check that it is allowed for this project.",
                        l.name,
                        l.category.as_deref().unwrap_or("unknown")
                    ),
                );
                rule
            });
            let pkg = l.pkg_name.clone().filter(|s| !s.is_empty());
            let file = l.file_path.clone().filter(|s| !s.is_empty());
            let what = pkg.clone().or(file.clone()).unwrap_or_else(|| r.target.clone());
            let mut f = Finding::new(
                id.clone(),
                Category::License,
                Severity::from_trivy(&l.severity),
                format!("{what}: license {} ({})", l.name, l.category.as_deref().unwrap_or("unknown")),
            );
            f.confidence = Confidence::Medium;
            f.locations.push(match &file {
                Some(p) => Location::file(p.clone(), None),
                None => location(None, None, None),
            });
            f.fingerprints.insert(fingerprint::CODE_V1.to_owned(), fingerprint::code(&id, &target_path, &what, 0));
            if let Some(name) = pkg {
                f.package = Some(Package { name, ..Default::default() });
            }
            let paths = [file.as_deref().unwrap_or(""), r.target.as_str()];
            let subject = Subject { kind: Kind::License, ids: &[&l.name], paths: &paths, purl: None };
            if let Some(sup) = suppress_for(&opts.ignores, subject) {
                f.suppressions.push(sup);
            }
            if let Some(m) = modified {
                apply_modified(&mut f, m);
            }
            run.findings.push(f);
        }
    }
}

/// The `ExperimentalModifiedFindings` of `r` of type `kind`, read as that type's entry. One that
/// cannot be read is not listed, with a warning in the run (never silently).
fn modified<'r, T: serde::Deserialize<'r>>(
    r: &'r TrivyResult<'_>,
    kind: &str,
    run: &mut Run,
) -> Vec<(T, &'r report::ModifiedFinding)> {
    let mut out = Vec::new();
    for m in r.modified_findings.iter().filter(|m| m.r#type.eq_ignore_ascii_case(kind)) {
        match m.finding.as_ref().map(|v| T::deserialize(v)) {
            Some(Ok(t)) => out.push((t, m)),
            Some(Err(e)) => run
                .invocation
                .warnings
                .push(format!("{}: a suppressed {kind} could not be read ({e}); it is not listed", r.target)),
            None => run
                .invocation
                .warnings
                .push(format!("{}: a suppressed {kind} has no `Finding`; it is not listed", r.target)),
        }
    }
    out
}

/// Record why Trivy set a finding aside: its status (`not_affected`, `ignored`, ...) and statement
/// as an accepted external suppression, the source (a VEX document, an ignore file) named.
fn apply_modified(f: &mut Finding, m: &report::ModifiedFinding) {
    let status = m.status.as_deref().filter(|s| !s.is_empty()).unwrap_or("not_affected");
    let source = m.source.as_deref().filter(|s| !s.is_empty()).unwrap_or("unknown");
    let vex = status != "ignored";
    f.suppressions.push(Suppression {
        kind: SuppressionKind::External,
        status: SuppressionStatus::Accepted,
        justification: Some(match m.statement.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(st) => format!("{status}: {}", redact::redact_message(st)),
            None => status.to_owned(),
        }),
        expires: None,
        source: Some(if vex { format!("vex: {source}") } else { format!("trivy: {source}") }),
    });
    f.properties.insert("trivy/vex-status".to_owned(), serde_json::Value::String(status.to_owned()));
}

/// Percent-encode what may not appear in a URI path (hand-written: a few bytes, no crate needed).
fn urn_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

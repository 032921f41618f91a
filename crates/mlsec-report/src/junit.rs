//! JUnit XML for GitLab's test report widget (`artifacts:reports:junit`), or any CI that reads
//! JUnit.
//!
//! - `<testsuites name="mlsec">` with one `<testsuite>` per run, named after the tool's short name
//!   (with the target in parentheses when one tool ran more than once), with `tests`,
//!   `failures`, `errors` and `skipped` counts.
//! - One `<testcase>` per finding: `classname` is `<tool>/<category>`, `name` is
//!   `<rule id> <path:line>` (`#2`, `#3`... appended to repeats within a suite, which GitLab
//!   would otherwise fold into one).
//!   - `<failure type="<severity>" message="<message>">` for a finding the gate considers
//!     (`mlsec_findings::gate::considered`) at or above the threshold (`--fail-on`). A
//!     `max-findings` budget does not turn these into passes: each is still over the threshold.
//!   - `<skipped message="suppressed: <justification>"/>` for a finding with an effective
//!     suppression.
//!   - A passing test case with a `<system-out>` that says why it does not fail (below the
//!     threshold, report-only gate, unchanged against the baseline under new-only, absent from
//!     this scan) for every other finding.
//! - A run without findings gets one passing test case `no findings`; a run whose invocation
//!   failed gets a `tool error` test case with an `<error>` listing the tool's errors (and no
//!   `no findings` case: a failed tool has not shown that there is nothing).
//!
//! Every message, snippet, justification and tool error goes through `mlsec_findings::redact`.
//! Text and attribute values are escaped (`&`, `<`, `>`, `"`, `'`; tab, CR and LF as character
//! references in attributes) and characters XML 1.0 does not allow are dropped.

use std::collections::HashMap;
use std::fmt::Write as _;

use mlsec_findings::gate;
use mlsec_findings::redact::{redact_message, redact_snippet};
use mlsec_findings::{BaselineState, Finding, Run, Severity};

use crate::RenderContext;

/// Whether `c` may appear in an XML 1.0 document.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// `s` escaped for element text.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|&c| xml_char(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// `s` escaped for a double-quoted attribute value. White space other than the space is written
/// as character references, so attribute-value normalisation keeps it.
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|&c| xml_char(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            _ => out.push(c),
        }
    }
    out
}

/// What a test case says besides its name.
enum Outcome {
    Failure { severity: Severity, message: String, body: String },
    Skipped { message: String },
    Error { message: String, body: String },
    Pass { out: Option<String> },
}

struct Case {
    classname: String,
    name: String,
    outcome: Outcome,
}

/// The JUnit XML report.
pub fn render(ctx: &RenderContext<'_>) -> String {
    let mut tool_runs: HashMap<&str, usize> = HashMap::new();
    for run in &ctx.file.runs {
        *tool_runs.entry(run.short_name()).or_default() += 1;
    }
    let suites: Vec<(String, Vec<Case>)> = ctx
        .file
        .runs
        .iter()
        .map(|run| {
            let mut name = run.short_name().to_owned();
            if tool_runs.get(run.short_name()).is_some_and(|&n| n > 1) {
                name.push_str(&format!(" ({})", target(run)));
            }
            (name, cases(ctx, run))
        })
        .collect();

    let count = |cases: &[Case], pred: fn(&Outcome) -> bool| cases.iter().filter(|c| pred(&c.outcome)).count();
    let is_failure = |o: &Outcome| matches!(o, Outcome::Failure { .. });
    let is_error = |o: &Outcome| matches!(o, Outcome::Error { .. });
    let is_skipped = |o: &Outcome| matches!(o, Outcome::Skipped { .. });
    let all: Vec<&Case> = suites.iter().flat_map(|(_, c)| c).collect();
    let total = |pred: fn(&Outcome) -> bool| all.iter().filter(|c| pred(&c.outcome)).count();
    let timestamp = crate::gitlab::gitlab_time(ctx.options.generated_at);

    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"mlsec\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        all.len(),
        total(is_failure),
        total(is_error),
        total(is_skipped)
    );
    for (name, cases) in &suites {
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" timestamp=\"{timestamp}\">",
            escape_attr(name),
            cases.len(),
            count(cases, is_failure),
            count(cases, is_error),
            count(cases, is_skipped)
        );
        for c in cases {
            write_case(&mut x, c);
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

fn write_case(x: &mut String, c: &Case) {
    let open = format!("    <testcase classname=\"{}\" name=\"{}\"", escape_attr(&c.classname), escape_attr(&c.name));
    match &c.outcome {
        Outcome::Pass { out: None } => {
            let _ = writeln!(x, "{open}/>");
        }
        Outcome::Pass { out: Some(out) } => {
            let _ = writeln!(x, "{open}>\n      <system-out>{}</system-out>\n    </testcase>", escape_text(out));
        }
        Outcome::Skipped { message } => {
            let _ = writeln!(x, "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>", escape_attr(message));
        }
        Outcome::Failure { severity, message, body } => {
            let _ = writeln!(
                x,
                "{open}>\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                severity.as_str(),
                escape_attr(message),
                escape_text(body)
            );
        }
        Outcome::Error { message, body } => {
            let _ = writeln!(
                x,
                "{open}>\n      <error type=\"tool-error\" message=\"{}\">{}</error>\n    </testcase>",
                escape_attr(message),
                escape_text(body)
            );
        }
    }
}

/// The run's target, from `mlsec/<tool>/<target>/`.
fn target(run: &Run) -> String {
    let t = run.automation_id.split('/').skip(2).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("/");
    if t.is_empty() { run.automation_id.clone() } else { t }
}

fn cases(ctx: &RenderContext<'_>, run: &Run) -> Vec<Case> {
    let tool = run.short_name();
    let mut out = Vec::new();
    if !run.invocation.successful {
        let mut errors: Vec<String> = run.invocation.errors.iter().map(|e| redact_message(e).into_owned()).collect();
        if errors.is_empty() {
            errors.push(format!(
                "{tool} did not complete (exit code {})",
                run.invocation.exit_code.map_or_else(|| "unknown".to_owned(), |c| c.to_string())
            ));
        }
        out.push(Case {
            classname: format!("{tool}/invocation"),
            name: "tool error".to_owned(),
            outcome: Outcome::Error { message: errors[0].clone(), body: errors.join("\n") },
        });
    } else if run.findings.is_empty() {
        out.push(Case {
            classname: tool.to_owned(),
            name: "no findings".to_owned(),
            outcome: Outcome::Pass { out: None },
        });
    }
    let mut names: HashMap<String, usize> = HashMap::new();
    for f in &run.findings {
        let location = f.primary_location().map_or_else(|| "(no location)".to_owned(), |l| l.display());
        let mut name = format!("{} {location}", f.rule_id);
        let n = names.entry(name.clone()).or_default();
        *n += 1;
        if *n > 1 {
            name.push_str(&format!(" #{n}"));
        }
        out.push(Case { classname: format!("{tool}/{}", f.category), name, outcome: outcome(ctx, run, f) });
    }
    out
}

fn outcome(ctx: &RenderContext<'_>, run: &Run, f: &Finding) -> Outcome {
    let today = ctx.policy.today;
    if let Some(s) = f.suppressions.iter().find(|s| s.is_effective(today)) {
        let why = s
            .justification
            .as_deref()
            .filter(|j| !j.trim().is_empty())
            .or(s.source.as_deref())
            .unwrap_or(s.kind.as_str());
        return Outcome::Skipped { message: format!("suppressed: {}", redact_message(why)) };
    }
    let threshold = ctx.fail_on();
    let considered = gate::considered(f, &ctx.policy);
    if considered && threshold.is_some_and(|t| f.severity >= t) {
        return Outcome::Failure {
            severity: f.severity,
            message: redact_message(&f.message).into_owned(),
            body: describe(run, f, threshold),
        };
    }
    let why = if f.baseline_state == Some(BaselineState::Absent) {
        "not failing: absent from this scan (fixed since the baseline)".to_owned()
    } else if !considered {
        "not failing: unchanged against the baseline (the gate counts new findings only)".to_owned()
    } else if let Some(t) = threshold {
        format!("not failing: {} is below the gate threshold ({t})", f.severity)
    } else {
        "not failing: the gate is report-only (no fail-on threshold)".to_owned()
    };
    Outcome::Pass { out: Some(format!("{why}\n{}", describe(run, f, threshold))) }
}

/// The details of a finding, one fact a line.
fn describe(run: &Run, f: &Finding, threshold: Option<Severity>) -> String {
    let rule = run.rule(&f.rule_id);
    let mut s = String::new();
    let _ = writeln!(s, "{}", redact_message(&f.message));
    let _ = write!(s, "severity: {}", f.severity);
    if let Some(t) = threshold {
        let _ = write!(s, " (threshold: {t})");
    }
    s.push('\n');
    let _ = write!(s, "rule: {}", f.rule_id);
    if let Some(r) = rule {
        let _ = write!(s, " ({})", redact_message(&r.short_description));
    }
    s.push('\n');
    if let Some(v) = &f.vulnerability
        && v.id != f.rule_id
    {
        let _ = writeln!(s, "advisory: {}", v.id);
    }
    if let Some(l) = f.primary_location() {
        let _ = writeln!(s, "location: {}", l.display());
        if let Some(snippet) = &l.snippet {
            let _ = writeln!(s, "snippet: {}", redact_snippet(f.category, snippet));
        }
    }
    if let Some(p) = &f.package {
        let _ = write!(s, "package: {}", p.name);
        if let Some(v) = &p.version {
            let _ = write!(s, " {v}");
        }
        s.push('\n');
        match &p.fixed_version {
            Some(fixed) => {
                let _ = writeln!(s, "fix: upgrade {} to {fixed}", p.name);
            }
            None if f.category == mlsec_findings::Category::Vulnerability => {
                s.push_str("fix: no fixed version known yet\n");
            }
            None => {}
        }
    }
    if let Some(m) = &f.measurement {
        let _ = writeln!(s, "measurement: {}", crate::gitlab::measurement_text(m));
    }
    if let Some(b) = f.baseline_state {
        let _ = writeln!(s, "baseline: {}", b.as_str());
    }
    if let Some(h) = rule.and_then(|r| r.help_uri.as_deref()) {
        let _ = writeln!(s, "help: {h}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportOptions;
    use mlsec_findings::gate::GatePolicy;
    use mlsec_findings::sample::{FAKE_AWS_KEY, FAKE_DB_PASSWORD, FAKE_HF_TOKEN, sample};
    use mlsec_findings::{Category, FindingsFile};
    use time::macros::{date, datetime};

    fn policy(fail_on: Option<Severity>) -> GatePolicy {
        GatePolicy { fail_on, new_only: false, max_findings: None, today: date!(2026 - 12 - 02) }
    }

    fn render_with(file: &FindingsFile, policy: GatePolicy) -> String {
        let options = ReportOptions { generated_at: datetime!(2026-12-01 12:00 UTC), ..ReportOptions::default() };
        render(&RenderContext::new(file, policy, options))
    }

    /// A small well-formedness check: every tag closes in order, attribute values are quoted,
    /// `&` only starts a known entity or character reference, no `<` in text or attributes, no
    /// character XML 1.0 forbids. Returns the element names in document order.
    fn check_well_formed(xml: &str) -> Result<Vec<String>, String> {
        fn check_refs(s: &str) -> Result<(), String> {
            let mut rest = s;
            while let Some(i) = rest.find('&') {
                let tail = &rest[i + 1..];
                let end = tail.find(';').ok_or_else(|| format!("bare & in {s:?}"))?;
                let r = &tail[..end];
                let ok = matches!(r, "amp" | "lt" | "gt" | "quot" | "apos")
                    || r.strip_prefix('#').is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
                if !ok {
                    return Err(format!("bad reference &{r};"));
                }
                rest = &tail[end + 1..];
            }
            if s.contains('<') {
                return Err(format!("< in {s:?}"));
            }
            Ok(())
        }
        if let Some(c) = xml.chars().find(|&c| !xml_char(c)) {
            return Err(format!("invalid char {c:?}"));
        }
        let body = xml.strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>").ok_or("no declaration")?;
        let mut stack: Vec<String> = Vec::new();
        let mut names = Vec::new();
        let mut rest = body;
        let mut roots = 0;
        while let Some(i) = rest.find('<') {
            check_refs(&rest[..i])?;
            if stack.is_empty() && !rest[..i].trim().is_empty() {
                return Err("text outside the root".into());
            }
            let tail = &rest[i + 1..];
            let end = tail.find('>').ok_or("unclosed tag")?;
            let tag = &tail[..end];
            rest = &tail[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().ok_or("close without open")?;
                if open != name.trim() {
                    return Err(format!("</{name}> closes <{open}>"));
                }
                continue;
            }
            let self_closing = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let (name, mut attrs) = tag.split_once(' ').unwrap_or((tag, ""));
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(format!("bad tag name {name:?}"));
            }
            let mut seen = Vec::new();
            loop {
                attrs = attrs.trim_start();
                if attrs.is_empty() {
                    break;
                }
                let (key, after) = attrs.split_once("=\"").ok_or_else(|| format!("bad attribute in <{tag}>"))?;
                let close = after.find('"').ok_or("unterminated attribute")?;
                check_refs(&after[..close])?;
                if seen.contains(&key) {
                    return Err(format!("duplicate attribute {key}"));
                }
                seen.push(key);
                attrs = &after[close + 1..];
            }
            if stack.is_empty() {
                roots += 1;
            }
            names.push(name.to_owned());
            if !self_closing {
                stack.push(name.to_owned());
            }
        }
        if !rest.trim().is_empty() || !stack.is_empty() || roots != 1 {
            return Err(format!("unbalanced: {stack:?}, {roots} roots"));
        }
        Ok(names)
    }

    #[test]
    fn sample_snapshot() {
        insta::assert_snapshot!(render_with(&sample(), policy(Some(Severity::High))));
    }

    #[test]
    fn well_formed_and_counted() {
        let xml = render_with(&sample(), policy(Some(Severity::High)));
        let names = check_well_formed(&xml).expect("well-formed");
        let n = |tag: &str| names.iter().filter(|t| *t == tag).count();
        assert_eq!(n("testsuites"), 1);
        assert_eq!(n("testsuite"), 6);
        assert_eq!(n("testcase"), 16);
        // At or above high and considered: hf, aws; 4 critical/high vulns; fairness; provenance.
        assert_eq!(n("failure"), 8);
        assert_eq!(n("skipped"), 2);
        assert_eq!(n("error"), 0);
        assert!(xml.contains("<testsuites name=\"mlsec\" tests=\"16\" failures=\"8\" errors=\"0\" skipped=\"2\">"));
        assert!(xml.contains("<testsuite name=\"secret-scan\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"1\""));
        assert!(
            xml.contains("<skipped message=\"suppressed: local docker-compose credentials, not used outside dev\"/>")
        );
        assert!(xml.contains("<skipped message=\"suppressed: # nosec B105\"/>"));
        assert!(xml.contains("classname=\"bandit-wrapper/sast\" name=\"B614 src/serve.py:18\""));
        assert!(xml.contains("not failing: medium is below the gate threshold (high)"));
        // Report-only: no failures at all.
        let xml = render_with(&sample(), policy(None));
        let names = check_well_formed(&xml).expect("well-formed");
        assert_eq!(names.iter().filter(|t| *t == "failure").count(), 0);
        assert!(xml.contains("the gate is report-only"));
        // Critical threshold: unknown and medium pass, critical fails.
        let xml = render_with(&sample(), policy(Some(Severity::Critical)));
        assert_eq!(check_well_formed(&xml).expect("well-formed").iter().filter(|t| *t == "failure").count(), 4);
    }

    #[test]
    fn empty_failed_and_baseline_runs() {
        let mut file = sample();
        // A run with no findings, a failed run, a new-only unchanged finding, an absent one.
        file.runs.push(Run::new("sbom", "0.1.0", "services/api"));
        let mut failed = Run::new("bandit-wrapper", "0.1.0", "tests");
        failed.invocation.successful = false;
        failed.invocation.exit_code = Some(2);
        failed.invocation.errors.push(format!("bandit: cannot parse <b>x.py</b> & \"y.py\" near {FAKE_AWS_KEY}\u{1b}"));
        file.runs.push(failed);
        file.runs[0].findings[0].baseline_state = Some(BaselineState::Unchanged);
        file.runs[0].findings[1].baseline_state = Some(BaselineState::Absent);
        let p = GatePolicy { new_only: true, ..policy(Some(Severity::High)) };
        let xml = render_with(&file, p);
        check_well_formed(&xml).expect("well-formed");
        assert!(xml.contains("<testsuite name=\"sbom (.)\""));
        assert!(
            xml.contains(
                "<testsuite name=\"sbom (services/api)\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\""
            )
        );
        assert!(xml.contains("<testcase classname=\"sbom\" name=\"no findings\"/>"));
        assert!(xml.contains("<testsuite name=\"bandit-wrapper (tests)\" tests=\"1\" failures=\"0\" errors=\"1\""));
        assert!(xml.contains("&lt;b&gt;x.py&lt;/b&gt; &amp; &quot;y.py&quot;"));
        assert!(!xml.contains(FAKE_AWS_KEY));
        assert!(!xml.contains('\u{1b}'));
        assert!(xml.contains("unchanged against the baseline"));
        assert!(xml.contains("absent from this scan"));
        assert!(xml.contains("<testsuite name=\"secret-scan\" tests=\"3\" failures=\"0\" errors=\"0\" skipped=\"1\""));
        // A failed run without messages still says why.
        let mut f = FindingsFile::default();
        let mut r = Run::new("trivy-wrapper", "0.1.0", ".");
        r.invocation.successful = false;
        r.invocation.exit_code = None;
        f.runs.push(r);
        let xml = render_with(&f, policy(None));
        assert!(xml.contains("trivy-wrapper did not complete (exit code unknown)"), "{xml}");
        assert!(!xml.contains("no findings"));
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_text("a<b>&\"c'\u{0}\u{b}\u{fffe}d\n"), "a&lt;b&gt;&amp;&quot;c&apos;d\n");
        assert_eq!(escape_attr("x\ny\tz\r"), "x&#10;y&#9;z&#13;");
        assert_eq!(escape_attr("é 😀"), "é 😀");
        // Repeated names in a suite are told apart.
        let mut file = FindingsFile::default();
        let mut run = Run::new("bandit-wrapper", "0", ".");
        for _ in 0..2 {
            let mut f = Finding::new("B1", Category::Sast, Severity::Low, "m <&>");
            f.locations.push(mlsec_findings::Location::file("a.py", Some(1)));
            run.findings.push(f);
        }
        file.runs.push(run);
        let xml = render_with(&file, policy(Some(Severity::High)));
        check_well_formed(&xml).expect("well-formed");
        assert!(xml.contains("name=\"B1 a.py:1\""));
        assert!(xml.contains("name=\"B1 a.py:1 #2\""));
        assert!(check_well_formed("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a><b></a></b>").is_err());
        assert!(check_well_formed("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a x=\"&\"/>").is_err());
    }

    #[test]
    fn no_secret_value() {
        for p in [policy(Some(Severity::High)), policy(None)] {
            let xml = render_with(&sample(), p);
            for secret in [FAKE_AWS_KEY, FAKE_HF_TOKEN, FAKE_DB_PASSWORD] {
                assert!(!xml.contains(secret), "leaks {secret}");
            }
        }
    }
}

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

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::fmt::Write as _;

use mlsec_findings::gate;
use mlsec_findings::redact::{redact_message, redact_snippet};
use mlsec_findings::{BaselineState, Finding, Location, Rule, Run, Severity};

use crate::RenderContext;

/// About what one test case takes (the sample set's are 150-900 bytes), to size the output once.
const BYTES_PER_CASE: usize = 768;

/// Whether `c` may appear in an XML 1.0 document (what `push_escaped` keeps; the tests check the
/// output with it).
#[cfg(test)]
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Bytes that may need escaping or dropping: ASCII controls, `&<>"'`, and `0xEF`, the first
/// byte of U+FFFE and U+FFFF (the only other characters XML 1.0 forbids that a `str` can hold).
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'&' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t[0xEF] = true;
    t
};

/// Appends `s` escaped: for element text, or (`attr`) for a double-quoted attribute value, where
/// white space other than the space is written as character references. Characters XML 1.0 does
/// not allow are dropped. Runs of bytes that need nothing are copied at once; every special byte
/// is ASCII or a lead byte, so the slices are on character boundaries.
fn push_escaped(out: &mut String, s: &str, attr: bool) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !SPECIAL[usize::from(b)] {
            i += 1;
            continue;
        }
        let (replacement, len) = match b {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\'' => ("&apos;", 1),
            b'\t' if attr => ("&#9;", 1),
            b'\n' if attr => ("&#10;", 1),
            b'\r' if attr => ("&#13;", 1),
            b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            // U+FFFE and U+FFFF.
            0xEF if bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) => ("", 3),
            0xEF => {
                i += 1;
                continue;
            }
            // Other ASCII controls.
            _ => ("", 1),
        };
        out.push_str(&s[start..i]);
        out.push_str(replacement);
        i += len;
        start = i;
    }
    out.push_str(&s[start..]);
}

/// Appends `s` escaped for element text.
fn push_text(out: &mut String, s: &str) {
    push_escaped(out, s, false);
}

/// Appends `s` escaped for a double-quoted attribute value.
fn push_attr(out: &mut String, s: &str) {
    push_escaped(out, s, true);
}

/// `s` escaped for element text.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_text(&mut out, s);
    out
}

/// `s` escaped for a double-quoted attribute value. White space other than the space is written
/// as character references, so attribute-value normalisation keeps it.
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_attr(&mut out, s);
    out
}

/// What a finding's test case says besides its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Failure,
    Skipped,
    Pass,
}

/// The outcome of a finding's test case (see the module docs).
fn outcome(ctx: &RenderContext<'_>, f: &Finding) -> Outcome {
    if f.is_suppressed(ctx.policy.today) {
        Outcome::Skipped
    } else if gate::considered(f, &ctx.policy) && ctx.fail_on().is_some_and(|t| f.severity >= t) {
        Outcome::Failure
    } else {
        Outcome::Pass
    }
}

/// `tests`, `failures`, `errors`, `skipped` of a suite.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn of(ctx: &RenderContext<'_>, run: &Run) -> Counts {
        let mut c = Counts::default();
        if !run.invocation.successful {
            c.tests += 1;
            c.errors += 1;
        } else if run.findings.is_empty() {
            c.tests += 1;
        }
        for f in &run.findings {
            c.tests += 1;
            match outcome(ctx, f) {
                Outcome::Failure => c.failures += 1,
                Outcome::Skipped => c.skipped += 1,
                Outcome::Pass => {}
            }
        }
        c
    }

    fn add(self, o: Counts) -> Counts {
        Counts {
            tests: self.tests + o.tests,
            failures: self.failures + o.failures,
            errors: self.errors + o.errors,
            skipped: self.skipped + o.skipped,
        }
    }
}

/// The JUnit XML report, written into one pre-sized string: the counts first (outcomes only),
/// then the test cases straight from the findings.
pub fn render(ctx: &RenderContext<'_>) -> String {
    let mut tool_runs: HashMap<&str, usize> = HashMap::new();
    for run in &ctx.file.runs {
        *tool_runs.entry(run.short_name()).or_default() += 1;
    }
    let counts: Vec<Counts> = ctx.file.runs.iter().map(|run| Counts::of(ctx, run)).collect();
    let total = counts.iter().fold(Counts::default(), |a, &c| a.add(c));
    let timestamp = crate::gitlab::gitlab_time(ctx.options.generated_at);

    let mut x = String::with_capacity(1024 + total.tests * BYTES_PER_CASE);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"mlsec\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        total.tests, total.failures, total.errors, total.skipped
    );
    let mut scratch = String::new();
    for (run, c) in ctx.file.runs.iter().zip(&counts) {
        x.push_str("  <testsuite name=\"");
        push_attr(&mut x, run.short_name());
        if tool_runs.get(run.short_name()).is_some_and(|&n| n > 1) {
            x.push_str(" (");
            push_attr(&mut x, &target(run));
            x.push(')');
        }
        let _ = writeln!(
            x,
            "\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" timestamp=\"{timestamp}\">",
            c.tests, c.failures, c.errors, c.skipped
        );
        write_cases(&mut x, &mut scratch, ctx, run);
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

/// `    <testcase classname="<tool>[/<category>]" name="<name>"`, not closed.
fn open_case(x: &mut String, tool: &str, category: Option<&str>, name: &str) {
    x.push_str("    <testcase classname=\"");
    push_attr(x, tool);
    if let Some(category) = category {
        x.push('/');
        push_attr(x, category);
    }
    x.push_str("\" name=\"");
    push_attr(x, name);
    x.push('"');
}

/// `path:line` for humans (`Location::display`, without a `String` of its own).
fn push_location(s: &mut String, l: &Location) {
    s.push_str(&l.uri);
    if let Some(line) = l.start_line {
        let _ = write!(s, ":{line}");
    }
}

/// The run's target, from `mlsec/<tool>/<target>/`.
fn target(run: &Run) -> String {
    let t = run.automation_id.split('/').skip(2).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("/");
    if t.is_empty() { run.automation_id.clone() } else { t }
}

/// The test cases of a run; `scratch` is a reusable buffer.
fn write_cases(x: &mut String, scratch: &mut String, ctx: &RenderContext<'_>, run: &Run) {
    let tool = run.short_name();
    if !run.invocation.successful {
        let mut errors: Vec<String> = run.invocation.errors.iter().map(|e| redact_message(e).into_owned()).collect();
        if errors.is_empty() {
            errors.push(format!(
                "{tool} did not complete (exit code {})",
                run.invocation.exit_code.map_or_else(|| "unknown".to_owned(), |c| c.to_string())
            ));
        }
        open_case(x, tool, Some("invocation"), "tool error");
        x.push_str(">\n      <error type=\"tool-error\" message=\"");
        push_attr(x, &errors[0]);
        x.push_str("\">");
        push_text(x, &errors.join("\n"));
        x.push_str("</error>\n    </testcase>\n");
    } else if run.findings.is_empty() {
        open_case(x, tool, None, "no findings");
        x.push_str("/>\n");
    }
    let threshold = ctx.fail_on();
    let today = ctx.policy.today;
    let rules = Rules { run, short_descriptions: run.rules.iter().map(|_| OnceCell::new()).collect() };
    // Test case names seen in this suite, and how often.
    let mut names: HashMap<String, usize> = HashMap::with_capacity(run.findings.len());
    let mut name = String::new();
    for f in &run.findings {
        name.clear();
        name.push_str(&f.rule_id);
        name.push(' ');
        match f.primary_location() {
            Some(l) => push_location(&mut name, l),
            None => name.push_str("(no location)"),
        }
        let repeat = match names.get_mut(name.as_str()) {
            Some(n) => {
                *n += 1;
                Some(*n)
            }
            None => {
                names.insert(name.clone(), 1);
                None
            }
        };
        if let Some(n) = repeat {
            let _ = write!(name, " #{n}");
        }
        open_case(x, tool, Some(f.category.as_str()), &name);
        match outcome(ctx, f) {
            Outcome::Skipped => {
                let s = f.suppressions.iter().find(|s| s.is_effective(today));
                let why = s.map_or("", |s| {
                    s.justification
                        .as_deref()
                        .filter(|j| !j.trim().is_empty())
                        .or(s.source.as_deref())
                        .unwrap_or(s.kind.as_str())
                });
                x.push_str(">\n      <skipped message=\"suppressed: ");
                push_attr(x, &redact_message(why));
                x.push_str("\"/>\n    </testcase>\n");
            }
            Outcome::Failure => {
                let message = redact_message(&f.message);
                let _ = write!(x, ">\n      <failure type=\"{}\" message=\"", f.severity.as_str());
                push_attr(x, &message);
                x.push_str("\">");
                scratch.clear();
                describe(scratch, &rules, f, &message, threshold);
                push_text(x, scratch);
                x.push_str("</failure>\n    </testcase>\n");
            }
            Outcome::Pass => {
                scratch.clear();
                if f.baseline_state == Some(BaselineState::Absent) {
                    scratch.push_str("not failing: absent from this scan (fixed since the baseline)");
                } else if !gate::considered(f, &ctx.policy) {
                    scratch.push_str("not failing: unchanged against the baseline (the gate counts new findings only)");
                } else if let Some(t) = threshold {
                    let _ = write!(scratch, "not failing: {} is below the gate threshold ({t})", f.severity);
                } else {
                    scratch.push_str("not failing: the gate is report-only (no fail-on threshold)");
                }
                scratch.push('\n');
                describe(scratch, &rules, f, &redact_message(&f.message), threshold);
                x.push_str(">\n      <system-out>");
                push_text(x, scratch);
                x.push_str("</system-out>\n    </testcase>\n");
            }
        }
    }
}

/// A run's rules, with their short descriptions redacted once (on first use) rather than for
/// every finding.
struct Rules<'a> {
    run: &'a Run,
    short_descriptions: Vec<OnceCell<Cow<'a, str>>>,
}

impl<'a> Rules<'a> {
    /// The rule of `f` (the first with its id, as `Run::rule`) and its redacted short description.
    fn get(&self, f: &Finding) -> Option<(&'a Rule, &str)> {
        let i = self.run.rules.iter().position(|r| r.id == f.rule_id)?;
        let rule = &self.run.rules[i];
        Some((rule, self.short_descriptions[i].get_or_init(|| redact_message(&rule.short_description))))
    }
}

/// Appends the details of a finding, one fact a line; `message` is its redacted message.
fn describe(s: &mut String, rules: &Rules<'_>, f: &Finding, message: &str, threshold: Option<Severity>) {
    let (rule, short_description) = rules.get(f).unzip();
    s.push_str(message);
    s.push('\n');
    let _ = write!(s, "severity: {}", f.severity);
    if let Some(t) = threshold {
        let _ = write!(s, " (threshold: {t})");
    }
    s.push('\n');
    s.push_str("rule: ");
    s.push_str(&f.rule_id);
    if let Some(d) = short_description {
        s.push_str(" (");
        s.push_str(d);
        s.push(')');
    }
    s.push('\n');
    if let Some(v) = &f.vulnerability
        && v.id != f.rule_id
    {
        let _ = writeln!(s, "advisory: {}", v.id);
    }
    if let Some(l) = f.primary_location() {
        s.push_str("location: ");
        push_location(s, l);
        s.push('\n');
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

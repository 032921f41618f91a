//! The Markdown report: the GitHub job summary (`$GITHUB_STEP_SUMMARY`) and the body of the sticky
//! PR/MR comment.
//!
//! Layout: a hidden marker (the sticky-comment key, [`MARKER`]), a headline with the verdict, tool
//! errors, a counts table (tools x severities), suppression notes, a mermaid pie of categories,
//! the top findings, then one collapsible section per tool listing its considered findings.
//!
//! Finding text is untrusted (an attacker controls messages through file contents), so every piece
//! of it is escaped: no table breaking, no HTML, no links or images, no mentions.
//!
//! The body never exceeds [`ReportOptions::markdown_max_chars`](crate::ReportOptions) characters
//! nor [`MAX_BYTES`]: sections are added while they fit (details rows first to go, then top-table
//! rows) and a final pointer line says what was left out and where the full report is.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use mlsec_findings::gate::Verdict;
use mlsec_findings::redact;
use mlsec_findings::{Finding, Run, Severity};

use crate::RenderContext;
use crate::summary::{Summary, measurement_text, one_line, package_text, ranked, rfc3339};

/// The first line of every body: how a sticky comment is found again and edited in place.
pub const MARKER: &str = "<!-- mlsec-report -->";

/// GitHub's limit for a step summary (1 MiB), a hard cap whatever the options say.
pub const MAX_BYTES: usize = 1024 * 1024;

/// Message length in the top findings table.
const TOP_MESSAGE_CHARS: usize = 120;
/// Message length in the per-tool sections.
const DETAIL_MESSAGE_CHARS: usize = 300;
/// Tool error messages shown per tool, and their length.
const ERRORS_PER_TOOL: usize = 10;
const ERROR_CHARS: usize = 500;

/// Escape untrusted text for Markdown inline content (table cells, list items, paragraphs).
///
/// Newlines become spaces; `&`, `<`, `>` become entities (no raw HTML); Markdown punctuation is
/// backslash-escaped (no table breaks, code spans, emphasis, links, images or math); an `@` that
/// could start a mention gets a zero-width space after it (no notifications).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev: Option<char> = None;
    for c in s.chars() {
        match c {
            '\r' | '\n' | '\t' => {
                if prev != Some(' ') {
                    out.push(' ');
                }
                prev = Some(' ');
                continue;
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '@' => {
                out.push('@');
                if !prev.is_some_and(|p| p.is_alphanumeric()) {
                    out.push('\u{200B}');
                }
            }
            c => out.push(c),
        }
        prev = Some(c);
    }
    out
}

/// Escape text for an HTML context inside Markdown (`<summary>`).
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A link target, when it is a plain http(s) URL; parentheses and spaces percent-encoded.
fn safe_url(url: &str) -> Option<String> {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return None;
    }
    let mut out = String::with_capacity(u.len());
    for c in u.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '"' => out.push_str("%22"),
            '|' => out.push_str("%7C"),
            '\\' => out.push_str("%5C"),
            '`' => out.push_str("%60"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The output under construction with its two budgets.
struct Out {
    buf: String,
    chars: usize,
    max_chars: usize,
}

impl Out {
    fn new(max_chars: usize) -> Out {
        Out { buf: String::new(), chars: 0, max_chars }
    }

    /// Whether `parts` fit with `reserve = (chars, bytes)` left over for what must follow.
    fn fits(&self, parts: &[&str], reserve: (usize, usize)) -> bool {
        let chars: usize = parts.iter().map(|p| p.chars().count()).sum();
        let bytes: usize = parts.iter().map(|p| p.len()).sum();
        self.chars + chars + reserve.0 <= self.max_chars && self.buf.len() + bytes + reserve.1 <= MAX_BYTES
    }

    fn push(&mut self, s: &str) {
        self.chars += s.chars().count();
        self.buf.push_str(s);
    }
}

fn size(s: &str) -> (usize, usize) {
    (s.chars().count(), s.len())
}

fn add(a: (usize, usize), b: (usize, usize)) -> (usize, usize) {
    (a.0 + b.0, a.1 + b.1)
}

fn threshold_name(ctx: &RenderContext<'_>) -> Option<&'static str> {
    ctx.fail_on().map(Severity::as_str)
}

/// Marker and headline.
fn headline(ctx: &RenderContext<'_>, sum: &Summary) -> String {
    let o = &ctx.outcome;
    let at = plural(o.at_or_above, "finding", "findings");
    let title = match (o.verdict, threshold_name(ctx)) {
        (Verdict::ToolError, _) => {
            let tools: Vec<_> = o.tool_errors.iter().map(|(t, _)| escape(t)).collect();
            format!("mlsec tool error: {} did not complete", tools.join(", "))
        }
        (Verdict::Fail, Some(t)) => format!("mlsec failed: {at} at or above {t}"),
        (Verdict::Fail, None) => format!("mlsec failed: {at}"),
        (Verdict::Pass, _) if sum.total == 0 => "mlsec passed: no findings".to_owned(),
        (Verdict::Pass, None) => "mlsec passed: report only (no threshold)".to_owned(),
        (Verdict::Pass, Some(t)) => match ctx.policy.max_findings {
            Some(n) if o.at_or_above > 0 => format!("mlsec passed: {at} at or above {t}, within the budget of {n}"),
            _ => format!("mlsec passed: no findings at or above {t}"),
        },
    };
    format!("{MARKER}\n## {title}\n\n")
}

/// One line of facts under the headline.
fn facts(ctx: &RenderContext<'_>, sum: &Summary) -> String {
    let o = &ctx.outcome;
    let mut parts = vec![match threshold_name(ctx) {
        Some(t) => format!("Threshold: **{t}**"),
        None => "Threshold: none (report only)".to_owned(),
    }];
    if let Some(n) = ctx.policy.max_findings {
        parts.push(format!("budget: {n}"));
    }
    if ctx.policy.new_only {
        parts.push("new findings only".to_owned());
    }
    parts.push(format!("{} considered", plural(sum.total, "finding", "findings")));
    if o.verdict == Verdict::ToolError && o.at_or_above > 0 {
        parts.push(format!("{} at or above the threshold", o.at_or_above));
    }
    parts.push(plural(ctx.file.runs.len(), "tool run", "tool runs"));
    format!("{}\n\n", parts.join(" · "))
}

fn tool_errors(ctx: &RenderContext<'_>) -> String {
    let errors = &ctx.outcome.tool_errors;
    if errors.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "### Tool errors\n\nThese tools did not complete; their findings may be incomplete, so the gate \
         fails with a tool error.\n\n",
    );
    for (tool, messages) in errors {
        let _ = write!(s, "- **{}**:", escape(tool));
        for m in messages.iter().take(ERRORS_PER_TOOL) {
            let m = one_line(&redact::redact_message(m), ERROR_CHARS);
            let _ = write!(s, "\n  - {}", escape(&m));
        }
        if messages.len() > ERRORS_PER_TOOL {
            let _ = write!(s, "\n  - …and {} more", messages.len() - ERRORS_PER_TOOL);
        }
        s.push('\n');
    }
    s.push('\n');
    s
}

fn counts_table(sum: &Summary) -> String {
    let mut s = String::from("| Tool |");
    for sev in Severity::ALL_DESC {
        let _ = write!(s, " {} |", sev.label());
    }
    s.push_str(" Total |\n|:--|");
    for _ in Severity::ALL_DESC {
        s.push_str("--:|");
    }
    s.push_str("--:|\n");
    for (tool, counts) in &sum.by_tool {
        let _ = write!(s, "| {} |", escape(tool));
        for sev in Severity::ALL_DESC {
            let _ = write!(s, " {} |", counts.get(&sev).copied().unwrap_or(0));
        }
        let _ = writeln!(s, " {} |", counts.values().sum::<usize>());
    }
    s.push_str("| **Total** |");
    for sev in Severity::ALL_DESC {
        let _ = write!(s, " **{}** |", sum.by_severity.get(&sev).copied().unwrap_or(0));
    }
    let _ = write!(s, " **{}** |\n\n", sum.total);
    s
}

fn notes(ctx: &RenderContext<'_>) -> String {
    let o = &ctx.outcome;
    let mut lines = Vec::new();
    if o.suppressed > 0 {
        lines.push(format!(
            "{} suppressed (ignore comments, ignore files or allowlists) and not counted.",
            plural(o.suppressed, "finding is", "findings are")
        ));
    }
    if o.expired_suppressions > 0 {
        lines.push(format!(
            "**{}** an expired suppression and {} counted again: renew or fix.",
            plural(o.expired_suppressions, "finding has", "findings have"),
            if o.expired_suppressions == 1 { "is" } else { "are" }
        ));
    }
    if o.not_new > 0 {
        lines.push(format!(
            "{} unchanged against the baseline (or gone) and not counted.",
            plural(o.not_new, "finding is", "findings are")
        ));
    }
    if lines.is_empty() {
        return String::new();
    }
    lines.iter().map(|l| format!("- {l}\n")).collect::<String>() + "\n"
}

fn pie(sum: &Summary) -> String {
    if sum.total == 0 {
        return String::new();
    }
    let mut s = String::from("```mermaid\npie showData\n    title Findings by category\n");
    for (cat, n) in &sum.by_category {
        let _ = writeln!(s, "    \"{cat}\" : {n}");
    }
    s.push_str("```\n\n");
    s
}

fn location(f: &Finding) -> String {
    f.primary_location().map(|l| escape(&redact::redact_message(&l.display()))).unwrap_or_default()
}

fn message(f: &Finding, max: usize) -> String {
    escape(&one_line(&redact::redact_message(&f.message), max))
}

/// The id, linked to the rule's help when that is a plain web link.
fn id_cell(run: &Run, f: &Finding) -> String {
    let id = escape(f.display_id());
    match run.rule(&f.rule_id).and_then(|r| r.help_uri.as_deref()).and_then(safe_url) {
        Some(url) => format!("[{id}]({url})"),
        None => id,
    }
}

fn top_row(run: &Run, f: &Finding) -> String {
    format!(
        "| {} | {} | {} | {} | {} |\n",
        f.severity.label(),
        escape(run.short_name()),
        escape(f.display_id()),
        location(f),
        message(f, TOP_MESSAGE_CHARS)
    )
}

const TOP_HEADER: &str = "### Top findings\n\n| Severity | Tool | ID | Location | Message |\n|:--|:--|:--|:--|:--|\n";

fn detail_row(run: &Run, f: &Finding, with_extra: bool) -> String {
    let mut row = format!(
        "| {} | {} | {} | {} |",
        f.severity.label(),
        id_cell(run, f),
        location(f),
        message(f, DETAIL_MESSAGE_CHARS)
    );
    if with_extra {
        let extra = package_text(f).or_else(|| measurement_text(f)).unwrap_or_default();
        let _ = write!(row, " {} |", escape(&extra));
    }
    row.push('\n');
    row
}

fn details_open(tool: &str, findings: &[(&Run, &Finding)], with_extra: bool) -> String {
    let mut by_sev: BTreeMap<Severity, usize> = BTreeMap::new();
    for (_, f) in findings {
        *by_sev.entry(f.severity).or_default() += 1;
    }
    let counts: Vec<String> = by_sev.iter().rev().map(|(s, n)| format!("{n} {s}")).collect();
    let mut s = format!(
        "<details><summary><b>{}</b>: {} ({})</summary>\n\n| Severity | ID | Location | Message |",
        escape_html(tool),
        plural(findings.len(), "finding", "findings"),
        counts.join(", ")
    );
    if with_extra {
        s.push_str(" Fix / value |");
    }
    s.push_str("\n|:--|:--|:--|:--|");
    if with_extra {
        s.push_str(":--|");
    }
    s.push('\n');
    s
}

const DETAILS_HEADING: &str = "### Findings by tool\n\n";

const DETAILS_CLOSE: &str = "\n</details>\n\n";

fn more_line(n: usize) -> String {
    format!("\n_…and {} not shown here._\n", plural(n, "more finding", "more findings"))
}

fn pointer(ctx: &RenderContext<'_>, not_shown: usize) -> String {
    let target = match ctx.options.details_url.as_deref().and_then(safe_url) {
        Some(url) => format!("[{}]({url})", escape(&url)),
        None => "the mlsec-report artifact".to_owned(),
    };
    if not_shown == 0 {
        format!("\n_Report truncated. Full report: {target}._\n")
    } else {
        format!(
            "\n_Report truncated: {} not shown. Full report: {target}._\n",
            plural(not_shown, "finding", "findings")
        )
    }
}

fn footer(ctx: &RenderContext<'_>) -> String {
    format!("<sub>mlsec {} · {}</sub>\n", escape_html(&ctx.options.mlsec_version), rfc3339(ctx.options.generated_at))
}

/// Render the Markdown body.
pub fn render(ctx: &RenderContext<'_>) -> String {
    let sum = Summary::new(ctx);
    let findings = ranked(ctx);
    let mut out = Out::new(ctx.options.markdown_max_chars);
    let head = headline(ctx, &sum);
    let foot = footer(ctx);

    // Quiet when there is nothing to say.
    if sum.total == 0 && ctx.outcome.tool_errors.is_empty() {
        let mut body = head;
        body.push_str(&facts(ctx, &sum));
        body.push_str(&notes(ctx));
        body.push_str(&foot);
        return fit_or_cut(body, ctx.options.markdown_max_chars);
    }

    // What must follow whatever is added: the pointer (at its longest) and the footer.
    let reserve = add(size(&pointer(ctx, findings.len())), size(&foot));
    let required = [head.clone(), facts(ctx, &sum), tool_errors(ctx), counts_table(&sum), notes(ctx)].concat();
    if !out.fits(&[&required], reserve) {
        let body = [head, foot, pointer(ctx, findings.len())].concat();
        return fit_or_cut(body, ctx.options.markdown_max_chars);
    }
    out.push(&required);

    let mut truncated = false;
    // Indices into `findings` of those listed somewhere.
    let mut shown: HashSet<usize> = HashSet::new();

    let chart = pie(&sum);
    if out.fits(&[&chart], reserve) {
        out.push(&chart);
    } else {
        truncated = true;
    }

    // Top findings: header and as many rows as fit.
    let top = findings.len().min(ctx.options.top_findings);
    if top > 0 {
        let rows: Vec<String> = findings[..top].iter().map(|(r, f)| top_row(r, f)).collect();
        if out.fits(&[TOP_HEADER, &rows[0], "\n"], reserve) {
            out.push(TOP_HEADER);
            for (i, row) in rows.iter().enumerate() {
                if !out.fits(&[row, "\n"], reserve) {
                    truncated = true;
                    break;
                }
                out.push(row);
                shown.insert(i);
            }
            out.push("\n");
        } else {
            truncated = true;
        }
    }

    // Per-tool sections, tools in the counts table's order, findings most severe first.
    let mut by_tool: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (run, _)) in findings.iter().enumerate() {
        by_tool.entry(run.short_name()).or_default().push(i);
    }
    let mut heading = DETAILS_HEADING;
    for (tool, list) in &by_tool {
        if truncated {
            break;
        }
        let entries: Vec<_> = list.iter().map(|&i| findings[i]).collect();
        let with_extra = entries.iter().any(|(_, f)| f.package.is_some() || f.measurement.is_some());
        let open = details_open(tool, &entries, with_extra);
        let first = detail_row(entries[0].0, entries[0].1, with_extra);
        let close_reserve = add(add(size(&more_line(list.len())), size(DETAILS_CLOSE)), reserve);
        if !out.fits(&[heading, &open, &first], close_reserve) {
            truncated = true;
            break;
        }
        out.push(heading);
        heading = "";
        out.push(&open);
        let mut listed = 0;
        for (&i, (run, f)) in list.iter().zip(&entries) {
            let row = detail_row(run, f, with_extra);
            if !out.fits(&[&row], close_reserve) {
                truncated = true;
                break;
            }
            out.push(&row);
            shown.insert(i);
            listed += 1;
        }
        if listed < list.len() {
            out.push(&more_line(list.len() - listed));
        }
        out.push(DETAILS_CLOSE);
    }

    // The pointer is the last line.
    out.push(&foot);
    if truncated {
        out.push(&pointer(ctx, findings.len() - shown.len()));
    }
    out.buf
}

/// The degenerate case (a budget too small for the required parts): cut on a char boundary.
fn fit_or_cut(body: String, max_chars: usize) -> String {
    let mut end = body.len().min(MAX_BYTES);
    if let Some((i, _)) = body.char_indices().nth(max_chars) {
        end = end.min(i);
    }
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    body[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportOptions;
    use mlsec_findings::gate::GatePolicy;
    use mlsec_findings::sample::{self, FAKE_AWS_KEY, FAKE_DB_PASSWORD, FAKE_HF_TOKEN};
    use mlsec_findings::{Category, FindingsFile, Location, Suppression};
    use time::macros::date;

    use crate::testing::{options, policy};

    fn render_file(file: &FindingsFile, options: ReportOptions) -> String {
        render(&RenderContext::new(file, policy(), options))
    }

    fn balanced(out: &str) {
        assert_eq!(out.matches("<details>").count(), out.matches("</details>").count(), "{out}");
        assert_eq!(out.matches("<summary>").count(), out.matches("</summary>").count());
        assert_eq!(out.matches("```").count() % 2, 0);
    }

    #[test]
    fn sample_snapshot() {
        let out = render_file(&sample::sample(), options());
        balanced(&out);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn tool_error_snapshot() {
        let mut file = sample::sample();
        file.runs[2].invocation.successful = false;
        file.runs[2].invocation.exit_code = Some(1);
        file.runs[2].invocation.errors.push("trivy: failed to download vulnerability DB:\nconnection reset".into());
        let mut expired = Suppression::external("mlsec.toml", Some("until the upgrade".into()));
        expired.expires = Some(date!(2026 - 11 - 30));
        file.runs[1].findings[0].suppressions.push(expired);
        let out = render_file(&file, ReportOptions { top_findings: 3, ..options() });
        assert!(out.starts_with("<!-- mlsec-report -->\n## mlsec tool error: trivy-wrapper did not complete\n"));
        assert!(out.contains("an expired suppression"));
        insta::assert_snapshot!(out);
    }

    #[test]
    fn no_findings_is_short() {
        let out = render_file(&FindingsFile::default(), options());
        assert!(out.starts_with(MARKER));
        assert!(out.contains("no findings"));
        assert!(!out.contains('|') && !out.contains("mermaid") && !out.contains("<details>"));
        assert!(out.len() < 300, "{out}");
        // Tools that ran clean are still just a short body.
        let mut file = FindingsFile::default();
        file.runs.push(Run::new("secret-scan", "0.1.0", "."));
        insta::assert_snapshot!(render_file(&file, options()));
    }

    #[test]
    fn truncation_stays_within_the_limit_and_points_to_the_rest() {
        let file = sample::scaled(5000);
        for max in [65_536, 20_000, 3_000] {
            let opts = ReportOptions {
                details_url: Some("https://github.com/o/r/actions/runs/1".into()),
                markdown_max_chars: max,
                ..options()
            };
            let out = render_file(&file, opts);
            assert!(out.chars().count() <= max, "{} > {max}", out.chars().count());
            assert!(out.starts_with(MARKER));
            balanced(&out);
            assert!(out.ends_with("._\n"));
            let pointer = out.lines().last().unwrap_or_default();
            assert!(pointer.starts_with("_Report truncated: "), "{pointer}");
            assert!(pointer.contains("findings not shown. Full report: [https://github.com/o/r/actions/runs/1]("));
            // Details go first: the top table stays whole while there is room for it.
            if max >= 20_000 {
                let top = out.split("### Top findings\n\n").nth(1).and_then(|s| s.split("\n\n").next());
                assert_eq!(top.map(|t| t.lines().count()), Some(2 + 20), "{max}");
            }
            // Filled, not cut early.
            assert!(out.chars().count() > max - 1_000, "{max}: {}", out.chars().count());
        }
        // The byte cap holds whatever the option says.
        let out = render_file(&file, ReportOptions { markdown_max_chars: usize::MAX, ..options() });
        assert!(out.len() <= MAX_BYTES);
        assert!(out.len() > MAX_BYTES - 2_000);
        balanced(&out);
        assert!(out.contains("not shown. Full report: the mlsec-report artifact._"));
    }

    #[test]
    fn no_truncation_pointer_when_everything_fits() {
        let out = render_file(&sample::sample(), options());
        assert!(!out.contains("truncated"));
        // Every considered finding is in a details section.
        assert_eq!(out.matches("\n| Critical |").count(), 4 * 2);
    }

    #[test]
    fn tiny_budget_never_overflows() {
        for max in [0, 10, 100, 400, 1000] {
            let out = render_file(&sample::sample(), ReportOptions { markdown_max_chars: max, ..options() });
            assert!(out.chars().count() <= max, "{max}: {out}");
        }
    }

    #[test]
    fn untrusted_text_is_escaped() {
        let mut file = FindingsFile::default();
        let mut run = Run::new("bandit-wrapper", "0", ".");
        let mut f = Finding::new(
            "B1",
            Category::Sast,
            Severity::High,
            "a | b <script>alert(1)</script>\n| x | `code` ![i](https://evil.example/p.png) @octocat",
        );
        f.locations.push(Location::file("src/a|b<i>.py", Some(1)));
        run.findings.push(f);
        file.runs.push(run);
        let out = render_file(&file, options());
        assert!(!out.contains("<script>") && !out.contains("<i>"), "{out}");
        assert!(out.contains("a \\| b &lt;script&gt;alert(1)&lt;/script&gt; \\| x \\| \\`code\\` \\!\\[i\\](https"));
        assert!(out.contains("@\u{200B}octocat"));
        assert!(out.contains("src/a\\|b&lt;i&gt;.py:1"));
        // Every table row still has its cell count.
        for line in out.lines().filter(|l| l.starts_with("| High |")) {
            let cells = line.replace("\\|", "").matches('|').count();
            assert!(cells == 6 || cells == 5, "{line}");
        }
    }

    #[test]
    fn no_secret_values() {
        let mut file = sample::sample();
        file.runs[0].findings[0].message = format!("token {FAKE_HF_TOKEN} found");
        file.runs[2].invocation.successful = false;
        file.runs[2].invocation.errors.push(format!("auth failed with key {FAKE_AWS_KEY}"));
        for f in [sample::sample(), file] {
            let out = render_file(&f, options());
            for s in [FAKE_AWS_KEY, FAKE_HF_TOKEN, FAKE_DB_PASSWORD] {
                assert!(!out.contains(s), "{s} leaked");
            }
        }
    }

    #[test]
    fn headline_variants() {
        let file = sample::sample();
        let ctx = |p: GatePolicy| render(&RenderContext::new(&file, p, options()));
        let first = |s: String| s.lines().nth(1).unwrap_or_default().to_owned();
        assert_eq!(first(ctx(policy())), "## mlsec failed: 8 findings at or above high");
        assert_eq!(first(ctx(GatePolicy { fail_on: None, ..policy() })), "## mlsec passed: report only (no threshold)");
        assert_eq!(
            first(ctx(GatePolicy { max_findings: Some(10), ..policy() })),
            "## mlsec passed: 8 findings at or above high, within the budget of 10"
        );
        let mut crit = sample::sample();
        crit.runs.retain(|r| r.short_name() == "sbom");
        let out = render(&RenderContext::new(&crit, policy(), options()));
        assert_eq!(first(out), "## mlsec passed: no findings at or above high");
    }
}

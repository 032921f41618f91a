//! The HTML report: one self-contained file (inline CSS and SVG charts, no scripts, no external
//! resources) that opens offline from a CI artifact.
//!
//! A Content-Security-Policy `<meta>` forbids every load (`default-src 'none'`) as a second line of
//! defence behind the escaping: finding text is untrusted. The only URLs are plain anchors to rule
//! help and advisories. The severity and "suppressed" filters are checkboxes driven by CSS
//! (`:has()`), so the page works without JavaScript; where `:has()` is unsupported every row
//! simply stays visible.

use std::fmt::Write as _;

use mlsec_findings::gate::{self, Verdict};
use mlsec_findings::redact;
use mlsec_findings::{BaselineState, Category, Finding, Run, Severity, SuppressionKind};

use crate::RenderContext;
use crate::summary::{Summary, measurement_text, one_line, package_text, ranked, rfc3339};

/// Escape text for HTML content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An http(s) URL fit for an `href` (escaped), or `None` (`javascript:`, `data:`, relative...).
fn safe_href(url: &str) -> Option<String> {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://")) && !u.chars().any(char::is_control);
    ok.then(|| escape(u))
}

/// Tool error and warning messages shown per tool, and their length.
const MESSAGES_PER_TOOL: usize = 10;
const MESSAGE_CHARS: usize = 500;
/// Longest label in a chart before it is shortened.
const LABEL_CHARS: usize = 18;

const CSS: &str = r#"
:root { color-scheme: light; --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg-alt: #f9fafb;
  --critical: #991b1b; --high: #dc2626; --medium: #d97706; --unknown: #6b7280; --low: #2563eb; --info: #64748b;
  --accent: #4f46e5; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: #fff; }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
pre { margin: 4px 0 0; padding: 4px 8px; background: #f3f4f6; border-radius: 4px; white-space: pre-wrap; word-break: break-all; }
a { color: var(--accent); }
.verdict { display: inline-block; margin: 4px 0 16px; padding: 6px 14px; border-radius: 6px; font-size: 16px; font-weight: 600; color: #fff; }
.v-pass { background: #15803d; } .v-fail { background: #b91c1c; } .v-error { background: #7c2d12; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 0; }
.facts div { min-width: 110px; } .facts dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.facts dd { margin: 0; font-size: 16px; font-weight: 600; }
.errors { border: 1px solid #fca5a5; background: #fef2f2; border-radius: 6px; padding: 4px 16px 8px; margin-top: 20px; }
.errors h2 { border: 0; margin-top: 12px; color: #991b1b; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; margin-top: 24px; }
figure { margin: 0; padding: 12px 16px; border: 1px solid var(--line); border-radius: 6px; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: var(--fg); }
svg .bar { fill: var(--accent); }
svg .sev-critical { fill: var(--critical); } svg .sev-high { fill: var(--high); } svg .sev-medium { fill: var(--medium); }
svg .sev-unknown { fill: var(--unknown); } svg .sev-low { fill: var(--low); } svg .sev-info { fill: var(--info); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--bg-alt); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); position: sticky; top: 0; }
td.num, th.num { text-align: right; }
.findings td:nth-child(2) { white-space: nowrap; }
.findings td:nth-child(4) { min-width: 120px; overflow-wrap: anywhere; }
.findings td:nth-child(5) { min-width: 150px; overflow-wrap: anywhere; }
.findings td:nth-child(6) { min-width: 300px; }
.sev { display: inline-block; min-width: 64px; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 600; text-align: center; }
span.sev-critical { background: var(--critical); } span.sev-high { background: var(--high); } span.sev-medium { background: var(--medium); }
span.sev-unknown { background: var(--unknown); } span.sev-low { background: var(--low); } span.sev-info { background: var(--info); }
.score { display: block; color: var(--muted); font-size: 11px; margin-top: 2px; }
.extra { color: var(--muted); margin-top: 2px; }
.why { color: var(--muted); font-size: 12px; margin-top: 2px; }
.status-expired { color: #b45309; font-weight: 600; }
tr.st-suppressed td, tr.st-not-counted td { color: var(--muted); background: var(--bg-alt); }
tr.st-suppressed .sev, tr.st-not-counted .sev { opacity: .45; }
tr.st-suppressed td:nth-child(6) > span.msg { text-decoration: line-through; text-decoration-color: #9ca3af; }
.filters { border: 0; padding: 0; margin: 0 0 12px; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.filters legend { float: left; margin-right: 8px; color: var(--muted); }
.filters label { cursor: pointer; user-select: none; }
.empty { color: var(--muted); font-style: italic; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
body:has(#show-critical:not(:checked)) tr.sev-critical, body:has(#show-high:not(:checked)) tr.sev-high,
body:has(#show-medium:not(:checked)) tr.sev-medium, body:has(#show-unknown:not(:checked)) tr.sev-unknown,
body:has(#show-low:not(:checked)) tr.sev-low, body:has(#show-info:not(:checked)) tr.sev-info,
body:has(#show-suppressed:not(:checked)) tr.st-suppressed, body:has(#show-suppressed:not(:checked)) tr.st-not-counted { display: none; }
@media print { .filters { display: none; } th { position: static; } }
"#;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn verdict(ctx: &RenderContext<'_>, sum: &Summary) -> (&'static str, String) {
    let o = &ctx.outcome;
    let at = plural(o.at_or_above, "finding", "findings");
    let t = ctx.fail_on().map(Severity::as_str);
    match (o.verdict, t) {
        (Verdict::ToolError, _) => {
            let tools: Vec<&str> = o.tool_errors.iter().map(|(t, _)| t.as_str()).collect();
            ("v-error", format!("Tool error: {} did not complete", tools.join(", ")))
        }
        (Verdict::Fail, Some(t)) => ("v-fail", format!("Failed: {at} at or above {t}")),
        (Verdict::Fail, None) => ("v-fail", format!("Failed: {at}")),
        (Verdict::Pass, _) if sum.total == 0 => ("v-pass", "Passed: no findings".to_owned()),
        (Verdict::Pass, None) => ("v-pass", "Passed: report only (no threshold)".to_owned()),
        (Verdict::Pass, Some(t)) => match ctx.policy.max_findings {
            Some(n) if o.at_or_above > 0 => {
                ("v-pass", format!("Passed: {at} at or above {t}, within the budget of {n}"))
            }
            _ => ("v-pass", format!("Passed: no findings at or above {t}")),
        },
    }
}

fn header(ctx: &RenderContext<'_>, sum: &Summary, out: &mut String) {
    let o = &ctx.outcome;
    let (class, text) = verdict(ctx, sum);
    let _ = writeln!(out, "<header>\n<h1>{}</h1>", escape(&ctx.options.html_title));
    let _ = writeln!(out, "<p class=\"verdict {class}\" role=\"status\">{}</p>", escape(&text));
    let generated = rfc3339(ctx.options.generated_at);
    let mut facts: Vec<(&str, String)> = vec![
        ("Verdict", format!("{} (exit {})", verdict_word(o.verdict), o.verdict.exit_code())),
        ("Threshold", ctx.fail_on().map_or_else(|| "none (report only)".to_owned(), |s| s.to_string())),
    ];
    if let Some(n) = ctx.policy.max_findings {
        facts.push(("Budget", n.to_string()));
    }
    facts.push(("Considered", sum.total.to_string()));
    facts.push(("At or above", o.at_or_above.to_string()));
    facts.push(("Suppressed", o.suppressed.to_string()));
    if o.expired_suppressions > 0 {
        facts.push(("Expired suppressions", o.expired_suppressions.to_string()));
    }
    if ctx.policy.new_only || o.not_new > 0 {
        facts.push(("Not new", o.not_new.to_string()));
    }
    facts.push(("Tool runs", ctx.file.runs.len().to_string()));
    out.push_str("<dl class=\"facts\">\n");
    for (k, v) in facts {
        let _ = writeln!(out, "<div><dt>{k}</dt><dd>{}</dd></div>", escape(&v));
    }
    let _ = writeln!(
        out,
        "<div><dt>Generated</dt><dd><time datetime=\"{g}\">{g}</time></dd></div>\n\
         <div><dt>mlsec</dt><dd>{}</dd></div>\n</dl>\n</header>",
        escape(&ctx.options.mlsec_version),
        g = escape(&generated)
    );
}

const fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::ToolError => "tool error",
    }
}

fn tool_errors(ctx: &RenderContext<'_>, out: &mut String) {
    let errors = &ctx.outcome.tool_errors;
    if errors.is_empty() {
        return;
    }
    out.push_str(
        "<section class=\"errors\" id=\"tool-errors\">\n<h2>Tool errors</h2>\n<p>These tools did not complete: \
         their findings may be incomplete, so the gate ends with a tool error (exit 2).</p>\n<ul>\n",
    );
    for (tool, messages) in errors {
        let _ = write!(out, "<li><strong>{}</strong>", escape(tool));
        message_list(messages, out);
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n</section>\n");
}

fn message_list(messages: &[String], out: &mut String) {
    if messages.is_empty() {
        return;
    }
    out.push_str("<ul>");
    for m in messages.iter().take(MESSAGES_PER_TOOL) {
        let m = one_line(&redact::redact_message(m), MESSAGE_CHARS);
        let _ = write!(out, "<li>{}</li>", escape(&m));
    }
    if messages.len() > MESSAGES_PER_TOOL {
        let _ = write!(out, "<li>…and {} more</li>", messages.len() - MESSAGES_PER_TOOL);
    }
    out.push_str("</ul>");
}

/// One horizontal bar chart: `(label, count, bar class)` rows.
fn bar_chart(id: &str, caption: &str, rows: &[(String, usize, String)], out: &mut String) {
    const WIDTH: usize = 340;
    const LABEL_W: usize = 118;
    const BAR_MAX: usize = 180;
    const ROW_H: usize = 22;
    let height = rows.len() * ROW_H + 4;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let desc: Vec<String> = rows.iter().map(|(l, n, _)| format!("{l}: {n}")).collect();
    let _ = writeln!(
        out,
        "<figure>\n<figcaption id=\"{id}-caption\">{caption}</figcaption>\n\
         <svg class=\"chart\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\">\n\
         <title id=\"{id}-title\">{caption}</title>\n<desc id=\"{id}-desc\">{}</desc>",
        escape(&desc.join(", "))
    );
    for (i, (label, n, class)) in rows.iter().enumerate() {
        let y = i * ROW_H + 4;
        let w = if *n == 0 { 0 } else { (n * BAR_MAX / max).max(2) };
        let short = one_line(label, LABEL_CHARS);
        let _ = writeln!(
            out,
            "<g><title>{full}: {n}</title><text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{short}</text>\
             <rect class=\"{class}\" x=\"{bx}\" y=\"{y}\" width=\"{w}\" height=\"14\" rx=\"2\"/>\
             <text x=\"{nx}\" y=\"{ty}\">{n}</text></g>",
            full = escape(label),
            short = escape(&short),
            lx = LABEL_W - 6,
            bx = LABEL_W,
            nx = LABEL_W + w + 6,
            ty = y + 11,
            class = escape(class),
        );
    }
    out.push_str("</svg>\n</figure>\n");
}

fn charts(sum: &Summary, out: &mut String) {
    if sum.total == 0 {
        out.push_str("<p class=\"empty\">No findings.</p>\n");
        return;
    }
    out.push_str("<section class=\"charts\" aria-label=\"Charts\">\n");
    let sev: Vec<_> = Severity::ALL_DESC
        .iter()
        .map(|s| (s.label().to_owned(), sum.by_severity.get(s).copied().unwrap_or(0), format!("bar sev-{s}")))
        .collect();
    bar_chart("chart-severity", "Findings by severity", &sev, out);
    let tools: Vec<_> =
        sum.by_tool.iter().map(|(t, c)| (t.clone(), c.values().sum::<usize>(), "bar".to_owned())).collect();
    bar_chart("chart-tool", "Findings by tool", &tools, out);
    let cats: Vec<_> = Category::ALL
        .iter()
        .filter_map(|c| sum.by_category.get(c).map(|&n| (c.as_str().to_owned(), n, "bar".to_owned())))
        .collect();
    bar_chart("chart-category", "Findings by category", &cats, out);
    out.push_str("</section>\n");
}

/// `(row class, status cell HTML)`.
fn status(ctx: &RenderContext<'_>, f: &Finding) -> (&'static str, String) {
    let today = ctx.policy.today;
    if let Some(s) = f.suppressions.iter().find(|s| s.is_effective(today)) {
        let mut why = Vec::new();
        if let Some(j) = &s.justification {
            why.push(escape(&one_line(&redact::redact_message(j), MESSAGE_CHARS)));
        }
        let kind = match s.kind {
            SuppressionKind::InSource => "in source",
            SuppressionKind::External => "external",
        };
        why.push(match &s.source {
            Some(src) => format!("{kind}, {}", escape(src)),
            None => kind.to_owned(),
        });
        why.push(match s.expires {
            Some(d) => format!("expires {d}"),
            None => "no expiry".to_owned(),
        });
        return ("st-suppressed", format!("suppressed<div class=\"why\">{}</div>", why.join(" · ")));
    }
    let base = match f.baseline_state {
        Some(BaselineState::New) => "new",
        Some(BaselineState::Unchanged) => "unchanged",
        Some(BaselineState::Updated) => "updated",
        Some(BaselineState::Absent) => "absent",
        None => "open",
    };
    let mut cell = base.to_owned();
    if let Some(d) = f.suppressions.iter().filter(|s| s.is_expired(today)).filter_map(|s| s.expires).max() {
        let _ = write!(cell, "<div class=\"status-expired\">suppression expired {d}</div>");
    }
    let class = if gate::considered(f, &ctx.policy) { "st-open" } else { "st-not-counted" };
    if class == "st-not-counted" {
        cell.push_str("<div class=\"why\">not counted</div>");
    }
    (class, cell)
}

fn finding_row(ctx: &RenderContext<'_>, run: &Run, f: &Finding, out: &mut String) {
    let (class, status) = status(ctx, f);
    let sev = f.severity.as_str();
    let _ =
        write!(out, "<tr class=\"sev-{sev} {class}\"><td><span class=\"sev sev-{sev}\">{}</span>", f.severity.label());
    if let Some(score) = f.cvss_score {
        let _ = write!(out, "<span class=\"score\">CVSS {score:.1}</span>");
    }
    let id = escape(f.display_id());
    let id = match run.rule(&f.rule_id).and_then(|r| r.help_uri.as_deref()).and_then(safe_href) {
        Some(href) => format!("<a href=\"{href}\" rel=\"noopener noreferrer\">{id}</a>"),
        None => id,
    };
    let loc = f.primary_location();
    let loc_text = loc.map(|l| escape(&redact::redact_message(&l.display()))).unwrap_or_default();
    let _ = write!(
        out,
        "</td><td>{}</td><td>{}</td><td>{id}</td><td><code>{loc_text}</code></td><td><span class=\"msg\">{}</span>",
        escape(run.short_name()),
        f.category,
        escape(&redact::redact_message(&f.message))
    );
    if let Some(extra) = package_text(f).or_else(|| measurement_text(f)) {
        let _ = write!(out, "<div class=\"extra\">{}</div>", escape(&extra));
    }
    if let Some(snippet) = loc.and_then(|l| l.snippet.as_deref()).filter(|s| !s.trim().is_empty()) {
        let shown = redact::redact_snippet(f.category, snippet);
        let shown = if shown.lines().count() <= 1 { shown.trim() } else { shown.trim_end() };
        let _ = write!(out, "<pre><code>{}</code></pre>", escape(shown));
    }
    let _ = writeln!(out, "</td><td>{status}</td></tr>");
}

fn findings_table(ctx: &RenderContext<'_>, sum: &Summary, out: &mut String) {
    let considered = ranked(ctx);
    let mut others: Vec<(&Run, &Finding)> =
        ctx.file.findings().filter(|(_, f)| !gate::considered(f, &ctx.policy)).collect();
    others.sort_by_key(|(_, f)| std::cmp::Reverse(f.severity));
    out.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
    if considered.is_empty() && others.is_empty() {
        out.push_str("<p class=\"empty\">No findings.</p>\n</section>\n");
        return;
    }
    out.push_str("<fieldset class=\"filters\"><legend>Show</legend>\n");
    for s in Severity::ALL_DESC {
        let n = sum.by_severity.get(&s).copied().unwrap_or(0) + others.iter().filter(|(_, f)| f.severity == s).count();
        let _ = writeln!(out, "<label><input type=\"checkbox\" id=\"show-{s}\" checked> {} ({n})</label>", s.label());
    }
    let _ = writeln!(
        out,
        "<label><input type=\"checkbox\" id=\"show-suppressed\" checked> Suppressed or not counted ({})</label>",
        others.len()
    );
    out.push_str(
        "</fieldset>\n<table class=\"findings\">\n<thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">Tool</th>\
         <th scope=\"col\">Category</th><th scope=\"col\">ID</th><th scope=\"col\">Location</th>\
         <th scope=\"col\">Message</th><th scope=\"col\">Status</th></tr></thead>\n<tbody>\n",
    );
    for (run, f) in considered.iter().chain(&others) {
        finding_row(ctx, run, f, out);
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn tools_table(ctx: &RenderContext<'_>, out: &mut String) {
    if ctx.file.runs.is_empty() {
        return;
    }
    out.push_str(
        "<section id=\"tools\">\n<h2>Tool runs</h2>\n<table>\n<thead><tr><th scope=\"col\">Tool</th>\
         <th scope=\"col\">Version</th><th scope=\"col\">Engines</th><th scope=\"col\">Run</th>\
         <th scope=\"col\">Status</th><th scope=\"col\" class=\"num\">Findings</th></tr></thead>\n<tbody>\n",
    );
    for run in &ctx.file.runs {
        let engines: Vec<String> = run
            .engines
            .iter()
            .map(|e| {
                let mut s = escape(&e.name);
                if let Some(v) = &e.version {
                    let _ = write!(s, " {}", escape(v));
                }
                for (k, v) in &e.properties {
                    let _ = write!(s, " <span class=\"why\">({}: {})</span>", escape(k), escape(v));
                }
                s
            })
            .collect();
        let inv = &run.invocation;
        let mut state = if inv.successful {
            "completed".to_owned()
        } else {
            let code = inv.exit_code.map_or_else(|| "unknown".to_owned(), |c| c.to_string());
            format!("<strong class=\"status-expired\">failed</strong> (exit {})", escape(&code))
        };
        if !inv.warnings.is_empty() {
            let _ = write!(state, "<div class=\"why\">{}", plural(inv.warnings.len(), "warning", "warnings"));
            message_list(&inv.warnings, &mut state);
            state.push_str("</div>");
        }
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{state}</td><td class=\"num\">{}</td></tr>",
            escape(run.short_name()),
            escape(run.tool.version.as_deref().unwrap_or("")),
            engines.join("<br>"),
            escape(&run.automation_id),
            run.findings.len()
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// Render the HTML report.
pub fn render(ctx: &RenderContext<'_>) -> String {
    let sum = Summary::new(ctx);
    let title = escape(&ctx.options.html_title);
    let mut out = String::with_capacity(16 * 1024 + ctx.file.len() * 600);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
         base-uri 'none'; form-action 'none'\">\n<meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"generator\" content=\"mlsec {}\">\n<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(&ctx.options.mlsec_version)
    );
    header(ctx, &sum, &mut out);
    out.push_str("<main>\n");
    tool_errors(ctx, &mut out);
    charts(&sum, &mut out);
    findings_table(ctx, &sum, &mut out);
    tools_table(ctx, &mut out);
    out.push_str("</main>\n");
    let _ = write!(
        out,
        "<footer>Generated by mlsec {} at {}. This file loads nothing from the network.</footer>\n</body>\n</html>\n",
        escape(&ctx.options.mlsec_version),
        escape(&rfc3339(ctx.options.generated_at))
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsec_findings::sample::{self, FAKE_AWS_KEY, FAKE_DB_PASSWORD, FAKE_HF_TOKEN};
    use mlsec_findings::{FindingsFile, Location, Rule, Suppression};
    use time::macros::date;

    use crate::testing::{options, policy};

    fn render_file(file: &FindingsFile) -> String {
        render(&RenderContext::new(file, policy(), options()))
    }

    fn balanced(out: &str) {
        for tag in [
            "html", "head", "body", "main", "section", "table", "thead", "tbody", "tr", "svg", "figure", "g", "ul",
            "li", "a", "pre", "code", "fieldset", "label", "dl", "div", "header", "footer", "style", "title",
        ] {
            let open = out.matches(&format!("<{tag}>")).count() + out.matches(&format!("<{tag} ")).count();
            let close = out.matches(&format!("</{tag}>")).count();
            assert_eq!(open, close, "<{tag}>: {open} opened, {close} closed");
        }
    }

    /// Every `src=`/`href=` value; no resource may be loaded from anywhere.
    fn assert_offline(out: &str) {
        assert!(!out.contains(" src=\""), "a src attribute");
        for tag in ["<script", "<link", "<img", "<iframe", "<object", "<embed", "<base", "<meta http-equiv=\"refresh"] {
            assert!(!out.contains(tag), "{tag}");
        }
        let css = out.split("<style>").nth(1).and_then(|s| s.split("</style>").next()).unwrap_or_default();
        assert!(!css.contains("@import") && !css.contains("url("));
        // hrefs only on anchors.
        let mut rest = out;
        while let Some(i) = rest.find(" href=") {
            let tag_start = rest[..i].rfind('<').unwrap_or(0);
            assert!(rest[tag_start..].starts_with("<a "), "href outside an anchor: {}", &rest[tag_start..i + 40]);
            let v = &rest[i + 7..];
            assert!(v.starts_with("https://") || v.starts_with("http://"), "{}", &v[..40.min(v.len())]);
            rest = &rest[i + 6..];
        }
    }

    #[test]
    fn sample_snapshot() {
        let out = render_file(&sample::sample());
        balanced(&out);
        assert_offline(&out);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn summary_header() {
        let out = render_file(&sample::sample());
        assert!(out.contains("<title>mlsec report</title>"));
        assert!(out.contains("<p class=\"verdict v-fail\" role=\"status\">Failed: 8 findings at or above high</p>"));
        assert!(out.contains("<time datetime=\"2026-12-01T12:00:00Z\">"));
        assert!(out.contains("<dt>mlsec</dt><dd>0.1.0</dd>"));
        // Suppressed findings are shown, with their justification and expiry.
        assert_eq!(out.matches("<tr class=\"sev-high st-suppressed\">").count(), 1);
        assert!(out.contains(
            "local docker-compose credentials, not used outside dev · external, mlsec.toml · expires 2027-03-31"
        ));
        assert_eq!(out.matches("<tr class=\"sev-").count(), 16);
        // Charts are accessible.
        assert_eq!(out.matches("<svg ").count(), 3);
        assert!(out.contains("<title id=\"chart-severity-title\">Findings by severity</title>"));
        assert!(out.contains("<g><title>Critical: 4</title>"));
    }

    #[test]
    fn untrusted_text_is_escaped_and_links_are_plain_anchors() {
        let mut file = FindingsFile::default();
        let mut run = Run::new("x\"><script>alert(1)</script>", "0", ".");
        let mut rule = Rule::new("R1", Category::Sast, "r");
        rule.help_uri = Some("javascript:alert(1)".into());
        run.rules.push(rule);
        let mut f = Finding::new(
            "R1",
            Category::Sast,
            Severity::High,
            "<img src=\"https://evil.example/p.png\"> & 'quoted' <script>alert(1)</script>",
        );
        let mut l = Location::file("a\"b<c>.py", Some(2));
        l.snippet = Some("x = '<style>@import url(https://evil.example/x.css)</style>'".into());
        f.locations.push(l);
        run.findings.push(f);
        run.invocation.successful = false;
        run.invocation.errors.push("<iframe src=https://evil.example>".into());
        file.runs.push(run);
        let mut ctx = RenderContext::new(&file, policy(), options());
        ctx.options.html_title = "</title><script>x</script>".into();
        let out = render(&ctx);
        assert_offline(&out);
        balanced(&out);
        assert!(!out.contains("javascript:"));
        assert!(out.contains("&lt;img src=&quot;https://evil.example/p.png&quot;&gt; &amp; &#39;quoted&#39;"));
        assert!(out.contains("<title>&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;</title>"));
        assert!(out.contains("v-error"));
    }

    #[test]
    fn no_findings() {
        let out = render_file(&FindingsFile::default());
        balanced(&out);
        assert_offline(&out);
        assert!(out.contains("Passed: no findings"));
        assert!(!out.contains("<svg") && !out.contains("<table"));
    }

    #[test]
    fn expired_suppressions_are_flagged() {
        let mut file = sample::sample();
        let mut s = Suppression::external("mlsec.toml", Some("until the upgrade".into()));
        s.expires = Some(date!(2026 - 11 - 30));
        file.runs[1].findings[0].suppressions.push(s);
        let out = render_file(&file);
        assert!(out.contains("<div class=\"status-expired\">suppression expired 2026-11-30</div>"));
        assert!(out.contains("<dt>Expired suppressions</dt><dd>1</dd>"));
    }

    #[test]
    fn large_file_is_well_formed() {
        let out = render_file(&sample::scaled(200));
        balanced(&out);
        assert_offline(&out);
        assert_eq!(out.matches("<tr class=\"sev-").count(), 7 * 200);
    }

    #[test]
    fn no_secret_values() {
        let mut file = sample::sample();
        file.runs[0].findings[0].message = format!("token {FAKE_HF_TOKEN} found");
        file.runs[2].invocation.successful = false;
        file.runs[2].invocation.errors.push(format!("auth failed with key {FAKE_AWS_KEY}"));
        file.runs[0].findings[2].suppressions[0].justification = Some(format!("password={FAKE_DB_PASSWORD}"));
        for f in [sample::sample(), file] {
            let out = render_file(&f);
            for s in [FAKE_AWS_KEY, FAKE_HF_TOKEN, FAKE_DB_PASSWORD] {
                assert!(!out.contains(s), "{s} leaked");
            }
        }
    }
}

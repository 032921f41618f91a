//! GitHub: check run + annotations, sticky PR comment, code-scanning SARIF upload, step summary.

use std::io::Write as _;

use reqwest::Method;
use reqwest::header::AUTHORIZATION;
use serde_json::json;

use crate::context::GitHubTarget;
use crate::http::{Http, next_link};
use crate::report::{CHECK_TEXT_MAX, COMMENT_MAX, SARIF_GZIP_MAX, STEP_SUMMARY_MAX};
use crate::{CommentMode, MARKER, Outcome, PublishError, PublishOptions, Report, truncate_chars};

/// Annotations per Checks API request (GitHub's limit).
pub(crate) const ANNOTATIONS_PER_REQUEST: usize = 50;

fn append_step_summary(
    t: &GitHubTarget,
    report: &Report,
    o: &PublishOptions,
    out: &mut Outcome,
) -> Result<(), PublishError> {
    let Some(path) = &t.step_summary else { return Ok(()) };
    if o.dry_run {
        out.done.push(format!("would append the summary to {}", path.display()));
        return Ok(());
    }
    let mut body = report.step_summary.clone();
    if body.len() > STEP_SUMMARY_MAX {
        // The renderer already caps it; this only guards the hard limit.
        let mut cut = STEP_SUMMARY_MAX - 64;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
        body.push_str("\n\n… truncated (1 MiB step summary limit)\n");
    }
    let write =
        std::fs::OpenOptions::new().create(true).append(true).open(path).and_then(|mut f| f.write_all(body.as_bytes()));
    write.map_err(|source| PublishError::Io { path: path.clone(), source })?;
    out.done.push(format!("step summary appended to {}", path.display()));
    Ok(())
}

fn degrade(report: &Report, why: &str, out: &mut Outcome) {
    out.degraded = true;
    out.workflow_commands = report.workflow_commands.clone();
    let notice = format!(
        "{why}: published annotations and the step summary only (no check run, PR comment or SARIF upload); \
         see the workflow_run pattern in docs/publish.md"
    );
    out.workflow_commands
        .push_str(&format!("::notice title=mlsec::{}\n", mlsec_report::annotations::escape_data(&notice)));
    out.notices.push(notice);
}

pub(crate) fn publish(t: &GitHubTarget, report: &Report, o: &PublishOptions) -> Result<Outcome, PublishError> {
    let mut out = Outcome::default();
    append_step_summary(t, report, o, &mut out)?;
    if let Some(why) = &t.read_only {
        degrade(report, why, &mut out);
        return Ok(out);
    }
    let repo = &t.repository;
    let batches = report.annotations.len().div_ceil(ANNOTATIONS_PER_REQUEST).max(1);
    if o.dry_run {
        out.done.push(format!(
            "would create check run {:?} on {} ({}, {} annotation(s) in {batches} request(s))",
            o.check_name,
            t.head_sha,
            report.conclusion.as_str(),
            report.annotations.len()
        ));
        if let Some(pr) = t.pr.filter(|_| wants_comment(o.comment, report)) {
            out.done.push(format!("would create or update the sticky comment on PR #{pr}"));
        }
        if o.sarif_upload {
            for s in &report.sarif {
                out.done.push(format!("would upload SARIF category {} ({} bytes gzipped)", s.category, s.gzip_bytes));
            }
        }
        return Ok(out);
    }
    let token = t.token.clone().ok_or(PublishError::NoToken { platform: "GitHub" })?;
    let http = Http::new(
        &t.api_url,
        Some((AUTHORIZATION, format!("Bearer {token}"))),
        o.timeout,
        o.retry,
        &[("accept", "application/vnd.github+json"), ("x-github-api-version", "2022-11-28")],
    )?;

    match check_run(&http, t, report, o) {
        Ok(line) => out.done.push(line),
        Err(PublishError::ReadOnly { .. }) => {
            degrade(
                report,
                "the token cannot write to this repository (403 Resource not accessible by integration)",
                &mut out,
            );
            return Ok(out);
        }
        Err(e) => out.errors.push(e),
    }
    if let Some(pr) = t.pr {
        match comment(&http, repo, pr, report, o.comment) {
            Ok(Some(line)) => out.done.push(line),
            Ok(None) => {}
            Err(e) => out.errors.push(e),
        }
    }
    if o.sarif_upload {
        for s in &report.sarif {
            match upload_sarif(&http, t, s) {
                Ok(line) => out.done.push(line),
                Err(e) => out.errors.push(e),
            }
        }
    }
    Ok(out)
}

fn check_run(http: &Http, t: &GitHubTarget, report: &Report, o: &PublishOptions) -> Result<String, PublishError> {
    let pointer = match &t.run_url {
        Some(u) => format!("\n\n… truncated; the full report is in the run's summary: {u}\n"),
        None => "\n\n… truncated; the full report is in the job's summary\n".to_owned(),
    };
    let mut summary = report.headline.clone();
    if report.not_annotatable > 0 {
        summary.push_str(&format!(
            "\n\n{} finding(s) have no file location (packages, models) and are listed in the report, not annotated.",
            report.not_annotatable
        ));
    }
    let text = truncate_chars(&report.markdown, CHECK_TEXT_MAX, &pointer);
    let mut chunks = report.annotations.chunks(super::github::ANNOTATIONS_PER_REQUEST);
    let first = chunks.next().unwrap_or(&[]);
    let output = |annotations: &[crate::Annotation]| {
        json!({
            "title": truncate_chars(&report.headline, 255, "…"),
            "summary": truncate_chars(&summary, CHECK_TEXT_MAX, &pointer),
            "text": text,
            "annotations": annotations,
        })
    };
    let mut body = json!({
        "name": o.check_name,
        "head_sha": t.head_sha,
        "status": "completed",
        "conclusion": report.conclusion.as_str(),
        "output": output(first),
    });
    if let Some(u) = &t.run_url {
        body["details_url"] = json!(u);
    }
    let created = http.send(Method::POST, &format!("/repos/{}/check-runs", t.repository), Some(&body))?;
    let id = created.json()["id"].as_u64().ok_or_else(|| PublishError::Status {
        what: format!("POST /repos/{}/check-runs", t.repository),
        status: created.status.as_u16(),
        message: "the response has no check run id".to_owned(),
    })?;
    let mut requests = 1;
    for batch in chunks {
        // Annotations sent with an update are added to the run's existing ones.
        http.send(
            Method::PATCH,
            &format!("/repos/{}/check-runs/{id}", t.repository),
            Some(&json!({ "output": output(batch) })),
        )?;
        requests += 1;
    }
    Ok(format!(
        "check run {:?} ({}) with {} annotation(s) in {requests} request(s)",
        o.check_name,
        report.conclusion.as_str(),
        report.annotations.len()
    ))
}

fn wants_comment(mode: CommentMode, report: &Report) -> bool {
    match mode {
        CommentMode::Always => true,
        CommentMode::OnFindings => report.has_findings(),
        CommentMode::Never => false,
    }
}

/// Find the sticky comment (every page), then edit it or create it.
fn comment(
    http: &Http,
    repo: &str,
    pr: u64,
    report: &Report,
    mode: CommentMode,
) -> Result<Option<String>, PublishError> {
    if mode == CommentMode::Never {
        return Ok(None);
    }
    let mut next = Some(format!("/repos/{repo}/issues/{pr}/comments?per_page=100"));
    // Anyone can post a comment starting with the marker: prefer one written by a bot (the
    // GITHUB_TOKEN's github-actions[bot] or an app); a user's is taken only when no bot's exists
    // (a personal token posts as a user).
    let (mut bot, mut user) = (None, None);
    let mut pages = 0;
    while let Some(url) = next.take() {
        pages += 1;
        let reply = http.send(Method::GET, &url, None)?;
        for c in reply.json().as_array().into_iter().flatten() {
            if !c["body"].as_str().is_some_and(|b| b.trim_start().starts_with(MARKER)) {
                continue;
            }
            let slot = if c["user"]["type"] == "Bot" { &mut bot } else { &mut user };
            if slot.is_none() {
                *slot = c["id"].as_u64();
            }
        }
        if bot.is_none() && pages < 100 {
            next = next_link(&reply.headers);
        }
    }
    let existing = bot.or(user);
    let body = json!({ "body": truncate_chars(&report.markdown, COMMENT_MAX, "\n\n… truncated\n") });
    match existing {
        Some(id) => {
            http.send(Method::PATCH, &format!("/repos/{repo}/issues/comments/{id}"), Some(&body))?;
            Ok(Some(format!("sticky comment {id} updated on PR #{pr}")))
        }
        None if wants_comment(mode, report) => {
            let reply = http.send(Method::POST, &format!("/repos/{repo}/issues/{pr}/comments"), Some(&body))?;
            Ok(Some(format!("sticky comment {} posted on PR #{pr}", reply.json()["id"])))
        }
        None => Ok(None),
    }
}

fn upload_sarif(http: &Http, t: &GitHubTarget, s: &crate::SarifUpload) -> Result<String, PublishError> {
    if s.gzip_bytes > SARIF_GZIP_MAX {
        return Err(PublishError::TooLarge {
            what: format!("the SARIF of {}", s.category),
            size: s.gzip_bytes,
            limit: SARIF_GZIP_MAX,
        });
    }
    if t.git_ref.is_empty() {
        return Err(PublishError::Context {
            message: "GITHUB_REF is not set: code scanning needs the ref the SARIF belongs to".to_owned(),
            hint: "run inside GitHub Actions or set GITHUB_REF".to_owned(),
        });
    }
    let body = json!({ "commit_sha": t.sha, "ref": t.git_ref, "sarif": s.payload });
    let reply = http.send(Method::POST, &format!("/repos/{}/code-scanning/sarifs", t.repository), Some(&body))?;
    Ok(format!("SARIF {} uploaded (id {})", s.category, reply.json()["id"].as_str().unwrap_or("?")))
}

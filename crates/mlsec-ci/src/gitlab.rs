//! GitLab: a sticky MR note (found by the marker, edited in place) and a commit status.

use reqwest::Method;
use reqwest::header::HeaderName;
use serde_json::json;

use crate::context::{GitLabTarget, GitLabToken};
use crate::http::{Http, next_link};
use crate::report::COMMENT_MAX;
use crate::{CommentMode, Conclusion, MARKER, Outcome, PublishError, PublishOptions, Report, truncate_chars};

pub(crate) fn publish(t: &GitLabTarget, report: &Report, o: &PublishOptions) -> Result<Outcome, PublishError> {
    let mut out = Outcome::default();
    let project = &t.project_id;
    let wants_note = t.mr_iid.is_some()
        && match o.comment {
            CommentMode::Always => true,
            CommentMode::OnFindings => report.has_findings(),
            CommentMode::Never => false,
        };
    if o.dry_run {
        out.done.push(format!("would set commit status {:?} on {}", o.check_name, t.sha));
        if let Some(iid) = t.mr_iid.filter(|_| wants_note) {
            out.done.push(format!("would create or update the sticky note on MR !{iid}"));
        }
        return Ok(out);
    }
    let auth = match t.token.clone().ok_or(PublishError::NoToken { platform: "GitLab" })? {
        GitLabToken::Private(v) => (HeaderName::from_static("private-token"), v),
        GitLabToken::Job(v) => (HeaderName::from_static("job-token"), v),
    };
    let http = Http::new(&t.api_url, Some(auth), o.timeout, o.retry, &[])?;

    let state = match report.conclusion {
        Conclusion::Success | Conclusion::Neutral => "success",
        Conclusion::Failure => "failed",
    };
    let mut body = json!({
        "state": state,
        "name": o.check_name,
        "description": truncate_chars(&report.headline, 255, "…"),
    });
    if let Some(u) = &t.job_url {
        body["target_url"] = json!(u);
    }
    match http.send(Method::POST, &format!("/projects/{project}/statuses/{}", t.sha), Some(&body)) {
        Ok(_) => out.done.push(format!("commit status {:?} ({state}) on {}", o.check_name, t.sha)),
        Err(e) => out.errors.push(e),
    }

    if let Some(iid) = t.mr_iid.filter(|_| o.comment != CommentMode::Never) {
        match note(&http, project, iid, report, wants_note) {
            Ok(Some(line)) => out.done.push(line),
            Ok(None) => {}
            Err(e) => out.errors.push(e),
        }
    }
    Ok(out)
}

fn note(http: &Http, project: &str, iid: u64, report: &Report, create: bool) -> Result<Option<String>, PublishError> {
    let base = format!("/projects/{project}/merge_requests/{iid}/notes");
    let mut next = Some(format!("{base}?per_page=100&page=1"));
    let mut existing = None;
    let mut pages = 0;
    while let Some(url) = next.take() {
        pages += 1;
        let reply = http.send(Method::GET, &url, None)?;
        if let Some(list) = reply.json().as_array() {
            existing = list
                .iter()
                .find(|n| n["body"].as_str().is_some_and(|b| b.trim_start().starts_with(MARKER)))
                .and_then(|n| n["id"].as_u64());
        }
        if existing.is_none() && pages < 100 {
            // GitLab gives `x-next-page` (offset pagination) and a `Link` header.
            next = match reply.headers.get("x-next-page").and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty()) {
                Some(p) => Some(format!("{base}?per_page=100&page={p}")),
                None => next_link(&reply.headers),
            };
        }
    }
    let body = json!({ "body": truncate_chars(&report.markdown, COMMENT_MAX, "\n\n… truncated\n") });
    match existing {
        Some(id) => {
            http.send(Method::PUT, &format!("{base}/{id}"), Some(&body))?;
            Ok(Some(format!("sticky note {id} updated on MR !{iid}")))
        }
        None if create => {
            let reply = http.send(Method::POST, &base, Some(&body))?;
            Ok(Some(format!("sticky note {} posted on MR !{iid}", reply.json()["id"])))
        }
        None => Ok(None),
    }
}

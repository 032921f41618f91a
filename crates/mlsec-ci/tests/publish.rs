//! The publishers against a local HTTP server that checks every request GitHub/GitLab would get.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::io::Read as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use common::{Response, Server, json};
use mlsec_ci::{CommentMode, Overrides, PlatformChoice, PublishOptions, Report, RetryPolicy, Target, detect, publish};
use mlsec_findings::gate::GatePolicy;
use mlsec_findings::{FindingsFile, Severity, sample};
use mlsec_report::{RenderContext, ReportOptions};
use serde_json::json as j;

const TOKEN: &str = "ghs_test_token_value";

fn report_of(file: &FindingsFile) -> Report {
    let policy = GatePolicy {
        fail_on: Some(Severity::High),
        new_only: false,
        max_findings: None,
        today: time::macros::date!(2026 - 12 - 02),
    };
    Report::build(&RenderContext::new(file, policy, ReportOptions::default()), false).unwrap()
}

fn options() -> PublishOptions {
    PublishOptions {
        comment: CommentMode::Always,
        sarif_upload: true,
        timeout: Duration::from_secs(5),
        retry: RetryPolicy { attempts: 4, base_delay: Duration::from_millis(10), max_delay: Duration::from_secs(5) },
        ..PublishOptions::default()
    }
}

/// A GitHub Actions environment for a same-repo (or fork) pull request #7.
fn github_env(dir: &std::path::Path, api: &str, fork: bool) -> HashMap<String, String> {
    let head_repo = if fork { "attacker/ml-project" } else { "acme/ml-project" };
    let event = j!({
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": { "sha": "headsha1", "repo": { "full_name": head_repo } },
            "base": { "repo": { "full_name": "acme/ml-project" } }
        }
    });
    let event_path = dir.join("event.json");
    std::fs::write(&event_path, event.to_string()).unwrap();
    [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_REPOSITORY", "acme/ml-project"),
        ("GITHUB_SHA", "mergesha1"),
        ("GITHUB_REF", "refs/pull/7/merge"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_API_URL", api),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_RUN_ID", "42"),
        ("GITHUB_TOKEN", TOKEN),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .chain([
        ("GITHUB_EVENT_PATH".to_owned(), event_path.display().to_string()),
        ("GITHUB_STEP_SUMMARY".to_owned(), dir.join("summary.md").display().to_string()),
    ])
    .collect()
}

fn target(env: &HashMap<String, String>) -> Target {
    detect(PlatformChoice::Auto, &Overrides::default(), &|k| env.get(k).cloned()).unwrap()
}

/// A GitHub double: check runs get id 99, comment lists come from `comments` (two pages of
/// `per_page` when needed), SARIF uploads get an id.
fn github_server(comments: Arc<Mutex<Vec<serde_json::Value>>>) -> Server {
    Server::start(move |r, _| {
        let path = r.path.split('?').next().unwrap_or_default().to_owned();
        match (r.method.as_str(), path.as_str()) {
            ("POST", "/repos/acme/ml-project/check-runs") => json(201, j!({"id": 99})),
            ("PATCH", "/repos/acme/ml-project/check-runs/99") => json(200, j!({"id": 99})),
            ("GET", "/repos/acme/ml-project/issues/7/comments") => {
                let all = comments.lock().unwrap().clone();
                let page2 = r.path.contains("page=2");
                let (items, next) = if all.len() > 100 && !page2 {
                    (all[..100].to_vec(), true)
                } else if page2 {
                    (all[100..].to_vec(), false)
                } else {
                    (all, false)
                };
                let mut resp = json(200, j!(items));
                if next {
                    resp.headers.push((
                        "link".to_owned(),
                        format!(
                            "<{}/repos/acme/ml-project/issues/7/comments?per_page=100&page=2>; rel=\"next\"",
                            host(r)
                        ),
                    ));
                }
                resp
            }
            ("POST", "/repos/acme/ml-project/issues/7/comments") => {
                let mut c = comments.lock().unwrap();
                let id = 1000 + c.len() as u64;
                c.push(j!({"id": id, "body": r.json()["body"]}));
                json(201, j!({"id": id}))
            }
            ("PATCH", p) if p.starts_with("/repos/acme/ml-project/issues/comments/") => json(200, j!({})),
            ("POST", "/repos/acme/ml-project/code-scanning/sarifs") => json(202, j!({"id": "sarif-1"})),
            _ => json(404, j!({"message": "Not Found"})),
        }
    })
}

fn host(r: &common::Request) -> String {
    format!("http://{}", r.header("host").unwrap())
}

#[test]
fn check_run_batches_annotations_50_per_request_with_auth() {
    let d = tempfile::tempdir().unwrap();
    let server = github_server(Arc::new(Mutex::new(vec![])));
    let env = github_env(d.path(), &server.url, false);
    let file = sample::scaled(20);
    let report = report_of(&file);
    let n = report.annotations.len();
    assert!(n > 60, "need 60+ annotations, got {n}");
    let out = publish(
        &target(&env),
        &report,
        &PublishOptions { sarif_upload: false, comment: CommentMode::Never, ..options() },
    )
    .unwrap();
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let reqs = server.requests();
    assert_eq!(reqs.len(), n.div_ceil(50), "{reqs:?}");
    for r in &reqs {
        assert_eq!(r.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
        assert_eq!(r.header("accept"), Some("application/vnd.github+json"));
        assert_eq!(r.header("x-github-api-version"), Some("2022-11-28"));
    }
    let create = reqs[0].json();
    assert_eq!((reqs[0].method.as_str(), reqs[0].path.as_str()), ("POST", "/repos/acme/ml-project/check-runs"));
    assert_eq!(create["name"], "mlsec");
    assert_eq!(create["head_sha"], "headsha1", "the PR head, not the merge commit");
    assert_eq!(create["conclusion"], "failure");
    assert_eq!(create["details_url"], "https://github.com/acme/ml-project/actions/runs/42");
    assert!(create["output"]["text"].as_str().unwrap().starts_with(mlsec_ci::MARKER));
    let mut total = create["output"]["annotations"].as_array().unwrap().len();
    assert_eq!(total, 50);
    for r in &reqs[1..] {
        assert_eq!((r.method.as_str(), r.path.as_str()), ("PATCH", "/repos/acme/ml-project/check-runs/99"));
        let batch = r.json()["output"]["annotations"].as_array().unwrap().len();
        assert!((1..=50).contains(&batch));
        total += batch;
    }
    assert_eq!(total, n, "every annotation sent exactly once");
    let a = &create["output"]["annotations"][0];
    assert_eq!(a["annotation_level"], "failure");
    assert!(a["path"].is_string() && a["start_line"].as_u64().unwrap() >= 1);
    // The step summary is written too (no network needed).
    let summary = std::fs::read_to_string(d.path().join("summary.md")).unwrap();
    assert!(summary.starts_with(mlsec_ci::MARKER));
}

#[test]
fn sticky_comment_is_found_on_a_later_page_and_edited_not_reposted() {
    let d = tempfile::tempdir().unwrap();
    let mut existing: Vec<_> = (0..100).map(|i| j!({"id": i, "body": format!("unrelated comment {i}")})).collect();
    // A user's comment that imitates the marker comes first; the bot's own comment wins.
    existing[3] = j!({"id": 3, "user": {"type": "User"}, "body": format!("{}\nfake", mlsec_ci::MARKER)});
    existing.push(j!({"id": 555, "user": {"type": "Bot"}, "body": format!("{}\nold report", mlsec_ci::MARKER)}));
    let comments = Arc::new(Mutex::new(existing));
    let server = github_server(comments.clone());
    let env = github_env(d.path(), &server.url, false);
    let report = report_of(&sample::sample());
    let opts = PublishOptions { sarif_upload: false, ..options() };
    let out = publish(&target(&env), &report, &opts).unwrap();
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let reqs = server.requests();
    let gets: Vec<_> = reqs.iter().filter(|r| r.method == "GET").collect();
    assert_eq!(gets.len(), 2, "both pages read");
    assert!(gets[1].path.contains("page=2"));
    let edits: Vec<_> = reqs.iter().filter(|r| r.method == "PATCH" && r.path.contains("/issues/comments/")).collect();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].path, "/repos/acme/ml-project/issues/comments/555");
    assert!(edits[0].json()["body"].as_str().unwrap().starts_with(mlsec_ci::MARKER));
    assert!(!reqs.iter().any(|r| r.method == "POST" && r.path.ends_with("/comments")), "never re-posted");
}

#[test]
fn second_publish_edits_the_comment_the_first_posted() {
    let d = tempfile::tempdir().unwrap();
    let comments = Arc::new(Mutex::new(vec![j!({"id": 1, "body": "LGTM"})]));
    let server = github_server(comments.clone());
    let env = github_env(d.path(), &server.url, false);
    let report = report_of(&sample::sample());
    let opts = PublishOptions { sarif_upload: false, ..options() };
    publish(&target(&env), &report, &opts).unwrap();
    publish(&target(&env), &report, &opts).unwrap();
    let reqs = server.requests();
    let posts =
        reqs.iter().filter(|r| r.method == "POST" && r.path == "/repos/acme/ml-project/issues/7/comments").count();
    let edits: Vec<_> = reqs.iter().filter(|r| r.method == "PATCH" && r.path.contains("/issues/comments/")).collect();
    assert_eq!(posts, 1);
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].path, "/repos/acme/ml-project/issues/comments/1001");
    assert_eq!(comments.lock().unwrap().len(), 2);
}

#[test]
fn sarif_is_uploaded_gzip_base64_one_category_per_run() {
    let d = tempfile::tempdir().unwrap();
    let server = github_server(Arc::new(Mutex::new(vec![])));
    let env = github_env(d.path(), &server.url, false);
    let file = sample::sample();
    let report = report_of(&file);
    let out = publish(&target(&env), &report, &PublishOptions { comment: CommentMode::Never, ..options() }).unwrap();
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let uploads: Vec<_> =
        server.requests().into_iter().filter(|r| r.path == "/repos/acme/ml-project/code-scanning/sarifs").collect();
    assert_eq!(uploads.len(), file.runs.len());
    let mut categories = Vec::new();
    let mut findings = 0;
    for u in &uploads {
        let v = u.json();
        assert_eq!(v["commit_sha"], "mergesha1");
        assert_eq!(v["ref"], "refs/pull/7/merge");
        let gz = base64::engine::general_purpose::STANDARD.decode(v["sarif"].as_str().unwrap()).unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut text).unwrap();
        let parsed = mlsec_findings::sarif::from_slice(text.as_bytes(), std::path::Path::new("upload.sarif")).unwrap();
        assert_eq!(parsed.runs.len(), 1, "one run per upload");
        categories.push(parsed.runs[0].automation_id.clone());
        findings += parsed.len();
    }
    let expected: Vec<_> = file.runs.iter().map(|r| r.automation_id.clone()).collect();
    assert_eq!(categories, expected);
    assert_eq!(findings, file.len(), "the uploads together are the merged file");
}

#[test]
fn retries_429_with_retry_after_and_502() {
    let d = tempfile::tempdir().unwrap();
    let server = Server::start(|r, i| match i {
        0 => Response { status: 429, headers: vec![("retry-after".into(), "1".into())], body: "{}".into() },
        1 => json(502, j!({"message": "Bad Gateway"})),
        2 => json(403, j!({"message": "You have exceeded a secondary rate limit"})),
        _ if r.method == "POST" => json(201, j!({"id": 99})),
        _ => json(404, j!({})),
    });
    let env = github_env(d.path(), &server.url, false);
    let report = report_of(&sample::sample());
    let start = std::time::Instant::now();
    let out = publish(
        &target(&env),
        &report,
        &PublishOptions { sarif_upload: false, comment: CommentMode::Never, ..options() },
    )
    .unwrap();
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert!(start.elapsed() >= Duration::from_secs(1), "Retry-After honoured");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    assert!(reqs.iter().all(|r| r.path == "/repos/acme/ml-project/check-runs"));

    // Bounded: a server that always fails is given up on after `attempts`, and it is an error.
    let failing = Server::start(|_, _| json(503, j!({"message": "down"})));
    let env = github_env(d.path(), &failing.url, false);
    let out = publish(
        &target(&env),
        &report,
        &PublishOptions { sarif_upload: false, comment: CommentMode::Never, ..options() },
    )
    .unwrap();
    assert_eq!(failing.requests().len(), 4);
    assert_eq!(out.errors.len(), 1);
    assert!(out.errors[0].to_string().contains("HTTP 503"), "{}", out.errors[0]);
}

#[test]
fn fork_pr_degrades_without_any_write() {
    let d = tempfile::tempdir().unwrap();
    let server = github_server(Arc::new(Mutex::new(vec![])));
    let env = github_env(d.path(), &server.url, true);
    let report = report_of(&sample::sample());
    let out = publish(&target(&env), &report, &options()).unwrap();
    assert!(out.degraded);
    assert!(server.requests().is_empty(), "no request at all");
    assert!(out.workflow_commands.contains("::error "));
    assert!(
        out.workflow_commands
            .contains("::notice title=mlsec::this pull request comes from a fork (attacker/ml-project)")
    );
    assert!(std::fs::read_to_string(d.path().join("summary.md")).unwrap().starts_with(mlsec_ci::MARKER));
}

#[test]
fn read_only_token_on_first_write_degrades() {
    let d = tempfile::tempdir().unwrap();
    let server = Server::start(|_, _| json(403, j!({"message": "Resource not accessible by integration"})));
    let env = github_env(d.path(), &server.url, false);
    let report = report_of(&sample::sample());
    let out = publish(&target(&env), &report, &options()).unwrap();
    assert!(out.degraded && out.errors.is_empty());
    assert_eq!(server.requests().len(), 1, "no retry and no further writes");
    assert!(out.notices[0].contains("403 Resource not accessible by integration"));
}

#[test]
fn gitlab_status_and_sticky_note() {
    let notes = Arc::new(Mutex::new(vec![j!({"id": 3, "body": "a review"})]));
    let n2 = notes.clone();
    let server = Server::start(move |r, _| {
        let path = r.path.split('?').next().unwrap_or_default().to_owned();
        match (r.method.as_str(), path.as_str()) {
            ("POST", "/api/v4/projects/123/statuses/abc123") => json(201, j!({"id": 1})),
            ("GET", "/api/v4/projects/123/merge_requests/9/notes") => json(200, j!(n2.lock().unwrap().clone())),
            ("POST", "/api/v4/projects/123/merge_requests/9/notes") => {
                let mut n = n2.lock().unwrap();
                n.push(j!({"id": 50, "body": r.json()["body"]}));
                json(201, j!({"id": 50}))
            }
            ("PUT", "/api/v4/projects/123/merge_requests/9/notes/50") => json(200, j!({"id": 50})),
            _ => json(404, j!({"message": "404 Not Found"})),
        }
    });
    let env: HashMap<String, String> = [
        ("GITLAB_CI", "true"),
        ("CI_API_V4_URL", &*format!("{}/api/v4", server.url)),
        ("CI_PROJECT_ID", "123"),
        ("CI_COMMIT_SHA", "abc123"),
        ("CI_MERGE_REQUEST_IID", "9"),
        ("CI_JOB_URL", "https://gitlab.example.com/acme/ml/-/jobs/5"),
        ("MLSEC_GITLAB_TOKEN", "glpat-secret"),
        ("CI_JOB_TOKEN", "job-token"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let t = target(&env);
    let report = report_of(&sample::sample());
    publish(&t, &report, &options()).unwrap();
    let out = publish(&t, &report, &options()).unwrap();
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let reqs = server.requests();
    assert!(reqs.iter().all(|r| r.header("private-token") == Some("glpat-secret") && r.header("job-token").is_none()));
    let statuses: Vec<_> = reqs.iter().filter(|r| r.path.contains("/statuses/")).collect();
    assert_eq!(statuses.len(), 2);
    let s = statuses[0].json();
    assert_eq!((s["state"].as_str(), s["name"].as_str()), (Some("failed"), Some("mlsec")));
    assert_eq!(s["target_url"], "https://gitlab.example.com/acme/ml/-/jobs/5");
    assert_eq!(reqs.iter().filter(|r| r.method == "POST" && r.path.ends_with("/notes")).count(), 1, "posted once");
    assert_eq!(reqs.iter().filter(|r| r.method == "PUT").count(), 1, "then edited");
    assert!(notes.lock().unwrap()[1]["body"].as_str().unwrap().starts_with(mlsec_ci::MARKER));
}

#[test]
fn detection_reads_workflow_run_and_overrides() {
    let d = tempfile::tempdir().unwrap();
    let event = j!({"workflow_run": {"head_sha": "prhead", "head_branch": "feature", "pull_requests": []}});
    std::fs::write(d.path().join("e.json"), event.to_string()).unwrap();
    let env: HashMap<String, String> = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_REPOSITORY", "acme/ml-project"),
        ("GITHUB_SHA", "defaultbranchsha"),
        ("GITHUB_REF", "refs/heads/main"),
        ("GITHUB_EVENT_NAME", "workflow_run"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .chain([("GITHUB_EVENT_PATH".to_owned(), d.path().join("e.json").display().to_string())])
    .collect();
    let o = Overrides { pr: Some(12), ..Overrides::default() };
    let Target::GitHub(t) = detect(PlatformChoice::Auto, &o, &|k| env.get(k).cloned()).unwrap() else {
        panic!("github")
    };
    assert_eq!((t.head_sha.as_str(), t.sha.as_str(), t.pr), ("prhead", "prhead", Some(12)));
    assert_eq!(t.git_ref, "refs/pull/12/head");
    assert!(t.read_only.is_none() && t.token.is_none());
    assert!(!format!("{t:?}").contains("token: Some"));
    // Not in CI: a clear error.
    let e = detect(PlatformChoice::Auto, &Overrides::default(), &|_| None).unwrap_err();
    assert!(e.to_string().contains("not running in GitHub Actions or GitLab CI"));
}

#[test]
fn large_reports_stay_within_githubs_limits() {
    let d = tempfile::tempdir().unwrap();
    let server = github_server(Arc::new(Mutex::new(vec![])));
    let env = github_env(d.path(), &server.url, false);
    let file = sample::scaled(400);
    let report = report_of(&file);
    assert!(report.step_summary.len() > 65_536, "the test needs a report over the comment limit");
    let out = publish(&target(&env), &report, &PublishOptions { sarif_upload: false, ..options() }).unwrap();
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let reqs = server.requests();
    for r in reqs.iter().filter(|r| r.path.ends_with("/check-runs") || r.path.ends_with("/check-runs/99")) {
        let o = &r.json()["output"];
        assert!(o["text"].as_str().unwrap().chars().count() <= mlsec_ci::CHECK_TEXT_MAX);
        assert!(o["summary"].as_str().unwrap().chars().count() <= mlsec_ci::CHECK_TEXT_MAX);
        assert!(o["annotations"].as_array().unwrap().len() <= 50);
    }
    let comment = reqs.iter().find(|r| r.method == "POST" && r.path.ends_with("/issues/7/comments")).unwrap();
    assert!(comment.json()["body"].as_str().unwrap().chars().count() <= mlsec_ci::COMMENT_MAX);
    let summary = std::fs::metadata(d.path().join("summary.md")).unwrap().len();
    assert!(summary as usize <= mlsec_ci::STEP_SUMMARY_MAX);
}

#[test]
fn gitlab_note_is_found_on_the_next_page() {
    let server = Server::start(|r, _| {
        let path = r.path.split('?').next().unwrap_or_default().to_owned();
        match (r.method.as_str(), path.as_str()) {
            ("POST", "/api/v4/projects/123/statuses/abc123") => json(201, j!({"id": 1})),
            ("GET", "/api/v4/projects/123/merge_requests/9/notes") if r.path.ends_with("&page=1") => {
                let notes: Vec<_> = (0..100).map(|i| j!({"id": i, "body": "review"})).collect();
                let mut resp = json(200, j!(notes));
                resp.headers.push(("x-next-page".into(), "2".into()));
                resp
            }
            ("GET", "/api/v4/projects/123/merge_requests/9/notes") => {
                let mut resp = json(200, j!([{"id": 700, "body": format!("{}\nold", mlsec_ci::MARKER)}]));
                resp.headers.push(("x-next-page".into(), "".into()));
                resp
            }
            ("PUT", "/api/v4/projects/123/merge_requests/9/notes/700") => json(200, j!({"id": 700})),
            _ => json(404, j!({"message": "404 Not Found"})),
        }
    });
    let env: HashMap<String, String> = [
        ("GITLAB_CI", "true"),
        ("CI_API_V4_URL", &*format!("{}/api/v4", server.url)),
        ("CI_PROJECT_ID", "123"),
        ("CI_COMMIT_SHA", "abc123"),
        ("CI_MERGE_REQUEST_IID", "9"),
        ("CI_JOB_TOKEN", "job-token-value"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let out = publish(&target(&env), &report_of(&sample::sample()), &options()).unwrap();
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let reqs = server.requests();
    assert!(
        reqs.iter().all(|r| r.header("job-token") == Some("job-token-value") && r.header("private-token").is_none())
    );
    assert_eq!(reqs.iter().filter(|r| r.method == "GET").count(), 2);
    assert_eq!(reqs.iter().filter(|r| r.method == "PUT").count(), 1);
    assert!(!reqs.iter().any(|r| r.method == "POST" && r.path.contains("/notes")), "never re-posted");
}

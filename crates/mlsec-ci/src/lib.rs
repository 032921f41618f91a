//! CI integration of mlsec: detect the CI context (GitHub Actions, GitLab CI) and publish a
//! findings report there.
//!
//! GitHub: a check run with every annotation (batched 50 per request), one sticky PR comment
//! (found by [`MARKER`] and edited in place), SARIF upload to code scanning (one upload per
//! automation id), and the step summary. Fork PRs (read-only token) degrade to workflow-command
//! annotations and the step summary. GitLab: a sticky MR note and a commit status.
//!
//! The caller writes the report to disk before calling [`publish`]; every call has a timeout and
//! bounded retries ([`RetryPolicy`]).
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod context;
mod github;
mod gitlab;
mod http;
mod report;

use std::path::PathBuf;
use std::time::Duration;

pub use context::{GitHubTarget, GitLabTarget, GitLabToken, Overrides, PlatformChoice, Target, detect};
pub use http::RetryPolicy;
pub use mlsec_report::markdown::MARKER;
pub use report::{
    Annotation, CHECK_TEXT_MAX, COMMENT_MAX, Conclusion, Report, SARIF_GZIP_MAX, STEP_SUMMARY_MAX, SarifUpload,
};

/// When to post the sticky PR/MR comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentMode {
    /// On every pull/merge request.
    Always,
    /// When there are considered findings or a tool error; an existing comment is always kept
    /// up to date (so it never shows stale findings).
    OnFindings,
    /// Never.
    Never,
}

/// What to publish and how.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// The check run / commit status name.
    pub check_name: String,
    /// The sticky comment.
    pub comment: CommentMode,
    /// Upload SARIF to GitHub code scanning.
    pub sarif_upload: bool,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retries.
    pub retry: RetryPolicy,
    /// Plan only: no network call and no file written.
    pub dry_run: bool,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            check_name: "mlsec".to_owned(),
            comment: CommentMode::OnFindings,
            sarif_upload: false,
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            dry_run: false,
        }
    }
}

/// What publishing did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// One line per thing done (or planned, in a dry run).
    pub done: Vec<String>,
    /// Notices for the user (degraded mode, skipped channels).
    pub notices: Vec<String>,
    /// Workflow commands to print on stdout (degraded GitHub mode: annotations + a notice).
    pub workflow_commands: String,
    /// Writes were impossible (fork PR / read-only token): annotations and summary only.
    pub degraded: bool,
    /// Channels that failed; publishing went on with the others.
    pub errors: Vec<PublishError>,
}

/// Publishing failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The CI context is incomplete or wrong.
    #[error("{message}")]
    Context {
        /// What.
        message: String,
        /// What to do.
        hint: String,
    },
    /// No token to write with.
    #[error("no API token for {platform}")]
    NoToken {
        /// GitHub or GitLab.
        platform: &'static str,
    },
    /// The API answered with an error status.
    #[error("{what}: HTTP {status}: {message}")]
    Status {
        /// Method and path.
        what: String,
        /// HTTP status.
        status: u16,
        /// The API's message.
        message: String,
    },
    /// The token may read but not write (GitHub fork PRs).
    #[error("{what}: HTTP 403: Resource not accessible by integration (read-only token)")]
    ReadOnly {
        /// Method and path.
        what: String,
    },
    /// The request could not be completed (timeout, connection, retries exhausted).
    #[error("{what}: {message} (after {attempts} attempt(s))")]
    Transport {
        /// Method and path.
        what: String,
        /// Why.
        message: String,
        /// Attempts made.
        attempts: u32,
    },
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// Which file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A payload exceeds the API's limit.
    #[error("{what} is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// What.
        what: String,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
}

impl PublishError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            PublishError::Context { hint, .. } => hint.clone(),
            PublishError::NoToken { platform: "GitHub" } => {
                "pass --token or set GITHUB_TOKEN (e.g. `env: GITHUB_TOKEN: ${{ github.token }}`)".to_owned()
            }
            PublishError::NoToken { .. } => {
                "set MLSEC_GITLAB_TOKEN to a project access token with the api scope (masked CI/CD variable)".to_owned()
            }
            PublishError::Status { status: 401, .. } => "the token was rejected: check that it is valid".to_owned(),
            PublishError::Status { status: 403 | 404, .. } => {
                "check the token's permissions (docs/publish.md lists what each feature needs)".to_owned()
            }
            PublishError::Status { .. } | PublishError::Transport { .. } => {
                "the report is on disk; re-run the job to publish it, or check --api-url".to_owned()
            }
            PublishError::ReadOnly { .. } => {
                "grant checks/pull-requests/security-events: write, or use the workflow_run pattern (docs/publish.md)"
                    .to_owned()
            }
            PublishError::Io { .. } => "check that the directory exists and is writable".to_owned(),
            PublishError::TooLarge { .. } => {
                "upload fewer findings (raise --fail-on, add a baseline) or split the runs".to_owned()
            }
        }
    }
}

/// Truncate to at most `max` characters, ending with `pointer` when cut.
pub fn truncate_chars(s: &str, max: usize, pointer: &str) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let keep = max.saturating_sub(pointer.chars().count());
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(pointer);
    out
}

/// Publish the report to the target. Network failures of one channel are recorded in
/// [`Outcome::errors`] and the other channels still run.
pub fn publish(target: &Target, report: &Report, options: &PublishOptions) -> Result<Outcome, PublishError> {
    match target {
        Target::GitHub(t) => github::publish(t, report, options),
        Target::GitLab(t) => gitlab::publish(t, report, options),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_the_limit_and_ends_with_the_pointer() {
        assert_eq!(truncate_chars("short", 10, "…"), "short");
        let cut = truncate_chars(&"é".repeat(100), 20, " [more]");
        assert_eq!(cut.chars().count(), 20);
        assert!(cut.ends_with(" [more]"));
    }

    #[test]
    fn next_link_is_read_from_the_link_header() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            "link",
            reqwest::header::HeaderValue::from_static(
                "<https://api.github.com/x?page=1>; rel=\"prev\", <https://api.github.com/x?page=3>; rel=\"next\"",
            ),
        );
        assert_eq!(http::next_link(&h).as_deref(), Some("https://api.github.com/x?page=3"));
        h.insert("link", reqwest::header::HeaderValue::from_static("<https://api.github.com/x?page=1>; rel=\"prev\""));
        assert_eq!(http::next_link(&h), None);
    }

    #[test]
    fn links_off_the_api_host_are_refused() {
        let http = http::Http::new("https://api.github.com", None, Duration::from_secs(1), RetryPolicy::default(), &[])
            .unwrap();
        assert!(http.url("https://api.github.com/repos/a/b").is_ok());
        assert!(http.url("https://api.github.com.evil.example/repos").is_err());
        assert_eq!(http.url("/repos/a/b").unwrap(), "https://api.github.com/repos/a/b");
    }
}

//! Where we run: GitHub Actions or GitLab CI, read from the environment (and the GitHub event
//! payload), with explicit overrides from the command line.

use std::path::PathBuf;

use crate::PublishError;

/// Which platform to publish to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformChoice {
    /// GitHub Actions when `GITHUB_ACTIONS=true`, GitLab CI when `GITLAB_CI=true`.
    Auto,
    /// GitHub (Checks, issue comments, code scanning, step summary).
    GitHub,
    /// GitLab (MR note, commit status).
    GitLab,
}

/// Values given explicitly (flags / `MLSEC_*`), taking precedence over the CI variables.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// API token.
    pub token: Option<String>,
    /// API base URL (`https://api.github.com`, `https://gitlab.example.com/api/v4`).
    pub api_url: Option<String>,
    /// Pull/merge request number (the `workflow_run` pattern passes it through an artifact).
    pub pr: Option<u64>,
    /// Commit the results belong to.
    pub sha: Option<String>,
}

/// A GitHub repository and the commit/PR being published for.
#[derive(Clone)]
pub struct GitHubTarget {
    /// API base URL without a trailing slash.
    pub api_url: String,
    /// `owner/name`.
    pub repository: String,
    /// The commit the check run is attached to (the PR head on pull requests).
    pub head_sha: String,
    /// The commit SARIF is uploaded for (`GITHUB_SHA`: the merge commit on pull requests).
    pub sha: String,
    /// The ref SARIF is uploaded for (`refs/pull/N/merge`, `refs/heads/main`).
    pub git_ref: String,
    /// The pull request, if any.
    pub pr: Option<u64>,
    /// `GITHUB_EVENT_NAME`.
    pub event_name: String,
    /// Why writes are impossible (a fork PR's read-only token), if they are.
    pub read_only: Option<String>,
    /// The token (never printed).
    pub token: Option<String>,
    /// `$GITHUB_STEP_SUMMARY`.
    pub step_summary: Option<PathBuf>,
    /// The run's URL (check run `details_url`, truncation pointers).
    pub run_url: Option<String>,
}

impl std::fmt::Debug for GitHubTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubTarget")
            .field("api_url", &self.api_url)
            .field("repository", &self.repository)
            .field("head_sha", &self.head_sha)
            .field("sha", &self.sha)
            .field("git_ref", &self.git_ref)
            .field("pr", &self.pr)
            .field("event_name", &self.event_name)
            .field("read_only", &self.read_only)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("step_summary", &self.step_summary)
            .field("run_url", &self.run_url)
            .finish()
    }
}

/// How a GitLab token authenticates.
#[derive(Clone)]
pub enum GitLabToken {
    /// A personal, project or group access token (`PRIVATE-TOKEN` header).
    Private(String),
    /// The job token (`JOB-TOKEN` header; GitLab limits what it may do).
    Job(String),
}

impl std::fmt::Debug for GitLabToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            GitLabToken::Private(_) => "Private(***)",
            GitLabToken::Job(_) => "Job(***)",
        })
    }
}

/// A GitLab project and the commit/MR being published for.
#[derive(Debug, Clone)]
pub struct GitLabTarget {
    /// `CI_API_V4_URL` without a trailing slash.
    pub api_url: String,
    /// `CI_PROJECT_ID` (numeric id or URL-encoded path).
    pub project_id: String,
    /// `CI_COMMIT_SHA`.
    pub sha: String,
    /// `CI_MERGE_REQUEST_IID`.
    pub mr_iid: Option<u64>,
    /// The token.
    pub token: Option<GitLabToken>,
    /// `CI_JOB_URL` (the commit status's `target_url`).
    pub job_url: Option<String>,
}

/// Where to publish.
#[derive(Debug, Clone)]
pub enum Target {
    /// GitHub.
    GitHub(GitHubTarget),
    /// GitLab.
    GitLab(GitLabTarget),
}

fn get(env: &dyn Fn(&str) -> Option<String>, key: &str) -> Option<String> {
    env(key).filter(|v| !v.trim().is_empty())
}

fn need(env: &dyn Fn(&str) -> Option<String>, key: &str, platform: &str) -> Result<String, PublishError> {
    get(env, key).ok_or_else(|| PublishError::Context {
        message: format!("{key} is not set"),
        hint: format!("run inside {platform}, or set {key} (and the other variables docs/publish.md lists)"),
    })
}

/// Read the CI context. `env` looks a variable up (`std::env::var(k).ok()` in the binary).
pub fn detect(
    choice: PlatformChoice,
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Target, PublishError> {
    let platform = match choice {
        PlatformChoice::Auto if get(env, "GITHUB_ACTIONS").is_some_and(|v| v == "true") => PlatformChoice::GitHub,
        PlatformChoice::Auto if get(env, "GITLAB_CI").is_some_and(|v| v == "true") => PlatformChoice::GitLab,
        PlatformChoice::Auto => {
            return Err(PublishError::Context {
                message: "not running in GitHub Actions or GitLab CI (neither GITHUB_ACTIONS nor GITLAB_CI is true)"
                    .to_owned(),
                hint: "pass --platform github or --platform gitlab and set the CI variables docs/publish.md lists"
                    .to_owned(),
            });
        }
        c => c,
    };
    match platform {
        PlatformChoice::GitLab => gitlab(overrides, env).map(Target::GitLab),
        _ => github(overrides, env).map(Target::GitHub),
    }
}

fn github(o: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> Result<GitHubTarget, PublishError> {
    let repository = need(env, "GITHUB_REPOSITORY", "GitHub Actions")?;
    let event_name = get(env, "GITHUB_EVENT_NAME").unwrap_or_default();
    let event: serde_json::Value = match get(env, "GITHUB_EVENT_PATH") {
        Some(p) => {
            let bytes = std::fs::read(&p).map_err(|e| PublishError::Context {
                message: format!("cannot read the event payload {p}: {e}"),
                hint: "GITHUB_EVENT_PATH must name the workflow's event JSON".to_owned(),
            })?;
            serde_json::from_slice(&bytes).map_err(|e| PublishError::Context {
                message: format!("{p}: the event payload is not JSON: {e}"),
                hint: "GITHUB_EVENT_PATH must name the workflow's event JSON".to_owned(),
            })?
        }
        None => serde_json::Value::Null,
    };
    let env_sha = get(env, "GITHUB_SHA");
    let env_ref = get(env, "GITHUB_REF");

    let (mut pr, mut head_sha, mut sha, mut git_ref) = (None, env_sha.clone(), env_sha, env_ref);
    let mut read_only = None;
    let pull = &event["pull_request"];
    if event_name.starts_with("pull_request") && pull.is_object() {
        pr = pull["number"].as_u64().or_else(|| event["number"].as_u64());
        if let Some(h) = pull["head"]["sha"].as_str() {
            head_sha = Some(h.to_owned());
        }
        // A PR from a fork runs `pull_request` with a read-only token (`pull_request_target`
        // runs in the base repository with a write token).
        let head_repo = pull["head"]["repo"]["full_name"].as_str();
        let base_repo = pull["base"]["repo"]["full_name"].as_str().unwrap_or(&repository);
        if event_name == "pull_request" && head_repo != Some(base_repo) {
            read_only = Some(format!(
                "this pull request comes from a fork ({}), so its GITHUB_TOKEN is read-only",
                head_repo.unwrap_or("a deleted repository")
            ));
        }
    } else if event_name == "workflow_run" {
        let run = &event["workflow_run"];
        if let Some(h) = run["head_sha"].as_str() {
            head_sha = Some(h.to_owned());
            sha = Some(h.to_owned());
        }
        pr = run["pull_requests"][0]["number"].as_u64();
        if let Some(b) = run["head_branch"].as_str() {
            git_ref = Some(format!("refs/heads/{b}"));
        }
    }
    if let Some(n) = o.pr {
        pr = Some(n);
    }
    if let Some(s) = &o.sha {
        head_sha = Some(s.clone());
        sha = Some(s.clone());
    }
    if event_name == "workflow_run"
        && let Some(n) = pr
    {
        git_ref = Some(format!("refs/pull/{n}/head"));
    }
    let sha = sha.ok_or_else(|| PublishError::Context {
        message: "GITHUB_SHA is not set".to_owned(),
        hint: "run inside GitHub Actions, or pass --sha".to_owned(),
    })?;
    let head_sha = head_sha.unwrap_or_else(|| sha.clone());
    let git_ref = git_ref.unwrap_or_default();

    let server = get(env, "GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".to_owned());
    let run_url =
        get(env, "GITHUB_RUN_ID").map(|id| format!("{}/{repository}/actions/runs/{id}", server.trim_end_matches('/')));
    let api_url = o
        .api_url
        .clone()
        .or_else(|| get(env, "GITHUB_API_URL"))
        .unwrap_or_else(|| "https://api.github.com".to_owned())
        .trim_end_matches('/')
        .to_owned();
    let token = o.token.clone().or_else(|| get(env, "GITHUB_TOKEN"));
    Ok(GitHubTarget {
        api_url,
        repository,
        head_sha,
        sha,
        git_ref,
        pr,
        event_name,
        read_only,
        token,
        step_summary: get(env, "GITHUB_STEP_SUMMARY").map(PathBuf::from),
        run_url,
    })
}

fn gitlab(o: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> Result<GitLabTarget, PublishError> {
    let api_url = match o.api_url.clone() {
        Some(u) => u,
        None => need(env, "CI_API_V4_URL", "GitLab CI")?,
    };
    let project_id = need(env, "CI_PROJECT_ID", "GitLab CI")?;
    let sha = match o.sha.clone() {
        Some(s) => s,
        None => need(env, "CI_COMMIT_SHA", "GitLab CI")?,
    };
    let mr_iid = o.pr.or_else(|| get(env, "CI_MERGE_REQUEST_IID").and_then(|v| v.parse().ok()));
    let token = o
        .token
        .clone()
        .or_else(|| get(env, "MLSEC_GITLAB_TOKEN"))
        .map(GitLabToken::Private)
        .or_else(|| get(env, "CI_JOB_TOKEN").map(GitLabToken::Job));
    Ok(GitLabTarget {
        api_url: api_url.trim_end_matches('/').to_owned(),
        project_id,
        sha,
        mr_iid,
        token,
        job_url: get(env, "CI_JOB_URL"),
    })
}

//! One blocking HTTP client for both platforms, with timeouts and bounded retries.
//!
//! Why reqwest and not octocrab for GitHub: octocrab is async-only (a tokio runtime inside a
//! synchronous CLI), its retry layer does not honour `Retry-After` nor GitHub's secondary rate
//! limit (403), and the endpoints we need (check runs with batched annotations, issue comments,
//! code-scanning SARIF upload) are four JSON calls whose payloads we must control exactly
//! (batch sizes, limits). GitLab needs reqwest anyway, so one small stack serves both and every
//! call shares the same retry policy.

use std::time::Duration;

use reqwest::blocking::{Client, Response};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};

use crate::PublishError;

/// Retry policy: bounded attempts, exponential backoff, `Retry-After` honoured up to a cap.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per call (1 = no retry).
    pub attempts: u32,
    /// First backoff delay (doubled after each failed attempt) when the server gives none.
    pub base_delay: Duration,
    /// The longest wait accepted, from `Retry-After` or backoff; longer waits give up.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 4, base_delay: Duration::from_secs(1), max_delay: Duration::from_secs(60) }
    }
}

/// A response read to the end.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// An authenticated client for one API base URL.
#[derive(Debug)]
pub(crate) struct Http {
    client: Client,
    base: String,
    retry: RetryPolicy,
}

/// Does this response ask us to come back later?
fn retryable(status: StatusCode, headers: &HeaderMap, body: &str) -> bool {
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return true;
    }
    // GitHub's secondary rate limit is a 403 with Retry-After, or a body saying so; the primary
    // one is a 403 with x-ratelimit-remaining: 0.
    status == StatusCode::FORBIDDEN
        && (headers.contains_key("retry-after")
            || headers.get("x-ratelimit-remaining").is_some_and(|v| v == "0")
            || body.to_ascii_lowercase().contains("rate limit"))
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get("retry-after")?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

impl Http {
    /// A client sending `auth` on every request to `base`.
    pub(crate) fn new(
        base: &str,
        auth: Option<(HeaderName, String)>,
        timeout: Duration,
        retry: RetryPolicy,
        extra: &[(&'static str, &'static str)],
    ) -> Result<Http, PublishError> {
        let mut headers = HeaderMap::new();
        if let Some((name, value)) = auth {
            let mut v = HeaderValue::from_str(&value).map_err(|_| PublishError::Context {
                message: "the token contains characters not allowed in an HTTP header".to_owned(),
                hint: "check the token variable (no newline or spaces)".to_owned(),
            })?;
            v.set_sensitive(true);
            headers.insert(name, v);
        }
        for (k, v) in extra {
            headers.insert(*k, HeaderValue::from_static(v));
        }
        let client = Client::builder()
            .user_agent(concat!("mlsec/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                let message = format!("cannot build the HTTP client: {}", chain(&e));
                // TLS trusts the system's roots (rustls-platform-verifier): an image without them
                // (no ca-certificates package) fails here, before any request.
                let hint = if message.contains("CA certificates") {
                    "install the system's CA certificates (the ca-certificates package), or point SSL_CERT_FILE at a PEM bundle"
                } else {
                    "this is a bug in mlsec; please report it"
                };
                PublishError::Context { message, hint: hint.to_owned() }
            })?;
        Ok(Http { client, base: base.trim_end_matches('/').to_owned(), retry })
    }

    /// The absolute URL of an API path (`/repos/...`) or an absolute URL on the same API (from a
    /// `Link` header); anything else is refused so the token never leaves the API host.
    pub(crate) fn url(&self, path_or_url: &str) -> Result<String, PublishError> {
        if path_or_url.starts_with('/') {
            return Ok(format!("{}{path_or_url}", self.base));
        }
        if path_or_url.starts_with(&format!("{}/", self.base)) {
            return Ok(path_or_url.to_owned());
        }
        Err(PublishError::Context {
            message: format!("the API pointed to {path_or_url}, outside {}", self.base),
            hint: "check --api-url".to_owned(),
        })
    }

    /// Send with retries; a final non-2xx status is an error (403 "Resource not accessible by
    /// integration" is [`PublishError::ReadOnly`]).
    pub(crate) fn send(
        &self,
        method: Method,
        path_or_url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, PublishError> {
        let url = self.url(path_or_url)?;
        let what = format!("{method} {}", url.strip_prefix(&self.base).unwrap_or(&url));
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut req = self.client.request(method.clone(), &url);
            if let Some(b) = body {
                req = req.json(b);
            }
            let (wait, last_error) = match req.send().and_then(read) {
                Ok(reply) if reply.status.is_success() => return Ok(reply),
                Ok(reply) if attempt < self.retry.attempts && retryable(reply.status, &reply.headers, &reply.body) => {
                    let backoff = self.retry.base_delay.saturating_mul(1 << (attempt - 1).min(16));
                    (retry_after(&reply.headers).unwrap_or(backoff), None)
                }
                Ok(reply) => return Err(status_error(what, &reply)),
                Err(e) if attempt < self.retry.attempts && (e.is_timeout() || e.is_connect() || e.is_request()) => {
                    (self.retry.base_delay.saturating_mul(1 << (attempt - 1).min(16)), Some(e.to_string()))
                }
                Err(e) => {
                    return Err(PublishError::Transport { what, message: without_url(&e), attempts: attempt });
                }
            };
            if wait > self.retry.max_delay {
                return Err(PublishError::Transport {
                    what,
                    message: format!(
                        "asked to wait {}s, more than the {}s accepted{}",
                        wait.as_secs(),
                        self.retry.max_delay.as_secs(),
                        last_error.map(|e| format!(" ({e})")).unwrap_or_default()
                    ),
                    attempts: attempt,
                });
            }
            std::thread::sleep(wait);
        }
    }
}

fn read(resp: Response) -> reqwest::Result<Reply> {
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.text()?;
    Ok(Reply { status, headers, body })
}

/// An error and its sources, `: `-joined (reqwest's own message is only "builder error").
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    s
}

fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(u) = e.url() {
        s = s.replace(u.as_str(), "the API");
    }
    s
}

fn status_error(what: String, reply: &Reply) -> PublishError {
    let v = reply.json();
    let message =
        v["message"].as_str().map(str::to_owned).unwrap_or_else(|| reply.body.chars().take(300).collect::<String>());
    if reply.status == StatusCode::FORBIDDEN && message.contains("Resource not accessible by integration") {
        return PublishError::ReadOnly { what };
    }
    PublishError::Status { what, status: reply.status.as_u16(), message }
}

/// The `rel="next"` URL of a `Link` header.
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| url.trim().trim_start_matches('<').trim_end_matches('>').to_owned())
    })
}

//! The exit-code contract and error reporting at the binary edge.
//!
//! Every mlsec binary exits with one of three codes (DESIGN.md §3):
//!
//! | code | [`ExitStatus`] | meaning |
//! |---|---|---|
//! | `0` | [`Success`](ExitStatus::Success) | the job ran; nothing at or above the `--fail-on` threshold (or the gate is report-only) |
//! | `1` | [`Findings`](ExitStatus::Findings) | the job ran; findings at or above the threshold |
//! | `2` | [`Error`](ExitStatus::Error) | the tool could not do its job: bad input, bad config, a wrapped tool missing or crashed, a download failed |
//!
//! `2` is never folded into `0` or `1`: `--fail-on none` and `--exit-zero` make findings
//! report-only but errors still exit 2. Command-line usage errors exit 2 as well (clap's own
//! convention). One exception, a habit of ripgrep and typos: when the reader of our stdout went
//! away (`mlsec report | head`), the broken pipe is not an error and the exit code is 0 — see
//! [`finish`].
//!
//! Errors are printed to stderr as
//!
//! ```text
//! error: <what went wrong, where>
//!   caused by: <source>
//!   caused by: <source of the source>
//! hint: <what to do next>
//! ```
//!
//! The `hint:` line appears when some error in the chain carries one: a [`WithHint`] (attach one
//! with [`HintExt::hint`]) or a [`ConfigError`] (which knows its own hints).

use std::error::Error as StdError;
use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

use crate::ConfigError;

/// How a tool run ended; converts into the process exit code.
///
/// The variants are ordered by precedence, so combining the outcomes of several jobs with
/// [`Ord::max`] keeps an error an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum ExitStatus {
    /// `0`: nothing at or above the threshold (or the gate is report-only).
    Success = 0,
    /// `1`: findings at or above the threshold.
    Findings = 1,
    /// `2`: the tool could not do its job.
    Error = 2,
}

impl ExitStatus {
    /// The numeric exit code.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// [`Findings`](ExitStatus::Findings) when the gate failed, else
    /// [`Success`](ExitStatus::Success).
    pub const fn from_gate(failed: bool) -> Self {
        if failed { ExitStatus::Findings } else { ExitStatus::Success }
    }
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            ExitStatus::Success => "success",
            ExitStatus::Findings => "findings at or above the threshold",
            ExitStatus::Error => "error",
        };
        write!(f, "{} ({what})", self.code())
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

impl std::process::Termination for ExitStatus {
    fn report(self) -> ExitCode {
        self.into()
    }
}

/// The `main` of a tool that is not implemented yet: prints `message` to stderr and exits 2.
///
/// The message is printed as given (it should start with `error:` and may carry a `hint:` line).
pub fn placeholder_main(message: &str) -> ExitCode {
    let mut stderr = io::stderr().lock();
    // Nothing sensible is left to do if stderr itself is gone; the exit code still says 2.
    let _ = if message.ends_with('\n') { stderr.write_all(message.as_bytes()) } else { writeln!(stderr, "{message}") };
    ExitStatus::Error.into()
}

/// Prints `err` to stderr in the mlsec error format (see the [module docs](self)) and returns exit
/// code 2.
///
/// This always exits 2, even for a broken pipe; use [`finish`] to get the broken-pipe exception.
pub fn report_error(err: &anyhow::Error) -> ExitCode {
    let _ = io::stderr().lock().write_all(render_error(err).as_bytes());
    ExitStatus::Error.into()
}

/// Renders `err` in the mlsec error format: an `error:` line, one `  caused by:` line per source
/// (consecutive repeats skipped), and a `hint:` line when the chain carries a hint. Ends with a
/// newline.
pub fn render_error(err: &anyhow::Error) -> String {
    let mut out = String::new();
    let mut previous: Option<String> = None;
    for (i, cause) in err.chain().enumerate() {
        let message = cause.to_string();
        if previous.as_deref() == Some(message.as_str()) {
            continue;
        }
        if i == 0 {
            out.push_str("error: ");
        } else {
            out.push_str("  caused by: ");
        }
        out.push_str(&message);
        out.push('\n');
        previous = Some(message);
    }
    if let Some(hint) = find_hint(err) {
        out.push_str("hint: ");
        out.push_str(&hint);
        out.push('\n');
    }
    out
}

/// The first hint carried by an error in the chain of `err`, outermost first.
///
/// Recognises [`WithHint`] and [`ConfigError`].
pub fn find_hint(err: &anyhow::Error) -> Option<String> {
    err.chain().find_map(|cause| {
        if let Some(with_hint) = cause.downcast_ref::<WithHint>() {
            Some(with_hint.hint().to_owned())
        } else {
            cause.downcast_ref::<ConfigError>().and_then(ConfigError::hint)
        }
    })
}

/// Whether `err` was caused by a broken pipe (the reader of our output went away).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}

/// An error made of `message`, printed with a `hint:` line: what the binaries return when a
/// setting or an input is wrong.
pub fn fail<T>(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Result<T> {
    Err(anyhow::Error::new(WithHint::new(message.into(), hint)))
}

/// A library error carrying its own hint (when it has one) into the `hint:` line.
pub fn hinted<E: StdError + Send + Sync + 'static>(error: E, hint: Option<String>) -> anyhow::Error {
    match hint {
        Some(h) => anyhow::Error::new(WithHint::new(error, h)),
        None => anyhow::Error::new(error),
    }
}

/// Maps the result of a binary's `run` to its exit code: the status on success, `0` (silently) for
/// a broken pipe, and otherwise the error printed by [`report_error`] with exit code 2.
pub fn finish(result: anyhow::Result<ExitStatus>) -> ExitCode {
    match result {
        Ok(status) => status.into(),
        Err(err) if is_broken_pipe(&err) => ExitStatus::Success.into(),
        Err(err) => report_error(&err),
    }
}

/// An error with a hint for the user: what to do next.
///
/// It is transparent: it displays as the wrapped error and reports the wrapped error's sources, so
/// it adds only the `hint:` line to what [`render_error`] prints. Build it with [`WithHint::new`]
/// or [`HintExt::hint`].
#[derive(Debug)]
pub struct WithHint {
    source: Box<dyn StdError + Send + Sync + 'static>,
    hint: String,
}

impl WithHint {
    /// Wraps `error` with `hint`.
    pub fn new(error: impl Into<Box<dyn StdError + Send + Sync + 'static>>, hint: impl Into<String>) -> Self {
        WithHint { source: error.into(), hint: hint.into() }
    }

    /// The hint (without the `hint: ` prefix).
    pub fn hint(&self) -> &str {
        &self.hint
    }

    /// The wrapped error, e.g. to downcast it.
    pub fn inner(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.source
    }

    /// Unwraps the error, dropping the hint.
    pub fn into_inner(self) -> Box<dyn StdError + Send + Sync + 'static> {
        self.source
    }
}

impl fmt::Display for WithHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

impl StdError for WithHint {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.source()
    }
}

/// Attaches a [`WithHint`] to the error of a `Result`.
///
/// ```
/// use mlsec_cli::HintExt;
///
/// fn find_trivy() -> Result<std::path::PathBuf, std::io::Error> {
///     Err(std::io::Error::new(std::io::ErrorKind::NotFound, "trivy not found on PATH"))
/// }
///
/// let err = find_trivy()
///     .hint("install trivy or pass --trivy-binary PATH")
///     .unwrap_err();
/// assert_eq!(err.hint(), "install trivy or pass --trivy-binary PATH");
/// ```
pub trait HintExt<T> {
    /// Wraps the error with `hint`.
    fn hint(self, hint: impl Into<String>) -> Result<T, WithHint>;

    /// Wraps the error with the hint returned by `f`, evaluated only on error.
    fn with_hint<S: Into<String>, F: FnOnce() -> S>(self, f: F) -> Result<T, WithHint>;
}

impl<T, E> HintExt<T> for Result<T, E>
where
    E: Into<Box<dyn StdError + Send + Sync + 'static>>,
{
    fn hint(self, hint: impl Into<String>) -> Result<T, WithHint> {
        self.map_err(|e| WithHint::new(e, hint))
    }

    fn with_hint<S: Into<String>, F: FnOnce() -> S>(self, f: F) -> Result<T, WithHint> {
        self.map_err(|e| WithHint::new(e, f()))
    }
}

#[cfg(test)]
mod tests {
    use anyhow::Context as _;

    use super::*;

    #[test]
    fn codes_follow_the_contract() {
        assert_eq!(ExitStatus::Success.code(), 0);
        assert_eq!(ExitStatus::Findings.code(), 1);
        assert_eq!(ExitStatus::Error.code(), 2);
        assert_eq!(ExitCode::from(ExitStatus::Error), ExitCode::from(2));
        assert_eq!(ExitStatus::from_gate(true), ExitStatus::Findings);
        assert_eq!(ExitStatus::from_gate(false), ExitStatus::Success);
        // An error is never folded into findings or success.
        assert_eq!(ExitStatus::Findings.max(ExitStatus::Error), ExitStatus::Error);
        assert_eq!(ExitStatus::Success.max(ExitStatus::Findings), ExitStatus::Findings);
        assert_eq!(ExitStatus::Findings.to_string(), "1 (findings at or above the threshold)");
    }

    #[test]
    fn placeholder_and_report_exit_two() {
        assert_eq!(placeholder_main("error: not yet"), ExitCode::from(2));
        assert_eq!(report_error(&anyhow::anyhow!("boom")), ExitCode::from(2));
    }

    #[test]
    fn renders_chain_and_hint() {
        let io = io::Error::new(io::ErrorKind::NotFound, "No such file or directory");
        let err = Err::<(), _>(io)
            .context("cannot read results.json")
            .hint("run the scan step first")
            .context("merging findings")
            .unwrap_err();
        assert_eq!(
            render_error(&err),
            "error: merging findings\n  caused by: cannot read results.json\n  caused by: No such file or directory\nhint: run the scan step first\n"
        );
    }

    #[test]
    fn without_hint_there_is_no_hint_line() {
        let err = anyhow::anyhow!("disk full").context("writing report");
        assert_eq!(render_error(&err), "error: writing report\n  caused by: disk full\n");
        assert_eq!(find_hint(&err), None);
    }

    #[test]
    fn with_hint_is_transparent() {
        let err = WithHint::new("bad input", "fix it");
        assert_eq!(err.to_string(), "bad input");
        assert!(err.source().is_none());
        assert_eq!(err.inner().to_string(), "bad input");
        let err = anyhow::Error::new(err);
        assert_eq!(render_error(&err), "error: bad input\nhint: fix it\n");
    }

    #[test]
    fn outermost_hint_wins() {
        let err = Err::<(), _>("inner").hint("inner hint").with_hint(|| "outer hint").unwrap_err();
        assert_eq!(err.hint(), "outer hint");
    }

    #[test]
    fn consecutive_duplicate_messages_are_skipped() {
        #[derive(Debug)]
        struct Echo(io::Error);
        impl fmt::Display for Echo {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
        impl StdError for Echo {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&self.0)
            }
        }
        let err = anyhow::Error::new(Echo(io::Error::other("gone")));
        assert_eq!(render_error(&err), "error: gone\n");
    }

    #[test]
    fn broken_pipe_is_success_other_errors_are_two() {
        let pipe = anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing SARIF to stdout");
        assert!(is_broken_pipe(&pipe));
        assert_eq!(finish(Err(pipe)), ExitCode::SUCCESS);

        let other = anyhow::Error::new(io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(!is_broken_pipe(&other));
        assert_eq!(finish(Err(other)), ExitCode::from(2));

        assert_eq!(finish(Ok(ExitStatus::Findings)), ExitCode::from(1));
        assert_eq!(finish(Ok(ExitStatus::Success)), ExitCode::SUCCESS);
    }
}

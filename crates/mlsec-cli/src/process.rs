//! Running an external tool once with a timeout, capturing stdout and stderr (used by the
//! wrappers around Trivy and Bandit).
//!
//! Hand-written on `std::process` (no extra crate): a reader thread per pipe so that a chatty tool
//! never blocks on a full pipe, and a `try_wait` poll for the deadline, after which the child is
//! killed.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// What a finished process left behind.
#[derive(Debug)]
pub struct Captured {
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: String,
}

/// Why a process did not finish.
#[derive(Debug)]
pub enum RunError {
    /// It could not be started.
    Spawn(std::io::Error),
    /// It ran past the deadline and was killed; stderr so far.
    Timeout(String),
}

fn reader<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    })
}

/// Run `program args...` in `cwd`, killing it after `timeout`.
pub fn run(program: &Path, args: &[String], cwd: &Path, timeout: Duration) -> Result<Captured, RunError> {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(RunError::Spawn)?;
    let out = reader(child.stdout.take());
    let err = reader(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                // The pipes close when the child dies, unless it left a grandchild holding them:
                // do not wait for the readers then.
                let stderr = if err.is_finished() { err.join().unwrap_or_default() } else { Vec::new() };
                return Err(RunError::Timeout(String::from_utf8_lossy(&stderr).into_owned()));
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(RunError::Spawn(e)),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    Ok(Captured { code: status.code(), stdout, stderr: String::from_utf8_lossy(&stderr).into_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout: Duration) -> Result<Captured, RunError> {
        run(Path::new("/bin/sh"), &["-c".to_owned(), script.to_owned()], Path::new("/"), timeout)
    }

    #[test]
    fn captures_both_pipes_the_exit_code_and_the_working_directory() {
        let c = sh("pwd; echo oops >&2; exit 3", Duration::from_secs(30)).unwrap();
        assert_eq!(c.code, Some(3));
        assert_eq!(c.stdout, b"/\n");
        assert_eq!(c.stderr, "oops\n");
    }

    #[test]
    fn a_chatty_tool_does_not_block_on_a_full_pipe() {
        // 1 MiB on each pipe: far past the pipe buffer, read concurrently.
        let c = sh("head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2", Duration::from_secs(60)).unwrap();
        assert_eq!((c.code, c.stdout.len(), c.stderr.len()), (Some(0), 1 << 20, 1 << 20));
    }

    #[test]
    fn a_hanging_tool_is_killed_at_the_deadline_with_its_stderr() {
        let start = Instant::now();
        match sh("echo started >&2; exec sleep 30", Duration::from_millis(300)) {
            Err(RunError::Timeout(stderr)) => assert_eq!(stderr, "started\n"),
            other => panic!("expected a timeout, got {other:?}"),
        }
        assert!(start.elapsed() < Duration::from_secs(20));
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let e = run(Path::new("/nonexistent/tool"), &[], Path::new("/"), Duration::from_secs(1)).unwrap_err();
        assert!(matches!(e, RunError::Spawn(ref io) if io.kind() == std::io::ErrorKind::NotFound), "{e:?}");
    }
}

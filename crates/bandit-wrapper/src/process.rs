//! Running a tool once with a timeout, capturing stdout and stderr.
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
pub(crate) struct Captured {
    /// Exit code (`None` when killed by a signal).
    pub(crate) code: Option<i32>,
    /// Everything written to stdout.
    pub(crate) stdout: Vec<u8>,
    /// Everything written to stderr.
    pub(crate) stderr: String,
}

/// Why a process did not finish.
#[derive(Debug)]
pub(crate) enum RunError {
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
pub(crate) fn run(program: &Path, args: &[String], cwd: &Path, timeout: Duration) -> Result<Captured, RunError> {
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

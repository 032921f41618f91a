//! Errors of the findings library. Each says what was wrong and where; binaries add a hint.

use std::path::PathBuf;

/// An error reading, writing or validating findings.
#[derive(Debug, thiserror::Error)]
pub enum FindingsError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than the reader accepts.
    #[error("{path}: file is {size} bytes, over the {limit}-byte limit for a findings file")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Not JSON, or truncated.
    #[error("{path}:{line}:{column}: not valid JSON: {message}")]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// JSON, but not a SARIF 2.1.0 log.
    #[error("{path}: not a SARIF 2.1.0 log: {message}")]
    NotSarif {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
        /// What the file looks like instead, if recognised (`trivy-json`, ...).
        looks_like: Option<&'static str>,
    },
    /// SARIF, but a part of it has the wrong shape.
    #[error("{path}: {pointer}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// JSON pointer to the offending value.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// The directory an output would be written to does not exist (or is not a directory).
    #[error(
        "cannot write {path}: the directory {dir} {}",
        if *missing { "does not exist" } else { "is not a directory" }
    )]
    OutputDir {
        /// The output file.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
        /// Missing (else it exists but is not a directory).
        missing: bool,
    },
    /// Merge or write limits (GitHub's limits on runs and results).
    #[error("{0}")]
    Limit(String),
}

impl FindingsError {
    /// What to do next, for the `hint:` line.
    pub fn hint(&self) -> Option<String> {
        match self {
            FindingsError::TooLarge { .. } => Some(
                "split the scan (one SARIF per tool or target) or raise the limit with --max-input-size".to_owned(),
            ),
            FindingsError::Json { .. } => Some(
                "the file is truncated or not JSON; re-run the tool that wrote it and check its exit code".to_owned(),
            ),
            FindingsError::NotSarif { looks_like: Some(kind), .. } => Some(match *kind {
                "trivy-json" => {
                    "this is Trivy's JSON report: convert it with `trivy-wrapper` (or run trivy with `--format sarif`)"
                        .to_owned()
                }
                "bandit-json" => {
                    "this is Bandit's JSON report: convert it with `bandit-wrapper` (or run bandit with `-f sarif`)"
                        .to_owned()
                }
                "gitleaks-json" => {
                    "this is a gitleaks JSON report: run gitleaks with `--report-format sarif`, or use `secret-scan`"
                        .to_owned()
                }
                "cyclonedx" => {
                    "this is a CycloneDX SBOM, not findings: pass it to `sbom` or `trivy-wrapper sbom`".to_owned()
                }
                other => format!("this looks like {other}, not SARIF"),
            }),
            FindingsError::NotSarif { .. } | FindingsError::Invalid { .. } => {
                Some("check the file with `mlsec validate FILE`; it must be SARIF 2.1.0 with a `runs` array".to_owned())
            }
            FindingsError::Limit(_) => {
                Some("upload runs in separate files (one category per tool), or merge fewer runs".to_owned())
            }
            FindingsError::OutputDir { dir, missing: true, .. } => Some(format!(
                "create it first (`mkdir -p {}`) or write the output elsewhere; outputs never create directories",
                dir.display()
            )),
            FindingsError::OutputDir { .. } => Some("choose an output path inside a directory".to_owned()),
            FindingsError::Io { .. } => None,
        }
    }
}

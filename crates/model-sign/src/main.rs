//! Thin binary for `model-sign`; see the library crate.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use mlsec_cli::exit::{ExitStatus, WithHint};
use model_sign::serialize::Method;
use model_sign::{FileStatus, SignOptions, VerifyOptions};

/// Sign and verify ML models in the OpenSSF model signing format (OMS v1.0, compatible with
/// `model_signing` 1.x): a Sigstore bundle with a DSSE-signed in-toto statement listing every file's
/// sha256.
#[derive(Debug, Parser)]
#[command(name = "model-sign", version)]
struct Cli {
    #[command(flatten)]
    global: mlsec_cli::args::GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign MODEL (a directory or a file) with an ECDSA P-256/P-384 key, optionally with its certificate
    Sign(SignArgs),
    /// Verify MODEL against its signature (public key or CA certificates): exit 0 verified, 1 failed, 2 error
    Verify(VerifyArgs),
}

#[derive(Debug, clap::Args)]
struct SignArgs {
    /// The model directory or file
    model: PathBuf,
    /// Where to write the signature bundle
    #[arg(long, value_name = "PATH", default_value = "model.sig")]
    signature: PathBuf,
    /// PEM private key (PKCS#8, encrypted PKCS#8, or SEC1), ECDSA P-256 or P-384
    #[arg(long, value_name = "PRIVATE.pem")]
    key: PathBuf,
    /// Certificate method: the signing certificate (PEM) for --key; put in the bundle
    #[arg(long, value_name = "LEAF.pem")]
    certificate: Option<PathBuf>,
    /// Certificate method: intermediate/CA certificates (PEM) to put in the bundle after the leaf
    #[arg(long, value_name = "CA.pem", num_args = 1.., requires = "certificate")]
    certificate_chain: Vec<PathBuf>,
    /// Environment variable holding the password of an encrypted key
    #[arg(long, value_name = "VAR", default_value = "MODEL_SIGN_KEY_PASSWORD")]
    password_env: String,
    /// Paths (relative to the working directory) not to sign; directories ignore their contents
    #[arg(long, value_name = "P", num_args = 1..)]
    ignore_paths: Vec<PathBuf>,
    /// Sign .git, .gitattributes, .github and .gitignore too (ignored by default)
    #[arg(long)]
    include_git_paths: bool,
    /// Follow symlinks to files inside the model (refused by default)
    #[arg(long)]
    allow_symlinks: bool,
    /// Hash files in shards of N bytes (`shards` serialization) instead of whole files
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    shard_size: Option<u64>,
    /// Hashing threads [default: the number of CPUs]
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Print the result as JSON on stdout
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// The model directory or file
    model: PathBuf,
    /// The signature bundle to verify
    #[arg(long, value_name = "PATH", default_value = "model.sig")]
    signature: PathBuf,
    /// Key method: PEM public key (SubjectPublicKeyInfo), ECDSA P-256 or P-384
    #[arg(
        long,
        value_name = "PUBLIC.pem",
        required_unless_present = "certificate_chain",
        conflicts_with = "certificate_chain"
    )]
    key: Option<PathBuf>,
    /// Certificate method: trusted CA certificates (PEM); the bundle's chain must lead to one
    #[arg(long, value_name = "ROOT.pem", num_args = 1..)]
    certificate_chain: Vec<PathBuf>,
    /// Paths (relative to the working directory) to leave out of the check
    #[arg(long, value_name = "P", num_args = 1..)]
    ignore_paths: Vec<PathBuf>,
    /// Check only the files the signature lists (files added since are not reported)
    #[arg(long)]
    ignore_unsigned_files: bool,
    /// Hashing threads [default: the number of CPUs]
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Print the report as JSON on stdout (signer, subject digest, per-file result)
    #[arg(long)]
    json: bool,
    /// Write the result as SARIF (mlsec profile) to FILE
    #[arg(long, value_name = "FILE.sarif")]
    output: Option<PathBuf>,
}

fn threads(n: Option<usize>) -> usize {
    n.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, std::num::NonZero::get)).max(1)
}

fn lib_err(e: model_sign::Error) -> anyhow::Error {
    let hint = e.hint();
    WithHint::new(e, hint).into()
}

fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    let quiet = cli.global.quiet;
    let mut err = std::io::stderr().lock();
    match cli.command {
        Command::Sign(a) => {
            let password = std::env::var(&a.password_env).ok().filter(|s| !s.is_empty());
            let opts = SignOptions {
                model: a.model,
                signature: a.signature,
                key: a.key,
                certificate: a.certificate,
                certificate_chain: a.certificate_chain,
                password,
                ignore_paths: a.ignore_paths,
                include_git_paths: a.include_git_paths,
                allow_symlinks: a.allow_symlinks,
                method: a.shard_size.map_or(Method::Files, Method::Shards),
                threads: threads(a.threads),
            };
            let out = model_sign::sign(&opts).map_err(lib_err)?;
            if a.json {
                let mut o = std::io::stdout().lock();
                writeln!(o, "{}", serde_json::to_string_pretty(&out)?)?;
            }
            if !quiet {
                writeln!(
                    err,
                    "signed {} ({} resources, sha256 {}) with {} key {} -> {}",
                    out.subject,
                    out.resources,
                    out.subject_digest,
                    out.signer.curve,
                    out.signer.key_hint,
                    out.signature
                )?;
            }
            Ok(ExitStatus::Success)
        }
        Command::Verify(a) => {
            let opts = VerifyOptions {
                model: a.model,
                signature: a.signature,
                key: a.key,
                certificate_chain: a.certificate_chain,
                ignore_paths: a.ignore_paths,
                ignore_unsigned_files: a.ignore_unsigned_files,
                threads: threads(a.threads),
            };
            let report = model_sign::verify(&opts).map_err(lib_err)?;
            if let Some(path) = &a.output {
                let file = model_sign::findings(&report, env!("CARGO_PKG_VERSION"));
                mlsec_findings::sarif::write_file(path, &file)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            if a.json {
                let mut o = std::io::stdout().lock();
                writeln!(o, "{}", serde_json::to_string_pretty(&report)?)?;
            }
            if !quiet {
                if let Some(p) = &report.problem {
                    writeln!(err, "FAILED: {}: {p}", report.signature)?;
                }
                for f in &report.files {
                    match f.status {
                        FileStatus::Ok => {}
                        FileStatus::Modified => writeln!(
                            err,
                            "modified: {} (signed sha256 {}, now {})",
                            f.name,
                            f.expected.as_deref().unwrap_or(""),
                            f.actual.as_deref().unwrap_or("")
                        )?,
                        FileStatus::Missing => writeln!(err, "missing:  {}", f.name)?,
                        FileStatus::Extra => writeln!(err, "extra:    {}", f.name)?,
                    }
                }
                let (m, mi, x) = report.counts();
                if report.verified {
                    writeln!(
                        err,
                        "verified {}: {} resources match, subject sha256 {}",
                        report.model,
                        report.files.len(),
                        report.subject_digest.as_deref().unwrap_or("")
                    )?;
                } else if report.problem.is_none() {
                    writeln!(err, "FAILED {}: {m} modified, {mi} missing, {x} extra", report.model)?;
                }
            }
            Ok(if report.verified { ExitStatus::Success } else { ExitStatus::Findings })
        }
    }
}

fn main() -> ExitCode {
    let (cli, _) = mlsec_cli::args::parse::<Cli>();
    mlsec_cli::exit::finish(run(cli))
}

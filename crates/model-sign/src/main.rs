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
    /// Sign MODEL (a directory or a file) with an ECDSA P-256/P-384 key (optionally with its certificate) or keyless
    Sign(SignArgs),
    /// Verify MODEL against its signature (public key, CA certificates, or keyless): exit 0 verified, 1 failed, 2 error
    Verify(VerifyArgs),
}

#[derive(Debug, clap::Args)]
struct SignArgs {
    /// The model directory or file
    model: PathBuf,
    /// Where to write the signature bundle [default: `signature` in [model-sign], else model.sig]
    #[arg(long, value_name = "PATH")]
    signature: Option<PathBuf>,
    /// PEM private key (PKCS#8, encrypted PKCS#8, or SEC1), ECDSA P-256 or P-384 [default:
    /// `sign-key` in [model-sign]]
    #[arg(long, value_name = "PRIVATE.pem", conflicts_with = "keyless")]
    key: Option<PathBuf>,
    /// Keyless method: an ephemeral key certified by Fulcio for the CI's OIDC identity, logged in
    /// Rekor (GitHub Actions needs `id-token: write`; GitLab `id_tokens: SIGSTORE_ID_TOKEN`)
    #[arg(long, conflicts_with_all = ["certificate", "certificate_chain"])]
    keyless: bool,
    /// Keyless method: the OIDC identity token (JWT) to use instead of the CI's ambient token
    #[arg(long, value_name = "TOKEN", requires = "keyless")]
    identity_token: Option<String>,
    /// Keyless method: the Fulcio URL
    #[arg(long, value_name = "URL", requires = "keyless", default_value = "https://fulcio.sigstore.dev")]
    fulcio_url: String,
    /// Keyless method: the Rekor (v1 API) URL
    #[arg(long, value_name = "URL", requires = "keyless", default_value = "https://rekor.sigstore.dev")]
    rekor_url: String,
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
    /// Per-file digest: sha256 (default, every OMS verifier), blake3 or blake2b (the model_signing 1.x
    /// API verifies both; its 1.1.1 CLI only sha256)
    #[arg(long, value_name = "ALG", default_value = "sha256", value_parser = ["sha256", "blake3", "blake2b"])]
    hash: String,
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
    /// The signature bundle to verify [default: `signature` in [model-sign], else model.sig]
    #[arg(long, value_name = "PATH")]
    signature: Option<PathBuf>,
    /// Key method: PEM public key (SubjectPublicKeyInfo), ECDSA P-256 or P-384. Without a method
    /// flag, the method set in [model-sign] (`verify-key`, `certificate-chain`, or `keyless = true`)
    #[arg(
        long,
        value_name = "PUBLIC.pem",
        conflicts_with_all = ["certificate_chain", "keyless"]
    )]
    key: Option<PathBuf>,
    /// Certificate method: trusted CA certificates (PEM); the bundle's chain must lead to one
    #[arg(long, value_name = "ROOT.pem", num_args = 1.., conflicts_with = "keyless")]
    certificate_chain: Vec<PathBuf>,
    /// Keyless method: a Sigstore bundle with a Fulcio certificate and a Rekor entry, verified offline
    #[arg(long)]
    keyless: bool,
    /// Keyless method: the expected certificate identity (SAN: e-mail or workflow URI), exact match
    #[arg(long, value_name = "ID")]
    identity: Option<String>,
    /// Keyless method: the expected OIDC issuer, e.g. https://token.actions.githubusercontent.com
    #[arg(long, value_name = "URL")]
    issuer: Option<String>,
    /// Keyless method: Sigstore trusted_root.json [default: the public-good snapshot built in]
    #[arg(long, value_name = "FILE")]
    trust_root: Option<PathBuf>,
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

/// `[model-sign]` in mlsec.toml: defaults for flags not given. Paths are relative to the config
/// file's directory.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Section {
    /// Default `--signature`.
    signature: Option<PathBuf>,
    /// Added to `--ignore-paths`.
    #[serde(default)]
    ignore_paths: Vec<PathBuf>,
    /// Default `--threads`.
    threads: Option<usize>,
    /// Default `sign --key`.
    sign_key: Option<PathBuf>,
    /// Default `verify --key`.
    verify_key: Option<PathBuf>,
    /// Default `verify --certificate-chain`.
    #[serde(default)]
    certificate_chain: Vec<PathBuf>,
    /// Verify keyless by default.
    #[serde(default)]
    keyless: bool,
    /// Default `--identity`.
    identity: Option<String>,
    /// Default `--issuer`.
    issuer: Option<String>,
    /// Default `--trust-root`.
    trust_root: Option<PathBuf>,
}

fn usage<T>(msg: &str) -> anyhow::Result<T> {
    Err(WithHint::new(msg.to_owned(), "see `model-sign --help`; defaults can be set in [model-sign] of mlsec.toml")
        .into())
}

fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    let quiet = cli.global.quiet;
    let mut err = std::io::stderr().lock();
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let config = mlsec_cli::config::Config::load(cli.global.config.as_deref(), &cwd)?;
    let sec: Section = config.tool_section(mlsec_cli::config::ToolSection::ModelSign)?.unwrap_or_default();
    let dir = config.file.as_ref().map_or_else(|| cwd.clone(), |f| f.dir().to_path_buf());
    let rel = |p: &PathBuf| dir.join(p);
    let sec_ignores: Vec<PathBuf> = sec.ignore_paths.iter().map(rel).collect();
    let sec_signature = sec.signature.as_ref().map(rel);
    let threads = |n: Option<usize>| threads(n.or(sec.threads));
    match cli.command {
        Command::Sign(mut a) => {
            a.ignore_paths.extend(sec_ignores);
            let key = if a.keyless { None } else { a.key.clone().or_else(|| sec.sign_key.as_ref().map(rel)) };
            if key.is_none() && !a.keyless {
                return usage("sign needs --key PRIVATE.pem (or `sign-key` in [model-sign]) or --keyless");
            }
            #[cfg(not(feature = "keyless"))]
            if a.keyless {
                return Err(lib_err(model_sign::Error::Unsupported(
                    "keyless signing: this build has no `keyless` feature".into(),
                )));
            }
            let signature = a.signature.clone().or(sec_signature).unwrap_or_else(|| PathBuf::from("model.sig"));
            let password = std::env::var(&a.password_env).ok().filter(|s| !s.is_empty());
            let opts = SignOptions {
                model: a.model,
                signature,
                key,
                #[cfg(feature = "keyless")]
                keyless: a.keyless.then(|| model_sign::keyless::SignConfig {
                    identity_token: a.identity_token.clone(),
                    fulcio_url: a.fulcio_url.clone(),
                    rekor_url: a.rekor_url.clone(),
                }),
                certificate: a.certificate,
                certificate_chain: a.certificate_chain,
                password,
                ignore_paths: a.ignore_paths,
                include_git_paths: a.include_git_paths,
                allow_symlinks: a.allow_symlinks,
                method: a.shard_size.map_or(Method::Files, Method::Shards),
                hash: model_sign::serialize::HashAlg::from_name(&a.hash)
                    .unwrap_or(model_sign::serialize::HashAlg::Sha256),
                threads: threads(a.threads),
            };
            let out = model_sign::sign(&opts).map_err(lib_err)?;
            if a.json {
                let mut o = std::io::stdout().lock();
                writeln!(o, "{}", serde_json::to_string_pretty(&out)?)?;
            }
            if !quiet {
                let by = match (&out.signer.identity, &out.signer.issuer) {
                    (Some(id), Some(iss)) => format!("keyless as {id} (issuer {iss})"),
                    _ => format!("{} key {}", out.signer.curve, out.signer.key_hint),
                };
                writeln!(
                    err,
                    "signed {} ({} resources, sha256 {}) with {by} -> {}",
                    out.subject, out.resources, out.subject_digest, out.signature
                )?;
            }
            Ok(ExitStatus::Success)
        }
        Command::Verify(mut a) => {
            a.ignore_paths.extend(sec_ignores);
            // A method flag on the command line wins; else the section's method.
            let cli_method = a.key.is_some() || !a.certificate_chain.is_empty() || a.keyless;
            if !cli_method {
                a.key = sec.verify_key.as_ref().map(rel);
                a.certificate_chain = sec.certificate_chain.iter().map(rel).collect();
                a.keyless = sec.keyless;
            }
            let methods =
                usize::from(a.key.is_some()) + usize::from(!a.certificate_chain.is_empty()) + usize::from(a.keyless);
            if methods != 1 {
                return usage(if methods == 0 {
                    "verify needs one method: --key PUBLIC.pem, --certificate-chain ROOT.pem, or --keyless --identity ID --issuer URL"
                } else {
                    "[model-sign] sets more than one of verify-key, certificate-chain and keyless = true"
                });
            }
            let keyless = if a.keyless {
                let (Some(identity), Some(issuer)) = (a.identity.or(sec.identity), a.issuer.or(sec.issuer)) else {
                    return usage(
                        "--keyless needs --identity ID and --issuer URL (or `identity`, `issuer` in [model-sign])",
                    );
                };
                let trust_root = a.trust_root.or_else(|| sec.trust_root.as_ref().map(rel));
                Some(model_sign::KeylessPolicy { identity, issuer, trust_root })
            } else {
                if a.identity.is_some() || a.issuer.is_some() || a.trust_root.is_some() {
                    return usage("--identity, --issuer and --trust-root are for --keyless");
                }
                None
            };
            let opts = VerifyOptions {
                model: a.model,
                signature: a.signature.or(sec_signature).unwrap_or_else(|| PathBuf::from("model.sig")),
                key: a.key,
                certificate_chain: a.certificate_chain,
                ignore_paths: a.ignore_paths,
                ignore_unsigned_files: a.ignore_unsigned_files,
                threads: threads(a.threads),
                keyless,
            };
            let report = match model_sign::verify(&opts) {
                Ok(r) => r,
                Err(e) => {
                    // A malformed signature is still a provenance finding for CI: write it, exit 2.
                    if let (Some(path), Some(r)) = (&a.output, model_sign::malformed_report(&opts, &e)) {
                        let file = model_sign::findings(&r, env!("CARGO_PKG_VERSION"));
                        mlsec_findings::sarif::write_file(path, &file)
                            .with_context(|| format!("writing {}", path.display()))?;
                    }
                    return Err(lib_err(e));
                }
            };
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

//! model-scan: static scanning of serialized ML models for code that runs when they are loaded,
//! and for malformed headers.
//!
//! Files are recognised by content, not extension ([`formats::sniff`]); pickles run through a
//! symbolic machine that never imports or calls anything ([`pickle`]); archives and compressed
//! streams are walked with bounded decompression. See `docs/model-scan.md`.

pub mod formats;
pub mod globals;
pub mod input;
pub mod pickle;
mod protobuf;

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use mlsec_findings::{
    Category, Confidence, Finding, FindingsFile, Location, LogicalLocation, Rule, Run, Severity, fingerprint,
};
use serde::Serialize;

pub use formats::{ArchiveLimits, Format};
pub use pickle::Limits;

/// A check (one SARIF rule each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Check {
    /// A denylisted global in a pickle.
    DangerousGlobal,
    /// A global on neither list.
    UnknownGlobal,
    /// A pickle extension-registry code.
    UnknownExtension,
    /// A computed global or a call of a call's result.
    DynamicCall,
    /// A pickle (or archive/stream) that does not parse.
    Malformed,
    /// A resource limit was reached.
    Limit,
    /// A zip bomb or decompression bomb, or an archive past its limits.
    ArchiveLimit,
    /// A Keras Lambda layer with serialized code.
    KerasLambda,
    /// A Keras custom object from a non-Keras module.
    KerasCustomObject,
    /// An unsafe TensorFlow op.
    UnsafeOp,
    /// ONNX external data outside the model directory.
    ExternalData,
    /// A malformed safetensors/GGUF/npy/protobuf header.
    MalformedHeader,
}

impl Check {
    /// Every check, in rule order.
    pub const ALL: [Check; 12] = [
        Check::DangerousGlobal,
        Check::UnknownGlobal,
        Check::UnknownExtension,
        Check::DynamicCall,
        Check::Malformed,
        Check::Limit,
        Check::ArchiveLimit,
        Check::KerasLambda,
        Check::KerasCustomObject,
        Check::UnsafeOp,
        Check::ExternalData,
        Check::MalformedHeader,
    ];

    /// The rule id.
    pub const fn id(self) -> &'static str {
        match self {
            Check::DangerousGlobal => "pickle-dangerous-global",
            Check::UnknownGlobal => "pickle-unknown-global",
            Check::UnknownExtension => "pickle-extension-code",
            Check::DynamicCall => "pickle-dynamic-call",
            Check::Malformed => "model-malformed",
            Check::Limit => "model-scan-limit",
            Check::ArchiveLimit => "archive-bomb",
            Check::KerasLambda => "keras-lambda-layer",
            Check::KerasCustomObject => "keras-custom-object",
            Check::UnsafeOp => "tensorflow-unsafe-op",
            Check::ExternalData => "onnx-external-data-path",
            Check::MalformedHeader => "model-malformed-header",
        }
    }

    fn describe(self) -> (&'static str, &'static str, Severity) {
        match self {
            Check::DangerousGlobal => (
                "Pickle imports a dangerous callable",
                "Loading this file imports (and usually calls) a function that runs commands, evaluates code, touches files or the network. Do not load it; rebuild the model from a trusted source and prefer safetensors.",
                Severity::Critical,
            ),
            Check::UnknownGlobal => (
                "Pickle imports a callable on neither list",
                "Loading this file imports a callable that is not a known-safe constructor. Review the module; if it is your own trusted class, suppress the finding in mlsec.toml.",
                Severity::Medium,
            ),
            Check::UnknownExtension => (
                "Pickle uses an extension-registry code",
                "EXT1/EXT2/EXT4 opcodes import whatever the loading process registered in copyreg under that code; nothing is registered by default. Treat as suspicious.",
                Severity::Medium,
            ),
            Check::DynamicCall => (
                "Pickle computes what it imports or calls",
                "A global whose name is computed at load time, or a call of the result of another call, is how gadget chains hide their target. Do not load the file.",
                Severity::High,
            ),
            Check::Malformed => (
                "Model file does not parse",
                "The file is truncated or not valid for its format; a loader may still execute the part before the error. Re-export the model.",
                Severity::High,
            ),
            Check::Limit => (
                "Scan resource limit reached",
                "The scan stopped or lost precision at a resource limit (stack, memo, nesting, opcodes); the rest of the file is not fully verified.",
                Severity::Medium,
            ),
            Check::ArchiveLimit => (
                "Archive or compressed stream past its limits",
                "An entry decompresses past the size or ratio limit (a zip or decompression bomb), or the archive has too many entries or levels; it was not fully scanned.",
                Severity::High,
            ),
            Check::KerasLambda => (
                "Keras Lambda layer with serialized code",
                "Lambda layers store marshalled Python bytecode that runs when the model is loaded with safe_mode=False or called. Replace the Lambda with a registered custom layer.",
                Severity::Critical,
            ),
            Check::KerasCustomObject => (
                "Keras custom object from a non-Keras module",
                "Loading the model imports this module to build the object. Make sure the module is yours and trusted.",
                Severity::Medium,
            ),
            Check::UnsafeOp => (
                "TensorFlow graph uses an unsafe op",
                "Ops that read or write host files or call Python functions run when the SavedModel is served. Remove them from the exported graph.",
                Severity::High,
            ),
            Check::ExternalData => (
                "ONNX external data outside the model directory",
                "An absolute or `..` external-data location makes the loader read an arbitrary file of the host. Keep external data next to the model.",
                Severity::High,
            ),
            Check::MalformedHeader => (
                "Malformed model header",
                "The header of a safe format (safetensors, GGUF, npy, protobuf) is inconsistent: out-of-bounds lengths or offsets, overlapping tensors, bad types. Loaders have had memory-safety bugs on such input; re-export the model.",
                Severity::Medium,
            ),
        }
    }
}

/// One thing found in one file.
#[derive(Debug, Clone, Serialize)]
pub struct Issue {
    /// The check.
    pub check: Check,
    /// Its severity.
    pub severity: Severity,
    /// The archive member / nested stream path (`archive/data.pkl`, `a.npz!/x.npy`), "" for the
    /// file itself.
    pub entry: String,
    /// Byte offset inside the file or the entry's decompressed stream.
    pub offset: Option<u64>,
    /// The global, op or path it is about.
    pub subject: String,
    /// One sentence.
    pub message: String,
}

/// What one file gave.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// Path as given/walked.
    pub path: String,
    /// Detected formats (outermost first).
    pub formats: Vec<&'static str>,
    /// Size in bytes.
    pub bytes: u64,
    /// The issues.
    pub issues: Vec<Issue>,
}

/// Scan settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Files or directories.
    pub paths: Vec<PathBuf>,
    /// Skip (with a warning) files larger than this.
    pub max_file_bytes: Option<u64>,
    /// Pickle machine limits.
    pub limits: Limits,
    /// Archive limits.
    pub archive: ArchiveLimits,
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct Report {
    /// The SARIF-model findings (one run).
    pub findings: FindingsFile,
    /// Per model file.
    pub files: Vec<FileReport>,
    /// Files looked at (sniffed).
    pub files_seen: u64,
    /// Bytes in model files.
    pub bytes_scanned: u64,
}

/// Why a run could not be done.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path could not be read.
    #[error("cannot read {}", .path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

/// Scan one file (format detected from its content). `Err` for I/O errors only.
pub fn scan_file(path: &Path, settings: &Settings) -> io::Result<Option<FileReport>> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut head = Vec::with_capacity(512);
    (&mut file).take(512).read_to_end(&mut head)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let fmt = match formats::sniff(&head, len, &name) {
        Some(f) => f,
        // A zip with data prepended (self-extracting style) is found by its end record.
        None if model_format::has_zip_end_record(&mut file, len)? => Format::Zip,
        None => return Ok(None),
    };
    let mut ctx = formats::Ctx {
        limits: &settings.limits,
        archive: &settings.archive,
        issues: Vec::new(),
        formats: Vec::new(),
        inflated: 0,
    };
    let file = std::fs::File::open(path)?;
    let r = if fmt == Format::Zip {
        formats::scan_zip(&mut ctx, io::BufReader::new(file), "", 0)
    } else {
        formats::scan_stream(&mut ctx, fmt, file, "", len, 0)
    };
    match r {
        // Content that ends early or does not decode is a finding about the file, not an I/O
        // failure of the scan (a scanner that did not turn it into one itself).
        Err(e) if matches!(e.kind(), io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData) => {
            ctx.issues.push(Issue {
                check: Check::Malformed,
                severity: Severity::High,
                entry: String::new(),
                offset: None,
                subject: fmt.name().to_owned(),
                message: format!("the {} content is truncated or corrupt: {e}", fmt.name()),
            });
        }
        r => r?,
    }
    let mut issues = ctx.issues;
    // One issue per (check, entry, subject): repeated imports are counted in the pickle already.
    let mut seen = std::collections::HashSet::new();
    issues.retain(|i| seen.insert((i.check, i.entry.clone(), i.subject.clone())));
    Ok(Some(FileReport { path: path.to_string_lossy().into_owned(), formats: ctx.formats, bytes: len, issues }))
}

/// Scan the settings' paths (directories walked; every file sniffed by content).
pub fn run(settings: &Settings) -> Result<Report, Error> {
    let target = settings.paths.first().map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|| ".".into());
    let mut run = Run::new("model-scan", env!("CARGO_PKG_VERSION"), &target);
    run.rules = Check::ALL.iter().map(|&c| rule(c)).collect();
    let mut files = Vec::new();
    let mut seen = 0u64;
    let mut bytes = 0u64;
    for root in &settings.paths {
        if !root.exists() {
            return Err(Error::Io {
                path: root.clone(),
                source: io::Error::new(io::ErrorKind::NotFound, "no such file or directory"),
            });
        }
        let walker = ignore::WalkBuilder::new(root)
            .standard_filters(false)
            .hidden(false)
            .follow_links(false)
            .filter_entry(|e| e.file_name() != ".git")
            .sort_by_file_name(|a, b| a.cmp(b))
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    run.invocation.warnings.push(format!("{e}"));
                    continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.path();
            seen += 1;
            if let Some(max) = settings.max_file_bytes
                && let Ok(m) = entry.metadata()
                && m.len() > max
            {
                run.invocation.warnings.push(format!(
                    "{}: {} MiB, over --max-file-mib: not scanned",
                    path.display(),
                    m.len() >> 20
                ));
                continue;
            }
            match scan_file(path, settings) {
                Ok(Some(report)) => {
                    bytes += report.bytes;
                    files.push(report);
                }
                Ok(None) => {}
                Err(source) if path == root.as_path() => return Err(Error::Io { path: path.to_owned(), source }),
                Err(e) => run.invocation.warnings.push(format!("{}: {e}: not scanned", path.display())),
            }
        }
    }
    for f in &files {
        for issue in &f.issues {
            run.findings.push(finding(&f.path, issue));
        }
    }
    Ok(Report { findings: FindingsFile { runs: vec![run] }, files, files_seen: seen, bytes_scanned: bytes })
}

fn rule(c: Check) -> Rule {
    let (short, help, sev) = c.describe();
    let mut r = Rule::new(c.id(), Category::Model, short);
    r.help_uri = Some(format!("{}/blob/main/docs/model-scan.md#checks", mlsec_findings::PROJECT_URL));
    r.help_markdown = Some(format!("**{short}**\n\n{help}"));
    r.default_severity = Some(sev);
    r.tags = vec!["ml".into(), "cwe-502".into()];
    r
}

fn finding(path: &str, i: &Issue) -> Finding {
    let at = match (&i.entry, i.offset) {
        (e, Some(o)) if !e.is_empty() => format!(" ({e} at byte {o})"),
        (e, None) if !e.is_empty() => format!(" ({e})"),
        (_, Some(o)) => format!(" (byte {o})"),
        _ => String::new(),
    };
    let mut f = Finding::new(i.check.id(), Category::Model, i.severity, format!("{}{at}", i.message));
    f.confidence = match i.check {
        Check::DangerousGlobal | Check::KerasLambda | Check::ExternalData => Confidence::High,
        Check::UnknownGlobal | Check::KerasCustomObject => Confidence::Low,
        _ => Confidence::Medium,
    };
    let mut loc = location(path);
    // `region.byteOffset` is an offset in the file itself; inside an archive member or a
    // decompressed stream the offset is the member's (message and properties only).
    if i.entry.is_empty() {
        loc.byte_offset = i.offset;
    } else {
        loc.logical.push(LogicalLocation { name: i.entry.clone(), kind: Some("member".into()) });
    }
    f.locations.push(loc);
    let norm = mlsec_findings::model::normalise_path(path);
    f.fingerprints.insert(
        fingerprint::MODEL_V1.into(),
        fingerprint::model(i.check.id(), &format!("path:{norm}"), &format!("{}#{}", i.entry, i.subject)),
    );
    f.properties.insert(
        "mlsec/model-scan".into(),
        serde_json::json!({"entry": i.entry, "byteOffset": i.offset, "subject": i.subject}),
    );
    f.tags = vec!["ml".into(), "cwe-502".into()];
    f
}

/// Where a model path given on the command line is, for a finding (repo-relative when it can be).
fn location(path: &str) -> Location {
    Location::local_file(path, "model-file")
}

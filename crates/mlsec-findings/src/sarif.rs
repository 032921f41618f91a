//! The SARIF 2.1.0 "mlsec profile v1": writer, reader, and import of foreign SARIF.
//!
//! The SARIF document types come from the `serde-sarif` crate (generated from the official
//! schema). Our [`FindingsFile`] maps onto them without loss: everything SARIF has no field for
//! goes into namespaced `mlsec/*` properties, documented in `docs/findings-format.md`.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};
use serde_sarif::sarif as s;

use crate::error::FindingsError;
use crate::fingerprint;
use crate::model::{
    BaselineState, Category, Engine, Finding, FindingsFile, Invocation, Location, LogicalLocation, Rule, Run,
    Suppression, SuppressionKind, SuppressionStatus, Tool, automation_id, normalise_path,
};
use crate::redact;
use crate::severity::{Confidence, Severity};

#[path = "sarif_stream.rs"]
mod stream;

/// The `uriBaseId` of repository files.
pub const SRCROOT: &str = "SRCROOT";
/// The `$schema` we write.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The profile marker in `run.properties`.
pub const PROFILE_KEY: &str = "mlsec/profile";
/// The profile version we write and read.
pub const PROFILE_VERSION: &str = "v1";
/// Default largest findings file the reader accepts (GitHub takes 10 MB gzipped; a SARIF larger
/// than this is almost certainly a mistake, and reading it would hold it all in memory).
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 128 * 1024 * 1024;

/// Result property keys of the profile.
pub mod keys {
    /// Normalised severity.
    pub const SEVERITY: &str = "mlsec/severity";
    /// Confidence.
    pub const CONFIDENCE: &str = "mlsec/confidence";
    /// Category (also the first rule tag).
    pub const CATEGORY: &str = "mlsec/category";
    /// GitHub's numeric severity, a string "0.0".."10.0".
    pub const SECURITY_SEVERITY: &str = "security-severity";
    /// CVSS base score, when known (a number).
    pub const CVSS_SCORE: &str = "mlsec/cvss-score";
    /// The affected package (object).
    pub const PACKAGE: &str = "mlsec/package";
    /// The vulnerability (object).
    pub const VULNERABILITY: &str = "mlsec/vulnerability";
    /// A measured value against a threshold (object).
    pub const MEASUREMENT: &str = "mlsec/measurement";
    /// Tools that reported the finding (array of strings).
    pub const REPORTED_BY: &str = "mlsec/reported-by";
    /// Suppression expiry, `YYYY-MM-DD` (in `suppressions[].properties`).
    pub const EXPIRES: &str = "mlsec/expires";
    /// Suppression source (in `suppressions[].properties`).
    pub const SOURCE: &str = "mlsec/source";
    /// Engine facts prefix-free map lives in `tool.extensions[].properties`.
    pub const ENGINE: &str = "mlsec/engine";
}

const DATE_FMT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// Parse a `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<time::Date> {
    time::Date::parse(s.trim(), DATE_FMT).ok()
}

/// Format a date as `YYYY-MM-DD`.
pub fn format_date(d: time::Date) -> String {
    d.format(DATE_FMT).unwrap_or_default()
}

fn text(t: impl Into<String>) -> s::Message {
    s::Message { text: Some(t.into()), ..Default::default() }
}

fn mstring(t: impl Into<String>, markdown: Option<String>) -> s::MultiformatMessageString {
    let mut m = s::MultiformatMessageString::builder().text(t.into()).build();
    m.markdown = markdown;
    m
}

fn bag(tags: Vec<String>, props: BTreeMap<String, Value>) -> Option<s::PropertyBag> {
    if tags.is_empty() && props.is_empty() {
        return None;
    }
    Some(s::PropertyBag { tags: (!tags.is_empty()).then_some(tags), additional_properties: props })
}

fn u(v: Option<u32>) -> Option<i64> {
    v.map(i64::from)
}

/// Format a score the way GitHub reads `security-severity`: one decimal.
pub fn format_score(score: f64) -> String {
    let mut buf = [0u8; 4];
    match stream::fast_score(score, &mut buf) {
        Some(t) => t.to_owned(),
        None => format!("{:.1}", score.clamp(0.0, 10.0)),
    }
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Convert to a SARIF log under the profile. Snippets and messages are redacted here, whatever
/// the caller put in them.
pub fn to_sarif(file: &FindingsFile) -> s::Sarif {
    s::Sarif::builder()
        .schema(SCHEMA_URI.to_owned())
        .version(json!("2.1.0"))
        .runs(file.runs.iter().map(run_to_sarif).collect::<Vec<_>>())
        .build()
}

fn run_to_sarif(run: &Run) -> s::Run {
    // Rules: declared ones, plus any rule a finding names without a declaration (the profile
    // requires every result to resolve to a rule).
    let mut rules: Vec<Rule> = run.rules.clone();
    let mut index: HashMap<String, usize> = rules.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
    for f in &run.findings {
        if !index.contains_key(&f.rule_id) {
            index.insert(f.rule_id.clone(), rules.len());
            rules.push(Rule::new(f.rule_id.clone(), f.category, f.rule_id.clone()));
        }
    }
    // GitHub reads `security-severity` from the rule: the highest of its findings.
    let mut rule_score: Vec<Option<f64>> = vec![None; rules.len()];
    for f in &run.findings {
        let i = index[&f.rule_id];
        let sc = f.security_severity();
        rule_score[i] = Some(rule_score[i].map_or(sc, |o: f64| o.max(sc)));
    }

    let sarif_rules = rules
        .iter()
        .zip(&rule_score)
        .map(|(r, score)| {
            let mut props = BTreeMap::new();
            if let Some(sev) = r.default_severity {
                props.insert(keys::SEVERITY.to_owned(), json!(sev.as_str()));
            }
            if let Some(sc) = score.or(r.default_severity.map(Severity::default_score)) {
                props.insert(keys::SECURITY_SEVERITY.to_owned(), json!(format_score(sc)));
            }
            let mut tags = vec![r.category.as_str().to_owned()];
            tags.extend(r.tags.iter().filter(|t| t.as_str() != r.category.as_str()).cloned());
            let mut d = s::ReportingDescriptor::builder().id(r.id.clone()).build();
            d.name = r.name.clone();
            d.short_description = Some(mstring(r.short_description.clone(), None));
            d.full_description = r.full_description.clone().map(|t| mstring(t, None));
            d.help_uri = r.help_uri.clone();
            d.help = r.help_markdown.clone().map(|m| mstring(r.short_description.clone(), Some(m)));
            d.default_configuration = r
                .default_severity
                .map(|sev| s::ReportingConfiguration { level: Some(json!(sev.sarif_level())), ..Default::default() });
            d.properties = bag(tags, props);
            d
        })
        .collect();

    let results = run.findings.iter().map(|f| finding_to_sarif(f, index[&f.rule_id])).collect();

    let mut notifications = Vec::new();
    for (level, msgs) in [("error", &run.invocation.errors), ("warning", &run.invocation.warnings)] {
        for m in msgs {
            let mut n = s::Notification::builder().message(text(redact::mask_secrets(m).into_owned())).build();
            n.level = Some(json!(level));
            notifications.push(n);
        }
    }

    let extensions: Vec<s::ToolComponent> = run
        .engines
        .iter()
        .map(|e| {
            let mut c = s::ToolComponent::builder().name(e.name.clone()).build();
            c.version = e.version.clone();
            c.properties =
                bag(Vec::new(), e.properties.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect());
            c
        })
        .collect();

    let mut run_props = BTreeMap::new();
    if run.mlsec_profile {
        run_props.insert(PROFILE_KEY.to_owned(), json!(PROFILE_VERSION));
    }

    let mut driver = s::ToolComponent::builder().name(run.tool.name.clone()).build();
    driver.version = run.tool.version.clone();
    driver.information_uri = run.tool.information_uri.clone();
    driver.rules = Some(sarif_rules);
    let mut tool = s::Tool::builder().driver(driver).build();
    tool.extensions = (!extensions.is_empty()).then_some(extensions);
    let mut inv = s::Invocation::builder().execution_successful(run.invocation.successful).build();
    inv.exit_code = run.invocation.exit_code.map(i64::from);
    inv.tool_execution_notifications = (!notifications.is_empty()).then_some(notifications);

    let mut out = s::Run::builder().tool(tool).build();
    out.automation_details =
        Some(s::RunAutomationDetails { id: Some(run.automation_id.clone()), ..Default::default() });
    out.invocations = Some(vec![inv]);
    out.original_uri_base_ids = run.srcroot.as_ref().map(|uri| {
        BTreeMap::from([(SRCROOT.to_owned(), s::ArtifactLocation { uri: Some(uri.clone()), ..Default::default() })])
    });
    out.column_kind = Some(json!("unicodeCodePoints"));
    out.results = Some(results);
    out.properties = bag(Vec::new(), run_props);
    out
}

fn location_to_sarif(l: &Location, category: Category) -> s::Location {
    let has_region = l.has_region();
    s::Location {
        physical_location: Some(s::PhysicalLocation {
            artifact_location: Some(s::ArtifactLocation {
                uri: Some(l.uri.clone()),
                uri_base_id: l.uri_base.clone(),
                ..Default::default()
            }),
            region: has_region.then(|| s::Region {
                start_line: u(l.start_line),
                start_column: u(l.start_column),
                end_line: u(l.end_line),
                end_column: u(l.end_column),
                byte_offset: l.byte_offset.and_then(|o| i64::try_from(o).ok()),
                snippet: l.snippet.as_ref().map(|sn| s::ArtifactContent {
                    text: Some(redact::redact_snippet(category, sn)),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        logical_locations: (!l.logical.is_empty()).then(|| {
            l.logical
                .iter()
                .map(|ll| s::LogicalLocation {
                    name: Some(ll.name.clone()),
                    kind: ll.kind.clone(),
                    ..Default::default()
                })
                .collect()
        }),
        ..Default::default()
    }
}

fn finding_to_sarif(f: &Finding, rule_index: usize) -> s::Result {
    let mut props: BTreeMap<String, Value> = f.properties.clone();
    props.insert(keys::SEVERITY.to_owned(), json!(f.severity.as_str()));
    props.insert(keys::CONFIDENCE.to_owned(), json!(f.confidence.as_str()));
    props.insert(keys::CATEGORY.to_owned(), json!(f.category.as_str()));
    props.insert(keys::SECURITY_SEVERITY.to_owned(), json!(format_score(f.security_severity())));
    if let Some(sc) = f.cvss_score {
        props.insert(keys::CVSS_SCORE.to_owned(), json!(sc));
    }
    if let Some(p) = &f.package {
        props.insert(keys::PACKAGE.to_owned(), serde_json::to_value(p).unwrap_or(Value::Null));
    }
    if let Some(v) = &f.vulnerability {
        props.insert(keys::VULNERABILITY.to_owned(), serde_json::to_value(v).unwrap_or(Value::Null));
    }
    if let Some(m) = &f.measurement {
        props.insert(keys::MEASUREMENT.to_owned(), serde_json::to_value(m).unwrap_or(Value::Null));
    }
    if !f.reported_by.is_empty() {
        props.insert(keys::REPORTED_BY.to_owned(), json!(f.reported_by));
    }

    let mut fps = f.fingerprints.clone();
    if let Some((key, value)) = f.primary_fingerprint() {
        let occurrence = if key == fingerprint::CODE_V1 { occurrence_hint(f) } else { 0 };
        let plh = fingerprint::primary_location_line_hash(value, occurrence);
        fps.insert(fingerprint::PRIMARY_LOCATION_LINE_HASH.to_owned(), plh);
    }

    let mut r = s::Result::builder().message(text(redact::redact_message(&f.message).into_owned())).build();
    r.rule_id = Some(f.rule_id.clone());
    r.rule_index = i64::try_from(rule_index).ok();
    r.level = Some(match f.severity.sarif_level() {
        "error" => s::ResultLevel::Error,
        "warning" => s::ResultLevel::Warning,
        _ => s::ResultLevel::Note,
    });
    r.locations =
        (!f.locations.is_empty()).then(|| f.locations.iter().map(|l| location_to_sarif(l, f.category)).collect());
    r.partial_fingerprints = (!fps.is_empty()).then_some(fps);
    r.suppressions = (!f.suppressions.is_empty()).then(|| f.suppressions.iter().map(suppression_to_sarif).collect());
    r.baseline_state = f.baseline_state.map(|b| json!(b.as_str()));
    r.properties = bag(f.tags.clone(), props);
    r
}

/// Occurrence index for `primaryLocationLineHash`, kept in `mlsec/occurrence` when a tool set it.
fn occurrence_hint(f: &Finding) -> u32 {
    f.properties.get("mlsec/occurrence").and_then(Value::as_u64).and_then(|v| u32::try_from(v).ok()).unwrap_or(0)
}

fn suppression_to_sarif(sp: &Suppression) -> s::Suppression {
    let mut props = BTreeMap::new();
    if let Some(d) = sp.expires {
        props.insert(keys::EXPIRES.to_owned(), json!(format_date(d)));
    }
    if let Some(src) = &sp.source {
        props.insert(keys::SOURCE.to_owned(), json!(src));
    }
    let mut out = s::Suppression::builder().kind(json!(sp.kind.as_str())).build();
    out.status = Some(json!(sp.status.as_str()));
    out.justification = sp.justification.clone();
    out.properties = bag(Vec::new(), props);
    out
}

/// Serialize to pretty JSON (the same bytes as `serde_json::to_string_pretty(&to_sarif(file))`,
/// written straight from the model).
pub fn to_json(file: &FindingsFile) -> String {
    // Pre-size: a finding takes about 1.2 kB of pretty SARIF; growing a 40 MB string by doubling
    // copies it several times over.
    let mut buf = Vec::with_capacity(4096 + file.len() * 1280);
    // Writing to a Vec cannot fail, and serializing our own plain data types cannot either (no maps
    // with non-string keys).
    if write_to(&mut buf, file).is_err() {
        buf.clear();
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// Stream `file` as pretty SARIF JSON to `w` (the bytes of [`to_json`], without building them in
/// memory and without the intermediate [`to_sarif`] tree). Buffer `w` if it is a file or a pipe.
pub fn write_to<W: Write>(w: W, file: &FindingsFile) -> std::io::Result<()> {
    use serde::Serialize;
    let mut ser = serde_json::Serializer::with_formatter(w, stream::Pretty::default());
    stream::Log(file).serialize(&mut ser).map_err(std::io::Error::other)
}

/// Write `file` to `path` atomically (temp file in the same directory, then rename), streamed
/// through a buffer. The directory must exist (see [`write_atomic`]).
pub fn write_file(path: &Path, file: &FindingsFile) -> Result<(), FindingsError> {
    write_atomic_with(path, |w| write_to(w, file))
}

/// Write bytes to `path` atomically: a reader never sees half a file, and a crash leaves the old one.
///
/// The directory of `path` must exist: a missing one is an error naming it (a typo in an output
/// path should fail the job, not create a tree), as Trivy's and Bandit's own `--output` do.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FindingsError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Write `path` atomically with `fill`, which writes the content to a buffered temp file.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<&mut std::fs::File>) -> std::io::Result<()>,
) -> Result<(), FindingsError> {
    let io = |source| FindingsError::Io { path: path.to_owned(), source };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(FindingsError::OutputDir { path: path.to_owned(), dir: dir.to_owned(), missing: false }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(FindingsError::OutputDir { path: path.to_owned(), dir: dir.to_owned(), missing: true });
        }
        Err(e) => return Err(io(e)),
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        fill(&mut w).map_err(io)?;
        w.flush().map_err(io)?;
    }
    // A temp file is created 0600; a report is an ordinary file (keep an existing file's mode).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(mode)).map_err(io)?;
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Read a findings file, refusing files over `max_bytes` before reading them.
pub fn read_file(path: &Path, max_bytes: u64) -> Result<FindingsFile, FindingsError> {
    let io = |source| FindingsError::Io { path: path.to_owned(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::other("is a directory, not a SARIF file")));
    }
    if meta.len() > max_bytes {
        return Err(FindingsError::TooLarge { path: path.to_owned(), size: meta.len(), limit: max_bytes });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    from_slice(&bytes, path)
}

/// Parse JSON bytes into a SARIF value, with file:line:column on errors.
pub fn parse_json(bytes: &[u8], path: &Path) -> Result<Value, FindingsError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| FindingsError::Json {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string().split(" at line ").next().unwrap_or_default().to_owned(),
    })
}

/// Guess what a non-SARIF JSON document is, for the hint.
pub fn sniff_foreign(v: &Value) -> Option<&'static str> {
    let first = v.as_array().and_then(|a| a.first());
    if v.get("SchemaVersion").is_some() && (v.get("Results").is_some() || v.get("ArtifactName").is_some()) {
        Some("trivy-json")
    } else if v.get("results").is_some() && v.get("metrics").is_some() {
        Some("bandit-json")
    } else if first.is_some_and(|f| f.get("RuleID").is_some() && f.get("Fingerprint").is_some()) {
        Some("gitleaks-json")
    } else if v.get("bomFormat").is_some() {
        Some("cyclonedx")
    } else if v.get("vulnerabilities").is_some() && v.get("scan").is_some() {
        Some("a GitLab security report")
    } else {
        None
    }
}

/// Check the top-level shape and deserialize into the SARIF types.
pub fn sarif_from_value(v: Value, path: &Path) -> Result<s::Sarif, FindingsError> {
    let not_sarif = |message: String, v: &Value| FindingsError::NotSarif {
        path: path.to_owned(),
        message,
        looks_like: sniff_foreign(v),
    };
    let Some(obj) = v.as_object() else {
        return Err(not_sarif("the top level is not a JSON object".to_owned(), &v));
    };
    match obj.get("version").and_then(Value::as_str) {
        Some("2.1.0") => {}
        Some(other) => return Err(not_sarif(format!("`version` is {other:?}; only \"2.1.0\" is supported"), &v)),
        None => return Err(not_sarif("no `version` field".to_owned(), &v)),
    }
    if !obj.get("runs").is_some_and(Value::is_array) {
        return Err(not_sarif("no `runs` array".to_owned(), &v));
    }
    serde_json::from_value(v).map_err(|e| FindingsError::Invalid {
        path: path.to_owned(),
        pointer: "/".to_owned(),
        message: format!("does not match the SARIF 2.1.0 structure: {e}"),
    })
}

/// Parse a findings file from bytes. `path` is used in errors only.
pub fn from_slice(bytes: &[u8], path: &Path) -> Result<FindingsFile, FindingsError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Fast path: straight into the SARIF types. Only when that fails is the file parsed again as
    // plain JSON, to say precisely what is wrong with it.
    let sarif = match serde_json::from_slice::<s::Sarif>(body) {
        Ok(sarif) if sarif.version.as_str() == Some("2.1.0") => sarif,
        _ => sarif_from_value(parse_json(bytes, path)?, path)?,
    };
    from_sarif(sarif, path)
}

/// Convert SARIF into the model. Runs of the mlsec profile map back exactly; foreign runs
/// (plain Bandit, Trivy, CodeQL SARIF) are imported: severity from `security-severity`, level or
/// known tool properties, category guessed, `mlsec/code/v1` fingerprints computed.
pub fn from_sarif(sarif: s::Sarif, path: &Path) -> Result<FindingsFile, FindingsError> {
    let mut runs = Vec::with_capacity(sarif.runs.len());
    for (i, r) in sarif.runs.into_iter().enumerate() {
        runs.push(run_from_sarif(r, i, path)?);
    }
    Ok(FindingsFile { runs })
}

fn str_prop<'a>(p: Option<&'a s::PropertyBag>, key: &str) -> Option<&'a str> {
    p.and_then(|p| p.additional_properties.get(key)).and_then(Value::as_str)
}

fn category_from_tags(tags: &[String]) -> Option<Category> {
    tags.iter().find_map(|t| t.parse::<Category>().ok())
}

fn guess_category(driver: &str, rule_id: &str, tags: &[String]) -> Category {
    if let Some(c) = category_from_tags(tags) {
        return c;
    }
    let d = driver.to_ascii_lowercase();
    let id = rule_id.to_ascii_uppercase();
    if d.contains("gitleaks")
        || d.contains("trufflehog")
        || d.contains("secret")
        || tags.iter().any(|t| t == "secret" || t == "secrets")
    {
        Category::Secret
    } else if id.starts_with("CVE-")
        || id.starts_with("GHSA-")
        || id.starts_with("PYSEC-")
        || id.starts_with("RUSTSEC-")
        || tags.iter().any(|t| t == "vulnerability")
    {
        Category::Vulnerability
    } else if d.contains("trivy")
        && (id.starts_with("AVD-")
            || id.starts_with("DS")
            || id.starts_with("KSV")
            || tags.iter().any(|t| t == "misconfiguration"))
    {
        Category::Misconfiguration
    } else {
        Category::Sast
    }
}

fn run_from_sarif(r: s::Run, index: usize, path: &Path) -> Result<Run, FindingsError> {
    let invalid = |pointer: String, message: String| FindingsError::Invalid { path: path.to_owned(), pointer, message };
    let driver = r.tool.driver;
    let mlsec_profile = str_prop(r.properties.as_ref(), PROFILE_KEY).is_some();

    // Foreign SARIF (GitHub's convention) puts `security-severity` on the rule.
    let rule_scores: HashMap<String, String> = if mlsec_profile {
        HashMap::new()
    } else {
        driver
            .rules
            .iter()
            .flatten()
            .filter_map(|r| Some((r.id.clone(), str_prop(r.properties.as_ref(), keys::SECURITY_SEVERITY)?.to_owned())))
            .collect()
    };
    let rules: Vec<Rule> = driver
        .rules
        .unwrap_or_default()
        .into_iter()
        .map(|rd| {
            let tags = rd.properties.as_ref().and_then(|p| p.tags.clone()).unwrap_or_default();
            let category = guess_category(&driver.name, &rd.id, &tags);
            let default_severity =
                str_prop(rd.properties.as_ref(), keys::SEVERITY).and_then(|v| v.parse().ok()).or_else(|| {
                    if mlsec_profile {
                        return None;
                    }
                    str_prop(rd.properties.as_ref(), keys::SECURITY_SEVERITY)
                        .and_then(Severity::from_security_severity)
                        .or_else(|| {
                            rd.default_configuration
                                .as_ref()
                                .and_then(|c| c.level.as_ref())
                                .and_then(Value::as_str)
                                .map(Severity::from_sarif_level)
                        })
                });
            let short = rd
                .short_description
                .as_ref()
                .map(|m| m.text.clone())
                .or_else(|| rd.full_description.as_ref().map(|m| m.text.clone()))
                .or_else(|| rd.name.clone())
                .unwrap_or_else(|| rd.id.clone());
            Rule {
                name: rd.name,
                short_description: short,
                full_description: rd.full_description.map(|m| m.text),
                help_uri: rd.help_uri,
                help_markdown: rd.help.and_then(|h| h.markdown.or((!mlsec_profile).then_some(h.text))),
                category,
                tags: tags.into_iter().filter(|t| t.as_str() != category.as_str()).collect(),
                default_severity,
                id: rd.id,
            }
        })
        .collect();

    let engines = r
        .tool
        .extensions
        .unwrap_or_default()
        .into_iter()
        .map(|e| Engine {
            name: e.name,
            version: e.version,
            properties: e
                .properties
                .map(|p| {
                    p.additional_properties
                        .into_iter()
                        .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();

    let invocation = r.invocations.and_then(|v| v.into_iter().next()).map_or_else(Invocation::default, |inv| {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        for n in inv.tool_execution_notifications.unwrap_or_default() {
            let msg = n.message.text.unwrap_or_default();
            match n.level.as_ref().and_then(Value::as_str) {
                Some("error") => errors.push(msg),
                // SARIF's default notification level is warning.
                _ => warnings.push(msg),
            }
        }
        Invocation {
            successful: inv.execution_successful,
            exit_code: inv.exit_code.and_then(|c| i32::try_from(c).ok()),
            errors,
            warnings,
        }
    });

    let target_name = driver.name.to_ascii_lowercase().replace(' ', "-");
    let automation_id = r
        .automation_details
        .and_then(|a| a.id)
        .unwrap_or_else(|| automation_id(target_name.strip_prefix("mlsec-").unwrap_or(&target_name), "."));
    let srcroot = r.original_uri_base_ids.and_then(|m| m.get(SRCROOT).and_then(|a| a.uri.clone()));

    let mut findings = Vec::new();
    let mut occurrences: HashMap<(String, String, String), u32> = HashMap::new();
    for (ri, res) in r.results.unwrap_or_default().into_iter().enumerate() {
        let pointer = format!("/runs/{index}/results/{ri}");
        let f = finding_from_sarif(res, &rules, &rule_scores, &driver.name, mlsec_profile, &mut occurrences)
            .map_err(|m| invalid(pointer, m))?;
        findings.push(f);
    }

    Ok(Run {
        tool: Tool { name: driver.name, version: driver.version, information_uri: driver.information_uri },
        engines,
        automation_id,
        invocation,
        srcroot,
        rules,
        findings,
        mlsec_profile,
    })
}

fn finding_from_sarif(
    res: s::Result,
    rules: &[Rule],
    rule_scores: &HashMap<String, String>,
    driver: &str,
    mlsec_profile: bool,
    occurrences: &mut HashMap<(String, String, String), u32>,
) -> Result<Finding, String> {
    let rule = res
        .rule_index
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| rules.get(i))
        .filter(|r| res.rule_id.as_deref().is_none_or(|id| id == r.id));
    let rule_id = res
        .rule_id
        .clone()
        .or_else(|| res.rule.as_ref().and_then(|r| r.id.clone()))
        .or_else(|| rule.map(|r| r.id.clone()))
        .ok_or_else(|| "result has no ruleId".to_owned())?;
    let rule = rule.or_else(|| rules.iter().find(|r| r.id == rule_id));

    let mut props = res.properties.map(|p| (p.tags.unwrap_or_default(), p.additional_properties)).unwrap_or_default();
    let (tags, ref mut map) = props;
    let mut take_str = |k: &str| map.remove(k).and_then(|v| v.as_str().map(str::to_owned));

    let category = match take_str(keys::CATEGORY) {
        Some(c) => c.parse().map_err(|e| format!("{}: {e}", keys::CATEGORY))?,
        None => rule.map_or_else(|| guess_category(driver, &rule_id, &tags), |r| r.category),
    };
    let severity_prop = take_str(keys::SEVERITY);
    let confidence_prop = take_str(keys::CONFIDENCE);
    let security_severity = take_str(keys::SECURITY_SEVERITY).or_else(|| rule_scores.get(&rule_id).cloned());
    let level = res.level.map(|l| match l {
        s::ResultLevel::Error => "error",
        s::ResultLevel::Warning => "warning",
        s::ResultLevel::Note => "note",
        s::ResultLevel::None => "none",
    });
    let severity = match severity_prop {
        Some(sv) => sv.parse().map_err(|e| format!("{}: {e}", keys::SEVERITY))?,
        None => {
            // Foreign SARIF: the tool's own scale when we know it, then GitHub's numeric
            // severity, then the level, then the rule's default.
            let bandit = map.get("issue_severity").and_then(Value::as_str).map(Severity::from_bandit);
            bandit
                .or_else(|| security_severity.as_deref().and_then(Severity::from_security_severity))
                .or_else(|| level.map(Severity::from_sarif_level))
                .or_else(|| rule.and_then(|r| r.default_severity))
                .unwrap_or(Severity::Unknown)
        }
    };
    let confidence = match confidence_prop {
        Some(c) => c.parse().map_err(|e| format!("{}: {e}", keys::CONFIDENCE))?,
        None => {
            map.get("issue_confidence").and_then(Value::as_str).map_or(Confidence::Unknown, Confidence::from_bandit)
        }
    };
    let cvss_score = match map.remove(keys::CVSS_SCORE) {
        Some(v) => Some(v.as_f64().ok_or_else(|| format!("{} is not a number", keys::CVSS_SCORE))?),
        None if !mlsec_profile => {
            security_severity.as_deref().and_then(|s| s.trim().parse::<f64>().ok()).filter(|v| (0.0..=10.0).contains(v))
        }
        None => None,
    };
    let package = match map.remove(keys::PACKAGE) {
        Some(v) => Some(serde_json::from_value(v).map_err(|e| format!("{}: {e}", keys::PACKAGE))?),
        None => None,
    };
    let vulnerability = match map.remove(keys::VULNERABILITY) {
        Some(v) => Some(serde_json::from_value(v).map_err(|e| format!("{}: {e}", keys::VULNERABILITY))?),
        None => None,
    };
    let measurement = match map.remove(keys::MEASUREMENT) {
        Some(v) => Some(serde_json::from_value(v).map_err(|e| format!("{}: {e}", keys::MEASUREMENT))?),
        None => None,
    };
    let reported_by = match map.remove(keys::REPORTED_BY) {
        Some(v) => serde_json::from_value(v).map_err(|e| format!("{}: {e}", keys::REPORTED_BY))?,
        None => Vec::new(),
    };

    let (package, vulnerability) = match (package, vulnerability) {
        (None, None) if !mlsec_profile => trivy_message_facts(res.message.text.as_deref(), &rule_id, category),
        other => other,
    };

    let message = res
        .message
        .text
        .or(res.message.markdown)
        .or_else(|| rule.map(|r| r.short_description.clone()))
        .unwrap_or_else(|| rule_id.clone());

    let locations: Vec<Location> =
        res.locations.unwrap_or_default().into_iter().map(|l| location_from_sarif(l, category)).collect();

    let mut fingerprints = res.partial_fingerprints.unwrap_or_default();
    fingerprints.remove(fingerprint::PRIMARY_LOCATION_LINE_HASH);
    if !fingerprints.keys().any(|k| k.starts_with("mlsec/")) {
        // Foreign SARIF: give it a code fingerprint so baselines and dedupe work on it too.
        let (path, line) = locations.first().map_or((String::new(), String::new()), |l| {
            let line = l.snippet.as_deref().map(fingerprint::normalise_line).filter(|s| !s.is_empty());
            (l.uri.clone(), line.unwrap_or_else(|| format!("line:{}", l.start_line.unwrap_or(0))))
        });
        let key = (rule_id.clone(), path.clone(), line.clone());
        let occ = occurrences.entry(key).or_insert(0);
        fingerprints.insert(fingerprint::CODE_V1.to_owned(), fingerprint::code(&rule_id, &path, &line, *occ));
        *occ += 1;
    }

    let suppressions = res
        .suppressions
        .unwrap_or_default()
        .into_iter()
        .map(|sp| {
            let kind = match sp.kind.as_str() {
                Some("inSource") => SuppressionKind::InSource,
                _ => SuppressionKind::External,
            };
            let status = match sp.status.as_ref().and_then(Value::as_str) {
                Some("underReview") => SuppressionStatus::UnderReview,
                Some("rejected") => SuppressionStatus::Rejected,
                _ => SuppressionStatus::Accepted,
            };
            let expires = match str_prop(sp.properties.as_ref(), keys::EXPIRES) {
                Some(d) => Some(
                    parse_date(d)
                        .ok_or_else(|| format!("suppression {}: {d:?} is not a YYYY-MM-DD date", keys::EXPIRES))?,
                ),
                None => None,
            };
            Ok(Suppression {
                kind,
                status,
                justification: sp.justification,
                expires,
                source: str_prop(sp.properties.as_ref(), keys::SOURCE).map(str::to_owned),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;

    let baseline_state = match res.baseline_state.as_ref().and_then(Value::as_str) {
        Some("new") => Some(BaselineState::New),
        Some("unchanged") => Some(BaselineState::Unchanged),
        Some("updated") => Some(BaselineState::Updated),
        Some("absent") => Some(BaselineState::Absent),
        Some(other) => return Err(format!("baselineState {other:?} is not new|unchanged|updated|absent")),
        None => None,
    };

    Ok(Finding {
        rule_id,
        category,
        severity,
        confidence,
        cvss_score,
        message: redact::redact_message(&message).into_owned(),
        locations,
        package,
        vulnerability,
        measurement,
        fingerprints,
        suppressions,
        baseline_state,
        reported_by,
        tags,
        properties: std::mem::take(map),
    })
}

/// Trivy's SARIF has no properties: the package, its version and the fix are lines of the
/// message (`Package: x\nInstalled Version: y\n…\nFixed Version: z`). Recover them so imported
/// Trivy SARIF routes to dependency reports and shows the fix.
fn trivy_message_facts(
    text: Option<&str>,
    rule_id: &str,
    category: Category,
) -> (Option<crate::model::Package>, Option<crate::model::Vulnerability>) {
    let Some(text) = text else { return (None, None) };
    let field = |name: &str| {
        text.lines().find_map(|l| l.strip_prefix(name)).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
    };
    let Some(name) = field("Package: ") else { return (None, None) };
    let package = crate::model::Package {
        name,
        version: field("Installed Version: "),
        fixed_version: field("Fixed Version: "),
        ..Default::default()
    };
    let vulnerability = (category == Category::Vulnerability)
        .then(|| crate::model::Vulnerability { id: rule_id.to_owned(), ..Default::default() });
    (Some(package), vulnerability)
}

fn location_from_sarif(l: s::Location, category: Category) -> Location {
    let phys = l.physical_location.unwrap_or_default();
    let art = phys.artifact_location.unwrap_or_default();
    let region = phys.region.unwrap_or_default();
    let logical: Vec<LogicalLocation> = l
        .logical_locations
        .unwrap_or_default()
        .into_iter()
        .filter_map(|ll| {
            let name = ll.name.or(ll.fully_qualified_name)?;
            Some(LogicalLocation { name, kind: ll.kind })
        })
        .collect();
    let to_u32 = |v: Option<i64>| v.and_then(|x| u32::try_from(x).ok());
    let uri = art.uri.unwrap_or_else(|| logical.first().map(|ll| ll.name.clone()).unwrap_or_default());
    let uri_base = art.uri_base_id;
    Location {
        uri: if uri_base.as_deref() == Some(SRCROOT) { normalise_path(&uri) } else { uri },
        uri_base,
        start_line: to_u32(region.start_line),
        start_column: to_u32(region.start_column),
        end_line: to_u32(region.end_line),
        end_column: to_u32(region.end_column),
        byte_offset: region.byte_offset.and_then(|o| u64::try_from(o).ok()),
        snippet: region.snippet.and_then(|c| c.text).map(|t| redact::redact_snippet(category, &t)),
        logical,
    }
}

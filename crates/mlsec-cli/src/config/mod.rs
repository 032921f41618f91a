//! `mlsec.toml`: the configuration model, its discovery and loading, and settings resolution.
//!
//! # Discovery
//!
//! [`Config::load`] uses the file given with `--config FILE` / `MLSEC_CONFIG` when there is one (a
//! missing file is an error). Otherwise [`Config::discover`] starts from the scan target (or the
//! current directory) and looks in each directory, nearest first, for
//!
//! 1. `mlsec.toml`,
//! 2. `.mlsec.toml`,
//! 3. `pyproject.toml` with a `[tool.mlsec]` table (one without it is skipped),
//!
//! and stops at the first found, at a directory that contains `.git` (after looking in it), or at
//! the filesystem root. Nothing found means built-in defaults.
//!
//! # Errors
//!
//! Unknown keys, values of the wrong type and invalid values are errors ([`ConfigError::Invalid`])
//! that name the file, line and column (in `pyproject.toml`, lines of that file) and the key, with
//! a hint:
//!
//! ```text
//! error: mlsec.toml:4:1: unknown key `fail_on` in the top level; expected one of fail-on, new-only, ...
//! hint: mlsec.toml keys are kebab-case: did you mean `fail-on`?
//! ```
//!
//! # Tool sections
//!
//! `[secret-scan]`, `[sbom]`, `[trivy]`, `[bandit]`, `[fairness]`, `[model-sign]` and
//! `[model-scan]` are reserved for the tools ([`ToolSection`]). This crate keeps them as raw TOML
//! tables and does not validate their content: each tool types its own section with
//! [`Config::tool_section`], which reports errors with lines like the rest of the file.
//!
//! The reference for users is `docs/config.md`.

mod error;
mod raw;
mod settings;

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use time::Date;
use toml::Spanned;

pub use error::{ConfigError, Location, Position};
pub use settings::{GateSettings, GateSources, ReportSettings, ReportSources, Source};

use crate::FailOn;
use raw::{RawConfig, RawPyProject, RawReport, RawSuppress};

/// The file names looked for in each directory, in order.
pub const FILE_NAMES: [&str; 3] = ["mlsec.toml", ".mlsec.toml", "pyproject.toml"];

/// The largest `annotations-per-level` (GitHub shows 10 error and 10 warning annotations per step).
pub const MAX_ANNOTATIONS_PER_LEVEL: u8 = 10;

/// How settings are laid out in a config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigFormat {
    /// `mlsec.toml` / `.mlsec.toml` (or any other name given with `--config`): the whole document.
    Mlsec,
    /// `pyproject.toml`: the `[tool.mlsec]` table.
    PyProject,
}

impl ConfigFormat {
    /// The format of a file by its name: `pyproject.toml` is [`PyProject`](Self::PyProject),
    /// anything else [`Mlsec`](Self::Mlsec).
    pub fn of_path(path: &Path) -> ConfigFormat {
        if path.file_name().is_some_and(|n| n == "pyproject.toml") {
            ConfigFormat::PyProject
        } else {
            ConfigFormat::Mlsec
        }
    }

    /// The keys leading to the mlsec settings in the document.
    fn prefix(self) -> &'static [&'static str] {
        match self {
            ConfigFormat::Mlsec => &[],
            ConfigFormat::PyProject => &["tool", "mlsec"],
        }
    }
}

/// The config file settings were loaded from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConfigFile {
    /// The file, as found (absolute when discovered, as given when explicit).
    pub path: PathBuf,
    /// How its settings are laid out.
    pub format: ConfigFormat,
}

impl ConfigFile {
    /// A config file whose format follows from its name.
    pub fn new(path: impl Into<PathBuf>) -> ConfigFile {
        let path = path.into();
        let format = ConfigFormat::of_path(&path);
        ConfigFile { path, format }
    }

    /// The directory relative paths in the file (like `baseline`) are relative to.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }
}

impl fmt::Display for ConfigFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&error::shown(&self.path))?;
        if self.format == ConfigFormat::PyProject {
            f.write_str(" [tool.mlsec]")?;
        }
        Ok(())
    }
}

/// A reserved per-tool section of `mlsec.toml`, typed by the tool itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ToolSection {
    /// `[secret-scan]`
    SecretScan,
    /// `[sbom]`
    Sbom,
    /// `[trivy]`
    Trivy,
    /// `[bandit]`
    Bandit,
    /// `[fairness]`
    Fairness,
    /// `[model-sign]`
    ModelSign,
    /// `[model-scan]`
    ModelScan,
}

impl ToolSection {
    /// Every section.
    pub const ALL: [ToolSection; 7] = [
        ToolSection::SecretScan,
        ToolSection::Sbom,
        ToolSection::Trivy,
        ToolSection::Bandit,
        ToolSection::Fairness,
        ToolSection::ModelSign,
        ToolSection::ModelScan,
    ];

    /// The table's key in the file.
    pub const fn key(self) -> &'static str {
        match self {
            ToolSection::SecretScan => "secret-scan",
            ToolSection::Sbom => "sbom",
            ToolSection::Trivy => "trivy",
            ToolSection::Bandit => "bandit",
            ToolSection::Fairness => "fairness",
            ToolSection::ModelSign => "model-sign",
            ToolSection::ModelScan => "model-scan",
        }
    }
}

impl fmt::Display for ToolSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// `[report]`: limits and labels of the rendered reports. `None` means not set in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportConfig {
    /// `markdown-max-chars`: cap on a Markdown summary or PR comment.
    pub markdown_max_chars: Option<usize>,
    /// `annotations-per-level`: annotations emitted per level (error, warning, notice), at most 10.
    pub annotations_per_level: Option<u8>,
    /// `top-findings`: findings listed in summaries.
    pub top_findings: Option<usize>,
    /// `html-title`: title of the HTML report.
    pub html_title: Option<String>,
}

/// One validated `[[suppress]]` entry; the findings crate turns these into suppressions.
///
/// It matches a finding when every criterion it sets (`rule`, `fingerprint`, `path`) matches; at
/// least one is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressionEntry {
    /// Rule id to match (exact).
    pub rule: Option<String>,
    /// Fingerprint to match (exact, any of the finding's fingerprints).
    pub fingerprint: Option<String>,
    /// Glob over the finding's repository-relative path.
    pub path: Option<String>,
    /// Why the finding is accepted (recorded as the suppression's justification).
    pub reason: String,
    /// Last day (exclusive) the entry applies: from this date on (UTC), it no longer suppresses.
    pub expires: Option<Date>,
    /// 1-based line of the entry in its config file, for messages (`mlsec.toml:12: ...`).
    pub line: Option<usize>,
}

impl SuppressionEntry {
    /// Whether the entry has expired on `today`: it applies up to the day before `expires`.
    pub fn is_expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|expires| today >= expires)
    }
}

/// The settings of one config file, validated; every setting is `None` when the file does not set
/// it. Build the effective settings with [`GateSettings::resolve`] and [`ReportSettings::resolve`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// The file the settings come from; `None` for built-in defaults.
    pub file: Option<ConfigFile>,
    /// `fail-on`.
    pub fail_on: Option<FailOn>,
    /// `new-only`.
    pub new_only: Option<bool>,
    /// `max-findings`.
    pub max_findings: Option<u64>,
    /// `baseline`, already resolved against the config file's directory.
    pub baseline: Option<PathBuf>,
    /// `[report]`.
    pub report: ReportConfig,
    suppressions: Vec<SuppressionEntry>,
    tools: BTreeMap<ToolSection, toml::Table>,
    text: Option<Arc<str>>,
}

impl Config {
    /// Loads the settings for a run: from `explicit` (`--config` / `MLSEC_CONFIG`) when given,
    /// else from the file discovered from `start` (see [`Config::discover`]), else defaults.
    pub fn load(explicit: Option<&Path>, start: &Path) -> Result<Config, ConfigError> {
        match explicit {
            Some(path) => Config::from_file(path),
            None => Ok(Config::discover(start)?.unwrap_or_default()),
        }
    }

    /// Looks for a config file in `start` (or its directory, if it is a file) and its parents, as
    /// described in the [module docs](self), and loads the first one found.
    pub fn discover(start: &Path) -> Result<Option<Config>, ConfigError> {
        let absolute = start
            .canonicalize()
            .or_else(|_| std::path::absolute(start))
            .map_err(|source| ConfigError::Discover { path: start.to_owned(), source })?;
        let mut dir =
            if absolute.is_file() { absolute.parent().map(Path::to_owned).unwrap_or(absolute) } else { absolute };
        loop {
            if let Some(config) = Config::find_in(&dir)? {
                return Ok(Some(config));
            }
            if dir.join(".git").exists() {
                return Ok(None);
            }
            match dir.parent() {
                Some(parent) => dir = parent.to_owned(),
                None => return Ok(None),
            }
        }
    }

    /// The config file of one directory, if it has one.
    fn find_in(dir: &Path) -> Result<Option<Config>, ConfigError> {
        for name in FILE_NAMES {
            let path = dir.join(name);
            if !path.is_file() {
                continue;
            }
            let file = ConfigFile::new(path);
            let text = read(&file.path)?;
            // A pyproject.toml that does not mention mlsec cannot have [tool.mlsec]: skip it
            // without parsing, so that an unrelated syntax error there does not stop a scan.
            if file.format == ConfigFormat::PyProject && !text.contains("mlsec") {
                continue;
            }
            if let Some(config) = Config::parse(&text, file)? {
                return Ok(Some(config));
            }
        }
        Ok(None)
    }

    /// Loads an explicitly given file (`--config`): a `pyproject.toml` must have `[tool.mlsec]`.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let file = ConfigFile::new(path);
        let text = match read(path) {
            Err(ConfigError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                return Err(ConfigError::NotFound { path: path.to_owned() });
            }
            other => other?,
        };
        Config::from_toml(&text, file)
    }

    /// Parses and validates the content of `file`; a `pyproject.toml` must have `[tool.mlsec]`.
    pub fn from_toml(text: &str, file: ConfigFile) -> Result<Config, ConfigError> {
        let path = file.path.clone();
        Config::parse(text, file)?.ok_or(ConfigError::NoMlsecTable { path })
    }

    /// Parses and validates; `None` for a pyproject.toml without `[tool.mlsec]`.
    fn parse(text: &str, file: ConfigFile) -> Result<Option<Config>, ConfigError> {
        let from_toml = |e: toml::de::Error| ConfigError::from_toml(&e, &file.path, text);
        let raw = match file.format {
            ConfigFormat::Mlsec => toml::from_str::<RawConfig>(text).map_err(from_toml)?,
            ConfigFormat::PyProject => {
                let pyproject = toml::from_str::<RawPyProject>(text).map_err(from_toml)?;
                match pyproject.tool.and_then(|tool| tool.mlsec) {
                    Some(raw) => raw,
                    None => return Ok(None),
                }
            }
        };
        Config::validate(raw, text, file).map(Some)
    }

    fn validate(raw: RawConfig, text: &str, file: ConfigFile) -> Result<Config, ConfigError> {
        let check = Validator { file: &file, text };
        let report = check.report(raw.report)?;
        let suppressions =
            raw.suppress.into_iter().map(|entry| check.suppression(entry)).collect::<Result<Vec<_>, _>>()?;

        let baseline = raw.baseline.map(|p| file.dir().join(p));
        let tools = [
            (ToolSection::SecretScan, raw.secret_scan),
            (ToolSection::Sbom, raw.sbom),
            (ToolSection::Trivy, raw.trivy),
            (ToolSection::Bandit, raw.bandit),
            (ToolSection::Fairness, raw.fairness),
            (ToolSection::ModelSign, raw.model_sign),
            (ToolSection::ModelScan, raw.model_scan),
        ]
        .into_iter()
        .filter_map(|(section, table)| table.map(|t| (section, t)))
        .collect();

        Ok(Config {
            fail_on: raw.fail_on,
            new_only: raw.new_only,
            max_findings: raw.max_findings,
            baseline,
            report,
            suppressions,
            tools,
            text: Some(Arc::from(text)),
            file: Some(file),
        })
    }

    /// The `[[suppress]]` entries, in file order.
    pub fn suppressions(&self) -> &[SuppressionEntry] {
        &self.suppressions
    }

    /// The raw table of a tool's section, if the file has it.
    pub fn tool_table(&self, section: ToolSection) -> Option<&toml::Table> {
        self.tools.get(&section)
    }

    /// Deserializes a tool's section into the tool's own type; `Ok(None)` when the file has no such
    /// section. Errors point at the line in the config file, like the rest of the loader's.
    ///
    /// Use `#[serde(deny_unknown_fields, rename_all = "kebab-case")]` on `T` to keep the file's
    /// conventions.
    pub fn tool_section<T: DeserializeOwned>(&self, section: ToolSection) -> Result<Option<T>, ConfigError> {
        if !self.tools.contains_key(&section) {
            return Ok(None);
        }
        match (&self.file, &self.text) {
            (Some(file), Some(text)) => {
                let mut path: Vec<&str> = file.format.prefix().to_vec();
                path.push(section.key());
                let result = toml::de::Deserializer::parse(text).and_then(|de| AtPath::<T>::new(&path).deserialize(de));
                result.map_err(|e| ConfigError::from_toml(&e, &file.path, text))
            }
            // Built in code rather than read from a file: no lines to point at.
            _ => {
                let table = self.tools.get(&section).cloned().unwrap_or_default();
                table.try_into().map(Some).map_err(|e: toml::de::Error| ConfigError::Invalid {
                    location: Location { path: PathBuf::from("mlsec.toml"), position: None },
                    message: format!("invalid [{section}] section: {}", e.message()),
                    hint: None,
                })
            }
        }
    }
}

/// Checks what serde cannot, with errors that point into the file.
struct Validator<'a> {
    file: &'a ConfigFile,
    text: &'a str,
}

impl Validator<'_> {
    fn invalid(&self, span: Range<usize>, message: String, hint: &str) -> ConfigError {
        ConfigError::invalid(&self.file.path, self.text, Some(span), message, Some(hint.to_owned()))
    }

    /// A key's dotted path as the user sees it (`tool.mlsec.` in front in a pyproject.toml).
    fn key(&self, name: &str) -> String {
        let mut path: Vec<&str> = self.file.format.prefix().to_vec();
        path.push(name);
        path.join(".")
    }

    fn report(&self, raw: RawReport) -> Result<ReportConfig, ConfigError> {
        let annotations_per_level = raw
            .annotations_per_level
            .map(|value| {
                u8::try_from(*value.get_ref()).ok().filter(|n| *n <= MAX_ANNOTATIONS_PER_LEVEL).ok_or_else(|| {
                    self.invalid(
                        value.span(),
                        format!(
                            "invalid value for `{}`: {} is more than {MAX_ANNOTATIONS_PER_LEVEL}",
                            self.key("report.annotations-per-level"),
                            value.get_ref()
                        ),
                        "GitHub shows at most 10 annotations per level in a step; use 0 to 10",
                    )
                })
            })
            .transpose()?;
        let markdown_max_chars = raw
            .markdown_max_chars
            .map(|value| {
                usize::try_from(*value.get_ref()).ok().filter(|n| *n > 0).ok_or_else(|| {
                    self.invalid(
                        value.span(),
                        format!("invalid value for `{}`: must be at least 1", self.key("report.markdown-max-chars")),
                        "65536 fits a GitHub PR comment; 1048576 a step summary",
                    )
                })
            })
            .transpose()?;
        Ok(ReportConfig {
            markdown_max_chars,
            annotations_per_level,
            top_findings: raw.top_findings.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            html_title: raw.html_title,
        })
    }

    fn suppression(&self, entry: Spanned<RawSuppress>) -> Result<SuppressionEntry, ConfigError> {
        let span = entry.span();
        let RawSuppress { rule, fingerprint, path, reason, expires } = entry.into_inner();
        let table = format!("[[{}]]", self.key("suppress"));
        if rule.is_none() && fingerprint.is_none() && path.is_none() {
            return Err(self.invalid(
                span,
                format!("{table} entry needs `rule`, `fingerprint` or `path`"),
                "an entry without any of them would suppress every finding; add at least one",
            ));
        }
        if reason.get_ref().trim().is_empty() {
            return Err(self.invalid(
                reason.span(),
                format!("`reason` of a {table} entry is empty"),
                "say why the finding is accepted: it is recorded with the suppression",
            ));
        }
        let path = path
            .map(|glob| match globset::Glob::new(glob.get_ref()) {
                Ok(_) => Ok(glob.into_inner()),
                Err(err) => Err(self.invalid(
                    glob.span(),
                    format!(
                        "invalid value for `path` in a {table} entry: `{}` is not a valid glob ({})",
                        glob.get_ref(),
                        err.kind()
                    ),
                    "write a glob over repository-relative paths, e.g. path = \"tests/**\"",
                )),
            })
            .transpose()?;
        let expires = expires
            .map(|value| {
                parse_date(value.get_ref()).ok_or_else(|| {
                    self.invalid(
                        value.span(),
                        format!(
                            "invalid value for `expires` in a {table} entry: {} is not a date",
                            describe_value(value.get_ref())
                        ),
                        "write the date as YYYY-MM-DD, e.g. expires = 2026-06-30",
                    )
                })
            })
            .transpose()?;
        Ok(SuppressionEntry {
            rule,
            fingerprint,
            path,
            reason: reason.into_inner(),
            expires,
            line: Some(Position::of_offset(self.text, span.start).line),
        })
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })
}

/// A value as the user wrote it, for messages.
fn describe_value(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => format!("{s:?}"),
        toml::Value::Datetime(dt) => dt.to_string(),
        other => format!("a {}", other.type_str()),
    }
}

/// A date from a TOML local date (`2026-06-30`) or a string (`"2026-06-30"`).
fn parse_date(value: &toml::Value) -> Option<Date> {
    let text = match value {
        toml::Value::String(s) => s.trim().to_owned(),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
        _ => return None,
    };
    Date::parse(&text, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// Deserializes the value at a key path of the document, ignoring everything else.
struct AtPath<'a, T> {
    path: &'a [&'a str],
    marker: PhantomData<T>,
}

impl<'a, T> AtPath<'a, T> {
    fn new(path: &'a [&'a str]) -> Self {
        AtPath { path, marker: PhantomData }
    }
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for AtPath<'_, T> {
    type Value = Option<T>;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Option<T>, D::Error> {
        match self.path.split_first() {
            None => T::deserialize(de).map(Some),
            Some(_) => de.deserialize_map(self),
        }
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for AtPath<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        let Some((head, rest)) = self.path.split_first() else {
            return Ok(None);
        };
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == *head {
                found = map.next_value_seed(AtPath::<T>::new(rest))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests;

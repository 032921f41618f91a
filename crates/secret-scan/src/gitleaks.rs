//! gitleaks/betterleaks TOML configs: `[[rules]]`, allowlists, `[extend]`, composite rules.
//!
//! A config is loaded, merged (`[extend] path` / `useDefault`) and compiled once into a
//! [`GitleaksConfig`], which the [`crate::engine::Scanner`] carries:
//!
//! - the config's rules run with gitleaks' semantics ([`GitleaksConfig::scan_buffer`]): a rule runs
//!   on the whole text when one of its keywords occurs in it (or always, without keywords), the
//!   secret is `secretGroup` or the first non-empty group, `entropy` drops values at or below it,
//!   global then rule allowlists (`regexes` on the secret, the match or the line, `stopwords`,
//!   `paths`, `commits`, `condition = "AND"`), `[[rules.required]]` keeps a finding only when
//!   every required rule matches within `withinLines`/`withinColumns`, `skipReport` hides a rule
//!   that only serves as a required part, and a `generic` rule's finding is dropped when a
//!   specific rule found the same value on the same line;
//! - with `[extend] useDefault = true` our default rules run too (minus `disabledRules`), and the
//!   config's global and targeted allowlists apply to their findings; a config rule with the id of
//!   a default rule replaces it when it has a `regex`, and otherwise adds its allowlists to it;
//! - regexes are Go RE2 syntax, translated to the `regex` crate's ([`translate_go_regex`]).
//!
//! Not done: decoding of base64/hex/percent-encoded text (gitleaks' `--max-decode-depth`), and
//! `[extend] url`. Rule ids are the config's, so `.gitleaksignore` entries written for gitleaks
//! with the same config keep working.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use mlsec_findings::{Severity, fingerprint};
use regex::bytes::Regex;

use crate::engine::{self, Hit, INLINE_MARKERS};
use crate::rules::{self, RuleDef};

/// File names looked for at the scan root when no gitleaks config is given, in order.
pub const DISCOVERED_NAMES: [&str; 2] = [".gitleaks.toml", ".betterleaks.toml"];

/// How deep `[extend] path` chains may go (gitleaks: 2).
const MAX_EXTEND_DEPTH: usize = 2;

/// Why a gitleaks config could not be used.
#[derive(Debug, thiserror::Error)]
pub enum GitleaksError {
    /// The file could not be read.
    #[error("cannot read the gitleaks config {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not TOML, or a key of the wrong type, or an invalid value.
    #[error("{path}:{line}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line (best effort: the rule's `id` line for rule errors).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A regex does not compile.
    #[error("{path}:{line}: {what}: the regex does not compile (Go escapes shown translated)")]
    Regex {
        /// The file.
        path: PathBuf,
        /// 1-based line of the rule's `id` (or of the regex).
        line: usize,
        /// `rule \`id\`` or `allowlist`.
        what: String,
        /// The regex error.
        source: Box<regex::Error>,
    },
}

impl GitleaksError {
    /// A hint for the user.
    pub fn hint(&self) -> &'static str {
        match self {
            GitleaksError::Read { .. } => "check the path given with --config or [secret-scan] gitleaks-config",
            GitleaksError::Invalid { .. } => {
                "the file must be a gitleaks/betterleaks config: [[rules]] with id and regex or path, [allowlist]/[[allowlists]], [extend]"
            }
            GitleaksError::Regex { .. } => {
                "gitleaks regexes are Go RE2 syntax; secret-scan accepts the same (lookaround, backreferences and \\C are not RE2); fix the pattern, or disable the rule"
            }
        }
    }
}

/// Whether a TOML text is a gitleaks/betterleaks config rather than an mlsec.toml: it has
/// `[[rules]]`, `[extend]`, `[allowlist]`/`[[allowlists]]` or a top-level `title`, and none of the
/// mlsec top-level keys.
pub fn is_gitleaks_config(text: &str) -> bool {
    let Ok(table) = text.parse::<toml::Table>() else { return false };
    let gitleaks = table
        .keys()
        .any(|k| matches!(k.to_ascii_lowercase().as_str(), "rules" | "extend" | "allowlist" | "allowlists" | "title"));
    let mlsec = table.keys().any(|k| {
        matches!(
            k.as_str(),
            "fail-on"
                | "new-only"
                | "max-findings"
                | "baseline"
                | "report"
                | "suppress"
                | "secret-scan"
                | "sbom"
                | "trivy"
                | "bandit"
                | "fairness"
                | "model-sign"
                | "model-scan"
                | "tool"
        )
    });
    gitleaks && !mlsec
}

/// Extra allowlist entries and disabled rules from mlsec.toml's `[secret-scan]`, merged into the
/// same machinery as a gitleaks config's global allowlist and `disabledRules`.
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    /// Rule ids not to run.
    pub disable: Vec<String>,
    /// Regexes (Go/RE2 or Rust syntax) on the secret value.
    pub regexes: Vec<String>,
    /// Regexes on the file path.
    pub paths: Vec<String>,
    /// Substrings of the secret value (case-insensitive).
    pub stopwords: Vec<String>,
}

impl Overlay {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.disable.is_empty() && self.regexes.is_empty() && self.paths.is_empty() && self.stopwords.is_empty()
    }
}

// ---------------------------------------------------------------------------------------------
// Raw (merged, not compiled) form.

#[derive(Debug, Clone, Default)]
struct RawAllowlist {
    description: String,
    and: bool,
    commits: Vec<String>,
    paths: Vec<String>,
    target: Target,
    regexes: Vec<String>,
    stopwords: Vec<String>,
    target_rules: Vec<String>,
    line: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Target {
    #[default]
    Secret,
    Match,
    Line,
}

#[derive(Debug, Clone, Copy)]
struct RawRequired {
    within_lines: Option<i64>,
    within_columns: Option<i64>,
}

#[derive(Debug, Clone, Default)]
struct RawRule {
    id: String,
    description: String,
    regex: Option<String>,
    path: Option<String>,
    secret_group: usize,
    entropy: f64,
    keywords: Vec<String>,
    allowlists: Vec<RawAllowlist>,
    required: Vec<(String, RawRequired)>,
    skip_report: bool,
    line: usize,
    /// The file the rule comes from (for messages).
    file: PathBuf,
}

#[derive(Debug, Default)]
struct Resolved {
    rules: Vec<RawRule>,
    allowlists: Vec<(PathBuf, RawAllowlist)>,
    /// `[extend] useDefault` somewhere in the chain: our defaults run, minus these.
    use_default: Option<HashSet<String>>,
    files: Vec<PathBuf>,
    warnings: Vec<String>,
}

fn invalid(path: &Path, line: usize, message: impl Into<String>) -> GitleaksError {
    GitleaksError::Invalid { path: path.to_owned(), line, message: message.into() }
}

/// Keys in lower case (viper reads gitleaks configs case-insensitively).
fn lower_keys(v: toml::Value) -> toml::Value {
    match v {
        toml::Value::Table(t) => {
            toml::Value::Table(t.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), lower_keys(v))).collect())
        }
        toml::Value::Array(a) => toml::Value::Array(a.into_iter().map(lower_keys).collect()),
        other => other,
    }
}

/// 1-based line of the first occurrence of `needle` at or after line `from` (best effort).
fn line_of(text: &str, needle: &str, from: usize) -> usize {
    let mut n = 0;
    for (i, l) in text.lines().enumerate() {
        if i + 1 >= from && l.contains(needle) {
            return i + 1;
        }
        n = i + 1;
    }
    n.min(from.max(1))
}

struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Reader<'_> {
    fn str(&self, t: &toml::Table, key: &str, line: usize) -> Result<Option<String>, GitleaksError> {
        match t.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(invalid(self.path, line, format!("`{key}` must be a string, not {}", other.type_str()))),
        }
    }

    fn strs(&self, t: &toml::Table, key: &str, line: usize) -> Result<Vec<String>, GitleaksError> {
        match t.get(key) {
            None => Ok(Vec::new()),
            Some(toml::Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    toml::Value::String(s) => Ok(s.clone()),
                    other => {
                        Err(invalid(self.path, line, format!("`{key}` must list strings, not {}", other.type_str())))
                    }
                })
                .collect(),
            Some(other) => {
                Err(invalid(self.path, line, format!("`{key}` must be an array of strings, not {}", other.type_str())))
            }
        }
    }

    fn int(&self, t: &toml::Table, key: &str, line: usize) -> Result<Option<i64>, GitleaksError> {
        match t.get(key) {
            None => Ok(None),
            Some(toml::Value::Integer(i)) => Ok(Some(*i)),
            Some(other) => {
                Err(invalid(self.path, line, format!("`{key}` must be an integer, not {}", other.type_str())))
            }
        }
    }

    fn float(&self, t: &toml::Table, key: &str, line: usize) -> Result<Option<f64>, GitleaksError> {
        match t.get(key) {
            None => Ok(None),
            Some(toml::Value::Float(f)) => Ok(Some(*f)),
            #[allow(clippy::cast_precision_loss)]
            Some(toml::Value::Integer(i)) => Ok(Some(*i as f64)),
            Some(other) => Err(invalid(self.path, line, format!("`{key}` must be a number, not {}", other.type_str()))),
        }
    }

    fn bool(&self, t: &toml::Table, key: &str, line: usize) -> Result<Option<bool>, GitleaksError> {
        match t.get(key) {
            None => Ok(None),
            Some(toml::Value::Boolean(b)) => Ok(Some(*b)),
            Some(other) => {
                Err(invalid(self.path, line, format!("`{key}` must be true or false, not {}", other.type_str())))
            }
        }
    }

    fn tables<'t>(&self, t: &'t toml::Table, key: &str, line: usize) -> Result<Vec<&'t toml::Table>, GitleaksError> {
        match t.get(key) {
            None => Ok(Vec::new()),
            Some(toml::Value::Table(one)) => Ok(vec![one]),
            Some(toml::Value::Array(a)) => a
                .iter()
                .map(|v| v.as_table().ok_or_else(|| invalid(self.path, line, format!("`{key}` must hold tables"))))
                .collect(),
            Some(other) => Err(invalid(self.path, line, format!("`{key}` must be a table, not {}", other.type_str()))),
        }
    }

    fn allowlist(&self, t: &toml::Table, line: usize) -> Result<RawAllowlist, GitleaksError> {
        let and = match self.str(t, "condition", line)?.unwrap_or_default().to_ascii_uppercase().as_str() {
            "AND" | "&&" => true,
            "" | "OR" | "||" => false,
            other => {
                return Err(invalid(
                    self.path,
                    line,
                    format!("unknown allowlist condition `{other}` (expected AND or OR)"),
                ));
            }
        };
        let target = match self.str(t, "regextarget", line)?.as_deref() {
            None | Some("" | "secret") => Target::Secret,
            Some("match") => Target::Match,
            Some("line") => Target::Line,
            Some(other) => {
                return Err(invalid(
                    self.path,
                    line,
                    format!("unknown allowlist regexTarget `{other}` (expected secret, match, line)"),
                ));
            }
        };
        let a = RawAllowlist {
            description: self.str(t, "description", line)?.unwrap_or_default(),
            and,
            commits: self.strs(t, "commits", line)?.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
            paths: self.strs(t, "paths", line)?,
            target,
            regexes: self.strs(t, "regexes", line)?,
            stopwords: self.strs(t, "stopwords", line)?.iter().map(|s| s.to_lowercase()).collect(),
            target_rules: self.strs(t, "targetrules", line)?,
            line,
        };
        if a.commits.is_empty() && a.paths.is_empty() && a.regexes.is_empty() && a.stopwords.is_empty() {
            return Err(invalid(
                self.path,
                line,
                "an allowlist must contain at least one of commits, paths, regexes, stopwords",
            ));
        }
        Ok(a)
    }
}

fn resolve(path: &Path, depth: usize) -> Result<Resolved, GitleaksError> {
    let text = std::fs::read_to_string(path).map_err(|source| GitleaksError::Read { path: path.to_owned(), source })?;
    let value: toml::Value = text.parse::<toml::Table>().map(toml::Value::Table).map_err(|e| {
        let line = e.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        invalid(path, line, format!("not valid TOML: {}", e.message()))
    })?;
    let toml::Value::Table(root) = lower_keys(value) else { unreachable!("parsed as a table") };
    let rd = Reader { path, text: &text };
    let mut out = Resolved { files: vec![path.to_owned()], ..Resolved::default() };

    // betterleaks 2 configs carry CEL expressions (`filter`, `validate`) that we do not evaluate.
    let rule_tables = rd.tables(&root, "rules", 1)?;
    let cel = rule_tables.iter().filter(|t| t.contains_key("filter") || t.contains_key("validate")).count();
    if cel > 0 || root.contains_key("filter") {
        out.warnings.push(format!(
            "{}: betterleaks CEL `filter`/`validate` expressions ({cel} rules{}) are not evaluated: \
             matches they would filter out are reported",
            path.display(),
            if root.contains_key("filter") { " and the global filter" } else { "" }
        ));
    }

    // Rules.
    let mut cursor = 1;
    for t in rd.tables(&root, "rules", 1)? {
        let id = rd.str(t, "id", cursor)?.unwrap_or_default();
        let line = if id.is_empty() {
            line_of(rd.text, "[[rules]]", cursor)
        } else {
            line_of(rd.text, &format!("\"{id}\""), cursor)
        };
        cursor = line;
        if id.trim().is_empty() {
            return Err(invalid(path, line, "a [[rules]] entry has no `id`"));
        }
        let mut allowlists = Vec::new();
        let legacy = rd.tables(t, "allowlist", line)?;
        let current = rd.tables(t, "allowlists", line)?;
        if !legacy.is_empty() && !current.is_empty() {
            return Err(invalid(
                path,
                line,
                format!("rule `{id}`: [rules.allowlist] cannot be used alongside [[rules.allowlists]]"),
            ));
        }
        for a in legacy.into_iter().chain(current) {
            allowlists.push(rd.allowlist(a, line)?);
        }
        let mut required = Vec::new();
        for r in rd.tables(t, "required", line)? {
            let rid = rd.str(r, "id", line)?.unwrap_or_default();
            if rid.is_empty() {
                return Err(invalid(path, line, format!("rule `{id}`: a [[rules.required]] entry has no `id`")));
            }
            required.push((
                rid,
                RawRequired {
                    within_lines: rd.int(r, "withinlines", line)?,
                    within_columns: rd.int(r, "withincolumns", line)?,
                },
            ));
        }
        // betterleaks 2 calls it valueGroup.
        let secret_group = match rd.int(t, "secretgroup", line)? {
            Some(g) => g,
            None => rd.int(t, "valuegroup", line)?.unwrap_or(0),
        };
        let rule = RawRule {
            description: rd.str(t, "description", line)?.unwrap_or_default(),
            regex: rd.str(t, "regex", line)?.filter(|s| !s.is_empty()),
            path: rd.str(t, "path", line)?.filter(|s| !s.is_empty()),
            secret_group: usize::try_from(secret_group)
                .map_err(|_| invalid(path, line, format!("rule `{id}`: secretGroup must not be negative")))?,
            entropy: rd.float(t, "entropy", line)?.unwrap_or(0.0),
            keywords: rd.strs(t, "keywords", line)?.iter().map(|k| k.to_lowercase()).collect(),
            allowlists,
            required,
            skip_report: rd.bool(t, "skipreport", line)?.unwrap_or(false),
            line,
            file: path.to_owned(),
            id,
        };
        out.rules.push(rule);
    }
    for r in &out.rules {
        for (rid, _) in &r.required {
            if !out.rules.iter().any(|o| &o.id == rid) {
                return Err(invalid(path, r.line, format!("rule `{}`: required rule `{rid}` does not exist", r.id)));
            }
        }
    }

    // Global allowlists.
    let legacy = rd.tables(&root, "allowlist", 1)?;
    let current = rd.tables(&root, "allowlists", 1)?;
    if !legacy.is_empty() && !current.is_empty() {
        return Err(invalid(
            path,
            line_of(&text, "[allowlist]", 1),
            "[allowlist] cannot be used alongside [[allowlists]]",
        ));
    }
    let mut acursor = 1;
    for a in legacy.into_iter().chain(current) {
        let line = line_of(&text, "allowlist", acursor);
        acursor = line + 1;
        out.allowlists.push((path.to_owned(), rd.allowlist(a, line)?));
    }

    // Extend.
    let ext = rd.tables(&root, "extend", 1)?;
    if let Some(ext) = ext.first() {
        let line = line_of(&text, "[extend]", 1);
        let use_default = rd.bool(ext, "usedefault", line)?.unwrap_or(false);
        let base_path = rd.str(ext, "path", line)?.filter(|s| !s.is_empty());
        let disabled: HashSet<String> = rd.strs(ext, "disabledrules", line)?.into_iter().collect();
        if rd.str(ext, "url", line)?.is_some_and(|u| !u.is_empty()) {
            return Err(invalid(path, line, "[extend] url is not supported (gitleaks does not implement it either)"));
        }
        if use_default && base_path.is_some() {
            return Err(invalid(path, line, "[extend] cannot set both path and useDefault"));
        }
        if use_default {
            out.use_default = Some(disabled);
        } else if let Some(base) = base_path {
            if depth >= MAX_EXTEND_DEPTH {
                return Err(invalid(
                    path,
                    line,
                    format!("[extend] path: configs extend each other more than {MAX_EXTEND_DEPTH} levels deep"),
                ));
            }
            let base_file = path.parent().map_or_else(|| PathBuf::from(&base), |d| d.join(&base));
            let base_file =
                if Path::new(&base).is_absolute() || !base_file.exists() { PathBuf::from(&base) } else { base_file };
            let mut base = resolve(&base_file, depth + 1)?;
            base.rules.retain(|r| !disabled.contains(&r.id));
            if let Some(d) = &mut base.use_default {
                d.extend(disabled.iter().cloned());
            }
            // The child's rules are merged into the base's like gitleaks does: set fields
            // override, allowlists (and keywords) add up.
            for child in std::mem::take(&mut out.rules) {
                if let Some(b) = base.rules.iter_mut().find(|b| b.id == child.id) {
                    merge_rule(b, child);
                } else {
                    base.rules.push(child);
                }
            }
            out.rules = base.rules;
            out.allowlists.extend(base.allowlists);
            out.use_default = base.use_default;
            out.files.extend(base.files);
            out.warnings.extend(base.warnings);
        }
    }
    Ok(out)
}

fn merge_rule(base: &mut RawRule, child: RawRule) {
    if !child.description.is_empty() {
        base.description = child.description;
    }
    if child.entropy != 0.0 {
        base.entropy = child.entropy;
    }
    if child.secret_group != 0 {
        base.secret_group = child.secret_group;
    }
    if child.regex.is_some() {
        base.regex = child.regex;
        base.file = child.file;
        base.line = child.line;
    }
    if child.path.is_some() {
        base.path = child.path;
    }
    base.keywords.extend(child.keywords);
    base.allowlists.extend(child.allowlists);
}

// ---------------------------------------------------------------------------------------------
// Compiled form.

#[derive(Debug)]
struct Allowlist {
    and: bool,
    commits: HashSet<String>,
    paths: Option<Regex>,
    target: Target,
    regexes: Option<Regex>,
    stopwords: Option<AhoCorasick>,
    has_paths: bool,
    has_regexes: bool,
}

impl Allowlist {
    fn commit_allowed(&self, commit: Option<&str>) -> bool {
        commit.is_some_and(|c| self.commits.contains(&c.to_ascii_lowercase()))
    }

    fn path_allowed(&self, path: &str) -> bool {
        !path.is_empty() && self.paths.as_ref().is_some_and(|r| r.is_match(path.as_bytes()))
    }

    /// gitleaks' checkCommitOrPathAllowed: a whole file (or commit) is skipped.
    fn skips_file(&self, path: &str, commit: Option<&str>) -> bool {
        if self.and {
            if self.has_regexes || self.stopwords.is_some() {
                return false;
            }
            let mut checks = Vec::new();
            if !self.commits.is_empty() {
                checks.push(self.commit_allowed(commit));
            }
            if self.has_paths {
                checks.push(self.path_allowed(path));
            }
            checks.iter().all(|&c| c)
        } else {
            self.commit_allowed(commit) || self.path_allowed(path)
        }
    }

    /// gitleaks' checkFindingAllowed.
    fn allows(&self, path: &str, commit: Option<&str>, secret: &[u8], matched: &[u8], line: &[u8]) -> bool {
        let target = match self.target {
            Target::Secret => secret,
            Target::Match => matched,
            Target::Line => line,
        };
        let regex_allowed = !target.is_empty() && self.regexes.as_ref().is_some_and(|r| r.is_match(target));
        let stopword = !secret.is_empty()
            && self
                .stopwords
                .as_ref()
                .is_some_and(|s| s.is_match(String::from_utf8_lossy(secret).to_lowercase().as_bytes()));
        if self.and {
            let mut checks = Vec::new();
            if !self.commits.is_empty() {
                checks.push(self.commit_allowed(commit));
            }
            if self.has_paths {
                checks.push(self.path_allowed(path));
            }
            if self.has_regexes {
                checks.push(regex_allowed);
            }
            if self.stopwords.is_some() {
                checks.push(stopword);
            }
            checks.iter().all(|&c| c)
        } else {
            regex_allowed || stopword
        }
    }
}

#[derive(Debug)]
struct Required {
    rule: usize,
    within_lines: Option<i64>,
    within_columns: Option<i64>,
}

#[derive(Debug)]
struct Rule {
    def: &'static RuleDef,
    regex: Option<Regex>,
    path: Option<Regex>,
    secret_group: usize,
    entropy: f64,
    keywords: Vec<usize>,
    allowlists: Vec<Allowlist>,
    required: Vec<Required>,
    skip_report: bool,
    generic: bool,
}

/// A compiled gitleaks config (see the [module docs](self)).
#[derive(Debug)]
pub struct GitleaksConfig {
    files: Vec<PathBuf>,
    warnings: Vec<String>,
    rules: Vec<Rule>,
    global: Vec<Allowlist>,
    /// Allowlists for default rules (targeted allowlists, or config rules without a regex that
    /// share a default rule's id).
    default_allowlists: HashMap<String, Vec<Allowlist>>,
    /// The default rules that run (empty without `useDefault`).
    defaults: &'static [RuleDef],
    keywords: Option<AhoCorasick>,
    keyword_count: usize,
    /// Text that identifies the config, for the blob cache's key.
    cache_key: String,
}

/// Gitleaks regexes are Go RE2; the `regex` crate is close. Differences translated: `\d`, `\w`,
/// `\s`, `\b` and their negations are ASCII in Go (Unicode here), `\Q...\E` quoting, `[` inside a
/// class (literal in Go, nesting here), `&&`/`~~` inside a class (set operations here), and a `{`
/// that does not start a repetition (literal in Go, an error here).
pub fn translate_go_regex(re: &str) -> String {
    const W: &str = "0-9A-Za-z_";
    const S: &str = r"\t\n\x0C\r ";
    let chars: Vec<char> = re.chars().collect();
    let mut out = String::with_capacity(re.len() + 16);
    let mut i = 0;
    let mut in_class = false;
    let mut class_start = 0usize;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let e = chars[i + 1];
            i += 2;
            match (in_class, e) {
                (_, 'Q') => {
                    let mut lit = String::new();
                    while i < chars.len() && !(chars[i] == '\\' && chars.get(i + 1) == Some(&'E')) {
                        lit.push(chars[i]);
                        i += 1;
                    }
                    i = (i + 2).min(chars.len().max(i));
                    for ch in lit.chars() {
                        if ch.is_ascii_punctuation() || (in_class && ch == '-') {
                            out.push('\\');
                        }
                        out.push(ch);
                    }
                }
                (false, 'd') => out.push_str("[0-9]"),
                (false, 'D') => out.push_str("[^0-9]"),
                (false, 'w') => out.push_str(&format!("[{W}]")),
                (false, 'W') => out.push_str(&format!("[^{W}]")),
                (false, 's') => out.push_str(&format!("[{S}]")),
                (false, 'S') => out.push_str(&format!("[^{S}]")),
                (false, 'b') => out.push_str(r"(?-u:\b)"),
                (false, 'B') => out.push_str(r"(?-u:\B)"),
                (true, 'd') => out.push_str("0-9"),
                (true, 'w') => out.push_str(W),
                (true, 's') => out.push_str(S),
                (true, 'D') => out.push_str("[:^digit:]"),
                (true, 'W') => out.push_str("[:^word:]"),
                (true, 'S') => out.push_str("[:^space:]"),
                (_, other) => {
                    out.push('\\');
                    out.push(other);
                }
            }
            continue;
        }
        if in_class {
            match c {
                ']' if i > class_start => in_class = false,
                ']' => {
                    out.push_str("\\]");
                    i += 1;
                    continue;
                }
                '[' if chars.get(i + 1) == Some(&':') => {
                    // A POSIX class `[:alpha:]`: copy it whole.
                    let end = (i + 2..chars.len().saturating_sub(1)).find(|&j| chars[j] == ':' && chars[j + 1] == ']');
                    if let Some(end) = end {
                        out.extend(&chars[i..end + 2]);
                        i = end + 2;
                        continue;
                    }
                    out.push_str("\\[");
                    i += 1;
                    continue;
                }
                '[' => {
                    out.push_str("\\[");
                    i += 1;
                    continue;
                }
                '&' | '~' if chars.get(i + 1) == Some(&c) => {
                    out.push(c);
                    out.push('\\');
                    out.push(c);
                    i += 2;
                    continue;
                }
                _ => {}
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                class_start = i;
                continue;
            }
            '{' => {
                // A repetition is `{n}`, `{n,}` or `{n,m}`; anything else is a literal brace in Go.
                let rest: String = chars[i..chars.len().min(i + 24)].iter().collect();
                let is_rep = rest.find('}').is_some_and(|end| {
                    let body = &rest[1..end];
                    let (a, b) = body.split_once(',').unwrap_or((body, "0"));
                    !a.is_empty() && a.bytes().all(|x| x.is_ascii_digit()) && b.bytes().all(|x| x.is_ascii_digit())
                });
                if !is_rep || out.is_empty() {
                    out.push_str("\\{");
                    i += 1;
                    continue;
                }
            }
            '}' => {
                // Closing braces of repetitions were copied with them; a lone one is literal.
                let opened = out.rfind('{').is_some_and(|p| !out[..p].ends_with('\\') && !out[p..].contains('}'));
                if !opened {
                    out.push_str("\\}");
                    i += 1;
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

fn compile(re: &str, path: &Path, line: usize, what: &str) -> Result<Regex, GitleaksError> {
    regex::bytes::RegexBuilder::new(&translate_go_regex(re))
        .size_limit(64 << 20)
        .dfa_size_limit(16 << 20)
        .build()
        .map_err(|source| GitleaksError::Regex {
            path: path.to_owned(),
            line,
            what: what.to_owned(),
            source: Box::new(source),
        })
}

fn join_or(res: &[String]) -> String {
    res.iter().map(|r| format!("(?:{r})")).collect::<Vec<_>>().join("|")
}

fn compile_allowlist(a: &RawAllowlist, path: &Path, what: &str) -> Result<Allowlist, GitleaksError> {
    let paths = if a.paths.is_empty() { None } else { Some(compile(&join_or(&a.paths), path, a.line, what)?) };
    let regexes = if a.regexes.is_empty() { None } else { Some(compile(&join_or(&a.regexes), path, a.line, what)?) };
    let stopwords = if a.stopwords.is_empty() {
        None
    } else {
        Some(AhoCorasick::new(&a.stopwords).map_err(|e| invalid(path, a.line, format!("{what}: stopwords: {e}")))?)
    };
    let _ = &a.description;
    Ok(Allowlist {
        and: a.and,
        commits: a.commits.iter().cloned().collect(),
        has_paths: paths.is_some(),
        has_regexes: regexes.is_some(),
        paths,
        target: a.target,
        regexes,
        stopwords,
    })
}

/// Leaks a string: rule definitions live for the whole process (the engine's [`Hit`] borrows
/// `&'static RuleDef`); a config is loaded once per run, so this is bounded.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

impl GitleaksConfig {
    /// Loads, merges (`[extend]`) and compiles the config at `path`, with `overlay` (mlsec.toml's
    /// `[secret-scan]` allowlist and disabled rules) on top. `path: None` gives our default rules
    /// with the overlay only.
    pub fn load(path: Option<&Path>, overlay: &Overlay) -> Result<GitleaksConfig, GitleaksError> {
        let mut resolved = match path {
            Some(p) => resolve(p, 0)?,
            None => Resolved { use_default: Some(HashSet::new()), ..Resolved::default() },
        };
        let label = path.map_or_else(|| PathBuf::from("mlsec.toml [secret-scan]"), Path::to_owned);
        let disable: HashSet<&String> = overlay.disable.iter().collect();
        resolved.rules.retain(|r| !disable.contains(&r.id));
        if !overlay.regexes.is_empty() || !overlay.paths.is_empty() || !overlay.stopwords.is_empty() {
            resolved.allowlists.push((
                label.clone(),
                RawAllowlist {
                    description: "mlsec.toml [secret-scan] allowlist".into(),
                    paths: overlay.paths.clone(),
                    regexes: overlay.regexes.clone(),
                    stopwords: overlay.stopwords.iter().map(|s| s.to_lowercase()).collect(),
                    ..RawAllowlist::default()
                },
            ));
        }

        // Default rules: which run, and which a config rule replaces or adds allowlists to.
        let mut default_allowlists: HashMap<String, Vec<Allowlist>> = HashMap::new();
        let defaults: &'static [RuleDef] = match &resolved.use_default {
            None => &[],
            Some(disabled) => {
                let mut keep: Vec<RuleDef> = Vec::new();
                for d in rules::RULES {
                    if disabled.contains(d.id) || disable.contains(&d.id.to_owned()) {
                        continue;
                    }
                    if let Some(pos) = resolved.rules.iter().position(|r| r.id == d.id) {
                        if resolved.rules[pos].regex.is_some() || resolved.rules[pos].path.is_some() {
                            // Replaced by the config's rule.
                            if resolved.rules[pos].description.is_empty() {
                                resolved.rules[pos].description = d.description.to_owned();
                            }
                            continue;
                        }
                        let r = resolved.rules.remove(pos);
                        let list = default_allowlists.entry(d.id.to_owned()).or_default();
                        for a in &r.allowlists {
                            list.push(compile_allowlist(a, &r.file, &format!("rule `{}` allowlist", r.id))?);
                        }
                    }
                    keep.push(*d);
                }
                Box::leak(keep.into_boxed_slice())
            }
        };
        for r in &resolved.rules {
            if r.regex.is_none() && r.path.is_none() {
                return Err(invalid(&r.file, r.line, format!("rule `{}` has neither regex nor path", r.id)));
            }
        }

        // Keywords.
        let mut kw_index: HashMap<String, usize> = HashMap::new();
        let mut kw_list: Vec<String> = Vec::new();
        let mut rules_out: Vec<Rule> = Vec::new();
        for r in &resolved.rules {
            let what = format!("rule `{}`", r.id);
            let regex = r.regex.as_deref().map(|re| compile(re, &r.file, r.line, &what)).transpose()?;
            if let Some(re) = &regex
                && r.secret_group >= re.captures_len()
            {
                return Err(invalid(
                    &r.file,
                    r.line,
                    format!(
                        "rule `{}`: secretGroup {} but the regex has {} groups",
                        r.id,
                        r.secret_group,
                        re.captures_len() - 1
                    ),
                ));
            }
            let keywords = r
                .keywords
                .iter()
                .filter(|k| !k.is_empty())
                .map(|k| {
                    let n = kw_list.len();
                    *kw_index.entry(k.clone()).or_insert_with(|| {
                        kw_list.push(k.clone());
                        n
                    })
                })
                .collect();
            let allowlists = r
                .allowlists
                .iter()
                .map(|a| compile_allowlist(a, &r.file, &format!("rule `{}` allowlist", r.id)))
                .collect::<Result<_, _>>()?;
            let def: &'static RuleDef = Box::leak(Box::new(RuleDef {
                id: leak(r.id.clone()),
                family: leak(r.id.clone()),
                description: leak(if r.description.is_empty() { r.id.clone() } else { r.description.clone() }),
                remediation: leak(format!(
                    "Found by rule `{}` of the gitleaks config {}. Revoke or rotate the credential, then read it at run time from the CI secret store or the environment.",
                    r.id,
                    r.file.display()
                )),
                severity: Severity::High,
                keywords: &[],
                regex: leak(r.regex.clone().or_else(|| r.path.clone()).unwrap_or_default()),
                min_entropy: r.entropy,
                allowlist: false,
                ml: false,
                positives: &[],
                negatives: &[],
            }));
            rules_out.push(Rule {
                def,
                path: r
                    .path
                    .as_deref()
                    .map(|p| compile(p, &r.file, r.line, &format!("rule `{}` path", r.id)))
                    .transpose()?,
                regex,
                secret_group: r.secret_group,
                entropy: r.entropy,
                keywords,
                allowlists,
                required: Vec::new(),
                skip_report: r.skip_report,
                generic: r.id.to_ascii_lowercase().contains("generic"),
            });
        }
        for (i, r) in resolved.rules.iter().enumerate() {
            rules_out[i].required = r
                .required
                .iter()
                .filter_map(|(id, q)| {
                    resolved.rules.iter().position(|o| &o.id == id).map(|rule| Required {
                        rule,
                        within_lines: q.within_lines,
                        within_columns: q.within_columns,
                    })
                })
                .collect();
        }

        // Global and targeted allowlists.
        let mut global = Vec::new();
        for (file, a) in &resolved.allowlists {
            let compiled_for = |what: &str| compile_allowlist(a, file, what);
            if a.target_rules.is_empty() {
                global.push(compiled_for("allowlist")?);
                continue;
            }
            for id in &a.target_rules {
                if let Some(r) = resolved.rules.iter().position(|r| &r.id == id) {
                    rules_out[r].allowlists.push(compiled_for("allowlist")?);
                } else if defaults.iter().any(|d| d.id == id) {
                    default_allowlists.entry(id.clone()).or_default().push(compiled_for("allowlist")?);
                } else {
                    return Err(invalid(file, a.line, format!("allowlist targetRules: rule `{id}` does not exist")));
                }
            }
        }

        let keywords = if kw_list.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&kw_list)
                    .map_err(|e| invalid(&label, 1, format!("keywords: {e}")))?,
            )
        };
        let mut cache_key = String::new();
        for f in &resolved.files {
            cache_key.push_str(&std::fs::read_to_string(f).unwrap_or_default());
            cache_key.push('\0');
        }
        cache_key.push_str(&format!("{overlay:?}"));
        Ok(GitleaksConfig {
            files: resolved.files,
            warnings: resolved.warnings,
            rules: rules_out,
            global,
            default_allowlists,
            defaults,
            keywords,
            keyword_count: kw_list.len(),
            cache_key,
        })
    }

    /// Warnings about parts of the config that are not used (shown with the scan's warnings).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The config files read (the config and the ones it extends).
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Whether `path` is one of the config files (not scanned, as gitleaks does not scan its own
    /// config).
    pub fn is_config_file(&self, path: &Path) -> bool {
        self.files.iter().any(|f| {
            f.file_name() == path.file_name()
                && matches!((f.canonicalize(), path.canonicalize()), (Ok(a), Ok(b)) if a == b)
        })
    }

    /// The default rules that run with this config (`[extend] useDefault`), minus disabled ones.
    pub fn default_rules(&self) -> &'static [RuleDef] {
        self.defaults
    }

    /// The config's own rules (for the SARIF rule list).
    pub fn config_rules(&self) -> impl Iterator<Item = &'static RuleDef> + '_ {
        self.rules.iter().filter(|r| !r.skip_report).map(|r| r.def)
    }

    /// Text identifying the config, for the blob cache's key.
    pub fn cache_key(&self) -> &str {
        &self.cache_key
    }

    /// Whether a global allowlist skips this file (paths, or commits).
    pub fn skips_file(&self, path: &str, commit: Option<&str>) -> bool {
        self.global.iter().any(|a| a.skips_file(path, commit))
    }

    /// Whether a finding of a default rule is allowlisted (global allowlists, then the rule's).
    pub fn allows_default(&self, rule_id: &str, path: &str, secret: &[u8], matched: &[u8], line: &[u8]) -> bool {
        let rule_lists = self.default_allowlists.get(rule_id).map(Vec::as_slice).unwrap_or_default();
        rule_lists.iter().any(|a| a.skips_file(path, None))
            || self.global.iter().chain(rule_lists).any(|a| a.allows(path, None, secret, matched, line))
    }

    /// Whether an allowlist with `commits` drops a finding of `rule_id` found in `commit` (git
    /// modes; blobs are scanned once, so commit allowlists apply after the scan).
    pub fn commit_allowed(&self, rule_id: &str, commit: &str) -> bool {
        let rule_lists: &[Allowlist] = match self.rules.iter().find(|r| r.def.id == rule_id) {
            Some(r) => &r.allowlists,
            None => self.default_allowlists.get(rule_id).map(Vec::as_slice).unwrap_or_default(),
        };
        self.global.iter().chain(rule_lists).any(|a| !a.and && a.commit_allowed(Some(commit)))
    }

    /// Runs the config's rules on `buf` with gitleaks' semantics; pushes hits whose match ends in
    /// `lo..hi` (see [`crate::engine::Scanner`]'s chunking). `first_line` is the line of `buf[0]`,
    /// `first_col` the bytes of its line before it.
    pub fn scan_buffer(
        &self,
        path: &str,
        buf: &[u8],
        (lo, hi): (usize, usize),
        (first_line, first_col): (u32, usize),
        out: &mut Vec<Hit>,
    ) {
        if self.rules.is_empty() {
            return;
        }
        let mut present = vec![false; self.keyword_count];
        if let Some(ac) = &self.keywords {
            for m in ac.find_overlapping_iter(buf) {
                present[m.pattern().as_usize()] = true;
            }
        }
        let mut found: Vec<Found> = Vec::new();
        for (idx, rule) in self.rules.iter().enumerate() {
            if rule.skip_report {
                continue;
            }
            if !rule.keywords.is_empty() && !rule.keywords.iter().any(|&k| present[k]) {
                continue;
            }
            let primary = self.detect_rule(idx, path, buf, first_line);
            if rule.required.is_empty() || primary.is_empty() {
                found.extend(primary);
                continue;
            }
            let parts: Vec<(&Required, Vec<Found>)> =
                rule.required.iter().map(|q| (q, self.detect_rule(q.rule, path, buf, first_line))).collect();
            for p in primary {
                let all = parts.iter().all(|(q, fs)| {
                    fs.iter().any(|f| {
                        q.within_lines.is_none_or(|n| (i64::from(p.line) - i64::from(f.line)).abs() <= n)
                            && q.within_columns.is_none_or(|n| (p.col as i64 - f.col as i64).abs() <= n)
                    })
                });
                if all {
                    found.push(p);
                }
            }
        }
        // gitleaks' filter(): a generic rule's finding gives way to a specific rule's on the same
        // line whose secret contains it.
        let keep: Vec<bool> = found
            .iter()
            .map(|f| {
                !self.rules[f.rule].generic
                    || !found.iter().any(|g| {
                        g.line == f.line
                            && g.rule != f.rule
                            && !self.rules[g.rule].generic
                            && contains(&buf[g.ss..g.se], &buf[f.ss..f.se])
                    })
            })
            .collect();
        for (f, keep) in found.into_iter().zip(keep) {
            if !keep || f.me < lo || f.me >= hi {
                continue;
            }
            out.push(self.hit(&f, path, buf, first_col));
        }
    }

    fn hit(&self, f: &Found, path: &str, buf: &[u8], first_col: usize) -> Hit {
        let rule = &self.rules[f.rule];
        if f.path_only {
            return Hit {
                rule: rule.def,
                line: 0,
                column: 0,
                end_column: 0,
                value_hash: fingerprint::secret_value_hash(path.as_bytes()),
                value_sha1: engine::sha1_hex(path.as_bytes()),
                snippet: String::new(),
                inline_suppression: None,
            };
        }
        let (ms, vs, ve) = (f.ms, f.ss, f.se);
        let line_start = buf[..ms].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let col_base = if line_start == 0 { first_col } else { 0 };
        let v_line_start = buf[..vs].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let v_line_end = buf[ve..].iter().position(|&b| b == b'\n').map_or(buf.len(), |p| ve + p);
        let first_value_line_end = buf[vs..ve].iter().position(|&b| b == b'\n').map_or(ve, |p| vs + p);
        let lines_text = &buf[line_start..v_line_end.max(line_start)];
        Hit {
            rule: rule.def,
            line: f.line,
            column: u32::try_from(col_base + ms - line_start + 1).unwrap_or(u32::MAX),
            end_column: if v_line_start == line_start {
                u32::try_from(col_base + first_value_line_end - line_start + 1).unwrap_or(u32::MAX)
            } else {
                u32::try_from(first_value_line_end - v_line_start + 1).unwrap_or(u32::MAX)
            },
            value_hash: fingerprint::secret_value_hash(&buf[vs..ve]),
            value_sha1: engine::sha1_hex(&buf[vs..ve]),
            snippet: engine::snippet(buf, v_line_start, vs, ve, v_line_end),
            inline_suppression: INLINE_MARKERS.iter().copied().find(|m| contains(lines_text, m.as_bytes())),
        }
    }

    /// gitleaks' detectRule on one text.
    fn detect_rule(&self, idx: usize, path: &str, buf: &[u8], first_line: u32) -> Vec<Found> {
        let rule = &self.rules[idx];
        let mut out = Vec::new();
        if rule.allowlists.iter().any(|a| a.skips_file(path, None)) {
            return out;
        }
        if let Some(p) = &rule.path {
            if !p.is_match(path.as_bytes()) {
                return out;
            }
            if rule.regex.is_none() {
                out.push(Found { rule: idx, ms: 0, me: 0, ss: 0, se: 0, line: 0, col: 0, path_only: true });
                return out;
            }
        }
        let Some(re) = &rule.regex else { return out };
        for m in re.find_iter(buf) {
            let text = m.as_bytes();
            // strings.Trim(match, "\n")
            let lead = text.iter().take_while(|&&b| b == b'\n').count();
            let trimmed = &text[lead..];
            let trail = trimmed.iter().rev().take_while(|&&b| b == b'\n').count();
            let trimmed = &trimmed[..trimmed.len() - trail];
            let ts = m.start() + lead;
            // gitleaks keeps the untrimmed start and the trimmed length.
            let me = m.start() + trimmed.len();
            // gitleaks puts a match that starts with a newline on the line after it.
            let upto = if buf.get(m.start()) == Some(&b'\n') { m.start() + 1 } else { m.start() };
            let line = first_line.saturating_add(count_nl(&buf[..upto]));
            // The match's line(s), as gitleaks' finding.Line: from the newline before the match
            // to the end of the line it ends on.
            let l_start = buf[..m.start()].iter().rposition(|&b| b == b'\n').unwrap_or(0);
            let l_end =
                buf[me.max(m.start())..].iter().position(|&b| b == b'\n').map_or(buf.len(), |p| me.max(m.start()) + p);
            let line_text = &buf[l_start..l_end];
            // The secret: the group, searched again in the trimmed match (as gitleaks does).
            let (mut ss, mut se) = (ts, ts + trimmed.len());
            if let Some(caps) = re.captures(trimmed)
                && caps.len() >= 2
            {
                let g = if rule.secret_group > 0 {
                    caps.get(rule.secret_group)
                } else {
                    caps.iter().skip(1).flatten().find(|g| !g.is_empty())
                };
                match g {
                    Some(g) => {
                        ss = ts + g.start();
                        se = ts + g.end();
                    }
                    None if rule.secret_group > 0 => {
                        ss = ts;
                        se = ts;
                    }
                    None => {}
                }
            }
            let secret = &buf[ss..se];
            if rule.entropy != 0.0 && go_entropy(secret) <= rule.entropy {
                continue;
            }
            if self.global.iter().chain(&rule.allowlists).any(|a| a.allows(path, None, secret, trimmed, line_text)) {
                continue;
            }
            let line_start = buf[..m.start()].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            out.push(Found {
                rule: idx,
                ms: m.start(),
                me,
                ss,
                se,
                line,
                col: m.start() - line_start,
                path_only: false,
            });
        }
        out
    }
}

#[derive(Debug, Clone, Copy)]
struct Found {
    rule: usize,
    ms: usize,
    me: usize,
    ss: usize,
    se: usize,
    line: u32,
    col: usize,
    path_only: bool,
}

fn count_nl(b: &[u8]) -> u32 {
    u32::try_from(b.iter().filter(|&&c| c == b'\n').count()).unwrap_or(u32::MAX)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// gitleaks' shannonEntropy: frequencies of characters over the length in bytes.
fn go_entropy(v: &[u8]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let s = String::from_utf8_lossy(v);
    let mut counts: HashMap<char, u32> = HashMap::new();
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
    }
    #[allow(clippy::cast_precision_loss)]
    let inv = 1.0 / v.len() as f64;
    counts.values().map(|&c| f64::from(c) * inv).map(|p| -p * p.log2()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_regex_differences_are_translated() {
        assert_eq!(translate_go_regex(r"\d\w\s"), r"[0-9][0-9A-Za-z_][\t\n\x0C\r ]");
        assert_eq!(translate_go_regex(r"[\w.-]+"), r"[0-9A-Za-z_.-]+");
        assert_eq!(translate_go_regex(r"\bkey\B"), r"(?-u:\b)key(?-u:\B)");
        assert_eq!(translate_go_regex(r"a{"), r"a\{");
        assert_eq!(translate_go_regex(r"x{2,3}y{4}z{5,}"), r"x{2,3}y{4}z{5,}");
        assert_eq!(translate_go_regex(r"[[]x"), r"[\[]x");
        assert_eq!(translate_go_regex(r"[[:upper:]]"), r"[[:upper:]]");
        assert_eq!(translate_go_regex(r"\Q.+\E!"), r"\.\+!");
        assert_eq!(translate_go_regex(r"(?P<tok>[a-z]+)\z"), r"(?P<tok>[a-z]+)\z");
        // ASCII \w and \b, as in Go.
        let re = compile(r"\bdelta_(\w{10})\b", Path::new("t.toml"), 1, "rule").unwrap();
        assert!(re.is_match("delta_a1b2c3d4e5".as_bytes()));
        assert!(!re.is_match("delta_ééééééééééé".as_bytes()));
    }

    #[test]
    fn gitleaks_configs_are_told_apart_from_mlsec_toml() {
        assert!(is_gitleaks_config("title = \"x\"\n"));
        assert!(is_gitleaks_config("[[rules]]\nid = \"a\"\nregex = 'a'\n"));
        assert!(is_gitleaks_config("[extend]\nuseDefault = true\n"));
        assert!(is_gitleaks_config("[allowlist]\npaths = ['a']\n"));
        assert!(!is_gitleaks_config("fail-on = \"high\"\n"));
        assert!(!is_gitleaks_config("[secret-scan]\n"));
        assert!(!is_gitleaks_config("[tool.mlsec]\nfail-on = \"low\"\n"));
        assert!(!is_gitleaks_config("not toml ["));
    }

    #[test]
    fn go_entropy_matches_gitleaks_definition() {
        assert_eq!(go_entropy(b"aaaa"), 0.0);
        assert!((go_entropy(b"abcd") - 2.0).abs() < 1e-9);
    }
}

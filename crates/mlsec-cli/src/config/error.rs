//! [`ConfigError`] and the translation of TOML errors into `file:line:column: message` + `hint:`.

use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

/// Where in a config file something is: the file, and a 1-based line and column when known.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    /// The config file.
    pub path: PathBuf,
    /// 1-based line and column (in characters) in the file, when known.
    pub position: Option<Position>,
}

/// A 1-based line and column in a text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `text` (clamped to the text; a non-boundary offset counts
    /// the character it falls in).
    pub fn of_offset(text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position { line: before.matches('\n').count() + 1, column: before[line_start..].chars().count() + 1 }
    }
}

impl Location {
    pub(super) fn at(path: &Path, text: &str, span: Option<Range<usize>>) -> Location {
        Location { path: path.to_owned(), position: span.map(|span| Position::of_offset(text, span.start)) }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&shown(&self.path))?;
        if let Some(Position { line, column }) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        Ok(())
    }
}

/// Why a config file could not be found, read or accepted.
///
/// Displays as one line (`mlsec.toml:4:1: unknown key ...`); [`ConfigError::hint`] says what to do
/// next, and [`render_error`](crate::exit::render_error) prints it as a `hint:` line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// An explicitly given config file (`--config`, `MLSEC_CONFIG`) does not exist.
    #[error("config file {} does not exist", shown(.path))]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// A config file exists but could not be read (permissions, not UTF-8, a directory...).
    #[error("cannot read config file {}", shown(.path))]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The directory to start discovery from could not be made absolute.
    #[error("cannot look for a config file from {}", shown(.path))]
    Discover {
        /// The start directory as given.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// An explicitly given `pyproject.toml` has no `[tool.mlsec]` table.
    #[error("{} has no [tool.mlsec] table", shown(.path))]
    NoMlsecTable {
        /// The file.
        path: PathBuf,
    },
    /// The file is not valid TOML, has an unknown key, a value of the wrong type, or fails
    /// validation.
    #[error("{location}: {message}")]
    Invalid {
        /// Where.
        location: Location,
        /// What is wrong, naming the key.
        message: String,
        /// What to do about it.
        hint: Option<String>,
    },
}

impl ConfigError {
    /// What the user can do about the error, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            ConfigError::NotFound { .. } => Some(
                "check the path given with --config or MLSEC_CONFIG, or drop it to discover \
                 mlsec.toml from the target directory"
                    .to_owned(),
            ),
            ConfigError::NoMlsecTable { .. } => {
                Some("add a [tool.mlsec] table to it, or point --config at an mlsec.toml".to_owned())
            }
            ConfigError::Invalid { hint, .. } => hint.clone(),
            ConfigError::Read { .. } | ConfigError::Discover { .. } => None,
        }
    }

    /// Where in which file the error is, for errors about a file's content.
    pub fn location(&self) -> Option<&Location> {
        match self {
            ConfigError::Invalid { location, .. } => Some(location),
            _ => None,
        }
    }

    pub(super) fn invalid(
        path: &Path,
        text: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> ConfigError {
        ConfigError::Invalid { location: Location::at(path, text, span), message: message.into(), hint }
    }

    /// Translates a TOML parse or deserialization error of `text` (the content of `path`).
    pub(super) fn from_toml(err: &toml::de::Error, path: &Path, text: &str) -> ConfigError {
        let span = err.span();
        let found = span.as_ref().and_then(|span| locate(text, span));
        let raw = err.message().trim_end();
        let (message, hint) = describe(raw, found.as_ref());
        ConfigError::invalid(path, text, span, message, hint)
    }
}

const REFERENCE_HINT: &str = "docs/config.md lists every key mlsec.toml accepts";

/// Rewrites serde's wording (`field`, `u64`, `struct RawReport`) into the user's (`key`, ...).
fn describe(raw: &str, found: Option<&Found>) -> (String, Option<String>) {
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        let (key, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let candidates = expected_keys(expected);
        let table = found.map_or_else(|| "its table".to_owned(), |f| f.table_name());
        let mut message = format!("unknown key `{key}` in {table}");
        if !candidates.is_empty() {
            message.push_str("; expected one of ");
            message.push_str(&candidates.join(", "));
        }
        let hint = match suggest(key, &candidates) {
            Some(Suggestion::KebabCase(k)) => {
                format!("mlsec.toml keys are kebab-case: did you mean `{k}`?")
            }
            Some(Suggestion::Close(k)) => format!("did you mean `{k}`?"),
            None => format!("remove the key or fix its name; {REFERENCE_HINT}"),
        };
        return (message, Some(hint));
    }
    if let Some(rest) = raw.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or(rest);
        let table = found.map_or_else(|| "its table".to_owned(), |f| f.value_table_name());
        return (
            format!("missing key `{key}` in {table}"),
            Some(format!("add `{key} = ...` to the table; {REFERENCE_HINT}")),
        );
    }
    let plain = plain_types(raw);
    match found {
        Some(found) if !found.on_key => {
            (format!("invalid value for `{}`: {plain}", found.key_path()), Some(REFERENCE_HINT.to_owned()))
        }
        _ => (format!("invalid TOML: {plain}"), None),
    }
}

/// The key names of serde's "expected `a`, `b` or `c`" / "expected one of `a`, `b`".
fn expected_keys(expected: &str) -> Vec<String> {
    expected.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

fn plain_types(message: &str) -> String {
    let mut out = message.to_owned();
    for (from, to) in [
        ("expected u64", "expected a non-negative integer"),
        ("expected usize", "expected a non-negative integer"),
        ("expected a boolean", "expected true or false"),
        ("expected struct RawReport", "expected a table"),
        ("expected struct RawSuppress", "expected a table"),
        ("expected struct RawConfig", "expected a table"),
        ("expected struct RawTool", "expected a table"),
        ("expected a sequence", "expected an array"),
        ("expected a map", "expected a table"),
    ] {
        out = out.replace(from, to);
    }
    out
}

enum Suggestion<'a> {
    KebabCase(&'a str),
    Close(&'a str),
}

fn suggest<'a>(key: &str, candidates: &'a [String]) -> Option<Suggestion<'a>> {
    let normal = key.to_ascii_lowercase().replace('_', "-");
    if let Some(c) = candidates.iter().find(|c| **c == normal) {
        return Some(Suggestion::KebabCase(c));
    }
    candidates
        .iter()
        .map(|c| (levenshtein(&normal, c), c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| Suggestion::Close(c))
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb)).min(row[j] + 1).min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// One key of a path into the document; `array` when it names an array of tables.
#[derive(Debug, Clone)]
struct Segment {
    name: String,
    array: bool,
}

/// What an error span points at: a key (`on_key`) in the table at `parent`, or the value of
/// `parent` + `key`.
#[derive(Debug, Clone)]
struct Found {
    parent: Vec<Segment>,
    key: Segment,
    on_key: bool,
}

impl Found {
    /// The table the key is in, as the user writes its header.
    fn table_name(&self) -> String {
        header(&self.parent)
    }

    /// The table that the value is (for errors about a table's content, like a missing key).
    fn value_table_name(&self) -> String {
        let mut path = self.parent.clone();
        path.push(self.key.clone());
        header(&path)
    }

    fn key_path(&self) -> String {
        let mut names: Vec<&str> = self.parent.iter().map(|s| s.name.as_str()).collect();
        names.push(&self.key.name);
        names.join(".")
    }
}

fn header(path: &[Segment]) -> String {
    let Some(last) = path.last() else {
        return "the top level".to_owned();
    };
    let names: Vec<&str> = path.iter().map(|s| s.name.as_str()).collect();
    if last.array { format!("[[{}]]", names.join(".")) } else { format!("[{}]", names.join(".")) }
}

/// Finds the key or value that `span` points at in `text` (the deepest one that starts there).
fn locate(text: &str, span: &Range<usize>) -> Option<Found> {
    let root = DeTable::parse(text).ok()?;
    let mut best: Option<(usize, Found)> = None;
    walk(root.get_ref(), &mut Vec::new(), span.start, &mut best);
    best.map(|(_, found)| found)
}

fn walk(table: &DeTable<'_>, path: &mut Vec<Segment>, target: usize, best: &mut Option<(usize, Found)>) {
    fn offer(best: &mut Option<(usize, Found)>, depth: usize, found: Found) {
        if best.as_ref().is_none_or(|(d, _)| depth >= *d) {
            *best = Some((depth, found));
        }
    }
    for (key, value) in table.iter() {
        let array_of_tables = matches!(value.get_ref(), DeValue::Array(a)
            if !a.is_empty() && a.iter().all(|e| e.get_ref().is_table()));
        let segment = Segment { name: key.get_ref().to_string(), array: array_of_tables };
        let depth = path.len();
        if key.span().start == target {
            offer(best, depth, Found { parent: path.clone(), key: segment.clone(), on_key: true });
        }
        if value.span().start == target {
            offer(best, depth, Found { parent: path.clone(), key: segment.clone(), on_key: false });
        }
        match value.get_ref() {
            DeValue::Table(inner) => {
                path.push(segment);
                walk(inner, path, target, best);
                path.pop();
            }
            DeValue::Array(items) => {
                for item in items.iter() {
                    if item.span().start == target {
                        offer(best, depth + 1, Found { parent: path.clone(), key: segment.clone(), on_key: false });
                    }
                    if let DeValue::Table(inner) = item.get_ref() {
                        path.push(segment.clone());
                        walk(inner, path, target, best);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
    }
}

/// `path` relative to the current directory when it is below it, else as is.
pub(super) fn shown(path: &Path) -> String {
    if path.is_absolute()
        && let Ok(cwd) = std::env::current_dir()
    {
        for base in [Some(cwd.clone()), cwd.canonicalize().ok()].into_iter().flatten() {
            if let Ok(relative) = path.strip_prefix(&base)
                && !relative.as_os_str().is_empty()
            {
                return relative.display().to_string();
            }
        }
    }
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a = 1\nbé = 2\n\nc";
        assert_eq!(Position::of_offset(text, 0), Position { line: 1, column: 1 });
        assert_eq!(Position::of_offset(text, 6), Position { line: 2, column: 1 });
        // `=` after the two-character key `bé` (3 bytes).
        assert_eq!(Position::of_offset(text, 10), Position { line: 2, column: 4 });
        assert_eq!(Position::of_offset(text, text.len()), Position { line: 4, column: 2 });
        assert_eq!(Position::of_offset(text, 999), Position { line: 4, column: 2 });
    }

    #[test]
    fn suggestions() {
        let keys = ["fail-on".to_owned(), "new-only".to_owned(), "baseline".to_owned()];
        assert!(matches!(suggest("fail_on", &keys), Some(Suggestion::KebabCase("fail-on"))));
        assert!(matches!(suggest("FAIL_ON", &keys), Some(Suggestion::KebabCase("fail-on"))));
        assert!(matches!(suggest("fail-onn", &keys), Some(Suggestion::Close("fail-on"))));
        assert!(matches!(suggest("basline", &keys), Some(Suggestion::Close("baseline"))));
        assert!(suggest("colour", &keys).is_none());
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
    }

    #[test]
    fn expected_key_lists() {
        assert_eq!(expected_keys("`a` or `b`"), ["a", "b"]);
        assert_eq!(expected_keys(", expected one of `a`, `b`, `c`"), ["a", "b", "c"]);
        assert!(expected_keys("there are no fields").is_empty());
    }

    #[test]
    fn locate_finds_keys_values_and_tables() {
        let text = "x = 1\n[report]\ntitle = 2\n[[suppress]]\nrule = 'a'\n[[suppress]]\nrule = 'b'\n";
        let at = |needle: &str| {
            let start = text.rfind(needle).unwrap();
            locate(text, &(start..start + needle.len())).unwrap()
        };
        let key = at("title");
        assert!(key.on_key);
        assert_eq!(key.table_name(), "[report]");
        let value = at("2");
        assert!(!value.on_key);
        assert_eq!(value.key_path(), "report.title");
        let header = at("[[suppress]]");
        assert_eq!(header.value_table_name(), "[[suppress]]");
        assert_eq!(at("x").table_name(), "the top level");
    }
}

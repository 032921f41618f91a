//! Trivy's ignore files, applied by the wrapper (not passed to Trivy) so that ignored findings stay
//! in the report as external suppressions, with their expiry: an expired entry no longer
//! suppresses, as in Trivy.
//!
//! - `.trivyignore`: `ID [exp:YYYY-MM-DD]` per line, `#` comments. Hand-written: a few lines of
//!   text, no crate parses it.
//! - `.trivyignore.yaml` (`.yml`): sections `vulnerabilities`, `misconfigurations`, `secrets`,
//!   `licenses`, each a list of `{id, paths, purls, statement, expired_at}`. Read with
//!   `yaml-rust2` (the workspace's YAML parser). An entry applies to its section's findings only;
//!   `paths` are globs (`**` spans directories) matched against the result's target or the
//!   package's path, `purls` match a package URL (a purl without a version matches every version),
//!   as Trivy does.

use std::path::Path;

use globset::{GlobSet, GlobSetBuilder};
use yaml_rust2::Yaml;

/// What kind of finding an entry applies to (`None` in a `.trivyignore`: any kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `vulnerabilities`.
    Vulnerability,
    /// `misconfigurations`.
    Misconfiguration,
    /// `secrets`.
    Secret,
    /// `licenses`.
    License,
}

impl Kind {
    const SECTIONS: [(&'static str, Kind); 4] = [
        ("vulnerabilities", Kind::Vulnerability),
        ("misconfigurations", Kind::Misconfiguration),
        ("secrets", Kind::Secret),
        ("licenses", Kind::License),
    ];
}

/// One entry.
#[derive(Debug, Clone)]
pub struct IgnoreEntry {
    /// A vulnerability, misconfiguration (also `AVD-` aliases), secret rule or license id.
    pub id: String,
    /// The section it came from (`None`: a `.trivyignore` line, which applies to any kind).
    pub kind: Option<Kind>,
    /// Path globs (empty: any path).
    pub paths: Vec<String>,
    paths_set: Option<GlobSet>,
    /// Package URLs (empty: any package).
    pub purls: Vec<String>,
    /// Why it is ignored (`statement`).
    pub statement: Option<String>,
    /// Expiry (`exp:` / `expired_at`), after which the entry no longer applies.
    pub expires: Option<time::Date>,
    /// `file:line` (`.trivyignore`) or `file:line (section[index])` (YAML), for the justification.
    pub source: String,
}

impl IgnoreEntry {
    /// An entry that names `id` with no other condition.
    pub fn new(id: impl Into<String>, source: impl Into<String>) -> Self {
        IgnoreEntry {
            id: id.into(),
            kind: None,
            paths: Vec::new(),
            paths_set: None,
            purls: Vec::new(),
            statement: None,
            expires: None,
            source: source.into(),
        }
    }
}

/// A line or entry that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}{}: {message}", if *line > 0 { format!(":{line}") } else { String::new() })]
pub struct IgnoreError {
    /// File.
    pub file: String,
    /// 1-based line (of the entry, key or value at fault; 0 when unknown).
    pub line: usize,
    /// What.
    pub message: String,
}

fn parse_date(d: &str) -> Option<time::Date> {
    // `2024-05-01` or an RFC 3339 timestamp (Trivy's `expired_at` is a Go time): the date part.
    let day = d.get(..10).filter(|_| d.len() == 10 || d[10..].starts_with(['T', 't', ' ']))?;
    time::Date::parse(day, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// Parse an ignore file by its name: `.yaml`/`.yml` as YAML, anything else as `.trivyignore` text.
pub fn parse_file(text: &str, file: &Path) -> Result<Vec<IgnoreEntry>, IgnoreError> {
    match file.extension().and_then(|e| e.to_str()) {
        Some("yaml" | "yml") => parse_yaml(text, file),
        _ => parse(text, file),
    }
}

/// Parse `.trivyignore` text.
pub fn parse(text: &str, file: &Path) -> Result<Vec<IgnoreEntry>, IgnoreError> {
    let name = file.display().to_string();
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut fields = line.split_whitespace();
        let Some(id) = fields.next() else { continue };
        let mut entry = IgnoreEntry::new(id, format!("{name}:{}", i + 1));
        for f in fields {
            if let Some(d) = f.strip_prefix("exp:") {
                entry.expires = Some(parse_date(d).filter(|_| d.len() == 10).ok_or_else(|| IgnoreError {
                    file: name.clone(),
                    line: i + 1,
                    message: format!("`exp:{d}` is not a YYYY-MM-DD date"),
                })?);
            }
            // Other `key:value` fields are accepted and ignored, as Trivy does.
        }
        out.push(entry);
    }
    Ok(out)
}

/// A YAML node with the line it starts on.
#[derive(Debug, Clone)]
struct Marked {
    line: usize,
    node: Node,
}

#[derive(Debug, Clone)]
enum Node {
    Scalar(Yaml),
    Seq(Vec<Marked>),
    Map(Vec<(Marked, Marked)>),
}

enum Frame {
    Seq { line: usize, anchor: usize, items: Vec<Marked> },
    Map { line: usize, anchor: usize, entries: Vec<(Marked, Marked)>, key: Option<Marked> },
}

/// Builds [`Marked`] trees from the parser's events. Hand-written because `yaml_rust2::YamlLoader`
/// drops the positions that errors need (`file:line`); scalars are resolved as the loader does.
#[derive(Default)]
struct MarkedLoader {
    stack: Vec<Frame>,
    anchors: std::collections::HashMap<usize, Marked>,
    docs: Vec<Marked>,
    /// The first duplicated mapping key: (line, key).
    duplicate: Option<(usize, String)>,
}

impl MarkedLoader {
    fn insert(&mut self, node: Marked, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    if self.duplicate.is_none()
                        && let Node::Scalar(ky) = &k.node
                        && entries.iter().any(|(e, _)| matches!(&e.node, Node::Scalar(ey) if ey == ky))
                    {
                        self.duplicate = Some((k.line, scalar(ky).unwrap_or_default()));
                    }
                    entries.push((k, node));
                }
            },
        }
    }
}

impl yaml_rust2::parser::MarkedEventReceiver for MarkedLoader {
    fn on_event(&mut self, ev: yaml_rust2::Event, mark: yaml_rust2::scanner::Marker) {
        use yaml_rust2::Event;
        let line = mark.line();
        match ev {
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq { line, anchor, items: Vec::new() }),
            Event::MappingStart(anchor, _) => {
                self.stack.push(Frame::Map { line, anchor, entries: Vec::new(), key: None });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq { line, anchor, items }) => (Marked { line, node: Node::Seq(items) }, anchor),
                    Some(Frame::Map { line, anchor, entries, .. }) => {
                        (Marked { line, node: Node::Map(entries) }, anchor)
                    }
                    None => return,
                };
                self.insert(node, anchor);
            }
            Event::Scalar(v, style, anchor, tag) => {
                let is_str = tag.as_ref().is_some_and(|t| t.handle == "tag:yaml.org,2002:" && t.suffix == "str");
                let y = if style != yaml_rust2::scanner::TScalarStyle::Plain || is_str {
                    Yaml::String(v)
                } else {
                    Yaml::from_str(&v)
                };
                self.insert(Marked { line, node: Node::Scalar(y) }, anchor);
            }
            Event::Alias(id) => {
                let node =
                    self.anchors.get(&id).cloned().unwrap_or(Marked { line, node: Node::Scalar(Yaml::BadValue) });
                self.insert(Marked { line, ..node }, 0);
            }
            _ => {}
        }
    }
}

/// Parse `.trivyignore.yaml` text. Errors name the file and line (`file:line: section[i]: ...`).
pub fn parse_yaml(text: &str, file: &Path) -> Result<Vec<IgnoreEntry>, IgnoreError> {
    let name = file.display().to_string();
    let err = |line: usize, message: String| IgnoreError { file: name.clone(), line, message };
    let mut loader = MarkedLoader::default();
    yaml_rust2::parser::Parser::new_from_str(text)
        .load(&mut loader, false)
        .map_err(|e| err(e.marker().line(), format!("invalid YAML: {}", e.info())))?;
    if let Some((line, key)) = loader.duplicate {
        return Err(err(line, format!("`{key}` is given twice in the same mapping")));
    }
    let mut out = Vec::new();
    let root = match loader.docs.into_iter().next() {
        None => return Ok(out),
        Some(Marked { node: Node::Scalar(Yaml::Null), .. }) => return Ok(out),
        Some(Marked { node: Node::Map(h), .. }) => h,
        Some(m) => {
            return Err(err(
                m.line,
                "expected a mapping with `vulnerabilities`, `misconfigurations`, `secrets` or `licenses`".to_owned(),
            ));
        }
    };
    let as_scalar = |m: &Marked| match &m.node {
        Node::Scalar(y) => scalar(y),
        _ => None,
    };
    let as_strings = |m: &Marked| match &m.node {
        Node::Scalar(Yaml::Null) => Some(Vec::new()),
        Node::Scalar(y) => scalar(y).map(|s| vec![s]),
        Node::Seq(items) => {
            items.iter().map(|i| if let Node::Scalar(y) = &i.node { scalar(y) } else { None }).collect()
        }
        Node::Map(_) => None,
    };
    for (key, list) in &root {
        let section = as_scalar(key).unwrap_or_default();
        let Some(&(_, kind)) = Kind::SECTIONS.iter().find(|(s, _)| *s == section) else {
            return Err(err(
                key.line,
                format!(
                    "unknown section `{section}` (expected vulnerabilities, misconfigurations, secrets or licenses)"
                ),
            ));
        };
        let items = match &list.node {
            Node::Scalar(Yaml::Null) => continue,
            Node::Seq(a) => a,
            _ => return Err(err(list.line, format!("`{section}` must be a list of entries"))),
        };
        for (i, item) in items.iter().enumerate() {
            let at = format!("{section}[{i}]");
            let Node::Map(h) = &item.node else {
                return Err(err(item.line, format!("{at}: expected a mapping with `id`")));
            };
            let mut entry = IgnoreEntry::new(String::new(), format!("{name}:{} ({at})", item.line));
            entry.kind = Some(kind);
            for (k, v) in h {
                let line = v.line;
                match as_scalar(k).unwrap_or_default().as_str() {
                    "id" => entry.id = as_scalar(v).ok_or_else(|| err(line, format!("{at}: `id` must be a string")))?,
                    "paths" => {
                        entry.paths =
                            as_strings(v).ok_or_else(|| err(line, format!("{at}: `paths` must be a list of globs")))?;
                    }
                    "purls" => {
                        entry.purls = as_strings(v)
                            .ok_or_else(|| err(line, format!("{at}: `purls` must be a list of package URLs")))?;
                    }
                    "statement" => entry.statement = as_scalar(v),
                    "expired_at" => {
                        let s = as_scalar(v).unwrap_or_default();
                        entry.expires =
                            Some(parse_date(&s).ok_or_else(|| {
                                err(line, format!("{at}: `expired_at: {s}` is not a YYYY-MM-DD date"))
                            })?);
                    }
                    other => {
                        return Err(err(
                            k.line,
                            format!("{at}: unknown key `{other}` (expected id, paths, purls, statement, expired_at)"),
                        ));
                    }
                }
            }
            if entry.id.is_empty() {
                return Err(err(item.line, format!("{at}: `id` is missing")));
            }
            if !entry.paths.is_empty() {
                let paths_line =
                    h.iter().find(|(k, _)| as_scalar(k).as_deref() == Some("paths")).map_or(item.line, |(_, v)| v.line);
                let mut b = GlobSetBuilder::new();
                for p in &entry.paths {
                    let g = globset::GlobBuilder::new(p)
                        .literal_separator(true)
                        .build()
                        .map_err(|e| err(paths_line, format!("{at}: bad glob `{p}`: {}", e.kind())))?;
                    b.add(g);
                }
                entry.paths_set = Some(b.build().map_err(|e| err(paths_line, format!("{at}: {e}")))?);
            }
            out.push(entry);
        }
    }
    Ok(out)
}

fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.trim().to_owned()),
        Yaml::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

/// The finding an entry is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// Its kind.
    pub kind: Kind,
    /// Its id and aliases (`AVD-DS-0002`, `DS002`, `DS-0002`).
    pub ids: &'a [&'a str],
    /// The paths it is at (the result's target, the package's path, a license's file).
    pub paths: &'a [&'a str],
    /// Its package URL.
    pub purl: Option<&'a str>,
}

/// Whether `entry` applies to `s`.
pub fn matches(entry: &IgnoreEntry, s: &Subject<'_>) -> bool {
    if entry.kind.is_some_and(|k| k != s.kind) {
        return false;
    }
    if !s.ids.iter().any(|i| !i.is_empty() && i.eq_ignore_ascii_case(&entry.id)) {
        return false;
    }
    if let Some(set) = &entry.paths_set
        && !s.paths.iter().any(|p| !p.is_empty() && set.is_match(p))
    {
        return false;
    }
    entry.purls.is_empty() || s.purl.is_some_and(|p| entry.purls.iter().any(|e| purl_matches(e, p)))
}

/// `pattern` matches `purl` when type, namespace and name are equal and, if `pattern` has a
/// version (or qualifiers), those are equal too. Hand-written: a prefix comparison on the purl's
/// own separators; no purl crate is in the tree.
fn purl_matches(pattern: &str, purl: &str) -> bool {
    fn split(p: &str) -> (&str, Option<&str>) {
        let p = p.split('#').next().unwrap_or(p);
        let (base, _) = p.split_once('?').unwrap_or((p, ""));
        // The version follows the last `@` after the last `/` (namespaces may contain `@`, npm scopes as %40).
        let name_start = base.rfind('/').map_or(0, |i| i + 1);
        match base[name_start..].find('@') {
            Some(at) => (&base[..name_start + at], Some(&base[name_start + at + 1..])),
            None => (base, None),
        }
    }
    let (pb, pv) = split(pattern);
    let (b, v) = split(purl);
    if !pb.eq_ignore_ascii_case(b) {
        return false;
    }
    match pv {
        None => true,
        Some(pv) => v == Some(pv) && (!pattern.contains('?') || pattern.split('#').next() == purl.split('#').next()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_comments_and_expiry() {
        let text = "# vulns\nCVE-2019-0001\nCVE-2019-0004 exp:2020-01-01\nCVE-2019-0006 exp:9999-01-01 key2:value2\n\nID300 # trailing\n";
        let e = parse(text, Path::new(".trivyignore")).unwrap();
        assert_eq!(
            e.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
            ["CVE-2019-0001", "CVE-2019-0004", "CVE-2019-0006", "ID300"]
        );
        assert_eq!(e[1].expires, Some(time::macros::date!(2020 - 01 - 01)));
        assert_eq!(e[3].source, ".trivyignore:6");
        let bad = parse("CVE-1 exp:tomorrow\n", Path::new("x")).unwrap_err();
        assert_eq!(bad.to_string(), "x:1: `exp:tomorrow` is not a YYYY-MM-DD date");
    }

    const YAML: &str = "\
vulnerabilities:
  - id: CVE-2025-1000
    paths: [\"**/requirements*.txt\"]
    statement: not reachable from the training code
  - id: CVE-2025-2000
    expired_at: 2021-06-30
  - id: GHSA-aaaa-bbbb-cccc
    purls:
      - pkg:pypi/torch            # any version
      - pkg:pypi/numpy@1.26.0
misconfigurations:
  - id: AVD-DS-0002
    paths:
      - docker/Dockerfile
secrets:
licenses:
  - id: GPL-3.0-only
    expired_at: 2031-01-01T00:00:00Z
";

    fn subject<'a>(kind: Kind, ids: &'a [&'a str], paths: &'a [&'a str], purl: Option<&'a str>) -> Subject<'a> {
        Subject { kind, ids, paths, purl }
    }

    #[test]
    fn yaml_sections_paths_purls_statement_and_expiry() {
        let e = parse_file(YAML, Path::new(".trivyignore.yaml")).unwrap();
        assert_eq!(e.len(), 5);
        assert_eq!(e[0].statement.as_deref(), Some("not reachable from the training code"));
        assert_eq!(e[1].expires, Some(time::macros::date!(2021 - 06 - 30)));
        assert_eq!(e[1].source, ".trivyignore.yaml:5 (vulnerabilities[1])");
        assert_eq!(e[4].expires, Some(time::macros::date!(2031 - 01 - 01)));
        let v = Kind::Vulnerability;
        // paths: glob over directories, also at the root; another file does not match.
        assert!(matches(&e[0], &subject(v, &["CVE-2025-1000"], &["ml/requirements-train.txt"], None)));
        assert!(matches(&e[0], &subject(v, &["CVE-2025-1000"], &["requirements.txt"], None)));
        assert!(!matches(&e[0], &subject(v, &["CVE-2025-1000"], &["poetry.lock"], None)));
        // An id in another section does not apply.
        assert!(!matches(&e[1], &subject(Kind::Secret, &["CVE-2025-2000"], &["x"], None)));
        // purls: versionless matches any version; versioned only that version; none without a purl.
        let g = ["GHSA-aaaa-bbbb-cccc"];
        assert!(matches(&e[2], &subject(v, &g, &[], Some("pkg:pypi/torch@2.5.1"))));
        assert!(matches(&e[2], &subject(v, &g, &[], Some("pkg:pypi/numpy@1.26.0"))));
        assert!(!matches(&e[2], &subject(v, &g, &[], Some("pkg:pypi/numpy@1.26.4"))));
        assert!(!matches(&e[2], &subject(v, &g, &[], Some("pkg:pypi/torchvision@0.20.0"))));
        assert!(!matches(&e[2], &subject(v, &g, &[], None)));
        // The AVD alias, limited to one file.
        let m = Kind::Misconfiguration;
        assert!(matches(&e[3], &subject(m, &["DS-0002", "AVD-DS-0002"], &["docker/Dockerfile"], None)));
        assert!(!matches(&e[3], &subject(m, &["DS-0002", "AVD-DS-0002"], &["Dockerfile"], None)));
    }

    #[test]
    fn yaml_errors_name_the_file_and_entry() {
        let p = Path::new("ign.yaml");
        let msg = |t: &str| parse_yaml(t, p).unwrap_err().to_string();
        // Every error names the file and the line of the entry, key or value at fault.
        assert_eq!(
            msg("vulnerabilities:\n  - id: CVE-1\n    expired-at: 2020-01-01\n"),
            "ign.yaml:3: vulnerabilities[0]: unknown key `expired-at` (expected id, paths, purls, statement, expired_at)"
        );
        assert_eq!(
            msg("# comment\nvulns:\n  - id: CVE-1\n"),
            "ign.yaml:2: unknown section `vulns` (expected vulnerabilities, misconfigurations, secrets or licenses)"
        );
        assert_eq!(msg("secrets:\n  - id: a\n  - paths: [a]\n"), "ign.yaml:3: secrets[1]: `id` is missing");
        assert_eq!(
            msg("licenses:\n  - id: MIT\n\n    expired_at: soon\n"),
            "ign.yaml:4: licenses[0]: `expired_at: soon` is not a YYYY-MM-DD date"
        );
        assert_eq!(
            msg("secrets:\n  - id: a\n    paths:\n      - '[z'\n").split(": bad glob").next(),
            Some("ign.yaml:4: secrets[0]")
        );
        assert_eq!(msg("secrets: 3\n"), "ign.yaml:1: `secrets` must be a list of entries");
        assert_eq!(msg("secrets:\n  - id: a\n    id: b\n"), "ign.yaml:3: `id` is given twice in the same mapping");
        assert!(
            msg("vulnerabilities:\n  - id: [\n").starts_with("ign.yaml:3: invalid YAML"),
            "{}",
            msg("vulnerabilities:\n  - id: [\n")
        );
        // Anchors and aliases resolve as in any YAML.
        let e = parse_yaml("secrets:\n  - id: a\n    paths: &p [x/*]\n  - id: b\n    paths: *p\n", p).unwrap();
        assert_eq!(e[1].paths, ["x/*"]);
        assert!(parse_yaml("", p).unwrap().is_empty());
        // A `.trivyignore` entry has no kind: it applies to any.
        let t = parse_file("MIT\n", Path::new(".trivyignore")).unwrap();
        assert!(matches(&t[0], &subject(Kind::License, &["MIT"], &[], None)));
    }
}

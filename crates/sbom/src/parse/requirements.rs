//! pip `requirements*.txt`: `-r` is followed, `-c` files pin versions but add no components,
//! `--hash` is kept, markers and extras are stripped from the name, and only `==`/`===` without
//! wildcards count as a version. pip-compile `# via` comments become dependency edges.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component as PathComp, Path};

use crate::model::{Component, Inventory};
use crate::purl::{Ecosystem, pep503};

/// What parsing one requirements file (and what it includes) gave.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Components and `# via` edges.
    pub inventory: Inventory,
    /// Repo-relative paths of files used through `-c` (constraints only).
    pub constraint_files: BTreeSet<String>,
    /// Repo-relative paths of files read through `-r` (including the top file).
    pub requirement_files: BTreeSet<String>,
}

/// One requirement line, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// PEP 503 name.
    pub name: String,
    /// Pinned version (`==x` or `===x`).
    pub version: Option<String>,
    /// The specifier as written, without the marker.
    pub specifier: String,
    /// `--hash` values (`alg:hex`).
    pub hashes: Vec<String>,
}

/// Normalise `rel` joined to `base` lexically (no filesystem access, no escaping the root).
fn join_rel(base_dir: &str, target: &str) -> Option<String> {
    let mut parts: Vec<String> = if target.starts_with('/') {
        return None;
    } else {
        base_dir.split('/').filter(|s| !s.is_empty()).map(String::from).collect()
    };
    for c in Path::new(target).components() {
        match c {
            PathComp::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            PathComp::ParentDir => {
                parts.pop()?;
            }
            PathComp::CurDir => {}
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

fn parent(rel: &str) -> &str {
    rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// Logical lines: `\` continuations joined; each with its 1-based first line number.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    for (i, line) in text.lines().enumerate() {
        if cur.is_empty() {
            start = i + 1;
        }
        if let Some(stripped) = line.strip_suffix('\\') {
            cur.push_str(stripped);
            cur.push(' ');
        } else {
            cur.push_str(line);
            out.push((start, std::mem::take(&mut cur)));
        }
    }
    if !cur.is_empty() {
        out.push((start, cur));
    }
    out
}

/// Strip a comment: `#` at the start or after whitespace (a `#` inside a URL fragment stays).
fn strip_comment(line: &str) -> (&str, Option<&str>) {
    let b = line.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'#' && (i == 0 || b[i - 1].is_ascii_whitespace()) {
            return (&line[..i], Some(&line[i + 1..]));
        }
    }
    (line, None)
}

/// Parse one requirement specifier line (options already removed). None for lines that are not
/// a named requirement (URLs without a name, paths, editable installs).
pub fn parse_requirement(spec: &str) -> Option<Requirement> {
    let mut hashes = Vec::new();
    let mut words = Vec::new();
    let mut it = spec.split_whitespace().peekable();
    while let Some(w) = it.next() {
        if let Some(h) = w.strip_prefix("--hash=") {
            hashes.push(h.to_string());
        } else if w == "--hash" {
            if let Some(h) = it.next() {
                hashes.push(h.to_string());
            }
        } else if w.starts_with("--") {
            // per-requirement options (--global-option ...): ignored
        } else {
            words.push(w);
        }
    }
    let joined = words.join(" ");
    let (req, _marker) = match joined.split_once(';') {
        Some((r, m)) => (r.trim(), Some(m.trim())),
        None => (joined.trim(), None),
    };
    let name_end =
        req.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).unwrap_or(req.len());
    let name = &req[..name_end];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) || name.contains("://") {
        return None;
    }
    let mut rest = req[name_end..].trim_start();
    if rest.starts_with('[') {
        let close = rest.find(']')?;
        rest = rest[close + 1..].trim_start();
    }
    if rest.starts_with(':') || rest.starts_with('/') {
        return None; // a path or URL, not a name
    }
    let specifier = rest.trim().to_string();
    let version = if specifier.starts_with('@') {
        None
    } else {
        let s = specifier.trim_start_matches('(').trim_end_matches(')').trim();
        let clauses: Vec<&str> = s.split(',').map(str::trim).filter(|c| !c.is_empty()).collect();
        match clauses.as_slice() {
            [one] => {
                let v = one.strip_prefix("===").or_else(|| one.strip_prefix("=="));
                v.map(str::trim).filter(|v| !v.is_empty() && !v.contains('*')).map(String::from)
            }
            _ => None,
        }
    };
    Some(Requirement { name: pep503(name), version, specifier, hashes })
}

/// A read callback: repo-relative path -> text (errors become warnings).
pub type Reader<'a> = dyn Fn(&str) -> Result<String, String> + 'a;

/// Parse the requirements file `rel` (repo-relative) and every `-r` it includes.
pub fn parse(rel: &str, read: &Reader<'_>) -> Parsed {
    let mut out = Parsed::default();
    let mut constraints: BTreeMap<String, String> = BTreeMap::new();
    let mut reqs: Vec<(String, usize, Requirement)> = Vec::new();
    let mut via: Vec<(String, String)> = Vec::new();
    let mut stack = vec![(rel.to_string(), false)];
    let mut seen: BTreeSet<(String, bool)> = BTreeSet::new();
    while let Some((file, is_constraint)) = stack.pop() {
        if !seen.insert((file.clone(), is_constraint)) {
            continue;
        }
        if is_constraint {
            out.constraint_files.insert(file.clone());
        } else {
            out.requirement_files.insert(file.clone());
        }
        let text = match read(&file) {
            Ok(t) => t,
            Err(e) => {
                out.inventory.warnings.push(format!("{file}: {e}"));
                continue;
            }
        };
        let mut last: Option<String> = None;
        let mut in_via = false;
        for (lineno, raw) in logical_lines(&text) {
            let (body, comment) = strip_comment(&raw);
            let body = body.trim();
            if body.is_empty() {
                // pip-compile: "    # via foo" or "    # via" followed by "    #   foo" lines.
                if let (Some(c), Some(cur)) = (comment, last.as_ref()) {
                    let c = c.trim();
                    let names = if let Some(rest) = c.strip_prefix("via") {
                        in_via = true;
                        rest.trim()
                    } else if in_via && raw.trim_start().starts_with("#   ") {
                        c
                    } else {
                        in_via = false;
                        ""
                    };
                    for n in names.split(',').map(str::trim) {
                        let n = n.split_whitespace().next().unwrap_or("");
                        if !n.is_empty() && !n.starts_with('-') && !n.contains('/') && !n.contains('(') {
                            via.push((pep503(n), cur.clone()));
                        }
                    }
                }
                continue;
            }
            in_via = false;
            let (opt, arg) = match body.split_once(|c: char| c.is_whitespace() || c == '=') {
                Some((o, a)) => (o, a.trim()),
                None => (body, ""),
            };
            match opt {
                "-r" | "--requirement" | "-c" | "--constraint" => {
                    let constraint = opt == "-c" || opt == "--constraint";
                    match join_rel(parent(&file), arg) {
                        Some(t) => stack.push((t, constraint || is_constraint)),
                        None => out
                            .inventory
                            .warnings
                            .push(format!("{file}:{lineno}: {opt} {arg}: outside the project, skipped")),
                    }
                    last = None;
                    continue;
                }
                _ if body.starts_with('-') => {
                    last = None; // -e, -i, --index-url, -f ...: not a named pinned requirement
                    continue;
                }
                _ => {}
            }
            if let Some(r) = parse_requirement(body) {
                last = Some(r.name.clone());
                if is_constraint {
                    if let Some(v) = &r.version {
                        constraints.insert(r.name.clone(), v.clone());
                    }
                } else {
                    reqs.push((file.clone(), lineno, r));
                }
            } else {
                last = None;
            }
        }
    }
    let mut refs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (file, lineno, r) in reqs {
        let version = r.version.clone().or_else(|| constraints.get(&r.name).cloned());
        let mut c =
            Component::new(Ecosystem::Pypi, &r.name, version.as_deref()).with_source(format!("{file}:{lineno}"));
        if r.version.is_none() {
            c.specifier = Some(r.specifier.clone());
        }
        for h in &r.hashes {
            c.add_hash(h);
        }
        let key = out.inventory.add(c);
        refs.entry(r.name).or_default().push(key);
    }
    for (from, to) in via {
        if let (Some(fs), Some(ts)) = (refs.get(&from).cloned(), refs.get(&to).cloned()) {
            for f in &fs {
                for t in &ts {
                    out.inventory.edge(f, t);
                }
            }
        }
    }
    out
}

/// Is this file name a requirements file we pick up when walking?
pub fn is_requirements_file(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let in_dir = rel.split('/').rev().nth(1).is_some_and(|d| d == "requirements");
    (name.ends_with(".txt") && (name.starts_with("requirements") || name.contains("-requirements") || in_dir))
        || (name.starts_with("requirements") && name.ends_with(".in"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(files: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Result<String, String> {
        move |p: &str| files.iter().find(|(n, _)| *n == p).map(|(_, t)| t.to_string()).ok_or_else(|| "not found".into())
    }

    #[test]
    fn only_double_equals_is_a_version() {
        let r = |s| parse_requirement(s).unwrap();
        assert_eq!(r("Foo_Bar==1.2.3").version.as_deref(), Some("1.2.3"));
        assert_eq!(r("foo===1.0-custom").version.as_deref(), Some("1.0-custom"));
        assert_eq!(r("foo>=1.0").version, None);
        assert_eq!(r("foo==1.*").version, None);
        assert_eq!(r("foo==1.0,<2").version, None);
        assert_eq!(r("foo~=1.0").version, None);
        assert_eq!(r("foo[bar,baz]==2.0 ; python_version < '3.11'").version.as_deref(), Some("2.0"));
        assert_eq!(r("foo[bar,baz]==2.0 ; python_version < '3.11'").name, "foo");
        assert_eq!(r("foo @ https://example.com/foo-1.0.whl").version, None);
        assert!(parse_requirement("https://example.com/x.whl").is_none());
        assert!(parse_requirement("./local/path").is_none());
    }

    #[test]
    fn follows_r_constraints_hashes_and_via() {
        static FILES: &[(&str, &str)] = &[
            (
                "req/requirements.txt",
                "# top\n-r base.txt\n-c ../constraints.txt\nnumpy\ntorch==2.1.0 \\\n    --hash=sha256:2F8EA0F6E95594BB189FA5D2A1E26A0CD195344BB9ACA0FCDB35330B3B258E40 \\\n    --hash=sha256:2ba8a45c14bf78dd26977b231e94546487e36e8cefa076e49b8b494e5b9cc3a3\n    # via\n    #   -r base.in\n    #   Accelerate\n--index-url https://example.com/simple\n-e ./pkg\n",
            ),
            ("req/base.txt", "accelerate==0.25.0  # via -r base.in\nrequests>=2\n"),
            ("constraints.txt", "numpy==1.26.4\nscipy==1.11.0\n"),
        ];
        let p = parse("req/requirements.txt", &reader(FILES));
        let got: Vec<&str> = p.inventory.components.keys().map(String::as_str).collect();
        assert_eq!(
            got,
            ["pkg:pypi/accelerate@0.25.0", "pkg:pypi/numpy@1.26.4", "pkg:pypi/requests", "pkg:pypi/torch@2.1.0"]
        );
        let torch = &p.inventory.components["pkg:pypi/torch@2.1.0"];
        assert_eq!(torch.hashes.len(), 2, "{:?}", torch.hashes);
        assert!(torch.hashes.contains(&(
            "SHA-256".to_string(),
            "2f8ea0f6e95594bb189fa5d2a1e26a0cd195344bb9aca0fcdb35330b3b258e40".to_string()
        )));
        assert_eq!(torch.sources.iter().next().map(String::as_str), Some("req/requirements.txt:5"));
        assert_eq!(p.constraint_files.iter().collect::<Vec<_>>(), ["constraints.txt"]);
        assert!(p.inventory.dependencies["pkg:pypi/accelerate@0.25.0"].contains("pkg:pypi/torch@2.1.0"));
        assert!(p.inventory.components["pkg:pypi/requests"].specifier.as_deref() == Some(">=2"));
        assert!(p.inventory.warnings.is_empty(), "{:?}", p.inventory.warnings);
    }

    #[test]
    fn truncated_hashes_are_dropped() {
        let mut c = Component::new(Ecosystem::Pypi, "x", Some("1"));
        c.add_hash("sha256:abcd");
        c.add_hash("sha999:00");
        c.add_hash(&format!("sha1:{}", "a".repeat(40)));
        assert_eq!(c.hashes.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(), ["SHA-1"]);
    }

    #[test]
    fn missing_include_is_a_warning_and_escape_is_refused() {
        static FILES: &[(&str, &str)] = &[("requirements.txt", "-r nope.txt\n-r ../../etc/passwd\nsix==1.16.0\n")];
        let p = parse("requirements.txt", &reader(FILES));
        assert_eq!(p.inventory.components.len(), 1);
        assert_eq!(p.inventory.warnings.len(), 2, "{:?}", p.inventory.warnings);
    }

    #[test]
    fn recognises_requirements_file_names() {
        assert!(is_requirements_file("requirements.txt"));
        assert!(is_requirements_file("server/requirements_cuda.txt"));
        assert!(is_requirements_file("requirements/dev.txt"));
        assert!(!is_requirements_file("notes.txt"));
    }
}

//! Installed Python environments: each installed distribution's core metadata (a wheel install's
//! `*.dist-info/METADATA`, a setuptools `*.egg-info/PKG-INFO` or a distutils `*.egg-info` file),
//! with its license, its installed files (`RECORD`, checked row by row, with SHA-256 hashes;
//! an egg's `installed-files.txt`) and its requirements (`Requires-Dist`, egg `requires.txt`),
//! which become dependency edges between the distributions of one `site-packages` directory.

use crate::model::{Component, Inventory};
use crate::parse::requirements::parse_requirement;
use crate::purl::{Ecosystem, pep503};

/// What kind of metadata file `rel` is, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `<name>-<ver>.dist-info/METADATA` (wheel install; `RECORD` next to it).
    DistInfo,
    /// `<name>.egg-info/PKG-INFO` (setuptools; `requires.txt`, `installed-files.txt` next to it).
    EggInfoDir,
    /// `<name>-<ver>-py3.x.egg-info`, a PKG-INFO file of its own (distutils).
    EggInfoFile,
}

/// The kind of installed-metadata file `rel` is.
pub fn kind(rel: &str) -> Option<Kind> {
    let mut parts = rel.rsplit('/');
    let file = parts.next()?;
    let dir = parts.next().unwrap_or("");
    match file {
        "METADATA" if dir.ends_with(".dist-info") => Some(Kind::DistInfo),
        "PKG-INFO" if dir.ends_with(".egg-info") => Some(Kind::EggInfoDir),
        f if f.ends_with(".egg-info") && f.len() > ".egg-info".len() => Some(Kind::EggInfoFile),
        _ => None,
    }
}

/// Is `rel` the core metadata of an installed distribution?
pub fn is_metadata(rel: &str) -> bool {
    kind(rel).is_some()
}

/// Headers of a core-metadata file (up to the first blank line; continuation lines folded).
fn headers(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    out
}

/// The license of a distribution: `License-Expression` (PEP 639), else a short `License` value
/// (not a pasted license text), else the `License ::` classifiers mapped to SPDX ids when known
/// (`BSD License` is ambiguous and stays a name).
fn license(h: &[(String, String)]) -> Option<String> {
    let get = |k: &str| h.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
    if let Some(e) = get("license-expression") {
        return Some(e.to_string());
    }
    if let Some(l) = get("license").filter(|l| !l.contains('\n') && l.len() <= 100 && *l != "UNKNOWN") {
        return Some(l.to_string());
    }
    let classifiers: Vec<String> = h
        .iter()
        .filter(|(n, v)| n == "classifier" && v.starts_with("License ::"))
        .filter_map(|(_, v)| v.rsplit("::").next().map(|s| s.trim().to_string()))
        .filter(|s| s != "OSI Approved")
        .collect();
    match classifiers.as_slice() {
        [] => None,
        [one] => Some(crate::license::spdx_id(one).map_or_else(|| one.clone(), str::to_string)),
        many => {
            let ids: Option<Vec<&str>> = many.iter().map(|c| crate::license::spdx_id(c)).collect();
            // Several license classifiers mean "any of these" (dual licensing) by convention.
            Some(ids.map_or_else(|| many.join(", "), |ids| ids.join(" OR ")))
        }
    }
}

/// One installed distribution, parsed.
#[derive(Debug)]
pub struct Installed {
    /// Its component (and nothing else).
    pub inventory: Inventory,
    /// The component's bom-ref.
    pub key: String,
    /// The directory the distribution is installed in (the parent of its `.dist-info`/`.egg-info`),
    /// repo-relative: requirements resolve among the distributions of the same directory.
    pub site: String,
    /// PEP 503 names of the distributions it requires (extras left out).
    pub requires: Vec<String>,
    /// Problems with its sidecar files (`RECORD` rows that break the format).
    pub warnings: Vec<String>,
}

/// `dir/p` normalised lexically; None when it leaves the project or is absolute.
fn join(dir: &str, p: &str) -> Option<String> {
    crate::mlmeta::join_rel(dir, p)
}

fn parent(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Split one CSV row (the `csv` module's default dialect, as `RECORD` is written): commas,
/// fields in double quotes with `""` for a quote. Hand-written: three fields per row do not
/// earn a CSV crate.
fn csv_row(line: &str) -> Option<Vec<String>> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        let cur = fields.last_mut()?;
        match c {
            '"' if at_start => quoted = true,
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' if quoted => quoted = false,
            ',' if !quoted => {
                fields.push(String::new());
                at_start = true;
                continue;
            }
            c => cur.push(c),
        }
        at_start = false;
    }
    (!quoted).then_some(fields)
}

/// A `RECORD` hash field (`sha256=<urlsafe base64, no padding>`) -> (algorithm, hex), checked.
fn record_hash(field: &str) -> Result<Option<(String, String)>, String> {
    use base64::Engine as _;
    if field.is_empty() {
        return Ok(None); // RECORD itself and .pyc files carry no hash
    }
    let (alg, b64) = field.split_once('=').ok_or_else(|| format!("hash {field:?} is not `algorithm=digest`"))?;
    let want = match alg {
        "sha256" => 32,
        "sha384" => 48,
        "sha512" => 64,
        "sha224" => 28,
        "sha3_256" | "blake2s" => 32,
        "sha3_512" | "blake2b" => 64,
        _ => return Err(format!("hash algorithm {alg:?} is not one of hashlib's guaranteed secure ones")),
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64.trim_end_matches('='))
        .map_err(|_| format!("{alg} digest is not urlsafe base64"))?;
    if raw.len() != want {
        return Err(format!("{alg} digest has {} bytes, not {want}", raw.len()));
    }
    Ok(Some((alg.to_string(), raw.iter().map(|b| format!("{b:02x}")).collect())))
}

/// The files of a `RECORD` (paths relative to `site`), with SHA-256 hex where recorded; rows that
/// break the format are counted in the returned warning (first bad row named), not trusted.
fn record(rel: &str, site: &str, text: &str, c: &mut Component) -> Option<String> {
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let row = csv_row(line);
        let checked = match row.as_deref() {
            Some([path, hash, size]) if !path.is_empty() => record_hash(hash).and_then(|h| {
                if size.is_empty() || size.parse::<u64>().is_ok() {
                    Ok((path.clone(), h))
                } else {
                    Err(format!("size {size:?} is not a number"))
                }
            }),
            Some(fields) => Err(format!("{} fields, not path,hash,size", fields.len())),
            None => Err("unclosed quote".to_string()),
        };
        match checked {
            Ok((path, h)) => {
                // A file installed outside the project (an absolute path) is still checked but not listed.
                if let Some(p) = join(site, &path) {
                    let sha = h.filter(|(a, _)| a == "sha256").map(|(_, hex)| hex);
                    c.files.insert(p, sha);
                }
            }
            Err(e) => bad.push(format!("{rel}:{}: {e}", i + 1)),
        }
    }
    match bad.as_slice() {
        [] => None,
        [one] => Some(format!("{one} (row ignored)")),
        [first, rest @ ..] => Some(format!("{first} (and {} more bad rows; they are ignored)", rest.len())),
    }
}

/// Names required by an egg's `requires.txt`: lines before any section, and sections that hold
/// only an environment marker (`[:python_version < "3.11"]`); `[extra]` sections are optional.
fn egg_requires(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_extra = false;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if let Some(sec) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_extra = !sec.starts_with(':');
        } else if !in_extra && let Some(r) = parse_requirement(line) {
            out.push(r.name);
        }
    }
    out
}

/// `Requires-Dist` names, without the ones only an extra pulls in (`; extra == "gpu"`).
fn dist_requires(h: &[(String, String)]) -> Vec<String> {
    h.iter()
        .filter(|(n, _)| n == "requires-dist")
        .filter(|(_, v)| {
            let marker = v.split_once(';').map_or("", |(_, m)| m);
            !marker.split_whitespace().collect::<String>().contains("extra==")
        })
        .filter_map(|(_, v)| parse_requirement(v).map(|r| r.name))
        .collect()
}

/// One installed distribution from its core metadata; `sidecar(rel)` reads a file next to it
/// (`RECORD`, `requires.txt`, `installed-files.txt`) and errs when it is absent or unreadable.
pub fn parse(rel: &str, text: &str, sidecar: &dyn Fn(&str) -> Result<String, String>) -> Result<Installed, String> {
    let kind = kind(rel).ok_or("not an installed distribution's metadata")?;
    let h = headers(text);
    let get = |k: &str| h.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let name = get("name").ok_or("no Name header")?;
    let mut c = Component::new(Ecosystem::Pypi, name, get("version")).with_source(rel.to_string());
    c.license = license(&h);
    c.license_expected = true;
    let meta_dir = parent(rel);
    let (site, mut requires) = match kind {
        Kind::DistInfo | Kind::EggInfoDir => (parent(meta_dir).to_string(), dist_requires(&h)),
        Kind::EggInfoFile => (meta_dir.to_string(), dist_requires(&h)),
    };
    let mut warnings = Vec::new();
    let side = |f: &str| sidecar(&if meta_dir.is_empty() { f.to_string() } else { format!("{meta_dir}/{f}") });
    match kind {
        Kind::DistInfo => match side("RECORD") {
            Ok(t) => warnings.extend(record(&format!("{meta_dir}/RECORD"), &site, &t, &mut c)),
            Err(e) => warnings.push(format!("{meta_dir}/RECORD: installed files not listed: {e}")),
        },
        Kind::EggInfoDir => {
            if let Ok(t) = side("requires.txt") {
                requires.extend(egg_requires(&t));
            }
            // Optional (only pip writes it); paths are relative to the .egg-info directory.
            if let Ok(t) = side("installed-files.txt") {
                for p in t.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    if let Some(p) = join(meta_dir, p) {
                        c.files.insert(p, None);
                    }
                }
            }
        }
        Kind::EggInfoFile => {}
    }
    let name = pep503(name);
    requires.retain(|r| *r != name);
    requires.sort();
    requires.dedup();
    let mut inventory = Inventory::default();
    let key = inventory.add(c);
    Ok(Installed { inventory, key, site, requires, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Result<String, String> {
        Err("absent".into())
    }

    fn lic(meta: &str) -> Option<String> {
        parse("x.dist-info/METADATA", meta, &none)
            .expect("parse")
            .inventory
            .components
            .into_values()
            .next()
            .expect("c")
            .license
    }

    #[test]
    fn license_from_expression_field_or_classifiers() {
        assert!(is_metadata("venv/lib/python3.12/site-packages/Jinja2-3.1.4.dist-info/METADATA"));
        assert!(!is_metadata("docs/METADATA"));
        let base = "Metadata-Version: 2.4\nName: Jinja2\nVersion: 3.1.4\n";
        let inv = parse("a.dist-info/METADATA", base, &none).expect("parse").inventory;
        assert_eq!(inv.components.keys().collect::<Vec<_>>(), ["pkg:pypi/jinja2@3.1.4"]);
        assert_eq!(
            lic(&format!("{base}License-Expression: MIT OR Apache-2.0\nLicense: BSD\n")).as_deref(),
            Some("MIT OR Apache-2.0")
        );
        assert_eq!(lic(&format!("{base}License: BSD-3-Clause\n")).as_deref(), Some("BSD-3-Clause"));
        // A pasted license text is not a license name: fall back to the classifier.
        let text = format!(
            "{base}License: Copyright (c) 2007 Pallets\n        Redistribution and use...\nClassifier: License :: OSI Approved :: BSD License\n"
        );
        assert_eq!(lic(&text).as_deref(), Some("BSD License"));
        assert_eq!(lic(&format!("{base}License: UNKNOWN\n")), None);
        assert_eq!(
            lic(&format!("{base}Classifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved :: Apache Software License\n\nLicense: body\n")).as_deref(),
            Some("MIT OR Apache-2.0")
        );
        assert!(parse("b.dist-info/METADATA", "Version: 1\n", &none).is_err());
    }

    #[test]
    fn record_rows_are_checked_and_listed_with_hex_sha256() {
        // sha256 of b"" in urlsafe base64 without padding.
        let empty = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";
        let record = format!(
            "requests/__init__.py,sha256={empty},0\n\"requests/odd,name.py\",sha256={empty},0\n\
             requests/__pycache__/x.pyc,,\n../../../bin/req,sha256={empty},12\nrequests-2.32.3.dist-info/RECORD,,\n\
             /usr/lib/outside.py,sha256={empty},0\nbad.py,md5=abc,1\nshort.py,sha256=AAAA,1\nonly-two,x\n"
        );
        let side = move |p: &str| {
            assert_eq!(p, "venv/lib/python3.12/site-packages/requests-2.32.3.dist-info/RECORD");
            Ok(record.clone())
        };
        let got = parse(
            "venv/lib/python3.12/site-packages/requests-2.32.3.dist-info/METADATA",
            "Name: requests\nVersion: 2.32.3\nRequires-Dist: idna<4,>=2.5\nRequires-Dist: Charset_Normalizer (<4,>=2)\n\
             Requires-Dist: PySocks!=1.5.7,>=1.5.6; extra == \"socks\"\nRequires-Dist: chardet; extra=='use_chardet'\n",
            &side,
        )
        .expect("parse");
        assert_eq!(got.site, "venv/lib/python3.12/site-packages");
        assert_eq!(got.requires, ["charset-normalizer", "idna"]);
        let c = &got.inventory.components[&got.key];
        let hex_empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let files: Vec<(&str, Option<&str>)> = c.files.iter().map(|(p, h)| (p.as_str(), h.as_deref())).collect();
        assert_eq!(
            files,
            [
                ("venv/bin/req", Some(hex_empty)),
                ("venv/lib/python3.12/site-packages/requests-2.32.3.dist-info/RECORD", None),
                ("venv/lib/python3.12/site-packages/requests/__init__.py", Some(hex_empty)),
                ("venv/lib/python3.12/site-packages/requests/__pycache__/x.pyc", None),
                ("venv/lib/python3.12/site-packages/requests/odd,name.py", Some(hex_empty)),
            ]
        );
        assert_eq!(
            got.warnings,
            [
                "venv/lib/python3.12/site-packages/requests-2.32.3.dist-info/RECORD:7: hash algorithm \"md5\" is not one of hashlib's guaranteed secure ones (and 2 more bad rows; they are ignored)"
            ]
        );
        // No RECORD: the distribution is still a component, with a warning.
        let got = parse("sp/x-1.dist-info/METADATA", "Name: x\nVersion: 1\n", &none).expect("parse");
        assert_eq!(got.warnings, ["sp/x-1.dist-info/RECORD: installed files not listed: absent"]);
    }

    #[test]
    fn egg_info_directories_and_files() {
        assert_eq!(kind("sp/Foo.egg-info/PKG-INFO"), Some(Kind::EggInfoDir));
        assert_eq!(kind("sp/foo-1.0-py3.11.egg-info"), Some(Kind::EggInfoFile));
        assert_eq!(kind("docs/PKG-INFO"), None);
        assert_eq!(kind(".egg-info"), None);
        let side = |p: &str| match p {
            "src/trainer.egg-info/requires.txt" => {
                Ok("numpy>=1.24\ntorch\n\n[:python_version < \"3.11\"]\ntomli\n\n[gpu]\ntriton==2.1\n".to_string())
            }
            "src/trainer.egg-info/installed-files.txt" => Ok("../trainer/__init__.py\nPKG-INFO\n".to_string()),
            _ => Err("absent".to_string()),
        };
        let got = parse(
            "src/trainer.egg-info/PKG-INFO",
            "Metadata-Version: 2.1\nName: trainer\nVersion: 0.1.0\nLicense: MIT\n",
            &side,
        )
        .expect("parse");
        assert_eq!(got.key, "pkg:pypi/trainer@0.1.0");
        assert_eq!(got.site, "src");
        assert_eq!(got.requires, ["numpy", "tomli", "torch"]);
        assert!(got.warnings.is_empty());
        let files: Vec<&String> = got.inventory.components[&got.key].files.keys().collect();
        assert_eq!(files, ["src/trainer.egg-info/PKG-INFO", "src/trainer/__init__.py"]);
        let got = parse("sp/six-1.16.0-py3.11.egg-info", "Name: six\nVersion: 1.16.0\n", &none).expect("parse");
        assert_eq!((got.key.as_str(), got.site.as_str()), ("pkg:pypi/six@1.16.0", "sp"));
    }
}

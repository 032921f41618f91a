//! Installed Python environments: `*.dist-info/METADATA` (core metadata, RFC 822 style headers)
//! of each installed distribution, with its license.

use crate::model::{Component, Inventory};
use crate::purl::Ecosystem;

/// Is `rel` the METADATA file of an installed distribution (`<name>-<ver>.dist-info/METADATA`)?
pub fn is_metadata(rel: &str) -> bool {
    let mut parts = rel.rsplit('/');
    parts.next() == Some("METADATA") && parts.next().is_some_and(|d| d.ends_with(".dist-info"))
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

/// One installed distribution from its METADATA.
pub fn parse(rel: &str, text: &str) -> Result<Inventory, String> {
    let h = headers(text);
    let get = |k: &str| h.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let name = get("name").ok_or("no Name header")?;
    let mut c = Component::new(Ecosystem::Pypi, name, get("version")).with_source(rel.to_string());
    c.license = license(&h);
    c.license_expected = true;
    let mut inv = Inventory::default();
    inv.add(c);
    Ok(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lic(meta: &str) -> Option<String> {
        parse("x.dist-info/METADATA", meta).expect("parse").components.into_values().next().expect("c").license
    }

    #[test]
    fn license_from_expression_field_or_classifiers() {
        assert!(is_metadata("venv/lib/python3.12/site-packages/Jinja2-3.1.4.dist-info/METADATA"));
        assert!(!is_metadata("docs/METADATA"));
        let base = "Metadata-Version: 2.4\nName: Jinja2\nVersion: 3.1.4\n";
        let inv = parse("a.dist-info/METADATA", base).expect("parse");
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
        assert!(parse("b.dist-info/METADATA", "Version: 1\n").is_err());
    }
}

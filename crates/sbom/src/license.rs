//! License names as found in model cards and package metadata, mapped to SPDX license ids.
//!
//! A small table rather than the whole SPDX list: it covers the Hugging Face card license ids and
//! the common package licenses. A name that is not in it is kept as written (CycloneDX
//! `license.name`; SPDX `NOASSERTION` with the name in a comment), never guessed.

/// SPDX ids recognised (canonical case), matched case-insensitively.
const SPDX_IDS: &[&str] = &[
    "0BSD",
    "AFL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-1.1",
    "Apache-2.0",
    "Artistic-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSL-1.0",
    "CC-BY-2.0",
    "CC-BY-2.5",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-NC-2.0",
    "CC-BY-NC-3.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-ND-3.0",
    "CC-BY-NC-ND-4.0",
    "CC-BY-NC-SA-2.0",
    "CC-BY-NC-SA-3.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "CDLA-Permissive-1.0",
    "CDLA-Permissive-2.0",
    "CDLA-Sharing-1.0",
    "ECL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "HPND",
    "ISC",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "LPPL-1.3c",
    "MIT",
    "MIT-0",
    "MPL-2.0",
    "MS-PL",
    "NCSA",
    "ODbL-1.0",
    "ODC-By-1.0",
    "OFL-1.1",
    "OpenSSL",
    "OSL-3.0",
    "PDDL-1.0",
    "PostgreSQL",
    "PSF-2.0",
    "Python-2.0",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "WTFPL",
    "Zlib",
];

/// Hugging Face card / common spellings that differ from the SPDX id.
const ALIASES: &[(&str, &str)] = &[
    ("agpl-3.0", "AGPL-3.0-only"),
    ("gpl-2.0", "GPL-2.0-only"),
    ("gpl-3.0", "GPL-3.0-only"),
    ("lgpl-2.1", "LGPL-2.1-only"),
    ("lgpl-3.0", "LGPL-3.0-only"),
    ("odbl", "ODbL-1.0"),
    ("odc-by", "ODC-By-1.0"),
    ("pddl", "PDDL-1.0"),
    ("apache license 2.0", "Apache-2.0"),
    ("apache 2.0", "Apache-2.0"),
    ("apache-2", "Apache-2.0"),
    ("apache software license", "Apache-2.0"),
    ("mit license", "MIT"),
    ("bsd-3", "BSD-3-Clause"),
    ("isc license", "ISC"),
    ("isc license (iscl)", "ISC"),
    ("mozilla public license 2.0 (mpl 2.0)", "MPL-2.0"),
    ("python software foundation license", "PSF-2.0"),
    ("the unlicense (unlicense)", "Unlicense"),
];

/// The SPDX id for a license name, if it is a known id or alias.
pub fn spdx_id(name: &str) -> Option<&'static str> {
    let n = name.trim();
    SPDX_IDS
        .iter()
        .find(|id| id.eq_ignore_ascii_case(n))
        .copied()
        .or_else(|| ALIASES.iter().find(|(a, _)| a.eq_ignore_ascii_case(n)).map(|(_, id)| *id))
}

/// An SPDX license expression with every id known (`MIT OR Apache-2.0`, `(MIT AND Zlib)`),
/// normalised to canonical case; None when any part is unknown or the syntax is not simple.
pub fn spdx_expression(text: &str) -> Option<String> {
    let spaced = text.replace('(', " ( ").replace(')', " ) ");
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut want_id = true;
    for tok in spaced.split_whitespace() {
        match tok {
            "(" if want_id => depth += 1,
            ")" if !want_id => depth -= 1,
            t if !want_id && (t.eq_ignore_ascii_case("AND") || t.eq_ignore_ascii_case("OR")) => {
                want_id = true;
                out.push(t.to_ascii_uppercase());
                continue;
            }
            t if want_id => {
                out.push(spdx_id(t)?.to_string());
                want_id = false;
                continue;
            }
            _ => return None,
        }
        if depth < 0 {
            return None;
        }
        out.push(tok.to_string());
    }
    (depth == 0 && !want_id).then(|| out.join(" ").replace("( ", "(").replace(" )", ")"))
}

/// CycloneDX `licenses` for a license as written: `{license: {id}}` for one known id,
/// `{expression}` for a known compound expression, `{license: {name}}` otherwise.
pub fn cyclonedx(text: &str) -> serde_json::Value {
    match spdx_expression(text) {
        Some(e) if spdx_id(&e).is_some() => serde_json::json!([{"license": {"id": e}}]),
        Some(e) => serde_json::json!([{"expression": e}]),
        None => serde_json::json!([{"license": {"name": text}}]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_ids_map_to_spdx_and_unknown_names_do_not() {
        assert_eq!(spdx_id("apache-2.0"), Some("Apache-2.0"));
        assert_eq!(spdx_id("cc-by-nc-sa-4.0"), Some("CC-BY-NC-SA-4.0"));
        assert_eq!(spdx_id("gpl-3.0"), Some("GPL-3.0-only"));
        assert_eq!(spdx_id("MIT License"), Some("MIT"));
        assert_eq!(spdx_id("openrail"), None);
        assert_eq!(spdx_id("llama2"), None);
        assert_eq!(spdx_expression("mit or apache-2.0").as_deref(), Some("MIT OR Apache-2.0"));
        assert_eq!(spdx_expression("(MIT AND Zlib) OR Apache-2.0").as_deref(), Some("(MIT AND Zlib) OR Apache-2.0"));
        assert_eq!(spdx_expression("MIT OR"), None);
        assert_eq!(spdx_expression("MIT OR Foo-1.0"), None);
        assert_eq!(spdx_expression("(MIT"), None);
        assert_eq!(cyclonedx("BSD License"), serde_json::json!([{"license": {"name": "BSD License"}}]));
        assert_eq!(cyclonedx("mit"), serde_json::json!([{"license": {"id": "MIT"}}]));
    }
}

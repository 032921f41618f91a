//! `docs/config.md` stays true: its examples load, and its first error example is what the loader
//! prints.
#![allow(clippy::unwrap_used)] // a panic is how a test fails

use std::path::Path;

use mlsec_cli::exit::render_error;
use mlsec_cli::{Config, ConfigFile};

fn reference() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/config.md");
    std::fs::read_to_string(path).unwrap()
}

/// The contents of the fenced blocks of `lang`.
fn blocks(markdown: &str, lang: &str) -> Vec<String> {
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = markdown;
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```").unwrap();
        out.push(body[..end].to_owned());
        rest = &body[end..];
    }
    out
}

#[test]
fn toml_examples_load() {
    let examples = blocks(&reference(), "toml");
    assert!(examples.len() >= 5, "found {} examples", examples.len());
    for example in examples {
        let name = if example.contains("[tool.mlsec") { "pyproject.toml" } else { "mlsec.toml" };
        if let Err(err) = Config::from_toml(&example, ConfigFile::new(name)) {
            panic!("example does not load: {err}\n{example}");
        }
    }
}

#[test]
fn first_error_example_is_what_the_loader_prints() {
    let documented = blocks(&reference(), "text").into_iter().next().unwrap();
    let text = "# mlsec settings\nnew-only = true\n\nfail_on = \"high\"\n";
    let err = Config::from_toml(text, ConfigFile::new("mlsec.toml")).unwrap_err();
    assert_eq!(render_error(&anyhow::Error::new(err)), documented);
}

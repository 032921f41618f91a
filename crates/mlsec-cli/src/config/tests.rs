//! Unit tests of parsing and validation (discovery is tested in `tests/config.rs`).

use super::*;
use crate::Severity;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(text, ConfigFile::new("/repo/mlsec.toml"))
}

fn parse_py(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(text, ConfigFile::new("/repo/pyproject.toml"))
}

/// The error's `line:column` and its one-line message.
fn error(result: Result<Config, ConfigError>) -> (Option<Position>, String, Option<String>) {
    let err = result.unwrap_err();
    let position = err.location().and_then(|l| l.position);
    let hint = err.hint();
    (position, err.to_string(), hint)
}

fn at(line: usize, column: usize) -> Option<Position> {
    Some(Position { line, column })
}

#[test]
fn empty_file_sets_nothing() {
    let config = parse("").unwrap();
    assert_eq!(config.fail_on, None);
    assert_eq!(config.report, ReportConfig::default());
    assert!(config.suppressions().is_empty());
    assert_eq!(config.file.as_ref().map(|f| f.format), Some(ConfigFormat::Mlsec));
}

#[test]
fn full_file() {
    let config = parse(
        r#"
fail-on = "critical"
new-only = true
max-findings = 7
baseline = "ci/baseline.sarif"

[report]
markdown-max-chars = 30000
annotations-per-level = 5
top-findings = 10
html-title = "Titanic model"

[[suppress]]
rule = "bandit/B301"
path = "notebooks/**"
reason = "pickles from our own training runs"
expires = 2026-06-30

[[suppress]]
fingerprint = "4c0d8e1f9a"
reason = "test key"
expires = "2026-01-15"

[trivy]
skip-dirs = ["data"]

[secret-scan]
entropy = 4.5
"#,
    )
    .unwrap();
    assert_eq!(config.fail_on, Some(FailOn::Severity(Severity::Critical)));
    assert_eq!(config.new_only, Some(true));
    assert_eq!(config.max_findings, Some(7));
    assert_eq!(config.baseline.as_deref(), Some(Path::new("/repo/ci/baseline.sarif")));
    assert_eq!(config.report.markdown_max_chars, Some(30000));
    assert_eq!(config.report.annotations_per_level, Some(5));
    assert_eq!(config.report.top_findings, Some(10));
    assert_eq!(config.report.html_title.as_deref(), Some("Titanic model"));

    let s = config.suppressions();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].rule.as_deref(), Some("bandit/B301"));
    assert_eq!(s[0].path.as_deref(), Some("notebooks/**"));
    assert_eq!(s[0].fingerprint, None);
    assert_eq!(s[0].reason, "pickles from our own training runs");
    assert_eq!(s[0].expires, Some(time::macros::date!(2026 - 06 - 30)));
    assert_eq!(s[0].line, Some(13));
    assert_eq!(s[1].expires, Some(time::macros::date!(2026 - 01 - 15)));
    assert_eq!(s[1].line, Some(19));

    let trivy = config.tool_table(ToolSection::Trivy).unwrap();
    assert!(trivy.contains_key("skip-dirs"));
    assert!(config.tool_table(ToolSection::Bandit).is_none());
}

#[test]
fn fail_on_none_in_file() {
    assert_eq!(parse("fail-on = \"none\"").unwrap().fail_on, Some(FailOn::None));
    assert_eq!(parse("fail-on = \"Low\"").unwrap().fail_on, Some(FailOn::Severity(Severity::Low)));
    let (pos, msg, _) = error(parse("\nfail-on = \"severe\"\n"));
    assert_eq!(pos, at(2, 11));
    assert!(msg.contains("invalid value for `fail-on`"), "{msg}");
    assert!(msg.contains("`severe`"), "{msg}");
}

#[test]
fn unknown_top_level_key_names_line_column_key_and_choices() {
    let (pos, msg, hint) = error(parse("fail-on = \"high\"\nnew-only = true\n\nfail_onn = 3\n"));
    assert_eq!(pos, at(4, 1));
    assert!(
        msg.starts_with("/repo/mlsec.toml:4:1: unknown key `fail_onn` in the top level; expected one of fail-on, new-only, max-findings, baseline, report, suppress, secret-scan"),
        "{msg}"
    );
    assert_eq!(hint.as_deref(), Some("did you mean `fail-on`?"));
}

#[test]
fn snake_case_key_gets_kebab_case_hint() {
    let (pos, msg, hint) = error(parse("  max_findings = 3\n"));
    assert_eq!(pos, at(1, 3));
    assert!(msg.contains("unknown key `max_findings`"), "{msg}");
    assert_eq!(hint.as_deref(), Some("mlsec.toml keys are kebab-case: did you mean `max-findings`?"));
}

#[test]
fn unknown_key_in_a_table() {
    let (pos, msg, hint) = error(parse("[report]\nhtml-title = \"x\"\ncolour = \"red\"\n"));
    assert_eq!(pos, at(3, 1));
    assert!(msg.contains("unknown key `colour` in [report]; expected one of markdown-max-chars, annotations-per-level, top-findings, html-title"), "{msg}");
    assert!(hint.unwrap().contains("docs/config.md"));
}

#[test]
fn unknown_key_in_suppress_entry() {
    let (pos, msg, _) = error(parse(
        "[[suppress]]\nrule = \"a\"\nreason = \"b\"\n\n[[suppress]]\nrule = \"c\"\nreason = \"d\"\nexpiry = 2026-01-01\n",
    ));
    assert_eq!(pos, at(8, 1));
    assert!(msg.contains("unknown key `expiry` in [[suppress]]"), "{msg}");
}

#[test]
fn type_errors_name_the_key() {
    let (pos, msg, _) = error(parse("fail-on = \"high\"\nmax-findings = \"ten\"\n"));
    assert_eq!(pos, at(2, 16));
    assert!(msg.contains("invalid value for `max-findings`"), "{msg}");
    assert!(msg.contains("expected a non-negative integer"), "{msg}");

    let (pos, msg, _) = error(parse("[report]\n\ntop-findings = -1\n"));
    assert_eq!(pos, at(3, 16));
    assert!(msg.contains("invalid value for `report.top-findings`"), "{msg}");

    let (pos, msg, _) = error(parse("new-only = \"yes\"\n"));
    assert_eq!(pos, at(1, 12));
    assert!(msg.contains("invalid value for `new-only`"), "{msg}");
    assert!(msg.contains("expected true or false"), "{msg}");

    let (_, msg, _) = error(parse("report = 3\n"));
    assert!(msg.contains("invalid value for `report`"), "{msg}");
    assert!(msg.contains("expected a table"), "{msg}");
}

#[test]
fn syntax_errors_have_a_position() {
    let (pos, msg, _) = error(parse("fail-on = \"high\"\nnew-only = \n"));
    assert_eq!(pos.map(|p| p.line), Some(2));
    assert!(msg.contains("invalid TOML"), "{msg}");
}

#[test]
fn annotations_per_level_is_capped_at_ten() {
    assert_eq!(parse("[report]\nannotations-per-level = 10").unwrap().report.annotations_per_level, Some(10));
    assert_eq!(parse("[report]\nannotations-per-level = 0").unwrap().report.annotations_per_level, Some(0));
    let (pos, msg, hint) = error(parse("[report]\nannotations-per-level = 11\n"));
    assert_eq!(pos, at(2, 25));
    assert!(msg.contains("`report.annotations-per-level`: 11 is more than 10"), "{msg}");
    assert!(hint.unwrap().contains("0 to 10"));
}

#[test]
fn markdown_max_chars_must_be_positive() {
    let (pos, msg, _) = error(parse("[report]\nmarkdown-max-chars = 0\n"));
    assert_eq!(pos, at(2, 22));
    assert!(msg.contains("`report.markdown-max-chars`"), "{msg}");
}

#[test]
fn bad_dates() {
    for (value, column) in [("\"2026-13-01\"", 11), ("\"30/06/2026\"", 11), ("2026-06-30T10:00:00", 11), ("3", 11)] {
        let text = format!("[[suppress]]\nrule = \"r\"\nreason = \"why\"\nexpires = {value}\n");
        let (pos, msg, hint) = error(parse(&text));
        assert_eq!(pos, at(4, column), "{value}");
        assert!(msg.contains("invalid value for `expires`"), "{value}: {msg}");
        assert!(hint.unwrap().contains("YYYY-MM-DD"), "{value}");
    }
    // February 29th only in leap years.
    let ok = "[[suppress]]\nrule = \"r\"\nreason = \"why\"\nexpires = 2028-02-29\n";
    assert!(parse(ok).is_ok());
    assert!(parse(&ok.replace("2028", "2027")).is_err());
}

#[test]
fn suppress_entry_needs_a_criterion() {
    let (pos, msg, hint) = error(parse(
        "fail-on = \"high\"\n\n[[suppress]]\nrule = \"x\"\nreason = \"ok\"\n\n[[suppress]]\nreason = \"everything\"\n",
    ));
    assert_eq!(pos, at(7, 1));
    assert!(msg.contains("[[suppress]] entry needs `rule`, `fingerprint` or `path`"), "{msg}");
    assert!(hint.unwrap().contains("every finding"));

    // Inline form: the position is the entry's table.
    let (pos, _, _) = error(parse("suppress = [\n  { rule = \"a\", reason = \"b\" },\n  { reason = \"c\" },\n]\n"));
    assert_eq!(pos, at(3, 3));
}

#[test]
fn suppress_entry_needs_a_reason() {
    let (pos, msg, _) = error(parse("[[suppress]]\nrule = \"x\"\n"));
    assert_eq!(pos, at(1, 1));
    assert!(msg.contains("missing key `reason` in [[suppress]]"), "{msg}");

    let (pos, msg, _) = error(parse("[[suppress]]\nrule = \"x\"\nreason = \" \"\n"));
    assert_eq!(pos, at(3, 10));
    assert!(msg.contains("`reason` of a [[suppress]] entry is empty"), "{msg}");
}

#[test]
fn suppress_path_must_be_a_glob() {
    let (pos, msg, _) = error(parse("[[suppress]]\nrule = \"r\"\npath = \"src/[a\"\nreason = \"why\"\n"));
    assert_eq!(pos, at(3, 8));
    assert!(msg.contains("invalid value for `path` in a [[suppress]] entry: `src/[a` is not a valid glob"), "{msg}");
    let ok = parse("[[suppress]]\npath = \"tests/**/*.py\"\nreason = \"fixtures\"\n").unwrap();
    assert_eq!(ok.suppressions()[0].path.as_deref(), Some("tests/**/*.py"));
}

#[test]
fn expiry_is_exclusive() {
    let entry = parse("[[suppress]]\nrule = \"r\"\nreason = \"why\"\nexpires = 2026-06-30\n").unwrap().suppressions()
        [0]
    .clone();
    assert!(!entry.is_expired(time::macros::date!(2026 - 06 - 29)));
    assert!(entry.is_expired(time::macros::date!(2026 - 06 - 30)));
    assert!(entry.is_expired(time::macros::date!(2027 - 01 - 01)));
    let forever = parse("[[suppress]]\nrule = \"r\"\nreason = \"why\"\n").unwrap().suppressions()[0].clone();
    assert!(!forever.is_expired(time::macros::date!(9999 - 12 - 31)));
}

#[test]
fn pyproject_reads_tool_mlsec_with_lines_of_the_pyproject() {
    let text = "[project]\nname = \"titanic\"\n\n[tool.ruff]\nline-length = 100\n\n[tool.mlsec]\nfail-on = \"low\"\n\n[tool.mlsec.report]\ntop-findings = 3\n\n[[tool.mlsec.suppress]]\nrule = \"r\"\nreason = \"why\"\n";
    let config = parse_py(text).unwrap();
    assert_eq!(config.fail_on, Some(FailOn::Severity(Severity::Low)));
    assert_eq!(config.report.top_findings, Some(3));
    assert_eq!(config.suppressions()[0].line, Some(13));
    assert_eq!(config.file.as_ref().map(|f| f.format), Some(ConfigFormat::PyProject));

    let (pos, msg, _) = error(parse_py(&text.replace("top-findings = 3", "top-findings = 3\nbogus = 1")));
    assert_eq!(pos, at(12, 1));
    assert!(msg.contains("unknown key `bogus` in [tool.mlsec.report]"), "{msg}");

    let (pos, msg, _) = error(parse_py(&text.replace("fail-on = \"low\"", "fail-on = \"low\"\nfail_on = 1")));
    assert_eq!(pos, at(9, 1));
    assert!(msg.contains("unknown key `fail_on` in [tool.mlsec]"), "{msg}");

    let (pos, msg, _) = error(parse_py(&text.replace("rule = \"r\"\n", "")));
    assert_eq!(pos, at(13, 1));
    assert!(msg.contains("[[tool.mlsec.suppress]] entry needs"), "{msg}");

    let (pos, msg, _) = error(parse_py(&text.replace("top-findings = 3", "top-findings = \"3\"")));
    assert_eq!(pos, at(11, 16));
    assert!(msg.contains("invalid value for `tool.mlsec.report.top-findings`"), "{msg}");
}

#[test]
fn pyproject_without_tool_mlsec() {
    let err = parse_py("[project]\nname = \"x\"\n[tool.black]\nline-length = 88\n").unwrap_err();
    assert!(matches!(err, ConfigError::NoMlsecTable { .. }), "{err}");
    assert!(err.to_string().ends_with("pyproject.toml has no [tool.mlsec] table"), "{err}");
    assert!(err.hint().unwrap().contains("[tool.mlsec]"));
    // Other tools' tables are not validated.
    assert!(parse_py("[tool.mlsec]\n[tool.other]\nanything = { goes = 1 }\n").is_ok());
}

#[test]
fn tool_sections_deserialize_with_lines() {
    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    struct TrivyConfig {
        skip_dirs: Vec<String>,
        timeout_secs: Option<u64>,
    }
    let config = parse("fail-on = \"high\"\n\n[trivy]\nskip-dirs = [\"data\"]\ntimeout-secs = 30\n").unwrap();
    let trivy: Option<TrivyConfig> = config.tool_section(ToolSection::Trivy).unwrap();
    assert_eq!(trivy, Some(TrivyConfig { skip_dirs: vec!["data".into()], timeout_secs: Some(30) }));
    assert_eq!(config.tool_section::<TrivyConfig>(ToolSection::Bandit).unwrap(), None);

    let config = parse("[trivy]\nskip-dirs = [\"data\"]\ntimout-secs = 30\n").unwrap();
    let err = config.tool_section::<TrivyConfig>(ToolSection::Trivy).unwrap_err();
    assert_eq!(err.location().and_then(|l| l.position), at(3, 1));
    assert!(err.to_string().contains("unknown key `timout-secs` in [trivy]"), "{err}");
    assert_eq!(err.hint().as_deref(), Some("did you mean `timeout-secs`?"));

    let config = parse_py("[project]\nname = \"x\"\n[tool.mlsec.trivy]\nskip-dirs = 3\n").unwrap();
    let err = config.tool_section::<TrivyConfig>(ToolSection::Trivy).unwrap_err();
    assert_eq!(err.location().and_then(|l| l.position), at(4, 13));
    assert!(err.to_string().contains("invalid value for `tool.mlsec.trivy.skip-dirs`"), "{err}");

    // A config built in code has no lines but still deserializes.
    let mut built = Config::default();
    built.tools.insert(ToolSection::Trivy, toml::from_str("skip-dirs = []").unwrap());
    assert!(built.tool_section::<TrivyConfig>(ToolSection::Trivy).unwrap().is_some());
}

#[test]
fn every_tool_section_is_reserved() {
    let mut text = String::new();
    for section in ToolSection::ALL {
        text.push_str(&format!("[{section}]\nsome-key = 1\n"));
    }
    let config = parse(&text).unwrap();
    for section in ToolSection::ALL {
        assert!(config.tool_table(section).is_some(), "{section}");
    }
}

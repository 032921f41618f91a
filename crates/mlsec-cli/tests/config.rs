//! Config discovery and loading against real files.
#![allow(clippy::unwrap_used)] // a panic is how a test fails

use std::fs;
use std::path::{Path, PathBuf};

use clap::{CommandFactory, FromArgMatches, Parser};
use mlsec_cli::exit::render_error;
use mlsec_cli::{Config, ConfigError, ConfigFormat, FailOn, GateArgs, GateSettings, GlobalArgs, Severity, Source};

/// A temporary tree with a `.git` at its root, so that discovery never looks above it.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join(".git")).unwrap();
        Tree { dir }
    }

    /// The canonical root (discovery canonicalizes, e.g. macOS's /var -> /private/var).
    fn root(&self) -> PathBuf {
        self.dir.path().canonicalize().unwrap()
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }

    fn mkdir(&self, relative: &str) -> PathBuf {
        let path = self.path(relative);
        fs::create_dir_all(&path).unwrap();
        path
    }

    /// The file discovered from `relative`, if any.
    fn discover(&self, relative: &str) -> Option<(PathBuf, ConfigFormat)> {
        Config::discover(&self.path(relative)).unwrap().map(|c| c.file.map(|f| (f.path, f.format)).unwrap())
    }
}

const PYPROJECT_WITH: &str = "[project]\nname = \"titanic\"\n\n[tool.mlsec]\nfail-on = \"low\"\n";
const PYPROJECT_WITHOUT: &str = "[project]\nname = \"titanic\"\n\n[tool.ruff]\nline-length = 100\n";

#[test]
fn discovery_order_within_a_directory() {
    let tree = Tree::new();
    tree.write("pyproject.toml", PYPROJECT_WITH);
    tree.write(".mlsec.toml", "fail-on = \"medium\"\n");
    tree.write("mlsec.toml", "fail-on = \"critical\"\n");
    assert_eq!(tree.discover(""), Some((tree.path("mlsec.toml"), ConfigFormat::Mlsec)));

    fs::remove_file(tree.path("mlsec.toml")).unwrap();
    assert_eq!(tree.discover(""), Some((tree.path(".mlsec.toml"), ConfigFormat::Mlsec)));

    fs::remove_file(tree.path(".mlsec.toml")).unwrap();
    assert_eq!(tree.discover(""), Some((tree.path("pyproject.toml"), ConfigFormat::PyProject)));
    let config = Config::load(None, &tree.root()).unwrap();
    assert_eq!(config.fail_on, Some(FailOn::Severity(Severity::Low)));
}

#[test]
fn walks_up_and_nearest_wins() {
    let tree = Tree::new();
    tree.write("mlsec.toml", "fail-on = \"critical\"\n");
    tree.mkdir("a/b/c");
    assert_eq!(tree.discover("a/b/c"), Some((tree.path("mlsec.toml"), ConfigFormat::Mlsec)));

    tree.write("a/.mlsec.toml", "fail-on = \"low\"\n");
    assert_eq!(tree.discover("a/b/c"), Some((tree.path("a/.mlsec.toml"), ConfigFormat::Mlsec)));
    assert_eq!(tree.discover("a"), Some((tree.path("a/.mlsec.toml"), ConfigFormat::Mlsec)));
    // Not downwards.
    assert_eq!(tree.discover(""), Some((tree.path("mlsec.toml"), ConfigFormat::Mlsec)));
}

#[test]
fn starts_from_the_directory_of_a_file_target_and_from_missing_targets() {
    let tree = Tree::new();
    tree.write("mlsec.toml", "");
    let model = tree.write("models/model.pkl", "not a pickle");
    assert_eq!(Config::discover(&model).unwrap().and_then(|c| c.file).map(|f| f.path), Some(tree.path("mlsec.toml")));
    assert_eq!(tree.discover("does/not/exist"), Some((tree.path("mlsec.toml"), ConfigFormat::Mlsec)));
}

#[test]
fn pyproject_without_tool_mlsec_is_skipped() {
    let tree = Tree::new();
    tree.write("mlsec.toml", "fail-on = \"critical\"\n");
    tree.write("svc/pyproject.toml", PYPROJECT_WITHOUT);
    assert_eq!(tree.discover("svc"), Some((tree.path("mlsec.toml"), ConfigFormat::Mlsec)));

    // ... even when it mentions mlsec elsewhere.
    tree.write("svc/pyproject.toml", "[project]\nname = \"svc\"\ndependencies = [\"mlsec-helpers\"]\n");
    assert_eq!(tree.discover("svc"), Some((tree.path("mlsec.toml"), ConfigFormat::Mlsec)));

    // One that does not mention mlsec is not even parsed: its syntax errors are not ours.
    tree.write("svc/pyproject.toml", "[project\nname = ");
    assert_eq!(tree.discover("svc"), Some((tree.path("mlsec.toml"), ConfigFormat::Mlsec)));

    // With [tool.mlsec] it is the nearest config.
    tree.write("svc/pyproject.toml", PYPROJECT_WITH);
    assert_eq!(tree.discover("svc"), Some((tree.path("svc/pyproject.toml"), ConfigFormat::PyProject)));
}

#[test]
fn stops_at_the_git_root_after_looking_in_it() {
    let tree = Tree::new();
    // A config above the repository root must not be found.
    tree.write("mlsec.toml", "fail-on = \"critical\"\n");
    tree.mkdir("repo/.git");
    tree.mkdir("repo/src/pkg");
    assert_eq!(tree.discover("repo/src/pkg"), None);
    let defaults = Config::load(None, &tree.path("repo/src/pkg")).unwrap();
    assert_eq!(defaults, Config::default());

    // The repository root itself is searched.
    tree.write("repo/.mlsec.toml", "");
    assert_eq!(tree.discover("repo/src/pkg"), Some((tree.path("repo/.mlsec.toml"), ConfigFormat::Mlsec)));

    // `.git` may be a file (worktrees, submodules).
    tree.mkdir("sub/inner");
    tree.write("sub/.git", "gitdir: ../.git/modules/sub\n");
    assert_eq!(tree.discover("sub/inner"), None);
}

#[test]
fn explicit_config_overrides_discovery() {
    let tree = Tree::new();
    tree.write("mlsec.toml", "fail-on = \"critical\"\n");
    let other = tree.write("ci/strict.toml", "fail-on = \"info\"\nbaseline = \"base.sarif\"\n");
    let config = Config::load(Some(&other), &tree.root()).unwrap();
    assert_eq!(config.fail_on, Some(FailOn::Severity(Severity::Info)));
    assert_eq!(config.file.as_ref().map(|f| f.path.clone()), Some(other));
    // Relative paths in a config file are relative to the file's directory.
    assert_eq!(config.baseline, Some(tree.path("ci/base.sarif")));
}

#[test]
fn explicit_config_that_does_not_exist_is_an_error() {
    let tree = Tree::new();
    tree.write("mlsec.toml", "");
    let missing = tree.path("nope.toml");
    let err = Config::load(Some(&missing), &tree.root()).unwrap_err();
    assert!(matches!(err, ConfigError::NotFound { .. }), "{err:?}");
    let rendered = render_error(&anyhow::Error::new(err));
    assert!(rendered.starts_with("error: config file "), "{rendered}");
    assert!(rendered.contains("nope.toml does not exist\n"), "{rendered}");
    assert!(rendered.contains("\nhint: check the path given with --config or MLSEC_CONFIG"), "{rendered}");
}

#[test]
fn explicit_pyproject_must_have_tool_mlsec() {
    let tree = Tree::new();
    let py = tree.write("pyproject.toml", PYPROJECT_WITHOUT);
    let err = Config::load(Some(&py), &tree.root()).unwrap_err();
    assert!(matches!(err, ConfigError::NoMlsecTable { .. }), "{err:?}");

    tree.write("pyproject.toml", PYPROJECT_WITH);
    assert_eq!(Config::load(Some(&py), &tree.root()).unwrap().fail_on, Some(FailOn::Severity(Severity::Low)));
}

#[test]
fn unreadable_config_is_an_error_with_its_cause() {
    let tree = Tree::new();
    tree.mkdir("mlsec.toml.d");
    let not_utf8 = tree.path("bad.toml");
    fs::write(&not_utf8, b"fail-on = \"\xff\"\n").unwrap();
    let err = Config::load(Some(&not_utf8), &tree.root()).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
    let rendered = render_error(&anyhow::Error::new(err));
    assert!(rendered.contains("cannot read config file"), "{rendered}");
    assert!(rendered.contains("\n  caused by: "), "{rendered}");
}

#[test]
fn unknown_key_error_names_file_line_column_and_key() {
    let tree = Tree::new();
    let path = tree.write(
        "mlsec.toml",
        "# mlsec settings\nfail-on = \"high\"\n\n[report]\ntop-findings = 5\n  html_title = \"x\"\n",
    );
    let err = Config::discover(&tree.path("")).unwrap_err();
    let rendered = render_error(&anyhow::Error::new(err));
    let expected = format!(
        "error: {}:6:3: unknown key `html_title` in [report]; expected one of markdown-max-chars, annotations-per-level, top-findings, html-title\nhint: mlsec.toml keys are kebab-case: did you mean `html-title`?\n",
        path.display()
    );
    assert_eq!(rendered, expected);
}

#[test]
fn errors_in_a_discovered_pyproject_point_into_the_pyproject() {
    let tree = Tree::new();
    let path = tree.write(
        "pyproject.toml",
        "[project]\nname = \"titanic\"\nversion = \"0.1.0\"\n\n[tool.mlsec]\nnew-only = \"sometimes\"\n",
    );
    let err = Config::discover(&tree.root()).unwrap_err();
    let location = err.location().unwrap();
    assert_eq!(location.path, path);
    let position = location.position.unwrap();
    assert_eq!((position.line, position.column), (6, 12));
    assert!(err.to_string().contains("invalid value for `tool.mlsec.new-only`"), "{err}");
}

#[test]
fn bad_type_bad_date_and_missing_criterion_through_a_file() {
    let tree = Tree::new();
    tree.write("mlsec.toml", "max-findings = \"many\"\n");
    let err = Config::discover(&tree.root()).unwrap_err().to_string();
    assert!(err.contains("mlsec.toml:1:16: invalid value for `max-findings`"), "{err}");

    tree.write("mlsec.toml", "[[suppress]]\nrule = \"B301\"\nreason = \"ok\"\nexpires = \"2026-02-30\"\n");
    let err = Config::discover(&tree.root()).unwrap_err().to_string();
    assert!(err.contains("mlsec.toml:4:11: invalid value for `expires`"), "{err}");
    assert!(err.contains("\"2026-02-30\" is not a date"), "{err}");

    tree.write("mlsec.toml", "\n[[suppress]]\nreason = \"ok\"\n");
    let err = Config::discover(&tree.root()).unwrap_err().to_string();
    assert!(err.contains("mlsec.toml:2:1: [[suppress]] entry needs `rule`, `fingerprint` or `path`"), "{err}");
}

/// Precedence through a real parse: flag > file > default (the environment layer is tested in
/// `tests/env.rs`).
#[test]
fn precedence_cli_over_file_over_default() {
    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        global: GlobalArgs,
        #[command(flatten)]
        gate: GateArgs,
    }
    // Environment fallbacks are removed so that the caller's MLSEC_* variables cannot interfere.
    let parse = |args: &[&str]| {
        let matches =
            Cli::command().mut_args(|a| a.env(clap::builder::Resettable::Reset)).try_get_matches_from(args).unwrap();
        (Cli::from_arg_matches(&matches).unwrap(), matches)
    };

    let tree = Tree::new();
    tree.write("mlsec.toml", "fail-on = \"medium\"\nnew-only = true\nbaseline = \"b.sarif\"\n");
    let config = Config::load(None, &tree.root()).unwrap();

    let (cli, matches) = parse(&["tool", "--fail-on", "critical"]);
    let gate = GateSettings::resolve_with_matches(&cli.gate, &matches, &config);
    assert_eq!(gate.fail_on, FailOn::Severity(Severity::Critical));
    assert_eq!(gate.sources.fail_on, Source::Cli);
    assert!(gate.new_only);
    assert_eq!(gate.sources.new_only, Source::File);
    assert_eq!(gate.baseline, Some(tree.path("b.sarif")));
    assert_eq!(gate.max_findings, None);
    assert_eq!(gate.sources.max_findings, Source::Default);

    let (cli, matches) = parse(&["tool"]);
    let gate = GateSettings::resolve_with_matches(&cli.gate, &matches, &config);
    assert_eq!(gate.fail_on, FailOn::Severity(Severity::Medium));
    assert_eq!(gate.sources.fail_on, Source::File);

    let gate = GateSettings::resolve_with_matches(&cli.gate, &matches, &Config::default());
    assert_eq!(gate.fail_on, FailOn::Severity(Severity::High));
    assert_eq!(gate.sources.fail_on, Source::Default);
    assert_eq!(gate.baseline, None);

    // --config from the command line picks the file.
    let other = tree.write("other.toml", "fail-on = \"none\"\n");
    let other_arg = other.to_str().unwrap().to_owned();
    let (cli, matches) = parse(&["tool", "--config", &other_arg]);
    let config = Config::load(cli.global.config.as_deref(), Path::new(&tree.root())).unwrap();
    let gate = GateSettings::resolve_with_matches(&cli.gate, &matches, &config);
    assert_eq!(gate.fail_on, FailOn::None);
    assert!(gate.is_report_only());
}

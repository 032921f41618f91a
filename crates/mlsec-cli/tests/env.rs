//! The `MLSEC_*` environment layer, through real environment variables.
//!
//! Setting variables inside a multi-threaded test process races with other tests (and needs
//! `unsafe`, which the workspace forbids), so each scenario re-runs this test binary as a child
//! process with the variables set, running only the ignored [`child`] test.
#![allow(clippy::unwrap_used)] // a panic is how a test fails

use std::process::Command;

use clap::Parser;
use mlsec_cli::{Config, ConfigFile, FailOn, GateArgs, GateSettings, GlobalArgs, Severity, Source};

const SCENARIO: &str = "MLSEC_CLI_TEST_SCENARIO";

#[derive(Debug, Parser)]
#[command(name = "tool")]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(flatten)]
    gate: GateArgs,
}

/// The config file every scenario resolves against.
fn file() -> Config {
    Config::from_toml("fail-on = \"low\"\nnew-only = true\nmax-findings = 2\n", ConfigFile::new("/repo/mlsec.toml"))
        .unwrap()
}

fn resolve(args: &[&str]) -> GateSettings {
    let (cli, matches) = mlsec_cli::args::try_parse_from::<Cli, _, _>(args).unwrap();
    GateSettings::resolve_with_matches(&cli.gate, &matches, &file())
}

/// Runs `scenario` in a child process with `vars` set (and every inherited `MLSEC_*` removed).
fn run_child(scenario: &str, vars: &[(&str, &str)]) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["child", "--exact", "--include-ignored", "--test-threads=1", "--nocapture"]);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MLSEC_") {
            cmd.env_remove(name);
        }
    }
    cmd.env(SCENARIO, scenario);
    for (name, value) in vars {
        cmd.env(name, value);
    }
    let output = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "scenario {scenario} failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "scenario {scenario} did not run:\n{stdout}");
}

#[test]
#[ignore = "runs in a child process started by the other tests of this file"]
fn child() {
    let Ok(scenario) = std::env::var(SCENARIO) else {
        return;
    };
    match scenario.as_str() {
        "env_over_file" => {
            let gate = resolve(&["tool"]);
            assert_eq!(gate.fail_on, FailOn::Severity(Severity::Critical));
            assert_eq!(gate.sources.fail_on, Source::Env);
            assert!(!gate.new_only, "MLSEC_NEW_ONLY=false overrides new-only = true");
            assert_eq!(gate.sources.new_only, Source::Env);
            assert_eq!(gate.max_findings, Some(5));
            assert_eq!(gate.sources.max_findings, Source::Env);
            assert!(gate.exit_zero);
            assert_eq!(gate.sources.exit_zero, Source::Env);
            assert_eq!(gate.baseline.as_deref(), Some(std::path::Path::new("env.sarif")));
            assert_eq!(gate.sources.baseline, Source::Env);
        }
        "cli_over_env" => {
            let gate = resolve(&["tool", "--fail-on", "medium", "--new-only", "--exit-zero=false"]);
            assert_eq!(gate.fail_on, FailOn::Severity(Severity::Medium));
            assert_eq!(gate.sources.fail_on, Source::Cli);
            assert!(gate.new_only);
            assert_eq!(gate.sources.new_only, Source::Cli);
            assert!(!gate.exit_zero);
            assert_eq!(gate.sources.exit_zero, Source::Cli);
            // Not given on the command line: the environment still applies.
            assert_eq!(gate.max_findings, Some(5));
            assert_eq!(gate.sources.max_findings, Source::Env);
        }
        "empty_env_is_unset" => {
            let gate = resolve(&["tool"]);
            assert_eq!(gate.fail_on, FailOn::Severity(Severity::Low));
            assert_eq!(gate.sources.fail_on, Source::File);
            assert!(gate.new_only);
            assert_eq!(gate.max_findings, Some(2));
            assert!(!gate.exit_zero);
            assert_eq!(gate.sources.exit_zero, Source::Default);
            assert_eq!(gate.baseline, None);
            let (cli, _) = mlsec_cli::args::try_parse_from::<Cli, _, _>(["tool"]).unwrap();
            assert_eq!(cli.global.config, None);
        }
        "invalid_env_is_a_usage_error" => {
            let err = mlsec_cli::args::try_parse_from::<Cli, _, _>(["tool"]).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
            assert_eq!(err.exit_code(), 2);
        }
        "config_from_env" => {
            let (cli, _) = mlsec_cli::args::try_parse_from::<Cli, _, _>(["tool"]).unwrap();
            assert_eq!(cli.global.config.as_deref(), Some(std::path::Path::new("ci/mlsec.toml")));
            let gate = resolve(&["tool"]);
            // `none` from the environment turns the file's threshold off.
            assert_eq!(gate.fail_on, FailOn::None);
            assert_eq!(gate.sources.fail_on, Source::Env);
        }
        other => panic!("unknown scenario {other}"),
    }
}

#[test]
fn env_overrides_the_file() {
    run_child(
        "env_over_file",
        &[
            ("MLSEC_FAIL_ON", "CRITICAL"),
            ("MLSEC_NEW_ONLY", "false"),
            ("MLSEC_MAX_FINDINGS", "5"),
            ("MLSEC_EXIT_ZERO", "1"),
            ("MLSEC_BASELINE", "env.sarif"),
        ],
    );
}

#[test]
fn cli_overrides_env() {
    run_child(
        "cli_over_env",
        &[
            ("MLSEC_FAIL_ON", "critical"),
            ("MLSEC_NEW_ONLY", "false"),
            ("MLSEC_EXIT_ZERO", "true"),
            ("MLSEC_MAX_FINDINGS", "5"),
        ],
    );
}

#[test]
fn empty_env_counts_as_unset() {
    run_child(
        "empty_env_is_unset",
        &[
            ("MLSEC_FAIL_ON", ""),
            ("MLSEC_NEW_ONLY", ""),
            ("MLSEC_MAX_FINDINGS", ""),
            ("MLSEC_EXIT_ZERO", ""),
            ("MLSEC_BASELINE", ""),
            ("MLSEC_CONFIG", ""),
        ],
    );
}

#[test]
fn invalid_env_value_is_a_usage_error() {
    run_child("invalid_env_is_a_usage_error", &[("MLSEC_FAIL_ON", "severe")]);
}

#[test]
fn config_and_fail_on_none_from_env() {
    run_child("config_from_env", &[("MLSEC_CONFIG", "ci/mlsec.toml"), ("MLSEC_FAIL_ON", "none")]);
}

/// The child harness itself must be able to fail: a scenario whose assertions do not hold makes
/// the child exit non-zero.
#[test]
#[should_panic(expected = "scenario env_over_file failed")]
fn a_failing_scenario_fails_the_parent() {
    run_child("env_over_file", &[("MLSEC_FAIL_ON", "info")]);
}

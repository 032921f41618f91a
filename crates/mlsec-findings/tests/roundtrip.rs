//! The SARIF profile is a lossless encoding of the model: `read(write(x)) == x` for any findings
//! file the model can hold (property-tested), and foreign SARIF imports gracefully.

use std::collections::BTreeMap;
use std::path::Path;

use mlsec_findings::model::{
    BaselineState, Category, Engine, Finding, FindingsFile, Invocation, Location, LogicalLocation, Measurement,
    Package, Rule, Run, Suppression, SuppressionKind, SuppressionStatus, Tool, Vulnerability,
};
use mlsec_findings::{Confidence, Severity, fingerprint, sarif};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

// Text that redaction leaves alone (no `=`/`:`, no long or digit-bearing tokens), so that the
// round trip tests the encoding, not the masking (tested on its own in `redact`).
fn words() -> impl Strategy<Value = String> {
    "[a-z]{1,7}( [a-z]{1,7}){0,5}"
}

fn severity() -> impl Strategy<Value = Severity> {
    prop::sample::select(Severity::ALL_DESC.to_vec())
}

fn category() -> impl Strategy<Value = Category> {
    prop::sample::select(Category::ALL.to_vec())
}

fn confidence() -> impl Strategy<Value = Confidence> {
    prop::sample::select(vec![Confidence::High, Confidence::Medium, Confidence::Low, Confidence::Unknown])
}

fn date() -> impl Strategy<Value = time::Date> {
    (2000i32..2100, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| {
        time::Date::from_calendar_date(y, time::Month::try_from(m).expect("month"), d).expect("date")
    })
}

fn location() -> impl Strategy<Value = Location> {
    let file = (
        "[a-z]{1,8}(/[a-z_]{1,8}){0,3}\\.(py|ipynb|toml)",
        option::of(1u32..100_000),
        option::of(1u32..500),
        option::of(1u32..100_000),
        option::of(1u32..500),
        option::of(words()),
        option::of(0u64..1 << 40),
    )
        .prop_map(|(p, sl, sc, el, ec, snip, bo)| {
            let mut l = Location::file(p, sl);
            l.start_column = sc;
            l.end_line = el;
            l.end_column = ec;
            l.snippet = snip;
            l.byte_offset = bo;
            l
        });
    let artifact = ("[a-z]{3,8}", "[a-z]{1,8}").prop_map(|(name, kind)| {
        let mut l = Location::artifact(format!("pkg:pypi/{name}@1.0.0"), &kind);
        l.logical.push(LogicalLocation { name: format!("{name}-extra"), kind: None });
        l
    });
    prop_oneof![3 => file, 1 => artifact]
}

fn suppression() -> impl Strategy<Value = Suppression> {
    (
        prop::bool::ANY,
        prop::sample::select(vec![
            SuppressionStatus::Accepted,
            SuppressionStatus::UnderReview,
            SuppressionStatus::Rejected,
        ]),
        option::of(words()),
        option::of(date()),
        option::of("[a-z.]{1,12}"),
    )
        .prop_map(|(in_source, status, justification, expires, source)| Suppression {
            kind: if in_source { SuppressionKind::InSource } else { SuppressionKind::External },
            status,
            justification,
            expires,
            source,
        })
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        any::<i64>().prop_map(serde_json::Value::from),
        any::<bool>().prop_map(serde_json::Value::from),
        words().prop_map(serde_json::Value::from),
        vec(words(), 0..3).prop_map(serde_json::Value::from),
    ]
}

fn finding(rule_ids: Vec<String>) -> impl Strategy<Value = Finding> {
    let ids = prop::sample::select(rule_ids);
    (
        (ids, category(), severity(), confidence(), option::of(0.0f64..=10.0), words()),
        (vec(location(), 0..3), option::of(("[a-z]{2,8}", option::of("[0-9.]{1,6}"), option::of("[0-9.]{1,6}")))),
        (
            option::of(("CVE-20[0-9]{2}-[0-9]{4,5}", vec("CWE-[0-9]{2,3}", 0..3))),
            option::of(("[a-z_]{3,20}", option::of(-1.0f64..2.0))),
        ),
        (
            prop::sample::select(vec![
                fingerprint::CODE_V1,
                fingerprint::SECRET_V1,
                fingerprint::VULN_V1,
                fingerprint::MODEL_V1,
            ]),
            "[0-9a-f]{32}",
        ),
        (
            vec(suppression(), 0..3),
            option::of(prop::sample::select(vec![
                BaselineState::New,
                BaselineState::Unchanged,
                BaselineState::Updated,
                BaselineState::Absent,
            ])),
        ),
        (
            vec("[a-z-]{2,10}", 0..3),
            vec("[a-z0-9-]{1,10}", 0..3),
            prop::collection::btree_map("x-[a-z]{1,6}", json_value(), 0..3),
        ),
    )
        .prop_map(
            |(
                (rule_id, cat, sev, conf, cvss, msg),
                (locations, pkg),
                (vul, meas),
                (fk, fv),
                (suppressions, baseline_state),
                (reported_by, tags, properties),
            )| {
                let mut f = Finding::new(rule_id, cat, sev, msg);
                f.confidence = conf;
                f.cvss_score = cvss;
                f.locations = locations;
                f.package = pkg.map(|(name, version, fixed)| Package {
                    purl: Some(format!("pkg:pypi/{name}")),
                    name,
                    version,
                    ecosystem: Some("pypi".into()),
                    fixed_version: fixed,
                    manifest: Some("requirements.txt".into()),
                });
                f.vulnerability = vul.map(|(id, cwes)| Vulnerability { id, cwes, ..Default::default() });
                f.measurement = meas.map(|(metric, value)| Measurement {
                    metric,
                    value,
                    max: Some(0.1),
                    grouping: Some("sex".into()),
                    groups: vec!["a".into(), "b".into()],
                    ..Default::default()
                });
                f.fingerprints = BTreeMap::from([(fk.to_owned(), fv)]);
                f.suppressions = suppressions;
                f.baseline_state = baseline_state;
                f.reported_by = reported_by;
                f.tags = tags;
                f.properties = properties;
                f
            },
        )
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        "[A-Za-z][A-Za-z0-9-]{0,12}",
        category(),
        words(),
        option::of(words()),
        option::of(words()),
        option::of(words()),
        option::of(severity()),
        vec("[a-z]{2,5}-[0-9]{1,3}", 0..3),
    )
        .prop_map(|(id, category, short, name, full, help, default_severity, tags)| {
            let mut r = Rule::new(id, category, short);
            r.name = name;
            r.full_description = full;
            r.help_uri = r.name.as_ref().map(|n| format!("https://example.org/{}", n.replace(' ', "-")));
            r.help_markdown = help;
            r.default_severity = default_severity;
            r.tags = tags;
            r
        })
}

fn run() -> impl Strategy<Value = Run> {
    (
        vec(rule(), 1..4),
        "[a-z-]{2,12}",
        option::of("file:///[a-z]{1,8}/"),
        prop::bool::ANY,
        vec(words(), 0..2),
        vec(words(), 0..2),
        option::of(-3i32..3),
    )
        .prop_flat_map(|(rules, tool, srcroot, ok, errors, warnings, exit)| {
            let mut rules = rules;
            let mut seen = std::collections::HashSet::new();
            rules.retain(|r| seen.insert(r.id.clone()));
            let ids: Vec<String> = rules.iter().map(|r| r.id.clone()).collect();
            (vec(finding(ids), 0..6)).prop_map(move |findings| Run {
                tool: Tool { name: format!("mlsec-{tool}"), version: Some("1.2.3".into()), information_uri: None },
                engines: vec![Engine {
                    name: "bandit".into(),
                    version: Some("1.8.6".into()),
                    properties: BTreeMap::from([("db-updated-at".into(), "2026-12-01".into())]),
                }],
                automation_id: format!("mlsec/{tool}/./"),
                invocation: Invocation {
                    successful: ok,
                    exit_code: exit,
                    errors: errors.clone(),
                    warnings: warnings.clone(),
                },
                srcroot: srcroot.clone(),
                rules: rules.clone(),
                findings,
                mlsec_profile: true,
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn write_then_read_is_identity(runs in vec(run(), 0..4)) {
        let file = FindingsFile { runs };
        let json = sarif::to_json(&file);
        let back = sarif::from_slice(json.as_bytes(), Path::new("rt.sarif")).expect("read back");
        prop_assert_eq!(&back, &file);
        // And the profile validator accepts the second write byte for byte like the first.
        prop_assert_eq!(sarif::to_json(&back), json);
    }
}

/// What `to_json` writes (streamed from the model) is what serializing the `serde_sarif` tree of
/// `to_sarif` writes, byte for byte.
fn assert_stream_matches_tree(file: &FindingsFile) {
    let tree = serde_json::to_string_pretty(&sarif::to_sarif(file)).expect("tree");
    let streamed = sarif::to_json(file);
    if streamed != tree {
        let at = streamed.bytes().zip(tree.bytes()).position(|(a, b)| a != b).unwrap_or(0);
        let from = at.saturating_sub(200);
        panic!(
            "streamed SARIF differs from to_sarif at byte {at}:\nstreamed: {}\ntree:     {}",
            &streamed[from..(at + 200).min(streamed.len())],
            &tree[from..(at + 200).min(tree.len())]
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Beyond what round-trips: undeclared and duplicated rules, properties that the profile's own
    /// keys override, secrets to redact, engines without properties, a tool link, odd scores.
    #[test]
    fn streamed_writer_matches_the_serde_sarif_tree(runs in vec(run(), 0..4), knobs in vec(any::<u8>(), 8)) {
        let mut file = FindingsFile { runs };
        for (i, run) in file.runs.iter_mut().enumerate() {
            let k = knobs[i % knobs.len()];
            if k & 1 != 0 && let Some(f) = run.findings.first_mut() {
                f.rule_id = "UNDECLARED-1".into();
            }
            if k & 2 != 0 && let Some(r) = run.rules.first().cloned() {
                let mut dup = r;
                dup.short_description = "a second declaration".into();
                run.rules.push(dup);
            }
            if k & 4 != 0 {
                run.tool.information_uri = Some("https://example.org/tool".into());
                run.engines.push(Engine { name: "plain".into(), version: None, properties: BTreeMap::new() });
                run.invocation.errors.push("token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB leaked".into());
            }
            for (j, f) in run.findings.iter_mut().enumerate() {
                let k = knobs[(i + j) % knobs.len()];
                if k & 8 != 0 {
                    f.properties.insert("mlsec/severity".into(), serde_json::json!("overridden"));
                    f.properties.insert("tags".into(), serde_json::json!(["odd"]));
                    f.properties.insert("a-first".into(), serde_json::json!({"z": 1, "a": [1.5, null]}));
                }
                if k & 16 != 0 {
                    f.message = format!("password=hunter2-{j} in AKIAIOSFODNN7EXAMPLE");
                    if let Some(l) = f.locations.first_mut() {
                        l.snippet = Some("api_key = \"sk-0123456789abcdef0123456789abcdef\"".into());
                    }
                }
                if k & 32 != 0 {
                    f.cvss_score = Some(if k & 64 != 0 { f64::NAN } else { 12.5 });
                    f.fingerprints.insert(fingerprint::PRIMARY_LOCATION_LINE_HASH.into(), "stale:1".into());
                }
                if k & 128 != 0 {
                    f.fingerprints.clear();
                    f.vulnerability = Some(Vulnerability {
                        id: "GHSA-xxxx".into(),
                        aliases: vec!["CVE-2026-1".into()],
                        cvss_vector: Some("CVSS:3.1/AV:N".into()),
                        references: vec!["https://example.org".into()],
                        title: Some("t".into()),
                        ..Default::default()
                    });
                }
            }
        }
        assert_stream_matches_tree(&file);
    }
}

#[test]
fn streamed_writer_matches_the_tree_on_the_samples() {
    assert_stream_matches_tree(&mlsec_findings::sample::sample());
    assert_stream_matches_tree(&mlsec_findings::sample::scaled(300));
    for (name, file) in mlsec_findings::sample::per_tool() {
        let tree = serde_json::to_string_pretty(&sarif::to_sarif(&file)).expect("tree");
        assert_eq!(sarif::to_json(&file), tree, "{name}");
    }
    assert_stream_matches_tree(&FindingsFile::default());
    // write_file streams the same bytes to disk.
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("s.sarif");
    let file = mlsec_findings::sample::sample();
    sarif::write_file(&path, &file).expect("write");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), sarif::to_json(&file));
}

#[test]
fn scores_format_as_before() {
    let mut xs: Vec<f64> = (0..=100).map(|i| f64::from(i) / 10.0).collect();
    xs.extend([-0.0, -1.0, 0.05, 0.15, 2.25, 9.95, 9.96, 10.0001, 11.0, 7.123, f64::NAN, f64::INFINITY, 1e-300]);
    xs.extend((0..1000).map(|i| f64::from(i) * 0.0137));
    for x in xs {
        assert_eq!(sarif::format_score(x), format!("{:.1}", x.clamp(0.0, 10.0)), "{x:?}");
    }
}

proptest! {
    #[test]
    fn any_score_formats_as_before(x in any::<f64>()) {
        prop_assert_eq!(sarif::format_score(x), format!("{:.1}", x.clamp(0.0, 10.0)));
    }
}

#[test]
fn outputs_never_create_directories() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("no-such-dir").join("out.sarif");
    let err = sarif::write_file(&path, &mlsec_findings::sample::sample()).expect_err("missing dir");
    let msg = err.to_string();
    assert!(msg.contains("no-such-dir") && msg.contains("does not exist"), "{msg}");
    assert!(err.hint().is_some_and(|h| h.contains("mkdir -p")), "{:?}", err.hint());
    assert!(!dir.path().join("no-such-dir").exists(), "the directory was created");
    // A file where the directory should be.
    std::fs::write(dir.path().join("plain"), b"x").expect("write");
    let err = sarif::write_atomic(&dir.path().join("plain").join("out.sarif"), b"{}").expect_err("not a dir");
    assert!(err.to_string().contains("is not a directory"), "{err}");
    // A bare file name writes into the current directory's parent-less path; an existing one works.
    sarif::write_atomic(&dir.path().join("ok.sarif"), b"{}").expect("existing dir");
}

#[test]
fn sample_round_trips_and_is_redacted() {
    let file = mlsec_findings::sample::sample();
    let json = sarif::to_json(&file);
    for secret in [
        mlsec_findings::sample::FAKE_AWS_KEY,
        mlsec_findings::sample::FAKE_HF_TOKEN,
        mlsec_findings::sample::FAKE_DB_PASSWORD,
    ] {
        assert!(!json.contains(secret), "secret leaked into SARIF");
    }
    let back = sarif::from_slice(json.as_bytes(), Path::new("s.sarif")).expect("read");
    assert_eq!(back.len(), file.len());
    assert_eq!(sarif::to_json(&back), json);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let violations = mlsec_findings::profile::validate_value(&v);
    assert!(violations.is_empty(), "{violations:#?}");
}

/// A trimmed Bandit 1.8 SARIF (shape as `bandit -f sarif` writes it).
const BANDIT_SARIF: &str = r#"{
  "runs": [{
    "tool": {"driver": {"name": "Bandit", "rules": [
      {"id": "B301", "name": "blacklist", "properties": {"tags": ["security", "external/cwe/cwe-502"], "precision": "high"},
       "helpUri": "https://bandit.readthedocs.io/en/1.8.6/blacklists/blacklist_calls.html#b301-pickle"}
    ]}},
    "invocations": [{"executionSuccessful": true, "endTimeUtc": "2026-12-01T10:00:00Z"}],
    "results": [
      {"message": {"text": "Pickle and modules that wrap it can be unsafe."},
       "level": "warning",
       "locations": [{"physicalLocation": {"region": {"snippet": {"text": "m = pickle.load(f)\n"}, "startLine": 12},
                                           "artifactLocation": {"uri": "ml_project/train.py"}}}],
       "properties": {"issue_confidence": "HIGH", "issue_severity": "MEDIUM"},
       "ruleId": "B301", "ruleIndex": 0},
      {"message": {"text": "Pickle and modules that wrap it can be unsafe."},
       "level": "warning",
       "locations": [{"physicalLocation": {"region": {"snippet": {"text": "m = pickle.load(f)\n"}, "startLine": 40},
                                           "artifactLocation": {"uri": "ml_project/train.py"}}}],
       "properties": {"issue_confidence": "HIGH", "issue_severity": "MEDIUM"},
       "ruleId": "B301", "ruleIndex": 0}
    ]
  }],
  "version": "2.1.0",
  "$schema": "https://json.schemastore.org/sarif-2.1.0.json"
}"#;

#[test]
fn foreign_bandit_sarif_imports_with_fingerprints() {
    let file = sarif::from_slice(BANDIT_SARIF.as_bytes(), Path::new("bandit.sarif")).expect("import");
    let run = &file.runs[0];
    assert!(!run.mlsec_profile);
    assert_eq!(run.automation_id, "mlsec/bandit/./");
    let f = &run.findings[0];
    assert_eq!((f.severity, f.confidence, f.category), (Severity::Medium, Confidence::High, Category::Sast));
    let a = f.fingerprints.get(fingerprint::CODE_V1).expect("fingerprint");
    let b = run.findings[1].fingerprints.get(fingerprint::CODE_V1).expect("fingerprint");
    assert_ne!(a, b, "identical lines get distinct occurrence indexes");
    assert_eq!(a, &fingerprint::code("B301", "ml_project/train.py", "m = pickle.load(f)", 0));
    // Re-written under the profile, the validator only objects to what we cannot invent.
    let v: serde_json::Value = serde_json::from_str(&sarif::to_json(&file)).expect("json");
    let msgs: Vec<String> = mlsec_findings::profile::validate_value(&v).into_iter().map(|v| v.message).collect();
    assert!(msgs.iter().any(|m| m.contains("mlsec-")), "{msgs:?}");
}

#[test]
fn foreign_levels_and_security_severity() {
    let doc = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Trivy","rules":[
        {"id":"CVE-2024-1","properties":{"security-severity":"9.8","tags":["vulnerability","CRITICAL"]}},
        {"id":"CVE-2024-2","defaultConfiguration":{"level":"note"}}]}},
      "results":[
        {"ruleId":"CVE-2024-1","ruleIndex":0,"message":{"text":"x"}},
        {"ruleId":"CVE-2024-2","ruleIndex":1,"message":{"text":"y"}},
        {"ruleId":"CVE-2024-3","level":"error","message":{"text":"z"}}]}]}"#;
    let file = sarif::from_slice(doc.as_bytes(), Path::new("t.sarif")).expect("import");
    let sev: Vec<_> = file.runs[0].findings.iter().map(|f| (f.severity, f.category)).collect();
    assert_eq!(
        sev,
        [
            (Severity::Critical, Category::Vulnerability),
            (Severity::Low, Category::Vulnerability),
            (Severity::High, Category::Vulnerability)
        ]
    );
}

#[test]
fn foreign_trivy_sarif_keeps_package_and_fix() {
    let doc = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Trivy","rules":[
        {"id":"CVE-2019-1549","properties":{"tags":["vulnerability","security","MEDIUM"],"security-severity":"5.3"}}]}},
      "results":[{"ruleId":"CVE-2019-1549","ruleIndex":0,"level":"warning",
        "message":{"text":"Package: libcrypto1.1\nInstalled Version: 1.1.1c-r0\nVulnerability CVE-2019-1549\nSeverity: MEDIUM\nFixed Version: 1.1.1d-r0"},
        "locations":[{"physicalLocation":{"artifactLocation":{"uri":"alpine.tar.gz","uriBaseId":"ROOTPATH"}}}]}]}]}"#;
    let file = sarif::from_slice(doc.as_bytes(), Path::new("t.sarif")).expect("import");
    let f = &file.runs[0].findings[0];
    let p = f.package.as_ref().expect("package");
    assert_eq!(
        (p.name.as_str(), p.version.as_deref(), p.fixed_version.as_deref()),
        ("libcrypto1.1", Some("1.1.1c-r0"), Some("1.1.1d-r0"))
    );
    assert_eq!(f.vulnerability.as_ref().map(|v| v.id.as_str()), Some("CVE-2019-1549"));
    assert_eq!((f.severity, f.cvss_score), (Severity::Medium, Some(5.3)));
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    use mlsec_findings::FindingsError;
    let p = Path::new("x.sarif");
    for (bytes, want) in [
        (&b""[..], "not valid JSON"),
        (&b"\xff\xfe garbage"[..], "not valid JSON"),
        (&br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"a"}}"#[..], "not valid JSON"),
        (&br#"[1,2,3]"#[..], "not a SARIF"),
        (&br#"{"version":"2.0.0","runs":[]}"#[..], "only \"2.1.0\""),
        (&br#"{"version":"2.1.0"}"#[..], "no `runs`"),
        (&br#"{"version":"2.1.0","runs":[{"tool":{}}]}"#[..], "SARIF 2.1.0 structure"),
        (&br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"a"}}]}]}"#[..], "no ruleId"),
        (&br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"r","message":{"text":"a"},"properties":{"mlsec/severity":"severe"}}]}]}"#[..], "unknown severity"),
    ] {
        let err = sarif::from_slice(bytes, p).expect_err("must fail");
        assert!(err.to_string().contains(want), "{err} !~ {want}");
        assert!(err.hint().is_some() || matches!(err, FindingsError::Io { .. }));
    }
}

#[test]
fn oversized_file_is_refused_before_reading() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("huge.sarif");
    let f = std::fs::File::create(&p).expect("create");
    f.set_len(200 * 1024 * 1024).expect("sparse file");
    let err = sarif::read_file(&p, sarif::DEFAULT_MAX_INPUT_BYTES).expect_err("too large");
    assert!(matches!(err, mlsec_findings::FindingsError::TooLarge { size, .. } if size == 200 * 1024 * 1024), "{err}");
}

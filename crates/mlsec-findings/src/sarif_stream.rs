//! The streaming SARIF writer: serializes the profile straight from the findings model, without
//! building the `serde_sarif` tree that [`super::to_sarif`] returns.
//!
//! The output is byte-identical to serializing [`super::to_sarif`] (tests compare both on the
//! samples and in the property-based round trip). It must therefore emit exactly what serde-sarif's
//! derived `Serialize` emits: its structs are generated from the schema with fields in alphabetical
//! order, `None` fields skipped, and property bags written as `tags` then the other properties
//! sorted by key (a `BTreeMap`). Each `impl Serialize` below lists its keys in that order.
//!
//! Why hand-written: building the serde-sarif copy of a 5,000-finding run (every string cloned,
//! every property bag a `serde_json::Value` map) doubled the peak memory of a wrapper and was most
//! of its time; no crate serializes our model to SARIF.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use super::{PROFILE_KEY, PROFILE_VERSION, SCHEMA_URI, SRCROOT, format_date, format_score, keys};
use crate::fingerprint;
use crate::model::{
    Category, Engine, Finding, FindingsFile, Location, Measurement, Package, Rule, Run, Suppression, Vulnerability,
};
use crate::redact;
use crate::severity::Severity;

/// The whole log.
pub(super) struct Log<'a>(pub(super) &'a FindingsFile);

impl Serialize for Log<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("$schema", SCHEMA_URI)?;
        m.serialize_entry("runs", &Seq(self.0.runs.iter().map(RunOut::new)))?;
        m.serialize_entry("version", "2.1.0")?;
        m.end()
    }
}

/// serde_json's `PrettyFormatter` (two-space indent), byte for byte, with each newline and its
/// indentation written in one call instead of one call per level: a SARIF result sits six to
/// nine levels deep, and those tiny writes were a visible part of writing a large report.
#[derive(Default)]
pub(super) struct Pretty {
    level: usize,
    has_value: bool,
}

/// A newline and 64 levels of indentation.
const NEWLINE_INDENT: &[u8; 129] = b"\n                                                                                                                                ";

impl Pretty {
    fn newline<W: ?Sized + std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        match NEWLINE_INDENT.get(..1 + 2 * self.level) {
            Some(b) => w.write_all(b),
            None => {
                w.write_all(b"\n")?;
                (0..self.level).try_for_each(|_| w.write_all(b"  "))
            }
        }
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.newline(w)?;
        }
        w.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.newline(w)?;
        }
        w.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// A sequence from an iterator (serialized once).
struct Seq<I>(I);

impl<I, T> Serialize for Seq<I>
where
    I: Iterator<Item = T> + Clone,
    T: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let it = self.0.clone();
        let mut q = s.serialize_seq(None)?;
        for x in it {
            q.serialize_element(&x)?;
        }
        q.end()
    }
}

/// `{"text": ...}` (a `message`) or `{"markdown": ..., "text": ...}` (a multiformat string).
struct Text<'a> {
    markdown: Option<&'a str>,
    text: &'a str,
}

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(md) = self.markdown {
            m.serialize_entry("markdown", md)?;
        }
        m.serialize_entry("text", self.text)?;
        m.end()
    }
}

fn text(t: &str) -> Text<'_> {
    Text { markdown: None, text: t }
}

/// One run with its rule table resolved as [`super::to_sarif`] does.
struct RunOut<'a> {
    run: &'a Run,
    rules: Vec<Cow<'a, Rule>>,
    index: HashMap<&'a str, usize>,
    scores: Vec<Option<f64>>,
}

impl<'a> RunOut<'a> {
    fn new(run: &'a Run) -> Self {
        // Rules: declared ones, plus any rule a finding names without a declaration (the profile
        // requires every result to resolve to a rule). A duplicated declaration resolves to the last.
        let mut rules: Vec<Cow<'a, Rule>> = run.rules.iter().map(Cow::Borrowed).collect();
        let mut index: HashMap<&'a str, usize> = HashMap::with_capacity(run.rules.len());
        for (i, r) in run.rules.iter().enumerate() {
            index.insert(r.id.as_str(), i);
        }
        for f in &run.findings {
            if !index.contains_key(f.rule_id.as_str()) {
                index.insert(f.rule_id.as_str(), rules.len());
                rules.push(Cow::Owned(Rule::new(f.rule_id.clone(), f.category, f.rule_id.clone())));
            }
        }
        // GitHub reads `security-severity` from the rule: the highest of its findings.
        let mut scores: Vec<Option<f64>> = vec![None; rules.len()];
        for f in &run.findings {
            let i = index[f.rule_id.as_str()];
            let sc = f.security_severity();
            scores[i] = Some(scores[i].map_or(sc, |o: f64| o.max(sc)));
        }
        RunOut { run, rules, index, scores }
    }
}

impl Serialize for RunOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let run = self.run;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("automationDetails", &IdOnly(&run.automation_id))?;
        m.serialize_entry("columnKind", "unicodeCodePoints")?;
        m.serialize_entry("invocations", &[InvocationOut(run)])?;
        if let Some(uri) = &run.srcroot {
            m.serialize_entry("originalUriBaseIds", &UriBase(uri))?;
        }
        if run.mlsec_profile {
            m.serialize_entry("properties", &Single(PROFILE_KEY, PROFILE_VERSION))?;
        }
        let results = run.findings.iter().map(|f| ResultOut { f, rule_index: self.index[f.rule_id.as_str()] });
        m.serialize_entry("results", &Seq(results))?;
        m.serialize_entry("tool", &ToolOut(self))?;
        m.end()
    }
}

struct IdOnly<'a>(&'a str);

impl Serialize for IdOnly<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", self.0)?;
        m.end()
    }
}

/// `{"SRCROOT": {"uri": ...}}`.
struct UriBase<'a>(&'a str);

impl Serialize for UriBase<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Uri<'a>(&'a str);
        impl Serialize for Uri<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("uri", self.0)?;
                m.end()
            }
        }
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(SRCROOT, &Uri(self.0))?;
        m.end()
    }
}

/// A one-entry string map.
struct Single<'a>(&'a str, &'a str);

impl Serialize for Single<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(self.0, self.1)?;
        m.end()
    }
}

struct InvocationOut<'a>(&'a Run);

impl Serialize for InvocationOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Note<'a>(&'static str, Cow<'a, str>);
        impl Serialize for Note<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("level", self.0)?;
                m.serialize_entry("message", &text(&self.1))?;
                m.end()
            }
        }
        let inv = &self.0.invocation;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("executionSuccessful", &inv.successful)?;
        if let Some(c) = inv.exit_code {
            m.serialize_entry("exitCode", &i64::from(c))?;
        }
        if !inv.errors.is_empty() || !inv.warnings.is_empty() {
            let notes = inv
                .errors
                .iter()
                .map(|e| ("error", e))
                .chain(inv.warnings.iter().map(|w| ("warning", w)))
                .map(|(level, msg)| Note(level, redact::mask_secrets(msg)));
            m.serialize_entry("toolExecutionNotifications", &Seq(notes))?;
        }
        m.end()
    }
}

struct ToolOut<'r, 'a>(&'r RunOut<'a>);

impl Serialize for ToolOut<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let run = self.0.run;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("driver", &DriverOut(self.0))?;
        if !run.engines.is_empty() {
            m.serialize_entry("extensions", &Seq(run.engines.iter().map(EngineOut)))?;
        }
        m.end()
    }
}

struct DriverOut<'r, 'a>(&'r RunOut<'a>);

impl Serialize for DriverOut<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let tool = &self.0.run.tool;
        let mut m = s.serialize_map(None)?;
        if let Some(u) = &tool.information_uri {
            m.serialize_entry("informationUri", u)?;
        }
        m.serialize_entry("name", &tool.name)?;
        let rules = self.0.rules.iter().zip(&self.0.scores).map(|(r, score)| RuleOut { r, score: *score });
        m.serialize_entry("rules", &Seq(rules))?;
        if let Some(v) = &tool.version {
            m.serialize_entry("version", v)?;
        }
        m.end()
    }
}

struct EngineOut<'a>(&'a Engine);

impl Serialize for EngineOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("name", &e.name)?;
        if !e.properties.is_empty() {
            m.serialize_entry("properties", &e.properties)?;
        }
        if let Some(v) = &e.version {
            m.serialize_entry("version", v)?;
        }
        m.end()
    }
}

struct RuleOut<'r, 'a> {
    r: &'r Cow<'a, Rule>,
    score: Option<f64>,
}

impl Serialize for RuleOut<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Level(&'static str);
        impl Serialize for Level {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("level", self.0)?;
                m.end()
            }
        }
        struct Props<'a>(&'a Rule, Option<f64>);
        impl Serialize for Props<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let r = self.0;
                let cat = r.category.as_str();
                let tags = std::iter::once(cat).chain(r.tags.iter().map(String::as_str).filter(move |t| *t != cat));
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("tags", &Seq(tags))?;
                // Sorted keys: "mlsec/severity" < "security-severity".
                if let Some(sev) = r.default_severity {
                    m.serialize_entry(keys::SEVERITY, sev.as_str())?;
                }
                if let Some(sc) = self.1.or(r.default_severity.map(Severity::default_score)) {
                    m.serialize_entry(keys::SECURITY_SEVERITY, &Prop::Score(sc))?;
                }
                m.end()
            }
        }
        let r: &Rule = self.r;
        let mut m = s.serialize_map(None)?;
        if let Some(sev) = r.default_severity {
            m.serialize_entry("defaultConfiguration", &Level(sev.sarif_level()))?;
        }
        if let Some(d) = &r.full_description {
            m.serialize_entry("fullDescription", &text(d))?;
        }
        if let Some(md) = &r.help_markdown {
            m.serialize_entry("help", &Text { markdown: Some(md), text: &r.short_description })?;
        }
        if let Some(u) = &r.help_uri {
            m.serialize_entry("helpUri", u)?;
        }
        m.serialize_entry("id", &r.id)?;
        if let Some(n) = &r.name {
            m.serialize_entry("name", n)?;
        }
        m.serialize_entry("properties", &Props(r, self.score))?;
        m.serialize_entry("shortDescription", &text(&r.short_description))?;
        m.end()
    }
}

struct ResultOut<'a> {
    f: &'a Finding,
    rule_index: usize,
}

/// A value in a result's property bag.
enum Prop<'a> {
    Json(&'a Value),
    Str(&'a str),
    Score(f64),
    Number(f64),
    Strings(&'a [String]),
    Package(&'a Package),
    Vulnerability(&'a Vulnerability),
    Measurement(&'a Measurement),
}

impl Serialize for Prop<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Prop::Json(v) => v.serialize(s),
            Prop::Str(v) => s.serialize_str(v),
            Prop::Score(v) => {
                let mut buf = [0u8; 4];
                match fast_score(*v, &mut buf) {
                    Some(t) => s.serialize_str(t),
                    None => s.serialize_str(&format_score(*v)),
                }
            }
            Prop::Number(v) => s.serialize_f64(*v),
            Prop::Strings(v) => v.serialize(s),
            Prop::Package(p) => {
                // `to_sarif` stores these as `serde_json::Value` maps, whose keys are sorted (the
                // workspace does not enable serde_json's `preserve_order`; the byte-identity tests
                // would catch it if it did): the fields in sorted key order, `None`/empty skipped.
                let mut m = s.serialize_map(None)?;
                opt(&mut m, "ecosystem", p.ecosystem.as_deref())?;
                opt(&mut m, "fixedVersion", p.fixed_version.as_deref())?;
                opt(&mut m, "manifest", p.manifest.as_deref())?;
                m.serialize_entry("name", &p.name)?;
                opt(&mut m, "purl", p.purl.as_deref())?;
                opt(&mut m, "version", p.version.as_deref())?;
                m.end()
            }
            Prop::Vulnerability(v) => {
                let mut m = s.serialize_map(None)?;
                list(&mut m, "aliases", &v.aliases)?;
                opt(&mut m, "cvssVector", v.cvss_vector.as_deref())?;
                list(&mut m, "cwes", &v.cwes)?;
                m.serialize_entry("id", &v.id)?;
                list(&mut m, "references", &v.references)?;
                opt(&mut m, "title", v.title.as_deref())?;
                m.end()
            }
            Prop::Measurement(x) => {
                let mut m = s.serialize_map(None)?;
                opt(&mut m, "grouping", x.grouping.as_deref())?;
                list(&mut m, "groups", &x.groups)?;
                if let Some(v) = x.max {
                    m.serialize_entry("max", &v)?;
                }
                m.serialize_entry("metric", &x.metric)?;
                if let Some(v) = x.min {
                    m.serialize_entry("min", &v)?;
                }
                // Not skipped when absent: `null`.
                m.serialize_entry("value", &x.value)?;
                m.end()
            }
        }
    }
}

fn opt<M: SerializeMap>(m: &mut M, key: &str, v: Option<&str>) -> Result<(), M::Error> {
    match v {
        Some(v) => m.serialize_entry(key, v),
        None => Ok(()),
    }
}

fn list<M: SerializeMap>(m: &mut M, key: &str, v: &[String]) -> Result<(), M::Error> {
    if v.is_empty() { Ok(()) } else { m.serialize_entry(key, v) }
}

/// [`format_score`] without formatting machinery or allocation for the common scores (a whole
/// number of tenths, as CVSS scores and the severity defaults are); `None` for the others.
pub(super) fn fast_score(score: f64, buf: &mut [u8; 4]) -> Option<&str> {
    let tenths = score.clamp(0.0, 10.0) * 10.0;
    // `x * 10` equal to a whole number n means x is within an ulp of n/10, far from a rounding
    // boundary: `{:.1}` prints n/10.
    if tenths.fract() != 0.0 || tenths.is_sign_negative() {
        return None;
    }
    // 0..=100 after the clamp; the cast is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = tenths as u8;
    let len = if n >= 100 {
        buf.copy_from_slice(b"10.0");
        4
    } else {
        buf[0] = b'0' + n / 10;
        buf[1] = b'.';
        buf[2] = b'0' + n % 10;
        3
    };
    std::str::from_utf8(&buf[..len]).ok()
}

impl Serialize for ResultOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.f;
        // The property bag: the finding's own properties, overridden by the profile's keys,
        // sorted by key as the `BTreeMap` of `to_sarif` is.
        let mut fixed: Vec<(&str, Prop<'_>)> = Vec::with_capacity(9);
        fixed.push((keys::SEVERITY, Prop::Str(f.severity.as_str())));
        fixed.push((keys::CONFIDENCE, Prop::Str(f.confidence.as_str())));
        fixed.push((keys::CATEGORY, Prop::Str(f.category.as_str())));
        fixed.push((keys::SECURITY_SEVERITY, Prop::Score(f.security_severity())));
        if let Some(sc) = f.cvss_score {
            fixed.push((keys::CVSS_SCORE, Prop::Number(sc)));
        }
        if let Some(v) = &f.package {
            fixed.push((keys::PACKAGE, Prop::Package(v)));
        }
        if let Some(v) = &f.vulnerability {
            fixed.push((keys::VULNERABILITY, Prop::Vulnerability(v)));
        }
        if let Some(v) = &f.measurement {
            fixed.push((keys::MEASUREMENT, Prop::Measurement(v)));
        }
        if !f.reported_by.is_empty() {
            fixed.push((keys::REPORTED_BY, Prop::Strings(&f.reported_by)));
        }
        let mut props: Vec<(&str, Prop<'_>)> = Vec::with_capacity(fixed.len() + f.properties.len());
        props.extend(
            f.properties
                .iter()
                .filter(|(k, _)| !fixed.iter().any(|(fk, _)| *fk == k.as_str()))
                .map(|(k, v)| (k.as_str(), Prop::Json(v))),
        );
        props.extend(fixed);
        props.sort_unstable_by(|a, b| a.0.cmp(b.0));

        // partialFingerprints: the finding's, plus GitHub's primaryLocationLineHash.
        let plh = f.primary_fingerprint().map(|(key, value)| {
            let occurrence = if key == fingerprint::CODE_V1 { super::occurrence_hint(f) } else { 0 };
            fingerprint::primary_location_line_hash(value, occurrence)
        });
        let mut fps: Vec<(&str, &str)> = f
            .fingerprints
            .iter()
            .filter(|(k, _)| plh.is_none() || k.as_str() != fingerprint::PRIMARY_LOCATION_LINE_HASH)
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if let Some(h) = &plh {
            fps.push((fingerprint::PRIMARY_LOCATION_LINE_HASH, h));
            fps.sort_unstable_by(|a, b| a.0.cmp(b.0));
        }

        let mut m = s.serialize_map(None)?;
        if let Some(b) = f.baseline_state {
            m.serialize_entry("baselineState", b.as_str())?;
        }
        m.serialize_entry(
            "level",
            match f.severity.sarif_level() {
                "error" => "error",
                "warning" => "warning",
                _ => "note",
            },
        )?;
        if !f.locations.is_empty() {
            m.serialize_entry("locations", &Seq(f.locations.iter().map(|l| LocationOut(l, f.category))))?;
        }
        m.serialize_entry("message", &text(&redact::redact_message(&f.message)))?;
        if !fps.is_empty() {
            m.serialize_entry("partialFingerprints", &Pairs(&fps))?;
        }
        m.serialize_entry("properties", &Bag { tags: &f.tags, props: &props })?;
        m.serialize_entry("ruleId", &f.rule_id)?;
        if let Ok(i) = i64::try_from(self.rule_index) {
            m.serialize_entry("ruleIndex", &i)?;
        }
        if !f.suppressions.is_empty() {
            m.serialize_entry("suppressions", &Seq(f.suppressions.iter().map(SuppressionOut)))?;
        }
        m.end()
    }
}

/// A map from sorted pairs.
struct Pairs<'p, 'a>(&'p [(&'a str, &'a str)]);

impl Serialize for Pairs<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A property bag: `tags` (when any), then the properties in key order.
struct Bag<'p, 'a> {
    tags: &'a [String],
    props: &'p [(&'a str, Prop<'a>)],
}

impl Serialize for Bag<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if !self.tags.is_empty() {
            m.serialize_entry("tags", self.tags)?;
        }
        for (k, v) in self.props {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

struct LocationOut<'a>(&'a Location, Category);

impl Serialize for LocationOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Logical<'a>(&'a crate::model::LogicalLocation);
        impl Serialize for Logical<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(None)?;
                if let Some(k) = &self.0.kind {
                    m.serialize_entry("kind", k)?;
                }
                m.serialize_entry("name", &self.0.name)?;
                m.end()
            }
        }
        struct Physical<'a>(&'a Location, Category);
        impl Serialize for Physical<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let l = self.0;
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("artifactLocation", &Artifact(l))?;
                if l.has_region() {
                    m.serialize_entry("region", &Region(l, self.1))?;
                }
                m.end()
            }
        }
        struct Artifact<'a>(&'a Location);
        impl Serialize for Artifact<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("uri", &self.0.uri)?;
                if let Some(b) = &self.0.uri_base {
                    m.serialize_entry("uriBaseId", b)?;
                }
                m.end()
            }
        }
        struct Region<'a>(&'a Location, Category);
        impl Serialize for Region<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let l = self.0;
                let mut m = s.serialize_map(None)?;
                if let Some(v) = l.byte_offset.and_then(|o| i64::try_from(o).ok()) {
                    m.serialize_entry("byteOffset", &v)?;
                }
                if let Some(v) = l.end_column {
                    m.serialize_entry("endColumn", &i64::from(v))?;
                }
                if let Some(v) = l.end_line {
                    m.serialize_entry("endLine", &i64::from(v))?;
                }
                if let Some(sn) = &l.snippet {
                    m.serialize_entry("snippet", &text(&redact::redact_snippet(self.1, sn)))?;
                }
                if let Some(v) = l.start_column {
                    m.serialize_entry("startColumn", &i64::from(v))?;
                }
                if let Some(v) = l.start_line {
                    m.serialize_entry("startLine", &i64::from(v))?;
                }
                m.end()
            }
        }
        let l = self.0;
        let mut m = s.serialize_map(None)?;
        if !l.logical.is_empty() {
            m.serialize_entry("logicalLocations", &Seq(l.logical.iter().map(Logical)))?;
        }
        m.serialize_entry("physicalLocation", &Physical(l, self.1))?;
        m.end()
    }
}

struct SuppressionOut<'a>(&'a Suppression);

impl Serialize for SuppressionOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let sp = self.0;
        let mut m = s.serialize_map(None)?;
        if let Some(j) = &sp.justification {
            m.serialize_entry("justification", j)?;
        }
        m.serialize_entry("kind", sp.kind.as_str())?;
        if sp.expires.is_some() || sp.source.is_some() {
            struct Props<'a>(&'a Suppression);
            impl Serialize for Props<'_> {
                fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    let mut m = s.serialize_map(None)?;
                    // Sorted keys: "mlsec/expires" < "mlsec/source".
                    if let Some(d) = self.0.expires {
                        m.serialize_entry(keys::EXPIRES, &format_date(d))?;
                    }
                    if let Some(src) = &self.0.source {
                        m.serialize_entry(keys::SOURCE, src)?;
                    }
                    m.end()
                }
            }
            m.serialize_entry("properties", &Props(sp))?;
        }
        m.serialize_entry("status", sp.status.as_str())?;
        m.end()
    }
}

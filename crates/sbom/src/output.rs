//! CycloneDX 1.6/1.5 JSON and SPDX 2.3 JSON documents, deterministic: components sorted by
//! bom-ref (their purl), timestamps from `SOURCE_DATE_EPOCH`, serial number and SPDX namespace
//! derived from the content, paths repo-relative.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use std::collections::BTreeMap;

use crate::model::Inventory;
use crate::{license, mlmeta};

/// CycloneDX spec version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecVersion {
    /// CycloneDX 1.6 (default).
    V1_6,
    /// CycloneDX 1.5.
    V1_5,
}

impl SpecVersion {
    fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V1_6 => "1.6",
            SpecVersion::V1_5 => "1.5",
        }
    }
}

/// What describes the document: the project name and the creation time (RFC 3339, UTC).
#[derive(Debug, Clone)]
pub struct DocInfo {
    /// The project name (the scanned directory's name).
    pub name: String,
    /// Creation timestamp, `YYYY-MM-DDTHH:MM:SSZ`.
    pub timestamp: String,
}

const TOOL: &str = "mlsec-sbom";
const ROOT_REF: &str = "root";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A UUID (version 5 layout) from a SHA-256 of the content: same content, same serial number.
fn content_uuid(content: &[u8]) -> String {
    let mut d: [u8; 32] = Sha256::digest(content).into();
    d[6] = (d[6] & 0x0f) | 0x50;
    d[8] = (d[8] & 0x3f) | 0x80;
    let h = hex(&d[..16]);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// The CycloneDX JSON document.
pub fn cyclonedx(inv: &Inventory, info: &DocInfo, spec: SpecVersion) -> Value {
    let components: Vec<Value> = inv
        .components
        .iter()
        .map(|(key, c)| {
            let kind = if c.ecosystem == crate::purl::Ecosystem::Docker { "container" } else { "library" };
            let mut o = json!({"type": kind, "bom-ref": key, "name": c.name, "purl": key});
            if let Some(v) = &c.version {
                o["version"] = json!(v);
            }
            if !c.hashes.is_empty() {
                o["hashes"] = c.hashes.iter().map(|(alg, h)| json!({"alg": alg, "content": h})).collect();
            }
            if c.dev {
                o["scope"] = json!("optional");
            }
            if let Some(l) = &c.license {
                o["licenses"] = license::cyclonedx(l);
            }
            if !c.files.is_empty() {
                // The installed files (RECORD) are where the component was found: evidence
                // occurrences; 1.6 adds `additionalContext`, which carries the RECORD's SHA-256.
                let occ: Vec<Value> = c
                    .files
                    .iter()
                    .map(|(path, sha)| match (sha, spec) {
                        (Some(h), SpecVersion::V1_6) => {
                            json!({"location": path, "additionalContext": format!("sha256:{h}")})
                        }
                        _ => json!({"location": path}),
                    })
                    .collect();
                o["evidence"] = json!({"occurrences": occ});
            }
            let mut props: Vec<Value> = c.sources.iter().map(|s| json!({"name": "mlsec:source", "value": s})).collect();
            if let Some(s) = &c.specifier {
                props.push(json!({"name": "mlsec:specifier", "value": s}));
            }
            props.extend(c.properties.iter().map(|(n, v)| json!({"name": n, "value": v})));
            if !props.is_empty() {
                o["properties"] = Value::Array(props);
            }
            o
        })
        .collect();
    let mut components = components;
    for m in inv.models.values() {
        components.push(json!({
            "type": "machine-learning-model",
            "bom-ref": format!("model:{}", m.path),
            "name": m.path,
            "hashes": [{"alg": "SHA-256", "content": m.sha256}],
            "properties": [
                {"name": "mlsec:model-format", "value": m.format.as_str()},
                {"name": "mlsec:size", "value": m.size.to_string()},
                {"name": "mlsec:source", "value": m.path},
            ],
        }));
    }
    let ml = MlRefs::new(inv);
    components.extend(ml_components(inv, &ml));
    // Root depends on the components nothing else depends on (the direct dependencies).
    let depended: std::collections::BTreeSet<&String> = inv.dependencies.values().flatten().collect();
    let direct: Vec<&String> = inv.components.keys().filter(|k| !depended.contains(k)).collect();
    let mut deps = vec![json!({"ref": ROOT_REF, "dependsOn": direct})];
    for (r, on) in &ml.model_deps {
        deps.push(json!({"ref": r, "dependsOn": on}));
    }
    // DVC pipeline lineage: an output depends on the data/model inputs it was made from.
    for (r, on) in &inv.lineage {
        deps.push(json!({"ref": r, "dependsOn": on}));
    }
    for key in inv.components.keys() {
        let on: Vec<&String> = inv
            .dependencies
            .get(key)
            .map(|s| s.iter().filter(|t| inv.components.contains_key(*t)).collect())
            .unwrap_or_default();
        deps.push(json!({"ref": key, "dependsOn": on}));
    }
    let body = json!({"components": components, "dependencies": deps, "name": info.name});
    let serial = content_uuid(body.to_string().as_bytes());
    json!({
        "$schema": format!("http://cyclonedx.org/schema/bom-{}.schema.json", spec.as_str()),
        "bomFormat": "CycloneDX",
        "specVersion": spec.as_str(),
        "serialNumber": format!("urn:uuid:{serial}"),
        "version": 1,
        "metadata": {
            "timestamp": info.timestamp,
            "tools": {"components": [{"type": "application", "name": TOOL, "version": env!("CARGO_PKG_VERSION")}]},
            "component": root_component(inv, info),
        },
        "components": components,
        "dependencies": deps,
    })
}

/// The root manifest's license: the top-level `pyproject.toml`'s, else the only one declared.
fn project_license(inv: &Inventory) -> Option<&str> {
    inv.project_licenses.get("pyproject.toml").map(String::as_str).or_else(|| {
        let mut all = inv.project_licenses.values();
        match (all.next(), all.next()) {
            (Some(one), None) => Some(one.as_str()),
            _ => None,
        }
    })
}

fn root_component(inv: &Inventory, info: &DocInfo) -> Value {
    let mut c = json!({"type": "application", "bom-ref": ROOT_REF, "name": info.name});
    if let Some(l) = project_license(inv) {
        c["licenses"] = license::cyclonedx(l);
    }
    c
}

/// bom-refs of the ML-BOM components, shared by both formats.
struct MlRefs {
    /// Hugging Face model dir -> bom-ref.
    models: BTreeMap<String, String>,
    /// Base models named by cards: hub id -> bom-ref (its purl).
    bases: BTreeMap<String, String>,
    /// Hub datasets named by cards: id -> bom-ref.
    hub_datasets: BTreeMap<String, String>,
    /// Hugging Face model bom-ref -> what it depends on (weight files, base models).
    model_deps: BTreeMap<String, Vec<String>>,
}

impl MlRefs {
    fn new(inv: &Inventory) -> Self {
        let mut r = MlRefs {
            models: BTreeMap::new(),
            bases: BTreeMap::new(),
            hub_datasets: BTreeMap::new(),
            model_deps: BTreeMap::new(),
        };
        for (dir, m) in &inv.hf_models {
            r.models.insert(dir.clone(), format!("hf-model:{dir}"));
            for b in &m.base_models {
                if let Some(p) = mlmeta::hf_purl(b) {
                    r.bases.insert(b.clone(), p);
                }
            }
            for d in &m.datasets {
                r.hub_datasets.insert(d.clone(), format!("hf-dataset:{d}"));
            }
        }
        for (dir, m) in &inv.hf_models {
            // Weight files belong to the deepest model directory above them.
            let mut on: Vec<String> = inv
                .models
                .keys()
                .filter(|p| owner_dir(p, &r.models).as_deref() == Some(dir.as_str()))
                .map(|p| format!("model:{p}"))
                .collect();
            on.extend(m.base_models.iter().filter_map(|b| r.bases.get(b).cloned()));
            on.sort();
            on.dedup();
            r.model_deps.insert(r.models[dir].clone(), on);
        }
        // A base model whose purl is already a package component (a `kernels.lock` repo without a
        // commit) is that component: emitting it twice would duplicate the bom-ref.
        r.bases.retain(|_, p| !inv.components.contains_key(p));
        for b in r.bases.values() {
            r.model_deps.entry(b.clone()).or_default();
        }
        r
    }
}

/// The deepest Hugging Face model directory containing `path`.
fn owner_dir(path: &str, models: &BTreeMap<String, String>) -> Option<String> {
    let mut dir = path.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_else(|| ".".into());
    loop {
        if models.contains_key(&dir) {
            return Some(dir);
        }
        if dir == "." {
            return None;
        }
        dir = dir.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_else(|| ".".into());
    }
}

/// CycloneDX `licenses` for a license name.
fn cdx_licenses(name: &str) -> Value {
    license::cyclonedx(name)
}

/// SPDX `licenseDeclared` and, when the license is not a known SPDX expression, a comment
/// with it as written.
fn spdx_declared(l: Option<&str>) -> (String, Option<String>) {
    match l {
        Some(l) => match license::spdx_expression(l) {
            Some(e) => (e, None),
            None => ("NOASSERTION".to_string(), Some(format!("declared license as written: {l}"))),
        },
        None => ("NOASSERTION".to_string(), None),
    }
}

/// CycloneDX components of the ML-BOM beyond the model files: Hugging Face models (with
/// `modelCard`), the base models and hub datasets their cards name, and the data files.
fn ml_components(inv: &Inventory, refs: &MlRefs) -> Vec<Value> {
    let mut out = Vec::new();
    for (dir, m) in &inv.hf_models {
        let name = m.hub_id.clone().unwrap_or_else(|| dir.clone());
        let mut o = json!({"type": "machine-learning-model", "bom-ref": refs.models[dir], "name": name});
        if let Some(p) = m.hub_id.as_deref().and_then(mlmeta::hf_purl) {
            o["purl"] = json!(p);
        }
        if let Some(l) = &m.license {
            o["licenses"] = cdx_licenses(l);
        }
        let mut params = serde_json::Map::new();
        if let Some(t) = &m.task {
            params.insert("task".into(), json!(t));
        }
        if let Some(f) = &m.family {
            params.insert("architectureFamily".into(), json!(f));
        }
        if let Some(a) = &m.architecture {
            params.insert("modelArchitecture".into(), json!(a));
        }
        if !m.datasets.is_empty() {
            let ds: Vec<Value> = m.datasets.iter().map(|d| json!({"ref": refs.hub_datasets[d]})).collect();
            params.insert("datasets".into(), Value::Array(ds));
        }
        let mut card = serde_json::Map::new();
        if !params.is_empty() {
            card.insert("modelParameters".into(), Value::Object(params));
        }
        if !m.metrics.is_empty() {
            let pm: Vec<Value> = m
                .metrics
                .iter()
                .map(|x| {
                    let mut v = json!({"type": x.kind});
                    if let Some(val) = &x.value {
                        v["value"] = json!(val);
                    }
                    if let Some(s) = &x.slice {
                        v["slice"] = json!(s);
                    }
                    v
                })
                .collect();
            card.insert("quantitativeAnalysis".into(), json!({"performanceMetrics": pm}));
        }
        let mut cons = serde_json::Map::new();
        if !m.use_cases.is_empty() {
            cons.insert("useCases".into(), json!(m.use_cases));
        }
        if !m.limitations.is_empty() {
            cons.insert("technicalLimitations".into(), json!(m.limitations));
        }
        if !m.risks.is_empty() {
            let r: Vec<Value> = m.risks.iter().map(|t| json!({"name": t})).collect();
            cons.insert("ethicalConsiderations".into(), Value::Array(r));
        }
        if !cons.is_empty() {
            card.insert("considerations".into(), Value::Object(cons));
        }
        if !card.is_empty() {
            o["modelCard"] = Value::Object(card);
        }
        let mut props: Vec<Value> = m.files.iter().map(|f| json!({"name": "mlsec:source", "value": f})).collect();
        props.extend(m.tokenizer.iter().map(|f| json!({"name": "mlsec:tokenizer", "value": f})));
        props.extend(m.base_models.iter().map(|b| json!({"name": "mlsec:base-model", "value": b})));
        o["properties"] = Value::Array(props);
        out.push(o);
    }
    for (id, r) in &refs.bases {
        out.push(json!({"type": "machine-learning-model", "bom-ref": r, "name": id, "purl": r}));
    }
    for (id, r) in &refs.hub_datasets {
        out.push(json!({
            "type": "data", "bom-ref": r, "name": id,
            "data": [{"type": "dataset", "name": id}],
            "properties": [{"name": "mlsec:dataset-source", "value": "huggingface"}],
        }));
    }
    for d in inv.datasets.values() {
        let mut hashes = Vec::new();
        if let Some(h) = &d.sha256 {
            hashes.push(json!({"alg": "SHA-256", "content": h}));
        }
        if let Some(h) = &d.md5 {
            hashes.push(json!({"alg": "MD5", "content": h}));
        }
        let mut o = json!({
            "type": "data", "bom-ref": format!("data:{}", d.path), "name": d.path,
            "data": [{"type": "dataset", "name": d.path}],
        });
        if !hashes.is_empty() {
            o["hashes"] = Value::Array(hashes);
        }
        let mut props = vec![json!({"name": "mlsec:data-format", "value": d.format.as_str()})];
        if let Some(s) = d.size {
            props.push(json!({"name": "mlsec:size", "value": s.to_string()}));
        }
        if let Some(dvc) = &d.dvc {
            props.push(json!({"name": "mlsec:dvc", "value": dvc}));
        }
        if let Some(st) = &d.stage {
            props.push(json!({"name": "mlsec:dvc-stage", "value": st}));
        }
        props.push(json!({"name": "mlsec:source", "value": d.dvc.clone().unwrap_or_else(|| d.path.clone())}));
        o["properties"] = Value::Array(props);
        out.push(o);
    }
    out
}

fn spdx_id(key: &str) -> String {
    format!("SPDXRef-Package-{}", &hex(&Sha256::digest(key.as_bytes()))[..20])
}

/// The SPDX 2.3 JSON document.
pub fn spdx(inv: &Inventory, info: &DocInfo) -> Value {
    let root_id = "SPDXRef-Package-root";
    let mut root = json!({
        "SPDXID": root_id, "name": info.name, "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION", "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "APPLICATION",
    });
    let (declared, comment) = spdx_declared(project_license(inv));
    root["licenseDeclared"] = json!(declared);
    if let Some(cm) = comment {
        root["licenseComments"] = json!(cm);
    }
    let mut packages = vec![root];
    for (key, c) in &inv.components {
        let mut p = json!({
            "SPDXID": spdx_id(key), "name": c.name, "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION", "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": if c.ecosystem == crate::purl::Ecosystem::Docker { "CONTAINER" } else { "LIBRARY" },
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": key}],
        });
        if let Some(v) = &c.version {
            p["versionInfo"] = json!(v);
        }
        let (declared, comment) = spdx_declared(c.license.as_deref());
        p["licenseDeclared"] = json!(declared);
        if let Some(cm) = comment {
            p["licenseComments"] = json!(cm);
        }
        let sums: Vec<Value> = c
            .hashes
            .iter()
            .filter_map(|(alg, h)| {
                let a = match alg.as_str() {
                    "SHA-256" => "SHA256",
                    "SHA-384" => "SHA384",
                    "SHA-512" => "SHA512",
                    "SHA-1" => "SHA1",
                    "MD5" => "MD5",
                    _ => return None,
                };
                Some(json!({"algorithm": a, "checksumValue": h}))
            })
            .collect();
        if !sums.is_empty() {
            p["checksums"] = Value::Array(sums);
        }
        if !c.files.is_empty() {
            // SPDX 2.3 File elements need a SHA-1, which RECORD does not give: the files stay in
            // the CycloneDX evidence, the count is noted here.
            let hashed = c.files.values().filter(|h| h.is_some()).count();
            p["comment"] = json!(format!(
                "installed distribution: {} files listed by its metadata ({hashed} with a SHA-256 in RECORD)",
                c.files.len()
            ));
        }
        if !c.sources.is_empty() {
            p["sourceInfo"] =
                json!(format!("declared in {}", c.sources.iter().cloned().collect::<Vec<_>>().join(", ")));
        }
        packages.push(p);
    }
    for m in inv.models.values() {
        packages.push(json!({
            "SPDXID": spdx_id(&format!("model:{}", m.path)), "name": m.path, "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false, "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION", "primaryPackagePurpose": "FILE",
            "checksums": [{"algorithm": "SHA256", "checksumValue": m.sha256}],
            "comment": format!("machine-learning model, format {}, {} bytes", m.format.as_str(), m.size),
        }));
    }
    let ml = MlRefs::new(inv);
    let mut ml_rels = Vec::new();
    for (dir, m) in &inv.hf_models {
        let r = &ml.models[dir];
        let id = spdx_id(r);
        let mut what = vec![format!("machine-learning model (Hugging Face layout in {dir})")];
        for (k, v) in [("architecture family", &m.family), ("architecture", &m.architecture), ("task", &m.task)] {
            if let Some(v) = v {
                what.push(format!("{k} {v}"));
            }
        }
        if !m.datasets.is_empty() {
            what.push(format!("datasets {}", m.datasets.join(", ")));
        }
        for x in &m.metrics {
            let val = x.value.as_deref().map(|v| format!(" = {v}")).unwrap_or_default();
            let on = x.slice.as_deref().map(|s| format!(" on {s}")).unwrap_or_default();
            what.push(format!("metric {}{val}{on}", x.kind));
        }
        let (declared, lic_comment) = spdx_declared(m.license.as_deref());
        what.extend(lic_comment);
        let mut p = json!({
            "SPDXID": id, "name": m.hub_id.clone().unwrap_or_else(|| dir.clone()), "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false, "licenseConcluded": "NOASSERTION", "licenseDeclared": declared,
            "copyrightText": "NOASSERTION", "primaryPackagePurpose": "OTHER",
            "comment": what.join("; "),
        });
        if let Some(purl) = m.hub_id.as_deref().and_then(mlmeta::hf_purl) {
            p["externalRefs"] =
                json!([{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl}]);
        }
        packages.push(p);
        ml_rels.push(json!({"spdxElementId": root_id, "relationshipType": "CONTAINS", "relatedSpdxElement": id}));
        for on in &ml.model_deps[r] {
            let rel = if on.starts_with("model:") { "CONTAINS" } else { "DEPENDS_ON" };
            ml_rels.push(json!({"spdxElementId": id, "relationshipType": rel, "relatedSpdxElement": spdx_id(on)}));
        }
        for d in &m.datasets {
            ml_rels.push(json!({"spdxElementId": id, "relationshipType": "OTHER", "relatedSpdxElement": spdx_id(&ml.hub_datasets[d]), "comment": "trained or evaluated on (model card datasets)"}));
        }
    }
    for (hub, r) in &ml.bases {
        packages.push(json!({
            "SPDXID": spdx_id(r), "name": hub, "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION", "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "OTHER", "comment": "machine-learning model (base model named by a model card)",
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": r}],
        }));
    }
    for (hub, r) in &ml.hub_datasets {
        packages.push(json!({
            "SPDXID": spdx_id(r), "name": hub, "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION", "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "OTHER", "comment": "dataset (Hugging Face hub id named by a model card)",
        }));
    }
    for d in inv.datasets.values() {
        let r = format!("data:{}", d.path);
        let mut sums = Vec::new();
        if let Some(h) = &d.sha256 {
            sums.push(json!({"algorithm": "SHA256", "checksumValue": h}));
        }
        if let Some(h) = &d.md5 {
            sums.push(json!({"algorithm": "MD5", "checksumValue": h}));
        }
        let size = d.size.map(|s| format!(", {s} bytes")).unwrap_or_default();
        let mut dvc = d.dvc.as_deref().map(|s| format!(", tracked by {s}")).unwrap_or_default();
        if let Some(st) = &d.stage {
            dvc.push_str(&format!(" (stage {st})"));
        }
        let mut p = json!({
            "SPDXID": spdx_id(&r), "name": d.path, "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION", "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "FILE",
            "comment": format!("dataset, format {}{size}{dvc}", d.format.as_str()),
        });
        if !sums.is_empty() {
            p["checksums"] = Value::Array(sums);
        }
        packages.push(p);
        ml_rels
            .push(json!({"spdxElementId": root_id, "relationshipType": "CONTAINS", "relatedSpdxElement": spdx_id(&r)}));
    }
    let mut rels = vec![
        json!({"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": root_id}),
    ];
    rels.extend(ml_rels);
    let depended: std::collections::BTreeSet<&String> = inv.dependencies.values().flatten().collect();
    for key in inv.components.keys().filter(|k| !depended.contains(k)) {
        rels.push(
            json!({"spdxElementId": root_id, "relationshipType": "DEPENDS_ON", "relatedSpdxElement": spdx_id(key)}),
        );
    }
    for m in inv.models.values() {
        let id = spdx_id(&format!("model:{}", m.path));
        rels.push(json!({"spdxElementId": root_id, "relationshipType": "CONTAINS", "relatedSpdxElement": id}));
    }
    for (from, tos) in &inv.lineage {
        for to in tos {
            rels.push(json!({"spdxElementId": spdx_id(from), "relationshipType": "GENERATED_FROM", "relatedSpdxElement": spdx_id(to)}));
        }
    }
    for (from, tos) in &inv.dependencies {
        if !inv.components.contains_key(from) {
            continue;
        }
        for to in tos.iter().filter(|t| inv.components.contains_key(*t)) {
            rels.push(json!({"spdxElementId": spdx_id(from), "relationshipType": "DEPENDS_ON", "relatedSpdxElement": spdx_id(to)}));
        }
    }
    let body = json!({"packages": packages, "relationships": rels});
    let ns = content_uuid(body.to_string().as_bytes());
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": info.name,
        "documentNamespace": format!("https://spdx.org/spdxdocs/{}-{ns}", crate::purl::encode(&info.name)),
        "creationInfo": {"created": info.timestamp, "creators": [format!("Tool: {TOOL}-{}", env!("CARGO_PKG_VERSION"))]},
        "packages": packages,
        "relationships": rels,
    })
}

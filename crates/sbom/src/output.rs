//! CycloneDX 1.6/1.5 JSON and SPDX 2.3 JSON documents, deterministic: components sorted by
//! bom-ref (their purl), timestamps from `SOURCE_DATE_EPOCH`, serial number and SPDX namespace
//! derived from the content, paths repo-relative.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::model::Inventory;

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
            let mut props: Vec<Value> = c.sources.iter().map(|s| json!({"name": "mlsec:source", "value": s})).collect();
            if let Some(s) = &c.specifier {
                props.push(json!({"name": "mlsec:specifier", "value": s}));
            }
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
    // Root depends on the components nothing else depends on (the direct dependencies).
    let depended: std::collections::BTreeSet<&String> = inv.dependencies.values().flatten().collect();
    let direct: Vec<&String> = inv.components.keys().filter(|k| !depended.contains(k)).collect();
    let mut deps = vec![json!({"ref": ROOT_REF, "dependsOn": direct})];
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
            "component": {"type": "application", "bom-ref": ROOT_REF, "name": info.name},
        },
        "components": components,
        "dependencies": deps,
    })
}

fn spdx_id(key: &str) -> String {
    format!("SPDXRef-Package-{}", &hex(&Sha256::digest(key.as_bytes()))[..20])
}

/// The SPDX 2.3 JSON document.
pub fn spdx(inv: &Inventory, info: &DocInfo) -> Value {
    let root_id = "SPDXRef-Package-root";
    let mut packages = vec![json!({
        "SPDXID": root_id, "name": info.name, "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION", "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "APPLICATION",
    })];
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
    let mut rels = vec![
        json!({"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": root_id}),
    ];
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

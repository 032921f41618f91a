//! ML-BOM metadata: Hugging Face model layouts (`config.json`, model card YAML front matter in
//! `README.md`, tokenizer files), datasets found in the repository (CSV/TSV, Parquet, JSON Lines,
//! Arrow by extension and content), DVC-tracked outputs (`*.dvc`) and DVC pipeline artifacts
//! (`dvc.lock`: each stage's data/model outputs and the data/model inputs they were made from).
//! Nothing is fetched: hub ids named by a card or config become `pkg:huggingface/...` purls only.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde_json::Value;
use yaml_rust2::Yaml;

/// Files of a Hugging Face tokenizer.
const TOKENIZER_FILES: &[&str] = &[
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "tokenizer.model",
    "spiece.model",
    "sentencepiece.bpe.model",
];

/// Card keys that mark a README front matter as a *model* card.
const MODEL_CARD_KEYS: &[&str] = &["model-index", "pipeline_tag", "base_model", "library_name"];

/// Longest text kept from one model-card section (considerations).
const MAX_SECTION: usize = 2000;

/// One performance metric of a model card's `model-index`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metric {
    /// Metric type (`accuracy`, `f1`, ...).
    pub kind: String,
    /// Value as written.
    pub value: Option<String>,
    /// What it was measured on (task, dataset, split).
    pub slice: Option<String>,
}

/// A Hugging Face model directory (a `config.json` with `architectures`/`model_type`, or a model
/// card).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HfModel {
    /// Repo-relative directory (`.` for the project root).
    pub dir: String,
    /// Hub id (`namespace/name`) when the config or card names one for this model.
    pub hub_id: Option<String>,
    /// `config.json` `model_type` (architecture family, e.g. `bert`).
    pub family: Option<String>,
    /// `config.json` `architectures[0]` (e.g. `BertForSequenceClassification`).
    pub architecture: Option<String>,
    /// Card `pipeline_tag`, else the first `model-index` task type.
    pub task: Option<String>,
    /// Card `license` as written.
    pub license: Option<String>,
    /// Card `datasets` (hub dataset ids).
    pub datasets: Vec<String>,
    /// Card `base_model` hub ids.
    pub base_models: Vec<String>,
    /// Metrics with values (`model-index`), else the card's `metrics` names.
    pub metrics: Vec<Metric>,
    /// Intended uses (card body section).
    pub use_cases: Vec<String>,
    /// Limitations (card body section).
    pub limitations: Vec<String>,
    /// Bias / risks (card body section).
    pub risks: Vec<String>,
    /// Repo-relative config, card and tokenizer files.
    pub files: BTreeSet<String>,
    /// Repo-relative tokenizer files.
    pub tokenizer: BTreeSet<String>,
}

/// Format of a data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DataFormat {
    /// Comma-separated values.
    Csv,
    /// Tab-separated values.
    Tsv,
    /// Apache Parquet.
    Parquet,
    /// JSON Lines.
    Jsonl,
    /// Apache Arrow IPC (file or stream; Hugging Face `datasets` cache files).
    Arrow,
    /// Only known from a DVC file (not present in the checkout).
    Dvc,
}

impl DataFormat {
    /// Short name used in properties.
    pub fn as_str(self) -> &'static str {
        match self {
            DataFormat::Csv => "csv",
            DataFormat::Tsv => "tsv",
            DataFormat::Parquet => "parquet",
            DataFormat::Jsonl => "jsonl",
            DataFormat::Arrow => "arrow",
            DataFormat::Dvc => "dvc",
        }
    }
}

/// A dataset file found in the repository (or tracked by DVC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    /// Repo-relative path.
    pub path: String,
    /// Format (from content; `Dvc` when only the `.dvc` file is present).
    pub format: DataFormat,
    /// Streamed SHA-256 when the file is present.
    pub sha256: Option<String>,
    /// MD5 recorded by DVC (files only; a directory's `.dir` listing hash is not a file hash).
    pub md5: Option<String>,
    /// Size in bytes (from the file, else from DVC).
    pub size: Option<u64>,
    /// The `.dvc` file (or `dvc.lock`) that tracks it.
    pub dvc: Option<String>,
    /// The `dvc.lock` stage that produces it.
    pub stage: Option<String>,
}

/// Is `name` a file this module reads (config, card, tokenizer)?
pub fn is_hf_file(name: &str) -> bool {
    name == "config.json" || name.eq_ignore_ascii_case("README.md") || TOKENIZER_FILES.contains(&name)
}

/// Is this path a data-file candidate (by extension; the content decides)?
pub fn data_candidate(rel: &str) -> Option<&'static str> {
    let ext = rel.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    Some(match ext.as_str() {
        "csv" => "csv",
        "tsv" => "tsv",
        "parquet" | "pq" => "parquet",
        "jsonl" | "ndjson" => "jsonl",
        "arrow" | "feather" => "arrow",
        _ => return None,
    })
}

/// Sniff a data file: Parquet (`PAR1` at both ends), Arrow IPC (`ARROW1` file, or a stream's
/// `0xFFFFFFFF` continuation marker), CSV/TSV (UTF-8 text without NUL bytes), JSON Lines (the
/// first line is a JSON object or array). `Ok(None)` when the content does not match.
pub fn sniff_data(path: &Path, kind: &str) -> std::io::Result<Option<DataFormat>> {
    let mut f = File::open(path)?;
    let size = f.metadata()?.len();
    let mut head = vec![0u8; 64 * 1024];
    let mut n = 0;
    while n < head.len() {
        let r = f.read(&mut head[n..])?;
        if r == 0 {
            break;
        }
        n += r;
    }
    head.truncate(n);
    Ok(match kind {
        "parquet" => {
            let tail_ok = if size <= head.len() as u64 {
                head.ends_with(b"PAR1")
            } else {
                use std::io::{Seek, SeekFrom};
                let mut t = [0u8; 4];
                f.seek(SeekFrom::End(-4))?;
                f.read_exact(&mut t)?;
                &t == b"PAR1"
            };
            (head.starts_with(b"PAR1") && size >= 12 && tail_ok).then_some(DataFormat::Parquet)
        }
        "arrow" => {
            (head.starts_with(b"ARROW1") || head.starts_with(&[0xff, 0xff, 0xff, 0xff])).then_some(DataFormat::Arrow)
        }
        "csv" | "tsv" => {
            let text_ok = !head.contains(&0) && utf8_prefix(&head);
            let fmt = if kind == "csv" { DataFormat::Csv } else { DataFormat::Tsv };
            (text_ok && !head.is_empty()).then_some(fmt)
        }
        "jsonl" => {
            let text = String::from_utf8_lossy(&head);
            let first = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
            let complete = text.trim_start().contains('\n') || size == n as u64;
            let ok = if complete {
                matches!(serde_json::from_str::<Value>(first), Ok(Value::Object(_) | Value::Array(_)))
            } else {
                first.starts_with('{') || first.starts_with('[')
            };
            ok.then_some(DataFormat::Jsonl)
        }
        _ => None,
    })
}

/// Valid UTF-8, allowing a character cut at the end of the buffer.
fn utf8_prefix(b: &[u8]) -> bool {
    match std::str::from_utf8(b) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && b.len() - e.valid_up_to() < 4,
    }
}

/// One `outs`/`deps` entry of a DVC file: path (made repo-relative), file MD5 (a directory's
/// `<md5>.dir` listing hash is not a file hash and is dropped), size; `dir` when it is a directory.
fn dvc_entry(dir: &str, rel: &str, o: &Yaml) -> Option<(DataFile, bool)> {
    let path = join_rel(dir, o["path"].as_str()?)?;
    let raw = o["md5"].as_str().unwrap_or("");
    let md5 =
        Some(raw).filter(|m| m.len() == 32 && m.bytes().all(|b| b.is_ascii_hexdigit())).map(str::to_ascii_lowercase);
    let size = o["size"].as_i64().and_then(|s| u64::try_from(s).ok());
    let is_dir = raw.ends_with(".dir") || o["nfiles"].as_i64().is_some();
    let d =
        DataFile { path, format: DataFormat::Dvc, sha256: None, md5, size, dvc: Some(rel.to_string()), stage: None };
    Some((d, is_dir))
}

/// Outputs of a DVC file (`outs: [{path, md5, size}]`), paths made repo-relative.
pub fn parse_dvc(rel: &str, text: &str) -> Result<Vec<DataFile>, String> {
    let doc = crate::yaml::load(text)?;
    let outs = doc["outs"].as_vec().ok_or("no `outs` list")?;
    let dir = rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    Ok(outs.iter().filter_map(|o| dvc_entry(dir, rel, o)).map(|(d, _)| d).collect())
}

/// One stage of a `dvc.lock`: what it read and what it wrote (every entry, code and parameters
/// files too; [`is_artifact`] decides which are data or models).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DvcStage {
    /// Stage name (`train`, `featurize@2024`).
    pub name: String,
    /// Inputs (`deps`), with whether each is a directory.
    pub deps: Vec<(DataFile, bool)>,
    /// Outputs (`outs`), with whether each is a directory.
    pub outs: Vec<(DataFile, bool)>,
}

/// Stages of a `dvc.lock` (schema 2.0 `stages:` map, or the 1.x top-level map of stages); paths
/// are relative to the lockfile's directory, as DVC writes them.
pub fn parse_dvc_lock(rel: &str, text: &str) -> Result<Vec<DvcStage>, String> {
    let doc = crate::yaml::load(text)?;
    let stages = match (&doc["stages"], &doc) {
        (Yaml::Hash(h), _) => h,
        (Yaml::BadValue, Yaml::Hash(h)) if !h.contains_key(&Yaml::String("schema".into())) => h,
        _ => return Err("no `stages` map".to_string()),
    };
    let dir = rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut out = Vec::new();
    for (name, st) in stages {
        let Some(name) = name.as_str() else { continue };
        let entries = |k: &str| -> Vec<(DataFile, bool)> {
            st[k].as_vec().into_iter().flatten().filter_map(|o| dvc_entry(dir, rel, o)).collect()
        };
        let mut outs = entries("outs");
        for (o, _) in &mut outs {
            o.stage = Some(name.to_string());
        }
        out.push(DvcStage { name: name.to_string(), deps: entries("deps"), outs });
    }
    Ok(out)
}

/// Archive extensions a pipeline's raw data often comes in.
const ARCHIVE_EXT: &[&str] = &["tar", "tgz", "gz", "zip", "bz2", "xz", "zst", "7z"];

/// Is a DVC pipeline entry a data or model artifact (a directory, or a data, model or archive file
/// by extension) rather than code or a parameters/metrics file?
pub fn is_artifact(path: &str, is_dir: bool) -> bool {
    let ext = path.rsplit('/').next().and_then(|n| n.rsplit_once('.')).map(|(_, e)| e.to_ascii_lowercase());
    is_dir
        || data_candidate(path).is_some()
        || crate::models::is_candidate(path)
        || ext.is_some_and(|e| ARCHIVE_EXT.contains(&e.as_str()))
}

/// `dir/p` normalised; None when it leaves the project or is absolute.
pub(crate) fn join_rel(dir: &str, p: &str) -> Option<String> {
    if p.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// A Hugging Face hub id: `namespace/name` (one slash, hub characters, no path syntax).
pub fn hub_id(s: &str) -> Option<String> {
    let s = s.trim();
    let (ns, name) = s.split_once('/')?;
    let ok = |p: &str| {
        !p.is_empty()
            && !p.starts_with('.')
            && !p.starts_with('-')
            && p.len() <= 96
            && p.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    (ok(ns) && ok(name) && !name.contains("..")).then(|| s.to_string())
}

/// The `pkg:huggingface/<namespace>/<name>` purl of a hub id.
pub fn hf_purl(id: &str) -> Option<String> {
    let (ns, name) = id.split_once('/')?;
    Some(format!("pkg:huggingface/{}/{}", crate::purl::encode(ns), crate::purl::encode(name)))
}

/// A string or a list of strings.
fn strings(y: &Yaml) -> Vec<String> {
    match y {
        Yaml::String(s) => vec![s.trim().to_string()],
        Yaml::Array(a) => a.iter().filter_map(scalar).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect()
}

/// A scalar as text.
fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.trim().to_string()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// What a model card says: front matter (YAML) and the considerations sections of the body.
#[derive(Debug, Default)]
struct Card {
    is_model_card: bool,
    license: Option<String>,
    datasets: Vec<String>,
    base_models: Vec<String>,
    task: Option<String>,
    metrics: Vec<Metric>,
    use_cases: Vec<String>,
    limitations: Vec<String>,
    risks: Vec<String>,
}

/// Split `---\n<yaml>\n---` front matter from a Markdown file.
fn front_matter(text: &str) -> Option<(&str, &str)> {
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = t.strip_prefix("---\n").or_else(|| t.strip_prefix("---\r\n"))?;
    let mut off = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((&rest[..off], &rest[off + line.len()..]));
        }
        off += line.len();
    }
    None
}

fn parse_card(text: &str) -> Result<Card, String> {
    let mut card = Card::default();
    let Some((yaml, body)) = front_matter(text) else { return Ok(card) };
    if yaml.trim().is_empty() {
        return Ok(card);
    }
    let doc = crate::yaml::load(yaml)?;
    if doc.as_hash().is_none() {
        return Ok(card);
    }
    card.is_model_card = MODEL_CARD_KEYS.iter().any(|k| !doc[*k].is_badvalue());
    card.license = scalar(&doc["license"]).filter(|s| !s.is_empty());
    if card.license.as_deref() == Some("other") {
        card.license = scalar(&doc["license_name"]).or(card.license);
    }
    card.datasets = strings(&doc["datasets"]);
    card.base_models = strings(&doc["base_model"]).into_iter().filter_map(|s| hub_id(&s)).collect();
    card.task = scalar(&doc["pipeline_tag"]);
    for entry in doc["model-index"].as_vec().into_iter().flatten() {
        for result in entry["results"].as_vec().into_iter().flatten() {
            let task = scalar(&result["task"]["type"]);
            if card.task.is_none() {
                card.task.clone_from(&task);
            }
            let ds = &result["dataset"];
            let slice: Vec<String> = [scalar(&ds["name"]).or_else(|| scalar(&ds["type"])), scalar(&ds["split"])]
                .into_iter()
                .flatten()
                .collect();
            let slice = (!slice.is_empty()).then(|| slice.join(" / "));
            for m in result["metrics"].as_vec().into_iter().flatten() {
                let Some(kind) = scalar(&m["type"]).or_else(|| scalar(&m["name"])) else { continue };
                card.metrics.push(Metric { kind, value: scalar(&m["value"]), slice: slice.clone() });
            }
        }
    }
    if card.metrics.is_empty() {
        card.metrics =
            strings(&doc["metrics"]).into_iter().map(|kind| Metric { kind, value: None, slice: None }).collect();
    }
    for (heading, text) in sections(body) {
        let h = heading.to_ascii_lowercase();
        // "Intended uses & limitations" (the transformers Trainer template) is a use-case section.
        let target = if h.contains("intended use") || h == "uses" || h.contains("direct use") {
            &mut card.use_cases
        } else if h.contains("limitation") && !h.contains("bias") {
            &mut card.limitations
        } else if h.contains("bias") || h.contains("risk") || h.contains("ethic") {
            &mut card.risks
        } else {
            continue;
        };
        target.push(text);
    }
    Ok(card)
}

/// Markdown `#`-headed sections of a card body with their text (placeholders dropped).
fn sections(body: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut cur: Option<(String, String)> = None;
    let mut flush = |cur: &mut Option<(String, String)>| {
        if let Some((h, t)) = cur.take() {
            let t = t.trim();
            if !t.is_empty() && !t.contains("[More Information Needed]") {
                let mut t = t.to_string();
                if t.len() > MAX_SECTION {
                    let mut cut = MAX_SECTION;
                    while !t.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    t.truncate(cut);
                    t.push('…');
                }
                out.push((h, t));
            }
        }
    };
    for line in body.lines() {
        if let Some(h) = line.strip_prefix('#') {
            flush(&mut cur);
            cur = Some((h.trim_start_matches('#').trim().to_string(), String::new()));
        } else if let Some((_, t)) = cur.as_mut() {
            t.push_str(line);
            t.push('\n');
        }
    }
    flush(&mut cur);
    out
}

/// Build the Hugging Face models of a project from its config, card and tokenizer files
/// (repo-relative paths). Read errors and malformed files become warnings.
pub fn hf_models(base: &Path, files: &[String], warnings: &mut Vec<String>) -> BTreeMap<String, HfModel> {
    let mut by_dir: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for rel in files {
        let (dir, _) = rel.rsplit_once('/').unwrap_or((".", rel));
        by_dir.entry(dir.to_string()).or_default().push(rel);
    }
    let mut models = BTreeMap::new();
    for (dir, rels) in by_dir {
        let name_of = |r: &&String| r.rsplit('/').next().unwrap_or(r).to_string();
        let mut m = HfModel { dir: dir.clone(), ..HfModel::default() };
        let mut is_model = false;
        let mut name_or_path = None;
        for rel in &rels {
            let name = name_of(rel);
            if name == "config.json" {
                let parsed = crate::scan::read(base, rel)
                    .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|e| format!("invalid JSON: {e}")));
                // `config.json` is a common name (editor and tool settings, JSON with comments):
                // one that is not JSON is not a model config, so no warning.
                if let Ok(v) = parsed {
                    let arch = v["architectures"].as_array().and_then(|a| a.first()).and_then(Value::as_str);
                    let family = v["model_type"].as_str();
                    if arch.is_some() || family.is_some() {
                        is_model = true;
                        m.architecture = arch.map(str::to_string);
                        m.family = family.map(str::to_string);
                        name_or_path = v["_name_or_path"].as_str().and_then(hub_id);
                        m.files.insert((*rel).clone());
                    }
                }
            } else if name.eq_ignore_ascii_case("README.md") {
                match crate::scan::read(base, rel).and_then(|t| parse_card(&t)) {
                    Ok(card) => {
                        let has_config = rels.iter().any(|r| name_of(r) == "config.json");
                        if card.is_model_card || has_config {
                            is_model |= card.is_model_card;
                            m.license = card.license;
                            m.datasets = card.datasets;
                            m.base_models = card.base_models;
                            m.task = card.task;
                            m.metrics = card.metrics;
                            m.use_cases = card.use_cases;
                            m.limitations = card.limitations;
                            m.risks = card.risks;
                            m.files.insert((*rel).clone());
                        }
                    }
                    Err(e) => warnings.push(format!("{rel}: model card skipped: {e}")),
                }
            } else if TOKENIZER_FILES.contains(&name.as_str()) {
                m.tokenizer.insert((*rel).clone());
            }
        }
        if !is_model {
            continue;
        }
        // `_name_or_path` is the model's own hub id in a hub snapshot, but the *base* model's id
        // after `save_pretrained` of a fine-tune: it names this model only when the card does not
        // give it as the base.
        m.hub_id = name_or_path.filter(|id| !m.base_models.contains(id));
        m.files.extend(m.tokenizer.iter().cloned());
        models.insert(dir, m);
    }
    models
}

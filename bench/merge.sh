#!/usr/bin/env bash
# mlsec merge vs the SARIF Multitool (Microsoft's reference SARIF tool, npm
# @microsoft/sarif-multitool) on the same files: 7 SARIF files of N findings each, then mlsec's
# whole report step on them. Prints the best of R wall-clock runs and the ratio.
# (The Multitool's `validate` crashes in the npm single-file build, so it is not compared.)
# Usage: bench/merge.sh [N] [R]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-5000}
reps=${2:-3}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mlsec/target}"
tools="$root/.tools/anchors"
MULTITOOL_VERSION=4.5.4
if [ ! -x "$tools/node_modules/.bin/sarif-multitool" ]; then
  mkdir -p "$tools"
  (cd "$tools" && npm install --silent --no-audit --no-fund "@microsoft/sarif-multitool@$MULTITOOL_VERSION")
  chmod u+x "$tools"/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
fi
multitool="$tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
cargo build --quiet --release --locked -p mlsec --bin mlsec
cargo build --quiet --release --locked -p mlsec-findings --example write_scaled
mlsec="$CARGO_TARGET_DIR/release/mlsec"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$CARGO_TARGET_DIR/release/examples/write_scaled" "$work/in" "$n"

best() { # prints the best wall time in seconds of $reps runs of the command
  local b=""
  for _ in $(seq "$reps"); do
    local s e t
    s=$(date +%s.%N)
    if ! "$@" >/dev/null 2>"$work/err"; then echo "failed: $*" >&2; cat "$work/err" >&2; exit 1; fi
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
  done
  printf '%.3f' "$b"
}
row() { printf '%-34s %9ss %9ss %7.1fx\n' "$1" "$2" "$3" "$(echo "$3 / $2" | bc -l)"; }

echo "7 files x $n findings ($(du -sh "$work/in" | cut -f1)); best of $reps; machine: $(nproc) cores"
printf '%-34s %10s %10s %8s\n' task mlsec multitool ratio
m=$(best "$mlsec" merge "$work"/in/*.sarif -o "$work/m.sarif" --force)
t=$(best "$multitool" merge "$work"/in/*.sarif -o "$work/mt" --output-file m.sarif --log ForceOverwrite)
row "merge 7 files" "$m" "$t"
r=$(best env MLSEC_TODAY=2026-12-02 "$mlsec" report "$work"/in/*.sarif --sarif "$work/r/all.sarif" \
  --gitlab-dir "$work/r/gl" --codequality "$work/r/cq.json" --junit "$work/r/j.xml" \
  --markdown "$work/r/s.md" --html "$work/r/r.html")
printf '%-34s %9ss\n' "mlsec report: read+merge+7 formats" "$r"

#!/usr/bin/env bash
# The `report` action: merge the findings files of several jobs (downloaded artifacts), write the
# reports, set outputs, gate, and (optionally) publish. Inputs arrive as environment variables:
# INPUT_FILES (globs, one per line), MLSEC_* (gate and publish options, read by mlsec itself).
# Exit: the gate's (0/1/2), or 2 when publishing failed.
set -uo pipefail
shopt -s globstar nullglob
lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="${MLSEC_OUT_DIR:-mlsec-out}"
mkdir -p "$out"
merged="$out/all.sarif"
files=()
while IFS= read -r pattern; do
  [ -z "$pattern" ] && continue
  # shellcheck disable=SC2206 # the pattern is meant to be expanded as a glob
  for f in $pattern; do
    [ "$(realpath "$f")" = "$(realpath -m "$merged")" ] || files+=("$f")
  done
done <<<"${INPUT_FILES:-mlsec-out/**/*.sarif}"
if [ ${#files[@]} -eq 0 ]; then
  echo "::error::mlsec report: no findings file matches: ${INPUT_FILES:-mlsec-out/**/*.sarif}"
  echo "hint: download the scanner jobs' artifacts first (actions/download-artifact)"
  exit 2
fi
mlsec merge "${files[@]}" --output "$merged" --force || exit 2
mlsec -q report "$merged" --markdown "$out/report.md" --html "$out/report.html" || exit 2
rc=0
mlsec gate "$merged" || rc=$?
publishing=false
[ "${MLSEC_PUBLISH:-false}" = true ] && publishing=true
# When publishing, `mlsec publish` writes the step summary and the annotations.
MLSEC_OUTPUTS_ONLY=$publishing "$lib/outputs.sh" "$merged" "$out/report.md" || rc=2
if $publishing; then
  prc=0
  mlsec publish "$merged" --report-dir "$out/publish" || prc=$?
  if [ "$prc" -eq 2 ]; then rc=2; fi
fi
exit "$rc"

#!/usr/bin/env bash
# The `scan` action: `mlsec scan`, then outputs, step summary, annotations and (optionally)
# `mlsec publish`. Every input arrives as an environment variable (MLSEC_* are read by mlsec
# itself; INPUT_PATH and MLSEC_PUBLISH here). Exit: mlsec scan's (0/1/2), or 2 when publishing failed.
set -uo pipefail
lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="${MLSEC_OUT_DIR:-mlsec-out}"
rc=0
# Paths relative to the repository root when the scanned path is a subdirectory.
prefix=$("$lib/path-prefix.sh" "${INPUT_PATH:-.}")
prefix_args=()
[ -n "$prefix" ] && prefix_args=(--path-prefix "$prefix")
mlsec scan "${INPUT_PATH:-.}" "${prefix_args[@]}" || rc=$?
sarif="$out/all.sarif"
if [ ! -f "$sarif" ]; then
  echo "::error::mlsec scan wrote no findings (exit $rc); see the log above"
  exit 2
fi
publishing=false
[ "${MLSEC_PUBLISH:-false}" = true ] && publishing=true
# When publishing, `mlsec publish` writes the step summary and the annotations.
MLSEC_OUTPUTS_ONLY=$publishing "$lib/outputs.sh" "$sarif" "$out/report.md" || rc=2
if $publishing; then
  prc=0
  mlsec publish "$sarif" --report-dir "$out/publish" || prc=$?
  if [ "$prc" -eq 2 ]; then rc=2; fi
fi
exit "$rc"

#!/usr/bin/env bash
# Sets the actions' outputs from a findings file and shows it where reviewers look.
# Usage: outputs.sh SARIF [REPORT_MD]
#   $GITHUB_OUTPUT: sarif-file, findings (unsuppressed, present), max-severity (or `none`)
#   $GITHUB_STEP_SUMMARY: REPORT_MD, or `mlsec report --markdown` of SARIF
#   stdout: workflow-command annotations when MLSEC_ANNOTATIONS is true (the default)
# MLSEC_OUTPUTS_ONLY=true sets the outputs only (when `mlsec publish` writes the summary and the
# annotations itself).
set -euo pipefail
sarif=$1
md=${2:-}
counted='[.runs[].results[]? | select(((.suppressions // []) | map(select(.status == "accepted" or .status == null)) | length) == 0) | select(.baselineState != "absent")]'
findings=$(jq "$counted | length" "$sarif")
max=$(jq -r "$counted | map(.properties[\"mlsec/severity\"] // \"unknown\") as \$s
  | [\"critical\", \"high\", \"medium\", \"unknown\", \"low\", \"info\"] | map(select(. as \$x | \$s | index(\$x))) | .[0] // \"none\"" "$sarif")
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "sarif-file=$sarif"
    echo "findings=$findings"
    echo "max-severity=$max"
  } >>"$GITHUB_OUTPUT"
fi
if [ "${MLSEC_OUTPUTS_ONLY:-false}" = true ]; then
  echo "mlsec: $findings finding(s), most severe: $max ($sarif)"
  exit 0
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if [ -n "$md" ] && [ -f "$md" ]; then
    cat "$md" >>"$GITHUB_STEP_SUMMARY"
  else
    mlsec -q report "$sarif" --markdown - >>"$GITHUB_STEP_SUMMARY" || true
  fi
fi
if [ "${MLSEC_ANNOTATIONS:-true}" = true ]; then
  mlsec -q report "$sarif" --github-annotations || true
fi
echo "mlsec: $findings finding(s), most severe: $max ($sarif)"

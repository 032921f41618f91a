#!/usr/bin/env bash
# Sets the actions' outputs from a findings file and shows it where reviewers look.
# Usage: outputs.sh SARIF [REPORT_MD]
#   $GITHUB_OUTPUT: sarif-file, findings (as the gate counts them: not suppressed, an expired
#   suppression no longer counts; present), max-severity (or `none`)
#   $GITHUB_STEP_SUMMARY: REPORT_MD, or `mlsec report --markdown` of SARIF
#   stdout: workflow-command annotations when MLSEC_ANNOTATIONS is true (the default)
# MLSEC_OUTPUTS_ONLY=true sets the outputs only (when `mlsec publish` writes the summary and the
# annotations itself).
set -euo pipefail
sarif=$1
md=${2:-}
# The counts come from mlsec itself, so that they are the gate's: a suppression past its expiry
# no longer suppresses, absent (fixed) baseline findings are not counted.
counts=$(mktemp)
trap 'rm -f "$counts"' EXIT
# (Exit 2 for a run that did not complete still writes the counts; the caller has its exit code.)
mlsec -q report "$sarif" --github-output "$counts" || true
findings=$(sed -n 's/^findings=//p' "$counts")
max=$(sed -n 's/^max-severity=//p' "$counts")
if [ -z "$findings" ] || [ -z "$max" ]; then
  echo "::error::mlsec could not count the findings of $sarif"
  exit 2
fi
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

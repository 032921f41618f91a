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
sys.exit(0 if rec >= 0.50 and prec >= 0.90 else 1)
PY
}
check "secret-scan: corpus recall >= 50% and precision >= 90% (score.py)" ss_score
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

# model-scan on its labelled corpus (crates/model-scan/tests/corpus/gen_corpus.py), checked against
# the official SARIF schema, the mlsec profile, and the two public scanners (picklescan, modelscan;
# pinned in scripts/test-tools.d/model-scan.sh): every file either of them flags, model-scan flags
# too, and no benign file is flagged by model-scan.
cargo build --quiet --locked -p model-scan || exit 2
model_scan="$CARGO_TARGET_DIR/debug/model-scan"
venv="$root/.tools/venv/bin"
corpus="$out/model-scan/corpus"
mkdir -p "$out/model-scan"
check "model-scan: corpus generated" "$venv/python" crates/model-scan/tests/corpus/gen_corpus.py "$corpus"
# Scanned from inside the corpus, so that result URIs are the manifest's paths.
check "model-scan: corpus scan exits 1 (findings)" bash -c \
  "cd '$corpus' && '$model_scan' . --fail-on medium -q --output '$out/model-scan/corpus.sarif'; test \$? -eq 1"
check "model-scan: SARIF passes the OASIS 2.1.0 schema" schema "$schemas/sarif-schema-2.1.0.json" \
  "$out/model-scan/corpus.sarif"
check "model-scan: SARIF passes the mlsec profile" "$mlsec" validate "$out/model-scan/corpus.sarif"
check "model-scan: the SARIF holds no payload command" bash -c \
  "! grep -q 'mlsec-corpus-payload' '$out/model-scan/corpus.sarif'"
# The anchors read whole files into memory: the 1 GiB zip bomb and the stress files stay out of
# their copy (bench/model-scan.sh runs them on everything, under a memory limit).
rsync -a --exclude 'malformed/zip/bomb_*' --exclude 'stress/' "$corpus/" "$out/model-scan/anchors/"
"$venv/picklescan" -p "$out/model-scan/anchors" >"$out/model-scan/picklescan.txt" 2>&1
(cd "$out/model-scan/anchors" && "$venv/modelscan" -p . -r json -o "$out/model-scan/modelscan.json" >/dev/null 2>&1)
check "model-scan: flags every attack and malformed file (so all that picklescan or modelscan flag), no benign one" "$venv/python" - \
  "$out/model-scan/corpus.sarif" "$corpus" "$out/model-scan/picklescan.txt" "$out/model-scan/modelscan.json" <<'PY'
import json, sys
sarif, corpus, ps_out, mo_out = sys.argv[1:5]
files = [f for f in json.load(open(f"{corpus}/manifest.json"))["files"] if f["kind"] != "stress"]
# picklescan: "<abs path>[:<zip entry>]: dangerous import '...' FOUND"; modelscan: issues[].source
# is "<path relative to the corpus>[:<entry>]".
anchors = corpus.rsplit("/", 1)[0] + "/anchors/"
theirs = {l.split(": ")[0].removeprefix(anchors).split(":")[0] for l in open(ps_out) if l.endswith("FOUND\n")}
theirs |= {i["source"].removeprefix("./").split(":")[0] for i in json.load(open(mo_out))["issues"]}
# Ours: the files with a finding at medium or above (what --fail-on medium fails on) in the scan above.
ours = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.load(open(sarif))["runs"][0]["results"]
        if r["properties"]["mlsec/severity"] in ("medium", "high", "critical")}
bad = []
for f in files:
    if f["kind"] == "benign" and f["path"] in ours:
        bad.append(f"false positive: {f['path']}")
    elif f["kind"] != "benign" and f["path"] not in ours:
        bad.append(f"missed{' (an anchor finds it)' if f['path'] in theirs else ''}: {f['path']}")
print(f"{len(theirs)} files flagged by picklescan or modelscan")
if len(theirs) < 40:
    bad.append(f"the anchors flagged only {len(theirs)} files: their output was not read")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY

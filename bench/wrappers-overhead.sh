#!/usr/bin/env bash
# Overhead of trivy-wrapper and bandit-wrapper over the tool itself on a 5,000-finding report:
# a stand-in tool replays a generated report (5,000 vulnerabilities / 5,000 Bandit results on a
# 5,000-line Python file); wrapper time minus the stand-in's own time (measured alone) = overhead.
# Usage: bench/wrappers-overhead.sh [RUNS]   (release build; prints medians of CPU ms)
#   WRAPPERS_BIN=DIR: time the binaries in DIR instead of building (e.g. a saved "before" build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mlsec/target}"
bin=${WRAPPERS_BIN:-$CARGO_TARGET_DIR/release}
[ -n "${WRAPPERS_BIN:-}" ] || cargo build --quiet --release -p trivy-wrapper -p bandit-wrapper
runs=${1:-15}
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
python3 - "$w" <<'PY'
import json, sys, os
w = sys.argv[1]
vulns = [{"VulnerabilityID": f"CVE-2026-{i:05d}", "PkgName": f"pkg{i % 700}", "PkgIdentifier": {"PURL": f"pkg:pypi/pkg{i % 700}@1.{i % 7}", "UID": f"u{i % 700}"},
          "InstalledVersion": f"1.{i % 7}", "FixedVersion": "" if i % 5 == 0 else "9.9", "Status": "fixed", "Severity": ["LOW", "MEDIUM", "HIGH", "CRITICAL"][i % 4],
          "Title": f"made-up advisory {i}", "Description": "x" * 300, "CweIDs": ["CWE-502"], "CVSS": {"nvd": {"V3Score": 5.5}},
          "References": [f"https://example.org/{i}/{j}" for j in range(5)]} for i in range(5000)]
pkgs = [{"Name": f"pkg{i}", "Identifier": {"PURL": f"pkg:pypi/pkg{i}@1.{i % 7}", "UID": f"u{i}"}, "Version": f"1.{i % 7}", "Locations": [{"StartLine": i + 1, "EndLine": i + 1}]} for i in range(700)]
json.dump({"SchemaVersion": 2, "Trivy": {"Version": "0.69.1"}, "ArtifactName": ".", "ArtifactType": "filesystem",
           "Results": [{"Target": "requirements.txt", "Class": "lang-pkgs", "Type": "pip", "Packages": pkgs, "Vulnerabilities": vulns}]}, open(f"{w}/trivy.json", "w"))
os.makedirs(f"{w}/proj", exist_ok=True)
with open(f"{w}/proj/big.py", "w") as f:
    for i in range(5000):
        f.write(f"x{i} = pickle.loads(data[{i}])\n")
res = [{"test_id": "B301", "test_name": "blacklist", "filename": "proj/big.py", "line_number": i + 1, "line_range": [i + 1], "col_offset": 5, "end_col_offset": 25,
        "issue_severity": "MEDIUM", "issue_confidence": "HIGH", "issue_text": "Pickle and modules that wrap it can be unsafe", "issue_cwe": {"id": 502, "link": ""},
        "more_info": "https://bandit.readthedocs.io/en/1.9.4/blacklists/blacklist_calls.html#b301-pickle", "code": f"{i + 1} x{i} = pickle.loads(data[{i}])\n"} for i in range(5000)]
json.dump({"errors": [], "results": res, "metrics": {}}, open(f"{w}/bandit.json", "w"))
PY
cat >"$w/trivy" <<'SH'
#!/bin/sh
if [ "$1" = --version ]; then echo 'Version: 0.69.1'; exit 0; fi
out=""; prev=""
for a in "$@"; do [ "$prev" = --output ] && out="$a"; prev="$a"; done
cp "$(dirname "$0")/trivy.json" "${out:-/dev/null}"
SH
cat >"$w/bandit" <<'SH'
#!/bin/sh
if [ "$1" = --version ]; then echo 'bandit 1.9.4'; exit 0; fi
cat "$(dirname "$0")/bandit.json"; exit 1
SH
chmod +x "$w/trivy" "$w/bandit"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# CPU time (user + sys, children included) in ms: robust on a loaded machine, unlike wall time.
ms() { /usr/bin/time -f '%U %S' -o "$w/time" "$@" >/dev/null 2>&1 || true; awk '{printf "%d\n", ($1 + $2) * 1000}' "$w/time"; }
cd "$w"
tool_t=$(for _ in $(seq "$runs"); do ms sh -c "./trivy --version; ./trivy fs --output $w/t.json proj"; done | median)
wrap_t=$(for _ in $(seq "$runs"); do ms "$bin/trivy-wrapper" fs proj --trivy ./trivy -q -o "$w/t.sarif" --fail-on none; done | median)
tool_b=$(for _ in $(seq "$runs"); do ms sh -c "./bandit --version; ./bandit -f json proj"; done | median)
wrap_b=$(for _ in $(seq "$runs"); do ms "$bin/bandit-wrapper" proj --bandit ./bandit -q -o "$w/b.sarif" --fail-on none; done | median)
echo "trivy-wrapper: 5000 findings: wrapper ${wrap_t} ms, stand-in alone ${tool_t} ms, overhead $((wrap_t - tool_t)) ms"
echo "bandit-wrapper: 5000 findings: wrapper ${wrap_b} ms, stand-in alone ${tool_b} ms, overhead $((wrap_b - tool_b)) ms"

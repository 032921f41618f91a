# sbom: CycloneDX 1.6/1.5 and SPDX 2.3 outputs against the official schemas (check-jsonschema;
# bom-1.x.schema.json refers to spdx.schema.json and jsf-0.82.schema.json by relative URI, so
# --base-uri points the resolver at the local schema directory: no network), the official
# validators (cyclonedx-python-lib, pyspdxtools), the findings profile, and completeness on the
# real text-generation-inference lockfiles (every pinned PyPI name==version must be found).
cargo build --quiet --locked -p sbom || exit 2
sbom_bin="$CARGO_TARGET_DIR/debug/sbom"
tgi="$shared/projects/text-generation-inference"
venv="$root/.tools/venv/bin"
export SOURCE_DATE_EPOCH=1700000000
mkdir -p "$out/sbom"
check "sbom: tgi CycloneDX 1.6 + findings" \
  "$sbom_bin" "$tgi" -q -o "$out/sbom/tgi.cdx.json" --findings "$out/sbom/tgi.sarif"
check "sbom: tgi CycloneDX 1.5" "$sbom_bin" "$tgi" -q -o "$out/sbom/tgi.cdx15.json" --spec-version 1.5
check "sbom: tgi SPDX 2.3" "$sbom_bin" "$tgi" -q -o "$out/sbom/tgi.spdx.json" --format spdx-json
check "sbom: CycloneDX 1.6 schema (local refs)" \
  "$cjs" --base-uri "file://$schemas/" --schemafile "$schemas/bom-1.6.schema.json" "$out/sbom/tgi.cdx.json"
check "sbom: CycloneDX 1.5 schema (local refs)" \
  "$cjs" --base-uri "file://$schemas/" --schemafile "$schemas/bom-1.5.schema.json" "$out/sbom/tgi.cdx15.json"
check "sbom: SPDX 2.3 schema" schema "$schemas/spdx-2.3.schema.json" "$out/sbom/tgi.spdx.json"
check "sbom: cyclonedx-python-lib validator 1.6 + 1.5" "$venv/python" - "$out/sbom/tgi.cdx.json" "$out/sbom/tgi.cdx15.json" <<'PY'
import sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
for path, v in ((sys.argv[1], SchemaVersion.V1_6), (sys.argv[2], SchemaVersion.V1_5)):
    err = JsonStrictValidator(v).validate_str(open(path).read())
    assert err is None, (path, err)
PY
check "sbom: pyspdxtools" "$venv/pyspdxtools" -i "$out/sbom/tgi.spdx.json"
check "sbom: findings SARIF schema" schema "$schemas/sarif-schema-2.1.0.json" "$out/sbom/tgi.sarif"
check "sbom: findings mlsec profile" "$mlsec" validate "$out/sbom/tgi.sarif"
check "sbom: deterministic (byte-identical rerun)" bash -c \
  "'$sbom_bin' '$tgi' -q -o '$out/sbom/again.json' && cmp '$out/sbom/tgi.cdx.json' '$out/sbom/again.json'"
check "sbom: no absolute paths in the SBOM" bash -c "! grep -q '$tgi' '$out/sbom/tgi.cdx.json'"
check "sbom: 100% of pinned PyPI name==version pairs in the tgi lockfiles" \
  python3 "$root/bench/sbom-recall.py" "$tgi" "$out/sbom/tgi.cdx.json" --min 100
check "sbom: Cargo.lock complete (every [[package]] found)" python3 - "$tgi/Cargo.lock" "$out/sbom/tgi.cdx.json" <<'PY'
import json, sys, tomllib
lock = {(p["name"], p["version"]) for p in tomllib.load(open(sys.argv[1], "rb"))["package"]}
bom = {(c["name"], c.get("version")) for c in json.load(open(sys.argv[2]))["components"] if c["purl"].startswith("pkg:cargo/")}
assert lock <= bom, sorted(lock - bom)[:10]
print(len(lock), "crates")
PY
unset SOURCE_DATE_EPOCH

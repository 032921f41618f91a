# sbom: CycloneDX 1.6/1.5 and SPDX 2.3 outputs against the official schemas (check-jsonschema;
# bom-1.x.schema.json refers to spdx.schema.json and jsf-0.82.schema.json by relative URI, so
# --base-uri points the resolver at the local schema directory: no network), the official
# validators (cyclonedx-python-lib, pyspdxtools), the findings profile, and completeness on the
# real text-generation-inference lockfiles (every pinned PyPI and Cargo name==version must be found).
cargo build --quiet --locked -p sbom || exit 2
sbom_bin="$CARGO_TARGET_DIR/debug/sbom"
tgi="$shared/projects/text-generation-inference"
venv="$root/.tools/venv/bin"
export SOURCE_DATE_EPOCH=1700000000
mkdir -p "$out/sbom"
# sbom_valid LABEL CDX16 CDX15 SPDX: the official schemas and validators on one project's documents.
sbom_valid() {
  check "sbom: $1 CycloneDX 1.6 schema (local refs)" \
    "$cjs" --base-uri "file://$schemas/" --schemafile "$schemas/bom-1.6.schema.json" "$2"
  check "sbom: $1 CycloneDX 1.5 schema (local refs)" \
    "$cjs" --base-uri "file://$schemas/" --schemafile "$schemas/bom-1.5.schema.json" "$3"
  check "sbom: $1 SPDX 2.3 schema" schema "$schemas/spdx-2.3.schema.json" "$4"
  check "sbom: $1 cyclonedx-python-lib validator 1.6 + 1.5" "$venv/python" -c '
import sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
for path, v in ((sys.argv[1], SchemaVersion.V1_6), (sys.argv[2], SchemaVersion.V1_5)):
    err = JsonStrictValidator(v).validate_str(open(path).read())
    assert err is None, (path, err)
' "$2" "$3"
  check "sbom: $1 pyspdxtools" "$venv/pyspdxtools" -i "$4"
}
check "sbom: tgi CycloneDX 1.6 + findings" \
  "$sbom_bin" "$tgi" -q -o "$out/sbom/tgi.cdx.json" --findings "$out/sbom/tgi.sarif"
check "sbom: tgi CycloneDX 1.5" "$sbom_bin" "$tgi" -q -o "$out/sbom/tgi.cdx15.json" --spec-version 1.5
check "sbom: tgi SPDX 2.3" "$sbom_bin" "$tgi" -q -o "$out/sbom/tgi.spdx.json" --format spdx-json
sbom_valid tgi "$out/sbom/tgi.cdx.json" "$out/sbom/tgi.cdx15.json" "$out/sbom/tgi.spdx.json"
check "sbom: findings SARIF schema" schema "$schemas/sarif-schema-2.1.0.json" "$out/sbom/tgi.sarif"
check "sbom: findings mlsec profile" "$mlsec" validate "$out/sbom/tgi.sarif"
check "sbom: deterministic (byte-identical rerun)" bash -c \
  "'$sbom_bin' '$tgi' -q -o '$out/sbom/again.json' && cmp '$out/sbom/tgi.cdx.json' '$out/sbom/again.json'"
check "sbom: no absolute paths in the SBOM" bash -c "! grep -q '$tgi' '$out/sbom/tgi.cdx.json'"
check "sbom: 100% of pinned PyPI and Cargo name==version pairs in the tgi lockfiles" \
  python3 "$root/bench/sbom-recall.py" "$tgi" "$out/sbom/tgi.cdx.json" --min 100
# ML-BOM + the other parsers on a synthetic project built here: a Hugging Face fine-tune (config,
# model card with model-index, tokenizer, safetensors weights), data files (CSV, JSONL, Parquet
# magic), a DVC file and a dvc.lock stage, an installed dist-info (with RECORD) and egg-info, and the
# fixture project's yarn/pnpm/conda files.
ml="$out/sbom/mlproj"
mkdir -p "$ml/models/ft" "$ml/data" "$ml/site-packages/requests-2.32.3.dist-info"
cp -r "$root/crates/sbom/tests/fixtures/project/js" "$root/crates/sbom/tests/fixtures/project/pnpm" \
  "$root/crates/sbom/tests/fixtures/project/conda" "$ml/"
printf '{"architectures": ["BertForSequenceClassification"], "model_type": "bert", "_name_or_path": "acme/bert-sentiment"}' \
  >"$ml/models/ft/config.json"
printf -- '---\nlicense: apache-2.0\ndatasets: [imdb]\npipeline_tag: text-classification\nbase_model: google-bert/bert-base-uncased\nmodel-index:\n- name: x\n  results:\n  - task: {type: text-classification}\n    dataset: {name: IMDB, type: imdb, split: test}\n    metrics: [{type: accuracy, value: 0.93}]\n---\n## Limitations\nEnglish only.\n' \
  >"$ml/models/ft/README.md"
printf '{}' >"$ml/models/ft/tokenizer.json"
python3 -c "import struct,sys; h=b'{\"__metadata__\":{}}'; open(sys.argv[1],'wb').write(struct.pack('<Q',len(h))+h)" \
  "$ml/models/ft/model.safetensors"
printf 'text,label\ngood,1\n' >"$ml/data/train.csv"
printf '{"text": "bad"}\n' >"$ml/data/eval.jsonl"
printf 'PAR1\0\0\0\0PAR1' >"$ml/data/part.parquet"
printf 'outs:\n- md5: 0123456789abcdef0123456789abcdef\n  size: 10\n  path: raw.tar\n' >"$ml/data/raw.dvc"
printf 'Metadata-Version: 2.1\nName: requests\nVersion: 2.32.3\nLicense: Apache-2.0\nRequires-Dist: six\n' \
  >"$ml/site-packages/requests-2.32.3.dist-info/METADATA"
printf 'requests/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\nrequests-2.32.3.dist-info/RECORD,,\n' \
  >"$ml/site-packages/requests-2.32.3.dist-info/RECORD"
mkdir -p "$ml/site-packages/six.egg-info"
printf 'Metadata-Version: 1.1\nName: six\nVersion: 1.16.0\nLicense: MIT\n' >"$ml/site-packages/six.egg-info/PKG-INFO"
printf 'stages:\n  train:\n    cmd: python train.py\n    deps:\n    - path: data/train.csv\n      md5: fedcba9876543210fedcba9876543210\n    - path: train.py\n      md5: 0123456789abcdef0123456789abcdef\n    outs:\n    - path: models/ft/model.safetensors\n      md5: 00112233445566778899aabbccddeeff\n      size: 27\n' \
  >"$ml/dvc.lock"
check "sbom: ML project CycloneDX 1.6 / 1.5 / SPDX" bash -c \
  "'$sbom_bin' '$ml' -q -o '$out/sbom/ml.cdx.json' && '$sbom_bin' '$ml' -q -o '$out/sbom/ml.cdx15.json' --spec-version 1.5 \
   && '$sbom_bin' '$ml' -q -o '$out/sbom/ml.spdx.json' --format spdx-json"
check "sbom: ML project has the model card, datasets and every parser's components" python3 - "$out/sbom/ml.cdx.json" <<'PY'
import json, sys
bom = json.load(open(sys.argv[1]))
refs = {c["bom-ref"]: c for c in bom["components"]}
card = refs["hf-model:models/ft"]["modelCard"]
assert card["modelParameters"]["modelArchitecture"] == "BertForSequenceClassification", card
assert card["quantitativeAnalysis"]["performanceMetrics"][0]["value"] == "0.93", card
assert refs["hf-model:models/ft"]["purl"] == "pkg:huggingface/acme/bert-sentiment"
for r in ["pkg:huggingface/google-bert/bert-base-uncased", "hf-dataset:imdb", "data:data/train.csv",
          "data:data/eval.jsonl", "data:data/part.parquet", "data:data/raw.tar", "pkg:npm/left-pad@1.3.0",
          "pkg:npm/is-number@7.0.0", "pkg:conda/numpy@1.26.4?build=py311h64a7726_0&channel=conda-forge", "pkg:pypi/requests@2.32.3",
          "pkg:pypi/six@1.16.0"]:
    assert r in refs, r
assert refs["pkg:pypi/requests@2.32.3"]["evidence"]["occurrences"][0]["location"] == "site-packages/requests-2.32.3.dist-info/RECORD"
deps = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
assert deps["pkg:pypi/requests@2.32.3"] == ["pkg:pypi/six@1.16.0"], deps["pkg:pypi/requests@2.32.3"]
assert deps["model:models/ft/model.safetensors"] == ["data:data/train.csv"], "dvc.lock lineage"
PY
sbom_valid "ML project" "$out/sbom/ml.cdx.json" "$out/sbom/ml.cdx15.json" "$out/sbom/ml.spdx.json"
unset SOURCE_DATE_EPOCH

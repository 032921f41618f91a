# sbom: the official validators its tests run on every SBOM it writes.
# cyclonedx-python-lib: its JSON schema validator (JsonStrictValidator; the json-validation extra
# is jsonschema, which check-jsonschema already pins); spdx-tools: `pyspdxtools -i FILE` parses and
# validates SPDX 2.3 JSON.
pip_pinned cyclonedx-python-lib==11.12.0 spdx-tools==0.8.5
"$tools/venv/bin/pyspdxtools" --help >/dev/null
"$tools/venv/bin/python" -c "from cyclonedx.validation.json import JsonStrictValidator" >/dev/null

# fairness-gate oracles: the real fairlearn and AIF360 (with their numpy/pandas/scikit-learn),
# pinned, and pyarrow to write the Parquet inputs of the CSV-vs-Parquet tests. Sourced by
# scripts/install-test-tools; used by crates/fairness-gate/tests/{oracle.py,cli.rs}.
pip_pinned fairlearn==0.15.0 aif360==0.6.1 pyarrow==26.0.1
"$tools/venv/bin/python" -c 'import fairlearn, aif360.metrics, numpy, pandas, pyarrow' >/dev/null 2>&1 \
  || { echo "fairness-gate: fairlearn/aif360/pyarrow import failed" >&2; exit 1; }

# fairness-gate oracles: the real fairlearn and AIF360 (with their numpy/pandas/scikit-learn),
# pinned. Sourced by scripts/install-test-tools; used by crates/fairness-gate/tests/oracle.py.
pip_pinned fairlearn==0.15.0 aif360==0.6.1
"$tools/venv/bin/python" -c 'import fairlearn, aif360.metrics, numpy, pandas' >/dev/null 2>&1 \
  || { echo "fairness-gate: fairlearn/aif360 import failed" >&2; exit 1; }

# model-scan: the corpus generator's benign files are written by the real libraries (numpy, joblib,
# scikit-learn via fairlearn's pins, h5py), and bench/model-scan.sh + the conformance fragment compare
# against the two public scanners, picklescan and modelscan. Pinned; sourced by scripts/install-test-tools.
pip_pinned numpy==2.4.6 joblib==1.6.0 h5py==3.16.0 picklescan==1.0.5 modelscan==0.8.8
"$tools/venv/bin/python" -c 'import numpy, joblib, h5py, sklearn, picklescan, modelscan' >/dev/null 2>&1 \
  || { echo "model-scan: numpy/joblib/h5py/scikit-learn/picklescan/modelscan import failed" >&2; exit 1; }

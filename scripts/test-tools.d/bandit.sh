# Bandit for bandit-wrapper's tests and conformance (PyPI, pinned). 1.9.x has the ML rules
# B614 (torch.load) and B615 (unpinned Hugging Face downloads) and reports issue_cwe in JSON.
pip_pinned bandit==1.9.4
"$tools/venv/bin/bandit" --version >/dev/null

# model-sign: the reference OpenSSF model signing CLI (`model_signing`), for interop tests both ways.
# model-signing 1.1.1 imports OpenSSL (pyOpenSSL) through sigstore 4.x without depending on it.
pip_pinned model-signing==1.1.1 pyopenssl==26.4.0
"$tools/venv/bin/model_signing" --help >/dev/null

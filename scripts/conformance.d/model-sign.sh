# model-sign: every reference vector in ../shared/vectors/model-signing (made by model_signing 1.1.1)
# verifies, or fails, with the expected result; a signature of ours over the same model carries
# the same statement and key hint as the reference's.
cargo build --quiet --locked -p model-sign || exit 2
ms="$CARGO_TARGET_DIR/debug/model-sign"
v="$shared/vectors/model-signing"
k="$v/key-p256"

check "model-sign vector key-p256: verifies" expect_exit 0 "$ms" verify "$k/model" --signature "$k/model.sig" --key "$k/public.pem"
check "model-sign vector key-p256 tampered: fails, names the flipped file" bash -c '
  "$0" verify "$1/tampered" --signature "$1/model.sig" --key "$1/public.pem" --json --output "$2/ms-tampered.sarif" >"$2/ms-tampered.json"
  [ $? -eq 1 ] || exit 1
  python3 - "$2/ms-tampered.json" <<PY
import json, sys
r = json.load(open(sys.argv[1]))
bad = [(f["name"], f["status"]) for f in r["files"] if f["status"] != "ok"]
assert bad == [("weights/model-00002-of-00002.safetensors", "modified")], bad
assert r["subject_digest"].startswith("191308ae"), r["subject_digest"]
PY' "$ms" "$k" "$out"
check "model-sign tampered SARIF: OASIS schema + mlsec profile" \
  bash -c "'$cjs' --schemafile '$schemas/sarif-schema-2.1.0.json' '$out/ms-tampered.sarif' && '$mlsec' validate -q '$out/ms-tampered.sarif'"
check "model-sign vector key-p256 payload-tampered: DSSE signature invalid" \
  expect_exit 1 "$ms" verify "$k/model" --signature "$k/model.payload-tampered.sig" --key "$k/public.pem"
check "model-sign vector key-p256 shards-256k (float shard_size): verifies" \
  expect_exit 0 "$ms" verify "$k/model" --signature "$k/model.shards-256k-sha256.sig" --key "$k/public.pem"
# The other OMS hash types: each vector verifies, fails over the tampered model, and our signature of
# the same model carries the reference's statement (ignore_paths compared as a set).
for pair in "blake3 blake3" "blake2b blake2"; do
  read -r alg vec <<<"$pair"
  check "model-sign vector key-p256 files-$vec (hash_type $alg): verifies" \
    expect_exit 0 "$ms" verify "$k/model" --signature "$k/model.files-$vec.sig" --key "$k/public.pem"
  check "model-sign vector key-p256 files-$vec over the tampered model: fails" \
    expect_exit 1 "$ms" verify "$k/tampered" --signature "$k/model.files-$vec.sig" --key "$k/public.pem"
  check "model-sign: our $alg signature over key-p256/model has the reference's $alg statement" bash -c '
    cd "$2" && "$0" sign "$1/model" --hash "$3" --signature "$2/ms-$3.sig" --key "$1/test-only-private.pem" -q || exit 1
    python3 - "$2/ms-$3.sig" "$1/model.files-$4.sig" <<PY
import base64, json, sys
pa, pb = (json.loads(base64.b64decode(json.load(open(p))["dsseEnvelope"]["payload"])) for p in sys.argv[1:3])
pa["predicate"]["serialization"]["ignore_paths"].sort(); pb["predicate"]["serialization"]["ignore_paths"].sort()
assert pa == pb, (pa, pb)
PY' "$ms" "$k" "$out" "$alg" "$vec"
done
check "model-sign vector key-p384: verifies" \
  expect_exit 0 "$ms" verify "$k/model" --signature "$v/key-p384/model.sig" --key "$v/key-p384/public.pem"
check "model-sign vector key-p384 with the P-256 key: key mismatch (exit 1)" \
  expect_exit 1 "$ms" verify "$k/model" --signature "$v/key-p384/model.sig" --key "$k/public.pem"
check "model-sign vector key-p256-sig-inside: verifies, reference resource order" bash -c '
  "$0" verify "$1/model" --signature "$1/model/model.sig" --key "$1/public.pem" --json >"$2/ms-inside.json" || exit 1
  python3 - "$2/ms-inside.json" <<PY
import json, sys
names = [f["name"] for f in json.load(open(sys.argv[1]))["files"]]
assert names == [".hidden", "B.txt", "Z", "a/b/c", "a b.txt", "a-b/c", "a.b", "a0/z", "\u00e4.txt"], names
PY' "$ms" "$v/key-p256-sig-inside" "$out"
check "model-sign: our signature over key-p256/model has the reference's statement and key hint" bash -c '
  cd "$2" && "$0" sign "$1/model" --signature "$2/ms-ours.sig" --key "$1/test-only-private.pem" -q || exit 1
  python3 - "$2/ms-ours.sig" "$1/model.sig" <<PY
import base64, json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["mediaType"] == b["mediaType"] and a["verificationMaterial"] == b["verificationMaterial"]
pa, pb = (json.loads(base64.b64decode(x["dsseEnvelope"]["payload"])) for x in (a, b))
pa["predicate"]["serialization"]["ignore_paths"].sort(); pb["predicate"]["serialization"]["ignore_paths"].sort()
assert pa == pb, (pa, pb)
PY' "$ms" "$k" "$out"
c="$v/cert-chain"
check "model-sign vector cert-chain: verifies against the root CA" \
  expect_exit 0 "$ms" verify "$c/model" --signature "$c/model.sig" --certificate-chain "$c/root-ca.pem"
check "model-sign vector cert-chain tampered: fails" \
  expect_exit 1 "$ms" verify "$c/tampered" --signature "$c/model.sig" --certificate-chain "$c/root-ca.pem"
check "model-sign vector cert-chain: the intermediate alone is not a trust anchor" \
  expect_exit 1 "$ms" verify "$c/model" --signature "$c/model.sig" --certificate-chain "$c/intermediate-ca.pem"
check "model-sign: our certificate bundle over cert-chain/model has the reference's verification material" bash -c '
  cd "$2" && "$0" sign "$1/model" --signature "$2/ms-cert.sig" --key "$1/test-only-private.pem" \
    --certificate "$1/signing-cert.pem" --certificate-chain "$1/intermediate-ca.pem" -q || exit 1
  python3 -c "import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:3]); assert a[\"verificationMaterial\"]==b[\"verificationMaterial\"]" "$2/ms-cert.sig" "$1/model.sig"
' "$ms" "$c" "$out"
# Keyless (Fulcio + Rekor) vectors, offline with the trusted-root snapshot: verify with the right
# identity and issuer; any other identity, issuer, trust root, a tampered model or a tampered Rekor
# entry fails (exit 1).
u="$v/upstream-keyless"
kl=(--keyless --identity stefanb@us.ibm.com --issuer https://sigstore.verify.ibm.com/oauth2)
for kv in v1.0.0-sigstore v1.1.0-sigstore; do
  check "model-sign vector upstream-keyless $kv: verifies (snapshot trust root)" bash -c '
    "$0" verify "$1/$2" --signature "$1/$2/model.sig" --trust-root "$1/public-good-trusted_root.json" \
      --keyless --identity stefanb@us.ibm.com --issuer https://sigstore.verify.ibm.com/oauth2 --json >"$3/ms-$2.json" || exit 1
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); s=r[\"signer\"]; assert r[\"verified\"] and s[\"method\"]==\"keyless\" and s[\"identity\"]==\"stefanb@us.ibm.com\" and s[\"issuer\"]==\"https://sigstore.verify.ibm.com/oauth2\", r" "$3/ms-$2.json"
  ' "$ms" "$u" "$kv" "$out"
  check "model-sign vector upstream-keyless $kv: verifies with the built-in public-good root" \
    expect_exit 0 "$ms" verify "$u/$kv" --signature "$u/$kv/model.sig" "${kl[@]}"
  check "model-sign vector upstream-keyless $kv: another identity fails" \
    expect_exit 1 "$ms" verify "$u/$kv" --signature "$u/$kv/model.sig" --keyless --identity someone@us.ibm.com \
      --issuer https://sigstore.verify.ibm.com/oauth2 --trust-root "$u/public-good-trusted_root.json"
  check "model-sign vector upstream-keyless $kv: another issuer fails" \
    expect_exit 1 "$ms" verify "$u/$kv" --signature "$u/$kv/model.sig" --keyless --identity stefanb@us.ibm.com \
      --issuer https://accounts.google.com --trust-root "$u/public-good-trusted_root.json"
  check "model-sign vector upstream-keyless $kv: a key is the wrong method (exit 2)" \
    expect_exit 2 "$ms" verify "$u/$kv" --signature "$u/$kv/model.sig" --key "$k/public.pem"
done
python3 - "$u" "$out" <<'PY' || exit 2
import base64, copy, json, shutil, sys
u, out = sys.argv[1:3]
b = json.load(open(f"{u}/v1.1.0-sigstore/model.sig"))
def variant(name, f):
    c = copy.deepcopy(b); f(c["verificationMaterial"]["tlogEntries"][0], c); json.dump(c, open(f"{out}/kl-{name}.sig", "w"))
def proof(t, c):
    h = t["inclusionProof"]["hashes"]; h[0] = ("A" if h[0][0] != "A" else "B") + h[0][1:]
def itime(t, c): t["integratedTime"] = str(int(t["integratedTime"]) + 1)
def checkpoint(t, c):
    e = t["inclusionProof"]["checkpoint"]["envelope"]; i = e.index("\n") + 2
    t["inclusionProof"]["checkpoint"]["envelope"] = e[:i] + ("1" if e[i] != "1" else "2") + e[i + 1:]
def dsse(t, c):
    s = bytearray(base64.b64decode(c["dsseEnvelope"]["signatures"][0]["sig"])); s[-3] ^= 1
    c["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(bytes(s)).decode()
for n, f in [("proof", proof), ("itime", itime), ("checkpoint", checkpoint), ("dsse", dsse)]:
    variant(n, f)
r = json.load(open(f"{u}/public-good-trusted_root.json")); r["tlogs"] = []; json.dump(r, open(f"{out}/kl-no-rekor-root.json", "w"))
r = json.load(open(f"{u}/public-good-trusted_root.json")); r["certificateAuthorities"] = []; json.dump(r, open(f"{out}/kl-no-fulcio-root.json", "w"))
shutil.copytree(f"{u}/v1.1.0-sigstore", f"{out}/kl-model"); open(f"{out}/kl-model/signme-1", "ab").write(b"x")
PY
u11="$u/v1.1.0-sigstore"
for tv in proof:"inclusion proof hash" itime:"integrated time" checkpoint:"checkpoint body" dsse:"DSSE signature"; do
  check "model-sign keyless v1.1.0 with a tampered ${tv#*:}: fails" \
    expect_exit 1 "$ms" verify "$u11" --signature "$out/kl-${tv%%:*}.sig" "${kl[@]}" --trust-root "$u/public-good-trusted_root.json"
done
check "model-sign keyless v1.1.0, trust root without the Rekor key: fails" \
  expect_exit 1 "$ms" verify "$u11" --signature "$u11/model.sig" "${kl[@]}" --trust-root "$out/kl-no-rekor-root.json"
check "model-sign keyless v1.1.0, trust root without the Fulcio CA: fails" \
  expect_exit 1 "$ms" verify "$u11" --signature "$u11/model.sig" "${kl[@]}" --trust-root "$out/kl-no-fulcio-root.json"
check "model-sign keyless v1.1.0 over a tampered model: fails, names the file" bash -c '
  "$0" verify "$1" --signature "$2/model.sig" "${@:3}" --json >"$1.json"; [ $? -eq 1 ] || exit 1
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert [f[\"name\"] for f in r[\"files\"] if f[\"status\"]!=\"ok\"]==[\"signme-1\"], r" "$1.json"
' "$ms" "$out/kl-model" "$u11" "${kl[@]}"

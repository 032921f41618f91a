"""A local test double of the three services keyless signing talks to, for the model-sign tests:

* a GitHub-Actions-style OIDC token endpoint (GET /token?audience=sigstore with
  `Authorization: bearer <request token>`) that returns an ES256 JWT signed by a test OIDC key;
* Fulcio (POST /api/v2/signingCert): checks the JWT (signature, audience, expiry, issuer) and the
  proof of possession (an ECDSA signature over the token's e-mail or subject by the submitted key),
  then issues a short-lived certificate from a test CA with the Fulcio extensions and an embedded SCT
  from a test CT log;
* Rekor v1 (POST /api/v1/log/entries): checks a `dsse` 0.0.1 entry (the envelope verifies with the
  certificate's key over the DSSE PAE, the certificate comes from the test CA), appends it to an
  in-memory Merkle tree (after three filler leaves) and returns the entry with a signed entry timestamp,
  an RFC 6962 inclusion proof and a signed checkpoint from a test log key.

Every request is checked; a failed check answers 400 and is recorded. GET /_log returns the
requests seen and the failures, so the test can assert the whole exchange.

Usage: python sigstore_double.py OUT_DIR. Binds 127.0.0.1 on a free port, writes
OUT_DIR/trusted_root.json (test CA, Rekor key, CT key) and OUT_DIR/client_trust_config.json (the
same, for `model_signing --trust_config`), then prints one line of JSON ({"port": N}) and serves
until killed. Uses only the `cryptography` package (installed with model-signing) and the stdlib.
Test keys are generated at start and never leave the process.
"""
import base64, datetime, hashlib, http.server, json, pathlib, sys, threading, time, urllib.parse
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

REQUEST_TOKEN = "test-request-token"
ISSUER = "https://token.actions.githubusercontent.com"
WORKFLOW = "https://github.com/acme/models/.github/workflows/train.yml@refs/heads/main"
SUBJECT = "repo:acme/models:ref:refs/heads/main"
ORIGIN = "rekor.test - 4242"

b64 = lambda b: base64.b64encode(b).decode()
b64url = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
sha256 = lambda b: hashlib.sha256(b).digest()
spki = lambda k: k.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
sign = lambda k, data: k.sign(data, ec.ECDSA(hashes.SHA256()))

oidc_key, ca_key, log_key, ct_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(4))
start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
ca_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mlsec test"),
                     x509.NameAttribute(NameOID.COMMON_NAME, "test fulcio")])
ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
           .serial_number(x509.random_serial_number()).not_valid_before(start)
           .not_valid_after(start + datetime.timedelta(days=30))
           .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
           .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
           .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
           .sign(ca_key, hashes.SHA256()))

seen, failures, leaves = [], [], [sha256(b"\x00filler-%d" % i) for i in range(3)]
lock = threading.Lock()


class Refused(Exception):
    pass


def check(cond, why):
    if not cond:
        raise Refused(why)


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def make_jwt(port):
    now = int(time.time())
    header = b64url(json.dumps({"alg": "ES256", "typ": "JWT", "kid": "test"}).encode())
    claims = b64url(json.dumps({"iss": ISSUER, "sub": SUBJECT, "aud": "sigstore", "iat": now, "nbf": now,
                                "exp": now + 300, "job_workflow_ref": WORKFLOW[len("https://github.com/"):],
                                "repository": "acme/models", "ref": "refs/heads/main"}).encode())
    r, s = decode_dss_signature(sign(oidc_key, f"{header}.{claims}".encode()))
    return f"{header}.{claims}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def check_jwt(token):
    try:
        header, claims, sig = token.split(".")
        raw = base64.urlsafe_b64decode(sig + "==")
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        oidc_key.public_key().verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except (ValueError, InvalidSignature) as e:
        raise Refused(f"OIDC token not signed by the test issuer: {e!r}")
    c = json.loads(base64.urlsafe_b64decode(claims + "=="))
    check(c.get("aud") == "sigstore", f"token audience {c.get('aud')!r} is not sigstore")
    check(c.get("iss") == ISSUER, "token issuer")
    check(c.get("exp", 0) > time.time(), "token expired")
    return c


def sct_extension(builder, leaf_pub):
    """Embedded SCT (RFC 6962 precertificate entry over the TBS without the SCT extension)."""
    pre = builder.sign(ca_key, hashes.SHA256())
    ts = int(time.time() * 1000)
    tbs = pre.tbs_certificate_bytes
    signed = (b"\x00\x00" + ts.to_bytes(8, "big") + b"\x00\x01" + sha256(spki(ca_key))
              + len(tbs).to_bytes(3, "big") + tbs + b"\x00\x00")
    sig = sign(ct_key, signed)
    sct = (b"\x00" + sha256(spki(ct_key)) + ts.to_bytes(8, "big") + b"\x00\x00" + b"\x04\x03"
           + len(sig).to_bytes(2, "big") + sig)
    lst = len(sct).to_bytes(2, "big") + sct
    lst = len(lst).to_bytes(2, "big") + lst
    return x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"), b"\x04" + der_len(len(lst)) + lst)


def fulcio(req, authorization):
    """Both request forms of Fulcio v2: the token in `credentials` with a public key and a proof of
    possession (sigstore-rust, model-sign), or the token as a bearer header with a CSR whose own
    signature is the proof (sigstore-python, model_signing)."""
    if "certificateSigningRequest" in req:
        check(authorization.lower().startswith("bearer "), "CSR request without a bearer token")
        claims = check_jwt(authorization[len("bearer "):])
        csr = x509.load_pem_x509_csr(base64.b64decode(req["certificateSigningRequest"]))
        check(csr.is_signature_valid, "CSR signature (proof of possession) invalid")
        pub = csr.public_key()
    else:
        claims = check_jwt(req["credentials"]["oidcIdentityToken"])
        pkr = req["publicKeyRequest"]
        pub = serialization.load_pem_public_key(pkr["publicKey"]["content"].encode())
        identity = claims.get("email") or claims["sub"]
        try:
            pub.verify(base64.b64decode(pkr["proofOfPossession"]), identity.encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise Refused(f"proof of possession is not a signature over {identity!r} by the submitted key")
    check(isinstance(pub, ec.EllipticCurvePublicKey) and pub.curve.name == "secp256r1", "key is not P-256")
    now = datetime.datetime.now(datetime.timezone.utc)
    issuer_utf8 = ISSUER.encode()
    b = (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(ca_name).public_key(pub)
         .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(seconds=30))
         .not_valid_after(now + datetime.timedelta(minutes=10))
         .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
         .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
         .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(
             "https://github.com/" + claims["job_workflow_ref"])]), critical=True)
         .add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.57264.1.1"), issuer_utf8), critical=False)
         .add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.57264.1.8"),
                                                   b"\x0c" + der_len(len(issuer_utf8)) + issuer_utf8), critical=False))
    leaf = b.add_extension(sct_extension(b, pub), critical=False).sign(ca_key, hashes.SHA256())
    pem = lambda c: c.public_bytes(serialization.Encoding.PEM).decode()
    return 201, {"signedCertificateEmbeddedSct": {"chain": {"certificates": [pem(leaf), pem(ca_cert)]}}}


def mth(hs):
    if len(hs) == 1:
        return hs[0]
    k = 1 << ((len(hs) - 1).bit_length() - 1)
    return sha256(b"\x01" + mth(hs[:k]) + mth(hs[k:]))


def path(m, hs):
    if len(hs) == 1:
        return []
    k = 1 << ((len(hs) - 1).bit_length() - 1)
    return path(m, hs[:k]) + [mth(hs[k:])] if m < k else path(m - k, hs[k:]) + [mth(hs[:k])]


def pae(ptype, payload):
    return b"DSSEv1 %d %s %d %s" % (len(ptype), ptype.encode(), len(payload), payload)


def rekor(req, port):
    check(req.get("kind") == "dsse" and req.get("apiVersion") == "0.0.1", f"entry kind {req.get('kind')!r}")
    content = req["spec"]["proposedContent"]
    env_text = content["envelope"]
    env = json.loads(env_text)
    check(env["payloadType"] == "application/vnd.in-toto+json", "payloadType")
    payload = base64.b64decode(env["payload"])
    statement = json.loads(payload)
    check(statement.get("predicateType") == "https://model_signing/signature/v1.0", "not a model signature")
    check(len(env["signatures"]) == 1 and len(content["verifiers"]) == 1, "one signature, one verifier")
    verifier_pem = base64.b64decode(content["verifiers"][0])
    cert = x509.load_pem_x509_certificate(verifier_pem)
    try:
        ca_key.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Refused("verifier certificate is not from the test CA")
    sig_b64 = env["signatures"][0]["sig"]
    try:
        cert.public_key().verify(base64.b64decode(sig_b64), pae(env["payloadType"], payload), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Refused("DSSE signature does not verify with the certificate key")
    body = json.dumps({"apiVersion": "0.0.1", "kind": "dsse", "spec": {
        "envelopeHash": {"algorithm": "sha256", "value": sha256(env_text.encode()).hex()},
        "payloadHash": {"algorithm": "sha256", "value": sha256(payload).hex()},
        # Rekor stores the verifier canonicalized (Go's PEM encoding: 64-column lines, final newline).
        "signatures": [{"signature": sig_b64, "verifier": b64(cert.public_bytes(serialization.Encoding.PEM))}]}},
        separators=(",", ":")).encode()
    with lock:
        leaf = sha256(b"\x00" + body)
        index = len(leaves)
        leaves.append(leaf)
        size, root, proof = len(leaves), mth(leaves), path(index, leaves)
    log_id = sha256(spki(log_key))
    integrated = int(time.time())
    set_payload = json.dumps({"body": b64(body), "integratedTime": integrated, "logID": log_id.hex(),
                              "logIndex": index}, sort_keys=True, separators=(",", ":")).encode()
    note = f"{ORIGIN}\n{size}\n{b64(root)}\n"
    checkpoint = note + "\n\u2014 rekor.test " + b64(log_id[:4] + sign(log_key, note.encode())) + "\n"
    return 201, {leaf.hex(): {"body": b64(body), "integratedTime": integrated, "logID": log_id.hex(),
                              "logIndex": index, "verification": {
                                  "signedEntryTimestamp": b64(sign(log_key, set_payload)),
                                  "inclusionProof": {"checkpoint": checkpoint, "hashes": [h.hex() for h in proof],
                                                     "logIndex": index, "rootHash": root.hex(), "treeSize": size}}}}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_checked(self, name, fn):
        with lock:
            seen.append(name)
        try:
            code, obj = fn()
        except (Refused, KeyError, ValueError, TypeError) as e:
            with lock:
                failures.append(f"{name}: {e!r}")
            code, obj = 400, {"code": 400, "message": f"{name}: {e}"}
        self.reply(code, obj)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        if u.path == "/_log":
            with lock:
                return self.reply(200, {"seen": seen, "failures": failures})

        if u.path == "/.well-known/openid-configuration":
            # Discovery, asked for by sigstore-python (model_signing) before it signs with a given token.
            base = f"http://127.0.0.1:{self.server.server_port}"
            return self.handle_checked("oidc-discovery", lambda: (200, {
                "issuer": base, "authorization_endpoint": base + "/auth", "token_endpoint": base + "/token",
                "jwks_uri": base + "/keys", "response_types_supported": ["id_token"]}))

        def token():
            check(u.path == "/token", f"GET {u.path}")
            check(self.headers.get("Authorization", "").lower() == "bearer " + REQUEST_TOKEN,
                  "missing or wrong ACTIONS_ID_TOKEN_REQUEST_TOKEN bearer")
            q = urllib.parse.parse_qs(u.query)
            check(q.get("audience") == ["sigstore"], f"audience {q.get('audience')}")
            return 200, {"value": make_jwt(self.server.server_port)}
        self.handle_checked("oidc", token)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ctype = self.headers.get("Content-Type", "")
        if self.path == "/api/v2/signingCert":
            self.handle_checked("fulcio", lambda: (check("json" in ctype, "content type"), fulcio(json.loads(body), self.headers.get("Authorization", "")))[1])
        elif self.path == "/api/v1/log/entries":
            self.handle_checked("rekor", lambda: (check("json" in ctype, "content type"),
                                                  rekor(json.loads(body), self.server.server_port))[1])
        else:
            self.handle_checked("unknown " + self.path, lambda: (_ for _ in ()).throw(Refused("no such endpoint")))


def main():
    out = pathlib.Path(sys.argv[1])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    url = f"http://127.0.0.1:{server.server_port}"
    valid = {"start": start.strftime("%Y-%m-%dT%H:%M:%SZ")}
    key = lambda k: {"rawBytes": b64(spki(k)), "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": valid}
    root = {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [{"baseUrl": url, "hashAlgorithm": "SHA2_256", "publicKey": key(log_key),
                   "logId": {"keyId": b64(sha256(spki(log_key)))}}],
        "certificateAuthorities": [{"subject": {"organization": "mlsec test", "commonName": "test fulcio"},
                                    "uri": url, "certChain": {"certificates": [
                                        {"rawBytes": b64(ca_cert.public_bytes(serialization.Encoding.DER))}]},
                                    "validFor": valid}],
        "ctlogs": [{"baseUrl": url, "hashAlgorithm": "SHA2_256", "publicKey": key(ct_key),
                    "logId": {"keyId": b64(sha256(spki(ct_key)))}}],
        "timestampAuthorities": [],
    }
    (out / "trusted_root.json").write_text(json.dumps(root, indent=2))
    svc = lambda u: [{"url": u, "majorApiVersion": 1, "validFor": valid, "operator": "mlsec test"}]
    (out / "client_trust_config.json").write_text(json.dumps({
        "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json", "trustedRoot": root,
        "signingConfig": {"mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
                          "caUrls": svc(url), "oidcUrls": svc(url), "rekorTlogUrls": svc(url), "tsaUrls": [],
                          "rekorTlogConfig": {"selector": "ANY"}, "tsaConfig": {"selector": "ANY"}}}, indent=2))
    print(json.dumps({"port": server.server_port}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

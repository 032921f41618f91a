"""Makes a throw-away test PKI in argv[1] with the `cryptography` package: root CA (P-384) ->
intermediate CA (P-256) -> leaf (P-256, digitalSignature + codeSigning, SAN email), a leaf without
any signing usage, and an unrelated root. Used by the model-sign certificate interop tests."""
import datetime, pathlib, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

out = pathlib.Path(sys.argv[1])
now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
later = now + datetime.timedelta(days=3650)

def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mlsec test"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])

def cert(subject, key, issuer, issuer_key, ca, alg, usage=True):
    b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now).not_valid_after(later)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    elif usage:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        b = b.add_extension(x509.SubjectAlternativeName([x509.RFC822Name("signer@example.test")]), critical=False)
    else:
        b = b.add_extension(x509.KeyUsage(False, False, True, False, False, False, False, False, False), critical=True)
    return b.sign(issuer_key, alg)

def write(fname, c):
    (out / fname).write_bytes(c.public_bytes(serialization.Encoding.PEM))

def write_key(fname, k):
    (out / fname).write_bytes(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

root_k, inter_k, leaf_k, other_k = ec.generate_private_key(ec.SECP384R1()), ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
write("root.pem", cert("test root", root_k, "test root", root_k, True, hashes.SHA384()))
write("inter.pem", cert("test intermediate", inter_k, "test root", root_k, True, hashes.SHA384()))
write("leaf.pem", cert("model-signer", leaf_k, "test intermediate", inter_k, False, hashes.SHA256()))
write("leaf-nousage.pem", cert("no-usage", leaf_k, "test intermediate", inter_k, False, hashes.SHA256(), usage=False))
write("other-root.pem", cert("other root", other_k, "other root", other_k, True, hashes.SHA256()))
write_key("leaf-key.pem", leaf_k)

"""Revocation and rotation under a running gateway, as a province's operators would do them.

A province PKI made here with Python's `cryptography` (never by the project), a gateway started on it with
`govcase serve` and `tls.reload_seconds: 1`, and, with a bidirectional ingest stream held open throughout:
a certificate revoked by a new CRL, the server certificate rotated, bad new files (kept out, old material in
force), the client CA bundle rotated to a new CA, and an out-of-date CRL (fail closed). Each check uses a new
connection; the stream must keep working across every change.

    rotation_client.py --govcase .build/debug/govcase --deployment <folder from `govcase pki init`> --repo .
"""

import argparse
import datetime
import pathlib
import queue
import re
import socket
import ssl
import subprocess
import sys
import time
import uuid

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

parser = argparse.ArgumentParser()
parser.add_argument("--govcase", type=pathlib.Path, required=True)
parser.add_argument("--deployment", type=pathlib.Path, required=True)
parser.add_argument("--repo", type=pathlib.Path, required=True)
args = parser.parse_args()

sys.path.insert(0, str(args.repo / "Plugins" / "sdk" / "python"))
from govcase.gateway.v1 import ingest_pb2, ingest_pb2_grpc  # noqa: E402
from govcase.sources.national.v1 import national_pb2  # noqa: E402
from google.protobuf import json_format  # noqa: E402
import json  # noqa: E402

NOW = datetime.datetime.now(datetime.timezone.utc)
SPIFFE = "spiffe://dev.govcase.local/region/510000/system/national-sc"
folder = args.deployment / "province"
folder.mkdir(exist_ok=True)


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}", flush=True)
        print("---- gateway log ----\n" + log_text(), flush=True)
        gateway.kill()
        sys.exit(1)
    print(f"ok  {what}", flush=True)


def pem(obj):
    if isinstance(obj, x509.Certificate):
        return obj.public_bytes(serialization.Encoding.PEM)
    if isinstance(obj, x509.CertificateRevocationList):
        return obj.public_bytes(serialization.Encoding.PEM)
    return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def authority(name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.COMMON_NAME, name)])
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(hours=1)).not_valid_after(NOW + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256()))
    return key, certificate


def leaf(ca, name, server=False):
    ca_key, ca_certificate = ca
    key = ec.generate_private_key(ec.SECP256R1())
    if server:
        names = [x509.DNSName("localhost"), x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]
        usage = ExtendedKeyUsageOID.SERVER_AUTH
    else:
        names = [x509.UniformResourceIdentifier(SPIFFE)]
        usage = ExtendedKeyUsageOID.CLIENT_AUTH
    certificate = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_certificate.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(hours=1)).not_valid_after(NOW + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .sign(ca_key, hashes.SHA256()))
    return key, certificate


def crl(ca, revoked=(), next_update=None):
    ca_key, ca_certificate = ca
    builder = (
        x509.CertificateRevocationListBuilder().issuer_name(ca_certificate.subject)
        .last_update(NOW - datetime.timedelta(minutes=5))
        .next_update(next_update or NOW + datetime.timedelta(days=1)))
    for certificate in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(certificate.serial_number).revocation_date(NOW).build())
    return builder.sign(ca_key, hashes.SHA256())


def write(name, data):
    # As an operator's tooling replaces a file: a new file renamed over the old one.
    path = folder / name
    temporary = folder / f".{name}.new"
    temporary.write_bytes(data)
    temporary.rename(path)


ca1 = authority("Sichuan Province Root CA 2026")
server1 = leaf(ca1, "gateway", server=True)
good = leaf(ca1, "national-sc")
doomed = leaf(ca1, "national-sc (to be revoked)")
write("ca.pem", pem(ca1[1]))
write("ca.crl", pem(crl(ca1)))
write("server.pem", pem(server1[1]))
write("server-key.pem", pem(server1[0]))

configuration = args.deployment / "gateway.yaml"
text = configuration.read_text()
text = text.replace(
    "tls:\n  certificate: server.pem\n  key: server-key.pem\n  client_ca: ca.pem\n",
    "tls:\n  certificate: province/server.pem\n  key: province/server-key.pem\n  client_ca: province/ca.pem\n"
    "  crls: [province/ca.crl]\n  reload_seconds: 1\n")
assert "province/ca.crl" in text, "the deployment's tls section changed shape"
configuration.write_text(text)

log_path = args.deployment / "gateway.log"
log = open(log_path, "w")
gateway = subprocess.Popen([str(args.govcase), "serve", "--config", str(configuration)], stdout=log, stderr=log)


def log_text():
    return log_path.read_text(errors="replace")


deadline = time.time() + 60
port = None
while port is None and time.time() < deadline:
    match = re.search(r"serving on [0-9.]+:([0-9]+)", log_text())
    port = int(match.group(1)) if match else None
    if gateway.poll() is not None:
        break
    time.sleep(0.05)
check(port is not None, "the gateway serves on the province PKI with a CRL")
target = f"127.0.0.1:{port}"

vector = json.loads((args.repo / "Tests/Vectors/national-platform/valid/001-evaluation-channel-web-level-5.json").read_text())
template = dict(vector["record"])
template.pop("@type")


def record():
    evaluation = json_format.ParseDict(template, national_pb2.EvaluationRecord())
    evaluation.evaluation_id = f"ROT-{uuid.uuid4().hex[:12]}"
    return ingest_pb2.NationalRecord(evaluation=evaluation)


def channel(client, server_ca=None):
    key, certificate = client
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pem(server_ca or ca1[1]), private_key=pem(key), certificate_chain=pem(certificate))
    # A connection of its own (no subchannel shared with earlier channels), so each check is a new handshake.
    return grpc.secure_channel(target, credentials, options=[
        ("grpc.ssl_target_name_override", "localhost"), ("grpc.use_local_subchannel_pool", 1)])


def submits(client):
    """Whether a new connection as `client` gets a record acknowledged."""
    with channel(client) as c:
        try:
            ack = ingest_pb2_grpc.NationalIngestServiceStub(c).Submit(record(), timeout=5)
            return ack.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED
        except grpc.RpcError as error:
            # A refused handshake is UNAVAILABLE to grpcio; anything else is a surprise worth seeing.
            if error.code() != grpc.StatusCode.UNAVAILABLE:
                print(f"    unexpected {error.code()}: {error.details()}", flush=True)
            return False


def eventually(condition, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def served_serial():
    """The serial of the certificate a new TLS handshake gets from the gateway."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    key_file = folder / "probe-key.pem"
    cert_file = folder / "probe.pem"
    key_file.write_bytes(pem(good[0]))
    cert_file.write_bytes(pem(good[1]))
    context.load_cert_chain(cert_file, key_file)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw) as tls:
            return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True)).serial_number


# The stream held open across every change.
outbox = queue.Queue()
stream_channel = channel(good)
acks = ingest_pb2_grpc.NationalIngestServiceStub(stream_channel).SubmitStream(iter(outbox.get, None))


def stream_still_works(what):
    outbox.put(ingest_pb2.NationalBatch(records=[record()]))
    ack = next(acks).acks[0]
    check(ack.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED, f"the stream opened before {what} still acknowledges records")


stream_still_works("any change")
check(submits(good) and submits(doomed), "both province certificates connect")

# 1. A new CRL revokes one certificate.
write("ca.crl", pem(crl(ca1, revoked=[doomed[1]])))
check(eventually(lambda: not submits(doomed)), "a certificate revoked by a new CRL is refused at the handshake")
check("is revoked by the CRL" in log_text() and format(doomed[1].serial_number, "X") in log_text(),
      "the log names the revoked serial and the CRL")
check(submits(good), "the other certificate still connects")
stream_still_works("the CRL change")

# 2. The server certificate and key are rotated.
server2 = leaf(ca1, "gateway (rotated)", server=True)
write("server-key.pem", pem(server2[0]))
write("server.pem", pem(server2[1]))
check(eventually(lambda: served_serial() == server2[1].serial_number), "new handshakes get the rotated server certificate")
check(submits(good), "a client connects to the rotated server certificate")
stream_still_works("the server certificate rotation")

# 3. Bad new files: the material in force stays, and the log says why.
write("ca.crl", b"-----BEGIN X509 CRL-----\nnot base64\n-----END X509 CRL-----\n")
write("server.pem", b"garbage")
check(eventually(lambda: "client trust NOT reloaded" in log_text() and "server certificate NOT reloaded" in log_text()),
      "bad new files are refused, with the reason in the log")
check(not submits(doomed), "the revoked certificate stays refused under a bad CRL file")
check(submits(good), "the good certificate still connects under bad files")
check(served_serial() == server2[1].serial_number, "the server keeps the certificate in force")
write("server.pem", pem(server2[1]))
stream_still_works("the bad files")

# 4. The client CA bundle is rotated to a new CA (and its CRL with it).
ca2 = authority("Sichuan Province Root CA 2027")
good2 = leaf(ca2, "national-sc (new CA)")
write("ca.pem", pem(ca2[1]))
write("ca.crl", pem(crl(ca2)))
check(eventually(lambda: submits(good2)), "a certificate of the new CA connects after the bundle rotation")
check(not submits(good), "a certificate of the retired CA is refused")
stream_still_works("the CA rotation (its connection was verified before)")

# 5. An out-of-date CRL fails closed.
write("ca.crl", pem(crl(ca2, next_update=NOW - datetime.timedelta(minutes=1))))
check(eventually(lambda: not submits(good2)), "an out-of-date CRL refuses its CA's certificates (fail closed)")
check("is out of date" in log_text(), "the log says the CRL is out of date, with its path")

outbox.put(None)
stream_channel.close()
gateway.terminate()
gateway.wait(timeout=30)
print("rotation: all checks passed", flush=True)

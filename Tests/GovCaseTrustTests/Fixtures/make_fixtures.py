"""The Python `cryptography` half of make_fixtures.sh: an EC P-256 CA and CRLs of several kinds."""
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

now = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)


def ca(name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.COMMON_NAME, name)])
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=36500))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def crl(key, certificate, serials, next_update, extensions=()):
    builder = (
        x509.CertificateRevocationListBuilder().issuer_name(certificate.subject)
        .last_update(now - datetime.timedelta(days=1)).next_update(next_update)
        .add_extension(x509.CRLNumber(7), critical=False)
    )
    for serial in serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build())
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(key, hashes.SHA256())


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


key, certificate = ca("Fujian Province Root CA")
write("python-ca.pem", certificate.public_bytes(serialization.Encoding.PEM))
current = crl(key, certificate, [0x1234, 0xABCDEF0123], now + datetime.timedelta(days=36500))
write("python-ca.crl.pem", current.public_bytes(serialization.Encoding.PEM))
write("python-ca-expired.crl.pem",
      crl(key, certificate, [0x1234], now - datetime.timedelta(hours=1)).public_bytes(serialization.Encoding.PEM))
write("python-ca-delta.crl.pem",
      crl(key, certificate, [0x1234], now + datetime.timedelta(days=36500), [(x509.DeltaCRLIndicator(6), True)])
      .public_bytes(serialization.Encoding.PEM))
# The current CRL with one byte of a revoked serial changed after signing: its signature no longer holds.
der = bytearray(current.public_bytes(serialization.Encoding.DER))
index = der.index(bytes.fromhex("ab cd ef 01 23"))
der[index + 4] ^= 0x01
write("python-ca-tampered.crl.der", bytes(der))
# Another CA's CRL, which the Fujian CA did not sign.
other_key, other = ca("Fujian Province Root CA")
write("python-impostor.crl.pem",
      crl(other_key, other, [], now + datetime.timedelta(days=36500)).public_bytes(serialization.Encoding.PEM))

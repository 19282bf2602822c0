"""A province CA renewed the way Python `cryptography` renews one, written at test time into the folder given.

The original CA certificate has expired; the renewal keeps its subject and its key and has a new serial and a new
validity. Two client certificates issued while the original was valid; a CRL the key signed (no authority key
identifier: `cryptography` adds one only when asked) revokes one of them. Used by CARenewalTests.
"""
import datetime
import pathlib
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

folder = pathlib.Path(sys.argv[1])
now = datetime.datetime.now(datetime.timezone.utc)
day = datetime.timedelta(days=1)
key = ec.generate_private_key(ec.SECP256R1())
subject = x509.Name([
    x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Zhejiang"),
    x509.NameAttribute(NameOID.COMMON_NAME, "Zhejiang Province Root CA"),
])


def authority(not_before, not_after):
    return (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def leaf(name):
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    return (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(subject).public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - 300 * day).not_valid_after(now + 300 * day)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM)


original = authority(now - 400 * day, now - day)
renewed = authority(now - 2 * day, now + 365 * day)
revoked, kept = leaf("revoked"), leaf("kept")
crl = (
    x509.CertificateRevocationListBuilder().issuer_name(subject).last_update(now - datetime.timedelta(hours=1))
    .next_update(now + 7 * day).add_extension(x509.CRLNumber(1), critical=False)
    .add_revoked_certificate(
        x509.RevokedCertificateBuilder().serial_number(revoked.serial_number).revocation_date(now - day).build())
    .sign(key, hashes.SHA256())
)
(folder / "ca-original.pem").write_bytes(pem(original))
(folder / "ca-renewed.pem").write_bytes(pem(renewed))
(folder / "revoked.pem").write_bytes(pem(revoked))
(folder / "kept.pem").write_bytes(pem(kept))
(folder / "ca.crl.pem").write_bytes(crl.public_bytes(serialization.Encoding.PEM))

"""What the interop sessions share: a check that stops at the first surprise, and a grpcio channel over mutual
TLS as a development identity (a folder from `govcase pki init`)."""

import pathlib
import sys

import grpc


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"FAILED: {what}")
    print(f"ok  {what}", flush=True)


def channel(target: str, pki: pathlib.Path, client: str) -> grpc.Channel:
    credentials = grpc.ssl_channel_credentials(
        root_certificates=(pki / "ca.pem").read_bytes(),
        private_key=(pki / "clients" / f"{client}-key.pem").read_bytes(),
        certificate_chain=(pki / "clients" / f"{client}.pem").read_bytes(),
    )
    # The development server certificate names localhost.
    return grpc.secure_channel(target, credentials, options=[("grpc.ssl_target_name_override", "localhost")])

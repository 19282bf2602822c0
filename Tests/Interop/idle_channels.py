#!/usr/bin/env python3
"""Opens N grpcio channels to the gateway over mutual TLS, waits until each is connected, prints "ready",
then holds them open without a call for up to --hold seconds: the idle clients a draining gateway must not
wait for. Usage: idle_channels.py --target 127.0.0.1:8443 --pki <folder> --count 50 --hold 300
"""

import argparse
import pathlib
import sys
import time

import grpc


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--pki", required=True, type=pathlib.Path)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--hold", type=float, default=300)
    args = parser.parse_args()
    credentials = grpc.ssl_channel_credentials(
        root_certificates=(args.pki / "ca.pem").read_bytes(),
        private_key=(args.pki / "clients" / "national-sc-key.pem").read_bytes(),
        certificate_chain=(args.pki / "clients" / "national-sc.pem").read_bytes(),
    )
    channels = []
    for _ in range(args.count):
        # A local subchannel pool: each channel its own connection, as separate client processes would have.
        channel = grpc.secure_channel(args.target, credentials, options=[
            ("grpc.ssl_target_name_override", "localhost"), ("grpc.use_local_subchannel_pool", 1)])
        grpc.channel_ready_future(channel).result(timeout=30)
        channels.append(channel)
    print("ready", flush=True)
    time.sleep(args.hold)
    for channel in channels:
        channel.close()


if __name__ == "__main__":
    sys.exit(main())

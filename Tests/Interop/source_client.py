#!/usr/bin/env python3
"""A province source system for the conformance kit's source role: sends national evaluations to the kit's
sandbox gateway over mutual TLS with grpcio, retrying UNAVAILABLE with exponential backoff. Flags make it
misbehave as the kit must notice:

  --no-backoff       retries UNAVAILABLE at once
  --reuse-revision   resends a record with the same revision and other content
  --bad-record       sends a record with a level of 9
  --other-region     sends a Beijing record with its Sichuan certificate

Usage: source_client.py --target 127.0.0.1:<port> --pki <folder from `govcase pki init`> --sandbox-ca <pem>
       --repo <checkout> [flags]
"""

import argparse
import json
import pathlib
import random
import sys
import time
import uuid

import grpc
from google.protobuf import json_format

parser = argparse.ArgumentParser()
parser.add_argument("--target", required=True)
parser.add_argument("--pki", required=True, type=pathlib.Path)
parser.add_argument("--sandbox-ca", required=True, type=pathlib.Path)
parser.add_argument("--repo", required=True, type=pathlib.Path)
parser.add_argument("--no-backoff", action="store_true")
parser.add_argument("--reuse-revision", action="store_true")
parser.add_argument("--bad-record", action="store_true")
parser.add_argument("--other-region", action="store_true")
args = parser.parse_args()
sys.path.insert(0, str(args.repo / "Plugins" / "sdk" / "python"))
from govcase.gateway.v1 import ingest_pb2, ingest_pb2_grpc  # noqa: E402
from govcase.sources.national.v1 import national_pb2  # noqa: E402

vector = json.loads((args.repo / "Tests/Vectors/national-platform/valid/001-evaluation-channel-web-level-5.json").read_text())
template = dict(vector["record"])
template.pop("@type")

credentials = grpc.ssl_channel_credentials(
    root_certificates=args.sandbox_ca.read_bytes(),
    private_key=(args.pki / "clients" / "national-sc-key.pem").read_bytes(),
    certificate_chain=(args.pki / "clients" / "national-sc.pem").read_bytes())
channel = grpc.secure_channel(args.target, credentials, options=[("grpc.ssl_target_name_override", "localhost")])
national = ingest_pb2_grpc.NationalIngestServiceStub(channel)


def send(record):
    delay = 0.2
    for attempt in range(6):
        try:
            return national.Submit(ingest_pb2.NationalRecord(evaluation=record), timeout=10)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE:
                return error
            if not args.no_backoff:
                time.sleep(delay * (0.5 + random.random() / 2))
                delay *= 2
    return None


run = uuid.uuid4().hex[:6]
records = []
for n in range(5):
    record = json_format.ParseDict(template, national_pb2.EvaluationRecord())
    record.evaluation_id = f"SRC-{run}-{n}"
    records.append(record)
    print(record.evaluation_id, send(record), flush=True)
if args.reuse_revision:
    changed = national_pb2.EvaluationRecord()
    changed.CopyFrom(records[0])
    changed.level = 4
    print("reused revision:", send(changed), flush=True)
if args.bad_record:
    bad = json_format.ParseDict(template, national_pb2.EvaluationRecord())
    bad.evaluation_id = f"SRC-{run}-bad"
    bad.level = 9
    print("bad record:", send(bad), flush=True)
if args.other_region:
    beijing = json_format.ParseDict(template, national_pb2.EvaluationRecord())
    beijing.evaluation_id = f"SRC-{run}-beijing"
    beijing.region_code = "110101"
    print("other region:", send(beijing), flush=True)
print("source done", flush=True)

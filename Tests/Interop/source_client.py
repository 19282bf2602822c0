#!/usr/bin/env python3
"""A province source system for the conformance kit's source role: sends seven national evaluations, one at a time,
to the kit's sandbox gateway over mutual TLS with grpcio. It retries UNAVAILABLE with exponential backoff (400 ms,
doubling, capped at 2 s) and jitter (each wait 0.5–1.0 of the backoff) until the record is delivered, and waits out
RESOURCE_EXHAUSTED's grpc-retry-pushback-ms; after 60 s on one record it gives up and says so on stderr. Flags
make it misbehave as the kit must notice:

  --no-backoff       retries UNAVAILABLE at once (after 10 ms)
  --no-jitter        waits exactly the backoff (400 ms, 800 ms, ...), with no random factor
  --give-up          stops retrying a record after three attempts, silently, and goes on with the next
  --ignore-pushback  retries RESOURCE_EXHAUSTED after 50 ms, whatever grpc-retry-pushback-ms says
  --own-backoff      retries RESOURCE_EXHAUSTED after its own jittered backoff, as UNAVAILABLE, never reading
                     grpc-retry-pushback-ms (a sender that waits, only not what it was asked to)
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
parser.add_argument("--no-jitter", action="store_true")
parser.add_argument("--give-up", action="store_true")
parser.add_argument("--ignore-pushback", action="store_true")
parser.add_argument("--own-backoff", action="store_true")
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


def pushback(error):
    """grpc-retry-pushback-ms of a refusal, in seconds; None without one."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-retry-pushback-ms":
            return int(value) / 1000
    return None


def send(record):
    backoff = 0.4
    started = time.monotonic()
    attempts = 0
    while True:
        attempts += 1
        try:
            return national.Submit(ingest_pb2.NationalRecord(evaluation=record), timeout=10)
        except grpc.RpcError as error:
            if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED):
                return error
            if args.give_up and attempts >= 3:
                return None  # the flaw: gives up, and says nothing
            if time.monotonic() - started > 60:
                print(f"gave up on {record.evaluation_id} after {attempts} attempts: {error.code()}", file=sys.stderr,
                      flush=True)
                return error
            wait = backoff if args.no_jitter else backoff * (0.5 + random.random() / 2)
            backoff = min(backoff * 2, 2.0)
            if error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and not args.own_backoff:
                hint = pushback(error)
                wait = 0.05 if args.ignore_pushback else max(wait, hint or 0)
            elif args.no_backoff:
                wait = 0.01
            time.sleep(wait)


run = uuid.uuid4().hex[:6]
records = []
for n in range(7):
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

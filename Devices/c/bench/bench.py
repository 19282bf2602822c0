#!/usr/bin/env python3
"""Unary submits per second and resident memory: the C device client beside Python grpcio, on one gateway.

    python3 bench/bench.py [--records 2000] [--build build]

Starts `govcase serve` on a fresh development PKI, then sends the same kind of record (a national evaluation,
about 220 bytes) one at a time on one connection: first from `govcase-device submit --repeat N` (C), then from
a grpcio channel (Python), in alternating halves so that a change in load weighs on both. Prints a table.
The Swift client's figure comes from `govcase-bench --smoke` ("gateway unary x1"), run apart.
"""
import argparse
import datetime
import os
import pathlib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests"))
from run_tests import DEVICE, REPO, Device, Gateway, free_port, run_gateway_binary  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--build", default="build")
    args = parser.parse_args()
    binary = os.environ.get("GOVCASE", str(REPO / ".build" / "debug" / "govcase"))
    work = pathlib.Path(tempfile.mkdtemp(prefix="govcase-device-bench-"))
    pki = work / "pki"
    run_gateway_binary([binary, "pki", "init", "--out", str(pki)], check=True, capture_output=True)
    port = free_port()
    gateway = Gateway(binary, pki, port)
    device = Device((DEVICE / args.build).resolve(), "", work)
    sys.path.insert(0, str(REPO / "Plugins" / "sdk" / "python"))
    import grpc
    from google.protobuf import timestamp_pb2
    from govcase.gateway.v1 import ingest_pb2, ingest_pb2_grpc
    from govcase.sources.national.v1 import national_pb2

    at = timestamp_pb2.Timestamp(seconds=int(time.time()) - 3600)
    half = args.records // 2
    rates = {"C": [], "Python": []}
    rss = {}
    try:
        gateway.start()
        conf = device.config("bench", port, pki, log="none")
        credentials = grpc.ssl_channel_credentials(
            (pki / "ca.pem").read_bytes(), (pki / "clients" / "national-sc-key.pem").read_bytes(),
            (pki / "clients" / "national-sc.pem").read_bytes())
        channel = grpc.secure_channel(f"127.0.0.1:{port}", credentials,
                                      options=[("grpc.ssl_target_name_override", "localhost")])
        stub = ingest_pb2_grpc.NationalIngestServiceStub(channel)
        # Warm-up: the gateway's first records, and grpcio's channel.
        device.run("submit", "--config", conf, "--id", "WARM-C", "--repeat", "50")
        for slice_ in range(2):
            started = time.monotonic()
            process = subprocess.Popen([str(device.cli), "submit", "--config", str(conf), "--id", f"C{slice_}",
                                        "--repeat", str(half)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            accepted = 0
            for line in process.stdout:
                accepted += line.startswith(b"ACCEPTED")
                if accepted % 50 == 1:  # the process's own peak (VmHWM is per address space; ru_maxrss is not)
                    try:
                        status_text = pathlib.Path(f"/proc/{process.pid}/status").read_text()
                        hwm = int(status_text.split("VmHWM:")[1].split()[0])
                        rss["C"] = max(rss.get("C", 0), hwm)
                    except (OSError, IndexError):
                        pass
            status = process.wait()
            elapsed = time.monotonic() - started
            assert status == 0 and accepted == half
            rates["C"].append(half / elapsed)
            started = time.monotonic()
            for k in range(half):
                record = national_pb2.EvaluationRecord(
                    evaluation_id=f"PY{slice_}-{k}", revision=1, matter_id=f"BJ-PY{slice_}-{k}",
                    item=national_pb2.ServiceItem(item_code="11510104MB1234567X4000117009000", item_name="食品经营许可",
                                                  org_name="成都市锦江区行政审批局", org_credit_code="91440300708461136T"),
                    region_code="510104", channel="8", level=5, evaluation_type="1",
                    evaluator=national_pb2.Evaluator(party_type="1"), device_number="PJQ-0001")
                record.matter_completed_at.CopyFrom(at)
                record.evaluated_at.CopyFrom(at)
                ack = stub.Submit(ingest_pb2.NationalRecord(evaluation=record), timeout=10)
                assert ack.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED
            rates["Python"].append(half / (time.monotonic() - started))
        channel.close()
        rss["Python"] = int(pathlib.Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0])
    finally:
        gateway.kill()
    lib = (DEVICE / args.build / "libgovcase_device.so")
    stripped = work / "stripped.so"
    subprocess.run(["strip", "-o", str(stripped), str(lib)], check=True)
    print(f"{datetime.date.today()}, {args.records} records per client, sequential unary on one connection")
    print("| client | submits/s (two halves) | max RSS KiB |")
    print("|---|---:|---:|")
    for name in ("C", "Python"):
        print(f"| {name} | {' / '.join(f'{r:.0f}' for r in rates[name])} | {rss[name]} |")
    print(f"libgovcase_device.so stripped: {stripped.stat().st_size} bytes")


if __name__ == "__main__":
    main()

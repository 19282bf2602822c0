#!/usr/bin/env python3
"""An adapter plugin written as an integrator outside the project would write it: from docs/plugins.md and
Proto/ alone, with grpcio, grpcio-health-checking and code generated from Proto/ by the author's own build
(the folder named by SICHUAN_LINE_GENERATED, made by independent_plugin_client.py with grpcio-tools). It uses
none of the project's Python SDK nor its committed generated code: if the documents are not enough to write a
plugin, this one fails.

It adapts sichuan_line.proto's LineEvaluation (a "|"-separated export line) into a core case, answers
TranslateBatch calls only (it offers no TranslateStream streams), and follows docs/plugins.md's launch and
handshake rules.
"""

import os
import signal
import sys
import threading
import time
from concurrent import futures
from datetime import datetime

if os.environ.get("GOVCASE_PLUGIN_MAGIC_COOKIE") != "govcase-plugin-5b1c0e":
    print("sichuan-line: a GovCase Gateway adapter plugin; the gateway starts it from its manifest "
          "(govcase adapters register)", file=sys.stderr)
    sys.exit(1)

sys.path.insert(0, os.environ["SICHUAN_LINE_GENERATED"])

import grpc  # noqa: E402
from google.protobuf.timestamp_pb2 import Timestamp  # noqa: E402
from grpc_health.v1 import health, health_pb2_grpc  # noqa: E402

from govcase.core.v1 import case_pb2, evaluation_pb2, service_pb2, violation_pb2  # noqa: E402
from govcase.plugin.v1 import plugin_pb2, plugin_pb2_grpc  # noqa: E402
from sichuan_line_pb2 import LineEvaluation  # noqa: E402

ID, VERSION = "sichuan-line", "0.3.0"
SPOKEN = ["1"]
TYPE = LineEvaluation.DESCRIPTOR.full_name
CHANNELS = {"W": service_pb2.CHANNEL_WINDOW_DEVICE, "P": service_pb2.CHANNEL_WEB, "A": service_pb2.CHANNEL_MOBILE_APP}


def rejection(*violations):
    return plugin_pb2.TranslateResponse(rejection=violation_pb2.Rejection(
        violations=[violation_pb2.FieldViolation(field=f, rule=r, message=m) for f, r, m in violations]))


def translate(request):
    record = LineEvaluation()
    if not request.record.Unpack(record):
        return rejection(("record", "unknown_type", f"{request.record.type_url} is not {TYPE}"))
    hold_file = os.environ.get("SICHUAN_LINE_HOLD_FILE")
    if hold_file and record.evaluation_id.endswith("-held"):
        # A test hook, not part of the format: the test kills the plugin while it holds this record.
        open(hold_file, "w").close()
        time.sleep(3)
    fields = record.line.split("|")
    if len(fields) != 8:
        return rejection(("line", "malformed", f"{len(fields)} fields; 8 expected"))
    region, score, item_code, item_name, department, channel, evaluated_at, comment = fields
    problems = []
    if not (region.isdigit() and len(region) in (6, 12)):
        problems.append(("line.region", "malformed", f"{region!r} is not a 6- or 12-digit region code"))
    if score not in ("1", "2", "3", "4", "5"):
        problems.append(("line.score", "level", f"{score!r} is not 1–5 (5 = 非常满意)"))
    if channel not in CHANNELS:
        problems.append(("line.channel", "unknown_code", f"{channel!r}; known: W, P, A"))
    stamp = Timestamp()
    try:
        stamp.FromDatetime(datetime.fromisoformat(evaluated_at))
    except ValueError:
        problems.append(("line.evaluated_at", "malformed", f"{evaluated_at!r} is not ISO 8601 with an offset"))
    if problems:
        return rejection(*problems)
    return plugin_pb2.TranslateResponse(case=case_pb2.Case(
        source=case_pb2.SourceIdentity(external_id=record.evaluation_id, revision=1),
        kind=case_pb2.CASE_KIND_EVALUATION,
        region_code=region,
        service=service_pb2.ServiceReference(
            item_code=item_code, item_name=item_name, organisation=service_pb2.Organisation(name=department),
            channel=CHANNELS[channel]),
        evaluation=evaluation_pb2.Evaluation(
            level=int(score), text=comment, origin=evaluation_pb2.EVALUATION_ORIGIN_ACTIVE, evaluated_at=stamp),
        received_at=stamp))


class Service(plugin_pb2_grpc.AdapterPluginServiceServicer):
    def __init__(self, protocol_version):
        self.protocol_version = protocol_version
        with open(os.path.join(os.environ["SICHUAN_LINE_GENERATED"], "descriptors.binpb"), "rb") as file:
            self.descriptors = file.read()

    def Describe(self, request, context):
        return plugin_pb2.DescribeResponse(
            id=ID, version=VERSION, protocol_version=self.protocol_version, message_types=[TYPE],
            description="Sichuan line-format evaluations (written outside the project)",
            descriptor_set=self.descriptors)

    def Translate(self, request, context):
        return translate(request)

    def TranslateBatch(self, request, context):
        return plugin_pb2.TranslateBatchResponse(responses=[translate(r) for r in request.requests])


def main():
    offered = os.environ.get("GOVCASE_PLUGIN_PROTOCOL_VERSIONS", "").split(",")
    common = [v for v in SPOKEN if v in offered]
    if not common:
        print(f"sichuan-line speaks protocol {SPOKEN}, the gateway {offered}", file=sys.stderr)
        sys.exit(1)
    socket = os.environ["GOVCASE_PLUGIN_SOCKET"]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    plugin_pb2_grpc.add_AdapterPluginServiceServicer_to_server(Service(common[-1]), server)
    health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)  # "" is SERVING by default
    server.add_insecure_port(f"unix:{socket}")
    server.start()
    print(f"govcase-plugin|{common[-1]}|unix|{socket}|{ID}|{VERSION}", flush=True)
    print("sichuan-line: serving", file=sys.stderr, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop(grace=5).wait()


if __name__ == "__main__":
    main()

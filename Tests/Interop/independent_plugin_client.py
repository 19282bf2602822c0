#!/usr/bin/env python3
"""A plugin written outside the project (independent_plugin/plugin.py: docs/plugins.md and Proto/ alone, no
SDK, calls only, no streams), registered on a running gateway and used, as the issue that made plugins judges
them: code generated from Proto/ by grpcio-tools here, as the plugin's author would build it; registered as
the operator; records sent as a source system through GenericIngestService over mutual TLS and read back; a
rejection reaches the sender with the plugin's field; then SIGKILL while a stream sends (session.py), and
removal. Exits non-zero on the first surprise. Usage:

    independent_plugin_client.py --target 127.0.0.1:8443 --pki <folder from `govcase pki init`> --repo <checkout>
"""

import importlib.resources
import pathlib
import sys
import tempfile
import time
import uuid

import grpc
from grpc_status import rpc_status
from grpc_tools import protoc

from session import check, kill_plugin_mid_stream, plugin_session_arguments, plugin_session_stubs

PLUGIN = pathlib.Path(__file__).resolve().parent / "independent_plugin"


def build_plugin_code(protos: pathlib.Path) -> pathlib.Path:
    """What the plugin's author does once: Python from Proto/ and the record's .proto, and the descriptor set
    its Describe gives."""
    out = pathlib.Path(tempfile.mkdtemp(prefix="sichuan-line-"))
    well_known = str(importlib.resources.files("grpc_tools") / "_proto")
    contracts = sorted(str(p.relative_to(protos)) for p in (protos / "govcase").rglob("*.proto"))
    for arguments in (
        [f"-I{protos}", f"-I{well_known}", f"--python_out={out}", f"--grpc_python_out={out}", *contracts],
        [f"-I{PLUGIN}", f"-I{well_known}", f"--python_out={out}", "--include_imports",
         f"--descriptor_set_out={out / 'descriptors.binpb'}", "sichuan_line.proto"],
    ):
        status = protoc.main(["protoc", *arguments])
        check(status == 0, f"protoc {arguments[-1]}: {status}")
    return out


def main() -> None:
    args = plugin_session_arguments()
    generated = build_plugin_code(args.repo / "Proto")
    sys.path.insert(0, str(generated))
    from google.protobuf.any_pb2 import Any
    from google.rpc import error_details_pb2
    from govcase.core.v1 import evaluation_pb2, lifecycle_pb2
    from govcase.gateway.v1 import adapters_pb2, cases_pb2, ingest_pb2
    from sichuan_line_pb2 import LineEvaluation

    admin, adapters, ingest, cases = plugin_session_stubs(args)

    hold_file = generated / "holding"
    manifest = "\n".join([
        "id: sichuan-line", "version: 0.3.0", f"executable: {PLUGIN / 'plugin.py'}",
        f"environment: {{SICHUAN_LINE_GENERATED: '{generated}', SICHUAN_LINE_HOLD_FILE: '{hold_file}'}}",
        "message_types: [sichuan.evaluation.v1.LineEvaluation]", 'protocol_versions: ["1"]',
        "call_deadline_ms: 5000", "concurrency: 4", "batch_size: 50", "start_timeout_ms: 15000", ""])
    started = time.monotonic()
    info = admin.RegisterAdapter(adapters_pb2.RegisterAdapterRequest(manifest=manifest))
    check(info.plugin.state == adapters_pb2.PLUGIN_STATE_READY,
          f"the independent plugin registered on the running gateway, READY in {time.monotonic() - started:.2f} s")

    def record(evaluation_id: str, line: str = "510104|2|SC-0042|不动产登记|成都市锦江区不动产登记中心|W|"
               "2026-11-30T09:30:00+08:00|排队两小时") -> ingest_pb2.GenericRecord:
        packed = Any()
        packed.Pack(LineEvaluation(evaluation_id=evaluation_id, line=line))
        return ingest_pb2.GenericRecord(adapter_id="sichuan-line", record=packed)

    run = uuid.uuid4().hex[:8]
    ack = ingest.Submit(record(f"SCL-{run}-1"))
    check(ack.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED, f"a record through the plugin is ACCEPTED as {ack.case_id}")
    stored = cases.GetCase(cases_pb2.GetCaseRequest(case_id=ack.case_id))
    check(stored.source.adapter_id == "sichuan-line" and stored.source.external_id == f"SCL-{run}-1"
          and stored.source.record_type == "sichuan.evaluation.v1.LineEvaluation" and stored.region_code == "510104",
          "the stored case names the plugin, the record, its type and its region")
    # Score 2 is 不满意: the gateway, not the plugin, opens the bad-review loop (POLICY: every bad review is closed).
    check(stored.evaluation.level == evaluation_pb2.SATISFACTION_LEVEL_DISSATISFIED
          and stored.lifecycle == lifecycle_pb2.LIFECYCLE_BAD_REVIEW,
          "score 2 is 不满意 and the gateway opened the bad-review loop")

    try:
        ingest.Submit(record(f"SCL-{run}-bad", line="510104|9|SC-0042|x|y|Q|yesterday|"))
        check(False, "a bad line is refused")
    except grpc.RpcError as error:
        status = rpc_status.from_call(error)
        fields = set()
        for detail in status.details if status else []:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                fields |= {(v.field, v.reason) for v in bad.field_violations}
        check(error.code() == grpc.StatusCode.INVALID_ARGUMENT
              and {("line.score", "LEVEL"), ("line.channel", "UNKNOWN_CODE"), ("line.evaluated_at", "MALFORMED")} <= fields,
              f"the plugin's violations reach the sender with their fields: {sorted(fields)}")

    # The plugin holds a record whose id ends in "-held" for 3 s (SICHUAN_LINE_HOLD_FILE, a test hook), so a
    # record is surely in its hands when it is killed, and in its restarted self's when that is killed too.
    kill_plugin_mid_stream(ingest, adapters, cases, "sichuan-line", lambda name: record(f"SCL-{run}-{name}"),
                           lambda r: LineEvaluation.FromString(r.record.value).evaluation_id,
                           held=(lambda name: record(f"SCL-{run}-{name}"), hold_file))
    seen = adapters.DescribeAdapter(adapters_pb2.DescribeAdapterRequest(id="sichuan-line")).plugin
    check(seen.stream_batches == 0 and seen.calls > 0,
          f"a plugin without streams got every batch by call ({seen.calls} calls, {seen.stream_batches} by stream)")

    admin.RemoveAdapter(adapters_pb2.RemoveAdapterRequest(id="sichuan-line"))
    print("independent plugin session passed")


if __name__ == "__main__":
    main()

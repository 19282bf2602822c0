#!/usr/bin/env python3
"""Misbehaving plugins (bad_plugin.py) registered on a running gateway, each checked for the behaviour the
plugin protocol names (docs/plugins.md), with a well-behaved built-in ingest still served throughout.
Exits non-zero on the first surprise. Usage:

    bad_plugins_client.py --target 127.0.0.1:8443 --pki <folder from `govcase pki init`> --repo <checkout>
"""

import json
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from session import check, plugin_session_arguments, plugin_session_stubs
from google.protobuf.any_pb2 import Any


def main() -> None:
    args = plugin_session_arguments()
    sys.path.insert(0, str(args.repo / "Plugins" / "sdk" / "python"))
    sys.path.insert(0, str(args.repo / "Plugins" / "examples" / "province-json"))
    from govcase.gateway.v1 import adapters_pb2, ingest_pb2
    from province_json_pb2 import JsonEvaluation

    admin, adapters, ingest, _ = plugin_session_stubs(args)
    executable = args.repo / "Tests" / "Interop" / "bad_plugin.py"
    run = uuid.uuid4().hex[:6]
    # The id the development policy lets national-sc submit to; one misbehaving plugin at a time takes it.
    GRANTED = "province-json"

    # Deadlines with room for a loaded machine (the suite starts dozens of processes at once on two cores): only
    # the plugin that never shakes hands and the one that hangs wait them out.
    def manifest(mode, plugin_id=None, types=("govcase.examples.provincejson.v1.JsonEvaluation",), extra="",
                 streams=None, start_timeout_ms=15000):
        plugin_id = plugin_id or f"bad-{mode}"
        environment = f"BAD_PLUGIN_ID: {plugin_id}" + ("" if streams is None else f", BAD_PLUGIN_STREAMS: '{streams}'")
        return "\n".join([
            f"id: {plugin_id}", "version: 0.1.0", f"executable: {executable}", f"arguments: [{mode}]",
            f"environment: {{{environment}}}", f"message_types: [{', '.join(types)}]",
            "call_deadline_ms: 5000", f"start_timeout_ms: {start_timeout_ms}",
            "restart: {initial_backoff_ms: 20, max_backoff_ms: 200, max_exits: 3, window_seconds: 60}", extra, ""])

    def register(text):
        return admin.RegisterAdapter(adapters_pb2.RegisterAdapterRequest(manifest=text))

    def refused_registration(mode, code, needle, **kwargs):
        try:
            register(manifest(mode, **kwargs))
            check(False, f"{mode}: registration is refused")
        except grpc.RpcError as error:
            check(error.code() == code and needle in error.details(), f"{mode}: {error.code().name}: {error.details()}")

    def record(plugin_id, n):
        packed = Any()
        packed.Pack(JsonEvaluation(evaluation_id=f"BAD-{run}-{plugin_id}-{n}", document=json.dumps({})))
        return ingest_pb2.GenericRecord(adapter_id=plugin_id, record=packed)

    def submit(plugin_id, n):
        try:
            ingest.Submit(record(plugin_id, n))
            return None
        except grpc.RpcError as error:
            return error

    def status(plugin_id):
        return adapters.DescribeAdapter(adapters_pb2.DescribeAdapterRequest(id=plugin_id)).plugin

    def wait_for(plugin_id, state, seconds=20, restarted=False):
        deadline = time.monotonic() + seconds
        while status(plugin_id).state != state or (restarted and status(plugin_id).restarts == 0):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    refused_registration("stray-stdout", grpc.StatusCode.FAILED_PRECONDITION, "Starting bad plugin v0.1")
    refused_registration("no-handshake", grpc.StatusCode.FAILED_PRECONDITION, "handshake", start_timeout_ms=4000)
    refused_registration("crash-at-start", grpc.StatusCode.FAILED_PRECONDITION, "exited")
    refused_registration("good", grpc.StatusCode.FAILED_PRECONDITION, "no common protocol version",
                         extra='protocol_versions: ["9"]')
    refused_registration("good", grpc.StatusCode.FAILED_PRECONDITION, "national-platform", plugin_id="bad-claims-built-in",
                         types=("govcase.sources.national.v1.EvaluationRecord",))
    try:
        adapters.DescribeAdapter(adapters_pb2.DescribeAdapterRequest(id="bad-stray-stdout"))
        check(False, "a refused registration leaves nothing behind")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.NOT_FOUND, "a refused registration leaves nothing behind")

    # Both paths a batch may take: over a TranslateStream (the SDK offers streams) and as a TranslateBatch call
    # (a plugin that offers none).
    for streams, path in ((None, "stream"), (0, "call")):
        # A plugin that behaves: its records are accepted on either path.
        register(manifest("good", plugin_id=GRANTED, streams=streams))
        error = submit(GRANTED, 101 if streams is None else 102)
        check(error is None, f"good, by {path}: the record is accepted ({error and error.details()})")
        seen = status(GRANTED)
        by_stream = 1 if streams is None else 0
        check(seen.calls == 1 and seen.stream_batches == by_stream and seen.open_streams == by_stream,
              f"good, by {path}: {seen.calls} call(s), {seen.stream_batches} by stream, {seen.open_streams} open")
        admin.RemoveAdapter(adapters_pb2.RemoveAdapterRequest(id=GRANTED))

        # Hang: the record gets UNAVAILABLE after the call deadline, the plugin is killed and restarted.
        register(manifest("hang", plugin_id=GRANTED, streams=streams))
        error = submit(GRANTED, 1)
        check(error is not None and error.code() == grpc.StatusCode.UNAVAILABLE and "5000 ms" in error.details(),
              f"hang, by {path}: UNAVAILABLE after the call deadline: {error and error.details()}")
        check(wait_for(GRANTED, adapters_pb2.PLUGIN_STATE_READY, restarted=True),
              f"hang, by {path}: the plugin was killed and is back")
        admin.RemoveAdapter(adapters_pb2.RemoveAdapterRequest(id=GRANTED))

        # Wrong count: the whole batch is refused, retryable, naming the plugin.
        register(manifest("wrong-count", plugin_id=GRANTED, streams=streams))
        error = submit(GRANTED, 1)
        check(error is not None and error.code() == grpc.StatusCode.UNAVAILABLE and "0 results for 1" in error.details(),
              f"wrong count, by {path}: UNAVAILABLE naming the plugin: {error and error.details()}")
        admin.RemoveAdapter(adapters_pb2.RemoveAdapterRequest(id=GRANTED))

    # A case for another source: refused per record, naming the plugin.
    register(manifest("other-source", plugin_id=GRANTED))
    error = submit(GRANTED, 1)
    check(error is not None and error.code() == grpc.StatusCode.INTERNAL and GRANTED in error.details()
          and "someone-else" in error.details(), f"other source: refused: {error and error.details()}")
    admin.RemoveAdapter(adapters_pb2.RemoveAdapterRequest(id=GRANTED))

    # The gateway's own check of a plugin's case (a default rating at another level than the region's) is named
    # by the case's path, `case.<core path>` (violation.proto): the gateway knows none of the plugin record's.
    register(manifest("wrong-default", plugin_id=GRANTED))
    error = submit(GRANTED, 1)
    fields = set()
    status_ = rpc_status.from_call(error) if error is not None else None
    for detail in status_.details if status_ else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields |= {(v.field, v.reason) for v in bad.field_violations}
    check(error is not None and error.code() == grpc.StatusCode.INVALID_ARGUMENT
          and ("case.evaluation.level", "INCONSISTENT") in fields,
          f"wrong default: refused, named by the case's path: {error and error.code()} {sorted(fields)}")
    admin.RemoveAdapter(adapters_pb2.RemoveAdapterRequest(id=GRANTED))

    # A stderr flood is dropped beyond the rate, counted, and the record still goes through.
    register(manifest("stderr-flood", plugin_id=GRANTED))
    error = submit(GRANTED, 1)
    check(error is None, f"stderr flood: the record is accepted ({error and error.details()})")
    deadline = time.monotonic() + 10
    while status(GRANTED).stderr_lines_dropped == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    check(status(GRANTED).stderr_lines_dropped > 0,
          f"stderr flood: {status(GRANTED).stderr_lines_dropped} lines dropped and counted")
    admin.RemoveAdapter(adapters_pb2.RemoveAdapterRequest(id=GRANTED))

    # Crash on every call: retryable refusals, then quarantine, then release.
    register(manifest("crash-on-call", plugin_id=GRANTED))
    codes = [submit(GRANTED, n) for n in range(3)]
    check(all(e is not None and e.code() == grpc.StatusCode.UNAVAILABLE for e in codes),
          "crash on call: each record gets UNAVAILABLE")
    check(wait_for(GRANTED, adapters_pb2.PLUGIN_STATE_QUARANTINED),
          f"crash loop: QUARANTINED ({status(GRANTED).quarantine_reason})")
    error = submit(GRANTED, 9)
    check(error is not None and error.code() == grpc.StatusCode.UNAVAILABLE and "quarantined" in error.details(),
          "quarantined: records get UNAVAILABLE saying so")
    # Two operators release at once: one is obeyed, the other refused; none is left over to free the next
    # quarantine unseen.
    def release():
        try:
            admin.ReleaseAdapter(adapters_pb2.ReleaseAdapterRequest(id=GRANTED))
            return None
        except grpc.RpcError as error:
            return error.code()
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda _: release(), range(2)))
    check(sorted(outcomes, key=str) == sorted([None, grpc.StatusCode.FAILED_PRECONDITION], key=str),
          f"two releases at once: one obeyed, one refused ({outcomes})")
    check(wait_for(GRANTED, adapters_pb2.PLUGIN_STATE_READY), "released: it is started again")
    codes = [submit(GRANTED, n) for n in range(10, 13)]
    check(wait_for(GRANTED, adapters_pb2.PLUGIN_STATE_QUARANTINED), "crash loop again: QUARANTINED")
    time.sleep(1.0)
    check(status(GRANTED).state == adapters_pb2.PLUGIN_STATE_QUARANTINED,
          f"quarantined again, it stays so until a new release (state {status(GRANTED).state})")
    admin.ReleaseAdapter(adapters_pb2.ReleaseAdapterRequest(id=GRANTED))
    check(wait_for(GRANTED, adapters_pb2.PLUGIN_STATE_READY), "released again: it is started again")
    try:
        admin.ReleaseAdapter(adapters_pb2.ReleaseAdapterRequest(id=GRANTED))
        check(False, "releasing a plugin that is not quarantined is refused")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.FAILED_PRECONDITION, "releasing a running plugin: FAILED_PRECONDITION")
    admin.RemoveAdapter(adapters_pb2.RemoveAdapterRequest(id=GRANTED))
    try:
        admin.RemoveAdapter(adapters_pb2.RemoveAdapterRequest(id="national-platform"))
        check(False, "a built-in adapter cannot be removed")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.FAILED_PRECONDITION, "a built-in adapter cannot be removed")
    print("bad plugins passed")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Plugins that fail alone (docs/plugins.md, "Supervision"): each check here failed on the supervisor before
the plugin process became one state machine with its batches dispatched apart. On a running gateway, as an
operator and a source system over mutual TLS:

- callers whose deadlines pass while a healthy plugin works never cost it a restart, on streams or calls;
- a record that crashes the plugin fails alone (FAILED_PRECONDITION, not retryable), the other records of its
  batch are accepted, the plugin is not quarantined, and the record sent again fails at once without a crash;
- a plugin that closes stdout and stderr after its handshake is called, and restarted when it dies;
- a plugin's own children go with it (its process group is signalled), and it sees none of the gateway's
  environment beyond PATH, LANG, LC_ALL, TZ, HOME and TMPDIR.

Usage: isolation_client.py --target 127.0.0.1:8443 --pki <folder> --repo <checkout>
"""

import json
import os
import signal
import sys
import tempfile
import time
import uuid

import grpc

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
    GRANTED = "province-json"
    out = tempfile.mkdtemp(prefix="govcase-isolation-")

    def manifest(mode, streams=None, max_exits=3, call_deadline_ms=5000, start_timeout_ms=15000, backoff_ms=(20, 200)):
        environment = f"BAD_PLUGIN_ID: {GRANTED}, BAD_PLUGIN_OUT: '{out}'"
        if streams is not None:
            environment += f", BAD_PLUGIN_STREAMS: '{streams}'"
        return "\n".join([
            f"id: {GRANTED}", "version: 0.1.0", f"executable: {executable}", f"arguments: [{mode}]",
            f"environment: {{{environment}}}", "message_types: [govcase.examples.provincejson.v1.JsonEvaluation]",
            f"call_deadline_ms: {call_deadline_ms}", f"start_timeout_ms: {start_timeout_ms}", "concurrency: 4",
            f"restart: {{initial_backoff_ms: {backoff_ms[0]}, max_backoff_ms: {backoff_ms[1]}, max_exits: {max_exits}, "
            "window_seconds: 60}",
            ""])

    def record(name):
        packed = Any()
        packed.Pack(JsonEvaluation(evaluation_id=f"ISO-{run}-{name}", document=json.dumps({})))
        return ingest_pb2.GenericRecord(adapter_id=GRANTED, record=packed)

    def submit(name, timeout=30):
        try:
            ingest.Submit(record(name), timeout=timeout)
            return None
        except grpc.RpcError as error:
            return error

    def status():
        return adapters.DescribeAdapter(adapters_pb2.DescribeAdapterRequest(id=GRANTED)).plugin

    def wait_for(predicate, seconds=20):
        deadline = time.monotonic() + seconds
        while not predicate():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def remove():
        admin.RemoveAdapter(adapters_pb2.RemoveAdapterRequest(id=GRANTED))

    def batch_with(bad, label, good=5, timeout=60):
        """One batch of `good` good records and `bad` last: checks that the good ones are accepted; bad's ack."""
        names = [f"{label}-good-{n}" for n in range(good)] + [bad]
        summary = ingest.SubmitBatch(iter([ingest_pb2.GenericBatch(records=[record(n) for n in names])]),
                                     timeout=timeout)
        check(summary.accepted == good, f"{label}: the {good} other records of the batch are accepted ({summary.accepted})")
        return summary.acks[len(names) - 1]

    def fails_alone(ack, label, code, says):
        check(ack.error_code == code.value[0] and says in ack.error_message,
              f"{label}: the record fails alone, saying why: {ack.error_code} {ack.error_message}")

    if os.environ.get("ISOLATION_REGISTER_ONLY") == "1":
        # For the orphan test: a plugin registered, its pid printed; the test then SIGKILLs the gateway.
        admin.RegisterAdapter(adapters_pb2.RegisterAdapterRequest(manifest=manifest("good")))
        print(f"plugin pid={status().pid}")
        return

    if os.environ.get("ISOLATION_OUT_OF_MEMORY") == "1":
        # For the out-of-memory test: the gateway runs in a memory cgroup with a limit, so the kernel's
        # out-of-memory killer, not the plugin, ends the launch that translates BALLOON.
        admin.RegisterAdapter(adapters_pb2.RegisterAdapterRequest(manifest=manifest("poison")))
        check(submit("oom-warm-up") is None, "out of memory: a first record is accepted")
        ack = batch_with("BALLOON", "out of memory", timeout=120)
        fails_alone(ack, "out of memory", grpc.StatusCode.FAILED_PRECONDITION, "the kernel's out-of-memory killer")
        check(wait_for(lambda: status().state == adapters_pb2.PLUGIN_STATE_READY), "out of memory: READY again")
        seen = status()
        check(len(seen.poison_records) == 1 and seen.poison_records[0].cause == adapters_pb2.POISON_CAUSE_KILLED,
              f"out of memory: listed with its cause: {list(seen.poison_records)}")
        restarts = seen.restarts
        error = submit("BALLOON")
        check(error is not None and error.code() == grpc.StatusCode.FAILED_PRECONDITION,
              f"out of memory: sent again, it fails at once: {error and error.details()}")
        check(submit("oom-after") is None and status().restarts == restarts,
              "out of memory: other records are accepted, and the resend cost no restart")
        remove()
        print("out of memory passed")
        return

    # 1. Deadlines that pass while a healthy plugin works (400 ms a batch) are the callers' outcome.
    for streams, path in ((None, "stream"), (0, "call")):
        admin.RegisterAdapter(adapters_pb2.RegisterAdapterRequest(manifest=manifest("slow", streams=streams)))
        pid = status().pid
        for n in range(5):
            try:
                ingest.SubmitBatch(iter([ingest_pb2.GenericBatch(records=[record(f"slow-{path}-{n}")])]), timeout=0.15)
                check(False, f"slow, by {path}: the 150 ms deadline passes")
            except grpc.RpcError as error:
                check(error.code() == grpc.StatusCode.DEADLINE_EXCEEDED, f"slow, by {path}: {error.code().name}")
        time.sleep(1.0)  # let the plugin finish the abandoned batches
        seen = status()
        check(seen.state == adapters_pb2.PLUGIN_STATE_READY and seen.restarts == 0 and seen.pid == pid,
              f"slow, by {path}: five passed deadlines leave the plugin READY, never restarted "
              f"(state {seen.state}, restarts {seen.restarts}, pid {seen.pid} was {pid})")
        error = submit(f"slow-{path}-after")
        check(error is None, f"slow, by {path}: the next record is accepted ({error and error.details()})")
        remove()

    # 2. A poison record among others: only it fails, and it fails alone.
    admin.RegisterAdapter(adapters_pb2.RegisterAdapterRequest(manifest=manifest("poison")))
    check(submit("warm-up") is None, "poison: a first record is accepted")
    ack = batch_with("POISON", "poison", good=11)
    fails_alone(ack, "poison", grpc.StatusCode.FAILED_PRECONDITION, "crashed the plugin twice")
    check(wait_for(lambda: status().state == adapters_pb2.PLUGIN_STATE_READY), "poison: the plugin is READY again")
    restarts = status().restarts
    for attempt in range(3):
        error = submit("POISON")
        check(error is not None and error.code() == grpc.StatusCode.FAILED_PRECONDITION,
              f"poison: sent again ({attempt + 1}), it fails at once: {error and error.details()}")
    seen = status()
    check(seen.restarts == restarts and seen.state == adapters_pb2.PLUGIN_STATE_READY,
          f"poison: resends crash nothing and quarantine nothing (restarts {seen.restarts}, state {seen.state})")
    check(submit("good-after") is None, "poison: other senders' records are still accepted")
    check(len(seen.poison_records) == 1 and seen.poison_records[0].record_type.endswith("JsonEvaluation")
          and seen.poison_records[0].cause == adapters_pb2.POISON_CAUSE_CRASHED,
          f"poison: operators see it in DescribeAdapter: {list(seen.poison_records)}")
    remove()

    # 2b. A record that hangs the plugin past its call deadline fails alone, the others of its batch are
    # accepted, and its exits do not count toward quarantine (max_exits 3; it costs two). One that has the plugin
    # SIGKILLed while the kernel counts no out-of-memory kill (here the plugin kills itself, as an operator's
    # kill -9 would) convicts nothing: it gets UNAVAILABLE, retryable, and the others are still accepted. (A real
    # out-of-memory kill cannot be made safely here; the kernel counter is read in PluginProcessStateMachineTests.)
    admin.RegisterAdapter(adapters_pb2.RegisterAdapterRequest(manifest=manifest("poison", call_deadline_ms=1500)))
    check(submit("warm-up-2") is None, "hang: a first record is accepted")
    ack = batch_with("HANG", "hang")
    fails_alone(ack, "hang", grpc.StatusCode.FAILED_PRECONDITION, "hung the plugin past its call deadline twice")
    check(wait_for(lambda: status().state == adapters_pb2.PLUGIN_STATE_READY), "hang: READY again")
    error = submit("HANG")
    check(error is not None and error.code() == grpc.StatusCode.FAILED_PRECONDITION,
          f"hang: sent again, it fails at once: {error and error.details()}")
    seen = status()
    check(len(seen.poison_records) == 1 and seen.poison_records[0].cause == adapters_pb2.POISON_CAUSE_HUNG,
          f"hang: listed with its cause: {list(seen.poison_records)}")
    ack = batch_with("OOM", "kill -9")
    fails_alone(ack, "kill -9 the kernel did not count (retryable)", grpc.StatusCode.UNAVAILABLE, "")
    check(wait_for(lambda: status().state == adapters_pb2.PLUGIN_STATE_READY), "kill -9: READY again")
    seen = status()
    check(len(seen.poison_records) == 1, f"kill -9: no record convicted ({list(seen.poison_records)})")
    remove()

    # 3. Stdout and stderr closed after the handshake: still called, and restarted when it dies.
    admin.RegisterAdapter(adapters_pb2.RegisterAdapterRequest(manifest=manifest("closes-outputs")))
    error = submit("quiet-1")
    check(error is None, f"closes outputs: its records are accepted ({error and error.details()})")
    pid = status().pid
    os.kill(pid, signal.SIGKILL)
    check(wait_for(lambda: status().pid not in (0, pid) and status().state == adapters_pb2.PLUGIN_STATE_READY),
          f"closes outputs: killed, it is restarted (pid {status().pid}, restarts {status().restarts})")
    check(submit("quiet-2") is None, "closes outputs: the restarted plugin is called")
    remove()

    # 3b. A record sent while the plugin waits out a restart's backoff (6-12 s, jittered) longer than the start-up
    # wait (start_timeout_ms and 0.5 s: 5.5 s) waits for the restart and is accepted, instead of failing when its
    # start-up wait runs out in the backoff, before the plugin was even started again.
    admin.RegisterAdapter(adapters_pb2.RegisterAdapterRequest(
        manifest=manifest("good", start_timeout_ms=5000, backoff_ms=(12000, 12000))))
    pid = status().pid
    os.kill(pid, signal.SIGKILL)
    check(wait_for(lambda: status().state != adapters_pb2.PLUGIN_STATE_READY, seconds=5),
          "backoff: the killed plugin's exit is seen")
    sent = time.monotonic()
    error = submit("during-backoff")
    waited = time.monotonic() - sent
    check(error is None and waited > 5.5,
          f"backoff: a record sent during the restart's backoff is accepted once the plugin is back, after "
          f"{waited:.1f} s ({error and error.details()})")
    remove()

    # 4. A child it started goes with it; it sees only the allowed environment.
    admin.RegisterAdapter(adapters_pb2.RegisterAdapterRequest(manifest=manifest("leaves-child")))
    with open(os.path.join(out, "child.pid")) as f:
        child = int(f.read())
    check(os.path.exists(f"/proc/{child}"), f"leaves child: its child {child} runs")
    remove()
    check(wait_for(lambda: not os.path.exists(f"/proc/{child}") or "Z" in open(f"/proc/{child}/stat").read().split()[2],
                   seconds=10),
          f"leaves child: removed, its child {child} is gone too")

    admin.RegisterAdapter(adapters_pb2.RegisterAdapterRequest(manifest=manifest("dumps-env")))
    with open(os.path.join(out, "env.txt")) as f:
        names = set(f.read().split())
    allowed = {"PATH", "LANG", "LC_ALL", "TZ", "HOME", "TMPDIR", "BAD_PLUGIN_ID", "BAD_PLUGIN_OUT",
               "GOVCASE_PLUGIN_MAGIC_COOKIE", "GOVCASE_PLUGIN_SOCKET", "GOVCASE_PLUGIN_PROTOCOL_VERSIONS"}
    # Set by what runs the script, not by the gateway: CPython under a C locale (PEP 538), a shell, pyenv's shim.
    launcher = {"LC_CTYPE", "PWD", "OLDPWD", "SHLVL", "_"}
    extra = sorted(n for n in names - allowed - launcher if not n.startswith("PYENV_") and not n.startswith("_PYENV"))
    check("GOVCASE_TEST_CANARY" not in names and not extra,
          f"environment: none of the gateway's own reaches the plugin (its canary: "
          f"{'GOVCASE_TEST_CANARY' in names}; others: {extra})")
    remove()
    print("isolation passed")


if __name__ == "__main__":
    main()

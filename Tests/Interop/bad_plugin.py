#!/usr/bin/env python3
"""A plugin made to misbehave, for the gateway's supervision tests. The mode is the first argument:

  stray-stdout    prints a line before its handshake
  no-handshake    serves but never writes the handshake
  crash-at-start  exits 3 at once
  crash-on-call   starts well, then exits 4 on every translation call
  hang            never answers a translation call
  wrong-count     answers no result for a batch
  other-source    answers a case for another source system
  wrong-default   answers a default rating (默认评价) of 非常满意, where the gateway's default level is 基本满意: the
                  gateway's own check refuses it, naming the case's path (`case.evaluation.level`)
  stderr-flood    writes 50,000 lines to stderr on every call, then answers
  crash-on-large-batch  exits 5 when a batch has more than 10 records
  good            behaves (the example format, minimal)
  slow            answers every batch after 400 ms (a caller's deadline lands while it works)
  poison          crashes (exit 6) on a record whose id contains POISON, hangs on one whose id contains HANG,
                  SIGKILLs itself on one whose id contains OOM (as an operator's kill -9 would), and on one whose
                  id contains BALLOON allocates memory, 64 MiB at a time and every page touched, until the kernel's
                  out-of-memory killer kills it (run only in a memory cgroup with a limit: at 4 GiB it gives up
                  and exits 9); answers the others
  closes-outputs  closes its stdout and stderr after the handshake (logs to a file), and keeps serving
  leaves-child    starts a child process (sleep) at start; writes the child's pid to $BAD_PLUGIN_OUT/child.pid
  dumps-env       writes its environment's names to $BAD_PLUGIN_OUT/env.txt at start, then behaves

BAD_PLUGIN_STREAMS in the environment sets how many TranslateStream streams it offers (the SDK's default if
unset; 0: TranslateBatch calls only), so each misbehaviour can be met on either path.
"""

import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(REPO, "Plugins", "sdk", "python"))
sys.path.insert(0, os.path.join(REPO, "Plugins", "examples", "province-json"))

import govcase_plugin  # noqa: E402
from govcase.core.v1 import case_pb2, evaluation_pb2, service_pb2  # noqa: E402
from govcase.plugin.v1 import plugin_pb2  # noqa: E402
from province_json_pb2 import JsonEvaluation  # noqa: E402

mode = sys.argv[1]

if mode == "crash-at-start":
    sys.exit(3)
if mode == "stray-stdout":
    print("Starting bad plugin v0.1 ...", flush=True)
if mode == "no-handshake":
    sys.stdout.write = lambda text: len(text)  # swallow the handshake
if mode == "leaves-child":
    import subprocess
    child = subprocess.Popen(["sleep", "600"])
    with open(os.path.join(os.environ["BAD_PLUGIN_OUT"], "child.pid"), "w") as f:
        f.write(str(child.pid))
if mode == "dumps-env":
    with open(os.path.join(os.environ["BAD_PLUGIN_OUT"], "env.txt"), "w") as f:
        f.write("\n".join(sorted(os.environ)))


class Bad(govcase_plugin.Adapter):
    id = os.environ.get("BAD_PLUGIN_ID", "bad-plugin")
    version = "0.1.0"
    description = f"misbehaves: {mode}"
    message_types = [JsonEvaluation]

    def translate(self, record, context):
        if mode == "crash-on-call":
            os._exit(4)
        if mode == "hang":
            time.sleep(3600)
        if mode == "slow":
            time.sleep(0.4)
        if mode == "poison" and "POISON" in record.evaluation_id:
            os._exit(6)
        if mode == "poison" and "HANG" in record.evaluation_id:
            time.sleep(3600)
        if mode == "poison" and "OOM" in record.evaluation_id:
            os.kill(os.getpid(), signal.SIGKILL)
        if mode == "poison" and "BALLOON" in record.evaluation_id:
            hoard = []
            while len(hoard) < 64:
                hoard.append(bytearray(64 << 20))
            os._exit(9)
        if mode == "stderr-flood":
            for i in range(50_000):
                sys.stderr.write(f"flood line {i}\n")
            sys.stderr.flush()
        case = case_pb2.Case(
            source=case_pb2.SourceIdentity(external_id=record.evaluation_id, revision=1),
            kind=case_pb2.CASE_KIND_EVALUATION,
            region_code="510104",
            service=service_pb2.ServiceReference(
                item_code="SC-001", organisation=service_pb2.Organisation(name="锦江区行政审批局"),
                channel=service_pb2.CHANNEL_WEB),
            evaluation=evaluation_pb2.Evaluation(
                level=evaluation_pb2.SATISFACTION_LEVEL_VERY_SATISFIED, origin=evaluation_pb2.EVALUATION_ORIGIN_ACTIVE,
                evaluated_at=context.received_at),
            received_at=context.received_at,
        )
        if mode == "other-source":
            case.source.source_system = "someone-else"
        if mode == "wrong-default":
            case.evaluation.origin = evaluation_pb2.EVALUATION_ORIGIN_DEFAULT
        return plugin_pb2.TranslateResponse(case=case)


# Batches reach `_translate_batch` by call and by stream alike.
class CrashOnLargeBatch(govcase_plugin._Servicer):
    def _translate_batch(self, request):
        if len(request.requests) > 10:
            os._exit(5)
        return super()._translate_batch(request)


if mode == "crash-on-large-batch":
    govcase_plugin._Servicer = CrashOnLargeBatch


class WrongCount(govcase_plugin._Servicer):
    def _translate_batch(self, request):
        return plugin_pb2.TranslateBatchResponse()


if mode == "wrong-count":
    govcase_plugin._Servicer = WrongCount

if mode == "closes-outputs":
    # After the handshake line: stdout and stderr closed, as a plugin that logs to a file does.
    _write = sys.stdout.write

    def write_then_close(text):
        written = _write(text)
        if text.endswith("\n"):
            sys.stdout.flush()
            os.close(1)
            os.close(2)
            sys.stdout.write = lambda t: len(t)
        return written

    sys.stdout.write = write_then_close

streams = os.environ.get("BAD_PLUGIN_STREAMS")
govcase_plugin.serve(Bad(), translate_streams=None if streams is None else int(streams))

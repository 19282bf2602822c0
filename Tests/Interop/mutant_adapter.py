#!/usr/bin/env python3
"""An adapter plugin broken on purpose, for the conformance kit's own tests (ConformanceTests).

It is the national-platform adapter's plugin form (`govcase-adapter-plugin national-platform`, whose path is the
first argument) behind a Python plugin that forwards every record to it, with one flaw chosen by the second:

  faithful            no flaw: passes whatever the real plugin passes (the control)
  drop-unknown-codes  a record refused only for unknown codes is translated anyway, with those fields cleared,
                      as an adapter does that maps unknown enum values and codes to "unspecified"
  calls-only          no flaw either, but serves TranslateBatch calls only (Describe's max_translate_streams is 0,
                      which plugin.proto allows): the streams case does not apply, and the verdict is Conformant
  call-differs        offers TranslateStream streams (as the SDK does) but its TranslateBatch calls, which the
                      gateway makes when every stream is busy, answer each case in another region
  dies-on-cancel      exits when a TranslateBatch call is cancelled while it translates (RST_STREAM from the
                      gateway when a caller's deadline passes): it answers every call it is allowed to finish
"""

import os
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Plugins", "sdk", "python"))

import grpc  # noqa: E402
from google.protobuf import any_pb2  # noqa: E402

import govcase_plugin  # noqa: E402
from govcase.plugin.v1 import plugin_pb2, plugin_pb2_grpc  # noqa: E402
from govcase.sources.national.v1 import national_pb2  # noqa: E402

real_plugin, flaw = sys.argv[1], sys.argv[2]
assert flaw in ("faithful", "calls-only", "drop-unknown-codes", "call-differs", "dies-on-cancel"), flaw


def start_real_plugin():
    """Launches the real plugin as the gateway would; its stub once it has handshaken."""
    socket = os.path.join(tempfile.mkdtemp(prefix="mutant-adapter-"), "real.sock")
    environment = dict(os.environ)
    environment.update({
        govcase_plugin.COOKIE_NAME: govcase_plugin.COOKIE_VALUE,
        govcase_plugin.SOCKET_NAME: socket,
        govcase_plugin.PROTOCOL_VERSIONS_NAME: "1",
    })
    child = subprocess.Popen([real_plugin, "national-platform"], env=environment, stdout=subprocess.PIPE)
    handshake = child.stdout.readline().decode()
    if not handshake.startswith("govcase-plugin|"):
        sys.exit(f"the real plugin did not handshake: {handshake!r}")
    return child, plugin_pb2_grpc.AdapterPluginServiceStub(grpc.insecure_channel("unix:" + socket))


def clear(record, path):
    """Clears the field at a violation's path (`evaluator.party_type`, `detail_items[0]`)."""
    names = [part.split("[")[0] for part in path.split(".")]
    for name in names[:-1]:
        record = getattr(record, name)
    record.ClearField(names[-1])


class Forwarding(govcase_plugin.Adapter):
    id = "national-platform"
    version = "1.0.0"
    description = f"the national-platform plugin behind a forwarder ({flaw})"
    message_types = [national_pb2.EvaluationRecord, national_pb2.RectificationFeedback, national_pb2.AppealRecord,
                     national_pb2.ServiceNodeRecord]

    real = None
    starting = threading.Lock()

    def ask(self, record, context):
        # Started on the first record, after serve() has checked the cookie and the protocol versions.
        with self.starting:
            if self.real is None:
                self.child, self.real = start_real_plugin()
        packed = any_pb2.Any()
        packed.Pack(record)
        request = plugin_pb2.TranslateBatchRequest(requests=[plugin_pb2.TranslateRequest(record=packed, context=context)])
        return self.real.TranslateBatch(request, timeout=10).responses[0]

    def translate(self, record, context):
        answer = self.ask(record, context)
        violations = answer.rejection.violations
        if flaw == "drop-unknown-codes" and violations and all(v.rule == "unknown_code" for v in violations):
            for violation in violations:
                clear(record, violation.field)
            second = self.ask(record, context)
            if second.WhichOneof("result") != "rejection":
                return second
        return answer


class CallDiffers(govcase_plugin._Servicer):
    def TranslateBatch(self, request, context):
        answer = super().TranslateBatch(request, context)
        for response in answer.responses:
            if response.WhichOneof("result") == "case":
                response.case.region_code = "110101"
        return answer


if flaw == "call-differs":
    govcase_plugin._Servicer = CallDiffers


class DiesOnCancel(govcase_plugin._Servicer):
    def TranslateBatch(self, request, context):
        answer = super().TranslateBatch(request, context)
        # A call that is no longer active once translated was cancelled while it worked.
        if not context.is_active():
            os._exit(9)
        return answer


if flaw == "dies-on-cancel":
    govcase_plugin._Servicer = DiesOnCancel

govcase_plugin.serve(Forwarding(), translate_streams=0 if flaw == "calls-only" else None)

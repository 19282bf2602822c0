#!/usr/bin/env python3
"""A small receiver of govcase.gateway.v1 national ingest, in Python grpcio, for testing the conformance kit:
correct by default, and made wrong on purpose by one flag. Each mutant must be caught by the kit's cases
named in Tests/GovCaseIntegrationTests/ConformanceTests.swift, and by no other.

  --no-client-auth       serves TLS without asking for a client certificate, and takes anyone as the submitter
  --store-retry-twice    no idempotency: every submit is a new case
  --wrong-codes          a bad record is INTERNAL, with no details
  --ack-before-store     acknowledges, then loses the record (no read-back, no duplicate detection)
  --drop-comment         stores the case without the evaluation's comment (its text)
  --drop-evaluator       stores the case without its evaluator
  --overwrite-older      takes an older revision after a newer one as a correction, overwriting the newer
  --ack-wrong-external-id
                         on SubmitStream and SubmitBatch, acknowledges each record with the external id of its
                         message's first record
  --reject-whole-batch   a message with one bad record has every record of it rejected, as if a batch were one
                         transaction
  --no-region-check      stores records for any region, not only those of the caller's certificate (its grant)
  --system-from-metadata takes the source system from an x-source-system metadata header when one is sent
  --system-from-record   takes the source system from the record's own data_source field when it is set
  --unmasked-reads       GetCase returns the evaluator's name, phone and document numbers in clear to a plain reader
  --memory-only          keeps cases in memory only: a restart (SIGHUP) loses every acknowledged record
  --invalid-argument-refusals
                         refuses every caller it must refuse (no certificate, an unknown CA, an expired certificate,
                         two URI SANs, another trust domain, plaintext) with INVALID_ARGUMENT, as if the record were
                         at fault, and accepts the good identity: a front takes any certificate, and plaintext too,
                         and hands each connection, with what it learnt of the caller, to a plaintext server

Every caller is a plain reader (no privacy-reader role): GetCase masks evaluator data as party.proto says. A
caller's grant is its certificate's region (spiffe://<td>/region/510000/system/<id> may submit records of 51....).
Cases are kept in a state file (`--state <dir>`, written before each acknowledgement); SIGHUP restarts the receiver
(a new program image on the same port; `stopped` is written in the state folder once the old one has stopped
serving): what the kit's `--restart-command` does, as `rm -f <state>/stopped; kill -HUP <pid>; until [ -e
<state>/stopped ]; do sleep 0.05; done`.

Records are translated into cases by the national-platform adapter's plugin form (`--plugin`, the path of
`govcase-adapter-plugin`), so that a case reads back every field sent; revisions follow ingest.proto (a higher one
corrects the case, a lower one is refused FAILED_PRECONDITION, the same one with other content ALREADY_EXISTS).

Usage: mutant_receiver.py --pki <folder from `govcase pki init`> --repo <checkout> --plugin <govcase-adapter-plugin>
[flag]; prints "serving on 127.0.0.1:<port>".
"""

import argparse
import ctypes
import datetime
import hashlib
import os
import pathlib
import select
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import uuid
from concurrent import futures

import grpc
from cryptography import x509
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status
import pickle
import signal
import time

parser = argparse.ArgumentParser()
parser.add_argument("--pki", required=True, type=pathlib.Path)
parser.add_argument("--repo", required=True, type=pathlib.Path)
parser.add_argument("--plugin", required=True, type=pathlib.Path)
parser.add_argument("--trust-domain", default="dev.govcase.local")
parser.add_argument("--state", type=pathlib.Path)
parser.add_argument("--port", type=int, default=0)
for flag in ("no-client-auth", "store-retry-twice", "wrong-codes", "ack-before-store", "invalid-argument-refusals",
             "drop-comment", "drop-evaluator", "overwrite-older", "ack-wrong-external-id", "reject-whole-batch",
             "no-region-check", "system-from-metadata", "system-from-record", "unmasked-reads", "memory-only"):
    parser.add_argument(f"--{flag}", action="store_true")
args = parser.parse_args()
sys.path.insert(0, str(args.repo / "Plugins" / "sdk" / "python"))
import govcase_plugin  # noqa: E402
from govcase.gateway.v1 import cases_pb2_grpc, ingest_pb2, ingest_pb2_grpc  # noqa: E402
from govcase.plugin.v1 import plugin_pb2, plugin_pb2_grpc  # noqa: E402
from google.protobuf import timestamp_pb2  # noqa: E402

if args.state is None:
    args.state = pathlib.Path(tempfile.mkdtemp(prefix="mutant-receiver-state-"))
args.state.mkdir(parents=True, exist_ok=True)
state_file = args.state / "cases.pickle"
lock = threading.Lock()
peers_lock = threading.Lock()
peers = {}  # --invalid-argument-refusals: the front's port towards the server → the caller's system, or "refused: why"
cases = {}  # case id → Case
keys = {}  # (system, external id) → (revision, digest, case id)
if state_file.exists() and not args.memory_only:
    from govcase.core.v1 import case_pb2  # noqa: E402
    with open(state_file, "rb") as saved:
        stored_cases, keys = pickle.load(saved)
    cases = {case_id: case_pb2.Case.FromString(data) for case_id, data in stored_cases.items()}


def persist():
    """Writes every case and key to the state file (under `lock`), before the acknowledgement; not --memory-only."""
    if args.memory_only:
        return
    temporary = state_file.with_suffix(".tmp")
    with open(temporary, "wb") as saved:
        pickle.dump(({case_id: c.SerializeToString() for case_id, c in cases.items()}, keys), saved)
        saved.flush()
        os.fsync(saved.fileno())
    os.replace(temporary, state_file)


def identity(uri):
    """(system, region) of a SPIFFE id spiffe://<td>/region/<code>/system/<id>."""
    parts = uri.split("/")
    return parts[-1], parts[-3] if len(parts) >= 3 else ""


def granted(region_code, certificate_region):
    """Whether a record's region lies in the certificate's region: 510000 grants 51...., 510100 grants 5101.."""
    prefix = certificate_region
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return region_code.startswith(prefix)


def caller(context):
    """(system, region) of the single SPIFFE URI SAN of the peer's certificate, in our trust domain; None refuses."""
    if args.invalid_argument_refusals:
        with peers_lock:
            who = peers.get(int(context.peer().rsplit(":", 1)[-1]), "refused: a connection the front did not see")
        if isinstance(who, str):  # the flaw: a refusal of the caller that blames the request
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"bad request ({who.removeprefix('refused: ')})")
        return who
    pem = context.auth_context().get("x509_pem_cert")
    if not pem:
        return ("anonymous", "") if args.no_client_auth else None  # anyone, for any region
    certificate = x509.load_pem_x509_certificate(pem[0])
    try:
        uris = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.UniformResourceIdentifier)
    except x509.ExtensionNotFound:
        uris = []
    if len(uris) != 1 or not uris[0].startswith(f"spiffe://{args.trust_domain}/"):
        return None
    return identity(uris[0])


def start_plugin():
    """The national-platform adapter's plugin form, launched as the gateway would; its stub once it has handshaken."""
    socket_path = os.path.join(tempfile.mkdtemp(prefix="mutant-receiver-"), "national.sock")
    environment = {"PATH": "/usr/bin:/bin", govcase_plugin.COOKIE_NAME: govcase_plugin.COOKIE_VALUE,
                   govcase_plugin.SOCKET_NAME: socket_path, govcase_plugin.PROTOCOL_VERSIONS_NAME: "1"}
    child = subprocess.Popen([str(args.plugin), "national-platform"], env=environment, stdout=subprocess.PIPE,
                             stdin=subprocess.PIPE)
    handshake = child.stdout.readline().decode()
    if not handshake.startswith("govcase-plugin|"):
        sys.exit(f"the national-platform plugin did not handshake: {handshake!r}")
    return child, plugin_pb2_grpc.AdapterPluginServiceStub(grpc.insecure_channel("unix:" + socket_path))


def translate(record, system):
    """The case the national-platform adapter makes of the record, or its rejection."""
    packed = any_pb2.Any()
    packed.Pack(record.evaluation)
    received = timestamp_pb2.Timestamp()
    received.GetCurrentTime()
    context = plugin_pb2.TranslationContext(source_system=system, received_at=received)
    request = plugin_pb2.TranslateBatchRequest(requests=[plugin_pb2.TranslateRequest(record=packed, context=context)])
    return adapter.TranslateBatch(request, timeout=10).responses[0]


def bad_level(record):
    return not 1 <= record.evaluation.level <= 5


def ingest(record, who, index, batch=None, metadata=None):
    system, certificate_region = who
    e = record.evaluation
    if args.system_from_metadata and metadata and metadata.get("x-source-system"):
        system = metadata["x-source-system"]
    if args.system_from_record and e.data_source:
        system = e.data_source
    ack = ingest_pb2.RecordAck(index=index, external_id=e.evaluation_id)
    if args.ack_wrong_external_id and batch:
        ack.external_id = batch[0].evaluation.evaluation_id
    if bad_level(record) or (args.reject_whole_batch and batch and any(map(bad_level, batch))):
        ack.outcome = ingest_pb2.RECORD_OUTCOME_REJECTED
        ack.error_code = code_pb2.INVALID_ARGUMENT
        ack.error_message = "level: must be 1–5" if bad_level(record) else "a record of this batch is invalid"
        return ack
    if not args.no_region_check and not granted(e.region_code, certificate_region):
        ack.outcome = ingest_pb2.RECORD_OUTCOME_REJECTED
        ack.error_code = code_pb2.PERMISSION_DENIED
        ack.error_message = f"region {e.region_code} is outside the grant of {system} ({certificate_region})"
        return ack
    answer = translate(record, system)
    if answer.WhichOneof("result") != "case":
        ack.outcome = ingest_pb2.RECORD_OUTCOME_REJECTED
        ack.rejection.CopyFrom(answer.rejection)
        ack.error_code = code_pb2.INVALID_ARGUMENT
        ack.error_message = "; ".join(f"{v.field}: {v.rule}" for v in answer.rejection.violations)
        return ack
    digest = hashlib.sha256(record.SerializeToString(deterministic=True)).hexdigest()
    with lock:
        known = keys.get((system, e.evaluation_id))
        case_id = str(uuid.uuid4())
        if known and not args.store_retry_twice:
            revision, stored_digest, case_id = known
            if revision == e.revision and stored_digest == digest:
                ack.outcome, ack.case_id = ingest_pb2.RECORD_OUTCOME_DUPLICATE, case_id
                return ack
            if revision == e.revision:
                ack.outcome = ingest_pb2.RECORD_OUTCOME_REJECTED
                ack.error_code = code_pb2.ALREADY_EXISTS
                ack.error_message = f"revision {revision} is stored with other content"
                return ack
            if e.revision < revision and not args.overwrite_older:
                ack.outcome = ingest_pb2.RECORD_OUTCOME_REJECTED
                ack.error_code = code_pb2.FAILED_PRECONDITION
                ack.error_message = f"revision {e.revision} is older than the stored revision {revision}"
                return ack
        if not args.ack_before_store:
            stored = answer.case
            stored.case_id = case_id
            stored.source.source_system = system
            if args.drop_comment:
                stored.evaluation.ClearField("text")
            if args.drop_evaluator:
                stored.ClearField("requester")
            keys[(system, e.evaluation_id)] = (e.revision, digest, case_id)
            cases[case_id] = stored
            persist()
    ack.outcome, ack.case_id = ingest_pb2.RECORD_OUTCOME_ACCEPTED, case_id
    return ack


def refuse(context, ack):
    if ack.error_code == code_pb2.PERMISSION_DENIED:
        context.abort(grpc.StatusCode.PERMISSION_DENIED, ack.error_message)
    if args.wrong_codes or ack.error_code != code_pb2.INVALID_ARGUMENT:
        code = grpc.StatusCode.INTERNAL if args.wrong_codes else (
            grpc.StatusCode.FAILED_PRECONDITION if ack.error_code == code_pb2.FAILED_PRECONDITION
            else grpc.StatusCode.ALREADY_EXISTS)
        context.abort(code, ack.error_message)
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field="level", description=ack.error_message, reason="LEVEL")]))
    context.abort_with_status(rpc_status.to_status(
        status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=ack.error_message, details=[detail])))


class National(ingest_pb2_grpc.NationalIngestServiceServicer):
    def Submit(self, request, context):
        who = caller(context)
        if who is None:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "one SPIFFE URI SAN in our trust domain is required")
        ack = ingest(request, who, 0, metadata=dict(context.invocation_metadata()))
        if ack.outcome == ingest_pb2.RECORD_OUTCOME_REJECTED:
            refuse(context, ack)
        return ack

    def SubmitStream(self, request_iterator, context):
        who = caller(context)
        if who is None:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "one SPIFFE URI SAN in our trust domain is required")
        index = 0
        for batch in request_iterator:
            acks = []
            for record in batch.records:
                acks.append(ingest(record, who, index, batch.records))
                index += 1
            yield ingest_pb2.StreamAcks(acks=acks)


    def SubmitBatch(self, request_iterator, context):
        who = caller(context)
        if who is None:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "one SPIFFE URI SAN in our trust domain is required")
        summary = ingest_pb2.BatchSummary()
        index = 0
        for batch in request_iterator:
            for record in batch.records:
                ack = ingest(record, who, index, batch.records)
                index += 1
                summary.acks.append(ack)
                if ack.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED:
                    summary.accepted += 1
                elif ack.outcome == ingest_pb2.RECORD_OUTCOME_DUPLICATE:
                    summary.duplicates += 1
                else:
                    summary.rejected += 1
        return summary


class Cases(cases_pb2_grpc.CaseServiceServicer):
    def GetCase(self, request, context):
        if caller(context) is None:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "no identity")
        with lock:
            found = cases.get(request.case_id)
        if found is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "no such case")
        if args.unmasked_reads:
            return found
        shown = type(found)()
        shown.CopyFrom(found)
        if shown.HasField("requester"):
            mask(shown.requester)
        return shown


def mask_name(name):
    """The family name (first character) of a name of two or more; a one-character name wholly."""
    return "" if not name else "*" if len(name) == 1 else name[0] + "*" * (len(name) - 1)


def mask_phone(phone):
    """A mobile keeps its first three and last four digits; another number its area code and last two digits."""
    if not phone:
        return ""
    digits = "".join(c for c in phone if c.isascii() and c.isdigit())
    if len(digits) < 7:
        return "*" * max(len(phone), 1)
    if len(digits) >= 11 and digits[-11] == "1" and (len(digits) == 11 or digits.startswith("86")):
        number = digits[-11:]
        return number[:3] + "****" + number[-4:]
    area = 3 if digits.startswith("010") or digits.startswith("02") else 4 if digits.startswith("0") else 0
    masked = "*" * (len(digits) - area - 2) + digits[-2:]
    return digits[:area] + "-" + masked if area else masked


def mask_document(number):
    """The first six and last four characters."""
    return "*" * len(number) if len(number) <= 10 else number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask(party):
    """party.proto's sensitive fields, masked for a caller without the privacy-reader role."""
    party.name = mask_name(party.name)
    party.phone = mask_phone(party.phone)
    party.document_number = mask_document(party.document_number)
    if party.HasField("agent"):
        party.agent.name = mask_name(party.agent.name)
        party.agent.document_number = mask_document(party.agent.document_number)


def judge(der):
    """--invalid-argument-refusals: the caller's system, or "refused: why", checked by hand as a receiver would."""
    if der is None:
        return "refused: no client certificate"
    certificate = x509.load_der_x509_certificate(der)
    try:
        certificate.verify_directly_issued_by(x509.load_pem_x509_certificate((args.pki / "ca.pem").read_bytes()))
    except Exception:
        return "refused: a certificate from an unknown CA"
    now = datetime.datetime.now(datetime.timezone.utc)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        return "refused: an expired certificate"
    try:
        uris = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.UniformResourceIdentifier)
    except x509.ExtensionNotFound:
        uris = []
    if len(uris) != 1 or not uris[0].startswith(f"spiffe://{args.trust_domain}/"):
        return "refused: not one SPIFFE URI SAN in our trust domain"
    return identity(uris[0])


def front(backend_port):
    """--invalid-argument-refusals: a listener that takes TLS with any client certificate (or none), and plaintext,
    and forwards each connection to the plaintext server, noting who the caller is."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.pki / "server.pem", args.pki / "server-key.pem")
    context.set_alpn_protocols(["h2"])
    # Python's ssl cannot ask for a certificate without verifying it; OpenSSL can, with a callback that takes any.
    libssl = ctypes.CDLL("libssl.so.3")
    verify = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p)
    libssl.SSL_CTX_set_verify.argtypes = [ctypes.c_void_p, ctypes.c_int, verify]
    front.accept_any = verify(lambda ok, store: 1)  # kept alive as long as the context
    ssl_ctx = ctypes.c_void_p.from_address(id(context) + 16).value  # PySSLContext's SSL_CTX*, after PyObject_HEAD
    libssl.SSL_CTX_set_verify(ssl_ctx, 1, front.accept_any)  # SSL_VERIFY_PEER
    listener = socket.create_server(("127.0.0.1", args.port), reuse_port=True)

    def serve(connection):
        try:
            if connection.recv(1, socket.MSG_PEEK) == b"\x16":  # a TLS handshake record
                connection = context.wrap_socket(connection, server_side=True)
                who = judge(connection.getpeercert(binary_form=True))
            else:
                who = "refused: plaintext"
            backend = socket.create_connection(("127.0.0.1", backend_port))
        except OSError:
            connection.close()
            return
        with peers_lock:
            peers[backend.getsockname()[1]] = who
        ends = {connection: backend, backend: connection}
        try:
            while True:
                ready = [connection] if isinstance(connection, ssl.SSLSocket) and connection.pending() else []
                ready = ready or select.select(list(ends), [], [], 120)[0]
                if not ready:
                    return
                for end in ready:
                    data = end.recv(65536)
                    if not data:
                        return
                    ends[end].sendall(data)
        except OSError:
            pass
        finally:
            connection.close()
            backend.close()

    def accept():
        while True:
            connection, _ = listener.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1]


plugin_process, adapter = start_plugin()
server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
ingest_pb2_grpc.add_NationalIngestServiceServicer_to_server(National(), server)
cases_pb2_grpc.add_CaseServiceServicer_to_server(Cases(), server)
health_servicer = health.HealthServicer()
health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
reflection.enable_server_reflection(
    [ingest_pb2.DESCRIPTOR.services_by_name["NationalIngestService"].full_name, reflection.SERVICE_NAME], server)
if args.invalid_argument_refusals:
    backend_port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    port = front(backend_port)
else:
    credentials = grpc.ssl_server_credentials(
        [((args.pki / "server-key.pem").read_bytes(), (args.pki / "server.pem").read_bytes())],
        root_certificates=None if args.no_client_auth else (args.pki / "ca.pem").read_bytes(),
        require_client_auth=not args.no_client_auth)
    port = server.add_secure_port(f"127.0.0.1:{args.port}", credentials)
    server.start()


def restart(signum, frame):
    """SIGHUP: stop serving, stop the plugin, say so (`stopped` in the state folder), and start again as a new
    program image on the same port: only what was persisted survives."""
    server.stop(None).wait()
    plugin_process.kill()
    plugin_process.wait()
    (args.state / "stopped").touch()
    arguments = list(sys.argv[1:])
    for option in ("--port", "--state"):
        if option in arguments:
            at = arguments.index(option)
            del arguments[at:at + 2]
    os.execv(sys.executable, [sys.executable, sys.argv[0], *arguments, "--port", str(port), "--state", str(args.state)])


signal.signal(signal.SIGHUP, restart)
# Started by a test runner whose threads block signals, the process inherits that mask: take SIGHUP again.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGHUP})
print(f"serving on 127.0.0.1:{port}", flush=True)
while True:
    time.sleep(3600)

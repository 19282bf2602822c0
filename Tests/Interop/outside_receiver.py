"""An upstream receiver of `govcase.gateway.v1.GenericIngestService`, written from the contracts alone
(Proto/govcase/gateway/v1/ingest.proto, docs/forwarding.md), as a province's engineers would write one, to
judge a forwarding gateway from outside. Not the gateway's code: its own store, its own idempotency.

- mutual TLS: a server certificate and a client CA (e.g. a folder of `govcase pki init`: ca.pem, server.pem,
  server-key.pem); the caller is its certificate's URI SAN.
- idempotency as ingest.proto defines it: (caller identity, record type, external id = field 1, revision) with
  the SHA-256 of the record's deterministic serialization: same content DUPLICATE (original case id), other
  content ALREADY_EXISTS, a lower revision than stored FAILED_PRECONDITION, a follow-up whose case is unknown
  NOT_FOUND. Every lower-revision or unknown-case arrival is also logged as an order violation.
- its store is a dict, persisted to a JSON file after every batch; every arrival is logged with its outcome.
- fault modes, switchable while it runs (attributes of `Receiver`, or a control JSON file with --control):
  `stop()`/`start()` (down: not listening); `refuse` {external id: (field, rule, message)} (INVALID_ARGUMENT
  with field violations in RecordAck.rejection); `pushback_calls`/`pushback_ms` (whole call RESOURCE_EXHAUSTED
  with `grpc-retry-pushback-ms`); `slow_calls`/`slow_seconds` (commit, then answer late); `short_ack_calls`
  (the last record of a batch neither stored nor acknowledged); `delay_seconds` (every batch answered after it);
  `start(certificate, key)` with a certificate that lacks the route's identity; `record_codes` {external id:
  [code, times]} (a record REJECTED with that gRPC code, e.g. 14 or 7); `call_code` [StatusCode, calls] (the
  whole call fails with it, e.g. UNAUTHENTICATED, UNIMPLEMENTED, INVALID_ARGUMENT).

Standalone: python3 outside_receiver.py --port P --pki DIR --store store.json [--control control.json]."""

import argparse
import hashlib
import json
import pathlib
import sys
import threading
import time
import uuid
from concurrent import futures

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "Plugins" / "sdk" / "python"))

import grpc  # noqa: E402
from google.protobuf import symbol_database  # noqa: E402

from govcase.core.v1 import violation_pb2  # noqa: E402
from govcase.gateway.v1 import ingest_pb2, ingest_pb2_grpc  # noqa: E402
from govcase.sources.national.v1 import national_pb2  # noqa: E402,F401  (registers the record types)

OK = ingest_pb2.RECORD_OUTCOME_ACCEPTED
DUP = ingest_pb2.RECORD_OUTCOME_DUPLICATE
REJ = ingest_pb2.RECORD_OUTCOME_REJECTED
# Follow-ups name their case by this field (national platform).
CASE_OF = {"govcase.sources.national.v1.RectificationFeedback": "evaluation_id",
           "govcase.sources.national.v1.AppealRecord": "evaluation_id"}


def identity(context) -> str:
    auth = context.auth_context()
    sans = [v.decode() for v in auth.get("x509_subject_alternative_name", [])]
    uris = [s for s in sans if s.startswith("spiffe://")]
    return uris[0] if uris else (sans[0] if sans else "?")


class Receiver(ingest_pb2_grpc.GenericIngestServiceServicer):
    def __init__(self, port: int, pki: pathlib.Path, store: pathlib.Path):
        self.port, self.pki, self.store_path = port, pathlib.Path(pki), pathlib.Path(store)
        self.lock = threading.RLock()
        self.server = None
        # records: "identity|type|external id" -> {"max": rev, "case_id": id, "revisions": {rev: sha}}
        self.records = {}
        self.arrivals = []  # every record received: t, key, revision, outcome, code
        self.calls = []  # every SubmitStream message: t, identity, records, what
        self.order_violations = []
        # fault modes
        self.refuse = {}
        self.pushback_calls, self.pushback_ms = 0, 0
        self.slow_calls, self.slow_seconds = 0, 0.0
        self.short_ack_calls = 0
        self.delay_seconds = 0.0
        self.record_codes = {}  # external id -> [gRPC code, times]: the record REJECTED with that code, n times
        self.call_code = None  # [gRPC StatusCode, calls]: the whole call fails with it
        if self.store_path.exists():
            saved = json.loads(self.store_path.read_text())
            self.records, self.arrivals = saved["records"], saved["arrivals"]
            self.order_violations = saved.get("order_violations", [])

    # -- serving -------------------------------------------------------------------------------------------------
    def start(self, certificate: pathlib.Path = None, key: pathlib.Path = None) -> None:
        certificate = certificate or self.pki / "server.pem"
        key = key or self.pki / "server-key.pem"
        credentials = grpc.ssl_server_credentials(
            [(key.read_bytes(), certificate.read_bytes())],
            root_certificates=(self.pki / "ca.pem").read_bytes(), require_client_auth=True)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
        ingest_pb2_grpc.add_GenericIngestServiceServicer_to_server(self, server)
        for _ in range(100):  # the port of a server just stopped may take a moment to free
            try:
                if server.add_secure_port(f"127.0.0.1:{self.port}", credentials) == self.port:
                    break
            except RuntimeError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError(f"cannot listen on {self.port}")
        server.start()
        self.server = server

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop(0).wait()
            self.server = None

    def persist(self) -> None:
        with self.lock:  # one writer at a time: calls run side by side
            text = json.dumps({"records": self.records, "arrivals": self.arrivals,
                               "order_violations": self.order_violations}, ensure_ascii=False)
            tmp = self.store_path.with_suffix(".tmp")
            tmp.write_text(text)
            tmp.replace(self.store_path)

    # -- one record ----------------------------------------------------------------------------------------------
    def take(self, who: str, index: int, generic: ingest_pb2.GenericRecord) -> ingest_pb2.RecordAck:
        type_name = generic.record.type_url.rsplit("/", 1)[-1]
        try:
            message = symbol_database.Default().GetSymbol(type_name)()
            message.ParseFromString(generic.record.value)
        except Exception as error:  # unknown type or undecodable
            return ingest_pb2.RecordAck(index=index, outcome=REJ, error_code=5,
                                        error_message=f"outside-receiver: cannot read {type_name}: {error}")
        external = getattr(message, message.DESCRIPTOR.fields_by_number[1].name)
        revision = int(getattr(message, "revision", 0))
        ack = ingest_pb2.RecordAck(index=index, external_id=external)
        if generic.adapter_id != "national-platform":
            ack.outcome, ack.error_code = REJ, 5
            ack.error_message = f"outside-receiver: unknown adapter {generic.adapter_id!r}"
            return ack
        sha = hashlib.sha256(message.SerializeToString(deterministic=True)).hexdigest()
        key = f"{who}|{type_name}|{external}"
        now = time.time()
        with self.lock:
            def log(outcome: str, code: int = 0) -> None:
                self.arrivals.append({"t": now, "key": key, "external_id": external, "type": type_name,
                                      "revision": revision, "outcome": outcome, "code": code,
                                      "parent": getattr(message, CASE_OF[type_name]) if type_name in CASE_OF else ""})

            if self.record_codes.get(external, [0, 0])[1] > 0:
                code = self.record_codes[external]
                code[1] -= 1
                ack.outcome, ack.error_code = REJ, code[0]
                ack.error_message = f"outside-receiver: {external} refused with code {code[0]} this time"
                log(f"CODE_{code[0]}", code[0])
                return ack
            if external in self.refuse:
                field, rule, text = self.refuse[external]
                ack.outcome, ack.error_code = REJ, grpc.StatusCode.INVALID_ARGUMENT.value[0]
                ack.error_message = f"outside-receiver refuses {external}: {text}"
                ack.rejection.CopyFrom(violation_pb2.Rejection(violations=[
                    violation_pb2.FieldViolation(field=field, rule=rule, message=text)]))
                log("REFUSED", ack.error_code)
                return ack
            entry = self.records.get(key)
            if entry is not None and str(revision) in entry["revisions"]:
                if entry["revisions"][str(revision)] == sha:
                    ack.outcome, ack.case_id = DUP, entry["case_id"]
                    log("DUPLICATE" if revision == entry["max"] else "DUPLICATE_OF_OLDER")
                else:
                    ack.outcome, ack.error_code = REJ, grpc.StatusCode.ALREADY_EXISTS.value[0]
                    ack.error_message = f"outside-receiver: revision {revision} of {external} stored with other content"
                    log("ALREADY_EXISTS", ack.error_code)
                return ack
            if entry is not None and revision < entry["max"]:
                ack.outcome, ack.error_code = REJ, grpc.StatusCode.FAILED_PRECONDITION.value[0]
                ack.error_message = f"outside-receiver: revision {revision} of {external} after {entry['max']}"
                self.order_violations.append(f"{key}: revision {revision} after {entry['max']}")
                log("FAILED_PRECONDITION", ack.error_code)
                return ack
            if entry is None:
                case_id = None
                if type_name in CASE_OF:
                    parent = getattr(message, CASE_OF[type_name])
                    owner = self.records.get(f"{who}|govcase.sources.national.v1.EvaluationRecord|{parent}")
                    if owner is None:
                        ack.outcome, ack.error_code = REJ, grpc.StatusCode.NOT_FOUND.value[0]
                        ack.error_message = f"outside-receiver: {external} names an unknown case {parent}"
                        self.order_violations.append(f"{key}: follow-up before its case {parent}")
                        log("NOT_FOUND", ack.error_code)
                        return ack
                    case_id = owner["case_id"]
                entry = self.records[key] = {"max": 0, "revisions": {}, "first_revision": revision,
                                             "case_id": case_id or f"RX-{uuid.uuid4().hex[:12]}"}
            entry["revisions"][str(revision)] = sha
            entry["max"] = revision
            ack.outcome, ack.case_id = OK, entry["case_id"]
            log("ACCEPTED")
            return ack

    # -- the service ---------------------------------------------------------------------------------------------
    def Submit(self, request, context):
        ack = self.take(identity(context), 0, request)
        self.persist()
        return ack

    def SubmitBatch(self, request_iterator, context):
        who, summary, index = identity(context), ingest_pb2.BatchSummary(), 0
        for batch in request_iterator:
            for record in batch.records:
                ack = self.take(who, index, record)
                index += 1
                summary.acks.append(ack)
                summary.accepted += ack.outcome == OK
                summary.duplicates += ack.outcome == DUP
                summary.rejected += ack.outcome == REJ
        self.persist()
        return summary

    def SubmitStream(self, request_iterator, context):
        who, index = identity(context), 0
        for batch in request_iterator:
            with self.lock:
                call = {"t": time.time(), "identity": who, "records": len(batch.records), "what": "answered"}
                self.calls.append(call)
                if self.pushback_calls > 0:
                    self.pushback_calls -= 1
                    call["what"] = f"pushback {self.pushback_ms}"
                    pushback = self.pushback_ms
                else:
                    pushback = None
                failing = None
                if self.call_code and self.call_code[1] > 0:
                    self.call_code[1] -= 1
                    failing = self.call_code[0]
                    call["what"] = f"call {failing.name}"
                slow = self.slow_calls > 0
                if slow:
                    self.slow_calls -= 1
                    call["what"] = "slow"
                short = self.short_ack_calls > 0 and len(batch.records) > 1
                if short:
                    self.short_ack_calls -= 1
                    call["what"] = "short"
            if failing is not None:
                context.abort(failing, f"outside-receiver: the whole call refused with {failing.name}")
            if pushback is not None:
                context.set_trailing_metadata((("grpc-retry-pushback-ms", str(pushback)),))
                context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "outside-receiver: busy, come back later")
            records = list(batch.records)[:-1] if short else list(batch.records)
            acks = []
            for record in records:
                acks.append(self.take(who, index, record))
                index += 1
            if short:
                index += 1
                call["dropped"] = [a.external_id for a in acks][-1:] if acks else []
            self.persist()
            if slow:
                time.sleep(self.slow_seconds)
            elif self.delay_seconds:
                time.sleep(self.delay_seconds)
            yield ingest_pb2.StreamAcks(acks=acks)

    # -- views for the probe -------------------------------------------------------------------------------------
    def accepted(self, prefix: str = "") -> dict:
        """external id -> [revisions ACCEPTED, in arrival order]"""
        with self.lock:
            out = {}
            for a in self.arrivals:
                if a["outcome"] == "ACCEPTED" and a["external_id"].startswith(prefix):
                    out.setdefault(a["external_id"], []).append(a["revision"])
            return out

    def outcomes(self, prefix: str = "") -> list:
        with self.lock:
            return [a for a in self.arrivals if a["external_id"].startswith(prefix)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pki", type=pathlib.Path, required=True)
    parser.add_argument("--store", type=pathlib.Path, required=True)
    parser.add_argument("--control", type=pathlib.Path, help="JSON of mode attributes, re-read every 0.2 s")
    args = parser.parse_args()
    receiver = Receiver(args.port, args.pki, args.store)
    receiver.start()
    print(f"outside receiver on 127.0.0.1:{args.port}", flush=True)
    seen = None
    while True:
        time.sleep(0.2)
        if args.control and args.control.exists():
            text = args.control.read_text()
            if text != seen:
                seen = text
                modes = json.loads(text)
                down = modes.pop("down", False)
                certificate = modes.pop("certificate", None)
                for name, value in modes.items():
                    setattr(receiver, name, value)
                receiver.stop()
                if not down:
                    receiver.start(pathlib.Path(certificate) if certificate else None,
                                   pathlib.Path(certificate.replace(".pem", "-key.pem")) if certificate else None)


if __name__ == "__main__":
    main()

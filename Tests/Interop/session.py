"""What the interop sessions share: a check that stops at the first surprise, and a grpcio channel over mutual
TLS as a development identity (a folder from `govcase pki init`)."""

import argparse
import os
import pathlib
import signal
import sys
import threading
import time

import grpc


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"FAILED: {what}")
    print(f"ok  {what}", flush=True)


def channel(target: str, pki: pathlib.Path, client: str) -> grpc.Channel:
    credentials = grpc.ssl_channel_credentials(
        root_certificates=(pki / "ca.pem").read_bytes(),
        private_key=(pki / "clients" / f"{client}-key.pem").read_bytes(),
        certificate_chain=(pki / "clients" / f"{client}.pem").read_bytes(),
    )
    # The development server certificate names localhost.
    return grpc.secure_channel(target, credentials, options=[("grpc.ssl_target_name_override", "localhost")])


def plugin_session_arguments() -> argparse.Namespace:
    """The arguments PluginTests gives every plugin session: --target, --pki and --repo."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--pki", required=True, type=pathlib.Path)
    parser.add_argument("--repo", required=True, type=pathlib.Path)
    return parser.parse_args()


def plugin_session_stubs(args: argparse.Namespace):
    """The operator's AdapterAdminService and AdapterService, and the source system's GenericIngestService and
    CaseService, over mutual TLS as operator-sc and national-sc. The generated govcase.gateway.v1 must be
    importable (the SDK's committed copy, or one generated from Proto/)."""
    from govcase.gateway.v1 import adapters_pb2_grpc, cases_pb2_grpc, ingest_pb2_grpc

    operator = channel(args.target, args.pki, "operator-sc")
    source = channel(args.target, args.pki, "national-sc")
    return (adapters_pb2_grpc.AdapterAdminServiceStub(operator), adapters_pb2_grpc.AdapterServiceStub(operator),
            ingest_pb2_grpc.GenericIngestServiceStub(source), cases_pb2_grpc.CaseServiceStub(source))


def kill_plugin_mid_stream(ingest, adapters, cases, adapter_id: str, record, external_id, held=None) -> None:
    """SIGKILLs a registered plugin while a SubmitStream is sending records through it, and checks what the
    plugin protocol promises: every record is acknowledged ACCEPTED (and reads back) or refused UNAVAILABLE
    (retryable, and accepted on retry), and the plugin is restarted. How long it took to be READY again, from
    the kill, is printed, measured by polling the admin API beside the stream.

    `record(name)` makes a GenericRecord whose external id is unique to `name`; `external_id(record)` reads it.
    Whether a record is in the plugin's hands at the kill is a matter of timing, and a batch whose plugin died is
    sent once more to the restarted plugin (docs/plugins.md), so a single kill costs the senders nothing. `held`,
    if given, makes the costly case certain: `(make, hold_file)`, a record the plugin holds a while before
    answering, and the file the plugin creates while it holds one. That record goes in the batch before the
    kill; the plugin is killed holding it, and killed again when the restarted plugin holds it again, so the
    record's acknowledgement must be UNAVAILABLE, and it must be accepted when sent again."""
    from govcase.gateway.v1 import adapters_pb2, cases_pb2, ingest_pb2

    def plugin():
        return adapters.DescribeAdapter(adapters_pb2.DescribeAdapterRequest(id=adapter_id)).plugin

    pid = plugin().pid
    batches, per_batch = 60, 10
    sent = {}
    back = {}

    def watch_restart(killed_at: float) -> None:
        deadline = killed_at + 30
        while time.monotonic() < deadline:
            status = plugin()
            if status.state == adapters_pb2.PLUGIN_STATE_READY and status.pid != pid:
                back["seconds"], back["pid"], back["restarts"] = time.monotonic() - killed_at, status.pid, status.restarts
                return
            time.sleep(0.01)

    watcher = threading.Thread(target=watch_restart, args=(0.0,))

    def kill(victim: int) -> None:
        nonlocal watcher
        check(victim > 0, f"a plugin process to kill (pid {victim})")  # os.kill(0, ...) is the whole group
        os.kill(victim, signal.SIGKILL)
        if victim == pid:
            watcher = threading.Thread(target=watch_restart, args=(time.monotonic(),))
            watcher.start()

    def kill_holding() -> None:
        """Kills the plugin when it holds the record, and the restarted one when it holds it again."""
        make, hold_file = held
        victim = pid
        for _ in range(2):
            waited = time.monotonic() + 30
            while not hold_file.exists() and time.monotonic() < waited:
                time.sleep(0.01)
            check(hold_file.exists(), f"the plugin (pid {victim}) holds the record")
            hold_file.unlink()
            kill(victim)
            # The restarted plugin, once it has a process (pid 0 while none runs).
            while (victim := plugin().pid) in (0, pid) and time.monotonic() < waited:
                time.sleep(0.01)

    def requests():
        for b in range(batches):
            batch = [record(f"s{b}-{i}") for i in range(per_batch)]
            if b == 10 and held:
                batch.append(held[0]("held"))
            for r in batch:
                sent[external_id(r)] = r
            yield ingest_pb2.GenericBatch(records=batch)
            if b == 10:
                kill_holding() if held else kill(pid)
            time.sleep(0.02)

    outcomes = {}
    for message in ingest.SubmitStream(requests()):
        for a in message.acks:
            outcomes[a.external_id] = a
    watcher.join()
    accepted = [a for a in outcomes.values() if a.outcome == ingest_pb2.RECORD_OUTCOME_ACCEPTED]
    unavailable = [a for a in outcomes.values() if a.outcome == ingest_pb2.RECORD_OUTCOME_REJECTED
                   and a.error_code == grpc.StatusCode.UNAVAILABLE.value[0]]
    check(len(outcomes) == len(sent), f"every streamed record was acknowledged ({len(outcomes)})")
    check(len(accepted) + len(unavailable) == len(outcomes),
          f"each is ACCEPTED ({len(accepted)}) or UNAVAILABLE, retryable ({len(unavailable)}); nothing else")
    # Records in the killed plugin's hands are sent once more to the restarted plugin; records sent while it
    # restarts wait for it (up to the manifest's start timeout), so a single kill costs nothing at best.
    print(f"    the kill cost {len(unavailable)} record(s) a retryable refusal"
          + (f", e.g. {unavailable[0].error_message}" if unavailable else ""))
    if held:
        in_hand = outcomes[external_id(held[0]("held"))]
        check(in_hand in unavailable,
              f"the record in the hands of a plugin killed twice on it is UNAVAILABLE: {in_hand.error_message}")
    check("seconds" in back, "the plugin comes back after SIGKILL")
    check(back["restarts"] >= 1,
          f"the plugin is back (pid {back['pid']}, restarts {back['restarts']}), READY {back['seconds']:.2f} s after the kill")
    for a in accepted:
        got = cases.GetCase(cases_pb2.GetCaseRequest(case_id=a.case_id))
        if got.source.external_id != a.external_id:
            check(False, f"acknowledged {a.external_id} reads back")
    check(True, f"all {len(accepted)} acknowledged records read back")
    if unavailable:
        retried = ingest.SubmitBatch(iter([ingest_pb2.GenericBatch(records=[sent[a.external_id] for a in unavailable])]))
        check(retried.accepted == len(unavailable) and retried.rejected == 0,
              f"the {len(unavailable)} refused records are accepted on retry")

"""Forwarding judged from outside: a development deployment (`govcase pki init --port 0`) with one `forwarding:`
route to outside_receiver.py (our own GenericIngestService receiver, its own PKI and store), national-platform
evaluations submitted as `national-sc`, and each fault of the receiver checked against docs/forwarding.md with
the receiver's store and `govcase outbox status|list|show|replay|discard --json` only.

Probes: baseline (exactly once, per-case order, feedback after its bad review); content refusals as dead letters
(reason and violations in `outbox show`, holding back only their own case; replay, discard); an outage (never a
dead letter, recovers); RESOURCE_EXHAUSTED with grpc-retry-pushback-ms (no call before it); answers slower than
the route's call timeout (retried, DUPLICATE, no dead letter); fewer acknowledgements than records (nothing
unacknowledged counted delivered); kill -9 of the gateway mid-delivery (nothing lost, nothing doubled); a
destination certificate without the route's identity, and one of another CA (paused, reason, no call).

  python3 Tests/Interop/outside_receiver_probe.py [--govcase .build/debug/govcase] [--work DIR]

Prints PASS/FAIL per probe with evidence; exits 1 if any failed."""

import argparse
import datetime
import json
import pathlib
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "Plugins" / "sdk" / "python"))
sys.path.insert(0, str(HERE))

import grpc  # noqa: E402

from govcase.gateway.v1 import ingest_pb2, ingest_pb2_grpc  # noqa: E402
import national_records  # noqa: E402

from outside_receiver import Receiver  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--govcase", default=str(HERE.parents[1] / ".build" / "debug" / "govcase"))
parser.add_argument("--work", type=pathlib.Path, default=None)
parser.add_argument("--only", default="", help="comma-separated probe names")
args = parser.parse_args()
work = args.work or pathlib.Path(tempfile.mkdtemp(prefix="outside-receiver-"))
work.mkdir(parents=True, exist_ok=True)
run = uuid.uuid4().hex[:6]
results = []  # (probe, PASS/FAIL, command, evidence)
submitted = set()  # the gateway's case ids of every record the probe submitted


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sh(*command, check_rc=True) -> subprocess.CompletedProcess:
    for _ in range(30):
        try:
            out = subprocess.run([str(c) for c in command], capture_output=True, text=True)
        except OSError as error:  # Text file busy while another engineer builds
            print(f"  ({error}; retrying)", flush=True)
            time.sleep(5)
            continue
        if check_rc and out.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, command))}: {out.returncode} {out.stdout}{out.stderr}")
        return out
    raise RuntimeError(f"cannot run {command[0]}")


class Gateway:
    def __init__(self, folder: pathlib.Path):
        self.folder = folder
        sh(args.govcase, "pki", "init", "--out", folder, "--port", "0")
        self.config = folder / "gateway.yaml"
        self.log_path = folder / "serve.log"
        self.process, self.port = None, None

    def start(self) -> None:
        before = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.process = subprocess.Popen([args.govcase, "serve", "--config", str(self.config)],
                                        stdout=open(self.log_path, "a"), stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            found = re.search(rb"serving on 127\.0\.0\.1:(\d+)", self.log_path.read_bytes()[before:])
            if found:
                self.port = int(found.group(1))
                return
            if self.process.poll() is not None:
                sys.exit(f"gateway exited:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.05)
        sys.exit("gateway did not start")

    def stop(self, sig=signal.SIGTERM) -> None:
        self.process.send_signal(sig)
        self.process.wait(60)
        with open(self.log_path, "a") as log:
            log.write(f"\n--- stopped by signal {int(sig)} ---\n")

    def outbox_command(self, *command) -> list:
        return [args.govcase, "outbox", *map(str, command), "--gateway", f"127.0.0.1:{self.port}",
                "--deployment", str(self.folder), "--json"]

    def outbox(self, *command, check_rc=True):
        out = sh(*self.outbox_command(*command), check_rc=check_rc)
        if not check_rc:
            return out
        return json.loads(out.stdout)

    def status(self) -> dict:
        return self.outbox("status", "--route", "outside")["routes"][0]

    def rows(self, state: str) -> list:
        return self.outbox("list", "--route", "outside", "--state", state, "--limit", "1000").get("forwards", [])

    def submit(self, records) -> dict:
        """external id -> the gateway's case id; every record must be accepted (or DUPLICATE)."""
        channel = grpc.secure_channel(
            f"127.0.0.1:{self.port}", grpc.ssl_channel_credentials(
                root_certificates=(self.folder / "ca.pem").read_bytes(),
                private_key=(self.folder / "clients" / "national-sc-key.pem").read_bytes(),
                certificate_chain=(self.folder / "clients" / "national-sc.pem").read_bytes()),
            options=[("grpc.ssl_target_name_override", "localhost")])
        stub = ingest_pb2_grpc.NationalIngestServiceStub(channel)
        summary = stub.SubmitBatch(iter([ingest_pb2.NationalBatch(records=records)]))
        channel.close()
        submitted.update(a.case_id for a in summary.acks if a.case_id)
        if summary.rejected:
            sys.exit(f"the gateway refused records of the probe: {[a for a in summary.acks if a.outcome == 3][:2]}")
        return {a.external_id: a.case_id for a in summary.acks}


def n(d: dict, key: str) -> int:
    return int(d.get(key, 0) or 0)


def drained(g: Gateway) -> bool:
    s = g.status()
    return n(s, "pending") == 0 and n(s, "inFlight") == 0


def wait_until(condition, seconds: float = 60) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if condition():
                return True
        except RuntimeError as error:
            print(f"  ({str(error)[:200]})", flush=True)
        time.sleep(0.3)
    return False


def report(probe: str, ok: bool, command: str, evidence: str) -> None:
    results.append((probe, "PASS" if ok else "FAIL", command, evidence))
    print(f"{'PASS' if ok else 'FAIL'}  {probe}: {evidence}", flush=True)




def eid(key: str) -> str:
    return f"OR-{run}-{key}"


def evaluation(key: str, level: int = 5, revision: int = 1) -> ingest_pb2.NationalRecord:
    return national_records.evaluation(eid(key), f"BJ-{run}-{key}", level=level, revision=revision)


def feedback(key: str) -> ingest_pb2.NationalRecord:
    return national_records.feedback(f"ZG-{run}-{key}", eid(key))


EVAL = "govcase.sources.national.v1.EvaluationRecord"
FEEDBACK = "govcase.sources.national.v1.RectificationFeedback"


def evaluations_at_receiver(prefix: str) -> dict:
    """external id -> revisions ACCEPTED in arrival order (evaluations only)."""
    out = {}
    for a in receiver.outcomes(eid(prefix)):
        if a["type"] == EVAL and a["outcome"] == "ACCEPTED":
            out.setdefault(a["external_id"], []).append(a["revision"])
    return out


def exactly_once(prefix: str, keys, latest: dict = None) -> tuple:
    """Every key's evaluation accepted, each revision once, in increasing order, latest revision reached."""
    got = evaluations_at_receiver(prefix)
    missing = [k for k in keys if eid(k) not in got]
    twice = {e: r for e, r in got.items() if len(r) != len(set(r)) or r != sorted(r)}
    stale = [e for k, rev in (latest or {}).items() if (e := eid(k)) in got and max(got[e]) != rev]
    conflicts = [a for a in receiver.outcomes(eid(prefix)) if a["outcome"] in ("ALREADY_EXISTS", "FAILED_PRECONDITION",
                                                                                 "NOT_FOUND")]
    ok = not missing and not twice and not stale and not conflicts
    return ok, (f"{len(got)}/{len(keys)} arrived; missing {missing[:5]}; twice/out of order {list(twice.items())[:3]}; "
                f"latest revision not reached {stale[:3]}; refusals of order/content {[(c['external_id'], c['outcome']) for c in conflicts][:3]}")


def dups(prefix: str) -> int:
    return sum(1 for a in receiver.outcomes(eid(prefix)) if a["outcome"].startswith("DUPLICATE"))


# --- the deployment ----------------------------------------------------------------------------------------------
gateway = Gateway(work / "gateway")
rx = work / "receiver"
sh(args.govcase, "pki", "init", "--out", rx, "--port", "0")  # the receiver's own CA, server and client identity
# A certificate of the receiver's CA without the route's identity (localhost), and one of another CA.
sh("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
   "-keyout", rx / "wrong-key.pem", "-out", rx / "wrong.csr", "-subj", "/CN=not-the-route.example")
(rx / "wrong.ext").write_text("subjectAltName=DNS:not-the-route.example\nextendedKeyUsage=serverAuth\n")
sh("openssl", "x509", "-req", "-in", rx / "wrong.csr", "-CA", rx / "ca.pem", "-CAkey", rx / "ca-key.pem",
   "-CAcreateserial", "-days", "2", "-extfile", rx / "wrong.ext", "-out", rx / "wrong.pem")
receiver_port = free_port()
receiver = Receiver(receiver_port, rx, work / "receiver-store.json")
started = time.time() - 5
receiver.start()
CALL_TIMEOUT = 2
gateway.config.write_text(gateway.config.read_text() + f"""
forwarding:
  routes:
    - name: outside
      adapter: national-platform
      destination:
        address: 127.0.0.1:{receiver_port}
        ca: {rx / 'ca.pem'}
        server_name: localhost
        certificate: {rx / 'clients' / 'national-sc.pem'}
        key: {rx / 'clients' / 'national-sc-key.pem'}
      batch_size: 20
      concurrency: 4
      call_timeout_seconds: {CALL_TIMEOUT}
      retry: {{ initial_backoff_ms: 100, max_backoff_seconds: 2, multiplier: 2 }}
""")
gateway.start()
print(f"work folder {work}; gateway 127.0.0.1:{gateway.port}; receiver 127.0.0.1:{receiver_port}", flush=True)
STATUS = f"govcase outbox status --json --gateway 127.0.0.1:<port> --deployment {gateway.folder}"
wanted = set(filter(None, args.only.split(",")))


def probe(name):
    def wrap(f):
        if not wanted or name in wanted:
            print(f"--- {name}", flush=True)
            try:
                f()
            except Exception as error:  # a probe that breaks is a failure, not the end of the run
                report(name, False, "", f"probe raised {type(error).__name__}: {str(error)[:400]}")
        return f
    return wrap


@probe("baseline")
def _():
    keys = [f"B{i:03d}" for i in range(30)]
    bad = keys[::5]
    gateway.submit([evaluation(k, level=1 if k in bad else 5) for k in keys])
    gateway.submit([evaluation("B001", revision=2, level=3), evaluation("B002", revision=2, level=4)])
    gateway.submit([feedback(k) for k in bad])
    ok = wait_until(lambda: drained(gateway), 90)
    once, evidence = exactly_once("B", keys, {"B001": 2, "B002": 2})
    fb = [a for a in receiver.outcomes("") if a["type"] == FEEDBACK and a["parent"].startswith(eid("B"))]
    first_eval = {}
    for a in receiver.outcomes(eid("B")):
        if a["type"] == EVAL and a["outcome"] == "ACCEPTED":
            first_eval.setdefault(a["external_id"], a["t"])
    fed = {a["parent"] for a in fb if a["outcome"] == "ACCEPTED" and a["t"] >= first_eval.get(a["parent"], 1e18)}
    s = gateway.status()
    report("baseline: every record once, corrections and feedback after their case", ok and once
           and fed == {eid(k) for k in bad} and n(s, "dead") == 0,
           f"python3 Tests/Interop/outside_receiver_probe.py --only baseline; {STATUS}",
           f"drained={ok}; {evidence}; feedback after its evaluation for {len(fed)}/{len(bad)}; dead={n(s, 'dead')}")


@probe("dead-letters")
def _():
    keys = [f"D{i:03d}" for i in range(12)]
    receiver.refuse = {eid("D003"): ("level", "province_level_rule", "level 5 needs 满意度复核 at the province"),
                       eid("D007"): ("evaluator.phone", "province_phone", "the province wants a landline here")}
    cases = gateway.submit([evaluation(k) for k in keys])
    time.sleep(1.0)
    cases.update(gateway.submit([evaluation("D003", revision=2, level=4), evaluation("D005", revision=2, level=4)]))
    got_two = wait_until(lambda: n(gateway.status(), "dead") == 2
                         and 2 in evaluations_at_receiver("D005").get(eid("D005"), []), 60)
    time.sleep(3)  # give a held row every chance to go out wrongly
    dead = gateway.rows("dead")
    by_case = {f["caseId"]: f for f in dead}
    d3, d7 = by_case.get(cases[eid("D003")]), by_case.get(cases[eid("D007")])
    shown = {k: gateway.outbox("show", f["id"]) for k, f in (("D003", d3), ("D007", d7)) if f}
    reason_ok = all("outside-receiver refuses" in s.get("lastError", "") for s in shown.values()) and len(shown) == 2
    viol = {k: [(v.get("field"), v.get("rule")) for v in s.get("rejection", {}).get("violations", [])]
            for k, s in shown.items()}
    viol_ok = viol.get("D003") == [("level", "province_level_rule")] and \
        viol.get("D007") == [("evaluator.phone", "province_phone")]
    held = 2 not in evaluations_at_receiver("D003").get(eid("D003"), [])
    others, evidence = exactly_once("D", [k for k in keys if k not in ("D003", "D007")], {"D005": 2})
    report("dead letters: content refusals dead with the receiver's reason and violations", got_two and reason_ok
           and viol_ok, f"govcase outbox list --route outside --state dead --json …; govcase outbox show <id> --json …",
           f"dead rows {len(dead)}; lastError {[s.get('lastError', '')[:90] for s in shown.values()]}; violations {viol}")
    report("dead letters hold back only their own case", held and others,
           "govcase outbox status/list --json; receiver store",
           f"D003 revision 2 held while D003 dead: {held}; other cases: {evidence}")
    # A replay of a row that is not dead must be refused.
    delivered = gateway.rows("delivered")
    if delivered:
        out = gateway.outbox("replay", delivered[0]["id"], "--reason", "probe", check_rc=False)
        report("replay of a delivered row is refused (FAILED_PRECONDITION)", out.returncode != 0 and
               ("precondition" in (out.stdout + out.stderr).lower()),
               f"govcase outbox replay {delivered[0]['id']} --reason probe --json …",
               f"rc={out.returncode} {(out.stdout + out.stderr).strip()[:160]}")
    # Replay D003 once the province accepts it: it, then its revision 2, arrive.
    receiver.refuse.pop(eid("D003"))
    if d3:
        replayed = gateway.outbox("replay", d3["id"], "--reason", "province rule relaxed, ticket 42")
        arrived = wait_until(lambda: 2 in evaluations_at_receiver("D003").get(eid("D003"), []), 30)
        got = evaluations_at_receiver("D003").get(eid("D003"))
        report("replay of a dead letter delivers it, then its held revision", arrived and not receiver.order_violations,
               f"govcase outbox replay {d3['id']} --reason '…' --json …",
               f"replay answered state {replayed.get('state')}; receiver revisions of D003 {got}; "
               f"order violations {receiver.order_violations[:2]}")
    if d7:
        discarded = gateway.outbox("discard", d7["id"], "--reason", "the province's copy is the right one")
        time.sleep(2)
        never = eid("D007") not in evaluations_at_receiver("D007")
        s = gateway.status()
        report("discard of a dead letter", discarded.get("state") == "FORWARD_STATE_DISCARDED" and never
               and n(s, "dead") == 0, f"govcase outbox discard {d7['id']} --reason '…' --json …",
               f"state {discarded.get('state')}; D007 never at receiver {never}; dead now {n(s, 'dead')}")
    receiver.refuse = {}


@probe("outage")
def _():
    keys = [f"O{i:03d}" for i in range(30)]
    receiver.stop()
    t0 = time.time()
    calls_before = len(receiver.calls)
    gateway.submit([evaluation(k) for k in keys])
    seen = {"states": set(), "dead": 0, "errors": set()}

    def backing_off():
        s = gateway.status()
        seen["states"].add(s.get("state"))
        seen["dead"] = max(seen["dead"], n(s, "dead"))
        seen["errors"].add(s.get("lastError", "")[:100])
        return n(s, "pending") + n(s, "inFlight") >= 30 and s.get("state") in ("ROUTE_STATE_BACKING_OFF",
                                                                               "ROUTE_STATE_PROBING")
    waited = wait_until(backing_off, 30)
    while time.time() - t0 < 12:
        backing_off()
        time.sleep(0.5)
    pending = [f for f in gateway.rows("pending") if f["caseId"]]
    attempts = sorted(n(f, "attempts") for f in pending)
    attempts = [attempts[0], attempts[-1]] if attempts else []  # fewest, most
    calls_down = len(receiver.calls) - calls_before
    receiver.start()
    back = wait_until(lambda: drained(gateway), 60)
    once, evidence = exactly_once("O", keys)
    report("outage: never a dead letter, attempts counted, recovers, once each",
           waited and seen["dead"] == 0 and back and once and max(attempts or [0]) >= 1,
           f"{STATUS} (receiver stopped 12 s)",
           f"states while down {sorted(filter(None, seen['states']))}; dead {seen['dead']}; attempts of pending rows "
           f"(fewest, most) {attempts} of {len(pending)}; lastError {sorted(seen['errors'])[-1:]}; drained after restart {back}; {evidence}; "
           f"calls while down {calls_down} (0: not listening)")


@probe("pushback")
def _():
    keys = [f"P{i:03d}" for i in range(10)]
    receiver.pushback_calls, receiver.pushback_ms = 2, 3000
    start = len(receiver.calls)
    gateway.submit([evaluation(k) for k in keys])
    status = {}

    def watch():
        s = gateway.status()
        if s.get("state") == "ROUTE_STATE_BACKING_OFF" and not status:
            status.update(s, seen=time.time())
        return drained(gateway)
    ok = wait_until(watch, 60)
    calls = receiver.calls[start:]
    gaps = []
    for i, c in enumerate(calls):
        if c["what"].startswith("pushback") and i + 1 < len(calls):
            gaps.append(round(calls[i + 1]["t"] - c["t"], 3))
    next_at = status.get("nextAttemptTime", "")
    once, evidence = exactly_once("P", keys)
    report("pushback: RESOURCE_EXHAUSTED with grpc-retry-pushback-ms 3000 honoured", ok and once and len(gaps) >= 2
           and min(gaps) >= 3.0, f"{STATUS}; receiver call log",
           f"calls {[c['what'] for c in calls][:6]}; seconds from a pushback to the next call {gaps} (>= 3.0 wanted); "
           f"status seen {status.get('state')} next {next_at} reason {status.get('reason', '')[:80]!r}; {evidence}")
    receiver.pushback_calls = 0


@probe("slow")
def _():
    keys = [f"S{i:03d}" for i in range(10)]
    receiver.slow_calls, receiver.slow_seconds = 2, CALL_TIMEOUT + 2
    errors = set()

    def watch():
        s = gateway.status()
        errors.add(s.get("lastError", "")[:120])
        return drained(gateway) and receiver.slow_calls == 0
    gateway.submit([evaluation(k) for k in keys])
    ok = wait_until(watch, 60)
    once, evidence = exactly_once("S", keys)
    s = gateway.status()
    report(f"slow answers ({CALL_TIMEOUT + 2} s > call_timeout_seconds {CALL_TIMEOUT}): retried, DUPLICATE, no dead",
           ok and once and dups("S") >= 1 and n(s, "dead") == 0, f"{STATUS}; receiver store",
           f"drained {ok}; {evidence}; DUPLICATE answers {dups('S')}; dead {n(s, 'dead')}; "
           f"errors seen {sorted(filter(None, errors))[:2]}")
    receiver.slow_calls = 0


@probe("short-ack")
def _():
    keys = [f"A{i:03d}" for i in range(10)]
    receiver.stop()
    cases = gateway.submit([evaluation(k) for k in keys])
    wait_until(lambda: n(gateway.status(), "pending") >= 10, 20)
    start = len(receiver.calls)
    receiver.short_ack_calls = 1
    receiver.start()
    wait_until(lambda: drained(gateway), 30)
    time.sleep(2)
    calls = receiver.calls[start:]
    short = [c for c in calls if c["what"] == "short"]
    dropped = short[0].get("dropped") if short else None
    once, evidence = exactly_once("A", keys)
    # The row of a record never acknowledged: what does the gateway say about it?
    dropped_ids = [e for e in keys if eid(e) not in evaluations_at_receiver("A")]
    rows = {f["caseId"]: f for f in gateway.rows("delivered") + gateway.rows("dead") + gateway.rows("pending")}
    lost = [(k, rows.get(cases[eid(k)], {}).get("state"), rows.get(cases[eid(k)], {}).get("lastError", "")[:80])
            for k in dropped_ids]
    report("fewer acknowledgements than records: the unacknowledged record is not counted delivered",
           bool(short) and once, f"{STATUS}; govcase outbox list --state delivered --json …; receiver store",
           f"short call {bool(short)} ({short[0]['records'] if short else 0} records, the last neither stored nor "
           f"acknowledged); {evidence}; rows of records never stored {lost}; calls {[c['what'] for c in calls][:5]}")
    receiver.short_ack_calls = 0


@probe("kill-9")
def _():
    keys = [f"K{i:03d}" for i in range(300)]
    receiver.delay_seconds = 0.4
    for part in range(3):
        gateway.submit([evaluation(k) for k in keys[part * 100:(part + 1) * 100]])
    in_flight = wait_until(lambda: n(gateway.status(), "inFlight") > 0, 30)
    before = len(receiver.outcomes(eid("K")))
    gateway.stop(signal.SIGKILL)
    receiver.delay_seconds = 0
    gateway.start()
    log = gateway.log_path.read_text().split("stopped by signal 9")[-1]
    said = [line for line in log.splitlines() if "in flight" in line]
    ok = wait_until(lambda: drained(gateway), 120)
    once, evidence = exactly_once("K", keys)
    report("kill -9 mid-delivery: nothing lost, nothing doubled", in_flight and ok and once,
           f"kill -9 <gateway pid>; govcase serve --config {gateway.config}; {STATUS}",
           f"in flight at the kill {in_flight}; arrivals before the kill {before}; restart log {said[:1]}; "
           f"drained {ok}; {evidence}; DUPLICATE answers after restart {dups('K')}")


@probe("record-codes")
def _():
    # A record refused with an outage code in its acknowledgement (a receiver whose plugin crashed answers
    # UNAVAILABLE for that record; one over its limits RESOURCE_EXHAUSTED): the table says outage, retried.
    keys = [f"R{i:03d}" for i in range(6)]
    receiver.record_codes = {eid("R001"): [14, 2], eid("R002"): [8, 2], eid("R003"): [4, 1]}
    gateway.submit([evaluation(k) for k in keys])
    ok = wait_until(lambda: drained(gateway), 40)
    s = gateway.status()
    once, evidence = exactly_once("R", keys)
    report("a record refused UNAVAILABLE / RESOURCE_EXHAUSTED / DEADLINE_EXCEEDED in its ack: retried, never dead",
           ok and once and n(s, "dead") == 0, STATUS,
           f"drained {ok}; dead {n(s, 'dead')} ({[f.get('lastError', '')[:70] for f in gateway.rows('dead')][:3]}); "
           f"{evidence}")
    for f in gateway.rows("dead"):  # leave no dead letter for the probes after
        gateway.outbox("discard", f["id"], "--reason", "probe: record-codes")
    receiver.record_codes = {}


@probe("record-permission-denied")
def _():
    receiver.record_codes = {eid("Q000"): [7, 1]}
    cases = gateway.submit([evaluation("Q000"), evaluation("Q001")])
    ok = wait_until(lambda: n(gateway.status(), "dead") == 1 and eid("Q001") in evaluations_at_receiver("Q"), 30)
    dead = [f for f in gateway.rows("dead") if f["caseId"] == cases[eid("Q000")]]
    shown = gateway.outbox("show", dead[0]["id"]) if dead else {}
    report("a record refused PERMISSION_DENIED: a dead letter saying so", ok and bool(dead) and
           ("ermission" in shown.get("lastError", "") or "PERMISSION" in shown.get("lastError", "")),
           "govcase outbox show <id> --json …", f"dead {len(dead)}; lastError {shown.get('lastError', '')[:160]!r}")
    if dead:
        gateway.outbox("replay", dead[0]["id"], "--reason", "grant corrected at the receiver")
        back = wait_until(lambda: eid("Q000") in evaluations_at_receiver("Q"), 20)
        report("replay after the grant is corrected delivers it", back, f"govcase outbox replay {dead[0]['id']} …",
               f"Q000 at the receiver {back}")
    receiver.record_codes = {}


@probe("whole-call")
def _():
    for code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNIMPLEMENTED,
                 grpc.StatusCode.INVALID_ARGUMENT):
        prefix = "X" + code.name[:3]
        keys = [f"{prefix}{i:02d}" for i in range(3)]
        receiver.call_code = [code, 2]
        start = len(receiver.calls)
        states = set()

        def paused():
            s = gateway.status()
            states.add((s.get("state"), s.get("reason", "")[:90]))
            return s.get("state") == "ROUTE_STATE_PAUSED"
        gateway.submit([evaluation(k) for k in keys])
        was = wait_until(paused, 20)
        back = wait_until(lambda: drained(gateway), 30)
        s = gateway.status()
        once, evidence = exactly_once(prefix, keys)
        calls = receiver.calls[start:]
        gaps = [round(calls[i + 1]["t"] - calls[i]["t"], 2) for i in range(len(calls) - 1)]
        report(f"whole call {code.name}: route paused with the reason, not dead, retried at the longest backoff",
               was and back and once and n(s, "dead") == 0, STATUS,
               f"states {sorted(x for x in states if x[0])[:3]}; gaps between calls {gaps} (2 s wanted); dead "
               f"{n(s, 'dead')}; {evidence}")
        receiver.call_code = None


@probe("order-under-load")
def _():
    good = [f"L{i:03d}" for i in range(40)]
    bad = [f"L{i:03d}" for i in range(40, 50)]
    receiver.delay_seconds = 0.3
    gateway.submit([evaluation(k) for k in good] + [evaluation(k, level=1) for k in bad])
    gateway.submit([evaluation(k, revision=2, level=4) for k in good])
    gateway.submit([feedback(k) for k in bad])
    gateway.submit([evaluation(k, revision=3, level=3) for k in good])
    ok = wait_until(lambda: drained(gateway), 120)
    receiver.delay_seconds = 0
    once, evidence = exactly_once("L", good + bad, {k: 3 for k in good})
    fb_first = [a["parent"] for a in receiver.outcomes("") if a["type"] == FEEDBACK and a["outcome"] == "NOT_FOUND"]
    fed = {a["parent"] for a in receiver.outcomes("") if a["type"] == FEEDBACK and a["outcome"] == "ACCEPTED"}
    s = gateway.status()
    report("per-case order under load (3 revisions, feedback, concurrency 4, slow receiver)",
           ok and once and not fb_first and {eid(k) for k in bad} <= fed and n(s, "dead") == 0,
           "python3 Tests/Interop/outside_receiver_probe.py --only order-under-load",
           f"drained {ok}; {evidence}; feedback before its case {fb_first[:3]}; dead {n(s, 'dead')}; "
           f"order violations {receiver.order_violations[:3]}")


@probe("outage-pace")
def _():
    # The receiver listens but answers every call UNAVAILABLE for a while: the calls it sees are the route's pace.
    keys = [f"U{i:03d}" for i in range(30)]
    receiver.call_code = [grpc.StatusCode.UNAVAILABLE, 10]
    start = len(receiver.calls)
    gateway.submit([evaluation(k) for k in keys])
    ok = wait_until(lambda: drained(gateway), 60)
    calls = receiver.calls[start:]
    failing = [c for c in calls if c["what"].startswith("call")]
    first_ok = next((i for i, c in enumerate(calls) if c["what"] == "answered"), None)
    # After the first round of failures, one batch per wait: no two calls within 10 ms, no wait over the cap.
    rounds = [round(failing[i + 1]["t"] - failing[i]["t"], 3) for i in range(len(failing) - 1)]
    first_round = [r for r in rounds[:3]]
    later = rounds[3:]
    after = calls[first_ok:first_ok + 2] if first_ok is not None else []
    once, evidence = exactly_once("U", keys)
    s = gateway.status()
    report("outage pace: one batch per backoff (<= 2 s cap), then the backlog; never dead",
           ok and once and n(s, "dead") == 0 and all(0.01 <= g <= 2.1 for g in later),
           "receiver call log (whole call UNAVAILABLE x10)",
           f"records per failing call {[c['records'] for c in failing]}; seconds between failing calls {rounds}; "
           f"first success then {[(c['what'], c['records']) for c in after]}; dead {n(s, 'dead')}; {evidence}")
    receiver.call_code = None


@probe("sigterm")
def _():
    keys = [f"G{i:03d}" for i in range(60)]
    receiver.delay_seconds = 1.5
    gateway.submit([evaluation(k) for k in keys])
    in_flight = wait_until(lambda: n(gateway.status(), "inFlight") > 0, 20)
    t = time.time()
    gateway.stop(signal.SIGTERM)
    stopped_in = round(time.time() - t, 1)
    receiver.delay_seconds = 0
    gateway.start()
    ok = wait_until(lambda: drained(gateway), 60)
    once, evidence = exactly_once("G", keys)
    report("SIGTERM with rows in flight: stops, resends at start, once each", in_flight and ok and once,
           f"kill -TERM <gateway pid>; govcase serve --config {gateway.config}",
           f"in flight {in_flight}; stopped in {stopped_in} s; drained {ok}; {evidence}; DUPLICATE {dups('G')}")


@probe("backfill")
def _():
    since = datetime.datetime.fromtimestamp(int(started), datetime.timezone.utc).isoformat()
    before = {(a["key"], a["revision"]) for a in receiver.outcomes(eid("")) if a["outcome"] == "ACCEPTED"}
    start = len(receiver.arrivals)
    out = gateway.outbox("backfill", "--route", "outside", "--since", since)
    ok = wait_until(lambda: drained(gateway), 120)
    new = receiver.arrivals[start:]
    from collections import Counter
    outcomes = Counter(a["outcome"] for a in new)
    fresh = sorted({a["external_id"] for a in new if a["outcome"] == "ACCEPTED"
                    and (a["key"], a["revision"]) not in before})
    s = gateway.status()
    cases = len(submitted)
    report("backfill: a row for every case received since the time; the receiver's copies come back DUPLICATE",
           n(out, "rows") >= cases and ok and n(s, "dead") == 0 and not any(k in outcomes for k in ("ALREADY_EXISTS", "FAILED_PRECONDITION",
                                                                            "NOT_FOUND")),
           f"govcase outbox backfill --route outside --since {since} --json …",
           f"rows {out.get('rows', 0)} for {cases} cases received since {since} (records' own evaluated_at: an hour "
           f"before the run); outcomes {dict(outcomes)}; accepted anew {fresh[:6]} (discarded D007 expected); "
           f"dead {n(s, 'dead')} {[f.get('lastError', '')[:80] for f in gateway.rows('dead')][:2]}")


def identity_probe(name: str, certificate: pathlib.Path, key: pathlib.Path, expect_in_reason) -> None:
    keys = [f"{name}{i:03d}" for i in range(5)]
    receiver.stop()
    receiver.start(certificate, key)
    start = len(receiver.calls)
    gateway.submit([evaluation(k) for k in keys])
    states = set()

    def paused():
        s = gateway.status()
        states.add(s.get("state"))
        return s.get("state") == "ROUTE_STATE_PAUSED"
    was_paused = wait_until(paused, 30)
    time.sleep(4)
    s = gateway.status()
    sent = len(receiver.calls) - start
    arrived = evaluations_at_receiver(name)
    reason = s.get("reason", "") or s.get("lastError", "")
    clear = all(word in reason for word in expect_in_reason)
    receiver.stop()
    receiver.start()
    back = wait_until(lambda: drained(gateway), 30)
    once, evidence = exactly_once(name, keys)
    report(f"wrong identity ({certificate.name}): route paused with a clear reason, sends nothing, recovers",
           was_paused and s.get("state") == "ROUTE_STATE_PAUSED" and clear and sent == 0 and not arrived
           and n(s, "dead") == 0 and back and once, STATUS,
           f"states {sorted(filter(None, states))}; reason {reason[:200]!r} (wanted {expect_in_reason}); calls at "
           f"the receiver {sent}; dead {n(s, 'dead')}; after the right certificate: drained {back}, {evidence}")


@probe("wrong-identity")
def _():
    identity_probe("W", rx / "wrong.pem", rx / "wrong-key.pem", ["localhost"])


@probe("other-ca")
def _():
    # The gateway's own server certificate: it names localhost, but chains to a CA the route does not name.
    identity_probe("C", gateway.folder / "server.pem", gateway.folder / "server-key.pem", ["certificate"])


# --- at the end --------------------------------------------------------------------------------------------------
try:
    accepted = [a for a in receiver.outcomes(eid("")) if a["outcome"] == "ACCEPTED"]
    per = {}
    for a in accepted:
        per.setdefault((a["key"], a["revision"]), 0)
        per[(a["key"], a["revision"])] += 1
    report("overall: no record revision accepted twice, no order violation at the receiver",
           all(v == 1 for v in per.values()) and not receiver.order_violations,
           "receiver store " + str(work / "receiver-store.json"),
           f"{len(per)} (record, revision) accepted; order violations {receiver.order_violations[:3]}")
finally:
    receiver.persist()
    if gateway.process and gateway.process.poll() is None:
        gateway.stop()
    receiver.stop()

print("\nSUMMARY")
for probe_name, verdict, command, evidence in results:
    print(f"{verdict}  {probe_name}\n      {command}")
(work / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
print(f"details: {work / 'results.json'}")
sys.exit(1 if any(v == "FAIL" for _, v, _, _ in results) else 0)

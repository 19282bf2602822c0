"""Forwarding from outside: three `govcase serve` processes in a chain (county → city → province), each with its
own development PKI, driven by Python grpcio and `govcase outbox` only.

What it proves:
- while the province is down, the city keeps every record pending (attempts counted, nothing dead-lettered);
- once it is up, every valid record reaches it exactly once and in per-case order (a correction after its
  original, rectification feedback after its bad review: any other order is refused there and would show as a
  dead letter);
- the records the province refuses for their content sit in the city's dead letters with the province's reason
  (a region outside the city's grant there: PERMISSION_DENIED; another content under the same revision:
  ALREADY_EXISTS), and a discard takes one out with an audited reason;
- a kill -9 of the city mid-delivery loses nothing and makes no second case (resends come back DUPLICATE);
- a route whose destination does not carry the route's identity is paused, saying so, and sends nothing.

Run by ForwardingChainTests with --govcase (the built executable) and --work (an empty folder)."""

import argparse
import os
import shutil
import json
import pathlib
import signal
import socket
import subprocess
import sys
import time
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "Plugins" / "sdk" / "python"))

import grpc  # noqa: E402

from govcase.gateway.v1 import cases_pb2, cases_pb2_grpc, ingest_pb2, ingest_pb2_grpc  # noqa: E402
import national_records  # noqa: E402

from session import channel, check  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--govcase", required=True)
parser.add_argument("--work", required=True, type=pathlib.Path)
parser.add_argument("--records", type=int, default=30)
parser.add_argument("--kill-records", type=int, default=300)
args = parser.parse_args()
run = uuid.uuid4().hex[:6]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gateway:
    def __init__(self, name: str, port: int):
        self.name, self.port = name, port
        self.folder = args.work / name
        self.process = None
        out = subprocess.run([args.govcase, "pki", "init", "--out", str(self.folder), "--port", str(port)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"pki init {name}: {out.stdout}{out.stderr}")
        self.config = self.folder / "gateway.yaml"
        self.log = open(self.folder / "serve.log", "a")

    def edit(self, edit) -> None:
        self.config.write_text(edit(self.config.read_text()))

    def start(self) -> None:
        log = self.folder / "serve.log"
        before = log.stat().st_size
        self.process = subprocess.Popen([args.govcase, "serve", "--config", str(self.config)],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            if f"serving on 127.0.0.1:{self.port}".encode() in log.read_bytes()[before:]:
                return
            if self.process.poll() is not None:
                sys.exit(f"{self.name} exited:\n{(self.folder / 'serve.log').read_text()}")
            time.sleep(0.05)
        sys.exit(f"{self.name} did not start:\n{(self.folder / 'serve.log').read_text()}")

    def stop(self, sig=signal.SIGTERM) -> None:
        self.process.send_signal(sig)
        self.process.wait(60)
        with open(self.folder / "serve.log", "a") as log:
            log.write(f"\n--- {self.name} stopped by signal {sig} ---\n")

    def channel(self, client: str) -> grpc.Channel:
        return channel(f"127.0.0.1:{self.port}", self.folder, client)

    def outbox(self, *command: str):
        out = subprocess.run(
            [args.govcase, "outbox", *command, "--gateway", f"127.0.0.1:{self.port}", "--deployment",
             str(self.folder), "--json"], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"govcase outbox {' '.join(command)} on {self.name}: {out.stdout}{out.stderr}")
        return json.loads(out.stdout)

    def route(self, name: str) -> dict:
        return self.outbox("status", "--route", name)["routes"][0]


def route_to(upstream: Gateway, name: str, identity: str = "server_name: localhost", select: str = "",
             client: pathlib.Path = None) -> str:
    """A route of the development configuration to `upstream`, as upstream's national-sc (granted there), or with
    the certificate and key at `client`.pem and `client`-key.pem."""
    client = client or upstream.folder / "clients" / "national-sc"
    return f"""
  - name: {name}
    adapter: national-platform
    {select}
    destination:
      address: 127.0.0.1:{upstream.port}
      ca: {upstream.folder / 'ca.pem'}
      {identity}
      certificate: {client}.pem
      key: {client}-key.pem
    batch_size: 50
    retry: {{ initial_backoff_ms: 100, max_backoff_seconds: 2 }}
"""


def also_chongqing(text: str) -> str:
    """national-sc granted Chongqing (50) as well: the county and the city take records the province refuses."""
    return text.replace('- systems: [national-sc]\n      regions: ["51"]', '- systems: [national-sc]\n      regions: ["51", "50"]')




def evaluation(key: str, level: int = 5, region: str = "510104", revision: int = 1) -> ingest_pb2.NationalRecord:
    return national_records.evaluation(f"FW-{run}-{key}", f"BJ-{run}-{key}", level=level, region=region, revision=revision)


def feedback(key: str) -> ingest_pb2.NationalRecord:
    return national_records.feedback(f"ZG-{run}-{key}", f"FW-{run}-{key}")


def submit(gateway: Gateway, records) -> None:
    stub = ingest_pb2_grpc.NationalIngestServiceStub(gateway.channel("national-sc"))
    summary = stub.SubmitBatch(iter([ingest_pb2.NationalBatch(records=records)]))
    check(summary.rejected == 0, f"{len(records)} records accepted by the {gateway.name}")


def wait_until(what: str, condition, seconds: float = 180) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            check(True, what)
            return
        time.sleep(0.25)
    check(False, f"{what} (after {seconds} s)")


def drained(gateway: Gateway, route: str) -> bool:
    status = gateway.route(route)
    return int(status.get("pending", 0)) == 0 and int(status.get("inFlight", 0)) == 0


def province_cases(province: Gateway) -> list:
    cases = cases_pb2_grpc.CaseServiceStub(province.channel("national-sc"))
    found, token = [], ""
    while True:
        page = cases.QueryCases(cases_pb2.QueryCasesRequest(
            filter=cases_pb2.CaseFilter(region_prefixes=["51"]), page_size=1000, page_token=token))
        found += [c for c in page.cases if c.source.external_id.startswith(f"FW-{run}-")]
        token = page.next_page_token
        if not token:
            return found


args.work.mkdir(parents=True, exist_ok=True)
province = Gateway("province", free_port())
city = Gateway("city", free_port())
county = Gateway("county", free_port())
for g in (city, county):
    g.edit(also_chongqing)
city.edit(lambda t: t + "forwarding:\n  routes:" + route_to(province, "province"))
# The county's route to the city reads its client certificate from files of its own, replaced at the end.
route_client = county.folder / "route-to-city"


def use_client_certificate(identity: str) -> None:
    """Replaces the route's certificate and key with the city's development `identity`, each file at once."""
    for suffix in (".pem", "-key.pem"):
        staged = county.folder / f"staged{suffix}"
        shutil.copyfile(city.folder / "clients" / f"{identity}{suffix}", staged)
        os.replace(staged, f"{route_client}{suffix}")


use_client_certificate("national-sc")
county.edit(lambda t: t + "forwarding:\n  routes:" + route_to(city, "city", client=route_client) + route_to(
    city, "wrong-identity", identity="spiffe_id: spiffe://dev.govcase.local/gateway/not-the-city",
    select="select: { regions: [\"510104\"], kinds: [evaluation], changes: [new-case] }"))

try:
    # The province already holds CONFLICT (level 4) from the same identity the city forwards with.
    province.start()
    submit(province, [evaluation("CONFLICT", level=4)])
    province.stop()

    city.start()
    county.start()
    n = args.records
    bad = [f"{i:04d}" for i in range(0, n, 5)]  # every fifth is a bad review that gets rectification feedback
    submit(county, [evaluation(f"{i:04d}", level=1 if f"{i:04d}" in bad else 5) for i in range(n)]
           + [evaluation("CHONGQING", region="500151"), evaluation("CONFLICT", level=5)])
    submit(county, [evaluation("0001", revision=2, level=3), evaluation("0002", revision=2, level=4)])
    submit(county, [feedback(key) for key in bad])

    wait_until("the county delivers everything to the city", lambda: drained(county, "city"))
    county_route = county.route("city")
    check(int(county_route.get("dead", 0)) == 0, "the county has no dead letters: the city took every record")
    wait_until("the city counts failed attempts while the province is down",
               lambda: int(city.route("province").get("pending", 0)) > 0
               and city.route("province").get("state") in ("ROUTE_STATE_BACKING_OFF", "ROUTE_STATE_PROBING"))
    time.sleep(3)
    down = city.route("province")
    waiting = int(down.get("pending", 0)) + int(down.get("inFlight", 0))
    check(int(down.get("dead", 0)) == 0 and waiting >= n + 2,
          f"an outage is never a dead letter: {waiting} waiting, 0 dead ({down.get('lastError', '')[:80]})")
    def heads_count_attempts() -> bool:
        # The heads of the cases' lanes, seen while pending (a probe holds them in flight for a moment).
        pending = city.outbox("list", "--route", "province", "--state", "pending", "--limit", "1000")["forwards"]
        heads = [f for f in pending if f["change"] == "new-case"]
        return len(heads) == n + 2 and all(int(f.get("attempts", 0)) >= 1 for f in heads)
    wait_until("every case's first row counts its failed attempts", heads_count_attempts, seconds=60)

    # Paused for max_backoff (2 s here), then one probe batch, then paused again: poll for the paused state, since a
    # status read while the probe is out says PROBING (with the same reason).
    def wrong_identity_paused() -> bool:
        wrong = county.route("wrong-identity")
        return wrong.get("state") == "ROUTE_STATE_PAUSED" and \
            "spiffe://dev.govcase.local/gateway/not-the-city" in wrong.get("reason", "")
    wait_until("a destination without the route's identity pauses the route", wrong_identity_paused, seconds=60)
    wrong = county.route("wrong-identity")
    check(int(wrong.get("delivered", 0)) == 0 and int(wrong.get("dead", 0)) == 0,
          f"a paused route delivers nothing and gives nothing up: {wrong}")

    province.start()
    wait_until("the city drains to the province once it is back", lambda: drained(city, "province"))
    status = city.route("province")
    check(status.get("state") == "ROUTE_STATE_DELIVERING", "the route is delivering again")
    dead = city.outbox("list", "--route", "province", "--state", "dead")["forwards"]
    reasons = sorted(f["lastError"] for f in dead)
    check(len(dead) == 2, f"two dead letters: {reasons}")
    check(any("permissionDenied" in r or "PERMISSION_DENIED" in r for r in reasons), "the Chongqing record: its region")
    check(any("alreadyExists" in r or "ALREADY_EXISTS" in r for r in reasons), "CONFLICT: other content, same revision")

    cases = province_cases(province)
    ids = [c.source.external_id for c in cases]
    expected = {f"FW-{run}-{i:04d}" for i in range(n)} | {f"FW-{run}-CONFLICT"}
    check(len(ids) == len(set(ids)) and set(ids) == expected, f"the province has each case once ({len(ids)})")
    by_id = {c.source.external_id: c for c in cases}
    check(by_id[f"FW-{run}-0001"].source.revision == 2 and by_id[f"FW-{run}-0001"].evaluation.level == 3,
          "a correction arrived after its original (a revision 1 after 2 would be refused and dead)")
    fed_back = [k for k in bad if any(e.source_record_id == f"ZG-{run}-{k}" for e in by_id[f"FW-{run}-{k}"].events)]
    check(len(fed_back) == len(bad), f"every bad review's rectification feedback followed it ({len(fed_back)})")
    check(by_id[f"FW-{run}-CONFLICT"].evaluation.level == 4, "the province's own CONFLICT is untouched")

    conflict = next(f for f in dead if "lreadyExists" in f["lastError"] or "ALREADY_EXISTS" in f["lastError"])
    discarded = city.outbox("discard", str(conflict["id"]), "--reason", "the province's copy is the right one")
    check(discarded["state"] == "FORWARD_STATE_DISCARDED", "a dead letter is discarded with a reason")

    # kill -9 of the city while it delivers to the province.
    m = args.kill_records
    submit(county, [evaluation(f"K{i:04d}") for i in range(m)])
    wait_until("the city has rows in flight to the province",
               lambda: int(city.route("province").get("inFlight", 0)) > 0, seconds=120)
    city.stop(signal.SIGKILL)
    city.start()
    released = (city.folder / "serve.log").read_text().split("stopped by signal")[-1]
    check("rows left in flight by the last run are pending again" in released,
          "the kill left rows in flight, and the restarted city sends them again")
    # Upstream first: once the county has nothing left, everything is in the city's outbox, and a city with
    # nothing left after that has delivered it all. (The other order can see an empty city just before the
    # county's last batch lands there.)
    wait_until("the restarted city drains", lambda: drained(county, "city") and drained(city, "province"))
    cases = province_cases(province)
    ids = [c.source.external_id for c in cases]
    check(len(ids) == len(set(ids)), "no record became a second case after the kill")
    missing = sorted({f"FW-{run}-K{i:04d}" for i in range(m)} - set(ids))
    if missing:
        for g, route in ((county, "city"), (city, "province")):
            print(f"{g.name} → {route}: {g.route(route)}", flush=True)
            for state in ("dead", "pending", "in-flight"):
                rows = g.outbox("list", "--route", route, "--state", state, "--limit", "5").get("forwards", [])
                print(f"  {state}: {rows}", flush=True)
    check(not missing, f"all {m} records sent around the kill arrived (missing {len(missing)}: {missing[:3]})")

    # The route's client certificate replaced on the running county: by one the city grants nothing (every call
    # PERMISSION_DENIED: the route pauses, naming it), then by the right one again (the record waiting goes).
    use_client_certificate("hotline-shenzhen")
    submit(county, [evaluation("ROTATED")])
    def paused_by_the_new_certificate() -> bool:
        route = county.route("city")
        return route.get("state") in ("ROUTE_STATE_PAUSED", "ROUTE_STATE_PROBING") and \
            "hotline-shenzhen" in route.get("reason", "")
    wait_until("a new client certificate is used without a restart (the city refuses it: the route pauses)",
               paused_by_the_new_certificate, seconds=60)
    use_client_certificate("national-sc")
    wait_until("the right certificate back: the waiting record is delivered", lambda: drained(county, "city"), 60)
    rotated = [c for c in province_cases(city) if c.source.external_id == f"FW-{run}-ROTATED"]
    check(len(rotated) == 1, "the city has it, once")
    print("forwarding chain: all checks passed", flush=True)
finally:
    for g in (county, city, province):
        if g.process is not None and g.process.poll() is None:
            g.process.send_signal(signal.SIGTERM)
            try:
                g.process.wait(30)
            except subprocess.TimeoutExpired:
                g.process.kill()

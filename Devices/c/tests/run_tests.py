#!/usr/bin/env python3
"""The device library against a real gateway: builds nothing, runs the built `govcase-device` CLI and the C
programs of Devices/c against `govcase serve` started here over mutual TLS, and reads every case back.

    python3 tests/run_tests.py [--build build] [--wrap "valgrind --error-exitcode=99 --leak-check=full"]

--build picks the build folder (build-asan for the AddressSanitizer build); --wrap runs every device process
under a command (valgrind). A development PKI comes from `govcase pki init`; GOVCASE names the gateway binary
(default: .build/debug/govcase of the checkout). Exits non-zero on the first surprise.
"""

import argparse
import base64
import datetime
import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
DEVICE = HERE.parent
REPO = DEVICE.parent.parent


def check(condition, what):
    if not condition:
        sys.exit(f"FAILED: {what}")
    print(f"ok  {what}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_gateway_binary(command, **kwargs):
    """Runs the gateway binary; waits while it is being rewritten (ETXTBSY: a build writing it) up to 10 min."""
    deadline = time.monotonic() + 600
    while True:
        try:
            return subprocess.run(command, **kwargs)
        except OSError as error:
            if error.errno != 26 or time.monotonic() > deadline:
                raise
            time.sleep(2)


class Gateway:
    """`govcase serve` on a PKI folder from `govcase pki init`, on a port of its own."""

    def __init__(self, binary, pki, port, extra_yaml=""):
        self.binary, self.pki, self.port = binary, pki, port
        text = (pki / "gateway.yaml").read_text()
        text = re.sub(r"port: \d+", f"port: {port}", text, count=1)
        (pki / "gateway.yaml").write_text(text + extra_yaml)
        self.process = None

    def start(self):
        log = open(self.pki / "gateway.log", "ab")
        self.process = subprocess.Popen([self.binary, "serve", "--config", str(self.pki / "gateway.yaml")],
                                        stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"FAILED: the gateway exited: {(self.pki / 'gateway.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        sys.exit("FAILED: the gateway did not start listening in 120 s")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


class Device:
    def __init__(self, build, wrap, workdir):
        self.cli = build / "govcase-device"
        self.build = build
        self.wrap = shlex.split(wrap) if wrap else []
        self.workdir = workdir

    def config(self, name, port, pki, client="national-sc", **extra):
        """Writes a device configuration and returns its path."""
        values = {
            "gateway": f"127.0.0.1:{port}", "server_name": "localhost", "ca": str(pki / "ca.pem"),
            "certificate": str(pki / "clients" / f"{client}.pem"), "key": str(pki / "clients" / f"{client}-key.pem"),
            "queue_dir": str(self.workdir / f"queue-{name}"), "timeout_ms": "8000",
            "log": str(self.workdir / f"device-{name}.log"),
        }
        values.update({k: str(v) for k, v in extra.items()})
        path = self.workdir / f"{name}.conf"
        path.write_text("# written by run_tests.py\n" + "".join(f"{k} = {v}\n" for k, v in values.items()))
        return path

    def run(self, *args, program=None, timeout=300):
        command = self.wrap + [str(program or self.cli), *map(str, args)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if self.wrap and done.returncode == 99:
            sys.exit(f"FAILED: {' '.join(command)} has memory errors:\n{done.stderr[-4000:]}")
        if "ERROR: AddressSanitizer" in done.stderr or "runtime error:" in done.stderr or "LeakSanitizer" in done.stderr:
            sys.exit(f"FAILED: {' '.join(command)} has memory errors:\n{done.stderr[-4000:]}")
        return done

    def popen(self, *args):
        return subprocess.Popen(self.wrap + [str(self.cli), *map(str, args)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)


def stored_external_ids(pki, port):
    """Every case's external id in the gateway, read back as national-sc (a reader) over grpcio."""
    sys.path.insert(0, str(REPO / "Plugins" / "sdk" / "python"))
    import grpc
    from govcase.gateway.v1 import cases_pb2, cases_pb2_grpc

    def client(name):
        return grpc.ssl_channel_credentials(
            root_certificates=(pki / "ca.pem").read_bytes(),
            private_key=(pki / "clients" / f"{name}-key.pem").read_bytes(),
            certificate_chain=(pki / "clients" / f"{name}.pem").read_bytes())

    ids = []
    with grpc.secure_channel(f"127.0.0.1:{port}", client("national-sc"),
                             options=[("grpc.ssl_target_name_override", "localhost")]) as channel:
        cases = cases_pb2_grpc.CaseServiceStub(channel)
        token = ""
        while True:
            page = cases.QueryCases(cases_pb2.QueryCasesRequest(
                filter=cases_pb2.CaseFilter(region_prefixes=["51"]), page_size=500, page_token=token), timeout=60)
            ids += [c.source.external_id for c in page.cases]
            token = page.next_page_token
            if not token:
                return ids


def expired_certificate(pki, out_cert, out_key):
    """A national-sc certificate from the development CA that expired yesterday (Python cryptography)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_cert = x509.load_pem_x509_certificate((pki / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((pki / "ca-key.pem").read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "national-sc")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=30)).not_valid_after(now - datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(
                "spiffe://dev.govcase.local/region/510000/system/national-sc")]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    out_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out_key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))


def pending(device, config):
    out = device.run("status", "--config", config).stdout
    return int(re.match(r"pending (\d+)", out).group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--wrap", default="")
    parser.add_argument("--quick", action="store_true", help="skip the slow cases (the kill mid-drain, 300 records)")
    args = parser.parse_args()
    binary = os.environ.get("GOVCASE", str(REPO / ".build" / "debug" / "govcase"))
    build = (DEVICE / args.build).resolve()
    check((build / "govcase-device").exists() and pathlib.Path(binary).exists(),
          f"the device CLI ({build}) and the gateway ({binary}) are built")

    work = pathlib.Path(tempfile.mkdtemp(prefix="govcase-device-"))
    pki = work / "pki"
    run_gateway_binary([binary, "pki", "init", "--out", str(pki)], check=True, capture_output=True)
    # An idle connection gets GOAWAY after 2 s: the device must reconnect on its own.
    port = free_port()
    gateway = Gateway(binary, pki, port, "")
    text = (pki / "gateway.yaml").read_text().replace("limits:\n", "limits:\n  idle_timeout_seconds: 2\n", 1)
    (pki / "gateway.yaml").write_text(text)
    device = Device(build, args.wrap, work)
    run = f"{int(time.time())}"
    at = str(int(time.time()) - 3600)  # fixed, so a resend is byte-identical
    expected = {}  # external id → times it must be stored (once)
    try:
        gateway.start()
        conf = device.config("main", port, pki)

        # Submit, duplicate, refusal.
        first = device.run("submit", "--config", conf, "--id", f"E-{run}-1", "--evaluated-at", at)
        check(first.returncode == 0 and first.stdout.startswith(f"ACCEPTED E-{run}-1 case "), f"submit: ACCEPTED ({first.stdout.strip()}{first.stderr[-300:]})")
        case_id = first.stdout.split()[-1]
        again = device.run("submit", "--config", conf, "--id", f"E-{run}-1", "--evaluated-at", at)
        check(again.returncode == 0 and again.stdout.strip() == f"DUPLICATE E-{run}-1 case {case_id}",
              "the same record again: DUPLICATE of the same case")
        expected[f"E-{run}-1"] = 1
        bad = device.run("submit", "--config", conf, "--id", f"E-{run}-bad", "--level", "9", "--region", "5101",
                         "--evaluated-at", at)
        fields = sorted(re.findall(r"^  (\S+) \((\S+)\): ", bad.stdout, re.M))
        check(bad.returncode == 4 and bad.stdout.startswith(f"REJECTED E-{run}-bad INVALID_ARGUMENT")
              and fields == [("level", "level"), ("region_code", "region_code")],
              f"a bad record: REJECTED, INVALID_ARGUMENT with its violations read from grpc-status-details-bin {fields}")
        rejected = [json.loads(line) for line in (work / "queue-main" / "rejected.log").read_text().splitlines()]
        check(len(rejected) == 1 and rejected[0]["external_id"] == f"E-{run}-bad"
              and sorted(v["field"] for v in rejected[0]["violations"]) == ["level", "region_code"]
              and base64.b64decode(rejected[0]["record"]),
              "rejected.log holds the refused record with its violations")

        # Connection reuse, and a reconnect after the gateway's GOAWAY (idle_timeout_seconds: 2).
        reuse = device.run("submit", "--config", conf, "--id", f"R-{run}", "--repeat", "5", "--evaluated-at", at)
        connects = (work / "device-main.log").read_text().count("connected to the gateway")
        check(reuse.returncode == 0 and reuse.stdout.count("ACCEPTED") == 5, "five submits on one client: ACCEPTED")
        expected.update({f"R-{run}-{k}": 1 for k in range(5)})
        example = device.run(device.config("example", port, pki, client="culture-tourism-sc"), f"X-{run}", "3",
                             program=build / "example_submit")
        log = (work / "device-example.log").read_text()
        check(example.returncode == 0 and example.stdout.count("ACCEPTED") == 2 and "GOAWAY" in log
              and log.count("connected to the gateway") == 2,
              "a vendor's C program: two culture-tourism evaluations ACCEPTED, 3 s apart, reconnecting "
              f"after the gateway's GOAWAY ({example.stdout.strip()}; {example.stderr[-500:]})")
        check(connects == 4, f"one connection per client process, reused by its calls ({connects} connects for 4 processes)")
        expected.update({f"X-{run}-culture-{k}": 1 for k in range(2)})

        # The gateway stopped: records queued, in order; started: drained, each stored once.
        gateway.kill()
        down = device.run("submit", "--config", conf, "--id", f"Q-{run}", "--repeat", "4", "--evaluated-at", at)
        check(down.returncode == 3 and down.stdout.count("QUEUED") == 4 and "Connection refused" in down.stdout,
              "the gateway stopped: 4 records QUEUED, saying why")
        check(pending(device, conf) == 4, "status: 4 pending")
        gateway.start()
        behind = device.run("submit", "--config", conf, "--id", f"Q-{run}-4", "--evaluated-at", at)
        check(behind.returncode == 0 and behind.stdout.startswith(f"ACCEPTED Q-{run}-4"),
              "the gateway back: a new submit first sends the 4 queued records, then its own: ACCEPTED")
        check(pending(device, conf) == 0, "the queue is empty")
        expected.update({f"Q-{run}-{k}": 1 for k in range(5)})

        # A power cut mid-append: a torn last entry is dropped and never read as a record.
        gateway.kill()
        device.run("submit", "--config", conf, "--id", f"T-{run}", "--repeat", "2", "--evaluated-at", at)
        journal = work / "queue-main" / "queue.journal"
        data = journal.read_bytes()
        last = data.rfind(b"GCDE")
        with open(journal, "ab") as f:
            f.write(data[last:last + (len(data) - last) // 2])  # half of an entry, as a cut write leaves it
        check(pending(device, conf) == 2 and "dropped a torn last entry" in (work / "device-main.log").read_text(),
              "a torn last entry (half an entry appended): dropped and logged, the 2 whole records kept")
        check(journal.stat().st_size == len(data), "the journal is cut back to its last whole entry")

        # SIGKILL while appending (the gateway down): every record whose QUEUED line was printed is in the queue.
        appender = device.popen("submit", "--config", conf, "--id", f"K-{run}", "--repeat", "100000", "--evaluated-at", at)
        printed = 0
        while printed < 50:  # killed in the middle of its appends, whatever its speed
            line = appender.stdout.readline()
            if not line:
                break
            printed += line.startswith("QUEUED")
        appender.kill()
        out, _ = appender.communicate()
        printed += out.count("QUEUED")
        now_pending = pending(device, conf)
        check(printed > 0 and now_pending - 2 in (printed, printed + 1),
              f"SIGKILL mid-append: {printed} QUEUED lines printed, {now_pending - 2} in the queue (the last may be "
              "whole but unprinted, never torn)")
        killed_ids = [f"T-{run}-{k}" for k in range(2)] + [f"K-{run}-{k}" for k in range(now_pending - 2)]

        # The device killed mid-drain, then restarted: nothing lost, nothing twice.
        gateway.start()
        cursor = work / "queue-main" / "queue.cursor"
        start = struct.unpack("<Q", cursor.read_bytes()[8:16])[0]
        drainer = device.popen("drain", "--config", conf)
        deadline = time.monotonic() + 120
        # Killed once it has moved the cursor past a few records (each removed only after its acknowledgement).
        while time.monotonic() < deadline and struct.unpack("<Q", cursor.read_bytes()[8:16])[0] < start + 5 * 200:
            time.sleep(0.01)
        drainer.send_signal(signal.SIGKILL)
        drainer.communicate()
        left = pending(device, conf)
        check(0 < left < now_pending, f"SIGKILL mid-drain: {now_pending - left} sent, {left} still queued")
        rest = device.run("drain", "--config", conf)
        check(rest.returncode == 0 and re.match(r"sent (\d+) \((\d+) duplicates\), rejected 0, remaining 0", rest.stdout),
              f"restarted, the drain finishes: {rest.stdout.strip()}")
        expected.update({i: 1 for i in killed_ids})

        # Queue caps.
        gateway.kill()
        capped = device.config("capped", port, pki, queue_max_records=3, queue_full="refuse")
        out = device.run("submit", "--config", capped, "--id", f"C-{run}", "--repeat", "4", "--evaluated-at", at)
        check(out.returncode == 1 and out.stdout.count("QUEUED") == 3 and "queue is full" in out.stderr,
              "queue_full = refuse: the 4th record is refused, saying the queue is full")
        dropping = device.config("dropping", port, pki, queue_max_records=3, queue_full="drop-oldest")
        out = device.run("submit", "--config", dropping, "--id", f"D-{run}", "--repeat", "4", "--evaluated-at", at)
        check(out.returncode == 3 and out.stdout.count("QUEUED") == 4
              and f"dropped the oldest record, external id D-{run}-0" in (work / "device-dropping.log").read_text(),
              "queue_full = drop-oldest: the 4th is queued, the oldest dropped and logged by its external id")

        # The wrong gateway identity: refused before anything is sent.
        gateway.start()
        wrong = device.config("wrong", port, pki, server_name="gateway.zwfw.example", queue_dir=work / "queue-shared")
        out = device.run("submit", "--config", wrong, "--id", f"W-{run}", "--evaluated-at", at)
        check(out.returncode == 3 and "refused the gateway" in out.stdout and "hostname mismatch" in out.stdout,
              f"a gateway whose certificate does not name server_name: refused, record kept ({out.stdout.strip()})")
        spiffe = device.config("spiffe", port, pki, server_spiffe_id="spiffe://dev.govcase.local/gateway",
                               queue_dir=work / "queue-shared")
        out = device.run("drain", "--config", spiffe)
        check(out.returncode == 3 and "does not carry server_spiffe_id" in out.stderr,
              "a gateway without the configured SPIFFE id: refused, record kept")
        other_pki = work / "other-pki"
        run_gateway_binary([binary, "pki", "init", "--out", str(other_pki)], check=True, capture_output=True)
        other = device.config("other", port, other_pki, queue_dir=work / "queue-shared")
        other_text = other.read_text().replace(f"ca = {other_pki}/ca.pem", f"ca = {other_pki}/ca.pem")
        other.write_text(other_text.replace(f"certificate = {other_pki}", f"certificate = {pki}").replace(
            f"key = {other_pki}", f"key = {pki}"))
        out = device.run("drain", "--config", other)
        check(out.returncode == 3 and "refused the gateway" in out.stderr,
              f"a gateway signed by another CA: refused, record kept ({out.stderr.strip()[-200:]})")
        right = device.config("right", port, pki, queue_dir=work / "queue-shared")
        out = device.run("drain", "--config", right)
        check(out.stdout.startswith("sent 1 (0 duplicates)"),
              "the right gateway then receives it as new (ACCEPTED, not DUPLICATE): nothing reached the wrong one")
        expected[f"W-{run}"] = 1

        # An expired device certificate: said clearly, the record kept.
        expired_certificate(pki, work / "expired.pem", work / "expired-key.pem")
        stale = device.config("expired", port, pki, certificate=work / "expired.pem", key=work / "expired-key.pem")
        out = device.run("submit", "--config", stale, "--id", f"X-{run}-expired", "--evaluated-at", at)
        check(out.returncode == 3 and "device certificate" in out.stdout and "expired on" in out.stdout,
              f"an expired device certificate: QUEUED, saying so ({out.stdout.strip()})")

        # Read everything back: every evaluation stored exactly once.
        ids = stored_external_ids(pki, port)
        counts = {}
        for i in ids:
            counts[i] = counts.get(i, 0) + 1
        missing = [i for i in expected if counts.get(i, 0) == 0]
        twice = [i for i, n in counts.items() if n > 1]
        unexpected = [i for i in counts if i not in expected]
        check(not missing and not twice and not unexpected,
              f"read back: {len(expected)} evaluations each stored exactly once (missing {missing[:5]}, twice "
              f"{twice[:5]}, unexpected {unexpected[:5]})")
    finally:
        gateway.kill()
    shutil.rmtree(work, ignore_errors=True)
    print("all device tests passed")


if __name__ == "__main__":
    main()

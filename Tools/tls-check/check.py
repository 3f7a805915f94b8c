#!/usr/bin/env python3
"""TLS on every listener of a live `chargeline serve --tls-cert --tls-key`, against real clients,
with certificates made here by `openssl req -x509 -newkey ec`:

    python3 Tools/tls-check/check.py --chargeline .build/debug/chargeline

Cases:
  1. The `influx` CLI with `-ssl -unsafeSsl`: CREATE DATABASE, INSERT and SELECT over HTTPS.
  2. The Python `influxdb` client with ssl=True, verify_ssl=False: write_points and query.
  3. Line protocol over a TLS socket (Python's ssl) is stored.
  4. The PyPI `ocpp` package over `wss://` with an ssl context trusting the test certificate
     (security profile 2): BootNotification Accepted; profile 1 (HTTP Basic per charge point)
     still holds over WSS: no credentials 401, the right ones Accepted.
  5. Refused, never served: a plain HTTP request to the HTTPS port, plain line protocol to the
     TLS port, and `openssl s_client -tls1_1`; each counted in
     chargeline_tls_handshake_failures_total and logged.
  6. SIGHUP reload: after the files are replaced, `openssl s_client` sees the new certificate's
     SHA-256 fingerprint; a broken file then keeps it, and the log says why.
  7. OCPP in a gateway process (`--ykc-processes 1 --ocpp-processes 1`): the gateway answers over
     wss:// and forwards the telemetry to the storage node over HTTPS.
Prints PASS/FAIL per case and a closing `tls: N passed, M failed` line; exits 1 on a failure.
"""

import asyncio
import base64
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import websockets
from influxdb import InfluxDBClient
from ocpp.v16 import ChargePoint, call
from ocpp.v16.datatypes import MeterValue, SampledValue
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import checklib  # noqa: E402
from checklib import free_port, hashed  # noqa: E402

PASSWORD_B = "s3cret-B"


def make_certificate(tmp, name):
    cert, key = f"{tmp}/{name}.crt", f"{tmp}/{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def fingerprint_of_file(cert):
    out = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256"],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().split("=", 1)[1]


def served_fingerprint(port):
    """The SHA-256 fingerprint of the certificate the server presents now (openssl s_client)."""
    hello = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost"],
                           input="", capture_output=True, text=True, timeout=20)
    pem = hello.stdout[hello.stdout.find("-----BEGIN CERTIFICATE-----"):hello.stdout.find("-----END CERTIFICATE-----") + 25]
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256"], input=pem,
                         capture_output=True, text=True).stdout
    return out.strip().split("=", 1)[1] if "=" in out else None


def insecure_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def https(url, data=None, timeout=10):
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=insecure_context()) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def query(base, q, db="chargeline"):
    status, body = https(base + "/query?" + urllib.parse.urlencode({"db": db, "q": q, "epoch": "ns"}))
    if status != 200:
        return []
    rows = []
    for result in json.loads(body).get("results", []):
        for s in result.get("series", []) or []:
            for values in s["values"]:
                rows.append(dict(zip(s["columns"], values)))
    return rows


def handshake_failures(base):
    """chargeline_tls_handshake_failures_total by listener, from /metrics."""
    _, body = https(base + "/metrics")
    out = {}
    for line in body.decode().splitlines():
        if line.startswith("chargeline_tls_handshake_failures_total{"):
            listener = line.split('listener="', 1)[1].split('"', 1)[0]
            out[listener] = float(line.rsplit(" ", 1)[1])
    return out


class Server:
    def __init__(self, chargeline, tmp, cert, key, extra):
        self.chargeline, self.tmp, self.cert, self.key, self.extra = chargeline, tmp, cert, key, extra
        self.http_port, self.lp_port, self.ocpp_port = free_port(), free_port(), free_port()
        self.base = f"https://127.0.0.1:{self.http_port}"
        self.url = f"wss://127.0.0.1:{self.ocpp_port}/ocpp"
        self.log = f"{tmp}/serve.log"
        self.proc = None

    def start(self):
        log = open(self.log, "ab")
        self.proc = subprocess.Popen([self.chargeline, "serve", "--data", f"{self.tmp}/data", "--http", f"127.0.0.1:{self.http_port}",
                                      "--lp-tcp", f"127.0.0.1:{self.lp_port}", "--ocpp", f"127.0.0.1:{self.ocpp_port}",
                                      "--tls-cert", self.cert, "--tls-key", self.key] + self.extra,
                                     stdout=log, stderr=subprocess.STDOUT)
        def serving():
            if https(self.base + "/ready", timeout=1)[0] != 200:
                return False
            socket.create_connection(("127.0.0.1", self.ocpp_port), timeout=1).close()
            return True
        checklib.wait_started(self.proc, serving, "tls-check: chargeline serve", self.log)

    def stop(self):
        checklib.stop_process(self.proc)

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()


def influx_cli(server, *args):
    return subprocess.run(["influx", "-ssl", "-unsafeSsl", "-host", "127.0.0.1", "-port", str(server.http_port)] + list(args),
                          capture_output=True, text=True, timeout=30)


async def boot(url, cp_id, cafile, headers=None):
    ctx = ssl.create_default_context(cafile=cafile)
    async with websockets.connect(f"{url}/{cp_id}", subprotocols=["ocpp1.6"], ssl=ctx, additional_headers=headers or {}) as ws:
        cp = ChargePoint(cp_id, ws)
        reader = asyncio.create_task(cp.start())
        try:
            result = await cp.call(call.BootNotification(charge_point_model="Wallbox22", charge_point_vendor="Test"))
            return result.status, cp
        finally:
            reader.cancel()


async def main_async(args, tmp, report):
    cert, key = make_certificate(tmp, "server")
    with open(f"{tmp}/registry.csv", "w") as f:
        f.write("pile,station,operator,model,rated_kw,password\n"
                "CP-A,S-OSLO,GreenCharge,Wallbox22,22\n"
                f"CP-B,S-OSLO,GreenCharge,Wallbox22,22,{hashed(PASSWORD_B, 'b1c2')}\n")
    server = Server(args.chargeline, tmp, cert, key, ["--registry", f"{tmp}/registry.csv"])
    server.start()
    try:
        # 1. The influx CLI over HTTPS.
        out = [influx_cli(server, "-execute", "CREATE DATABASE tlsdb"),
               influx_cli(server, "-database", "tlsdb", "-execute", "INSERT cli,pile=p1 v=42 1700000000000000000"),
               influx_cli(server, "-database", "tlsdb", "-format", "csv", "-execute", "SELECT v FROM cli")]
        problem = next((f"{o.args[-1]}: exit {o.returncode} {o.stderr.strip()}" for o in out if o.returncode != 0), None)
        if not problem and "1700000000000000000,42" not in out[2].stdout:
            problem = f"SELECT answered {out[2].stdout!r}"
        report("influx CLI -ssl -unsafeSsl: CREATE DATABASE, INSERT, SELECT", problem)

        # 2. The Python influxdb client with ssl=True, verify_ssl=False.
        try:
            client = InfluxDBClient(host="127.0.0.1", port=server.http_port, ssl=True, verify_ssl=False, database="tlsdb")
            client.write_points([{"measurement": "py", "tags": {"pile": "p2"}, "time": 1700000000000000000, "fields": {"v": 7.5}}])
            points = list(client.query("SELECT v FROM py", epoch="ns").get_points())
            problem = None if points == [{"time": 1700000000000000000, "v": 7.5}] else f"query answered {points}"
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            problem = f"{type(e).__name__}: {e}"
        report("Python influxdb client ssl=True verify_ssl=False: write_points, query", problem)

        # 3. Line protocol over TLS.
        ctx = ssl.create_default_context(cafile=cert)
        with socket.create_connection(("127.0.0.1", server.lp_port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                s.sendall(b"lp,pile=p3 v=3 1700000000000000000\n")
        rows = []
        deadline = time.time() + 10
        while time.time() < deadline and not rows:
            time.sleep(0.3)
            rows = query(server.base, "SELECT v FROM lp")
        report("line protocol over TLS stored", None if rows and rows[0].get("v") == 3 else f"rows {rows}")

        # 4. OCPP over wss (profile 2), with profile 1 over it.
        problems = []
        status, _ = await boot(server.url, "CP-A", cert)
        if status != "Accepted":
            problems.append(f"CP-A boot {status}")
        try:
            await boot(server.url, "CP-B", cert)
            problems.append("CP-B without credentials accepted")
        except websockets.exceptions.InvalidStatus as e:
            if e.response.status_code != 401:
                problems.append(f"CP-B without credentials: {e.response.status_code}")
        auth = {"Authorization": "Basic " + base64.b64encode(f"CP-B:{PASSWORD_B}".encode()).decode()}
        status, _ = await boot(server.url, "CP-B", cert, auth)
        if status != "Accepted":
            problems.append(f"CP-B with credentials: {status}")
        report("ocpp over wss:// (profile 2); Basic auth per charge point (profile 1) over it", "; ".join(problems))

        # 5. Refused, never served.
        problems = []
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.http_port}/ping", timeout=10) as r:
                problems.append(f"plain HTTP answered {r.status}")
        except urllib.error.HTTPError as e:
            problems.append(f"plain HTTP answered {e.code}")
        except Exception:
            pass
        with socket.create_connection(("127.0.0.1", server.lp_port), timeout=10) as s:
            s.sendall(b"plain,pile=p4 v=4 1700000000000000000\n")
            s.settimeout(10)
            try:
                while s.recv(4096):
                    pass
            except OSError:
                pass
        # -cipher @SECLEVEL=0 lets this OpenSSL offer TLS 1.1 at all: the refusal must be the server's.
        old = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{server.http_port}", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
                             input="", capture_output=True, text=True, timeout=20)
        if "BEGIN CERTIFICATE" in old.stdout:
            problems.append("a TLS 1.1 handshake completed")
        elif "alert protocol version" not in old.stderr:
            problems.append(f"TLS 1.1 failed without the server's protocol_version alert: {old.stderr.strip()[-300:]}")
        new = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{server.http_port}", "-tls1_2"],
                             input="", capture_output=True, text=True, timeout=20)
        if "BEGIN CERTIFICATE" not in new.stdout:
            problems.append("a TLS 1.2 handshake failed")
        time.sleep(0.5)
        if query(server.base, "SELECT v FROM plain"):
            problems.append("plain line protocol was stored")
        failures = handshake_failures(server.base)
        if failures.get("http", 0) < 2 or failures.get("line_protocol", 0) < 1:
            problems.append(f"chargeline_tls_handshake_failures_total {failures}")
        if "TLS handshake failed on the http listener" not in server.log_text():
            problems.append("no log line for the refused handshake")
        report("plain HTTP, plain line protocol and openssl s_client -tls1_1 refused, counted and logged", "; ".join(problems))

        # 6. SIGHUP reload.
        problems = []
        before = served_fingerprint(server.http_port)
        if before != fingerprint_of_file(cert):
            problems.append(f"served {before}, file {fingerprint_of_file(cert)}")
        cert2, key2 = make_certificate(tmp, "renewed")
        shutil.copy(cert2, cert)
        shutil.copy(key2, key)
        server.proc.send_signal(signal.SIGHUP)
        expected = fingerprint_of_file(cert2)
        deadline = time.time() + 10
        after = None
        while time.time() < deadline:
            after = served_fingerprint(server.http_port)
            if after == expected:
                break
            time.sleep(0.3)
        if after != expected:
            problems.append(f"after SIGHUP served {after}, expected {expected}")
        if after == expected and served_fingerprint(server.ocpp_port) != expected:
            problems.append("OCPP listener kept the old certificate")
        with open(cert, "w") as f:
            f.write("not a certificate\n")
        server.proc.send_signal(signal.SIGHUP)
        time.sleep(1)
        if served_fingerprint(server.http_port) != expected:
            problems.append("a broken file replaced the certificate")
        if "TLS certificate not reloaded" not in server.log_text():
            problems.append("no log line for the broken file")
        if "reloaded the TLS certificate" not in server.log_text():
            problems.append("no log line for the reload")
        report("SIGHUP reload serves the new certificate (openssl s_client fingerprint); a broken file keeps it", "; ".join(problems))
        shutil.copy(cert2, cert)
    finally:
        server.stop()

    # 7. OCPP in a gateway process, forwarding over HTTPS.
    server = Server(args.chargeline, tmp, cert, key, ["--registry", f"{tmp}/registry.csv", "--ykc", f"127.0.0.1:{free_port()}",
                                                      "--ykc-processes", "1", "--ocpp-processes", "1"])
    server.start()
    try:
        status, problem = None, None
        for _ in range(50):  # the gateway process binds a moment after serve answers
            try:
                ctx = ssl.create_default_context(cafile=cert)
                async with websockets.connect(f"{server.url}/CP-A", subprotocols=["ocpp1.6"], ssl=ctx) as ws:
                    cp = ChargePoint("CP-A", ws)
                    reader = asyncio.create_task(cp.start())
                    status = (await cp.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))).status
                    await cp.call(call.MeterValues(connector_id=2, meter_value=[MeterValue(
                        timestamp="2023-11-14T22:13:20Z", sampled_value=[SampledValue(value="7.5", measurand="Power.Active.Import", unit="kW")])]))
                    reader.cancel()
                break
            except OSError:
                await asyncio.sleep(0.2)
        rows = []
        deadline = time.time() + 20
        while time.time() < deadline and not rows:
            time.sleep(0.5)
            rows = query(server.base, "SELECT power FROM telemetry WHERE pile = 'CP-A' AND gun = '2'")
        if status != "Accepted" or not rows or abs(rows[0].get("power", 0) - 7.5) > 1e-9:
            problem = f"boot {status}, telemetry rows {rows}"
        report("OCPP over wss:// in a gateway process, forwarded to the storage node over HTTPS", problem)
    finally:
        server.stop()


def main():
    with checklib.CheckRun("tls") as run:
        asyncio.run(main_async(run.args, run.tmp, run.report))


if __name__ == "__main__":
    main()

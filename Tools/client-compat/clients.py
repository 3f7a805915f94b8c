#!/usr/bin/env python3
"""Real InfluxDB clients against a running `chargeline serve`: each case is what a user's
client library or CLI does, unchanged.

    python3 Tools/client-compat/clients.py --chargeline .build/debug/chargeline

Starts `chargeline serve` on a temporary data directory and free loopback ports, then drives it
with:
  - the PyPI `influxdb` client (InfluxDB 1.x), with gzip=True and without;
  - the PyPI `influxdb-client` (InfluxDB 2.x) write API, which posts to /api/v2/write;
  - the `influx` CLI of Debian's `influxdb-client` package (-execute, -format csv|json, -import);
  - plain HTTP for what other clients send (node-influx's epoch=n);
  - the influx CLI (-username -password) and influxdb-python (username, password) against a
    second server started with --auth-enabled.
Prints PASS/FAIL per case and a closing `N passed, M failed` line; exits 1 on any failure.
The server is stopped and the directory removed on exit.
"""

import argparse
import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from influxdb import InfluxDBClient
from influxdb_client import InfluxDBClient as V2Client
from influxdb_client.client.write_api import SYNCHRONOUS

# 2026-11-20T00:00:00Z: the data generator's reference day.
T0_S = 1_795_132_800


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, chargeline, extra=()):
        self.dir = tempfile.mkdtemp(prefix="chargeline-clients-")
        self.http = free_port()
        self.log = open(os.path.join(self.dir, "serve.log"), "wb")
        self.proc = subprocess.Popen(
            [chargeline, "serve", "--data", os.path.join(self.dir, "data"),
             "--http", f"127.0.0.1:{self.http}", "--lp-tcp", "off", *extra],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.http}/ping", timeout=1)
                return
            except Exception:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise SystemExit("clients.py: chargeline serve did not start; its log:\n" + self.read_log())

    def read_log(self):
        with open(os.path.join(self.dir, "serve.log"), errors="replace") as f:
            return f.read()

    def query(self, q, db=None, **params):
        args = {"q": q, **params}
        if db:
            args["db"] = db
        url = f"http://127.0.0.1:{self.http}/query?" + urllib.parse.urlencode(args)
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.loads(r.read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def values(result):
    series = result["results"][0].get("series", [])
    return [row for s in series for row in s["values"]]


CASES = []


def case(name, auth=False):
    """Registers a case; `auth` cases run against the --auth-enabled server."""
    def register(fn):
        CASES.append((name, fn, auth))
        return fn
    return register


@case("influxdb-python gzip=True: ping, create_database, write_points, query back")
def python_gzip(server):
    client = InfluxDBClient(host="127.0.0.1", port=server.http, database="py", gzip=True)
    version = client.ping()
    assert version, f"ping() returned {version!r}"
    client.create_database("py")
    assert {"name": "py"} in client.get_list_database(), client.get_list_database()
    points = [{"measurement": "telemetry",
               "tags": {"station": "S1", "pile": f"P{i % 4}", "gun": "1"},
               "time": (T0_S + i * 10) * 1000,
               "fields": {"voltage": 400.0 + i, "soc": i}} for i in range(200)]
    assert client.write_points(points, time_precision="ms", batch_size=64)
    rs = client.query('SELECT count("voltage") FROM "telemetry"', epoch="s")
    counts = list(rs.get_points())
    assert counts == [{"time": 0, "count": 200}], counts
    rs = client.query("SELECT last(soc) FROM telemetry GROUP BY pile", epoch="ns")
    lasts = {k[1]["pile"]: list(v)[0]["last"] for k, v in rs.items()}
    assert lasts == {"P0": 196, "P1": 197, "P2": 198, "P3": 199}, lasts


@case("influxdb-python: partial write answers 400 naming the bad line, good lines stored")
def python_partial(server):
    client = InfluxDBClient(host="127.0.0.1", port=server.http, database="py2")
    client.create_database("py2")
    body = [f"m,pile=A v={i} {T0_S + i}" for i in range(5)]
    body[2] = "m,pile=A v= 1"
    try:
        client.write(body, params={"db": "py2", "precision": "s"}, protocol="line")
        raise AssertionError("a malformed line was accepted")
    except Exception as e:  # InfluxDBClientError
        assert getattr(e, "code", None) == 400 and "line 3" in str(e), repr(e)
    assert len(values(server.query("SELECT v FROM m", db="py2"))) == 4


@case("epoch=n (node-influx), d and w answer nanoseconds as InfluxDB 1.x does")
def epoch_n(server):
    client = InfluxDBClient(host="127.0.0.1", port=server.http, database="ep")
    client.create_database("ep")
    client.write([f"m v=1 {T0_S}"], params={"db": "ep", "precision": "s"}, protocol="line")
    for unit in ("n", "d", "w", "ns"):
        got = values(server.query("SELECT v FROM m", db="ep", epoch=unit))
        assert got == [[T0_S * 1_000_000_000, 1]], (unit, got)
    assert values(server.query("SELECT v FROM m", db="ep", epoch="h")) == [[T0_S // 3600, 1]]


@case("influxdb-client (2.x API): write_api to bucket db/rp with a token, read back over /query")
def v2_write(server):
    with V2Client(url=f"http://127.0.0.1:{server.http}", token="user:password", org="-") as client:
        write = client.write_api(write_options=SYNCHRONOUS)
        write.write(bucket="v2db/autogen", record=[
            f"telemetry,pile=P1,gun=1 energy={1000 + i}.5 {T0_S + i * 60}" for i in range(10)],
            write_precision="s")
    got = values(server.query("SELECT energy FROM telemetry", db="v2db", epoch="s"))
    assert got == [[T0_S + i * 60, 1000 + i + 0.5] for i in range(10)], got


def influx(server, *args, stdin=None):
    return subprocess.run(["influx", "-host", "127.0.0.1", "-port", str(server.http), *args],
                          capture_output=True, text=True, timeout=60, input=stdin)


@case("influx CLI: -import of a DDL + DML file, then -execute with -format csv and json")
def influx_cli(server):
    if shutil.which("influx") is None:
        raise AssertionError("the influx CLI is not installed (apt-get install influxdb-client)")
    path = os.path.join(server.dir, "import.txt")
    with open(path, "w") as f:
        f.write("# DDL\nCREATE DATABASE cli\n\n# DML\n# CONTEXT-DATABASE: cli\n")
        for i in range(50):
            f.write(f"telemetry,station=S1,pile=P{i % 5},gun=1 temperature={40 + i % 7}.5 {T0_S + i}\n")
    r = influx(server, "-import", "-path", path, "-precision", "s")
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout + r.stderr
    assert "Processed 50 inserts" in out and "Failed 0 inserts" in out, out
    r = influx(server, "-database", "cli", "-format", "csv", "-execute",
               "SELECT max(temperature) FROM telemetry GROUP BY pile")
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    # The CLI prints a header before each series, as it does against InfluxDB.
    assert rows[0] == ["name", "tags", "time", "max"], rows
    data = [r for r in rows if r and r[0] != "name"]
    assert sorted(r[1] for r in data) == [f"pile=P{i}" for i in range(5)], rows
    assert all(r[3] == "46.5" for r in data), rows
    r = influx(server, "-database", "cli", "-format", "json", "-precision", "s", "-execute",
               "SELECT count(temperature) FROM telemetry")
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    assert body["results"][0]["series"][0]["values"] == [[0, 50]], body
    r = influx(server, "-format", "csv", "-execute", "SHOW DATABASES")
    assert "databases,cli" in r.stdout.splitlines(), r.stdout


@case("influxdb-python: bind_params ($var), the database in FROM, rp=autogen")
def python_params(server):
    client = InfluxDBClient(host="127.0.0.1", port=server.http, database="bp")
    client.create_database("bp")
    client.write([f"telemetry,pile=P{i % 2} voltage={400 + i} {T0_S + i}" for i in range(6)],
                 params={"db": "bp", "precision": "s"}, protocol="line")
    rs = client.query("SELECT count(voltage) FROM telemetry WHERE pile = $pile AND voltage > $min",
                      bind_params={"pile": "P1", "min": 401}, epoch="s")
    assert list(rs.get_points()) == [{"time": 0, "count": 2}], list(rs.get_points())
    rs = client.query('SELECT max(voltage) FROM "bp"."autogen"."telemetry"', database="", epoch="s")
    assert list(rs.get_points()) == [{"time": T0_S + 5, "max": 405}], list(rs.get_points())
    rs = client.query('SELECT max(voltage) FROM "bp".."telemetry"', params={"rp": "autogen"}, epoch="s")
    assert list(rs.get_points()) == [{"time": T0_S + 5, "max": 405}], list(rs.get_points())


@case("Grafana: unknown measurement, field or tag is an empty result with a warning, not an error")
def grafana_unknown(server):
    client = InfluxDBClient(host="127.0.0.1", port=server.http, database="gf")
    client.create_database("gf")
    client.write([f"telemetry,pile=P1 voltage=400 {T0_S}", f"events,kind=fault code=\"E1\" {T0_S}"],
                 params={"db": "gf", "precision": "s"}, protocol="line")
    for q in ['SELECT mean("value") FROM "measurement" WHERE time >= now() - 6h GROUP BY time(1m) fill(null)',
              'SELECT mean("value") FROM "telemetry"',
              "SELECT mean(voltage) FROM telemetry WHERE \"nosuchtag\" = 'x'"]:
        body = server.query(q, db="gf")
        result = body["results"][0]
        assert "error" not in result and "series" not in result, (q, body)
        assert result["messages"][0]["level"] == "warning", (q, body)
    body = server.query("SHOW MEASUREMENTS WHERE \"pile\" = 'P1' LIMIT 100", db="gf")
    assert values(body) == [["telemetry"]], body
    body = server.query("SHOW TAG VALUES WITH KEY = \"pile\" WHERE \"pile\" =~ /P/", db="gf")
    assert values(body) == [["pile", "P1"]], body


@case("Grafana's energy panel: non_negative_derivative(mean(energy), 1s) * 3600, holt_winters")
def grafana_math(server):
    client = InfluxDBClient(host="127.0.0.1", port=server.http, database="en")
    client.create_database("en")
    client.write([f"meter,pile=P1 energy={i * 10} {T0_S + i * 600}" for i in range(12)],
                 params={"db": "en", "precision": "s"}, protocol="line")
    where = f"time >= {T0_S}s AND time < {T0_S + 7200}s"
    rs = client.query(f'SELECT non_negative_derivative(mean("energy"), 1s) * 3600 FROM meter WHERE {where} GROUP BY time(10m)', epoch="s")
    got = [p["non_negative_derivative"] for p in rs.get_points()]
    assert got == [60.0] * 11, got
    rs = client.query(f"SELECT holt_winters(mean(energy), 3, 0) FROM meter WHERE {where} GROUP BY time(10m)", epoch="s")
    points = list(rs.get_points())
    assert [p["time"] for p in points] == [T0_S + 7200 + i * 600 for i in range(3)], points


@case("influx CLI: -import of an influx_inspect export file (CREATE DATABASE ... WITH NAME, retention DDL)")
def influx_import_export(server):
    if shutil.which("influx") is None:
        raise AssertionError("the influx CLI is not installed (apt-get install influxdb-client)")
    path = os.path.join(server.dir, "export.txt")
    with open(path, "w") as f:
        f.write("# DDL\nCREATE DATABASE exported WITH NAME autogen\n"
                "CREATE RETENTION POLICY autogen ON exported DURATION 0s REPLICATION 1 DEFAULT\n"
                "ALTER RETENTION POLICY autogen ON exported DURATION 90d\n\n"
                "# DML\n# CONTEXT-DATABASE:exported\n# CONTEXT-RETENTION-POLICY:autogen\n# writing tsm data\n")
        for i in range(20):
            f.write(f"telemetry,pile=P{i % 2} voltage={400 + i} {(T0_S + i) * 1_000_000_000}\n")
    r = influx(server, "-import", "-path", path)
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "Processed 20 inserts" in out and "Failed 0 inserts" in out, out
    assert "error" not in out.lower(), out
    assert values(server.query("SELECT count(voltage) FROM telemetry", db="exported")) == [["1970-01-01T00:00:00Z", 20]]
    rps = values(server.query("SHOW RETENTION POLICIES ON exported"))
    assert rps[0][:2] == ["autogen", "2160h0m0s"] and rps[0][4] is True, rps


@case("influx CLI -username -password with --auth-enabled: first admin without credentials, grants, 401 and 403", auth=True)
def influx_auth(server):
    if shutil.which("influx") is None:
        raise AssertionError("the influx CLI is not installed (apt-get install influxdb-client)")
    r = influx(server, "-execute", "SHOW DATABASES")
    assert "create admin user first" in r.stdout + r.stderr, r.stdout + r.stderr
    r = influx(server, "-execute", "CREATE USER admin WITH PASSWORD 'adm-pw' WITH ALL PRIVILEGES")
    assert r.returncode == 0, r.stdout + r.stderr
    r = influx(server, "-username", "admin", "-password", "adm-pw", "-execute",
               "CREATE DATABASE sec; CREATE USER reader WITH PASSWORD 'rd-pw'; GRANT READ ON sec TO reader")
    assert r.returncode == 0 and "error" not in (r.stdout + r.stderr).lower(), r.stdout + r.stderr
    r = influx(server, "-username", "admin", "-password", "adm-pw", "-database", "sec", "-execute", "INSERT m,pile=P1 v=1")
    assert r.returncode == 0, r.stdout + r.stderr
    r = influx(server, "-username", "reader", "-password", "rd-pw", "-database", "sec", "-format", "csv",
               "-execute", "SELECT v FROM m")
    assert r.returncode == 0 and "m," in r.stdout and ",1" in r.stdout, r.stdout + r.stderr
    r = influx(server, "-username", "reader", "-password", "rd-pw", "-database", "sec", "-execute", "INSERT m v=2")
    assert "not authorized to write" in r.stdout + r.stderr, r.stdout + r.stderr
    r = influx(server, "-username", "reader", "-password", "rd-pw", "-execute", "SHOW USERS")
    assert "requires admin privilege" in r.stdout + r.stderr, r.stdout + r.stderr
    r = influx(server, "-username", "admin", "-password", "wrong", "-execute", "SHOW USERS")
    assert "authorization failed" in r.stdout + r.stderr, r.stdout + r.stderr


@case("influxdb-python username/password with --auth-enabled: an ALL user writes and reads, a READ user is refused writes", auth=True)
def python_auth(server):
    from influxdb.exceptions import InfluxDBClientError
    admin = InfluxDBClient(host="127.0.0.1", port=server.http, username="admin", password="adm-pw")
    admin.create_database("pysec")
    admin.create_user("pyall", "all-pw")
    admin.grant_privilege("all", "pysec", "pyall")
    admin.create_user("pyread", "read-pw")
    admin.grant_privilege("read", "pysec", "pyread")
    assert {"user": "pyall", "admin": False} in admin.get_list_users(), admin.get_list_users()
    client = InfluxDBClient(host="127.0.0.1", port=server.http, username="pyall", password="all-pw", database="pysec")
    assert client.write_points([{"measurement": "m", "tags": {"pile": "P1"}, "time": T0_S * 1000, "fields": {"v": 1.0}}],
                               time_precision="ms")
    assert list(client.query("SELECT count(v) FROM m").get_points()) == [{"time": "1970-01-01T00:00:00Z", "count": 1}]
    reader = InfluxDBClient(host="127.0.0.1", port=server.http, username="pyread", password="read-pw", database="pysec")
    try:
        reader.write_points([{"measurement": "m", "time": T0_S * 1000, "fields": {"v": 2.0}}], time_precision="ms")
        raise AssertionError("a READ user's write was accepted")
    except InfluxDBClientError as e:
        assert e.code == 403 and "not authorized to write" in str(e), e
    wrong = InfluxDBClient(host="127.0.0.1", port=server.http, username="pyall", password="nope", database="pysec")
    try:
        wrong.query("SELECT count(v) FROM m")
        raise AssertionError("a wrong password was accepted")
    except InfluxDBClientError as e:
        assert e.code == 401, e


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chargeline", required=True, help="path of the chargeline binary")
    ap.add_argument("--keep", action="store_true", help="keep the data directory and log")
    ap.add_argument("--filter", default="", help="run only cases whose name contains this")
    args = ap.parse_args()
    server = Server(args.chargeline)
    secured = None
    passed = failed = 0
    try:
        for name, fn, auth in CASES:
            if args.filter not in name:
                continue
            try:
                if auth and secured is None:
                    secured = Server(args.chargeline, extra=["--auth-enabled"])
                fn(secured if auth else server)
                passed += 1
                print(f"PASS {name}")
            except Exception as e:  # a failed assertion or a client error: report and go on
                failed += 1
                print(f"FAIL {name}: {type(e).__name__}: {e}")
    finally:
        for s in [server] + ([secured] if secured else []):
            s.stop()
            if failed:
                print(f"--- serve log of {s.dir} (last 40 lines) ---")
                print("\n".join(s.read_log().splitlines()[-40:]))
            if args.keep:
                print(f"kept {s.dir}")
            else:
                s.remove()
    print(f"clients: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""InfluxQL compatibility check: the same data and queries against InfluxDB 1.x and Chargeline.

    Tools/influx-compat/run.sh [--filter TEXT] [--keep] [--verbose]

(run.sh installs influxdb and builds chargeline, then runs this script; it can also be run by
hand with --chargeline BIN [--datagen BIN] [--influxd BIN].)

Starts `influxd` (temporary config and data under a temp dir, loopback only, reporting off)
and `chargeline serve` (temporary data dir, loopback), writes the same line protocol to both
through HTTP /write, runs every query of queries.txt against both `/query?db=..&epoch=ns`,
and compares the JSON responses statement by statement: error or not, then each series'
name, tags, columns and values, in order. Numbers compare with a relative tolerance of 1e-9
(Chargeline answers sums from per-block partial sums, so the last bits of a float may
differ); everything else exactly. Prints PASS/FAIL per query and `N passed, M failed`; exits 1
on any failure. Both servers are stopped and the temp dir removed on every exit path.

queries.txt: one query per line; blank lines and lines starting with `#` are ignored; a line
`@db NAME` switches the database used by the following queries.

Databases written:
  compat  Queries/fixture.lp (8 guns, 2 h at 30 s, planted faults) plus EXTRA_LP below
          (a second measurement with string, boolean and sparse fields).
  gen     `chargeline-datagen --guns 20 --duration 2h` (10 s samples with millisecond
          jitter), when a datagen binary is given.

Only the Python 3 standard library is used.
"""

import argparse
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

REL_TOL = 1e-9   # float sums from block statistics may differ from a sequential sum in the last bits
ABS_TOL = 1e-12  # for results that should be 0 but come out as tiny residues of float subtraction

# A second measurement in `compat`: string and boolean fields, a sparse float field (null rows),
# different tags, and a point at a time no telemetry row has.
EXTRA_LP = """\
pile_events,pile=P000001,kind=fault code="E42",ok=false,value=1.5 1795133100000000000
pile_events,pile=P000001,kind=info code="I01",ok=true 1795133700000000000
pile_events,pile=P000002,kind=fault code="E17",ok=false,value=-2 1795134345000000000
pile_events,pile=P000003,kind=info code="I01",ok=true,value=3.25 1795136400000000000
pile_events,pile=P000003,kind=fault code="E42",ok=false 1795137000000000000
pile_events,pile=P000004,kind=info code="I02",ok=true,value=0 1795139999000000000
"""


# MARK: - Allowed differences

def _drop_rollup_policy(response):
    """Chargeline lists its hourly rollup as a second retention policy `1h` and fills
    shardGroupDuration with its partition length; keep only autogen's name and default flag."""
    for result in response.get("results", []):
        for series in result.get("series", []):
            cols = series.get("columns", [])
            keep = [i for i, c in enumerate(cols) if c in ("name", "default")]
            series["columns"] = [cols[i] for i in keep]
            series["values"] = [[row[i] for i in keep] for row in series.get("values", [])
                                if row and row[0] == "autogen"]
    return response


def _null_point_time(response):
    """Drop the time of a lone percentile's point (the value is still compared)."""
    for result in response.get("results", []):
        for series in result.get("series", []):
            for row in series.get("values", []):
                row[0] = None
    return response


def _merge_series(response):
    """Merge series with the same name and tags, then order series by name and tags and rows
    by time."""
    for result in response.get("results", []):
        merged = {}
        for series in result.get("series", []):
            key = (series["name"], tuple(sorted(series["tags"].items())))
            if key in merged:
                merged[key]["values"] += series["values"]
            else:
                merged[key] = series
        for series in merged.values():
            series["values"].sort(key=lambda row: row[0])
        if merged:
            result["series"] = [merged[k] for k in sorted(merged)]
    return response


# Each entry: (regex matched against the query, reason, normalizer applied to both responses
# before comparing). A query matching an entry still has to compare equal after the
# normalizer; it is reported as PASS (allowed: reason). Keep this list short and every entry
# mirrored in docs/query-language.md, "Compatibility with InfluxDB 1.x".
ALLOWED = [
    (r"^SHOW RETENTION POLICIES",
     "Chargeline adds its hourly rollup as retention policy 1h and reports its own partition "
     "length as shardGroupDuration; only autogen's name and default flag are compared",
     _drop_rollup_policy),
    (r"^SELECT percentile\([^()]*\) FROM",
     "a lone percentile() reports its point's time; when several points hold the percentile "
     "value, InfluxDB 1.x picks one through an unstable sort (Go's sort.Sort), Chargeline the "
     "earliest; only the value is compared",
     _null_point_time),
    (r"integral\(",
     "InfluxDB 1.6's integral() emits series out of order, and a series' last bucket after "
     "the other series (so its JSON repeats a series); rows are compared after merging series "
     "with the same tags and sorting series by tags",
     _merge_series),
]


def allowed_for(query):
    for pattern, reason, normalize in ALLOWED:
        if re.search(pattern, query):
            return reason, normalize
    return None, None


# MARK: - Servers

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, timeout=60):
    req = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_ready(base, proc, name, log, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"influx-compat: {name} exited with {proc.returncode}; log {log}:\n"
                     + open(log, errors="replace").read()[-3000:])
        try:
            status, _ = http("GET", base + "/ping", timeout=2)
            if status in (200, 204):
                return
        except (urllib.error.URLError, ConnectionError, socket.timeout):
            pass
        time.sleep(0.2)
    sys.exit(f"influx-compat: {name} did not answer /ping within {seconds} s; log {log}")


INFLUX_CONF = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc}"

[meta]
  dir = "{d}/meta"

[data]
  dir = "{d}/data"
  wal-dir = "{d}/wal"
  query-log-enabled = false

[coordinator]
  query-timeout = "0s"

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{http}"
  log-enabled = false

[continuous_queries]
  enabled = false

[subscriber]
  enabled = false
"""


class Servers:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="influx-compat-")
        self.procs = []

    def start(self):
        self.start_influxd()
        self.start_chargeline()

    def start_influxd(self):
        d = os.path.join(self.tmp, "influxdb")
        os.makedirs(d)
        port, rpc = free_port(), free_port()
        conf = os.path.join(d, "influxdb.conf")
        with open(conf, "w") as f:
            f.write(INFLUX_CONF.format(d=d, rpc=rpc, http=port))
        log = os.path.join(self.tmp, "influxd.log")
        p = subprocess.Popen([self.args.influxd, "-config", conf], stdout=open(log, "w"),
                             stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(p)
        self.influx = f"http://127.0.0.1:{port}"
        wait_ready(self.influx, p, "influxd", log)

    def start_chargeline(self, extra=()):
        cport = free_port()
        clog = os.path.join(self.tmp, "chargeline.log")
        p = subprocess.Popen([self.args.chargeline, "serve", "--data", os.path.join(self.tmp, "chargeline"),
                              "--http", f"127.0.0.1:{cport}", "--lp-tcp", "off", "--fsync", "never",
                              "--log-level", "warning", *extra],
                             stdout=open(clog, "w"), stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(p)
        self.chargeline = f"http://127.0.0.1:{cport}"
        wait_ready(self.chargeline, p, "chargeline serve", clog)

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []
        if self.args.keep:
            print(f"influx-compat: kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


# MARK: - Data

def write_lines(base, db, lines, name):
    batch = 5000
    for i in range(0, len(lines), batch):
        body = ("\n".join(lines[i:i + batch]) + "\n").encode()
        status, text = http("POST", f"{base}/write?db={db}&precision=ns", body)
        if status != 204:
            sys.exit(f"influx-compat: {name} /write answered {status}: {text[:500]!r}")


def load_data(servers, args):
    datasets = {}
    fixture = open(os.path.join(ROOT, "Queries", "fixture.lp")).read().splitlines()
    datasets["compat"] = [l for l in fixture + EXTRA_LP.splitlines() if l and not l.startswith("#")]
    if args.datagen:
        out = os.path.join(servers.tmp, "gen.lp")
        subprocess.run([args.datagen, "--guns", "20", "--start", "2026-11-20T00:00:00Z", "--duration", "2h", "--precision", "ns", "--quiet", "--out", out],
                       check=True, stdout=subprocess.DEVNULL)
        datasets["gen"] = [l for l in open(out).read().splitlines() if l and not l.startswith("#")]
    for db, lines in datasets.items():
        for base, name in ((servers.influx, "influxd"), (servers.chargeline, "chargeline")):
            status, text = http("POST", f"{base}/query?q=" + urllib.parse.quote(f'CREATE DATABASE "{db}"'))
            if status != 200:
                sys.exit(f"influx-compat: {name} CREATE DATABASE {db} answered {status}: {text[:300]!r}")
            write_lines(base, db, lines, name)
        print(f"influx-compat: wrote {len(lines)} lines to database {db} on both servers")
    return list(datasets)


# MARK: - Comparison

def numbers_equal(a, b):
    if a == b:
        return True
    fa, fb = float(a), float(b)
    if math.isnan(fa) and math.isnan(fb):
        return True
    return abs(fa - fb) <= max(REL_TOL * max(abs(fa), abs(fb)), ABS_TOL)


def diff(a, b, path="$"):
    """First difference between two decoded JSON values, as text, or None."""
    is_num = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    if is_num(a) and is_num(b):
        return None if numbers_equal(a, b) else f"{path}: influxdb {a!r}, chargeline {b!r}"
    if type(a) is not type(b):
        return f"{path}: influxdb {json.dumps(a)[:200]}, chargeline {json.dumps(b)[:200]}"
    if isinstance(a, dict):
        keys = sorted(set(a) | set(b))
        for k in keys:
            if k not in a or k not in b:
                side = "chargeline only" if k not in a else "influxdb only"
                return f"{path}.{k}: {side}: {json.dumps(a.get(k, b.get(k)))[:300]}"
            d = diff(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, f"{path}[{i}]")
            if d:
                return d
        if len(a) != len(b):
            longer, who = (a, "influxdb") if len(a) > len(b) else (b, "chargeline")
            return (f"{path}: length influxdb {len(a)}, chargeline {len(b)}; "
                    f"{who} has more, next {json.dumps(longer[min(len(a), len(b))])[:200]}")
        return None
    return None if a == b else f"{path}: influxdb {a!r}, chargeline {b!r}"


def canonical(response):
    """The parts of a /query response the check compares: per statement, the error flag and
    message presence, then series name/tags/columns/values (`partial` flags are ignored)."""
    if "error" in response and "results" not in response:
        return {"error": True}
    out = []
    for r in response.get("results", []):
        item = {"statement_id": r.get("statement_id")}
        if "error" in r:
            item["error"] = True
        series = []
        for s in r.get("series", []):
            series.append({"name": s.get("name"), "tags": s.get("tags") or {},
                           "columns": s.get("columns"), "values": s.get("values") or []})
        if series:
            item["series"] = series
        out.append(item)
    return {"results": out}


def query(base, db, q):
    url = f"{base}/query?db={urllib.parse.quote(db)}&epoch=ns&q={urllib.parse.quote(q)}"
    status, body = http("GET", url)
    try:
        return status, json.loads(body)
    except ValueError:
        return status, {"error": f"not JSON (HTTP {status}): {body[:200]!r}"}


def error_text(response):
    if "error" in response and "results" not in response:
        return response["error"]
    return "; ".join(r["error"] for r in response.get("results", []) if "error" in r)


def run_queries(servers, args):
    passed = failed = allowed = 0
    db = "compat"
    for lineno, line in enumerate(open(args.queries), 1):
        q = line.strip()
        if not q or q.startswith("#"):
            continue
        if q.startswith("@db "):
            db = q.split(None, 1)[1]
            continue
        if args.filter and args.filter not in q:
            continue
        _, ri = query(servers.influx, db, q)
        _, rc = query(servers.chargeline, db, q)
        reason, normalize = allowed_for(q)
        a, b = canonical(ri), canonical(rc)
        if normalize:
            a, b = normalize(json.loads(json.dumps(a))), normalize(json.loads(json.dumps(b)))
        d = diff(a, b)
        if d is None:
            passed += 1
            allowed += reason is not None
            note = f"  (allowed: {reason})" if reason and args.verbose else ("  (allowed difference)" if reason else "")
            both_err = error_text(ri) and error_text(rc)
            print(f"PASS {lineno:3d} [{db}] {q}{note}" + ("  (both fail)" if both_err and not reason else ""))
        else:
            failed += 1
            print(f"FAIL {lineno:3d} [{db}] {q}\n       {d}")
            for who, r in (("influxdb", ri), ("chargeline", rc)):
                if error_text(r):
                    print(f"       {who} error: {error_text(r)[:300]}")
            if args.verbose:
                print("       influxdb:   " + json.dumps(ri)[:2000])
                print("       chargeline: " + json.dumps(rc)[:2000])
    if allowed:
        print(f"({allowed} of the passes are documented allowed differences; see ALLOWED in {os.path.basename(__file__)})")
    print(f"{passed} passed, {failed} failed")
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chargeline", required=True, help="chargeline executable")
    ap.add_argument("--datagen", help="chargeline-datagen executable (adds database gen)")
    ap.add_argument("--influxd", default="influxd", help="influxd executable (InfluxDB 1.x)")
    ap.add_argument("--queries", default=os.path.join(HERE, "queries.txt"))
    ap.add_argument("--filter", help="run only queries containing this text")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, data)")
    ap.add_argument("--verbose", "-v", action="store_true", help="print both responses on failure")
    args = ap.parse_args()

    servers = Servers(args)
    # SIGTERM/SIGINT become SystemExit so `finally` stops both servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        servers.start()
        load_data(servers, args)
        time.sleep(0.5)  # InfluxDB indexes a write before answering it; this is only a margin
        failed = run_queries(servers, args)
    finally:
        servers.stop()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

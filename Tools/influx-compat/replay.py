#!/usr/bin/env python3
"""Replays Grafana's and Telegraf's recorded requests against Chargeline (and InfluxDB 1.x).

    python3 Tools/influx-compat/replay.py --chargeline BIN [--influxd BIN | --no-influxd]
                                          [--record] [--filter TEXT] [--verbose] [--keep]

fixtures/*.jsonl hold one request a line, as the client sends it (see the clients' own source:
Grafana's InfluxQL data source, Telegraf's outputs.influxdb and outputs.influxdb_v2):

  id, note        name and what the client is doing
  method, path    e.g. "GET", "/query"
  params          query-string parameters, in order: [[name, value], ...]
  headers         request headers (User-Agent, Content-Type, Content-Encoding, Authorization...)
  body | form     body text (line protocol), or form fields [[name, value], ...] url-encoded
  gzip            true: the body is sent gzip-compressed (with Content-Encoding: gzip)
  expect          {"status": N, "json": ... | "text": ...}: what InfluxDB 1.6.7 answered, recorded
                  with --record from a live influxd holding the same data
  error_contains  text the error must contain (clients branch on it, e.g. "database not found")
  allowed         a documented difference (docs/query-language.md, "Compatibility with InfluxDB
                  1.x"): {"reason": ..., "normalize": NAME} compares both sides after the named
                  normalizer; {"reason": ..., "chargeline": {"status": N[, "json": ...]}} is what
                  Chargeline answers instead (the InfluxDB 1.8 answer where 1.6.7 lacks the API)

Every case is replayed, in file order, against `chargeline serve` and compared with `expect`:
status code, then for JSON bodies the error-or-not and each statement's series (name, tags,
columns, values; floats to a relative 1e-9), as compat.py compares them. When `influxd` is
installed (or given with --influxd) the same requests also go to a live influxd, which must still
answer as recorded. --record rewrites the `expect` fields from the live influxd.

Both servers are seeded as compat.py seeds database `compat` (Queries/fixture.lp plus its
second measurement); fixtures that write (Telegraf) change the state the later ones read.
Prints PASS/FAIL per case and `replay: N passed, M failed`; exits 1 on a failure. Servers are
stopped and the temp dir removed on every exit path. Python 3 standard library only.
"""

import argparse
import glob
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compat  # noqa: E402  (same directory: servers, seeding and the JSON comparison)

HERE = compat.HERE

NORMALIZERS = {
    "retention_policies": compat._drop_rollup_policy,
}


def send(base, case):
    """Sends one fixture request; returns (status, decoded body: JSON value or text)."""
    url = base + case["path"]
    if case.get("params"):
        url += "?" + urllib.parse.urlencode([tuple(p) for p in case["params"]])
    headers = dict(case.get("headers") or {})
    body = None
    if case.get("form") is not None:
        body = urllib.parse.urlencode([tuple(p) for p in case["form"]]).encode()
    elif case.get("body") is not None:
        body = case["body"].encode()
    if body is not None and case.get("gzip"):
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    req = urllib.request.Request(url, data=body, method=case["method"], headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            status, raw, enc = r.status, r.read(), r.headers.get("Content-Encoding", "")
    except urllib.error.HTTPError as e:
        status, raw, enc = e.code, e.read(), e.headers.get("Content-Encoding", "")
    if enc == "gzip" and raw:
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8", errors="replace")
    try:
        return status, {"json": json.loads(text)} if text.strip() else {"text": ""}
    except ValueError:
        return status, {"text": text}


def error_of(body):
    """The error text of a response body (top-level or any statement's), or ''."""
    if "json" in body and isinstance(body["json"], dict):
        j = body["json"]
        if "error" in j:
            return str(j["error"])
        return "; ".join(str(r["error"]) for r in j.get("results", []) if "error" in r)
    return body.get("text", "")


def compare(expect, status, body, normalize=None, error_contains=None):
    """First difference between the expected answer and an actual one, as text, or None."""
    if expect["status"] != status:
        return f"status: expected {expect['status']}, got {status} {json.dumps(body)[:300]}"
    if "json" in expect:
        if "json" not in body:
            return f"body: expected JSON, got {body.get('text', '')[:300]!r}"
        a, b = compat.canonical(expect["json"]), compat.canonical(body["json"])
        if normalize:
            a, b = normalize(json.loads(json.dumps(a))), normalize(json.loads(json.dumps(b)))
        d = compat.diff(a, b)
        if d:
            return d.replace("influxdb", "expected").replace("chargeline", "got")
    if error_contains and error_contains not in error_of(body):
        return f"error: expected text containing {error_contains!r}, got {error_of(body)[:300]!r}"
    return None


def load_fixtures(paths):
    cases = []
    for path in paths:
        for lineno, line in enumerate(open(path), 1):
            if line.strip():
                case = json.loads(line)
                case["_file"], case["_line"] = path, lineno
                cases.append(case)
    return cases


def save_fixtures(cases):
    by_file = {}
    for case in cases:
        by_file.setdefault(case["_file"], []).append(
            {k: v for k, v in case.items() if not k.startswith("_")})
    for path, rows in by_file.items():
        with open(path, "w") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")


class ServerSet(compat.Servers):
    """compat.Servers with influxd optional. Chargeline runs with --no-auto-create: a write to a
    missing database is InfluxDB's 404 (Telegraf's CREATE DATABASE on start is what creates it;
    auto-creation, Chargeline's default, is the documented difference docs/operations.md lists)."""

    def start(self):
        self.influx = None
        if self.args.influxd:
            self.start_influxd()
        self.start_chargeline(extra=["--no-auto-create"])


def wait_chargeline_ready(base, seconds=60):
    """`chargeline serve` listens at once and answers 503 (/ping included) until its WAL is
    replayed; /ready turns 200 then."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        status, _ = compat.http("GET", base + "/ready", timeout=2)
        if status == 200:
            return
        time.sleep(0.2)
    sys.exit(f"replay: chargeline serve not ready within {seconds} s")


def seed(servers):
    wait_chargeline_ready(servers.chargeline)
    fixture = open(os.path.join(compat.ROOT, "Queries", "fixture.lp")).read().splitlines()
    lines = [l for l in fixture + compat.EXTRA_LP.splitlines() if l and not l.startswith("#")]
    targets = [(servers.chargeline, "chargeline")]
    if servers.influx:
        targets.append((servers.influx, "influxd"))
    for base, name in targets:
        status, text = compat.http("POST", f"{base}/query?q=" + urllib.parse.quote('CREATE DATABASE "compat"'))
        if status != 200:
            sys.exit(f"replay: {name} CREATE DATABASE compat answered {status}: {text[:300]!r}")
        compat.write_lines(base, "compat", lines, name)


def run(servers, cases, args):
    passed = failed = 0
    for case in cases:
        label = f"{os.path.basename(case['_file'])}:{case['_line']} {case['id']}"
        allowed = case.get("allowed") or {}
        normalize = NORMALIZERS.get(allowed.get("normalize"))
        problems = []
        if servers.influx:
            status, body = send(servers.influx, case)
            if args.record:
                case["expect"] = {"status": status, **body}
            elif "expect" in case:
                d = compare(case["expect"], status, body, None, case.get("error_contains"))
                if d:
                    problems.append(f"influxd no longer answers as recorded: {d}")
        if "expect" not in case:
            problems.append("no recorded answer (run with --record and influxd installed)")
        else:
            expect = case["expect"]
            if "chargeline" in allowed:
                expect = allowed["chargeline"]
            status, body = send(servers.chargeline, case)
            d = compare(expect, status, body, normalize, case.get("error_contains"))
            if d:
                problems.append(f"chargeline: {d}")
                if error_of(body):
                    problems.append(f"chargeline error: {error_of(body)[:300]}")
            if args.verbose:
                print(f"       chargeline: {status} {json.dumps(body)[:1500]}")
        if problems:
            failed += 1
            print(f"FAIL {label}  ({case.get('note', '')})")
            for p in problems:
                print(f"       {p}")
        else:
            passed += 1
            note = f"  (allowed: {allowed['reason']})" if allowed else ""
            print(f"PASS {label}{note}")
    if args.record:
        save_fixtures(cases)
        print(f"replay: recorded influxd's answers into {len({c['_file'] for c in cases})} fixture files")
    print(f"replay: {passed} passed, {failed} failed")
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chargeline", required=True, help="chargeline executable")
    ap.add_argument("--influxd", default=shutil.which("influxd"),
                    help="influxd (InfluxDB 1.x) executable; default: influxd on PATH, if any")
    ap.add_argument("--no-influxd", action="store_true", help="compare with the recorded answers only")
    ap.add_argument("--record", action="store_true", help="rewrite `expect` from the live influxd")
    ap.add_argument("--fixtures", nargs="*", default=sorted(glob.glob(os.path.join(HERE, "fixtures", "*.jsonl"))))
    ap.add_argument("--filter", help="run only cases whose id contains this text")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, data)")
    ap.add_argument("--verbose", "-v", action="store_true", help="print Chargeline's answers")
    args = ap.parse_args()
    if args.no_influxd:
        args.influxd = None
    if args.record and not args.influxd:
        sys.exit("replay: --record needs influxd (Debian package influxdb)")
    if args.record and args.filter:
        sys.exit("replay: --record replays every case (later cases read what earlier ones wrote)")

    cases = load_fixtures(args.fixtures)
    if args.filter:
        cases = [c for c in cases if args.filter in c["id"]]
    print(f"replay: {len(cases)} recorded requests; influxd: {args.influxd or 'not installed, recorded answers only'}")
    servers = ServerSet(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        servers.start()
        seed(servers)
        failed = run(servers, cases, args)
    finally:
        servers.stop()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

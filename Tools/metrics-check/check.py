#!/usr/bin/env python3
"""/metrics against the real Prometheus tools: promtool lints the exposition, and a Prometheus
server started here scrapes a live `chargeline serve` while points are written.

    python3 Tools/metrics-check/check.py --chargeline .build/debug/chargeline

Cases:
  1. `promtool check metrics` finds no problem in GET /metrics (after writes, a query, a
     rejected line, so every family has samples).
  2. A Prometheus server scraping every second sees chargeline_ingest_points_total rise by
     exactly the points written over HTTP (and the rejected lines counted apart).
  3. The storage timers (WAL fsync) and gauges (head values, disk bytes) are scraped.
  4. A `chargeline gateway --http` forwarding to that serve: /health 200, /ready 200, and
     `promtool check metrics` finds no problem in its /metrics, which holds
     chargeline_spool_bytes, chargeline_spool_oldest_seconds, chargeline_upstream_up and the
     YKC metrics.
  5. With serve stopped, the gateway's /ready answers 503 saying the storage node is
     unreachable, and chargeline_upstream_up drops to 0.
  6. `serve --ykc-processes 2 --gateway-http HOST:PORT`: the two gateway processes serve serves
     answer /health and /ready on PORT and PORT+1, and promtool finds no problem in their /metrics.
Prints PASS/FAIL per case and a closing `metrics: N passed, M failed` line; exits 1 on a failure.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import checklib  # noqa: E402
from checklib import free_port, wait_until  # noqa: E402

T0_S = 1_795_132_800


def http(url, data=None, timeout=10):
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_for(url, proc, what, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    raise SystemExit(f"metrics-check: {what} did not start")


def prom_value(prom, expr):
    status, body = http(f"http://127.0.0.1:{prom}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    result = json.loads(body)["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def ready_status(base, wanted):
    """GET base/ready until it answers `wanted` (30 s at most); returns the last (status, body)."""
    last = []

    def probe():
        last[:] = [http(base + "/ready")]
        return last[0][0] == wanted
    wait_until(probe)
    return last[0]


def gateway_checks(args, tmp, port, procs, report):
    """Cases 4 and 5: a gateway beside the serve on `port`; the caller stops serve for 5."""
    ykc, gw = free_port(), free_port()
    gateway = subprocess.Popen([args.chargeline, "gateway", "--ykc", f"127.0.0.1:{ykc}", "--upstream", f"127.0.0.1:{port}",
                                "--http", f"127.0.0.1:{gw}", "--spool", f"{tmp}/spool"],
                               stdout=open(f"{tmp}/gateway.log", "wb"), stderr=subprocess.STDOUT)
    procs.append(gateway)
    base = f"http://127.0.0.1:{gw}"
    wait_for(base + "/health", gateway, "chargeline gateway")
    ready = ready_status(base, 200)
    status, text = http(base + "/metrics")
    lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True)
    names = {line.split(" ")[0].split("{")[0] for line in text.decode().splitlines() if line and not line.startswith("#")}
    wanted = {"chargeline_spool_bytes", "chargeline_spool_oldest_seconds", "chargeline_upstream_up",
              "chargeline_ykc_connections", "chargeline_build_info", "process_resident_memory_bytes"}
    report("gateway: /health, /ready 200 and promtool check metrics on its /metrics",
           None if http(base + "/health")[0] == 200 and ready and ready[0] == 200 and status == 200
           and lint.returncode == 0 and wanted <= names
           else f"ready {ready}, metrics status {status}, missing {sorted(wanted - names)}, "
                f"promtool: {lint.stdout.decode()}{lint.stderr.decode()}")
    return base


def gateway_upstream_down(base, report):
    """Case 5, once serve is stopped."""
    ready = ready_status(base, 503)
    _, text = http(base + "/metrics")
    up = [l for l in text.decode().splitlines() if l.startswith("chargeline_upstream_up ")]
    report("gateway: /ready 503 naming the unreachable storage node once serve stops",
           None if ready and ready[0] == 503 and b"unreachable" in ready[1] and up == ["chargeline_upstream_up 0.0"]
           else f"ready {ready}, {up}")


def free_port_pair():
    """A port P with P and P+1 free (gateway i of --gateway-http listens on P+i)."""
    for _ in range(50):
        p = free_port()
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", p + 1))
            return p
        except OSError:
            continue
    raise SystemExit("no two consecutive free ports")


def supervised_gateways(args, tmp, procs, report):
    """Case 6: the gateway processes serve starts get their own monitoring ports."""
    port, ykc, gw = free_port(), free_port(), free_port_pair()
    serve = subprocess.Popen([args.chargeline, "serve", "--data", f"{tmp}/data-gw", "--http", f"127.0.0.1:{port}",
                              "--lp-tcp", "off", "--ykc", f"127.0.0.1:{ykc}", "--ykc-processes", "2",
                              "--gateway-http", f"127.0.0.1:{gw}"],
                             stdout=open(f"{tmp}/serve-gw.log", "wb"), stderr=subprocess.STDOUT)
    procs.append(serve)
    problems = []
    for i in range(2):
        base = f"http://127.0.0.1:{gw + i}"
        wait_for(base + "/health", serve, f"gateway process {i}")
        ready = ready_status(base, 200)
        status, text = http(base + "/metrics")
        lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True)
        if not (ready and ready[0] == 200 and status == 200 and lint.returncode == 0 and b"chargeline_spool_bytes" in text):
            problems.append(f"gateway {i} on {gw + i}: ready {ready}, metrics {status}, promtool {lint.stdout.decode()}{lint.stderr.decode()}")
    serve.terminate()
    serve.wait(timeout=60)
    banner = open(f"{tmp}/serve-gw.log", errors="replace").read()
    if f"http://127.0.0.1:{gw} ... http://127.0.0.1:{gw + 1}" not in banner:
        problems.append("serve's start-up lines do not name the gateways' monitoring ports")
    report("serve --ykc-processes 2 --gateway-http: each gateway process answers /health, /ready and /metrics",
           "; ".join(problems) or None)


def main():
    with checklib.CheckRun("metrics") as run:
        args, tmp, report = run.args, run.tmp, run.report
        port, prom = free_port(), free_port()
        procs = []
        try:
            serve = subprocess.Popen([args.chargeline, "serve", "--data", f"{tmp}/data", "--http", f"127.0.0.1:{port}",
                                      "--lp-tcp", "off"], stdout=open(f"{tmp}/serve.log", "wb"), stderr=subprocess.STDOUT)
            procs.append(serve)
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/ping", serve, "chargeline serve")
            with open(f"{tmp}/prometheus.yml", "w") as f:
                f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
                        f"  - job_name: chargeline\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n")
            server = subprocess.Popen(["prometheus", f"--config.file={tmp}/prometheus.yml", f"--storage.tsdb.path={tmp}/prom",
                                       f"--web.listen-address=127.0.0.1:{prom}"],
                                      stdout=open(f"{tmp}/prometheus.log", "wb"), stderr=subprocess.STDOUT)
            procs.append(server)
            wait_for(f"http://127.0.0.1:{prom}/-/ready", server, "prometheus")

            # A first write so the counter exists, then wait until Prometheus has scraped it.
            status, _ = http(base + "/write?db=metrics&precision=s", f"m,pile=P0 v=0 {T0_S}\n".encode())
            assert status == 204, status
            deadline = time.time() + 30
            before = None
            while time.time() < deadline and before is None:
                before = prom_value(prom, 'chargeline_ingest_points_total{protocol="http",db="metrics"}')
                time.sleep(0.5)
            written = 0
            for batch in range(20):
                lines = [f"m,pile=P{i % 7} v={batch * 100 + i},w={i}i {T0_S + batch * 100 + i}" for i in range(100 + batch)]
                if batch == 5:
                    lines.append("this is not line protocol")
                status, _ = http(base + "/write?db=metrics&precision=s", "\n".join(lines).encode())
                assert status in (204, 400), status
                written += 100 + batch
            http(base + "/query?" + urllib.parse.urlencode({"db": "metrics", "q": "SELECT count(v) FROM m"}))

            status, text = http(base + "/metrics")
            lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True)
            report("promtool check metrics on /metrics", None if status == 200 and lint.returncode == 0
                   else f"status {status}, promtool: {lint.stdout.decode()}{lint.stderr.decode()}")

            expected = (before or 0) + written
            got = None
            deadline = time.time() + 30
            while time.time() < deadline:
                got = prom_value(prom, 'chargeline_ingest_points_total{protocol="http",db="metrics"}')
                if got == expected:
                    break
                time.sleep(0.5)
            rejected = prom_value(prom, 'chargeline_ingest_rejected_total{protocol="http",reason="parse"}')
            report("Prometheus sees chargeline_ingest_points_total rise by exactly the points written",
                   None if got == expected and before == 1 and rejected == 1
                   else f"before {before}, after {got}, expected {expected}; rejected {rejected}")

            fsyncs = prom_value(prom, "chargeline_wal_fsync_seconds_count")
            head = prom_value(prom, "chargeline_head_values")
            wal = prom_value(prom, 'chargeline_disk_bytes{db="metrics",kind="wal"}')
            queries = prom_value(prom, 'chargeline_query_seconds_count{kind="select"}')
            report("storage timers and gauges are scraped",
                   None if fsyncs and fsyncs >= 1 and head == written * 2 + 1 and wal and wal > 0 and queries == 1
                   else f"fsyncs {fsyncs}, head values {head} (expected {written * 2 + 1}), wal bytes {wal}, queries {queries}")

            gateway = gateway_checks(args, tmp, port, procs, report)
            serve.terminate()
            serve.wait(timeout=60)
            gateway_upstream_down(gateway, report)
            supervised_gateways(args, tmp, procs, report)
        finally:
            for p in reversed(procs):
                p.terminate()
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
            if run.failed:
                for log in ("serve.log", "prometheus.log", "gateway.log", "serve-gw.log"):
                    path = os.path.join(tmp, log)
                    if os.path.exists(path):
                        print(f"--- {log} (last 20 lines) ---")
                        print("\n".join(open(path, errors="replace").read().splitlines()[-20:]))


if __name__ == "__main__":
    main()

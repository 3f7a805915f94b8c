#!/usr/bin/env python3
"""Online backup and restore against a real S3-compatible store: SeaweedFS started here.

    python3 Tools/s3-check/s3check.py --chargeline .build/debug/chargeline [--keep]

Cases:
  1. `chargeline backup --server ... --to s3://bucket/prefix` beside a running `serve` that has
     segment files and a WAL tail, while a writer keeps writing: exit 0, objects and a backup
     manifest in the bucket (ListObjectsV2 by our own signer).
  2. A second backup uploads only what changed: fewer files than the backup holds.
  3. `chargeline restore --from s3://... --data NEW` verifies checksums; a second `serve` on the
     restored directory answers a set of queries exactly as the original did (no writes after
     the second backup).
  4. Restore refuses a non-empty directory without --force; a missing --backup ID is named.
Prints PASS/FAIL per case and a closing `s3: N passed, M failed` line; exits 1 on a failure.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seaweed  # noqa: E402

BUCKET = "chargeline-check"
PREFIX = "nightly/site-a"
T0_NS = 1_795_132_800 * 1_000_000_000
QUERIES = [
    "SELECT count(voltage) FROM telemetry",
    "SELECT mean(voltage), max(voltage), min(soc) FROM telemetry GROUP BY gun",
    "SELECT voltage, soc FROM telemetry WHERE gun = 'G07' ORDER BY time DESC LIMIT 20",
    "SELECT mean(voltage) FROM telemetry WHERE time >= 1795132800s AND time < 1795136400s GROUP BY time(10m)",
    "SHOW MEASUREMENTS",
    "SHOW TAG VALUES FROM telemetry WITH KEY = gun",
]


def http(url, data=None, timeout=30):
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Serve:
    def __init__(self, chargeline, data, log):
        self.port = seaweed.free_port()
        self.log = open(log, "a")
        self.proc = subprocess.Popen([chargeline, "serve", "--data", data, "--http", f"127.0.0.1:{self.port}", "--lp-tcp", "off",
                                      "--log-level", "warning"], stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if http(self.url + "/ready", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise SystemExit(f"s3-check: serve on {data} did not become ready; see {log}")

    def write(self, lines):
        status, body = http(self.url + "/write?db=telemetry&precision=ns", "\n".join(lines).encode())
        if status != 204:
            raise SystemExit(f"s3-check: write answered {status}: {body[:200]}")

    def query(self, q):
        return http(self.url + "/query?" + urllib.parse.urlencode({"db": "telemetry", "q": q, "epoch": "ns"}))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def batch(first_second, seconds, guns=20):
    lines = []
    for s in range(first_second, first_second + seconds):
        for g in range(guns):
            t = T0_NS + s * 1_000_000_000
            lines.append(f"telemetry,station=S1,pile=P{g // 2:02d},gun=G{g:02d} voltage={380 + (s * 7 + g) % 40 + 0.5},soc={(s + g) % 100}i {t}")
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chargeline", required=True)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="chargeline-s3-check.")
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(f"{'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail and not ok else ""), flush=True)

    weed = seaweed.SeaweedFS(os.path.join(tmp, "weed"), os.path.join(tmp, "weed.log"))
    serves = []
    try:
        weed.wait_ready(BUCKET)
        env = weed.environment()
        target = f"s3://{BUCKET}/{PREFIX}"
        data, restored = os.path.join(tmp, "data"), os.path.join(tmp, "restored")

        # Segment files (a clean stop flushes the head) plus a WAL tail.
        first = Serve(args.chargeline, data, os.path.join(tmp, "serve.log"))
        for i in range(0, 1800, 60):
            first.write(batch(i, 60))
        first.stop()
        original = Serve(args.chargeline, data, os.path.join(tmp, "serve.log"))
        serves.append(original)
        for i in range(1800, 2400, 60):
            original.write(batch(i, 60))

        # Backup 1 while a writer keeps writing.
        stop = threading.Event()

        def writer():
            s = 2400
            while not stop.is_set() and s < 3000:
                original.write(batch(s, 10))
                s += 10

        w = threading.Thread(target=writer)
        w.start()
        one = subprocess.run([args.chargeline, "backup", "--data", data, "--server", original.url, "--to", target],
                             env=env, capture_output=True, text=True, timeout=600)
        stop.set()
        w.join()
        query = "list-type=2&prefix=" + urllib.parse.quote(PREFIX + "/backups/", safe="")
        req_headers = seaweed.sign("GET", f"127.0.0.1:{weed.s3_port}", f"/{BUCKET}", query=query)
        req = urllib.request.Request(f"{weed.endpoint}/{BUCKET}?{query}", headers=req_headers)
        with urllib.request.urlopen(req, timeout=10) as r:
            manifests = re.findall(r"<Key>([^<]+)</Key>", r.read().decode())
        check("backup beside a running serve under ingest", one.returncode == 0 and len(manifests) == 1,
              f"rc {one.returncode}: {one.stdout}{one.stderr} manifests {manifests}")

        # Backup 2: only what changed since backup 1 goes up.
        for i in range(3000, 3300, 60):
            original.write(batch(i, 60))
        two = subprocess.run([args.chargeline, "backup", "--data", data, "--server", original.url, "--to", target],
                             env=env, capture_output=True, text=True, timeout=600)
        m = re.search(r": (\d+) files, [\d.]+ MB; uploaded (\d+) files", two.stdout)
        check("second backup is incremental", two.returncode == 0 and m is not None and int(m.group(2)) < int(m.group(1)),
              f"rc {two.returncode}: {two.stdout}{two.stderr}")

        # Restore the latest into a new directory and serve it beside the original.
        rs = subprocess.run([args.chargeline, "restore", "--from", target, "--data", restored],
                            env=env, capture_output=True, text=True, timeout=600)
        check("restore from S3 verifies checksums", rs.returncode == 0 and "checksums verified" in rs.stdout,
              f"rc {rs.returncode}: {rs.stdout}{rs.stderr}")
        copy = Serve(args.chargeline, restored, os.path.join(tmp, "serve-restored.log"))
        serves.append(copy)
        differences = []
        for q in QUERIES:
            a, b = original.query(q), copy.query(q)
            if a[0] != 200 or a != b:
                differences.append(f"{q}: original {a[0]} {a[1][:200]!r} restored {b[0]} {b[1][:200]!r}")
        check("restored serve answers every query as the original", not differences, "; ".join(differences))

        busy = subprocess.run([args.chargeline, "restore", "--from", target, "--data", restored],
                              env=env, capture_output=True, text=True, timeout=600)
        missing = subprocess.run([args.chargeline, "restore", "--from", target, "--data", os.path.join(tmp, "x"), "--backup", "nope"],
                                 env=env, capture_output=True, text=True, timeout=600)
        check("restore refuses a non-empty directory and names a missing backup",
              busy.returncode != 0 and "--force" in busy.stderr and missing.returncode != 0 and "no backup nope" in missing.stderr,
              f"{busy.stderr} | {missing.stderr}")
    finally:
        for s in serves:
            s.stop()
        weed.stop()
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    passed = sum(results)
    print(f"s3: {passed} passed, {len(results) - passed} failed")
    sys.exit(0 if passed == len(results) and results else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""HTTP line-protocol load client for the Chargeline ingest benchmark (standard library only).

  load.py ping  --host H --port P [--timeout 60]
      Polls GET /ping until it answers 204; exits 1 on timeout.

  load.py write --host H --port P --db NAME FILE [--batch-lines 5000] [--clients 3]
                [--precision ns] [--summary OUT.json] [--no-create]
      Creates the database (POST /query?q=CREATE DATABASE NAME; not with --no-create, for
      servers such as VictoriaMetrics that take /write but have no /query), reads FILE (plain or .gz)
      into memory, cuts it into batches of --batch-lines lines up front (zero-copy memoryview
      slices of one bytes object), then sends them with POST /write?db=NAME&precision=ns from
      --clients threads, each on its own keep-alive http.client connection. Batches are dealt
      round-robin: client c sends batches c, c+N, c+2N, ... in file order. Every response must
      be 204. Prints lines, values, seconds, values/s and p50/p99 request latency; exits 1 on
      any failed request.

  load.py sink  --host H --port P
      A null server for measuring the sender itself: answers every POST /write 204 (and
      /query 200, GET /ping 204) as soon as the body is read, storing nothing. `load.py write`
      against it shows how fast this client can push, the ceiling of any figure it measures.

Values are counted line by line (fields in the field set; the generator's lines do not all
carry the same fields); --values-per-line N counts lines x N instead.
"""

import argparse
import gzip
import http.client
import json
import sys
import threading
import time
import urllib.parse


def ping(args):
    deadline = time.monotonic() + args.timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(args.host, args.port, timeout=2)
            conn.request("GET", "/ping")
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status == 204:
                return 0
            last = f"HTTP {resp.status}"
        except OSError as e:
            last = str(e)
        time.sleep(0.1)
    print(f"load.py: http://{args.host}:{args.port}/ping did not answer 204 within "
          f"{args.timeout} s (last: {last})", file=sys.stderr)
    return 1


def read_file(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        data += b"\n"
    return data


def count_values(data):
    """Field values in the file: per line, commas in the field set + 1. Generator lines carry
    no escapes or quoted strings, so a plain split is exact; they do not all carry the same
    fields (`soc` only while a gun charges), so every line is counted."""
    total = 0
    for line in data.split(b"\n"):
        if not line or line.startswith(b"#"):
            continue
        parts = line.split(b" ", 2)
        if len(parts) < 2:
            raise SystemExit(f"load.py: cannot find a field set in line {line[:200]!r}")
        total += parts[1].count(b",") + 1
    return total


def cut_batches(data, lines_per_batch):
    """[(memoryview, line count)] of consecutive batches, each ending at a newline."""
    view = memoryview(data)
    batches = []
    pos = 0
    size = len(data)
    find = data.find
    while pos < size:
        end = pos
        n = 0
        while n < lines_per_batch:
            nl = find(b"\n", end)
            if nl < 0:
                end = size
                break
            end = nl + 1
            n += 1
            if end >= size:
                break
        batches.append((view[pos:end], n))
        pos = end
    return batches


def auth_headers(user):
    """HTTP Basic for `user:password` (--auth), as the influx CLI sends it; none when empty."""
    if not user:
        return {}
    import base64
    return {"Authorization": "Basic " + base64.b64encode(user.encode()).decode()}


def create_database(host, port, db, user=""):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    if user:
        # With auth on and no admin yet, the first admin is created without credentials.
        name, password = user.split(":", 1)
        q = urllib.parse.urlencode({"q": f"CREATE USER \"{name}\" WITH PASSWORD '{password}' WITH ALL PRIVILEGES"})
        conn.request("POST", "/query?" + q, headers=auth_headers(user))
        conn.getresponse().read()
    query = urllib.parse.urlencode({"q": f'CREATE DATABASE "{db}"'})
    conn.request("POST", "/query?" + query, headers=auth_headers(user))
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    if resp.status != 200:
        raise SystemExit(f"load.py: CREATE DATABASE {db} answered HTTP {resp.status}: "
                         f"{body[:500].decode(errors='replace')}")


class Client(threading.Thread):
    def __init__(self, index, host, port, path, batches, start_gate, user=""):
        super().__init__(name=f"client-{index}", daemon=True)
        self.user = user
        self.host, self.port, self.path = host, port, path
        self.batches = batches
        self.start_gate = start_gate
        self.latencies = []
        self.failures = []
        self.lines_ok = 0

    def run(self):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
        headers = {"Content-Type": "text/plain; charset=utf-8", **auth_headers(self.user)}
        self.start_gate.wait()
        for number, (body, lines) in self.batches:
            t0 = time.perf_counter()
            try:
                conn.request("POST", self.path, body=body, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException) as e:
                self.failures.append(f"batch {number}: {type(e).__name__}: {e}")
                conn.close()
                conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
                continue
            self.latencies.append(time.perf_counter() - t0)
            if status == 204:
                self.lines_ok += lines
            else:
                self.failures.append(f"batch {number}: HTTP {status}: "
                                     f"{payload[:300].decode(errors='replace')}")
        conn.close()


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    rank = max(1, int(round(p / 100.0 * len(sorted_values) + 0.5)))  # nearest rank
    return sorted_values[min(rank, len(sorted_values)) - 1]


def write(args):
    t_read = time.perf_counter()
    data = read_file(args.file)
    batches = cut_batches(data, args.batch_lines)
    lines = sum(n for _, n in batches)
    values = lines * args.values_per_line if args.values_per_line else count_values(data)
    print(f"load.py: {lines} lines in {len(batches)} batches of <= {args.batch_lines} "
          f"({len(data)} bytes) prepared in {time.perf_counter() - t_read:.1f} s", file=sys.stderr)

    if not args.no_create:
        create_database(args.host, args.port, args.db, args.auth)
    path = "/write?" + urllib.parse.urlencode({"db": args.db, "precision": args.precision})
    gate = threading.Barrier(args.clients + 1)
    numbered = list(enumerate(batches))
    clients = [Client(c, args.host, args.port, path, numbered[c::args.clients], gate, args.auth)
               for c in range(args.clients)]
    for c in clients:
        c.start()
    gate.wait()
    t0 = time.perf_counter()
    for c in clients:
        c.join()
    seconds = time.perf_counter() - t0

    latencies = sorted(l for c in clients for l in c.latencies)
    failures = [f for c in clients for f in c.failures]
    summary = {
        "lines": lines,
        "linesAccepted": sum(c.lines_ok for c in clients),
        "values": values,
        "batches": len(batches),
        "clients": args.clients,
        "seconds": seconds,
        "valuesPerSecond": values / seconds if seconds > 0 else 0.0,
        "linesPerSecond": lines / seconds if seconds > 0 else 0.0,
        "p50Ms": percentile(latencies, 50) * 1000,
        "p99Ms": percentile(latencies, 99) * 1000,
        "maxMs": (latencies[-1] * 1000) if latencies else float("nan"),
        "failures": len(failures),
    }
    print(f"lines       {lines}")
    print(f"values      {values}  ({values / lines if lines else 0:.2f} per line)")
    print(f"seconds     {seconds:.3f}")
    print(f"values/s    {summary['valuesPerSecond']:,.0f}  ({summary['linesPerSecond']:,.0f} lines/s)")
    print(f"latency     p50 {summary['p50Ms']:.1f} ms, p99 {summary['p99Ms']:.1f} ms, "
          f"max {summary['maxMs']:.1f} ms over {len(latencies)} requests "
          f"({args.clients} clients x {args.batch_lines} lines)")
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary, f, indent=2)
    if failures:
        print(f"load.py: {len(failures)} of {len(batches)} requests failed; first ones:", file=sys.stderr)
        for f in failures[:10]:
            print("  " + f, file=sys.stderr)
        return 1
    return 0


def sink(args):
    """Serves until killed: reads each request (Content-Length bodies), answers at once."""
    import socket
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((args.host, args.port))
    server.listen(64)

    def serve(conn):
        with conn, conn.makefile("rb", buffering=1 << 20) as f:
            while True:
                request = f.readline()
                if not request:
                    return
                length = 0
                while True:
                    header = f.readline()
                    if header in (b"\r\n", b"\n", b""):
                        break
                    if header.lower().startswith(b"content-length:"):
                        length = int(header.split(b":", 1)[1])
                while length > 0:
                    chunk = f.read(min(length, 1 << 20))
                    if not chunk:
                        return
                    length -= len(chunk)
                if request.startswith(b"POST /query"):
                    body = b'{"results":[{"statement_id":0}]}'
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                else:
                    conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")

    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ping", help="wait until GET /ping answers 204")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--timeout", type=float, default=60.0)
    p.set_defaults(func=ping)

    w = sub.add_parser("write", help="send a line-protocol file over HTTP /write")
    w.add_argument("file")
    w.add_argument("--host", default="127.0.0.1")
    w.add_argument("--port", type=int, required=True)
    w.add_argument("--db", default="bench")
    w.add_argument("--precision", default="ns", choices=["ns", "u", "ms", "s"])
    w.add_argument("--batch-lines", type=int, default=5000)
    w.add_argument("--clients", type=int, default=3)
    w.add_argument("--values-per-line", type=int, default=0,
                   help="field values per line (default: every line's fields counted)")
    w.add_argument("--summary", help="also write the results as JSON to this file")
    w.add_argument("--auth", default="", metavar="USER:PASSWORD",
                   help="send HTTP Basic credentials (creating USER as the first admin if none exists)")
    w.add_argument("--no-create", action="store_true",
                   help="skip CREATE DATABASE (for servers without /query, such as VictoriaMetrics)")
    w.set_defaults(func=write)

    k = sub.add_parser("sink", help="a null server answering every write 204 at once (measures the sender)")
    k.add_argument("--host", default="127.0.0.1")
    k.add_argument("--port", type=int, required=True)
    k.set_defaults(func=sink)

    args = parser.parse_args()
    if getattr(args, "batch_lines", 1) < 1 or getattr(args, "clients", 1) < 1:
        parser.error("--batch-lines and --clients must be at least 1")
    sys.exit(args.func(args))


if __name__ == "__main__":
    main()

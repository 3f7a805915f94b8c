#!/usr/bin/env python3
"""Alternates `live.py`'s six InfluxQL queries between two Chargeline servers (A and B), N
runs each, A first on even runs and B first on odd ones; prints the medians and minimums of
each and the ratios B/A as a Markdown table (standard library only). Used by ab.sh."""
import argparse
import http.client
import os
import statistics
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import live  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port-a", type=int, required=True)
    p.add_argument("--port-b", type=int, required=True)
    p.add_argument("--db", default="bench")
    p.add_argument("--pile", required=True)
    p.add_argument("--runs", type=int, default=21)
    args = p.parse_args()
    ports = (args.port_a, args.port_b)
    conns = {port: http.client.HTTPConnection("127.0.0.1", port, timeout=600) for port in ports}
    queries = live.influxql(args.pile)
    print("| query | A median (min) | B median (min) | B/A median (min) |")
    print("|---|---:|---:|---:|")
    for name in live.NAMES:
        times = {port: [] for port in ports}
        path = "/query?" + urllib.parse.urlencode({"db": args.db, "q": queries[name]})
        for i in range(args.runs):
            for port in (ports if i % 2 == 0 else ports[::-1]):
                status, body, ms = live.get(conns[port], path)
                if status != 200:
                    sys.exit(f"ab.py: HTTP {status} from port {port} to {name!r}: {body[:300]!r}")
                times[port].append(ms)
        a, b = times[args.port_a], times[args.port_b]
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"| {name} | {ma:.1f} ({min(a):.1f}) ms | {mb:.1f} ({min(b):.1f}) ms | "
              f"{mb / ma:.2f}x ({min(b) / min(a):.2f}x) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

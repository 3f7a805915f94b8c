#!/usr/bin/env python3
"""Times the six operations queries against a live Chargeline and a live VictoriaMetrics
(standard library only). Used by Benchmarks/live/run.sh.

  live.py time --target chargeline --port P --db NAME --pile P000101 [--repeat 5] --out OUT.json
  live.py time --target vm --port P --pile P000101 [--repeat 5] --out OUT.json
      Runs each query --repeat times in a row over one keep-alive connection, timing each from
      the request to the last byte of the answer, and writes {"query name": [ms, ...]}. Every
      answer must be HTTP 200 and hold data (a query that answers nothing measures nothing).
      Queries are relative to the wall clock at each run, as a dashboard's are.

  live.py both --port P --vm-port Q --db NAME --pile P000101 [--repeat 5] --out A.json --vm-out B.json
      The same against both servers at once, interleaved: each run of a query asks one server
      and then the other (Chargeline first on even runs, VictoriaMetrics first on odd ones), so
      whatever either server does in the background after its ingest (VictoriaMetrics merging
      the parts `force_flush` wrote, Chargeline's rollups and flushes) falls on both servers'
      answers alike instead of on whichever is asked first.

  live.py table --live A.json --restarted B.json --vm C.json --ingest-chargeline D.json
                --ingest-vm E.json [--ingest-sink F.json]
      Prints the medians as a Markdown table with the ratios live/VM and live/restarted, and
      the ingest rate of each (load.py's summaries) with their ratio.

The InfluxQL is the shipped library's (Queries/*.influxql) at the scale of the data set; the
MetricsQL asks VictoriaMetrics the same question over the same window (its InfluxDB line
protocol import names each field `telemetry_<field>` and keeps the tags as labels).
"""

import argparse
import http.client
import json
import statistics
import sys
import time
import urllib.parse

NAMES = [
    "one pile's hourly mean/max of V, I, T",
    "last value of every field of every gun",
    "hourly max temperature per pile",
    "piles over 85 °C in the last hour",
    "daily energy per station",
    "silent piles",
]


def influxql(pile):
    """Name -> InfluxQL (relative to now(), the server's wall clock)."""
    return dict(zip(NAMES, [
        f"SELECT mean(voltage), max(voltage), mean(current), max(current), mean(temperature), "
        f"max(temperature) FROM telemetry WHERE pile = '{pile}' AND time >= now() - 1d "
        f"GROUP BY time(1h) fill(none)",
        "SELECT latest(*) FROM telemetry GROUP BY station, pile, gun",
        "SELECT max(temperature) FROM telemetry WHERE time >= now() - 1d GROUP BY time(1h), pile fill(none)",
        "SELECT max(temperature) FROM telemetry WHERE time > now() - 1h AND temperature > 85 GROUP BY pile, gun",
        "SELECT sum(kwh) AS kwh FROM (SELECT spread(energy) AS kwh FROM telemetry WHERE time >= now() - 1d "
        "GROUP BY station, pile, gun) GROUP BY station",
        "SHOW SILENT SERIES FROM telemetry FOR 10m GROUP BY station, pile",
    ]))


def metricsql(pile):
    """Name -> (endpoint, extra parameters, query); range queries cover the last day in 1 h
    steps, instant ones are evaluated now."""
    sel = f'{{pile="{pile}"}}'
    per_pile = ", ".join(
        f'label_set({agg}(({fn}(telemetry_{field}{sel}[1h]))), "stat", "{agg}_{field}")'
        for field in ("voltage", "current", "temperature")
        for agg, fn in (("avg", "avg_over_time"), ("max", "max_over_time")))
    rng = "/api/v1/query_range"
    inst = "/api/v1/query"
    return dict(zip(NAMES, [
        (rng, {"step": "1h"}, f"union({per_pile})"),
        (inst, {}, 'last_over_time({__name__=~"telemetry_.*"}[1d])'),
        (rng, {"step": "1h"}, "max by (pile) (max_over_time(telemetry_temperature[1h]))"),
        (inst, {}, "max_over_time(telemetry_temperature[1h]) > 85"),
        (inst, {}, "sum by (station) (max_over_time(telemetry_energy[1d]) - min_over_time(telemetry_energy[1d]))"),
        (inst, {}, 'time() - max by (station, pile) (tlast_over_time({__name__=~"telemetry_.*"}[1d])) > 600'),
    ]))


def get(conn, path):
    t0 = time.perf_counter()
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    ms = (time.perf_counter() - t0) * 1000
    return resp.status, body, ms


def has_data(target, body):
    doc = json.loads(body)
    if target == "vm":
        return doc.get("status") == "success", len(doc.get("data", {}).get("result", []))
    results = doc.get("results", [])
    ok = bool(results) and "error" not in results[0]
    return ok, sum(len(s.get("values", [])) for r in results for s in r.get("series", []))


def ask(conn, target, name, args):
    """One timed run of query `name` against `target`; exits on a failed answer."""
    if target == "vm":
        endpoint, extra, q = metricsql(args.pile)[name]
        now = time.time()
        params = {"query": q, "time": f"{now:.3f}"}
        if endpoint.endswith("query_range"):
            params = {"query": q, "start": f"{now - 86400:.3f}", "end": f"{now:.3f}", **extra}
        path = endpoint + "?" + urllib.parse.urlencode(params)
    else:
        path = "/query?" + urllib.parse.urlencode({"db": args.db, "q": influxql(args.pile)[name]})
    status, body, ms = get(conn, path)
    if status != 200:
        sys.exit(f"live.py: {target} answered HTTP {status} to {name!r}: {body[:400]!r}")
    ok, rows = has_data(target, body)
    if not ok:
        sys.exit(f"live.py: {target} failed {name!r}: {body[:400]!r}")
    return ms, rows


def report(target, name, runs, rows):
    print(f"  {target:10} {name:42} median {statistics.median(runs):8.1f} ms "
          f"(runs {', '.join(f'{r:.1f}' for r in runs)}; {rows} rows)", file=sys.stderr)


def time_queries(args):
    conn = http.client.HTTPConnection(args.host, args.port, timeout=600)
    out = {}
    for name in NAMES:
        runs = []
        for _ in range(args.repeat):
            ms, rows = ask(conn, args.target, name, args)
            runs.append(ms)
        out[name] = runs
        report(args.target, name, runs, rows)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=2)
    return 0


def time_both(args):
    conns = {"chargeline": http.client.HTTPConnection(args.host, args.port, timeout=600),
             "vm": http.client.HTTPConnection(args.host, args.vm_port, timeout=600)}
    out = {"chargeline": {}, "vm": {}}
    for name in NAMES:
        runs = {"chargeline": [], "vm": []}
        rows = {}
        for i in range(args.repeat):
            for target in (("chargeline", "vm") if i % 2 == 0 else ("vm", "chargeline")):
                ms, rows[target] = ask(conns[target], target, name, args)
                runs[target].append(ms)
        for target in ("chargeline", "vm"):
            out[target][name] = runs[target]
            report(target, name, runs[target], rows[target])
    for target, path in (("chargeline", args.out), ("vm", args.vm_out)):
        with open(path, "w") as f:
            json.dump(out[target], f, indent=2)
    return 0


def fmt(ms):
    return f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


def table(args):
    live, restarted, vm = (json.load(open(p)) for p in (args.live, args.restarted, args.vm))
    print("| query | live serve | same data after a restart | VictoriaMetrics, live | live / VM | live / restarted |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in NAMES:
        a, b, c = (statistics.median(d[name]) for d in (live, restarted, vm))
        print(f"| {name} | {fmt(a)} | {fmt(b)} | {fmt(c)} | {a / c:.2f}x | {a / b:.2f}x |")
    ic, iv = (json.load(open(p)) for p in (args.ingest_chargeline, args.ingest_vm))
    print()
    print(f"ingest (values/s, {ic['clients']} sender(s), {ic['lines']} lines, {ic['values']} values): "
          f"Chargeline {ic['valuesPerSecond']:,.0f} ({ic['seconds']:.2f} s, durable), "
          f"VictoriaMetrics {iv['valuesPerSecond']:,.0f} ({iv['seconds']:.2f} s); "
          f"Chargeline / VM = {ic['valuesPerSecond'] / iv['valuesPerSecond']:.2f}x")
    if args.ingest_sink:
        sk = json.load(open(args.ingest_sink))
        print(f"sender ceiling (the same load.py run against `load.py sink`, which stores nothing): "
              f"{sk['valuesPerSecond']:,.0f} values/s ({sk['seconds']:.2f} s)")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("time")
    t.add_argument("--target", choices=["chargeline", "vm"], required=True)
    t.add_argument("--host", default="127.0.0.1")
    t.add_argument("--port", type=int, required=True)
    t.add_argument("--db", default="bench")
    t.add_argument("--pile", required=True)
    t.add_argument("--repeat", type=int, default=5)
    t.add_argument("--out", required=True)
    t.set_defaults(func=time_queries)
    b = sub.add_parser("both")
    b.add_argument("--host", default="127.0.0.1")
    b.add_argument("--port", type=int, required=True, help="Chargeline's HTTP port")
    b.add_argument("--vm-port", type=int, required=True)
    b.add_argument("--db", default="bench")
    b.add_argument("--pile", required=True)
    b.add_argument("--repeat", type=int, default=5)
    b.add_argument("--out", required=True, help="Chargeline's runs")
    b.add_argument("--vm-out", required=True)
    b.set_defaults(func=time_both)
    s = sub.add_parser("table")
    for name in ("live", "restarted", "vm", "ingest-chargeline", "ingest-vm"):
        s.add_argument("--" + name, required=True)
    s.add_argument("--ingest-sink", help="load.py's summary against `load.py sink` (the sender's ceiling)")
    s.set_defaults(func=table)
    args = parser.parse_args()
    sys.exit(args.func(args))


if __name__ == "__main__":
    main()

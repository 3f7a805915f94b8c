#!/usr/bin/env python3
"""How many bytes hourly rollups must take at least, from the information they carry.

    Benchmarks/rollup/entropy.py DATA.lp [RAW_BYTES]

Reads the generated telemetry (line protocol as chargeline-datagen writes it: one series per
gun, fields printed with fixed decimals, millisecond timestamps), computes every rollup
aggregate per (series, hour) exactly in integers (values in their printed decimal unit, times
in ms), and estimates the entropy of each aggregate *given good predictors* from the
aggregates already known (the previous hour's row, the other aggregates of the same row):

    count            vs 360                           first_time   vs previous last_time + 10 s
    last_time        vs bucket end - 10 s             first        vs previous hour's last
    last             vs first                         min / max    vs min / max(first, last)
    sum              vs count * (first + last) / 2    integral     vs 10 s holds, the last held to the end
    increase         vs last - first

Entropy is estimated per aggregate over all (series, hour) rows as the order-0 entropy of the
residuals, binned so that each bin holds ~10 samples on average plus log2(bin width) (the
plug-in entropy of a few thousand distinct values would saturate at log2(rows)). This is
what an ideal adaptive order-0 coder of these residuals would need: an estimate, not a
proof, but any scheme that stores the aggregates exactly needs about this much unless it
finds structure these predictors miss. With RAW_BYTES, prints the share of the raw bytes.
"""
import math, sys
from collections import Counter, defaultdict

HOUR = 3_600_000  # ms

def parse(path):
    series = defaultdict(list)
    scales = {}
    with open(path) as f:
        for line in f:
            key, fields, ts = line.rstrip("\n").rsplit(" ", 2)
            t = int(ts) // 1_000_000
            vals = {}
            for kv in fields.split(","):
                k, v = kv.split("=")
                if v.endswith("i"):
                    vals[k] = int(v[:-1]); scales[k] = 0
                else:
                    whole, _, frac = v.partition(".")
                    scales[k] = len(frac)
                    vals[k] = int(whole + frac)
            series[key].append((t, vals))
    return series, scales

def rollups(points, fields):
    """Rows per hour: shared count/times and per field the exact aggregates."""
    rows = {}
    n = len(points)
    i = 0
    while i < n:
        start = points[i][0] // HOUR * HOUR
        j = i
        while j < n and points[j][0] < start + HOUR:
            j += 1
        row = {"count": j - i, "first_time": points[i][0] - start, "last_time": points[j - 1][0] - start}
        prev = i - 1 if i > 0 and points[i - 1][0] >= start - HOUR else None
        for fld in fields:
            vs = [points[k][1][fld] for k in range(i, j)]
            integral = 0
            if prev is not None:
                integral += points[prev][1][fld] * (points[i][0] - start)
            inc = 0
            for k in range(i, j):
                hold = (points[k + 1][0] if k + 1 < j else start + HOUR) - points[k][0]
                integral += points[k][1][fld] * hold
                a = points[k - 1][1][fld] if k > i else (points[prev][1][fld] if prev is not None else None)
                if a is not None:
                    inc += vs[k - i] - a if vs[k - i] >= a else vs[k - i]
            row[fld] = dict(sum=sum(vs), min=min(vs), max=max(vs), first=vs[0], last=vs[-1], integral=integral,
                            increase=inc, covered=(start + HOUR - (start if prev is not None else points[i][0])))
        rows[start] = row
        i = j
    return rows

def entropy_bits(residuals):
    n = len(residuals)
    if n == 0:
        return 0.0
    distinct = len(set(residuals))
    w = 1
    while distinct > n / 10 and w < 1 << 62:
        w *= 2
        distinct = len(set(r // w for r in residuals))
    c = Counter(r // w for r in residuals)
    h = -sum(k / n * math.log2(k / n) for k in c.values())
    return h + math.log2(w)

def main():
    series, scales = parse(sys.argv[1])
    raw_bytes = int(sys.argv[2]) if len(sys.argv) > 2 else None
    fields = sorted(scales)
    res = defaultdict(list)
    nrows = 0
    for key, pts in series.items():
        pts.sort(key=lambda p: p[0])
        rows = rollups(pts, fields)
        prev = None
        for start in sorted(rows):
            r = rows[start]
            nrows += 1
            res["count"].append(r["count"] - 360)
            pl = prev["last_time"] - HOUR if prev and start - HOUR in rows else None
            res["first_time"].append(r["first_time"] - (pl + 10_000 if pl is not None else 0))
            res["last_time"].append(r["last_time"] - (HOUR - 10_000))
            for f in fields:
                a = r[f]
                p = prev[f] if prev else None
                res[f + ".first"].append(a["first"] - (p["last"] if p else 0))
                res[f + ".last"].append(a["last"] - a["first"])
                res[f + ".min"].append(a["min"] - min(a["first"], a["last"]))
                res[f + ".max"].append(a["max"] - max(a["first"], a["last"]))
                res[f + ".sum"].append(2 * a["sum"] - r["count"] * (a["first"] + a["last"]))
                # integral (unit x ms): every sample held 10 s, except that the last one is
                # held to the bucket end and the previous hour's last value covers the
                # stretch before the first sample (when that row exists).
                guess = 10_000 * (a["sum"] - a["last"]) + a["last"] * (HOUR - r["last_time"])
                if p and a["covered"] == HOUR:
                    guess += p["last"] * r["first_time"]
                res[f + ".integral"].append(a["integral"] - guess)
                if f == "energy":
                    res[f + ".increase"].append(a["increase"] - (a["last"] - a["first"]))
            prev = r
    total = 0.0
    print(f"{nrows} (series, hour) rows, fields {fields} (decimal digits {[scales[f] for f in fields]})")
    print(f"{'aggregate':24s} {'bits/row':>9s}")
    per_agg = defaultdict(float)
    for k in sorted(res):
        h = entropy_bits(res[k])
        total += h
        per_agg[k.split(".")[-1]] += h
        print(f"{k:24s} {h:9.2f}")
    print("per aggregate over all fields:", ", ".join(f"{k} {v / 8:.1f} B" for k, v in sorted(per_agg.items())))
    per_row = total / 8
    print(f"estimated information: {total:.1f} bits = {per_row:.1f} bytes per (series, hour) row; "
          f"{per_row * nrows:.0f} bytes for {nrows} rows")
    if raw_bytes:
        print(f"= {100 * per_row * nrows / raw_bytes:.2f}% of the raw {raw_bytes} bytes (1% = {raw_bytes / 100 / nrows:.1f} bytes per row)")

main()

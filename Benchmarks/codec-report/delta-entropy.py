#!/usr/bin/env python3
"""The order-0 empirical entropy of per-series deltas, in bytes per field value.

    Benchmarks/codec-report/delta-entropy.py DATA.lp

Issue 3 quotes this figure for its 24 h x 2,000 guns telemetry ("about 0.29 bytes/value: a
floor for delta-based codecs"). This computes it for line protocol as chargeline-datagen writes
it, so the data a size figure was measured on can be compared with the data the target was
set on:

- every series is one gun (the line's measurement and tags); rows in time order per series;
- each field value is taken as an integer in its printed decimal unit (401.2 -> 4012, 57i -> 57),
  timestamps in milliseconds;
- per field (and for the timestamps), the deltas between consecutive rows of the same series
  are pooled over all series, and their order-0 entropy H = -sum p log2 p is taken;
- the total is sum over columns of H x number of deltas, timestamps included, divided by the
  number of field values, in bytes.

A delta coder with an ideal adaptive order-0 entropy stage stores about this much; codecs that
predict better than "the previous value" (or model the jitter) store less. It is not a bound
on every codec, only the yardstick the issue uses.

Figures (200 guns x 24 h at 10 s, seed 1; the per-value figure does not depend on the gun
count):
    chargeline-datagen --guns 200 --duration 24h                      (±1 s jitter, whole ms)  0.496
    chargeline-datagen --guns 200 --duration 24h --jitter-unit 1s     (±1 s, whole seconds)    0.326
    chargeline-datagen --guns 200 --duration 24h --jitter 0s          (no jitter)              0.290
"""
import math
import sys
from collections import Counter, defaultdict


def main(path):
    last = {}
    counts = defaultdict(Counter)
    values = 0
    for line in open(path):
        parts = line.rstrip("\n").split(" ")
        if len(parts) != 3 or line.startswith("#"):
            continue
        key, fields, stamp = parts
        t = int(stamp) // 1_000_000
        row = {}
        for kv in fields.split(","):
            name, text = kv.split("=", 1)
            row[name] = int(text[:-1]) if text.endswith("i") else int(text.replace(".", ""))
        values += len(row)
        prev = last.get(key)
        if prev is not None:
            pt, pv = prev
            counts["(timestamps)"][t - pt] += 1
            for name, v in row.items():
                if name in pv:
                    counts[name][v - pv[name]] += 1
        last[key] = (t, row)
    total_bits = 0.0
    print(f"{'column':<14} {'deltas':>10} {'bits/delta':>10}")
    for name, c in counts.items():
        n = sum(c.values())
        h = -sum(k / n * math.log2(k / n) for k in c.values())
        total_bits += h * n
        print(f"{name:<14} {n:>10} {h:>10.3f}")
    print(f"series {len(last)}, field values {values}: {total_bits / 8 / values:.3f} bytes/value")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

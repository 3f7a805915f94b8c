#!/usr/bin/env python3
"""Compares what Chargeline stored with the line-protocol file that was sent, value by value.

    verify.py TELEMETRY.lp READBACK.csv

TELEMETRY.lp is chargeline-datagen output (measurement telemetry, tags station/pile/gun,
ns timestamps); READBACK.csv is `chargeline query --format csv --epoch ns "SELECT * FROM
telemetry"` (columns name, tags, time, then fields and tags by name). Floats must match exactly (same binary64 after parsing both texts), integers
exactly; every sent row must be present once and nothing else. Malformed lines in the file
(--bad-every) are skipped, as the server rejected them. Exit 1 on any difference.
"""
import csv
import sys


def parse_lp(path):
    expected = {}
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode().rstrip("\n")
            try:
                series, fields, ts = line.split(" ")
                parts = series.split(",")
                if parts[0] != "telemetry":
                    continue
                tags = dict(p.split("=", 1) for p in parts[1:])
                values = {}
                for kv in fields.split(","):
                    k, v = kv.split("=", 1)
                    values[k] = int(v[:-1]) if v.endswith("i") else float(v)
                expected[(tags["station"], tags["pile"], tags["gun"], int(ts))] = values
            except (ValueError, KeyError):
                continue  # a malformed line the server rejected
    return expected


def main():
    lp_path, csv_path = sys.argv[1:3]
    expected = parse_lp(lp_path)
    seen = 0
    problems = []
    with open(csv_path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        col = {name: i for i, name in enumerate(header)}
        for row in reader:
            key = (row[col["station"]], row[col["pile"]], row[col["gun"]], int(row[col["time"]]))
            want = expected.pop(key, None)
            if want is None:
                problems.append(f"unexpected row {key}")
                continue
            seen += 1
            for name, value in want.items():
                got = row[col[name]] if name in col else ""
                ok = got != "" and ((int(got) == value) if isinstance(value, int) else (float(got) == value))
                if not ok:
                    problems.append(f"{key} {name}: sent {value!r}, read back {got!r}")
            if len(problems) > 20:
                break
    for key in list(expected)[:10]:
        problems.append(f"missing row {key}")
    missing = len(expected)
    if problems or missing:
        for p in problems[:20]:
            print("verify:", p, file=sys.stderr)
        print(f"verify: FAILED: {seen} rows matched, {missing} missing, {len(problems)} problems", file=sys.stderr)
        sys.exit(1)
    print(f"verify: all {seen} rows and their values read back unchanged")


if __name__ == "__main__":
    main()

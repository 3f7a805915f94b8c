#!/usr/bin/env python3
"""Compatibility check: drive a Chargeline server with the stock InfluxDB 1.x Python client.

    pip install influxdb
    python3 Tools/influx-client-check.py --host 127.0.0.1 --port 8086 --db clientcheck

Checks, in order (exit status 1 at the first failure, with the reason):
  1. InfluxDBClient(host, port, database=db).ping() answers (GET /ping; a missing
     X-Influxdb-Version header, which makes ping() raise KeyError, is reported as a warning).
  2. create_database(db) succeeds (POST /query q=CREATE DATABASE "db").
  3. get_list_database() lists db (SHOW DATABASES), if the server answers it.
  4. write_points() of --points points (JSON body form; tags station/pile/gun; float fields
     voltage/current/temperature/energy/power and integer fields soc/status) with
     time_precision='ms' and batch_size=5000 raises nothing (each batch must get 204).
  5. client.write() of raw line protocol with one malformed line (line 3) raises
     InfluxDBClientError with code 400 and an error that names "line 3"; the good lines of
     that batch are expected to be stored (partial write), but reading back is not checked
     because the server's /query does not answer SELECT yet.
Prints OK on success.
"""

import argparse
import re
import sys

try:
    from influxdb import InfluxDBClient
    from influxdb.exceptions import InfluxDBClientError, InfluxDBServerError
except ImportError:
    sys.exit("influx-client-check: the 'influxdb' Python package (InfluxDB 1.x client) is not "
             "installed.\nInstall it with:  python3 -m pip install influxdb")

# 2026-11-20T00:00:00Z in milliseconds: the generator's default start.
START_MS = 1_795_132_800_000


def fail(message):
    sys.exit(f"influx-client-check: FAILED: {message}")


def make_points(count):
    """`count` deterministic points: 10 s apart per gun, 2 guns per pile, 10 piles per station."""
    guns = 20
    points = []
    for i in range(count):
        gun_index, sample = i % guns, i // guns
        charging = (gun_index + sample // 30) % 3 != 0
        current = round(120.0 + (gun_index * 7 % 50), 1) if charging else 0.0
        voltage = round(380.0 + sample * 0.1, 1) if charging else 400.0
        points.append({
            "measurement": "telemetry",
            "tags": {
                "station": f"S{gun_index // 20 + 1:04d}",
                "pile": f"P{gun_index // 2 + 1:06d}",
                "gun": str(gun_index % 2 + 1),
            },
            "time": START_MS + sample * 10_000 + gun_index,
            "fields": {
                "voltage": voltage,
                "current": current,
                "temperature": round(25.0 + current / 10.0, 1),
                "soc": min(100, 20 + sample // 6),           # int -> written as 20i
                "energy": round(1000.0 + sample * 0.35, 3),
                "power": round(voltage * current / 1000.0, 2),
                "status": 3 if charging else 2,               # int -> written as 3i
            },
        })
    return points


def main():
    parser = argparse.ArgumentParser(description="Check a Chargeline server with the InfluxDB 1.x Python client.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8086)
    parser.add_argument("--db", default="clientcheck")
    parser.add_argument("--points", type=int, default=12_000,
                        help="points for write_points (sent in batches of 5000)")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()

    client = InfluxDBClient(host=args.host, port=args.port, database=args.db, timeout=args.timeout)
    where = f"http://{args.host}:{args.port}"

    # 1. ping. influxdb-python's ping() returns the X-Influxdb-Version header and raises
    #    KeyError when it is missing; Grafana and Telegraf read that header too.
    warnings = []
    try:
        version = client.ping()
    except KeyError:
        warnings.append("GET /ping answered 204 without an X-Influxdb-Version header; "
                        "client.ping() raises KeyError (send e.g. 'X-Influxdb-Version: 1.8.10')")
        print("ping: 204 but no X-Influxdb-Version header (warning)")
    except Exception as e:  # connection refused, timeout, non-204
        fail(f"GET {where}/ping: {type(e).__name__}: {e} "
             f"(is `chargeline serve --http {args.host}:{args.port}` running?)")
    else:
        print(f"ping: ok (X-Influxdb-Version: {version!r})")

    # 2. create_database
    try:
        client.create_database(args.db)
    except (InfluxDBClientError, InfluxDBServerError) as e:
        fail(f"create_database({args.db!r}): {e}")
    print(f"create_database({args.db!r}): ok")

    # 3. SHOW DATABASES (informational unless it answers without our database)
    try:
        names = [d.get("name") for d in client.get_list_database()]
    except (InfluxDBClientError, InfluxDBServerError) as e:
        print(f"get_list_database: not answered ({e}); skipped")
    else:
        if args.db not in names:
            fail(f"SHOW DATABASES returned {names}, without {args.db!r}")
        print(f"get_list_database: ok ({len(names)} databases)")

    # 4. write_points, JSON body form, ms precision, batches of 5000
    points = make_points(args.points)
    try:
        ok = client.write_points(points, time_precision="ms", batch_size=5000)
    except (InfluxDBClientError, InfluxDBServerError) as e:
        fail(f"write_points of {len(points)} points: {e}")
    if ok is not True:
        fail(f"write_points returned {ok!r}")
    print(f"write_points: ok ({len(points)} points, {len(points) * 7} values, "
          f"{(len(points) + 4999) // 5000} requests)")

    # 5. a raw line-protocol batch with a malformed third line
    ts = (START_MS + 3_600_000) * 1_000_000  # ns; the default precision of client.write
    lines = [
        f"telemetry,station=S0001,pile=P000001,gun=1 voltage=401.2,current=120.5,soc=40i,status=3i {ts}",
        f"telemetry,station=S0001,pile=P000001,gun=2 voltage=400.0,current=0.0,soc=0i,status=2i {ts}",
        f"telemetry,station=S0001,pile=P000002,gun=1 voltage=4O1.2,current=0.0,status=2i {ts}",
        f"telemetry,station=S0001,pile=P000002,gun=2 voltage=399.8,current=0.0,soc=0i,status=2i {ts}",
    ]
    try:
        client.write(lines, params={"db": args.db}, protocol="line")
    except InfluxDBClientError as e:
        message = e.content if isinstance(e.content, str) else str(e)
        if e.code != 400:
            fail(f"malformed batch: expected HTTP 400, got {e.code}: {message}")
        named = sorted({int(n) for n in re.findall(r"\bline (\d+)", message)})
        if named != [3]:
            fail(f"malformed batch: the 400 error should name line 3 (and only it), names {named}: {message}")
        print(f"malformed line: ok (400: {message.strip()[:160]})")
    except InfluxDBServerError as e:
        fail(f"malformed batch: expected HTTP 400, got a server error: {e}")
    else:
        fail("malformed batch: the server accepted a batch with a malformed line 3 (expected HTTP 400)")

    for w in warnings:
        print(f"warning: {w}")
    print("OK" if not warnings else f"OK ({len(warnings)} warning{'s' if len(warnings) > 1 else ''})")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes Queries/fixture.lp: 8 guns (2 stations x 2 piles x 2 guns), 2 h of 30 s telemetry
from 2026-11-20T00:00:00Z, with one planted fault of each kind the query library finds, and
the `pile_state` points the YKC front-end writes for them (docs/schema.md) plus four piles of
station S0003 that never send telemetry: P000005 is in the registry but never connects,
P000006 logs in, misses its heartbeats and logs in again every 2 minutes, P000007 logs in and
sends only heartbeats, P000008 logs in once and goes quiet (timed out 30 s later).
Deterministic (no randomness): rerunning gives the same bytes."""
T0 = 1795132800  # 2026-11-20T00:00:00Z
STEP = 30
guns = [("S0001", "P000001", 1), ("S0001", "P000001", 2), ("S0001", "P000002", 1), ("S0001", "P000002", 2),
        ("S0002", "P000003", 1), ("S0002", "P000003", 2), ("S0002", "P000004", 1), ("S0002", "P000004", 2)]
lines = []
for k in range(240):
    t = k * STEP
    m = t / 60
    for g, (station, pile, gun) in enumerate(guns):
        if pile == "P000003" and m >= 80:
            continue  # silent pile: stops reporting at 01:20
        charging = (int(m) // 20 + g) % 3 != 0
        status = 3 if charging else 2
        voltage = 400.0 + (g % 3) + (k % 5) * 0.1
        current = 100.0 + 10 * g + (k % 4) if charging else 0.0
        temperature = 30.0 + g + (k % 10) * 0.5 + (10 if charging else 0)
        if (pile, gun) == ("P000001", 1) and 30 <= m < 45:
            temperature = 86.0 + (m - 30) / 2       # overheating 15 min
            status, current = 3, 150.0
        if (pile, gun) == ("P000002", 2) and 60 <= m < 62:
            voltage = 320.0 + (m - 60) * 5          # voltage sag 2 min
        if (pile, gun) == ("P000002", 1) and 10 <= m < 25:
            status, current = 3, 0.0                # charging but no current
        if (pile, gun) == ("P000004", 1):
            temperature = 42.0                      # stuck sensor
        if (pile, gun) == ("P000004", 2) and 90 <= m < 95:
            status, current = 3, 280.0              # above a 250 A rating
        power = round(voltage * current / 1000, 2)
        energy = round(1000 * (g + 1) + 0.05 * k * (g + 1), 3)
        lines.append(f"telemetry,station={station},pile={pile},gun={gun} voltage={voltage:.1f},current={current:.1f},"
                     f"temperature={temperature:.1f},energy={energy},power={power},status={status}i {(T0 + t) * 10**9}")

# pile_state, as the YKC front-end samples it: registry baselines at start, logins, telemetry
# and heartbeat activity at most once a minute (the last one stamped with the last frame),
# gun status transitions, disconnects.
def state(station, pile, fields, t, gun=None):
    tags = f"pile={pile},station={station}" + (f",gun={gun}" if gun else "")
    lines.append(f"pile_state,{tags} {fields} {t * 10**9}")

piles = [("S0001", "P000001"), ("S0001", "P000002"), ("S0002", "P000003"), ("S0002", "P000004"),
         ("S0003", "P000005"), ("S0003", "P000006"), ("S0003", "P000007"), ("S0003", "P000008")]
for station, pile in piles:
    state(station, pile, 'event="registered",telemetry=0i', T0)
for station, pile in piles[:4]:
    state(station, pile, 'connected=1i,event="login"', T0 + 1)
    last = 7170 if pile != "P000003" else 80 * 60 - 30
    for t in range(30, last + 1, 60):  # the last sample is the last frame (01:59:30; 01:19:30)
        state(station, pile, f"telemetry={4 if t > 30 else 2}i", T0 + t)  # 2 guns x one 0x13 every 30 s
    for t in range(10, 7200, 60):
        state(station, pile, f"heartbeats={1 if t == 10 else 6}i", T0 + t)
    for g, (s2, p2, gun) in enumerate(guns):
        if p2 != pile:
            continue
        previous = None
        for k in range(240):
            m = k * STEP / 60
            if pile == "P000003" and m >= 80:
                break
            status = 3 if (int(m) // 20 + g) % 3 != 0 else 2
            if (pile, gun) == ("P000001", 1) and 30 <= m < 45: status = 3
            if (pile, gun) == ("P000002", 1) and 10 <= m < 25: status = 3
            if (pile, gun) == ("P000004", 2) and 90 <= m < 95: status = 3
            if status != previous:
                state(station, pile, f"status={status}i", T0 + k * STEP, gun=gun)
                previous = status
for t in range(120, 7200, 120):  # P000006: logs in, one heartbeat, times out, again
    state("S0003", "P000006", 'connected=1i,event="login"', T0 + t)
    state("S0003", "P000006", "heartbeats=1i", T0 + t + 1)
    state("S0003", "P000006", 'connected=0i,event="timeout"', T0 + t + 40)
state("S0003", "P000007", 'connected=1i,event="login"', T0 + 1800)
for t in range(1801, 7200, 60):
    state("S0003", "P000007", f"heartbeats={1 if t == 1801 else 6}i", T0 + t)
state("S0003", "P000008", 'connected=1i,event="login"', T0 + 600)
state("S0003", "P000008", 'connected=0i,event="timeout"', T0 + 630)
open(__file__.rsplit("/", 1)[0] + "/fixture.lp", "w").write("\n".join(lines) + "\n")

#!/usr/bin/env python3
"""Writes Queries/fixture.lp: 8 guns (2 stations x 2 piles x 2 guns), 2 h of 30 s telemetry
from 2026-11-20T00:00:00Z, with one planted fault of each kind the query library finds.
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
open(__file__.rsplit("/", 1)[0] + "/fixture.lp", "w").write("\n".join(lines) + "\n")

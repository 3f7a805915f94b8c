#!/usr/bin/env python3
"""Chargeline's alerting against a real Alertmanager (Debian's prometheus-alertmanager).

Starts Alertmanager and `chargeline serve --rules ... --alertmanager ...` on 127.0.0.1, writes
telemetry over /write at wall-clock times, and checks:
  firing      fixture data crossing 85 °C reaches Alertmanager with the right labels
  for         pending -> firing respects `for` (pending first, nothing in Alertmanager before `for`)
  restart     a restart keeps the firing alert firing (same activeAt, one firing row in history)
  resolved    cooled down, the alert resolves: history says so and Alertmanager drops it
  late        a late upload of an hour-old overheating yields exactly one late alert, for a
              rule grouping by episode() and for a plain threshold rule (re-evaluated past)
  late without crossing   a late upload that stays under the threshold yields none
  late restart            after a restart, the same buffer sent again is not reported again
  broken      a broken rules file (SIGHUP) is refused with file:line; the old rules keep running
  changed     a fixed file is picked up without a signal (the file is watched)
Prints the threshold-to-Alertmanager latency. Usage: check.py --chargeline PATH [--keep]
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklib import free_port  # noqa: E402

FOR_SECONDS = 4
INTERVAL = "1s"
RULES = f"""groups:
  - name: check
    interval: {INTERVAL}
    rules:
      - alert: GunOverheating
        expr: SELECT max(temperature) FROM telemetry WHERE time > now() - 5s AND time <= now() GROUP BY station, pile, gun HAVING max > 85
        for: {FOR_SECONDS}s
        labels: {{severity: critical}}
        annotations:
          summary: "gun {{{{ $labels.gun }}}} of pile {{{{ $labels.pile }}}} at {{{{ $value }}}} °C"
      - alert: GunOverheatingEpisode
        expr: SELECT max(temperature) FROM telemetry WHERE time > now() - 3h AND time <= now() GROUP BY station, pile, gun, episode(temperature > 85, 2m)
        labels: {{severity: warning}}
"""
EXTRA = """      - alert: GunCold
        expr: SELECT min(temperature) FROM telemetry WHERE time > now() - 5s AND time <= now() GROUP BY station, pile, gun HAVING min < -30
"""
BROKEN = RULES.replace("GROUP BY station, pile, gun HAVING", "GROUP BY station pile gun HAVING")
AM_CONFIG = """route:
  receiver: blackhole
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: blackhole
"""

results = []


def case(name, ok, detail=""):
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)


def http(method, url, body=None, timeout=5):
    req = urllib.request.Request(url, data=body.encode() if body is not None else None, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return 0, str(e)


def wait_for(pred, timeout, step=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None


class Serve:
    def __init__(self, binary, tmp, am_url):
        self.binary, self.tmp, self.am_url = binary, tmp, am_url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(tmp, "serve.log"), "a")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--data", os.path.join(self.tmp, "data"), "--http", f"127.0.0.1:{self.port}",
             "--lp-tcp", "off", "--rules", os.path.join(self.tmp, "rules.yaml"), "--alertmanager", self.am_url],
            stdout=self.log, stderr=self.log)
        if not wait_for(lambda: http("GET", self.base + "/ready")[0] == 200, 60):
            raise SystemExit("serve did not become ready; see " + self.log.name)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def write(self, lines):
        return http("POST", self.base + "/write?db=chargeline", "\n".join(lines))[0]

    def query(self, q):
        status, body = http("GET", self.base + "/query?db=chargeline&epoch=ns&q=" + urllib.parse.quote(q))
        return json.loads(body) if status == 200 else {}

    def alerts(self):
        status, body = http("GET", self.base + "/api/v1/alerts")
        return json.loads(body)["data"]["alerts"] if status == 200 else []


def rows(answer):
    out = []
    for r in answer.get("results", []):
        for s in r.get("series", []):
            for v in s["values"]:
                out.append(dict(zip(s["columns"], v)) | s.get("tags", {}))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chargeline", required=True)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="chargeline-alert-check-")
    with open(os.path.join(tmp, "rules.yaml"), "w") as f:
        f.write(RULES)
    with open(os.path.join(tmp, "am.yml"), "w") as f:
        f.write(AM_CONFIG)
    am_port = free_port()
    am_url = f"http://127.0.0.1:{am_port}"
    am_log = open(os.path.join(tmp, "alertmanager.log"), "w")
    am = subprocess.Popen(["prometheus-alertmanager", "--config.file", os.path.join(tmp, "am.yml"),
                           "--storage.path", os.path.join(tmp, "am"), "--web.listen-address", f"127.0.0.1:{am_port}",
                           "--cluster.listen-address="], stdout=am_log, stderr=am_log)
    serve = Serve(args.chargeline, tmp, am_url)
    writer_stop = threading.Event()
    try:
        if not wait_for(lambda: http("GET", am_url + "/-/ready")[0] == 200, 30):
            raise SystemExit("alertmanager did not start; see " + am_log.name)
        serve.start()
        http("POST", serve.base + "/query", "q=CREATE+DATABASE+chargeline")

        def am_alerts(name, **labels):
            status, body = http("GET", am_url + "/api/v2/alerts")
            if status != 200:
                return []
            return [a for a in json.loads(body) if a["labels"].get("alertname") == name
                    and all(a["labels"].get(k) == v for k, v in labels.items())]

        # firing / for: a gun hot from now on, one sample every 0.5 s.
        def hot_writer():
            while not writer_stop.is_set():
                serve.write([f"telemetry,station=S1,pile=P1,gun=1 temperature=95 {time.time_ns()}"])
                time.sleep(0.5)

        serve.write([f"telemetry,station=S1,pile=P1,gun=1 temperature=60 {time.time_ns()}"])
        time.sleep(1.5)
        crossed = time.time()
        threading.Thread(target=hot_writer, daemon=True).start()
        pending = wait_for(lambda: [a for a in serve.alerts() if a["state"] == "pending"], 3 * FOR_SECONDS)
        early = am_alerts("GunOverheating")
        got = wait_for(lambda: am_alerts("GunOverheating"), 30)
        latency = time.time() - crossed
        want = {"alertname": "GunOverheating", "station": "S1", "pile": "P1", "gun": "1", "severity": "critical"}
        case("firing", bool(got) and got[0]["labels"] == want,
             f"labels {got[0]['labels'] if got else None}, summary {got[0]['annotations'].get('summary') if got else None}")
        case("for", bool(pending) and not early and latency >= FOR_SECONDS,
             f"pending first: {bool(pending)}, in Alertmanager after {latency:.1f} s (for {FOR_SECONDS} s)")
        print(f"latency: threshold crossed -> Alertmanager has the alert: {latency:.2f} s "
              f"(for {FOR_SECONDS} s, interval {INTERVAL}; target for + 2 x interval = {FOR_SECONDS + 2} s)", flush=True)

        # restart: still hot; the firing alert survives with its activeAt.
        before = [a for a in serve.alerts() if a["labels"]["alertname"] == "GunOverheating"]
        serve.stop()
        serve.start()
        after = wait_for(lambda: [a for a in serve.alerts() if a["labels"]["alertname"] == "GunOverheating"], 5)
        time.sleep(2)
        firing_rows = rows(serve.query("SELECT state FROM alerts WHERE rule = 'GunOverheating' AND state = 'firing'"))
        case("restart", bool(before) and bool(after) and after[0]["state"] == "firing"
             and after[0]["activeAt"] == before[0]["activeAt"] and len(firing_rows) == 1,
             f"before {before[0]['state'] if before else None} {before[0]['activeAt'] if before else None}, "
             f"after {after[0]['state'] if after else None} {after[0]['activeAt'] if after else None}, firing rows {len(firing_rows)}")

        # resolved: cool down.
        writer_stop.set()
        time.sleep(0.6)
        serve.write([f"telemetry,station=S1,pile=P1,gun=1 temperature=60 {time.time_ns()}"])
        resolved = wait_for(lambda: rows(serve.query(
            "SELECT state FROM alerts WHERE rule = 'GunOverheating' AND state = 'resolved'")), 20)
        gone = wait_for(lambda: not am_alerts("GunOverheating"), 20)
        case("resolved", bool(resolved) and bool(gone), f"history resolved: {bool(resolved)}, gone from Alertmanager: {bool(gone)}")

        # late: a pile that was offline uploads an hour-old 5-minute overheating (one sample
        # every 2 s). The episode rule sees the episode in its rows; the threshold rule finds it
        # by re-evaluating the past. Each reports it exactly once, marked late.
        start = time.time_ns() - 3600 * 10**9

        def buffer(pile, hot):
            return [f"telemetry,station=S9,pile={pile},gun=1 temperature={hot if 1 <= i <= 151 else 70} {start + (i - 1) * 2 * 10**9}"
                    for i in range(153)]

        def late_rows(rule, pile):
            return rows(serve.query(f"SELECT state, late FROM alerts WHERE rule = '{rule}' AND pile = '{pile}'"))

        serve.write(buffer("P9", 92))
        serve.write(buffer("P8", 80))  # no crossing
        wait_for(lambda: am_alerts("GunOverheatingEpisode", pile="P9") and am_alerts("GunOverheating", pile="P9"), 30)
        time.sleep(3)
        for rule in ("GunOverheatingEpisode", "GunOverheating"):
            late = am_alerts(rule, pile="P9")
            history = late_rows(rule, "P9")
            case(f"late {rule}", len(late) == 1 and late[0]["labels"].get("late") == "true"
                 and [r["state"] for r in history] == ["firing", "resolved"] and all(r["late"] for r in history),
                 f"{len(late)} alerts in Alertmanager, labels {late[0]['labels'] if late else None}, "
                 f"episode {late[0]['annotations'].get('episode_start') if late else None} .. "
                 f"{late[0]['annotations'].get('episode_end') if late else None}, history {[(r['state'], r['late']) for r in history]}")
        quiet = am_alerts("GunOverheating", pile="P8") + am_alerts("GunOverheatingEpisode", pile="P8")
        case("late without crossing", not quiet and not rows(serve.query("SELECT state FROM alerts WHERE pile = 'P8'")),
             f"{len(quiet)} alerts in Alertmanager for the upload that stayed at 80 °C")

        # late after a restart: the pile sends its buffer again; nothing is reported twice.
        serve.stop()
        serve.start()
        time.sleep(2)
        serve.write(buffer("P9", 92))
        time.sleep(8)
        again = {rule: late_rows(rule, "P9") for rule in ("GunOverheatingEpisode", "GunOverheating")}
        case("late restart", all(len(v) == 2 for v in again.values()),
             f"history rows after the re-sent buffer: {({k: len(v) for k, v in again.items()})}")

        # broken: the old rules keep running.
        with open(os.path.join(tmp, "rules.yaml"), "w") as f:
            f.write(BROKEN)
        serve.proc.send_signal(signal.SIGHUP)
        time.sleep(3)
        log = open(serve.log.name).read()
        status, body = http("GET", serve.base + "/api/v1/rules")
        rules = json.loads(body)["data"]["groups"][0]["rules"] if status == 200 else []
        first = rules[0]["lastEvaluation"] if rules else None
        time.sleep(2)
        status, body = http("GET", serve.base + "/api/v1/rules")
        later = json.loads(body)["data"]["groups"][0]["rules"][0]["lastEvaluation"] if status == 200 else None
        case("broken", "rules.yaml:5:" in log and "previous rules stay in force" in log
             and rules and "station, pile, gun" in rules[0]["query"] and later != first,
             f"log names the line: {'rules.yaml:5:' in log}, old query in force: {bool(rules) and 'station, pile, gun' in rules[0]['query']}, "
             f"still evaluating: {later != first}")

        # changed: the fixed file, with one more rule, is loaded without a signal.
        with open(os.path.join(tmp, "rules.yaml"), "w") as f:
            f.write(RULES + EXTRA)

        def rule_names():
            status, body = http("GET", serve.base + "/api/v1/rules")
            return [r["name"] for g in json.loads(body)["data"]["groups"] for r in g["rules"]] if status == 200 else []
        names = wait_for(lambda: "GunCold" in rule_names() and rule_names(), 15)
        case("changed", bool(names), f"rules now {names}")
    finally:
        writer_stop.set()
        serve.stop()
        am.terminate()
        am.wait()
        if args.keep:
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    failed = results.count(False)
    print(f"alerts: {results.count(True)} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

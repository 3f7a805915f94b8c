#!/usr/bin/env python3
"""The OCPP 1.6J front-end against real charge points: the PyPI `ocpp` package (mobilityhouse)
over `websockets` drives a live `chargeline serve --ocpp`, then the stored points are read back
over the HTTP API and compared with what was sent, after unit conversion.

    python3 Tools/ocpp-check/check.py --chargeline .build/debug/chargeline

Cases:
  1. Handshakes: a wrong path (404) and no `ocpp1.6` subprotocol (400) are refused.
  2. BootNotification: a registered charge point is Accepted with the configured heartbeat
     interval; an unknown one gets Pending (`--ocpp-unknown pending`).
  3. After boot the central system sends ChangeConfiguration of MeterValueSampleInterval and
     MeterValuesSampledData (`--ocpp-sample-interval`, `--ocpp-sampled-data`).
  4. Status changes, Authorize, StartTransaction, MeterValues in every unit and phase form,
     StopTransaction with transactionData, DataTransfer: each answered, and the stored
     `telemetry`, `transaction`, `connection` and `data_transfer` points equal what was sent.
  5. Malformed JSON, wrong message type ids, unknown actions, bad fields, a CALL before
     BootNotification, two CALLs in flight: the right CALLERROR; an oversized frame: close 1009.
  6. Transaction ids stay unique across a restart of the server.
  7. Security profile 1: HTTP Basic with the registry's salted hash; no or wrong credentials,
     and another charge point's credentials, are refused with 401.
  8. TriggerMessage through POST /ocpp/trigger reaches the connected charge point; OCPP in a
     gateway process (`--ocpp-processes 1`) is answered and its telemetry forwarded.
  9. `pile_state` as the YKC front-end writes it: the registry baseline of a charge point that
     never connected, boot, heartbeats, telemetry, status changes and disconnect; the shipped
     `Queries/silent-piles.influxql` (its 10 minutes cut to 1 s) finds the quiet charge points
     and not the one sending MeterValues.
Prints PASS/FAIL per case and a closing `ocpp: N passed, M failed` line; exits 1 on a failure.
"""

import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.datatypes import MeterValue, SampledValue
from ocpp.v16.enums import Action, ConfigurationStatus, TriggerMessageStatus
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import checklib  # noqa: E402
from checklib import free_port, hashed  # noqa: E402

PASSWORD_B = "s3cret-B"
PASSWORD_C = "s3cret-C"


def http(url, timeout=10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def post(url, timeout=40):
    req = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def query(base, q):
    status, body = http(base + "/query?" + urllib.parse.urlencode({"db": "chargeline", "q": q, "epoch": "ns"}))
    assert status == 200, (status, body)
    rows = []
    for result in json.loads(body)["results"]:
        for series in result.get("series", []):
            for values in series["values"]:
                row = dict(zip(series["columns"], values))
                row.update(series.get("tags", {}))
                rows.append(row)
    return rows


class SimChargePoint(ChargePoint):
    """A charge point that records what the central system asks of it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration = []
        self.triggered = []

    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message, connector_id=None):
        self.triggered.append((requested_message, connector_id))
        return call_result.TriggerMessage(status=TriggerMessageStatus.accepted)

    @on(Action.change_configuration)
    def on_change_configuration(self, key, value):
        self.configuration.append((key, value))
        return call_result.ChangeConfiguration(status=ConfigurationStatus.accepted)


class Server:
    def __init__(self, chargeline, tmp, extra):
        self.chargeline, self.tmp, self.extra = chargeline, tmp, extra
        self.http_port, self.ocpp_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.url = f"ws://127.0.0.1:{self.ocpp_port}/ocpp"
        self.proc = None

    def start(self):
        log = open(f"{self.tmp}/serve.log", "ab")
        self.proc = subprocess.Popen([self.chargeline, "serve", "--data", f"{self.tmp}/data", "--http", f"127.0.0.1:{self.http_port}",
                                      "--lp-tcp", "off", "--ocpp", f"127.0.0.1:{self.ocpp_port}"] + self.extra,
                                     stdout=log, stderr=subprocess.STDOUT)
        def serving():
            urllib.request.urlopen(self.base + "/ready", timeout=1)
            socket.create_connection(("127.0.0.1", self.ocpp_port), timeout=1).close()
            return True
        checklib.wait_started(self.proc, serving, "ocpp-check: chargeline serve", f"{self.tmp}/serve.log")

    def stop(self):
        checklib.stop_process(self.proc)


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def connect(url, cp_id, headers=None, subprotocols=("ocpp1.6",)):
    return await websockets.connect(f"{url}/{cp_id}", subprotocols=list(subprotocols) if subprotocols else None,
                                    additional_headers=headers or {}, max_size=None)


async def session(url, cp_id, body, headers=None):
    """Runs `body(cp)` with a booted-or-not `ocpp` charge point on its own connection."""
    async with await connect(url, cp_id, headers) as ws:
        cp = SimChargePoint(cp_id, ws)
        reader = asyncio.create_task(cp.start())
        try:
            return await body(cp)
        finally:
            reader.cancel()


async def raw_exchange(ws, text):
    await ws.send(text)
    return json.loads(await asyncio.wait_for(ws.recv(), 10))


def iso(ts_ns):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts_ns // 1_000_000_000)) + f".{ts_ns % 1_000_000_000 // 1000:06d}+00:00"


# Every unit and phase form, with the stored field and value after conversion.
T0 = 1_796_000_000_000_000_000  # 2026-12-29T...Z: a fixed time the charge point reports
SAMPLES = [
    # (sampled value kwargs, field, stored value)
    (dict(value="230.1", measurand="Voltage", phase="L1-N", unit="V"), "voltage_l1", 230.1),
    (dict(value="231.2", measurand="Voltage", phase="L2-N", unit="V"), "voltage_l2", 231.2),
    (dict(value="232.3", measurand="Voltage", phase="L3-N", unit="V"), "voltage_l3", 232.3),
    (dict(value="400.5", measurand="Voltage", phase="L1-L2", unit="V"), "voltage_l1_l2", 400.5),
    (dict(value="16.5", measurand="Current.Import", phase="L1", unit="A"), "current_l1", 16.5),
    (dict(value="15.5", measurand="Current.Import", phase="L2", unit="A"), "current_l2", 15.5),
    (dict(value="14.5", measurand="Current.Import", phase="L3", unit="A"), "current_l3", 14.5),
    (dict(value="0.25", measurand="Current.Import", phase="N", unit="A"), "current_n", 0.25),
    (dict(value="32", measurand="Current.Offered", unit="A"), "current_offered", 32.0),
    (dict(value="3700", measurand="Power.Active.Import", phase="L1", unit="W"), "power_l1", 3.7),
    (dict(value="3.6", measurand="Power.Active.Import", phase="L2", unit="kW"), "power_l2", 3.6),
    (dict(value="3500", measurand="Power.Active.Import", phase="L3", unit="W"), "power_l3", 3.5),
    (dict(value="22", measurand="Power.Offered", unit="kW"), "power_offered", 22.0),
    (dict(value="1200", measurand="Power.Reactive.Import", unit="var"), "power_reactive_import", 1.2),
    (dict(value="12345", measurand="Energy.Active.Import.Register", unit="Wh"), "energy", 12.345),
    (dict(value="0.5", measurand="Energy.Active.Import.Interval", unit="kWh"), "energy_interval", 0.5),
    (dict(value="2500", measurand="Energy.Reactive.Import.Register", unit="varh"), "energy_reactive_import", 2.5),
    (dict(value="98.6", measurand="Temperature", location="Cable", unit="Fahrenheit"), "temperature", 37.0),
    (dict(value="303.15", measurand="Temperature", location="EV", unit="K"), "battery_temperature", 30.0),
    (dict(value="61", measurand="SoC", location="EV", unit="Percent"), "soc", 61),
    (dict(value="50.02", measurand="Frequency"), "frequency", 50.02),
]
# Derived by the central system: no total sent for voltage and current and power.
DERIVED = {"voltage": (230.1 + 231.2 + 232.3) / 3, "current": 16.5 + 15.5 + 14.5, "power": 3.7 + 3.6 + 3.5}


def close_enough(a, b):
    return a is not None and abs(float(a) - float(b)) < 1e-9 * max(1.0, abs(float(b)))


async def main_async(args, tmp, report):
    registry = (f"pile,station,operator,model,rated_kw,password\n"
                f"CP-A,S-OSLO,GreenCharge,Wallbox22,22\n"
                f"CP-B,S-OSLO,GreenCharge,Wallbox22,22,{hashed(PASSWORD_B, 'b1c2')}\n"
                f"CP-C,S-BERGEN,GreenCharge,DC50,50,{hashed(PASSWORD_C, 'c9d8')}\n"
                f"CP-RAW,S-OSLO,GreenCharge,DC50,50\n"
                f"CP-FRESH,S-OSLO,GreenCharge,DC50,50\n")
    with open(f"{tmp}/registry.csv", "w") as f:
        f.write(registry)
    server = Server(args.chargeline, tmp, ["--registry", f"{tmp}/registry.csv", "--ocpp-unknown", "pending",
                                           "--ocpp-heartbeat-interval", "45", "--ocpp-sample-interval", "15",
                                           "--ocpp-sampled-data", "Voltage,Current.Import,Energy.Active.Import.Register",
                                           "--ocpp-max-message-bytes", "4096"])
    server.start()
    url = server.url
    try:
        # 1. Handshakes.
        problems = []
        for path, protocols, expected in [("nope/CP-A", ("ocpp1.6",), 404), ("CP-A", None, 400), ("CP-A", ("ocpp2.0.1",), 400)]:
            try:
                ws = await websockets.connect(f"ws://127.0.0.1:{server.ocpp_port}/{path}" if path.startswith("nope") else f"{url}/{path}",
                                              subprotocols=list(protocols) if protocols else None)
                await ws.close()
                problems.append(f"{path} {protocols}: accepted")
            except websockets.exceptions.InvalidStatus as e:
                if e.response.status_code != expected:
                    problems.append(f"{path} {protocols}: {e.response.status_code}, expected {expected}")
        report("handshake: wrong path 404, missing or other subprotocol 400", "; ".join(problems))

        # 2-4. A full charging session with the ocpp package as the charge point.
        async def charging(cp):
            out = {}
            boot = await cp.call(call.BootNotification(charge_point_model="Wallbox22", charge_point_vendor="Test",
                                                       firmware_version="1.2.3"))
            out["boot"] = (boot.status, boot.interval)
            for status in ["Available", "Preparing", "Charging"]:
                await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status=status,
                                                      timestamp=iso(T0 + {"Available": 0, "Preparing": 1, "Charging": 2}[status] * 10**9)))
            out["authorize"] = (await cp.call(call.Authorize(id_tag="TAG-1"))).id_tag_info["status"]
            start = await cp.call(call.StartTransaction(connector_id=1, id_tag="TAG-1", meter_start=10000, timestamp=iso(T0 + 3 * 10**9)))
            out["transaction"] = start.transaction_id
            sv = [SampledValue(**kw) for kw, _, _ in SAMPLES]
            await cp.call(call.MeterValues(connector_id=1, transaction_id=start.transaction_id,
                                           meter_value=[MeterValue(timestamp=iso(T0 + 10 * 10**9), sampled_value=sv)]))
            await cp.call(call.DataTransfer(vendor_id="com.example", message_id="diag", data='{"fan":"ok"}'))
            data = [MeterValue(timestamp=iso(T0 + 20 * 10**9), sampled_value=[
                SampledValue(value="22345", measurand="Energy.Active.Import.Register", unit="Wh", context="Transaction.End"),
                SampledValue(value="80", measurand="SoC", location="EV", unit="Percent", context="Transaction.End")])]
            await cp.call(call.StopTransaction(meter_stop=22345, timestamp=iso(T0 + 21 * 10**9), transaction_id=start.transaction_id,
                                               reason="EVDisconnected", id_tag="TAG-1", transaction_data=data))
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Finishing", timestamp=iso(T0 + 22 * 10**9)))
            hb = await cp.call(call.Heartbeat())
            out["heartbeat"] = hb.current_time
            await asyncio.sleep(0.5)  # let ChangeConfiguration calls arrive
            out["configuration"] = list(cp.configuration)
            # TriggerMessage through the HTTP API, while this charge point is connected (in a
            # thread: the charge point must keep answering on this loop).
            out["trigger"] = await asyncio.to_thread(
                post, server.base + "/ocpp/trigger?chargePoint=CP-A&message=MeterValues&connectorId=1")
            out["triggered"] = list(cp.triggered)
            return out

        out = await session(url, "CP-A", charging)
        report("BootNotification of a registered charge point: Accepted, interval 45",
               None if out["boot"] == ("Accepted", 45) else f"got {out['boot']}")
        report("ChangeConfiguration after boot", None if out["configuration"] == [
            ("MeterValueSampleInterval", "15"), ("MeterValuesSampledData", "Voltage,Current.Import,Energy.Active.Import.Register")]
            else f"got {out['configuration']}")
        report("TriggerMessage from POST /ocpp/trigger", None if out["trigger"] == (200, b'{"status":"Accepted"}')
               and out["triggered"] == [("MeterValues", 1)] else f"got {out['trigger']} {out['triggered']}")
        status, _ = post(server.base + "/ocpp/trigger?chargePoint=CP-NOBODY&message=MeterValues")
        report("TriggerMessage to a charge point that is not connected: 404", None if status == 404 else f"got {status}")
        pending = await session(url, "CP-UNKNOWN", lambda cp: cp.call(call.BootNotification(charge_point_model="X", charge_point_vendor="Y")))
        report("BootNotification of an unknown charge point: Pending", None if pending.status == "Pending" else f"got {pending.status}")
        report("Authorize, StartTransaction, Heartbeat answered",
               None if out["authorize"] == "Accepted" and isinstance(out["transaction"], int) and out["heartbeat"]
               else f"got {out}")

        time.sleep(0.5)  # the batcher flushes every 100 ms
        tele = query(server.base, "SELECT * FROM telemetry WHERE pile = 'CP-A' AND gun = '1'")
        by_time = {r["time"]: r for r in tele}
        mv = by_time.get(T0 + 10 * 10**9, {})
        problems = [f"{field}: stored {mv.get(field)}, sent {value}" for _, field, value in SAMPLES if not close_enough(mv.get(field), value)]
        problems += [f"{field} (derived): stored {mv.get(field)}, expected {value}" for field, value in DERIVED.items()
                     if not close_enough(mv.get(field), value)]
        if mv.get("transaction_id") != out["transaction"]:
            problems.append(f"transaction_id {mv.get('transaction_id')}")
        if mv.get("station") != "S-OSLO" or mv.get("model") != "Wallbox22":
            problems.append(f"registry tags {mv.get('station')} {mv.get('model')}")
        report("MeterValues in every unit and phase form stored after conversion", "; ".join(problems))

        statuses = [(r["time"], r.get("status"), r.get("ocpp_status"), r.get("plugged")) for r in tele if r.get("ocpp_status")]
        expected = [(T0, 2, "Available", 0), (T0 + 10**9, 2, "Preparing", 1), (T0 + 2 * 10**9, 3, "Charging", 1),
                    (T0 + 22 * 10**9, 2, "Finishing", 1)]
        report("StatusNotification stored as gun status codes at the charge point's time",
               None if statuses == expected else f"got {statuses}")

        end = by_time.get(T0 + 20 * 10**9, {})
        txn = query(server.base, "SELECT * FROM \"transaction\" WHERE pile = 'CP-A'")
        t = txn[0] if txn else {}
        problems = []
        if not (close_enough(end.get("energy"), 22.345) and end.get("soc") == 80):
            problems.append(f"transactionData point {end}")
        want = {"time": T0 + 21 * 10**9, "trade": str(out["transaction"]), "transaction_id": out["transaction"],
                "start_time": T0 + 3 * 10**9, "id_tag": "TAG-1", "reason": "EVDisconnected"}
        for k, v in want.items():
            if t.get(k) != v:
                problems.append(f"transaction.{k} = {t.get(k)}, expected {v}")
        for k, v in {"meter_start": 10.0, "meter_end": 22.345, "energy": 12.345}.items():
            if not close_enough(t.get(k), v):
                problems.append(f"transaction.{k} = {t.get(k)}, expected {v}")
        report("StopTransaction with transactionData: telemetry and the transaction point", "; ".join(problems))

        conn = query(server.base, "SELECT * FROM connection WHERE pile = 'CP-A'")
        dt = query(server.base, "SELECT * FROM data_transfer WHERE pile = 'CP-A'")
        problems = []
        if not any(r.get("event") == "boot" and r.get("vendor") == "Test" and r.get("firmware") == "1.2.3" for r in conn):
            problems.append(f"connection {conn}")
        if not any(r.get("event") == "closed" and r.get("online") == 0 for r in conn):
            problems.append(f"no disconnect in {conn}")
        if not (dt and dt[0].get("vendor_id") == "com.example" and dt[0].get("message_id") == "diag" and dt[0].get("data") == '{"fan":"ok"}'):
            problems.append(f"data_transfer {dt}")
        report("connection events and DataTransfer stored raw", "; ".join(problems))

        # 5. Protocol errors, on a raw WebSocket.
        problems = []
        async with await connect(url, "CP-FRESH") as ws:
            r = await raw_exchange(ws, '[2,"h1","Heartbeat",{}]')
            if r[:3] != [4, "h1", "SecurityError"]:
                problems.append(f"CALL before boot: {r}")
            r = await raw_exchange(ws, '[2,"b1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]')
            if r[0] != 3 or r[2]["status"] != "Accepted":
                problems.append(f"boot: {r}")
            while True:  # the ChangeConfiguration CALLs the server sends after boot: answer them
                r = json.loads(await asyncio.wait_for(ws.recv(), 10))
                await ws.send(json.dumps([3, r[1], {"status": "Accepted"}]))
                if r[3]["key"] == "MeterValuesSampledData":
                    break
            for text, expected in [("{oops", [4, "-1", "FormationViolation"]),
                                   ('{"a":1}', [4, "-1", "ProtocolError"]),
                                   ('[7,"m1","Heartbeat",{}]', [4, "m1", "PropertyConstraintViolation"]),
                                   ('[2,"m2","Heartbeat"]', [4, "m2", "ProtocolError"]),
                                   ('[2,"m3","FlyToTheMoon",{}]', [4, "m3", "NotImplemented"]),
                                   ('[2,"m4","StatusNotification",{"connectorId":1,"status":"Charging"}]',
                                    [4, "m4", "OccurenceConstraintViolation"]),
                                   ('[2,"m5","StatusNotification",{"connectorId":"1","errorCode":"NoError","status":"Charging"}]',
                                    [4, "m5", "TypeConstraintViolation"]),
                                   ('[2,"m6","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Dancing"}]',
                                    [4, "m6", "PropertyConstraintViolation"]),
                                   ('[2,"m7","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2026-12-07T08:00:00Z",'
                                    '"sampledValue":[{"value":"1","measurand":"Voltage","unit":"Wh"}]}]}]',
                                    [4, "m7", "PropertyConstraintViolation"])]:
                r = await raw_exchange(ws, text)
                if r[:3] != expected:
                    problems.append(f"{text[:40]}: {r}, expected {expected}")
            # Two CALLs in flight: a StopTransaction (answered once durable) and a Heartbeat right behind it.
            r = await raw_exchange(ws, '[2,"s1","StartTransaction",{"connectorId":2,"idTag":"T2","meterStart":0,'
                                       '"timestamp":"2026-12-07T08:00:00Z"}]')
            tid = r[2]["transactionId"]
            await ws.send(f'[2,"s2","StopTransaction",{{"transactionId":{tid},"meterStop":5000,"timestamp":"2026-12-07T08:30:00Z"}}]')
            await ws.send('[2,"s3","Heartbeat",{}]')
            answers = {}
            for _ in range(2):
                r = json.loads(await asyncio.wait_for(ws.recv(), 10))
                answers[r[1]] = r
            if answers.get("s2", [None])[0] != 3:
                problems.append(f"first CALL in flight: {answers.get('s2')}")
            if answers.get("s3", [None])[:3] != [4, "s3", "ProtocolError"]:
                problems.append(f"second CALL in flight: {answers.get('s3')}")
            time.sleep(0.3)
            if not query(server.base, f"SELECT * FROM \"transaction\" WHERE trade = '{tid}'"):
                problems.append("the acknowledged StopTransaction is not stored")
            # An oversized frame (the server was started with --ocpp-max-message-bytes 4096).
            await ws.send('[2,"big","DataTransfer",{"vendorId":"x","data":"' + "y" * 8000 + '"}]')
            try:
                await asyncio.wait_for(ws.recv(), 10)
                problems.append("oversized frame answered")
            except websockets.exceptions.ConnectionClosed as e:
                if e.rcvd is None or e.rcvd.code != 1009:
                    problems.append(f"oversized frame: close {e.rcvd}, expected 1009")
        report("malformed frames, bad fields, CALL before boot, two CALLs in flight, oversized frame", "; ".join(problems))

        # 7. Security profile 1.
        problems = []
        for headers, expected, what in [(None, 401, "no credentials"), (basic("CP-B", "wrong"), 401, "wrong password"),
                                        (basic("CP-C", PASSWORD_C), 401, "another charge point's credentials")]:
            try:
                ws = await connect(url, "CP-B", headers)
                await ws.close()
                problems.append(f"{what}: accepted")
            except websockets.exceptions.InvalidStatus as e:
                if e.response.status_code != expected:
                    problems.append(f"{what}: {e.response.status_code}")
        boot = await session(url, "CP-B", lambda cp: cp.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V")),
                             headers=basic("CP-B", PASSWORD_B))
        if boot.status != "Accepted":
            problems.append(f"right credentials: {boot.status}")
        report("security profile 1: HTTP Basic against the registry's hash; no claiming another's id", "; ".join(problems))

        # Metrics: the counters of what this server has seen so far, in Prometheus' text format.
        status, body = http(server.base + "/metrics")
        samples = {}
        for line in body.decode().splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                samples[name] = float(value)
        problems = [] if status == 200 else [f"/metrics answered {status}"]
        for name, at_least in [('chargeline_ocpp_boots_total{result="accepted"}', 2), ('chargeline_ocpp_boots_total{result="pending"}', 1),
                               ("chargeline_ocpp_call_errors_total", 3), ("chargeline_ocpp_handshakes_refused_total", 3),
                               ("chargeline_ocpp_calls_total", 10), ('chargeline_ingest_points_total{protocol="ocpp",db="chargeline"}', 1)]:
            if samples.get(name, -1) < at_least:
                problems.append(f"{name} = {samples.get(name)}, expected >= {at_least}")
        if "chargeline_ocpp_connections" not in samples:
            problems.append("chargeline_ocpp_connections missing")
        report("/metrics counts OCPP connections, boots by answer, CALLs, CALLERRORs, refused handshakes, stored points", "; ".join(problems))

        # 9. pile_state, as YKC writes it. CP-A (case 2-4) booted, changed status, sent
        # telemetry and heartbeats and disconnected; CP-RAW is in the registry and never connected.
        problems = []
        state = {}
        for r in query(server.base, "SELECT latest(*) FROM pile_state GROUP BY pile, gun"):
            state.setdefault((r["pile"], r.get("gun", "")), {})[r["field"]] = (r["time"], r["value"])
        a = state.get(("CP-A", ""), {})
        if a.get("connected", (0, None))[1] != 0 or a.get("event", (0, None))[1] != "closed":
            problems.append(f"CP-A disconnected (closed): {a}")
        if not a.get("telemetry", (0, 0))[1] or not a.get("heartbeats", (0, 0))[1]:
            problems.append(f"CP-A telemetry and heartbeats sampled: {a}")
        if {k: v[1] for k, v in state.get(("CP-RAW", ""), {}).items()} != {"event": "registered", "telemetry": 0}:
            problems.append(f"CP-RAW registry baseline: {state.get(('CP-RAW', ''))}")
        history = [r["status"] for r in query(server.base, "SELECT status FROM pile_state WHERE pile = 'CP-A' AND gun = '1'")]
        if history != [2, 3, 2, 0]:
            problems.append(f"CP-A gun 1 status changes (Available, Charging, Finishing, offline): {history}")
        logins = query(server.base, "SELECT connected, event FROM pile_state WHERE pile = 'CP-A' AND connected = 1")
        if len(logins) != 1 or logins[0].get("event") != "login":
            problems.append(f"CP-A one login: {logins}")
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../Queries/silent-piles.influxql")) as f:
            shipped = "\n".join(l for l in f.read().split("\n----\n")[0].split("\n") if not l.startswith("--")).split(";")[0]

        async def live(cp):
            await cp.call(call.BootNotification(charge_point_model="DC50", charge_point_vendor="Test"))
            await asyncio.sleep(1.5)
            await cp.call(call.MeterValues(connector_id=1, meter_value=[MeterValue(timestamp=iso(time.time_ns()), sampled_value=[
                SampledValue(value="1.5", measurand="Power.Active.Import", unit="kW")])]))
            await asyncio.sleep(0.5)  # the batcher flushes every 100 ms
            return await asyncio.to_thread(query, server.base, shipped.replace("now() - 10m", "now() - 1s"))

        silent = {r["pile"] for r in await session(url, "CP-FRESH", live)}
        if not {"CP-A", "CP-RAW"} <= silent or "CP-FRESH" in silent:
            problems.append(f"silent piles {sorted(silent)}: want CP-A and CP-RAW, not CP-FRESH")
        report("pile_state of OCPP charge points, found by the shipped silent-piles query", "; ".join(problems))

        # 6. Transaction ids across a restart.
        server.stop()
        server.start()
        url = server.url

        async def another(cp):
            await cp.call(call.BootNotification(charge_point_model="Wallbox22", charge_point_vendor="Test"))
            return (await cp.call(call.StartTransaction(connector_id=1, id_tag="TAG-2", meter_start=0, timestamp=iso(T0)))).transaction_id

        tid2 = await session(url, "CP-A", another)
        report("transaction ids unique across a restart", None if tid2 > max(out["transaction"], tid) else f"{tid2} after {tid}")
        server.stop()

        # 8. OCPP in gateway processes (serve --ocpp-processes, riding in the YKC gateways):
        # telemetry goes through the gateway's spool to the storage node.
        server = Server(args.chargeline, tmp, ["--registry", f"{tmp}/registry.csv", "--ykc", f"127.0.0.1:{free_port()}",
                                               "--ykc-processes", "1", "--ocpp-processes", "1"])
        server.start()

        async def through_gateway(cp):
            boot = await cp.call(call.BootNotification(charge_point_model="Wallbox22", charge_point_vendor="Test"))
            await cp.call(call.MeterValues(connector_id=2, meter_value=[MeterValue(timestamp=iso(T0 + 99 * 10**9), sampled_value=[
                SampledValue(value="7.5", measurand="Power.Active.Import", unit="kW")])]))
            return boot.status

        status = await session(server.url, "CP-RAW", through_gateway)
        deadline = time.time() + 20
        rows = []
        while time.time() < deadline and not rows:
            time.sleep(0.5)
            rows = query(server.base, "SELECT power FROM telemetry WHERE pile = 'CP-RAW' AND gun = '2'")
        report("OCPP in a gateway process: answered and forwarded to the storage node",
               None if status == "Accepted" and rows and close_enough(rows[0].get("power"), 7.5) else f"boot {status}, rows {rows}")
    finally:
        server.stop()


def main():
    with checklib.CheckRun("ocpp") as run:
        asyncio.run(main_async(run.args, run.tmp, run.report))


if __name__ == "__main__":
    main()

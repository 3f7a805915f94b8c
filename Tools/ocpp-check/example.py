#!/usr/bin/env python3
"""One OCPP 1.6J charge point from the PyPI `ocpp` package (mobilityhouse) against a central
system: boot, a status change, one MeterValues, a heartbeat. After the project's protocol notes
(docs/ocpp.md), which ran the same exchange against an `ocpp`-based central system.

    python3 Tools/ocpp-check/example.py ws://127.0.0.1:8767/ocpp CP_1
"""

import asyncio
import sys
from datetime import datetime, timezone

import websockets
from ocpp.v16 import ChargePoint, call
from ocpp.v16.datatypes import MeterValue, SampledValue


async def main(url, cp_id):
    async with websockets.connect(f"{url}/{cp_id}", subprotocols=["ocpp1.6"]) as ws:
        cp = ChargePoint(cp_id, ws)
        reader = asyncio.create_task(cp.start())
        boot = await cp.call(call.BootNotification(charge_point_model="Sim", charge_point_vendor="Test"))
        print("boot:", boot.status, "interval:", boot.interval)
        await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
        now = datetime.now(timezone.utc).isoformat()
        sv = [SampledValue(value="373.2", measurand="Voltage", unit="V"),
              SampledValue(value="101.2", measurand="Current.Import", unit="A"),
              SampledValue(value="34", measurand="Temperature", unit="Celsius", location="Cable"),
              SampledValue(value="37768", measurand="Power.Active.Import", unit="W"),
              SampledValue(value="78", measurand="SoC", unit="Percent", location="EV")]
        await cp.call(call.MeterValues(connector_id=1, meter_value=[MeterValue(timestamp=now, sampled_value=sv)]))
        print("heartbeat:", (await cp.call(call.Heartbeat())).current_time)
        reader.cancel()


asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:8767/ocpp", sys.argv[2] if len(sys.argv) > 2 else "CP_1"))

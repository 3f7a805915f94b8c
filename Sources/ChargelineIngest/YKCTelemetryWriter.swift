public import ChargelineCore

/// Turns decoded YKC frames into points, following docs/schema.md. Field names are static
/// strings and keys come from `YKCSeriesKeys`, so writing a point allocates nothing beyond
/// the builder's amortised growth.
public enum YKCTelemetryWriter {
    @inline(__always)
    static func name(_ s: StaticString) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)
    }

    @inline(__always)
    static func withKey(_ key: [UInt8], _ builder: inout WriteBatchBuilder, _ body: (inout WriteBatchBuilder) -> Void) {
        key.withUnsafeBytes { builder.beginPoint(seriesKey: $0) }
        body(&builder)
    }

    /// 0x13 -> `telemetry`: status, plugged, holstered, fault_bits always; voltage, current,
    /// power, temperature, soc, battery_temperature, remaining_minutes only when the pile
    /// measured them in the gun's state, and energy, energy_with_loss, amount,
    /// charging_minutes only in a session (`YKCRealtimeData+Readings`, docs/schema.md). A
    /// value the pile did not measure is left out, never stored as 0 or −50 °C.
    public static func add(_ d: YKCRealtimeData, keys: YKCSeriesKeys, timestamp: Int64, to b: inout WriteBatchBuilder) {
        withKey(keys.telemetry, &b) { b in
            if let v = d.measuredVoltage { b.addFloat(name: name("voltage"), v) }
            if let a = d.measuredCurrent { b.addFloat(name: name("current"), a) }
            if let p = d.measuredPower { b.addFloat(name: name("power"), p) }
            if let t = d.measuredGunTemperature { b.addFloat(name: name("temperature"), t) }
            if let soc = d.measuredSOC { b.addInteger(name: name("soc"), soc) }
            if let t = d.measuredBatteryTemperature { b.addFloat(name: name("battery_temperature"), t) }
            if d.isInSession {
                b.addFloat(name: name("energy"), d.energy)
                b.addFloat(name: name("energy_with_loss"), d.energyWithLoss)
                b.addFloat(name: name("amount"), d.amount)
                b.addInteger(name: name("charging_minutes"), Int64(d.chargingMinutes))
            }
            if let m = d.measuredRemainingMinutes { b.addInteger(name: name("remaining_minutes"), m) }
            b.addInteger(name: name("status"), Int64(d.status))
            b.addInteger(name: name("plugged"), Int64(d.plugged))
            b.addInteger(name: name("holstered"), Int64(d.holstered))
            b.addInteger(name: name("fault_bits"), Int64(d.faultBits))
            b.endPoint(timestamp: timestamp)
        }
    }

    /// 0x23 -> `bms`: voltage_demand, current_demand, charge_mode, bms_voltage, bms_current,
    /// cell_voltage_max, cell_voltage_group, soc, remaining_minutes, charger_voltage,
    /// charger_current, charging_minutes, and the raw GB/T current words (`*_raw`, always).
    /// Fields whose raw value is 0 where 0 is not a reading are left out
    /// (`YKCBMSDemand+Readings`, docs/schema.md).
    public static func add(_ d: YKCBMSDemand, keys: YKCSeriesKeys, timestamp: Int64, to b: inout WriteBatchBuilder) {
        withKey(keys.bms, &b) { b in
            if let v = d.measuredVoltageDemand { b.addFloat(name: name("voltage_demand"), v) }
            if let a = d.measuredCurrentDemand { b.addFloat(name: name("current_demand"), a) }
            if let m = d.measuredChargeMode { b.addInteger(name: name("charge_mode"), m) }
            if let v = d.measuredBMSVoltage { b.addFloat(name: name("bms_voltage"), v) }
            if let a = d.measuredBMSCurrent { b.addFloat(name: name("bms_current"), a) }
            if let v = d.measuredCellVoltageMax {
                b.addFloat(name: name("cell_voltage_max"), v)
                b.addInteger(name: name("cell_voltage_group"), Int64(d.cellVoltageGroup))
            }
            if let soc = d.measuredSOC { b.addInteger(name: name("soc"), soc) }
            if let m = d.measuredRemainingMinutes { b.addInteger(name: name("remaining_minutes"), m) }
            b.addFloat(name: name("charger_voltage"), Double(d.chargerVoltageRaw) / 10)
            if let a = d.measuredChargerCurrent { b.addFloat(name: name("charger_current"), a) }
            b.addInteger(name: name("charging_minutes"), Int64(d.chargingMinutes))
            b.addInteger(name: name("current_demand_raw"), Int64(d.currentDemandRaw))
            b.addInteger(name: name("bms_current_raw"), Int64(d.bmsCurrentRaw))
            b.addInteger(name: name("charger_current_raw"), Int64(d.chargerCurrentRaw))
            b.endPoint(timestamp: timestamp)
        }
    }

    /// 0x25 -> `bms`: battery_temperature_max, battery_temperature_min (each with its probe
    /// number, both left out for raw 0, the pile's "no reading"), max_voltage_cell.
    public static func add(_ d: YKCBMSStatus, keys: YKCSeriesKeys, timestamp: Int64, to b: inout WriteBatchBuilder) {
        withKey(keys.bms, &b) { b in
            if d.maxTemperatureRaw != 0 {
                b.addFloat(name: name("battery_temperature_max"), Double(d.maxTemperature))
                b.addInteger(name: name("temperature_max_probe"), Int64(d.maxTemperatureProbe))
            }
            if d.minTemperatureRaw != 0 {
                b.addFloat(name: name("battery_temperature_min"), Double(d.minTemperature))
                b.addInteger(name: name("temperature_min_probe"), Int64(d.minTemperatureProbe))
            }
            b.addInteger(name: name("max_voltage_cell"), Int64(d.maxVoltageCell))
            b.endPoint(timestamp: timestamp)
        }
    }

    /// Heartbeat gun state -> `telemetry` field `gun_fault` (0 normal, 1 fault). Written when
    /// it changes (and first after login), not every 10 s.
    public static func addHeartbeat(gunState: UInt8, keys: YKCSeriesKeys, timestamp: Int64, to b: inout WriteBatchBuilder) {
        withKey(keys.telemetry, &b) { b in
            b.addInteger(name: name("gun_fault"), Int64(gunState))
            b.endPoint(timestamp: timestamp)
        }
    }

    /// A gun of a pile that went away -> `telemetry` `status=0` (offline), so status queries see it.
    public static func addOffline(keys: YKCSeriesKeys, timestamp: Int64, to b: inout WriteBatchBuilder) {
        withKey(keys.telemetry, &b) { b in
            b.addInteger(name: name("status"), 0)
            b.endPoint(timestamp: timestamp)
        }
    }

    /// 0x3B -> `transaction`, timestamped at the session end (receive time if the pile's
    /// end time is invalid). Allocates (trade text, VIN): one per charging session.
    public static func add(_ r: YKCTransactionRecord, keys: YKCSeriesKeys, receivedAt: Int64,
                           to b: inout WriteBatchBuilder) {
        withKey(keys.transaction, &b) { b in
            var trade = r.trade.text
            trade.withUTF8 { b.addString(name: name("trade"), UnsafeRawBufferPointer($0)) }
            if let start = r.startTime { b.addInteger(name: name("start_time"), start) }
            b.addFloat(name: name("energy"), r.energy)
            b.addFloat(name: name("energy_with_loss"), Double(r.energyWithLossRaw == 0 ? r.energyRaw : r.energyWithLossRaw) / 10_000)
            b.addFloat(name: name("amount"), r.amount)
            b.addFloat(name: name("meter_start"), r.meterStart)
            b.addFloat(name: name("meter_end"), r.meterEnd)
            b.addInteger(name: name("stop_reason"), Int64(r.stopReason))
            b.addInteger(name: name("trade_flag"), Int64(r.tradeFlag))
            if r.cardNumber != 0 { b.addUnsigned(name: name("card"), r.cardNumber) }
            var vin = r.vin
            if !vin.isEmpty { vin.withUTF8 { b.addString(name: name("vin"), UnsafeRawBufferPointer($0)) } }
            let periodNames: [(StaticString, StaticString, StaticString)] = [
                ("sharp_price", "sharp_energy", "sharp_amount"), ("peak_price", "peak_energy", "peak_amount"),
                ("flat_price", "flat_energy", "flat_amount"), ("valley_price", "valley_energy", "valley_amount"),
            ]
            for (k, p) in r.periods.enumerated() {
                b.addFloat(name: name(periodNames[k].0), Double(p.priceRaw) / 100_000)
                b.addFloat(name: name(periodNames[k].1), Double(p.energyRaw) / 10_000)
                b.addFloat(name: name(periodNames[k].2), Double(p.amountRaw) / 10_000)
            }
            b.endPoint(timestamp: r.endTime ?? receivedAt)
        }
    }

    /// A pile logged in -> `connection` `online=1` with what the login said.
    public static func addLogin(_ l: YKCLogin, connectionKey: [UInt8], peer: String, timestamp: Int64,
                                to b: inout WriteBatchBuilder) {
        withKey(connectionKey, &b) { b in
            b.addInteger(name: name("online"), 1)
            var event = "login"
            event.withUTF8 { b.addString(name: name("event"), UnsafeRawBufferPointer($0)) }
            var peer = peer
            peer.withUTF8 { b.addString(name: name("peer"), UnsafeRawBufferPointer($0)) }
            b.addInteger(name: name("protocol_version"), Int64(l.protocolVersion))
            var fw = l.firmware
            fw.withUTF8 { b.addString(name: name("firmware"), UnsafeRawBufferPointer($0)) }
            b.addInteger(name: name("pile_type"), Int64(l.pileType))
            b.addInteger(name: name("guns"), Int64(l.gunCount))
            b.endPoint(timestamp: timestamp)
        }
    }

    /// A pile's connection ended -> `connection` `online=0`, `event` = why (closed, timeout,
    /// replaced, shutdown, rejected).
    public static func addDisconnect(reason: String, connectionKey: [UInt8], timestamp: Int64,
                                     to b: inout WriteBatchBuilder) {
        withKey(connectionKey, &b) { b in
            b.addInteger(name: name("online"), 0)
            var event = reason
            event.withUTF8 { b.addString(name: name("event"), UnsafeRawBufferPointer($0)) }
            b.endPoint(timestamp: timestamp)
        }
    }
}

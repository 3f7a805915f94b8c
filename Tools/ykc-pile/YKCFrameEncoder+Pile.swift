public import ChargelineIngest

/// Pile -> platform frames, for the pile simulator, tests and fuzz seeds (the product only
/// answers piles, so this lives outside it).
extension YKCFrameEncoder {
    /// 0x01 login.
    public mutating func login(sequence: (UInt8, UInt8), pileCode: UInt64, pileType: UInt8 = 0, guns: UInt8 = 1,
                               protocolVersion: UInt8 = 0x10, firmware: String = "SIM1.0", crcOrder: YKCCRCOrder = .lowByteFirst) {
        begin(type: YKCFrameType.login, sequence: sequence)
        putPacked(pileCode, width: 7)
        put(pileType)
        put(guns)
        put(protocolVersion)
        let fw = Array(firmware.utf8.prefix(8))
        for b in fw { put(b) }
        putZeros(8 - fw.count)
        put(1)  // network: LAN
        putZeros(10)  // SIM unknown
        put(4)  // carrier: other
        finish(crcOrder: crcOrder)
    }

    /// 0x03 heartbeat.
    public mutating func heartbeat(sequence: (UInt8, UInt8), pileCode: UInt64, gun: Int, gunState: UInt8,
                                   crcOrder: YKCCRCOrder = .lowByteFirst) {
        begin(type: YKCFrameType.heartbeat, sequence: sequence)
        putPacked(pileCode, width: 7)
        putBCD(gun)
        put(gunState)
        finish(crcOrder: crcOrder)
    }

    /// 0x05 billing-model check.
    public mutating func billingModelCheck(sequence: (UInt8, UInt8), pileCode: UInt64, modelNumber: UInt16) {
        begin(type: YKCFrameType.billingModelCheck, sequence: sequence)
        putPacked(pileCode, width: 7)
        putPacked(UInt64(modelNumber), width: 2)
        finish()
    }

    /// 0x09 billing-model request.
    public mutating func billingModelRequest(sequence: (UInt8, UInt8), pileCode: UInt64) {
        begin(type: YKCFrameType.billingModelRequest, sequence: sequence)
        putPacked(pileCode, width: 7)
        finish()
    }

    /// 0x13 realtime data from raw (already scaled) values.
    public mutating func realtimeData(sequence: (UInt8, UInt8), _ d: YKCRealtimeData, crcOrder: YKCCRCOrder = .lowByteFirst) {
        begin(type: YKCFrameType.realtimeData, sequence: sequence)
        putTrade(d.trade)
        putPacked(d.pileCode, width: 7)
        putBCD(d.gun)
        put(d.status)
        put(d.holstered)
        put(d.plugged)
        putLE(UInt64(d.decivolts), width: 2)
        putLE(UInt64(d.deciamps), width: 2)
        put(d.gunTemperatureRaw)
        putLE(d.cableCode, width: 8)
        put(d.soc)
        put(d.batteryTemperatureRaw)
        putLE(UInt64(d.chargingMinutes), width: 2)
        putLE(UInt64(d.remainingMinutes), width: 2)
        putLE(UInt64(d.energyRaw), width: 4)
        putLE(UInt64(d.energyWithLossRaw), width: 4)
        putLE(UInt64(d.amountRaw), width: 4)
        putLE(UInt64(d.faultBits), width: 2)
        finish(crcOrder: crcOrder)
    }

    /// 0x23 BMS demand and charger output (currents GB/T encoded: `(amps + 400) x 10`).
    public mutating func bmsDemand(sequence: (UInt8, UInt8), trade: YKCTradeNumber, pileCode: UInt64, gun: Int,
                                   voltageDemand: Double, currentDemand: Double, bmsVoltage: Double, bmsCurrent: Double,
                                   soc: UInt8, remainingMinutes: UInt16, chargingMinutes: UInt16) {
        func gbt(_ amps: Double) -> UInt64 { UInt64(max(0, (400 - amps) * 10).rounded()) }
        begin(type: YKCFrameType.bmsDemand, sequence: sequence)
        putTrade(trade)
        putPacked(pileCode, width: 7)
        putBCD(gun)
        putLE(UInt64((voltageDemand * 10).rounded()), width: 2)
        putLE(gbt(currentDemand), width: 2)
        put(2)  // constant current
        putLE(UInt64((bmsVoltage * 10).rounded()), width: 2)
        putLE(gbt(bmsCurrent), width: 2)
        putLE(UInt64(min(4095, (bmsVoltage / 96 * 100).rounded())), width: 2)  // cell ~ pack / 96 cells
        put(soc)
        putLE(UInt64(remainingMinutes), width: 2)
        putLE(UInt64((bmsVoltage * 10).rounded()), width: 2)
        putLE(gbt(bmsCurrent), width: 2)
        putLE(UInt64(chargingMinutes), width: 2)
        finish()
    }

    /// 0x25 BMS status (document layout, 2 flag bytes).
    public mutating func bmsStatus(sequence: (UInt8, UInt8), trade: YKCTradeNumber, pileCode: UInt64, gun: Int,
                                   maxTemperature: Int, minTemperature: Int) {
        begin(type: YKCFrameType.bmsStatus, sequence: sequence)
        putTrade(trade)
        putPacked(pileCode, width: 7)
        putBCD(gun)
        put(11)
        put(UInt8(clamping: maxTemperature + 50))
        put(3)
        put(UInt8(clamping: minTemperature + 50))
        put(7)
        putLE(0x1000, width: 2)  // charging allowed, everything normal
        finish()
    }

    /// 0x3B transaction record with one flat period. Times are CP56Time2a fields in pile local time.
    public mutating func transactionRecord(sequence: (UInt8, UInt8), trade: YKCTradeNumber, pileCode: UInt64, gun: Int,
                                           start: YKCCivilTime, end: YKCCivilTime, energyRaw: UInt32, amountRaw: UInt32,
                                           meterStartRaw: UInt64, vin: String, stopReason: UInt8) {
        begin(type: YKCFrameType.transactionRecord, sequence: sequence)
        putTrade(trade)
        putPacked(pileCode, width: 7)
        putBCD(gun)
        putCP56(start)
        putCP56(end)
        for k in 0..<4 {
            if k == 2 {
                putLE(140_000, width: 4)
                putLE(UInt64(energyRaw), width: 4)
                putLE(UInt64(energyRaw), width: 4)
                putLE(UInt64(amountRaw), width: 4)
            } else {
                putZeros(16)
            }
        }
        putLE(meterStartRaw, width: 5)
        putLE(meterStartRaw + UInt64(energyRaw), width: 5)
        putLE(UInt64(energyRaw), width: 4)
        putLE(UInt64(energyRaw), width: 4)
        putLE(UInt64(amountRaw), width: 4)
        let v = Array(vin.utf8.prefix(17))
        for b in v { put(b) }
        putZeros(17 - v.count)
        put(1)  // started from the app
        putCP56(end)
        put(stopReason)
        putZeros(8)
        finish()
    }

    /// Appends a CP56Time2a.
    public mutating func putCP56(_ t: YKCCivilTime) {
        putLE(UInt64(t.second * 1000 + t.millisecond), width: 2)
        put(UInt8(t.minute))
        put(UInt8(t.hour))
        put(UInt8(t.day))
        put(UInt8(t.month))
        put(UInt8(t.year - 2000))
    }
}

/// A wall-clock time as CP56Time2a carries it (the pile's local time).
public struct YKCCivilTime: Sendable, Equatable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int

    /// A civil time.
    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int = 0) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second, self.millisecond) =
            (year, month, day, hour, minute, second, millisecond)
    }

    /// The civil time `utcOffsetSeconds` east of UTC at `nanoseconds` since the epoch.
    public init(nanoseconds: Int64, utcOffsetSeconds: Int) {
        let ms = nanoseconds / 1_000_000 + Int64(utcOffsetSeconds) * 1000
        let days = Int(ms.quotientAndRemainder(dividingBy: 86_400_000).quotient) - (ms < 0 && ms % 86_400_000 != 0 ? 1 : 0)
        let msOfDay = Int(ms - Int64(days) * 86_400_000)
        // civil_from_days (Howard Hinnant).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d, hour: msOfDay / 3_600_000,
                  minute: msOfDay / 60_000 % 60, second: msOfDay / 1000 % 60, millisecond: msOfDay % 1000)
    }
}

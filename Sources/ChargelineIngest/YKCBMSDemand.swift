/// 0x23 BMS demand and charger output (payload 44 bytes), relayed GB/T 27930 BCL/BCS/CCS
/// data, every 15 s while charging. Currents carry the GB/T encoding (0.1 A/bit, -400 A
/// offset): see `gbtAmperes`.
public struct YKCBMSDemand: Sendable, Equatable {
    /// Payload bytes the layout needs.
    public static let payloadLength = 44

    /// Trade number.
    public var trade: YKCTradeNumber
    /// Pile code, packed BCD.
    public var pileCode: UInt64
    /// Gun number.
    public var gun: Int
    /// BMS voltage demand, 0.1 V.
    public var voltageDemandRaw: UInt16
    /// BMS current demand, GB/T encoded.
    public var currentDemandRaw: UInt16
    /// 1 constant voltage, 2 constant current.
    public var chargeMode: UInt8
    /// BMS measured charging voltage, 0.1 V.
    public var bmsVoltageRaw: UInt16
    /// BMS measured charging current, GB/T encoded.
    public var bmsCurrentRaw: UInt16
    /// Highest cell voltage (bits 0-11, 0.01 V) and its group (bits 12-15).
    public var cellVoltageWord: UInt16
    /// State of charge, %.
    public var soc: UInt8
    /// BMS estimated remaining minutes.
    public var remainingMinutes: UInt16
    /// Charger output voltage, 0.1 V.
    public var chargerVoltageRaw: UInt16
    /// Charger output current, GB/T encoded.
    public var chargerCurrentRaw: UInt16
    /// Accumulated charging minutes.
    public var chargingMinutes: UInt16

    /// Decodes a 0x23 payload.
    public init(payload p: UnsafeRawBufferPointer) throws(YKCDecodeError) {
        guard p.count >= Self.payloadLength else {
            throw .truncated(YKCFrameType.bmsDemand, have: p.count, need: Self.payloadLength)
        }
        trade = YKCTradeNumber(p, 0)
        pileCode = YKCBytes.bcdPacked(p, 16, 7)
        gun = YKCBytes.bcdByteValue(p[23])
        voltageDemandRaw = UInt16(YKCBytes.uintLE(p, 24, 2))
        currentDemandRaw = UInt16(YKCBytes.uintLE(p, 26, 2))
        chargeMode = p[28]
        bmsVoltageRaw = UInt16(YKCBytes.uintLE(p, 29, 2))
        bmsCurrentRaw = UInt16(YKCBytes.uintLE(p, 31, 2))
        cellVoltageWord = UInt16(YKCBytes.uintLE(p, 33, 2))
        soc = p[35]
        remainingMinutes = UInt16(YKCBytes.uintLE(p, 36, 2))
        chargerVoltageRaw = UInt16(YKCBytes.uintLE(p, 38, 2))
        chargerCurrentRaw = UInt16(YKCBytes.uintLE(p, 40, 2))
        chargingMinutes = UInt16(YKCBytes.uintLE(p, 42, 2))
    }

    /// A GB/T 27930 current: `raw x 0.1 - 400` A, negative meaning charging; reported as its
    /// magnitude. Sources disagree whether YKC piles apply the offset (protocol notes 1.8), so
    /// the raw value is stored beside it.
    @inlinable
    public static func gbtAmperes(_ raw: UInt16) -> Double { Double(abs(Int(raw) - 4000)) / 10 }

    /// Highest cell voltage, V.
    public var cellVoltageMax: Double { Double(cellVoltageWord & 0x0FFF) / 100 }
    /// Group number of the highest cell (0-15).
    public var cellVoltageGroup: Int { Int(cellVoltageWord >> 12) }
}

/// 0x25 BMS status (payload 31 bytes per the document; JCPP's firmware sends 16 flag bytes
/// instead of 2, so only the first 29 bytes are required): battery temperatures.
public struct YKCBMSStatus: Sendable, Equatable {
    /// Payload bytes required: trade, pile, gun and the five single-byte fields.
    public static let payloadLength = 29

    /// Trade number.
    public var trade: YKCTradeNumber
    /// Pile code, packed BCD.
    public var pileCode: UInt64
    /// Gun number.
    public var gun: Int
    /// Index of the highest-voltage cell (1-256).
    public var maxVoltageCell: Int
    /// Max battery temperature + 50 °C.
    public var maxTemperatureRaw: UInt8
    /// Probe index of the max temperature (1-256).
    public var maxTemperatureProbe: Int
    /// Min battery temperature + 50 °C.
    public var minTemperatureRaw: UInt8
    /// Probe index of the min temperature (1-256).
    public var minTemperatureProbe: Int

    /// Decodes a 0x25 payload; whatever follows the five single-byte fields (2 or 16 bytes of
    /// flags) is skipped.
    public init(payload p: UnsafeRawBufferPointer) throws(YKCDecodeError) {
        guard p.count >= Self.payloadLength else {
            throw .truncated(YKCFrameType.bmsStatus, have: p.count, need: Self.payloadLength)
        }
        trade = YKCTradeNumber(p, 0)
        pileCode = YKCBytes.bcdPacked(p, 16, 7)
        gun = YKCBytes.bcdByteValue(p[23])
        maxVoltageCell = Int(p[24]) + 1
        maxTemperatureRaw = p[25]
        maxTemperatureProbe = Int(p[26]) + 1
        minTemperatureRaw = p[27]
        minTemperatureProbe = Int(p[28]) + 1
    }

    /// Max battery temperature, °C.
    public var maxTemperature: Int { Int(maxTemperatureRaw) - 50 }
    /// Min battery temperature, °C.
    public var minTemperature: Int { Int(minTemperatureRaw) - 50 }
}

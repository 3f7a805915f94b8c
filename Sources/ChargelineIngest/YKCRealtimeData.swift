/// 0x13 realtime monitoring data (payload 60 bytes): the main telemetry frame, every 15 s
/// while charging, every 5 min idle, and on every state change. Raw values as sent; the
/// computed properties apply the protocol's scales.
public struct YKCRealtimeData: Sendable, Equatable {
    /// Payload bytes the layout needs.
    public static let payloadLength = 60

    /// Trade number (zero when idle).
    public var trade: YKCTradeNumber
    /// Pile code, packed BCD.
    public var pileCode: UInt64
    /// Gun number.
    public var gun: Int
    /// 0 offline, 1 fault, 2 idle, 3 charging.
    public var status: UInt8
    /// Gun back in its holster: 0 no, 1 yes, 2 unknown.
    public var holstered: UInt8
    /// Plugged into a vehicle: 0 no, 1 yes.
    public var plugged: UInt8
    /// Output voltage in 0.1 V.
    public var decivolts: UInt16
    /// Output current in 0.1 A (no GB/T offset in this frame).
    public var deciamps: UInt16
    /// Gun-cable temperature + 50 °C (0 when idle).
    public var gunTemperatureRaw: UInt8
    /// Gun-cable code (0 if none).
    public var cableCode: UInt64
    /// State of charge, % (0 idle and for AC).
    public var soc: UInt8
    /// Battery pack max temperature + 50 °C (0 idle and for AC).
    public var batteryTemperatureRaw: UInt8
    /// Accumulated charging minutes.
    public var chargingMinutes: UInt16
    /// Remaining minutes (0 for AC).
    public var remainingMinutes: UInt16
    /// Charged energy in 0.0001 kWh.
    public var energyRaw: UInt32
    /// Charged energy including loss in 0.0001 kWh (0 from some firmware).
    public var energyWithLossRaw: UInt32
    /// Charged amount in 0.0001 yuan.
    public var amountRaw: UInt32
    /// Hardware fault word, bit 0 = the document's "Bit1" (emergency stop).
    public var faultBits: UInt16

    /// A record from raw values (simulator, tests).
    public init(trade: YKCTradeNumber, pileCode: UInt64, gun: Int, status: UInt8, holstered: UInt8 = 0, plugged: UInt8 = 0,
                decivolts: UInt16 = 0, deciamps: UInt16 = 0, gunTemperatureRaw: UInt8 = 0, cableCode: UInt64 = 0,
                soc: UInt8 = 0, batteryTemperatureRaw: UInt8 = 0, chargingMinutes: UInt16 = 0, remainingMinutes: UInt16 = 0,
                energyRaw: UInt32 = 0, energyWithLossRaw: UInt32 = 0, amountRaw: UInt32 = 0, faultBits: UInt16 = 0) {
        self.trade = trade
        self.pileCode = pileCode
        self.gun = gun
        self.status = status
        self.holstered = holstered
        self.plugged = plugged
        self.decivolts = decivolts
        self.deciamps = deciamps
        self.gunTemperatureRaw = gunTemperatureRaw
        self.cableCode = cableCode
        self.soc = soc
        self.batteryTemperatureRaw = batteryTemperatureRaw
        self.chargingMinutes = chargingMinutes
        self.remainingMinutes = remainingMinutes
        self.energyRaw = energyRaw
        self.energyWithLossRaw = energyWithLossRaw
        self.amountRaw = amountRaw
        self.faultBits = faultBits
    }

    /// Decodes a 0x13 payload.
    @inlinable
    public init(payload p: UnsafeRawBufferPointer) throws(YKCDecodeError) {
        guard p.count >= Self.payloadLength else {
            throw .truncated(YKCFrameType.realtimeData, have: p.count, need: Self.payloadLength)
        }
        trade = YKCTradeNumber(p, 0)
        pileCode = YKCBytes.bcdPacked(p, 16, 7)
        gun = YKCBytes.bcdByteValue(p[23])
        status = p[24]
        holstered = p[25]
        plugged = p[26]
        decivolts = UInt16(YKCBytes.uintLE(p, 27, 2))
        deciamps = UInt16(YKCBytes.uintLE(p, 29, 2))
        gunTemperatureRaw = p[31]
        cableCode = YKCBytes.uintLE(p, 32, 8)
        soc = p[40]
        batteryTemperatureRaw = p[41]
        chargingMinutes = UInt16(YKCBytes.uintLE(p, 42, 2))
        remainingMinutes = UInt16(YKCBytes.uintLE(p, 44, 2))
        energyRaw = UInt32(YKCBytes.uintLE(p, 46, 4))
        energyWithLossRaw = UInt32(YKCBytes.uintLE(p, 50, 4))
        amountRaw = UInt32(YKCBytes.uintLE(p, 54, 4))
        faultBits = UInt16(YKCBytes.uintLE(p, 58, 2))
    }

    /// Volts.
    public var voltage: Double { Double(decivolts) / 10 }
    /// Amperes.
    public var current: Double { Double(deciamps) / 10 }
    /// Gun-cable °C.
    public var gunTemperature: Int { Int(gunTemperatureRaw) - 50 }
    /// Battery pack max °C.
    public var batteryTemperature: Int { Int(batteryTemperatureRaw) - 50 }
    /// kWh this session.
    public var energy: Double { Double(energyRaw) / 10_000 }
    /// kWh including loss; falls back to `energy` when the pile sends 0 (no loss ratio set).
    public var energyWithLoss: Double { Double(energyWithLossRaw == 0 ? energyRaw : energyWithLossRaw) / 10_000 }
    /// Yuan this session.
    public var amount: Double { Double(amountRaw) / 10_000 }
}

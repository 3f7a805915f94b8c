/// 0x3B transaction record (payload 158 bytes), sent at the end of a session and retried
/// every 30 s until the platform answers 0x40.
public struct YKCTransactionRecord: Sendable, Equatable {
    /// Payload bytes the layout needs.
    public static let payloadLength = 158

    /// One tariff period's figures (sharp, peak, flat, valley).
    public struct Period: Sendable, Equatable {
        /// Unit price (energy + service), 0.00001 yuan/kWh.
        public var priceRaw: UInt32
        /// Energy, 0.0001 kWh.
        public var energyRaw: UInt32
        /// Energy including loss, 0.0001 kWh.
        public var energyWithLossRaw: UInt32
        /// Amount, 0.0001 yuan.
        public var amountRaw: UInt32
    }

    /// Trade number.
    public var trade: YKCTradeNumber
    /// Pile code, packed BCD.
    public var pileCode: UInt64
    /// Gun number.
    public var gun: Int
    /// Session start, ns since the epoch (`nil` if the CP56Time2a was invalid).
    public var startTime: Int64?
    /// Session end, ns since the epoch.
    public var endTime: Int64?
    /// Sharp, peak, flat and valley periods, in that order.
    public var periods: [Period]
    /// Meter reading at start, 0.0001 kWh (5 bytes).
    public var meterStartRaw: UInt64
    /// Meter reading at end, 0.0001 kWh.
    public var meterEndRaw: UInt64
    /// Total energy, 0.0001 kWh.
    public var energyRaw: UInt32
    /// Total energy including loss, 0.0001 kWh.
    public var energyWithLossRaw: UInt32
    /// Total amount, 0.0001 yuan.
    public var amountRaw: UInt32
    /// Vehicle VIN (ASCII, normal order; empty when zero-filled).
    public var vin: String
    /// 1 app, 2 card, 4 offline card, 5 VIN start.
    public var tradeFlag: UInt8
    /// Trade time, ns since the epoch.
    public var tradeTime: Int64?
    /// Stop reason code (0x40-0x45 normal; see docs/schema.md).
    public var stopReason: UInt8
    /// Physical card number.
    public var cardNumber: UInt64

    /// Decodes a 0x3B payload; CP56Time2a times are read in the pile's time zone.
    public init(payload p: UnsafeRawBufferPointer, utcOffsetSeconds: Int) throws(YKCDecodeError) {
        guard p.count >= Self.payloadLength else {
            throw .truncated(YKCFrameType.transactionRecord, have: p.count, need: Self.payloadLength)
        }
        trade = YKCTradeNumber(p, 0)
        pileCode = YKCBytes.bcdPacked(p, 16, 7)
        gun = YKCBytes.bcdByteValue(p[23])
        startTime = YKCBytes.cp56Time2a(p, 24, utcOffsetSeconds: utcOffsetSeconds)
        endTime = YKCBytes.cp56Time2a(p, 31, utcOffsetSeconds: utcOffsetSeconds)
        periods = (0..<4).map { k in
            let o = 38 + 16 * k
            return Period(priceRaw: UInt32(YKCBytes.uintLE(p, o, 4)), energyRaw: UInt32(YKCBytes.uintLE(p, o + 4, 4)),
                          energyWithLossRaw: UInt32(YKCBytes.uintLE(p, o + 8, 4)),
                          amountRaw: UInt32(YKCBytes.uintLE(p, o + 12, 4)))
        }
        meterStartRaw = YKCBytes.uintLE(p, 102, 5)
        meterEndRaw = YKCBytes.uintLE(p, 107, 5)
        energyRaw = UInt32(YKCBytes.uintLE(p, 112, 4))
        energyWithLossRaw = UInt32(YKCBytes.uintLE(p, 116, 4))
        amountRaw = UInt32(YKCBytes.uintLE(p, 120, 4))
        let vinBytes = UnsafeRawBufferPointer(rebasing: p[124..<141])
        vin = String(decoding: vinBytes.filter { $0 >= 0x20 && $0 < 0x7F }, as: UTF8.self)
        tradeFlag = p[141]
        tradeTime = YKCBytes.cp56Time2a(p, 142, utcOffsetSeconds: utcOffsetSeconds)
        stopReason = p[149]
        cardNumber = YKCBytes.uintLE(p, 150, 8)
    }

    /// Total kWh.
    public var energy: Double { Double(energyRaw) / 10_000 }
    /// Total yuan.
    public var amount: Double { Double(amountRaw) / 10_000 }
    /// Meter start, kWh.
    public var meterStart: Double { Double(meterStartRaw) / 10_000 }
    /// Meter end, kWh.
    public var meterEnd: Double { Double(meterEndRaw) / 10_000 }
}

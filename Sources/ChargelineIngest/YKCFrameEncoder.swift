/// Builds YKC frames into one reusable buffer: replies on the server, pile frames in the
/// simulator and tests. Encoding allocates nothing once the buffer exists; the frame just
/// built is `frame` (valid until the next encode).
///
/// Every frame is written with its CRC low byte first (standard Modbus order, what all the
/// open platforms send) and the 2 sequence bytes exactly as given.
public struct YKCFrameEncoder: Sendable {
    /// Storage; the current frame is `storage[0..<count]`. 256 bytes hold any frame (L <= 255).
    private var storage = [UInt8](repeating: 0, count: 260)
    /// Bytes of the current frame.
    public private(set) var count = 0

    /// An encoder with an empty buffer.
    public init() {}

    /// The frame built by the last call.
    public var frame: ArraySlice<UInt8> { storage[0..<count] }

    /// Calls `body` with the last frame's bytes.
    @discardableResult
    public func withFrame<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }

    // MARK: Building blocks

    /// Starts a frame of `type` with sequence bytes `sequence`.
    public mutating func begin(type: UInt8, sequence: (UInt8, UInt8)) {
        storage[0] = 0x68
        storage[1] = 0
        storage[2] = sequence.0
        storage[3] = sequence.1
        storage[4] = 0
        storage[5] = type
        count = 6
    }

    /// Appends one byte.
    public mutating func put(_ b: UInt8) {
        storage[count] = b
        count += 1
    }

    /// Appends `width` bytes of `value`, little-endian.
    public mutating func putLE(_ value: UInt64, width: Int) {
        for i in 0..<width { storage[count + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        count += width
    }

    /// Appends `width` bytes of a packed BCD code, most significant byte first.
    public mutating func putPacked(_ value: UInt64, width: Int) {
        for i in 0..<width { storage[count + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(width - 1 - i))) }
        count += width
    }

    /// Appends a number 0...99 as one BCD byte (gun numbers).
    public mutating func putBCD(_ value: Int) {
        put(UInt8((value / 10 % 10) << 4 | value % 10))
    }

    /// Appends a trade number.
    public mutating func putTrade(_ trade: YKCTradeNumber) {
        putPacked(trade.high, width: 8)
        putPacked(trade.low, width: 8)
    }

    /// Appends `width` zero bytes.
    public mutating func putZeros(_ width: Int) {
        for i in 0..<width { storage[count + i] = 0 }
        count += width
    }

    /// Sets the length byte and appends the CRC (low byte first). `crcOrder: .highByteFirst`
    /// is for simulating firmware that sends it the other way round.
    public mutating func finish(crcOrder: YKCCRCOrder = .lowByteFirst) {
        let length = count - 2
        precondition(length >= YKCFramer.minLength && length <= 255, "BUG: YKC frame length \(length)")
        storage[1] = UInt8(length)
        let crc = storage.withUnsafeBytes { YKCCRC16.checksum(UnsafeRawBufferPointer(rebasing: $0[2..<count])) }
        let (first, second) = crcOrder == .lowByteFirst ? (UInt8(crc & 0xFF), UInt8(crc >> 8)) : (UInt8(crc >> 8), UInt8(crc & 0xFF))
        storage[count] = first
        storage[count + 1] = second
        count += 2
    }

    // MARK: Platform replies

    /// 0x02 login reply: result 0 accepted, 1 rejected.
    public mutating func loginReply(sequence: (UInt8, UInt8), pileCode: UInt64, accepted: Bool) {
        begin(type: YKCFrameType.loginReply, sequence: sequence)
        putPacked(pileCode, width: 7)
        put(accepted ? 0 : 1)
        finish()
    }

    /// 0x04 heartbeat reply (reply byte 0).
    public mutating func heartbeatReply(sequence: (UInt8, UInt8), pileCode: UInt64, gun: Int) {
        begin(type: YKCFrameType.heartbeatReply, sequence: sequence)
        putPacked(pileCode, width: 7)
        putBCD(gun)
        put(0)
        finish()
    }

    /// 0x06 billing-model check reply: `modelNumber` echoed, result 0 = same as the platform's,
    /// 1 = differs (the pile then requests the model with 0x09).
    public mutating func billingModelCheckReply(sequence: (UInt8, UInt8), pileCode: UInt64, modelNumber: UInt16,
                                                matches: Bool) {
        begin(type: YKCFrameType.billingModelCheckReply, sequence: sequence)
        putPacked(pileCode, width: 7)
        putPacked(UInt64(modelNumber), width: 2)
        put(matches ? 0 : 1)
        finish()
    }

    /// 0x0A billing-model reply: the platform's model.
    public mutating func billingModelReply(sequence: (UInt8, UInt8), pileCode: UInt64, model: YKCBillingModel) {
        begin(type: YKCFrameType.billingModelReply, sequence: sequence)
        putPacked(pileCode, width: 7)
        putPacked(UInt64(model.modelNumber), width: 2)
        for price in model.prices { putLE(UInt64(price), width: 4) }
        put(model.lossRatio)
        for slot in model.slots { put(slot) }
        finish()
    }

    /// 0x40 transaction-record acknowledgement: result 0 accepted, 1 illegal bill.
    public mutating func transactionRecordAck(sequence: (UInt8, UInt8), trade: YKCTradeNumber, accepted: Bool) {
        begin(type: YKCFrameType.transactionRecordAck, sequence: sequence)
        putTrade(trade)
        put(accepted ? 0 : 1)
        finish()
    }
}

/// 0x01 login (payload 30 bytes): who the pile is and what it runs.
public struct YKCLogin: Sendable, Equatable {
    /// Payload bytes the layout needs.
    public static let payloadLength = 30

    /// Pile code, 7 BCD bytes packed (`YKCBytes.bcdPacked`).
    public var pileCode: UInt64
    /// 0 DC, 1 AC.
    public var pileType: UInt8
    /// Number of guns.
    public var gunCount: UInt8
    /// Protocol version x 10 (0x0F = V1.5, 0x10 = V1.6).
    public var protocolVersion: UInt8
    /// Firmware version, ASCII without the zero padding.
    public var firmware: String
    /// 0 SIM, 1 LAN, 2 WAN, 3 other.
    public var networkType: UInt8
    /// SIM ICCID as hex digits (may hold A-F).
    public var sim: String
    /// Carrier code, raw (sources disagree on its meaning).
    public var carrier: UInt8

    /// Decodes a login payload. Extra trailing bytes are ignored.
    public init(payload p: UnsafeRawBufferPointer) throws(YKCDecodeError) {
        guard p.count >= Self.payloadLength else { throw .truncated(YKCFrameType.login, have: p.count, need: Self.payloadLength) }
        pileCode = YKCBytes.bcdPacked(p, 0, 7)
        pileType = p[7]
        gunCount = p[8]
        protocolVersion = p[9]
        let fw = UnsafeRawBufferPointer(rebasing: p[10..<18])
        firmware = String(decoding: fw.prefix { $0 != 0 }, as: UTF8.self)
        networkType = p[18]
        sim = YKCBytes.hex(p, 19, 10)
        carrier = p[29]
    }
}

/// 0x03 heartbeat (payload 9 bytes): pile, gun, gun state.
public struct YKCHeartbeat: Sendable, Equatable {
    /// Payload bytes the layout needs.
    public static let payloadLength = 9
    /// Pile code, packed BCD.
    public var pileCode: UInt64
    /// Gun number (BCD `01` -> 1).
    public var gun: Int
    /// 0 normal, 1 fault.
    public var gunState: UInt8

    /// Decodes a heartbeat payload.
    @inlinable
    public init(payload p: UnsafeRawBufferPointer) throws(YKCDecodeError) {
        guard p.count >= Self.payloadLength else { throw .truncated(YKCFrameType.heartbeat, have: p.count, need: Self.payloadLength) }
        pileCode = YKCBytes.bcdPacked(p, 0, 7)
        gun = YKCBytes.bcdByteValue(p[7])
        gunState = p[8]
    }
}

/// 0x05 billing-model check (payload 9 bytes): pile and the model number it holds.
public struct YKCBillingModelCheck: Sendable, Equatable {
    /// Payload bytes the layout needs.
    public static let payloadLength = 9
    /// Pile code, packed BCD.
    public var pileCode: UInt64
    /// Model number, 2 BCD bytes packed (`0x0100`); 0 on first connect.
    public var modelNumber: UInt16

    /// Decodes a billing-model check payload.
    public init(payload p: UnsafeRawBufferPointer) throws(YKCDecodeError) {
        guard p.count >= Self.payloadLength else {
            throw .truncated(YKCFrameType.billingModelCheck, have: p.count, need: Self.payloadLength)
        }
        pileCode = YKCBytes.bcdPacked(p, 0, 7)
        modelNumber = UInt16(YKCBytes.bcdPacked(p, 7, 2))
    }
}

/// 0x09 billing-model request (payload 7 bytes): the pile code only.
public struct YKCBillingModelRequest: Sendable, Equatable {
    /// Payload bytes the layout needs.
    public static let payloadLength = 7
    /// Pile code, packed BCD.
    public var pileCode: UInt64

    /// Decodes a billing-model request payload.
    public init(payload p: UnsafeRawBufferPointer) throws(YKCDecodeError) {
        guard p.count >= Self.payloadLength else {
            throw .truncated(YKCFrameType.billingModelRequest, have: p.count, need: Self.payloadLength)
        }
        pileCode = YKCBytes.bcdPacked(p, 0, 7)
    }
}

/// CRC-16/MODBUS (reflected polynomial 0xA001, init 0xFFFF, no final XOR), the checksum on
/// every YKC frame. It covers frame bytes `[2 ..< 2 + L]`: sequence number, encryption flag,
/// frame type and payload (not the `0x68` start byte, not the length byte).
///
/// The YKC document calls the polynomial "0x180D"; that is a mislabel (a plain CRC with it
/// matches no captured frame), its appendix code is the classic Modbus table CRC. See
/// `docs/ykc-protocol.md` section 1.3. Check value: `"123456789"` -> `0x4B37`.
public enum YKCCRC16 {
    /// The 256-entry table for byte-at-a-time computation.
    @usableFromInline
    static let table: [UInt16] = (0..<256).map { i -> UInt16 in
        var c = UInt16(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0xA001 : c >> 1 }
        return c
    }

    /// The CRC of `bytes` (the standard value: on the wire, in Modbus order, its low byte goes first).
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes {
                crc = (crc >> 8) ^ t[Int((crc ^ UInt16(b)) & 0xFF)]
            }
        }
        return crc
    }

    /// The CRC of an array of bytes (tests and tools).
    public static func checksum(_ bytes: [UInt8]) -> UInt16 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}

/// Which byte order a received frame's CRC used. Piles send both (see `YKCFramer`); the
/// platform always answers with `lowByteFirst`.
public enum YKCCRCOrder: Sendable, Equatable {
    /// Standard Modbus order: low byte of the CRC first. The spec samples and every platform.
    case lowByteFirst
    /// High byte first: what some real pile firmware sends.
    case highByteFirst
}

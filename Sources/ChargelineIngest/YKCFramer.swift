/// Finds YKC frames in a byte stream. Stateless: the caller keeps the bytes (a NIO
/// `ByteBuffer`, an array) and calls `next(in:)` on what it has not consumed yet, consuming
/// `YKCFramingStep.consumed` bytes after each call.
///
/// ```
/// ┌──────┬───────┬───────────┬──────────┬────────┬─────────────┬──────────────┐
/// │ 0x68 │ L <u8>│ seq <2>   │ enc <u8> │ type   │ payload     │ crc16 <2>    │
/// └──────┴───────┴───────────┴──────────┴────────┴─────────────┴──────────────┘
///          L = 4 + payload length; frame = L + 4 bytes; CRC over bytes [2 ..< 2+L]
/// ```
///
/// - Bytes before a `0x68` are skipped (reported once as `.garbage`).
/// - `L < 4` or `L > maxLength` is reported as `.badLength` and one byte is consumed, so the
///   search resumes at the next `0x68`.
/// - The CRC is accepted in either byte order (real firmware sends high byte first, the spec
///   low byte first). A frame whose CRC matches neither is `.badCRC`, and only its start byte
///   is consumed: a real frame may begin inside a corrupt one.
/// - A frame split across reads is `.needMore` until its last byte arrives, unless a complete
///   frame with a good CRC already starts at a later `0x68` inside the span the length byte
///   claims: then the claimed frame is taken for a damaged one (`.badCRC`, its start byte
///   consumed) instead of holding the good frames behind it until enough bytes arrive (a
///   length byte of 200 on a 17-byte heartbeat held the pile's next ten heartbeats, long
///   enough for the pile to give up on their replies).
public enum YKCFramer {
    /// Largest length byte accepted. The V1.6 document caps `L` at 200; the largest frame a
    /// pile sends, the 0x3B transaction record, has `L = 0xA2` (162).
    public static let maxLength = 200
    /// Smallest length byte: seq (2) + encryption flag (1) + type (1) with an empty payload.
    public static let minLength = 4

    /// What the next bytes hold.
    public enum Step: Sendable, Equatable {
        /// Not enough bytes for a decision; consume nothing and wait for more.
        case needMore
        /// `count` bytes before the next `0x68` (or to the end) are not a frame.
        case garbage(count: Int)
        /// A length byte outside `minLength...maxLength`; consume 1 byte.
        case badLength(length: Int)
        /// A complete candidate frame of `count` bytes whose CRC matched neither byte order, or
        /// an incomplete one with a good frame starting `count` bytes in; consume 1 byte.
        case badCRC(count: Int)
        /// A good frame of `count` bytes at the start.
        case frame(count: Int, crcOrder: YKCCRCOrder)

        /// How many bytes the caller consumes after this step.
        public var consumed: Int {
            switch self {
            case .needMore: 0
            case .garbage(let n): n
            case .badLength, .badCRC: 1
            case .frame(let n, _): n
            }
        }
    }

    /// Looks at the start of `bytes`.
    @inlinable
    public static func next(in bytes: UnsafeRawBufferPointer) -> Step {
        guard !bytes.isEmpty else { return .needMore }
        if bytes[0] != 0x68 {
            var i = 1
            while i < bytes.count && bytes[i] != 0x68 { i += 1 }
            return .garbage(count: i)
        }
        guard bytes.count >= 2 else { return .needMore }
        let length = Int(bytes[1])
        guard length >= minLength && length <= maxLength else { return .badLength(length: length) }
        let total = length + 4
        guard bytes.count >= total else {
            // Incomplete: wait for the rest, unless a good frame is already here behind it.
            var p = 1
            while p < bytes.count {
                if bytes[p] == 0x68, goodFrame(in: bytes, at: p) != nil { return .badCRC(count: p) }
                p += 1
            }
            return .needMore
        }
        return goodFrame(in: bytes, at: 0) ?? .badCRC(count: total)
    }

    /// `.frame` when a complete frame with a good CRC (either byte order) and a valid length
    /// starts at `start`, else nil.
    @usableFromInline
    static func goodFrame(in bytes: UnsafeRawBufferPointer, at start: Int) -> Step? {
        guard bytes.count - start >= 2 else { return nil }
        let length = Int(bytes[start + 1])
        guard length >= minLength && length <= maxLength, bytes.count - start >= length + 4 else { return nil }
        let crc = YKCCRC16.checksum(UnsafeRawBufferPointer(rebasing: bytes[(start + 2)..<(start + 2 + length)]))
        let lo = bytes[start + 2 + length], hi = bytes[start + 3 + length]
        if lo == UInt8(crc & 0xFF) && hi == UInt8(crc >> 8) { return .frame(count: length + 4, crcOrder: .lowByteFirst) }
        if hi == UInt8(crc & 0xFF) && lo == UInt8(crc >> 8) { return .frame(count: length + 4, crcOrder: .highByteFirst) }
        return nil
    }
}

/// A view of one complete, CRC-checked YKC frame inside the caller's bytes; valid only as
/// long as those bytes are.
public struct YKCFrame {
    /// The whole frame, start byte to CRC.
    public let bytes: UnsafeRawBufferPointer

    /// Wraps a frame `YKCFramer` reported as `.frame`.
    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// The sequence number's two bytes as sent (echoed unchanged in replies: implementations
    /// disagree on their byte order, so the platform never interprets them).
    @inlinable
    public var sequence: (UInt8, UInt8) { (bytes[2], bytes[3]) }
    /// 0 plain, 1 3DES-encrypted payload (not supported by any open implementation).
    @inlinable
    public var encryption: UInt8 { bytes[4] }
    /// The frame type code (see `YKCFrameType`).
    @inlinable
    public var type: UInt8 { bytes[5] }
    /// The payload ("message body") between the type byte and the CRC.
    @inlinable
    public var payload: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[6..<(bytes.count - 2)]) }
}

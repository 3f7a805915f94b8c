/// Why a CRC-valid frame's payload could not be used. The handler counts it per pile and
/// logs it with the pile code and the frame's hex.
public struct YKCDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The frame type whose payload was rejected.
    public let frameType: UInt8
    /// What is wrong.
    public let message: String

    /// An error for frame type `frameType`.
    public init(frameType: UInt8, _ message: String) {
        self.frameType = frameType
        self.message = message
    }

    /// A payload shorter than its layout.
    @usableFromInline
    static func truncated(_ type: UInt8, have: Int, need: Int) -> YKCDecodeError {
        YKCDecodeError(frameType: type, "payload of \(have) bytes is shorter than the \(need) bytes the layout needs")
    }

    public var description: String {
        "frame 0x\(String(frameType, radix: 16, uppercase: true)): \(message)"
    }
}

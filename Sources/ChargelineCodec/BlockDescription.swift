/// Describes a block for `inspect` and debugging, without decoding its values.
public enum BlockDescription {
    /// The encoding name, the second stage and the sizes, e.g.
    /// `float-xor + zstd (payload 5123 B, stored 2210 B)` or `ts-constant-stride (payload 9 B)`.
    /// A malformed header yields `invalid block: <reason>`; never throws, never reads out of bounds.
    public static func describe(_ block: UnsafeRawBufferPointer) -> String {
        do throws(CodecError) {
            let header = try BlockFrame.parseHeader(block)
            if header.stage == .none {
                return "\(header.encoding.name) (payload \(header.payloadCount) B)"
            }
            return "\(header.encoding.name) + \(header.stage) (payload \(header.payloadCount) B, "
                + "stored \(header.stored.count) B)"
        } catch {
            return "invalid block: \(error.message)"
        }
    }

    /// The first-stage encoding of a block, or nil when its tag is unknown or it is empty.
    public static func encoding(of block: UnsafeRawBufferPointer) -> BlockEncoding? {
        block.isEmpty ? nil : BlockEncoding(rawValue: block[0])
    }

    /// The second stage of a block, or nil when the block is too short or the byte is unknown.
    public static func secondStage(of block: UnsafeRawBufferPointer) -> SecondStage? {
        block.count < 2 ? nil : SecondStage(rawValue: block[1])
    }
}

/// How hard to compress: chosen by storage per write path.
///
/// The first-stage encoding is always the smallest applicable one; these options only steer the
/// second stage. A second stage is kept only when the payload is at least
/// ``CodecOptions/minimumPayloadForSecondStage`` bytes and the compressed form (with its length
/// prefix) saves at least 10% of it.
public struct CodecOptions: Sendable, Equatable {
    /// The second-stage compressor to try.
    public var secondStage: SecondStagePreference

    /// Creates options that try `secondStage`.
    public init(secondStage: SecondStagePreference) {
        self.secondStage = secondStage
    }

    /// Head flushes: LZ4 second stage where it pays (fast to write, very fast to read).
    public static let fast = CodecOptions(secondStage: .lz4)
    /// Compaction: Zstandard level 3 second stage where it pays (zstd's default level: most of
    /// the ratio of higher levels at a fraction of their time).
    public static let compact = CodecOptions(secondStage: .zstd(level: 3))
    /// No second stage at all (tests, debugging, data that is known not to compress).
    public static let uncompressed = CodecOptions(secondStage: .none)

    /// Payloads shorter than this are never compressed: LZ4 and zstd headers and the length
    /// prefix eat most of what they could save, and the decompressor call costs more than reading
    /// the bytes.
    public static let minimumPayloadForSecondStage = 64
}

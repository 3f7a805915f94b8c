/// Which second-stage compressor an encoder should *try*. The encoder keeps the compressed form
/// only when it pays (see ``CodecOptions``); the choice actually made is recorded in the block.
public enum SecondStagePreference: Sendable, Equatable {
    /// Never compress the payload further.
    case none
    /// Try LZ4: cheap to compress, very cheap to decompress (head flushes).
    case lz4
    /// Try Zstandard at `level` (1...`ZSTD_maxCLevel()`, 3 is zstd's default; negative levels
    /// are zstd's fast modes). Used by compaction, where time matters less than size.
    case zstd(level: Int32)
}

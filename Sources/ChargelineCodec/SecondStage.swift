/// The general-purpose compressor applied to a block payload after its first-stage encoding,
/// as recorded in byte 1 of every block. The raw value is on disk: never renumber a case.
public enum SecondStage: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// The payload follows the two header bytes directly.
    case none = 0
    /// LZ4 block format (`LZ4_compress_default`), preceded by the uncompressed length.
    case lz4 = 1
    /// One Zstandard frame (`ZSTD_compress`), preceded by the uncompressed length.
    case zstd = 2

    /// The name used by `inspect` output and error messages.
    public var description: String {
        switch self {
        case .none: "none"
        case .lz4: "lz4"
        case .zstd: "zstd"
        }
    }
}

import CLZ4
import CZstd

/// The second-stage compressors (LZ4 block format, one Zstandard frame) over caller-owned
/// buffers. Stateless; safe to call from any thread. Storage may use it for other byte blobs
/// (index sections, say); codecs use it through the block framing.
public enum Compressor {
    /// `ZSTD_getFrameContentSize` results meaning "unknown" and "error"
    /// (`ZSTD_CONTENTSIZE_UNKNOWN` / `ZSTD_CONTENTSIZE_ERROR`, macros Swift does not import).
    private static let zstdContentSizeUnknown = UInt64.max
    private static let zstdContentSizeError = UInt64.max - 1
    /// An LZ4 block expands at most ~255 times (a match-length byte of 255 adds 255 bytes), so a
    /// declared size above 256 times the compressed size is a lie; rejecting it before
    /// allocating keeps garbage from requesting gigabytes.
    private static let lz4MaxExpansion = 256

    /// The largest compressed size `stage` can produce for `sourceCount` bytes, or nil when the
    /// input is too large for the compressor (LZ4: 2,113,929,216 bytes).
    public static func maxCompressedCount(_ stage: SecondStage, sourceCount: Int) -> Int? {
        switch stage {
        case .none:
            return sourceCount
        case .lz4:
            guard sourceCount <= Int(LZ4_MAX_INPUT_SIZE) else { return nil }
            return Int(LZ4_compressBound(Int32(sourceCount)))
        case .zstd:
            let bound = ZSTD_compressBound(sourceCount)
            return ZSTD_isError(bound) != 0 ? nil : bound
        }
    }

    /// Compresses `source` into `destination` and returns the compressed size, or nil when the
    /// compressor fails (destination too small, input too large). `.none` copies.
    /// `destination` should hold ``maxCompressedCount(_:sourceCount:)`` bytes.
    public static func compress(
        _ source: UnsafeRawBufferPointer, using preference: SecondStagePreference,
        into destination: UnsafeMutableRawBufferPointer
    ) -> Int? {
        let srcBase = source.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        guard let dstBase = destination.baseAddress else { return source.isEmpty ? 0 : nil }
        switch preference {
        case .none:
            guard destination.count >= source.count else { return nil }
            dstBase.copyMemory(from: srcBase, byteCount: source.count)
            return source.count
        case .lz4:
            guard source.count <= Int(LZ4_MAX_INPUT_SIZE) else { return nil }
            let n = LZ4_compress_default(
                srcBase.assumingMemoryBound(to: CChar.self), dstBase.assumingMemoryBound(to: CChar.self),
                Int32(source.count), Int32(clamping: destination.count))
            return n > 0 ? Int(n) : nil
        case .zstd(let level):
            let n = ZSTD_compress(dstBase, destination.count, srcBase, source.count, level)
            return ZSTD_isError(n) != 0 ? nil : n
        }
    }

    /// Appends the compressed form of `source` to `out`, returning its size.
    /// Throws when the compressor fails (input too large for LZ4).
    @discardableResult
    public static func compress(
        _ source: UnsafeRawBufferPointer, using preference: SecondStagePreference,
        appendingTo out: inout [UInt8]
    ) throws(CodecError) -> Int {
        let bound = maxCompressedCount(stage(of: preference), sourceCount: source.count)
        guard let bound else {
            throw CodecError("cannot compress \(source.count) bytes with \(preference): input too large")
        }
        var result: Int? = nil
        out.appendUnsafe(maxCount: bound) { p in
            result = compress(source, using: preference, into: UnsafeMutableRawBufferPointer(start: p, count: bound))
            return result ?? 0
        }
        guard let result else {
            throw CodecError("compressing \(source.count) bytes with \(preference) failed")
        }
        return result
    }

    /// The stage a preference produces.
    public static func stage(of preference: SecondStagePreference) -> SecondStage {
        switch preference {
        case .none: .none
        case .lz4: .lz4
        case .zstd: .zstd
        }
    }

    /// Checks, before anything is allocated, that `source` can plausibly decompress to exactly
    /// `count` bytes with `stage`.
    static func validateDeclaredCount(
        _ source: UnsafeRawBufferPointer, stage: SecondStage, count: Int
    ) throws(CodecError) {
        switch stage {
        case .none:
            guard count == source.count else {
                throw CodecError("uncompressed payload declares \(count) bytes but holds \(source.count)")
            }
        case .lz4:
            guard count <= source.count.multipliedReportingOverflow(by: lz4MaxExpansion).partialValue,
                count <= Int(LZ4_MAX_INPUT_SIZE)
            else {
                throw CodecError(
                    "lz4 payload of \(source.count) bytes cannot expand to the declared \(count) bytes; "
                        + "the length prefix is corrupt")
            }
        case .zstd:
            guard let base = source.baseAddress else {
                throw CodecError("zstd payload is empty; the block is truncated")
            }
            let content = ZSTD_getFrameContentSize(base, source.count)
            guard content != zstdContentSizeError, content != zstdContentSizeUnknown else {
                throw CodecError(
                    "zstd payload does not start with a frame header that records its size; the block is corrupt")
            }
            guard content == UInt64(count) else {
                throw CodecError(
                    "zstd frame holds \(content) bytes but the block declares \(count); the block is corrupt")
            }
            let frame = ZSTD_findFrameCompressedSize(base, source.count)
            guard ZSTD_isError(frame) == 0, frame == source.count else {
                throw CodecError(
                    "zstd frame is truncated or followed by trailing bytes (\(source.count) bytes given); "
                        + "the block is corrupt")
            }
        }
    }

    /// Decompresses `source` into exactly `destination.count` bytes. Throws when the input is
    /// malformed or does not produce exactly that many bytes; never writes past `destination`.
    public static func decompress(
        _ source: UnsafeRawBufferPointer, stage: SecondStage, into destination: UnsafeMutableRawBufferPointer
    ) throws(CodecError) {
        try validateDeclaredCount(source, stage: stage, count: destination.count)
        if destination.isEmpty && stage == .none { return }
        let srcBase = source.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        let dstBase = destination.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 1)!
        switch stage {
        case .none:
            dstBase.copyMemory(from: srcBase, byteCount: source.count)
        case .lz4:
            let n = LZ4_decompress_safe(
                srcBase.assumingMemoryBound(to: CChar.self), dstBase.assumingMemoryBound(to: CChar.self),
                Int32(clamping: source.count), Int32(destination.count))
            guard n == Int32(destination.count) else {
                throw CodecError(
                    n < 0
                        ? "lz4 payload of \(source.count) bytes is malformed (error \(n)); the block is corrupt"
                        : "lz4 payload decompresses to \(n) bytes, not the declared \(destination.count); "
                            + "the block is corrupt")
            }
        case .zstd:
            let n = ZSTD_decompress(dstBase, destination.count, srcBase, source.count)
            if ZSTD_isError(n) != 0 {
                let reason = String(cString: ZSTD_getErrorName(n))
                throw CodecError("zstd payload is malformed (\(reason)); the block is corrupt")
            }
            guard n == destination.count else {
                throw CodecError(
                    "zstd payload decompresses to \(n) bytes, not the declared \(destination.count); "
                        + "the block is corrupt")
            }
        }
    }
}

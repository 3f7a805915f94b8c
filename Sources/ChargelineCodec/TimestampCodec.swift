/// Encodes and decodes blocks of Int64 timestamps (nanoseconds; any Int64 sequence round-trips,
/// sorted or not, with wrapping arithmetic throughout).
///
/// Per block the smallest applicable encoding is chosen:
/// - ``BlockEncoding/timestampConstantStride``: `first + i * stride` (regular sampling, single
///   values);
/// - ``BlockEncoding/timestampDeltaOfDelta``: deltas divided by the largest power of ten that
///   divides them all, then delta-of-delta as zig-zag varints (jittered regular sampling);
/// - ``BlockEncoding/timestampDelta``: the same scaled deltas without the second difference
///   (irregular sampling, where delta-of-delta would be larger);
/// - ``BlockEncoding/timestampResidual``: the scaled offsets from the first timestamp minus
///   `i × stride` (the mean stride) through ``ResidualStream``: for jitter around a regular
///   grid these residuals are the jitter itself, which is cheaper than its differences.
public enum TimestampCodec {
    /// Appends one self-describing block (tag byte first) holding `values` to `out`.
    ///
    /// Any Int64 sequence round-trips: ascending order is typical, but neither order nor
    /// uniqueness is assumed. Allocates nothing beyond the growth of `out` (and the second-stage
    /// compressor's own state, when one is tried).
    public static func encode(_ values: UnsafeBufferPointer<Int64>, options: CodecOptions, into out: inout [UInt8]) {
        let start = BlockFrame.begin(&out)
        let encoding = writePayload(values, into: &out)
        BlockFrame.finish(&out, blockStart: start, encoding: encoding, options: options)
    }

    /// Decodes a block of exactly `count` values, appending them to `out`.
    ///
    /// Throws ``CodecError`` when the block is malformed, belongs to another codec or does not
    /// hold exactly `count` values; `out` is then left as it was. Never reads outside `block`.
    public static func decode(_ block: UnsafeRawBufferPointer, count: Int, into out: inout [Int64]) throws(CodecError) {
        // Worst case: the residual stream after first value, exponent and stride; varints need
        // at most 9 + 10 bytes per value.
        let maxPayload = 9 + Varint.maxBytes + ResidualStream.maxEncodedCount(count)
        try BlockFrame.withPayload(block, family: .timestamp, count: count, maxPayloadCount: maxPayload) {
            (encoding, payload) throws(CodecError) -> Void in
            var reader = ByteReader(payload, encoding: encoding)
            try out.appendDecoded(count: count, filler: 0) { (dst) throws(CodecError) -> Void in
                switch encoding {
                case .timestampConstantStride:
                    try decodeConstantStride(&reader, into: dst)
                case .timestampDeltaOfDelta:
                    try decodeDeltas(&reader, into: dst, secondOrder: true)
                case .timestampDelta:
                    try decodeDeltas(&reader, into: dst, secondOrder: false)
                case .timestampResidual:
                    try decodeResidual(&reader, into: dst)
                    return
                default:
                    preconditionFailure("BUG: \(encoding) passed the timestamp family check")
                }
                try reader.expectEnd()
            }
        }
    }

    // MARK: - Encoding

    private static func writePayload(_ values: UnsafeBufferPointer<Int64>, into out: inout [UInt8]) -> BlockEncoding {
        let n = values.count
        if n == 0 { return .empty }
        let first = values[0]
        let stride = n > 1 ? values[1] &- first : 0
        // One pass: does every delta equal the first one, and which bits do the deltas use?
        var mismatch: Int64 = 0
        var deltaBits: Int64 = 0
        var i = 1
        while i < n {
            let d = values[i] &- values[i &- 1]
            mismatch |= d ^ stride
            deltaBits |= d
            i &+= 1
        }
        out.appendUInt64(UInt64(bitPattern: first))
        if mismatch == 0 {
            out.appendUVarint(Varint.zigzag(stride))
            return .timestampConstantStride
        }

        let scale = DecimalScale.largest(dividingDeltasOf: values, deltaBits: deltaBits)
        // Sizes of both candidates, so the smaller one is written (one cheap pass).
        var deltaSize = 0
        var dodSize = 0
        var previous: Int64 = 0
        i = 1
        while i < n {
            let q = scale.divide(values[i] &- values[i &- 1])
            deltaSize &+= Varint.size(Varint.zigzag(q))
            dodSize &+= Varint.size(Varint.zigzag(q &- previous))
            previous = q
            i &+= 1
        }
        let secondOrder = dodSize < deltaSize
        let varintCount = 1 + (secondOrder ? dodSize : deltaSize)
        let residualStart = out.count
        writeResidual(values, scale: scale, into: &out)
        if out.count - residualStart < varintCount { return .timestampResidual }
        out.removeLast(out.count - residualStart)
        out.append(UInt8(scale.exponent))
        out.appendUnsafe(maxCount: secondOrder ? dodSize : deltaSize) { p in
            var written = 0
            var previous: Int64 = 0
            var i = 1
            while i < n {
                let q = scale.divide(values[i] &- values[i &- 1])
                written &+= Varint.write(Varint.zigzag(secondOrder ? q &- previous : q), to: p + written)
                previous = q
                i &+= 1
            }
            return written
        }
        return secondOrder ? .timestampDeltaOfDelta : .timestampDelta
    }

    /// Appends `k <u8>`, `zigzag(stride) <uvarint>` and the residual stream of
    /// `x_i = q_i − i·stride` for i ≥ 1, where `q_i = (t_i − t_0) / 10^k` (the first timestamp
    /// is already in `out`).
    private static func writeResidual(_ values: UnsafeBufferPointer<Int64>, scale: DecimalScale, into out: inout [UInt8]) {
        let n = values.count
        let m = n - 1
        let headerMax = 1 + Varint.maxBytes
        let streamMax = ResidualStream.maxEncodedCount(m)
        out.appendUnsafe(maxCount: headerMax + streamMax + 8 + 8 * m) { p in
            let scratchOffset = (headerMax + streamMax + 7 + Int(bitPattern: p)) & ~7 - Int(bitPattern: p)
            return (p + scratchOffset).withMemoryRebound(to: Int64.self, capacity: m) { x in
                var q: Int64 = 0
                for i in 1..<n {
                    q &+= scale.divide(values[i] &- values[i &- 1])
                    x[i &- 1] = q
                }
                let stride = fittedStride(UnsafeBufferPointer(start: x, count: m))
                var offset: Int64 = 0
                for j in 0..<m {
                    offset &+= stride
                    x[j] &-= offset
                }
                p.storeBytes(of: UInt8(scale.exponent), as: UInt8.self)
                var o = 1 &+ Varint.write(Varint.zigzag(stride), to: p + 1)
                o &+= ResidualStream.encode(UnsafeBufferPointer(start: x, count: m), to: p + o)
                return o
            }
        }
    }

    /// The stride that makes `x_j − (j + 1)·stride` most level: the mean stride, corrected by
    /// the least-squares slope of what it leaves. End-to-end averaging alone would tilt a short
    /// block by (jitter_last − jitter_first) / (n − 1) per row (±4 ms over 448 rows of ±1 s
    /// jitter: a 12th bit on every residual). Any stride decodes exactly; this only sizes them.
    static func fittedStride(_ x: UnsafeBufferPointer<Int64>) -> Int64 {
        let m = x.count
        let mean = x[m - 1] / Int64(m)
        guard m >= 3 else { return mean }
        var sumI = 0.0, sumX = 0.0, sumIX = 0.0, sumII = 0.0
        var offset: Int64 = 0
        for j in 0..<m {
            offset &+= mean
            let i = Double(j)
            let r = Double(x[j] &- offset)
            sumI += i
            sumX += r
            sumIX += i * r
            sumII += i * i
        }
        let n = Double(m)
        let slope = (n * sumIX - sumI * sumX) / (n * sumII - sumI * sumI)
        guard slope.isFinite, slope.magnitude < 1e15 else { return mean }
        return mean &+ Int64(slope.rounded())
    }

    // MARK: - Decoding

    private static func decodeResidual(
        _ reader: inout ByteReader, into dst: UnsafeMutableBufferPointer<Int64>
    ) throws(CodecError) {
        let first = Int64(bitPattern: try reader.readUInt64("first timestamp"))
        let unit = try readUnit(&reader)
        let stride = try reader.readVarint("stride")
        guard dst.count >= 2 else {
            throw .malformed(reader.encoding, "a residual timestamp block holds at least 2 values, not \(dst.count)")
        }
        let rest = UnsafeRawBufferPointer(rebasing: reader.buffer[reader.position...])
        try ResidualStream.decode(rest, encoding: .timestampResidual, into: UnsafeMutableBufferPointer(rebasing: dst[1...]))
        dst[0] = first
        var q: Int64 = 0
        for i in 1..<dst.count {
            q &+= stride
            dst[i] = first &+ (dst[i] &+ q) &* unit
        }
    }

    /// Reads the one-byte decimal exponent that scales deltas and returns its unit (10^e).
    private static func readUnit(_ reader: inout ByteReader) throws(CodecError) -> Int64 {
        let offset = reader.position
        let exponent = Int(try reader.readByte("decimal exponent"))
        guard exponent <= DecimalScale.maxExponent else {
            throw .malformed(
                reader.encoding,
                "decimal exponent \(exponent) at payload offset \(offset) exceeds \(DecimalScale.maxExponent)")
        }
        return DecimalScale(exponent: exponent).unit
    }

    private static func decodeConstantStride(
        _ reader: inout ByteReader, into dst: UnsafeMutableBufferPointer<Int64>
    ) throws(CodecError) {
        var v = Int64(bitPattern: try reader.readUInt64("first timestamp"))
        let stride = try reader.readVarint("stride")
        for i in dst.indices {
            dst[i] = v
            v &+= stride
        }
    }

    private static func decodeDeltas(
        _ reader: inout ByteReader, into dst: UnsafeMutableBufferPointer<Int64>, secondOrder: Bool
    ) throws(CodecError) {
        var v = Int64(bitPattern: try reader.readUInt64("first timestamp"))
        let unit = try readUnit(&reader)
        dst[0] = v
        var q: Int64 = 0
        var i = 1
        if secondOrder {
            while i < dst.count {
                q &+= try reader.readVarint("delta-of-delta")
                v &+= q &* unit
                dst[i] = v
                i &+= 1
            }
        } else {
            while i < dst.count {
                v &+= try reader.readVarint("delta") &* unit
                dst[i] = v
                i &+= 1
            }
        }
    }
}

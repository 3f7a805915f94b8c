extension ResidualStream {
    /// Decodes exactly `out.count` (≥ 1) integers from `payload`, which must end with the stream.
    static func decode(
        _ payload: UnsafeRawBufferPointer, encoding: BlockEncoding, into out: UnsafeMutableBufferPointer<Int64>
    ) throws(CodecError) {
        try decode(payload, encoding: encoding, into: out, output: IntegerOutput())
    }

    /// Decodes exactly `out.count` (≥ 1) values from `payload`, which must end with the stream,
    /// storing `output(v_i)` in `out[i]`. On a throw `out` holds unspecified values.
    ///
    /// Each value is rebuilt and stored as its residual comes out of the entropy decoder (or
    /// after unpacking, for bit-packed residuals): one walk over the block.
    static func decode<Output: ResidualOutput>(
        _ payload: UnsafeRawBufferPointer, encoding: BlockEncoding, into out: UnsafeMutableBufferPointer<Int64>,
        output: Output
    ) throws(CodecError) {
        let n = out.count
        var reader = ByteReader(payload, encoding: encoding)
        let mode = try reader.readByte("residual mode")
        let p = Int(mode & 3)
        let coding = Int(mode >> 2)
        guard coding <= 2, headerValues(p) < n else {
            throw .malformed(
                encoding, "residual mode byte 0x\(String(mode, radix: 16)) is not a predictor 0...3 that leaves at least "
                    + "one residual of the \(n) value(s) with coding 0...2 (coding 3 and predictor 3 need a newer reader "
                    + "only if this build is older than the file)")
        }
        let countOffset = reader.position
        let declared = try reader.readUVarint("value count")
        guard declared == UInt64(n) else {
            throw .malformed(
                encoding, "residual stream holds \(declared) value(s) (payload offset \(countOffset)) but \(n) were "
                    + "requested; the caller's count or the block is wrong")
        }
        let o = out.baseAddress.unsafelyUnwrapped
        var first: Int64 = 0
        var firstDelta: Int64 = 0
        if p >= 1 { first = try reader.readVarint("first value") }
        if p == 2 { firstDelta = try reader.readVarint("first delta") }
        let c = try reader.readVarint("residual center")
        let h = headerValues(p)
        let residuals = UnsafeMutableBufferPointer(start: o + h, count: n - h)
        let body = UnsafeRawBufferPointer(rebasing: payload[reader.position...])
        switch p {
        case 0:
            try decodeResiduals(body, encoding: encoding, coding: coding, center: c, IdentityPredictor(), output, into: residuals)
        case 1:
            o[0] = output(first)
            try decodeResiduals(
                body, encoding: encoding, coding: coding, center: c, DeltaPredictor(previous: first), output, into: residuals)
        case 2:
            o[0] = output(first)
            o[1] = output(first &+ firstDelta)
            try decodeResiduals(
                body, encoding: encoding, coding: coding, center: c,
                DeltaOfDeltaPredictor(previous: first &+ firstDelta, delta: firstDelta), output, into: residuals)
        default:
            o[0] = output(first)
            try decodeResiduals(
                body, encoding: encoding, coding: coding, center: c, LinePredictor(first: first), output, into: residuals)
        }
    }

    /// Decodes the residuals after the header values and rebuilds their values into `out`.
    /// Generic, not inlined: one copy per predictor and output, each with a fixed loop.
    private static func decodeResiduals<Predictor: ResidualPredictor, Output: ResidualOutput>(
        _ body: UnsafeRawBufferPointer, encoding: BlockEncoding, coding: Int, center c: Int64,
        _ predictor: Predictor, _ output: Output, into out: UnsafeMutableBufferPointer<Int64>
    ) throws(CodecError) {
        if coding != 0 {
            try decodeRANS(body, encoding: encoding, runs: coding == 2, center: c, predictor, output, into: out)
            return
        }
        // Bit-packed offsets from the smallest residual `c`: unpack, then rebuild in place.
        try unpack(body, encoding: encoding, into: out)
        var predictor = predictor
        let o = out.baseAddress.unsafelyUnwrapped
        for j in 0..<out.count { o[j] = output(predictor.next(o[j] &+ c)) }
    }

    /// Unpacks `width <u8>` then `out.count` fields of that width (least significant bit first,
    /// zero padding) that must fill `body` exactly.
    private static func unpack(
        _ body: UnsafeRawBufferPointer, encoding: BlockEncoding, into out: UnsafeMutableBufferPointer<Int64>
    ) throws(CodecError) {
        guard body.count >= 1 else {
            throw .malformed(encoding, "bit-packed residuals lack their width byte")
        }
        let width = Int(body[0])
        let m = out.count
        let needed = (m &* width &+ 7) / 8
        guard width <= 64, body.count &- 1 == needed else {
            throw .malformed(
                encoding, "bit-packed residuals of width \(width) need \(needed) byte(s) for \(m) value(s), "
                    + "the payload has \(body.count - 1)")
        }
        let bits = UnsafeRawBufferPointer(rebasing: body[1...])
        if width == 0 {
            out.initialize(repeating: 0)
            return
        }
        if (m &* width) & 7 != 0 && bits[needed - 1] &>> UInt8((m &* width) & 7) != 0 {
            throw .malformed(encoding, "padding bits after residual \(m) are not zero")
        }
        let o = out.baseAddress.unsafelyUnwrapped
        var j = 0
        if width <= 56 {
            let mask: UInt64 = (1 &<< UInt64(width)) &- 1
            let base = bits.baseAddress.unsafelyUnwrapped
            // Whole-word loads while 8 bytes remain at the field's first byte.
            var pos = 0
            while j < m && (pos &>> 3) &+ 8 <= needed {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: pos &>> 3, as: UInt64.self))
                o[j] = Int64(bitPattern: (word &>> UInt64(pos & 7)) & mask)
                pos &+= width
                j &+= 1
            }
        }
        var r = BitReader(bits, encoding: encoding)
        r.skip(j &* width)
        while j < m {
            o[j] = Int64(bitPattern: try r.read(width))
            j &+= 1
        }
    }
}

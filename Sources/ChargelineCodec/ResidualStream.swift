#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The integer core shared by the decimal-float, integer and timestamp codecs: predicts each
/// value from its predecessors, then stores the prediction errors (residuals) either
/// bit-packed at one width or entropy coded with ``RANS``.
///
/// ```
/// ┌───────────┬───────────────┬───────────────────────────────┬────────────────┬──────────────────────────┐
/// │ mode <u8> │ n <uvarint>   │ p ≥ 1: zigzag(v_0) <uvarint>  │ c <zz uvarint> │ bit-packed or rANS body  │
/// │           │               │ p = 2: zigzag(v_1−v_0) <uv.>  │                │ (runs to the payload end)│
/// └───────────┴───────────────┴───────────────────────────────┴────────────────┴──────────────────────────┘
/// ```
///
/// `n` is the value count, so a caller's wrong count is always detected (bit-packing alone
/// could not tell 4 two-bit values from 3 in one byte). `mode` = `p | coding << 2`: predictor order `p` (0: the value itself, 1: delta, 2:
/// delta-of-delta) and `coding` (0 bit-packed, 1 rANS). See docs/format.md for the bodies.
/// The encoder sizes all three orders under both codings exactly (one histogram pass per order)
/// and writes the smallest; rANS must save ``entropySavingsPercent`` over bit-packing, since it
/// decodes about half as fast.
enum ResidualStream {
    /// rANS is chosen only when it is at least this much smaller than bit-packing: below that
    /// the slower decode is not worth the bytes.
    static let entropySavingsPercent = 3

    /// The bytes ``encode(_:to:)`` may write for `n` values (it needs room for its own scratch).
    static func maxEncodedCount(_ n: Int) -> Int { 10 &* n &+ 600 }

    /// Residual `j` (value index `j + p`) of order `p`, wrapping.
    @inline(__always)
    static func residual(_ v: UnsafePointer<Int64>, _ j: Int, order p: Int) -> Int64 {
        switch p {
        case 0: return v[j]
        case 1: return v[j &+ 1] &- v[j]
        default: return v[j &+ 2] &- (v[j &+ 1] &<< 1) &+ v[j]
        }
    }

    /// The median of up to 31 evenly spaced residuals: a center that outliers cannot drag.
    static func sampledMedian(_ v: UnsafePointer<Int64>, residuals m: Int, order p: Int) -> Int64 {
        let s = min(m, 31)
        return withUnsafeTemporaryAllocation(of: Int64.self, capacity: 31) { sample in
            for k in 0..<s {
                let j = s == 1 ? 0 : k * (m - 1) / (s - 1)
                var x = residual(v, j, order: p)
                var i = k
                while i > 0 && sample[i - 1] > x {
                    sample[i] = sample[i - 1]
                    i -= 1
                }
                swap(&x, &sample[i])
            }
            return sample[s / 2]
        }
    }

    /// Encodes `values` (non-empty) at `dst`, which must have ``maxEncodedCount(_:)`` bytes;
    /// returns the bytes used.
    static func encode(_ values: UnsafeBufferPointer<Int64>, to dst: UnsafeMutableRawPointer) -> Int {
        let n = values.count
        precondition(n > 0, "BUG: ResidualStream.encode needs at least one value")
        let v = values.baseAddress.unsafelyUnwrapped
        let symbols = ResidualBins.symbolCount
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * symbols) { tables in
            let counts = tables.baseAddress.unsafelyUnwrapped
            let freq = counts + symbols
            // Best candidate so far: (order, rANS?, center, size in bits).
            var best = (order: 0, rans: false, center: Int64(0), bits: Int.max, width: 0)
            for p in 0...min(2, n - 1) {
                let m = n - p
                let c = sampledMedian(v, residuals: m, order: p)
                counts.initialize(repeating: 0, count: symbols)
                var lo = Int64.max
                var hi = Int64.min
                var extra = 0
                var maxSymbol = 0
                for j in 0..<m {
                    let r = residual(v, j, order: p)
                    lo = min(lo, r)
                    hi = max(hi, r)
                    let (s, e) = ResidualBins.symbol(Varint.zigzag(r &- c))
                    counts[s] &+= 1
                    extra &+= e
                    maxSymbol = max(maxSymbol, s)
                }
                // Sizes in bits; rANS is scored as if it were entropySavingsPercent larger, so it
                // wins only when it saves at least that much.
                let header = 8 * (1 + Varint.size(UInt64(n)) + (p >= 1 ? Varint.size(Varint.zigzag(v[0])) : 0)
                    + (p == 2 ? Varint.size(Varint.zigzag(v[1] &- v[0])) : 0))
                let span = UInt64(bitPattern: hi &- lo)
                let width = 64 - span.leadingZeroBitCount
                let packedBits = header + 8 * (1 + Varint.size(Varint.zigzag(lo))) + m * width
                if packedBits < best.bits {
                    best = (p, false, lo, packedBits, width)
                }
                RANS.normalize(counts, symbols: maxSymbol + 1, count: m, into: freq)
                var entropyBits = Double(extra)
                for s in 0...maxSymbol where counts[s] > 0 {
                    entropyBits += Double(counts[s]) * (Double(RANS.scaleBits) - log2(Double(freq[s])))
                }
                var tableBytes = 1 + 8 + Varint.size(UInt64(m))
                for s in 0...maxSymbol { tableBytes += Varint.size(UInt64(freq[s])) }
                let ransBits = header + 8 * (Varint.size(Varint.zigzag(c)) + tableBytes) + Int(entropyBits.rounded(.up))
                if ransBits * 100 / (100 - entropySavingsPercent) < best.bits {
                    best = (p, true, c, ransBits * 100 / (100 - entropySavingsPercent), 0)
                }
            }
            var o = 0
            dst.storeBytes(of: UInt8(best.order | (best.rans ? 4 : 0)), toByteOffset: 0, as: UInt8.self)
            o = 1 &+ Varint.write(UInt64(n), to: dst + 1)
            if best.order >= 1 { o &+= Varint.write(Varint.zigzag(v[0]), to: dst + o) }
            if best.order == 2 { o &+= Varint.write(Varint.zigzag(v[1] &- v[0]), to: dst + o) }
            o &+= Varint.write(Varint.zigzag(best.center), to: dst + o)
            let m = n - best.order
            if !best.rans {
                dst.storeBytes(of: UInt8(best.width), toByteOffset: o, as: UInt8.self)
                o &+= 1
                var w = BitWriter(dst + o)
                let c = best.center
                for j in 0..<m {
                    w.write(UInt64(bitPattern: residual(v, j, order: best.order) &- c), count: best.width)
                }
                return o &+ w.finish()
            }
            return o &+ encodeRANS(
                v, order: best.order, center: best.center, residuals: m, counts: counts, freq: freq,
                to: dst + o, capacity: maxEncodedCount(n) &- o)
        }
    }

    /// Writes the rANS body for residuals of `order` around `center`.
    private static func encodeRANS(
        _ v: UnsafePointer<Int64>, order p: Int, center c: Int64, residuals m: Int,
        counts: UnsafeMutablePointer<UInt32>, freq: UnsafeMutablePointer<UInt32>,
        to dst: UnsafeMutableRawPointer, capacity: Int
    ) -> Int {
        counts.initialize(repeating: 0, count: ResidualBins.symbolCount)
        var maxSymbol = 0
        for j in 0..<m {
            let s = ResidualBins.symbol(Varint.zigzag(residual(v, j, order: p) &- c)).symbol
            counts[s] &+= 1
            maxSymbol = max(maxSymbol, s)
        }
        let k = maxSymbol + 1
        RANS.normalize(counts, symbols: k, count: m, into: freq)
        var o = 0
        dst.storeBytes(of: UInt8(k), toByteOffset: 0, as: UInt8.self)
        o = 1
        for s in 0..<k { o &+= Varint.write(UInt64(freq[s]), to: dst + o) }
        return withUnsafeTemporaryAllocation(of: RANS.EncoderSymbol.self, capacity: k) { enc in
            var start: UInt32 = 0
            for s in 0..<k {
                enc[s] = RANS.EncoderSymbol(freq: freq[s], start: start)
                start &+= freq[s]
            }
            let e = enc.baseAddress.unsafelyUnwrapped
            // Words go downwards from the end of the region, then move up behind the header.
            var words = dst + capacity
            let wordsEnd = words
            var x0 = RANS.lowerBound
            var x1 = RANS.lowerBound
            var j = m - 1
            while j >= 0 {
                let s = ResidualBins.symbol(Varint.zigzag(residual(v, j, order: p) &- c)).symbol
                if j & 1 == 0 { e[s].put(&x0, &words) } else { e[s].put(&x1, &words) }
                j -= 1
            }
            let wordCount = (wordsEnd - words) / 2
            dst.storeBytes(of: x0.littleEndian, toByteOffset: o, as: UInt32.self)
            dst.storeBytes(of: x1.littleEndian, toByteOffset: o + 4, as: UInt32.self)
            o &+= 8
            o &+= Varint.write(UInt64(wordCount), to: dst + o)
            (dst + o).copyMemory(from: UnsafeRawPointer(words), byteCount: 2 * wordCount)
            o &+= 2 * wordCount
            if maxSymbol < ResidualBins.literalCount { return o }
            var w = BitWriter(dst + o)
            for j in 0..<m {
                let u = Varint.zigzag(residual(v, j, order: p) &- c)
                let (s, eb) = ResidualBins.symbol(u)
                if eb > 0 { w.write(u &- ResidualBins.base(s), count: eb) }
            }
            return o &+ w.finish()
        }
    }

    // MARK: - Decoding

    /// Decodes exactly `out.count` (≥ 1) values from `payload`, which must end with the stream.
    static func decode(
        _ payload: UnsafeRawBufferPointer, encoding: BlockEncoding, into out: UnsafeMutableBufferPointer<Int64>
    ) throws(CodecError) {
        let n = out.count
        var reader = ByteReader(payload, encoding: encoding)
        let mode = try reader.readByte("residual mode")
        let p = Int(mode & 3)
        let rans = mode >> 2
        guard p <= 2, rans <= 1, p < n else {
            throw .malformed(
                encoding, "residual mode byte 0x\(String(mode, radix: 16)) is not a predictor order 0...2 below the "
                    + "value count \(n) with coding 0 or 1")
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
        let m = n - p
        let residuals = UnsafeMutableBufferPointer(start: o + p, count: m)
        let body = UnsafeRawBufferPointer(rebasing: payload[reader.position...])
        if rans == 0 {
            try unpack(body, encoding: encoding, into: residuals)
            for j in 0..<m { residuals[j] = residuals[j] &+ c }
        } else {
            try decodeRANS(body, encoding: encoding, into: residuals)
            for j in 0..<m { residuals[j] = Varint.unzigzag(UInt64(bitPattern: residuals[j])) &+ c }
        }
        switch p {
        case 0:
            break
        case 1:
            o[0] = first
            var x = first
            for i in 1..<n {
                x &+= o[i]
                o[i] = x
            }
        default:
            o[0] = first
            var x = first &+ firstDelta
            o[1] = x
            var d = firstDelta
            var i = 2
            while i < n {
                d &+= o[i]
                x &+= d
                o[i] = x
                i &+= 1
            }
        }
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

    /// Decodes `out.count` zig-zagged residuals (as bit patterns) from a rANS body.
    private static func decodeRANS(
        _ body: UnsafeRawBufferPointer, encoding: BlockEncoding, into out: UnsafeMutableBufferPointer<Int64>
    ) throws(CodecError) {
        var reader = ByteReader(body, encoding: encoding)
        let k = Int(try reader.readByte("symbol count"))
        guard k >= 1 && k <= ResidualBins.symbolCount else {
            throw .malformed(encoding, "rANS symbol count \(k) is not in 1...\(ResidualBins.symbolCount)")
        }
        try withUnsafeTemporaryAllocation(of: UInt32.self, capacity: Int(RANS.total) + ResidualBins.symbolCount) {
            (table) throws(CodecError) -> Void in
            let slots = table.baseAddress.unsafelyUnwrapped
            let freq = slots + Int(RANS.total)
            var sum: UInt64 = 0
            for s in 0..<k {
                let f = try reader.readUVarint("symbol frequency")
                guard f <= UInt64(RANS.total) else {
                    throw .malformed(encoding, "rANS frequency \(f) of symbol \(s) exceeds \(RANS.total)")
                }
                freq[s] = UInt32(f)
                sum &+= f
            }
            guard sum == UInt64(RANS.total) else {
                throw .malformed(encoding, "rANS frequencies sum to \(sum), not \(RANS.total)")
            }
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(RANS.total)) {
                (symbolOf) throws(CodecError) -> Void in
                // Slot -> (freq << 16 | slot - start) and slot -> symbol.
                var start = 0
                for s in 0..<k {
                    let f = Int(freq[s])
                    for i in 0..<f {
                        slots[start &+ i] = UInt32(f) &<< 16 | UInt32(i)
                        symbolOf[start &+ i] = UInt8(s)
                    }
                    start &+= f
                }
                var x0 = try reader.readUInt32("rANS state 0")
                var x1 = try reader.readUInt32("rANS state 1")
                let wordCount = try reader.readLength("rANS word count", limit: out.count)
                let wordBytes = try reader.readBytes(2 &* wordCount, "rANS words")
                let extra = UnsafeRawBufferPointer(rebasing: body[reader.position...])
                let sym = symbolOf.baseAddress.unsafelyUnwrapped
                let words = wordBytes.baseAddress ?? UnsafeRawPointer(bitPattern: 2).unsafelyUnwrapped
                var w = 0
                let m = out.count
                let o = out.baseAddress.unsafelyUnwrapped
                let mask = RANS.total &- 1
                var j = 0
                var overrun = false
                // Pairs of symbols, one per state: the two dependency chains interleave.
                while j &+ 1 < m {
                    let e0 = slots[Int(x0 & mask)]
                    let s0 = sym[Int(x0 & mask)]
                    x0 = (e0 &>> 16) &* (x0 &>> 12) &+ (e0 & 0xFFFF)
                    let e1 = slots[Int(x1 & mask)]
                    let s1 = sym[Int(x1 & mask)]
                    x1 = (e1 &>> 16) &* (x1 &>> 12) &+ (e1 & 0xFFFF)
                    o[j] = Int64(s0)
                    o[j &+ 1] = Int64(s1)
                    if x0 < RANS.lowerBound {
                        if w < wordCount {
                            x0 = x0 &<< 16 | UInt32(UInt16(littleEndian: words.loadUnaligned(fromByteOffset: 2 &* w, as: UInt16.self)))
                        } else { overrun = true }
                        w &+= 1
                    }
                    if x1 < RANS.lowerBound {
                        if w < wordCount {
                            x1 = x1 &<< 16 | UInt32(UInt16(littleEndian: words.loadUnaligned(fromByteOffset: 2 &* w, as: UInt16.self)))
                        } else { overrun = true }
                        w &+= 1
                    }
                    j &+= 2
                }
                if j < m {
                    let e0 = slots[Int(x0 & mask)]
                    o[j] = Int64(sym[Int(x0 & mask)])
                    x0 = (e0 &>> 16) &* (x0 &>> 12) &+ (e0 & 0xFFFF)
                    if x0 < RANS.lowerBound {
                        if w < wordCount {
                            x0 = x0 &<< 16 | UInt32(UInt16(littleEndian: words.loadUnaligned(fromByteOffset: 2 &* w, as: UInt16.self)))
                        } else { overrun = true }
                        w &+= 1
                    }
                }
                guard !overrun, w == wordCount, x0 == RANS.lowerBound, x1 == RANS.lowerBound else {
                    throw .malformed(
                        encoding, "rANS stream does not end cleanly (read \(w) of \(wordCount) words, final states "
                            + "\(x0), \(x1), expected \(RANS.lowerBound)); the stream or the value count is wrong")
                }
                // Bin symbols to residuals: literals are done; larger bins add their extra bits.
                if k <= ResidualBins.literalCount {
                    guard extra.isEmpty else {
                        throw .malformed(encoding, "\(extra.count) unexpected trailing byte(s) after the rANS words")
                    }
                    return
                }
                var bits = BitReader(extra, encoding: encoding)
                for i in 0..<m {
                    let s = Int(o[i])
                    if s >= ResidualBins.literalCount {
                        let eb = ResidualBins.extraBits(s)
                        o[i] = Int64(bitPattern: ResidualBins.base(s) &+ (try bits.read(eb)))
                    }
                }
                try bits.expectEnd()
            }
        }
    }
}

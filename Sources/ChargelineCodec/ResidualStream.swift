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
/// │ mode <u8> │ n <uvarint>   │ h ≥ 1: zigzag(v_0) <uvarint>  │ c <zz uvarint> │ bit-packed or rANS body  │
/// │           │               │ p = 2: zigzag(v_1−v_0) <uv.>  │                │ (runs to the payload end)│
/// └───────────┴───────────────┴───────────────────────────────┴────────────────┴──────────────────────────┘
/// ```
///
/// `h` is how many leading values predictor `p` keeps in the header (``headerValues(_:)``).
/// `n` is the value count, so a caller's wrong count is always detected (bit-packing alone
/// could not tell 4 two-bit values from 3 in one byte). `mode` = `p | coding << 2`: predictor `p` (0: the value itself, 1: delta, 2:
/// delta-of-delta, 3: the least-squares line through the last four values, see ``linePrediction(_:_:)``)
/// and `coding` (0 bit-packed, 1 rANS). See docs/format/column-blocks.md for the bodies.
/// The encoder screens the four predictors on a few stretches of the block, sizes the two best
/// under every coding exactly (one histogram pass each) and writes the smallest; rANS must save ``entropySavingsPercent`` over bit-packing, since it
/// decodes slower (0.5-0.85 times bit-packing's speed on the generated telemetry's decimal
/// fields). Decoding is in ResidualStream+Decoding.swift. Coding 2 is rANS with zero-run symbols (``ResidualBins``), chosen
/// when runs of zero residuals make it smaller than plain rANS.
enum ResidualStream {
    /// rANS is chosen only when it is at least this much smaller than bit-packing: below that
    /// the slower decode is not worth the bytes.
    static let entropySavingsPercent = 3

    /// The bytes ``encode(_:to:)`` may write for `n` values (it needs room for its own scratch).
    static func maxEncodedCount(_ n: Int) -> Int { 12 &* n &+ 700 }

    /// The highest predictor: 3, the four-point line (``linePrediction(_:_:)``).
    static let maxOrder = 3

    /// How many leading values predictor `p` stores in the header instead of as residuals:
    /// `v_0` for delta and line, `v_0` and `v_1 − v_0` for delta-of-delta.
    @inline(__always)
    static func headerValues(_ p: Int) -> Int { p == 3 ? 1 : p }

    /// Predictor 3 for value `i ≥ 1`: `v_(i−1) + ⌊(v_(i−2) − v_(i−4)) / 2⌋` (wrapping, arithmetic
    /// shift), with `v_k = v_0` for `k < 0`. That is the least-squares line through the last
    /// four values, extrapolated one step (weights −1/2, 0, 1/2, 1). It sits between delta and
    /// delta-of-delta: delta leaves the local slope in every residual (a connector heating up
    /// at 1 °C per sample, then cooling), delta-of-delta removes the slope but multiplies the
    /// noise variance by 6; the line removes a slowly changing slope at 2.5 times the noise
    /// variance. Two adds and a shift, so decoding stays a short dependency chain.
    @inline(__always)
    static func linePrediction(_ v: UnsafePointer<Int64>, _ i: Int) -> Int64 {
        if i >= 4 { return v[i &- 1] &+ ((v[i &- 2] &- v[i &- 4]) &>> 1) }
        return v[i &- 1] &+ ((v[Swift.max(i &- 2, 0)] &- v[0]) &>> 1)
    }

    /// Residual `j` (value index `j + headerValues(p)`) of predictor `p`, wrapping.
    @inline(__always)
    static func residual(_ v: UnsafePointer<Int64>, _ j: Int, order p: Int) -> Int64 {
        switch p {
        case 0: return v[j]
        case 1: return v[j &+ 1] &- v[j]
        case 2: return v[j &+ 2] &- (v[j &+ 1] &<< 1) &+ v[j]
        default: return v[j &+ 1] &- linePrediction(v, j &+ 1)
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

    /// Blocks up to this many values size every predictor exactly; longer ones first screen.
    static let screeningThreshold = 1024
    /// Screening sizes each predictor on this many stretches of ``screeningStretch``
    /// consecutive residuals, evenly spaced over the block (1024 of 16,384 residuals).
    static let screeningStretches = 4
    static let screeningStretch = 256

    /// The predictors worth sizing exactly, as a bit set (bit `p`): all of them for blocks of
    /// up to ``screeningThreshold`` values; otherwise the two that come out smallest when
    /// sized exactly (same histograms and codings as the full sizing) on a few stretches of
    /// consecutive residuals. Stretches, not scattered samples, so zero runs and local
    /// correlation count as they will in the block. Four full histogram passes would cost a
    /// third of the encode speed; this costs a quarter of one.
    static func screenOrders(
        _ v: UnsafePointer<Int64>, count n: Int, counts: UnsafeMutablePointer<UInt32>, freq: UnsafeMutablePointer<UInt32>
    ) -> Int {
        guard n > screeningThreshold else { return (1 << (maxOrder + 1)) - 1 }
        var first = (order: 0, bits: Int.max)
        var second = (order: 0, bits: Int.max)
        let length = screeningStretch
        let stretches = screeningStretches
        for p in 0...maxOrder {
            let m = n - headerValues(p)
            let c = sampledMedian(v, residuals: m, order: p)
            // Sample index k -> residual index: stretch k / length starts at s · (m − length) / (stretches − 1).
            let span = m - length
            let at = { (k: Int) -> Int in (k / length) * span / (stretches - 1) + k % length }
            let stats: OrderStatistics
            switch p {
            case 0: stats = orderStatistics(count: stretches * length, center: c, counts: counts) { v[at($0)] }
            case 1: stats = orderStatistics(count: stretches * length, center: c, counts: counts) { k in
                let j = at(k); return v[j &+ 1] &- v[j] }
            case 2: stats = orderStatistics(count: stretches * length, center: c, counts: counts) { k in
                let j = at(k); return v[j &+ 2] &- (v[j &+ 1] &<< 1) &+ v[j] }
            default: stats = orderStatistics(count: stretches * length, center: c, counts: counts) { k in
                let j = at(k); return v[j &+ 1] &- linePrediction(v, j &+ 1) }
            }
            let bits = size(stats, count: stretches * length, center: c, header: 0, counts: counts, freq: freq).bits
            if bits < first.bits {
                second = first
                first = (p, bits)
            } else if bits < second.bits {
                second = (p, bits)
            }
        }
        return 1 << first.order | 1 << second.order
    }

    /// The smallest coding for residuals with `stats` (histograms in `counts`): bit-packed
    /// (coding 0, from the smallest residual at `width` bits) or rANS without or with zero runs
    /// (codings 1, 2, around `center`), in bits including `header` bits. rANS is scored
    /// ``entropySavingsPercent`` larger than it is, so it wins only when it saves that much.
    private static func size(
        _ stats: OrderStatistics, count m: Int, center c: Int64, header: Int,
        counts: UnsafeMutablePointer<UInt32>, freq: UnsafeMutablePointer<UInt32>
    ) -> (bits: Int, coding: Int, center: Int64, width: Int) {
        let span = UInt64(bitPattern: stats.hi &- stats.lo)
        let width = 64 - span.leadingZeroBitCount
        var best = (bits: header + 8 * (1 + Varint.size(Varint.zigzag(stats.lo))) + m * width,
                    coding: 0, center: stats.lo, width: width)
        for coding in 1...2 {
            let tokenStats = coding == 1 ? stats.plain : stats.runs
            let ransBits = header + 8 * Varint.size(Varint.zigzag(c))
                + entropyBits(counts + (coding == 2 ? ResidualBins.symbolCount : 0), tokenStats, freq: freq)
            let scored = ransBits * 100 / (100 - entropySavingsPercent)
            if scored < best.bits { best = (scored, coding, c, 0) }
        }
        return best
    }

    /// Encodes `values` (non-empty) at `dst`, which must have ``maxEncodedCount(_:)`` bytes;
    /// returns the bytes used. `shortcut` false sizes small blocks the long way (tests that
    /// the shortcut changes no byte).
    static func encode(_ values: UnsafeBufferPointer<Int64>, to dst: UnsafeMutableRawPointer, shortcut: Bool = true) -> Int {
        let n = values.count
        precondition(n > 0, "BUG: ResidualStream.encode needs at least one value")
        let v = values.baseAddress.unsafelyUnwrapped
        let symbols = ResidualBins.symbolCount
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 3 * symbols) { tables in
            let counts = tables.baseAddress.unsafelyUnwrapped
            let freq = counts + 2 * symbols
            // Best candidate so far: (order, rANS?, center, size in bits).
            var best = (order: 0, coding: 0, center: Int64(0), bits: Int.max, width: 0)
            let finalists = screenOrders(v, count: n, counts: counts, freq: freq)
            for p in 0...maxOrder where headerValues(p) < n && finalists & (1 << p) != 0 {
                let m = n - headerValues(p)
                let c = sampledMedian(v, residuals: m, order: p)
                let header = 8 * (1 + Varint.size(UInt64(n)) + (p >= 1 ? Varint.size(Varint.zigzag(v[0])) : 0)
                    + (p == 2 ? Varint.size(Varint.zigzag(v[1] &- v[0])) : 0))
                if shortcut && n <= smallBlock {
                    // Small blocks: bit-packing wins whenever it is no larger than the least
                    // any rANS body could take, which one pass without histograms tells.
                    let bound = packedAndRANSFloor(v, order: p, residuals: m, center: c, header: header)
                    if bound.packed <= bound.ransFloor {
                        if bound.packed < best.bits { best = (p, 0, bound.lo, bound.packed, bound.width) }
                        continue
                    }
                }
                // One pass per order (unswitched, so each loop has a fixed predictor).
                let stats: OrderStatistics
                switch p {
                case 0: stats = orderStatistics(count: m, center: c, counts: counts) { v[$0] }
                case 1: stats = orderStatistics(count: m, center: c, counts: counts) { v[$0 &+ 1] &- v[$0] }
                case 2: stats = orderStatistics(count: m, center: c, counts: counts) { v[$0 &+ 2] &- (v[$0 &+ 1] &<< 1) &+ v[$0] }
                default: stats = orderStatistics(count: m, center: c, counts: counts) { v[$0 &+ 1] &- linePrediction(v, $0 &+ 1) }
                }
                let sized = size(stats, count: m, center: c, header: header, counts: counts, freq: freq)
                if sized.bits < best.bits {
                    best = (p, sized.coding, sized.center, sized.bits, sized.width)
                }
            }
            var o = 0
            dst.storeBytes(of: UInt8(best.order | best.coding << 2), toByteOffset: 0, as: UInt8.self)
            o = 1 &+ Varint.write(UInt64(n), to: dst + 1)
            if best.order >= 1 { o &+= Varint.write(Varint.zigzag(v[0]), to: dst + o) }
            if best.order == 2 { o &+= Varint.write(Varint.zigzag(v[1] &- v[0]), to: dst + o) }
            o &+= Varint.write(Varint.zigzag(best.center), to: dst + o)
            let m = n - headerValues(best.order)
            if best.coding == 0 {
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
                v, order: best.order, center: best.center, runs: best.coding == 2, residuals: m, counts: counts, freq: freq,
                to: dst + o, capacity: maxEncodedCount(n) &- o)
        }
    }

    /// Blocks up to this many values first try ``packedAndRANSFloor``: a rANS body's table
    /// and states take at least 13 bytes, which bit-packing a few dozen values rarely exceeds,
    /// so the histograms and entropy estimates (a fixed cost of hundreds of table entries per
    /// predictor, more than the values themselves in a block of 24 rollup rows) are skipped.
    /// Larger blocks rarely skip them, so they do not pay for the extra pass.
    static let smallBlock = 64

    /// For predictor `p` (residuals around `center`): the bits of the bit-packed body (from the
    /// smallest residual at `width` bits), as ``size`` counts them, and a floor under the
    /// scored bits of either rANS coding (its table and states, at least 13 bytes with one
    /// symbol, plus the extra bits of the nonzero residuals, which both codings store as they
    /// are). When `packed <= ransFloor`, ``size`` would choose bit-packing: the output is the
    /// same as without this shortcut.
    static func packedAndRANSFloor(
        _ v: UnsafePointer<Int64>, order p: Int, residuals m: Int, center c: Int64, header: Int
    ) -> (packed: Int, ransFloor: Int, lo: Int64, width: Int) {
        var lo = Int64.max, hi = Int64.min
        var extra = 0
        for j in 0..<m {
            let r = residual(v, j, order: p)
            lo = min(lo, r)
            hi = max(hi, r)
            extra &+= ResidualBins.symbol(Varint.zigzag(r &- c)).extraBits
        }
        let width = 64 - UInt64(bitPattern: hi &- lo).leadingZeroBitCount
        let packed = header + 8 * (1 + Varint.size(Varint.zigzag(lo))) + m * width
        // Table: symbol count, two states, two varint counts, one (gap, freq) pair.
        let floor = header + 8 * Varint.size(Varint.zigzag(c)) + 8 * (1 + 8 + 2 + 2) + extra
        return (packed, floor * 100 / (100 - entropySavingsPercent), lo, width)
    }

    /// Writes the rANS body for residuals of `order` around `center`.
    typealias TokenStatistics = (tokens: Int, extraBits: Int, maxSymbol: Int)

    /// What one predictor order leaves: residual range and the token histograms without
    /// (`counts[0..<167]`) and with zero runs (`counts[167..<334]`).
    struct OrderStatistics {
        var lo = Int64.max
        var hi = Int64.min
        var plain: TokenStatistics = (0, 0, 0)
        var runs: TokenStatistics = (0, 0, 0)
    }

    /// Sizes one order in a single pass over `residual(0..<m)`; `counts` holds two zeroed
    /// histograms afterwards filled.
    @inline(__always)
    private static func orderStatistics(
        count m: Int, center c: Int64, counts: UnsafeMutablePointer<UInt32>, _ residual: (Int) -> Int64
    ) -> OrderStatistics {
        let symbols = ResidualBins.symbolCount
        counts.initialize(repeating: 0, count: 2 * symbols)
        let runCounts = counts + symbols
        var st = OrderStatistics()
        var run = 0
        @inline(__always) func flushRun() {
            if run == 1 {
                runCounts[0] &+= 1
                st.runs.tokens &+= 1
            } else if run > 1 {
                let (s, e) = ResidualBins.runSymbol(run)
                runCounts[s] &+= 1
                st.runs.tokens &+= 1
                st.runs.extraBits &+= e
                st.runs.maxSymbol = max(st.runs.maxSymbol, s)
            }
            run = 0
        }
        for j in 0..<m {
            let r = residual(j)
            st.lo = min(st.lo, r)
            st.hi = max(st.hi, r)
            let u = Varint.zigzag(r &- c)
            let (s, e) = ResidualBins.symbol(u)
            counts[s] &+= 1
            st.plain.extraBits &+= e
            st.plain.maxSymbol = max(st.plain.maxSymbol, s)
            if u == 0 {
                run &+= 1
                if run == ResidualBins.maxRun { flushRun() }
                continue
            }
            flushRun()
            runCounts[s] &+= 1
            st.runs.tokens &+= 1
            st.runs.extraBits &+= e
            st.runs.maxSymbol = max(st.runs.maxSymbol, s)
        }
        flushRun()
        st.plain.tokens = m
        return st
    }

    /// The bits of a rANS body for a token histogram: table, states, counts, coded symbols at
    /// their quantized probabilities, extra bits.
    private static func entropyBits(
        _ counts: UnsafeMutablePointer<UInt32>, _ stats: TokenStatistics,
        freq: UnsafeMutablePointer<UInt32>
    ) -> Int {
        RANS.normalize(counts, symbols: stats.maxSymbol + 1, count: stats.tokens, into: freq)
        var bits = Double(stats.extraBits)
        for s in 0...stats.maxSymbol where counts[s] > 0 {
            bits += Double(counts[s]) * (Double(RANS.scaleBits) - log2(Double(freq[s])))
        }
        var tableBytes = 1 + 8 + 2 * Varint.size(UInt64(stats.tokens))
        var previous = -1
        for s in 0...stats.maxSymbol where freq[s] > 0 {
            tableBytes += Varint.size(UInt64(s - previous - 1)) + Varint.size(UInt64(freq[s] - 1))
            previous = s
        }
        return 8 * tableBytes + Int(bits.rounded(.up))
    }

    private static func encodeRANS(
        _ v: UnsafePointer<Int64>, order p: Int, center c: Int64, runs: Bool, residuals m: Int,
        counts: UnsafeMutablePointer<UInt32>, freq: UnsafeMutablePointer<UInt32>,
        to dst: UnsafeMutableRawPointer, capacity: Int
    ) -> Int {
        counts.initialize(repeating: 0, count: ResidualBins.symbolCount)
        // Token symbols go to the end of the region (at most one per residual); the rANS words
        // are written downwards below them.
        let tokenBytes = (dst + capacity - m).assumingMemoryBound(to: UInt8.self)
        var maxSymbol = 0
        var t = 0
        let u = { (j: Int) in Varint.zigzag(residual(v, j, order: p) &- c) }
        ResidualBins.forEachToken(count: m, runs: runs, u) { s, _, _ in
            counts[s] &+= 1
            maxSymbol = max(maxSymbol, s)
            tokenBytes[t] = UInt8(truncatingIfNeeded: s)
            t &+= 1
        }
        let tokens = t
        let k = maxSymbol + 1
        RANS.normalize(counts, symbols: k, count: tokens, into: freq)
        var o = 0
        // Table: D present symbols as (gap to the previous one − 1, freq − 1) pairs.
        var present = 0
        for s in 0..<k where freq[s] > 0 { present &+= 1 }
        dst.storeBytes(of: UInt8(present), toByteOffset: 0, as: UInt8.self)
        o = 1
        var previous = -1
        for s in 0..<k where freq[s] > 0 {
            o &+= Varint.write(UInt64(s &- previous &- 1), to: dst + o)
            o &+= Varint.write(UInt64(freq[s] &- 1), to: dst + o)
            previous = s
        }
        o &+= Varint.write(UInt64(tokens), to: dst + o)
        return withUnsafeTemporaryAllocation(of: RANS.EncoderSymbol.self, capacity: k) { enc in
            var start: UInt32 = 0
            for s in 0..<k {
                enc[s] = RANS.EncoderSymbol(freq: freq[s], start: start)
                start &+= freq[s]
            }
            let e = enc.baseAddress.unsafelyUnwrapped
            var words = UnsafeMutableRawPointer(tokenBytes)
            let wordsEnd = words
            var x0 = RANS.lowerBound
            var x1 = RANS.lowerBound
            var j = tokens - 1
            while j >= 0 {
                let s = Int(tokenBytes[j])
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
            ResidualBins.forEachToken(count: m, runs: runs, u) { _, eb, extra in
                if eb > 0 { w.write(extra, count: eb) }
            }
            return o &+ w.finish()
        }
    }
}

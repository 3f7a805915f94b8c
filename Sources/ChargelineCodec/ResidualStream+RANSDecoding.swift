extension ResidualStream {
    /// Decodes the `out.count` residuals of a rANS body (codings 1 and 2, around center `c`;
    /// layout in docs/format.md) and stores `output(v)` for the values `predictor` rebuilds.
    ///
    /// One pass: each decoded symbol becomes its residual(s), value(s) and output as it comes
    /// out of the coder; no token or residual buffer is written and read back. The two rANS
    /// states are two dependency chains of a load, a multiply and an add per symbol;
    /// everything else in the loop (extra bits, the predictor's adds, the output's division)
    /// depends on them but not they on it, so it runs in their shadow.
    ///
    /// The loop is split in two: while at least two 16-bit words remain (the most one pair of
    /// symbols can consume), renormalisation is branch-free and unchecked (a renormalisation
    /// depends on the data, so a branch would be mispredicted every few symbols); the last few
    /// symbols go through a checked step that reports a stream reading past its words.
    static func decodeRANS<Predictor: ResidualPredictor, Output: ResidualOutput>(
        _ body: UnsafeRawBufferPointer, encoding: BlockEncoding, runs: Bool, center c: Int64,
        _ predictor: Predictor, _ output: Output, into out: UnsafeMutableBufferPointer<Int64>
    ) throws(CodecError) {
        var reader = ByteReader(body, encoding: encoding)
        let present = Int(try reader.readByte("present symbol count"))
        let limit = runs ? ResidualBins.symbolCount : ResidualBins.runBase
        guard present >= 1 && present <= limit else {
            throw .malformed(encoding, "rANS table lists \(present) symbols, not 1...\(limit)")
        }
        try withUnsafeTemporaryAllocation(of: UInt32.self, capacity: Int(RANS.total) + ResidualBins.symbolCount) {
            (table) throws(CodecError) -> Void in
            let slots = table.baseAddress.unsafelyUnwrapped
            let freq = slots + Int(RANS.total)
            freq.initialize(repeating: 0, count: ResidualBins.symbolCount)
            var sum: UInt64 = 0
            var s = -1
            for _ in 0..<present {
                let gap = try reader.readUVarint("symbol gap")
                let f = try reader.readUVarint("symbol frequency") &+ 1
                guard gap < UInt64(limit), s &+ Int(gap) &+ 1 < limit, f <= UInt64(RANS.total) else {
                    throw .malformed(
                        encoding, "rANS table entry (gap \(gap), frequency \(f)) after symbol \(s) leaves the \(limit) "
                            + "symbols or exceeds \(RANS.total)")
                }
                s &+= Int(gap) &+ 1
                freq[s] = UInt32(f)
                sum &+= f
            }
            let k = s &+ 1
            guard sum == UInt64(RANS.total) else {
                throw .malformed(encoding, "rANS frequencies sum to \(sum), not \(RANS.total)")
            }
            RANS.buildDecodeTable(freq, symbols: k, into: slots)
            let tokens = try reader.readLength("rANS token count", limit: out.count)
            let x0 = try reader.readUInt32("rANS state 0")
            let x1 = try reader.readUInt32("rANS state 1")
            let wordCount = try reader.readLength("rANS word count", limit: tokens)
            let wordBytes = try reader.readBytes(2 &* wordCount, "rANS words")
            let extra = UnsafeRawBufferPointer(rebasing: body[reader.position...])
            var coder = RANS.Decoder(
                table: slots, states: (x0, x1),
                words: wordBytes.baseAddress ?? UnsafeRawPointer(bitPattern: 2).unsafelyUnwrapped, wordCount: wordCount)
            let values = out.baseAddress.unsafelyUnwrapped
            let m = out.count
            guard runs || tokens == m else {
                throw .malformed(encoding, "rANS stream holds \(tokens) tokens for \(m) values (no zero runs)")
            }
            var predictor = predictor
            var bits = BitReader(extra, encoding: encoding)
            // Every token yields at least one value, so `filled + tokens still to come ≤ m`
            // holds throughout when each run is checked against it, and single values need no
            // check. (Without runs, `filled` is the token index.)
            var filled = 0
            try coder.decode(tokens, encoding: encoding) { (j, s) throws(CodecError) -> Void in
                if _fastPath(s < UInt32(ResidualBins.literalCount)) {
                    values[filled] = output(predictor.next(Varint.unzigzag(UInt64(s)) &+ c))
                    filled &+= 1
                } else if s < UInt32(ResidualBins.runBase) {
                    let b = Int(s)
                    let eb = ResidualBins.extraBits(b)
                    let extra = bits.hasWindow ? bits.readInWindow(eb) : try bits.read(eb)
                    let u = ResidualBins.base(b) &+ extra
                    values[filled] = output(predictor.next(Varint.unzigzag(u) &+ c))
                    filled &+= 1
                } else {
                    let eb = Int(s) &- ResidualBins.runBase &+ 1
                    let length = (1 &<< eb) &+ Int(try bits.read(eb))
                    // Tokens after this one: tokens − j − 1, each needing a value of its own.
                    guard length <= m &- filled &- (tokens &- j &- 1) else {
                        throw .malformed(encoding, "a run of \(length) zeros overflows the \(m) values at value \(filled)")
                    }
                    // Zero residuals: u = 0, so r = c.
                    for i in filled..<(filled &+ length) { values[i] = output(predictor.next(c)) }
                    filled &+= length
                }
            }
            guard filled == m else {
                throw .malformed(encoding, "rANS tokens produce \(filled) values, not \(m)")
            }
            try bits.expectEnd()
        }
    }
}

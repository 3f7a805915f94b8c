extension RANS {
    /// Fills the 4096-slot decode table for `freq[0..<symbols]` (summing to ``total``): slot
    /// `start_s + i` (`i < freq_s`) holds `(freq_s − 1) << 20 | i << 8 | s`. One 32-bit load
    /// gives a step everything it needs; `freq − 1` fits 12 bits (4096 itself would not) and
    /// costs nothing, since `freq · q + i = (freq − 1) · q + (q + i)` and `q + i` is summed
    /// while the multiply runs.
    static func buildDecodeTable(_ freq: UnsafePointer<UInt32>, symbols: Int, into table: UnsafeMutablePointer<UInt32>) {
        var start = 0
        for s in 0..<symbols {
            let f = Int(freq[s])
            if f == 0 { continue }
            let head = UInt32(f &- 1) &<< 20 | UInt32(s)
            for i in 0..<f { table[start &+ i] = head | UInt32(i) &<< 8 }
            start &+= f
        }
    }

    /// Decodes the two interleaved states of a stream written by ``EncoderSymbol/put(_:_:)``
    /// (symbol `j` from state `j & 1`), reading `wordCount` 16-bit words from `words`.
    ///
    /// Contract: `table` comes from ``buildDecodeTable(_:symbols:into:)`` and outlives the
    /// decoder; `words` holds `2 · wordCount` readable bytes. Never reads outside them, whatever
    /// the states and words hold.
    struct Decoder {
        let table: UnsafePointer<UInt32>
        var states: (UInt32, UInt32)
        let words: UnsafeRawPointer
        let wordCount: Int

        /// The state after decoding the symbol of table entry `e` from `x` (before renormalising).
        @inline(__always)
        static func advance(_ x: UInt32, _ e: UInt32) -> UInt32 {
            let q = x &>> UInt32(RANS.scaleBits)
            return (e &>> 20) &* q &+ (q &+ (e &>> 8) & 0xFFF)
        }

        @inline(__always)
        func word(_ w: Int) -> UInt32 {
            UInt32(UInt16(littleEndian: words.loadUnaligned(fromByteOffset: 2 &* w, as: UInt16.self)))
        }

        /// Decodes `tokens` symbols, calling `emit(j, symbol)` for `j` = 0, 1, ... in order, then
        /// throws unless the stream ended cleanly: every word read and both states back at
        /// ``RANS/lowerBound``.
        @inline(__always)
        mutating func decode(
            _ tokens: Int, encoding: BlockEncoding, _ emit: (Int, UInt32) throws(CodecError) -> Void
        ) throws(CodecError) {
            var (x0, x1) = states
            let mask = RANS.total &- 1
            var w = 0
            var j = 0
            // A pair consumes at most two words: while two remain, refills need no check and
            // are selects, not branches.
            while j &+ 1 < tokens && w &+ 2 <= wordCount {
                let e0 = table[Int(x0 & mask)]
                let e1 = table[Int(x1 & mask)]
                x0 = Decoder.advance(x0, e0)
                x1 = Decoder.advance(x1, e1)
                let refill0 = x0 < RANS.lowerBound
                let word0 = word(w)
                x0 = refill0 ? x0 &<< 16 | word0 : x0
                w &+= refill0 ? 1 : 0
                let refill1 = x1 < RANS.lowerBound
                let word1 = word(w)
                x1 = refill1 ? x1 &<< 16 | word1 : x1
                w &+= refill1 ? 1 : 0
                try emit(j, e0 & 0xFF)
                try emit(j &+ 1, e1 & 0xFF)
                j &+= 2
            }
            // The last symbols, checked: a damaged stream may ask for words it does not have.
            var overrun = false
            while j < tokens {
                var x = j & 1 == 0 ? x0 : x1
                let e = table[Int(x & mask)]
                x = Decoder.advance(x, e)
                if x < RANS.lowerBound {
                    if w < wordCount { x = x &<< 16 | word(w) } else { overrun = true }
                    w &+= 1
                }
                if j & 1 == 0 { x0 = x } else { x1 = x }
                try emit(j, e & 0xFF)
                j &+= 1
            }
            states = (x0, x1)
            guard !overrun, w == wordCount, x0 == RANS.lowerBound, x1 == RANS.lowerBound else {
                throw .malformed(
                    encoding, "rANS stream does not end cleanly (read \(w) of \(wordCount) words, final states "
                        + "\(x0), \(x1), expected \(RANS.lowerBound)); the stream or the value count is wrong")
            }
        }
    }
}

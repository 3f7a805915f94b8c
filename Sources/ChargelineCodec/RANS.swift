/// A static range asymmetric numeral system (rANS, Duda 2013; the layout follows Fabian
/// Giesen's `rans_word`): two interleaved 32-bit states, 16-bit renormalisation, 12-bit
/// probabilities. Used by ``ResidualStream`` to code bin symbols (``ResidualBins``) at their
/// order-0 entropy instead of a whole number of bits each.
///
/// Contract: the encoder walks the symbols **backwards** (last first) and writes 16-bit words
/// backwards; the decoder walks forwards. Symbol `j` uses state `j & 1`. Both states start at
/// ``lowerBound`` in the encoder, so a decoder that ends in any other state, or with words
/// left over, has read a corrupt stream.
enum RANS {
    /// Probabilities are `freq / 2^12`: a 4096-entry decode table (20 KiB with the symbol
    /// bytes) stays in L1, and a symbol of probability 1/4096 still costs only 12 bits.
    static let scaleBits = 12
    static let total: UInt32 = 1 << 12
    /// States live in `[2^16, 2^32)`; one 16-bit word is moved per renormalisation, so a step
    /// needs at most one branch (never a loop).
    static let lowerBound: UInt32 = 1 << 16

    /// Normalises `counts[0..<symbols]` (summing to `count`, > 0) to frequencies summing to
    /// ``total``; every symbol that occurs keeps a frequency ≥ 1.
    static func normalize(
        _ counts: UnsafeMutablePointer<UInt32>, symbols: Int, count: Int, into freq: UnsafeMutablePointer<UInt32>
    ) {
        var sum: UInt32 = 0
        var largest = 0
        for s in 0..<symbols {
            let c = UInt64(counts[s])
            if c == 0 {
                freq[s] = 0
                continue
            }
            let f = max(1, UInt32((c &* UInt64(total) &+ UInt64(count) / 2) / UInt64(count)))
            freq[s] = f
            sum &+= f
            if f > freq[largest] || counts[largest] == 0 { largest = s }
        }
        if sum < total {
            freq[largest] &+= total &- sum
            return
        }
        // Rounding up rare symbols overshot: take the excess from the most frequent symbols,
        // where one unit of probability costs the least.
        var excess = sum &- total
        while excess > 0 {
            var s = 0
            for k in 1..<symbols where freq[k] > freq[s] { s = k }
            let take = min(excess, freq[s] &- 1)
            freq[s] &-= take
            excess &-= take
        }
    }

    /// Per-symbol encoder constants: `q = floor(x / freq)` as a 64-bit multiply-high by a
    /// reciprocal (exact for every 32-bit `x` and `freq` in 2...4096, because the reciprocal's
    /// error times 2^32 stays below 1/freq), so encoding needs no division.
    struct EncoderSymbol {
        var reciprocal: UInt64 = 0
        var freq: UInt32 = 0
        var start: UInt32 = 0

        init() {}

        init(freq: UInt32, start: UInt32) {
            self.freq = freq
            self.start = start
            // ceil(2^64 / freq); freq 1 is handled apart (q = x).
            reciprocal = freq <= 1 ? 0 : UInt64.max / UInt64(freq) &+ 1
        }

        /// Encodes this symbol into `x`, first moving 16 bits to `words` (written downwards)
        /// when `x` would overflow.
        @inline(__always)
        func put(_ x: inout UInt32, _ words: inout UnsafeMutableRawPointer) {
            var state = UInt64(x)
            // x_max = ((lowerBound >> scaleBits) << 16) * freq.
            if state >= UInt64(freq) &<< 20 {
                words -= 2
                words.storeBytes(of: UInt16(truncatingIfNeeded: state).littleEndian, as: UInt16.self)
                state &>>= 16
            }
            let q = freq == 1 ? state : state.multipliedFullWidth(by: reciprocal).high
            x = UInt32(truncatingIfNeeded: (q &<< UInt64(RANS.scaleBits)) &+ (state &- q &* UInt64(freq)) &+ UInt64(start))
        }
    }
}

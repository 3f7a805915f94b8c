/// The symbol alphabet the entropy coder sees: an unsigned residual `u` becomes a *bin* symbol
/// plus raw *extra bits*, as DEFLATE does for match lengths.
///
/// - `u < 16`: symbol `u`, no extra bits (telemetry residuals are nearly all here);
/// - otherwise, with `b` the bit length of `u` (5...64): symbol `16 + 2·(b − 5) + h`, where `h`
///   is the bit below the leading one, and the `b − 2` bits below `h` follow as extra bits.
///
/// So the largest symbol is 16 + 2·59 + 1 = 135, and a bin covers `2^(b−2)` values: half an
/// octave, fine enough that coding the extra bits raw costs little against the true entropy of
/// a smooth (Laplace-like) residual distribution, coarse enough that a block's frequency table
/// stays small.
enum ResidualBins {
    /// Symbols below this are literal residuals.
    static let literalCount = 16
    /// Number of distinct symbols (0...135).
    static let symbolCount = 136

    /// The bin symbol of `u` and how many extra bits follow it.
    @inline(__always)
    static func symbol(_ u: UInt64) -> (symbol: Int, extraBits: Int) {
        if u < 16 { return (Int(truncatingIfNeeded: u), 0) }
        let b = 64 &- u.leadingZeroBitCount
        let h = Int(truncatingIfNeeded: (u &>> UInt64(b &- 2)) & 1)
        return (16 &+ 2 &* (b &- 5) &+ h, b &- 2)
    }

    /// The smallest residual of bin `symbol` (the extra bits are added to it).
    @inline(__always)
    static func base(_ symbol: Int) -> UInt64 {
        if symbol < 16 { return UInt64(symbol) }
        let b = (symbol &- 16) / 2 &+ 5
        return (2 | UInt64(symbol & 1)) &<< UInt64(b &- 2)
    }

    /// The number of extra bits after `symbol`.
    @inline(__always)
    static func extraBits(_ symbol: Int) -> Int {
        symbol < 16 ? 0 : (symbol &- 16) / 2 &+ 3
    }
}

/// The symbol alphabet the entropy coder sees: an unsigned residual `u` becomes a *bin* symbol
/// plus raw *extra bits*, as DEFLATE does for match lengths.
///
/// - `u < 16`: symbol `u`, no extra bits (telemetry residuals are nearly all here);
/// - otherwise, with `b` the bit length of `u` (5...64): symbol `16 + 2·(b − 5) + h`, where `h`
///   is the bit below the leading one, and the `b − 2` bits below `h` follow as extra bits.
///
/// - a run of `L ≥ 2` zero residuals (`u = 0`): symbol `136 + b − 2` with `b` the bit length of
///   `L` (2...32), then the `b − 1` bits of `L − 2^(b−1)` as extra bits. Idle stretches (no
///   current, no power, a meter that stands still) become one symbol per stretch instead of
///   one per value, which also keeps them from diluting the statistics of the busy stretches.
///
/// So the largest value symbol is 16 + 2·59 + 1 = 135, and a bin covers `2^(b−2)` values: half an
/// octave, fine enough that coding the extra bits raw costs little against the true entropy of
/// a smooth (Laplace-like) residual distribution, coarse enough that a block's frequency table
/// stays small.
enum ResidualBins {
    /// Symbols below this are literal residuals.
    static let literalCount = 16
    /// The first zero-run symbol.
    static let runBase = 136
    /// Runs are at most 2^32 − 1 zeros (longer ones are split): bit lengths 2...32.
    static let maxRun = (1 << 32) - 1
    /// Number of distinct symbols (0...135 values, 136...166 zero runs).
    static let symbolCount = 167

    /// The symbol of a run of `length` (2...maxRun) zeros and how many extra bits follow it.
    @inline(__always)
    static func runSymbol(_ length: Int) -> (symbol: Int, extraBits: Int) {
        let b = 64 &- UInt64(length).leadingZeroBitCount
        return (runBase &+ b &- 2, b &- 1)
    }

    /// Calls `body(symbol, extraBitCount, extraBits)` for the tokens of `u_0 ... u_(m−1)`
    /// (`u(j)`): zero runs of 2 or more become run symbols, everything else bin symbols.
    @inline(__always)
    static func forEachToken(count m: Int, runs: Bool, _ u: (Int) -> UInt64, _ body: (Int, Int, UInt64) -> Void) {
        if !runs {
            for j in 0..<m {
                let (s, e) = symbol(u(j))
                body(s, e, u(j) &- base(s))
            }
            return
        }
        var run = 0
        @inline(__always) func flushRun() {
            if run == 1 {
                body(0, 0, 0)
            } else if run > 1 {
                let (s, e) = runSymbol(run)
                body(s, e, UInt64(run &- (1 &<< e)))
            }
            run = 0
        }
        for j in 0..<m {
            let x = u(j)
            if x == 0 {
                run &+= 1
                if run == maxRun { flushRun() }
                continue
            }
            flushRun()
            let (s, e) = symbol(x)
            body(s, e, x &- base(s))
        }
        flushRun()
    }

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

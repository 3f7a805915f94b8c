/// What ``ResidualStream`` stores for each decoded value: the integer itself, or what a codec
/// built on the stream makes of it (``DecimalFloat`` stores `Double(v) / 10^e` as bits).
///
/// Applying it in the decoder's own loop, as each value is rebuilt, saves the codec a pass
/// over the block, and its work (a division) runs in the shadow of the entropy decoder's
/// dependency chains instead of after them.
protocol ResidualOutput {
    /// The 64 bits to store for value `v`.
    func callAsFunction(_ v: Int64) -> Int64
}

/// Stores the integers themselves (integer and timestamp codecs).
struct IntegerOutput: ResidualOutput {
    @inline(__always)
    func callAsFunction(_ v: Int64) -> Int64 { v }
}

/// Stores the integers times 10^k (`int-decimal`), wrapping: a damaged block must not trap.
struct ScaledOutput: ResidualOutput {
    let power: Int64
    @inline(__always)
    func callAsFunction(_ v: Int64) -> Int64 { v &* power }
}

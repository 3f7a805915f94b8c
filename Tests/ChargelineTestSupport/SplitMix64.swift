/// A tiny deterministic generator (Steele, Lea & Flood's SplitMix64) so randomized tests and
/// fixtures use fixed seeds and fail reproducibly. One copy for every test target.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        // Constants from the reference implementation: the golden-ratio increment and the
        // two multipliers of the MurmurHash3-style finalizer.
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Rebuilds values from residuals for one predictor of ``ResidualStream`` (docs/format/column-blocks.md,
/// "Residual stream"), value after value, keeping the predecessors it needs in registers.
///
/// Contract: an instance starts from the stream's header values; ``next(_:)`` takes the true
/// residual of the next value (`r_j`, center already added) and returns that value. All
/// arithmetic wraps mod 2^64, as the encoder's does. The decoders are generic over it so that
/// each predictor gets its own loop, with no per-value switch.
protocol ResidualPredictor {
    mutating func next(_ r: Int64) -> Int64
}

/// Predictor 0: the residual is the value.
struct IdentityPredictor: ResidualPredictor {
    @inline(__always)
    mutating func next(_ r: Int64) -> Int64 { r }
}

/// Predictor 1: `v_i = v_(i−1) + r`.
struct DeltaPredictor: ResidualPredictor {
    var previous: Int64

    @inline(__always)
    mutating func next(_ r: Int64) -> Int64 {
        previous &+= r
        return previous
    }
}

/// Predictor 2: `d_i = d_(i−1) + r`, `v_i = v_(i−1) + d_i` (starting from `v_1` and `v_1 − v_0`).
struct DeltaOfDeltaPredictor: ResidualPredictor {
    var previous: Int64
    var delta: Int64

    @inline(__always)
    mutating func next(_ r: Int64) -> Int64 {
        delta &+= r
        previous &+= delta
        return previous
    }
}

/// Predictor 3, the four-point line: `v_i = r + v_(i−1) + ((v_(i−2) − v_(i−4)) >> 1)`, with
/// `v_k = v_0` for `k < 0` (see ``ResidualStream/linePrediction(_:_:)``).
struct LinePredictor: ResidualPredictor {
    /// `v_(i−4)`, `v_(i−3)`, `v_(i−2)`, `v_(i−1)`.
    var v4, v3, v2, v1: Int64

    /// Starts after `v_0`: every earlier value counts as `v_0`.
    init(first: Int64) {
        (v4, v3, v2, v1) = (first, first, first, first)
    }

    @inline(__always)
    mutating func next(_ r: Int64) -> Int64 {
        // `v_(i−1)` is added last: the chain from one value to the next is a single add.
        let x = v1 &+ (r &+ ((v2 &- v4) &>> 1))
        (v4, v3, v2, v1) = (v3, v2, v1, x)
        return x
    }
}

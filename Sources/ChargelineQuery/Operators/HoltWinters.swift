import Foundation

/// `holt_winters(agg, N, S)` and `holt_winters_with_fit(...)` with InfluxDB 1.x's semantics:
/// the series of GROUP BY time() buckets is fitted by the damped Holt-Winters method
/// (multiplicative season of `S` buckets when S >= 2, none otherwise), and `N` buckets are
/// forecast after its last one.
///
/// As InfluxDB 1.x: bucket values are placed on a grid of the interval (a gap is missing, not
/// zero); the level, trend, seasonal factors and the smoothing parameters alpha, beta, gamma
/// and the damping phi are fitted together by Nelder-Mead, from a small grid of starting
/// guesses for alpha, beta, gamma and phi, minimising the squared error of the one-step
/// recursion started from the first value; each parameter is clamped to [0, 1].
struct HoltWinters {
    /// Buckets to forecast.
    let horizon: Int
    /// Season length in buckets; below 2, no season.
    let season: Int
    /// GROUP BY time() interval (ns).
    let interval: Int64
    /// Whether the fitted values of the input buckets come first (`holt_winters_with_fit`).
    let includeFit: Bool

    /// Weight of the first values in the initial level and trend without a season.
    static let initialWeight = 0.5
    /// The optimiser stops when its values differ by less than this.
    static let epsilon = 1.0e-4
    /// Starting guesses for alpha, beta, gamma and phi: 0.3 and 0.7 each (16 starts; the grid
    /// is N^4, so it stays small).
    static let guesses: [Double] = [0.3, 0.7]

    private var seasonal: Bool { season >= 2 }

    /// The output points for a group's (time, value) buckets in ascending time; empty when
    /// `shouldStop` (polled once per optimiser iteration) says the query is to stop.
    func run(_ points: [(Int64, Double)], shouldStop: () -> Bool = { false }) -> [(Int64, Double)] {
        guard points.count >= 2, !(seasonal && points.count < season), horizon > 0, interval > 0 else { return [] }
        let first = round(points[0].0), last = round(points[points.count - 1].0)
        guard (last - first) / interval > 0 else { return [] }
        // The grid: one value per interval, NaN where no bucket is.
        var y: [Double] = [points[0].1]
        var t = first
        for p in points.dropFirst() {
            let r = round(p.0)
            if r <= t { continue }  // a second value in one grid step: the first stays
            t += interval
            while r != t {
                y.append(.nan)
                t += interval
            }
            y.append(p.1)
        }
        let m = season
        var level = 0.0
        if seasonal {
            for i in 0..<m where !y[i].isNaN { level += (1 / Double(m)) * y[i] }
        } else {
            level += Self.initialWeight * y[0]
        }
        var trend = 0.0
        if seasonal {
            var i = 0
            while i < m && m + i < y.count {
                if !y[i].isNaN && !y[m + i].isNaN { trend += 1 / Double(m * m) * (y[m + i] - y[i]) }
                i += 1
            }
        } else if !y[1].isNaN {
            trend = Self.initialWeight * (y[1] - y[0])
        }
        // Parameters: alpha, beta, gamma, phi, level, trend, then the seasonal factors.
        var start = [0, 0, 0, 0, level, trend]
        if seasonal { for i in 0..<m { start.append(y[i].isNaN ? 0 : y[i] / level) } }

        let optimizer = NelderMead()
        var bestError = Double.infinity
        var best: [Double]? = nil
        for alpha in Self.guesses {
            for beta in Self.guesses {
                for gamma in Self.guesses {
                    for phi in Self.guesses {
                        start[0] = alpha; start[1] = beta; start[2] = gamma; start[3] = phi
                        if shouldStop() { return [] }
                        let (error, params) = optimizer.minimize({ squaredError(y, &$0) }, start: start, epsilon: Self.epsilon, scale: 1, shouldStop: shouldStop)
                        if error < bestError || best == nil {
                            bestError = error
                            best = params
                        }
                    }
                }
            }
        }
        guard var params = best else { return [] }
        let values = forecast(y, horizon, &params)
        var out: [(Int64, Double)] = []
        if includeFit {
            for (i, v) in values.enumerated() where !v.isNaN { out.append((points[0].0 &+ interval &* Int64(i), v)) }
        } else {
            let stop = points[points.count - 1].0
            for (i, v) in values[y.count...].enumerated() where !v.isNaN { out.append((stop &+ interval &* Int64(i + 1), v)) }
        }
        return out
    }

    /// `t` to the nearest multiple of the interval (halves round down).
    private func round(_ t: Int64) -> Int64 {
        let r = t % interval
        return r > interval / 2 ? (t / interval + 1) * interval : (t / interval) * interval
    }

    /// Squared error of the recursion against the known grid values; +inf when it yields NaN.
    private func squaredError(_ y: [Double], _ params: inout [Double]) -> Double {
        let f = forecast(y, 0, &params)
        var sum = 0.0
        for i in f.indices where !y[i].isNaN {
            if f[i].isNaN { return .infinity }
            sum += (f[i] - y[i]) * (f[i] - y[i])
        }
        return sum
    }

    /// The recursion over the grid and `h` steps beyond it, each step fed with the previous
    /// step's value (as InfluxDB 1.x does). Clamps alpha, beta, gamma and phi into [0, 1] and
    /// keeps the seasonal factors it computes in `params` (a ring of `season` factors).
    private func forecast(_ y: [Double], _ h: Int, _ params: inout [Double]) -> [Double] {
        for i in 0..<4 { params[i] = min(1, max(0, params[i])) }
        let alpha = params[0], beta = params[1], gamma = params[2], phi = params[3]
        var value = y[0]
        var phiH = phi
        var level = params[4], trend = params[5]
        let m = seasonal ? params.count - 6 : 0
        var ring = m - 1
        if m == 1 { params[6] = 1 }
        var out = [Double](repeating: 0, count: y.count + h)
        out[0] = value
        var factor = 1.0, factorAhead = 1.0
        for t in 1..<(y.count + h) {
            if m > 0 {
                factor = params[6 + (t - m + ring) % m]
                factorAhead = params[6 + (t - m + t % m + ring) % m]
            }
            let previousLevel = level, previousTrend = trend
            level = alpha * (value / factor) + (1 - alpha) * (previousLevel + phi * previousTrend)
            trend = beta * (level - previousLevel) + (1 - beta) * phi * previousTrend
            let seasonal = gamma * (value / (previousLevel + phi * previousTrend)) + (1 - gamma) * factor
            value = (level + phiH * trend) * factorAhead
            phiH += Self.power(phi, t)
            if m > 0 {
                params[6 + (t + ring) % m] = seasonal
                ring += 1
            }
            out[t] = value
        }
        return out
    }

    /// `x` to the integer power `n` >= 1 for `x` in [0, 1], by squaring the binary mantissa
    /// and summing exponents (rounded as Go's `math.Pow` rounds integer powers, so fitted
    /// values agree with InfluxDB's to the last digits).
    static func power(_ x: Double, _ n: Int) -> Double {
        if x == 0 { return 0 }
        if x == 1 { return 1 }
        var (mantissa, exponent) = frexp(x)
        var result = 1.0, resultExponent = 0
        var i = n
        while i != 0 {
            // Far below the smallest double: the power is 0.
            if exponent < -(1 << 12) { return 0 }
            if i & 1 == 1 {
                result *= mantissa
                resultExponent += exponent
            }
            mantissa *= mantissa
            exponent <<= 1
            if mantissa < 0.5 {
                mantissa += mantissa
                exponent -= 1
            }
            i >>= 1
        }
        return scalbn(result, resultExponent)
    }
}

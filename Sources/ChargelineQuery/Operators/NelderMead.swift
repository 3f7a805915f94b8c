/// The Nelder-Mead simplex method (M. F. Hutt's formulation, as InfluxDB 1.x's
/// `holt_winters()` uses it): minimises `objective` from `start` without derivatives.
///
/// The objective receives the vertex it evaluates `inout` and may change it (the Holt-Winters
/// fit clamps its smoothing parameters and rewrites its seasonal factors in place); the
/// simplex keeps the changed vertex, which is what InfluxDB's optimizer does.
struct NelderMead {
    /// Iterations at most.
    var maxIterations = 1_000
    /// Reflection coefficient.
    var reflection = 1.0
    /// Contraction coefficient.
    var contraction = 0.5
    /// Expansion coefficient.
    var expansion = 2.0

    /// The smallest value found and the vertex giving it. Stops when the standard deviation
    /// of the simplex's values falls below `epsilon`; `scale` sizes the initial simplex.
    /// `shouldStop` is polled once per iteration; true ends the search early.
    func minimize(_ objective: (inout [Double]) -> Double, start: [Double], epsilon: Double, scale: Double,
                  shouldStop: () -> Bool = { false }) -> (Double, [Double]) {
        let n = start.count
        let dn = Double(n)
        // A regular simplex with one vertex at `start`.
        let p = scale * ((Double(n + 1)).squareRoot() - 1 + dn) / (dn * 2.0.squareRoot())
        let q = scale * ((Double(n + 1)).squareRoot() - 1) / (dn * 2.0.squareRoot())
        var v = [start]
        for i in 0..<n {
            var x = start
            for j in 0..<n { x[j] += i == j ? p : q }
            v.append(x)
        }
        var f = [Double](repeating: 0, count: n + 1)
        for j in 0...n { f[j] = objective(&v[j]) }
        var centroid = [Double](repeating: 0, count: n)
        var reflected = centroid, expanded = centroid, contracted = centroid

        for _ in 0..<maxIterations where !shouldStop() {
            var worst = 0, best = 0
            for i in 0...n {
                if f[i] > f[worst] { worst = i }
                if f[i] < f[best] { best = i }
            }
            var second = best
            for i in 0...n where f[i] > f[second] && f[i] < f[worst] { second = i }
            for i in 0..<n {
                var sum = 0.0
                for m in 0...n where m != worst { sum += v[m][i] }
                centroid[i] = sum / dn
            }
            for i in 0..<n { reflected[i] = centroid[i] + reflection * (centroid[i] - v[worst][i]) }
            let fr = objective(&reflected)
            if fr < f[second] && fr >= f[best] {
                v[worst] = reflected
                f[worst] = fr
            }
            if fr < f[best] {
                for i in 0..<n { expanded[i] = centroid[i] + expansion * (reflected[i] - centroid[i]) }
                let fe = objective(&expanded)
                if fe < fr {
                    v[worst] = expanded
                    f[worst] = fe
                } else {
                    v[worst] = reflected
                    f[worst] = fr
                }
            }
            if fr >= f[second] {
                if fr < f[worst] {
                    for i in 0..<n { contracted[i] = centroid[i] + contraction * (reflected[i] - centroid[i]) }
                } else {
                    for i in 0..<n { contracted[i] = centroid[i] - contraction * (centroid[i] - v[worst][i]) }
                }
                let fc = objective(&contracted)
                if fc < f[worst] {
                    v[worst] = contracted
                    f[worst] = fc
                } else {
                    // Shrink every vertex halfway towards the best one.
                    for row in 0...n where row != best {
                        for i in 0..<n { v[row][i] = v[best][i] + (v[row][i] - v[best][i]) / 2 }
                    }
                    f[worst] = objective(&v[worst])
                    f[second] = objective(&v[second])
                }
            }
            let mean = f.reduce(0, +) / Double(n + 1)
            var spread = 0.0
            for x in f { spread += (x - mean) * (x - mean) / dn }
            if spread.squareRoot() < epsilon { break }
        }
        var best = 0
        for i in 0...n where f[i] < f[best] { best = i }
        let found = v[best]
        return (objective(&v[best]), found)
    }
}

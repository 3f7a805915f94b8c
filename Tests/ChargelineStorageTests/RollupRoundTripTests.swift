import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// Whatever form a rollup row is stored in (docs/format/rollup-state.md, "Rollup rows"), every
/// logical aggregate a read gives back has exactly the bits `RollupBucket.compute` computed
/// from the raw rows, for values chosen to break predictors and shared columns: -0.0 beside
/// 0.0, the largest and smallest doubles, integers beyond 2^53, identical fields, one-point
/// hours, and fields sampled at other times than the rest of their row.
@Suite struct RollupRoundTripTests {
    static let hour: Int64 = 3_600_000_000_000
    static let t0: Int64 = 20_400 * 86_400_000_000_000

    /// Three hours of one series: hour 0 every 10 s, hour 1 one point only, hour 2 every 7 s
    /// plus a point 1 ns before its end. `sparse` only at every third point (other times than
    /// the row), `late` only in the second half of each dense hour.
    func batch() -> WriteBatch {
        var rng = SplitMix64(seed: 16)
        var times: [Int64] = []
        for s in stride(from: Int64(0), to: 3600, by: 10) { times.append(Self.t0 + s * 1_000_000_000 + 3_000_000) }
        times.append(Self.t0 + Self.hour + 1_234_567_891_000)
        for s in stride(from: Int64(0), to: 3600, by: 7) { times.append(Self.t0 + 2 * Self.hour + s * 1_000_000_000 + 1) }
        times.append(Self.t0 + 3 * Self.hour - 1)
        let extremes = [0.0, -0.0, 1.5e290, -1e290, Double.leastNonzeroMagnitude, Double.leastNormalMagnitude, 1e-300, 0.1, -0.0]
        let bigIntegers: [Int64] = [1 << 53 + 1, Int64.max / 4096, Int64.min / 4096, -(1 << 53) - 3, 9_007_199_254_740_993]
        var b = WriteBatchBuilder()
        for (i, t) in times.enumerated() {
            let same = Double(Int.random(in: -5000...5000, using: &rng)) / 100
            var fields: [(String, FieldValue)] = [
                ("zero", .float(i % 2 == 0 ? 0.0 : -0.0)),
                ("extreme", .float(extremes[Int.random(in: 0..<extremes.count, using: &rng)])),
                ("big", .integer(bigIntegers[Int.random(in: 0..<bigIntegers.count, using: &rng)] &+ Int64(i))),
                ("same_a", .float(same)), ("same_b", .float(same)),
                ("counter", .float(Double(i / 3) * 0.001 + (i % 97 == 0 ? -1e6 : 0))),
                ("noise", .float(Double.random(in: -1e9...1e9, using: &rng))),
            ]
            if i % 3 == 0 { fields.append(("sparse", .float(Double(i) / 8))) }
            if (t - Self.t0) % Self.hour >= Self.hour / 2 { fields.append(("late", .integer(Int64(i)))) }
            b.addPoint(measurement: "telemetry", tags: ["gun": "1"], timestamp: t, fields: fields)
        }
        return b.finish()
    }

    @Test func everyAggregateReadsBackBitExact() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var o = testOptions()
        o.rollup.grace = 0
        o.rollup.counters = ["counter"]
        let store = try Store(directory: dir.path, options: o, logger: quietLogger)
        store.writeAndWait(database: "db", batch: batch())
        _ = try store.runRollups(now: Self.t0 + 4 * Self.hour)
        try store.compact()

        var read: [String: [Int64: UInt64]] = [:]
        for s in try store.readRollup(database: "db", rollup: "1h", measurement: "telemetry") {
            for c in s.columns {
                for i in 0..<c.count { read[c.name, default: [:]][c.data.timestamps[i]] = c.data.bits[i] }
            }
        }
        var checked = 0
        for s in try store.read(database: "db", measurement: "telemetry") {
            for c in s.columns {
                let buckets = RollupBucket.compute(c, length: Self.hour, lookback: o.rollup.lookback, buckets: Self.t0...(Self.t0 + 2 * Self.hour))
                #expect(buckets.count == 3 || c.name == "late" || c.name == "sparse", "\(c.name): \(buckets.count) buckets")
                for b in buckets {
                    let integer = c.type == .integer
                    var want: [(String, UInt64?)] = [
                        ("count", UInt64(b.count)), ("first_time", UInt64(bitPattern: b.firstTime)), ("last_time", UInt64(bitPattern: b.lastTime)),
                        ("sum", integer ? UInt64(bitPattern: b.intSum) : b.sum.bitPattern),
                        ("min", integer ? UInt64(bitPattern: b.intMin) : b.min.bitPattern),
                        ("max", integer ? UInt64(bitPattern: b.intMax) : b.max.bitPattern),
                        ("first", integer ? b.firstBits : b.first.bitPattern), ("last", integer ? b.lastBits : b.last.bitPattern),
                        ("mean", b.mean?.bitPattern),
                    ]
                    if c.name == "counter" { want.append(("increase", b.increase.bitPattern)) }
                    for (aggregate, bits) in want {
                        let got = read[c.name + "_" + aggregate]?[b.start]
                        #expect(got == bits, "\(c.name)_\(aggregate) at hour \((b.start - Self.t0) / Self.hour): read \(got.map { String($0, radix: 16) } ?? "-"), computed \(bits.map { String($0, radix: 16) } ?? "-")")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 200)
        try store.close()
    }
}

import ChargelineCore
import ChargelineStorage
import ChargelineTestSupport
import Testing
@testable import ChargelineQuery

/// The raw remainder of a chunk that rollups partly cover: exactly the values outside every
/// covered range, checked against a value-by-value filter on random columns and ranges.
@Suite struct RollupSplitTests {
    @Test func theValuesOutsideTheCoveredRangesAreKeptExactly() {
        var rng = SplitMix64(seed: 21)
        for round in 0..<500 {
            let type: FieldType = round % 5 == 0 ? .string : .float
            var data = ColumnData(type: type)
            var t = Int64.random(in: -50...50, using: &rng)
            for _ in 0..<Int.random(in: 0...60, using: &rng) {
                t += Int64.random(in: 1...7, using: &rng)
                data.timestamps.append(t)
                if type == .string { data.appendString(Array("v\(t)".utf8)) } else { data.bits.append(UInt64(bitPattern: t &* 3)) }
            }
            var covered: [Range<Int64>] = []
            var edge = Int64.random(in: -80...40, using: &rng)
            for _ in 0..<Int.random(in: 0...6, using: &rng) {
                let lo = edge + Int64.random(in: 0...30, using: &rng)
                let hi = lo + Int64.random(in: 1...40, using: &rng)
                covered.append(lo..<hi)
                edge = hi
            }
            let first = data.timestamps.first.map { RollupSplit.firstEnding(after: $0, covered) } ?? 0
            let kept = RollupSplit.outside(covered, data, from: first)
            let expected = (0..<data.count).filter { k in !covered.contains { $0.contains(data.timestamps[k]) } }
            #expect(kept.timestamps == expected.map { data.timestamps[$0] }, "round \(round)")
            if type == .string {
                #expect((0..<kept.count).map { Array(kept.stringSlice($0)) } == expected.map { Array(data.stringSlice($0)) })
            } else {
                #expect(kept.bits == expected.map { data.bits[$0] })
            }
        }
    }
}

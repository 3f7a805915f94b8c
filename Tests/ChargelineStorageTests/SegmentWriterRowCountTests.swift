import ChargelineCore
import ChargelineTestSupport
import Testing
@testable import ChargelineStorage

/// `SegmentWriter.distinctTimestamps`: the rows of a series (distinct timestamps over its
/// columns), which the manifest records and verify checks, counted by merging instead of
/// hashing; it must equal the count of the set of all timestamps.
@Suite struct SegmentWriterRowCountTests {
    func column(_ times: [Int64]) -> ColumnData {
        var c = ColumnData(type: .integer)
        c.timestamps = times
        c.bits = times.map { UInt64(bitPattern: $0) }
        return c
    }

    @Test func sharedAndDifferentTimestampSets() {
        let hours: [Int64] = [0, 3600, 7200, 10800]
        #expect(SegmentWriter.distinctTimestamps([column(hours)]) == 4)
        #expect(SegmentWriter.distinctTimestamps([column(hours), column(hours), column(hours)]) == 4)
        #expect(SegmentWriter.distinctTimestamps([column(hours), column([3600, 10800]), column([-5, 20000])]) == 6)
        #expect(SegmentWriter.distinctTimestamps([column([]), column(hours)]) == 4)
        // Out of order (a damaged block): still the number of distinct values.
        #expect(SegmentWriter.distinctTimestamps([column([5, 1, 5]), column([1, 2])]) == 3)
    }

    /// Random ascending columns (fixed seeds): equal to a brute-force set count.
    @Test(arguments: 1...40 as ClosedRange<UInt64>)
    func equalsTheSetCount(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let base = (0..<Int(rng.next() % 200)).map { Int64($0) * 10 }
        var columns: [ColumnData] = []
        for _ in 0..<Int(1 + rng.next() % 8) {
            switch rng.next() % 3 {
            case 0: columns.append(column(base))
            case 1: columns.append(column(base.filter { _ in rng.next() % 3 != 0 }))
            default: columns.append(column(Array(Set((0..<Int(rng.next() % 100)).map { _ in Int64(rng.next() % 3000) })).sorted()))
            }
        }
        let expected = Set(columns.flatMap(\.timestamps)).count
        #expect(SegmentWriter.distinctTimestamps(columns) == expected)
    }
}

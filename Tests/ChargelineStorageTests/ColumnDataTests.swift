import ChargelineCore
import Testing
@testable import ChargelineStorage

/// `ColumnData.merge`: sources come oldest write first; the result is in time order with the
/// newest write winning on equal timestamps.
@Suite struct ColumnDataTests {
    func column(_ times: [Int64], _ values: [UInt64]) -> ColumnData {
        var c = ColumnData(type: .integer)
        c.timestamps = times
        c.bits = values
        return c
    }

    /// Non-overlapping sources in any order (an earlier partition compacted after a later
    /// one comes second) are concatenated in time order.
    @Test func disjointSourcesOutOfTimeOrder() {
        let merged = ColumnData.merge([column([30, 40], [3, 4]), column([], []), column([10, 20], [1, 2]), column([50], [5])], type: .integer)
        #expect(merged.timestamps == [10, 20, 30, 40, 50])
        #expect(merged.bits == [1, 2, 3, 4, 5])
    }

    /// Overlapping sources: the later (newer) source wins on equal timestamps, whatever the
    /// time order of the sources.
    @Test func overlappingSourcesNewestWins() {
        let merged = ColumnData.merge([column([20, 30], [2, 3]), column([10, 20], [1, 9])], type: .integer)
        #expect(merged.timestamps == [10, 20, 30])
        #expect(merged.bits == [1, 9, 3])
        let touching = ColumnData.merge([column([10, 20], [1, 2]), column([20, 30], [8, 3])], type: .integer)
        #expect(touching.bits == [1, 8, 3])
    }

    /// Two sources (the two-partition fast path): disjoint ones concatenate in time order
    /// whatever their write order; touching or overlapping ones still let the newer win.
    @Test func twoSources() {
        let later = column([30, 40], [3, 4]), earlier = column([10, 20], [1, 2])
        for sources in [[later, earlier], [earlier, later]] {
            let merged = ColumnData.merge(sources, type: .integer)
            #expect(merged.timestamps == [10, 20, 30, 40] && merged.bits == [1, 2, 3, 4])
        }
        #expect(ColumnData.merge([column([20, 30], [2, 3]), column([10, 20], [1, 9])], type: .integer).bits == [1, 9, 3])
        #expect(ColumnData.merge([column([10, 20], [1, 9]), column([20, 30], [2, 3])], type: .integer).bits == [1, 2, 3])
        #expect(ColumnData.merge([column([], []), later], type: .integer).bits == [3, 4])
    }

    /// `indices(in:)` (what reads clip blocks with) and `clipped(to:)`.
    @Test func indicesInRange() {
        let c = column([10, 20, 30, 40], [1, 2, 3, 4])
        #expect(c.indices(in: TimeRange(start: 15, end: 40)) == 1..<3)
        #expect(c.indices(in: TimeRange(start: 10, end: 41)) == 0..<4)
        #expect(c.indices(in: TimeRange(start: 41, end: 50)).isEmpty)
        #expect(c.indices(in: TimeRange(start: 0, end: 10)).isEmpty)
        #expect(c.clipped(to: TimeRange(start: 20, end: 31)).bits == [2, 3])
    }
}

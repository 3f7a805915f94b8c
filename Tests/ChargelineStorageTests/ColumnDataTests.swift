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
}

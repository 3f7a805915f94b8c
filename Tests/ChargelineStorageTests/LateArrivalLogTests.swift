import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage

@Suite struct LateArrivalLogTests {
    @Test func notesNothingBeforeAHorizonThenMergesTouchingRanges() {
        var log = LateArrivalLog()
        #expect(log.horizon == nil)
        log.advance(to: 100)
        log.advance(to: 50)  // never back
        #expect(log.horizon == 100)
        log.note(from: 10, to: 20)
        log.note(from: 21, to: 30)  // touches: merged, with the newer sequence
        log.note(from: 60, to: 70)
        #expect(log.ranges(after: 0) == [10...30, 60...70])
        #expect(log.ranges(after: 2) == [60...70])
        #expect(log.ranges(after: log.sequence).isEmpty)
    }

    @Test func keepsAtMostCapacityRanges() {
        var log = LateArrivalLog()
        for i in 0..<(LateArrivalLog.capacity + 10) { log.note(from: Int64(i) * 10, to: Int64(i) * 10 + 1) }
        #expect(log.entries.count == LateArrivalLog.capacity)
        #expect(log.ranges(after: 0).first == 100...101)
    }

    @Test func aStoreNotesRowsOlderThanTheHorizonOnly() throws {
        let dir = TempDirectory()
        defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        defer { try? store.close() }
        try store.createDatabase("db")
        #expect(store.writeAndWait(database: "db", batch: telemetryBatch(guns: 0..<2, times: [1_000])).failure == nil)
        #expect(store.lateArrivals(database: "db", after: 0)?.ranges == [])  // no horizon yet
        store.advanceLateHorizon(database: "db", to: 5_000)
        #expect(store.writeAndWait(database: "db", batch: telemetryBatch(guns: 0..<2, times: [6_000, 7_000])).failure == nil)
        #expect(store.lateArrivals(database: "db", after: 0)?.ranges == [])  // on time
        #expect(store.writeAndWait(database: "db", batch: telemetryBatch(guns: 0..<2, times: [2_000, 3_000, 8_000])).failure == nil)
        let late = try #require(store.lateArrivals(database: "db", after: 0))
        #expect(late.ranges == [2_000...3_000])
        #expect(store.lateArrivals(database: "db", after: late.sequence)?.ranges == [])
        #expect(store.lateArrivals(database: "nodb", after: 0) == nil)
    }
}

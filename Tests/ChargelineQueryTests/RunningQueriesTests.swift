import ChargelineCore
import ChargelineQuery
import Foundation
import Testing

/// SHOW QUERIES lists what the engine runs; KILL QUERY stops it at its next check, as
/// InfluxDB 1.x does.
@Suite struct RunningQueriesTests {
    static let now: Int64 = 1_795_136_400_000_000_000

    @Test func showQueriesListsTheRunningQueryAndKillStopsIt() throws {
        let f = try QueryFixture(lines: ["telemetry,pile=P1 voltage=400 1795132800000000000"])
        // The fixture's first query has qid 1: it lists itself, then kills itself, and its
        // next statement stops with the reason.
        let text = "SHOW QUERIES; KILL QUERY 1; SELECT count(voltage) FROM telemetry"
        let r = try f.engine.execute(text, database: "fleet", now: Self.now)
        #expect(r[0].series.first?.columns == ["qid", "query", "database", "duration", "status"])
        let row = try #require(r[0].series.first?.values.first)
        #expect(Array(row[0..<3]) == [.integer(1), .string(text), .string("fleet")])
        #expect(row[4] == .string("running"))
        #expect(r[1].error == nil)
        #expect(r[2].error?.contains("query cancelled: killed by KILL QUERY 1") == true, "\(r[2])")
        // Finished queries leave the list; an unknown id is an error naming it.
        let after = try f.engine.execute("SHOW QUERIES; KILL QUERY 1", database: "fleet", now: Self.now)
        #expect(after[0].series.first?.values.map { $0[0] } == [.integer(2)])
        #expect(after[1].error?.contains("no such query id: 1") == true)
    }
}

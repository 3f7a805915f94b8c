import ChargelineCore
import ChargelineQuery
import Foundation
import Testing

/// SHOW DIAGNOSTICS and SHOW STATS: InfluxDB 1.x's shape (a series per module), with what
/// Chargeline measures.
@Suite struct DiagnosticsTests {
    static let now: Int64 = 1_795_136_400_000_000_000

    @Test func diagnosticsAndStatsAnswerInInfluxDBShape() throws {
        let f = try QueryFixture(lines: ["telemetry,pile=P1 voltage=400 1795132800000000000",
                                         "telemetry,pile=P2 voltage=401 1795132800000000000"])
        let r = try f.engine.execute("SHOW DIAGNOSTICS; SHOW STATS FOR 'database'; SHOW STATS FOR 'queryExecutor'; SHOW STATS",
                                     database: "fleet", now: Self.now)
        #expect(r.allSatisfy { $0.error == nil })
        #expect(r[0].series.map(\.name) == ["network", "runtime", "system"])
        let system = try #require(r[0].series.last)
        #expect(system.values[0][0] == .integer(Int64(ProcessInfo.processInfo.processIdentifier)))
        let db = try #require(r[1].series.first)
        #expect(db.name == "database" && db.tags == [.init("database", "fleet")])
        #expect(db.values[0][db.columns.firstIndex(of: "headSeries")!] == .integer(2))
        #expect(r[2].series.map(\.values) == [[[.integer(1)]]], "the query asking is active")
        #expect(r[3].series.map(\.name) == ["database", "queryExecutor"])
    }
}

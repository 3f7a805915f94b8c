import ChargelineQuery
import Testing

/// The per-request query budget: values (GROUP BY time() buckets counted before they exist),
/// buckets and series per SELECT, statements per request.
@Suite("Query budget")
struct QueryBudgetTests {
    static let dayStart: Int64 = 1_700_006_400_000_000_000  // 2023-11-15T00:00:00Z
    static let now: Int64 = dayStart + 2 * 86_400_000_000_000

    /// 40 series (`gun` tag) of 500 points, one a second, with two fields.
    static func fixture(_ limits: QueryLimits = QueryLimits()) throws -> QueryFixture {
        var lines: [String] = []
        for s in 0..<40 {
            for i in 0..<500 { lines.append("telemetry,gun=g\(s) kw=\(i),amps=\(i * 2)i \(dayStart + Int64(i) * 1_000_000_000)") }
        }
        return try QueryFixture(lines: lines, limits: limits)
    }

    static let day = "time >= '2023-11-15T00:00:00Z' AND time < '2023-11-16T00:00:00Z'"

    @Test("GROUP BY time(100ms), * fill(0) over a day is refused before any bucket is made; the engine keeps serving")
    func fillOverADayRefused() throws {
        let f = try Self.fixture()
        let results = try f.engine.execute(
            "SELECT mean(*) FROM telemetry WHERE \(Self.day) GROUP BY time(100ms), * fill(0)", database: "fleet", now: Self.now)
        let error = try #require(results[0].error)
        // 864,000 buckets x 40 groups x 2 calls.
        #expect(error.contains("max-values exceeded: (69120000/10000000): GROUP BY time(100ms) makes 864000 buckets x 40 groups x 2 calls"), "\(error)")
        #expect(results[0].statistics.pointsDecoded == 0)
        let after = try f.engine.execute("SELECT count(kw) FROM telemetry WHERE \(Self.day)", database: "fleet", now: Self.now)
        #expect(after[0].error == nil)
        #expect(after[0].series.first?.values.first?.last == .integer(20_000))
    }

    @Test("buckets per series past max-select-buckets answer InfluxDB's error")
    func bucketsPerSeries() throws {
        let f = try Self.fixture()
        let results = try f.engine.execute("SELECT mean(kw) FROM telemetry WHERE \(Self.day) GROUP BY time(1ms)",
                                           database: "fleet", now: Self.now)
        #expect(results[0].error?.contains("max-select-buckets limit exceeded: (86400000/1000000)") == true, "\(results[0])")
    }

    @Test("series past max-select-series answer InfluxDB's error")
    func seriesPerSelect() throws {
        var limits = QueryLimits()
        limits.maxSelectSeries = 10
        let f = try Self.fixture(limits)
        let results = try f.engine.execute("SELECT kw FROM telemetry; SELECT kw FROM telemetry WHERE gun = 'g1'",
                                           database: "fleet", now: Self.now)
        #expect(results[0].error?.contains("max-select-series limit exceeded: (40/10)") == true, "\(results[0])")
        #expect(results[1].error == nil)
        #expect(results[1].series.first?.values.count == 500)
    }

    @Test("SELECT * over everything stops at the value budget")
    func selectStarStops() throws {
        var limits = QueryLimits()
        limits.maxValues = 10_000
        let f = try Self.fixture(limits)
        let results = try f.engine.execute("SELECT * FROM telemetry", database: "fleet", now: Self.now)
        #expect(results[0].error?.contains("max-values exceeded: (") == true, "\(results[0])")
        #expect(results[0].series.isEmpty)
    }

    @Test("the value budget covers all statements of a request")
    func budgetSpansStatements() throws {
        var limits = QueryLimits()
        limits.maxValues = 15_000
        let f = try Self.fixture(limits)
        let q = "SELECT kw FROM telemetry WHERE gun =~ /g[0-1]?[0-9]$/; SELECT kw FROM telemetry WHERE gun =~ /g[2-3][0-9]$/"
        let results = try f.engine.execute(q, database: "fleet", now: Self.now)
        #expect(results[0].error == nil)
        #expect(results[0].series.first?.values.count == 10_000)
        #expect(results[1].error?.contains("max-values exceeded") == true, "\(results[1])")
        // Alone, the second statement fits.
        let alone = try f.engine.execute("SELECT kw FROM telemetry WHERE gun =~ /g[2-3][0-9]$/", database: "fleet", now: Self.now)
        #expect(alone[0].error == nil)
    }

    @Test("1,000 statements in one request are refused before any runs")
    func thousandStatements() throws {
        let f = try Self.fixture()
        let q = Array(repeating: "SELECT * FROM telemetry", count: 1_000).joined(separator: "; ")
        #expect {
            _ = try f.engine.execute(q, database: "fleet", now: Self.now)
        } throws: { error in
            "\(error)".contains("max-statements exceeded: (1000/100)")
        }
        #expect(try f.engine.execute("SELECT count(kw) FROM telemetry", database: "fleet", now: Self.now)[0].error == nil)
    }
}

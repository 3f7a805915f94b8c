import ChargelineCore
import ChargelineQuery
import Foundation
import Testing

/// Queries stop: regexes cannot run away (RE2 semantics, linear time), the timeout stops every
/// kind of statement, and a cancellation set while a query runs stops it at the next series.
@Suite struct QueryCancellationTests {
    static let now: Int64 = 1_795_136_400_000_000_000
    /// The runaway probe's tag value: 2,000 characters on which `(a+)+$` backtracks
    /// exponentially before failing.
    static let runaway = String(repeating: "a", count: 1_999) + "!"

    @Test func nestedQuantifierRegexOnLongTagValueAnswers() throws {
        let f = try QueryFixture(lines: [
            "m,t=\(Self.runaway) v=1 1000000000",
            "m,t=aaa v=2 1000000000",
            "m,t=x s=\"\(Self.runaway)\",v=3 1000000000",
            "m,t=y s=\"aaaa\",v=4 1000000000",
        ])
        let tag = try f.engine.execute("SELECT v FROM m WHERE t =~ /(a+)+$/", database: "fleet", now: Self.now)
        #expect(tag[0].error == nil)
        #expect(tag[0].series.flatMap(\.values) == [[.time(1_000_000_000), .float(2)]])
        let notTag = try f.engine.execute("SELECT v FROM m WHERE t !~ /(a+)+$/", database: "fleet", now: Self.now)
        #expect(notTag[0].series.flatMap(\.values).count == 3)
        let field = try f.engine.execute("SELECT v FROM m WHERE s =~ /(a+)+$/", database: "fleet", now: Self.now)
        #expect(field[0].series.flatMap(\.values) == [[.time(1_000_000_000), .float(4)]])
        let show = try f.engine.execute("SHOW TAG VALUES FROM m WITH KEY = t WHERE t =~ /(a+)+$/", database: "fleet", now: Self.now)
        #expect(show[0].error == nil)
        #expect(show[0].series.flatMap(\.values) == [[.string("t"), .string("aaa")]])
    }

    /// As in InfluxDB, whose parser compiles every regex: the whole query fails to parse
    /// (HTTP 400), with the reason and a caret under the regex.
    @Test func unsupportedRegexSyntaxFailsTheQueryWithTheReason() throws {
        let f = try QueryFixture(lines: ["m,t=a v=1 1000000000"])
        let cases = [
            ("SELECT v FROM m WHERE t =~ /(?=a)/", "lookahead assertions (?=...) and (?!...) are not supported"),
            ("SELECT v FROM m WHERE t !~ /a{1001}/", "invalid repeat count {1001}"),
            ("SELECT v FROM m WHERE t =~ /(a)\\1/", "backreferences (\\1) are not supported"),
        ]
        for (query, reason) in cases {
            do {
                _ = try f.engine.execute("SELECT v FROM m; " + query, database: "fleet", now: Self.now)
                Issue.record("\(query) ran")
            } catch let e as QueryError {
                #expect(e.message.hasPrefix("syntax error at line 1, column 45: invalid regular expression /"), "\(e.message)")
                #expect(e.message.contains(reason), "\(e.message)")
                #expect(e.message.hasSuffix("\n" + String(repeating: " ", count: 46) + "^"), "\(e.message)")
            }
        }
        for query in ["SELECT v FROM /(?!m)/", "SHOW TAG VALUES WITH KEY =~ /(?<=t)/", "SELECT /(?P=x)/ FROM m",
                      "SELECT v FROM m GROUP BY /a**/", "SHOW MEASUREMENTS WITH MEASUREMENT =~ /[z-a]/"] {
            #expect(throws: QueryError.self, "\(query)") { try f.engine.execute(query, database: "fleet", now: Self.now) }
        }
    }

    /// 40 series of 500 points, one group each.
    static func bigFixture(limits: QueryLimits = QueryLimits()) throws -> QueryFixture {
        var lines: [String] = []
        for s in 0..<40 {
            for i in 0..<500 { lines.append("m,gun=g\(s) v=\(i) \(1_000_000_000 + Int64(i) * 1_000_000_000)") }
        }
        return try QueryFixture(lines: lines, limits: limits)
    }

    @Test func tinyTimeoutStopsSelectAndShowStatements() throws {
        let f = try Self.bigFixture(limits: QueryLimits(timeoutSeconds: 1e-9))
        let results = try f.engine.execute("SELECT v FROM m GROUP BY *; SHOW TAG VALUES FROM m WITH KEY = gun; SHOW SERIES",
                                           database: "fleet", now: Self.now)
        #expect(results.count == 3)
        for r in results {
            #expect(r.error?.contains("query timed out") == true, "\(r)")
            #expect(r.series.isEmpty)
        }
    }

    @Test func cancellationSetMidQueryStopsIt() throws {
        let f = try Self.bigFixture()
        let full = try f.engine.execute("SELECT v FROM m GROUP BY *", database: "fleet", now: Self.now)
        #expect(full[0].error == nil)
        #expect(full[0].series.count == 40)
        #expect(full[0].statistics.pointsDecoded == 40 * 500)

        let cancellation = QueryCancellation()
        cancellation.cancel(atCheck: 5, reason: "the client closed the connection before the answer")
        let stopped = try f.engine.execute("SELECT v FROM m GROUP BY *; SHOW MEASUREMENTS", database: "fleet", now: Self.now,
                                           cancellation: cancellation)
        #expect(stopped[0].error == "limit exceeded: query cancelled: the client closed the connection before the answer")
        #expect(stopped[0].series.isEmpty)
        // Stopped after a few series, not after all 40.
        #expect(stopped[0].statistics.pointsDecoded < 20 * 500, "\(stopped[0].statistics)")
        #expect(stopped[1].error?.contains("query cancelled") == true)
        #expect(cancellation.checks < 40)
    }

    @Test func cancelledBeforeStartRunsNothing() throws {
        let f = try Self.bigFixture()
        let cancellation = QueryCancellation()
        cancellation.cancel(reason: "shutting down")
        let results = try f.engine.execute("SHOW MEASUREMENTS; SELECT count(v) FROM m", database: "fleet", now: Self.now,
                                           cancellation: cancellation)
        #expect(results.map(\.error) == Array(repeating: "limit exceeded: query cancelled: shutting down", count: 2))
        #expect(results.allSatisfy { $0.statistics.pointsDecoded == 0 })
    }

    /// Tag regexes run while series are selected, before any data is read: that loop checks
    /// too (every 1,024 tag values or series), so a query over many long tag values stops.
    @Test func cancellationStopsSeriesSelection() throws {
        let f = try QueryFixture(lines: (0..<3_000).map { "m,gun=g\($0) v=1 1000000000" })
        for query in ["SELECT v FROM m WHERE gun =~ /^nomatch/", "SHOW SERIES WHERE gun =~ /^nomatch/"] {
            let whole = QueryCancellation()
            let answered = try f.engine.execute(query, database: "fleet", now: Self.now, cancellation: whole)
            #expect(answered[0].error == nil)
            // Statement and measurement, then one per 1,024 values or series.
            #expect(whole.checks == 5, "\(query)")
            let cancellation = QueryCancellation()
            cancellation.cancel(atCheck: 4, reason: "test")
            let stopped = try f.engine.execute(query, database: "fleet", now: Self.now, cancellation: cancellation)
            #expect(stopped[0].error == "limit exceeded: query cancelled: test", "\(query)")
        }
    }

    /// The checks are paced by the regex's work, not only by count: a large program over long
    /// tag values checks every few values instead of every 1,024.
    @Test func seriesSelectionChecksOftenerForCostlyRegexes() throws {
        let long = String(repeating: "x", count: 1_990)
        let f = try QueryFixture(lines: (0..<200).map { "m,t=a\($0)\(long) v=1 1000000000" })
        // About 2,000 instructions over about 2,000 bytes per value: a check every 2 values.
        // (Anchored, so the matcher itself stops at the first byte and the test stays fast.)
        for query in ["SELECT v FROM m WHERE t =~ /^b[a-z]{1,1000}/", "SHOW SERIES WHERE t =~ /^b[a-z]{1,1000}/ OR t = 'z'"] {
            let cancellation = QueryCancellation()
            let answered = try f.engine.execute(query, database: "fleet", now: Self.now, cancellation: cancellation)
            #expect(answered[0].error == nil)
            #expect(answered[0].series.isEmpty)
            #expect(cancellation.checks > 50, "\(query): \(cancellation.checks) checks")
        }
    }

    /// A WHERE filter over one big series checks every 4,096 rows, not only once per series.
    @Test func rowFiltersCheckPerBatchOfRows() throws {
        let f = try QueryFixture(lines: (0..<20_000).map { "m,gun=1 s=\"abc\($0)\",v=\($0) \(1_000_000_000 + Int64($0) * 1_000_000_000)" })
        for select in ["SELECT v FROM m", "SELECT count(v) FROM m"] {
            func checks(_ condition: String) throws -> Int {
                let cancellation = QueryCancellation()
                let r = try f.engine.execute("\(select) WHERE s =~ /c1/ AND \(condition)", database: "fleet", now: Self.now,
                                             cancellation: cancellation)
                #expect(r[0].error == nil)
                return cancellation.checks
            }
            // 20,000 rows against 1: 4 more checks (at rows 4,096, 8,192, 12,288 and 16,384).
            let big = try checks("time >= 0s")
            let small = try checks("time <= 1s")
            #expect(big - small == 4, "\(select): \(big) against \(small)")
        }
    }
}

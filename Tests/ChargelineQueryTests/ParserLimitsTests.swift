import ChargelineQuery
import Dispatch
import Testing

/// Nesting that would overflow the stack (and kill the server with nothing in the log) is a
/// syntax error naming the limit; queries at the limits still run, on a dispatch worker
/// thread as the server runs them.
@Suite struct ParserLimitsTests {
    let fixture: QueryFixture
    let now: Int64 = 1_795_136_400_000_000_000

    init() throws {
        fixture = try QueryFixture(lines: ["m,host=a v=1 1795132800000000000", "m,host=a v=2 1795133400000000000"])
    }

    /// The `/query` body for `query`, computed on a global dispatch queue (as `EngineQueryHandler` does).
    func answerOnWorker(_ query: String) -> String {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var out = ""
        nonisolated(unsafe) let fixture = fixture
        let now = now
        DispatchQueue.global(qos: .userInitiated).async {
            out = fixture.answer(query, now: now)
            done.signal()
        }
        done.wait()
        return out
    }

    @Test func sevenThousandNestedParentheses() {
        let q = "SELECT " + String(repeating: "(", count: 7_000) + "v" + String(repeating: ")", count: 7_000) + " FROM m"
        let got = answerOnWorker(q)
        #expect(got.contains("syntax error at line 1, column 108: the query nests parentheses, function calls, signs and subqueries more than 100 levels deep"), "\(got.prefix(300))")
    }

    @Test func subqueriesNestedAThousandDeep() {
        var q = "SELECT v FROM m"
        for _ in 0..<1_000 { q = "SELECT v FROM (" + q + ")" }
        let got = answerOnWorker(q)
        #expect(got.contains("subqueries nest more than 16 levels deep"), "\(got.prefix(300))")
    }

    @Test func signsAndCallsCountAsLevels() {
        let signs = answerOnWorker("SELECT " + String(repeating: "- ", count: 7_000) + "v FROM m")
        #expect(signs.contains("more than 100 levels deep"), "\(signs.prefix(300))")
        let calls = answerOnWorker("SELECT " + String(repeating: "abs(", count: 7_000) + "v" + String(repeating: ")", count: 7_000) + " FROM m")
        #expect(calls.contains("more than 100 levels deep"), "\(calls.prefix(300))")
    }

    @Test func longOperatorChains() {
        // 1,000 levels: runs. One more: refused (planning, evaluation and release recurse this deep).
        let ok = answerOnWorker("SELECT v" + String(repeating: " + v", count: 999) + " FROM m")
        #expect(ok.contains("\"values\":[[\"2026-11-20T00:00:00Z\",1000],[\"2026-11-20T00:10:00Z\",2000]]"), "\(ok.prefix(300))")
        let orList = answerOnWorker("SELECT v FROM m WHERE " + (0..<1_000).map { "host = 'h\($0)'" }.joined(separator: " OR ") + " OR host = 'a'")
        #expect(orList.contains("the expression is more than 1000 operators deep"), "\(orList.prefix(300))")
        let fewer = answerOnWorker("SELECT v FROM m WHERE " + (0..<500).map { "host = 'h\($0)'" }.joined(separator: " OR ") + " OR host = 'a'")
        #expect(fewer.contains("[\"2026-11-20T00:10:00Z\",2]"), "\(fewer.prefix(300))")
    }

    @Test func atTheNestingLimitStillRuns() {
        let parens = "SELECT " + String(repeating: "(", count: 100) + "v" + String(repeating: ")", count: 100) + " FROM m"
        #expect(answerOnWorker(parens).contains("[\"2026-11-20T00:10:00Z\",2]"))
        var q = "SELECT v FROM m"
        for _ in 0..<16 { q = "SELECT v FROM (" + q + ")" }
        let sub = answerOnWorker(q)
        #expect(sub.contains("[\"2026-11-20T00:10:00Z\",2]"), "\(sub.prefix(300))")
        // Mixed: 50 calls around 50 parentheses around a chain of 900 operators.
        let mixed = "SELECT " + String(repeating: "abs(", count: 50) + String(repeating: "(", count: 49) + "v" + String(repeating: " - v", count: 900)
            + String(repeating: ")", count: 99) + " FROM m"
        let got = answerOnWorker(mixed)
        #expect(got.contains("[\"2026-11-20T00:10:00Z\",1798]"), "\(got.prefix(300))")
    }
}

extension ParserLimitsTests {
    /// A subquery's time conditions join the outer condition as a balanced tree, not one level
    /// deeper each: 999 inner time conditions under an outer condition 999 levels deep (as a
    /// chain, 2,000 levels: inside the measured debug-build stack, but with half the margin).
    @Test func inheritedTimeConditionsStayShallow() {
        let inner = "SELECT v FROM m WHERE " + Array(repeating: "time > 0", count: 999).joined(separator: " AND ")
        let outer = "SELECT v FROM (" + inner + ") WHERE v" + String(repeating: " + v", count: 997) + " > 0"
        let got = answerOnWorker(outer)
        #expect(got.contains("\"values\":[[\"2026-11-20T00:00:00Z\",1],[\"2026-11-20T00:10:00Z\",2]]"), "\(got.prefix(300))")
    }
}

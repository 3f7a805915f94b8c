@testable import ChargelineFrontEnd
@testable import ChargelineHTTPAPI
import Testing

@Suite("request helpers")
struct RequestHelperTests {
    @Test("percent-decoding, + as space, first key wins")
    func decoding() {
        let (path, params) = URLQuery.split(target: "/query?q=SHOW+DATABASES%3B&db=a%2Fb&db=second&bad=%zz&empty")
        #expect(path == "/query")
        #expect(params["q"] == "SHOW DATABASES;")
        #expect(params["db"] == "a/b")
        #expect(params["bad"] == "%zz")
        #expect(params["empty"] == "")
    }

    @Test("database names that could escape a data directory are refused")
    func databaseNames() {
        #expect(DatabaseName.problem(with: "piles_2024-v1") == nil)
        for bad in ["", ".hidden", "a/b", "a..b", "a\0b", String(repeating: "x", count: 256)] {
            #expect(DatabaseName.problem(with: bad) != nil)
        }
    }

    @Test("the partial-write message names at most 100 lines and counts the rest")
    func reportCap() {
        var report = WriteReport()
        report.add(rejected: (0..<150).map { (pointIndex: $0, message: "nope") }, pointLines: (1...200).map(Int32.init))
        let message = report.message(totalLines: 200, pointsStored: 50)
        #expect(message.hasPrefix("partial write: line 1: nope; line 2: nope"))
        #expect(message.contains("line 100: nope; and 50 more (150 of 200 lines rejected, 50 points stored)"))
        #expect(!message.contains("line 101:"))
    }

    @Test("JSON strings are escaped")
    func json() {
        #expect(JSON.error("a \"b\"\n\u{1}") == "{\"error\":\"a \\\"b\\\"\\n\\u0001\"}")
    }
}

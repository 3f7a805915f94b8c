import Foundation
import Testing

/// The requests of issue 18 that stopped `serve` with one unauthenticated request: each now
/// answers with a client error that says what is wrong, and the server stays up.
@Suite(.serialized) struct ServeProbeTests {
    @Test func requestsThatUsedToStopTheServerAnswerWithAnError() throws {
        let dir = NSTemporaryDirectory() + "chargeline-probe-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "telemetry,station=S1,pile=P1,gun=1 energy=10,status=2i 1795104000".write(toFile: dir + "/a.lp", atomically: false, encoding: .utf8)
        #expect(try ChildProcess.run(["import", "--data", dir + "/data", "--precision", "s", dir + "/a.lp"]).0 == 0)
        let server = try ChildProcess(["serve", "--data", dir + "/data", "--http", "127.0.0.1:0", "--lp-tcp", "off"])
        defer { server.kill(SIGTERM); _ = server.wait() }
        #expect(server.waitFor("stop with Ctrl-C"), "server did not start: \(server.text)")
        let port = try #require(CrashRecoveryTests.port(in: server.text))
        var client = TinyHTTPClient(port: port)
        defer { client.close() }

        func get(_ path: String) throws -> (status: Int, body: String) {
            let answer = client.get(path)
            return try #require(answer, "no answer to \(path): the server stopped?\n\(server.text)")
        }
        func query(_ q: String) throws -> (status: Int, body: String) {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            return try get("/query?db=chargeline&q=" + q.addingPercentEncoding(withAllowedCharacters: allowed)!)
        }

        for date in ["9999-12-31", "0000-01-01", "1500-01-01"] {
            let r = try get("/report/daily?date=\(date)")
            #expect(r.status == 400, "\(date): \(r)")
            #expect(r.body.contains("date \(date) is outside the days a report covers, 1678-01-01 to 2261-12-31"), "\(r.body)")
        }
        let gap = try get("/report/daily?date=2026-11-20&max_gap=9223372036854775807ns")
        #expect(gap.status == 400 && gap.body.contains("the max gap must be at most 1d"), "\(gap)")

        for time in ["> '1500-01-01T00:00:00Z'", "< '3000-01-01'", "= '9999-12-31T23:59:59Z'", "> 1e19", "> 99999999999999999999"] {
            let r = try query("SELECT energy FROM telemetry WHERE time \(time)")
            #expect(r.status == 200 && r.body.contains("is outside the range a timestamp can hold"), "\(time): \(r)")
        }
        for q in ["SELECT top(energy, 9223372036854775807) FROM telemetry", "SELECT status % -1 FROM telemetry",
                  "SELECT energy FROM telemetry WHERE time < now() + 15250w"] {
            let r = try query(q)
            #expect(r.status == 200 && r.body.contains("\"values\""), "\(q): \(r)")
        }
        let none = try query("SELECT energy FROM telemetry WHERE time > 9223372036854775807")
        #expect(none.body == "{\"results\":[{\"statement_id\":0}]}", "\(none)")

        let parens = try query("SELECT " + String(repeating: "(", count: 7_000) + "energy" + String(repeating: ")", count: 7_000) + " FROM telemetry")
        #expect(parens.status == 400 && parens.body.contains("more than 100 levels deep"), "\(parens.body.prefix(300))")
        var nested = "SELECT energy FROM telemetry"
        for _ in 0..<1_000 { nested = "SELECT energy FROM (" + nested + ")" }
        let deep = try query(nested)
        #expect(deep.status == 400 && deep.body.contains("subqueries nest more than 16 levels deep"), "\(deep.body.prefix(300))")

        #expect(try get("/ping").status == 204, "the server is still up")
    }
}

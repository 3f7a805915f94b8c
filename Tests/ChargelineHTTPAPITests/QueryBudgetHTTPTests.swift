import ChargelineCore
import ChargelineFrontEnd
import ChargelineHTTPAPI
import ChargelineIngest
import ChargelineNetworkTestSupport
import ChargelineQuery
import ChargelineStorage
import Foundation
import Logging
import NIOCore
import Testing

/// The query budget as `/query` answers it: response bytes, statements, `chunked=true` streaming.
@Suite("Query budget over HTTP")
struct QueryBudgetHTTPTests {
    /// A server whose `/query` runs on a store holding `m,gun=g<s> v=<i>` for 4 series x 50 points.
    static func withEngineServer(_ limits: QueryLimits, _ body: (ChargelineServer) async throws -> Void) async throws {
        let path = NSTemporaryDirectory() + "chargeline-budget-http-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = StorageOptions()
        options.backgroundMaintenance = false
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let store = try Store(directory: path, options: options, logger: logger)
        defer { try? store.close() }
        try store.createDatabase("d")
        var text = ""
        for s in 0..<4 { for i in 0..<50 { text += "m,gun=g\(s) v=\(i) \(1_000_000_000 + Int64(i) * 1_000_000_000)\n" } }
        var parser = LineProtocolParser(defaultTimestamp: 0)
        var builder = WriteBatchBuilder()
        var lines: [Int32] = []
        var errors: [LineProtocolError] = []
        Array(text.utf8).withUnsafeBytes { parser.parse($0, into: &builder, pointLines: &lines, errors: &errors) }
        if let failure = store.writeAndWait(database: "d", batch: builder.finish()).failure { throw failure }
        let handler = EngineQueryHandler(engine: QueryEngine(store: store, limits: limits))
        try await withServer(queryHandler: handler) { server, _ in try await body(server) }
    }

    /// Reads a response whose body is chunked; returns the head's headers and the decoded body.
    static func readChunked(_ c: inout TestConnection) async throws -> (status: Int, headers: String, body: String) {
        var bytes: [UInt8] = []
        func text() -> String { String(decoding: bytes, as: UTF8.self) }
        while !text().contains("\r\n0\r\n\r\n") {
            guard let chunk = try await c.inbound.next() else { throw TestError("closed mid-answer: \(text())") }
            bytes += chunk.readableBytesView
        }
        let all = text()
        let headEnd = all.range(of: "\r\n\r\n")!
        let head = String(all[..<headEnd.lowerBound])
        var rest = Substring(all[headEnd.upperBound...])
        var body = ""
        while true {
            let line = rest.prefix { $0 != "\r\n" }
            rest = rest.dropFirst(line.count + 1)
            let size = Int(line, radix: 16)!
            if size == 0 { break }
            let utf8 = Array(rest.utf8)
            body += String(decoding: utf8[..<size], as: UTF8.self)
            rest = Substring(String(decoding: utf8[(size + 2)...], as: UTF8.self))
        }
        let status = Int(head.split(separator: " ")[1])!
        return (status, head, body)
    }

    @Test("an answer past max-response-bytes: the statement answers the error, later ones are cancelled, the server keeps serving")
    func responseBytes() async throws {
        var limits = QueryLimits()
        limits.maxResponseBytes = 2_000
        try await Self.withEngineServer(limits) { server in
            try await TestConnection.with(port: server.httpPort!) { c in
                let q = "SELECT count(v) FROM m; SELECT v FROM m GROUP BY *; SELECT count(v) FROM m"
                let target = "/query?db=d&q=" + q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let r = try await c.request("GET", target)
                #expect(r.status == 200)
                #expect(r.body.count < 2_000)
                #expect(r.body.hasPrefix("{\"results\":[{\"statement_id\":0,\"series\":"), "\(r.body)")
                #expect(r.body.contains("{\"statement_id\":1,\"error\":\"max-response-bytes exceeded: ("), "\(r.body)")
                #expect(r.body.contains("{\"statement_id\":2,\"error\":\"limit exceeded: query cancelled: "), "\(r.body)")
                let again = try await c.request("GET", "/query?db=d&q=SELECT%20count(v)%20FROM%20m")
                #expect(again.body.contains("[[\"1970-01-01T00:00:00Z\",200]]"), "\(again.body)")
            }
        }
    }

    @Test("1,000 statements in one request: 400 naming max-statements")
    func thousandStatements() async throws {
        try await Self.withEngineServer(QueryLimits()) { server in
            try await TestConnection.with(port: server.httpPort!) { c in
                let q = Array(repeating: "SELECT * FROM m", count: 1_000).joined(separator: ";")
                let form = "db=d&q=" + q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let r = try await c.request("POST", "/query", body: Array(form.utf8),
                                            headers: ["Content-Type": "application/x-www-form-urlencoded"])
                #expect(r.status == 400)
                #expect(r.body.contains("max-statements exceeded: (1000/100)"), "\(r.body)")
                #expect(try await c.request("GET", "/ping").status == 204)
            }
        }
    }

    @Test("chunked=true streams one JSON object per series with chunked transfer encoding; the connection stays usable")
    func chunkedStreams() async throws {
        try await Self.withEngineServer(QueryLimits()) { server in
            try await TestConnection.with(port: server.httpPort!) { c in
                let q = "SELECT count(v) FROM m GROUP BY *; SELECT count(v) FROM m"
                try await c.send(TestConnection.encode("GET", "/query?db=d&chunked=true&epoch=s&q="
                    + q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!))
                let (status, head, body) = try await Self.readChunked(&c)
                #expect(status == 200)
                #expect(head.lowercased().contains("transfer-encoding: chunked"), "\(head)")
                let lines = body.split(separator: "\n").map(String.init)
                #expect(lines.count == 5, "\(body)")
                for g in 0..<4 {
                    let partial = g < 3 ? ",\"partial\":true" : ""
                    #expect(lines[g] == "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"m\",\"tags\":{\"gun\":\"g\(g)\"},\"columns\":[\"time\",\"count\"],\"values\":[[0,50]]}]\(partial)}]}")
                }
                #expect(lines[4] == "{\"results\":[{\"statement_id\":1,\"series\":[{\"name\":\"m\",\"columns\":[\"time\",\"count\"],\"values\":[[0,200]]}]}]}")
                #expect(try await c.request("GET", "/ping").status == 204)
            }
        }
    }
}

import ChargelineHTTPAPI
import ChargelineNetworkTestSupport
import Testing

@Suite("line protocol over TCP")
struct LineProtocolTCPTests {
    @Test("lines split across writes arrive whole; bad lines are counted; the tail at EOF is parsed")
    func splitLines() async throws {
        try await withServer(configure: { $0.lineProtocolDatabase = "tcpdb" }) { server, sink in
            let port = try #require(server.lineProtocolPort)
            let leftover = try await TestConnection.with(port: port) { c in
                try await c.send("m,pile=A v=1 1\nm,pile=B v")
                try await Task.sleep(nanoseconds: 30_000_000)
                try await c.send("=2 2\nnot a valid line here\n")
                try await Task.sleep(nanoseconds: 30_000_000)
                try await c.send("m,pile=C v=3 3")  // no final newline
                c.closeOutput()
                return try await c.readToEnd()  // returns once the server closed the connection
            }
            #expect(leftover.isEmpty)
            #expect(sink.points.map(\.key) == ["m,pile=A", "m,pile=B", "m,pile=C"])
            #expect(sink.points.map(\.timestamp) == [1, 2, 3])
            #expect(Set(sink.writes.map(\.database)) == ["tcpdb"])
            #expect(server.stats.linesRejected == 1)
            #expect(server.stats.pointsWritten == 3)
        }
    }

    @Test("batches are cut at the configured line count")
    func batchLines() async throws {
        try await withServer(configure: { $0.lineProtocolBatchLines = 10 }) { server, sink in
            let body = (0..<35).map { "m v=\($0) \($0)\n" }.joined()
            _ = try await TestConnection.with(port: server.lineProtocolPort!) { c in
                try await c.send(body)
                c.closeOutput()
                return try await c.readToEnd()
            }
            #expect(sink.points.map(\.timestamp) == (0..<35).map(Int64.init))
            #expect(sink.writes.allSatisfy { $0.batch.pointCount <= 10 })
            #expect(sink.writeCount >= 4)
        }
    }

    @Test("rejected lines are logged with their connection-wide line number and the peer")
    func logsBadLines() async throws {
        let logs = LogCapture()
        try await withServer(logs: logs, configure: { $0.lineProtocolBatchLines = 2 }) { server, sink in
            _ = try await TestConnection.with(port: server.lineProtocolPort!) { c in
                try await c.send("m v=1 1\nm v=2 2\nm v=3 3\nbroken\nm v=5 5\n")
                c.closeOutput()
                return try await c.readToEnd()
            }
            #expect(sink.points.count == 4)
            let rejected = logs.lines.filter { $0.contains("rejected line") }
            #expect(rejected.count == 1)
            #expect(rejected.first?.contains("line 4") == true)
            #expect(rejected.first?.contains("peer=[IPv4]127.0.0.1") == true)
        }
    }
}

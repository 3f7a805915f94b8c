import ChargelineHTTPAPI
import ChargelineNetworkTestSupport
import Testing

@Suite("back-pressure and shutdown")
struct BackPressureTests {
    @Test("a pipelined second request is not handed to the sink before the first completes")
    func httpHoldsReads() async throws {
        let sink = FakeSink()
        sink.delayCompletions = true
        try await withServer(sink: sink) { server, sink in
            try await TestConnection.with(port: server.httpPort!) { c in
                let first = TestConnection.encode("POST", "/write?db=d", body: Array("m v=1 1\n".utf8))
                let second = TestConnection.encode("POST", "/write?db=d", body: Array("m v=2 2\n".utf8))
                try await c.send(first + second)
                #expect(try await eventually { sink.writeCount == 1 })
                try await Task.sleep(nanoseconds: 150_000_000)
                #expect(sink.writeCount == 1)
                sink.delayCompletions = false
                sink.release()
                let r1 = try await c.readResponse()
                let r2 = try await c.readResponse()
                #expect(r1.status == 204)
                #expect(r2.status == 204)
                #expect(sink.points.map(\.timestamp) == [1, 2])
            }
        }
    }

    @Test("TCP reading pauses while a batch is at the sink")
    func tcpHoldsReads() async throws {
        let sink = FakeSink()
        sink.delayCompletions = true
        try await withServer(sink: sink) { server, sink in
            _ = try await TestConnection.with(port: server.lineProtocolPort!) { c in
                try await c.send("m v=1 1\n")
                #expect(try await eventually { sink.writeCount == 1 })
                try await c.send("m v=2 2\n")
                try await Task.sleep(nanoseconds: 150_000_000)
                #expect(sink.writeCount == 1)
                sink.delayCompletions = false
                sink.release()
                #expect(try await eventually { sink.writeCount == 2 })
                c.closeOutput()
                return try await c.readToEnd()
            }
            #expect(sink.points.map(\.timestamp) == [1, 2])
        }
    }

    @Test("shutdown lets an in-flight write finish and answer")
    func shutdownDrains() async throws {
        let sink = FakeSink()
        sink.delayCompletions = true
        let server = try await ChargelineServer.start(
            // No idle timeout: on a starved test pool the 120 s default closed this connection
            // before the test read its answer (see `withServer`).
            configuration: .init(http: .init(host: "127.0.0.1", port: 0), lineProtocol: nil, threads: 1, idleTimeoutSeconds: 0),
            sink: sink, queryHandler: FakeQueryHandler(sink: sink))
        #expect(server.lineProtocolPort == nil)
        let response = try await TestConnection.with(port: server.httpPort!) { c in
            try await c.send(TestConnection.encode("POST", "/write?db=d", body: Array("m v=1 1\n".utf8)))
            #expect(try await eventually { sink.writeCount == 1 })
            async let stopped: Void = server.shutdown()
            try await Task.sleep(nanoseconds: 50_000_000)
            sink.release()
            let r = try await c.readResponse()
            try await stopped
            return r
        }
        #expect(response.status == 204)
        #expect(server.stats.pointsWritten == 1)
    }
}

import ChargelineHTTPAPI
import ChargelineNetworkTestSupport
import NIOCore
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Connection caps and HTTP timeouts, on real loopback sockets.
@Suite("Connection caps and timeouts")
struct ConnectionLimitTests {
    /// Reads until the server closes; returns what arrived and how long it took. The test
    /// connection's own watchdog closes it after 300 s, so a server that never closes shows as
    /// a long wait, which the callers refuse (their bound, 45 s for a 1 s timeout, leaves room
    /// for a full parallel test run on a loaded 2-core machine, where 22 s was seen).
    private static func readUntilClosed(_ c: inout TestConnection) async throws -> (bytes: [UInt8], seconds: Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let bytes = try await c.readToEnd()
        let elapsed = clock.now - start
        return (bytes, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    @Test("slowloris: a partial request head, then nothing, is closed after the header timeout")
    func slowHeaderClosed() async throws {
        try await withServer(configure: { $0.headerTimeoutSeconds = 1 }) { server, _ in
            let (bytes, seconds) = try await TestConnection.with(port: server.httpPort!) { c in
                try await c.send("POST /write?db=d HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
                return try await Self.readUntilClosed(&c)
            }
            #expect(bytes.isEmpty)
            #expect(seconds < 45, "closed after \(seconds) s")
            #expect(try await eventually { server.stats.connectionsTimedOut == 1 })
        }
    }

    @Test("a body that stops mid-way is closed after the body timeout")
    func stalledBodyClosed() async throws {
        try await withServer(configure: { $0.bodyTimeoutSeconds = 1 }) { server, sink in
            let (_, seconds) = try await TestConnection.with(port: server.httpPort!) { c in
                try await c.send("POST /write?db=d HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\ncpu v=1 1\n")
                return try await Self.readUntilClosed(&c)
            }
            #expect(seconds < 45, "closed after \(seconds) s")
            #expect(sink.points.isEmpty)
            #expect(try await eventually { server.stats.connectionsTimedOut == 1 })
        }
    }

    @Test("an idle keep-alive connection is closed after the idle timeout; a slow answer is not timed")
    func idleKeepAliveClosed() async throws {
        // 3 s, not 1: a loaded CI machine can take over a second between two requests of one
        // connection, and the idle timer must not fire there.
        try await withServer(configure: { $0.idleTimeoutSeconds = 3; $0.headerTimeoutSeconds = 3 }) { server, _ in
            let (bytes, seconds) = try await TestConnection.with(port: server.httpPort!) { c in
                let first = try await c.request("GET", "/ping")
                #expect(first.status == 204)
                let second = try await c.request("GET", "/ping")
                #expect(second.status == 204)
                return try await Self.readUntilClosed(&c)
            }
            #expect(bytes.isEmpty)
            #expect(seconds < 45, "closed after \(seconds) s")
            #expect(try await eventually { server.stats.connectionsTimedOut == 1 })
        }
    }

    @Test("over the HTTP cap: 503 with Retry-After and close, counted; the open connections still work")
    func httpCap() async throws {
        try await withServer(configure: { $0.maxHTTPConnections = 2 }) { server, _ in
            let port = server.httpPort!
            #expect(server.maxHTTPConnections == 2)
            try await TestConnection.with(port: port) { a in
                #expect(try await a.request("GET", "/ping").status == 204)
                try await TestConnection.with(port: port) { b in
                    #expect(try await b.request("GET", "/ping").status == 204)
                    let (refused, rest) = try await TestConnection.with(port: port) { c in
                        try await c.send(TestConnection.encode("GET", "/ping"))
                        let response = try await c.readResponse()
                        return (response, try await c.readToEnd())
                    }
                    #expect(refused.status == 503)
                    #expect(refused.header("Retry-After") == "1")
                    #expect(refused.header("Connection") == "close")
                    #expect(refused.body.contains("too many open connections (the limit is 2)"))
                    #expect(rest.isEmpty)
                    #expect(server.stats.connectionsRefused == 1)
                    #expect(try await b.request("GET", "/ping").status == 204)
                }
                #expect(try await a.request("GET", "/ping").status == 204)
            }
            // Closed connections give their places back.
            #expect(try await eventually { server.stats.connectionsRefused == 1 })
            var answered = false
            for _ in 0..<100 where !answered {
                let status = try await TestConnection.with(port: port) { c in try await c.request("GET", "/ping").status }
                answered = status == 204
                if !answered { try await Task.sleep(nanoseconds: 20_000_000) }
            }
            #expect(answered)
        }
    }

    @Test("over the line-protocol cap: closed at once, counted; the open connection still writes")
    func lineProtocolCap() async throws {
        try await withServer(configure: { $0.maxLineProtocolConnections = 1 }) { server, sink in
            let port = server.lineProtocolPort!
            try await TestConnection.with(port: port) { a in
                try await a.send("cpu v=1 1\n")
                // The server closes the refused socket at once, maybe with our line unread in
                // its buffer: the kernel then answers with a reset, which is "closed" here too.
                let (bytes, seconds) = try await TestConnection.with(port: port) { b in
                    do {
                        try await b.send("cpu v=2 2\n")
                        return try await Self.readUntilClosed(&b)
                    } catch let error as IOError where [ECONNRESET, EPIPE].contains(error.errnoCode) {
                        return ([], 0)
                    }
                }
                #expect(bytes.isEmpty)
                #expect(seconds < 20)
                #expect(server.stats.connectionsRefused == 1)
                try await a.send("cpu v=3 3\n")
                a.closeOutput()
                _ = try await a.readToEnd()
            }
            #expect(sink.points.map(\.timestamp) == [1, 3])
        }
    }

    @Test("a malformed request is answered 400 with Connection: close, and the server closes the socket")
    func parserErrorCloses() async throws {
        try await withServer { server, _ in
            let (response, rest, seconds) = try await TestConnection.with(port: server.httpPort!) { c in
                try await c.send("GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nBad header line\r\n\r\n")
                let response = try await c.readResponse()
                let (rest, seconds) = try await Self.readUntilClosed(&c)
                return (response, rest, seconds)
            }
            #expect(response.status == 400)
            #expect(response.header("Connection") == "close")
            #expect(rest.isEmpty)
            #expect(seconds < 45, "closed after \(seconds) s")
        }
    }

    @Test("a 400 to a request saying Connection: close closes the socket")
    func badRequestWithConnectionClose() async throws {
        try await withServer { server, _ in
            let (response, rest, seconds) = try await TestConnection.with(port: server.httpPort!) { c in
                let response = try await c.request("POST", "/write", body: Array("cpu v=1 1\n".utf8),
                                                   headers: ["Connection": "close"])
                let (rest, seconds) = try await Self.readUntilClosed(&c)
                return (response, rest, seconds)
            }
            #expect(response.status == 400)
            #expect(response.header("Connection") == "close")
            #expect(rest.isEmpty)
            #expect(seconds < 45, "closed after \(seconds) s")
        }
    }

    @Test("default caps keep half the open-file limit for storage")
    func defaultCaps() {
        #expect(ConnectionCaps.defaults(openFileLimit: 20_000) == ConnectionCaps(http: 7_500, lineProtocol: 2_500))
        #expect(ConnectionCaps.defaults(openFileLimit: 1_024) == ConnectionCaps(http: 384, lineProtocol: 128))
        let tiny = ConnectionCaps.defaults(openFileLimit: 100)
        #expect(tiny.http >= 4 && tiny.lineProtocol >= 4)
    }
}

@testable import ChargelineFrontEnd
@testable import ChargelineHTTPAPI
import ChargelineNetworkTestSupport
import Logging
import Testing

@Suite("DeferredBackend: listening before storage is open")
struct DeferredBackendTests {
    @Test("until attached: /ready and /ping 503 with the reason, writes and queries 503 with Retry-After, TCP writes held; then all served")
    func startup() async throws {
        let backend = DeferredBackend(waitingFor: "replaying the WAL")
        // No idle timeout: see `withServer` (this suite starts early, beside the long synchronous ones).
        let config = ServerConfiguration(http: .init(host: "127.0.0.1", port: 0), lineProtocol: .init(host: "127.0.0.1", port: 0),
                                         threads: 1, idleTimeoutSeconds: 0)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = try await ChargelineServer.start(configuration: config, sink: backend, queryHandler: backend,
                                                      reportHandler: backend, readiness: backend, logger: logger)
        let sink = FakeSink()
        do {
            try await TestConnection.with(port: server.httpPort!) { c in
                let ready = try await c.request("GET", "/ready")
                #expect(ready.status == 503)
                #expect(ready.body == #"{"status":"waiting","reason":"starting: replaying the WAL"}"#)
                #expect(try await c.request("GET", "/health").status == 200)
                // /ping waits for storage, as InfluxDB's (whose HTTP port opens after its store).
                let ping = try await c.request("GET", "/ping")
                #expect(ping.status == 503)
                #expect(ping.body.contains("starting: replaying the WAL"))
                let write = try await c.request("POST", "/write?db=d", body: Array("m v=1 1\n".utf8))
                #expect(write.status == 503)
                #expect(write.header("Retry-After") == "1")
                #expect(write.body.contains("starting: replaying the WAL; retry shortly"))
                #expect(try await c.request("GET", "/query?q=SHOW+DATABASES").status == 503)
                #expect(try await c.request("GET", "/report/daily").status == 503)
            }
            // A TCP write before storage is open is held, not lost.
            try await TestConnection.with(port: server.lineProtocolPort!) { c in
                try await c.send("m,pile=T v=7 70\n")
            }
            try await Task.sleep(nanoseconds: 50_000_000)
            #expect(sink.points.isEmpty)
            backend.attach(sink: sink, queryHandler: FakeQueryHandler(sink: sink), reportHandler: nil)
            #expect(try await eventually { sink.points.map(\.key) == ["m,pile=T"] })
            try await TestConnection.with(port: server.httpPort!) { c in
                let ready = try await c.request("GET", "/ready")
                #expect(ready.status == 200)
                #expect(ready.body == #"{"status":"ready"}"#)
                #expect(try await c.request("GET", "/ping").status == 204)
                #expect(try await c.request("POST", "/write?db=d", body: Array("m v=1 1\n".utf8)).status == 204)
                #expect(try await c.request("GET", "/report/daily").status == 404)
            }
            #expect(sink.points.count == 2)
        } catch {
            try? await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    @Test("/ready lists start-up warnings (quarantined segments) beside ready")
    func readyWarnings() async throws {
        let backend = DeferredBackend(waitingFor: "opening")
        let config = ServerConfiguration(http: .init(host: "127.0.0.1", port: 0), lineProtocol: nil, threads: 1, idleTimeoutSeconds: 0)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = try await ChargelineServer.start(configuration: config, sink: backend, queryHandler: backend,
                                                      reportHandler: backend, readiness: backend, logger: logger)
        let sink = FakeSink()
        backend.attach(sink: sink, queryHandler: FakeQueryHandler(sink: sink), reportHandler: nil,
                       warnings: ["database d: 1 damaged segments in quarantine/"])
        do {
            try await TestConnection.with(port: server.httpPort!) { c in
                let ready = try await c.request("GET", "/ready")
                #expect(ready.status == 200)
                #expect(ready.body == #"{"status":"ready","warnings":["database d: 1 damaged segments in quarantine/"]}"#)
            }
        } catch {
            try? await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    @Test("a failed start answers held writes with the failure and /ready keeps saying why")
    func failure() async throws {
        let backend = DeferredBackend(waitingFor: "opening")
        let outcome = Locked<String?>(nil)
        backend.write(database: "d", batch: .init()) { o in outcome.withLock { $0 = o.failure?.message } }
        backend.fail("the data directory is locked by another process")
        #expect(outcome.withLock { $0 } == "the data directory is locked by another process")
        #expect(backend.notReadyReason == "failed to start: the data directory is locked by another process")
        #expect(!backend.isReady)
    }
}

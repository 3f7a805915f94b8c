import ChargelineCore
import ChargelineHTTPAPI
import ChargelineNetworkTestSupport
import Testing

@Suite("server lifecycle")
struct ChargelineServerTests {
    @Test("a port already in use fails start with an error naming the address, and nothing is left running")
    func portInUse() async throws {
        try await withServer { server, sink in
            let taken = try #require(server.httpPort)
            let config = ServerConfiguration(http: .init(host: "127.0.0.1", port: 0),
                                             lineProtocol: .init(host: "127.0.0.1", port: taken), threads: 1, idleTimeoutSeconds: 0)
            do {
                _ = try await ChargelineServer.start(configuration: config, sink: sink, queryHandler: FakeQueryHandler(sink: sink))
                Issue.record("start should have failed")
            } catch let error as ChargelineError {
                #expect(error.code == .io)
                #expect(error.message.contains("line-protocol TCP on 127.0.0.1:\(taken)"))
            }
        }
    }

    @Test("invalid configurations are refused before binding")
    func badConfiguration() async throws {
        for config in [
            ServerConfiguration(maxBodySize: 0),
            ServerConfiguration(lineProtocolDatabase: "../x"),
            ServerConfiguration(http: .init(host: "127.0.0.1", port: 70_000), idleTimeoutSeconds: 0),
        ] {
            await #expect(throws: ChargelineError.self) {
                _ = try await ChargelineServer.start(configuration: config, sink: FakeSink(), queryHandler: FakeQueryHandler(sink: FakeSink()))
            }
        }
    }

    @Test("shutdown is idempotent")
    func shutdownTwice() async throws {
        let server = try await ChargelineServer.start(
            configuration: .init(http: .init(host: "127.0.0.1", port: 0), lineProtocol: .init(host: "127.0.0.1", port: 0),
                                 threads: 1, idleTimeoutSeconds: 0),
            sink: FakeSink(), queryHandler: FakeQueryHandler(sink: FakeSink()))
        #expect(server.httpPort != nil && server.lineProtocolPort != nil)
        try await server.shutdown()
        try await server.shutdown()
    }
}

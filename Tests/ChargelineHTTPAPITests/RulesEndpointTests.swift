import ChargelineFrontEnd
import ChargelineHTTPAPI
import ChargelineNetworkTestSupport
import Foundation
import Logging
import Testing

@Suite("GET /api/v1/rules and /api/v1/alerts")
struct RulesEndpointTests {
    struct FakeRules: RulesHandler {
        func rulesAPI(path: String) -> String { #"{"status":"success","path":"\#(path)"}"# }
    }

    @Test("404 until a rule manager is attached, then its JSON; other methods 405")
    func route() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let config = ServerConfiguration(http: .init(host: "127.0.0.1", port: 0), lineProtocol: nil, threads: 1,
                                         shutdownGracePeriodMilliseconds: 2_000, idleTimeoutSeconds: 0)
        let endpoint = RulesEndpoint()
        let server = try await ChargelineServer.start(configuration: config, sink: FakeSink(), queryHandler: FakeQueryHandler(sink: FakeSink()), rules: endpoint, logger: logger)
        do {
            try await TestConnection.with(port: server.httpPort!) { c in
                let before = try await c.request("GET", "/api/v1/rules")
                #expect(before.status == 404 && before.body.contains("--rules"))
                endpoint.attach(FakeRules())
                let rules = try await c.request("GET", "/api/v1/rules")
                #expect(rules.status == 200 && rules.body == #"{"status":"success","path":"/api/v1/rules"}"#)
                let alerts = try await c.request("GET", "/api/v1/alerts")
                #expect(alerts.status == 200 && alerts.body.contains("/api/v1/alerts"))
                let post = try await c.request("POST", "/api/v1/alerts")
                #expect(post.status == 405)
            }
            try await server.shutdown()
        } catch {
            try? await server.shutdown()
            throw error
        }
    }
}

import ChargelineCore
import ChargelineFrontEnd
import ChargelineIngest
import ChargelineNetworkTestSupport
import ChargelineYKC
import ChargelineYKCPile
import Foundation
import Logging
import Testing

/// A gateway's operator endpoints (`gateway --http`): `/health`, `/ready` following its storage
/// node, `/metrics` with the spool gauges.
@Suite(.serialized) struct GatewayHTTPHandlerTests {
    static func get(_ port: Int, _ path: String) async throws -> TestResponse {
        try await TestConnection.with(port: port) { c in try await c.request("GET", path) }
    }

    /// The value of the unlabelled sample `name` in a Prometheus exposition.
    static func sample(_ text: String, _ name: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    @Test func readyFollowsTheStorageNodeAndTheSpoolGrowsWhileItIsDown() async throws {
        let root = NSTemporaryDirectory() + "gateway-http-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        var (store, node) = try await YKCGatewayTests.startNode(root + "/data", port: 0)
        let nodePort = try #require(node.httpPort)
        let logger = Logger(label: "gateway", factory: { _ in LogCapture() })
        var config = YKCConfiguration(endpoint: .init(host: "127.0.0.1", port: 0), reusePort: true, flushMilliseconds: 20,
                                      threads: 1)
        config.database = "ykc"
        let gateway = try await YKCGateway.start(configuration: config, upstream: .init(host: "127.0.0.1", port: nodePort),
                                                 spoolDirectory: root + "/spool", spoolMaxBytes: 64 << 20,
                                                 http: .init(host: "127.0.0.1", port: 0), metrics: ServerMetrics(version: "test"),
                                                 logger: logger)
        let port = try #require(gateway.httpPort)
        let pile = try YKCTestPile(code: YKCRegistryCodes.code(7), port: gateway.frontEnd.port)
        #expect(pile.login()?[13] == 0)
        var round = 0
        func send() {
            round += 1
            let d = YKCRealtimeData(trade: YKCTradeNumber(high: 0, low: 0), pileCode: pile.code, gun: 1, status: 3,
                                    decivolts: UInt16(3000 + round), deciamps: 500)
            pile.encoder.realtimeData(sequence: pile.nextSequence(), d)
            pile.sendFrame()
        }

        // Node up: ready once the session announcer has had its first answer.
        var ready = TestResponse(status: 0, headers: [], body: "")
        for _ in 0..<250 where ready.status != 200 {
            ready = try await Self.get(port, "/ready")
            if ready.status != 200 { try await Task.sleep(nanoseconds: 20_000_000) }
        }
        #expect(ready.status == 200, "\(ready.body)")
        #expect(ready.body.hasPrefix(#"{"status":"ready""#))
        #expect(try await Self.get(port, "/health").status == 200)
        // The login's pile_state points are forwarded first.
        #expect(try await YKCGatewayTests.eventually(seconds: 10) { gateway.spooledBytes == 0 })
        var metrics = try await Self.get(port, "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(Self.sample(metrics.body, "chargeline_spool_bytes") == 0)
        #expect(Self.sample(metrics.body, "chargeline_spool_oldest_seconds") == 0)
        #expect(Self.sample(metrics.body, "chargeline_upstream_up") == 1)
        #expect(Self.sample(metrics.body, "chargeline_ykc_connections") == 1)
        #expect(metrics.body.contains("# HELP chargeline_spool_bytes "))
        #expect(try await Self.get(port, "/nothing").status == 404)

        // Node down: not ready, saying why, and the spool grows.
        try await node.shutdown()
        try store.close()
        var waiting = TestResponse(status: 0, headers: [], body: "")
        for _ in 0..<250 where waiting.status != 503 {
            send()
            waiting = try await Self.get(port, "/ready")
            if waiting.status != 503 { try await Task.sleep(nanoseconds: 20_000_000) }
        }
        #expect(waiting.status == 503)
        #expect(waiting.body.contains(#""status":"waiting""#) && waiting.body.contains("unreachable"), "\(waiting.body)")
        #expect(try await YKCGatewayTests.eventually(seconds: 5) { gateway.spooledBytes > 0 })
        let before = gateway.spooledBytes
        for _ in 0..<5 { send() }
        #expect(try await YKCGatewayTests.eventually(seconds: 5) { gateway.spooledBytes > before }, "the spool grows")
        try await Task.sleep(nanoseconds: 1_200_000_000)
        metrics = try await Self.get(port, "/metrics")
        #expect((Self.sample(metrics.body, "chargeline_spool_bytes") ?? 0) > Double(before))
        #expect((Self.sample(metrics.body, "chargeline_spool_oldest_seconds") ?? 0) >= 1)
        #expect(Self.sample(metrics.body, "chargeline_upstream_up") == 0)
        #expect(try await Self.get(port, "/ready").status == 503)

        // Node back: ready again, and the spool drains.
        (store, node) = try await YKCGatewayTests.startNode(root + "/data", port: nodePort)
        ready = TestResponse(status: 0, headers: [], body: "")
        for _ in 0..<500 where ready.status != 200 {
            ready = try await Self.get(port, "/ready")
            if ready.status != 200 { try await Task.sleep(nanoseconds: 20_000_000) }
        }
        #expect(ready.status == 200, "\(ready.body)")
        #expect(try await YKCGatewayTests.eventually(seconds: 10) { gateway.spooledBytes == 0 })
        metrics = try await Self.get(port, "/metrics")
        #expect(Self.sample(metrics.body, "chargeline_spool_oldest_seconds") == 0)
        pile.close()
        await gateway.shutdown()
        try await node.shutdown()
        try store.close()
    }
}

import ChargelineCore
import ChargelineFrontEnd
import ChargelineHTTPAPI
import ChargelineIngest
import ChargelineNetworkTestSupport
import ChargelineStorage
import ChargelineYKC
import ChargelineYKCPile
import Foundation
import Logging
import Testing

/// A gateway whose storage node is stopped and restarted loses nothing, and keeps answering
/// piles while the node is away.
@Suite(.serialized) struct YKCGatewayTests {
    static func startNode(_ dir: String, port: Int) async throws -> (Store, ChargelineServer) {
        var options = StorageOptions()
        options.fsync = .never
        let store = try Store(directory: dir, options: options)
        let server = try await ChargelineServer.start(
            configuration: ServerConfiguration(http: .init(host: "127.0.0.1", port: port), lineProtocol: nil, threads: 1,
                                               shutdownGracePeriodMilliseconds: 1_000, idleTimeoutSeconds: 0),
            sink: StorageSink(store: store), queryHandler: FakeQueryHandler(sink: StorageSink(store: store)), logger: Logger(label: "test", factory: { _ in LogCapture() }))
        return (store, server)
    }

    /// A gateway on a kernel-chosen loopback port forwarding to the node on `nodePort`.
    static func startGateway(nodePort: Int, spool: String, logger: Logger,
                             configure: (inout YKCConfiguration) -> Void = { _ in }) async throws -> YKCGateway {
        var config = YKCConfiguration(endpoint: .init(host: "127.0.0.1", port: 0), reusePort: true, flushMilliseconds: 20,
                                      threads: 1)
        configure(&config)
        return try await YKCGateway.start(configuration: config, upstream: .init(host: "127.0.0.1", port: nodePort),
                                          spoolDirectory: spool, spoolMaxBytes: 64 << 20, logger: logger)
    }

    static func eventually(seconds: Double, _ condition: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        return condition()
    }

    @Test func storageNodeStoppedAndRestartedLosesNothing() async throws {
        let root = NSTemporaryDirectory() + "ykc-gateway-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        var (store, node) = try await Self.startNode(root + "/data", port: 0)
        let nodePort = try #require(node.httpPort)
        let logs = LogCapture()
        var logger = Logger(label: "gateway", factory: { _ in logs })
        logger.logLevel = .info
        let gateway = try await Self.startGateway(nodePort: nodePort, spool: root + "/spool", logger: logger) { $0.database = "ykc" }
        let piles = try (0..<40).map { i -> YKCTestPile in
            let pile = try YKCTestPile(code: YKCRegistryCodes.code(i), port: gateway.frontEnd.port)
            #expect(pile.login()?[13] == 0)
            return pile
        }
        func sendRound(_ r: Int) {
            for (i, pile) in piles.enumerated() {
                let d = YKCRealtimeData(trade: YKCTradeNumber(high: 0, low: 0), pileCode: pile.code, gun: 1, status: 3,
                                        decivolts: UInt16(3000 + r * 100 + i), deciamps: 500)
                pile.encoder.realtimeData(sequence: pile.nextSequence(), d)
                pile.sendFrame()
            }
        }
        sendRound(0)
        #expect(try await Self.eventually(seconds: 5) { gateway.spooledBytes == 0 && gateway.frontEnd.stats.frames >= 80 })

        // The node goes away; piles keep sending and keep being answered.
        try await node.shutdown()
        try store.close()
        sendRound(1)
        let started = Date()
        for pile in piles { #expect(pile.heartbeat() != nil) }
        #expect(Date().timeIntervalSince(started) < 2, "heartbeats answered while the node is down")
        sendRound(2)
        #expect(try await Self.eventually(seconds: 5) { gateway.spooledBytes > 0 })

        (store, node) = try await Self.startNode(root + "/data", port: nodePort)
        sendRound(3)
        #expect(try await Self.eventually(seconds: 10) { gateway.spooledBytes == 0 }, "spool drained after the node came back")
        for pile in piles { pile.close() }
        await gateway.shutdown()
        try await node.shutdown()

        var found: [String: Set<Double>] = [:]
        for s in try store.read(database: "ykc", measurement: "telemetry") {
            guard let v = s.columns.first(where: { $0.name == "voltage" }) else { continue }
            for i in 0..<v.count { found[s.key, default: []].insert(v.value(at: i).doubleValue!) }
        }
        var missing = 0
        for i in 0..<piles.count {
            let key = "telemetry,gun=1,pile=\(YKCBytes.packedText(YKCRegistryCodes.code(i), digits: 14)),station=unregistered"
            for r in 0..<4 where found[key]?.contains(Double(3000 + r * 100 + i) / 10) != true { missing += 1 }
        }
        #expect(missing == 0, "\(missing) of \(piles.count * 4) realtime frames missing after the outage")
        #expect(logs.lines.contains { $0.contains("storage node unreachable") })
        #expect(logs.lines.contains { $0.contains("storage node reachable again") })
        try store.close()
    }

    /// A pile that logs in again on another gateway process has its old connection closed by
    /// the first gateway within about a second (the node tells it), not at the 30 s heartbeat
    /// timeout.
    @Test func reloginOnAnotherGatewayClosesTheOldConnection() async throws {
        let root = NSTemporaryDirectory() + "ykc-gateway-move-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (store, node) = try await Self.startNode(root + "/data", port: 0)
        let nodePort = try #require(node.httpPort)
        let logger = Logger(label: "gateway", factory: { _ in LogCapture() })
        // Separate ports, so each pile reaches the gateway the test means; 30 s heartbeat timeout.
        let separate: (inout YKCConfiguration) -> Void = { $0.reusePort = false; $0.heartbeatTimeoutSeconds = 30 }
        let a = try await Self.startGateway(nodePort: nodePort, spool: root + "/spool-a", logger: logger, configure: separate)
        let b = try await Self.startGateway(nodePort: nodePort, spool: root + "/spool-b", logger: logger, configure: separate)
        let moving = YKCRegistryCodes.code(1)
        let staying = YKCRegistryCodes.code(2)
        let old = try YKCTestPile(code: moving, port: a.frontEnd.port)
        #expect(old.login()?[13] == 0)
        let other = try YKCTestPile(code: staying, port: a.frontEnd.port)
        #expect(other.login()?[13] == 0)
        // Let gateway A's claims reach the node before the pile moves.
        #expect(try await Self.eventually(seconds: 5) { node.ykcSessions.count == 2 })

        let moved = try YKCTestPile(code: moving, port: b.frontEnd.port)
        #expect(moved.login()?[13] == 0)
        let started = Date()
        #expect(old.isClosedByPeer(), "gateway A closes the pile's old connection")
        let seconds = Date().timeIntervalSince(started)
        #expect(seconds < 3, "closed after \(seconds) s; the heartbeat timeout would take 30 s")
        #expect(try await Self.eventually(seconds: 2) { a.movedToOtherGateway == 1 })
        // The new connection and the other pile on A are untouched.
        #expect(moved.heartbeat() != nil)
        #expect(other.heartbeat() != nil)
        #expect(a.frontEnd.stats.replaced == 1)
        #expect(b.movedToOtherGateway == 0)

        // And back: the pile returns to A; B lets go of it.
        let back = try YKCTestPile(code: moving, port: a.frontEnd.port)
        #expect(back.login()?[13] == 0)
        #expect(moved.isClosedByPeer(), "gateway B closes the connection the pile left")
        #expect(back.heartbeat() != nil)
        for p in [old, other, moved, back] { p.close() }
        await a.shutdown()
        await b.shutdown()
        try await node.shutdown()
        try store.close()
    }
}

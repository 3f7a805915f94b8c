import ChargelineCore
import ChargelineFrontEnd
import ChargelineIngest
import ChargelineNetworkTestSupport
import ChargelineStorage
import ChargelineYKC
import ChargelineYKCPile
import Foundation
import Logging
import Testing

/// The YKC front-end over loopback: replies, sessions, bad input, telemetry into a real store.
@Suite(.serialized) struct YKCFrontEndTests {
    static func withFrontEnd<T>(sink: any IngestSink = FakeSink(), registry: YKCPileRegistry = YKCPileRegistry(),
                                unknown: YKCConfiguration.UnknownPiles = .accept, logs: LogCapture? = nil,
                                configure: (inout YKCConfiguration) -> Void = { _ in },
                                _ body: (YKCFrontEnd) async throws -> T) async throws -> T {
        var config = YKCConfiguration(endpoint: .init(host: "127.0.0.1", port: 0), reusePort: false, threads: 2)
        configure(&config)
        var logger = Logger(label: "test", factory: { _ in logs ?? LogCapture() })
        logger.logLevel = logs == nil ? .critical : .debug
        let directory = YKCPileDirectory(registry: registry, unknownPiles: unknown, logger: logger)
        let frontEnd = try await YKCFrontEnd.start(configuration: config, directory: directory, sink: sink, logger: logger)
        do {
            let result = try await body(frontEnd)
            await frontEnd.shutdown()
            return result
        } catch {
            await frontEnd.shutdown()
            throw error
        }
    }

    @Test func loginHeartbeatAndBillingRepliesAreByteExact() async throws {
        try await Self.withFrontEnd { fe in
            let pile = try YKCTestPile(code: 0x32010600395600, port: fe.port)
            var expected = YKCFrameEncoder()
            pile.encoder.login(sequence: (0x19, 0x00), pileCode: pile.code)
            pile.sendFrame()
            expected.loginReply(sequence: (0x19, 0x00), pileCode: pile.code, accepted: true)
            #expect(pile.readFrame() == Array(expected.frame))

            pile.encoder.heartbeat(sequence: (0xBB, 0xBD), pileCode: pile.code, gun: 2, gunState: 0, crcOrder: .highByteFirst)
            pile.sendFrame()
            expected.heartbeatReply(sequence: (0xBB, 0xBD), pileCode: pile.code, gun: 2)
            #expect(pile.readFrame() == Array(expected.frame))

            pile.encoder.billingModelCheck(sequence: (0, 3), pileCode: pile.code, modelNumber: 0)
            pile.sendFrame()
            expected.billingModelCheckReply(sequence: (0, 3), pileCode: pile.code, modelNumber: 0, matches: false)
            #expect(pile.readFrame() == Array(expected.frame))

            pile.encoder.billingModelRequest(sequence: (0, 4), pileCode: pile.code)
            pile.sendFrame()
            expected.billingModelReply(sequence: (0, 4), pileCode: pile.code, model: .standard)
            #expect(pile.readFrame() == Array(expected.frame))
        }
    }

    @Test func unknownPileIsRejectedWhenConfigured() async throws {
        let registry = YKCPileRegistry(entries: [0x11111111111111: YKCPileInfo(station: "S1")])
        try await Self.withFrontEnd(registry: registry, unknown: .reject) { fe in
            let stranger = try YKCTestPile(code: 0x22222222222222, port: fe.port)
            let reply = try #require(stranger.login())
            #expect(reply[5] == 0x02 && reply[13] == 1)
            #expect(stranger.isClosedByPeer())
            let known = try YKCTestPile(code: 0x11111111111111, port: fe.port)
            #expect(known.login()?[13] == 0)
            #expect(fe.stats.loginsRejected == 1 && fe.stats.logins == 1)
        }
    }

    @Test func badInputAfterLoginIsCountedAndLoggedAndTheConnectionStays() async throws {
        let logs = LogCapture()
        try await Self.withFrontEnd(logs: logs) { fe in
            let pile = try YKCTestPile(code: 0x32010600395600, port: fe.port)
            #expect(pile.login() != nil)
            pile.encoder.heartbeat(sequence: (0, 9), pileCode: pile.code, gun: 1, gunState: 0)
            var corrupt = Array(pile.encoder.frame)
            corrupt[10] ^= 0xFF
            pile.send(corrupt)
            pile.encoder.begin(type: 0x7F, sequence: (0, 10))
            pile.encoder.putZeros(3)
            pile.encoder.finish()
            pile.sendFrame()
            #expect(pile.heartbeat() != nil, "connection must stay up after bad input")
            #expect(fe.stats.badFrames >= 2)
            let lines = logs.lines.filter { $0.contains("YKC bad input") }
            #expect(lines.contains { $0.contains("bad CRC") && $0.contains("pile=32010600395600") && $0.contains("hex=68 0D") })
            #expect(lines.contains { $0.contains("unknown frame type 0x7F") })
        }
    }

    @Test func frameBeforeLoginClosesTheConnection() async throws {
        try await Self.withFrontEnd { fe in
            let pile = try YKCTestPile(code: 0x32010600395600, port: fe.port)
            pile.encoder.heartbeat(sequence: (0, 1), pileCode: pile.code, gun: 1, gunState: 0)
            pile.sendFrame()
            #expect(pile.isClosedByPeer())
        }
    }

    @Test func loggingInAgainReplacesTheOldConnection() async throws {
        try await Self.withFrontEnd { fe in
            let first = try YKCTestPile(code: 0x32010600395600, port: fe.port)
            #expect(first.login() != nil)
            let second = try YKCTestPile(code: 0x32010600395600, port: fe.port)
            #expect(second.login() != nil)
            #expect(first.isClosedByPeer())
            #expect(second.heartbeat() != nil)
            #expect(fe.stats.replaced == 1)
        }
    }

    @Test func silentPileIsClosedAfterTheHeartbeatTimeout() async throws {
        try await Self.withFrontEnd(configure: { $0.heartbeatTimeoutSeconds = 2; $0.loginTimeoutSeconds = 3 }) { fe in
            let pile = try YKCTestPile(code: 0x32010600395600, port: fe.port)
            #expect(pile.login() != nil)
            let started = Date()
            #expect(pile.isClosedByPeer())
            let waited = Date().timeIntervalSince(started)
            #expect(waited >= 1.9 && waited < 5, "closed after \(waited) s")
            #expect(fe.stats.timeouts == 1)
        }
    }

    @Test func registryReloadRetagsNewTelemetry() async throws {
        let dir = NSTemporaryDirectory() + "ykc-registry-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/piles.csv"
        try "pile,station\n32010600395600,OLD\n".write(toFile: path, atomically: false, encoding: .utf8)
        let logger = Logger(label: "test", factory: { _ in LogCapture() })
        let directory = try YKCPileDirectory(path: path, unknownPiles: .reject, logger: logger)
        let sink = FakeSink()
        var config = YKCConfiguration(endpoint: .init(host: "127.0.0.1", port: 0), reusePort: false, registryPath: path,
                                      flushMilliseconds: 20, threads: 1)
        config.registryPollSeconds = 1
        let fe = try await YKCFrontEnd.start(configuration: config, directory: directory, sink: sink, logger: logger)
        let pile = try YKCTestPile(code: 0x32010600395600, port: fe.port)
        #expect(pile.login()?[13] == 0)
        #expect(pile.heartbeat(state: 0) != nil)
        try "pile,station,operator\n32010600395600,NEW,OP\n".write(toFile: path, atomically: false, encoding: .utf8)
        fe.reloadRegistry()
        #expect(pile.heartbeat(state: 1) != nil)
        await fe.shutdown()
        let keys = sink.points.map(\.key)
        #expect(keys.contains("telemetry,gun=1,pile=32010600395600,station=OLD"))
        #expect(keys.contains("telemetry,gun=1,operator=OP,pile=32010600395600,station=NEW"))
    }
}

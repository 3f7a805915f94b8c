import ChargelineCore
import Foundation
import Logging
import Testing

@testable import ChargelineFrontEnd
import ChargelineNetworkTestSupport

/// The gateway spool: order, restart, bound, corruption.
@Suite struct GatewaySpoolTests {
    static let logger = Logger(label: "test", factory: { _ in LogCapture() })

    static func temp() -> String { NSTemporaryDirectory() + "spool-" + UUID().uuidString }

    static func drain(_ spool: GatewaySpool) -> [String] {
        var out: [String] = []
        while true {
            let records = spool.read(maxBytes: 1 << 20, timeout: 0)
            guard let last = records.last else { return out }
            out += records.filter { !$0.database.isEmpty }.map { String(decoding: $0.lineProtocol, as: UTF8.self) }
            spool.acknowledge(through: last.next)
        }
    }

    @Test func recordsComeBackInOrderAndSurviveARestart() throws {
        let dir = Self.temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var spool: GatewaySpool? = try GatewaySpool(directory: dir, maxBytes: 1 << 20, logger: Self.logger)
        for i in 0..<5 { try spool!.append(database: "db", lineProtocol: Array("m v=\(i)\n".utf8)) }
        let first = spool!.read(maxBytes: 10, timeout: 0)
        #expect(first.count == 2)
        spool!.acknowledge(through: first[1].next)
        spool!.close()
        spool = nil
        let reopened = try GatewaySpool(directory: dir, maxBytes: 1 << 20, logger: Self.logger)
        try reopened.append(database: "db", lineProtocol: Array("m v=5\n".utf8))
        #expect(Self.drain(reopened) == (2...5).map { "m v=\($0)\n" })
        #expect(reopened.pendingBytes == 0)
    }

    @Test func twoProcessesCannotShareASpool() throws {
        let dir = Self.temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try GatewaySpool(directory: dir, maxBytes: 1 << 20, logger: Self.logger)
        // flock is per open file description, so a second open in this process conflicts too.
        #expect(throws: ChargelineError.self) { try GatewaySpool(directory: dir, maxBytes: 1 << 20, logger: Self.logger) }
        spool.close()
    }

    @Test func aFullSpoolRefusesAppendsUntilForwarded() throws {
        let dir = Self.temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try GatewaySpool(directory: dir, maxBytes: 8 + 3 * 30, logger: Self.logger)
        let line = Array("m v=1234567890123456789\n".utf8)  // 24 bytes + 8 header + 3 db = 35
        try spool.append(database: "db", lineProtocol: line)
        try spool.append(database: "db", lineProtocol: line)
        #expect(throws: ChargelineError.self) { try spool.append(database: "db", lineProtocol: line) }
        #expect(Self.drain(spool).count == 2)
        try spool.append(database: "db", lineProtocol: line)
        #expect(Self.drain(spool).count == 1)
        spool.close()
    }

    @Test func aCorruptRecordEndsItsSegmentAndTheRestStillFlows() throws {
        let dir = Self.temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var spool: GatewaySpool? = try GatewaySpool(directory: dir, maxBytes: 1 << 20, logger: Self.logger)
        try spool!.append(database: "db", lineProtocol: Array("m v=1\n".utf8))
        try spool!.append(database: "db", lineProtocol: Array("m v=2\n".utf8))
        spool!.close()
        spool = nil
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasSuffix(".spool") })
        let handle = try #require(FileHandle(forUpdatingAtPath: dir + "/" + segment))
        try handle.seek(toOffset: UInt64(8 + 15 + 8 + 5))
        handle.write(Data([0xFF]))
        try handle.close()
        let reopened = try GatewaySpool(directory: dir, maxBytes: 1 << 20, logger: Self.logger)
        try reopened.append(database: "db", lineProtocol: Array("m v=3\n".utf8))
        #expect(Self.drain(reopened) == ["m v=1\n", "m v=3\n"])
    }
}

/// `chargeline_spool_oldest_seconds`: the age of the oldest record not yet acknowledged.
@Suite struct GatewaySpoolAgeTests {
    final class Clock: @unchecked Sendable {
        var now = 1_000.0
    }

    @Test func ageOfTheOldestPendingRecordFollowsAcknowledgements() throws {
        let dir = GatewaySpoolTests.temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = Clock()
        let spool = try GatewaySpool(directory: dir, maxBytes: 1 << 20, logger: GatewaySpoolTests.logger, clock: { clock.now })
        #expect(spool.oldestPendingSeconds == 0)
        try spool.append(database: "db", lineProtocol: Array("m v=0\n".utf8))  // t = 1000
        clock.now = 1_003
        try spool.append(database: "db", lineProtocol: Array("m v=1\n".utf8))  // t = 1003
        clock.now = 1_010
        #expect(spool.oldestPendingSeconds == 10)
        let records = spool.read(maxBytes: 1 << 20, timeout: 0)
        #expect(records.count == 2)
        spool.acknowledge(through: records[0].next)
        #expect(spool.oldestPendingSeconds == 7)
        spool.acknowledge(through: records[1].next)
        #expect(spool.oldestPendingSeconds == 0, "nothing pending")
        clock.now = 1_020
        try spool.append(database: "db", lineProtocol: Array("m v=2\n".utf8))  // t = 1020
        clock.now = 1_025
        #expect(spool.oldestPendingSeconds == 5)
        spool.close()
    }
}

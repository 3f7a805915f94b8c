import ChargelineCore
import ChargelineLog
import Foundation
import Logging
import Testing

@testable import ChargelineFrontEnd
import ChargelineNetworkTestSupport

/// The spool's place in the shared log format: kind `S`, version 2, its header checked at open
/// (`CLSPOOL1` was never checked), and the newest segment cut at its first bad record.
@Suite struct GatewaySpoolFormatTests {
    static func segments(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".spool") }.sorted()
    }

    @Test func segmentsStartWithTheLogHeaderOfKindS() throws {
        let dir = GatewaySpoolTests.temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try GatewaySpool(directory: dir, maxBytes: 1 << 20, logger: GatewaySpoolTests.logger)
        try spool.append(database: "db", lineProtocol: Array("m v=1\n".utf8))
        spool.close()
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: dir + "/" + Self.segments(dir)[0])))
        #expect(Array(bytes[0..<8]) == LogSegmentHeader(kind: .spool, version: 2).bytes)
        let (payload, next): ([UInt8], Int) = bytes.withUnsafeBytes { raw in
            var scanner = LogScanner(raw, path: "", segment: 1)
            let r = try! scanner.next()!
            return (Array(raw[r.payload]), r.end)
        }
        #expect(payload == [2] + Array("dbm v=1\n".utf8))
        #expect(next == bytes.count)
    }

    /// A record torn by a power loss at the end of the newest segment is cut off at open (so a
    /// reader never meets it); every record before it is forwarded.
    @Test func aTornTailIsCutAtOpenAndTheRecordsBeforeItFlow() throws {
        let dir = GatewaySpoolTests.temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var spool: GatewaySpool? = try GatewaySpool(directory: dir, maxBytes: 1 << 20, logger: GatewaySpoolTests.logger)
        for i in 0..<3 { try spool!.append(database: "db", lineProtocol: Array("m v=\(i)\n".utf8)) }
        spool!.close()
        spool = nil
        let path = dir + "/" + Self.segments(dir).last!
        let whole = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        let lastStart = whole.count - (LogRecord.headerSize + 3 + 6)
        _ = FileManager.default.createFile(atPath: path, contents: Data(whole[..<(whole.count - 4)]))
        let reopened = try GatewaySpool(directory: dir, maxBytes: 1 << 20, logger: GatewaySpoolTests.logger)
        #expect(FileManager.default.contents(atPath: path).map { $0.count } == lastStart)
        #expect(GatewaySpoolTests.drain(reopened) == ["m v=0\n", "m v=1\n"])
        #expect(reopened.pendingBytes == 0)
        reopened.close()
    }

    func expectRefused(_ bytes: [UInt8], naming words: [String]) throws {
        let dir = GatewaySpoolTests.temp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/00000000000000000001.spool"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        do {
            _ = try GatewaySpool(directory: dir, maxBytes: 1 << 20, logger: GatewaySpoolTests.logger)
            Issue.record("opened a spool it must refuse")
        } catch let error as ChargelineError {
            #expect(error.code == .corruption)
            #expect(error.message.contains(path))
            for word in words { #expect(error.message.contains(word), "\(error.message)") }
        }
        #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == bytes, "left as it was")
        // The lock was released: the folder can be opened once the file is moved away.
        try FileManager.default.removeItem(atPath: path)
        let spool = try GatewaySpool(directory: dir, maxBytes: 1 << 20, logger: GatewaySpoolTests.logger)
        spool.close()
    }

    /// `CLSPOOL1` was written but never checked on read.
    @Test func theDevelopmentFormatIsRefusedByName() throws {
        var bytes = Array("CLSPOOL1".utf8)
        let payload: [UInt8] = [2] + Array("dbm v=1\n".utf8)
        payload.withUnsafeBytes { LogRecord.append(payload: $0, to: &bytes) }
        try expectRefused(bytes, naming: ["version 1", "CLSPOOL1"])
    }

    @Test func aWALSegmentIsNotASpool() throws {
        try expectRefused(LogSegmentHeader(kind: .wal, version: 2).bytes + [1, 0, 0, 0, 0, 0, 0, 0, 0],
                          naming: ["WAL segment", "not a gateway spool segment"])
    }

    @Test func aNewerVersionIsRefusedByName() throws {
        try expectRefused(LogSegmentHeader(kind: .spool, version: 3).bytes, naming: ["version 3", "version 2"])
    }
}

import ChargelineCore
import ChargelineLog
import Foundation
import Testing
@testable import ChargelineStorage

/// The WAL's place in the shared log format: kind `W`, version 2; other kinds and versions are
/// refused by name, never replayed or quarantined as damage.
@Suite struct WALFormatTests {
    func expectRefused(_ bytes: [UInt8], naming words: [String]) throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let path = dir.path + "/" + FileNames.walSegment(4)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        do {
            _ = try WALReplayer.replay(directory: dir.path, fromID: 1, logger: quietLogger) { _ in }
            Issue.record("replayed a file it must refuse")
        } catch let error as ChargelineError {
            #expect(error.code == .corruption)
            #expect(error.message.contains(path))
            for word in words { #expect(error.message.contains(word), "\(error.message)") }
        }
        // Refused, not treated as damage: the file is left where it is, untouched.
        #expect(try FileIO.readAll(path) == bytes)
        #expect(FileIO.list(dir.path + "/" + FileNames.quarantineDirectory).isEmpty)
    }

    @Test func aSegmentStartsWithTheLogHeaderOfKindW() {
        #expect(WALRecord.segmentHeader(id: 1) == Array("CLLGW".utf8) + [2] + WALRecord.segmentHeader(id: 1)[6...])
        #expect(WALRecord.segmentHeaderSize == 8)
    }

    /// A spool segment in the wal folder: its records frame as log records, but it is not a WAL.
    @Test func aSpoolSegmentIsNotReplayed() throws {
        var bytes = LogSegmentHeader(kind: .spool, version: 2).bytes
        let payload: [UInt8] = [2] + Array("dbm v=1\n".utf8)
        payload.withUnsafeBytes { LogRecord.append(payload: $0, to: &bytes) }
        try expectRefused(bytes, naming: ["gateway spool segment", "not a WAL segment"])
    }

    @Test func aNewerVersionIsRefusedByName() throws {
        var bytes = LogSegmentHeader(kind: .wal, version: 3).bytes
        let batch = telemetryBatch(guns: 0..<1, times: [1])
        batch.bytes.withUnsafeBytes { WALRecord.append(kind: .writeBatch, payload: $0, to: &bytes) }
        try expectRefused(bytes, naming: ["version 3", "version 2"])
    }

    /// Version 1 (magic "CLWL", a 16-byte header of its own) was a development format.
    @Test func theDevelopmentFormatIsRefusedByName() throws {
        var bytes = Array("CLWL".utf8) + [1, 0, 0, 0] + [4, 0, 0, 0, 0, 0, 0, 0]
        bytes += [UInt8](repeating: 0x11, count: 40)
        try expectRefused(bytes, naming: ["version 1", "CLWL"])
    }
}

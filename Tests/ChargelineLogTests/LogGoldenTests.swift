import Foundation
import Testing
@testable import ChargelineLog

/// The golden log segment `Fixtures/spool-v2.log`: the log header of kind `S` (gateway spool)
/// version 2 and three records whose payloads are spool records (`dbLen | db | lines`),
/// written by an independent encoder (a few lines of Python with a bitwise CRC-32C), as
/// docs/format/log.md shows it byte by byte.
///
/// (a) The committed file reads back, record by record. It must as long as the version is
///     readable (docs/format.md, "Versions").
/// (b) Writing the same records today gives the same bytes, so any change to the framing or
///     the header shows up here; a deliberate change takes a new version and a new fixture.
@Suite struct LogGoldenTests {
    static let records: [(db: String, lines: String)] = [
        ("db", "m v=1\n"),
        ("ykc", "telemetry,gun=P1-1 v=401.5,i=62i 1765000000000000000\n"),
        ("db", "m v=3\n"),
    ]

    static func payload(_ r: (db: String, lines: String)) -> [UInt8] {
        [UInt8(r.db.utf8.count)] + Array(r.db.utf8) + Array(r.lines.utf8)
    }

    static func committed() throws -> [UInt8] {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return [UInt8](try Data(contentsOf: dir.appendingPathComponent("spool-v2.log")))
    }

    @Test func theCommittedSegmentReadsBack() throws {
        let bytes = try Self.committed()
        #expect(Array(bytes[0..<6]) == Array("CLLGS".utf8) + [2], "a spool segment, version 2")
        let header = LogSegmentHeader(kind: .spool, version: 2)
        #expect(bytes.withUnsafeBytes { header.validate($0, path: "spool-v2.log", segment: 1) } == nil)
        let (got, stop) = scanAll(bytes)
        #expect(stop == nil)
        #expect(got == Self.records.map(Self.payload))
    }

    @Test func writingTheSameRecordsGivesTheSameBytes() throws {
        var bytes = LogSegmentHeader(kind: .spool, version: 2).bytes
        for r in Self.records {
            let start = LogRecord.begin(&bytes)
            bytes += Self.payload(r)
            LogRecord.finish(&bytes, recordAt: start)
        }
        #expect(bytes == (try Self.committed()))
    }
}

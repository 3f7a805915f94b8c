import Testing
@testable import ChargelineLog

/// The segment header: magic, kind, version and a check that tells damage from another build's file.
@Suite struct LogSegmentHeaderTests {
    let header = LogSegmentHeader(kind: .wal, version: 2)

    @Test func theHeaderIsMagicKindVersionCheck() {
        let bytes = header.bytes
        #expect(bytes.count == LogSegmentHeader.size)
        #expect(Array(bytes[0..<6]) == Array("CLLGW".utf8) + [2])
        #expect(bytes.withUnsafeBytes { header.validate($0, path: "x", segment: 1) } == nil)
    }

    /// A spool segment where a WAL segment belongs: refused, naming the file and both kinds.
    @Test func anotherKindIsRefusedByName() throws {
        let spool = LogSegmentHeader(kind: .spool, version: 2).bytes
        let bad = try #require(spool.withUnsafeBytes { header.validate($0, path: "/data/wal/00000000000000000003.wal", segment: 3) })
        #expect(bad.problem == .wrongKind(found: UInt8(ascii: "S"), expected: .wal))
        #expect(bad.isForeign)
        #expect(bad.offset == 0)
        #expect(bad.description.contains("/data/wal/00000000000000000003.wal"))
        #expect(bad.description.contains("gateway spool segment"))
        #expect(bad.description.contains("not a WAL segment"))
    }

    @Test func anotherVersionIsRefusedByName() throws {
        let newer = LogSegmentHeader(kind: .wal, version: 3).bytes
        let bad = try #require(newer.withUnsafeBytes { header.validate($0, path: "/data/wal/7.wal", segment: 7) })
        #expect(bad.problem == .wrongVersion(found: 3, expected: 2))
        #expect(bad.isForeign)
        let message = bad.error(remedy: "run the version that wrote it").message
        #expect(message.contains("/data/wal/7.wal"))
        #expect(message.contains("version 3"))
        #expect(message.contains("version 2"))
    }

    /// Any single damaged byte is damage (the check fails), never read as another kind or
    /// version: an owner can still trust the records behind it.
    @Test func everyFlippedHeaderByteIsDamageNotAnotherVersion() throws {
        for offset in 0..<LogSegmentHeader.size {
            for flip: UInt8 in [0x01, 0x5A, 0x80, 0xFF] {
                var bytes = header.bytes
                bytes[offset] ^= flip
                let bad = try #require(bytes.withUnsafeBytes { header.validate($0, path: "p", segment: 1) })
                guard case .badHeader = bad.problem else {
                    Issue.record("flip \(flip) at \(offset): \(bad.problem)")
                    continue
                }
                #expect(!bad.isForeign)
                #expect(bad.offset == 0)
            }
        }
    }

    @Test func aShortFileHasNoHeader() throws {
        for n in 0..<LogSegmentHeader.size {
            let bytes = Array(header.bytes.prefix(n))
            let bad = try #require(bytes.withUnsafeBytes { header.validate($0, path: "p", segment: 1) })
            #expect(bad.problem == .badHeader(detail: "the file is \(n) bytes, shorter than the 8-byte header"))
        }
    }
}

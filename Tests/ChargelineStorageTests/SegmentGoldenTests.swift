import ChargelineCodec
import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage

/// The golden segment fixtures: `Fixtures/segment-v7-statistics.seg` (a raw database's
/// segment, block statistics kept) and `Fixtures/segment-v7-without-statistics.seg` (a rollup
/// database's), both `SegmentTestData.goldenColumns()` written with `CodecOptions.compact` and
/// blocks of at most `SegmentTestData.goldenBlockRows` rows.
///
/// (a) The committed files read back, every row and every block meta's statistics. This must
///     hold as long as the version is readable: a released version's reader is kept
///     (docs/format.md, "Versions").
/// (b) Writing the same columns today gives the same bytes, so any change to the format (or
///     to the codecs' choices) shows up here. A deliberate change to what is written rewrites
///     the fixtures (`CHARGELINE_WRITE_SEGMENT_FIXTURES=1 swift test --filter
///     SegmentGoldenTests`) in the same commit as docs/format/segment.md, and, once a version
///     is released, keeps the old fixture with a reader for it. The zstd frames inside are
///     libzstd's output at level 3; a libzstd that compresses differently fails (b), not (a).
@Suite struct SegmentGoldenTests {
    static let fixtures: [(name: String, statistics: Bool)] = [
        ("segment-v7-statistics.seg", true), ("segment-v7-without-statistics.seg", false),
    ]

    /// The fixture folder in the source tree (where `CHARGELINE_WRITE_SEGMENT_FIXTURES` writes).
    static var sourceFolder: String { URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures" }

    static func committed(_ name: String) throws -> [UInt8] {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return [UInt8](try Data(contentsOf: dir.appendingPathComponent(name)))
    }

    /// The fixture's columns written now into `dir`.
    static func writeToday(statistics: Bool, in dir: String) throws -> SegmentReader {
        try SegmentFormatTests.writeSegment(SegmentTestData.goldenColumns(), in: dir, options: .compact,
                                            maxBlockRows: SegmentTestData.goldenBlockRows, statistics: statistics)
    }

    @Test(arguments: fixtures) func committedFixtureReadsEveryRow(fixture: (name: String, statistics: Bool)) throws {
        let bytes = try Self.committed(fixture.name)
        #expect(bytes[4] == 7 && bytes[5] == 0 && bytes[bytes.count - 8] == 7, "a version-7 file")
        let dir = TempDirectory(); defer { dir.cleanup() }
        let path = dir.path + "/" + FileNames.segment(1)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let info = SegmentInfo(id: 1, seq: 1, level: 1, partitionStart: SegmentTestData.partition.start, minTime: 0, maxTime: 0,
                               series: 3, rows: 0, values: 0, bytes: bytes.count)
        let reader = SegmentReader(info: info, path: path)
        try reader.checkAtOpen(partitionDuration: SegmentTestData.partition.end - SegmentTestData.partition.start)
        let series = SegmentTestData.goldenColumns()
        try SegmentFormatTests.expectContent(reader, series)
        // Every block meta: its statistics are the values' (or absent, as written).
        var blocks = 0, withStatistics = 0, overflowed = 0
        for entry in try reader.loadIndex().series {
            for field in entry.fields {
                #expect(field.blocks.count == (field.blocks.map { Int($0.count) }.reduce(0, +) + SegmentTestData.goldenBlockRows - 1) / SegmentTestData.goldenBlockRows)
                for meta in field.blocks {
                    blocks += 1
                    let data = try reader.readBlock(meta, type: field.type)
                    var expected = BlockMeta.stats(of: data, 0..<data.count, offset: meta.offset, length: meta.length)
                    if !fixture.statistics {
                        expected = BlockMeta(offset: meta.offset, length: meta.length, count: expected.count, minTime: expected.minTime,
                                             maxTime: expected.maxTime, min: 0, max: 0, sum: 0, first: 0, last: 0, flags: BlockMeta.noStats)
                    }
                    expected.timestampOffset = meta.timestampOffset
                    expected.timestampLength = meta.timestampLength
                    #expect(meta == expected, "\(String(decoding: entry.key, as: UTF8.self)) \(field.name)")
                    if meta.flags & BlockMeta.noStats == 0 { withStatistics += 1 }
                    if meta.flags & BlockMeta.sumOverflowed != 0 { overflowed += 1 }
                }
            }
        }
        // Version 7: gun 3's `energy_min` repeats `energy`, so its metas name energy's blocks
        // (written once); `charging_ns` (whole milliseconds in nanoseconds) is `int-decimal`.
        let gun3 = try #require(try reader.loadIndex().series.first { $0.key == Array("telemetry,gun=3".utf8) })
        func metas(_ name: String) -> [BlockMeta] { gun3.fields.first { $0.name == name }?.blocks ?? [] }
        #expect(!metas("energy").isEmpty && metas("energy").map(\.offset) == metas("energy_min").map(\.offset))
        for m in metas("charging_ns") {
            let tag = bytes.withUnsafeBytes { BlockDescription.encoding(of: UnsafeRawBufferPointer(rebasing: $0[Int(m.offset)..<(Int(m.offset) + Int(m.length) - 4)])) }
            #expect(tag == .integerDecimal)
        }
        #expect(blocks == 22)
        #expect(withStatistics == (fixture.statistics ? 19 : 0), "every block but the string field's three")
        #expect(overflowed == (fixture.statistics ? 4 : 0), "energy's two blocks and its copy's")
        let verified = SegmentVerifier.verify(path: path, id: 1, expected: nil, partitionDuration: nil, deep: true)
        #expect(verified.problems.isEmpty, "\(verified.problems)")
    }

    @Test(arguments: fixtures) func writingTheSameColumnsTodayGivesTheSameBytes(fixture: (name: String, statistics: Bool)) throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let today = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try Self.writeToday(statistics: fixture.statistics, in: dir.path).path)))
        if ProcessInfo.processInfo.environment["CHARGELINE_WRITE_SEGMENT_FIXTURES"] == "1" {
            try FileIO.makeDirectories(Self.sourceFolder)
            try Data(today).write(to: URL(fileURLWithPath: Self.sourceFolder + "/" + fixture.name))
            return
        }
        let committed = try Self.committed(fixture.name)
        let firstDifference = (0..<min(committed.count, today.count)).first { committed[$0] != today[$0] } ?? min(committed.count, today.count)
        #expect(today == committed, "\(fixture.name): \(committed.count) bytes committed, \(today.count) written today, first difference at byte \(firstDifference)")
    }
}

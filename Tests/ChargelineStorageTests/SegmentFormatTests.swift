import ChargelineCore
import ChargelineCodec
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// Segment files: the one version round trips with shared timestamp blocks, with and without
/// block statistics; a file of another version is refused with an error that says what to do.
@Suite struct SegmentFormatTests {
    static func writeSegment(_ series: [(key: [UInt8], columns: [(name: [UInt8], data: ColumnData)])], in dir: String,
                             options: CodecOptions = .compact,
                             maxBlockRows: Int = SegmentFormat.maxBlockValues, statistics: Bool = true) throws -> SegmentReader {
        let w = try SegmentWriter(directory: dir, id: 1, seq: 1, level: 1, partition: SegmentTestData.partition, options: options,
                                  maxBlockRows: maxBlockRows, statistics: statistics)
        for s in series { try w.addSeries(key: s.key, columns: s.columns) }
        let info = try w.finish()
        return SegmentReader(info: info, path: dir + "/" + FileNames.segment(1))
    }

    /// Every column of `series` reads back bit for bit through `reader`.
    static func expectContent(_ reader: SegmentReader, _ series: [(key: [UInt8], columns: [(name: [UInt8], data: ColumnData)])],
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let index = try reader.loadIndex()
        #expect(index.series.map(\.key) == series.map(\.key).sorted { $0.lexicographicallyPrecedes($1) }, sourceLocation: sourceLocation)
        for s in series {
            let entry = try #require(index.series.first { $0.key == s.key })
            #expect(entry.fields.count == s.columns.count, sourceLocation: sourceLocation)
            for (name, data) in s.columns {
                let field = try #require(entry.fields.first { $0.name == String(decoding: name, as: UTF8.self) })
                #expect(field.type == data.type, sourceLocation: sourceLocation)
                let read = ColumnData.merge(try field.blocks.map { try reader.readBlock($0, type: field.type) }, type: field.type)
                #expect(read.timestamps == data.timestamps, "\(field.name)", sourceLocation: sourceLocation)
                #expect(read.bits == data.bits, "\(field.name)", sourceLocation: sourceLocation)
                #expect(read.stringBytes == data.stringBytes && read.stringEnds == data.stringEnds, sourceLocation: sourceLocation)
            }
        }
        try FlatSegmentIndexTests.expectFlatMatches(reader, index, sourceLocation: sourceLocation)
    }

    /// What this build writes is the one version, in header and footer, and reads back.
    @Test func theOneVersionIsWritten() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let reader = try Self.writeSegment(SegmentTestData.wideColumns(), in: dir.path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: reader.path)))
        #expect(SegmentFormat.version == 7)
        #expect(bytes[4] == 7 && bytes[5] == 0, "header version")
        #expect(bytes[bytes.count - 8] == 7 && bytes[bytes.count - 7] == 0, "footer version")
        try Self.expectContent(reader, SegmentTestData.wideColumns())
    }

    /// Without block statistics (rollup segments): the same blocks, every meta `noStats`
    /// with zero statistics, and an index smaller by the statistics left out.
    @Test func withoutStatisticsTheBlocksAreTheSameAndTheIndexSmaller() throws {
        let series = SegmentTestData.wideColumns()
        let withDir = TempDirectory(), withoutDir = TempDirectory()
        defer { withDir.cleanup(); withoutDir.cleanup() }
        let with = try Self.writeSegment(series, in: withDir.path)
        let without = try Self.writeSegment(series, in: withoutDir.path, statistics: false)
        try Self.expectContent(without, series)
        let metas = try without.loadIndex().series.flatMap { $0.fields.flatMap(\.blocks) }
        #expect(!metas.isEmpty && metas.allSatisfy { $0.flags == BlockMeta.noStats && $0.min == 0 && $0.max == 0 && $0.sum == 0 && $0.first == 0 && $0.last == 0 })
        let stats = try with.loadIndex().series.flatMap { $0.fields.flatMap(\.blocks) }
        #expect(stats.contains { $0.flags & BlockMeta.noStats == 0 }, "numeric blocks carry statistics")
        #expect(metas.map { [$0.offset, UInt64($0.length), UInt64($0.count), $0.timestampOffset, UInt64($0.timestampLength)] }
                == stats.map { [$0.offset, UInt64($0.length), UInt64($0.count), $0.timestampOffset, UInt64($0.timestampLength)] })
        #expect(metas.map(\.minTime) == stats.map(\.minTime) && metas.map(\.maxTime) == stats.map(\.maxTime))
        let withBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: with.path)))
        let withoutBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: without.path)))
        let indexOffset = Int(withBytes.withUnsafeBytes { $0.loadLE(UInt64.self, at: withBytes.count - 32) })
        #expect(Array(withBytes[..<indexOffset]) == Array(withoutBytes[..<indexOffset]), "the same header and blocks")
        // The string field's blocks have no statistics with either writer: 41 bytes per other meta.
        let numeric = stats.filter { $0.flags & BlockMeta.noStats == 0 }.count
        #expect(try with.loadFlatIndex().bytes - without.loadFlatIndex().bytes == numeric * 41)
        #expect(without.info.bytes < with.info.bytes)
    }

    /// A block meta as a field section's rows hold it, byte by byte (docs/format/segment.md,
    /// "Block meta"): 44 bytes without statistics, the same 44 then 41 with them.
    @Test func blockMetaLayout() {
        var meta = BlockMeta(offset: 0x0102_0304_0506_0708, length: 0x1112_1314, count: 0x2122_2324,
                             minTime: -2, maxTime: 0x3132_3334_3536_3738, min: 0, max: 0, sum: 0, first: 0, last: 0,
                             flags: BlockMeta.noStats, timestampOffset: 0x4142_4344_4546_4748, timestampLength: 0x5152_5354)
        var out: [UInt8] = []
        meta.encode(into: &out, statistics: false)
        #expect(out.count == SegmentFormat.blockMetaSizeWithoutStatistics && out.count == 44)
        let expected: [UInt8] = [0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // offset
                                 0x14, 0x13, 0x12, 0x11,  // length
                                 0x24, 0x23, 0x22, 0x21,  // count
                                 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,  // minTime
                                 0x38, 0x37, 0x36, 0x35, 0x34, 0x33, 0x32, 0x31,  // maxTime
                                 0x48, 0x47, 0x46, 0x45, 0x44, 0x43, 0x42, 0x41,  // tsOffset
                                 0x54, 0x53, 0x52, 0x51]  // tsLength
        #expect(out == expected)
        #expect(out.withUnsafeBytes { BlockMeta.decode($0, at: 0, statistics: false) } == meta)
        meta.min = 0x6162_6364_6566_6768
        meta.max = 0x7172_7374_7576_7778
        meta.sum = 0x8182_8384_8586_8788
        meta.first = 0x9192_9394_9596_9798
        meta.last = 0xA1A2_A3A4_A5A6_A7A8
        meta.flags = BlockMeta.sumOverflowed
        var full: [UInt8] = []
        meta.encode(into: &full, statistics: true)
        #expect(full.count == SegmentFormat.blockMetaSizeWithStatistics && full.count == 85)
        #expect(Array(full[0..<44]) == expected)
        #expect(Array(full[44..<52]) == [0x68, 0x67, 0x66, 0x65, 0x64, 0x63, 0x62, 0x61], "min")
        #expect(Array(full[76..<84]) == [0xA8, 0xA7, 0xA6, 0xA5, 0xA4, 0xA3, 0xA2, 0xA1], "last")
        #expect(full[84] == BlockMeta.sumOverflowed, "flags")
        #expect(full.withUnsafeBytes { BlockMeta.decode($0, at: 0, statistics: true) } == meta)
    }

    /// A segment of any other version (the development versions 1-6 before the first release,
    /// or a newer one) is refused up front: the error names the file and the version, and
    /// says what to do.
    @Test func otherVersionsAreRefusedWithWhatToDo() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let reader = try Self.writeSegment(SegmentTestData.columns(), in: dir.path)
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: reader.path)))
        for version: UInt16 in [1, 2, 3, 4, 5, 6, 8] {
            var bytes = good
            bytes[4] = UInt8(version); bytes[bytes.count - 8] = UInt8(version)
            let path = dir.path + "/v\(version).seg"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: ChargelineError.self) { try SegmentReader(info: reader.info, path: path).loadFlatIndex() }
            #expect(error.message.contains(path) && error.message.contains("segment version \(version) is not readable"), "\(error.message)")
            #expect(error.message.contains(version < 7 ? "re-import" : "a newer Chargeline wrote it"), "\(error.message)")
            #expect(throws: ChargelineError.self) { try SegmentReader(info: reader.info, path: path).checkAtOpen(partitionDuration: 86_400_000_000_000) }
        }
        // Header and footer disagreeing is refused too.
        var mixed = good
        mixed[mixed.count - 8] = 5
        try Data(mixed).write(to: URL(fileURLWithPath: dir.path + "/mixed.seg"))
        let error = try #require(throws: ChargelineError.self) { try SegmentReader(info: reader.info, path: dir.path + "/mixed.seg").loadFlatIndex() }
        #expect(error.message.contains("version 7 in its header and 5 in its footer"), "\(error.message)")
    }

    @Test func currentVersionRoundTripsAndSharesTimestamps() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let series = SegmentTestData.columns()
        let reader = try Self.writeSegment(series, in: dir.path)
        try Self.expectContent(reader, series)
        let index = try reader.loadIndex()
        // gun=1's five fields share one timestamp block; gun=2 has its own.
        let gun1 = index.series[0].fields.map { $0.blocks[0].timestampOffset }
        #expect(Set(gun1).count == 1)
        #expect(index.series[1].fields[0].blocks[0].timestampOffset != gun1[0])
        let header = try FileIO.pread(try FileIO.open(reader.path, O_RDONLY), offset: 4, count: 2, path: reader.path)
        #expect(header == [UInt8(SegmentFormat.version), 0])
        // Smaller than the first development version's file of the same columns (1360 bytes).
        #expect(reader.info.bytes < 1360, "\(reader.info.bytes) bytes")
    }

    @Test func fieldsWithDifferentTimestampsAndLongSeries() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var rng = SplitMix64(seed: 7)
        let base = SegmentTestData.partition.start
        var a = ColumnData(type: .float)
        var b = ColumnData(type: .integer)
        var c = ColumnData(type: .float)
        // 20,000 rows: three blocks per field; `c` misses every third row.
        for i in 0..<20_000 {
            let t = base + Int64(i) * 1_000_000_000 + Int64(rng.next() % 100) * 1_000_000
            a.timestamps.append(t)
            a.bits.append((Double(Int(rng.next() % 2000)) / 10).bitPattern)
            b.timestamps.append(t)
            b.bits.append(UInt64(bitPattern: Int64(i / 100)))
            if i % 3 != 0 {
                c.timestamps.append(t)
                c.bits.append(rng.next())
            }
        }
        let series: [(key: [UInt8], columns: [(name: [UInt8], data: ColumnData)])] = [
            (Array("m,k=v".utf8), [(Array("a".utf8), a), (Array("b".utf8), b), (Array("c".utf8), c)]),
        ]
        let reader = try Self.writeSegment(series, in: dir.path)
        try Self.expectContent(reader, series)
        let fields = try reader.loadIndex().series[0].fields
        #expect(fields.map { $0.blocks.count } == [3, 3, 2])
        #expect(fields[0].blocks.map(\.timestampOffset) == fields[1].blocks.map(\.timestampOffset))
        #expect(Set(fields[2].blocks.map(\.timestampOffset)).isDisjoint(with: fields[0].blocks.map(\.timestampOffset)))
    }

    @Test func blocksAreCutIntoNearEqualChunks() {
        #expect(SegmentFormat.blockBoundaries(rows: 0, limit: 8192).isEmpty)
        #expect(SegmentFormat.blockBoundaries(rows: 1, limit: 8192) == [0..<1])
        #expect(SegmentFormat.blockBoundaries(rows: 8192, limit: 8192) == [0..<8192])
        #expect(SegmentFormat.blockBoundaries(rows: 8640, limit: 8192) == [0..<4320, 4320..<8640])
        #expect(SegmentFormat.blockBoundaries(rows: 8640, limit: 16_384) == [0..<8640])
        #expect(SegmentFormat.blockBoundaries(rows: 7, limit: 3) == [0..<2, 2..<4, 4..<7])
        for rows in [1, 2, 99, 8193, 16_385, 86_400] {
            let cuts = SegmentFormat.blockBoundaries(rows: rows, limit: 8192)
            #expect(cuts.count == (rows + 8191) / 8192)
            #expect(cuts.first?.lowerBound == 0 && cuts.last?.upperBound == rows)
            #expect(zip(cuts, cuts.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(cuts.allSatisfy { $0.count <= 8192 && $0.count >= rows / cuts.count })
        }
    }

    /// A day of 10 s rows is one block per field in a compacted segment, two of 4320 in a flushed
    /// one, and both read back the same.
    @Test func compactedSegmentsUseLargerBlocks() throws {
        var rng = SplitMix64(seed: 11)
        let base = SegmentTestData.partition.start
        var v = ColumnData(type: .float)
        var s = ColumnData(type: .integer)
        for i in 0..<8640 {
            let t = base + Int64(i) * 10_000_000_000 + Int64(rng.next() % 3) * 1_000_000_000
            v.timestamps.append(t)
            v.bits.append((Double(4000 + Int(rng.next() % 5)) / 10).bitPattern)
            s.timestamps.append(t)
            s.bits.append(UInt64(i / 1000))
        }
        let series: [(key: [UInt8], columns: [(name: [UInt8], data: ColumnData)])] = [
            (Array("m,k=v".utf8), [(Array("v".utf8), v), (Array("s".utf8), s)]),
        ]
        var sizes: [Int] = []
        for (limit, blocks) in [(SegmentFormat.maxBlockValues, [4320, 4320]), (SegmentFormat.maxCompactedBlockValues, [8640])] {
            let dir = TempDirectory(); defer { dir.cleanup() }
            let reader = try Self.writeSegment(series, in: dir.path, maxBlockRows: limit)
            try Self.expectContent(reader, series)
            for field in try reader.loadIndex().series[0].fields {
                #expect(field.blocks.map { Int($0.count) } == blocks, "\(field.name) at \(limit)")
            }
            sizes.append(reader.info.bytes)
        }
        #expect(sizes[1] < sizes[0], "one block per field is smaller: \(sizes)")
    }

    @Test func corruptBlocksAndIndexAreReportedWithTheirOffset() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let reader = try Self.writeSegment(SegmentTestData.columns(), in: dir.path)
        let meta = try reader.loadIndex().series[0].fields[0].blocks[0]
        for (offset, what) in [(Int(meta.timestampOffset) + 3, "timestamp block"), (Int(meta.offset) + 3, "value block")] {
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: reader.path)))
            bytes[offset] ^= 0x40
            let path = dir.path + "/bad.seg"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let bad = SegmentReader(info: reader.info, path: path)
            let error = #expect(throws: ChargelineError.self) { try bad.readBlock(meta, type: .voltageType) }
            #expect("\(error!)".contains(what + " checksum mismatch"), "\(error!)")
            #expect("\(error!)".contains("bad.seg"))
        }
        // A flipped index byte fails the index checksum.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: reader.path)))
        bytes[bytes.count - 40] ^= 1
        let path = dir.path + "/bad-index.seg"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: ChargelineError.self) { try SegmentReader(info: reader.info, path: path).loadIndex() }
    }
}

private extension FieldType {
    /// The type of the fixture's first field of gun=1 (`note`, a string, sorts first).
    static var voltageType: FieldType { .string }
}

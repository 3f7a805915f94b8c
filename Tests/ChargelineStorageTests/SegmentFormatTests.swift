import ChargelineCore
import ChargelineCodec
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// Segment files: versions 3 and 4 (without block statistics) round trip with shared timestamp
/// blocks, and version-1, -2 and -4 files written by earlier releases must stay readable.
@Suite struct SegmentFormatTests {
    /// `00000000000000000007.seg`, written by commit cb8fb50 (segment version 1, codecs of that
    /// release: ts-delta-of-delta, float-xor, int-delta, ...) from `SegmentV1Fixture.columns()`
    /// with `CodecOptions.compact`. Never regenerate it: a failure here means old files no longer
    /// read.
    static let goldenV1Base64 =
        "Q0xTRwEAAAAAAKdExZfpGAAA9tVZ5ukYAwAAAAAAAABYAAAAAgAAAKdExZfpGAaGjgHKDLwDJ/oLtQzdBIsLugKgFDHPEeEE" +
        "zhTIAesTiBenC/sKiBjvBv8G+Q2IGc8TiQHoDKAK7Q3hBJ8I9hKOAagH+Re2A/oFxg2pAkEAAggEY2hhcmdpbmdpZGxlAAAA" +
        "wP9obcciWAAAAAIAAACnRMWX6RgGho4Bygy8Ayf6C7UM3QSLC7oCoBQxzxHhBM4UyAHrE4gXpwv7CogY7wb/BvkNiBnPE4kB" +
        "6AygCu0N4QSfCPYSjgGoB/kXtgP6BcYNqQIwAH6/3+/3j7p8fFgAAAACAAAAp0TFl+kYBoaOAcoMvAMn+gu1DN0Eiwu6AqAU" +
        "Mc8R4QTOFMgB6xOIF6cL+wqIGO8G/wb5DYgZzxOJAegMoArtDeEEnwj2Eo4BqAf5F7YD+gXGDakCIwAoBAIEAgQCBAIEAgQC" +
        "BAIEAgQCBLKy7mBYAAAAAgAAAKdExZfpGAaGjgHKDLwDJ/oLtQzdBIsLugKgFDHPEeEEzhTIAesTiBenC/sKiBjvBv8G+Q2I" +
        "Gc8TiQHoDKAK7Q3hBJ8I9hKOAagH+Re2A/oFxg2pAiMABh4BCvMeV85YAAAAAgAAAKdExZfpGAaGjgHKDLwDJ/oLtQzdBIsL" +
        "ugKgFDHPEeEEzhTIAesTiBenC/sKiBjvBv8G+Q2IGc8TiQHoDKAK7Q3hBJ8I9hKOAagH+Re2A/oFxg2pAhECwAEotS/9IMBN" +
        "BAC0BJqZmZmZAXlAW2mq+eedt5Wu6uf9/99KU1VVVVUt1WZu5p/3//8Hr5kBNDOgmQGlCpBmgAYoVUABMvPfqoCu+iuq/uL/" +
        "n2ZmZmZmgBoAcIjhCQDhDFAlGKqxyo6kFj9dmA7BSgiccliq4SUYBoZxRl/ZK3NGUDEocXGBUYLjguCMoXIjs8EKvERBGLwP" +
        "AAAAAQAAAKdExZfpGICo1rkHEQAAAAAAABh5QAPUyAMO4P8f+CvmcItoEvj/VszhFtEk4P9r8GckAgAAAA8AdGVsZW1ldHJ5" +
        "LGd1bj0xBQAEAG5vdGUEAQAAACAAAAAAAAAAdgAAACgAAAAAAKdExZfpGAD9NHgfmOkYAAAAAAAAAAAAAAAAAAAAAAAAAAAA" +
        "AAAAAAAAAAAAAAAAAAAAAAAAAAICAG9rAwEAAACWAAAAAAAAAGcAAAAoAAAAAACnRMWX6RgA/TR4H5jpGAAAAAAAAAAAAQAA" +
        "AAAAAAAiAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAwBzb2MBAQAAAP0AAAAAAAAAdgAAACgAAAAAAKdExZfpGAD9NHgfmOkY" +
        "FAAAAAAAAAAdAAAAAAAAANQDAAAAAAAAFAAAAAAAAAAdAAAAAAAAAAAGAHN0YXR1cwIBAAAAcwEAAAAAAABmAAAAKAAAAAAA" +
        "p0TFl+kYAP00eB+Y6RgCAAAAAAAAAAMAAAAAAAAAbgAAAAAAAAADAAAAAAAAAAIAAAAAAAAAAAcAdm9sdGFnZQABAAAA2QEA" +
        "AAAAAAD2AAAAKAAAAAAAp0TFl+kYAP00eB+Y6RjNzMzMzPx4QDMzMzMzA3lAaWZmZiZBz0CamZmZmQF5QAAAAAAAAHlAAA8A" +
        "dGVsZW1ldHJ5LGd1bj0yAQAHAHZvbHRhZ2UAAQAAAM8CAAAAAAAAOgAAAAUAAAAAAKdExZfpGAAoEjPGl+kYAAAAAAAAAIAA" +
        "AAAAAADwfwAAAAAAAPh/AAAAAAAYeUAAAAAAAADwfwAJAwAAAAAAACcCAAAlS7UVAgAAAAYAAAABAAAAQ0xTRw=="

    static func writeSegment(_ series: [(key: [UInt8], columns: [(name: [UInt8], data: ColumnData)])], in dir: String,
                             options: CodecOptions = .compact,
                             maxBlockRows: Int = SegmentFormat.maxBlockValues, statistics: Bool = true,
                             version: UInt16? = nil) throws -> SegmentReader {
        let w = try SegmentWriter(directory: dir, id: 1, seq: 1, level: 1, partition: SegmentV1Fixture.partition, options: options,
                                  maxBlockRows: maxBlockRows, statistics: statistics, version: version)
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

    @Test func versionOneGoldenSegmentStillReads() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let bytes = try #require(Data(base64Encoded: Self.goldenV1Base64))
        #expect(bytes.count == 1360)
        #expect(bytes[4] == 1 && bytes[5] == 0, "the fixture is a version-1 file")
        let path = dir.path + "/" + FileNames.segment(7)
        try bytes.write(to: URL(fileURLWithPath: path))
        let info = SegmentInfo(id: 7, seq: 3, level: 1, partitionStart: SegmentV1Fixture.partition.start,
                               minTime: 1_795_132_800_000_000_000, maxTime: 1_795_133_187_412_000_000,
                               series: 2, rows: 45, values: 205, bytes: 1360)
        try Self.expectContent(SegmentReader(info: info, path: path), SegmentV1Fixture.columns())
    }

    @Test func versionTwoGoldenSegmentStillReads() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let bytes = try #require(Data(base64Encoded: SegmentV2Fixture.base64))
        #expect(bytes.count == SegmentV2Fixture.bytes)
        #expect(bytes[4] == 2 && bytes[5] == 0, "the fixture is a version-2 file")
        let path = dir.path + "/" + FileNames.segment(2)
        try bytes.write(to: URL(fileURLWithPath: path))
        let info = SegmentInfo(id: 2, seq: 1, level: 1, partitionStart: SegmentV1Fixture.partition.start,
                               minTime: SegmentV2Fixture.minTime, maxTime: SegmentV2Fixture.maxTime,
                               series: 2, rows: 1200, values: 7200, bytes: SegmentV2Fixture.bytes)
        try Self.expectContent(SegmentReader(info: info, path: path), SegmentV2Fixture.columns())
    }

    /// What this build writes is version 3 and reads back.
    @Test func versionThreeIsWritten() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let reader = try Self.writeSegment(SegmentV2Fixture.columns(), in: dir.path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: reader.path))
        #expect(bytes[4] == 3 && bytes[5] == 0)
        try Self.expectContent(reader, SegmentV2Fixture.columns())
    }

    /// Version 4 (written without block statistics before version 5): the same blocks, metas
    /// of 44 bytes instead of 85, every one `noStats`.
    @Test func versionFourIsWrittenWithoutStatistics() throws {
        let series = SegmentV2Fixture.columns()
        let dir3 = TempDirectory(), dir4 = TempDirectory()
        defer { dir3.cleanup(); dir4.cleanup() }
        let v3 = try Self.writeSegment(series, in: dir3.path)
        let v4 = try Self.writeSegment(series, in: dir4.path, statistics: false, version: 4)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: v4.path)))
        #expect(bytes[4] == 4 && bytes[5] == 0, "header version")
        #expect(bytes[bytes.count - 8] == 4 && bytes[bytes.count - 7] == 0, "footer version")
        try Self.expectContent(v4, series)
        let metas = try v4.loadIndex().series.flatMap { $0.fields.flatMap(\.blocks) }
        #expect(!metas.isEmpty && metas.allSatisfy { $0.flags == BlockMeta.noStats && $0.min == 0 && $0.max == 0 && $0.sum == 0 })
        // Same blocks; the index is 41 bytes shorter per block meta.
        let stats = try v3.loadIndex().series.flatMap { $0.fields.flatMap(\.blocks) }
        #expect(metas.map { [$0.offset, UInt64($0.length), UInt64($0.count), $0.timestampOffset, UInt64($0.timestampLength)] }
                == stats.map { [$0.offset, UInt64($0.length), UInt64($0.count), $0.timestampOffset, UInt64($0.timestampLength)] })
        #expect(metas.map(\.minTime) == stats.map(\.minTime) && metas.map(\.maxTime) == stats.map(\.maxTime))
        #expect(try v3.loadFlatIndex().bytes - v4.loadFlatIndex().bytes == metas.count * 41)
        #expect(v4.info.bytes == v3.info.bytes - metas.count * 41 || bytes[bytes.count - 6] & 1 == 1, "uncompressed index: exact saving")
    }

    /// The version-4 block meta, byte by byte (docs/format.md, "Block meta").
    @Test func versionFourBlockMetaLayout() {
        let meta = BlockMeta(offset: 0x0102_0304_0506_0708, length: 0x1112_1314, count: 0x2122_2324,
                             minTime: -2, maxTime: 0x3132_3334_3536_3738, min: 0, max: 0, sum: 0, first: 0, last: 0,
                             flags: BlockMeta.noStats, timestampOffset: 0x4142_4344_4546_4748, timestampLength: 0x5152_5354)
        var out: [UInt8] = []
        meta.encode(into: &out, version: SegmentFormat.versionWithoutStatistics)
        #expect(out.count == SegmentFormat.blockMetaSizeV4 && out.count == 44)
        let expected: [UInt8] = [0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // offset
                                 0x14, 0x13, 0x12, 0x11,  // length
                                 0x24, 0x23, 0x22, 0x21,  // count
                                 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,  // minTime
                                 0x38, 0x37, 0x36, 0x35, 0x34, 0x33, 0x32, 0x31,  // maxTime
                                 0x48, 0x47, 0x46, 0x45, 0x44, 0x43, 0x42, 0x41,  // tsOffset
                                 0x54, 0x53, 0x52, 0x51]  // tsLength
        #expect(out == expected)
        let back = out.withUnsafeBytes { BlockMeta.decode($0, at: 0, version: SegmentFormat.versionWithoutStatistics) }
        #expect(back == meta)
        // Version 3 keeps the 85-byte meta with statistics.
        var v3: [UInt8] = []
        meta.encode(into: &v3, version: SegmentFormat.version)
        #expect(v3.count == SegmentFormat.blockMetaSizeV2 && Array(v3[0..<32]) == Array(expected[0..<32]))
        #expect(v3.withUnsafeBytes { BlockMeta.decode($0, at: 0, version: SegmentFormat.version) } == meta)
    }

    /// A version-4 segment written by this release (`SegmentV4Fixture`) reads back: never
    /// regenerate it; a failure means version-4 files no longer read.
    @Test func versionFourGoldenSegmentStillReads() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let (reader, _) = try Self.golden(SegmentV4Fixture.base64, bytes: SegmentV4Fixture.bytes, version: 4, in: dir)
        try Self.expectContent(reader, SegmentV1Fixture.columns())
    }

    /// A golden fixture (`SegmentV1Fixture.columns()` written by the release that introduced
    /// `version`) as a segment file in `dir`, after checking its size and version.
    static func golden(_ base64: String, bytes count: Int, version: UInt8, in dir: TempDirectory) throws -> (SegmentReader, [UInt8]) {
        let bytes = try #require(Data(base64Encoded: base64))
        #expect(bytes.count == count)
        #expect(bytes[4] == version && bytes[5] == 0, "the fixture is a version-\(version) file")
        let path = dir.path + "/" + FileNames.segment(UInt64(version))
        try bytes.write(to: URL(fileURLWithPath: path))
        let info = SegmentInfo(id: UInt64(version), seq: 1, level: 1, partitionStart: SegmentV1Fixture.partition.start,
                               minTime: 1_795_132_800_000_000_000, maxTime: 1_795_133_187_412_000_000,
                               series: 2, rows: 45, values: 205, bytes: bytes.count)
        return (SegmentReader(info: info, path: path), [UInt8](bytes))
    }

    /// Prints the base64 of the version-4 fixture (`CHARGELINE_PRINT_V4_FIXTURE=1`), how
    /// `SegmentV4Fixture.base64` was made.
    @Test func printVersionFourFixture() throws {
        guard ProcessInfo.processInfo.environment["CHARGELINE_PRINT_V4_FIXTURE"] == "1" else { return }
        let dir = TempDirectory(); defer { dir.cleanup() }
        let reader = try Self.writeSegment(SegmentV1Fixture.columns(), in: dir.path, statistics: false, version: 4)
        print("V4FIXTURE " + (try Data(contentsOf: URL(fileURLWithPath: reader.path))).base64EncodedString())
    }

    @Test func currentVersionRoundTripsAndSharesTimestamps() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let series = SegmentV1Fixture.columns()
        let reader = try Self.writeSegment(series, in: dir.path)
        try Self.expectContent(reader, series)
        let index = try reader.loadIndex()
        // gun=1's five fields share one timestamp block; gun=2 has its own.
        let gun1 = index.series[0].fields.map { $0.blocks[0].timestampOffset }
        #expect(Set(gun1).count == 1)
        #expect(index.series[1].fields[0].blocks[0].timestampOffset != gun1[0])
        let header = try FileIO.pread(try FileIO.open(reader.path, O_RDONLY), offset: 4, count: 2, path: reader.path)
        #expect(header == [UInt8(SegmentFormat.version), 0])
        // Smaller than the version-1 file of the same columns (1360 bytes).
        #expect(reader.info.bytes < 1360, "\(reader.info.bytes) bytes")
    }

    @Test func fieldsWithDifferentTimestampsAndLongSeries() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var rng = SplitMix64(seed: 7)
        let base = SegmentV1Fixture.partition.start
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
        let base = SegmentV1Fixture.partition.start
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
        let reader = try Self.writeSegment(SegmentV1Fixture.columns(), in: dir.path)
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

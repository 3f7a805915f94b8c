import ChargelineCodec
import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// Version 5 (segments without block statistics, every rollup segment): the index in
/// sections (`SegmentSections`), byte by byte as docs/format.md describes it; reads that load
/// only the fields they ask for; damaged directories and sections.
@Suite struct SegmentSectionsTests {
    static func u16(_ a: [UInt8], _ o: Int) -> Int { Int(a[o]) | Int(a[o + 1]) << 8 }
    static func u32(_ a: [UInt8], _ o: Int) -> Int { u16(a, o) | u16(a, o + 2) << 16 }
    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// A section as the directory describes it: (stored bytes, raw bytes).
    struct Parsed {
        var indexOffset: Int
        var series: Int
        var keys: [UInt8]
        var fields: [(name: [UInt8], type: UInt8, entries: Int, blocks: Int, raw: [UInt8])]
    }

    /// Parses a version-5 file by the documented layout, checking every checksum and length.
    static func parse(_ bytes: [UInt8]) throws -> Parsed {
        let f = Array(bytes[(bytes.count - 32)...])
        let indexOffset = u32(f, 0), indexLength = u32(f, 8)
        #expect(u16(f, 24) == 5 && u16(f, 26) == 0, "footer version 5, flags 0")
        let area = Array(bytes[indexOffset..<(indexOffset + indexLength)])
        let dirLength = u32(area, 0)
        #expect(CRC32C.checksum(Array(area[0..<dirLength])) == UInt32(u32(f, 12)), "the footer's crc covers the directory")
        let series = u32(area, 4), count = u32(area, 8)
        #expect(series == u32(f, 16))
        var p = 12, next = dirLength
        func section() throws -> [UInt8] {
            let stored = u32(area, p), raw = u32(area, p + 4), crc = UInt32(u32(area, p + 8)), codec = area[p + 12]
            let bytes = Array(area[next..<(next + stored)])
            #expect(CRC32C.checksum(bytes) == crc)
            p += 13
            next += stored
            if codec == 0 { #expect(stored == raw); return bytes }
            #expect(codec == 1)
            var out = [UInt8](repeating: 0, count: raw)
            try bytes.withUnsafeBytes { s in try out.withUnsafeMutableBytes { try Compressor.decompress(s, stage: .zstd, into: $0) } }
            return out
        }
        let keys = try section()
        var fields: [(name: [UInt8], type: UInt8, entries: Int, blocks: Int, raw: [UInt8])] = []
        for _ in 0..<count {
            let n = u16(area, p)
            let name = Array(area[(p + 2)..<(p + 2 + n)])
            let type = area[p + 2 + n], entries = u32(area, p + 3 + n), blocks = u32(area, p + 7 + n)
            p += 11 + n
            fields.append((name, type, entries, blocks, try section()))
        }
        #expect(p == dirLength && next == indexLength, "directory, then the sections back to back, fill the index")
        return Parsed(indexOffset: indexOffset, series: series, keys: keys, fields: fields)
    }

    /// The file with its index rebuilt from `parsed` (sections stored uncompressed, checksums
    /// recomputed), and `damage` applied to the directory before its checksum is taken.
    static func assemble(_ bytes: [UInt8], _ parsed: Parsed, damage: (inout [UInt8]) -> Void = { _ in }) -> [UInt8] {
        var directory: [UInt8] = le(UInt32(parsed.series)) + le(UInt32(parsed.fields.count))
        var body: [UInt8] = []
        func describe(_ raw: [UInt8]) {
            directory += le(UInt32(raw.count)) + le(UInt32(raw.count)) + le(CRC32C.checksum(raw)) + [0]
            body += raw
        }
        describe(parsed.keys)
        for f in parsed.fields {
            directory += le(UInt16(f.name.count)) + f.name + [f.type] + le(UInt32(f.entries)) + le(UInt32(f.blocks))
            describe(f.raw)
        }
        directory = le(UInt32(directory.count + 4)) + directory
        damage(&directory)
        let f = Array(bytes[(bytes.count - 32)...])
        var out = Array(bytes[..<parsed.indexOffset]) + directory + body
        out += le(UInt64(parsed.indexOffset)) + le(UInt32(directory.count + body.count)) + le(CRC32C.checksum(directory))
        out += Array(f[16..<32])
        return out
    }

    static func write(_ dir: TempDirectory, version: UInt16? = nil) throws -> (SegmentReader, [UInt8]) {
        let reader = try SegmentFormatTests.writeSegment(SegmentV2Fixture.columns(), in: dir.path, statistics: false, version: version)
        return (reader, [UInt8](try Data(contentsOf: URL(fileURLWithPath: reader.path))))
    }

    /// Without block statistics this build writes version 5: the blocks of version 4, and an
    /// index of a directory, the keys and one section per field, each section exactly as
    /// docs/format.md lays it out.
    @Test func versionFiveLayout() throws {
        let d4 = TempDirectory(), d5 = TempDirectory()
        defer { d4.cleanup(); d5.cleanup() }
        let (v4, bytes4) = try Self.write(d4, version: 4)
        let (v5, bytes) = try Self.write(d5)
        #expect(bytes[4] == 5 && bytes[5] == 0, "header version")
        try SegmentFormatTests.expectContent(v5, SegmentV2Fixture.columns())
        let parsed = try Self.parse(bytes)
        let index = try v4.loadIndex()
        #expect(Array(bytes[32..<parsed.indexOffset]) == Array(bytes4[32..<parsed.indexOffset]), "the same blocks as version 4")
        // Keys: per series, sorted: keyLen <u16> | key.
        #expect(parsed.keys == index.series.flatMap { Self.le(UInt16($0.key.count)) + $0.key })
        // One section per field, sorted by name: over the series holding it, columns of
        // series steps and block counts, then of the metas' fields as differences.
        let names = Set(index.series.flatMap { $0.fields.map(\.name) }).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        #expect(parsed.fields.map { String(decoding: $0.name, as: UTF8.self) } == names)
        for f in parsed.fields {
            var series: [UInt8] = [], counts: [UInt8] = [], offsets: [UInt8] = [], lengths: [UInt8] = [], values: [UInt8] = []
            var mins: [UInt8] = [], spans: [UInt8] = [], backs: [UInt8] = [], tsLengths: [UInt8] = []
            var previousSeries = UInt32.max, previousOffset: UInt64 = 0, previousMin: UInt64 = 0
            var blocks = 0
            for (s, entry) in index.series.enumerated() {
                guard let field = entry.fields.first(where: { Array($0.name.utf8) == f.name }) else { continue }
                #expect(field.type.rawValue == f.type)
                series += Self.le(UInt32(s) &- previousSeries)
                previousSeries = UInt32(s)
                counts += Self.le(UInt32(field.blocks.count))
                for b in field.blocks {
                    offsets += Self.le(b.offset &- previousOffset)
                    lengths += Self.le(b.length)
                    values += Self.le(b.count)
                    mins += Self.le(UInt64(bitPattern: b.minTime) &- previousMin)
                    spans += Self.le(UInt64(bitPattern: b.maxTime) &- UInt64(bitPattern: b.minTime))
                    backs += Self.le(b.offset &- b.timestampOffset)
                    tsLengths += Self.le(b.timestampLength)
                    previousOffset = b.offset
                    previousMin = UInt64(bitPattern: b.minTime)
                }
                blocks += field.blocks.count
            }
            let expected = series + counts + offsets + lengths + values + mins + spans + backs + tsLengths
            #expect(f.raw == expected, "section \(String(decoding: f.name, as: UTF8.self))")
            #expect(f.blocks == blocks && f.entries == index.series.count)
        }
        // The same index, read back whole.
        let back = try v5.loadIndex()
        #expect(back.series.map(\.key) == index.series.map(\.key))
        #expect(back.series.map { $0.fields.map(\.name) } == index.series.map { $0.fields.map(\.name) })
        #expect(back.series.map { $0.fields.map(\.blocks) } == index.series.map { $0.fields.map(\.blocks) })
        #expect(back.series.map { $0.fields.map(\.type) } == index.series.map { $0.fields.map(\.type) })
    }

    /// `rows` undoes `columns` for any metas (differences wrap), and refuses block counts
    /// that do not add up.
    @Test func columnsAndRowsRoundTrip() throws {
        var rng = SplitMix64(seed: 0xC01)
        for _ in 0..<200 {
            let entries = Int.random(in: 0...20, using: &rng)
            var rows: [UInt8] = [], blocks = 0, series = UInt32.random(in: 0...3, using: &rng)
            for _ in 0..<entries {
                let b = Int.random(in: 0...3, using: &rng)
                rows += Self.le(series) + Self.le(UInt32(b))
                series &+= UInt32.random(in: 1...1000, using: &rng)
                for _ in 0..<b {
                    let meta = BlockMeta(offset: rng.next(), length: UInt32.random(in: 0...UInt32.max, using: &rng), count: UInt32.random(in: 0...UInt32.max, using: &rng),
                                         minTime: Int64(bitPattern: rng.next()), maxTime: Int64(bitPattern: rng.next()), min: 0, max: 0, sum: 0, first: 0, last: 0,
                                         flags: BlockMeta.noStats, timestampOffset: rng.next(), timestampLength: UInt32.random(in: 0...UInt32.max, using: &rng))
                    meta.encode(into: &rows, version: 5)
                }
                blocks += b
            }
            let columns = rows.withUnsafeBytes { SegmentSections.columns($0, entries: entries, blocks: blocks) }
            #expect(columns.count == rows.count)
            let back = try columns.withUnsafeBytes { try SegmentSections.rows($0, entries: entries, blocks: blocks) { ChargelineError(.corruption, $0) } }
            #expect(back == rows)
            if entries > 0 {
                #expect(throws: ChargelineError.self) {
                    try columns.withUnsafeBytes { try SegmentSections.rows($0, entries: entries, blocks: blocks + 1) { ChargelineError(.corruption, $0) } }
                }
            }
        }
    }

    /// A read loads the keys and its fields' sections; a later read of other fields adds
    /// theirs and keeps the loaded ones; a keys-only read loads no field section.
    @Test func readsLoadOnlyTheFieldsTheyAskFor() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let (written, _) = try Self.write(dir)
        let reader = SegmentReader(info: written.info, path: written.path)
        let keysOnly = try reader.loadFlatIndex(fields: [])
        #expect(keysOnly.seriesCount == 2 && keysOnly.entries(of: 0).isEmpty && keysOnly.entries(of: 1).isEmpty)
        #expect(!keysOnly.covers(["soc"]) && keysOnly.covers(["absent"]) && keysOnly.covers([]))
        func fieldNames(_ flat: FlatSegmentIndex, _ s: Int) -> [String] { flat.entries(of: s).map { flat.names[flat.nameID(ofEntry: $0)] } }
        let soc = try reader.loadFlatIndex(fields: ["soc", "absent"])
        #expect(fieldNames(soc, 0) == ["soc"] && fieldNames(soc, 1) == ["soc"])
        #expect(soc.covers(["soc"]) && !soc.covers(nil) && !soc.covers(["voltage"]))
        let both = try reader.loadFlatIndex(fields: ["voltage"])
        #expect(fieldNames(both, 1) == ["soc", "voltage"], "loaded sections are kept, in name order")
        #expect(both.bytes < (try reader.loadFlatIndex(fields: nil).bytes))
        #expect(try reader.loadFlatIndex(fields: nil).covers(nil))
        // Block metas from a partial index equal the whole index's.
        let whole = try written.loadIndex()
        for s in 0..<2 {
            for e in both.entries(of: s) {
                let name = both.names[both.nameID(ofEntry: e)]
                let field = try #require(whole.series[s].fields.first { $0.name == name })
                #expect((0..<both.blockCount(ofEntry: e)).map { both.block($0, ofEntry: e) } == field.blocks)
            }
        }
        // Rows read through a database-shaped read of one field equal the written ones.
        var scratch = BlockReadScratch()
        let e = try #require(both.entries(of: 0).first { both.names[both.nameID(ofEntry: $0)] == "voltage" })
        let blocks = (0..<both.blockCount(ofEntry: e)).map { (meta: both.block($0, ofEntry: e), type: FieldType.float) }
        let data = try reader.readBlocks(blocks, scratch: &scratch)
        #expect(data.flatMap(\.bits) == SegmentV2Fixture.columns()[0].columns[5].data.bits)
    }

    /// A version-5 segment written by this release (`SegmentV5Fixture`) reads back: never
    /// regenerate it; a failure means version-5 files no longer read.
    @Test func versionFiveGoldenSegmentStillReads() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let (reader, bytes) = try SegmentFormatTests.golden(SegmentV5Fixture.base64, bytes: SegmentV5Fixture.bytes, version: 5, in: dir)
        try SegmentFormatTests.expectContent(reader, SegmentV1Fixture.columns())
        _ = try Self.parse(bytes)
    }

    /// Prints the base64 of the version-5 fixture (`CHARGELINE_PRINT_V5_FIXTURE=1`), how
    /// `SegmentV5Fixture.base64` was made.
    @Test func printVersionFiveFixture() throws {
        guard ProcessInfo.processInfo.environment["CHARGELINE_PRINT_V5_FIXTURE"] == "1" else { return }
        let dir = TempDirectory(); defer { dir.cleanup() }
        let reader = try SegmentFormatTests.writeSegment(SegmentV1Fixture.columns(), in: dir.path, statistics: false, version: 5)
        print("V5FIXTURE " + (try Data(contentsOf: URL(fileURLWithPath: reader.path))).base64EncodedString())
    }

    /// Damaged directories and sections whose checksums still match (rebuilt with fresh
    /// ones): every read, whole or of some fields, throws a typed error or succeeds, never
    /// traps or allocates what a damaged count asks for. A damaged stored section fails its
    /// checksum.
    @Test func damagedSectionsNeverTrap() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let (reader, bytes) = try Self.write(dir)
        let parsed = try Self.parse(bytes)
        // The rebuilt, undamaged file reads as the written one.
        let clean = Self.assemble(bytes, parsed)
        try Data(clean).write(to: URL(fileURLWithPath: dir.path + "/clean.seg"))
        var info = reader.info
        info.bytes = clean.count
        try SegmentFormatTests.expectContent(SegmentReader(info: info, path: dir.path + "/clean.seg"), SegmentV2Fixture.columns())

        var rng = SplitMix64(seed: 0x5EC7)
        func flip(_ a: inout [UInt8]) {
            guard !a.isEmpty else { return }
            for _ in 0..<Int.random(in: 1...3, using: &rng) { a[Int.random(in: 0..<a.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng) }
            if Int.random(in: 0..<4, using: &rng) == 0 { a.removeLast(Int.random(in: 0..<a.count, using: &rng)) }
        }
        for round in 0..<3000 {
            var bad = parsed
            var file: [UInt8]
            switch round % 3 {
            case 0: flip(&bad.keys); file = Self.assemble(bytes, bad)
            case 1:
                let i = Int.random(in: 0..<bad.fields.count, using: &rng)
                flip(&bad.fields[i].raw)
                file = Self.assemble(bytes, bad)
            default: file = Self.assemble(bytes, bad) { flip(&$0) }
            }
            SegmentDamageTests.exercise(file, reader, dir: dir.path)
            let path = dir.path + "/fuzz.seg"
            let partial = SegmentReader(info: reader.info, path: path)
            _ = try? partial.loadFlatIndex(fields: ["soc"])
            _ = try? partial.loadFlatIndex(fields: ["voltage", "status"])
            _ = try? partial.loadIndex()
        }
        // A stored section damaged on disk fails its checksum, naming it.
        var stored = bytes
        let keysAt = parsed.indexOffset + Self.u32(bytes, parsed.indexOffset)
        stored[keysAt] ^= 0xFF
        try Data(stored).write(to: URL(fileURLWithPath: dir.path + "/crc.seg"))
        #expect(throws: ChargelineError.self) { try SegmentReader(info: reader.info, path: dir.path + "/crc.seg").loadFlatIndex(fields: []) }
        do {
            _ = try SegmentReader(info: reader.info, path: dir.path + "/crc.seg").loadFlatIndex(fields: [])
        } catch let error as ChargelineError {
            #expect(error.message.contains("keys section checksum mismatch"), "\(error.message)")
        }
    }
}

/// `chargeline compact` (`Store.compact`) rewrites a partition whose only segment is in an
/// older version than the database writes (version-4 rollup segments of a store from before
/// version 5), and leaves current ones alone.
@Suite struct SegmentUpgradeTests {
    @Test func compactRewritesOlderVersionsAndKeepsTheData() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var old = testOptions()
        old.blockStatistics = false
        old.segmentVersion = 4
        var b = WriteBatchBuilder()
        for i in 0..<500 {
            b.addPoint(measurement: "telemetry", tags: ["gun": "\(i % 5)"], timestamp: DatabaseLatestTests.base + Int64(i) * 60_000_000_000,
                       fields: [("voltage", .float(400 + Double(i % 7) / 10)), ("status", .integer(Int64(i % 4)))])
        }
        let batch = b.finish()
        var store = try Store(directory: dir.path, options: old, logger: quietLogger)
        store.writeAndWait(database: "db", batch: batch)
        _ = try store.compact()  // one level-1 segment per partition, version 4
        func versions() throws -> [UInt16] {
            let db = try #require(store.openDatabase("db"))
            return try db.segmentsOverlappingLocked(.all).map { try $0.formatVersion() }
        }
        func rows() throws -> [String] {
            try store.read(database: "db", measurement: "telemetry").map { "\($0.key) \($0.columns.map { "\($0.name)=\($0.count)" })" }
        }
        let before = try rows()
        #expect(try versions() == [4])
        #expect(try store.compact() == 0, "a current single segment is not rewritten")
        try store.close()

        var now = testOptions()
        now.blockStatistics = false
        store = try Store(directory: dir.path, options: now, logger: quietLogger)
        #expect(try store.compact() == 1)
        #expect(try versions() == [5])
        #expect(try rows() == before)
        #expect(try store.compact() == 0)
        try store.close()
    }
}

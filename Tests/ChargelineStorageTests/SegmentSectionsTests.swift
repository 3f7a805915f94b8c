import ChargelineCodec
import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// The segment index in sections (`SegmentSections`), with and without block statistics, byte
/// by byte as docs/format/segment.md describes it; reads that load only the fields they ask
/// for; damaged directories and sections.
@Suite struct SegmentSectionsTests {
    static func u16(_ a: [UInt8], _ o: Int) -> Int { Int(a[o]) | Int(a[o + 1]) << 8 }
    static func u32(_ a: [UInt8], _ o: Int) -> Int { u16(a, o) | u16(a, o + 2) << 16 }
    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// A section as the directory describes it: (stored bytes, raw bytes).
    struct Parsed {
        var indexOffset: Int
        var series: Int
        var keys: [UInt8]
        var timestamps: [UInt8]
        var fields: [(name: [UInt8], kind: UInt8, entries: Int, blocks: Int, raw: [UInt8])]
    }

    /// Parses a segment file by the documented layout, checking every checksum and length.
    static func parse(_ bytes: [UInt8]) throws -> Parsed {
        let f = Array(bytes[(bytes.count - 32)...])
        let indexOffset = u32(f, 0), indexLength = u32(f, 8)
        #expect(u16(f, 24) == 7 && u16(f, 26) == 0, "footer version 7, flags 0")
        let area = Array(bytes[indexOffset..<(indexOffset + indexLength)])
        let dirLength = u32(area, 0)
        #expect(CRC32C.checksum(Array(area[0..<dirLength])) == UInt32(u32(f, 12)), "the footer's crc covers the directory")
        // Bit 31 of the field section count: a timestamps section follows the keys.
        let series = u32(area, 4), count = u32(area, 8) & 0x7FFF_FFFF, hasTimestamps = u32(area, 8) >> 31 == 1
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
        let timestamps = hasTimestamps ? try section() : []
        var fields: [(name: [UInt8], kind: UInt8, entries: Int, blocks: Int, raw: [UInt8])] = []
        for _ in 0..<count {
            let n = u16(area, p)
            let name = Array(area[(p + 2)..<(p + 2 + n)])
            let kind = area[p + 2 + n], entries = u32(area, p + 3 + n), blocks = u32(area, p + 7 + n)
            p += 11 + n
            fields.append((name, kind, entries, blocks, try section()))
        }
        #expect(p == dirLength && next == indexLength, "directory, then the sections back to back, fill the index")
        return Parsed(indexOffset: indexOffset, series: series, keys: keys, timestamps: timestamps, fields: fields)
    }

    /// The file with its index rebuilt from `parsed` (sections stored uncompressed, checksums
    /// recomputed), and `damage` applied to the directory before its checksum is taken.
    static func assemble(_ bytes: [UInt8], _ parsed: Parsed, damage: (inout [UInt8]) -> Void = { _ in }) -> [UInt8] {
        var directory: [UInt8] = le(UInt32(parsed.series)) + le(UInt32(parsed.fields.count) | (parsed.timestamps.isEmpty ? 0 : 1 << 31))
        var body: [UInt8] = []
        func describe(_ raw: [UInt8]) {
            directory += le(UInt32(raw.count)) + le(UInt32(raw.count)) + le(CRC32C.checksum(raw)) + [0]
            body += raw
        }
        describe(parsed.keys)
        if !parsed.timestamps.isEmpty { describe(parsed.timestamps) }
        for f in parsed.fields {
            directory += le(UInt16(f.name.count)) + f.name + [f.kind] + le(UInt32(f.entries)) + le(UInt32(f.blocks))
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

    static func write(_ dir: TempDirectory, statistics: Bool = false) throws -> (SegmentReader, [UInt8]) {
        let reader = try SegmentFormatTests.writeSegment(SegmentTestData.wideColumns(), in: dir.path, statistics: statistics)
        return (reader, [UInt8](try Data(contentsOf: URL(fileURLWithPath: reader.path))))
    }

    /// The index of a segment with and without block statistics: a directory, the keys, the
    /// timestamp blocks and one section per field, each exactly as docs/format/segment.md lays
    /// it out.
    @Test func sectionLayout() throws {
        for statistics in [false, true] {
            let dir = TempDirectory()
            defer { dir.cleanup() }
            let (reader, bytes) = try Self.write(dir, statistics: statistics)
            #expect(bytes[4] == 7 && bytes[5] == 0, "header version")
            try SegmentFormatTests.expectContent(reader, SegmentTestData.wideColumns())
            let parsed = try Self.parse(bytes)
            let index = try reader.loadIndex()
            // Keys: per series, sorted: keyLen <u16> | key.
            #expect(parsed.keys == index.series.flatMap { Self.le(UInt16($0.key.count)) + $0.key })
            // Timestamp blocks in the order metas first name them (series, field, time), as
            // columns: count, minTime steps, spans, tsOffset steps, tsLength.
            // Only sections with statistics name timestamp blocks; the others hold own times.
            var numbers: [UInt64: UInt32] = [:]
            var tsBlocks: [BlockMeta] = []
            for entry in index.series {
                for field in entry.fields where statistics && field.name != "note" {
                    for b in field.blocks where numbers[b.timestampOffset] == nil {
                        numbers[b.timestampOffset] = UInt32(tsBlocks.count)
                        tsBlocks.append(b)
                    }
                }
            }
            var previous: (min: UInt64, offset: UInt64) = (0, 0)
            var counts: [UInt8] = [], mins: [UInt8] = [], spans: [UInt8] = [], tsOffsets: [UInt8] = [], tsLengths: [UInt8] = []
            for b in tsBlocks {
                counts += Self.le(b.count)
                mins += Self.le(UInt64(bitPattern: b.minTime) &- previous.min)
                spans += Self.le(UInt64(bitPattern: b.maxTime) &- UInt64(bitPattern: b.minTime))
                tsOffsets += Self.le(b.timestampOffset &- previous.offset)
                tsLengths += Self.le(b.timestampLength)
                previous = (UInt64(bitPattern: b.minTime), b.timestampOffset)
            }
            #expect(parsed.timestamps == counts + mins + spans + tsOffsets + tsLengths, "absent (empty) without statistics")
            #expect(tsBlocks.count == (statistics ? 2 : 0), "one timestamp block per series: every field of a row shares it")
            // One section per field, sorted by name: over the series holding it, columns of
            // series steps and block counts, offsets as differences, lengths, timestamp block
            // numbers as differences, then (sections with statistics) flags and the
            // statistics, three of them XOR min.
            let names = Set(index.series.flatMap { $0.fields.map(\.name) }).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            #expect(parsed.fields.map { String(decoding: $0.name, as: UTF8.self) } == names)
            for f in parsed.fields {
                let name = String(decoding: f.name, as: UTF8.self)
                var series: [UInt8] = [], counts: [UInt8] = [], offsets: [UInt8] = [], lengths: [UInt8] = [], steps: [UInt8] = []
                var values: [UInt8] = [], mins: [UInt8] = [], spans: [UInt8] = [], backs: [UInt8] = [], tsLengths: [UInt8] = []
                var flags: [UInt8] = [], lows: [UInt8] = [], highs: [UInt8] = [], sums: [UInt8] = [], firsts: [UInt8] = [], lasts: [UInt8] = []
                var previousSeries = UInt32.max, previousOffset: UInt64 = 0, previousNumber = UInt32.max, previousMin: UInt64 = 0
                // Strings never carry statistics; numeric fields do when the writer keeps them.
                let expectStatistics = statistics && name != "note"
                var blocks = 0
                for (s, entry) in index.series.enumerated() {
                    guard let field = entry.fields.first(where: { Array($0.name.utf8) == f.name }) else { continue }
                    #expect(field.type.rawValue == f.kind & 0x3F)
                    series += Self.le(UInt32(s) &- previousSeries)
                    previousSeries = UInt32(s)
                    counts += Self.le(UInt32(field.blocks.count))
                    for b in field.blocks {
                        offsets += Self.le(b.offset &- previousOffset)
                        lengths += Self.le(b.length)
                        if expectStatistics {
                            let number = try #require(numbers[b.timestampOffset])
                            steps += Self.le(number &- previousNumber)
                            previousNumber = number
                        }
                        values += Self.le(b.count)
                        mins += Self.le(UInt64(bitPattern: b.minTime) &- previousMin)
                        spans += Self.le(UInt64(bitPattern: b.maxTime) &- UInt64(bitPattern: b.minTime))
                        backs += Self.le(b.offset &- b.timestampOffset)
                        tsLengths += Self.le(b.timestampLength)
                        previousMin = UInt64(bitPattern: b.minTime)
                        flags.append(b.flags)
                        lows += Self.le(b.min)
                        highs += Self.le(b.max ^ b.min)
                        sums += Self.le(b.sum)
                        firsts += Self.le(b.first ^ b.min)
                        lasts += Self.le(b.last ^ b.min)
                        previousOffset = b.offset
                    }
                    blocks += field.blocks.count
                }
                // kind: the type, bit 7 with statistics (which name timestamp blocks), else bit 6
                // (own times: count, minTime steps, spans, offset - tsOffset, tsLength).
                #expect(f.kind & 0xC0 == (expectStatistics ? 0x80 : 0x40), "section \(name)")
                var expected = series + counts + offsets + lengths
                expected += expectStatistics ? steps + flags + lows + highs + sums + firsts + lasts : values + mins + spans + backs + tsLengths
                #expect(f.raw == expected, "section \(name)")
                #expect(f.blocks == blocks && f.entries == index.series.count)
            }
        }
    }

    /// `rows` undoes `columns` for any metas (differences wrap) and any timestamp blocks, and
    /// refuses block counts that do not add up and timestamp block numbers out of range.
    @Test func columnsAndRowsRoundTrip() throws {
        var rng = SplitMix64(seed: 0xC01)
        for round in 0..<800 {
            let statistics = round % 2 == 1, ownTimes = round % 4 >= 2
            let timestamps = (0..<Int.random(in: 1...6, using: &rng)).map { _ in
                SegmentSections.TimestampBlock(count: UInt32.random(in: 0...UInt32.max, using: &rng), minTime: rng.next(), maxTime: rng.next(),
                                               offset: rng.next(), length: UInt32.random(in: 0...UInt32.max, using: &rng))
            }
            let columnsOfTimestamps = SegmentSections.timestampColumns(timestamps)
            #expect(columnsOfTimestamps.count == timestamps.count * 32)
            #expect(columnsOfTimestamps.withUnsafeBytes { SegmentSections.timestampBlocks($0) } == timestamps)
            var numbers: [UInt64: UInt32] = [:]
            for (k, t) in timestamps.enumerated() where numbers[t.offset] == nil { numbers[t.offset] = UInt32(k) }
            let entries = Int.random(in: 0...20, using: &rng)
            var rows: [UInt8] = [], blocks = 0, series = UInt32.random(in: 0...3, using: &rng)
            for _ in 0..<entries {
                let b = Int.random(in: 0...3, using: &rng)
                rows += Self.le(series) + Self.le(UInt32(b))
                series &+= UInt32.random(in: 1...1000, using: &rng)
                for _ in 0..<b {
                    let t = timestamps[Int(numbers[timestamps.randomElement(using: &rng)!.offset]!)]
                    var meta = BlockMeta(offset: rng.next(), length: UInt32.random(in: 0...UInt32.max, using: &rng), count: t.count,
                                         minTime: Int64(bitPattern: t.minTime), maxTime: Int64(bitPattern: t.maxTime), min: 0, max: 0, sum: 0, first: 0, last: 0,
                                         flags: BlockMeta.noStats, timestampOffset: t.offset, timestampLength: t.length)
                    if statistics {
                        (meta.min, meta.max, meta.sum, meta.first, meta.last) = (rng.next(), rng.next(), rng.next(), rng.next(), rng.next())
                        meta.flags = UInt8.random(in: 0...255, using: &rng)
                    }
                    meta.encode(into: &rows, statistics: statistics)
                }
                blocks += b
            }
            let columns = rows.withUnsafeBytes {
                SegmentSections.columns($0, entries: entries, blocks: blocks, statistics: statistics, ownTimes: ownTimes, timestampNumbers: numbers)
            }
            #expect(columns.count == SegmentSections.rawBytes(entries: entries, blocks: blocks, statistics: statistics, ownTimes: ownTimes))
            func back(_ columns: [UInt8], blocks: Int, timestamps: [SegmentSections.TimestampBlock]) throws -> [UInt8] {
                try columns.withUnsafeBytes {
                    try SegmentSections.rows($0, entries: entries, blocks: blocks, statistics: statistics, ownTimes: ownTimes,
                                             timestamps: timestamps) { ChargelineError(.corruption, $0) }
                }
            }
            #expect(try back(columns, blocks: blocks, timestamps: timestamps) == rows)
            if entries > 0 {
                #expect(throws: ChargelineError.self) { try back(columns, blocks: blocks + 1, timestamps: timestamps) }
            }
            if blocks > 0 && !ownTimes {
                #expect(throws: ChargelineError.self) { try back(columns, blocks: blocks, timestamps: []) }
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
        #expect(data.flatMap(\.bits) == SegmentTestData.wideColumns()[0].columns[5].data.bits)
    }

    /// Damaged directories and sections whose checksums still match (rebuilt with fresh
    /// ones): every read, whole or of some fields, throws a typed error or succeeds, never
    /// traps or allocates what a damaged count asks for. A damaged stored section fails its
    /// checksum.
    @Test(arguments: [false, true]) func damagedSectionsNeverTrap(statistics: Bool) throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let (reader, bytes) = try Self.write(dir, statistics: statistics)
        let parsed = try Self.parse(bytes)
        // The rebuilt, undamaged file reads as the written one.
        let clean = Self.assemble(bytes, parsed)
        try Data(clean).write(to: URL(fileURLWithPath: dir.path + "/clean.seg"))
        var info = reader.info
        info.bytes = clean.count
        try SegmentFormatTests.expectContent(SegmentReader(info: info, path: dir.path + "/clean.seg"), SegmentTestData.wideColumns())

        var rng = SplitMix64(seed: 0x5EC7)
        func flip(_ a: inout [UInt8]) {
            guard !a.isEmpty else { return }
            for _ in 0..<Int.random(in: 1...3, using: &rng) { a[Int.random(in: 0..<a.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng) }
            if Int.random(in: 0..<4, using: &rng) == 0 { a.removeLast(Int.random(in: 0..<a.count, using: &rng)) }
        }
        for round in 0..<3000 {
            var bad = parsed
            var file: [UInt8]
            switch round % 4 {
            case 0: flip(&bad.keys); file = Self.assemble(bytes, bad)
            case 3: flip(&bad.timestamps); file = Self.assemble(bytes, bad)
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

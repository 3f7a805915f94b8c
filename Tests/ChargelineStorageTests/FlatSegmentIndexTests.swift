import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage

/// `FlatSegmentIndex` (the index as flat arrays) and `SegmentReader.readBlocks` (one read per
/// series, shared timestamps) give what the nested index and `readBlock` give; every segment
/// of `SegmentFormatTests` goes through `expectFlatMatches` as well.
@Suite struct FlatSegmentIndexTests {
    /// The flat index holds the same series, fields and metas as `index`, finds every key, and
    /// `readBlocks` of each series (in index order and reversed) equals `readBlock` per block.
    static func expectFlatMatches(_ reader: SegmentReader, _ index: SegmentIndex,
                                  sourceLocation: SourceLocation = #_sourceLocation) throws {
        let flat = try reader.loadFlatIndex()
        #expect(flat.seriesCount == index.series.count, sourceLocation: sourceLocation)
        var scratch = BlockReadScratch()
        for (s, series) in index.series.enumerated() {
            #expect(Array(flat.key(s)) == series.key, sourceLocation: sourceLocation)
            #expect(flat.position(of: series.key) == s, sourceLocation: sourceLocation)
            let entries = flat.entries(of: s)
            #expect(entries.map { flat.names[flat.nameID(ofEntry: $0)] } == series.fields.map(\.name), sourceLocation: sourceLocation)
            #expect(entries.map { flat.type(ofEntry: $0) } == series.fields.map(\.type), sourceLocation: sourceLocation)
            let metas = entries.flatMap { e in
                (0..<flat.blockCount(ofEntry: e)).map { (meta: flat.block($0, ofEntry: e), type: flat.type(ofEntry: e)) }
            }
            #expect(metas.map(\.meta) == series.fields.flatMap(\.blocks), sourceLocation: sourceLocation)
            for order in [metas, metas.reversed()] {
                let batch = try reader.readBlocks(order, scratch: &scratch)
                #expect(batch.count == order.count, sourceLocation: sourceLocation)
                for (i, m) in order.enumerated() {
                    let single = try reader.readBlock(m.meta, type: m.type)
                    #expect(batch[i].type == single.type && batch[i].timestamps == single.timestamps && batch[i].bits == single.bits
                            && batch[i].stringBytes == single.stringBytes && batch[i].stringEnds == single.stringEnds,
                            sourceLocation: sourceLocation)
                }
            }
        }
    }

    func column(_ type: FieldType, _ times: [Int64], _ value: (Int) -> UInt64) -> ColumnData {
        var c = ColumnData(type: type)
        c.timestamps = times
        c.bits = times.indices.map(value)
        return c
    }

    /// Series with different field sets (so interned names miss their positional hint), a
    /// field with its own timestamps, and keys probed around the stored ones.
    @Test func differentFieldSetsAndKeyLookups() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let t0 = SegmentTestData.partition.start
        let times = (0..<50).map { t0 + Int64($0) * 60_000_000_000 }
        let other = (0..<7).map { t0 + Int64($0) * 3_600_000_000_000 + 1 }
        func f(_ v: Double) -> (Int) -> UInt64 { { (v + Double($0) / 10).bitPattern } }
        let series: [(key: [UInt8], columns: [(name: [UInt8], data: ColumnData)])] = [
            (Array("m,g=b".utf8), [(Array("y".utf8), column(.float, times, f(1))), (Array("z".utf8), column(.integer, times) { UInt64($0) })]),
            (Array("m,g=a".utf8), [(Array("x".utf8), column(.float, times, f(2))), (Array("y".utf8), column(.float, times, f(3)))]),
            (Array("m,g=c".utf8), [(Array("x".utf8), column(.float, times, f(4))), (Array("y".utf8), column(.float, other, f(5))),
                                   (Array("z".utf8), column(.integer, times) { UInt64($0 * 3) })]),
            (Array("m,g=cc".utf8), [(Array("w".utf8), column(.boolean, times) { UInt64($0 & 1) })]),
        ]
        let reader = try SegmentFormatTests.writeSegment(series, in: dir.path)
        try SegmentFormatTests.expectContent(reader, series)
        let flat = try reader.loadFlatIndex()
        #expect(flat.names.sorted() == ["w", "x", "y", "z"])
        for absent in ["", "m", "m,g=", "m,g=0", "m,g=ab", "m,g=c,", "m,g=ccc", "n"] {
            #expect(flat.position(of: Array(absent.utf8)) == nil, "\(absent)")
        }
        // g=c: x and z share a timestamp block, y has its own.
        let c = try #require(flat.position(of: Array("m,g=c".utf8)))
        let ts = flat.entries(of: c).map { flat.block(0, ofEntry: $0).timestampOffset }
        #expect(ts[0] == ts[2] && ts[0] != ts[1])
    }

    /// A flipped byte in a value block or a timestamp block fails `readBlocks` with a
    /// corruption error naming the block's offset, as `readBlock` does.
    @Test func damagedBlocksAreReported() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let t0 = SegmentTestData.partition.start
        let times = (0..<30).map { t0 + Int64($0) * 10_000_000_000 }
        let series: [(key: [UInt8], columns: [(name: [UInt8], data: ColumnData)])] = [
            (Array("m,g=1".utf8), [(Array("a".utf8), column(.float, times) { Double($0).bitPattern }),
                                   (Array("b".utf8), column(.integer, times) { UInt64($0 * 7) })]),
        ]
        let reader = try SegmentFormatTests.writeSegment(series, in: dir.path)
        let flat = try reader.loadFlatIndex()
        let metas = flat.entries(of: 0).map { (meta: flat.block(0, ofEntry: $0), type: flat.type(ofEntry: $0)) }
        let original = try Data(contentsOf: URL(fileURLWithPath: reader.path))
        for (offset, what) in [(Int(metas[1].meta.offset) + 1, "value block"), (Int(metas[0].meta.timestampOffset) + 1, "timestamp block")] {
            var bytes = original
            bytes[offset] ^= 0x40
            try bytes.write(to: URL(fileURLWithPath: reader.path))
            let damaged = SegmentReader(info: reader.info, path: reader.path)
            var scratch = BlockReadScratch()
            let error = try #require(throws: ChargelineError.self) { try damaged.readBlocks(metas, scratch: &scratch) }
            #expect(error.code == .corruption && error.message.contains(what), "\(error)")
        }
    }
}

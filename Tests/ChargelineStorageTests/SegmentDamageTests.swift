import ChargelineCore
import ChargelineCodec
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// Damaged segments whose checksums still match (a section rewritten with a fresh CRC: a
/// writer bug or a crafted file), damaged footers and truncated files: every read throws a
/// typed error or succeeds, never traps or allocates what a damaged count asks for. Damaged
/// directories and sections at random: `SegmentSectionsTests.damagedSectionsNeverTrap`.
@Suite struct SegmentDamageTests {
    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// A segment of `SegmentTestData.wideColumns()` without block statistics, and its bytes.
    static func segment() throws -> (dir: TempDirectory, reader: SegmentReader, bytes: [UInt8]) {
        let dir = TempDirectory()
        let reader = try SegmentFormatTests.writeSegment(SegmentTestData.wideColumns(), in: dir.path, statistics: false)
        return (dir, reader, [UInt8](try Data(contentsOf: URL(fileURLWithPath: reader.path))))
    }

    static func exercise(_ file: [UInt8], _ base: SegmentReader, dir: String) {
        let path = dir + "/fuzz.seg"
        try! Data(file).write(to: URL(fileURLWithPath: path))
        var info = base.info
        info.bytes = file.count
        let reader = SegmentReader(info: info, path: path)
        guard let flat = try? reader.loadFlatIndex() else { return }
        var scratch = BlockReadScratch()
        for s in 0..<flat.seriesCount {
            _ = flat.position(of: flat.key(s))
            var blocks: [(meta: BlockMeta, type: FieldType)] = []
            for e in flat.entries(of: s) {
                for b in 0..<flat.blockCount(ofEntry: e) { blocks.append((flat.block(b, ofEntry: e), flat.type(ofEntry: e))) }
            }
            _ = try? reader.readBlocks(blocks, scratch: &scratch)
        }
        _ = try? reader.loadIndex()
    }

    @Test func damagedFootersNeverTrap() throws {
        let (dir, reader, bytes) = try Self.segment()
        defer { dir.cleanup() }
        var rng = SplitMix64(seed: 0xF00D)
        for _ in 0..<3000 {
            var bad = bytes
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = bad.count - 32 + Int.random(in: 0..<28, using: &rng)
                bad[i] ^= UInt8.random(in: 1...255, using: &rng)
            }
            Self.exercise(bad, reader, dir: dir.path)
        }
        // Truncated files.
        for cut in stride(from: 1, to: bytes.count, by: 7) { Self.exercise(Array(bytes[..<cut]), reader, dir: dir.path) }
    }


    /// A checksum-consistent index whose block meta claims ~4 G values: reading the block
    /// throws a corruption error naming it (it used to reserve 8 bytes per claimed value
    /// first, and the process aborted on a 33 GB allocation).
    @Test func hugeMetaCountThrowsInsteadOfAllocating() throws {
        let (dir, reader, bytes) = try Self.segment()
        defer { dir.cleanup() }
        // The count column of the first field section, whose metas hold their own times (no
        // statistics; docs/format/segment.md): after the entries' series and block columns,
        // the offsets (8 bytes) and lengths (4) of its N metas. Its first meta is block 0 of
        // entry 0 (series 0's first field by name).
        var parsed = try SegmentSectionsTests.parse(bytes)
        let (entries, n) = (parsed.fields[0].entries, parsed.fields[0].blocks)
        let at = 8 * entries + 8 * n + 4 * n
        parsed.fields[0].raw.replaceSubrange(at..<(at + 4), with: Self.le(UInt32(0xF900_0000)))
        let file = SegmentSectionsTests.assemble(bytes, parsed)
        let path = dir.path + "/huge.seg"
        try Data(file).write(to: URL(fileURLWithPath: path))
        var info = reader.info
        info.bytes = file.count
        let damaged = SegmentReader(info: info, path: path)
        let m = try damaged.loadFlatIndex().block(0, ofEntry: 0)
        #expect(m.count == 0xF900_0000)
        var scratch = BlockReadScratch()
        let error = #expect(throws: ChargelineError.self) { try damaged.readBlocks([(m, try damaged.loadFlatIndex().type(ofEntry: 0))], scratch: &scratch) }
        #expect(error?.message.contains("claims 4177526784 values") == true)
        #expect(throws: ChargelineError.self) { try damaged.readBlock(m, type: try damaged.loadFlatIndex().type(ofEntry: 0)) }
    }

    /// Offsets past Int.max (a section rebuilds them by adding differences, so any
    /// damage there can give one) throw instead of trapping on conversion, in every block read.
    @Test func offsetsPastIntMaxThrow() throws {
        let (dir, reader, _) = try Self.segment()
        defer { dir.cleanup() }
        let flat = try reader.loadFlatIndex()
        let good = flat.block(0, ofEntry: 0), type = flat.type(ofEntry: 0)
        var scratch = BlockReadScratch()
        for (offset, ts) in [(UInt64.max, good.timestampOffset), (good.offset, UInt64.max), (UInt64(1) << 63, UInt64(1) << 62)] {
            var meta = good
            meta.offset = offset
            meta.timestampOffset = ts
            #expect(throws: ChargelineError.self) { try reader.readBlock(meta, type: type) }
            #expect(throws: ChargelineError.self) { try reader.readBlocks([(meta, type)], scratch: &scratch) }
            meta.timestampLength = 0  // no room for a timestamp block
            #expect(throws: ChargelineError.self) { try reader.readBlock(meta, type: type) }
        }
    }
}

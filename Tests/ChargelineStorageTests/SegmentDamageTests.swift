import ChargelineCore
import ChargelineCodec
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// Damaged version-4 segments whose checksums still match (an index rewritten with a fresh
/// CRC: a writer bug or a crafted file), damaged footers and truncated files: every read throws
/// a typed error or succeeds, never traps or allocates what a damaged count asks for.
@Suite struct SegmentDamageTests {
    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// (file bytes, decompressed index, index offset)
    static func v4() throws -> (dir: TempDirectory, reader: SegmentReader, bytes: [UInt8], raw: [UInt8], indexOffset: Int) {
        let dir = TempDirectory()
        let reader = try SegmentFormatTests.writeSegment(SegmentV2Fixture.columns(), in: dir.path, statistics: false, version: 4)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: reader.path)))
        let f = Array(bytes[(bytes.count - 32)...])
        func u32(_ a: [UInt8], _ o: Int) -> Int { Int(a[o]) | Int(a[o + 1]) << 8 | Int(a[o + 2]) << 16 | Int(a[o + 3]) << 24 }
        let indexOffset = u32(f, 0) // < 4 GiB here
        let indexLength = u32(f, 8)
        let flags = Int(f[26])
        var raw = Array(bytes[indexOffset..<(indexOffset + indexLength)])
        if flags & 1 != 0 {
            let n = u32(raw, 0)
            var out = [UInt8](repeating: 0, count: n)
            try raw.withUnsafeBytes { s in
                try out.withUnsafeMutableBytes { d in
                    try Compressor.decompress(UnsafeRawBufferPointer(rebasing: s[4...]), stage: .zstd, into: d)
                }
            }
            raw = out
        }
        return (dir, reader, bytes, raw, indexOffset)
    }

    /// The file with `raw` stored uncompressed as its index (checksum recomputed).
    static func rebuilt(_ bytes: [UInt8], indexOffset: Int, raw: [UInt8]) -> [UInt8] {
        var out = Array(bytes[..<indexOffset])
        out += raw
        let f = Array(bytes[(bytes.count - 32)...])
        out += le(UInt64(indexOffset)) + le(UInt32(raw.count)) + le(CRC32C.checksum(raw))
        out += Array(f[16..<26]) + le(UInt16(0)) + Array(f[28..<32])
        return out
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

    @Test func damagedVersionFourIndexesNeverTrap() throws {
        let (dir, reader, bytes, raw, indexOffset) = try Self.v4()
        defer { dir.cleanup() }
        var rng = SplitMix64(seed: 0xBEEF)
        for _ in 0..<3000 {
            var bad = raw
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = Int.random(in: 0..<bad.count, using: &rng)
                bad[i] ^= UInt8.random(in: 1...255, using: &rng)
            }
            if Int.random(in: 0..<4, using: &rng) == 0 { bad.removeLast(Int.random(in: 0..<bad.count, using: &rng)) }
            Self.exercise(Self.rebuilt(bytes, indexOffset: indexOffset, raw: bad), reader, dir: dir.path)
        }
    }

    @Test func damagedFootersNeverTrap() throws {
        let (dir, reader, bytes, _, _) = try Self.v4()
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
        let (dir, reader, bytes, raw, indexOffset) = try Self.v4()
        defer { dir.cleanup() }
        let flat = try reader.loadFlatIndex()
        let meta = flat.block(0, ofEntry: 0)
        var encoded: [UInt8] = []
        meta.encode(into: &encoded, version: 4)
        let at = try #require((0...(raw.count - encoded.count)).first { Array(raw[$0..<($0 + encoded.count)]) == encoded })
        var bad = raw
        bad.replaceSubrange((at + 12)..<(at + 16), with: Self.le(UInt32(0xF900_0000)))
        let file = Self.rebuilt(bytes, indexOffset: indexOffset, raw: bad)
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

    /// Offsets past Int.max (a version-5 section rebuilds them by adding differences, so any
    /// damage there can give one) throw instead of trapping on conversion, in every block read.
    @Test func offsetsPastIntMaxThrow() throws {
        let (dir, reader, _, _, _) = try Self.v4()
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
            meta.timestampLength = 0  // the version-1 path
            #expect(throws: ChargelineError.self) { try reader.readBlock(meta, type: type) }
        }
    }
}

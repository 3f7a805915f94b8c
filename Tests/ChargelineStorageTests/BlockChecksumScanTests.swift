import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// `BlockChecksumScan`: the blocks of a file, each body + CRC-32C, checked in windows. Small
/// windows make one scan cross many window edges and read blocks larger than a window alone.
struct BlockChecksumScanTests {
    /// A file of a 32-byte header and `sizes.count` blocks (block i belongs to series i / 2),
    /// with the blocks and the file's path.
    static func makeFile(_ dir: TempDirectory, sizes: [Int]) throws -> (path: String, blocks: [BlockChecksumScan.Block]) {
        var bytes = [UInt8](repeating: 0xAA, count: 32)
        var blocks: [BlockChecksumScan.Block] = []
        for (i, n) in sizes.enumerated() {
            let body = (0..<n).map { UInt8(truncatingIfNeeded: i &* 31 &+ $0 &* 7 &+ ($0 >> 3)) }
            let start = bytes.count
            bytes += body
            withUnsafeBytes(of: CRC32C.checksum(body).littleEndian) { bytes += $0 }
            blocks.append(.init(start: start, end: bytes.count, series: i / 2))
        }
        let path = dir.path + "/blocks"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, blocks)
    }

    static func scan(_ path: String, _ blocks: [BlockChecksumScan.Block], window: Int, upper: Int? = nil) throws -> Set<Int> {
        let fd = try FileIO.open(path, O_RDONLY)
        defer { close(fd) }
        let size = FileIO.fileSize(path)!
        return BlockChecksumScan.damagedSeries(blocks, fd: fd, path: path, bounds: 32..<(upper ?? size), window: window)
    }

    static let sizes = [10, 200, 3, 64, 1000, 17, 40, 2, 300, 5]

    @Test(arguments: [16, 100, 1 << 20])
    func cleanFileHasNoDamage(window: Int) throws {
        let dir = TempDirectory()
        defer { dir.cleanup() }
        let (path, blocks) = try Self.makeFile(dir, sizes: Self.sizes)
        #expect(try Self.scan(path, blocks, window: window).isEmpty)
    }

    /// Every byte of every block flipped in turn: exactly that block's series is named.
    @Test(arguments: [16, 100, 1 << 20])
    func everyFlippedByteNamesItsSeries(window: Int) throws {
        let dir = TempDirectory()
        defer { dir.cleanup() }
        let (path, blocks) = try Self.makeFile(dir, sizes: Self.sizes)
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        for b in blocks {
            for offset in b.start..<b.end {
                var damaged = original
                damaged[offset] ^= 0x10
                try Data(damaged).write(to: URL(fileURLWithPath: path))
                #expect(try Self.scan(path, blocks, window: window) == [b.series], "byte \(offset)")
            }
        }
    }

    /// Blocks a damaged index places outside the block area, or too short for a CRC, are
    /// damaged; the blocks around them are still checked.
    @Test func blocksOutsideTheBoundsOrTooShortAreDamaged() throws {
        let dir = TempDirectory()
        defer { dir.cleanup() }
        var (path, blocks) = try Self.makeFile(dir, sizes: Self.sizes)
        let size = FileIO.fileSize(path)!
        blocks.append(.init(start: size - 10, end: size + 100, series: 40))
        blocks.insert(.init(start: 2, end: 40, series: 41), at: 0)
        blocks.insert(.init(start: 50, end: 53, series: 42), at: 2)
        blocks.sort { $0.start < $1.start }
        #expect(try Self.scan(path, blocks, window: 100) == [40, 41, 42])
        // With the index starting before the last block, that block is outside too.
        #expect(try Self.scan(path, blocks, window: 100, upper: size - 1) == [4, 40, 41, 42])
    }
}

import ChargelineCore
import Foundation

/// Checks the CRC-32C trailer of every block of one segment file in a few large sequential
/// reads instead of one read per series: what `chargeline verify` does without `--deep`, so
/// it runs at the speed of the disk rather than of the decoders. The byte ranges are split
/// into contiguous parts of about equal size, one per core, each read in windows of up to
/// `window` bytes into one buffer. The window is small enough to stay in the core's cache
/// between the copy out of the page cache and the checksum over it, and the buffer is
/// touched once per part rather than a fresh large one per file (whose first touch costs
/// the kernel a zeroed page per 4 KiB); each part asks the kernel to read its whole range
/// ahead (`POSIX_FADV_WILLNEED`) so a cold file streams while the checksums run. Every
/// block ends in a CRC-32C of the bytes before it
/// (docs/format.md, "Segment files"). Only says which series failed; the caller reads those
/// again block by block for the messages (file, byte offset, what is wrong).
enum BlockChecksumScan {
    /// A checksummed block: its bytes `start..<end`, CRC trailer included, and the index of
    /// the series it belongs to.
    struct Block: Sendable {
        var start: Int
        var end: Int
        var series: Int
    }

    /// The series with a block that fails: a checksum mismatch, a block shorter than its
    /// framing or outside `bounds` (the bytes between header and index), or a read error.
    /// `blocks` must be sorted by `start`.
    static func damagedSeries(_ blocks: [Block], fd: Int32, path: String, bounds: Range<Int>,
                              window: Int = 1 << 20) -> Set<Int> {
        guard !blocks.isEmpty else { return [] }
        let total = blocks.reduce(0) { $0 &+ max(0, $1.end &- $1.start) }
        let parts = max(1, min(blocks.count, ProcessInfo.processInfo.activeProcessorCount, total / (1 << 20) + 1))
        // Cut the sorted list where the running byte count passes each part's share.
        var cuts = [0]
        var running = 0
        for (i, b) in blocks.enumerated() where cuts.count < parts {
            running &+= max(0, b.end &- b.start)
            if running >= cuts.count * (total / parts) && i + 1 < blocks.count { cuts.append(i + 1) }
        }
        cuts.append(blocks.count)
        let bounded = cuts
        let found = (try? Parallel.map(bounded.count - 1) { part in
            scan(blocks[bounded[part]..<bounded[part + 1]], fd: fd, path: path, bounds: bounds, window: window)
        }) ?? [Set(blocks.map(\.series))]
        return found.reduce(into: Set<Int>()) { $0.formUnion($1) }
    }

    /// One part, in order: windows of whole blocks read with one `pread` each.
    private static func scan(_ blocks: ArraySlice<Block>, fd: Int32, path: String, bounds: Range<Int>, window: Int) -> Set<Int> {
        var damaged = Set<Int>()
        if let first = blocks.first, let last = blocks.last {
            // Advice only: a failure changes nothing but speed.
            _ = posix_fadvise(fd, off_t(max(0, first.start)), off_t(max(0, last.end - first.start)), POSIX_FADV_WILLNEED)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: window, alignment: 64)
        defer { buffer.deallocate() }
        func valid(_ b: Block) -> Bool { b.start >= bounds.lowerBound && b.end <= bounds.upperBound && b.end - b.start >= 6 }
        var i = blocks.startIndex
        while i < blocks.endIndex {
            let first = blocks[i]
            guard valid(first) else { damaged.insert(first.series); i += 1; continue }
            var j = i, end = first.start
            while j < blocks.endIndex, valid(blocks[j]), blocks[j].end - first.start <= window {
                end = max(end, blocks[j].end)
                j += 1
            }
            // A block larger than the window is read alone, into a buffer of its own.
            let big = j == i
            if big { j = i + 1; end = first.end }
            let area = big ? UnsafeMutableRawBufferPointer.allocate(byteCount: end - first.start, alignment: 64)
                           : UnsafeMutableRawBufferPointer(rebasing: buffer[..<(end - first.start)])
            defer { if big { area.deallocate() } }
            do {
                try FileIO.pread(fd, offset: first.start, into: area, path: path)
            } catch {
                for b in blocks[i..<j] { damaged.insert(b.series) }
                i = j
                continue
            }
            let bytes = UnsafeRawBufferPointer(area)
            for b in blocks[i..<j] {
                let from = b.start - first.start, to = b.end - first.start
                let body = UnsafeRawBufferPointer(rebasing: bytes[from..<(to - 4)])
                if CRC32C.checksum(body) != bytes.loadLE(UInt32.self, at: to - 4) { damaged.insert(b.series) }
            }
            i = j
        }
        return damaged
    }
}

package import ChargelineCodec
package import ChargelineCore

/// Writes one segment file: blocks stream to a temporary file as series are added; `finish`
/// appends the index and footer, syncs, and renames the file into place. Not thread-safe.
package final class SegmentWriter {
    private let directory: String
    private let id: UInt64
    private let seq: UInt64
    private let level: Int
    private let partition: TimeRange
    private let options: CodecOptions
    private let maxBlockRows: Int
    private let tempPath: String
    private let finalPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var written = 0
    private var entries: [(key: [UInt8], fields: [(name: [UInt8], type: FieldType, blocks: [BlockMeta])])] = []
    private var minTime = Int64.max
    private var maxTime = Int64.min
    private var rows = 0
    private var values = 0
    private var blockCount = 0
    private var scratchTS: [UInt8] = []
    private var scratchValues: [UInt8] = []
    private var bools: [Bool] = []
    /// The value blocks written for the current chunk (one timestamp block): a value block
    /// with the same bytes as one of them is not written again, its meta names the earlier one
    /// (a counter's `_min` and `_first` in a rollup row, idle fields that are all 0).
    private var chunkBlocks: [(offset: Int, length: Int, crc: UInt32)] = []

    /// Flushes the buffer to the file once it holds this much (1 MiB: few syscalls, little memory).
    private static let bufferLimit = 1 << 20
    private let statistics: Bool

    /// `maxBlockRows` caps the rows per block (``SegmentFormat/maxBlockValues`` for flushes,
    /// ``SegmentFormat/maxCompactedBlockValues`` for compaction).
    /// - Parameter statistics: store each numeric block's min, max, sum, first and last in its
    ///   meta (false: no statistics, every meta `noStats` as for strings, and the field
    ///   sections leave the statistics out; see `StorageOptions`).
    package init(
        directory: String, id: UInt64, seq: UInt64, level: Int, partition: TimeRange, options: CodecOptions,
        maxBlockRows: Int = SegmentFormat.maxBlockValues, statistics: Bool = true
    ) throws {
        precondition(maxBlockRows > 0, "BUG: SegmentWriter needs a positive block size")
        self.maxBlockRows = maxBlockRows
        self.statistics = statistics
        self.directory = directory
        self.id = id
        self.seq = seq
        self.level = level
        self.partition = partition
        self.options = options
        try FileIO.makeDirectories(directory)
        finalPath = directory + "/" + FileNames.segment(id)
        tempPath = finalPath + FileNames.tempSuffix
        fd = try FileIO.open(tempPath, O_WRONLY | O_CREAT | O_TRUNC)
        append(SegmentFormat.magic)
        append(SegmentFormat.version)
        append(UInt16(0))
        append(UInt64(bitPattern: partition.start))
        append(UInt64(bitPattern: partition.end))
        append(seq)
    }

    /// Whether nothing was added.
    package var isEmpty: Bool { entries.isEmpty }

    /// Adds one series with its columns (each sorted, unique timestamps, inside the partition).
    /// Keys must be unique within the segment.
    ///
    /// Fields with identical timestamps (every field of a line-protocol row, the normal case)
    /// share one timestamp block per chunk of ≤ `maxBlockRows` rows (near-equal chunks); the others
    /// get their own.
    package func addSeries(key: [UInt8], columns: [(name: [UInt8], data: ColumnData)]) throws {
        let sorted = columns.filter { $0.data.count > 0 }.sorted { $0.name.lexicographicallyPrecedes($1.name) }
        guard !sorted.isEmpty else { return }
        var groups: [[Int]] = []
        for (i, column) in sorted.enumerated() {
            if let g = groups.firstIndex(where: { sorted[$0[0]].data.timestamps == column.data.timestamps }) {
                groups[g].append(i)
            } else {
                groups.append([i])
            }
        }
        var blocks = [[BlockMeta]](repeating: [], count: sorted.count)
        for group in groups {
            let timestamps = sorted[group[0]].data.timestamps
            for range in SegmentFormat.blockBoundaries(rows: timestamps.count, limit: maxBlockRows) {
                let (tsOffset, tsLength) = try writeTimestampBlock(timestamps, range)
                chunkBlocks.removeAll(keepingCapacity: true)
                for i in group {
                    var meta = try writeValueBlock(sorted[i].data, range)
                    meta.timestampOffset = tsOffset
                    meta.timestampLength = tsLength
                    blocks[i].append(meta)
                }
            }
            minTime = Swift.min(minTime, timestamps.first!)
            maxTime = Swift.max(maxTime, timestamps.last!)
        }
        var fields: [(name: [UInt8], type: FieldType, blocks: [BlockMeta])] = []
        for (i, column) in sorted.enumerated() {
            fields.append((column.name, column.data.type, blocks[i]))
            values += column.data.count
        }
        rows += SegmentWriter.distinctTimestamps(sorted.map { $0.data })
        entries.append((key, fields))
    }

    /// Writes the index and footer, syncs, renames into place and syncs the folder.
    package func finish() throws -> SegmentInfo {
        entries.sort { $0.key.lexicographicallyPrecedes($1.key) }
        let (stored, crc) = SegmentSections.encode(entries)
        let indexOffset = UInt64(written + buffer.count)
        buffer.append(contentsOf: stored)
        append(indexOffset)
        append(UInt32(stored.count))
        append(crc)
        append(UInt32(entries.count))
        append(UInt32(blockCount))
        append(SegmentFormat.version)
        append(UInt16(0))  // footer flags: none defined
        append(SegmentFormat.magic)
        try flushBuffer()
        try FileIO.sync(fd, path: tempPath)
        FileIO.close(fd)
        fd = -1
        try FileIO.rename(tempPath, finalPath)
        try FileIO.syncDirectory(directory)
        return SegmentInfo(id: id, seq: seq, level: level, partitionStart: partition.start,
                           minTime: minTime, maxTime: maxTime, series: entries.count,
                           rows: rows, values: values, bytes: written)
    }

    /// Removes the temporary file (after a failure).
    package func abort() {
        if fd >= 0 { FileIO.close(fd); fd = -1 }
        try? FileIO.remove(tempPath)
    }

    deinit {
        if fd >= 0 { FileIO.close(fd) }
    }

    /// Appends an encoded column block and its CRC-32C; returns where they lie (length includes
    /// the CRC).
    private func appendChecksummed(_ block: [UInt8]) throws -> (offset: UInt64, length: UInt32) {
        let offset = UInt64(written + buffer.count)
        buffer.append(contentsOf: block)
        append(CRC32C.checksum(block))
        if buffer.count >= SegmentWriter.bufferLimit { try flushBuffer() }
        return (offset, UInt32(block.count + 4))
    }

    /// Appends `scratchValues` as a value block of the current chunk with its CRC-32C, unless
    /// a block of the chunk still in the buffer has the same bytes: then that block's place.
    private func appendValueBlock() throws -> (offset: UInt64, length: UInt32) {
        let crc = CRC32C.checksum(scratchValues)
        let length = scratchValues.count + 4
        for b in chunkBlocks where b.length == length && b.crc == crc && b.offset >= written {
            let at = b.offset - written
            if buffer[at..<(at + length - 4)].elementsEqual(scratchValues) { return (UInt64(b.offset), UInt32(length)) }
        }
        let offset = written + buffer.count
        buffer.append(contentsOf: scratchValues)
        append(crc)
        chunkBlocks.append((offset, length, crc))
        if buffer.count >= SegmentWriter.bufferLimit { try flushBuffer() }
        return (UInt64(offset), UInt32(length))
    }

    private func writeTimestampBlock(_ timestamps: [Int64], _ range: Range<Int>) throws -> (offset: UInt64, length: UInt32) {
        scratchTS.removeAll(keepingCapacity: true)
        timestamps.withUnsafeBufferPointer { ts in
            TimestampCodec.encode(UnsafeBufferPointer(rebasing: ts[range]), options: options, into: &scratchTS)
        }
        return try appendChecksummed(scratchTS)
    }

    private func writeValueBlock(_ data: ColumnData, _ range: Range<Int>) throws -> BlockMeta {
        scratchValues.removeAll(keepingCapacity: true)
        switch data.type {
        case .float:
            data.bits.withUnsafeBufferPointer { b in
                UnsafeBufferPointer(rebasing: b[range]).withMemoryRebound(to: Double.self) {
                    FloatCodec.encode($0, options: options, into: &scratchValues)
                }
            }
        case .integer, .unsigned:
            data.bits.withUnsafeBufferPointer { b in
                UnsafeBufferPointer(rebasing: b[range]).withMemoryRebound(to: Int64.self) {
                    IntegerCodec.encode($0, options: options, into: &scratchValues)
                }
            }
        case .boolean:
            bools.removeAll(keepingCapacity: true)
            for i in range { bools.append(data.bits[i] != 0) }
            bools.withUnsafeBufferPointer { BooleanCodec.encode($0, options: options, into: &scratchValues) }
        case .string:
            var column = StringColumn()
            let base = range.lowerBound == 0 ? 0 : Int(data.stringEnds[range.lowerBound - 1])
            column.bytes = Array(data.stringBytes[base..<Int(data.stringEnds[range.upperBound - 1])])
            column.ends = data.stringEnds[range].map { $0 - UInt32(base) }
            StringCodec.encode(column, options: options, into: &scratchValues)
        }
        let (offset, length) = try appendValueBlock()
        blockCount += 1
        guard statistics else {
            return BlockMeta(offset: offset, length: length, count: UInt32(range.count), minTime: data.timestamps[range.lowerBound],
                             maxTime: data.timestamps[range.upperBound - 1], min: 0, max: 0, sum: 0, first: 0, last: 0,
                             flags: BlockMeta.noStats)
        }
        return BlockMeta.stats(of: data, range, offset: offset, length: length)
    }

    private func flushBuffer() throws {
        guard !buffer.isEmpty else { return }
        try FileIO.writeAll(fd, buffer, path: tempPath)
        written += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    private func append<T: FixedWidthInteger>(_ v: T) { append(&buffer, v) }

    private func append<T: FixedWidthInteger>(_ out: inout [UInt8], _ v: T) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    /// The number of distinct timestamps across columns whose timestamps ascend (rows of the
    /// series). Linear, without hashing: a series' columns mostly share one set of timestamps
    /// (counted once), and different sets are merged in order (a rollup series has a few: the
    /// hours every column has, and those only some have).
    static func distinctTimestamps(_ columns: [ColumnData]) -> Int {
        if columns.count == 1 { return columns[0].count }
        var sets: [[Int64]] = []
        for c in columns where !sets.contains(where: { $0 == c.timestamps }) {
            sets.append(c.timestamps)
        }
        if sets.count == 1 { return sets[0].count }
        guard sets.allSatisfy({ zip($0, $0.dropFirst()).allSatisfy { $0 < $1 } }) else {
            // Out of order (only a damaged block shows that): count by hashing.
            return Set(sets.joined()).count
        }
        // Merge all but the last set; count the union with the last without building it.
        var merged = sets[0]
        var next: [Int64] = []
        for other in sets.dropFirst().dropLast() {
            next.removeAll(keepingCapacity: true)
            next.reserveCapacity(merged.count + other.count)
            Self.mergeAscending(merged, other, into: &next)
            swap(&merged, &next)
        }
        return Self.unionCount(merged, sets[sets.count - 1])
    }

    /// The number of distinct values in two ascending arrays together.
    private static func unionCount(_ a: [Int64], _ b: [Int64]) -> Int {
        var i = 0, j = 0, common = 0
        while i < a.count && j < b.count {
            let x = a[i], y = b[j]
            if x < y { i += 1 } else if y < x { j += 1 } else { common += 1; i += 1; j += 1 }
        }
        return a.count + b.count - common
    }

    /// Appends the union of two ascending arrays to `out`, in order, each value once.
    private static func mergeAscending(_ a: [Int64], _ b: [Int64], into out: inout [Int64]) {
        var i = 0, j = 0
        func add(_ v: Int64) {
            if out.last != v { out.append(v) }
        }
        while i < a.count && j < b.count {
            let x = a[i], y = b[j]
            if x < y { add(x); i += 1 } else if y < x { add(y); j += 1 } else { add(x); i += 1; j += 1 }
        }
        while i < a.count { add(a[i]); i += 1 }
        while j < b.count { add(b[j]); j += 1 }
    }
}

#if canImport(Glibc)
import Glibc
#endif

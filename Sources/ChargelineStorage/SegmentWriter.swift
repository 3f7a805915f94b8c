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

    /// Flushes the buffer to the file once it holds this much (1 MiB: few syscalls, little memory).
    private static let bufferLimit = 1 << 20

    package init(directory: String, id: UInt64, seq: UInt64, level: Int, partition: TimeRange, options: CodecOptions) throws {
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
    package func addSeries(key: [UInt8], columns: [(name: [UInt8], data: ColumnData)]) throws {
        var fields: [(name: [UInt8], type: FieldType, blocks: [BlockMeta])] = []
        for (name, data) in columns.sorted(by: { $0.name.lexicographicallyPrecedes($1.name) }) where data.count > 0 {
            var blocks: [BlockMeta] = []
            var start = 0
            while start < data.count {
                let end = Swift.min(start + SegmentFormat.maxBlockValues, data.count)
                blocks.append(try writeBlock(data, start..<end))
                start = end
            }
            fields.append((name, data.type, blocks))
            values += data.count
            minTime = Swift.min(minTime, data.timestamps.first!)
            maxTime = Swift.max(maxTime, data.timestamps.last!)
        }
        guard !fields.isEmpty else { return }
        rows += SegmentWriter.distinctTimestamps(columns.map { $0.data })
        entries.append((key, fields))
    }

    /// Writes the index and footer, syncs, renames into place and syncs the folder.
    package func finish() throws -> SegmentInfo {
        entries.sort { $0.key.lexicographicallyPrecedes($1.key) }
        var index: [UInt8] = []
        append(&index, UInt32(entries.count))
        for entry in entries {
            append(&index, UInt16(entry.key.count))
            index.append(contentsOf: entry.key)
            append(&index, UInt16(entry.fields.count))
            for field in entry.fields {
                append(&index, UInt16(field.name.count))
                index.append(contentsOf: field.name)
                index.append(field.type.rawValue)
                append(&index, UInt32(field.blocks.count))
                for b in field.blocks { b.encode(into: &index) }
            }
        }
        let indexOffset = UInt64(written + buffer.count)
        buffer.append(contentsOf: index)
        append(indexOffset)
        append(UInt32(index.count))
        append(CRC32C.checksum(index))
        append(UInt32(entries.count))
        append(UInt32(blockCount))
        append(SegmentFormat.version)
        append(UInt16(0))
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

    private func writeBlock(_ data: ColumnData, _ range: Range<Int>) throws -> BlockMeta {
        scratchTS.removeAll(keepingCapacity: true)
        scratchValues.removeAll(keepingCapacity: true)
        data.timestamps.withUnsafeBufferPointer { ts in
            TimestampCodec.encode(UnsafeBufferPointer(rebasing: ts[range]), options: options, into: &scratchTS)
        }
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
        let offset = UInt64(written + buffer.count)
        let start = buffer.count
        append(UInt32(scratchTS.count))
        buffer.append(contentsOf: scratchTS)
        buffer.append(contentsOf: scratchValues)
        let crc = buffer.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        append(crc)
        let length = UInt32(buffer.count - start)
        blockCount += 1
        if buffer.count >= SegmentWriter.bufferLimit { try flushBuffer() }
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

    /// The number of distinct timestamps across sorted columns (rows of the series).
    static func distinctTimestamps(_ columns: [ColumnData]) -> Int {
        if columns.count == 1 { return columns[0].count }
        if columns.allSatisfy({ $0.timestamps == columns[0].timestamps }) { return columns[0].count }
        var all = Set<Int64>()
        for c in columns { all.formUnion(c.timestamps) }
        return all.count
    }
}

#if canImport(Glibc)
import Glibc
#endif

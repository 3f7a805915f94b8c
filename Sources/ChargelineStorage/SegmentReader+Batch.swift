import ChargelineCodec
package import ChargelineCore

/// A reusable read buffer for `SegmentReader.readBlocks` (one per reading thread).
package struct BlockReadScratch {
    var bytes: [UInt8] = []
    package init() {}
}

extension SegmentReader {
    /// Widest byte span `readBlocks` reads in one go; wider sets are read block by block. A
    /// series' blocks in one partition are normally a few KiB, so 4 MiB never splits them
    /// but bounds the buffer when the wanted blocks lie far apart.
    static let maxBatchSpan = 4 << 20

    /// Reads, verifies and decodes `blocks` (metas of one series in this segment), returning
    /// their columns in the same order. One read fetches the bytes from the first timestamp
    /// block to the end of the last value block; each distinct timestamp block is verified
    /// and decoded once, and the columns that use it share its timestamps (copy-on-write)
    /// instead of decoding them again per field. Spans wider than `maxBatchSpan` are read
    /// block by block (`readBlock`). Same checks and errors as
    /// `readBlock`. Thread-safe; `scratch` belongs to the calling thread.
    /// With `values` false (verify's checksum pass), value blocks are checked against their
    /// checksums but not decoded: the columns hold timestamps only.
    package func readBlocks(_ blocks: [(meta: BlockMeta, type: FieldType)], scratch: inout BlockReadScratch,
                            values: Bool = true) throws -> [ColumnData] {
        guard !blocks.isEmpty else { return [] }
        var lo = Int.max, hi = 0
        for (meta, _) in blocks {
            // Int(exactly:) so a damaged meta cannot trap on conversion.
            guard let start = Int(exactly: meta.timestampOffset), let offset = Int(exactly: meta.offset),
                  start + Int(meta.timestampLength) <= offset, offset + Int(meta.length) <= info.bytes || info.bytes == 0 else {
                throw corrupt("block meta places timestamps (\(meta.timestampOffset), \(meta.timestampLength) bytes) after the values (\(meta.offset)) or past the end", at: Int(truncatingIfNeeded: meta.offset))
            }
            lo = min(lo, start)
            hi = max(hi, offset + Int(meta.length))
        }
        guard hi - lo <= Self.maxBatchSpan else { return try blocks.map { try readBlock($0.meta, type: $0.type) } }
        let count = hi - lo
        if scratch.bytes.count < count { scratch.bytes = [UInt8](repeating: 0, count: max(count, 2 * scratch.bytes.count, 4096)) }
        let fd = try descriptor()
        try scratch.bytes.withUnsafeMutableBytes {
            try FileIO.pread(fd, offset: lo, into: UnsafeMutableRawBufferPointer(rebasing: $0[..<count]), path: path)
        }
        // Timestamp blocks decoded so far (a series has one per group of fields with the same
        // timestamps, normally one).
        var tsOffsets: [UInt64] = [], tsColumns: [[Int64]] = []
        var out: [ColumnData] = []
        out.reserveCapacity(blocks.count)
        try scratch.bytes.withUnsafeBytes { r in
            for (meta, type) in blocks {
                let n = Int(meta.count)
                try Self.checkCount(meta, in: self)
                var data = ColumnData(type: type)
                if let k = tsOffsets.firstIndex(of: meta.timestampOffset) {
                    data.timestamps = tsColumns[k]
                } else {
                    let start = Int(meta.timestampOffset) - lo
                    let block = try verified(UnsafeRawBufferPointer(rebasing: r[start..<(start + Int(meta.timestampLength))]),
                                             at: Int(meta.timestampOffset), what: "timestamp block")
                    do {
                        data.timestamps.reserveCapacity(n)
                        try TimestampCodec.decode(block, count: n, into: &data.timestamps)
                    } catch {
                        throw corrupt("block does not decode: \(error)", at: Int(meta.offset))
                    }
                    tsOffsets.append(meta.timestampOffset)
                    tsColumns.append(data.timestamps)
                }
                // Fields sharing a timestamp block have the same count; a meta that says
                // otherwise is damage.
                guard data.timestamps.count == n else {
                    throw corrupt("block decoded to \(data.timestamps.count) values, expected \(n)", at: Int(meta.offset))
                }
                let start = Int(meta.offset) - lo
                let block = try verified(UnsafeRawBufferPointer(rebasing: r[start..<(start + Int(meta.length))]),
                                         at: Int(meta.offset), what: "value block")
                guard values else {
                    out.append(data)
                    continue
                }
                do {
                    try Self.decodeValues(block, count: n, into: &data)
                } catch {
                    throw corrupt("block does not decode: \(error)", at: Int(meta.offset))
                }
                out.append(data)
            }
        }
        return out
    }

    /// Decodes a value block of `count` values of `data.type` into `data` (numbers straight
    /// into `bits`, strings into the arena).
    static func decodeValues(_ block: UnsafeRawBufferPointer, count: Int, into data: inout ColumnData) throws {
        switch data.type {
        case .float:
            data.bits.reserveCapacity(count)
            try FloatCodec.decodeBits(block, count: count, into: &data.bits)
        case .integer, .unsigned:
            data.bits.reserveCapacity(count)
            try IntegerCodec.decodeBits(block, count: count, into: &data.bits)
        case .boolean:
            var values: [Bool] = []
            try BooleanCodec.decode(block, count: count, into: &values)
            data.bits = values.map { $0 ? 1 : 0 }
        case .string:
            var column = StringColumn()
            try StringCodec.decode(block, count: count, into: &column)
            data.stringBytes = column.bytes
            data.stringEnds = column.ends
        }
    }
}

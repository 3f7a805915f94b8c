package import ChargelineCore

/// One stretch of one (series, field) as a query scan sees it: a segment block or a sealed
/// head chunk that can be answered from its statistics without decoding, the head's open tail
/// (statistics too while its timestamps are strictly increasing; read in place when decoded),
/// or values already in memory (several sources that overlap in time merged with
/// last-write-wins).
///
/// Chunks of one `FieldScan` are in ascending time order and never overlap, so per-chunk
/// statistics are exact for the values a read would return.
package struct ScanChunk: @unchecked Sendable {
    /// Earliest and latest timestamp the chunk holds (before clipping to the scan range).
    package let minTime: Int64
    package let maxTime: Int64
    /// Values held (before clipping).
    package let count: Int
    /// Block statistics; present for an undecoded segment block, a sealed head chunk, or an
    /// open tail whose statistics are exact.
    package let stats: BlockMeta?
    package let type: FieldType
    /// The scan's range: `decode()` clips to it.
    package let range: TimeRange
    private let source: Source

    /// Where the values are. One reference per case, so copying a chunk (operators iterate
    /// them by value) costs one retain, and for a head chunk the retain is of its column's
    /// chunk list, shared by all the column's chunks and hot in cache, not of the chunk object
    /// that a scan of many series touched long before the operator reads its statistics.
    private enum Source {
        case block(SegmentReader)
        case chunk([HeadChunk], Int)
        case tail(OpenTail)
        case data(ColumnData)
    }

    init(block: BlockMeta, type: FieldType, reader: SegmentReader, range: TimeRange) {
        minTime = block.minTime
        maxTime = block.maxTime
        count = Int(block.count)
        stats = block
        self.type = type
        self.range = range
        source = .block(reader)
    }

    /// Chunk `index` of `chunks` (a head column's `ordered` or `late` list).
    init(chunks: [HeadChunk], at index: Int, range: TimeRange) {
        let chunk = chunks[index]
        minTime = chunk.minTime
        maxTime = chunk.maxTime
        count = chunk.count
        stats = chunk.stats
        type = chunk.type
        self.range = range
        source = .chunk(chunks, index)
    }

    /// The head's open tail, read in place when decoded; its statistics when exact.
    init(tail: OpenTail, range: TimeRange) {
        minTime = tail.minTime
        maxTime = tail.maxTime
        count = tail.count
        stats = tail.stats
        type = tail.chunk.type
        self.range = range
        source = .tail(tail)
    }

    package init(data: ColumnData, range: TimeRange) {
        minTime = data.timestamps.first ?? 0
        maxTime = data.timestamps.last ?? 0
        count = data.count
        stats = nil
        type = data.type
        self.range = range
        source = .data(data)
    }

    /// Whether every value of the chunk lies inside the scan range (so statistics apply).
    package var isInsideRange: Bool { minTime >= range.start && maxTime < range.end }

    /// Statistics usable for aggregates: a block wholly inside the range whose stats are
    /// present (not strings) and exact (integer sums did not overflow).
    package var exactStats: BlockMeta? {
        guard let s = stats, isInsideRange, s.flags & (BlockMeta.noStats | BlockMeta.sumOverflowed) == 0 else { return nil }
        return s
    }

    /// The values, clipped to the scan range. Reads and verifies the block when needed.
    package func decode() throws -> ColumnData {
        var d: ColumnData
        switch source {
        case .tail(let tail): return tail.data(in: range)
        case .data(let data): d = data
        case .chunk(let chunks, let i): d = chunks[i].decode()
        case .block(let reader): d = try reader.readBlock(stats!, type: type)
        }
        if minTime < range.start || maxTime >= range.end { d = d.clipped(to: range) }
        return d
    }
}

/// The chunks of one field of one series, ascending and non-overlapping.
package struct FieldScan: Sendable {
    package let name: String
    package let type: FieldType
    package let chunks: [ScanChunk]

    package init(name: String, type: FieldType, chunks: [ScanChunk]) {
        self.name = name
        self.type = type
        self.chunks = chunks
    }

    /// All values in the range, decoded and concatenated.
    package func decodeAll() throws -> ColumnData {
        if chunks.count == 1 { return try chunks[0].decode() }
        var out = ColumnData(type: type)
        out.timestamps.reserveCapacity(chunks.reduce(0) { $0 + $1.count })
        for c in chunks {
            let d = try c.decode()
            out.timestamps.append(contentsOf: d.timestamps)
            if type == .string {
                for i in 0..<d.count { out.appendString(d.stringSlice(i)) }
            } else {
                out.bits.append(contentsOf: d.bits)
            }
        }
        return out
    }
}

/// What a scan found for one series: its fields in the order asked (nil where the series has
/// no value of that field in the range).
package struct SeriesScan: Sendable {
    package let key: [UInt8]
    package let fields: [FieldScan?]

    package init(key: [UInt8], fields: [FieldScan?]) {
        self.key = key
        self.fields = fields
    }
}

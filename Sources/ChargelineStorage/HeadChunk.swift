import ChargelineCodec
package import ChargelineCore

/// One sealed stretch of one (series, field) of the head: up to `HeadColumn.chunkValues`
/// values sorted by time with unique timestamps (repeats inside the chunk already resolved to
/// the last write), compressed with the segment codecs, and the statistics a segment block
/// carries (`stats`: time span, count, min/max/sum/first/last), so aggregates and `latest`
/// answer from it without decoding.
///
/// Immutable once built: readers share it without a lock. Chunks of one column are kept in
/// write order, and may overlap in time (a late point seals into a later chunk); the merging
/// reader resolves overlaps, newest chunk winning.
package final class HeadChunk: @unchecked Sendable {
    /// Statistics as a segment block's (`offset` 0; `length`: the timestamp block's bytes,
    /// which `bytes` holds first, followed by the value block).
    package let stats: BlockMeta
    private let bytes: [UInt8]

    /// Bytes held (object, statistics and encoded values), for the head's memory accounting.
    package var memoryBytes: Int { 16 + MemoryLayout<BlockMeta>.stride + 32 + bytes.capacity }

    package var minTime: Int64 { stats.minTime }
    package var maxTime: Int64 { stats.maxTime }
    package var count: Int { Int(stats.count) }
    package var type: FieldType

    /// Seals `data` (non-empty, sorted, unique timestamps). Numbers keep exact statistics;
    /// strings are flagged `noStats` as in segments.
    package init(_ data: ColumnData) {
        precondition(data.count > 0, "BUG: sealing an empty head chunk")
        var out: [UInt8] = []
        out.reserveCapacity(data.count * 2 + 32)
        // No second stage: a chunk is small, and the first-stage encodings (constant stride,
        // delta-of-delta, decimal floats, XOR) hold most of the gain at a fraction of the cost.
        let options = CodecOptions.uncompressed
        data.timestamps.withUnsafeBufferPointer { TimestampCodec.encode($0, options: options, into: &out) }
        let tsLength = out.count
        switch data.type {
        case .float:
            data.bits.withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: Double.self) { FloatCodec.encode($0, options: options, into: &out) }
            }
        case .integer, .unsigned:
            data.bits.withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: Int64.self) { IntegerCodec.encode($0, options: options, into: &out) }
            }
        case .boolean:
            let bools = data.bits.map { $0 != 0 }
            bools.withUnsafeBufferPointer { BooleanCodec.encode($0, options: options, into: &out) }
        case .string:
            var column = StringColumn()
            column.bytes = data.stringBytes
            column.ends = data.stringEnds
            StringCodec.encode(column, options: options, into: &out)
        }
        stats = BlockMeta.stats(of: data, 0..<data.count, offset: 0, length: UInt32(tsLength))
        // A copy of exactly the encoded size: encoders reserve for the worst case, and that slack
        // would otherwise stay allocated as long as the chunk lives.
        bytes = [UInt8](unsafeUninitializedCapacity: out.count) { buffer, n in
            _ = buffer.initialize(from: out)
            n = out.count
        }
        type = data.type
    }

    /// The values, decoded. The bytes were encoded in this process and never left memory, so a
    /// failure to decode is a bug, not damage.
    package func decode() -> ColumnData {
        var data = ColumnData(type: type)
        let n = count
        do {
            try bytes.withUnsafeBytes { raw in
                data.timestamps.reserveCapacity(n)
                try TimestampCodec.decode(UnsafeRawBufferPointer(rebasing: raw[0..<Int(stats.length)]), count: n, into: &data.timestamps)
                try SegmentReader.decodeValues(UnsafeRawBufferPointer(rebasing: raw[Int(stats.length)...]), count: n, into: &data)
            }
        } catch {
            preconditionFailure("BUG: a head chunk does not decode: \(error)")
        }
        return data
    }
}

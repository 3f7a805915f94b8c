import ChargelineCodec
import Synchronization
package import ChargelineCore

/// One sealed stretch of one (series, field) of the head: up to `HeadColumn.chunkValues`
/// values sorted by time with unique timestamps (repeats inside the chunk already resolved to
/// the last write), compressed with the segment codecs once `HeadSealing` gets to it (until
/// then the values are held as sealed), and the statistics a segment block carries (`stats`:
/// time span, count, min/max/sum/first/last), so aggregates and `latest` answer from it
/// without decoding.
///
/// Its values never change once built: readers share it, and the one swap from values to
/// their encoding happens under the chunk's own lock. Chunks of one column are kept in
/// write order, and may overlap in time (a late point seals into a later chunk); the merging
/// reader resolves overlaps, newest chunk winning.
package final class HeadChunk: @unchecked Sendable {
    /// Statistics as a segment block's (`offset` and `length` 0: the chunk's bytes are its own).
    package let stats: BlockMeta
    package let type: FieldType

    /// The values as sealed, until `compress` swaps in their encoding.
    private enum Storage {
        case values(ColumnData)
        /// The timestamp block's `tsLength` bytes, then the value block.
        case encoded([UInt8], tsLength: Int)
    }

    private let storage: Mutex<Storage>

    /// Bytes held (object, statistics and values: as sealed, or encoded once compressed), for
    /// the head's memory accounting.
    package var memoryBytes: Int {
        let held = storage.withLock { s -> Int in
            switch s {
            case .values(let d): Self.bytes(of: d)
            case .encoded(let b, _): b.capacity
            }
        }
        return 16 + MemoryLayout<BlockMeta>.stride + 48 + held
    }

    package var minTime: Int64 { stats.minTime }
    package var maxTime: Int64 { stats.maxTime }
    package var count: Int { Int(stats.count) }

    /// Seals `data` (non-empty, sorted, unique timestamps) as it is: numbers keep exact
    /// statistics; strings are flagged `noStats` as in segments. `compress` encodes it later.
    package init(_ data: ColumnData) {
        precondition(data.count > 0, "BUG: sealing an empty head chunk")
        stats = BlockMeta.stats(of: data, 0..<data.count, offset: 0, length: 0)
        type = data.type
        storage = Mutex(.values(data))
    }

    /// Whether `compress` has run.
    package var isCompressed: Bool {
        storage.withLock { if case .encoded = $0 { true } else { false } }
    }

    /// Encodes the values with the segment codecs (no second stage: a chunk is small, and the
    /// first-stage encodings hold most of the gain at a fraction of the cost) and keeps only
    /// the encoding; returns the bytes this gave back. Called once, off the writer's thread
    /// (`HeadSealing`); readers meanwhile read the values as sealed.
    func compress() -> Int {
        guard case .values(let data) = storage.withLock({ $0 }) else { return 0 }
        var out: [UInt8] = []
        out.reserveCapacity(data.count * 2 + 32)
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
        // A copy of exactly the encoded size: encoders reserve for the worst case, and that slack
        // would otherwise stay allocated as long as the chunk lives.
        let bytes = [UInt8](unsafeUninitializedCapacity: out.count) { buffer, n in
            _ = buffer.initialize(from: out)
            n = out.count
        }
        storage.withLock { $0 = .encoded(bytes, tsLength: tsLength) }
        return Self.bytes(of: data) - bytes.capacity
    }

    private static func bytes(of data: ColumnData) -> Int {
        data.timestamps.capacity * 8 + data.bits.capacity * 8 + data.stringBytes.capacity + data.stringEnds.capacity * 4
    }

    /// The values: as sealed, or decoded. The bytes were encoded in this process and never
    /// left memory, so a failure to decode is a bug, not damage.
    package func decode() -> ColumnData {
        let (bytes, tsLength): ([UInt8], Int)
        switch storage.withLock({ $0 }) {
        case .values(let data): return data
        case .encoded(let b, let t): (bytes, tsLength) = (b, t)
        }
        var data = ColumnData(type: type)
        let n = count
        do {
            try bytes.withUnsafeBytes { raw in
                data.timestamps.reserveCapacity(n)
                try TimestampCodec.decode(UnsafeRawBufferPointer(rebasing: raw[0..<tsLength]), count: n, into: &data.timestamps)
                try SegmentReader.decodeValues(UnsafeRawBufferPointer(rebasing: raw[tsLength...]), count: n, into: &data)
            }
        } catch {
            preconditionFailure("BUG: a head chunk does not decode: \(error)")
        }
        return data
    }
}

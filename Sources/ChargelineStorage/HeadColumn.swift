package import ChargelineCore

/// The in-memory values of one (series, field) in the head: sealed chunks in write order
/// (compressed, immutable, with statistics) and one open tail in arrival order.
///
/// The writer appends under the database lock; when the tail holds `chunkValues` values it is
/// sorted (last write wins among equal timestamps), sealed into a `HeadChunk` and replaced by
/// an empty one. A reader takes a `HeadColumnSnapshot` under the lock (references and a
/// count, no values copied) and reads it after releasing the lock.
package struct HeadColumn: Sendable {
    package let name: [UInt8]
    package let type: FieldType
    /// Sealed chunks, oldest write first.
    private(set) var sealed: [HeadChunk] = []
    private(set) var open: OpenChunk
    /// Values appended (repeated timestamps counted each time).
    private(set) var appended = 0

    /// Values per sealed chunk: large enough that the chunk's object and statistics cost
    /// about a byte per value and that statistics skip most decoding, small enough that the
    /// uncompressed tail (16 B/value) stays a minor part of a head that is flushed every few
    /// minutes.
    package static let chunkValues = 128
    /// The tail starts this small and doubles up to `chunkValues`: most series of a short-lived
    /// head hold a few values.
    static let initialCapacity = 8
    /// String bytes per chunk before it is sealed early.
    static let chunkStringBytes = 16 << 10

    package init(name: [UInt8], type: FieldType) {
        self.name = name
        self.type = type
        open = OpenChunk(type: type, capacity: Self.initialCapacity, byteCapacity: type == .string ? 256 : 0)
    }

    package var count: Int { appended }

    /// Approximate bytes held.
    package var memoryBytes: Int {
        sealed.reduce(0) { $0 + $1.memoryBytes } + open.memoryBytes + name.count + 64 + sealed.capacity * 8
    }

    /// Appends one value (`field.type` equals `type`); returns the change in bytes held.
    @inline(__always)
    package mutating func append(timestamp: Int64, field: FieldView) -> Int {
        let stringBytes = type == .string ? field.string!.count : 0
        var delta = 0
        if !open.hasRoom(stringBytes: stringBytes) { delta = makeRoom(stringBytes: stringBytes) }
        open.append(timestamp: timestamp, field: field)
        appended += 1
        return delta
    }

    /// Grows the tail, or seals it when it is full (then starts an empty one).
    private mutating func makeRoom(stringBytes: Int) -> Int {
        let before = open.memoryBytes
        let full = open.count >= Self.chunkValues || (type == .string && open.byteCount + stringBytes > Self.chunkStringBytes && open.count > 0)
        if full {
            let data = open.sortedSlice(count: open.count, sorted: open.isSorted, in: .all)
            let chunk = HeadChunk(data)
            sealed.append(chunk)
            open = OpenChunk(type: type, capacity: Self.initialCapacity,
                             byteCapacity: type == .string ? Swift.max(256, stringBytes) : 0)
            return chunk.memoryBytes + open.memoryBytes - before
        }
        let capacity = open.count < open.capacity ? open.capacity : Swift.min(open.capacity * 2, Self.chunkValues)
        let bytes = type == .string ? Swift.max(open.byteCapacity * 2, open.byteCount + stringBytes) : 0
        open = open.grown(capacity: capacity, byteCapacity: bytes)
        return open.memoryBytes - before
    }

    /// Whether this column's name equals `name`.
    @inline(__always)
    package func hasName(_ other: UnsafeRawBufferPointer) -> Bool {
        guard name.count == other.count else { return false }
        return name.withUnsafeBytes { memcmp($0.baseAddress!, other.baseAddress!, other.count) == 0 }
    }

    /// What a reader needs, taken under the lock that serializes the writer: references to the
    /// sealed chunks and the tail, and how much of the tail to read. Copies no value.
    package func snapshot() -> HeadColumnSnapshot {
        HeadColumnSnapshot(name: name, type: type, sealed: sealed, open: open, openCount: open.count, openSorted: open.isSorted)
    }
}

/// One (series, field) of a head as of the moment it was taken: immutable, read without a
/// lock (see `OpenChunk`'s contract).
package struct HeadColumnSnapshot: Sendable {
    package let name: [UInt8]
    package let type: FieldType
    /// Oldest write first.
    package let sealed: [HeadChunk]
    let open: OpenChunk
    let openCount: Int
    let openSorted: Bool

    /// Whether any value lies in `range` (a chunk's first or last timestamp answers alone;
    /// only a chunk spanning the whole range is decoded).
    package func hasValue(in range: TimeRange) -> Bool {
        for chunk in sealed where range.overlaps(minTime: chunk.minTime, maxTime: chunk.maxTime) {
            if range.contains(chunk.minTime) || range.contains(chunk.maxTime) { return true }
            if chunk.decode().indices(in: range).count > 0 { return true }
        }
        return tail(in: range).count > 0
    }

    /// The tail's values in `range`, sorted, repeats resolved to the last write.
    package func tail(in range: TimeRange) -> ColumnData {
        open.sortedSlice(count: openCount, sorted: openSorted, in: range)
    }
}

#if canImport(Glibc)
import Glibc
#endif

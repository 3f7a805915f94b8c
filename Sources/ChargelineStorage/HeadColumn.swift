package import ChargelineCore

/// The in-memory values of one (series, field) in the head: sealed chunks (compressed,
/// immutable, with statistics) and one open tail in arrival order.
///
/// The writer appends under the database lock; when the tail holds `chunkValues` values it is
/// sorted (last write wins among equal timestamps), sealed into a `HeadChunk` and replaced by
/// an empty one. A sealed chunk that starts after every chunk sealed before it ends (the
/// usual case: data arrives in time order) joins `ordered`, which is therefore sorted by time
/// and disjoint, so a read finds the chunks of a time range by binary search and the newest
/// directly; any other (it holds late points) joins `late`, kept in write order. No chunk of
/// `ordered` overlaps a chunk of `late` sealed before it, so "`ordered`, then `late`, then
/// the tail" is an order in which every chunk comes after the older writes it overlaps: the
/// merging reader's "newest write wins" holds with that as the age order.
///
/// A reader takes a `HeadColumnSnapshot` under the lock (references, a count and the tail's
/// statistics, no values copied) and reads it after releasing the lock.
package struct HeadColumn: Sendable {
    package let name: [UInt8]
    package let type: FieldType
    /// Sealed chunks that start after every chunk sealed before them ends: ascending, disjoint.
    private(set) var ordered: [HeadChunk] = []
    /// The other sealed chunks, oldest write first.
    private(set) var late: [HeadChunk] = []
    /// The greatest timestamp of any sealed chunk.
    private var sealedMaxTime = Int64.min
    private(set) var open: OpenChunk
    /// Values appended (repeated timestamps counted each time).
    private(set) var appended = 0
    /// The first `cutInterval` boundary after the tail's first value: a value at or past it
    /// seals a tail holding at least `minCutValues` (else it moves to the next boundary).
    private var cutAt = Int64.max

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
    /// Chunks end at UTC hour boundaries (epoch-aligned, as `GROUP BY time(1h)` buckets and
    /// rollup hours are) where a tail reaches one holding at least `minCutValues`: in-order
    /// data then seals into chunks that each lie inside one hour, so hourly aggregates answer
    /// from chunk statistics instead of decoding the chunks that would straddle an hour
    /// (about a third of them at 10 s sampling). Sparser series (60 s: 60 values an hour) keep
    /// full chunks: a chunk's fixed bytes stay spread over at least 64 values.
    package static let cutInterval: Int64 = 3_600_000_000_000
    static let minCutValues = chunkValues / 2

    package init(name: [UInt8], type: FieldType) {
        self.name = name
        self.type = type
        open = OpenChunk(type: type, capacity: Self.initialCapacity, byteCapacity: type == .string ? 256 : 0)
    }

    package var count: Int { appended }

    /// Approximate bytes held.
    package var memoryBytes: Int {
        ordered.reduce(0) { $0 + $1.memoryBytes } + late.reduce(0) { $0 + $1.memoryBytes } + open.memoryBytes + name.count + 80
            + (ordered.capacity + late.capacity) * 8
    }

    /// Appends one value (`field.type` equals `type`); returns the change in bytes held.
    @inline(__always)
    /// A chunk this seals is handed to `sealing` to be compressed.
    package mutating func append(timestamp: Int64, field: FieldView, sealing: HeadSealing) -> Int {
        let stringBytes = type == .string ? field.string!.count : 0
        var delta = 0
        if timestamp >= cutAt && open.count > 0 {
            if open.count >= Self.minCutValues {
                delta = seal(stringBytes: stringBytes, sealing: sealing)
            } else {
                cutAt = Self.boundary(after: timestamp)
            }
        }
        if !open.hasRoom(stringBytes: stringBytes) { delta += makeRoom(stringBytes: stringBytes, sealing: sealing) }
        if open.count == 0 { cutAt = Self.boundary(after: timestamp) }
        open.append(timestamp: timestamp, field: field)
        appended += 1
        return delta
    }

    /// The first `cutInterval` boundary after `t` (`Int64.max` past the last).
    static func boundary(after t: Int64) -> Int64 {
        let start = RollupBucket.floorDiv(t, cutInterval) &* cutInterval
        let (next, overflow) = start.addingReportingOverflow(cutInterval)
        return overflow ? .max : next
    }

    /// Grows the tail, or seals it when it is full (then starts an empty one).
    private mutating func makeRoom(stringBytes: Int, sealing: HeadSealing) -> Int {
        let full = open.count >= Self.chunkValues || (type == .string && open.byteCount + stringBytes > Self.chunkStringBytes && open.count > 0)
        if full { return seal(stringBytes: stringBytes, sealing: sealing) }
        let before = open.memoryBytes
        let capacity = open.count < open.capacity ? open.capacity : Swift.min(open.capacity * 2, Self.chunkValues)
        let bytes = type == .string ? Swift.max(open.byteCapacity * 2, open.byteCount + stringBytes) : 0
        open = open.grown(capacity: capacity, byteCapacity: bytes)
        return open.memoryBytes - before
    }

    /// Seals the tail into a chunk (sorted, repeats resolved to the last write) and starts an
    /// empty one with room for a string of `stringBytes`; returns the change in bytes held.
    private mutating func seal(stringBytes: Int, sealing: HeadSealing) -> Int {
        let before = open.memoryBytes
        let data = open.sortedSlice(count: open.count, sorted: open.isSorted, in: .all)
        let chunk = HeadChunk(data)
        sealing.enqueue(chunk)
        if chunk.minTime > sealedMaxTime { ordered.append(chunk) } else { late.append(chunk) }
        sealedMaxTime = Swift.max(sealedMaxTime, chunk.maxTime)
        open = OpenChunk(type: type, capacity: Self.initialCapacity,
                         byteCapacity: type == .string ? Swift.max(256, stringBytes) : 0)
        // Array growth of `ordered`/`late` is left out (8 B per chunk, counted by `memoryBytes`).
        return chunk.memoryBytes + open.memoryBytes - before
    }

    /// Whether this column's name equals `name`.
    @inline(__always)
    package func hasName(_ other: UnsafeRawBufferPointer) -> Bool {
        guard name.count == other.count else { return false }
        return name.withUnsafeBytes { memcmp($0.baseAddress!, other.baseAddress!, other.count) == 0 }
    }

    /// Every sealed chunk, in an order where each comes after the older writes it overlaps.
    package var sealed: [HeadChunk] { ordered + late }

    /// The greatest timestamp held, sealed or in the tail (`Int64.min` when none): what a
    /// snapshot's `sealedMaxTime` and tail say together, read without taking one.
    var newestTime: Int64 { open.count == 0 ? sealedMaxTime : Swift.max(sealedMaxTime, open.maxTime) }

    /// What a reader needs, taken under the lock that serializes the writer: references to the
    /// sealed chunks and the tail, how much of the tail to read and its statistics. Copies no
    /// value.
    package func snapshot() -> HeadColumnSnapshot {
        HeadColumnSnapshot(name: name, type: type, ordered: ordered, late: late,
                           tail: open.count == 0 ? nil : OpenTail(open), sealedMaxTime: sealedMaxTime)
    }
}

/// The open tail of one head column as of a snapshot (taken under the lock): a reference,
/// the number of values to read, their time span and, when exact, their statistics. Reads
/// copy values only when asked (`data(in:)`).
package struct OpenTail: Sendable {
    let chunk: OpenChunk
    let count: Int
    let sorted: Bool
    /// Earliest and latest timestamp held (before any range is applied).
    package let minTime: Int64
    package let maxTime: Int64
    /// The statistics without first and last (`OpenChunk.statisticsWithoutEnds`).
    private let partialStats: BlockMeta?

    /// Called under the lock that serializes the writer of `chunk`.
    init(_ chunk: OpenChunk) {
        self.chunk = chunk
        count = chunk.count
        sorted = chunk.isSorted
        minTime = chunk.minTime
        maxTime = chunk.maxTime
        partialStats = chunk.statisticsWithoutEnds()
    }

    /// As a sealed chunk's, when the tail's timestamps are strictly increasing and numeric
    /// (first and last read from the values here, outside the lock).
    package var stats: BlockMeta? { partialStats.map { chunk.completed($0) } }

    /// Whether `stats` is non-nil (without reading any value).
    var hasStats: Bool { partialStats != nil }

    /// The values in `range`, sorted, repeats resolved to the last write.
    package func data(in range: TimeRange) -> ColumnData {
        chunk.sortedSlice(count: count, sorted: sorted, in: range)
    }

    /// The newest value in `range` (among equal times the last written), without a copy.
    func latest(in range: TimeRange) -> LatestPoint? {
        // Strictly increasing timestamps: the newest is the last one written.
        if partialStats != nil && range.contains(maxTime) { return LatestPoint(time: maxTime, value: chunk.value(at: count - 1)) }
        guard let (t, i) = chunk.latest(count: count, in: range) else { return nil }
        return LatestPoint(time: t, value: chunk.value(at: i))
    }
}

/// One (series, field) of a head as of the moment it was taken: immutable, read without a
/// lock (see `OpenChunk`'s contract).
package struct HeadColumnSnapshot: Sendable {
    package let name: [UInt8]
    package let type: FieldType
    /// Ascending and disjoint (`HeadColumn.ordered`).
    package let ordered: [HeadChunk]
    /// Oldest write first (`HeadColumn.late`).
    package let late: [HeadChunk]
    /// Nil when the tail is empty.
    package let tail: OpenTail?
    /// The greatest timestamp of any sealed chunk (`Int64.min` when none): a tail starting
    /// after it holds the column's newest values, found without reading any chunk.
    package var sealedMaxTime = Int64.min

    /// Every sealed chunk, each after the older writes it overlaps.
    package var sealed: [HeadChunk] { ordered + late }

    /// The positions in `ordered` of the chunks overlapping `range`. Each probe reads a chunk
    /// object (a cache miss when many series are read), so the usual ranges cost few: a range
    /// starting before the first chunk ends or ending after the last one starts is answered
    /// by that chunk alone, and the first chunk in range is searched for from the newest
    /// backwards (galloping, then binary search), so a recent window touches about the
    /// chunks it reads anyway.
    package func orderedOverlapping(_ range: TimeRange) -> Range<Int> {
        let n = ordered.count
        guard n > 0 else { return 0..<0 }
        // First chunk ending at or after range.start: in lo...hi.
        var lo = 0, hi = n
        if range.start != Int64.min && ordered[0].maxTime < range.start {
            var step = 1
            while true {
                let probe = n - step
                if probe <= 0 { lo = 1; break }
                if ordered[probe].maxTime < range.start { lo = probe + 1; break }
                hi = probe
                step &*= 2
            }
            while lo < hi {
                let mid = (lo + hi) / 2
                if ordered[mid].maxTime < range.start { lo = mid + 1 } else { hi = mid }
            }
        } else {
            hi = 0
        }
        let first = hi
        // First chunk starting at or after range.end, at or after `first`.
        if first == n || range.end == Int64.max || ordered[n - 1].minTime < range.end { return first..<n }
        lo = first
        hi = n - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if ordered[mid].minTime < range.end { lo = mid + 1 } else { hi = mid }
        }
        return first..<lo
    }
}

extension HeadColumnSnapshot {
    /// Whether any value lies in `range` (a chunk's or the tail's first or last timestamp
    /// answers alone; only a chunk or tail spanning the whole range is decoded).
    package func hasValue(in range: TimeRange) -> Bool {
        let span = orderedOverlapping(range)
        for chunk in ordered[span] + late where range.overlaps(minTime: chunk.minTime, maxTime: chunk.maxTime) {
            if range.contains(chunk.minTime) || range.contains(chunk.maxTime) { return true }
            if chunk.decode().indices(in: range).count > 0 { return true }
        }
        guard let tail, range.overlaps(minTime: tail.minTime, maxTime: tail.maxTime) else { return false }
        if range.contains(tail.minTime) || range.contains(tail.maxTime) { return true }
        return tail.data(in: range).count > 0
    }
}

#if canImport(Glibc)
import Glibc
#endif

package import ChargelineCore
import Foundation

extension Database {
    /// What identifies the set of series and segments: changes whenever a flush, compaction or
    /// a write of a new series could change a catalog.
    package func catalogGeneration() -> [Int64] {
        lock.lock(); defer { lock.unlock() }
        var g: [Int64] = [Int64(active.seriesCount), Int64(frozen.count)]
        g += frozen.map { Int64($0.head.seriesCount) }
        // The segments and the deletes (a delete can take series out of the catalog).
        g += segmentSet.generation()
        return g
    }

    /// The generation of `measurement`'s catalog, and whether a catalog of it built at
    /// generation `built` still holds. As `catalogGeneration()`, with the measurement's field
    /// count and the active head's identity (the next data generation, taken when a head is
    /// frozen) in front; a catalog built earlier still holds when the only change is new
    /// series in the same active head and none of them is of `measurement`, so a new series
    /// elsewhere (an alert instance's history, a recording rule's output) leaves the catalog
    /// of the measurement the rules read as it was.
    package func catalogGeneration(measurement: String, since built: [Int64]?) -> (generation: [Int64], holds: Bool) {
        lock.lock(); defer { lock.unlock() }
        let headSeries = 2  // the index of the active head's series count in `g`
        var g: [Int64] = [Int64(schema.measurements[measurement]?.count ?? 0), Int64(bitPattern: segmentSet.nextSeq),
                          Int64(active.seriesCount), Int64(frozen.count)]
        g += frozen.map { Int64($0.head.seriesCount) }
        g += segmentSet.generation()
        guard let built, built.count == g.count, built[headSeries] <= g[headSeries] else { return (g, false) }
        for i in g.indices where i != headSeries && built[i] != g[i] { return (g, false) }
        // The active head numbers its series in order of arrival and never drops one.
        let prefix = Self.measurementPrefix(measurement)
        for si in Int(built[headSeries])..<Int(g[headSeries]) where Self.isSeries(active.key(of: si), ofMeasurement: prefix) {
            return (g, false)
        }
        return (g, true)
    }

    /// Builds the catalog of `measurement` from every segment index and both heads.
    package func buildCatalog(measurement: String) throws -> SeriesCatalog {
        let prefix = Self.measurementPrefix(measurement)
        func matches(_ key: ArraySlice<UInt8>) -> Bool { Self.isSeries(key, ofMeasurement: prefix) }
        lock.lock()
        let segments = segmentSet.partitions.values.flatMap { $0 }
        let heads = [active] + frozen.map(\.head)
        var keys = Set<[UInt8]>()
        for h in heads {
            for si in 0..<h.seriesCount where matches(h.key(of: si)) { keys.insert(Array(h.key(of: si))) }
        }
        let fields = schema.measurements[measurement] ?? [:]
        let tombstones = segmentSet.tombstoneFilter()
        lock.unlock()
        for s in segments {
            let index = try s.loadFlatIndex(fields: [])  // the keys section only
            // A dropped series (a delete of all time) leaves the catalog with the delete.
            for i in 0..<index.seriesCount where matches(index.key(i)) && !tombstones.erases(index.key(i), sourceSeq: s.info.seq) {
                keys.insert(Array(index.key(i)))
            }
        }
        return SeriesCatalog(measurement: measurement, keys: Array(keys), fields: fields)
    }

    /// Scans `fields` of the series `keys` over `range` through the one `MergedReader`: for
    /// each series, for each field, the chunks that hold its values, pruned by partition,
    /// segment, block and head chunk time. Segment blocks and sealed head chunks that no other
    /// source overlaps come back undecoded with their statistics; overlapping sources are
    /// merged (newest write wins) into one in-memory chunk.
    package func scan(keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [SeriesScan] {
        let reader = try mergedReader(keys: keys, matching: { _ in true }, fields: .ordered(fields), range: range, listKeys: false)
        // Many series are scanned on all cores, each thread a contiguous run of keys (in key
        // order, as the snapshots are, so lookups hit their hints).
        let threads = min(ProcessInfo.processInfo.activeProcessorCount, keys.count / Self.scanKeysPerThread, 8)
        if threads <= 1 {
            var scratch = MergedReader.Scratch()
            var out: [SeriesScan] = []
            out.reserveCapacity(keys.count)
            for key in keys { out.append(SeriesScan(key: key, fields: try reader.scan(key, scratch: &scratch))) }
            return out
        }
        let parts = try Parallel.map(threads) { t in
            var scratch = MergedReader.Scratch()
            var out: [SeriesScan] = []
            let slice = keys[(keys.count * t / threads)..<(keys.count * (t + 1) / threads)]
            out.reserveCapacity(slice.count)
            for key in slice { out.append(SeriesScan(key: key, fields: try reader.scan(key, scratch: &scratch))) }
            return out
        }
        return Array(parts.joined())
    }

    /// Fewest series per thread of a parallel scan: a series' scan costs a few microseconds
    /// (lookups and statistics, no decoding), so below this a thread's start costs more
    /// than it saves.
    static let scanKeysPerThread = 128
}

import ChargelineCore

/// One retention decision: a partition dropped (or that would be, in a dry run), rewritten
/// without expired measurements, or kept because rollups do not cover it yet.
public struct RetentionAction: Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case drop, rewrite, keep }
    public var database: String
    /// `raw` or the rollup name.
    public var tier: String
    public var partition: String
    public var kind: Kind
    /// Rows and bytes removed (or that would be).
    public var rows: Int
    public var bytes: Int
    public var reason: String

    public var description: String {
        "\(kind.rawValue) \(database) \(tier) \(partition): \(rows) rows, \(bytes) bytes (\(reason))"
    }
}

extension Database {
    /// Applies `policy` at time `now`: drops raw partitions whose data every measurement's raw
    /// retention has passed, rewrites partitions where only some measurements expired, and drops
    /// rollup partitions past the rollup retention. Raw data is never dropped before the rollup
    /// covers it (partition end at or before the watermark, no stale bucket inside).
    /// With `dryRun` nothing changes; the actions say what would happen.
    package func applyRetention(_ policy: RetentionPolicy, now: Int64, dryRun: Bool) throws -> [RetentionAction] {
        guard !readOnly else { return [] }
        var actions: [RetentionAction] = []
        if !dryRun { try flush() }
        let d = partitionDuration
        lock.lock()
        let starts = segmentSet.partitionStarts()
        let watermark = rollupChild == nil ? Int64.max : (rollups.currentWatermark() ?? .min)
        let staleStarts = rollups.staleStarts()
        lock.unlock()

        for start in starts {
            // A partition that cannot be read or rewritten (a damaged segment) is kept, logged
            // and reported; the others are still processed.
            do {
                let end = start &+ d
                let readers = segmentSet.readers(in: start)
                guard !readers.isEmpty else { continue }
                // Which measurements does the partition hold, and which have expired?
                var measurements = Set<String>()
                for r in readers {
                    let index = try r.loadFlatIndex(fields: [])  // the keys section only
                    for i in 0..<index.seriesCount { measurements.insert(SeriesKey.measurement(of: index.key(i))) }
                }
                let expired = measurements.filter { m in policy.raw(for: m).map { end <= now &- $0 } ?? false }
                guard !expired.isEmpty else { continue }
                let name = FileNames.partition(start: start)
                let rows = readers.reduce(0) { $0 + $1.info.rows }
                let bytes = readers.reduce(0) { $0 + $1.info.bytes }
                if end > watermark || staleStarts.contains(where: { $0 >= start && $0 < end }) {
                    actions.append(.init(database: self.name, tier: "raw", partition: name, kind: .keep, rows: rows, bytes: bytes,
                                         reason: "past retention but not yet covered by rollups (watermark \(watermark == .min ? "none" : CivilTime(nanoseconds: watermark).rfc3339))"))
                    continue
                }
                if expired.count == measurements.count {
                    actions.append(.init(database: self.name, tier: "raw", partition: name, kind: .drop, rows: rows, bytes: bytes,
                                         reason: "every measurement past its raw retention"))
                    if !dryRun { try dropPartition(start) }
                } else {
                    let action = RetentionAction(database: self.name, tier: "raw", partition: name, kind: .rewrite, rows: 0, bytes: 0,
                                                 reason: "measurements \(expired.sorted().joined(separator: ", ")) past their raw retention")
                    if dryRun {
                        actions.append(action)
                    } else {
                        let before = (rows, bytes)
                        try compactPartition(start, excludingMeasurements: expired, force: true)
                        let after = segmentSet.readers(in: start).reduce((0, 0)) { ($0.0 + $1.info.rows, $0.1 + $1.info.bytes) }
                        var a = action
                        a.rows = before.0 - after.0
                        a.bytes = before.1 - after.1
                        actions.append(a)
                    }
                }
            } catch {
                let problem = "retention skipped partition \(FileNames.partition(start: start)) of database \(name): \(error)"
                logger.error("\(problem)")
                actions.append(.init(database: self.name, tier: "raw", partition: FileNames.partition(start: start), kind: .keep,
                                     rows: 0, bytes: 0, reason: "could not be processed: \(error)"))
            }
        }
        if let child = rollupChild, let keep = policy.rollup {
            for var a in try child.applyRetention(RetentionPolicy(raw: keep), now: now, dryRun: dryRun) where a.kind != .keep {
                a.database = name
                a.tier = options.rollup.name
                a.reason = "past the rollup retention"
                actions.append(a)
            }
        }
        if !dryRun {
            let dropped = actions.filter { $0.kind != .keep }
            if !dropped.isEmpty {
                rollups.countRetention(partitions: dropped.filter { $0.kind == .drop }.count,
                                       rows: dropped.reduce(0) { $0 + $1.rows }, bytes: dropped.reduce(0) { $0 + $1.bytes })
                try storeRollupState()
            }
            for a in actions { logger.notice("retention: \(a)") }
        }
        return actions
    }

    /// Removes a partition: manifest first, then its files and folder.
    func dropPartition(_ start: Int64) throws {
        compactionMutex.lock(); defer { compactionMutex.unlock() }
        let readers = segmentSet.readers(in: start)
        let ids = Set(readers.map(\.info.id))
        try updateManifest(edit: .removed(start: start, ids: ids)) { m in
            m.segments.removeAll { $0.partitionStart == start && ids.contains($0.id) }
            Database.settle(&m, partition: start, seqs: nil)
        }
        for r in readers {
            try? r.ensureOpen()
            try? FileIO.remove(r.path)
        }
        FileIO.removeDirectoryIfEmpty(partitionDirectory(start))
    }
}

import ChargelineCore

extension Database {
    /// What `admitSeriesLocked` let through of a batch.
    struct SeriesAdmission {
        /// The batch to store: the input without `dropped`.
        var batch: WriteBatch
        /// Indices (in the input batch, ascending) of the points the quota refused.
        var dropped: [Int] = []
        /// The refusal to report; nil when nothing was refused.
        var drop: SeriesQuotaDrop?
    }

    /// Under `lock`: `batch` without its points whose series is new and finds the database at
    /// `StorageOptions.maxSeriesPerDatabase` series; the others (known series, and new ones
    /// while there is room) are admitted and their series counted. Costs one hash lookup per
    /// point and allocates nothing unless a point is refused. Called in WAL order, so series
    /// of batches still on their way through the WAL are counted too.
    func admitSeriesLocked(_ batch: WriteBatch) -> SeriesAdmission {
        let limit = options.maxSeriesPerDatabase
        guard limit > 0 else { return SeriesAdmission(batch: batch) }
        if seriesQuota == nil { seriesQuota = makeSeriesQuotaLocked(limit: limit) }
        var quota = seriesQuota!
        seriesQuota = nil  // moved out while it changes: no copy of its tables
        var dropped: [Int] = []
        var droppedValues = 0
        var index = 0
        batch.forEachPoint { point in
            defer { index += 1 }
            if quota.contains(point.seriesKey) { return }
            if quota.roomForOneMore(loadSegmentKeys: { loadSegmentKeysLocked(into: &$0) }) {
                quota.insert(point.seriesKey)
            } else {
                dropped.append(index)
                droppedValues += point.fieldCount
            }
        }
        seriesQuota = quota
        guard !dropped.isEmpty else { return SeriesAdmission(batch: batch) }
        return SeriesAdmission(batch: batch.removingPoints(at: dropped), dropped: dropped,
                               drop: SeriesQuotaDrop(points: dropped.count, values: droppedValues, limit: limit))
    }

    /// A quota counting the heads' series by key and the segments' by their manifest counts.
    private func makeSeriesQuotaLocked(limit: Int) -> SeriesQuota {
        var quota = SeriesQuota(limit: limit, segmentBound: segmentSet.totals().series)
        for head in [active] + frozen.map(\.head) {
            for i in 0..<head.table.count { quota.insert(head.table.key(i)) }
        }
        return quota
    }

    /// Inserts the key of every series in the segments (their indexes; keys only). A segment
    /// whose index cannot be read is left out with a warning: its series are then not counted,
    /// and `chargeline verify` names what is wrong with it.
    private func loadSegmentKeysLocked(into quota: inout SeriesQuota) {
        for readers in segmentSet.partitions.values {
            for reader in readers {
                do {
                    let index = try reader.loadFlatIndex(fields: [])
                    for s in 0..<index.seriesCount { quota.insert(index.key(s)) }
                } catch {
                    logger.warning("database \(name): series quota: cannot read the index of \(reader.path): \(error); its series are not counted")
                }
            }
        }
    }

    /// `rejected`, whose indices count points of a batch without `dropped`, with indices into
    /// the batch before the points at `dropped` (ascending) were removed.
    static func restoringIndices(_ rejected: [(pointIndex: Int, message: String)], dropped: [Int]) -> [(pointIndex: Int, message: String)] {
        guard !dropped.isEmpty, !rejected.isEmpty else { return rejected }
        var out = rejected
        var d = 0
        for i in out.indices {
            let k = out[i].pointIndex
            while d < dropped.count && dropped[d] <= k + d { d += 1 }
            out[i].pointIndex = k + d
        }
        return out
    }
}

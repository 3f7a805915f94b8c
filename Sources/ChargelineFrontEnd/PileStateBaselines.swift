package import ChargelineIngest

/// The piles a front-end (YKC: `ID` the packed pile code; OCPP: the charge point id) has dealt
/// with the `registered` baseline of (`pile_state`): every pile of the registry when it starts or
/// a reload adds it, and an unlisted pile at its first login.
///
/// A pile gets a baseline only when its `pile_state` series holds no `telemetry` yet (read back
/// through the sink): a restart, or a reload that lists a known pile again, does not rewrite the
/// baseline of a pile whose state is stored, which would reset its "last telemetry" to the
/// restart and hide a pile that was already silent. A pile whose registry entry is new (or whose
/// tags changed, so its series is another) has none and gets one. A sink that cannot read back
/// (a gateway's spool) counts every pile as not stored. Thread-safe.
package final class PileStateBaselines<ID: Hashable & Sendable>: Sendable {
    private let ids = Locked(Set<ID>())
    private let sink: any IngestSink
    private let database: String

    /// Baselines written through batchers that write to `database` of `sink`.
    package init(sink: any IngestSink, database: String) {
        self.sink = sink
        self.database = database
    }

    /// Records `id` (its state series `key`); true when it was not known yet and its state is
    /// not stored (its baseline is to be written). Reads storage only for an id not known yet.
    package func insert(_ id: ID, key: [UInt8]) -> Bool {
        guard ids.withLock({ $0.insert(id).inserted }) else { return false }
        return notStored([key]).contains(key)
    }

    /// Writes `registered`, stamped `now`, for the piles of `entries` not known yet whose state
    /// is not stored (`key` gives each one's pile-level state series); every pile of `entries`
    /// is known afterwards.
    /// - Returns: how many baselines were written.
    @discardableResult
    package func registerAll(_ entries: [ID: YKCPileInfo], key: (ID, YKCPileInfo) -> [UInt8], now: Int64,
                             batcher: TelemetryBatcher) -> Int {
        let fresh = ids.withLock { known in entries.filter { known.insert($0.key).inserted } }
        guard !fresh.isEmpty else { return 0 }
        let keyed = fresh.map { key($0.key, $0.value) }
        let missing = notStored(keyed)
        let all = keyed.filter { missing.contains($0) }
        // In slices, so a 100,000-pile registry does not hold the batcher's lock for long.
        for start in stride(from: 0, to: all.count, by: 1_000) {
            let slice = all[start..<min(start + 1_000, all.count)]
            batcher.add { b in
                for key in slice { YKCPileStateWriter.addRegistered(pileKey: key, timestamp: now, to: &b) }
            }
        }
        return all.count
    }

    /// The keys of `keys` with no stored `telemetry` (all of them when the sink cannot tell).
    private func notStored(_ keys: [[UInt8]]) -> Set<[UInt8]> {
        guard let stored = sink.storedSeries(keys, field: "telemetry", database: database) else { return Set(keys) }
        return Set(keys).subtracting(stored)
    }
}

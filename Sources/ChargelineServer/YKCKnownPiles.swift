import ChargelineCore
import ChargelineIngest

/// The piles this front-end has written a `registered` baseline for (`pile_state`): every pile
/// of the registry when it starts or a reload adds it, and an unlisted pile at its first
/// login. Thread-safe.
final class YKCKnownPiles: Sendable {
    private let codes = Locked(Set<UInt64>())

    /// Records `code`; true when it was not known yet (its baseline is to be written).
    func insert(_ code: UInt64) -> Bool {
        codes.withLock { $0.insert(code).inserted }
    }

    /// Writes `registered` for the registry's piles not known yet, stamped `now`.
    /// - Returns: how many were new.
    @discardableResult
    func registerAll(_ entries: [UInt64: YKCPileInfo], now: Int64, batcher: TelemetryBatcher) -> Int {
        let fresh = codes.withLock { known in entries.filter { known.insert($0.key).inserted } }
        guard !fresh.isEmpty else { return 0 }
        // In slices, so a 100,000-pile registry does not hold the batcher's lock for long.
        let all = Array(fresh)
        for start in stride(from: 0, to: all.count, by: 1_000) {
            let slice = all[start..<min(start + 1_000, all.count)]
            batcher.add { b in
                for (code, info) in slice {
                    let key = YKCSeriesKeys.pileState(pileText: YKCBytes.packedText(code, digits: 14), info: info)
                    YKCPileStateWriter.addRegistered(pileKey: key, timestamp: now, to: &b)
                }
            }
        }
        return all.count
    }
}

import NIOCore

/// A timing wheel: piles due every `interval`, spread over slots of `tick`. One repeating
/// task per worker advances every wheel, instead of one NIO timer per pile (tens of
/// thousands of timers make the event loop's scheduled-task heap the bottleneck).
final class SimWheel {
    private var slots: [[(SimPile, Int)]]
    private var cursor = 0

    init(interval: Double, tick: Double) {
        slots = Array(repeating: [], count: max(1, Int((interval / tick).rounded())))
    }

    /// Adds `pile` (for its current connection `epoch`) at a random phase.
    func add(_ pile: SimPile, epoch: Int) {
        let slot = (cursor + 1 + Int(pile.random.next() % UInt64(slots.count))) % slots.count
        slots[slot].append((pile, epoch))
    }

    /// Runs `body` for every pile due in the next slot whose connection is still the one it
    /// was added for; the others drop out.
    func advance(_ body: (SimPile) -> Void) {
        cursor = (cursor + 1) % slots.count
        let due = slots[cursor]
        slots[cursor].removeAll(keepingCapacity: true)
        for (pile, epoch) in due where pile.epoch == epoch && pile.loggedIn {
            body(pile)
            slots[cursor].append((pile, epoch))
        }
    }
}

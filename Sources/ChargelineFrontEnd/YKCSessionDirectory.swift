public import Foundation

/// The storage node's view of which gateway process each pile last logged in on, so a pile
/// that logs in again on *another* gateway (another process behind the same SO_REUSEPORT
/// port, or another machine) has its old connection closed within a second instead of at
/// its heartbeat timeout.
///
/// Gateways call `claim` (through `POST /ykc/sessions`) every 250 ms with the piles that
/// logged in on them since their last call, and receive the piles they must let go of: those
/// that a later claim, from another gateway, took over. Order is the order claims reach the
/// node (gateway clocks are never compared).
///
/// Held in memory: after a node restart the directory is empty, and gateways, seeing a new
/// `boot` identifier in the answer, claim all their current piles again.
public final class YKCSessionDirectory: Sendable {
    /// Identifies this process's directory; changes on every start.
    public let boot = UUID().uuidString.lowercased()

    /// A gateway that has not called for this long is forgotten (its evictions dropped).
    static let forgetAfterSeconds = 600.0

    private struct State {
        /// Gateway names by index, and the index of each name.
        var names: [String] = []
        var index: [String: Int] = [:]
        /// Pile code -> gateway index holding its latest claim.
        var owner: [UInt64: Int] = [:]
        /// Per gateway index: piles it must close.
        var evictions: [Int: Set<UInt64>] = [:]
        var lastSeen: [Int: Date] = [:]
    }

    private let state = Locked(State())

    public init() {}

    /// Records that `piles` logged in on `gateway` (in that order, after everything claimed
    /// before) and returns the piles `gateway` must close because another gateway claimed
    /// them later.
    public func claim(gateway: String, piles: [UInt64], now: Date = Date()) -> [UInt64] {
        state.withLock { s in
            let g: Int
            if let known = s.index[gateway] {
                g = known
            } else {
                g = s.names.count
                s.names.append(gateway)
                s.index[gateway] = g
            }
            s.lastSeen[g] = now
            for code in piles {
                if let previous = s.owner.updateValue(g, forKey: code), previous != g {
                    s.evictions[previous, default: []].insert(code)
                }
                s.evictions[g]?.remove(code)
            }
            // Gateways that stopped calling: their piles' eviction lists can only grow.
            for (other, seen) in s.lastSeen where other != g && now.timeIntervalSince(seen) > Self.forgetAfterSeconds {
                s.evictions[other] = nil
                s.lastSeen[other] = nil
            }
            return s.evictions.removeValue(forKey: g).map { $0.sorted() } ?? []
        }
    }

    /// Piles with a known gateway (for tests and status).
    public var count: Int { state.withLock { $0.owner.count } }
}

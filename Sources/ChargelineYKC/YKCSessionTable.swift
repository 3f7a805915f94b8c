import ChargelineFrontEnd
import NIOCore

/// Which connection each logged-in pile is on, so a pile that logs in again replaces its
/// old connection (a pile that rebooted or lost its link leaves a half-open socket behind).
///
/// Within one process `register` answers the connection to close. Across gateway processes
/// (`announcing` tables), logins are also queued as claims that `YKCSessionAnnouncer` sends
/// to the storage node, and the node's answer names piles that logged in on another gateway
/// since; `evict` then hands back their connections here.
final class YKCSessionTable: Sendable {
    private struct Entry {
        var channel: any Channel
        /// Login order in this process (1, 2, ...).
        var generation: UInt64
    }

    private struct State {
        var sessions: [UInt64: Entry] = [:]
        var nextGeneration: UInt64 = 1
        /// Logins not yet sent to the storage node (pile, generation), in login order.
        var claims: [(pile: UInt64, generation: UInt64)] = []
    }

    /// Whether logins are queued for the storage node (gateway processes).
    let announcing: Bool
    private let state = Locked(State())

    init(announcing: Bool = false) {
        self.announcing = announcing
    }

    /// Records `channel` as pile `code`'s connection; returns the connection it replaces.
    func register(_ code: UInt64, _ channel: any Channel) -> (any Channel)? {
        state.withLock { s in
            let old = s.sessions[code]
            s.sessions[code] = Entry(channel: channel, generation: s.nextGeneration)
            if announcing { s.claims.append((code, s.nextGeneration)) }
            s.nextGeneration += 1
            return old.flatMap { $0.channel === channel ? nil : $0.channel }
        }
    }

    /// Forgets pile `code` if `channel` is still its connection.
    func remove(_ code: UInt64, _ channel: any Channel) {
        state.withLock { s in
            if let current = s.sessions[code], current.channel === channel { s.sessions[code] = nil }
        }
    }

    /// Takes the queued claims (at most `limit`, oldest first; logins whose connection has
    /// already gone are skipped) and the generation they cover: every session at or below
    /// `through` has been claimed by this or an earlier call. With `all`, claims every current
    /// session again instead (the node restarted and forgot them).
    func takeClaims(limit: Int, all: Bool = false) -> (piles: [(pile: UInt64, generation: UInt64)], through: UInt64) {
        state.withLock { s in
            if all {
                s.claims = s.sessions.map { ($0.key, $0.value.generation) }.sorted { $0.generation < $1.generation }
            }
            var taken: [(pile: UInt64, generation: UInt64)] = []
            var used = 0
            for claim in s.claims {
                if taken.count == limit { break }
                used += 1
                if s.sessions[claim.pile]?.generation == claim.generation { taken.append(claim) }
            }
            s.claims.removeFirst(used)
            let through = s.claims.first.map { $0.generation - 1 } ?? s.nextGeneration - 1
            return (taken, through)
        }
    }

    /// Puts claims back at the front after a failed send.
    func requeue(_ claims: [(pile: UInt64, generation: UInt64)]) {
        state.withLock { s in s.claims.insert(contentsOf: claims, at: 0) }
    }

    /// Removes and returns pile `code`'s connection if its login is at or below generation
    /// `through` (a login after the claims the node answered is newer than the other
    /// gateway's and stays).
    func evict(_ code: UInt64, through: UInt64) -> (any Channel)? {
        state.withLock { s in
            guard let entry = s.sessions[code], entry.generation <= through else { return nil }
            s.sessions[code] = nil
            return entry.channel
        }
    }

    /// Logged-in piles.
    var count: Int { state.withLock { $0.sessions.count } }
}

/// Sent to a connection whose pile logged in on another connection.
struct YKCReplacedEvent: Sendable {}

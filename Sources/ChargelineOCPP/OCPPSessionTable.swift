import ChargelineFrontEnd
import NIOCore

/// Which connection each charge point is on (a new connection under the same id replaces the
/// old one: a charge point that rebooted leaves a half-open socket behind), and which charge
/// points had a BootNotification accepted in this process, so one that reconnects without
/// booting again is not refused.
final class OCPPSessionTable: Sendable {
    private struct State {
        var channels: [String: any Channel] = [:]
        var booted: Set<String> = []
    }

    private let state = Locked(State())

    /// Records `channel` as `id`'s connection; returns the connection it replaces.
    func register(_ id: String, _ channel: any Channel) -> (any Channel)? {
        state.withLock { s in
            let old = s.channels[id]
            s.channels[id] = channel
            return old.flatMap { $0 === channel ? nil : $0 }
        }
    }

    /// Forgets `id` if `channel` is still its connection.
    func remove(_ id: String, _ channel: any Channel) {
        state.withLock { s in
            if let current = s.channels[id], current === channel { s.channels[id] = nil }
        }
    }

    /// The connection of `id`, if connected.
    func channel(_ id: String) -> (any Channel)? { state.withLock { $0.channels[id] } }

    /// Marks `id` as booted (`true`) or not (a Pending/Rejected boot).
    func setBooted(_ id: String, _ booted: Bool) {
        state.withLock { s in
            if booted { s.booted.insert(id) } else { s.booted.remove(id) }
        }
    }

    /// Whether `id` had a BootNotification accepted in this process.
    func hasBooted(_ id: String) -> Bool { state.withLock { $0.booted.contains(id) } }

    /// Ids connected now.
    var connected: [String] { state.withLock { Array($0.channels.keys) }.sorted() }
}

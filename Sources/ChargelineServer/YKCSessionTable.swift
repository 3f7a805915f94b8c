import NIOCore

/// Which connection each logged-in pile is on, so a pile that logs in again replaces its
/// old connection (a pile that rebooted or lost its link leaves a half-open socket behind).
///
/// Covers one process: with several gateway processes on one port, an old connection in
/// another process is closed by its heartbeat timeout instead.
final class YKCSessionTable: Sendable {
    private let sessions = Locked([UInt64: any Channel]())

    /// Records `channel` as pile `code`'s connection; returns the connection it replaces.
    func register(_ code: UInt64, _ channel: any Channel) -> (any Channel)? {
        sessions.withLock { table in
            let old = table[code]
            table[code] = channel
            return old.flatMap { $0 === channel ? nil : $0 }
        }
    }

    /// Forgets pile `code` if `channel` is still its connection.
    func remove(_ code: UInt64, _ channel: any Channel) {
        sessions.withLock { table in
            if let current = table[code], current === channel { table[code] = nil }
        }
    }

    /// Logged-in piles.
    var count: Int { sessions.withLock { $0.count } }
}

/// Sent to a connection whose pile logged in on another connection.
struct YKCReplacedEvent: Sendable {}

import ChargelineFrontEnd
import NIOCore

/// One listener's connection count against its cap. Thread-safe: listeners accept on every
/// event loop.
final class ConnectionCap: Sendable {
    /// The most connections admitted at once.
    let limit: Int
    private let open = Locked(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Counts `channel` until it closes and returns true, or returns false (and counts nothing)
    /// when `limit` connections are open already.
    func admit(_ channel: any Channel) -> Bool {
        let admitted = open.withLock { n -> Bool in
            guard n < limit else { return false }
            n += 1
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { [open] _ in open.withLock { $0 -= 1 } }
        }
        return admitted
    }

    /// Connections admitted and not yet closed.
    var count: Int { open.withLock { $0 } }
}

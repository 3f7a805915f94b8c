import NIOCore

/// The open connections, so `shutdown()` can ask each to finish and wait for it.
final class ConnectionRegistry: Sendable {
    private let channels = Locked([ObjectIdentifier: any Channel]())

    /// Tracks `channel` until it closes.
    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [channels] _ in
            _ = channels.withLock { $0.removeValue(forKey: id) }
        }
    }

    /// The connections open now.
    var all: [any Channel] { channels.withLock { Array($0.values) } }
}

package import NIOCore

/// The open connections, so `shutdown()` can ask each to finish and wait for it.
package final class ConnectionRegistry: Sendable {
    /// An empty registry.
    package init() {}

    private let channels = Locked([ObjectIdentifier: any Channel]())

    /// Tracks `channel` until it closes.
    package func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [channels] _ in
            _ = channels.withLock { $0.removeValue(forKey: id) }
        }
    }

    /// The connections open now.
    package var all: [any Channel] { channels.withLock { Array($0.values) } }
}

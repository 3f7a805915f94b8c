/// How many connections each listener may hold at once, so that connections can never take the
/// file descriptors storage needs (WAL segments, segment files being read, manifests, logs).
package struct ConnectionCaps: Sendable, Equatable {
    /// Most HTTP connections.
    package var http: Int
    /// Most line-protocol TCP connections.
    package var lineProtocol: Int

    /// Caps as given.
    package init(http: Int, lineProtocol: Int) {
        self.http = http
        self.lineProtocol = lineProtocol
    }

    /// The caps for a process whose open-file limit is `openFileLimit`: half the limit (at least
    /// 256 descriptors) stays in reserve for storage, and the rest is shared by the listeners,
    /// three quarters to HTTP and one quarter to line protocol (collectors keep one long-lived
    /// TCP connection each; HTTP clients open more). With the usual 20,000-file limit: 7,500 HTTP
    /// and 2,500 line-protocol connections, 10,000 descriptors for storage.
    package static func defaults(openFileLimit: Int) -> ConnectionCaps {
        // Half: storage's need grows with databases and open segments, not with clients, and
        // an idle database costs descriptors too; 256: enough for a few dozen databases.
        let reserve = max(256, openFileLimit / 2)
        let forConnections = max(8, openFileLimit - reserve)
        return ConnectionCaps(http: max(4, forConnections * 3 / 4), lineProtocol: max(4, forConnections / 4))
    }

    /// The caps `configuration` asks for, each computed from `openFileLimit` where not set.
    package static func resolve(_ configuration: ServerConfiguration, openFileLimit: Int) -> ConnectionCaps {
        let d = defaults(openFileLimit: openFileLimit)
        return ConnectionCaps(http: configuration.maxHTTPConnections ?? d.http,
                              lineProtocol: configuration.maxLineProtocolConnections ?? d.lineProtocol)
    }
}

/// A host and port to listen on or connect to: every front-end's listener (HTTP API, line
/// protocol, YKC, OCPP) and a gateway's upstream storage node.
public struct NetworkEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// Host name or IP literal to bind, e.g. `127.0.0.1` or `0.0.0.0`.
    public var host: String
    /// TCP port; 0 asks the kernel for a free one (each front-end reports the port it got).
    public var port: Int

    /// An endpoint.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`.
    public var description: String { "\(host):\(port)" }
}

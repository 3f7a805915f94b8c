import ChargelineCore
public import Logging

/// A YKC gateway: the front-end with no storage of its own. Decoded telemetry goes to an
/// on-disk spool (`GatewaySpool`) and from there, in order, to a storage node's HTTP `/write`
/// (`GatewayForwarder`). Piles are answered whatever the node is doing; nothing is lost while
/// the node is slow, down or restarting, up to the spool's size. Logins are announced to the
/// node (`YKCSessionAnnouncer`) so a pile that moves to another gateway loses its old
/// connection here within a second.
public final class YKCGateway: Sendable {
    /// The pile front-end.
    public let frontEnd: YKCFrontEnd
    /// The spool as a sink: other front-ends of this gateway process (OCPP) write through it,
    /// so their telemetry is forwarded in the same order and survives the same outages.
    public let sink: any IngestSink
    private let spool: GatewaySpool
    private let forwarder: GatewayForwarder
    private let announcer: YKCSessionAnnouncer

    private init(frontEnd: YKCFrontEnd, sink: any IngestSink, spool: GatewaySpool, forwarder: GatewayForwarder,
                 announcer: YKCSessionAnnouncer) {
        self.frontEnd = frontEnd
        self.sink = sink
        self.spool = spool
        self.forwarder = forwarder
        self.announcer = announcer
    }

    /// Opens the spool, starts forwarding it to `upstream` and starts the front-end.
    /// `upstreamToken` authenticates to `upstream` when its auth is on (`user:password` or a
    /// bearer token); with `upstreamTLS` the node is reached over HTTPS.
    /// - Throws: `ChargelineError` when the spool directory is unusable or in use, the
    ///   registry cannot be read, or the address cannot be bound.
    public static func start(configuration: YKCConfiguration, upstream: ServerConfiguration.Endpoint,
                             spoolDirectory: String, spoolMaxBytes: Int, upstreamToken: String? = nil,
                             upstreamTLS: UpstreamTLS? = nil,
                             logger: Logger = Logger(label: "chargeline.gateway")) async throws -> YKCGateway {
        let spool = try GatewaySpool(directory: spoolDirectory, maxBytes: spoolMaxBytes, logger: logger)
        let forwarder = GatewayForwarder(spool: spool, host: upstream.host, port: upstream.port, token: upstreamToken,
                                         tls: upstreamTLS, logger: logger)
        forwarder.start()
        let sessions = YKCSessionTable(announcing: true)
        let announcer = YKCSessionAnnouncer(sessions: sessions, host: upstream.host, port: upstream.port, token: upstreamToken,
                                            tls: upstreamTLS, logger: logger)
        do {
            let sink = SpoolSink(spool: spool)
            let frontEnd = try await YKCFrontEnd.start(configuration: configuration, sink: sink,
                                                       sessions: sessions, logger: logger)
            announcer.start()
            logger.info("gateway forwarding to storage node", metadata: [
                "upstream": "\(upstreamTLS == nil ? "http" : "https")://\(upstream)/write", "spool": "\(spoolDirectory)", "spoolMaxBytes": "\(spoolMaxBytes)",
            ])
            return YKCGateway(frontEnd: frontEnd, sink: sink, spool: spool, forwarder: forwarder, announcer: announcer)
        } catch {
            forwarder.stop(graceSeconds: 0)
            spool.close()
            throw error
        }
    }

    /// Bytes spooled and not yet acknowledged by the storage node.
    public var spooledBytes: Int { spool.pendingBytes }

    /// One line of counters for logs.
    public var statusLine: String {
        "\(frontEnd.stats) spooledBytes=\(spool.pendingBytes) \(forwarder.stats) movedToOtherGateway=\(movedToOtherGateway)"
    }

    /// Connections closed because their pile logged in on another gateway.
    public var movedToOtherGateway: Int { announcer.evicted.withLock { $0 } }

    /// This gateway's name at the storage node (`/ykc/sessions?gateway=`).
    public var name: String { announcer.name }

    /// Stops the front-end (piles recorded offline), forwards what the node takes within
    /// `graceSeconds`, and closes the spool; the rest is forwarded by the next start.
    public func shutdown(graceSeconds: Double = 5) async {
        announcer.stop()
        await frontEnd.shutdown()
        forwarder.stop(graceSeconds: graceSeconds)
        spool.close()
    }
}

import ChargelineCore
public import ChargelineFrontEnd
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

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
    private let health: GatewayUpstreamHealth
    /// The operators' HTTP listener (`/health`, `/ready`, `/metrics`) and its event loop.
    private let http: (channel: any Channel, group: MultiThreadedEventLoopGroup)?

    private init(frontEnd: YKCFrontEnd, sink: any IngestSink, spool: GatewaySpool, forwarder: GatewayForwarder,
                 announcer: YKCSessionAnnouncer, health: GatewayUpstreamHealth,
                 http: (channel: any Channel, group: MultiThreadedEventLoopGroup)?) {
        self.frontEnd = frontEnd
        self.sink = sink
        self.spool = spool
        self.forwarder = forwarder
        self.announcer = announcer
        self.health = health
        self.http = http
    }

    /// Opens the spool, starts forwarding it to `upstream` and starts the front-end.
    /// `upstreamToken` authenticates to `upstream` when its auth is on (`user:password` or a
    /// bearer token); with `upstreamTLS` the node is reached over HTTPS. With `http`, also
    /// serves `GET /health`, `/ready` (503 while the node does not answer or the spool is nearly
    /// full) and `/metrics` (`metrics`: the YKC front-end's counters, `chargeline_spool_bytes`,
    /// `chargeline_spool_oldest_seconds`, `chargeline_upstream_up`, process metrics) there.
    /// - Throws: `ChargelineError` when the spool directory is unusable or in use, the
    ///   registry cannot be read, or an address cannot be bound.
    public static func start(configuration: YKCConfiguration, upstream: NetworkEndpoint,
                             spoolDirectory: String, spoolMaxBytes: Int, upstreamToken: String? = nil,
                             upstreamTLS: UpstreamTLS? = nil,
                             http: NetworkEndpoint? = nil, metrics: ServerMetrics? = nil,
                             logger: Logger = Logger(label: "chargeline.gateway")) async throws -> YKCGateway {
        let spool = try GatewaySpool(directory: spoolDirectory, maxBytes: spoolMaxBytes, logger: logger)
        let health = GatewayUpstreamHealth(upstream: "\(upstream)")
        let forwarder = GatewayForwarder(spool: spool, host: upstream.host, port: upstream.port, token: upstreamToken,
                                         tls: upstreamTLS, health: health, logger: logger)
        forwarder.start()
        let sessions = YKCSessionTable(announcing: true)
        let announcer = YKCSessionAnnouncer(sessions: sessions, host: upstream.host, port: upstream.port, token: upstreamToken,
                                            tls: upstreamTLS, health: health, logger: logger)
        var frontEnd: YKCFrontEnd?
        do {
            let sink = SpoolSink(spool: spool)
            let ykc = try await YKCFrontEnd.start(configuration: configuration, sink: sink,
                                                  sessions: sessions, logger: logger)
            frontEnd = ykc
            var listener: (channel: any Channel, group: MultiThreadedEventLoopGroup)?
            if let http {
                let metrics = metrics ?? ServerMetrics(version: "unknown")
                let database = configuration.database
                metrics.addCollector { [weak ykc] m in
                    if let ykc { m.record(ykc: ykc.stats, database: database) }
                    m.setGauge("chargeline_spool_bytes", to: Double(spool.pendingBytes))
                    m.setGauge("chargeline_spool_oldest_seconds", to: spool.oldestPendingSeconds)
                    m.setGauge("chargeline_upstream_up", to: health.current == .reachable ? 1 : 0)
                }
                let readiness: @Sendable () -> GatewayReadiness = {
                    GatewayReadiness(upstream: health.upstream, state: health.current, unreachableSeconds: health.unreachableSeconds,
                                     spoolBytes: spool.pendingBytes, spoolOldestSeconds: spool.oldestPendingSeconds,
                                     spoolMaxBytes: spoolMaxBytes)
                }
                listener = try await bindHTTP(http, sources: .init(metrics: metrics, readiness: readiness))
            }
            announcer.start()
            logger.info("gateway forwarding to storage node", metadata: [
                "upstream": "\(upstreamTLS == nil ? "http" : "https")://\(upstream)/write", "spool": "\(spoolDirectory)", "spoolMaxBytes": "\(spoolMaxBytes)",
                "http": "\(listener.map { "\(http!.host):\($0.channel.localAddress?.port ?? 0)" } ?? "off")",
            ])
            return YKCGateway(frontEnd: ykc, sink: sink, spool: spool, forwarder: forwarder, announcer: announcer,
                              health: health, http: listener)
        } catch {
            await frontEnd?.shutdown()
            forwarder.stop(graceSeconds: 0)
            spool.close()
            throw error
        }
    }

    /// Binds the operators' HTTP listener on its own one-thread event loop (scrapes and probes
    /// are a few requests a minute; the pile loops stay the piles').
    private static func bindHTTP(_ endpoint: NetworkEndpoint, sources: GatewayHTTPHandler.Sources) async throws
        -> (channel: any Channel, group: MultiThreadedEventLoopGroup)
    {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(GatewayHTTPHandler(sources: sources))
                }
            }
        do {
            return (try await bootstrap.bind(host: endpoint.host, port: endpoint.port).get(), group)
        } catch {
            try? await group.shutdownGracefully()
            throw ChargelineError(.io, "cannot listen for the gateway's HTTP API (/health, /ready, /metrics) on \(endpoint): "
                                  + "\(error); choose another --http host:port or stop the process that holds it", cause: error)
        }
    }

    /// The port of the HTTP listener (`/health`, `/ready`, `/metrics`); nil without one.
    public var httpPort: Int? { http?.channel.localAddress?.port }

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
        if let http {
            try? await http.channel.close()
            try? await http.group.shutdownGracefully()
        }
        announcer.stop()
        await frontEnd.shutdown()
        forwarder.stop(graceSeconds: graceSeconds)
        spool.close()
    }
}

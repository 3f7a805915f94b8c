import ChargelineCore
public import ChargelineFrontEnd
public import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import NIOPosix

/// The network front end: the InfluxDB 1.x compatible HTTP API and the raw line-protocol TCP
/// listener, both feeding an `IngestSink`. It owns their event loops, listeners and
/// connections; `serve` (ChargelineCommands) wires it to storage and the other front-ends.
///
/// Lifecycle: `start(...)` binds both listeners (or throws, leaving nothing running), and
/// `shutdown()` stops accepting, lets in-flight writes finish, and closes everything.
public final class ChargelineServer: Sendable {
    /// The configuration the server was started with.
    public let configuration: ServerConfiguration
    /// The port the HTTP API is bound to (the kernel's choice when configured as 0); `nil` when disabled.
    public let httpPort: Int?
    /// The port the line-protocol TCP listener is bound to; `nil` when disabled.
    public let lineProtocolPort: Int?
    /// The bound HTTP address for logs, e.g. `[IPv4]127.0.0.1/127.0.0.1:8086`.
    public let httpAddress: String?
    /// The bound line-protocol address for logs.
    public let lineProtocolAddress: String?

    private let group: MultiThreadedEventLoopGroup
    private let listeners: [any Channel]
    private let connections: ConnectionRegistry
    private let recorder: StatsRecorder
    private let logger: Logger
    private let shutDown = Locked(false)

    /// The connection caps in force (configured, or computed from the open-file limit).
    public var maxHTTPConnections: Int { caps.http }
    /// See `maxHTTPConnections`.
    public var maxLineProtocolConnections: Int { caps.lineProtocol }
    private let caps: ConnectionCaps

    /// The counters since start.
    public var stats: ServerStats { recorder.snapshot }

    /// Which gateway each YKC pile last logged in on, as gateways report it.
    public let ykcSessions: YKCSessionDirectory

    /// Where `POST /ocpp/trigger` finds the OCPP front-end: `serve` attaches it after starting it.
    public let chargePoints: ChargePointControlSlot

    private init(configuration: ServerConfiguration, group: MultiThreadedEventLoopGroup, http: (any Channel)?,
                 lineProtocol: (any Channel)?, connections: ConnectionRegistry, recorder: StatsRecorder, logger: Logger,
                 ykcSessions: YKCSessionDirectory, chargePoints: ChargePointControlSlot, caps: ConnectionCaps) {
        self.caps = caps
        self.chargePoints = chargePoints
        self.configuration = configuration
        self.ykcSessions = ykcSessions
        self.group = group
        self.listeners = [http, lineProtocol].compactMap { $0 }
        self.httpPort = http?.localAddress?.port
        self.lineProtocolPort = lineProtocol?.localAddress?.port
        self.httpAddress = http?.localAddress.map { String(describing: $0) }
        self.lineProtocolAddress = lineProtocol?.localAddress.map { String(describing: $0) }
        self.connections = connections
        self.recorder = recorder
        self.logger = logger
    }

    /// Starts the enabled listeners on a new event-loop group (one thread per core unless
    /// configured).
    ///
    /// - Parameters:
    ///   - sink: where writes go.
    ///   - queryHandler: answers `/query`.
    ///   - reportHandler: answers `GET /report/...`; `nil` answers 404 there.
    ///   - snapshotHandler: answers `POST /api/v1/snapshot`; `nil` answers 404 there.
    ///   - rules: answers `GET /api/v1/rules` and `/api/v1/alerts`; `nil` answers 404 there.
    ///   - readiness: answers `/ready`; until it is ready, writes, queries and reports answer
    ///     503. `nil`: ready from the start.
    ///   - metrics: counts requests and ingest into it and serves it at `GET /metrics`; `nil`
    ///     answers 404 there.
    ///   - authorizer: authenticates and authorizes HTTP requests (auth-enabled); `nil` lets
    ///     every request through.
    /// - Throws: `ChargelineError` (`.badInput`) for an invalid configuration, or (`.io`) naming
    ///   the address that could not be bound.
    public static func start(configuration: ServerConfiguration, sink: any IngestSink,
                             queryHandler: any QueryHandler,
                             reportHandler: (any ReportHandler)? = nil,
                             snapshotHandler: (any SnapshotHandler)? = nil,
                             rules: RulesEndpoint? = nil,
                             metrics: ServerMetrics? = nil,
                             readiness: DeferredBackend? = nil,
                             authorizer: RequestAuthorizer? = nil,
                             logger: Logger = Logger(label: "chargeline.server")) async throws -> ChargelineServer {
        try validate(configuration)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads ?? System.coreCount)
        let recorder = StatsRecorder(metrics: metrics)
        let connections = ConnectionRegistry()
        var settings = HTTPAPI(sink: sink, queryHandler: queryHandler,
                               reportHandler: reportHandler, stats: recorder,
                               maxBodySize: configuration.maxBodySize, logger: logger,
                               ykcSessions: YKCSessionDirectory(), readiness: readiness)
        settings.snapshotHandler = snapshotHandler
        settings.authorizer = authorizer
        settings.maxYKCClaims = configuration.maxYKCClaimsPerCall
        settings.maxValuesPerPoint = configuration.maxValuesPerPoint
        settings.writePieceBytes = configuration.writePieceBytes
        settings.rules = rules
        let api = settings
        let tcp = LineProtocolTCPHandler.Settings(
            sink: sink, database: configuration.lineProtocolDatabase, batchLines: configuration.lineProtocolBatchLines,
            batchBytes: configuration.lineProtocolBatchBytes, maxLineBytes: configuration.maxBodySize,
            maxValuesPerPoint: configuration.maxValuesPerPoint, stats: recorder, logger: logger)
        let caps = ConnectionCaps.resolve(configuration, openFileLimit: OpenFileLimit.current)
        let httpCap = ConnectionCap(limit: caps.http)
        let lineProtocolCap = ConnectionCap(limit: caps.lineProtocol)
        let timeouts = HTTPTimeoutHandler.Timeouts(configuration)
        metrics?.addCollector { m in
            m.setGauge("chargeline_http_connections", to: Double(httpCap.count))
            m.setGauge("chargeline_line_protocol_connections", to: Double(lineProtocolCap.count))
        }
        if let tls = configuration.tls {
            // One ServerTLS serves every listener of the process (YKC and OCPP too): its counts are exported here once.
            metrics?.addCollector { m in
                for (listener, count) in tls.handshakeFailures {
                    m.advanceCounter("chargeline_tls_handshake_failures_total", [("listener", listener.rawValue)], to: count)
                }
            }
        }
        let httpTLS = configuration.tls.flatMap { $0.covers(.http) ? ($0, TLSListener.http) : nil }
        let lineProtocolTLS = configuration.tls.flatMap { $0.covers(.lineProtocol) ? ($0, TLSListener.lineProtocol) : nil }
        var bound: [any Channel] = []
        do {
            var http: (any Channel)? = nil
            if let endpoint = configuration.http {
                http = try await bind(endpoint, what: "HTTP API", group: group, connections: connections,
                                      halfClosure: false, cap: httpCap, listener: "http",
                                      refusal: OverCapacityHandler.httpResponse(limit: caps.http),
                                      tls: httpTLS, recorder: recorder, logger: logger) { channel in
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPTimeoutHandler(timeouts: timeouts, stats: recorder, logger: logger))
                    try channel.pipeline.syncOperations.addHandler(ByteCountingHandler(stats: recorder))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(EmptyBodyEncodingHandler())
                    try channel.pipeline.syncOperations.addHandler(
                        NIOHTTPRequestDecompressor(limit: .size(api.maxBodySize)))
                    try channel.pipeline.syncOperations.addHandler(HTTPAPIHandler(api: api))
                }
                bound.append(http!)
            }
            var lineProtocol: (any Channel)? = nil
            if let endpoint = configuration.lineProtocol {
                lineProtocol = try await bind(endpoint, what: "line-protocol TCP", group: group,
                                              connections: connections, halfClosure: true, cap: lineProtocolCap,
                                              listener: "line_protocol", refusal: nil, tls: lineProtocolTLS,
                                              recorder: recorder, logger: logger) { channel in
                    try channel.pipeline.syncOperations.addHandler(LineProtocolTCPHandler(settings: tcp))
                }
                bound.append(lineProtocol!)
            }
            let server = ChargelineServer(configuration: configuration, group: group, http: http,
                                          lineProtocol: lineProtocol, connections: connections, recorder: recorder,
                                          logger: logger, ykcSessions: api.ykcSessions,
                                          chargePoints: api.chargePoints, caps: caps)
            logger.info("chargeline server listening", metadata: [
                "http": "\(server.httpAddress ?? "disabled")", "lineProtocol": "\(server.lineProtocolAddress ?? "disabled")",
                "tls": "\(configuration.tls.map { "\($0.listeners.map(\.rawValue).sorted()), \($0.certificateSummary)" } ?? "off")",
                "maxHTTPConnections": "\(caps.http)", "maxLineProtocolConnections": "\(caps.lineProtocol)",
            ])
            return server
        } catch {
            for channel in bound { try? await channel.close() }
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Binds one listener. A connection beyond `cap` gets only an `OverCapacityHandler`
    /// (answering `refusal`, or closed at once when nil or on a TLS listener: a refusal costs
    /// no handshake) and is counted as refused. With `tls`, every admitted connection starts
    /// with the TLS handshake, and `configure` adds the protocol's handlers after it.
    private static func bind(_ endpoint: ServerConfiguration.Endpoint, what: String,
                             group: MultiThreadedEventLoopGroup, connections: ConnectionRegistry, halfClosure: Bool,
                             cap: ConnectionCap, listener: String, refusal: [UInt8]?, tls: (ServerTLS, TLSListener)?,
                             recorder: StatsRecorder, logger: Logger,
                             configure: @escaping @Sendable (any Channel) throws -> Void) async throws -> any Channel {
        let lastWarning = Locked(NIODeadline.distantPast)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // 256 pending connections: enough for a burst of collectors reconnecting at once.
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: halfClosure)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if cap.admit(channel) {
                        if let tls { try tls.0.addHandlers(to: channel, listener: tls.1) }
                        try configure(channel)
                    } else {
                        recorder.countRefused(listener: listener)
                        try channel.pipeline.syncOperations.addHandler(OverCapacityHandler(response: tls == nil ? refusal : nil))
                        let now = NIODeadline.now()
                        // One warning per 10 s at most: a flood must not flood the log too.
                        let warn = lastWarning.withLock { last -> Bool in
                            guard now - last > .seconds(10) else { return false }
                            last = now
                            return true
                        }
                        if warn {
                            logger.warning("\(what) is at its connection cap: refusing new connections", metadata: [
                                "limit": "\(cap.limit)", "refusedSoFar": "\(recorder.snapshot.connectionsRefused)",
                                "fix": .string("raise the cap (--max-connections / --lp-max-connections, [http] / [line_protocol] "
                                    + "max_connection_limit) and the open-file limit together, or have clients reuse connections"),
                            ])
                        }
                    }
                    connections.add(channel)
                }
            }
        do {
            return try await bootstrap.bind(host: endpoint.host, port: endpoint.port).get()
        } catch {
            throw ChargelineError(
                .io, "cannot listen for \(what) on \(endpoint): \(error); choose another host/port or stop the "
                    + "process that holds it", cause: error)
        }
    }

    private static func validate(_ c: ServerConfiguration) throws {
        func bad(_ message: String) -> ChargelineError { ChargelineError(.badInput, "server configuration: \(message)") }
        guard c.maxBodySize > 0 else { throw bad("maxBodySize must be positive, got \(c.maxBodySize)") }
        guard c.lineProtocolBatchLines > 0 else { throw bad("lineProtocolBatchLines must be positive") }
        guard c.lineProtocolBatchBytes > 0 else { throw bad("lineProtocolBatchBytes must be positive") }
        guard c.writePieceBytes > 0 else { throw bad("writePieceBytes must be positive, got \(c.writePieceBytes)") }
        guard c.maxYKCClaimsPerCall > 0 else { throw bad("maxYKCClaimsPerCall must be positive, got \(c.maxYKCClaimsPerCall)") }
        if let threads = c.threads, threads <= 0 { throw bad("threads must be positive, got \(threads)") }
        for (name, value) in [("maxHTTPConnections", c.maxHTTPConnections), ("maxLineProtocolConnections", c.maxLineProtocolConnections)] {
            if let value, value <= 0 { throw bad("\(name) must be positive, got \(value)") }
        }
        for (name, value) in [("headerTimeoutSeconds", c.headerTimeoutSeconds), ("bodyTimeoutSeconds", c.bodyTimeoutSeconds),
                              ("idleTimeoutSeconds", c.idleTimeoutSeconds)] where !(value >= 0 && value.isFinite) {
            throw bad("\(name) must be 0 (off) or a positive number of seconds, got \(value)")
        }
        for endpoint in [c.http, c.lineProtocol].compactMap({ $0 }) where !(0...65535).contains(endpoint.port) {
            throw bad("port \(endpoint.port) of \(endpoint.host) is outside 0...65535")
        }
        if let problem = DatabaseName.problem(with: c.lineProtocolDatabase) {
            throw bad("lineProtocolDatabase: \(problem)")
        }
    }

    /// Stops accepting connections, asks every open connection to finish (HTTP connections
    /// close after the response in progress; TCP connections flush their complete lines and
    /// wait for the sink), waits up to `shutdownGracePeriodMilliseconds` for them, closes what
    /// is left, and stops the event loops. Calling it again does nothing.
    public func shutdown() async throws {
        let already = shutDown.withLock { done in
            defer { done = true }
            return done
        }
        guard !already else { return }
        for listener in listeners { try? await listener.close() }
        let open = connections.all
        for channel in open { channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
        let loop = group.next()
        let deadline = loop.scheduleTask(in: .milliseconds(configuration.shutdownGracePeriodMilliseconds)) {
            for channel in open { channel.close(promise: nil) }
        }
        try? await EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: loop).get()
        deadline.cancel()
        try await group.shutdownGracefully()
        logger.info("chargeline server stopped", metadata: ["stats": "\(stats)"])
    }
}

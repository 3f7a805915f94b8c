public import ChargelineCore
public import ChargelineFrontEnd
import ChargelineIngest
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

#if canImport(Glibc)
import Glibc
#endif

/// The OCPP 1.6J front-end: a WebSocket listener at `ws://HOST:PORT/ocpp/{chargePointId}`,
/// its connections, the transaction ledger and the telemetry batcher. Runs inside `serve`
/// (sink = the store) or in a gateway process (sink = the spool).
///
/// Lifecycle: `start` binds (or throws, leaving nothing running); `shutdown` stops accepting,
/// closes every connection (recording it offline), drains the batcher and stops the loops.
public final class OCPPFrontEnd: Sendable {
    /// The configuration it was started with.
    public let configuration: OCPPConfiguration
    /// The bound port (the kernel's choice when configured as 0).
    public let port: Int
    /// The registry, for `reloadRegistry()` on SIGHUP.
    public let directory: YKCPileDirectory

    private let group: MultiThreadedEventLoopGroup
    private let listener: any Channel
    private let connections: ConnectionRegistry
    private let shared: OCPPFrontEndContext
    private let tasks: [RepeatedTask]
    private let shutDown = Locked(false)

    /// Counters since start.
    public var stats: OCPPStats { shared.stats.snapshot }

    private init(configuration: OCPPConfiguration, port: Int, group: MultiThreadedEventLoopGroup, listener: any Channel,
                 connections: ConnectionRegistry, shared: OCPPFrontEndContext, tasks: [RepeatedTask]) {
        self.configuration = configuration
        self.port = port
        self.directory = shared.directory
        self.group = group
        self.listener = listener
        self.connections = connections
        self.shared = shared
        self.tasks = tasks
    }

    /// Loads the registry and the transaction ledger and binds the listener.
    /// - Throws: `ChargelineError` for an unreadable registry or ledger, or an address that cannot be bound.
    public static func start(configuration: OCPPConfiguration, sink: any IngestSink,
                             logger: Logger = Logger(label: "chargeline.ocpp")) async throws -> OCPPFrontEnd {
        let directory = try YKCPileDirectory(path: configuration.registryPath, unknownPiles: .accept, logger: logger)
        return try await start(configuration: configuration, directory: directory, sink: sink, logger: logger)
    }

    /// Starts with an existing registry directory (tests give an in-memory one).
    public static func start(configuration: OCPPConfiguration, directory: YKCPileDirectory, sink: any IngestSink,
                             logger: Logger) async throws -> OCPPFrontEnd {
        let ledger = try OCPPTransactionLedger(directory: configuration.stateDirectory, stride: configuration.transactionIDStride,
                                               offset: configuration.transactionIDOffset)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads ?? System.coreCount)
        let stats = OCPPStatsRecorder()
        let connections = ConnectionRegistry()
        let batcher = TelemetryBatcher(sink: sink, database: configuration.database, maxBufferedBytes: configuration.maxBufferedBytes,
                                       stats: stats, label: "OCPP", logger: logger)
        let baselines = PileStateBaselines<String>(sink: sink, database: configuration.database)
        let shared = OCPPFrontEndContext(configuration: configuration, directory: directory, sessions: OCPPSessionTable(),
                                         ledger: ledger, batcher: batcher, stats: stats, baselines: baselines, logger: logger)
        let maxBytes = configuration.maxMessageBytes
        let idle = TimeAmount.seconds(Int64(configuration.idleTimeoutSeconds))
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // A boot storm of thousands of charge points a second must not see refused connections.
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.maxMessagesPerRead, value: 256)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                connections.add(channel)
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: maxBytes, automaticErrorHandling: true,
                    shouldUpgrade: { channel, head in
                        switch OCPPHandshake.decide(head, directory: directory, requirePassword: configuration.requirePassword) {
                        case .accept:
                            return channel.eventLoop.makeSucceededFuture(HTTPHeaders([("Sec-WebSocket-Protocol", OCPPHandshake.subprotocol)]))
                        case .refuse:
                            return channel.eventLoop.makeSucceededFuture(nil)
                        }
                    },
                    upgradePipelineHandler: { channel, head in
                        guard case .accept(let id, let info) = OCPPHandshake.decide(head, directory: directory,
                                                                                    requirePassword: configuration.requirePassword) else {
                            return channel.close()
                        }
                        return channel.eventLoop.makeCompletedFuture {
                            let ops = channel.pipeline.syncOperations
                            try ops.addHandler(NIOWebSocketFrameAggregator(
                                // Fragments of at least 1 byte, at most 64 of them: a charge point cannot make the
                                // aggregator hold thousands of tiny buffers.
                                minNonFinalFragmentSize: 1, maxAccumulatedFrameCount: 64, maxAccumulatedFrameSize: maxBytes))
                            try ops.addHandler(IdleStateHandler(readTimeout: idle))
                            try ops.addHandler(OCPPChannelHandler(shared: shared, id: id, info: info))
                        }
                    })
                return channel.eventLoop.makeCompletedFuture {
                    if let tls = configuration.tls, tls.covers(.ocpp) { try tls.addHandlers(to: channel, listener: .ocpp) }
                    let refusal = OCPPRefusalHandler(shared: shared)
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                            context.pipeline.removeHandler(refusal, promise: nil)
                        }))
                    try channel.pipeline.syncOperations.addHandler(refusal)
                }
            }
        let listener = try await PileListener.bind(bootstrap, endpoint: configuration.endpoint, reusePort: configuration.reusePort,
                                                   group: group, what: "OCPP charge points")
        let loop = group.next()
        var tasks = [PileListener.flushTask(on: loop, milliseconds: configuration.flushMilliseconds, batcher)]
        // Every registry charge point whose state is not stored yet gets its `pile_state` baseline,
        // so one that never connects is found silent.
        baselines.registerAll(directory.entriesByID, key: stateKey, now: WallClock.nowNanoseconds(), batcher: batcher)
        if directory.path != nil {
            let poll = TimeAmount.seconds(Int64(max(1, configuration.registryPollSeconds)))
            tasks.append(loop.scheduleRepeatedTask(initialDelay: poll, delay: poll) { _ in
                let generation = directory.generation
                directory.reloadIfModified()
                if directory.generation != generation {
                    baselines.registerAll(directory.entriesByID, key: stateKey, now: WallClock.nowNanoseconds(), batcher: batcher)
                }
            })
        }
        let port = listener.localAddress?.port ?? configuration.endpoint.port
        logger.info("OCPP 1.6J front-end listening", metadata: [
            "url": "\(configuration.scheme)://\(configuration.endpoint.host):\(port)/ocpp/{chargePointId}", "database": "\(configuration.database)",
            "unknownChargePoints": "\(configuration.unknownChargePoints.rawValue)", "ledger": "\(ledger.path)",
            "openTransactions": "\(ledger.openTransactions.count)",
        ])
        return OCPPFrontEnd(configuration: configuration, port: port, group: group, listener: listener, connections: connections,
                            shared: shared, tasks: tasks)
    }

    /// Re-reads the registry file now (SIGHUP); charge points it adds get their `pile_state` baseline.
    public func reloadRegistry() {
        if directory.reload() {
            shared.baselines.registerAll(directory.entriesByID, key: stateKey, now: WallClock.nowNanoseconds(), batcher: shared.batcher)
        }
    }

    /// Charge point ids connected now.
    public var connectedChargePoints: [String] { shared.sessions.connected }

    /// Sends `TriggerMessage` for `message` (`MeterValues`, `StatusNotification`, ...) to a
    /// connected charge point and returns its answer's status (`Accepted`, `Rejected`, `NotImplemented`).
    /// - Throws: `ChargelineError` (`.notFound` when it is not connected, `.io` for a CALLERROR or timeout).
    public func trigger(_ chargePoint: String, message: String, connectorId: Int?) async throws -> String {
        var payload: [String: Any] = ["requestedMessage": message]
        if let connectorId { payload["connectorId"] = connectorId }
        return try await call(chargePoint, action: "TriggerMessage", payload: payload)
    }

    /// Sends `ChangeConfiguration` of `key` to `value` and returns the answer's status.
    /// - Throws: as `trigger`.
    public func changeConfiguration(_ chargePoint: String, key: String, value: String) async throws -> String {
        try await call(chargePoint, action: "ChangeConfiguration", payload: ["key": key, "value": value])
    }

    private func call(_ chargePoint: String, action: String, payload: [String: Any]) async throws -> String {
        guard let channel = shared.sessions.channel(chargePoint) else {
            throw ChargelineError(.notFound, "charge point \(chargePoint) is not connected")
        }
        let sendable = UncheckedPayload(payload)
        let promise = channel.eventLoop.makePromise(of: String.self)
        channel.eventLoop.execute {
            guard let handler = try? channel.pipeline.syncOperations.handler(type: OCPPChannelHandler.self) else {
                promise.fail(ChargelineError(.notFound, "charge point \(chargePoint) is not connected"))
                return
            }
            handler.call(action, sendable.value) { result in
                switch result {
                case .success(let answer): promise.succeed(((try? answer.string("status")) ?? nil) ?? "?")
                case .failure(let failure): promise.fail(ChargelineError(.io, "\(action) to \(chargePoint) failed: \(failure)"))
                }
            }
        }
        return try await promise.futureResult.get()
    }

    /// Stops accepting, closes every connection (each recorded offline), hands the last
    /// points to the sink and waits for it, then stops the event loops. Idempotent.
    public func shutdown() async {
        let already = shutDown.withLock { done in
            defer { done = true }
            return done
        }
        guard !already else { return }
        try? await listener.close()
        let open = connections.all
        for channel in open { channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
        let loop = group.next()
        _ = try? await loop.scheduleTask(in: .seconds(2)) {}.futureResult.get()
        for channel in connections.all { try? await channel.close() }
        try? await EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: loop).get()
        for task in tasks { task.cancel() }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in shared.batcher.drain { c.resume() } }
        try? await group.shutdownGracefully()
        shared.logger.info("OCPP front-end stopped", metadata: ["stats": "\(stats)"])
    }
}

/// A JSON payload handed to the event loop that owns the connection (JSON values are
/// immutable strings, numbers and containers of them).
/// The charge-point-level `pile_state` series of charge point `id`.
private func stateKey(_ id: String, _ info: YKCPileInfo) -> [UInt8] {
    YKCSeriesKeys.pileState(pileText: id, info: info)
}

private struct UncheckedPayload: @unchecked Sendable {
    let value: [String: Any]
    init(_ value: [String: Any]) { self.value = value }
}

import ChargelineCore
public import ChargelineFrontEnd
import ChargelineIngest
public import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The YKC pile front-end: a TCP listener, its connections and the telemetry batcher. Runs
/// inside `serve` (sink = the store) or as a gateway process (sink = the spool that forwards
/// to a storage node).
///
/// Lifecycle: `start` binds (or throws, leaving nothing running); `shutdown` stops accepting,
/// closes every pile connection (recording them offline), drains the batcher and stops the
/// event loops.
public final class YKCFrontEnd: Sendable {
    /// The configuration it was started with.
    public let configuration: YKCConfiguration
    /// The bound port (the kernel's choice when configured as 0).
    public let port: Int
    /// The registry, for `reloadRegistry()` on SIGHUP.
    public let directory: YKCPileDirectory

    private let group: MultiThreadedEventLoopGroup
    private let listener: any Channel
    private let connections: ConnectionRegistry
    private let batcher: TelemetryBatcher
    private let recorder: YKCStatsRecorder
    private let logger: Logger
    private let tasks: [RepeatedTask]
    private let sweepers: YKCSweepers
    private let shutDown = Locked(false)
    private let known: PileStateBaselines<UInt64>

    /// Counters since start.
    public var stats: YKCStats { recorder.snapshot }

    private init(configuration: YKCConfiguration, port: Int, directory: YKCPileDirectory, group: MultiThreadedEventLoopGroup,
                 listener: any Channel, connections: ConnectionRegistry, batcher: TelemetryBatcher,
                 recorder: YKCStatsRecorder, logger: Logger, tasks: [RepeatedTask], sweepers: YKCSweepers,
                 known: PileStateBaselines<UInt64>) {
        self.sweepers = sweepers
        self.known = known
        self.configuration = configuration
        self.port = port
        self.directory = directory
        self.group = group
        self.listener = listener
        self.connections = connections
        self.batcher = batcher
        self.recorder = recorder
        self.logger = logger
        self.tasks = tasks
    }

    /// Loads the registry and binds the listener.
    /// - Throws: `ChargelineError` for an unreadable registry or an address that cannot be bound.
    public static func start(configuration: YKCConfiguration, sink: any IngestSink,
                             logger: Logger = Logger(label: "chargeline.ykc")) async throws -> YKCFrontEnd {
        let directory = try YKCPileDirectory(path: configuration.registryPath, unknownPiles: configuration.unknownPiles,
                                             logger: logger)
        return try await start(configuration: configuration, directory: directory, sink: sink, logger: logger)
    }

    /// Starts with a session table shared with a `YKCSessionAnnouncer` (gateway processes).
    static func start(configuration: YKCConfiguration, sink: any IngestSink, sessions: YKCSessionTable,
                      logger: Logger) async throws -> YKCFrontEnd {
        let directory = try YKCPileDirectory(path: configuration.registryPath, unknownPiles: configuration.unknownPiles,
                                             logger: logger)
        return try await start(configuration: configuration, directory: directory, sink: sink, sessions: sessions, logger: logger)
    }

    /// Starts with an existing directory (tests give an in-memory registry).
    public static func start(configuration: YKCConfiguration, directory: YKCPileDirectory, sink: any IngestSink,
                             logger: Logger) async throws -> YKCFrontEnd {
        try await start(configuration: configuration, directory: directory, sink: sink, sessions: YKCSessionTable(), logger: logger)
    }

    static func start(configuration: YKCConfiguration, directory: YKCPileDirectory, sink: any IngestSink,
                      sessions: YKCSessionTable, logger: Logger) async throws -> YKCFrontEnd {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads ?? System.coreCount)
        let recorder = YKCStatsRecorder()
        let connections = ConnectionRegistry()
        let batcher = TelemetryBatcher(sink: sink, database: configuration.database,
                                          maxBufferedBytes: configuration.maxBufferedBytes, stats: recorder, label: "YKC",
                                          logger: logger)
        let sweepers = YKCSweepers(group: group)
        // Sweep every third of the shorter timeout: a dead pile is closed within 4/3 of it.
        let sweep = TimeAmount.seconds(Int64(max(1, min(configuration.heartbeatTimeoutSeconds,
                                                        configuration.loginTimeoutSeconds) / 3)))
        for s in sweepers.all { s.start(period: sweep) }
        let known = PileStateBaselines<UInt64>(sink: sink, database: configuration.database)
        let shared = YKCFrontEndContext(configuration: configuration, directory: directory, sessions: sessions,
                                        batcher: batcher, stats: recorder, sweepers: sweepers, known: known, logger: logger)
        let fileLimit = OpenFileLimit.current
        let tls = configuration.tls
        let capLog = Locked(NIODeadline.distantPast)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // 4096 pending connections (the kernel caps it at net.core.somaxconn): a login
            // storm of thousands of piles a second must not see refused connections.
            .serverChannelOption(.backlog, value: 4096)
            // Accept up to 256 connections per wake-up (NIO's default is 4): at 2,000 logins/s
            // on a busy loop, 4 per tick leaves SYNs waiting until piles time out.
            .serverChannelOption(.maxMessagesPerRead, value: 256)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptBackoffHandler(
                        shouldForwardIOErrorCaught: false,
                        backoffProvider: { error in
                            recorder.update { $0.acceptFailures += 1 }
                            if error.errnoCode == EMFILE || error.errnoCode == ENFILE {
                                let now = NIODeadline.now()
                                let log = capLog.withLock { last -> Bool in
                                    guard now - last > .seconds(10) else { return false }
                                    last = now
                                    return true
                                }
                                if log {
                                    logger.error("the open-file limit caps pile connections: accept failed, retrying in 1 s", metadata: [
                                        "limit": "\(fileLimit)", "connections": "\(recorder.snapshot.connections)",
                                        "fix": "raise LimitNOFILE / ulimit -n, or run more gateway processes (--ykc-processes)",
                                    ])
                                }
                            }
                            return .seconds(1)
                        }))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls, tls.covers(.ykc) { try tls.addHandlers(to: channel, listener: .ykc) }
                    try channel.pipeline.syncOperations.addHandler(YKCChannelHandler(shared: shared))
                    connections.add(channel)
                }
            }
        let listener = try await PileListener.bind(bootstrap, endpoint: configuration.endpoint, reusePort: configuration.reusePort,
                                                   group: group, what: "YKC piles")
        let loop = group.next()
        var tasks = [PileListener.flushTask(on: loop, milliseconds: configuration.flushMilliseconds, batcher)]
        // Every registry pile whose state is not stored yet gets its `pile_state` baseline, so one
        // that never connects is found silent (a restart keeps the baselines already stored).
        known.registerAll(directory.entries, key: Self.stateKey, now: WallClock.nowNanoseconds(), batcher: batcher)
        if directory.path != nil {
            let poll = TimeAmount.seconds(Int64(max(1, configuration.registryPollSeconds)))
            tasks.append(loop.scheduleRepeatedTask(initialDelay: poll, delay: poll) { _ in
                let generation = directory.generation
                directory.reloadIfModified()
                if directory.generation != generation {
                    known.registerAll(directory.entries, key: Self.stateKey, now: WallClock.nowNanoseconds(), batcher: batcher)
                }
            })
        }
        let port = listener.localAddress?.port ?? configuration.endpoint.port
        // Each connection holds one descriptor; keep a few dozen for the listener, the spool,
        // the upstream connection, logs and the registry file.
        let capacity = max(0, fileLimit - 64)
        logger.info("YKC front-end listening", metadata: [
            "address": "\(configuration.endpoint.host):\(port)", "reusePort": "\(configuration.reusePort)",
            "tls": "\(tls?.covers(.ykc) == true ? "on" : "off")",
            "openFileLimit": "\(fileLimit)", "maxPiles": "\(capacity)", "database": "\(configuration.database)",
        ])
        if fileLimit < 100_000 {
            logger.notice("""
                this process can hold at most about \(capacity) pile connections (open-file limit \(fileLimit)); \
                run more gateway processes (--ykc-processes) or raise the limit for more
                """)
        }
        return YKCFrontEnd(configuration: configuration, port: port, directory: directory, group: group, listener: listener,
                           connections: connections, batcher: batcher, recorder: recorder, logger: logger, tasks: tasks,
                           sweepers: sweepers, known: known)
    }

    /// The pile-level `pile_state` series of pile `code`.
    private static func stateKey(_ code: UInt64, _ info: YKCPileInfo) -> [UInt8] {
        YKCSeriesKeys.pileState(pileText: YKCBytes.packedText(code, digits: 14), info: info)
    }

    /// Re-reads the registry file now (SIGHUP); piles it adds get their `registered` baseline.
    public func reloadRegistry() {
        if directory.reload() { known.registerAll(directory.entries, key: Self.stateKey, now: WallClock.nowNanoseconds(), batcher: batcher) }
    }

    /// Stops accepting, closes all pile connections (each recorded offline), hands the last
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
        try? await EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: loop).get()
        for task in tasks { task.cancel() }
        for s in sweepers.all { s.stop() }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in batcher.drain { c.resume() } }
        try? await group.shutdownGracefully()
        logger.info("YKC front-end stopped", metadata: ["stats": "\(stats)"])
    }
}

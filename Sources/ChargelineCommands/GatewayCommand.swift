import ArgumentParser
import ChargelineCore
import ChargelineFrontEnd
import ChargelineIngest
import ChargelineOCPP
import ChargelineYKC
import Dispatch
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `chargeline gateway`: the YKC pile front-end as its own process, with no storage. It
/// answers piles and forwards decoded telemetry to a storage node (`chargeline serve`) over
/// HTTP `/write`, spooling to disk while the node is slow or away.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Run a YKC pile gateway that forwards telemetry to a storage node.",
        discussion: """
            Ingest channel: the gateway POSTs line protocol (nanosecond timestamps) to the node's \
            /write?db=DB&precision=ns; 204 is the acknowledgement (the node's WAL has it under its \
            fsync policy). Until then batches stay in the spool directory, in order, and survive a \
            gateway restart. Several gateways may share one --ykc port (SO_REUSEPORT). SIGHUP \
            reloads the pile registry; SIGINT/SIGTERM stop gracefully.
            """)

    @OptionGroup var ykc: YKCOptions

    @OptionGroup var ocpp: OCPPOptions

    @Option(name: .long, help: ArgumentHelp("Storage node's HTTP address (chargeline serve --http); https://host:port when its HTTP API speaks TLS.", valueName: "host:port"))
    var upstream: String

    @Option(name: .customLong("upstream-ca"), help: ArgumentHelp("With an https upstream: trust the CA certificates in this PEM file (default: the system's), host name checked.", valueName: "file"))
    var upstreamCA: String?

    @Option(name: .customLong("upstream-pin"), help: ArgumentHelp("With an https upstream: accept exactly the certificate in this PEM file (a self-signed node's --tls-cert), host name not checked.", valueName: "file"))
    var upstreamPin: String?

    @OptionGroup(title: "TLS") var tlsOptions: TLSOptions

    @Option(name: .customLong("upstream-token"), help: ArgumentHelp("Credentials for the storage node when its auth is on: a token from CREATE TOKEN FOR user, or user:password (default: $CHARGELINE_UPSTREAM_TOKEN; the user needs WRITE on the database and admin for /ykc/sessions).", valueName: "token"))
    var upstreamToken: String?

    /// The environment variable `--upstream-token` falls back to (kept out of `ps`).
    static let upstreamTokenVariable = "CHARGELINE_UPSTREAM_TOKEN"

    @Option(name: .long, help: ArgumentHelp("Address of the operators' HTTP API: GET /health, /ready (503 while the storage node does not answer or the spool is nearly full) and /metrics (Prometheus). Default off.", valueName: "host:port"))
    var http: String = "off"

    @Option(name: .long, help: ArgumentHelp("Spool directory (one per gateway process).", valueName: "dir"))
    var spool: String = "./chargeline-spool"

    @Option(name: .customLong("spool-max-bytes"), help: "Largest spool on disk; beyond it new telemetry is dropped and logged.")
    var spoolMaxBytes: Int = 1 << 30

    @Option(name: .customLong("log-level"), help: "Log level on stderr (default info).")
    var logLevel: String = "info"

    @Option(name: .customLong("status-seconds"), help: "Log a status line this often (0 = never).")
    var statusSeconds: Int = 60

    @Option(name: .customLong("parent-pid"), help: .hidden)
    var parentPID: Int32?

    func validate() throws {
        _ = try ykc.configuration()
        _ = try ocppConfiguration()
        _ = try upstreamTLS()
        _ = try ServeCommand.endpoint(http, "--http")
        guard spoolMaxBytes >= 1 << 20 else { throw ValidationError("--spool-max-bytes must be at least 1 MiB") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level \(logLevel)") }
    }

    /// The OCPP front-end of this gateway (`--ocpp`), sharing the YKC registry and database
    /// defaults; its transaction ledger lives in the spool directory.
    func ocppConfiguration() throws -> OCPPConfiguration? {
        try ocpp.configuration(registry: ykc.registry, database: ykc.db, stateDirectory: spool + "/ocpp")
    }

    /// The upstream's HTTPS settings (nil for http) from the URL and `--upstream-ca` / `--upstream-pin`.
    func upstreamTLS() throws -> UpstreamTLS? {
        guard try Self.upstreamEndpoint(upstream).secure else {
            if upstreamCA != nil || upstreamPin != nil {
                throw ValidationError("--upstream-ca and --upstream-pin need an https:// --upstream")
            }
            return nil
        }
        switch (upstreamCA, upstreamPin) {
        case (nil, nil): return UpstreamTLS(trust: .system)
        case (let ca?, nil): return UpstreamTLS(trust: .caFile(ca))
        case (nil, let pin?): return UpstreamTLS(trust: .pinned(pin))
        default: throw ValidationError("give --upstream-ca or --upstream-pin, not both")
        }
    }

    /// `host:port`, `http://host:port[/]` or `https://host:port[/]`.
    static func upstreamEndpoint(_ text: String) throws -> (endpoint: NetworkEndpoint, secure: Bool) {
        var t = Substring(text)
        let secure = t.hasPrefix("https://")
        if t.hasPrefix("http://") { t = t.dropFirst(7) }
        if secure { t = t.dropFirst(8) }
        while t.hasSuffix("/") { t = t.dropLast() }
        guard let e = try ServeCommand.endpoint(String(t), "--upstream"), e.port > 0 else {
            throw ValidationError("--upstream takes the storage node's HTTP host:port, e.g. 127.0.0.1:8086")
        }
        return (e.host == "0.0.0.0" ? .init(host: "127.0.0.1", port: e.port) : e, secure)
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "chargeline.gateway")
        if let parentPID { Self.exitWithParent(parentPID, logger) }
        let limits = OpenFileLimitReport.raise(logger)
        _ = limits
        let gateway: YKCGateway
        let tls: ServerTLS?
        let metrics = ServerMetrics(version: ChargelineVersion.string)
        do {
            tls = try tlsOptions.serverTLS(config: nil, available: [.ocpp, .ykc], logger: Logger(label: "chargeline.gateway.tls"))
            var configuration = try ykc.configuration()
            configuration.tls = tls
            gateway = try await YKCGateway.start(configuration: configuration, upstream: try Self.upstreamEndpoint(upstream).endpoint,
                                                 spoolDirectory: spool, spoolMaxBytes: spoolMaxBytes,
                                                 upstreamToken: upstreamToken ?? ProcessInfo.processInfo.environment[Self.upstreamTokenVariable],
                                                 upstreamTLS: try upstreamTLS(),
                                                 http: try ServeCommand.endpoint(http, "--http"),
                                                 metrics: metrics, logger: logger)
        } catch {
            throw fail(error)
        }
        let ocppFrontEnd: OCPPFrontEnd?
        do {
            if var configuration = try ocppConfiguration() {
                configuration.tls = tls
                let started = try await OCPPFrontEnd.start(configuration: configuration, sink: gateway.sink,
                                                           logger: Logger(label: "chargeline.gateway.ocpp"))
                metrics.addCollector { [weak started] m in
                    if let started { m.record(ocpp: started.stats, database: started.configuration.database) }
                }
                ocppFrontEnd = started
            } else {
                ocppFrontEnd = nil
            }
        } catch {
            await gateway.shutdown(graceSeconds: 5)
            throw fail(error)
        }
        if let ocppFrontEnd {
            Terminal.out("chargeline gateway: OCPP charge points on \(ocppFrontEnd.configuration.scheme)://\(ServeCommand.hostOf(ocpp.ocpp)):\(ocppFrontEnd.port)/ocpp/{chargePointId}\n")
        }
        Terminal.out("chargeline gateway: YKC piles\(tls?.covers(.ykc) == true ? " (TLS)" : "") on \(ykc.ykc.split(separator: ":").dropLast().joined(separator: ":")):\(gateway.frontEnd.port), forwarding to \(upstream.contains("://") ? upstream : "http://" + upstream)\n")
        if let port = gateway.httpPort {
            Terminal.out("chargeline gateway: /health, /ready and /metrics on http://\(ServeCommand.hostOf(http)):\(port)\n")
        }
        let hup = SignalWatcher(SIGHUP) {
            tls?.reload()
            gateway.frontEnd.reloadRegistry()
            ocppFrontEnd?.reloadRegistry()
        }
        let status = statusSeconds > 0 ? Self.every(statusSeconds) { logger.info("gateway status: \(gateway.statusLine)") } : nil
        let signal = await ShutdownSignal.wait()
        status?.cancel()
        hup.cancel()
        logger.info("\(signal) received: closing pile connections and forwarding what is spooled")
        await ocppFrontEnd?.shutdown()
        await gateway.shutdown(graceSeconds: 5)
        logger.info("gateway stopped: \(gateway.statusLine)")
    }

    /// Exits when the supervising `serve` process is gone: checks the parent once a second
    /// (prctl's PR_SET_PDEATHSIG is not exported to Swift). The spool keeps what was not
    /// forwarded for the next start.
    static func exitWithParent(_ pid: Int32, _ logger: Logger) {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now(), repeating: .seconds(1))
        timer.setEventHandler {
            if getppid() != pid {
                logger.error("supervising process \(pid) is gone; exiting")
                Glibc.exit(1)
            }
        }
        timer.resume()
        parentWatch.withLock { $0 = timer }
    }

    static func every(_ seconds: Int, _ body: @escaping @Sendable () -> Void) -> any DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + .seconds(seconds), repeating: .seconds(seconds))
        timer.setEventHandler(handler: body)
        timer.resume()
        return timer
    }
}

private let parentWatch = ParentWatchBox()

private final class ParentWatchBox: @unchecked Sendable {
    private let lock = NSLock()
    private var timer: (any DispatchSourceTimer)?
    func withLock(_ body: (inout (any DispatchSourceTimer)?) -> Void) { lock.lock(); body(&timer); lock.unlock() }
}

/// The YKC front-end options `gateway` and `serve --ykc` share.
struct YKCOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Address piles connect to.", valueName: "host:port"))
    var ykc: String = "127.0.0.1:8768"

    @Option(name: .long, help: ArgumentHelp("Pile registry CSV: pile,station,operator,model,rated_kw.", valueName: "file"))
    var registry: String?

    @Option(name: .customLong("unknown-piles"), help: "accept (tagged station=unregistered) or reject unknown piles at login (default: reject with a registry, accept without).")
    var unknownPiles: String?

    @Option(name: .long, help: ArgumentHelp("Billing model file (model, sharp/peak/flat/valley prices, 48 slots).", valueName: "file"))
    var billing: String?

    @Option(name: .long, help: "Database the telemetry goes to.")
    var db: String = "chargeline"

    @Option(name: .long, help: "Event-loop threads (default: one per core).")
    var threads: Int?

    func configuration() throws -> YKCConfiguration {
        guard let endpoint = try ServeCommand.endpoint(ykc, "--ykc") else { throw ValidationError("--ykc cannot be off here") }
        var unknown: YKCConfiguration.UnknownPiles?
        if let text = unknownPiles {
            guard let u = YKCConfiguration.UnknownPiles(rawValue: text) else {
                throw ValidationError("--unknown-piles takes accept or reject (got \(text))")
            }
            unknown = u
        }
        var model = YKCBillingModel.standard
        if let billing {
            do {
                model = try YKCBillingModel.parse(try String(contentsOfFile: billing, encoding: .utf8), source: billing)
            } catch {
                throw ValidationError("--billing: \(error)")
            }
        }
        if let registry, !FileManager.default.isReadableFile(atPath: registry) {
            throw ValidationError("--registry: cannot read \(registry)")
        }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive") }
        return YKCConfiguration(endpoint: endpoint, registryPath: registry, unknownPiles: unknown, billingModel: model,
                                database: db, threads: threads)
    }

    /// The same options as command-line arguments (for `serve` starting gateway children).
    var arguments: [String] {
        var a = ["--ykc", ykc, "--db", db]
        if let registry { a += ["--registry", registry] }
        if let unknownPiles { a += ["--unknown-piles", unknownPiles] }
        if let billing { a += ["--billing", billing] }
        if let threads { a += ["--threads", String(threads)] }
        return a
    }
}

/// Raises the open-file limit and says in the log how many piles it allows.
enum OpenFileLimitReport {
    static func raise(_ logger: Logger) -> Int {
        let (before, after) = OpenFileLimit.raiseToHard()
        if after > before {
            logger.info("raised the open-file limit from \(before) to \(after) (the hard limit)")
        }
        logger.info("open-file limit \(after): at most about \(max(0, after - 64)) pile connections in this process")
        return after
    }
}

/// Calls `body` on every delivery of `signal` until cancelled.
final class SignalWatcher: @unchecked Sendable {
    private let source: any DispatchSourceSignal

    init(_ sig: Int32, _ body: @escaping @Sendable () -> Void) {
        signal(sig, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler(handler: body)
        source.resume()
    }

    func cancel() { source.cancel() }
}

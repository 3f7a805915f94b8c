import ArgumentParser
import ChargelineQuery
import ChargelineServer
import ChargelineStorage
import Dispatch
import Foundation
import Logging

/// `chargeline serve`: open the store and answer piles and clients until SIGINT/SIGTERM.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server: InfluxDB 1.x HTTP API and line protocol over TCP on one store.",
        discussion: """
            SIGINT or SIGTERM shuts down gracefully: listeners stop, in-flight writes finish, the \
            head is flushed to segments. After a crash the next start replays the WAL tail.
            """)

    @OptionGroup var dataOptions: DataOptions

    @Option(name: .long, help: ArgumentHelp("HTTP API address (InfluxDB 1.x /write, /query, /ping); 'off' disables it.", valueName: "host:port"))
    var http: String = "127.0.0.1:8086"

    @Option(name: .customLong("lp-tcp"), help: ArgumentHelp("Line protocol over TCP (newline-delimited); 'off' disables it.", valueName: "host:port"))
    var lpTCP: String = "127.0.0.1:8089"

    @Option(name: .customLong("lp-db"), help: "Database that TCP line-protocol writes go to.")
    var lpDatabase: String = "chargeline"

    @Option(name: .customLong("max-body-size"), help: "Largest /write body accepted, in bytes (after gzip decompression).")
    var maxBodySize: Int = 25_000_000

    @Option(name: .customLong("query-timeout"), help: "Query timeout in seconds (0: none).")
    var queryTimeout: Double = 30

    @Option(name: .customLong("max-points"), help: "Most values one query may decode (0: no limit).")
    var maxPoints: Int = 500_000_000

    func validate() throws {
        _ = try Self.endpoint(http, "--http")
        _ = try Self.endpoint(lpTCP, "--lp-tcp")
        try Store.validate(databaseName: lpDatabase)
        if let level = dataOptions.logLevel, Logger.Level(rawValue: level) == nil {
            throw ValidationError("--log-level: unknown level \(level)")
        }
    }

    static func endpoint(_ text: String, _ flag: String) throws -> ServerConfiguration.Endpoint? {
        if text == "off" { return nil }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("\(flag) takes host:port (e.g. 127.0.0.1:8086, 0.0.0.0:8086) or off (got \(text))")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return .init(host: host.isEmpty ? "0.0.0.0" : host, port: port)
    }

    func run() async throws {
        try dataOptions.bootstrapLogging(default: .info)
        let logger = Logger(label: "chargeline")
        Self.raiseOpenFileLimit(logger)
        let store: Store
        let server: ChargelineServer
        do {
            store = try Store(directory: dataOptions.data, options: try dataOptions.storageOptions(background: true),
                              logger: Logger(label: "chargeline.storage"))
            for line in store.openReport { logger.info("\(line)") }
            logger.info("opened data directory \(dataOptions.data) in \(Terminal.format(store.openMilliseconds, 1)) ms (fsync \(store.options.fsync), rollups \(store.options.rollup.enabled ? "every \(store.options.rollup.interval / 1_000_000_000) s, grace \(store.options.rollup.grace / 1_000_000_000) s" : "off"))")
            let config = ServerConfiguration(
                http: try Self.endpoint(http, "--http"), lineProtocol: try Self.endpoint(lpTCP, "--lp-tcp"),
                maxBodySize: maxBodySize, lineProtocolDatabase: lpDatabase)
            let engine = QueryEngine(store: store, limits: QueryLimits(timeoutSeconds: queryTimeout, maxPointsScanned: maxPoints))
            server = try await ChargelineServer.start(configuration: config, sink: StorageSink(store: store),
                                                      queryHandler: EngineQueryHandler(engine: engine),
                                                      logger: Logger(label: "chargeline.server"))
        } catch {
            throw fail(error)
        }
        var banner = "Chargeline \(ChargelineVersion.string) serving \(dataOptions.data)\n"
        if let a = server.httpAddress, let p = server.httpPort {
            banner += "  InfluxDB 1.x HTTP API: http://\(Self.hostPart(a)):\(p)  (POST /write?db=NAME, GET /ping, /query)\n"
        }
        if let a = server.lineProtocolAddress, let p = server.lineProtocolPort {
            banner += "  line protocol over TCP: \(Self.hostPart(a)):\(p)  (database \(lpDatabase))\n"
        }
        banner += "  stop with Ctrl-C (SIGINT) or SIGTERM"
        Terminal.out(banner + "\n")

        let signal = await ShutdownSignal.wait()
        logger.info("\(signal) received: shutting down (finishing in-flight writes, flushing the head)")
        do {
            try await server.shutdown()
            try store.close()
        } catch {
            throw fail(error)
        }
        logger.info("stopped cleanly; \(server.stats)")
    }

    /// Raises the soft open-file limit to the hard limit: every connection and every segment
    /// being read holds a descriptor.
    static func raiseOpenFileLimit(_ logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        if limit.rlim_cur < limit.rlim_max {
            let before = limit.rlim_cur
            limit.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
                logger.info("raised the open-file limit from \(before) to \(limit.rlim_max)")
            }
        }
        logger.info("open-file limit: \(limit.rlim_cur) (connections plus open segments must stay below it)")
    }

    /// `[IPv4]127.0.0.1/127.0.0.1:8086` -> `127.0.0.1`.
    static func hostPart(_ address: String) -> String {
        var s = Substring(address)
        if let close = s.firstIndex(of: "]") { s = s[s.index(after: close)...] }
        if let slash = s.firstIndex(of: "/") { s = s[..<slash] }
        return String(s)
    }
}

/// Waits for SIGINT or SIGTERM.
enum ShutdownSignal {
    static func wait() async -> String {
        await withCheckedContinuation { (cont: CheckedContinuation<String, Never>) in
            let state = SignalState(cont)
            for (sig, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { state.fire(name) }
                source.resume()
                state.keep(source)
            }
        }
    }
}

private final class SignalState: @unchecked Sendable {
    private let lock = NSLock()
    private var cont: CheckedContinuation<String, Never>?
    private var sources: [any DispatchSourceSignal] = []

    init(_ cont: CheckedContinuation<String, Never>) { self.cont = cont }

    func keep(_ s: any DispatchSourceSignal) {
        lock.lock(); sources.append(s); lock.unlock()
    }

    func fire(_ name: String) {
        lock.lock()
        let c = cont
        cont = nil
        lock.unlock()
        c?.resume(returning: name)
    }
}

import ArgumentParser
import ChargelineAlerts
import ChargelineAuth
import ChargelineCore
import ChargelineFrontEnd
import ChargelineHTTPAPI
import ChargelineOCPP
import ChargelineQuery
import ChargelineReports
import ChargelineStorage
import ChargelineYKC
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

    @OptionGroup(title: "Alerting") var alertOptions: AlertOptions

    @OptionGroup(title: "TLS") var tlsOptions: TLSOptions

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

    @Option(name: .customLong("max-values"), help: "Values (rows x columns) all statements of one request may produce; a GROUP BY time() is charged buckets x series x calls before it runs (0: no limit; default 10,000,000 or [query] max_values).")
    var maxValuesFlag: Int?

    @Option(name: .customLong("max-select-buckets"), help: "GROUP BY time() buckets per series (default 1,000,000 or [query] max_select_buckets).")
    var maxSelectBuckets: Int?

    @Option(name: .customLong("max-select-series"), help: "Series one SELECT may read (0: no limit, the default; or [query] max_select_series).")
    var maxSelectSeries: Int?

    @Option(name: .customLong("max-statements"), help: "Statements in one /query request (0: no limit; default 100 or [query] max_statements).")
    var maxStatements: Int?

    @Option(name: .customLong("max-response-bytes"), help: "Bytes of one /query answer (0: no limit; default 268435456 or [query] max_response_bytes).")
    var maxResponseBytes: Int?

    /// The query limits from the flags over the `[query]` section.
    func queryLimits() throws -> QueryLimits {
        let file = try dataOptions.config.map { try Configuration.load($0).query } ?? [:]
        var l = QueryLimits(timeoutSeconds: queryTimeout, maxPointsScanned: maxPoints)
        l.maxValues = maxValuesFlag ?? file["max_values"] ?? l.maxValues
        l.maxBuckets = maxSelectBuckets ?? file["max_select_buckets"] ?? l.maxBuckets
        if l.maxBuckets == 0 { l.maxBuckets = Int.max / 2 }
        l.maxSelectSeries = maxSelectSeries ?? file["max_select_series"] ?? l.maxSelectSeries
        l.maxStatements = maxStatements ?? file["max_statements"] ?? l.maxStatements
        l.maxResponseBytes = maxResponseBytes ?? file["max_response_bytes"] ?? l.maxResponseBytes
        return l
    }

    // MARK: Authentication

    @Flag(name: .customLong("auth-enabled"), help: "Require users and privileges as InfluxDB 1.x's auth-enabled (also [http] auth_enabled = true): create the first admin with CREATE USER name WITH PASSWORD '...' WITH ALL PRIVILEGES.")
    var authEnabledFlag = false

    /// Whether auth is on: the flag, or `[http] auth_enabled = true`.
    func authEnabled() throws -> Bool {
        if authEnabledFlag { return true }
        return try dataOptions.config.map { try Configuration.load($0).http.authEnabled ?? false } ?? false
    }

    // MARK: Quotas

    @Flag(name: .customLong("auto-create"), inversion: .prefixedNo, help: "Whether a write creates its database (default yes, or [http] auto_create); --no-auto-create answers InfluxDB's 404 database not found.")
    var autoCreateFlag: Bool?

    @Option(name: .customLong("max-databases"), help: ArgumentHelp("Most databases writes may create (0: no limit, the default; or [http] max_databases); CREATE DATABASE is not counted.", valueName: "n"))
    var maxDatabasesFlag: Int?

    @Option(name: .customLong("max-ykc-claims"), help: ArgumentHelp("Most pile codes one POST /ykc/sessions call may claim (default 100,000).", valueName: "n"))
    var maxYKCClaims: Int?

    @Option(name: .customLong("max-series-per-database"), help: ArgumentHelp("Most series a database may hold; a point that would create one more is refused, the rest of its batch stored (InfluxDB's name and default 1,000,000; 0: no limit; or [storage] max_series_per_database).", valueName: "n"))
    var maxSeriesPerDatabase: Int?

    @Option(name: .customLong("max-values-per-point"), help: ArgumentHelp("Most fields one line-protocol point may carry over HTTP and TCP; a line with more is refused with its line number (default 1,000; 0: 65,535; or [http] max_values_per_point).", valueName: "n"))
    var maxValuesPerPoint: Int?

    /// The write quotas from the flags over `[http]`.
    func databaseQuotas() throws -> (autoCreate: Bool, maxDatabases: Int) {
        let file = try dataOptions.config.map { try Configuration.load($0).http } ?? Configuration.HTTPSection()
        let maxDatabases = maxDatabasesFlag ?? file.maxDatabases ?? 0
        guard maxDatabases >= 0 else { throw ValidationError("--max-databases must be 0 (no limit) or positive") }
        return (autoCreateFlag ?? file.autoCreate ?? true, maxDatabases)
    }

    // MARK: Connections

    @Option(name: .customLong("max-connections"), help: ArgumentHelp("Most HTTP connections at once; more are answered 503 (default: from the open-file limit, half kept for storage; overrides [http] max_connection_limit).", valueName: "n"))
    var maxConnections: Int?

    @Option(name: .customLong("lp-max-connections"), help: ArgumentHelp("Most line-protocol TCP connections at once; more are closed (default: from the open-file limit; overrides [line_protocol] max_connection_limit).", valueName: "n"))
    var lpMaxConnections: Int?

    @Option(name: .customLong("http-header-timeout"), help: ArgumentHelp("Seconds a request head may take after its first byte (default 10; 0: none).", valueName: "seconds"))
    var headerTimeout: Double?

    @Option(name: .customLong("http-body-timeout"), help: ArgumentHelp("Seconds a request body may pause (default 30; 0: none).", valueName: "seconds"))
    var bodyTimeout: Double?

    @Option(name: .customLong("http-idle-timeout"), help: ArgumentHelp("Seconds a keep-alive connection may wait for its next request (default 120; 0: none).", valueName: "seconds"))
    var idleTimeout: Double?

    /// The server configuration from the flags over the `[http]` and `[line_protocol]` sections.
    func serverConfiguration() throws -> ServerConfiguration {
        let file = try dataOptions.config.map { try Configuration.load($0) } ?? Configuration()
        var c = ServerConfiguration(
            http: try Self.endpoint(http, "--http"), lineProtocol: try Self.endpoint(lpTCP, "--lp-tcp"),
            maxBodySize: maxBodySize, lineProtocolDatabase: lpDatabase)
        c.maxHTTPConnections = maxConnections ?? file.http.maxConnections
        c.maxLineProtocolConnections = lpMaxConnections ?? file.lineProtocolMaxConnections
        func seconds(_ flag: Double?, _ key: Int64?, _ fallback: Double) -> Double {
            flag ?? key.map { Double($0) / 1e9 } ?? fallback
        }
        c.headerTimeoutSeconds = seconds(headerTimeout, file.http.headerTimeout, c.headerTimeoutSeconds)
        c.bodyTimeoutSeconds = seconds(bodyTimeout, file.http.bodyTimeout, c.bodyTimeoutSeconds)
        c.idleTimeoutSeconds = seconds(idleTimeout, file.http.idleTimeout, c.idleTimeoutSeconds)
        if let maxYKCClaims { c.maxYKCClaimsPerCall = maxYKCClaims }
        if let n = maxValuesPerPoint ?? file.http.maxValuesPerPoint {
            guard n >= 0 else { throw ValidationError("--max-values-per-point must be 0 (the parser's bound, 65,535) or positive") }
            c.maxValuesPerPoint = n
        }
        return c
    }

    // MARK: Scheduled reports

    @Option(name: .customLong("report-dir"), help: ArgumentHelp("Write each local day's report here once the day is closed and rolled up; late data re-issues the day (overrides [report] folder).", valueName: "dir"))
    var reportDir: String?

    @Option(name: .customLong("report-format"), help: ArgumentHelp("Formats of the scheduled reports, comma-separated: csv, json, html (default csv).", valueName: "list"))
    var reportFormat: String?

    @Option(name: .customLong("report-tz"), help: ArgumentHelp("Time zone of the scheduled reports' days (default: the machine's).", valueName: "zone"))
    var reportTZ: String?

    @Option(name: .customLong("report-level"), help: ArgumentHelp("Row level of the scheduled CSV/JSON reports: gun, pile or station (default gun).", valueName: "level"))
    var reportLevel: String?

    @Option(name: .customLong("report-db"), help: "Database of the scheduled reports (default: the --lp-db database).")
    var reportDatabase: String?

    /// The scheduled export's options from the flags over the `[report]` section; nil when no
    /// folder is configured.
    func reportExport() throws -> (ReportExportOptions, interval: Int64)? {
        let section = try dataOptions.config.map { try Configuration.load($0).report } ?? Configuration.ReportSection()
        guard let folder = reportDir ?? section.folder else { return nil }
        var o = ReportExportOptions(folder: folder)
        if let list = reportFormat.map({ $0.split(separator: ",").map(String.init) }) ?? section.formats {
            o.formats = try list.map { f in
                guard let format = ReportFormat(rawValue: f.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("report format \(f): use csv, json or html")
                }
                return format
            }
        }
        if let l = reportLevel ?? section.level {
            guard let level = ReportLevel(rawValue: l) else { throw ValidationError("report level \(l): use gun, pile or station") }
            o.level = level
        }
        o.report.database = reportDatabase ?? section.database ?? lpDatabase
        if let z = reportTZ ?? section.timeZone {
            guard let zone = TimeZone(identifier: z) else { throw ValidationError("report time zone \(z): use an IANA name such as Asia/Shanghai") }
            o.report.timeZone = zone
        }
        if let g = section.maxGap {
            do { o.report.maxGap = try DailyReportOptions.maxGap(parsing: g) } catch { throw ValidationError("report max_gap: \(error)") }
        }
        return (o, section.interval ?? 60_000_000_000)
    }

    // MARK: YKC piles

    @Option(name: .long, help: ArgumentHelp("YKC (云快充) pile front-end address, e.g. 0.0.0.0:8768; 'off' disables it.", valueName: "host:port"))
    var ykc: String = "off"

    @Option(name: .customLong("ykc-processes"), help: "Run the YKC front-end as this many supervised gateway processes sharing the port (0 = inside this process). Each process holds up to its open-file limit of piles.")
    var ykcProcesses: Int = 0

    @Option(name: [.customLong("registry"), .customLong("ykc-registry")], help: ArgumentHelp("Registry CSV of YKC piles and OCPP charge points (pile,station,operator,model,rated_kw,password); SIGHUP or a change reloads it. --ykc-registry is an alias.", valueName: "file"))
    var ykcRegistry: String?

    @Option(name: .customLong("ykc-unknown-piles"), help: "accept or reject piles missing from the registry (default: reject with a registry, accept without).")
    var ykcUnknownPiles: String?

    @Option(name: .customLong("ykc-billing"), help: ArgumentHelp("Billing model file answered to 0x05/0x09.", valueName: "file"))
    var ykcBilling: String?

    @Option(name: .customLong("ykc-db"), help: "Database YKC telemetry goes to (default: the --lp-db database).")
    var ykcDatabase: String?

    @Option(name: .customLong("ykc-spool-max-bytes"), help: "Spool size per gateway process (with --ykc-processes).")
    var ykcSpoolMaxBytes: Int = 1 << 30

    @Option(name: .customLong("gateway-http"), help: ArgumentHelp("With --ykc-processes N: gateway process i serves /health, /ready and /metrics on HOST:PORT+i (PORT to PORT+N-1); 'off' disables them.", valueName: "host:port"))
    var gatewayHTTP: String = "off"

    // MARK: OCPP charge points

    @OptionGroup var ocppOptions: OCPPOptions

    @Option(name: .customLong("ocpp-processes"), help: "Run the OCPP front-end in the YKC gateway processes (must equal --ykc-processes; 0 = inside this process).")
    var ocppProcesses: Int = 0

    /// The OCPP configuration, `nil` when `--ocpp off`; its ledger lives in `<data>/.ocpp`.
    func ocppConfiguration() throws -> OCPPConfiguration? {
        try ocppOptions.configuration(registry: ykcRegistry, database: ykcDatabase ?? lpDatabase,
                                      stateDirectory: dataOptions.data + "/.ocpp")
    }

    /// The YKC options as `gateway` takes them.
    func ykcOptions() throws -> YKCOptions? {
        guard ykc != "off" else { return nil }
        var args = ["--ykc", ykc, "--db", ykcDatabase ?? lpDatabase]
        if let ykcRegistry { args += ["--registry", ykcRegistry] }
        if let ykcUnknownPiles { args += ["--unknown-piles", ykcUnknownPiles] }
        if let ykcBilling { args += ["--billing", ykcBilling] }
        return try YKCOptions.parse(args)
    }

    func validate() throws {
        _ = try Self.endpoint(http, "--http")
        _ = try Self.endpoint(lpTCP, "--lp-tcp")
        try Store.validate(databaseName: lpDatabase)
        for (flag, value) in [("--max-values", maxValuesFlag), ("--max-select-buckets", maxSelectBuckets),
                              ("--max-select-series", maxSelectSeries), ("--max-statements", maxStatements),
                              ("--max-response-bytes", maxResponseBytes)] {
            if let value, value < 0 { throw ValidationError("\(flag) takes 0 (no limit) or a positive number (got \(value))") }
        }
        for (flag, value) in [("--max-connections", maxConnections), ("--lp-max-connections", lpMaxConnections)] {
            if let value, value <= 0 { throw ValidationError("\(flag) must be positive (got \(value))") }
        }
        for (flag, value) in [("--http-header-timeout", headerTimeout), ("--http-body-timeout", bodyTimeout),
                              ("--http-idle-timeout", idleTimeout)] {
            if let value, !(value >= 0 && value.isFinite) { throw ValidationError("\(flag) takes seconds, 0 or more (got \(value))") }
        }
        if let level = dataOptions.logLevel, Logger.Level(rawValue: level) == nil {
            throw ValidationError("--log-level: unknown level \(level)")
        }
        if try ocppConfiguration() != nil && ocppProcesses > 0 {
            // OCPP rides in the YKC gateway processes: their spool, forwarder and supervision.
            guard ocppProcesses == ykcProcesses, ykc != "off" else {
                throw ValidationError("--ocpp-processes runs OCPP in the YKC gateway processes: give --ykc and --ykc-processes \(ocppProcesses) too")
            }
        }
        if let options = try ykcOptions() {
            _ = try options.configuration()
            guard (0...64).contains(ykcProcesses) else { throw ValidationError("--ykc-processes must be 0...64") }
            if ykcProcesses > 0 && http == "off" {
                throw ValidationError("--ykc-processes needs the HTTP API (--http): gateways forward to its /write")
            }
        }
        _ = try gatewayHTTPEndpoints()
    }

    static func endpoint(_ text: String, _ flag: String) throws -> NetworkEndpoint? {
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
        var frontEnd: YKCFrontEnd?
        var ocppFrontEnd: OCPPFrontEnd?
        var supervisor: GatewaySupervisor?
        var exportService: ReportExportService?
        var ruleManager: RuleManager?
        let rulesEndpoint = RulesEndpoint()
        let metrics = ServerMetrics(version: ChargelineVersion.string)
        // The listeners bind first: a port in use is reported before anything is written to the
        // data directory, and /health, /ready and /metrics answer while the WAL replays.
        let backend = DeferredBackend(waitingFor: "opening the data directory and replaying the WAL")
        let snapshots = StoreSnapshotHandler(logger: Logger(label: "chargeline.snapshot"))
        var storageOptions: StorageOptions
        let export: (ReportExportOptions, Int64)?
        let users: UserStore
        var authorizer: RequestAuthorizer?
        var gatewayToken: String?
        let tls: ServerTLS?
        do {
            storageOptions = try dataOptions.storageOptions(background: true)
            if let n = maxSeriesPerDatabase {
                guard n >= 0 else { throw ValidationError("--max-series-per-database must be 0 (no limit) or positive") }
                storageOptions.maxSeriesPerDatabase = n
            }
            storageOptions.metricsFactory = metrics.metricsFactory
            export = try reportExport()
            if export != nil && !storageOptions.rollup.enabled {
                throw ValidationError("scheduled reports (--report-dir / [report] folder) follow the rollups: enable them ([rollup] enabled = true)")
            }
            var config = try serverConfiguration()
            tls = try tlsOptions.serverTLS(config: dataOptions.config, available: Set(TLSListener.allCases),
                                           logger: Logger(label: "chargeline.tls"))
            config.tls = tls
            users = try UserStore(directory: dataOptions.data)
            if try authEnabled() {
                // The gateway processes this server starts authenticate with a token that lives
                // in memory and in their environment only.
                gatewayToken = ykcProcesses > 0 ? Self.randomToken() : nil
                authorizer = RequestAuthorizer(users: users, internalToken: gatewayToken)
            }
            server = try await ChargelineServer.start(configuration: config, sink: backend, queryHandler: backend,
                                                      reportHandler: backend, snapshotHandler: snapshots, rules: rulesEndpoint,
                                                      metrics: metrics, readiness: backend, authorizer: authorizer,
                                                      logger: Logger(label: "chargeline.server"))
        } catch {
            throw fail(error)
        }
        do {
            store = try Store(directory: dataOptions.data, options: storageOptions, logger: Logger(label: "chargeline.storage"))
            StoreMetrics.register(store: store, on: metrics)
            for line in store.openReport { logger.info("\(line)") }
            let rollups = store.options.rollup.enabled
                ? "every \(DurationText.format(nanoseconds: store.options.rollup.interval)), grace \(DurationText.format(nanoseconds: store.options.rollup.grace))"
                : "off"
            logger.info("opened data directory \(dataOptions.data) in \(Terminal.format(store.openMilliseconds, 1)) ms (fsync \(store.options.fsync), rollups \(rollups))")
            try warnOfRetention(store, logger: logger)
            let engine = QueryEngine(store: store, limits: try queryLimits(), users: users)
            let quarantined = store.statistics().filter { $0.quarantinedSegments > 0 }.map {
                "database \($0.name): \($0.quarantinedSegments) damaged segments in quarantine/, their rows are not served (see the log and `chargeline verify`)"
            }
            let quotas = try databaseQuotas()
            if !quotas.autoCreate { try store.createDatabase(lpDatabase) }  // the TCP listener's
            let sink = DatabaseQuotaSink(StorageSink(store: store), autoCreate: quotas.autoCreate,
                                         maxDatabases: quotas.maxDatabases) { metrics.countQuotaRefusal(quota: $0) }
            backend.attach(sink: sink, queryHandler: EngineQueryHandler(engine: engine),
                           reportHandler: StoreReportHandler(store: store), warnings: quarantined)
            snapshots.attach(store)
            ruleManager = try alertOptions.start(engine: engine, data: dataOptions.data, database: lpDatabase,
                                                 httpBase: server.httpPort.map { "\(httpScheme(tls))://\(Self.hostOf(http)):\($0)" }, endpoint: rulesEndpoint)
            if let (options, interval) = export {
                let exporter = try DailyReportExporter(store: store, options: options)
                let reportLogger = Logger(label: "chargeline.report")
                exportService = ReportExportService(exporter: exporter, intervalSeconds: Double(interval) / 1e9) { message, isError in
                    if isError { reportLogger.error("\(message)") } else { reportLogger.info("\(message)") }
                }
                exportService?.start()
                logger.info("scheduled daily reports (\(options.formats.map(\.rawValue).joined(separator: ","))) of \(options.report.database) in \(options.report.timeZone.identifier) to \(options.folder)")
            }
            if let options = try ykcOptions() {
                if ykcProcesses == 0 {
                    var ykcConfiguration = try options.configuration()
                    ykcConfiguration.tls = tls
                    let ykcFrontEnd = try await YKCFrontEnd.start(
                        configuration: ykcConfiguration, sink: StorageSink(store: store), logger: Logger(label: "chargeline.ykc"))
                    let database = ykcDatabase ?? lpDatabase
                    metrics.addCollector { [weak ykcFrontEnd] m in
                        if let ykcFrontEnd { m.record(ykc: ykcFrontEnd.stats, database: database) }
                    }
                    frontEnd = ykcFrontEnd
                } else {
                    supervisor = try startGateways(options, httpPort: server.httpPort ?? 8086, token: gatewayToken, tls: tls, logger: logger)
                }
            }
            if ocppProcesses == 0, var configuration = try ocppConfiguration() {
                configuration.tls = tls
                let started = try await OCPPFrontEnd.start(configuration: configuration, sink: StorageSink(store: store),
                                                           logger: Logger(label: "chargeline.ocpp"))
                metrics.addCollector { [weak started] m in
                    if let started { m.record(ocpp: started.stats, database: started.configuration.database) }
                }
                ocppFrontEnd = started
                server.chargePoints.attach(ocppFrontEnd)
            }
        } catch {
            backend.fail("\(error)")
            ruleManager?.stop()
            exportService?.stop()
            try? await server.shutdown()
            throw fail(error)
        }
        if authorizer != nil {
            logger.info("auth enabled: \(users.users().count) users in \(dataOptions.data)/\(UserStore.fileName)\(users.hasAdmin ? "" : "; no admin yet: create one with CREATE USER name WITH PASSWORD '...' WITH ALL PRIVILEGES")")
        }
        for (name, address) in [("HTTP API", server.httpAddress), ("line protocol over TCP", server.lineProtocolAddress)] {
            if let address, !Self.isLoopback(Self.hostPart(address)) {
                if authorizer == nil {
                    logger.warning("the \(name) listens on \(Self.hostPart(address)), beyond this machine, without authentication: anyone who reaches it can write and read every database. Start with --auth-enabled (docs/operations.md, Security), or bind 127.0.0.1 (the default) behind a proxy that authenticates, or a firewall")
                } else if name != "HTTP API" {
                    logger.warning("the \(name) listens on \(Self.hostPart(address)), beyond this machine; it takes no credentials (as InfluxDB's TCP/UDP listeners): anyone who reaches it can write to database \(lpDatabase). Bind it to 127.0.0.1 or turn it off (--lp-tcp off) and write over HTTP")
                }
            }
        }
        var banner = "Chargeline \(ChargelineVersion.string) serving \(dataOptions.data)\n"
        if let a = server.httpAddress, let p = server.httpPort {
            banner += "  InfluxDB 1.x HTTP API: \(httpScheme(tls))://\(Self.hostPart(a)):\(p)  (POST /write?db=NAME, GET /ping, /query, /report/daily)\n"
        }
        if let a = server.lineProtocolAddress, let p = server.lineProtocolPort {
            banner += "  line protocol over TCP\(tls?.covers(.lineProtocol) == true ? " (TLS)" : ""): \(Self.hostPart(a)):\(p)  (database \(lpDatabase))\n"
        }
        if let frontEnd {
            banner += "  YKC piles\(tls?.covers(.ykc) == true ? " (TLS)" : ""): \(Self.hostOf(ykc)):\(frontEnd.port)  (database \(ykcDatabase ?? lpDatabase))\n"
        } else if supervisor != nil {
            banner += "  YKC piles\(tls?.covers(.ykc) == true ? " (TLS)" : ""): \(ykc)  (\(ykcProcesses) gateway processes, database \(ykcDatabase ?? lpDatabase))\n"
        }
        if supervisor != nil, let endpoints = try? gatewayHTTPEndpoints(), let first = endpoints.first, let last = endpoints.last {
            banner += "  gateway processes' /health, /ready, /metrics: http://\(first) ... http://\(last)\n"
        }
        if ocppProcesses > 0, supervisor != nil, ocppOptions.ocpp != "off" {
            banner += "  OCPP 1.6J charge points: \(tls?.covers(.ocpp) == true ? "wss" : "ws")://\(ocppOptions.ocpp)/ocpp/{chargePointId}  (\(ocppProcesses) gateway processes)\n"
        }
        if let ocppFrontEnd {
            banner += "  OCPP 1.6J charge points: \(ocppFrontEnd.configuration.scheme)://\(Self.hostOf(ocppOptions.ocpp)):\(ocppFrontEnd.port)/ocpp/{chargePointId}  (database \(ocppFrontEnd.configuration.database))\n"
        }
        banner += "  stop with Ctrl-C (SIGINT) or SIGTERM"
        Terminal.out(banner + "\n")

        let hup = SignalWatcher(SIGHUP) { [frontEnd, supervisor, ocppFrontEnd, ruleManager] in
            tls?.reload()
            frontEnd?.reloadRegistry()
            ocppFrontEnd?.reloadRegistry()
            ruleManager?.reload()
            for pid in supervisor?.pids ?? [] { kill(pid, SIGHUP) }
        }
        let signal = await ShutdownSignal.wait()
        hup.cancel()
        logger.info("\(signal) received: shutting down (finishing in-flight writes, flushing the head)")
        // Piles first: gateways forward their spools to the still-running HTTP API.
        supervisor?.stop(graceSeconds: 15)
        await frontEnd?.shutdown()
        server.chargePoints.attach(nil)
        await ocppFrontEnd?.shutdown()
        exportService?.stop()
        await ruleManager?.shutdown()
        do {
            try await server.shutdown()
            try store.close()
        } catch {
            throw fail(error)
        }
        logger.info("stopped cleanly; \(server.stats)")
    }

    /// Logs, loudly and before anything is served, every partition the configured retention
    /// would remove: a dry run of retention at start. Serve's first retention run comes one
    /// rollup interval after the start (the scheduler's first tick).
    private func warnOfRetention(_ store: Store, logger: Logger) throws {
        let r = store.options.retention
        guard r.defaultPolicy != RetentionPolicy() || r.databases.values.contains(where: { $0 != RetentionPolicy() }) else { return }
        let lines = RetentionPreview.warning(try store.applyRetention(dryRun: true), firstRun: store.options.rollup.interval,
                                             every: r.interval, config: dataOptions.config)
        for line in lines { logger.warning("\(line)") }
    }

    /// Starts `ykcProcesses` gateway children of this executable on the YKC port, each with
    /// its own spool under the data directory, forwarding to this server's HTTP API.
    private func startGateways(_ options: YKCOptions, httpPort: Int, token: String?, tls: ServerTLS?,
                               logger: Logger) throws -> GatewaySupervisor {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let httpHost = Self.hostOf(http)
        var upstream = "\(httpHost == "0.0.0.0" || httpHost == "::" ? "127.0.0.1" : httpHost):\(httpPort)"
        var tlsArguments: [String] = []
        if let tls {
            // The children's own listeners (OCPP, YKC) take the same certificate; they reach this
            // server over HTTPS and trust exactly the certificate it serves (read again per
            // connection, so a SIGHUP reload is followed).
            if tls.covers(.ocpp) || tls.covers(.ykc) { tlsArguments = TLSOptions.arguments(tls) }
            if tls.covers(.http) {
                upstream = "https://" + upstream
                tlsArguments += ["--upstream-pin", tls.certificatePath]
            }
        }
        let ocppCount = ocppOptions.ocpp != "off" ? ocppProcesses : 0
        let upstreamURL = upstream
        let base = options.arguments + (ocppCount > 0 ? ["--ocpp", ocppOptions.ocpp] + ocppOptions.arguments : []) + tlsArguments
        let data = dataOptions.data
        let pid = getpid()
        let level = dataOptions.logLevel ?? "info"
        let spoolMax = ykcSpoolMaxBytes
        // Share the cores: N processes x 1 event loop when N >= cores. More loops than cores
        // only add context switches and cross-loop wake-ups (accepted sockets handed over).
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount / ykcProcesses)
        let monitoring = try gatewayHTTPEndpoints()
        let supervisor = GatewaySupervisor(executable: executable, count: ykcProcesses, arguments: { i in
            ["gateway"] + base + ["--upstream", upstreamURL, "--spool", "\(data)/.ykc-spool/\(i)", "--parent-pid", "\(pid)",
                                  "--log-level", level, "--spool-max-bytes", "\(spoolMax)", "--threads", "\(threads)"]
                + (ocppCount > 0 ? ["--ocpp-id-stride", "\(ocppCount)", "--ocpp-id-offset", "\(i)"] : [])
                + (monitoring.isEmpty ? [] : ["--http", monitoring[i]])
        }, environment: token.map { [GatewayCommand.upstreamTokenVariable: $0] } ?? [:], logger: logger)
        try supervisor.start()
        return supervisor
    }

    /// The `host:port` of each gateway process's /health, /ready and /metrics (`--gateway-http`):
    /// consecutive ports from the one given; empty when off.
    func gatewayHTTPEndpoints() throws -> [String] {
        guard let endpoint = try Self.endpoint(gatewayHTTP, "--gateway-http") else { return [] }
        guard ykc != "off", ykcProcesses > 0 else {
            throw ValidationError("--gateway-http serves the gateway processes' /metrics: give --ykc and --ykc-processes N too")
        }
        guard endpoint.port > 0, endpoint.port + ykcProcesses - 1 <= 65535 else {
            throw ValidationError("--gateway-http needs a port from 1 to \(65536 - ykcProcesses) (gateway i listens on port + i; got \(endpoint.port))")
        }
        let host = Self.hostOf(gatewayHTTP)
        return (0..<ykcProcesses).map { "\(host):\(endpoint.port + $0)" }
    }

    /// `https` when the HTTP API speaks TLS, else `http`.
    private func httpScheme(_ tls: ServerTLS?) -> String { tls?.covers(.http) == true ? "https" : "http" }

    /// 32 random bytes as hex: the in-memory token of this server's own gateway processes.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// `host` of `host:port`.
    static func hostOf(_ text: String) -> String {
        guard let colon = text.lastIndex(of: ":") else { return text }
        return String(text[..<colon])
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
    /// Whether `host` (an address as `hostPart` prints it) is a loopback address.
    static func isLoopback(_ host: String) -> Bool {
        host.hasPrefix("127.") || host == "::1" || host == "localhost"
    }

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

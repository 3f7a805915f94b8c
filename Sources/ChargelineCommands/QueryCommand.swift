import ArgumentParser
import ChargelineCore
import ChargelineQuery
import ChargelineStorage
import Foundation

/// `chargeline query`: runs a query (InfluxQL plus Chargeline's fault-detection extensions,
/// docs/query-language.md) on a data directory, or on a running server with `--server`.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run a query on a data directory or a server.",
        discussion: """
            Embedded mode opens the data directory read-only, so it works beside a running server. \
            Statements separated by ';' run in order. Reference: docs/query-language.md.
            Examples:
              chargeline query --data ./data --db chargeline "SELECT mean(voltage) FROM telemetry WHERE pile = 'P000012' AND time > now() - 1h GROUP BY time(10m)"
              chargeline query --server http://127.0.0.1:8086 --db chargeline "SHOW SILENT SERIES FROM telemetry FOR 10m GROUP BY pile"
              chargeline query --data ./data --file Queries/overheating-guns
            """)

    @OptionGroup var dataOptions: DataOptions

    @Option(name: .long, help: "Database.")
    var db: String = "chargeline"

    @Option(name: .long, help: ArgumentHelp("Send the query to a running server instead of opening --data.", valueName: "http://host:port"))
    var server: String?

    @Option(name: .long, help: "Output format: table, csv or json (InfluxDB 1.x /query JSON).")
    var format: OutputFormat = .table

    @Option(name: .long, help: ArgumentHelp("Run a stored query: a file, or a name in Queries/ (text before a ---- line).", valueName: "path"))
    var file: String?

    @Option(name: .long, help: "Print times as epoch numbers in this unit (h, m, s, ms, u, ns) instead of RFC 3339.")
    var epoch: String?

    @Option(name: .long, help: "Evaluate now() at this time (RFC 3339 or epoch with unit); default: the clock.")
    var now: String?

    @Option(name: .customLong("query-timeout"), help: "Query timeout in seconds (0: none).")
    var timeout: Double = 30

    @Option(name: .customLong("max-points"), help: "Most values a query may decode (0: no limit).")
    var maxPoints: Int = 500_000_000

    @Option(name: .customLong("max-values"), help: "Values (rows x columns) all statements together may produce (0: no limit; serve's default).")
    var maxValues: Int = 10_000_000

    @Option(name: .customLong("repeat"), help: "Benchmark: run the query this many times in the same process and print min/median/max latency to stderr (embedded mode).")
    var repeats: Int = 1

    @Flag(name: .long, help: "Print to stderr how each statement was answered: rollup rows read (transparent reads) and raw values decoded (embedded mode).")
    var explain = false

    @Flag(name: .customLong("no-rollups"), help: "Read raw data only, never rollup rows (to compare; embedded mode).")
    var noRollups = false

    @Argument(help: "The query (omit with --file).")
    var query: String?

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

    func validate() throws {
        if query == nil && file == nil { throw ValidationError("give a query, or --file Queries/<name>") }
        if query != nil && file != nil { throw ValidationError("give either a query or --file, not both") }
        if let epoch, !["h", "m", "s", "ms", "u", "us", "ns"].contains(epoch) {
            throw ValidationError("--epoch must be h, m, s, ms, u or ns (got \(epoch))")
        }
    }

    func run() throws {
        try dataOptions.bootstrapLogging()
        do {
            let text = try file.map(Self.load) ?? query!
            let body: String
            if let server {
                body = try HTTPQueryClient(base: server).query(text, database: db, epoch: epoch)
            } else {
                let clock = try now.map { try TimeParser.parse($0, now: Int64(Date().timeIntervalSince1970 * 1e9)) }
                let store = try Store(directory: dataOptions.data, options: try dataOptions.storageOptions(background: false), readOnly: true)
                let engine = QueryEngine(store: store, limits: QueryLimits(timeoutSeconds: timeout, maxPointsScanned: maxPoints, maxValues: maxValues),
                                         useRollups: !noRollups)
                var results: [StatementResult] = []
                var times: [Double] = []
                for _ in 0..<max(1, self.repeats) {
                    let started = DispatchTime.now().uptimeNanoseconds
                    do {
                        results = try engine.execute(text, database: db, now: clock)
                    } catch let e as QueryError {
                        throw ChargelineError(.badInput, e.message)
                    }
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
                }
                if self.repeats > 1 {
                    let sorted = times.sorted()
                    Terminal.error(String(format: "%d runs: first %.3f ms, min %.3f ms, median %.3f ms, max %.3f ms",
                                          times.count, times[0], sorted[0], sorted[sorted.count / 2], sorted[sorted.count - 1]))
                }
                if explain {
                    for r in results { Terminal.error("statement \(r.statementID): \(r.statistics)") }
                }
                body = InfluxJSON(epoch: epoch, zone: QueryEngine.timezone(of: text)).encode(results)
            }
            let firstLine = text.split(separator: "\n").first { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") } ?? ""
            let firstWord = firstLine.drop { $0.isWhitespace }.prefix { $0.isLetter }.lowercased()
            let failed = try ResultPrinter(format: format, reportsEmpty: firstWord == "select" || firstWord == "show").print(body)
            if failed { throw ExitCode.failure }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw fail(error)
        }
    }

    /// The query text of a stored query: the file (or `Queries/<name>.influxql`) up to a `----` line.
    static func load(_ path: String) throws -> String {
        let candidates = [path, path + ".influxql", "Queries/" + path, "Queries/" + path + ".influxql"]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ChargelineError(.notFound, "query file \(path) not found (tried \(candidates.joined(separator: ", ")))")
        }
        let text = try String(contentsOfFile: found, encoding: .utf8)
        return text.components(separatedBy: "\n").prefix { $0.trimmingCharacters(in: .whitespaces) != "----" }.joined(separator: "\n")
    }
}

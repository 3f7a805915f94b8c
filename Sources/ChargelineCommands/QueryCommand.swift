import ArgumentParser
import ChargelineCore
import ChargelineStorage
import Foundation

/// `chargeline query`: raw rows of one measurement (or one series) over a time range, read
/// straight from a data directory. The query language (its own issue) will replace this.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Read raw rows of a measurement or one series over a time range.",
        discussion: """
            Opens the data directory read-only, so it works beside a running server.
            Times: RFC 3339 (2026-11-20T08:00:00Z, 2026-11-20T08:00:00+08:00), epoch with unit \
            (1763596800s; a plain integer is ns), or now-1h.
            Example: chargeline query --db telemetry --measurement telemetry --tag pile=P000012 --from now-1h
            """)

    @OptionGroup var dataOptions: DataOptions

    @Option(name: .long, help: "Database.")
    var db: String = "chargeline"

    @Option(name: .long, help: "Measurement to read.")
    var measurement: String

    @Option(name: .long, help: ArgumentHelp("Only series with this tag value (repeatable, all must match).", valueName: "key=value"))
    var tag: [String] = []

    @Option(name: .long, help: ArgumentHelp("Only these fields (repeatable; default all).", valueName: "name"))
    var field: [String] = []

    @Option(name: .long, help: "Start of the range (inclusive).")
    var from: String?

    @Option(name: .long, help: "End of the range (exclusive).")
    var to: String?

    @Option(name: .long, help: "Output format: table, csv or json.")
    var format: OutputFormat = .table

    @Option(name: .long, help: "At most this many rows (0: no limit).")
    var limit: Int = 0

    @Flag(name: .long, help: "Print times as integer nanoseconds since the epoch instead of RFC 3339.")
    var epochNs = false

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

    func run() throws {
        try dataOptions.bootstrapLogging()
        do {
            let now = Int64(Date().timeIntervalSince1970 * 1e9)
            let range = TimeRange(start: try from.map { try TimeParser.parse($0, now: now) } ?? .min,
                                  end: try to.map { try TimeParser.parse($0, now: now) } ?? .max)
            var filters: [(String, String)] = []
            for t in tag {
                guard let eq = t.firstIndex(of: "=") else { throw ValidationError("--tag takes key=value (got \(t))") }
                filters.append((String(t[..<eq]), String(t[t.index(after: eq)...])))
            }
            let store = try Store(directory: dataOptions.data, options: try dataOptions.storageOptions(background: false), readOnly: true)
            let series = try store.read(database: db, measurement: measurement, fields: field.isEmpty ? nil : field, range: range)
                .filter { s in filters.allSatisfy { f in s.tags.contains { $0.key == f.0 && $0.value == f.1 } } }
            try RowPrinter(format: format, limit: limit, epochNanoseconds: epochNs).print(series)
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }
}

import ArgumentParser
import ChargelineCore
import ChargelineReports
import ChargelineStorage
import Foundation

/// `chargeline report`: groups the report kinds (only `daily` so far).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Usage reports for finance and operations (see docs/reports.md).",
        subcommands: [DailyReportCommand.self])
}

/// `chargeline report daily`: per gun, pile or station and local day, as CSV, JSON or HTML.
struct DailyReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daily",
        abstract: "Daily energy, charging hours, sessions, peaks, faults and online ratio per gun, pile or station.",
        discussion: """
            Opens the data directory read-only, so it runs beside a server on the same directory; \
            with --server it asks a running server instead (same figures). Reads the hourly \
            rollups where they cover the days and raw data elsewhere (docs/reports.md).
            --date and --to also take today and yesterday (in --tz). Without --out the report goes to stdout. \
            HTML is a one-page summary for finance (fleet totals, revenue from transaction records, top and \
            bottom stations, hourly charts), marked "day in progress" until the day ends.
            Example: chargeline report daily --data ./data --date 2026-11-20 --tz Asia/Shanghai --level pile --format html --out day.html
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json, html }

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Database to read.")
    var db: String = "chargeline"

    @Option(help: ArgumentHelp("First local day: YYYY-MM-DD, today or yesterday (in --tz).", valueName: "YYYY-MM-DD"))
    var date: String

    @Option(help: ArgumentHelp("Last local day (inclusive): YYYY-MM-DD, today or yesterday; default --date.", valueName: "YYYY-MM-DD"))
    var to: String?

    @Option(help: ArgumentHelp("Time zone of the day boundaries, e.g. Asia/Shanghai (default: the machine's).", valueName: "zone"))
    var tz: String?

    @Option(help: "Only this station.")
    var station: String?

    @Option(help: ArgumentHelp("Row granularity: gun, pile or station. HTML: station is the summary page alone; pile or gun adds each station's piles or guns.", valueName: "level"))
    var level: String = "gun"

    @Option(help: "Output format: csv, json or html.")
    var format: Format = .csv

    @Option(help: ArgumentHelp("Output file; - or none for stdout.", valueName: "file"))
    var out: String = "-"

    @Option(name: .customLong("max-gap"), help: ArgumentHelp("Longest sample gap that counts in full (charging, fault and online time).", valueName: "duration"))
    var maxGap: String = "5m"

    @Flag(name: .customLong("no-rollups"), help: "Read raw data only, not the hourly rollups (same figures, slower; for checking).")
    var noRollups = false

    @Option(name: .long, help: ArgumentHelp("Ask a running server (GET /report/daily) instead of opening --data; --tz defaults to the server's zone.", valueName: "http://host:port"))
    var server: String?

    func run() throws {
        try dataOptions.bootstrapLogging()
        guard let level = ReportLevel(rawValue: level) else {
            throw ValidationError("--level must be gun, pile or station (got \(level))")
        }
        let zone = tz.flatMap(TimeZone.init(identifier:)) ?? .current
        var query = DailyReportQuery(date: Self.day(date, in: zone))
        query.database = db
        query.to = to.map { Self.day($0, in: zone) }
        query.timeZone = tz
        query.station = station
        query.level = level
        query.format = ReportFormat(rawValue: format.rawValue)!
        query.maxGap = maxGap
        query.useRollups = !noRollups
        do {
            do {
                _ = try query.options()
            } catch let e as ReportError {
                throw ValidationError(e.description)
            }
            let bytes: [UInt8]
            if let server {
                bytes = try HTTPQueryClient(base: server).report(query)
            } else {
                let store = try Store(directory: dataOptions.data, options: try dataOptions.storageOptions(background: false), readOnly: true)
                bytes = try query.run(store: store)
                try store.close()
            }
            if out == "-" {
                FileHandle.standardOutput.write(Data(bytes))
            } else {
                guard FileManager.default.createFile(atPath: out, contents: Data(bytes)) else {
                    throw ChargelineError(.io, "cannot write \(out): check that its folder exists and is writable")
                }
            }
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }

    /// `today` and `yesterday` as the local date in `zone` (YYYY-MM-DD); any other text as is
    /// (the report checks it).
    static func day(_ text: String, in zone: TimeZone, now: Date = Date()) -> String {
        let offset: Int
        switch text.lowercased() {
        case "today": offset = 0
        case "yesterday": offset = -1
        default: return text
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let day = calendar.date(byAdding: .day, value: offset, to: now) ?? now
        let c = calendar.dateComponents([.year, .month, .day], from: day)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year ?? 1970)-\(two(c.month ?? 1))-\(two(c.day ?? 1))"
    }
}

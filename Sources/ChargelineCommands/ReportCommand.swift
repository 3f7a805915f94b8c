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
            Opens the data directory read-only, so it runs beside a server on the same directory.
            Example: chargeline report daily --data ./data --date 2026-11-20 --tz Asia/Shanghai --level pile --format html --out day.html
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json, html }

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Database to read.")
    var db: String = "chargeline"

    @Option(help: ArgumentHelp("First local day, YYYY-MM-DD.", valueName: "YYYY-MM-DD"))
    var date: String

    @Option(help: ArgumentHelp("Last local day (inclusive), YYYY-MM-DD; default --date.", valueName: "YYYY-MM-DD"))
    var to: String?

    @Option(help: ArgumentHelp("Time zone of the day boundaries, e.g. Asia/Shanghai (default: the machine's).", valueName: "zone"))
    var tz: String?

    @Option(help: "Only this station.")
    var station: String?

    @Option(help: ArgumentHelp("Row granularity: gun, pile or station.", valueName: "level"))
    var level: String = "gun"

    @Option(help: "Output format: csv, json or html.")
    var format: Format

    @Option(help: ArgumentHelp("Output file (- for stdout).", valueName: "file"))
    var out: String

    @Option(name: .customLong("max-gap"), help: ArgumentHelp("Longest sample gap that counts in full (charging, fault and online time).", valueName: "duration"))
    var maxGap: String = "5m"

    func run() throws {
        try dataOptions.bootstrapLogging()
        guard let level = ReportLevel(rawValue: level) else {
            throw ValidationError("--level must be gun, pile or station (got \(level))")
        }
        var options = DailyReportOptions()
        options.database = db
        options.station = station
        if let tz {
            guard let zone = TimeZone(identifier: tz) else {
                throw ValidationError("--tz: unknown time zone \(tz); use an IANA name such as Asia/Shanghai or UTC")
            }
            options.timeZone = zone
        }
        do {
            options.maxGap = try TimeParser.duration(maxGap)
            guard options.maxGap > 0 else { throw ValidationError("--max-gap must be positive") }
            let days = try ReportDay.days(from: date, to: to, timeZone: options.timeZone)
            let store = try Store(directory: dataOptions.data, options: try dataOptions.storageOptions(background: false), readOnly: true)
            let report = try DailyReport.compute(store: store, days: days, options: options)
            try store.close()
            let bytes: [UInt8] = switch format {
            case .csv: CSVReportWriter.write(report.rows(level: level))
            case .json: JSONReportWriter.write(report.rows(level: level), level: level, timeZone: options.timeZone.identifier)
            case .html: HTMLReportWriter(report: report, timeZone: options.timeZone).write()
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
}

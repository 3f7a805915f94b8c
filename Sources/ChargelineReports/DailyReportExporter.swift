import ChargelineCore
public import ChargelineStorage
public import Foundation

/// A report file format.
public enum ReportFormat: String, Sendable, CaseIterable, Codable {
    case csv, json, html

    /// The file bytes of `report` at `level` in this format.
    public func render(_ report: DailyReport, level: ReportLevel, timeZone: TimeZone) -> [UInt8] {
        switch self {
        case .csv: CSVReportWriter.write(report.rows(level: level))
        case .json: JSONReportWriter.write(report.rows(level: level), level: level, timeZone: timeZone.identifier)
        case .html: HTMLReportWriter(report: report, timeZone: timeZone, level: level).write()
        }
    }
}

/// What the scheduled export writes, where and how (`[report]` in the configuration file,
/// `serve --report-dir ...`; docs/reports.md).
public struct ReportExportOptions: Sendable {
    /// Folder the reports go to (created if missing): `daily-<YYYY-MM-DD>.<format>`.
    public var folder: String
    /// Default CSV only: the spreadsheet file finance asks for.
    public var formats: [ReportFormat] = [.csv]
    public var level: ReportLevel = .gun
    /// Database, time zone, max gap (docs/reports.md); the defaults of `report daily`.
    public var report = DailyReportOptions()

    public init(folder: String) { self.folder = folder }
}

/// One file the exporter wrote (or found unchanged).
public struct ReportExportAction: Sendable, Equatable {
    public enum Kind: String, Sendable { case issued, reissued, unchanged }
    public var date: String
    public var file: String
    public var kind: Kind
}

/// Writes each local day's report once the day is closed and rolled up, and re-issues a day
/// when late rows arrive for it.
///
/// A day is closed when the rollup watermark passes its end (so the day's hours are complete
/// plus the rollup grace). Late rows are followed through the store's late log (`lateData`):
/// every logged bucket of an already exported day puts the day in `pending`; it is re-issued
/// once no bucket of it is stale any more (the rollup recomputed it: one re-issue per upload,
/// not one per minute while it lasts). A file is replaced (atomically) only when its bytes
/// change. Progress (`next` day, the last late sequence seen, `pending` days) is persisted in
/// `<folder>/.export-state.json` after the files it describes are written, so a restart
/// neither loses a day nor writes a changed duplicate: at worst it recomputes a day and finds
/// the file unchanged. The first start exports the most recent closed day only; earlier days
/// come from `chargeline report daily`.
public final class DailyReportExporter: @unchecked Sendable {
    public let options: ReportExportOptions
    private let store: Store
    private var state: State
    private let lock = NSLock()

    struct State: Codable, Equatable {
        /// The next day to export (`YYYY-MM-DD`); nil before the first export.
        var next: String?
        /// The late-log sequence already turned into `pending` days.
        var seenSequence: UInt64 = 0
        /// Exported days with late rows, waiting to be re-issued.
        var pending: [String] = []
    }

    static let stateFile = ".export-state.json"
    private var statePath: String { options.folder + "/" + Self.stateFile }

    /// Creates the folder if needed and loads the persisted progress.
    /// - Throws: when the folder cannot be created or the state file does not parse.
    public init(store: Store, options: ReportExportOptions) throws {
        self.store = store
        self.options = options
        do {
            try FileManager.default.createDirectory(atPath: options.folder, withIntermediateDirectories: true)
        } catch {
            throw ReportError("cannot create the report folder \(options.folder): \(error.localizedDescription); check the path and its permissions")
        }
        let path = options.folder + "/" + Self.stateFile
        if let data = FileManager.default.contents(atPath: path) {
            do {
                state = try JSONDecoder().decode(State.self, from: data)
            } catch {
                throw ReportError("\(path) does not parse (\(error)); delete it to start again from the latest closed day")
            }
        } else {
            state = State()
        }
    }

    /// Exports every day closed since the last call (by the rollup watermark, so the clock is
    /// the rollup run's) and re-issues settled late days. Returns what it wrote.
    @discardableResult
    public func tick() throws -> [ReportExportAction] {
        lock.lock(); defer { lock.unlock() }
        let db = options.report.database
        guard let late = store.lateData(database: db, after: state.seenSequence) else {
            if !store.databaseNames().contains(db) { return [] }  // no data yet
            throw ReportError("database \(db) has no rollup: the scheduled report export needs rollups ([rollup] enabled = true)")
        }
        guard let watermark = late.watermark else { return [] }
        let zone = options.report.timeZone
        var actions: [ReportExportAction] = []

        // 1. Late rows: days already exported that they touch become pending.
        if late.sequence > state.seenSequence {
            if let next = state.next, let nextDay = try ReportDay.days(from: next, timeZone: zone).first {
                var dates = Set(state.pending)
                for start in late.buckets where start < nextDay.start {
                    for d in try ReportDay.covering(TimeRange(start: start, end: start + late.bucket), timeZone: zone) where d.start < nextDay.start {
                        dates.insert(d.date)
                    }
                }
                state.pending = dates.sorted()
            }
            state.seenSequence = late.sequence
            try saveState()
        }

        // 2. Closed days not exported yet.
        var day: ReportDay
        if let next = state.next {
            day = try ReportDay.days(from: next, timeZone: zone)[0]
        } else {
            // First start: the most recent closed day.
            guard let latest = try ReportDay.covering(TimeRange(start: watermark - 1, end: watermark), timeZone: zone).first else { return [] }
            day = latest.end <= watermark ? latest : try latest.previous(timeZone: zone)
        }
        while day.end <= watermark {
            actions += try export(day, reissue: false)
            day = try day.following(timeZone: zone)
            state.next = day.date
            try saveState()
        }

        // 3. Pending days whose hours the rollup has recomputed.
        if !state.pending.isEmpty, let coverage = store.rollupCoverage(database: db) {
            var still: [String] = []
            for date in state.pending {
                let d = try ReportDay.days(from: date, timeZone: zone)[0]
                let busy = coverage.stale.values.contains { $0.contains { $0 >= d.start - coverage.bucket && $0 < d.end } }
                if busy { still.append(date); continue }
                actions += try export(d, reissue: true)
            }
            if still != state.pending {
                state.pending = still
                try saveState()
            }
        }
        return actions
    }

    /// Computes `day` and writes each format, replacing a file only when its bytes changed.
    private func export(_ day: ReportDay, reissue: Bool) throws -> [ReportExportAction] {
        var o = options.report
        o.faultSpans = options.formats.contains(.html) && options.level != .station
        let report = try DailyReport.compute(store: store, days: [day], options: o)
        var out: [ReportExportAction] = []
        for format in options.formats {
            let name = "daily-\(day.date).\(format.rawValue)"
            let path = options.folder + "/" + name
            let bytes = Data(format.render(report, level: options.level, timeZone: o.timeZone))
            let existing = FileManager.default.contents(atPath: path)
            if existing == bytes {
                out.append(ReportExportAction(date: day.date, file: name, kind: .unchanged))
                continue
            }
            do {
                try Self.replace(path, with: bytes)
            } catch {
                throw ReportError("cannot write \(path): \(error.localizedDescription); check the report folder's free space and permissions")
            }
            out.append(ReportExportAction(date: day.date, file: name, kind: existing == nil && !reissue ? .issued : .reissued))
        }
        return out
    }

    /// Writes `data` beside `path` and renames it over `path`: readers see the old file or the
    /// new one, never a part. (Foundation's `.atomic` option leaves an empty directory in /tmp
    /// behind on each write on Linux.)
    static func replace(_ path: String, with data: Data) throws {
        let temporary = path + ".partial"
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "rename \(temporary) to \(path): \(reason)"])
        }
    }

    private func saveState() throws {
        let data = try JSONEncoder().encode(state)
        do {
            try Self.replace(statePath, with: data)
        } catch {
            throw ReportError("cannot write \(statePath): \(error.localizedDescription)")
        }
    }
}

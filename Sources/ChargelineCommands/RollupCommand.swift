import ArgumentParser
import ChargelineCore
import ChargelineStorage
import Foundation

/// `chargeline rollup`: run the rollups now (materialise complete hours, recompute stale
/// buckets), or backfill a range.
struct RollupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollup",
        abstract: "Materialise hourly rollups now, or recompute (backfill) a time range.",
        discussion: """
            `serve` does this on a schedule; run it by hand with the server stopped (the data \
            directory lock says so). Without --from/--to: every complete hour since the last run, \
            plus the hours late rows touched. With --from/--to: every complete hour in [--from, --to) \
            again (reported as recomputed; hours never rolled up before as new) and the hours late \
            rows touched, nothing after --to.
            """)

    @OptionGroup var dataOptions: DataOptions

    @Option(name: .long, help: "Only this database (default: all).")
    var db: String?

    @Option(name: .long, help: "Backfill from this time (RFC 3339, epoch with unit, now-7d).")
    var from: String?

    @Option(name: .long, help: "Backfill up to this time (exclusive; default now).")
    var to: String?

    @Option(name: .long, help: "Evaluate as if the current time were this (RFC 3339 or epoch with unit); for reproducible runs.")
    var now: String?

    func run() throws {
        try dataOptions.bootstrapLogging()
        do {
            let wall = Int64(Date().timeIntervalSince1970 * 1e9)
            let now = try self.now.map { try TimeParser.parse($0, now: wall) } ?? wall
            var backfill: TimeRange?
            if let from {
                backfill = TimeRange(start: try TimeParser.parse(from, now: now), end: try to.map { try TimeParser.parse($0, now: now) } ?? now)
            } else if to != nil {
                throw ValidationError("--to needs --from")
            }
            let store = try Store(directory: dataOptions.data, options: try dataOptions.storageOptions(background: false))
            guard store.options.rollup.enabled else {
                throw ChargelineError(.badInput, "rollups are disabled in the configuration ([rollup] enabled = false)")
            }
            let started = ContinuousClock.now
            let reports = try store.runRollups(database: db, now: now, backfill: backfill, progress: { name, done, total in
                Terminal.progress(done: done, total: total, rows: done, seconds: (ContinuousClock.now - started).seconds, unit: "hours", label: name)
            })
            Terminal.endProgress()
            try store.close()
            for (name, r) in reports {
                let rate = r.milliseconds > 0 ? Double(r.valuesRead) / (r.milliseconds / 1_000) : 0
                print("\(name): \(r.bucketsWritten) new and \(r.bucketsRecomputed) recomputed buckets from \(r.valuesRead) raw values in "
                      + "\(Terminal.format(r.milliseconds / 1_000, 3)) s (\(Terminal.format(rate / 1e6, 1)) M values/s); watermark "
                      + (r.watermark.map { CivilTime(nanoseconds: $0).rfc3339 } ?? "none"))
            }
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }
}

/// `chargeline retention`: apply retention now, or show what it would drop.
struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Drop partitions past their retention (raw only once rollups cover them), or show what would go.",
        discussion: "Policies come from the configuration file ([retention]); without one nothing expires.")

    @OptionGroup var dataOptions: DataOptions

    @Option(name: .long, help: "Only this database (default: all).")
    var db: String?

    @Flag(name: .long, help: "Print what would be dropped; change nothing.")
    var dryRun = false

    func run() throws {
        try dataOptions.bootstrapLogging()
        do {
            let store = try Store(directory: dataOptions.data, options: try dataOptions.storageOptions(background: false))
            let actions = try store.applyRetention(database: db, dryRun: dryRun)
            try store.close()
            if actions.isEmpty {
                print("nothing past its retention")
                return
            }
            var table = TextTable(headers: ["action", "database", "tier", "partition", "rows", "bytes", "why"])
            for a in actions {
                let verb = a.kind == .keep ? "keep" : (dryRun ? "would \(a.kind.rawValue)" : a.kind.rawValue)
                table.add([verb, a.database, a.tier, a.partition, "\(a.rows)", "\(a.bytes)", a.reason])
            }
            print(table.render(), terminator: "")
            let gone = actions.filter { $0.kind != .keep }
            print("\(dryRun ? "would remove" : "removed") \(gone.reduce(0) { $0 + $1.rows }) rows, \(gone.reduce(0) { $0 + $1.bytes }) bytes")
        } catch {
            throw fail(error)
        }
    }
}

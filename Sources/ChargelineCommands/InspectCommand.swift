import ArgumentParser
import ChargelineStorage
import Foundation

/// `chargeline inspect`: counts and sizes per database and partition.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print series, rows, field values, bytes on disk and bytes per value per database and partition.",
        discussion: "Opens the data directory read-only, so it works beside a running server.")

    @OptionGroup var dataOptions: DataOptions

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        try dataOptions.bootstrapLogging()
        do {
            let store = try Store(directory: dataOptions.data, options: try dataOptions.storageOptions(background: false), readOnly: true)
            let report = try store.report()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            print("data directory \(report.dataDirectory) (opened in \(Terminal.format(report.openMilliseconds, 1)) ms)")
            var table = TextTable(headers: ["database", "partition", "segments", "series", "rows", "values", "bytes", "bytes/value"])
            for db in report.databases {
                for p in db.partitions {
                    table.add([db.name, p.name, "\(p.segments)", "\(p.series)", "\(p.rows)", "\(p.values)", "\(p.bytes)",
                               Terminal.format(p.bytesPerValue, 3)])
                }
                table.add([db.name, "(total)", "", "\(db.series)", "\(db.rows)", "\(db.values)", "\(db.bytes)",
                           Terminal.format(db.bytesPerValue, 3)])
                if db.headValues > 0 || db.walBytes > 0 {
                    table.add([db.name, "(head, in WAL)", "", "", "", "\(db.headValues)", "\(db.walBytes)", ""])
                }
            }
            print(table.render(), terminator: "")
            let rollups = report.databases.compactMap { db in db.rollup.map { (db.name, $0) } }
            if !rollups.isEmpty {
                var r = TextTable(headers: ["database", "rollup", "watermark", "stale", "last run", "buckets", "values", "bytes", "dropped rows"])
                for (name, s) in rollups {
                    r.add([name, s.name, s.watermark ?? "(not run)", "\(s.staleBuckets)",
                           s.lastRun.map { "\($0) (\(s.lastRunBuckets) in \(Terminal.format(s.lastRunMilliseconds, 0)) ms)" } ?? "-",
                           "\(s.bucketsWritten)+\(s.bucketsRecomputed)", "\(s.values)", "\(s.bytes)", "\(s.droppedRows)"])
                }
                print(r.render(), terminator: "")
            }
            print("total: \(report.totalValues) values in segments, \(report.totalBytes) bytes on disk, \(Terminal.format(report.bytesPerValue, 3)) bytes/value")
        } catch {
            throw fail(error)
        }
    }
}

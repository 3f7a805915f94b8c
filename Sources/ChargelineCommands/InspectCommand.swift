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

    @Flag(name: .long, help: ArgumentHelp(
        "Where the bytes go instead: per database and rollup tier, timestamp and value blocks per field and per encoding, checksums, indexes and other files (reads every block's first bytes; decodes nothing).",
        discussion: "With --json, the same as JSON."))
    var blocks = false

    func run() throws {
        try dataOptions.bootstrapLogging()
        do {
            let store = try Store(directory: dataOptions.data, options: try dataOptions.storageOptions(background: false), readOnly: true)
            if blocks {
                let breakdowns = try store.byteBreakdown()
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    print(String(decoding: try encoder.encode(breakdowns), as: UTF8.self))
                } else {
                    for b in breakdowns { print(Self.render(b), terminator: "") }
                }
                return
            }
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

    /// One store folder's breakdown as a table: bytes, bytes per value and share of the
    /// folder, per part.
    static func render(_ b: ByteBreakdown) -> String {
        let n = Double(max(b.values, 1))
        let total = Double(max(b.totalBytes, 1))
        var table = TextTable(headers: ["part", "bytes", "bytes/value", "share", "what"])
        func row(_ label: String, _ bytes: Int, _ what: String = "") {
            table.add([label, "\(bytes)", Terminal.format(Double(bytes) / n, 4), Terminal.format(100 * Double(bytes) / total, 1) + " %", what])
        }
        row("timestamp blocks", b.timestamps.bytes, "\(b.timestamps.blocks) blocks, \(Terminal.format(Double(b.timestamps.bytes) / Double(max(b.rows, 1)), 3)) B/row")
        row("value blocks", b.valueBlockBytes)
        for (name, share) in b.fields.sorted(by: { $0.key < $1.key }) {
            row("  " + name, share.bytes, "\(share.blocks) blocks, \(Terminal.format(Double(share.bytes) / Double(max(share.values, 1)), 3)) B per value")
        }
        row("block checksums", b.checksums)
        row("segment indexes", b.indexes)
        row("segment headers + footers", b.headersAndFooters)
        row("other files", b.otherFiles.values.reduce(0, +))
        for (path, bytes) in b.otherFiles.sorted(by: { $0.value > $1.value }).prefix(5) { row("  " + path, bytes) }
        var encodings = TextTable(headers: ["encoding", "bytes", "values or rows", "bytes each", "blocks"])
        for (name, share) in b.encodings.sorted(by: { $0.value.bytes > $1.value.bytes }) {
            encodings.add([name, "\(share.bytes)", "\(share.values)", Terminal.format(Double(share.bytes) / Double(max(share.values, 1)), 3), "\(share.blocks)"])
        }
        return "\(b.store): \(b.totalBytes) bytes for \(b.values) field values = \(Terminal.format(Double(b.totalBytes) / n, 4)) bytes/value "
            + "(\(b.segments) segments, \(b.rows) rows)\n" + table.render() + encodings.render()
    }
}

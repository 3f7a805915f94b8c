import ArgumentParser
import ChargelineCore
import ChargelineIngest
import ChargelineStorage
import Foundation

/// `chargeline import`: bulk line protocol from files (plain or gzip) into a data directory.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import line-protocol files (plain or .gz) into a database.",
        discussion: """
            Bad lines are reported as FILE:LINE:COLUMN and skipped; every valid line is stored \
            (exit code 3 when any line was rejected). The server must not be running on the same \
            data directory; to load a running server, POST the file to /write instead.
            """)

    @OptionGroup var dataOptions: DataOptions

    @Option(name: .long, help: "Database to import into (created when absent).")
    var db: String = "chargeline"

    @Option(name: .long, help: "Timestamp precision of the files: ns, us, ms, s (also m, h).")
    var precision: String = "ns"

    @Option(name: .long, help: "Print at most this many bad lines (all are counted).")
    var maxErrors: Int = 20

    @Argument(help: "Line-protocol files; names ending in .gz are decompressed.")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one file to import") }
        if TimePrecision.parse(precision) == nil { throw ValidationError("--precision must be ns, us, ms, s, m or h (got \(precision))") }
    }

    func run() throws {
        try dataOptions.bootstrapLogging()
        let code: ExitCode
        do {
            code = try importAll()
        } catch {
            throw fail(error)
        }
        if code != .success { throw code }
    }

    private func importAll() throws -> ExitCode {
        var options = try dataOptions.storageOptions(background: true)
        // Loading history: rollups run afterwards (`chargeline rollup` or the server), not
        // midway, which would turn the rest of the file into late rows.
        options.scheduleRollups = false
        let store = try Store(directory: dataOptions.data, options: options)
        let multiplier = TimePrecision.parse(precision)!.multiplier
        let tracker = ImportTracker(maxInFlight: 4)
        let started = ContinuousClock.now
        var badLines = 0
        var printed = 0
        let total = files.reduce(0) { $0 + (FileManager.default.fileExists(atPath: $1) && !$1.hasSuffix(".gz") ? (Self.size($1) ?? 0) : 0) }
        var bytesDone = 0
        for file in files {
            let reader = try ChunkReader(path: file)
            var parser = LineProtocolParser(precisionMultiplier: multiplier, defaultTimestamp: Int64(Date().timeIntervalSince1970 * 1e9))
            var carry: [UInt8] = []
            var line = 1
            var pointLines: [Int32] = []
            var errors: [LineProtocolError] = []
            while true {
                let chunk = try reader.read()
                let atEnd = chunk == nil
                if let chunk { carry.append(contentsOf: chunk); bytesDone += chunk.count }
                // Parse whole lines only; keep the partial last line for the next chunk.
                let cut = atEnd ? carry.count : (carry.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0)
                if cut > 0 {
                    var builder = WriteBatchBuilder(reservingCapacity: cut + cut / 2)
                    pointLines.removeAll(keepingCapacity: true)
                    errors.removeAll(keepingCapacity: true)
                    carry.withUnsafeBytes { raw in
                        parser.parse(UnsafeRawBufferPointer(rebasing: raw[..<cut]), firstLineNumber: line,
                                     into: &builder, pointLines: &pointLines, errors: &errors)
                    }
                    line += carry[..<cut].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
                    carry.removeFirst(cut)
                    for e in errors {
                        badLines += 1
                        if printed < maxErrors {
                            Terminal.endProgress()
                            Terminal.error("\(file):\(e.line):\(e.column): \(e.message): \(e.excerpt)")
                            printed += 1
                        }
                    }
                    let batch = builder.finish()
                    if batch.pointCount > 0 {
                        let lines = pointLines
                        tracker.submit(batch) { done in
                            store.write(database: db, batch: batch) { outcome in
                                done(outcome, { index in "\(file):\(lines[index])" })
                            }
                        }
                    }
                    Terminal.progress(done: bytesDone, total: total, rows: tracker.rows, seconds: (ContinuousClock.now - started).seconds)
                }
                if atEnd { break }
            }
        }
        tracker.waitAll()
        Terminal.endProgress()
        try store.close()
        let seconds = (ContinuousClock.now - started).seconds
        if let failure = tracker.failure { throw failure }
        for message in tracker.rejections.prefix(max(0, maxErrors - printed)) { Terminal.error(message) }
        badLines += tracker.rejections.count
        let rows = tracker.rows, values = tracker.values
        print("imported \(rows) rows, \(values) values from \(files.count) file(s) in \(Terminal.format(seconds, 2)) s: "
              + "\(Terminal.format(Double(rows) / max(seconds, 1e-9), 0)) rows/s, \(Terminal.format(Double(values) / max(seconds, 1e-9), 0)) values/s"
              + (badLines > 0 ? "; \(badLines) line\(badLines == 1 ? "" : "s") rejected" : ""))
        return badLines > 0 ? .partial : .success
    }

    static func size(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
    }
}

/// Bounds the writes in flight and collects their outcomes.
final class ImportTracker: @unchecked Sendable {
    private let slots: DispatchSemaphore
    private let group = DispatchGroup()
    private let lock = NSLock()
    private(set) var rowsStored = 0
    private(set) var valuesStored = 0
    private var _rejections: [String] = []
    private var _failure: (any Error)?

    init(maxInFlight: Int) { slots = DispatchSemaphore(value: maxInFlight) }

    var rows: Int { lock.lock(); defer { lock.unlock() }; return rowsStored }
    var values: Int { lock.lock(); defer { lock.unlock() }; return valuesStored }
    var rejections: [String] { lock.lock(); defer { lock.unlock() }; return _rejections }
    var failure: (any Error)? { lock.lock(); defer { lock.unlock() }; return _failure }

    /// Runs `start` once a slot is free; `start` calls its argument with the outcome and a
    /// function naming the source line of a point index.
    func submit(_ batch: WriteBatch, _ start: (@escaping @Sendable (WriteOutcome, (Int) -> String) -> Void) -> Void) {
        slots.wait()
        group.enter()
        start { [self] outcome, where_ in
            lock.lock()
            if let f = outcome.failure {
                if _failure == nil { _failure = f }
            } else {
                rowsStored += outcome.pointsStored(of: batch.pointCount)
                valuesStored += batch.valueCount - ImportTracker.values(of: outcome.rejected.map(\.pointIndex), in: batch)
                    - (outcome.seriesQuotaDrop?.values ?? 0)
                for r in outcome.rejected { _rejections.append("\(where_(r.pointIndex)): \(r.message)") }
                if let drop = outcome.seriesQuotaDrop { _rejections.append(drop.message) }
            }
            lock.unlock()
            slots.signal()
            group.leave()
        }
    }

    func waitAll() { group.wait() }

    /// Field values held by the points at `indexes` (only walked when points were refused).
    static func values(of indexes: [Int], in batch: WriteBatch) -> Int {
        guard !indexes.isEmpty else { return 0 }
        let wanted = Set(indexes)
        var i = 0
        var n = 0
        batch.forEachPoint { p in
            if wanted.contains(i) { n += p.fieldCount }
            i += 1
        }
        return n
    }
}

import ChargelineAlerts
import ChargelineCore
import ChargelineIngest
import ChargelineQuery
import ChargelineStorage
import Foundation
import Logging

/// A temporary data directory with a store, a query engine, a rules file and helpers to write
/// line protocol; removed on deinit.
final class AlertFixture {
    let path: String
    let store: Store
    let engine: QueryEngine
    var rulesFile: String { path + "/rules.yaml" }
    static let second: Int64 = 1_000_000_000
    /// 2026-11-20T00:00:00Z.
    static let t0: Int64 = 1_795_132_800_000_000_000

    init(database: String = "chargeline", limits: QueryLimits = QueryLimits()) throws {
        path = NSTemporaryDirectory() + "chargeline-alerts-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var options = StorageOptions()
        options.backgroundMaintenance = false
        store = try Store(directory: path + "/data", options: options, logger: Self.quiet)
        try store.createDatabase(database)
        engine = QueryEngine(store: store, limits: limits)
    }

    static var quiet: Logger {
        var l = Logger(label: "test")
        l.logLevel = .critical
        return l
    }

    func write(_ lines: [String], database: String = "chargeline") throws {
        let body = Array(lines.joined(separator: "\n").utf8)
        var parser = LineProtocolParser(defaultTimestamp: 0)
        var builder = WriteBatchBuilder()
        var pointLines: [Int32] = []
        var errors: [LineProtocolError] = []
        body.withUnsafeBytes { parser.parse($0, into: &builder, pointLines: &pointLines, errors: &errors) }
        if let e = errors.first { throw NSError(domain: "fixture", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(e)"]) }
        if let f = store.writeAndWait(database: database, batch: builder.finish()).failure { throw f }
    }

    /// Temperatures of gun 1 of pile P1 every 15 s from `start` (ns).
    func temperatures(_ values: [Double], from start: Int64, pile: String = "P1") throws {
        try write(values.enumerated().map { i, v in
            "telemetry,station=S1,pile=\(pile),gun=1 temperature=\(v) \(start + Int64(i) * 15 * Self.second)"
        })
    }

    func rules(_ text: String) throws {
        try text.write(toFile: rulesFile, atomically: false, encoding: .utf8)
    }

    func manager(stateDirectory: Bool = true, notifier: AlertNotifier? = nil, now: Int64 = AlertFixture.t0) -> RuleManager {
        var o = RuleManager.Options(rulesFile: rulesFile, defaultDatabase: "chargeline", stateDirectory: stateDirectory ? path : nil)
        o.watchSeconds = 0
        return RuleManager(engine: engine, options: o, notifier: notifier, logger: Self.quiet, clock: { now })
    }

    func query(_ q: String, now: Int64) throws -> [ResultSeries] {
        let r = try engine.execute(q, database: "chargeline", now: now)
        if let e = r.first?.error { throw NSError(domain: "query", code: 1, userInfo: [NSLocalizedDescriptionKey: e]) }
        return r.first?.series ?? []
    }

    deinit {
        try? store.close()
        try? FileManager.default.removeItem(atPath: path)
    }
}

import ChargelineCore
import ChargelineIngest
import ChargelineQuery
import ChargelineStorage
import Foundation
import Logging

/// A temporary store loaded with line protocol, and a query engine on it.
final class QueryFixture {
    let path: String
    let store: Store
    let engine: QueryEngine

    convenience init(lines: [String], database: String = "fleet", limits: QueryLimits = QueryLimits()) throws {
        try self.init(batch: Self.batch(lines), database: database, limits: limits)
    }

    /// The batch of line-protocol `lines`.
    static func batch(_ lines: [String]) throws -> WriteBatch {
        let body = Array(lines.joined(separator: "\n").utf8)
        var parser = LineProtocolParser(defaultTimestamp: 0)
        var builder = WriteBatchBuilder()
        var pointLines: [Int32] = []
        var errors: [LineProtocolError] = []
        body.withUnsafeBytes { parser.parse($0, into: &builder, pointLines: &pointLines, errors: &errors) }
        if let e = errors.first { throw NSError(domain: "fixture", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(e)"]) }
        return builder.finish()
    }

    /// A store holding `batch` (points built by a protocol writer, e.g. `YKCTelemetryWriter`).
    init(batch: WriteBatch, database: String = "fleet", limits: QueryLimits = QueryLimits()) throws {
        path = NSTemporaryDirectory() + "chargeline-query-" + UUID().uuidString
        var options = StorageOptions()
        options.backgroundMaintenance = false
        options.rollup.counters = ["energy"]  // the fixtures' cumulative register
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        store = try Store(directory: path, options: options, logger: logger)
        try store.createDatabase(database)
        let outcome = store.writeAndWait(database: database, batch: batch)
        if let f = outcome.failure { throw f }
        engine = QueryEngine(store: store, limits: limits)
    }

    /// The `/query` body for `query`.
    /// `params` is the `params=` JSON of bound parameters, `rp` the `rp=` parameter.
    func answer(_ query: String, database: String? = "fleet", now: Int64, epoch: String? = nil,
                params: String? = nil, rp: String? = nil) -> String {
        do {
            let parameters = try params.map { try QueryParameter.parse(json: $0) } ?? [:]
            let results = try engine.execute(query, database: database, now: now, parameters: parameters, retentionPolicy: rp)
            return InfluxJSON(epoch: epoch, zone: QueryEngine.timezone(of: query, parameters: parameters)).encode(results)
        } catch {
            return "{\"error\":\(JSONText.quote("\(error)"))}"
        }
    }

    deinit {
        try? store.close()
        try? FileManager.default.removeItem(atPath: path)
    }
}

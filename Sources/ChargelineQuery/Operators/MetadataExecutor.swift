import Foundation
import ChargelineCore
import ChargelineStorage

/// SHOW statements, answered from catalogs (segment indexes and heads), in InfluxDB 1.x's
/// shapes so Grafana's query editor and InfluxDB clients read them unchanged.
struct MetadataExecutor {
    let engine: QueryEngine
    let context: QueryContext

    func run(_ statement: Statement, database: String?) throws -> [ResultSeries] {
        switch statement {
        case .showDatabases:
            let names = engine.store.databaseNames().filter { context.visibleDatabases?.contains($0) ?? true }
            return [ResultSeries(name: "databases", columns: ["name"], values: names.map { [.string($0)] })]
        case .showRetentionPolicies(let on):
            let db = try engine.requireDatabase(on ?? database)
            return [ResultSeries(name: "", columns: ["name", "duration", "shardGroupDuration", "replicaN", "default"],
                                 values: try retentionPolicies(db))]
        case .showMeasurements(let f):
            let db = try engine.requireDatabase(f.database ?? QueryEngine.database(namedIn: f.sources) ?? database)
            var names = (try? engine.store.measurements(database: db)) ?? []
            if let n = f.measurementName { names = names.filter { $0 == n } }
            if let r = f.measurementRegex {
                let p = try Pattern(r, offset: 0)
                names = names.filter { p.matches($0) }
            }
            if let condition = f.condition {
                names = try names.filter {
                    try context.checkCancelled()
                    return try !matching(db, MeasurementRef(name: $0, rollup: false), condition).isEmpty
                }
            }
            names = page(names, f)
            return names.isEmpty ? [] : [ResultSeries(name: "measurements", columns: ["name"], values: names.map { [.string($0)] })]
        case .showTagKeys(let f):
            let db = try engine.requireDatabase(f.database ?? QueryEngine.database(namedIn: f.sources) ?? database)
            return try sources(db, f).compactMap { m in
                try context.checkCancelled()
                let c = try engine.catalog(db, m)
                var keys = c.tagKeys
                if let condition = f.condition {
                    let series = try matching(db, m, condition)
                    keys = keys.filter { k in series.contains { c.series[$0].tags.contains { $0.key == k } } }
                }
                keys = page(keys, f)
                return keys.isEmpty ? nil : ResultSeries(name: m.name, columns: ["tagKey"], values: keys.map { [.string($0)] })
            }
        case .showTagValues(let f, let op, let keys, let keyRegex):
            let db = try engine.requireDatabase(f.database ?? QueryEngine.database(namedIn: f.sources) ?? database)
            let pattern = try keyRegex.map { try Pattern($0, offset: 0) }
            return try sources(db, f).compactMap { m in
                try context.checkCancelled()
                let c = try engine.catalog(db, m)
                let wanted = c.tagKeys.filter { k in
                    switch op {
                    case "=", "IN": keys.contains(k)
                    case "!=": !keys.contains(k)
                    case "=~": pattern!.matches(k)
                    default: !pattern!.matches(k)
                    }
                }
                var pairs: [(String, String)] = []
                if let condition = f.condition {
                    let series = try matching(db, m, condition)
                    var seen = Set<String>()
                    for k in wanted {
                        for i in series {
                            let v = c.series[i].tag(k)
                            if c.series[i].tags.contains(where: { $0.key == k }), seen.insert(k + "\u{0}" + v).inserted { pairs.append((k, v)) }
                        }
                    }
                    pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                } else {
                    for k in wanted { for v in (c.postings[k] ?? [:]).keys.sorted() { pairs.append((k, v)) } }
                }
                pairs = page(pairs, f)
                return pairs.isEmpty ? nil : ResultSeries(name: m.name, columns: ["key", "value"], values: pairs.map { [.string($0.0), .string($0.1)] })
            }
        case .showFieldKeys(let f):
            let db = try engine.requireDatabase(f.database ?? QueryEngine.database(namedIn: f.sources) ?? database)
            return try sources(db, f).compactMap { m in
                try context.checkCancelled()
                let c = try engine.catalog(db, m)
                let names = page(c.fields.keys.sorted(), f)
                return names.isEmpty ? nil : ResultSeries(name: m.name, columns: ["fieldKey", "fieldType"],
                                                          values: names.map { [.string($0), .string(c.fields[$0]!.description)] })
            }
        case .showSeries(let f):
            let db = try engine.requireDatabase(f.database ?? QueryEngine.database(namedIn: f.sources) ?? database)
            var keys: [String] = []
            for m in try sources(db, f) {
                try context.checkCancelled()
                let c = try engine.catalog(db, m)
                let selected = try f.condition.map { try matching(db, m, $0) } ?? Array(c.series.indices)
                keys += selected.map { String(decoding: c.series[$0].key, as: UTF8.self) }
            }
            keys = page(keys.sorted(), f)
            return keys.isEmpty ? [] : [ResultSeries(name: "", columns: ["key"], values: keys.map { [.string($0)] })]
        case .showSilent(let f, let threshold, let groupBy):
            let db = try engine.requireDatabase(f.database ?? QueryEngine.database(namedIn: f.sources) ?? database)
            return try sources(db, f).compactMap { m in
                try context.checkCancelled()
                return try silent(db, m, f, threshold: threshold, groupBy: groupBy)
            }
        case .showDiagnostics:
            return diagnostics()
        case .showStats(let module):
            return stats(module: module)
        case .showQueries:
            // As InfluxDB 1.x: qid, query, database, duration (Go's rounding to µs), status.
            let now = DispatchTime.now().uptimeNanoseconds
            let rows: [[Value]] = engine.running.list().map { q in
                let us = (now &- q.started) / 1_000
                let duration = us < 1_000 ? "\(us)µs" : us < 1_000_000 ? String(format: "%.3fms", Double(us) / 1e3) : String(format: "%.3fs", Double(us) / 1e6)
                return [.integer(Int64(q.id)), .string(q.text), .string(q.database), .string(duration),
                        .string(q.cancellation.reason == nil ? "running" : "killed")]
            }
            return [ResultSeries(name: "", columns: ["qid", "query", "database", "duration", "status"], values: rows)]
        case .killQuery(let id, let offset):
            guard engine.running.kill(id) else { throw QueryError(.semantic, "no such query id: \(id)", offset: offset) }
            return []
        case .showCardinality(let inner, let exact):
            return try cardinality(inner, exact: exact, database: database)
        case .select, .explain, .createDatabase, .createRetentionPolicy, .alterRetentionPolicy, .dropRetentionPolicy,
             .createUser, .dropUser, .setPassword, .grant, .revoke, .showUsers, .showGrants, .createToken, .showTokens, .dropToken,
             .dropDatabase, .dropMeasurement, .deleteSeries:
            preconditionFailure("BUG: not a metadata statement")
        }
    }

    /// SHOW ... CARDINALITY in InfluxDB 1.x's shapes: per measurement `count`; without EXACT,
    /// SERIES and MEASUREMENT cardinality of a whole database is one unnamed
    /// `cardinality estimation` row (Chargeline's count is exact, not a sketch).
    private func cardinality(_ inner: Statement, exact: Bool, database: String?) throws -> [ResultSeries] {
        func unpaged(_ f: ShowFilter) -> ShowFilter { var g = f; g.limit = 0; g.offset = 0; return g }
        func total(_ n: Int) -> [ResultSeries] {
            [ResultSeries(name: "", columns: [exact ? "count" : "cardinality estimation"], values: [[.integer(Int64(n))]])]
        }
        func perMeasurement(_ series: [ResultSeries]) -> [ResultSeries] {
            series.map { ResultSeries(name: $0.name, columns: ["count"], values: [[.integer(Int64($0.values.count))]]) }
        }
        switch inner {
        case .showMeasurements(let f):
            let names = try run(.showMeasurements(unpaged(f)), database: database)
            return total(names.first?.values.count ?? 0)
        case .showSeries(let f):
            let db = try engine.requireDatabase(f.database ?? QueryEngine.database(namedIn: f.sources) ?? database)
            var counts: [(String, Int)] = []
            for m in try sources(db, f) {
                try context.checkCancelled()
                let c = try engine.catalog(db, m)
                let n = try f.condition.map { try matching(db, m, $0).count } ?? c.series.count
                if n > 0 { counts.append((m.name, n)) }
            }
            if !exact && f.sources.isEmpty && f.condition == nil {
                return total(counts.reduce(0) { $0 + $1.1 })
            }
            return counts.map { ResultSeries(name: $0.0, columns: ["count"], values: [[.integer(Int64($0.1))]]) }
        case .showTagKeys(let f):
            return perMeasurement(try run(.showTagKeys(unpaged(f)), database: database))
        case .showFieldKeys(let f):
            return perMeasurement(try run(.showFieldKeys(unpaged(f)), database: database))
        case .showTagValues(let f, let op, let keys, let re):
            return perMeasurement(try run(.showTagValues(unpaged(f), keyOp: op, keys: keys, keyRegex: re), database: database))
        default:
            preconditionFailure("BUG: CARDINALITY of a statement that lists nothing")
        }
    }

    /// Groups (or series) whose newest point, in any field, is older than `now - threshold`.
    /// Times come from block and head metadata: nothing is decoded.
    private func silent(_ db: String, _ m: MeasurementRef, _ f: ShowFilter, threshold: Int64, groupBy: [String]) throws -> ResultSeries? {
        let c = try engine.catalog(db, m)
        let selected = try f.condition.map { try matching(db, m, $0) } ?? Array(c.series.indices)
        let fields = c.fields.keys.sorted()
        let keys = selected.map { c.series[$0].key }
        // Per series the newest time of any field: from index metadata for raw data (no scan).
        var newest: [Int64]
        if m.rollup {
            let scans = try engine.store.scanRollup(database: db, keys: keys, fields: fields, range: .all)
            newest = scans.map { s in s.fields.compactMap { $0?.chunks.last?.maxTime }.max() ?? Int64.min }
        } else {
            newest = try engine.store.newestTimes(database: db, keys: keys, fields: fields, range: .all).map { $0 ?? .min }
        }
        var latest: [[String]: Int64] = [:]
        for (k, i) in selected.enumerated() {
            let last = newest[k]
            let key = groupBy.isEmpty ? [String(decoding: c.series[i].key, as: UTF8.self)] : groupBy.map { c.series[i].tag($0) }
            latest[key] = max(latest[key] ?? Int64.min, last)
        }
        let cutoff = context.now &- threshold
        var rows = latest.filter { $0.value < cutoff && $0.value > Int64.min }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
            .map { entry -> [Value] in
                [.time(entry.value)] + entry.key.map { .string($0) } + [.float((Double(context.now) - Double(entry.value)) / 1e9)]
            }
        if f.limit > 0 { rows = Array(rows.prefix(f.limit)) }
        guard !rows.isEmpty else { return nil }
        return ResultSeries(name: m.name, columns: ["time"] + (groupBy.isEmpty ? ["key"] : groupBy) + ["silent_for"], values: rows)
    }

    /// autogen (raw data, the default) and the rollup, with their retention (`0s`: forever;
    /// as configured, or as DDL set it) and partition length, in InfluxDB's columns.
    private func retentionPolicies(_ db: String) throws -> [[Value]] {
        let store = engine.store
        let policy: RetentionPolicy
        do { policy = try store.retentionPolicy(for: db) } catch let e as ChargelineError { throw QueryError(.storage, e.message) }
        let partition = store.options.partitionDuration
        var rows: [[Value]] = [[.string("autogen"), .string(Self.goDuration(policy.raw ?? 0)), .string(Self.goDuration(partition)), .integer(1), .boolean(true)]]
        if let name = store.rollupName {
            rows.append([.string(name), .string(Self.goDuration(policy.rollup ?? 0)), .string(Self.goDuration(partition)), .integer(1), .boolean(false)])
        }
        return rows
    }

    /// A duration as Go's `time.Duration.String()` prints whole seconds: `168h0m0s`, `0s`.
    static func goDuration(_ ns: Int64) -> String {
        let s = ns / 1_000_000_000
        if s == 0 { return "0s" }
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60)s" }
        return "\(s / 3600)h\(s % 3600 / 60)m\(s % 60)s"
    }

    func sources(_ db: String, _ f: ShowFilter) throws -> [MeasurementRef] {
        if f.sources.isEmpty { return ((try? engine.store.measurements(database: db)) ?? []).map { MeasurementRef(name: $0, rollup: false) } }
        return try engine.measurements(f.sources, database: db, context: context)
    }

    /// Series of `m` whose tags satisfy `condition` (tags only; time conditions are ignored
    /// as InfluxDB 1.x's SHOW statements do without TSI time bounds).
    private func matching(_ db: String, _ m: MeasurementRef, _ condition: Expr) throws -> [Int] {
        let c = try engine.catalog(db, m)
        let tagOnly = condition.conjuncts.filter { !$0.references.contains { $0.lowercased() == "time" } }
        guard !tagOnly.isEmpty else { return Array(c.series.indices) }
        var s = SelectStatement()
        s.fields = [SelectField(expr: Expr(.wildcard, at: 0))]
        var planner = try Planner(statement: s, catalog: c, now: context.now, maxBuckets: 1)
        planner.context = context
        let exprs = try tagOnly.map { try planner.compileRow($0) }
        let regexSize = Planner.largestRegexProgram(tagOnly)
        var out: [Int] = []
        var meter = WorkMeter(check: context.checkCancelled)
        for i in c.series.indices {
            try meter.spend(Planner.tagMatchCost(c.series[i].tags, regexSize: regexSize))
            let row = RExpr.Row(tags: c.series[i].tags)
            if exprs.allSatisfy({ $0.eval(row).truthy }) { out.append(i) }
        }
        return out
    }

    private func page<T>(_ items: [T], _ f: ShowFilter) -> [T] {
        var out = Array(items.dropFirst(f.offset))
        if f.limit > 0 { out = Array(out.prefix(f.limit)) }
        return out
    }
}

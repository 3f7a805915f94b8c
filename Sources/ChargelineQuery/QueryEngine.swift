import ChargelineCore
public import ChargelineStorage
public import Foundation

/// The query language's entry point: parses a query (one or more `;`-separated statements),
/// plans and runs each against the store, and returns one result per statement.
///
/// Thread-safe; each call runs on the caller's thread and fans work out to all cores.
public final class QueryEngine: Sendable {
    public let store: Store
    public let limits: QueryLimits
    /// Whether aggregates read rollup rows where they answer exactly (transparent reads,
    /// `RollupReadRule`); false reads raw data only (benchmarks, and tests that compare both).
    public let useRollups: Bool

    public init(store: Store, limits: QueryLimits = QueryLimits(), useRollups: Bool = true) {
        self.store = store
        self.limits = limits
        self.useRollups = useRollups
    }

    /// Runs `query` against `database` at time `now` (ns; the wall clock when nil).
    ///
    /// The whole query (all its statements) stops at the configured timeout, or soon after
    /// `cancellation` is set: the statement running then and every later one answer a
    /// `.limit` error ("query timed out ...", "query cancelled: <reason>"). All statements
    /// share one budget of values produced (`QueryLimits.maxValues`).
    /// - Throws: `QueryError` when the text does not parse or has more than
    ///   `QueryLimits.maxStatements` statements (no statement runs then, as in InfluxDB).
    ///   Failures of single statements are reported in their `StatementResult`.
    public func execute(_ query: String, database: String?, now: Int64? = nil,
                        cancellation: QueryCancellation? = nil) throws -> [StatementResult] {
        var out: [StatementResult] = []
        try execute(query, database: database, now: now, cancellation: cancellation) { out.append($0) }
        return out
    }

    /// Runs `query` as `execute(_:database:now:cancellation:)` does, handing each statement's
    /// result to `each` as soon as it is complete (on the caller's thread, in order), so a
    /// caller that streams the answer holds one statement's result at a time.
    public func execute(_ query: String, database: String?, now: Int64? = nil, cancellation: QueryCancellation? = nil,
                        each: (StatementResult) throws -> Void) throws {
        let statements: [Statement]
        do {
            statements = try Parser.parse(query)
        } catch let e as QueryError {
            throw QueryError(e.kind, e.describe(in: query), offset: nil)
        }
        try checkStatementCount(statements.count)
        let clock = now ?? Int64(Date().timeIntervalSince1970 * 1e9)
        let context = QueryContext(now: clock, limits: limits, cancellation: cancellation)
        for (id, statement) in statements.enumerated() {
            let before = (context.pointsScanned, context.rollupRows)
            var result: StatementResult
            do {
                result = StatementResult(statementID: id, series: try run(statement, database: database, context: context))
            } catch let e as QueryError {
                result = StatementResult(statementID: id, error: e.describe(in: query))
            } catch {
                result = StatementResult(statementID: id, error: "\(error)")
            }
            result.statistics = QueryStatistics(pointsDecoded: context.pointsScanned - before.0, rollupRows: context.rollupRows - before.1)
            try each(result)
        }
    }

    /// Throws what `execute` would throw before running anything: a parse error, or more
    /// than `QueryLimits.maxStatements` statements. For callers that must choose the answer's
    /// status before streaming it.
    public func validate(_ query: String) throws {
        let statements: [Statement]
        do {
            statements = try Parser.parse(query)
        } catch let e as QueryError {
            throw QueryError(e.kind, e.describe(in: query), offset: nil)
        }
        try checkStatementCount(statements.count)
    }

    private func checkStatementCount(_ n: Int) throws {
        if limits.maxStatements > 0 && n > limits.maxStatements {
            throw QueryError(.limit, "max-statements exceeded: (\(n)/\(limits.maxStatements)): one request may hold at most \(limits.maxStatements) statements; send them in several requests, or raise the limit (max_statements)")
        }
    }

    /// The zone of the first statement's tz(), for rendering times.
    public static func timezone(of query: String) -> TimeZone? {
        guard let statements = try? Parser.parse(query) else { return nil }
        for case .select(let s) in statements { if let z = s.timezone { return TimeZone(identifier: z) } }
        return nil
    }

    func run(_ statement: Statement, database: String?, context: QueryContext) throws -> [ResultSeries] {
        try context.checkCancelled()
        switch statement {
        case .select(let s):
            let db = try requireDatabase(database)
            return try select(s, database: db, context: context)
        case .createDatabase(let name):
            do { try store.createDatabase(name) } catch let e as ChargelineError { throw QueryError(.semantic, e.message) }
            return []
        default:
            return try MetadataExecutor(engine: self, context: context).run(statement, database: database)
        }
    }

    func requireDatabase(_ database: String?) throws -> String {
        guard let db = database, !db.isEmpty else {
            throw QueryError(.semantic, "database name required: pass db= (HTTP) or --db (CLI)")
        }
        guard store.hasDatabase(db) else {
            throw QueryError(.semantic, "database not found: \(db) (existing: \(store.databaseNames().joined(separator: ", ")))")
        }
        return db
    }

    /// Measurements a FROM list names (explicit names must exist), each with the tier its
    /// retention policy names: `autogen` (or none) the raw data, the rollup's name its rows.
    func measurements(_ sources: [Source], database: String) throws -> [MeasurementRef] {
        var out: [MeasurementRef] = []
        for s in sources {
            switch s {
            case .measurement(let name, let rp, let offset):
                let rollup = try isRollup(rp, database: database, offset: offset)
                let all = names(database, rollup: rollup)
                guard all.contains(name) else {
                    let where_ = rollup ? "retention policy \"\(rp!)\" of database \"\(database)\"" : "database \"\(database)\""
                    throw QueryError(.semantic, "measurement \"\(name)\" not found in \(where_) (measurements: \(all.joined(separator: ", ")))", offset: offset)
                }
                out.append(MeasurementRef(name: name, rollup: rollup))
            case .regex(let r, let rp, let offset):
                let rollup = try isRollup(rp, database: database, offset: offset)
                let p = try Pattern(r, offset: offset)
                out += names(database, rollup: rollup).filter { p.matches($0) }.map { MeasurementRef(name: $0, rollup: rollup) }
            case .subquery:
                break
            }
        }
        var seen = Set<MeasurementRef>()
        return out.filter { seen.insert($0).inserted }.sorted { $0.name != $1.name ? $0.name < $1.name : !$0.rollup }
    }

    private func names(_ database: String, rollup: Bool) -> [String] {
        rollup ? store.rollupMeasurements(database: database) : ((try? store.measurements(database: database)) ?? [])
    }

    /// Whether retention policy `rp` names the rollup (nil and `autogen`: raw data).
    private func isRollup(_ rp: String?, database: String, offset: Int) throws -> Bool {
        guard let rp, rp != "autogen" else { return false }
        if let name = store.rollupName, rp == name { return true }
        let known = ["autogen"] + (store.rollupName.map { [$0] } ?? [])
        throw QueryError(.semantic, "retention policy \"\(rp)\" not found in database \"\(database)\" (retention policies: \(known.joined(separator: ", ")))", offset: offset)
    }

    func catalog(_ database: String, _ m: MeasurementRef) throws -> SeriesCatalog {
        do {
            let found = m.rollup ? try store.rollupCatalog(database: database, measurement: m.name)
                                 : try store.catalog(database: database, measurement: m.name)
            guard let c = found else {
                throw QueryError(.semantic, "database not found: \(database)")
            }
            return c
        } catch let e as ChargelineError {
            throw QueryError(.storage, e.description)
        }
    }

    /// The series of `m`'s raw catalog plus those only rollup rows still hold (their raw
    /// partitions were dropped by retention), for transparent reads.
    private func catalogWithRollupSeries(_ database: String, _ raw: SeriesCatalog) throws -> SeriesCatalog? {
        let rollup = try catalog(database, MeasurementRef(name: raw.measurement, rollup: true))
        let known = Set(raw.series.map(\.key))
        let extra = rollup.series.map(\.key).filter { !known.contains($0) }
        guard !extra.isEmpty else { return nil }
        return SeriesCatalog(measurement: raw.measurement, keys: raw.series.map(\.key) + extra, fields: raw.fields)
    }

    func select(_ s: SelectStatement, database: String, context: QueryContext) throws -> [ResultSeries] {
        var series: [ResultSeries] = []
        for src in s.sources {
            if case .subquery(let inner) = src {
                series += try subquery(outer: s, inner: inner, database: database, context: context)
            }
        }
        let matched = try measurements(s.sources, database: database)
        // `SELECT *` over several measurements: every one gets the union of their columns.
        var union: (fields: Set<String>, tags: Set<String>)? = nil
        if matched.count > 1, s.fields.contains(where: { if case .wildcard = $0.expr.kind { true } else { false } }) {
            var u = (fields: Set<String>(), tags: Set<String>())
            for m in matched {
                let c = try catalog(database, m)
                u.fields.formUnion(c.fields.keys)
                u.tags.formUnion(c.tagKeys)
            }
            union = u
        }
        for m in matched {
            try context.checkCancelled()
            let source: any DataSource = m.rollup ? RollupTierSource(store: store, database: database)
                                                  : StoreSource(store: store, database: database, useRollups: useRollups)
            let rollupBucket = !m.rollup && useRollups && store.rollupName != nil ? store.options.rollup.bucket : nil
            func plan(_ catalog: SeriesCatalog) throws -> SelectPlan {
                var planner = try Planner(statement: s, catalog: catalog, now: context.now, maxBuckets: limits.maxBuckets, wildcardUnion: union)
                planner.context = context
                var p = try planner.build()
                p.rollupBucket = rollupBucket
                return Optimizer.optimize(p)
            }
            let rawCatalog = try catalog(database, m)
            var p = try plan(rawCatalog)
            // Series whose raw data retention dropped still answer from their rollup rows.
            if p.readsRollups, let wider = try catalogWithRollupSeries(database, rawCatalog) { p = try plan(wider) }
            series += try SelectExecutor(plan: p, source: source, context: context).run()
        }
        series.sort { a, b in a.name != b.name ? a.name < b.name : a.tags.lexicographicallyPrecedes(b.tags) { $0.value < $1.value } }
        if s.soffset > 0 { series = Array(series.dropFirst(s.soffset)) }
        if s.slimit > 0 { series = Array(series.prefix(s.slimit)) }
        // InfluxDB 1.x picks SLIMIT/SOFFSET series in ascending order and, under ORDER BY time
        // DESC, emits them in descending order.
        if s.descending { series.reverse() }
        return series
    }

    /// `time < x`, `time <= x` (or `x > time`, `x >= time`).
    static func isUpperTimeBound(_ c: Expr) -> Bool {
        guard case .binary(let op, let l, let r) = c.kind else { return false }
        let isTime = { (e: Expr) -> Bool in if case .reference(let n, _) = e.kind { return n.lowercased() == "time" }; return false }
        if isTime(l) { return op == "<" || op == "<=" }
        if isTime(r) { return op == ">" || op == ">=" }
        return false
    }

    /// `FROM (SELECT ...)`: the inner result becomes an in-memory measurement whose series
    /// are the inner groups (tags) and whose fields are the inner columns.
    private func subquery(outer: SelectStatement, inner: SelectStatement, database: String, context: QueryContext) throws -> [ResultSeries] {
        let rows = try select(inner, database: database, context: context)
        let memory = MemorySource(rows)
        var outerStatement = outer
        outerStatement.sources = []
        // The outer query sees the inner lower time bound when it gives no time condition
        // itself. Not the upper bound: as in InfluxDB 1.x, an outer GROUP BY time() without
        // one runs to now(), with empty buckets up to it.
        let hasTime = outer.condition?.conjuncts.contains { $0.references.contains { $0.lowercased() == "time" } } ?? false
        if !hasTime {
            let innerTime = inner.condition?.conjuncts.filter { c in
                guard c.references.contains(where: { $0.lowercased() == "time" }) else { return false }
                return !(outer.interval != nil && Self.isUpperTimeBound(c))
            } ?? []
            for c in innerTime {
                outerStatement.condition = outerStatement.condition.map { Expr(.binary("AND", $0, c), at: c.offset) } ?? c
            }
        }
        var out: [ResultSeries] = []
        for catalog in memory.catalogs {
            try context.checkCancelled()
            var planner = try Planner(statement: outerStatement, catalog: catalog, now: context.now, maxBuckets: limits.maxBuckets)
            planner.context = context
            let plan = Optimizer.optimize(try planner.build())
            out += try SelectExecutor(plan: plan, source: memory, context: context).run()
        }
        return out
    }
}

/// A measurement of one tier of a database: its raw data, or its rollup rows.
struct MeasurementRef: Hashable, Sendable {
    var name: String
    var rollup: Bool
}

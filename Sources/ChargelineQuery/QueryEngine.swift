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
    /// What runs now, for SHOW QUERIES and KILL QUERY.
    let running = RunningQueries()
    /// When the engine was created (SHOW DIAGNOSTICS' `started`).
    let started = Date()
    /// Answers user, privilege and token statements; nil: they answer an error.
    public let users: (any UserAdministration)?

    public init(store: Store, limits: QueryLimits = QueryLimits(), useRollups: Bool = true,
                users: (any UserAdministration)? = nil) {
        self.store = store
        self.limits = limits
        self.useRollups = useRollups
        self.users = users
    }

    /// Runs `query` against `database` at time `now` (ns; the wall clock when nil).
    ///
    /// The whole query (all its statements) stops at the configured timeout, or soon after
    /// `cancellation` is set: the statement running then and every later one answer a
    /// `.limit` error ("query timed out ...", "query cancelled: <reason>"). All statements
    /// share one budget of values produced (`QueryLimits.maxValues`).
    /// `parameters` are the values of `$name` bound parameters (`params=` over HTTP);
    /// `retentionPolicy` is the policy a FROM without one reads (`rp=` over HTTP; nil or
    /// `autogen`: the raw data).
    /// - Throws: `QueryError` when the text does not parse or has more than
    ///   `QueryLimits.maxStatements` statements (no statement runs then, as in InfluxDB).
    ///   Failures of single statements are reported in their `StatementResult`.
    public func execute(_ query: String, database: String?, now: Int64? = nil,
                        cancellation: QueryCancellation? = nil,
                        parameters: [String: QueryParameter] = [:],
                        retentionPolicy: String? = nil) throws -> [StatementResult] {
        var out: [StatementResult] = []
        try execute(query, database: database, now: now, cancellation: cancellation, parameters: parameters,
                    retentionPolicy: retentionPolicy) { out.append($0) }
        return out
    }

    /// Runs `query` as `execute(_:database:now:cancellation:parameters:retentionPolicy:)` does,
    /// handing each statement's result to `each` as soon as it is complete (on the caller's
    /// thread, in order), so a caller that streams the answer holds one statement's result at a time.
    /// `visibleDatabases` (nil: all) are the databases SHOW DATABASES lists.
    public func execute(_ query: String, database: String?, now: Int64? = nil, cancellation: QueryCancellation? = nil,
                        parameters: [String: QueryParameter] = [:], retentionPolicy: String? = nil,
                        visibleDatabases: Set<String>? = nil,
                        each: (StatementResult) throws -> Void) throws {
        let statements: [Statement]
        do {
            statements = try Parser.parse(query, parameters: parameters)
        } catch let e as QueryError {
            throw QueryError(e.kind, e.describe(in: query), offset: nil)
        }
        try checkStatementCount(statements.count)
        let clock = now ?? Int64(Date().timeIntervalSince1970 * 1e9)
        // Every query can be stopped by KILL QUERY, so every query has a flag.
        let flag = cancellation ?? QueryCancellation()
        // A password never shows in SHOW QUERIES.
        let shown = statements.contains(where: \.carriesPassword) ? "[REDACTED: a statement with a password]" : query
        let qid = running.start(shown, database: database, cancellation: flag)
        defer { running.finish(qid) }
        let context = QueryContext(now: clock, limits: limits, cancellation: flag)
        context.defaultRetentionPolicy = retentionPolicy?.isEmpty == false ? retentionPolicy : nil
        context.visibleDatabases = visibleDatabases
        for (id, statement) in statements.enumerated() {
            let before = (context.pointsScanned, context.rollupRows)
            var result: StatementResult
            do {
                result = StatementResult(statementID: id, series: try run(statement, database: database, context: context))
                result.messages = context.takeWarnings()
            } catch let e as QueryError {
                result = StatementResult(statementID: id, error: e.describe(in: query))
            } catch {
                result = StatementResult(statementID: id, error: "\(error)")
            }
            if result.error != nil { _ = context.takeWarnings() }
            result.statistics = QueryStatistics(pointsDecoded: context.pointsScanned - before.0, rollupRows: context.rollupRows - before.1)
            try each(result)
        }
    }

    /// Throws what `execute` would throw before running anything: a parse error, or more
    /// than `QueryLimits.maxStatements` statements. For callers that must choose the answer's
    /// status before streaming it.
    public func validate(_ query: String, parameters: [String: QueryParameter] = [:]) throws {
        let statements: [Statement]
        do {
            statements = try Parser.parse(query, parameters: parameters)
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
    public static func timezone(of query: String, parameters: [String: QueryParameter] = [:]) -> TimeZone? {
        guard let statements = try? Parser.parse(query, parameters: parameters) else { return nil }
        for case .select(let s) in statements { if let z = s.timezone { return TimeZone(identifier: z) } }
        return nil
    }

    func run(_ statement: Statement, database: String?, context: QueryContext) throws -> [ResultSeries] {
        try context.checkCancelled()
        switch statement {
        case .select(let s):
            let db = try requireDatabase(try Self.database(namedIn: s.sources) ?? database)
            return try select(s, database: db, context: context)
        case .explain(let s, let analyze):
            let db = try requireDatabase(try Self.database(namedIn: s.sources) ?? database)
            return try explain(s, analyze: analyze, database: db, context: context)
        case .createDatabase(let name, let policy):
            return try createDatabase(name, policy: policy, context: context)
        case .createRetentionPolicy(let name, let db, let spec, let offset), .alterRetentionPolicy(let name, let db, let spec, let offset):
            return try createOrAlterPolicy(name, database: db, spec, offset: offset, context: context)
        case .dropRetentionPolicy(let name, let db, let offset):
            return try dropPolicy(name, database: db, offset: offset)
        case .createUser, .dropUser, .setPassword, .grant, .revoke, .showUsers, .showGrants, .createToken, .showTokens, .dropToken:
            return try runUserStatement(statement)
        case .dropDatabase(let name):
            return try dropDatabase(name)
        case .dropMeasurement(let name, _):
            return try dropMeasurement(name, database: database)
        case .deleteSeries(let sources, let condition, let dropSeries, let offset):
            let db = try requireDatabase(try Self.database(namedIn: sources) ?? database)
            return try deleteSeries(sources: sources, condition: condition, dropSeries: dropSeries, offset: offset, database: db, context: context)
        default:
            return try MetadataExecutor(engine: self, context: context).run(statement, database: database)
        }
    }

    func requireDatabase(_ database: String?) throws -> String {
        guard let db = database, !db.isEmpty else {
            throw QueryError(.semantic, "database name required: pass db= (HTTP) or --db (CLI)")
        }
        guard store.hasDatabase(db) else {
            throw QueryError(.semantic, store.databaseNotFoundMessage(db))
        }
        return db
    }

    /// The database a FROM list names (`"db"."rp"."m"`, `"db".."m"`), nil when none does.
    /// - Throws: when sources name different databases (a statement reads one).
    static func database(namedIn sources: [Source]) throws -> String? {
        var found: (name: String, offset: Int)?
        for s in sources {
            let named: (String?, Int)
            switch s {
            case .measurement(_, _, let offset, let db), .regex(_, _, let offset, let db): named = (db, offset)
            case .subquery: continue
            }
            guard let db = named.0 else { continue }
            if let f = found, f.name != db {
                throw QueryError(.semantic, "FROM names databases \"\(f.name)\" and \"\(db)\": a statement reads one database", offset: named.1)
            }
            found = (db, named.1)
        }
        return found?.name
    }

    /// Measurements a FROM list names, each with the tier its retention policy names:
    /// `autogen` (or none) the raw data, the rollup's name its rows. A name the database does
    /// not hold matches nothing, as in InfluxDB 1.x (an empty result, not an error); the
    /// context gets a warning naming the measurements there are.
    func measurements(_ sources: [Source], database: String, context: QueryContext) throws -> [MeasurementRef] {
        var out: [MeasurementRef] = []
        for s in sources {
            switch s {
            case .measurement(let name, let rp, let offset, _):
                let rollup = try isRollup(rp ?? context.defaultRetentionPolicy, database: database, offset: offset)
                let all = names(database, rollup: rollup)
                guard all.contains(name) else {
                    let where_ = rollup ? "retention policy \"\(rp!)\" of database \"\(database)\"" : "database \"\(database)\""
                    context.warn(QueryError(.semantic, "measurement \"\(name)\" not found in \(where_) (measurements: \(all.joined(separator: ", ")))", offset: offset).message)
                    continue
                }
                out.append(MeasurementRef(name: name, rollup: rollup))
            case .regex(let r, let rp, let offset, _):
                let rollup = try isRollup(rp ?? context.defaultRetentionPolicy, database: database, offset: offset)
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

    /// Runs `s`. `planned`, when given, sees each measurement's optimised plan before it
    /// runs (EXPLAIN); it returns whether to run it, and subqueries do not run when it is set.
    func select(_ s: SelectStatement, database: String, context: QueryContext,
                planned: ((MeasurementRef, SelectPlan) -> Bool)? = nil) throws -> [ResultSeries] {
        var series: [ResultSeries] = []
        for src in s.sources where planned == nil {
            if case .subquery(let inner) = src {
                series += try subquery(outer: s, inner: inner, database: database, context: context)
            }
        }
        let matched = try measurements(s.sources, database: database, context: context)
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
        // Names unknown in some measurement: a warning only when no matched measurement
        // knows them (a regex FROM over measurements with different fields is no mistake).
        var unknown: [(name: String, text: String)] = []
        defer {
            var known = Set<String>()
            if !unknown.isEmpty {
                for m in matched {
                    if let c = try? catalog(database, m) { known.formUnion(c.fields.keys); known.formUnion(c.tagKeys) }
                }
            }
            for w in unknown where !known.contains(w.name) { context.warn(w.text) }
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
                unknown += planner.warnings
                p.rollupBucket = rollupBucket
                return Optimizer.optimize(p)
            }
            let rawCatalog = try catalog(database, m)
            var p = try plan(rawCatalog)
            // Series whose raw data retention dropped still answer from their rollup rows.
            if p.readsRollups, let wider = try catalogWithRollupSeries(database, rawCatalog) { p = try plan(wider) }
            // None of the selected fields exists here: InfluxDB 1.x has no iterator for the
            // measurement, so it adds no series (the planner left a warning).
            if p.readsNoField { continue }
            if let planned, !planned(m, p) { continue }
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

    /// `parts` joined with AND as a balanced tree (its depth grows with the log of the count).
    static func conjunction(_ parts: ArraySlice<Expr>) -> Expr? {
        guard parts.count > 1 else { return parts.first }
        let mid = parts.startIndex + parts.count / 2
        let l = conjunction(parts[..<mid])!, r = conjunction(parts[mid...])!
        return Expr(.binary("AND", l, r), at: l.offset)
    }

    /// `FROM (SELECT ...)`: the inner result becomes an in-memory measurement whose series
    /// are the inner groups (tags) and whose fields are the inner columns.
    private func subquery(outer: SelectStatement, inner: SelectStatement, database: String, context: QueryContext) throws -> [ResultSeries] {
        let innerDatabase = try Self.database(namedIn: inner.sources).map { try requireDatabase($0) } ?? database
        let rows = try select(inner, database: innerDatabase, context: context)
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
            // Joined as a balanced tree: a chain would add one level of expression depth per
            // inner conjunct, past what the parser let either statement have.
            if let inherited = Self.conjunction(innerTime[...]) {
                outerStatement.condition = outerStatement.condition.map { Expr(.binary("AND", $0, inherited), at: inherited.offset) } ?? inherited
            }
        }
        var out: [ResultSeries] = []
        for catalog in memory.catalogs {
            try context.checkCancelled()
            var planner = try Planner(statement: outerStatement, catalog: catalog, now: context.now, maxBuckets: limits.maxBuckets)
            planner.context = context
            let plan = Optimizer.optimize(try planner.build())
            for w in planner.warnings { context.warn(w.text) }
            if plan.readsNoField { continue }
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

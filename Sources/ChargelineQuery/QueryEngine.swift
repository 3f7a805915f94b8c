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

    public init(store: Store, limits: QueryLimits = QueryLimits()) {
        self.store = store
        self.limits = limits
    }

    /// Runs `query` against `database` at time `now` (ns; the wall clock when nil).
    /// - Throws: `QueryError` when the text does not parse (no statement runs then, as in
    ///   InfluxDB). Failures of single statements are reported in their `StatementResult`.
    public func execute(_ query: String, database: String?, now: Int64? = nil) throws -> [StatementResult] {
        let statements: [Statement]
        do {
            statements = try Parser.parse(query)
        } catch let e as QueryError {
            throw QueryError(e.kind, e.describe(in: query), offset: nil)
        }
        let clock = now ?? Int64(Date().timeIntervalSince1970 * 1e9)
        let context = QueryContext(now: clock, limits: limits)
        var out: [StatementResult] = []
        for (id, statement) in statements.enumerated() {
            do {
                out.append(StatementResult(statementID: id, series: try run(statement, database: database, context: context)))
            } catch let e as QueryError {
                out.append(StatementResult(statementID: id, error: e.describe(in: query)))
            } catch {
                out.append(StatementResult(statementID: id, error: "\(error)"))
            }
        }
        return out
    }

    /// The zone of the first statement's tz(), for rendering times.
    public static func timezone(of query: String) -> TimeZone? {
        guard let statements = try? Parser.parse(query) else { return nil }
        for case .select(let s) in statements { if let z = s.timezone { return TimeZone(identifier: z) } }
        return nil
    }

    func run(_ statement: Statement, database: String?, context: QueryContext) throws -> [ResultSeries] {
        switch statement {
        case .select(let s):
            let db = try requireDatabase(database)
            return try select(s, source: StoreSource(store: store, database: db), database: db, context: context)
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

    /// Measurements a FROM list names (explicit names must exist).
    func measurements(_ sources: [Source], database: String) throws -> [String] {
        let all = (try? store.measurements(database: database)) ?? []
        var out: [String] = []
        for s in sources {
            switch s {
            case .measurement(let name, let offset):
                guard all.contains(name) else {
                    throw QueryError(.semantic, "measurement \"\(name)\" not found in database \"\(database)\" (measurements: \(all.joined(separator: ", ")))", offset: offset)
                }
                out.append(name)
            case .regex(let r, let offset):
                let p = try Pattern(r, offset: offset)
                out += all.filter { p.matches($0) }
            case .subquery:
                break
            }
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }.sorted()
    }

    func catalog(_ database: String, _ measurement: String) throws -> SeriesCatalog {
        do {
            guard let c = try store.catalog(database: database, measurement: measurement) else {
                throw QueryError(.semantic, "database not found: \(database)")
            }
            return c
        } catch let e as ChargelineError {
            throw QueryError(.storage, e.description)
        }
    }

    func select(_ s: SelectStatement, source: any DataSource, database: String, context: QueryContext) throws -> [ResultSeries] {
        var series: [ResultSeries] = []
        for src in s.sources {
            if case .subquery(let inner) = src {
                series += try subquery(outer: s, inner: inner, database: database, context: context)
            }
        }
        for m in try measurements(s.sources, database: database) {
            var planner = try Planner(statement: s, catalog: try catalog(database, m), now: context.now, maxBuckets: limits.maxBuckets)
            let plan = Optimizer.optimize(try planner.build())
            series += try SelectExecutor(plan: plan, source: source, context: context).run()
        }
        series.sort { a, b in a.name != b.name ? a.name < b.name : a.tags.map(\.value).lexicographicallyPrecedes(b.tags.map(\.value)) }
        if s.soffset > 0 { series = Array(series.dropFirst(s.soffset)) }
        if s.slimit > 0 { series = Array(series.prefix(s.slimit)) }
        return series
    }

    /// `FROM (SELECT ...)`: the inner result becomes an in-memory measurement whose series
    /// are the inner groups (tags) and whose fields are the inner columns.
    private func subquery(outer: SelectStatement, inner: SelectStatement, database: String, context: QueryContext) throws -> [ResultSeries] {
        let rows = try select(inner, source: StoreSource(store: store, database: database), database: database, context: context)
        let memory = MemorySource(rows)
        var outerStatement = outer
        outerStatement.sources = []
        // The outer query sees the inner time range when it gives none itself.
        let hasTime = outer.condition?.conjuncts.contains { $0.references.contains { $0.lowercased() == "time" } } ?? false
        if !hasTime {
            let innerTime = inner.condition?.conjuncts.filter { $0.references.contains { $0.lowercased() == "time" } } ?? []
            for c in innerTime {
                outerStatement.condition = outerStatement.condition.map { Expr(.binary("AND", $0, c), at: c.offset) } ?? c
            }
        }
        var out: [ResultSeries] = []
        for catalog in memory.catalogs {
            var planner = try Planner(statement: outerStatement, catalog: catalog, now: context.now, maxBuckets: limits.maxBuckets)
            let plan = Optimizer.optimize(try planner.build())
            out += try SelectExecutor(plan: plan, source: memory, context: context).run()
        }
        return out
    }
}

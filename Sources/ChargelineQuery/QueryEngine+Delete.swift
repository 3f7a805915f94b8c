import ChargelineCore
import ChargelineStorage

/// `DROP DATABASE`, `DROP MEASUREMENT`, `DROP SERIES` and `DELETE`, as InfluxDB 1.x answers
/// them (an empty result), over the store's deletes: tombstones that every read honours from
/// the moment the statement answers, which compaction later applies to the files.
extension QueryEngine {
    func dropDatabase(_ name: String) throws -> [ResultSeries] {
        // InfluxDB 1.x answers a database that does not exist with success too.
        do { try store.dropDatabase(name) } catch let e as ChargelineError { throw QueryError(.storage, e.message) }
        return []
    }

    func dropMeasurement(_ name: String, database: String?) throws -> [ResultSeries] {
        let db = try requireDatabase(database)
        // InfluxDB 1.6 answers a measurement that does not exist with success too.
        guard (try? store.measurements(database: db))?.contains(name) == true else { return [] }
        do { try store.dropMeasurement(database: db, measurement: name) } catch let e as ChargelineError {
            throw QueryError(.storage, e.message)
        }
        return []
    }

    /// `DROP SERIES` (tags only, all time) and `DELETE` (tags and a time range): the series of
    /// each measurement in FROM (every measurement without FROM) that the tag conditions select.
    func deleteSeries(sources: [Source], condition: Expr?, dropSeries: Bool, offset: Int, database: String,
                      context: QueryContext) throws -> [ResultSeries] {
        let conjuncts = condition?.conjuncts ?? []
        let timeConditions = conjuncts.filter { $0.references.contains { $0.lowercased() == "time" } }
        let tagConditions = conjuncts.filter { !$0.references.contains { $0.lowercased() == "time" } }
        if dropSeries, let t = timeConditions.first {
            throw QueryError(.semantic, "DROP SERIES doesn't support time in WHERE clause; DELETE FROM ... WHERE ... AND time ... deletes a time range", offset: t.offset)
        }
        let refs: [MeasurementRef]
        if sources.isEmpty {
            refs = ((try? store.measurements(database: database)) ?? []).map { MeasurementRef(name: $0, rollup: false) }
        } else {
            refs = try measurements(sources, database: database, context: context)
        }
        if let rollup = refs.first(where: \.rollup) {
            throw QueryError(.semantic, "\(rollup.name): rollup rows follow the raw data; delete from the raw data (retention policy autogen) and the hours it touches are recomputed", offset: offset)
        }
        var range = TimeRange.all
        for m in refs {
            try context.checkCancelled()
            let c = try catalog(database, m)
            var s = SelectStatement()
            s.fields = [SelectField(expr: Expr(.wildcard, at: 0))]
            var planner = try Planner(statement: s, catalog: c, now: context.now, maxBuckets: 1)
            planner.context = context
            range = .all
            for t in timeConditions {
                let (lo, hi) = try planner.timeBound(t)
                if let lo { range.start = max(range.start, lo) }
                if let hi { range.end = min(range.end, hi) }
            }
            guard range.start < range.end else { return [] }
            for e in tagConditions {
                for name in e.references where c.fields[name] != nil && !e.isTagCast(name) {
                    throw QueryError(.semantic, "fields not supported in WHERE clause during deletion: \(name) is a field of \(m.name); DELETE and DROP SERIES select series by tags (and DELETE a time range)", offset: e.offset)
                }
            }
            var keys: [[UInt8]]?
            if !tagConditions.isEmpty {
                let exprs = try tagConditions.map { try planner.compileRow($0) }
                var selected: [[UInt8]] = []
                var meter = WorkMeter(check: context.checkCancelled)
                let regexSize = Planner.largestRegexProgram(tagConditions)
                for series in c.series {
                    try meter.spend(Planner.tagMatchCost(series.tags, regexSize: regexSize))
                    let row = RExpr.Row(tags: series.tags)
                    if exprs.allSatisfy({ $0.eval(row).truthy }) { selected.append(series.key) }
                }
                if selected.isEmpty { continue }
                if selected.count < c.series.count { keys = selected }
            }
            do {
                try store.delete(database: database, measurement: m.name, seriesKeys: keys, range: range)
            } catch let e as ChargelineError {
                throw QueryError(.storage, e.message)
            }
        }
        return []
    }
}

extension Expr {
    /// Whether every reference to `name` is cast `::tag`.
    func isTagCast(_ name: String) -> Bool {
        var tagged = false, other = false
        walk { x in
            if case .reference(let n, let cast) = x.kind, n == name {
                if cast == "tag" { tagged = true } else { other = true }
            }
        }
        return tagged && !other
    }
}

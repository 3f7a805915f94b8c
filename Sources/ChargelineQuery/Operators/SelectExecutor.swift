import ChargelineCore
import ChargelineStorage

/// Runs a `SelectPlan`: scans the groups' series, feeds the operators (raw rows, bucketed
/// reducers, windows, latest values) on all cores, then shapes rows per group: fill,
/// transforms, HAVING, order, offset and limit.
struct SelectExecutor {
    let plan: SelectPlan
    let source: any DataSource
    let context: QueryContext

    /// One result series per non-empty group.
    func run() throws -> [ResultSeries] {
        let groups = plan.groups
        guard !groups.isEmpty, !plan.fields.isEmpty, plan.range.start < plan.range.end else { return [] }
        let out = Box<[ResultSeries?]>(Array(repeating: nil, count: groups.count))
        let order = groups.flatMap(\.series)
        let keys = order.map { plan.catalog.series[$0].key }
        // latest(*): the newest points straight from storage metadata, no scan.
        if case .latest = plan.kind, plan.filter == nil,
           let points = try source.latest(keys: keys, fields: plan.fields, range: plan.range) {
            return try latestSeries(points)
        }
        let maxSeries = context.limits.maxSelectSeries
        if maxSeries > 0 && keys.count > maxSeries {
            throw QueryError(.limit, "max-select-series limit exceeded: (\(keys.count)/\(maxSeries)): this SELECT reads \(keys.count) series of \(plan.measurement); narrow it with WHERE on tags, or raise the limit (max_select_series)")
        }
        // Scan every series once (index lookups only; blocks decode lazily in the operators).
        let scans = try source.scan(keys: keys, fields: plan.fields, range: plan.range)
        try chargeBuckets(scans: scans)
        var byIndex: [Int: SeriesScan] = [:]
        for (k, i) in order.enumerated() { byIndex[i] = scans[k] }
        let perGroup = groups.map { g in g.series.map { byIndex[$0]! } }
        // Transparent reads: rollup rows for the hours they answer, per series.
        var rollupsFound: [[SeriesScan]]? = nil
        var splitFound: (RollupSplit, [[Int?]])? = nil
        if plan.readsRollups, let coverage = source.rollupCoverage(), let s = RollupSplit(plan: plan, coverage: coverage) {
            let wanted = s.fields(plan)
            let rollupScans = try source.scanRollup(keys: keys, fields: wanted.names, range: s.span)
            var rollupByIndex: [Int: SeriesScan] = [:]
            for (k, i) in order.enumerated() { rollupByIndex[i] = rollupScans[k] }
            rollupsFound = groups.map { g in g.series.map { rollupByIndex[$0]! } }
            splitFound = (s, wanted.index)
        }
        let rollupsPerGroup = rollupsFound, split = splitFound
        let tasks = min(groups.count, 64)
        try context.parallel(tasks) { task in
            var g = task
            while g < groups.count {
                let series = try self.group(groups[g], scans: perGroup[g], rollups: rollupsPerGroup?[g], split: split)
                if let series { out.update { $0[g] = series } }
                g += tasks
            }
        }
        return out.get().compactMap { $0 }
    }

    /// A GROUP BY time(): checks the buckets per series and charges the request's value budget
    /// with every reducer slot it is about to allocate (buckets x calls, for each group, or for
    /// each parallel partial of a single group), before any is allocated. Values the buckets
    /// then produce are not charged again.
    private func chargeBuckets(scans: [SeriesScan]) throws {
        guard case .aggregate = plan.kind, let w = plan.windowing else { return }
        var first = plan.range.start
        if !plan.hasLowerBound {
            first = scans.lazy.flatMap { $0.fields.compactMap { $0?.chunks.first?.minTime } }.min() ?? plan.range.end
        }
        guard first < plan.range.end else { return }
        let perSeries = w.bucketCount(from: first, through: plan.range.end &- 1)
        if perSeries > context.limits.maxBuckets + 1 { throw w.tooManyBuckets(perSeries, limit: context.limits.maxBuckets) }
        let groups = plan.groups.count
        let copies = groups == 1 ? min(max(scans.count, 1), 8) : groups
        let calls = max(plan.calls.count, 1)
        let (a, o1) = perSeries.multipliedReportingOverflow(by: copies)
        let (slots, o2) = a.multipliedReportingOverflow(by: calls)
        try context.chargeValues(o1 || o2 ? Int.max : slots, what: """
            GROUP BY time(\(Windowing.format(w.interval))) makes \(perSeries) buckets x \(copies) \(groups == 1 ? "series" : "groups") x \(calls) \(calls == 1 ? "call" : "calls")
            """)
    }

    /// latest(*) from `DataSource.latest`'s points (in the order of `groups.flatMap(\.series)`).
    private func latestSeries(_ points: [LatestPoint?]) throws -> [ResultSeries] {
        let op = LatestOperator(plan: plan, context: context)
        let fieldOrder = op.fieldOrder
        // Without HAVING, order or limits the rows are final: no reshaping per group.
        let final = plan.having == nil && !plan.descending && plan.offset == 0 && plan.limit == 0
        let columns = ["time"] + SelectPlan.latestColumns
        var out: [ResultSeries] = []
        out.reserveCapacity(plan.groups.count)
        var k = 0
        for g in plan.groups {
            let rows = op.rows(points, series: k..<(k + g.series.count), order: fieldOrder)
            k += g.series.count
            if final {
                if !rows.isEmpty { out.append(ResultSeries(name: plan.measurement, tags: g.tags, columns: columns, values: rows)) }
            } else {
                let timed = rows.map { r -> (time: Int64, values: [Value]) in
                    guard case .time(let t) = r[0] else { preconditionFailure("BUG: a latest row starts with its time") }
                    return (t, Array(r.dropFirst()))
                }
                if let s = try shape(g, rows: timed, columns: SelectPlan.latestColumns) { out.append(s) }
            }
        }
        return out
    }

    private func group(_ g: SelectPlan.Group, scans: [SeriesScan], rollups: [SeriesScan]?, split: (RollupSplit, [[Int?]])?) throws -> ResultSeries? {
        try context.checkCancelled()
        var rows: [(time: Int64, values: [Value])]
        var columns = plan.columns.map(\.name)
        switch plan.kind {
        case .raw:
            rows = try RawOperator(plan: plan, context: context).rows(g, scans: scans)
        case .aggregate:
            if let (split, index) = split, let rollups {
                var raw: [SeriesScan] = []
                var rollupRows: [[[RollupRow]]] = []
                for (s, scan) in scans.enumerated() {
                    let covered = split.covered(scan.key)
                    raw.append(try split.rawRemainder(scan, covered: covered, context: context))
                    let r = try split.rows(rollups[s], covered: covered, index: index)
                    context.didReadRollups(r.reduce(0) { $0 + $1.count })
                    rollupRows.append(r)
                }
                rows = try AggregateOperator(plan: plan, context: context).rows(g, scans: raw, rollups: rollupRows)
            } else {
                rows = try AggregateOperator(plan: plan, context: context).rows(g, scans: scans)
            }
        case .window(let spec):
            rows = try WindowOperator(plan: plan, spec: spec, context: context).rows(g, scans: scans)
            if case .state = spec { columns = ["end", "duration", "state"] + columns } else { columns = ["end", "duration"] + columns }
        case .latest:
            rows = try LatestOperator(plan: plan, context: context).rows(g, scans: scans)
            columns = SelectPlan.latestColumns
        }
        let shaped = try shape(g, rows: rows, columns: columns)
        switch plan.kind {
        case .raw: break  // charged while the rows were made
        case .aggregate where plan.windowing != nil: break  // charged before the buckets were made
        default: try context.chargeValues((shaped?.values.count ?? 0) * max(1, columns.count))
        }
        return shaped
    }

    /// Transforms, HAVING, order, offset and limit over one group's rows; nil when none is left.
    private func shape(_ g: SelectPlan.Group, rows: [(time: Int64, values: [Value])], columns: [String]) throws -> ResultSeries? {
        var rows = rows
        if plan.columns.contains(where: { $0.transform != nil }) { rows = try Transformer(plan: plan, context: context).apply(rows) }
        if let start = plan.outputStart { rows.removeAll { $0.time < start } }
        if let having = plan.having {
            // HAVING sees the plan's columns (the leading window columns skipped); after
            // latest() every column: field and value.
            var skip = columns.count - plan.columns.count
            if case .latest = plan.kind { skip = 0 }
            rows = rows.filter { r in having.eval(RExpr.Row(time: r.time, slots: Array(r.values.dropFirst(skip)))).truthy }
        }
        if plan.descending { rows.reverse() }
        if plan.offset > 0 { rows = Array(rows.dropFirst(plan.offset)) }
        if plan.limit > 0 { rows = Array(rows.prefix(plan.limit)) }
        guard !rows.isEmpty else { return nil }
        return ResultSeries(name: plan.measurement, tags: g.tags, columns: ["time"] + columns,
                            values: rows.map { [.time($0.time)] + $0.values })
    }
}

/// Whether block statistics prove that no row of the series can pass the WHERE row filter.
enum BoundPruning {
    /// True when some bound's field has only stat-carrying chunks and none can satisfy it.
    static func seriesIsDead(_ scan: SeriesScan, bounds: [SelectPlan.Bound], types: [FieldType]) -> Bool {
        for b in bounds {
            guard let f = scan.fields[b.field] else { return true }  // field absent: comparison false on every row
            var dead = true
            for c in f.chunks {
                guard let s = c.stats, s.hasStatistics else { dead = false; break }
                let lo = key(s.min, types[b.field]), hi = key(s.max, types[b.field])
                let possible: Bool = switch b.op {
                case ">": hi > b.value
                case ">=": hi >= b.value
                case "<": lo < b.value
                case "<=": lo <= b.value
                default: lo <= b.value && b.value <= hi
                }
                if possible { dead = false; break }
            }
            if dead { return true }
        }
        return false
    }

    static func key(_ bits: UInt64, _ type: FieldType) -> Double {
        switch type {
        case .float: Double(bitPattern: bits)
        case .integer: Double(Int64(bitPattern: bits))
        default: Double(bits)
        }
    }
}

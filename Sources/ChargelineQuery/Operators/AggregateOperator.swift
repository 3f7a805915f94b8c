import ChargelineCore
import ChargelineStorage

/// Aggregates per group and bucket. Per series: blocks wholly inside one bucket are answered
/// from their statistics when the call allows it; other blocks are decoded once per field and
/// fed to every call on that field slice by slice. Rows with a WHERE row filter go through a
/// joined frame. Rollup rows (per series and field slot, from `RollupSplit`) are folded in
/// beside the raw data, which then holds only the hours they do not cover. Then fill and the
/// SELECT expressions per bucket.
struct AggregateOperator {
    let plan: SelectPlan
    let context: QueryContext

    /// - Parameter rollups: per series of `scans`, per field slot, rollup rows to add; the raw
    ///   scans must not hold values of the buckets these rows cover.
    func rows(_ g: SelectPlan.Group, scans: [SeriesScan], rollups: [[[RollupRow]]]? = nil) throws -> [(time: Int64, values: [Value])] {
        // Buckets: `starts` assign points; `shown` is the time each bucket reports.
        var starts: [Int64]
        var shown: [Int64]
        if let w = plan.windowing {
            var first = plan.range.start
            if !plan.hasLowerBound {
                first = scans.flatMap { $0.fields.compactMap { $0?.chunks.first?.minTime } }.min() ?? plan.range.end
                if let rollups, let r = rollups.flatMap({ $0.compactMap { $0.first?.time } }).min() { first = min(first, r) }
            }
            guard first < plan.range.end else { return [] }
            starts = try w.buckets(from: first, through: plan.range.end &- 1, limit: context.limits.maxBuckets)
            shown = starts
        } else {
            starts = [plan.range.start]
            shown = [plan.hasLowerBound ? plan.range.start : 0]
        }
        let bucketCount = starts.count
        if plan.calls.count == 1, !plan.calls[0].tags.isEmpty {
            return try topByTag(g, scans: scans, starts: starts, shown: shown)
        }
        let blankRow = plan.calls.map { c in Array(repeating: Reducer(c.fn, type: c.type, parameter: c.parameter), count: bucketCount) }
        let bucketStarts = starts
        // Per series partials (in parallel when the group is the whole query), then merged.
        let partials = Box<[[[Reducer]]]>([])
        let useParallel = plan.groups.count == 1 && scans.count > 1
        let tasks = useParallel ? min(scans.count, 8) : 1
        try context.parallel(tasks) { task in
            var acc = blankRow
            var s = task
            while s < scans.count {
                try self.feed(scans[s], tags: plan.catalog.series[g.series[s]].tags, calls: plan.calls, starts: bucketStarts, into: &acc)
                if let rollups { self.feed(rollups[s], starts: bucketStarts, into: &acc) }
                s += tasks
            }
            partials.update { $0.append(acc) }
        }
        var acc = blankRow
        for p in partials.get() {
            for c in acc.indices { for b in 0..<bucketCount { acc[c][b].merge(p[c][b]) } }
        }
        guard acc.contains(where: { $0.contains { $0.count > 0 } }) else { return [] }
        var integrals: [Int: [Value]] = [:]
        for (c, call) in plan.calls.enumerated() where call.fn == .integral {
            integrals[c] = Integral.compute(acc[c], starts: starts, windowing: plan.windowing, range: plan.range, unit: call.unit)
        }
        // Bucket values per call, then fill.
        var slots: [[Value?]] = Array(repeating: Array(repeating: nil, count: bucketCount), count: plan.calls.count)
        var times: [[Int64?]] = slots.map { $0.map { _ in nil } }
        var multi: [(bucket: Int, time: Int64, value: Value)] = []
        for c in plan.calls.indices {
            for b in 0..<bucketCount where acc[c][b].count > 0 {
                if let iv = integrals[c] { slots[c][b] = iv[b]; continue }
                let r = acc[c][b].results()
                if r.count == 1 || plan.calls.count > 1 {
                    slots[c][b] = r[0].value
                    times[c][b] = r[0].time
                } else {
                    for x in r { multi.append((b, plan.pointTime ? (x.time ?? shown[b]) : shown[b], x.value)) }
                }
            }
        }
        if !multi.isEmpty {
            return multi.map { m in (m.time, plan.columns.map { $0.expr.eval(RExpr.Row(time: m.time, slots: [m.value])) }) }
        }
        let filled = Fill.apply(plan.fill, slots: slots, calls: plan.calls, starts: starts)
        var out: [(time: Int64, values: [Value])] = []
        out.reserveCapacity(bucketCount)
        for b in 0..<bucketCount {
            let row = filled.map { $0[b] }
            if row.allSatisfy({ $0 == nil }) { continue }  // fill(none)
            let values = row.map { $0 ?? .null }
            var t = shown[b]
            if plan.pointTime, let pt = times[0][b] { t = pt }
            out.append((t, plan.columns.map { $0.expr.eval(RExpr.Row(time: t, slots: values)) }))
        }
        return out
    }

    /// Feeds one series into the reducers of `calls` (the plan's, or a stand-in for them).
    func feed(_ scan: SeriesScan, tags: [(key: String, value: String)], calls: [SelectPlan.Call], starts: [Int64], into acc: inout [[Reducer]]) throws {
        try context.checkCancelled()
        if let filter = plan.filter {
            if !plan.bounds.isEmpty, BoundPruning.seriesIsDead(scan, bounds: plan.bounds, types: plan.fieldTypes) { return }
            let data = try context.decodeFields(scan)
            let frame = Frame(data)
            var keep: [Int] = []
            for i in 0..<frame.count {
                if i > 0 && i % QueryContext.rowsPerCheck == 0 { try context.checkCancelled() }
                if filter.eval(frame.row(i, tags: tags)).truthy { keep.append(i) }
            }
            // Filtered columns per field slot used by calls.
            var filtered: [Int: ColumnData] = [:]
            for c in calls where filtered[c.field] == nil {
                var col = ColumnData(type: plan.fieldTypes[c.field])
                for i in keep {
                    let v = frame.values[c.field][i]
                    if v.isNull { continue }
                    col.timestamps.append(frame.times[i])
                    switch v {
                    case .float(let d): col.bits.append(d.bitPattern)
                    case .integer(let x): col.bits.append(UInt64(bitPattern: x))
                    case .unsigned(let u): col.bits.append(u)
                    case .boolean(let b): col.bits.append(b ? 1 : 0)
                    case .string(let s): col.appendString(Array(s.utf8))
                    default: break
                    }
                }
                filtered[c.field] = col
            }
            for (c, call) in calls.enumerated() {
                Self.slices(filtered[call.field]!, starts: starts) { b, r in acc[c][b].add(filtered[call.field]!, r) }
            }
            return
        }
        // Calls grouped by field: decode each chunk at most once.
        var byField: [Int: [Int]] = [:]
        for (c, call) in calls.enumerated() { byField[call.field, default: []].append(c) }
        for (field, callsOfField) in byField {
            guard let f = scan.fields[field] else { continue }
            for chunk in f.chunks {
                var decodeFor: [Int] = []
                if let stats = chunk.exactStats {
                    let b0 = Self.bucket(of: chunk.minTime, starts), b1 = Self.bucket(of: chunk.maxTime, starts)
                    for c in callsOfField {
                        if calls[c].useStats && b0 == b1 && b0 >= 0 { acc[c][b0].add(stats: stats) } else { decodeFor.append(c) }
                    }
                } else {
                    decodeFor = callsOfField
                }
                guard !decodeFor.isEmpty else { continue }
                let data = try chunk.decode()
                try context.didScan(data.count)
                Self.slices(data, starts: starts) { b, r in
                    for c in decodeFor { acc[c][b].add(data, r) }
                }
            }
        }
    }

    /// Feeds one series' rollup rows (per field slot) into the reducers.
    private func feed(_ rollups: [[RollupRow]], starts: [Int64], into acc: inout [[Reducer]]) {
        for (c, call) in plan.calls.enumerated() where call.field < rollups.count {
            for row in rollups[call.field] {
                let b = Self.bucket(of: row.time, starts)
                if b >= 0 { acc[c][b].add(rollup: row) }
            }
        }
    }

    /// The bucket holding `t` (last start <= t), or -1 before the first.
    static func bucket(of t: Int64, _ starts: [Int64]) -> Int {
        var lo = 0, hi = starts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if starts[mid] <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo - 1
    }

    /// Calls `body(bucket, range)` for each run of `data` inside one bucket.
    static func slices(_ data: ColumnData, starts: [Int64], _ body: (Int, Range<Int>) -> Void) {
        let ts = data.timestamps
        var i = 0
        let n = ts.count
        while i < n {
            let b = bucket(of: ts[i], starts)
            if b < 0 { i += 1; continue }
            let end = b + 1 < starts.count ? starts[b + 1] : Int64.max
            var j = i + 1
            // Gallop: most buckets hold many points.
            while j < n && ts[j] < end { j += 1 }
            body(b, i..<j)
            i = j
        }
    }
}

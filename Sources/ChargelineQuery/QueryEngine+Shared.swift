import Foundation

extension QueryEngine {
    /// Answers every member of batch `batch` of `shared` at `now` with one scan: the merged
    /// statement once, then each member's columns and HAVING over its rows. Per member (in
    /// batch order) its results as `execute(query, database:, now:)` gives them, but for the
    /// `time` column (see `SharedSelects`), warnings and statistics.
    ///
    /// When the merged statement fails or warns (an unknown field, a function refused for a
    /// field's type), every member runs alone instead, so each gets its own answer or error.
    package func execute(_ shared: SharedSelects, batch: Int, database: String, now: Int64) -> [Result<[StatementResult], any Error>] {
        let b = shared.batches[batch]
        let alone = { b.queries.map { q in Result { try self.execute(q, database: database, now: now) } } }
        let flag = QueryCancellation()
        let qid = running.start(b.queries.joined(separator: "; "), database: database, cancellation: flag)
        let context = QueryContext(now: now, limits: limits, cancellation: flag)
        let merged: [ResultSeries]
        do {
            let db = try requireDatabase(try Self.database(namedIn: b.statement.sources) ?? database)
            merged = try select(b.statement, database: db, context: context)
        } catch {
            running.finish(qid)
            return alone()
        }
        running.finish(qid)
        if !context.takeWarnings().isEmpty { return alone() }
        return b.members.map { m in
            var out: [ResultSeries] = []
            var values: [Value] = []
            values.reserveCapacity(m.slots.count)
            for s in merged {
                var rows: [[Value]] = []
                for r in s.values {
                    // HAVING first, on the merged row itself: most rows of an alert rule fail
                    // it, and then no member row is built.
                    if let h = m.having {
                        let t: Int64 = if case .time(let x) = r[0] { x } else { 0 }
                        guard h.eval(RExpr.Row(time: t, slots: r)).truthy else { continue }
                    }
                    values.removeAll(keepingCapacity: true)
                    var any = false
                    for slot in m.slots {
                        let v = r[1 + slot]
                        if !v.isNull { any = true }
                        values.append(v)
                    }
                    guard any else { continue }
                    rows.append([r[0]] + values)
                }
                if !rows.isEmpty { out.append(ResultSeries(name: s.name, tags: s.tags, columns: ["time"] + m.columns, values: rows)) }
            }
            return .success([StatementResult(statementID: 0, series: out)])
        }
    }
}

/// Queries that one scan can answer together: single SELECTs of plain aggregates over the same
/// measurement, WHERE and GROUP BY tags, differing only in their calls and HAVING. A rule group
/// (20 threshold rules over one window, say) then costs one scan and one aggregation pass per
/// series instead of one per rule: the series lookup, the head and segment reads and the per
/// group work dominate such queries, not the values.
///
/// Found once for a list of queries (`init`) and reused for every evaluation; run a batch with
/// `QueryEngine.execute(_:batch:database:now:)`.
///
/// A query joins a batch only when the shared answer is the plain one: one `SELECT` of
/// `fn(field)` items (`fn` one of min, max, first, last, sum, mean, spread; optional aliases,
/// distinct column names), one measurement, no GROUP BY time() or window, no fill, ORDER BY,
/// LIMIT, OFFSET, SLIMIT, SOFFSET or tz(), and a HAVING (if any) over its own columns and
/// number literals. `count` stays out (its empty value is 0, not null, so a shared row could
/// show a group the query alone would not). The one difference: a row's `time` is the window's
/// start (as InfluxDB answers a SELECT of several calls), where a lone selector (`max` alone)
/// reports its point's time.
package struct SharedSelects: Sendable {
    /// Per query (in the order given): its batch and its place in it, nil when it runs alone.
    package let membership: [(batch: Int, member: Int)?]
    let batches: [Batch]

    /// The functions a batch computes: values that do not depend on which other calls run.
    static let functions: Set<String> = ["min", "max", "first", "last", "sum", "mean", "spread"]

    struct Batch: Sendable {
        /// The merged statement: every distinct call of the members, aliased by position, no HAVING.
        var statement: SelectStatement
        var members: [Member]
        /// The members' query texts (for SHOW QUERIES and for running one alone).
        var queries: [String]
    }

    struct Member: Sendable {
        /// Column names as the query alone answers them.
        var columns: [String]
        /// Per column, its index among the merged statement's calls.
        var slots: [Int]
        /// HAVING bound to the merged statement's rows (time first, then call slot `n` at
        /// `1 + n`), so it runs on a merged row as it is, before the member's row is built.
        var having: RExpr?
    }

    /// Finds the batches among `queries`; a batch has at least two members.
    package init(_ queries: [String]) {
        var candidates: [String: [(index: Int, statement: SelectStatement)]] = [:]
        var order: [String] = []
        for (i, q) in queries.enumerated() {
            guard let statements = try? Parser.parse(q), statements.count == 1, case .select(let s) = statements[0],
                  let key = Self.shareKey(s) else { continue }
            if candidates[key] == nil { order.append(key) }
            candidates[key, default: []].append((i, s))
        }
        var membership: [(batch: Int, member: Int)?] = Array(repeating: nil, count: queries.count)
        var batches: [Batch] = []
        for key in order {
            guard let found = candidates[key], found.count > 1 else { continue }
            var merged = found[0].statement
            merged.having = nil
            merged.fields = []
            var callSlots: [String: Int] = [:]
            var members: [Member] = []
            var texts: [String] = []
            for c in found {
                var columns: [String] = []
                var slots: [Int] = []
                for f in c.statement.fields {
                    let d = f.expr.describe
                    let slot = callSlots[d] ?? merged.fields.count
                    if slot == merged.fields.count {
                        callSlots[d] = slot
                        merged.fields.append(SelectField(expr: f.expr, alias: "c\(slot)"))
                    }
                    columns.append(f.alias ?? f.expr.columnName)
                    slots.append(slot)
                }
                var having: RExpr?
                if let h = c.statement.having {
                    guard let bound = Self.bindHaving(h, columns: columns, fields: c.statement.fields, at: slots.map { 1 + $0 }) else { continue }
                    having = bound
                }
                membership[c.index] = (batches.count, members.count)
                members.append(Member(columns: columns, slots: slots, having: having))
                texts.append(queries[c.index])
            }
            if members.count < 2 {
                for c in found { membership[c.index] = nil }
                continue
            }
            batches.append(Batch(statement: merged, members: members, queries: texts))
        }
        self.membership = membership
        self.batches = batches
    }

    /// The batch count.
    package var count: Int { batches.count }

    /// What a query must share with the others of its batch, nil when it cannot join one.
    static func shareKey(_ s: SelectStatement) -> String? {
        guard s.sources.count == 1, case .measurement(let name, let rp, _, let db) = s.sources[0],
              s.interval == nil, s.window == nil, !s.groupByAll, s.groupByRegex.isEmpty, s.fill == .null,
              !s.descending, s.limit == 0, s.offset == 0, s.slimit == 0, s.soffset == 0, s.timezone == nil,
              !s.fields.isEmpty else { return nil }
        var names = Set<String>()
        for f in s.fields {
            guard case .call(let fn, let args) = f.expr.kind, functions.contains(fn.lowercased()), args.count == 1,
                  case .reference(_, nil) = args[0].kind else { return nil }
            guard names.insert(f.alias ?? f.expr.columnName).inserted else { return nil }
        }
        let condition = s.condition.map(Self.spelling) ?? ""
        return "\(db ?? "")\u{1}\(rp ?? "")\u{1}\(name)\u{1}\(condition)\u{1}\(s.groupByTags.joined(separator: ","))"
    }

    /// An expression's exact spelling (casts included), to compare WHERE clauses.
    static func spelling(_ e: Expr) -> String {
        switch e.kind {
        case .reference(let n, let cast): "\"\(n)\"" + (cast.map { "::" + $0 } ?? "")
        case .call(let n, let a): "\(n)(\(a.map(spelling).joined(separator: ",")))"
        case .integer(let v): "i\(v)"
        case .number(let v): "f\(v.bitPattern)"
        case .string(let s): "'\(s)'"
        case .boolean(let b): "\(b)"
        case .duration(let d): "\(d)ns"
        case .regex(let r): "/\(r)/"
        case .wildcard: "*"
        case .binary(let op, let l, let r): "(\(spelling(l)) \(op) \(spelling(r)))"
        case .negate(let x): "-(\(spelling(x)))"
        }
    }

    /// HAVING bound to a member's columns as the planner binds it, nil for anything past
    /// column names, the SELECT's calls, arithmetic, comparisons and number or boolean
    /// literals (such a query runs alone, and the planner answers it or its error).
    /// `e` with each column reference (by name or by its call) bound to `.slot(at[i])`, `i`
    /// the column's index; nil when it names anything else.
    static func bindHaving(_ e: Expr, columns: [String], fields: [SelectField], at: [Int]) -> RExpr? {
        switch e.kind {
        case .reference(let n, _):
            guard n.lowercased() != "time", let i = columns.firstIndex(of: n) else { return nil }
            return .slot(at[i])
        case .call(let fn, _):
            guard fn != "now" else { return nil }
            guard let i = fields.firstIndex(where: { $0.expr.describe == e.describe }) ?? columns.firstIndex(of: e.columnName) else { return nil }
            return .slot(at[i])
        case .binary(let op, let l, let r):
            guard let bl = bindHaving(l, columns: columns, fields: fields, at: at), let br = bindHaving(r, columns: columns, fields: fields, at: at) else { return nil }
            return .binary(op, bl, br)
        case .negate(let x): return bindHaving(x, columns: columns, fields: fields, at: at).map { .negate($0) }
        case .integer(let v): return .literal(.integer(v))
        case .number(let v): return .literal(.float(v))
        case .boolean(let b): return .literal(.boolean(b))
        default: return nil
        }
    }
}

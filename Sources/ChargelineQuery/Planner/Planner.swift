import ChargelineCore
import ChargelineStorage
import Foundation

/// Binds a `SelectStatement` to one measurement's catalog: resolves names to fields and tags,
/// splits WHERE into time range, tag filter and row filter, picks the groups, and compiles the
/// SELECT list into calls and columns.
struct Planner {
    let statement: SelectStatement
    let catalog: SeriesCatalog
    let now: Int64
    let maxBuckets: Int

    /// Field and tag names of every measurement the FROM clause matched, when it matched
    /// several: `SELECT *` then expands to their union (null where this measurement lacks
    /// the name), as InfluxDB 1.x does.
    let wildcardUnion: (fields: Set<String>, tags: Set<String>)?

    var plan: SelectPlan
    var aggregateMode = false
    /// The query being planned, when there is one: series selection (tag regexes run there)
    /// checks it, paced by a `WorkMeter`, and row regexes watch it (`Pattern.matches`).
    var context: QueryContext?
    /// Unknown names answered as InfluxDB 1.x does (a WHERE name as an absent tag, a selected
    /// field as null), for the statement's `messages`.
    var warnings: [(name: String, text: String)] = []

    init(statement: SelectStatement, catalog: SeriesCatalog, now: Int64, maxBuckets: Int,
         wildcardUnion: (fields: Set<String>, tags: Set<String>)? = nil) throws {
        self.statement = statement
        self.catalog = catalog
        self.wildcardUnion = wildcardUnion
        self.now = now
        self.maxBuckets = maxBuckets
        var zone: TimeZone?
        if let name = statement.timezone {
            guard let z = TimeZone(identifier: name) else {
                throw QueryError(.semantic, "unknown time zone '\(name)' in tz(); use an IANA name such as 'Asia/Shanghai' or 'UTC'", offset: statement.startOffset)
            }
            zone = z
        }
        plan = SelectPlan(measurement: catalog.measurement, catalog: catalog, range: .all, hasLowerBound: false, zone: zone)
    }

    /// Builds the plan.
    mutating func build() throws -> SelectPlan {
        let s = statement
        // Time range first: it decides the default upper bound.
        var rest: [Expr] = []
        var start = Int64.min, end = Int64.max
        var lower = false, upper = false
        for c in s.condition?.conjuncts ?? [] {
            if c.references.contains(where: { $0.lowercased() == "time" }) {
                let (lo, hi) = try timeBound(c)
                if let lo { start = max(start, lo); lower = true }
                if let hi { end = min(end, hi); upper = true }
            } else {
                rest.append(c)
            }
        }
        aggregateMode = s.fields.contains { f in f.expr.calls.contains { AggregateFunction(rawValue: $0.name) != nil } }
        if s.interval != nil && !upper { end = now.addingSaturating(1) }
        plan.range = TimeRange(start: start, end: end)
        plan.hasLowerBound = lower
        if let interval = s.interval {
            guard aggregateMode else {
                throw QueryError(.semantic, "GROUP BY time() needs an aggregate function in the SELECT list, e.g. SELECT mean(voltage)", offset: s.startOffset)
            }
            plan.windowing = Windowing(interval: interval, offset: s.intervalOffset % interval, zone: plan.zone)
        }

        // Tag filter and row filter.
        var tagConjuncts: [Expr] = []
        var rowConjuncts: [Expr] = []
        for c in rest {
            let refs = c.references
            if refs.allSatisfy({ isTag($0, in: c) }) { tagConjuncts.append(c) } else { rowConjuncts.append(c) }
        }
        let selected = try selectSeries(tagConjuncts)
        if !rowConjuncts.isEmpty {
            plan.filter = try rowConjuncts.dropFirst().reduce(try compileRow(rowConjuncts[0])) { acc, e in
                .binary("AND", acc, try compileRow(e))
            }
            for c in rowConjuncts { if let b = bound(c) { plan.bounds.append(b) } }
        }

        // Groups.
        var keys = s.groupByTags
        if s.groupByAll { keys = catalog.tagKeys }
        for r in s.groupByRegex {
            let p = try Pattern(r, offset: s.startOffset)
            keys += catalog.tagKeys.filter { p.matches($0) }
        }
        var seen = Set<String>()
        keys = keys.filter { seen.insert($0).inserted }.sorted()
        plan.groupKeys = keys
        plan.groups = groups(of: selected, by: keys)

        // SELECT list.
        try compileSelectList(groupKeys: Set(keys))
        if case .latest = plan.kind, plan.filter != nil {
            // The operators would read each field's newest point regardless of the condition.
            throw QueryError(.semantic, "latest() takes tag and time conditions only; for the newest value among rows that meet a field condition use last(field) with that condition", offset: s.startOffset)
        }
        if let window = s.window {
            guard aggregateMode else {
                throw QueryError(.semantic, "GROUP BY state()/episode() needs aggregate functions in the SELECT list, e.g. SELECT max(temperature)", offset: s.startOffset)
            }
            guard s.interval == nil else {
                throw QueryError(.semantic, "GROUP BY time() cannot be combined with state() or episode() windows", offset: s.startOffset)
            }
            switch window {
            case .state(let field, let offset):
                guard catalog.fields[field] != nil else { throw unknownField(field, offset: offset) }
                plan.kind = .window(.state(field: slot(field)))
            case .episode(let condition, let minimum):
                plan.kind = .window(.episode(condition: try compileRow(condition), minDuration: minimum))
                plan.episodeBounds = condition.conjuncts.compactMap { bound($0) }
            }
        }
        plan.pointTime = aggregateMode && s.interval == nil && s.window == nil && plan.calls.count == 1
            && plan.calls[0].fn.isSelector && plan.columns.count == 1 && plan.columns[0].transform == nil
        if plan.calls.contains(where: { $0.fn == .top || $0.fn == .bottom || $0.fn == .distinct }) {
            guard plan.calls.count == 1, plan.columns.count == 1 + plan.calls[0].tags.count else {
                throw QueryError(.semantic, "top(), bottom() and distinct() return several rows and cannot be combined with other functions or fields", offset: s.startOffset)
            }
            plan.pointTime = plan.calls[0].fn != .distinct
        }
        if let having = s.having { plan.having = try compileHaving(having) }
        extendForTransforms()
        plan.fill = s.fill
        plan.descending = s.descending
        plan.limit = s.limit
        plan.offset = s.offset
        return plan
    }

    /// InfluxDB 1.x reads `ExtraIntervals` buckets before the range for transforms over
    /// GROUP BY time() aggregates (derivative, difference, elapsed, moving_average: one
    /// bucket; 1.6 reads one for moving_average too, whatever its N, so its first output is
    /// the range's first bucket only for N = 2), so the range's first bucket gets a value
    /// from the one before it.
    private mutating func extendForTransforms() {
        guard case .aggregate = plan.kind, let w = plan.windowing, plan.hasLowerBound else { return }
        var extra: Int64 = 0
        for c in plan.columns {
            guard let t = c.transform else { continue }
            switch t.fn {
            case .derivative, .non_negative_derivative, .difference, .non_negative_difference, .elapsed, .moving_average: extra = 1
            case .cumulative_sum, .holt_winters, .holt_winters_with_fit: break
            }
        }
        guard extra > 0 else { return }
        let first = w.start(of: plan.range.start)
        let (back, overflow) = extra.multipliedReportingOverflow(by: w.interval)
        guard !overflow, first > Int64.min &+ back else { return }
        plan.outputStart = first
        plan.range = TimeRange(start: w.start(of: first &- back), end: plan.range.end)
    }

    // MARK: - Names

    private func isTag(_ name: String, in e: Expr) -> Bool {
        var cast: String?
        e.walk { x in if case .reference(let n, let c) = x.kind, n == name { cast = c } }
        if cast == "tag" { return true }
        if cast != nil { return false }
        // A name that is neither a field nor a tag here is an absent tag (the empty string),
        // as in InfluxDB 1.x: `nosuch = 'x'` selects no series, `nosuch != 'x'` all of them.
        return catalog.fields[name] == nil
    }

    /// Records that `name` is unknown here and is answered as InfluxDB 1.x does.
    mutating func warnUnknown(_ name: String, offset: Int, answer: String) {
        let text = unknownField(name, offset: offset).message + "; " + answer
        if !warnings.contains(where: { $0.text == text }) { warnings.append((name, text)) }
    }

    func unknownField(_ name: String, offset: Int) -> QueryError {
        let known = catalog.fields.keys.sorted().joined(separator: ", ")
        let tags = catalog.tagKeys.joined(separator: ", ")
        return QueryError(.semantic, "unknown field or tag \"\(name)\" in measurement \"\(catalog.measurement)\" (fields: \(known); tags: \(tags))", offset: offset)
    }

    /// The scan slot of a field, adding it on first use.
    private mutating func slot(_ field: String) -> Int {
        if let i = plan.fields.firstIndex(of: field) { return i }
        plan.fields.append(field)
        plan.fieldTypes.append(catalog.fields[field]!)
        return plan.fields.count - 1
    }

    // MARK: - WHERE

    /// `time op constant` (either side) as [start, end) bounds.
    func timeBound(_ e: Expr) throws -> (Int64?, Int64?) {
        guard case .binary(var op, let l, let r) = e.kind, ["=", "<", "<=", ">", ">="].contains(op) else {
            throw QueryError(.semantic, "time can only be compared with =, <, <=, > or >= against a constant, and combined with AND", offset: e.offset)
        }
        var value: Expr
        if case .reference(let n, _) = l.kind, n.lowercased() == "time" {
            value = r
        } else if case .reference(let n, _) = r.kind, n.lowercased() == "time" {
            value = l
            op = ["<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="][op]!
        } else {
            throw QueryError(.semantic, "time must stand alone on one side of the comparison", offset: e.offset)
        }
        let t = try timeValue(value)
        // Bounds saturate: nothing lies after Int64.max, so `time > 9223372036854775807` is
        // the empty range, never a wrapped-around `time > Int64.min`.
        let next = t == .max ? nil : t + 1
        switch op {
        case ">": return (next ?? .max, next == nil ? .max : nil)
        case ">=": return (t, nil)
        case "<": return (nil, t)
        case "<=": return (nil, next ?? .max)
        default: return (t, next ?? .max)
        }
    }

    /// A constant time: RFC 3339 string, integer ns, duration literal (epoch with unit),
    /// now(), and sums/differences with durations. A literal outside the range of a ns
    /// `Int64` is an error; sums and differences saturate at the ends of that range (so
    /// `now() + 15250w` means "until the end of time").
    private func timeValue(_ e: Expr) throws -> Int64 {
        switch e.kind {
        case .string(let s):
            let parsed: Int64?
            do { parsed = try TimeParser.parseRFC3339(s) } catch let error as ChargelineError {
                throw QueryError(.semantic, error.message, offset: e.offset)
            }
            if let t = parsed {
                if plan.zone != nil, !s.contains("Z"), !s.dropFirst(10).contains("+"), !s.dropFirst(10).contains("-") {
                    let (local, overflow) = t.subtractingReportingOverflow(plan.zoneOffsetGuess(t))
                    guard !overflow else { throw QueryError(.semantic, TimeParser.outOfRange(s).message, offset: e.offset) }
                    return local
                }
                return t
            }
            throw QueryError(.semantic, "cannot read time '\(s)': use RFC 3339 such as '2026-11-20T08:00:00Z'", offset: e.offset)
        case .integer(let v): return v
        case .number(let v):
            // Int64(exactly:) is nil outside the range (and for NaN), where Int64(_:) traps.
            guard let t = Int64(exactly: v.rounded(.towardZero)) else {
                throw QueryError(.semantic, TimeParser.outOfRange("\(v)").message, offset: e.offset)
            }
            return t
        case .duration(let v): return v
        case .call(let name, let args) where name == "now" && args.isEmpty: return now
        case .binary(let op, let l, let r) where op == "+" || op == "-":
            let a = try timeValue(l), b = try timeValue(r)
            return op == "+" ? a.addingSaturating(b) : a.subtractingSaturating(b)
        default:
            throw QueryError(.semantic, "expected a time: an RFC 3339 string, an epoch such as 1763596800s, or now() - 1h", offset: e.offset)
        }
    }

    /// Series of the measurement passing the tag conjuncts (postings for `=` and `=~`).
    /// The series grouped by their values of `keys`, groups in ascending order of those values
    /// (compared key by key), series ascending within a group. Sorts by the catalog's integer
    /// value ranks, so no tag string is compared or hashed per series.
    private func groups(of selected: [Int], by keys: [String]) -> [SelectPlan.Group] {
        let ranks = keys.map { catalog.valueRanks(of: $0) }
        var order = selected
        if !ranks.isEmpty {
            order.sort { a, b in
                for r in ranks where r[a] != r[b] { return r[a] < r[b] }
                return a < b
            }
        }
        var out: [SelectPlan.Group] = []
        var i = 0
        while i < order.count {
            var j = i + 1
            while j < order.count, ranks.allSatisfy({ $0[order[j]] == $0[order[i]] }) { j += 1 }
            let entry = catalog.series[order[i]]
            out.append(SelectPlan.Group(tags: keys.map { ResultSeries.Tag($0, entry.tag($0)) }, series: Array(order[i..<j])))
            i = j
        }
        return out
    }

    private mutating func selectSeries(_ conjuncts: [Expr]) throws -> [Int] {
        var candidates: [Int]? = nil
        var leftover: [Expr] = []
        for c in conjuncts {
            if case .binary(let op, let l, let r) = c.kind, case .reference(let tag, _) = l.kind {
                if op == "=", case .string(let v) = r.kind, v != "" {
                    if catalog.postings[tag] == nil, catalog.fields[tag] == nil {
                        warnUnknown(tag, offset: l.offset, answer: "it compares as an absent tag (empty string)")
                    }
                    let list = catalog.postings[tag]?[v] ?? []
                    candidates = intersect(candidates, list)
                    continue
                }
                if op == "=~", case .regex(let re) = r.kind {
                    let p = try Pattern(re, offset: r.offset, context: context)
                    if !p.matches(""), let values = catalog.postings[tag] {
                        var list: [Int] = []
                        var meter = WorkMeter(check: { [context] in try context?.checkCancelled() })
                        for entry in values {
                            try meter.spend(p.cost(of: entry.key))
                            if p.matches(entry.key) { list += entry.value }
                        }
                        candidates = intersect(candidates, list.sorted())
                        continue
                    }
                }
            }
            leftover.append(c)
        }
        var out = candidates ?? Array(catalog.series.indices)
        if !leftover.isEmpty {
            let exprs = try leftover.map { try compileRow($0) }
            let regexSize = Self.largestRegexProgram(leftover)
            var kept: [Int] = []
            var meter = WorkMeter(check: { [context] in try context?.checkCancelled() })
            for i in out {
                try meter.spend(Self.tagMatchCost(catalog.series[i].tags, regexSize: regexSize))
                let row = RExpr.Row(tags: catalog.series[i].tags)
                if exprs.allSatisfy({ $0.eval(row).truthy }) { kept.append(i) }
            }
            out = kept
        }
        return out
    }

    /// Instructions of the largest regex in `exprs` (1 without any), to weigh series
    /// filtering for `WorkMeter`.
    static func largestRegexProgram(_ exprs: [Expr]) -> Int {
        var size = 1
        for e in exprs {
            e.walk { x in
                if case .regex(let r) = x.kind, let p = try? Pattern(r, offset: x.offset) { size = max(size, p.programSize) }
            }
        }
        return size
    }

    /// The most work row conditions can do on a series' tags: every value matched once by a
    /// regex of `regexSize` instructions.
    static func tagMatchCost(_ tags: [(key: String, value: String)], regexSize: Int) -> Int {
        var bytes = 1
        for t in tags { bytes += t.value.utf8.count }
        return bytes * regexSize
    }

    private func intersect(_ a: [Int]?, _ b: [Int]) -> [Int] {
        guard let a else { return b }
        let set = Set(b)
        return a.filter { set.contains($0) }
    }

    /// `field op number` usable against block statistics.
    private mutating func bound(_ e: Expr) -> SelectPlan.Bound? {
        guard case .binary(var op, let l, let r) = e.kind, [">", ">=", "<", "<=", "="].contains(op) else { return nil }
        var name: String, constant: Expr
        if case .reference(let n, _) = l.kind { name = n; constant = r } else if case .reference(let n, _) = r.kind {
            name = n; constant = l
            op = ["<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="][op]!
        } else { return nil }
        guard let type = catalog.fields[name], type == .float || type == .integer || type == .unsigned else { return nil }
        let value: Double
        switch constant.kind {
        case .integer(let v): value = Double(v)
        case .number(let v): value = v
        default: return nil
        }
        return SelectPlan.Bound(field: slot(name), op: op, value: value)
    }

    /// Compiles a row expression: fields to slots, tags to tag lookups.
    mutating func compileRow(_ e: Expr) throws -> RExpr {
        switch e.kind {
        case .reference(let name, let cast):
            if name.lowercased() == "time" { return .time }
            if cast != "tag", catalog.fields[name] != nil { return .field(slot(name)) }
            if cast != "field", catalog.postings[name] != nil { return .tag(name) }
            if cast == "tag" { return .tag(name) }
            if cast == "field" {
                warnUnknown(name, offset: e.offset, answer: "it is null")
                return .literal(.null)
            }
            warnUnknown(name, offset: e.offset, answer: "it compares as an absent tag (empty string)")
            return .tag(name)
        case .integer(let v): return .literal(.integer(v))
        case .number(let v): return .literal(.float(v))
        case .string(let s): return .literal(.string(s))
        case .boolean(let b): return .literal(.boolean(b))
        case .duration(let d): return .literal(.integer(d))
        case .regex(let r): return .pattern(try Pattern(r, offset: e.offset, context: context))
        case .negate(let x): return .negate(try compileRow(x))
        case .binary(let op, let l, let r): return .binary(op, try compileRow(l), try compileRow(r))
        case .wildcard: throw QueryError(.semantic, "* is only allowed as the whole SELECT list or a function argument", offset: e.offset)
        case .call(let name, let args):
            if let arity = RExpr.mathFunctions[name] {
                guard args.count == arity else {
                    throw QueryError(.semantic, "\(name)() takes \(arity) argument\(arity == 1 ? "" : "s"), got \(args.count)", offset: e.offset)
                }
                return .math(name, try args.map { try compileRow($0) })
            }
            if name == "now", args.isEmpty { return .literal(.integer(now)) }
            if AggregateFunction(rawValue: name) != nil || TransformFunction(rawValue: name) != nil {
                throw QueryError(.semantic, "\(name)() cannot be used here (only in the SELECT list)", offset: e.offset)
            }
            throw Planner.unknownFunction(name, offset: e.offset)
        }
    }

    mutating func slotFor(_ field: String) -> Int { slot(field) }
    mutating func setKind(_ k: SelectPlan.Kind) { plan.kind = k }
    mutating func setColumns(_ c: [SelectPlan.Column]) { plan.columns = c }
    var currentColumns: [SelectPlan.Column] { plan.columns }
    var currentKind: SelectPlan.Kind { plan.kind }
    var currentCalls: [SelectPlan.Call] { plan.calls }
    mutating func addCall(_ c: SelectPlan.Call) -> Int {
        plan.calls.append(c)
        return plan.calls.count - 1
    }

    static func unknownFunction(_ name: String, offset: Int) -> QueryError {
        let all = (AggregateFunction.allCases.map(\.rawValue) + TransformFunction.allCases.map(\.rawValue)
            + RExpr.mathFunctions.keys.sorted() + ["latest"]).joined(separator: ", ")
        return QueryError(.semantic, "unknown function \(name)(); known functions: \(all)", offset: offset)
    }
}

extension SelectPlan {
    /// The zone's offset near `t` (for local times written without an offset under tz()).
    func zoneOffsetGuess(_ t: Int64) -> Int64 {
        guard let zone else { return 0 }
        return Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t) / 1e9))) * 1_000_000_000
    }
}

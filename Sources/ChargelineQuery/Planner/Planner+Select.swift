import ChargelineCore

extension Planner {
    /// Compiles the SELECT list into columns (and calls, in aggregate mode).
    mutating func compileSelectList(groupKeys: Set<String>) throws {
        var columns: [SelectPlan.Column] = []
        for item in statement.fields {
            let e = item.expr
            if case .wildcard = e.kind {
                guard !aggregateMode else {
                    throw QueryError(.semantic, "SELECT * cannot be mixed with aggregate functions", offset: e.offset)
                }
                var fieldNames = Set(catalog.fields.keys)
                var tagNames = Set(catalog.tagKeys)
                if let union = wildcardUnion {
                    fieldNames.formUnion(union.fields)
                    tagNames.formUnion(union.tags)
                    if statement.groupByAll { tagNames.subtract(union.tags) }
                }
                tagNames.subtract(groupKeys)
                tagNames.subtract(fieldNames)
                for name in fieldNames.union(tagNames).sorted() {
                    // A name only another measurement of the FROM clause has is null here.
                    let expr: RExpr = catalog.fields[name] != nil ? .field(slotFor(name))
                        : catalog.postings[name] != nil ? .tag(name) : .literal(.null)
                    columns.append(.init(name: name, expr: expr))
                }
                continue
            }
            if case .call(let name, let args) = e.kind, name == "latest" {
                guard statement.fields.count == 1 else {
                    throw QueryError(.semantic, "latest() must be the only item in the SELECT list", offset: e.offset)
                }
                let names: [String]
                if args.count == 1, case .wildcard = args[0].kind {
                    names = catalog.fields.keys.sorted()
                } else {
                    names = try args.map { a in
                        guard case .reference(let n, _) = a.kind, catalog.fields[n] != nil else {
                            if case .reference(let n, _) = a.kind { throw unknownFieldError(n, offset: a.offset) }
                            throw QueryError(.semantic, "latest() takes * or field names", offset: a.offset)
                        }
                        return n
                    }
                }
                guard !names.isEmpty else { throw QueryError(.semantic, "latest() needs * or at least one field", offset: e.offset) }
                for n in names { _ = slotFor(n) }
                setKind(.latest)
                return
            }
            if case .call(let name, let args) = e.kind, AggregateFunction(rawValue: name) != nil, let first = args.first {
                var expand: [String]? = nil
                if case .wildcard = first.kind { expand = catalog.fields.keys.sorted() }
                if case .regex(let r) = first.kind {
                    let p = try Pattern(r, offset: first.offset)
                    expand = catalog.fields.keys.filter { p.matches($0) }.sorted()
                }
                if let expand {
                    let fn = AggregateFunction(rawValue: name)!
                    for field in expand where fn.acceptsNonNumeric || isNumeric(catalog.fields[field]!) {
                        var a = args
                        a[0] = Expr(.reference(field, cast: "field"), at: first.offset)
                        let (rexpr, _) = try compileItem(Expr(.call(name, a), at: e.offset))
                        columns.append(.init(name: "\(name)_\(field)", expr: rexpr))
                    }
                    continue
                }
            }
            let (rexpr, transform) = try compileItem(e)
            if case .time = rexpr { continue }  // `SELECT time, ...`: time is always the first column
            columns.append(.init(name: item.alias ?? e.columnName, expr: rexpr, transform: transform))
            // top(field, tag..., N) adds a column per tag, after the value (as InfluxDB 1.x);
            // the aggregate operator puts the tag values in the slots after the value's.
            if case .slot(let c) = rexpr, transform == nil, !currentCalls[c].tags.isEmpty {
                for (k, tag) in currentCalls[c].tags.enumerated() { columns.append(.init(name: tag, expr: .slot(c + 1 + k))) }
            }
        }
        guard !columns.isEmpty else {
            throw QueryError(.semantic, "the SELECT list selects no field (only time or tags); name at least one field", offset: statement.startOffset)
        }
        // Duplicate names get _1, _2, ... as in InfluxDB.
        var seen: [String: Int] = [:]
        for i in columns.indices {
            let n = columns[i].name
            if let k = seen[n] {
                var m = k
                while seen["\(n)_\(m)"] != nil { m += 1 }
                seen[n] = m + 1
                columns[i].name = "\(n)_\(m)"
                seen[columns[i].name] = 1
            } else {
                seen[n] = 1
            }
        }
        setColumns(columns)
        if aggregateMode, case .raw = currentKind { setKind(.aggregate) }
    }

    private func isNumeric(_ t: FieldType) -> Bool { t == .float || t == .integer || t == .unsigned }

    /// One SELECT item: an optional transform around a value expression.
    private mutating func compileItem(_ e: Expr) throws -> (RExpr, SelectPlan.Transform?) {
        guard case .call(let name, let args) = e.kind, let fn = TransformFunction(rawValue: name) else {
            let transforms = e.calls.filter { TransformFunction(rawValue: $0.name) != nil }
            guard let inner = transforms.first else { return (try compileValue(e), nil) }
            // Math around a transform (`non_negative_derivative(mean(energy), 1s) * 3600`):
            // applied to each of its output values, as InfluxDB 1.x does.
            guard transforms.count == 1 else {
                throw QueryError(.semantic, "one SELECT item can hold one transform (\(transforms.map { $0.name + "()" }.joined(separator: ", "))); give each its own item", offset: transforms[1].offset)
            }
            let call = Expr(.call(inner.name, inner.args), at: inner.offset)
            var (value, transform) = try compileItem(call)
            transform!.post = try compilePost(e, transformAt: inner.offset)
            return (value, transform)
        }
        let arity: ClosedRange<Int> = switch fn {
        case .derivative, .non_negative_derivative, .elapsed: 1...2
        case .moving_average: 2...2
        case .holt_winters, .holt_winters_with_fit: 3...3
        default: 1...1
        }
        guard arity.contains(args.count) else {
            throw QueryError(.semantic, "\(name)() takes \(arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) or \(arity.upperBound)") arguments, got \(args.count)", offset: e.offset)
        }
        let inner = try compileValue(args[0])
        let usesAggregate = args[0].calls.contains { AggregateFunction(rawValue: $0.name) != nil }
        if aggregateMode && !usesAggregate {
            throw QueryError(.semantic, "\(name)(\(args[0].columnName)) mixes raw values with aggregates; use \(name)(mean(\(args[0].columnName))) with GROUP BY time()", offset: e.offset)
        }
        if usesAggregate && statement.interval == nil {
            throw QueryError(.semantic, "\(name)() of an aggregate needs GROUP BY time()", offset: e.offset)
        }
        var unit: Int64 = fn == .elapsed ? 1 : (statement.interval ?? 1_000_000_000)
        if fn == .derivative || fn == .non_negative_derivative, usesAggregate == false { unit = 1_000_000_000 }
        var n = 0
        if fn == .holt_winters || fn == .holt_winters_with_fit {
            guard usesAggregate, let interval = statement.interval else {
                throw QueryError(.semantic, "\(name)() forecasts GROUP BY time() buckets: use \(name)(mean(field), N, S) with GROUP BY time()", offset: e.offset)
            }
            guard case .integer(let h) = args[1].kind, h >= 1, h <= Int64(maxBuckets) else {
                throw QueryError(.semantic, "\(name)() second argument, the number of buckets to forecast, must be an integer from 1 to \(maxBuckets)", offset: args[1].offset)
            }
            guard case .integer(let m) = args[2].kind, m >= 0, m <= Int64(maxBuckets) else {
                throw QueryError(.semantic, "\(name)() third argument, the season in buckets (0 for none), must be an integer from 0 to \(maxBuckets)", offset: args[2].offset)
            }
            return (inner, SelectPlan.Transform(fn: fn, unit: interval, n: Int(h), season: Int(m)))
        }
        if args.count == 2 {
            if fn == .moving_average {
                guard case .integer(let v) = args[1].kind, v >= 1 else {
                    throw QueryError(.semantic, "moving_average() window must be an integer of at least 1", offset: args[1].offset)
                }
                n = Int(v)
            } else {
                guard case .duration(let d) = args[1].kind, d > 0 else {
                    throw QueryError(.semantic, "\(name)() unit must be a positive duration such as 1s or 1m", offset: args[1].offset)
                }
                unit = d
            }
        }
        return (inner, SelectPlan.Transform(fn: fn, unit: unit, n: n))
    }

    /// The math around a transform call (at `offset`) in a SELECT item: the call becomes
    /// `.slot(0)`; around it only constants and math functions.
    private func compilePost(_ e: Expr, transformAt offset: Int) throws -> RExpr {
        switch e.kind {
        case .call(let name, let args):
            if e.offset == offset, TransformFunction(rawValue: name) != nil { return .slot(0) }
            guard let arity = RExpr.mathFunctions[name] else {
                throw QueryError(.semantic, "only constants and math functions can be combined with the result of a transform; \(name)() cannot", offset: e.offset)
            }
            guard args.count == arity else {
                throw QueryError(.semantic, "\(name)() takes \(arity) argument\(arity == 1 ? "" : "s"), got \(args.count)", offset: e.offset)
            }
            return .math(name, try args.map { try compilePost($0, transformAt: offset) })
        case .binary(let op, let l, let r): return .binary(op, try compilePost(l, transformAt: offset), try compilePost(r, transformAt: offset))
        case .negate(let x): return .negate(try compilePost(x, transformAt: offset))
        case .integer(let v): return .literal(.integer(v))
        case .number(let v): return .literal(.float(v))
        case .duration(let d): return .literal(.integer(d))
        default:
            throw QueryError(.semantic, "only constants and math functions can be combined with the result of a transform, e.g. non_negative_derivative(mean(energy), 1s) * 3600", offset: e.offset)
        }
    }

    /// A value expression: fields/tags (raw), aggregate calls (aggregate), math, literals.
    private mutating func compileValue(_ e: Expr) throws -> RExpr {
        switch e.kind {
        case .reference(let name, let cast):
            if name.lowercased() == "time" { return .time }
            if cast != "tag", catalog.fields[name] == nil, catalog.postings[name] == nil {
                // InfluxDB 1.x answers an unknown selected name with nulls (no rows when
                // nothing else is selected).
                warnUnknown(name, offset: e.offset, answer: "its column is null")
                return .literal(.null)
            }
            let r = try compileRow(e)
            if aggregateMode {
                throw QueryError(.semantic, "\(name) must be inside an aggregate function: mixing aggregate and non-aggregate values is not supported", offset: e.offset)
            }
            return r
        case .call(let name, let args):
            if let fn = AggregateFunction(rawValue: name) { return try compileCall(fn, args, at: e.offset) }
            if TransformFunction(rawValue: name) != nil {
                throw QueryError(.semantic, "\(name)() must be the outermost function of a SELECT item", offset: e.offset)
            }
            if name == "latest" { throw QueryError(.semantic, "latest() must be the only item in the SELECT list", offset: e.offset) }
            if let arity = RExpr.mathFunctions[name] {
                guard args.count == arity else {
                    throw QueryError(.semantic, "\(name)() takes \(arity) argument\(arity == 1 ? "" : "s"), got \(args.count)", offset: e.offset)
                }
                return .math(name, try args.map { try compileValue($0) })
            }
            return try compileRow(e)
        case .binary(let op, let l, let r): return .binary(op, try compileValue(l), try compileValue(r))
        case .negate(let x): return .negate(try compileValue(x))
        default: return try compileRow(e)
        }
    }

    private mutating func compileCall(_ fn: AggregateFunction, _ args: [Expr], at offset: Int) throws -> RExpr {
        guard let first = args.first else {
            throw QueryError(.semantic, "\(fn.rawValue)() needs a field argument, e.g. \(fn.rawValue)(temperature)", offset: offset)
        }
        var field: String
        switch first.kind {
        case .reference(let n, _): field = n
        case .call(let inner, let innerArgs) where inner == "distinct" && fn == .count:
            guard case .reference(let n, _)? = innerArgs.first?.kind else { fallthrough }
            field = n
            guard catalog.fields[field] != nil else { throw unknownFieldError(field, offset: innerArgs[0].offset) }
            return .slot(addCall(.init(fn: .count, field: slotFor(field), type: catalog.fields[field]!, parameter: -1)))
        default:
            throw QueryError(.semantic, "\(fn.rawValue)() takes a field name as its first argument (nested aggregates need a subquery)", offset: first.offset)
        }
        guard let type = catalog.fields[field] else {
            if catalog.postings[field] != nil {
                throw QueryError(.semantic, "\(field) is a tag; \(fn.rawValue)() needs a field", offset: first.offset)
            }
            // As InfluxDB 1.x: an aggregate of an unknown field is null (no rows when nothing
            // else is selected).
            warnUnknown(field, offset: first.offset, answer: "\(fn.rawValue)() of it is null")
            return .literal(.null)
        }
        if !fn.acceptsNonNumeric && !isNumeric(type) {
            throw QueryError(.semantic, "\(fn.rawValue)() needs a numeric field; \(field) is \(type)", offset: first.offset)
        }
        var call = SelectPlan.Call(fn: fn, field: slotFor(field), type: type, parameter: 0)
        switch fn {
        case .percentile:
            guard args.count == 2, let n = args[1].numberValue, n >= 0, n <= 100 else {
                throw QueryError(.semantic, "percentile() takes a field and a number 0-100, e.g. percentile(voltage, 95)", offset: offset)
            }
            call.parameter = n
        case .top, .bottom:
            guard args.count >= 2, case .integer(let n) = args[args.count - 1].kind, n >= 1 else {
                throw QueryError(.semantic, "\(fn.rawValue)() takes a field, optional tags and a count, e.g. \(fn.rawValue)(temperature, 5) or \(fn.rawValue)(temperature, pile, 5)", offset: offset)
            }
            // A count beyond 2^53 (exact as a Double, more points than any result holds)
            // means "all of them"; the reducers turn the parameter back into an Int.
            call.parameter = Double(min(n, 1 << 53))
            // top(field, tag..., N): InfluxDB 1.x picks the max (min) point per distinct
            // combination of the tags, then the N largest (smallest) of those.
            for a in args.dropFirst().dropLast() {
                guard case .reference(let tag, _) = a.kind else {
                    throw QueryError(.semantic, "\(fn.rawValue)() takes tag names between the field and the count, e.g. \(fn.rawValue)(temperature, pile, 5)", offset: a.offset)
                }
                if catalog.fields[tag] != nil {
                    throw QueryError(.semantic, "\(tag) is a field; \(fn.rawValue)() takes tag names between the field and the count", offset: a.offset)
                }
                call.tags.append(tag)
            }
        case .integral:
            if args.count == 2 {
                guard case .duration(let d) = args[1].kind, d > 0 else {
                    throw QueryError(.semantic, "integral() unit must be a positive duration such as 1h", offset: args[1].offset)
                }
                call.unit = d
            } else if args.count > 2 {
                throw QueryError(.semantic, "integral() takes a field and an optional unit", offset: offset)
            }
        default:
            guard args.count == 1 else {
                throw QueryError(.semantic, "\(fn.rawValue)() takes one field argument, got \(args.count)", offset: offset)
            }
        }
        return .slot(addCall(call))
    }

    private func unknownFieldError(_ name: String, offset: Int) -> QueryError {
        let known = catalog.fields.keys.sorted().joined(separator: ", ")
        return QueryError(.semantic, "unknown field \"\(name)\" in measurement \"\(catalog.measurement)\" (fields: \(known))", offset: offset)
    }

    /// HAVING over output columns: names are column names (or aliases), `time` the row time; a
    /// call is matched to the SELECT item that computes it.
    /// After `latest()` the columns are `field` and `value` (one row per field), so
    /// `HAVING field = 'telemetry' AND time < now() - 10m` keeps the fields that went quiet.
    mutating func compileHaving(_ e: Expr) throws -> RExpr {
        var isLatest = false
        if case .latest = plan.kind { isLatest = true }
        let names = isLatest ? SelectPlan.latestColumns : currentColumns.map(\.name)
        func resolve(_ x: Expr) throws -> RExpr {
            switch x.kind {
            case .reference(let n, _):
                if n.lowercased() == "time" { return .time }
                guard let i = names.firstIndex(of: n) else {
                    throw QueryError(.semantic, "HAVING refers to \(n), which is not a column of the result (columns: \(names.joined(separator: ", ")))", offset: x.offset)
                }
                return .slot(i)
            case .call(let fn, _):
                if fn == "now" { return .literal(.integer(now)) }
                if isLatest {
                    throw QueryError(.semantic, "HAVING after latest() filters its rows by time, field and value, not by \(fn)()", offset: x.offset)
                }
                let name = x.columnName
                guard let i = statement.fields.firstIndex(where: { $0.expr.describe == x.describe }) ?? names.firstIndex(of: name) else {
                    throw QueryError(.semantic, "HAVING uses \(fn)(), which is not in the SELECT list; add it there (HAVING filters result rows)", offset: x.offset)
                }
                return .slot(i)
            case .binary(let op, let l, let r):
                if op == "-" || op == "+", case .call("now", _) = l.kind {
                    return .literal(.integer(try timeConstant(x)))
                }
                return .binary(op, try resolve(l), try resolve(r))
            case .negate(let y): return .negate(try resolve(y))
            case .integer(let v): return .literal(.integer(v))
            case .number(let v): return .literal(.float(v))
            case .string(let s):
                do {
                    if let t = try TimeParser.parseRFC3339(s) { return .literal(.integer(t)) }
                } catch let error as ChargelineError {
                    throw QueryError(.semantic, error.message, offset: x.offset)
                }
                return .literal(.string(s))
            case .boolean(let b): return .literal(.boolean(b))
            case .duration(let d): return .literal(.integer(d))
            default: throw QueryError(.semantic, "unsupported expression in HAVING", offset: x.offset)
            }
        }
        return try resolve(e)
    }

    private func timeConstant(_ e: Expr) throws -> Int64 {
        switch e.kind {
        case .call("now", _): return now
        case .duration(let d): return d
        case .integer(let v): return v
        case .binary(let op, let l, let r) where op == "+" || op == "-":
            let a = try timeConstant(l), b = try timeConstant(r)
            return op == "+" ? a.addingSaturating(b) : a.subtractingSaturating(b)
        default: throw QueryError(.semantic, "expected now() +/- a duration", offset: e.offset)
        }
    }
}

extension Expr {
    /// A number literal's value.
    var numberValue: Double? {
        switch kind {
        case .integer(let v): Double(v)
        case .number(let v): v
        default: nil
        }
    }

    /// A canonical spelling, to match HAVING calls to SELECT items.
    var describe: String {
        switch kind {
        case .reference(let n, _): n
        case .call(let n, let a): "\(n)(\(a.map(\.describe).joined(separator: ",")))"
        case .integer(let v): "\(v)"
        case .number(let v): "\(v)"
        case .string(let s): "'\(s)'"
        case .boolean(let b): "\(b)"
        case .duration(let d): "\(d)ns"
        case .regex(let r): "/\(r)/"
        case .wildcard: "*"
        case .binary(let op, let l, let r): "(\(l.describe)\(op)\(r.describe))"
        case .negate(let e): "-\(e.describe)"
        }
    }
}

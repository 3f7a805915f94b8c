import Foundation

/// A resolved expression: names bound to row slots, tags, aggregate slots or literals.
/// Evaluated per row by `eval`, with InfluxQL's rules: integer arithmetic stays integer except
/// `/` (float), nulls propagate, comparisons with null are false. Integer `+`, `-`, `*` and
/// negation wrap around in two's complement as InfluxDB's (Go's) int64 does, and
/// `Int64.min % -1` is 0 as in Go: no value a row or a query holds can trap.
indirect enum RExpr: Sendable {
    case field(Int)
    case tag(String)
    case time
    case literal(Value)
    case pattern(Pattern)
    case binary(String, RExpr, RExpr)
    case negate(RExpr)
    case math(String, [RExpr])
    /// The value of aggregate slot `n` in the current bucket.
    case slot(Int)

    /// Inputs for one evaluation.
    struct Row {
        var fields: [Value] = []
        var tags: [(key: String, value: String)] = []
        var time: Int64 = 0
        var slots: [Value] = []
    }

    func eval(_ row: Row) -> Value {
        switch self {
        case .field(let i): return row.fields[i]
        case .tag(let k):
            for t in row.tags where t.key == k { return .string(t.value) }
            return .string("")
        case .time: return .time(row.time)
        case .literal(let v): return v
        case .pattern(let p): return .string(p.source)
        case .slot(let i): return row.slots[i]
        case .negate(let e):
            switch e.eval(row) {
            case .float(let v): return .float(-v)
            case .integer(let v): return .integer(0 &- v)
            default: return .null
            }
        case .math(let fn, let args): return RExpr.math(fn, args.map { $0.eval(row) })
        case .binary(let op, let l, let r):
            if op == "AND" { return .boolean(l.eval(row).truthy && r.eval(row).truthy) }
            if op == "OR" { return .boolean(l.eval(row).truthy || r.eval(row).truthy) }
            if op == "=~" || op == "!~", case .pattern(let p) = r {
                guard case .string(let s) = l.eval(row) else { return .boolean(false) }
                return .boolean(p.matches(s) == (op == "=~"))
            }
            return RExpr.apply(op, l.eval(row), r.eval(row))
        }
    }

    static func apply(_ op: String, _ a: Value, _ b: Value) -> Value {
        if case .time(let t) = a { return apply(op, .integer(t), b) }
        if case .time(let t) = b { return apply(op, a, .integer(t)) }
        switch (a, b) {
        case (.integer(let x), .integer(let y)):
            switch op {
            case "+": return .integer(x &+ y)
            case "-": return .integer(x &- y)
            case "*": return .integer(x &* y)
            case "/": return y == 0 ? .float(0) : .float(Double(x) / Double(y))
            case "%": return y == 0 ? .null : .integer(x.remainderReportingOverflow(dividingBy: y).partialValue)
            default: return .boolean(compare(op, x == y ? 0 : (x < y ? -1 : 1)))
            }
        case (.string(let x), .string(let y)):
            switch op {
            case "+": return .string(x + y)
            case "=", "!=", "<", "<=", ">", ">=": return .boolean(compare(op, x == y ? 0 : (x < y ? -1 : 1)))
            default: return .null
            }
        case (.boolean(let x), .boolean(let y)):
            switch op {
            case "=": return .boolean(x == y)
            case "!=": return .boolean(x != y)
            default: return .null
            }
        default:
            guard let x = a.number, let y = b.number else {
                if ["=", "!=", "<", "<=", ">", ">="].contains(op) { return .boolean(false) }
                return .null
            }
            switch op {
            case "+": return .float(x + y)
            case "-": return .float(x - y)
            case "*": return .float(x * y)
            case "/": return y == 0 ? .float(0) : .float(x / y)
            case "%": return .float(x.truncatingRemainder(dividingBy: y))
            default: return .boolean(compare(op, x == y ? 0 : (x < y ? -1 : 1)))
            }
        }
    }

    private static func compare(_ op: String, _ c: Int) -> Bool {
        switch op {
        case "=": c == 0
        case "!=": c != 0
        case "<": c < 0
        case "<=": c <= 0
        case ">": c > 0
        case ">=": c >= 0
        default: false
        }
    }

    /// Math functions on values (InfluxQL's abs, ceil, floor, round, sqrt, pow, ln, log, ...).
    static func math(_ fn: String, _ args: [Value]) -> Value {
        guard let x = args.first?.number else { return .null }
        let isInt: Bool = { if case .integer = args[0] { return true } else { return false } }()
        switch fn {
        case "abs": if case .integer(let v) = args[0] { return .integer(v == .min ? v : Swift.abs(v)) }; return .float(Swift.abs(x))
        case "ceil": return isInt ? args[0] : .float(x.rounded(.up))
        case "floor": return isInt ? args[0] : .float(x.rounded(.down))
        case "round": return isInt ? args[0] : .float(x.rounded(.toNearestOrAwayFromZero))
        case "sqrt": return x < 0 ? .null : .float(x.squareRoot())
        case "exp": return .float(Foundation.exp(x))
        case "ln": return x <= 0 ? .null : .float(Foundation.log(x))
        case "log2": return x <= 0 ? .null : .float(Foundation.log2(x))
        case "log10": return x <= 0 ? .null : .float(Foundation.log10(x))
        case "log":
            guard args.count == 2, let b = args[1].number, x > 0, b > 0 else { return .null }
            return .float(Foundation.log(x) / Foundation.log(b))
        case "pow":
            guard args.count == 2, let y = args[1].number else { return .null }
            return .float(Foundation.pow(x, y))
        case "sin": return .float(Foundation.sin(x))
        case "cos": return .float(Foundation.cos(x))
        case "tan": return .float(Foundation.tan(x))
        case "asin": return .float(Foundation.asin(x))
        case "acos": return .float(Foundation.acos(x))
        case "atan": return .float(Foundation.atan(x))
        case "atan2":
            guard args.count == 2, let y = args[1].number else { return .null }
            return .float(Foundation.atan2(x, y))
        default: return .null
        }
    }

    /// Math functions and how many arguments each takes.
    static let mathFunctions: [String: Int] = [
        "abs": 1, "ceil": 1, "floor": 1, "round": 1, "sqrt": 1, "exp": 1, "ln": 1, "log2": 1, "log10": 1,
        "log": 2, "pow": 2, "sin": 1, "cos": 1, "tan": 1, "asin": 1, "acos": 1, "atan": 1, "atan2": 2,
    ]
}

extension Value {
    /// Truth for AND/OR: only `true` is true.
    var truthy: Bool { if case .boolean(true) = self { return true } else { return false } }
}

/// An expression as written (names unresolved): in SELECT, WHERE, HAVING and function
/// arguments. `offset` is where it starts in the query text, for error carets.
struct Expr: Sendable {
    indirect enum Kind: Sendable {
        /// A field or tag reference; `cast` is `field` or `tag` from `name::field`.
        case reference(String, cast: String?)
        /// `fn(args...)`.
        case call(String, [Expr])
        case integer(Int64)
        case number(Double)
        case string(String)
        case boolean(Bool)
        /// A duration literal (ns).
        case duration(Int64)
        case regex(String)
        /// `*` (in SELECT or as a call argument).
        case wildcard
        /// `lhs op rhs` with op one of `+ - * / % = != < <= > >= =~ !~ AND OR`.
        case binary(String, Expr, Expr)
        /// `-x`.
        case negate(Expr)
    }

    let kind: Kind
    var offset: Int
    /// Levels of the tree below and including this node (a leaf is 1). Every walk over an
    /// expression (planning, evaluation, even its release) recurses this deep, so the parser
    /// refuses trees deeper than `Parser.maxExpressionDepth`.
    let depth: Int

    init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
        switch kind {
        case .call(_, let args): depth = 1 + (args.map(\.depth).max() ?? 0)
        case .binary(_, let l, let r): depth = 1 + max(l.depth, r.depth)
        case .negate(let e): depth = 1 + e.depth
        default: depth = 1
        }
    }

    /// Every call in the expression, outermost first.
    var calls: [(name: String, args: [Expr], offset: Int)] {
        var out: [(String, [Expr], Int)] = []
        walk { e in
            if case .call(let n, let a) = e.kind { out.append((n, a, e.offset)) }
        }
        return out
    }

    /// Visits this node and then its children.
    func walk(_ body: (Expr) -> Void) {
        body(self)
        switch kind {
        case .call(_, let args): for a in args { a.walk(body) }
        case .binary(_, let l, let r): l.walk(body); r.walk(body)
        case .negate(let e): e.walk(body)
        default: break
        }
    }

    /// Names referenced (fields or tags), in order of appearance.
    var references: [String] {
        var out: [String] = []
        walk { e in if case .reference(let n, _) = e.kind { out.append(n) } }
        return out
    }

    /// The conjuncts of an `AND` chain.
    var conjuncts: [Expr] {
        if case .binary(let op, let l, let r) = kind, op == "AND" { return l.conjuncts + r.conjuncts }
        return [self]
    }

    /// InfluxQL's column name for a SELECT expression without an alias: a field's name, a
    /// call's function name (outermost), or references joined with `_` for arithmetic.
    var columnName: String {
        switch kind {
        case .reference(let n, _): return n
        case .call(let n, _): return n.lowercased()
        case .binary(_, let l, let r):
            let parts = [l.columnName, r.columnName].filter { !$0.isEmpty }
            return parts.joined(separator: "_")
        case .negate(let e): return e.columnName
        case .wildcard: return "*"
        default: return ""
        }
    }
}

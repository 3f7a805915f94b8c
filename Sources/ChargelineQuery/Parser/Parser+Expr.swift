extension Parser {
    /// Parses an expression (lowest precedence: OR).
    mutating func expression() throws -> Expr {
        var lhs = try andExpr()
        while isKeyword("OR") {
            let at = token.offset
            try advance()
            lhs = try node(.binary("OR", lhs, try andExpr()), at: at)
        }
        return lhs
    }

    private mutating func andExpr() throws -> Expr {
        var lhs = try comparison()
        while isKeyword("AND") {
            let at = token.offset
            try advance()
            lhs = try node(.binary("AND", lhs, try comparison()), at: at)
        }
        return lhs
    }

    private mutating func comparison() throws -> Expr {
        let lhs = try sum()
        for op in ["=", "!=", "<", "<=", ">", ">=", "=~", "!~"] where isSymbol(op) {
            try advance()
            if op == "=~" || op == "!~" {
                let at = token.offset
                let r = try regex("a /regex/ after \(op)")
                return try node(.binary(op, lhs, Expr(.regex(r), at: at)), at: lhs.offset)
            }
            return try node(.binary(op, lhs, try sum()), at: lhs.offset)
        }
        return lhs
    }

    private mutating func sum() throws -> Expr {
        var lhs = try product()
        while isSymbol("+") || isSymbol("-") {
            guard case .symbol(let op) = token.kind else { break }
            try advance()
            lhs = try node(.binary(op, lhs, try product()), at: lhs.offset)
        }
        return lhs
    }

    private mutating func product() throws -> Expr {
        var lhs = try unary()
        while isSymbol("*") || isSymbol("/") || isSymbol("%") {
            guard case .symbol(let op) = token.kind else { break }
            try advance()
            lhs = try node(.binary(op, lhs, try unary()), at: lhs.offset)
        }
        return lhs
    }

    private mutating func unary() throws -> Expr {
        let at = token.offset
        guard isSymbol("-") || isSymbol("+") else { return try primary() }
        try enterNesting()
        defer { leaveNesting() }
        if try acceptSymbol("-") {
            let inner = try unary()
            switch inner.kind {
            case .integer(let v): return Expr(.integer(-v), at: at)
            case .number(let v): return Expr(.number(-v), at: at)
            case .duration(let v): return Expr(.duration(-v), at: at)
            default: return try node(.negate(inner), at: at)
            }
        }
        try advance()  // "+"
        return try unary()
    }

    private mutating func primary() throws -> Expr {
        let at = token.offset
        switch token.kind {
        case .integer(let v): try advance(); return Expr(.integer(v), at: at)
        case .number(let v): try advance(); return Expr(.number(v), at: at)
        case .duration(let v, _): try advance(); return Expr(.duration(v), at: at)
        case .string(let s): try advance(); return Expr(.string(s), at: at)
        case .symbol("*"): try advance(); return Expr(.wildcard, at: at)
        case .symbol("/"): return Expr(.regex(try regex("a /regex/")), at: at)
        case .symbol("("):
            try enterNesting()
            defer { leaveNesting() }
            try advance()
            let e = try expression()
            try expectSymbol(")", "to close the parenthesis")
            return e
        case .identifier(let name, let quoted):
            try advance()
            if !quoted {
                let upper = name.uppercased()
                if upper == "TRUE" { return Expr(.boolean(true), at: at) }
                if upper == "FALSE" { return Expr(.boolean(false), at: at) }
                if Parser.reserved.contains(upper) {
                    throw QueryError(.syntax, "expected a field, tag, value or function, found the keyword \(name)", offset: at)
                }
            }
            if !quoted, isSymbol("(") {
                try enterNesting()
                defer { leaveNesting() }
                try advance()
                var args: [Expr] = []
                if !isSymbol(")") {
                    repeat { args.append(try expression()) } while try acceptSymbol(",")
                }
                try expectSymbol(")", "to close \(name)(")
                return try node(.call(name.lowercased(), args), at: at)
            }
            var cast: String?
            if try acceptSymbol("::") {
                let t = try identifier("field or tag after ::").lowercased()
                guard ["field", "tag", "float", "integer", "string", "boolean", "unsigned"].contains(t) else {
                    throw QueryError(.syntax, "unknown type \(t) after ::; use field, tag, float, integer, string or boolean", offset: at)
                }
                cast = t
            }
            return Expr(.reference(name, cast: cast), at: at)
        default:
            throw unexpected("a field, tag, value or function")
        }
    }

    /// Keywords that cannot stand for a name unless double-quoted.
    static let reserved: Set<String> = ["SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "LIMIT", "OFFSET", "SLIMIT",
                                        "SOFFSET", "AND", "OR", "AS", "FILL", "HAVING", "SHOW", "INTO"]
}

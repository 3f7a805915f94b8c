extension Parser {
    /// After SHOW.
    mutating func show() throws -> Statement {
        if try accept("DATABASES") { return .showDatabases }
        if try accept("USERS") { return .showUsers }
        if try accept("TOKENS") { return .showTokens }
        if try accept("GRANTS") {
            try expect("FOR", "and a user name after SHOW GRANTS")
            return .showGrants(user: try identifier("a user name after SHOW GRANTS FOR"))
        }
        if try accept("QUERIES") { return .showQueries }
        if try accept("DIAGNOSTICS") { return .showDiagnostics }
        if try accept("STATS") {
            var module: String?
            if try accept("FOR") {
                guard case .string(let m) = token.kind else { throw unexpected("a module name such as 'database' after SHOW STATS FOR") }
                try advance()
                module = m
            }
            return .showStats(module: module)
        }
        if try accept("RETENTION") {
            try expect("POLICIES", "after SHOW RETENTION")
            var db: String?
            if try accept("ON") { db = try identifier("a database name after ON") }
            return .showRetentionPolicies(database: db)
        }
        if try accept("MEASUREMENT") {
            let exact = try cardinality("SHOW MEASUREMENT")
            var f = ShowFilter()
            try on(&f)
            try tail(&f)
            return .showCardinality(.showMeasurements(f), exact: exact)
        }
        if try accept("MEASUREMENTS") {
            var f = ShowFilter()
            try on(&f)
            if try accept("WITH") {
                try expect("MEASUREMENT", "after WITH")
                if try acceptSymbol("=~") {
                    f.measurementRegex = try regex("a /regex/ after WITH MEASUREMENT =~")
                } else if try acceptSymbol("=") {
                    f.measurementName = try identifier("a measurement name after WITH MEASUREMENT =")
                } else {
                    throw unexpected("= or =~ after WITH MEASUREMENT")
                }
            }
            try tail(&f)
            return .showMeasurements(f)
        }
        if try accept("TAG") {
            if try accept("KEY") {
                let exact = try cardinality("SHOW TAG KEY")
                var f = ShowFilter()
                try on(&f)
                try from(&f)
                try tail(&f)
                return .showCardinality(.showTagKeys(f), exact: exact)
            }
            if try accept("KEYS") {
                var f = ShowFilter()
                try on(&f)
                try from(&f)
                try tail(&f)
                return .showTagKeys(f)
            }
            try expect("VALUES", "or KEYS after SHOW TAG")
            var counted: Bool? = nil
            if try accept("EXACT") { try expect("CARDINALITY", "after EXACT"); counted = true } else if try accept("CARDINALITY") { counted = false }
            var f = ShowFilter()
            try on(&f)
            try from(&f)
            try expect("WITH", "KEY after SHOW TAG VALUES [FROM ...]")
            try expect("KEY", "after WITH")
            var op = "="
            var keys: [String] = []
            var keyRegex: String?
            if try accept("IN") {
                op = "IN"
                try expectSymbol("(", "after IN")
                repeat { keys.append(try identifier("a tag key")) } while try acceptSymbol(",")
                try expectSymbol(")", "to close IN (...)")
            } else {
                for o in ["=", "!=", "=~", "!~"] where isSymbol(o) {
                    op = o
                    try advance()
                    if o == "=~" || o == "!~" { keyRegex = try regex("a /regex/") } else { keys = [try identifier("a tag key")] }
                    break
                }
                if keys.isEmpty && keyRegex == nil { throw unexpected("=, !=, =~, !~ or IN after WITH KEY") }
            }
            try tail(&f)
            let values = Statement.showTagValues(f, keyOp: op, keys: keys, keyRegex: keyRegex)
            return counted.map { .showCardinality(values, exact: $0) } ?? values
        }
        if try accept("FIELD") {
            if try accept("KEY") {
                let exact = try cardinality("SHOW FIELD KEY")
                var f = ShowFilter()
                try on(&f)
                try from(&f)
                try tail(&f)
                return .showCardinality(.showFieldKeys(f), exact: exact)
            }
            try expect("KEYS", "after SHOW FIELD")
            var f = ShowFilter()
            try on(&f)
            try from(&f)
            try tail(&f)
            return .showFieldKeys(f)
        }
        if try accept("SERIES") {
            var counted: Bool? = nil
            if try accept("EXACT") { try expect("CARDINALITY", "after EXACT"); counted = true } else if try accept("CARDINALITY") { counted = false }
            var f = ShowFilter()
            try on(&f)
            try from(&f)
            try tail(&f)
            return counted.map { .showCardinality(.showSeries(f), exact: $0) } ?? .showSeries(f)
        }
        if try accept("SILENT") {
            try expect("SERIES", "after SHOW SILENT")
            var f = ShowFilter()
            try on(&f)
            try from(&f)
            if try accept("WHERE") { f.condition = try expression() }
            try expect("FOR", "and a duration (how long without data counts as silent), e.g. FOR 10m")
            guard case .duration(let d, _) = token.kind, d > 0 else { throw unexpected("a positive duration after FOR, e.g. 10m") }
            try advance()
            var groupBy: [String] = []
            if try accept("GROUP") {
                try expect("BY", "after GROUP")
                repeat { groupBy.append(try identifier("a tag key after GROUP BY")) } while try acceptSymbol(",")
            }
            if try accept("LIMIT") { f.limit = try integer("a row count after LIMIT") }
            return .showSilent(f, threshold: d, groupBy: groupBy)
        }
        throw unexpected("DATABASES, MEASUREMENTS, TAG KEYS, TAG VALUES, FIELD KEYS, SERIES, RETENTION POLICIES, SILENT SERIES, USERS, GRANTS, TOKENS or ... CARDINALITY after SHOW")
    }

    /// `[EXACT] CARDINALITY` after `what`; whether EXACT was written.
    private mutating func cardinality(_ what: String) throws -> Bool {
        let exact = try accept("EXACT")
        try expect("CARDINALITY", "after \(what)\(exact ? " EXACT" : "")")
        return exact
    }

    private mutating func on(_ f: inout ShowFilter) throws {
        if try accept("ON") { f.database = try identifier("a database name after ON") }
    }

    private mutating func from(_ f: inout ShowFilter) throws {
        if try accept("FROM") { f.sources = try sources() }
    }

    private mutating func tail(_ f: inout ShowFilter) throws {
        if try accept("WHERE") { f.condition = try expression() }
        if try accept("LIMIT") { f.limit = try integer("a count after LIMIT") }
        if try accept("OFFSET") { f.offset = try integer("a count after OFFSET") }
    }
}

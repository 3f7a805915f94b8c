import ChargelineQuery
import ChargelineStorage

/// Checks a parsed rules file against the query engine before it replaces the rules in force:
/// every `expr` must be a SELECT or SHOW that parses, and, where its database already exists,
/// run without error and name no unknown field; every annotation must be a template we expand.
/// A query that only passes a limit now (the timeout, a budget: a large store on a busy start)
/// is not refused: the rule is valid, its evaluations report the limit in its health.
enum RuleValidator {
    /// The annotation templates of every rule, by `group/rule`.
    static func check(_ groups: [RuleGroup], file: String, engine: QueryEngine, now: Int64) throws -> [String: [String: AlertTemplate]] {
        var templates: [String: [String: AlertTemplate]] = [:]
        for g in groups {
            var names = Set<String>()
            for r in g.rules {
                func fail(_ message: String) -> RuleFileError {
                    RuleFileError(file: file, line: r.line, "rule \"\(r.name)\" of group \"\(g.name)\": \(message)")
                }
                guard names.insert(r.name).inserted else { throw fail("defined twice in the group") }
                let first = r.expr.trimmingCharacters(in: .whitespacesAndNewlines).prefix { $0.isLetter }.uppercased()
                guard first == "SELECT" || first == "SHOW" else {
                    throw fail("expr must be a SELECT or SHOW statement (got \(first.isEmpty ? "nothing" : first))")
                }
                do {
                    try engine.validate(r.expr)
                } catch let e as QueryError {
                    throw fail(e.message)
                }
                if engine.store.hasDatabase(g.database) {
                    let results: [StatementResult]
                    do {
                        results = try engine.execute(r.expr, database: g.database, now: now)
                    } catch let e as QueryError {
                        throw fail(e.message)
                    }
                    for s in results {
                        if let e = s.error, !e.hasPrefix(QueryError.Kind.limit.rawValue) { throw fail(e) }
                        if let m = s.messages.first(where: { $0.contains("unknown field") }) { throw fail(m) }
                    }
                }
                var t: [String: AlertTemplate] = [:]
                for (k, text) in r.annotations {
                    do { t[k] = try AlertTemplate(text) } catch let e as AlertTemplate.Failure {
                        throw fail("annotation \(k): \(e.message)")
                    }
                }
                templates[g.name + "/" + r.name] = t
            }
        }
        return templates
    }
}

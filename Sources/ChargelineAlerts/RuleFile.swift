import ChargelineCore
import Yams

/// Reads a rules file: YAML in the shape Prometheus and vmalert read (`groups:` of `rules:`),
/// with InfluxQL as `expr`. Structure only; `RuleValidator` checks the queries against the store.
///
/// ```yaml
/// groups:
///   - name: guns
///     database: chargeline   # default: the database YKC and TCP line protocol write to
///     interval: 15s          # default: 1m
///     rules:
///       - alert: GunOverheating
///         expr: SELECT max(temperature) FROM telemetry WHERE time > now() - 2m GROUP BY pile, gun HAVING max > 85
///         for: 1m
///         labels: {severity: critical}
///         annotations: {summary: "gun {{ $labels.gun }} at {{ $value }} °C"}
///       - record: gun_temperature_max
///         expr: SELECT max(temperature) FROM telemetry WHERE time > now() - 1m GROUP BY pile, gun
/// ```
public enum RuleFile {
    /// Default evaluation period of a group without `interval:` (Prometheus' default).
    public static let defaultIntervalNanoseconds: Int64 = 60_000_000_000

    /// Parses `text` (the contents of `file`). Groups without `database:` read `defaultDatabase`.
    /// - Throws: `RuleFileError` naming the line of the first problem.
    public static func parse(_ text: String, file: String, defaultDatabase: String) throws -> [RuleGroup] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw RuleFileError(file: file, line: line(of: e), "not valid YAML: \(e)")
        } catch {
            throw RuleFileError(file: file, line: 0, "not valid YAML: \(error)")
        }
        guard let root else { return [] }
        guard let top = root.mapping else {
            throw RuleFileError(file: file, line: root.mark?.line ?? 0, "the file must be a mapping with a `groups:` list")
        }
        try onlyKeys(top, ["groups"], file: file, what: "the top level")
        guard let groups = top["groups"] else { return [] }
        guard let list = groups.sequence else {
            throw RuleFileError(file: file, line: groups.mark?.line ?? 0, "`groups:` must be a list of groups")
        }
        var out: [RuleGroup] = []
        var names = Set<String>()
        for node in list {
            let g = try group(node, file: file, defaultDatabase: defaultDatabase)
            guard names.insert(g.name).inserted else {
                throw RuleFileError(file: file, line: g.line, "group \"\(g.name)\" is defined twice: group names must be unique")
            }
            out.append(g)
        }
        return out
    }

    private static func group(_ node: Node, file: String, defaultDatabase: String) throws -> RuleGroup {
        let at = node.mark?.line ?? 0
        guard let m = node.mapping else {
            throw RuleFileError(file: file, line: at, "a group must be a mapping with `name:` and `rules:`")
        }
        try onlyKeys(m, ["name", "database", "interval", "rules"], file: file, what: "a group")
        guard let name = m["name"]?.string, !name.isEmpty else {
            throw RuleFileError(file: file, line: at, "a group needs a `name:`")
        }
        let database = m["database"]?.string ?? defaultDatabase
        var interval = defaultIntervalNanoseconds
        if let text = m["interval"] {
            interval = try duration(text, file: file, key: "interval")
            guard interval >= 1_000_000_000 else {
                throw RuleFileError(file: file, line: text.mark?.line ?? at, "group \"\(name)\": interval must be 1s or more")
            }
        }
        var rules: [AlertRule] = []
        if let list = m["rules"] {
            guard let seq = list.sequence else {
                throw RuleFileError(file: file, line: list.mark?.line ?? at, "group \"\(name)\": `rules:` must be a list")
            }
            for r in seq { rules.append(try rule(r, file: file, group: name)) }
        }
        return RuleGroup(name: name, database: database, intervalNanoseconds: interval, rules: rules, line: at)
    }

    private static func rule(_ node: Node, file: String, group: String) throws -> AlertRule {
        let at = node.mark?.line ?? 0
        guard let m = node.mapping else {
            throw RuleFileError(file: file, line: at, "group \"\(group)\": a rule must be a mapping with `alert:` or `record:` and `expr:`")
        }
        try onlyKeys(m, ["alert", "record", "expr", "for", "labels", "annotations"], file: file, what: "a rule")
        let alert = m["alert"]?.string, record = m["record"]?.string
        guard (alert == nil) != (record == nil), let name = alert ?? record, !name.isEmpty else {
            throw RuleFileError(file: file, line: at, "group \"\(group)\": a rule needs exactly one of `alert: NAME` or `record: MEASUREMENT`")
        }
        guard let expr = m["expr"]?.string, !expr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw RuleFileError(file: file, line: at, "rule \"\(name)\": `expr:` (an InfluxQL SELECT or SHOW) is required")
        }
        var hold: Int64 = 0
        if let f = m["for"] {
            guard alert != nil else {
                throw RuleFileError(file: file, line: f.mark?.line ?? at, "rule \"\(name)\": `for:` applies to alerting rules only")
            }
            hold = try duration(f, file: file, key: "for")
        }
        if record != nil, m["annotations"] != nil {
            throw RuleFileError(file: file, line: at, "rule \"\(name)\": `annotations:` apply to alerting rules only")
        }
        return AlertRule(kind: alert != nil ? .alerting : .recording, name: name, expr: expr, holdNanoseconds: hold,
                         labels: try strings(m["labels"], file: file, key: "labels"),
                         annotations: try strings(m["annotations"], file: file, key: "annotations"), line: at)
    }

    private static func strings(_ node: Node?, file: String, key: String) throws -> [String: String] {
        guard let node else { return [:] }
        guard let m = node.mapping else {
            throw RuleFileError(file: file, line: node.mark?.line ?? 0, "`\(key):` must be a mapping of names to strings")
        }
        var out: [String: String] = [:]
        for (k, v) in m {
            guard let name = k.string, let value = v.scalar?.string else {
                throw RuleFileError(file: file, line: v.mark?.line ?? 0, "`\(key):` values must be strings")
            }
            out[name] = value
        }
        return out
    }

    private static func duration(_ node: Node, file: String, key: String) throws -> Int64 {
        let text = node.string ?? ""
        do {
            let ns = try TimeParser.duration(text)
            guard ns >= 0 else { throw RuleFileError(file: file, line: node.mark?.line ?? 0, "`\(key):` must not be negative") }
            return ns
        } catch let e as ChargelineError {
            throw RuleFileError(file: file, line: node.mark?.line ?? 0, "`\(key): \(text)`: \(e.message)")
        }
    }

    private static func onlyKeys(_ m: Node.Mapping, _ allowed: Set<String>, file: String, what: String) throws {
        for (k, _) in m {
            let name = k.string ?? "?"
            if !allowed.contains(name) {
                throw RuleFileError(file: file, line: k.mark?.line ?? 0,
                                    "unknown key `\(name)` in \(what) (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
    }

    private static func line(of e: YamlError) -> Int {
        switch e {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: 0
        }
    }
}

import ChargelineQuery
import ChargelineTestSupport
import Foundation
import Testing

/// A batch of `SharedSelects` answers each member as the query alone does (but for the `time`
/// of a lone selector's row), on random data and random rules from fixed seeds.
@Suite struct SharedSelectsTests {
    static let second: Int64 = 1_000_000_000
    static let t0: Int64 = 1_795_132_800_000_000_000
    static let now = t0 + 10 * 60 * second
    static let window = "time > now() - 2m AND time <= now()"

    /// A fixed seed gives the same data and queries on every machine.
    typealias Random = SplitMix64

    /// 24 guns reporting every 15 s for 10 minutes; some miss fields in the window, some stop
    /// before it, some have a field only now and then.
    static func lines(_ r: inout Random) -> [String] {
        var out: [String] = []
        for st in 1...2 {
            for p in 1...6 {
                for g in 1...2 {
                    let stops = r.below(5) == 0  // silent for the last 3 minutes
                    let noVoltage = r.below(4) == 0
                    for k in 0..<40 {
                        let t = t0 + Int64(k) * 15 * second
                        if stops && t > now - 3 * 60 * second { break }
                        var fields = ["temperature=\(40 + r.below(60)).\(r.below(10))"]
                        if !noVoltage && r.below(3) != 0 { fields.append("voltage=\(340 + r.below(80)).0") }
                        if r.below(2) == 0 { fields.append("status=\(r.below(4))i") }
                        out.append("telemetry,station=S\(st),pile=P\(st)\(p),gun=\(g) \(fields.joined(separator: ",")) \(t)")
                    }
                }
            }
        }
        return out
    }

    static func query(_ r: inout Random, groupBy: String) -> String {
        let fns = ["min", "max", "first", "last", "sum", "mean", "spread"]
        let fields = ["temperature", "voltage", "status"]
        var items: [(text: String, column: String)] = []
        for i in 0..<(1 + r.below(3)) {
            let fn = r.pick(fns), field = r.pick(fields)
            if items.contains(where: { $0.text.hasPrefix("\(fn)(\(field))") }) { continue }
            let alias = r.below(3) == 0 ? "a\(i)" : nil
            items.append(("\(fn)(\(field))" + (alias.map { " AS \($0)" } ?? ""), alias ?? fn))
        }
        // Distinct column names, as the batch needs (a query that repeats one runs alone).
        var seen = Set<String>()
        items = items.filter { seen.insert($0.column).inserted }
        var q = "SELECT \(items.map(\.text).joined(separator: ", ")) FROM telemetry WHERE \(window) GROUP BY \(groupBy)"
        switch r.below(4) {
        case 0: break
        case 1: q += " HAVING \(items[0].column) > \(r.below(100))"
        case 2: q += " HAVING \(items[0].column) <= \(r.below(400)) AND \(items.last!.column) >= \(r.below(50)).5"
        default: q += " HAVING \(items[0].text.components(separatedBy: " AS ")[0]) < \(r.below(420)) OR \(items[0].column) = 3"
        }
        return q
    }

    /// `results`' series with every row's time blanked (the one difference the batch makes).
    static func timeless(_ results: [StatementResult]) -> [ResultSeries] {
        results.flatMap(\.series).map { s in
            var s = s
            s.values = s.values.map { [.null] + $0.dropFirst() }
            return s
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func aBatchAnswersEachMemberAsTheQueryAlone(seed: UInt64) throws {
        var r = Random(seed: seed)
        let f = try QueryFixture(lines: Self.lines(&r))
        let groupBy = seed % 2 == 0 ? "station, pile, gun" : "pile"
        let queries = (0..<12).map { _ in Self.query(&r, groupBy: groupBy) }
        let shared = SharedSelects(queries)
        #expect(shared.count == 1)
        var rows = 0
        for b in 0..<shared.count {
            let answers = f.engine.execute(shared, batch: b, database: "fleet", now: Self.now)
            let members = queries.indices.filter { shared.membership[$0]?.batch == b }
            #expect(members.count == answers.count)
            for (m, i) in members.enumerated() {
                let q = queries[i]
                let alone = try f.engine.execute(q, database: "fleet", now: Self.now)
                #expect(alone.first?.error == nil, "\(q)")
                let got = try answers[m].get()
                #expect(Self.timeless(got) == Self.timeless(alone), "\(q)")
                rows += alone.flatMap { $0.series }.reduce(0) { $0 + $1.values.count }
            }
        }
        #expect(rows > 0)
    }

    @Test func onlyQueriesOneScanAnswersExactlyJoinABatch() {
        let w = Self.window
        let queries = [
            "SELECT max(temperature) FROM telemetry WHERE \(w) GROUP BY station, pile, gun HAVING max > 85",
            "SELECT last(status) FROM telemetry WHERE \(w) GROUP BY station, pile, gun HAVING last = 1",
            "SELECT count(temperature) FROM telemetry WHERE \(w) GROUP BY station, pile, gun",  // count: its empty value is 0
            "SELECT max(temperature) FROM telemetry WHERE time > now() - 5m GROUP BY station, pile, gun",  // another window
            "SELECT max(temperature) FROM telemetry WHERE \(w) GROUP BY pile",  // another grouping
            "SELECT max(temperature) FROM telemetry WHERE \(w) GROUP BY time(1m), station, pile, gun",
            "SELECT min(voltage) FROM telemetry WHERE \(w) GROUP BY station, pile, gun, episode(voltage < 360, 1m)",
            "SELECT max(temperature) FROM telemetry WHERE \(w) GROUP BY station, pile, gun HAVING time > now() - 1m",
            "SELECT max(temperature) * 2 FROM telemetry WHERE \(w) GROUP BY station, pile, gun",
            "SHOW SILENT SERIES FROM telemetry FOR 10m GROUP BY station, pile",
            "SELECT min(voltage) AS v, max(current) FROM telemetry WHERE \(w) GROUP BY station, pile, gun HAVING v < 360",
        ]
        let shared = SharedSelects(queries)
        #expect(shared.count == 1)
        #expect(queries.indices.filter { shared.membership[$0] != nil } == [0, 1, 10])
    }

    @Test func aMemberNamingAnUnknownFieldGetsTheAnswerItGetsAlone() throws {
        var r = Random(seed: 42)
        let f = try QueryFixture(lines: Self.lines(&r))
        let queries = [
            "SELECT max(temperature) FROM telemetry WHERE \(Self.window) GROUP BY pile HAVING max > 60",
            "SELECT max(pressure) FROM telemetry WHERE \(Self.window) GROUP BY pile",
        ]
        let shared = SharedSelects(queries)
        let answers = f.engine.execute(shared, batch: 0, database: "fleet", now: Self.now)
        for (m, q) in queries.enumerated() {
            let alone = try f.engine.execute(q, database: "fleet", now: Self.now)
            let got = try answers[m].get()
            #expect(got == alone, "\(q)")
            #expect(got.map(\.messages) == alone.map(\.messages))
        }
    }
}

private extension SplitMix64 {
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
}

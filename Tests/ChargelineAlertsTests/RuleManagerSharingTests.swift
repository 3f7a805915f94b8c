@testable import ChargelineAlerts
import ChargelineQuery
import Foundation
import Testing

/// Rules of a group that one scan answers give the alerts they give evaluated one by one, and
/// evaluation times stay on the group's schedule.
@Suite struct RuleManagerSharingTests {
    static let s = AlertFixture.second
    static let t0 = AlertFixture.t0
    static let window = "time > now() - 2m AND time <= now()"
    static let thresholds = [
        ("Hot", "max(temperature)", "max > 80", "30s"),
        ("Warm", "max(temperature)", "max > 60", "1m"),
        ("Cold", "min(temperature)", "min < 45", "0s"),
        ("Sag", "min(voltage)", "min < 360", "30s"),
        ("Surge", "max(voltage)", "max > 410", "15s"),
        ("Fault", "last(status)", "last = 1", "30s"),
        ("Wobbly", "spread(temperature)", "spread > 30", "0s"),
    ]

    /// The rules file: every threshold in one group (`together`), or each in a group of its own.
    static func rules(together: Bool) -> String {
        var out = "groups:\n"
        for (i, t) in thresholds.enumerated() {
            if together && i == 0 || !together { out += "  - name: g\(together ? "" : "\(i)")\n    interval: 15s\n    rules:\n" }
            out += """
                      - alert: \(t.0)
                        expr: SELECT \(t.1) FROM telemetry WHERE \(window) GROUP BY station, pile, gun HAVING \(t.2)
                        for: \(t.3)

                """
        }
        return out
    }

    /// 12 guns every 15 s for 10 minutes from `t0`, values from a fixed seed (SplitMix64).
    static func lines() -> [String] {
        var state: UInt64 = 7
        func next(_ n: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(n))
        }
        var out: [String] = []
        for p in 1...6 {
            for g in 1...2 {
                for k in 0..<40 {
                    var fields = ["temperature=\(35 + next(55)).\(next(10))", "voltage=\(350 + next(70)).0"]
                    if next(2) == 0 { fields.append("status=\(next(3))i") }
                    out.append("telemetry,station=S1,pile=P\(p),gun=\(g) \(fields.joined(separator: ",")) \(t0 + Int64(k) * 15 * s)")
                }
            }
        }
        return out
    }

    /// Per rule name, its instances (labels, state, value, activeAt) after each evaluation.
    static func run(together: Bool) throws -> [[String: [String]]] {
        let f = try AlertFixture()
        try f.rules(rules(together: together))
        try f.write(lines())
        let m = f.manager(stateDirectory: false)
        try m.start()
        defer { m.stop() }
        if together {
            #expect(m.shared["g"]?.membership.allSatisfy { $0 != nil } == true)
        } else {
            #expect(m.shared.values.allSatisfy { $0.count == 0 })
        }
        var out: [[String: [String]]] = []
        for k in 8...40 {
            m.evaluateAll(at: t0 + Int64(k) * 15 * s)
            var seen: [String: [String]] = [:]
            for (key, state) in m.alertStates {
                let rule = String(key.split(separator: "/").last!)
                seen[rule] = state.instances.values.map { a in
                    "\(a.labels.sorted { $0.key < $1.key }) \(a.shownState) \(a.value) \(a.activeAt) \(a.annotations)"
                }.sorted()
            }
            out.append(seen)
        }
        return out
    }

    @Test func rulesSharingAScanAlertAsRulesEvaluatedOneByOne() throws {
        let together = try Self.run(together: true)
        let alone = try Self.run(together: false)
        #expect(together == alone)
        // The data gives every rule instances, and some fire.
        #expect(Self.thresholds.allSatisfy { t in alone.contains { $0[t.0]?.isEmpty == false } })
        #expect(alone.contains { $0.values.contains { $0.contains { $0.contains("firing") } } })
    }

    @Test func evaluationTimesStayOnTheGroupsScheduleHoweverLateTheTimerFires() throws {
        let f = try AlertFixture()
        try f.rules(RuleManagerTests.overheating)
        let m = f.manager(stateDirectory: false, now: Self.t0)
        try m.start()
        defer { m.stop() }
        let group = try #require(m.ruleGroups.first)
        let first = Self.t0 + 15 * Self.s  // the first timer is due one interval after start
        #expect(m.slot(of: group, at: first) == first)
        #expect(m.slot(of: group, at: first + 80_000_000) == first)  // the timer's leeway
        #expect(m.slot(of: group, at: first + 15 * Self.s - 3_000_000) == first + 15 * Self.s)  // clocks drifting apart
        #expect(m.slot(of: group, at: first + 28 * Self.s) == first + 15 * Self.s)
        #expect(m.slot(of: group, at: first + 47 * Self.s) == first + 45 * Self.s)  // an evaluation that overran
    }

    @Test func forCountsWholeIntervalsWhenEvaluationsStartLate() throws {
        // `for: 1m` at a 15 s interval: firing at the fifth evaluation that sees the condition,
        // even when the first of them started later after its slot than the fifth.
        let f = try AlertFixture()
        try f.rules(RuleManagerTests.overheating)
        try f.temperatures(Array(repeating: 95, count: 30), from: Self.t0 - 60 * Self.s)
        let m = f.manager(stateDirectory: false, now: Self.t0)
        try m.start()
        defer { m.stop() }
        let group = try #require(m.ruleGroups.first)
        let first = Self.t0 + 15 * Self.s
        let late: [Int64] = [900_000_000, 20_000_000, 5_000_000, 40_000_000, 1_000_000]  // how late each timer fired
        for (k, l) in late.enumerated() {
            m.evaluateAll(at: m.slot(of: group, at: first + Int64(k) * 15 * Self.s + l))
        }
        let a = try #require(m.alertStates["guns/GunOverheating"]?.instances.values.first)
        #expect(a.state == .firing)
        #expect(a.activeAt == first)
    }
}

import ChargelineAlerts
import ChargelineQuery
import Foundation
import Testing

/// Rules evaluated through the query engine over a real store.
@Suite struct RuleManagerTests {
    static let s = AlertFixture.second
    static let t0 = AlertFixture.t0
    static let overheating = """
        groups:
          - name: guns
            interval: 15s
            rules:
              - alert: GunOverheating
                expr: SELECT max(temperature) FROM telemetry WHERE time > now() - 2m GROUP BY station, pile, gun HAVING max > 85
                for: 1m
                labels: {severity: critical}
                annotations:
                  summary: "gun {{ $labels.gun }} of pile {{ $labels.pile }} at {{ $value }} °C"
              - record: gun_temperature_max
                expr: SELECT max(temperature) FROM telemetry WHERE time > now() - 1m GROUP BY pile, gun
        """

    func instance(_ m: RuleManager) -> AlertInstance? {
        m.alertStates["guns/GunOverheating"]?.instances.values.first
    }

    @Test func thresholdCrossingGoesPendingThenFiringThenResolved() throws {
        let f = try AlertFixture()
        try f.rules(Self.overheating)
        try f.temperatures([70, 80, 90, 91, 92, 93, 94, 95, 96], from: Self.t0 - 60 * Self.s)
        let m = f.manager()
        try m.start()
        defer { m.stop() }
        m.evaluateAll(at: Self.t0)
        let a = try #require(instance(m))
        #expect(a.state == .pending)
        #expect(a.labels == ["alertname": "GunOverheating", "station": "S1", "pile": "P1", "gun": "1", "severity": "critical"])
        #expect(a.annotations["summary"] == "gun 1 of pile P1 at 96 °C")
        m.evaluateAll(at: Self.t0 + 45 * Self.s)
        #expect(instance(m)?.state == .pending)
        m.evaluateAll(at: Self.t0 + 60 * Self.s)
        #expect(instance(m)?.state == .firing)
        m.evaluateAll(at: Self.t0 + 200 * Self.s)  // nothing above 85 in the last 2 minutes
        #expect(instance(m)?.shownState == "resolved")
        // Every change is in `alerts`, queryable; the recording rule wrote its measurement.
        let history = try f.query("SELECT state, late, value FROM alerts WHERE rule = 'GunOverheating'", now: Self.t0 + 300 * Self.s)
        let states = history.first?.values.map { $0[1] } ?? []
        #expect(states == [.string("pending"), .string("firing"), .string("resolved")])
        #expect(history.first?.values.first?[2] == .boolean(false))
        let recorded = try f.query("SELECT value FROM gun_temperature_max GROUP BY pile, gun", now: Self.t0 + 300 * Self.s)
        #expect(recorded.first?.values.first?[1] == .float(96))
    }

    /// The query catalog stays cached across a new series of another measurement (the alert
    /// history's); a new gun of the rule's own measurement is seen by the next evaluation.
    @Test func aNewGunIsSeenByTheNextEvaluationAfterHistoryWasWritten() throws {
        let f = try AlertFixture()
        try f.rules(Self.overheating)
        try f.temperatures([90, 91, 92], from: Self.t0 - 30 * Self.s)
        let m = f.manager()
        try m.start()
        defer { m.stop() }
        m.evaluateAll(at: Self.t0)  // P1 pending: its history is a new series of `alerts`
        #expect(m.alertStates["guns/GunOverheating"]?.instances.count == 1)
        m.evaluateAll(at: Self.t0 + 1 * Self.s)  // the catalog of `telemetry` cached again
        try f.temperatures([93], from: Self.t0 + 5 * Self.s, pile: "P2")
        m.evaluateAll(at: Self.t0 + 15 * Self.s)
        let piles = m.alertStates["guns/GunOverheating"]?.instances.values.compactMap { $0.labels["pile"] }.sorted()
        #expect(piles == ["P1", "P2"])
    }

    @Test func aRestartKeepsAFiringAlertFiringWithoutANewChange() throws {
        let f = try AlertFixture()
        try f.rules(Self.overheating)
        try f.temperatures(Array(repeating: 95, count: 20), from: Self.t0 - 60 * Self.s)
        let first = f.manager()
        try first.start()
        first.evaluateAll(at: Self.t0)
        first.evaluateAll(at: Self.t0 + 60 * Self.s)
        let fired = try #require(instance(first))
        #expect(fired.state == .firing)
        first.stop()
        let second = f.manager()
        try second.start()
        defer { second.stop() }
        #expect(instance(second) == fired)
        second.evaluateAll(at: Self.t0 + 75 * Self.s)
        #expect(instance(second)?.state == .firing && instance(second)?.firedAt == fired.firedAt)
        let history = try f.query("SELECT count(state) FROM alerts WHERE state = 'firing'", now: Self.t0 + 300 * Self.s)
        #expect(history.first?.values.first?[1] == .integer(1))
    }

    @Test func aRuleThatDoesNotParseIsRefusedWithFileLineAndQueryErrorAndTheOldRulesStay() throws {
        let f = try AlertFixture()
        try f.temperatures([95], from: Self.t0 - 10 * Self.s)
        try f.rules(Self.overheating)
        let m = f.manager()
        try m.start()
        defer { m.stop() }
        try f.rules(Self.overheating.replacingOccurrences(of: "GROUP BY station, pile, gun HAVING", with: "GROUP BY station pile HAVING"))
        let e = try #require(m.reload())
        #expect(e.file == f.rulesFile && e.line == 5)
        #expect(e.message.contains("rule \"GunOverheating\" of group \"guns\": syntax error") && e.message.contains("found pile"), "\(e)")
        #expect(m.ruleGroups.first?.rules.first?.expr.contains("station, pile, gun") == true)
        #expect(m.lastReloadError == e)
    }

    @Test func aRuleThatOnlyPassesAQueryLimitAtLoadIsNotRefused() throws {
        // A big store on a busy start: the check run of a rule times out. The rule is valid.
        let f = try AlertFixture(limits: QueryLimits(timeoutSeconds: 30, maxPointsScanned: 1))
        try f.temperatures([95, 96, 97], from: Self.t0 - 30 * Self.s)
        try f.rules(Self.overheating)
        let m = f.manager()
        try m.start()
        defer { m.stop() }
        #expect(m.ruleGroups.first?.rules.count == 2)
    }

    @Test func aRuleNamingAnUnknownFieldIsRefused() throws {
        let f = try AlertFixture()
        try f.temperatures([95], from: Self.t0 - 10 * Self.s)
        try f.rules(Self.overheating.replacingOccurrences(of: "SELECT max(temperature) FROM telemetry WHERE time > now() - 2m",
                                                          with: "SELECT max(temprature) FROM telemetry WHERE time > now() - 2m"))
        #expect {
            try f.manager().start()
        } throws: { e in
            guard let e = e as? RuleFileError else { return false }
            return e.line == 5 && e.message.contains("unknown field or tag \"temprature\"")
        }
    }

    @Test func aLateUploadOfAPastEpisodeYieldsExactlyOneLateAlertWithItsRealTimes() throws {
        let f = try AlertFixture()
        try f.rules("""
            groups:
              - name: guns
                interval: 15s
                rules:
                  - alert: GunOverheatingEpisode
                    expr: SELECT max(temperature) FROM telemetry WHERE time > now() - 6h GROUP BY pile, gun, episode(temperature > 85, 2m)
            """)
        try f.temperatures([60, 60], from: Self.t0 - 30 * Self.s)
        let m = f.manager()
        try m.start()
        defer { m.stop() }
        m.evaluateAll(at: Self.t0)
        // A pile that was offline uploads an hour-old overheating of 5 minutes.
        let start = Self.t0 - 3600 * Self.s
        try f.temperatures([70] + Array(repeating: 92, count: 21) + [70], from: start - 15 * Self.s, pile: "P9")
        m.evaluateAll(at: Self.t0 + 15 * Self.s)
        m.evaluateAll(at: Self.t0 + 30 * Self.s)
        let rows = try f.query("SELECT state, late FROM alerts WHERE pile = 'P9'", now: Self.t0 + 60 * Self.s)
        let values = rows.first?.values ?? []
        #expect(values.map { $0[1] } == [.string("firing"), .string("resolved")])
        #expect(values.map { $0[2] } == [.boolean(true), .boolean(true)])
        #expect(values.map { $0[0] } == [.time(start), .time(start + 300 * Self.s)])
        #expect(m.alertStates["guns/GunOverheatingEpisode"]?.instances.isEmpty == true)
    }
}

import ChargelineAlerts
import Testing

/// The state machine on its own, with samples made by hand.
@Suite struct AlertingRuleStateTests {
    static let s: Int64 = 1_000_000_000
    static let t0: Int64 = 1_795_132_800_000_000_000
    static let rule = AlertRule(kind: .alerting, name: "Hot", expr: "SELECT 1", holdNanoseconds: 60 * s, labels: ["severity": "critical"])
    static let hot = RuleSample(labels: ["pile": "P1", "gun": "1"], value: 90)

    func step(_ st: inout AlertingRuleState, _ samples: [RuleSample], at t: Int64) -> [String] {
        var late: [AlertInstance] = []
        return st.apply(samples, rule: Self.rule, templates: [:], interval: 15 * Self.s, now: t, late: &late).map(\.to)
    }

    @Test func pendingFiresOnlyAfterFor() {
        var st = AlertingRuleState()
        #expect(step(&st, [Self.hot], at: Self.t0) == ["pending"])
        #expect(step(&st, [Self.hot], at: Self.t0 + 45 * Self.s) == [])
        #expect(st.instances.values.first?.state == .pending)
        #expect(step(&st, [Self.hot], at: Self.t0 + 60 * Self.s) == ["firing"])
        let a = st.instances.values.first!
        #expect(a.labels == ["pile": "P1", "gun": "1", "severity": "critical", "alertname": "Hot"])
        #expect(a.activeAt == Self.t0 && a.firedAt == Self.t0 + 60 * Self.s)
        #expect(step(&st, [], at: Self.t0 + 75 * Self.s) == ["resolved"])
        #expect(st.instances.values.first?.resolvedAt == Self.t0 + 75 * Self.s)
        // Kept 15 minutes for re-sending the resolution, then dropped.
        #expect(step(&st, [], at: Self.t0 + 17 * 60 * Self.s) == [] && st.instances.isEmpty)
    }

    @Test func pendingThatEndsBeforeForNeverFires() {
        var st = AlertingRuleState()
        _ = step(&st, [Self.hot], at: Self.t0)
        #expect(step(&st, [], at: Self.t0 + 30 * Self.s) == ["inactive"])
        #expect(st.instances.isEmpty)
    }

    @Test func dueResendsFiringEveryDelayAndResolvedOnce() {
        var st = AlertingRuleState()
        _ = step(&st, [Self.hot], at: Self.t0)
        #expect(st.due(now: Self.t0, interval: 15 * Self.s, resendDelay: 60 * Self.s).isEmpty)  // pending: not sent
        _ = step(&st, [Self.hot], at: Self.t0 + 60 * Self.s)
        let sent = st.due(now: Self.t0 + 60 * Self.s, interval: 15 * Self.s, resendDelay: 60 * Self.s)
        #expect(sent.count == 1 && sent[0].validUntil == Self.t0 + 300 * Self.s)
        #expect(st.due(now: Self.t0 + 75 * Self.s, interval: 15 * Self.s, resendDelay: 60 * Self.s).isEmpty)
        #expect(st.due(now: Self.t0 + 120 * Self.s, interval: 15 * Self.s, resendDelay: 60 * Self.s).count == 1)
        _ = step(&st, [], at: Self.t0 + 135 * Self.s)
        let resolved = st.due(now: Self.t0 + 135 * Self.s, interval: 15 * Self.s, resendDelay: 60 * Self.s)
        #expect(resolved.count == 1 && resolved[0].resolvedAt == Self.t0 + 135 * Self.s)
        #expect(st.due(now: Self.t0 + 150 * Self.s, interval: 15 * Self.s, resendDelay: 60 * Self.s).isEmpty)
    }

    @Test func aPastEpisodeSeenFirstIsLateOnceWithItsRealTimes() {
        var st = AlertingRuleState()
        _ = step(&st, [], at: Self.t0)  // first evaluation: nothing to note
        let episode = RuleSample(labels: ["pile": "P1", "gun": "1"], value: 93, episode: (Self.t0 - 3600 * Self.s, Self.t0 - 3000 * Self.s))
        var late: [AlertInstance] = []
        let changes = st.apply([episode], rule: Self.rule, templates: [:], interval: 15 * Self.s, now: Self.t0 + 15 * Self.s, late: &late)
        #expect(changes.map(\.to) == ["firing", "resolved"])
        #expect(changes.map(\.time) == [Self.t0 - 3600 * Self.s, Self.t0 - 3000 * Self.s])
        #expect(late.count == 1 && late[0].late && late[0].activeAt == Self.t0 - 3600 * Self.s && late[0].resolvedAt == Self.t0 - 3000 * Self.s)
        #expect(step(&st, [episode], at: Self.t0 + 30 * Self.s) == [])
        #expect(st.instances.isEmpty)
    }

    @Test func episodesInTheStoreAtTheFirstEvaluationAreNotLate() {
        var st = AlertingRuleState()
        let episode = RuleSample(labels: ["pile": "P1"], value: 93, episode: (Self.t0 - 3600 * Self.s, Self.t0 - 3000 * Self.s))
        #expect(step(&st, [episode], at: Self.t0) == [])
        #expect(step(&st, [episode], at: Self.t0 + 15 * Self.s) == [])
    }

    @Test func aLiveEpisodeThatEndsResolvesAndIsNotLateAfterwards() {
        var st = AlertingRuleState()
        _ = step(&st, [], at: Self.t0)
        let start = Self.t0 - 120 * Self.s
        let live = RuleSample(labels: ["pile": "P1"], value: 93, episode: (start, Self.t0))
        #expect(step(&st, [live], at: Self.t0 + 15 * Self.s) == ["pending", "firing"])  // held 2 min already
        let ended = RuleSample(labels: ["pile": "P1"], value: 93, episode: (start, Self.t0 + 15 * Self.s))
        #expect(step(&st, [ended], at: Self.t0 + 30 * Self.s) == [])
        #expect(step(&st, [ended], at: Self.t0 + 200 * Self.s) == ["resolved"])
        #expect(step(&st, [ended], at: Self.t0 + 215 * Self.s) == [])
    }
}

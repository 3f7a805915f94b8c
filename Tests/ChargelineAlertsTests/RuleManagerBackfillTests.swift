import ChargelineAlerts
import ChargelineQuery
import Foundation
import Testing

/// Late rows for rules without `episode()`: the past is re-evaluated (`RuleManager+Backfill`).
@Suite(.serialized) struct RuleManagerBackfillTests {
    static let s = AlertFixture.second
    static let t0 = AlertFixture.t0
    static let rules = """
        groups:
          - name: guns
            interval: 15s
            rules:
              - alert: GunOverheating
                expr: SELECT max(temperature) FROM telemetry WHERE time > now() - 2m GROUP BY station, pile, gun HAVING max > 85
                for: 1m
                labels: {severity: critical}
        """
    /// When pile P9's buffered upload starts: an hour before `t0`.
    static let start = t0 - 3600 * s

    /// Pile P9, offline for an hour, uploads its buffer: a 70 °C sample, then 21 at `hot`
    /// (5 minutes) from `start`, then 70 °C again.
    func uploadBuffer(_ f: AlertFixture, hot: Double = 92) throws {
        try f.temperatures([70] + Array(repeating: hot, count: 21) + [70], from: Self.start - 15 * Self.s, pile: "P9")
    }

    func lateHistory(_ f: AlertFixture) throws -> [[Value]] {
        try f.query("SELECT state, late FROM alerts WHERE rule = 'GunOverheating' AND pile = 'P9'", now: Self.t0 + 3600 * Self.s)
            .first?.values ?? []
    }

    /// Webhook bodies naming pile P9.
    func posted(_ r: FakeReceiver) -> [String] { r.received.map { $0.body }.filter { $0.contains("\"P9\"") } }

    @Test func aLateUploadWithOneCrossingYieldsExactlyOneLateAlertWithItsRealTimes() async throws {
        let f = try AlertFixture()
        let hook = try FakeReceiver()
        defer { hook.close() }
        try f.rules(Self.rules)
        try f.temperatures([60, 60], from: Self.t0 - 30 * Self.s)
        let n = AlertNotifier(receivers: [.init(kind: .webhook, url: hook.url)], logger: AlertFixture.quiet)
        let m = f.manager(notifier: n)
        try m.start()
        m.evaluateAll(at: Self.t0)
        try uploadBuffer(f)
        for i in 1...4 { m.evaluateAll(at: Self.t0 + Int64(i) * 15 * Self.s) }
        m.stop()
        await n.shutdown()
        // Firing from the first step that saw 92 °C, resolved when the 2-minute window no longer
        // held any (2 minutes after the last hot sample, at start + 300 s). The rule has no
        // `time <= now()`, so the first step, at the upload's oldest row (start - 15 s), already
        // reads the hot rows after it.
        let rows = try lateHistory(f)
        #expect(rows.map { $0[1] } == [.string("firing"), .string("resolved")])
        #expect(rows.map { $0[2] } == [.boolean(true), .boolean(true)])
        #expect(rows.map { $0[0] } == [.time(Self.start - 15 * Self.s), .time(Self.start + 420 * Self.s)])
        let bodies = posted(hook)
        #expect(bodies.count == 1)
        #expect(bodies.first?.contains("\"late\":true") == true && bodies.first?.contains("\"status\":\"resolved\"") == true)
        #expect(bodies.first?.contains("\"startsAt\":\"\(AlertPayload.rfc3339(Self.start - 15 * Self.s))\"") == true)
        #expect(bodies.first?.contains("\"endsAt\":\"\(AlertPayload.rfc3339(Self.start + 420 * Self.s))\"") == true)
        // Nothing fires as if it were now.
        #expect(m.alertStates["guns/GunOverheating"]?.instances.isEmpty == true)
    }

    @Test func aLateUploadWithoutACrossingYieldsNoAlert() async throws {
        let f = try AlertFixture()
        let hook = try FakeReceiver()
        defer { hook.close() }
        try f.rules(Self.rules)
        try f.temperatures([60, 60], from: Self.t0 - 30 * Self.s)
        let n = AlertNotifier(receivers: [.init(kind: .webhook, url: hook.url)], logger: AlertFixture.quiet)
        let m = f.manager(notifier: n)
        try m.start()
        m.evaluateAll(at: Self.t0)
        try uploadBuffer(f, hot: 80)
        for i in 1...4 { m.evaluateAll(at: Self.t0 + Int64(i) * 15 * Self.s) }
        m.stop()
        await n.shutdown()
        #expect(try lateHistory(f).isEmpty)
        #expect(posted(hook).isEmpty)
        #expect(m.alertStates["guns/GunOverheating"]?.backfill == nil)
    }

    @Test func aRestartDoesNotReportALateEpisodeAgain() async throws {
        let f = try AlertFixture()
        let hook = try FakeReceiver()
        defer { hook.close() }
        try f.rules(Self.rules)
        try f.temperatures([60, 60], from: Self.t0 - 30 * Self.s)
        let first = f.manager()
        try first.start()
        first.evaluateAll(at: Self.t0)
        try uploadBuffer(f)
        first.evaluateAll(at: Self.t0 + 15 * Self.s)
        first.evaluateAll(at: Self.t0 + 30 * Self.s)
        first.stop()
        #expect(try lateHistory(f).count == 2)
        // Restarted, the pile sends its buffer again (it never got the acknowledgement).
        let n = AlertNotifier(receivers: [.init(kind: .webhook, url: hook.url)], logger: AlertFixture.quiet)
        let second = f.manager(notifier: n)
        try second.start()
        second.evaluateAll(at: Self.t0 + 45 * Self.s)
        try uploadBuffer(f)
        for i in 4...6 { second.evaluateAll(at: Self.t0 + Int64(i) * 15 * Self.s) }
        second.stop()
        await n.shutdown()
        #expect(try lateHistory(f).count == 2)
        #expect(posted(hook).isEmpty)
    }

    @Test func lateRowsInsideAnAlertThatFiredLiveDoNotReportItAgain() throws {
        let f = try AlertFixture()
        try f.rules(Self.rules)
        // P1 hot on time from t0 - 60 s to t0 + 60 s, then cool: it fires and resolves live.
        try f.temperatures(Array(repeating: 95, count: 9) + [60], from: Self.t0 - 60 * Self.s)
        let m = f.manager()
        try m.start()
        for i in 0...16 { m.evaluateAll(at: Self.t0 + Int64(i) * 15 * Self.s) }
        let live = try f.query("SELECT state, late FROM alerts WHERE rule = 'GunOverheating'", now: Self.t0 + 3600 * Self.s)
        #expect(live.first?.values.map { $0[1] } == [.string("pending"), .string("firing"), .string("resolved")])
        // A sample of the same gun inside that time arrives late (say, from a second path).
        try f.write(["telemetry,station=S1,pile=P1,gun=1 temperature=96 \(Self.t0 - 55 * Self.s)"])
        for i in 17...19 { m.evaluateAll(at: Self.t0 + Int64(i) * 15 * Self.s) }
        m.stop()
        let after = try f.query("SELECT state, late FROM alerts WHERE rule = 'GunOverheating'", now: Self.t0 + 3600 * Self.s)
        #expect(after.first?.values.count == 3)
        #expect(after.first?.values.allSatisfy { $0[2] == .boolean(false) } == true)
    }
}

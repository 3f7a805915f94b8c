import ChargelineAlerts
import Foundation
import Testing

@Suite(.serialized) struct AlertNotifierTests {
    static let t0 = AlertFixture.t0
    static func alert(resolved: Bool = false) -> AlertPayload.Alert {
        var i = AlertInstance(labels: ["alertname": "GunOverheating", "pile": "P1"], annotations: ["summary": "hot"],
                              state: resolved ? .inactive : .firing, value: 93.2, activeAt: t0)
        i.validUntil = t0 + 240_000_000_000
        if resolved { i.resolvedAt = t0 + 60_000_000_000 }
        return AlertPayload.Alert(instance: i, generatorURL: "http://x/query?q=1", sentAt: t0, interval: 15_000_000_000)
    }

    @Test func alertmanagerBodyHasTheV2Fields() {
        #expect(AlertPayload.alertmanager([Self.alert()]) == """
            [{"labels":{"alertname":"GunOverheating","pile":"P1"},"annotations":{"summary":"hot"},\
            "startsAt":"2026-11-20T00:00:00.000Z","endsAt":"2026-11-20T00:04:00.000Z","generatorURL":"http://x/query?q=1"}]
            """)
        #expect(AlertPayload.alertmanager([Self.alert(resolved: true)]).contains("\"endsAt\":\"2026-11-20T00:01:00.000Z\""))
        #expect(AlertPayload.webhook([Self.alert(resolved: true)]).contains("\"status\":\"resolved\""))
    }

    @Test func postsToAlertmanagerAndWebhooksRetryingAReceiverThatIsDown() async throws {
        let am = try FakeReceiver(failFirst: 1)
        let hook = try FakeReceiver()
        defer { am.close(); hook.close() }
        let n = AlertNotifier(receivers: [.init(kind: .alertmanager, url: am.url), .init(kind: .webhook, url: hook.url + "/hook")],
                              logger: AlertFixture.quiet)
        n.send([Self.alert()])
        let got = await am.wait(for: 1, seconds: 30)
        #expect(got.count == 1 && got[0].path == "/api/v2/alerts" && got[0].body.hasPrefix("[{\"labels\""))
        let hooked = await hook.wait(for: 1, seconds: 30)
        #expect(hooked.count == 1 && hooked[0].path == "/hook" && hooked[0].body.contains("\"late\":false"))
        await n.shutdown()
        #expect(n.statistics.sent == 2)
    }

    @Test func sendNeverWaitsForAReceiverThatDoesNotAnswer() async throws {
        // Nothing listens on port 9 of the loopback: every post fails and is retried later.
        let n = AlertNotifier(receivers: [.init(kind: .alertmanager, url: "http://127.0.0.1:9")], logger: AlertFixture.quiet)
        // 1000 sends return while the first post is still being retried: the queue is bounded
        // and the oldest bodies are dropped, never the caller held.
        for _ in 0..<1000 { n.send([Self.alert()]) }
        #expect(n.statistics.dropped >= 1000 - AlertNotifier.maxQueued - 1)
        #expect(n.statistics.sent == 0)
        await n.shutdown(timeout: 0.5)
    }
}

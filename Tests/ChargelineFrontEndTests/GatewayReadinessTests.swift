import Testing

@testable import ChargelineFrontEnd

/// The gateway's `/ready` answer.
@Suite struct GatewayReadinessTests {
    @Test func readyWhileTheNodeAnswersAndTheSpoolHasRoom() {
        let r = GatewayReadiness(upstream: "n:8086", state: .reachable, unreachableSeconds: 0, spoolBytes: 10,
                                 spoolOldestSeconds: 2, spoolMaxBytes: 1000)
        #expect(r.status == 200)
        #expect(r.json == #"{"status":"ready","upstream":"n:8086","spoolBytes":10,"spoolOldestSeconds":2,"spoolMaxBytes":1000}"#)
    }

    @Test func waitingSaysForWhat() {
        let down = GatewayReadiness(upstream: "n:8086", state: .unreachable(since: 0, error: "connection refused"),
                                    unreachableSeconds: 12, spoolBytes: 10, spoolOldestSeconds: 12, spoolMaxBytes: 1000)
        #expect(down.status == 503)
        #expect(down.json.contains(#""reason":"storage node at n:8086 unreachable for 12 s (connection refused)"#))
        let first = GatewayReadiness(upstream: "n:8086", state: .unknown, unreachableSeconds: 0, spoolBytes: 0,
                                     spoolOldestSeconds: 0, spoolMaxBytes: 1000)
        #expect(first.status == 503)
        let full = GatewayReadiness(upstream: "n:8086", state: .reachable, unreachableSeconds: 0, spoolBytes: 960,
                                    spoolOldestSeconds: 30, spoolMaxBytes: 1000)
        #expect(full.status == 503)
        #expect(full.json.contains("spool nearly full (960 of 1000 bytes)"))
    }

    @Test func credentialsRefusedCountAsDown() {
        let health = GatewayUpstreamHealth(upstream: "n:8086", clock: { 100 })
        health.answered(status: 404)
        #expect(health.current == .reachable, "a node without /ykc/sessions still answers")
        health.answered(status: 401)
        guard case .unreachable(_, let error) = health.current else {
            Issue.record("401 should count as down")
            return
        }
        #expect(error.contains("--upstream-token"))
    }
}

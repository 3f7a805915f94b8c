import ChargelineFrontEnd
import ChargelineIngest
import ChargelineYKC
import Testing

/// The YKC front-end's counters as Prometheus metrics.
@Suite(.serialized) struct ServerMetricsYKCTests {
    @Test("chargeline_ykc_frames_total is counted per frame type, only for types received")
    func framesAreCountedPerType() async throws {
        try await YKCFrontEndTests.withFrontEnd { fe in
            let pile = try YKCTestPile(code: 0x32010600395600, port: fe.port)
            #expect(pile.login() != nil)
            #expect(pile.heartbeat() != nil)
            #expect(pile.heartbeat() != nil)
            let stats = fe.stats
            #expect(stats.framesByType[0x01] == 1 && stats.framesByType[0x03] == 2 && stats.frames == 3)

            let metrics = ServerMetrics(version: "test")
            metrics.record(ykc: stats, database: "chargeline")
            let text = String(decoding: metrics.scrape(), as: UTF8.self)
            let lines = text.split(separator: "\n").filter { $0.hasPrefix("chargeline_ykc_frames_total") }
            #expect(lines.sorted() == [#"chargeline_ykc_frames_total{type="0x01"} 1"#, #"chargeline_ykc_frames_total{type="0x03"} 2"#])

            // A later scrape adds only what came since.
            #expect(pile.heartbeat() != nil)
            metrics.record(ykc: fe.stats, database: "chargeline")
            let again = String(decoding: metrics.scrape(), as: UTF8.self)
            #expect(again.contains(#"chargeline_ykc_frames_total{type="0x03"} 3"#))
        }
    }
}

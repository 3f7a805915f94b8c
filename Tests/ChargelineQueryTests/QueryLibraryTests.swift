import ChargelineCore
import ChargelineIngest
import Foundation
import Testing

/// Every stored query in `Queries/` must answer its expected result (the JSON after the
/// `----` line) on `Queries/fixture.lp`, at the `-- now:` time of its header, both from the
/// head and after a flush.
@Suite struct QueryLibraryTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Queries").path

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".influxql") }.sorted()
    }

    @Test func libraryHasAtLeastTwelveQueries() {
        #expect(Self.names.count >= 12, "Queries/ holds \(Self.names.count) queries")
    }

    @Test func everyQueryAnswersItsExpectedResult() throws {
        let lines = try String(contentsOfFile: Self.directory + "/fixture.lp", encoding: .utf8).split(separator: "\n").map(String.init)
        let fixture = try QueryFixture(lines: lines, database: "chargeline")
        for phase in ["head", "segments"] {
            if phase == "segments" { try fixture.store.flush() }
            for name in Self.names {
                let text = try String(contentsOfFile: Self.directory + "/" + name, encoding: .utf8)
                let parts = text.components(separatedBy: "\n----\n")
                try #require(parts.count == 2, "\(name): needs the query, a ---- line and the expected result")
                let header = parts[0].split(separator: "\n").filter { $0.hasPrefix("--") }
                #expect(header.count >= 2, "\(name): the header says what the query finds")
                let nowLine = try #require(header.first { $0.hasPrefix("-- now:") }, "\(name): header needs -- now: <time>")
                let now = try TimeParser.parse(String(nowLine.dropFirst("-- now:".count)), now: 0)
                let got = fixture.answer(parts[0], database: "chargeline", now: now)
                let want = parts[1].trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(got == want, "\(name) (\(phase))\nwant: \(want)\n got: \(got)")
                #expect(!got.contains("\"error\""), "\(name) fails: \(got)")
            }
        }
    }
}

/// The shipped queries over what the YKC front-end stores for idle guns: an idle 0x13 sends raw
/// 0 for voltage, current, temperatures and SOC, which is "no reading", not 0 V or −50 °C.
@Suite struct QueryLibraryYKCIdleTests {
    static let hour: Int64 = 3_600_000_000_000
    /// 2026-11-20T00:00:00Z, the day the library's `-- now:` headers look at.
    static let dayStart: Int64 = 1_795_132_800_000_000_000

    /// 20 idle guns reporting every 15 s for an hour (the frame a real idle pile sends, raw
    /// zeros), and one charging gun whose voltage really sags to 320 V for 2 minutes.
    static func fleet() -> WriteBatch {
        var b = WriteBatchBuilder()
        let idle = YKCRealtimeData(trade: YKCTradeNumber(high: 0, low: 0), pileCode: 0, gun: 1, status: 2, holstered: 1)
        for g in 0..<20 {
            let keys = YKCSeriesKeys(pileText: "320106000000\(g < 10 ? "0" : "")\(g)", gun: 1, info: YKCPileInfo(station: "S1"))
            for k in 0..<240 { YKCTelemetryWriter.add(idle, keys: keys, timestamp: dayStart + Int64(k) * 15_000_000_000, to: &b) }
        }
        let keys = YKCSeriesKeys(pileText: "32010600000099", gun: 1, info: YKCPileInfo(station: "S1"))
        for k in 0..<240 {
            let sag = k >= 100 && k < 108
            let d = YKCRealtimeData(trade: YKCTradeNumber(high: 1, low: 1), pileCode: 0, gun: 1, status: 3, plugged: 1,
                                    decivolts: sag ? 3200 : 4000, deciamps: 1000, gunTemperatureRaw: 90, soc: 50,
                                    batteryTemperatureRaw: 80)
            YKCTelemetryWriter.add(d, keys: keys, timestamp: dayStart + Int64(k) * 15_000_000_000, to: &b)
        }
        return b.finish()
    }

    @Test func idleGunsAreNotSagsNorMinusFiftyDegrees() throws {
        let fixture = try QueryFixture(batch: Self.fleet(), database: "chargeline")
        let now = Self.dayStart + 2 * Self.hour
        let text = try String(contentsOfFile: QueryLibraryTests.directory + "/voltage-sags.influxql", encoding: .utf8)
        let query = text.components(separatedBy: "\n----\n")[0]
        let sags = fixture.answer(query, database: "chargeline", now: now)
        #expect(sags.contains("\"pile\":\"32010600000099\""), "\(sags)")
        #expect(sags.components(separatedBy: "\"values\"").count == 2, "one sag episode, none for the idle guns: \(sags)")
        let minima = fixture.answer(
            "SELECT min(temperature), min(battery_temperature), min(voltage), count(soc), count(status) FROM telemetry"
                + " WHERE time >= '2026-11-20T00:00:00Z'", database: "chargeline", now: now)
        #expect(minima.contains("[\"2026-11-20T00:00:00Z\",40,30,320,240,5040]"), "\(minima)")
    }
}

import ChargelineAlerts
import ChargelineCore
import ChargelineQuery
import Foundation
import Testing

/// `Queries/alerts.yaml` on `Queries/fixture.lp`: evaluated at times through the fixture's two
/// hours, each shipped rule fires for its planted fault and for nothing else.
@Suite struct ShippedRulesTests {
    static let queries = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Queries").path

    static func at(_ hhmm: String) -> Int64 {
        let parts = hhmm.split(separator: ":").map { Int64($0)! }
        return AlertFixture.t0 + (parts[0] * 3600 + parts[1] * 60) * AlertFixture.second
    }

    @Test func everyShippedRuleFiresForItsPlantedFaultOnly() throws {
        let f = try AlertFixture()
        let lines = try String(contentsOfFile: Self.queries + "/fixture.lp", encoding: .utf8).split(separator: "\n").map(String.init)
        try f.write(lines)
        // The fixture has no fault status: gun 2 of P000001 reports status 1 from 01:50 to 01:55.
        try f.write((0..<10).map { "telemetry,station=S0001,pile=P000001,gun=2 status=1i \(Self.at("01:50") + Int64($0) * 30 * AlertFixture.second)" })
        try FileManager.default.copyItem(atPath: Self.queries + "/alerts.yaml", toPath: f.rulesFile)
        let m = f.manager(now: Self.at("00:00"))
        try m.start()
        defer { m.stop() }
        #expect(m.ruleGroups.flatMap(\.rules).count == 6)
        for t in ["00:15", "00:20", "00:39", "00:40", "01:02", "01:30", "01:31", "01:35", "01:52", "01:53"] {
            m.evaluateAll(at: Self.at(t))
        }
        let fired = try f.query("SELECT state FROM alerts WHERE state = 'firing' GROUP BY rule, station, pile, gun", now: Self.at("02:00"))
        let got = Set(fired.map { s in s.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ",") })
        #expect(got == [
            "gun=1,pile=P000001,rule=GunOverheating,station=S0001",
            "gun=2,pile=P000001,rule=GunFaultStatus,station=S0001",
            "gun=2,pile=P000002,rule=VoltageSag,station=S0001",
            "gun=1,pile=P000002,rule=ChargingWithZeroCurrent,station=S0001",
            "gun=,pile=P000003,rule=PileSilent,station=S0002",
            "gun=1,pile=P000004,rule=StuckTemperatureSensor,station=S0002",
        ])
        let late = try f.query("SELECT count(state) FROM alerts WHERE late = true", now: Self.at("02:00"))
        #expect(late.isEmpty)
    }
}

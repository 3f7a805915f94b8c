import ChargelineQuery
import Foundation
import Testing

/// `episode()` windows skip a group whose rows cannot meet the condition by block
/// statistics, and answer as before everywhere else.
@Suite struct WindowOperatorTests {
    static let second: Int64 = 1_000_000_000
    static let t0: Int64 = 1_795_132_800_000_000_000
    static let now = t0 + 10 * 60 * second
    static let sag = "SELECT min(voltage) FROM telemetry WHERE time > now() - 10m AND time <= now() "
        + "GROUP BY gun, episode(voltage < 360 AND voltage > 0, 1m)"

    /// 4 guns every 15 s for 10 minutes at 400-402 V; gun `sagging` (when given) at 350 V
    /// from minute 4 to minute 6.
    static func lines(sagging: Int? = nil) -> [String] {
        var out: [String] = []
        for g in 1...4 {
            for k in 0..<40 {
                let t = t0 + Int64(k) * 15 * second
                let v = g == sagging && (16...24).contains(k) ? 350 : 400 + (k + g) % 3
                out.append("telemetry,gun=\(g) voltage=\(v).0,current=100.0 \(t)")
            }
        }
        return out
    }

    @Test func anEpisodeNoRowCanMeetDecodesNothing() throws {
        let f = try QueryFixture(lines: Self.lines())
        let results = try f.engine.execute(Self.sag, database: "fleet", now: Self.now)
        #expect(results.count == 1 && results[0].series.isEmpty)
        // Every block's minimum is 400 V: `voltage < 360` holds on no row, nothing is decoded.
        #expect(results[0].statistics.pointsDecoded == 0, "\(results[0].statistics)")
    }

    @Test func onlyTheGroupThatCanMeetItIsDecoded() throws {
        let f = try QueryFixture(lines: Self.lines(sagging: 3))
        let results = try f.engine.execute(Self.sag, database: "fleet", now: Self.now)
        let series = results[0].series
        #expect(series.count == 1 && series.first?.tags.map { "\($0.key)=\($0.value)" } == ["gun=3"])
        // Minute 4 to minute 6: 2 minutes, at 350 V.
        #expect(series.first?.values.count == 1)
        #expect(series.first?.values.first?[2] == .float(120))
        #expect(series.first?.values.first?[3] == .float(350))
        // At most gun 3's 40 voltages, none of the other guns' (without the pruning: 4 x 39).
        let decoded = results[0].statistics.pointsDecoded
        #expect(decoded > 0 && decoded <= 40, "\(results[0].statistics)")
    }

    /// A series whose rows all fail the condition still ends the episodes of the others in
    /// its group: gun 1's 400 V at 45 s splits gun 2's 350 V run into two of 30 s, neither
    /// long enough for 1m.
    @Test func aSeriesThatCannotMeetTheConditionStillSplitsTheGroupsEpisodes() throws {
        let s = Self.second, t = Self.t0
        let lines = [0, 30, 60, 90].map { "telemetry,gun=2 voltage=350.0 \(t + Int64($0) * s)" }
            + ["telemetry,gun=1 voltage=400.0 \(t + 45 * s)"]
        let f = try QueryFixture(lines: lines)
        let q = "SELECT min(voltage) FROM telemetry WHERE time >= \(t) AND time < \(t + 10 * 60 * s) GROUP BY episode(voltage < 360, 1m)"
        let results = try f.engine.execute(q, database: "fleet", now: Self.now)
        #expect(results[0].series.isEmpty, "\(results[0].series)")
        let alone = try f.engine.execute(q.replacingOccurrences(of: "WHERE", with: "WHERE gun = '2' AND"), database: "fleet", now: Self.now)
        #expect(alone[0].series.first?.values.count == 1, "\(alone[0].series)")
    }
}

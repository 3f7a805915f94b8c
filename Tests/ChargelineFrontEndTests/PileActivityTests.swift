@testable import ChargelineFrontEnd
import Testing

/// `PileActivity`: at most one sample per period while frames come, and the last frame's
/// time once they stop.
@Suite struct PileActivityTests {
    static let second: Int64 = 1_000_000_000

    @Test func firstFrameIsSampledThenOncePerPeriod() {
        var a = PileActivity(periodSeconds: 60)
        #expect(a.frame(at: 0)! == (1, 0))
        #expect(a.frame(at: 15 * Self.second) == nil)
        #expect(a.frame(at: 30 * Self.second) == nil)
        let s = a.frame(at: 60 * Self.second)!
        #expect(s.count == 3 && s.time == 60 * Self.second)
    }

    @Test func framesThatStopAreSampledAtTheLastFrameAfterAPeriod() {
        var a = PileActivity(periodSeconds: 60)
        _ = a.frame(at: 0)
        _ = a.frame(at: 15 * Self.second)
        _ = a.frame(at: 30 * Self.second)
        #expect(a.quiet(at: 80 * Self.second) == nil, "not quiet for a period yet")
        let s = a.quiet(at: 90 * Self.second)!
        #expect(s.count == 2 && s.time == 30 * Self.second)
        #expect(a.quiet(at: 200 * Self.second) == nil, "nothing pending")
    }

    @Test func connectionEndWritesWhatIsPending() {
        var a = PileActivity(periodSeconds: 60)
        #expect(a.quiet(at: 0, force: true) == nil)
        _ = a.frame(at: 0)
        _ = a.frame(at: 10 * Self.second)
        let s = a.quiet(at: 11 * Self.second, force: true)!
        #expect(s.count == 1 && s.time == 10 * Self.second)
    }
}

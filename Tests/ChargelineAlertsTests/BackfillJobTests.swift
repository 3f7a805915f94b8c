import ChargelineAlerts
import Testing

@Suite struct BackfillJobTests {
    static let s = AlertFixture.second
    static let t0 = AlertFixture.t0
    static let interval = 15 * s

    @Test func planStepsOnTheIntervalGridUpToTheLastEvaluation() throws {
        let job = try #require(BackfillJob.plan([(Self.t0 - 3601 * Self.s)...(Self.t0 - 3000 * Self.s)], now: Self.t0, interval: Self.interval))
        #expect(job.step == Self.interval)
        // The first step of the grid now - k x 15 s that sees the oldest row (at or after it).
        #expect(job.next == Self.t0 - 3600 * Self.s)
        #expect(job.lateEnd == Self.t0 - 3000 * Self.s)
        // Rows newer than the last evaluation before now are the live evaluation's.
        #expect(BackfillJob.plan([(Self.t0 - 5 * Self.s)...Self.t0], now: Self.t0, interval: Self.interval) == nil)
    }

    @Test func planLooksBackAtMostTheWindowAndWidensTheStepPastMaxSteps() throws {
        let job = try #require(BackfillJob.plan([(Self.t0 - 48 * 3600 * Self.s)...(Self.t0 - 3600 * Self.s)], now: Self.t0, interval: Self.interval))
        #expect(job.next >= Self.t0 - BackfillJob.maxWindow)
        #expect(job.step == 2 * Self.interval)
        #expect((Self.t0 - Self.interval - job.next) / job.step + 1 <= BackfillJob.maxSteps)
    }

    /// A job over steps where instance "a" holds at steps 2...7 (of 0...10) and "b" at step 4 only.
    func steps(hold: Int64, deadlineAfter: Int = .max, live: Set<String> = []) throws -> (BackfillJob, [BackfillJob.Episode], Bool) {
        let first = Self.t0 - 11 * Self.interval
        var job = BackfillJob(next: first, step: Self.interval, lateEnd: first + 5 * Self.interval)
        var ran = 0
        let (episodes, done) = try job.run(now: Self.t0, interval: Self.interval, hold: hold, overDeadline: { ran >= deadlineAfter },
                                           isLive: { live.contains($0) }) { t in
            ran += 1
            let k = (t - first) / Self.interval
            var rows: [BackfillJob.Row] = []
            if (2...7).contains(k) { rows.append(("a", ["g": "a"], Double(k))) }
            if k == 4 { rows.append(("b", ["g": "b"], 1)) }
            return rows
        }
        return (job, episodes, done)
    }

    @Test func anInstanceThatHeldForFiresFromItsFirstStepToItsFirstStepWithout() throws {
        let first = Self.t0 - 11 * Self.interval
        let (_, episodes, done) = try steps(hold: 3 * Self.interval)
        #expect(done)
        #expect(episodes == [BackfillJob.Episode(fingerprint: "a", labels: ["g": "a"], start: first + 2 * Self.interval,
                                                 firedAt: first + 5 * Self.interval, end: first + 8 * Self.interval, value: 7)])
    }

    @Test func aJobStoppedAtItsDeadlineGoesOnWhereItWas() throws {
        let (job, episodes, done) = try steps(hold: 0, deadlineAfter: 3)
        #expect(!done && episodes.isEmpty)
        #expect(job.next == Self.t0 - 8 * Self.interval && job.open.keys.sorted() == ["a"])
    }

    @Test func anInstanceStillHeldAtThePresentIsLeftToTheLiveEvaluation() throws {
        let first = Self.t0 - 11 * Self.interval
        var job = BackfillJob(next: first, step: Self.interval, lateEnd: first)
        let (episodes, done) = try job.run(now: Self.t0, interval: Self.interval, hold: 0, overDeadline: { false },
                                           isLive: { $0 == "live" }) { _ in [("live", [:], 1), ("gone", [:], 2)] }
        // "gone" held up to the last step but not now: it ended at now.
        #expect(done && episodes.map(\.fingerprint) == ["gone"] && episodes.first?.end == Self.t0)
    }
}

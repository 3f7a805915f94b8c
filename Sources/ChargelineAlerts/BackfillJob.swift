/// Re-evaluation of one alerting rule over past evaluation times after a late upload, as
/// Prometheus' rule backfill (`promtool tsdb create-blocks-from rules`) evaluates a rule at each
/// interval step of a past range: the rule runs with `now()` shifted to each step, and the
/// instances it answers are followed through the steps as the live evaluation follows them
/// (an instance starts at the first step that has it, fires once it has held `for`, ends at
/// the first step without it). What it yields are the episodes that fired.
///
/// Bounded: it never looks further back than `maxWindow`, runs at most `maxSteps` steps for
/// one late range (the step widens to a multiple of the interval past that), and stops at a
/// deadline, to go on from `next` at the next evaluation (the job is part of the rule's saved
/// state, so a restart goes on too). It stops early once past the late rows when every
/// instance still open is one the live evaluation holds (those are the live path's).
public struct BackfillJob: Sendable, Codable, Equatable {
    /// An instance followed through the steps, not yet ended.
    public struct OpenEpisode: Sendable, Codable, Equatable {
        public var labels: [String: String]
        /// The first step that had it (ns).
        public var start: Int64
        /// The step at which it had held `for` (ns), nil before.
        public var firedAt: Int64?
        /// Its value at the latest step that had it; nil when not a finite number.
        public var value: Double?
    }

    /// An episode that fired, found in the past.
    public struct Episode: Sendable, Equatable {
        public var fingerprint: String
        public var labels: [String: String]
        public var start: Int64
        public var firedAt: Int64
        /// The first step without it (ns): when it was resolved.
        public var end: Int64
        public var value: Double

        public init(fingerprint: String, labels: [String: String], start: Int64, firedAt: Int64, end: Int64, value: Double) {
            self.fingerprint = fingerprint
            self.labels = labels
            self.start = start
            self.firedAt = firedAt
            self.end = end
            self.value = value
        }
    }

    /// One row of a step's answer: the instance's fingerprint, labels and value.
    public typealias Row = (fingerprint: String, labels: [String: String], value: Double)

    /// The next step to evaluate (ns).
    public var next: Int64
    /// Between steps (ns): the group's interval, or a multiple of it for a long range.
    public var step: Int64
    /// The newest late row (ns): past it, instances the live evaluation holds end the job.
    public var lateEnd: Int64
    /// Instances open at `next`, by fingerprint.
    public var open: [String: OpenEpisode] = [:]

    /// Furthest back a late row is re-evaluated (ns): six hours, a working shift of a pile
    /// that was offline; older rows are not looked at (docs/alerting.md).
    public static let maxWindow: Int64 = 6 * 3_600_000_000_000
    /// Most steps for one late range: six hours at 30 s, so a 15 s group backfills its whole
    /// window at twice its interval.
    public static let maxSteps: Int64 = 720
    /// Share of the group's interval one evaluation may spend backfilling its rules, so a
    /// backfill never takes more than a quarter of a core and live evaluation stays on time.
    public static let budgetShare = 0.25

    public init(next: Int64, step: Int64, lateEnd: Int64, open: [String: OpenEpisode] = [:]) {
        self.next = next
        self.step = step
        self.lateEnd = lateEnd
        self.open = open
    }

    /// The job for late rows in `ranges` found at `now` by a group evaluated every `interval`
    /// (ns): steps on the grid `now - k x step` from the oldest late row (at most `maxWindow`
    /// back) to the last evaluation before `now`; nil when nothing of it is in the past.
    public static func plan(_ ranges: [ClosedRange<Int64>], now: Int64, interval: Int64) -> BackfillJob? {
        guard let oldest = ranges.map(\.lowerBound).min(), let newest = ranges.map(\.upperBound).max(), interval > 0 else { return nil }
        let limit = now - interval
        let from = max(oldest, now - maxWindow)
        guard from <= limit else { return nil }
        let steps = (limit - from) / interval + 1
        let step = interval * ((steps + maxSteps - 1) / maxSteps)
        return BackfillJob(next: limit - (limit - from) / step * step, step: step, lateEnd: newest)
    }

    /// Takes in more late rows: a range older than `next` starts the job again from there
    /// (episodes already reported are not reported twice), a newer one only moves `lateEnd`.
    public mutating func merge(_ other: BackfillJob) {
        if other.next < next {
            let lateEnd = max(lateEnd, other.lateEnd)
            self = other
            self.lateEnd = lateEnd
        } else {
            lateEnd = max(lateEnd, other.lateEnd)
        }
    }

    /// Runs steps up to the last evaluation before `now` (`now - interval`), until done or
    /// `overDeadline()` says so after a step. `evaluate(t)` answers the rule at `now()` = t;
    /// `isLive(fingerprint)` says whether the live evaluation at `now` holds that instance.
    /// - Returns: the episodes that fired and ended, and whether the job is finished.
    /// - Throws: what `evaluate` throws (the job stays where it was).
    public mutating func run(now: Int64, interval: Int64, hold: Int64, overDeadline: () -> Bool,
                             isLive: (String) -> Bool, evaluate: (Int64) throws -> [Row]) throws -> (episodes: [Episode], done: Bool) {
        var out: [Episode] = []
        let limit = now - interval
        let oldest = now - Self.maxWindow
        if next < oldest {
            // Resumed long after (serve was down): the window moved on.
            next += (oldest - next + step - 1) / step * step
            open = [:]
        }
        while next <= limit {
            let t = next
            let rows = try evaluate(t)
            var seen = Set<String>()
            for r in rows {
                seen.insert(r.fingerprint)
                let value = r.value.isFinite ? r.value : nil
                if var o = open[r.fingerprint] {
                    o.value = value
                    if o.firedAt == nil && t - o.start >= hold { o.firedAt = t }
                    open[r.fingerprint] = o
                } else {
                    open[r.fingerprint] = OpenEpisode(labels: r.labels, start: t, firedAt: hold <= 0 ? t : nil, value: value)
                }
            }
            for fp in open.keys.sorted() where !seen.contains(fp) {
                if let o = open.removeValue(forKey: fp), let fired = o.firedAt {
                    out.append(Episode(fingerprint: fp, labels: o.labels, start: o.start, firedAt: fired, end: t, value: o.value ?? .nan))
                }
            }
            next = t + step
            if t >= lateEnd && open.keys.allSatisfy(isLive) { return (out, true) }
            if overDeadline() { return (out, false) }
        }
        // At the present: an instance still open either holds now (the live evaluation has it,
        // it is the live path's) or ended between the last step and `now`.
        for fp in open.keys.sorted() where !isLive(fp) {
            if let o = open[fp], let fired = o.firedAt {
                out.append(Episode(fingerprint: fp, labels: o.labels, start: o.start, firedAt: fired, end: now, value: o.value ?? .nan))
            }
        }
        open = [:]
        return (out, true)
    }
}

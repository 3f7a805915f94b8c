/// The time ranges of rows that arrived behind a consumer's horizon: a consumer that has
/// already looked at everything before time `horizon` (the alert rules have evaluated up to
/// it) sets the horizon, and every later write holding rows older than it notes their time
/// range here with a new sequence number. The consumer reads the ranges noted after the
/// sequence it last saw.
///
/// Kept in memory only (a restarted consumer starts from sequence 0 of a new log, and rows
/// replayed from the WAL are not noted: they arrived before the restart). At most `capacity`
/// ranges are kept; the oldest are dropped past it, so a consumer that far behind misses them.
/// Not thread-safe: `RollupTracker` holds it under its lock.
struct LateArrivalLog {
    /// A noted range: rows from `from` to `to` (ns, inclusive), last noted at `sequence`.
    struct Entry: Equatable {
        var sequence: UInt64
        var from: Int64
        var to: Int64
    }

    /// Rows older than this (ns) are late; nil before a consumer set it (nothing is noted).
    private(set) var horizon: Int64?
    private(set) var entries: [Entry] = []
    private(set) var sequence: UInt64 = 0
    /// Ranges kept: a consumer reads the log every evaluation, so this is far more than one
    /// evaluation period ever gathers (writes into one range merge with it).
    static let capacity = 4096

    /// Moves the horizon to `t` (ns); it never moves back.
    mutating func advance(to t: Int64) {
        horizon = max(horizon ?? t, t)
    }

    /// Notes rows from `from` to `to` (ns): merged into the newest entry when they overlap or
    /// touch it, else a new entry.
    mutating func note(from: Int64, to: Int64) {
        sequence &+= 1
        if var last = entries.last, from <= last.to &+ 1, to >= last.from &- 1 {
            last.from = min(last.from, from)
            last.to = max(last.to, to)
            last.sequence = sequence
            entries[entries.count - 1] = last
            return
        }
        entries.append(Entry(sequence: sequence, from: from, to: to))
        if entries.count > Self.capacity { entries.removeFirst(entries.count - Self.capacity) }
    }

    /// The ranges noted after sequence `after`, oldest first.
    func ranges(after: UInt64) -> [ClosedRange<Int64>] {
        entries.filter { $0.sequence > after }.map { $0.from...$0.to }
    }
}

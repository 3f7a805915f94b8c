public import ChargelineQuery

/// One row of a rule's result, as an alert instance or a recorded point sees it.
///
/// - `labels`: the series' tags, plus every string column of the row (`SHOW SILENT SERIES`
///   answers its tags as columns).
/// - `value`: the first numeric column after `time` (an episode's `end` and `duration` are
///   skipped); NaN when there is none.
/// - `episode`: for `GROUP BY episode(...)` and `state(...)` rows, the episode's first and last
///   sample times (ns), from the `time` and `end` columns.
public struct RuleSample: Sendable, Equatable {
    public var labels: [String: String]
    public var value: Double
    public var episode: (start: Int64, end: Int64)?
    /// The row's `time` (ns), nil when it has none.
    public var time: Int64?

    public init(labels: [String: String], value: Double, episode: (start: Int64, end: Int64)? = nil, time: Int64? = nil) {
        self.labels = labels
        self.value = value
        self.episode = episode
        self.time = time
    }

    public static func == (a: RuleSample, b: RuleSample) -> Bool {
        a.labels == b.labels && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
            && a.episode?.start == b.episode?.start && a.episode?.end == b.episode?.end && a.time == b.time
    }

    /// Every row of every series of `results`, in the order of the answer.
    /// - Throws: `RuleQueryError` when a statement failed.
    public static func rows(of results: [StatementResult]) throws -> [RuleSample] {
        var out: [RuleSample] = []
        for r in results {
            if let e = r.error { throw RuleQueryError(message: e) }
            for s in r.series {
                let timeAt = s.columns.firstIndex(of: "time")
                let endAt = s.columns.firstIndex(of: "end")
                let skip: Set<Int> = endAt.map { [$0, $0 + 1] } ?? []
                var tags: [String: String] = [:]
                for t in s.tags { tags[t.key] = t.value }
                for row in s.values {
                    var labels = tags
                    var value: Double?
                    for (i, cell) in row.enumerated() where i != timeAt && !skip.contains(i) && i < s.columns.count {
                        switch cell {
                        case .string(let text): labels[s.columns[i]] = text
                        case .float(let v): if value == nil { value = v }
                        case .integer(let v): if value == nil { value = Double(v) }
                        case .unsigned(let v): if value == nil { value = Double(v) }
                        case .boolean(let b): if value == nil { value = b ? 1 : 0 }
                        case .null, .time: break
                        }
                    }
                    let time = timeAt.flatMap { Self.nanoseconds(row[$0]) }
                    var episode: (Int64, Int64)?
                    if let endAt, let start = time, let end = Self.nanoseconds(row[endAt]) { episode = (start, end) }
                    out.append(RuleSample(labels: labels, value: value ?? .nan, episode: episode, time: time))
                }
            }
        }
        return out
    }

    private static func nanoseconds(_ v: Value) -> Int64? {
        switch v {
        case .time(let t), .integer(let t): t
        default: nil
        }
    }
}

/// A rule's query failed when it was evaluated (the message is the engine's).
public struct RuleQueryError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

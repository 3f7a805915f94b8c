extension AlertingRuleState {
    /// Whether late rows are found for `rule` by re-evaluating the past: alerting rules but those
    /// grouping by `episode()` or `state()` (their rows carry past episodes themselves) and
    /// `SHOW` statements (late rows end a silence, they never start one).
    public static func backfills(_ rule: AlertRule) -> Bool {
        let expr = rule.expr.lowercased()
        return rule.kind == .alerting && !expr.contains("episode(") && !expr.contains("state(")
            && !expr.drop(while: \.isWhitespace).hasPrefix("show")
    }

    /// An instance's labels: the row's, the rule's over them, and `alertname`.
    static func labels(of sample: RuleSample, rule: AlertRule) -> [String: String] {
        var labels = sample.labels
        for (k, v) in rule.labels { labels[k] = v }
        labels["alertname"] = rule.name
        return labels
    }

    /// Takes in late rows (time ranges, ns) found at `now`: starts a backfill, or widens the
    /// one under way.
    public mutating func noteLate(_ ranges: [ClosedRange<Int64>], now: Int64, interval: Int64) {
        guard let job = BackfillJob.plan(ranges, now: now, interval: interval) else { return }
        if backfill == nil { backfill = job } else { backfill!.merge(job) }
    }

    /// Goes on with the backfill under way (see `BackfillJob.run`; `evaluate(t)` answers the
    /// rule at `now()` = t) after the live evaluation at `now` moved the instances. Each episode
    /// found that fired is reported once, as `late` (appended to `late`, already resolved, with
    /// its real start and end), unless the instance fired in that time already, live or late.
    /// - Returns: the state changes for the history: `firing` at the episode's start and
    ///   `resolved` at its end.
    public mutating func runBackfill(rule: AlertRule, templates: [String: AlertTemplate], interval: Int64, now: Int64,
                                     overDeadline: () -> Bool, late: inout [AlertInstance],
                                     evaluate: (Int64) throws -> [RuleSample]) throws -> [AlertTransition] {
        guard var job = backfill else { return [] }
        let live = Set(instances.filter { $0.value.state != .inactive }.keys)
        let (episodes, done) = try job.run(now: now, interval: interval, hold: rule.holdNanoseconds, overDeadline: overDeadline,
                                           isLive: { live.contains($0) }) { t in
            try evaluate(t).map { s -> BackfillJob.Row in
                let labels = Self.labels(of: s, rule: rule)
                return (AlertInstance.fingerprint(labels), labels, s.value)
            }
        }
        backfill = done ? nil : job
        var changes: [AlertTransition] = []
        for ep in episodes where !firedBetween(ep.fingerprint, ep.start, ep.end) {
            fired[ep.fingerprint, default: []].append([ep.start, ep.end])
            var a = AlertInstance(labels: ep.labels, state: .inactive, value: ep.value, activeAt: ep.start,
                                  firedAt: ep.firedAt, resolvedAt: ep.end, late: true)
            a.annotations = Self.expand(templates, labels: ep.labels, value: ep.value)
            late.append(a)
            changes.append(AlertTransition(rule: rule.name, instance: a, from: "inactive", to: "firing", time: ep.start))
            changes.append(AlertTransition(rule: rule.name, instance: a, from: "firing", to: "resolved", time: ep.end))
        }
        return changes
    }

    /// Whether instance `fp` fired at some time from `start` to `end` (ns): an episode in
    /// `fired`, or the instance held now (firing, or resolved and kept).
    func firedBetween(_ fp: String, _ start: Int64, _ end: Int64) -> Bool {
        if let a = instances[fp], a.firedAt != nil, a.activeAt <= end, (a.resolvedAt ?? .max) >= start { return true }
        return fired[fp]?.contains { $0.count == 2 && $0[0] <= end && $0[1] >= start } ?? false
    }

    /// Forgets fired episodes that ended before any backfill can reach (`BackfillJob.maxWindow`).
    mutating func pruneFired(now: Int64) {
        guard !fired.isEmpty else { return }
        let oldest = now - BackfillJob.maxWindow
        fired = fired.compactMapValues { pairs in
            let kept = pairs.filter { $0.count == 2 && $0[1] >= oldest }
            return kept.isEmpty ? nil : kept
        }
    }
}

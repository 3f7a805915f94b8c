/// The instances of one alerting rule and how an evaluation moves them, as Prometheus'
/// `rules/alerting.go` defines it:
///
/// - a result row whose instance is not active makes a new `pending` instance (`activeAt` the
///   evaluation time, or the episode's real start for an episode row);
/// - a `pending` instance whose condition has held `for` goes `firing`;
/// - an instance missing from the result: `pending` is dropped (history: `inactive`),
///   `firing` goes inactive with `resolvedAt` (history: `resolved`), kept for
///   `resolvedRetention` so the resolution is re-sent, then dropped.
///
/// Episode rows (`GROUP BY episode(...)`) hold while their last sample is recent
/// (`episodeStaleness`); an episode that ended before it was ever seen came from late data:
/// it is reported once as a `late` alert with its real start and end, and remembered in
/// `seenEpisodes` so it is never reported again. The first evaluation of a rule only notes
/// the episodes already in the store (no late alerts at start-up).
///
/// Other rules find late data by re-evaluating the past (`backfill`, see
/// `AlertingRuleState+Backfill.swift`); `fired` remembers when each instance fired, live or
/// reported late, so a past episode is reported once.
///
/// Not thread-safe: a group evaluates its rules on one queue.
public struct AlertingRuleState: Sendable, Codable, Equatable {
    /// Active and recently resolved instances by fingerprint.
    public var instances: [String: AlertInstance] = [:]
    /// Episodes already alerted on or noted, `fingerprint@start`, with their end (ns) for pruning.
    public var seenEpisodes: [String: Int64] = [:]
    /// Whether the rule has been evaluated once (late alerts only come after).
    public var evaluated = false
    /// When each instance fired, by fingerprint: `[start, end]` pairs (ns) of episodes that
    /// fired live and resolved, or were reported late; kept `BackfillJob.maxWindow`.
    public var fired: [String: [[Int64]]] = [:]
    /// The re-evaluation of the past under way after a late upload, if any.
    public var backfill: BackfillJob?

    /// How long a resolved instance is kept (and its resolution re-sent): Prometheus' value.
    public static let resolvedRetention: Int64 = 15 * 60 * 1_000_000_000
    /// How long noted episodes are remembered: longer than any rule's window should be.
    public static let episodeMemory: Int64 = 8 * 86_400 * 1_000_000_000

    public init() {}

    /// How old an episode's last sample may be for it to still hold: two evaluation periods,
    /// at least a minute (piles report every 15 s; a sample may arrive a little late).
    public static func episodeStaleness(interval: Int64) -> Int64 { max(2 * interval, 60_000_000_000) }

    /// Applies one evaluation at `now` (ns) of `rule` that answered `samples`; returns the state
    /// changes in order. `late` receives the late alerts found (already resolved).
    public mutating func apply(_ samples: [RuleSample], rule: AlertRule, templates: [String: AlertTemplate],
                               interval: Int64, now: Int64, late: inout [AlertInstance]) -> [AlertTransition] {
        var changes: [AlertTransition] = []
        var current = Set<String>()
        let staleness = Self.episodeStaleness(interval: interval)
        let first = !evaluated
        evaluated = true
        for sample in samples {
            var labels = sample.labels
            for (k, v) in rule.labels { labels[k] = v }
            labels["alertname"] = rule.name
            let fp = AlertInstance.fingerprint(labels)
            if let ep = sample.episode, ep.end < now - staleness {
                // A finished episode: the end of a live one, one already reported, or late data.
                let key = fp + "@" + String(ep.start)
                if seenEpisodes[key] != nil || instances[fp].map({ $0.state != .inactive && $0.activeAt == ep.start }) == true {
                    seenEpisodes[key] = ep.end
                    continue
                }
                seenEpisodes[key] = ep.end
                guard !first, ep.end - ep.start >= rule.holdNanoseconds else { continue }
                var a = AlertInstance(labels: labels, state: .inactive, value: sample.value, activeAt: ep.start,
                                      firedAt: ep.start + rule.holdNanoseconds, resolvedAt: ep.end, late: true)
                a.annotations = Self.expand(templates, labels: labels, value: sample.value)
                late.append(a)
                changes.append(AlertTransition(rule: rule.name, instance: a, from: "inactive", to: "firing", time: ep.start))
                changes.append(AlertTransition(rule: rule.name, instance: a, from: "firing", to: "resolved", time: ep.end))
                continue
            }
            current.insert(fp)
            let annotations = Self.expand(templates, labels: labels, value: sample.value)
            if var a = instances[fp], a.state != .inactive {
                a.value = sample.value
                a.annotations = annotations
                instances[fp] = a
                continue
            }
            let start = sample.episode.map { min($0.start, now) } ?? now
            if let ep = sample.episode { seenEpisodes[fp + "@" + String(ep.start)] = ep.end }
            let a = AlertInstance(labels: labels, annotations: annotations, state: .pending, value: sample.value, activeAt: start)
            instances[fp] = a
            changes.append(AlertTransition(rule: rule.name, instance: a, from: "inactive", to: "pending", time: now))
        }
        for fp in instances.keys.sorted() {
            guard var a = instances[fp] else { continue }
            if !current.contains(fp) {
                if a.state == .pending {
                    instances[fp] = nil
                    a.state = .inactive
                    changes.append(AlertTransition(rule: rule.name, instance: a, from: "pending", to: "inactive", time: now))
                } else if a.state == .firing {
                    a.state = .inactive
                    a.resolvedAt = now
                    instances[fp] = a
                    fired[fp, default: []].append([a.activeAt, now])
                    changes.append(AlertTransition(rule: rule.name, instance: a, from: "firing", to: "resolved", time: now))
                } else if let r = a.resolvedAt, now - r > Self.resolvedRetention {
                    instances[fp] = nil
                }
                continue
            }
            if a.state == .pending && now - a.activeAt >= rule.holdNanoseconds {
                a.state = .firing
                a.firedAt = now
                instances[fp] = a
                changes.append(AlertTransition(rule: rule.name, instance: a, from: "pending", to: "firing", time: now))
            }
        }
        seenEpisodes = seenEpisodes.filter { now - $0.value < Self.episodeMemory }
        pruneFired(now: now)
        return changes
    }

    /// Instances to hand to the notifiers at `now`, as Prometheus' `sendAlerts` picks them:
    /// firing ones every `resendDelay`, resolved ones until their resolution has been sent
    /// (and again every `resendDelay` while kept). Marks them sent and sets `validUntil`.
    public mutating func due(now: Int64, interval: Int64, resendDelay: Int64) -> [AlertInstance] {
        var out: [AlertInstance] = []
        for fp in instances.keys.sorted() {
            guard var a = instances[fp], a.state != .pending else { continue }
            let resolvedUnsent = a.resolvedAt.map { r in a.lastSentAt.map { $0 < r } ?? true } ?? false
            let resend = a.lastSentAt.map { now - $0 >= resendDelay } ?? true
            guard resolvedUnsent || resend else { continue }
            a.lastSentAt = now
            if a.state == .firing { a.validUntil = now + 4 * max(resendDelay, interval) }
            instances[fp] = a
            out.append(a)
        }
        return out
    }

    enum CodingKeys: String, CodingKey { case instances, seenEpisodes, evaluated, fired, backfill }

    // Files written before `fired` and `backfill` existed still load.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        instances = try c.decode([String: AlertInstance].self, forKey: .instances)
        seenEpisodes = try c.decode([String: Int64].self, forKey: .seenEpisodes)
        evaluated = try c.decode(Bool.self, forKey: .evaluated)
        fired = try c.decodeIfPresent([String: [[Int64]]].self, forKey: .fired) ?? [:]
        backfill = try c.decodeIfPresent(BackfillJob.self, forKey: .backfill)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(instances, forKey: .instances)
        try c.encode(seenEpisodes, forKey: .seenEpisodes)
        try c.encode(evaluated, forKey: .evaluated)
        try c.encode(fired, forKey: .fired)
        try c.encodeIfPresent(backfill, forKey: .backfill)
    }

    static func expand(_ templates: [String: AlertTemplate], labels: [String: String], value: Double) -> [String: String] {
        var out: [String: String] = [:]
        for (k, t) in templates { out[k] = t.expand(labels: labels, value: value) }
        return out
    }
}

/// The state of an alert instance, as Prometheus defines them.
public enum AlertState: String, Sendable, Codable, Equatable {
    /// The condition does not hold (a resolved alert is inactive with `resolvedAt` set).
    case inactive
    /// The condition holds, for less than the rule's `for`.
    case pending
    /// The condition has held for at least `for`.
    case firing
}

/// One alert of a rule: one label set of its result.
public struct AlertInstance: Sendable, Codable, Equatable {
    /// The instance's labels: the result's tags, the rule's labels over them, and `alertname`.
    public var labels: [String: String]
    public var annotations: [String: String]
    public var state: AlertState
    /// The value of the last evaluation that found the condition true.
    public var value: Double
    /// When the condition was first seen true (ns); Alertmanager's `startsAt`.
    public var activeAt: Int64
    /// When it went firing (ns).
    public var firedAt: Int64?
    /// When it was resolved (ns): inactive after firing. Alertmanager's `endsAt` then.
    public var resolvedAt: Int64?
    /// When it was last handed to the notifiers (ns).
    public var lastSentAt: Int64?
    /// What `endsAt` says while firing: the alert expires there unless re-sent (ns).
    public var validUntil: Int64?
    /// Whether the data behind it arrived late (a past episode found in a late upload).
    public var late: Bool

    /// An instance.
    public init(labels: [String: String], annotations: [String: String] = [:], state: AlertState, value: Double,
                activeAt: Int64, firedAt: Int64? = nil, resolvedAt: Int64? = nil, late: Bool = false) {
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.value = value
        self.activeAt = activeAt
        self.firedAt = firedAt
        self.resolvedAt = resolvedAt
        self.late = late
    }

    /// The labels as one sorted text, `{a="1", b="2"}`: the instance's identity.
    public var fingerprint: String { Self.fingerprint(labels) }

    /// `labels` as one sorted text.
    public static func fingerprint(_ labels: [String: String]) -> String {
        "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\(quoted($0.value))" }.joined(separator: ", ") + "}"
    }

    private static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The state a history row and the HTTP API show: `resolved` for an inactive instance that
    /// fired before.
    public var shownState: String {
        state == .inactive && resolvedAt != nil ? "resolved" : state.rawValue
    }

    // Doubles in JSON: NaN and infinities are not numbers there.
    enum CodingKeys: String, CodingKey {
        case labels, annotations, state, value, activeAt, firedAt, resolvedAt, lastSentAt, validUntil, late
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        labels = try c.decode([String: String].self, forKey: .labels)
        annotations = try c.decode([String: String].self, forKey: .annotations)
        state = try c.decode(AlertState.self, forKey: .state)
        value = try c.decodeIfPresent(Double.self, forKey: .value) ?? .nan
        activeAt = try c.decode(Int64.self, forKey: .activeAt)
        firedAt = try c.decodeIfPresent(Int64.self, forKey: .firedAt)
        resolvedAt = try c.decodeIfPresent(Int64.self, forKey: .resolvedAt)
        lastSentAt = try c.decodeIfPresent(Int64.self, forKey: .lastSentAt)
        validUntil = try c.decodeIfPresent(Int64.self, forKey: .validUntil)
        late = try c.decodeIfPresent(Bool.self, forKey: .late) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(labels, forKey: .labels)
        try c.encode(annotations, forKey: .annotations)
        try c.encode(state, forKey: .state)
        if value.isFinite { try c.encode(value, forKey: .value) }
        try c.encode(activeAt, forKey: .activeAt)
        try c.encodeIfPresent(firedAt, forKey: .firedAt)
        try c.encodeIfPresent(resolvedAt, forKey: .resolvedAt)
        try c.encodeIfPresent(lastSentAt, forKey: .lastSentAt)
        try c.encodeIfPresent(validUntil, forKey: .validUntil)
        try c.encode(late, forKey: .late)
    }

    public static func == (a: AlertInstance, b: AlertInstance) -> Bool {
        a.labels == b.labels && a.annotations == b.annotations && a.state == b.state
            && (a.value == b.value || (a.value.isNaN && b.value.isNaN)) && a.activeAt == b.activeAt
            && a.firedAt == b.firedAt && a.resolvedAt == b.resolvedAt && a.lastSentAt == b.lastSentAt
            && a.validUntil == b.validUntil && a.late == b.late
    }
}

/// One change of an instance's state, for the history and the log.
public struct AlertTransition: Sendable, Equatable {
    public var rule: String
    public var instance: AlertInstance
    /// The state before (`inactive` for a new instance).
    public var from: String
    /// The state after: `pending`, `firing`, `resolved`, or `inactive` (pending that ended
    /// before `for`).
    public var to: String
    /// When (ns): the evaluation time, or the episode's real start/end for a late alert.
    public var time: Int64
}

/// One rule of a rules file: an alerting rule (`alert:`) whose result series are alert
/// instances, or a recording rule (`record:`) whose result series are written back as a
/// measurement.
public struct AlertRule: Sendable, Equatable {
    /// What a rule does with its result.
    public enum Kind: String, Sendable, Equatable {
        /// Each result series is an alert instance (`alert: NAME`).
        case alerting
        /// Each result series is written as one point of measurement `NAME` (`record: NAME`).
        case recording
    }

    public var kind: Kind
    /// The alert name (`alertname` label) or the measurement a recording rule writes.
    public var name: String
    /// The InfluxQL expression, run as `serve` runs a `/query` with `now()` the evaluation time.
    public var expr: String
    /// How long the condition must hold before a pending alert fires (ns; 0 fires at once).
    public var holdNanoseconds: Int64
    /// Labels added to every instance (they override a result tag of the same name).
    public var labels: [String: String]
    /// Annotation templates (`{{ $labels.x }}`, `{{ $value }}`).
    public var annotations: [String: String]
    /// Line of the rule in its file (1-based), for errors.
    public var line: Int

    /// A rule.
    public init(kind: Kind, name: String, expr: String, holdNanoseconds: Int64 = 0, labels: [String: String] = [:],
                annotations: [String: String] = [:], line: Int = 0) {
        self.kind = kind
        self.name = name
        self.expr = expr
        self.holdNanoseconds = holdNanoseconds
        self.labels = labels
        self.annotations = annotations
        self.line = line
    }
}

/// A group of rules evaluated together, in order, every `interval`, against one database.
public struct RuleGroup: Sendable, Equatable {
    public var name: String
    /// The database `expr` reads (and recording rules write).
    public var database: String
    /// Evaluation period (ns).
    public var intervalNanoseconds: Int64
    public var rules: [AlertRule]
    /// Line of the group in its file (1-based).
    public var line: Int

    /// A group.
    public init(name: String, database: String, intervalNanoseconds: Int64, rules: [AlertRule], line: Int = 0) {
        self.name = name
        self.database = database
        self.intervalNanoseconds = intervalNanoseconds
        self.rules = rules
        self.line = line
    }
}

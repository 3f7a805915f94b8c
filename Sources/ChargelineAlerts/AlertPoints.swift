public import ChargelineCore

/// The points rules write: state changes to the `alerts` measurement and recording rules'
/// results to theirs.
///
/// `alerts` (docs/alerting.md): one point per state change at its time, tags `rule` and the
/// instance's labels (but `alertname`, which `rule` holds), fields `state` (`pending`,
/// `firing`, `resolved`, `inactive`), `value` (float; absent when the result had none),
/// `late` (boolean) and `labels` (the label set as one text).
public enum AlertPoints {
    /// The measurement state changes go to.
    public static let measurement = "alerts"

    /// Appends one `alerts` point per transition.
    public static func history(_ changes: [AlertTransition], into b: inout WriteBatchBuilder) {
        for c in changes {
            var tags: [String: String] = [:]
            for (k, v) in c.instance.labels where k != "alertname" && k != "rule" && !v.isEmpty { tags[k] = v }
            tags["rule"] = c.rule
            var withoutName = c.instance.labels
            withoutName["alertname"] = nil
            let labels = AlertInstance.fingerprint(withoutName)
            begin(measurement, tags, into: &b)
            string("state", c.to, into: &b)
            if c.instance.value.isFinite { float("value", c.instance.value, into: &b) }
            Array("late".utf8).withUnsafeBytes { b.addBoolean(name: $0, c.instance.late) }
            string("labels", labels, into: &b)
            b.endPoint(timestamp: c.time)
        }
    }

    /// Appends a recording rule's result: one point per row with a value, at `time`, tags its
    /// labels, field `value`.
    public static func recording(_ samples: [RuleSample], rule: AlertRule, time: Int64, into b: inout WriteBatchBuilder) {
        for s in samples where s.value.isFinite {
            var tags = s.labels.filter { !$0.value.isEmpty }
            for (k, v) in rule.labels { tags[k] = v }
            begin(rule.name, tags, into: &b)
            float("value", s.value, into: &b)
            b.endPoint(timestamp: time)
        }
    }

    private static func begin(_ measurement: String, _ tags: [String: String], into b: inout WriteBatchBuilder) {
        SeriesKey.make(measurement: measurement, tags: tags).withUnsafeBytes { b.beginPoint(seriesKey: $0) }
    }

    private static func string(_ name: String, _ value: String, into b: inout WriteBatchBuilder) {
        Array(name.utf8).withUnsafeBytes { n in Array(value.utf8).withUnsafeBytes { v in b.addString(name: n, v) } }
    }

    private static func float(_ name: String, _ value: Double, into b: inout WriteBatchBuilder) {
        Array(name.utf8).withUnsafeBytes { b.addFloat(name: $0, value) }
    }
}

import ChargelineCore
import Foundation

/// The JSON bodies sent to receivers.
///
/// Alertmanager API v2 (`POST /api/v2/alerts`): a list of
/// `{"labels","annotations","startsAt","endsAt","generatorURL"}`; a firing alert's `endsAt` is
/// when it expires unless re-sent, a resolved one's the resolution time. A late alert carries
/// the label `late="true"` and its episode's real times in the annotations `episode_start` and
/// `episode_end`; it is sent once, as firing until `endsAt` = the evaluation time plus four
/// periods, so Alertmanager notifies once and then lets it expire.
///
/// Plain webhooks (docs/alerting.md):
/// `{"version":"1","source":"chargeline","alerts":[{"status":"firing"|"resolved","labels",
/// "annotations","startsAt","endsAt","generatorURL","value","late"}]}` with the real episode
/// times for a late alert.
public enum AlertPayload {
    /// One alert as handed to the notifiers.
    public struct Alert: Sendable, Equatable {
        public var instance: AlertInstance
        public var generatorURL: String
        /// When it was sent (ns).
        public var sentAt: Int64
        /// The group's evaluation period (ns).
        public var interval: Int64

        public init(instance: AlertInstance, generatorURL: String, sentAt: Int64, interval: Int64) {
            self.instance = instance
            self.generatorURL = generatorURL
            self.sentAt = sentAt
            self.interval = interval
        }
    }

    /// The Alertmanager v2 body for `alerts`.
    public static func alertmanager(_ alerts: [Alert]) -> String {
        "[" + alerts.map { a in
            var labels = a.instance.labels
            var annotations = a.instance.annotations
            let endsAt: Int64
            if a.instance.late {
                labels["late"] = "true"
                annotations["episode_start"] = rfc3339(a.instance.activeAt)
                annotations["episode_end"] = rfc3339(a.instance.resolvedAt ?? a.sentAt)
                endsAt = a.sentAt + 4 * max(a.interval, 60_000_000_000)
            } else {
                endsAt = a.instance.resolvedAt ?? a.instance.validUntil ?? a.sentAt
            }
            return "{\"labels\":\(object(labels)),\"annotations\":\(object(annotations)),"
                + "\"startsAt\":\(JSONText.quote(rfc3339(a.instance.activeAt))),\"endsAt\":\(JSONText.quote(rfc3339(endsAt))),"
                + "\"generatorURL\":\(JSONText.quote(a.generatorURL))}"
        }.joined(separator: ",") + "]"
    }

    /// The plain-webhook body for `alerts`.
    public static func webhook(_ alerts: [Alert]) -> String {
        "{\"version\":\"1\",\"source\":\"chargeline\",\"alerts\":[" + alerts.map { a in
            let resolved = a.instance.resolvedAt != nil
            let endsAt = a.instance.resolvedAt ?? a.instance.validUntil ?? a.sentAt
            let value = a.instance.value.isFinite ? AlertTemplate.format(a.instance.value) : "null"
            return "{\"status\":\"\(resolved ? "resolved" : "firing")\",\"labels\":\(object(a.instance.labels)),"
                + "\"annotations\":\(object(a.instance.annotations)),"
                + "\"startsAt\":\(JSONText.quote(rfc3339(a.instance.activeAt))),\"endsAt\":\(JSONText.quote(rfc3339(endsAt))),"
                + "\"generatorURL\":\(JSONText.quote(a.generatorURL)),\"value\":\(value),\"late\":\(a.instance.late)}"
        }.joined(separator: ",") + "]}"
    }

    static func object(_ d: [String: String]) -> String {
        "{" + d.sorted { $0.key < $1.key }.map { "\(JSONText.quote($0.key)):\(JSONText.quote($0.value))" }.joined(separator: ",") + "}"
    }

    /// `ns` as RFC 3339 UTC with milliseconds.
    public static func rfc3339(_ ns: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: Double(ns) / 1e9))
    }
}

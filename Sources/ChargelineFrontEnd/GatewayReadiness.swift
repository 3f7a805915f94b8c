import Foundation

/// A gateway's answer to `GET /ready`: ready (200) while its storage node answers and its
/// spool has room; otherwise 503 with what it waits for. Pure, so tests pin the wording.
package struct GatewayReadiness: Equatable, Sendable {
    /// HTTP status: 200 or 503.
    var status: Int
    /// The JSON body: `{"status":"ready"|"waiting", "reason"?, "upstream", "spoolBytes",
    /// "spoolOldestSeconds", "spoolMaxBytes"}`.
    var json: String

    /// Spool use, as a fraction of its bound, beyond which the gateway is not ready: new
    /// telemetry is about to be dropped, so a load balancer should send piles elsewhere.
    static let fullFraction = 0.95

    /// The answer for the node `upstream` in `state` (unreachable for `unreachableSeconds`) and a
    /// spool holding `spoolBytes` of `spoolMaxBytes`, the oldest `spoolOldestSeconds` old.
    package init(upstream: String, state: GatewayUpstreamHealth.State, unreachableSeconds: Double, spoolBytes: Int,
                 spoolOldestSeconds: Double, spoolMaxBytes: Int) {
        var reasons: [String] = []
        switch state {
        case .unknown:
            reasons.append("waiting for the first answer of the storage node at \(upstream)")
        case .reachable:
            break
        case .unreachable(_, let error):
            reasons.append("storage node at \(upstream) unreachable for \(Int(unreachableSeconds.rounded())) s (\(error)); "
                + "telemetry is spooled on disk and forwarded when it answers")
        }
        if Double(spoolBytes) >= Double(spoolMaxBytes) * Self.fullFraction {
            reasons.append("spool nearly full (\(spoolBytes) of \(spoolMaxBytes) bytes); beyond it new telemetry is dropped: "
                + "bring the storage node back or raise --spool-max-bytes")
        }
        status = reasons.isEmpty ? 200 : 503
        var fields = ["\"status\":\(JSON.string(reasons.isEmpty ? "ready" : "waiting"))"]
        if !reasons.isEmpty { fields.append("\"reason\":\(JSON.string(reasons.joined(separator: "; ")))") }
        fields.append("\"upstream\":\(JSON.string(upstream))")
        fields.append("\"spoolBytes\":\(spoolBytes)")
        fields.append("\"spoolOldestSeconds\":\(Int(spoolOldestSeconds.rounded()))")
        fields.append("\"spoolMaxBytes\":\(spoolMaxBytes)")
        json = "{" + fields.joined(separator: ",") + "}"
    }
}

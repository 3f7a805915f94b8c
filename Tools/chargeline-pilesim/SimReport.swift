import Foundation

/// The merged results of all workers.
struct SimReport {
    let results: [WorkerResult]
    let wallSeconds: Double
    let piles: Int
    let workers: Int
    let `protocol`: String

    func sum(_ k: KeyPath<WorkerResult, Int>) -> Int { results.reduce(0) { $0 + $1[keyPath: k] } }

    func merged(_ k: KeyPath<WorkerResult, LatencyHistogram>) -> LatencyHistogram {
        var h = LatencyHistogram()
        for r in results { h.add(r[keyPath: k]) }
        return h
    }

    func mergedOptional(_ k: KeyPath<WorkerResult, LatencyHistogram?>) -> LatencyHistogram {
        var h = LatencyHistogram()
        for r in results { if let x = r[keyPath: k] { h.add(x) } }
        return h
    }

    var steadySeconds: Double { results.map(\.steadySeconds).max() ?? 0 }

    var text: String {
        let ramp = results.map(\.rampSeconds).max() ?? 0
        let steadyRate = steadySeconds > 0 ? Double(sum(\.steadyFrames)) / steadySeconds : 0
        var lines = [
            "chargeline-pilesim: \(piles) \(`protocol` == "lp" ? "guns (line protocol)" : "piles") in \(workers) worker(s), \(String(format: "%.1f", wallSeconds)) s",
        ]
        if `protocol` == "lp" {
            lines.append("  lines sent: \(sum(\.framesSent))  (\(String(format: "%.0f", steadyRate)) lines/s)")
            return lines.joined(separator: "\n")
        }
        lines += [
            "  connections: \(sum(\.connects)) opened, \(sum(\.connectFailures)) failed; logins \(sum(\.logins)) ok, \(sum(\.loginsRejected)) rejected; disconnects \(sum(\.disconnects))",
            "  login ramp: \(String(format: "%.1f", ramp)) s (\(String(format: "%.0f", Double(sum(\.logins)) / max(ramp, 0.001))) logins/s)",
            "  login reply:     \(merged(\.login).summary)",
            "  heartbeat reply: \(merged(\.heartbeatSteady).summary)  (after the ramp)",
            "  heartbeat reply: \(merged(\.heartbeat).summary)  (whole run)",
            "  meter values reply: \(mergedOptional(\.meterValuesSteady).summary)  (after the ramp; OCPP)",
            "  frames sent: \(sum(\.framesSent)) (\(String(format: "%.0f", steadyRate)) frames/s after the ramp); replies received: \(sum(\.repliesReceived)); bad frames injected: \(sum(\.badFramesSent))",
            "  telemetry frames sent: \(sum(\.realtimeSent)) realtime (0x13), \(sum(\.bmsSent)) BMS (0x23/0x25)",
            "  meter values: \(sum(\.realtimeSent)) sent, \(results.reduce(0) { $0 + ($1.realtimeAcked ?? 0) }) acknowledged (OCPP)",
            "  transaction records: \(sum(\.transactionsSent)) sent, \(sum(\.transactionsAcked)) acknowledged",
            "  simulator RSS: \(results.map(\.rssKB).reduce(0, +) / 1024) MiB",
        ]
        return lines.filter { `protocol` == "ocpp16" || !$0.hasPrefix("  meter values") }.joined(separator: "\n")
    }

    func json() throws -> Data {
        func h(_ l: LatencyHistogram) -> [String: Double] {
            ["count": Double(l.count), "p50_ms": Double(l.histogram.valueAtPercentile(50)) / 1000,
             "p99_ms": Double(l.histogram.valueAtPercentile(99)) / 1000,
             "p999_ms": Double(l.histogram.valueAtPercentile(99.9)) / 1000, "max_ms": Double(l.histogram.max) / 1000]
        }
        let object: [String: Any] = [
            "piles": piles, "workers": workers, "logins": sum(\.logins), "connectFailures": sum(\.connectFailures),
            "disconnects": sum(\.disconnects), "framesSent": sum(\.framesSent),
            "framesPerSecond": steadySeconds > 0 ? Double(sum(\.steadyFrames)) / steadySeconds : 0,
            "login": h(merged(\.login)), "heartbeat": h(merged(\.heartbeatSteady)), "meterValues": h(mergedOptional(\.meterValuesSteady)),
            "realtimeSent": sum(\.realtimeSent), "realtimeAcked": results.reduce(0) { $0 + ($1.realtimeAcked ?? 0) }, "bmsSent": sum(\.bmsSent), "transactionsSent": sum(\.transactionsSent), "transactionsAcked": sum(\.transactionsAcked),
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}

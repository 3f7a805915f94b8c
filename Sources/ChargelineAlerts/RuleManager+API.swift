import ChargelineCore

extension RuleManager {
    /// `GET /api/v1/rules` in Prometheus' JSON shape (Grafana reads it): groups, their rules
    /// with health, last evaluation and, for alerting rules, their active alerts.
    public func rulesJSON() -> String {
        queue.sync {
            let gs = groups.map { g -> String in
                let rules = g.rules.map { r -> String in
                    let key = g.name + "/" + r.name
                    let h = health[key] ?? Health()
                    var fields = [
                        "\"name\":\(JSONText.quote(r.name))", "\"query\":\(JSONText.quote(r.expr))",
                        "\"labels\":\(AlertPayload.object(r.labels))",
                        "\"health\":\(h.lastEvaluation == nil ? "\"unknown\"" : (h.error == nil ? "\"ok\"" : "\"err\""))",
                        "\"lastError\":\(JSONText.quote(h.error ?? ""))",
                        "\"lastEvaluation\":\(JSONText.quote(h.lastEvaluation.map(AlertPayload.rfc3339) ?? "0001-01-01T00:00:00Z"))",
                        "\"evaluationTime\":\(h.seconds)",
                    ]
                    if r.kind == .alerting {
                        let active = (states[key]?.instances.values.filter { $0.state != .inactive } ?? [])
                            .sorted { $0.fingerprint < $1.fingerprint }
                        let state = active.contains { $0.state == .firing } ? "firing" : (active.isEmpty ? "inactive" : "pending")
                        fields += [
                            "\"type\":\"alerting\"", "\"state\":\"\(state)\"", "\"duration\":\(Double(r.holdNanoseconds) / 1e9)",
                            "\"annotations\":\(AlertPayload.object(r.annotations))",
                            "\"alerts\":[\(active.map(Self.alertJSON).joined(separator: ","))]",
                        ]
                    } else {
                        fields.append("\"type\":\"recording\"")
                    }
                    return "{" + fields.joined(separator: ",") + "}"
                }
                return "{\"name\":\(JSONText.quote(g.name)),\"file\":\(JSONText.quote(options.rulesFile)),"
                    + "\"interval\":\(Double(g.intervalNanoseconds) / 1e9),\"database\":\(JSONText.quote(g.database)),"
                    + "\"rules\":[\(rules.joined(separator: ","))]}"
            }
            return "{\"status\":\"success\",\"data\":{\"groups\":[\(gs.joined(separator: ","))]}}"
        }
    }

    /// `GET /api/v1/alerts` in Prometheus' JSON shape: every pending and firing alert.
    public func alertsJSON() -> String {
        queue.sync {
            let all = states.keys.sorted().flatMap { k in
                states[k]!.instances.values.filter { $0.state != .inactive }.sorted { $0.fingerprint < $1.fingerprint }
            }
            return "{\"status\":\"success\",\"data\":{\"alerts\":[\(all.map(Self.alertJSON).joined(separator: ","))]}}"
        }
    }

    static func alertJSON(_ a: AlertInstance) -> String {
        "{\"labels\":\(AlertPayload.object(a.labels)),\"annotations\":\(AlertPayload.object(a.annotations)),"
            + "\"state\":\"\(a.state.rawValue)\",\"activeAt\":\(JSONText.quote(AlertPayload.rfc3339(a.activeAt))),"
            + "\"value\":\(JSONText.quote(AlertTemplate.format(a.value)))}"
    }
}

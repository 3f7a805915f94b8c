import ChargelineCore
import ChargelineQuery
import ChargelineStorage
import Foundation

extension RuleManager {
    /// Evaluates `group` at `now` on `queue`: runs each rule, moves states, queues each
    /// rule's notifications as soon as it has run (a rule that fires is not held back by the
    /// rules after it), writes history and recordings, saves states when they changed.
    /// Rules that one scan answers (`SharedSelects`) run together when the first of them is due.
    func evaluate(_ group: RuleGroup, at now: Int64) {
        dispatchPrecondition(condition: .onQueue(queue))
        var batch = WriteBatchBuilder()
        var changed = false
        let sharing = shared[group.name]
        var answered: [Int: [Result<[StatementResult], any Error>]] = [:]
        let lateRows = lateRanges(for: group, now: now)
        let backfillDeadline = DispatchTime.now().uptimeNanoseconds
            + UInt64(Double(group.intervalNanoseconds) * BackfillJob.budgetShare)
        for (index, rule) in group.rules.enumerated() {
            let key = group.name + "/" + rule.name
            let started = DispatchTime.now().uptimeNanoseconds
            var h = Health(lastEvaluation: now)
            if !lateRows.isEmpty && AlertingRuleState.backfills(rule) {
                // Taken in before the live evaluation, so a failing one does not lose the rows.
                states[key, default: AlertingRuleState()].noteLate(lateRows, now: now, interval: group.intervalNanoseconds)
                changed = true
            }
            do {
                let results: [StatementResult]
                if let sharing, let (b, m) = sharing.membership[index] {
                    if answered[b] == nil { answered[b] = engine.execute(sharing, batch: b, database: group.database, now: now) }
                    results = try answered[b]![m].get()
                } else {
                    results = try engine.execute(rule.expr, database: group.database, now: now)
                }
                let samples = try RuleSample.rows(of: results)
                switch rule.kind {
                case .recording:
                    AlertPoints.recording(samples, rule: rule, time: now, into: &batch)
                case .alerting:
                    var state = states[key] ?? AlertingRuleState()
                    let before = state
                    var late: [AlertInstance] = []
                    var changes = state.apply(samples, rule: rule, templates: templates[key] ?? [:],
                                              interval: group.intervalNanoseconds, now: now, late: &late)
                    changes += backfill(rule, of: group, state: &state, now: now, deadline: backfillDeadline, late: &late)
                    let url = generatorURL(rule, database: group.database)
                    var notify: [AlertPayload.Alert] = []
                    for a in state.due(now: now, interval: group.intervalNanoseconds, resendDelay: options.resendDelay) {
                        notify.append(AlertPayload.Alert(instance: a, generatorURL: url, sentAt: now, interval: group.intervalNanoseconds))
                    }
                    for var a in late {
                        a.lastSentAt = now
                        notify.append(AlertPayload.Alert(instance: a, generatorURL: url, sentAt: now, interval: group.intervalNanoseconds))
                    }
                    if !notify.isEmpty { notifier?.send(notify) }
                    AlertPoints.history(changes, into: &batch)
                    for c in changes {
                        logger.info("alert \(c.rule) \(c.instance.fingerprint): \(c.from) -> \(c.to)\(c.instance.late ? " (late data)" : "")")
                    }
                    states[key] = state
                    changed = changed || state != before
                }
            } catch {
                h.error = "\(error)"
                logger.warning("rule \(rule.name) of group \(group.name) failed at evaluation: \(error)")
            }
            h.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            health[key] = h
        }
        if batch.count > 0 && options.writes { write(batch.finish(), database: group.database) }
        if changed { save() }
    }

    private func write(_ batch: WriteBatch, database: String) {
        let store = engine.store
        do {
            if !store.hasDatabase(database) { try store.createDatabase(database) }
        } catch {
            logger.error("alert history: cannot create database \(database): \(error)")
            return
        }
        if let f = store.writeAndWait(database: database, batch: batch).failure {
            logger.error("alert history and recording rules: write to \(database) failed: \(f)")
        }
    }

    /// A `/query` URL answering the rule's expression, as Prometheus links to its graph page.
    func generatorURL(_ rule: AlertRule, database: String) -> String {
        var c = URLComponents()
        c.queryItems = [URLQueryItem(name: "db", value: database), URLQueryItem(name: "q", value: rule.expr)]
        let base = options.externalURL.hasSuffix("/") ? String(options.externalURL.dropLast()) : options.externalURL
        return base + "/query" + (c.percentEncodedQuery.map { "?" + $0 } ?? "")
    }
}

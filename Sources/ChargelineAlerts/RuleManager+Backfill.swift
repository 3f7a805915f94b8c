import ChargelineQuery
import ChargelineStorage
import Foundation

extension RuleManager {
    /// The time ranges of rows that arrived behind the group's evaluations since its last
    /// evaluation, read from the store's late-arrival log; then moves the database's late
    /// horizon to `now` less `AlertingRuleState.episodeStaleness` (rows that much behind are
    /// still seen by the live evaluation of a rule whose window is longer; older ones are late).
    /// The group's first evaluation only takes the log's position: rows already in the store
    /// at start-up are not late. On `queue`.
    func lateRanges(for group: RuleGroup, now: Int64) -> [ClosedRange<Int64>] {
        dispatchPrecondition(condition: .onQueue(queue))
        let store = engine.store
        defer { store.advanceLateHorizon(database: group.database, to: now - AlertingRuleState.episodeStaleness(interval: group.intervalNanoseconds)) }
        guard let log = store.lateArrivals(database: group.database, after: lateCursors[group.name] ?? 0) else { return [] }
        let first = lateCursors[group.name] == nil
        lateCursors[group.name] = log.sequence
        return first ? [] : log.ranges
    }

    /// Goes on with `state`'s backfill of `rule` (started by late rows): re-evaluates the rule
    /// at past steps until done or past `deadline` (uptime ns). Returns the history changes and
    /// appends the late alerts to `late`; a failing step is logged and the job stays for the
    /// next evaluation.
    func backfill(_ rule: AlertRule, of group: RuleGroup, state: inout AlertingRuleState, now: Int64,
                  deadline: UInt64, late: inout [AlertInstance]) -> [AlertTransition] {
        guard let job = state.backfill else { return [] }
        let key = group.name + "/" + rule.name
        var steps = 0
        do {
            let changes = try state.runBackfill(
                rule: rule, templates: templates[key] ?? [:], interval: group.intervalNanoseconds, now: now,
                overDeadline: { DispatchTime.now().uptimeNanoseconds > deadline }, late: &late
            ) { t in
                steps += 1
                return try RuleSample.rows(of: engine.execute(rule.expr, database: group.database, now: t))
            }
            let left = state.backfill.map { " (not finished: goes on from \(AlertPayload.rfc3339($0.next)) at the next evaluation)" } ?? ""
            logger.info("rule \(rule.name) of group \(group.name): late rows up to \(AlertPayload.rfc3339(job.lateEnd)) re-evaluated at \(steps) past steps from \(AlertPayload.rfc3339(job.next)), every \(job.step / 1_000_000_000) s: \(changes.count / 2) late alerts\(left)")
            return changes
        } catch {
            logger.warning("rule \(rule.name) of group \(group.name): re-evaluating the past for late rows failed at step \(steps): \(error); tried again at the next evaluation")
            return []
        }
    }
}

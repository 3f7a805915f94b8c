import ChargelineCore
import ChargelineStorage

/// `latest(*)`: per group, the newest value of every selected field with its own timestamp,
/// one row per field (columns time, field, value). Answered from the last block's statistics
/// when it lies inside the range, so it decodes nothing for flushed data.
struct LatestOperator {
    let plan: SelectPlan
    let context: QueryContext

    func rows(_ g: SelectPlan.Group, scans: [SeriesScan]) throws -> [(time: Int64, values: [Value])] {
        var best = [(t: Int64, v: Value)?](repeating: nil, count: plan.fields.count)
        for scan in scans {
            for (f, field) in scan.fields.enumerated() {
                guard let field, let chunk = field.chunks.last else { continue }
                var candidate: (Int64, Value)
                if let s = chunk.exactStats, field.type != .string {
                    candidate = (s.maxTime, Value(type: field.type, bits: s.last))
                } else {
                    let d = try chunk.decode()
                    try context.didScan(d.count)
                    guard d.count > 0 else { continue }
                    candidate = (d.timestamps[d.count - 1], d.value(at: d.count - 1).queryValue)
                }
                if best[f] == nil || candidate.0 > best[f]!.t { best[f] = candidate }
            }
        }
        var out: [(time: Int64, values: [Value])] = []
        for (f, name) in plan.fields.enumerated() {
            if let b = best[f] { out.append((b.t, [.string(name), b.v])) }
        }
        return out.sorted { ($0.values[0] == $1.values[0]) ? false : Reducer.less($0.values[0], $1.values[0]) }
    }
}

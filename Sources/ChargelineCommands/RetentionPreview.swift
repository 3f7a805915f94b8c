import ChargelineStorage

/// What `serve` says at start when its retention policy would remove data already in the
/// store: a dry run of retention, turned into a warning that names each partition, how much
/// it holds and when it goes. Data imported with `chargeline import` is not rolled up yet, so
/// retention keeps it only until serve's first rollup run covers it, minutes after the start.
enum RetentionPreview {
    /// The warning lines for `actions` (a dry run of `applyRetention`), or none when nothing
    /// would go. `firstRun` is the delay before serve's first retention run (ns).
    static func warning(_ actions: [RetentionAction], firstRun: Int64, every: Int64, config: String?) -> [String] {
        let doomed = actions.filter { $0.kind != .keep }
        let pending = actions.filter { $0.kind == .keep }
        guard !doomed.isEmpty || !pending.isEmpty else { return [] }
        let when = "at the first retention run, about \(DurationText.format(nanoseconds: firstRun)) after start"
        var lines = ["WARNING: the retention policy\(config.map { " in \($0)" } ?? "") will remove data from this store "
                     + "(\(when), then every \(DurationText.format(nanoseconds: every))):"]
        for a in doomed {
            let amount = a.kind == .drop ? "\(a.rows) rows, \(DurationText.bytes(a.bytes))" : "part of its rows"
            lines.append("  \(a.kind == .drop ? "drop" : "rewrite") \(a.database) \(a.tier) partition \(a.partition): \(amount) (\(a.reason))")
        }
        for a in pending {
            lines.append("  drop \(a.database) \(a.tier) partition \(a.partition): \(a.rows) rows, \(DurationText.bytes(a.bytes)) "
                         + "(past its raw retention; goes as soon as the rollups cover it, at the first runs after start)")
        }
        let all = doomed + pending
        let more = all.contains { $0.kind == .rewrite } ? " or more" : ""
        lines.append("  in all \(all.count) partition(s), \(all.reduce(0) { $0 + $1.rows }) rows\(more), "
                     + "\(DurationText.bytes(all.reduce(0) { $0 + $1.bytes }))\(more). To keep them, stop now (Ctrl-C) and "
                     + "raise or remove the retention in [retention]; `chargeline retention --dry-run` lists the same.")
        return lines
    }
}

import ChargelineCore
import ChargelineStorage

/// InfluxQL DDL mapped onto Chargeline's retention: every database has two retention
/// policies, `autogen` (the raw data, the default) and the rollup (`1h`, the hourly rollup
/// rows), both always present. CREATE and ALTER RETENTION POLICY set their DURATION, which is
/// persisted per database and applied by the next retention run; other policy names, DROP, and
/// making the rollup the default are refused with what to do instead.
extension QueryEngine {
    func createDatabase(_ name: String, policy: RetentionPolicySpec?, context: QueryContext) throws -> [ResultSeries] {
        if let policy, let rp = policy.name, rp != "autogen" {
            throw QueryError(.semantic, "CREATE DATABASE \(name) WITH NAME \(rp): the raw data's retention policy is always \"autogen\" in Chargeline; use WITH NAME autogen (or leave NAME out)")
        }
        do { try store.createDatabase(name) } catch let e as ChargelineError { throw QueryError(.semantic, e.message) }
        if let policy {
            try setPolicy("autogen", database: name, policy, offset: nil, context: context)
        }
        return []
    }

    func createOrAlterPolicy(_ name: String, database: String, _ spec: RetentionPolicySpec, offset: Int, context: QueryContext) throws -> [ResultSeries] {
        let db = try requireDatabase(database)
        try setPolicy(name, database: db, spec, offset: offset, context: context)
        return []
    }

    func dropPolicy(_ name: String, database: String, offset: Int) throws -> [ResultSeries] {
        let db = try requireDatabase(database)
        let policies = policyNames
        guard policies.contains(name) else {
            throw QueryError(.semantic, "retention policy not found: \(name) (database \(db) has \(policies.joined(separator: ", ")))", offset: offset)
        }
        let what = name == "autogen" ? "the raw data" : "the hourly rollup rows"
        throw QueryError(.semantic, "retention policy \(name) holds \(what) of \(db) and cannot be dropped; to keep less, ALTER RETENTION POLICY \(name) ON \(db) DURATION 30d", offset: offset)
    }

    /// `autogen` and the rollup's name, when the store keeps rollups.
    var policyNames: [String] { ["autogen"] + (store.rollupName.map { [$0] } ?? []) }

    private func setPolicy(_ name: String, database: String, _ spec: RetentionPolicySpec, offset: Int?, context: QueryContext) throws {
        let rollup = store.rollupName
        guard name == "autogen" || name == rollup else {
            throw QueryError(.semantic, "retention policy \(name): Chargeline keeps two retention policies per database, \(policyNames.map { "\"\($0)\"" }.joined(separator: " (raw data) and ")) (hourly rollups), and cannot add one; set their DURATION with ALTER RETENTION POLICY autogen ON \(database) DURATION 30d".replacingOccurrences(of: " (hourly rollups)", with: rollup == nil ? "" : " (hourly rollups)"), offset: offset)
        }
        if spec.makeDefault && name != "autogen" {
            throw QueryError(.semantic, "retention policy \(name) holds the hourly rollup rows and cannot be the default; autogen (the raw data) is", offset: offset)
        }
        if spec.shardDuration != nil {
            context.warn("SHARD DURATION is not used: Chargeline partitions data by the store's partition length (\(MetadataExecutor.goDuration(store.options.partitionDuration)))")
        }
        guard let duration = spec.duration else { return }
        do {
            if name == "autogen" {
                try store.setRetention(database: database, raw: duration, rollup: nil)
            } else {
                try store.setRetention(database: database, raw: nil, rollup: duration)
            }
        } catch let e as ChargelineError {
            throw QueryError(.storage, e.message)
        }
    }
}

/// Continuous rollups: hourly aggregates of every numeric field, materialised once an hour is
/// complete plus a grace delay, recomputed for exactly the (series, hour) buckets that late
/// rows touch. The default needs no configuration.
public struct RollupOptions: Sendable, Equatable {
    /// Materialise rollups at all.
    public var enabled = true
    /// Name of the rollup: its folder (`<db>/rollup_<name>/`) and the retention-policy name it
    /// is queried under (`FROM "1h"."<measurement>"`).
    public var name = "1h"
    /// Bucket length in ns (one hour).
    public var bucket: Int64 = 3_600_000_000_000
    /// An hour is materialised once `now >= hour end + grace` (10 min: sources that report every
    /// 10-60 s have delivered the hour by then; anything later is late data and recomputed).
    public var grace: Int64 = 600_000_000_000
    /// Fields that are counters (cumulative registers): they also get `<field>_increase`, with
    /// resets handled as PromQL's `increase()`. None by default; the application names its own.
    public var counters: Set<String> = []
    /// How far before a bucket to look for the previous sample (for the time-weighted mean and
    /// the first counter pair). One bucket, so a late row affects only its own bucket and the
    /// next one.
    public var lookback: Int64 { bucket }
    /// How often the scheduler in `serve` runs (ns; one minute).
    public var interval: Int64 = 60_000_000_000
    /// Aggregates beyond the generic ones that the application registers (`RollupExtension`),
    /// computed for the series each applies to. None by default.
    public var extensions: [any RollupExtension] = []
    /// How far past a late row the buckets it affects reach: the longest `reach` of the
    /// extensions (an extension may let a sample shape buckets up to that far after it, so a
    /// row also changes its predecessor's bucket up to that far back).
    var lateReach: Int64 { extensions.map(\.reach).max() ?? 0 }

    public init() {}

    /// Equal settings, extensions compared by `RollupExtension.isEqual(to:)` in order.
    public static func == (a: RollupOptions, b: RollupOptions) -> Bool {
        a.enabled == b.enabled && a.name == b.name && a.bucket == b.bucket && a.grace == b.grace && a.counters == b.counters
            && a.interval == b.interval && a.extensions.count == b.extensions.count
            && zip(a.extensions, b.extensions).allSatisfy { $0.isEqual(to: $1) }
    }
}

/// How long raw data and rollups are kept, per database, with per-measurement overrides for
/// raw data. `nil` keeps data forever (the default, as InfluxDB's `autogen`).
public struct RetentionPolicy: Sendable, Equatable {
    /// Raw data older than this (ns) is dropped, once rollups cover it.
    public var raw: Int64?
    /// Rollup rows older than this (ns) are dropped.
    public var rollup: Int64?
    /// Raw retention per measurement, overriding `raw`.
    public var measurements: [String: Int64] = [:]

    public init(raw: Int64? = nil, rollup: Int64? = nil, measurements: [String: Int64] = [:]) {
        self.raw = raw
        self.rollup = rollup
        self.measurements = measurements
    }

    /// Raw retention for `measurement`.
    public func raw(for measurement: String) -> Int64? { measurements[measurement] ?? raw }
}

/// Retention for every database, and how often `serve` applies it.
public struct RetentionOptions: Sendable, Equatable {
    /// The policy of databases not listed in `databases`.
    public var defaultPolicy = RetentionPolicy()
    /// Per-database policies.
    public var databases: [String: RetentionPolicy] = [:]
    /// How often `serve` applies retention (ns; one hour).
    public var interval: Int64 = 3_600_000_000_000

    public init() {}

    /// The policy of `database`.
    public func policy(for database: String) -> RetentionPolicy { databases[database] ?? defaultPolicy }
}

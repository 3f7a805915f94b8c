public import ChargelineStorage

/// The hourly rollup extension a daily usage report reads: per gun and hour its charging,
/// fault and online time (each split into the part inside the hour and the part held past
/// its end), session starts, the highest voltage x current power and the max gap it was
/// computed for, stored as the `usage_*` fields (docs/format.md) of the gun's rollup row.
/// Measurement, field names and status codes are `DailyUsageRules`' (docs/schema.md).
///
/// The composition root registers it (`register(in:)`, as `serve` and every command that
/// runs rollups do); a store without it writes no `usage_*` fields and reports read those
/// guns from raw data.
public struct UsageRollupExtension: RollupExtension, Equatable {
    /// The rules the aggregates follow; `RollupDailyReader` uses rollups only when they equal
    /// the report's.
    public var rules: DailyUsageRules

    public init(rules: DailyUsageRules = DailyUsageRules()) {
        self.rules = rules
    }

    public var name: String { "usage" }
    public var fieldNames: [String] { UsageBucket.fieldNames }
    /// A status sample holds up to `maxGap` past its time, so it shapes buckets that far on.
    public var reach: Int64 { rules.maxGap }

    public func applies(to measurement: String) -> Bool { measurement == rules.measurement }

    public func compute(_ columns: [FieldColumn], bucketLength: Int64, buckets: ClosedRange<Int64>,
                        into rows: inout RollupExtensionRows) {
        for bucket in UsageBucket.compute(columns, rules: rules, length: bucketLength, buckets: buckets) {
            bucket.append(maxGap: rules.maxGap, to: &rows)
        }
    }

    /// Registers the extension with `rules` in `options` (replacing a usage extension
    /// registered before) and makes the energy register a counter, which the report's energy
    /// figure reads (`<energy>_increase`).
    public static func register(in options: inout RollupOptions, rules: DailyUsageRules = DailyUsageRules()) {
        options.extensions.removeAll { $0 is UsageRollupExtension }
        options.extensions.append(UsageRollupExtension(rules: rules))
        options.counters.insert(rules.energyField)
    }

    /// The usage extension registered in `options`, if any.
    static func registered(in options: RollupOptions) -> UsageRollupExtension? {
        options.extensions.lazy.compactMap { $0 as? UsageRollupExtension }.first
    }
}

/// The generic aggregates a rollup row gives per numeric field, as `readRollup` returns them:
/// readers name an aggregate by kind and field (`RollupAggregate.increase.column(of: "x")`)
/// instead of building column-name strings, so the naming lives here alone (docs/format.md).
public enum RollupAggregate: String, Sendable, CaseIterable {
    case sum, min, max, first, last, count
    /// Time (ns) of the bucket's first / last sample.
    case firstTime = "first_time", lastTime = "last_time"
    /// Time-weighted mean over the bucket.
    case mean
    /// Counters only (`RollupOptions.counters`): increase with resets handled.
    case increase

    /// The column of this aggregate of raw field `field` (`<field>_<aggregate>`).
    public func column(of field: String) -> String { field + "_" + rawValue }
}

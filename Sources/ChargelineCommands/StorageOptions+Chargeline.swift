import ChargelineReports
import ChargelineStorage

extension StorageOptions {
    /// Chargeline's storage settings before the configuration file applies: storage's generic
    /// defaults plus what the charging domain registers, the daily-usage rollup extension and
    /// the energy register as a counter (`UsageRollupExtension.register`). Every command that
    /// opens a store starts from these (`Configuration`, `DataOptions`), so `serve`,
    /// `rollup`, `import` and the rest compute the same rollups.
    static func chargeline() -> StorageOptions {
        var o = StorageOptions()
        UsageRollupExtension.register(in: &o.rollup)
        return o
    }
}

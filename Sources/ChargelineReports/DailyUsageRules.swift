/// The rules of the daily usage figures (docs/reports.md) and the schema names they read
/// (docs/schema.md: measurement, fields, gun status codes), in one place: the raw path
/// (`DailyUsageCalculator`), the hourly rollup extension (`UsageRollupExtension`, via
/// `UsageBucket`) and the rollup reader (`RollupDailyReader`) all take them from here, so
/// the two paths cannot drift apart. A rollup answers a report only when its registered
/// rules equal the report's.
public struct DailyUsageRules: Sendable, Equatable {
    /// Measurement holding the guns' telemetry.
    public var measurement: String
    /// Longest gap between two samples that still counts in full (ns). Longer gaps count up
    /// to this much for charging and fault time, and not at all for online time.
    public var maxGap: Int64
    /// The gun-status field and its codes (docs/schema.md: 0 offline, 1 fault, 2 idle,
    /// 3 charging).
    public let statusField = "status"
    public let chargingCode = 3.0
    public let faultCode = 1.0
    /// The cumulative energy register (kWh): a rollup counter.
    public let energyField = "energy"
    /// Power inputs: `power` (kW) where reported, else voltage (V) x current (A) / 1000.
    public let powerField = "power", voltageField = "voltage", currentField = "current"
    public let temperatureField = "temperature"
    /// Fields whose timestamps say "the gun reported" (online time); every field a report
    /// reads (stored, not computed: the rollup extension asks per column).
    public let reportFields: Set<String> = ["current", "energy", "power", "status", "temperature", "voltage"]

    /// The defaults of docs/reports.md: measurement `telemetry`, a 5-minute maximum gap.
    public init(measurement: String = "telemetry", maxGap: Int64 = 300_000_000_000) {
        self.measurement = measurement
        self.maxGap = maxGap
    }

    /// Until when a status sample at `a` holds: its successor `next` when that comes within
    /// `maxGap`, else (no successor, or one past the gap) `a + maxGap`.
    @inline(__always)
    func heldUntil(_ a: Int64, next: Int64?) -> Int64 {
        if let next, next - a < maxGap { return next }
        return a &+ maxGap
    }

    /// Whether the gun was online over `[a, b)` between consecutive report times.
    @inline(__always)
    func isOnline(from a: Int64, to b: Int64) -> Bool { b - a <= maxGap }

    /// Whether a status sample `status` whose previous status sample is `previous` (nil: none
    /// known) starts a charging session.
    @inline(__always)
    func startsSession(_ status: Double, previous: Double?) -> Bool { status == chargingCode && previous != chargingCode }

    /// The power (kW) of a report time with voltage and current but no power.
    @inline(__always)
    static func powerKW(voltage: Double, current: Double) -> Double { voltage * current / 1000 }
}

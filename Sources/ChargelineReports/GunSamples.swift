import ChargelineStorage

/// One field of one gun as parallel arrays, timestamps ascending and unique.
public struct SampleColumn: Sendable {
    public var times: [Int64] = []
    public var values: [Double] = []

    public init(times: [Int64] = [], values: [Double] = []) {
        precondition(times.count == values.count, "BUG: times and values differ in length")
        self.times = times
        self.values = values
    }

    /// The first index whose time is `>= t` (`times.count` when none).
    func lowerBound(_ t: Int64) -> Int { Self.lowerBound(times, t) }

    /// The first index of sorted `times` whose time is `>= t` (`times.count` when none).
    static func lowerBound(_ times: [Int64], _ t: Int64) -> Int {
        var lo = 0, hi = times.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if times[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    init(_ column: FieldColumn) {
        let n = column.count
        times = column.timestamps
        values.reserveCapacity(n)
        switch column.type {
        case .float: for i in 0..<n { values.append(Double(bitPattern: column.bits(at: i))) }
        case .integer: for i in 0..<n { values.append(Double(Int64(bitPattern: column.bits(at: i)))) }
        case .unsigned: for i in 0..<n { values.append(Double(column.bits(at: i))) }
        case .boolean: for i in 0..<n { values.append(column.bits(at: i) != 0 ? 1 : 0) }
        case .string: times = []  // not numeric: treated as absent
        }
    }
}

/// The raw telemetry of one gun that a daily report needs, field by field (fields are
/// sampled independently, so each keeps its own timestamps).
public struct GunSamples: Sendable {
    public var station: String
    public var pile: String
    public var gun: String
    /// Cumulative energy register (kWh).
    public var energy = SampleColumn()
    /// Gun status: 0 offline, 1 fault, 2 idle, 3 charging.
    public var status = SampleColumn()
    public var power = SampleColumn()
    public var voltage = SampleColumn()
    public var current = SampleColumn()
    public var temperature = SampleColumn()

    public init(station: String, pile: String, gun: String) {
        self.station = station
        self.pile = pile
        self.gun = gun
    }

    /// The sorted union of every field's timestamps: when the gun reported anything.
    var reportTimes: [Int64] {
        var all = energy.times + status.times + power.times + voltage.times + current.times + temperature.times
        all.sort()
        var out: [Int64] = []
        out.reserveCapacity(all.count)
        for t in all where out.last != t { out.append(t) }
        return out
    }

    /// The report fields read from the store, in the names of docs/schema.md (`DailyUsageRules`).
    static let fieldNames = DailyUsageRules().reportFields.sorted()

    /// Builds the samples of one series read from the store; tags missing from the key are
    /// empty strings.
    init(_ series: SeriesReadResult) {
        self.init(tags: series.tags)
        for c in series.columns { set(c.name, SampleColumn(c)) }
    }

    /// A gun with no samples yet, named by its series tags.
    init(tags: [(key: String, value: String)]) {
        var station = "", pile = "", gun = ""
        for (k, v) in tags {
            switch k {
            case "station": station = v
            case "pile": pile = v
            case "gun": gun = v
            default: break
            }
        }
        self.init(station: station, pile: pile, gun: gun)
    }

    /// Whether the gun belongs in a report of `[start, end)`: a report-field sample in it, or
    /// an `energy`/`status` sample before it (the read's lookback).
    func belongs(from start: Int64, to end: Int64) -> Bool {
        for c in [energy, status, power, voltage, current, temperature] {
            let i = c.lowerBound(start)
            if i < c.times.count && c.times[i] < end { return true }
        }
        return (energy.times.first ?? .max) < start || (status.times.first ?? .max) < start
    }

    mutating func set(_ name: String, _ column: SampleColumn) {
        switch name {
        case "energy": energy = column
        case "status": status = column
        case "power": power = column
        case "voltage": voltage = column
        case "current": current = column
        case "temperature": temperature = column
        default: break
        }
    }
}

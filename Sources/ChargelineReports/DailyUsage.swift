/// The usage figures of one gun, pile or station over one local calendar day.
///
/// At pile level `gun` is empty; at station level `pile` and `gun` are empty. Sums (energy,
/// hours, sessions, fault minutes) and maxima (peak power, temperature) aggregate the guns;
/// `onlineRatio` is the mean over the guns.
public struct DailyUsage: Sendable, Equatable {
    /// Local date, `YYYY-MM-DD`.
    public var date: String
    public var station: String
    public var pile: String
    public var gun: String
    /// Increase of the cumulative energy register over the day, with counter resets.
    public var energyKWh: Double = 0
    /// Time spent in status 3 (charging), each sample gap capped at the maximum gap.
    public var chargingHours: Double = 0
    /// Transitions into charging whose first charging sample lies in the day.
    public var sessions: Int = 0
    /// Highest power (kW); `nil` when the day has neither `power` nor voltage and current.
    public var peakPowerKW: Double?
    /// Highest temperature; `nil` when the day has none.
    public var maxTemperature: Double?
    /// Time spent in status 1 (fault), measured like `chargingHours`.
    public var faultMinutes: Double = 0
    /// Share of the day covered by sample gaps no longer than the maximum gap, 0...1.
    public var onlineRatio: Double = 0
    /// Money taken (yuan): the `amount` of the `transaction` points (sessions) that ended in the
    /// day; `nil` when the store holds no transaction records at all (revenue unknown, not 0).
    public var revenueYuan: Double?
    /// The alert manager's fault episodes of this gun (pile, station) that fired during the day
    /// (`DailyReport.addAlertEpisodes`), in report order; empty without an `alerts` history.
    public var alertEpisodes: [AlertEpisode] = []

    public init(date: String, station: String, pile: String, gun: String) {
        self.date = date
        self.station = station
        self.pile = pile
        self.gun = gun
    }
}

/// One fault interval of a gun (status 1), capped like `faultMinutes`, clipped to the day.
public struct FaultSpan: Sendable, Equatable {
    public var station: String
    public var pile: String
    public var gun: String
    /// Start and end, ns since the Unix epoch.
    public var start: Int64
    public var end: Int64

    public init(station: String, pile: String, gun: String, start: Int64, end: Int64) {
        self.station = station
        self.pile = pile
        self.gun = gun
        self.start = start
        self.end = end
    }
}

/// Everything computed for one gun and one day: the usage row plus the hourly figures the
/// HTML charts draw.
public struct GunDay: Sendable {
    public var usage: DailyUsage
    /// Energy (kWh) attributed to each local hour of the day (by the later sample of each pair).
    public var hourlyEnergyKWh: [Double]
    /// Charging seconds within each local hour of the day.
    public var hourlyChargingSeconds: [Double]
    public var faults: [FaultSpan]

    /// `hourlyEnergyKWh` and `hourlyChargingSeconds` hold one entry per hour of the day.
    public init(usage: DailyUsage, hourlyEnergyKWh: [Double], hourlyChargingSeconds: [Double], faults: [FaultSpan]) {
        self.usage = usage
        self.hourlyEnergyKWh = hourlyEnergyKWh
        self.hourlyChargingSeconds = hourlyChargingSeconds
        self.faults = faults
    }
}

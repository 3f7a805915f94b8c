/// What a 0x13 frame measured, by gun state. The protocol has no "not available" code: a
/// pile sends raw 0 for every reading it did not take (docs/ykc-protocol.md §1.6: voltage,
/// current and gun temperature "0 when idle"; SOC and pack temperature "0 idle and for AC";
/// remaining time "0 for AC"). Decoded naively, raw 0 becomes 0 V, 0 A, 0 % and, through the
/// −50 °C offset, −50 °C. Each accessor here returns `nil` for a value the pile did not
/// measure in the gun's current state, so the writer can leave the field out of the point;
/// docs/schema.md has the same rules as a table.
extension YKCRealtimeData {
    /// Gun status codes (docs/schema.md).
    public enum Status {
        /// The gun is offline.
        public static let offline: UInt8 = 0
        /// The gun reports a fault.
        public static let fault: UInt8 = 1
        /// No session.
        public static let idle: UInt8 = 2
        /// A session is delivering energy.
        public static let charging: UInt8 = 3
    }

    /// Whether the frame's output readings (voltage, current) are measurements: always while
    /// charging, where 0 V or 0 A is a real reading (a sag, a stalled session); in a fault
    /// only when the pile sent a non-zero value (a fault during a session still measures, a
    /// fault on an idle gun sends zeros); never while idle or offline.
    @inlinable
    public var hasOutputReading: Bool {
        switch status {
        case Status.charging: true
        case Status.fault: decivolts != 0 || deciamps != 0
        default: false
        }
    }

    /// Whether the frame belongs to a session: charging, or carrying a trade number (a fault
    /// during a session, a frame just after it). Outside a session the session counters
    /// (energy, amount, minutes) are zeros the pile did not count.
    @inlinable
    public var isInSession: Bool { status == Status.charging || !trade.isZero }

    /// Output voltage (V) when measured; see `hasOutputReading`.
    @inlinable
    public var measuredVoltage: Double? { hasOutputReading ? voltage : nil }

    /// Output current (A) when measured; see `hasOutputReading`.
    @inlinable
    public var measuredCurrent: Double? { hasOutputReading ? current : nil }

    /// Output power (kW, 0.01 kW steps, voltage x current: YKC has no power field) when the
    /// output was measured.
    @inlinable
    public var measuredPower: Double? {
        hasOutputReading ? (Double(decivolts) * Double(deciamps) / 1000).rounded() / 100 : nil
    }

    /// Gun-cable temperature (°C), or `nil` for raw 0 in any state: raw 0 is what the pile
    /// sends for "no reading" (idle guns, a missing probe), and −50 °C, the bottom of the
    /// GB/T range, is not a temperature a cable carrying current reaches.
    @inlinable
    public var measuredGunTemperature: Double? { gunTemperatureRaw == 0 ? nil : Double(gunTemperature) }

    /// Battery pack max temperature (°C), or `nil` for raw 0 (no vehicle, AC piles).
    @inlinable
    public var measuredBatteryTemperature: Double? {
        batteryTemperatureRaw == 0 ? nil : Double(batteryTemperature)
    }

    /// SOC (%), or `nil` for 0: idle guns and AC piles send 0, and no vehicle charges from a
    /// BMS reading of 0 %.
    @inlinable
    public var measuredSOC: Int64? { soc == 0 ? nil : Int64(soc) }

    /// Remaining minutes in a session, or `nil` outside one and for 0 (AC piles send 0: they
    /// have no estimate; a DC session's last minute is the only real 0 this drops).
    @inlinable
    public var measuredRemainingMinutes: Int64? {
        isInSession && remainingMinutes != 0 ? Int64(remainingMinutes) : nil
    }
}

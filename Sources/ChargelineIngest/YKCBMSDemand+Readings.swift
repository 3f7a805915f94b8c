/// What a 0x23 frame measured. The frame comes only while charging, but relays GB/T 27930
/// values the vehicle's BMS may not have sent yet (the first frames of a session, a BMS that
/// drops a message), which a pile fills with raw 0. Raw 0 is not a reading where it cannot be
/// one: a pack at 0 V, a cell at 0 V, 0 % SOC, charge mode 0 (the codes are 1 and 2), and a
/// GB/T current word of 0, which decodes to 400 A. Each accessor returns `nil` for those, so
/// the writer leaves the field out; the raw current words are stored regardless
/// (docs/schema.md).
extension YKCBMSDemand {
    /// BMS voltage demand (V), `nil` for raw 0.
    @inlinable
    public var measuredVoltageDemand: Double? { voltageDemandRaw == 0 ? nil : Double(voltageDemandRaw) / 10 }

    /// BMS current demand (A), `nil` for raw 0.
    @inlinable
    public var measuredCurrentDemand: Double? { currentDemandRaw == 0 ? nil : Self.gbtAmperes(currentDemandRaw) }

    /// 1 constant voltage, 2 constant current; `nil` for any other code.
    @inlinable
    public var measuredChargeMode: Int64? { chargeMode == 1 || chargeMode == 2 ? Int64(chargeMode) : nil }

    /// BMS measured pack voltage (V), `nil` for raw 0.
    @inlinable
    public var measuredBMSVoltage: Double? { bmsVoltageRaw == 0 ? nil : Double(bmsVoltageRaw) / 10 }

    /// BMS measured charging current (A), `nil` for raw 0.
    @inlinable
    public var measuredBMSCurrent: Double? { bmsCurrentRaw == 0 ? nil : Self.gbtAmperes(bmsCurrentRaw) }

    /// Highest cell voltage (V), `nil` when its 12 voltage bits are 0.
    @inlinable
    public var measuredCellVoltageMax: Double? { cellVoltageWord & 0x0FFF == 0 ? nil : cellVoltageMax }

    /// SOC (%), `nil` for 0.
    @inlinable
    public var measuredSOC: Int64? { soc == 0 ? nil : Int64(soc) }

    /// BMS estimated remaining minutes, `nil` for 0 (as in 0x13).
    @inlinable
    public var measuredRemainingMinutes: Int64? { remainingMinutes == 0 ? nil : Int64(remainingMinutes) }

    /// Charger output current (A), `nil` for raw 0. The charger's output voltage is stored as
    /// sent: this frame comes only while charging, where 0 V is a real reading.
    @inlinable
    public var measuredChargerCurrent: Double? { chargerCurrentRaw == 0 ? nil : Self.gbtAmperes(chargerCurrentRaw) }
}

/// The OCPP 1.6 measurands Chargeline stores, each with its `telemetry` field (docs/ocpp.md)
/// and the kind of unit it is converted to.
package enum OCPPMeasurand: String, Sendable, CaseIterable {
    case energyActiveImportRegister = "Energy.Active.Import.Register"
    case energyActiveImportInterval = "Energy.Active.Import.Interval"
    case energyActiveExportRegister = "Energy.Active.Export.Register"
    case energyActiveExportInterval = "Energy.Active.Export.Interval"
    case energyReactiveImportRegister = "Energy.Reactive.Import.Register"
    case energyReactiveImportInterval = "Energy.Reactive.Import.Interval"
    case energyReactiveExportRegister = "Energy.Reactive.Export.Register"
    case energyReactiveExportInterval = "Energy.Reactive.Export.Interval"
    case powerActiveImport = "Power.Active.Import"
    case powerActiveExport = "Power.Active.Export"
    case powerOffered = "Power.Offered"
    case powerReactiveImport = "Power.Reactive.Import"
    case powerReactiveExport = "Power.Reactive.Export"
    case powerFactor = "Power.Factor"
    case currentImport = "Current.Import"
    case currentExport = "Current.Export"
    case currentOffered = "Current.Offered"
    case voltage = "Voltage"
    case frequency = "Frequency"
    case temperature = "Temperature"
    case soc = "SoC"
    case rpm = "RPM"

    /// What a value is converted to before it is stored.
    package enum Kind: Sendable {
        /// kWh (from Wh or kWh).
        case activeEnergy
        /// kvarh (from varh or kvarh).
        case reactiveEnergy
        /// kW (from W or kW; Power.Offered may come as VA/kVA).
        case activePower
        /// kvar (from var or kvar).
        case reactivePower
        /// A (A only).
        case current
        /// V (V only).
        case voltage
        /// °C (from Celsius, the schema's "Celcius", Fahrenheit or K).
        case temperature
        /// % (Percent), stored as an integer.
        case percent
        /// Stored as sent (Frequency, RPM, Power.Factor).
        case plain
    }

    /// The unit kind of this measurand.
    package var kind: Kind {
        switch self {
        case .energyActiveImportRegister, .energyActiveImportInterval, .energyActiveExportRegister, .energyActiveExportInterval:
            .activeEnergy
        case .energyReactiveImportRegister, .energyReactiveImportInterval, .energyReactiveExportRegister,
             .energyReactiveExportInterval:
            .reactiveEnergy
        case .powerActiveImport, .powerActiveExport, .powerOffered: .activePower
        case .powerReactiveImport, .powerReactiveExport: .reactivePower
        case .currentImport, .currentExport, .currentOffered: .current
        case .voltage: .voltage
        case .temperature: .temperature
        case .soc: .percent
        case .powerFactor, .frequency, .rpm: .plain
        }
    }

    /// The `telemetry` field (before any phase suffix). Temperature depends on the location:
    /// `EV` is the battery, `Inlet` the vehicle inlet, everything else (Cable, Outlet, Body) the gun.
    package func field(location: String?) -> String {
        switch self {
        case .energyActiveImportRegister: "energy"
        case .energyActiveImportInterval: "energy_interval"
        case .energyActiveExportRegister: "energy_export"
        case .energyActiveExportInterval: "energy_export_interval"
        case .energyReactiveImportRegister: "energy_reactive_import"
        case .energyReactiveImportInterval: "energy_reactive_import_interval"
        case .energyReactiveExportRegister: "energy_reactive_export"
        case .energyReactiveExportInterval: "energy_reactive_export_interval"
        case .powerActiveImport: "power"
        case .powerActiveExport: "power_export"
        case .powerOffered: "power_offered"
        case .powerReactiveImport: "power_reactive_import"
        case .powerReactiveExport: "power_reactive_export"
        case .powerFactor: "power_factor"
        case .currentImport: "current"
        case .currentExport: "current_export"
        case .currentOffered: "current_offered"
        case .voltage: "voltage"
        case .frequency: "frequency"
        case .soc: "soc"
        case .rpm: "rpm"
        case .temperature:
            switch location {
            case "EV": "battery_temperature"
            case "Inlet": "inlet_temperature"
            default: "temperature"
            }
        }
    }

    /// Whether the total over phases is their sum (energy, power, current), their mean
    /// (voltage), or not derived at all (`nil`: temperatures, SoC, frequency, power factor).
    package var phaseTotal: PhaseTotal? {
        switch kind {
        case .activeEnergy, .reactiveEnergy, .activePower, .reactivePower, .current: .sum
        case .voltage: .mean
        case .temperature, .percent, .plain: nil
        }
    }

    /// How per-phase values combine into the total the charge point did not send.
    package enum PhaseTotal: Sendable { case sum, mean }

    /// Converts `value` given in `unit` (nil = the measurand's default) to the stored unit.
    /// - Returns: nil when `unit` does not fit the measurand (Voltage in Wh, say).
    package func convert(_ value: Double, unit: String?) -> Double? {
        switch (kind, unit) {
        case (.activeEnergy, nil), (.activeEnergy, "Wh"): value / 1000
        case (.activeEnergy, "kWh"): value
        case (.reactiveEnergy, nil), (.reactiveEnergy, "varh"): value / 1000
        case (.reactiveEnergy, "kvarh"): value
        case (.activePower, nil), (.activePower, "W"), (.activePower, "VA"): value / 1000
        case (.activePower, "kW"), (.activePower, "kVA"): value
        case (.reactivePower, nil), (.reactivePower, "var"): value / 1000
        case (.reactivePower, "kvar"): value
        case (.current, nil), (.current, "A"): value
        case (.voltage, nil), (.voltage, "V"): value
        case (.temperature, nil), (.temperature, "Celsius"), (.temperature, "Celcius"): value
        case (.temperature, "Fahrenheit"): (value - 32) * 5 / 9
        case (.temperature, "K"): value - 273.15
        case (.percent, nil), (.percent, "Percent"): value
        case (.plain, _): value
        default: nil
        }
    }
}

/// The phases of a SampledValue and the field suffix each gets: line-to-neutral `L1` and
/// `L1-N` are the same quantity (`_l1`); line-to-line voltages keep both lines (`_l1_l2`).
package enum OCPPPhase: String, Sendable, CaseIterable {
    case l1 = "L1", l2 = "L2", l3 = "L3", n = "N"
    case l1n = "L1-N", l2n = "L2-N", l3n = "L3-N"
    case l1l2 = "L1-L2", l2l3 = "L2-L3", l3l1 = "L3-L1"

    /// The field suffix.
    package var suffix: String {
        switch self {
        case .l1, .l1n: "_l1"
        case .l2, .l2n: "_l2"
        case .l3, .l3n: "_l3"
        case .n: "_n"
        case .l1l2: "_l1_l2"
        case .l2l3: "_l2_l3"
        case .l3l1: "_l3_l1"
        }
    }

    /// Whether the value is one line's share (L1, L2, L3 or Lx-N), which a phase total combines.
    package var isLine: Bool {
        switch self {
        case .l1, .l2, .l3, .l1n, .l2n, .l3n: true
        case .n, .l1l2, .l2l3, .l3l1: false
        }
    }
}

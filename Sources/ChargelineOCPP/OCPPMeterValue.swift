/// One `meterValue` element of MeterValues or StopTransaction.transactionData, mapped onto
/// `telemetry` fields (docs/ocpp.md, docs/schema.md): units converted, phases as their own
/// fields, the phase total derived when the charge point sent none, SignedData skipped.
package struct OCPPMeterValue: Sendable, Equatable {
    /// One stored field.
    package struct Field: Sendable, Equatable {
        /// The field name (`voltage_l1`).
        package var name: String
        /// The converted value.
        package var value: Double
        /// Stored as an integer (`soc`) rather than a float.
        package var isInteger: Bool

        package init(name: String, value: Double, isInteger: Bool = false) {
            self.name = name
            self.value = value
            self.isInteger = isInteger
        }
    }

    /// The charge point's timestamp, ns since the epoch.
    package var timestamp: Int64
    /// The fields, in first-seen order; a field sent twice keeps the later value.
    package var fields: [Field]

    static let contexts: Set<String> = ["Interruption.Begin", "Interruption.End", "Sample.Clock", "Sample.Periodic",
                                        "Transaction.Begin", "Transaction.End", "Trigger", "Other"]
    static let locations: Set<String> = ["Cable", "EV", "Inlet", "Outlet", "Body"]
    static let units: Set<String> = ["Wh", "kWh", "varh", "kvarh", "W", "kW", "VA", "kVA", "var", "kvar", "A", "V", "K",
                                     "Celcius", "Celsius", "Fahrenheit", "Percent", "Hertz"]
    static let measurands = Set(OCPPMeasurand.allCases.map(\.rawValue))
    static let phases = Set(OCPPPhase.allCases.map(\.rawValue))

    /// Maps one `{"timestamp", "sampledValue": [...]}` object.
    /// - Throws: the CALLERROR for a missing timestamp or sampledValue, a value that is not a
    ///   number, an unknown measurand, phase, location or unit, or a unit that does not fit the
    ///   measurand.
    package init(_ meterValue: OCPPPayload) throws(OCPPFailure) {
        timestamp = try meterValue.requiredTime("timestamp")
        fields = []
        var lineShares: [String: (sum: Double, count: Int, total: OCPPMeasurand.PhaseTotal)] = [:]
        var lineOrder: [String] = []
        for sv in try meterValue.requiredObjects("sampledValue") {
            let text = try sv.requiredString("value")
            _ = try sv.enumeration("context", Self.contexts)
            let format = try sv.enumeration("format", ["Raw", "SignedData"])
            let measurandText = try sv.enumeration("measurand", Self.measurands) ?? OCPPMeasurand.energyActiveImportRegister.rawValue
            let phaseText = try sv.enumeration("phase", Self.phases)
            let location = try sv.enumeration("location", Self.locations)
            let unit = try sv.enumeration("unit", Self.units)
            // Signed meter data is an opaque signature blob, not a number to store.
            if format == "SignedData" { continue }
            guard let measurand = OCPPMeasurand(rawValue: measurandText) else {
                preconditionFailure("BUG: measurand \(measurandText) passed the enumeration check")
            }
            guard let raw = Double(text), raw.isFinite else {
                throw OCPPFailure(.propertyConstraintViolation, "\(sv.path).value \"\(text)\" is not a decimal number")
            }
            guard let value = measurand.convert(raw, unit: unit) else {
                throw OCPPFailure(.propertyConstraintViolation,
                                  "\(sv.path).unit \(unit ?? "") does not fit measurand \(measurandText)")
            }
            let base = measurand.field(location: location)
            let isInteger = measurand.kind == .percent
            if let phaseText, let phase = OCPPPhase(rawValue: phaseText) {
                set(base + phase.suffix, isInteger ? value.rounded() : value, isInteger)
                if phase.isLine, let total = measurand.phaseTotal {
                    // L1 and L1-N are one share: count a line once, the later value winning.
                    let key = base + "\u{0}" + phase.suffix
                    if lineShares[key] == nil { lineOrder.append(key) }
                    lineShares[key] = (value, 1, total)
                }
            } else {
                set(base, isInteger ? value.rounded() : value, isInteger)
            }
        }
        // Totals the charge point did not send itself.
        var totals: [String: (sum: Double, count: Int, total: OCPPMeasurand.PhaseTotal)] = [:]
        var totalOrder: [String] = []
        for key in lineOrder {
            guard let share = lineShares[key] else { continue }
            let base = String(key.prefix { $0 != "\u{0}" })
            if totals[base] == nil { totalOrder.append(base) }
            totals[base, default: (0, 0, share.total)].sum += share.sum
            totals[base]?.count += 1
        }
        for base in totalOrder where !fields.contains(where: { $0.name == base }) {
            guard let t = totals[base] else { continue }
            fields.append(Field(name: base, value: t.total == .sum ? t.sum : t.sum / Double(t.count)))
        }
    }

    private mutating func set(_ name: String, _ value: Double, _ isInteger: Bool) {
        if let i = fields.firstIndex(where: { $0.name == name }) {
            fields[i] = Field(name: name, value: value, isInteger: isInteger)
        } else {
            fields.append(Field(name: name, value: value, isInteger: isInteger))
        }
    }
}

@testable import ChargelineOCPP
import Foundation
import Testing

/// MeterValues -> telemetry fields: every measurand, unit, phase and location of docs/ocpp.md.
@Suite struct OCPPMeterValueTests {
    private func map(_ sampled: [[String: Any]], timestamp: String = "2026-12-07T08:00:00Z") throws -> OCPPMeterValue {
        try OCPPMeterValue(OCPPPayload(["timestamp": timestamp, "sampledValue": sampled], path: "MeterValues.meterValue[0]"))
    }

    private func fields(_ m: OCPPMeterValue) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: m.fields.map { ($0.name, $0.value) })
    }

    /// The `ocpp` package's own loopback message (Fixtures/loopback-metervalues.json).
    @Test func loopbackFixtureMapsOntoTheSchema() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/loopback-metervalues", withExtension: "json"))
        guard case .call(_, "MeterValues", let payload) = try OCPPMessage.decode(try Data(contentsOf: url)) else {
            Issue.record("fixture is not a MeterValues CALL")
            return
        }
        let m = try OCPPMeterValue(try payload.requiredObjects("meterValue")[0])
        #expect(m.timestamp == 1_795_255_474_640_024_000)
        #expect(fields(m) == ["voltage": 373.2, "current": 101.2, "temperature": 34, "power": 37.768, "energy": 8.8, "soc": 78])
        #expect(m.fields.first { $0.name == "soc" }?.isInteger == true)
    }

    @Test(arguments: [
        ("Energy.Active.Import.Register", "Wh", "8800", "energy", 8.8),
        ("Energy.Active.Import.Register", "kWh", "8.8", "energy", 8.8),
        ("Energy.Active.Import.Interval", "Wh", "500", "energy_interval", 0.5),
        ("Energy.Active.Export.Register", "kWh", "1.5", "energy_export", 1.5),
        ("Energy.Reactive.Import.Register", "varh", "2000", "energy_reactive_import", 2),
        ("Energy.Reactive.Export.Register", "kvarh", "3", "energy_reactive_export", 3),
        ("Power.Active.Import", "W", "7400", "power", 7.4),
        ("Power.Active.Import", "kW", "7.4", "power", 7.4),
        ("Power.Offered", "kW", "22", "power_offered", 22),
        ("Power.Reactive.Import", "var", "500", "power_reactive_import", 0.5),
        ("Current.Import", "A", "32", "current", 32),
        ("Current.Offered", "A", "16", "current_offered", 16),
        ("Current.Export", "A", "1", "current_export", 1),
        ("Voltage", "V", "230.5", "voltage", 230.5),
        ("Temperature", "Celsius", "34", "temperature", 34),
        ("Temperature", "Celcius", "34", "temperature", 34),
        ("Temperature", "Fahrenheit", "212", "temperature", 100),
        ("Temperature", "K", "300.15", "temperature", 27),
        ("SoC", "Percent", "78.6", "soc", 79),
        ("Frequency", "Hertz", "50.01", "frequency", 50.01),
        ("Power.Factor", "", "0.98", "power_factor", 0.98),
    ] as [(String, String, String, String, Double)])
    func everyMeasurandAndUnitConverts(measurand: String, unit: String, value: String, field: String, expected: Double) throws {
        var sv: [String: Any] = ["value": value, "measurand": measurand]
        if !unit.isEmpty { sv["unit"] = unit }
        let f = fields(try map([sv]))
        #expect(f.count == 1)
        #expect(abs((f[field] ?? .nan) - expected) < 1e-9, "\(measurand) \(value) \(unit) -> \(f)")
    }

    @Test func defaultsAreEnergyInWh() throws {
        #expect(fields(try map([["value": "1234"]])) == ["energy": 1.234])
        #expect(fields(try map([["value": "1500", "measurand": "Power.Active.Import"]])) == ["power": 1.5])
    }

    @Test func locationTellsBatteryFromGun() throws {
        let f = fields(try map([
            ["value": "30", "measurand": "Temperature", "unit": "Celsius", "location": "EV"],
            ["value": "41", "measurand": "Temperature", "unit": "Celsius", "location": "Body"],
            ["value": "20", "measurand": "Temperature", "unit": "Celsius", "location": "Inlet"],
        ]))
        #expect(f == ["battery_temperature": 30, "temperature": 41, "inlet_temperature": 20])
        #expect(fields(try map([["value": "35", "measurand": "Temperature", "location": "Cable"]])) == ["temperature": 35])
        #expect(fields(try map([["value": "36", "measurand": "Temperature", "location": "Outlet"]])) == ["temperature": 36])
    }

    /// Three-phase AC: each phase its own field; the total is derived (sum of power, energy and
    /// current, mean of the line-to-neutral voltages) only when the charge point sent none.
    @Test func phasesAreFieldsAndTheTotalIsDerived() throws {
        let f = fields(try map([
            ["value": "230", "measurand": "Voltage", "phase": "L1-N", "unit": "V"],
            ["value": "232", "measurand": "Voltage", "phase": "L2-N", "unit": "V"],
            ["value": "234", "measurand": "Voltage", "phase": "L3", "unit": "V"],
            ["value": "400", "measurand": "Voltage", "phase": "L1-L2", "unit": "V"],
            ["value": "16", "measurand": "Current.Import", "phase": "L1", "unit": "A"],
            ["value": "15", "measurand": "Current.Import", "phase": "L2", "unit": "A"],
            ["value": "14", "measurand": "Current.Import", "phase": "L3", "unit": "A"],
            ["value": "0.5", "measurand": "Current.Import", "phase": "N", "unit": "A"],
            ["value": "3600", "measurand": "Power.Active.Import", "phase": "L1", "unit": "W"],
            ["value": "3500", "measurand": "Power.Active.Import", "phase": "L2", "unit": "W"],
            ["value": "3400", "measurand": "Power.Active.Import", "phase": "L3", "unit": "W"],
            ["value": "11", "measurand": "Power.Active.Import", "unit": "kW"],
        ]))
        #expect(f["voltage_l1"] == 230 && f["voltage_l2"] == 232 && f["voltage_l3"] == 234 && f["voltage_l1_l2"] == 400)
        #expect(f["voltage"] == 232)
        #expect(f["current_l1"] == 16 && f["current_n"] == 0.5 && f["current"] == 45)
        #expect(f["power_l1"] == 3.6 && f["power_l2"] == 3.5 && f["power_l3"] == 3.4)
        #expect(f["power"] == 11, "the charge point's own total wins over the derived one")
    }

    @Test func signedDataIsSkipped() throws {
        let m = try map([["value": "AbCd==", "format": "SignedData"], ["value": "10", "measurand": "Voltage"]])
        #expect(fields(m) == ["voltage": 10])
    }

    @Test(arguments: [
        (#"{"value":"abc"}"#, OCPPErrorCode.propertyConstraintViolation),
        (#"{"value":"1","measurand":"Voltage","unit":"Wh"}"#, .propertyConstraintViolation),
        (#"{"value":"1","measurand":"Volts"}"#, .propertyConstraintViolation),
        (#"{"value":"1","phase":"L4"}"#, .propertyConstraintViolation),
        (#"{"value":"1","location":"Roof"}"#, .propertyConstraintViolation),
        (#"{"value":1}"#, .typeConstraintViolation),
        (#"{"measurand":"Voltage"}"#, .occurenceConstraintViolation),
    ])
    func badSampledValuesAreRefused(json: String, code: OCPPErrorCode) throws {
        let sv = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        do {
            _ = try map([sv])
            Issue.record("accepted \(json)")
        } catch let failure as OCPPFailure {
            #expect(failure.code == code, "\(failure)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func missingTimestampIsAnOccurrenceViolation() {
        #expect(throws: OCPPFailure(.occurenceConstraintViolation, "m.timestamp is required")) {
            try OCPPMeterValue(OCPPPayload(["sampledValue": [["value": "1"]]], path: "m"))
        }
    }
}

import ChargelineYKCPile
import ChargelineCore
import ChargelineIngest
import Testing

/// What `YKCTelemetryWriter` stores for each gun state: a value the pile did not measure is
/// left out of the point, never stored as 0 V or −50 °C (docs/schema.md, "Which fields exist
/// in which gun state").
@Suite struct YKCTelemetryWriterTests {
    static let pile: UInt64 = 0x32010600395600
    static let keys = YKCSeriesKeys(pileText: "32010600395600", gun: 1, info: YKCPileInfo(station: "S0001"))
    static let trade = YKCTradeNumber(high: 0x3201060039560001, low: 0x2612071000000001)

    /// Encodes `d` as a pile sends it, decodes the frame and returns the fields stored.
    static func stored(_ d: YKCRealtimeData) throws -> [String: FieldValue] {
        var e = YKCFrameEncoder()
        e.realtimeData(sequence: (0, 1), d)
        let decoded = try e.withFrame { try YKCRealtimeData(payload: YKCFrame($0).payload) }
        var b = WriteBatchBuilder()
        YKCTelemetryWriter.add(decoded, keys: keys, timestamp: 1, to: &b)
        return fields(b.finish())
    }

    static func fields(_ batch: WriteBatch) -> [String: FieldValue] {
        var out: [String: FieldValue] = [:]
        batch.forEachPoint { p in p.forEachField { out[$0.nameString] = $0.value } }
        return out
    }

    /// The frame an idle gun sends every 5 minutes: status 2, holstered, every reading raw 0.
    @Test func idleFrameStoresStatusButNoReadings() throws {
        let f = try Self.stored(YKCRealtimeData(trade: YKCTradeNumber(high: 0, low: 0), pileCode: Self.pile, gun: 1,
                                                status: 2, holstered: 1))
        #expect(f["status"] == .integer(2))
        #expect(f["holstered"] == .integer(1))
        #expect(f["plugged"] == .integer(0))
        #expect(f["fault_bits"] == .integer(0))
        for absent in ["voltage", "current", "power", "temperature", "soc", "battery_temperature", "energy",
                       "energy_with_loss", "amount", "charging_minutes", "remaining_minutes"] {
            #expect(f[absent] == nil, "idle frame stored \(absent) = \(f[absent].map { "\($0)" } ?? "")")
        }
    }

    /// An idle gun whose pile does send a real gun temperature keeps it; its 0 V/0 A do not.
    @Test func idleFrameKeepsARealTemperature() throws {
        let f = try Self.stored(YKCRealtimeData(trade: YKCTradeNumber(high: 0, low: 0), pileCode: Self.pile, gun: 1,
                                                status: 2, gunTemperatureRaw: 75))
        #expect(f["temperature"] == .float(25))
        #expect(f["voltage"] == nil && f["current"] == nil && f["power"] == nil)
    }

    /// The JCPP capture's values (docs/ykc-protocol.md §1.6 worked example): everything stored.
    @Test func chargingFrameStoresEveryReading() throws {
        let f = try Self.stored(YKCRealtimeData(
            trade: Self.trade, pileCode: Self.pile, gun: 1, status: 3, holstered: 2, plugged: 1, decivolts: 3732,
            deciamps: 1012, gunTemperatureRaw: 84, soc: 78, batteryTemperatureRaw: 85, chargingMinutes: 16,
            remainingMinutes: 32, energyRaw: 88000, energyWithLossRaw: 0, amountRaw: 93280))
        #expect(f["voltage"] == .float(373.2))
        #expect(f["current"] == .float(101.2))
        #expect(f["power"] == .float(37.77))
        #expect(f["temperature"] == .float(34))
        #expect(f["soc"] == .integer(78))
        #expect(f["battery_temperature"] == .float(35))
        #expect(f["energy"] == .float(8.8))
        #expect(f["energy_with_loss"] == .float(8.8))
        #expect(f["amount"] == .float(9.328))
        #expect(f["charging_minutes"] == .integer(16))
        #expect(f["remaining_minutes"] == .integer(32))
        #expect(f["status"] == .integer(3))
    }

    /// While charging, 0 V and 0 A are readings (a sag, a stalled session) and are stored;
    /// raw 0 temperatures are the pile's "no reading" (−50 °C) and are not; nor are SOC 0 and
    /// remaining time 0 (what AC piles send).
    @Test func chargingFrameWithRawZeros() throws {
        let f = try Self.stored(YKCRealtimeData(trade: Self.trade, pileCode: Self.pile, gun: 1, status: 3, plugged: 1))
        #expect(f["voltage"] == .float(0))
        #expect(f["current"] == .float(0))
        #expect(f["power"] == .float(0))
        #expect(f["temperature"] == nil)
        #expect(f["battery_temperature"] == nil)
        #expect(f["soc"] == nil)
        #expect(f["remaining_minutes"] == nil)
        #expect(f["energy"] == .float(0))
        #expect(f["charging_minutes"] == .integer(0))
    }

    /// A fault during a session still measures; a fault on an idle gun sends zeros.
    @Test func faultFramesStoreOnlyWhatWasMeasured() throws {
        let during = try Self.stored(YKCRealtimeData(trade: Self.trade, pileCode: Self.pile, gun: 1, status: 1, plugged: 1,
                                                     decivolts: 3700, deciamps: 500, gunTemperatureRaw: 145, faultBits: 4))
        #expect(during["voltage"] == .float(370))
        #expect(during["temperature"] == .float(95))
        #expect(during["energy"] == .float(0))
        let idle = try Self.stored(YKCRealtimeData(trade: YKCTradeNumber(high: 0, low: 0), pileCode: Self.pile, gun: 1,
                                                   status: 1, faultBits: 1))
        #expect(idle["voltage"] == nil && idle["current"] == nil && idle["temperature"] == nil && idle["energy"] == nil)
        #expect(idle["status"] == .integer(1))
        #expect(idle["fault_bits"] == .integer(1))
    }

    /// 0x25 with raw 0 temperatures (no reading) stores neither temperature nor its probe.
    @Test func bmsStatusRawZeroTemperaturesAreLeftOut() throws {
        var e = YKCFrameEncoder()
        e.bmsStatus(sequence: (0, 1), trade: Self.trade, pileCode: Self.pile, gun: 1, maxTemperature: -50, minTemperature: 20)
        let s = try e.withFrame { try YKCBMSStatus(payload: YKCFrame($0).payload) }
        var b = WriteBatchBuilder()
        YKCTelemetryWriter.add(s, keys: Self.keys, timestamp: 1, to: &b)
        let f = Self.fields(b.finish())
        #expect(f["battery_temperature_max"] == nil && f["temperature_max_probe"] == nil)
        #expect(f["battery_temperature_min"] == .float(20))
        #expect(f["max_voltage_cell"] == .integer(12))
    }

    /// 0x23 sent before the BMS answered: raw 0 words are not 0 V / 400 A; the raw current
    /// words and the charger's output voltage are stored.
    @Test func bmsDemandRawZerosAreLeftOut() throws {
        var e = YKCFrameEncoder()
        e.begin(type: YKCFrameType.bmsDemand, sequence: (0, 1))
        e.putZeros(44)
        e.finish()
        let d = try e.withFrame { try YKCBMSDemand(payload: YKCFrame($0).payload) }
        var b = WriteBatchBuilder()
        YKCTelemetryWriter.add(d, keys: Self.keys, timestamp: 1, to: &b)
        let f = Self.fields(b.finish())
        for absent in ["voltage_demand", "current_demand", "charge_mode", "bms_voltage", "bms_current", "cell_voltage_max",
                       "cell_voltage_group", "soc", "remaining_minutes", "charger_current"] {
            #expect(f[absent] == nil, "\(absent) stored from raw 0")
        }
        #expect(f["charger_voltage"] == .float(0))
        #expect(f["bms_current_raw"] == .integer(0))
    }
}

import ChargelineCore
import ChargelineFrontEnd
import ChargelineIngest
import ChargelineNetworkTestSupport
import ChargelineStorage
import ChargelineYKC
import ChargelineYKCPile
import Foundation
import Logging
import Testing

/// A few hundred piles over loopback into a real store: every 0x13, 0x23, 0x25 and 0x3B they
/// sent is found afterwards under the documented schema.
@Suite(.serialized) struct YKCStoreLoopbackTests {
    @Test func threeHundredPilesTelemetryIsInTheStore() async throws {
        let dir = NSTemporaryDirectory() + "ykc-loopback-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = StorageOptions()
        options.fsync = .never
        let store = try Store(directory: dir, options: options)
        var registry: [UInt64: YKCPileInfo] = [:]
        let piles = 300
        let codes = (0..<piles).map { i -> UInt64 in YKCRegistryCodes.code(i) }
        for (i, code) in codes.enumerated() {
            registry[code] = YKCPileInfo(station: "S\(i / 10)", operatorName: "OP", model: "DC120", ratedKilowatts: "120")
        }
        var config = YKCConfiguration(endpoint: .init(host: "127.0.0.1", port: 0), reusePort: false, flushMilliseconds: 20, threads: 2)
        config.database = "ykc"
        let logger = Logger(label: "test", factory: { _ in LogCapture() })
        let directory = YKCPileDirectory(registry: YKCPileRegistry(entries: registry), unknownPiles: .reject, logger: logger)
        let fe = try await YKCFrontEnd.start(configuration: config, directory: directory, sink: StorageSink(store: store),
                                             logger: logger)
        var connections: [YKCTestPile] = []
        for code in codes {
            let pile = try YKCTestPile(code: code, port: fe.port)
            #expect(pile.login()?[13] == 0)
            connections.append(pile)
        }
        var acks = 0
        for (i, pile) in connections.enumerated() {
            let trade = YKCTradeNumber(high: pile.code << 8 | 1, low: UInt64(i))
            let data = YKCRealtimeData(trade: trade, pileCode: pile.code, gun: 1, status: 3, plugged: 1,
                                       decivolts: UInt16(3000 + i), deciamps: 1012, gunTemperatureRaw: 84, soc: 50,
                                       batteryTemperatureRaw: 85, chargingMinutes: 16, energyRaw: UInt32(10_000 * i), amountRaw: 93280)
            pile.encoder.realtimeData(sequence: pile.nextSequence(), data)
            pile.sendFrame()
            pile.encoder.bmsDemand(sequence: pile.nextSequence(), trade: trade, pileCode: pile.code, gun: 1, voltageDemand: 400,
                                   currentDemand: 120, bmsVoltage: 380, bmsCurrent: 101.2, soc: 50, remainingMinutes: 30,
                                   chargingMinutes: 16)
            pile.sendFrame()
            pile.encoder.bmsStatus(sequence: pile.nextSequence(), trade: trade, pileCode: pile.code, gun: 1,
                                   maxTemperature: 35, minTemperature: 28)
            pile.sendFrame()
            let end = YKCCivilTime(year: 2026, month: 11, day: 21, hour: 18, minute: 0, second: i % 60)
            pile.encoder.transactionRecord(sequence: pile.nextSequence(), trade: trade, pileCode: pile.code, gun: 1,
                                           start: YKCCivilTime(year: 2026, month: 11, day: 21, hour: 17, minute: 0, second: 0),
                                           end: end, energyRaw: 88_000, amountRaw: 93_280, meterStartRaw: 1_000_000,
                                           vin: "LSVAU2180N2183294", stopReason: 0x41)
            pile.sendFrame()
            if let ack = pile.readFrame(), ack[5] == 0x40, Array(ack[6..<22]) == Array(pile.encoder.frame[6..<22]) { acks += 1 }
        }
        #expect(acks == piles, "every transaction record is acknowledged with its trade number")
        for pile in connections { pile.close() }
        await fe.shutdown()

        let telemetry = try store.read(database: "ykc", measurement: "telemetry")
        var voltages: [String: Double] = [:]
        var offline = 0
        for s in telemetry {
            guard let v = s.columns.first(where: { $0.name == "voltage" }) else { continue }
            for i in 0..<v.count { voltages[s.key] = v.value(at: i).doubleValue }
            if let status = s.columns.first(where: { $0.name == "status" }), status.count > 0,
               status.value(at: status.count - 1) == .integer(0) { offline += 1 }
        }
        #expect(voltages.count == piles)
        for (i, code) in codes.enumerated() {
            let key = "telemetry,gun=1,model=DC120,operator=OP,pile=\(YKCBytes.packedText(code, digits: 14)),rated_kw=120,station=S\(i / 10)"
            #expect(voltages[key] == Double(3000 + i) / 10, "\(key)")
        }
        #expect(offline == piles, "each gun is recorded offline (status 0) after its pile disconnects")
        let bms = try store.read(database: "ykc", measurement: "bms")
        #expect(bms.count == piles)
        #expect(bms.allSatisfy { s in s.columns.contains { $0.name == "charger_current" && $0.value(at: 0) == .float(101.2) } })
        #expect(bms.allSatisfy { s in s.columns.contains { $0.name == "battery_temperature_max" && $0.value(at: 0) == .float(35) } })
        let transactions = try store.read(database: "ykc", measurement: "transaction")
        #expect(transactions.count == piles)
        let first = try #require(transactions.first)
        #expect(first.columns.first { $0.name == "energy" }?.value(at: 0) == .float(8.8))
        #expect(first.columns.first { $0.name == "vin" }?.value(at: 0) == .string("LSVAU2180N2183294"))
        let connection = try store.read(database: "ykc", measurement: "connection")
        #expect(connection.count == piles)
        try store.close()
    }
}

enum YKCRegistryCodes {
    /// Pile code 320106000NNNNN for index N (decimal digits, as BCD).
    static func code(_ i: Int) -> UInt64 {
        UInt64(0x32010600000000) + UInt64(String(i), radix: 16)!
    }
}

import ChargelineCore
@testable import ChargelineReports
import ChargelineStorage
import Foundation
import Testing
import ChargelineTestSupport

/// Reports from the hourly rollups equal reports from raw data, on randomized telemetry with
/// fixed seeds: gaps longer than the max gap and than an hour, meter resets, faults, sessions
/// across midnight, power missing (voltage x current), guns silent for the whole day, late rows.
@Suite struct RollupDailyReaderTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    static let second: Int64 = 1_000_000_000
    static let hour: Int64 = 3600 * second
    /// 2026-11-19 00:00 in Shanghai: a day of history before the three report days.
    static let t0 = TimeParser.rfc3339("2026-11-18T16:00:00Z")!


    /// `guns` guns over [from, to): status sticks for a while then changes, energy climbs while
    /// charging and sometimes resets, power is sometimes missing, gaps of up to 3 hours.
    static func batch(seed: UInt64, guns: Int, from: Int64, to: Int64, firstGun: Int = 0) -> WriteBatch {
        var rng = SplitMix64(seed: seed)
        var b = WriteBatchBuilder()
        for g in firstGun..<(firstGun + guns) {
            let tags = ["station": "S\(g % 3)", "pile": "P\(g / 2)", "gun": "\(g % 2 + 1)"]
            var t = from + Int64.random(in: 0..<(600 * second), using: &rng)
            var status: Int64 = 2, energy = Double(Int.random(in: 0..<500, using: &rng))
            // Gun 5 of each batch goes silent after the first day (only lookback samples).
            let end = g % 7 == 5 ? min(to, from + 20 * hour) : to
            while t < end {
                if Int.random(in: 0..<40, using: &rng) == 0 { status = Int64.random(in: 0...3, using: &rng) }
                if status == 3 { energy += Double(Int.random(in: 0..<30, using: &rng)) / 10 }
                if Int.random(in: 0..<500, using: &rng) == 0 { energy = Double(Int.random(in: 0..<5, using: &rng)) }
                var f: [(String, FieldValue)] = [("status", .integer(status))]
                if Int.random(in: 0..<10, using: &rng) != 0 { f.append(("energy", .float(energy))) }
                let v = Double(Int.random(in: 3000...4200, using: &rng)) / 10, c = Double(Int.random(in: 0...2500, using: &rng)) / 10
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: f += [("voltage", .float(v)), ("current", .float(c))]                    // no power: v x c
                case 1: f += [("voltage", .float(v)), ("current", .float(c)), ("power", .float(v * c / 1000 - 1))]
                case 2: f.append(("temperature", .float(Double(Int.random(in: 200...900, using: &rng)) / 10)))
                default: break
                }
                b.addPoint(measurement: "telemetry", tags: tags, timestamp: t, fields: f)
                let r = Int.random(in: 0..<1000, using: &rng)
                t += r < 3 ? Int64.random(in: 3600...10_800, using: &rng) * second      // hours offline
                    : r < 30 ? Int64.random(in: 200...1_500, using: &rng) * second     // past the max gap
                    : Int64.random(in: 5_000...70_000, using: &rng) * 1_000_000
            }
        }
        return b.finish()
    }

    /// A store at `path` whose rollups run only when asked, and cover every hour that ended.
    static func store(_ path: String) throws -> Store {
        var so = StorageOptions()
        so.backgroundMaintenance = false
        so.rollup.grace = 0
        UsageRollupExtension.register(in: &so.rollup)
        return try Store(directory: path, options: so)
    }

    func assertSame(_ a: DailyReport, _ b: DailyReport, _ what: String) {
        #expect(a.guns.map(\.count) == b.guns.map(\.count), "\(what): gun counts")
        for (da, db) in zip(a.guns, b.guns) {
            for (x, y) in zip(da, db) {
                let u = x.usage, v = y.usage
                let name = "\(what) \(u.date) \(u.station)/\(u.pile)/\(u.gun)"
                #expect((u.date, u.station, u.pile, u.gun) == (v.date, v.station, v.pile, v.gun), "\(name): order")
                #expect(abs(u.energyKWh - v.energyKWh) <= 1e-9 * max(1, abs(v.energyKWh)), "\(name): energy \(u.energyKWh) vs \(v.energyKWh)")
                #expect(u.chargingHours == v.chargingHours, "\(name): charging \(u.chargingHours) vs \(v.chargingHours)")
                #expect(u.sessions == v.sessions, "\(name): sessions \(u.sessions) vs \(v.sessions)")
                #expect(u.peakPowerKW == v.peakPowerKW, "\(name): peak \(String(describing: u.peakPowerKW)) vs \(String(describing: v.peakPowerKW))")
                #expect(u.maxTemperature == v.maxTemperature, "\(name): temperature")
                #expect(u.faultMinutes == v.faultMinutes, "\(name): fault \(u.faultMinutes) vs \(v.faultMinutes)")
                #expect(u.onlineRatio == v.onlineRatio, "\(name): online \(u.onlineRatio) vs \(v.onlineRatio)")
                #expect(x.hourlyChargingSeconds == y.hourlyChargingSeconds, "\(name): hourly charging")
                #expect(zip(x.hourlyEnergyKWh, y.hourlyEnergyKWh).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($1)) }, "\(name): hourly energy")
                #expect(x.faults.count == y.faults.count || x.faults.isEmpty, "\(name): fault spans")
            }
        }
    }

    func options(rollups: Bool, faultSpans: Bool) -> DailyReportOptions {
        var o = DailyReportOptions()
        o.timeZone = Self.zone
        o.useRollups = rollups
        o.faultSpans = faultSpans
        return o
    }

    @Test func rollupsEqualRawOnRandomData() throws {
        for seed: UInt64 in [11, 12, 13] {
            let path = ReportFixture.temporaryPath()
            defer { try? FileManager.default.removeItem(atPath: path) }
            let store = try Self.store(path)
            defer { try? store.close() }
            let end = Self.t0 + 4 * 24 * Self.hour
            _ = store.writeAndWait(database: "chargeline", batch: Self.batch(seed: seed, guns: 14, from: Self.t0, to: end))
            if seed == 12 { try store.flush() }
            _ = try store.runRollups(now: end + 2 * Self.hour)
            let days = try ReportDay.days(from: "2026-11-20", to: "2026-11-22", timeZone: Self.zone)

            let raw = try DailyReport.compute(store: store, days: days, options: options(rollups: false, faultSpans: true))
            let fast = try DailyReport.compute(store: store, days: days, options: options(rollups: true, faultSpans: false))
            #expect(raw.guns[0].count == 14)
            #expect(fast.gunsFromRaw == 0, "every gun from rollups")
            assertSame(fast, raw, "seed \(seed)")
            // HTML wants fault spans: guns with faults come from raw, with their spans.
            let html = try DailyReport.compute(store: store, days: days, options: options(rollups: true, faultSpans: true))
            let faulty = Set(raw.guns.flatMap { $0 }.filter { $0.usage.faultMinutes > 0 }.map { "\($0.usage.pile)/\($0.usage.gun)" })
            #expect(html.gunsFromRaw == faulty.count && !faulty.isEmpty)
            assertSame(html, raw, "seed \(seed) with spans")
            #expect(html.guns.flatMap { $0.flatMap(\.faults) } == raw.guns.flatMap { $0.flatMap(\.faults) })

            // A single day, and a single station.
            var one = options(rollups: true, faultSpans: false)
            one.station = "S1"
            let day = [days[1]]
            var rawOne = one
            rawOne.useRollups = false
            assertSame(try DailyReport.compute(store: store, days: day, options: one),
                       try DailyReport.compute(store: store, days: day, options: rawOne), "seed \(seed) one day S1")

            // Late rows for the second day: those guns fall back to raw until the next run.
            _ = store.writeAndWait(database: "chargeline",
                                   batch: Self.batch(seed: seed + 100, guns: 2, from: days[1].start + 5 * Self.hour,
                                                     to: days[1].start + 6 * Self.hour, firstGun: 3))
            let rawLate = try DailyReport.compute(store: store, days: days, options: options(rollups: false, faultSpans: false))
            let mixed = try DailyReport.compute(store: store, days: days, options: options(rollups: true, faultSpans: false))
            #expect(mixed.gunsFromRaw == 2)
            assertSame(mixed, rawLate, "seed \(seed) after late rows")
            _ = try store.runRollups(now: end + 3 * Self.hour)
            let settled = try DailyReport.compute(store: store, days: days, options: options(rollups: true, faultSpans: false))
            #expect(settled.gunsFromRaw == 0)
            assertSame(settled, rawLate, "seed \(seed) after the recomputation")
        }
    }

    /// The previous samples of a gun silent for days before the report day, and guns that
    /// reported only days before it, come from the rollup rows days back (the lookback reads
    /// back a day at a time, and finds silent guns in the indexes), as from raw data: in the
    /// rollup's head, after a flush and after compaction.
    @Test func lookbackReachesBackSeveralDays() throws {
        let path = ReportFixture.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try Self.store(path)
        defer { try? store.close() }
        let day = try ReportDay.days(from: "2026-11-20", timeZone: Self.zone)[0]
        let minute = 60 * Self.second, dayLength = 24 * Self.hour
        var b = WriteBatchBuilder()
        func point(_ pile: String, _ t: Int64, _ fields: [(String, FieldValue)]) {
            b.addPoint(measurement: "telemetry", tags: ["station": "S", "pile": pile, "gun": "1"], timestamp: t, fields: fields)
        }
        // A: charging for a day 4.5 days before (energy 100 -> 159), silent until 05:00 of the
        // day, then charging again from 170 (the pair 159 -> 170 counts: 11 + 0.5 x 60 = 41 kWh).
        for i in 0..<60 { point("A", day.start - 4 * dayLength - 12 * Self.hour + Int64(i) * minute, [("status", .integer(3)), ("energy", .float(100 + Double(i)))]) }
        for i in 0..<61 { point("A", day.start + 5 * Self.hour + Int64(i) * minute, [("status", .integer(3)), ("energy", .float(170 + Double(i) / 2))]) }
        // B: reported 5 days before only: a zero row. C: 8 days before only: not in the report.
        for i in 0..<30 { point("B", day.start - 5 * dayLength + Int64(i) * minute, [("status", .integer(2)), ("energy", .float(7))]) }
        for i in 0..<30 { point("C", day.start - 8 * dayLength + Int64(i) * minute, [("status", .integer(2)), ("energy", .float(9))]) }
        // D: status last 2 days before (charging); energy through the hour before the day. Its
        // status at 01:00 continues that charge: no new session.
        for i in 0..<10 { point("D", day.start - 2 * dayLength + Int64(i) * minute, [("status", .integer(3))]) }
        for i in 0..<180 { point("D", day.start - Self.hour + Int64(i) * minute, [("energy", .float(50 + Double(i)))]) }
        for i in 0..<30 { point("D", day.start + Self.hour + Int64(i) * minute, [("status", .integer(3))]) }
        _ = store.writeAndWait(database: "chargeline", batch: b.finish())
        _ = try store.runRollups(now: day.end + 3 * dayLength)

        let days = [day]
        for stage in ["heads", "flushed", "compacted"] {
            if stage == "flushed" { try store.flush() }
            if stage == "compacted" { _ = try store.compact() }
            let raw = try DailyReport.compute(store: store, days: days, options: options(rollups: false, faultSpans: false))
            let fast = try DailyReport.compute(store: store, days: days, options: options(rollups: true, faultSpans: false))
            #expect(fast.gunsFromRaw == 0, "\(stage): every gun from rollups")
            assertSame(fast, raw, stage)
            let rows = Dictionary(uniqueKeysWithValues: fast.guns[0].map { ($0.usage.pile, $0.usage) })
            #expect(rows.keys.sorted() == ["A", "B", "D"], "\(stage): \(rows.keys.sorted())")
            #expect(abs((rows["A"]?.energyKWh ?? 0) - 41) < 1e-9, "\(stage): A \(rows["A"]?.energyKWh ?? -1)")
            #expect(rows["A"]?.sessions == 0, "\(stage): A continues its charge")
            #expect(rows["B"]?.energyKWh == 0 && rows["B"]?.onlineRatio == 0, "\(stage): B is a zero row")
            #expect(rows["D"]?.sessions == 0 && rows["D"]?.energyKWh == 120, "\(stage): D \(String(describing: rows["D"]))")
            // Three days: past `keptGridBuckets`, the waiting guns' rows are read again.
            let three = try ReportDay.days(from: "2026-11-20", to: "2026-11-22", timeZone: Self.zone)
            #expect(three.count * 24 + 1 > RollupDailyReader.keptGridBuckets)
            let fastThree = try DailyReport.compute(store: store, days: three, options: options(rollups: true, faultSpans: false))
            #expect(fastThree.gunsFromRaw == 0)
            assertSame(fastThree, try DailyReport.compute(store: store, days: three, options: options(rollups: false, faultSpans: false)), "\(stage), three days")
            #expect(fastThree.guns[0].first { $0.usage.pile == "A" }.map { abs($0.usage.energyKWh - 41) < 1e-9 } == true)
        }
    }

    @Test func halfHourZonesAndOtherGapsReadRaw() throws {
        let path = ReportFixture.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try Self.store(path)
        defer { try? store.close() }
        _ = store.writeAndWait(database: "chargeline", batch: Self.batch(seed: 5, guns: 4, from: Self.t0, to: Self.t0 + 48 * Self.hour))
        _ = try store.runRollups(now: Self.t0 + 50 * Self.hour)
        var o = options(rollups: true, faultSpans: false)
        o.timeZone = TimeZone(identifier: "Asia/Kolkata")!
        let kolkata = try ReportDay.days(from: "2026-11-19", timeZone: o.timeZone)
        #expect(RollupDailyReader(store: store, days: kolkata, options: o) == nil)
        o.timeZone = Self.zone
        o.maxGap = 120 * Self.second
        let days = try ReportDay.days(from: "2026-11-19", timeZone: Self.zone)
        #expect(RollupDailyReader(store: store, days: days, options: o) == nil)
        #expect(try DailyReport.compute(store: store, days: days, options: o).gunsFromRaw == 4)
    }
}

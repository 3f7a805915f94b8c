/// A charging session's physics, one step per realtime report: constant current until the
/// pack reaches ~80 % SOC, then constant voltage with the current decaying; pack voltage by
/// pack class; gun temperature following current with a first-order lag; energy and amount
/// counting up. Faults bend it: an overheating gun climbs past 90 °C and reports fault,
/// a voltage sag drops the output by a third for a few reports.
struct ChargingSession {
    /// 400 V class (most cars) or 800 V class.
    var nominalVoltage: Double
    /// Current the charger delivers in the CC phase, A.
    var maxCurrent: Double
    /// Pack capacity, kWh.
    var capacity: Double
    var soc: Double
    var energy: Double = 0
    var minutes: Double = 0
    var gunTemperature: Double
    var batteryTemperature: Double
    var overheating: Bool
    var sagRemaining = 0
    var meterStart: UInt64
    let trade: (UInt64, UInt64)
    let startNanos: Int64

    /// Session length cap, minutes (the car leaves).
    let maxMinutes: Double

    init(random: inout Xoshiro, pileCode: UInt64, gun: Int, counter: Int, startNanos: Int64, overheating: Bool, meter: UInt64,
         maxMinutes: Double) {
        self.maxMinutes = maxMinutes
        let highVoltage = random.nextDouble() < 0.2
        nominalVoltage = highVoltage ? 750 : 380
        maxCurrent = highVoltage ? 200 : [60, 100, 125, 150][Int(random.next() % 4)]
        capacity = [45, 60, 75, 90][Int(random.next() % 4)]
        soc = 10 + random.nextDouble() * 40
        gunTemperature = 25 + random.nextDouble() * 5
        batteryTemperature = 22 + random.nextDouble() * 6
        self.overheating = overheating
        self.meterStart = meter
        self.startNanos = startNanos
        // pile (7 bytes) + gun (1) | YYMMDDhhmmss (6) + counter (2): packed BCD-ish digits.
        trade = (pileCode << 8 | UInt64(gun), UInt64(startNanos / 1_000_000_000 % 1_000_000_000_000) << 16 | UInt64(counter & 0xFFFF))
    }

    var finished: Bool { soc >= 98 || minutes >= maxMinutes }

    /// Advances `seconds` and returns (volts, amps).
    mutating func step(seconds: Double, random: inout Xoshiro) -> (Double, Double) {
        let current: Double
        if soc < 80 {
            current = maxCurrent * (0.97 + 0.03 * random.nextDouble())
        } else {
            current = max(8, maxCurrent * (1 - (soc - 80) / 20) * 0.9)
        }
        var voltage = nominalVoltage * (0.9 + 0.15 * soc / 100) + random.nextDouble() * 2
        if sagRemaining > 0 {
            voltage *= 0.66
            sagRemaining -= 1
        }
        let kw = voltage * current / 1000
        energy += kw * seconds / 3600
        soc = min(100, soc + kw * seconds / 3600 / capacity * 100)
        minutes += seconds / 60
        let target = overheating ? 95 : 25 + current * current / 600
        gunTemperature += (target - gunTemperature) * 0.15
        batteryTemperature += (25 + current / 12 - batteryTemperature) * 0.05
        return (voltage, current)
    }
}

/// xoshiro256** seeded per pile, so runs repeat.
struct Xoshiro {
    var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var x = seed
        func split() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (split(), split(), split(), split())
    }

    mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

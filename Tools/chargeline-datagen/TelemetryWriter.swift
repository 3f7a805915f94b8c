import ChargelineGunModel
import Foundation

/// What `TelemetryWriter.run` produced.
struct GenerationSummary {
    var rows: Int64 = 0
    var badLines: Int64 = 0
    var bytes: Int64 = 0
    /// Field values in good rows: 7 in a charging row, 6 idle (no `soc`), 3 in a fault or
    /// offline (no `soc`, `voltage`, `current`, `power`).
    var values: Int64 = 0
}

/// Turns gun simulations into line protocol, sample by sample: every gun's sample k is
/// written before any gun's sample k+1, as rows arrive from a real fleet.
///
/// Line shape (tags in hierarchy order station, pile, gun), charging, idle, fault:
///
///     telemetry,station=S0001,pile=P000001,gun=1 voltage=401.2,current=125.3,temperature=35.2,soc=57i,energy=12345.678,power=50.27,status=3i 1795132800123000000
///     telemetry,station=S0001,pile=P000001,gun=1 voltage=400.1,current=0.0,temperature=21.3,energy=12345.678,power=0.00,status=2i 1795132800123000000
///     telemetry,station=S0001,pile=P000001,gun=1 temperature=21.3,energy=12345.678,status=1i 1795132800123000000
///
/// A field the gun did not measure in its state is left out, not written as 0 (docs/schema.md).
struct TelemetryWriter {
    /// Longest possible line: prefix + field text (<= 7 x ~30) + timestamp; generous bound
    /// used for `reserve`.
    private static let maxFieldBytes = 512

    struct Config {
        var guns: Int
        /// Index of the first gun (0-based), so separate runs can produce disjoint guns.
        var firstGun = 0
        var seed: UInt64
        var startNanos: Int64
        var intervalNanos: Int64
        var samples: Int64
        /// Jitter is uniform in [-jitterSteps, jitterSteps] whole units of `jitterUnitNanos`
        /// (1 ms by default, so the historical output is unchanged; 1 s for piles that stamp in
        /// whole seconds).
        var jitterSteps: Int64
        var jitterUnitNanos: Int64 = 1_000_000
        var precision: TimestampPrecision
        /// Every N-th output line is malformed; 0 = none.
        var badEvery: Int64
    }

    private let config: Config
    /// All series prefixes (`telemetry,station=...,gun=1 `) back to back; gun i's prefix is
    /// `prefixBytes[prefixStart[i] ..< prefixStart[i + 1]]`.
    private let prefixBytes: [UInt8]
    private let prefixStart: [Int]

    init(config: Config) {
        self.config = config
        var bytes: [UInt8] = []
        var starts: [Int] = []
        bytes.reserveCapacity(config.guns * 48)
        for gun in config.firstGun..<(config.firstGun + config.guns) {
            starts.append(bytes.count)
            // 2 guns per pile, 10 piles per station; numbering from 1.
            let pile = gun / 2 + 1
            let station = gun / 20 + 1
            let line = "telemetry,station=S\(TelemetryWriter.pad(station, 4)),pile=P\(TelemetryWriter.pad(pile, 6)),gun=\(gun % 2 + 1) "
            bytes += Array(line.utf8)
        }
        starts.append(bytes.count)
        prefixBytes = bytes
        prefixStart = starts
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// Writes all rows into `out` (and flushes it). Allocation-free per row.
    func run(into out: OutputBuffer) throws -> GenerationSummary {
        var summary = GenerationSummary()
        var guns = (config.firstGun..<(config.firstGun + config.guns)).map { GunSimulator(seed: config.seed, index: $0) }
        let dt = Double(config.intervalNanos) / 1e9
        let rates = TransitionRates(intervalSeconds: dt)
        let divisor = config.precision.divisor
        var lineNumber: Int64 = 0

        try prefixBytes.withUnsafeBufferPointer { prefixes in
            try guns.withUnsafeMutableBufferPointer { guns in
                for k in 0..<config.samples {
                    let nominal = config.startNanos + k * config.intervalNanos
                    // Ambient swings ±4 °C over the day, warmest at 15:00 UTC.
                    let secondOfDay = Double(nominal / 1_000_000_000 % 86_400)
                    let ambientOffset = 4 * sin(2 * Double.pi * (secondOfDay - 9 * 3600) / 86_400)
                    for g in 0..<guns.count {
                        let reading = guns[g].step(dt: dt, rates: rates, ambientOffset: ambientOffset)
                        let jitter = guns[g].jitterSteps(config.jitterSteps) * config.jitterUnitNanos
                        let stamp = max(0, nominal + jitter) / divisor
                        let prefix = UnsafeBufferPointer(rebasing: prefixes[prefixStart[g]..<prefixStart[g + 1]])
                        try out.reserve(2 * (prefix.count + TelemetryWriter.maxFieldBytes))

                        if config.badEvery > 0, (lineNumber + 1) % config.badEvery == 0 {
                            writeBadLine(kind: summary.badLines, prefix: prefix, stamp: stamp, into: out)
                            summary.badLines += 1
                            lineNumber += 1
                        }

                        // Only what the gun measured in its state (docs/schema.md): output
                        // readings while charging and idle (the charger's standby voltage), not
                        // in a fault or offline; SOC only from a vehicle that is charging.
                        let output = reading.status == .charging || reading.status == .idle
                        let soc = reading.status == .charging
                        out.append(prefix)
                        if output {
                            out.append("voltage=")
                            out.append(fixed: reading.decivolts, decimals: 1)
                            out.append(",current=")
                            out.append(fixed: reading.deciamps, decimals: 1)
                            out.append(",")
                        }
                        out.append("temperature=")
                        out.append(fixed: reading.decidegrees, decimals: 1)
                        if soc {
                            out.append(",soc=")
                            out.append(decimal: reading.soc)
                            out.append("i")
                        }
                        out.append(",energy=")
                        out.append(fixed: reading.wattHours, decimals: 3)
                        if output {
                            out.append(",power=")
                            out.append(fixed: reading.centikilowatts, decimals: 2)
                        }
                        out.append(",status=")
                        out.append(decimal: UInt64(reading.status.rawValue))
                        out.append("i ")
                        out.append(decimal: stamp)
                        out.append(UInt8(ascii: "\n"))
                        summary.values += 3 + (output ? 3 : 0) + (soc ? 1 : 0)
                        lineNumber += 1
                        summary.rows += 1
                    }
                }
            }
        }
        try out.flush()
        summary.bytes = out.bytesWritten
        return summary
    }

    /// One malformed line for the series `prefix`, cycling through four kinds of mistake a
    /// server must reject while still storing the good lines around it.
    private func writeBadLine(kind: Int64, prefix: UnsafeBufferPointer<UInt8>, stamp: Int64, into out: OutputBuffer) {
        switch kind % 4 {
        case 0:  // bad number: letter O for zero
            out.append(prefix)
            out.append("voltage=4O1.2,current=0.0,status=2i ")
            out.append(decimal: stamp)
        case 1:  // missing fields: series key then timestamp, no field set
            out.append(UnsafeBufferPointer(rebasing: prefix.dropLast()))
            out.append(UInt8(ascii: " "))
            out.append(decimal: stamp)
        case 2:  // unterminated string field
            out.append(prefix)
            out.append("note=\"pile rebooted,status=2i ")
            out.append(decimal: stamp)
        default:  // bad timestamp: RFC 3339 text instead of an integer
            out.append(prefix)
            out.append("voltage=400.0,status=2i 2026-11-20T00:00:00Z")
        }
        out.append(UInt8(ascii: "\n"))
    }
}

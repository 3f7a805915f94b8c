import ArgumentParser
import Foundation

/// `chargeline-datagen`: generates realistic, deterministic EV charging telemetry as InfluxDB
/// line protocol for benchmarks, demos and tests.
struct Datagen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chargeline-datagen",
        abstract: "Generate EV charging gun telemetry as InfluxDB line protocol.",
        discussion: """
            Guns are grouped 2 per pile and 10 piles per station (tags station=S0001, \
            pile=P000001, gun=1|2), measurement `telemetry`, up to 7 fields per row: voltage, \
            current, temperature, soc (integer), energy (cumulative kWh meter), power, status \
            (integer: 0 offline, 1 fault, 2 idle, 3 charging). Only what the gun measured in \
            its state is written (docs/schema.md): soc only while charging, no voltage, current \
            or power in a fault or offline. Rows come in time order: every \
            gun's sample k before any gun's sample k+1. Output is a pure function of the options.

            Examples:
              chargeline-datagen --guns 20 --duration 10m | head
              chargeline-datagen --duration 24h --out day.lp.gz
              chargeline-datagen --guns 100 --bad-every 1000 --precision ms --out bad.lp
              chargeline-datagen --jitter 1s --jitter-unit 1s --out whole-seconds.lp
            """)

    @Option(help: "Number of charging guns (2 per pile, 10 piles per station).")
    var guns: Int = 2000

    @Option(help: "Index of the first gun (0-based); e.g. --guns 1980 and then --first-gun 1980 --guns 20 split one fleet.")
    var firstGun: Int = 0

    @Option(help: "Random seed; the same options and seed give byte-identical output.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp(
        "First nominal sample time: RFC 3339 or Unix epoch seconds.",
        discussion: "Default: the span ends now (start = now - duration, on a whole interval), so `now() - 1h` queries find the data. Pass --start for byte-identical output across runs."))
    var start: InstantArgument?

    @Option(help: "Time span to cover, e.g. 24h, 1h, 30m, 1h30m.")
    var duration = DurationArgument(nanoseconds: 3600_000_000_000)

    @Option(help: "Sampling interval per gun, e.g. 10s, 1s, 500ms.")
    var interval = DurationArgument(nanoseconds: 10_000_000_000)

    @Option(help: "Maximum timestamp jitter around each nominal sample time (uniform, in whole --jitter-unit steps).")
    var jitter = DurationArgument(nanoseconds: 1_000_000_000)

    @Option(help: ArgumentHelp(
        "Grain of the jitter: 1ms (default) draws whole milliseconds; 1s draws whole seconds, as piles that stamp in seconds do.",
        discussion: "The jitter is a uniform whole number of units in [-jitter, +jitter]; --jitter must be a multiple of it."))
    var jitterUnit = DurationArgument(nanoseconds: 1_000_000)

    @Option(help: "Unit of the printed timestamps (match the server's precision= parameter).")
    var precision: TimestampPrecision = .ns

    @Option(help: "Make every N-th output line malformed (cycling bad number, missing fields, unterminated string, bad timestamp); 0 = none.")
    var badEvery: Int64 = 0

    @Option(help: "Output file; '-' for standard output. A .gz suffix compresses through gzip.")
    var out: String = "-"

    @Option(help: "gzip level for .gz output (1 = fastest, 9 = smallest).")
    var gzipLevel: Int = 1

    @Flag(help: "Do not print the summary on standard error.")
    var quiet = false

    func validate() throws {
        guard guns >= 1 else { throw ValidationError("--guns must be at least 1") }
        guard interval.nanoseconds > 0 else { throw ValidationError("--interval must be positive") }
        guard jitter.nanoseconds * 2 < interval.nanoseconds else {
            throw ValidationError("--jitter must be less than half of --interval, so sample k of every gun stays before sample k+1")
        }
        guard jitterUnit.nanoseconds > 0, jitter.nanoseconds % jitterUnit.nanoseconds == 0 else {
            throw ValidationError("--jitter (\(jitter)) must be a whole multiple of a positive --jitter-unit (\(jitterUnit)), e.g. --jitter 1s --jitter-unit 1s")
        }
        guard badEvery == 0 || badEvery >= 2 else {
            throw ValidationError("--bad-every must be 0 (none) or at least 2")
        }
        guard (1...9).contains(gzipLevel) else { throw ValidationError("--gzip-level must be 1...9") }
    }

    /// `--start`, or the whole interval `duration` before now.
    var startNanoseconds: Int64 {
        if let start { return start.nanoseconds }
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        let first = now - duration.nanoseconds
        return first - first % interval.nanoseconds
    }

    func run() throws {
        let startNanos = startNanoseconds
        let config = TelemetryWriter.Config(
            guns: guns,
            firstGun: firstGun,
            seed: seed,
            startNanos: startNanos,
            intervalNanos: interval.nanoseconds,
            samples: duration.nanoseconds / interval.nanoseconds,
            jitterSteps: jitter.nanoseconds / jitterUnit.nanoseconds,
            jitterUnitNanos: jitterUnit.nanoseconds,
            precision: precision,
            badEvery: badEvery)
        let sink = try OutputSink(path: out, gzipLevel: gzipLevel)
        let buffer = OutputBuffer(sink: sink)
        let clock = ContinuousClock()
        let began = clock.now
        let summary = try TelemetryWriter(config: config).run(into: buffer)
        try sink.close()
        let elapsed = clock.now - began
        guard !quiet else { return }

        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var message = "chargeline-datagen: \(summary.rows) rows (\(config.guns) guns x \(config.samples) samples"
        message += " from \(InstantArgument(nanoseconds: startNanos)), every \(interval)), \(summary.values) values"
        if summary.badLines > 0 { message += ", \(summary.badLines) malformed lines" }
        message += ", \(summary.bytes) bytes"
        if let path = sink.path, path.hasSuffix(".gz"),
           let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber {
            message += " (\(size.int64Value) gzipped)"
        }
        message += String(format: " in %.2f s = %.2f M rows/s, %.0f MB/s", seconds,
                          Double(summary.rows) / max(seconds, 1e-9) / 1e6,
                          Double(summary.bytes) / max(seconds, 1e-9) / 1e6)
        if let path = sink.path { message += " -> \(path)" }
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

// Encode/decode throughput of every codec on realistic pile telemetry, 8192-value blocks (the
// storage block size). Run with:
//   CHARGELINE_BENCHMARKS=1 swift package benchmark --target CodecBenchmarks
//
// Metrics are per *value*: the scaling factor is .mega (10^6 scaled iterations per sample) and
// each sample encodes or decodes 10^6 / 8192 = 122 whole blocks, i.e. 999,424 values (0.06%
// under the nominal million, so the reported throughput is that much pessimistic). Buffers are
// set up before `startMeasurement()`, so the malloc counter shows what the codec itself
// allocates per value in steady state (expected: 0 without a second stage; the zstd/lz4 paths
// include the compressor's own per-block state).
import Benchmark
import ChargelineCodec

/// Values per block, as storage writes them.
let blockSize = 8192

// MARK: - Telemetry generator (deterministic)

/// SplitMix64: a fixed-seed generator, so every run benchmarks the same data.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        // Reference SplitMix64 constants (golden-ratio increment, MurmurHash3 finalizer).
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One block of each column of a charging pile's telemetry.
struct TelemetryBlock {
    /// Nanosecond timestamps, 10 s apart with ±1 s whole-second jitter.
    var timestamps: [Int64] = []
    /// Voltage 380.0...750.0 V at 0.1 V resolution, slowly varying.
    var voltage: [Double] = []
    /// Current 0...250 A at 0.01 A resolution, ramping with noise.
    var current: [Double] = []
    /// Connector temperature 20...80 °C at 0.1 °C resolution, drifting slowly.
    var temperature: [Double] = []
    /// Status code (0 idle ... 6 fault) that changes every few hundred samples.
    var status: [Int64] = []
    /// Cumulative energy meter in Wh: monotonically increasing counter.
    var energy: [Int64] = []
    /// Whether the connector is locked.
    var locked: [Bool] = []
    /// Connector state text, few distinct values.
    var state = StringColumn()

    init(seed: UInt64) {
        var rng = SplitMix64(state: seed)
        var t: Int64 = 1_700_000_000_000_000_000
        var volts = 4000
        var amps = 12_000
        var temp = 300
        var code: Int64 = 2
        var wh: Int64 = 1_250_000
        let states = ["idle", "preparing", "charging", "suspended_ev", "finishing", "faulted"]
        for _ in 0..<blockSize {
            timestamps.append(t)
            t += 10_000_000_000 + Int64.random(in: -1...1, using: &rng) * 1_000_000_000
            volts = min(7500, max(3800, volts + Int.random(in: -3...3, using: &rng)))
            voltage.append(Double(volts) / 10)
            amps = min(25_000, max(0, amps + Int.random(in: -40...40, using: &rng)))
            current.append(Double(amps) / 100)
            temp = min(800, max(200, temp + Int.random(in: -1...1, using: &rng)))
            temperature.append(Double(temp) / 10)
            if Int.random(in: 0..<400, using: &rng) == 0 { code = Int64.random(in: 0...6, using: &rng) }
            status.append(code)
            wh += Int64(volts * amps / 1_000_000) + Int64.random(in: 0...2, using: &rng)
            energy.append(wh)
            locked.append(code == 2 || code == 3)
            state.append(states[Int(code) % states.count])
        }
    }
}

let data = TelemetryBlock(seed: 20_240_601)

// MARK: - Helpers

/// Throughput and time per value, and mallocs per value (steady state must be 0).
var configuration: Benchmark.Configuration {
    Benchmark.Configuration(metrics: [.throughput, .wallClock, .mallocCountTotal], scalingFactor: .mega)
}

/// Whole blocks per sample (see the header comment).
func blocksPerSample(_ benchmark: Benchmark) -> Int {
    max(1, benchmark.scaledIterations.count / blockSize)
}

func optionName(_ options: CodecOptions) -> String {
    switch options.secondStage {
    case .none: "none"
    case .lz4: "lz4"
    case .zstd(let level): "zstd\(level)"
    }
}

/// Registers an encode and a decode benchmark for one column.
func register<Value>(
    _ name: String, _ values: [Value], options: [CodecOptions],
    encode: @escaping @Sendable (UnsafeBufferPointer<Value>, CodecOptions, inout [UInt8]) -> Void,
    decode: @escaping @Sendable (UnsafeRawBufferPointer, Int, inout [Value]) throws -> Void
) where Value: Sendable {
    for option in options {
        let label = "\(name) (\(optionName(option)))"
        Benchmark("encode \(label)", configuration: configuration) { benchmark in
            var out: [UInt8] = []
            out.reserveCapacity(16 * blockSize)
            let blocks = blocksPerSample(benchmark)
            benchmark.startMeasurement()
            for _ in 0..<blocks {
                out.removeAll(keepingCapacity: true)
                values.withUnsafeBufferPointer { encode($0, option, &out) }
                blackHole(out.count)
            }
            benchmark.stopMeasurement()
        }

        var block: [UInt8] = []
        values.withUnsafeBufferPointer { encode($0, option, &block) }
        let encoded = block
        Benchmark("decode \(label)", configuration: configuration) { benchmark in
            var out: [Value] = []
            out.reserveCapacity(blockSize)
            let blocks = blocksPerSample(benchmark)
            benchmark.startMeasurement()
            for _ in 0..<blocks {
                out.removeAll(keepingCapacity: true)
                try encoded.withUnsafeBytes { try decode($0, blockSize, &out) }
                blackHole(out.count)
            }
            benchmark.stopMeasurement()
        }
    }
}

// MARK: - Benchmarks

let benchmarks: @Sendable () -> Void = {
    let allOptions: [CodecOptions] = [.uncompressed, .fast, .compact]

    register(
        "timestamps 10s±1s", data.timestamps, options: allOptions,
        encode: { TimestampCodec.encode($0, options: $1, into: &$2) },
        decode: { try TimestampCodec.decode($0, count: $1, into: &$2) })
    for (name, column) in [("voltage", data.voltage), ("current", data.current), ("temperature", data.temperature)] {
        register(
            "float \(name)", column, options: allOptions,
            encode: { FloatCodec.encode($0, options: $1, into: &$2) },
            decode: { try FloatCodec.decode($0, count: $1, into: &$2) })
    }
    for (name, column) in [("status", data.status), ("energy counter", data.energy)] {
        register(
            "integer \(name)", column, options: allOptions,
            encode: { IntegerCodec.encode($0, options: $1, into: &$2) },
            decode: { try IntegerCodec.decode($0, count: $1, into: &$2) })
    }
    register(
        "boolean locked", data.locked, options: [.uncompressed, .fast],
        encode: { BooleanCodec.encode($0, options: $1, into: &$2) },
        decode: { try BooleanCodec.decode($0, count: $1, into: &$2) })

    // Strings: the column is one value, not an array of values, so they get their own pair.
    for option in [CodecOptions.uncompressed, .fast] {
        let label = "string state (\(optionName(option)))"
        Benchmark("encode \(label)", configuration: configuration) { benchmark in
            var out: [UInt8] = []
            out.reserveCapacity(16 * blockSize)
            let blocks = blocksPerSample(benchmark)
            benchmark.startMeasurement()
            for _ in 0..<blocks {
                out.removeAll(keepingCapacity: true)
                StringCodec.encode(data.state, options: option, into: &out)
                blackHole(out.count)
            }
            benchmark.stopMeasurement()
        }
        var encoded: [UInt8] = []
        StringCodec.encode(data.state, options: option, into: &encoded)
        let block = encoded
        Benchmark("decode \(label)", configuration: configuration) { benchmark in
            var out = StringColumn()
            out.reserveCapacity(values: blockSize, bytes: 16 * blockSize)
            let blocks = blocksPerSample(benchmark)
            benchmark.startMeasurement()
            for _ in 0..<blocks {
                out.removeAll(keepingCapacity: true)
                try block.withUnsafeBytes { try StringCodec.decode($0, count: blockSize, into: &out) }
                blackHole(out.count)
            }
            benchmark.stopMeasurement()
        }
    }
}

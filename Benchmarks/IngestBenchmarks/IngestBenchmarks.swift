// Line-protocol parser throughput and allocations.
//
// Run with: CHARGELINE_BENCHMARKS=1 swift package benchmark --target IngestBenchmarks
//
// Each iteration parses one 5,000-line body of charging telemetry (7 fields per line) into a
// builder whose buffer was reserved before the measured region, with a parser that already
// parsed a line (so its scratch buffers exist): the malloc counters then show what parsing
// itself allocates, which must be nothing per line.
import Benchmark
import ChargelineCore
import ChargelineIngest

/// Lines per body: a typical HTTP write from a gateway batching its piles.
let linesPerBody = 5_000
/// Fields per line in `telemetryLine`.
let valuesPerLine = 7

/// One realistic line; `canonicalOrder` writes its tags sorted, as well-behaved clients do
/// (the parser's fast path), otherwise in the order gateways actually send them.
func telemetryLine(_ n: Int, canonicalOrder: Bool) -> String {
    let pile = "P" + String(String(100_000 + n % 500).dropFirst())
    let gun = n % 4 + 1
    let tags = canonicalOrder ? "gun=\(gun),pile=\(pile),station=S001" : "station=S001,pile=\(pile),gun=\(gun)"
    let time = 1_763_700_000_000_000_000 + n * 1_000_000_000
    return "telemetry,\(tags) voltage=402.3,current=125.4,temperature=41.2,soc=57i,energy=1234.567,power=50.45,status=3i \(time)\n"
}

func telemetryBody(canonicalOrder: Bool) -> [UInt8] {
    Array((0..<linesPerBody).map { telemetryLine($0, canonicalOrder: canonicalOrder) }.joined().utf8)
}

let linesPerSecond = BenchmarkMetric.custom("lines/s", polarity: .prefersLarger, useScalingFactor: false)
let valuesPerSecond = BenchmarkMetric.custom("values/s", polarity: .prefersLarger, useScalingFactor: false)

/// Parses `body` once inside the measured region and records lines/s and values/s.
func parseOnce(_ benchmark: Benchmark, _ body: [UInt8]) {
    var parser = LineProtocolParser(defaultTimestamp: 0)
    var warm = WriteBatchBuilder()
    var lines: [Int32] = []
    var errors: [LineProtocolError] = []
    // Warm the parser's scratch (and the arrays' capacities) with the body's first line, so
    // the measured region shows only per-line costs.
    let firstLine = body.prefix(through: body.firstIndex(of: UInt8(ascii: "\n")) ?? body.count - 1)
    Array(firstLine).withUnsafeBytes { parser.parse($0, into: &warm, pointLines: &lines, errors: &errors) }
    lines.removeAll(keepingCapacity: true)
    lines.reserveCapacity(linesPerBody)
    var builder = WriteBatchBuilder(reservingCapacity: body.count * 2)

    let clock = ContinuousClock()
    benchmark.startMeasurement()
    let start = clock.now
    body.withUnsafeBytes { parser.parse($0, into: &builder, pointLines: &lines, errors: &errors) }
    let elapsed = clock.now - start
    benchmark.stopMeasurement()

    precondition(errors.isEmpty && builder.count == linesPerBody, "BUG: benchmark body did not parse cleanly")
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    if seconds > 0 {
        benchmark.measurement(linesPerSecond, Int(Double(linesPerBody) / seconds))
        benchmark.measurement(valuesPerSecond, Int(Double(builder.values) / seconds))
    }
    blackHole(builder.finish())
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .instructions, .mallocCountTotal, .retainCount,
                  linesPerSecond, valuesPerSecond],
        maxDuration: .seconds(5),
        maxIterations: 2_000)

    Benchmark("LineProtocolParser: 5,000 telemetry lines, client tag order", configuration: configuration) {
        benchmark, body in
        parseOnce(benchmark, body)
    } setup: {
        telemetryBody(canonicalOrder: false)
    }

    Benchmark("LineProtocolParser: 5,000 telemetry lines, canonical tag order", configuration: configuration) {
        benchmark, body in
        parseOnce(benchmark, body)
    } setup: {
        telemetryBody(canonicalOrder: true)
    }
}

// Codec size and throughput report: bytes per value by field and overall, and encode/decode
// values/s per encoding, on (a) generated charging telemetry (the chargeline-datagen gun model)
// at 10 s and 1 s cadence and (b) measured battery-cycler data (TRI-AMDD/beep, see
// data/README.md). The `codec-report` product of the package, built in release mode by run.sh,
// so it measures the same code as a release build.
//
// Layout as compaction writes it: per series, near-equal chunks of ≤ 16384
// rows (CODEC_REPORT_BLOCK overrides), one
// timestamp block per chunk shared by the fields with identical timestamps, one value block
// per field; sizes with CodecOptions.compact (what `chargeline compact` writes). Index,
// footer and manifest are not counted here (run Benchmarks/http-ingest/run.sh for the
// end-to-end figure); this report isolates the codecs.
import ChargelineCodec
import ChargelineGunModel
import Foundation

/// Rows per block as `chargeline compact` cuts them (SegmentFormat.maxCompactedBlockValues,
/// near-equal chunks); `CODEC_REPORT_BLOCK=8192` shows what head flushes write.
let blockSize = Int(ProcessInfo.processInfo.environment["CODEC_REPORT_BLOCK"] ?? "") ?? 16_384

@inline(__always) func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// The fastest of three runs: the machine is shared, and a block (≤ 8192 values) is short
/// enough for one preemption to dominate a single timing.
@inline(__always) func bestOf(_ body: () -> Void) -> UInt64 {
    var best = UInt64.max
    for _ in 0..<3 {
        let start = now()
        body()
        best = min(best, now() - start)
    }
    return best
}

enum Kind { case float, integer, string }

struct Column {
    var name: String
    var kind: Kind
    var timestamps: [Int64] = []
    var bits: [UInt64] = []
    var strings = StringColumn()
}

/// Per-row group tallies.
struct Tally {
    var values = 0
    var bytes = 0
    var encodeNs: UInt64 = 0
    var decodeNs: UInt64 = 0
    mutating func add(_ o: Tally) {
        values += o.values; bytes += o.bytes; encodeNs += o.encodeNs; decodeNs += o.decodeNs
    }
}

final class Report {
    var fields: [String: Tally] = [:]
    var order: [String] = []
    var encodings: [String: Tally] = [:]
    var timestamps = Tally()
    var fieldValues = 0
    // Reused buffers: no per-block allocation in the measured loops.
    var block: [UInt8] = []
    var ints: [Int64] = []
    var doubles: [Double] = []
    var strings = StringColumn()

    func record(field: String, encoding: String, _ t: Tally) {
        if fields[field] == nil { order.append(field) }
        fields[field, default: Tally()].add(t)
        encodings[encoding, default: Tally()].add(t)
    }

    /// Encodes one block of `values` (timing the first stage alone and the compact form),
    /// decodes the compact form, checks it bit for bit and tallies it.
    func floats(_ field: String, _ v: UnsafeBufferPointer<Double>) {
        var t = Tally()
        block.removeAll(keepingCapacity: true)
        t.encodeNs = bestOf {
            block.removeAll(keepingCapacity: true)
            FloatCodec.encode(v, options: .uncompressed, into: &block)
        }
        block.removeAll(keepingCapacity: true)
        FloatCodec.encode(v, options: .compact, into: &block)
        t.decodeNs = bestOf {
            doubles.removeAll(keepingCapacity: true)
            try! block.withUnsafeBytes { try FloatCodec.decode($0, count: v.count, into: &doubles) }
        }
        for i in 0..<v.count where doubles[i].bitPattern != v[i].bitPattern { fatalError("\(field): value \(i) differs") }
        t.values = v.count
        t.bytes = block.count
        record(field: field, encoding: describe(block), t)
    }

    func integers(_ field: String, _ v: UnsafeBufferPointer<Int64>, timestamps: Bool = false) {
        var t = Tally()
        block.removeAll(keepingCapacity: true)
        t.encodeNs = bestOf {
            block.removeAll(keepingCapacity: true)
            if timestamps { TimestampCodec.encode(v, options: .uncompressed, into: &block) } else { IntegerCodec.encode(v, options: .uncompressed, into: &block) }
        }
        block.removeAll(keepingCapacity: true)
        if timestamps { TimestampCodec.encode(v, options: .compact, into: &block) } else { IntegerCodec.encode(v, options: .compact, into: &block) }
        t.decodeNs = bestOf {
            ints.removeAll(keepingCapacity: true)
            try! block.withUnsafeBytes { b in
                if timestamps { try TimestampCodec.decode(b, count: v.count, into: &ints) } else { try IntegerCodec.decode(b, count: v.count, into: &ints) }
            }
        }
        for i in 0..<v.count where ints[i] != v[i] { fatalError("\(field): value \(i) differs") }
        t.values = v.count
        t.bytes = block.count
        if timestamps {
            timestamps_.add(t)
            encodings[describe(block), default: Tally()].add(t)
        } else {
            record(field: field, encoding: describe(block), t)
        }
    }
    var timestamps_: Tally {
        get { timestamps }
        set { timestamps = newValue }
    }

    func strings(_ field: String, _ v: StringColumn) {
        var t = Tally()
        block.removeAll(keepingCapacity: true)
        StringCodec.encode(v, options: .compact, into: &block)
        t.values = v.count
        t.bytes = block.count
        record(field: field, encoding: describe(block), t)
    }

    func describe(_ b: [UInt8]) -> String {
        let stage = b[1] == 0 ? "" : b[1] == 1 ? "+lz4" : "+zstd"
        return (BlockEncoding(rawValue: b[0])?.name ?? "?") + stage
    }

    /// One series: columns grouped by identical timestamps, chunked like storage.
    func addSeries(_ columns: [Column]) {
        var groups: [[Int]] = []
        for (i, c) in columns.enumerated() where !c.timestamps.isEmpty {
            if let g = groups.firstIndex(where: { columns[$0[0]].timestamps == c.timestamps }) { groups[g].append(i) } else { groups.append([i]) }
        }
        for group in groups {
            let ts = columns[group[0]].timestamps
            let chunks = (ts.count + blockSize - 1) / blockSize
            for chunk in 0..<chunks {
                let lo = ts.count * chunk / chunks
                let hi = ts.count * (chunk + 1) / chunks
                ts.withUnsafeBufferPointer { integers("timestamps", UnsafeBufferPointer(rebasing: $0[lo..<hi]), timestamps: true) }
                for i in group {
                    let c = columns[i]
                    fieldValues += hi - lo
                    switch c.kind {
                    case .float:
                        c.bits.withUnsafeBufferPointer { b in
                            UnsafeBufferPointer(rebasing: b[lo..<hi]).withMemoryRebound(to: Double.self) { floats(c.name, $0) }
                        }
                    case .integer:
                        c.bits.withUnsafeBufferPointer { b in
                            UnsafeBufferPointer(rebasing: b[lo..<hi]).withMemoryRebound(to: Int64.self) { integers(c.name, $0) }
                        }
                    case .string:
                        var part = StringColumn()
                        for k in lo..<hi { c.strings.withValue(at: k) { part.append($0) } }
                        strings(c.name, part)
                    }
                }
            }
        }
    }

    func print(_ title: String) {
        func mps(_ values: Int, _ ns: UInt64) -> String { ns == 0 ? "-" : String(format: "%.0f", Double(values) / Double(ns) * 1e3) }
        Swift.print("\n## \(title)\n")
        Swift.print("| field | values | bytes | bytes/value | encode M values/s | decode M values/s |")
        Swift.print("|---|---:|---:|---:|---:|---:|")
        var total = 0
        for f in order {
            let t = fields[f]!
            total += t.bytes
            Swift.print(String(format: "| %@ | %d | %d | %.3f | %@ | %@ |", f, t.values, t.bytes, Double(t.bytes) / Double(t.values), mps(t.values, t.encodeNs), mps(t.values, t.decodeNs)))
        }
        let t = timestamps
        total += t.bytes
        Swift.print(String(format: "| (timestamps, shared) | %d | %d | %.3f per row | %@ | %@ |", t.values, t.bytes, Double(t.bytes) / Double(max(t.values, 1)), mps(t.values, t.encodeNs), mps(t.values, t.decodeNs)))
        Swift.print(String(format: "| **all blocks** | %d field values | %d | **%.4f** | | |", fieldValues, total, Double(total) / Double(fieldValues)))
        Swift.print("\n| encoding (+ second stage) | blocks' values | bytes/value | encode M values/s (first stage) | decode M values/s |")
        Swift.print("|---|---:|---:|---:|---:|")
        for (name, t) in encodings.sorted(by: { $0.value.values > $1.value.values }) {
            Swift.print(String(format: "| %@ | %d | %.3f | %@ | %@ |", name, t.values, Double(t.bytes) / Double(t.values), mps(t.values, t.encodeNs), mps(t.values, t.decodeNs)))
        }
    }
}

// MARK: - Generated telemetry (the chargeline-datagen gun model)

/// `jitterSteps` whole units of `jitterUnitNanos` either side of the nominal time, as
/// `chargeline-datagen --jitter --jitter-unit` draws them.
func generated(guns: Int, hours: Int, intervalSeconds: Double, jitterSteps: Int64, jitterUnitNanos: Int64 = 1_000_000) -> Report {
    let report = Report()
    let dt = intervalSeconds
    let rates = TransitionRates(intervalSeconds: dt)
    let samples = Int(Double(hours * 3600) / dt)
    let start: Int64 = 1_795_132_800_000_000_000
    let intervalNanos = Int64(dt * 1e9)
    for g in 0..<guns {
        var gun = GunSimulator(seed: 1, index: g)
        var cols = ["voltage", "current", "temperature", "soc", "energy", "power", "status"].map {
            Column(name: $0, kind: $0 == "soc" || $0 == "status" ? .integer : .float)
        }
        for k in 0..<samples {
            let nominal = start + Int64(k) * intervalNanos
            let secondOfDay = Double(nominal / 1_000_000_000 % 86_400)
            let ambient = 4 * sin(2 * Double.pi * (secondOfDay - 9 * 3600) / 86_400)
            let r = gun.step(dt: dt, rates: rates, ambientOffset: ambient)
            let t = max(0, nominal + gun.jitterSteps(jitterSteps) * jitterUnitNanos)
            let values: [UInt64] = [
                (Double(r.decivolts) / 10).bitPattern, (Double(r.deciamps) / 10).bitPattern,
                (Double(r.decidegrees) / 10).bitPattern, UInt64(bitPattern: r.soc),
                (Double(r.wattHours) / 1000).bitPattern, (Double(r.centikilowatts) / 100).bitPattern,
                UInt64(r.status.rawValue),
            ]
            for i in 0..<7 {
                cols[i].timestamps.append(t)
                cols[i].bits.append(values[i])
            }
        }
        report.addSeries(cols)
    }
    return report
}

// MARK: - Battery-cycler CSV (ts_ns, series_id, fields...; empty = missing)

func cycler(_ path: String) -> Report {
    let report = Report()
    let text = try! String(contentsOfFile: path, encoding: .utf8)
    var lines = text.split(separator: "\n")
    let header = lines.removeFirst().split(separator: ",").map(String.init)
    var bySeries: [Substring: [[Substring]]] = [:]
    var seriesOrder: [Substring] = []
    for line in lines {
        let f = line.split(separator: ",", omittingEmptySubsequences: false)
        if bySeries[f[1]] == nil { seriesOrder.append(f[1]) }
        bySeries[f[1], default: []].append(f)
    }
    for s in seriesOrder {
        var rows = bySeries[s]!
        // Storage keeps one value per timestamp (last write wins).
        var seen = Set<Substring>()
        rows = rows.reversed().filter { seen.insert($0[0]).inserted }.reversed()
        var cols: [Column] = []
        for c in 2..<header.count {
            let present = rows.filter { !$0[c].isEmpty }
            let isInt = present.allSatisfy { Int64($0[c]) != nil }
            let isNum = present.allSatisfy { Double($0[c]) != nil }
            var col = Column(name: header[c], kind: isInt ? .integer : isNum ? .float : .string)
            for r in present {
                col.timestamps.append(Int64(r[0])!)
                switch col.kind {
                case .integer: col.bits.append(UInt64(bitPattern: Int64(r[c])!))
                case .float: col.bits.append(Double(r[c])!.bitPattern)
                case .string: col.strings.append(r[c])
                }
            }
            cols.append(col)
        }
        report.addSeries(cols)
    }
    return report
}

// MARK: - Main

let args = CommandLine.arguments
let guns10 = args.count > 1 ? Int(args[1])! : 200
let guns1 = args.count > 2 ? Int(args[2])! : 50
let csvs = Array(args.dropFirst(3))
print("# Chargeline codec report")
print("\nGenerated: chargeline-datagen gun model, seed 1; measured: TRI-AMDD/beep cycler files. All sizes with CodecOptions.compact; timings single-threaded, one block (≤ \(blockSize) values) at a time, best of 3; encode is the first stage alone (CodecOptions.uncompressed, candidate choice included), decode includes the second stage where the compact block has one.")
generated(guns: guns10, hours: 24, intervalSeconds: 10, jitterSteps: 1000)
    .print("Generated telemetry, 10 s cadence (±1 s jitter in whole ms): \(guns10) guns x 24 h")
generated(guns: guns10, hours: 24, intervalSeconds: 10, jitterSteps: 1, jitterUnitNanos: 1_000_000_000)
    .print("Generated telemetry, 10 s cadence (±1 s jitter in whole seconds): \(guns10) guns x 24 h")
generated(guns: guns1, hours: 2, intervalSeconds: 1, jitterSteps: 100)
    .print("Generated telemetry, 1 s cadence (±100 ms jitter): \(guns1) guns x 2 h")
for path in csvs {
    cycler(path).print("Measured battery-cycler data: \((path as NSString).lastPathComponent)")
}

import ChargelineCore
import ChargelineIngest
import Testing
import ChargelineTestSupport


@Suite("LineProtocolParser: randomized")
struct LineProtocolParserFuzzTests {
    /// Checks what must hold for any input: one result per non-blank line, a batch that
    /// validates, errors that point inside the body, canonical keys.
    func checkInvariants(_ bytes: [UInt8], seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) {
        var parser = LineProtocolParser(precisionMultiplier: 1_000, defaultTimestamp: 7)
        let r = parse(bytes, with: &parser, firstLine: 1)
        #expect(r.pointLines.count == r.batch.pointCount, "seed \(seed)", sourceLocation: sourceLocation)
        #expect((try? WriteBatch(validating: r.batch.bytes))?.pointCount == r.batch.pointCount,
                "seed \(seed)", sourceLocation: sourceLocation)
        let physicalLines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
        var previous = 0
        var results = r.pointLines.map(Int.init) + r.errors.map(\.line)
        results.sort()
        for line in results {
            #expect(line > previous && line <= physicalLines, "seed \(seed): line \(line)", sourceLocation: sourceLocation)
            previous = line
        }
        for e in r.errors {
            #expect(e.column >= 1 && e.byteOffset >= 0 && e.byteOffset <= bytes.count, "seed \(seed): \(e)", sourceLocation: sourceLocation)
            #expect(e.excerpt.unicodeScalars.count <= LineProtocolError.excerptLimit + 1, sourceLocation: sourceLocation)
        }
        r.batch.forEachPoint { point in
            let key = Array(point.seriesKey)
            let parsed = SeriesKey.parse(key)
            var tags: [String: String] = [:]
            for t in parsed.tags { tags[t.key] = t.value }
            #expect(tags.count == parsed.tags.count, "seed \(seed): duplicate tag in \(key)", sourceLocation: sourceLocation)
            #expect(SeriesKey.make(measurement: parsed.measurement, tags: tags) == key,
                    "seed \(seed): key not canonical: \(String(decoding: key, as: UTF8.self))", sourceLocation: sourceLocation)
        }
    }

    static let alphabet = Array(#"ab=, \"\\.-+eiutTfF019#\n\r\t"#.utf8) + [0, 0xC3, 0xA9, 0xFF]

    @Test(arguments: 0..<8 as Range<UInt64>)
    func randomBytes(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<400 {
            let n = Int.random(in: 0..<120, using: &rng)
            let bytes = (0..<n).map { _ in
                Bool.random(using: &rng) ? Self.alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            checkInvariants(bytes, seed: seed)
        }
    }

    static let validLines = [
        "telemetry,station=S001,pile=P00012,gun=1 voltage=402.3,current=125.4,temperature=41.2,soc=57i,energy=1234.567,power=50.45,status=3i 1763700000000000",
        #"m\ x,t\,k=v\=1,a=b s="x\"y\\z",b=t,u=5u,i=-3i,f=-1.5e-3 -12"#,
        "m,b=2,a=1 f=1,f=2",
        "m s=\"multi\nline\",g=F 5",
        "# comment",
        "  m,a=1  f=.5  ",
    ]

    @Test(arguments: 0..<8 as Range<UInt64>)
    func mutatedLines(seed: UInt64) {
        var rng = SplitMix64(seed: seed &+ 1000)
        for _ in 0..<400 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...5, using: &rng) {
                bytes += Array(Self.validLines.randomElement(using: &rng)!.utf8) + [UInt8(ascii: "\n")]
            }
            for _ in 0..<Int.random(in: 0...4, using: &rng) where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[at] = Self.alphabet.randomElement(using: &rng)!
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(Self.alphabet.randomElement(using: &rng)!, at: at)
                default: bytes.removeSubrange(at...)  // truncation
                }
            }
            checkInvariants(bytes, seed: seed)
        }
    }

    /// Random points with hostile names, written in line protocol with InfluxDB escaping,
    /// must read back exactly.
    @Test(arguments: 0..<4 as Range<UInt64>)
    func roundTrip(seed: UInt64) {
        var rng = SplitMix64(seed: seed &+ 2000)
        let pieces = ["a", "b", "z", " ", ",", "=", "\\", "\"", "é", "x1", "time2", "#"]
        func word() -> String { (0..<Int.random(in: 1...4, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined() }
        func escape(_ s: String, _ special: String) -> String {
            var out = ""
            for c in s {
                if special.contains(c) { out.append("\\") }
                out.append(c)
            }
            return out
        }
        for _ in 0..<300 {
            var measurement = word()
            // A trailing backslash would escape the separator after it, and "\=" reads as "="
            // in a measurement ('=' needs no escape there, so it is not escaped on the way out).
            while measurement.hasSuffix("\\") || measurement.hasPrefix("#") || measurement.contains("\\=") {
                measurement = word()
            }
            var tags: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                let k = word(), v = word()
                if k != "time" && !k.hasSuffix("\\") && !v.hasSuffix("\\") { tags[k] = v }
            }
            let fieldName = "f" + String(Int.random(in: 0...9, using: &rng))
            let text = word() + "\n" + word()
            let value = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng))
            let float = value.isFinite ? value : 1.5
            var line = escape(measurement, ", ")
            for (k, v) in tags.shuffled(using: &rng) { line += "," + escape(k, ", =") + "=" + escape(v, ", =") }
            let quoted = escape(text, "\\\"")
            line += " \(fieldName)=\(float),s=\"\(quoted)\",n=\(Int64.random(in: .min ... .max, using: &rng))i 99"
            let r = parse(line)
            guard r.errors.isEmpty, let p = r.points.first else {
                Issue.record("seed \(seed): \(line) -> \(r.errors)")
                continue
            }
            #expect(p.key == String(decoding: SeriesKey.make(measurement: measurement, tags: tags), as: UTF8.self), "\(line)")
            #expect(p[fieldName].map { if case .float(let d) = $0 { d.bitPattern == float.bitPattern } else { false } } == true, "\(line)")
            #expect(p["s"] == FieldValue.string(text), "\(line)")
        }
    }

    /// Every float must equal Swift's own correctly rounded `Double(String)`.
    @Test(arguments: 0..<4 as Range<UInt64>)
    func floatRounding(seed: UInt64) {
        var rng = SplitMix64(seed: seed &+ 3000)
        var body: [UInt8] = []
        var expected: [Double?] = []
        for n in 0..<20_000 {
            var s = Bool.random(using: &rng) ? "-" : ""
            let digits = (0..<Int.random(in: 1...(n % 4 == 0 ? 40 : 17), using: &rng)).map { _ in
                String(Int.random(in: 0...9, using: &rng))
            }
            let point = Int.random(in: 0...digits.count, using: &rng)
            s += digits[..<point].joined() + (point < digits.count || Bool.random(using: &rng) ? "." : "") + digits[point...].joined()
            if Bool.random(using: &rng) {
                s += "e\(Int.random(in: (n % 8 == 0 ? -350 : -30)...(n % 8 == 0 ? 330 : 30), using: &rng))"
            }
            let swift = Double(s)!
            expected.append(swift.isFinite ? swift : nil)
            body += Array("m v=\(s) \(n)\n".utf8)
        }
        var parser = LineProtocolParser(defaultTimestamp: 0)
        let r = parse(body, with: &parser)
        #expect(r.errors.count == expected.filter { $0 == nil }.count)
        #expect(r.errors.allSatisfy { $0.message.contains("float out of range") })
        var k = 0
        for (n, want) in expected.enumerated() {
            guard let want else { continue }
            guard k < r.points.count, r.points[k].timestamp == Int64(n) else {
                Issue.record("seed \(seed): point \(n) missing")
                return
            }
            guard case .float(let got)? = r.points[k]["v"] else { Issue.record("not a float"); return }
            #expect(got.bitPattern == want.bitPattern, "line \(n + 1): got \(got), want \(want)")
            k += 1
        }
    }
}

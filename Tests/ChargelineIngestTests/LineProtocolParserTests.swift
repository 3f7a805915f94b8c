import ChargelineCore
import ChargelineIngest
import Testing

@Suite("LineProtocolParser: accepted input")
struct LineProtocolParserTests {
    @Test func telemetryLine() throws {
        let r = parse("telemetry,station=S001,pile=P00012,gun=1 voltage=402.3,current=125.4,temperature=41.2,soc=57i,energy=1234.567,power=50.45,status=3i 1763700000000000000\n")
        #expect(r.errors.isEmpty)
        #expect(r.pointLines == [1])
        let p = try #require(r.points.first)
        // Tags were not sorted (station > pile), so the key is the canonical, sorted one.
        #expect(p.key == "telemetry,gun=1,pile=P00012,station=S001")
        #expect(p.timestamp == 1_763_700_000_000_000_000)
        #expect(p.fields.map(\.name) == ["voltage", "current", "temperature", "soc", "energy", "power", "status"])
        #expect(p["voltage"] == .float(402.3))
        #expect(p["soc"] == .integer(57))
        #expect(p["energy"] == .float(1234.567))
        #expect(r.batch.pointCount == 1 && r.batch.valueCount == 7)
    }

    @Test func sortedTagsKeptAsIs() {
        let r = parse("m,a=1,b=2,c=3 f=1 5")
        #expect(r.points == [DecodedPoint(key: "m,a=1,b=2,c=3", timestamp: 5, fields: [.init(name: "f", value: .float(1))])])
    }

    @Test func keyMatchesSeriesKeyMake() {
        let r = parse(#"my\ meas\,x,z\ k=v\=1,a\,b=c\ d,\=q=w f=1"#)
        #expect(r.errors.isEmpty)
        let expected = SeriesKey.make(measurement: "my meas,x", tags: ["z k": "v=1", "a,b": "c d", "=q": "w"])
        #expect(r.points.first?.key == String(decoding: expected, as: UTF8.self))
        let parsed = SeriesKey.parse(Array(r.points[0].key.utf8))
        #expect(parsed.measurement == "my meas,x")
        #expect(parsed.tags.map(\.key) == ["=q", "a,b", "z k"])
        #expect(parsed.tags.map(\.value) == ["w", "c d", "v=1"])
    }

    @Test(arguments: [
        (#"m\,x f=1"#, "m,x"),
        (#"m\ x f=1"#, "m x"),
        (#"m\=x f=1"#, "m=x"),
        (#"m=x f=1"#, "m=x"),
        (#"m\x f=1"#, #"m\x"#),
        (#"m\\x f=1"#, #"m\\x"#),
        (#"m"x" f=1"#, #"m"x""#),
    ])
    func measurementEscapes(line: String, measurement: String) {
        let r = parse(line)
        #expect(r.errors.isEmpty, "\(r.errors)")
        #expect(r.points.first.map { SeriesKey.measurement(of: Array($0.key.utf8)) } == measurement)
    }

    @Test(arguments: [3, 40]) func unsortedTagsAreSorted(count: Int) {
        var tags: [String: String] = [:]
        for n in 0..<count { tags["k\(n)"] = "v\(n)" }
        let reversed = tags.keys.sorted(by: >).map { "\($0)=\(tags[$0]!)" }.joined(separator: ",")
        let r = parse("m,\(reversed) f=1")
        #expect(r.errors.isEmpty)
        #expect(r.points.first?.key == String(decoding: SeriesKey.make(measurement: "m", tags: tags), as: UTF8.self))
        let dup = parse("m,\(reversed),k1=x f=1")
        #expect(dup.errors.first?.message.contains("duplicate tag key \"k1\"") == true)
        #expect(dup.errors.first?.column == "m,\(reversed),".utf8.count + 1)
    }

    @Test func backslashBeforeOtherByteIsLiteralAndReescaped() {
        let r = parse(#"m,t=a\b f=1"#)
        #expect(r.points.first?.key == #"m,t=a\\b"#)
    }

    @Test func fieldKeyEscapes() {
        let r = parse(#"m a\ b=1,c\,d=2,e\=f=3,g\h=4"#)
        #expect(r.errors.isEmpty)
        #expect(r.points.first?.fields.map(\.name) == ["a b", "c,d", "e=f", #"g\h"#])
    }

    @Test func stringValues() {
        let r = parse(#"m s="hello, world = \"quoted\" \\ back\slash",t="" 1"#)
        #expect(r.errors.isEmpty, "\(r.errors)")
        #expect(r.points.first?["s"] == .string(#"hello, world = "quoted" \ back\slash"#))
        #expect(r.points.first?["t"] == .string(""))
    }

    @Test func stringWithNewlineSpansLines() {
        let r = parse("m s=\"two\nlines\" 1\nm f=2 2\n")
        #expect(r.errors.isEmpty, "\(r.errors)")
        #expect(r.points.map(\.timestamp) == [1, 2])
        #expect(r.points.first?["s"] == .string("two\nlines"))
        #expect(r.pointLines == [1, 3])
    }

    @Test(arguments: ["t", "T", "true", "True", "TRUE"]) func trueSpellings(_ s: String) {
        #expect(parse("m b=\(s)").points.first?["b"] == .boolean(true))
    }

    @Test(arguments: ["f", "F", "false", "False", "FALSE"]) func falseSpellings(_ s: String) {
        #expect(parse("m b=\(s),x=1").points.first?["b"] == .boolean(false))
    }

    @Test(arguments: [
        ("1", 1.0), ("1.5", 1.5), ("-1.5e3", -1500), (".5", 0.5), ("1.", 1), ("-.5", -0.5),
        ("1E+2", 100), ("1e-2", 0.01), ("0", 0), ("-0", -0.0), ("007", 7), ("1e-400", 0),
        ("123456789012345678901234567890", 123456789012345678901234567890.0),
        ("1.7976931348623157e308", 1.7976931348623157e308), ("4.9e-324", Double.leastNonzeroMagnitude),
        ("0.000000000000000000000000000001", 1e-30), ("9007199254740993", 9007199254740993.0),
    ])
    func floats(text: String, value: Double) {
        let r = parse("m v=\(text)")
        #expect(r.errors.isEmpty, "\(r.errors)")
        guard case .float(let v)? = r.points.first?["v"] else { Issue.record("no float"); return }
        #expect(v.bitPattern == value.bitPattern, "\(text) -> \(v)")
    }

    @Test func integersAndUnsigned() {
        let r = parse("m a=1i,b=-9223372036854775808i,c=9223372036854775807i,d=0u,e=18446744073709551615u,f=-0i")
        #expect(r.errors.isEmpty, "\(r.errors)")
        let p = r.points[0]
        #expect(p["a"] == .integer(1))
        #expect(p["b"] == .integer(.min))
        #expect(p["c"] == .integer(.max))
        #expect(p["d"] == .unsigned(0))
        #expect(p["e"] == .unsigned(.max))
        #expect(p["f"] == .integer(0))
    }

    @Test(arguments: [
        (Int64(1), "ns"), (1_000, "us"), (1_000_000, "ms"), (1_000_000_000, "s"),
        (60_000_000_000, "m"), (3_600_000_000_000, "h"),
    ])
    func precisions(multiplier: Int64, unit: String) {
        #expect(TimePrecision.parse(unit)?.multiplier == multiplier)
        let r = parse("m f=1 7\nm f=1 -3", multiplier: multiplier)
        #expect(r.points.map(\.timestamp) == [7 * multiplier, -3 * multiplier])
    }

    @Test func missingTimestampUsesDefault() {
        var parser = LineProtocolParser(defaultTimestamp: 100)
        var r = parse(Array("m f=1\nm f=2 \n".utf8), with: &parser)
        #expect(r.points.map(\.timestamp) == [100, 100])
        parser.defaultTimestamp = 200
        r = parse(Array("m f=1".utf8), with: &parser)
        #expect(r.points.map(\.timestamp) == [200])
    }

    @Test func commentsBlankLinesCRLFAndWhitespace() {
        let body = "# comment\r\n\r\n   \n\t# indented comment\nm f=1 1\r\n  m,t=x  f=2 \t 2 \t\r\nm f=3 3"
        let r = parse(body)
        #expect(r.errors.isEmpty, "\(r.errors)")
        #expect(r.points.map(\.timestamp) == [1, 2, 3])
        #expect(r.pointLines == [5, 6, 7])
        #expect(r.points[1].key == "m,t=x")
    }

    @Test func firstLineNumberOffsetsLines() {
        let r = parse("m f=1\n\nm f=x\nm f=2", firstLine: 1000)
        #expect(r.pointLines == [1000, 1003])
        #expect(r.errors.map(\.line) == [1002])
    }

    /// The HTTP write path parses a large body in pieces (`parse(_:from:stoppingAfter:...)`)
    /// and hands each on while it parses the next. At every piece size, from one byte up, the
    /// pieces together must be the whole-body parse: the same points in order, line numbers,
    /// errors (line, column, offset, excerpt), with a string spanning lines, a stray quote,
    /// CRLF, blanks, comments and a last line without a newline; and each piece ends at a
    /// line boundary, so no quoted string is cut.
    @Test func piecewiseParsingEqualsOneParse() {
        let body = Array(("m,t=a f=1 1\r\n# c\n\nm s=\"two\nlines\",f=2 2\nm f=oops 3\nm s=\"stray 4\nm f=5 5\n"
            + "  m,t=b f=6i 6\nm s=\"x\ny\" 7 trailing\nm f=8 8").utf8)
        var whole = LineProtocolParser(defaultTimestamp: 42)
        let expected = parse(body, with: &whole, firstLine: 10)
        #expect(expected.points.count == 5 && expected.errors.count == 4, "\(expected.points) \(expected.errors)")
        for limit in 1...(body.count + 1) {
            var parser = LineProtocolParser(defaultTimestamp: 42)
            var points: [DecodedPoint] = []
            var lines: [Int32] = []
            var errors: [LineProtocolError] = []
            var position = LineProtocolParser.Position(offset: 0, line: 10)
            var pieces = 0
            body.withUnsafeBytes { raw in
                repeat {
                    var builder = WriteBatchBuilder()
                    let from = position
                    position = parser.parse(raw, from: position, stoppingAfter: limit, into: &builder,
                                            pointLines: &lines, errors: &errors)
                    #expect(position.offset > from.offset)
                    #expect(position.offset == raw.count || raw[position.offset - 1] == UInt8(ascii: "\n"))
                    points += decode(builder.finish())
                    pieces += 1
                } while position.offset < raw.count
            }
            #expect(points == expected.points, "piece size \(limit)")
            #expect(lines == expected.pointLines, "piece size \(limit)")
            #expect(errors.map(\.description) == expected.errors.map(\.description), "piece size \(limit)")
            #expect(errors.map(\.byteOffset) == expected.errors.map(\.byteOffset), "piece size \(limit)")
            #expect(position.line == 10 + 12, "piece size \(limit)")
            if limit == 1 { #expect(pieces == 11) }  // one per logical line
            if limit > body.count { #expect(pieces == 1) }
        }
    }

    @Test func repeatedFieldLastValueWins() {
        let r = parse("m a=1,b=2,a=3 1")
        #expect(r.errors.isEmpty)
        #expect(r.points.first?.fields == [.init(name: "b", value: .float(2)), .init(name: "a", value: .float(3))])
    }

    @Test func manyRepeatedFieldsUseSortPath() {
        let names = (0..<40).map { "f\($0)" } + ["f3", "f39", "f3"]
        let line = "m " + names.enumerated().map { "\($1)=\($0)i" }.joined(separator: ",")
        let r = parse(line)
        #expect(r.errors.isEmpty, "\(r.errors)")
        let p = r.points[0]
        #expect(p.fields.count == 40)
        #expect(p["f3"] == .integer(42))
        #expect(p["f39"] == .integer(41))
        #expect(p["f0"] == .integer(0))
    }

    @Test func timeFieldIsDroppedWhenOthersRemain() {
        let r = parse("m time=1,f=2 3")
        #expect(r.errors.isEmpty)
        #expect(r.points.first?.fields == [.init(name: "f", value: .float(2))])
    }

    @Test func utf8InKeyAndValues() {
        let r = parse("温度,站=北京 值=1,说明=\"好\" 1")
        #expect(r.errors.isEmpty, "\(r.errors)")
        #expect(r.points.first?.key == "温度,站=北京")
        #expect(r.points.first?["说明"] == .string("好"))
    }

    @Test func scratchIsReusedAcrossCalls() {
        var parser = LineProtocolParser(defaultTimestamp: 0)
        let body = Array("m,b=2,a=1 f=1,s=\"x\\\"y\" 1\nm\\ x,a=1 f\\ g=2 2\n".utf8)
        let first = parse(body, with: &parser)
        let second = parse(body, with: &parser)
        #expect(first.points == second.points)
        #expect(first.points.map(\.key) == ["m,a=1,b=2", #"m\ x,a=1"#])
    }

    @Test func emptyBodyAndBodyWithoutNewline() {
        #expect(parse("").points.isEmpty)
        #expect(parse("\n\n").pointLines.isEmpty)
        #expect(parse("m f=1").pointLines == [1])
    }
}

import ChargelineCore
import ChargelineIngest
import Testing

@Suite("LineProtocolParser: rejected input")
struct LineProtocolParserRejectTests {
    /// Parses a body whose second line is `bad` between two good lines and checks that the
    /// good ones survive and the bad one is reported at line 2, `column`, with `fragment`.
    func expectRejected(_ bad: String, column: Int, _ fragment: String, multiplier: Int64 = 1,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        let body = "ok f=1 1\n\(bad)\nok f=3 3\n"
        let r = parse(body, multiplier: multiplier)
        #expect(r.pointLines == [1, 3], "\(r.errors)", sourceLocation: sourceLocation)
        #expect(r.points.map(\.timestamp) == [1 * multiplier, 3 * multiplier], sourceLocation: sourceLocation)
        guard r.errors.count == 1, let e = r.errors.first else {
            Issue.record("expected one error, got \(r.errors)", sourceLocation: sourceLocation)
            return
        }
        #expect(e.line == 2, sourceLocation: sourceLocation)
        #expect(e.column == column, "\(e)", sourceLocation: sourceLocation)
        #expect(e.byteOffset == 9 + column - 1, sourceLocation: sourceLocation)
        #expect(e.message.contains(fragment), "\(e)", sourceLocation: sourceLocation)
        #expect(e.description.hasPrefix("line 2, column \(column): "), sourceLocation: sourceLocation)
    }

    @Test func missingFields() {
        expectRejected("m", column: 2, "missing fields")
        expectRejected("m ", column: 3, "missing fields")
        expectRejected("m,t=1", column: 6, "missing fields")
        expectRejected("m,t=1   ", column: 9, "missing fields")
    }

    @Test func moreFieldsThanMaxValuesPerPoint() {
        // 1,001 fields: the default quota (1,000) refuses the line at its 1,001st key.
        let fields = (0..<1_001).map { "f\($0)=1" }
        let column = 3 + fields.prefix(1_000).joined(separator: ",").utf8.count + 1
        expectRejected("m " + fields.joined(separator: ","), column: column, "max-values-per-point limit exceeded: (1000)")
        // Exactly at the quota is accepted; a raised quota takes more; 0 means the parser's bound.
        #expect(parse("m " + fields.prefix(1_000).joined(separator: ",") + " 1").errors.isEmpty)
        for limit in [1_001, 0] {
            var parser = LineProtocolParser(defaultTimestamp: 0, maxValuesPerPoint: limit)
            let r = parse(Array(("m " + fields.joined(separator: ",") + " 1").utf8), with: &parser)
            #expect(r.errors.isEmpty && r.points.first?.fields.count == 1_001, "\(r.errors)")
        }
        var two = LineProtocolParser(defaultTimestamp: 0, maxValuesPerPoint: 2)
        let r = parse(Array("m a=1,b=2\nm a=1,b=2,c=3\n".utf8), with: &two)
        #expect(r.pointLines == [1] && r.errors.map(\.line) == [2], "\(r.errors)")
        #expect(r.errors.first?.message.contains("(--max-values-per-point)") == true)
    }

    @Test func missingMeasurement() { expectRejected(",t=1 f=1", column: 1, "missing measurement") }

    @Test func badTags() {
        expectRejected("m,=1 f=1", column: 3, "missing tag key")
        expectRejected("m, f=1", column: 3, "missing tag key")
        expectRejected("m,t f=1", column: 4, "expected '='")
        expectRejected("m,t= f=1", column: 5, "missing tag value")
        expectRejected("m,t=,u=1 f=1", column: 5, "missing tag value")
        expectRejected("m,t=a=b f=1", column: 6, "'=' in a tag value")
        expectRejected("m,a=1,b=2,a=3 f=1", column: 11, "duplicate tag key \"a\"")
        expectRejected(#"m,b=1,a\ =2,a\ =3 f=1"#, column: 13, #"duplicate tag key "a ""#)
        expectRejected("m,time=1 f=1", column: 3, "invalid tag key \"time\"")
        expectRejected("m,b=1,time=1 f=1", column: 7, "invalid tag key \"time\"")
    }

    @Test func invalidCharactersInKey() {
        expectRejected("m\u{1}x f=1", column: 2, "0x01")
        expectRejected("m,t=a\u{7F} f=1", column: 6, "0x7F")
        expectRejected("m\tx f=1", column: 2, "0x09")
    }

    @Test func invalidUTF8InKey() {
        let body: [UInt8] = Array("ok f=1 1\nm,t=".utf8) + [0xC3, 0x28] + Array(" f=1\nok f=3 3".utf8)
        var parser = LineProtocolParser(defaultTimestamp: 0)
        let r = parse(body, with: &parser)
        #expect(r.pointLines == [1, 3])
        #expect(r.errors.first?.column == 5)
        #expect(r.errors.first?.message.contains("UTF-8") == true)
    }

    @Test func badFieldKeysAndValues() {
        expectRejected("m =1", column: 3, "missing field key")
        expectRejected("m f=1,,g=2", column: 7, "missing field key")
        expectRejected("m f", column: 4, "expected '='")
        expectRejected("m f=1,g", column: 8, "expected '='")
        expectRejected("m f=", column: 5, "missing field value")
        expectRejected("m f=,g=1", column: 5, "missing field value")
        expectRejected("m f=abc", column: 5, "invalid field value: expected a number, a quoted string or a boolean")
        expectRejected("m f=+1", column: 5, "invalid field value")
        expectRejected("m f=tru", column: 5, "invalid field value")
        expectRejected("m f=truee", column: 5, "invalid field value")
        expectRejected("m f=\"x\"y", column: 8, "unexpected character after the value")
    }

    @Test func badNumbers() {
        expectRejected("m f=1.2.3", column: 8, "invalid number \"1.2.3\"")
        expectRejected("m f=1x", column: 6, "invalid number")
        expectRejected("m f=-", column: 6, "invalid number")
        expectRejected("m f=.", column: 6, "invalid number")
        expectRejected("m f=1e", column: 7, "invalid number")
        expectRejected("m f=1e+", column: 8, "invalid number")
        expectRejected("m f=1.5i", column: 8, "cannot have a decimal point")
        expectRejected("m f=1e3i", column: 8, "cannot have a decimal point")
        expectRejected("m f=1ii", column: 7, "invalid number")
        expectRejected("m f=1i2", column: 7, "invalid number")
        expectRejected("m f=1\t", column: 6, "invalid number")
    }

    @Test func nanAndInfinity() {
        expectRejected("m f=NaN", column: 5, "NaN and infinity are not supported")
        expectRejected("m f=nan", column: 5, "NaN and infinity")
        expectRejected("m f=-Inf", column: 5, "NaN and infinity")
        expectRejected("m f=inf", column: 5, "NaN and infinity")
        expectRejected("m f=Infinity", column: 5, "NaN and infinity")
        expectRejected("m f=1e309", column: 5, "float out of range")
        expectRejected("m f=-1e400", column: 5, "float out of range")
    }

    @Test func integerRanges() {
        expectRejected("m f=9223372036854775808i", column: 5, "integer out of range")
        expectRejected("m f=-9223372036854775809i", column: 5, "integer out of range")
        expectRejected("m f=99999999999999999999999i", column: 5, "integer out of range")
        expectRejected("m f=-1u", column: 5, "cannot be negative")
        expectRejected("m f=18446744073709551616u", column: 5, "unsigned value out of range")
    }

    @Test func unterminatedString() {
        expectRejected("m f=\"abc", column: 5, "unterminated string")
    }

    @Test func unterminatedStringAtEndKeepsEarlierLines() {
        let r = parse("m f=1 1\nm s=\"abc\nm f=2 2\n")
        // The quote opens on line 2 and never closes: only that line is lost.
        #expect(r.pointLines == [1, 3])
        #expect(r.errors.map(\.line) == [2])
        #expect(r.errors.first?.column == 5)
    }

    /// The issue's import: one line with an unterminated quote, then 396 good lines. All 396
    /// are stored and the one error names line 1, where the quote opened.
    @Test func unterminatedQuoteThen396GoodLines() {
        var lines = ["telemetry,pile=P1,gun=1 note=\"pile rebooted,status=2i 1"]
        for n in 2...397 { lines.append("telemetry,pile=P1,gun=1 voltage=400.\(n % 10),status=3i \(n)") }
        let r = parse(lines.joined(separator: "\n") + "\n")
        #expect(r.points.count == 396)
        #expect(r.pointLines == (2...397).map(Int32.init))
        #expect(r.errors.count == 1)
        #expect(r.errors.first?.line == 1)
        #expect(r.errors.first?.column == 30)
        #expect(r.errors.first?.message.contains("unterminated string opened at line 1") == true, "\(r.errors)")
        #expect(r.errors.first?.message.contains("397 line(s)") == true, "\(r.errors)")
    }

    /// The same with a later line that has a string (as datagen's `--bad-every` writes): the
    /// stray quote "closes" there and that line fails after it. The error names line 1 and the
    /// span, and the 396 good lines and the later one are parsed on their own.
    @Test func strayQuoteClosingOnALaterLineKeepsTheLinesBetween() {
        var lines = ["telemetry,pile=P1,gun=1 note=\"pile rebooted,status=2i 1"]
        for n in 2...397 { lines.append("telemetry,pile=P1,gun=1 voltage=400.\(n % 10),status=3i \(n)") }
        lines.append("telemetry,pile=P1,gun=1 note=\"ok\",status=2i 398")
        lines.append("telemetry,pile=P1,gun=1 status=2i 399")
        let r = parse(lines.joined(separator: "\n"))
        #expect(r.pointLines == (2...399).map(Int32.init))
        #expect(r.points[396]["note"] == .string("ok"))
        #expect(r.errors.map(\.line) == [1])
        #expect(r.errors.first?.column == 30)
        let message = r.errors.first?.message ?? ""
        #expect(message.contains("string opened at line 1 spans 398 lines"), "\(message)")
        #expect(message.contains("lines 2-398 were parsed on their own"), "\(message)")
    }

    /// A string that spans lines, closes and lets its line parse is a value (InfluxDB's rule).
    @Test func multiLineStringThatClosesIsKept() {
        let r = parse("m s=\"a\nb\nc\" 1\nm f=2 2")
        #expect(r.errors.isEmpty)
        #expect(r.pointLines == [1, 4])
        #expect(r.points.first?["s"] == .string("a\nb\nc"))
    }

    @Test func stringTooLong() {
        let long = String(repeating: "x", count: 65_537)
        expectRejected("m s=\"\(long)\"", column: 5, "string field value too long")
        let r = parse("m s=\"\(String(repeating: "y", count: 65_536))\"")
        #expect(r.errors.isEmpty)
    }

    /// A field key must leave room for the rollup's column suffixes (`_first_time`, ...).
    @Test func fieldKeyTooLongForItsRollupColumns() {
        expectRejected("m \(String(repeating: "f", count: 65_504))=1", column: 3, "field key too long: 65504 bytes, at most 65503")
        #expect(parse("m \(String(repeating: "f", count: 65_503))=1").errors.isEmpty)
    }

    @Test func badTimestamps() {
        expectRejected("m f=1 abc", column: 7, "invalid timestamp")
        expectRejected("m f=1 12x", column: 9, "invalid timestamp")
        expectRejected("m f=1 -", column: 7, "invalid timestamp")
        expectRejected("m f=1 1.5", column: 8, "invalid timestamp")
        expectRejected("m f=1 1 2", column: 9, "unexpected text after the timestamp")
        expectRejected("m f=1 99999999999999999999", column: 7, "timestamp out of range")
        expectRejected("m f=1 9223372036854775807", column: 7, "timestamp out of range")
        expectRejected("m f=1 9223372036854775806", column: 7, "timestamp out of range", multiplier: 1_000)
        expectRejected("m f=1 9300000000", column: 7, "timestamp out of range", multiplier: 1_000_000_000)
        expectRejected("m f=1 -9223372036854775808", column: 7, "timestamp out of range")
        expectRejected("m f=1 10000000000", column: 7, "seconds", multiplier: 1_000_000_000)
    }

    @Test func timestampLimitsAccepted() {
        let r = parse("m f=1 9223372036854775806\nm f=1 -9223372036854775806\nm f=1 9223372036 \n", multiplier: 1)
        #expect(r.errors.isEmpty, "\(r.errors)")
        let s = parse("m f=1 9223372036", multiplier: 1_000_000_000)
        #expect(s.points.first?.timestamp == 9_223_372_036_000_000_000)
    }

    @Test func timeOnlyField() {
        expectRejected("m time=1", column: 3, "invalid field key \"time\"")
    }

    @Test func repeatedFieldWithOtherType() {
        expectRejected("m a=1,a=2i", column: 7, "field type conflict")
    }

    @Test func mixedBatchKeepsGoodLines() {
        var lines: [String] = []
        var good: [Int32] = []
        var bad: [Int] = []
        let badLines = ["m", "m f=", "m,t= f=1", "m f=1i2", "m f=\"x", "m f=1 x", "m,a=1,a=2 f=1", "m f=NaN"]
        for n in 1...60 {
            if n % 7 == 0 {
                lines.append(badLines[(n / 7) % badLines.count])
                bad.append(n)
            } else if n % 11 == 0 {
                lines.append(n % 2 == 0 ? "" : "# comment")
            } else {
                lines.append("m,pile=P\(n) v=\(n).5,n=\(n)i \(n)")
                good.append(Int32(n))
            }
        }
        // The unterminated string sits last among the bad lines only if no later line has a
        // quote; the body has none, so it loses just its own line.
        let r = parse(lines.joined(separator: "\n"))
        #expect(r.pointLines == good)
        #expect(r.errors.map(\.line) == bad)
        #expect(r.points.map(\.timestamp) == good.map(Int64.init))
        for (p, n) in zip(r.points, good) {
            #expect(p.key == "m,pile=P\(n)")
            #expect(p["v"] == .float(Double(n) + 0.5))
            #expect(p["n"] == .integer(Int64(n)))
        }
    }

    @Test func excerptIsCut() {
        let long = "m f=x" + String(repeating: "é", count: 100)
        let r = parse(long)
        let e = try! #require(r.errors.first)
        #expect(e.excerpt.hasSuffix("…"))
        #expect(e.excerpt.utf8.count <= LineProtocolError.excerptLimit + "…".utf8.count)
        #expect(!e.excerpt.contains("\u{FFFD}"))
    }

    /// A string that closes on line 2 whose line then fails: the error is at the opening quote
    /// (line 1), says how far the string ran and why the line failed, and line 2 is parsed on
    /// its own (and fails there too: `b"` is a measurement with a bad tag).
    @Test func errorAfterQuotedNewlineReportsTheOpeningLine() {
        let r = parse("m s=\"a\nb\",f=zz 1\nm f=1 2")
        #expect(r.pointLines == [3])
        #expect(r.errors.map(\.line) == [1, 2])
        #expect(r.errors.first?.column == 5)
        #expect(r.errors.first?.excerpt == "m s=\"a")
        let message = r.errors.first?.message ?? ""
        #expect(message.contains("spans 2 lines to a closing '\"' on line 2") && message.contains("invalid field value"), "\(message)")
    }
}

import Testing

@testable import ChargelineCodec
import ChargelineTestSupport

@Suite struct StringCodecTests {
    func roundTrip(_ v: StringColumn, expect encoding: BlockEncoding? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for options in Support.allOptions {
            let block = Support.encodeStrings(v, options)
            if let encoding {
                #expect(Support.encoding(block) == encoding, sourceLocation: sourceLocation)
            }
            #expect(try Support.decodeStrings(block, count: v.count) == v, "\(options)", sourceLocation: sourceLocation)
        }
    }

    @Test func everyBranch() throws {
        try roundTrip(StringColumn(), expect: .empty)
        try roundTrip(StringColumn(["only"]), expect: .stringPlain)
        try roundTrip(StringColumn(["a", "bb", "", "ccc"]), expect: .stringPlain)
        try roundTrip(StringColumn(Array(repeating: "charging", count: 8192)), expect: .stringDictionary)
        let states = ["idle", "charging", "fault: over-temperature", "finishing", ""]
        var rng = SplitMix64(seed: 71)
        try roundTrip(StringColumn((0..<8192).map { _ in states[Int.random(in: 0..<5, using: &rng)] }), expect: .stringDictionary)
        try roundTrip(StringColumn(Array(repeating: "", count: 100)))
    }

    @Test(arguments: [UInt64(72), 73, 74])
    func randomBlocks(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<20 {
            let n = [1, 2, 3, 50, 2000][Int.random(in: 0..<5, using: &rng)]
            let distinct = Int.random(in: 1...300, using: &rng)
            let pool: [[UInt8]] = (0..<distinct).map { _ in
                (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            var column = StringColumn()
            for _ in 0..<n {
                pool[Int.random(in: 0..<distinct, using: &rng)].withUnsafeBytes { column.append($0) }
            }
            try roundTrip(column)
        }
    }

    @Test func prefixPreserving() throws {
        let values = (0..<120).map { i in i % 7 == 0 ? "fault \(i)" : ["idle", "charging"][i % 2] }
        for k in 0...values.count {
            let column = StringColumn(values[..<k])
            #expect(try Support.decodeStrings(Support.encodeStrings(column, .fast), count: k) == column)
        }
    }

    @Test func decodeAppendsAndRollsBack() throws {
        var out = StringColumn(["x"])
        let block = Support.encodeStrings(StringColumn(["ab", "c"]))
        try block.withUnsafeBytes { try StringCodec.decode($0, count: 2, into: &out) }
        #expect(out == StringColumn(["x", "ab", "c"]))
        #expect(out.string(at: 1) == "ab")
        #expect(Array(out[2]) == Array("c".utf8))
        let bad = Array(block.dropLast())
        _ = bad.withUnsafeBytes { b in
            #expect(throws: CodecError.self) { try StringCodec.decode(b, count: 2, into: &out) }
        }
        #expect(out == StringColumn(["x", "ab", "c"]))
    }

    @Test func malformedDictionariesThrow() throws {
        // One entry "a", width 0: 2 values decode; an index beyond the entries must throw.
        #expect(try Support.decodeStrings([0x41, 0x00, 0x01, 0x01, 0x61], count: 2) == StringColumn(["a", "a"]))
        // Two entries (width 1), index bits 1,1,0 fine; entry count 0 and index 2 of 3 entries reject.
        #expect(throws: CodecError.self) { try Support.decodeStrings([0x41, 0x00, 0x00], count: 1) }
        #expect(throws: CodecError.self) {
            try Support.decodeStrings([0x41, 0x00, 0x03, 0x01, 0x01, 0x01, 0x61, 0x62, 0x63, 0x03], count: 1)
        }
    }

    @Test func formatPins() {
        // string-plain: lengths 2, 0, 3, then the bytes.
        #expect(Support.hex(Support.encodeStrings(StringColumn(["hi", "", "abc"]))) == "400002" + "0003" + "6869616263")
        // string-dictionary: 2 entries ("idle", "charging"), indexes 0 1 0 0 1 1 ... LSB first.
        let column = StringColumn(["idle", "charging", "idle", "idle", "charging", "charging", "idle", "idle"])
        #expect(Support.hex(Support.encodeStrings(column)) == "4100" + "02" + "0408" + "69646c65" + "6368617267696e67" + "32")
    }
}

@Suite struct StringColumnTests {
    @Test func accessors() {
        var c = StringColumn()
        #expect(c.isEmpty)
        c.append("α")
        "xyz".utf8.withContiguousStorageIfAvailable { c.append(UnsafeRawBufferPointer($0)) }
        #expect(c.count == 2)
        #expect(c.ends == [2, 5])
        #expect(c.range(at: 1) == 2..<5)
        #expect(c.string(at: 0) == "α")
        #expect(c.withValue(at: 1) { $0.count } == 3)
        c.removeAll(keepingCapacity: true)
        #expect(c.isEmpty && c.bytes.isEmpty)
    }
}

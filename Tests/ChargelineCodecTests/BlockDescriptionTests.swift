import Testing

@testable import ChargelineCodec

@Suite struct BlockDescriptionTests {
    func describe(_ block: [UInt8]) -> String {
        block.withUnsafeBytes { BlockDescription.describe($0) }
    }

    @Test func describesEncodingAndStage() {
        #expect(describe(Support.encodeTimestamps([1, 2, 3])) == "ts-constant-stride (payload 9 B)")
        #expect(describe(Support.encodeTimestamps([])) == "empty (payload 0 B)")
        let v = (0..<8192).map { i in 230.0 + Double(i % 10) / 10 }
        #expect(describe(Support.encodeFloats(v, .compact)).hasPrefix("float-decimal + zstd (payload "))
        #expect(describe([0x99, 0x00]).hasPrefix("invalid block: block tag 0x99"))
        #expect(describe([]).hasPrefix("invalid block"))
    }

    @Test func tagsAreUniqueAndNamed() {
        let raw = BlockEncoding.allCases.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        #expect(Set(BlockEncoding.allCases.map(\.name)).count == raw.count)
    }
}

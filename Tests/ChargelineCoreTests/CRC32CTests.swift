import ChargelineCore
import Testing

@Suite struct CRC32CTests {
    @Test func checkValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func piecewiseEqualsWhole() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = CRC32C.checksum(bytes)
        for cut in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let a = bytes[..<cut].withUnsafeBytes { CRC32C.checksum($0) }
            let b = bytes[cut...].withUnsafeBytes { CRC32C.checksum($0, continuing: a) }
            #expect(b == whole, "cut \(cut)")
        }
    }
}

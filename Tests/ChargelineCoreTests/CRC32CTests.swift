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

    /// The instruction path (when this CPU has it) and the table agree on every length and
    /// start alignment, whole and continued, and on the standard check value.
    @Test func hardwareEqualsTable() {
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32C.tableChecksum($0) } == 0xE306_9283)
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ ($0 >> 2)) }
        bytes.withUnsafeBytes { all in
            for start in 0..<9 {
                for end in start...all.count {
                    let part = UnsafeRawBufferPointer(rebasing: all[start..<end])
                    #expect(CRC32C.checksum(part) == CRC32C.tableChecksum(part), "bytes \(start)..<\(end)")
                    #expect(CRC32C.checksum(part, continuing: 0x1234_5678) == CRC32C.tableChecksum(part, continuing: 0x1234_5678))
                }
            }
        }
    }
}

import ChargelineCore
import Testing
@testable import ChargelineLog

/// The record framing: `len | crc | payload`, little-endian, CRC-32C over the payload.
@Suite struct LogRecordTests {
    @Test func aRecordIsLengthChecksumPayload() {
        var out: [UInt8] = []
        let payload: [UInt8] = Array("123456789".utf8)
        payload.withUnsafeBytes { LogRecord.append(payload: $0, to: &out) }
        // len 9; crc 0xE3069283 (the CRC-32C check value of "123456789"), both little-endian.
        #expect(out == [9, 0, 0, 0, 0x83, 0x92, 0x06, 0xE3] + payload)
    }

    @Test func inPlaceEncodingGivesTheSameBytes() {
        var direct: [UInt8] = [0xAA]
        var inPlace: [UInt8] = [0xAA]
        for p in samplePayloads(12) {
            p.withUnsafeBytes { LogRecord.append(payload: $0, to: &direct) }
            let start = LogRecord.begin(&inPlace)
            inPlace.append(contentsOf: p)
            LogRecord.finish(&inPlace, recordAt: start)
        }
        #expect(direct == inPlace)
    }

    /// A payload given in pieces (a type byte, then a body) has the checksum of the whole.
    @Test func aChecksumContinuesOverPieces() {
        let whole: [UInt8] = [1] + Array("body of the record".utf8)
        let first = whole[..<1].withUnsafeBytes { LogRecord.checksum($0) }
        let both = whole[1...].withUnsafeBytes { LogRecord.checksum($0, continuing: first) }
        #expect(both == whole.withUnsafeBytes { LogRecord.checksum($0) })
        var pieces: [UInt8] = []
        LogRecord.appendHeader(payloadLength: whole.count, checksum: both, to: &pieces)
        pieces += whole
        var direct: [UInt8] = []
        whole.withUnsafeBytes { LogRecord.append(payload: $0, to: &direct) }
        #expect(pieces == direct)
    }

    @Test func framingProblems() {
        let (bytes, starts) = makeSegment([[1, 2, 3]])
        bytes.withUnsafeBytes { raw in
            #expect(LogRecord.problem(at: starts[0], in: raw) == nil)
            #expect(LogRecord.problem(at: starts[0], in: UnsafeRawBufferPointer(rebasing: raw[..<(starts[0] + 5)])) == .tornTail(present: 5))
            #expect(LogRecord.problem(at: starts[0], in: UnsafeRawBufferPointer(rebasing: raw[..<(bytes.count - 1)])) == .tornTail(present: 10))
        }
        #expect(LogRecord.problem(header: .init(length: 0, checksum: 0), available: 100) == .badLength(0))
        #expect(LogRecord.problem(header: .init(length: LogRecord.maxPayload + 1, checksum: 0), available: 100) == .badLength(LogRecord.maxPayload + 1))
    }
}

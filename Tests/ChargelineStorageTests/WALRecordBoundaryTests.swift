import Testing
@testable import ChargelineStorage

/// `WALRecord.completePrefix`: a copy of a growing WAL segment is cut at the last whole record.
@Suite struct WALRecordBoundaryTests {
    @Test func everyCutEndsAtTheLastWholeRecordBeforeIt() {
        var bytes = WALRecord.segmentHeader(id: 7)
        var boundaries = [bytes.count]
        for size in [0, 1, 9, 300, 17] {
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 7 + size) }
            payload.withUnsafeBytes { WALRecord.append(kind: .writeBatch, payload: $0, to: &bytes) }
            boundaries.append(bytes.count)
        }
        for cut in 0...bytes.count {
            let expected = cut < WALRecord.segmentHeaderSize ? 0 : boundaries.last { $0 <= cut }!
            let got = bytes.withUnsafeBytes { WALRecord.completePrefix(UnsafeRawBufferPointer(rebasing: $0[..<cut])) }
            #expect(got == expected, "cut at \(cut)")
        }
    }
}

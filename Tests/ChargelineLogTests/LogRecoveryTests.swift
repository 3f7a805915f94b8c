import ChargelineCore
import Foundation
import Testing
@testable import ChargelineLog

/// Recovery: the last segment is cut at its first bad record, on disk.
@Suite struct LogRecoveryTests {
    let header = LogSegmentHeader(kind: .spool, version: 2)
    let payloads = samplePayloads(5, seed: 7)

    /// Every byte of a small segment flipped in turn: recovery cuts the file exactly at the
    /// damaged record, every record before it is kept, and the cut file scans clean.
    @Test func everyFlippedByteIsCutAtItsRecordAndNothingBeforeItIsLost() throws {
        let dir = LogTempDirectory(); defer { dir.cleanup() }
        let (bytes, starts) = makeSegment(payloads)
        for offset in LogSegmentHeader.size..<bytes.count {
            var damaged = bytes
            damaged[offset] ^= 0x5A
            let path = dir.write("00000000000000000001.spool", damaged)
            let record = starts.lastIndex { $0 <= offset }!
            let outcome = try LogRecovery.recoverLastSegment(path: path, segment: 1, header: header)
            #expect(outcome.records == record, "flip at \(offset)")
            #expect(outcome.corruption?.offset == starts[record], "flip at \(offset)")
            #expect(outcome.corruption?.path == path)
            #expect(outcome.corruption?.segment == 1)
            #expect(outcome.truncatedBytes == bytes.count - starts[record], "flip at \(offset)")
            let after = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(after == Array(damaged[..<starts[record]]), "flip at \(offset)")
            #expect(scanAll(after).payloads == Array(payloads.prefix(record)))
            #expect(scanAll(after).stop == nil)
        }
    }

    /// A torn tail at every length is cut back to the last whole record; a clean file is left alone.
    @Test func aTornTailAtEveryLengthIsCutToTheLastWholeRecord() throws {
        let dir = LogTempDirectory(); defer { dir.cleanup() }
        let (bytes, starts) = makeSegment(payloads)
        for cut in LogSegmentHeader.size...bytes.count {
            let path = dir.write("00000000000000000002.spool", Array(bytes[..<cut]))
            let whole = starts.lastIndex { $0 <= cut }!
            let outcome = try LogRecovery.recoverLastSegment(path: path, segment: 2, header: header)
            #expect(outcome.records == whole, "cut at \(cut)")
            #expect(outcome.truncatedBytes == cut - starts[whole], "cut at \(cut)")
            #expect(outcome.corruption == (cut == starts[whole] ? nil
                : LogCorruption(path: path, segment: 2, offset: starts[whole], problem: .tornTail(present: cut - starts[whole]))))
            #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == Array(bytes[..<starts[whole]]))
        }
    }

    /// A header of another kind or version is refused with the file and the version named, and
    /// nothing is cut.
    @Test func aForeignHeaderIsRefusedAndNothingIsCut() throws {
        let dir = LogTempDirectory(); defer { dir.cleanup() }
        for (other, named) in [(LogSegmentHeader(kind: .spool, version: 9), "version 9"),
                               (LogSegmentHeader(kind: .wal, version: 2), "WAL segment")] {
            var bytes = other.bytes
            payloads[0].withUnsafeBytes { LogRecord.append(payload: $0, to: &bytes) }
            bytes += [1, 2, 3]  // a torn tail, left alone
            let path = dir.write("00000000000000000003.spool", bytes)
            do {
                _ = try LogRecovery.recoverLastSegment(path: path, segment: 3, header: header)
                Issue.record("\(named): accepted")
            } catch let error as ChargelineError {
                #expect(error.code == .corruption)
                #expect(error.message.contains(path))
                #expect(error.message.contains(named), "\(error.message)")
            }
            #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == bytes)
        }
    }
}

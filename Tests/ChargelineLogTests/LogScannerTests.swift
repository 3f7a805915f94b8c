import Testing
@testable import ChargelineLog

/// Scanning a segment: records in order, and a stop at the first bad one naming its offset.
@Suite struct LogScannerTests {
    let payloads = samplePayloads(6)

    @Test func everyRecordComesBackInOrder() {
        let (bytes, _) = makeSegment(payloads)
        let (got, stop) = scanAll(bytes)
        #expect(got == payloads)
        #expect(stop == nil)
    }

    /// A segment cut at every length (a write torn by a crash): every whole record comes back,
    /// and the scan stops at the record the cut falls in, as a torn tail.
    @Test func aTornTailAtEveryLengthKeepsEveryWholeRecord() {
        let (bytes, starts) = makeSegment(payloads)
        for cut in LogSegmentHeader.size...bytes.count {
            let (got, stop) = scanAll(Array(bytes[..<cut]), path: "/x/00000000000000000004.spool", segment: 4)
            let whole = starts.lastIndex { $0 <= cut }!
            #expect(got == Array(payloads.prefix(whole)), "cut at \(cut)")
            if cut == starts[whole] {
                #expect(stop == nil, "cut at \(cut)")
            } else {
                #expect(stop == LogCorruption(path: "/x/00000000000000000004.spool", segment: 4, offset: starts[whole],
                                              problem: .tornTail(present: cut - starts[whole])), "cut at \(cut)")
            }
            let prefix = Array(bytes[..<cut]).withUnsafeBytes { LogScanner.completePrefix($0) }
            #expect(prefix == starts[whole], "cut at \(cut)")
        }
    }

    /// Every byte after the header flipped in turn (with several patterns): the scan returns
    /// exactly the records before the damaged one, then stops at the damaged record's offset.
    /// Nothing damaged is ever returned as a record.
    @Test func everyFlippedByteIsFoundAtItsRecord() {
        let (bytes, starts) = makeSegment(payloads)
        for offset in LogSegmentHeader.size..<bytes.count {
            for flip: UInt8 in [0x01, 0x5A, 0x80, 0xFF] {
                var damaged = bytes
                damaged[offset] ^= flip
                let record = starts.lastIndex { $0 <= offset }!
                let (got, stop) = scanAll(damaged)
                #expect(got == Array(payloads.prefix(record)), "flip \(flip) at \(offset)")
                let bad = stop
                #expect(bad?.offset == starts[record], "flip \(flip) at \(offset): \(String(describing: bad))")
                switch bad?.problem {
                case .badChecksum, .badLength, .tornTail: break
                default: Issue.record("flip \(flip) at \(offset): \(String(describing: bad))")
                }
            }
        }
    }

    /// After damage, `resync` finds the next intact record, so an owner that scans on (the WAL)
    /// loses only the damaged record.
    @Test func resyncFindsTheNextIntactRecord() {
        let (bytes, starts) = makeSegment(payloads)
        for record in 0..<payloads.count - 1 {
            var damaged = bytes
            damaged[starts[record] + LogRecord.headerSize] ^= 0x5A
            damaged.withUnsafeBytes { raw in
                var scanner = LogScanner(raw, path: "p", segment: 1)
                var got: [[UInt8]] = []
                while !scanner.atEnd {
                    do throws(LogCorruption) {
                        guard let r = try scanner.next() else { break }
                        got.append(Array(raw[r.payload]))
                    } catch {
                        #expect(error.offset == starts[record])
                        scanner.skip(to: scanner.resync(from: error.offset + 1))
                    }
                }
                var expected = payloads
                expected.remove(at: record)
                #expect(got == expected, "damage in record \(record)")
            }
        }
    }

    /// An owner's test (a known record type) runs before the checksum; a payload it refuses is
    /// reported at its record.
    @Test func anOwnersRefusalIsReported() {
        let (bytes, starts) = makeSegment([[1, 9], [7, 9], [1, 9]])
        bytes.withUnsafeBytes { raw in
            var scanner = LogScanner(raw, path: "p", segment: 1)
            let accept: (UnsafeRawBufferPointer) -> Bool = { $0.first == 1 }
            #expect((try? scanner.next(accepting: accept))??.offset == starts[0])
            #expect(throws: LogCorruption(path: "p", segment: 1, offset: starts[1], problem: .unrecognizedPayload)) {
                _ = try scanner.next(accepting: accept)
            }
            #expect(scanner.offset == starts[1], "the scanner stays at the bad record")
        }
    }

    /// Zeros where records should be (a file extended but never written) are damage, not
    /// records: a length of 0 is never a record.
    @Test func zerosAreNotRecords() {
        let (bytes, starts) = makeSegment(payloads)
        let (got, stop) = scanAll(bytes + [UInt8](repeating: 0, count: 64))
        #expect(got == payloads)
        #expect(stop?.offset == starts.last)
        #expect(stop?.problem == .badLength(0))
    }
}

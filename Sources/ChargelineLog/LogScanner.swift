/// Reads the records of one log segment held in memory, in order, and stops at the first bad
/// one with a `LogCorruption` naming the file, the segment and the record's offset.
///
/// Contract: `bytes` is the whole segment from its first byte (header included) and stays
/// valid while the scanner is used; the scanner copies nothing, a record is a range of
/// `bytes`. The header is not checked here (see `LogSegmentHeader.validate`): the scan starts
/// at `from`, normally just past it. Not thread-safe (a value each reader owns).
///
/// After a bad record an owner that keeps going (the WAL) finds the next intact record with
/// `resync(from:accepting:)` and moves there with `skip(to:)`; one that does not (the spool)
/// treats the bad record's offset as the end of the segment.
package struct LogScanner {
    /// The segment's bytes.
    package let bytes: UnsafeRawBufferPointer
    /// The segment file, for errors.
    package let path: String
    /// The segment's id, for errors.
    package let segment: UInt64
    /// Where the next record starts (after a throw: where the bad one starts).
    package private(set) var offset: Int

    /// A scanner over `bytes`, the segment `segment` read from `path`, starting at `from`.
    package init(_ bytes: UnsafeRawBufferPointer, path: String, segment: UInt64, from: Int = LogSegmentHeader.size) {
        self.bytes = bytes
        self.path = path
        self.segment = segment
        self.offset = from
    }

    /// Whether every byte has been read.
    package var atEnd: Bool { offset >= bytes.count }

    /// The next record, or nil at the end of the segment. Throws at the first bad record and
    /// stays there (`offset` is its start). `accepting` sees each framed payload before its
    /// checksum is computed (an owner's cheap test, such as a known record type); a payload it
    /// refuses is reported as `.unrecognizedPayload`.
    package mutating func next(accepting: (UnsafeRawBufferPointer) -> Bool = { _ in true }) throws(LogCorruption) -> LogRecordSpan? {
        guard offset < bytes.count else { return nil }
        let span = try check(at: offset, accepting: accepting).get()
        offset = span.end
        return span
    }

    /// The record at `at`, or what is wrong with it (a `LogCorruption` at `at`). Does not move
    /// the scanner.
    package func check(at: Int, accepting: (UnsafeRawBufferPointer) -> Bool = { _ in true }) -> Result<LogRecordSpan, LogCorruption> {
        func bad(_ problem: LogCorruption.Problem) -> Result<LogRecordSpan, LogCorruption> {
            .failure(LogCorruption(path: path, segment: segment, offset: at, problem: problem))
        }
        if let problem = LogRecord.problem(at: at, in: bytes) { return bad(problem) }
        let header = LogRecord.header(bytes, at: at)
        let start = at + LogRecord.headerSize
        let payload = UnsafeRawBufferPointer(rebasing: bytes[start..<start + header.length])
        guard accepting(payload) else { return bad(.unrecognizedPayload) }
        guard LogRecord.checksum(payload) == header.checksum else { return bad(.badChecksum) }
        return .success(LogRecordSpan(offset: at, payload: start..<start + header.length))
    }

    /// The first offset at or after `from` where an intact record starts (framing, `accepting`
    /// and checksum hold), or `bytes.count` when none does. Scans byte by byte: use it after
    /// damage, never on the normal path.
    package func resync(from: Int, accepting: (UnsafeRawBufferPointer) -> Bool = { _ in true }) -> Int {
        var p = from
        while p < bytes.count {
            if case .success = check(at: p, accepting: accepting) { return p }
            p += 1
        }
        return bytes.count
    }

    /// Continues the scan at `offset` (a record start `resync` found, or the end).
    package mutating func skip(to offset: Int) {
        self.offset = offset
    }

    /// The length of the longest prefix of `bytes` (a segment's start, possibly still being
    /// appended to) that ends at a record boundary: the header plus every record whose header
    /// and payload are wholly inside `bytes`. Checksums are not checked. 0 when not even the
    /// segment header is there.
    ///
    /// A copy of an active segment cut at this length holds every record written before the
    /// copy was read, and never a torn one.
    package static func completePrefix(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard bytes.count >= LogSegmentHeader.size else { return 0 }
        var offset = LogSegmentHeader.size
        while LogRecord.problem(at: offset, in: bytes) == nil {
            offset += LogRecord.headerSize + LogRecord.header(bytes, at: offset).length
        }
        return offset
    }
}

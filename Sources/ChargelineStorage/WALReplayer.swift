#if canImport(Glibc)
import Glibc
#endif
package import ChargelineCore
package import Logging

/// What a WAL replay found.
package struct WALReplayReport: Sendable {
    /// Segments read.
    package var segments = 0
    /// Records applied.
    package var records = 0
    /// Bytes read.
    package var bytes = 0
    /// Damage found: file, byte offset and what was wrong, one entry each.
    package var problems: [String] = []
    /// The highest segment id seen (0 when none).
    package var lastSegmentID: UInt64 = 0
}

/// Reads WAL segments back in order and hands every intact record to the caller.
///
/// Recovery rules (tested by truncating at every offset and by flipping bytes):
/// - A torn tail (a record cut short, or a bad checksum on the very last record of the last
///   segment) is what a crash during a write leaves: it was never acknowledged, so the file is
///   truncated there and replay ends quietly.
/// - A bad checksum elsewhere is damage: it is reported with the file and byte offset, the
///   replayer scans forward byte by byte for the next record whose length and checksum hold,
///   and continues from there, so one damaged record costs only itself.
package enum WALReplayer {
    /// Replays segments with id >= `fromID` in `directory`, calling `apply` per batch in order.
    package static func replay(directory: String, fromID: UInt64, repair: Bool = true, logger: Logger,
                               apply: (WriteBatch) throws -> Void) throws -> WALReplayReport {
        var report = WALReplayReport()
        let ids = FileIO.list(directory)
            .compactMap { FileNames.id(of: $0, suffix: FileNames.walSuffix) }
            .sorted()
        report.lastSegmentID = ids.last ?? 0
        for (i, id) in ids.enumerated() where id >= fromID {
            let path = directory + "/" + FileNames.walSegment(id)
            let isLast = i == ids.count - 1
            try replaySegment(path: path, id: id, isLast: isLast, repair: repair, report: &report, logger: logger, apply: apply)
            report.segments += 1
        }
        return report
    }

    private static func replaySegment(path: String, id: UInt64, isLast: Bool, repair: Bool, report: inout WALReplayReport,
                                      logger: Logger, apply: (WriteBatch) throws -> Void) throws {
        let bytes = try FileIO.readAll(path)
        report.bytes += bytes.count
        guard bytes.count >= WALRecord.segmentHeaderSize,
              Array(bytes[0..<4]) == WALRecord.magic else {
            let problem = "\(path): not a WAL segment (bad or missing header); skipped. Move it out of the wal folder if it is not Chargeline's."
            report.problems.append(problem)
            logger.error("\(problem)")
            return
        }
        let version = bytes.withUnsafeBytes { $0.loadLE(UInt16.self, at: 4) }
        guard version == WALRecord.version else {
            throw ChargelineError(.corruption, "\(path): WAL version \(version) is not supported by this build (expects \(WALRecord.version)); run a Chargeline version that wrote it")
        }
        var offset = WALRecord.segmentHeaderSize
        var batches: [WriteBatch] = []
        var truncateAt: Int?
        bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                switch check(raw, at: offset) {
                case .ok(let end, let payloadStart):
                    if let batch = try? WriteBatch(validating: Array(raw[payloadStart..<end])) {
                        batches.append(batch)
                    } else {
                        let problem = "\(path): record at byte \(offset) has a valid checksum but a malformed batch; skipped"
                        report.problems.append(problem)
                    }
                    offset = end
                case .torn:
                    // A record running past the end is a crash mid-append (never acknowledged)
                    // unless intact records follow it: then its length field is damaged.
                    let next = resync(raw, from: offset + 1)
                    if next < raw.count {
                        report.problems.append("\(path): damaged record header at byte \(offset) (length runs past the end); skipped \(next - offset) bytes to the next intact record at byte \(next)")
                        offset = next
                    } else {
                        if isLast {
                            truncateAt = offset
                        } else {
                            report.problems.append("\(path): truncated record at byte \(offset) in a segment that is not the newest; the rest of this segment is lost")
                        }
                        offset = raw.count
                    }
                case .badChecksum(let end):
                    // In the newest segment, a bad record with nothing intact after it is a
                    // torn group-commit write (possibly several records, zero-filled).
                    _ = end
                    if isLast && resync(raw, from: offset + 1) == raw.count {
                        truncateAt = offset  // the last write was torn mid-record
                        offset = raw.count
                        break
                    }
                    let next = resync(raw, from: offset + 1)
                    report.problems.append("\(path): damaged record at byte \(offset) (checksum mismatch); skipped \(next - offset) bytes to the next intact record at byte \(next)")
                    offset = next
                }
            }
        }
        for problem in report.problems { logger.error("WAL damage: \(problem)") }
        for batch in batches {
            try apply(batch)
            report.records += 1
        }
        if let truncateAt, repair {
            logger.warning("\(path): torn write at byte \(truncateAt) (a crash mid-append; never acknowledged); truncating")
            let fd = try FileIO.open(path, O_WRONLY)
            defer { FileIO.close(fd) }
            try FileIO.truncate(fd, to: truncateAt, path: path)
            try FileIO.sync(fd, path: path)
        }
    }

    private enum Check { case ok(end: Int, payloadStart: Int), torn, badChecksum(end: Int) }

    private static func check(_ raw: UnsafeRawBufferPointer, at offset: Int) -> Check {
        guard raw.count - offset >= WALRecord.recordHeaderSize else { return .torn }
        let len = Int(raw.loadLE(UInt32.self, at: offset))
        let crc = raw.loadLE(UInt32.self, at: offset + 4)
        let start = offset + 8
        guard len <= WALRecord.maxPayload, raw.count - start - 1 >= len else { return .torn }
        let end = start + 1 + len
        // The kind byte is checked first: it rules out most false starts during a resync
        // scan without computing a checksum.
        guard WALRecord.Kind(rawValue: raw[start]) != nil,
              CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[start..<end])) == crc else { return .badChecksum(end: end) }
        return .ok(end: end, payloadStart: start + 1)
    }

    /// The first offset at or after `from` where an intact record starts, or the end.
    private static func resync(_ raw: UnsafeRawBufferPointer, from: Int) -> Int {
        var p = from
        while p < raw.count {
            if case .ok = check(raw, at: p) { return p }
            p += 1
        }
        return raw.count
    }
}

package import ChargelineCore
import ChargelineLog
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
    /// Bytes that could not be replayed (damaged records, a damaged or cut-short tail, files
    /// that hold no intact record); each region is kept in the quarantine folder.
    package var lostBytes = 0
    /// Damaged regions that held at least one record each (how many exactly is unknown: their
    /// length fields are among the damage).
    package var lostRegions = 0
    /// Files written to the quarantine folder.
    package var quarantined: [String] = []
    /// The highest segment id seen (0 when none).
    package var lastSegmentID: UInt64 = 0
}

/// Reads WAL segments back in order and hands every intact record to the caller.
///
/// The framing, scanning and truncation are the shared log's (ChargelineLog); what to do with
/// damage is the WAL's own rule:
///
/// Recovery rules (tested by truncating at every offset and by flipping bytes):
/// - Records carry their own checksums: a damaged segment header (its check fails) does not
///   hide the records behind it. An intact header of another kind or version (and the
///   development format "CLWL") is refused with an error naming the file and the version.
/// - A bad checksum is damage: it is reported with the file and byte offset, the replayer
///   scans forward byte by byte for the next record whose length and checksum hold, and
///   continues from there, so one damaged record costs only itself.
/// - A record cut short at the end of the newest segment (or a bad record with nothing
///   intact after it) may be a crash during a write, whose batch was never acknowledged, or
///   damage to an acknowledged one: nothing in the file tells them apart. The log says what
///   is known (file, offset, what fails), the bytes from there are copied to the quarantine
///   folder, and the file is truncated at the last intact record.
/// - Nothing is deleted: a file with damage is copied to the quarantine folder before the
///   flush that covers its intact records removes it from the WAL; a file with no intact
///   record at all is moved there at once.
package enum WALReplayer {
    /// Replays segments with id >= `fromID` in `directory`, calling `apply` per batch in order.
    /// Damaged files and tails go to `quarantine` (default: a `quarantine` folder inside
    /// `directory`); with `repair` false (a read-only open) nothing is written or moved.
    /// A tombstone record goes to `tombstone`, in its place among the batches.
    package static func replay(directory: String, fromID: UInt64, repair: Bool = true, quarantine: String? = nil, logger: Logger,
                               tombstone: (Tombstone) throws -> Void = { _ in },
                               apply: (WriteBatch) throws -> Void) throws -> WALReplayReport {
        var report = WALReplayReport()
        let ids = LogSegmentNames.list(directory, suffix: FileNames.walSuffix)
        report.lastSegmentID = ids.last ?? 0
        let place = Quarantine(directory: quarantine ?? directory + "/" + FileNames.quarantineDirectory, enabled: repair)
        for (i, id) in ids.enumerated() where id >= fromID {
            let path = directory + "/" + FileNames.walSegment(id)
            let isLast = i == ids.count - 1
            try replaySegment(path: path, id: id, isLast: isLast, repair: repair, quarantine: place, report: &report,
                              logger: logger, tombstone: tombstone, apply: apply)
            report.segments += 1
        }
        return report
    }

    private static func replaySegment(path: String, id: UInt64, isLast: Bool, repair: Bool, quarantine: Quarantine,
                                      report: inout WALReplayReport, logger: Logger, tombstone: (Tombstone) throws -> Void,
                                      apply: (WriteBatch) throws -> Void) throws {
        let bytes = try FileIO.readAll(path)
        report.bytes += bytes.count
        let name = FileNames.walSegment(id)
        var problems: [String] = []
        if bytes.starts(with: WALRecord.legacyMagic) {
            throw ChargelineError(.corruption, "\(path): WAL version 1 (magic \"CLWL\"), a development format this build does not read (it reads version \(WALRecord.version)); replay it with the build that wrote it (a flush empties the WAL), or move the file out of the wal folder to start without its records")
        }
        if let bad = bytes.withUnsafeBytes({ WALRecord.header.validate($0, path: path, segment: id) }) {
            if bad.isForeign {
                throw bad.error(remedy: "this build reads \(LogKind.wal) version \(WALRecord.version) only; run the Chargeline version that wrote it, or move the file out of the wal folder")
            }
            let firstIntact = bytes.withUnsafeBytes {
                LogScanner($0, path: path, segment: id).resync(from: WALRecord.segmentHeaderSize, accepting: WALRecord.accepts)
            }
            if firstIntact >= bytes.count {
                // No header and not one intact record: nothing to replay. Moved aside, not left
                // for the next flush to delete (it may not be Chargeline's).
                var problem = "\(path): not a WAL segment (bad or missing header, and none of its \(bytes.count) bytes holds an intact record); nothing replayed"
                if let moved = quarantine.move(path, as: name, logger: logger) {
                    report.quarantined.append(moved)
                    problem += "; moved to \(moved)"
                }
                report.lostBytes += bytes.count
                report.problems.append(problem)
                logger.error("WAL damage: \(problem)")
                return
            }
            // The records carry their own checksums: a damaged header hides none of them.
            problems.append("\(path): \(bad.what) (bytes 0-7 should be the \(LogKind.wal) header, version \(WALRecord.version)); its records still check out and are replayed")
        }
        var batches: [WALEntry] = []
        var tail: (offset: Int, what: String, cutShort: Bool)?
        func lose(_ from: Int, _ to: Int) {
            report.lostBytes += to - from
            report.lostRegions += 1
        }
        bytes.withUnsafeBytes { raw in
            var scanner = LogScanner(raw, path: path, segment: id)
            while !scanner.atEnd {
                let offset = scanner.offset
                do throws(LogCorruption) {
                    guard let record = try scanner.next(accepting: WALRecord.accepts) else { break }
                    let payloadStart = record.payload.lowerBound + 1
                    let end = record.end
                    if raw[record.payload.lowerBound] == WALRecord.Kind.tombstone.rawValue {
                        if let t = Tombstone.decode(Array(raw[payloadStart..<end])[...]) {
                            batches.append(.tombstone(t))
                        } else {
                            problems.append("\(path): record at byte \(offset) has a valid checksum but a malformed tombstone (\(end - offset) bytes); skipped")
                            lose(offset, end)
                        }
                    } else if let batch = try? WriteBatch(validating: Array(raw[payloadStart..<end])) {
                        batches.append(.batch(batch))
                    } else {
                        problems.append("\(path): record at byte \(offset) has a valid checksum but a malformed batch (\(end - offset) bytes); skipped")
                        lose(offset, end)
                    }
                } catch {
                    // The WAL's rule for a bad record: scan on for the next intact one, so one
                    // damaged record costs only itself; a bad record with nothing intact after
                    // it is the tail, cut off below.
                    let next = scanner.resync(from: offset + 1, accepting: WALRecord.accepts)
                    switch error.problem {
                    case .tornTail, .badLength:
                        // A record running past the end: its length field is damaged if intact
                        // records follow; otherwise the file ends inside it.
                        if next < raw.count {
                            let why = if case .badLength(let n) = error.problem { "length field reads \(n)" } else { "length runs past the end" }
                            problems.append("\(path): damaged record header at byte \(offset) (\(why)); lost \(next - offset) bytes (at least one record) up to the next intact record at byte \(next)")
                            lose(offset, next)
                        } else {
                            tail = (offset, "the file ends inside the record at byte \(offset) (\(raw.count - offset) bytes present): a write cut short by a crash, or a file truncated since", true)
                        }
                    default:
                        if next == raw.count {
                            tail = (offset, "the record at byte \(offset) fails its checksum and nothing intact follows it (\(raw.count - offset) bytes): a write torn by a crash, or damage", false)
                        } else {
                            problems.append("\(path): damaged record at byte \(offset) (checksum mismatch); lost \(next - offset) bytes (at least one record) up to the next intact record at byte \(next)")
                            lose(offset, next)
                        }
                    }
                    scanner.skip(to: next)
                }
            }
        }
        for entry in batches {
            switch entry {
            case .batch(let batch): try apply(batch)
            case .tombstone(let t): try tombstone(t)
            }
            report.records += 1
        }
        if let tail {
            let lostTail = bytes.count - tail.offset
            lose(tail.offset, bytes.count)
            var message = "\(path): \(tail.what). It may or may not have been acknowledged to a client; \(lostTail) bytes from byte \(tail.offset) are not replayed"
            // A bad checksum is reported as damage; a record cut short at the end of the newest
            // segment is what every crash during a write leaves, logged as a warning.
            let isDamage = !isLast || !tail.cutShort
            if repair {
                if let kept = quarantine.copy(bytes[tail.offset...], as: "\(name).tail-at-\(tail.offset)", logger: logger) {
                    report.quarantined.append(kept)
                    message += " and are kept in \(kept)"
                    try LogRecovery.truncate(path, to: tail.offset)
                    message += "; the segment is truncated at byte \(tail.offset)"
                } else {
                    message += "; the segment is left as it is (the quarantine copy failed)"
                }
            }
            if isDamage { problems.append(message) } else { logger.warning("WAL: \(message)") }
        }
        if !problems.isEmpty {
            // The whole file as found, before the flush that covers its intact records drops it.
            if repair, let kept = quarantine.copy(bytes[...], as: name, logger: logger) {
                report.quarantined.append(kept)
                problems[0] += "; the file as found is kept in \(kept)"
            }
            for problem in problems { logger.error("WAL damage: \(problem)") }
            report.problems += problems
        }
    }
}

/// The folder damaged WAL bytes are kept in (`<database>/quarantine/`, docs/operations.md).
private struct Quarantine {
    let directory: String
    let enabled: Bool

    /// Writes `bytes` durably as `name` (replacing a copy made by an earlier start); returns
    /// the path, or nil when disabled or the write failed (logged).
    func copy(_ bytes: ArraySlice<UInt8>, as name: String, logger: Logger) -> String? {
        guard enabled else { return nil }
        let path = directory + "/" + name
        do {
            try FileIO.makeDirectories(directory)
            try FileIO.writeFileDurably(path, bytes)
            return path
        } catch {
            logger.error("could not keep damaged WAL bytes in \(path): \(error)")
            return nil
        }
    }

    /// Moves the file at `path` here as `name`; returns the new path, or nil (logged).
    func move(_ path: String, as name: String, logger: Logger) -> String? {
        guard enabled else { return nil }
        let target = directory + "/" + name
        do {
            try FileIO.makeDirectories(directory)
            try FileIO.rename(path, target)
            try FileIO.syncDirectory(directory)
            return target
        } catch {
            logger.error("could not move \(path) to \(target): \(error)")
            return nil
        }
    }
}

/// One intact WAL record.
private enum WALEntry {
    case batch(WriteBatch)
    case tombstone(Tombstone)
}

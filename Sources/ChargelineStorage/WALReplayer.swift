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
/// Recovery rules (tested by truncating at every offset and by flipping bytes):
/// - Records carry their own checksums: a damaged segment header (magic, version) does not
///   hide the records behind it. Only a header whose version is not this build's while its
///   records do not check out as this build's is refused (a newer format: run that version).
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
        let ids = FileIO.list(directory)
            .compactMap { FileNames.id(of: $0, suffix: FileNames.walSuffix) }
            .sorted()
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
        let headerIntact = bytes.count >= WALRecord.segmentHeaderSize && Array(bytes[0..<4]) == WALRecord.magic
        let version = bytes.count >= 6 ? bytes.withUnsafeBytes { $0.loadLE(UInt16.self, at: 4) } : 0
        if !headerIntact || version != WALRecord.version {
            let firstIntact = bytes.withUnsafeBytes { resync($0, from: WALRecord.segmentHeaderSize) }
            if firstIntact >= bytes.count {
                if headerIntact {
                    throw ChargelineError(.corruption, "\(path): WAL version \(version) is not supported by this build (expects \(WALRecord.version)) and no record in it checks out as version \(WALRecord.version); run the Chargeline version that wrote it, or move the file out of the wal folder if it is damaged")
                }
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
            problems.append("\(path): damaged segment header (bytes 0-5 should be \"CLWL\" and version \(WALRecord.version)); its records still check out and are replayed")
        }
        var offset = WALRecord.segmentHeaderSize
        var batches: [WALEntry] = []
        var tail: (offset: Int, what: String, cutShort: Bool)?
        func lose(_ from: Int, _ to: Int) {
            report.lostBytes += to - from
            report.lostRegions += 1
        }
        bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                switch check(raw, at: offset) {
                case .ok(let end, let payloadStart):
                    if raw[payloadStart - 1] == WALRecord.Kind.tombstone.rawValue {
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
                    offset = end
                case .torn:
                    // A record running past the end: its length field is damaged if intact
                    // records follow; otherwise the file ends inside it.
                    let next = resync(raw, from: offset + 1)
                    if next < raw.count {
                        problems.append("\(path): damaged record header at byte \(offset) (length runs past the end); lost \(next - offset) bytes (at least one record) up to the next intact record at byte \(next)")
                        lose(offset, next)
                        offset = next
                    } else {
                        tail = (offset, "the file ends inside the record at byte \(offset) (\(raw.count - offset) bytes present): a write cut short by a crash, or a file truncated since", true)
                        offset = raw.count
                    }
                case .badChecksum:
                    let next = resync(raw, from: offset + 1)
                    if next == raw.count {
                        tail = (offset, "the record at byte \(offset) fails its checksum and nothing intact follows it (\(raw.count - offset) bytes): a write torn by a crash, or damage", false)
                        offset = raw.count
                        break
                    }
                    problems.append("\(path): damaged record at byte \(offset) (checksum mismatch); lost \(next - offset) bytes (at least one record) up to the next intact record at byte \(next)")
                    lose(offset, next)
                    offset = next
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
                    let fd = try FileIO.open(path, O_WRONLY)
                    defer { FileIO.close(fd) }
                    try FileIO.truncate(fd, to: tail.offset, path: path)
                    try FileIO.sync(fd, path: path)
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

    private enum Check { case ok(end: Int, payloadStart: Int), torn, badChecksum }

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
              CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[start..<end])) == crc else { return .badChecksum }
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

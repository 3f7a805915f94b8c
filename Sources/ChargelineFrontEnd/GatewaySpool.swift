import ChargelineCore
import ChargelineLog
import Foundation
package import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A gateway's bounded on-disk queue of line-protocol batches waiting for the storage node.
/// Every batch a gateway decodes is appended here first and forwarded from here in order, so
/// a slow or stopped node costs disk, never data; a gateway restart resumes where it was.
///
/// Directory layout (one directory per gateway process, locked with `flock` so two
/// processes never share one):
///
/// ```
/// spool.lock
/// cursor                      "<segment> <offset>\n": the first byte not yet acknowledged
/// 00000000000000000001.spool  segments of records, rolled at `segmentBytes`
/// ```
///
/// Segments are the shared log format (ChargelineLog, docs/format/log.md) of kind `S`,
/// version 2: the 8-byte log header, then records whose payload is the spool's:
///
/// ```
/// ┌───────────┬───────────┬────────────┬────────┬─────────────────────────────┐
/// │ len <u32> │ crc <u32> │ dbLen <u8> │ db     │ line protocol (len-1-dbLen) │
/// └───────────┴───────────┴────────────┴────────┴─────────────────────────────┘
///   the log's framing: len counts the payload after the crc; the crc covers it.
/// ```
///
/// Durability: an append is one `pwrite` (so it survives the gateway process dying the
/// moment after); segments are `fdatasync`ed when they roll and every `syncIntervalSeconds`
/// by the forwarder, so a power loss costs at most that interval.
///
/// Recovery: at open the newest segment is cut at its first bad record (what a power loss
/// mid-write leaves; logged), and appends always go to a fresh segment. A bad record found
/// later in an older segment is damage: the reader logs it (`LogCorruption`: file, segment,
/// offset, what) and moves to the next segment. A segment of another kind or version of the
/// log format (or the development format `CLSPOOL1`) stops the open with an error naming it.
///
/// Bounded: when the segments hold `maxBytes`, appends fail (the caller counts the batch as
/// dropped and logs it) until the forwarder frees space.
package final class GatewaySpool: @unchecked Sendable {
    /// The spool's version of the log format. 1 was a development format with a magic of its
    /// own (`CLSPOOL1`), refused by name, not read.
    static let version: UInt8 = 2
    /// The header of every spool segment.
    static let header = LogSegmentHeader(kind: .spool, version: version)
    /// Bytes before a segment's first record.
    static let headerSize = LogSegmentHeader.size
    /// The suffix of segment files.
    static let suffix = ".spool"
    /// The development format's magic, recognised only to refuse it by name.
    static let legacyMagic: [UInt8] = Array("CLSPOOL1".utf8)
    /// 8 MiB segments: small enough that a forwarded one is deleted soon, large enough that
    /// rolling (an fdatasync and a create) is rare.
    static let segmentBytes = 8 << 20

    let directory: String
    let maxBytes: Int
    private let lock = NSCondition()
    private let logger: Logger
    private let lockFD: Int32
    /// Committed size of each segment on disk, by sequence number.
    private var sizes: [UInt64: Int] = [:]
    private var writeSeq: UInt64 = 0
    private var writeFD: Int32 = -1
    private var totalBytes = 0
    private var closed = false
    private var unsynced = false
    /// The first byte not yet acknowledged.
    private(set) var cursor: (segment: UInt64, offset: Int)
    /// When records were appended, sampled: (position of a record, wall-clock seconds it was
    /// appended), in spool order, at most one per `markSeconds` (one per second of a node
    /// outage: 86,400 a day), so the age of the oldest pending record is known to within
    /// that, without a timestamp in the record format. Trimmed on acknowledgement.
    private var marks: [(segment: UInt64, offset: Int, time: Double)] = []
    private var firstMark = 0
    /// The sampling interval of `marks` (seconds): the precision of `oldestPendingSeconds`.
    static let markSeconds = 1.0
    private let clock: @Sendable () -> Double
    /// The record being appended, encoded in place and reused (guarded by `lock`), so an append
    /// allocates nothing once it has grown to the largest batch.
    private var scratch: [UInt8] = []

    /// Opens (or creates) the spool in `directory`.
    /// - Throws: `ChargelineError` when the directory cannot be used or another process holds it.
    package init(directory: String, maxBytes: Int, logger: Logger,
                 clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        self.directory = directory
        self.maxBytes = maxBytes
        self.logger = logger
        self.clock = clock
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        lockFD = open(directory + "/spool.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { throw Self.ioError("open", directory + "/spool.lock") }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(lockFD)
            throw ChargelineError(.io, "spool \(directory) is in use by another gateway process; give each gateway its own --spool directory")
        }
        var modified: [UInt64: Double] = [:]
        var saved: (segment: UInt64, offset: Int)?
        if let text = try? String(contentsOfFile: directory + "/cursor", encoding: .utf8) {
            let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
            if parts.count == 2, let s = UInt64(parts[0]), let o = Int(parts[1]) { saved = (s, o) }
        }
        let found = LogSegmentNames.list(directory, suffix: Self.suffix)
        for seq in found {
            let p = directory + "/" + LogSegmentNames.name(seq, suffix: Self.suffix)
            let attributes = try? FileManager.default.attributesOfItem(atPath: p)
            var size = attributes?[.size] as? Int ?? 0
            // Segments wholly before the cursor were forwarded: removed below, never read.
            if seq >= saved?.segment ?? 0 {
                do {
                    guard let checked = try Self.check(p, seq: seq, size: size, isLast: seq == found.last, logger: logger) else { continue }
                    size = checked
                } catch {
                    // Not every stored property is set yet, so `deinit` will not run: release the lock here.
                    Glibc.close(lockFD)
                    throw error
                }
            }
            sizes[seq] = size
            totalBytes += size
            modified[seq] = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970
        }
        cursor = saved ?? (sizes.keys.min() ?? 1, 0)
        // Segments wholly before the cursor were forwarded before the last stop.
        for seq in sizes.keys where seq < cursor.segment { removeSegment(seq) }
        if sizes[cursor.segment] == nil, let first = sizes.keys.min() { cursor = (first, 0) }
        // Records spooled before a restart carry no time: date each older segment's records
        // by the segment file's last write (so their age is known to within a segment's span).
        for seq in sizes.keys.sorted() where seq >= cursor.segment {
            if let time = modified[seq] { marks.append((seq, 0, time)) }
        }
        // Never append after a possibly torn tail: always write into a fresh segment.
        writeSeq = (sizes.keys.max() ?? 0) + 1
        try openWriteSegment()
        let pending = totalBytes - Self.headerSize
        if pending > sizes.count * Self.headerSize {
            logger.notice("spool has data from before the restart; forwarding it first", metadata: [
                "spool": "\(directory)", "bytes": "\(totalBytes)", "segments": "\(sizes.count)",
            ])
        }
    }

    deinit {
        if writeFD >= 0 { Glibc.close(writeFD) }
        Glibc.close(lockFD)
    }

    private static func ioError(_ what: String, _ path: String) -> ChargelineError {
        ChargelineError(.io, "spool: \(what) \(path) failed: \(String(cString: strerror(errno))); check the disk and permissions")
    }

    private func path(_ seq: UInt64) -> String {
        directory + "/" + LogSegmentNames.name(seq, suffix: Self.suffix)
    }

    /// Checks the header of the segment `seq` found at open (`size` bytes at `path`) and, for
    /// the newest one, cuts it at its first bad record. Returns the size to count, or nil when
    /// the segment was removed (a create cut short before its header was whole).
    /// - Throws: `.corruption` naming the file and version for a segment of another version or
    ///   kind (including the development format `CLSPOOL1`); `.io` when it cannot be read or cut.
    private static func check(_ path: String, seq: UInt64, size: Int, isLast: Bool, logger: Logger) throws -> Int? {
        let remedy = "run the gateway version that wrote it until its spool is empty, or move the file out of the spool folder (its batches are then not forwarded)"
        var first = [UInt8](repeating: 0, count: legacyMagic.count)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("open", path) }
        let n = first.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, 0) }
        Glibc.close(fd)
        guard n >= 0 else { throw ioError("read", path) }
        first.removeLast(first.count - n)
        if first == legacyMagic {
            throw ChargelineError(.corruption, "\(path): spool version 1 (magic \"CLSPOOL1\"), a development format this gateway does not read (it reads version \(version)); \(remedy)")
        }
        if let bad = first.withUnsafeBytes({ header.validate($0, path: path, segment: seq) }) {
            if bad.isForeign { throw bad.error(remedy: remedy) }
            if size < headerSize && isLast {
                // A segment whose create was cut short: it holds no record.
                logger.warning("spool: removing a segment whose header was never completed", metadata: ["segment": "\(path)", "bytes": "\(size)"])
                unlink(path)
                return nil
            }
            // Records carry their own checksums: the reader still forwards those that check out.
            logger.error("spool: \(bad); its records are still read and forwarded where they check out")
            return size
        }
        guard isLast else { return size }
        let outcome = try LogRecovery.recoverLastSegment(path: path, segment: seq, header: header)
        if let bad = outcome.corruption {
            logger.warning("spool: cut the newest segment at its first bad record (a write cut short by a crash or power loss, or damage)", metadata: [
                "corruption": "\(bad)", "bytesCut": "\(outcome.truncatedBytes)", "recordsKept": "\(outcome.records)",
            ])
        }
        return size - outcome.truncatedBytes
    }

    private func openWriteSegment() throws {
        let p = path(writeSeq)
        let fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.ioError("create", p) }
        let headerBytes = Self.header.bytes
        let n = headerBytes.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
        guard n == headerBytes.count else { Glibc.close(fd); throw Self.ioError("write", p) }
        writeFD = fd
        sizes[writeSeq] = Self.headerSize
        totalBytes += Self.headerSize
        if cursor.offset == 0 && sizes.count == 1 { cursor = (writeSeq, 0) }
    }

    private func removeSegment(_ seq: UInt64) {
        guard let size = sizes.removeValue(forKey: seq) else { return }
        totalBytes -= size
        unlink(path(seq))
    }

    /// Bytes waiting to be forwarded (excluding segment headers).
    package var pendingBytes: Int {
        lock.lock()
        defer { lock.unlock() }
        var n = 0
        for (seq, size) in sizes where seq >= cursor.segment {
            n += size - (seq == cursor.segment ? max(cursor.offset, Self.headerSize) : Self.headerSize)
        }
        return n
    }

    /// Seconds since the oldest record not yet acknowledged was appended (0 when nothing is
    /// pending), to within `markSeconds`: `chargeline_spool_oldest_seconds`. For records spooled
    /// before a restart, counted from their segment file's last write.
    package var oldestPendingSeconds: Double {
        lock.lock()
        defer { lock.unlock() }
        guard hasPending else { return 0 }
        // The last mark at or before the cursor dates the record there (appended no earlier).
        var i = firstMark
        while i + 1 < marks.count && !Self.isAfter(marks[i + 1], cursor) { i += 1 }
        guard i < marks.count else { return 0 }
        return max(0, clock() - marks[i].time)
    }

    /// Whether a mark lies after `position` in spool order.
    private static func isAfter(_ mark: (segment: UInt64, offset: Int, time: Double),
                                _ position: (segment: UInt64, offset: Int)) -> Bool {
        mark.segment > position.segment || (mark.segment == position.segment && mark.offset > position.offset)
    }

    /// Whether any record waits past the cursor (under `lock`).
    private var hasPending: Bool {
        for (seq, size) in sizes where seq >= cursor.segment {
            if size > (seq == cursor.segment ? max(cursor.offset, Self.headerSize) : Self.headerSize) { return true }
        }
        return false
    }

    /// Appends one batch of line protocol for `database`.
    /// - Throws: `ChargelineError` `.limit` when the spool is full, `.io` when the disk fails.
    func append(database: String, lineProtocol: [UInt8]) throws {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { throw ChargelineError(.closed, "spool \(directory) is closed") }
        scratch.removeAll(keepingCapacity: true)
        let start = LogRecord.begin(&scratch)
        scratch.append(UInt8(database.utf8.count))
        scratch.append(contentsOf: database.utf8)
        scratch.append(contentsOf: lineProtocol)
        LogRecord.finish(&scratch, recordAt: start)
        let record = scratch
        // Acknowledged bytes of the cursor's segment still sit on disk until it is deleted,
        // but they no longer count against the bound.
        let acknowledged = sizes[cursor.segment] != nil ? cursor.offset : 0
        guard totalBytes - acknowledged + record.count <= maxBytes else {
            throw ChargelineError(.limit, "spool \(directory) is full (\(maxBytes) bytes): the storage node has been "
                                  + "unreachable too long; raise --spool-max-bytes or bring the node back")
        }
        if sizes[writeSeq]! + record.count > Self.segmentBytes && sizes[writeSeq]! > Self.headerSize {
            fdatasync(writeFD)
            Glibc.close(writeFD)
            writeFD = -1
            writeSeq += 1
            try openWriteSegment()
        }
        let at = sizes[writeSeq]!
        let n = record.withUnsafeBytes { pwrite(writeFD, $0.baseAddress!, $0.count, off_t(at)) }
        guard n == record.count else { throw Self.ioError("write", path(writeSeq)) }
        let now = clock()
        if firstMark == marks.count || now - marks[marks.count - 1].time >= Self.markSeconds {
            marks.append((writeSeq, at, now))
        }
        sizes[writeSeq] = at + record.count
        totalBytes += record.count
        unsynced = true
        lock.signal()
    }

    /// Syncs the segment being written if anything was appended since the last sync.
    func sync() {
        lock.lock()
        let fd = unsynced ? writeFD : -1
        unsynced = false
        lock.unlock()
        if fd >= 0 { fdatasync(fd) }
    }

    /// One record read for forwarding.
    struct Record {
        var database: String
        var lineProtocol: ArraySlice<UInt8>
        /// Where the record after this one starts.
        var next: (segment: UInt64, offset: Int)
    }

    /// Reads records from the cursor, up to about `maxBytes` of line protocol, waiting up to
    /// `timeout` seconds for the first one. Does not move the cursor (see `acknowledge`).
    func read(maxBytes: Int, timeout: Double) -> [Record] {
        lock.lock()
        defer { lock.unlock() }
        var position = cursor
        var out: [Record] = []
        var bytes = 0
        let deadline = Date().addingTimeInterval(timeout)
        scan: while bytes < maxBytes && !closed {
            if position.offset < Self.headerSize { position.offset = Self.headerSize }
            guard let size = sizes[position.segment] else {
                // The cursor's segment is gone (deleted after acknowledgement): jump ahead.
                guard let nextSeq = sizes.keys.filter({ $0 > position.segment }).min() else { break }
                position = (nextSeq, 0)
                continue
            }
            if position.offset >= size {
                if position.segment < writeSeq {
                    position = (sizes.keys.filter { $0 > position.segment }.min() ?? writeSeq, 0)
                    continue
                }
                if out.isEmpty && Date() < deadline {
                    _ = lock.wait(until: deadline)
                    continue
                }
                break
            }
            let record: Record
            switch readRecord(position.segment, at: position.offset, size: size) {
            case .success(let r):
                record = r
            case .failure(let bad):
                // Damage in an older segment (the newest was cut at its first bad record at
                // open): what precedes it was forwarded; the rest of the segment is not.
                logger.error("spool: bad record, skipping the rest of the segment", metadata: [
                    "corruption": "\(bad)", "skippedBytes": "\(size - position.offset)",
                ])
                if position.segment < writeSeq {
                    position = (sizes.keys.filter { $0 > position.segment }.min() ?? writeSeq, 0)
                    out.append(Record(database: "", lineProtocol: [], next: position))
                    continue scan
                }
                break scan
            }
            bytes += record.lineProtocol.count
            out.append(record)
            position = record.next
        }
        return out
    }

    /// The record at `offset` of segment `seq` (`size` bytes committed), checked by the log's
    /// framing and checksum, or what is wrong there.
    private func readRecord(_ seq: UInt64, at offset: Int, size: Int) -> Result<Record, LogCorruption> {
        let p = path(seq)
        func bad(_ problem: LogCorruption.Problem) -> Result<Record, LogCorruption> {
            .failure(LogCorruption(path: p, segment: seq, offset: offset, problem: problem))
        }
        let available = size - offset
        guard available >= LogRecord.headerSize else { return bad(.tornTail(present: available)) }
        let fd = open(p, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return bad(.tornTail(present: 0)) }
        defer { Glibc.close(fd) }
        var headerBytes = (UInt64(0))
        let got = withUnsafeMutableBytes(of: &headerBytes) { pread(fd, $0.baseAddress!, LogRecord.headerSize, off_t(offset)) }
        guard got == LogRecord.headerSize else { return bad(.tornTail(present: max(0, got))) }
        let header = withUnsafeBytes(of: &headerBytes) { LogRecord.header($0, at: 0) }
        if let problem = LogRecord.problem(header: header, available: available) { return bad(problem) }
        var body = [UInt8](repeating: 0, count: header.length)
        let read = body.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, header.length, off_t(offset + LogRecord.headerSize)) }
        guard read == header.length else { return bad(.tornTail(present: LogRecord.headerSize + max(0, read))) }
        guard body.withUnsafeBytes({ LogRecord.checksum($0) }) == header.checksum else { return bad(.badChecksum) }
        let dbLen = Int(body[0])
        guard 1 + dbLen <= header.length else { return bad(.unrecognizedPayload) }
        return .success(Record(database: String(decoding: body[1..<(1 + dbLen)], as: UTF8.self), lineProtocol: body[(1 + dbLen)...],
                               next: (seq, offset + LogRecord.headerSize + header.length)))
    }

    /// Marks everything before `position` forwarded: persists the cursor and deletes
    /// segments wholly before it.
    func acknowledge(through position: (segment: UInt64, offset: Int)) {
        lock.lock()
        cursor = position
        for seq in sizes.keys where seq < position.segment { removeSegment(seq) }
        // Keep the last mark at or before the cursor: it dates the next pending record.
        while firstMark + 1 < marks.count && !Self.isAfter(marks[firstMark + 1], position) { firstMark += 1 }
        if firstMark > 1024 && firstMark * 2 > marks.count {
            marks.removeFirst(firstMark)
            firstMark = 0
        }
        lock.unlock()
        let tmp = directory + "/cursor.tmp"
        let text = "\(position.segment) \(position.offset)\n"
        if (try? text.write(toFile: tmp, atomically: false, encoding: .utf8)) != nil {
            rename(tmp, directory + "/cursor")
        }
    }

    /// Syncs and closes; readers waiting return.
    package func close() {
        lock.lock()
        closed = true
        if writeFD >= 0 { fdatasync(writeFD) }
        lock.broadcast()
        lock.unlock()
    }
}
